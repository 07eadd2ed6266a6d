"""A table's header row when OCR misreads one of its cells: the row still heads the table.

Each table is a dev paper's table (../shared/realdev, cited by line) with one header cell given the
misreading Tesseract makes on a scan: a year with a stray digit ("2029" read "20295" on the
standard-mode fax of 11), a letter for a digit, a decimal comma read as a point (37's "8,1" read
"8.1" on the same fax: still that figure). Expected columns are the source's, written from its text.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from pipeline.facts import extract_facts
from pipeline.facts.amounts import printed_number
from pipeline.facts.columns import read_back_misread_year, states_unit, unit_line, unit_multiplier
from pipeline.facts.text import fold
from pipeline.ingest import document_from_lines
from pipeline.model import BBox, Cell, Document, Fact, Page, Table, Word
from pipeline.reconcile.table_sums import check_table_sums
from pipeline.rules import load_rules
from pipeline.segment import segment

RULES = load_rules()


def table_document(rows: list[list[str]], lines: list[str]) -> Document:
    """A one-table document with its facts: `rows` as its grid (row 0 first), `lines` its text."""
    cells = tuple(Cell(row=r, col=c, text=t, bbox=None) for r, row in enumerate(rows) for c, t in enumerate(row))
    table = Table(page=1, bbox=None, method="ruled", n_rows=len(rows), n_cols=len(rows[0]), cells=cells)
    doc = document_from_lines(lines, doc_id="t", source="t").model_copy(update={"tables": (table,)})
    return extract_facts(segment(doc, RULES), RULES)


def table_amounts(rows: list[list[str]], lines: list[str]) -> list[Fact]:
    return [f for f in table_document(rows, lines).facts if f.kind == "amount" and "table" in f.attrs]


# 11:43 | Investeringar | 2026 | 2027 | 2028 | 2029 | 2030 | 2031–<br>2035 |
# 11:45 | Löpande<br>investeringar | 2 500 | 2 500 | 2 500 | 2 500 | 2 500 | 2 500<br>per år |
PLAN_HEADER = ["Investeringar", "2026", "2027", "2028", "2029", "2030", "2031–\n2035"]
PLAN_ROW = ["Löpande\ninvesteringar", "2 500", "2 500", "2 500", "2 500", "2 500", "2 500\nper år"]
# 11:18-19 "Nämndens behov av löpande investeringar uppgår till 2,5 miljoner per år för åren 2026–2035."
PLAN_TEXT = ["Nämndens behov av löpande investeringar uppgår till 2,5 miljoner per år för åren", "2026–2035."]


@pytest.mark.parametrize("misread", ["20295", "2O29", "209"])
def test_a_year_header_misread_by_one_character_keeps_every_column(misread: str) -> None:
    header = [misread if text == "2029" else text for text in PLAN_HEADER]
    cells = table_amounts([header, PLAN_ROW], PLAN_TEXT)
    assert [(f.attrs["row"], f.attrs["column_year"]) for f in cells] == [
        ("1", "2026"), ("1", "2027"), ("1", "2028"), ("1", "2029"), ("1", "2030"), ("1", "2031-2035")]
    assert {(f.value, f.unit, f.period) for f in cells} == {(2_500_000, "SEK", "per_year")}
    # the header as OCR printed it stays with the cells of the column read back
    assert [f.attrs.get("column_printed") for f in cells] == [None, None, None, misread, None, None]


def test_a_data_row_is_never_read_back_into_a_header() -> None:
    # 12:42 as the phone capture reads it ("2 500" run together as "2500"): no year, a data row
    phone = ["Löpande investeringar", "2500", "2500", "2 500", "2500", "2500", "2 500 per år"]
    assert read_back_misread_year(dict(enumerate(phone)), RULES.facts) == (dict(enumerate(phone)), None)
    # figures that look like years but repeat ("2 000" read "2000"): no year run, the odd cell stays a figure
    repeated = {0: "Kostnader", 1: "2000", 2: "2000", 3: "20005"}
    assert read_back_misread_year(repeated, RULES.facts) == (repeated, None)
    # two cells off, or a figure no neighbour's year explains: left as printed
    assert read_back_misread_year({0: "", 1: "2026", 2: "20275", 3: "20285"}, RULES.facts)[1] is None
    assert read_back_misread_year({0: "", 1: "2026", 2: "2027", 3: "3150"}, RULES.facts)[1] is None


def test_a_year_misread_in_a_kind_header_is_read_back() -> None:
    headers = {0: "", 1: "Utfall 2022", 2: "Utfall 20233", 3: "Utfall 2024"}
    assert read_back_misread_year(headers, RULES.facts) == (headers | {2: "Utfall 2023"}, 2)


# 37:51-54, the first data row merged into the header as the text layer gives it (a table without a
# caption here: its figures stay as printed)
VA = [["Intäkter", "Utfall 2022\n195,7", "Utfall 2023\n205,2", "Utfall 2024\n224,1"],
      ["Kostnader", "-184,0", "-213,3", "-234,4"],
      ["Netto", "11,7", "-8,1", "-10,3"]]


def test_a_merged_header_cell_whose_figure_is_misread_costs_only_that_figure() -> None:
    misread = [VA[0][:2] + ["Utfall 2023\n2O5,2"] + VA[0][3:]] + VA[1:]
    cells = {(f.attrs["row"], f.attrs["col"]): f for f in table_amounts(misread, ["Årets resultat"])}
    assert {rc: (f.attrs.get("column_kind"), f.attrs.get("column_year")) for rc, f in cells.items()} == {
        (r, c): ("utfall", year) for r in "012" for c, year in (("1", "2022"), ("2", "2023"), ("3", "2024"))
        if (r, c) != ("0", "2")}
    assert [(cells[rc].value, cells[rc].unit) for rc in (("0", "1"), ("1", "2"), ("2", "3"))] == [
        (195.7, "unknown"), (-213.3, "unknown"), (-10.3, "unknown")]


def test_a_total_under_a_misread_year_header_is_still_added_up() -> None:
    # 37:51-54 with its header a row of its own (the first data row not merged into it), "2023" read "20233":
    # the header cell is no figure left unread, so each column's Netto is checked
    rows = [["", "Utfall 2022", "Utfall 20233", "Utfall 2024"], ["Intäkter", "195,7", "205,2", "224,1"],
            ["Kostnader", "-184,0", "-213,3", "-234,4"], ["Netto", "11,7", "-8,1", "-10,3"]]
    doc = table_document(rows, ["Årets resultat"])
    assert {f.attrs["column_year"] for f in doc.facts if f.kind == "amount" and f.attrs.get("col") == "2"} == {"2023"}
    findings, _ = check_table_sums([doc], {doc.doc_id: doc.doc_id}, RULES.checks.table_sums)
    assert {(f.kind, f.field, tuple(v.evidence.text_repaired for v in f.values)) for f in findings} == {
        ("sum_matches", "table 1 col 1", ("195,7", "-184,0", "11,7")),
        ("sum_matches", "table 1 col 2", ("205,2", "-213,3", "-8,1")),
        ("sum_matches", "table 1 col 3", ("224,1", "-234,4", "-10,3"))}


def test_a_gain_printed_with_a_plus_is_a_positive_deviation() -> None:
    # a deviation column whose gains print a plus (as `fuzz_flat_tables.py --plus-signs` draws one; figures
    # made up): each "+" figure is an amount of that column, and the column adds up
    rows = [["Verksamhet", "Budget 2024", "Utfall 2024", "Avvikelse"], ["Fritid", "2 300", "2 100", "+200"],
            ["Kultur", "1 000", "1 200", "-200"], ["Summa", "3 300", "3 300", "0"]]
    doc = table_document(rows, ["Driftredovisning"])
    deviations = [f for f in doc.facts if f.kind == "amount" and f.attrs.get("col") == "3"]
    assert [(f.value, f.attrs.get("column_kind")) for f in deviations] == [(200, "avvikelse"), (-200, "avvikelse"), (0, "avvikelse")]
    findings, _ = check_table_sums([doc], {doc.doc_id: doc.doc_id}, RULES.checks.table_sums)
    assert ("sum_matches", "table 1 col 3") in {(f.kind, f.field) for f in findings}


def test_a_decimal_comma_read_as_a_point_is_still_the_figure() -> None:
    # 37:51-54 as the standard-mode fax reads it: "-8,1" read "-8.1", and in the merged header "205,2" read "205.2"
    rows = [VA[0][:2] + ["Utfall 2023\n205.2"] + VA[0][3:], VA[1], ["Netto", "11,7", "-8.1", "-10,3"]]
    cells = {(f.attrs["row"], f.attrs["col"]): f for f in table_amounts(rows, ["Årets resultat"])}
    assert (cells[("0", "2")].value, cells[("2", "2")].value) == (205.2, -8.1)
    assert {f.attrs.get("column_year") for rc, f in cells.items() if rc[1] == "2"} == {"2023"}


def test_a_cell_whose_thousands_space_ocr_dropped_before_its_period_is_still_an_amount() -> None:
    # 11:45 as the phone capture reads its last cell: "2 500<br>per år" read "2500 per är"
    row = PLAN_ROW[:-1] + ["2500\nper är"]
    cells = table_amounts([PLAN_HEADER, row], PLAN_TEXT)
    last = [f for f in cells if f.attrs["col"] == "6"]
    assert [(f.value, f.period, f.attrs["column_year"]) for f in last] == [(2_500_000, "per_year", "2031-2035")]
    # words that are no period leave a bare number to the prose reading: no amount from the cell
    assert [f for f in table_amounts([PLAN_HEADER, PLAN_ROW[:-1] + ["2500 projekt"]], PLAN_TEXT)
            if f.attrs["col"] == "6"] == []


@pytest.mark.parametrize("line, states", [
    ("Tabell 3-2. Utfallsrapport Vatten & Avlopp, miljoner kronor", True),  # 37:13's caption, numbered
    ("Belopp i tusentals kronor", True),  # a note under a table
    ("Utfallsrapport skattefinansierad verksamhet, miljoner kronor", True),  # 37:9
    ("ett resultat för 2024 om 0,2 miljoner kronor", False),  # 37:12's prose states an amount, not a unit
    # 37's captions of page 4 as the worn-200 capture reads them, the last word lost or garbled
    ("Utfallsrapport Avfall & Återvinning, miljoner", True),
    ("Utfallsrapport Kungsbacka bredbandsnät, miljoner krönt", True),
])
def test_a_caption_or_note_states_its_tables_unit_even_when_numbered(line: str, states: bool) -> None:
    assert states_unit(line, RULES.facts) is states


@pytest.mark.parametrize("line, multiplier", [
    ("Tabell 1. Belopp i tusental kr", 1_000),
    ("Belopp i tusen kronor", 1_000),
    ("Driftredovisning, milj. kr", 1_000_000),
    ("Investeringar (milj kr)", 1_000_000),
    ("Belopp i mdr kr", 1_000_000_000),
    ("Belopp i kr", 1),
])
def test_a_caption_names_its_unit_in_any_of_the_genres_spellings(line: str, multiplier: int) -> None:
    assert states_unit(line, RULES.facts)
    assert unit_multiplier(fold(line), RULES.facts) == multiplier


def test_thousands_grouped_by_points_are_one_figure() -> None:
    # 37:51's "224,1" and an OCR reading of "36 000" with a point for the space
    assert printed_number("36.000") == (Decimal("36000"), 0) and printed_number("1.250.000") == (Decimal("1250000"), 0)
    assert printed_number("8.1") == (Decimal("8.1"), 1) and printed_number("224,1") == (Decimal("224.1"), 1)


def test_a_header_over_two_rows_gives_each_column_its_kind_and_year() -> None:
    # 37:51-54 with its kind and its year on two header rows, as budget tables of the genre set them
    rows = [["", "Utfall", "Utfall", "Utfall"], ["", "2022", "2023", "2024"], ["Intäkter", "195,7", "205,2", "224,1"],
            ["Kostnader", "-184,0", "-213,3", "-234,4"], ["Netto", "11,7", "-8,1", "-10,3"]]
    cells = table_amounts(rows, ["Årets resultat"])
    assert sorted(f.value for f in cells) == sorted([195.7, 205.2, 224.1, -184.0, -213.3, -234.4, 11.7, -8.1, -10.3])
    assert {(f.attrs["col"], f.attrs.get("column_kind"), f.attrs.get("column_year")) for f in cells} == {
        ("1", "utfall", "2022"), ("2", "utfall", "2023"), ("3", "utfall", "2024")}


@pytest.mark.parametrize("shift", ["body", "header"])
def test_a_header_set_a_column_off_its_figures_names_the_figures_below_it(shift: str) -> None:
    """37:51-54 as a converter may set it (INDEX.md: a header that swallowed the first row, the columns
    shifted so an empty one is left): the body one column right of its header, or the header one right
    of its body. Each header names the figures under it in order, the swallowed row's too."""
    header = ["Intäkter", "Utfall 2022\n195,7", "Utfall 2023\n205,2", "Utfall 2024\n224,1"]
    body = [["Kostnader", "-184,0", "-213,3", "-234,4"], ["Netto", "11,7", "-8,1", "-10,3"]]
    if shift == "body":
        rows = [header + [""]] + [[row[0], ""] + row[1:] for row in body]
    else:
        rows = [[header[0], ""] + header[1:]] + [row + [""] for row in body]
    cells = table_amounts(rows, ["Årets resultat"])
    assert {(f.attrs["row_label"], f.attrs["column_year"], f.value) for f in cells} == {
        ("Intäkter", "2022", 195.7), ("Intäkter", "2023", 205.2), ("Intäkter", "2024", 224.1),
        ("Kostnader", "2022", -184.0), ("Kostnader", "2023", -213.3), ("Kostnader", "2024", -234.4),
        ("Netto", "2022", 11.7), ("Netto", "2023", -8.1), ("Netto", "2024", -10.3)}


def test_a_header_set_off_its_figures_moves_over_a_share_and_a_comment_column_too() -> None:
    # the header one column right of its body (an empty column left under the label's neighbour), its last
    # two columns a share and a comment, as a budget bilaga sets them (bench/fuzz_flat_tables.py --gridded)
    rows = [["Verksamhet (tkr)", "", "Budget 2024", "Utfall 2024", "Andel %", "Kommentar"],
            ["Ledning", "1 200", "1 150", "95,8 %", "Enligt plan", ""],
            ["Vuxna", "6 100", "6 420", "105,2 %", "Fler placeringar", ""]]
    cells = table_amounts(rows, ["Bilaga 1"])
    assert {(f.attrs["row_label"], f.attrs.get("column_kind"), f.attrs.get("column_year"), f.value) for f in cells} == {
        ("Ledning", "budget", "2024", 1_200_000), ("Ledning", "utfall", "2024", 1_150_000),
        ("Vuxna", "budget", "2024", 6_100_000), ("Vuxna", "utfall", "2024", 6_420_000)}


def test_a_header_that_swallowed_the_first_row_splits_beside_a_share_column() -> None:
    # the first row merged into the header, its share too ("Andel %" over "95,8 %"): each figure's header
    # still names it, and the swallowed row keeps its label and figures
    rows = [["Ledning", "Budget 2024\n1 200", "Utfall 2024\n1 150", "Andel %\n95,8 %"],
            ["Vuxna", "6 100", "6 420", "105,2 %"]]
    cells = table_amounts(rows, ["Bilaga 1"])
    assert {(f.attrs["row_label"], f.attrs.get("column_kind"), f.text) for f in cells} == {
        ("Ledning", "budget", "1 200"), ("Ledning", "utfall", "1 150"), ("Vuxna", "budget", "6 100"), ("Vuxna", "utfall", "6 420")}


def test_a_header_over_a_column_of_comments_is_not_moved() -> None:
    # a column of comments without a header beside the figures, the budget column left empty: as many
    # headers as filled columns, but the body holds words, so no header moves
    rows = [["Verksamhet", "Budget 2024", "Utfall 2024", ""], ["Ledning", "", "12,4", "Enligt plan"],
            ["Vuxna", "", "61,0", "Fler placeringar"]]
    cells = table_amounts(rows, ["Driftredovisning, miljoner kronor"])
    assert {(f.attrs["row_label"], f.attrs["column"]) for f in cells} == {("Ledning", "Utfall 2024"), ("Vuxna", "Utfall 2024")}


def test_a_figure_in_brackets_is_negative_and_a_share_column_holds_no_amounts() -> None:
    # 37:51-53 with its "Kostnader" bracketed as accounts print them, and a share column beside
    rows = [["Tkr", "Utfall 2024", "Andel av budget"], ["Intäkter", "224,1", "101,3"],
            ["Kostnader", "(234,4)", "99,8"], ["Netto", "-10,3", ""]]
    cells = {f.attrs["row_label"]: f for f in table_amounts(rows, ["Årets resultat"])}
    assert {label: (f.value, f.attrs["col"]) for label, f in cells.items()} == {
        "Intäkter": (224100, "1"), "Kostnader": (-234400, "1"), "Netto": (-10300, "1")}



@pytest.mark.parametrize("deviation", ["Avv. budget", "Avvik.", "Förändring mot budget", "Skillnad mot budget"])
def test_an_abbreviated_deviation_header_names_a_deviation_not_a_budget(deviation: str) -> None:
    # a budget table of the genre (figures made up) whose deviation column is headed as such tables
    # abbreviate it: its cells are deviations, never a second budget beside the first
    rows = [["Tkr", "Budget 2024", "Utfall 2024", deviation], ["Förskola", "1 200", "1 100", "100"],
            ["Grundskola", "2 400", "2 500", "-100"], ["Summa", "3 600", "3 600", "0"]]
    cells = table_amounts(rows, ["Uppföljning av driftbudget"])
    assert {f.value: f.role for f in cells if f.attrs["col"] == "3"} == {100_000: "deviation", -100_000: "deviation",
                                                                        0: "deviation"}
    assert {f.attrs.get("column_kind") for f in cells if f.attrs["col"] == "3"} == {"avvikelse"}

def test_a_table_continued_on_the_next_page_keeps_its_header_and_unit() -> None:
    # 37:51-54 split over two pages, the second part without its header row
    first = [["Mnkr", "Utfall 2022", "Utfall 2023", "Utfall 2024"], ["Intäkter", "195,7", "205,2", "224,1"]]
    rest = [["Kostnader", "-184,0", "-213,3", "-234,4"], ["Netto", "11,7", "-8,1", "-10,3"]]
    tables = tuple(Table(page=page, bbox=None, method="ruled", n_rows=len(rows), n_cols=4,
                         cells=tuple(Cell(row=r, col=c, text=t, bbox=None) for r, row in enumerate(rows) for c, t in enumerate(row)))
                   for page, rows in ((1, first), (2, rest)))
    doc = document_from_lines(["Årets resultat"], doc_id="t", source="t").model_copy(update={"tables": tables})
    cells = [f for f in extract_facts(segment(doc, RULES), RULES).facts if f.kind == "amount" and f.attrs.get("table") == "1"]
    assert {(f.value, f.unit, f.attrs.get("column_year")) for f in cells} == {
        (-184_000_000, "SEK", "2022"), (-213_300_000, "SEK", "2023"), (-234_400_000, "SEK", "2024"),
        (11_700_000, "SEK", "2022"), (-8_100_000, "SEK", "2023"), (-10_300_000, "SEK", "2024")}


@pytest.mark.parametrize("opening", [[["Socialnämnden", "Kommunen", ""], ["Tkr", "Budget 2025", "Utfall 2025"]],
                                     [["Investeringar", "", ""]]])
def test_a_part_on_the_next_page_under_a_running_head_or_a_section_name_continues_the_table(opening) -> None:
    # a long bilaga of the genre (figures made up) run on over a page break: the next page's part opens
    # with the page's running head set in two columns over the header again, or with a section's name
    # alone in the label cell; neither is a header of its own, so its cells keep the first part's columns
    first = [["Tkr", "Budget 2025", "Utfall 2025"], ["Hemtjänst", "38 700", "37 950"]]
    rest = [*opening, ["Ekonomiskt bistånd", "9 600", "10 240"]]
    tables = tuple(Table(page=page, bbox=None, method="word-boxes", n_rows=len(rows), n_cols=3,
                         cells=tuple(Cell(row=r, col=c, text=t, bbox=None) for r, row in enumerate(rows) for c, t in enumerate(row)))
                   for page, rows in ((1, first), (2, rest)))
    doc = document_from_lines(["Driftredovisning"], doc_id="t", source="t").model_copy(update={"tables": tables})
    cells = [f for f in extract_facts(segment(doc, RULES), RULES).facts if f.kind == "amount" and f.attrs.get("table") == "1"]
    assert {(f.attrs["row_label"], f.value, f.attrs.get("column_kind"), f.attrs.get("continues")) for f in cells} == {
        ("Ekonomiskt bistånd", 9_600_000, "budget", "0"), ("Ekonomiskt bistånd", 10_240_000, "utfall", "0")}


@pytest.mark.parametrize("unit, scale", [("Belopp i t kr", 1000), ("Belopp i t.kr", 1000), ("Mn kr", 1_000_000)])
def test_a_unit_written_apart_is_thousands_or_millions_not_kronor(unit: str, scale: int) -> None:
    # a budget table of the genre (figures made up) whose label column's header writes its unit apart:
    # "t kr" is tusen kronor, never kronor by its "kr"
    cells = table_amounts([[unit, "Budget 2024", "Utfall 2024"], ["Förskola", "1 200", "1 100"]], ["Driftredovisning"])
    assert sorted(f.value for f in cells) == [1_100 * scale, 1_200 * scale]


def _scanned_word(text: str, x0: float, top: float, line: int, height: float = 10.0) -> Word:
    """A word as Tesseract boxes it on a scanned page (6 pt a character)."""
    return Word(text=text, bbox=BBox(x0, top, x0 + 6 * len(text), top + height), line=line, block=1,
                confidence=0.9, origin="ocr")


def _scanned_page(words: tuple[Word, ...], table: Table) -> Document:
    """A one-page scanned document holding `words` and `table`."""
    page = Page(number=1, kind="ocr", width=595, height=842, words=words)
    return Document(doc_id="d", source="s", media_type="application/pdf", pipeline_version="0", rules_hash="0",
                    pages=(page,), tables=(table,))


def test_a_caption_beside_the_box_of_a_leaning_scanned_table_is_its_caption() -> None:
    # a flat bilaga scanned a little turned (figures made up; the boxes as a photocopy-300 page of
    # `fuzz_flat_tables.py --long` gave them): the header rises to the right, so the table's box reaches
    # above the middle of the caption at its left; the caption is no line of the header and states the unit
    words = (_scanned_word("Belopp", 45.0, 89.6, 1), _scanned_word("i", 83.0, 89.2, 1), _scanned_word("mnkr", 92.0, 88.5, 1),
             _scanned_word("Verksamhet", 45.0, 101.0, 2), _scanned_word("Förslag", 110.0, 97.0, 2),
             _scanned_word("2023", 156.0, 94.4, 2), _scanned_word("Kulturskola", 46.0, 113.6, 3),
             _scanned_word("308,0", 132.5, 111.7, 3))
    cells = (Cell(row=0, col=0, text="Kulturskola", bbox=words[6].bbox), Cell(row=0, col=1, text="308,0", bbox=words[7].bbox))
    table = Table(page=1, bbox=BBox(45.0, 94.4, 182.0, 123.6), method="flat-rows", n_rows=1, n_cols=2, cells=cells,
                  header=("Verksamhet", "Förslag 2023"))
    assert unit_line(_scanned_page(words, table), table, RULES.facts) == "Belopp i mnkr"


def test_a_note_inside_the_box_of_a_leaning_scanned_table_under_its_last_row_is_its_note() -> None:
    # a flat bilaga scanned a little turned (figures made up; the boxes as a photocopy-300 page of
    # `fuzz_flat_tables.py --seed 93` gave them, paper 36): the last row falls to the right, so the table's
    # box reaches below the middle of the note under its left end; the note holds no word of a cell
    words = (_scanned_word("Summa", 59.5, 305.0, 1), _scanned_word("investeringar", 97.0, 305.5, 1),
             _scanned_word("18", 157.3, 308.2, 1), _scanned_word("990", 170.0, 308.2, 1), _scanned_word("000", 190.0, 308.4, 1),
             _scanned_word("5,4", 367.6, 314.3, 1), _scanned_word("%", 386.0, 314.3, 1),
             _scanned_word("Belopp", 59.0, 317.7, 2), _scanned_word("i", 99.0, 317.8, 2), _scanned_word("kr", 107.0, 318.0, 2))
    cells = (Cell(row=0, col=0, text="Summa investeringar", bbox=BBox(59.5, 305.0, 175.0, 317.6)),
             Cell(row=0, col=1, text="18 990 000", bbox=BBox(157.3, 308.2, 208.0, 318.6)),
             Cell(row=0, col=2, text="5,4 %", bbox=BBox(367.6, 314.3, 393.0, 323.3)))
    table = Table(page=1, bbox=BBox(59.5, 217.9, 393.0, 323.3), method="flat-rows", n_rows=1, n_cols=3, cells=cells,
                  header=("Verksamhet", "Förslag 2026", "Andel %"))
    assert unit_line(_scanned_page(words, table), table, RULES.facts) == "Belopp i kr"


def test_a_caption_inside_the_box_of_a_leaning_scanned_ruled_table_is_its_caption() -> None:
    # a ruled bilaga scanned a little turned (figures made up; the boxes as a photocopy-300 page of
    # `fuzz_flat_tables.py --gridded` gave them): the grid's box reaches above the caption's middle at its
    # left end, and the table's header is its first row of cells, so it has no header words of its own;
    # a line above a ruled table's cells is never its own
    words = tuple(_scanned_word(text, x0, top, line, 10.7) for text, x0, top, line in (
        ("Belopp", 46.7, 88.3, 1), ("i", 85.0, 88.1, 1), ("tkr", 92.0, 87.9, 1), ("Verksamhet", 50.8, 103.4, 2),
        ("Bokslut", 185.0, 101.2, 2), ("2025", 230.0, 100.9, 2), ("Kompetensutveckling", 52.2, 134.8, 3),
        ("28", 190.0, 132.9, 3), ("690", 204.0, 132.9, 3)))
    cells = (Cell(row=0, col=0, text="Verksamhet", bbox=BBox(46.1, 98.6, 145.0, 117.0)),
             Cell(row=0, col=1, text="Bokslut 2025", bbox=BBox(180.0, 95.8, 243.8, 113.2)),
             Cell(row=1, col=0, text="Kompetensutveckling", bbox=BBox(46.1, 130.0, 145.0, 148.0)),
             Cell(row=1, col=1, text="28 690", bbox=BBox(180.0, 127.0, 243.8, 145.0)))
    table = Table(page=1, bbox=BBox(46.1, 89.7, 459.3, 285.9), method="ruled", n_rows=2, n_cols=2, cells=cells)
    assert unit_line(_scanned_page(words, table), table, RULES.facts) == "Belopp i tkr"


def test_a_table_of_money_rows_without_unit_or_dated_headers_keeps_its_figures() -> None:
    # 37:51-54's rows under headers that name no kind and no year, the table stating no unit: its
    # figures are amounts with unit unknown, as printed (the "a table without a stated unit")
    rows = [["", "Period", "Helår"], ["Intäkter", "195,7", "224,1"], ["Kostnader", "-184,0", "-234,4"],
            ["Netto", "11,7", "-10,3"]]
    cells = table_amounts(rows, ["Årets resultat"])
    assert sorted((f.value, f.unit) for f in cells) == sorted(
        (v, "unknown") for v in (195.7, 224.1, -184.0, -234.4, 11.7, -10.3))


def test_a_table_of_counts_without_money_rows_holds_no_amounts() -> None:
    # a table of counts (places and pupils): no row is named as money, so its figures are no amounts
    rows = [["Skola", "Platser", "Elever"], ["Skola A", "120", "98"], ["Skola B", "80", "75"]]
    assert table_amounts(rows, ["Antagning"]) == []


def test_a_line_of_the_accounts_takes_its_figure_kind_from_its_column() -> None:
    # 37:42-47's rows under the columns of a follow-up: "Intäkter" and "Nettokostnad" are lines of the
    # accounts, budgeted in the budget column and forecast in the forecast column; a budget row stays one
    rows = [["Mnkr", "Redovisning 2024", "Budget 2025", "Prognos 2025", "Avvikelse"],
            ["Intäkter", "79,1", "80,0", "82,1", "2,1"], ["Nettokostnad", "-228,1", "-223,4", "-226,4", "-3,0"],
            ["Budget, netto", "-223,4", "-223,4", "-223,4", "0,0"]]
    roles = {(f.attrs["row_label"], f.attrs["col"]): f.role for f in table_amounts(rows, ["Driftredovisning"])}
    del roles[("Budget, netto", "4")]  # the deviation of a budget line: either reading serves
    assert roles == {
        ("Intäkter", "1"): "outcome", ("Intäkter", "2"): "budget", ("Intäkter", "3"): "forecast", ("Intäkter", "4"): "deviation",
        ("Nettokostnad", "1"): "outcome", ("Nettokostnad", "2"): "budget", ("Nettokostnad", "3"): "forecast",
        ("Nettokostnad", "4"): "deviation",
        ("Budget, netto", "1"): "budget", ("Budget, netto", "2"): "budget", ("Budget, netto", "3"): "budget"}


def _page_with_tables(text: list[str], tables: list[list[list[str]]]) -> tuple[Document, list[Table]]:
    """A text-layer page as the genre's text layers set it: `text` line by line, then the tables
    one under another (12 pt a line, 20 pt between tables)."""
    words, top = [], 40.0
    for n, line in enumerate(text, start=1):
        words.append(Word(text=line, bbox=BBox(60, top, 500, top + 10), line=n, block=0, confidence=1.0, origin="text-layer"))
        top += 12
    made = []
    for rows in tables:
        top += 20
        cells = tuple(Cell(row=r, col=c, text=t, bbox=BBox(60 + 110 * c, top + 14 * r, 165 + 110 * c, top + 14 * r + 12))
                      for r, row in enumerate(rows) for c, t in enumerate(row))
        made.append(Table(page=1, bbox=BBox(60, top, 60 + 110 * len(rows[0]), top + 14 * len(rows)), method="ruled",
                          n_rows=len(rows), n_cols=len(rows[0]), cells=cells))
        top += 14 * len(rows)
    doc = document_from_lines(["x"], doc_id="t", source="t.pdf")
    page = Page(number=1, kind="text", width=595, height=max(842, top + 40), words=tuple(words))
    return doc.model_copy(update={"pages": (page,), "tables": tuple(made)}), made


def test_a_caption_heading_a_full_page_of_text_states_the_unit_of_the_table_after_it() -> None:
    prose = "Verksamheten har under året arbetat vidare med uppdraget och redovisar utfallet nedan."
    doc, (table,) = _page_with_tables(["Nettokostnad per verksamhet, tkr", *[prose] * 55],
                                      [[["Verksamhet", "Budget 2024"], ["Bibliotek", "41 200"]]])
    assert unit_line(doc, table, RULES.facts) == "Nettokostnad per verksamhet, tkr"


def test_tables_set_after_the_text_take_its_captions_in_order() -> None:
    doc, tables = _page_with_tables(
        ["Driftredovisning per verksamhet, tkr", "Nämnden redovisar ett underskott.",
         "Investeringsredovisning, miljoner kronor", "Investeringarna blev lägre än planerat."],
        [[["Verksamhet", "Budget 2024"], ["Vuxna", "61 000"]], [["Projekt", "Budget 2024"], ["Inventarier", "1,2"]]])
    assert [unit_line(doc, t, RULES.facts) for t in tables] == [
        "Driftredovisning per verksamhet, tkr", "Investeringsredovisning, miljoner kronor"]


@pytest.mark.parametrize("first_row", [["", "", "", ""], ["Col1", "Col2", "Col3", "Col4"]])
def test_a_first_row_that_names_nothing_stands_over_the_real_header(first_row: list[str]) -> None:
    # a Markdown converter's table without a header line: a blank header row, or "Col1" | "Col2" …,
    # over the header the page prints
    rows = [first_row, ["Verksamhet", "Budget 2024", "Utfall 2024", "Avvikelse"],
            ["Bibliotek", "41 200", "40 100", "1 100"], ["Fritidsgårdar", "18 300", "19 000", "-700"]]
    cells = table_amounts(rows, ["Driftredovisning per verksamhet, tkr"])
    assert {(f.attrs["row_label"], f.attrs.get("column_kind"), f.attrs.get("column_year"), f.role) for f in cells} == {
        ("Bibliotek", "budget", "2024", "budget"), ("Bibliotek", "utfall", "2024", "outcome"),
        ("Bibliotek", "avvikelse", None, "deviation"), ("Fritidsgårdar", "budget", "2024", "budget"),
        ("Fritidsgårdar", "utfall", "2024", "outcome"), ("Fritidsgårdar", "avvikelse", None, "deviation")}


def test_a_column_of_project_numbers_is_no_row_label_and_holds_no_amounts() -> None:
    # a re-budgeting table: the project's number, then its name, then the figures; "Summa" in the name column
    rows = [["Projektnr", "Projekt, tkr", "Budget 2024", "Utfall 2024"], ["21034", "Konstgräsplan Norr", "6 500", "4 100"],
            ["21051", "Nytt bibliotek", "85 000", "40 200"], ["", "Summa", "91 500", "44 300"]]
    cells = table_amounts(rows, ["Projekt som föreslås ombudgeteras till 2025, tkr"])
    assert sorted((f.attrs["row_label"], f.value, f.attrs.get("total_row")) for f in cells) == [
        ("Konstgräsplan Norr", 4_100_000, None), ("Konstgräsplan Norr", 6_500_000, None),
        ("Nytt bibliotek", 40_200_000, None), ("Nytt bibliotek", 85_000_000, None),
        ("Summa", 44_300_000, "true"), ("Summa", 91_500_000, "true")]


def test_a_header_that_swallowed_the_first_row_gives_that_row_its_own_label() -> None:
    # 37:42's merged header ("Utfall 2022<br>79,1") under a label column whose header is printed too:
    # "Verksamhet" over "Nämnd och ledning", each value cell a header over a figure
    header = [["Verksamhet", "Nämnd och ledning"], ["Budget 2024", "12,4"], ["Utfall 2024", "11,9"]]
    rows = [header, [["Vuxna"], ["61,0"], ["58,8"]]]
    words, cells = [], []
    for r, row in enumerate(rows):
        for c, parts in enumerate(row):
            box = BBox(60 + 110 * c, 100 + 40 * r, 165 + 110 * c, 130 + 40 * r)
            cells.append(Cell(row=r, col=c, text=" ".join(parts), bbox=box))
            for k, part in enumerate(parts):
                words.append(Word(text=part, bbox=BBox(box.x0 + 2, box.top + 2 + 12 * k, box.x1 - 2, box.top + 12 + 12 * k),
                                  line=10 * r + k + 1, block=0, confidence=1.0, origin="text-layer"))
    table = Table(page=1, bbox=BBox(60, 100, 390, 210), method="ruled", n_rows=2, n_cols=3, cells=tuple(cells))
    page = Page(number=1, kind="text", width=595, height=842, words=tuple(sorted(words, key=lambda w: w.line)))
    doc = document_from_lines(["Driftredovisning, miljoner kronor"], doc_id="t", source="t.pdf")
    doc = doc.model_copy(update={"pages": (page,), "tables": (table,)})
    cells_found = [f for f in extract_facts(segment(doc, RULES), RULES).facts if f.kind == "amount"]
    assert {(f.attrs["row_label"], f.attrs["column"], f.text) for f in cells_found} == {
        ("Nämnd och ledning", "Budget 2024", "12,4"), ("Nämnd och ledning", "Utfall 2024", "11,9"),
        ("Vuxna", "Budget 2024", "61,0"), ("Vuxna", "Utfall 2024", "58,8")}


@pytest.mark.parametrize(("unit", "role"), [("Kronor/ poäng", "fee"), ("Kr per elev", "fee"), ("Kronor", "cost_item")])
def test_a_table_whose_unit_is_a_price_per_unit_holds_fees(unit: str, role: str) -> None:
    """A price list written for this test, its unit priced per something or not."""
    amounts = table_amounts([["Utbildning", unit], ["Studieväg 1", "70"], ["Studieväg 2", "58"]], ["Ersättning 2026"])
    assert [(f.value, f.role) for f in amounts] == [(70, role), (58, role)]


@pytest.mark.parametrize("label_header, parties", [("Verksamhet (tkr)", {"Ryttarklubben Norr"}), ("Projekt", {"Ryttarklubben Norr"}),
                                                   ("Förening", {"Kulturhuset Ljus", "Ryttarklubben Norr"})])
def test_row_labels_are_parties_under_a_header_naming_organisations_or_by_their_own_word(
        label_header: str, parties: set[str]) -> None:
    # a bilaga's table set in columns (the genre's shapes, names and figures made up): under "Verksamhet"
    # or "Projekt" a row is the committee's own activity unless its label names an organisation by its
    # organisation word ("…klubben"); under "Förening" every row is who is paid; a Summa row never is
    rows = [["Kulturhuset Ljus", "120 000", "100 000"], ["Ryttarklubben Norr", "80 000", "80 000"],
            ["Summa", "200 000", "180 000"]]
    cells = tuple(Cell(row=r, col=c, text=t, bbox=None) for r, row in enumerate(rows) for c, t in enumerate(row))
    table = Table(page=1, bbox=None, method="word-boxes", n_rows=3, n_cols=3, cells=cells,
                  header=(label_header, "Sökt 2024", "Beviljat 2024"))
    lines = ["Bilaga 1", "Bidrag 2024", "Belopp i kronor"]
    doc = document_from_lines(lines, doc_id="t", source="t").model_copy(update={"tables": (table,)})
    facts = extract_facts(segment(doc, RULES), RULES).facts
    assert {f.value for f in facts if f.kind == "party" and f.attrs.get("col") == "0"} == parties
    assert len([f for f in facts if f.kind == "amount" and "table" in f.attrs]) == 6
