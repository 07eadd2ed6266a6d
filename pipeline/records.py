"""Per-document records: which facts of a document speak about which partnership.

A document speaks about one partnership (a tjänsteskrivelse, an agreement) or, through an
overview table, about several (one per row). `statements_of` groups a document's facts into
`Statement`s with the party and programme names as written; `make_record` turns a statement,
once its names are resolved, into the `Record` written to records.jsonl. Pure functions only.
"""

from __future__ import annotations

import calendar
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pipeline.model import Document, Evidence, Fact, PartyRef, Period, Record, StatedValue

if TYPE_CHECKING:
    import pandas as pd  # imported where a frame is made: the per-document stages never need it (0.3 s at start)

log = logging.getLogger(__name__)

OVERVIEW_MIN_ROWS = 2
"""A table where at least this many rows each state a total (or a programme) is an overview
of several partnerships: each such row is its own statement."""

PROGRAMME_PARTY_MAX_LINES = 1
"""A programme without a stated party belongs to the party named nearest it, at most this many lines away."""

_DOC_WIDE_DATE_ROLES = ("document_date", "valid_from", "valid_to")
_NOT_PARTNERSHIP_DATE_ROLES = ("meeting",)
"""Dates carried as a statement's own fields, and dates that say nothing about a partnership."""


@dataclass(frozen=True)
class NameRef:
    """A party or programme name as a document writes it, with where it stands."""

    name: str
    evidence: Evidence
    section: str | None = None


@dataclass(frozen=True)
class Statement:
    """What one document says about one partnership, before names are resolved."""

    doc_id: str
    source: str
    group: str  # "document" or "table <t> row <r>"
    parties: tuple[NameRef, ...]
    programmes: tuple[NameRef, ...]
    facts: tuple[Fact, ...]
    committee: str | None = None
    document_date: str | None = None
    valid_from: str | None = None
    valid_to: str | None = None
    table_year: int | None = None
    notes: tuple[str, ...] = field(default=())
    span: tuple[int, int] | None = None  # pages of the paper inside a PDF that binds several


def paper_spans(doc: Document) -> list[tuple[int, int]]:
    """The page ranges of the papers a document holds; one span (or none stated) is the whole document."""
    return [(p.page_start, p.page_end) for p in doc.papers] if len(doc.papers) > 1 else []


def span_id(base: str, span: tuple[int, int]) -> str:
    """The paper id of one of several papers in a PDF: `base#start-end`."""
    return f"{base}#{span[0]}-{span[1]}"


DATE_PREFERENCE = ("document_date",)
"""The date roles that name a paper's date before any other."""


def paper_date(facts: Iterable[Fact], lo: int, hi: int) -> Fact | None:
    """The date of the paper on pages `lo`..`hi` (what the report's overview shows): its earliest
    document date, else the earliest date it states."""
    dates = [f for f in facts if f.kind == "date" and isinstance(f.value, str) and lo <= f.evidence.page <= hi]
    preferred = [f for f in dates if f.role in DATE_PREFERENCE]
    return min(preferred or dates, key=lambda f: str(f.value), default=None)


def paper_dates(doc: Document) -> tuple[Fact, ...]:
    """The date facts that can be `paper_date` of the document or of one of its papers: the rest
    need not be held for the report."""
    last = max((p.number for p in doc.pages), default=1)
    ranges = {(1, last), *paper_spans(doc), *((p.page_start, p.page_end) for p in doc.papers)}
    chosen = {id(f) for lo, hi in ranges if (f := paper_date(doc.facts, lo, hi))}
    return tuple(f for f in doc.facts if id(f) in chosen)


def paper_unit(doc: Document, page: int, base: str) -> str:
    """The paper id of what stands on `page`: `base`, or its span's id for one of several papers in a PDF."""
    return next((span_id(base, (a, b)) for a, b in paper_spans(doc) if a <= page <= b), base)


_LINE_HYPHEN = re.compile(r"(\w)-\s+(\w)")
_WORD_HYPHEN = re.compile(r"(\w)-(\w)")
_PUNCTUATION = re.compile(r"[^\w\s]")


def normalize_name(name: str) -> str:
    """Return a name folded for matching: lower case, line hyphens joined, punctuation dropped.

    "Linköpings Stads-\\nmission" -> "linköpings stadsmission". (The batch stage folds every line
    of the store with it, so the patterns are compiled once and hyphen-free text skips two.)
    """
    text = name.strip()
    if "-" in text:
        text = _WORD_HYPHEN.sub(r"\1\2", _LINE_HYPHEN.sub(r"\1\2", text))
    text = _PUNCTUATION.sub("", text.lower()).replace("_", " ")
    return " ".join(text.split())


def _year_of(value: str | int | None) -> int | None:
    if value is None:
        return None
    m = re.match(r"\s*(\d{4})", str(value))
    return int(m.group(1)) if m else None


def _fact_name(fact: Fact) -> str:
    return str(fact.value if isinstance(fact.value, str) and fact.value.strip() else fact.text).strip()


def _row_of(fact: Fact) -> tuple[str, str] | None:
    table, row = fact.attrs.get("table"), fact.attrs.get("row")
    return (table, row) if table is not None and row is not None else None


def _overview_rows(facts: tuple[Fact, ...]) -> set[tuple[str, str]]:
    """Return the (table, row) cells of tables that list several partnerships, one per row.

    A table is an overview when two or more of its rows each state a total or a programme; a
    table whose amounts add up to one total row (cost items, contributions) is not.
    """
    per_table: dict[str, set[str]] = {}
    for fact in facts:
        rc = _row_of(fact)
        if rc is not None and ((fact.kind == "amount" and fact.role == "total_value") or fact.kind == "programme"):
            per_table.setdefault(rc[0], set()).add(rc[1])
    overview_tables = {t for t, rows in per_table.items() if len(rows) >= OVERVIEW_MIN_ROWS}
    return {rc for f in facts if (rc := _row_of(f)) is not None and rc[0] in overview_tables}


def _overlaps(a: Evidence, b: Evidence) -> bool:
    if a.page != b.page or a.bbox is None or b.bbox is None:
        return False
    return a.bbox.x0 < b.bbox.x1 and b.bbox.x0 < a.bbox.x1 and a.bbox.top < b.bbox.bottom and b.bbox.top < a.bbox.bottom


def dedupe_facts(facts: tuple[Fact, ...]) -> tuple[tuple[Fact, ...], int]:
    """Drop facts that repeat another of the same kind and value at the same place on the page.

    The extractor may read one printed value twice (from the prose and from a table cell); the
    copy with more qualifiers (attrs, role) is kept.

    Returns:
        The facts in their order, and how many were dropped.
    """
    def richness(f: Fact) -> tuple[int, int]:
        return (len(f.attrs) + (f.role is not None), -facts.index(f))

    dropped: set[int] = set()
    for i, a in enumerate(facts):
        if i in dropped or a.kind in ("party", "programme", "committee"):
            continue
        for j in range(i + 1, len(facts)):
            b = facts[j]
            if j in dropped or b.kind != a.kind or str(b.value) != str(a.value) or not _overlaps(a.evidence, b.evidence):
                continue
            if a.role and b.role and a.role != b.role:
                continue
            loser = j if richness(a) >= richness(b) else i
            dropped.add(loser)
            if loser == i:
                break
    return tuple(f for k, f in enumerate(facts) if k not in dropped), len(dropped)


def _first_date(facts: list[Fact], role: str) -> str | None:
    values = sorted(
        (f for f in facts if f.kind == "date" and f.role == role and isinstance(f.value, str)),
        key=lambda f: (f.evidence.page, f.evidence.line or 0),
    )
    return str(values[0].value) if values else None


def statements_of(doc: Document) -> tuple[list[Statement], list[str]]:
    """Group a document's facts into statements about partnerships, each paper of a bundle on its own.

    A PDF that binds several papers (`doc.papers`) speaks about as many matters: each paper's
    facts (by evidence page) make their own statements, marked with the paper's page span, so
    amounts of one paper are never attributed to another paper's partnership.
    """
    spans = paper_spans(doc)
    if not spans:
        return _statements_of_facts(doc, doc.facts, None)
    statements: list[Statement] = []
    skipped: list[str] = []
    for a, b in spans:
        sts, why = _statements_of_facts(doc, tuple(f for f in doc.facts if a <= f.evidence.page <= b), (a, b))
        statements += sts
        skipped += [f"{w} (pages {a}-{b})" for w in why]
    outside = [f for f in doc.facts if not any(a <= f.evidence.page <= b for a, b in spans)]
    if outside:
        skipped.append(f"{doc.doc_id[:12]}: {len(outside)} fact(s) on pages outside every paper; left out")
    return statements, skipped


def _statements_of_facts(doc: Document, all_facts: tuple[Fact, ...], span: tuple[int, int] | None) -> tuple[list[Statement], list[str]]:
    """Group facts (of one paper) into statements about partnerships.

    Facts in rows of an overview table (several rows each stating a total or a programme) form
    one statement per row; every other fact belongs to the document-level statement. When the
    document level names several programmes, each programme that names its party (attrs
    `party`) becomes its own statement, and the remaining facts stay with a statement without
    programme (the batch stage reports it as ambiguous if it holds values).

    Returns:
        The statements (document order) and the reasons for anything left out.
    """
    skipped: list[str] = []
    facts, n_dropped = dedupe_facts(all_facts)
    if n_dropped:
        skipped.append(f"{doc.doc_id[:12]}: {n_dropped} fact(s) read twice at the same place; counted once")
    overview = _overview_rows(facts)
    doc_facts = [f for f in facts if _row_of(f) not in overview]
    committees = [f for f in facts if f.kind == "committee"]
    committee = _fact_name(committees[0]) if committees else None
    document_date = _first_date(list(facts), "document_date")
    valid_from = _first_date(doc_facts, "valid_from")
    valid_to = _first_date(doc_facts, "valid_to")
    if not (valid_from or valid_to):  # a reporting period with both ends is what the paper is about
        reported = _first_date(doc_facts, "period_start"), _first_date(doc_facts, "period_end")
        if all(reported):
            valid_from, valid_to = reported
    common = dict(doc_id=doc.doc_id, source=doc.source, committee=committee, document_date=document_date, span=span)

    def names(fs: list[Fact], kind: str) -> tuple[NameRef, ...]:
        """Names of `kind` facts; a state agency or court ("Folkhälsomyndighetens riktlinjer") is
        named beside a partnership, never a partner in it."""
        out: list[NameRef] = []
        for f in fs:
            if f.kind == kind and _fact_name(f) and f.attrs.get("party_kind") != "public_body":
                out.append(NameRef(_fact_name(f), f.evidence, f.section))
        return tuple(out)

    def payer_names(fs: list[Fact], keys: tuple[str, ...] = ("party", "payer")) -> tuple[NameRef, ...]:
        out = []
        for f in fs:
            for key in keys:
                if f.kind in ("amount", "percentage") and f.attrs.get(key):
                    out.append(NameRef(f.attrs[key], f.evidence))
        return tuple(out)

    statements: list[Statement] = []
    orphans: list[Fact] = []
    rows: dict[tuple[str, str], list[Fact]] = {}
    for f in facts:
        rc = _row_of(f)
        if rc in overview:
            rows.setdefault(rc, []).append(f)
    for (table, row), row_facts in sorted(rows.items(), key=lambda kv: (kv[1][0].evidence.page, kv[0])):
        years = sorted({y for f in row_facts if (y := _year_of(f.attrs.get("year"))) is not None})
        parties = names(row_facts, "party") + payer_names(row_facts, ("party",))  # a payer is not the row's partner
        if not parties:
            skipped.append(f"{doc.doc_id[:12]}: table {table} row {row}: no party named; its facts stay with the document")
            orphans.extend(row_facts)
            continue
        statements.append(
            Statement(
                group=f"table {table} row {row}",
                parties=parties,
                programmes=names(row_facts, "programme"),
                facts=tuple(row_facts),
                table_year=years[0] if len(years) == 1 else None,
                notes=(f"several years in one row: {years}",) if len(years) > 1 else (),
                **common,
            )
        )

    doc_facts = doc_facts + orphans
    value_facts = [
        f
        for f in doc_facts
        if f.kind in ("amount", "percentage", "participants")
        or (f.kind == "date" and f.role not in _DOC_WIDE_DATE_ROLES + _NOT_PARTNERSHIP_DATE_ROLES)
    ]
    doc_parties = names(doc_facts, "party") + payer_names(doc_facts)
    programmes = names(doc_facts, "programme")
    distinct_programmes = sorted({normalize_name(p.name) for p in programmes})
    years = sorted({y for f in value_facts if (y := _year_of(f.attrs.get("year"))) is not None})
    doc_common = dict(common, valid_from=valid_from, valid_to=valid_to, table_year=years[0] if len(years) == 1 else None)
    if len(distinct_programmes) > 1:
        programme_facts = [f for f in doc_facts if f.kind == "programme" and _fact_name(f)]
        party_facts = [f for f in doc_facts if f.kind == "party" and _fact_name(f)]
        # Each programme's owner: its attrs `party`, else the party named nearest it. Link
        # only when that separates them: every programme one owner, each owner its own.
        owners: dict[str, set[str]] = {}
        first_owner: dict[str, str] = {}
        for ref, f in zip(programmes, programme_facts):
            owner = f.attrs.get("party") or _nearest_party(f, party_facts)
            owners.setdefault(normalize_name(ref.name), set())
            if owner:
                owners[normalize_name(ref.name)].add(normalize_name(owner))
                first_owner.setdefault(normalize_name(ref.name), owner)
        linked = all(len(o) == 1 for o in owners.values()) and len({next(iter(o)) for o in owners.values() if o}) == len(owners)
        unlinked: list[NameRef] = []
        seen: set[str] = set()
        for ref, f in zip(programmes, programme_facts):
            key = normalize_name(ref.name)
            if linked:
                if key not in seen:
                    seen.add(key)
                    statements.append(
                        Statement(group="document", parties=(NameRef(first_owner[key], f.evidence),), programmes=(ref,), facts=(), **doc_common)
                    )
            else:
                unlinked.append(ref)
        if doc_parties and value_facts:
            # values outside the programmes' own statements: they could belong to any of them
            statements.append(
                Statement(group="document", parties=doc_parties, programmes=tuple(unlinked if not linked else programmes),
                          facts=tuple(value_facts), **doc_common)
            )
        elif unlinked:
            skipped.append(f"{doc.doc_id[:12]}: programmes {', '.join(sorted({r.name for r in unlinked}))} named "
                           "without a party of their own and without values; no record")
    elif doc_parties:
        value_facts, by_payee = _payees_apart(value_facts)
        for payee, payee_facts in by_payee:
            statements.append(Statement(group=f"payee {payee}", parties=(NameRef(payee, payee_facts[0].evidence),),
                                        programmes=(), facts=tuple(payee_facts), **doc_common))
        statements.append(
            Statement(group="document", parties=doc_parties, programmes=programmes, facts=tuple(value_facts), **doc_common)
        )
    elif value_facts:
        skipped.append(f"{doc.doc_id[:12]}: no party named outside tables; {len(value_facts)} facts left out")
    return statements, skipped


def _payees_apart(facts: list[Fact]) -> tuple[list[Fact], list[tuple[str, list[Fact]]]]:
    """When the text names the municipality's money for two or more partners apart ("Kommunens bidrag
    till Föreningen A är 200 000 kronor. Kommunens bidrag till Föreningen B är 450 000 kronor"), each
    partner's share and the municipality's to it are that partnership's, not one partnership's
    conflicting values. Returns the facts left and each payee's facts; with fewer than two payees,
    all the facts and none."""
    payees = sorted({f.attrs["payee"] for f in facts if f.kind == "amount" and f.attrs.get("payee")})
    if len(payees) < 2:
        return facts, []

    def own(f: Fact) -> str | None:
        """The payee a fact belongs to: its own, or the party of a partner's share."""
        name = f.attrs.get("payee") or (f.attrs.get("party") if f.role == "partner_share" else None)
        return name if f.kind == "amount" and name in payees else None
    return [f for f in facts if own(f) is None], [(p, [f for f in facts if own(f) == p]) for p in payees]


def _nearest_party(programme: Fact, parties: list[Fact]) -> str | None:
    """Return the non-municipal party named nearest a programme in reading order (same page,
    within `PROGRAMME_PARTY_MAX_LINES` lines), or None.

    "... med Studieförbundet Bilda Sydöst om samarbete kring kompletterande språkträning för
    föräldralediga och Stadsmissionen om verksamheten Unga forum" links each programme to its
    own party. Parties the extractor marks municipal (attrs `municipal`) are never owners.
    """
    pe = programme.evidence
    if pe.line is None:
        return None

    def distance(ev: Evidence) -> float:
        dx = abs((ev.bbox.x0 if ev.bbox else 0.0) - (pe.bbox.x0 if pe.bbox else 0.0))
        return abs((ev.line or 0) - pe.line) * 1000.0 + dx  # type: ignore[operator]

    near = [
        f for f in parties
        if f.evidence.page == pe.page and f.evidence.line is not None
        and abs(f.evidence.line - pe.line) <= PROGRAMME_PARTY_MAX_LINES
        and str(f.attrs.get("municipal", "")).lower() != "true"
    ]
    if not near:
        return None
    return _fact_name(min(near, key=lambda f: (distance(f.evidence), f.evidence.line or 0)))


def statement_period(st: Statement) -> Period | None:
    """Return what a statement's values are about: stated validity, table year, document date."""
    if st.valid_from or st.valid_to:
        start = _iso_start(st.valid_from or st.valid_to or "")
        end = _iso_end(st.valid_to or st.valid_from or "")
        return Period(start=start, end=end, source="validity")
    if st.table_year is not None:
        return Period(start=f"{st.table_year}-01-01", end=f"{st.table_year}-12-31", source="table_year")
    if st.document_date:
        year = _year_of(st.document_date)
        if year is not None:
            return Period(start=f"{year}-01-01", end=f"{year}-12-31", source="document_date")
    return None


def _iso_start(value: str) -> str:
    parts = value.split("-")
    return "-".join(parts + ["01"] * (3 - len(parts)))


def _iso_end(value: str) -> str:
    parts = value.split("-")
    if len(parts) == 1:
        return f"{parts[0]}-12-31"
    if len(parts) == 2:
        last = calendar.monthrange(int(parts[0]), int(parts[1]))[1]
        return f"{parts[0]}-{parts[1]}-{last:02d}"
    return value


def _is_approx(fact: Fact, markers: tuple[str, ...]) -> bool:
    if str(fact.attrs.get("approx", "")).lower() in ("true", "1", "yes"):
        return True
    words = re.findall(r"[\w.]+", fact.text.lower())
    return any(w in markers for w in words)


def _sek(fact: Fact) -> int | None:
    if isinstance(fact.value, bool) or fact.unit == "unknown":
        return None
    if isinstance(fact.value, int):
        return fact.value
    if isinstance(fact.value, float) and fact.value.is_integer():
        return int(fact.value)
    return None


def make_record(
    st: Statement,
    *,
    parties: tuple[PartyRef, ...],
    programme: str | None,
    key: str,
    paper_id: str,
    version_role: str,
    qualify: dict[str, str],
    approx_markers: tuple[str, ...] = (),
) -> Record:
    """Build the Record of one statement.

    Args:
        st: the statement.
        parties: resolved parties (municipal ones included, flagged).
        programme: canonical programme name, or None.
        key: the partnership key.
        paper_id: doc_id of the primary version of the paper.
        version_role: "primary", "version" or "partial_version".
        qualify: raw party name (from fact attrs) -> canonical name, for value qualifiers.
        approx_markers: words that make a value approximate ("ca", "cirka").
    """
    buckets: dict[str, dict[str, list[StatedValue]]] = {"amount": {}, "percentage": {}, "participants": {}, "date": {}}
    ordered = sorted(st.facts, key=lambda f: (f.evidence.page, f.evidence.line or 0, (f.evidence.bbox or (0, 0, 0, 0))[0]))
    for f in ordered:
        if f.kind not in buckets:
            continue
        raw_party = f.attrs.get("party") or f.attrs.get("payer")
        qualifier = qualify.get(raw_party) if raw_party else None
        role = f.role or "other"
        if f.kind == "amount":
            sek = _sek(f)
            if sek is None:
                log.debug("%s p%s: amount %r is not integer SEK; left out", st.doc_id[:12], f.evidence.page, f.value)
                continue
            value = StatedValue(value=sek, sek=sek, period=f.period, qualifier=qualifier, year=f.attrs.get("stated_year"),
                                evidence=f.evidence)
        elif f.kind == "percentage":
            if not isinstance(f.value, (int, float)):
                continue
            value = StatedValue(
                value=float(f.value), period=f.period, qualifier=qualifier, approx=_is_approx(f, approx_markers), evidence=f.evidence
            )
        elif f.kind == "participants":
            if not isinstance(f.value, (int, float)):
                continue
            value = StatedValue(value=int(f.value), qualifier=qualifier, evidence=f.evidence)
        else:
            if not isinstance(f.value, str):
                continue
            value = StatedValue(value=f.value, qualifier=qualifier, evidence=f.evidence)
        buckets[f.kind].setdefault(role, []).append(value)
    frozen = {k: {r: tuple(vs) for r, vs in sorted(d.items())} for k, d in buckets.items()}
    return Record(
        doc_id=st.doc_id,
        source=st.source,
        paper_id=paper_id,
        version_role=version_role,  # type: ignore[arg-type]
        partnership_key=key,
        programme=programme,
        parties=parties,
        committee=st.committee,
        document_date=st.document_date,
        valid_from=st.valid_from,
        valid_to=st.valid_to,
        period=statement_period(st),
        amounts=frozen["amount"],
        percentages=frozen["percentage"],
        participants=frozen["participants"],
        dates=frozen["date"],
    )


RECORD_COLUMNS = [
    "doc_id", "source", "paper_id", "version_role", "partnership_key", "programme", "parties",
    "committee", "document_date", "valid_from", "valid_to", "period_start", "period_end",
    "period_source", "kind", "role", "qualifier", "value_sek", "value_number", "value_text",
    "amount_period", "page", "x0", "top", "x1", "bottom", "text_as_scanned", "text_repaired",
    "confidence", "repaired", "low_confidence",
]


_NUMBER_COLUMNS = {"value_sek": "Int64", "page": "Int64", "x0": "float64", "top": "float64", "x1": "float64",
                   "bottom": "float64", "confidence": "float64", "value_number": "float64"}
_BOOLEAN_COLUMNS = ("repaired", "low_confidence")
"""The record columns' types but text: every frame of one output has the same (records.parquet is written a frame
at a time, in the first frame's schema)."""

RECORDS_PER_FRAME = 250
"""Records turned into one frame at a time when an output is written (see `records_frames`)."""


def records_frames(records: Iterable[Record]) -> Iterator[pd.DataFrame]:
    """The long-form frame of `records` (see `records_frame`), RECORDS_PER_FRAME records at a time
    and at least one frame: a large store's records as one frame, built once per output, were the
    batch stage's peak memory while it wrote them. The frames are built on Arrow's system allocator
    (`_arrow_gives_memory_back`)."""
    _arrow_gives_memory_back()
    chunk: list[Record] = []
    empty = True
    for r in records:
        chunk.append(r)
        if len(chunk) == RECORDS_PER_FRAME:
            yield records_frame(chunk)
            chunk, empty = [], False
    if chunk or empty:
        yield records_frame(chunk)


def _arrow_gives_memory_back() -> None:
    """Make the process's Arrow allocations (pandas keeps text in Arrow arrays; records.parquet is
    written through Arrow tables) use the system allocator. Arrow's default, mimalloc, kept what
    each dropped frame had used, so the batch stage's memory grew with the store while it wrote
    its outputs: records.parquet of 4 000 generated papers' records +66 MB, +24 MB so."""
    import pyarrow as pa

    if pa.default_memory_pool().backend_name != "system":
        pa.set_memory_pool(pa.system_memory_pool())


def records_frame(records: list[Record]) -> pd.DataFrame:
    """Return the records in long form: one row per stated value (one row for a record with none)."""
    import pandas as pd

    rows: list[dict[str, object]] = []
    for r in records:
        base = {
            "doc_id": r.doc_id,
            "source": r.source,
            "paper_id": r.paper_id,
            "version_role": r.version_role,
            "partnership_key": r.partnership_key,
            "programme": r.programme,
            "parties": "; ".join(f"{p.canonical} ({p.org_number})" if p.org_number else p.canonical for p in r.parties),
            "committee": r.committee,
            "document_date": r.document_date,
            "valid_from": r.valid_from,
            "valid_to": r.valid_to,
            "period_start": r.period.start if r.period else None,
            "period_end": r.period.end if r.period else None,
            "period_source": r.period.source if r.period else None,
        }
        n = 0
        for kind, table in (("amount", r.amounts), ("percentage", r.percentages), ("participants", r.participants), ("date", r.dates)):
            for role, values in table.items():
                for v in values:
                    n += 1
                    ev = v.evidence
                    bbox = ev.bbox or (None, None, None, None)
                    rows.append(
                        base
                        | {
                            "kind": kind,
                            "role": role,
                            "qualifier": v.qualifier,
                            "value_sek": v.sek,
                            "value_number": float(v.value) if isinstance(v.value, (int, float)) else None,
                            "value_text": v.value if isinstance(v.value, str) else None,
                            "amount_period": v.period,
                            "page": ev.page,
                            "x0": bbox[0],
                            "top": bbox[1],
                            "x1": bbox[2],
                            "bottom": bbox[3],
                            "text_as_scanned": ev.text_as_scanned,
                            "text_repaired": ev.text_repaired,
                            "confidence": ev.confidence,
                            "repaired": ev.repaired,
                            "low_confidence": ev.low_confidence,
                        }
                    )
        if n == 0:
            rows.append(base)
    frame = pd.DataFrame(rows, columns=RECORD_COLUMNS)
    for col, dtype in _NUMBER_COLUMNS.items():
        frame[col] = frame[col].astype(dtype)
    for col in _BOOLEAN_COLUMNS:
        frame[col] = frame[col].astype("boolean")
    for col in RECORD_COLUMNS:  # every other column is text, also when a frame's values are all missing (NaN)
        if col not in _NUMBER_COLUMNS and col not in _BOOLEAN_COLUMNS:
            frame[col] = frame[col].astype("string")
    return frame
