"""Shares of one whole stated in words, by the body that holds each: the papers of a case agree or not.

A fund's yield, a grant or a cost is often divided in words rather than figures: one paper says
"Nämnden för … ansvarar för att dela ut två fjärdedelar av utdelningsbara medel", a later one
"Nämnden för X ska lämna förslag om fördelning av hälften av de utdelningsbara medlen …" and "Nämnden
för Y ska … fördela resterande utdelningsbara medel". An auditor checks that each body's share of the
whole is the same in every paper of the matter (two fourths are one half): a share two papers state
for one body alike is `share_matches`, a different one `share_mismatch`.

A share is a fraction in words (`rules/checks.yaml: shares`: "hälften", "två fjärdedelar", …) or "the
rest" of what a paper's other shares leave; its holder is the first committee its sentence names; its
whole is the words after it ("av de utdelningsbara medlen"), compared as a decision's clauses are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

from pipeline.facts.text import fold
from pipeline.model import Discrepancy, Evidence, Fact, FindingValue
from pipeline.reconcile.decisions import content_words, restated_share
from pipeline.reconcile.findings import make_finding, words_evidence
from pipeline.reconcile.sentences import Sentence
from pipeline.rules import SharesCheck

if TYPE_CHECKING:
    from pipeline.reconcile.cases import PaperUnit


@dataclass(frozen=True)
class StatedShare:
    """One body's share of a whole, as one paper states it."""

    holder: str  # the body's name as the facts stage normalised it
    share: Fraction
    whole: str  # what it is a share of, as printed after the fraction
    text: str  # the words as printed ("två fjärdedelar av utdelningsbara medel")
    evidence: Evidence  # the line the fraction stands on


def _fraction_pattern(rule: SharesCheck) -> re.Pattern[str]:
    """The folded words of a share: a half, a numerator and a denominator ("tva fjardedelar"), or the
    rest; then the words of its whole (`re` keeps the compiled pattern)."""
    alternatives = [f"(?P<half>{'|'.join(rule.halves)})",
                    f"(?P<num>{'|'.join(rule.numerators)}) (?P<den>{'|'.join(rule.denominators)})(?:ar)?",
                    f"(?P<rest>{'|'.join(rule.rest_words)})"]
    return re.compile(rf"\b(?:{'|'.join(alternatives)})\b(?: av)?(?P<whole>(?: [\w&-]+){{1,{rule.whole_words + 3}}})")


def stated_shares(doc_id: str, said: list[Sentence], facts: tuple[Fact, ...],
                  rule: SharesCheck) -> tuple[StatedShare, ...]:
    """The shares one paper states (`said`: its sentences, `sentences.paper_sentences`; `facts`: its
    facts, whose committees are the holders), the rest worked out from the paper's other shares of an
    alike whole."""
    holders = sorted({(fold(f.text).lower(), str(f.value)) for f in facts
                      if f.kind == "party" and f.attrs.get("party_kind") in rule.holder_kinds}, key=lambda h: -len(h[0]))
    found: list[tuple[StatedShare, bool]] = []
    for sentence_said in said:
        sentence, folded = sentence_said.text, fold(sentence_said.text)
        for m in _fraction_pattern(rule).finditer(folded):
            named = [(folded.find(text), value) for text, value in holders if text in folded[: m.start()]]
            if not named:
                continue
            # the sentence's first committee, its subject (the longest name where two start alike: "kommunstyrelsens
            # arbetsutskott", not "kommunstyrelsen")
            holder = min(named, key=lambda n: n[0])[1]
            if m.group("half"):
                share = Fraction(1, 2)
            elif m.group("num"):
                share = Fraction(rule.numerators[m.group("num")], rule.denominators[m.group("den")])
            else:
                share = Fraction(0)  # the rest: worked out below
            page, line, words = sentence_said.line_at(m.start())
            whole = _whole(sentence[m.start("whole"):m.end("whole")], rule)
            text = sentence[m.start():m.start("whole")] + " " + whole
            found.append((StatedShare(holder, share, whole, text.strip(), words_evidence(doc_id, page, line, words)),
                          bool(m.group("rest"))))
    out = []
    for share, rest in found:
        if rest:
            others = {s.holder: s.share for s, r in reversed(found)
                      if not r and s.holder != share.holder and _alike(s.whole, share.whole, rule)}
            if not others or sum(others.values()) >= 1:
                continue  # the rest of what no other share of the paper divides: unknown
            share = StatedShare(share.holder, 1 - sum(others.values()), share.whole, share.text, share.evidence)
        out.append(share)
    return tuple(out)


def _whole(words: str, rule: SharesCheck) -> str:
    """The words after a fraction up to its whole's `whole_words`-th content word ("de utdelningsbara medlen")."""
    out: list[str] = []
    for word in words.split():
        out.append(word)
        if len(content_words(" ".join(out), rule)) >= rule.whole_words:
            break
    return " ".join(out)


def _alike(whole_a: str, whole_b: str, rule: SharesCheck) -> bool:
    """Two wholes that are one: their first content words alike (`decisions.restated_share`)."""
    a, b = (" ".join(content_words(w, rule)[: rule.whole_words]) for w in (whole_a, whole_b))
    return bool(a and b) and restated_share(a, b, rule) >= 0.5


def check_shares(name: str, a: PaperUnit, b: PaperUnit, rule: SharesCheck) -> list[Discrepancy]:
    """Each body whose share of an alike whole both papers state: the same share (`share_matches`) or not."""
    first_a = {s.holder: s for s in reversed(a.shares)}
    first_b = {s.holder: s for s in reversed(b.shares)}
    out = []
    for holder in sorted(set(first_a) & set(first_b)):
        x, y = first_a[holder], first_b[holder]
        if not _alike(x.whole, y.whole, rule):
            continue
        same = x.share == y.share
        values = [FindingValue(doc_id=a.doc_id, value=x.text, label=f"{holder}: {x.share}", evidence=x.evidence),
                  FindingValue(doc_id=b.doc_id, value=y.text, label=f"{holder}: {y.share}", evidence=y.evidence)]
        details = {"paper_a": a.paper_id, "paper_b": b.paper_id, "holder": holder, "share_a": str(x.share), "share_b": str(y.share)}
        said = (f"{a.paper_id[:12]} gives {holder} “{x.text}” ({x.share}) and {b.paper_id[:12]} “{y.text}” ({y.share})")
        out.append(make_finding("share_matches" if same else "share_mismatch", "shares",
                                rule.severity_matches if same else rule.severity_differs, name, "share", values,
                                said + (": the same share." if same else ": different shares."), details))
    return out
