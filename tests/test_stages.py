"""Honest cache keys: each stage's version and rules, checked against what the stages really do."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import pytest

import pipeline.ocr
import pipeline.reconcile
import pipeline.run
import pipeline.stages
from pipeline.ingest import ingest
from pipeline.reconcile import reconcile_folder
from pipeline.repair import REPAIRED_KINDS
from pipeline.rules import load_rules
from pipeline.run import STAGES, RunOptions, run
from pipeline.stages import BATCH_STAGE, DOCUMENT_STAGES, STAGE_TABLE, check_table
from pipeline.tesseract import OcrSettings
from tests.conftest import CORPUS_INPUTS, EXTRACTED


class _Recording:
    """The rules, noting which rule sets (and sections of a rule set) are read (the hashes are the
    cache's own business)."""

    def __init__(self, rules, prefix: str = "", read: set[str] | None = None):
        self.__dict__.update(rules=rules, prefix=prefix, read=set() if read is None else read)

    def __getattr__(self, name: str):
        value = getattr(self.rules, name)
        if name in ("hash", "file_hashes", "directory"):
            return value
        if not self.prefix and hasattr(value, "model_fields"):  # a rule set: its sections are noted too
            self.read.add(name)
            return _Recording(value, f"{name}.", self.read)
        self.read.add(self.prefix + name if self.prefix else name)
        return value


def _declared(name: str) -> set[str]:
    return set(next(s for s in (*DOCUMENT_STAGES, BATCH_STAGE) if s.name == name).rules)


def _within(read: set[str], declared: set[str]) -> bool:
    """Every rule set read is declared, whole or by the sections read of it ("tables.ruled")."""
    return all(r in declared or r.split(".")[0] in declared if "." in r else
               r in declared or any(d.startswith(f"{r}.") for d in declared) for r in read)


@pytest.mark.parametrize("relative", ["born-digital/000-iop-ikf.pdf", "legacy/001-iop-oversikt-legacy-ocr.pdf"])
def test_each_stage_reads_only_the_rules_its_key_holds(relative):
    rules = load_rules()
    recording = _Recording(rules)
    doc = ingest(CORPUS_INPUTS / relative, relative, recording, pipeline_version="test",
                 settings=OcrSettings()).document
    assert _within(recording.read, _declared("ocr"))
    for name, stage in STAGES:
        recording = _Recording(rules)
        idle = name == "repair" and not any(p.kind in REPAIRED_KINDS for p in doc.pages)  # a clean text layer
        doc = stage(doc, recording)
        assert (not recording.read if idle else recording.read) and _within(recording.read, _declared(name)), name


def test_a_flat_table_rule_leaves_the_ocr_key_and_a_ruled_table_setting_changes_it():
    """Ingest reads only the ruled-table settings of tables.yaml, so only they are in the OCR key."""
    rules = load_rules()
    flat = rules.tables.flat_rows.model_copy(update={"header_max_words": 25})
    ruled = rules.tables.ruled.model_copy(update={"snap_tolerance": rules.tables.ruled.snap_tolerance + 1})
    keys = pipeline.stages.stage_keys(rules, {}, "masked")
    for section, expect_ocr_same in (("flat_rows", True), ("ruled", False)):
        changed = rules.model_copy(update={"tables": rules.tables.model_copy(
            update={section: flat if section == "flat_rows" else ruled}),
            "file_hashes": {**rules.file_hashes, "tables": "edited"}})
        other = pipeline.stages.stage_keys(changed, {}, "masked")
        assert (other["ocr"] == keys["ocr"]) is expect_ocr_same, section
        assert other["tables"] != keys["tables"]


def test_the_batch_stage_reads_only_the_rules_its_key_holds(tmp_path, monkeypatch):
    """Every rule the batch stage reads, here: its reconciling runs in a fork, whose reads this
    process's recording would not see."""
    shutil.copytree(EXTRACTED, tmp_path / "out")
    recording = _Recording(load_rules())

    def here(fn, meanwhile=lambda: None):
        result = fn()
        meanwhile()
        return result

    monkeypatch.setattr(pipeline.reconcile, "in_a_fork", here)
    reconcile_folder(tmp_path / "out", recording, workers=1)
    assert recording.read and _within(recording.read, _declared("batch"))


def test_the_committed_stage_table_matches_extracted():
    """docs/stages.json holds each stage's version and output hash on extracted/: a stage whose
    output changed without a new version (its own or one before it) is refused."""
    table = json.loads(STAGE_TABLE.read_text())
    expected, problems = check_table(EXTRACTED, table)
    assert problems == []
    assert expected == table


def test_a_changed_output_under_the_same_version_is_refused(tmp_path):
    shutil.copytree(EXTRACTED, tmp_path / "out", ignore=shutil.ignore_patterns("evidence", "pdf", "alto"))
    table = json.loads(STAGE_TABLE.read_text())
    doc_path = sorted((tmp_path / "out" / "documents").glob("*.json"))[0]
    doc = json.loads(doc_path.read_text())
    doc["sections"] = doc["sections"][:-1]  # as if segmentation had changed
    doc_path.write_text(json.dumps(doc))
    _, problems = check_table(tmp_path / "out", table)
    assert [p.split(":")[0] for p in problems] == ["stage segment"]


# --------------------------------------------------------------------------- re-runs by stage


SCAN = "images/000-iop-ikf-p1.png"
TEXT = "born-digital/002-iop-stadsmission.pdf"


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    """One scanned page and one born-digital paper into a store, with an OCR cache."""
    inputs = tmp_path_factory.mktemp("weekly")
    for relative in (SCAN, TEXT):
        shutil.copyfile(CORPUS_INPUTS / relative, inputs / Path(relative).name)
    out = tmp_path_factory.mktemp("store")
    cache = tmp_path_factory.mktemp("ocr-cache")
    result = run([inputs], RunOptions(out=out, jobs=1, ocr_cache=cache))
    assert result.processed == 2
    return inputs, out, cache


def _bump(monkeypatch, name: str) -> None:
    bumped = tuple(dataclasses.replace(s, version=s.version + 1) if s.name == name else s for s in DOCUMENT_STAGES)
    monkeypatch.setattr(pipeline.stages, "DOCUMENT_STAGES", bumped)


def _documents(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((out / "documents").glob("*.json"))}


def test_a_new_repair_version_reruns_repair_and_after_without_ocr(first_run, monkeypatch, tmp_path):
    inputs, out, cache = first_run
    before = _documents(out)
    store = tmp_path / "store"
    shutil.copytree(out, store)
    _bump(monkeypatch, "repair")

    def no_ocr(job):
        raise AssertionError(f"page {job.page_number} was OCR'd again")

    monkeypatch.setattr("pipeline.ocr.ocr_page", no_ocr)
    result = run([inputs], RunOptions(out=store, jobs=1, ocr_cache=cache))
    assert (result.processed, result.skipped) == (2, 0)
    assert _documents(store) == before  # the same code: the same documents, from the cached pages


def test_a_new_ocr_version_reads_the_pages_again(first_run, monkeypatch, tmp_path):
    inputs, out, cache = first_run
    store = tmp_path / "store"
    shutil.copytree(out, store)
    _bump(monkeypatch, "ocr")
    read = []
    real = pipeline.ocr.ocr_page
    monkeypatch.setattr(pipeline.ocr, "ocr_page", lambda job: read.append(job.page_number) or real(job))
    result = run([inputs], RunOptions(out=store, jobs=1, ocr_cache=cache))
    assert result.processed == 2 and read == [1]


def _rerun_with_changed_rules(first_run, monkeypatch, tmp_path: Path, rule_file: str):
    """Re-run the first run's inputs into a copy of its store with one rule file's hash changed."""
    inputs, out, cache = first_run
    store = tmp_path / "store"
    shutil.copytree(out, store)
    rules = load_rules()
    changed = rules.model_copy(update={"file_hashes": {**rules.file_hashes, rule_file: "0" * 64}})
    monkeypatch.setattr(pipeline.run, "load_rules", lambda: changed)
    return store, run([inputs], RunOptions(out=store, jobs=1, ocr_cache=cache))


def test_a_batch_rules_change_reruns_the_batch_stage_only(first_run, monkeypatch, tmp_path):
    _, result = _rerun_with_changed_rules(first_run, monkeypatch, tmp_path, "checks")
    assert (result.processed, result.skipped) == (0, 2)


def test_a_facts_rules_change_reruns_from_the_cached_pages_as_a_fresh_run_would(first_run, monkeypatch, tmp_path):
    """The documents re-run from cached OCR record the rules they were now made with, byte for byte
    what a run from scratch with those rules writes."""
    inputs, out, _ = first_run
    store, result = _rerun_with_changed_rules(first_run, monkeypatch, tmp_path, "facts")
    assert (result.processed, result.skipped) == (2, 0)
    fresh = tmp_path / "fresh"
    run([inputs], RunOptions(out=fresh, jobs=1, ocr_cache=tmp_path / "empty-cache"))
    assert _documents(store) == _documents(fresh)
    assert _documents(store) != _documents(out)  # the rules_hash each records
