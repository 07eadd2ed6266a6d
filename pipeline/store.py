"""The output folder: its layout, atomic writes, the lock, the journal, and the account of inputs.

    OUT/manifest.json                     every input ever seen and what became of it
    OUT/documents/<doc_id>.json           one Document per distinct input file
    OUT/evidence/<doc_id>/page-NNN.jpg    reduced page images the report crops evidence from
    OUT/pdf/<doc_id>.pdf                  searchable PDF (PDF/A-2b where it validates)
    OUT/alto/<doc_id>/page-NNN.xml        ALTO XML v4.4 per page
    OUT/journal.jsonl                     only while a run writes (or after one died): its finished inputs

The folder accumulates: a run adds and updates the entries of its own inputs and leaves every
other entry and document alone. One writer at a time (`locked`); every byte reaches the
folder through `write_all`, the seam where tests inject EROFS and ENOSPC.
"""

from __future__ import annotations

import errno
import fcntl
import json
import logging
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from itertools import chain
from pathlib import Path

from pydantic import BaseModel, ValidationError

from pipeline.errors import OutputError
from pipeline.model import Document, Manifest, ManifestEntry

log = logging.getLogger(__name__)

DOCUMENTS = "documents"
EVIDENCE = "evidence"
PDF = "pdf"
ALTO = "alto"
MANIFEST = "manifest.json"
JOURNAL = "journal.jsonl"

FOLD_INTERVAL_S = 30.0
"""The manifest is rewritten from the journal at most this often during a run (and at its end)."""

MIN_FREE_BYTES = 64 * 1024 * 1024
"""A run does not start with less free space than this in the output folder."""

DOC_ID = re.compile(r"[0-9a-f]{64}")
"""What the pipeline names its own files by; prune never touches a file not named so."""

_ADVICE = {
    errno.ENOSPC: "free some space or choose another --out",
    errno.EDQUOT: "free some space or choose another --out",
    errno.EROFS: "the folder is read-only; choose another --out",
    errno.EACCES: "the folder is not writable; choose another --out",
    errno.EPERM: "the folder is not writable; choose another --out",
}


def output_error(path: Path, err: OSError) -> OutputError:
    """Say which file of the output folder could not be written, why, and what to do."""
    advice = _ADVICE.get(err.errno or 0, "check the output folder")
    return OutputError(f"cannot write {path}: {err.strerror or err} ({advice}); finished documents are kept")


def write_all(fd: int, data: bytes) -> None:
    """Write every byte of `data` to `fd`: the one place bytes reach the output folder."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write `data` to a temporary file beside `path`, then rename it into place.

    Raises:
        OutputError: the folder cannot be written (no temporary file is left behind).
    """
    write_chunks_atomic(path, (data,))


def write_chunks_atomic(path: Path, chunks: Iterable[bytes]) -> None:
    """Write the bytes of `chunks` in order, atomically as `write_bytes_atomic` does, never
    holding more than one chunk: a long document's JSON is not built in memory first."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as err:
        raise output_error(path, err) from err
    try:
        try:
            for data in chunks:
                write_all(handle, data)
        finally:
            os.close(handle)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException as err:
        Path(temporary).unlink(missing_ok=True)
        if isinstance(err, OSError):
            raise output_error(path, err) from err
        raise


_ENCODER = json.JSONEncoder(sort_keys=True, ensure_ascii=False, indent=1)


def json_text(data: object) -> str:
    """Serialize deterministically: sorted keys, one-space indent (no final newline)."""
    return _ENCODER.encode(data)


def json_bytes(data: object) -> bytes:
    """Serialize deterministically: sorted keys, UTF-8, one-space indent, final newline."""
    return (json_text(data) + "\n").encode("utf-8")


def write_model(path: Path, model: BaseModel) -> None:
    """Write a model as deterministic JSON (the bytes of `json_bytes`), atomically, streamed in
    blocks: joining a 500-page document's millions of JSON pieces cost over 300 MiB."""
    write_text_atomic(path, chain(_ENCODER.iterencode(model.model_dump(mode="json")), ("\n",)))


def write_text_atomic(path: Path, pieces: Iterable[str]) -> None:
    """Write text pieces as UTF-8, atomically, gathered in blocks: a large output is never one string."""
    write_chunks_atomic(path, _blocks(pieces))


BLOCK_CHARS = 1 << 20


def _blocks(pieces: Iterable[str]) -> Iterator[bytes]:
    """Gather text pieces into blocks of about `BLOCK_CHARS` characters, UTF-8."""
    block: list[str] = []
    size = 0
    for piece in pieces:
        block.append(piece)
        size += len(piece)
        if size >= BLOCK_CHARS:
            yield "".join(block).encode("utf-8")
            block, size = [], 0
    yield "".join(block).encode("utf-8")


def document_path(out: Path, doc_id: str) -> Path:
    return out / DOCUMENTS / f"{doc_id}.json"


def evidence_path(doc_id: str, page_number: int) -> str:
    """Return the evidence image's path relative to the output folder."""
    return f"{EVIDENCE}/{doc_id}/page-{page_number:03d}.jpg"


def pdf_path(out: Path, doc_id: str) -> Path:
    return out / PDF / f"{doc_id}.pdf"


def alto_path(out: Path, doc_id: str, page_number: int) -> Path:
    return out / ALTO / doc_id / f"page-{page_number:03d}.xml"


def read_document(out: Path, doc_id: str) -> Document | None:
    """Return a previously written Document, or None if absent or unreadable (then it is redone)."""
    path = document_path(out, doc_id)
    try:
        return Document.model_validate_json(path.read_bytes())
    except (OSError, ValidationError):
        return None


# --------------------------------------------------------------------------- one writer


@contextmanager
def locked(out: Path, *, wait: bool = False) -> Iterator[None]:
    """Hold an exclusive `flock` on the output folder: never two writers.

    The lock is on the folder itself (no lock file to go stale): the kernel drops it when the
    holder dies, however it dies. Workers forked while it is held die with the run (executor.py).

    Raises:
        OutputError: another run holds it and `wait` is false, or the folder cannot be made.
    """
    try:
        out.mkdir(parents=True, exist_ok=True)
        fd = os.open(out, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as err:
        raise output_error(out, err) from err
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not wait:
                raise OutputError(f"another papers command is writing to {out}; wait until it ends, or give "
                                  "--wait to start when it does") from None
            log.info("waiting for the other papers command writing to %s to end", out)
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def check_output(out: Path) -> None:
    """Find problems of the output folder before any work: unwritable, read-only, nearly full.

    Raises:
        OutputError: naming the problem (the run exits 2 having read no input).
    """
    probe = out / ".papers-write-test"
    write_bytes_atomic(probe, b"x")
    probe.unlink()
    free = shutil.disk_usage(out).free
    if free < MIN_FREE_BYTES:
        raise OutputError(f"only {free // 2**20} MiB free in {out}; a run needs at least "
                          f"{MIN_FREE_BYTES // 2**20} MiB (free some space or choose another --out)")


# --------------------------------------------------------------------------- the account


def identity(entry: ManifestEntry) -> tuple[str, str]:
    """An input's name in the store: its INPUT folder's name and its path below it."""
    return entry.folder, entry.path


def read_manifest(out: Path) -> Manifest | None:
    """Return the folder's manifest, or None if there is none or it does not validate."""
    path = out / MANIFEST
    try:
        return Manifest.model_validate_json(path.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, ValidationError) as err:
        log.warning("%s is unreadable or from an older version (%s); the account of inputs starts anew "
                    "(documents are kept, and redone when their inputs come again)", path, type(err).__name__)
        return None


def held_documents(entries: Iterable[ManifestEntry]) -> set[str]:
    """The doc_ids whose outputs the entries point at (ok and stale inputs)."""
    return {e.doc_id for e in entries if e.doc_id and e.status != "failed"}


def merge(base: Iterable[ManifestEntry], latest: Iterable[ManifestEntry], *, mirror: bool = False) -> tuple[ManifestEntry, ...]:
    """Lay a run's entries over the folder's: a name the run saw gets the run's entries, others stay
    (with `mirror`, only the run's entries remain). Sorted by name, so the result is deterministic."""
    latest = list(latest)
    seen = {identity(e) for e in latest}
    kept = [] if mirror else [e for e in base if identity(e) not in seen]
    return tuple(sorted(kept + latest, key=lambda e: (e.folder, e.path, e.doc_id or "", e.status)))


def manifest_of(header: Manifest, entries: tuple[ManifestEntry, ...]) -> Manifest:
    """Return the run's settings (`header`) with these entries and their counts."""
    counts = {status: sum(e.status == status for e in entries) for status in ("ok", "failed", "stale")}
    counts |= {"inputs": len(entries), "documents": len(held_documents(entries))}
    return header.model_copy(update={"inputs": entries, "counts": counts})


def remove_outputs(out: Path, doc_ids: Iterable[str]) -> None:
    """Remove a document's JSON, evidence, PDF and ALTO."""
    for doc_id in doc_ids:
        document_path(out, doc_id).unlink(missing_ok=True)
        pdf_path(out, doc_id).unlink(missing_ok=True)
        for folder in (out / EVIDENCE / doc_id, out / ALTO / doc_id):
            shutil.rmtree(folder, ignore_errors=True)


def fold(out: Path, header: Manifest, base: Manifest | None, latest: Iterable[ManifestEntry], *,
         final: bool, mirror: bool = False) -> Manifest:
    """Write manifest.json: the folder's entries (`base`) with the run's laid over them.

    With `final` (all of the run's entries are in `latest`), the outputs of documents that only
    `base` pointed at — an input replaced by new bytes — are removed: they are no input's any
    more. During a run they stay, since another input of the run may still point at them.
    """
    manifest = manifest_of(header, merge(base.inputs if base else (), latest, mirror=mirror))
    write_model(out / MANIFEST, manifest)
    if final and base is not None:
        remove_outputs(out, held_documents(base.inputs) - held_documents(manifest.inputs))
    return manifest


def prune(out: Path, keep: set[str]) -> int:
    """Remove every output no entry points at, and temporary files of killed writes.

    Only files the pipeline names (doc_ids, its temporary files) are touched: stray files such
    as `.DS_Store` or notes stay. Returns how many documents' outputs were removed.
    """
    found = {p.stem for p in [*(out / DOCUMENTS).glob("*.json"), *(out / PDF).glob("*.pdf")]}
    for name in (EVIDENCE, ALTO):
        if (out / name).is_dir():
            found |= {p.name for p in (out / name).iterdir() if p.is_dir()}
    gone = {doc_id for doc_id in found if DOC_ID.fullmatch(doc_id)} - keep
    remove_outputs(out, gone)
    remove_temporaries(out)
    return len(gone)


def remove_temporaries(out: Path) -> None:
    """Remove the temporary files of writes that never finished (`write_chunks_atomic` in a
    process that was killed: a run's dead worker, a run that died). Only while no one else
    writes the folder: its lock held, every worker of the run ended."""
    for temporary in out.rglob(".*.tmp"):
        temporary.unlink(missing_ok=True)


class Journal:
    """The finished inputs of the running run, one JSON line each, fsync'd as each one finishes.

    Its first line holds the run's settings (a Manifest without inputs) and the start time; the
    journal is folded into manifest.json at most every FOLD_INTERVAL_S and at the end, then
    removed. A journal found by the next run is that of a run that died: it is folded in first.
    """

    def __init__(self, out: Path, header: Manifest, base: Manifest | None, *, mirror: bool = False):
        self.out, self.header, self.base, self.mirror = out, header, base, mirror
        self.entries: list[ManifestEntry] = []
        self.folded_at = time.monotonic()
        path = out / JOURNAL
        try:
            self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND | os.O_CLOEXEC, 0o644)
        except OSError as err:
            raise output_error(path, err) from err
        self._append({"header": header.model_dump(mode="json"), "started": time.time(), "pid": os.getpid()})

    def _append(self, line: dict) -> None:
        try:
            write_all(self.fd, json.dumps(line, sort_keys=True, ensure_ascii=False).encode("utf-8") + b"\n")
            os.fsync(self.fd)
        except OSError as err:
            raise output_error(self.out / JOURNAL, err) from err

    def record(self, entry: ManifestEntry) -> None:
        """Append a finished input; fold the journal into manifest.json if the last fold is 30 s old."""
        self._append({"entry": entry.model_dump(mode="json"), "at": time.time()})
        self.entries.append(entry)
        if time.monotonic() - self.folded_at >= FOLD_INTERVAL_S:
            fold(self.out, self.header, self.base, self.entries, final=False)
            self.folded_at = time.monotonic()

    def close(self, *, complete: bool) -> Manifest:
        """Fold every entry into manifest.json, remove the journal and the temporary files of
        writes a killed worker left (the pool has ended: no one else writes).

        Args:
            complete: the run went through all its inputs (only then does `mirror` drop the rest).
        """
        os.close(self.fd)
        remove_temporaries(self.out)
        manifest = fold(self.out, self.header, self.base, self.entries, final=True,
                        mirror=self.mirror and complete)
        (self.out / JOURNAL).unlink(missing_ok=True)
        return manifest


def recover(out: Path) -> Manifest | None:
    """Fold the journal a dead run left behind into manifest.json, remove the temporary files it
    was writing, and return the folder's manifest.

    A line cut short by the kill is ignored: every line before it was fsync'd whole.
    """
    base = read_manifest(out)
    path = out / JOURNAL
    try:
        lines = path.read_bytes().splitlines()
    except FileNotFoundError:
        return base
    except OSError as err:
        raise output_error(path, err) from err
    header: Manifest | None = None
    entries: list[ManifestEntry] = []
    for line in lines:
        try:
            data = json.loads(line)
            if "header" in data:
                header = Manifest.model_validate(data["header"])
            else:
                entries.append(ManifestEntry.model_validate(data["entry"]))
        except (ValueError, KeyError, TypeError, ValidationError):
            continue
    if header is not None:
        base = fold(out, header, base, entries, final=True)
        log.info("folded the journal of an interrupted run into %s: %d finished inputs", out / MANIFEST, len(entries))
    remove_temporaries(out)  # the files the dead run was writing
    path.unlink()
    return base
