"""The expectation table of the clean seeds, checked on the corpus PDFs and its 300 and 200 dpi scans."""

from __future__ import annotations

import json

import pytest

from pipeline.model import Document
from tests.expectations import FACTS, NEGATIVES, matches

SOURCES = ("born-digital", "scans-300", "scans-200")


def _documents(out) -> dict[tuple[str, str], Document]:
    manifest = json.loads((out / "manifest.json").read_text())
    found = {}
    for entry in manifest["inputs"]:
        folder, name = entry["path"].split("/", 1)
        if folder in SOURCES and name[:3] in FACTS:
            found[(folder, name[:3])] = Document.model_validate_json(
                (out / "documents" / f"{entry['doc_id']}.json").read_bytes()
            )
    return found


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("seed", sorted(FACTS))
def test_every_expected_fact_is_found_with_its_role(corpus_run, source, seed):
    doc = _documents(corpus_run[0])[(source, seed)]
    missing = [e for e in FACTS[seed] if not any(matches(e, f) for f in doc.facts)]
    assert missing == []


@pytest.mark.parametrize("source", SOURCES)
def test_negatives_never_become_values(corpus_run, source):
    for (folder, _), doc in _documents(corpus_run[0]).items():
        if folder != source:
            continue
        for fact in doc.facts:
            if fact.kind in ("amount", "date", "org_number"):
                assert not any(fact.text in negative or negative in fact.text for negative in NEGATIVES), fact
