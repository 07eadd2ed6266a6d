"""Table arithmetic: the rows above a total row add up to it, column by column (and row by row).

Budget and annual-report tables state several columns of different kinds and years (Bokslut 2023,
Budget 2024, Avvikelse …). Each column is added on its own, with the figures as printed, so a
rounding of "−307,2" is judged in tenths of the printed unit, never across columns.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from decimal import Decimal

from pipeline.facts.amounts import printed_number
from pipeline.facts.text import any_cue, fold
from pipeline.model import Discrepancy, Document, Fact, FindingValue
from pipeline.reconcile.findings import make_finding
from pipeline.records import paper_unit
from pipeline.rules import TableSumsCheck

_YEAR = re.compile(r"\b(19|20)\d\d\b")


@dataclass(frozen=True)
class _Cell:
    """One amount cell: its fact, row and column, and the number as printed."""

    fact: Fact
    row: int
    col: int
    printed: Decimal
    decimals: int
    sign: int = 1  # -1: subtracted, as a net row subtracts the costs printed without their sign

    @property
    def total(self) -> bool:
        return self.fact.attrs.get("total_row") == "true"

    @property
    def total_column(self) -> bool:
        return self.fact.attrs.get("total_column") == "true"


def _fmt(d: Decimal, decimals: int) -> str:
    """Format a sum the way the paper prints it: space thousands, decimal comma."""
    q = d.quantize(Decimal(1).scaleb(-decimals)) if decimals else d.quantize(Decimal(1))
    sign = "-" if q < 0 else ""
    whole, _, frac = f"{abs(q):f}".partition(".")
    whole = f"{int(whole):,}".replace(",", " ")
    return sign + whole + ("," + frac if frac else "")


def _plain(d: Decimal) -> str:
    return f"{d.normalize():f}".replace(".", ",")


def signed_items(items: list[str], subtracted: set[int]) -> str:
    """Items of a sum as "a + b − c", those at the indices `subtracted` (a net row's costs) after a minus."""
    return "".join(("" if k == 0 and k not in subtracted else " − " if k in subtracted else " + ") + item
                   for k, item in enumerate(items)).lstrip()


def _parts(doc: Document) -> dict[int, tuple[int, int]]:
    """Each table part that continues a table from the page before: index -> (the table's first part,
    rows of the parts before it), so a total on the last page adds up the rows of every page."""
    first_of = {int(f.attrs["table"]): int(f.attrs["continues"]) for f in doc.facts if "continues" in f.attrs}
    out: dict[int, tuple[int, int]] = {}
    for index in sorted(first_of):
        if index < len(doc.tables):  # the parts of one table are the tables from its first to this one
            out[index] = (first_of[index], sum(doc.tables[k].n_rows for k in range(first_of[index], index)))
    return out


def _cells(doc: Document, parts: dict[int, tuple[int, int]]) -> dict[int, list[_Cell]]:
    """Amount facts of table cells, by table index (a continued table's parts as one, rows counted on
    from its first part's); a cell whose number cannot be read is left out."""
    out: dict[int, list[_Cell]] = {}
    for f in doc.facts:
        a = f.attrs
        if f.kind != "amount" or not all(k in a for k in ("table", "row", "col")) or isinstance(f.value, str):
            continue
        p = printed_number(f.text)
        if p is None:
            continue
        table, offset = parts.get(int(a["table"]), (int(a["table"]), 0))
        out.setdefault(table, []).append(_Cell(f, int(a["row"]) + offset, int(a["col"]), p[0], p[1]))
    return out


def _cell_texts(doc: Document, table: int, parts: dict[int, tuple[int, int]]) -> dict[tuple[int, int], str] | None:
    """The printed text of each cell (row, col) of the document's table `table` and of the parts that
    continue it; None if it holds no such table."""
    if table >= len(doc.tables):
        return None
    texts = {(c.row, c.col): c.text for c in doc.tables[table].cells}
    for index, (first, offset) in parts.items():
        if first == table:
            texts |= {(c.row + offset, c.col): c.text for c in doc.tables[index].cells}
    return texts


def _unread(texts: dict[tuple[int, int], str] | None, cells: list[tuple[int, int]],
            have: set[tuple[int, int]]) -> list[tuple[int, int]]:
    """Cells (row, col) that print a number (not only a year) but gave no amount fact: a sum over them would guess."""
    if texts is None:
        return []
    return [rc for rc in cells if rc not in have and re.search(r"\d", _YEAR.sub("", texts.get(rc, "")))]


def _blank_elsewhere(texts: dict[tuple[int, int], str] | None, col: int, rows: list[int],
                     have: set[tuple[int, int]]) -> bool:
    """Tell whether every row of `rows` without an amount in column `col` leaves that cell blank (not
    text that failed to read as a number: "ALT." on a worn scan)."""
    return texts is not None and all(not texts.get((r, col), "").strip() for r in rows if (r, col) not in have)


def _scale(parts: list[_Cell]) -> int | None:
    """The printed unit's value in the fact's unit (1000 for tkr); None when cells mix units."""
    scales = set()
    for c in parts:
        if c.printed and isinstance(c.fact.value, (int, float)):
            ratio = abs(float(c.fact.value) / float(c.printed))
            scales.add(10 ** round(math.log10(ratio)) if ratio else 0)
    return scales.pop() if len(scales) == 1 else (1 if not scales else None)


def _judge(parts: list[_Cell], total: _Cell, rule: TableSumsCheck) -> tuple[bool, Decimal, Decimal, int]:
    decimals = max(c.decimals for c in parts + [total])
    unit = Decimal(1).scaleb(-decimals)
    tol = max(Decimal(str(rule.min_units)), Decimal(str(rule.rounding_per_item)) * len(parts)) * unit
    s = sum((c.sign * c.printed for c in parts), Decimal(0))
    return abs(s - total.printed) <= tol, s, tol, decimals


def _label(c: _Cell) -> str:
    a = c.fact.attrs
    return " · ".join(x for x in (a.get("row_label"), a.get("column")) if x) or f"row {c.row} col {c.col}"


def _finding(doc: Document, paper: str, table: int, field: str, where: str, parts: list[_Cell], total: _Cell,
             rule: TableSumsCheck, how: str) -> Discrepancy:
    ok, s, tol, decimals = _judge(parts, total, rule)
    values = [FindingValue(doc_id=doc.doc_id, value=c.fact.value, label=_label(c), evidence=c.fact.evidence) for c in parts]
    values.append(FindingValue(doc_id=doc.doc_id, value=total.fact.value, label="total: " + _label(total), evidence=total.fact.evidence))
    unsigned = None if ok else _sign_lost(doc, parts, total, s, tol)
    text = (f"Table {table + 1} (p. {total.fact.evidence.page}), {where}: "
            + signed_items([f"“{c.fact.text.strip()}”" for c in parts], {k for k, c in enumerate(parts) if c.sign < 0})
            + f" = {_fmt(s, decimals)}; the {how} states “{total.fact.text.strip()}”"
            + (f" (within the rounding of the printed figures, ±{_plain(tol)})." if ok
               else f": off by {_fmt(s - total.printed, decimals)} (more than the rounding, ±{_plain(tol)})")
            + ("" if ok else f"; it adds up if “{unsigned}” is negative: the scan may have lost its minus sign." if unsigned
               else "."))
    details = {"sum": str(s), "total": str(total.printed), "difference": str(s - total.printed), "tolerance": str(tol),
               "table": table, "items": len(parts)}
    if unsigned:
        details["sign_lost"] = unsigned
    if subtracted := [str(k) for k, c in enumerate(parts) if c.sign < 0]:
        details["subtracted"] = ",".join(subtracted)  # the items a net row takes away (income minus costs)
    return make_finding("sum_matches" if ok else "sum_mismatch", "table_sums", "ok" if ok else rule.severity, paper, field,
                        values, text, details)


def _sign_lost(doc: Document, parts: list[_Cell], total: _Cell, s: Decimal, tol: Decimal) -> str | None:
    """The one positive figure of a sum that does not add up which, read as negative, makes it add
    up, printed on a page OCR read: a worn copy's minus sign breaks away with no ink left to give it
    back (`restore_minus_signs`). None when no figure, or more than one, would."""
    scanned = {p.number for p in doc.pages if p.kind == "ocr"}
    flips = [c for c in parts if c.printed > 0 and abs(s - 2 * c.printed - total.printed) <= tol]
    flips += [total] if total.printed > 0 and abs(s + total.printed) <= tol else []
    return flips[0].fact.text.strip() if len(flips) == 1 and flips[0].fact.evidence.page in scanned else None


def _column_candidates(col: list[_Cell], i: int) -> list[tuple[list[_Cell], str]]:
    """What a total row may add up: its section, the previous subtotal plus its section, every data row above, the subtotals."""
    total = col[i]
    above = col[:i]
    prev = max((k for k, c in enumerate(above) if c.total), default=None)
    section = [c for c in above[(prev + 1 if prev is not None else 0):] if not c.total]
    out = [(section, "rows above it")]
    if prev is not None:
        out.append(([above[prev]] + section, "previous total and the rows after it"))
        out.append(([c for c in above if not c.total], "every row above it"))
        out.append(([c for c in above if c.total], "the totals above it"))
    return [(p, how) for p, how in out if p and total not in p]


def _net_candidates(section: list[_Cell], total: _Cell, table: list[_Cell], rule: TableSumsCheck) -> list[tuple[list[_Cell], str]]:
    """What a net row ("Resultat") may be when its table prints its costs without a sign: the income minus
    the costs, or the costs minus the income (a net cost). None when the rows are not all income or cost
    rows, or a cost row of the `table` prints a sign (then one that prints none lost it: `_sign_lost`)."""
    if not any_cue(rule.net_row_cues, fold(total.fact.attrs.get("row_label", ""))):
        return []

    def kind(c: _Cell) -> str | None:
        label = fold(c.fact.attrs.get("row_label", ""))
        return "costs" if any_cue(rule.net_row_costs, label) else "income" if any_cue(rule.net_row_income, label) else None

    kinds = {c.row: kind(c) for c in section}
    if set(kinds.values()) != {"costs", "income"} or any(c.printed < 0 for c in table if kind(c) == "costs"):
        return []
    return [([replace(c, sign=-1) if kinds[c.row] == subtracted else c for c in section], f"{kept} minus {subtracted}")
            for kept, subtracted in (("income", "costs"), ("costs", "income"))]


def check_table_sums(docs: list[Document], paper_of: dict[str, str], rule: TableSumsCheck) -> tuple[list[Discrepancy], list[str]]:
    """Check every total row (per column) and total column (per row) of the primary documents' tables.

    Args:
        docs: the primary versions of the papers (other versions read the same table).
        paper_of: doc_id -> paper id.
        rule: the tolerance and severity.

    Returns:
        sum_matches / sum_mismatch findings (key: paper id; field: table and column or row), and
        the reasons for totals left unchecked.
    """
    findings: list[Discrepancy] = []
    notes: list[str] = []
    for doc in sorted(docs, key=lambda d: d.doc_id):
        base = paper_of.get(doc.doc_id, doc.doc_id)
        parts = _parts(doc)
        for table, cells in sorted(_cells(doc, parts).items()):
            have = {(c.row, c.col) for c in cells}
            texts = _cell_texts(doc, table, parts)
            # a section of several rows may print one figure in a column and leave the others blank
            rows_of, totals_of = {c.row for c in cells}, {c.row for c in cells if c.total}
            by_col: dict[int, list[_Cell]] = {}
            for c in cells:  # a "varav" row is a part of the row above it, not one more item of the column
                if not any_cue(rule.part_row_cues, fold(c.fact.attrs.get("row_label", ""))):
                    by_col.setdefault(c.col, []).append(c)
            for colno, col in sorted(by_col.items()):
                col.sort(key=lambda c: c.row)
                for i, total in enumerate(col):
                    if not total.total:
                        continue
                    paper = paper_unit(doc, total.fact.evidence.page, base)
                    after = max((c.row for c in col[:i] if c.total), default=-1)
                    section = [r for r in rows_of - totals_of if after < r < total.row]
                    section_rows = len(section) if _blank_elsewhere(texts, colno, section, have) else 0
                    cands = [(p, how) for p, how in _column_candidates(col, i)
                             if len(p) >= rule.min_items or (how == "rows above it" and section_rows >= rule.min_items)]
                    # the header cell as OCR printed it ("20295", read back as 2029) heads the column: no figure
                    printed_header = {c.fact.attrs["column_printed"] for c in col if "column_printed" in c.fact.attrs}
                    above = [(r, colno) for r in range(total.row)
                             if texts is None or " ".join(texts.get((r, colno), "").split()) not in printed_header]
                    missing = _unread(texts, above, have)
                    where = f"column “{total.fact.attrs.get('column', f'{colno + 1}')}”"
                    if not cands:
                        continue
                    if re.search(r"\d", _YEAR.sub("", total.fact.attrs.get("column", ""))):
                        # "Avvikelse 2024 0,5": the first data row stuck in the header, its figure unread
                        notes.append(f"{doc.doc_id[:12]} table {table + 1} {where}: the header holds a figure; "
                                     "the total is not checked")
                        continue
                    if missing:
                        notes.append(f"{doc.doc_id[:12]} table {table + 1} {where}: cells {missing} print a number that was "
                                     "not read as an amount; the total is not checked")
                        continue
                    if any(_scale(p + [total]) is None for p, _ in cands):
                        notes.append(f"{doc.doc_id[:12]} table {table + 1} {where}: cells in different units; not added")
                        continue
                    chosen = next(((p, how) for p, how in cands if _judge(p, total, rule)[0]), None)
                    if chosen is None:
                        # a net row of income and costs printed without signs is their difference, if no sum
                        # holds; when neither holds, the difference nearest the total is the reading reported
                        net = _net_candidates(cands[0][0], total, cells, rule)
                        chosen = next(((p, how) for p, how in net if _judge(p, total, rule)[0]), None) or min(
                            net, key=lambda c: abs(_judge(c[0], total, rule)[1] - total.printed), default=cands[0])
                    if len(chosen[0]) < rule.min_items and not _judge(chosen[0], total, rule)[0]:
                        # blank cells read as nothing may confirm a total, never accuse it: a table whose
                        # columns shifted leaves one column blank but for a stray figure
                        notes.append(f"{doc.doc_id[:12]} table {table + 1} {where}: the total is not the sum of "
                                     "the one figure its section prints; blank cells are not taken as zero")
                        continue
                    findings.append(_finding(doc, paper, table, f"table {table + 1} col {colno}", where, chosen[0], total,
                                             rule, f"total row “{total.fact.attrs.get('row_label', '')}” ({chosen[1]})"))
            findings += _row_totals(doc, base, table, cells, have, texts, rule, notes)
            findings += _deviations(doc, base, table, cells, rule)
    return findings, notes


def _deviation_finding(doc: Document, paper: str, table: int, field: str, where: str, outcome: _Cell, budget: _Cell,
                       deviation: _Cell, rule: TableSumsCheck) -> Discrepancy | None:
    """Budget + deviation = outcome (or outcome + deviation = budget, the other sign convention)."""
    if _scale([outcome, budget, deviation]) is None:
        return None
    readings = [([budget, deviation], outcome, "outcome (deviation = outcome − budget)"),
                ([outcome, deviation], budget, "budget (deviation = budget − outcome)")]
    parts, total, how = next((r for r in readings if _judge(r[0], r[1], rule)[0]), readings[0])
    return _finding(doc, paper, table, field, where, parts, total, rule, how)


def _deviations(doc: Document, base: str, table: int, cells: list[_Cell], rule: TableSumsCheck) -> list[Discrepancy]:
    """A deviation row under the outcome and budget rows it compares; a deviation column beside its year's outcome and budget."""
    out: list[Discrepancy] = []
    by_col: dict[int, dict[int, _Cell]] = {}
    by_row: dict[int, dict[int, _Cell]] = {}
    for c in cells:
        by_col.setdefault(c.col, {})[c.row] = c
        by_row.setdefault(c.row, {})[c.col] = c
    for colno, col in sorted(by_col.items()):
        for rowno, deviation in sorted(col.items()):
            label = fold(deviation.fact.attrs.get("row_label", ""))
            if not any_cue(rule.deviation_row_cues, label) or rowno - 1 not in col or rowno - 2 not in col:
                continue
            paper = paper_unit(doc, deviation.fact.evidence.page, base)
            found = _deviation_finding(doc, paper, table, f"table {table + 1} col {colno}",
                                       f"column “{deviation.fact.attrs.get('column', f'{colno + 1}')}”",
                                       col[rowno - 2], col[rowno - 1], deviation, rule)
            out += [found] if found else []
    for rowno, row in sorted(by_row.items()):
        for colno, deviation in sorted(row.items()):
            a = deviation.fact.attrs
            if a.get("column_kind") != rule.deviation_kind:
                continue
            same_year = [c for c in row.values() if c.fact.attrs.get("column_year") == a.get("column_year")]
            outcomes = [c for c in same_year if c.fact.attrs.get("column_kind") in rule.outcome_kinds]
            budgets = [c for c in same_year if c.fact.attrs.get("column_kind") in rule.budget_kinds]
            if len(outcomes) != 1 or len(budgets) != 1:
                continue  # which outcome the deviation is of is not certain
            paper = paper_unit(doc, deviation.fact.evidence.page, base)
            found = _deviation_finding(doc, paper, table, f"table {table + 1} row {rowno}",
                                       f"row “{a.get('row_label', f'row {rowno}')}”", outcomes[0], budgets[0], deviation, rule)
            out += [found] if found else []
    return out


def _row_totals(doc: Document, base: str, table: int, cells: list[_Cell], have: set[tuple[int, int]],
                texts: dict[tuple[int, int], str] | None, rule: TableSumsCheck, notes: list[str]) -> list[Discrepancy]:
    """A total column (header Summa/Totalt): the run of same-kind columns left of it adds up to it, row by row."""
    out: list[Discrepancy] = []
    by_row: dict[int, dict[int, _Cell]] = {}
    for c in cells:
        by_row.setdefault(c.row, {})[c.col] = c
    for rowno, row in sorted(by_row.items()):
        for colno, total in sorted(row.items()):
            if not total.total_column:
                continue
            parts: list[_Cell] = []
            k = colno - 1
            while k in row and not row[k].total_column:
                if parts and row[k].fact.attrs.get("column_kind") != parts[0].fact.attrs.get("column_kind"):
                    break
                parts.append(row[k])
                k -= 1
            parts.reverse()
            if len(parts) < rule.min_items:
                continue
            if _unread(texts, [(rowno, c) for c in range(parts[0].col, colno)], have) or _scale(parts + [total]) is None:
                notes.append(f"{doc.doc_id[:12]} table {table + 1} row {rowno}: a cell of the row is unread or in another unit; not added")
                continue
            label = total.fact.attrs.get("row_label", f"row {rowno}")
            out.append(_finding(doc, paper_unit(doc, total.fact.evidence.page, base), table, f"table {table + 1} row {rowno}",
                                f"row “{label}”", parts, total, rule, f"total column “{total.fact.attrs.get('column', '')}”"))
    return out
