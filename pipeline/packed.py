"""A sequence held pickled and compressed, a block at a time.

The batch stage makes a record for every statement of every paper in the store and holds them
until the outputs are written; as live pydantic models they took about 34 KB per generated paper,
packed a tenth of that. Reading them back costs a block's unpickling per pass, and every output
reads them once in order.
"""

from __future__ import annotations

import os
import pickle
import tempfile
import zlib
from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Generic, TypeVar, overload

T = TypeVar("T")

BLOCK = 250
"""Items per compressed block: large enough to compress well, small enough to unpack in passing."""


def pack(item: object) -> bytes:
    """An object pickled and zlib-compressed (fast level: packing is on the batch stage's path)."""
    return zlib.compress(pickle.dumps(item, protocol=pickle.HIGHEST_PROTOCOL), 1)


def unpack(packed: bytes) -> object:
    return pickle.loads(zlib.decompress(packed))


class _Indexed(Sequence[T], Generic[T]):
    """An immutable sequence read back one item at a time (`_item`): indexing by int or slice, and
    iteration, for the holders below."""

    def _item(self, index: int) -> T:
        """The item at `index`, 0 <= index < len(self)."""
        raise NotImplementedError

    def __iter__(self) -> Iterator[T]:
        for index in range(len(self)):
            yield self._item(index)

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[T, ...]: ...

    def __getitem__(self, index: int | slice) -> T | tuple[T, ...]:
        if isinstance(index, slice):
            return tuple(self)[index]
        if not -len(self) <= index < len(self):
            raise IndexError(f"{type(self).__name__} index out of range")
        return self._item(index % len(self))


class Packed(_Indexed[T], Generic[T]):
    """An immutable sequence of picklable items, each block of `BLOCK` pickled and zlib-compressed."""

    def __init__(self, items: Iterable[T] = ()):
        self._blocks: list[bytes] = []
        self._block = BLOCK
        self._len = 0
        self._open: list[T] = []
        for item in items:
            self._open.append(item)
            if len(self._open) == self._block:
                self._seal()
        self._seal()

    def _seal(self) -> None:
        if self._open:
            self._blocks.append(pack(self._open))
            self._len += len(self._open)
            self._open = []

    def __len__(self) -> int:
        return self._len

    def __iter__(self) -> Iterator[T]:
        for block in self._blocks:  # a block unpacked once for all its items
            yield from unpack(block)  # type: ignore[misc]  # a block is a list of items

    def _item(self, index: int) -> T:
        return unpack(self._blocks[index // self._block])[index % self._block]  # type: ignore[index,no-any-return]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str | bytes):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]  # equal to a tuple of its items, so not hashable

    def __repr__(self) -> str:
        return f"Packed({len(self)} items in {len(self._blocks)} blocks)"


class PackedByKey(Mapping[str, T], Generic[T]):
    """An immutable mapping whose items are each pickled and zlib-compressed (`pack`) on their own:
    looked up one at a time, unpacked only while used. The report's view of each document (its
    name, papers and dates, about 10 KB as live models) is held so, about 0.6 KB packed."""

    def __init__(self, packed: Mapping[str, bytes]):
        self._packed = dict(packed)

    @classmethod
    def of(cls, items: Iterable[tuple[str, T]]) -> PackedByKey[T]:
        """Pack each (key, item) as it comes."""
        return cls({key: pack(item) for key, item in items})

    def __getitem__(self, key: str) -> T:
        return unpack(self._packed[key])  # type: ignore[return-value]

    def __iter__(self) -> Iterator[str]:
        return iter(self._packed)

    def __len__(self) -> int:
        return len(self._packed)

    def __repr__(self) -> str:
        return f"PackedByKey({len(self)} items)"


class Spilled:
    """Packed objects (`pack`) kept in an anonymous temporary file and read back by index: what the
    batch stage needs of every document once, long after reading it, without holding it until
    then. The file has no name (it is gone with this object, or with the process). Read back at
    its place (`os.pread`): processes forked from the one that wrote it share its file offset."""

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile(prefix="papers-spilled-")
        self._ends = array("q", [0])  # where each item ends (and the first starts): 8 bytes an item, not a tuple's 100

    def append(self, packed: bytes) -> int:
        """Keep `packed`; return its index."""
        self._file.seek(self._ends[-1])
        self._file.write(packed)
        self._ends.append(self._ends[-1] + len(packed))
        return len(self._ends) - 2

    def __len__(self) -> int:
        return len(self._ends) - 1

    def __getitem__(self, index: int) -> object:
        start, end = self._ends[index], self._ends[index + 1]
        self._file.flush()
        return unpack(os.pread(self._file.fileno(), end - start, start))


class OnDisk(_Indexed[T], Generic[T]):
    """An immutable sequence whose items are each packed into a `Spilled` file, read back one at a
    time in any order: a large store's findings (about 10 KB each as live models, with their
    values' evidence), which the outputs read in order and report.html in an order of its own."""

    def __init__(self, items: Iterable[T] = ()):
        self._spilled = Spilled()
        for item in items:
            self._spilled.append(pack(item))

    def __len__(self) -> int:
        return len(self._spilled)

    def _item(self, index: int) -> T:
        return self._spilled[index]  # type: ignore[return-value]

    def __repr__(self) -> str:
        return f"OnDisk({len(self)} items)"
