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

from pipeline.model import Table, Word
from pipeline.rules import TablesRules
from pipeline.tables._text import Line, Value, find_values, has_alnum, match_cues
from pipeline.tables.flattened_columns import _Region
from pipeline.tables.flattened_rows import Column

log = logging.getLogger(__name__)


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
