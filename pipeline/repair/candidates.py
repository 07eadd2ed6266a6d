"""Learned look-alikes as a noisy channel, and compounds of listed parts as candidate forms."""

from __future__ import annotations

import math
from bisect import bisect_left, insort
from functools import lru_cache
from typing import NamedTuple

from pipeline.lexicon import skeleton
from pipeline.rules import ConfusionsRules

_DIACRITICS = frozenset("åäö")


class Channel:
    """Learned look-alikes as P(scanned piece | true piece), with candidate generation."""

    def __init__(self, rules: ConfusionsRules):
        self.rules = rules
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
        self._windows: dict[str, _Window] = {}
        self._form_windows: dict[str, list[_Window]] = {}
        self._same_logs_at: dict[float, _SameLogs] = {}
        self._origin: Channel | None = None
        self._changed: tuple[tuple[str, str], ...] = ()
        """A reweighted channel's origin and the pieces whose weights it changed (see `reweighted`)."""

    def reweighted(self, weights: dict[tuple[str, str], float]) -> Channel:
        """Return this channel with some learned pieces' P(scanned | truth) set to `weights`
        (only learned pieces: what each form can be read as, and so its candidates, stay the same)."""
        confusions = tuple(c.model_copy(update={"p": weights.get((c.scanned.lower(), c.truth.lower()), c.p)})
                           for c in self.rules.confusions)
        twin = Channel(self.rules.model_copy(update={"confusions": confusions}))
        changed = {scanned for scanned, _ in weights}  # windows that start no changed piece stay as worked out here
        twin._windows = {w: hit for w, hit in self._windows.items() if not any(w[:k] in changed for k in range(len(w) + 1))}
        twin._same_logs_at = self._same_logs_at
        twin._origin, twin._changed = self, tuple(weights)
        return twin

    def logp(self, scanned: str, word: str, damage: float) -> float:
        """Return log P(scanned | word) at damage level `damage` (-inf if no look-alike path).

        A reweighted channel differs from its origin only on paths through a changed piece: where no
        changed piece's scanned side is in `scanned` and its true side in `word`, its origin's
        answer (most often already worked out) is its own."""
        if self._origin is not None and not any(s in scanned and t in word for s, t in self._changed):
            return self._origin.logp(scanned, word, damage)
        return _channel_logp(self, scanned, word, round(damage, 2))

    def skeletons(self, scanned: str, max_edits: int, max_len_for_insert: int) -> list[set[str]]:
        """Return the skeletons `scanned` may be damage of, with at most `max_edits` letter edits,
        by the number of edits that made them (item k: k edits; one skeleton may be made both ways).

        A letter stands for its own skeleton at no cost; an edit is a learned look-alike piece
        read as another skeleton, or (in a word of at most `max_len_for_insert` letters) a dropped
        letter put back, never two dropped letters in a row. Walked left to right from one edit
        to the next, so the work grows with the skeletons made, not with the word's length squared.
        """
        n = len(scanned)
        inserts = [t_skel for _, t_skel in self.by_scanned.get("", ()) if t_skel] if n <= max_len_for_insert else []
        plain = [""]  # plain[k]: the skeleton of scanned[:k], letter by letter
        for ch in scanned:
            plain.append(plain[-1] + self._window(ch).letter)
        edits = [self._window(scanned[i : i + 2]).edits for i in range(n)]
        letters_until = [n] * (n + 1)  # letters_until[i]: the first position >= i that holds no letter
        for i in range(n - 1, -1, -1):
            letters_until[i] = letters_until[i + 1] if scanned[i].isalpha() else i
        # rest[i]: the skeleton of scanned[i:] read without edits (None where a non-letter needs one)
        rest = [plain[n][len(plain[i]) :] if letters_until[i] == n else None for i in range(n + 1)]
        edit_points = [k for k in range(n + 1) if inserts or (k < n and edits[k])]
        out: list[set[str]] = [set() for _ in range(max_edits + 1)]

        def walk(head: str, i: int, edits_left: int, inserted: bool) -> None:
            """Extend `head` (made of scanned[:i]) by letters as read up to each next edit."""
            stop, done = letters_until[i], len(plain[i])
            for k in edit_points[bisect_left(edit_points, i) :]:
                if k > stop:
                    break
                here = head + plain[k][done:]
                steps = [(here + t_skel, k, True) for t_skel in inserts] if k > i or not inserted else []
                if k < n:
                    steps += [(here + t_skel, k + width, False) for width, t_skel in edits[k]]
                for after, j, just_inserted in steps:
                    if edits_left > 1:
                        walk(after, j, edits_left - 1, just_inserted)
                    if rest[j] is not None:
                        out[max_edits + 1 - edits_left].add(after + rest[j])

        if rest[0] is not None:
            out[0].add(rest[0])
        if max_edits:
            walk("", 0, max_edits, False)
        return out

    def _window(self, window: str) -> _Window:
        """Return what the learned look-alikes allow where the scanned text reads `window` (its
        next two characters, fewer at its end); worked out once per window."""
        hit = self._windows.get(window)
        if hit is None:
            edits: list[tuple[int, str]] = []
            moves: dict[str, list[tuple[int, float]]] = {}
            for width in range(len(window) + 1):
                piece = window[:width]
                if width:
                    own = skeleton(piece)
                    edits += [(width, t_skel) for _, t_skel in self.by_scanned.get(piece, ()) if t_skel != own]
                for truth, lp in self.log_subs.get(piece, {}).items():
                    if width or truth:
                        moves.setdefault(truth, []).append((width, lp))
            hit = self._windows[window] = _Window(
                skeleton(window[:1]), edits, tuple(sorted({len(t) for t in moves})), moves
            )
        return hit

    def _windows_along(self, scanned: str) -> list[_Window]:
        """Return the window at each position of `scanned`, its end included (once per form)."""
        hit = self._form_windows.get(scanned)
        if hit is None:
            hit = self._form_windows[scanned] = [self._window(scanned[i : i + 2]) for i in range(len(scanned) + 1)]
        return hit

    def _same_logs(self, damage: float) -> _SameLogs:
        """Return log P(a letter read as itself) at `damage`, per letter."""
        hit = self._same_logs_at.get(damage)
        if hit is None:
            hit = self._same_logs_at[damage] = _SameLogs(self.identity, damage)
        return hit


class _Window(NamedTuple):
    """The learned look-alikes that start at one place of a scanned form."""

    letter: str
    """The skeleton of the character there."""
    edits: list[tuple[int, str]]
    """(scanned width, skeleton read) of each look-alike piece that changes the skeleton."""
    lengths: tuple[int, ...]
    """The lengths of the truth pieces of `moves`, shortest first."""
    moves: dict[str, list[tuple[int, float]]]
    """Per truth piece: (scanned width, log P) of each learned piece; a dropped letter put back
    has width 0."""


class _SameLogs(dict[str, float]):
    """log P(a letter read as itself) at one damage level, worked out per letter on first use
    (-inf where it cannot be: å/ä/ö, which OCR never keeps, at a damage level of 1)."""

    def __init__(self, identity: dict[str, float], damage: float):
        super().__init__()
        self.identity, self.damage = identity, damage

    def __missing__(self, ch: str) -> float:
        p = (1.0 - self.damage) + self.damage * self.identity.get(ch, 1.0 if ch not in _DIACRITICS else 0.0)
        self[ch] = math.log(p) if p > 0 else -math.inf
        return self[ch]


@lru_cache(maxsize=200_000)
def _channel_logp(channel: Channel, scanned: str, word: str, damage: float) -> float:
    """Best alignment of `scanned` to `word` by identities and learned pieces (0-2 letters each side).

    A dynamic programme over (scanned position, word position) that visits only the cells some
    alignment reaches, row by row and left to right within a row: a look-alike of a real word
    reaches few of them.
    """
    log_d = math.log(damage)
    n, m = len(scanned), len(word)
    windows = channel._windows_along(scanned)
    same_log = channel._same_logs(damage)
    rows: list[dict[int, float]] = [{} for _ in range(n + 1)]
    rows[0][0] = 0.0
    for i, row in enumerate(rows):
        if not row:
            continue
        lengths, moves = windows[i].lengths, windows[i].moves
        letter, below = (scanned[i], rows[i + 1]) if i < n else ("", {})
        order = sorted(row)
        for j in order:  # a dropped letter put back (a piece of width 0) extends `order` to the right
            here = row[j]
            if j < m and letter == word[j]:
                score = here + same_log[letter]
                if score > below.get(j + 1, -math.inf):
                    below[j + 1] = score
            for b in lengths:
                end = j + b
                if end > m:
                    break
                for a, lp in moves.get(word[j:end], ()):  # raise the cell a piece reaches, if better
                    target, score = rows[i + a], here + log_d + lp
                    old = target.get(end)
                    if old is None:
                        if score > -math.inf:
                            target[end] = score
                            if a == 0:
                                insort(order, end)
                    elif score > old:
                        target[end] = score
    return rows[n].get(m, -math.inf)


_COMPOUND_CACHE: dict[tuple[int, str], tuple[str, ...]] = {}
_SPLITS_CACHE: dict[tuple[int, str, int], list[tuple[str, ...]]] = {}
"""The cuts of a skeleton's ends (`_skeleton_splits` of one parts index): the skeletons of one form
share them."""


def _compound_forms(parts: dict[str, tuple[str, ...]], prefixes: dict[str, bool], skel: str) -> tuple[str, ...]:
    """Return compounds of listed parts (3+ letters, optional linking -s-) whose skeleton is `skel`
    (`prefixes`: see Lexicon.part_prefixes)."""
    key = (id(parts), skel)
    hit = _COMPOUND_CACHE.get(key)
    if hit is None:
        out: list[tuple[float, str]] = []
        for split in _skeleton_splits(parts, prefixes, skel, 3):
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


def _skeleton_splits(
    parts: dict[str, tuple[str, ...]], prefixes: dict[str, bool], skel: str, parts_left: int
) -> list[tuple[str, ...]]:
    """Return up to four ways to cut a skeleton into part skeletons, the longest first part first
    (each may end in a linking s, the last one in a genitive s: "forbunds|fullmaktiges").

    A first part is a part's skeleton of 3+ letters, or one of 3+ and a linking s, with 3+ letters
    left after it. Its end is looked for from the left only while some part's skeleton begins as
    `skel` does (no part, and so no part and an s, ends further on): most cuts of most skeletons
    are never looked up.
    """
    out: list[tuple[str, ...]] = []
    if len(skel) >= 3 and (skel in parts or (len(skel) > 3 and skel[-1] == "s" and skel[:-1] in parts)):
        out.append((skel,))
    if parts_left <= 1:
        return out
    cuts = []
    stem_ends = False  # whether skel[:cut - 1] is a part's skeleton
    for cut in range(3, len(skel) - 2):
        is_part = prefixes.get(skel[:cut])
        if is_part or (stem_ends and skel[cut - 1] == "s"):
            cuts.append(cut)
        if is_part is None:
            break
        stem_ends = is_part
    for cut in reversed(cuts):
        key = (id(parts), skel[cut:], parts_left - 1)
        rests = _SPLITS_CACHE.get(key)
        if rests is None:
            rests = _SPLITS_CACHE[key] = _skeleton_splits(parts, prefixes, skel[cut:], parts_left - 1)
        for rest in rests:
            out.append((skel[:cut], *rest))
            if len(out) >= 4:
                return out
    return out
