"""Build corpus/real/ from the 37 real Kungsbacka papers in ../shared/realdev/.

The synthetic corpus tests the pipeline on five seed texts; this one puts the real papers, whose
facts are written down by hand in corpus/real/expected/, through the same kinds of input: a
born-digital PDF per paper that keeps the source layout (columns, tables), degraded captures of it
(captures.py) and multi-paper bundles as the archive stores them.

Run with `.venv/bin/python corpus/real_build.py` (corpus/build.py calls build_real() too). The
output is byte-identical on every run: reportlab runs in invariant mode and every random choice
comes from a numpy generator seeded per (paper, profile, page).
"""
from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml
from reportlab import rl_config

rl_config.invariant = 1
rl_config.useA85 = 0
from reportlab.lib.pagesizes import A4  # noqa: E402
from reportlab.pdfbase.pdfmetrics import stringWidth  # noqa: E402
from reportlab.pdfgen.canvas import Canvas  # noqa: E402
from reportlab.platypus import Table, TableStyle  # noqa: E402

from captures import PROFILES, RENDER_DPI, Capture, capture, draw_captures, render_grey, write_capture_pdf  # noqa: E402
from flat_tables import draw_style, flat_lines  # noqa: E402

SEED = 20250612
ROOT = Path(__file__).resolve().parent
REALDEV = ROOT.parent.parent / "shared" / "realdev"
OUT = ROOT / "real"
BORN, TRUTH, CAPTURES, BUNDLES = OUT / "born-digital", OUT / "truth", OUT / "captures", OUT / "bundles"
LAYOUT = OUT / "layout"  # born-digital, every table set as text in columns of spaces, no rules
FLAT = OUT / "flat"  # born-digital dev papers, every table one line per row, cells one space apart
FLAT_STREAM = 99  # generator stream of the flat profile (captures use their profile's index)
EVERY_PAPER = ("photocopy-300", "worn-200", "phone", "fax-standard")
SAMPLE = ("01", "06", "11", "14", "29", "37")  # fax-fine and rotated: tables, columns, a wide osaker-tabell
BUNDLE_PAPERS = {  # file -> (capture profile or "born-digital", paper numbers in archive order)
    "bundle-ifo-2025-02-20.pdf": ("born-digital", ("01", "02", "03", "04")),
    "bundle-ks-2025-05-27-scanned.pdf": ("photocopy-300", ("31", "32", "33", "06", "08")),
}

PAGE_W, PAGE_H = A4
LEFT, RIGHT, TOP, BOTTOM = 56.0, 48.0, 52.0, 52.0
TEXT_W, TEXT_H = PAGE_W - LEFT - RIGHT, PAGE_H - TOP - BOTTOM
FONT, BOLD = "Helvetica", "Helvetica-Bold"
SIZE, LEADING, GAP, TABLE_SIZE = 10.0, 12.5, 5.0, 9.0
NOMINAL_COLS = 95  # a source line of this many characters spans the text width
SEGMENT = re.compile(r"\S+(?: \S+)*")  # text between runs of 2+ spaces: one layout column
PAGE_MARK = re.compile(r"<!-- sida \d+ -->")
LINK_LINE = re.compile(r"\[[^\]]*\]\([^)]*\)")  # "[Tabell 3-1](handlingar.tabeller/3-1.csv)"
RULE_CELL = re.compile(r":?-{3,}:?")
AMOUNT = re.compile(r"[-−–+]?\d[\d ]*(,\d+)?( ?%)?")


@dataclass
class Item:
    """One unit of a source page: a layout line, a Markdown table, or a gap for blank lines."""

    kind: str  # "line" | "table" | "gap"
    text: str = ""
    rows: list[list[str]] = field(default_factory=list)  # cells with "\n" for <br>


def table_rows(lines: list[str]) -> list[list[str]]:
    """Cells of a Markdown table without its `| --- |` rows, padded to a rectangle."""
    rows = []
    for line in lines:
        cells = [c.strip() for c in line.strip()[1:-1].split("|")]
        if all(RULE_CELL.fullmatch(c) for c in cells):
            continue
        rows.append(["\n".join(part.strip() for part in c.split("<br>")) for c in cells])
    width = max(len(r) for r in rows)
    return [r + [""] * (width - len(r)) for r in rows]


def layout_lines(rows: list[list[str]]) -> list[str]:
    """A table as a word processor without rules sets it: columns padded with spaces, amounts right-aligned."""
    flat = [[" ".join(cell.split("\n")) for cell in row] for row in rows]
    widths = [max(len(row[j]) for row in flat) for j in range(len(flat[0]))]
    amounts = [j > 0 and all(AMOUNT.fullmatch(row[j]) for row in flat[1:] if row[j]) for j in range(len(widths))]
    return ["   ".join(cell.rjust(w) if right else cell.ljust(w) for cell, w, right in zip(row, widths, amounts)).rstrip()
            for row in flat]


TableSetter = Callable[[list[list[str]], int], list[Item]]
"""How a profile sets a Markdown table: its rows (cells with "\n" for <br>) and the 1-based source
line it starts on -> the page items that stand for it."""


def gridded(rows: list[list[str]], line: int) -> list[Item]:
    """A table as one gridded table item (the born-digital profile)."""
    return [Item("table", rows=rows)]


def as_layout_text(rows: list[list[str]], line: int) -> list[Item]:
    """A table as its layout lines, columns padded with spaces (the layout profile)."""
    return [Item("line", text) for text in layout_lines(rows)]


def parse_paper(path: Path, set_table: TableSetter = gridded) -> list[list[Item]]:
    """Source pages as items; the source comment, link-only lines and code fences are not the paper's."""
    pages: list[list[Item]] = []
    table: list[str] = []
    table_line = 0
    for number, raw in enumerate(path.read_text(encoding="utf-8").split("\n")[1:], start=2):
        line = raw.rstrip()
        if line.startswith("|"):
            table_line = table_line if table else number
            table.append(line)
            continue
        if table:
            pages[-1].extend(set_table(table_rows(table), table_line))
            table = []
        if PAGE_MARK.fullmatch(line):
            pages.append([])
        elif not line.strip():
            if pages and pages[-1] and pages[-1][-1].kind != "gap":
                pages[-1].append(Item("gap"))
        elif not LINK_LINE.fullmatch(line.strip()) and not line.startswith("```"):
            pages[-1].append(Item("line", line))
    if table:
        pages[-1].extend(set_table(table_rows(table), table_line))
    for page in pages:
        while page and page[-1].kind == "gap":
            page.pop()
    return pages


def truth_line(item: Item) -> list[str]:
    """What a reader sees: layout columns joined by one space; a table row's cell parts likewise."""
    if item.kind == "line":
        return [" ".join(SEGMENT.findall(item.text))]
    if item.kind == "table":
        return [" ".join(part for cell in row for part in cell.split("\n") if part) for row in item.rows]
    return []


def make_table(rows: list[list[str]], size: float) -> Table:
    """A gridded table, bold header row, amount columns right-aligned, shrunk to the text width."""
    amount_cols = [j for j in range(len(rows[0]))
                   if all(AMOUNT.fullmatch(r[j].replace("\n", " ")) for r in rows[1:] if r[j])
                   and any(r[j] for r in rows[1:])]
    while True:
        table = Table(rows, hAlign="LEFT")
        style = [
            ("FONT", (0, 0), (-1, -1), FONT, size, size * 1.2),
            ("FONT", (0, 0), (-1, 0), BOLD, size, size * 1.2),
            ("GRID", (0, 0), (-1, -1), 0.6, "black"),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 4),
            ("RIGHTPADDING", (0, 0), (-1, -1), 4),
            ("TOPPADDING", (0, 0), (-1, -1), 2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ]
        style += [("ALIGN", (j, 1), (j, -1), "RIGHT") for j in amount_cols]
        table.setStyle(TableStyle(style))
        width, _ = table.wrap(TEXT_W, PAGE_H)
        if width <= TEXT_W:
            return table
        size *= 0.95


def line_size(text: str, size: float) -> float:
    """Largest font size <= `size` at which every layout column ends before the next one starts."""
    unit = TEXT_W / max(NOMINAL_COLS, len(text))
    columns = list(SEGMENT.finditer(text))
    for n, col in enumerate(columns):
        end = columns[n + 1].start() * unit - unit if n + 1 < len(columns) else TEXT_W
        size = min(size, (end - col.start() * unit) / stringWidth(col.group(), FONT, 1.0))
    return size


def page_plan(items: list[Item]) -> tuple[float, list[Table | None]]:
    """Scale (1 = normal leading) at which the page fits, and the tables built at that scale."""
    scale = 1.0
    while True:
        tables = [make_table(it.rows, TABLE_SIZE * scale) if it.kind == "table" else None for it in items]
        height = sum(LEADING * scale if it.kind == "line" else GAP * scale if it.kind == "gap"
                     else tab.wrap(TEXT_W, PAGE_H)[1] + GAP * scale for it, tab in zip(items, tables))
        if height <= TEXT_H:
            return scale, tables
        scale *= 0.97


def draw_paper(canvas: Canvas, pages: list[list[Item]]) -> list[list[str]]:
    """Draw one source page per PDF page; return the truth lines of each page."""
    truth = []
    for items in pages:
        scale, tables = page_plan(items)
        leading = LEADING * scale
        y = PAGE_H - TOP
        for item, table in zip(items, tables):
            if item.kind == "gap":
                y -= GAP * scale
            elif table is not None:
                _, height = table.wrap(TEXT_W, PAGE_H)
                table.drawOn(canvas, LEFT, y - height)
                y -= height + GAP * scale
            else:
                y -= leading
                size = line_size(item.text, min(SIZE, leading / 1.15))
                canvas.setFont(FONT, size)
                unit = TEXT_W / max(NOMINAL_COLS, len(item.text))
                for col in SEGMENT.finditer(item.text):
                    canvas.drawString(LEFT + col.start() * unit, y, col.group())
        canvas.showPage()
        truth.append([line for item in items for line in truth_line(item)])
    return truth


def truth_text(pages: list[list[str]]) -> str:
    """Lines joined by newlines, pages separated by a form feed (as in corpus/truth/)."""
    return "\f".join("\n".join(p) + "\n" for p in pages)


def paper_captures(num: str, born: Path, profile: str) -> list[Capture]:
    """Capture every page of one paper, each page with its own seeded generator."""
    index = PROFILES.index(profile)
    return [capture(profile, page, np.random.default_rng([SEED, int(num), index, p]))
            for p, page in enumerate(render_grey(born, RENDER_DPI[profile]))]


def build_paper(source: Path) -> dict[str, list[dict]]:
    """Born-digital PDF, truth and captures of one paper; return the capture parameters per profile."""
    num, stem = source.name[:2], source.stem
    born = BORN / f"{stem}.pdf"
    canvas = Canvas(str(born), pagesize=A4, invariant=1)
    truth = draw_paper(canvas, parse_paper(source))
    canvas.save()
    (TRUTH / f"{stem}.txt").write_text(truth_text(truth), encoding="utf-8")
    profiles = EVERY_PAPER + (("fax-fine", "rotated") if num in SAMPLE else ())
    params = {}
    for profile in profiles:
        pages = paper_captures(num, born, profile)
        write_capture_pdf(pages, CAPTURES / profile / f"{stem}.pdf")
        params[profile] = [{k: round(v, 4) if isinstance(v, float) else v for k, v in p.params.items()}
                           for p in pages]
    return params


def build_layout(source: Path) -> None:
    """The paper born-digital with its tables set as text: what the text layer of an unruled table gives."""
    canvas = Canvas(str(LAYOUT / f"{source.stem}.pdf"), pagesize=A4, invariant=1)
    draw_paper(canvas, parse_paper(source, as_layout_text))
    canvas.save()


def expected_units(source: Path) -> dict[int, str]:
    """Units of a paper's tables by the source line they start on, from its hand-written expectations."""
    path = OUT / "expected" / f"{source.stem}.yaml"
    if not path.exists():
        return {}
    tables = yaml.safe_load(path.read_text(encoding="utf-8")).get("tables") or []
    return {t["cite"]["line"]: t["unit"] for t in tables if t.get("unit") in ("kr", "tkr", "mnkr")}


def build_flat(source: Path) -> None:
    """A dev paper born-digital with its tables flattened (flat_tables.py), each table's variant seeded."""
    units = expected_units(source)
    count, previous = 0, None

    def set_flat(rows: list[list[str]], line: int) -> list[Item]:
        nonlocal count, previous
        rng = np.random.default_rng([SEED, int(source.name[:2]), FLAT_STREAM, count])
        style = draw_style(rng, units.get(line), previous)
        count, previous = count + 1, style.unit
        return [Item("line", text) for text in flat_lines(rows, style, rng)]

    canvas = Canvas(str(FLAT / f"{source.stem}.pdf"), pagesize=A4, invariant=1)
    draw_paper(canvas, parse_paper(source, set_flat))
    canvas.save()


def build_bundles(sources: dict[str, Path]) -> None:
    """Several whole papers in one PDF, one after the other; bundles.json says where each lies."""
    index = {}
    for name, (kind, nums) in BUNDLE_PAPERS.items():
        canvas = Canvas(str(BUNDLES / name), pagesize=A4, invariant=1)
        listing, truths, first = [], [], 1
        for num in nums:
            source = sources[num]
            if kind == "born-digital":
                pages = len(draw_paper(canvas, parse_paper(source)))
            else:
                captured = paper_captures(num, BORN / f"{source.stem}.pdf", kind)
                draw_captures(canvas, captured)
                pages = len(captured)
            truths.append((TRUTH / f"{source.stem}.txt").read_text(encoding="utf-8"))
            listing.append({"paper": source.name, "first_page": first, "last_page": first + pages - 1})
            first += pages
        canvas.save()
        (TRUTH / "bundles" / f"{Path(name).stem}.txt").write_text("\f".join(truths), encoding="utf-8")
        index[name] = {"capture": kind, "papers": listing, "truth": f"truth/bundles/{Path(name).stem}.txt"}
    text = json.dumps(index, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    (OUT / "bundles.json").write_text(text, encoding="utf-8")


def build_real() -> None:
    """Regenerate corpus/real/ (all but expected/ and split.json); skipped when realdev is absent."""
    if not REALDEV.is_dir():
        print(f"corpus/real: {REALDEV} not found, skipped")
        return
    started = time.monotonic()
    for folder in [BORN, LAYOUT, FLAT, TRUTH / "bundles", BUNDLES] + [CAPTURES / p for p in PROFILES]:
        folder.mkdir(parents=True, exist_ok=True)
    sources = {p.name[:2]: p for p in sorted(REALDEV.glob("[0-9][0-9]_*.md"))}
    with ProcessPoolExecutor() as pool:
        params = dict(zip(sources.values(), pool.map(build_paper, sources.values())))
        list(pool.map(build_layout, sources.values()))
        dev = set(json.loads((OUT / "split.json").read_text(encoding="utf-8"))["dev"])
        list(pool.map(build_flat, [s for s in sources.values() if s.name in dev]))  # dev only: material to tune on
    by_profile: dict[str, dict[str, list[dict]]] = {}
    for source, per_profile in params.items():
        for profile, pages in per_profile.items():
            by_profile.setdefault(profile, {})[source.stem] = pages
    text = json.dumps(by_profile, indent=1, ensure_ascii=False, sort_keys=True) + "\n"
    (OUT / "captures.json").write_text(text, encoding="utf-8")
    build_bundles(sources)
    print(f"corpus/real: {len(sources)} papers in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    build_real()
