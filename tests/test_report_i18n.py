"""report.html in Swedish and English, search, PDF page links, records.csv: on the corpus run.

Expectations come from the source papers (corpus/sources/): 004's cost table lists 1 670 400,
278 400, 372 000 and 48 000 kr and "Summa kostnader per kalenderår: 2 368 800 kr"; 000 says
"sedan maj 2018"; 003 is "Dnr BIN 2021-179"; the partnership of 002 is Linköpings Stadsmission.
"""

from __future__ import annotations

import csv
import dataclasses
import html as htmlmod
import io
import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pikepdf
import pytest

from pipeline.cli import main
from pipeline.errors import RulesError
from pipeline.explain import Explainer, Papers
from pipeline.i18n import LOCALE_DIR, catalogue, load_catalogues
from pipeline.model import Discrepancy, Evidence, FindingValue, StatedValue
from pipeline.reconcile import load_documents, reconcile_documents
from pipeline.report import records_csv, write_outputs
from pipeline.records import RECORD_COLUMNS
from pipeline.rules import load_rules
from tests.test_report import chromium

ROOT = Path(__file__).resolve().parent.parent
NBSP = "\u00a0"


def visible_text(page: str) -> str:
    """The text a reader sees: tags (and their attributes), the style and the script dropped."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return htmlmod.unescape(re.sub(r"<[^>]+>", " ", page))


@pytest.fixture(scope="module")
def english(corpus_run, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the corpus run, reconciled again with `papers reconcile --report-lang en`."""
    out, _ = corpus_run
    copy = tmp_path_factory.mktemp("english") / "out"
    shutil.copytree(out, copy)
    assert main(["reconcile", str(copy), "--report-lang", "en"]) == 0
    return copy


def test_report_is_swedish_by_default(corpus_run):
    out, _ = corpus_run
    page = (out / "report.html").read_text(encoding="utf-8")
    assert '<html lang="sv">' in page
    text = visible_text(page)
    for words in ("Sammanträdeshandlingar: avstämningsrapport", "inlästa dokument", "Handlingar och deras versioner",
                  "Iakttagelser (", "summan stämmer", "andelen stämmer", "Sök"):
        assert words in text, words
    # 004's cost table, in Swedish and with Swedish numbers (no-break spaces, "kr" after the number)
    assert (f"1{NBSP}670{NBSP}400{NBSP}kr + 278{NBSP}400{NBSP}kr + 372{NBSP}000{NBSP}kr + 48{NBSP}000{NBSP}kr "
            f"summeras till 2{NBSP}368{NBSP}800{NBSP}kr, vilket stämmer med angiven total") in text
    assert "Summa kostnader per kalenderår:" in text
    assert f"70,0{NBSP}%" in text  # 1 658 160 / 2 368 800, with a decimal comma
    assert "maj 2018" in text  # 000: "sedan maj 2018"
    assert "Committee papers" not in text and "checks passed" not in text


def test_papers_are_named_by_title_dnr_and_file_never_by_a_hash(corpus_run):
    out, _ = corpus_run
    text = visible_text((out / "report.html").read_text(encoding="utf-8"))
    assert "Dnr BIN 2021-179 (born-digital/003-iop-aterrapportering.pdf)" in text
    assert "Idéburet offentligt partnerskap, Linköpings Stadsmission (born-digital/002-iop-stadsmission.pdf)" in text
    for path in (out / "documents").glob("*.json"):
        assert path.stem[:8] not in text, path.stem


def test_english_with_report_lang_en(english: Path):
    page = (english / "report.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in page
    text = visible_text(page)
    assert "Committee papers: reconciliation report" in text and "checks passed" in text
    assert "SEK 1,670,400 + SEK 278,400 + SEK 372,000 + SEK 48,000 sum to SEK 2,368,800, which matches the stated total" in text
    assert "May 2018" in text and "sum matches" in text
    assert "summeras" not in text


def test_discrepancies_keep_their_english_explanation(corpus_run, english: Path):
    out, _ = corpus_run
    assert (out / "discrepancies.json").read_bytes() == (english / "discrepancies.json").read_bytes()
    report = json.loads((out / "discrepancies.json").read_text(encoding="utf-8"))
    table_sum = next(f for f in report["findings"] if f["check"] == "table_sums" and f["values"][-1]["value"] == 2368800
                     and len(f["values"]) == 5)
    assert "= 2 368 800; the total row" in table_sum["explanation"]


def test_every_corpus_finding_gets_its_own_sentence_not_the_generic_one(corpus_run):
    out, _ = corpus_run
    docs, _ = load_documents(out)
    report = json.loads((out / "discrepancies.json").read_text(encoding="utf-8"))
    for lang in ("sv", "en"):
        cat = catalogue(lang)
        x = Explainer(cat, Papers(docs, cat))
        for f in report["findings"]:
            finding = Discrepancy.model_validate(f)
            assert not x.explain(finding).startswith(x.generic(finding)), (lang, f["kind"], f["check"])


def test_a_note_names_the_file_of_the_one_document_its_id_prefix_quotes(corpus_run):
    out, _ = corpus_run
    docs, _ = load_documents(out)
    one, other = sorted(docs, key=lambda d: d.doc_id)[:2]
    twin = other.model_copy(update={"doc_id": one.doc_id[:12] + other.doc_id[12:]})  # shares one's 12-character prefix
    named = Papers(docs, catalogue("sv")).named
    note = f"{one.doc_id[:12]} p2: a figure; {other.doc_id[:12]}: another; {'f' * 12}: none"
    assert named(note) == f"{one.source} p2: a figure; {other.source}: another; {'f' * 12}: none"
    assert named(note).startswith(one.source) and not Papers([*docs, twin], catalogue("sv")).named(note).startswith(one.source)


def test_a_finding_without_its_details_gets_a_correct_generic_sentence():
    cat = catalogue("sv")
    x = Explainer(cat, Papers([], cat))
    ev = Evidence(doc_id="a" * 64, page=3, bbox=None, text_as_scanned="2 368 800 kr", text_repaired="2 368 800 kr", confidence=1.0)
    f = Discrepancy(id="0" * 16, kind="sum_mismatch", check="table_sums", severity="warning", outcome="fail", key="a" * 64,
                    field="table 1 col 1", values=(FindingValue(doc_id="a" * 64, value=2368800, label="total: Summa", evidence=ev),),
                    explanation="Table 1 …", details={})
    text = x.explain(f)
    assert text == f"summan stämmer inte – {'a' * 64}: total: Summa: 2{NBSP}368{NBSP}800{NBSP}kr ({'a' * 64}, s.{NBSP}3)."
    assert "vilket stämmer" not in text


def test_catalogues_are_validated_together(tmp_path: Path):
    for lang in ("sv", "en"):
        shutil.copy(LOCALE_DIR / f"{lang}.yaml", tmp_path / f"{lang}.yaml")
    sv = (tmp_path / "sv.yaml").read_text(encoding="utf-8")
    sv = sv.replace('      table_match: "Tabell {table} ({page})', '      table_match: "Tabell {tabell} ({page})')
    sv = sv.replace("  sum_matches: summan stämmer\n", "")
    sv = sv.replace('    title: "Sammanträdeshandlingar: avstämningsrapport"\n', "")
    (tmp_path / "sv.yaml").write_text(sv, encoding="utf-8")
    with pytest.raises(RulesError) as err:
        load_catalogues(tmp_path)
    message = str(err.value)
    assert "sv.yaml: kinds: missing sum_matches" in message
    assert "sv.yaml: messages.ui.title: missing" in message
    assert "sv.yaml: messages.explain.sum.table_match: placeholders differ" in message


def test_pdf_page_links_point_at_existing_pages(corpus_run):
    out, _ = corpus_run
    page = (out / "report.html").read_text(encoding="utf-8")
    links = set(re.findall(r'href="(pdf/([0-9a-f]{64})\.pdf#page=(\d+))"', page))
    assert len(links) > 10
    for _, doc_id, number in links:
        with pikepdf.open(out / "pdf" / f"{doc_id}.pdf") as pdf:
            assert 1 <= int(number) <= len(pdf.pages)
    # 004's table sum (p. 3 of the born-digital paper) links to that page
    doc_004 = next(p.stem for p in (out / "documents").glob("*.json")
                   if json.loads(p.read_text(encoding="utf-8"))["source"] == "born-digital/004-iop-bilda-erikshjalpen.pdf")
    assert f"pdf/{doc_004}.pdf#page=3" in {h for h, _, _ in links}


def test_no_pdf_link_without_the_pdf(corpus_run, tmp_path: Path):
    out, _ = corpus_run
    copy = tmp_path / "out"
    shutil.copytree(out, copy, ignore=shutil.ignore_patterns("pdf"))
    assert main(["reconcile", str(copy)]) == 0
    page = (copy / "report.html").read_text(encoding="utf-8")
    assert "#page=" not in page and 'class="pdf"' not in page


def test_overview_lists_each_partnerships_papers_in_date_order(corpus_run):
    out, _ = corpus_run
    page = (out / "report.html").read_text(encoding="utf-8")
    overview = visible_text(page[page.index('id="overview"'):page.index('id="papers"')])
    bromo = overview[overview.index("Bromodellen"):]
    # 001 (the overview of February 2021) before 004 (valid from 2024-01-01)
    assert bromo.index("februari 2021") < bromo.index("2024-01-01") < bromo.index("004-iop-bilda-erikshjalpen.pdf")
    assert "Partnerskap: Linköpings Stadsmission | Hoppfull framtid" in overview


def test_chromium_search_filters_findings_and_papers_in_both_languages(corpus_run, english: Path, tmp_path: Path):
    from selenium.webdriver.common.by import By

    out, _ = corpus_run
    report = json.loads((out / "discrepancies.json").read_text(encoding="utf-8"))
    with_total = {f["id"] for f in report["findings"] if any(v["value"] == 2368800 for v in f["values"])}
    driver = chromium(tmp_path / "profile")
    try:
        for folder, lang in ((out, "sv"), (english, "en")):
            driver.get((folder / "report.html").as_uri())
            assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == lang
            cards = driver.find_elements(By.CSS_SELECTOR, "#cards .card")
            rows = driver.find_elements(By.CSS_SELECTOR, "#papers tr[data-search]")
            assert len(cards) == len(report["findings"]) and len(rows) == 5
            box = driver.find_element(By.ID, "search")
            box.send_keys("2368800")  # typed without spaces, shown as 2 368 800 kr / SEK 2,368,800
            shown = {c.get_attribute("id").removeprefix("finding-") for c in cards if c.is_displayed()}
            assert with_total <= shown and len(with_total) >= 5
            assert [r.text for r in rows if r.is_displayed()] and all("004-iop" in r.text for r in rows if r.is_displayed())
            box.clear()
            box.send_keys("BIN 2021-179")  # 003's Dnr
            visible = [r.text for r in rows if r.is_displayed()]
            assert len(visible) == 1 and "003-iop-aterrapportering.pdf" in visible[0]
            box.clear()
            box.send_keys("röda korset")  # a party, any case
            shown = [c for c in cards if c.is_displayed()]
            assert shown and all("Röda korset" in c.text for c in shown)
            box.clear()
            box.send_keys(" ")
            assert all(c.is_displayed() for c in cards)
    finally:
        driver.quit()
        shutil.rmtree(tmp_path / "profile", ignore_errors=True)


# --------------------------------------------------------------------------- records.csv


def test_records_csv_holds_the_documented_columns_and_the_parquet_rows(corpus_run):
    out, _ = corpus_run
    data = (out / "records.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    doc_section = (ROOT / "docs" / "output-format.md").read_text(encoding="utf-8").split("## records.csv", 1)[1].split("\n## ", 1)[0]
    documented = [c for line in doc_section.splitlines() if line.startswith("| `") for c in re.findall(r"`([a-z_0-9]+)`", line.split(" | ")[0])]
    assert rows[0] == documented == RECORD_COLUMNS
    assert len(rows) - 1 == len(pd.read_parquet(out / "records.parquet"))
    cost_items = sorted({int(r[RECORD_COLUMNS.index("value_sek")]) for r in rows[1:]
                         if r[RECORD_COLUMNS.index("role")] == "cost_item"})
    assert cost_items == [48000, 278400, 372000, 1670400]


def test_records_csv_escapes_formulas_keeps_negative_numbers_and_masks(corpus_run, tmp_path: Path):
    out, _ = corpus_run
    docs, _ = load_documents(out)
    result = reconcile_documents(docs, load_rules())
    record = result.records[0]
    ev = next(v for vs in record.amounts.values() for v in vs).evidence
    evil = record.model_copy(update={
        "source": "=2+5+cmd.pdf",
        "programme": "@SUM(A1)",
        "committee": "IOP 19121212-1212",  # a personnummer: masked by write_outputs
        "amounts": {"deviation": (StatedValue(value=-5000, sek=-5000, evidence=ev.model_copy(update={"text_repaired": "-5 000 kr",
                                                                                                         "text_as_scanned": "\t-5 000"})),)},
        "percentages": {}, "participants": {}, "dates": {},
    })
    folder = tmp_path / "out"
    folder.mkdir()
    write_outputs(dataclasses.replace(result, records=(evil,), documents={}), folder, load_rules().privacy)  # no page images
    rows = list(csv.DictReader(io.StringIO((folder / "records.csv").read_bytes().decode("utf-8-sig"), newline="")))
    assert len(rows) == 1
    row = rows[0]
    assert row["source"] == "'=2+5+cmd.pdf" and row["programme"] == "'@SUM(A1)"
    assert row["text_repaired"] == "'-5 000 kr" and row["text_as_scanned"] == "'\t-5 000"
    assert row["value_sek"] == "-5000" and row["value_number"] == "-5000.0"  # numbers are not escaped
    assert row["committee"] == "IOP ********-****"
    assert "".join(records_csv((evil,))) == "".join(records_csv((evil,)))


def test_findings_of_kinds_the_corpus_lacks_get_their_own_sentences():
    """Conflicts, indexation that explains a change and a case's amounts, from the reconcile tests' constructed papers."""
    from tests.test_reconcile import F, build_document, case_pair, rules

    party = F("party", "Föreningen Exempel", "Föreningen X")
    conflict = [build_document("a", [["Föreningen X: totalt 100 000 kr per år."]],
                               [party, F("amount", 100000, "100 000 kr", role="total_value", period="per_year")]),
                build_document("b", [["Föreningen X: värde 120 000 kr/år, 2023-05-02."]],
                               [party, F("amount", 120000, "120 000 kr", role="total_value", period="per_year"),
                                F("date", "2023-05-02", "2023-05-02", role="document_date")])]
    indexed = [build_document("a", [["Föreningen X 2022: 100 000 kr per år."]],
                              [party, F("amount", 100000, "100 000 kr", role="total_value", period="per_year", attrs={"year": "2022"})]),
               build_document("b", [["Föreningen X 2024: 104 040 kr per år. Beloppet justeras med 2% per år."]],
                              [party, F("amount", 104040, "104 040 kr", role="total_value", period="per_year", attrs={"year": "2024"}),
                               F("percentage", 2.0, "med 2%", role="other")])]
    expected = [
        (conflict, f"Handlingarna anger totalt värde för Föreningen Exempel | verksamhet okänd olika: 120{NBSP}000{NBSP}kr och 100{NBSP}000{NBSP}kr."),
        (indexed, f"ger +4,0{NBSP}% på 2 år: den förklarar ändringen."),
        (case_pair(95, "95 kronor", "2025", 110, "110 kronor", "2026"), "från den tidigare perioden till den senare"),
        (case_pair(95, "95 kronor", "2025", 110, "110 kronor", "2025"), "olika för samma period 2025"),
        (case_pair(95, "95 kronor", None, 110, "110 kronor", "2025"), "perioderna är inte angivna i båda"),
    ]
    for docs, sentence in expected:
        findings = [f for f in reconcile_documents(docs, rules()).report.findings if f.field not in ("dnr", "title")]
        texts = []
        for lang in ("sv", "en"):
            cat = catalogue(lang)
            x = Explainer(cat, Papers(docs, cat))
            for f in findings:
                text = x.explain(f)
                assert not text.startswith(x.generic(f)), (lang, f.kind, f.check)
                texts.append(text)
        assert any(sentence in t for t in texts), (sentence, texts)
