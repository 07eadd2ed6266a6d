"""The real development papers printed by another PDF producer: Chromium's, from HTML (run by hand).

Every born-digital PDF of the corpus comes from one producer (reportlab, Helvetica, a table as a
reportlab Table), so what the pipeline reads from a text layer was only ever tried on that one's:
its word spacing, its glyph runs, its table borders. A real bilaga comes from Word or a browser.
This script sets each development paper of ../shared/realdev as an HTML page (each source page a
printed page; a layout line's columns at their character positions, as the corpus builder sets
them; a Markdown table as an HTML table with thin borders, a `<br>` as a line break in its cell)
in DejaVu Sans Condensed (about Helvetica's widths), prints it with headless Chromium, runs `papers run` on the PDFs
and scores them as `bench/eval_real.py --reuse` does, as the profile `chromium`.

    .venv/bin/python bench/chromium_papers.py [--part dev|test] [--out-root /tmp/eval-real] [--chromium /usr/bin/chromium]

The test part is printed and scored only as `eval_real.py` reports it (aggregates).
"""

from __future__ import annotations

import argparse
import html
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "corpus")]

import real_build  # noqa: E402

PAGE_CSS = """
@page { size: A4; margin: 52pt 48pt 52pt 56pt; }
body { font-family: "DejaVu Sans Condensed", sans-serif; font-size: 10pt; margin: 0; }
section { page-break-after: always; position: relative; }
.line { position: relative; height: 12.5pt; white-space: pre; }
.line span { position: absolute; top: 0; }
.gap { height: 5pt; }
table { border-collapse: collapse; font-size: 9pt; margin: 3pt 0 5pt 0; }
td { border: 0.5pt solid #000; padding: 1pt 3pt; vertical-align: top; }
td.figure { white-space: nowrap; text-align: right; }
"""


def paper_html(source: Path) -> str:
    """One paper as an HTML document: each source page a section that ends its printed page."""
    unit = real_build.TEXT_W / real_build.NOMINAL_COLS  # pt per source character, as the corpus builder sets lines
    sections = []
    for items in real_build.parse_paper(source):
        parts = []
        for item in items:
            if item.kind == "gap":
                parts.append('<div class="gap"></div>')
            elif item.kind == "table":
                rows = "".join("<tr>" + "".join(f"<td{' class=figure' if real_build.AMOUNT.fullmatch(cell) else ''}>"
                                                f"{'<br>'.join(map(html.escape, cell.split(chr(10))))}</td>" for cell in row)
                               + "</tr>" for row in item.rows)
                parts.append(f"<table>{rows}</table>")
            else:
                # as the corpus builder sets a line: columns at their characters' places, the type shrunk so
                # that no column runs into the next (Helvetica's widths; DejaVu Sans Condensed is about as wide)
                scale = min(1.0, real_build.NOMINAL_COLS / max(1, len(item.text)))
                size = real_build.line_size(item.text, real_build.SIZE)
                spans = "".join(f'<span style="left:{col.start() * unit * scale:.1f}pt">{html.escape(col.group())}</span>'
                                for col in real_build.SEGMENT.finditer(item.text))
                parts.append(f'<div class="line" style="font-size:{size:.2f}pt">{spans}</div>')
        sections.append("<section>" + "".join(parts) + "</section>")
    return f"<!DOCTYPE html><html lang=sv><head><meta charset=utf-8><style>{PAGE_CSS}</style></head><body>{''.join(sections)}</body></html>"


def print_pdf(chromium: str, page: Path, pdf: Path) -> None:
    """Print an HTML file to PDF with headless Chromium, without its header and footer."""
    subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                    f"--print-to-pdf={pdf}", page.as_uri()], check=True, capture_output=True, timeout=120)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-root", type=Path, default=Path("/tmp/eval-real"))
    parser.add_argument("--chromium", default=shutil.which("chromium") or "chromium")
    parser.add_argument("--part", choices=("dev", "test"), default="dev")
    args = parser.parse_args()
    names = json.loads((real_build.OUT / "split.json").read_text(encoding="utf-8"))[args.part]
    out = args.out_root / "chromium"
    with tempfile.TemporaryDirectory(prefix="chromium-papers-") as tmp:
        inputs = Path(tmp) / "in"
        inputs.mkdir()
        for name in names:
            source = real_build.REALDEV / name
            page = Path(tmp) / f"{source.stem}.html"
            page.write_text(paper_html(source), encoding="utf-8")
            print_pdf(args.chromium, page, inputs / f"{source.stem}.pdf")
        papers = Path(sys.executable).parent / "papers"
        subprocess.run([str(papers), "run", str(inputs), "--out", str(out), "--force", "--no-progress"], check=True)
    return subprocess.run([sys.executable, str(ROOT / "bench" / "eval_real.py"), "--profiles", "chromium", "--part", args.part,
                           "--reuse", "--out-root", str(args.out_root)], check=False).returncode


if __name__ == "__main__":
    raise SystemExit(main())
