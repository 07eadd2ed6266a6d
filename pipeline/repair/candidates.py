"""Learned look-alikes as a noisy channel, and compounds of listed parts as candidate forms."""

from __future__ import annotations

import math
from functools import lru_cache

from pipeline.lexicon import skeleton
from pipeline.rules import ConfusionsRules

_DIACRITICS = frozenset("åäö")


class Channel:
    """Learned look-alikes as P(scanned piece | true piece), with candidate generation."""

    def __init__(self, rules: ConfusionsRules):
        self.subs: dict[tuple[str, str], float] = {}
        self.by_scanned: dict[str, list[tuple[str, str]]] = {}
        for c in rules.confusions:
            s, t = c.scanned.lower(), c.truth.lower()
            if s == t or not all(ch.isalpha() for ch in t) or (not t and (not s or s.isalpha())):
                continue  # a truth piece is letters; only a symbol may be dropped outright
            self.subs[(s, t)] = c.p
            self.by_scanned.setdefault(s, []).append((t, skeleton(t)))
        self.identity = {k.lower(): v for k, v in rules.identity.items()}
        self.symbols = frozenset(ch for s, _ in self.subs for ch in s if not ch.isalpha())
        self.marks = frozenset(s for s, _ in self.subs if len(s) == 1 and not ("a" <= s <= "z"))
        """Single characters that are look-alikes of a letter but not plain ASCII letters: é, 6, &."""

    def logp(self, scanned: str, word: str, damage: float) -> float:
        """Return log P(scanned | word) at damage level `damage` (-inf if no look-alike path)."""
        return _channel_logp(self, scanned, word, round(damage, 2))

    def skeletons(self, scanned: str, max_edits: int, max_len_for_insert: int) -> set[str]:
        """Return the skeletons `scanned` may be damage of, with at most `max_edits` letter edits."""
        out: set[str] = set()
        n = len(scanned)
        inserts = [t_skel for _, t_skel in self.by_scanned.get("", ()) if t_skel] if n <= max_len_for_insert else []

        def walk(i: int, acc: str, edits: int, inserted: bool) -> None:
            if i == n:
                out.add(acc)
            if edits < max_edits and not inserted:
                for t_skel in inserts:
                    walk(i, acc + t_skel, edits + 1, True)
            if i == n:
                return
            ch = scanned[i]
            if ch.isalpha():
                walk(i + 1, acc + skeleton(ch), edits, False)
            if edits < max_edits:
                for width in (1, 2):
                    piece = scanned[i : i + width]
                    if len(piece) < width:
                        break
                    for _, t_skel in self.by_scanned.get(piece, ()):
                        if t_skel != skeleton(piece):
                            walk(i + width, acc + t_skel, edits + 1, False)

        walk(0, "", 0, False)
        return out


@lru_cache(maxsize=200_000)
def _channel_logp(channel: Channel, scanned: str, word: str, damage: float) -> float:
    subs, ident = channel.subs, channel.identity
    n, m = len(scanned), len(word)
    neg = -math.inf
    best = [[neg] * (m + 1) for _ in range(n + 1)]
    best[0][0] = 0.0
    for i in range(n + 1):
        for j in range(m + 1):
            here = best[i][j]
            if here == neg:
                continue
            if i < n and j < m and scanned[i] == word[j]:
                ch = word[j]
                p = (1.0 - damage) + damage * ident.get(ch, 1.0 if ch not in _DIACRITICS else 0.0)
                cand = here + math.log(p) if p > 0 else neg
                if cand > best[i + 1][j + 1]:
                    best[i + 1][j + 1] = cand
            for a in (0, 1, 2):
                if i + a > n:
                    break
                s_piece = scanned[i : i + a]
                for b in (0, 1, 2):
                    if (a == 0 and b == 0) or j + b > m:
                        continue
                    p = subs.get((s_piece, word[j : j + b]))
                    if p:
                        cand = here + math.log(damage * p)
                        if cand > best[i + a][j + b]:
                            best[i + a][j + b] = cand
    return best[n][m]


_COMPOUND_CACHE: dict[tuple[int, str], tuple[str, ...]] = {}


def _compound_forms(parts: dict[str, tuple[str, ...]], skel: str) -> tuple[str, ...]:
    """Return compounds of listed parts (3+ letters, optional linking -s-) whose skeleton is `skel`."""
    key = (id(parts), skel)
    hit = _COMPOUND_CACHE.get(key)
    if hit is None:
        out: list[tuple[float, str]] = []
        for split in _skeleton_splits(parts, skel, 3):
            combos = [(0.0, "")]
            for part in split:
                link = ""
                if part not in parts and part.endswith("s"):
                    part, link = part[:-1], "s"
                forms = parts.get(part, ())[:2]
                combos = [(score + i, text + f + link) for score, text in combos for i, f in enumerate(forms)]
            out.extend(combos)
        out.sort()
        hit = _COMPOUND_CACHE[key] = tuple(dict.fromkeys(text for _, text in out[:8]))
    return hit


def _skeleton_splits(parts: dict[str, tuple[str, ...]], skel: str, parts_left: int) -> list[tuple[str, ...]]:
    """Return up to four ways to cut a skeleton into part skeletons (each may end in a linking s)."""
    out: list[tuple[str, ...]] = []
    if len(skel) >= 3 and skel in parts:
        out.append((skel,))
    if parts_left <= 1:
        return out
    for cut in range(len(skel) - 3, 2, -1):
        head = skel[:cut]
        if head in parts or (head.endswith("s") and head[:-1] in parts and len(head) > 3):
            for rest in _skeleton_splits(parts, skel[cut:], parts_left - 1):
                out.append((head, *rest))
                if len(out) >= 4:
                    return out
    return out
