"""Make real OCR damage of the real papers: Tesseract `-l eng` (no Swedish data) on their captures.

Tesseract without Swedish data drops å/ä/ö the way old OCR layers did (a, o, é, 6, d for them),
so its reading of a capture, paired with corpus/real/truth/, is real damage of text that the
repair rules were never written after. Two capture profiles (a photocopy and a phone photo:
different blur, binarisation and noise, so different look-alikes) are each rendered at two
resolutions; every page is read by one single-threaded Tesseract, one page after another (the
machine is shared), and the text is written as `<profile>-<dpi>/<paper>.txt`, pages separated by
a form feed as in corpus/real/truth/. Existing files are kept unless `--force`.

    .venv/bin/python corpus/real/damage/make_damage.py [--force]
"""

from __future__ import annotations

import argparse
import os
import subprocess
from pathlib import Path

os.environ["OMP_THREAD_LIMIT"] = "1"  # before Tesseract starts: one thread, no oversubscription

HERE = Path(__file__).resolve().parent
CAPTURES = HERE.parent / "captures"
PROFILES = ("photocopy-300", "phone")
RESOLUTIONS = (300, 200)


def ocr_pdf(pdf: Path, dpi: int) -> str:
    """Render every page of an image-only capture at `dpi` in greyscale and read it with `-l eng`."""
    import pypdfium2 as pdfium
    import pytesseract

    doc = pdfium.PdfDocument(str(pdf))
    pages = []
    for page in doc:
        image = page.render(scale=dpi / 72.0, grayscale=True).to_pil()
        pages.append(pytesseract.image_to_string(image, lang="eng", config=f"--dpi {dpi}").rstrip("\f"))
    doc.close()
    return "\f".join(pages)


def main(argv: list[str] | None = None) -> int:
    """OCR every capture of the chosen profiles at both resolutions (missing outputs only)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="redo outputs that exist")
    args = parser.parse_args(argv)
    version = subprocess.run(["tesseract", "--version"], capture_output=True, text=True, check=True).stdout
    print(version.splitlines()[0])
    for profile in PROFILES:
        for dpi in RESOLUTIONS:
            out_dir = HERE / f"{profile}-{dpi}"
            out_dir.mkdir(exist_ok=True)
            for pdf in sorted((CAPTURES / profile).glob("*.pdf")):
                out = out_dir / f"{pdf.stem}.txt"
                if out.exists() and not args.force:
                    continue
                out.write_text(ocr_pdf(pdf, dpi), encoding="utf-8")
                print("wrote", out.relative_to(HERE))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
