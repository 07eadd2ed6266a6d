"""Ingest: input discovery, page classification, text-layer words and their boxes."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.errors import InputError
from pipeline.ingest import classify_layer, find_inputs, ingest, media_type, sha256_file
from pipeline.lexicon import hit_rate, load_word_list
from pipeline.model import Document
from pipeline.rules import load_rules
from pipeline.tesseract import OcrSettings
from tests.conftest import CORPUS_INPUTS, ROOT
from tests.realdev import needs_realdev

SEEDS = ROOT / "corpus" / "sources"


def _ingest(path: Path, **kwargs):
    return ingest(path, path.name, load_rules(), pipeline_version="test", settings=OcrSettings(), **kwargs)


def test_find_inputs_walks_folders_sorted_and_skips_hidden(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "2.pdf").write_bytes(b"x")
    (tmp_path / "a.txt").write_text("x")
    (tmp_path / ".hidden.pdf").write_bytes(b"x")
    found = find_inputs([tmp_path, tmp_path / "a.txt"])
    assert [(f.folder, f.relative) for f in found] == [(tmp_path.name, "a.txt"), (tmp_path.name, "b/2.pdf"), (tmp_path.name, "a.txt")]


def test_document_id_is_full_sha256_of_bytes(tmp_path):
    path = tmp_path / "x.txt"
    path.write_bytes(b"abc")
    assert sha256_file(path) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_unsupported_type_is_an_input_error():
    with pytest.raises(InputError, match="unsupported file type"):
        media_type(Path("minutes.docx"))


@pytest.mark.parametrize(
    ("seed", "kind"),
    [("000_f52ffa7c270fa2f6.txt", "text"), ("004_735a020d4d168d61.txt", "text"), ("001_4a9237c8b8c7ea00.txt", "damaged_text")],
)
def test_text_inputs_are_classified_by_lexicon_hit_rate(seed, kind):
    ingested = _ingest(SEEDS / seed)
    assert [p.kind for p in ingested.document.pages] == [kind]
    assert ingested.ocr_jobs == ()


def test_born_digital_pdf_reads_words_with_boxes_and_ruled_tables():
    ingested = _ingest(CORPUS_INPUTS / "born-digital" / "004-iop-bilda-erikshjalpen.pdf")
    doc = ingested.document
    assert {p.kind for p in doc.pages} == {"text"} and ingested.ocr_jobs == ()
    first = doc.pages[0]
    assert all(w.bbox and 0 <= w.bbox.x0 < w.bbox.x1 <= first.width for w in first.words)
    assert all(0 <= w.bbox.top < w.bbox.bottom <= first.height for w in first.words)
    lines = [line for page, line, _ in doc.lines() if page == 1]
    assert lines == sorted(lines) and lines[0] == 1
    assert len(doc.tables) == 2 and {t.method for t in doc.tables} == {"ruled"}
    assert set(ingested.evidence) == {p.number for p in doc.pages}


def test_scan_pages_become_ocr_jobs_at_their_image_resolution():
    for folder, dpi in (("scans-300", 300), ("scans-200", 200)):
        ingested = _ingest(CORPUS_INPUTS / folder / "000-iop-ikf.pdf")
        assert [p.kind for p in ingested.document.pages] == ["ocr", "ocr"]
        assert [j.source.dpi for j in ingested.ocr_jobs] == [dpi, dpi]


def test_legacy_bad_text_layer_is_damaged_text_unless_redo_ocr():
    path = CORPUS_INPUTS / "legacy" / "001-iop-oversikt-legacy-ocr.pdf"
    assert {p.kind for p in _ingest(path).document.pages} == {"damaged_text"}
    redone = _ingest(path, redo_ocr=True)
    assert {p.kind for p in redone.document.pages} == {"ocr"}
    assert len(redone.ocr_jobs) == len(redone.document.pages)


def test_image_input_uses_dpi_from_file():
    ingested = _ingest(CORPUS_INPUTS / "images" / "003-iop-aterrapportering-p1.tiff")
    page = ingested.document.pages[0]
    assert page.kind == "ocr" and page.dpi == 300
    assert page.width == pytest.approx(595.4, abs=1) and page.height == pytest.approx(842, abs=1)


def test_output_folder_inside_an_input_folder_is_not_read(tmp_path):
    (tmp_path / "paper.txt").write_text("x")
    (tmp_path / "out" / "evidence").mkdir(parents=True)
    (tmp_path / "out" / "evidence" / "page-001.jpg").write_bytes(b"x")
    assert [f.relative for f in find_inputs([tmp_path], exclude=tmp_path / "out")] == ["paper.txt"]


def test_garbage_text_layer_is_ocrd_instead(tmp_path):
    from reportlab.pdfgen import canvas

    path = tmp_path / "garbage.pdf"
    pdf = canvas.Canvas(str(path))
    pdf.drawString(72, 720, "Xq#9 zzkv pploq 7rrt wqxv mmnb qqzl vvbn kkjh xxzq")
    pdf.save()
    ingested = _ingest(path)
    assert [p.kind for p in ingested.document.pages] == ["ocr"] and len(ingested.ocr_jobs) == 1


def test_unlisted_compounds_of_a_clean_layer_are_no_sign_of_damage():
    """Dev paper 29's second page names compounds no word list holds ("Transaktionsidentitet",
    "Teleledningar"); its layer is clean, so its ruled table is read as one, not repaired."""
    ingested = _ingest(Path(__file__).resolve().parent.parent / "corpus" / "real" / "born-digital" /
                       "29_ks-protokoll-anmalan-delegeringsbeslut.pdf")
    assert [p.kind for p in ingested.document.pages] == ["text", "text"]
    assert any(t.page == 2 and t.method == "ruled" for t in ingested.document.tables)



def test_a_short_page_of_the_genres_words_that_keeps_its_diacritics_is_intact_text():
    # a table page of a re-budgeting paper: "ombudgeteras" and "Projektnr" are in no word list, which
    # sinks a short page's hit rate below the damage line, but its å/ä/ö stand as written
    page = ("Nämnden för Kultur och Fritid Exempel kommun Ombudgetering av investeringar 2024 Projekt som "
            "föreslås ombudgeteras till 2025, tkr Projektnr Projekt Budget 2024 Utfall 2024 Ombudgeteras till "
            "2025 21034 Konstgräsplan Norr 6 500 4 100 2 400 21051 Nytt bibliotek 85 000 40 200 44 800 Summa")
    tokens = page.split()
    assert hit_rate(tokens, load_word_list()) < load_rules().ingest.damaged_min_lexicon_hit_rate
    assert classify_layer(tokens, load_rules()) == "text"
    # the same page as a layer that lost its å/ä/ö is damaged
    lost = page.replace("ä", "a").replace("å", "a").replace("ö", "o").replace("Ä", "A").replace("Ö", "O")
    assert classify_layer(lost.split(), load_rules()) == "damaged_text"


@needs_realdev
def test_every_dev_papers_eng_reading_is_damaged_text():
    # Tesseract -l eng readings of the development papers (corpus/real/damage): no å/ä/ö survives
    dev = json.loads((ROOT / "corpus" / "real" / "split.json").read_text(encoding="utf-8"))["dev"]
    for name in dev:
        text = (ROOT / "corpus" / "real" / "damage" / "photocopy-300-200" / name.replace(".md", ".txt")).read_text(encoding="utf-8")
        assert classify_layer(text.split(), load_rules()) == "damaged_text", name


def _as_typeset(text: str) -> str:
    """`text` as a Mac or a typesetter may store it: letters decomposed (NFD), "fi", "fl" and "ff" as
    ligature characters, a soft hyphen in the middle of every word of ten letters or more."""
    text = re.sub(r"\w{10,}", lambda m: m.group()[:5] + "\u00ad" + m.group()[5:], text)
    text = text.replace("ffi", "\ufb03").replace("fi", "\ufb01").replace("fl", "\ufb02").replace("ff", "\ufb00")
    return unicodedata.normalize("NFD", text)


def _draw(lines: list[str], path: Path) -> None:
    """`lines` drawn into a one-page PDF's text layer in DejaVu Sans, which has every such character."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen.canvas import Canvas

    pdfmetrics.registerFont(TTFont("DejaVuSans", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"))
    canvas = Canvas(str(path), invariant=1)
    canvas.setFont("DejaVuSans", 9)
    for n, line in enumerate(lines):
        canvas.drawString(40, 800 - 13 * n, line)
    canvas.save()


@pytest.mark.skipif(not Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf").is_file(), reason="DejaVu Sans not installed")
def test_decomposed_letters_ligatures_and_soft_hyphens_read_as_the_plain_text(tmp_path):
    """Development paper 33's first page (a protokoll paragraph on the budget), as a text file and as a PDF's text layer,
    written plainly and as typeset text stores it (`_as_typeset`: "Linko\u0308ping", "\ufb01nansiering",
    "upp\u00adhandling"): each typeset input reads as its plain twin, the same words and the same facts."""
    lines = (ROOT / "corpus" / "real" / "truth" / "33_ks-protokoll-kommunbudget-2026.txt").read_text(
        encoding="utf-8").split("\f")[0].splitlines()[:60]
    assert any(unicodedata.normalize("NFD", line) != line for line in lines) and any("fi" in line or "ff" in line for line in lines)
    for kind in ("plain", "typeset"):
        folder = tmp_path / kind
        folder.mkdir()
        text = [_as_typeset(line) if kind == "typeset" else line for line in lines]
        (folder / "33.txt").write_text("\n".join(text) + "\n", encoding="utf-8")
        _draw(text, folder / "33.pdf")
        assert main(["run", str(folder), "--out", str(tmp_path / f"out-{kind}"), "--no-progress", "--no-pdf", "--no-alto"]) == 0
    read = {}
    for kind in ("plain", "typeset"):
        for path in (tmp_path / f"out-{kind}" / "documents").glob("*.json"):
            doc = Document.model_validate_json(path.read_text(encoding="utf-8"))
            read[kind, doc.source] = ([(p.kind, [w.text for w in p.words]) for p in doc.pages],
                                      sorted((f.kind, str(f.value), f.role or "") for f in doc.facts))
    for source in ("33.txt", "33.pdf"):
        words, facts = read["typeset", source]
        assert (words, facts) == read["plain", source]
        assert facts and any("Kungsbacka" in w for _, page in words for w in page)
