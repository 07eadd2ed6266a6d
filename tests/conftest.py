"""Shared fixtures: the corpus run once per test session, shared by every end-to-end test."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

from pipeline.cli import main

ROOT = Path(__file__).resolve().parent.parent
CORPUS_INPUTS = ROOT / "corpus" / "inputs"
CORPUS_TRUTH = ROOT / "corpus" / "truth"
EXTRACTED = ROOT / "extracted"
FIXTURES = Path(__file__).resolve().parent / "fixtures"

settings.register_profile("ci", deadline=None, derandomize=True, max_examples=200)
settings.load_profile("ci")


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
