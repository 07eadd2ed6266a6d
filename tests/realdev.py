"""Where the real development papers are: ../shared/realdev beside the project, and a skip mark
for tests that read them (a clone without the shared folder still runs the rest)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.model import Discrepancy, DiscrepancyReport, Document

ROOT = Path(__file__).resolve().parent.parent
REALDEV = ROOT.parent / "shared" / "realdev"

needs_realdev = pytest.mark.skipif(not REALDEV.is_dir(), reason=f"{REALDEV} (the real papers) is not present")


def run_dev_papers(stems: list[str], profile: str, tmp: Path) -> tuple[dict[str, Document], list[Discrepancy]]:
    """Run `papers run` on dev papers of corpus/real/<profile>/; return documents by paper number and the findings.

    Asserts every paper is in the dev part of corpus/real/split.json: tests never read the test part.
    """
    real = ROOT / "corpus" / "real"
    dev = json.loads((real / "split.json").read_text(encoding="utf-8"))["dev"]
    assert all(f"{stem}.md" in dev for stem in stems)
    inputs, out = tmp / "in", tmp / "out"
    inputs.mkdir()
    for stem in stems:
        shutil.copy(real / profile / f"{stem}.pdf", inputs / f"{stem}.pdf")
    assert main(["run", str(inputs), "--out", str(out), "--no-progress"]) == 0
    docs = {}
    for path in (out / "documents").glob("*.json"):
        doc = Document.model_validate_json(path.read_text(encoding="utf-8"))
        docs[doc.source[:2]] = doc
    report = DiscrepancyReport.model_validate_json((out / "discrepancies.json").read_text(encoding="utf-8"))
    return docs, list(report.findings)
