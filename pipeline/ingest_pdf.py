"""The readers of page-bearing inputs: PDFs (text layers with pdfplumber, ruled tables, the pages
to OCR) and image files (their frames, each a page to OCR).

Apart from ingest.py, which finds inputs, reads text files and hands a PDF or an image to this
module: a run of text inputs never imports pdfplumber, pdfminer or pikepdf.
"""

from __future__ import annotations

import io
import math
import warnings
from dataclasses import dataclass
from pathlib import Path

import pdfplumber
import pikepdf
import pypdfium2 as pdfium
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.pdftypes import resolve1
from PIL import Image, UnidentifiedImageError

from pipeline.errors import InputError, LimitError
from pipeline.ingest import VECTOR_PAGE_DPI, Ingested, classify_layer, plain_text
from pipeline.model import BBox, Document, Page, PageKind, Table, Word
from pipeline.render import EVIDENCE_DPI, POINTS_PER_INCH, PageSource, evidence_jpeg, fit_dpi, render_page
from pipeline.rules import IngestLimits, Rules
from pipeline.tables import ruled_tables
from pipeline.tesseract import OcrJob, OcrSettings

LINE_TOLERANCE = 3.0
"""Words whose tops differ by less than this many points stand on one text-layer line."""


def _layer_words(page: pdfplumber.page.Page) -> tuple[Word, ...]:
    """Read a page's text-layer words (`plain_text`), numbered by line (top to bottom) and block (paragraph)."""
    raw = sorted((w | {"text": text} for w in page.extract_words(keep_blank_chars=False) if (text := plain_text(w["text"]))),
                 key=lambda w: (round(w["top"], 1), w["x0"]))
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


def ingest_pdf(path: Path, doc: dict, rules: Rules, settings: OcrSettings, redo_ocr: bool) -> Ingested:
    """Read a PDF's text layers and ruled tables; a page without a usable layer (or, with `redo_ocr`,
    with a damaged one) becomes an OCR job at its embedded image's resolution."""
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


def ingest_image(path: Path, doc: dict, settings: OcrSettings, limits: IngestLimits) -> Ingested:
    """Make each frame of an image file an OCR job, its size in points from the file's resolution."""
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
