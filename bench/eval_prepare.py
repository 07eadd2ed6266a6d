"""Words lost on the real papers' captures with and without page preparation (pipeline/prepare.py).

OCRs a sample of the development papers' pages (corpus/real/split.json, part "dev") of each capture
profile twice, through `ocr_page` as the pipeline runs it: once as it is, once with preparation
switched off. Words lost (issue 14) = sum of |Counter(lower-cased \\w+ tokens of the truth page) -
Counter(the same tokens of the OCR words)| over the sample / number of truth tokens; also of the
words as the output document holds them, after the repair stage. One process,
one Tesseract thread, so the two passes time alike. Issue 14 item 4: the time between rendering and
Tesseract (preparation, rule finding and erasure, and writing the image file pytesseract hands
Tesseract) against the rest of the time inside Tesseract's calls, median of the per-page ratio with
preparation on.

    OMP_THREAD_LIMIT=1 .venv/bin/python bench/eval_prepare.py [--pages 12] [--profiles worn-200 phone] [--part test]

`--part test` samples the test papers instead, for the one final measure: it prints only each
profile's aggregate, never a page's text or its words lost (the test part is not for tuning).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import time
from collections import Counter
from pathlib import Path
from unittest import mock

import pdfplumber
import pypdfium2 as pdfium
from PIL import Image

import pipeline.ocr
from pipeline.ingest_pdf import image_resolution, rows_apart
from pipeline.model import Document, Page
from pipeline.ocr import ocr_page
from pipeline.prepare import Prepared
from pipeline.render import PageSource
from pipeline.repair import repair_document
from pipeline.rules import load_rules
from pipeline.tesseract import OcrJob, ocr_settings

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT / "corpus" / "real"
CAPTURE_DPI = {"worn-200": 200, "phone": 200, "photocopy-300": 300, "fax-standard": 204, "fax-fine": 204, "rotated": 300}
"""The resolution ingest.py gives each profile's pages (their image's width over the page's)."""
RULES = load_rules()
BETWEEN = ("prepare_page", "find_rules", "erase_rules", "enlarge")
"""What ocr.py runs between rendering and Tesseract."""


PAGE_LOST = 0.5
"""A page counts as lost (issue 14) when more than this share of its words is lost."""


def tokens(text: str) -> Counter[str]:
    """Bag of lower-cased words, as issue 14 counts words lost."""
    return Counter(re.findall(r"\w+", text.lower()))


def sample(profile: str, count: int, part: str = "dev") -> list[tuple[Path, int, str]]:
    """Return `count` (capture PDF, page index, truth text) spread evenly over the pages of `part`'s papers."""
    stems = sorted(Path(name).stem for name in json.loads((REAL / "split.json").read_text())[part])
    pages = []
    for stem in stems:
        pdf = REAL / "captures" / profile / f"{stem}.pdf"
        if not pdf.is_file():
            continue
        truth = (REAL / "truth" / f"{stem}.txt").read_text(encoding="utf-8").split("\f")
        doc = pdfium.PdfDocument(str(pdf))
        pages += [(pdf, i, truth[i]) for i in range(min(len(doc), len(truth)))]
        doc.close()
    step = max(1, len(pages) / count)
    return [pages[int(k * step)] for k in range(min(count, len(pages)))]


class Clock:
    """Seconds spent in some functions of pipeline.ocr, while patched in."""

    def __init__(self, names: tuple[str, ...]) -> None:
        self.seconds = 0.0
        self.patches = [mock.patch.object(pipeline.ocr, name, self.timed(getattr(pipeline.ocr, name))) for name in names]

    def timed(self, function):  # type: ignore[no-untyped-def]
        def call(*args, **kwargs):  # type: ignore[no-untyped-def]
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - start
        return call

    def __enter__(self) -> Clock:
        for patch in self.patches:
            patch.start()
        return self

    def __exit__(self, *exc: object) -> None:
        for patch in self.patches:
            patch.stop()


class Handoff:
    """Seconds spent writing the page for Tesseract (pytesseract's temporary image file): the
    pipeline's work between rendering and Tesseract, though it happens inside `_tesseract`."""

    def __init__(self) -> None:
        self.seconds = 0.0
        save = Image.Image.save

        def timed(image: Image.Image, target, format=None, **kwargs):  # type: ignore[no-untyped-def]
            start = time.perf_counter()
            try:
                return save(image, target, format=format, **kwargs)
            finally:
                if format in ("PPM", "PNG"):  # not the evidence JPEG
                    self.seconds += time.perf_counter() - start
        self.patch = mock.patch.object(Image.Image, "save", timed)

    def __enter__(self) -> Handoff:
        self.patch.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.patch.stop()


def page_job(pdf: Path, index: int, dpi: int) -> OcrJob:
    """The OCR job ingest.py makes for one page of a capture PDF."""
    with pdfplumber.open(pdf) as doc:
        page = doc.pages[index]
        width, height = float(page.width), float(page.height)
        rows_dpi = rows_apart(*image_resolution(page))
    return OcrJob(doc_id=pdf.stem, page_number=index + 1, source=PageSource(pdf, "application/pdf", index, dpi, rows_dpi),
                  width=width, height=height, settings=ocr_settings(RULES))


def read(pdf: Path, index: int, dpi: int) -> tuple[str, tuple[str, ...], float, float, str]:
    """OCR one page as the pipeline does; return its text, warnings, seconds between rendering and
    Tesseract, seconds inside Tesseract, and its text after the repair stage (as the output
    document holds the page's words)."""
    with Clock(BETWEEN) as between, Clock(("_tesseract",)) as tesseract, Handoff() as handoff:
        result = ocr_page(page_job(pdf, index, dpi))
    page = Page(number=index + 1, kind="ocr", width=0, height=0, words=result.words)
    doc = Document(doc_id=pdf.stem, source=pdf.name, media_type="application/pdf", pipeline_version="eval",
                   rules_hash="eval", pages=(page,))
    repaired = repair_document(doc, RULES).pages[0].words
    return (" ".join(w.text for w in result.words), result.warnings, between.seconds + handoff.seconds,
            tesseract.seconds - handoff.seconds,
            " ".join(w.text for w in repaired))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=12)
    parser.add_argument("--profiles", nargs="+", default=["worn-200", "phone", "photocopy-300", "fax-standard"])
    parser.add_argument("--part", choices=("dev", "test"), default="dev", help="test: aggregate figures only")
    args = parser.parse_args()
    os.environ["OMP_THREAD_LIMIT"] = "1"
    for profile in args.profiles:
        lost = {"before": 0, "after": 0, "repaired": 0}
        ratios = {"before": [], "after": []}
        tesseract = {"before": 0.0, "after": 0.0}
        total = pages_lost = 0
        figures = {"truth": 0, "lost": 0}  # tokens of digits only: the figures of a page, apart
        pages = sample(profile, args.pages, args.part)
        for pdf, index, truth in pages:
            truth_tokens = tokens(truth)
            total += sum(truth_tokens.values())
            with mock.patch("pipeline.ocr.prepare_page", lambda image, dpi, aspect=1.0, rows_dpi=0: Prepared(image)):
                text, _, between, inside, _ = read(pdf, index, CAPTURE_DPI[profile])
            lost["before"] += sum((truth_tokens - tokens(text)).values())
            ratios["before"].append(between / inside)
            tesseract["before"] += inside
            text, warnings, between, inside, repaired = read(pdf, index, CAPTURE_DPI[profile])
            missed = truth_tokens - tokens(text)
            lost["after"] += sum(missed.values())
            figures["truth"] += sum(n for t, n in truth_tokens.items() if t.isdigit())
            figures["lost"] += sum(n for t, n in missed.items() if t.isdigit())
            lost["repaired"] += sum((truth_tokens - tokens(repaired)).values())
            pages_lost += sum(missed.values()) > PAGE_LOST * sum(truth_tokens.values())
            ratios["after"].append(between / inside)
            tesseract["after"] += inside
            if args.part == "test":
                continue
            steps = [w for w in warnings if w.startswith("prepared_")]
            print(f"  {profile} {pdf.stem[:40]} p{index + 1}: {','.join(steps) or '-'} "
                  f"lost {sum(missed.values())}/{sum(truth_tokens.values())}: "
                  + ", ".join(f"{word} ×{n}" if n > 1 else word for word, n in sorted(missed.items())),
                  flush=True)
        print(f"{profile}: {len(pages)} pages, {total} truth words; words lost before {lost['before'] / total:.2%} "
              f"({lost['before']}), after {lost['after'] / total:.2%} ({lost['after']}), "
              f"after the repair stage too {lost['repaired'] / total:.2%} ({lost['repaired']}), pages lost {pages_lost}; "
              f"of them figures (digits only) {figures['lost']} of {figures['truth']}; Tesseract {tesseract['before'] / len(pages):.2f} -> "
              f"{tesseract['after'] / len(pages):.2f} s/page; between rendering and Tesseract, median of "
              f"Tesseract's time: {statistics.median(ratios['before']):.1%} -> {statistics.median(ratios['after']):.1%}",
              flush=True)


if __name__ == "__main__":
    main()
