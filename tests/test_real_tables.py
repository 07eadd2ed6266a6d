"""Tables of the real development papers, born-digital and with their tables set as text (no rules).

The PDFs are corpus/real/born-digital/ and corpus/real/layout/ (built by corpus/real_build.py from
../shared/realdev); only dev papers of corpus/real/split.json are read. Every expected figure
below was written from the paper's source text, cited by its line in ../shared/realdev.
"""

from __future__ import annotations

import zlib
from pathlib import Path

import numpy as np
import pikepdf
import pytest

from pipeline.cli import main
from pipeline.facts.columns import unit_line
from pipeline.model import Discrepancy, DiscrepancyReport, Document, Fact
from pipeline.rules import load_rules
from tests.realdev import ROOT, needs_realdev, run_dev_papers

PAPERS = {
    "11": "11_ifo-protokoll-investeringsplan-2026-2035",
    "33": "33_ks-protokoll-kommunbudget-2026",
    "37": "37_teknik-arsredovisning-2024-arets-resultat",
}
pytestmark = needs_realdev


@pytest.fixture(scope="module", params=["born-digital", "layout"])
def batch(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Document], list[Discrepancy]]:
    """Run the three dev papers of one profile; return their documents by paper number and the findings."""
    return run_dev_papers(list(PAPERS.values()), request.param, tmp_path_factory.mktemp(request.param))


def cells(doc: Document, row_label: str) -> list[Fact]:
    return [f for f in doc.facts if f.kind == "amount" and f.attrs.get("row_label") == row_label]


def test_table_cells_carry_row_and_year_column(batch) -> None:
    docs, _ = batch
    # 37:42-47 | Intäkter | Utfall 2022<br>79,1 | … ; | Kostnader | -307,2 | -337,6 | -337,2 |
    costs = cells(docs["37"], "Kostnader")
    assert [(f.text, f.attrs["column_kind"], f.attrs["column_year"]) for f in costs[:3]] == [
        ("-307,2", "utfall", "2022"), ("-337,6", "utfall", "2023"), ("-337,2", "utfall", "2024")]


def test_unit_stated_only_in_the_text_is_taken_from_it(batch) -> None:
    docs, _ = batch
    # 11:18 "löpande investeringar uppgår till 2,5 miljoner per år"; 11:45 | Löpande<br>investeringar | 2 500 | …
    row = [f for f in docs["11"].facts if f.kind == "amount" and f.attrs.get("row_label", "").startswith("Löpande")]
    assert len(row) == 6
    assert {(f.value, f.unit) for f in row} == {(2_500_000, "SEK")}
    assert all("2,5 miljoner" in f.attrs["unit_from_text"] for f in row)
    # 11:45 "2 500<br>per år": a cell that names its period gives it to its table's other cells
    assert {f.period for f in row} == {"per_year"}


def sums_in(findings: list[Discrepancy], doc: Document) -> set[tuple[str, tuple]]:
    """(kind, sorted printed values) of the table-sum findings on `doc`."""
    out = set()
    for f in findings:
        if f.check == "table_sums" and all(v.doc_id == doc.doc_id for v in f.values):
            texts = tuple(sorted(v.evidence.text_repaired.split()[-1] for v in f.values))  # "Utfall 2022 79,1": a merged header
            out.add((f.kind, texts))
    return out


def test_netto_resultat_and_deviation_rows_are_checked_column_by_column(batch) -> None:
    docs, findings = batch
    got = sums_in(findings, docs["37"])
    expected = {
        # 37:42-45 Intäkter 79,1 + Kostnader -307,2 = Netto -228,1 (Utfall 2022)
        ("sum_matches", ("-228,1", "-307,2", "79,1")),
        # 37:45-47 Budget, netto -223,4 + Avvikelse -4,7 = Netto -228,1
        ("sum_matches", ("-223,4", "-228,1", "-4,7")),
        # 37:54-56 Netto 11,7 + Reglering skuld VA-abonnenterna -11,7 = Resultat 0,0
        ("sum_matches", ("-11,7", "0,0", "11,7")),
    }
    assert expected <= got
    assert not [f for f in findings if f.severity == "error"], "every table of 37 adds up"


def test_a_tax_rate_is_not_a_share_of_a_budget(batch) -> None:
    docs, findings = batch
    # 33:41 "Kommunfullmäktige fastställer skattesatsen till 21,18 procent."
    rate = next(f for f in docs["33"].facts if f.kind == "percentage" and f.value == 21.18)
    assert rate.role is None
    assert not [f for f in findings if f.kind in ("share_matches", "share_mismatch")
                and any(v.doc_id == docs["33"].doc_id for v in f.values)]


def amounts(doc: Document, value: int) -> list[Fact]:
    return [f for f in doc.facts if f.kind == "amount" and f.value == value]


def test_amounts_in_words_a_minus_ending_the_line_and_qualified_roles(batch) -> None:
    docs, _ = batch
    # 33:27-29 "20 miljoner kronor som fördelas med tio miljoner till kommunfullmäktige, sex miljoner
    # till kommunstyrelsen och fyra miljoner till kommunstyrelsens arbetsutskott"
    assert [len(amounts(docs["33"], v * 1_000_000)) >= 1 for v in (10, 6, 4)] == [True, True, True]
    # 33:21-22 "med ett budgeterat resultat 2026 på 320 miljoner kronor": a budget, not an outcome
    assert amounts(docs["33"], 320_000_000)[0].role == "budget"
    # 37:68-69 "jämföra med budgeterat resultat på -" / "1,3 miljoner kronor. Avvikelsen mot budget"
    assert [f.role for f in amounts(docs["37"], -1_300_000) if "table" not in f.attrs][:1] == ["budget"]


def test_a_bulleted_list_of_sentences_is_not_a_table(batch) -> None:
    docs, _ = batch
    # 37:30 "•  Lägre intäkter än budgeterat på -8,4 miljoner kronor" (the bullet reads "(cid:127)"): prose
    [fact] = amounts(docs["37"], -8_400_000)
    assert "table" not in fact.attrs and fact.role == "deviation"


def prose_sums(findings: list[Discrepancy], doc: Document) -> set[tuple[str, str, tuple[int, ...]]]:
    return {(f.kind, f.field or "", tuple(sorted(int(v.value) for v in f.values))) for f in findings
            if f.check == "prose_sums" and all(v.doc_id == doc.doc_id for v in f.values)}


def test_the_text_adds_up_a_divided_total_and_a_stated_deviation(batch) -> None:
    docs, findings = batch
    # 33:27-29 "20 miljoner kronor som fördelas med tio miljoner …, sex miljoner … och fyra miljoner …"
    assert ("sum_matches", "split", (4_000_000, 6_000_000, 10_000_000, 20_000_000)) in prose_sums(findings, docs["33"])
    # 37:26-27 "utfall … på -10,3 miljoner kronor, att jämföra med ett budgeterat resultat på -0,7 miljoner
    # kronor. Avvikelsen från budget är därmed -9,6 miljoner kronor"
    assert ("sum_matches", "deviation", (-10_300_000, -9_600_000, -700_000)) in prose_sums(findings, docs["37"])


@pytest.fixture(scope="module")
def fee_paper(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Document], list[Discrepancy]]:
    return run_dev_papers(["20_ga-protokoll-inackorderingsbidrag-2025"], "born-digital", tmp_path_factory.mktemp("fee"))


def test_a_share_of_the_prisbasbelopp_is_worked_out(fee_paper) -> None:
    docs, findings = fee_paper
    # 20:21 "Lägsta beloppet, om stöd ges kontant, är 1/30 av basbeloppet", 20:24 "Prisbasbeloppet för
    # år 2025 är fastställt till 58 800 kronor": 58 800 / 30 = 1 960, which 20:15 "1 960 kronor/månad"
    # and 20:34 "1960 kr/månaden" state
    assert ("share_matches", "base_share", (1_960, 1_960, 58_800)) in prose_sums(findings, docs["20"])


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Document], list[Discrepancy]]:
    """37 photocopied at 300 dpi (corpus/real/captures): three pages OCR'd."""
    return run_dev_papers([PAPERS["37"]], "captures/photocopy-300", tmp_path_factory.mktemp("scan"))


def test_a_scanned_ruled_table_takes_its_cells_from_the_grid(scanned) -> None:
    docs, findings = scanned
    tables = [t for t in docs["37"].tables if t.method == "ruled"]
    # 37:42-47, 51-56, … six Utfallsrapporter, each a label column and Utfall 2022 / 2023 / 2024
    assert len(tables) == 6 and {t.n_cols for t in tables} == {4}
    first = {c.row: c.text for c in tables[0].cells if c.col == 0}
    assert list(first.values()) == ["Intäkter", "Kostnader", "Netto", "Budget, netto", "Avvikelse"]
    # 37:42-45 Intäkter 79,1 + Kostnader -307,2 = Netto -228,1, read from the scan
    assert ("sum_matches", ("-228,1", "-307,2", "79,1")) in sums_in(findings, docs["37"])


def test_tables_set_after_their_page_text_take_their_captions_in_order(batch) -> None:
    docs, _ = batch
    # 37:64 "Utfallsrapport Avfall & Återvinning, miljoner" and 37:80 "Utfallsrapport Kungsbacka
    # bredbandsnät, miljoner kronor" head the page's text; its two tables (37:97-102, 37:106-111) follow it
    doc = docs["37"]
    page = next(p.number for p in doc.pages if "bredbandsnät, miljoner" in " ".join(w.text for w in p.words))
    tables = sorted((t for t in doc.tables if t.page == page), key=lambda t: t.bbox.top)
    assert [unit_line(doc, t, load_rules().facts) for t in tables] == [
        "Utfallsrapport Avfall & Återvinning, miljoner", "Utfallsrapport Kungsbacka bredbandsnät, miljoner kronor"]


FAX_37 = ROOT / "corpus" / "real" / "captures" / "fax-standard" / "37_teknik-arsredovisning-2024-arets-resultat.pdf"


def _fax_37_pages(tmp: Path, keep: list[int], erase_sign_of_213: bool = False) -> list[Discrepancy]:
    """`papers run` on the pages `keep` (from 0) of dev paper 37's standard-fax capture; its findings.
    With `erase_sign_of_213` the minus of "-213,3" (page 1, line 53) is painted out of the scan first,
    as a capture that lost the stroke would (rows 783-786, columns 623-631 of the 204 × 98 dpi image)."""
    (tmp / "in").mkdir()
    with pikepdf.open(FAX_37) as pdf:
        for index in reversed(range(len(pdf.pages))):
            if index not in keep:
                del pdf.pages[index]
        if erase_sign_of_213:
            image = next(iter(pdf.pages[0].get_images().values()))
            pixels = np.array(pikepdf.PdfImage(image).as_pil_image().convert("L"))
            pixels[783:787, 623:632] = 255
            image.write(zlib.compress(pixels.tobytes()), filter=pikepdf.Name.FlateDecode)
        pdf.save(tmp / "in" / "37.pdf")
    assert main(["run", str(tmp / "in"), "--out", str(tmp / "out"), "--no-progress", "--no-ocr-cache"]) == 0
    return list(DiscrepancyReport.model_validate_json((tmp / "out" / "discrepancies.json").read_text(encoding="utf-8")).findings)


@needs_realdev
def test_a_fax_s_minus_signs_read_as_a_quote_or_not_at_all_are_given_back(tmp_path):
    """Pages 1 and 3 of the standard-fax capture of dev paper 37: Tesseract reads the square minus of
    "-213,3" (line 53) as a quote ('"213,3') and does not read the short thick bar of "-357,1" (line
    169); both signs are given back, so both Netto columns add up and no finding blames a lost sign."""
    findings = _fax_37_pages(tmp_path, [0, 2])
    netto_2023 = {f.details["total"]: (f.kind, f.details["sum"]) for f in findings
                  if f.check == "table_sums" and f.details.get("total") in ("-8.1", "-314.0") and f.details["items"] == 2}
    assert netto_2023 == {"-8.1": ("sum_matches", "-8.1"), "-314.0": ("sum_matches", "-314.0")}
    assert not [f for f in findings if f.details.get("sign_lost")]


@needs_realdev
def test_a_sum_that_adds_up_with_one_figure_negative_says_the_scan_may_have_lost_its_sign(tmp_path):
    """Page 1 of the same fax with the minus of "-213,3" painted out: Intäkter + Kostnader ≠ Netto
    ("205,2" + "213,3" against "-8,1"). The finding says which one figure, read as negative, makes the
    column add up, in discrepancies.json and in the Swedish report; it stays a mismatch."""
    findings = _fax_37_pages(tmp_path, [0], erase_sign_of_213=True)
    hinted = [f for f in findings if f.details.get("sign_lost")]
    assert [(f.kind, f.details["sign_lost"], f.details["total"]) for f in hinted] == [("sum_mismatch", "213,3", "-8.1")]
    assert "it adds up if “213,3” is negative" in hinted[0].explanation
    assert "Den går ihop om “213,3” är negativ" in (tmp_path / "out" / "report.html").read_text(encoding="utf-8")


def test_a_headerless_table_under_one_of_as_many_columns_takes_its_header(tmp_path: Path) -> None:
    # 37:50-56 "Utfallsrapport Vatten & Avlopp": | Kostnader | -184,0 | -213,3 | -234,4 | under | Intäkter |
    # Utfall 2022 … — set as text in corpus/real/flat/ with its header row lost, right under the first
    # statement's table of the same three year columns on that page
    docs, findings = run_dev_papers([PAPERS["37"]], "flat", tmp_path)
    costs = [f for f in docs["37"].facts if f.kind == "amount" and f.attrs.get("row_label") == "Kostnader"]
    second = [f for f in costs if f.value in (-184_000_000, -213_300_000, -234_400_000)]
    assert [(f.attrs.get("column_kind"), f.attrs.get("column_year"), f.role) for f in second] == [
        ("utfall", "2022", "outcome"), ("utfall", "2023", "outcome"), ("utfall", "2024", "outcome")]
    # a table of its own for the sums, not a part of the first
    assert not any("continues" in f.attrs for f in second)
