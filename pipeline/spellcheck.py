"""hunspell-sv's verdict on a word: libhunspell when the system has it, else spylls.

libhunspell, the reference implementation (Debian's libhunspell-1.7-0, called through ctypes),
loads sv_SE in 0.14 s and answers a word in about 30 microseconds. spylls, its pure-Python port,
takes 2.4 s to read sv_SE.dic and about 2 ms a word, a compound's every split tried in Python: a
cold process repairing a new paper spent most of its time there. The two agree on every word but
a few (tests/test_spellcheck.py). Where the library is missing spylls stands in, its word list
read from an index kept between runs (`pipeline.spylls_index`).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import threading
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

log = logging.getLogger(__name__)

FORMAT = 1
"""Version of the spylls index's layout: part of its file name."""


def verdicts(path: str, index_file: Path | None) -> Callable[[str], bool]:
    """Return hunspell's verdict function for the dictionary `path` (.aff and .dic): libhunspell's
    if the library loads, else spylls' (`spylls_lookup`)."""
    library = _libhunspell()
    if library is None:
        from pipeline.spylls_index import spylls_lookup

        return spylls_lookup(path, index_file)
    return LibHunspell(library, path)


def backend() -> str:
    """Name the implementation `verdicts` answers with: verdicts kept between runs are kept per
    implementation, since the two differ on a few words (see tests/test_spellcheck.py)."""
    return "spylls" if _libhunspell() is None else "libhunspell"


class LibHunspell:
    """libhunspell's verdicts (one handle per process; calls serialised, a handle is not thread-safe)."""

    def __init__(self, library: ctypes.CDLL, path: str):
        self._library = library
        self._handle = library.Hunspell_create((path + ".aff").encode(), (path + ".dic").encode())
        self._lock = threading.Lock()

    def __call__(self, word: str) -> bool:
        if not word or "\x00" in word:
            return False
        with self._lock:
            return bool(self._library.Hunspell_spell(self._handle, word.encode("utf-8")))


@lru_cache(maxsize=1)
def _libhunspell() -> ctypes.CDLL | None:
    library = _load("libhunspell-1.7.so.0") or _load(ctypes.util.find_library("hunspell-1.7"))  # find_library runs ldconfig
    if library is None:
        log.info("libhunspell not found (Debian: libhunspell-1.7-0): spylls answers instead, more slowly")
        return None
    library.Hunspell_create.restype = ctypes.c_void_p
    library.Hunspell_create.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
    library.Hunspell_spell.restype = ctypes.c_int
    library.Hunspell_spell.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
    return library


def _load(name: str | None) -> ctypes.CDLL | None:
    try:
        return ctypes.CDLL(name) if name else None
    except OSError:
        return None
