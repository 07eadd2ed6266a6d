"""The output folder accumulates: weekly batches, stale documents, the re-run key, prune, mirror, journal."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pipeline.cli import main
from tests.conftest import CORPUS_INPUTS, ROOT

SEEDS = ROOT / "corpus" / "sources"
SEED_000, SEED_003, SEED_004 = (next(SEEDS.glob(f"{n}_*.txt")) for n in ("000", "003", "004"))
BORN_002 = CORPUS_INPUTS / "born-digital" / "002-iop-stadsmission.pdf"


def _run(*args: str | Path) -> int:
    return main(["run", *map(str, args), "--no-progress", "--jobs", "1", "--no-alto"])


def _manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text())


def _by_name(out: Path) -> dict[str, dict]:
    return {f"{e['folder']}/{e['path']}": e for e in _manifest(out)["inputs"]}


def _week(root: Path, name: str, files: dict[str, Path]) -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    for target, source in files.items():
        shutil.copyfile(source, folder / target)
    return folder


def _outputs(out: Path, doc_id: str) -> dict[str, bytes]:
    """Every file of one document: JSON, evidence images, PDF, ALTO."""
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*")
            if p.is_file() and doc_id in p.relative_to(out).as_posix()}


def _doc_ids(out: Path) -> set[str]:
    return {p.stem for p in (out / "documents").glob("*.json")}


def test_two_weekly_batches_into_one_store_are_both_kept(tmp_path):
    week_a = _week(tmp_path, "weekA", {"000-x.txt": SEED_000, "002-y.pdf": BORN_002})
    week_b = _week(tmp_path, "weekB", {"003-z.txt": SEED_003, "000-again.txt": SEED_000})
    out = tmp_path / "out"
    assert _run(week_a, "--out", out) == 0
    first = _by_name(out)
    assert _run(week_b, "--out", out) == 0
    names = _by_name(out)
    assert sorted(names) == ["weekA/000-x.txt", "weekA/002-y.pdf", "weekB/000-again.txt", "weekB/003-z.txt"]
    assert all(e["status"] == "ok" and e["cache_key"] for e in names.values())
    assert names["weekA/000-x.txt"] == first["weekA/000-x.txt"]
    # the same bytes under two names are one document
    assert names["weekB/000-again.txt"]["doc_id"] == names["weekA/000-x.txt"]["doc_id"]
    held = {e["doc_id"] for e in names.values()}
    assert _doc_ids(out) == held and _manifest(out)["counts"] == {
        "documents": 3, "failed": 0, "inputs": 4, "ok": 4, "stale": 0}
    assert (out / "pdf" / f"{names['weekA/002-y.pdf']['doc_id']}.pdf").is_file()
    # the batch stage ran over the whole store, not just week B (003, a follow-up report, has no records)
    records = [json.loads(line) for line in (out / "records.jsonl").read_text().splitlines()]
    assert {r["doc_id"] for r in records} == {first["weekA/000-x.txt"]["doc_id"], first["weekA/002-y.pdf"]["doc_id"]}
    assert not (out / "journal.jsonl").exists()


def test_a_corrupted_replacement_keeps_the_last_good_output_marked_stale(tmp_path, caplog):
    week = _week(tmp_path, "weekA", {"002-y.pdf": BORN_002, "000-x.txt": SEED_000})
    out = tmp_path / "out"
    assert _run(week, "--out", out) == 0
    good = _by_name(out)["weekA/002-y.pdf"]
    outputs = _outputs(out, good["doc_id"])
    assert len(outputs) > 3  # JSON, evidence pages, PDF
    (week / "002-y.pdf").write_bytes(BORN_002.read_bytes()[:4000])  # truncated: no longer a readable PDF
    assert _run(week, "--out", out) == 1
    entry = _by_name(out)["weekA/002-y.pdf"]
    assert entry["status"] == "stale" and entry["doc_id"] == good["doc_id"]
    assert entry["error"]["stage"] == "ingest" and entry["error"]["code"] == "E100"
    assert entry["page_kinds"] == good["page_kinds"] and entry["cache_key"] == good["cache_key"]
    assert _outputs(out, good["doc_id"]) == outputs
    assert _manifest(out)["counts"]["stale"] == 1
    # a good replacement (new bytes) takes the name's place; the old document is no input's any more
    shutil.copyfile(CORPUS_INPUTS / "born-digital" / "000-iop-ikf.pdf", week / "002-y.pdf")
    assert _run(week, "--out", out) == 0
    entry = _by_name(out)["weekA/002-y.pdf"]
    assert entry["status"] == "ok" and entry["error"] is None and entry["doc_id"] != good["doc_id"]
    assert _outputs(out, good["doc_id"]) == {}
    assert _doc_ids(out) == {e["doc_id"] for e in _by_name(out).values()}


def test_an_input_failing_under_force_keeps_its_document(tmp_path, monkeypatch):
    """A transient failure on a re-run of the same bytes (--force): the document stays, stale."""
    import pipeline.run

    week = _week(tmp_path, "weekA", {"000-x.txt": SEED_000})
    out = tmp_path / "out"
    assert _run(week, "--out", out) == 0
    before = {p: p.read_bytes() for p in (out / "documents").iterdir()}

    def broken(doc, rules):
        raise ValueError("a transient fault")

    monkeypatch.setattr(pipeline.run, "STAGES", (("facts", broken),))
    assert _run(week, "--out", out, "--force") == 1
    entry = _by_name(out)["weekA/000-x.txt"]
    assert entry["status"] == "stale" and entry["error"]["stage"] == "facts" and entry["error"]["code"] == "E999"
    assert {p: p.read_bytes() for p in (out / "documents").iterdir()} == before


@pytest.mark.parametrize("option", [["--lang", "swe+eng"], ["--redo-ocr"], ["--keep-personal-data"]])
def test_ocr_settings_are_in_the_rerun_key(tmp_path, caplog, option):
    week = _week(tmp_path, "weekA", {"000-x.txt": SEED_000})
    out = tmp_path / "out"
    assert _run(week, "--out", out) == 0
    key = _by_name(out)["weekA/000-x.txt"]["cache_key"]
    with caplog.at_level("INFO"):
        assert _run(week, "--out", out, *option) == 0
    assert "1 processed, 0 skipped" in caplog.text
    assert _by_name(out)["weekA/000-x.txt"]["cache_key"] != key


def test_prune_removes_only_outputs_no_entry_points_at(tmp_path):
    week = _week(tmp_path, "weekA", {"000-x.txt": SEED_000})
    out = tmp_path / "out"
    assert main(["prune", str(out)]) == 2  # no manifest: nothing says what to keep
    assert _run(week, "--out", out) == 0
    kept = _by_name(out)["weekA/000-x.txt"]["doc_id"]
    orphan = "f" * 64  # as a run that died before recording it would leave
    shutil.copyfile(out / "documents" / f"{kept}.json", out / "documents" / f"{orphan}.json")
    (out / "evidence" / orphan).mkdir(parents=True)
    (out / "evidence" / orphan / "page-001.jpg").write_bytes(b"x")
    (out / "documents" / f".{orphan}.json.abc.tmp").write_bytes(b"{")
    strays = [out / "evidence" / ".DS_Store", out / "documents" / "notes.txt", out / "pdf" / "mine.pdf"]
    for stray in strays:
        stray.parent.mkdir(exist_ok=True)
        stray.write_bytes(b"not ours")
    assert main(["prune", str(out)]) == 0
    assert _doc_ids(out) == {kept} and not (out / "evidence" / orphan).exists()
    assert not list(out.rglob("*.tmp")) and all(s.read_bytes() == b"not ours" for s in strays)


def test_mirror_keeps_only_this_runs_inputs(tmp_path):
    week_a = _week(tmp_path, "weekA", {"000-x.txt": SEED_000})
    week_b = _week(tmp_path, "weekB", {"003-z.txt": SEED_003})
    out = tmp_path / "out"
    assert _run(week_a, "--out", out) == 0
    assert _run(week_b, "--out", out, "--mirror") == 0
    assert sorted(_by_name(out)) == ["weekB/003-z.txt"]
    assert _doc_ids(out) == {_by_name(out)["weekB/003-z.txt"]["doc_id"]}


def test_manifest_is_the_same_for_the_same_inputs(tmp_path):
    """Deterministic content: two stores built from the same inputs in different orders agree."""
    week_a = _week(tmp_path, "weekA", {"000-x.txt": SEED_000})
    week_b = _week(tmp_path, "weekB", {"003-z.txt": SEED_003})
    assert _run(week_a, "--out", tmp_path / "one") == 0
    assert _run(week_b, "--out", tmp_path / "one") == 0
    assert _run(week_b, week_a, "--out", tmp_path / "two") == 0
    assert (tmp_path / "one" / "manifest.json").read_bytes() == (tmp_path / "two" / "manifest.json").read_bytes()


def test_journal_is_folded_into_the_manifest_while_the_run_goes_on(tmp_path, monkeypatch):
    """With the fold interval at 0 the manifest lists each input as soon as it is recorded."""
    from pipeline import store
    from pipeline.model import ManifestEntry

    monkeypatch.setattr(store, "FOLD_INTERVAL_S", 0.0)
    out = tmp_path / "out"
    out.mkdir()
    week = _week(tmp_path, "weekA", {"000-x.txt": SEED_000})
    assert _run(week, "--out", out) == 0
    header = store.read_manifest(out)
    journal = store.Journal(out, header, header)
    entry = ManifestEntry(folder="weekB", path="y.txt", doc_id=None, status="failed")
    journal.record(entry)
    assert [e.path for e in store.read_manifest(out).inputs] == ["000-x.txt", "y.txt"]
    lines = (out / store.JOURNAL).read_text().splitlines()
    assert "header" in json.loads(lines[0]) and json.loads(lines[1])["entry"]["path"] == "y.txt"
    journal.close(complete=True)
    assert not (out / store.JOURNAL).exists()


def test_a_run_ends_without_the_temporary_files_of_a_killed_worker(tmp_path):
    """A worker killed while it wrote a document (the pool is ended when one dies) leaves its
    temporary file; the run removes it when it closes its journal, and keeps the documents."""
    from pipeline import store

    out = tmp_path / "out"
    week = _week(tmp_path, "weekA", {"000-x.txt": SEED_000})
    assert _run(week, "--out", out) == 0
    documents = sorted((out / store.DOCUMENTS).glob("*.json"))
    killed = out / store.DOCUMENTS / f".{documents[0].name}.k1ll3d.tmp"  # as write_chunks_atomic names it
    killed.write_text('{"doc_id": "cut sho')
    header = store.read_manifest(out)
    store.Journal(out, header, header).close(complete=True)
    assert not killed.exists() and sorted((out / store.DOCUMENTS).glob("*.json")) == documents
