"""Score a scanned form's look-alike candidates against the lexicon (prior times channel)."""

from __future__ import annotations

import copy
import hashlib
import math
from dataclasses import dataclass
from pathlib import Path

import pipeline.lexicon
import pipeline.repair.candidates
import pipeline.rules
from pipeline.lexicon import Lexicon, StoredAnswers, skeleton
from pipeline.repair.candidates import Channel, _compound_forms
from pipeline.rules import Rules, rules_hash

HUNSPELL_FRONT = 3
"""Hunspell is slow: only this many front runners per form learn whether it knows them."""
COMPOUND_MIN_LENGTH = 7
"""A form this long with no listed look-alike is tried as a compound of listed parts."""
ADAPTED_KEPT = 8
"""Adapted scorers (`Scorer.adapted`) kept per scorer, the least recently used dropped first."""
HUNSPELL_MAX_LOOKUPS = 16
"""At most this many hunspell look-ups when a form with a mark (é, 6, &) has no other candidate."""


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
        self._candidates: StoredAnswers[str | tuple[str, float], set[str]] = StoredAnswers(
            lambda: _candidates_path(rules, lexicon), stale="candidates-*.pickle")
        """Candidates per form (or per form and damage level 0 or 1): see `_candidates_path`."""
        self.restored: dict[tuple[str, int, bool], str] = {}
        """Dropped-glyph restorations per (form, letters, rare words too), filled by the repairer (context.py)."""
        self.evidence: dict[str, tuple[bool, ...]] = {}
        """What each form says about its page's damage, filled by the repairer (context.py)."""
        self._adapted: dict[frozenset, Scorer] = {}
        self._base: Scorer | None = None
        self._changed: tuple[str, ...] = ()
        """An adapted scorer's origin and the scanned pieces whose weights it changed."""

    def adapted(self, weights: dict[tuple[str, str], float]) -> Scorer:
        """Return a scorer of the same lexicon and candidates whose look-alike pieces (scanned,
        truth) of `weights` have those weights (`Channel.reweighted`). A form holding none of those
        scanned pieces is scored as here, from this scorer's cache; the last few adapted scorers
        are kept, so the papers of one OCR engine, which change the same pieces, share one."""
        key = frozenset(weights.items())
        twin = self._adapted.pop(key, None)
        if twin is None:
            twin = copy.copy(self)
            twin.channel, twin._cache, twin._adapted = self.channel.reweighted(weights), {}, {}
            twin._base, twin._changed = self, tuple(sorted({scanned for scanned, _ in weights}))
        self._adapted[key] = twin
        while len(self._adapted) > ADAPTED_KEPT:
            del self._adapted[next(iter(self._adapted))]
        return twin

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
        if self.lexicon.in_dictionary(word):
            return self.rules.compound_prior * self._share(word)
        if len(word) >= 6 and word.isalpha():
            if hunspell and self.lexicon.hunspell_knows(word):
                return self.rules.compound_prior * self._share(word)
            if self.lexicon.split_compound(word):
                return self.rules.splitter_prior * self._share(word)
        return self.rules.unknown_prior * self.rules.unseen_trigram_factor ** min(self.lexicon.unseen_trigrams(word), 3)

    def _share(self, word: str) -> float:
        """Return the share of an unlisted compound's diacritic reading of its parts (see
        Lexicon.reading_share), bounded so that it tips readings of damaged text, not clean text."""
        return max(self.rules.min_reading_share, self.lexicon.reading_share(word))

    def choose(self, scanned: str, damage: float) -> Choice:
        """Return the scored options for the lower-case `scanned` form at `damage`."""
        if self._base is not None and not any(piece in scanned for piece in self._changed):
            return self._base.choose(scanned, damage)
        key = (scanned, round(damage, 2))
        hit = self._cache.get(key)
        if hit is None:
            hit = self._choose(scanned, key[1])
            self._cache[key] = hit
        return hit

    def candidates(self, scanned: str, damage: float = 0.5) -> set[str]:
        """Return the real words `scanned` may be look-alike damage of (itself excluded); `damage`
        only chooses which cached channel scores the feasibility check shares with `choose`.

        Cached per form: whether a look-alike path exists is the same at every damage level
        strictly between 0 and 1, where each of its steps has a probability above 0. Kept between
        processes too (see `_candidates_path`): they are most of a cold run's work.
        """
        key = scanned if 0.0 < round(damage, 2) < 1.0 else (scanned, damage)
        hit = self._candidates.load().get(key)
        if hit is None:
            hit = self._candidates.add(key, self._find_candidates(scanned, damage))
        return hit

    def _find_candidates(self, scanned: str, damage: float) -> set[str]:
        """A real word (listed at least `realword_min_frequency`) may be another listed word at most
        one letter edit away (two for any other form), never a compound of other parts: its own
        reading is the likelier by far. Any other form looks two edits away only when no real word
        is one edit away (a second misread letter is far less likely than a first), and a long form
        that reads as no word is tried as compounds of parts one edit away before two: the
        skeletons two edits away are most of a cold run's work."""
        lex, rules = self.lexicon, self.rules
        freq = lex.frequencies.get(scanned, 0.0)
        real_word = self._common(scanned)  # wordfreq's rarer tail is web text that lost its letters

        def feasible(forms) -> set[str]:
            return {c for c in forms if c != scanned and c.isalpha() and self.channel.logp(scanned, c, damage) > -math.inf}

        if freq > rules.max_known_frequency_for_letter_edits and scanned.isalpha() and not unused_abbreviation(scanned, lex):
            by_edits = [{skeleton(scanned)}]
        else:
            max_edits = min(1, rules.max_edits) if real_word else rules.max_edits
            by_edits = self.channel.skeletons(scanned, min(1, max_edits), rules.max_length_for_dropped_letter)
            if max_edits > 1:
                cands = feasible(lex.forms_of_skeletons(set().union(*by_edits)))
                if any(map(self._common, cands)):
                    return cands
                by_edits = self.channel.skeletons(scanned, max_edits, rules.max_length_for_dropped_letter)
        near = set().union(*by_edits[:2])
        skels = near.union(*by_edits[2:])
        cands = (feasible(lex.forms_of_skeletons(skels))
                 or feasible(c for s in skels for c in lex.dictionary.get(s, ())))
        if len(scanned) >= COMPOUND_MIN_LENGTH and not cands and not real_word:
            parts, prefixes = lex.parts_by_skeleton(), lex.part_prefixes()
            cands = (feasible(c for s in near for c in _compound_forms(parts, prefixes, s))
                     or feasible(c for s in skels - near for c in _compound_forms(parts, prefixes, s)))
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
        cands = self.candidates(scanned, damage)
        if damage < self.rules.realword_min_damage:
            # the page's own å/ä/ö are intact: a plain vowel may have lost its marks, but a letter
            # read for another ("oid" -> "old", "gid" -> "gå") or a dropped one ("Flg") is not believed
            own = skeleton(scanned)
            cands = {c for c in cands if skeleton(c) == own}
        options = [(scanned, chan(scanned, scanned, damage) if scanned.isalpha() else -math.inf)]
        options += [(c, chan(scanned, c, damage)) for c in sorted(cands)]
        scored = sorted(((w, c + self.quick_prior(w)) for w, c in options if c > -math.inf), key=lambda o: -o[1])
        front = {w for w, _ in scored[:HUNSPELL_FRONT]}
        final = [(w, c + (self.prior(w) if w in front else self.quick_prior(w))) for w, c in options if c > -math.inf]
        final.sort(key=lambda o: -o[1])
        penalty = self._no_word(scanned, final)
        if penalty:
            final = sorted(((w, score + penalty if w == scanned else score) for w, score in final), key=lambda o: -o[1])
        if final and final[0][0] != scanned and self.prior(scanned) > math.log(self.rules.unknown_prior):
            keep = next((score for word, score in final if word == scanned), -math.inf)
            final = [(w, score) for w, score in final if score <= keep or w == scanned or not self._splitter_only(w)]
        # a real word, or a compound with a real word for a head, needs the real-word margin to change
        # (a form without candidates stays anyway)
        listed = len(final) > 1 and (self._real_word(scanned) or self._head_twin(scanned, final[0][0]))
        return Choice(scanned, tuple(final[:4]) or ((scanned, -math.inf),), listed)

    def _no_word(self, scanned: str, options: list[tuple[str, float]]) -> float:
        """Return the log factor on keeping a long scanned form that is no word (no list, dictionary
        or hunspell-sv holds it) and does not even cut into listed forms of any frequency, when its
        likeliest reading is a word or a compound the dictionary or hunspell-sv knows: a long
        Swedish word is nearly always a compound of words, so such a form is far likelier that
        compound with a letter misread ("Samhailsbyggnadschef", "resursfordeiningsmodell") than a
        word of its own (`long_unknown_length`, `long_unknown_factor` in rules/repair.yaml)."""
        if len(scanned) < self.rules.long_unknown_length or not scanned.isalpha():
            return 0.0
        best = next((w for w, _ in options if w != scanned), None)
        floor = math.log(self.rules.compound_prior * self.rules.min_reading_share)
        if best is None or self.prior(best) < floor or self.prior(scanned) > math.log(self.rules.unknown_prior):
            return 0.0
        return 0.0 if self.lexicon.compound_parts(scanned) else math.log(self.rules.long_unknown_factor)

    def _splitter_only(self, word: str) -> bool:
        """Return whether `word` is a compound only the splitter accepts (no list, no dictionary
        form, hunspell-sv rejects it). Such a reading never replaces a scanned form that is a word
        itself: the splitter takes any listed word for a head, verbs included ("monter|ingår",
        "indata|råder" for the nouns "monteringar", "indatarader"), so when both readings split
        into listed parts only the head's word frequency tells them apart, which is no evidence
        of damage."""
        lex = self.lexicon
        return word not in lex.frequencies and not lex.in_dictionary(word) and not lex.hunspell_knows(word)

    def _head_twin(self, scanned: str, word: str) -> bool:
        """Return whether `word` is the unlisted compound `scanned` with its head changed into the
        head's diacritic twin ("resultat|rader" -> "resultat|råder"): a real-word pair inside a
        compound, which needs the real-word margin like one standing alone. The head is the part
        whose reading share (`Lexicon.reading_share`) set the two priors apart, and its word
        frequencies count a verb ("råder") and a noun ("rader") alike, while a compound's head is
        nearly always a noun: when both heads are listed and the one as scanned is a real word
        (`_real_word`, and not a form that looks like damage: "varde" beside "värde"), that share
        alone is no stronger evidence than the frequencies of a real-word pair standing alone.
        """
        lex = self.lexicon
        if scanned in lex.frequencies or len(word) != len(scanned):
            return False
        parts = lex.compound_parts(scanned)
        if len(parts) < 2:
            return False
        head = parts[-1]
        cut = len(scanned) - len(head)
        twin = word[cut:]
        return (word[:cut] == scanned[:cut] and twin != head and skeleton(twin) == skeleton(head)
                and twin in lex.frequencies and head not in lex.damage_like and self._real_word(head))

    def _real_word(self, scanned: str) -> bool:
        """Return whether `scanned` is a real word that needs the real-word margin to change.

        A listed form at least `realword_min_frequency` common is one. A rarer listed form is one
        when hunspell-sv accepts it as written: wordfreq's tail mixes web text that lost its
        letters ("bostader", "spraket", which hunspell rejects) with genuine rarer words of other
        registers ("utmatning", "operator") that are 5-10 times rarer than their look-alike.
        """
        if self._common(scanned):
            return True
        return self.lexicon.frequencies.get(scanned, 0.0) > 0.0 and scanned.isalpha() and self.lexicon.hunspell_knows(scanned)

    def _common(self, word: str) -> bool:
        """Return whether `word` is listed at least `realword_min_frequency` common."""
        return self.lexicon.frequencies.get(word, 0.0) >= self.rules.realword_min_frequency


_VOWELS = frozenset("aeiouyåäöé")


def unused_abbreviation(scanned: str, lexicon: Lexicon) -> bool:
    """Return whether `scanned` is a vowel-less form ("fr", "tr") the in-domain training text never
    writes: the genre's abbreviations ("kr", "nr", "dnr") are in it, so a common list entry
    without a vowel that it lacks is likelier a word that lost its å/ä/ö ("fr" for "för") and
    gets letter edits like any rarer form."""
    return _VOWELS.isdisjoint(scanned) and scanned not in lexicon.pairs.unigrams


def _candidates_path(rules: Rules, lexicon: Lexicon) -> Path | None:
    """Name the file a scorer's candidates are kept in between processes, or None to keep them in memory.

    A new form's candidates (its skeleton variants, the listed words, compounds of listed parts
    and hunspell's forms behind each) follow from the look-alikes and repair settings, the
    lexicon and the code alone, so the name hashes those: a change to any of them starts afresh.
    Rules changed in memory (the bench's held-out look-alikes: their file hashes no longer name
    them) and a lexicon built in memory (it has no name) are not stored.
    """
    if not lexicon.cache_id or rules.hash != rules_hash(rules.directory):
        return None
    named = f"{rules.file_hashes['confusions']}\0{rules.file_hashes['repair']}\0{lexicon.cache_id}"
    digest = hashlib.sha256(named.encode())
    for source in (pipeline.lexicon.__file__, pipeline.repair.candidates.__file__, pipeline.rules.__file__, __file__):
        digest.update(Path(source).read_bytes())
    return pipeline.lexicon.CACHE_DIR / f"candidates-{digest.hexdigest()[:16]}.pickle"


_SCORERS: dict[tuple[str, int], Scorer] = {}


def _scorer(rules: Rules, lexicon: Lexicon) -> Scorer:
    key = (rules.hash, id(lexicon))
    if key not in _SCORERS:
        _SCORERS[key] = Scorer(rules, lexicon)
    return _SCORERS[key]
