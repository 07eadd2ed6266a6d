"""A decision against the proposal it decides: every clause proposed is in the decision.

A nämnd proposes to the body above it ("Nämnden för … förslag till Kommunstyrelsen: Kommunstyrelsen
beslutar att …", "Beslut – Förslag till kommunfullmäktige"), an officer's tjänsteskrivelse to its
nämnd ("Förslag till beslut"); the paragraph of that body's protokoll that decides the matter states
the decision ("Beslut"). An auditor reads the two side by side: a clause proposed that no clause of
the decision restates (the decision left it out, or changed it beyond recognition) is worth a look
(`conflict`); a clause the decision restates is an `agreement`.

A decision decides a proposal when its paper cites the proposing paragraph (its meeting date and §)
or shares its Dnr, and is dated after it. Clauses are the sentences of those sections; one clause
restates another when most of its words (function words aside) stand in it, each word compared
fuzzily so that a scan's misread letter does not part them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rapidfuzz import fuzz, process

from pipeline.facts.text import fold
from pipeline.model import Discrepancy, Document, Evidence, FindingValue
from pipeline.reconcile.findings import make_finding, words_evidence
from pipeline.reconcile.sentences import Line, sentences
from pipeline.rules import DecisionsCheck, SharesCheck

if TYPE_CHECKING:
    from pipeline.reconcile.cases import PaperUnit

_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Clause:
    """One sentence of a paper's decision or proposal, where its first line stands."""

    text: str
    section: str
    proposal: bool  # a proposal to another body (else the paper's own decision)
    evidence: Evidence


def decision_clauses(doc: Document, lines: list[Line], rule: DecisionsCheck) -> tuple[Clause, ...]:
    """The clauses of the decision and proposal sections of one paper of `doc` (`lines`: its pages'
    lines, as `Document.lines` gives them). A decision section whose heading proposes ("… förslag
    till Kommunstyrelsen") holds a proposal."""
    if not lines:
        return ()
    first, last = lines[0][0], lines[-1][0]
    out: list[Clause] = []
    for section in doc.sections:
        if not first <= section.page_start <= last:
            continue
        if section.name in rule.proposal_sections:
            proposal = True
        elif section.name in rule.decision_sections:
            proposal = re.search(rule.proposal_heading, fold(section.heading)) is not None
        else:
            continue
        body = [(p, ln, words) for p, ln, words in lines
                if (section.page_start, section.line_start) <= (p, ln) <= (section.page_end, section.line_end)]
        out += _sentences(doc.doc_id, _after_heading(body, section.heading), section.name, proposal)
    return tuple(out)


def _after_heading(body: list[Line], heading: str) -> list[Line]:
    """A section's lines without its heading (one line, or two it was wrapped on)."""
    texts = [" ".join(w.text for w in words) for _, _, words in body[:2]]
    skip = 2 if len(texts) == 2 and heading == f"{texts[0]} {texts[1]}" else 1
    return body[skip:]


def _sentences(doc_id: str, body: list[Line], section: str, proposal: bool) -> list[Clause]:
    """The sentences of a section's lines (`sentences.sentences`), each with the evidence of the line it starts on."""
    return [Clause(s.text, section, proposal, words_evidence(doc_id, *s.starts[0][1])) for s in sentences(body)]


def content_words(text: str, rule: DecisionsCheck | SharesCheck) -> list[str]:
    """A clause's folded words but its function words (`rule.ignored_words`)."""
    return [w for w in _WORD.findall(fold(text).lower()) if w not in rule.ignored_words]


def restated_share(clause: str, decision: str, rule: DecisionsCheck | SharesCheck) -> float:
    """The share of `clause`'s content words that `decision` holds (each at least `rule.word_similarity` alike)."""
    want, have = content_words(clause, rule), content_words(decision, rule)
    if not want:
        return 1.0
    found = sum(process.extractOne(w, have, scorer=fuzz.ratio, score_cutoff=rule.word_similarity) is not None for w in want)
    return found / len(want)


def check_decided(name: str, a: PaperUnit, b: PaperUnit, rule: DecisionsCheck) -> list[Discrepancy]:
    """Each clause the earlier of two papers of a case proposes, against the later one's decision (an
    agreement where a clause of it restates the clause, else a conflict), when the later decides the
    earlier (it cites the earlier's paragraph or shares its Dnr)."""
    first, then = sorted((a, b), key=lambda u: (u.own_date or "", u.paper_id))
    if not (first.own_date and then.own_date and first.own_date < then.own_date):
        return []
    if not ((first.paragraph and first.paragraph in then.cites) or (first.dnr and first.dnr == then.dnr)):
        return []
    proposed = [c for c in first.clauses if c.proposal]
    decided = [c for c in then.clauses if c.section in rule.decision_sections]  # a decision to propose onward too
    if not (proposed and decided):
        return []
    out = []
    for clause in proposed:
        share, _, best = max((restated_share(clause.text, d.text, rule), -k, d) for k, d in enumerate(decided))  # the first of the best
        values = [FindingValue(doc_id=first.doc_id, value=clause.text, label=f"{first.paper_id} proposal", evidence=clause.evidence),
                  FindingValue(doc_id=then.doc_id, value=best.text, label=f"{then.paper_id} decision", evidence=best.evidence)]
        details = {"paper_a": first.paper_id, "paper_b": then.paper_id, "restated_share": round(share, 2)}
        if share >= rule.min_restated_share:
            out.append(make_finding("agreement", "decisions", rule.severity_restated, name, "decision", values,
                                    f"{first.paper_id[:12]} proposes “{clause.text}”; the decision of {then.paper_id[:12]} "
                                    f"restates it: “{best.text}” ({share:.0%} of its words).", details))
        else:
            out.append(make_finding("conflict", "decisions", rule.severity_left_out, name, "decision", values,
                                    f"{first.paper_id[:12]} proposes “{clause.text}”; the decision of {then.paper_id[:12]} "
                                    f"restates it nowhere (its closest clause, “{best.text}”, holds {share:.0%} of its words).",
                                    details))
    return out
