"""Packed, PackedByKey and Spilled: the batch stage's records and documents held compressed, or kept
in a temporary file, read back the same, in order, by index and by key."""

from pathlib import Path

import pytest

from pipeline import packed
from pipeline.model import Document, Record
from pipeline.packed import Packed, PackedByKey, Spilled, pack
from pipeline.reconcile import report_view

EXTRACTED = Path(__file__).resolve().parent.parent / "extracted"


def corpus_records() -> list[Record]:
    lines = (EXTRACTED / "records.jsonl").read_text(encoding="utf-8").splitlines()
    return [Record.model_validate_json(line) for line in lines]


def test_corpus_records_read_back_equal_in_order_and_by_index(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(packed, "BLOCK", 5)  # several blocks and a short last one from the corpus's records
    records = corpus_records()
    assert len(records) > 2 * packed.BLOCK and len(records) % packed.BLOCK
    held = Packed(records)
    assert len(held) == len(records)
    assert list(held) == records and held == records and held == tuple(records)
    assert [held[i] for i in range(len(records))] == records
    assert held[-1] == records[-1] and held[3:9] == tuple(records[3:9])
    with pytest.raises(IndexError):
        held[len(records)]
    assert held != records[:-1]
    assert Packed([]) == () and not list(Packed([]))


def test_spilled_records_read_back_equal_in_any_order() -> None:
    records = corpus_records()
    spilled = Spilled()
    at = [spilled.append(pack(record)) for record in records]
    assert at == list(range(len(records)))
    assert [spilled[i] for i in reversed(at)] == records[::-1]  # each read back by its index, not in turn
    assert spilled[at[0]] == records[0]


def test_corpus_documents_views_read_back_equal_by_doc_id() -> None:
    views = [report_view(Document.model_validate_json(p.read_text(encoding="utf-8")))
             for p in sorted((EXTRACTED / "documents").glob("*.json"))]
    held = PackedByKey.of((v.doc_id, v) for v in views)
    assert len(held) == len(views) and list(held) == [v.doc_id for v in views]  # in the order given
    assert all(held[v.doc_id] == v for v in reversed(views))
    assert held.get("no such document") is None and "no such document" not in held
    assert dict(PackedByKey({v.doc_id: pack(v) for v in views}).items()) == {v.doc_id: v for v in views}
