"""Claims: a record flattened into one value per field, party and statement."""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass

from pipeline.model import Document, Evidence, Fact, Period, Record
from pipeline.packed import Spilled, pack
from pipeline.rules import ChecksRules


@dataclass(frozen=True, slots=True)
class Claim:
    """One value one version of a paper states for one field of one partnership (a store holds ten
    or more per paper, so without a __dict__ each)."""

    paper_id: str
    doc_id: str
    key: str
    field: str
    qualifier: str | None
    ordinal: int
    value: int | float | str
    evidences: Spilled  # where `evidence` is kept, packed: an Evidence is ~1.8 KB live, ~0.4 KB pickled
    evidence_at: int
    period: Period | None
    unit: str | None  # "year", "total" or None (unknown) for amounts
    approx: bool = False
    cell: tuple[str, str, str] | None = None  # a table cell's column kind, column year and row label
    in_table: bool = False
    year: str | None = None  # the year the value's own clause names for it ("för 2024")

    @property
    def evidence(self) -> Evidence:
        """Where the value was read (read back for each use: findings need it, comparisons rarely)."""
        return self.evidences[self.evidence_at]  # type: ignore[return-value]


@dataclass(frozen=True, slots=True)
class SpilledName:
    """A party name as a paper writes it, its evidence kept in `evidences` as a claim's is: the batch
    stage holds every place a name merged by fuzzy match stands until the names are checked."""

    name: str
    evidences: Spilled
    evidence_at: int

    @property
    def evidence(self) -> Evidence:
        return self.evidences[self.evidence_at]  # type: ignore[return-value]


CellKey = tuple[str, int, int | None, tuple[float, ...] | None, str]


def evidence_key(ev: Evidence) -> CellKey:
    """Identify a value by where it was read (records keep the evidence, not the fact's attrs)."""
    return (ev.doc_id, ev.page, ev.line, tuple(ev.bbox) if ev.bbox is not None else None, ev.text_repaired)


def _unnamed_column(f: Fact) -> str:
    """A column no header names is still a column of its own: its position stands for its year."""
    return "" if f.attrs.get("column_kind") or f.attrs.get("column") else f"column {f.attrs.get('col', '')}"


def table_cells(docs: list[Document]) -> dict[CellKey, tuple[str, str, str] | None]:
    """Every table fact's column meaning by where it was read.

    In a table where some row states one role in several columns (Bokslut 2023, Budget 2024,
    Bokslut 2024 …) a cell is (column kind, column year, row label): it compares only with the same
    cell. A table whose columns each state their own role (an overview: value per year, the
    municipality's cost) keeps None: its cells are the row's one value of that role.
    """
    out: dict[CellKey, tuple[str, ...] | None] = {}
    for d in docs:
        cells = [f for f in d.facts if "table" in f.attrs]
        per_row = Counter((f.attrs["table"], f.attrs.get("row"), f.role) for f in cells if f.kind == "amount")
        multi = {t for (t, _, _), n in per_row.items() if n > 1}
        meaning = {id(f): (f.attrs.get("column_kind", ""), f.attrs.get("column_year", "") or _unnamed_column(f),
                           " ".join(f.attrs.get("row_label", "").lower().split())) for f in cells}
        tables_of = Counter(m for m in {(meaning[id(f)], f.attrs["table"]) for f in cells})
        for f in cells:
            key = meaning[id(f)]
            # two tables of one paper with the same rows and columns (one per activity) are about
            # different things: their cells compare only within their own table
            if sum(n for (m, _), n in tables_of.items() if m == key) > 1:
                key = key + (f"table {f.attrs['table']}",)
            out[evidence_key(f.evidence)] = key if f.attrs["table"] in multi else None
    return out


def _unit(period: str | None) -> tuple[str | None, int]:
    """Return the comparable unit of an amount period and the factor to a year."""
    if period in ("per_year", "per_calendar_year"):
        return "year", 1
    if period == "per_month":
        return "year", 12
    if period == "per_half_year":
        return "year", 2
    if period == "total":
        return "total", 1
    return None, 1


def claims_of(record: Record, municipal: set[str], partners: tuple[str, ...], checks: ChecksRules,
              evidences: Spilled, cells: dict[CellKey, tuple[str, str, str] | None] | None = None) -> list[Claim]:
    """Flatten a record into claims, with roles made canonical by the party a value belongs to.

    Each claim's evidence is kept in `evidences`. `cells` (from `table_cells`) marks the values read
    from table cells, so that checks compare a cell only with cells of the same column kind, year
    and row label.
    """
    cells = cells or {}
    date_group = {role: group for group, roles in checks.date_fields.items() for role in roles}
    out: list[Claim] = []
    counters: Counter[tuple[str, str | None]] = Counter()

    def add(fieldname: str, q: str | None, value, ev, unit=None, approx=False, year=None):
        ordinal = counters[(fieldname, q)]
        counters[(fieldname, q)] += 1
        k = evidence_key(ev)
        out.append(Claim(record.paper_id, record.doc_id, record.partnership_key, sys.intern(fieldname), q, ordinal, value,
                         evidences, evidences.append(pack(ev)), record.period, unit, approx, cells.get(k), k in cells, year))

    for kind, table in (("amount", record.amounts), ("percentage", record.percentages)):
        for role, values in table.items():
            for v in values:
                q, r = v.qualifier, role
                # a percentage is a share only when the extractor read it as one (role "share"); a party
                # named nearby (the council that sets the tax rate) does not make it one
                unstated = "share" if kind == "percentage" else "other"
                if role in (unstated, "partner_share", "municipal_share") and q in municipal:
                    r = "municipal_share"
                elif role == unstated and q is not None:
                    r = "partner_share"
                if r == "partner_share" and q is None and len(partners) == 1:
                    q = partners[0]
                if r != "partner_share":
                    q = None
                if kind == "amount":
                    unit, factor = _unit(v.period)
                    add(f"amount:{r}", q, int(v.value) * factor, v.evidence, unit, year=v.year)
                else:
                    add(f"percentage:{r}", q, v.value, v.evidence, None, v.approx)
    for role, values in record.participants.items():
        for v in values:
            add(f"participants:{role}", None, v.value, v.evidence)
    for role, values in record.dates.items():
        for v in values:
            add(f"date:{date_group.get(role, role)}", None, v.value, v.evidence)
    return out
