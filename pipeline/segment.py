"""Sections of a committee paper: find headings, name them canonically, note oddities.

A heading is a short line, optionally numbered ("4. Bakgrund") and ending in ":", whose
folded text is close (rapidfuzz ratio) to a heading wording in rules/sections.yaml or matches
one of its patterns. A heading may wrap onto a second line. Lines before the first heading
are the header block; its last line is the title. Fonts are not used, so the same rules work
on plain text, text layers and OCR.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass

from rapidfuzz import fuzz

from pipeline.facts.text import fold
from pipeline.model import BBox, Document, Section, Word
from pipeline.rules import Rules, SectionsRules

log = logging.getLogger(__name__)

_NUMBERED = re.compile(r"^\s*(\d{1,2})\s*[.)]\s+(\S.*)$")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class _Line:
    page: int
    line: int
    words: tuple[Word, ...]

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)


@dataclass(frozen=True)
class _Heading:
    index: int  # index of the first line in the line list
    n_lines: int
    name: str
    text: str
    number: int | None
    score: float


@lru_cache(maxsize=4096)
def normalize_heading(text: str) -> str:
    """Return a heading's comparable form: folded, punctuation dropped, spaces collapsed."""
    return " ".join(re.sub(r"[^\w():]+", " ", fold(text)).replace("_", " ").split())


def match_heading(text: str, rules: SectionsRules, *, after_first: bool) -> tuple[str, float] | None:
    """Return `(canonical name, score 0-100)` of the best heading match of `text`, or None.

    Args:
        text: the line, number prefix already removed.
        rules: the section rules.
        after_first: whether a heading was already seen (enables `after_first_heading` rules).
    """
    body = normalize_heading(text.rstrip(":").strip())
    if not body or len(body.split()) > rules.heading_max_words:
        return None
    best: tuple[str, float] | None = None
    for section in rules.sections:
        if section.after_first_heading and not after_first:
            continue
        score = max((fuzz.ratio(body, normalize_heading(h)) for h in section.headings), default=0.0)
        if any(re.fullmatch(fold(p), body) for p in section.patterns):
            score = 100.0
        if score >= rules.min_score and (best is None or score > best[1]):
            best = (section.name, float(score))
    return best


def _split_number(text: str) -> tuple[int | None, str]:
    match = _NUMBERED.match(text)
    if match:
        return int(match.group(1)), match.group(2)
    return None, text


def _find_headings(lines: list[_Line], rules: SectionsRules) -> list[_Heading]:
    headings: list[_Heading] = []
    i = 0
    while i < len(lines):
        number, body = _split_number(lines[i].text)
        if body.rstrip().endswith("."):
            i += 1
            continue
        found = match_heading(body, rules, after_first=bool(headings))
        n_lines, text = 1, body
        if i + 1 < len(lines) and lines[i + 1].page == lines[i].page:
            joined = body + " " + lines[i + 1].text
            found2 = match_heading(joined, rules, after_first=bool(headings))
            if found2 and (found is None or found2[1] > found[1]):
                found, n_lines, text = found2, 2, joined
        if found:
            headings.append(_Heading(i, n_lines, found[0], text.strip(), number, found[1]))
            i += n_lines
        else:
            i += 1
    return headings


def _box(words: list[Word]) -> BBox | None:
    boxes = [w.bbox for w in words if w.bbox is not None]
    return BBox.union(boxes).rounded() if boxes else None


def _sections(lines: list[_Line], headings: list[_Heading], rules: SectionsRules) -> list[Section]:
    sections: list[Section] = []
    first = headings[0].index if headings else len(lines)
    if first > 0:
        title = lines[first - 1]
        if first > 1:
            sections.append(
                Section(name=rules.header_name, heading=lines[0].text, page_start=lines[0].page,
                        line_start=lines[0].line, page_end=lines[first - 2].page,
                        line_end=lines[first - 2].line, bbox=_box(list(lines[0].words)), score=100.0)
            )
        sections.append(
            Section(name=rules.title_name, heading=title.text, page_start=title.page,
                    line_start=title.line, page_end=title.page, line_end=title.line,
                    bbox=_box(list(title.words)), score=100.0)
        )
    for k, heading in enumerate(headings):
        last = (headings[k + 1].index if k + 1 < len(headings) else len(lines)) - 1
        head_lines = lines[heading.index : heading.index + heading.n_lines]
        sections.append(
            Section(
                name=heading.name,
                heading=heading.text,
                page_start=head_lines[0].page,
                line_start=head_lines[0].line,
                page_end=lines[last].page,
                line_end=lines[last].line,
                bbox=_box([w for line in head_lines for w in line.words]),
                score=round(heading.score, 1),
            )
        )
    return sections


def _notes(lines: list[_Line], headings: list[_Heading], sections: list[Section],
           rules: SectionsRules) -> list[str]:
    notes: list[str] = []
    numbered = [h for h in headings if h.number is not None]
    for prev, cur in zip(numbered, numbered[1:]):
        if cur.number != prev.number + 1:
            at = lines[cur.index]
            notes.append(
                f"section numbering jumps from {prev.number} to {cur.number} "
                f"('{cur.text}', page {at.page}, line {at.line})"
            )
    counts = Counter(h.name for h in headings)
    for name, count in sorted(counts.items()):
        if count > 1:
            notes.append(f"section '{name}' appears {count} times")
    # a section's lines by bisection over the lines in (page, line) order, not a scan of the
    # document per section: a 500-page document has hundreds of sections
    order = sorted(range(len(lines)), key=lambda i: (lines[i].page, lines[i].line))
    keys = [(lines[i].page, lines[i].line) for i in order]
    for section in sections:
        inside = order[bisect_right(keys, (section.page_start, section.line_start)):
                       bisect_right(keys, (section.page_end, section.line_end))]
        body = " ".join(lines[i].text for i in sorted(inside))
        seen: Counter[str] = Counter()
        for sentence in _SENTENCE_END.split(body):
            key = " ".join(sentence.split())
            if len(key.split()) >= rules.repeated_sentence_min_words:
                seen[key] += 1
        for sentence, count in seen.items():
            if count > 1:
                notes.append(
                    f"sentence repeated {count} times in section '{section.name}' "
                    f"(page {section.page_start}, line {section.line_start}): '{sentence}'"
                )
    return notes


def segment(doc: Document, rules: Rules) -> Document:
    """Fill `doc.sections` with canonical sections and `doc.notes` with structural oddities.

    Args:
        doc: a document after repair (words carry their line numbers).
        rules: validated rules; `rules.sections` names headings.

    Returns:
        A copy of `doc` with sections (in reading order, page/line spans, heading boxes)
        and notes appended.
    """
    lines = [_Line(page, line, words) for page, line, words in doc.lines()]
    headings = _find_headings(lines, rules.sections)
    sections = _sections(lines, headings, rules.sections)
    notes = _notes(lines, headings, sections, rules.sections)
    log.debug("%s: %d sections, %d notes", doc.doc_id[:12], len(sections), len(notes))
    kept = tuple(n for n in doc.notes if n not in notes)  # re-running segment adds nothing twice
    return doc.model_copy(update={"sections": tuple(sections), "notes": kept + tuple(notes)})
