"""Page preparation (pipeline/prepare.py) on real capture pages: it fires where it should and only there."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from pipeline.ocr import MIN_OCR_DPI
from pipeline.prepare import SPECKLE_MIN_SHARE, prepare_page, speckle_share
from pipeline.render import PageSource, render_page

ROOT = Path(__file__).resolve().parent.parent
CAPTURES = ROOT / "corpus" / "real" / "captures"
PAPER = "05_ifo-protokoll-donationsfond-2024.pdf"  # a development paper (corpus/real/split.json)


def page(path: Path, dpi: int) -> Image.Image:
    """The first page rendered as ocr_page renders it for Tesseract."""
    if not path.is_file():
        pytest.skip(f"{path} not built")
    return render_page(PageSource(path, "application/pdf", 0, dpi), dpi=max(dpi, MIN_OCR_DPI))


def test_worn_page_is_speckled_and_despeckled_in_place() -> None:
    worn = page(CAPTURES / "worn-200" / PAPER, 200)
    assert speckle_share(worn, MIN_OCR_DPI) > SPECKLE_MIN_SHARE
    prepared, steps = prepare_page(worn, MIN_OCR_DPI)
    assert steps == ["despeckle"]
    assert prepared.size == worn.size  # nothing moves: word boxes stay in the scan's coordinates
    assert speckle_share(prepared, MIN_OCR_DPI) < SPECKLE_MIN_SHARE


@pytest.mark.parametrize("folder,dpi", [("scans-300", 300), ("scans-200", 200)])
def test_clean_scan_is_left_alone(folder: str, dpi: int) -> None:
    clean = page(ROOT / "corpus" / "inputs" / folder / "000-iop-ikf.pdf", dpi)
    assert speckle_share(clean, MIN_OCR_DPI) < SPECKLE_MIN_SHARE / 10
    prepared, steps = prepare_page(clean, MIN_OCR_DPI)
    assert steps == [] and prepared is clean
