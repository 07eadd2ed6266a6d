"""Page preparation before Tesseract, chosen per page from cheap image measurements.

Each step is decided from a measurement of the page (a few tenths of a second), never by OCR-ing
variants and keeping the best: a page costs one Tesseract pass whatever is done to it. A step that
moves pixels records how (`Prepared.to_scan`), so ocr.py maps every word box back onto the scan
as it is and the evidence stays the raw scan.

- ``square``: a fax image file (TIFF) of 204 x 98 dpi has pixels twice as tall as wide; Tesseract
  reads letters squashed to half their height. Its rows are resampled to the columns' resolution.
  A PDF's image is already drawn at its aspect on the page and rendered square by pdfium.
- ``unwarp``: a phone photo shows the sheet on a desk, turned and in perspective. Measured as the
  bright four-cornered outline of the sheet inside the frame; the sheet is mapped onto an upright
  rectangle, which corrects rotation and keystone at once (phone dev pages: words lost 8.0 % -> 1.5 %).
- ``deskew``: a scan turned by more than `DESKEW_MIN_DEGREES`. Measured as the angle at which the
  page's ink, summed along rows, gives the sharpest profile (text lines fall into single rows);
  within 0.1 degree of the capture's own skew on dev pages (photocopy-300 words lost 10.2 % -> 1.3 %).
- ``despeckle``: a worn 1-bit copy is sprinkled with isolated black dots that Tesseract reads as
  punctuation or glues onto letters. Measured as the share of the paper covered by ink pixels
  with almost no ink around them; the clean corpus scans have none.
- ``refill``: a fax line lost in transmission leaves a blank row across a text line, cutting every
  letter in two. Measured on 1-bit pages as a band of blank rows, at most `DROPPED_MAX_INCHES` tall,
  that strokes cross (ink in the same columns right above and right below); the band is filled by
  blending the rows around it (fax-standard dev pages: 3 of 12 have one, 6 words more read).
- ``soften``: a 1-bit page whose scan has fewer than `SOFTEN_BELOW_ROWS_DPI` rows per inch (a
  standard-mode fax: 98) is drawn with stair-stepped edges, each scan row three rows tall; small type
  loses its shape to them. A Gaussian blur `SOFTEN_RADIUS_INCHES` wide rounds the steps before
  Tesseract thresholds the page again. Measured on the fax-standard dev pages (36, all of 9-10 pt
  type): words lost 1.41 % -> 1.24 %, figures 7 -> 8 of 1 140; on the flattened-bilagor probes set
  in 6 pt, faxed: words lost 204 -> 166 of 673 (figures 110 -> 87 of 401); 7 pt 51 -> 44. The same
  blur on 300 dpi photocopies set in 6 pt lost more (18 -> 25): it is for low row resolution only.
  (Measured in an earlier version, before the figure splitting of ocr.py, the blur cost amounts:
  dev recall 0.87 -> 0.81.)
- ``enlarge``: a softened page is read by Tesseract `ENLARGE_FACTOR` times as large (Lanczos, then a
  Gaussian blur `ENLARGE_RADIUS_INCHES` wide), after the rules are found and erased at the rendered
  resolution; word boxes stay in points. Small letters of a coarse scan, drawn smoothly larger, keep
  more of their round shape than when Tesseract scales the softened page itself. Measured
  (`bench/eval_fax_small.py`, the flattened-bilagor probes faxed, 673 words and 401 figures per size,
  two capture seeds; softened only -> enlarged too): words lost 6 pt 183 -> 172 and 159 -> 157, 7 pt
  44 -> 42 and 47 -> 44, 8 pt 43 -> 40 and 22 -> 20, 10 pt 32 -> 13 (second seed); figures lost 6 pt
  99 -> 82 and 78 -> 72, 7 pt 15 -> 14 and 20 -> 15, 8 pt 27 -> 22 and 8 -> 5. Fax-standard dev pages
  (type of 9-10 pt): words lost 27 -> 25 of 2 691 (12 pages), 97 -> 88 of 7 818 (all 36; figures
  8 -> 5); `eval_real` dev: amounts 149 of 157 either way, dates 102 -> 103, parties 156 -> 159,
  findings 50 -> 51. Tesseract takes 1.3-1.8 times as long on such a page (`papers run` on the 24
  dev fax papers 317 -> 379 s, one worker). Enlarged without the second blur it lost more (6 pt
  189, 7 pt 51), so did 1.5 times (7 pt 55), a wider second blur (7 pt 56) and a wider first blur
  instead of enlarging (sigma 1.0 px: 7 pt 63).

Background flattening for phone photos was measured and left out: Tesseract's own thresholding
already copes with their uneven light (words lost 8.0 % without it, 8.3 % with it).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

from pipeline.render import PageSource

INK = 128
"""Grey level below which a pixel counts as ink for the speckle measurement."""

SPECKLE_WINDOW_INCHES = 1 / 60
"""Side of the neighbourhood in which an isolated dot is alone (5 px at 300 dpi)."""

SPECKLE_ALONE = 0.2
"""A dark pixel with at most this share of ink in its neighbourhood is a speck, not a stroke."""

SPECKLE_MIN_SHARE = 0.0005
"""Specks per paper pixel above which a page is despeckled. Measured: worn-200 captures 0.002-0.004,
the corpus's clean 300 and 200 dpi scans and the 300 dpi photocopies at most 0.00002."""

BINARY_MIN_SHARE = 0.5
"""Share of pure black or white pixels above which a page is a 1-bit image. Measured: 1-bit captures
(fax, photocopy, worn copy) 0.93-1.0 as rendered for OCR, greyscale scans and photos at most 0.0001."""

SOFTEN_BELOW_ROWS_DPI = 130
"""A scan with fewer rows per inch than this is softened (`soften`): a standard fax has 98, a fine one 196."""

SOFTEN_RADIUS_INCHES = 0.8 / 300
"""The blur's standard deviation: 0.8 pixel at 300 dpi (0.5 and 0.8 measured on faxed 6 and 7 pt probes; 0.8 better)."""

ENLARGE_FACTOR = 2.0
"""How many times larger Tesseract reads a softened page (`enlarge`; 1.5 and 2 measured, 2 better)."""

ENLARGE_RADIUS_INCHES = 1 / 600
"""The blur's standard deviation after enlarging: one pixel at 600 dpi (0 and 1.5 px lost more)."""

LANCZOS_REACH = 4
"""Scan pixels either side that OpenCV's Lanczos weighs for a pixel of the enlarged page (8 taps)."""

TESSERACT_MAX_SIDE = 32767
"""Tesseract refuses an image wider or taller than this ("Input image too large"): a long strip
enlarged past it would fail its page, so the factor stops short of it."""


DROPPED_MAX_INCHES = 1 / 60
"""Tallest blank band taken for a lost fax line (a standard fax row is 1/98 in)."""

DROPPED_MIN_STROKES = 1 / 25
"""Inches of columns inked on both sides of a band for strokes to cross it (about three strokes)."""

MEASURE_DPI = 50
"""Resolution at which the sheet's outline and the skew are measured: text lines are dark bands."""

SHEET_AREA = (0.5, 0.97)
"""Share of the frame a sheet's outline must cover to count as a sheet on a desk; a scan's paper
fills the whole frame."""

WARP_MIN_DEGREES = 0.3
"""An outline whose sides lean less than this from the frame's axes is left as it is."""

PROFILE_SMOOTHING = np.array([1, 4, 6, 4, 1]) / 16
"""Kernel over the row profile in the skew measurement (sigma one row at `MEASURE_DPI`)."""

DESKEW_MAX_DEGREES = 6.0
"""Largest skew looked for (phone photos are turned up to 5 degrees)."""

DESKEW_MIN_DEGREES = 1.0
"""Skew below which a page is left as it is. Measured on dev pages: a 2-degree photocopy lost 117 of
312 words unturned and none turned; fax pages turned by 0.5-1 degree lost 3 words more than
unturned (5 pages), so Tesseract's own tolerance is kept for those."""


@dataclass(frozen=True)
class Prepared:
    """A page ready for Tesseract, and where its pixels lie on the scan."""

    image: Image.Image
    steps: tuple[str, ...] = ()
    to_scan: np.ndarray | None = None
    """3 x 3 homography from a pixel of `image` to the scan's pixel; None when no pixel moved."""
    enlarge: float = 1.0
    """How many times larger Tesseract should read the page, after rule erasure (`enlarge`)."""


def speckle_share(image: Image.Image, dpi: int) -> float:
    """Return the share of paper pixels that are isolated ink dots (specks)."""
    ink = np.asarray(image) < INK
    side = 2 * max(1, round(dpi * SPECKLE_WINDOW_INCHES / 2)) + 1
    inked = cv2.boxFilter(ink.view(np.uint8), cv2.CV_16U, (side, side), normalize=False, borderType=cv2.BORDER_CONSTANT)
    specks = np.count_nonzero(ink & (inked <= SPECKLE_ALONE * side * side))  # counted, not a float share: exact
    return float(specks) / max(1, ink.size - np.count_nonzero(ink))


def despeckle(image: Image.Image, dpi: int) -> Image.Image:
    """Remove dots smaller than a stroke and fill pinholes with a median filter about 1/100 in wide."""
    size = max(3, round(dpi / 100) | 1)
    return Image.fromarray(cv2.medianBlur(np.asarray(image), size))


def binary_share(image: Image.Image) -> float:
    """Return the share of pixels that are pure black or pure white."""
    grey = np.asarray(image)
    return 1.0 - cv2.countNonZero(cv2.inRange(grey, 1, 254)) / grey.size


def dropped_lines(image: Image.Image, dpi: int) -> list[tuple[int, int]]:
    """Return the (first, end) rows of blank bands that strokes cross: lost fax lines."""
    ink = np.asarray(image) < INK
    blank = ~ink.any(axis=1)
    tallest = max(2, round(dpi * DROPPED_MAX_INCHES))
    strokes = max(4, round(dpi * DROPPED_MIN_STROKES))
    bands = []
    for first in np.flatnonzero(blank[1:] & ~blank[:-1]) + 1:  # blank rows under an inked one
        window = blank[first:first + tallest + 1]
        if window.all():  # taller than a lost line, or running off the page
            continue
        end = int(first + np.argmin(window))
        if np.count_nonzero(ink[first - 1] & ink[end]) >= strokes:
            bands.append((int(first), end))
    return bands


def soften(image: Image.Image, dpi: int) -> Image.Image:
    """Blur a page drawn from too few scan rows so its stair-stepped edges round off."""
    return Image.fromarray(cv2.GaussianBlur(np.asarray(image), (0, 0), SOFTEN_RADIUS_INCHES * dpi))


def enlarge(image: Image.Image, factor: float, dpi: int, max_pixels: int = 0) -> Image.Image:
    """Draw the page `factor` times as large (at most `max_pixels`, 0: no limit), smoothly: Lanczos,
    then a blur of `ENLARGE_RADIUS_INCHES`, so a small letter of a coarse scan reaches Tesseract round."""
    if max_pixels:
        factor = min(factor, (max_pixels / (image.width * image.height)) ** 0.5)
    factor = min(factor, TESSERACT_MAX_SIDE / max(image.width, image.height))
    if factor <= 1:
        return image
    grey, sigma = np.asarray(image), ENLARGE_RADIUS_INCHES * dpi * factor
    if factor != int(factor):  # limited by the pixels: output pixels fall between the scan's in no fixed pattern
        return Image.fromarray(_enlarged(grey, factor, sigma))
    return Image.fromarray(_enlarged_ink(grey, int(factor), sigma))


def _enlarged(grey: np.ndarray, factor: float, sigma: float) -> np.ndarray:
    """Lanczos to `factor` times the size, then a Gaussian blur of `sigma` large pixels."""
    size = (round(grey.shape[1] * factor), round(grey.shape[0] * factor))
    return cv2.GaussianBlur(cv2.resize(grey, size, interpolation=cv2.INTER_LANCZOS4), (0, 0), sigma)


def _enlarged_ink(grey: np.ndarray, factor: int, sigma: float) -> np.ndarray:
    """`_enlarged` worked out only around the ink, equal to it pixel for pixel: at a whole factor the
    same scan pixels always give the same large pixel, and a large pixel more than `reach` scan pixels
    from anything but white paper is white. Half or more of a page is margins and gaps between
    paragraphs; the slow part (OpenCV's Lanczos has no vectorised path) shrinks with them."""
    blur_reach = (round(sigma * 6 + 1) | 1) // 2  # the kernel OpenCV makes for a uint8 blur, in large pixels
    reach = LANCZOS_REACH + -(-blur_reach // factor) + 1
    height, width = grey.shape
    large = np.full((height * factor, width * factor), 255, np.uint8)
    inked = grey != 255
    for top, bottom in _runs(_widened(inked.any(axis=1), 2 * reach)):
        columns = np.flatnonzero(_widened(inked[top:bottom].any(axis=0), 2 * reach))
        left, right = int(columns[0]), int(columns[-1]) + 1
        part = _enlarged(grey[top:bottom, left:right], factor, sigma)
        # keep what lies `reach` inside the part's edges, or up to the page's own edge
        cut_top, cut_left = (0 if top == 0 else reach) * factor, (0 if left == 0 else reach) * factor
        cut_bottom, cut_right = (0 if bottom == height else reach) * factor, (0 if right == width else reach) * factor
        large[top * factor + cut_top:bottom * factor - cut_bottom, left * factor + cut_left:right * factor - cut_right] = \
            part[cut_top:part.shape[0] - cut_bottom, cut_left:part.shape[1] - cut_right]
    return large


def _widened(mask: np.ndarray, by: int) -> np.ndarray:
    """`mask` (1-d) with every true element spread `by` elements either way."""
    count = np.concatenate(([0], np.cumsum(mask)))
    at = np.arange(len(mask))
    return count[np.minimum(at + by + 1, len(mask))] > count[np.maximum(at - by, 0)]


def _runs(mask: np.ndarray) -> np.ndarray:
    """(start, end) of each run of true elements of a 1-d `mask`."""
    return np.flatnonzero(np.diff(np.concatenate(([0], mask.view(np.int8), [0])))).reshape(-1, 2)


def refill(image: Image.Image, bands: list[tuple[int, int]]) -> Image.Image:
    """Fill each blank band by blending, row by row, the rows right above and right below it."""
    grey = np.asarray(image).copy()
    for first, end in bands:
        weight = (np.arange(1, end - first + 1) / (end - first + 1))[:, None]
        grey[first:end] = np.rint(grey[first - 1] * (1 - weight) + grey[end] * weight).astype(np.uint8)
    return Image.fromarray(grey)


def _small(image: Image.Image, dpi: int) -> tuple[np.ndarray, float]:
    """The page at `MEASURE_DPI` and the factor back to full resolution."""
    factor = min(1.0, MEASURE_DPI / dpi)
    grey = np.asarray(image)
    return cv2.resize(grey, (max(1, round(grey.shape[1] * factor)), max(1, round(grey.shape[0] * factor))),
                      interpolation=cv2.INTER_AREA), 1 / factor


def sheet_outline(image: Image.Image, dpi: int) -> np.ndarray | None:
    """Return the corners (top-left, top-right, bottom-right, bottom-left; full-resolution pixels) of
    a bright sheet lying inside a darker frame, or None when the paper fills the frame."""
    small, back = _small(image, dpi)
    _, paper = cv2.threshold(cv2.GaussianBlur(small, (5, 5), 0), 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    paper = cv2.morphologyEx(paper, cv2.MORPH_CLOSE, np.ones((9, 9), np.uint8))  # text lines are not holes
    contours, _ = cv2.findContours(paper, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None
    outline = max(contours, key=cv2.contourArea)
    share = cv2.contourArea(outline) / (small.shape[0] * small.shape[1])
    corners = cv2.approxPolyDP(outline, 0.02 * cv2.arcLength(outline, True), True).reshape(-1, 2)
    if not SHEET_AREA[0] <= share <= SHEET_AREA[1] or len(corners) != 4 or not cv2.isContourConvex(corners):
        return None
    corners = corners.astype(np.float64)
    total = corners.sum(axis=1)
    diff = corners[:, 0] - corners[:, 1]
    ordered = np.array([corners[total.argmin()], corners[diff.argmax()], corners[total.argmax()], corners[diff.argmin()]])
    return (ordered + 0.5) * back - 0.5


def _lean(corners: np.ndarray) -> float:
    """The largest angle, in degrees, between a side of the outline and the frame's nearest axis."""
    worst = 0.0
    for a, b in zip(corners, np.roll(corners, -1, axis=0)):
        angle = abs(np.arctan2(b[1] - a[1], b[0] - a[0])) % (np.pi / 2)
        worst = max(worst, float(np.degrees(min(angle, np.pi / 2 - angle))))
    return worst


def unwarp(image: Image.Image, corners: np.ndarray) -> tuple[Image.Image, np.ndarray]:
    """Map the sheet inside `corners` onto an upright rectangle as long as its longer sides.

    Returns:
        The rectangle and the homography from its pixels to the scan's.
    """
    tl, tr, br, bl = corners
    width = round(max(np.hypot(*(tr - tl)), np.hypot(*(br - bl))))
    height = round(max(np.hypot(*(bl - tl)), np.hypot(*(br - tr))))
    target = np.array([[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]], np.float64)
    to_scan = cv2.getPerspectiveTransform(target.astype(np.float32), corners.astype(np.float32))
    flat = cv2.warpPerspective(np.asarray(image), to_scan, (width, height), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                               borderValue=255)
    return Image.fromarray(flat), to_scan


def skew_degrees(image: Image.Image, dpi: int) -> float:
    """Return how far the page is turned counter-clockwise, in degrees, from the angle at which its
    ink summed along rows varies most; a coarse search then a fine one."""
    small, _ = _small(image, dpi)
    ink = 255.0 - small.astype(np.float64)
    ink -= np.median(ink)  # the paper weighs nothing
    ys, xs = np.nonzero(ink > 0)
    if len(ys) < 2:
        return 0.0  # a blank page has no lines to lean
    weight = ink[ys, xs]
    xs = xs - small.shape[1] / 2
    ys = ys - small.shape[0] / 2

    def sharpness(degrees: float) -> float:
        rad = np.radians(degrees)
        rows = ys * np.cos(rad) + xs * np.sin(rad)
        rows -= rows.min()
        low = np.floor(rows).astype(np.int64)
        part = rows - low  # each pixel's weight split between the two rows it straddles
        profile = (np.bincount(low, weight * (1 - part), minlength=low.max() + 2)
                   + np.bincount(low + 1, weight * part, minlength=low.max() + 2))
        profile = np.convolve(profile, PROFILE_SMOOTHING)  # so the split itself does not favour 0
        return float(np.square(profile).sum())

    best = max(np.arange(-DESKEW_MAX_DEGREES, DESKEW_MAX_DEGREES + 0.01, 0.25), key=sharpness)
    return float(max(np.arange(best - 0.25, best + 0.26, 0.025), key=sharpness))


def rotate(image: Image.Image, degrees: float) -> tuple[Image.Image, np.ndarray]:
    """Turn the page `degrees` clockwise about its centre, keeping all of it (white corners). Cubic,
    not linear, interpolation: on a corpus scan's table linear blurred a cell enough that "25%" read
    "[=2520"; on dev pages the two differ by 8 of 5382 words.

    Returns:
        The turned page and the homography from its pixels to the scan's.
    """
    width, height = image.size
    rad = np.radians(degrees)
    cos, sin = abs(np.cos(rad)), abs(np.sin(rad))
    new_w, new_h = round(width * cos + height * sin), round(width * sin + height * cos)
    to_scan = np.vstack([cv2.getRotationMatrix2D(((new_w - 1) / 2, (new_h - 1) / 2), degrees, 1.0), [0, 0, 1]])
    to_scan[:2, 2] += np.array([(width - new_w) / 2, (height - new_h) / 2])
    turned = cv2.warpAffine(np.asarray(image), to_scan[:2], (new_w, new_h),
                            flags=cv2.INTER_CUBIC | cv2.WARP_INVERSE_MAP, borderValue=255)
    return Image.fromarray(turned), to_scan


def square_pixels(image: Image.Image, aspect: float) -> tuple[Image.Image, np.ndarray]:
    """Resample rows so a pixel `aspect` times as tall as wide becomes square.

    Returns:
        The resampled page and the homography from its pixels to the scan's.
    """
    height = round(image.height * aspect)
    scale = image.height / height
    to_scan = np.array([[1.0, 0, 0], [0, scale, 0.5 * scale - 0.5], [0, 0, 1]])
    return image.resize((image.width, height), Image.BICUBIC), to_scan


def pixel_aspect(source: PageSource) -> float:
    """Return how many times taller than wide a pixel of the page's image is (x dpi / y dpi).

    A PDF page is rendered square whatever its image's resolution; an image file keeps its own
    pixels, read from its header's resolution."""
    if source.media_type == "application/pdf":
        return 1.0
    with Image.open(source.path) as image:
        x_dpi, y_dpi = image.info.get("dpi", (0, 0))
    return float(x_dpi) / float(y_dpi) if x_dpi > 0 and y_dpi > 0 else 1.0


def prepare_page(image: Image.Image, dpi: int, aspect: float = 1.0, rows_dpi: int = 0) -> Prepared:
    """Apply the steps this page's measurements call for.

    Args:
        image: the greyscale page as rendered for OCR, `dpi` across.
        aspect: height / width of one pixel (x resolution / y resolution of the scan).
        rows_dpi: the scan's rows per inch (`PageSource.rows_dpi`; 0: the same as across).

    Returns:
        The prepared page, the names of the steps applied in order, the map back to `image`, and how
        many times larger Tesseract is to read it (`enlarge`, applied by ocr.py after rule erasure).
    """
    steps: list[str] = []
    to_scan: np.ndarray | None = None
    if abs(aspect - 1) > 0.01:
        image, to_scan = square_pixels(image, aspect)
        steps.append("square")
    binary = binary_share(image) > BINARY_MIN_SHARE
    if speckle_share(image, dpi) > SPECKLE_MIN_SHARE:
        image = despeckle(image, dpi)
        steps.append("despeckle")
    if binary and (bands := dropped_lines(image, dpi)):
        image = refill(image, bands)
        steps.append("refill")
    zoom = 1.0
    if binary and 0 < rows_dpi < SOFTEN_BELOW_ROWS_DPI:
        image = soften(image, dpi)
        steps += ["soften", "enlarge"]
        zoom = ENLARGE_FACTOR
    corners = sheet_outline(image, dpi)
    if corners is not None and _lean(corners) > WARP_MIN_DEGREES:
        image, step = unwarp(image, corners)
        steps.append("unwarp")
    elif corners is None and abs(angle := skew_degrees(image, dpi)) > DESKEW_MIN_DEGREES:
        image, step = rotate(image, angle)
        steps.append("deskew")
    else:
        return Prepared(image, tuple(steps), to_scan, zoom)
    return Prepared(image, tuple(steps), step if to_scan is None else to_scan @ step, zoom)
