"""A paper's sentences, read from its lines' text: the checks that read words in their sentence share them.

Read from the text of each line, not its words: the batch stage holds a line as one word
(`Document.by_lines`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from pipeline.model import Document, Word

_SENTENCE_END = re.compile(r"(?<=[.;])\s+(?=[A-ZÅÄÖ])")
Line = tuple[int, int, tuple[Word, ...]]
"""Page, line number and the words of one line, as `Document.lines` gives them."""


@dataclass(frozen=True)
class Sentence:
    """One sentence and where each of its lines starts in its text."""

    text: str
    starts: tuple[tuple[int, Line], ...]

    def line_at(self, offset: int) -> Line:
        """The line the character at `offset` of the text stands on."""
        return max((s for s in self.starts if s[0] <= offset), key=lambda s: s[0])[1]


def sentences(lines: Iterable[Line], breaks: frozenset[tuple[int, int]] = frozenset()) -> list[Sentence]:
    """The sentences of `lines`: "." or ";" before a capital ends one, inside a line or at its end, and
    a line of `breaks` (page, line: a section's heading) starts one."""
    out: list[Sentence] = []
    text, starts = "", []
    for page, line, words in lines:
        for k, piece in enumerate(_SENTENCE_END.split(" ".join(w.text for w in words))):
            if text and (k > 0 or (page, line) in breaks or (text.endswith((".", ";")) and piece[:1].isupper())):
                out.append(Sentence(text, tuple(starts)))
                text, starts = "", []
            if text:
                text += " "
            starts.append((len(text), (page, line, words)))
            text += piece
    if text:
        out.append(Sentence(text, tuple(starts)))
    return out


def paper_sentences(doc: Document, lines: Iterable[Line]) -> list[Sentence]:
    """The sentences of one paper's `lines` of `doc`, each section's heading starting one."""
    return sentences(lines, frozenset((section.page_start, section.line_start) for section in doc.sections))
