"""Budget tables as a PDF text layer often gives them: one line per row, cells one space apart.

The real test part holds tjänsteskrivelser whose budget bilagor come out of their PDFs this way
("792 575 796 289 -3 714": where one amount ends and the next starts is lost), and the dev part
held no such table. This sets each dev paper's own tables so, in variants drawn per table from a
generator seeded by (paper, table):

- scale: as printed, or one unit down (mnkr cells printed as tkr, tkr as kronor: "-307,2" becomes
  "-307 200"), which keeps every amount in kronor (what the expectations compare) while putting
  digit groups of neighbouring cells side by side;
- caption: the unit stated only in a line above the table ("Belopp i tkr", "(mnkr)");
- header: on one line (multi-word headers run together), split over two or three lines (words of
  every cell stacked, top-aligned), or left out;
- rows: a cell's lines joined into one line, or kept apart as the row's further lines (top-aligned:
  "Löpande 2 500 … 2 500" then "investeringar per år").
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

NUMBER = re.compile(r"(?<![\w,])([-−–]?)(\d{1,3}(?: \d{3})+|\d+)(?:,(\d+))?(?![\w,])")
DOWN = {"mnkr": "tkr", "tkr": "kr"}  # one unit down: every amount printed a thousand times larger
CAPTIONS = {
    "kr": ("Belopp i kronor", "(kr)"),
    "tkr": ("Belopp i tkr", "(tkr)", "Belopp, tusental kronor"),
    "mnkr": ("Belopp i mnkr", "(mnkr)", "Belopp i miljoner kronor"),
}
HEADER_STYLES = ("one-line", "stacked", "none")
ROW_STYLES = ("joined", "wrapped")


@dataclass(frozen=True)
class FlatStyle:
    """How one table is set: its unit as printed, caption, header and row style."""

    unit: str | None  # unit the cells are printed in (None: as the source, unit unknown)
    scaled: bool
    caption: str | None
    header: str
    rows: str


def draw_style(rng: np.random.Generator, unit: str | None, previous: str | None) -> FlatStyle:
    """Draw a table's variant; a table of unknown unit keeps its numbers (the expectations compare them).

    A table printed in another unit than the paper states, or than the table before it was
    printed in (`previous`), always gets its own caption: the paper stays truthful.
    """
    scaled = unit in DOWN and bool(rng.random() < 0.65)
    shown = DOWN[unit] if scaled and unit else unit
    captions = CAPTIONS.get(shown or "", ())
    needs_caption = scaled or (previous is not None and previous != shown)
    caption = str(rng.choice(captions)) if captions and (needs_caption or rng.random() < 0.5) else None
    return FlatStyle(shown, scaled, caption, str(rng.choice(HEADER_STYLES)), str(rng.choice(ROW_STYLES)))


def scale_text(text: str) -> str:
    """Every number of a cell a thousand times larger, in Swedish print ("-307,2" → "-307 200")."""

    def scaled(m: re.Match[str]) -> str:
        value = Decimal(m.group(2).replace(" ", "") + "." + (m.group(3) or "0")) * 1000
        whole = int(value)
        if whole == 0:
            return "0"
        grouped = f"{whole:,}".replace(",", " ")
        fraction = str(value - whole).lstrip("0").lstrip(".").rstrip("0")
        return m.group(1) + grouped + ("," + fraction if fraction else "")

    return NUMBER.sub(scaled, text)


def row_lines(row: list[str], style: str) -> list[str]:
    """A row's text lines: cell lines joined into one, or the k-th lines of every cell as line k."""
    parts = [[p for p in cell.split("\n") if p.strip()] for cell in row]
    if style == "joined":
        return [" ".join(" ".join(p) for p in parts if p)]
    depth = max((len(p) for p in parts), default=0)
    return [" ".join(p[k] for p in parts if len(p) > k) for k in range(depth)]


def stacked_header(row: list[str], rng: np.random.Generator) -> list[str]:
    """A header whose cells break over two or three lines (top-aligned), each cell's words spread over them."""
    depth = int(rng.integers(2, 4))
    lines: list[list[str]] = [[] for _ in range(depth)]
    for cell in row:
        words = cell.split()
        per_line = max(1, -(-len(words) // depth))
        for k in range(depth):
            lines[k] += words[k * per_line:(k + 1) * per_line]
    return [" ".join(words) for words in lines if words]


def header_cell(cell: str) -> tuple[str, str]:
    """A header cell's words and the value of a first data row merged into it ("Utfall 2022<br>79,1")."""
    lines = cell.split("\n")
    if len(lines) > 1 and NUMBER.fullmatch(lines[-1].strip()) and not re.fullmatch(r"(19|20)\d\d", lines[-1].strip()):
        return " ".join(lines[:-1]), lines[-1].strip()
    return " ".join(lines), ""


def flat_lines(rows: list[list[str]], style: FlatStyle, rng: np.random.Generator) -> list[str]:
    """The text lines of one table set in `style`, caption first."""
    if style.scaled:
        rows = [rows[0]] + [[cell if j == 0 else scale_text(cell) for j, cell in enumerate(row)] for row in rows[1:]]
        rows[0] = [cell if j == 0 or not header_cell(cell)[1] else cell.rsplit("\n", 1)[0] + "\n" + scale_text(header_cell(cell)[1])
                   for j, cell in enumerate(rows[0])]
    lines = [style.caption] if style.caption else []
    header, body = rows[0], rows[1:]
    words, merged = zip(*(header_cell(c) for c in header))
    if style.header == "one-line":
        lines += row_lines(header, style.rows)
    elif style.header == "stacked":
        lines += stacked_header(list(words), rng)
        if any(merged[1:]):  # a first data row merged into the header cells stays a line under it
            lines.append(" ".join(m for m in merged[1:] if m))
    elif any(merged[1:]):  # no header line, but the values merged into it stay, after their row label
        lines.append(" ".join([words[0], *(m for m in merged[1:] if m)]))
    for row in body:
        lines += row_lines(row, style.rows)
    return lines
