"""Repair Swedish words damaged by OCR without Swedish data ("Gdteborg", "6ka", "n&r").

Each word is kept or replaced by the look-alike real word that best explains it, a noisy-channel
choice: score(c) = log P(c) + log P(scanned | c). P(c) comes from the lexicon (pipeline.lexicon);
P(scanned | c) from the learned look-alikes in rules/confusions.yaml, mixed with the document's
damage level d (a clean page has d near 0, so its words stay). Ambiguous real-word pairs
(ar: är/år, stod/stöd) are settled by context rules in rules/repair.yaml and by how the same word
is spelled elsewhere in the document. The scanned form is kept beside every repair.
"""

from __future__ import annotations

import logging

from pipeline.lexicon import Lexicon
from pipeline.model import Document, Page, PageRepairStats, Repair, Word
from pipeline.repair.context import Repairer
from pipeline.repair.tokens import (
    Slot,
    _apply_joins,
    _parse_line,
    _render_token,
    _split_token,
    _Token,
    _tokens_to_slots,
)
from pipeline.rules import Rules

__all__ = ["REPAIRED_KINDS", "main", "repair_document", "repair_lines"]

log = logging.getLogger(__name__)

REPAIRED_KINDS = frozenset({"ocr", "damaged_text"})


def repair_lines(lines: list[str], rules: Rules, lexicon: Lexicon | None = None) -> list[str]:
    """Repair plain-text lines as one text (form feeds start new pages); keep whitespace as is.

    Args:
        lines: the scanned lines, without their newlines.
        rules: the validated rules (look-alikes, thresholds, context rules).
        lexicon: the lexicon to use (default: the process-wide one; the bench passes held-out ones).

    Returns:
        One repaired line per line in; only words change, never spacing or punctuation.
    """
    repairer = Repairer(rules, lexicon)
    symbols = repairer.scorer.channel.symbols
    parsed = [_parse_line(line, symbols) for line in lines]
    pages, page = [], 0
    for line in lines:
        pages.append(page)
        page += line.count("\f")
    slots = _tokens_to_slots([tokens for _, tokens in parsed], pages)
    repairer.run(slots)
    _apply_joins(slots)
    out = []
    for pieces, tokens in parsed:
        rendered = iter(_render_token(t) for t in tokens)
        out.append("".join(p if k % 2 else (next(rendered) if p else "") for k, p in enumerate(pieces)))
    return out


def repair_document(doc: Document, rules: Rules) -> Document:
    """Repair the words of every OCR and damaged-text page; pass clean text pages through.

    Returns:
        A new Document: repaired words carry `repair` (scanned form, confidence, reason) and every
        page carries `PageRepairStats`.
    """
    pages_to_fix = [p for p in doc.pages if p.kind in REPAIRED_KINDS]
    if not pages_to_fix:  # a clean text layer: no lexicon to load, which is most of a text batch's start
        return doc.model_copy(update={"pages": tuple(_passed_through(page) for page in doc.pages)})
    repairer = Repairer(rules)
    symbols = repairer.scorer.channel.symbols
    per_word: list[tuple[Page, Word, _Token]] = []
    lines: list[list[_Token]] = []
    line_pages: list[int] = []
    for page in pages_to_fix:
        current_line, current = None, []
        for word in page.words:
            token = _split_token(word.text, symbols)
            if current_line is not None and word.line != current_line:
                lines.append(current)
                line_pages.append(page.number)
                current = []
            current_line = word.line
            current.append(token)
            per_word.append((page, word, token))
        if current:
            lines.append(current)
            line_pages.append(page.number)
    slots = _tokens_to_slots(lines, line_pages)
    repairer.run(slots)
    _apply_joins(slots)
    new_words: dict[int, list[Word]] = {}
    for page, word, token in per_word:
        text = _render_token(token)
        changed = [p for p in token.parts if isinstance(p, Slot) and p.result is not None]
        if text != word.text and changed:
            repair = Repair(
                scanned=word.text,
                confidence=min(1.0, max(0.0, min(s.confidence for s in changed))),
                reason="+".join(sorted({s.reason for s in changed})),
            )
            word = word.model_copy(update={"text": text, "repair": repair})
        new_words.setdefault(page.number, []).append(word)
    pages = []
    for page in doc.pages:
        if page.kind not in REPAIRED_KINDS:
            pages.append(_passed_through(page))
            continue
        words = tuple(new_words.get(page.number, ()))
        repaired = sum(w.repair is not None for w in words)
        stats = PageRepairStats(
            words=len(words), repaired=repaired, share_repaired=round(repaired / len(words), 4) if words else 0.0
        )
        pages.append(page.model_copy(update={"words": words, "repair": stats}))
        log.debug("repair %s page %d: %d of %d words", doc.doc_id[:12], page.number, repaired, len(words))
    return doc.model_copy(update={"pages": tuple(pages)})


def _passed_through(page: Page) -> Page:
    """A page repair leaves alone (a clean text layer), with stats that say so."""
    return page.model_copy(update={"repair": PageRepairStats(words=len(page.words), repaired=0, share_repaired=0.0)})


def main() -> int:
    """Repair stdin line by line to stdout (a quick check; the CLI is `papers repair FILE`)."""
    import sys

    from pipeline.rules import load_rules

    lines = sys.stdin.read().split("\n")
    sys.stdout.write("\n".join(repair_lines(lines, load_rules())))
    return 0
