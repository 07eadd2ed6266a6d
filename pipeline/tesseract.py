"""What a run needs of OCR before it reads any page: the settings, the job and result of one
page, and the installed Tesseract for the manifest.

Apart from ocr.py, which reads pages with OpenCV, numpy and Pillow: a run of text inputs
imports this module and never that one.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.errors import OcrError
from pipeline.lexicon import StoredAnswers
from pipeline.model import Table, Word
from pipeline.paths import user_cache_dir
from pipeline.render import PageSource

if TYPE_CHECKING:
    from pipeline.rules import Rules

MIN_OCR_DPI = 300
"""Pages scanned at less are upscaled to this before OCR: on the corpus's 200 dpi scans,
Tesseract misread table rows ("Ve 368 800 kr" for "2 368 800 kr") that it reads at 300."""

SAUVOLA = 2
OTSU = 0
THRESHOLDING_NAMES = {SAUVOLA: "sauvola", OTSU: "otsu"}


@dataclass(frozen=True)
class PageLimits:
    """What reading one page may cost (rules/ingest.yaml: limits); 0 means no limit."""

    max_page_pixels: int = 0
    tesseract_seconds: float = 0.0


@dataclass(frozen=True)
class OcrSettings:
    """What Tesseract is asked to do; recorded in the manifest."""

    lang: str = "swe"
    thresholding: int = SAUVOLA
    psm: int = 3
    near_empty_max_words: int = 10
    limits: PageLimits = PageLimits()
    confidence_map: tuple[tuple[float, float], ...] = ()
    """(Tesseract's confidence, calibrated confidence) knots of rules/ocr.yaml; empty: Tesseract's own."""
    letter_lookalikes: tuple[tuple[str, str, int], ...] = ()
    """Letters Tesseract confuses (rules/ocr.yaml), read back after it; empty: none."""
    party_letter_misreadings: tuple[tuple[str, str], ...] = ()
    """Party letters OCR misreads after a member's name (rules/ocr.yaml), read back; empty: none."""
    figure_misreadings: tuple[tuple[str, str], ...] = ()
    """Figures OCR reads with signs around them (rules/ocr.yaml), read back among figures; empty: none."""
    minus_misreadings: tuple[str, ...] = ()
    """Marks OCR reads for a minus sign glued to its figure (rules/ocr.yaml); empty: none."""
    hard_capture_languages: tuple[str, ...] = ()
    """Languages added on a standard fax's or a photographed sheet's page (rules/ocr.yaml); empty: none."""

    def page_lang(self, hard_capture: bool) -> str:
        """The languages Tesseract reads a page with: the run's, and on a page drawn from a standard fax's
        coarse rows or photographed (`hard_capture`) the ones the rules add."""
        codes = self.lang.split("+")
        return "+".join(codes + [code for code in self.hard_capture_languages if hard_capture and code not in codes])


def ocr_settings(rules: Rules, lang: str = "swe") -> OcrSettings:
    """What Tesseract is asked to do under `rules`: the one place the rules reach a page's job."""
    limits, ocr = rules.ingest.limits, rules.ocr
    return OcrSettings(lang=lang, near_empty_max_words=rules.ingest.near_empty_max_words,
                       limits=PageLimits(limits.max_page_pixels, limits.tesseract_seconds_per_page),
                       confidence_map=ocr.confidence_map, letter_lookalikes=ocr.letter_lookalikes,
                       party_letter_misreadings=ocr.party_letter_misreadings, figure_misreadings=ocr.figure_misreadings,
                       minus_misreadings=ocr.minus_misreadings, hard_capture_languages=ocr.hard_capture_languages)


@dataclass(frozen=True)
class OcrJob:
    """One page to OCR: small and picklable (see executor.py)."""

    doc_id: str
    page_number: int
    source: PageSource
    width: float
    height: float
    settings: OcrSettings
    deadline: float = 0.0
    """When Tesseract must be done with the page (time.monotonic()); set as its reading starts."""


@dataclass(frozen=True)
class OcrResult:
    """Words of one page plus its evidence image."""

    doc_id: str
    page_number: int
    words: tuple[Word, ...]
    warnings: tuple[str, ...]
    evidence: bytes
    evidence_scale: float
    dpi: int
    """The resolution the page was rendered at: lower than the scan's own when the page is too
    large for limits.max_page_pixels."""
    tables: tuple[Table, ...] = ()  # ruled tables read from the page's grid of rules


@dataclass(frozen=True)
class TesseractInfo:
    """The installed Tesseract, for the manifest."""

    version: str
    traineddata_sha256: dict[str, str]


def _tesseract_says(*args: str) -> str:
    """What `tesseract ARGS` prints (both streams: versions print their banner on either)."""
    try:
        done = subprocess.run(["tesseract", *args], capture_output=True, text=True, check=False)
    except OSError as err:
        raise OcrError("Tesseract is not installed; run: sudo apt-get install tesseract-ocr tesseract-ocr-swe") from err
    return done.stdout + done.stderr


TRAINEDDATA_HASHES = "traineddata-sha256.pickle"
"""The language data's fingerprints in the user's cache folder, by file, size and time written."""

_FINGERPRINTS: StoredAnswers[tuple[str, int, int], str] = StoredAnswers(lambda: user_cache_dir() / TRAINEDDATA_HASHES,
                                                                       limit=1000)


def _sha256(path: Path) -> str:
    """The file's SHA-256, kept between runs by the file's place, size and time written: checking the language
    data took 0.16-0.18 s of a 2.1 s run on one born-digital file with the Latin-script model (89 MB) hashed
    afresh, 0.03-0.04 s with the fingerprints kept."""
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    known = _FINGERPRINTS.load().get(key)
    return known if known is not None else _FINGERPRINTS.add(key, hashlib.sha256(path.read_bytes()).hexdigest())


SCRIPT_PACKAGES = {"Latin": "tesseract-ocr-script-latn", "Cyrillic": "tesseract-ocr-script-cyrl",
                   "Greek": "tesseract-ocr-script-grek"}
"""Debian's package of a script model (a language's package is tesseract-ocr-<code>)."""


@lru_cache(maxsize=8)
def check_tesseract(lang: str) -> TesseractInfo:
    """Verify that Tesseract and every language in `lang` ("swe", "swe+eng") are installed.

    Raises:
        OcrError: naming the apt command that installs what is missing.
    """
    version = re.match(r"\s*tesseract v?(\d[\w.]*)", _tesseract_says("--version"))
    listing = _tesseract_says("--list-langs")
    tessdata = re.search(r'"([^"]+)"', listing)
    if not version or not tessdata:
        raise OcrError("cannot read Tesseract's version and tessdata folder from `tesseract --version` and `--list-langs`")
    available = set(listing[tessdata.end():].split()[1:])  # after the folder: "(N):", then one language a line
    missing = [code for code in lang.split("+") if code not in available]
    if missing:
        packages = " ".join(SCRIPT_PACKAGES.get(code, f"tesseract-ocr-{code}") for code in missing)
        raise OcrError(f"Tesseract language data missing for {', '.join(missing)}; run: sudo apt-get install {packages}")
    hashes = {code: _sha256(Path(tessdata.group(1)) / f"{code}.traineddata") for code in lang.split("+")}
    return TesseractInfo(version=version.group(1), traineddata_sha256=hashes)
