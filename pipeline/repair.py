"""Repair Swedish words damaged by OCR without Swedish data ("Gdteborg", "6ka", "n&r").

Each word is kept or replaced by the look-alike real word that best explains it, a noisy-channel
choice: score(c) = log P(c) + log P(scanned | c). P(c) comes from the lexicon (pipeline.lexicon);
P(scanned | c) from the learned look-alikes in rules/confusions.yaml, mixed with the document's
damage level d (a clean page has d near 0, so its words stay). Ambiguous real-word pairs
(ar: är/år, stod/stöd) are settled by context rules in rules/repair.yaml and by how the same word
is spelled elsewhere in the document. The scanned form is kept beside every repair.
"""

from __future__ import annotations

import logging
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

from pipeline.lexicon import Lexicon, load_lexicon, skeleton
from pipeline.model import Document, Page, PageRepairStats, Repair, Word
from pipeline.rules import ConfusionsRules, Rules

log = logging.getLogger(__name__)

REPAIRED_KINDS = frozenset({"ocr", "damaged_text"})
_DIACRITICS = frozenset("åäö")
_LEAD = "(\"'«»“”‘’*•<"
_TRAIL = ".,:;!?)\"'»«”“’…>]}"
_SPLIT = re.compile(r"([-/–])")
_NUMBER = re.compile(r"^[\d\s.,:%+-]+$")
_HAS_DIGIT = re.compile(r"\d")
_YEAR = re.compile(r"^(19|20)\d\d$")
_WORDISH = re.compile(r"^[^\W\d_]{2,}$")

HUNSPELL_FRONT = 3
"""Hunspell is slow: only this many front runners per form learn whether it knows them."""
COMPOUND_MIN_LENGTH = 7
"""A form this long with no listed look-alike is tried as a compound of listed parts."""
HUNSPELL_MAX_LOOKUPS = 16
"""At most this many hunspell look-ups when a form with a mark (é, 6, &) has no other candidate."""


# ---------------------------------------------------------------- the channel


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


# ---------------------------------------------------------------- scoring one form


@dataclass(frozen=True)
class Choice:
    """The scored alternatives for one scanned form (lower case), best first; keep is `scanned`.

    `listed` says the scanned form is a real word common enough to need the real-word margin.
    """

    scanned: str
    options: tuple[tuple[str, float], ...]
    listed: bool


class Scorer:
    """Score a scanned form's candidates against the lexicon; cached per form and damage level."""

    def __init__(self, rules: Rules, lexicon: Lexicon):
        self.rules = rules.repair
        self.channel = Channel(rules.confusions)
        self.lexicon = lexicon
        self._cache: dict[tuple[str, float], Choice] = {}
        self._priors: dict[str, float] = {}
        self._quick: dict[str, float] = {}

    def prior(self, word: str) -> float:
        """Return log P(word): listed frequency, else a compound prior, else the unknown prior."""
        hit = self._priors.get(word)
        if hit is None:
            hit = self._priors[word] = math.log(self._prior(word, hunspell=True))
        return hit

    def quick_prior(self, word: str) -> float:
        """Return log P(word) without asking hunspell (a listed form or the splitter's verdict)."""
        hit = self._priors.get(word)
        if hit is None:
            hit = self._quick.get(word)
            if hit is None:
                hit = self._quick[word] = math.log(self._prior(word, hunspell=False))
        return hit

    def _prior(self, word: str, hunspell: bool) -> float:
        f = self.lexicon.frequencies.get(word)
        if f:
            return f
        if len(word) >= 6 and word.isalpha():
            if hunspell and self.lexicon.hunspell_knows(word):
                return self.rules.compound_prior
            if self.lexicon.split_compound(word):
                return self.rules.splitter_prior
        return self.rules.unknown_prior * self.rules.unseen_trigram_factor ** min(self.lexicon.unseen_trigrams(word), 3)

    def choose(self, scanned: str, damage: float) -> Choice:
        """Return the scored options for the lower-case `scanned` form at `damage`."""
        key = (scanned, round(damage, 2))
        hit = self._cache.get(key)
        if hit is None:
            hit = self._choose(scanned, key[1])
            self._cache[key] = hit
        return hit

    def candidates(self, scanned: str) -> set[str]:
        """Return the real words `scanned` may be look-alike damage of (itself excluded)."""
        lex, rules = self.lexicon, self.rules
        freq = lex.frequencies.get(scanned, 0.0)
        if freq > rules.max_known_frequency_for_letter_edits and scanned.isalpha():
            skels = {skeleton(scanned)}
        else:
            skels = self.channel.skeletons(scanned, rules.max_edits, rules.max_length_for_dropped_letter)

        def feasible(forms) -> set[str]:
            return {c for c in forms if c != scanned and c.isalpha() and self.channel.logp(scanned, c, 0.5) > -math.inf}

        cands = feasible(c for s in skels for c in lex.by_skeleton.get(s, ()))
        if len(scanned) >= COMPOUND_MIN_LENGTH and not cands:
            parts = lex.parts_by_skeleton()
            cands = feasible(c for s in skels for c in _compound_forms(parts, s))
        if not cands and 4 <= len(scanned) <= 16 and self.channel.marks.intersection(scanned):
            cands = feasible(self._hunspell_forms(scanned))  # a mark (é, 6, &) is evidence enough to ask
        return cands

    def _hunspell_forms(self, scanned: str) -> list[str]:
        """Return forms hunspell knows, with each mark of `scanned` ("é", "6", "&") replaced by a
        look-alike letter and two or three of its a/o restored to å/ä/ö."""
        forms = [""]
        plain = 0
        max_plain = 2 if self.channel.marks.intersection(scanned) else 3
        for ch in scanned:
            if ch in self.channel.marks:
                options = [t for t, _ in self.channel.by_scanned.get(ch, ()) if t]
            elif ch in "ao" and plain < max_plain:
                plain += 1
                options = [ch, *(t for t, t_skel in self.channel.by_scanned.get(ch, ()) if t_skel == ch)]
            else:
                options = [ch]
            forms = [f + t for f in forms for t in options]
        if len(forms) > HUNSPELL_MAX_LOOKUPS or forms == [scanned]:
            return []
        return [f for f in forms if f != scanned and f.isalpha() and self.lexicon.hunspell_knows(f)]

    def _choose(self, scanned: str, damage: float) -> Choice:
        chan = self.channel.logp
        options = [(scanned, chan(scanned, scanned, damage) if scanned.isalpha() else -math.inf)]
        options += [(c, chan(scanned, c, damage)) for c in self.candidates(scanned)]
        scored = sorted(((w, c + self.quick_prior(w)) for w, c in options if c > -math.inf), key=lambda o: -o[1])
        front = {w for w, _ in scored[:HUNSPELL_FRONT]}
        final = [(w, c + (self.prior(w) if w in front else self.quick_prior(w))) for w, c in options if c > -math.inf]
        final.sort(key=lambda o: -o[1])
        listed = self.lexicon.frequencies.get(scanned, 0.0) >= self.rules.realword_min_frequency
        return Choice(scanned, tuple(final[:4]) or ((scanned, -math.inf),), listed)


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


# ---------------------------------------------------------------- slots and context


@dataclass
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


@dataclass
class _Token:
    lead: str
    parts: list[str | Slot] = field(default_factory=list)
    trail: str = ""


def _split_token(token: str, symbols: frozenset[str]) -> _Token:
    i, j = 0, len(token)
    while i < j and token[i] in _LEAD and token[i] not in symbols:
        i += 1
    while j > i and token[j - 1] in _TRAIL and token[j - 1] not in symbols:
        j -= 1
    out = _Token(token[:i], trail=token[j:])
    core = token[i:j]
    pieces = _SPLIT.split(core) if core else []
    has_digit_part = any(p.isdigit() for p in pieces)
    for k, piece in enumerate(pieces):
        if not piece:
            continue
        if k % 2 == 1:
            out.parts.append(piece)
            continue
        out.parts.append(Slot(piece, piece.lower(), _eligible(piece, has_digit_part, symbols)))
    return out


def _eligible(piece: str, has_digit_part: bool, symbols: frozenset[str]) -> bool:
    if len(piece) == 1:
        return piece in symbols  # a lone look-alike of "i" ("1", "|"), decided by context alone
    letters = sum(ch.isalpha() for ch in piece)
    if letters == 0:
        return False
    if letters <= 4 and piece.isalpha() and piece[1:].isupper():
        return False  # an acronym ("GA", "SKR", "lOP"): only a symbol in it marks damage
    if any(not ch.isalpha() and ch not in symbols for ch in piece):
        return False
    if _HAS_DIGIT.search(piece):
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


def _neighbour(slot: Slot | None, sep: str | None = None) -> str:
    if sep:
        return sep
    if slot is None:
        return ""
    form = slot.result if slot.result is not None else slot.lower
    if _YEAR.match(form):
        return "<year>"
    if _NUMBER.match(form):
        return "<num>"
    return form.lower()


# ---------------------------------------------------------------- the stage


class Repairer:
    """Repair the words of one document (or one batch of lines) in two passes."""

    def __init__(self, rules: Rules, lexicon: Lexicon | None = None):
        self.rules = rules.repair
        self.lexicon = lexicon or load_lexicon()
        self.scorer = _scorer(rules, self.lexicon)
        self.context = {}
        self.max_bonus = sum(sorted((r.bonus for r in self.rules.context), reverse=True)[:2]) + 4.0
        for rule in self.rules.context:
            for word in rule.words:
                self.context.setdefault(word, []).append(rule)

    def damage(self, slots: list[Slot]) -> dict[int, float]:
        """Estimate, per page, the share of å/ä/ö the text lost: correct diacritic words against
        damage evidence (non-words holding a look-alike mark, words whose diacritic variant is far
        commoner), shrunk towards one half on short pages."""
        ok: Counter = Counter()
        bad: Counter = Counter()
        freqs = self.lexicon.frequencies
        ratio = self.rules.damage_evidence_ratio
        for s in slots:
            w = s.lower
            if not s.eligible or len(w) < 2:
                continue
            if _DIACRITICS.intersection(w):
                ok[s.page] += w in freqs
                continue
            if not w.isalpha():
                bad[s.page] += any(ch in self.scorer.channel.symbols for ch in w)
                continue
            f = freqs.get(w, 0.0)
            for v in self.lexicon.by_skeleton.get(skeleton(w), ()):
                if v != w and _DIACRITICS.intersection(v) and freqs[v] > max(f * ratio, 1e-6):
                    bad[s.page] += 1
                    break
        low, high = self.rules.damage_min, self.rules.damage_max
        return {
            page: min(high, max(low, (bad[page] + 1) / (bad[page] + ok[page] + 2)))
            for page in {s.page for s in slots}
        }

    def run(self, slots: list[Slot]) -> None:
        """Decide every slot (in reading order; `slots` carries joins of hyphenated line ends)."""
        damage = self.damage(slots)
        margin, amb = self.rules.min_margin_nonword, self.rules.ambiguity_margin
        seen: Counter = Counter()
        pending: list[int] = []
        for k, s in enumerate(slots):
            if not s.eligible or len(s.lower) == 1 or s.join_tail:
                if _DIACRITICS.intersection(s.lower) and s.lower.isalpha():
                    seen[s.lower] += 1
                continue
            form = s.lower if s.joined_with is None else s.lower + slots[s.joined_with].lower
            if s.joined_with is not None and not slots[s.joined_with].eligible:
                continue
            choice = self.scorer.choose(form, damage[s.page])
            s.choice = choice
            best, best_score = choice.options[0]
            keep_score = dict(choice.options).get(form, -math.inf)
            second = choice.options[1][1] if len(choice.options) > 1 else -math.inf
            if best == form:
                if _DIACRITICS.intersection(form):
                    seen[form] += 1
                if best_score - second < self.max_bonus:
                    pending.append(k)  # context might still turn it
                continue
            if best_score - keep_score >= margin and best_score - second >= amb and not choice.listed:
                s.result, s.reason = best, "lookalike"
                s.confidence = _confidence(choice.options, 0)
                seen[best] += 1
            else:
                pending.append(k)
        for k in pending:
            self._decide_in_context(slots, k, seen)
        self._one_as_i(slots, damage)

    def _decide_in_context(self, slots: list[Slot], k: int, seen: Counter) -> None:
        s = slots[k]
        choice = s.choice
        assert choice is not None
        form = choice.scanned
        prev = "/" if s.after_slash else _neighbour(_prev_slot(slots, k))
        nxt = _neighbour(_next_slot(slots, k))
        if s.joined_with is not None:
            nxt = _neighbour(_next_slot(slots, s.joined_with))
        window: set[str] = set()
        for i in range(k - 1, max(-1, k - 1 - self.rules.context_window), -1):
            if slots[i].ends_sentence:
                break  # the clause's tense ends with its sentence
            window.add(_neighbour(slots[i]))
        scored = []
        for word, score in choice.options:
            if score == -math.inf:
                continue
            bonus = 0.0
            for rule in self.context.get(word, ()):
                if (
                    (not rule.prev or prev in rule.prev)
                    and (not rule.next or nxt in rule.next)
                    and (not rule.next_not or (nxt and nxt not in rule.next_not))
                    and (not rule.before or not window.isdisjoint(rule.before))
                ):
                    bonus += rule.bonus
            bonus += self.rules.document_weight * math.log1p(seen.get(word, 0))
            scored.append((word, score + bonus))
        scored.sort(key=lambda o: -o[1])
        if not scored:
            return
        best, best_score = scored[0]
        if best == form:
            return
        keep = dict(scored).get(form, -math.inf)
        second = scored[1][1] if len(scored) > 1 else -math.inf
        margin = self.rules.min_margin_realword if choice.listed else self.rules.min_margin_nonword
        if best_score - keep >= margin and best_score - second >= self.rules.ambiguity_margin:
            s.result, s.reason = best, "context"
            s.confidence = _confidence(tuple(scored), 0)

    def _one_as_i(self, slots: list[Slot], damage: dict[int, float]) -> None:
        """Read a lone look-alike of "i" ("1", "|") standing between words as the preposition."""
        for k, s in enumerate(slots):
            if len(s.lower) != 1 or not s.eligible or not s.bare:
                continue
            d = damage[s.page]
            if d < self.rules.one_as_i_min_damage:
                continue
            if (s.lower, "i") not in self.scorer.channel.subs:
                continue
            p, n = _prev_slot(slots, k), _next_slot(slots, k)
            if n is None or not _WORDISH.match(n.result or n.lower):
                continue
            sentence_start = p is None or p.ends_sentence
            if s.lower.isdigit() and (sentence_start or not _WORDISH.match(p.result or p.lower)):
                continue  # "1 Inledning", "1. Informationen": a number, not a word
            if p is not None and (p.result or p.lower).lower() in self.rules.one_as_i_not_after:
                continue
            if not sentence_start and p is not None and not _WORDISH.match(p.result or p.lower):
                continue
            s.result, s.reason, s.confidence = ("I" if sentence_start else "i"), "lone-i", round(d, 3)


def _prev_slot(slots: list[Slot], k: int) -> Slot | None:
    return slots[k - 1] if k > 0 else None


def _next_slot(slots: list[Slot], k: int) -> Slot | None:
    return slots[k + 1] if k + 1 < len(slots) else None


def _confidence(options: tuple[tuple[str, float], ...], index: int) -> float:
    top = max(score for _, score in options)
    z = sum(math.exp(score - top) for _, score in options if score > -math.inf)
    return round(math.exp(options[index][1] - top) / z, 3)


_SCORERS: dict[tuple[str, int], Scorer] = {}


def _scorer(rules: Rules, lexicon: Lexicon) -> Scorer:
    key = (rules.hash, id(lexicon))
    if key not in _SCORERS:
        _SCORERS[key] = Scorer(rules, lexicon)
    return _SCORERS[key]


# ---------------------------------------------------------------- public API


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
            bare = len([p for p in token.parts if isinstance(p, Slot)]) == 1 and not token.lead and not token.trail
            for i, p in enumerate(token.parts):
                if isinstance(p, Slot):
                    p.after_slash = (i > 0 and token.parts[i - 1] == "/") or (
                        i == 0 and not token.lead and bool(slots) and slots[-1].ends_sentence is False
                        and last_trail.endswith("/")
                    )
                    p.bare = bare
                    p.page = page
                    p.ends_sentence = token.trail[-1:] in (".", "!", "?", ":")
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
    pieces = re.split(r"(\s+)", line)
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
            out.append(_case_like(p.text, p.result) if p.result is not None else p.text)
        else:
            out.append(p)
    out.append(token.trail)
    return "".join(out)


def repair_lines(lines: list[str], rules: Rules) -> list[str]:
    """Repair plain-text lines as one text (form feeds start new pages); keep whitespace as is.

    Args:
        lines: the scanned lines, without their newlines.
        rules: the validated rules (look-alikes, thresholds, context rules).

    Returns:
        One repaired line per line in; only words change, never spacing or punctuation.
    """
    repairer = Repairer(rules)
    symbols = repairer.scorer.channel.symbols
    parsed = [_parse_line(line, symbols) for line in lines]
    pages, page = [], 0
    for line in lines:
        pages.append(page)
        page += line.count("\f")
    slots = _tokens_to_slots([tokens for _, tokens in parsed], pages)
    repairer.run(slots)
    _apply_joins(slots)
    out = []
    for pieces, tokens in parsed:
        rendered = iter(_render_token(t) for t in tokens)
        out.append("".join(p if k % 2 else (next(rendered) if p else "") for k, p in enumerate(pieces)))
    return out


def repair_document(doc: Document, rules: Rules) -> Document:
    """Repair the words of every OCR and damaged-text page; pass clean text pages through.

    Returns:
        A new Document: repaired words carry `repair` (scanned form, confidence, reason) and every
        page carries `PageRepairStats`.
    """
    repairer = Repairer(rules)
    symbols = repairer.scorer.channel.symbols
    pages_to_fix = [p for p in doc.pages if p.kind in REPAIRED_KINDS]
    per_word: list[tuple[Page, Word, _Token]] = []
    lines: list[list[_Token]] = []
    line_pages: list[int] = []
    for page in pages_to_fix:
        current_line, current = None, []
        for word in page.words:
            token = _split_token(word.text, symbols)
            if current_line is not None and word.line != current_line:
                lines.append(current)
                line_pages.append(page.number)
                current = []
            current_line = word.line
            current.append(token)
            per_word.append((page, word, token))
        if current:
            lines.append(current)
            line_pages.append(page.number)
    slots = _tokens_to_slots(lines, line_pages)
    repairer.run(slots)
    _apply_joins(slots)
    new_words: dict[int, list[Word]] = {}
    for page, word, token in per_word:
        text = _render_token(token)
        changed = [p for p in token.parts if isinstance(p, Slot) and p.result is not None]
        if text != word.text and changed:
            repair = Repair(
                scanned=word.text,
                confidence=min(1.0, max(0.0, min(s.confidence for s in changed))),
                reason="+".join(sorted({s.reason for s in changed})),
            )
            word = word.model_copy(update={"text": text, "repair": repair})
        new_words.setdefault(page.number, []).append(word)
    pages = []
    for page in doc.pages:
        if page.kind not in REPAIRED_KINDS:
            stats = PageRepairStats(words=len(page.words), repaired=0, share_repaired=0.0)
            pages.append(page.model_copy(update={"repair": stats}))
            continue
        words = tuple(new_words.get(page.number, ()))
        repaired = sum(w.repair is not None for w in words)
        stats = PageRepairStats(
            words=len(words), repaired=repaired, share_repaired=round(repaired / len(words), 4) if words else 0.0
        )
        pages.append(page.model_copy(update={"words": words, "repair": stats}))
        log.debug("repair %s page %d: %d of %d words", doc.doc_id[:12], page.number, repaired, len(words))
    return doc.model_copy(update={"pages": tuple(pages)})


def main() -> int:
    """Repair stdin line by line to stdout (a quick check; the CLI is `papers repair FILE`)."""
    import sys

    from pipeline.rules import load_rules

    lines = sys.stdin.read().split("\n")
    sys.stdout.write("\n".join(repair_lines(lines, load_rules())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
