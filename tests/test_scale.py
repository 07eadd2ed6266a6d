"""Issue 11 items 3 and 5: every core for every stage, and a batch stage that scales.

The candidate generation of the batch stage (MinHash LSH, pipeline/reconcile/blocking.py)
must find what the exact all-pairs comparison finds: the oracle runs beside it on the
committed corpus output and on a generated batch of 500 papers.
"""

from __future__ import annotations

import json
import pickle
import shutil
from itertools import combinations
from pathlib import Path

import pytest
from rapidfuzz import fuzz

from bench.generate import generate
from pipeline.cli import main
from pipeline.executor import forked_map
from pipeline.reconcile import READ_AHEAD, link_cases, load_documents, paper_units, reconcile_folder, resolve_names
from pipeline.reconcile.blocking import Clusters
from pipeline.reconcile.cases import PaperUnit, _fold_title, next_period
from pipeline.reconcile.versions import VersionText, group_versions
from pipeline.rules import CasesCheck, load_rules
from tests.conftest import CORPUS_INPUTS, EXTRACTED, folder_bytes

BATCH_OUTPUTS = ("records.jsonl", "records.parquet", "records.csv", "discrepancies.json", "report.html", "report.xlsx")


def test_jobs_1_and_jobs_2_write_byte_identical_folders(tmp_path):
    """Documents finished in worker processes are the documents finished here, byte for byte."""
    inputs = tmp_path / "in"
    generate(inputs / "text", 6)
    shutil.copyfile(CORPUS_INPUTS / "images" / "000-iop-ikf-p1.png", inputs / "scan.png")
    shutil.copyfile(CORPUS_INPUTS / "born-digital" / "003-iop-aterrapportering.pdf", inputs / "born.pdf")
    for jobs in ("1", "2"):
        assert main(["run", str(inputs), "--out", str(tmp_path / jobs), "--jobs", jobs, "--no-progress"]) == 0
    one, two = folder_bytes(tmp_path / "1"), folder_bytes(tmp_path / "2")
    assert sorted(one) == sorted(two)
    assert [name for name in one if one[name] != two[name]] == []


def link_cases_exhaustive(units: list[PaperUnit], rule: CasesCheck) -> list[list[PaperUnit]]:
    """The all-pairs `link_cases` as it was before blocking: the oracle."""
    clusters = Clusters(range(len(units)))

    titles = [_fold_title(u.title or "") for u in units]
    for i, j in combinations(range(len(units)), 2):
        same_dnr = units[i].dnr is not None and units[i].dnr == units[j].dnr
        series = {u.dnr.split("-")[0] for u in (units[i], units[j]) if u.dnr}
        same_title = (len(titles[i]) >= 12 and len(titles[j]) >= 12 and len(series) <= 1
                      and (fuzz.ratio(titles[i], titles[j]) >= rule.title_min_similarity
                           or next_period(units[i], units[j], rule)))
        if same_dnr or same_title:
            clusters.join(i, j)
    paragraphs = {u.paragraph: i for i, u in enumerate(units) if u.paragraph}
    for i, u in enumerate(units):
        for cited in sorted(u.cites):
            if cited in paragraphs:
                clusters.join(i, paragraphs[cited])
    groups: dict[int, list[PaperUnit]] = {}
    for i, u in enumerate(units):
        groups.setdefault(clusters.find(i), []).append(u)
    return sorted((sorted(g, key=lambda u: u.paper_id) for g in groups.values() if len(g) > 1), key=lambda g: g[0].paper_id)


def _assert_equal_to_oracle(folder: Path) -> dict[str, int]:
    docs, _ = load_documents(folder)
    rules = load_rules()
    texts = [VersionText.of(d) for d in docs]
    papers = group_versions(texts, rules.checks.versions)
    assert papers == group_versions(texts, rules.checks.versions, exhaustive=True)
    primary = {d: p.paper_id for p in papers for d in p.versions}
    primaries = [d for d in docs if d.doc_id in {p.paper_id for p in papers}]
    units = paper_units(primaries, primary, rules.checks.cases)
    cases = link_cases(units, rules.checks.cases)
    assert [[u.paper_id for u in c] for c in cases] == \
        [[u.paper_id for u in c] for c in link_cases_exhaustive(units, rules.checks.cases)]
    names = sorted({f.attrs[k] for d in docs for f in d.facts for k in ("party", "payer") if f.attrs.get(k)})
    assert resolve_names(names, rules.entities) == resolve_names(names, rules.entities, exhaustive=True)
    return {"versions": sum(len(p.versions) > 1 for p in papers), "partial": sum(bool(p.partial) for p in papers),
            "cases": len(cases), "names": len(names)}


def test_blocking_finds_what_all_pairs_finds_on_the_corpus():
    found = _assert_equal_to_oracle(EXTRACTED)
    assert found["versions"] >= 4 and found["partial"] >= 1  # the corpus has both kinds


@pytest.fixture(scope="module")
def generated_batch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """500 generated text papers (with re-typed versions among them), processed."""
    folder = tmp_path_factory.mktemp("batch500")
    generate(folder / "in", 500)
    code = main(["run", str(folder / "in"), "--out", str(folder / "out"), "--jobs", "2", "--no-progress",
                 "--no-pdf", "--no-alto"])
    assert code == 0
    return folder / "out"


def test_blocking_finds_what_all_pairs_finds_on_a_generated_batch(generated_batch):
    found = _assert_equal_to_oracle(generated_batch)
    assert found["versions"] >= 20 and found["cases"] >= 1 and found["names"] >= 10
    # (a TXT input is one page, so partial versions come from the corpus test's scans only)


def test_cross_paper_findings_grow_with_the_statements_not_their_pairs(generated_batch):
    """One agreement per value names all its papers; neighbouring values are compared once."""
    findings = [f for f in json.loads((generated_batch / "discrepancies.json").read_text())["findings"]
                if f["check"] == "cross_paper"]
    by_group: dict[tuple, list[dict]] = {}
    for f in findings:
        by_group.setdefault((f["key"], f["field"]), []).append(f)
    widest = 0
    for group in by_group.values():
        statements = {(v["doc_id"], str(v["value"]), json.dumps(v["evidence"], sort_keys=True)) for f in group for v in f["values"]}
        assert len(group) <= 2 * len(statements)
        for f in group:
            values = {str(v["value"]) for v in f["values"] if v["label"] != "indexation per year"}
            if f["kind"] == "agreement":
                assert len(values) == 1 and len({v["doc_id"] for v in f["values"]}) == len(f["values"]) >= 2
                widest = max(widest, len(f["values"]))
            else:
                assert len(values) == 2
    assert widest > 2  # the batch restates one value in many papers: one finding names them all


def test_the_batch_stage_in_one_process_writes_what_it_writes_in_two(generated_batch, tmp_path):
    """The run's two workers read its 500 documents for the batch stage as they wrote them
    (`read_ahead`, gone after the run); read here again, alone, the batch outputs are the same bytes.
    A document that does not validate is left out with its reason once, though the documents are
    read twice (in two processes: `forked_map`)."""
    assert not (generated_batch / READ_AHEAD).exists()
    store = tmp_path / "store"
    shutil.copytree(generated_batch, store)
    reconcile_folder(store, load_rules(), workers=1)
    assert [name for name in BATCH_OUTPUTS if (store / name).read_bytes() != (generated_batch / name).read_bytes()] == []

    (store / "documents" / "0bad.json").write_text('{"doc_id": "0bad"', encoding="utf-8")
    result = reconcile_folder(store, load_rules(), workers=2)
    assert [note for note in result.report.skipped if "0bad" in note] == ["0bad.json: not a valid Document (ValidationError); left out"]
    assert len(result.documents) == len(list((generated_batch / "documents").glob("*.json")))


def test_reads_ahead_a_stopped_run_left_are_not_taken(tmp_path):
    """A run stopped between its documents and its batch stage leaves its workers' reads ahead; the
    next run, which writes no document again (all unchanged), reads them itself."""
    generate(tmp_path / "in", 3)
    run = ["run", str(tmp_path / "in"), "--out", str(tmp_path / "out"), "--no-progress", "--no-pdf", "--no-alto"]
    assert main(run) == 0
    before = {name: (tmp_path / "out" / name).read_bytes() for name in BATCH_OUTPUTS}
    left = tmp_path / "out" / READ_AHEAD
    left.mkdir()
    for doc in (tmp_path / "out" / "documents").glob("*.json"):
        (left / f"{doc.stem}.pickle").write_bytes(pickle.dumps("a read of an older document"))
    assert main(run) == 0
    assert {name: (tmp_path / "out" / name).read_bytes() for name in BATCH_OUTPUTS} == before and not left.exists()


def _square_or_fail(n: int) -> int:
    if n == 37:
        raise ValueError("thirty-seven")
    return n * n


def _square_or_stop(n: int) -> int:
    if n == 5:
        raise StopIteration  # as `next()` on an exhausted iterator raises it, deep inside a bug
    return n * n


@pytest.mark.parametrize("workers", [1, 3])
def test_forked_map_raises_a_stop_iteration_of_fn_and_never_drops_the_items_after_it(workers: int):
    """map() would end the items at the StopIteration: a batch stage's reads then lost every document
    after the one that raised it, without a word."""
    with pytest.raises(RuntimeError):
        list(forked_map(_square_or_stop, list(range(40)), workers=workers))


def test_forked_map_keeps_the_order_and_raises_a_childs_error_here():
    items = list(range(100))
    assert list(forked_map(lambda n: n * n, items, workers=2)) == [n * n for n in items]  # a closure: nothing pickled
    results = forked_map(_square_or_fail, items, workers=3)
    with pytest.raises(ValueError, match="thirty-seven") as raised:
        list(results)
    # the child's own traceback travels with the error: a crash log shows the line that raised it
    assert any("in _square_or_fail" in note for note in raised.value.__notes__)
