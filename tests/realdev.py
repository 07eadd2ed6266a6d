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


def own_sentences(findings: list[Discrepancy], docs: dict[str, Document]) -> dict[str, list[str]]:
    """Each finding's sentence in Swedish and English, failing where a builder fell back to the generic one."""
    from pipeline.explain import Explainer, Papers
    from pipeline.i18n import catalogue

    out: dict[str, list[str]] = {}
    for lang in ("sv", "en"):
        cat = catalogue(lang)
        x = Explainer(cat, Papers(list(docs.values()), cat))
        for f in findings:
            text = x.explain(f)
            assert not text.startswith(x.generic(f)), (lang, f.kind, f.check, f.field)
            out.setdefault(lang, []).append(text)
    return out
