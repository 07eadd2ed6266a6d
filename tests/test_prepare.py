"""Page preparation (pipeline/prepare.py) on real capture pages: it fires where it should and only there."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pdfplumber
import pytest
from PIL import Image

from pipeline.ingest_pdf import image_resolution, rows_apart
from pipeline.model import BBox
from pipeline.ocr import PERCENT_READER_LANG, ocr_page
from pipeline.prepare import (BINARY_MIN_SHARE, ENLARGE_FACTOR, ENLARGE_RADIUS_INCHES, SPECKLE_MIN_SHARE,
                              TESSERACT_MAX_SIDE, _enlarged, binary_share, despeckle, dropped_lines, enlarge,
                              prepare_page, skew_degrees, speckle_share)
from pipeline.render import PageSource, render_page
from pipeline.rules import load_rules
from pipeline.tesseract import MIN_OCR_DPI, OcrJob, OcrSettings, ocr_settings

ROOT = Path(__file__).resolve().parent.parent
CAPTURES = ROOT / "corpus" / "real" / "captures"
PAPER = "05_ifo-protokoll-donationsfond-2024.pdf"  # a development paper (corpus/real/split.json)


def page(path: Path, dpi: int) -> Image.Image:
    """The first page rendered as ocr_page renders it for Tesseract."""
    if not path.is_file():
        pytest.skip(f"{path} not built")
    return render_page(PageSource(path, "application/pdf", 0, dpi), dpi=max(dpi, MIN_OCR_DPI))


def test_worn_page_is_speckled_despeckled_and_deskewed() -> None:
    worn = page(CAPTURES / "worn-200" / PAPER, 200)
    assert speckle_share(worn, MIN_OCR_DPI) > SPECKLE_MIN_SHARE
    assert prepare_page(worn, MIN_OCR_DPI).steps == ("despeckle", "deskew")  # the copy is turned 1.2 degrees
    assert speckle_share(despeckle(worn, MIN_OCR_DPI), MIN_OCR_DPI) < SPECKLE_MIN_SHARE


def test_a_lost_fax_line_is_found_and_refilled() -> None:
    fax = page(CAPTURES / "fax-standard" / PAPER, 204)  # 204 x 98 dpi, one scan line lost in the header
    assert binary_share(fax) > BINARY_MIN_SHARE
    assert [first for first, _ in dropped_lines(fax, MIN_OCR_DPI)] == [round(133 * MIN_OCR_DPI / 98)]
    prepared = prepare_page(fax, MIN_OCR_DPI)
    assert prepared.steps == ("refill",) and prepared.to_scan is None  # nothing moves


@pytest.mark.parametrize("profile,dpi,resolution,softened", [("fax-standard", 204, (204, 98), True),
                                                             ("photocopy-300", 300, (300, 300), False)])
def test_only_a_scan_of_few_rows_per_inch_is_softened(profile: str, dpi: int, resolution: tuple[int, int],
                                                      softened: bool) -> None:
    path = CAPTURES / profile / PAPER
    fax = page(path, dpi)  # both 1-bit; the fax's 98 rows per inch are drawn three pixel rows tall
    with pdfplumber.open(path) as pdf:
        across, down = image_resolution(pdf.pages[0])  # what ingest.py gives the page's OcrJob
    assert (across, down) == resolution
    prepared = prepare_page(fax, MIN_OCR_DPI, rows_dpi=rows_apart(across, down))
    assert ("soften" in prepared.steps) is softened
    assert prepared.enlarge == (ENLARGE_FACTOR if softened else 1.0)  # read larger by Tesseract, after rule erasure
    plain = prepare_page(fax, MIN_OCR_DPI)  # the same page, its row resolution unknown
    greyed = binary_share(plain.image) - binary_share(prepared.image)  # edges turned grey, for Tesseract to threshold
    assert greyed > 0.05 if softened else greyed == 0


@pytest.mark.parametrize("profile,dpi,languages", [("fax-standard", 204, {"swe+Latin"}), ("phone", 200, {"swe+Latin"}),
                                                    ("photocopy-300", 300, {"swe"})])
def test_a_fax_or_a_photographed_sheet_is_read_with_the_latin_script_model_too(
        profile: str, dpi: int, languages: set[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import pytesseract

    path = CAPTURES / profile / PAPER
    if not path.is_file():
        pytest.skip(f"{path} not built")
    with pdfplumber.open(path) as pdf:
        first = pdf.pages[0]
        rows_dpi, size = rows_apart(*image_resolution(first)), (float(first.width), float(first.height))
    asked: list[str] = []
    read = pytesseract.image_to_data
    monkeypatch.setattr(pytesseract, "image_to_data", lambda *args, **kw: asked.append(kw["lang"]) or read(*args, **kw))
    job = OcrJob(path.stem, 1, PageSource(path, "application/pdf", 0, dpi, rows_dpi), *size, ocr_settings(load_rules()))
    words = {w.text for w in ocr_page(job).words}
    assert set(asked) - {PERCENT_READER_LANG} == languages  # the page and every word read again on it
    assert {"Släps", "församling", "utbetalning", "donationsfond", "Familjeomsorg"} <= words  # Swedish words read whole


def test_a_page_enlarged_around_its_ink_equals_the_whole_page_enlarged() -> None:
    fax = page(CAPTURES / "fax-standard" / PAPER, 204)
    softened = prepare_page(fax, MIN_OCR_DPI, rows_dpi=98).image  # grey edges, white paper between the lines
    sigma = ENLARGE_RADIUS_INCHES * MIN_OCR_DPI * ENLARGE_FACTOR
    assert np.array_equal(np.asarray(enlarge(softened, ENLARGE_FACTOR, MIN_OCR_DPI)),
                          _enlarged(np.asarray(softened), ENLARGE_FACTOR, sigma))
    rng = np.random.default_rng(14)
    for _ in range(40):  # ink at the page's edges and corners, in specks, lines and blocks; some pages blank
        grey = np.full((int(rng.integers(1, 90)), int(rng.integers(1, 90))), 255, np.uint8)
        for _ in range(int(rng.integers(0, 4))):
            top, left = int(rng.integers(0, grey.shape[0])), int(rng.integers(0, grey.shape[1]))
            grey[top:top + int(rng.integers(1, 20)), left:left + int(rng.integers(1, 20))] = rng.integers(0, 255)
        for factor in (2, 3):
            sigma = ENLARGE_RADIUS_INCHES * MIN_OCR_DPI * factor
            assert np.array_equal(np.asarray(enlarge(Image.fromarray(grey), factor, MIN_OCR_DPI)),
                                  _enlarged(grey, factor, sigma))


def test_an_enlarged_page_keeps_to_the_pixel_limit() -> None:
    image = Image.new("L", (100, 200), 255)
    assert enlarge(image, 2.0, MIN_OCR_DPI).size == (200, 400)
    assert enlarge(image, 2.0, MIN_OCR_DPI, max_pixels=45_000).size == (150, 300)
    assert enlarge(image, 2.0, MIN_OCR_DPI, max_pixels=10_000) is image  # never made smaller
    strip = Image.new("L", (60, 20_000), 255)  # a long strip: Tesseract refuses a side over 32 767
    assert max(enlarge(strip, 2.0, MIN_OCR_DPI).size) <= TESSERACT_MAX_SIDE


def test_a_photocopy_has_no_lost_line() -> None:
    copy = page(CAPTURES / "photocopy-300" / PAPER, 300)  # 1-bit too, but no line lost
    assert binary_share(copy) > BINARY_MIN_SHARE
    assert "refill" not in prepare_page(copy, MIN_OCR_DPI).steps


@pytest.mark.parametrize("folder,dpi,skew", [("scans-300", 300, 1.45), ("scans-200", 200, -1.3)])
def test_clean_scan_is_only_deskewed(folder: str, dpi: int, skew: float) -> None:
    clean = page(ROOT / "corpus" / "inputs" / folder / "000-iop-ikf.pdf", dpi)
    assert speckle_share(clean, MIN_OCR_DPI) < SPECKLE_MIN_SHARE / 10
    prepared = prepare_page(clean, MIN_OCR_DPI)
    assert prepared.steps == ("deskew",)
    assert skew_degrees(clean, MIN_OCR_DPI) == pytest.approx(skew, abs=0.1)
    assert abs(skew_degrees(prepared.image, MIN_OCR_DPI)) < 0.2


def test_phone_photo_is_unwarped_from_the_sheet_outline() -> None:
    photo = page(CAPTURES / "phone" / PAPER, 200)  # the sheet turned -4.05 degrees, top edge 4 % short
    prepared = prepare_page(photo, MIN_OCR_DPI)
    assert prepared.steps == ("unwarp",)
    assert abs(skew_degrees(prepared.image, MIN_OCR_DPI)) < 0.3
    assert prepared.to_scan is not None
    corner = prepared.to_scan @ np.array([0, 0, 1])  # the sheet's top-left corner lies inside the photo
    assert 0 < corner[0] / corner[2] < photo.width * 0.2 and 0 < corner[1] / corner[2] < photo.height * 0.2


FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
LINES = ("Kommunstyrelsen beslutar att", "bevilja bidrag till föreningen", "Linköpings stadsmission 2024",
         "enligt förvaltningens förslag", "Ekonomiska konsekvenser saknas")


def synthetic_page(dpi: int) -> tuple[Image.Image, dict[str, tuple[float, float, float, float]]]:
    """A 6 x 3.5 in page of known words and each word's box in pixels (the first of a repeated word)."""
    from PIL import ImageDraw, ImageFont

    if not FONT.is_file():
        pytest.skip(f"{FONT} not installed")
    font = ImageFont.truetype(str(FONT), round(dpi * 14 / 72))  # 14 pt
    image = Image.new("L", (6 * dpi, round(3.5 * dpi)), 255)
    draw = ImageDraw.Draw(image)
    boxes: dict[str, tuple[float, float, float, float]] = {}
    for row, line in enumerate(LINES):
        x, y = 0.4 * dpi, 0.4 * dpi + row * 0.55 * dpi
        for word in line.split():
            box = draw.textbbox((x, y), word, font=font)
            draw.text((x, y), word, font=font, fill=0)
            boxes.setdefault(word, box)
            x = box[2] + draw.textlength(" ", font=font)
    return image, boxes


def read(path: Path, media_type: str, dpi: int, size: tuple[int, int]) -> tuple[dict[str, BBox], tuple[str, ...]]:
    """OCR an image file as ingest.py sets it up (page size from its x resolution)."""
    job = OcrJob("doc", 1, PageSource(path, media_type, 0, dpi), size[0] * 72 / dpi, size[1] * 72 / dpi, OcrSettings())
    result = ocr_page(job)
    found: dict[str, BBox] = {}
    for word in result.words:
        found.setdefault(word.text.strip(".,"), word.bbox)
    return found, result.warnings


def near(found: BBox, expected: tuple[float, float, float, float], tolerance: float) -> bool:
    """Every side of `found` within `tolerance` points of `expected`'s."""
    return all(abs(a - b) <= tolerance for a, b in zip(found, expected))


def test_a_turned_page_is_deskewed_and_its_boxes_land_on_the_turned_scan(tmp_path: Path) -> None:
    dpi, degrees = 300, 3.0
    upright, boxes = synthetic_page(dpi)
    turned = upright.rotate(degrees, resample=Image.BICUBIC, fillcolor=255)  # counter-clockwise about the centre
    path = tmp_path / "turned.png"
    turned.save(path, dpi=(dpi, dpi))
    assert skew_degrees(turned, dpi) == pytest.approx(degrees, abs=0.15)
    found, warnings = read(path, "image/png", dpi, turned.size)
    assert "prepared_deskew" in warnings
    centre = np.array([(turned.width - 1) / 2, (turned.height - 1) / 2])
    rad = np.radians(degrees)
    turn = np.array([[np.cos(rad), np.sin(rad)], [-np.sin(rad), np.cos(rad)]])  # counter-clockwise, y down
    for word, (x0, top, x1, bottom) in boxes.items():
        corners = (np.array([[x0, top], [x1, top], [x1, bottom], [x0, bottom]]) - 0.5 - centre) @ turn.T + centre + 0.5
        expected = (*corners.min(axis=0) * 72 / dpi, *corners.max(axis=0) * 72 / dpi)
        assert word in found, word
        assert near(found[word], (expected[0], expected[1], expected[2], expected[3]), 2.5), (word, found[word], expected)


def test_non_square_fax_pixels_are_read_square_and_boxes_stay_on_the_scan(tmp_path: Path) -> None:
    x_dpi, y_dpi = 204, 98  # standard-mode fax
    square, boxes = synthetic_page(x_dpi)
    fax = square.resize((square.width, round(square.height * y_dpi / x_dpi)), Image.BOX).point(lambda v: 255 * (v > 150))
    path = tmp_path / "fax.tiff"
    fax.save(path, dpi=(x_dpi, y_dpi))
    found, warnings = read(path, "image/tiff", x_dpi, fax.size)
    assert "prepared_square" in warnings
    squash = fax.height / square.height
    for word, (x0, top, x1, bottom) in boxes.items():
        expected = (x0 * 72 / x_dpi, top * squash * 72 / x_dpi, x1 * 72 / x_dpi, bottom * squash * 72 / x_dpi)
        assert word in found, word
        assert near(found[word], expected, 2.5), (word, found[word], expected)
