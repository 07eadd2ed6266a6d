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
        self.log_subs: dict[str, dict[str, float]] = {}
        """log P per scanned piece and true piece, for the channel's dynamic programme."""
        for (s, t), p in self.subs.items():
            if p > 0:
                self.log_subs.setdefault(s, {})[t] = math.log(p)
        self.identity = {k.lower(): v for k, v in rules.identity.items()}
        self.symbols = frozenset(ch for s, _ in self.subs for ch in s if not ch.isalpha())
        self.marks = frozenset(s for s, _ in self.subs if len(s) == 1 and not ("a" <= s <= "z"))
        """Single characters that are look-alikes of a letter but not plain ASCII letters: é, 6, &."""

    def logp(self, scanned: str, word: str, damage: float) -> float:
        """Return log P(scanned | word) at damage level `damage` (-inf if no look-alike path)."""
        return _channel_logp(self, scanned, word, round(damage, 2))

    def skeletons(self, scanned: str, max_edits: int, max_len_for_insert: int) -> set[str]:
        """Return the skeletons `scanned` may be damage of, with at most `max_edits` letter edits.

        Built right to left, one set of skeleton endings per (position, edits used, just
        inserted), so each ending is made once however many ways lead to it.
        """
        n = len(scanned)
        inserts = [t_skel for _, t_skel in self.by_scanned.get("", ()) if t_skel] if n <= max_len_for_insert else []
        steps: list[list[tuple[int, str, int]]] = []
        for i, ch in enumerate(scanned):
            here = [(1, skeleton(ch), 0)] if ch.isalpha() else []
            for width in (1, 2):
                piece = scanned[i : i + width]
                if len(piece) < width:
                    break
                own = skeleton(piece)
                here += [(width, t_skel, 1) for _, t_skel in self.by_scanned.get(piece, ()) if t_skel != own]
            steps.append(here)
        memo: dict[tuple[int, int, bool], set[str]] = {}

        def endings(i: int, edits: int, inserted: bool) -> set[str]:
            key = (i, edits, inserted)
            hit = memo.get(key)
            if hit is not None:
                return hit
            out: set[str] = {""} if i == n else set()
            if edits < max_edits and not inserted:
                for t_skel in inserts:
                    out.update(t_skel + rest for rest in endings(i, edits + 1, True))
            if i < n:
                for width, t_skel, cost in steps[i]:
                    if edits + cost <= max_edits:
                        out.update(t_skel + rest for rest in endings(i + width, edits + cost, False))
            memo[key] = out
            return out

        return endings(0, 0, False)


@lru_cache(maxsize=200_000)
def _channel_logp(channel: Channel, scanned: str, word: str, damage: float) -> float:
    logs = channel.log_subs
    ident = channel.identity
    log_d = math.log(damage)
    n, m = len(scanned), len(word)
    neg = -math.inf
    best = [[neg] * (m + 1) for _ in range(n + 1)]
    best[0][0] = 0.0
    pieces = [[logs.get(scanned[i : i + a]) if i + a <= n else None for a in (0, 1, 2)] for i in range(n + 1)]
    for i in range(n + 1):
        row = best[i]
        for j in range(m + 1):
            here = row[j]
            if here == neg:
                continue
            if i < n and j < m and scanned[i] == word[j]:
                ch = word[j]
                p = (1.0 - damage) + damage * ident.get(ch, 1.0 if ch not in _DIACRITICS else 0.0)
                cand = here + math.log(p) if p > 0 else neg
                if cand > best[i + 1][j + 1]:
                    best[i + 1][j + 1] = cand
            for a, by_truth in enumerate(pieces[i]):
                if not by_truth:
                    continue
                target = best[i + a]
                for b in (0, 1, 2):
                    if (a == 0 and b == 0) or j + b > m:
                        continue
                    lp = by_truth.get(word[j : j + b])
                    if lp is not None:
                        cand = here + log_d + lp
                        if cand > target[j + b]:
                            target[j + b] = cand
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
