"""Flattened tables: the columns listed top to bottom after the rows, and the table they make."""

from __future__ import annotations

import logging

from pipeline.model import Cell, Table, Word
from pipeline.tables._text import TYPED, has_alnum, make_cell
from pipeline.tables.flattened_fit import _fit
from pipeline.tables.flattened_rows import Block, Row, WordLines, _RegionRows

log = logging.getLogger(__name__)


class _Region(_RegionRows):
    """The lines after one header, up to the next header: everything needed to rebuild its table."""

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
