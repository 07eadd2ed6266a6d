"""Find inputs, hash them, classify their pages and read text files.

This is the only stage that reads input files. A text file is read here; a PDF or an image
goes to ingest_pdf.py, imported only then, where pdfplumber gives text-layer words with boxes,
pages without a usable layer become OCR jobs (see ocr.py), and layers that read like old OCR
without Swedish letters are marked `damaged_text` for the repair stage.
"""

from __future__ import annotations

import errno
import hashlib
import logging
import re
import stat
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.errors import InputError
from pipeline.lexicon import diacritic_share, hit_rate, load_lexicon, load_word_list
from pipeline.model import Document, Page, PageKind, Word
from pipeline.rules import Rules
from pipeline.stages import document_rules_hash
from pipeline.tesseract import OcrJob, OcrSettings

log = logging.getLogger(__name__)

MEDIA_TYPES = {
    ".pdf": "application/pdf",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".txt": "text/plain",
}
VECTOR_PAGE_DPI = 300
"""OCR resolution for PDF pages that hold no image to take the resolution from."""

_TOKEN = re.compile(r"\S+")


@dataclass(frozen=True)
class Ingested:
    """A document as read from disk, before OCR: pages needing OCR have no words yet."""

    document: Document
    ocr_jobs: tuple[OcrJob, ...]
    evidence: dict[int, tuple[bytes, float]] = field(default_factory=dict)
    """Evidence image (JPEG bytes, pixels per point) of each rendered text-layer page."""


def sha256_file(path: Path) -> str:
    """Return the full SHA-256 hex of the file's bytes: the document id."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def media_type(path: Path) -> str:
    """Return the media type of a supported input by its suffix.

    Raises:
        InputError: for a suffix the pipeline does not read.
    """
    try:
        return MEDIA_TYPES[path.suffix.lower()]
    except KeyError:
        raise InputError(
            f"unsupported file type {path.suffix or '(none)'!r}; supported: "
            + ", ".join(sorted(MEDIA_TYPES))
        ) from None


@dataclass(frozen=True)
class InputFile:
    """A file found under an INPUT argument, named as the store knows it: `folder` + `relative`."""

    path: Path
    folder: str
    """The INPUT folder's name (for a file given by itself: the name of the folder it is in)."""
    relative: str
    """The path below that folder, with `/`."""
    problem: str | None = None
    """Why it cannot be read (a symlink loop, a dangling link, not a regular file), or None."""


def _unreadable(path: Path, err: OSError) -> str:
    if err.errno == errno.ELOOP:
        return "a symbolic link loop; not followed"
    if err.errno == errno.ENOENT and path.is_symlink():
        return "a dangling symbolic link (its target is missing)"
    return f"cannot read it: {err.strerror or err}"


def _walk(directory: Path, root: Path, folder: str, skip: tuple[int, int] | None,
          ancestors: frozenset[tuple[int, int]]) -> Iterator[InputFile]:
    """Yield the files below `directory` in sorted order; a link back to a folder above is a problem."""
    try:
        children = sorted(directory.iterdir())
    except OSError as err:
        yield InputFile(directory, folder, directory.relative_to(root).as_posix(), _unreadable(directory, err))
        return
    for path in children:
        if path.name.startswith("."):
            continue
        relative = path.relative_to(root).as_posix()
        try:
            status = path.stat()
        except OSError as err:
            yield InputFile(path, folder, relative, _unreadable(path, err))
            continue
        node = (status.st_dev, status.st_ino)
        if stat.S_ISDIR(status.st_mode):
            if node == skip:
                continue
            if node in ancestors:
                yield InputFile(path, folder, relative, "a symbolic link loop (a link to a folder it is in); not followed")
                continue
            yield from _walk(path, root, folder, skip, ancestors | {node})
        elif stat.S_ISREG(status.st_mode):
            yield InputFile(path, folder, relative)
        else:
            yield InputFile(path, folder, relative, "not a regular file (a pipe, socket or device); not read")


def find_inputs(arguments: list[Path], exclude: Path | None = None) -> list[InputFile]:
    """Expand INPUT arguments into the files below them, sorted within each argument.

    Folders are walked recursively, following links to folders but not round a loop; hidden
    files and the folder `exclude` (the output folder, when it lies inside an input folder)
    are skipped. Files that cannot be read (a symlink loop, a dangling link, a pipe) and
    unsupported files are kept with their problem, so the manifest lists them: nothing is lost.
    """
    skip = None
    if exclude is not None and exclude.is_dir():
        status = exclude.stat()
        skip = (status.st_dev, status.st_ino)
    found: list[InputFile] = []
    for argument in arguments:
        if argument.is_dir():
            status = argument.stat()
            found.extend(_walk(argument, argument, argument.resolve().name, skip,
                               frozenset({(status.st_dev, status.st_ino)})))
        else:
            found.append(InputFile(argument, argument.resolve().parent.name, argument.name))
    return found


_LIGATURES = {"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl", "\ufb05": "st", "\ufb06": "st"}
_INVISIBLE = "\u00ad\u200b\u200c\u200d\u2060\ufeff"
"""Soft hyphen, zero-width space and joiners, word joiner, byte-order mark: marks a typesetter puts
inside words that print nothing (or a hyphen only at a line's end)."""
_PLAIN = str.maketrans({**_LIGATURES, **dict.fromkeys(_INVISIBLE)})


def plain_text(text: str) -> str:
    """Text as the rules, the lexicon and the cue phrases spell it: letters composed (NFC; a PDF made on
    a Mac gives "ö" as "o" and a combining diaeresis), typographic ligatures as their letters ("ﬁ" in a
    text file; pdfplumber expands those of a PDF), no soft hyphens or zero-width marks. Only forms of
    the same text are changed, so the words are not repairs and keep no scanned form."""
    return unicodedata.normalize("NFC", text.translate(_PLAIN))


def words_from_lines(lines: list[str], origin: str = "plain-text") -> tuple[Word, ...]:
    """Split plain-text lines into words (`plain_text`) that carry their line number (from 1) and no box."""
    return tuple(
        Word(text=token, bbox=None, line=number, block=0, confidence=1.0, origin=origin)
        for number, line in enumerate(lines, start=1)
        for token in _TOKEN.findall(plain_text(line))
    )


def document_from_lines(
    lines: list[str],
    *,
    doc_id: str,
    source: str,
    kind: PageKind = "text",
    pipeline_version: str = "0",
    rules_hash: str = "0",
) -> Document:
    """Build a one-page Document from plain-text lines, as a TXT input reads (`_ingest_text` also
    classifies the layer): the tests build their documents with it."""
    page = Page(number=1, kind=kind, width=0, height=0, words=words_from_lines(lines))
    return Document(
        doc_id=doc_id,
        source=source,
        media_type="text/plain",
        pipeline_version=pipeline_version,
        rules_hash=rules_hash,
        pages=(page,),
    )


def classify_layer(tokens: list[str], rules: Rules) -> PageKind | None:
    """Return `text` or `damaged_text` for a text layer, or None if it is unusable.

    A layer is unusable when it is too thin, or when so few of its words are Swedish that
    repair could not rescue it (garbage from a bad OCR engine or a wrong encoding): such a
    PDF page is OCR'd instead. Unlisted compounds count as words; the whole lexicon that tells
    them is loaded only for a layer that reads as damaged without them, which a clean batch rarely has.
    A layer that misses the list but keeps its å/ä/ö is intact: damage of the kind repair exists for
    leaves none.
    """
    if len(tokens) < rules.ingest.min_words_for_text_layer:
        return None
    thresholds = rules.ingest
    rate = hit_rate(tokens, load_word_list())
    intact = diacritic_share(tokens) >= thresholds.intact_min_diacritic_share
    if rate < thresholds.damaged_min_lexicon_hit_rate and not (intact and rate >= thresholds.unusable_max_lexicon_hit_rate):
        rate = hit_rate(tokens, load_word_list(), load_lexicon())
    if rate < thresholds.unusable_max_lexicon_hit_rate:
        return None
    return "damaged_text" if rate < thresholds.damaged_min_lexicon_hit_rate and not intact else "text"


def _ingest_text(path: Path, doc: dict, rules: Rules) -> Ingested:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as err:
        raise InputError(f"a text input must be UTF-8 ({err.reason} at byte {err.start})") from err
    words = words_from_lines(lines)
    if len(words) < rules.ingest.min_words_for_text_layer:
        raise InputError("the text file holds no words")
    kind = classify_layer([w.text for w in words], rules) or "damaged_text"
    page = Page(number=1, kind=kind, width=0, height=0, words=words)
    return Ingested(document=Document(pages=(page,), **doc), ocr_jobs=())


def ingest(
    path: Path,
    source: str,
    rules: Rules,
    *,
    pipeline_version: str,
    settings: OcrSettings,
    redo_ocr: bool = False,
    doc_id: str | None = None,
) -> Ingested:
    """Read one input file into a Document (text-layer pages filled, OCR pages as jobs).

    Raises:
        InputError: the file is empty, unreadable, encrypted or of an unsupported type.
        LimitError: it has more pages, larger pages or larger images than rules/ingest.yaml allows.
    """
    kind = media_type(path)
    if path.stat().st_size == 0:
        raise InputError("the file is empty")
    doc = {
        "doc_id": doc_id or sha256_file(path),
        "source": source,
        "media_type": kind,
        "pipeline_version": pipeline_version,
        "rules_hash": document_rules_hash(rules),
    }
    if kind == "text/plain":
        return _ingest_text(path, doc, rules)
    from pipeline.ingest_pdf import ingest_image, ingest_pdf  # pdfplumber, pikepdf: a run of text inputs never needs them
    if kind == "application/pdf":
        return ingest_pdf(path, doc, rules, settings, redo_ocr)
    return ingest_image(path, doc, settings, rules.ingest.limits)
