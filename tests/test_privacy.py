"""Personal data masked in every output by default, kept on request, and no live formula in report.xlsx.

Real inputs: seed 000 of the corpus rendered as a born-digital PDF by corpus/build.py, with
lines of personal data added and a personnummer, an e-mail address and a phone number in its
file name; beside it seed 002 with a `=HYPERLINK(...)` line in a file named `=2+5+cmd.pdf`.
Both go through `papers run`, once masked (the default) and once with --keep-personal-data;
every kind is looked for in every output file of both runs.
"""

from __future__ import annotations

import dataclasses
import html
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from PIL import Image, ImageStat

from corpus.build import layout_blocks, read_seed, render_born_digital
from pipeline.cli import main
from pipeline.model import Document
from pipeline.privacy import is_personnummer, mask_document, mask_result, mask_text
from pipeline.reconcile import load_documents, reconcile_documents
from pipeline.report import write_outputs
from pipeline.rules import load_rules
from tests.conftest import CORPUS_INPUTS

PERSONAL = {
    # kind: (as written, masked)
    "personnummer 12 digits": ("19121212-1212", "********-****"),
    "personnummer 10 digits": ("850709-9805", "******-****"),
    "samordningsnummer": ("701063-2391", "******-****"),
    "phone": ("013-20 60 00", "***-** ** **"),
    "mobile phone": ("070-123 45 67", "***-*** ** **"),
    "phone, international": ("+46 13 20 60 00", "+** ** ** ** **"),
    "e-mail": ("anna.andersson@linkoping.se", "****.*********@*********.**"),
    "street address": ("Storgatan 12, 582 25 Linköping", "********* **, *** ** *********"),
    "box address": ("Box 123, 581 81 Linköping", "*** ***, *** ** *********"),
}
STAYS = ("121212-1213", "212000-0142", "454 000 kr", "230 000 kr")
"""An invalid-Luhn number, an organisation number and the paper's amounts: never masked."""

ADDED_LINES = (
    "Kontaktperson: Anna Andersson, personnummer 19121212-1212.",
    "Kassör: Per Persson, 850709-9805 (samordningsnummer 701063-2391).",
    "Felskrivet nummer som ska stå kvar: 121212-1213.",
    "Linköpings kommun, organisationsnummer 212000-0142.",
    "Telefon 013-20 60 00, mobil 070-123 45 67, växel +46 13 20 60 00.",
    "E-post: anna.andersson@linkoping.se",
    "Besöksadress: Storgatan 12, 582 25 Linköping",
    "Postadress: Box 123, 581 81 Linköping",
)
NAME = "IOP ikf 19121212-1212 anna.andersson@linkoping.se tel 013-206000.pdf"
NAME_MASKED = "IOP ikf ********-**** ****.*********@*********.** tel ***-******.pdf"
NAME_KINDS = {"personnummer 12 digits", "e-mail", "phone"}
"""The kinds the file name holds (its phone number written 013-206000)."""
FORMULA_LINE = '=HYPERLINK("http://x.example","454 000 kr")'
FORMULA_NAME = "=2+5+cmd.pdf"


def _paper(seed: str, added: tuple[str, ...], out: Path) -> None:
    """Render a corpus seed as born-digital PDF with `added` lines, each its own paragraph, after the economy section."""
    lines = read_seed(seed)
    at = next(i for i, line in enumerate(lines) if line.strip() == "Ekonomiska konsekvenser") + 3
    extra = [piece for line in added for piece in ("", line)]
    render_born_digital(layout_blocks(lines[:at] + extra + lines[at:]), out)


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("inputs")
    _paper("000", ADDED_LINES, folder / NAME)
    _paper("002", (FORMULA_LINE,), folder / FORMULA_NAME)
    return folder


def _run(inputs: Path, out: Path, *extra: str) -> Path:
    assert main(["run", str(inputs), "--out", str(out), "--jobs", "1", "--no-progress", *extra]) == 0
    return out


@pytest.fixture(scope="module")
def masked(inputs: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _run(inputs, tmp_path_factory.mktemp("masked"))


@pytest.fixture(scope="module")
def kept(inputs: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _run(inputs, tmp_path_factory.mktemp("kept"), "--keep-personal-data")


def _document(out: Path) -> Document:
    docs, _ = load_documents(out)
    return next(d for d in docs if d.source.startswith("IOP ikf"))


def outputs(out: Path) -> dict[str, str]:
    """The text of every output of a run, by output: words (both forms) joined line by line, so a
    value split into words reads as written; every other file as a reader of it sees it."""
    doc = _document(out)
    book = load_workbook(out / "report.xlsx")
    return {
        "document words": "\n".join(" ".join(w.text for w in words) for _, _, words in doc.lines()),
        "document words as scanned": "\n".join(" ".join(w.scanned for w in words) for _, _, words in doc.lines()),
        "document facts": json.dumps([f.model_dump(mode="json") for f in doc.facts], ensure_ascii=False),
        "document source": doc.source,
        "manifest.json": (out / "manifest.json").read_text(encoding="utf-8"),
        "records.jsonl": (out / "records.jsonl").read_text(encoding="utf-8"),
        "records.parquet": pd.read_parquet(out / "records.parquet").to_csv(index=False),
        "discrepancies.json": (out / "discrepancies.json").read_text(encoding="utf-8"),
        "report.html": html.unescape((out / "report.html").read_text(encoding="utf-8")),
        "report.xlsx": "\n".join(str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row),
    }


EXPECTED = {
    **{(kind, "document words"): True for kind in PERSONAL},
    **{(kind, "document words as scanned"): True for kind in PERSONAL},
    ("personnummer 10 digits", "document facts"): True,  # the facts stage finds no samordningsnummer (stdnum)
    **{(kind, name): True for kind in NAME_KINDS
       for name in ("document source", "manifest.json", "records.jsonl", "records.parquet", "report.html", "report.xlsx")},
}
"""(kind, output) pairs where the kept run holds the value as written: what the fixture exercises."""


def _raw(kind: str) -> tuple[str, ...]:
    return (PERSONAL[kind][0], "013-206000") if kind == "phone" else (PERSONAL[kind][0],)


def test_kept_run_holds_every_kind_where_expected(kept: Path):
    texts = outputs(kept)
    found = {(kind, name) for kind in PERSONAL for name, text in texts.items() if any(r in text for r in _raw(kind))}
    assert found == set(EXPECTED)
    assert json.loads((kept / "manifest.json").read_text())["personal_data"] == "kept"
    assert _document(kept).personal_data == "kept"


@pytest.mark.parametrize("kind", sorted(PERSONAL))
def test_each_kind_masked_in_every_output(masked: Path, kind: str):
    texts = outputs(masked)
    for name, text in texts.items():
        assert not any(r in text for r in _raw(kind)), (kind, name)
    as_written, mask = PERSONAL[kind]
    for name in ("document words", "document words as scanned"):
        assert mask in texts[name], (kind, name)


def test_masks_keep_the_digit_count_and_the_rest_of_a_file_name(masked: Path):
    texts = outputs(masked)
    for name in ("document source", "manifest.json", "records.jsonl", "records.parquet", "report.html", "report.xlsx"):
        assert NAME_MASKED in texts[name], name
    doc = _document(masked)
    assert doc.personal_data == "masked"
    assert json.loads((masked / "manifest.json").read_text())["personal_data"] == "masked"
    personal = [f for f in doc.facts if f.kind == "personal_number"]
    assert [(f.value, f.text, f.evidence.text_as_scanned, f.evidence.text_repaired) for f in personal] == [("******-****",) * 4]


def test_amounts_dates_org_numbers_and_invalid_numbers_stay(masked: Path, kept: Path):
    words = outputs(masked)["document words"]
    for value in STAYS:
        assert value in words, value
    facts = {(f.kind, f.role, f.evidence.page, f.evidence.bbox): f for f in _document(kept).facts}
    for f in _document(masked).facts:
        if f.kind != "personal_number":
            assert f == facts[(f.kind, f.role, f.evidence.page, f.evidence.bbox)]


def _word_box_means(masked: Path, kept: Path, text: str) -> tuple[str, float, float]:
    """The masked form of the first word reading `text` in the kept run, and the mean grey level
    (0 black, 255 white) inside its box in the kept and the masked run's evidence image."""
    kept_doc, masked_doc = _document(kept), _document(masked)
    page_no, index = next((p.number, i) for p in kept_doc.pages for i, w in enumerate(p.words) if w.text == text)
    means = []
    for out, doc in ((kept, kept_doc), (masked, masked_doc)):
        page = doc.pages[page_no - 1]
        box = tuple(round(v * page.image_scale) for v in page.words[index].bbox)
        with Image.open(out / page.image) as image:
            means.append(ImageStat.Stat(image.convert("L").crop(box)).mean[0])
    return masked_doc.pages[page_no - 1].words[index].text, means[0], means[1]


@pytest.mark.parametrize("word", ["19121212-1212.", "850709-9805", "701063-2391).", "013-20", "070-123", "+46",
                                  "anna.andersson@linkoping.se", "Storgatan", "Box"])
def test_evidence_image_is_black_where_a_masked_word_stood(masked: Path, kept: Path, word: str):
    masked_word, kept_mean, masked_mean = _word_box_means(masked, kept, word)
    assert masked_word != word and kept_mean > 150 and masked_mean < 30  # black glyphs on white, then black


def test_unmasked_words_keep_their_pixels(masked: Path, kept: Path):
    masked_word, kept_mean, masked_mean = _word_box_means(masked, kept, "212000-0142.")
    assert masked_word == "212000-0142." and abs(kept_mean - masked_mean) < 3


def test_discrepancies_and_reports_mask_what_a_finding_quotes(kept: Path, tmp_path: Path):
    """The batch writers mask on their own: a finding quoting every kind, written into a folder
    without a manifest (so no record of --keep-personal-data), comes out masked."""
    docs, _ = load_documents(kept)
    result = reconcile_documents(docs, load_rules())
    quote = " · ".join(as_written for as_written, _ in PERSONAL.values())
    first = result.report.findings[0]
    first = first.model_copy(update={"explanation": quote, "values": tuple(v.model_copy(update={"value": quote}) for v in first.values)})
    report = result.report.model_copy(update={"findings": (first, *result.report.findings[1:])})
    write_outputs(dataclasses.replace(result, report=report), tmp_path, load_rules().privacy)
    book = load_workbook(tmp_path / "report.xlsx")
    texts = {
        "discrepancies.json": (tmp_path / "discrepancies.json").read_text(encoding="utf-8"),
        "report.html": html.unescape((tmp_path / "report.html").read_text(encoding="utf-8")),
        "report.xlsx": "\n".join(str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row),
    }
    masked_quote = " · ".join(mask for _, mask in PERSONAL.values())
    for name, text in texts.items():
        assert masked_quote in text and not any(v in text for v, _ in PERSONAL.values()), name


def test_the_mask_setting_is_part_of_the_rerun_key(inputs: Path, masked: Path, tmp_path: Path):
    out = tmp_path / "out"
    shutil.copytree(masked, out)
    _run(inputs, out, "--keep-personal-data")
    assert "19121212-1212" in outputs(out)["document words"]
    _run(inputs, out)
    assert outputs(out) == outputs(masked)


def test_reconcile_follows_the_setting_the_manifest_records(kept: Path, tmp_path: Path):
    out = tmp_path / "out"
    shutil.copytree(kept, out)
    assert main(["reconcile", str(out)]) == 0
    assert NAME in outputs(out)["records.jsonl"]
    (out / "manifest.json").unlink()  # no record of a setting: masked
    assert main(["reconcile", str(out)]) == 0
    records = (out / "records.jsonl").read_text(encoding="utf-8")
    assert NAME not in records and NAME_MASKED in records


def test_no_live_formula_in_report_xlsx(masked: Path):
    book = load_workbook(masked / "report.xlsx")
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    starts = [c for c in cells if isinstance(c.value, str) and c.value.startswith(("=", "+", "-", "@", "\t", "\r"))]
    assert any(c.value.startswith(FORMULA_NAME) for c in starts)  # the file name, in Records
    assert any(c.value.startswith("=HYPERLINK(") for c in starts)  # the line, as an amount's evidence
    assert all(c.data_type == "s" and c.quotePrefix for c in starts)
    records = book["Records"]
    header = [c.value for c in records[1]]
    sek = [row[header.index("value_sek")] for row in records.iter_rows(min_row=2, values_only=True)]
    assert any(isinstance(v, int) for v in sek) and not any(isinstance(v, str) for v in sek)  # numbers stay numbers


def test_personnummer_check():
    assert is_personnummer("121212121") is False
    assert all(is_personnummer(d) for d in ("1212121212", "191212121212", "8507099805", "7010632391"))
    assert not any(is_personnummer(d) for d in ("1212121213", "2120000142", "211212121212", "0000000000"))
    privacy = load_rules().privacy
    assert mask_text("851231+1237 och 19851231-1237", privacy) == "******+**** och ********-****"
    for kept_as_is in ("2024-03-15", "KS 2023-123", "Dnr 2023-00123", "47 %", "år 2023", "1 013 200 kr", "0-18 år",
                       "period 2018-06-01 - 2020-05-31", "GLN -nr 7332776000001", "PEPPOL-ID: 0007:2120000449"):
        assert mask_text(kept_as_is, privacy) == kept_as_is


def test_a_gain_printed_with_a_plus_is_no_phone_number():
    # a deviation column prints its gains with a plus ("+46 410 000", `fuzz_flat_tables.py --plus-signs`): a
    # figure grouped in threes, where a Swedish number after +46 has an area code of one to three digits
    privacy = load_rules().privacy
    assert mask_text("Digitalisering 26 640 000 +46 410 000 0", privacy) == "Digitalisering 26 640 000 +46 410 000 0"
    assert mask_text("växel +46 13 20 60 00, mobil +46 70 123 45 67", privacy) == "växel +** ** ** ** **, mobil +** ** *** ** **"


def test_corpus_facts_tables_and_batch_outputs_are_untouched(tmp_path: Path):
    """The born-digital corpus papers, read with personal data kept, then masked as the writers
    mask them: only the postal address on 004's invoicing page changes."""
    out = _run(CORPUS_INPUTS / "born-digital", tmp_path / "out", "--keep-personal-data")
    rules = load_rules()
    docs, _ = load_documents(out)
    changed = []
    for doc in docs:
        masked_doc, _ = mask_document(doc, rules.privacy)
        assert masked_doc.facts == doc.facts and masked_doc.tables == doc.tables and masked_doc.sections == doc.sections
        changed += [(doc.source, w.text) for p, q in zip(doc.pages, masked_doc.pages) for w, v in zip(p.words, q.words) if w != v]
    assert changed == [("004-iop-bilda-erikshjalpen.pdf", w) for w in ("Skanningcentralen", "150Z", "581", "81", "LINKÖPING")]
    result = reconcile_documents(docs, rules)
    masked_result = mask_result(result, rules.privacy)
    assert masked_result.records == result.records and masked_result.report == result.report
