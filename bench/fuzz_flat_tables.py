"""Flattened bilagor drawn at random: which shapes of the genre the tables stage still misreads (run by hand).

`bench/eval_flat_bilagor.py` scores 22 probes, each written by hand for one shape; every one is read.
A real bilaga combines several shapes at once, and the test part's bilagor are still mostly unread, so
this script draws papers whose tables combine them at random (seeded): a tjänsteskrivelse with a
prose amount and a bilaga of one flattened table, sometimes two — cells one space apart or padded into
layout columns; a header in one line or two, or run together; a unit stated above it, in its first
header cell, in its caption, in a note below it or nowhere (mnkr with a decimal); empty cells as "NaN",
"-" or "0"; a minus as "-", "−" or brackets; labels that wrap onto a second line or hold a digit; a
Summa row, or sections with their totals and a grand total; a percentage column; a comment column; with
`--labels-apart`, a plain table's label column set apart above its rows of figures or its figure columns;
with `--small-values`, tables of a small unit's figures too (most cells under 1 000, printed without a group
space, so that neighbouring cells' digit groups run together: "1 095 1 431 851"); with `--long`, a first
table of 16–40 rows over a page break; with `--gridded`, every table a Markdown table (ruled in the PDF, as
a born-digital bilaga sets it) with a converter's slips: the first row merged into the header
("Utfall 2022<br>4 630", its label in the header's first cell) or the header set one column right of its
figures, and with `--as-text` too those tables set in columns of spaces as the layout profile sets them; with
`--plus-signs`, every table with a deviation column whose gains print a plus ("+1 250"); with `--quoted`, no table
stating its unit but the text quoting one of each table's figures in it, exactly ("-1 145 tkr") or rounded to a
larger unit ("3,7 miljoner kronor"), so that its amounts count only in kronor; with
`--chromium`, every born-digital PDF printed from HTML by headless Chromium (bench/chromium_papers.py) instead of
drawn by the corpus builder.
Every figure is made up, every word is the genre's (no text of any paper). Each paper is built as a
born-digital PDF with the corpus builder, read with `papers run`, and scored: a table row is found when
a row's label matches (rapidfuzz ratio ≥ 85); it is right when every figure cell prints what was drawn
(a minus however drawn, a dash for an empty cell as an empty cell); an amount is found when the paper's
amount facts hold its value in kronor (unit stated) or as printed (no unit); a table amount of a drawn row
has its column's meaning right when its kind and year are those of the header drawn over its figure column
(a row label drawn in both tables of a paper, a wrapped one, against the row printing the amount there).
The misses are counted per shape, so a shape that fails in every combination stands out.

    .venv/bin/python bench/fuzz_flat_tables.py [--papers 60] [--seed 1] [--profile born-digital] [--work DIR] [--show 5]
        [--labels-apart] [--small-values] [--zeros] [--long] [--gridded [--as-text]] [--plus-signs] [--quoted]
        [--chromium [PATH]]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz
from reportlab.pdfgen.canvas import Canvas

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "corpus"), str(ROOT / "bench")]

import real_build  # noqa: E402
from chromium_papers import paper_html, print_pdf  # noqa: E402
from captures import RENDER_DPI, capture, render_grey, write_capture_pdf  # noqa: E402

from pipeline.facts.amounts import printed_number  # noqa: E402
from pipeline.model import Document  # noqa: E402

UNITS = {"tkr": 1000, "kr": 1, "mnkr": 1_000_000}
LABELS = ["Nämnd och förvaltning", "Äldreomsorg", "Hemtjänst", "Särskilt boende", "Funktionsstöd",
          "Individ- och familjeomsorg", "Ekonomiskt bistånd", "Socialpsykiatri", "Missbruksvård",
          "Förskola", "Grundskola", "Gymnasieskola", "Vuxenutbildning", "Elevhälsa", "Kulturskola",
          "Bibliotek", "Fritidsgårdar", "Idrottsanläggningar", "Gator och vägar", "Parker och grönytor",
          "Bemanningsenhet", "Barn och unga", "Vuxna", "Integration", "Arbetsmarknadsenheten",
          "Kost och städ", "Lokalförsörjning", "Digitalisering", "Kompetensutveckling", "Ledning och stöd"]
WRAPPING_LABELS = [("Kompetensutveckling inom", "socialtjänsten"), ("Ombyggnad av kök på", "särskilt boende"),
                   ("Utökad bemanning inom", "hemtjänsten"), ("Projekt för unga vuxna", "i utanförskap")]
DIGIT_LABELS = ["Förskola 1-5 år", "Projekt 2024:3", "Område 2", "LSS 9 § 8"]
SUMMA = ["Summa", "Totalt", "Summa nämnd", "Summa totalt"]
KINDS_WITH_YEAR = ["Budget", "Utfall", "Prognos", "Bokslut", "Förslag", "Plan"]
KINDS_WITHOUT_YEAR = ["Avvikelse", "Ombudgeteras", "Till resultatfond", "Återredovisas", "Beviljat", "Sökt"]
MORE_LABELS = ["Hemtjänst norr", "Hemtjänst söder", "Korttidsboende", "Dagverksamhet", "Boendestöd",
               "Personlig assistans", "Daglig verksamhet", "Familjehemsvård", "Institutionsvård barn",
               "Öppenvård vuxna", "Skyddat boende", "Förebyggande arbete", "Anhörigstöd", "Färdtjänst",
               "Fritidshem", "Grundsärskola", "Modersmål", "Skolskjuts", "Ungdomsmottagning",
               "Föreningsbidrag", "Allmänkultur", "Badhus", "Måltidsservice", "Städ och lokalvård",
               "Fastighetsunderhåll", "Verksamhetssystem", "Nämndsekretariat", "Kvalitet och utveckling",
               "Gemensam administration", "Centrala kostnader"]
"""With `--long`, a longer pool of the genre's row labels: a long table needs up to 40."""
KIND_OF_HEADER = {"Budget": "budget", "Utfall": "utfall", "Prognos": "prognos", "Bokslut": "bokslut", "Förslag": "forslag",
                  "Plan": "budget", "Avvikelse": "avvikelse", "Ombudgeteras": "ombudgetering", "Till resultatfond": "other",
                  "Återredovisas": "other", "Beviljat": "beviljat", "Sökt": "sokt"}
"""The kind of value a drawn header word names (a plan is a budget; money moved to a fund or handed back is other)."""
COMMENTS = ["Upphandlingen blev försenad", "Införandet pågår", "Vakanta tjänster", "Högre volymer än planerat",
            "Enligt plan", "Leverans sker under våren"]


@dataclass
class Drawn:
    """One drawn paper: its source text, its rows as printed, its amounts and the shapes it combines."""

    text: str
    rows: list[tuple[str, list[str]]]
    amounts: list[float | tuple[str, float]]
    shapes: list[str] = field(default_factory=list)
    meanings: list[list[tuple[str, str | None]]] = field(default_factory=list)
    """Per row of `rows`, the (kind, year) of each of its figure columns, left to right, as the header names them."""


def printed(value: int, dash: str, decimals: bool = False, plus: bool = False) -> str:
    """A whole number (tenths with `decimals`) as a Swedish table prints it: thousands spaced, a dash
    for minus ("()": in brackets), a plus before a gain with `plus`."""
    whole, tenth = divmod(abs(value), 10) if decimals else (abs(value), None)
    digits = f"{whole:,}".replace(",", " ") + (f",{tenth}" if tenth is not None else "")
    if value >= 0:
        return f"+{digits}" if plus and value > 0 else digits
    return f"({digits})" if dash == "()" else f"{dash}{digits}"


SECTIONS = [[("Drift", "Summa drift"), ("Investeringar", "Summa investeringar"), "Totalt"],
            [("Fastigheter", "Summa fastigheter"), ("Inventarier", "Summa inventarier"), "Totalt investeringar"]]
"""Each table's sections (name, total) and grand total: a second table's labels are its own."""


def draw(rng: np.random.Generator, labels_apart: bool = False, small_values: bool = False, zeros: bool = False,
         long_tables: bool = False, gridded: bool = False, as_text: bool = False, plus_signs: bool = False,
         quoted: bool = False) -> Drawn:
    """One tjänsteskrivelse with a flattened bilaga of random shape (sometimes two tables); with
    `labels_apart`, a plain table may also come with its label column set apart, with `small_values`
    its figures may be hundreds instead of tens of thousands, with `zeros` most cells of a table may
    be 0 and every printed 0 counts as an amount, with `long_tables` the first table may run to 40
    rows over a page break, with `gridded` the tables are Markdown tables, a born-digital PDF's ruled
    tables, with a converter's slips, and with `as_text` too those tables set as a word processor sets
    them without rules, in columns of spaces, with `plus_signs` every table has a deviation column whose
    gains print a plus, with `quoted` no table states its unit but the text quotes one of each table's figures in
    it, exactly or rounded to a larger unit (all off by default, so that a seed draws the papers it drew before
    the shape was added)."""
    shapes: list[str] = []

    def pick(name: str, options: list, p: list[float] | None = None):  # noqa: ANN202 - any option
        choice = options[rng.choice(len(options), p=p)]
        shapes.append(f"{name}={choice}")
        return choice

    year = int(rng.integers(2022, 2027))
    if quoted:  # the unit is the tables' own, stated only by the text that quotes them
        unit, unit_at = pick("unit", ["tkr", "kr", "mnkr"], [0.7, 0.15, 0.15]), "in the text"
    else:
        unit = pick("unit", ["tkr", "kr", "mnkr", None], [0.5, 0.15, 0.1, 0.25])
        unit_at = pick("unit_at", ["line above", "first header cell", "caption", "note below"]) if unit else None
    header = pick("header", ["one line", "two lines", "run together"], [0.5, 0.3, 0.2])
    spacing = pick("spacing", ["one space", "layout columns"])
    empty = pick("empty", ["NaN", "-", "0", "none"], [0.3, 0.2, 0.2, 0.3])
    dash = pick("minus", ["-", "−", "()"], [0.75, 0.15, 0.1])
    percent = pick("percent column", [False, True], [0.8, 0.2])
    comment = pick("comment column", [False, True], [0.8, 0.2])
    wrap = pick("wrapped label", [False, True], [0.7, 0.3])
    digit = pick("digit in label", [False, True], [0.8, 0.2])
    total = pick("summa row", [True, False], [0.8, 0.2])
    sections = pick("sections", [False, True], [0.75, 0.25]) if total else False
    second = pick("second table", [False, True], [0.8, 0.2])
    plain = spacing == "one space" and header == "one line" and not (sections or wrap or comment or percent)
    size = pick("magnitude", ["tens of thousands", "hundreds"]) if small_values else "tens of thousands"
    zero_share = pick("zero cells", [0.15, 0.4, 0.7], [0.3, 0.4, 0.3]) if zeros else 0.15
    long = pick("long table", ["no", "header once", "header repeated"], [0.4, 0.3, 0.3]) if long_tables and not gridded else "no"
    foot = pick("page foot", ["2", "2 (3)", "Sida 2 av 3", "Socialförvaltningen  Tjänsteskrivelse  2 (3)"]) if long != "no" else ""
    head = pick("page head", ["none", "Socialnämnden  Kommunen", "Bilaga 1 (forts.)"]) if long != "no" else ""
    # a first row merged into the header takes the header's first cell: a unit stated there is not drawn with it
    slips = ["none", "header shifted"] + ([] if unit_at == "first header cell" else ["first row in header"])
    slip = pick("converter slip", slips) if gridded else "none"
    apart = pick("labels apart", ["no", "rows", "columns"], [0.4, 0.3, 0.3]) if labels_apart and plain and empty != "none" and long == "no" else "no"
    decimals = unit == "mnkr"
    pool = [str(x) for x in rng.permutation(LABELS + (MORE_LABELS if long_tables else []))]
    rows: list[tuple[str, list[str]]] = []
    amounts: list[float | tuple[str, float]] = []
    meanings: list[list[tuple[str, str | None]]] = []
    merged: list[str] = []  # labels of first rows a converter merged into the header: scored by their amounts only
    quotable: list[list[int]] = []  # per table, the figures the text may quote (its totals', else its rows'), as printed

    def one_table(n_labels: int, number: int) -> tuple[list[str], list[str]]:
        """A table's header lines and row lines; its rows and amounts go to `rows` and `amounts`."""
        kinds = []
        for k in range(int(rng.integers(2, 8))):
            if k == 0 or rng.random() < 0.5:
                kinds.append((str(rng.choice(KINDS_WITH_YEAR)), year - int(rng.integers(0, 2))))
            else:
                kinds.append((str(rng.choice(KINDS_WITHOUT_YEAR)), None))
        kinds = list(dict.fromkeys(kinds))
        if plus_signs and ("Avvikelse", None) not in kinds:
            kinds.insert(int(rng.integers(1, len(kinds) + 1)), ("Avvikelse", None))
        n_cols = len(kinds)
        labels = [pool.pop() for _ in range(n_labels)]
        if digit:
            labels[int(rng.integers(0, n_labels))] = str(rng.choice(DIGIT_LABELS))
        scale = 1000 if unit == "kr" else 1
        low, high, step = (-500, 5000, 10) if size == "tens of thousands" else (-90, 900, 1)
        values = [[int(rng.integers(low, high)) * step * scale if rng.random() < 1 - zero_share else 0 for _ in range(n_cols)]
                  for _ in labels]
        blank = [[empty != "none" and v == 0 and rng.random() < 0.6 for v in row] for row in values]
        # (kind, label, values, blank): a data row, a section's name, a section's or the table's total
        plan: list[tuple[str, str, list[int], list[bool]]] = []
        if sections:
            half = max(1, len(labels) // 2)
            sums = []
            for (name, summa), part in zip(SECTIONS[number][:2], (range(half), range(half, len(labels)))):
                plan.append(("section", name, [], []))
                plan += [("data", labels[r], values[r], blank[r]) for r in part]
                sums.append([sum(values[r][c] for r in part) for c in range(n_cols)])
                plan.append(("total", summa, sums[-1], [False] * n_cols))
            plan.append(("total", SECTIONS[number][2], [sum(s[c] for s in sums) for c in range(n_cols)], [False] * n_cols))
        else:
            plan += [("data", lab, v, b) for lab, v, b in zip(labels, values, blank)]
            if total:
                plan.append(("total", str(rng.choice(SUMMA)) if number == 0 else "Summa investeringar",
                             [sum(v[c] for v in values) for c in range(n_cols)], [False] * n_cols))
        totals = [v for kind, _, vals, _ in plan if kind == "total" for v in vals if abs(v) >= 100]
        quotable.append(totals or [v for kind, _, vals, _ in plan if kind == "data" for v in vals if abs(v) >= 100])
        wrapped_at = None
        if wrap:
            data = [k for k, p in enumerate(plan) if p[0] == "data"]
            wrapped_at = data[int(rng.integers(0, len(data)))]

        head_cells = [f"{kind} {y}" if y else kind for kind, y in kinds]
        first = "Verksamhet" if not (unit and unit_at == "first header cell") else f"Verksamhet ({unit})"
        extra_heads = (["Andel %"] if percent else []) + (["Kommentar"] if comment else [])
        width = 1 + n_cols + len(extra_heads)
        if header == "two lines" and all(y for _, y in kinds):
            head_rows = [[first, *[k for k, _ in kinds], *extra_heads],
                         ["", *[str(y) for _, y in kinds], *[""] * len(extra_heads)]]
        else:
            head_rows = [[first, *head_cells, *extra_heads]]
        grid = []  # the table as a word processor holds it: every line a row of cells
        for k, (kind, label, vals, blanks) in enumerate(plan):
            if kind == "section":
                grid.append([label] + [""] * (width - 1))
                continue
            cells = []
            for (column, _), v, b in zip(kinds, vals, blanks):
                cells.append(empty if b else printed(v, dash, decimals, plus_signs and column == "Avvikelse"))
                if (not b and v) or (zeros and cells[-1] in ("0", "0,0")):  # with `zeros`, a printed 0 is an amount
                    money = v / 10 if decimals else v
                    amounts.append(round(money * UNITS[unit]) if unit else ("unknown", float(money)))
            tail = []
            if percent:
                tail.append(f"{int(rng.integers(1, 100))},{int(rng.integers(0, 10))} %")
            if comment:
                tail.append(str(rng.choice(COMMENTS)) if rng.random() < 0.7 else "")
            shown_label, follow = label, None
            if k == wrapped_at:
                shown_label, follow = WRAPPING_LABELS[int(rng.integers(0, len(WRAPPING_LABELS)))]
            grid.append([shown_label, *cells, *tail])
            if follow:
                grid.append([follow] + [""] * (width - 1))
                shown_label = f"{shown_label} {follow}"
            rows.append((shown_label, cells))
            meanings.append([(KIND_OF_HEADER[kind], None if y is None else str(y)) for kind, y in kinds])
        if gridded:
            return [], markdown_table(head_rows, grid, wrapped_at)
        if spacing == "layout columns":
            laid = real_build.layout_lines(head_rows + grid)
            head_lines, lines = laid[: len(head_rows)], laid[len(head_rows):]
        else:
            head_lines = [" ".join(c for c in row if c) for row in head_rows]
            lines = [" ".join(c for c in row if c) for row in grid]
        if header == "run together":
            head_lines = [first + "".join(head_cells) + "".join(extra_heads)]
        if apart != "no":  # the label column as a block of its own, as a PDF drawn column by column gives it
            labels_block = [first, *(row[0] for row in grid)]
            if apart == "rows":
                return labels_block, [" ".join(head_cells), *(" ".join(row[1:]) for row in grid)]
            return labels_block, [line for c, head in enumerate(head_cells, start=1) for line in [head, *(row[c] for row in grid)]]
        return head_lines, lines

    def markdown_table(head_rows: list[list[str]], grid: list[list[str]], wrapped_at: int | None) -> list[str]:
        """The table as a Markdown table (a ruled table in the born-digital PDF): a header of two lines
        and a wrapped label as two lines of one cell, and the converter's slip: the first row's label
        in the header's first cell and its figures under the header's words ("Utfall 2022<br>79,1"),
        or the header set one column right of its figures (an empty cell under it at the right)."""
        head = [c if not n else f"{c}<br>{n}" for c, n in zip(*head_rows)] if len(head_rows) == 2 else head_rows[0]
        body = [list(row) for row in grid]
        if wrapped_at is not None:  # `grid` holds the label's second line as a row of its own
            line = next(k for k, row in enumerate(body) if row[0] in dict(WRAPPING_LABELS))
            body[line][0] = f"{body[line][0]}<br>{body.pop(line + 1)[0]}"
        if slip == "first row in header" and body[0][1:].count("") < len(body[0]) - 1:
            first_row = body.pop(0)
            head = [first_row[0], *(f"{h}<br>{c}" if c else h for h, c in zip(head[1:], first_row[1:]))]
            merged.append(first_row[0].replace("<br>", " "))
        elif slip == "header shifted":
            head = [head[0], "", *head[1:]]
            body = [[*row, ""] for row in body]
        if as_text:  # as the corpus's layout profile sets a Markdown table
            return real_build.layout_lines([[c.replace("<br>", "\n") for c in row] for row in [head, *body]])
        cells = lambda row: "| " + " | ".join(row) + " |"  # noqa: E731
        # a blank line over it, as every table of ../shared/realdev has one: the corpus builder sets a table right
        # under a line with its top rule on that line's baseline, which no word processor does
        return ["", cells(head), cells(["---"] * len(head)), *map(cells, body)]

    def captioned(title: str, table: tuple[list[str], list[str]]) -> list[str]:
        head_lines, lines = table
        above = [title + (f" ({unit})" if unit and unit_at == "caption" else "")]
        above += [f"Belopp i {unit}"] if unit and unit_at == "line above" else []
        below = [f"Belopp i {unit}"] if unit and unit_at == "note below" else []
        return [*above, *head_lines, *lines, *below, ""]

    def over_a_page_break(table: tuple[list[str], list[str]]) -> tuple[list[str], list[str]]:
        """The table with a page break between two of its rows, as a long bilaga runs on: the page's
        foot (its number, alone or in a line of the paper's name), the next page's head (none, a running
        head, a caption saying the table goes on), and the table's header again or not."""
        head_lines, lines = table
        starts = [k for k, line in enumerate(lines) if k >= 3 and not any(line.startswith(f) for _, f in WRAPPING_LABELS)]
        k = starts[int(rng.integers(0, len(starts)))]
        again = head_lines if long == "header repeated" else []
        opening = [] if head == "none" else [head, ""]
        return head_lines, [*lines[:k], "", foot, "<!-- sida 3 -->", "", *opening, *again, *lines[k:]]

    def quote(figures: list[int], subject: str) -> str:
        """A sentence quoting one of a table's figures in its unit: exactly ("-1 145 tkr"), or rounded to a larger
        unit ("3,7 miljoner kronor" for 3 714 tkr, "125 tkr" for 125 400 kr); a gain or a loss in words or a sign."""
        value = int(figures[int(rng.integers(0, len(figures)))])
        style = pick("quote", ["exact", "rounded"]) if unit != "mnkr" else "exact"
        if style == "rounded" and unit == "tkr" and abs(value) >= 1000:
            figure = f"{abs(value) / 1000:.1f}".replace(".", ",") + str(rng.choice([" miljoner kronor", " mnkr", " miljoner"]))
        elif style == "rounded" and unit == "kr" and abs(value) >= 10_000:
            figure = f"{round(abs(value) / 1000):,}".replace(",", " ") + " tkr"
        else:
            figure = f"{printed(abs(value), '-', decimals)} {unit}"
        if rng.random() < 0.5:
            return f"{subject} visar {'ett underskott' if value < 0 else 'ett överskott'} om {figure} mot budget."
        return f"{subject} avviker med {'-' if value < 0 else ''}{figure} från budget."

    first_table = one_table(int(rng.integers(16, 41)) if long != "no" else int(rng.integers(2, 9)), 0)
    bilaga = captioned(f"Ombudgetering och resultatdisposition {year}",
                       over_a_page_break(first_table) if long != "no" else first_table)
    if second:
        bilaga += captioned(f"Investeringar {year}", one_table(int(rng.integers(2, 6)), 1))
    prose_value = int(rng.integers(1, 90)) * 100
    prose_unit = unit or "tkr"
    amounts.append(prose_value * UNITS[prose_unit])
    quotes = [quote(figures, title) for figures, title in zip(quotable, ["Nämndens resultat", "Investeringarna"]) if figures] if quoted else []
    text = "\n".join([
        "<!-- source: drawn by bench/fuzz_flat_tables.py -->", "<!-- sida 1 -->",
        "SOCIALFÖRVALTNINGEN", "Tjänsteskrivelse", f"{year + 1}-02-14", f"Dnr SN-{year + 1}-0{int(rng.integers(100, 999))}", "",
        f"Ombudgetering av resultatfond {year}", "", "Förslag till beslut",
        f"Socialnämnden föreslår att {printed(prose_value, '-')} {prose_unit} ombudgeteras till {year + 1}.", "", *quotes,
        "Beslutsunderlag", "Tjänsteskrivelse och bilaga 1.", "", "<!-- sida 2 -->", "Bilaga 1", *bilaga,
        "Beslutet skickas till ekonomiavdelningen.", ""])
    kept = [k for k, row in enumerate(rows) if row[0] not in merged]
    return Drawn(text, [rows[k] for k in kept], amounts, shapes, [meanings[k] for k in kept])


def amount_keys(doc: Document) -> Counter:
    """The paper's amount facts as kronor, and as the number printed where no unit was stated; a figure whose
    unit the pipeline took from the text or inferred (`unit_from_text`, `unit_inferred`) also as it prints, as
    `eval_real.py` counts it: a table drawn without a unit under a text quoting "4 700 tkr" is read in tkr."""
    keys: Counter = Counter()
    for f in doc.facts:
        if f.kind != "amount" or not isinstance(f.value, int | float):
            continue
        keys[round(float(f.value), 6) if f.unit == "SEK" else ("unknown", round(float(f.value), 6))] += 1
        printed = printed_number(f.text) if f.unit == "SEK" and (f.attrs.get("unit_from_text") or f.attrs.get("unit_inferred")) else None
        if printed:
            keys[("unknown", round(float(printed[0]), 6))] += 1
    return keys


def same_cells(read: list[str], drawn: list[str]) -> bool:
    """Whether a row's cells print what was drawn: a minus is a minus however drawn, a dash an empty cell."""
    def norm(cell: str) -> str:
        if cell.startswith("(") and cell.endswith(")"):
            cell = "-" + cell[1:-1]
        return "" if cell in ("-", "–") else cell.replace("−", "-")
    return [norm(c) for c in read[: len(drawn)]] == [norm(c) for c in drawn]


def row_cells(doc: Document) -> list[tuple[str, list[str]]]:
    """Every table row of the paper as (label, its cells left to right)."""
    out = []
    for table in doc.tables:
        grid: dict[int, dict[int, str]] = {}
        for cell in table.cells:
            grid.setdefault(cell.row, {})[cell.col] = " ".join(cell.text.split())
        out += [(cells.get(0, ""), [cells.get(c, "") for c in range(1, table.n_cols)]) for _, cells in sorted(grid.items())]
    return out


def score(drawn: Drawn, doc: Document | None) -> tuple[int, int, int, int]:
    """(rows read right, rows, amounts found, amounts) of one paper."""
    if doc is None:
        return 0, len(drawn.rows), 0, len(drawn.amounts)
    found = row_cells(doc)
    right = 0
    for label, cells in drawn.rows:  # a label drawn in both tables of a paper is right in each if read so in each
        hit = next((r for r in found if fuzz.ratio(r[0], label) >= 85 and same_cells(r[1], cells)), None)
        if hit is not None:
            found.remove(hit)
            right += 1
    keys = amount_keys(doc)
    hit = 0
    for a in drawn.amounts:
        k = (a[0], round(a[1], 6)) if isinstance(a, tuple) else round(float(a), 6)
        if keys[k]:
            keys[k] -= 1
            hit += 1
    return right, len(drawn.rows), hit, len(drawn.amounts)


def column_score(drawn: Drawn, doc: Document | None) -> tuple[int, int]:
    """(table amounts whose column kind and year are the drawn header's, table amounts of a drawn row) of one paper:
    an amount fact of a table row whose label matches a drawn row's (ratio >= 85; of rows drawn with one label,
    the one printing the fact's figure in that column) is checked against the header of its figure column."""
    if doc is None:
        return 0, 0
    right = checked = 0
    for f in doc.facts:
        attrs = f.attrs
        if f.kind != "amount" or "table" not in attrs or not attrs.get("row_label"):
            continue
        column = int(attrs.get("col", 0)) - 1
        rows = [k for k, (label, cells) in enumerate(drawn.rows)
                if fuzz.ratio(label, attrs["row_label"]) >= 85 and 0 <= column < len(drawn.meanings[k])]
        printing = [k for k in rows if same_cells([f.text], [drawn.rows[k][1][column]])]
        if not rows:
            continue
        k = (printing or rows)[0]
        checked += 1
        right += (attrs.get("column_kind"), attrs.get("column_year")) == drawn.meanings[k][column]
    return right, checked


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=60)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "fuzz-flat")
    parser.add_argument("--show", type=int, default=5, help="print the source of this many papers that fail")
    parser.add_argument("--labels-apart", action="store_true",
                        help="also draw a plain table's label column as a block of its own (rows or columns after it)")
    parser.add_argument("--profile", default="born-digital", help="a capture profile of corpus/captures.py to scan the papers in")
    parser.add_argument("--zeros", action="store_true",
                        help="also draw tables where most cells are 0, and count every printed 0 as an amount of 0")
    parser.add_argument("--long", action="store_true",
                        help="also draw a first table of 16-40 rows that runs over a page break (its header repeated or not)")
    parser.add_argument("--small-values", action="store_true",
                        help="also draw tables whose figures are hundreds (no group space inside a cell)")
    parser.add_argument("--gridded", action="store_true",
                        help="draw the tables as Markdown tables (ruled in the PDF), with a converter's slips")
    parser.add_argument("--chromium", nargs="?", const=shutil.which("chromium") or "chromium",
                        help="print the born-digital PDFs from HTML with headless Chromium (path, default the one on PATH)")
    parser.add_argument("--plus-signs", action="store_true",
                        help="give every table a deviation column whose gains print a plus (\"+1 250\")")
    parser.add_argument("--as-text", action="store_true",
                        help="with --gridded, set those tables as text in columns of spaces (no rules), as the layout profile does")
    parser.add_argument("--quoted", action="store_true",
                        help="no table states its unit; the text quotes one of each table's figures in it (exactly or rounded)")
    args = parser.parse_args()
    folder = args.work / "born-digital"
    for stale in [folder, args.work / args.profile]:
        stale.mkdir(parents=True, exist_ok=True)
        for old in stale.glob("*"):
            old.unlink()
    drawn = {}
    for n in range(args.papers):
        paper = draw(np.random.default_rng([args.seed, n]), args.labels_apart, args.small_values, args.zeros,
                     args.long, args.gridded, args.as_text, args.plus_signs, args.quoted)
        name = f"fuzz-{args.seed}-{n:03d}"
        source = args.work / f"{name}.md"
        source.write_text(paper.text, encoding="utf-8")
        if args.chromium:  # printed from HTML by headless Chromium, as bench/chromium_papers.py prints the papers
            page = args.work / f"{name}.html"
            page.write_text(paper_html(source), encoding="utf-8")
            print_pdf(args.chromium, page, folder / f"{name}.pdf")
        else:
            canvas = Canvas(str(folder / f"{name}.pdf"), pagesize=real_build.A4, invariant=1)
            real_build.draw_paper(canvas, real_build.parse_paper(source))
            canvas.save()
        drawn[name] = paper
        if args.profile != "born-digital":
            pages = [capture(args.profile, page, np.random.default_rng([args.seed, n, p]))
                     for p, page in enumerate(render_grey(folder / f"{name}.pdf", RENDER_DPI[args.profile]))]
            write_capture_pdf(pages, args.work / args.profile / f"{name}.pdf")
    folder = args.work / args.profile
    out = args.work / "out"
    run = subprocess.run([sys.executable, "-m", "pipeline.cli", "run", str(folder), "--out", str(out), "--no-progress",
                          "--force", "--no-pdf", "--no-alto"], check=False, stderr=subprocess.PIPE, text=True)
    if run.returncode:  # a failed paper is scored as unread below; a crash of the run must be seen
        print(f"papers run exited {run.returncode}:\n{run.stderr[-2000:]}")
    docs = {Path(d.source).stem: d for d in (Document.model_validate_json(p.read_text(encoding="utf-8"))
                                             for p in (out / "documents").glob("*.json"))}
    totals = Counter()
    per_shape: dict[str, Counter] = {}
    failing = []
    for name, paper in drawn.items():
        rows_right, rows, hits, want = score(paper, docs.get(name))
        columns_right, columns = column_score(paper, docs.get(name))
        totals.update(rows_right=rows_right, rows=rows, amounts_hit=hits, amounts=want, papers=1,
                      papers_right=int(rows_right == rows and hits == want), columns_right=columns_right, columns=columns)
        for shape in paper.shapes:
            per_shape.setdefault(shape, Counter()).update(papers=1, right=int(rows_right == rows and hits == want),
                                                          rows_right=rows_right, rows=rows, hits=hits, want=want,
                                                          columns_right=columns_right, columns=columns)
        if rows_right < rows or hits < want:
            failing.append((name, rows_right, rows, hits, want))
    print(f"papers read in full {totals['papers_right']} of {totals['papers']}; rows {totals['rows_right']} of "
          f"{totals['rows']}; amounts {totals['amounts_hit']} of {totals['amounts']}; table amounts with their column's "
          f"kind and year {totals['columns_right']} of {totals['columns']}")
    print("| shape | papers | read in full | rows right | amounts found | column meaning right |\n|---|---|---|---|---|---|")
    for shape, c in sorted(per_shape.items()):
        print(f"| {shape} | {c['papers']} | {c['right']} | {c['rows_right']}/{c['rows']} | {c['hits']}/{c['want']} "
              f"| {c['columns_right']}/{c['columns']} |")
    for name, rows_right, rows, hits, want in failing[: args.show]:
        print(f"\n## {name}: rows {rows_right}/{rows}, amounts {hits}/{want}; {', '.join(drawn[name].shapes)}")
        print("\n".join(drawn[name].text.split("<!-- sida 2 -->")[1].strip().split("\n")[:-1]))


if __name__ == "__main__":
    main()
