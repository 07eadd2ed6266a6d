"""Findings: a Discrepancy with a stable id, and the formatting of the values it names."""

from __future__ import annotations

import hashlib
import json

from pipeline.model import Discrepancy, Evidence, Fact, FindingValue, Period, Word
from pipeline.reconcile.claims import Claim
from pipeline.tables._text import union_bbox

SHAKY_LISTED = 4
"""How many repaired or low-confidence readings a finding's explanation names (the rest are counted)."""

_PASS_KINDS = {"agreement", "sum_matches", "share_matches", "policy_within"}
_NOTE_KINDS = {"name_variant", "ambiguous_partnership", "paper_versions"}


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


def reading_order(f: Fact) -> tuple[int, int, float]:
    """Where a fact stands in its document: page, line, left edge."""
    ev = f.evidence
    return (ev.page, ev.line or 0, ev.bbox.x0 if ev.bbox else 0.0)


def signed_value(f: Fact):
    """The value an amount states, a deficit's as negative: "ett underskott om 3,7 miljoner kronor"
    and "ett resultat på – 3,7 miljoner kronor" state one figure (the facts stage marks the first
    `deficit`; its value stays as printed)."""
    deficit = f.attrs.get("deficit") and isinstance(f.value, (int, float)) and f.value > 0
    return -f.value if deficit else f.value


def words_evidence(doc_id: str, page: int, line: int, words: list[Word] | tuple[Word, ...]) -> Evidence:
    """Evidence of words of one line (a line, or a clause's part of it): their box, as scanned and as repaired."""
    return Evidence(doc_id=doc_id, page=page, bbox=union_bbox(words), line=line,
                    text_as_scanned=" ".join(w.repair.scanned if w.repair else w.text for w in words),
                    text_repaired=" ".join(w.text for w in words), confidence=min(w.confidence for w in words))


def fact_value(f: Fact, label: str) -> FindingValue:
    """A fact named by a finding, with its evidence."""
    return FindingValue(doc_id=f.evidence.doc_id, value=f.value, label=label, evidence=f.evidence)


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


_SEVERITY_RANK = {"ok": 0, "info": 1, "warning": 2, "error": 3}


def from_text_layer(ev: Evidence | None) -> bool:
    """Tell whether a value was read from a text layer as printed (confidence 1.0, not repaired)."""
    return ev is not None and ev.confidence >= 1.0 and not ev.repaired and not ev.low_confidence


def cap_severity(finding: Discrepancy, most: str) -> Discrepancy:
    """Lower to `most` the severity of a finding resting on an OCR'd or repaired value.

    A misreading could explain such a finding, so it may not claim the paper is wrong.
    Values without evidence (a paper id, a similarity score) do not count.
    """
    shaky = any(v.evidence is not None and not from_text_layer(v.evidence) for v in finding.values)
    if shaky and _SEVERITY_RANK[finding.severity] > _SEVERITY_RANK[most]:
        return finding.model_copy(update={"severity": most, "details": finding.details | {"severity_capped_from": finding.severity}})
    return finding
