"""Tables on OCR pages, from word boxes: rows are lines, columns are bands of x-positions.

Never from the text stream: when OCR loses a minus sign or a tab, neighbouring cells glue
into one number there, but their boxes stay apart.
"""

from __future__ import annotations

import logging
import re
import statistics
from collections.abc import Callable

from pipeline.model import BBox, Cell, Page, Table, Word
from pipeline.rules import TablesRules
from pipeline.tables._text import find_values, goes_on_label, has_alnum, match_cues, union_bbox
from pipeline.tables.flat_rows import (
    SPECK,
    base_header_start,
    figure_gaps,
    header_label,
    header_words_of,
    is_column_word,
    is_empty_mark,
    is_header_words,
    misread_figures,
    stack_headers,
)

log = logging.getLogger(__name__)

Segment = list[Word]


def word_box_tables(page: Page, rules: TablesRules, taken: list[BBox] | None = None) -> list[Table]:
    """Find tables on an OCR page from the geometry of its words.

    A table region is a run of consecutive lines that each split into at least two segments at
    gaps wider than `column_gap_factor` (`column_gap_factor_text` on a text layer) median word heights; the segments' x-intervals are
    merged into column bands. A region needs `min_rows` rows, `min_columns` bands, and one
    band whose cells mostly hold numbers, so two-column prose stays prose.

    Args:
        page: a page with boxed words (lines numbered in reading order).
        rules: rules/tables.yaml.
        taken: boxes of tables already found on the page; their lines are skipped.
    """
    settings = rules.word_boxes
    words = [w for w in page.words if w.bbox is not None]
    if not words:
        return []
    height = _height(words)
    gap = (settings.column_gap_factor if page.kind == "ocr" else settings.column_gap_factor_text) * height
    lines: dict[int, list[Word]] = {}
    for w in words:
        if not w.bbox.centred_in(taken or []):  # type: ignore[union-attr]
            lines.setdefault(w.line, []).append(w)
    ordered = [sorted(ws, key=lambda w: w.bbox.x0) for _, ws in sorted(lines.items())]  # type: ignore[union-attr]
    if page.kind == "ocr":
        ordered = [misread_figures(_without_bridging_specks(ws)) for ws in _rows_across_blocks(ordered)]
    # a line set smaller than the page (a wide table shrunk to fit) is cut at its own type's gaps
    text_gap = rules.flat_rows.column_gap if page.kind == "ocr" else settings.text_after_figure_gap_text
    segmented = [_segments(ws, gap * min(1.0, _height(ws) / height) if height > 0 else gap, text_gap) for ws in ordered]
    if page.kind == "ocr":  # an OCR speck standing apart ("'", "=" read from dust) is no cell, nor a column
        segmented = [[seg for seg in segs if any(_solid(w) for w in seg)] for segs in segmented]
    tables: list[Table] = []
    start = 0
    for i, segs in enumerate(segmented + [[]]):
        new_header = i > start and len(segs) >= 2 and _header_like(segs, rules)
        if len(segs) >= 2 and not new_header:
            continue
        if i > start and i + 1 < len(segmented) and len(segmented[i + 1]) >= 2 and _section_name(segs, rules):
            continue  # "Fastigheter" between rows: a section of the table, not its end
        run = segmented[start:i]
        if len(run) >= settings.min_rows:
            first_row = None if _header_like(run[0], rules) else _row_above(ordered, start, run, height)
            table = _table(page.number, ([first_row] if first_row else []) + run, rules)
            if table is not None and not table.header:
                table = _with_header_above(table, ordered[: start - (1 if first_row else 0)], height, rules)
            if table is not None:
                tables.append(table)
        start = i if new_header else i + 1
    log.debug("page %d: %d word-box tables", page.number, len(tables))
    return tables


def rows_rejoined(page: Page) -> Page:
    """`page` with its OCR lines that continue one another across a column gap joined into the rows they
    print (`_rows_across_blocks`), numbered in order of their tops: a table Tesseract read column by column
    is then read in rows by the flat-row reader too, where its word boxes leave two columns too close to
    tell apart."""
    if page.kind != "ocr" or any(w.bbox is None for w in page.words):
        return page
    lines: dict[int, list[Word]] = {}
    for w in page.words:
        lines.setdefault(w.line, []).append(w)
    ordered = [sorted(ws, key=lambda w: w.bbox.x0) for _, ws in sorted(lines.items())]  # type: ignore[union-attr]
    rows = _rows_across_blocks(ordered)
    if len(rows) == len(ordered):
        return page
    words = tuple(w.model_copy(update={"line": number}) for number, row in enumerate(rows, 1) for w in row)
    return page.model_copy(update={"words": words})


def _rows_across_blocks(lines: list[list[Word]]) -> list[list[Word]]:
    """Join OCR lines that continue one another across a column gap into the rows they print.

    Tesseract's layout analysis may read a table whose columns stand far apart column by column,
    each column a block of its own, so a row's label and figures come out as lines far apart. A
    line continues the line whose last word ends nearest before its first word begins at the same
    height: the middle of its first word within half a word's height of where the left line's
    last word points, following the page's slant (word boxes are the scan's, and a scan turned by
    2 degrees drops a point every 30 across). Rows are put in order of their first word's top.
    """
    def middle(w: Word) -> tuple[float, float]:
        return (w.bbox.x0 + w.bbox.x1) / 2, (w.bbox.top + w.bbox.bottom) / 2  # type: ignore[union-attr]

    def solid(words: list[Word]) -> list[Word]:  # specks ("." "," read from dust) say nothing of height
        return [w for w in words if sum(ch.isalnum() for ch in w.text) >= 2] or words

    def slants(rows: list[list[Word]]) -> list[float]:
        out = []
        for row in rows:
            words = solid(row)
            (x0, y0), (x1, y1) = middle(words[0]), middle(words[-1])
            if x1 - x0 > 100:
                out.append((y1 - y0) / (x1 - x0))
        return out

    lasts, firsts = [solid(line)[-1] for line in lines], [solid(line)[0] for line in lines]

    def hop(i: int, j: int) -> tuple[float, float, float] | None:
        """How far line j's first word stands right of and below line i's last word (across, down),
        and how far off a row it may stand; None when line j does not begin right of line i's end."""
        last, first = lasts[i], firsts[j]
        if first.bbox.x0 <= lines[i][-1].bbox.x1:  # type: ignore[union-attr]
            return None
        (xa, ya), (xb, yb) = middle(last), middle(first)
        height = min(last.bbox.bottom - last.bbox.top, first.bbox.bottom - first.bbox.top)  # type: ignore[union-attr]
        return xb - xa, yb - ya, 0.5 * height

    hops = {(i, j): h for i in range(len(lines)) for j in range(len(lines)) if i != j and (h := hop(i, j)) is not None}

    def meets(i: int, j: int, slant: float) -> bool:  # line j continues line i where the page's slant points
        h = hops.get((i, j))
        return h is not None and abs(slant * h[0] - h[1]) < h[2]

    def joined(slant: float) -> list[list[Word]]:
        return _join_rows(lines, lambda i, j: meets(i, j, slant))

    # a page read column by column has few long lines to measure its slant on: its slant is the one at
    # which the most lines find the line they continue (joined as if level, a page tilted so far that a
    # hop between columns climbs half a row gave rows that skip and cross, and their slants)
    measured = slants(lines)
    if len(measured) >= 3:
        return joined(statistics.median(measured))
    tried = [slant / 100 for slant in range(-SLANT_SEARCH, SLANT_SEARCH + 1)]
    continued = {slant: len({j for i, j in hops if meets(i, j, slant)}) for slant in tried}
    return joined(max(tried, key=lambda slant: (continued[slant], -abs(slant))))

SLANT_SEARCH = 10
"""Slants tried for a page read column by column, in hundredths: up to 0.10 (a page turned about 6°)."""


def _join_rows(lines: list[list[Word]], meets: Callable[[int, int], bool]) -> list[list[Word]]:
    """The rows `lines` print, each line joined to the one `meets` says continues it, in order of their tops."""
    before: dict[int, int] = {}
    for j in range(len(lines)):
        left = [i for i in range(len(lines)) if i != j and meets(i, j)]
        if left:
            before[j] = max(left, key=lambda i: lines[i][-1].bbox.x1)  # type: ignore[union-attr]
    after: dict[int, int] = {}
    for j, i in sorted(before.items(), key=lambda item: lines[item[0]][0].bbox.x0):  # type: ignore[union-attr]
        after.setdefault(i, j)
    heads = [i for i in range(len(lines)) if i not in after.values()]
    rows = []
    for i in heads:
        row = list(lines[i])
        while i in after:
            i = after[i]
            row += lines[i]
        rows.append(row)
    return sorted(rows, key=lambda row: row[0].bbox.top)  # type: ignore[union-attr]


def _row_above(ordered: list[list[Word]], start: int, run: list[list[Segment]], height: float) -> list[Segment] | None:
    """Return the line just above a table region as its first row, if it is one.

    Right-aligned amounts make the gap between label and number narrowest in the row with
    the widest number, so a table's first row often fails the gap test that finds the rest.
    A line right above the region (within two word heights) with a number standing in the
    region's last column is split at the region's column bands instead; a year is no such number
    (a caption's "Ombudgetering och resultatdisposition 2023" ends over the last column).
    """
    if start == 0:
        return None
    line = ordered[start - 1]
    below = min(w.bbox.top for seg in run[0] for w in seg)  # type: ignore[union-attr]
    if below - max(w.bbox.bottom for w in line) > 2 * height:  # type: ignore[union-attr]
        return None
    bands = _bands(run)
    last = bands[-1]
    if not any(_figure_not_year(w.text) and w.bbox.x1 >= last[0] for w in line):  # type: ignore[union-attr]
        return None
    segments: list[Segment] = []
    current = -1
    for w in line:
        center = (w.bbox.x0 + w.bbox.x1) / 2  # type: ignore[union-attr]
        band = max((c for c, (a, _) in enumerate(bands) if center >= a - height), default=0)
        if band != current:
            segments.append([])
            current = band
        segments[-1].append(w)
    return segments if len(segments) >= 2 else None


def _with_header_above(table: Table, above: list[list[Word]], height: float, rules: TablesRules) -> Table:
    """Give a headerless table the header its text layer ran together on the lines above it.

    An exported budget bilaga often sets its header words one space apart ("Verksamhet Årsbudget
    Bokslut helårsutfall Avvikelse Ombudgeteras till 2025"), so they form one segment that names no
    column by position, or runs its cells together ("ÅrsbudgetHelårs utfallAvvikelse"). Up to three
    such lines right above the table (each within two word heights of the next, figureless but for
    years, naming a column word; a first section's name, "Fastigheter", may stand between them and
    the rows) are cut into the table's columns by their words, as a flat row table's header is.
    """
    lines: list[list[Word]] = []
    top = table.bbox.top if table.bbox else None
    section: list[Word] = []
    for line in reversed(above[-4:]):
        if top is None or top - max(w.bbox.bottom for w in line) > 2 * height:  # type: ignore[union-attr]
            break
        if not is_header_words([part for w in line for part in header_words_of(w.text)], rules):
            named = [w for w in line if has_alnum(w.text)]  # an OCR speck beside it ("Fastigheter .") is none of it
            if lines or section or not named or not _section_name([named], rules):
                break
            section = named  # "Fastigheter" over the first row: the first section's name, under the header
        else:
            lines.insert(0, line)
        top = min(w.bbox.top for w in line)  # type: ignore[union-attr]
        if len(lines) == 3:
            break
    if not lines:
        return table
    lines = lines[base_header_start([[w.text for w in line] for line in lines], rules):]
    header = _header_by_words(lines, table.n_cols, rules)
    if header is None:
        return table
    head = union_bbox([w for line in lines for w in line] + section)
    bbox = table.bbox if head is None or table.bbox is None else BBox(
        min(head.x0, table.bbox.x0), head.top, max(head.x1, table.bbox.x1), table.bbox.bottom)
    return table.model_copy(update={"header": header, "bbox": bbox})


_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_FIGURE = re.compile(r"\d")
_SENTENCE_END = re.compile(r"[.:;!?]$")
_GLYPH_ID = re.compile(r"\(cid:\d+\)")  # pdfminer's name for a glyph without text (a bullet): no figure


def _solid(word: Word) -> bool:
    """A word that is text or a printed dash, not an OCR speck ("'", "=" read from dust)."""
    return has_alnum(word.text) or is_empty_mark(word.text)


def _without_bridging_specks(words: list[Word]) -> list[Word]:
    """A line's words without the specks next to a figure ("13 230 = 20 060", "42 260 '"), which would join
    two cells of a table into one or stand as a column of their own."""
    return [w for k, w in enumerate(words)
            if not SPECK.fullmatch(w.text) or not any(0 <= j < len(words) and _FIGURE.search(words[j].text) for j in (k - 1, k + 1))]


def _section_name(segments: list[Segment], rules: TablesRules) -> bool:
    """Tell whether a line is a short name alone in the label column, like a section heading inside a table."""
    words = [w.text for seg in segments for w in seg]
    return (len(segments) == 1 and 0 < len(words) <= rules.flat_rows.label_max_words
            and not any(_FIGURE.search(t) for t in words) and not _SENTENCE_END.search(words[-1]))


def _header_like(segments: list[Segment], rules: TablesRules) -> bool:
    """Tell whether a line heads a new table: every column after the first names a year or a header cue.

    Two tables set one under the other ("Utfall 2022 … Utfall 2024" twice) would otherwise read
    as one, their column bands merged into neither's.
    """
    rest = segments[1:]
    return len(rest) >= 2 and all((_YEAR.search(" ".join(w.text for w in seg)) or match_cues(seg, rules))
                                  and not _empty_mark(seg) for seg in rest)


def _height(words: list[Word]) -> float:
    return statistics.median(w.bbox.bottom - w.bbox.top for w in words)  # type: ignore[union-attr]


def _segments(words: list[Word], gap: float, column_gap: float) -> list[Segment]:
    """A line's words in runs closer than `gap`; a capitalised word more than `column_gap` character widths
    after a figure (not a year: a header's "Utfall 2022 Utfall 2023" is the bands' to cut) opens a run of its
    own however close: the next cell ("3 890   Enligt plan")."""
    out: list[Segment] = []
    for w in words:
        close = out and w.bbox.x0 - out[-1][-1].bbox.x1 <= gap  # type: ignore[union-attr]
        if close and not _text_after_figure(out[-1][-1], w, column_gap):
            out[-1].append(w)
        else:
            out.append([w])
    return out


def _text_after_figure(before: Word, word: Word, column_gap: float) -> bool:
    """Tell whether `word` opens a text cell after the figure (or empty mark) `before` (see `_segments`)."""
    return bool((_figure_not_year(before.text) or is_empty_mark(before.text)) and word.text[:1].isupper()
                and figure_gaps([before, word], column_gap))


def _figure_not_year(text: str) -> bool:
    """A word holding a digit other than a year's: a figure, where a header's words hold years."""
    return _FIGURE.search(_YEAR.sub("", text)) is not None


def _bands(rows: list[list[Segment]]) -> list[tuple[float, float]]:
    """Merge the x-intervals of all segments into disjoint column bands, left to right."""
    spans = sorted((s[0].bbox.x0, s[-1].bbox.x1) for row in rows for s in row)  # type: ignore[union-attr]
    bands: list[list[float]] = []
    for x0, x1 in spans:
        if bands and x0 <= bands[-1][1]:
            bands[-1][1] = max(bands[-1][1], x1)
        else:
            bands.append([x0, x1])
    return [(a, b) for a, b in bands]


def _table(page: int, rows: list[list[Segment]], rules: TablesRules) -> Table | None:
    settings = rules.word_boxes
    # Columns come from the rows that hold values: a header's words sit closer together than the
    # right-aligned figures under them ("Budget 2024   Bokslut 2024"), so they would join two columns.
    body = [segs for segs in rows if any(_figure_not_year(w.text) for seg in segs[1:] for w in seg)]
    bands = _bands(body if len(body) >= settings.min_rows else rows)
    if len(bands) < settings.min_columns:
        return None
    all_words = [w for segs in rows for seg in segs for w in seg]
    first = [w for seg in rows[0] for w in seg]
    header: tuple[str, ...] = ()
    if not find_values(first, rules) and (match_cues(first, rules) or is_header_words([w.text for w in first], rules)):
        header, rows = _header(rows, bands, rules), rows[(2 if _is_years_line(rows[1:2]) else 1):]
        if not all(header[1:]) and rows and _header_goes_on(rows[0], rules):
            stacked = _header_by_words([first, [w for seg in rows[0] for w in seg]], len(bands), rules)
            header, rows = (stacked, rows[1:]) if stacked else (header, rows)
        if not all(header[1:]):  # header cells set closer than a column's gap ran together: read by their words
            header = _header_by_words([first], len(bands), rules) or header
    grid: dict[tuple[int, int], list[Word]] = {}
    r = -1
    for segs in rows:
        placed = [p for seg in segs for p in _place(seg, bands)]
        if r >= 0 and _rest_of_row(grid, r, placed, len(bands)):
            for col, words in placed:
                grid[(r, col)].extend(words)
            continue
        r += 1
        for col, words in placed:
            grid.setdefault((r, col), []).extend(words)
    n_rows = r + 1
    if not _has_numeric_column(grid, n_rows, len(bands), rules) or _ragged(grid, len(bands)):
        return None
    cells = [
        Cell(row=r, col=c, text=" ".join(w.text for w in ws), bbox=union_bbox(ws))
        for (r, c), ws in sorted(grid.items())
        if any(has_alnum(w.text) for w in ws)
    ]
    return Table(
        page=page,
        bbox=union_bbox(all_words),
        method="word-boxes",
        n_rows=n_rows,
        n_cols=len(bands),
        cells=tuple(cells),
        header=header,
    )


def _ragged(grid: dict[tuple[int, int], list[Word]], n_cols: int) -> bool:
    """Tell whether the rows' figures stand in more columns than any row fills, every row filling as
    many: lines whose figures do not line up (each line set at its own width), which their figures'
    order reads better than their positions (as flat rows)."""
    def figure(words: list[Word]) -> bool:  # a figure, or an empty cell as printed ("-", "NaN")
        return _figure_cell(words) or _empty_mark(words)

    rows = {r for r, c in grid if c and _figure_cell(grid[(r, c)])}
    bands = {c for r, c in grid if c and r in rows and figure(grid[(r, c)])}
    counts = {sum(1 for c in range(1, n_cols) if (r, c) in grid and figure(grid[(r, c)])) for r in rows}
    return len(rows) >= 2 and len(counts) == 1 and counts.pop() < len(bands)


def _rest_of_row(grid: dict[tuple[int, int], list[Word]], row: int, placed: list[tuple[int, Segment]], n_cols: int) -> bool:
    """Tell whether a line of words goes on row `row`, a row of figures: its label cell set on two lines
    ("hemtjänsten" under "Utökad bemanning inom   28 360   24 240"), and with it any text cell of the row
    ("Leverantören har" / "försenat köket" under a comment column), never a figure."""
    if not placed or placed[0][0] != 0 or (row, 0) not in grid:
        return False
    if any(_figure_cell(words) or (row, col) not in grid or _figure_cell(grid[(row, col)]) for col, words in placed[1:]):
        return False
    figures = any(_figure_cell(grid[(row, c)]) for c in range(1, n_cols) if (row, c) in grid)
    return figures and goes_on_label(" ".join(w.text for w in grid[(row, 0)]), [w.text for w in placed[0][1]])


def _header_goes_on(segments: list[Segment], rules: TablesRules) -> bool:
    """A header's second line in a table kept in columns ("utfall  drift  invest.  ränta  resultatfond"
    under "Helårs-  Ombudg.  Ombudg.  Intern-  Till"): no figures, several cells, a column word."""
    words = [w.text for seg in segments for w in seg]
    return len(segments) >= 2 and not any(_FIGURE.search(t) for t in words) and is_header_words(words, rules)


def _header_by_words(lines: list[list[Word]], n_cols: int, rules: TablesRules) -> tuple[str, ...] | None:
    """The column headers of header lines read by their words, as a flat table's are, or None if they
    cannot fill the columns. For a table kept in columns whose header runs over two lines: each line
    is set at its own size, so its cells stand over their columns too loosely to place by position
    ("Ombudg." starting over the end of "Avvikelse"'s figures) and too close together to cut at gaps."""
    words = [[part for w in line if has_alnum(w.text) for part in header_words_of(w.text)] for line in lines]
    label, columns = header_label(words[0], rules)
    headers = stack_headers([columns, *words[1:]], n_cols - 1, rules)
    return (" ".join(label), *headers) if all(headers) else None


def _is_years_line(rows: list[list[Segment]]) -> bool:
    """Tell whether a row holds nothing but two or more years ("2025   2026" under "Ombudg till")."""
    words = [w.text for segs in rows for seg in segs for w in seg]
    return len(words) >= 2 and all(_YEAR.fullmatch(t.strip(",.")) for t in words)


def _header(rows: list[list[Segment]], bands: list[tuple[float, float]], rules: TablesRules) -> tuple[str, ...]:
    """Column headers from a table's first row, and from a line of years right under it.

    A header line with one segment per column names the columns in order, as does one with a
    segment per value column whose first segment names a column. Otherwise a segment heads the
    column in whose stretch it starts (from the end of the column before to the end of its own):
    a header is left-aligned, centred or right-aligned over figures set flush right, so where it
    starts tells its column, where it ends or its middle may not. A column the years line dates but
    no segment heads shares the header of the dated column before it ("Ombudg till" over "2025" and
    "2026").
    """
    segments, n_cols = rows[0], len(bands)
    heads: dict[int, str] = {}
    if len(segments) == n_cols or (len(segments) == n_cols - 1 >= 2 and any(is_column_word(w.text, rules) for w in segments[0])):
        heads = {n_cols - len(segments) + k: " ".join(w.text for w in seg) for k, seg in enumerate(segments)}
    else:
        for seg in segments:
            col = next((c for c, (_, b) in enumerate(bands) if seg[0].bbox.x0 < b), n_cols - 1)  # type: ignore[union-attr]
            heads[col] = f"{heads[col]} {' '.join(w.text for w in seg)}" if col in heads else " ".join(w.text for w in seg)
    years: dict[int, str] = {}
    if _is_years_line(rows[1:2]):
        years = {col: " ".join(w.text for w in words) for seg in rows[1] for col, words in _place(seg, bands)}
        for col in sorted(years):
            shared = max((c for c in heads if c < col and c in years), default=None)
            if col not in heads and shared is not None:
                heads[col] = heads[shared]
    return tuple(" ".join(x for x in (heads.get(c, ""), years.get(c, "")) if x) for c in range(n_cols))


def _place(seg: Segment, bands: list[tuple[float, float]]) -> list[tuple[int, Segment]]:
    """Put a segment in its column; one that spans several columns is split word by word.

    Each word goes to the column it overlaps most (the nearest one if it overlaps none): a header
    printed over right-aligned figures overlaps them even where it starts or ends beyond them.
    """
    x0, x1 = seg[0].bbox.x0, seg[-1].bbox.x1  # type: ignore[union-attr]
    spanned = [c for c, (a, b) in enumerate(bands) if a < x1 and x0 < b]
    if len(spanned) <= 1:
        center = (x0 + x1) / 2
        return [(next(c for c, (a, b) in enumerate(bands) if center <= b or c == len(bands) - 1), seg)]
    out: list[tuple[int, Segment]] = []
    for w in seg:
        a, b = w.bbox.x0, w.bbox.x1  # type: ignore[union-attr]
        col = max(spanned, key=lambda c: (min(b, bands[c][1]) - max(a, bands[c][0]), -c))
        if out and out[-1][0] == col:
            out[-1][1].append(w)
        else:
            out.append((col, [w]))
    return out


def _has_numeric_column(grid: dict[tuple[int, int], list[Word]], n_rows: int, n_cols: int, rules: TablesRules) -> bool:
    for c in range(n_cols):
        filled = [grid[(r, c)] for r in range(n_rows) if (r, c) in grid]
        numeric = [ws for ws in filled if _figure_cell(ws)]
        if filled and len(numeric) >= rules.word_boxes.numeric_column_min_share * n_rows:
            return True
    return False


def _empty_mark(words: list[Word]) -> bool:
    """A cell that prints an empty figure ("-", "NaN"): no header's word, whatever a cue's spelling tolerates."""
    return is_empty_mark("".join(w.text for w in words))


def _figure_cell(words: list[Word]) -> bool:
    """A cell that states a figure ("1 670 400 kr", "2 500 per år", "70%"), not a sentence that holds one.

    A bulleted list of sentences ending in amounts lines up like a table; its "cells" are prose.
    """
    text = _GLYPH_ID.sub("", "".join(w.text for w in words))
    digits = sum(ch.isdigit() for ch in text)
    return digits > 0 and (len(words) <= 4 or digits >= len(text) / 2)

