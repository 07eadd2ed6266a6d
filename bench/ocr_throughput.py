"""OCR throughput: the pipeline's page pool against plain Tesseract with its own threads.

Renders the 300 dpi scans once, then times (a) `ocr_page` over all pages in a process pool
of one single-threaded Tesseract per core (what `papers run` does) and (b) the `tesseract`
CLI run page after page with its default OpenMP threads. Prints seconds per page.

    .venv/bin/python bench/ocr_throughput.py [--pages N]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
import time
from pathlib import Path

import pdfplumber

from pipeline.executor import make_executor
from pipeline.ocr import ocr_page
from pipeline.render import PageSource, render_page
from pipeline.tesseract import OcrJob, OcrSettings

ROOT = Path(__file__).resolve().parent.parent
SCANS = ROOT / "corpus" / "inputs" / "scans-300"


def page_jobs(limit: int) -> list[OcrJob]:
    jobs = []
    for path in sorted(SCANS.glob("*.pdf")):
        with pdfplumber.open(path) as pdf:
            for index, page in enumerate(pdf.pages):
                source = PageSource(path=path, media_type="application/pdf", index=index, dpi=300)
                jobs.append(OcrJob(path.stem, index + 1, source, float(page.width), float(page.height), OcrSettings()))
    return jobs[:limit]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=8)
    args = parser.parse_args()
    jobs = page_jobs(args.pages)
    cores = os.cpu_count() or 1

    started = time.perf_counter()
    results = list(make_executor(cores).run(ocr_page, jobs))
    pool = time.perf_counter() - started
    assert all(not isinstance(r, BaseException) for _, r in results)
    print(f"pipeline, {cores} single-threaded workers: {pool / len(jobs):.2f} s/page ({len(jobs) / pool:.2f} pages/s)")

    with tempfile.TemporaryDirectory() as folder:
        images = []
        for job in jobs:
            path = Path(folder) / f"{job.doc_id}-{job.page_number}.png"
            render_page(job.source).save(path)
            images.append(path)
        env = {k: v for k, v in os.environ.items() if k != "OMP_THREAD_LIMIT"}
        started = time.perf_counter()
        for image in images:
            subprocess.run(["tesseract", str(image), "-", "-l", "swe", "-c", "thresholding_method=2"],
                           capture_output=True, check=True, env=env)
        plain = time.perf_counter() - started
    print(f"tesseract CLI, default threads, sequential: {plain / len(jobs):.2f} s/page ({len(jobs) / plain:.2f} pages/s)")
    print(f"speed-up: {plain / pool:.2f}x")


if __name__ == "__main__":
    main()
