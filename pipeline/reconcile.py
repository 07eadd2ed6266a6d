"""The batch stage: versions of one paper, entity resolution, partnerships and every check.

`reconcile_documents(docs, rules)` is pure: documents and rules in, records and findings out.
`reconcile_folder(out_dir, rules)` reads `out_dir/documents/*.json`, calls it, and writes
records.jsonl, records.parquet, discrepancies.json, report.html and report.xlsx.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections import Counter
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

from pydantic import BaseModel, ValidationError
from rapidfuzz import fuzz, process

from pipeline.model import (
    BBox,
    Discrepancy,
    DiscrepancyReport,
    Document,
    Evidence,
    FindingValue,
    PaperVersions,
    PartyRef,
    Period,
    Record,
)
from pipeline.records import NameRef, Statement, make_record, normalize_name, statements_of
from pipeline.rules import ChecksRules, EntitiesRules, Rules, VersionsCheck

log = logging.getLogger(__name__)

AMBIGUOUS = "?"
"""Programme part of the key of a statement that could belong to several partnerships."""

PROGRAMME_MIN_RATIO = 85
PROGRAMME_MIN_PARTIAL = 95
PROGRAMME_MIN_LEN_PARTIAL = 6
"""Programme names of one party set merge at this ratio, or when one (at least this long)
stands inside the other ("Bromodellen" / "Bromodellen - Vägen till anställningsbarhet")."""

SHAKY_LISTED = 4
"""How many repaired or low-confidence readings a finding's explanation names (the rest are counted)."""

_PASS_KINDS = {"agreement", "sum_matches", "share_matches", "policy_within"}
_NOTE_KINDS = {"name_variant", "ambiguous_partnership", "paper_versions"}


# --------------------------------------------------------------------------- result types


@dataclass(frozen=True)
class ReconcileResult:
    """What the batch stage produced: records, the findings report, and the documents read."""

    records: tuple[Record, ...]
    report: DiscrepancyReport
    documents: tuple[Document, ...]


@dataclass(frozen=True)
class Claim:
    """One value one version of a paper states for one field of one partnership."""

    paper_id: str
    doc_id: str
    key: str
    field: str
    qualifier: str | None
    ordinal: int
    value: int | float | str
    evidence: Evidence
    period: Period | None
    unit: str | None  # "year", "total" or None (unknown) for amounts
    approx: bool = False


# --------------------------------------------------------------------------- reading


def load_documents(out_dir: Path) -> tuple[list[Document], list[str]]:
    """Read every `out_dir/documents/*.json`; a file that does not validate is skipped with a reason."""
    docs: list[Document] = []
    skipped: list[str] = []
    for path in sorted((out_dir / "documents").glob("*.json")):
        try:
            docs.append(Document.model_validate_json(path.read_text(encoding="utf-8")))
        except (ValidationError, ValueError, OSError) as err:
            reason = f"{path.name}: not a valid Document ({type(err).__name__}); left out"
            log.warning(reason)
            skipped.append(reason)
    return docs, skipped


# --------------------------------------------------------------------------- versions


def _flat_text(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _quality(doc: Document) -> tuple[float, float, str]:
    """Sort key: text layers before damaged layers before OCR, then higher confidence, then id."""
    kind_rank = {"text": 0.0, "damaged_text": 1.0, "ocr": 2.0}
    pages = doc.pages or ()
    rank = sum(kind_rank.get(p.kind, 3.0) for p in pages) / max(len(pages), 1)
    words = [w.confidence for p in pages for w in p.words]
    conf = sum(words) / len(words) if words else 0.0
    return (rank, -conf, doc.doc_id)


def group_versions(docs: list[Document], rule: VersionsCheck) -> list[PaperVersions]:
    """Group inputs that are versions of one paper.

    Two inputs are full versions when the rapidfuzz token_sort_ratio of their repaired texts
    reaches `rule.min_similarity` (token order tolerates the different reading order of tables
    in a text layer and in OCR). An input with fewer pages is a partial version of a paper when
    each of its pages reaches `rule.min_page_similarity` against some page of that paper.

    Returns:
        Papers sorted by primary doc_id; the primary (best text source) first in `versions`.
    """
    texts = {d.doc_id: _flat_text(d.text()) for d in docs}
    page_texts = {d.doc_id: [_flat_text(t) for t in d.text().split("\f")] for d in docs}
    ids = sorted(texts)
    parent = {i: i for i in ids}
    sim: dict[tuple[str, str], float] = {}

    def find(i: str) -> str:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in combinations(ids, 2):
        ta, tb = texts[a], texts[b]
        if not ta or not tb:
            continue
        if min(len(ta), len(tb)) / max(len(ta), len(tb)) < rule.min_similarity / 100 - 0.05:
            continue
        score = fuzz.token_sort_ratio(ta, tb, score_cutoff=rule.min_similarity)
        if score:
            sim[(a, b)] = sim[(b, a)] = round(score, 1)
            parent[find(a)] = find(b)

    groups: dict[str, list[str]] = {}
    for i in ids:
        groups.setdefault(find(i), []).append(i)
    by_id = {d.doc_id: d for d in docs}
    # partial versions: a group of one, with fewer pages than some other paper
    partial_of: dict[str, tuple[str, float]] = {}
    singles = [g[0] for g in groups.values() if len(g) == 1 and texts[g[0]]]
    for s in singles:
        s_pages = [t for t in page_texts[s] if t]
        if not s_pages:
            continue
        best: tuple[float, str] | None = None
        for other in ids:
            if other == s or find(other) == s or len(page_texts[other]) <= len(s_pages):
                continue
            scores = []
            for sp in s_pages:
                scores.append(max((fuzz.token_sort_ratio(sp, op) for op in page_texts[other] if op), default=0.0))
            worst = min(scores)
            if worst >= rule.min_page_similarity and (best is None or (worst, other) > best):
                best = (worst, other)
        if best is not None:
            partial_of[s] = (best[1], round(best[0], 1))

    papers: list[PaperVersions] = []
    for members in groups.values():
        if len(members) == 1 and members[0] in partial_of:
            continue
        ordered = sorted(members, key=lambda i: _quality(by_id[i]))
        primary = ordered[0]
        partial = sorted((s for s, (o, _) in partial_of.items() if find(o) == find(primary)), key=lambda i: _quality(by_id[i]))
        similarity = {i: sim.get((primary, i), 100.0) if i != primary else 100.0 for i in ordered}
        similarity |= {s: partial_of[s][1] for s in partial}
        papers.append(PaperVersions(paper_id=primary, versions=tuple(ordered), partial=tuple(partial), similarity=similarity))
    return sorted(papers, key=lambda p: p.paper_id)


# --------------------------------------------------------------------------- entities


@dataclass(frozen=True)
class _Entity:
    canonical: str
    org_number: str | None
    municipal: bool


def _entity_index(rules: EntitiesRules) -> list[tuple[str, _Entity, bool]]:
    index: list[tuple[str, _Entity, bool]] = []
    for municipal, orgs in ((True, rules.municipal), (False, rules.organisations)):
        for org in orgs:
            ent = _Entity(org.canonical, org.org_number, municipal)
            index.append((normalize_name(org.canonical), ent, True))
            index.extend((normalize_name(a), ent, False) for a in org.aliases)
    return index


def resolve_names(names: list[str], rules: EntitiesRules) -> dict[str, tuple[PartyRef, ...]]:
    """Resolve every name to its organisation(s), deterministically (names are taken sorted).

    A name equal (after `normalize_name`, possessive -s allowed) to a canonical name or alias
    resolves to it; else one within `fuzzy_min_score` (rapidfuzz ratio) does, as a `fuzzy`
    match; else a name joining known parties with a conjunction ("Erikshjälpen och Bilda")
    splits into them; else it becomes a new organisation, which later names may match fuzzily.
    """
    index = _entity_index(rules)
    norms = [n for n, _, _ in index]
    out: dict[str, tuple[PartyRef, ...]] = {}

    def one(name: str) -> PartyRef | None:
        n = normalize_name(name)
        if not n:
            return None
        for cand in (n, n[:-1] if n.endswith("s") else None):
            if cand is None:
                continue
            for norm, ent, is_canonical in index:
                if norm == cand:
                    return PartyRef(
                        name=name, canonical=ent.canonical, org_number=ent.org_number, municipal=ent.municipal,
                        match="canonical" if is_canonical else "alias",
                    )
        first = n.split(" ")[0]
        for _, score, pos in process.extract(n, norms, scorer=fuzz.ratio, score_cutoff=rules.fuzzy_min_score, limit=5):
            if fuzz.ratio(first, norms[pos].split(" ")[0]) < rules.fuzzy_min_first_word_score:
                continue
            ent = index[pos][1]
            return PartyRef(
                name=name, canonical=ent.canonical, org_number=ent.org_number, municipal=ent.municipal,
                match="fuzzy", score=round(score, 1),
            )
        return None

    for name in sorted(set(names)):
        ref = one(name)
        if ref is not None:
            out[name] = (ref,)
            continue
        parts = [name]
        for conj in rules.conjunctions:
            parts = [q for p in parts for q in p.split(conj)]
        parts = [p.strip() for p in parts if p.strip()]
        if len(parts) > 1:
            refs = [one(p) for p in parts]
            if all(r is not None for r in refs):
                out[name] = tuple(r for r in refs if r is not None)
                continue
        clean = re.sub(r"(\w)-\s+(\w)", r"\1\2", re.sub(r"\s+", " ", name)).strip()
        public = normalize_name(name).endswith(tuple(normalize_name(x) for x in rules.municipal_suffixes))
        index.append((normalize_name(name), _Entity(clean, None, public), True))
        norms.append(normalize_name(name))
        out[name] = (PartyRef(name=name, canonical=clean, municipal=public, match="new"),)
    return out


# --------------------------------------------------------------------------- findings


def _fmt_value(field: str, value: int | float | str) -> str:
    if isinstance(value, str):
        return value
    if field.startswith("amount"):
        return f"{int(value):,}".replace(",", " ") + " kr"
    if field.startswith("percentage"):
        return f"{value:g} %"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _fv(c: Claim, label: str | None = None) -> FindingValue:
    return FindingValue(doc_id=c.doc_id, value=c.value, label=label or c.field.split(":", 1)[1] + (f" ({c.qualifier})" if c.qualifier else ""), evidence=c.evidence)


def make_finding(
    kind: str,
    check: str,
    severity: str,
    key: str,
    field: str | None,
    values: list[FindingValue],
    explanation: str,
    details: dict | None = None,
    outcome: str | None = None,
) -> Discrepancy:
    """Build a finding whose id is the sha256 of its kind, key, field and values (stable across runs)."""
    basis = json.dumps(
        [kind, key, field, sorted([v.doc_id, str(v.value), v.label or ""] for v in values)],
        ensure_ascii=False,
        sort_keys=True,
    )
    shaky = [v for v in values if v.evidence is not None and (v.evidence.repaired or v.evidence.low_confidence)]
    if shaky:
        explanation += " Rests on a repaired or low-confidence reading: " + "; ".join(
            (f"“{v.evidence.text_as_scanned}” repaired to “{v.evidence.text_repaired}”" if v.evidence.repaired
             else f"“{v.evidence.text_repaired}” read with low confidence ({v.evidence.confidence:.2f})")
            + f" ({v.doc_id[:12]} p. {v.evidence.page})"
            for v in shaky[:SHAKY_LISTED]
            if v.evidence is not None
        ) + (f"; and {len(shaky) - SHAKY_LISTED} more" if len(shaky) > SHAKY_LISTED else "") + "."
    if outcome is None:
        outcome = "pass" if kind in _PASS_KINDS else "note" if kind in _NOTE_KINDS else "fail"
    return Discrepancy(
        id=hashlib.sha256(basis.encode()).hexdigest()[:16],
        kind=kind,  # type: ignore[arg-type]
        check=check,
        severity=severity,  # type: ignore[arg-type]
        outcome=outcome,  # type: ignore[arg-type]
        key=key,
        field=field,
        values=tuple(values),
        explanation=explanation,
        details=details or {},
        rests_on_repaired=bool(shaky),
    )


def _period_label(p: Period | None) -> str:
    if p is None:
        return "period unknown"
    if p.source == "validity":
        return f"{p.start}–{p.end} (stated validity)"
    return f"{p.start[:4]} ({'table year' if p.source == 'table_year' else 'document date'})"


def _overlap(a: Period | None, b: Period | None) -> bool | None:
    if a is None or b is None:
        return None
    return a.start <= b.end and b.start <= a.end


def _dates_equal(a: str, b: str) -> bool:
    n = min(len(a), len(b))
    return a[:n] == b[:n]


# --------------------------------------------------------------------------- partnerships


@dataclass
class _Assigned:
    statement: Statement
    parties: tuple[PartyRef, ...]
    partners: tuple[str, ...]
    programme: str | None
    key: str
    ambiguous_reason: str | None = None


def _key(partners: tuple[str, ...], programme: str | None) -> str:
    return " + ".join(partners) + " | " + (programme if programme is not None else "-")


def _programme_clusters(names: list[str]) -> dict[str, str]:
    """Map each programme name of one party set to its cluster's name (the shortest spelling)."""
    reps: list[tuple[str, str]] = []  # (normalized, display)
    out: dict[str, str] = {}
    for name in sorted(set(names), key=lambda s: (len(normalize_name(s)), s)):
        n = normalize_name(name)
        display = re.sub(r"(\w)-\s+(\w)", r"\1\2", re.sub(r"\s+", " ", name)).strip()
        for rn, rd in reps:
            if fuzz.ratio(n, rn) >= PROGRAMME_MIN_RATIO or (
                min(len(n), len(rn)) >= PROGRAMME_MIN_LEN_PARTIAL and fuzz.partial_ratio(rn, n) >= PROGRAMME_MIN_PARTIAL
            ):
                out[name] = rd
                break
        else:
            reps.append((n, display))
            out[name] = display
    return out


def assign_partnerships(
    statements: list[Statement],
    resolved: dict[str, tuple[PartyRef, ...]],
    passing_share: float = 0.0,
    paper_of: dict[str, str] | None = None,
    programme_sections: tuple[str, ...] = (),
) -> tuple[list[_Assigned], list[str]]:
    """Give each statement its partnership key; a statement without programme joins its party
    set's only partnership, or is marked ambiguous when the set has several.

    Args:
        statements: all statements of the batch.
        resolved: name -> organisations.
        passing_share: a party named fewer times than this share of the most-named party's
            mentions, and paying nothing, is a mention in passing and left out of the key.
        paper_of: doc_id -> paper id; a statement naming several programmes keeps the one that
            other papers name for the same parties.
        programme_sections: sections whose programme wins when a statement names several.
    """
    paper_of = paper_of or {}
    skipped: list[str] = []
    prelim: list[tuple[Statement, tuple[PartyRef, ...], tuple[str, ...]]] = []
    for st in statements:
        refs: dict[str, PartyRef] = {}
        mentions: Counter[str] = Counter()
        for n in st.parties:
            for r in resolved.get(n.name, ()):
                refs.setdefault(r.canonical, r)
                mentions[r.canonical] += 1
        payers = {r.canonical for f in st.facts for k in ("party", "payer") if f.attrs.get(k) for r in resolved.get(f.attrs[k], ())}
        top = max((mentions[c] for c, r in refs.items() if not r.municipal), default=0)
        for c, r in list(refs.items()):
            if not r.municipal and c not in payers and mentions[c] < passing_share * top:
                skipped.append(f"{st.doc_id[:12]} {st.group}: {c} named {mentions[c]} time(s) against {top}: a mention in passing, not a party")
                del refs[c]
        partners = tuple(sorted(c for c, r in refs.items() if not r.municipal))
        if not partners:
            skipped.append(f"{st.doc_id[:12]} {st.group}: names only municipal bodies; no partnership")
            continue
        prelim.append((st, tuple(sorted(refs.values(), key=lambda r: (r.municipal, r.canonical))), partners))
    by_set: dict[tuple[str, ...], list[str]] = {}
    for st, _, partners in prelim:
        by_set.setdefault(partners, []).extend(p.name for p in st.programmes)
    clusters = {s: _programme_clusters(names) for s, names in by_set.items()}
    named_by: dict[tuple[tuple[str, ...], str], set[str]] = {}
    for st, _, partners in prelim:
        for p in st.programmes:
            named_by.setdefault((partners, clusters[partners][p.name]), set()).add(paper_of.get(st.doc_id, st.doc_id))
    chosen: list[list[str]] = []
    for st, parties, partners in prelim:
        progs = sorted({clusters[partners][p.name] for p in st.programmes})
        if len(progs) > 1:
            # several programmes in one statement: the one the title or decision names, else
            # the one other papers name for the same parties
            headline = sorted({clusters[partners][p.name] for p in st.programmes if p.section in programme_sections})
            if len(headline) == 1:
                skipped.append(f"{st.doc_id[:12]} {st.group}: names programmes {', '.join(progs)}; "
                               f"{headline[0]} is the one its {', '.join(programme_sections)} name")
                progs = headline
        if len(progs) > 1:
            own = paper_of.get(st.doc_id, st.doc_id)
            backed = [p for p in progs if named_by.get((partners, p), set()) - {own}]
            if len(backed) == 1:
                skipped.append(f"{st.doc_id[:12]} {st.group}: names programmes {', '.join(progs)}; "
                               f"{backed[0]} is the one other papers name for {' + '.join(partners)}")
                progs = backed
        chosen.append(progs)
    # the partnerships of a party set: the programmes statements were assigned to
    known_of: dict[tuple[str, ...], set[str]] = {}
    for (st, _, partners), progs in zip(prelim, chosen):
        if len(progs) == 1:
            known_of.setdefault(partners, set()).add(progs[0])
    out: list[_Assigned] = []
    for (st, parties, partners), progs in zip(prelim, chosen):
        known = sorted(known_of.get(partners, set()))
        if len(progs) == 1:
            out.append(_Assigned(st, parties, partners, progs[0], _key(partners, progs[0])))
        elif len(progs) > 1:
            out.append(_Assigned(st, parties, partners, None, _key(partners, AMBIGUOUS),
                                 f"names several programmes ({', '.join(progs)})"))
        elif len(known) == 1:
            out.append(_Assigned(st, parties, partners, known[0], _key(partners, known[0])))
        elif not known:
            out.append(_Assigned(st, parties, partners, None, _key(partners, None)))
        else:
            out.append(_Assigned(st, parties, partners, None, _key(partners, AMBIGUOUS),
                                 f"names no programme, and {' + '.join(partners)} has several partnerships ({', '.join(known)})"))
    return out, skipped


# --------------------------------------------------------------------------- claims


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


def claims_of(record: Record, municipal: set[str], partners: tuple[str, ...], checks: ChecksRules) -> list[Claim]:
    """Flatten a record into claims, with roles made canonical by the party a value belongs to."""
    date_group = {role: group for group, roles in checks.date_fields.items() for role in roles}
    out: list[Claim] = []
    counters: Counter[tuple[str, str | None]] = Counter()

    def add(fieldname: str, q: str | None, value, ev, unit=None, approx=False):
        ordinal = counters[(fieldname, q)]
        counters[(fieldname, q)] += 1
        out.append(Claim(record.paper_id, record.doc_id, record.partnership_key, fieldname, q, ordinal, value, ev, record.period, unit, approx))

    for kind, table in (("amount", record.amounts), ("percentage", record.percentages)):
        for role, values in table.items():
            for v in values:
                q, r = v.qualifier, role
                if role in ("other", "partner_share", "municipal_share") and q in municipal:
                    r = "municipal_share"
                elif role == "other" and q is not None:
                    r = "partner_share"
                if r == "partner_share" and q is None and len(partners) == 1:
                    q = partners[0]
                if r != "partner_share":
                    q = None
                if kind == "amount":
                    unit, factor = _unit(v.period)
                    add(f"amount:{r}", q, int(v.value) * factor, v.evidence, unit)
                else:
                    add(f"percentage:{r}", q, v.value, v.evidence, None, v.approx)
    for role, values in record.participants.items():
        for v in values:
            add(f"participants:{role}", None, v.value, v.evidence)
    for role, values in record.dates.items():
        for v in values:
            add(f"date:{date_group.get(role, role)}", None, v.value, v.evidence)
    return out


def _near(a: Claim, b: Claim, tol: float) -> float | None:
    """Distance of two claims on the page (PDF points), or None if they cannot be the same statement."""
    if a.evidence.bbox is None or b.evidence.bbox is None:
        return 0.0 if a.ordinal == b.ordinal else None
    if a.evidence.page != b.evidence.page:
        return None
    dy = abs(a.evidence.bbox.top - b.evidence.bbox.top)
    dx = abs(a.evidence.bbox.x0 - b.evidence.bbox.x0)
    if dy > tol:
        return None
    if dx <= 4 * tol:
        return dy + dx / 4
    # The same value on the same row: a scan may split the row into cells differently.
    return dy + tol if a.value == b.value else None


def consolidate(
    claims: list[Claim], papers: list[PaperVersions], checks: ChecksRules
) -> tuple[list[Claim], list[Discrepancy], list[str]]:
    """Reduce each paper's versions to one claim per statement.

    Claims of one field in different versions are the same statement when they stand at the
    same place on the same page (within `align_tolerance_pt`; plain text: same ordinal), or
    read the same value on the same row.
    Versions that read it differently are an `ocr_disagreement` (majority wins, ties go to the
    best source). A value that only one version, not the primary, reads is left out, with a note.
    """
    tol = checks.ocr_disagreement.align_tolerance_pt
    order = {d: i for p in papers for i, d in enumerate(p.versions + p.partial)}
    primary = {p.paper_id for p in papers}
    groups: dict[tuple, list[Claim]] = {}
    for c in claims:
        groups.setdefault((c.paper_id, c.key, c.field, c.qualifier), []).append(c)
    out: list[Claim] = []
    findings: list[Discrepancy] = []
    notes: list[str] = []
    for gkey in sorted(groups, key=lambda k: tuple(str(x) for x in k)):
        clusters: list[list[Claim]] = []
        for c in sorted(groups[gkey], key=lambda c: (order.get(c.doc_id, 99), c.ordinal)):
            best: tuple[float, int] | None = None
            for i, cl in enumerate(clusters):
                if any(x.doc_id == c.doc_id for x in cl):
                    continue
                d = _near(cl[0], c, tol)
                if d is not None and (best is None or d < best[0]):
                    best = (d, i)
            if best is None:
                clusters.append([c])
            else:
                clusters[best[1]].append(c)
        kept_values = set()
        multi = any(len(p.versions) + len(p.partial) > 1 for p in papers if p.paper_id == gkey[0])
        for cl in clusters:
            if len(cl) == 1 and cl[0].doc_id not in primary and multi:
                continue  # a value only one non-primary version reads (noted below)
            counts = Counter(str(c.value) for c in cl)
            top = max(counts.values())
            chosen = next(c for c in cl if counts[str(c.value)] == top)
            out.append(chosen)
            kept_values.add(str(chosen.value))
            if len(counts) > 1:
                paper_id, key, fieldname, _ = gkey
                explanation = (
                    f"Versions of one paper read {fieldname.split(':', 1)[1]} differently: "
                    + "; ".join(f"{_fmt_value(fieldname, c.value)} in {c.doc_id[:12]} (p. {c.evidence.page}, read “{c.evidence.text_as_scanned}”)" for c in cl)
                    + f". Taken as {_fmt_value(fieldname, chosen.value)} (majority, then best source)."
                )
                findings.append(make_finding("ocr_disagreement", "ocr_disagreement", checks.ocr_disagreement.severity, key, fieldname,
                                             [_fv(c) for c in cl], explanation, {"paper_id": paper_id, "chosen": str(chosen.value)}))
        for cl in clusters:
            c = cl[0]
            if len(cl) == 1 and c.doc_id not in primary and multi and str(c.value) not in kept_values:
                notes.append(f"{c.doc_id[:12]} p{c.evidence.page}: only this version reads {c.field} = {c.value} here; not confirmed, left out")
    return out, findings, notes


# --------------------------------------------------------------------------- checks


def check_cross_paper(claims: list[Claim], checks: ChecksRules, lines: dict[tuple[str, int, int], str] | None = None) -> list[Discrepancy]:
    """Compare every pair of statements of one field of one partnership from two papers.

    Args:
        claims: consolidated claims (one per paper and field).
        checks: the rules.
        lines: (doc_id, page, line) -> repaired text of the line, to find stated indexations.
    """
    rule = checks.cross_paper
    groups: dict[tuple[str, str, str | None], list[Claim]] = {}
    for c in claims:
        if c.field in rule.fields and not c.key.endswith("| " + AMBIGUOUS):
            groups.setdefault((c.key, c.field, c.qualifier), []).append(c)
    indexation = _indexation_rates(claims, rule.indexation_patterns, lines or {})
    findings: list[Discrepancy] = []
    for (key, fieldname, q), cs in sorted(groups.items(), key=lambda kv: tuple(str(x) for x in kv[0])):
        seen: dict[tuple[str, str], Claim] = {}
        for c in cs:
            seen.setdefault((c.paper_id, str(c.value)), c)
        distinct = sorted(seen.values(), key=lambda c: (c.paper_id, c.ordinal))
        for a, b in combinations(distinct, 2):
            if a.paper_id == b.paper_id:
                continue
            if a.unit and b.unit and a.unit != b.unit:
                log.debug("%s %s: %s vs %s amounts not comparable", key, fieldname, a.unit, b.unit)
                continue
            findings.append(_compare(key, fieldname, q, a, b, checks, indexation.get(key)))
    return findings


def _indexation_rates(claims: list[Claim], patterns: tuple[str, ...], lines: dict[tuple[str, int, int], str]) -> dict[str, tuple[float, Claim]]:
    rx = re.compile("|".join(patterns), re.IGNORECASE) if patterns else None
    out: dict[str, tuple[float, Claim]] = {}
    for c in sorted(claims, key=lambda c: (c.key, c.paper_id, c.ordinal)):
        context = lines.get((c.doc_id, c.evidence.page, c.evidence.line or 0), "") + " " + c.evidence.text_repaired
        if rx and c.field.startswith("percentage") and isinstance(c.value, (int, float)) and rx.search(context):
            out.setdefault(c.key, (float(c.value), c))
    return out


def _compare(key, fieldname, q, a: Claim, b: Claim, checks: ChecksRules, indexation) -> Discrepancy:
    rule = checks.cross_paper
    label = fieldname.split(":", 1)[1] + (f" ({q})" if q else "")
    what = f"{label.replace('_', ' ')} of {key}"
    if fieldname.startswith("date"):
        equal = _dates_equal(str(a.value), str(b.value))
    elif fieldname.startswith("amount"):
        equal = abs(int(a.value) - int(b.value)) <= rule.amount_tolerance_sek
    else:
        equal = a.value == b.value
    if equal:
        values = [_fv(a, f"{label}, {_period_label(a.period)}"), _fv(b, f"{label}, {_period_label(b.period)}")]
        return make_finding("agreement", "cross_paper", "ok", key, fieldname, values,
                            f"Papers agree on the {what}: {_fmt_value(fieldname, a.value)}.")
    overlap = None if fieldname.startswith("date") else _overlap(a.period, b.period)
    if overlap is False:
        early, late = sorted((a, b), key=lambda c: c.period.start if c.period else "")
        values = [_fv(early, f"{label}, {_period_label(early.period)}"), _fv(late, f"{label}, {_period_label(late.period)}")]
        change = (float(late.value) - float(early.value)) / float(early.value) * 100 if float(early.value) else 0.0
        years = int(late.period.start[:4]) - int(early.period.start[:4])  # type: ignore[union-attr]
        details: dict = {"change_pct": round(change, 1), "years": years}
        text = (f"The {what} changed from {_fmt_value(fieldname, early.value)} ({_period_label(early.period)}) "
                f"to {_fmt_value(fieldname, late.value)} ({_period_label(late.period)}): {change:+.1f} %.")
        explained = False
        if indexation is not None and fieldname.startswith("amount"):
            rate, ic = indexation
            expected = ((1 + rate / 100) ** years - 1) * 100
            explained = abs(change - expected) <= rule.indexation_tolerance_pp
            details |= {"indexation_pct_per_year": rate, "expected_change_pct": round(expected, 1), "explained_by_indexation": explained}
            values.append(_fv(ic, "indexation per year"))
            text += (f" The stated indexation of {rate:g} % per year gives {expected:+.1f} % over {years} years: "
                     + ("it explains the change." if explained else "it does not explain the change."))
        else:
            details |= {"explained_by_indexation": False}
            text += " No stated indexation explains it."
        return make_finding("changed_between_periods", "cross_paper", rule.severity_changed, key, fieldname, values, text,
                            details, outcome="pass" if explained else "fail")
    values = [_fv(a, f"{label}, {_period_label(a.period)}"), _fv(b, f"{label}, {_period_label(b.period)}")]
    why = "the periods overlap" if overlap else "the periods are unknown" if not fieldname.startswith("date") else "a date does not change with the period"
    return make_finding("conflict", "cross_paper", rule.severity_conflict, key, fieldname, values,
                        f"Papers disagree on the {what}: {_fmt_value(fieldname, a.value)} vs {_fmt_value(fieldname, b.value)}, and {why}.")


def check_within_paper(claims: list[Claim], checks: ChecksRules) -> list[Discrepancy]:
    """One paper stating one fact (same field, party and period) with different values."""
    groups: dict[tuple, list[Claim]] = {}
    for c in claims:
        if c.field in checks.cross_paper.fields and not c.key.endswith("| " + AMBIGUOUS):
            groups.setdefault((c.paper_id, c.key, c.field, c.qualifier, c.unit, c.period), []).append(c)
    findings = []
    for gk, cs in sorted(groups.items(), key=lambda kv: tuple(str(x) for x in kv[0])):
        cs = sorted(cs, key=lambda c: c.ordinal)
        if cs[0].field.startswith("date"):
            differ = any(not _dates_equal(str(x.value), str(y.value)) for x, y in combinations(cs, 2))
        else:
            differ = len({str(c.value) for c in cs}) > 1
        if not differ:
            continue
        paper_id, key, fieldname = gk[0], gk[1], gk[2]
        label = fieldname.split(":", 1)[1].replace("_", " ")
        text = (f"Paper {paper_id[:12]} states the {label} of {key} differently: "
                + " vs ".join(f"{_fmt_value(fieldname, c.value)} (p. {c.evidence.page}: “{c.evidence.text_repaired}”)" for c in cs) + ".")
        findings.append(make_finding("within_paper_conflict", "within_paper", checks.within_paper.severity, key, fieldname,
                                     [_fv(c) for c in cs], text, {"paper_id": paper_id}))
    return findings


def _by_paper_key(claims: list[Claim]) -> dict[tuple[str, str], dict[tuple[str, str | None], list[Claim]]]:
    out: dict[tuple[str, str], dict[tuple[str, str | None], list[Claim]]] = {}
    for c in claims:
        out.setdefault((c.paper_id, c.key), {}).setdefault((c.field, c.qualifier), []).append(c)
    for d in out.values():
        for cs in d.values():
            cs.sort(key=lambda c: c.ordinal)
    return out


def _first_total(fields: dict, unit: str | None = None) -> Claim | None:
    for c in fields.get(("amount:total_value", None), []):
        if unit is None or c.unit is None or c.unit == unit:
            return c
    return None


def check_sums(claims: list[Claim], partners_of: dict[str, tuple[str, ...]], checks: ChecksRules) -> list[Discrepancy]:
    """Cost items add up to the total; every party's contribution adds up to the total."""
    findings = []
    for (paper_id, key), fields in sorted(_by_paper_key(claims).items()):
        items = fields.get(("amount:cost_item", None), [])
        total = _first_total(fields, items[0].unit if items else None)
        if len(items) >= 2 and total is not None:
            findings.append(_sum_finding("cost_items_sum", checks.cost_items_sum, key, "amount:cost_item", items, total, "cost items"))
        muni = fields.get(("amount:municipal_share", None), [])
        partners = partners_of.get(key, ())
        shares = [fields.get(("amount:partner_share", p), [None])[0] for p in partners]
        if muni and partners and all(s is not None for s in shares):
            parts = [muni[0]] + [s for s in shares if s is not None]
            total = _first_total(fields, muni[0].unit)
            if total is not None:
                findings.append(_sum_finding("contributions_sum", checks.contributions_sum, key, "amount:contributions", parts, total, "the parties' contributions"))
    return findings


def _sum_finding(check, rule, key, fieldname, parts: list[Claim], total: Claim, what: str) -> Discrepancy:
    s = sum(int(c.value) for c in parts)
    ok = abs(s - int(total.value)) <= rule.tolerance_sek
    values = [_fv(c) for c in parts] + [_fv(total, "total")]
    text = (f"In paper {total.paper_id[:12]}, {what} of {key} ("
            + " + ".join(_fmt_value("amount", c.value) for c in parts)
            + f") sum to {_fmt_value('amount', s)}; the stated total is {_fmt_value('amount', total.value)}"
            + ("." if ok else f": off by {_fmt_value('amount', s - int(total.value))}."))
    return make_finding("sum_matches" if ok else "sum_mismatch", check, "ok" if ok else rule.severity, key, fieldname, values, text,
                        {"sum": s, "total": int(total.value), "difference": s - int(total.value)})


def check_shares(claims: list[Claim], partners_of: dict[str, tuple[str, ...]], checks: ChecksRules) -> tuple[list[Discrepancy], list[str]]:
    """A stated percentage x the total equals the stated share (within the rounding 'ca' implies).

    A partnership with one partner whose share is stated only as a percentage is checked
    against total - municipal share.
    """
    rule = checks.share_percentage
    findings, skipped = [], []
    for (paper_id, key), fields in sorted(_by_paper_key(claims).items()):
        for (fieldname, q), pcts in sorted(fields.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
            if not fieldname.startswith("percentage:") or fieldname.split(":", 1)[1] not in ("municipal_share", "partner_share"):
                continue
            role = fieldname.split(":", 1)[1]
            shares = fields.get((f"amount:{role}", q), [])
            for pct in pcts:
                if float(pct.value) >= 100:
                    continue
                total = _first_total(fields, shares[0].unit if shares else None)
                muni = fields.get(("amount:municipal_share", None), [])
                derived = (not shares and role == "partner_share" and len(partners_of.get(key, ())) == 1
                           and bool(muni) and total is not None)
                if (not shares and not derived) or total is None or not int(total.value):
                    skipped.append(f"{pct.doc_id[:12]} p{pct.evidence.page}: {pct.value:g} % {role} of {key}: no stated amount or total to check it against")
                    continue
                if derived:
                    # the only partner stands for what the municipality does not
                    share_value = int(total.value) - int(muni[0].value)
                    share_values = [_fv(muni[0], "municipal share (partner's share = total - municipal share)")]
                else:
                    share_value = int(shares[0].value)
                    share_values = [_fv(shares[0])]
                actual = share_value / int(total.value) * 100
                tol = rule.tolerance_pp_approx if pct.approx else rule.tolerance_pp_exact
                ok = abs(actual - float(pct.value)) <= tol
                label = role.replace("_", " ") + (f" ({q})" if q else "")
                text = (("(total - municipal share) " if derived else "")
                        + f"{_fmt_value('amount', share_value)} / {_fmt_value('amount', total.value)} = {actual:.1f} %; "
                        f"the paper states {'ca ' if pct.approx else ''}{float(pct.value):g} % ({label} of {key}, "
                        f"tolerance ±{tol:g} pp)" + (" - they match." if ok else " - they do not match."))
                findings.append(make_finding("share_matches" if ok else "share_mismatch", "share_percentage", "ok" if ok else rule.severity,
                                             key, fieldname, [_fv(pct)] + share_values + [_fv(total, "total")], text,
                                             {"actual_pct": round(actual, 1), "stated_pct": float(pct.value), "approx": pct.approx,
                                              "derived_share": derived}))
    return findings, skipped


def _policy_statement(docs: list[Document], statement: str, min_similarity: float) -> Evidence | None:
    """Find the first line (or pair of lines, for a sentence broken over two) stating `statement`."""
    target = normalize_name(statement)
    for span in (1, 2):
        for doc in docs:
            lines = doc.lines()
            for i, (page, line, words) in enumerate(lines):
                window = list(words)
                if span == 2:
                    if i + 1 >= len(lines) or lines[i + 1][0] != page:
                        continue
                    window += list(lines[i + 1][2])
                text = " ".join(w.text for w in window)
                norm = normalize_name(text)
                if len(norm) >= len(target) and fuzz.partial_ratio(target, norm) >= min_similarity:
                    boxes = [w.bbox for w in window if w.bbox is not None]
                    return Evidence(
                        doc_id=doc.doc_id, page=page, line=line,
                        bbox=BBox.union(boxes).rounded() if boxes else None,
                        text_as_scanned=" ".join(w.scanned for w in window), text_repaired=text,
                        confidence=min((w.confidence for w in window), default=1.0),
                        repaired=any(w.repair is not None and w.repair.scanned != w.text for w in window),
                    )
    return None


def check_policies(claims: list[Claim], docs: list[Document], checks: ChecksRules) -> tuple[list[Discrepancy], list[str]]:
    """Check each partnership's municipal share against the policies the papers state."""
    findings, skipped = [], []
    for policy in checks.policies:
        ev = _policy_statement(docs, policy.statement, policy.min_similarity)
        if ev is None:
            skipped.append(f"policy {policy.name}: no paper states it; not checked")
            continue
        groups: dict[tuple[str, int, int], list[tuple[Claim, Claim]]] = {}
        for (paper_id, key), fields in sorted(_by_paper_key(claims).items()):
            if key.endswith("| " + AMBIGUOUS):
                continue
            muni = fields.get(("amount:municipal_share", None), [])
            total = _first_total(fields, muni[0].unit if muni else None)
            if muni and total is not None and int(total.value):
                groups.setdefault((key, int(muni[0].value), int(total.value)), []).append((muni[0], total))
        for (key, m, t), pairs in sorted(groups.items()):
            pct = m / t * 100
            ok = abs(pct - policy.municipal_share_pct) <= policy.tolerance_pp
            values = [FindingValue(doc_id=ev.doc_id, value=ev.text_repaired, label="policy", evidence=ev)]
            for mc, tc in pairs:
                values += [_fv(mc, f"municipal share, {_period_label(mc.period)}"), _fv(tc, f"total, {_period_label(tc.period)}")]
            periods = sorted({_period_label(mc.period) for mc, _ in pairs})
            text = (f"{key}: the municipality stands for {_fmt_value('amount', m)} of {_fmt_value('amount', t)} = {pct:.1f} % "
                    f"({', '.join(periods)}); the policy stated in paper {ev.doc_id[:12]} p. {ev.page} is about "
                    f"{policy.municipal_share_pct:g} % ± {policy.tolerance_pp:g} pp: " + ("within." if ok else "outside."))
            findings.append(make_finding("policy_within" if ok else "policy_outside", policy.name, policy.severity, key,
                                         "policy:municipal_share", values, text, {"municipal_pct": round(pct, 1)}))
    return findings, skipped


def check_name_variants(occurrences: list[tuple[NameRef, str]], resolved: dict[str, tuple[PartyRef, ...]], checks: ChecksRules) -> list[Discrepancy]:
    """Report every organisation name merged by fuzzy match, with each place it is used."""
    by_variant: dict[tuple[str, str], list[tuple[NameRef, str]]] = {}
    for ref, doc_id in occurrences:
        for p in resolved.get(ref.name, ()):
            if p.match == "fuzzy":
                by_variant.setdefault((p.canonical, ref.name), []).append((ref, doc_id))
    findings = []
    for (canonical, variant), refs in sorted(by_variant.items()):
        score = next(p.score for p in resolved[variant] if p.match == "fuzzy")
        values = sorted({(doc_id, r.evidence.page, r.evidence.line or 0): FindingValue(doc_id=doc_id, value=r.name, label="name as written", evidence=r.evidence) for r, doc_id in refs}.items())
        text = (f"“{variant}” is not a name rules/entities.yaml lists; merged with “{canonical}” "
                f"(rapidfuzz ratio {score:g}).")
        findings.append(make_finding("name_variant", "name_variant", checks.name_variant.severity, canonical, "party",
                                     [v for _, v in values], text, {"variant": variant, "canonical": canonical, "score": score}))
    return findings


# --------------------------------------------------------------------------- the stage


def reconcile_documents(docs: list[Document], rules: Rules, skipped: tuple[str, ...] = ()) -> ReconcileResult:
    """Reconcile a batch: versions, entities, partnerships, records and every check.

    Args:
        docs: the documents of the batch (any order).
        rules: validated rules (entities, checks).
        skipped: reasons for inputs already left out while reading.

    Returns:
        Records (sorted by doc_id, key), the findings report and the documents.
    """
    checks = rules.checks
    docs = sorted(docs, key=lambda d: d.doc_id)
    notes = list(skipped)
    papers = group_versions(docs, checks.versions)
    paper_of: dict[str, tuple[str, str]] = {}
    for p in papers:
        for i, d in enumerate(p.versions):
            paper_of[d] = (p.paper_id, "primary" if i == 0 else "version")
        for d in p.partial:
            paper_of[d] = (p.paper_id, "partial_version")

    statements: list[Statement] = []
    for doc in docs:
        try:
            sts, why = statements_of(doc)
        except Exception:  # one bad document must not stop the batch; its reason is kept
            log.exception("%s: could not group facts", doc.doc_id[:12])
            notes.append(f"{doc.doc_id[:12]}: facts could not be grouped (see log); left out")
            continue
        statements += sts
        notes += why

    occurrences: list[tuple[NameRef, str]] = [(n, st.doc_id) for st in statements for n in st.parties]
    attr_names = sorted({f.attrs[k] for st in statements for f in st.facts for k in ("party", "payer") if f.attrs.get(k)})
    resolved = resolve_names([n.name for n, _ in occurrences] + attr_names, rules.entities)
    stated_orgnr = _stated_org_numbers(docs, resolved, rules.entities)
    municipal = {r.canonical for refs in resolved.values() for r in refs if r.municipal}
    qualify = {name: refs[0].canonical for name, refs in resolved.items() if len(refs) == 1}

    assigned, why = assign_partnerships(statements, resolved, checks.partnerships.passing_mention_max_share,
                                        {d: pid for d, (pid, _) in paper_of.items()}, checks.partnerships.programme_sections)
    notes += why
    findings: list[Discrepancy] = []
    records: list[Record] = []
    for a in assigned:
        paper_id, role = paper_of.get(a.statement.doc_id, (a.statement.doc_id, "primary"))
        parties = tuple(p.model_copy(update={"org_number": stated_orgnr.get(p.canonical, p.org_number)}) for p in a.parties)
        rec = make_record(a.statement, parties=parties, programme=a.programme, key=a.key, paper_id=paper_id, version_role=role,
                          qualify=qualify, approx_markers=checks.share_percentage.approx_markers)
        records.append(rec)
        if a.ambiguous_reason and role == "primary":
            names = {n.name: n for n in a.statement.parties}  # each name once
            values = [FindingValue(doc_id=a.statement.doc_id, value=n.name, label="party", evidence=n.evidence) for n in names.values()]
            values += [FindingValue(doc_id=a.statement.doc_id, value=f.value, label=f"{f.kind} {f.role or ''}".strip(), evidence=f.evidence)
                       for f in a.statement.facts if f.kind in ("amount", "participants", "percentage")]
            findings.append(make_finding("ambiguous_partnership", "ambiguous_partnership", checks.ambiguous_partnership.severity, a.key, None,
                                         values, f"A statement in {a.statement.doc_id[:12]} ({a.statement.group}) {a.ambiguous_reason}; "
                                         "its values are not compared across papers.", {"doc_id": a.statement.doc_id}))
    records.sort(key=lambda r: (r.doc_id, r.partnership_key, r.programme or ""))

    partners_of = {a.key: a.partners for a in assigned}
    claims = [c for r in records for c in claims_of(r, municipal, partners_of.get(r.partnership_key, ()), checks)]
    consolidated, ocr, why = consolidate(claims, papers, checks)
    findings += ocr
    notes += why
    line_text = {(d.doc_id, page, line): " ".join(w.text for w in words) for d in docs for page, line, words in d.lines()}
    findings += check_cross_paper(consolidated, checks, line_text)
    findings += check_within_paper(consolidated, checks)
    findings += check_sums(consolidated, partners_of, checks)
    share_findings, why = check_shares(consolidated, partners_of, checks)
    findings += share_findings
    notes += why
    primaries = [d for d in docs if paper_of.get(d.doc_id, ("", "primary"))[1] == "primary"]
    policy_findings, why = check_policies(consolidated, primaries, checks)
    findings += policy_findings
    notes += why
    findings += check_name_variants(occurrences + _attr_occurrences(statements), resolved, checks)
    for p in papers:
        if len(p.versions) + len(p.partial) > 1:
            values = [FindingValue(doc_id=d, value=p.similarity.get(d, 100.0),
                                   label="primary" if d == p.paper_id else "partial version" if d in p.partial else "version")
                      for d in p.versions + p.partial]
            text = (f"{len(p.versions)} full version(s)" + (f" and {len(p.partial)} partial version(s)" if p.partial else "")
                    + f" of one paper (primary {p.paper_id[:12]}); counted once. Similarity of repaired text "
                    f"(rapidfuzz token_sort_ratio; partial: worst page) ≥ {checks.versions.min_similarity:g}.")
            findings.append(make_finding("paper_versions", "versions", checks.versions.severity, p.paper_id, None, values, text))

    findings.sort(key=lambda f: (f.key, f.field or "", f.kind, f.id))
    counts = dict(sorted(Counter(f.kind for f in findings).items()))
    keys = tuple(sorted({r.partnership_key for r in records if not r.partnership_key.endswith("| " + AMBIGUOUS)}))
    report = DiscrepancyReport(papers=tuple(papers), partnerships=keys, counts=counts, findings=tuple(findings),
                               skipped=tuple(sorted(set(notes))))
    return ReconcileResult(records=tuple(records), report=report, documents=tuple(docs))


def _attr_occurrences(statements: list[Statement]) -> list[tuple[NameRef, str]]:
    out = []
    for st in statements:
        for f in st.facts:
            for k in ("party", "payer"):
                if f.attrs.get(k):
                    out.append((NameRef(f.attrs[k], f.evidence), st.doc_id))
    return out


def _stated_org_numbers(docs: list[Document], resolved: dict[str, tuple[PartyRef, ...]], rules: EntitiesRules) -> dict[str, str]:
    """Org numbers the papers state for a party (fact attrs `party`), by canonical name."""
    extra = sorted({f.attrs["party"] for d in docs for f in d.facts if f.kind == "org_number" and f.attrs.get("party")} - set(resolved))
    names = dict(resolved) | (resolve_names(extra, rules) if extra else {})
    out: dict[str, str] = {}
    for d in docs:
        for f in d.facts:
            if f.kind == "org_number" and f.attrs.get("party") and isinstance(f.value, str):
                refs = names.get(f.attrs["party"], ())
                if len(refs) == 1:
                    out.setdefault(refs[0].canonical, f.value)
    return out


def output_models() -> dict[str, type[BaseModel]]:
    """Return the model of each batch output file, by schema name (records.jsonl: one line)."""
    return {"record": Record, "discrepancies": DiscrepancyReport}


def batch_schemas() -> dict[str, dict]:
    """Return the JSON Schemas of records.jsonl (one line) and discrepancies.json."""
    return {name: model.model_json_schema(mode="serialization") for name, model in output_models().items()}


def reconcile_folder(out_dir: Path, rules: Rules) -> ReconcileResult:
    """Read `out_dir/documents/*.json`, reconcile, and write the five batch outputs into `out_dir`."""
    from pipeline.report import write_outputs

    docs, skipped = load_documents(out_dir)
    result = reconcile_documents(docs, rules, tuple(skipped))
    write_outputs(result, out_dir)
    return result
