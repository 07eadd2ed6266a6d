"""Tesseract behind one module: OCRs one page per call.

Its settings, the job and result of a page and the installation check are in tesseract.py: a run
needs them before it reads any page, and a run of text inputs never imports this module's OpenCV.

pytesseract is imported where a page is read, not with this module: it imports pandas when it
can (0.3 s), which a run of text-layer papers never needs before its outputs.

Parallelism belongs to pages, not to Tesseract's threads: every call runs a single-threaded
Tesseract (`OMP_THREAD_LIMIT=1`) and executor.py runs one per core. With its default
OpenMP threads Tesseract took 6.6 s/page here against 1.5 s/page of throughput this way.
"""

from __future__ import annotations

import ctypes
import os
import re
import statistics
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache
from itertools import groupby
from typing import NamedTuple

import cv2
import numpy as np
from PIL import Image

from pipeline.errors import LimitError, OcrError
from pipeline.lexicon import compound_parts, load_word_list
from pipeline.model import BBox, Repair, Table, Word
from pipeline.prepare import INK, TESSERACT_MAX_SIDE, Prepared, enlarge, pixel_aspect, prepare_page
from pipeline.render import evidence_jpeg, fit_dpi, render_page
from pipeline.tables.grid import grid_tables
from pipeline.tesseract import MIN_OCR_DPI, OTSU, SAUVOLA, OcrJob, OcrResult

RULE_MIN_LENGTH_INCHES = 0.2
"""A straight dark run at least this long is a table rule or underline, not part of a letter."""

RULE_DEPTH = 0.15
"""A pixel is rule ink when darker than the paper around it by this share. Relative, not a fixed
grey: a phone photo's thin rules, blurred by the lens, keep 70-75 % of the paper's brightness
(cores 148-153 on paper 205 on dev pages), below any fixed darkness that leaves its grey paper
out; a 1-bit page's rules are black. Rules of all dev table pages (phone, photocopy, fax) are
found from 0.10 to 0.20; at 0.25 a fax table's broken rules are lost."""

RULE_PAPER_INCHES = 1 / 16
"""Span of the window whose brightest pixel is the paper around a pixel (half of it either side):
wider than a blurred rule."""

RULE_CLEARANCE_INCHES = 1 / 50
"""Distance above and below a horizontal run (beside a vertical one) at which a rule has paper and a
run through blurred letters has more letter: dev phone pages' text merges into 0.2 in runs at
`RULE_DEPTH`, and a rule's blurred edge reaches one pixel at half resolution."""

RULE_GAP_INCHES = 1 / 100
"""Gaps this short along a long run are closed: a worn copy breaks its rules into pieces shorter
than a rule (see `_rule_runs`)."""

RULE_GAP_LENGTHS = 3
"""How many times `RULE_MIN_LENGTH_INCHES` a run must be once its gaps are closed. Measured as the
cells of the rules' grids found on the dev papers' pages: worn-200 117 → 138, photocopy-300 176 →
182, fax-standard and phone 182 unchanged."""

RULE_MAX_BLOCKED = 0.3
"""Share of a run's columns that may have ink at `RULE_CLEARANCE_INCHES` (where rules cross, or a
cell's text touches its rule) for it to stay a rule; merged text is blocked over most of its length."""


def _in_long_runs(mask: np.ndarray, length: int) -> np.ndarray:
    """Return the pixels of `mask` (bool) that lie in a horizontal run of at least `length` True
    values: an opening by a line of `length`, the line's first pixel where each window starts and its
    last where each is marked back (so an even length is not shifted); outside the page is paper."""
    line = np.ones((1, length), np.uint8)
    starts = cv2.erode(mask.view(np.uint8), line, anchor=(0, 0), borderType=cv2.BORDER_CONSTANT, borderValue=0)
    return cv2.dilate(starts, line, anchor=(length - 1, 0), borderType=cv2.BORDER_CONSTANT, borderValue=0).view(bool)


@dataclass(frozen=True)
class RuleMasks:
    """Where a page's rules are, at half resolution: pixels in long runs of ink across and down."""

    horizontal: np.ndarray
    vertical: np.ndarray
    min_length: int
    points_per_pixel: float
    paper: np.ndarray
    """The paper's grey around each pixel, at the same resolution: what a rule is erased to."""


def _clear_runs(ink: np.ndarray, length: int, clearance: int) -> np.ndarray:
    """Return the horizontal runs of at least `length` ink pixels that have paper `clearance` rows
    above and below them: a rule, not a text line whose blurred letters run together.

    Each connected piece of the runs is judged column by column (its own top and bottom in that
    column), so a rule slanting a little or touched by a cell's text stays whole."""
    runs = _in_long_runs(ink, length)
    count, labels = cv2.connectedComponents(runs.view(np.uint8), connectivity=8)
    ys, xs = np.nonzero(runs)
    if not len(ys):
        return runs
    height, width = ink.shape
    key = labels[ys, xs].astype(np.int64) * width + xs  # one per (piece, column)
    # `ys` rise (row-major order), so a key's first pixel is its top and its last its bottom
    columns, first = np.unique(key, return_index=True)
    last = len(key) - 1 - np.unique(key[::-1], return_index=True)[1]
    above, below, x = ys[first] - clearance, ys[last] + clearance, columns % width
    blocked = ((above >= 0) & ink[np.clip(above, 0, height - 1), x]) | ((below < height) & ink[np.clip(below, 0, height - 1), x])
    piece = columns // width
    share = np.bincount(piece, blocked, count) / np.maximum(1, np.bincount(piece, minlength=count))
    keep = share <= RULE_MAX_BLOCKED
    keep[0] = False  # the background
    return keep[labels]


def _line_ink(half: np.ndarray, reach: int) -> np.ndarray:
    """Pixels darker by `RULE_DEPTH` than the paper both above and below them (within `reach` rows):
    a horizontal line. The edge between two flat greys is not one (the white a deskew fills a
    corner with, beside a scan's grey margin, is brighter on one side only)."""
    above = cv2.dilate(half, np.ones((reach + 1, 1), np.uint8), anchor=(0, reach))
    below = cv2.dilate(half, np.ones((reach + 1, 1), np.uint8), anchor=(0, 0))
    return half < np.minimum(above, below).astype(np.float32) * (1 - RULE_DEPTH)


def _rule_runs(ink: np.ndarray, length: int, clearance: int, gap: int) -> np.ndarray:
    """Runs of a rule across the page: those of `ink` as it is, and those a worn rule makes once its
    breaks of up to `gap` pixels are closed, when `RULE_GAP_LENGTHS` times as long (closed, the flat
    tops of a figure's digits also join: "372" lost its tops to a 0.2 in run on a corpus scan)."""
    closed = cv2.morphologyEx(ink.view(np.uint8), cv2.MORPH_CLOSE, np.ones((1, gap + 1), np.uint8)).view(bool)
    return _clear_runs(ink, length, clearance) | _clear_runs(closed, RULE_GAP_LENGTHS * length, clearance)


def find_rules(image: Image.Image, dpi: int) -> RuleMasks:
    """Find table rules and long underlines at half resolution, as runs of ink longer than
    `RULE_MIN_LENGTH_INCHES` across or down the page, with paper on both sides; short enough to
    survive a skew of a degree or two, far longer than any stroke of a letter. Ink is measured
    against the paper around it (`RULE_DEPTH`), so the faint rules of a photo count as a scan's do."""
    half = np.asarray(image.resize((image.width // 2, image.height // 2), Image.BILINEAR))
    reach = max(1, round(dpi / 2 * RULE_PAPER_INCHES / 2))
    length = max(8, int(dpi / 2 * RULE_MIN_LENGTH_INCHES))
    clearance = max(2, round(dpi / 2 * RULE_CLEARANCE_INCHES))
    gap = max(1, round(dpi / 2 * RULE_GAP_INCHES))
    horizontal = _rule_runs(_line_ink(half, reach), length, clearance, gap)
    vertical = _rule_runs(_line_ink(np.ascontiguousarray(half.T), reach), length, clearance, gap).T
    paper = cv2.dilate(half, np.ones((2 * reach + 1, 2 * reach + 1), np.uint8))
    return RuleMasks(horizontal, vertical, length, 2 * 72 / dpi, paper)


def erase_rules(image: Image.Image, rules_found: RuleMasks) -> Image.Image:
    """Paint table rules and long underlines over with the paper around them so Tesseract reads the
    cells between them.

    Tesseract's layout analysis drops ruled table regions on scans (seen on the corpus:
    a whole table of amounts lost at 300 dpi). The paper's own grey, not white: on a phone photo's
    grey paper white stripes leave each cell a grey tile with edges of its own, and Tesseract lost
    two of three figures of a row so framed (a dev paper's table); a 1-bit page's paper is white.
    """
    rules = rules_found.horizontal | rules_found.vertical
    if not rules.any():
        return image
    mask = Image.fromarray(rules.astype(np.uint8) * 255).resize(image.size, Image.NEAREST)
    mask = Image.fromarray(cv2.dilate(np.asarray(mask), np.ones((5, 5), np.uint8)))  # PIL's MaxFilter(5), 50x faster
    return Image.composite(Image.fromarray(rules_found.paper).resize(image.size, Image.BILINEAR), image, mask)


HANDOFF_FORMAT = "PPM"
"""How a page reaches Tesseract: pytesseract writes it to a temporary file, PNG unless the image
says otherwise. PNM (PGM for a grey page) is written and read without compressing: on one dev
photocopy page (9 Mpx) and one enlarged fax page (35 Mpx), one Tesseract thread, 2.0-2.3 -> 1.95 s
and 2.9 -> 2.7-2.9 s a read. Neither format carries a resolution, so Tesseract estimates it as
before and reads the same words (tested)."""

HANDOFF_MODES = frozenset({"1", "L", "RGB"})
"""Image modes PNM holds; another goes as PNG."""


def _tesseract(read, image: Image.Image, job: OcrJob, **kwargs):  # type: ignore[no-untyped-def]
    """Call a pytesseract reader with what is left of the page's time, so a page that would keep
    Tesseract busy for ever fails its document with a plain message instead of stalling the batch."""
    import pytesseract

    limit = job.settings.limits.tesseract_seconds
    left = job.deadline - time.monotonic() if limit else 0.0
    if image.mode in HANDOFF_MODES:
        image.format = HANDOFF_FORMAT  # the format pytesseract writes its temporary file in
    if not limit or left > 0:
        try:
            return read(image, timeout=left, **kwargs)
        except RuntimeError as err:  # pytesseract says "Tesseract process timeout" with a bare RuntimeError
            if isinstance(err, pytesseract.TesseractError):
                raise
    raise LimitError(f"Tesseract took longer than the limit of {limit:g} s on page {job.page_number} "
                     "(limits.tesseract_seconds_per_page in rules/ingest.yaml)", doc_id=job.doc_id, stage="ocr")


SPECK_POINTS = 2.0
"""A word smaller than this each way (PDF points; a letter of body text is 5–8 points tall) and
read with less than `SPECK_CONFIDENCE` is a speck, not a word: a corpus scan's table left a 1 × 1
point piece of rule at a crossing, which Tesseract read as "i" in a party's cell."""

SPECK_CONFIDENCE = 50.0
"""Tesseract's confidence (0–100) below which a speck-sized word is dropped."""

SPECK_HEIGHT_SHARE = 0.7
"""A lone digit read with less than `SPECK_CONFIDENCE` and less than this share of the height of its line's
other figures is a mark of dust, not a figure: a faxed table's row read "Kulturskola 1 -22 300 …" from a
mark 3.6 points tall beside figures of 5.4–6.1 (a digit of a line's type is as tall as its others). On a
despeckled page (a worn copy) a figure's broken stroke may be as short: there it stays (measured: the dev
worn-200 papers lost 3 amounts to the rule)."""


def _read_words(image: Image.Image, job: OcrJob, thresholding: int, psm: int) -> tuple[Word, ...]:
    """Run Tesseract once and turn its word boxes into Words in PDF points."""
    import pytesseract

    config = f"--psm {psm} -c thresholding_method={thresholding}"
    try:
        data = _tesseract(pytesseract.image_to_data, image, job, lang=job.settings.lang, config=config,
                          output_type=pytesseract.Output.DICT)
    except (pytesseract.TesseractError, RuntimeError) as err:
        raise OcrError(f"Tesseract failed on page {job.page_number}: {err}", doc_id=job.doc_id) from err
    sx = job.width / image.width
    sy = job.height / image.height
    line_numbers: dict[tuple[int, int, int], int] = {}
    words: list[Word] = []
    for i, text in enumerate(data["text"]):
        text = text.strip()
        confidence = float(data["conf"][i])
        if not text or confidence < 0:
            continue
        key = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
        line = line_numbers.setdefault(key, len(line_numbers) + 1)
        left, top = data["left"][i], data["top"][i]
        bbox = BBox(left * sx, top * sy, (left + data["width"][i]) * sx, (top + data["height"][i]) * sy)
        if bbox.x1 - bbox.x0 < SPECK_POINTS and bbox.bottom - bbox.top < SPECK_POINTS and confidence < SPECK_CONFIDENCE:
            continue  # a speck (a rule's end left by the erasure, dust) read as a letter
        words.append(
            Word(
                text=text,
                bbox=bbox.rounded(),
                line=line,
                block=data["block_num"][i],
                confidence=round(confidence / 100, 4),
                origin="ocr",
            )
        )
    return tuple(words)


def _without_short_digits(words: tuple[Word, ...]) -> tuple[Word, ...]:
    """The words but a lone digit of low confidence far shorter than its line's figures (`SPECK_HEIGHT_SHARE`).
    Not on a despeckled page: a worn copy's figures lose strokes, and a short digit there may be one of them."""
    figure_heights: dict[int | None, list[float]] = {}
    for w in words:
        if len(w.text) > 1 and any(c.isdigit() for c in w.text):
            figure_heights.setdefault(w.line, []).append(w.bbox.bottom - w.bbox.top)

    def short_digit(w: Word) -> bool:
        if not (len(w.text) == 1 and w.text.isdigit() and w.confidence * 100 < SPECK_CONFIDENCE):
            return False
        heights = figure_heights.get(w.line, [])
        return bool(heights) and w.bbox.bottom - w.bbox.top < SPECK_HEIGHT_SHARE * statistics.median(heights)

    return tuple(w for w in words if not short_digit(w))


SPANNING_HEIGHTS = 2.0
"""A word at least this many times as tall as the page's median word spans several lines of print."""
SPANNING_CONFIDENCE = 0.6
"""Tesseract's confidence (0–1) below which such a word is taken for marks of several lines read as one."""


def _spanning_lines(words: tuple[Word, ...]) -> set[Word]:
    """The words of low confidence that span several lines of print (`SPANNING_HEIGHTS`): such a word may be
    a table's column of lone "0" cells that Tesseract's layout took for one block and read as a word or two
    ("OoOo000", its box four rows tall), or a worn copy's word with the dust above and below it."""
    heights = [w.bbox.bottom - w.bbox.top for w in words if w.bbox is not None]
    if not heights:
        return set()
    tall = SPANNING_HEIGHTS * statistics.median(heights)
    return {w for w in words if w.bbox is not None and w.confidence < SPANNING_CONFIDENCE and w.bbox.bottom - w.bbox.top >= tall}


_NUMBER = re.compile(r"\d{1,7}(?:,\d{1,3})?\S{0,2}")
"""A word that may be a number whose percent sign the Swedish model read as digits: "7094", "4,19." ("4,1%.").
The English model's reading may hold a point for the comma ("4.1%."): the figure is kept as the page printed it."""
_PERCENT = re.compile(r"(\d*(?:[,.]\d+)?)%([.,:;)]?)")
PERCENT_READER_LANG = "eng"
"""Tesseract's Swedish model never reads a percent sign in our scans ("70%" comes out as
"7094", "ca 47 %" as "ca 47 26", even on clean renders); the English model reads them."""


def reread_percent_signs(image: Image.Image, words: tuple[Word, ...], job: OcrJob) -> tuple[Word, ...]:
    """Read every number-like word again with the English model; keep readings that hold a '%'.

    All number crops of a page go to Tesseract in one image, stacked one per line, so the
    second pass costs one call per page. A reading is taken only when it is the scanned
    digits followed by a percent sign that the Swedish model turned into digits; the scanned
    form is kept as a Repair, so the auditor sees both.
    """
    numbers = [
        i for i, w in enumerate(words)
        if w.bbox is not None and (
            _NUMBER.fullmatch(w.text)
            # a short word right after a number: the sign may come out as letters ("53 NH.")
            or (len(w.text) <= 3 and i > 0 and words[i - 1].line == w.line and words[i - 1].text.isdigit())
        )
    ]
    if not numbers:
        return words
    readings = _read_stacked(_word_crops(image, [words[i] for i in numbers], job), job, PERCENT_READER_LANG)
    fixed = list(words)
    for slot, i in enumerate(numbers):
        reading = "".join(r.text for r in readings.get(slot, []))
        match = _PERCENT.fullmatch(reading)
        scanned = words[i].text
        digits = re.sub(r"\D", "", scanned)
        kept = re.sub(r"\D", "", match.group(1)) if match else ""
        if not match or not digits.startswith(kept) or len(digits) - len(kept) > 3:
            continue
        if not kept and (i == 0 or not _NUMBER.fullmatch(words[i - 1].text)):
            continue  # a lone sign must follow a number ("47 %")
        confidence = min(r.confidence for r in readings[slot])
        stop = match.group(2) or (scanned[-1] if scanned[-1] in ".,:;)" else "")  # the English model may lose it
        fixed[i] = words[i].model_copy(update={
            "text": _digits_prefix(scanned, len(kept)) + "%" + stop,
            "repair": Repair(scanned=scanned, confidence=round(confidence, 4), reason="percent-sign-reread"),
        })
    return tuple(fixed)


def _digits_prefix(scanned: str, digits: int) -> str:
    """Return `scanned` up to its `digits`-th digit, as the page printed it: the English model's
    reading of a figure before its sign may drop its decimal comma ("4,19" read again as "41%")."""
    if not digits:
        return ""
    seen = 0
    for end, ch in enumerate(scanned, 1):
        seen += ch.isdigit()
        if seen == digits:
            return scanned[:end]
    return scanned


WORD_CROP_MARGIN = 4
"""Pixels of page kept around a word's box when it is cut out to be read again."""


def _word_crops(image: Image.Image, words: list[Word], job: OcrJob) -> list[Image.Image]:
    """Each word's box cut out of the page image, `WORD_CROP_MARGIN` pixels around it, for `_read_stacked`."""
    sx, sy = image.width / job.width, image.height / job.height
    m = WORD_CROP_MARGIN
    return [image.crop((max(0, round(b.x0 * sx) - m), max(0, round(b.top * sy) - m),
                        min(image.width, round(b.x1 * sx) + m), min(image.height, round(b.bottom * sy) + m)))
            for b in (w.bbox for w in words)]


class Reading(NamedTuple):
    """One word of a crop read again: its text, Tesseract's confidence (0–1) and its box in the crop's pixels."""

    text: str
    confidence: float
    box: tuple[int, int, int, int]


def _read_stacked(crops: list[Image.Image], job: OcrJob, lang: str, thresholding: int = SAUVOLA,
                  config: str = "") -> dict[int, list[Reading]]:
    """Read many small crops of a page in few Tesseract calls: stacked one under another on white
    sheets, a crop's height apart, `config` added to Tesseract's; a sheet ends before it grows past
    what Tesseract takes (`TESSERACT_MAX_SIDE`: a table page of some hundred figures, enlarged,
    stacked taller). Returns each crop's words by its index."""
    gap = max(c.height for c in crops)
    readings: dict[int, list[Reading]] = {}
    first = 0
    while first < len(crops):
        end, height = first, gap
        while end < len(crops) and (end == first or height + crops[end].height + gap <= TESSERACT_MAX_SIDE):
            height += crops[end].height + gap
            end += 1
        for slot, words in _read_sheet(crops[first:end], gap, job, lang, thresholding, config).items():
            readings[first + slot] = words
        first = end
    return readings


def _read_sheet(crops: list[Image.Image], gap: int, job: OcrJob, lang: str, thresholding: int,
                config: str) -> dict[int, list[Reading]]:
    """One Tesseract call on `crops` stacked `gap` apart: each crop's words by its index."""
    import pytesseract

    sheet = Image.new("L", (max(c.width for c in crops) + 2 * gap, sum(c.height + gap for c in crops) + gap), 255)
    offsets = []
    y = gap
    for crop in crops:
        sheet.paste(crop, (gap, y))
        offsets.append((y, y + crop.height))
        y += crop.height + gap
    data = _tesseract(pytesseract.image_to_data, sheet, job, lang=lang,
                      config=f"--psm 6 -c thresholding_method={thresholding} {config}".rstrip(), output_type=pytesseract.Output.DICT)
    readings: dict[int, list[Reading]] = {}
    for k, text in enumerate(data["text"]):
        if not text.strip() or float(data["conf"][k]) < 0:
            continue
        left, top, width, height = data["left"][k], data["top"][k], data["width"][k], data["height"][k]
        middle = top + height / 2
        slot = next((n for n, (start, end) in enumerate(offsets) if start - gap / 2 <= middle <= end + gap / 2), None)
        if slot is not None:
            start = offsets[slot][0]
            readings.setdefault(slot, []).append(Reading(text.strip(), float(data["conf"][k]) / 100,
                                                         (left - gap, top - start, left - gap + width, top - start + height)))
    return readings


UNREAD_GLYPH_POINTS = (1.5, 14.0)
"""Heights (PDF points) of a mark that may be a glyph of print: from a small letter of 6 pt type down to
4 pt, up to a capital of 14 pt. Smaller marks are dust and punctuation, taller ones rules, stamps, logos."""

UNREAD_MIN_GLYPHS = 3
"""Glyph-sized marks side by side, none under a word the page's reading gave, for a line of print left
unread: "200" or "Summa". The dev papers' 48 capture pages hold one such piece of noise (a worn copy's)."""

UNREAD_INK_DEPTH = 25
"""Grey levels below the mean of its neighbourhood (`UNREAD_WINDOW_INCHES`) at which a pixel is ink: a
phone photo's grey paper and uneven light are no ink, a 1-bit page's black is."""

UNREAD_WINDOW_INCHES = 1 / 6
"""Side of the neighbourhood whose mean grey a pixel is measured against: a few lines of type, so
light that changes across a photographed page is no ink."""

UNREAD_SEARCH_DPI = 150
"""Resolution the unread ink is looked for at: a 4 pt letter is still 3 pixels tall, and a page takes a
quarter of the time it takes at 300 dpi."""

UNREAD_CELL_ROWS = 8
"""How many rows (of the mark's height) above or below a lone mark a figure of its column may stand."""

UNREAD_CELL_REACH = 3.0
"""How far (in the mark's heights) beside a figure of its column a lone mark's middle may stand."""

UNREAD_COLUMN_MARKS = 3
"""Lone marks in one column, each on a row of print, that make a table's column of figures the layout
dropped whole: two could be dust."""

_LONE_ZERO = re.compile(r"[\[(]?[0Oo][\])]?")
"""A lone cell's 0 as Tesseract reads a 0 alone: "O", or in brackets it makes up ("[0]", "(0)"); read with a
whitelist of digits instead, such a 0 came out with confidence 0."""


def _lone_cell(text: str) -> str | None:
    """The figure a lone cell of a table's figure column prints ("[0]" → "0"), else None."""
    if _LONE_ZERO.fullmatch(text):
        return "0"
    return text if _CELL_FIGURE.fullmatch(text) else None


UNREAD_MIN_CONFIDENCE = 0.5
"""Tesseract's confidence (0–1) from which a word of an unread line read alone is taken."""


def read_unread_lines(image: Image.Image, words: tuple[Word, ...], job: OcrJob) -> tuple[Word, ...]:
    """Read the lines of print the page's reading left out, and put their words among the page's.

    Tesseract's layout analysis can drop a block of text as "non-text": on a standard-fax probe of a
    flattened bilaga set one cell per line in 8 pt, the lower half of a column of figures and its
    "Summa" row came out of `--psm 3` as nothing. Ink of glyph size that lies under no word's box,
    at least `UNREAD_MIN_GLYPHS` marks side by side (`_unread_pieces`), is cut out and read as lines
    (`--psm 6`, all of a page's pieces in one call); its words of at least `UNREAD_MIN_CONFIDENCE`
    join the line they stand on or become lines of their own after the line above them, and the
    page's lines are numbered again in reading order. Shorter runs that stand where a table's figure
    would (`_in_a_figure_cell`, `_in_a_column_of_marks`: a lone "0" the layout took for noise) are read
    then as cells. A word of low confidence spanning several lines (`_spanning_lines`) is looked under too:
    where at least two cells are read inside its box, they replace it. A page whose reading covers its print
    is returned as it is."""
    spanning = _spanning_lines(words)
    open_words = tuple(w for w in words if w not in spanning)  # the words whose boxes cover their ink for certain
    lines, cells = _unread_pieces(image, open_words, job)
    line_words = _read_pieces(image, lines, words, job, "", lambda text: any(c.isalnum() for c in text))
    if line_words:  # the lines read may be the figures that place a lone cell in its column
        _, cells = _unread_pieces(image, _with_new_words(open_words, line_words), job)
    cell_words = [w.model_copy(update={"text": _lone_cell(w.text)})
                  for w in _read_pieces(image, cells, open_words + tuple(line_words), job, "",
                                        lambda text: _lone_cell(text) is not None)]
    replaced = {s for s in spanning if sum(w.bbox.centred_in([s.bbox]) for w in cell_words) >= 2}
    kept = [s.bbox for s in spanning - replaced]
    cell_words = [w for w in cell_words if not w.bbox.centred_in(kept)]
    words = tuple(w for w in words if w not in replaced)
    if line_words:
        words = _with_new_words(words, line_words)
    return _with_new_words(words, cell_words) if cell_words else words


def _read_pieces(image: Image.Image, pieces: list[tuple[int, int, int, int]], words: tuple[Word, ...], job: OcrJob,
                 config: str, takes: Callable[[str], bool]) -> list[Word]:
    """The words Tesseract reads in `pieces` (pixel boxes of `image`, all in one call, `config` added), those of
    at least `UNREAD_MIN_CONFIDENCE` that `takes` and that no word of the page's reading covers, in points."""
    if not pieces:
        return []
    readings = _read_stacked([image.crop(piece) for piece in pieces], job, job.settings.lang, config=config)
    sx, sy = job.width / image.width, job.height / image.height
    new = []
    for slot, (x0, top, _, _) in enumerate(pieces):
        for r in readings.get(slot, []):
            box = BBox((x0 + r.box[0]) * sx, (top + r.box[1]) * sy, (x0 + r.box[2]) * sx, (top + r.box[3]) * sy).rounded()
            if (r.confidence >= UNREAD_MIN_CONFIDENCE and takes(r.text)
                    and not any(_overlap(box, w.bbox) for w in words if w.bbox is not None)):
                new.append(Word(text=r.text, bbox=box, line=1, block=0, confidence=round(r.confidence, 4), origin="ocr"))
    return new


def _overlap(a: BBox, b: BBox) -> bool:
    """Whether two boxes share more than a third of the smaller one's area."""
    width = min(a.x1, b.x1) - max(a.x0, b.x0)
    height = min(a.bottom, b.bottom) - max(a.top, b.top)
    smaller = min((a.x1 - a.x0) * (a.bottom - a.top), (b.x1 - b.x0) * (b.bottom - b.top))
    return width > 0 and height > 0 and width * height > smaller / 3


def _unread_pieces(image: Image.Image, words: tuple[Word, ...],
                   job: OcrJob) -> tuple[list[tuple[int, int, int, int]], list[tuple[int, int, int, int]]]:
    """Pixel boxes (x0, top, x1, bottom) of the runs of glyph-sized ink on `image` that no word box
    covers, a margin of paper around them: (lines: runs of at least `UNREAD_MIN_GLYPHS` marks, cells:
    shorter runs that stand as a figure would in a table's column and row, `_in_a_figure_cell`).
    Measured at `UNREAD_SEARCH_DPI` (the page shrunk for it)."""
    scale = max(1, round(image.width / job.width * 72 / UNREAD_SEARCH_DPI))
    grey = np.asarray(image.convert("L"))
    if scale > 1:
        grey = cv2.resize(grey, (grey.shape[1] // scale, grey.shape[0] // scale), interpolation=cv2.INTER_AREA)
    per_point = grey.shape[1] / job.width
    window = round(UNREAD_WINDOW_INCHES * 72 * per_point) | 1
    ink = cv2.adaptiveThreshold(grey, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, window, UNREAD_INK_DEPTH)
    covered = np.zeros_like(ink)
    margin = max(1, round(per_point))
    for w in words:
        if w.bbox is not None:
            cv2.rectangle(covered, (int(w.bbox.x0 * per_point) - margin, int(w.bbox.top * per_point) - margin),
                          (int(w.bbox.x1 * per_point) + margin, int(w.bbox.bottom * per_point) + margin), 255, -1)
    _, _, stats, centres = cv2.connectedComponentsWithStats(ink, connectivity=8)
    x, y, width, height = (stats[1:, k] for k in range(4))
    low, high = (points * per_point for points in UNREAD_GLYPH_POINTS)
    cx, cy = centres[1:, 0].astype(int), centres[1:, 1].astype(int)
    inside = (x > 0) & (y > 0) & (x + width < ink.shape[1]) & (y + height < ink.shape[0])  # not cut by the image's edge
    glyph = (height >= low) & (height <= high) & (width <= 2 * high) & (covered[cy, cx] == 0) & inside
    if not glyph.any():
        return [], []
    marks = np.zeros_like(ink)
    for gx, gy, gw, gh in zip(x[glyph], y[glyph], width[glyph], height[glyph]):
        marks[gy:gy + gh, gx:gx + gw] = 255
    reach = max(1, round(float(np.median(height[glyph]))))  # about a word space of the type found
    _, runs, run_stats, _ = cv2.connectedComponentsWithStats(cv2.dilate(marks, np.ones((1, 2 * reach + 1), np.uint8)))
    run_of = runs[cy[glyph], cx[glyph]]
    runs_found: list[tuple[BBox, int]] = []
    for run in sorted(set(run_of.tolist())):
        _, ry, _, rh = run_stats[run, :4]
        member = run_of == run  # the run's own marks give its width: the dilation's reach is no ink
        box = BBox(int(x[glyph][member].min()), ry, int((x[glyph] + width[glyph])[member].max()), ry + rh)
        if rh <= 1.5 * high and not _beside_a_word(box, words, per_point):
            runs_found.append((box, int(member.sum())))
    short = [box for box, n in runs_found if n < UNREAD_MIN_GLYPHS]
    lines, cells = [], []
    for box, n in runs_found:
        if n < UNREAD_MIN_GLYPHS and not (_in_a_figure_cell(box, words, per_point)
                                          or _in_a_column_of_marks(box, short, words, per_point)):
            continue
        pad = max(2, round(box.bottom - box.top) // 4)
        (lines if n >= UNREAD_MIN_GLYPHS else cells).append(
            (max(0, round(box.x0 - pad) * scale), max(0, round(box.top - pad) * scale),
             min(image.width, round(box.x1 + pad) * scale), min(image.height, round(box.bottom + pad) * scale)))
    return sorted(lines, key=lambda p: (p[1], p[0])), sorted(cells, key=lambda p: (p[1], p[0]))


def _in_a_figure_cell(piece: BBox, words: tuple[Word, ...], per_point: float) -> bool:
    """Whether a mark or two of ink (pixels at `per_point`) stand where a table's figure would: a figure
    the page's reading gave, as tall as it, stands over or under it a few rows away (within a few of its
    heights across: a column set in a proportional font is ragged), and another figure stands left of it
    on its own row. Tesseract's layout drops such a lone cell ("0" of a column of zeros and figures) as
    noise; dust seldom stands so, nor is it of a figure's height."""
    reach = piece.bottom - piece.top
    middle = (piece.x0 + piece.x1) / 2
    figures = [(w.bbox.x0 * per_point, w.bbox.top * per_point, w.bbox.x1 * per_point, w.bbox.bottom * per_point)
               for w in words if w.bbox is not None and _CELL_FIGURE.fullmatch(w.text)]
    column = any(x0 - UNREAD_CELL_REACH * reach <= middle <= x1 + UNREAD_CELL_REACH * reach
                 and 0 < abs(top - piece.top) <= UNREAD_CELL_ROWS * reach
                 and 0.7 * (bottom - top) <= reach <= 1.3 * (bottom - top) for x0, top, x1, bottom in figures)
    row = any(x1 < piece.x0 and top < piece.bottom and bottom > piece.top for _, top, x1, bottom in figures)
    return column and row


def _in_a_column_of_marks(piece: BBox, marks: list[BBox], words: tuple[Word, ...], per_point: float) -> bool:
    """Whether a mark or two of ink (pixels at `per_point`) is one of a column of lone marks of its height,
    at least `UNREAD_COLUMN_MARKS` in all, each within `UNREAD_CELL_ROWS` of its height from the next, with
    a word of the page's reading left of it on its own row: a table column of zeros the layout dropped
    whole ("0", "0", "0" under "Ombudgeteras"), which has no figure read to place it (`_in_a_figure_cell`).
    Dust seldom stands in a column of glyph-sized marks on rows of print."""
    reach = piece.bottom - piece.top
    middle = (piece.x0 + piece.x1) / 2
    column = [m for m in marks if m.x0 - reach <= middle <= m.x1 + reach
              and 0.7 * (m.bottom - m.top) <= reach <= 1.3 * (m.bottom - m.top)]
    chain: list[BBox] = []  # the run of the column's marks, rows apart, that holds this one
    for m in sorted(column, key=lambda m: m.top):
        if chain and m.top - chain[-1].top > UNREAD_CELL_ROWS * reach:
            if piece in chain:
                break
            chain = []
        chain.append(m)
    row = any(w.bbox.x1 * per_point < piece.x0 and w.bbox.top * per_point < piece.bottom
              and w.bbox.bottom * per_point > piece.top for w in words if w.bbox is not None)
    return piece in chain and len(chain) >= UNREAD_COLUMN_MARKS and row


def _beside_a_word(piece: BBox, words: tuple[Word, ...], per_point: float) -> bool:
    """Whether a piece of ink (pixels at `per_point`) stands on a word's line closer to it than its own
    height: the rest of that word's ink, outside the box Tesseract gave it (a worn copy's broken strokes,
    read alone "fr", "tt", "ill"), not a line left out."""
    reach = piece.bottom - piece.top
    return any(w.bbox.top * per_point < piece.bottom and w.bbox.bottom * per_point > piece.top
               and w.bbox.x0 * per_point - reach < piece.x1 and w.bbox.x1 * per_point + reach > piece.x0
               for w in words if w.bbox is not None)


def _with_new_words(words: tuple[Word, ...], new: list[Word]) -> tuple[Word, ...]:
    """`words` with `new` put among them: a new word joins a line whose band holds its middle and that
    runs on beside it (`_beside`), in order across; the rest, grouped into rows alike, follow the lowest
    line above them in the same column (any column if none), or come first; then the lines are numbered
    again in reading order."""
    lines = [list(line) for _, line in groupby(words, key=lambda w: w.line)]
    after: dict[int, list[list[Word]]] = {}
    for word in sorted(new, key=lambda w: (w.bbox.top, w.bbox.x0)):  # type: ignore[union-attr]
        middle = (word.bbox.top + word.bbox.bottom) / 2  # type: ignore[union-attr]
        rows = [row for rows in after.values() for row in rows]
        home = next((line for line in [*lines, *rows] if _extent(line).top <= middle <= _extent(line).bottom
                     and _beside(_extent(line), word.bbox)), None)  # type: ignore[arg-type]
        if home is not None:
            home.append(word.model_copy(update={"block": home[0].block}))
            home.sort(key=lambda w: w.bbox.x0)  # type: ignore[union-attr]
            continue
        above = [i for i, line in enumerate(lines) if _extent(line).bottom <= middle]
        beside = [i for i in above if _extent(lines[i]).x0 <= word.bbox.x1 and _extent(lines[i]).x1 >= word.bbox.x0] or above  # type: ignore[union-attr]
        target = max(beside, key=lambda i: _extent(lines[i]).bottom) if beside else -1
        block = lines[target][0].block if target >= 0 else (lines[0][0].block if lines else 0)
        after.setdefault(target, []).append([word.model_copy(update={"block": block})])
    ordered = after.get(-1, []) + [row for i, line in enumerate(lines) for row in [line, *after.get(i, [])]]
    return tuple(w.model_copy(update={"line": number}) for number, row in enumerate(ordered, 1) for w in row)


def _extent(line: list[Word]) -> BBox:
    """The box around a line's words."""
    return BBox.union([w.bbox for w in line])  # type: ignore[misc]


UNREAD_JOIN_HEIGHTS = 3.0
"""A word read again joins a line of its height band only when this many times its height or less from
the line's ends: farther, it stands in another column, which Tesseract may have read as a block apart."""


def _beside(line: BBox, word: BBox) -> bool:
    """Whether a word stands in a line's run across, not in a column apart."""
    return max(line.x0 - word.x1, word.x0 - line.x1) <= UNREAD_JOIN_HEIGHTS * (word.bottom - word.top)


_CELL_SUFFIX = r"(?: ?%| ?:?-| ?:? ?(?:kr|tkr|mkr|mnkr|kronor))?"
"""What may follow a cell's figure: a percent sign, a unit, the ":-" of whole kronor."""
_CELL_FIGURE = re.compile(r"[-−–]?(?:\d{1,3}(?:[ .]\d{3})+(?:,\d+)?|\d+(?:[,.]\d+)?)" + _CELL_SUFFIX)
"""What a table cell of figures prints: "-184,0", "12 400", "36.000", "8.1", "70%", "372 000 kr"."""
_CELL_EDGE_DEBRIS = " |'\"‘’“”:;>«»!=_.—"
"""What OCR reads of rule remains and noise at a cell's edges ("— -4,7", "\"10,3")."""
CELL_INSET_POINTS = 1.0
"""A cell is cut out this far inside its rules, so no rule's remains are read with it."""
NUMERIC_COLUMN_SHARE = 0.5
"""A column of a ruled table is one of figures when at least this share of its filled cells print one."""
_HEADER_WORDING = re.compile(r"[A-Za-zÅÄÖåäö]{3,}|(?<!\d)(?:19|20)\d{2}(?!\d)")
"""A first-row cell with a word or a year heads its column; one without ("AB4O") is a garbled figure
of a table whose header row the grid left out."""
COMMON_DECIMALS_SHARE = 0.5
"""A table's figures print a common count of decimals when at least this share of them print a
decimal part, and this share of those the same count."""


def _cell_figure(text: str) -> str | None:
    """The one figure a cell's text prints, edge debris stripped ("— -4,7" → "-4,7"), else None."""
    core = text.strip(_CELL_EDGE_DEBRIS)
    if text.rstrip().startswith("—") and core[:1].isdigit() and "-" not in text:
        core = "-" + core  # an em dash read for the minus
    core = re.sub(r"^[-−–]\s+", "-", core)
    return core if _CELL_FIGURE.fullmatch(core) else None


def _decimals(figure: str) -> int:
    """Digits after a figure's decimal sign ("-4,7" → 1; "36.000" and "12 400" → 0)."""
    m = re.search(r"[,.](\d+)" + _CELL_SUFFIX + "$", figure)
    return len(m.group(1)) if m and not (m.group(0)[0] == "." and len(m.group(1)) == 3) else 0


def _common_decimals(figures: list[str]) -> int | None:
    """The decimals a table's figures print, when most print a decimal part and most of those
    the same count ("-307,2", "-4,7": 1); None for a table of whole numbers or mixed ones. A figure
    without a decimal part is no evidence: OCR drops a comma ("-213,3" read "2133")."""
    counts = Counter(d for f in figures if (d := _decimals(f)))
    if not counts or sum(counts.values()) < COMMON_DECIMALS_SHARE * len(figures):
        return None
    common, count = counts.most_common(1)[0]
    return common if count >= COMMON_DECIMALS_SHARE * sum(counts.values()) else None


def reread_table_cells(image: Image.Image, tables: list[Table], words: tuple[Word, ...], job: OcrJob) -> tuple[Word, ...]:
    """Read again, each alone, the figures of ruled tables that the page's reading garbled.

    On a worn copy Tesseract takes a table's noise for letters when it reads the whole page
    ("AB4O" for "-184,0", "17" for "11,7"); the cell cut out alone reads cleanly. In a column of
    figures, a cell is read again when it prints no one figure, or its decimals differ from the
    page's tables (`_common_decimals`: a page's tables are set alike); the new reading is taken when
    it is one figure with those decimals (any, if the tables have none in common). A crop is small and
    evenly lit, so Otsu's one threshold reads it (on worn-200 dev cells Sauvola read "AT" where Otsu
    read "4,7"). Its words become one word holding the new reading, the scanned
    text kept as a Repair (`table-cell-reread`). All such cells of a page go in one Tesseract call.
    """
    figure_of = {id(c): _cell_figure(c.text) for table in tables for c in table.cells if c.text and c.bbox is not None}
    columns = [[c for c in table.cells if c.col == col and c.row > 0 and id(c) in figure_of]
               for table in tables for col in sorted({c.col for c in table.cells})]
    columns = [cells for cells in columns
               if cells and sum(bool(figure_of[id(c)]) for c in cells) >= NUMERIC_COLUMN_SHARE * len(cells)]
    decimals = _common_decimals([f for cells in columns for c in cells if (f := figure_of[id(c)])])
    first_rows = [c for table in tables for c in table.cells
                  if c.row == 0 and c.col > 0 and id(c) in figure_of and not _HEADER_WORDING.search(c.text)]
    suspects = [c.bbox for c in [*first_rows, *(c for cells in columns for c in cells)]
                if (figure := figure_of[id(c)]) is None or (decimals is not None and _decimals(figure) != decimals)]
    if not suspects:
        return words
    sx, sy = image.width / job.width, image.height / job.height
    inset = CELL_INSET_POINTS
    crops = [image.crop((round((b.x0 + inset) * sx), round((b.top + inset) * sy),
                         round((b.x1 - inset) * sx), round((b.bottom - inset) * sy))) for b in suspects]
    readings = _read_stacked(crops, job, job.settings.lang, OTSU)
    replaced: dict[int, Word] = {}
    dropped: set[int] = set()
    for slot, box in enumerate(suspects):
        figure = _cell_figure(" ".join(r.text for r in readings.get(slot, [])))
        if figure is None or (decimals is not None and _decimals(figure) != decimals):
            continue
        inside = [i for i, w in enumerate(words) if w.bbox is not None
                  and box.x0 <= (w.bbox.x0 + w.bbox.x1) / 2 <= box.x1 and box.top <= (w.bbox.top + w.bbox.bottom) / 2 <= box.bottom]
        if not inside:
            continue
        first = words[inside[0]]
        scanned = " ".join(words[i].text for i in inside)
        if figure[0].isdigit() and (page_figure := _cell_figure(scanned)) is not None and page_figure[0] in "-−–":
            figure = "-" + figure  # the page's reading saw the minus sign the crop's thresholding lost
        if figure == scanned:
            continue
        confidence = round(min(r.confidence for r in readings[slot]), 4)
        replaced[inside[0]] = first.model_copy(update={
            "text": figure, "bbox": BBox.union([b for i in inside if (b := words[i].bbox)]), "confidence": confidence,
            "repair": Repair(scanned=scanned, confidence=confidence, reason="table-cell-reread")})
        dropped.update(inside[1:])
    return tuple(replaced.get(i, w) for i, w in enumerate(words) if i not in dropped)


_DIGITS = re.compile(r"[0-9]{4,}")
DIGIT_GROUP_STEP = 1.25
"""A gap inside a run of digits is a thousands space when the centres of the digits on either side
lie this many times the word's median digit pitch apart. Print fonts give digits one advance, and a
space adds about half of it (Arial 0.28 of 0.56 em). Measured on the photocopy-300 and fax-standard
dev pages: digits without a space 0.88-1.11 (years, "1960"), with a space 1.27-1.52."""

DIGIT_LINING = 0.15
"""Most the tops or the bottoms of a word's glyphs may differ, as a share of their median height, for
them to be digits on one line. "§ 171" read as "8171" has a "§" reaching below the line, which split
would become an amount of 8 171. Measured on the photocopy-300 and fax-standard dev pages: digit
words 0-0.16 (a fax row is a tenth of a digit's height), the paragraph sign 0.19-0.43."""


def _glyphs(ink: np.ndarray) -> np.ndarray:
    """Rows of (first column, end column, top row, end row) of each run of inked columns: one per
    glyph that touches no other."""
    edges = np.flatnonzero(np.diff(np.concatenate(([0], ink.any(axis=0).view(np.int8), [0]))))
    glyphs = []
    for first, end in zip(edges[::2], edges[1::2]):
        rows = np.flatnonzero(ink[:, first:end].any(axis=1))
        glyphs.append((first, end, rows[0], rows[-1] + 1))
    return np.array(glyphs, dtype=np.float64).reshape(-1, 4)


GlyphSplit = Callable[[Word, int, np.ndarray, float], list[Word] | None]
"""Given a word, its box's left edge in page pixels, its glyphs (`_glyphs`) and the pixels per
point across: the words it is split into, or None to leave it as read."""


def _split_by_glyphs(image: Image.Image, words: tuple[Word, ...], job: OcrJob, pattern: re.Pattern[str],
                     split: GlyphSplit) -> tuple[Word, ...]:
    """Apply `split` to each word whose text matches `pattern` and whose characters each stand apart
    on the page as one glyph; keep every other word as read."""
    sx, sy = image.width / job.width, image.height / job.height
    grey = np.asarray(image)
    out: list[Word] = []
    for word in words:
        box = word.bbox
        parts = None
        if box is not None and pattern.fullmatch(word.text):
            left = max(0, round(box.x0 * sx))
            glyphs = _glyphs(grey[max(0, round(box.top * sy)):round(box.bottom * sy), left:round(box.x1 * sx)] < INK)
            if len(glyphs) == len(word.text):
                parts = split(word, left, glyphs, sx)
        out.extend(parts or (word,))
    return tuple(out)


_ROW_FIGURE = re.compile(r"[-−–]?\d{1,3}(?:,\d+)?|NaN")
"""One word of a row of figures as a flattened table prints it: a digit group, a signed one, or a data frame's NaN."""
_GLUED_FIGURES = re.compile(r"[-−–]?[0-9Oo]+(?:[-−–][0-9Oo]+)*")
"""What Tesseract makes of figures of such a row set close together: "0-3" for "0 -3", "0011900" for "0 0 1 190 0"."""
FIGURE_ROW_MIN = 4
"""A line is a row of figures when at least this many of its words are `_ROW_FIGURE`s, and they are at least
half of its words from the first figure on."""


def split_glued_figures(image: Image.Image, words: tuple[Word, ...], job: OcrJob) -> tuple[Word, ...]:
    """Split the figures of a row that Tesseract read run together where the page shows spaces, and read
    a letter O among them as the zero it is.

    A flattened table (a bilaga set as text lines, columns a space or two apart) printed small and
    faxed or worn comes out as "0-3" for "0 -3", "0011900" for "0 0 1 190 0" and "O" for "0". Figures
    are set in digits of one width, so within a row the step from one digit's centre to the next is
    the same everywhere but across a space (`DIGIT_GROUP_STEP` times the row's median step, as in
    `split_digit_groups`); a minus sign after a digit starts the next figure. A word of digits and
    minus signs whose every character stands apart as one glyph is cut there when every piece is a
    figure. Each piece, and each lone "O" read as 0, keeps the scanned word as a Repair
    (`figure-split`, `figure-zero`); anything else is left as read (the flat-row reader's
    `_misread_figures` still reads what it can of the rest from the text alone).
    """
    sx, sy = image.width / job.width, image.height / job.height
    grey: np.ndarray | None = None  # the page's pixels, taken only when a row of figures asks for them
    parts: dict[int, list[Word]] = {}
    lines: dict[int, list[int]] = {}
    for i, word in enumerate(words):
        if word.bbox is not None:
            lines.setdefault(word.line, []).append(i)
    for row in lines.values():
        figures = [i for i in row if _ROW_FIGURE.fullmatch(words[i].text)]
        tail = row[row.index(figures[0]):] if figures else []
        if len(figures) < FIGURE_ROW_MIN or 2 * len(figures) < len(tail):
            continue
        grey = np.asarray(image) if grey is None else grey
        glyphs = {i: g for i in tail if (g := _word_glyphs(words[i], grey, sx, sy)) is not None}
        steps = [step for i, g in glyphs.items() for step in _digit_steps(words[i].text, g)]
        pitch = statistics.median(steps) if steps else 0.0
        for i in tail:
            if words[i].text in ("O", "o"):
                parts[i] = [_repaired(words[i], "0", "figure-zero")]
            elif i in glyphs and pitch and (pieces := _glued_pieces(words[i], glyphs[i], sx, DIGIT_GROUP_STEP * pitch)):
                parts[i] = pieces
    return tuple(w for i, word in enumerate(words) for w in parts.get(i, [word]))


def _word_glyphs(word: Word, grey: np.ndarray, sx: float, sy: float) -> np.ndarray | None:
    """The glyphs (`_glyphs`, in page pixels) of a word of digits and minus signs, when each of its
    characters stands apart as one; else None."""
    if not _GLUED_FIGURES.fullmatch(word.text):
        return None
    box = word.bbox
    left = max(0, round(box.x0 * sx))
    glyphs = _glyphs(grey[max(0, round(box.top * sy)):round(box.bottom * sy), left:round(box.x1 * sx)] < INK)
    glyphs[:, :2] += left
    return glyphs if len(glyphs) == len(word.text) else None


def _digit_steps(text: str, glyphs: np.ndarray) -> list[float]:
    """The steps from one glyph's centre to the next between two digits of `text` (one glyph each)."""
    centres = glyphs[:, :2].mean(axis=1)
    return [b - a for k, (a, b) in enumerate(zip(centres, centres[1:])) if text[k].isdigit() and text[k + 1].isdigit()]


def _glued_pieces(word: Word, glyphs: np.ndarray, sx: float, space: float) -> list[Word] | None:
    """`word` cut into figures before each minus sign after a digit and at each step of `space` pixels
    or more between the centres of two digits; None when it is not cut or a piece is no figure."""
    text, centres = word.text, glyphs[:, :2].mean(axis=1)
    cuts = [0, *(k for k in range(1, len(text)) if text[k - 1].isdigit()
                 and (text[k] in "-−–" or (text[k].isdigit() and centres[k] - centres[k - 1] >= space))), len(text)]
    pieces = [text[a:b].replace("O", "0").replace("o", "0") for a, b in zip(cuts, cuts[1:])]
    if len(pieces) < 2 or not all(_ROW_FIGURE.fullmatch(p) for p in pieces):
        return None
    return [_repaired(word, piece, "figure-split", bbox=BBox(
        glyphs[a, 0] / sx, word.bbox.top, glyphs[b - 1, 1] / sx, word.bbox.bottom).rounded())
        for piece, a, b in zip(pieces, cuts, cuts[1:])]


@lru_cache(maxsize=8)
def _unsigned_figure(marks: tuple[str, ...]) -> re.Pattern[str]:
    """A figure that may have lost its minus sign: a digit group or a decimal, its comma perhaps read as a
    point (a bare four-digit year is none), perhaps with the sign read as one of `marks` glued to it
    (rules/ocr.yaml minus_misreadings: '"213,3' on a standard fax, whose minus is a square dot)."""
    mark = f"[{re.escape(''.join(marks))}]?" if marks else ""
    return re.compile(rf"(?P<mark>{mark})(?P<figure>\d{{1,3}}(?:[,.]\d+)?|\d{{4}}[,.]\d+|\d{{5,}}(?:[,.]\d+)?)")


MINUS_REACH = 1.4
"""How far left of a figure's box, in heights of its digits, its minus sign may stand."""
MINUS_MAX_GAP = 0.35
MINUS_LENGTH = (0.2, 1.1)
MINUS_MAX_THICKNESS = 0.3
MINUS_MIN_ASPECT = 1.25
MINUS_MIDDLE = (0.3, 0.75)
"""A minus sign, in heights of the digits after it: at most `MINUS_MAX_GAP` before them, `MINUS_LENGTH`
long, at most `MINUS_MAX_THICKNESS` thick and `MINUS_MIN_ASPECT` times as long as thick (a speck is
round), its middle within `MINUS_MIDDLE` of their height from their top. Measured on dev paper 37's
worn-200 page (digits 25-27 px tall at 300 dpi): signs 5-9 px long (0.19-0.35), 3-5 thick, their
middle at 0.57-0.60, 3-7 px (0.11-0.28) before the digits; on its standard-fax page, softened and read
at 600 dpi, 17 px long and 13 thick for digits 55 tall (a fax row is 1/98 in). A word space is about
0.4 (a list's dash stands apart)."""
SPECK_AREA = 0.01
STROKE_AREA = 0.05
"""Ink pieces smaller than `SPECK_AREA` of the square of the digits' height are dust; beside a minus
sign, pieces smaller than `STROKE_AREA` are dust too (a worn copy's specks reach 0.03), larger ones a stroke."""


def restore_minus_signs(image: Image.Image, words: tuple[Word, ...], job: OcrJob) -> tuple[Word, ...]:
    """Give a figure back the minus sign Tesseract dropped, where the page shows it.

    On worn copies Tesseract reads "-97,9" as "97,9" now and then, the sign plainly printed (often
    inside the word's own box): a table's sums then fail and a deficit becomes a surplus. A figure read
    without a sign gets one when the only ink before its first digit, back to the word before it (or
    `MINUS_REACH` of its height), is one short horizontal stroke at the middle of its digits, right
    before them and standing free, specks aside (a range's dash, a rule's remnant, an underline or a
    letter fails one of these). The scanned word is kept as a Repair (`minus-sign`)."""
    sx, sy = image.width / job.width, image.height / job.height
    grey = np.asarray(image)
    unsigned = _unsigned_figure(job.settings.minus_misreadings)
    out = list(words)
    for i, word in enumerate(words):
        box = word.bbox
        if box is None or word.repair is not None or not (figure := unsigned.fullmatch(word.text)):
            continue
        top, bottom = round(box.top * sy), round(box.bottom * sy)
        height = bottom - top
        before = words[i - 1].bbox if i > 0 and words[i - 1].line == word.line else None
        if height < 8 or (before is not None and before.x1 >= box.x0):
            continue
        left = max(0, round(box.x0 * sx) - round(MINUS_REACH * height), round(before.x1 * sx) + 1 if before is not None else 0)
        margin = round(0.15 * height)
        region = grey[max(0, top - margin):bottom + margin, left:round(box.x1 * sx)]
        if region.size == 0:
            continue
        paper, darkest = float(np.percentile(region, 90)), float(region.min())
        ink = region < (paper + darkest) / 2  # a phone photo's blurred sign is paler than a 1-bit page's
        digits = np.array([g for g in _glyphs(ink) if g[3] - g[2] >= 0.5 * height]).reshape(-1, 4)
        if len(digits) and _minus_sign(ink[:, :int(digits[0, 0])], float(np.median(digits[:, 3] - digits[:, 2])),
                                       float(np.median(digits[:, 2])), bool(figure["mark"])):
            out[i] = _repaired(word, "-" + figure["figure"], "minus-sign")
    return tuple(out)


def _minus_sign(ink: np.ndarray, height: float, digits_top: float, read_as_mark: bool) -> bool:
    """Whether the ink of a strip before a figure's first digit (the digits `height` tall, their top
    `digits_top` rows down the strip) is a minus sign, with nothing beside it but specks. A mark
    Tesseract read there (`read_as_mark`: minus_misreadings, a quote or a dot) needs no length: only its place, at the
    middle of the digits, tells a sign from a quote."""
    if ink.size == 0:
        return False
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink.view(np.uint8), connectivity=8)
    area = stats[1:, cv2.CC_STAT_AREA]
    pieces = [k + 1 for k in np.flatnonzero(area >= SPECK_AREA * height * height)]
    if not pieces:
        return False
    sign = max(pieces, key=lambda k: stats[k, cv2.CC_STAT_LEFT] + stats[k, cv2.CC_STAT_WIDTH])  # the piece nearest the digits
    if any(stats[k, cv2.CC_STAT_AREA] >= STROKE_AREA * height * height for k in pieces if k != sign):
        return False
    x, y, width, thickness = (int(stats[sign, c]) for c in (cv2.CC_STAT_LEFT, cv2.CC_STAT_TOP, cv2.CC_STAT_WIDTH, cv2.CC_STAT_HEIGHT))
    middle = (y + (thickness - 1) / 2 - digits_top) / height
    return bool(x > 0 and thickness <= max(2, MINUS_MAX_THICKNESS * height)
                and (read_as_mark or (width >= MINUS_MIN_ASPECT * thickness and width >= MINUS_LENGTH[0] * height))
                and width <= MINUS_LENGTH[1] * height
                and MINUS_MIDDLE[0] <= middle <= MINUS_MIDDLE[1] and ink.shape[1] - (x + width) <= MINUS_MAX_GAP * height)


def _repaired(word: Word, text: str, reason: str, **update: object) -> Word:
    """`word` read as `text`, its scanned form kept as a Repair that says why."""
    repair = Repair(scanned=word.text, confidence=word.confidence, reason=reason)
    return word.model_copy(update={"text": text, "repair": repair, **update})


def split_digit_groups(image: Image.Image, words: tuple[Word, ...], job: OcrJob) -> tuple[Word, ...]:
    """Split a number Tesseract read without its thousands spaces ("2500" for "2 500") at the gaps
    the page shows.

    In a table row of wide gaps Tesseract's Swedish model joins "2 500" into one word, though it reads
    the same cell alone as "2 500". A word of 4 or more digits is split only when every glyph stands
    apart (one inked column run per digit) and lines up with the others, the wide gaps fall exactly
    where groups of three from the right end, and no other gap is wide; anything else is left as read.
    """
    return _split_by_glyphs(image, words, job, _DIGITS, _digit_groups)


def _digit_groups(word: Word, left: int, glyphs: np.ndarray, sx: float) -> list[Word] | None:
    box, digits = word.bbox, len(word.text)
    starts, ends, tops, bottoms = glyphs.T
    steps = np.diff((starts + ends) / 2)
    wide = steps > DIGIT_GROUP_STEP * np.median(steps)
    groups = (digits - 1 - np.arange(digits - 1)) % 3 == 0
    lining = max(np.ptp(tops), np.ptp(bottoms)) <= DIGIT_LINING * np.median(bottoms - tops)
    if not wide.any() or not np.array_equal(wide, groups) or not lining:
        return None
    cuts = [0, *(np.flatnonzero(groups) + 1), digits]
    return [word.model_copy(update={"text": word.text[first:end], "bbox": BBox(
                (left + starts[first]) / sx, box.top, (left + ends[end - 1]) / sx, box.bottom).rounded()})
            for first, end in zip(cuts, cuts[1:])]


_GLUED_SECTION = re.compile(r"[85&][0-9]{1,3}")


def split_section_signs(image: Image.Image, words: tuple[Word, ...], job: OcrJob) -> tuple[Word, ...]:
    """Split a "§" that Tesseract read glued to its paragraph number as a digit ("§ 119" read "8119",
    which the extraction would take for an amount of 8 119) off the number where its glyph shows it:
    it reaches below the line its number's digits sit on by more than `DIGIT_LINING` of their height.
    The sign keeps the scanned word as a Repair (`section-sign`); anything else is left as read."""
    return _split_by_glyphs(image, words, job, _GLUED_SECTION, _glued_section_sign)


def _glued_section_sign(word: Word, left: int, glyphs: np.ndarray, sx: float) -> list[Word] | None:
    box = word.bbox
    starts, ends, tops, bottoms = glyphs.T
    height, line = np.median(bottoms[1:] - tops[1:]), np.median(bottoms[1:])
    lined = np.sum(np.abs(bottoms[1:] - line) <= DIGIT_LINING * height) >= min(2, len(word.text) - 1)  # a speck may hang below one
    if not lined or bottoms[0] - line <= DIGIT_LINING * height:
        return None
    sign = BBox(box.x0, box.top, (left + ends[0]) / sx, box.bottom).rounded()
    number = BBox((left + starts[1]) / sx, box.top, box.x1, box.bottom).rounded()
    return [_repaired(word, "§", "section-sign", bbox=sign), word.model_copy(update={"text": word.text[1:], "bbox": number})]


SECTION_MISREADINGS = frozenset({"8", "5", "&"})
"""What Tesseract's Swedish model makes of a "§" before a paragraph number on fax pages ("§ 159" read
"8 159", "§ 169" "5 169", or "& 159"): read as a digit, it turns a paragraph into an amount."""


def restore_section_signs(words: tuple[Word, ...]) -> tuple[Word, ...]:
    """Read back as "§" a word of `SECTION_MISREADINGS` that stands before a number on its line but
    reaches below it by more than `DIGIT_LINING` of the number's height: a digit sits on the line, the
    paragraph sign hangs below it. The scanned form is kept as a Repair, so the auditor sees both."""
    fixed = list(words)
    for i, (word, after) in enumerate(zip(words, words[1:])):
        if (word.text not in SECTION_MISREADINGS or after.line != word.line or not after.text.isdigit()
                or word.bbox is None or after.bbox is None):
            continue
        if word.bbox.bottom - after.bbox.bottom > DIGIT_LINING * (after.bbox.bottom - after.bbox.top):
            fixed[i] = _repaired(word, "§", "section-sign")
    return tuple(fixed)


_FIGURE_WORD = re.compile(r"[-−–]?\d+(?:[,.]\d+)?%?")
"""A word that is a figure or a digit group of one ("-38", "450", "4,7", "70%")."""


def restore_figures(words: tuple[Word, ...], misreadings: tuple[tuple[str, str], ...]) -> tuple[Word, ...]:
    """Read back a whole word of `misreadings` (rules/ocr.yaml: "[0]" for 0) as its figure when another
    word of its line holds a figure: a row of a table, where a small zero is read with the specks at its
    sides. The scanned form is kept as a Repair (`figure-look-alike`)."""
    meant = dict(misreadings)
    lines_with_figures = {w.line for w in words if _FIGURE_WORD.fullmatch(w.text)}
    return tuple(
        _repaired(w, meant[w.text], "figure-look-alike") if w.text in meant and w.line in lines_with_figures else w
        for w in words)


def restore_party_letters(words: tuple[Word, ...], misreadings: tuple[tuple[str, str], ...]) -> tuple[Word, ...]:
    """Read back a member's party letter that OCR misread (`misreadings`, rules/ocr.yaml: "(5)" for
    "(S)"), where it stands right after a capitalised word on its line (the name: "Lars Eriksson (5)
    stödjer"); a "(5)" elsewhere ("punkt (5)") is left. The scanned form is kept as a Repair
    (`party-letter`)."""
    meant = {f"({read})": f"({letter})" for read, letter in misreadings}
    fixed = list(words)
    for i, (before, word) in enumerate(zip(words, words[1:]), start=1):
        core = word.text.rstrip(",.;:")
        if core in meant and before.line == word.line and before.text[:1].isupper():
            fixed[i] = _repaired(word, meant[core] + word.text[len(core):], "party-letter")
    return tuple(fixed)


HEX_LOOKALIKES = {"o": "0", "s": "5", "j": "3", "y": "7", "l": "1", "i": "1", "z": "2"}
"""Letters that are no hex digit and what digit OCR took them for, in an identifier of hex digits (the
dev photocopy and fax pages: "ao6f3d…" for "a06f3d…", "by2a6…" for "b72a6…", "bja4…" for "b3a4…",
"e0s5fed" for "e05fed"). A look-alike that is itself a hex digit (8 read "b", 0 read "d") cannot be
told from the digit and stays."""

ID_TRIM = ".,;:()"
"""Punctuation around an identifier in running text, stripped before it is judged."""

HEX_ID_MIN_LENGTH = 20
"""Shortest word taken for a hex identifier (an e-signature's transaction id has 42 characters):
no Swedish word of this length is nearly all of 0-9 and a-f."""

HEX_ID_MAX_FOREIGN = 0.15
"""Largest share of an identifier's characters that may be look-alikes to put back."""


HEX_ID_MIN_SHARE = 0.7
"""A word of `HEX_ID_MIN_LENGTH` or more is read again as a hex identifier when at least this share of its
characters are hex digits (the fax pages' worst reading of one, "AOV6F3D29…", holds 0.93)."""

_HEX_ONLY = "-c tessedit_char_whitelist=0123456789ABCDEFabcdef"


def reread_hex_identifiers(image: Image.Image, words: tuple[Word, ...], job: OcrJob) -> tuple[Word, ...]:
    """Read again, with Tesseract allowed nothing but hex digits, each word that looks like a hex
    identifier (an e-signature's transaction id in a page's footer).

    Read with the page, a faxed id comes out with letters that are no hex digit, one added, and an 8 read
    "B" ("AOV6F3D29430E6C7A604CDBE72…" for "A06F3D29430E6C7A604CD8E72…"); cut out and read with only
    0-9 and A-F allowed it comes out right. All of a page's go in one Tesseract call. The new reading is
    taken when it is one word of hex digits and letters, as long as the scanned one within 2, and set in
    the scanned word's case; the scanned form is kept as a Repair (`hex-reread`)."""
    candidates = [i for i, w in enumerate(words) if w.bbox is not None and _looks_hex(w.text)]
    if not candidates:
        return words
    readings = _read_stacked(_word_crops(image, [words[i] for i in candidates], job), job, job.settings.lang, config=_HEX_ONLY)
    fixed = list(words)
    for slot, i in enumerate(candidates):
        word, reading = words[i], readings.get(slot, [])
        core = word.text.strip(ID_TRIM)
        if len(reading) != 1 or abs(len(reading[0].text) - len(core)) > 2:
            continue
        text, confidence = reading[0].text, reading[0].confidence
        text = text.upper() if sum(c.isupper() for c in core) > sum(c.islower() for c in core) else text.lower()
        if text != core and any(c.isdigit() for c in text) and any(c.isalpha() for c in text):
            fixed[i] = _repaired(word, word.text.replace(core, text), "hex-reread", confidence=round(confidence, 4))
    return tuple(fixed)


def _looks_hex(text: str) -> bool:
    """Whether `text` may be a hex identifier misread: long, of letters and digits, mostly hex digits."""
    core = text.strip(ID_TRIM)
    return (len(core) >= HEX_ID_MIN_LENGTH and core.isascii() and core.isalnum() and any(c.isdigit() for c in core)
            and sum(c in "0123456789abcdefABCDEF" for c in core) >= HEX_ID_MIN_SHARE * len(core))


def restore_hex_digits(words: tuple[Word, ...]) -> tuple[Word, ...]:
    """Put back the digits OCR read as letters beyond "f" in a long identifier of hex digits, in one
    case (an e-signature's transaction id), keeping the scanned form as a Repair (`hex-digit`)."""
    fixed = list(words)
    for i, word in enumerate(words):
        core = word.text.strip(ID_TRIM)
        if len(core) < HEX_ID_MIN_LENGTH or not core.isascii() or not core.isalnum() or not (core.islower() or core.isupper()):
            continue
        lower = core.lower()
        foreign = [c for c in lower if not c.isdigit() and c not in "abcdef"]
        if (not foreign or len(foreign) > HEX_ID_MAX_FOREIGN * len(core) or any(c not in HEX_LOOKALIKES for c in foreign)
                or not any(c.isdigit() for c in lower) or not any(c in "abcdef" for c in lower)):
            continue
        digits = "".join(HEX_LOOKALIKES.get(c, c) for c in lower)
        text = word.text.replace(core, digits if core.islower() else digits.upper())
        fixed[i] = _repaired(word, text, "hex-digit")
    return tuple(fixed)


TWO_LOOKALIKES_LETTERS = 8
"""A word this long may hold two confusions undone ("avvikolso": avvikelse, "rosultattond": resultatfond).
On the faxed small-type probes (bench/eval_fax_small.py) words of 10, 8 and 6 letters or more gave 22, 25
and 27 new readings, all right, and none on the sampled dev capture pages; 8 keeps a margin on short
words, which have more listed neighbours."""


COMPOUND_LOOKALIKE_LETTERS = 10
"""A word this long that the word list does not hold may be a compound of two listed words with a
confusion in one ("resultattond": resultat + fond, "Spilivattenledning"); shorter ones have too many
readings that happen to split."""

EVERYDAY_PART_FREQUENCY = 1e-6
"""Both words of such a compound must be this common: rarer parts ("gena", "aktens") let misreadings
split ("Beslutsgana" read as "Beslutsgena"; worn-200 dev pages: three such readings wrong, one right,
before this floor and the limit of two parts; after it one right, none wrong)."""


@lru_cache(maxsize=1)
def _everyday_words() -> dict[str, float]:
    """The word list's everyday words: the parts an OCR look-alike may be read back into."""
    return {word: freq for word, freq in load_word_list().items() if freq >= EVERYDAY_PART_FREQUENCY}


def _undone(word: str, lookalikes: tuple[tuple[str, str, int], ...]) -> set[str]:
    """`word` with one confusion of `lookalikes` undone, every way it can be."""
    return {word[:k] + meant + word[k + len(read):] for read, meant, shortest in lookalikes
            if len(word) >= shortest for k in range(len(word)) if word.startswith(read, k)}


def restore_lookalikes(words: tuple[Word, ...], lookalikes: tuple[tuple[str, str, int], ...]) -> tuple[Word, ...]:
    """Read back one confusion of `lookalikes` (rules/ocr.yaml: read, meant, shortest word) in a word
    the lexicon's word list does not hold when exactly one such reading is listed (case kept), keeping
    the scanned form as a Repair (`letter-look-alike`). A long word with no listed reading may take the
    one reading that is two everyday words joined, if it is no such compound as read. A word with two
    such readings, or none, is left as read."""
    listed = load_word_list()
    fixed = list(words)
    for i, word in enumerate(words):
        core = word.text.strip(".,;:()!?")
        if len(core) < 3 or not core.isalpha() or core.lower() in listed:
            continue
        lower = core.lower()
        once = _undone(lower, lookalikes)
        known = sorted(r for r in once if r in listed)
        if not known and len(lower) >= TWO_LOOKALIKES_LETTERS:
            known = sorted({r for reading in once for r in _undone(reading, lookalikes) if r in listed})
        if not known and len(lower) >= COMPOUND_LOOKALIKE_LETTERS and not compound_parts(lower, _everyday_words()):
            known = sorted(r for r in once if compound_parts(r, _everyday_words(), most=2))
        if len(known) != 1:
            continue
        if core.islower():
            reading = known[0]
        elif core[0].isupper() and core[1:].islower():
            reading = known[0][0].upper() + known[0][1:]
        else:  # capitals inside: an abbreviation or a name as printed
            continue
        fixed[i] = _repaired(word, word.text.replace(core, reading), "letter-look-alike")
    return tuple(fixed)


TURN_CHECK_BELOW = 0.6
"""A page whose median word confidence is below this may be scanned upside down or
sideways: Tesseract's orientation detection is asked (about 1 s, so only then). Upright
corpus pages read at a median of 0.96; the same page turned 90° or 180° at 0.29."""

TURN_MIN_CONFIDENCE = 2.0
"""Orientation confidence Tesseract must report before a page is turned."""


def _median_confidence(words: tuple[Word, ...]) -> float:
    return statistics.median(w.confidence for w in words) if words else 0.0


def detect_turn(image: Image.Image, job: OcrJob) -> int:
    """Return how many degrees clockwise the page must turn to stand upright (0, 90, 180, 270)."""
    import pytesseract

    try:
        osd = _tesseract(pytesseract.image_to_osd, image, job, config="--psm 0")
    except pytesseract.TesseractError:
        return 0  # too little text to tell: leave the page as it is
    fields = dict(line.split(":", 1) for line in osd.splitlines() if ":" in line)
    rotate = int(fields.get("Rotate", "0").strip() or 0)
    confidence = float(fields.get("Orientation confidence", "0").strip() or 0)
    return rotate if confidence >= TURN_MIN_CONFIDENCE else 0


def unturn(box: BBox, rotate: int, width: float, height: float) -> BBox:
    """Map a box read on the page turned `rotate` degrees clockwise back to the page as scanned.

    Args:
        box: on the turned page, whose size is `width` x `height` (PDF points).
    """
    corners = [(box.x0, box.top), (box.x1, box.bottom)]
    if rotate == 90:
        points = [(y, width - x) for x, y in corners]
    elif rotate == 180:
        points = [(width - x, height - y) for x, y in corners]
    elif rotate == 270:
        points = [(height - y, x) for x, y in corners]
    else:
        return box
    xs, ys = [x for x, _ in points], [y for _, y in points]
    return BBox(min(xs), min(ys), max(xs), max(ys))


def _read_turned(image: Image.Image, job: OcrJob, words: tuple[Word, ...]) -> tuple[tuple[Word, ...], int]:
    """Read a page again turned upright if it reads badly and Tesseract says it is turned.

    Returns:
        The words (boxes on the page as scanned, percent signs re-read) and the turn in
        degrees, or the words unchanged and 0.
    """
    settings = job.settings
    if len(words) <= settings.near_empty_max_words or _median_confidence(words) >= TURN_CHECK_BELOW:
        return words, 0
    rotate = detect_turn(image, job)
    if not rotate:
        return words, 0
    turned = image.rotate(-rotate, expand=True)
    turned_job = job if rotate == 180 else replace(job, width=job.height, height=job.width)
    turned_words = _read_words(turned, turned_job, settings.thresholding, settings.psm)
    if _median_confidence(turned_words) <= _median_confidence(words):
        return words, 0
    turned_words = reread_percent_signs(turned, turned_words, turned_job)
    return tuple(
        w.model_copy(update={"bbox": unturn(w.bbox, rotate, turned_job.width, turned_job.height).rounded()})
        for w in turned_words
    ), rotate


def calibrate(confidence: float, knots: tuple[tuple[float, float], ...]) -> float:
    """Tesseract's word confidence carried onto the observed accuracy of words read so (piecewise
    linear between `knots`); unchanged when there are none."""
    if not knots:
        return confidence
    return round(float(np.interp(confidence, [k[0] for k in knots], [k[1] for k in knots])), 4)


def _prepared_job(job: OcrJob, scan: Image.Image, prepared: Prepared) -> OcrJob:
    """The job for the prepared image: a page of its size at the scan's points per pixel."""
    if prepared.to_scan is None:
        return job
    return replace(job, width=prepared.image.width * job.width / scan.width,
                   height=prepared.image.height * job.height / scan.height)


def _points_to_scan(to_scan: np.ndarray, image: Image.Image, job: OcrJob, scan: Image.Image,
                    scan_job: OcrJob) -> np.ndarray:
    """Turn `to_scan` (pixel centres of the prepared `image` to the scan's) into a homography from
    PDF points on the prepared page to PDF points on the scan; a box's sides lie on pixel edges."""
    centre = np.array([[1, 0, -0.5], [0, 1, -0.5], [0, 0, 1]])
    edge = np.array([[1, 0, 0.5], [0, 1, 0.5], [0, 0, 1]])
    from_points = np.diag([image.width / job.width, image.height / job.height, 1])
    to_points = np.diag([scan_job.width / scan.width, scan_job.height / scan.height, 1])
    return to_points @ edge @ to_scan @ centre @ from_points


def map_box(box: BBox, homography: np.ndarray) -> BBox:
    """The upright box around `box`'s corners carried by `homography` (a word on a turned page
    gets the box that holds it as it lies on the scan)."""
    corners = np.array([[box.x0, box.top, 1], [box.x1, box.top, 1], [box.x1, box.bottom, 1], [box.x0, box.bottom, 1]])
    moved = corners @ homography.T
    xs, ys = moved[:, 0] / moved[:, 2], moved[:, 1] / moved[:, 2]
    return BBox(float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max())).rounded()


def _map_table(table: Table, homography: np.ndarray) -> Table:
    """The table with its own and its cells' boxes carried by `homography`."""
    cells = tuple(c if c.bbox is None else c.model_copy(update={"bbox": map_box(c.bbox, homography)}) for c in table.cells)
    bbox = None if table.bbox is None else map_box(table.bbox, homography)
    return table.model_copy(update={"bbox": bbox, "cells": cells})


def ocr_page(job: OcrJob) -> OcrResult:
    """Render (at least `MIN_OCR_DPI`) and OCR one page; retry a near-empty page with Otsu and `--psm 6`.

    A page that stays near-empty gets a `near_empty` warning, not an error: the document
    is still usable, and the auditor sees the warning in the manifest. A page scanned
    upside down or sideways is read turned upright (warning `turned_<degrees>`), its boxes
    mapped back onto the page as scanned, so evidence crops still fall on the words.
    A number read without the thousands spaces the page shows ("2500" for "2 500") is split.
    A page box too large for the pixel limit at its resolution is read at a lower one (a
    warning says so); a page that needs more memory or Tesseract time than its limit fails.
    """
    try:
        return _ocr_page(job)
    except MemoryError as err:  # the worker's address-space cap (executor.py) or the machine's memory
        raise LimitError(f"page {job.page_number} needs more memory than this process may use (an OCR worker's "
                         "limit is limits.worker_memory_mb in rules/ingest.yaml)", doc_id=job.doc_id,
                         stage="ocr") from err


PAGE_MEMORY_BYTES = 256 * 1024 * 1024
"""Blocks up to this size that a process reading pages keeps when freed (`keep_page_memory`)."""

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters (malloc.h)


@lru_cache(maxsize=1)
def keep_page_memory() -> None:
    """Have glibc's malloc keep freed blocks of up to `PAGE_MEMORY_BYTES` for the next page.

    A page's images (a fax page enlarged is 35 Mpx) are larger than the 32 MB above which glibc
    maps each block afresh and unmaps it when freed, so every page touched new memory. On this
    project's virtual machine that memory comes back from the host page by page: 50-100 ms of
    system time for a 16 MB image, most of the enlarging's time on some fax pages (measured:
    `enlarge` 406 -> 146 ms and 288 -> 128 ms on two dev pages). A process reading pages holds its
    largest page anyway; elsewhere (musl, macOS) malloc is left as it is."""
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return
    mallopt(M_MMAP_THRESHOLD, PAGE_MEMORY_BYTES)
    mallopt(M_TRIM_THRESHOLD, PAGE_MEMORY_BYTES)


def _ocr_page(job: OcrJob) -> OcrResult:
    """Read one page under its limits (see `ocr_page`)."""
    os.environ["OMP_THREAD_LIMIT"] = "1"
    cv2.setNumThreads(1)  # as Tesseract: one thread a page, one page a core (OpenCV's default is one thread a core)
    keep_page_memory()
    limits = job.settings.limits
    if limits.tesseract_seconds:
        job = replace(job, deadline=time.monotonic() + limits.tesseract_seconds)
    wanted = max(job.source.dpi, MIN_OCR_DPI)
    dpi = fit_dpi(job.width, job.height, wanted, limits.max_page_pixels)
    warnings: list[str] = []
    if dpi < wanted:
        warnings.append(f"rendered at {dpi} dpi, not {wanted}: the page ({job.width / 72:g} x {job.height / 72:g} in) "
                        "would exceed limits.max_page_pixels")
    scan = render_page(job.source, dpi=dpi)
    prepared = prepare_page(scan, dpi, pixel_aspect(job.source), job.source.rows_dpi)  # the evidence image stays the scan as it is
    warnings += [f"prepared_{step}" for step in prepared.steps]
    scan_job, job = job, _prepared_job(job, scan, prepared)
    if "soften" in prepared.steps or "unwarp" in prepared.steps:  # a fax's coarse rows or a photographed sheet:
        job = replace(job, settings=replace(job.settings, lang=job.settings.page_lang(hard_capture=True)))  # both models
    rule_masks = find_rules(prepared.image, dpi)
    image = erase_rules(prepared.image, rule_masks)
    if prepared.enlarge > 1:  # after the rules: found at the rendered resolution; boxes stay in points
        image = enlarge(image, prepared.enlarge, dpi, limits.max_page_pixels)
    settings = job.settings
    words = _read_words(image, job, settings.thresholding, settings.psm)
    if len(words) <= settings.near_empty_max_words:
        retry = _read_words(image, job, OTSU, 6)
        if len(retry) > len(words):
            words = retry
            warnings.append("retried_otsu_psm6")
        if len(words) <= settings.near_empty_max_words:
            warnings.append("near_empty")
    if "despeckle" not in prepared.steps:
        words = _without_short_digits(words)
    upright, rotate = _read_turned(image, job, words)
    if rotate:
        words = upright
        warnings.append(f"turned_{rotate}")
    else:
        if (read := read_unread_lines(image, words, job)) != words:
            words = read
            warnings.append("read_unread_lines")
        words = restore_minus_signs(image, split_glued_figures(image, split_digit_groups(image, words, job), job), job)
        words = restore_section_signs(split_section_signs(image, reread_percent_signs(image, words, job), job))
        words = restore_party_letters(words, job.settings.party_letter_misreadings)
        words = restore_figures(words, job.settings.figure_misreadings)
        words = restore_hex_digits(reread_hex_identifiers(image, words, job))
        words = restore_lookalikes(words, job.settings.letter_lookalikes)
    evidence, scale = evidence_jpeg(scan, dpi)
    tables: tuple[Table, ...] = ()
    if not rotate:
        def grid(words: tuple[Word, ...]) -> tuple[Table, ...]:
            return tuple(grid_tables(rule_masks.horizontal, rule_masks.vertical, rule_masks.points_per_pixel,
                                     words, job.page_number, rule_masks.min_length))
        tables = grid(words)
        if tables and (reread := reread_table_cells(image, list(tables), words, job)) != words:
            words, tables = reread, grid(reread)
    if prepared.to_scan is not None:
        to_scan = _points_to_scan(prepared.to_scan, prepared.image, job, scan, scan_job)
        words = tuple(w.model_copy(update={"bbox": map_box(w.bbox, to_scan)}) for w in words)
        tables = tuple(_map_table(t, to_scan) for t in tables)
    if settings.confidence_map:
        words = tuple(w.model_copy(update={"confidence": calibrate(w.confidence, settings.confidence_map)}) for w in words)
    return OcrResult(
        doc_id=job.doc_id,
        page_number=job.page_number,
        words=words,
        warnings=tuple(warnings),
        evidence=evidence,
        evidence_scale=scale,
        dpi=dpi,
        tables=tables,
    )
