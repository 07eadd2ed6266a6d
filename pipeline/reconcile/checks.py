"""Checks over consolidated claims: across papers, within a paper, sums, shares, policies and name variants."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator, Sequence
from itertools import combinations

from rapidfuzz import fuzz

from pipeline.model import (
    BBox,
    Discrepancy,
    Document,
    Evidence,
    FindingValue,
    PartyRef,
    Period,
)
from pipeline.reconcile.claims import Claim, SpilledName
from pipeline.reconcile.findings import _fmt_value, _fv, _period_label, make_finding
from pipeline.reconcile.partnerships import AMBIGUOUS
from pipeline.records import NameRef, normalize_name
from pipeline.rules import ChecksRules

log = logging.getLogger(__name__)


def _overlap(a: Period | None, b: Period | None) -> bool | None:
    if a is None or b is None:
        return None
    return a.start <= b.end and b.start <= a.end


def _dates_equal(a: str, b: str) -> bool:
    n = min(len(a), len(b))
    return a[:n] == b[:n]


def check_cross_paper(claims: list[Claim], checks: ChecksRules, lines: dict[tuple[str, int, int], str] | None = None) -> Iterator[Discrepancy]:
    """Compare the statements of one field of one partnership made by different papers, a finding
    at a time (a large store's run to thousands, each with its values' evidence).

    Statements of equal value form one cluster: one `agreement` finding names every paper of it.
    Clusters are ordered by the start of their earliest period and each is compared with the next
    (`changed_between_periods` or `conflict`). A partnership stated in n papers gives at most 2n
    findings, where comparing every pair gave n(n - 1) / 2; for two statements both give the same one.

    Args:
        claims: consolidated claims (one per paper and field).
        checks: the rules.
        lines: (doc_id, page, line) -> repaired text of the line, to find stated indexations.
    """
    rule = checks.cross_paper
    groups: dict[tuple, list[Claim]] = {}
    for c in claims:
        if c.field in rule.fields and not c.key.endswith("| " + AMBIGUOUS):
            # a table cell compares only with cells of the same column kind, year and row label
            groups.setdefault((c.key, c.field, c.qualifier, c.cell), []).append(c)
    indexation = _indexation_rates(claims, rule.indexation_patterns, lines or {})
    for (key, fieldname, q, _cell), cs in sorted(groups.items(), key=lambda kv: tuple(str(x) for x in kv[0])):
        seen: dict[tuple[str, str], Claim] = {}
        for c in cs:
            seen.setdefault((c.paper_id, str(c.value)), c)
        for statements in _comparable(sorted(seen.values(), key=lambda c: (c.paper_id, c.ordinal))):
            clusters = _equal_values(fieldname, statements, rule.amount_tolerance_sek)
            for cluster in clusters:
                if len({c.paper_id for c in cluster}) > 1:
                    yield _agreement(key, fieldname, q, cluster)
            for earlier, later in zip(clusters, clusters[1:]):
                pair = _representatives(earlier, later)
                if pair and not _of_other_years(*pair):
                    yield _compare(key, fieldname, q, *pair, checks, indexation.get(key))


def _of_other_years(a: Claim, b: Claim) -> bool:
    """Whether the two values' clauses name different years ("för 2024" and "för 2026"): a different
    value of another year is no conflict."""
    return a.year is not None and b.year is not None and a.year != b.year


def _comparable(statements: list[Claim]) -> list[list[Claim]]:
    """Statements that may be compared: amounts per year and amounts in total apart (an amount of
    unknown unit compares with both)."""
    units = sorted({c.unit for c in statements if c.unit})
    if len(units) < 2:
        return [statements]
    for unit in units:
        log.debug("%s %s: %s amounts compared apart", statements[0].key, statements[0].field, unit)
    return [[c for c in statements if c.unit in (unit, None)] for unit in units]


def _equal_values(fieldname: str, statements: list[Claim], tolerance_sek: int) -> list[list[Claim]]:
    """Statements split into clusters of one value, ordered by their earliest period's start.

    Amounts within the tolerance of their neighbour by value join one cluster; a date joins a
    cluster when it agrees with the cluster's most precise date (a year agrees with its days).
    """
    clusters: list[list[Claim]] = []
    if fieldname.startswith("amount"):
        for c in sorted(statements, key=lambda c: (int(c.value), c.paper_id, c.ordinal)):
            if clusters and int(c.value) - int(clusters[-1][-1].value) <= tolerance_sek:
                clusters[-1].append(c)
            else:
                clusters.append([c])
    elif fieldname.startswith("date"):
        precise: list[str] = []
        for c in sorted(statements, key=lambda c: (str(c.value), c.paper_id, c.ordinal)):
            if clusters and _dates_equal(str(c.value), precise[-1]):
                clusters[-1].append(c)
                precise[-1] = max(precise[-1], str(c.value), key=len)
            else:
                clusters.append([c])
                precise.append(str(c.value))
    else:
        by_value: dict[str, list[Claim]] = {}
        for c in statements:
            by_value.setdefault(str(c.value), []).append(c)
        clusters = list(by_value.values())
    for cluster in clusters:
        cluster.sort(key=lambda c: (c.paper_id, c.ordinal))
    return sorted(clusters, key=lambda cl: (min(_start(c) for c in cl), cl[0].paper_id, cl[0].ordinal))


def _start(c: Claim) -> str:
    """The start of the period a statement is about ("" when unknown: first)."""
    return c.period.start if c.period else ""


def _representatives(earlier: list[Claim], later: list[Claim]) -> tuple[Claim, Claim] | None:
    """The statements that stand for two neighbouring clusters: the earlier cluster's latest and the
    later cluster's earliest by period, from two papers, in paper order (None if one paper made both)."""
    a = max(earlier, key=lambda c: (_start(c), c.paper_id, c.ordinal))
    others = [c for c in later if c.paper_id != a.paper_id]
    if not others:
        return None
    b = min(others, key=lambda c: (_start(c), c.paper_id, c.ordinal))
    return (a, b) if (a.paper_id, a.ordinal) <= (b.paper_id, b.ordinal) else (b, a)


def _agreement(key: str, fieldname: str, q: str | None, cluster: list[Claim]) -> Discrepancy:
    label = fieldname.split(":", 1)[1] + (f" ({q})" if q else "")
    what = f"{label.replace('_', ' ')} of {key}"
    values = [_fv(c, f"{label}, {_period_label(c.period)}") for c in cluster]
    return make_finding("agreement", "cross_paper", "ok", key, fieldname, values,
                        f"Papers agree on the {what}: {_fmt_value(fieldname, cluster[0].value)}.")


def _indexation_rates(claims: list[Claim], patterns: tuple[str, ...], lines: dict[tuple[str, int, int], str]) -> dict[str, tuple[float, Claim]]:
    out: dict[str, tuple[float, Claim]] = {}
    if not patterns:
        return out
    rx = re.compile("|".join(patterns), re.IGNORECASE)
    for c in sorted(claims, key=lambda c: (c.key, c.paper_id, c.ordinal)):
        if not (c.field.startswith("percentage") and isinstance(c.value, (int, float))):
            continue
        ev = c.evidence  # read back from disk: only for the claims that can be a rate
        if rx.search(lines.get((c.doc_id, ev.page, ev.line or 0), "") + " " + ev.text_repaired):
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
    if equal:  # a year and a day of it fall in two clusters of dates, and agree
        return _agreement(key, fieldname, q, [a, b])
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
    certain = overlap is True or fieldname.startswith("date")
    return make_finding("conflict", "cross_paper", rule.severity_conflict if certain else rule.severity_conflict_uncertain, key, fieldname, values,
                        f"Papers disagree on the {what}: {_fmt_value(fieldname, a.value)} vs {_fmt_value(fieldname, b.value)}, and {why}.")


def check_within_paper(claims: list[Claim], checks: ChecksRules) -> Iterator[Discrepancy]:
    """One paper stating one fact (same field, party, period and named year) with different values
    (a finding at a time, as the checks across papers)."""
    groups: dict[tuple, list[Claim]] = {}
    for c in claims:
        if c.field in checks.cross_paper.fields and not c.key.endswith("| " + AMBIGUOUS):
            groups.setdefault((c.paper_id, c.key, c.field, c.qualifier, c.unit, c.period, c.cell, c.year), []).append(c)
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
        yield make_finding("within_paper_conflict", "within_paper", checks.within_paper.severity, key, fieldname,
                           [_fv(c) for c in cs], text, {"paper_id": paper_id})


def _by_paper_key(claims: list[Claim], tables: bool = True) -> dict[tuple[str, str], dict[tuple[str, str | None], list[Claim]]]:
    """Claims by paper and partnership, then field. Cells of headed table columns never take part:
    a budget table's columns are different years and kinds (the per-column check adds them);
    with `tables` False no table cell does (sums of tables are the table check's)."""
    out: dict[tuple[str, str], dict[tuple[str, str | None], list[Claim]]] = {}
    for c in claims:
        if c.cell is not None or (c.in_table and not tables):
            continue
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


def check_sums(claims: list[Claim], partners_of: dict[str, tuple[str, ...]], checks: ChecksRules) -> Iterator[Discrepancy]:
    """Cost items stated in prose add up to the total; every party's contribution adds up to the total
    (a finding at a time).

    Values in tables are left to `check_table_sums`, which adds them column by column as printed.
    """
    for (_paper_id, key), fields in sorted(_by_paper_key(claims, tables=False).items()):
        items = fields.get(("amount:cost_item", None), [])
        total = _first_total(fields, items[0].unit if items else None)
        if len(items) >= 2 and total is not None:
            yield _sum_finding("cost_items_sum", checks.cost_items_sum, key, "amount:cost_item", items, total, "cost items")
        muni = fields.get(("amount:municipal_share", None), [])
        partners = partners_of.get(key, ())
        shares = [fields.get(("amount:partner_share", p), [None])[0] for p in partners]
        if muni and partners and all(s is not None for s in shares):
            parts = [muni[0]] + [s for s in shares if s is not None]
            total = _first_total(fields, muni[0].unit)
            if total is not None:
                yield _sum_finding("contributions_sum", checks.contributions_sum, key, "amount:contributions", parts, total, "the parties' contributions")


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


def check_shares(claims: list[Claim], partners_of: dict[str, tuple[str, ...]], checks: ChecksRules,
                 found: Callable[[Discrepancy], object]) -> list[str]:
    """A stated percentage x the total equals the stated share (within the rounding 'ca' implies):
    each finding handed to `found` as it is made; the percentages left unchecked returned, with why.

    A partnership with one partner whose share is stated only as a percentage is checked
    against total - municipal share.
    """
    rule = checks.share_percentage
    skipped = []
    for (_paper_id, key), fields in sorted(_by_paper_key(claims).items()):
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
                found(make_finding("share_matches" if ok else "share_mismatch", "share_percentage", "ok" if ok else rule.severity,
                                   key, fieldname, [_fv(pct)] + share_values + [_fv(total, "total")], text,
                                   {"actual_pct": round(actual, 1), "stated_pct": float(pct.value), "approx": pct.approx,
                                    "derived_share": derived}))
    return skipped


def _folded_pair(first: str, second: str, first_folded: str, second_folded: str) -> str:
    """`normalize_name` of two lines joined by a space, made from each line's own: only a hyphen
    ending the first line (a word broken over the two) folds across them."""
    if first.rstrip().endswith("-"):
        return normalize_name(f"{first} {second}")
    return " ".join(n for n in (first_folded, second_folded) if n)


def policy_statements(doc: Document, statement: str, min_similarity: float) -> tuple[Evidence | None, Evidence | None]:
    """Find in one document the first line stating `statement`, and the first pair of lines (a
    sentence broken over two) stating it; `check_policies` takes the first line of any paper
    before any pair."""
    target = normalize_name(statement)
    lines = doc.lines()
    texts = [" ".join(w.text for w in words) for _, _, words in lines]
    folded = [normalize_name(text) for text in texts]
    found: list[Evidence | None] = []
    for span in (1, 2):
        found.append(None)
        for i, (page, line, words) in enumerate(lines):
            window, norm = list(words), folded[i]
            if span == 2:
                if i + 1 >= len(lines) or lines[i + 1][0] != page:
                    continue
                window += list(lines[i + 1][2])
                norm = _folded_pair(texts[i], texts[i + 1], norm, folded[i + 1])
            if len(norm) >= len(target) and fuzz.partial_ratio(target, norm, score_cutoff=min_similarity):
                boxes = [w.bbox for w in window if w.bbox is not None]
                found[-1] = Evidence(
                    doc_id=doc.doc_id, page=page, line=line,
                    bbox=BBox.union(boxes).rounded() if boxes else None,
                    text_as_scanned=" ".join(w.scanned for w in window), text_repaired=" ".join(w.text for w in window),
                    confidence=min((w.confidence for w in window), default=1.0),
                    repaired=any(w.repair is not None and w.repair.scanned != w.text for w in window),
                )
                break
    return found[0], found[1]


def check_policies(claims: list[Claim], stated: dict[str, Evidence | None], checks: ChecksRules) -> tuple[list[Discrepancy], list[str]]:
    """Check each partnership's municipal share against the policies the papers state (`stated`:
    by policy name, where a paper states it, see `policy_statements`)."""
    findings, skipped = [], []
    for policy in checks.policies:
        ev = stated.get(policy.name)
        if ev is None:
            skipped.append(f"policy {policy.name}: no paper states it; not checked")
            continue
        groups: dict[tuple[str, int, int], list[tuple[Claim, Claim]]] = {}
        for (_paper_id, key), fields in sorted(_by_paper_key(claims).items()):
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


def check_name_variants(occurrences: Sequence[tuple[NameRef | SpilledName, str]], resolved: dict[str, tuple[PartyRef, ...]],
                        checks: ChecksRules) -> Iterator[Discrepancy]:
    """Report every organisation name merged by fuzzy match, with each place it is used: a finding
    at a time (a large store's run to thousands of places, each with its evidence read back)."""
    by_variant: dict[tuple[str, str], list[tuple[NameRef | SpilledName, str]]] = {}
    for ref, doc_id in occurrences:
        for p in resolved.get(ref.name, ()):
            if p.match == "fuzzy":
                by_variant.setdefault((p.canonical, ref.name), []).append((ref, doc_id))
    for (canonical, variant), refs in sorted(by_variant.items()):
        score = next(p.score for p in resolved[variant] if p.match == "fuzzy")
        values = sorted({(doc_id, ev.page, ev.line or 0): FindingValue(doc_id=doc_id, value=r.name, label="name as written", evidence=ev)
                         for r, doc_id in refs for ev in (r.evidence,)}.items())  # a spilled name's evidence read once
        text = (f"“{variant}” is not a name rules/entities.yaml lists; merged with “{canonical}” "
                f"(rapidfuzz ratio {score:g}).")
        yield make_finding("name_variant", "name_variant", checks.name_variant.severity, canonical, "party",
                           [v for _, v in values], text, {"variant": variant, "canonical": canonical, "score": score})
