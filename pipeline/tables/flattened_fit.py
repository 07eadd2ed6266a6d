"""Flattened tables: fit runs of blocks to the cells of columns listed one after another."""

from __future__ import annotations

from pipeline.model import Word
from pipeline.tables.flattened_rows import Block, WordLines


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
        # no blocks at all (a header's count column with no counts below it): nothing to split
        width = max((len(" ".join(w.text for w in line)) for _, ls in parts for line in ls), default=0)
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
