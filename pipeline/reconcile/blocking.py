"""Candidate pairs for the batch stage's fuzzy comparisons, found in near-linear time.

Comparing every pair of N papers (and every page against every page) is N²/2 rapidfuzz calls:
hours at 10 000 papers. Instead each text becomes a MinHash signature of its shingles (words
of a paper or page, character 3-grams of a name), cut into bands; texts that share a band
are candidates, and only candidates get the exact similarity, with the same rule as before.
With `BANDS` × `ROWS` = 32 × 4, a pair whose shingle sets have Jaccard similarity J is a
candidate with probability 1 − (1 − J⁴)³²: 0.988 at J = 0.6, above 0.9999 at 0.8 (texts of
token_sort_ratio ≥ 95 share far more), 0.05 at 0.2. Names are short, so they use 2-row bands
(0.9999 at J = 0.5). A label (a paper's Dnr) splits each bucket: texts stating different
Dnr are never one paper, so they never meet. Tests compare every finding with the exact
all-pairs comparison, kept as the oracle (`exhaustive=True`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Iterator, Mapping
from functools import lru_cache
from itertools import combinations

import hashlib

import numpy as np

BANDS, ROWS = 32, 4
NAME_BANDS, NAME_ROWS = 32, 2
SEED = 1
"""MinHash permutations are seeded: candidates, and so outputs, are the same on every run."""


def words(text: str) -> set[str]:
    """A paper's or page's shingles: its words, lower-cased (token_sort_ratio ignores their order)."""
    return set(text.lower().split())


def trigrams(text: str) -> set[str]:
    """A name's shingles: its character 3-grams, padded so short names have some."""
    padded = f"  {text} "
    return {padded[i:i + 3] for i in range(len(padded) - 2)}


_FMIX32 = (np.uint32(16), np.uint32(0x85EBCA6B), np.uint32(13), np.uint32(0xC2B2AE35), np.uint32(16))
"""MurmurHash3's 32-bit finalizer: mixes each shingle's hash before the affine permutations."""


@lru_cache(maxsize=1 << 20)
def _hash(shingle: str) -> int:
    """A shingle's 32-bit hash (the first four bytes of its SHA-1), once per batch: papers share most words."""
    return int.from_bytes(hashlib.sha1(shingle.encode("utf-8")).digest()[:4], "little")


@lru_cache(maxsize=4)
def _permutations(num_perm: int) -> tuple[np.ndarray, np.ndarray]:
    """Seeded affine permutations h -> a·h + b mod 2³² (`a` odd, so each is a bijection)."""
    gen = np.random.RandomState(SEED)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a, b


def signature(shingles: set[str], bands: int = BANDS, rows: int = ROWS) -> bytes:
    """The MinHash signature of `shingles` (`bands` × `rows` uint32 values, as bytes; b"" for no
    shingles: an empty text matches nothing): the "affine32" scheme of datasketch 2 (same seed,
    same values), in the twenty lines used here instead of a dependency that loads scipy at every
    start. Held as bytes, a text's signature is 512 bytes where its 32 band keys took about 4 KB."""
    if not shingles:
        return b""
    hv = np.array([_hash(s) for s in sorted(shingles)], dtype=np.uint32).reshape(-1, 1)
    shift1, mul1, shift2, mul2, shift3 = _FMIX32
    hv = hv ^ (hv >> shift1)
    hv = hv * mul1
    hv = hv ^ (hv >> shift2)
    hv = hv * mul2
    hv = hv ^ (hv >> shift3)
    a, b = _permutations(bands * rows)
    return (hv * a + b).min(axis=0).tobytes()


def _bands(shingles: set[str], bands: int, rows: int) -> list[bytes]:
    """The band keys of a MinHash signature of `shingles`: the band's number, then its values."""
    values = np.frombuffer(signature(shingles, bands, rows), dtype=np.uint32).astype(np.uint64).reshape(bands, rows)
    return [i.to_bytes(1, "big") + row.tobytes() for i, row in enumerate(values)]


class Index:
    """LSH buckets that grow as texts are added and answer which earlier texts may be alike.

    Texts with a label (a Dnr) only meet texts of the same label or of none.
    """

    def __init__(self, bands: int = BANDS, rows: int = ROWS):
        self.bands, self.rows = bands, rows
        self._any: dict[bytes, list[Hashable]] = defaultdict(list)
        self._labelled: dict[tuple[bytes, str | None], list[Hashable]] = defaultdict(list)

    def keys(self, shingles: set[str]) -> list[bytes]:
        """The bucket keys of a shingle set (none for an empty set: an empty text matches nothing)."""
        return _bands(shingles, self.bands, self.rows) if shingles else []

    def add(self, key: Hashable, buckets: list[bytes], label: str | None = None) -> None:
        for bucket in buckets:
            self._any[bucket].append(key)
            self._labelled[(bucket, label)].append(key)

    def query(self, buckets: list[bytes], label: str | None = None) -> set[Hashable]:
        """The keys added so far that share a bucket with `buckets` and may have this label."""
        found: set[Hashable] = set()
        for bucket in buckets:
            if label is None:
                found.update(self._any.get(bucket, ()))
            else:
                found.update(self._labelled.get((bucket, label), ()))
                found.update(self._labelled.get((bucket, None), ()))
        return found


def candidate_pairs(shingles: Mapping[str, set[str]], labels: dict[str, str | None]) -> Iterator[tuple[str, str]]:
    """Sorted pairs of keys that share an LSH bucket and whose labels agree (equal, or one missing)."""
    keys = sorted(shingles)
    return Buckets([signature(shingles[key]) for key in keys]).pairs(keys, labels)


class Buckets:
    """The LSH buckets of texts' signatures (`signature`), as arrays: each band's bucket of each
    text, and the texts of each bucket in order. Grouping versions held a dict of byte-string keys
    per band of every paper and page instead (with a second keyed by Dnr): about 70 MB at 8 000
    generated papers."""

    def __init__(self, signatures: list[bytes], bands: int = BANDS, rows: int = ROWS):
        signed = np.array([i for i, sig in enumerate(signatures) if sig], dtype=np.int64)
        values = np.frombuffer(b"".join(signatures), dtype=np.uint32).reshape(-1, bands, rows)
        bucket = np.empty((len(signed), bands), dtype=np.int64)
        count = 0
        for band in range(bands):  # equal values in one band: one bucket
            _, inverse = np.unique(values[:, band, :], axis=0, return_inverse=True)
            bucket[:, band] = inverse.reshape(-1) + count
            count += int(inverse.max(initial=-1)) + 1
        order = np.argsort(bucket.reshape(-1), kind="stable")  # a bucket's texts in the order given
        self._members = signed[order // bands]
        self._starts = np.searchsorted(bucket.reshape(-1)[order], np.arange(count + 1))
        self._of = np.full((len(signatures), bands), -1, dtype=np.int64)
        self._of[signed] = bucket

    def near(self, text: int) -> np.ndarray:
        """The texts that share a bucket with text number `text` (itself among them), ascending."""
        buckets = self._of[text]
        if buckets[0] < 0:
            return buckets[:0]
        return np.unique(np.concatenate([self._members[self._starts[k]:self._starts[k + 1]] for k in buckets]))

    def pairs(self, keys: list[str], labels: dict[str, str | None]) -> Iterator[tuple[str, str]]:
        """Sorted pairs of `keys` (one per text, sorted) of texts that share a bucket and whose
        labels agree (equal, or one missing)."""
        found: set[tuple[str, str]] = set()
        for k in np.flatnonzero(np.diff(self._starts) > 1):
            found.update(_compatible([keys[i] for i in self._members[self._starts[k]:self._starts[k + 1]]], labels))
        yield from sorted(found)


def _compatible(members: Iterable[str], labels: dict[str, str | None]) -> Iterator[tuple[str, str]]:
    by_label: dict[str | None, list[str]] = defaultdict(list)
    for key in members:
        by_label[labels.get(key)].append(key)
    unlabelled = by_label.pop(None, [])
    yield from combinations(unlabelled, 2)
    for group in by_label.values():
        yield from combinations(group, 2)
        yield from ((min(a, b), max(a, b)) for a in group for b in unlabelled)


class Clusters:
    """Items joined into clusters (union-find with path halving): what the candidate pairs feed."""

    def __init__(self, items: Iterable[Hashable]):
        self._parent = {item: item for item in items}

    def find(self, item: Hashable) -> Hashable:
        """Return the representative of `item`'s cluster."""
        parent = self._parent
        while parent[item] != item:
            parent[item] = parent[parent[item]]
            item = parent[item]
        return item

    def join(self, a: Hashable, b: Hashable) -> None:
        self._parent[self.find(a)] = self.find(b)
