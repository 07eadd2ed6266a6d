"""The Swedish lexicon: which word forms are real, how common they are, and their look-alike keys.

Three sources, in the order they are asked:

1. wordfreq's Swedish "large" list (about 340 000 forms with frequencies), the genre terms in
   `rules/lexicon/*.txt` and the word forms of the in-domain training text (see below), held in
   one dict and loaded from a pickle cache (`.cache/` in a checkout, the user's cache folder when
   installed: see pipeline.paths), built by `python -m pipeline.lexicon --build` or on first use;
2. a compound splitter over that list (Swedish writes compounds as one word, and no list holds
   "språkvänsmatchning"): a form is a compound when it splits into known parts;
3. hunspell-sv through spylls, loaded only when a form is unknown to both, with answers cached
   per form in memory and in `hunspell-*.pickle` beside the lexicon's cache (spylls takes
   seconds to load and one to three milliseconds per compound look-up; its answers never change
   for a dictionary).

Also built into the cache: the forms that look like damage (wordfreq's web text holds
"bostader" beside "bostäder"; such forms may not serve as compound parts) and the letter
trigrams of listed words (a form with trigrams no word has, "sdrj", is implausible Swedish).

The in-domain training text is the clean seed papers (corpus/sources/, all but 001, the damaged
paper the project is scored on) and the truth of the development part of corpus/real/split.json
(never its test part): `training_files()` is the one list it is read from. Besides vocabulary
it gives `WordPairs`, counts of which word follows which, the evidence real-word pairs
(är/år/ar, här/har, gör/går) need. The build needs nothing of the text but those counts, so they
are derived once into `rules/lexicon/training-pairs.tsv` (`python -m pipeline.lexicon
--derive-training-pairs`; a test keeps it current) and the build reads that file: an installed
package, which has no corpus, builds the same lexicon as a checkout.

A *skeleton* is a word with its diacritics dropped (å, ä → a; ö → o; é → e). The skeleton index
maps each skeleton to the known forms that share it, so the repair stage can go from a damaged
form to every real word it may have been.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import logging
import math
import multiprocessing.util
import os
import pickle
import re
import sys
import time
from array import array
from bisect import bisect_left
from collections.abc import Callable, Container
from functools import lru_cache
from importlib import metadata
from itertools import accumulate, combinations
from pathlib import Path
from typing import Generic, TypeVar

from pipeline.paths import CHECKOUT_DIR, INSTALLED, LEXICON_CACHE_DIR, RULES_DIR

log = logging.getLogger(__name__)

CACHE_DIR = LEXICON_CACHE_DIR
GENRE_DIR = RULES_DIR / "lexicon"
TRAINING_PAIRS_NAME = "training-pairs.tsv"
"""The word pairs of the training text, in GENRE_DIR (see write_training_pairs)."""
CACHE_VERSION = "9"
"""Bumped when what the lexicon holds changes: part of its name (`lexicon_id`), so of the repair stage's key."""
CACHE_FORMAT = "4"
"""Bumped when only how the cache file is laid out, or what it keeps precomputed, changes (2: the word
list first, on its own; 3: compound parts' skeleton beginnings and the å/ä/ö words by frequency; 4: the
skeleton index without the skeletons that are their only form, hunspell's unlisted forms as a
`SortedIndex`: loading it all 0.56 → 0.28 s): the file is rebuilt, the lexicon's name and every cache key stay."""
SOURCES_DIR = CHECKOUT_DIR / "corpus" / "sources"
REAL_DIR = CHECKOUT_DIR / "corpus" / "real"
SCORED_SEED = "001"
"""The damaged seed the project is scored on: never training text, in no corrected form."""

GENRE_FREQUENCY = 1e-6
"""Frequency given to a genre term that wordfreq does not list (about once per million words)."""


_LETTERS = re.compile(r"^[^\W\d_]+$")
_SKELETON = str.maketrans({"å": "a", "ä": "a", "ö": "o", "é": "e", "ü": "u", "à": "a", "è": "e"})
_COMPOUND_MIN_PART = 4
_COMPOUND_MIN_HEAD = 3
_COMPOUND_MIN_PART_FREQ = 2e-7
_COMPOUND_MIN_SHORT_HEAD_FREQ = 1e-5
"""A head shorter than `_COMPOUND_MIN_PART` must be this common: the three-letter heads of Swedish compounds
are everyday words ("-bil", "-hus", "-tid", "-väg": 2e-4 and more; "-sjö", "-fil" 1e-5), while a rare one
makes a compound of a damaged ending ("korttidsverksamhet|ema" for "-verksamheterna", "ema" 8e-7)."""
_COMPOUND_MAX_PARTS = 4
_CANDIDATE_MIN_DIACRITIC_PART_FREQ = 5e-8
_COMPOUND_LINKS = ("", "s")
DAMAGE_LIKE_RATIO = 20.0
"""A form without å/ä/ö whose diacritic variant is this many times more frequent looks like
damage ("bostader" beside "bostäder": web text that lost its letters), so it may not
serve as a compound part."""


def skeleton(word: str) -> str:
    """Return the lower-cased `word` with its diacritics dropped (the look-alike key)."""
    return word.lower().translate(_SKELETON)


def training_files() -> list[Path]:
    """Return the in-domain training text: clean seeds (not 001) and the real papers' development
    part. The test part's names are never turned into paths here, so no build can read them."""
    import json

    seeds = [p for p in sorted(SOURCES_DIR.glob("[0-9][0-9][0-9]_*.txt")) if not p.name.startswith(SCORED_SEED)]
    split_path = REAL_DIR / "split.json"
    dev = json.loads(split_path.read_text(encoding="utf-8"))["dev"] if split_path.exists() else []
    return seeds + [REAL_DIR / "truth" / f"{Path(name).stem}.txt" for name in dev]


_TOKEN_PUNCT = ".,:;!?()\"'”“»«–-—/[]{}*•"
_YEAR = re.compile(r"^(19|20)\d\d$")
_NUMBERISH = re.compile(r"^[\d\s.,:%+-]+$")


@lru_cache(maxsize=100_000)
def pair_token(word: str) -> str:
    """Return the form a word takes in word pairs: lower case, a year as <year>, a number as <num>."""
    if _YEAR.match(word):
        return "<year>"
    if _NUMBERISH.match(word):
        return "<num>"
    return word.lower()


def text_sentences(text: str) -> list[list[str]]:
    """Split text into runs of pair tokens; a sentence end or a line of its own ends a run."""
    runs: list[list[str]] = []
    for line in text.replace("\f", "\n").split("\n"):
        run: list[str] = []
        for raw in line.split():
            word = raw.strip(_TOKEN_PUNCT)
            if word:
                run.append(pair_token(word))
            if raw[-1:] in ".!?:;" or not word:
                if len(run) > 1:
                    runs.append(run)
                run = []
        if len(run) > 1:
            runs.append(run)
    return runs


class WordPairs:
    """Counts of adjacent word pairs in the in-domain training text, and the evidence they give.

    evidence(prev, word, next) sums log P(word | prev) / P(word) and log P(next | word) / P(next)
    where they are positive, each conditional smoothed towards the unigram with PAIR_SMOOTHING
    pseudo-counts and every pair count less PAIR_DISCOUNT: a pair seen more often than chance
    speaks for the word, a pair seen once says nothing (one sighting in a small text may be
    chance or one writer's habit), and a pair never seen says nothing (ten thousand words of training
    text are silent about most pairs, so silence is no evidence against a word).
    """

    def __init__(self, unigrams: dict[str, int], bigrams: dict[tuple[str, str], int]):
        self.unigrams = unigrams
        self.bigrams = bigrams
        self.total = sum(unigrams.values()) or 1

    @classmethod
    def from_texts(cls, texts: list[str]) -> WordPairs:
        """Count the pair tokens and adjacent pairs of `texts`."""
        from collections import Counter

        uni: Counter = Counter()
        bi: Counter = Counter()
        for text in texts:
            for run in text_sentences(text):
                uni.update(run)
                bi.update(zip(run, run[1:]))
        return cls(dict(uni), dict(bi))

    def _p(self, word: str, background: float) -> float:
        return (self.unigrams.get(word, 0) + PAIR_SMOOTHING * background) / (self.total + PAIR_SMOOTHING)

    def evidence(self, prev: str, word: str, nxt: str, background: dict[str, float]) -> float:
        """Return the log evidence (>= 0) the neighbours give `word` (0 when no pair was seen)."""
        if (prev, word) not in self.bigrams and (word, nxt) not in self.bigrams:
            return 0.0  # pairs never seen say nothing (see above): the case of most words
        out = 0.0
        p_word = self._p(word, background.get(word, 1e-9))
        for a, b, p_b in ((prev, word, p_word), (word, nxt, None)):
            count_a = self.unigrams.get(a, 0)
            if not a or not b or not count_a:
                continue
            if p_b is None:
                p_b = self._p(b, background.get(b, 1e-6))
            seen = max(0.0, self.bigrams.get((a, b), 0) - PAIR_DISCOUNT)
            cond = (seen + PAIR_SMOOTHING * p_b) / (count_a + PAIR_SMOOTHING)
            out += max(0.0, math.log(cond / p_b))
        return out


PAIR_DISCOUNT = 1.0
"""Subtracted from every pair count: a pair must be seen twice to count at all."""
PAIR_SMOOTHING = 10.0
"""Pseudo-counts of the unigram in each conditional: a context must be seen about this often
before its silence about a word counts against that word."""


class Lexicon:
    """Word frequencies (lower-case forms) with membership, compounds and a skeleton index."""

    def __init__(
        self,
        frequencies: dict[str, float],
        by_skeleton: dict[str, tuple[str, ...]] | None = None,
        damage_like: frozenset[str] | None = None,
        trigrams: frozenset[str] | None = None,
        pairs: WordPairs | None = None,
        dictionary: SortedIndex | None = None,
        diacritic_words: tuple[str, ...] | None = None,
    ):
        self.frequencies = frequencies
        self.pairs = pairs if pairs is not None else WordPairs({}, {})
        self.dictionary = dictionary if dictionary is not None else SortedIndex.of({})
        """Skeleton -> lower-case forms with å/ä/ö/é that hunspell-sv's word list inflects but no
        frequency list holds ("budgetåret", "kommunfullmäktiges"): candidates of a last resort."""
        self.by_skeleton = by_skeleton if by_skeleton is not None else _skeleton_index(frequencies)
        """Skeleton -> its listed forms, commonest first, only where a form differs from the skeleton
        or there are several (see `same_skeleton`)."""
        self.damage_like = damage_like if damage_like is not None else _damage_like(frequencies, self.by_skeleton)
        self.trigrams = trigrams if trigrams is not None else _trigrams(frequencies, self.damage_like)
        self._parts = {w: f for w, f in frequencies.items() if f >= _COMPOUND_MIN_PART_FREQ and w not in self.damage_like}
        self._compound_cache: dict[str, bool] = {}
        self._share_cache: dict[str, float] = {}
        self._parts_index: dict[str, tuple[str, ...]] | None = None
        self._part_prefixes: dict[str, bool] | None = None
        self.diacritic_words = diacritic_words if diacritic_words is not None else tuple(sorted(
            (w for w in frequencies if w.isalpha() and _DIACRITIC_SET.intersection(w)), key=lambda w: -frequencies[w]))
        """The alphabetic listed forms with å/ä/ö, commonest first (see `restorations`)."""
        self._restorations: dict[float, list[dict[str, list[str]]]] = {}
        self.cache_id = ""
        """The name of the cache file it was read from or written to ("" if built in memory only):
        what is worked out from it may be stored under that name."""

    def known(self, word: str) -> bool:
        """Return whether the lower-cased `word` is in the word list (no compound analysis)."""
        return word.lower() in self.frequencies

    def unseen_trigrams(self, word: str) -> int:
        """Return how many letter trigrams of `^word$` occur in no listed word (0 for plausible forms)."""
        w = f"^{word.lower()}$"
        return sum(w[i : i + 3] not in self.trigrams for i in range(len(w) - 2))

    def same_skeleton(self, word: str) -> tuple[str, ...]:
        """Return the listed forms whose skeleton equals `word`'s skeleton (its diacritic variants)."""
        return self.skeleton_forms(skeleton(word))

    def skeleton_forms(self, key: str) -> tuple[str, ...]:
        """Return the listed forms whose skeleton is `key`. A skeleton that is its own only form is
        not in `by_skeleton` (seven in ten: the index loads in a fifth of the time): it is itself
        the answer when listed."""
        return tuple(self.forms_of_skeletons({key}))

    def forms_of_skeletons(self, keys: set[str]) -> list[str]:
        """Return the listed forms of every skeleton of `keys` (see `skeleton_forms`) at once: a cold
        run's candidate search asks for tens of thousands of skeletons, and set intersections answer
        them without a call each."""
        shared = keys & self.by_skeleton.keys()
        forms = [form for key in shared for form in self.by_skeleton[key]]
        forms += [key for key in (keys - shared) & self.frequencies.keys() if _LETTERS.match(key)]
        return forms

    def is_word(self, word: str) -> bool:
        """Return whether the lower-cased `word` is listed, splits into listed parts, or hunspell knows it."""
        w = word.lower()
        if w in self.frequencies:
            return True
        if not _LETTERS.match(w) or len(w) < 2 * _COMPOUND_MIN_PART:
            return False
        hit = self._compound_cache.get(w)
        if hit is None:
            hit = bool(self.split_compound(w)) or _hunspell_knows(w)
            self._compound_cache[w] = hit
        return hit

    def in_dictionary(self, word: str) -> bool:
        """Return whether the lower-case `word` is one of the unlisted dictionary forms (see `dictionary`)."""
        return word in self.dictionary.get(skeleton(word), ())

    def hunspell_knows(self, word: str) -> bool:
        """Return whether hunspell-sv accepts `word` as written (slow when not cached: ~1-3 ms)."""
        return _hunspell_knows(word)

    def parts_by_skeleton(self) -> dict[str, tuple[str, ...]]:
        """Return the skeleton index of the forms candidate compounds are made of (built once): the
        splitter's parts, and rarer forms with å/ä/ö down to _CANDIDATE_MIN_DIACRITIC_PART_FREQ
        ("upplåtelse", so "markupplatelseavtal" reaches "markupplåtelseavtal"). A compound made
        of them gets a compound's prior only if hunspell or the splitter accepts it."""
        if self._parts_index is None:
            index: dict[str, list[str]] = {}
            for w, f in self.frequencies.items():
                if w in self._parts or (
                    f >= _CANDIDATE_MIN_DIACRITIC_PART_FREQ and w not in self.damage_like and _DIACRITIC_SET.intersection(w)
                ):
                    if _LETTERS.match(w):
                        index.setdefault(skeleton(w), []).append(w)
            self._parts_index = {k: tuple(sorted(v, key=lambda w: -self.frequencies[w])) for k, v in index.items()}
        return self._parts_index

    def part_prefixes(self) -> dict[str, bool]:
        """Return every beginning (3+ letters) of a compound part's skeleton, and whether it is a
        whole one (built once): the search for a compound's first part stops where no part begins so."""
        if self._part_prefixes is None:
            parts = self.parts_by_skeleton()
            self._part_prefixes = {k[:n]: k[:n] in parts for k in parts for n in range(3, len(k) + 1)}
        return self._part_prefixes

    def restorations(self, floor: float, letters: int) -> list[dict[str, list[str]]]:
        """Return, for 1 to `letters` å/ä/ö dropped, the listed alphabetic words at least `floor`
        frequent by what they read as without that many of their å/ä/ö: every word a dropped-glyph
        form becomes with them put back, in one look-up instead of one per place and letter
        (built once per floor, from `diacritic_words`)."""
        index = self._restorations.setdefault(floor, [])
        while len(index) < letters:
            dropped: dict[str, list[str]] = {}
            for word in self.diacritic_words:
                if self.frequencies[word] < floor:
                    break
                for drop in combinations([i for i, ch in enumerate(word) if ch in _DIACRITIC_SET], len(index) + 1):
                    form = word
                    for i in reversed(drop):
                        form = form[:i] + form[i + 1 :]
                    words = dropped.setdefault(form, [])
                    if word not in words:  # "åå" loses either letter to the same form
                        words.append(word)
            index.append(dropped)
        return index[:letters]

    def reading_share(self, word: str) -> float:
        """Return how likely the lower-case compound `word`'s own diacritic reading of each part is
        against that part's other readings (product of freq(part) / freq(its skeleton's forms)).

        A compound no list holds has no frequency of its own, but its parts do: in
        "planforslag" / "planförslag" or "beslutanderatten" / "beslutanderätten" the part that
        differs ("forslag", "ratten") is far rarer than its diacritic variant, which is the very
        evidence a listed word gets from its frequency. Parts without variants count 1, so only
        the readings of one skeleton are told apart, never one compound from another ("namn|dens").
        Parts are cut as `split_compound` does, but from every listed form (a damage-like part is
        exactly the reading to recognise); 1.0 when the word does not split. Only the head is a
        word form whose own frequency speaks for it; a part before it is a compound stem, whose
        frequency as a word says little ("låne" is rarer than English "lane"), so it counts only
        when it looks like damage ("samhalls" beside "samhälls").
        """
        hit = self._share_cache.get(word)
        if hit is None:
            hit = 1.0
            parts = self.compound_parts(word)
            for k, part in enumerate(parts):
                if part not in self.frequencies:
                    part = part[:-1]  # a part with its linking -s-
                readings = self.same_skeleton(part)
                if len(readings) > 1 and (k == len(parts) - 1 or part in self.damage_like):
                    hit *= self.frequencies[part] / sum(self.frequencies[r] for r in readings)
            self._share_cache[word] = hit
        return hit

    def compound_parts(self, word: str) -> tuple[str, ...]:
        """Return the lower-case `word` cut into listed forms of any frequency, as `reading_share`
        weighs them (a part may look like damage: that is the reading to recognise), or ()."""
        return _split(word, self.frequencies, _COMPOUND_MAX_PARTS)

    def unlisted_compound(self, word: str) -> bool:
        """Tell whether the lower-case, unlisted `word` splits into listed parts while no diacritic
        variant of it is listed: "funktionsstöd" is a compound, "namnden" is "nämnden" damaged
        (its parts "namn" + "den" are listed too)."""
        return not self.same_skeleton(word) and bool(self.split_compound(word))

    def split_compound(self, word: str) -> tuple[str, ...]:
        """Split the lower-cased `word` into listed parts (with an optional linking -s-), or return ().

        The head (last part) must be at least three letters, every other part four, each listed with a frequency of at least two in
        ten million (a head of three letters: `_COMPOUND_MIN_SHORT_HEAD_FREQ`), and not look like damage (see DAMAGE_LIKE_RATIO).
        """
        return compound_parts(word, self._parts)


def compound_parts(word: str, parts: dict[str, float], most: int = _COMPOUND_MAX_PARTS) -> tuple[str, ...]:
    """Split the lower-cased `word` into at most `most` words of `parts` as `Lexicon.split_compound`
    does (its lengths and linking -s-), or return ()."""
    return _split(word.lower(), parts, most, _COMPOUND_MIN_SHORT_HEAD_FREQ)


def _split(word: str, freqs: dict[str, float], parts_left: int, short_head_freq: float = 0.0) -> tuple[str, ...]:
    if len(word) >= _COMPOUND_MIN_HEAD and word in freqs and (len(word) >= _COMPOUND_MIN_PART or freqs[word] >= short_head_freq):
        return (word,)
    if parts_left <= 1:
        return ()
    for cut in range(len(word) - _COMPOUND_MIN_HEAD, _COMPOUND_MIN_PART - 1, -1):
        head = word[:cut]
        for link in _COMPOUND_LINKS:
            stem = head[: len(head) - len(link)] if link else head
            if link and not head.endswith(link):
                continue
            if len(stem) < _COMPOUND_MIN_PART or stem not in freqs:
                continue
            rest = _split(word[cut:], freqs, parts_left - 1, short_head_freq)
            if rest:
                return (head, *rest)
    return ()


_AFFIX_FLAGS_SKIPPED = frozenset("%Z¤")
"""hunspell-sv flags of entries that are no word alone: forbidden, only in compounds, needs an affix."""


def dictionary_forms(base: str | None = None) -> set[str]:
    """Return hunspell-sv's word list with its suffix rules applied (about 950 000 forms, as written).

    Only suffixes (sv_SE has no prefix rules), each with its continuation flags one level deep:
    the inflections a compound-aware spell checker accepts, without its open-ended compounding.
    """
    base = base or _hunspell_base()
    if base is None:
        return set()
    rules: dict[str, list[tuple[str, str, str, re.Pattern | None]]] = {}
    for line in Path(base + ".aff").read_text(encoding="utf-8").splitlines():
        f = line.split()
        if len(f) >= 5 and f[0] == "SFX":
            add, _, cont = f[3].partition("/")
            condition = None if f[4] == "." else re.compile(f"(?:{f[4]})$")
            rules.setdefault(f[1], []).append(("" if f[2] == "0" else f[2], "" if add == "0" else add, cont, condition))
    out: set[str] = set()

    def inflect(word: str, flags: str, depth: int) -> None:
        for flag in flags:
            for strip, add, cont, condition in rules.get(flag, ()):
                if word.endswith(strip) and (condition is None or condition.search(word)):
                    form = word[: len(word) - len(strip)] + add
                    if not _AFFIX_FLAGS_SKIPPED.intersection(cont):
                        out.add(form)
                    if cont and depth == 0:
                        inflect(form, cont, 1)

    for line in Path(base + ".dic").read_text(encoding="utf-8").splitlines()[1:]:
        word, _, flags = line.partition("/")
        if not word or "%" in flags:
            continue
        if not _AFFIX_FLAGS_SKIPPED.intersection(flags):
            out.add(word)
        inflect(word, flags, 0)
    return out


def _dictionary_index(frequencies: dict[str, float]) -> SortedIndex:
    """Index hunspell-sv's unlisted forms with å/ä/ö/é by skeleton (see Lexicon.dictionary)."""
    index: dict[str, list[str]] = {}
    for form in dictionary_forms():
        w = form.lower()
        if w not in frequencies and _DICTIONARY_MARKS.intersection(w) and _LETTERS.match(w):
            index.setdefault(skeleton(w), []).append(w)
    return SortedIndex.of({k: tuple(sorted(set(v))) for k, v in index.items()})


class SortedIndex:
    """Words -> words, held as the sorted keys, searched by bisection, and their values in one text
    ("value<TAB>value<TAB>" a key, `starts` where each begins): for the 330 000 skeletons of
    hunspell's unlisted forms, a dict took 0.13 s of every process's lexicon load to unpickle,
    this 0.03 s, and a look-up stays about a microsecond. Values hold no tab."""

    def __init__(self, keys: list[str], starts: array, values: str):
        self.keys, self.starts, self.values = keys, starts, values

    @classmethod
    def of(cls, index: dict[str, tuple[str, ...]]) -> SortedIndex:
        keys = sorted(index)
        pieces = ["".join(v + "\t" for v in index[key]) for key in keys]
        starts = array("L", accumulate(map(len, pieces), initial=0))
        return cls(keys, starts, "".join(pieces))

    def parts(self) -> tuple[list[str], array, str]:
        """What it is made of, to store (`SortedIndex(*parts)` makes it again): pickled as an
        object, a cache built by `python -m pipeline.lexicon` would name its class `__main__`'s."""
        return self.keys, self.starts, self.values

    def get(self, key: str, default: tuple[str, ...] = ()) -> tuple[str, ...]:
        """The values of `key`, or `default`."""
        i = bisect_left(self.keys, key)
        if i == len(self.keys) or self.keys[i] != key:
            return default
        return tuple(self.values[self.starts[i] : self.starts[i + 1] - 1].split("\t"))

    def __len__(self) -> int:
        """How many values it holds."""
        return self.values.count("\t")


_DICTIONARY_MARKS = frozenset("åäöé")


@lru_cache(maxsize=1)
def _hunspell_base() -> str | None:
    """Return hunspell-sv's sv_SE dictionary path without .dic/.aff, or None if there is none.

    The pip package puts it under the prefix it was installed to, outside site-packages: this
    environment's, or (pip install --user, or packages of an environment this one sees) another
    one its recorded files name; else Debian's hunspell-sv.
    """
    candidates = [Path(sys.prefix, "share", "hunspell", "sv_SE.dic")]
    try:
        dist = metadata.distribution("hunspell-sv")
        candidates += [Path(dist.locate_file(file)).resolve() for file in dist.files or () if file.name == "sv_SE.dic"]
    except metadata.PackageNotFoundError:
        pass
    candidates.append(Path("/usr/share/hunspell/sv_SE.dic"))
    return next((str(dic.with_suffix("")) for dic in candidates if dic.exists()), None)


@lru_cache(maxsize=1)
def _hunspell() -> Callable[[str], bool] | None:
    """hunspell-sv's verdict on a word (`pipeline.spellcheck`: libhunspell, else spylls)."""
    base = _hunspell_base()
    if base is None:
        log.warning("no hunspell-sv dictionary found: compounds are judged by the splitter alone")
        return None
    from pipeline import spellcheck

    started = time.perf_counter()
    salt = f"{spellcheck.FORMAT} spylls {metadata.version('spylls')}"
    verdict = spellcheck.verdicts(base, _hunspell_path("hunspell-index", salt))
    log.debug("hunspell %s loaded in %.2f s", base, time.perf_counter() - started)
    _keep_out_of_gc()
    return verdict


def _keep_out_of_gc() -> None:
    """Keep what is loaded so far out of the cycle collector's full passes (gc.freeze).

    The lexicon and hunspell's dictionary are millions of objects that live as long as the
    process; every full collection would walk them all again (up to a second once spylls is
    loaded) although none of them is ever garbage.
    """
    gc.freeze()


Key = TypeVar("Key")
Answer = TypeVar("Answer")


class StoredAnswers(Generic[Key, Answer]):
    """Answers per key that never change while the file's name holds, kept in CACHE_DIR between
    processes (hunspell's verdicts, the repair's candidates per form).

    Read on first use and written back when the process ends, if it learned anything: merged
    with what another process wrote meanwhile, written to a temporary file and renamed, so no
    reader sees half a file and two processes writing at once lose at most each other's newest
    answers. The write is a multiprocessing finalizer, not an atexit handler: a process pool's
    workers (where `papers run` repairs) end without running atexit handlers, but run those.
    `stale` is a glob of files this one replaces (older keys), removed when it is written.
    At most `limit` answers are kept, so an archive's years of runs cannot grow the file (and
    every process's start) without bound: past it, new answers live in this process only.
    """

    def __init__(self, locate: Callable[[], Path | None], stale: str = "", limit: int = 200_000) -> None:
        self.locate = locate
        self.stale = stale
        self.limit = limit
        self.answers: dict[Key, Answer] | None = None
        self.new = 0
        self.path: Path | None = None

    def load(self) -> dict[Key, Answer]:
        """Return the answers, read from the file on first use (empty when `locate` gives None)."""
        if self.answers is None:
            self.path = self.locate()
            self.answers = _read_answers(self.path) if self.path else {}
            multiprocessing.util.Finalize(self, self.save, exitpriority=0)
        return self.answers

    def add(self, key: Key, answer: Answer) -> Answer:
        """Record a new answer (written back when the process ends) and return it."""
        self.load()[key] = answer
        self.new += 1
        return answer

    def save(self) -> None:
        """Write the answers back if any are new (see the class)."""
        if not self.new or self.path is None or self.answers is None:
            return
        stored = _read_answers(self.path)
        for key, answer in self.answers.items():
            if len(stored) >= self.limit:
                break
            stored.setdefault(key, answer)
        _write_pickle(self.path, stored)
        self.answers = stored | self.answers
        self.new = 0
        for stale in self.path.parent.glob(self.stale) if self.stale else ():
            if stale != self.path:
                stale.unlink(missing_ok=True)


def _read_answers(path: Path) -> dict:
    if not path.exists():
        return {}
    with path.open("rb") as handle:
        return pickle.load(handle)


def _write_pickle(path: Path, *records: object) -> None:
    """Pickle `records` one after another to a temporary file renamed to `path`: no reader ever
    sees half a file; a reader may stop after any record."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    with tmp.open("wb") as handle:
        for data in records:
            pickle.dump(data, handle, protocol=pickle.HIGHEST_PROTOCOL)
    tmp.replace(path)


def _hunspell_path(name: str, salt: str = "") -> Path | None:
    """Name a file of hunspell's answers by the dictionary's files (place, size, time written):
    they never change for one dictionary, and a cold process need not read its 4 MB to hash it (9 ms)."""
    base = _hunspell_base()
    if base is None:
        return None
    files = (Path(base + ".dic").resolve(), Path(base + ".aff").resolve())
    stats = [(str(f), (st := f.stat()).st_size, st.st_mtime_ns) for f in files]
    digest = hashlib.sha256((repr(stats) + salt).encode())
    return CACHE_DIR / f"{name}-{digest.hexdigest()[:16]}.pickle"


def _verdicts_path() -> Path | None:
    from pipeline import spellcheck

    return _hunspell_path("hunspell", spellcheck.backend())


_VERDICTS: StoredAnswers[str, bool] = StoredAnswers(_verdicts_path)


def _hunspell_knows(word: str) -> bool:
    """Return whether hunspell-sv accepts `word` (answers cached in memory and in CACHE_DIR)."""
    answers = _VERDICTS.load()
    hit = answers.get(word)
    if hit is None:
        dictionary = _hunspell()
        hit = _VERDICTS.add(word, bool(dictionary and dictionary(word)))
    return hit


def _damage_like(frequencies: dict[str, float], by_skeleton: dict[str, tuple[str, ...]]) -> frozenset[str]:
    out = set()
    for forms in by_skeleton.values():
        if len(forms) < 2:
            continue
        top = max((frequencies[f] for f in forms if _DIACRITIC_SET.intersection(f)), default=0.0)
        for f in forms:
            if not _DIACRITIC_SET.intersection(f) and frequencies[f] * DAMAGE_LIKE_RATIO < top:
                out.add(f)
    return frozenset(out)


_DIACRITIC_SET = frozenset("åäö")
_TRIGRAM_MIN_FREQ = 1e-7


def _trigrams(frequencies: dict[str, float], damage_like: frozenset[str]) -> frozenset[str]:
    out: set[str] = set()
    for word, f in frequencies.items():
        if f >= _TRIGRAM_MIN_FREQ and word not in damage_like and _LETTERS.match(word):
            w = f"^{word}$"
            out.update(w[i : i + 3] for i in range(len(w) - 2))
    return frozenset(out)


def _skeleton_index(frequencies: dict[str, float]) -> dict[str, tuple[str, ...]]:
    """The skeleton index of `Lexicon.by_skeleton`: without a skeleton whose one form is itself."""
    index: dict[str, list[str]] = {}
    for word in frequencies:
        if _LETTERS.match(word):
            index.setdefault(skeleton(word), []).append(word)
    return {k: tuple(sorted(v, key=lambda w: -frequencies[w])) for k, v in index.items() if v != [k]}


def read_genre_terms(directory: Path = GENRE_DIR) -> dict[str, float]:
    """Read `rules/lexicon/*.txt`: one term per line, `#` starts a comment (the source)."""
    terms: dict[str, float] = {}
    for path in sorted(directory.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            term = line.split("#", 1)[0].strip().lower()
            if term:
                terms[term] = GENRE_FREQUENCY
    return terms


def derive_training_pairs(files: list[Path]) -> WordPairs:
    """Count the word pairs of the training text `files` (what the lexicon takes from it)."""
    return WordPairs.from_texts([path.read_text(encoding="utf-8") for path in files])


_TRAINING_PAIRS_HEADER = """# The word pairs of the lexicon's training text (pipeline/lexicon.py: training_files), derived by
# `python -m pipeline.lexicon --derive-training-pairs`: change the text, not this file.
# word<TAB>count, then word<TAB>next<TAB>count, in the order of first sighting in the text.
"""


def write_training_pairs(pairs: WordPairs, path: Path) -> None:
    """Write `pairs` as TSV, atomically. Words keep the order they were first seen in: it is the
    order they enter the lexicon, which breaks frequency ties among a skeleton's forms, so the
    lexicon read back equals the one built from the text itself."""
    lines = [f"{word}\t{count}" for word, count in pairs.unigrams.items()]
    lines += [f"{first}\t{second}\t{count}" for (first, second), count in pairs.bigrams.items()]
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(_TRAINING_PAIRS_HEADER + "\n".join(lines) + "\n", encoding="utf-8")
    tmp.replace(path)


def read_training_pairs(path: Path) -> WordPairs:
    """Read a file written by write_training_pairs (a token holds no white space, so no line of
    data starts with "# ")."""
    unigrams: dict[str, int] = {}
    bigrams: dict[tuple[str, str], int] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# "):
            continue
        *tokens, count = line.split("\t")
        if len(tokens) == 1:
            unigrams[tokens[0]] = int(count)
        else:
            first, second = tokens
            bigrams[first, second] = int(count)
    return WordPairs(unigrams, bigrams)


@lru_cache(maxsize=4)
def _lexicon_name(directory: Path = GENRE_DIR) -> str:
    """Name the lexicon by what it is built from (hashing a few megabytes: once per process).
    wordfreq states no `__version__`: its installed version comes from the package's metadata,
    which also spares importing it (0.1 s of every run's start)."""
    digest = hashlib.sha256(CACHE_VERSION.encode())
    digest.update(metadata.version("wordfreq").encode())
    for path in [*sorted(directory.glob("*.txt")), directory / TRAINING_PAIRS_NAME]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    base = _hunspell_base()
    for path in [Path(base + ".dic"), Path(base + ".aff")] if base else []:
        digest.update(path.read_bytes())
    return f"lexicon-{digest.hexdigest()[:16]}"


def _cache_path(directory: Path = GENRE_DIR) -> Path:
    return CACHE_DIR / f"{_lexicon_name(directory)}.format{CACHE_FORMAT}.pickle"


def lexicon_id() -> str:
    """Name what the lexicon is built from (genre terms, training text, hunspell-sv, wordfreq):
    the repair stage's cache key changes with it."""
    return _lexicon_name()


def make_lexicon(pairs: WordPairs, directory: Path = GENRE_DIR) -> Lexicon:
    """Build a lexicon from wordfreq, the genre terms, hunspell-sv's inflected word list and the
    word pairs of the training text (in memory only: `bench/eval_repair.py` builds one per
    held-out fold).

    A word form of the training text counts as a genre term: the register's compounds
    ("resultatfond", "ombudgetering") are then candidates and compound parts.
    """
    from wordfreq import get_frequency_dict

    frequencies = dict(get_frequency_dict("sv", "large"))
    for term, freq in read_genre_terms(directory).items():
        frequencies[term] = max(frequencies.get(term, 0.0), freq)
    for word in pairs.unigrams:
        if _LETTERS.match(word) and len(word) >= 2:
            frequencies[word] = max(frequencies.get(word, 0.0), GENRE_FREQUENCY)
    lexicon = Lexicon(frequencies, pairs=pairs, dictionary=_dictionary_index(frequencies))
    lexicon.part_prefixes()
    return lexicon


def build_lexicon(directory: Path = GENRE_DIR) -> Lexicon:
    """Build the lexicon from the genre terms and training pairs in `directory` (see make_lexicon)
    and write its cache."""
    lexicon = make_lexicon(read_training_pairs(directory / TRAINING_PAIRS_NAME), directory)
    path = _cache_path(directory)
    pairs = lexicon.pairs
    word_list = pickle.dumps(lexicon.frequencies, protocol=pickle.HIGHEST_PROTOCOL)  # read alone by load_word_list
    _write_pickle(path, word_list, (lexicon.by_skeleton, lexicon.damage_like, lexicon.trigrams, pairs.unigrams,
                                    pairs.bigrams, lexicon.dictionary.parts(), lexicon.parts_by_skeleton(),
                                    lexicon.part_prefixes(), lexicon.diacritic_words))
    for stale in path.parent.glob("lexicon-*.pickle"):
        if stale != path:
            stale.unlink()
    lexicon.cache_id = _lexicon_name(directory)
    return lexicon


def hit_rate(tokens: list[str], word_list: Container[str], lexicon: Lexicon | None = None) -> float:
    """Return the share of alphabetic tokens (3+ letters) that read as Swedish words (1.0 if none).

    A word reads so when `word_list` holds its lower-case form; with `lexicon`, also when it is an
    unlisted compound (`Lexicon.unlisted_compound`): the genre's long compounds ("resultatfond",
    "Driftredovisning") are no sign of damage, a word that lost its å/ä/ö is.
    """
    words = [w.lower() for w in _alphabetic_words(tokens)]
    if not words:
        return 1.0
    return sum(w in word_list or (lexicon is not None and lexicon.unlisted_compound(w)) for w in words) / len(words)


def diacritic_share(tokens: list[str]) -> float:
    """Return the share of alphabetic tokens (3+ letters) that hold å, ä or ö (0.0 if none)."""
    words = _alphabetic_words(tokens)
    return sum(any(ch in "åäöÅÄÖ" for ch in w) for w in words) / len(words) if words else 0.0


def _alphabetic_words(tokens: list[str]) -> list[str]:
    """The tokens that are words of 3+ letters once their punctuation is stripped."""
    words = (t.strip(".,:;!?()\"'”»«-–") for t in tokens)
    return [w for w in words if len(w) >= 3 and _LETTERS.match(w)]


@lru_cache(maxsize=1)
def load_word_list() -> dict[str, float]:
    """Return the lexicon's word frequencies alone: all that telling a clean text layer from a
    damaged one needs (`hit_rate`), and a quarter of loading the whole lexicon, which a batch of
    clean text layers never needs. The cache's first record is the word list pickled on its own,
    so that reading it is cheap and skipping it cheaper."""
    if load_lexicon.cache_info().currsize:
        return load_lexicon().frequencies
    path = _cache_path()
    if not path.exists():
        return load_lexicon().frequencies
    with path.open("rb") as handle:
        frequencies = pickle.loads(pickle.load(handle))
    _keep_out_of_gc()
    return frequencies


@lru_cache(maxsize=1)
def load_lexicon() -> Lexicon:
    """Return the process-wide lexicon, from the cache (built first if missing); the word list
    already loaded by `load_word_list` is kept, not read again."""
    path = _cache_path()
    if path.exists():
        with path.open("rb") as handle:
            word_list = pickle.load(handle)
            # one dict per process, however it was first asked for
            frequencies = load_word_list() if load_word_list.cache_info().currsize else pickle.loads(word_list)
            (by_skeleton, damage_like, trigrams, unigrams, bigrams, dictionary, parts, part_prefixes,
             diacritic_words) = pickle.load(handle)
        lexicon = Lexicon(frequencies, by_skeleton, damage_like, trigrams, WordPairs(unigrams, bigrams), SortedIndex(*dictionary),
                          diacritic_words)
        lexicon._parts_index, lexicon._part_prefixes = parts, part_prefixes
        lexicon.cache_id = _lexicon_name()
    else:
        log.info("lexicon cache %s missing: building it", path)
        lexicon = build_lexicon()
    _keep_out_of_gc()
    return lexicon


def main(argv: list[str] | None = None) -> int:
    """Build the lexicon cache (`--build`), derive the training pairs, or report how long loading takes."""
    parser = argparse.ArgumentParser(prog="python -m pipeline.lexicon", description=__doc__.splitlines()[0])
    parser.add_argument("--build", action="store_true", help=f"(re)build the cache in {CACHE_DIR}")
    parser.add_argument("--derive-training-pairs", action="store_true",
                        help=f"rewrite {GENRE_DIR / TRAINING_PAIRS_NAME} from the training text (in a checkout)")
    args = parser.parse_args(argv)
    if args.derive_training_pairs:
        if INSTALLED:
            parser.error("the training text is in the corpus of a source checkout, not in an installed package")
        write_training_pairs(derive_training_pairs(training_files()), GENRE_DIR / TRAINING_PAIRS_NAME)
        return 0
    started = time.perf_counter()
    lexicon = build_lexicon() if args.build else load_lexicon()
    print(f"{len(lexicon.frequencies)} forms, {len(lexicon.by_skeleton)} skeletons with variants, "
          f"{lexicon.pairs.total} training tokens, {len(lexicon.pairs.bigrams)} word pairs, "
          f"{len(lexicon.dictionary)} unlisted dictionary forms, "
          f"{time.perf_counter() - started:.2f} s ({_cache_path()})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
