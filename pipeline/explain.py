"""Findings in the report's language, built from their structured data through the message catalogue.

discrepancies.json keeps each check's English `explanation` as the stable machine format; the
report writes its own sentence from the finding's `kind`, `check`, `field`, `values` (labels,
evidence) and `details`, so both languages say the same thing and no check has to know about
languages. When a finding lacks a detail its sentence needs (an output folder of an older
version, a check changed since), the builder fails and the finding gets the generic sentence of
its kind, made of its values only: less specific, never wrong.

Papers are named by their title, Dnr and file name (`Papers`), never by a hash prefix; the
fixed words of the checks' value labels ("municipal_share, 2020 (table year)") are translated
part by part, and any part that is not such a word (a table's row label) stays as printed.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from itertools import takewhile

from pipeline.i18n import Catalogue
from pipeline.model import Discrepancy, Document, FindingValue
from pipeline.reconcile.findings import SHAKY_LISTED
from pipeline.reconcile.partnerships import AMBIGUOUS
from pipeline.reconcile.table_sums import signed_items
from pipeline.records import paper_date

_PAPER_ID = re.compile(r"([0-9a-f]{64})(?:#(\d+)-(\d+))?")
_VALIDITY = re.compile(r"(\d{4}-\d\d-\d\d)–(\d{4}-\d\d-\d\d) \(stated validity\)")
_YEAR_OF = re.compile(r"(\d{4}) \((table year|document date)\)")
_RANGE = re.compile(r"(\d{4}(?:-\d\d){0,2})\.\.(\d{4}(?:-\d\d){0,2})?")
_QUALIFIED = re.compile(r"(.+?) \((.+)\)")
_ID_PREFIX = re.compile(r"\b[0-9a-f]{12}\b")
_TABLE_FIELD = re.compile(r"table (\d+) (col|row) (\d+)")
_PHRASES = {"period unknown": "period_unknown", "partner's share = total - municipal share": "derived_share"}
"""English phrases the checks write into value labels, and their catalogue terms."""


@dataclass(frozen=True)
class PaperInfo:
    """What names a paper: its title and Dnr as read, its file, its pages in the file and its date."""

    paper_id: str
    doc_id: str
    title: str | None
    dnr: str | None
    file: str
    pages: tuple[int, int] | None
    date: str | None


class Papers:
    """Names of papers and documents, from Document.papers and Document.source."""

    def __init__(self, docs: Mapping[str, Document] | Iterable[Document], cat: Catalogue):
        """`docs` by doc_id (looked up, never copied: the batch stage's are packed), or a collection."""
        self.cat = cat
        self.docs = docs if isinstance(docs, Mapping) else {d.doc_id: d for d in docs}
        self._ids = sorted(self.docs)  # a quoted prefix is looked up by bisection, not against every id
        self._files: dict[str, str] = {}

    def info(self, paper_id: str) -> PaperInfo | None:
        """The paper a doc_id or span id (`<doc_id>#<first>-<last>`) names; None for an unknown id."""
        m = _PAPER_ID.fullmatch(paper_id)
        doc = self.docs.get(m.group(1)) if m else None
        if m is None or doc is None:
            return None
        pages = (int(m.group(2)), int(m.group(3))) if m.group(2) else None
        span = next((p for p in doc.papers if pages and (p.page_start, p.page_end) == pages), None)
        if span is None and not pages and doc.papers:
            span = doc.papers[0]
        lo, hi = pages or (1, max((p.number for p in doc.pages), default=1))
        dated = paper_date(doc.facts, lo, hi)
        date = str(dated.value) or None if dated else None
        return PaperInfo(paper_id, doc.doc_id, span.title if span else None, span.dnr if span else None, doc.source, pages, date)

    def name(self, paper_id: str) -> str:
        """"Title, Dnr X (file)" (pages added for one of several papers in a file); the file alone without a title."""
        info = self.info(paper_id)
        if info is None:
            return paper_id
        if info.title and info.dnr:
            name = self.cat.t("paper.name_dnr", title=info.title, dnr=info.dnr, file=info.file)
        elif info.title:
            name = self.cat.t("paper.name", title=info.title, file=info.file)
        else:
            name = self.cat.t("paper.file_only", file=info.file)
        if info.pages:
            name = self.cat.t("paper.pages", name=name, start=info.pages[0], end=info.pages[1])
        return name

    def named(self, text: str) -> str:
        """A pipeline note with each doc_id prefix it quotes ("8c0f2f9f2b8a p2: …") replaced by the file's name."""
        def name(m: re.Match[str]) -> str:
            lo = bisect.bisect_left(self._ids, m.group(0))
            found = list(takewhile(lambda d: d.startswith(m.group(0)), self._ids[lo:lo + 2]))
            return self.docs[found[0]].source if len(found) == 1 else m.group(0)

        return _ID_PREFIX.sub(name, text)

    def file(self, doc_id: str) -> str:
        """The file a document was read from: what tells versions of one paper apart. Kept once
        looked up: the report names each paper's other versions in every entry of it, and each
        lookup of a packed document unpacks it (60 of report.html's 105 s at 8 000 generated papers)."""
        if doc_id not in self._files:
            doc = self.docs.get(doc_id)
            self._files[doc_id] = doc.source if doc else doc_id
        return self._files[doc_id]


class Explainer:
    """Sentences, labels, keys and values of findings in one language."""

    def __init__(self, cat: Catalogue, papers: Papers):
        self.cat = cat
        self.papers = papers

    # ------------------------------------------------------------------ words

    def _term(self, code: str) -> str:
        word = self.cat.term(code.replace(" ", "_"))
        if word is None:
            raise KeyError(code)
        return word

    def key(self, key: str) -> str:
        """A finding's key in words: a paper by its name, a case, a partnership with its programme."""
        if _PAPER_ID.fullmatch(key):
            return self.papers.name(key)
        if key.startswith("case "):
            return self.cat.t("key.case", name=key[len("case "):])
        for unknown in (AMBIGUOUS, "-"):
            if key.endswith(" | " + unknown):
                return key[: -len(unknown)] + self.cat.term("programme_unknown")  # type: ignore[operator]
        return key

    def label(self, label: str | None) -> str:
        """A value label with the checks' fixed words translated and every other part as printed."""
        if not label:
            return ""
        if label.startswith("total: "):
            return f"{self._term('total')}: {label[len('total: '):]}"
        return ", ".join(self._label_part(p) for p in label.split(", "))

    def _label_part(self, part: str) -> str:
        if part in _PHRASES:
            return self._term(_PHRASES[part])
        if m := _VALIDITY.fullmatch(part):
            return self.cat.t("period.validity", start=self.cat.date(m.group(1)), end=self.cat.date(m.group(2)))
        if m := _YEAR_OF.fullmatch(part):
            return self.cat.t("period." + m.group(2).replace(" ", "_"), year=m.group(1))
        if m := _RANGE.fullmatch(part):
            return self.cat.t("period.range", start=self.cat.date(m.group(1)), end=self.cat.date(m.group(2) or ""))
        if _PAPER_ID.fullmatch(part):
            return self.papers.name(part)
        words = part.split()
        for candidate in (part, *(words[1:] if len(words) == 2 else ())):  # "amount total_value": the role
            if (word := self.cat.term(candidate.replace(" ", "_"))) is not None:
                return word
        if (m := _QUALIFIED.fullmatch(part)) and self.cat.term(m.group(1).replace(" ", "_")):
            inner = m.group(2)
            return f"{self._term(m.group(1))} ({self._term(_PHRASES[inner]) if inner in _PHRASES else inner})"
        return part

    def period(self, v: FindingValue) -> str:
        """The period part of a label "role, period" (translated)."""
        _, sep, period = (v.label or "").partition(", ")
        if not sep:
            raise ValueError("label states no period")
        return self.label(period)

    def what(self, field: str | None, first: FindingValue | None = None) -> str:
        """What a field is about: its role in words, with the party a first value's label qualifies it by."""
        if not field:
            raise ValueError("finding has no field")
        parts = field.split(":")
        if len(parts) >= 4 and parts[1] == "cell":  # a table cell of a case: row label (column kind)
            return f"“{parts[2]}” ({parts[3]})" if parts[3] else f"“{parts[2]}”"
        word = self._term(parts[-1])
        if first is not None and (m := _QUALIFIED.fullmatch((first.label or "").split(", ")[0])) and m.group(1) == parts[-1]:
            word += f" ({m.group(2)})"
        return word

    def field(self, field: str | None) -> str:
        """A finding's field in words for its card's heading (the code itself when it has none)."""
        if not field:
            return ""
        if m := _TABLE_FIELD.fullmatch(field):
            where = self.cat.t("explain.sum.column" if m.group(2) == "col" else "explain.sum.row", n=int(m.group(3)) + 1)
            return self.cat.t("explain.sum.table_field", table=m.group(1), where=where)
        try:
            return self.what(field)
        except (KeyError, ValueError):
            return field

    def value(self, v: FindingValue | int | float | str, field: str | None = None, label: str | None = None) -> str:
        """A value as the language writes it: amounts in kronor, counts plain, percentages, dates as printed."""
        value = v.value if isinstance(v, FindingValue) else v
        label = v.label if isinstance(v, FindingValue) else label
        hint = f"{field or ''} {label or ''}"
        if isinstance(value, bool):
            return str(value)
        if isinstance(value, str):
            return self.cat.date(value) if (field or "").startswith("date") else value
        if isinstance(value, int):
            return self.cat.number(value) if "participants" in hint else self.cat.amount(value)
        if field is None and label in ("primary", "version", "partial version"):
            return self.cat.t("format.similar", n=self.cat.percent(value))
        return self.cat.percent(value)

    def page(self, v: FindingValue) -> str:
        if v.evidence is None:
            raise ValueError("value has no evidence")
        return self.cat.page(v.evidence.page)

    # ------------------------------------------------------------------ sentences

    def explain(self, f: Discrepancy) -> str:
        """The finding's sentence in the catalogue's language (the generic one when details are missing)."""
        builder = _BUILDERS.get((f.kind, f.check)) or _BUILDERS.get((f.kind, "*"))
        text = None
        if builder is not None:
            try:
                text = builder(self, f)
            except (KeyError, IndexError, TypeError, ValueError, ArithmeticError, InvalidOperation):
                text = None
        return (text or self.generic(f)) + self.shaky(f)

    def generic(self, f: Discrepancy) -> str:
        """A sentence any finding can have: its kind, key and values with their papers and pages."""
        values = []
        for v in f.values:
            common = {"label": self.label(v.label), "value": self.value(v, f.field), "paper": self.papers.name(v.doc_id)}
            values.append(self.cat.t("explain.generic_value", page=self.page(v), **common) if v.evidence
                          else self.cat.t("explain.generic_value_no_page", **common))
        return self.cat.t("explain.generic", kind=self.cat.kind(f.kind), key=self.key(f.key),
                          values=self.cat.t("list.sep").join(values))

    def shaky(self, f: Discrepancy) -> str:
        """The readings a finding rests on that repair changed or OCR was unsure of (as make_finding lists them)."""
        shaky = [v for v in f.values if v.evidence is not None and (v.evidence.repaired or v.evidence.low_confidence)]
        if not shaky:
            return ""
        readings = []
        for v in shaky[:SHAKY_LISTED]:
            ev = v.evidence
            assert ev is not None
            where = {"paper": self.papers.file(v.doc_id), "page": self.cat.page(ev.page)}
            readings.append(self.cat.t("explain.shaky.repaired", scanned=ev.text_as_scanned, repaired=ev.text_repaired, **where)
                            if ev.repaired else
                            self.cat.t("explain.shaky.low", text=ev.text_repaired, confidence=self.cat.number(ev.confidence, 2), **where))
        joined = self.cat.t("list.sep").join(readings)
        if len(shaky) > SHAKY_LISTED:
            joined = self.cat.t("explain.shaky.more", readings=joined, n=len(shaky) - SHAKY_LISTED)
        return " " + self.cat.t("explain.shaky.intro", readings=joined)


# --------------------------------------------------------------------------- one builder per kind (and check)


def _agreement_cross(x: Explainer, f: Discrepancy) -> str:
    a = f.values[0]
    return x.cat.t("explain.agreement.cross_paper", what=x.what(f.field, a), key=x.key(f.key), value=x.value(a, f.field))


def _pair(x: Explainer, f: Discrepancy) -> dict[str, str]:
    """The two sides of a case comparison: papers from `details`, values and pages from `values`."""
    a, b = f.values[0], f.values[1]
    return {"paper_a": x.papers.name(str(f.details["paper_a"])), "paper_b": x.papers.name(str(f.details["paper_b"])),
            "value_a": x.value(a, f.field), "value_b": x.value(b, f.field), "page_a": x.page(a), "page_b": x.page(b)}


def _agreement_cases(x: Explainer, f: Discrepancy) -> str:
    said = x.cat.t("explain.agreement.cases", **_pair(x, f))
    if "deficit_in" in f.details:  # "underskott om 3,7 miljoner" against "– 3,7 miljoner"
        said += x.cat.t("explain.agreement.deficit", paper=x.papers.name(str(f.details["deficit_in"])))
    if f.details.get("rounded"):  # "-1 145 tkr" against "-1,1 miljoner kronor"
        said += x.cat.t("explain.agreement.rounded")
    return said


def _agreement_restated(x: Explainer, f: Discrepancy) -> str:
    paper = x.papers.name(str(f.details["paper"]))
    if f.field == "date":
        a, b = f.values[0], f.values[1]
        return x.cat.t("explain.agreement.restated_date", paper=paper, date=x.value(a, f.field), page_a=x.page(a), page_b=x.page(b),
                       text_a=f"“{a.evidence.text_repaired}”" if a.evidence else "", text_b=f"“{b.evidence.text_repaired}”" if b.evidence else "")
    readings = [x.cat.t("explain.page_reading", value=x.value(v, f.field), page=x.page(v), text=v.evidence.text_repaired if v.evidence else "")
                for v in f.values]
    return x.cat.t("explain.agreement.restated_amount", paper=paper, count=len(f.values), readings=x.cat.t("list.sep").join(readings))


def _conflict_cross(x: Explainer, f: Discrepancy) -> str:
    a, b = f.values[0], f.values[1]
    return x.cat.t("explain.conflict.cross_paper", what=x.what(f.field, a), key=x.key(f.key),
                   value_a=x.value(a, f.field), value_b=x.value(b, f.field))


def _case_period(x: Explainer, period: object) -> str:
    return x.label(str(period)) if period else x.cat.term("period_unknown") or ""


def _conflict_cases(x: Explainer, f: Discrepancy) -> str:
    if f.field == "stale_text":
        return _stale_text(x, f)
    pa, pb = f.details["period_a"], f.details["period_b"]
    common = {"what": x.what(f.field), "key": x.key(f.key), **_pair(x, f)}
    if pa and pa == pb:
        return x.cat.t("explain.conflict.cases_same_period", period=_case_period(x, pa), **common)
    return x.cat.t("explain.conflict.cases_unknown_period", **common)


def _stale_text(x: Explainer, f: Discrepancy) -> str:
    """A sentence a matter's later round repeats from the earlier one, its time of writing not moved on."""
    later, earlier = f.values
    return x.cat.t("explain.stale_text", later=x.papers.name(str(f.details["paper_b"])), page=x.page(later),
                   earlier=x.papers.name(str(f.details["paper_a"])), page_earlier=x.page(earlier),
                   text=later.value, year=f.details["year"])


def _changed_cross(x: Explainer, f: Discrepancy) -> str:
    early, late = f.values[0], f.values[1]
    d = f.details
    text = x.cat.t("explain.changed.cross_paper", what=x.what(f.field, early), key=x.key(f.key),
                   value_from=x.value(early, f.field), period_from=x.period(early),
                   value_to=x.value(late, f.field), period_to=x.period(late),
                   change=x.cat.percent(float(d["change_pct"]), 1, signed=True))  # type: ignore[arg-type]
    if "indexation_pct_per_year" in d:
        key = "indexation_explains" if d["explained_by_indexation"] else "indexation_does_not_explain"
        return text + " " + x.cat.t("explain.changed." + key, rate=x.cat.percent(float(d["indexation_pct_per_year"])),  # type: ignore[arg-type]
                                    expected=x.cat.percent(float(d["expected_change_pct"]), 1, signed=True),  # type: ignore[arg-type]
                                    years=d["years"])
    if d["explained_by_indexation"] is False:
        return text + " " + x.cat.t("explain.changed.no_indexation")
    raise ValueError("indexation details missing")


def _changed_cases(x: Explainer, f: Discrepancy) -> str:
    d = f.details
    if f.field in ("period", "period_gap"):
        return _period_moves_on(x, f)
    return x.cat.t("explain.changed.cases", what=x.what(f.field), key=x.key(f.key), period_a=_case_period(x, d["period_a"]),
                   period_b=_case_period(x, d["period_b"]), change=x.cat.percent(float(d["change_pct"]), 1, signed=True),  # type: ignore[arg-type]
                   **_pair(x, f))


def _period_moves_on(x: Explainer, f: Discrepancy) -> str:
    """A case's stated periods: the next paper's period (field `period`), or the days neither covers (`period_gap`)."""
    d = f.details
    (start_a, end_a), (start_b, end_b) = (str(d["period_a"]).split(".."), str(d["period_b"]).split(".."))
    common = {"key": x.key(f.key), "paper_a": x.papers.name(str(d["paper_a"])), "paper_b": x.papers.name(str(d["paper_b"])),
              "end_a": x.cat.date(end_a), "start_b": x.cat.date(start_b)}
    if f.field == "period_gap":
        return x.cat.t("explain.changed.period_gap", days=x.cat.number(int(d["days"])), page_a=x.page(f.values[0]),  # type: ignore[arg-type]
                       page_b=x.page(f.values[1]), **common)
    return x.cat.t("explain.changed.period", start_a=x.cat.date(start_a), end_b=x.cat.date(end_b), **common)


def _chosen(x: Explainer, f: Discrepancy) -> str:
    chosen = str(f.details["chosen"])
    sample = f.values[0].value
    value: int | float | str = int(chosen) if isinstance(sample, int) else float(chosen) if isinstance(sample, float) else chosen
    return x.value(value, f.field, f.values[0].label)


def _ocr_disagreement(x: Explainer, f: Discrepancy) -> str:
    readings = [x.cat.t("explain.ocr_reading", value=x.value(v, f.field), paper=x.papers.file(v.doc_id), page=x.page(v),
                        scanned=v.evidence.text_as_scanned if v.evidence else "") for v in f.values]
    return x.cat.t("explain.ocr_disagreement", what=x.what(f.field, f.values[0]), readings=x.cat.t("list.sep").join(readings),
                   chosen=_chosen(x, f))


def _within_paper(x: Explainer, f: Discrepancy) -> str:
    readings = [x.cat.t("explain.page_reading", value=x.value(v, f.field), page=x.page(v),
                        text=v.evidence.text_repaired if v.evidence else "") for v in f.values]
    return x.cat.t("explain.within_paper_conflict", paper=x.papers.name(str(f.details["paper_id"])), what=x.what(f.field, f.values[0]),
                   key=x.key(f.key), readings=x.cat.t("list.and").join(readings))


def _within_funds(x: Explainer, f: Discrepancy) -> str:
    """What a paper pays out of a fund against what the fund has to give (`prose_sums`, field within_funds)."""
    paid = [v for v in f.values if v.label == "paid out"]
    fund = next(v for v in f.values if v.label == "available")
    return x.cat.t("explain.funds_" + ("within" if f.kind == "agreement" else "exceeded"),
                   paper=x.papers.name(f.key), paid=x.cat.t("list.and").join(x.value(v, None) for v in paid),
                   page=x.page(paid[0]), available=x.value(fund, None), page_available=x.page(fund))


def _held_share(x: Explainer, f: Discrepancy) -> str:
    """One body's share of a whole as two papers state it in words (`shares`): the same share or not."""
    first, then = f.values
    d = f.details
    return x.cat.t("explain.held_share_" + ("match" if f.kind == "share_matches" else "mismatch"), holder=d["holder"],
                   paper_a=x.papers.name(str(d["paper_a"])), said_a=first.value, share_a=d["share_a"], page_a=x.page(first),
                   paper_b=x.papers.name(str(d["paper_b"])), said_b=then.value, share_b=d["share_b"], page_b=x.page(then))


def _correction(x: Explainer, f: Discrepancy) -> str:
    """A correction a paper states (`corrections`): its words, and the figures they give."""
    said = [v for v in f.values if v.label == "correction stated"]
    figures = [x.value(v, None) for v in f.values if v.label != "correction stated"]
    text = x.cat.t("explain.correction_stated", paper=x.papers.name(str(f.details["paper_id"])), page=x.page(said[0]),
                   words=" … ".join(str(v.value) for v in said))
    return text + (x.cat.t("explain.correction_figures", figures=x.cat.t("list.and").join(figures)) if figures else "")


def _decision_differs(x: Explainer, f: Discrepancy) -> str:
    """A protokoll's decision against its Beslutsgång (`restated`): the two readings, which part says which."""
    decision, procedure = f.values
    return x.cat.t("explain.decision_differs", paper=x.papers.name(str(f.details["paper_id"])), what=x.what(f.field, decision),
                   decision=x.cat.t("explain.page_reading", value=x.value(decision, f.field), page=x.page(decision),
                                    text=decision.evidence.text_repaired if decision.evidence else ""),
                   procedure=x.cat.t("explain.page_reading", value=x.value(procedure, f.field), page=x.page(procedure),
                                     text=procedure.evidence.text_repaired if procedure.evidence else ""))


def _proposal_decided(x: Explainer, f: Discrepancy) -> str:
    """A clause proposed against the decision deciding it (`decisions`): restated (with the clause that
    restates it), or restated nowhere (with the closest clause)."""
    proposed, decided = f.values
    return x.cat.t("explain.proposal_" + ("restated" if f.kind == "agreement" else "left_out"),
                   proposer=x.papers.name(str(f.details["paper_a"])), decider=x.papers.name(str(f.details["paper_b"])),
                   clause=proposed.value, page=x.page(proposed), closest=decided.value,
                   share=x.cat.percent(round(100 * float(f.details["restated_share"]))))


def _prose_sum(x: Explainer, f: Discrepancy) -> str:
    what = {"cost_items_sum": "cost_items", "contributions_sum": "contributions"}[f.check]
    parts = f.values[:-1]
    d = f.details
    return x.cat.t(f"explain.sum.{what}_{'match' if f.kind == 'sum_matches' else 'mismatch'}", key=x.key(f.key),
                   items=" + ".join(x.value(v, "amount") for v in parts), sum=x.cat.amount(int(d["sum"])),  # type: ignore[arg-type]
                   total=x.cat.amount(int(d["total"])), difference=x.cat.amount(int(d["difference"])))  # type: ignore[arg-type]


def _table_sum(x: Explainer, f: Discrepancy) -> str:
    m = _TABLE_FIELD.fullmatch(f.field or "")
    if m is None:
        raise ValueError("not a table field")
    d = f.details
    total = f.values[-1]
    printed = Decimal(str(d["total"]))
    scale = Decimal(str(total.value)) / printed  # kronor per printed unit (1, or 1000 for tkr)
    if scale != scale.to_integral_value() or scale <= 0:
        raise ValueError("total not in a whole unit of kronor")

    def kr(key: str) -> str:
        return x.cat.amount((Decimal(str(d[key])) * scale).normalize())

    where = x.cat.t("explain.sum.column" if m.group(2) == "col" else "explain.sum.row", n=int(m.group(3)) + 1)
    minus = {int(k) for k in str(d.get("subtracted") or "").split(",") if k}  # the items a net row takes away
    said = x.cat.t("explain.sum.table_" + ("match" if f.kind == "sum_matches" else "mismatch"), table=int(d["table"]) + 1,  # type: ignore[arg-type]
                   page=x.page(total), where=where, items=signed_items([x.value(v, "amount") for v in f.values[:-1]], minus),
                   sum=kr("sum"), total=kr("total"), difference=kr("difference"), tolerance=kr("tolerance"),
                   total_label=(total.label or "").removeprefix("total: "))
    return said + (" " + x.cat.t("explain.sum.sign_lost", figure=d["sign_lost"]) if d.get("sign_lost") else "")


def _share(x: Explainer, f: Discrepancy) -> str:
    pct, share, total = f.values[0], f.values[1], f.values[-1]
    d = f.details
    if d["derived_share"]:
        shown = x.cat.t("explain.share.derived", share=x.cat.amount(int(total.value) - int(share.value)))
    else:
        shown = x.value(share, "amount")
    stated = x.cat.percent(float(d["stated_pct"]))  # type: ignore[arg-type]
    if d["approx"]:
        stated = x.cat.t("format.approx", value=stated)
    return x.cat.t("explain.share." + ("match" if f.kind == "share_matches" else "mismatch"), share=shown,
                   total=x.value(total, "amount"), actual=x.cat.percent(float(d["actual_pct"]), 1),  # type: ignore[arg-type]
                   stated=stated, what=x.what(f.field, pct), key=x.key(f.key))


def _stated_sum(x: Explainer, f: Discrepancy) -> str:
    """A sum the running text states (`prose_sums`): parts and their total ("split"), causes and their
    deviation ("causes"), a rate over the period ("period_total"), a rate per another period
    ("rate_restated"), a fund's balance carried forward ("fund_balance"); the deviation check's sentence is
    the generic one."""
    if f.field == "period_total":
        return _period_total(x, f)
    if f.field == "rate_restated":
        return _rate_restated(x, f)
    if f.field not in ("split", "causes", "fund_balance"):
        raise ValueError("not a sum of parts")
    d, total, first = f.details, f.values[-1], f.values[0]
    items = x.value(first, "amount") + "".join((" − " if float(v.value) < 0 else " + ") + x.cat.amount(abs(int(v.value)))  # type: ignore[arg-type]
                                               for v in f.values[1:-1])
    return x.cat.t("explain.parts." + ("match" if f.kind == "sum_matches" else "mismatch"),
                   items=items, sum=x.cat.amount(int(d["sum"])),  # type: ignore[arg-type]
                   what=x.cat.t(f"explain.parts.{f.field}"), total=x.value(total, "amount"), page=x.page(total),
                   difference=x.cat.amount(int(d["difference"])))  # type: ignore[arg-type]


def _period_total(x: Explainer, f: Discrepancy) -> str:
    rate, total, start, end = f.values
    d = f.details
    return x.cat.t("explain.period_total." + ("match" if f.kind == "sum_matches" else "mismatch"),
                   rate=x.value(rate, "amount"), times=int(d["times"]), start=x.cat.date(str(start.value)),  # type: ignore[arg-type]
                   end=x.cat.date(str(end.value)), worked=x.cat.amount(int(d["worked"])), total=x.value(total, "amount"),  # type: ignore[arg-type]
                   page=x.page(total), difference=x.cat.amount(int(d["difference"])))  # type: ignore[arg-type]


def _rate_restated(x: Explainer, f: Discrepancy) -> str:
    rate, restated = f.values
    d = f.details
    months, rate_months = int(d["months"]), int(d["rate_months"])  # type: ignore[arg-type]
    factor = f"× {months // rate_months}" if months > rate_months else f"/ {rate_months // months}"
    return x.cat.t("explain.rate_restated." + ("match" if f.kind == "sum_matches" else "mismatch"),
                   rate=x.value(rate, "amount"), factor=factor, worked=x.cat.amount(int(d["worked"])),  # type: ignore[arg-type]
                   restated=x.value(restated, "amount"), page=x.page(restated),
                   difference=x.cat.amount(int(d["difference"])))  # type: ignore[arg-type]


def _named_share(x: Explainer, f: Discrepancy) -> str:
    share, pct, base = f.values
    d = f.details
    stated = x.cat.percent(float(d["stated_pct"]))  # type: ignore[arg-type]
    if d["approx"]:
        stated = x.cat.t("format.approx", value=stated)
    return x.cat.t("explain.named_share." + ("match" if f.kind == "share_matches" else "mismatch"),
                   share=x.value(share, "amount"), base=x.value(base, "amount"), what=x.what(f"amount:{d['base_role']}"),
                   page=x.page(base), actual=x.cat.percent(float(d["actual_pct"]), 1), stated=stated)  # type: ignore[arg-type]


def _stated_share(x: Explainer, f: Discrepancy) -> str:
    """A percentage the running text states (`prose_sums`): a change, or a share of a named base; the
    shares of deviations and base amounts have the generic sentence."""
    if f.field == "change":
        return _change(x, f)
    if f.field == "named_share":
        return _named_share(x, f)
    raise ValueError("not a stated change or named share")


def _change(x: Explainer, f: Discrepancy) -> str:
    old, new, pct = f.values
    d = f.details
    stated = x.cat.percent(abs(float(d["stated_pct"])))  # type: ignore[arg-type]
    if d["approx"]:
        stated = x.cat.t("format.approx", value=stated)
    return x.cat.t("explain.change." + ("match" if f.kind == "share_matches" else "mismatch"),
                   old=x.value(old, "amount"), new=x.value(new, "amount"), page=x.page(new),
                   actual=x.cat.percent(float(d["actual_pct"]), 1, signed=True),  # type: ignore[arg-type]
                   stated=stated, direction=x.cat.t("explain.change." + ("up" if float(d["stated_pct"]) > 0 else "down")))  # type: ignore[arg-type]


def _policy(x: Explainer, f: Discrepancy) -> str:
    policy, share, total = f.values[0], f.values[1], f.values[2]
    if policy.label != "policy" or not isinstance(policy.value, str):
        raise ValueError("first value is not the policy statement")
    periods = sorted({x.period(v) for v in f.values[1::2]})
    return x.cat.t("explain.policy." + ("within" if f.kind == "policy_within" else "outside"), key=x.key(f.key),
                   share=x.value(share, "amount"), total=x.value(total, "amount"),
                   pct=x.cat.percent(float(f.details["municipal_pct"]), 1), periods=", ".join(periods),  # type: ignore[arg-type]
                   paper=x.papers.name(policy.doc_id), page=x.page(policy), policy=policy.value)


def _name_variant(x: Explainer, f: Discrepancy) -> str:
    d = f.details
    return x.cat.t("explain.name_variant", variant=d["variant"], canonical=d["canonical"], score=x.cat.number(float(d["score"])))  # type: ignore[arg-type]


def _ambiguous(x: Explainer, f: Discrepancy) -> str:
    return x.cat.t("explain.ambiguous_partnership", paper=x.papers.name(str(f.details["doc_id"])), key=x.key(f.key))


def _versions(x: Explainer, f: Discrepancy) -> str:
    roles = [v.label for v in f.values]
    if set(roles) - {"primary", "version", "partial version"} or roles.count("primary") != 1:
        raise ValueError("unknown version labels")
    full, partial = roles.count("primary") + roles.count("version"), roles.count("partial version")
    count = x.cat.t("explain.versions.full_" + ("one" if full == 1 else "other"), n=full)
    if partial:
        count = x.cat.t("explain.versions.partial_" + ("one" if partial == 1 else "other"), count=count, n=partial)
    primary = next(v for v in f.values if v.label == "primary")
    sims = [x.cat.t("explain.versions.similarity", paper=x.papers.file(v.doc_id), similarity=x.cat.percent(float(v.value)))
            for v in f.values if v.label != "primary"]
    return x.cat.t("explain.versions.text", count=count, primary=x.papers.name(primary.doc_id),
                   similarities=x.cat.t("list.sep").join(sims))


_BUILDERS: dict[tuple[str, str], Callable[[Explainer, Discrepancy], str]] = {
    ("agreement", "cross_paper"): _agreement_cross,
    ("agreement", "cases"): _agreement_cases,
    ("agreement", "restated"): _agreement_restated,
    ("agreement", "decisions"): _proposal_decided,
    ("agreement", "prose_sums"): _within_funds,
    ("conflict", "cross_paper"): _conflict_cross,
    ("conflict", "cases"): _conflict_cases,
    ("conflict", "decisions"): _proposal_decided,
    ("conflict", "prose_sums"): _within_funds,
    ("changed_between_periods", "cross_paper"): _changed_cross,
    ("changed_between_periods", "cases"): _changed_cases,
    ("ocr_disagreement", "*"): _ocr_disagreement,
    ("within_paper_conflict", "restated"): _decision_differs,
    ("within_paper_conflict", "corrections"): _correction,
    ("within_paper_conflict", "*"): _within_paper,
    ("sum_matches", "cost_items_sum"): _prose_sum,
    ("sum_mismatch", "cost_items_sum"): _prose_sum,
    ("sum_matches", "contributions_sum"): _prose_sum,
    ("sum_mismatch", "contributions_sum"): _prose_sum,
    ("sum_matches", "table_sums"): _table_sum,
    ("sum_mismatch", "table_sums"): _table_sum,
    ("sum_matches", "prose_sums"): _stated_sum,
    ("sum_mismatch", "prose_sums"): _stated_sum,
    ("share_matches", "prose_sums"): _stated_share,
    ("share_matches", "shares"): _held_share,
    ("share_mismatch", "shares"): _held_share,
    ("share_mismatch", "prose_sums"): _stated_share,
    ("share_matches", "*"): _share,
    ("share_mismatch", "*"): _share,
    ("policy_within", "*"): _policy,
    ("policy_outside", "*"): _policy,
    ("name_variant", "*"): _name_variant,
    ("ambiguous_partnership", "*"): _ambiguous,
    ("paper_versions", "*"): _versions,
}
"""Which sentence a finding gets, by (kind, check); `*` for every check of the kind."""
