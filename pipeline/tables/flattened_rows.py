"""Flattened tables: the lines after a header, told apart, and the rows written across them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipeline.model import Word
from pipeline.rules import TablesRules
from pipeline.tables._text import (
    TYPED,
    ColumnKind,
    Line,
    Value,
    fold,
    has_alnum,
    match_cues,
)

WordLines = list[list[Word]]


@dataclass
class Column:
    kind: ColumnKind
    label: list[Word]


@dataclass
class Block:
    """Consecutive content lines (no blank line between them) after the row-wise rows."""

    index: int
    lines: WordLines
    values: list[list[Value]]
    kind: str
    gap: int
    breaks_before: bool
    cue: int | None = None
    noise_after: bool = False

    @property
    def labeled(self) -> bool:
        return all(any(w.text.endswith(":") for w in line) for line in self.lines)


@dataclass
class Row:
    cells: dict[int, WordLines] = field(default_factory=dict)

    def add(self, col: int, words: list[Word]) -> None:
        words = [w for w in words if has_alnum(w.text)]
        if words:
            self.cells.setdefault(col, []).append(words)


class _RegionRows:
    """The lines after one header: which are noise, prose or cues, and the rows read across them."""

    def __init__(self, lines, values, noise, rules, columns, start, end):  # type: ignore[no-untyped-def]
        self.lines: list[Line] = lines
        self.values: list[list[Value]] = values
        self.noise: list[re.Pattern[str]] = noise
        self.rules: TablesRules = rules
        self.columns: list[Column] = columns
        self.start: int = start
        self.end: int = end

    # ---- line classes -------------------------------------------------------------------
    def is_prose(self, j: int) -> bool:
        line, vals = self.lines[j], self.values[j]
        in_value = {k for v in vals for k in range(v.start, v.end)}
        rest = [w.text for k, w in enumerate(line.words) if k not in in_value and has_alnum(w.text)]
        return len(rest) >= self.rules.prose_min_words or len(" ".join(rest)) >= self.rules.prose_min_chars

    def is_noise(self, j: int) -> bool:
        text = self.lines[j].text.strip()
        if any(p.search(text) for p in self.noise) or not has_alnum(text) or self.is_prose(j):
            return True
        nxt, prev = j + 1, j - 1
        if nxt < self.end and self.lines[nxt].gap_before == 0 and self.is_prose(nxt):
            return not text.endswith(("-", ","))  # the heading of a prose paragraph
        if prev >= self.start and self.lines[j].gap_before == 0 and self.is_prose(prev):
            return not self.lines[prev].text.rstrip().endswith((".", "!", "?", ":"))  # its tail
        return False

    def cue_column(self, j: int) -> int | None:
        """A line that is nothing but one text-column cue ("Aktivitet") labels the run after it."""
        words = self.lines[j].words
        matches = match_cues(words, self.rules)
        alnum = [w for w in words if has_alnum(w.text)]
        if len(matches) != 1 or len(alnum) > 3 or matches[0].end - matches[0].start < len(alnum):
            return None
        if not alnum[0].text[:1].isupper() or alnum[-1].text.endswith((".", ",", "-")):
            return None  # a heading is capitalised and unpunctuated; cell text often is not
        label = fold(" ".join(w.text for w in words))
        for c, col in enumerate(self.columns):
            if fold(" ".join(w.text for w in col.label)) == label:
                return c
        if matches[0].kind != "text":
            return None
        self.columns.append(Column("text", [w for w in words if has_alnum(w.text)]))
        return len(self.columns) - 1

    # ---- rows read across -----------------------------------------------------------------
    def typed_columns(self) -> list[tuple[int, ColumnKind]]:
        return [(c, col.kind) for c, col in enumerate(self.columns) if col.kind in TYPED]

    def map_values(self, vals: list[Value]) -> list[tuple[Value, int]]:
        out: list[tuple[Value, int]] = []
        pointer = 0
        typed = self.typed_columns()
        for v in vals:
            k = next((k for k in range(pointer, len(typed)) if typed[k][1] == v.kind), None)
            if k is not None:
                out.append((v, typed[k][0]))
                pointer = k + 1
        return out

    def is_anchor(self, j: int) -> bool:
        mapped = self.map_values(self.values[j])
        if not mapped:
            return False
        lead = any(has_alnum(w.text) for w in self.lines[j].words[: mapped[0][0].start])
        return len(mapped) >= 2 or lead

    def breaks(self, j: int) -> bool:
        return (
            self.lines[j].gap_before >= self.rules.run_break_gap_lines
            or self.is_noise(j)
            or self.cue_column(j) is not None
        )

    def read_rows(self) -> tuple[list[Row], int]:
        """Read the rows written across right after the header; return them and where they end."""
        j = self.start
        if j >= self.end or not self.is_anchor(j):
            return [], self.start
        anchors = [j]
        k = j + 1
        while k < self.end and not self.breaks(k) and k - anchors[-1] <= self.rules.max_row_continuation_lines:
            if self.is_anchor(k):
                anchors.append(k)
            k += 1
        stop = anchors[-1] + 1
        while stop < self.end and self.lines[stop].gap_before == 0 and not self.breaks(stop):
            stop += 1
        rows: list[Row] = []
        for n, a in enumerate(anchors):
            row = Row()
            self.read_anchor(row, a)
            last = anchors[n + 1] if n + 1 < len(anchors) else stop
            for c in range(a + 1, last):
                self.read_continuation(row, c)
            rows.append(row)
        return rows, stop

    def first_text_column(self, lo: int, hi: int) -> int | None:
        return next((c for c in range(lo, hi) if self.columns[c].kind in ("name", "text")), None)

    def read_anchor(self, row: Row, j: int) -> None:
        words = list(self.lines[j].words)
        mapped = self.map_values(self.values[j])
        bounds = [(0, 0, -1)] + [(v.start, v.end, c) for v, c in mapped] + [(len(words), len(words), len(self.columns))]
        for (_, prev_end, prev_col), (nxt_start, nxt_end, nxt_col) in zip(bounds, bounds[1:]):
            text = words[prev_end:nxt_start]
            target = self.first_text_column(prev_col + 1, nxt_col)
            if target is not None:
                row.add(target, text)
            if nxt_col < len(self.columns):
                row.add(nxt_col, words[nxt_start:nxt_end])

    def read_continuation(self, row: Row, j: int) -> None:
        words = [w for w in self.lines[j].words if has_alnum(w.text)]
        if not words:
            return
        name_col = self.first_text_column(0, len(self.columns))
        name = row.cells.get(name_col) if name_col is not None else None
        if name and (name[-1][-1].text.endswith("-") or (words[0].text[:1].isupper() and words[0].text.endswith("-"))):
            name.append([words[0]])
            words = words[1:]
        units = {u.lower() for u in self.rules.amount_units}
        if words and words[-1].text.lower().rstrip(".") in units:
            amount_cols = [c for c, kind in self.typed_columns() if kind == "amount" and c in row.cells]
            if amount_cols:
                row.cells[amount_cols[-1]][-1].append(words[-1])
                words = words[:-1]
        rest_col = next((c for c in range(len(self.columns)) if self.columns[c].kind == "text"), name_col)
        if words and rest_col is not None:
            row.add(rest_col, words)
