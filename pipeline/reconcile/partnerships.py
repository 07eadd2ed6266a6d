"""Partnerships: the key (partners and programme) each statement belongs to."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz

from pipeline.model import PartyRef
from pipeline.records import Statement, normalize_name

AMBIGUOUS = "?"
"""Programme part of the key of a statement that could belong to several partnerships."""

PROGRAMME_MIN_RATIO = 85
PROGRAMME_MIN_PARTIAL = 95
PROGRAMME_MIN_LEN_PARTIAL = 6
"""Programme names of one party set merge at this ratio, or when one (at least this long)
stands inside the other ("Bromodellen" / "Bromodellen - Vägen till anställningsbarhet")."""


@dataclass
class Assigned:
    """The partnership a statement is about (its parties, partners and programme); the statement
    is the `at`-th of those given, so the batch stage can hold its statements packed meanwhile."""

    at: int
    doc_id: str
    group: str
    parties: tuple[PartyRef, ...]
    partners: tuple[str, ...]
    programme: str | None
    key: str
    ambiguous_reason: str | None = None


@dataclass(frozen=True)
class _Programme:
    name: str
    section: str | None


@dataclass(frozen=True)
class _Said:
    """What the keys need of a statement: where it is and the programmes it names."""

    at: int
    doc_id: str
    group: str
    programmes: tuple[_Programme, ...]


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
    statements: Iterable[Statement],
    resolved: dict[str, tuple[PartyRef, ...]],
    passing_share: float = 0.0,
    paper_of: dict[str, str] | None = None,
    programme_sections: tuple[str, ...] = (),
) -> tuple[list[Assigned], list[str]]:
    """Give each statement its partnership key; a statement without programme joins its party
    set's only partnership, or is marked ambiguous when the set has several.

    Args:
        statements: all statements of the batch, read once (only what the keys need is kept).
        resolved: name -> organisations.
        passing_share: a party named fewer times than this share of the most-named party's
            mentions, and paying nothing, is a mention in passing and left out of the key.
        paper_of: doc_id -> paper id; a statement naming several programmes keeps the one that
            other papers name for the same parties.
        programme_sections: sections whose programme wins when a statement names several.
    """
    paper_of = paper_of or {}
    skipped: list[str] = []
    prelim: list[tuple[_Said, tuple[PartyRef, ...], tuple[str, ...]]] = []
    for at, st in enumerate(statements):
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
        said = _Said(at, st.doc_id, st.group, tuple(_Programme(p.name, p.section) for p in st.programmes))
        prelim.append((said, tuple(sorted(refs.values(), key=lambda r: (r.municipal, r.canonical))), partners))
    by_set: dict[tuple[str, ...], list[str]] = {}
    for st, _, partners in prelim:
        by_set.setdefault(partners, []).extend(p.name for p in st.programmes)
    clusters = {s: _programme_clusters(names) for s, names in by_set.items()}
    named_by: dict[tuple[tuple[str, ...], str], set[str]] = {}
    for st, _, partners in prelim:
        for p in st.programmes:
            named_by.setdefault((partners, clusters[partners][p.name]), set()).add(paper_of.get(st.doc_id, st.doc_id))
    chosen: list[list[str]] = []
    for st, _, partners in prelim:
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
    for (_, _, partners), progs in zip(prelim, chosen):
        if len(progs) == 1:
            known_of.setdefault(partners, set()).add(progs[0])
    out: list[Assigned] = []
    for (st, parties, partners), progs in zip(prelim, chosen):
        known = sorted(known_of.get(partners, set()))
        if len(progs) == 1:
            out.append(Assigned(st.at, st.doc_id, st.group, parties, partners, progs[0], _key(partners, progs[0])))
        elif len(progs) > 1:
            out.append(Assigned(st.at, st.doc_id, st.group, parties, partners, None, _key(partners, AMBIGUOUS),
                                 f"names several programmes ({', '.join(progs)})"))
        elif len(known) == 1:
            out.append(Assigned(st.at, st.doc_id, st.group, parties, partners, known[0], _key(partners, known[0])))
        elif not known:
            out.append(Assigned(st.at, st.doc_id, st.group, parties, partners, None, _key(partners, None)))
        else:
            out.append(Assigned(st.at, st.doc_id, st.group, parties, partners, None, _key(partners, AMBIGUOUS),
                                 f"names no programme, and {' + '.join(partners)} has several partnerships ({', '.join(known)})"))
    return out, skipped
