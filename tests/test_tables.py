"""Table reconstruction: ruled PDFs, OCR word boxes, and tables old OCR flattened into text."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest
import yaml

from pipeline.ingest import document_from_lines
from pipeline.model import BBox, Document, Page, Table, Word
from pipeline.rules import RULES_DIR, Rules, TablesRules
from pipeline.tables import extract_tables, ruled_tables

SEEDS = Path(__file__).resolve().parent.parent / "corpus" / "sources"

COSTS = [
    ("undervisning, handledning, uppföljning (3 tjänster)", "1 670 400 kr"),
    ("handledarstöd (0,5 tjänst)", "278 400 kr"),
    ("lokaler", "372 000 kr"),
    ("utbildningsmaterial", "48 000 kr"),
    ("Summa kostnader per kalenderår:", "2 368 800 kr"),
]
SHARES = [
    ("Linköpings kommun", "1 658 160 kr", "70%"),
    ("Bilda", "592 200 kr", "25%"),
    ("Erikshjälpen", "118 440 kr", "5%"),
    ("Summa:", "2 368 800 kr", "100%"),
]
PROSE = (
    "Den stora utmaningen under året har varit pandemin vilket innebar förändrade förutsättningar",
    "Verksamheten har arbetat med att kontinuerligt kontakta deltagarna som är inskrivna",
    "Arbetsgrupp och styrgrupp har arbetat med att ta fram branschspecifika digitala insatser",
)


@pytest.fixture(scope="module")
def rules() -> Rules:
    """Only rules/tables.yaml, validated: these tests need no other rule file to be in shape."""
    data = yaml.safe_load((RULES_DIR / "tables.yaml").read_text(encoding="utf-8"))
    return Rules.model_construct(tables=TablesRules.model_validate(data))


def _grid(table: Table) -> dict[tuple[int, int], str]:
    return {(c.row, c.col): c.text for c in table.cells}


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


# ---- ruled tables -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def ruled_pdf(tmp_path_factory) -> Path:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer
    from reportlab.platypus import Table as RLTable
    from reportlab.lib.styles import getSampleStyleSheet

    path = tmp_path_factory.mktemp("ruled") / "ekonomi.pdf"
    style = [("GRID", (0, 0), (-1, -1), 0.5, colors.black)]
    body = getSampleStyleSheet()["BodyText"]
    story = [
        Paragraph("7. Ekonomi", body),
        RLTable([list(r) for r in COSTS], style=style),
        Spacer(1, 24),
        Paragraph("Respektive part bidrar med:", body),
        RLTable([list(r) for r in SHARES], style=style),
    ]
    SimpleDocTemplate(str(path), pagesize=A4).build(story)
    return path


def test_ruled_tables_read_both_cost_tables_with_boxes(ruled_pdf, rules):
    import pdfplumber

    with pdfplumber.open(ruled_pdf) as pdf:
        page = pdf.pages[0]
        tables = ruled_tables(page, 1, rules.tables.ruled)
        width, height = page.width, page.height
    assert [(t.n_rows, t.n_cols, t.method) for t in tables] == [(5, 2, "ruled"), (4, 3, "ruled")]
    costs, shares = (_grid(t) for t in tables)
    assert costs[(0, 1)] == "1 670 400 kr" and costs[(4, 0)] == "Summa kostnader per kalenderår:"
    assert costs[(4, 1)] == "2 368 800 kr"
    assert shares[(2, 0)] == "Erikshjälpen" and shares[(0, 2)] == "70%" and shares[(3, 1)] == "2 368 800 kr"
    for table in tables:
        assert table.page == 1
        for cell in table.cells:
            assert cell.bbox is not None
            assert 0 <= cell.bbox.x0 < cell.bbox.x1 <= width and 0 <= cell.bbox.top < cell.bbox.bottom <= height
    # top-left origin: the cost table stands above the share table
    assert tables[0].bbox.bottom < tables[1].bbox.top


def test_extract_tables_keeps_ruled_tables_and_is_pure(ruled_pdf, rules):
    import pdfplumber

    with pdfplumber.open(ruled_pdf) as pdf:
        ruled = tuple(ruled_tables(pdf.pages[0], 1, rules.tables.ruled))
    doc = document_from_lines(["Ingen tabell här."], doc_id="d", source="s").model_copy(update={"tables": ruled})
    out = extract_tables(doc, rules)
    assert out.tables[: len(ruled)] == ruled and doc.tables == ruled


# ---- word boxes on an OCR page ------------------------------------------------------------


def _ocr_page(rows: list[list[tuple[float, str]]]) -> Page:
    """Lay out lines of (x, text) segments as OCR words: 6 pt per character, 10 pt high."""
    words: list[Word] = []
    for n, segments in enumerate(rows, start=1):
        top = 60.0 + 16 * n
        for x, text in segments:
            for token in text.split():
                words.append(
                    Word(text=token, bbox=BBox(x, top, x + 6 * len(token), top + 10), line=n,
                         block=0, confidence=0.9, origin="ocr")
                )
                x += 6 * len(token) + 4
    return Page(number=2, kind="ocr", width=595, height=842, words=tuple(words))


def _ocr_doc(page: Page) -> Document:
    return Document(doc_id="d", source="s", media_type="image/tiff", pipeline_version="0",
                    rules_hash="0", pages=(page,))


def test_word_box_tables_from_columns_not_from_text_stream(rules):
    prose = "Kostnaderna fördelas mellan parterna enligt överenskommelsen som gäller för hela perioden"
    lines = [[(60, prose)], [(60, "och justeras varje år med två procent enligt indexet.")]]
    lines += [[(60, label), (420, amount)] for label, amount in COSTS]
    lines += [[(60, prose)]]
    # the minus sign of -48 000 is lost: in the text stream "278 400 48 000" would glue
    lines += [[(60, party), (300, amount), (420, share)] for party, amount, share in SHARES]
    lines += [[(60, "Kommunen står för den största delen av kostnaden under hela avtalsperioden.")]]
    out = extract_tables(_ocr_doc(_ocr_page(lines)), rules)
    tables = [t for t in out.tables if t.method == "word-boxes"]
    assert [(t.n_rows, t.n_cols) for t in tables] == [(5, 2), (4, 3)]
    costs, shares = (_grid(t) for t in tables)
    assert [costs[(r, 1)] for r in range(5)] == [a for _, a in COSTS]
    assert costs[(0, 0)] == COSTS[0][0]
    assert [shares[(r, 2)] for r in range(4)] == [s for _, _, s in SHARES]
    assert shares[(1, 1)] == "592 200 kr"
    assert all(c.bbox is not None for t in tables for c in t.cells)
    assert tables[0].bbox.top > 60 + 16 * 2 and tables[0].bbox.bottom < tables[1].bbox.top


# A phone photo of a budget table set in columns (as the genre's converter keeps an uncertain table),
# tilted about 2 degrees: Tesseract read it column by column, and each OCR line (here with its word
# boxes as the unwarped photo maps them back to the scan) is one column's cell; no line is long
# enough to measure the tilt on.
PHONE_COLUMNS = [
    [("Lokalanpassning", 86, 141, 148, 152)], [("Digitalisering", 87, 152, 133, 162)], [("Fordon", 87, 164, 113, 171)],
    [("Summa", 88, 174, 115, 181)], [("3", 181, 140, 185, 146), ("500", 187, 139, 201, 146)],
    [("1", 182, 150, 184, 156), ("000", 188, 150, 201, 156)], [("800", 190, 160, 203, 167)],
    [("5", 182, 171, 186, 177), ("300", 189, 171, 202, 177)], [("1", 232, 138, 235, 144), ("200", 239, 137, 252, 144)],
    [("NaN", 232, 148, 248, 154)], [("815", 233, 158, 246, 165)], [("2", 233, 169, 237, 175), ("015", 240, 168, 253, 175)],
    [("2", 279, 136, 283, 142), ("300", 286, 135, 299, 142)], [("1", 280, 146, 282, 152), ("000", 286, 146, 300, 152)],
    [("-15", 280, 157, 292, 163)], [("3", 280, 167, 285, 173), ("285", 287, 167, 301, 173)],
    [("2", 331, 134, 335, 140), ("300", 338, 133, 351, 140)], [("1", 332, 144, 334, 150), ("000", 338, 144, 352, 150)],
    [("NaN", 332, 154, 347, 161)], [("3", 332, 165, 336, 171), ("300", 339, 165, 352, 171)],
]


# The same table photographed tilted about 3.5 degrees, with its header and a column of NaN: a hop from one
# column to the next climbs half a row, so lines joined as if level skip rows and cross them.
PHONE_COLUMNS_STEEP = [
    [("Belopp", 78, 150, 103, 159), ("i", 103, 149, 107, 159), ("tkr", 110, 149, 119, 156)],
    [("Lokalanpassning", 79, 158, 141, 170)], [("Digitalisering", 79, 169, 127, 180)], [("Fordon", 80, 181, 106, 188)],
    [("Summa", 81, 191, 110, 199)], [("Årsbudget", 173, 142, 210, 153)], [("3", 174, 156, 178, 162), ("500", 181, 155, 194, 161)],
    [("1.000", 175, 165, 195, 172)], [("800", 184, 175, 197, 181)], [("5", 176, 186, 181, 192), ("300", 183, 185, 197, 192)],
    [("Utfall", 224, 141, 242, 148)], [("1200", 225, 151, 245, 158)], [("NaN", 226, 161, 242, 168)],
    [("815", 226, 172, 240, 178)], [("2", 228, 183, 232, 189), ("015", 234, 181, 248, 188)],
    [("Avvikelse", 271, 137, 305, 145)], [("2", 272, 149, 276, 155), ("300", 279, 148, 292, 155)],
    [("1.000", 273, 158, 293, 165)], [("-15", 273, 169, 285, 175)], [("3", 274, 179, 278, 185), ("285", 281, 178, 294, 185)],
    [("Ombudgeteras", 321, 132, 375, 143)], [("2", 322, 146, 327, 152), ("300", 329, 145, 343, 152)],
    [("1.000", 324, 155, 344, 162)], [("NaN", 324, 165, 340, 172)], [("3", 325, 176, 329, 182), ("300", 332, 175, 345, 181)],
    [("Andel", 384, 131, 405, 138)], [("NaN", 385, 141, 401, 148)], [("NaN", 386, 151, 402, 158)],
    [("NaN", 387, 161, 402, 168)], [("NaN", 388, 171, 404, 177)],
]


@pytest.mark.parametrize(("columns", "expected"), [
    (PHONE_COLUMNS, [["Lokalanpassning", "3 500", "1 200", "2 300", "2 300"], ["Digitalisering", "1 000", "NaN", "1 000", "1 000"],
                     ["Fordon", "800", "815", "-15", "NaN"], ["Summa", "5 300", "2 015", "3 285", "3 300"]]),
    (PHONE_COLUMNS_STEEP, [["Lokalanpassning", "3 500", "1200", "2 300", "2 300", "NaN"],
                           ["Digitalisering", "1.000", "NaN", "1.000", "1.000", "NaN"],
                           ["Fordon", "800", "815", "-15", "NaN", "NaN"], ["Summa", "5 300", "2 015", "3 285", "3 300", "NaN"]]),
])
def test_table_read_column_by_column_on_a_tilted_photo_joins_its_rows(rules, columns, expected):
    words = tuple(Word(text=text, bbox=BBox(x0, top, x1, bottom), line=n, block=n, confidence=0.9, origin="ocr")
                  for n, line in enumerate(columns, start=1) for text, x0, top, x1, bottom in line)
    page = Page(number=1, kind="ocr", width=595, height=842, words=words)
    tables = [t for t in extract_tables(_ocr_doc(page), rules).tables if t.method == "word-boxes"]
    rows = sorted(_grid(tables[0]).items())
    assert [[text for (r, _), text in rows if r == row] for row in range(4)] == expected


# A bilaga of eight columns drawn of the genre's words (bench/fuzz_flat_tables.py --seed 85, paper 14; every
# figure made up), as printed, and as Tesseract read its photocopy-300 scan: column by column, with its last
# two columns ("Förslag 2023", "Plan 2023") too close for their word boxes to stand apart.
BY_COLUMNS = Path(__file__).parent / "fixtures" / "scanned-bilaga-read-by-columns.json"
BY_COLUMNS_PRINTED = [
    ["Digitalisering", "29 180", "22 110", "12 350", "9 830", "NaN", "3 730", "0"],
    ["Barn och unga", "37 340", "12 320", "1 280", "NaN", "NaN", "30 560", "15 710"],
    ["Gymnasieskola", "42 010", "NaN", "0", "38 760", "18 820", "24 250", "NaN"],
    ["Summa drift", "108 530", "34 430", "13 630", "48 590", "18 820", "58 540", "15 710"],
    ["Fritidsgårdar", "49 290", "41 810", "48 030", "8 010", "18 190", "1 430", "31 830"],
    ["Elevhälsa", "43 710", "1 520", "NaN", "26 690", "47 280", "44 170", "NaN"],
    ["Grundskola", "NaN", "41 580", "550", "2 080", "26 150", "30 590", "7 760"],
    ["Summa investeringar", "93 000", "84 910", "48 580", "36 780", "91 620", "76 190", "39 590"],
    ["Totalt", "201 530", "119 340", "62 210", "85 370", "110 440", "134 730", "55 300"],
]


def test_table_read_column_by_column_with_columns_too_close_is_read_in_rows(rules):
    words = tuple(Word(text=text, bbox=BBox(x0, top, x1, bottom), line=line, block=0, confidence=0.9, origin="ocr")
                  for text, x0, top, x1, bottom, line in json.loads(BY_COLUMNS.read_text(encoding="utf-8"))["words"])
    page = Page(number=1, kind="ocr", width=595, height=842, words=words)
    tables = extract_tables(_ocr_doc(page), rules).tables
    assert len(tables) == 1 and tables[0].n_cols == 8
    assert tables[0].header[1:] == ("Förslag 2022", "Utfall 2022", "Beviljat", "Budget 2023", "Prognos 2022",
                                    "Förslag 2023", "Plan 2023")  # "= Pian 2023" as scanned: a speck, an l read i
    grid = _grid(tables[0])
    read = [[grid.get((row, col), "") for col in range(8)] for row in range(len(BY_COLUMNS_PRINTED))]
    assert [row[0].strip('"') for row in read] == [row[0] for row in BY_COLUMNS_PRINTED]
    as_scanned = [row[:] for row in BY_COLUMNS_PRINTED]
    as_scanned[7][2] = "84 210"  # the scan itself misread it ("30 560" read "30560" prints the same digits)
    assert [[_digits(c) or c for c in row[1:]] for row in read] == [[_digits(c) or c for c in row[1:]] for row in as_scanned]


def test_two_column_prose_is_not_a_table(rules):
    left = "Verksamheten har arbetat med att"
    right = "kontakta deltagarna på telefon"
    page = _ocr_page([[(60, left), (330, right)] for _ in range(6)])
    assert extract_tables(_ocr_doc(page), rules).tables == ()


def test_word_box_table_with_header_row(rules):
    lines = [[(60, "Part"), (300, "Belopp"), (420, "Andel")]]
    lines += [[(60, p), (300, a), (420, s)] for p, a, s in SHARES]
    table = next(t for t in extract_tables(_ocr_doc(_ocr_page(lines)), rules).tables)
    assert table.header == ("Part", "Belopp", "Andel") and table.n_rows == 4



def test_word_box_row_of_empty_cells_stays_a_row_of_its_table(rules):
    # a data frame's "NaN" spelled like no header word, yet a cue's tolerance took the row for the
    # header of a second table; a row whose every cell is empty is a row like the others
    cols = (60, 220, 300, 380)
    lines = [list(zip(cols, ("Verksamhet", "Budget 2024", "Utfall 2024", "Avvikelse")))]
    lines += [list(zip(cols, row)) for row in (("Förskola", "4 430", "3 980", "450"), ("Grundskola", "2 100", "2 300", "-200"),
                                               ("Vuxna", "NaN", "NaN", "NaN"), ("Summa", "6 530", "6 280", "250"))]
    tables = extract_tables(_ocr_doc(_ocr_page(lines)), rules).tables
    assert len(tables) == 1 and tables[0].n_rows == 4
    assert [c.text for c in tables[0].cells if c.row == 2] == ["Vuxna", "NaN", "NaN", "NaN"]


# ---- flattened columns: the real case (seed 001, raw and unrepaired) ----------------------


@pytest.fixture(scope="module")
def seed_001_table(rules) -> dict[tuple[int, int], str]:
    path = next(SEEDS.glob("001_*.txt"))
    doc = document_from_lines(path.read_text(encoding="utf-8").split("\n"), doc_id="001",
                              source=path.name, kind="damaged_text")
    tables = [t for t in extract_tables(doc, rules).tables if t.method == "flattened-columns"]
    assert len(tables) == 1
    table = tables[0]
    assert table.n_rows == 5 and table.n_cols == 7
    assert list(table.header) == [
        "Forening", "Antal deltagare", "Malgrupp", "Anvisning", "Virde/ ar 2020", "ANs kostnad/ar", "Aktivitet"
    ]
    assert all(c.bbox is None for c in table.cells)  # plain-text input has no boxes
    return _grid(table)


@pytest.mark.parametrize(
    "row, name, count, value, cost",
    [
        (0, "Stadsmission", "39", "2080500", "1100000"),
        (1, "Bilda", "55", "897626", "590000"),
        (2, "Bromodellen", "44", "1791200", "1150000"),
        (3, "IKF", "60", "454000", "230000"),
        (4, "Roda korset", "151", "1077600", "600000"),
    ],
)
def test_seed_001_five_partnerships(seed_001_table, row, name, count, value, cost):
    grid = seed_001_table
    assert name in grid[(row, 0)]
    assert _digits(grid[(row, 1)]).startswith(count)
    assert _digits(grid[(row, 4)]) == value
    assert _digits(grid[(row, 5)]) == cost


def test_seed_001_details(seed_001_table):
    grid = seed_001_table
    assert "hjilpen och Bilda" in grid[(2, 0)] and "IKF" in grid[(3, 0)]
    assert "92 st" in grid[(4, 1)]
    assert grid[(2, 3)] == "AMC." and "Team utreda." in grid[(3, 3)]
    assert grid[(0, 6)].startswith("Arbetstraning") and "Bildande" in grid[(2, 6)]


# ---- flattened columns: generated tables ---------------------------------------------------


def _flatten(header: str, rows: list[list[str]], rng: random.Random) -> list[str]:
    """Write a table the way old OCR flattened it: some rows across, then column by column."""
    across = rng.choice([0, 0, 1, 2])
    lines = ["Översikt", "", header, ""]
    lines += [" ".join(row) for row in rows[:across]]
    lines.append("")
    width = rng.randint(14, 24)  # the column's width in characters: longer names wrap
    for c in range(len(rows[0])):
        for row in rows[across:]:
            if c == 0 and len(row[c]) > width:
                wrapped = [""]
                for word in row[c].split():
                    wrapped[-1:] = [f"{wrapped[-1]} {word}".strip()] if len(f"{wrapped[-1]} {word}".strip()) <= width or not wrapped[-1] else [wrapped[-1], word]
                lines += [""] + wrapped + [""]  # as in 001: a wrapped cell stands between blank lines
            else:
                lines.append(row[c])
                if rng.random() < 0.6:
                    lines.append("")
        if rng.random() < 0.6:
            lines += ["", rng.choice(PROSE), rng.choice(PROSE) + ".", ""]
        if rng.random() < 0.2:
            lines += ["", f"{rng.randint(2, 4)} (5)", ""]
    lines += ["", PROSE[0] + "."]
    return lines


SYLLABLES = ["lin", "kö", "ping", "stads", "mis", "sion", "bil", "da", "erik", "hjäl", "pen", "berg", "ström", "ga"]


def _random_table(rng: random.Random) -> tuple[str, list[list[str]]]:
    kinds = rng.choice([["name", "amount"], ["name", "count", "amount", "amount"],
                        ["name", "amount", "percent"], ["name", "count", "amount"]])
    labels = {"name": ["Förening", "Part", "Organisation"], "count": ["Antal deltagare", "Antal"],
              "amount": ["Värde/år", "Kostnad", "Belopp", "Bidrag"], "percent": ["Andel", "%"]}
    header = " ".join(rng.choice(labels[k]) for k in kinds)
    rows = []
    for _ in range(rng.randint(3, 7)):
        row = []
        for k in kinds:
            if k == "name":
                row.append(" ".join("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()
                                    for _ in range(rng.randint(1, 3))))
            elif k == "count":
                row.append(f"{rng.randint(5, 200)} st")
            elif k == "amount":
                row.append(f"{rng.randint(20, 3000) * 1000 + rng.choice([0, 0, rng.randint(1, 999)]):,} kr".replace(",", " "))
            else:
                row.append(f"{rng.randint(1, 99)} %")
        rows.append(row)
    return header, rows


def _score(lines: list[str], rows: list[list[str]], rules) -> tuple[int, int]:
    doc = document_from_lines(lines, doc_id="g", source="g", kind="damaged_text")
    tables = [t for t in extract_tables(doc, rules).tables if t.method == "flattened-columns"]
    grid = _grid(tables[0]) if tables else {}
    right = sum(
        " ".join(grid.get((r, c), "").split()) == " ".join(cell.split())
        for r, row in enumerate(rows)
        for c, cell in enumerate(row)
    )
    return right, sum(len(row) for row in rows)


def flattened_accuracy(n_random: int, seed: int, rules) -> float:
    rng = random.Random(seed)
    right = total = 0
    cases = [("Kostnadspost Belopp", [list(r) for r in COSTS]), ("Part Belopp Andel", [list(r) for r in SHARES])]
    cases += [_random_table(rng) for _ in range(n_random)]
    for header, rows in cases:
        got, n = _score(_flatten(header, rows, rng), rows, rules)
        right, total = right + got, total + n
    return right / total


def test_flattened_004_tables_exactly(rules):
    rng = random.Random(4)
    for header, rows in [("Kostnadspost Belopp", COSTS), ("Part Belopp Andel", SHARES)]:
        rows = [list(r) for r in rows]
        got, n = _score(_flatten(header, rows, rng), rows, rules)
        assert got == n


def test_flattened_generated_tables_95_percent(rules):
    assert flattened_accuracy(150, seed=2021, rules=rules) >= 0.95


def test_prose_alone_makes_no_flattened_table(rules):
    doc = document_from_lines(list(PROSE) + ["", "Antal deltagare har ökat under året."], doc_id="p", source="p")
    assert extract_tables(doc, rules).tables == ()
