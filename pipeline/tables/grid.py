"""Ruled tables on scans: the grid of rules in the page image gives the cells; the OCR words fill them.

On a scanned page the rules are pixels, not PDF lines, and OCR word gaps are too uneven to find
columns from ("110,5" and "94,1" a word apart). The rules erased before Tesseract (ocr.erase_rules)
are found here as line segments; vertical rules that meet at least two horizontal ones and overlap
down the page bound one table, the horizontal rules across it its rows. Only a full grid (at least
three rules each way) makes a table: an underline or a frame is not one.
"""

from __future__ import annotations

import numpy as np

from pipeline.model import BBox, Cell, Table, Word

Segment = tuple[float, float, float]  # position across, start, end (pixels)
_RULE_DEBRIS = "|'\"‘’“”:;>«»!"  # what OCR reads of a rule's remains beside a cell's text


def _segments(mask: np.ndarray, min_length: int) -> list[Segment]:
    """Horizontal rule segments of a rule mask: (y, x0, x1), rows one pixel apart merged into one rule."""
    found: list[list[float]] = []  # y_first, y_last, x0, x1
    for y in np.flatnonzero(mask.any(axis=1)):
        row = np.concatenate([[False], mask[y], [False]])
        edges = np.flatnonzero(row[1:] != row[:-1])
        for x0, x1 in zip(edges[::2], edges[1::2]):
            if x1 - x0 < min_length:
                continue
            twin = next((s for s in found if y - s[1] <= 2 and x0 < s[3] and s[2] < x1), None)
            if twin is None:
                found.append([y, y, x0, x1])
            else:
                twin[1], twin[2], twin[3] = y, min(twin[2], x0), max(twin[3], x1)
    return [((a + b) / 2, x0, x1) for a, b, x0, x1 in found]


def _cluster(values: list[float], tolerance: float) -> list[float]:
    """Positions within `tolerance` of each other as one (their mean), ascending."""
    out: list[list[float]] = []
    for v in sorted(values):
        if out and v - out[-1][-1] <= tolerance:
            out[-1].append(v)
        else:
            out.append([v])
    return [sum(c) / len(c) for c in out]


def _covered(pieces: list[Segment], left: float, right: float) -> float:
    """Length of [left, right] the pieces of one rule cover: a photocopied rule breaks into pieces."""
    covered, reach = 0.0, left
    for _, x0, x1 in sorted(pieces, key=lambda p: p[1]):
        x0, x1 = max(x0, reach), min(x1, right)
        if x1 > x0:
            covered += x1 - x0
            reach = x1
    return covered


def _meets(col: Segment, rows: list[Segment], tolerance: float) -> int:
    """How many horizontal rules touch or cross the vertical `col`. A grid's vertical rule meets its
    rows; a lone line down the page does not (the desk's edge left along an unwarped photo's side
    would otherwise join every table beside it into one group as tall as the page)."""
    x, top, bottom = col
    return sum(1 for y, x0, x1 in rows if x0 - tolerance <= x <= x1 + tolerance and top - tolerance <= y <= bottom + tolerance)


def grid_tables(horizontal: np.ndarray, vertical: np.ndarray, scale: float, words: tuple[Word, ...],
                page_number: int, min_length: int) -> list[Table]:
    """Tables of a scanned page from its rule masks (True where a rule is), filled with its OCR words.

    Args:
        horizontal: pixels in long horizontal runs of ink; vertical: the same down the page.
        scale: PDF points per mask pixel.
        words: the page's OCR words (boxes in PDF points).
        page_number: from 1.
        min_length: the shortest run, in mask pixels, that counts as a rule.
    """
    tolerance = 4.0
    rows = _segments(horizontal, min_length)
    cols = [c for c in _segments(vertical.T, min_length) if _meets(c, rows, tolerance) >= 2]  # (x, y0, y1)
    groups: list[list[Segment]] = []
    for col in sorted(cols, key=lambda c: c[1]):
        group = next((g for g in groups if col[1] < max(c[2] for c in g) - tolerance and min(c[1] for c in g) < col[2] - tolerance), None)
        if group is None:
            groups.append([col])
        else:
            group.append(col)
    tables = []
    for group in groups:
        top, bottom = min(c[1] for c in group), max(c[2] for c in group)
        xs = _cluster([c[0] for c in group], tolerance)
        left, right = xs[0], xs[-1]
        near = [r for r in rows if top - tolerance <= r[0] <= bottom + tolerance and r[1] < right and left < r[2]]
        ys = [y for y in _cluster([r[0] for r in near], tolerance)
              if _covered([r for r in near if abs(r[0] - y) <= tolerance], left, right) >= 0.7 * (right - left)]
        if len(xs) < 3 or len(ys) < 3:
            continue
        tables.append(_table(xs, ys, scale, words, page_number))
    return [t for t in tables if any(c.text for c in t.cells)]


def _table(xs: list[float], ys: list[float], scale: float, words: tuple[Word, ...], page_number: int) -> Table:
    """The cells between consecutive rules, each with the words whose centre lies inside it, in reading order."""
    xs_pt, ys_pt = [x * scale for x in xs], [y * scale for y in ys]
    cells = []
    for r, (y0, y1) in enumerate(zip(ys_pt, ys_pt[1:])):
        for c, (x0, x1) in enumerate(zip(xs_pt, xs_pt[1:])):
            inside = [w for w in words if w.bbox is not None
                      and x0 <= (w.bbox.x0 + w.bbox.x1) / 2 <= x1 and y0 <= (w.bbox.top + w.bbox.bottom) / 2 <= y1]
            inside.sort(key=lambda w: (w.line, w.bbox.x0))  # type: ignore[union-attr]
            lines: dict[int, list[str]] = {}
            for w in inside:
                text = w.text.strip(_RULE_DEBRIS)
                if text and (any(ch.isalnum() for ch in text) or text in "-−–"):
                    lines.setdefault(w.line, []).append(text)
            text = " ".join(" ".join(ws) for _, ws in sorted(lines.items()))
            cells.append(Cell(row=r, col=c, text=text, bbox=BBox(x0, y0, x1, y1).rounded()))
    return Table(page=page_number, bbox=BBox(xs_pt[0], ys_pt[0], xs_pt[-1], ys_pt[-1]).rounded(), method="ruled",
                 n_rows=len(ys) - 1, n_cols=len(xs) - 1, cells=tuple(cells))
