"""Page preparation before Tesseract, chosen per page from cheap image measurements.

Each step is decided from a measurement of the page (a few tenths of a second), never by OCR-ing
variants and keeping the best: a page costs one Tesseract pass whatever is done to it. No step moves
pixels, so the word boxes Tesseract returns stay in the scan's own coordinates.

- ``despeckle``: a worn 1-bit copy is sprinkled with isolated black dots that Tesseract reads as
  punctuation or glues onto letters. Measured as the share of the paper covered by ink pixels
  with almost no ink around them; the clean corpus scans have none.

Background flattening for phone photos was measured and left out: Tesseract's own thresholding
already copes with their uneven light (words lost 8.0 % without it, 8.3 % with it).
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageFilter

INK = 128
"""Grey level below which a pixel counts as ink for the speckle measurement."""

SPECKLE_WINDOW_INCHES = 1 / 60
"""Side of the neighbourhood in which an isolated dot is alone (5 px at 300 dpi)."""

SPECKLE_ALONE = 0.2
"""A dark pixel with less than this share of ink in its neighbourhood is a speck, not a stroke."""

SPECKLE_MIN_SHARE = 0.0005
"""Specks per paper pixel above which a page is despeckled. Measured: worn-200 captures 0.002-0.004,
the corpus's clean 300 and 200 dpi scans and the 300 dpi photocopies at most 0.00002."""

def speckle_share(image: Image.Image, dpi: int) -> float:
    """Return the share of paper pixels that are isolated ink dots (specks)."""
    ink = np.asarray(image) < INK
    radius = max(1, round(dpi * SPECKLE_WINDOW_INCHES / 2))
    density = np.asarray(Image.fromarray(ink.astype(np.uint8) * 255).filter(ImageFilter.BoxBlur(radius))) / 255.0
    specks = ink & (density < SPECKLE_ALONE)
    return float(specks.sum()) / max(1, int((~ink).sum()))


def despeckle(image: Image.Image, dpi: int) -> Image.Image:
    """Remove dots smaller than a stroke and fill pinholes with a median filter about 1/100 in wide."""
    size = max(3, round(dpi / 100) | 1)
    return image.filter(ImageFilter.MedianFilter(size))


def prepare_page(image: Image.Image, dpi: int) -> tuple[Image.Image, list[str]]:
    """Apply the steps this page's measurements call for.

    Args:
        image: the greyscale page as rendered for OCR, at `dpi`.

    Returns:
        The prepared page (same size) and the names of the steps applied, in order.
    """
    steps: list[str] = []
    if speckle_share(image, dpi) > SPECKLE_MIN_SHARE:
        image = despeckle(image, dpi)
        steps.append("despeckle")
    return image, steps
