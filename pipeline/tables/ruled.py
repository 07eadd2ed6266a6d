"""Ruled tables on born-digital pages: pdfplumber's table finder with the lines strategy."""

from __future__ import annotations

import logging
from typing import Any

from pipeline.ingest import plain_text
from pipeline.model import BBox, Cell, Table
from pipeline.rules import RuledSettings

log = logging.getLogger(__name__)


def ruled_tables(page: Any, page_number: int, settings: RuledSettings | None = None) -> list[Table]:
    """Find ruled tables on a pdfplumber page; cells keep their boxes (PDF points, top-left).

    Args:
        page: a `pdfplumber.page.Page` with a text layer.
        page_number: the page's number, from 1.
        settings: tolerances from rules/tables.yaml (`ruled`); pdfplumber's defaults if None.

    Returns:
        One `Table` (method "ruled") per table with at least `min_rows` rows and
        `min_columns` columns; merged cells that pdfplumber reports as None are left out.
    """
    min_rows, min_cols = (settings.min_rows, settings.min_columns) if settings else (2, 2)
    table_settings: dict[str, Any] = {"vertical_strategy": "lines", "horizontal_strategy": "lines"}
    if settings is not None:
        table_settings.update(
            snap_tolerance=settings.snap_tolerance,
            join_tolerance=settings.join_tolerance,
            intersection_tolerance=settings.intersection_tolerance,
        )
    out: list[Table] = []
    for found in page.find_tables(table_settings=table_settings):
        texts = found.extract()
        cells: list[Cell] = []
        for r, row in enumerate(found.rows):
            for c, box in enumerate(row.cells):
                if box is None:
                    continue
                text = texts[r][c] if r < len(texts) and c < len(texts[r]) else None
                cells.append(
                    Cell(row=r, col=c, text=" ".join(plain_text(text or "").split()), bbox=BBox(*box).rounded())
                )
        n_rows = len(found.rows)
        n_cols = max((len(row.cells) for row in found.rows), default=0)
        if n_rows < min_rows or n_cols < min_cols or not any(cell.text for cell in cells):
            continue
        out.append(
            Table(
                page=page_number,
                bbox=BBox(*found.bbox).rounded(),
                method="ruled",
                n_rows=n_rows,
                n_cols=n_cols,
                cells=tuple(cells),
            )
        )
    log.debug("page %d: %d ruled tables", page_number, len(out))
    return out
