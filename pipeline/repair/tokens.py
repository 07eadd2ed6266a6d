"""Split scanned words into repairable slots and punctuation, join hyphenated line ends, render back."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from pipeline.lexicon import skeleton

if TYPE_CHECKING:
    from pipeline.repair.scoring import Choice

_LEAD = "(\"'«»“”‘’*•<"
_TRAIL = ".,:;!?)\"'»«”“’…>]}"
_CLOSES = {"[": "]", "{": "}"}
"""Opening brackets the look-alikes read as letters ("[OP" for "IOP"), and what closes each."""
_SPLIT = re.compile(r"([-/–])")
_HAS_DIGIT = re.compile(r"\d")
_SPACES = re.compile(r"(\s+)")


@dataclass(slots=True)
class Slot:
    """One repairable piece of a token: its scanned text and where its lower-case form stands."""

    text: str
    lower: str
    eligible: bool
    choice: Choice | None = None
    result: str | None = None
    confidence: float = 0.0
    reason: str = ""
    joined_with: int | None = None
    join_tail: bool = False
    page: int = 0
    bare: bool = False
    after_slash: bool = False
    ends_sentence: bool = False
    line_start: bool = False
    after_blank: bool = False
    """The slot is its line's first word and a blank line stands before it: a paragraph's or a
    heading's start, whatever the line before the blank ends with."""
    word_start: bool = False
    """The slot begins its token, which has no leading punctuation: it stands as a word of prose
    ("år", "år."), not as part of an option, a placeholder or a code ("--soft", "<namn>", "-j")."""
    first_case: str = ""
    """"upper" or "lower" when the repair decided the first letter's case (a restored dropped
    letter, a capital look-alike mid-sentence); empty: the scanned form's case is kept."""


@dataclass(slots=True)
class _Token:
    lead: str
    parts: list[str | Slot] = field(default_factory=list)
    trail: str = ""


def _split_token(token: str, symbols: frozenset[str]) -> _Token:
    lead, parts, trail = _token_layout(token, symbols)
    return _Token(lead, [p if isinstance(p, str) else Slot(*p) for p in parts], trail)


@lru_cache(maxsize=100_000)
def _token_layout(token: str, symbols: frozenset[str]) -> tuple[str, tuple[str | tuple[str, str, bool], ...], str]:
    """Split a token into lead, parts (a separator, or a slot's text, lower case and eligibility)
    and trail: a token splits the same way wherever it stands, so each is split once."""
    i, j = 0, len(token)
    if token[:1] in _CLOSES and _CLOSES[token[0]] in token[1:]:
        i = 1  # "[ARGUMENT]", "{kat}": a bracket that closes in the same token is no look-alike
    while i < j and token[i] in _LEAD and token[i] not in symbols:
        i += 1
    while j > i and token[j - 1] in _TRAIL and token[j - 1] not in symbols:
        j -= 1
    core = token[i:j]
    pieces = _SPLIT.split(core) if core else []
    has_digit_part = bool(_HAS_DIGIT.search(core)) and (
        any(p.isdigit() for p in pieces) or sum(_HAS_DIGIT.search(p) is not None for p in pieces) > 1
    )
    parts = tuple(
        piece if k % 2 == 1 else (piece, piece.lower(), _eligible(piece, has_digit_part, symbols))
        for k, piece in enumerate(pieces)
        if piece
    )
    return token[:i], parts, token[j:]


def _eligible(piece: str, has_digit_part: bool, symbols: frozenset[str]) -> bool:
    if len(piece) == 1:
        return piece in symbols  # a lone look-alike of "i" ("1", "|"), decided by context alone
    letters = sum(ch.isalpha() for ch in piece)
    if letters == 0:
        return False
    if letters <= 4 and piece.isalpha() and piece[1:].isupper():
        return False  # an acronym ("GA", "SKR", "lOP"): only a symbol in it marks damage
    if letters <= 4 and any(a.islower() and b.isupper() for a, b in zip(piece, piece[1:])):
        return False  # a short mixed-case code ("NaN" of a spreadsheet cell, "KSau"), not a damaged word
    if any(not ch.isalpha() and ch not in symbols for ch in piece):
        return False
    if _HAS_DIGIT.search(piece):
        if not any(ch.islower() for ch in piece):
            return False  # a code ("4G", "GA1", "B52"): a digit among capitals is no look-alike
        digits = sum(ch.isdigit() for ch in piece)
        return not has_digit_part and digits <= 2 and digits < letters + 1 and len(piece) >= 2
    return len(piece) >= 2


def _case_like(scanned: str, word: str) -> str:
    letters = [ch for ch in scanned if ch.isalpha()]
    if len(letters) >= 2 and all(ch.isupper() for ch in letters[1:]):
        return word.upper()
    if scanned[:1].isupper() or (not scanned[:1].isalpha() and letters and letters[0].isupper()):
        return word[:1].upper() + word[1:]
    return word



def _first_case(word: str, case: str) -> str:
    """Apply a repair's decision on the first letter's case ("upper", "lower" or "" to keep)."""
    if case == "upper":
        return word[:1].upper() + word[1:]
    if case == "lower" and not word[1:2].isupper():
        return word[:1].lower() + word[1:]
    return word


def _tokens_to_slots(token_lists: list[list[_Token]], pages: list[int] | None = None) -> list[Slot]:
    """Flatten lines of tokens into slots in reading order and link hyphenated line ends to their rest.

    Args:
        token_lists: the tokens of each line.
        pages: the page index of each line (all 0 if None), for per-page damage levels.
    """
    slots: list[Slot] = []
    last_trail = ""
    last_of_line: list[tuple[int, _Token]] = []
    for line_no, tokens in enumerate(token_lists):
        page = pages[line_no] if pages else 0
        first_index = len(slots)
        for token in tokens:
            line_start = len(slots) == first_index
            bare = not token.lead and not token.trail and sum(isinstance(p, Slot) for p in token.parts) == 1
            ends_sentence = token.trail[-1:] in (".", "!", "?", ":")
            for i, p in enumerate(token.parts):
                if isinstance(p, Slot):
                    p.after_slash = (i > 0 and token.parts[i - 1] == "/") or (
                        i == 0 and not token.lead and bool(slots) and slots[-1].ends_sentence is False
                        and last_trail.endswith("/")
                    )
                    p.bare = bare
                    p.page = page
                    p.line_start = line_start and i == 0
                    p.after_blank = p.line_start and line_no > 0 and not token_lists[line_no - 1]
                    p.word_start = i == 0 and not token.lead
                    p.ends_sentence = ends_sentence
                    slots.append(p)
            last_trail = token.trail or (token.parts[-1] if token.parts and isinstance(token.parts[-1], str) else "")
        if last_of_line and first_index < len(slots):
            prev_idx, prev_token = last_of_line[-1]
            nxt = slots[first_index]
            if (
                prev_token.parts
                and prev_token.parts[-1] == "-"
                and prev_token.trail == ""
                and prev_idx >= 0
                and nxt.text[:1].islower()
                and slots[prev_idx].eligible
            ):
                slots[prev_idx].joined_with = first_index
                nxt.join_tail = True
        if tokens and any(isinstance(p, Slot) for p in tokens[-1].parts):
            idx = len(slots) - 1
            last_of_line.append((idx, tokens[-1]))
        else:
            last_of_line.append((-1, tokens[-1] if tokens else _Token("")))
    return slots


def _parse_line(line: str, symbols: frozenset[str]) -> tuple[list[str], list[_Token]]:
    pieces = _SPACES.split(line)
    return pieces, [_split_token(p, symbols) for p in pieces[0::2] if p]


def _split_joined(head: Slot, tail: Slot) -> tuple[str, str] | None:
    """Cut a repaired joined form back into its two line parts where it best matches them."""
    from rapidfuzz.distance import Levenshtein

    assert head.result is not None
    word = head.result
    best, best_cut = None, None
    for cut in range(1, len(word)):
        cost = Levenshtein.distance(skeleton(word[:cut]), skeleton(head.lower)) + Levenshtein.distance(
            skeleton(word[cut:]), skeleton(tail.lower)
        )
        if best is None or cost < best:
            best, best_cut = cost, cut
    if best_cut is None:
        return None
    return word[:best_cut], word[best_cut:]


def _apply_joins(slots: list[Slot]) -> None:
    """Hand the tail part of each repaired joined form to the slot on the next line."""
    for s in slots:
        if s.joined_with is not None and s.result is not None:
            halves = _split_joined(s, slots[s.joined_with])
            if halves is None:
                s.result = None
                continue
            head, tail = halves
            t = slots[s.joined_with]
            s.result = head if head != s.lower else None
            if tail != t.lower:
                t.result, t.reason, t.confidence = tail, s.reason, s.confidence


def _render_token(token: _Token) -> str:
    out = [token.lead]
    for p in token.parts:
        if isinstance(p, Slot):
            out.append(_first_case(_case_like(p.text, p.result), p.first_case) if p.result is not None else p.text)
        else:
            out.append(p)
    out.append(token.trail)
    return "".join(out)

