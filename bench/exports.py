"""Time and size the searchable-PDF and ALTO writers per page, against the OCR time per page.

Reads the documents of an output folder written by `papers run corpus/inputs/`, writes each
scans-300 and born-digital document's PDF and ALTO again (best of three, one core), and OCRs
the same scan pages with `ocr_page` on one core for the comparison. Prints one table row per
group: seconds per page (PDF/A validation apart), bytes added per page.

    .venv/bin/python bench/exports.py extracted/
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from pipeline import searchable_pdf as writer
from pipeline.alto import alto_pages
from pipeline.model import Document
from pipeline.ocr import ocr_page
from pipeline.render import PageSource
from pipeline.tesseract import OcrJob, OcrSettings

ROOT = Path(__file__).resolve().parent.parent
INPUTS = ROOT / "corpus" / "inputs"


def best(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    args = parser.parse_args()
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    manifest = json.loads((args.out / "manifest.json").read_text())
    for group in ("scans-300", "born-digital"):
        pages = pdf_s = check_s = alto_s = pdf_bytes = alto_bytes = 0.0
        ocr_s, ocr_pages = 0.0, 0
        for entry in manifest["inputs"]:
            if not entry["path"].startswith(group + "/"):
                continue
            doc = Document.model_validate_json((args.out / "documents" / f"{entry['doc_id']}.json").read_bytes())
            source = INPUTS / entry["path"]
            result = writer.searchable_pdf(doc, source)
            pdf_s += best(lambda: writer.searchable_pdf(doc, source))
            check_s += best(lambda: writer.pdfa_problems(result.data))
            alto_s += best(lambda: alto_pages(doc))
            pdf_bytes += len(result.data) - source.stat().st_size
            alto_bytes += sum(len(b) for b in alto_pages(doc).values())
            pages += len(doc.pages)
            if group == "scans-300":
                for page in doc.pages:
                    job = OcrJob(doc.doc_id, page.number,
                                 PageSource(path=source, media_type=doc.media_type, index=page.number - 1, dpi=300),
                                 page.width, page.height, OcrSettings())
                    ocr_s += best(lambda: ocr_page(job), repeat=1)
                    ocr_pages += 1
        ocr = f"{ocr_s / ocr_pages:.2f} s" if ocr_pages else "-"
        print(f"{group}: {int(pages)} pages | PDF {pdf_s / pages * 1000:.0f} ms/page "
              f"(of which PDF/A validation {check_s / pages * 1000:.0f} ms), +{pdf_bytes / pages / 1024:.1f} KiB/page | "
              f"ALTO {alto_s / pages * 1000:.1f} ms/page, {alto_bytes / pages / 1024:.1f} KiB/page | OCR {ocr}/page")


if __name__ == "__main__":
    main()
