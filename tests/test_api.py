"""The Python API (`from pipeline import open_store`) on the corpus run, and the README's example."""

from __future__ import annotations

import contextlib
import io
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from pipeline import open_store
from pipeline.model import Discrepancy, Document
from pipeline.records import RECORD_COLUMNS

ROOT = Path(__file__).resolve().parent.parent


def test_store_returns_the_runs_documents_records_and_findings(corpus_run):
    out, _ = corpus_run
    store = open_store(out)
    docs = list(store.documents())
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert all(isinstance(d, Document) for d in docs)
    assert sorted(d.doc_id for d in docs) == sorted(e["doc_id"] for e in manifest["inputs"] if e["status"] == "ok")
    assert {d.source for d in docs} >= {"born-digital/004-iop-bilda-erikshjalpen.pdf", "legacy/001-iop-oversikt-legacy-ocr.pdf"}

    records = store.records()
    assert isinstance(records, pd.DataFrame) and list(records.columns) == RECORD_COLUMNS
    bromo = records[(records["kind"] == "amount") & (records["role"] == "cost_item")]
    assert sorted(set(bromo["value_sek"].tolist())) == [48000, 278400, 372000, 1670400]  # 004's cost table

    findings = store.findings()
    assert all(isinstance(f, Discrepancy) for f in findings)
    assert len(findings) == len(json.loads((out / "discrepancies.json").read_text(encoding="utf-8"))["findings"])
    assert any(f.kind == "sum_matches" and f.values[-1].value == 2368800 for f in findings)


def test_open_store_refuses_a_folder_that_is_no_output(tmp_path: Path):
    with pytest.raises(FileNotFoundError, match="no documents/ folder"):
        open_store(tmp_path)


def test_the_readme_example_runs(corpus_run):
    out, _ = corpus_run
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Python API", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    assert 'open_store("extracted")' in code
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(code.replace('"extracted"', repr(str(out))), "README.md", "exec"), {})
    assert "Bromodellen" in printed.getvalue() and "2368800" in printed.getvalue()
