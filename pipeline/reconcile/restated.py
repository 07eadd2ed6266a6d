"""Restated figures: a paper that states one amount or date twice agrees with itself.

An auditor reads a protokoll's Beslut against its Beslutsgång, a summary against the table it
sums up, a date in the text against the beslutsunderlag it lists. Within one paper:

- the same amount stated in the text on two lines, when the two statements plainly mean the same:
  same unit and value, no two different periods ("per månad" / "per år"), and no two different
  specific roles (a budget of -1,3 mnkr is not an outcome of -1,3 mnkr);
- an amount in the text equal to table cells, when the cells holding that value all stand in one
  row of one table (a value that recurs in several rows could be any of them);
- a positive amount of the text (an outcome) equal to the negative of such cells, when the table
  signs spending negative (its spending rows are all negative), the cells stand in a total or
  spending row and no cell holds the value as printed ("Helårsutfall är 52,1 mnkr" = Netto -52,1);
- a date in the text equal to the date of a beslutsunderlag the paper lists (a date of its beslutsunderlag section);
- and the one difference: a protokoll's decision (Beslut) stating an amount of one role once, and the
  Beslutsgång that reached it stating another for that role once (`within_paper_conflict`).

A value that merely recurs in unrelated places (two specific roles, several rows) makes no finding.
"""

from __future__ import annotations

from collections import defaultdict

from pipeline.facts.text import any_cue, fold
from pipeline.model import Discrepancy, Fact
from pipeline.reconcile.cases import PaperUnit
from pipeline.reconcile.findings import fact_value, make_finding, signed_value
from pipeline.rules import RestatedCheck


def check_restated(units: list[PaperUnit], rule: RestatedCheck) -> list[Discrepancy]:
    """Agreements of each paper with itself: amounts stated twice, text against table, dates against beslutsunderlag.

    Args:
        units: the papers of the primary versions (`paper_units`: a bundle's papers one by one).
        rule: which roles say nothing about meaning, which date roles are the list of beslutsunderlag.

    Returns:
        One `agreement` finding (check `restated`) per restated value of a paper.
    """
    out: list[Discrepancy] = []
    for unit in units:
        prose = [f for f in unit.facts if _amount(f) and "table" not in f.attrs and "column" not in f.attrs]
        cells = [f for f in unit.facts if _amount(f) and "column" in f.attrs]
        out += _restated_amounts(unit.paper_id, prose, cells, rule)
        out += _decision_against_its_procedure(unit.paper_id, prose, rule)
        out += _dates_against_references(unit.paper_id, unit.facts, rule)
    return out


def _amount(f: Fact) -> bool:
    return f.kind == "amount" and isinstance(f.value, int | float) and not isinstance(f.value, bool) and f.value != 0


def _line(f: Fact) -> tuple[int, int | None]:
    return (f.evidence.page, f.evidence.line)


def _restated_amounts(paper_id: str, prose: list[Fact], cells: list[Fact], rule: RestatedCheck) -> list[Discrepancy]:
    by_value: dict[tuple[str, int | float], list[Fact]] = defaultdict(list)
    for f in prose:
        by_value[(f.unit or "SEK", signed_value(f))].append(f)
    cells_by_value: dict[tuple[str, int | float], list[Fact]] = defaultdict(list)
    for f in cells:
        cells_by_value[(f.unit or "SEK", f.value)].append(f)
    out: list[Discrepancy] = []
    for key, facts in by_value.items():
        if len({f.period for f in facts} - {None}) > 1:
            continue  # "1 960 kronor per månad" and "1 960 kronor per år" are two amounts
        groups = _same_meaning(facts, rule.generic_roles)
        rows = {(f.attrs.get("table"), f.attrs.get("row_label")) for f in cells_by_value.get(key, [])}
        for group in groups:
            statements = _one_per_line(group)
            table = cells_by_value[key] if len(groups) == 1 and len(rows) == 1 and _years_fit(group, cells_by_value[key]) else []
            if not cells_by_value.get(key) and len(groups) == 1:
                table = _spending_cells(group, cells_by_value.get((key[0], -key[1]), []), cells, rule)
            if len(statements) + len(table) < 2:
                continue
            values = [fact_value(f, f"{paper_id}, text") for f in statements]
            values += [fact_value(f, f"{paper_id}, table: {f.attrs.get('row_label', '')} / {f.attrs.get('column', '')}") for f in table]
            where = "; ".join(f"“{f.text.strip()}” (p. {f.evidence.page})" for f in statements + table)
            signed = " (the table signs spending negative)" if table and table[0].value != key[1] else ""
            out.append(make_finding("agreement", "restated", rule.severity, paper_id, "amount", values,
                                    f"{paper_id[:12]} states the same amount {len(values)} times: {where}{signed}.",
                                    {"paper": paper_id, "in_table": len(table)}))
    return out


def _decision_against_its_procedure(paper_id: str, prose: list[Fact], rule: RestatedCheck) -> list[Discrepancy]:
    """A protokoll's decision against the Beslutsgång that reached it: per role, the amount each states
    (once, or the same value each time); two different ones are a conflict within the paper. A
    Beslutsgång naming two figures (two proposals put to the vote) says nothing of which one won."""
    procedure = [f for f in prose if f.section in rule.procedure_sections]
    if len({signed_value(f) for f in procedure}) != 1:
        return []
    decided = _one_value_per_role([f for f in prose if f.section in rule.decision_sections], rule.generic_roles)
    proposed = _one_value_per_role(procedure, rule.generic_roles)
    out: list[Discrepancy] = []
    for role in sorted(set(decided) & set(proposed)):
        d, p = decided[role], proposed[role]
        if signed_value(d) == signed_value(p) or d.unit != p.unit or (None not in (d.period, p.period) and d.period != p.period):
            continue
        out.append(make_finding("within_paper_conflict", "restated", rule.severity_decision_differs, paper_id, f"amount:{role}",
                                [fact_value(d, f"{paper_id}, beslut"), fact_value(p, f"{paper_id}, beslutsgång")],
                                f"{paper_id[:12]}'s decision states the {role.replace('_', ' ')} “{d.text.strip()}” "
                                f"(p. {d.evidence.page}); the Beslutsgång that reached it “{p.text.strip()}” (p. {p.evidence.page}).",
                                {"paper_id": paper_id}))
    return out


def _one_value_per_role(facts: list[Fact], generic_roles: tuple[str, ...]) -> dict[str, Fact]:
    """The first statement of each specific role whose statements all hold one value."""
    by_role: dict[str, list[Fact]] = defaultdict(list)
    for f in facts:
        if f.role and f.role not in generic_roles:
            by_role[f.role].append(f)
    return {role: fs[0] for role, fs in by_role.items() if len({signed_value(f) for f in fs}) == 1}


def _spending_cells(statements: list[Fact], negatives: list[Fact], cells: list[Fact], rule: RestatedCheck) -> list[Fact]:
    """The cells a positive text amount quotes without the sign the table gives spending: its negative,
    in one total or spending row of one table whose spending rows are all negative."""
    if not negatives or any(float(f.value) <= 0 or f.role not in rule.unsigned_roles for f in statements):
        return []
    rows = {(f.attrs.get("table"), f.attrs.get("row_label")) for f in negatives}
    if len(rows) != 1 or not _years_fit(statements, negatives):
        return []
    table, label = next(iter(rows))
    spending = [f for f in cells if f.attrs.get("table") == table and any_cue(list(rule.expenditure_rows), fold(f.attrs.get("row_label", "")))]
    in_row = negatives[0].attrs.get("total_row") == "true" or any_cue(list(rule.expenditure_rows), fold(label or ""))
    return negatives if spending and in_row and all(float(f.value) < 0 for f in spending) else []


def _same_meaning(facts: list[Fact], generic_roles: tuple[str, ...]) -> list[list[Fact]]:
    """Statements of one value that plainly mean the same: those of one specific role with the
    generic ones; when two specific roles share the value, only each role's own statements."""
    specific = sorted({f.role for f in facts if f.role and f.role not in generic_roles})
    if len(specific) <= 1:
        return [facts]
    return [[f for f in facts if f.role == role] for role in specific]


def _one_per_line(facts: list[Fact]) -> list[Fact]:
    """The first statement on each line: one line read twice by two patterns is one statement."""
    seen: set[tuple[int, int | None]] = set()
    out = []
    for f in facts:
        if _line(f) not in seen:
            seen.add(_line(f))
            out.append(f)
    return out


def _years_fit(statements: list[Fact], cells: list[Fact]) -> bool:
    """A statement that names its year agrees only with cells of that year's column."""
    years = {f.attrs["year"] for f in statements if f.attrs.get("year")}
    return not years or all(c.attrs.get("column_year", "")[:4] in years for c in cells)


def _dates_against_references(paper_id: str, facts: tuple[Fact, ...], rule: RestatedCheck) -> list[Discrepancy]:
    references: dict[str, Fact] = {}
    for f in facts:
        if f.kind == "date" and f.section in rule.reference_sections:
            references.setdefault(str(f.value), f)
    out: list[Discrepancy] = []
    told: set[str] = set()
    for f in facts:
        date = str(f.value)
        if (f.kind != "date" or f.section in rule.reference_sections or f.role in rule.skip_date_roles
                or date not in references or date in told):
            continue
        told.add(date)
        ref = references[date]
        out.append(make_finding("agreement", "restated", rule.severity, paper_id, "date",
                                [fact_value(f, f"{paper_id}, text"), fact_value(ref, f"{paper_id}, beslutsunderlag")],
                                f"{paper_id[:12]} states the date {date} in its text (“{f.text.strip()}”, p. {f.evidence.page}) "
                                f"and in the beslutsunderlag it lists (“{ref.text.strip()}”, p. {ref.evidence.page}).",
                                {"paper": paper_id}))
    return out
