"""A document's words as one searchable string, with the way back from characters to words.

Facts are found by regular expressions over `TextStream.text` (words joined by one space
within a line and by a newline between lines). Every character offset maps back to the
`Word` it came from, so a match yields its Evidence: page, box, scanned and repaired text.
`folded` and `digits` are same-length views of `text` for cue matching and OCR digit fixes.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import cached_property, lru_cache

from pipeline.model import BBox, Document, Evidence, Section, Word

_FOLD = str.maketrans(
    {"å": "a", "ä": "a", "ö": "o", "é": "e", "è": "e", "ü": "u", "á": "a", "à": "a",
     "Å": "A", "Ä": "A", "Ö": "O", "É": "E", "È": "E", "Ü": "U", "Á": "A", "À": "A"}
)
SPACE = "[ \u00a0\u202f\u2009]"
"""A space inside a line: plain, non-breaking, narrow no-break or thin."""
YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
"""A year of the papers' centuries, not part of a longer number (its digits the one group)."""

_ABBREVIATIONS = {"ca", "bl.a", "t.ex", "dvs", "org", "nr", "st", "resp", "kl", "fr.o.m", "t.o.m",
                  "m.m", "o.s.v", "inkl", "exkl", "ex", "jfr", "s.k", "p.g.a", "pga", "enl"}


def fold(text: str) -> str:
    """Return `text` lowercased with Swedish diacritics dropped, keeping its length."""
    return text.lower().translate(_FOLD)


@lru_cache(maxsize=2048)
def cue_regex(pattern: str) -> re.Pattern[str]:
    """Compile a rules cue (folded before compiling, so cues may carry diacritics)."""
    return re.compile(fold(pattern))


def any_cue(patterns: list[str], folded_text: str) -> re.Match[str] | None:
    """Return the first match of any cue in `folded_text`, or None."""
    for pattern in patterns:
        match = cue_regex(pattern).search(folded_text)
        if match:
            return match
    return None


@dataclass(frozen=True)
class Token:
    """One word's place in the stream."""

    start: int
    end: int
    page: int
    word: Word


class TextStream:
    """The words of a document as text, searchable by regex, with offsets back to words."""

    def __init__(self, doc: Document, digit_letters: dict[str, str] | None = None):
        parts: list[str] = []
        tokens: list[Token] = []
        line_spans: list[tuple[int, int, int, int]] = []  # start, end, page, line
        pos = 0
        for page, line, words in doc.lines():
            if parts:
                parts.append("\n")
                pos += 1
            start = pos
            for i, word in enumerate(words):
                if i:
                    parts.append(" ")
                    pos += 1
                tokens.append(Token(pos, pos + len(word.text), page, word))
                parts.append(word.text)
                pos += len(word.text)
            line_spans.append((start, pos, page, line))
        self.doc = doc
        self.text = "".join(parts)
        self.folded = fold(self.text)
        self.flat = self.folded.replace("\n", " ")
        """`folded` with line breaks as spaces: cue phrases match across wrapped lines."""
        self.tokens = tokens
        self.line_spans = line_spans
        self._token_starts = [t.start for t in tokens]
        self._line_starts = [s[0] for s in line_spans]
        self.digits = self._digit_view(digit_letters or {})
        self._sentence_breaks = self._find_sentence_breaks()

    def _digit_view(self, letters: dict[str, str]) -> str:
        """Return the text with OCR letters read for digits fixed inside numeric tokens."""
        if not letters:
            return self.text
        chars = list(self.text)
        allowed = set(letters) | set("0123456789-/")
        previous = ""
        for token in self.tokens:
            core = token.word.text.rstrip(".,:;)")
            numeric = any(c.isdigit() for c in core) and all(c in allowed for c in core)
            # "45 OOO kr": a thousands group read wholly as letters, after a digit group.
            group = len(core) == 3 and all(c in letters for c in core) and previous.isdigit() and len(previous) <= 3
            if numeric or group:
                for i, c in enumerate(core):
                    if c in letters:
                        chars[token.start + i] = letters[c]
            previous = core
        return "".join(chars)

    def _find_sentence_breaks(self) -> list[int]:
        breaks: list[int] = [0]
        blocks = [self.tokens_in(start, end)[0].word.block if end > start else 0
                  for start, end, _, _ in self.line_spans]
        for match in re.finditer(r"[.!?](?=\s)", self.text):
            before = self.text[max(0, match.start() - 8) : match.start()].split()
            word = before[-1].lower().strip("(") if before else ""
            if word in _ABBREVIATIONS or re.fullmatch(r"\d{1,2}", word or "x"):
                continue
            breaks.append(match.end())
        for i in range(1, len(self.line_spans)):
            prev, cur = self.line_spans[i - 1], self.line_spans[i]
            prev_text = self.text[prev[0] : prev[1]]
            cur_text = self.text[cur[0] : cur[1]]
            ends_row = re.search(r"\d\s*(kr|tkr|kronor|%)?$", prev_text) is not None
            same_block = bool(blocks[i - 1]) and blocks[i - 1] == blocks[i] and prev[2] == cur[2]
            continued = not ends_row and (
                (same_block and re.search(r"[.!?:]$", prev_text) is None)
                or (
                    prev[2] == cur[2]
                    and cur[3] == prev[3] + 1
                    and re.search(r"[a-zåäöé,\-]$", prev_text) is not None
                    and re.match(r"[a-zåäöé(]", cur_text) is not None
                )
            )
            if not continued:
                breaks.append(cur[0])
        return sorted(set(breaks))

    def sentence(self, pos: int) -> tuple[int, int]:
        """Return the `(start, end)` offsets of the sentence holding offset `pos`."""
        i = bisect.bisect_right(self._sentence_breaks, pos) - 1
        start = self._sentence_breaks[max(i, 0)]
        end = self._sentence_breaks[i + 1] if i + 1 < len(self._sentence_breaks) else len(self.text)
        return start, end

    def line(self, pos: int) -> tuple[int, int, int, int]:
        """Return `(start, end, page, line)` of the line holding offset `pos`."""
        i = max(bisect.bisect_right(self._line_starts, pos) - 1, 0)
        return self.line_spans[i]

    def tokens_in(self, start: int, end: int) -> list[Token]:
        """Return the tokens overlapping `[start, end)`."""
        i = max(bisect.bisect_right(self._token_starts, start) - 1, 0)
        out = []
        while i < len(self.tokens) and self.tokens[i].start < end:
            if self.tokens[i].end > start:
                out.append(self.tokens[i])
            i += 1
        return out

    def evidence(self, start: int, end: int, low_confidence_below: float) -> Evidence:
        """Build the Evidence of the words under `[start, end)` (boxes on the first page only)."""
        tokens = self.tokens_in(start, end) or self.tokens_in(start, start + 1)
        page = tokens[0].page
        words = [t.word for t in tokens]
        boxes = [t.word.bbox for t in tokens if t.page == page and t.word.bbox is not None]
        confidence = min(w.confidence for w in words)
        return Evidence(
            doc_id=self.doc.doc_id,
            page=page,
            bbox=BBox.union(boxes).rounded() if boxes else None,
            line=words[0].line,
            text_as_scanned=" ".join(w.scanned for w in words),
            text_repaired=" ".join(w.text for w in words),
            confidence=confidence,
            repaired=any(w.repair is not None for w in words),
            low_confidence=confidence < low_confidence_below,
        )

    def digits_suspect(self, start: int, end: int, low_confidence_below: float) -> bool:
        """Tell whether digits under `[start, end)` came from a repair, an OCR letter or a weak read."""
        if self.digits[start:end] != self.text[start:end]:
            return True
        for token in self.tokens_in(start, end):
            w = token.word
            if any(c.isdigit() for c in w.text) and (
                w.confidence < low_confidence_below
                or (w.repair is not None and _digits(w.repair.scanned) != _digits(w.text))
            ):
                return True
        return False

    def section_at(self, pos: int) -> str | None:
        """Return the canonical name of the section holding offset `pos`, if any."""
        if not self.line_spans:
            return None
        _, _, page, line = self.line(pos)
        return self.sections.name_at(page, line)

    def section_span(self, section: Section) -> tuple[int, int]:
        """Return the `(start, end)` offsets of a section's lines.

        Lines come in reading order, so their `(page, line)` keys ascend and bisection finds them.
        """
        first = bisect.bisect_left(self._line_keys, (section.page_start, section.line_start))
        stop = bisect.bisect_right(self._line_keys, (section.page_end, section.line_end))
        return (self.line_spans[first][0], self.line_spans[stop - 1][1]) if stop > first else (0, 0)

    def page_lines(self, page: int) -> list[tuple[int, int, int, int]]:
        """Return the `(start, end, page, line)` of every line of `page`, in reading order."""
        return self.line_spans[bisect.bisect_left(self._line_keys, (page, 0)) : bisect.bisect_left(self._line_keys, (page + 1, 0))]

    @cached_property
    def sections(self) -> SectionIndex:
        return SectionIndex(self.doc.sections)

    @cached_property
    def _line_keys(self) -> list[tuple[int, int]]:
        return [(page, line) for _, _, page, line in self.line_spans]


class SectionIndex:
    """Which section holds a line: sections come in reading order and do not overlap (segmentation
    cuts the text at its headings), so the one that starts last at or before the line is it."""

    def __init__(self, sections: tuple[Section, ...]):
        self._sections = sections
        self._starts = [(s.page_start, s.line_start) for s in sections]

    def name_at(self, page: int, line: int) -> str | None:
        i = bisect.bisect_right(self._starts, (page, line)) - 1
        if i >= 0 and (page, line) <= (self._sections[i].page_end, self._sections[i].line_end):
            return self._sections[i].name
        return None


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())
