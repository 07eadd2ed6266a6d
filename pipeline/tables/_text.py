"""Shared pieces of table reconstruction: lines of words, typed values, header cues, cell text."""

from __future__ import annotations

import re
import statistics
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from rapidfuzz import fuzz

from pipeline.model import BBox, Cell, Document, Word
from pipeline.rules import TablesRules

ColumnKind = Literal["name", "count", "text", "amount", "percent"]
ValueKind = Literal["amount", "count", "percent"]
TYPED: tuple[ValueKind, ...] = ("amount", "count", "percent")


@dataclass(frozen=True)
class Line:
    """One line of a page: its words, and how many blank lines stand before it."""

    page: int
    number: int
    words: tuple[Word, ...]
    gap_before: int

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def bbox(self) -> BBox | None:
        return union_bbox(self.words)


@dataclass(frozen=True)
class Value:
    """A typed value found on a line: words [start, end) of the line."""

    kind: ValueKind
    start: int
    end: int


def union_bbox(words: tuple[Word, ...] | list[Word]) -> BBox | None:
    """Return the box around `words`, or None when any of them has no box (plain text)."""
    boxes = [w.bbox for w in words]
    if not boxes or any(b is None for b in boxes):
        return None
    return BBox.union(boxes).rounded()  # type: ignore[arg-type]


def document_lines(doc: Document) -> list[Line]:
    """Return every line of `doc` in reading order, with blank lines counted before each.

    Plain text counts skipped line numbers; boxed words count the vertical gap in median
    line heights. A page break counts as one blank line.
    """
    out: list[Line] = []
    for page in doc.pages:
        groups: list[list[Word]] = []
        for word in page.words:
            if groups and groups[-1][-1].line == word.line:
                groups[-1].append(word)
            else:
                groups.append([word])
        heights = [w.bbox.bottom - w.bbox.top for w in page.words if w.bbox is not None]
        height = statistics.median(heights) if heights else 0.0
        prev: list[Word] | None = None
        for group in groups:
            if prev is None:
                gap = 1 if out else 0
            elif group[0].bbox is not None and prev[0].bbox is not None and height > 0:
                top = min(w.bbox.top for w in group)  # type: ignore[union-attr]
                bottom = max(w.bbox.bottom for w in prev)  # type: ignore[union-attr]
                gap = max(0, round((top - bottom) / height - 0.2))
            else:
                gap = max(0, group[0].line - prev[0].line - 1)
            out.append(Line(page.number, group[0].line, tuple(group), gap))
            prev = group
    return out


@lru_cache(maxsize=16)
def _value_patterns(amount_units: tuple[str, ...], count_units: tuple[str, ...]) -> dict[str, re.Pattern[str]]:
    amount_unit = "|".join(re.escape(u) for u in sorted(amount_units, key=len, reverse=True))
    count_unit = "|".join(re.escape(u) for u in sorted(count_units, key=len, reverse=True))
    number = r"(?<![\w,.])(?:\d{1,4}(?: \d{3})+|\d+)(?:,\d+)?"
    return {
        # grouped thousands ("1 670 400", OCR's "1100 000") or any number with a unit
        "amount": re.compile(
            rf"(?:(?<![\w,.])\d{{1,4}}(?: \d{{3}})+(?:,\d+)?(?: ?(?:{amount_unit})(?![\w]))?"
            rf"|{number} ?(?:{amount_unit})(?![\w]))",
            re.IGNORECASE,
        ),
        "count": re.compile(rf"{number} ?(?:{count_unit})(?![\w])\.?", re.IGNORECASE),
        "percent": re.compile(rf"{number} ?%"),
    }


def find_values(words: tuple[Word, ...] | list[Word], rules: TablesRules) -> list[Value]:
    """Return the typed values on a line of words, left to right, as word index ranges.

    Amounts come first (a grouped number is an amount even with "st" after it is rare), and
    a word belongs to at most one value.
    """
    text_parts: list[str] = []
    spans: list[tuple[int, int]] = []
    pos = 0
    for word in words:
        spans.append((pos, pos + len(word.text)))
        text_parts.append(word.text)
        pos += len(word.text) + 1
    text = " ".join(text_parts)
    patterns = _value_patterns(tuple(rules.amount_units), tuple(rules.count_units))
    taken: set[int] = set()
    found: list[Value] = []
    for kind in ("percent", "amount", "count"):
        for match in patterns[kind].finditer(text):
            idx = [i for i, (a, b) in enumerate(spans) if a < match.end() and b > match.start()]
            if not idx or taken.intersection(idx):
                continue
            taken.update(idx)
            found.append(Value(kind, idx[0], idx[-1] + 1))  # type: ignore[arg-type]
    return sorted(found, key=lambda v: v.start)


def fold(text: str) -> str:
    """Lower-case, strip diacritics and punctuation (keeping %): the form cues are matched in."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[^\w%]+", " ", plain).strip()


def has_alnum(text: str) -> bool:
    return any(c.isalnum() or c == "%" for c in text)


@dataclass(frozen=True)
class CueMatch:
    """Words [start, end) of a line that read as the header cue of a column of `kind`."""

    kind: ColumnKind
    start: int
    end: int
    score: float


def match_cues(words: tuple[Word, ...] | list[Word], rules: TablesRules) -> list[CueMatch]:
    """Find header cues on a line, longest cue phrase first, left to right."""
    cues = [(kind, fold(cue)) for kind, names in rules.header_cues.items() for cue in names]
    max_len = max(len(c.split()) for _, c in cues)
    folded = [fold(w.text) for w in words]
    out: list[CueMatch] = []
    i = 0
    while i < len(words):
        best: CueMatch | None = None
        if folded[i]:
            for n in range(min(max_len, len(words) - i), 0, -1):
                phrase = " ".join(f for f in folded[i : i + n] if f)
                for kind, cue in cues:
                    if len(cue.split()) != n and n > 1:
                        continue
                    if len(cue) <= 2 or len(phrase) <= 2:
                        score = 100.0 if phrase == cue else 0.0
                    else:
                        # one word read with its unit glued on ("kostnad/år") still matches
                        head = phrase.split()[0] if n == 1 else phrase
                        score = max(fuzz.ratio(phrase, cue), fuzz.ratio(head, cue))
                    if score >= rules.header_min_score and (best is None or score > best.score):
                        best = CueMatch(kind, i, i + n, score)  # type: ignore[arg-type]
                if best is not None:
                    break
        if best is not None:
            out.append(best)
            i = best.end
        else:
            i += 1
    return out


def join_lines(lines: list[list[Word]]) -> str:
    """Join lines of words into cell text, undoing end-of-line hyphenation ("Stads-" "mission")."""
    out = ""
    for words in lines:
        for word in words:
            text = word.text
            if out.endswith("-") and len(out) > 1 and out[-2].isalpha() and text[:1].islower():
                out = out[:-1] + text
            else:
                out = f"{out} {text}" if out else text
    return out


def make_cell(row: int, col: int, parts: list[list[list[Word]]]) -> Cell | None:
    """Build a cell from parts (each a list of word lines); parts are joined with " / "."""
    texts = [join_lines(p) for p in parts if any(p)]
    words = [w for p in parts for line in p for w in line]
    if not words:
        return None
    return Cell(row=row, col=col, text=" / ".join(t for t in texts if t), bbox=union_bbox(words))
