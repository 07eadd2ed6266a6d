"""Shared fixtures: the corpus run once per test session, shared by every end-to-end test."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import settings

from pipeline.cli import main

ROOT = Path(__file__).resolve().parent.parent
CORPUS_INPUTS = ROOT / "corpus" / "inputs"
CORPUS_TRUTH = ROOT / "corpus" / "truth"
EXTRACTED = ROOT / "extracted"
FIXTURES = Path(__file__).resolve().parent / "fixtures"

os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="papers-tests-cache-")
"""`papers run` keeps read pages in the user's cache directory: the suite never touches it."""
atexit.register(shutil.rmtree, os.environ["XDG_CACHE_HOME"], ignore_errors=True)

settings.register_profile("ci", deadline=None, derandomize=True, max_examples=200)
settings.load_profile("ci")


@pytest.fixture(autouse=True)
def _own_ocr_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Give each test its own OCR cache (`papers run`'s default is the user's cache directory), so
    no test reads pages another test OCR'd, and none touches the user's."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))


@pytest.fixture(scope="session")
def corpus_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    """Run the main job on corpus/inputs/ from scratch (real Tesseract) into a temp folder.

    Returns:
        The output folder and the exit code.
    """
    out = tmp_path_factory.mktemp("extracted")
    jobs = str(max(1, min(2, os.cpu_count() or 1)))
    code = main(["run", str(CORPUS_INPUTS), "--out", str(out), "--force", "--jobs", jobs, "--no-progress"])
    return out, code


EXPORT_INPUTS = (
    "scans-300/004-iop-bilda-erikshjalpen.pdf",  # 300 dpi scan; page 3 holds repaired words ("7090" -> "70%")
    "born-digital/000-iop-ikf.pdf",
    "legacy/001-iop-oversikt-legacy-ocr.pdf",  # damaged text layer: "Linkopings" -> "Linköpings"
    "images/000-iop-ikf-p1.png",
)


@pytest.fixture(scope="session")
def export_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Run the main job (PDF and ALTO on, as by default) on four corpus inputs, five OCR'd pages.

    Returns:
        The input folder (a copy of the four inputs in their corpus folders) and the output folder.
    """
    import shutil

    inputs = tmp_path_factory.mktemp("export-inputs")
    for relative in EXPORT_INPUTS:
        (inputs / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(CORPUS_INPUTS / relative, inputs / relative)
    out = tmp_path_factory.mktemp("export-out")
    jobs = str(max(1, min(2, os.cpu_count() or 1)))
    assert main(["run", str(inputs), "--out", str(out), "--jobs", jobs, "--no-progress"]) == 0
    return inputs, out


def folder_bytes(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` by its relative path: two output folders compare byte for byte."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
