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

from rapidfuzz.distance import Levenshtein

from pipeline.facts.text import cue_regex, fold
from pipeline.model import Document, Table
from pipeline.rules import FactsRules

_YEAR_RANGE = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*[-–—/]\s*((?:19|20)?\d{2})(?!\d)")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_YEAR_OR_RANGE = re.compile(r"(?<!\d)(?:19|20)\d{2}(?:\s*[-–—/]\s*(?:19|20)?\d{2}(?!\d))?(?!\d)")
_FIGURE_TOKEN = re.compile(r"[0-9A-Za-zÅÄÖåäö]*\d[0-9A-Za-zÅÄÖåäö]*")
_CAPTION_SEARCH_LINES = 40
"""How many lines above a table are searched for its caption."""
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
    if year is None and (m := _YEAR.search(text)):
        year = m.group(1)
    return ColumnMeaning(
        header=text,
        kind=kind.kind if kind else None,
        role=kind.role if kind else None,
        year=year,
        multiplier=unit_multiplier(folded, rules),
    )


def figures_beyond_years(text: str) -> list[str]:
    """The figures a header cell prints besides its years and year ranges: "20295" → ["20295"],
    "Budget 2025" and "2031–2035" → [] (a figure with letters stuck to it is one token: "2O29")."""
    return _FIGURE_TOKEN.findall(_YEAR_OR_RANGE.sub(" ", text))


def read_back_misread_year(headers: dict[int, str]) -> tuple[dict[int, str], int | None]:
    """Read back the one header cell whose year OCR misread by a character: "20295" between
    "2028" and "2030" is "2029"; "Utfall 2O23" between "Utfall 2022" and "Utfall 2024" is 2023.

    Headers of the genre run year by year (or repeat a year across kinds), so a cell whose one
    figure is one slip (a stray, lost or wrong character) from exactly one year within a year of
    its nearest dated neighbours is that year. A row with more than one such cell, a figure that
    fits no neighbour or more than one year, or a reading that repeats another header is left as
    printed, so a data row of figures that only look like years ("2000 2000 20005") stays data.
    Returns the headers and the column read back (None when none was).
    """
    odd = {col: figures for col, text in headers.items() if (figures := figures_beyond_years(text))}
    if len(odd) != 1:
        return headers, None
    [(col, figures)] = odd.items()
    if len(figures) != 1:
        return headers, None
    dated = {c: [int(y) for y in _YEAR.findall(t)] for c, t in headers.items() if c != col and _YEAR.search(t)}
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
    for cue, multiplier in rules.header_units.items():
        if cue_regex(cue).search(folded):
            return multiplier
    return None


def caption_above(doc: Document, table: Table, rules: FactsRules) -> str:
    """Return the nearest caption-like line above `table` on its page that states a unit, or "".

    A caption is short and holds no figures but years ("Drift (belopp mkr)", "Utfallsrapport
    Vatten & Avlopp, miljoner kronor"); prose above a table ("ett resultat om 0,2 miljoner
    kronor") states amounts, not the table's unit, and is passed over.
    """
    if table.bbox is None:
        return ""
    own_page = doc.model_copy(update={"pages": tuple(p for p in doc.pages if p.number == table.page)})  # not every page per table
    above = [
        " ".join(w.text for w in words) for _, _, words in own_page.lines()
        if words[0].bbox is not None and words[0].bbox.bottom <= table.bbox.top + 1
    ]
    for text in reversed(above[-_CAPTION_SEARCH_LINES:]):
        figures = re.sub(r"(?<!\d)(19|20)\d{2}(?!\d)", "", text)
        if len(text.split()) <= _CAPTION_MAX_WORDS and not re.search(r"\d", figures):
            if unit_multiplier(fold(text), rules) is not None:
                return text
    return ""


def table_multiplier(doc: Document, table: Table, headers: list[str], rules: FactsRules) -> int | None:
    """Return the unit a table states for all its cells: its header row first, then its caption."""
    for text in headers:
        if (m := unit_multiplier(fold(text), rules)) is not None:
            return m
    return unit_multiplier(fold(caption_above(doc, table, rules)), rules)
