"""The Swedish lexicon: which word forms are real, and how common they are.

Loaded once per process. Backed by wordfreq's Swedish "large" list.
"""

from __future__ import annotations

import re
from functools import lru_cache

from wordfreq import get_frequency_dict

_LETTERS = re.compile(r"^[^\W\d_]+$")


class Lexicon:
    """Word frequencies (lower-case forms) with membership and hit-rate helpers."""

    def __init__(self, frequencies: dict[str, float]):
        self.frequencies = frequencies

    def known(self, word: str) -> bool:
        """Return whether the lower-cased `word` is a known Swedish word form."""
        return word.lower() in self.frequencies

    def hit_rate(self, tokens: list[str]) -> float:
        """Return the share of alphabetic tokens (3+ letters) that are known words (1.0 if none)."""
        words = [t.strip(".,:;!?()\"'”»«-–") for t in tokens]
        words = [w for w in words if len(w) >= 3 and _LETTERS.match(w)]
        if not words:
            return 1.0
        return sum(self.known(w) for w in words) / len(words)


@lru_cache(maxsize=1)
def load_lexicon() -> Lexicon:
    """Return the process-wide lexicon."""
    return Lexicon(get_frequency_dict("sv", "large"))
