"""Tesseract behind one module: checks the installation once, OCRs one page per call.

Parallelism belongs to pages, not to Tesseract's threads: every call runs a single-threaded
Tesseract (`OMP_THREAD_LIMIT=1`) and executor.py runs one per core. With its default
OpenMP threads Tesseract took 6.6 s/page here against 1.5 s/page of throughput this way.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pytesseract
from PIL import Image

from pipeline.errors import OcrError
from pipeline.model import BBox, Word
from pipeline.render import PageSource, evidence_jpeg, render_page

SAUVOLA = 2
OTSU = 0
THRESHOLDING_NAMES = {SAUVOLA: "sauvola", OTSU: "otsu"}


@dataclass(frozen=True)
class OcrSettings:
    """What Tesseract is asked to do; recorded in the manifest."""

    lang: str = "swe"
    thresholding: int = SAUVOLA
    psm: int = 3
    near_empty_max_words: int = 10


@dataclass(frozen=True)
class OcrJob:
    """One page to OCR: small and picklable (see executor.py)."""

    doc_id: str
    page_number: int
    source: PageSource
    width: float
    height: float
    settings: OcrSettings


@dataclass(frozen=True)
class OcrResult:
    """Words of one page plus its evidence image."""

    doc_id: str
    page_number: int
    words: tuple[Word, ...]
    warnings: tuple[str, ...]
    evidence: bytes
    evidence_scale: float


@dataclass(frozen=True)
class TesseractInfo:
    """The installed Tesseract, for the manifest."""

    version: str
    traineddata_sha256: dict[str, str]


def _tessdata_dir() -> Path:
    listing = subprocess.run(
        ["tesseract", "--list-langs"], capture_output=True, text=True, check=False
    ).stdout
    match = re.search(r'"([^"]+)"', listing)
    if not match:
        raise OcrError("cannot find Tesseract's tessdata folder in `tesseract --list-langs`")
    return Path(match.group(1))


@lru_cache(maxsize=8)
def check_tesseract(lang: str) -> TesseractInfo:
    """Verify that Tesseract and every language in `lang` ("swe", "swe+eng") are installed.

    Raises:
        OcrError: naming the apt command that installs what is missing.
    """
    try:
        version = str(pytesseract.get_tesseract_version())
        available = set(pytesseract.get_languages(config=""))
    except (pytesseract.TesseractNotFoundError, OSError) as err:
        raise OcrError(
            "Tesseract is not installed; run: sudo apt-get install tesseract-ocr tesseract-ocr-swe"
        ) from err
    missing = [code for code in lang.split("+") if code not in available]
    if missing:
        packages = " ".join(f"tesseract-ocr-{code}" for code in missing)
        raise OcrError(f"Tesseract language data missing for {', '.join(missing)}; run: sudo apt-get install {packages}")
    tessdata = _tessdata_dir()
    hashes = {
        code: hashlib.sha256((tessdata / f"{code}.traineddata").read_bytes()).hexdigest()
        for code in lang.split("+")
    }
    return TesseractInfo(version=version, traineddata_sha256=hashes)


def _read_words(image: Image.Image, job: OcrJob, thresholding: int, psm: int) -> tuple[Word, ...]:
    """Run Tesseract once and turn its word boxes into Words in PDF points."""
    config = f"--psm {psm} -c thresholding_method={thresholding}"
    try:
        data = pytesseract.image_to_data(
            image, lang=job.settings.lang, config=config, output_type=pytesseract.Output.DICT
        )
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


def ocr_page(job: OcrJob) -> OcrResult:
    """Render and OCR one page; retry a near-empty page with Otsu and `--psm 6`.

    A page that stays near-empty gets a `near_empty` warning, not an error: the document
    is still usable, and the auditor sees the warning in the manifest.
    """
    os.environ["OMP_THREAD_LIMIT"] = "1"
    image = render_page(job.source)
    settings = job.settings
    words = _read_words(image, job, settings.thresholding, settings.psm)
    warnings: list[str] = []
    if len(words) <= settings.near_empty_max_words:
        retry = _read_words(image, job, OTSU, 6)
        if len(retry) > len(words):
            words = retry
            warnings.append("retried_otsu_psm6")
        if len(words) <= settings.near_empty_max_words:
            warnings.append("near_empty")
    evidence, scale = evidence_jpeg(image, job.source.dpi)
    return OcrResult(
        doc_id=job.doc_id,
        page_number=job.page_number,
        words=words,
        warnings=tuple(warnings),
        evidence=evidence,
        evidence_scale=scale,
    )
