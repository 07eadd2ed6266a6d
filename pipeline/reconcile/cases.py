"""Cases: papers about one matter (a tjänsteskrivelse, the protokoll deciding it, next year's paper), compared.

Committee papers are not partnerships: a case is recognised by its Dnr ("IF-2025-00037"), or,
for a yearly matter that gets a new Dnr each year, by a near-identical title once the years are
dropped ("Investeringsplan 2026-2035" / "Investeringsplan 2027-2036"). Within a case, the same
amount stated by two papers is an agreement; amounts of one role (table cells: one row label and
column kind) that differ have changed between periods, or conflict; a date both papers state
(not only as their own meeting dates) is an agreement; a sentence a later round repeats from the
round before, its time of writing not moved on, is stale text.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from itertools import pairwise

from rapidfuzz import fuzz

from pipeline.facts.amounts import rounding_half_step
from pipeline.facts.text import fold
from pipeline.model import Discrepancy, Document, Evidence, Fact, FindingValue, Word
from pipeline.reconcile.blocking import Clusters, candidate_pairs, trigrams
from pipeline.reconcile.decisions import Clause, check_decided, decision_clauses
from pipeline.reconcile.findings import fact_value, make_finding, reading_order, signed_value, words_evidence
from pipeline.reconcile.sentences import Sentence, paper_sentences
from pipeline.reconcile.shares import StatedShare, check_shares, stated_shares
from pipeline.records import paper_spans, paper_unit
from pipeline.rules import CasesCheck, DecisionsCheck, SharesCheck

_DNR = re.compile(r"([A-ZÅÄÖ]{1,6})[\s.:/+-]*((?:19|20)\d\d)[\s.:/-]*0*(\d{1,6})\b", re.IGNORECASE)


@dataclass(frozen=True)
class PaperUnit:
    """One paper: a primary document, or one paper of a PDF that binds several."""

    paper_id: str
    doc_id: str
    pages: tuple[int, int]
    dnr: str | None
    title: str | None
    facts: tuple[Fact, ...]
    text: str  # the repaired text of its pages, line by line
    title_evidence: Evidence | None  # the line its title stands on
    paragraph: tuple[str, str] | None  # (meeting date, § number) of a protokoll paragraph
    cites: frozenset[tuple[str, str]]  # (date, § number) of the paragraphs it refers to
    own_date: str | None = None  # ISO day of its meeting, else of the paper itself (`CasesCheck.own_date_roles`)
    clauses: tuple[Clause, ...] = ()  # the sentences of its decision and proposal (`decisions.decision_clauses`)
    shares: tuple[StatedShare, ...] = ()  # the shares of a whole it gives a body in words (`shares.stated_shares`)
    dated: tuple[DatedSentence, ...] = ()  # its sentences naming a time of writing (`dated_sentences`)


@dataclass(frozen=True)
class DatedSentence:
    """A sentence naming a time of writing ("… under våren 2024"): its text, that year, the line of the phrase."""

    text: str
    year: str
    evidence: Evidence


def dated_sentences(doc_id: str, said: list[Sentence], rule: CasesCheck) -> tuple[DatedSentence, ...]:
    """The sentences of one paper (`said`: `sentences.paper_sentences`) that name a time of writing (`rule.time_phrases`)."""
    out = []
    for sentence in said:
        folded = fold(sentence.text)
        for pattern in rule.time_phrases:
            for m in re.finditer(pattern, folded):
                out.append(DatedSentence(sentence.text, m.group("year"), words_evidence(doc_id, *sentence.line_at(m.start()))))
    return tuple(out)


def normalize_dnr(text: str) -> str | None:
    """Return a Dnr in one spelling: "Dnr IF 2025-37" and "IF-2025-00037" → "IF-2025-00037"."""
    m = _DNR.search(text)
    if m is None:
        return None
    return f"{m.group(1).upper()}-{m.group(2)}-{int(m.group(3)):05d}"


def first_dnr(doc: Document) -> str | None:
    """The first Dnr a document states (reading order), normalised: the case it belongs to."""
    facts = sorted((f for f in doc.facts if f.kind == "dnr"), key=reading_order)
    return next((d for f in facts if (d := normalize_dnr(f"{f.value} {f.text}"))), None)


# A protokoll paragraph's own number, first on its line ("§ 159  Dnr IF-2024-00352"); OCR reads the
# sign as "8", "$" or "S" ("8 159 Dnr …", "S171 SS Dnr …": the sign run into the number, a speck of
# two or three marks before the Dnr), which counts only with the Dnr after it.
_PARAGRAPH = re.compile(r"^(?:§\s*(\d+)\b|[$8S]\s*(\d+)\s+(?:[^\s\d]{1,3}\s+)?Dnr\b)")
# A cited paragraph: "Nämnden … 2024-12-11, § 159" (OCR: "2024-12-11, 8 159", with the comma).
_CITATION = re.compile(r"((?:19|20)\d\d-\d\d-\d\d)\s*(?:,?\s*§|,\s*[$8S](?=\s))\s*(\d+)")


def _paragraph_and_citations(lines: list[str], facts: tuple[Fact, ...]) -> tuple[tuple[str, str] | None, frozenset[tuple[str, str]]]:
    """A protokoll paragraph's (meeting date, § number), and the (date, §) of the decisions it cites.

    A KS paragraph deciding on a nämnd's proposal cites it ("Nämnden för … 2024-12-11, § 159"):
    the two are one case though each has its own Dnr and title.
    """
    meeting = next((str(f.value) for f in facts if f.kind == "date" and f.role == "meeting"), None)
    number = next((m.group(1) or m.group(2) for line in lines[:15] if (m := _PARAGRAPH.match(line))), None)
    own = (meeting, number) if meeting and number else None
    cites = {(m.group(1), m.group(2)) for line in lines for m in _CITATION.finditer(line)} - {own}
    return own, frozenset(cites)


def _own_date(facts: tuple[Fact, ...], own_roles: tuple[str, ...]) -> str | None:
    """The day of the paper's first own-date role that it states (its meeting, else its own date)."""
    for role in own_roles:
        day = next((str(f.value) for f in facts if f.kind == "date" and f.role == role and _day(str(f.value))), None)
        if day:
            return day
    return None


def _fold_title(title: str) -> str:
    """A title without years, numbers and punctuation: what stays the same from one year's paper to the next."""
    return " ".join(re.sub(r"[\d\W_]+", " ", fold(title)).split())


def _title_after(lines: list[tuple[int, int, str]], dnr_fact: Fact | None) -> str | None:
    """The title of a protokoll paragraph or tjänsteskrivelse: the line after the Dnr line (and a
    continuation line that opens with "(" or a lower-case letter)."""
    if dnr_fact is None:
        return None
    for i, (p, ln, _) in enumerate(lines):
        if p == dnr_fact.evidence.page and ln == dnr_fact.evidence.line and i + 1 < len(lines) and lines[i + 1][0] == p:
            title = lines[i + 1][2]
            if i + 2 < len(lines) and lines[i + 2][0] == p and re.match(r"[(a-zåäö]", lines[i + 2][2]):
                title += " " + lines[i + 2][2]
            return title
    return None


def paper_units(docs: list[Document], paper_of: dict[str, str], rule: CasesCheck,
                decisions: DecisionsCheck | None = None, shares: SharesCheck | None = None) -> list[PaperUnit]:
    """Every paper of the primary documents, with its first Dnr, its title, its own date and its dated
    sentences (`rule`), with `decisions` the clauses of its decision and proposal, with `shares` the
    shares it states."""
    out: list[PaperUnit] = []
    for doc in sorted(docs, key=lambda d: d.doc_id):
        base = paper_of.get(doc.doc_id, doc.doc_id)
        spans = paper_spans(doc) or [(1, max((p.number for p in doc.pages), default=1))]
        stated = {(p.page_start, p.page_end): p for p in doc.papers}
        every_line = doc.lines()
        for a, b in spans:
            words = [(p, ln, ws) for p, ln, ws in every_line if a <= p <= b]
            lines = [(p, ln, " ".join(w.text for w in ws)) for p, ln, ws in words]
            facts = tuple(sorted((f for f in doc.facts if a <= f.evidence.page <= b), key=reading_order))
            dnr_facts = [f for f in facts if f.kind == "dnr"]
            span = stated.get((a, b))
            dnr = normalize_dnr(span.dnr) if span and span.dnr else None
            if dnr is None:
                dnr = next((d for f in dnr_facts if (d := normalize_dnr(f"{f.value} {f.text}"))), None)
            title = (span.title if span and span.title else None) or _title_after(lines, dnr_facts[0] if dnr_facts else None)
            paragraph, cites = _paragraph_and_citations([text for _, _, text in lines], facts)
            said = paper_sentences(doc, words)
            out.append(PaperUnit(paper_unit(doc, a, base), doc.doc_id, (a, b), dnr, title, facts,
                                 " ".join(text for _, _, text in lines), _line_evidence(doc, words, title), paragraph, cites,
                                 _own_date(facts, rule.own_date_roles), decision_clauses(doc, words, decisions) if decisions else (),
                                 stated_shares(doc.doc_id, said, facts, shares) if shares else (),
                                 dated_sentences(doc.doc_id, said, rule)))
    return out


def link_cases(units: list[PaperUnit], rule: CasesCheck) -> list[list[PaperUnit]]:
    """Group papers into cases: the same Dnr, a near-identical title once years are dropped, a
    later period's paper of the same matter (`next_period`), or a paragraph citing another's
    meeting date and § number."""
    clusters = Clusters(range(len(units)))
    find = clusters.find
    by_dnr: dict[str, int] = {}
    for i, u in enumerate(units):
        if u.dnr is not None:
            clusters.join(i, by_dnr.setdefault(u.dnr, i))
    # Titles are compared only for candidate pairs (blocking.py: character 3-grams, MinHash LSH)
    # and only while not yet in one case. A title names a matter within one registry: "Ombudgetering
    # och resultatfond 2024" of two nämnder (Dnr IF-… and KFT-…) are two matters, so the Dnr series
    # labels the buckets.
    titles = {str(i): _fold_title(u.title or "") for i, u in enumerate(units)}
    long_titles = {i: trigrams(t) for i, t in titles.items() if len(t) >= 12}
    series = {str(i): u.dnr.split("-")[0] if u.dnr else None for i, u in enumerate(units)}
    for a, b in candidate_pairs(long_titles, series):
        i, j = int(a), int(b)
        if find(i) != find(j) and (fuzz.ratio(titles[a], titles[b]) >= rule.title_min_similarity
                                   or next_period(units[i], units[j], rule)):
            clusters.join(i, j)
    paragraphs = {u.paragraph: i for i, u in enumerate(units) if u.paragraph}
    for i, u in enumerate(units):
        for cited in sorted(u.cites):
            if cited in paragraphs:
                clusters.join(i, paragraphs[cited])
    groups: dict[int, list[PaperUnit]] = defaultdict(list)
    for i, u in enumerate(units):
        groups[find(i)].append(u)
    return sorted((sorted(g, key=lambda u: u.paper_id) for g in groups.values() if len(g) > 1), key=lambda g: g[0].paper_id)


def next_period(a: PaperUnit, b: PaperUnit, rule: CasesCheck) -> bool:
    """Tell whether two papers are one matter in two periods, its title reworded ("<name> donationsfond -
    2024", then "Stiftelsen <name> donation - 2025"): their titles' words alike as sets (rapidfuzz
    token_set_ratio, years and `title_ignored_words` left out) and their own dates far enough apart for
    the matter's next round; papers of one meeting are different matters, however alike their titles
    ("Uppföljning … för kommunstyrelsen", "… för Kungsbacka kommun")."""
    first, then = _day(a.own_date or ""), _day(b.own_date or "")
    if not (a.title and b.title and first and then) or abs((then - first).days) < rule.next_period_min_days:
        return False
    ignored = set(rule.title_ignored_words)
    words = [" ".join(w for w in _fold_title(t).split() if w not in ignored) for t in (a.title, b.title)]
    return fuzz.token_set_ratio(*words) >= rule.next_period_title_similarity


def _case_name(case: list[PaperUnit]) -> str:
    dnrs = sorted({u.dnr for u in case if u.dnr})
    title = next((u.title for u in case if u.title), None)
    return "case " + (" / ".join(dnrs) if dnrs else "") + (f" “{title}”" if title else "")


def _comparable(f: Fact) -> bool:
    return f.kind == "amount" and isinstance(f.value, (int, float)) and not isinstance(f.value, bool) and f.value != 0


def _slot(f: Fact, roles: tuple[str, ...]) -> tuple[str, ...] | None:
    """What an amount is the amount of: its role (prose), or its row label and column kind (table cell)."""
    a = f.attrs
    if "column" in a:
        return ("cell", " ".join(a.get("row_label", "").lower().split()), a.get("column_kind", ""), _unit(f))
    if "table" in a or _unit(f) != "SEK" or f.role not in roles:
        return None
    return ("role", f.role or "", f.period or "", "SEK")


def _period(f: Fact, unit: PaperUnit) -> str | None:
    """The period an amount is about, when a paper states it: a column's year, a fact's year, the paper's validity."""
    a = f.attrs
    if a.get("column_year") or a.get("year"):
        return a.get("column_year") or a.get("year")
    dates = {d.role: str(d.value) for d in unit.facts if d.kind == "date" and d.role in ("valid_from", "valid_to")}
    if dates:
        return f"{dates.get('valid_from', '')}..{dates.get('valid_to', '')}"
    return None


def _same_copy(a: PaperUnit, b: PaperUnit, min_similarity: float) -> bool:
    """Two copies of one paper (a bundle's page run and the paper's own PDF): same Dnr, same text."""
    if a.dnr and b.dnr and a.dnr != b.dnr:
        return False
    return fuzz.token_sort_ratio(a.text, b.text, score_cutoff=min_similarity) > 0


def _unit(f: Fact) -> str:
    return f.unit or "SEK"  # amounts without a unit predate `unknown`: integer SEK


def check_cases(cases: list[list[PaperUnit]], rule: CasesCheck, copy_similarity: float,
                full: Callable[[PaperUnit], PaperUnit] = lambda unit: unit,
                decisions: DecisionsCheck | None = None, shares: SharesCheck | None = None) -> tuple[list[Discrepancy], list[str]]:
    """Compare the amounts (and, with `decisions`, a decision with the proposal it decides) of every
    two papers of each case that stand at most `rule.compare_within` apart in its order of dates:
    all pairs of a case of a few rounds, and work that grows with a long case's length, not its square.

    Args:
        cases: the papers of the primary versions linked into cases (`link_cases`; other versions
            are counted once, through them); what links them is enough (`linking_view`) when
            `full` gives the rest.
        rule: severities.
        copy_similarity: two papers of a case this similar are copies of one paper (not compared).
        full: a paper whole, from what `cases` holds of it.
        decisions: the decision check's rules (None: not checked).
        shares: the shares check's rules (None: not checked).

    Returns:
        The findings (each keyed by its case's Dnr and title) and the reasons for pairs left uncompared.
    """
    findings: list[Discrepancy] = []
    notes: list[str] = []
    for linked in cases:
        case = [full(u) for u in linked]
        name = _case_name(case)
        dated = sorted(case, key=lambda u: (u.own_date or "", u.paper_id))
        near = sorted((sorted((a, b), key=lambda u: u.paper_id) for k, a in enumerate(dated)
                       for b in dated[k + 1:k + 1 + rule.compare_within]), key=lambda p: (p[0].paper_id, p[1].paper_id))
        for a, b in near:
            if _same_copy(a, b, copy_similarity):
                notes.append(f"{name}: {a.paper_id[:12]} and {b.paper_id[:12]} are copies of one paper; not compared")
                continue
            findings += _compare_pair(name, a, b, rule)
            findings += check_decided(name, a, b, decisions) if decisions else []
            findings += check_shares(name, a, b, shares) if shares else []
        findings += _periods_move_on(name, case, rule)
    return findings, notes


def linking_view(unit: PaperUnit) -> PaperUnit:
    """What `link_cases` reads of a paper (Dnr, title, paragraph and citations): the batch stage
    holds this of every paper, and the rest packed (`packed.pack`) until a case compares it."""
    return replace(unit, facts=(), text="", title_evidence=None, clauses=(), shares=(), dated=())


def check_cited_periods(units: list[PaperUnit]) -> list[Discrepancy]:
    """The periods each paper states one after another (`_cited_periods_follow`): a paper's own check."""
    return [f for unit in units for f in _cited_periods_follow(unit)]


def _cited_periods_follow(unit: PaperUnit) -> list[Discrepancy]:
    """Two validity periods one paper states ("… tiden 2020-01-01–2026-06-30" and "… tiden
    2026-07-01–2033-06-30": old terms and new) where one starts the day after the other ends: the
    period moves on (ok). Periods that leave days between or overlap may be of two different
    things, so they say nothing."""
    dates = sorted((f for f in unit.facts if f.kind == "date" and f.role in ("valid_from", "valid_to")), key=reading_order)
    periods = {(str(a.value), str(b.value)): (a, b) for a, b in pairwise(dates)
               if (a.role, b.role) == ("valid_from", "valid_to") and a.evidence.page == b.evidence.page
               and 0 <= (b.evidence.line or 0) - (a.evidence.line or 0) <= 1 and _day(str(a.value)) and _day(str(b.value))}
    out = []
    for (s1, e1), (s2, e2) in pairwise(sorted(periods.values(), key=lambda p: (str(p[0].value), str(p[1].value)))):
        if (_day(str(s2.value)) - _day(str(e1.value))).days != 1:  # type: ignore[operator]  # both days, checked above
            continue
        out.append(make_finding("changed_between_periods", "cases", "ok", unit.paper_id, "period",
                                [fact_value(s1, "start"), fact_value(e1, "end"), fact_value(s2, "start"), fact_value(e2, "end")],
                                f"{unit.paper_id[:12]} states the period {s1.value} – {e1.value} and the one that follows it, "
                                f"{s2.value} – {e2.value}.", {"period_a": f"{s1.value}..{e1.value}", "period_b": f"{s2.value}..{e2.value}"}))
    return out


def _stated_period(unit: PaperUnit) -> tuple[Fact, Fact] | None:
    """The period a paper states it covers, to the day, when it states one: its validity (valid_from and
    valid_to), else the period it reports on (period_start and period_end)."""
    for start_role, end_role in (("valid_from", "valid_to"), ("period_start", "period_end")):
        start, end = _one_day(unit, start_role), _one_day(unit, end_role)
        if start and end:
            return (start, end) if str(start.value) <= str(end.value) else None
    return None


def _one_day(unit: PaperUnit, role: str) -> Fact | None:
    """The paper's one date of `role`, to the day; None when it states none, several different ones
    (which is the paper's own is unknown), or one not to the day."""
    dates = [f for f in unit.facts if f.kind == "date" and f.role == role]
    if len({str(f.value) for f in dates}) != 1 or _day(str(dates[0].value)) is None:
        return None
    return dates[0]


def _day(iso: str) -> date | None:
    try:
        return date.fromisoformat(iso) if len(iso) == 10 else None
    except ValueError:
        return None


def _periods_move_on(name: str, case: list[PaperUnit], rule: CasesCheck) -> list[Discrepancy]:
    """Consecutive papers of a case that each state their period: the period moves on (ok), and a
    gap between one period's end and the next one's start is a stretch no paper covers."""
    stated = sorted(((p, u) for u in case if (p := _stated_period(u))), key=lambda t: (str(t[0][0].value), t[1].paper_id))
    out: list[Discrepancy] = []
    for ((s1, e1), a), ((s2, e2), b) in pairwise(stated):
        if (s1.value, e1.value) == (s2.value, e2.value):
            continue
        ids = {"paper_a": a.paper_id, "paper_b": b.paper_id, "period_a": f"{s1.value}..{e1.value}", "period_b": f"{s2.value}..{e2.value}"}
        out.append(make_finding("changed_between_periods", "cases", "ok", name, "period",
                                [fact_value(s1, f"{a.paper_id}, start"), fact_value(e1, f"{a.paper_id}, end"),
                                 fact_value(s2, f"{b.paper_id}, start"), fact_value(e2, f"{b.paper_id}, end")],
                                f"The period of {name} moves on: {s1.value} – {e1.value} ({a.paper_id[:12]}) and "
                                f"{s2.value} – {e2.value} ({b.paper_id[:12]}).", ids))
        gap = (_day(str(s2.value)) - _day(str(e1.value))).days - 1  # type: ignore[operator]  # both checked by _stated_period
        if gap > 0:
            out.append(make_finding("changed_between_periods", "cases", rule.severity_period_gap, name, "period_gap",
                                    [fact_value(e1, f"{a.paper_id}, end"), fact_value(s2, f"{b.paper_id}, start")],
                                    f"The periods of {name} do not join: {a.paper_id[:12]} ends {e1.value}, {b.paper_id[:12]} "
                                    f"starts {s2.value}; {gap} day(s) in between fall in neither.", ids | {"days": gap}))
    return out


def _line_evidence(doc: Document, lines: list[tuple[int, int, tuple[Word, ...]]], text: str | None) -> Evidence | None:
    """Evidence of the first of a paper's lines that starts with `text` (a title as read)."""
    for page, line, words in lines if text else []:
        if " ".join(w.text for w in words).startswith(text[:40]):  # type: ignore[index]
            return words_evidence(doc.doc_id, page, line, words)
    return None


def _successor(name: str, a: PaperUnit, b: PaperUnit, rounds: bool) -> list[Discrepancy]:
    """A yearly matter's next paper (the same title, years aside, or `rounds` of one matter): its title's
    years (or words) and its Dnr move on (reported as ok, with both evidences)."""
    if not (a.title and b.title and (rounds or _fold_title(a.title) == _fold_title(b.title))):
        return []
    out = []
    ta, tb = a.title_evidence, b.title_evidence
    if ta and tb and a.title != b.title:
        out.append(make_finding("changed_between_periods", "cases", "ok", name, "title",
                                [FindingValue(doc_id=a.doc_id, value=a.title, label=a.paper_id, evidence=ta),
                                 FindingValue(doc_id=b.doc_id, value=b.title, label=b.paper_id, evidence=tb)],
                                f"The papers of {name} are one yearly matter: “{a.title}” and “{b.title}”.",
                                {"paper_a": a.paper_id, "paper_b": b.paper_id}))
    da = next((f for f in a.facts if f.kind == "dnr"), None)
    db = next((f for f in b.facts if f.kind == "dnr"), None)
    if da and db and a.dnr and b.dnr and a.dnr != b.dnr:
        out.append(make_finding("changed_between_periods", "cases", "ok", name, "dnr", [fact_value(da, a.paper_id), fact_value(db, b.paper_id)],
                                f"The yearly matter {name} has a new Dnr: {a.dnr} and {b.dnr}.",
                                {"paper_a": a.paper_id, "paper_b": b.paper_id}))
    return out


def _deadline_moved(name: str, a: PaperUnit, b: PaperUnit) -> list[Discrepancy]:
    """A matter's rounds whose one deadline each falls on another day of the year ("30 oktober" for
    2024, "31 oktober" for 2025): the rule of the round changed (ok, with both evidences)."""
    x, y = _one_day(a, "deadline"), _one_day(b, "deadline")
    if not (x and y) or str(x.value)[5:] == str(y.value)[5:]:
        return []
    return [make_finding("changed_between_periods", "cases", "ok", name, "deadline",
                         [fact_value(x, a.paper_id), fact_value(y, b.paper_id)],
                         f"The deadline of {name} moved from one round to the next: “{x.text.strip()}” ({a.paper_id[:12]}, "
                         f"{x.value}) and “{y.text.strip()}” ({b.paper_id[:12]}, {y.value}).",
                         {"paper_a": a.paper_id, "paper_b": b.paper_id})]


def _stale(name: str, a: PaperUnit, b: PaperUnit, rule: CasesCheck) -> list[Discrepancy]:
    """A sentence of a matter's later round that the earlier round states alike, naming the same time of
    writing, the earlier paper's own year: repeated without moving on (stale text, `rule.severity_stale`)."""
    first, then = sorted((a, b), key=lambda u: (u.own_date or "", u.paper_id))
    year = (first.own_date or "")[:4]
    if not (year and then.own_date and then.own_date[:4] > year):
        return []
    out = []
    for later in (s for s in then.dated if s.year == year):
        earlier = next((s for s in first.dated if s.year == year and _repeats(s.text, later.text, rule)), None)
        if earlier is None:
            continue
        values = [FindingValue(doc_id=then.doc_id, value=later.text, label=f"{then.paper_id} ({then.own_date})", evidence=later.evidence),
                  FindingValue(doc_id=first.doc_id, value=earlier.text, label=f"{first.paper_id} ({first.own_date})", evidence=earlier.evidence)]
        out.append(make_finding("conflict", "cases", rule.severity_stale, name, "stale_text", values,
                                f"{then.paper_id[:12]} ({then.own_date}) repeats from {first.paper_id[:12]} ({first.own_date}) "
                                f"“{later.text}”, its time {year} not moved on.",
                                {"paper_a": first.paper_id, "paper_b": then.paper_id, "year": year}))
    return out


def _repeats(earlier: str, later: str, rule: CasesCheck) -> bool:
    """Tell whether one sentence repeats another: alike as a whole, or the shorter (of `rule.stale_min_words`
    words at least) alike to a part of the longer (a scan that lost a sentence's full stop runs it into the
    one before)."""
    a, b = fold(earlier), fold(later)
    if fuzz.ratio(a, b, score_cutoff=rule.stale_similarity):
        return True
    return min(len(a.split()), len(b.split())) >= rule.stale_min_words and bool(
        fuzz.partial_ratio(a, b, score_cutoff=rule.stale_similarity))


def _dates_by_value(unit: PaperUnit, own_roles: tuple[str, ...]) -> dict[str, Fact]:
    """A paper's dates to the day, one statement per value: the first that is not its own date, if any."""
    out: dict[str, Fact] = {}
    for f in unit.facts:
        if f.kind == "date" and f.precision == "day":
            held = out.get(str(f.value))
            if held is None or (held.role in own_roles and f.role not in own_roles):
                out[str(f.value)] = f
    return out


def _shared_dates(name: str, a: PaperUnit, b: PaperUnit, own_roles: tuple[str, ...]) -> list[Discrepancy]:
    """A date both papers state (the same deadline, a beslutsunderlag both list, the meeting one of
    them cites) is an agreement; two papers' own dates (paragraphs of one meeting) say nothing."""
    da, db = _dates_by_value(a, own_roles), _dates_by_value(b, own_roles)
    out = []
    for value in sorted(set(da) & set(db)):
        x, y = da[value], db[value]
        if x.role in own_roles and y.role in own_roles:
            continue
        out.append(make_finding("agreement", "cases", "ok", name, "date", [fact_value(x, a.paper_id), fact_value(y, b.paper_id)],
                                f"{a.paper_id[:12]} and {b.paper_id[:12]} state the same date {value}: “{x.text.strip()}” "
                                f"(p. {x.evidence.page}, {x.role}) and “{y.text.strip()}” (p. {y.evidence.page}, {y.role}).",
                                {"paper_a": a.paper_id, "paper_b": b.paper_id}))
    return out


def _compare_pair(name: str, a: PaperUnit, b: PaperUnit, rule: CasesCheck) -> list[Discrepancy]:
    rounds = next_period(a, b, rule)  # one matter's two rounds, its title reworded
    out: list[Discrepancy] = (_successor(name, a, b, rounds) + (_deadline_moved(name, a, b) + _stale(name, a, b, rule) if rounds else [])
                              + _shared_dates(name, a, b, rule.own_date_roles))
    fa = [f for f in a.facts if _comparable(f)]
    fb = [f for f in b.facts if _comparable(f)]
    pair = f"{a.paper_id[:12]} and {b.paper_id[:12]}"
    # the same amount in both papers: the first statement of it in each
    by_value_b: dict[tuple, Fact] = {}
    for f in fb:
        by_value_b.setdefault((_unit(f), signed_value(f)), f)
    seen: set[tuple] = set()
    for f in fa:
        k = (_unit(f), signed_value(f))
        if k in by_value_b and k not in seen and (k[0] == "SEK" or _slot(f, rule.roles) == _slot(by_value_b[k], rule.roles)):
            seen.add(k)
            g = by_value_b[k]
            deficit = [u.paper_id for u, h in ((a, f), (b, g)) if h.value != signed_value(h)] if f.value != g.value else []
            out.append(make_finding("agreement", "cases", "ok", name, "amount", [fact_value(f, a.paper_id), fact_value(g, b.paper_id)],
                                    f"{pair} state the same amount: “{f.text.strip()}” (p. {f.evidence.page}) and "
                                    f"“{g.text.strip()}” (p. {g.evidence.page})" + (" (one as a deficit)." if deficit else "."),
                                    {"paper_a": a.paper_id, "paper_b": b.paper_id} | ({"deficit_in": deficit[0]} if deficit else {})))
    values_a = {(_unit(f), signed_value(f)) for f in fa}
    values_b = {(_unit(f), signed_value(f)) for f in fb}
    slots_a = _by_slot(fa, a, rule.roles)
    slots_b = _by_slot(fb, b, rule.roles)
    for slot in sorted(set(slots_a) & set(slots_b)):
        pa, pb = slots_a[slot], slots_b[slot]
        if set(pa) & set(pb) - {None}:
            pairs = [(pa[p], pb[p], p, p) for p in sorted(set(pa) & set(pb) - {None})]
        elif len(pa) == 1 and len(pb) == 1:
            (p1, x), (p2, y) = next(iter(pa.items())), next(iter(pb.items()))
            pairs = [(x, y, p1, p2)]
        else:
            continue  # several periods on a side and none in common: which pairs up would be a guess
        for xs, ys, p1, p2 in pairs:
            if len({signed_value(f) for f in xs}) != 1 or len({signed_value(f) for f in ys}) != 1:
                continue  # one role, several amounts in one paper: which one the other paper means is unknown
            x, y = xs[0], ys[0]
            if signed_value(x) == signed_value(y) or (_unit(x), signed_value(x)) in values_b or (_unit(y), signed_value(y)) in values_a:
                continue  # the agreement above covers it
            if _rounded_alike(x, y):
                out.append(make_finding("agreement", "cases", "ok", name, "amount", [fact_value(x, a.paper_id), fact_value(y, b.paper_id)],
                                        f"{pair} state the same amount, one rounded: “{x.text.strip()}” (p. {x.evidence.page}) "
                                        f"and “{y.text.strip()}” (p. {y.evidence.page}).",
                                        {"paper_a": a.paper_id, "paper_b": b.paper_id, "rounded": True}))
                continue
            out.append(_difference(name, a, b, x, y, p1, p2, slot, rule))
    return out


def _rounded_alike(x: Fact, y: Fact) -> bool:
    """Two amounts of one role printed to different precisions, the finer rounding to the coarser
    ("-1 145 tkr" and "-1,1 miljoner kronor"): one amount restated, not two."""
    hx, hy = rounding_half_step(x), rounding_half_step(y)
    return hx != hy and abs(float(signed_value(x)) - float(signed_value(y))) <= max(hx, hy)


def _by_slot(facts: list[Fact], unit: PaperUnit, roles: tuple[str, ...]) -> dict[tuple, dict[str | None, list[Fact]]]:
    out: dict[tuple, dict[str | None, list[Fact]]] = {}
    for f in facts:
        s = _slot(f, roles)
        if s is not None:
            out.setdefault(s, {}).setdefault(_period(f, unit), []).append(f)
    return out


def _difference(name: str, a: PaperUnit, b: PaperUnit, x: Fact, y: Fact, p1: str | None, p2: str | None,
                slot: tuple, rule: CasesCheck) -> Discrepancy:
    what = (f"“{slot[1]}” ({slot[2] or 'column'})" if slot[0] == "cell" else slot[1].replace("_", " "))
    fieldname = "amount:" + ("cell:" + slot[1] + ":" + slot[2] if slot[0] == "cell" else slot[1])
    values = [fact_value(x, f"{a.paper_id}, {p1 or 'period unknown'}"), fact_value(y, f"{b.paper_id}, {p2 or 'period unknown'}")]
    shown = f"“{x.text.strip()}” (p. {x.evidence.page}) vs “{y.text.strip()}” (p. {y.evidence.page})"
    details: dict = {"paper_a": a.paper_id, "paper_b": b.paper_id, "period_a": p1 or "", "period_b": p2 or ""}
    if p1 and p2 and p1 != p2:
        (e, pe), (l, pl) = sorted(((x, p1), (y, p2)), key=lambda t: t[1])
        change = (float(signed_value(l)) - float(signed_value(e))) / float(signed_value(e)) * 100 if float(e.value) else 0.0
        details["change_pct"] = round(change, 1)
        return make_finding("changed_between_periods", "cases", rule.severity_changed, name, fieldname, values,
                            f"The {what} changed between the papers of {name}: {shown}; periods {pe} → {pl} ({change:+.1f} %).",
                            details)
    certain = p1 is not None and p1 == p2
    why = f"for the same period {p1}" if certain else "and their periods are not both stated"
    return make_finding("conflict", "cases", rule.severity_conflict if certain else rule.severity_conflict_uncertain, name,
                        fieldname, values, f"The papers of {name} state the {what} differently: {shown}, {why}.", details)


