"""What a table's columns mean: kind (bokslut, budget, avvikelse …), year or period, unit.

A cell's number means nothing without its column: "-796,2" under "Bokslut 2024" in a table
captioned "Drift (belopp mkr)" is an outcome of -796.2 million kronor for 2024. Tables of the
genre state their unit once — in a caption above them ("Belopp i tkr", "miljoner kronor"), in
a header ("Belopp (tkr)") or not at all — so the unit is looked for in that order, and a table
that states none keeps its numbers as printed with unit `unknown`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from rapidfuzz.distance import Levenshtein

from pipeline.facts.amounts import priced_per_unit
from pipeline.facts.text import YEAR, cue_regex, fold
from pipeline.model import BBox, Document, Table, Word
from pipeline.rules import FactsRules

_YEAR_RANGE = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*[-–—/]\s*((?:19|20)?\d{2})(?!\d)")
_YEAR_OR_RANGE = re.compile(r"(?<!\d)(?:19|20)\d{2}(?:\s*[-–—/]\s*(?:19|20)?\d{2}(?!\d))?(?!\d)")
_FIGURE_TOKEN = re.compile(r"[0-9A-Za-zÅÄÖåäö]*\d[0-9A-Za-zÅÄÖåäö]*")
_CAPTION_MAX_WORDS = 12


@dataclass(frozen=True)
class ColumnMeaning:
    """What one column header says about its cells."""

    header: str
    kind: str | None
    role: str | None
    year: str | None
    multiplier: int | None


def column_meaning(header: str, rules: FactsRules) -> ColumnMeaning:
    """Read one header: "Bokslut 2024" → bokslut, 2024; "2031–2035" → year range; "Belopp (tkr)" → ×1000."""
    text = " ".join(header.split())
    folded = fold(text)
    kind = next((k for k in rules.column_kinds if any(cue_regex(c).search(folded) for c in k.cues)), None)
    year: str | None = None
    if m := _YEAR_RANGE.search(text):
        end = m.group(2) if len(m.group(2)) == 4 else m.group(1)[:2] + m.group(2)
        year = f"{m.group(1)}-{end}" if end > m.group(1) else None
    if year is None and (m := YEAR.search(text)):
        year = m.group(1)
    return ColumnMeaning(
        header=text,
        kind=kind.kind if kind else None,
        role=kind.role if kind else None,
        year=year,
        multiplier=unit_multiplier(folded, rules),
    )


@lru_cache(maxsize=4)
def _numbered_part(words: tuple[str, ...]) -> re.Pattern[str]:
    """A header's numbered part of a year or a project ("Kvartal 1", "T2"): names a column, holds no value."""
    return re.compile(r"(?i)\b(?:" + "|".join(map(re.escape, words)) + r")\s?\d{1,2}(?!\d)")


def figures_beyond_years(text: str, rules: FactsRules) -> list[str]:
    """The figures a header cell prints besides its years, year ranges and numbered parts
    (`numbered_part_words`): "20295" → ["20295"], "Budget 2025", "2031–2035" and "Kvartal 1" → [] (a
    figure with letters stuck to it is one token: "2O29")."""
    numbered = _numbered_part(tuple(rules.numbered_part_words))
    return _FIGURE_TOKEN.findall(numbered.sub(" ", _YEAR_OR_RANGE.sub(" ", text)))


def read_back_misread_year(headers: dict[int, str], rules: FactsRules) -> tuple[dict[int, str], int | None]:
    """Read back the one header cell whose year OCR misread by a character: "20295" between
    "2028" and "2030" is "2029"; "Utfall 2O23" between "Utfall 2022" and "Utfall 2024" is 2023.

    Headers of the genre run year by year (or repeat a year across kinds), so a cell whose one
    figure is one slip (a stray, lost or wrong character) from exactly one year within a year of
    its nearest dated neighbours is that year. A row with more than one such cell, a figure that
    fits no neighbour or more than one year, or a reading that repeats another header is left as
    printed, so a data row of figures that only look like years ("2000 2000 20005") stays data.
    Returns the headers and the column read back (None when none was).
    """
    odd = {col: figures for col, text in headers.items() if (figures := figures_beyond_years(text, rules))}
    if len(odd) != 1:
        return headers, None
    [(col, figures)] = odd.items()
    if len(figures) != 1:
        return headers, None
    dated = {c: [int(y) for y in YEAR.findall(t)] for c, t in headers.items() if c != col and YEAR.search(t)}
    left = max((c for c in dated if c < col), default=None)
    right = min((c for c in dated if c > col), default=None)
    near = {dated[left][-1]} if left is not None else set()
    near |= {dated[right][0]} if right is not None else set()
    token = figures[0]
    fits = {y for n in near for y in (n - 1, n, n + 1) if Levenshtein.distance(token, str(y)) == 1}
    if len(fits) != 1:
        return headers, None
    text = headers[col].replace(token, str(fits.pop()), 1)
    if any(" ".join(text.split()) == " ".join(t.split()) for c, t in headers.items() if c != col):
        return headers, None
    return headers | {col: text}, col


def unit_multiplier(folded: str, rules: FactsRules) -> int | None:
    """Return the multiplier to kronor that a folded header or caption states, or None."""
    stated = _stated_unit(folded, rules)
    return stated[0] if stated else None


def _stated_unit(folded: str, rules: FactsRules) -> tuple[int, int] | None:
    """The multiplier to kronor a folded header or caption states and where its unit ends, or None."""
    for cue, multiplier in rules.header_units.items():
        if (m := cue_regex(cue).search(folded)) is not None:
            return multiplier, m.end()
    return None


_TABLE_LABEL = re.compile(r"^\s*(?:tabell|tab\.|bilaga)\s*\d+(?:[.:-]\d+)*[.:]?\s", re.IGNORECASE)
"""A caption's own number ("Tabell 3-1.", "Bilaga 2:"), not a figure of the text."""
_NOTE_SEARCH_LINES = 2
"""How many lines below a table are searched for a note stating its unit ("Belopp i tusentals kronor")."""


def states_unit(text: str, rules: FactsRules) -> bool:
    """Tell whether a line is a short caption or note stating a unit: it holds no figures but years
    and its own number ("Tabell 1. Resultatfond per verksamhet, tkr"); prose above a table ("ett
    resultat om 0,2 miljoner kronor") states amounts, not the table's unit."""
    return _caption_like(text) and unit_multiplier(fold(text), rules) is not None


def _caption_like(text: str) -> bool:
    """A short line holding no figures but years and its own number ("Tabell 1.")."""
    figures = re.sub(r"(?<!\d)(19|20)\d{2}(?!\d)", "", _TABLE_LABEL.sub(" ", text))
    return len(text.split()) <= _CAPTION_MAX_WORDS and not re.search(r"\d", figures)


def _row_edge(boxes: list[BBox], x: float, edge: Literal["top", "bottom"]) -> float:
    """The top (or bottom) of the box among a table row's cells (`boxes`) nearest `x`. A table on a
    scan turned by a degree or two is a leaning box in the scan's coordinates: its bounding box's
    top at one end is a line's height above the other end's, its cells' tops are not."""
    nearest = min(boxes, key=lambda b: max(b.x0 - x, x - b.x1, 0.0))
    return nearest.top if edge == "top" else nearest.bottom


@dataclass(frozen=True)
class Surroundings:
    """A table's page text: the lines above its first row and below its last (other tables' lines left
    out), the middles of all those lines, the other tables' boxes and the top of the table below it."""

    above: list[str]
    below: list[str]
    middles: list[float]
    others: list[BBox]
    floor: float | None


def surroundings(doc: Document, table: Table) -> Surroundings | None:
    """The page text around `table`, read once for its unit and caption (a table of a plain-text input,
    which has no boxes, by its rows' lines); None when its rows cannot be found on its page."""
    if table.bbox is None:
        return _surroundings_by_lines(doc, table)
    own_page = doc.model_copy(update={"pages": tuple(p for p in doc.pages if p.number == table.page)})  # not every page per table
    others = [t.bbox for t in doc.tables if t.page == table.page and t.bbox is not None and t is not table]
    floor = min((b.top for b in others if b.top >= table.bbox.bottom - 1), default=None)
    last = max((c.row for c in table.cells), default=0)
    first_row = [c.bbox for c in table.cells if c.row == 0 and c.bbox is not None] or [table.bbox]
    last_row = [c.bbox for c in table.cells if c.row == last and c.bbox is not None] or [table.bbox]
    around = Surroundings([], [], [], others, floor)
    header = " ".join(table.header).split()
    cells = [c.bbox for c in table.cells if c.bbox is not None]
    for _, _, words in own_page.lines():
        box = words[0].bbox
        if box is None:
            continue
        text = " ".join(w.text for w in words)
        middle = (box.top + box.bottom) / 2
        if any(b.top <= middle <= b.bottom for b in others):
            continue  # a line of another table: its header is no caption of this one
        around.middles.append(middle)
        if middle <= _row_edge(first_row, box.x0, "top"):
            # a ruled table holds all its words in its cells: a line above them is never its own, even
            # inside the box of a scanned table that leans ("Belopp i tkr" over its left end)
            if not (table.bbox.top <= middle <= table.bbox.bottom and table.method != "ruled" and _of_header(text, header)):
                around.above.append(text)
        elif (middle >= _row_edge(last_row, box.x0, "bottom") and not _in_cells(words, cells)
              and (floor is None or middle <= floor)):  # a caption set tight over the table below reaches into its box
            around.below.append(text)  # not a line of the table's own (a label column set apart ends above its
            # figures), though inside the box of a scanned table that leans ("Belopp i kr" under its rising end)
    return around


def _in_cells(words: tuple[Word, ...], cells: list[BBox]) -> bool:
    """Tell whether any of a line's words stands in one of a table's cells (by its middle)."""
    return any(w.bbox is not None and w.bbox.centred_in(cells) for w in words)


def _of_header(text: str, header: list[str]) -> bool:
    """Tell whether a line inside a table's box above its first row is a line of its header (a flat table's
    header lines are its own), not a caption the box of a scanned table that leans reaches ("Belopp i mnkr"
    left of a header that rises to the right): its words are the header's, or its letters run together in it.
    A table whose header is its first row has no header words: every such line is its own."""
    if not header:
        return True
    words = text.split()
    return set(words) <= set(header) or "".join(words) in "".join(header)


def _surroundings_by_lines(doc: Document, table: Table) -> Surroundings | None:
    """The lines above a boxless table's first row and below its last, found by the rows' cells as printed
    in order on one line; the header's lines right above the first row are the table's own."""
    page = next((p for p in doc.pages if p.number == table.page), None)
    if page is None or not table.cells:
        return None
    texts = [" ".join(w.text for w in words) for _, words in page.lines()]
    rows: dict[int, list[str]] = {}
    for cell in sorted(table.cells, key=lambda c: (c.row, c.col)):
        rows.setdefault(cell.row, []).append(" ".join(cell.text.split()))

    def line_of(row: list[str], start: int) -> int | None:
        pattern = re.compile(r"(?<!\S)" + r"\s+".join(re.escape(t) for t in row if t) + r"(?!\S)")
        return next((k for k in range(start, len(texts)) if pattern.search(texts[k])), None)

    first = line_of(rows[min(rows)], 0)
    last = line_of(rows[max(rows)], first) if first is not None else None
    if first is None or last is None:
        return None
    header = set(" ".join(table.header).split())
    top = first
    while top > 0 and first - top < 3 and header and set(texts[top - 1].split()) <= header:
        top -= 1
    return Surroundings(texts[:top], texts[last + 1:], [], [], None)


def unit_line(doc: Document, table: Table, rules: FactsRules, around: Surroundings | None = None) -> str:
    """Return the line that states `table`'s unit on its page, or "".

    The nearest caption-like line of the page's text above the table ("Drift (belopp mkr)",
    "Utfallsrapport Vatten & Avlopp, miljoner kronor"; one caption may head several tables in a
    row, and tables set after a page's text take its captions in order), else a note right below
    it ("Belopp i tusentals kronor"). The last line before the table below is that table's
    caption, not this one's note. `around` is the table's `surroundings`, when the caller has them.
    """
    around = around or surroundings(doc, table)
    if around is None:
        return ""
    captions = [text for text in around.above if states_unit(text, rules)]
    stacked, place = _stack(table.bbox, around.others, around.middles) if table.bbox else (1, 0)
    if stacked > 1 and len(captions) >= stacked:
        return captions[len(captions) - stacked + place]
    if captions:
        return captions[-1]
    below = around.below
    notes = below[:_NOTE_SEARCH_LINES] if around.floor is None else below[: min(_NOTE_SEARCH_LINES, len(below) - 1)]
    note = next((text for text in notes if states_unit(text, rules)), "")
    if note or any(not _caption_like(text) for text in around.above):
        return note
    return _caption_ending_page_before(doc, table.page, rules)


def _caption_ending_page_before(doc: Document, page: int, rules: FactsRules) -> str:
    """The caption stating a unit that ends the page before a table opening its page (under nothing but
    a running head), or "": a converter or a page break left the caption ("Bilaga 1 Driftredovisning
    (tkr)") at the foot of one page and its table at the top of the next. Only the last two lines are
    looked at (the page's number may follow it), and not a note under a table there (a row of figures
    right above it)."""
    before = next((p for p in doc.pages if p.number == page - 1), None)
    if before is None:
        return ""
    texts = [" ".join(w.text for w in words) for _, words in before.lines()]
    for k in range(len(texts) - 1, max(-1, len(texts) - 3), -1):
        if states_unit(texts[k], rules):
            return "" if k > 0 and len(figures_beyond_years(texts[k - 1], rules)) >= 2 else texts[k]
    return ""


def caption_line(around: Surroundings | None) -> str:
    """Return the line right above a table (`around`: its `surroundings`) when it reads as its caption
    ("Resultatfond per verksamhet, tkr", "Prognos för helåret"): short, no sentence, no figures but years
    and its own number; else ""."""
    if around is None or not around.above:
        return ""
    text = around.above[-1]
    return text if _caption_like(text) and not text.rstrip().endswith(".") else ""


def _stack(box: BBox, others: list[BBox], line_middles: list[float]) -> tuple[int, int]:
    """Return how many tables stand one under another with no line of text between them, `box`'s
    among them, and `box`'s place in that stack (0 for the top one). A text layer of the genre
    often sets a page's tables after all its text, their captions above in the same order
    ("…, miljoner kronor" twice, then both tables): each table takes its own caption."""
    def apart(upper: BBox, lower: BBox) -> bool:
        return any(upper.bottom < m < lower.top for m in line_middles)

    tables = sorted([box, *others], key=lambda b: b.top)
    at = tables.index(box)
    first = at
    while first > 0 and not apart(tables[first - 1], tables[first]):
        first -= 1
    last = at
    while last + 1 < len(tables) and not apart(tables[last], tables[last + 1]):
        last += 1
    return last - first + 1, at - first


@dataclass(frozen=True)
class TableUnit:
    """The unit a table states for all its cells, and whether it is a price per unit ("Kronor/ poäng")."""

    multiplier: int | None
    per_unit: bool = False


def table_unit(doc: Document, table: Table, headers: list[str], rules: FactsRules,
               around: Surroundings | None = None) -> TableUnit:
    """Return the unit a table states for all its cells: its header row first, then its caption or
    note. A unit priced per something ("Kronor/ poäng", "kr per elev") makes the cells prices."""
    for text in [*headers, unit_line(doc, table, rules, around)]:
        folded = fold(text)
        if (stated := _stated_unit(folded, rules)) is not None:
            return TableUnit(stated[0], priced_per_unit(folded[stated[1]:], rules))
    return TableUnit(None)
