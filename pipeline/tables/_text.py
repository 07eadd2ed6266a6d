"""Shared pieces of table reconstruction: lines of words, typed values, header cues, cell text."""

from __future__ import annotations

import re
import statistics
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from rapidfuzz import fuzz, process

from pipeline.model import BBox, Cell, Document, Page, Word
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
        lines = page_lines(page)
        if lines and out:
            lines[0] = Line(page.number, lines[0].number, lines[0].words, 1)
        out += lines
    return out


def page_lines(page: Page) -> list[Line]:
    """Return the lines of one page, with blank lines counted before each (none before the first)."""
    heights = [w.bbox.bottom - w.bbox.top for w in page.words if w.bbox is not None]
    height = statistics.median(heights) if heights else 0.0
    out: list[Line] = []
    prev: tuple[Word, ...] | None = None
    for number, words in page.lines():
        if prev is None:
            gap = 0
        elif words[0].bbox is not None and prev[0].bbox is not None and height > 0:
            top = min(w.bbox.top for w in words)  # type: ignore[union-attr]
            bottom = max(w.bbox.bottom for w in prev)  # type: ignore[union-attr]
            gap = max(0, round((top - bottom) / height - 0.2))
        else:
            gap = max(0, words[0].line - prev[0].line - 1)
        out.append(Line(page.number, number, words, gap))
        prev = words
    return out


def without_furniture(page: Page, rules: TablesRules) -> Page:
    """Return `page` without the lines that are no table's though set like a row: its foot, its last line
    (`page_foot_patterns`: "Sida 2 av 5", "Socialförvaltningen  Tjänsteskrivelse 2 (5)"; a bare "2" only set
    apart below the text), and a caption of only a bilaga's or table's number (`caption_only_patterns`:
    "Bilaga 1 (forts.)" over the part of a table the page before began). A table running on over the page
    break would take them for rows."""
    lines = page_lines(page)
    drop = {line.number for line in lines if any(re.search(p, line.text) for p in rules.caption_only_patterns)}
    last = lines[-1] if len(lines) > 1 else None
    # a bare number only when set apart: a one-cell-a-line table's last figure is none; "2 (5)" wherever it stands
    if last and (last.gap_before or not last.text.isdigit()) and any(re.search(p, last.text) for p in rules.page_foot_patterns):
        drop.add(last.number)
    return page.model_copy(update={"words": tuple(w for w in page.words if w.line not in drop)}) if drop else page


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


def goes_on_label(label: str, words: list[str]) -> bool:
    """Tell whether a line of words alone under a row's label is the rest of that label ("hemtjänsten"
    under "Utökad bemanning inom", "abonnenterna" under "Reglering skuld VA-"): it starts in lower case
    or the label breaks off. A line starting in capitals is a caption, a section or the next row's label."""
    return bool(words) and (words[0][:1].islower() or label.endswith(("-", ",")))


def has_alnum(text: str) -> bool:
    return any(c.isalnum() or c == "%" for c in text)


@dataclass(frozen=True)
class CueMatch:
    """Words [start, end) of a line that read as the header cue of a column of `kind`."""

    kind: ColumnKind
    start: int
    end: int
    score: float


@dataclass(frozen=True)
class _Cue:
    kind: str
    text: str  # folded
    words: int


@dataclass(frozen=True)
class _Eligible:
    """The cues a phrase of some number of words is matched against, in the order of the rules."""

    cues: tuple[_Cue, ...]
    longer: tuple[_Cue, ...]  # those of more than two characters, scored fuzzily
    longer_texts: tuple[str, ...]


@lru_cache(maxsize=8)
def _cue_table(header_cues: tuple[tuple[str, tuple[str, ...]], ...]) -> dict[int, _Eligible]:
    """The header cues folded once, by the number of words of the phrase they are matched
    against: a phrase of n > 1 words the cues of n words, one word every cue."""
    cues = [_Cue(kind, folded, len(folded.split())) for kind, names in header_cues for cue in names if (folded := fold(cue))]
    table = {}
    for n in range(1, max(c.words for c in cues) + 1):
        chosen = tuple(c for c in cues if n == 1 or c.words == n)
        longer = tuple(c for c in chosen if len(c.text) > 2)
        table[n] = _Eligible(chosen, longer, tuple(c.text for c in longer))
    return table


def match_cues(words: tuple[Word, ...] | list[Word], rules: TablesRules) -> list[CueMatch]:
    """Find header cues on a line, longest cue phrase first, left to right.

    Cues or phrases of one or two characters must be equal; others score `fuzz.ratio` (one word
    also by its first part: a word read with its unit glued on, "kostnad/år", still matches)."""
    table = _cue_table(tuple((kind, tuple(names)) for kind, names in rules.header_cues.items()))
    folded = [fold(w.text) for w in words]
    out: list[CueMatch] = []
    i = 0
    while i < len(words):
        best: CueMatch | None = None
        if folded[i]:
            for n in range(min(len(table), len(words) - i), 0, -1):
                phrase = " ".join(f for f in folded[i : i + n] if f)
                found = _best_cue(phrase, phrase.split()[0] if n == 1 else phrase, table[n], rules.header_min_score)
                if found is not None:
                    best = CueMatch(found[0].kind, i, i + n, found[1])  # type: ignore[arg-type]
                    break
        if best is not None:
            out.append(best)
            i = best.end
        else:
            i += 1
    return out


def _best_cue(phrase: str, head: str, eligible: _Eligible, min_score: float) -> tuple[_Cue, float] | None:
    """The first cue of the highest score of at least `min_score` for `phrase` (or its `head`)."""
    if len(phrase) <= 2:
        return next(((c, 100.0) for c in eligible.cues if c.text == phrase), None)
    scored = [found for query in dict.fromkeys((phrase, head))
              if (found := process.extractOne(query, eligible.longer_texts, scorer=fuzz.ratio, processor=None,
                                              score_cutoff=min_score)) is not None]
    if not scored:
        return None
    _, score, index = min(scored, key=lambda found: (-found[1], found[2]))
    return eligible.longer[index], score


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
