"""Find inputs, hash them, classify their pages and read text layers.

This is the only stage that reads input files. pdfplumber gives text-layer words with
boxes; pages without a usable layer become OCR jobs (see ocr.py), and layers that read
like old OCR without Swedish letters are marked `damaged_text` for the repair stage.
"""

from __future__ import annotations

import errno
import hashlib
import io
import logging
import math
import re
import stat
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pdfplumber
import pikepdf
import pypdfium2 as pdfium
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.pdftypes import resolve1
from PIL import Image, UnidentifiedImageError

from pipeline.errors import InputError, LimitError
from pipeline.lexicon import diacritic_share, hit_rate, load_lexicon, load_word_list
from pipeline.model import BBox, Document, Page, PageKind, Table, Word
from pipeline.ocr import OcrJob, OcrSettings
from pipeline.render import EVIDENCE_DPI, POINTS_PER_INCH, PageSource, evidence_jpeg, fit_dpi, render_page
from pipeline.rules import IngestLimits, Rules
from pipeline.stages import document_rules_hash
from pipeline.tables import ruled_tables

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

LINE_TOLERANCE = 3.0
"""Words whose tops differ by less than this many points stand on one text-layer line."""

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


def words_from_lines(lines: list[str], origin: str = "plain-text") -> tuple[Word, ...]:
    """Split plain-text lines into words that carry their line number (from 1) and no box."""
    return tuple(
        Word(text=token, bbox=None, line=number, block=0, confidence=1.0, origin=origin)
        for number, line in enumerate(lines, start=1)
        for token in _TOKEN.findall(line)
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
    """Build a one-page Document from plain-text lines (TXT inputs, tests)."""
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


def _layer_words(page: pdfplumber.page.Page) -> tuple[Word, ...]:
    """Read a page's text-layer words, numbered by line (top to bottom) and block (paragraph)."""
    raw = sorted(page.extract_words(keep_blank_chars=False), key=lambda w: (round(w["top"], 1), w["x0"]))
    lines: list[list[dict]] = []
    for word in raw:
        if lines and abs(word["top"] - lines[-1][0]["top"]) < LINE_TOLERANCE:
            lines[-1].append(word)
        else:
            lines.append([word])
    words: list[Word] = []
    block = 1
    previous_bottom: float | None = None
    for number, line in enumerate(lines, start=1):
        top = min(w["top"] for w in line)
        bottom = max(w["bottom"] for w in line)
        if previous_bottom is not None and top - previous_bottom > 0.8 * (bottom - top):
            block += 1
        previous_bottom = bottom
        for w in sorted(line, key=lambda w: w["x0"]):
            words.append(
                Word(
                    text=w["text"],
                    bbox=BBox(w["x0"], w["top"], w["x1"], w["bottom"]).rounded(),
                    line=number,
                    block=block,
                    confidence=1.0,
                    origin="text-layer",
                )
            )
    return tuple(words)


def _image_pixels(image: dict) -> tuple[int, int]:
    """Width and height in pixels of an embedded image as its dictionary states them (0 if it
    states no number: a hostile file may give a reference, a name, a negative or a float)."""
    size = []
    for value in image.get("srcsize") or (0, 0):
        value = resolve1(value)
        size.append(max(0, int(value)) if isinstance(value, (int, float)) and math.isfinite(value) else 0)
    return size[0], size[1]


def image_resolution(page: pdfplumber.page.Page) -> tuple[int, int]:
    """Return the resolution across and down of the page's largest embedded image, or the vector
    default (both ways)."""
    images = [im for im in page.images if _image_pixels(im)[0] and im["x1"] > im["x0"]]
    if not images:
        return VECTOR_PAGE_DPI, VECTOR_PAGE_DPI
    largest = max(images, key=lambda im: (im["x1"] - im["x0"]) * (im["bottom"] - im["top"]))
    across = round(_image_pixels(largest)[0] / ((largest["x1"] - largest["x0"]) / POINTS_PER_INCH))
    tall = (largest["bottom"] - largest["top"]) / POINTS_PER_INCH
    return across, round(_image_pixels(largest)[1] / tall) if tall > 0 else across


def rows_apart(across: int, down: int) -> int:
    """`down`, the scan's rows per inch, when known and not `across`; else 0 (`PageSource.rows_dpi`)."""
    return down if 0 < down != across else 0


def _check_pages(count: int, limits: IngestLimits) -> None:
    """Refuse a document of more pages than the limit before any page is read."""
    if count > limits.max_pages:
        raise LimitError(f"the document has {count} pages, more than the limit of {limits.max_pages} "
                         "(limits.max_pages in rules/ingest.yaml)")


def _check_page_size(number: int, width: float, height: float, limits: IngestLimits) -> None:
    """Refuse a page box beyond the limit (PDF allows 200 inches; a page larger is broken or hostile)."""
    inches = (width / POINTS_PER_INCH, height / POINTS_PER_INCH)
    if max(inches) > limits.max_page_inches:
        raise LimitError(f"page {number} is {inches[0]:.4g} x {inches[1]:.4g} inches, larger than the limit of "
                         f"{limits.max_page_inches:g} (limits.max_page_inches in rules/ingest.yaml)")


def _check_pixels(what: str, size: tuple[int, int], limits: IngestLimits) -> None:
    """Refuse an image whose pixels alone exceed the page limit: decoding it, at any render
    scale, would cost that much memory (a 110 KB PDF can hold a 900-megapixel image)."""
    if size[0] * size[1] > limits.max_page_pixels:
        raise LimitError(f"{what} an image of {size[0]} x {size[1]} pixels, more than the limit of "
                         f"{limits.max_page_pixels} pixels per page (limits.max_page_pixels in rules/ingest.yaml)")


@dataclass
class _LayerPage:
    """What the text layer of one PDF page gave, before the document's layer as a whole is judged."""

    number: int
    width: float
    height: float
    dpi: int
    rows_dpi: int  # `rows_apart`
    words: tuple[Word, ...]
    kind: PageKind | None
    tables: list[Table]


def _ingest_pdf(path: Path, doc: dict, rules: Rules, settings: OcrSettings, redo_ocr: bool) -> Ingested:
    limits = rules.ingest.limits
    read: list[_LayerPage] = []
    pdf, plumber_pages = _open_pdf(path)
    with pdf:
        if not plumber_pages:
            raise InputError("the PDF has no pages")
        _check_pages(len(plumber_pages), limits)
        for index, plumber_page in enumerate(plumber_pages):
            number = index + 1
            width, height = float(plumber_page.width), float(plumber_page.height)
            _check_page_size(number, width, height, limits)
            for image in plumber_page.images:
                _check_pixels(f"page {number} holds", _image_pixels(image), limits)
            words = _layer_words(plumber_page)
            kind = classify_layer([w.text for w in words], rules)
            tables = ruled_tables(plumber_page, number, rules.tables.ruled) if kind == "text" else []
            across, down = image_resolution(plumber_page)
            read.append(_LayerPage(number, width, height, across, rows_apart(across, down), words, kind, tables))
            plumber_page.close()  # a long PDF must not keep every page's parsed layout in memory
    if _damaged_layer(read, rules):
        for page in read:
            if page.kind == "text":
                page.kind, page.tables = "damaged_text", []
    pages: list[Page] = []
    jobs: list[OcrJob] = []
    evidence: dict[int, tuple[bytes, float]] = {}
    for page in read:
        index = page.number - 1
        if page.kind is None or (redo_ocr and page.kind == "damaged_text"):
            source = PageSource(path=path, media_type="application/pdf", index=index, dpi=page.dpi, rows_dpi=page.rows_dpi)
            jobs.append(OcrJob(doc["doc_id"], page.number, source, page.width, page.height, settings))
            pages.append(Page(number=page.number, kind="ocr", width=page.width, height=page.height, dpi=page.dpi))
            continue
        source = PageSource(path=path, media_type="application/pdf", index=index, dpi=VECTOR_PAGE_DPI)
        evidence_dpi = fit_dpi(page.width, page.height, EVIDENCE_DPI, limits.max_page_pixels)
        evidence[page.number] = evidence_jpeg(render_page(source, dpi=evidence_dpi), evidence_dpi)
        pages.append(Page(number=page.number, kind=page.kind, width=page.width, height=page.height, words=page.words))
    tables = [t for page in read for t in page.tables]
    document = Document(pages=tuple(pages), tables=tuple(tables), **doc)
    return Ingested(document=document, ocr_jobs=tuple(jobs), evidence=evidence)


def _damaged_layer(pages: list[_LayerPage], rules: Rules) -> bool:
    """Tell whether a text layer whose pages disagree (some clean, some damaged) is damaged as a whole.

    One text layer is one producer's: a page of an old OCR layer that happens to hold few damaged
    words (a short last page) is damaged all the same and goes to repair (or, with `--redo-ocr`,
    to OCR), its ruled tables read again from its words.
    """
    kinds = {p.kind for p in pages}
    if not {"text", "damaged_text"} <= kinds:
        return False
    return classify_layer([w.text for p in pages if p.kind is not None for w in p.words], rules) == "damaged_text"


def _open_pdf(path: Path) -> tuple[pdfplumber.PDF, list]:
    """Open a PDF with pdfplumber and list its pages, through a qpdf rewrite if pdfminer cannot.

    pdfminer gives up on some structures every viewer accepts (a page as a direct dictionary in
    `/Kids`); qpdf writes the same pages in the plain form. Pages are rendered from the file
    itself, so the rewrite is taken only when pdfium opens the file too (qpdf also rebuilds
    truncated files that no renderer will draw).
    """
    try:
        return _plumber_pages(path)
    except Exception as err:  # pdfminer raises many types, wrapped by pdfplumber: classify once
        problem = _pdf_error(err)
        if _encrypted(err):
            raise problem from err
        try:
            pdfium.PdfDocument(str(path)).close()
            with pikepdf.open(path) as original:
                rewritten = io.BytesIO()
                original.save(rewritten)
            rewritten.seek(0)
            return _plumber_pages(rewritten)
        except Exception:  # qpdf could not read it either: the first reason is the one to report
            raise problem from err


def _plumber_pages(source: Path | io.BytesIO) -> tuple[pdfplumber.PDF, list]:
    pdf = pdfplumber.open(source)
    try:
        return pdf, list(pdf.pages)  # a broken page tree surfaces only when pages are read
    except Exception:
        pdf.close()
        raise


def _encrypted(err: Exception) -> bool:
    causes = [err, *err.args, err.__cause__, err.__context__]
    return any(isinstance(c, (PDFEncryptionError, PDFPasswordIncorrect)) for c in causes)


def _pdf_error(err: Exception) -> InputError:
    """Turn whatever pdfminer raised into an InputError that says what to do."""
    if _encrypted(err):
        return InputError("the PDF is encrypted; decrypt it first (e.g. `qpdf --decrypt in.pdf out.pdf`)")
    detail = str(err) or type(err).__name__
    return InputError(f"not a readable PDF, possibly truncated or corrupt ({detail})")


def _resolution(dpi_info: object, axis: int) -> int:
    """One axis of an image's resolution tag; 0 when the tag is broken."""
    try:
        return round(float(dpi_info[axis]))  # type: ignore[index]
    except (TypeError, ValueError, IndexError, OverflowError):  # a resolution tag of a broken file
        return 0


def _ingest_image(path: Path, doc: dict, settings: OcrSettings, limits: IngestLimits) -> Ingested:
    sizes: list[tuple[int, int]] = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)  # an error here, not noise on stderr
            with Image.open(path) as image:
                frames = getattr(image, "n_frames", 1)
                _check_pages(frames, limits)
                dpi_info = image.info.get("dpi", (VECTOR_PAGE_DPI, VECTOR_PAGE_DPI))
                for index in range(frames):  # reading a frame's header decodes none of its pixels
                    image.seek(index)
                    _check_pixels(f"frame {index + 1} is" if frames > 1 else "the file is", image.size, limits)
                    sizes.append(image.size)
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as err:  # Pillow refused to open it
        raise LimitError(f"the image has over {Image.MAX_IMAGE_PIXELS} pixels, more than the limit of "
                         f"{limits.max_page_pixels} per page (limits.max_page_pixels in rules/ingest.yaml)") from err
    except (UnidentifiedImageError, OSError) as err:
        raise InputError(f"not a readable image ({err})") from err
    dpi = _resolution(dpi_info, 0) or VECTOR_PAGE_DPI
    rows_dpi = rows_apart(dpi, _resolution(dpi_info, 1))
    pages, jobs = [], []
    for index, size in enumerate(sizes):
        width, height = round(size[0] * POINTS_PER_INCH / dpi, 2), round(size[1] * POINTS_PER_INCH / dpi, 2)
        _check_page_size(index + 1, width, height, limits)
        source = PageSource(path=path, media_type=doc["media_type"], index=index, dpi=dpi, rows_dpi=rows_dpi)
        jobs.append(OcrJob(doc["doc_id"], index + 1, source, width, height, settings))
        pages.append(Page(number=index + 1, kind="ocr", width=width, height=height, dpi=dpi))
    return Ingested(document=Document(pages=tuple(pages), **doc), ocr_jobs=tuple(jobs))


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
    if kind == "application/pdf":
        return _ingest_pdf(path, doc, rules, settings, redo_ocr)
    if kind == "text/plain":
        return _ingest_text(path, doc, rules)
    return _ingest_image(path, doc, settings, rules.ingest.limits)
