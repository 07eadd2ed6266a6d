"""Flattened budget bilagor: how many of their cells the tables stage reads, per capture (run by hand).

The test part's budget bilagor reach the pipeline as flattened layout text (one line per row, cells
one space apart, "NaN" for an empty cell, header cells run together, an uncertain table kept in
columns), a shape the development papers do not hold. `bench/data/flat-bilagor/*.md` are probes of
that shape written by hand (no text of any paper), `expected.yaml` their rows as printed. Each probe
is built as a born-digital PDF with the corpus builder, captured in each profile of
`corpus/captures.py` (seeded), read with `papers run`, and its tables scored: an expected row is
found when a table row's label matches it (rapidfuzz ratio ≥ 85: OCR misreads letters), and each of
its cells is right when the table row's cell in that position prints the same.

    .venv/bin/python bench/eval_flat_bilagor.py [--profiles born-digital photocopy-300 fax-standard phone worn-200] [--work DIR]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import yaml
from rapidfuzz import fuzz
from reportlab.pdfgen.canvas import Canvas

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "corpus")]

import real_build  # noqa: E402
from captures import RENDER_DPI, capture, render_grey, write_capture_pdf  # noqa: E402

from pipeline.model import Document, Table  # noqa: E402

PROBES = ROOT / "bench" / "data" / "flat-bilagor"
SEED = 20261204


def build(profile: str, work: Path) -> Path:
    """The probes as PDFs of one capture profile (born-digital: as drawn)."""
    born, out = work / "born-digital", work / profile
    born.mkdir(parents=True, exist_ok=True)
    out.mkdir(parents=True, exist_ok=True)
    for n, source in enumerate(sorted(PROBES.glob("*.md"))):
        pdf = born / f"{source.stem}.pdf"
        if not pdf.exists():
            canvas = Canvas(str(pdf), pagesize=real_build.A4, invariant=1)
            real_build.draw_paper(canvas, real_build.parse_paper(source))
            canvas.save()
        if profile != "born-digital":
            pages = [capture(profile, page, np.random.default_rng([SEED, n, p]))
                     for p, page in enumerate(render_grey(pdf, RENDER_DPI[profile]))]
            write_capture_pdf(pages, out / pdf.name)
    return out


def rows_of(tables: tuple[Table, ...]) -> list[tuple[str, list[str]]]:
    """Every table row as (label, its cells left to right)."""
    out = []
    for table in tables:
        grid: dict[int, dict[int, str]] = {}
        for cell in table.cells:
            grid.setdefault(cell.row, {})[cell.col] = " ".join(cell.text.split())
        out += [(cells.get(0, ""), [cells.get(c, "") for c in range(1, table.n_cols)]) for _, cells in sorted(grid.items())]
    return out


def score(expected: list[list], tables: tuple[Table, ...]) -> tuple[int, int]:
    """(cells right, cells wrong) of one probe: a cell is wrong when its row was found but it prints otherwise
    (a lone dash, an empty cell as printed, equals an empty cell)."""
    def empty_as_blank(cell: str) -> str:
        return "" if cell in ("-", "–", "−") else cell

    rows, right, wrong = rows_of(tables), 0, 0
    for label, cells in expected:
        found = max(rows, key=lambda r: fuzz.ratio(r[0], label), default=None)
        if found is None or fuzz.ratio(found[0], label) < 85:
            continue
        hits = sum(empty_as_blank(a) == empty_as_blank(b) for a, b in zip(found[1], cells))
        right, wrong = right + hits, wrong + len(cells) - hits
    return right, wrong


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", nargs="*", default=["born-digital", "photocopy-300", "fax-standard", "phone", "worn-200"])
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "flat-bilagor")
    args = parser.parse_args()
    expected = yaml.safe_load((PROBES / "expected.yaml").read_text(encoding="utf-8"))
    total = sum(len(cells) for rows in expected.values() for _, cells in rows)
    print(f"| capture | cells right (of {total}) | cells wrong | " + " | ".join(expected) + " |")
    print("|---|---|---|" + "---|" * len(expected))
    for profile in args.profiles:
        folder = build(profile, args.work)
        out = args.work / f"out-{profile}"
        subprocess.run([sys.executable, "-m", "pipeline.cli", "run", str(folder), "--out", str(out), "--no-progress",
                        "--force", "--no-pdf", "--no-alto"], check=False, stderr=subprocess.DEVNULL)
        docs = {Path(d.source).stem: d for d in (Document.model_validate_json(p.read_text(encoding="utf-8"))
                                                 for p in (out / "documents").glob("*.json"))}
        per = {name: score(rows, docs[name].tables) if name in docs else (0, 0) for name, rows in expected.items()}
        print(f"| {profile} | {sum(r for r, _ in per.values())} | {sum(w for _, w in per.values())} | "
              + " | ".join(f"{r}/{sum(len(c) for _, c in expected[name])}" for name, (r, _) in per.items()) + " |")


if __name__ == "__main__":
    main()
