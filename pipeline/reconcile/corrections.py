"""A correction a paper states in words: where a paper says one of its figures was wrong.

Papers correct themselves in words ("ett fel har upptäckts i prislistan vilket behöver rättas", "har
räknats upp från ett felaktigt gammalt värde och ska istället vara 17 100 kr/år", "Rättelse: …"). No
check could redo such a sentence's arithmetic, but it says one figure of the matter has been stated two
ways, and the auditor should read the words and the figure they give. One `within_paper_conflict`
(warning) per paper that states a correction: the lines so worded, and the amounts of the text on them
and on the `window_lines` after each, every one with its evidence.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipeline.facts.text import any_cue, fold
from pipeline.model import Discrepancy, Document, FindingValue, Word
from pipeline.reconcile.findings import fact_value, make_finding, words_evidence
from pipeline.rules import CorrectionsCheck

if TYPE_CHECKING:
    from pipeline.reconcile.cases import PaperUnit


def check_corrections(doc: Document, units: list[PaperUnit], rule: CorrectionsCheck) -> list[Discrepancy]:
    """The corrections each paper of `doc` states (see the module): one finding a paper."""
    lines = doc.lines()
    out = []
    for unit in units:
        first, last = unit.pages
        own = [(p, ln, words) for p, ln, words in lines if first <= p <= last]
        said = [k for k, (_, _, words) in enumerate(own) if any_cue(rule.cues, fold(_text(words))) is not None]
        if not said:
            continue
        near = {(own[j][0], own[j][1]) for k in said for j in range(k, min(k + 1 + rule.window_lines, len(own)))}
        amounts = [f for f in unit.facts if f.kind == "amount" and "column" not in f.attrs and "table" not in f.attrs
                   and (f.evidence.page, f.evidence.line) in near]
        texts = [_text(own[k][2]) for k in said]
        values = [FindingValue(doc_id=doc.doc_id, value=text, label="correction stated", evidence=words_evidence(doc.doc_id, *own[k]))
                  for k, text in zip(said, texts)]
        values += [fact_value(f, f.role or "amount") for f in amounts]
        figures = "; the figures it gives: " + ", ".join(f"“{f.text}”" for f in amounts) if amounts else ""
        quoted = " … ".join(f"“{text}”" for text in texts)
        out.append(make_finding("within_paper_conflict", "corrections", rule.severity, unit.paper_id, "correction", values,
                                f"{unit.paper_id[:12]} states that a figure was wrong (p. {own[said[0]][0]}): {quoted}{figures}.",
                                {"paper_id": unit.paper_id}))
    return out


def _text(words: tuple[Word, ...]) -> str:
    return " ".join(w.text for w in words)

