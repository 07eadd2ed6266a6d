"""Tests of pipeline/papers.py: papers bound into one document, split by their page headers.

Real pages come from the development papers of ../shared/realdev (only those listed under
"dev" in corpus/real/split.json); expectations (Dnr, title, page ranges) were written from
reading their text.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from pipeline.errors import RulesError
from pipeline.ingest import document_from_lines, ingest, words_from_lines
from pipeline.model import Document, Page
from pipeline.papers import split_papers
from pipeline.rules import RULES_DIR, load_rules
from pipeline.run import STAGES
from pipeline.tesseract import OcrSettings
from tests.expectations import SEED_FILES, SEEDS_DIR
from tests.realdev import REALDEV, ROOT, needs_realdev

RULES = load_rules()
DEV = json.loads((ROOT / "corpus" / "real" / "split.json").read_text(encoding="utf-8"))["dev"]
SEED_PDFS = sorted((ROOT / "corpus" / "inputs" / "born-digital").glob("*.pdf")) + sorted(
    (ROOT / "corpus" / "inputs" / "legacy").glob("*.pdf")
)

# Dev paper (by number) -> (Dnr, title): the Dnr of its § line, the line after it.
DEV_PAPERS: dict[str, tuple[str | None, str]] = {
    "05": ("IF-2024-00352", "Arvid och Hildur Andersson donationsfond - 2024"),
    "06": ("KS-2024-00859", "Utdelning ur Arvid och Hildur Anderssons donationsfond 2024"),
    "07": ("IF-2025-00342", "Stiftelsen Arvid och Hildur Andersson donation - 2025"),
    "08": ("KS-2025-00314", "Utdelning ur Arvid och Hildur Anderssons donationsfond 2025"),
    "11": ("IF-2024-00351", "Investeringsplan 2026-2035"),
    "12": ("IF-2025-00365", "Investeringsplan 2027-2036"),
    "19": ("KFT-2024-00363", "Högsta avgifter för Kungsbacka badhus och Fjärås simhall"),
    "20": ("GA-2024-00197", "Inackorderingsbidrag 2025"),
    "21": ("GA-2024-00196", "Ersättning friskolor 2025"),
    "22": ("GA-2024-00187", "Interkommunal ersättning gymnasiet och anpassad gymnasieskola"),
    "23": ("GA-2025-00153", "Interkommunal ersättning 2026 för gymnasieskola och anpassad"),
    "24": ("GA-2025-00154", "Interkommunal ersättning vuxenutbildning 2026"),
    "25": ("GA-2025-00158", "Kapten Menns Fond"),
    "26": ("KS-2024-00699", "Uppstart av projekt i lokalplan Åsaberg Bostäder med särskild service"),
    "27": ("KS-2021-01052", "Försäljning av del av Duvehed 2:14"),
    "29": ("KS-2024-00006", "Anmälan av delegeringsbeslut"),
    "30": ("KS-2025-00006", "Anmälan av delegeringsbeslut"),
    "31": ("KS-2025-00305", "Uppföljning och prognos april 2025 för kommunstyrelsen"),
    "32": ("KS-2025-00336", "Uppföljning och prognos april 2025 för Kungsbacka kommun"),
    "33": ("KS-2024-00717", "Kommunbudget 2026, plan 2027–2028"),
    "34": ("KS-2021-00366", "Godkännande av exploateringsavtal Castellum Väst Kungsbacka AB"),
    "35": ("KS-2025-00269", "Svar på Räddningstjänsten Storgöteborgs underlag för budget 2026,"),
    "36": ("KS-2025-00099", "Årsredovisning 2024 för Samordningsförbundet i Halland"),
    # An excerpt of an årsredovisning: no Dnr; its header block is the running head
    # "Nämndens årsredovisning 2024", so the title is the first line under it.
    "37": (None, "1 Året som gått"),
}


def dev_file(number: str) -> str:
    return next(name for name in DEV if name.startswith(number + "_"))


def md_pages(number: str) -> list[list[str]]:
    """Return a dev paper's pages as lines, split at its `<!-- sida N -->` markers."""
    text = (REALDEV / dev_file(number)).read_text(encoding="utf-8")
    return [part.split("\n") for part in re.split(r"<!-- sida \d+ -->\n", text)[1:]]


def pages_document(pages: list[list[str]], doc_id: str = "bundle") -> Document:
    """Build a multi-page plain-text Document, one page per list of lines."""
    return Document(
        doc_id=doc_id, source=f"{doc_id}.txt", media_type="text/plain", pipeline_version="0", rules_hash="0",
        pages=tuple(Page(number=n, kind="text", width=0, height=0, words=words_from_lines(lines))
                    for n, lines in enumerate(pages, start=1)),
    )


def bundle(numbers: list[str]) -> tuple[Document, list[tuple[int, int]]]:
    """Bind dev papers into one document; return it and each paper's true page range."""
    pages: list[list[str]] = []
    ranges: list[tuple[int, int]] = []
    for number in numbers:
        paper = md_pages(number)
        ranges.append((len(pages) + 1, len(pages) + len(paper)))
        pages += paper
    return pages_document(pages), ranges


def spans(doc: Document) -> list[tuple[int, int]]:
    return [(p.page_start, p.page_end) for p in doc.papers]


def test_stage_runs_after_segment_and_before_facts() -> None:
    names = [name for name, _ in STAGES]
    assert names.index("segment") < names.index("papers") < names.index("facts")


def test_list_covers_every_dev_paper() -> None:
    assert sorted(DEV_PAPERS) == sorted(name[:2] for name in DEV)


@needs_realdev
@pytest.mark.parametrize("number", sorted(DEV_PAPERS))
def test_single_dev_paper_is_one_span(number: str) -> None:
    pages = md_pages(number)
    doc = split_papers(pages_document(pages), RULES)
    dnr, title = DEV_PAPERS[number]
    assert len(doc.papers) == 1
    paper = doc.papers[0]
    assert (paper.page_start, paper.page_end, paper.reason) == (1, len(pages), "first_page")
    assert (paper.dnr, paper.title) == (dnr, title)


def test_a_dnr_whose_label_a_scan_misread_is_the_papers_dnr() -> None:
    """Dev paper 22's standard-fax capture as the pipeline read its § line: "§ 171 Onr GA-2024-00187"
    (22:9 prints "Dnr"); the title is the line after it, not the committee's name above."""
    lines = ["KUNGSBACKA KOMMUN SAMMANTRÄDESPROTOKOLL 19 (26)", "Nämnden för Gymnasium & Arbetsmarknad", "Datum",
             "2024-12-19", "§ 171 Onr GA-2024-00187", "Interkommunal ersättning gymnasiet och anpassad gymnasieskola",
             "2025", "Beslut"]
    doc = split_papers(pages_document([lines]), RULES)
    assert [(p.dnr, p.title) for p in doc.papers] == [("GA-2024-00187", "Interkommunal ersättning gymnasiet och anpassad gymnasieskola")]
    # dev paper 30's § line on its fax capture: the dash after the series read as "+:" (30:9 "KS-2025-00006")
    lines = ["KUNGSBACKA KOMMUN SAMMANTRÄDESPROTOKOLL = 26 (40)", "Kommunstyrelsen", "Datum", "2025-05-27",
             "§ 121 Dnr KS+:2025-00006", "Anmälan av delegeringsbeslut", "Beslut"]
    doc = split_papers(pages_document([lines]), RULES)
    assert [(p.dnr, p.title) for p in doc.papers] == [("KS+:2025-00006", "Anmälan av delegeringsbeslut")]
    # dev paper 11's worn-200 capture (11:9-10 "§ 166  Dnr IF-2024-00351" / "Investeringsplan 2026-2035"): the
    # label read "Dur", the series "1F"; the Dnr is read back, the title is the line after it
    lines = ["KUNGSBACKA KOMMUN SAMMANTRÄDESPROTOKOLL = 18 (37)", "Nämnden för Individ & Famijeomsorg", "Datum",
             "2024-12-11", "§ 166 Dur 1F-2024-00351", "investeringsplan 2626-2035", "Beslut"]
    doc = split_papers(pages_document([lines]), RULES)
    assert [(p.dnr, p.title) for p in doc.papers] == [("IF-2024-00351", "investeringsplan 2626-2035")]


@needs_realdev
def test_donationsfond_chain_splits_into_its_four_papers() -> None:
    doc, truth = bundle(["05", "06", "07", "08"])
    doc = split_papers(doc, RULES)
    assert spans(doc) == truth == [(1, 2), (3, 3), (4, 4), (5, 5)]
    assert [p.dnr for p in doc.papers] == [DEV_PAPERS[n][0] for n in ["05", "06", "07", "08"]]
    # 06 and 08 are pages 17 and 18 of one KS protokoll: only the new § line's Dnr tells them apart.
    assert [p.reason for p in doc.papers] == ["first_page", "page_numbering", "page_numbering", "page_numbering"]


@needs_realdev
def test_ks_meeting_paragraphs_split_by_dnr_where_numbering_runs_on() -> None:
    doc, truth = bundle(["29", "30", "31", "32", "33"])
    doc = split_papers(doc, RULES)
    assert spans(doc) == truth == [(1, 2), (3, 4), (5, 5), (6, 6), (7, 9)]
    assert [p.title for p in doc.papers] == [DEV_PAPERS[n][1] for n in ["29", "30", "31", "32", "33"]]
    # 31, 32, 33 are pages 4, 5, 6 of one protokoll (numbering "4 (40)", "5 (40)", "6 (40)").
    assert [p.reason for p in doc.papers][2:] == ["dnr", "dnr", "dnr"]


@needs_realdev
def test_each_bound_paper_has_its_own_meeting_date() -> None:
    # realdev 31:6-7, 32:6-7, 33:6-7: "Datum" / "2025-05-27" in each paragraph's protokoll head; bound
    # together, the heads after the first stand inside the paper before's last section
    doc, _ = bundle(["31", "32", "33"])
    for _, stage in STAGES:
        doc = stage(doc, RULES)
    meetings = {f.evidence.page for f in doc.facts if f.kind == "date" and f.role == "meeting" and f.value == "2025-05-27"}
    assert [p.page_start for p in doc.papers] == [1, 2, 3] and {1, 2, 3} <= meetings


@needs_realdev
def test_all_dev_papers_bound_together_split_exactly() -> None:
    numbers = sorted(DEV_PAPERS)
    doc, truth = bundle(numbers)
    doc = split_papers(doc, RULES)
    assert spans(doc) == truth
    assert [(p.dnr, p.title) for p in doc.papers] == [DEV_PAPERS[n] for n in numbers]
    # The årsredovisning after a protokoll starts on its heading (no numbering, no Dnr).
    assert doc.papers[-1].reason == "header"


@pytest.mark.parametrize("seed", sorted(SEED_FILES))
def test_seed_text_is_one_paper(seed: str) -> None:
    lines = (Path(SEEDS_DIR) / SEED_FILES[seed]).read_text(encoding="utf-8").split("\n")
    doc = split_papers(document_from_lines(lines, doc_id=seed, source=SEED_FILES[seed]), RULES)
    assert spans(doc) == [(1, 1)]


@pytest.mark.parametrize("path", SEED_PDFS, ids=lambda p: p.name)
def test_seed_pdf_is_one_paper(path: Path) -> None:
    doc = ingest(path, path.name, RULES, pipeline_version="0", settings=OcrSettings()).document
    assert len(doc.pages) > 1
    assert spans(split_papers(doc, RULES)) == [(1, len(doc.pages))]


def test_seed_003_title_and_dnr_come_after_its_letterhead() -> None:
    lines = (Path(SEEDS_DIR) / SEED_FILES["003"]).read_text(encoding="utf-8").split("\n")
    paper = split_papers(document_from_lines(lines, doc_id="003", source="003.txt"), RULES).papers[0]
    assert paper.dnr == "BIN 2021-179"
    assert paper.title == "Idéburet offentlig partnerskap återrapportering kompletterande språkträning och Unga forum"


TS = ["Kommunledningskontoret", "TJÄNSTESKRIVELSE 1 (2)", "Datum 2024-03-01", "Dnr KS 2024/120",
      "Bidrag till föreningen", "Förslag till beslut", "Nämnden beviljar bidraget."]
TS_2 = ["Kommunledningskontoret", "TJÄNSTESKRIVELSE 2 (2)", "Datum 2024-03-01", "Dnr KS 2024/120",
        "Ekonomiska konsekvenser", "Bidraget ryms inom budget."]


def test_numbering_restart_starts_a_paper_and_repeated_header_does_not() -> None:
    other, other_2 = ([line.replace("2024/120", "2024/121") for line in page] for page in (TS, TS_2))
    doc = split_papers(pages_document([TS, TS_2, other, other_2]), RULES)
    assert spans(doc) == [(1, 2), (3, 4)]
    assert [p.reason for p in doc.papers] == ["first_page", "page_numbering"]
    assert [p.dnr for p in doc.papers] == ["KS 2024/120", "KS 2024/121"]
    assert doc.papers[0].title == "Bidrag till föreningen"


def test_heading_of_another_kind_starts_a_paper() -> None:
    protokoll = ["STADEN KOMMUN SAMMANTRÄDESPROTOKOLL 12 (20)", "Kommunstyrelsen", "§ 40 Dnr KS 2024/120",
                 "Bidrag till föreningen", "Beslut", "Kommunstyrelsen beviljar bidraget."]
    bilaga = ["Tjänsteskrivelse", "2024-03-01", "Bidrag till föreningen", "Ärendet gäller bidrag."]
    doc = split_papers(pages_document([protokoll, bilaga]), RULES)
    assert spans(doc) == [(1, 1), (2, 2)]
    assert doc.papers[1].reason == "header"
    assert doc.papers[1].dnr is None


def test_continuation_pages_never_start_a_paper() -> None:
    first = ["STADEN KOMMUN SAMMANTRÄDESPROTOKOLL 12 (20)", "Kommunstyrelsen", "§ 40 Dnr KS 2024/120",
             "Årsredovisning 2024 för förbundet", "Beslut", "Kommunstyrelsen godkänner årsredovisningen."]
    # Same protokoll heading, numbering running on, a title-like line and a cited Dnr in prose.
    second = ["STADEN KOMMUN SAMMANTRÄDESPROTOKOLL 13 (20)", "Kommunstyrelsen",
              "Årsredovisning 2024 för förbundet, daterad 2024-03-21",
              "Beslutet fattades med stöd av kommunstyrelsens tidigare beslut, dnr KS 2023/99, i maj.",
              "Dnr KS 2024/120", "Beslutsgång"]
    doc = split_papers(pages_document([first, second, second]), RULES)
    assert spans(doc) == [(1, 3)]


def test_a_dnr_first_seen_on_a_later_page_is_the_papers_own() -> None:
    first = ["Överenskommelse om partnerskap mellan kommunen och föreningen", "Parter", "Kommunen och föreningen."]
    second = ["Dnr KS 2024/120", "Ekonomi", "Kommunen bidrar med medel."]
    third = ["Dnr KS 2024/121", "Uppföljning", "Parterna följer upp."]
    doc = split_papers(pages_document([first, second, third]), RULES)
    assert spans(doc) == [(1, 2), (3, 3)]
    assert [p.reason for p in doc.papers] == ["first_page", "dnr"]
    assert doc.papers[0].title == "Överenskommelse om partnerskap mellan kommunen och föreningen"


def test_split_is_idempotent_and_deterministic() -> None:
    doc = pages_document([TS, TS_2, TS])
    once = split_papers(doc, RULES)
    assert split_papers(once, RULES) == once == split_papers(doc, RULES)


def test_broken_pattern_is_reported_with_file_and_key(tmp_path: Path) -> None:
    rules_dir = tmp_path / "rules"
    shutil.copytree(RULES_DIR, rules_dir)
    text = (rules_dir / "papers.yaml").read_text(encoding="utf-8")
    text = text.replace("(?P<n>\\d{1,3}) ?(?:av|/)", "(?P<page>\\d{1,3}) ?(?:av|/)")
    text = text.replace("dnr: '(?<!\\w)", "dnr: '(?<!\\w)(")
    (rules_dir / "papers.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(RulesError) as err:
        load_rules(rules_dir)
    message = str(err.value)
    assert "papers.yaml: numbering" in message and "named group(s) n" in message
    assert "papers.yaml: dnr" in message and "not a valid regular expression" in message


def test_a_header_blocks_labelled_fields_are_no_title() -> None:
    """A tjänsteskrivelse's head written for this test: the handläggare's line is a field, not the title."""
    doc = pages_document([["Tjänsteskrivelse", "Datum: 2024-10-14", "Diarienummer: SON 2024-0456", "Socialförvaltningen",
                           "Handläggare: Anna Berg", "", "Idéburet offentligt partnerskap med Föreningen Fontänhuset",
                           "", "Förslag till beslut", "Socialnämnden beslutar att ingå överenskommelsen."]])
    paper = split_papers(doc, RULES).papers[0]
    assert paper.title == "Idéburet offentligt partnerskap med Föreningen Fontänhuset"
