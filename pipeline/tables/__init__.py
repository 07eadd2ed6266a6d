"""Table reconstruction: ruled tables (born-digital), word-box tables (OCR), flattened text."""

from __future__ import annotations

from pipeline.model import Document, Table
from pipeline.rules import Rules
from pipeline.tables._text import document_lines
from pipeline.tables.flattened import flattened_tables
from pipeline.tables.ruled import ruled_tables
from pipeline.tables.wordbox import word_box_tables

__all__ = ["extract_tables", "ruled_tables", "word_box_tables", "flattened_tables"]


def extract_tables(doc: Document, rules: Rules) -> Document:
    """Return `doc` with word-box tables (OCR pages) and flattened tables appended.

    Tables already on the document (ruled ones from ingest) are kept, and lines that lie
    inside them are not read again. Pure: `doc` itself is unchanged.
    """
    settings = rules.tables
    found: list[Table] = list(doc.tables)
    for page in doc.pages:  # a text layer's unruled table is words at column positions too
        if page.kind in ("ocr", "text", "damaged_text"):
            taken = [t.bbox for t in found if t.page == page.number and t.bbox is not None]
            found.extend(word_box_tables(page, settings, taken))
    lines = [
        line
        for line in document_lines(doc)
        if not _inside_any(line, [t for t in found if t.page == line.page])
    ]
    found.extend(flattened_tables(lines, settings))
    return doc.model_copy(update={"tables": tuple(found)})


def _inside_any(line, tables: list[Table]) -> bool:  # type: ignore[no-untyped-def]
    box = line.bbox
    if box is None:
        return False
    cx, cy = (box.x0 + box.x1) / 2, (box.top + box.bottom) / 2
    return any(
        t.bbox is not None and t.bbox.x0 <= cx <= t.bbox.x1 and t.bbox.top <= cy <= t.bbox.bottom
        for t in tables
    )
