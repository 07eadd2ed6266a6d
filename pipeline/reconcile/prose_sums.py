"""Arithmetic the running text states: a total and the parts it is divided into, an outcome against its budget.

Budget papers say in words what their tables say in columns: "20 miljoner kronor som fördelas med
tio miljoner till …, sex miljoner till … och fyra miljoner till …"; "ett utfall på -10,3 miljoner
kronor, att jämföra med ett budgeterat resultat på -0,7 miljoner kronor. Avvikelsen från budget är
därmed -9,6 miljoner kronor". The figures are judged as printed: "9,6 miljoner" may stand for
anything that rounds to it.
"""

from __future__ import annotations

from pipeline.facts.amounts import printed_number
from pipeline.model import Discrepancy, Document, Fact, FindingValue
from pipeline.reconcile.findings import make_finding
from pipeline.records import paper_unit
from pipeline.rules import ProseSumsCheck


def _half_step(f: Fact) -> float:
    """Half the last printed unit of an amount, in SEK ("9,6 miljoner": 50 000; "tio miljoner": 0)."""
    printed = printed_number(f.text)
    if printed is None or not printed[0] or not isinstance(f.value, int):
        return 0.0
    return abs(f.value) / abs(float(printed[0])) * 10.0 ** -printed[1] / 2


def _fv(f: Fact, label: str) -> FindingValue:
    return FindingValue(doc_id=f.evidence.doc_id, value=f.value, label=label, evidence=f.evidence)


def _sek(v: float) -> str:
    return f"{v:,.0f} kr".replace(",", " ")


def _prose_amounts(doc: Document) -> list[Fact]:
    return [f for f in doc.facts if f.kind == "amount" and "table" not in f.attrs and f.unit == "SEK"
            and isinstance(f.value, int) and not f.attrs.get("unit_inferred")]


def _splits(doc: Document, paper: str, amounts: list[Fact], rule: ProseSumsCheck) -> list[Discrepancy]:
    out = []
    totals = {f"{f.evidence.page}:{f.evidence.line}:{f.text}": f for f in amounts if f.attrs.get("parts")}
    for key, total in sorted(totals.items()):
        parts = [f for f in amounts if f.attrs.get("part_of") == key]
        if len(parts) < 2 or len(parts) != int(total.attrs["parts"]):
            continue  # a part was not read as an amount: the sum would guess
        s = sum(int(f.value) for f in parts)
        tol = sum(_half_step(f) for f in parts + [total]) + 1
        ok = abs(s - int(total.value)) <= tol
        text = (f"The text divides “{total.text}” (p. {total.evidence.page}) into " + " + ".join(f"“{f.text}”" for f in parts)
                + f" = {_sek(s)}" + (" - they add up." if ok else f": off by {_sek(s - int(total.value))}."))
        values = [_fv(f, "part") for f in parts] + [_fv(total, "total")]
        out.append(make_finding("sum_matches" if ok else "sum_mismatch", "prose_sums", "ok" if ok else rule.severity_split,
                                paper_unit(doc, total.evidence.page, paper), "split", values, text,
                                {"sum": s, "total": int(total.value), "difference": s - int(total.value)}))
    return out


def _deviations(doc: Document, paper: str, amounts: list[Fact], rule: ProseSumsCheck) -> list[Discrepancy]:
    out = []

    def nearest(d: Fact, roles: list[str]) -> Fact | None:
        near = [f for f in amounts if f.role in roles and f.evidence.page == d.evidence.page
                and abs((f.evidence.line or 0) - (d.evidence.line or 0)) <= rule.deviation_window_lines]
        return min(near, key=lambda f: (abs((f.evidence.line or 0) - (d.evidence.line or 0)), f.evidence.line or 0), default=None)

    for d in (f for f in amounts if f.role == "deviation"):
        outcome, budget = nearest(d, rule.outcome_roles), nearest(d, ["budget"])
        if outcome is None or budget is None:
            continue
        difference = int(outcome.value) - int(budget.value)
        if abs(abs(difference) - abs(int(d.value))) > _half_step(outcome) + _half_step(budget) + _half_step(d) + 1:
            continue  # which three figures belong together is a reading: only an agreement is reported
        text = (f"“{outcome.text}” ({outcome.role}) − “{budget.text}” (budget) = {_sek(difference)}; the text states the "
                f"deviation “{d.text}” (p. {d.evidence.page}) - they agree within the rounding of the printed figures.")
        out.append(make_finding("sum_matches", "prose_sums", "ok", paper_unit(doc, d.evidence.page, paper), "deviation",
                                [_fv(outcome, outcome.role or "outcome"), _fv(budget, "budget"), _fv(d, "deviation")], text,
                                {"difference": difference, "deviation": int(d.value)}))
    return out


def check_prose_sums(docs: list[Document], paper_of: dict[str, str], rule: ProseSumsCheck) -> list[Discrepancy]:
    """Check the totals the text divides and the deviations it states, in the primary documents."""
    findings: list[Discrepancy] = []
    for doc in sorted(docs, key=lambda d: d.doc_id):
        paper = paper_of.get(doc.doc_id, doc.doc_id)
        amounts = _prose_amounts(doc)
        findings += _splits(doc, paper, amounts, rule) + _deviations(doc, paper, amounts, rule)
    return findings
