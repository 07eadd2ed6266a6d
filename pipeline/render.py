"""Turn a page of an input file into pixels: PDF pages via pypdfium2, image files via Pillow.

Rendering is greyscale throughout: Tesseract binarizes internally (Sauvola does better on
greyscale than on a pre-binarized image), and evidence images stay small.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from pipeline.errors import InputError

EVIDENCE_DPI = 100
"""Resolution of the page images kept as evidence: enough to read a crop, small on disk."""

EVIDENCE_JPEG_QUALITY = 70

POINTS_PER_INCH = 72


@dataclass(frozen=True)
class PageSource:
    """Which page of which file to render: picklable, so it can travel to a worker process."""

    path: Path
    media_type: str
    index: int
    """Page (PDF) or frame (multi-page TIFF) index, from 0."""
    dpi: int
    rows_dpi: int = 0
    """The scan's resolution down the page when it differs from across (a standard-mode fax: 98
    rows per inch at 204 dpi across); 0: the same as `dpi`."""


def fit_dpi(width: float, height: float, dpi: int, max_pixels: int) -> int:
    """Return `dpi`, or the highest resolution at which a page of `width` x `height` PDF points
    stays within `max_pixels` (0: no limit): a page box too large for its resolution is rendered
    smaller rather than exhausting memory."""
    pixels = width * height * (dpi / POINTS_PER_INCH) ** 2
    if not max_pixels or pixels <= max_pixels:
        return dpi
    return max(1, math.floor(dpi * math.sqrt(max_pixels / pixels)))


def render_page(source: PageSource, dpi: int | None = None) -> Image.Image:
    """Render one page in greyscale at `dpi` (default: the source's own resolution)."""
    import pypdfium2 as pdfium  # here, not above: a run of text inputs never draws a page (35 ms to import)

    dpi = dpi or source.dpi
    if source.media_type == "application/pdf":
        try:
            pdf = pdfium.PdfDocument(str(source.path))
        except pdfium.PdfiumError as err:  # a file the text reader recovered but the renderer cannot
            raise InputError(f"the PDF's pages cannot be rendered ({err})") from err
        try:
            page = pdf[source.index]
            bitmap = page.render(scale=dpi / POINTS_PER_INCH, grayscale=True)
            image = bitmap.to_pil().convert("L")
            page.close()
        finally:
            pdf.close()
        return image
    with Image.open(source.path) as image:
        image.seek(source.index)
        frame = image.convert("L")
    if dpi != source.dpi:
        factor = dpi / source.dpi
        frame = frame.resize((round(frame.width * factor), round(frame.height * factor)), Image.LANCZOS)
    return frame


def evidence_jpeg(image: Image.Image, image_dpi: int) -> tuple[bytes, float]:
    """Reduce a rendered page to the evidence resolution.

    Returns:
        The JPEG bytes and the scale of the evidence image in pixels per PDF point.
    """
    factor = min(1.0, EVIDENCE_DPI / image_dpi)
    small = image.resize((max(1, round(image.width * factor)), max(1, round(image.height * factor))), Image.LANCZOS)
    buffer = io.BytesIO()
    small.save(buffer, format="JPEG", quality=EVIDENCE_JPEG_QUALITY, optimize=True)
    return buffer.getvalue(), round(image_dpi * factor / POINTS_PER_INCH, 6)
