"""Facts from recovered tables: each amount, percentage and count cell, its role from headers."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import NamedTuple

from rapidfuzz import fuzz

from pipeline.facts.amounts import (
    BRACKETED_FIGURE,
    AmountMatch,
    find_amounts,
    find_percentages,
    period_within,
    printed_number,
    role_from_cues,
    rounding_half_step,
)
from pipeline.facts.columns import (
    TableUnit,
    caption_line,
    column_meaning,
    figures_beyond_years,
    read_back_misread_year,
    surroundings,
    table_unit,
    unit_multiplier,
)
from pipeline.facts.organisations import names_organisation
from pipeline.facts.text import SectionIndex, any_cue, cue_regex, fold
from pipeline.model import BBox, Cell, Document, Evidence, Fact, Table, Word
from pipeline.rules import FactsRules
from pipeline.tables.flat_rows import is_empty_mark


@dataclass(frozen=True)
class HeaderInfo:
    """What a column header says about its cells."""

    role: str | None
    period: str | None
    year: int | None
    payer: str | None
    participants: str | None


def read_header(header: str, rules: FactsRules) -> HeaderInfo:
    """Read a column header: "Värde/ år 2020" → total_value, per_year, 2020; "AN:s kostnad/år" → municipal_share."""
    f = fold(" ".join(header.split()))
    role = next((r.role for r in rules.header_roles if any_cue(r.cues, f)), None)
    if role is None:  # OCR leftovers in a header ("Virde/ ar"): one-word cues matched fuzzily
        words = re.findall(r"[a-z]{4,}", f)
        role = next(
            (r.role for r in rules.header_roles for cue in r.cues if cue.isalpha()
             for w in words if fuzz.ratio(w, fold(cue)) >= 80),
            None,
        )
    year = re.search(r"(?<!\d)((?:19|20)\d{2})(?!\d)", f)
    payer = None
    for body in rules.municipal_bodies:
        abbrs = "|".join(re.escape(a) for a in body.abbreviations)
        if re.search(rf"(?<![\w-])(?:{abbrs}):?s?(?![\w-])", " ".join(header.split())) or fold(body.name)[:-2] in f:
            payer = body.name
    if payer and role in (None, "cost_item", "total_value"):
        role = "municipal_share"
    participants = next((r for cue, r in rules.participant_headers.items() if cue_regex(cue).search(f)), None)
    return HeaderInfo(role, period_within(f, rules), int(year.group(1)) if year else None, payer, participants)


def body_name(word: str, rules: FactsRules) -> str:
    """Return the canonical municipal body a word names ("BIN", "bildningsnämnden"), else the word."""
    f = fold(word.strip(" .,:"))
    for body in rules.municipal_bodies:
        if f in {fold(a) for a in body.abbreviations} or (len(f) > 5 and fold(body.name).startswith(f[:-2])):
            return body.name
    return word


def _row_texts(table: Table, row: int) -> dict[int, str]:
    return {c.col: c.text for c in table.cells if c.row == row}


_PLACEHOLDER = re.compile(r"(col(umn)?\s*\d+)?", re.IGNORECASE)
"""What a header cell holds that names nothing: blank, or a Markdown converter's "Col1"."""


def _names_nothing(texts: dict[int, str]) -> bool:
    """Tell whether a row's cells are all blank or placeholders ("Col1" | "Col2" | "Col3")."""
    return all(_PLACEHOLDER.fullmatch(" ".join(text.split())) for text in texts.values())


_CODE = re.compile(r"\d{2,}(?:[.:-]\d+)*|\d+(?:[.:-]\d+)+|[A-ZÅÄÖ]{1,4}[\s.:-]?\d+(?:[.:-]\d+)*")
"""A project, account or activity number ("21034", "4110", "1.2", "KS-12")."""
_WORD = re.compile(r"[^\W\d_]{3}")
"""Three letters in a row: a text that names something, not a code or a scan's specks."""


def _label_column(table: Table, skipped: set[int]) -> int:
    """The column that names each row: the first, unless it holds nothing but codes (project or
    account numbers: "21034 | Konstgräsplan Norr | 6 500") and the next one names the rows."""
    texts: dict[int, list[str]] = {}
    for c in table.cells:
        if c.row not in skipped and c.col in (0, 1) and c.text.strip():
            texts.setdefault(c.col, []).append(" ".join(c.text.split()))
    codes, names = texts.get(0, []), texts.get(1, [])
    if (table.n_cols > 2 and codes and names and all(_CODE.fullmatch(t) for t in codes)
            and all(_WORD.search(t) for t in names)):
        return 1
    return 0


def _has_values(texts: dict[int, str], rules: FactsRules, include_label: bool = False) -> bool:
    """Tell whether a row's texts hold a number (beyond its label; a year or year range does not count): a data row."""
    return any((include_label or col != 0) and figures_beyond_years(text, rules) for col, text in texts.items())


def _words_in(page_words: tuple[Word, ...], box: BBox) -> list[Word]:
    return [
        w for w in page_words
        if w.bbox is not None
        and box.x0 <= (w.bbox.x0 + w.bbox.x1) / 2 <= box.x1
        and box.top <= (w.bbox.top + w.bbox.bottom) / 2 <= box.bottom
    ]


class _PageIndex:
    """A document's words by page, and the pages each word stands on, built once per document:
    a cell's page is looked up among the pages that hold its words, not searched for over every
    page (a 500-page document has thousands of cells)."""

    def __init__(self, doc: Document):
        self.words = {page.number: page.words for page in doc.pages}
        self.pages_of: dict[str, set[int]] = {}
        for page in doc.pages:
            for word in page.words:
                self.pages_of.setdefault(word.text, set()).add(page.number)


def _cell_words(index: _PageIndex, table: Table, cell: Cell) -> tuple[int, list[Word]]:
    """Return the page a cell stands on and its words.

    A ruled or word-box table stands on one page. A table flattened by old OCR spreads its cells
    over the pages from its header's on, so the page is the one whose words inside the cell's box
    best spell the cell's text (the table's own page if none does).
    """
    if cell.bbox is None:
        return table.page, []
    if table.method != "flattened-columns":
        return table.page, _words_in(index.words.get(table.page, ()), cell.bbox)
    tokens = set(cell.text.split())
    best: tuple[tuple[int, int, int], list[Word]] = ((0, 0, -table.page), [])
    for number in sorted(set().union(*(index.pages_of.get(t, set()) for t in tokens))):
        if number < table.page:
            continue
        words = _words_in(index.words[number], cell.bbox)
        found = sum(w.text in tokens for w in words)
        score = (found, found - len(words), -number)
        if score > best[0]:
            best = (score, words)
    return -best[0][2], best[1]


def _evidence(doc: Document, index: _PageIndex, table: Table, cell: Cell, threshold: float) -> Evidence:
    page_number, words = _cell_words(index, table, cell)
    confidence = min((w.confidence for w in words), default=1.0)
    return Evidence(
        doc_id=doc.doc_id,
        page=page_number,
        bbox=cell.bbox,
        line=words[0].line if words else None,
        text_as_scanned=" ".join(w.scanned for w in words) if words else cell.text,
        text_repaired=" ".join(w.text for w in words) if words else cell.text,
        confidence=confidence,
        repaired=any(w.repair is not None for w in words),
        low_confidence=confidence < threshold,
    )


def _section_of(sections: SectionIndex, page: int, line: int | None) -> str | None:
    return None if line is None else sections.name_at(page, line)


def _party_label(header: str, label: str, rules: FactsRules) -> bool:
    """Tell whether a row's label names a party: under a header naming organisations or applicants
    ("Förening", "Sökande"), or by its own words (`names_organisation`: "Ryttarklubben", "… AB"); a
    total row never."""
    if any_cue(rules.total_row_cues, fold(label)):
        return False
    return bool(any_cue(rules.party_column_cues, fold(header))) or names_organisation(label, rules)


def _label_facts(cell: Cell, evidence: Evidence, attrs: dict[str, str], section: str | None,
                 rules: FactsRules, resolve_party) -> list[Fact]:
    """Name a row's party and programme from its label cell ("Bromodellen / Erikshjälpen och Bilda").

    A label cell of an overview table stacks the programme over the organisation. A part
    that stands beside a part naming a party of this paper is the programme; when no part
    names one, the last part is the organisation and those above it the programme; the
    other parts are parties (resolved to this paper's full names when it
    names them, else kept as written for the batch stage's entity resolution).
    """
    parts = [" ".join(p.split()).strip(" .,:") for p in cell.text.split(" / ")]
    parts = [p for p in parts if p]
    resolved = [resolve_party(p) for p in parts]
    programmes: list[str | None] = [None] * len(parts)
    if any(resolved) and not all(resolved):
        programmes = [None if party else part for part, party in zip(parts, resolved)]
    elif not any(resolved) and len(parts) > 1:  # programme stacked over organisation
        programmes = [*parts[:-1], None]
    facts: list[Fact] = []
    for part, party, programme in zip(parts, resolved, programmes):
        if programme:
            facts.append(Fact(kind="programme", text=part, value=programme, section=section, attrs=dict(attrs),
                              evidence=evidence))
        else:
            name, municipal = party if party else (part, False)
            facts.append(Fact(kind="party", text=part, value=name, section=section,
                              attrs=attrs | {"municipal": str(municipal).lower()}, evidence=evidence))
    return facts


_CELL_NUMBER = re.compile(r"^\s*[-−–+]?\s?(?:(?:\d{1,3}(?:[ \u00a0\u202f]\d{3})+|\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?|\d+\.\d{1,2})\s*$")
"""A cell that prints one number: "-796,2", "3 714", "+1 250" (a gain's plus), "36.000" (thousands grouped by
points), or "8.1" (a decimal comma OCR read as a point)."""
_LEADING_NUMBER = re.compile(r"^\s*[-−–+]?\s?\d+(?:,\d+)?(?=\s+\D)")
"""A cell's number of plain digits followed by words."""
_GROUPED_FIGURE = r"\d{1,3}(?:[ \u00a0\u202f]\d{3})*(?:,\d+)?"
_PERCENTAGE = re.compile(r"[-−–]?\s?\d+(?:,\d+)?\s?%$")
"""A share as a cell prints it ("12,5 %", `fullmatch`), or as a header cell that swallowed one ends (`search`)."""
_MERGED_HEADER = re.compile(rf"^(?P<head>.*?\S)\s+(?P<value>[-−–]?\s?(?:{_GROUPED_FIGURE}|\d+\.\d{{1,2}})"
                            rf"|\(\s?{_GROUPED_FIGURE}\s?\))\s*$")
"""A header cell with the first row's figure after its words, the shortest head that leaves a whole figure."""


def _counts_things(label: str, rules: FactsRules) -> bool:
    """Tell whether a row label names what its figures count ("Antal elever", "Hushåll", "Besökare")."""
    folded = fold(label)
    return "antal" in folded or cue_regex(rf"\s*(?:{'|'.join(rules.count_nouns)})(?!\w)").match(folded) is not None


def cell_number(text: str) -> float | int | None:
    """Return the number a cell prints, when it prints nothing else ("-796,2" → -796.2, "- 3 714" → -3714,
    "(1,5)" → -1.5)."""
    flat = text.replace("\n", " ")
    printed = printed_number(text) if _CELL_NUMBER.match(flat) or BRACKETED_FIGURE.fullmatch(flat) else None
    if printed is None:
        return None
    number, decimals = printed
    return float(number) if decimals else int(number)


def _header_offset(table: Table, header_texts: dict[int, str], heading: set[int], label_col: int,
                   rules: FactsRules) -> dict[int, int]:
    """Where a converter set a table's header off its figures (a cell split or merged left a column
    empty: each header over an empty column, each figure column under an empty header cell), the
    header's columns moved over the figure columns in order: {header column: figure column}. Only
    when the header names as many columns as the body fills, the body beyond its labels holds
    figures and shares alone but for a last column of text under a last header that names no kind or
    year of figures ("Kommentar"), and every header moves the same way; else nothing moves. Only a
    ruled table's grid keeps an empty column: a table read from word positions has none."""
    if table.method != "ruled":
        return {}
    body = [c for c in table.cells if c.row not in heading and c.col > label_col and c.text.strip()]
    filled = sorted({c.col for c in body})
    named = sorted(col for col, text in header_texts.items() if col > label_col and text.strip())
    if len(named) != len(filled) or named == filled:
        return {}
    last = column_meaning(header_texts[named[-1]], rules)
    words_last = last.kind is None and last.year is None
    if not all(_figure_or_dash(c.text) or _PERCENTAGE.fullmatch(" ".join(c.text.split()))
               or (words_last and c.col == filled[-1]) for c in body):
        return {}
    shifts = {b - a for a, b in zip(named, filled) if a != b}
    if len({shift > 0 for shift in shifts}) != 1:
        return {}
    return {a: b for a, b in zip(named, filled) if a != b}


def _figure_or_dash(text: str) -> bool:
    """A cell that prints a figure, or an empty figure (a dash, "NaN": `flat_rows.is_empty_mark`)."""
    flat = " ".join(text.split())
    return cell_number(flat) is not None or is_empty_mark(flat)


def _split_merged_header(table: Table, header_row: int, rules: FactsRules) -> tuple[dict[int, str], dict[int, str]]:
    """Split header cells that swallowed the first data row ("Utfall 2022 79,1") into header and value.

    Text-layer tables of the genre often merge the first data row into the header row: the
    first column's header is then that row's label and each other header ends in its value.
    Returns (headers, values of the merged row); values is empty when nothing was merged.
    """
    cells = {c.col: " ".join(c.text.split()) for c in table.cells if c.row == header_row}
    values: dict[int, str] = {}
    headers = dict(cells)
    for col, text in cells.items():
        if col == 0:
            continue
        m = _MERGED_HEADER.match(text)
        if (m and cell_number(m.group("value")) is not None and _YEARISH.search(m.group("head"))
                and figures_beyond_years(text, rules)):  # "Kvartal 1" names its column, holds no figure
            headers[col], values[col] = m.group("head").strip(), m.group("value")
    numeric_cols = [c for c, t in cells.items() if c != 0 and t]
    # a column of words (a comment's) merged its first row's words into its header: no figure to split off;
    # nor a column of shares ("Andel % 12,5 %"): its header names it whatever share stands under it
    unsplit = [c for c in numeric_cols if c not in values and re.search(r"\d", cells[c])
               and not _PERCENTAGE.search(cells[c])]
    # one cell whose figure OCR misread ("Utfall 2023 8.1") keeps its whole text as its header, so the
    # others keep their columns; a plain number is no such cell
    misread = (len(unsplit) == 1 and len(values) >= 2 and cell_number(cells[unsplit[0]]) is None
               and _YEARISH.search(cells[unsplit[0]]) is not None)
    if not numeric_cols or (unsplit and not misread):
        return cells, {}
    return headers, values


def _merged_row_label(index: _PageIndex, table: Table, row: int, label_col: int) -> str:
    """The label of the data row merged into the header row: the label cell's last line when the
    cell stacks the column's header over it as the value cells stack theirs ("Verksamhet" over
    "Nämnd och ledning", beside "Budget 2024" over "12,4"), else the whole cell ("Intäkter"). A
    line ending in a hyphen, or one before a line in lower case, wraps a longer label ("Reglering skuld
    VA-" / "abonnenterna", "Projekt för unga vuxna" / "i utanförskap"), and a line of a worn scan's
    specks ("|") is no label."""
    lines: dict[int, list[str]] = {}
    for cell in table.cells:
        if cell.row == row and cell.text.strip():
            by_line: dict[int, list[str]] = {}
            for word in _cell_words(index, table, cell)[1]:
                by_line.setdefault(word.line, []).append(word.text)
            lines[cell.col] = [" ".join(words) for _, words in sorted(by_line.items())]
    label, values = lines.get(label_col, []), [v for col, v in lines.items() if col != label_col]
    whole = " ".join(c.text for c in table.cells if c.row == row and c.col == label_col)
    if (len(label) >= 2 and values and all(len(v) == len(label) for v in values) and not label[-2].endswith("-")
            and not label[-1][:1].islower() and _WORD.search(label[-1]) and _WORD.search(" ".join(label[:-1]))):
        return " ".join(label[-1].split())
    return " ".join(whole.split())


class _Heading(NamedTuple):
    """What the last table read said of its columns, for a table that continues it on the next page."""

    page: int
    n_cols: int
    header: dict[int, str]
    unit: TableUnit
    first: int  # index of the table's first part (the table itself, unless it continues one)


def _header_continued(texts: dict[int, str], rules: FactsRules) -> dict[int, str] | None:
    """The second row of a two-row header ("" or "Tkr" | "2025" | "2025" | "%" under "Verksamhet" |
    "Budget" | "Prognos" | "Andel"), or None: a row whose cells print nothing but years, units and
    signs, and whose label is empty or a unit."""
    filled = {col: " ".join(t.split()) for col, t in texts.items() if t.strip()}
    label = filled.get(0)
    if (not filled or any(figures_beyond_years(t, rules) for t in filled.values())
            or (label is not None and unit_multiplier(fold(label), rules) is None)):
        return None
    return filled


def _repeats_header(header: dict[int, str], before: dict[int, str]) -> bool:
    """Tell whether a table's header repeats the header of the table before it: a table continued on
    the next page repeats it, or its first row ("Budget" for "Budget 2025" over two rows)."""
    def norm(h: dict[int, str]) -> dict[int, str]:
        return {c: fold(" ".join(t.split())) for c, t in h.items() if t.strip()}
    new, old = norm(header), norm(before)
    return bool(new) and new.keys() == old.keys() and all(old[c].startswith(t) for c, t in new.items())


def _continues(opening: dict[int, str], header: dict[int, str], rules: FactsRules) -> bool:
    """Tell whether a table on the page after a table headed `header`, of as many columns, continues it:
    its first row (`opening`: its header, if it has one) repeats that header, or heads no columns of its
    own — figures, or words in its label cell alone (a section's name, the page's running head)."""
    return (_repeats_header(opening, header) or _has_values(opening, rules)
            or not any(t.strip() for col, t in opening.items() if col != 0))


def _running_head_above(table: Table, header: dict[int, str], rules: FactsRules) -> bool:
    """Tell whether `table`'s first row is its page's running head ("Socialnämnden | Kommunen", set in
    two columns like the table's) over `header` repeated: the header of the table it continues."""
    return (not table.header and table.n_rows > 2 and not _has_values(_row_texts(table, 0), rules, include_label=True)
            and _repeats_header(_row_texts(table, 1), header))


def _unit_noted_after_continuation(doc: Document, index: int, header: dict[int, str], rules: FactsRules) -> TableUnit | None:
    """The unit a table that runs on over the next pages states in a note under its last part ("Belopp i
    tkr" below the rows of the following page), or None: the note is the whole table's. A part continues
    the one before when it stands on the next page with as many columns, under no header of its own or
    the same header again."""
    page, n_cols = doc.tables[index].page, doc.tables[index].n_cols
    for later in doc.tables[index + 1:]:
        if later.page != page + 1 or later.n_cols != n_cols:
            return None
        opening = (dict(enumerate(later.header)) if any(t.strip() for t in later.header)
                   else _row_texts(later, 1) if _running_head_above(later, header, rules) else _row_texts(later, 0))
        if not _continues(opening, header, rules):
            return None
        repeated = _repeats_header(opening, header)
        if (unit := table_unit(doc, later, list(opening.values()) if repeated else [], rules)).multiplier is not None:
            return unit
        page = later.page
    return None


_ROW_ROLES = frozenset({"budget", "deviation", "forecast", "balance", "outcome"})
"""Roles a row label ("Budget, netto", "Avvikelse") gives its cells over the column's kind."""
_FIGURE_KIND_ROLES = frozenset({"budget", "deviation", "forecast"})
"""Roles of columns that say what kind of figure each of their cells is, whatever line of the accounts its row is."""
_YEARISH = re.compile(r"[A-Za-zÅÄÖåäö]|(?:19|20)\d{2}")


def _amount_value(text: str, found: list[AmountMatch], multiplier: int | None,
                  rules: FactsRules) -> tuple[int | float, str] | None:
    """Return a cell's amount as (value, unit): integer SEK when a unit is known, else the printed number.

    `found` is what `find_amounts` reads in the cell.
    """
    if found and found[0].unit is not None:
        return found[0].value, "SEK"
    number = cell_number(text)
    if number is None and found:  # "2 500 per år": the number before the words
        number = cell_number(text[found[0].start : found[0].end])
    lead = _LEADING_NUMBER.match(text) if number is None and not found else None
    if lead and period_within(fold(text[lead.end():]), rules):
        number = cell_number(lead.group(0))  # "2500 per år": OCR dropped the thousands space, the words a period
    if number is None or abs(number) * (multiplier or 1) > rules.amount_max:
        return None
    if multiplier is None:
        return number, "unknown"
    return round(number * multiplier), "SEK"


def table_facts(doc: Document, rules: FactsRules, resolve_party) -> list[Fact]:
    """Turn each amount / percentage / count cell of `doc.tables` into a Fact with its column's meaning.

    Every amount cell carries attrs: table, row, col, its row label, its column's header,
    kind (bokslut, budget, avvikelse …) and year, and whether its row is a total (Summa …).
    Its unit comes from the cell, its column's header, the table's header row or caption,
    in that order; a table that states none keeps the printed number with unit `unknown`.

    Args:
        doc: the document with `tables` filled.
        rules: fact rules (header cues, column kinds, units, total-row cues).
        resolve_party: callable from a row label to `(party name, municipal)` or None.
    """
    facts: list[Fact] = []
    pages = _PageIndex(doc)
    sections = SectionIndex(doc.sections)
    previous: _Heading | None = None
    for index, table in enumerate(doc.tables):
        # a first row that names nothing (blank, or a converter's "Col1" | "Col2") stands over the real header
        # so does the page's running head over a header repeated from the table on the page before
        top = 1 if not table.header and table.n_rows > 1 and (
            _names_nothing(_row_texts(table, 0))
            or (previous is not None and previous.page == table.page - 1 and previous.n_cols == table.n_cols
                and _running_head_above(table, previous.header, rules))) else 0
        # a header cell OCR misread by a character ("20295" among 2026 … 2030) is read back first, so
        # the row still heads the table and that column keeps its year
        first_row = _row_texts(table, top)
        read_back, _ = read_back_misread_year(first_row, rules)
        header_row = top if not table.header and not _has_values(read_back, rules, include_label=True) else -1
        merged: dict[int, str] = {}
        if table.header:
            header_texts = dict(enumerate(table.header))
        elif header_row == top:
            header_texts = first_row
        else:
            header_texts, merged = _split_merged_header(table, top, rules)
            header_row = top if merged else -1
            header_texts = header_texts if merged else {}
        skipped = set(range(top)) | ({header_row} if not merged else set())
        below = 0 if table.header else top + 1 if header_row == top and not merged else None
        if below is not None and (more := _header_continued(_row_texts(table, below), rules)):
            header_texts = {col: f"{header_texts.get(col, '')} {more.get(col, '')}".strip()
                            for col in sorted(set(header_texts) | set(more))}
            skipped.add(below)
        # a table continued from the page before (no header, or its header again): its header and
        # caption stand there
        continued = (previous if previous and previous.page == table.page - 1 and previous.n_cols == table.n_cols
                     and _continues(header_texts, previous.header, rules) else None)
        # a table of as many columns right after another on its page, under no header of its own (the
        # second part of a split statement, "Vatten & Avlopp" under "skattefinansierad verksamhet"):
        # that table's header names its columns too; it is a table of its own for the sums
        shares_header = (previous if not continued and previous and previous.page == table.page
                         and previous.n_cols == table.n_cols and not any(t.strip() for t in header_texts.values())
                         and any(t.strip() for t in previous.header.values()) else None)
        if continued or shares_header:
            header_texts = dict((continued or shares_header).header)
        label_col = _label_column(table, skipped)
        moved = _header_offset(table, header_texts, skipped | {header_row}, label_col, rules)
        # a moved header takes the place of the empty one it lands on
        header_texts = {moved.get(col, col): text for col, text in header_texts.items() if col in moved or col not in moved.values()}
        merged = {moved.get(col, col): value for col, value in merged.items()}
        printed = header_texts
        header_texts, misread_col = read_back_misread_year(header_texts, rules)
        headers = {col: read_header(text, rules) for col, text in header_texts.items()}
        columns = {col: column_meaning(text, rules) for col, text in header_texts.items()}
        around = surroundings(doc, table)
        stated_unit = table_unit(doc, table, list(header_texts.values()), rules, around)
        # a caption naming what the figures are ("Resultatfond per verksamhet", "Prognos för helåret") gives
        # the role its columns and rows do not
        caption_role = role_from_cues(fold(caption), "", rules) if (caption := caption_line(around)) else None
        caption_role = caption_role if caption_role not in ("other", "threshold", "cost_item") else None
        if stated_unit.multiplier is None and continued:
            stated_unit = continued.unit
        if stated_unit.multiplier is None:
            stated_unit = _unit_noted_after_continuation(doc, index, header_texts, rules) or stated_unit
        multiplier = stated_unit.multiplier
        previous = _Heading(table.page, table.n_cols, header_texts, stated_unit, continued.first if continued else index)
        labels = {c.row: " ".join(c.text.split()) for c in table.cells if c.col == label_col}
        if merged and top in labels:
            labels[top] = _merged_row_label(pages, table, top, label_col)
        label_roles = {row: role_from_cues(fold(label), "", rules) for row, label in labels.items() if label}
        # rows named as money ("Intäkter", "Kostnader", "Summa", "Budget, netto") make a table of money
        # even when its columns' headers name no kind or year and it states no unit
        money_rows = any(role not in (None, "other", "threshold") for row, role in label_roles.items() if row not in skipped)
        named_columns = any((c.kind is not None or c.year is not None) and not any_cue(rules.total_column_cues, fold(c.header))
                            for c in columns.values() if c is not None)
        cells = list(table.cells)
        if merged:  # the merged first data row: its label is the first header's (`labels[top]`), values split off
            cells = [c.model_copy(update={"text": merged[moved.get(c.col, c.col)], "col": moved.get(c.col, c.col)})
                     if c.row == top and moved.get(c.col, c.col) in merged else c
                     for c in cells if not (c.row == top and moved.get(c.col, c.col) not in merged)]
        for cell in cells:
            if cell.row in skipped or not cell.text.strip():
                continue
            if cell.col == 0 and table.header and _party_label(table.header[0], cell.text, rules) \
                    and _has_values(_row_texts(table, cell.row), rules):
                evidence = _evidence(doc, pages, table, cell, rules.low_confidence_below)
                attrs = {"table": str(index), "row": str(cell.row), "col": "0"}
                facts.extend(_label_facts(cell, evidence, attrs, _section_of(sections, evidence.page, evidence.line),
                                          rules, resolve_party))
                continue
            if cell.col <= label_col:
                continue
            info = headers.get(cell.col, HeaderInfo(None, None, None, None, None))
            column = columns.get(cell.col)
            label = labels.get(cell.row, "")
            party = resolve_party(label)
            total_row = bool(any_cue(rules.total_row_cues, fold(label)))
            attrs = {"table": str(index), "row": str(cell.row), "col": str(cell.col)}
            if continued:
                attrs["continues"] = str(continued.first)
            if label:
                attrs["row_label"] = label
            if column is not None:
                meaning = {"column": column.header, "column_kind": column.kind, "column_year": column.year}
                attrs |= {k: v for k, v in meaning.items() if v}
            if cell.col == misread_col:
                attrs["column_printed"] = " ".join(printed[cell.col].split())  # the header as OCR read it
            if total_row:
                attrs["total_row"] = "true"
            if column is not None and any_cue(rules.total_column_cues, fold(column.header)):
                attrs["total_column"] = "true"  # "Summa": the row's cells to its left add up to it
            party_attrs = {"party": party[0]} if party else {}
            if info.year:
                attrs["year"] = str(info.year)
            evidence = _evidence(doc, pages, table, cell, rules.low_confidence_below)
            section = _section_of(sections, evidence.page, evidence.line)
            if info.participants or (column is not None and column.kind == "antal"):
                m = re.search(r"(?<![\d,])(\d{1,5})\s*(st\b|deltagare|personer|platser)?", cell.text)
                if m and info.participants:
                    facts.append(Fact(kind="participants", text=cell.text, value=int(m.group(1)),
                                      role=info.participants, section=section, attrs=attrs | party_attrs,
                                      evidence=evidence))
                continue
            percentages = find_percentages(cell.text, rules)
            for p in percentages:
                share = bool(party_attrs) or (column is not None and column.kind == "andel")  # a party's row: its share
                facts.append(Fact(kind="percentage", text=cell.text, value=p.value, unit="%", section=section,
                                  role="share" if share else None, attrs=attrs | party_attrs, evidence=evidence))
            found = find_amounts(cell.text, rules)
            if (percentages or (column is not None and column.kind == "andel")) and not any(a.unit for a in found):
                continue  # a share, not an amount ("1 658 160 kr 70%" is both)
            amount = _amount_value(cell.text, found, (column.multiplier if column else None) or multiplier, rules)
            if amount is None or (amount[1] == "unknown" and _counts_things(label, rules)):
                continue
            # money by its column's header (a total column's by the columns it adds up), or by rows named as money
            money_column = ((column is not None and (column.kind is not None or column.year is not None) or info.role is not None)
                            and ("total_column" not in attrs or named_columns) or money_rows)
            value, unit = amount
            row_role = label_roles.get(cell.row)
            if row_role not in _ROW_ROLES or (row_role == "outcome" and column is not None
                                              and column.role in _FIGURE_KIND_ROLES):
                # a row label names a budget or deviation row, not a payer; a line of the accounts
                # ("Intäkter", "Nettokostnad") is budgeted in a budget column, forecast in a forecast column
                row_role = None
            role = row_role or (column.role if column and column.role else None) or info.role or caption_role
            if label and any_cue(rules.adjustment_row_cues, fold(label)):
                role = "other"
            elif role is None:
                role = ("total_value" if total_row else
                        ("municipal_share" if party[1] else "partner_share") if party else
                        "fee" if stated_unit.per_unit else "cost_item")
            elif total_row and role == "cost_item":
                role = "total_value"
            extra = dict(attrs)
            if column is not None and column.kind is None and column.year and role == "budget":
                extra["column_kind"] = "budget"  # a bare year column of a plan or budget table
            if role == "municipal_share":
                extra["payer"] = info.payer or (party[0] if party and party[1] else "")
                split = re.search(r"varav (halften|\d+ ?%) finansieras av (\w+)", fold(cell.text))
                if split:
                    extra["payer_split"] = f"{split.group(1)}:{body_name(split.group(2), rules)}"
                if party and not party[1]:
                    extra["party"] = party[0]
            elif party:  # a party's row: its total value or its share
                extra["party"] = party[0]
            if unit == "unknown" and not money_column:
                extra[_MONEY_IF_TEXT_SAYS] = "true"  # figures of no stated kind: money only if the text quotes one
            extra = {k: v for k, v in extra.items() if v}
            # the cell's own words ("2 500 per år"), else its row's ("Hyra per månad"), else its column's
            period = period_within(fold(cell.text), rules) or (period_within(fold(label), rules) if label else None) or info.period
            facts.append(Fact(kind="amount", text=cell.text, value=value, unit=unit, period=period,
                              role=role, section=section, attrs=extra, evidence=evidence))
    return facts


TEXT_SCALES = (1000, 1_000_000)
"""The scales a figure may be printed at against the text's kronor: tkr and mnkr."""
TABLE_SCALES = (1, *TEXT_SCALES)
"""The scales a table's unitless cells may be printed at: kronor too, which a table's cells are not
without a quote (a line of unitless figures in the text already reads as kronor)."""
_MONEY_IF_TEXT_SAYS = "money_if_text_says"
"""A table fact's mark, between `table_facts` and `units_from_text`: a figure of no stated kind, kept
only if the text quotes a figure of its row (and so gives its table a unit)."""


def _quoted(prose: list[Fact]) -> list[tuple[float, float, Fact]]:
    """The text's amounts that state their unit: (|SEK|, half the text's rounding step, fact); not a
    figure whose unit was inferred or taken from another (`rows_from_text`)."""
    out = []
    for f in prose:
        half = rounding_half_step(f) if f.kind == "amount" and f.unit == "SEK" else 0.0
        if half and not f.attrs.get("unit_inferred") and not f.attrs.get("unit_from_text"):
            out.append((abs(f.value), half, f))
    return out


def _printed_digits(f: Fact) -> int:
    """How many digits a figure prints (0 if it prints none): "4" or "12" never decide a scale."""
    printed = printed_number(f.text)
    return len(re.sub(r"\D", "", f"{printed[0]:f}")) if printed else 0


def _scales_quoted(anchors: list[Fact], quoted: list[tuple[float, float, Fact]],
                   scales: tuple[int, ...]) -> dict[tuple[int, tuple[str, str]], Fact]:
    """Per (scale, (table, row)) the text amount that quotes a figure of `anchors` at that scale, within
    the text's rounding."""
    return {(s, _row_of(c)): q for s in scales for c in anchors for v, half, q in quoted
            if abs(abs(float(c.value)) * s - v) <= half}


def _row_of(f: Fact) -> tuple[str, str]:
    """A table cell's (table, row)."""
    return f.attrs.get("table", ""), f.attrs.get("row", "")


def _one_scale(found: dict[tuple[int, tuple[str, str]], Fact]) -> tuple[int, Fact] | None:
    """The scale every quote of `found` (`_scales_quoted`) agrees on, with one quote; None if they differ."""
    if len({s for s, _ in found}) != 1:
        return None
    (scale, _), quote = next(iter(found.items()))
    return scale, quote


def _in_quoted_unit(f: Fact, scale: int, quote: Fact, mark: str) -> Fact:
    """`f` counted in kronor at `scale`, the text amount that quotes it kept as attrs `unit_from_text`
    (`mark`, the attr that said its unit was open, dropped)."""
    attrs = {k: v for k, v in f.attrs.items() if k != mark} | {"unit_from_text": f"“{quote.text}” (p. {quote.evidence.page})"}
    return f.model_copy(update={"value": round(float(f.value) * scale), "unit": "SEK", "attrs": attrs})


def _whole_table(f: Fact) -> str:
    """The table a cell's fact belongs to, a table run on over pages counted as its first part."""
    return f.attrs.get("continues", f.attrs.get("table", ""))


def units_from_text(tabular: list[Fact], prose: list[Fact], scales: tuple[int, ...] = TABLE_SCALES) -> list[Fact]:
    """Give a table that states no unit the one the paper's text quotes its figures in.

    "Löpande investeringar uppgår till 2,5 miljoner per år" beside a table of "2 500" cells: the
    cells are tkr ("5 260 000 kr" beside a cell of "5 260 000": kronor). A scale is taken only when a
    text amount equals a cell at that scale (within the text's rounding: "2,5 miljoner" is 2 450 000–
    2 550 000) and at no other; the cell must print at least three digits, so "4" or "12" never decide. The cells keep the text amount as attrs
    `unit_from_text`, the evidence an auditor checks.

    Cells under columns that name no kind or year, in rows that name no money ("Jan" … "Dec" over
    "Utbetalt"), are money only when the text quotes one of them (printed with four digits or more);
    otherwise they are no amounts and are dropped.
    """
    quoted = _quoted(prose)
    unknown: dict[str, list[Fact]] = {}  # by table; the parts of a table run on over pages are one
    for f in tabular:
        if f.kind == "amount" and f.unit == "unknown" and isinstance(f.value, (int, float)):
            unknown.setdefault(_whole_table(f), []).append(f)
    scale_of: dict[str, tuple[int, Fact]] = {}
    quoted_rows: set[tuple[str, str]] = set()  # (table, row) of the cells the text quotes
    for table, cells in unknown.items():
        anchors = [c for c in cells if _printed_digits(c) >= (4 if c.attrs.get(_MONEY_IF_TEXT_SAYS) else 3)]
        found = _scales_quoted(anchors, quoted, scales)
        if (one := _one_scale(found)) is not None:
            scale_of[table] = one
            quoted_rows |= {row for _, row in found}
    out = []
    for f in tabular:
        table = _whole_table(f)
        hit = scale_of.get(table) if f in unknown.get(table, ()) else None
        if f.attrs.get(_MONEY_IF_TEXT_SAYS) and _row_of(f) not in quoted_rows:
            hit = None  # a row of no stated kind is money only if the text quotes a figure of its own
        if hit is None:
            if not f.attrs.get(_MONEY_IF_TEXT_SAYS):
                out.append(f)
            continue
        out.append(_in_quoted_unit(f, *hit, _MONEY_IF_TEXT_SAYS))
    return out


def rows_from_text(prose: list[Fact], scales: tuple[int, ...] = TEXT_SCALES) -> list[Fact]:
    """Give the rows of a table read as text the unit the paper's text quotes their figures in.

    A bilaga whose table the tables stage did not find (its label and comment words between the
    figures) leaves lines of several unitless figures, read as kronor. Where the paper's text quotes
    one of a page's such figures at one scale and no other ("underskott om 2,4 miljoner kronor" over
    a row "… -2 410 …"), as `units_from_text` does for a table, every figure of those lines on that
    page is counted in that unit, with the text amount as attrs `unit_from_text`.
    """
    quoted = _quoted(prose)
    unitless = [f for f in prose if f.kind == "amount" and f.attrs.get("unit_inferred")]
    per_line = Counter((f.evidence.page, f.evidence.line) for f in unitless)
    pages: dict[int, list[Fact]] = {}
    for f in unitless:
        if per_line[(f.evidence.page, f.evidence.line)] >= 2:
            pages.setdefault(f.evidence.page, []).append(f)
    scaled: dict[int, Fact] = {}
    for rows in pages.values():
        one = _one_scale(_scales_quoted([f for f in rows if _printed_digits(f) >= 3], quoted, scales))
        if one is not None:
            scaled |= {id(f): _in_quoted_unit(f, *one, "unit_inferred") for f in rows}
    return [scaled.get(id(f), f) for f in prose]
