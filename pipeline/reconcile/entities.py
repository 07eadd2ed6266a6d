"""Entities: resolving the names the papers write to organisations."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from pipeline.model import PartyRef
from pipeline.reconcile.blocking import NAME_BANDS, NAME_ROWS, Index, trigrams
from pipeline.records import normalize_name
from pipeline.rules import EntitiesRules


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


def resolve_names(names: list[str], rules: EntitiesRules, *, exhaustive: bool = False) -> dict[str, tuple[PartyRef, ...]]:
    """Resolve every name to its organisation(s), deterministically (names are taken sorted).

    A name equal (after `normalize_name`, possessive -s allowed) to a canonical name or alias
    resolves to it; else one within `fuzzy_min_score` (rapidfuzz ratio) does, as a `fuzzy`
    match; else a name joining known parties with a conjunction ("Erikshjälpen och Bilda")
    splits into them; else it becomes a new organisation, which later names may match fuzzily.

    Exact names are looked up in a dict; fuzzy ones are scored only against the names that
    share an LSH bucket of character 3-grams (blocking.py), so the work grows with the number
    of names, not its square. `exhaustive` scores every known name (the tests' oracle).
    """
    index = _entity_index(rules)
    norms = [n for n, _, _ in index]
    first_at: dict[str, int] = {}
    buckets = Index(NAME_BANDS, NAME_ROWS)
    for pos, norm in enumerate(norms):
        first_at.setdefault(norm, pos)
        buckets.add(pos, buckets.keys(trigrams(norm)))
    out: dict[str, tuple[PartyRef, ...]] = {}

    def one(name: str) -> PartyRef | None:
        n = normalize_name(name)
        if not n:
            return None
        for cand in (n, n[:-1] if n.endswith("s") else None):
            if cand is None:
                continue
            if cand in first_at:
                _, ent, is_canonical = index[first_at[cand]]
                return PartyRef(
                    name=name, canonical=ent.canonical, org_number=ent.org_number, municipal=ent.municipal,
                    match="canonical" if is_canonical else "alias",
                )
        first = n.split(" ")[0]
        near = range(len(norms)) if exhaustive else sorted(buckets.query(buckets.keys(trigrams(n))))
        choices = [norms[pos] for pos in near]
        for _, score, at in process.extract(n, choices, scorer=fuzz.ratio, score_cutoff=rules.fuzzy_min_score, limit=5):
            pos = near[at]
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
        first_at.setdefault(norms[-1], len(norms) - 1)
        buckets.add(len(norms) - 1, buckets.keys(trigrams(norms[-1])))
        out[name] = (PartyRef(name=name, canonical=clean, municipal=public, match="new"),)
    return out
