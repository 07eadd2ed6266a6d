"""Faults: concurrent runs, a killed run, a killed worker, SIGTERM, an unwritable or full output
folder, hostile input folders, stray files, forged log lines, exit codes. Nothing may be lost."""

from __future__ import annotations

import errno
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image

import pipeline.run
from pipeline import store
from pipeline.cli import main, printable
from pipeline.tesseract import OcrJob, OcrResult
from tests.conftest import CORPUS_INPUTS, ROOT

SEEDS = sorted((ROOT / "corpus" / "sources").glob("*.txt"))
SCAN_TWO_PAGES = CORPUS_INPUTS / "scans-200" / "000-iop-ikf.pdf"


def _many(folder: Path, count: int) -> Path:
    """`count` distinct text inputs (seed papers, each with a line of its own)."""
    folder.mkdir(parents=True)
    for i in range(count):
        (folder / f"paper-{i:03d}.txt").write_text(SEEDS[i % len(SEEDS)].read_text() + f"\nBilaga {i}\n")
    return folder


@pytest.fixture
def papers():
    """Start `papers` as its own process, as an operator would; a test that fails ends it."""
    started: list[subprocess.Popen] = []

    def start(*args: str | Path) -> subprocess.Popen:
        started.append(subprocess.Popen([sys.executable, "-m", "pipeline.cli", *map(str, args), "--no-progress"],
                                        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
        return started[-1]

    yield start
    for process in started:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(30)


def _until(condition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _journal_entries(out: Path) -> int:
    try:
        return sum('"entry"' in line for line in (out / store.JOURNAL).read_text().splitlines())
    except FileNotFoundError:
        return 0


def _manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text())


def _true_account(out: Path) -> dict:
    """The manifest lists exactly the documents the folder holds, each a complete JSON file."""
    manifest = _manifest(out)
    held = {e["doc_id"] for e in manifest["inputs"] if e["status"] != "failed"}
    files = {p.stem: json.loads(p.read_text()) for p in (out / "documents").glob("*.json")}
    assert set(files) == held
    assert not list(out.rglob("*.tmp")) and not (out / store.JOURNAL).exists()
    return manifest


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


def _descendants(pid: int) -> dict[int, tuple[int, str]]:
    """Every process below `pid`: its parent and command name."""
    table: dict[int, tuple[int, str]] = {}
    for stat_file in Path("/proc").glob("[0-9]*/stat"):
        try:
            head, tail = stat_file.read_text().rsplit(")", 1)
            table[int(stat_file.parent.name)] = (int(tail.split()[1]), head.split("(", 1)[1])
        except (OSError, ValueError, IndexError):
            continue
    found: dict[int, tuple[int, str]] = {}
    frontier = {pid}
    while frontier:
        below = {child: row for child, row in table.items() if row[0] in frontier and child not in found}
        found |= below
        frontier = set(below)
    return found


# --------------------------------------------------------------------------- one writer, crashes


def test_a_second_concurrent_run_refuses_or_waits(tmp_path, caplog, papers):
    week_a, week_b = _many(tmp_path / "weekA", 12), _many(tmp_path / "weekB", 2)
    out = tmp_path / "out"
    first = papers("run", week_a, "--out", out, "--jobs", "1")
    _until(lambda: (out / store.JOURNAL).exists())
    assert main(["run", str(week_b), "--out", str(out), "--no-progress", "--jobs", "1"]) == 2
    assert "another papers command is writing to" in caplog.text and "--wait" in caplog.text
    assert main(["run", str(week_b), "--out", str(out), "--no-progress", "--jobs", "1", "--wait"]) == 0
    assert first.wait(60) == 0
    manifest = _true_account(out)
    assert {e["folder"] for e in manifest["inputs"]} == {"weekA", "weekB"}
    assert manifest["counts"]["ok"] == 14


def test_a_run_killed_outright_leaves_a_journal_the_next_run_folds_in(tmp_path, caplog, papers):
    inputs = _many(tmp_path / "in", 24)
    out = tmp_path / "out"
    killed = papers("run", inputs, "--out", out, "--jobs", "1")
    _until(lambda: _journal_entries(out) >= 3)
    killed.send_signal(signal.SIGKILL)
    assert killed.wait(10) == -signal.SIGKILL
    journaled = _journal_entries(out)
    assert 3 <= journaled < 24
    with caplog.at_level("INFO"):  # the lock died with the run: the next run proceeds
        assert main(["run", str(inputs), "--out", str(out), "--no-progress", "--jobs", "1"]) == 0
    assert f"folded the journal of an interrupted run into {out / 'manifest.json'}: {journaled} finished" in caplog.text
    assert f"{journaled} skipped as unchanged" in caplog.text
    manifest = _true_account(out)
    assert manifest["counts"] == {"documents": 24, "failed": 0, "inputs": 24, "ok": 24, "stale": 0}


def test_sigterm_ends_the_workers_and_exits_130(tmp_path, papers):
    source = tmp_path / "in"
    source.mkdir()
    shutil.copyfile(SCAN_TWO_PAGES, source / "scan.pdf")
    shutil.copyfile(SEEDS[0], source / "paper.txt")
    out = tmp_path / "out"
    run = papers("run", source, "--out", out, "--jobs", "2", "--no-pdf", "--no-alto")
    seen: dict[int, tuple[int, str]] = {}

    def reading_a_page() -> bool:
        """Two workers and a Tesseract under one of them, in one look (a worker's first page also
        starts a short `tesseract --version`, which may be gone by the next look)."""
        seen.clear()
        seen.update(_descendants(run.pid))
        return len(seen) >= 3 and any(name == "tesseract" and parent != run.pid for parent, name in seen.values())

    _until(reading_a_page)
    family = set(seen)
    run.send_signal(signal.SIGTERM)
    assert run.wait(30) == 130
    assert "interrupted" in run.stderr.read()
    _until(lambda: not any(_alive(p) for p in family), timeout=10)
    manifest = _true_account(out)  # the text input finished first and is recorded
    assert [e["path"] for e in manifest["inputs"]] == ["paper.txt"]


def _dying_ocr(job: OcrJob) -> OcrResult:
    """An OCR stand-in: the worker dies on die.png, as under the out-of-memory killer; other pages
    read as empty (no Tesseract needed to test the pool)."""
    if job.source.path.name == "die.png":
        os._exit(9)
    time.sleep(0.5)  # still in flight when the other worker dies
    buffer = io.BytesIO()
    Image.new("L", (60, 80), 255).save(buffer, format="JPEG")
    return OcrResult(job.doc_id, job.page_number, (), ("near_empty",), buffer.getvalue(), 0.1, job.source.dpi)


def test_a_dead_ocr_worker_fails_only_its_own_document(tmp_path, monkeypatch, caplog):
    source = tmp_path / "in"
    source.mkdir()
    shutil.copyfile(CORPUS_INPUTS / "images" / "000-iop-ikf-p1.png", source / "die.png")
    shutil.copyfile(CORPUS_INPUTS / "images" / "003-iop-aterrapportering-p1.tiff", source / "lives.tiff")
    shutil.copyfile(SCAN_TWO_PAGES, source / "lives-too.pdf")
    shutil.copyfile(SEEDS[0], source / "paper.txt")
    monkeypatch.setattr("pipeline.ocr.ocr_page", _dying_ocr)
    out = tmp_path / "out"
    assert main(["run", str(source), "--out", str(out), "--no-progress", "--jobs", "2", "--no-pdf", "--no-alto"]) == 1
    manifest = _true_account(out)
    by_path = {e["path"]: e for e in manifest["inputs"]}
    assert by_path["die.png"]["status"] == "failed"
    assert by_path["die.png"]["error"]["code"] == "E201" and "died" in by_path["die.png"]["error"]["message"]
    assert {p for p, e in by_path.items() if e["status"] == "ok"} == {"lives.tiff", "lives-too.pdf", "paper.txt"}
    retried = next(r.args[0] for r in caplog.records if "in flight are retried" in r.msg)
    assert retried >= 2  # die.png and a page that shared the broken pool (retried alone: read)


# --------------------------------------------------------------------------- the output folder


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.mark.parametrize(("code", "words"), [(errno.EROFS, "read-only"), (errno.ENOSPC, "No space left")])
def test_an_unwritable_output_folder_is_found_before_any_work(tmp_path, monkeypatch, caplog, code, words):
    inputs = _many(tmp_path / "in", 2)
    out = tmp_path / "out"
    assert main(["run", str(inputs), "--out", str(out), "--no-progress", "--jobs", "1"]) == 0
    before = _snapshot(out)
    (inputs / "new.txt").write_text(SEEDS[1].read_text())

    def refuse(fd: int, data: bytes) -> None:
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(store, "write_all", refuse)
    monkeypatch.setattr(pipeline.run, "ingest", lambda *a, **k: pytest.fail("an input was read"))
    assert main(["run", str(inputs), "--out", str(out), "--no-progress", "--jobs", "1", "--force"]) == 2
    assert words in caplog.text and "cannot write" in caplog.text
    assert _snapshot(out) == before


def test_a_nearly_full_disk_is_refused_before_any_work(tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(store, "MIN_FREE_BYTES", 2**62)
    assert main(["run", str(_many(tmp_path / "in", 1)), "--out", str(tmp_path / "out"), "--no-progress"]) == 2
    assert "MiB free" in caplog.text and not (tmp_path / "out" / "documents").exists()


def test_a_disk_filling_up_mid_run_stops_with_exit_2_and_nothing_half_written(tmp_path, monkeypatch, caplog):
    inputs = _many(tmp_path / "in", 6)
    out = tmp_path / "out"
    real, calls = store.write_all, []

    def fill_up(fd: int, data: bytes) -> None:
        calls.append(len(data))
        if len(calls) > 8:  # the probe, the journal's header, then a few documents' files
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real(fd, data)

    monkeypatch.setattr(store, "write_all", fill_up)
    assert main(["run", str(inputs), "--out", str(out), "--no-progress", "--jobs", "1"]) == 2
    assert "No space left on device" in caplog.text and "free some space" in caplog.text
    assert not list(out.rglob("*.tmp"))
    for path in out.rglob("*.json"):
        json.loads(path.read_text())  # every file there is whole
    assert (out / store.JOURNAL).exists()  # the manifest could not be written: the journal holds the account
    monkeypatch.setattr(store, "write_all", real)
    assert main(["run", str(inputs), "--out", str(out), "--no-progress", "--jobs", "1"]) == 0
    assert _true_account(out)["counts"]["ok"] == 6


# --------------------------------------------------------------------------- hostile input folders


def test_broken_links_and_odd_files_become_error_records_while_the_rest_runs(tmp_path, monkeypatch):
    source = tmp_path / "in"
    (source / "sub").mkdir(parents=True)
    shutil.copyfile(SEEDS[0], source / "good.txt")
    shutil.copyfile(SEEDS[2], source / "unreadable.txt")
    (source / "loop.pdf").symlink_to("loop.pdf")
    (source / "dangling.pdf").symlink_to("missing.pdf")
    (source / "sub" / "up").symlink_to("..")
    os.mkfifo(source / "pipe.txt")
    out = tmp_path / "out"
    (out / "evidence").mkdir(parents=True)
    (out / "documents").mkdir()
    (out / "evidence" / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    (out / "documents" / "notes.txt").write_text("the auditor's notes")
    hash_file = pipeline.run.sha256_file

    def sha256_file(path: Path) -> str:
        if path.name == "unreadable.txt":
            raise PermissionError(errno.EACCES, "Permission denied")
        return hash_file(path)

    monkeypatch.setattr(pipeline.run, "sha256_file", sha256_file)
    assert main(["run", str(source), "--out", str(out), "--no-progress", "--jobs", "1"]) == 1
    by_path = {e["path"]: e for e in _manifest(out)["inputs"]}
    assert by_path["good.txt"]["status"] == "ok"
    messages = {p: (e["error"]["code"], e["error"]["message"]) for p, e in by_path.items() if e["error"]}
    assert messages == {
        "dangling.pdf": ("E100", "a dangling symbolic link (its target is missing)"),
        "loop.pdf": ("E100", "a symbolic link loop; not followed"),
        "pipe.txt": ("E100", "not a regular file (a pipe, socket or device); not read"),
        "sub/up": ("E100", "a symbolic link loop (a link to a folder it is in); not followed"),
        "unreadable.txt": ("E101", "cannot read the file: Permission denied"),
    }
    assert (out / "evidence" / ".DS_Store").is_file() and (out / "documents" / "notes.txt").is_file()
    assert main(["prune", str(out)]) == 0
    assert (out / "evidence" / ".DS_Store").is_file() and (out / "documents" / "notes.txt").is_file()


def test_a_newline_in_a_file_name_cannot_forge_a_log_line(tmp_path, papers):
    source = tmp_path / "in"
    source.mkdir()
    (source / "x\npapers: INFO: all inputs fine.pdf").write_bytes(b"")
    run = papers("run", source, "--out", tmp_path / "out", "--jobs", "1")
    _, stderr = run.communicate(timeout=120)
    assert run.returncode == 1
    assert not any(line.startswith("papers: INFO: all inputs fine") for line in stderr.splitlines())
    assert "in/x\\npapers: INFO: all inputs fine.pdf: failed in ingest" in stderr
    assert printable("a\nb\tc\x1bä") == "a\\nb\\tc\\x1bä"


# --------------------------------------------------------------------------- exit codes


def test_an_internal_error_exits_3_with_the_traceback_in_a_log_file(tmp_path, monkeypatch, caplog):
    def bug(*args, **kwargs):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(pipeline.run, "find_inputs", bug)
    assert main(["run", str(_many(tmp_path / "in", 1)), "--out", str(tmp_path / "out"), "--no-progress"]) == 3
    message = next(r.getMessage() for r in caplog.records if "internal error" in r.getMessage())
    log_file = Path(message.rsplit("traceback in ", 1)[1])
    assert "ZeroDivisionError: a bug" in log_file.read_text() and "Traceback" in log_file.read_text()
    log_file.unlink()
    assert not (tmp_path / "out" / store.JOURNAL).exists()  # the account was closed on the way out
