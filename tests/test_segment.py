"""Tests of pipeline/segment.py: canonical sections, heading boxes and structural notes."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.expectations import NOTES, SECTIONS, SEED_FILES, SEEDS_DIR
from pipeline.model import BBox, Document, Page, Word
from pipeline.rules import load_rules
from pipeline.segment import match_heading, segment

from pipeline.ingest import document_from_lines

RULES = load_rules()


def seed_lines(seed: str) -> list[str]:
    return (Path(SEEDS_DIR) / SEED_FILES[seed]).read_text(encoding="utf-8").split("\n")


def seed_document(seed: str) -> Document:
    return document_from_lines(seed_lines(seed), doc_id=f"seed-{seed}", source=SEED_FILES[seed])


@pytest.mark.parametrize("seed", sorted(SECTIONS))
def test_seed_sections_in_order(seed: str) -> None:
    doc = segment(seed_document(seed), RULES)
    assert [s.name for s in doc.sections] == SECTIONS[seed]
    for a, b in zip(doc.sections, doc.sections[1:]):
        assert (a.page_end, a.line_end) < (b.page_start, b.line_start)


@pytest.mark.parametrize("seed", sorted(NOTES))
def test_seed_notes(seed: str) -> None:
    doc = segment(seed_document(seed), RULES)
    for wanted in NOTES[seed]:
        assert any(wanted in note for note in doc.notes), (wanted, doc.notes)
    if not NOTES[seed]:
        assert doc.notes == ()


def test_section_spans_cover_the_text_between_headings() -> None:
    doc = segment(seed_document("004"), RULES)
    by_name = {s.name: s for s in doc.sections}
    ekonomi = by_name["ekonomi"]
    lines = seed_lines("004")
    assert lines[ekonomi.line_start - 1] == "7. Ekonomi"
    assert lines[ekonomi.line_end - 1].startswith("Om möjlighet inte finns")
    assert by_name["bakgrund"].heading == "Bakgrund"


def test_header_block_and_title_of_003() -> None:
    doc = segment(seed_document("003"), RULES)
    header, title = doc.sections[0], doc.sections[1]
    assert (header.line_start, header.line_end) == (5, 12)
    assert title.heading.startswith("Idéburet offentlig partnerskap återrapportering")


def test_raw_ocr_seed_001_headings_found_without_diacritics() -> None:
    doc = segment(seed_document("001"), RULES)
    names = [s.name for s in doc.sections]
    for name in ["forslag_till_beslut", "arende", "beslutsunderlag", "bakgrund", "ekonomiska_konsekvenser",
                 "kommunala_mal", "jamstalldhet", "samrad", "uppfoljning_och_utvardering", "mbl"]:
        assert name in names
    mbl = next(s for s in doc.sections if s.name == "mbl")
    assert mbl.heading.endswith("medbestammande i arbetslivet")  # a heading wrapped over two lines


@pytest.mark.parametrize(
    ("line", "name"),
    [
        ("Förslag till beslut", "forslag_till_beslut"),
        ("Forslag till beslut", "forslag_till_beslut"),
        ("Förslag till kommunstyrelsens beslut", "forslag_till_beslut"),
        ("Sammanfattning av ärendet", "arende"),
        ("Beskrivning av ärendet", "arende"),
        ("Beslutsunderlag:", "beslutsunderlag"),
        ("Ekonomiska konsekvenser", "ekonomiska_konsekvenser"),
        ("Jamstalldhet", "jamstalldhet"),
        ("Beslutet skickas till:", "beslutet_skickas_till"),
        ("Budget", "ekonomi"),
        ("Avtalsperiod", "giltighet"),
        ("Parter", "parter"),
        ("Kunskapsinhämtning och uppföljning", "kunskapsinhamtning_och_uppfoljning"),
        # a protokoll paragraph's parts, as the development papers' protokoll write them
        ("Beslut", "beslut"),
        ("Beslutsgång", "beslutsgang"),
        ("Protokollsanteckning", "protokollsanteckning"),
        ("Reservation", "reservation"),
        ("Yrkanden", "yrkanden"),
        # a committee's decision to propose to the body above it: 32:12, 05:12, 07:12
        ("Beslut – Förslag till kommunfullmäktige", "beslut"),
        ("Nämnden för Individ & Familjeomsorgs förslag till Kommunstyrelsen", "beslut"),
        ("Nämnden för Individ och Familjeomsorgs förslag till Kommunstyrelsen", "beslut"),
        ("Förslag till beslut på sammanträdet", "yrkanden"),  # 05:51, 19:66: the motions of the meeting
        ("Jäv", "jav"),  # 36:17
    ],
)
def test_heading_wordings(line: str, name: str) -> None:
    found = match_heading(line, RULES.sections, after_first=True)
    assert found is not None and found[0] == name


@pytest.mark.parametrize(
    "line",
    ["Informationen noteras", "Ej påkallat.", "Parterna skall sträva efter att:", "Respektive part bidrar med:",
     "Elektronisk faktura skickas till:", "Aktivitet", "Kostnader per kalenderår:",
     "fram förslag till prislista under våren 2024 och underlaget är också avstämt med"],  # 22:20
)
def test_not_headings(line: str) -> None:
    assert match_heading(line, RULES.sections, after_first=True) is None


def test_heading_box_is_the_union_of_its_words() -> None:
    words = (
        Word(text="5.", bbox=BBox(72, 100, 80, 112), line=1, block=0, confidence=1.0, origin="text-layer"),
        Word(text="Verksamhet", bbox=BBox(84, 100, 150, 112), line=1, block=0, confidence=1.0, origin="text-layer"),
        Word(text="Text", bbox=BBox(72, 120, 100, 132), line=2, block=1, confidence=1.0, origin="text-layer"),
    )
    doc = Document(doc_id="x", source="x.pdf", media_type="application/pdf", pipeline_version="0", rules_hash="0",
                   pages=(Page(number=1, kind="text", width=595, height=842, words=words),))
    section = segment(doc, RULES).sections[0]
    assert section.name == "verksamhet"
    assert section.bbox == BBox(72, 100, 150, 112)
    assert (section.line_start, section.line_end) == (1, 2)
