"""spylls' hunspell-sv for lookups, its word list read from an index kept between runs.

spylls reads sv_SE.dic into 279 000 Word objects before it answers a first question (2.4 s). The
index keeps every entry as spylls parsed it, one string per stem, and makes a stem's Words only
when a lookup asks for that stem (0.1 s to load). It is written from spylls' own reading of the
files the first time, so it answers exactly as spylls does (tests/test_spellcheck.py).
"""

from __future__ import annotations

import logging
import pickle
from functools import lru_cache
from pathlib import Path

from spylls.hunspell import readers
from spylls.hunspell.algo.capitalization import Type as CapType
from spylls.hunspell.algo.lookup import Lookup
from spylls.hunspell.data.aff import Aff
from spylls.hunspell.data.dic import Dic, Word
from spylls.hunspell.readers.file_reader import FileReader

from pipeline.errors import OutputError
from pipeline.store import write_bytes_atomic

log = logging.getLogger(__name__)

_RECORD, _FIELD = "\x1e", "\x1f"


class IndexedDic(Dic):
    """The .dic entries by stem, made into spylls Words on first use.

    `entries` holds each stem's homonyms as text (capitalisation type, then its flags);
    `rich` the few stems whose entries carry data tags, as Words; `lower` the stems a lower-case
    form stands for (the index spylls asks with `ignorecase`, for words written in capitals)."""

    def __init__(self, entries: dict[str, str], rich: dict[str, list[Word]], lower: dict[str, str], path: str):
        super().__init__(words=[])
        self._entries, self._rich, self._lower, self._path = entries, rich, lower, path
        self._made: dict[str, list[Word]] = {}

    def homonyms(self, stem: str, *, ignorecase: bool = False) -> list[Word]:
        if ignorecase:
            if len(stem) == 1:  # spylls files every lower-case stem under each of its letters too
                return _full_read(self._path)[1].homonyms(stem, ignorecase=True)
            return [word for known in self._lower.get(stem, "").split(_RECORD) if known for word in self.homonyms(known)]
        words = self._made.get(stem)
        if words is None:
            words = self._rich.get(stem) or [_word(stem, record) for record in self._entries.get(stem, "").split(_RECORD) if record]
            self._made[stem] = words
        return words


def _word(stem: str, record: str) -> Word:
    captype, _, flags = record.partition(_FIELD)
    return Word(stem=stem, flags=set(flags.split(_FIELD)) if flags else set(), data={},
                captype=CapType(int(captype)), alt_spellings=[])


def _record(word: Word) -> str:
    return _FIELD.join([str(word.captype.value), *sorted(word.flags)])


@lru_cache(maxsize=2)
def _full_read(path: str) -> tuple[Aff, Dic]:
    """spylls' own reading of `path`.aff and `path`.dic (the .dic mutates the aff's REP table)."""
    aff, context = readers.read_aff(FileReader(path + ".aff"))
    dic = readers.read_dic(FileReader(path + ".dic", encoding=context.encoding), aff=aff, context=context)
    return aff, dic


def build_index(path: str) -> tuple[list, dict[str, str], dict[str, list[Word]], dict[str, str]]:
    """Return the index of `path`.dic: the aff's REP table, entries, rich entries, lower-case stems."""
    aff, dic = _full_read(path)
    entries: dict[str, list[str]] = {}
    rich: dict[str, list[Word]] = {}
    lower: dict[str, list[str]] = {}
    for word in dic.words:
        entries.setdefault(word.stem, []).append(_record(word))
        if word.data or word.alt_spellings:
            rich.setdefault(word.stem, [])
    for stem in rich:
        rich[stem] = list(dic.homonyms(stem))
    for key, words in dic.lowercase_index.items():
        if len(key) > 1:
            stems = dict.fromkeys(w.stem for w in words)
            lower[key] = list(stems)
    return (list(aff.REP), {s: _RECORD.join(r) for s, r in entries.items()}, rich,
            {k: _RECORD.join(v) for k, v in lower.items()})


def spylls_lookup(path: str, index_file: Path | None) -> Lookup:
    """A spylls Lookup of the dictionary `path`, its word list read from `index_file` when it
    exists, else read in full and the index written there for the next run."""
    if index_file is not None and index_file.exists():
        with index_file.open("rb") as handle:
            rep, entries, rich, lower = pickle.load(handle)
        aff, _ = readers.read_aff(FileReader(path + ".aff"))
        aff.REP = rep
        return Lookup(aff, IndexedDic(entries, rich, lower, path))
    aff, dic = _full_read(path)
    if index_file is not None:
        try:
            index_file.parent.mkdir(parents=True, exist_ok=True)
            write_bytes_atomic(index_file, pickle.dumps(build_index(path), protocol=pickle.HIGHEST_PROTOCOL))
        except (OSError, OutputError) as err:  # a read-only cache: the next run reads the files again
            log.warning("hunspell index not written to %s: %s", index_file, err)
    return Lookup(aff, dic)
