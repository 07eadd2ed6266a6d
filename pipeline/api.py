"""A short Python API over an output folder, for downstream tools: `open_store(OUT)`.

It reads the files `papers run` wrote, validated by the same models that wrote them, so a
notebook or a script never parses JSON by hand:

    from pipeline import open_store
    store = open_store("extracted")
    for doc in store.documents(): ...      # Document, one per input
    frame = store.records()                 # pandas DataFrame, one row per stated value
    findings = store.findings()             # list of Discrepancy

Nothing is computed again; the folder's masking of personal data is what the files hold.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipeline.model import Discrepancy, DiscrepancyReport, Document
from pipeline.store import DOCUMENTS

RECORDS = "records.parquet"
DISCREPANCIES = "discrepancies.json"


@dataclass(frozen=True)
class Store:
    """An output folder written by `papers run` (or `papers reconcile`)."""

    path: Path

    def documents(self) -> Iterator[Document]:
        """Every document of the folder, in doc_id order, read one at a time (a large batch never sits in memory at once)."""
        for path in sorted((self.path / DOCUMENTS).glob("*.json")):
            yield Document.model_validate_json(path.read_bytes())

    def records(self) -> pd.DataFrame:
        """The records in long form, one row per stated value: the columns of records.csv (docs/output-format.md)."""
        return pd.read_parquet(self.path / RECORDS)

    def findings(self) -> list[Discrepancy]:
        """Every finding of the checks, as discrepancies.json lists them."""
        return list(self.report().findings)

    def report(self) -> DiscrepancyReport:
        """All of discrepancies.json: findings, papers and their versions, partnerships, what was left out."""
        return DiscrepancyReport.model_validate_json((self.path / DISCREPANCIES).read_bytes())


def open_store(path: str | Path) -> Store:
    """Open an output folder (FileNotFoundError when it holds no documents/ folder: not an output of `papers run`)."""
    folder = Path(path)
    if not (folder / DOCUMENTS).is_dir():
        raise FileNotFoundError(f"{folder} has no {DOCUMENTS}/ folder: not an output folder of `papers run`")
    return Store(folder)
