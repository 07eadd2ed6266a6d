"""Table reconstruction: ruled tables (born-digital), word-box tables (OCR), flattened text."""

from __future__ import annotations

from pipeline.model import Document, Table
from pipeline.rules import Rules
from pipeline.tables._text import Line, document_lines, without_furniture
from pipeline.tables.flat_rows import flat_row_tables, header_read_back, holds_several_numbers
from pipeline.tables.flattened import flattened_tables
from pipeline.tables.ruled import ruled_tables
from pipeline.tables.wordbox import rows_rejoined, word_box_tables

__all__ = ["extract_tables", "ruled_tables", "word_box_tables", "flattened_tables", "flat_row_tables"]


def extract_tables(doc: Document, rules: Rules) -> Document:
    """Return `doc` with word-box tables, flat-row tables and flattened tables appended.

    Tables already on the document (ruled ones from ingest) are kept, and lines that lie
    inside them are not read again. A page's foot and a caption of only a number are read by
    no table reader (`without_furniture`). A flat-row table row that cannot be read one way only
    becomes a page warning. Pure: `doc` itself is unchanged.
    """
    settings = rules.tables
    found: list[Table] = list(doc.tables)
    reading = doc.model_copy(update={"pages": tuple(rows_rejoined(without_furniture(p, settings)) for p in doc.pages)})
    for page in reading.pages:  # a text layer's unruled table is words at column positions too
        if page.kind in ("ocr", "text", "damaged_text"):
            taken = [t.bbox for t in found if t.page == page.number and t.bbox is not None]
            # a cell that must hold several numbers shows columns run together: its lines are flat rows
            found.extend(t for t in word_box_tables(page, settings, taken)
                         if not any(holds_several_numbers(c.text) for c in t.cells))

    lines = document_lines(reading)

    def free_lines() -> list[Line]:
        return [line for line in lines if not _inside_any(line, [t for t in found if t.page == line.page])]

    flat, warnings = flat_row_tables(free_lines(), settings)
    found.extend(flat)
    found.extend(flattened_tables(free_lines(), settings))
    pages = tuple(p.model_copy(update={"warnings": p.warnings + tuple(warnings[p.number])}) if p.number in warnings else p
                  for p in doc.pages)
    # in reading order, whichever reader found them: a table that runs on over a page break is read as
    # the one before it on the page before goes on
    found.sort(key=lambda t: (t.page, t.bbox.top if t.bbox is not None else 0.0))
    # a scan's slip in a header word ("Awvikelse") read back, that the facts stage knows the column
    found = [t.model_copy(update={"header": tuple(header_read_back(h, settings) for h in t.header)}) if t.header else t
             for t in found]
    return doc.model_copy(update={"tables": tuple(found), "pages": pages})


def _inside_any(line: Line, tables: list[Table]) -> bool:
    box = line.bbox
    return box is not None and box.centred_in([t.bbox for t in tables if t.bbox is not None])
