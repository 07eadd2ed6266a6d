"""Our OCR beside bare Tesseract and OCRmyPDF on the same capture pages (issue 14, by hand, not in CI).

For a sample of the development papers' pages of each capture profile (`eval_prepare.sample`):
- **ours**: `ocr_page` as the pipeline runs it (render, page preparation, rule erasure, upscaling,
  Tesseract), wall time per page;
- **bare Tesseract**: the page rendered at the capture's resolution to a PNG (not timed), then
  `tesseract PNG - -l swe`;
- **OCRmyPDF**: the page as a one-page PDF, `ocrmypdf -l swe --deskew --clean --force-ocr --jobs 1`,
  its text layer read back with pdfplumber (needs `apt-get install ocrmypdf unpaper`).
One Tesseract thread everywhere (OMP_THREAD_LIMIT=1), one page at a time, so the times compare.
Words lost as in issue 14 (bag of lower-cased `\\w+` tokens of the truth page missing from the output).

    .venv/bin/python bench/ocr_side_by_side.py [--pages 6] [--profiles phone fax-standard photocopy-300 worn-200]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pdfplumber
import pikepdf
import pypdfium2 as pdfium

sys.path.insert(0, str(Path(__file__).resolve().parent))

from eval_prepare import CAPTURE_DPI, page_job, sample, tokens  # noqa: E402

from pipeline.ocr import ocr_page  # noqa: E402


def words_lost(truth: str, text: str) -> tuple[int, int]:
    """(truth words missing from `text`, truth words)."""
    want = tokens(truth)
    return sum((want - tokens(text)).values()), sum(want.values())


def ours(pdf: Path, index: int, dpi: int) -> tuple[str, float]:
    started = time.perf_counter()
    result = ocr_page(page_job(pdf, index, dpi))
    return " ".join(w.text for w in result.words), time.perf_counter() - started


def bare_tesseract(pdf: Path, index: int, dpi: int, work: Path) -> tuple[str, float]:
    image = work / "page.png"
    document = pdfium.PdfDocument(str(pdf))
    document[index].render(scale=dpi / 72).to_pil().save(image, dpi=(dpi, dpi))
    document.close()
    started = time.perf_counter()
    text = subprocess.run(["tesseract", str(image), "-", "-l", "swe"], capture_output=True, text=True, check=True).stdout
    return text, time.perf_counter() - started


def ocrmypdf(pdf: Path, index: int, work: Path) -> tuple[str, float]:
    single, out = work / "page.pdf", work / "page-ocr.pdf"
    with pikepdf.open(pdf) as source, pikepdf.new() as page:
        page.pages.append(source.pages[index])
        page.save(single)
    started = time.perf_counter()
    subprocess.run(["ocrmypdf", "-l", "swe", "--deskew", "--clean", "--force-ocr", "--jobs", "1", "--quiet",
                    "--output-type", "pdf", str(single), str(out)], capture_output=True, check=True)
    seconds = time.perf_counter() - started
    with pdfplumber.open(out) as done:
        return done.pages[0].extract_text() or "", seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=6)
    parser.add_argument("--profiles", nargs="+", default=["phone", "fax-standard", "photocopy-300", "worn-200"])
    args = parser.parse_args()
    os.environ["OMP_THREAD_LIMIT"] = "1"
    have_ocrmypdf = shutil.which("ocrmypdf") is not None and shutil.which("unpaper") is not None
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for profile in args.profiles:
            lost = {"ours": 0, "tesseract": 0, "ocrmypdf": 0}
            seconds: dict[str, list[float]] = {"ours": [], "tesseract": [], "ocrmypdf": []}
            total = 0
            pages = sample(profile, args.pages)
            for pdf, index, truth in pages:
                dpi = CAPTURE_DPI[profile]
                readings = {"ours": ours(pdf, index, dpi), "tesseract": bare_tesseract(pdf, index, dpi, work)}
                if have_ocrmypdf:
                    readings["ocrmypdf"] = ocrmypdf(pdf, index, work)
                for name, (text, spent) in readings.items():
                    missing, count = words_lost(truth, text)
                    lost[name] += missing
                    seconds[name].append(spent)
                total += count
                print(f"  {profile} {pdf.stem[:40]} p{index + 1}: " + ", ".join(
                    f"{name} {words_lost(truth, text)[0]} lost {spent:.1f} s" for name, (text, spent) in readings.items()),
                    flush=True)
            rows.append((profile, len(pages), total, lost, seconds))
    print("\n| capture | pages | truth words | words lost: ours / bare `tesseract -l swe` / OCRmyPDF `--deskew --clean` "
          "| s/page (median): ours / bare / OCRmyPDF |")
    print("|---|---|---|---|---|")
    for profile, n, total, lost, seconds in rows:
        shares = " / ".join(f"{lost[k] / total:.1%}" if seconds[k] else "–" for k in ("ours", "tesseract", "ocrmypdf"))
        times = " / ".join(f"{statistics.median(seconds[k]):.2f}" if seconds[k] else "–" for k in ("ours", "tesseract", "ocrmypdf"))
        print(f"| {profile} | {n} | {total} | {shares} | {times} |")


if __name__ == "__main__":
    main()
