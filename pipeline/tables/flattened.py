"""Recover tables that old OCR flattened into text, partly row by row, partly column by column.

The shape this undoes: a header line ("Förening Antal deltagare Målgrupp … kostnad/år"), maybe
a few rows read across, then whole columns listed top to bottom (names, then counts, then
amounts …), interleaved with prose and page numbers. The recovery works by value type:

1. find a header line by its cue words (rules/tables.yaml) and give each column a kind
   (name, count, text, amount, percent);
2. read the rows that follow it across, mapping each line's typed values to columns in order;
3. in what follows, find the first run of each typed kind (amounts value by value, counts and
   percentages block by block); the amount run fixes how many rows were listed column-wise (N);
4. give the text runs between those typed runs to the text columns that stand between the
   typed columns in the header, fitting each run to N cells (merging continuation blocks,
   dropping headings of prose, splitting when short).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from pipeline.model import Cell, Table, Word
from pipeline.rules import TablesRules
from pipeline.tables._text import (
    TYPED,
    ColumnKind,
    Line,
    Value,
    find_values,
    fold,
    has_alnum,
    make_cell,
    match_cues,
)

log = logging.getLogger(__name__)

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


def flattened_tables(lines: list[Line], rules: TablesRules) -> list[Table]:
    """Find every header line in `lines` and recover the table flattened after it."""
    noise = [re.compile(p) for p in rules.noise_line_patterns]
    values = [find_values(line.words, rules) for line in lines]
    headers = [_header(line.words, rules) for line in lines]
    tables: list[Table] = []
    i = 0
    while i < len(lines):
        columns = headers[i]
        if columns is None:
            i += 1
            continue
        start = i + 1
        if start < len(lines) and lines[start].gap_before <= 1:
            if _header_continuation(lines[start].words, values[start], columns, rules):
                start += 1
        end = next(
            (j for j in range(start, min(len(lines), start + rules.max_region_lines)) if headers[j]),
            min(len(lines), start + rules.max_region_lines),
        )
        ctx = _Region(lines, values, noise, rules, columns, start, end)
        table = ctx.recover(page=lines[i].page)
        if table is not None:
            tables.append(table)
        i = end
    return tables


def _header(words: tuple[Word, ...], rules: TablesRules) -> list[Column] | None:
    matches = match_cues(words, rules)
    alnum = sum(1 for w in words if has_alnum(w.text))
    covered = sum(m.end - m.start for m in matches)
    if len(matches) < rules.header_min_columns or not alnum or covered / alnum < rules.header_min_coverage:
        return None
    if len({m.kind for m in matches}) < 2 or find_values(words, rules):
        return None  # "Summa kostnader" is a row label, not a header
    columns: list[Column] = []
    for k, m in enumerate(matches):
        stop = matches[k + 1].start if k + 1 < len(matches) else len(words)
        columns.append(Column(m.kind, [w for w in words[m.start : stop] if has_alnum(w.text)]))
    return columns


def _header_continuation(
    words: tuple[Word, ...], values: list[Value], columns: list[Column], rules: TablesRules
) -> bool:
    """Extend `columns` from a short second header line ("2020 kostnad/år"); say if it was one."""
    matches = match_cues(words, rules)
    alnum = [w for w in words if has_alnum(w.text)]
    if not matches or values or len(alnum) > 4:
        return False
    last = columns[-1]
    cue = match_cues(tuple(last.label), rules)
    # Words after the last column's own cue on the first line sit above the new columns of
    # the second line ("Värde/ år ANs" over "2020 kostnad/år": "ANs" heads "kostnad/år").
    # A cell label starts with a capital letter, so the overhang starts at the first capital.
    trailing = last.label[cue[0].end :] if cue else []
    first_capital = next((i for i, w in enumerate(trailing) if w.text[:1].isupper()), len(trailing))
    overhang = trailing[first_capital:]
    del last.label[len(last.label) - len(overhang) :]
    last.label.extend(w for w in words[: matches[0].start] if has_alnum(w.text))
    for k, m in enumerate(matches):
        stop = matches[k + 1].start if k + 1 < len(matches) else len(words)
        label = [w for w in words[m.start : stop] if has_alnum(w.text)]
        columns.append(Column(m.kind, (overhang if k == 0 else []) + label))
    return True


class _Region:
    """The lines after one header, up to the next header: everything needed to rebuild its table."""

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

    # ---- columns read down ----------------------------------------------------------------
    def blocks(self, begin: int) -> list[Block]:
        out: list[Block] = []
        broke, cue = True, None
        for j in range(begin, self.end):
            line = self.lines[j]
            if self.is_noise(j):
                if out and not broke:
                    out[-1].noise_after = True
                broke = True
                continue
            col = self.cue_column(j)
            if col is not None:
                broke, cue = True, col
                continue
            kinds = {v.kind for v in self.values[j]}
            prev_kinds = {v.kind for v in out[-1].values[-1]} if out else set()
            # a line of other values, or values after plain text, starts a new block
            same_kind = not kinds or kinds == prev_kinds
            if out and not broke and line.gap_before == 0 and same_kind:
                out[-1].lines.append(list(line.words))
                out[-1].values.append(self.values[j])
                continue
            out.append(
                Block(len(out), [list(line.words)], [self.values[j]], "text", line.gap_before,
                      broke or line.gap_before >= self.rules.run_break_gap_lines, cue)
            )
            broke, cue = False, None
        for b in out:
            kinds = {v.kind for vals in b.values for v in vals}
            b.kind = next((k for k in TYPED if k in kinds), "text")
        return out

    def recover(self, page: int) -> Table | None:
        rows, begin = self.read_rows()
        blocks = self.blocks(begin)
        typed = self.typed_columns()
        used: set[int] = set()
        spans: dict[int, tuple[int, int]] = {}  # column -> (first, last) block index of its cells
        down: dict[int, list[list[WordLines] | None]] = {}
        amount_cols = [c for c, kind in typed if kind == "amount"]
        items, residue = self.amount_run(blocks, used)
        n = -(-len(items) // len(amount_cols)) if amount_cols and items else 0
        for kind in ("count", "percent"):
            cols = [c for c, k in typed if k == kind]
            if not cols:
                continue
            run = self.typed_run(blocks, kind, used)
            if not n and run:
                n = -(-len(run) // len(cols))
            fitted = _fit(run, n, len(cols))
            for c, cells in zip(cols, fitted):
                down[c] = cells
            for c in cols:
                if run:
                    spans[c] = (run[0].index, run[-1].index)
        for k, c in enumerate(amount_cols):
            mine = items[k * n : (k + 1) * n]
            down[c] = [[lines] for _, lines in mine] + [None] * (n - len(mine))
            if mine:
                spans[c] = (mine[0][0], mine[-1][0])
        if amount_cols and residue and amount_cols[0] > 0 and self.columns[amount_cols[0] - 1].kind == "text":
            down[amount_cols[0] - 1] = [[residue[r]] if r in residue else None for r in range(n)]
        self.labeled_runs(blocks, used, rows)
        n = n or self.text_count(blocks, used)
        self.text_columns(blocks, used, spans, down, n)
        return self.build(page, rows, down, n)

    def amount_run(
        self, blocks: list[Block], used: set[int]
    ) -> tuple[list[tuple[int, WordLines]], dict[int, WordLines]]:
        """Amounts one by one from the first run of amount blocks, and the text around each.

        Text on an amount's line, and lines or (at most two) blocks after it before the next
        amount, are its residue: the text column just left of the amounts, read row by row.
        """
        units = {u.lower() for u in self.rules.amount_units}
        items: list[tuple[int, WordLines]] = []
        residue: dict[int, WordLines] = {}
        own: list[Word] = []  # text of the current amount's own block
        between: list[Word] = []  # text of blocks after it, kept only if another amount follows
        tentative: list[int] = []
        for b in blocks:
            if b.kind != "amount":
                if items:
                    if len(tentative) >= 2:
                        break
                    tentative.append(b.index)
                    between.extend(w for line in b.lines for w in line)
                continue
            used.update(tentative + [b.index])
            own.extend(between)
            between, tentative = [], []
            for line, vals in zip(b.lines, b.values):
                amounts = [v for v in vals if v.kind == "amount"]
                if not amounts:
                    if items and len(line) == 1 and line[0].text.lower().rstrip(".") in units:
                        items[-1][1][-1].append(line[0])
                    elif items:
                        own.extend(line)
                    continue
                for v in amounts:
                    if items and own:
                        residue.setdefault(len(items) - 1, []).append(own)
                    own = [w for k, w in enumerate(line) if not any(a.start <= k < a.end for a in amounts)]
                    items.append((b.index, [list(line[v.start : v.end])]))
        if items and own:
            residue.setdefault(len(items) - 1, []).append(own)
        cleaned = {r: [[w for w in ws if has_alnum(w.text)] for ws in ls] for r, ls in residue.items()}
        return items, {r: [ws for ws in ls if ws] for r, ls in cleaned.items() if any(ls)}

    def typed_run(self, blocks: list[Block], kind: str, used: set[int]) -> list[Block]:
        run: list[Block] = []
        for b in blocks:
            if b.index in used:
                if run:
                    break
                continue
            if b.kind == kind:
                run.append(b)
            elif run:
                break
        used.update(b.index for b in run)
        return run

    def runs(self, blocks: list[Block], used: set[int]) -> list[list[Block]]:
        """Runs of unused text blocks, broken by other blocks, noise, cues and wide gaps."""
        out: list[list[Block]] = []
        cur: list[Block] = []
        for b in blocks:
            if b.index in used or b.kind != "text" or b.breaks_before:
                if cur:
                    out.append(cur)
                cur = []
                if b.index in used or b.kind != "text":
                    continue
            cur.append(b)
        if cur:
            out.append(cur)
        return out

    def labeled_runs(self, blocks: list[Block], used: set[int], rows: list[Row]) -> None:
        """A run after a lone column cue fills that column in the rows read across that lack it."""
        for run in self.runs(blocks, used):
            col = run[0].cue
            if col is None:
                continue
            lacking = [r for r in rows if col not in r.cells]
            for row, b in zip(lacking, run):
                row.cells[col] = b.lines
            used.update(b.index for b in run)

    def text_count(self, blocks: list[Block], used: set[int]) -> int:
        runs = self.runs(blocks, used)
        return len(runs[0]) if runs else 0

    def text_columns(self, blocks, used, spans, down, n) -> None:  # type: ignore[no-untyped-def]
        """Give text runs to the text columns standing between the typed columns they lie between."""
        slots: dict[tuple[int | None, int | None], list[int]] = {}
        typed = [c for c, _ in self.typed_columns() if c in spans]
        for c, col in enumerate(self.columns):
            if col.kind in TYPED or c in down:
                continue
            prev = max((t for t in typed if t < c), default=None)
            nxt = min((t for t in typed if t > c), default=None)
            slots.setdefault((prev, nxt), []).append(c)
        runs = [r for r in self.runs(blocks, used) if r[0].cue is None]
        for (prev, nxt), cols in slots.items():
            lo = spans[prev][1] if prev is not None else -1
            hi = spans[nxt][0] if nxt is not None else len(blocks)
            inside = [r for r in runs if lo < r[0].index and r[-1].index < hi]
            if not inside:
                continue
            chosen = inside[-len(cols):] if prev is None else inside[: len(cols)]
            if len(chosen) == len(cols):
                for c, run in zip(cols, chosen):
                    down[c] = _fit(run, n, 1)[0]
            else:
                merged = [b for r in chosen for b in r]
                for c, cells in zip(cols, _fit(merged, n, len(cols))):
                    down[c] = cells

    def build(self, page: int, rows: list[Row], down: dict[int, list[list[WordLines] | None]], n: int) -> Table | None:
        cells: list[Cell] = []
        n_rows = len(rows) + n
        for r, row in enumerate(rows):
            for c, lines in sorted(row.cells.items()):
                cell = make_cell(r, c, [lines])
                if cell:
                    cells.append(cell)
        for c, column in sorted(down.items()):
            for i, lines in enumerate(column[:n]):
                if lines:
                    cell = make_cell(len(rows) + i, c, lines)
                    if cell:
                        cells.append(cell)
        typed_cells = [cell for cell in cells if self.columns[cell.col].kind in TYPED]
        if n_rows < 2 or not typed_cells:
            return None
        words_boxes = [cell.bbox for cell in cells]
        bbox = None
        if words_boxes and all(b is not None for b in words_boxes):
            from pipeline.model import BBox

            bbox = BBox.union(words_boxes).rounded()  # type: ignore[arg-type]
        header = tuple(" ".join(w.text for w in col.label) for col in self.columns)
        log.debug("page %d: flattened table %d x %d", page, n_rows, len(self.columns))
        return Table(
            page=page,
            bbox=bbox,
            method="flattened-columns",
            n_rows=n_rows,
            n_cols=len(self.columns),
            cells=tuple(sorted(cells, key=lambda x: (x.row, x.col))),
            header=header,
        )


def _line_continues(prev: list[Word], line: list[Word]) -> bool:
    first = line[0].text if line else ""
    last = prev[-1].text if prev else ""
    return first[:1].islower() or last.endswith(("-", ","))


def _continues(a: Block, b: Block) -> bool:
    return bool(a.lines and b.lines) and _line_continues(a.lines[-1], b.lines[0])


def _fit(blocks: list[Block], n: int, c: int) -> list[list[list[WordLines] | None]]:
    """Fit blocks to `c` columns of `n` cells each, listed column after column.

    Too many blocks: merge continuations (a block opening in lower case, or after a hyphen),
    drop headings of prose, then merge the cheapest neighbours, unless the count is a whole
    multiple of c*n (then each cell gathers one block from each of the sub-columns).
    Too few: split the longest blocks into lines.
    """
    target = n * c
    if target == 0:
        return [[] for _ in range(c)]
    parts: list[tuple[Block, WordLines]] = [(b, [list(line) for line in b.lines]) for b in blocks]

    def misfit() -> bool:
        return len(parts) > target and len(parts) % target != 0

    i = 1
    while misfit() and i < len(parts):
        if _continues(parts[i - 1][0], parts[i][0]):
            parts[i - 1] = (parts[i - 1][0], parts[i - 1][1] + parts[i][1])
            del parts[i]
        else:
            i += 1
    for k in range(len(parts) - 1, -1, -1):
        if misfit() and parts[k][0].noise_after and len(parts[k][1]) == 1:
            del parts[k]
    while misfit():
        costs = []
        for k in range(1, len(parts)):
            a, b = parts[k - 1][0], parts[k][0]
            cost = 1.0 + 0.1 * b.gap - (0.5 if a.labeled and b.labeled else 0) - (0.8 if _continues(a, b) else 0)
            costs.append((cost, -k))
        _, neg = min(costs)
        k = -neg
        parts[k - 1] = (parts[k - 1][0], parts[k - 1][1] + parts[k][1])
        del parts[k]
    while len(parts) < target:
        # split between lines, rather where the next line does not read as a continuation
        # and where the next line's first word would have fitted on the line before (no wrap)
        width = max(len(" ".join(w.text for w in line)) for _, ls in parts for line in ls)
        splits = [
            (
                _line_continues(lines[i - 1], lines[i]),
                len(" ".join(w.text for w in lines[i - 1] + lines[i][:1])) > width,
                -len(lines),
                k,
                i,
            )
            for k, (_, lines) in enumerate(parts)
            for i in range(1, len(lines))
        ]
        if not splits:
            break
        *_, k, i = min(splits)
        block, lines = parts[k]
        parts[k : k + 1] = [(block, lines[:i]), (block, lines[i:])]
    k_sub = max(1, len(parts) // target)
    out: list[list[list[WordLines] | None]] = []
    for col in range(c):
        cells: list[list[WordLines] | None] = []
        for row in range(n):
            got = [parts[(col * k_sub + s) * n + row][1] for s in range(k_sub) if (col * k_sub + s) * n + row < len(parts)]
            cells.append(got or None)
        out.append(cells)
    return out
