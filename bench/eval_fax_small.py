"""Small type on a standard fax: words lost on probes set in 6-8 pt and faxed (run by hand).

The test part's long flattened table rows are set in 6-8 pt by the corpus builder (their columns must
fit), a size the development papers never have. `bench/data/flat-bilagor/*.md` (probes written by
hand, no text of any paper) are drawn with the corpus builder at a fixed body size, captured as
`fax-standard` (seeded), and each page OCR-ed through `ocr_page` with page preparation on and off.
Words lost (issue 14) = sum of |Counter(lower-cased \\w+ tokens of the page's truth) - Counter(those of
the OCR words)| / truth tokens; figures (tokens of digits only) apart.

    OMP_THREAD_LIMIT=1 .venv/bin/python bench/eval_fax_small.py [--sizes 6 7 8] [--profile fax-standard] [--seed N] [--no-before]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from unittest import mock

import numpy as np
from reportlab.pdfgen.canvas import Canvas

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "corpus"), str(ROOT / "bench")]

import real_build  # noqa: E402
from captures import RENDER_DPI, capture, render_grey, write_capture_pdf  # noqa: E402
from eval_prepare import CAPTURE_DPI, page_job, tokens  # noqa: E402

from pipeline.ocr import ocr_page  # noqa: E402
from pipeline.prepare import Prepared  # noqa: E402

PROBES = ROOT / "bench" / "data" / "flat-bilagor"
SEED = 20261204


def build(size: float, profile: str, work: Path, seed: int = SEED, only: str | None = None) -> list[tuple[Path, int, str]]:
    """The probes (or the one named `only`) drawn with body and table type of `size` points and captured;
    (PDF, page, truth) each page. A probe's capture is the same drawn alone or with the others."""
    out = work / f"{profile}-{size:g}pt-{seed}"
    out.mkdir(parents=True, exist_ok=True)
    pages = []
    with mock.patch.object(real_build, "SIZE", size), mock.patch.object(real_build, "TABLE_SIZE", size):
        for n, source in enumerate(sorted(PROBES.glob("*.md"))):
            if only is not None and source.stem != only:
                continue
            born, pdf = out / f"{source.stem}-born.pdf", out / f"{source.stem}.pdf"
            canvas = Canvas(str(born), pagesize=real_build.A4, invariant=1)
            truth = real_build.draw_paper(canvas, real_build.parse_paper(source))
            canvas.save()
            if not pdf.exists():
                write_capture_pdf([capture(profile, page, np.random.default_rng([seed, n, p]))
                                   for p, page in enumerate(render_grey(born, RENDER_DPI[profile]))], pdf)
            pages += [(pdf, p, "\n".join(lines)) for p, lines in enumerate(truth)]
    return pages


def lost(truth: str, text: str) -> tuple[int, int, int, int]:
    """(words lost, truth words, figures lost, truth figures) of one page."""
    want = tokens(truth)
    missed = want - tokens(text)
    return (sum(missed.values()), sum(want.values()), sum(n for t, n in missed.items() if t.isdigit()),
            sum(n for t, n in want.items() if t.isdigit()))


def read(pdf: Path, index: int, dpi: int, prepare: bool) -> str:
    """The page's OCR text as the pipeline reads it, with or without page preparation."""
    if prepare:
        return " ".join(w.text for w in ocr_page(page_job(pdf, index, dpi)).words)
    with mock.patch("pipeline.ocr.prepare_page", lambda image, dpi, aspect=1.0, rows_dpi=0: Prepared(image)):
        return " ".join(w.text for w in ocr_page(page_job(pdf, index, dpi)).words)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", type=float, default=[6.0, 7.0, 8.0])
    parser.add_argument("--profile", default="fax-standard")
    parser.add_argument("--seed", type=int, default=SEED, help="of the captures (another seed: other faxes)")
    parser.add_argument("--no-before", action="store_true", help="only with preparation")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "fax-small")
    args = parser.parse_args()
    os.environ["OMP_THREAD_LIMIT"] = "1"
    for size in args.sizes:
        pages = build(size, args.profile, args.work, args.seed)
        for prepare in (False, True)[args.no_before:]:
            total = np.zeros(4, int)
            for pdf, index, truth in pages:
                total += lost(truth, read(pdf, index, CAPTURE_DPI[args.profile], prepare))
            print(f"{args.profile} {size:g} pt, preparation {'on' if prepare else 'off'}: words lost {total[0]} of "
                  f"{total[1]} ({total[0] / total[1]:.1%}), figures {total[2]} of {total[3]}", flush=True)


if __name__ == "__main__":
    main()
