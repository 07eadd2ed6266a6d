"""Flat tables: one line per row, cells one space apart, digit groups of neighbouring amounts run together.

The rows below are dev papers' table rows as corpus/real/flat/ sets them (37's mnkr tables printed in
tkr keep their kronor: "-307,2" mnkr is "-307 200" tkr), each cited by its line in ../shared/realdev;
expected values are written from the source, not from pipeline output.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from pipeline.ingest import document_from_lines
from pipeline.model import BBox, Document, Fact, Page, Table, Word
from pipeline.rules import RULES_DIR, Rules, TablesRules
from pipeline.tables import extract_tables
from pipeline.tables.flat_rows import Row, count_range, figure_gaps, header_read_back, readings, settle, total_groups
from bench.eval_flat_bilagor import PROBES, build, score
from pipeline.cli import main
from tests.realdev import needs_realdev, run_dev_papers


@pytest.fixture(scope="module")
def rules() -> Rules:
    """Only rules/tables.yaml, validated."""
    data = yaml.safe_load((RULES_DIR / "tables.yaml").read_text(encoding="utf-8"))
    return Rules.model_construct(tables=TablesRules.model_validate(data))


def values(text: str, count: int) -> list[tuple[float, ...]]:
    return [r.values for r in readings(text.split(), count)]


def flat_tables(lines: list[str], rules: Rules) -> tuple[list[Table], Document]:
    doc = extract_tables(document_from_lines(lines, doc_id="f", source="f", kind="text"), rules)
    return [t for t in doc.tables if t.method == "flat-rows"], doc


def grid(table: Table) -> list[list[str]]:
    rows: dict[int, dict[int, str]] = {}
    for c in table.cells:
        rows.setdefault(c.row, {})[c.col] = c.text
    return [[rows[r].get(c, "") for c in range(table.n_cols)] for r in sorted(rows)]


# ---- digit groups ----------------------------------------------------------------------------


def test_signed_and_short_groups_start_numbers() -> None:
    # 11:45 | Löpande<br>investeringar | 2 500 | … | 2 500<br>per år |: six columns, one reading only
    assert values("2 500 2 500 2 500 2 500 2 500 2 500", 6) == [(2500.0,) * 6]
    # 37:44 | Kostnader | -307,2 | -337,6 | -337,2 | in tkr: every minus opens a number
    assert values("-307 200 -337 600 -337 200", 3) == [(-307200.0, -337600.0, -337200.0)]
    # 37:162 | Utgifter | -80,2 | -192,3 | -55,0 |: a decimal comma ends a number
    assert values("-80,2 -192,3 -55,0", 3) == [(-80.2, -192.3, -55.0)]
    # a minus set apart from its figures goes with them
    assert values("- 4 700 -200", 2) == [(-4700.0, -200.0)]


def test_a_zero_cell_is_a_whole_number() -> None:
    # a budget bilaga's row of deviation and zero cells ("… 270 0 0 270 0"): a number never opens with a 0
    # group, so the 3-digit group after a "0" opens the next number
    assert count_range("0 270".split()) == (2, 2)
    assert all(r[-2:] == (0.0, 270.0) for r in values("14 250 13 980 270 0 270", 5))


def test_a_three_digit_group_opening_with_0_goes_on_the_number_before() -> None:
    # a small unit's bilaga in tkr (figures made up, as `fuzz_flat_tables.py --small-values` draws them):
    # "095" and "000" are no number's first group, so "1 095" and "30 000" are one cell each
    assert count_range("1 095 1 431 851".split()) == (2, 4)
    assert all(r[0] == 1095.0 for r in values("1 095 1 431 851 1 141", 4))
    assert values("30 000 672 000 463 000", 3) == [(30000.0, 672000.0, 463000.0)]


def test_unsigned_three_digit_groups_go_either_way() -> None:
    # 37:42 Utfall 2022-2024 of Intäkter in tkr: 79 100, 110 500, 94 100
    assert count_range("79 100 110 500 94 100".split()) == (2, 6)
    assert len(values("79 100 110 500 94 100", 3)) == 4


def row(text: str, count: int, label: str = "") -> Row:
    r = Row(line=None, label=[], numbers=[], trailing=[])  # type: ignore[arg-type]
    r.readings = readings(text.split(), count)
    return r


def test_deviation_arithmetic_chooses_the_reading() -> None:
    # 37:45-47, 2022: Budget, netto -223,4, Netto -228,1, Avvikelse -4,7 (costs printed positive, tkr):
    # only 223 400 − 228 100 = −4 700 makes the third cell the difference of the first two
    r = row("223 400 228 100 -4 700", 3)
    settle([r], [], margin=0.5)
    assert r.chosen is not None and r.chosen.values == (223400.0, 228100.0, -4700.0)


def test_total_row_and_magnitudes_choose_the_reading() -> None:
    # 37:42-45 in tkr: Intäkter 79 100 / 110 500 / 94 100 + Kostnader = Netto, per column
    rows = [row("79 100 110 500 94 100", 3), row("-307 200 -337 600 -337 200", 3), row("-228 100 -227 100 -243 100", 3)]
    settle(rows, total_groups([False, False, True]), margin=0.5)
    assert rows[0].chosen is not None and rows[0].chosen.values == (79100.0, 110500.0, 94100.0)


def test_total_groups_sum_sections_then_subtotals() -> None:
    # rows a, b, Summa, c, Summa, Totalt: each Summa adds its section, Totalt the Summa rows
    assert total_groups([False, False, True, False, True, True]) == [([0, 1], 2), ([3], 4), ([2, 4], 5)]


def test_undecidable_row_is_said_not_guessed(rules: Rules) -> None:
    # two columns, and "100 200 300" is 100 | 200 300 or 100 200 | 300: nothing tells them apart
    tables, doc = flat_tables(["Post Budget Utfall", "Lokaler 100 200 300", "Material -40 -50"], rules)
    assert [r[0] for r in grid(tables[0])] == ["Material"]
    assert any("flat_row_undecided" in w and "Lokaler" in w for p in doc.pages for w in p.warnings)


# ---- tables from lines -------------------------------------------------------------------------


def test_header_merged_with_first_row(rules: Rules) -> None:
    # 37:97-102 in tkr, header and first row on one line as a text layer gives them
    lines = ["Belopp, tusental kronor",
             "Intäkter Utfall 2022 90 600 Utfall 2023 94 800 Utfall 2024 115 200",
             "Kostnader -97 900 -100 700 -117 900", "Netto -7 300 -5 900 -2 700",
             "Reglering skuld 7 300 5 900 2 700", "abonnenterna", "Resultat 0 0 0"]
    tables, _ = flat_tables(lines, rules)
    assert tables[0].header == ("", "Utfall 2022", "Utfall 2023", "Utfall 2024")
    assert grid(tables[0]) == [
        ["Intäkter", "90 600", "94 800", "115 200"],
        ["Kostnader", "-97 900", "-100 700", "-117 900"],
        ["Netto", "-7 300", "-5 900", "-2 700"],
        ["Reglering skuld abonnenterna", "7 300", "5 900", "2 700"],
        ["Resultat", "0", "0", "0"]]


def test_header_merged_with_first_row_beside_a_comment_and_a_share(rules: Rules) -> None:
    # a converter's merged header set as text: a share's header ("Andel %") and a comment column's header with
    # the first row's comment after the figures; the rows below carry comments of their own
    lines = ["Belopp i tkr", "Barn och unga Budget 2024 12 400 Utfall 2024 13 150 Andel % 45,2 % Kommentar Fler placeringar",
             "Vuxna 2 300 2 100 12,0 % Upphandlingen blev försenad", "Summa 14 700 15 250 57,2 %"]
    tables, _ = flat_tables(lines, rules)
    assert tables[0].header == ("", "Budget 2024", "Utfall 2024", "Andel %")
    assert grid(tables[0]) == [["Barn och unga", "12 400", "13 150", "45,2 %"], ["Vuxna", "2 300", "2 100", "12,0 %"],
                               ["Summa", "14 700", "15 250", "57,2 %"]]


def test_header_stacked_over_two_lines_with_first_row_under_it(rules: Rules) -> None:
    # 37:42-47 in tkr, header cells broken after their first word, the first row's values on the next line
    lines = ["(tkr)", "Intäkter Utfall Utfall Utfall", "2022 2023 2024", "79 100 110 500 94 100",
             "Kostnader -307 200 -337 600 -337 200", "Netto -228 100 -227 100 -243 100",
             "Budget, netto -223 400 -222 300 -243 300", "Avvikelse -4 700 -4 800 200"]
    tables, _ = flat_tables(lines, rules)
    assert tables[0].header == ("", "Utfall 2022", "Utfall 2023", "Utfall 2024")
    assert grid(tables[0])[0] == ["Intäkter", "79 100", "110 500", "94 100"]
    assert grid(tables[0])[-1] == ["Avvikelse", "-4 700", "-4 800", "200"]


def test_header_split_over_lines_and_year_range(rules: Rules) -> None:
    # 12:40-42 in kronor, the header's last cell broken after its dash
    lines = ["Investeringar 2027 2028 2029 2030 2031 2032–", "2036",
             "Löpande investeringar 2 500 000 2 500 000 2 500 000 2 500 000 2 500 000 2 500 000 per år"]
    tables, _ = flat_tables(lines, rules)
    assert tables[0].header == ("Investeringar", "2027", "2028", "2029", "2030", "2031", "2032–2036")
    assert grid(tables[0])[0][1:] == ["2 500 000"] * 5 + ["2 500 000 per år"]


def test_a_row_of_empty_cells_keeps_its_place(rules: Rules) -> None:
    # a project with nothing booked prints its cells empty ("-", "NaN"): still a row of the table
    lines = ["Bilaga 1", "Verksamhet Budget 2024 Utfall 2024 Avvikelse", "Förskola 1 200 1 100 100",
             "Vuxna NaN NaN NaN", "Grundskola 2 400 2 500 -100", "Kulturskola - - -", "Summa 3 600 3 600 0"]
    tables, _ = flat_tables(lines, rules)
    assert [row[0] for row in grid(tables[0])] == ["Förskola", "Vuxna", "Grundskola", "Kulturskola", "Summa"]
    assert grid(tables[0])[1] == ["Vuxna", "NaN", "NaN", "NaN"]
    # the first row under the header too: the table and its header start there
    first_empty = flat_tables(lines[:2] + ["Kulturskola - - -"] + lines[2:5] + lines[6:], rules)[0][0]
    assert first_empty.header[1:] == ("Budget 2024", "Utfall 2024", "Avvikelse")
    assert [row[0] for row in grid(first_empty)] == ["Kulturskola", "Förskola", "Vuxna", "Grundskola", "Summa"]
    # but a line of dashes alone (a rule drawn in text) is no row
    assert all(row[0] for table in flat_tables(lines[:3] + ["- - -"] + lines[4:], rules)[0] for row in grid(table))


def test_prose_with_figures_is_no_flat_table(rules: Rules) -> None:
    # 26: "46 100 000 kronor i investering, 340 000 kronor i engångsdrift …" as short lines
    lines = ["Investering 46 100 000 kronor", "Engångsdrift 340 000 kronor", "Driftskostnad 3 347 000 kronor"]
    assert flat_tables(lines, rules)[0] == []


def test_a_table_exported_one_cell_per_line_is_joined_into_rows(rules: Rules) -> None:
    # a bilaga's text layer that gives every cell a line: the header's cells, then each row's label and figures
    lines = ["Ombudgetering investeringar 2024", "Belopp i tkr", "Projekt", "Årsbudget", "Helårs utfall", "Avvikelse",
             "Lekplats Norr", "-1 500", "-1 120", "380", "Gång- och cykelväg", "-4 200", "-4 950", "-750",
             "Summa", "-5 700", "-6 070", "-370", "", "Avvikelsen förklaras av högre entreprenadkostnader."]
    tables, _ = flat_tables(lines, rules)
    assert len(tables) == 1 and tables[0].header[1:] == ("Årsbudget", "Helårs utfall", "Avvikelse")
    assert grid(tables[0]) == [["Lekplats Norr", "-1 500", "-1 120", "380"], ["Gång- och cykelväg", "-4 200", "-4 950", "-750"],
                               ["Summa", "-5 700", "-6 070", "-370"]]


def test_figures_one_a_line_without_a_header_of_cells_are_no_table(rules: Rules) -> None:
    # a list in prose: a label and its figures each on a line, but nothing heads them as columns
    lines = ["Kostnaderna fördelas så här:", "Lokaler", "1 200", "Personal", "3 400", "Övrigt", "250"]
    assert flat_tables(lines, rules)[0] == []


def test_a_column_word_inside_a_header_phrase_names_no_column_of_its_own(rules: Rules) -> None:
    # a follow-up's header (written for the genre): "budget" of "Avvikelse mot budget" and the month of
    # "Utfall t.o.m. augusti" go on their phrase; counted as columns, they had the rows read as six
    # numbers each ("1", "200", "800", …)
    lines = ["Belopp i tkr", "Verksamhet Helårsbudget Utfall t.o.m. augusti Prognos Avvikelse mot budget",
             "Nämnd 1 200 800 1 150 50", "Förvaltning 14 300 9 900 14 800 -500", "Summa 15 500 10 700 15 950 -450"]
    table = flat_tables(lines, rules)[0][0]
    assert table.header == ("Verksamhet", "Helårsbudget", "Utfall t.o.m. augusti", "Prognos", "Avvikelse mot budget")
    assert grid(table)[0] == ["Nämnd", "1 200", "800", "1 150", "50"]


def test_header_over_two_columns_dated_by_the_line_under_it(rules: Rules) -> None:
    # 37:53-56 in tkr, 2023 and 2024, under one "Utfall" the line below dates column by column;
    # then with a budget column before it
    lines = ["Verksamhet Utfall", "2023 2024", "Kostnader -213 300 -234 400", "Netto -8 100 -10 300"]
    assert flat_tables(lines, rules)[0][0].header == ("Verksamhet", "Utfall 2023", "Utfall 2024")
    lines = ["Verksamhet Budget Utfall", "2023 2024", "Kostnader -210 000 -213 300 -234 400",
             "Netto -7 000 -8 100 -10 300"]
    assert flat_tables(lines, rules)[0][0].header == ("Verksamhet", "Budget", "Utfall 2023", "Utfall 2024")


def word_page(rows: list[list[tuple[float, str]]], origin: str = "text-layer") -> Document:
    """A text-layer (or OCR'd) page whose lines are segments at x positions (6 points a character, 4 between words)."""
    words = []
    for n, segments in enumerate(rows, start=1):
        for x, text in segments:
            for token in text.split():
                words.append(Word(text=token, bbox=BBox(x, 60.0 + 16 * n, x + 6 * len(token), 70.0 + 16 * n), line=n,
                                  block=0, confidence=1.0, origin=origin))
                x += 6 * len(token) + 4
    page = Page(number=1, kind="ocr" if origin == "ocr" else "text", width=595, height=842, words=tuple(words))
    return Document(doc_id="d", source="s", media_type="application/pdf", pipeline_version="0", rules_hash="0",
                    pages=(page,))


def test_word_box_table_whose_columns_ran_together_is_read_as_flat_rows(rules: Rules) -> None:
    # 37:44-46 in tkr on a text layer whose last gap is wide but the first two columns one space apart
    rows = [[(60, "(tkr)")], [(60, "Utfall 2022 Utfall 2023"), (400, "Utfall 2024")],
            [(60, "Kostnader -307 200 -337 600"), (400, "-337 200")],
            [(60, "Netto -228 100 -227 100"), (400, "-243 100")],
            [(60, "Budget, netto -223 400 -222 300"), (400, "-243 300")]]
    tables = extract_tables(word_page(rows), rules).tables
    assert [t.method for t in tables] == ["flat-rows"]
    assert tables[0].header == ("", "Utfall 2022", "Utfall 2023", "Utfall 2024")
    assert grid(tables[0])[2] == ["Budget, netto", "-223 400", "-222 300", "-243 300"]


def test_figures_a_layout_sets_apart_are_separate_cells(rules: Rules) -> None:
    # a small unit's row in tkr set in layout columns (figures made up, as `fuzz_flat_tables.py
    # --small-values` draws them): "531" and "819" stand columns apart, no thousands separator between
    # them; "1 394" keeps its one space
    page = word_page([[(300, "531"), (380, "819"), (460, "0"), (508, "1 394")]])
    words = list(page.pages[0].words)
    tokens, apart = [w.text for w in words], figure_gaps(words, rules.tables.flat_rows.column_gap)
    assert apart == {1, 2, 3}
    assert count_range(tokens) == (3, 5) and count_range(tokens, apart) == (4, 5)
    assert [r.values for r in readings(tokens, 4, apart)] == [(531.0, 819.0, 0.0, 1394.0)]


def test_a_capitalised_opening_word_heads_a_column_of_its_own(rules: Rules) -> None:
    # "Till resultatfond" is one column, as "Återredovisas" before it (figures made up): four columns,
    # which the Totalt row adds up
    lines = ["Verksamhet Förslag 2021 Plan 2021 Återredovisas Till resultatfond", "Bemanningsenhet 874 418 0 518",
             "Äldreomsorg NaN 100 319 217", "Totalt 1 029 666 318 735"]
    tables, _ = flat_tables(lines, rules)
    assert tables[0].header == ("Verksamhet", "Förslag 2021", "Plan 2021", "Återredovisas", "Till resultatfond")
    assert grid(tables[0])[0] == ["Bemanningsenhet", "874", "418", "0", "518"]


INVESTMENTS_37 = ["Investeringar Utfall 2022 Utfall 2023 Utfall 2024 Ombudgeteras till 2025",
                  "Inkomster 4 000 2 800 2 900", "Utgifter -80 200 -192 300 -55 000 -1 500",
                  "Netto -76 200 -189 500 -52 100 -1 500"]
INVESTMENTS_37_HEADER = ("Investeringar", "Utfall 2022", "Utfall 2023", "Utfall 2024", "Ombudgeteras till 2025")


def test_row_with_empty_cells_fills_the_columns_from_the_left(rules: Rules) -> None:
    # 37:160-163 in tkr under a header with a fourth column that one row leaves empty (a budget export
    # prints no 0 there): "4 000" must not be cut into "4" and "000" to fill it
    tables, doc = flat_tables(INVESTMENTS_37, rules)
    assert tables[0].header == INVESTMENTS_37_HEADER
    assert grid(tables[0]) == [
        ["Inkomster", "4 000", "2 800", "2 900", ""],
        ["Utgifter", "-80 200", "-192 300", "-55 000", "-1 500"],
        ["Netto", "-76 200", "-189 500", "-52 100", "-1 500"]]
    assert not any(p.warnings for p in doc.pages)


def test_run_together_header_above_a_layout_table_names_its_columns(rules: Rules) -> None:
    # 37:51-56 in tkr, the rows set in columns but the header's words one space apart, one segment
    rows = [[(60, "Verksamhet Utfall 2022 Utfall 2023 Utfall 2024")],
            [(60, "Intäkter"), (300, "195 700"), (380, "205 200"), (460, "224 100")],
            [(60, "Kostnader"), (300, "-184 000"), (380, "-213 300"), (460, "-234 400")],
            [(60, "Netto"), (300, "11 700"), (380, "-8 100"), (460, "-10 300")]]
    tables = extract_tables(word_page(rows), rules).tables
    assert [t.method for t in tables] == ["word-boxes"]
    assert tables[0].header == ("Verksamhet", "Utfall 2022", "Utfall 2023", "Utfall 2024")
    assert grid(tables[0])[1] == ["Kostnader", "-184 000", "-213 300", "-234 400"]


def test_a_caption_ending_in_a_year_over_a_layout_table_is_no_row_of_it(rules: Rules) -> None:
    # a bilaga's title right above its table, its year ending over the last column (figures made up, as
    # `fuzz_flat_tables.py` draws them): a year is no figure, so the title is neither the first row nor the
    # header; the header line under it and its line of years name the columns
    rows = [[(56, "Ombudgetering och resultatdisposition 2023")],
            [(56, "Verksamhet (tkr)"), (200, "Budget"), (280, "Prognos")],
            [(212, "2022"), (292, "2022")],
            [(56, "Socialpsykiatri"), (200, "26 970"), (280, "35 620")],
            [(56, "Bemanningsenhet"), (200, "41 520"), (280, "24 120")],
            [(56, "Totalt"), (200, "68 490"), (280, "59 740")]]
    tables = extract_tables(word_page(rows), rules).tables
    assert [t.method for t in tables] == ["word-boxes"]
    assert tables[0].header == ("Verksamhet (tkr)", "Budget 2022", "Prognos 2022")
    assert grid(tables[0])[0] == ["Socialpsykiatri", "26 970", "35 620"]


def test_a_run_together_header_gives_a_comment_column_its_own_header(rules: Rules) -> None:
    # the header's cells run together by an export ("(tkr)Förslag", "2024Bokslut"), over figures in layout
    # columns and a comment column: the comment's header ends no figure column's header
    rows = [[(56, "Verksamhet (tkr)Förslag 2024Bokslut 2023Kommentar")],
            [(56, "Integration"), (236, "0"), (306, "2 700"), (360, "Upphandlingen blev försenad")],
            [(56, "Ledning och stöd"), (206, "37 170"), (276, "38 890"), (360, "Enligt plan")],
            [(56, "Vuxenutbildning"), (206, "45 730"), (306, "0"), (360, "Införandet pågår")]]
    tables = extract_tables(word_page(rows), rules).tables
    assert tables[0].header[1:] == ("Förslag 2024", "Bokslut 2023", "Kommentar")


def test_header_cells_closer_than_the_narrow_columns_under_them_are_read_by_their_words(rules: Rules) -> None:
    # a small unit's bilaga in tkr set in layout columns (figures made up, as `fuzz_flat_tables.py
    # --small-values` draws them): the header's cells stand closer than a column's gap, so two cells make
    # one segment, wider than the three-digit columns under it; yet each names its column
    rows = [[(56, "Verksamhet"), (190, "Bokslut 2024 Utfall 2024"), (330, "Budget 2024 Till resultatfond")],
            [(56, "Socialpsykiatri"), (200, "131"), (260, "456"), (330, "893"), (400, "-15")],
            [(56, "Fritidsgårdar"), (206, "96"), (266, "80"), (330, "404"), (412, "0")],
            [(56, "Kulturskola"), (200, "115"), (272, "6"), (330, "497"), (400, "859")]]
    tables = extract_tables(word_page(rows), rules).tables
    assert [t.method for t in tables] == ["word-boxes"]
    assert tables[0].header == ("Verksamhet", "Bokslut 2024", "Utfall 2024", "Budget 2024", "Till resultatfond")
    assert grid(tables[0])[1] == ["Fritidsgårdar", "96", "80", "404", "0"]


def test_section_name_inside_a_layout_table_does_not_end_it(rules: Rules) -> None:
    # 37's VA and Avfall results in tkr as one table, each under its section name; the header's
    # segments stand one per column, left-aligned over right-aligned figures
    rows = [[(60, "Verksamhet"), (300, "Utfall 2023"), (400, "Utfall 2024")],
            [(60, "Vatten & Avlopp")],
            [(60, "Netto"), (330, "-8 100"), (424, "-10 300")],
            [(60, "Reglering skuld VA-abonnenterna"), (336, "8 100"), (430, "10 300")],
            [(60, "Avfall")],
            [(60, "Netto"), (330, "-5 900"), (430, "-2 700")],
            [(60, "Reglering skuld abonnenterna"), (336, "5 900"), (436, "2 700")]]
    tables = extract_tables(word_page(rows), rules).tables
    assert len(tables) == 1 and tables[0].header == ("Verksamhet", "Utfall 2023", "Utfall 2024")
    assert [r[0] for r in grid(tables[0])] == ["Vatten & Avlopp", "Netto", "Reglering skuld VA-abonnenterna",
                                               "Avfall", "Netto", "Reglering skuld abonnenterna"]
    assert grid(tables[0])[5] == ["Reglering skuld abonnenterna", "5 900", "2 700"]


def test_a_label_set_on_two_lines_inside_a_layout_table_is_one_label(rules: Rules) -> None:
    # a resultatdisponering set in columns (the genre's shape, figures made up), one project's name
    # running onto a second line in lower case: the rest of its label, not a section of the table
    rows = [[(60, "Verksamhet"), (300, "Budget 2024"), (400, "Utfall 2024")],
            [(60, "Hemtjänst")],
            [(60, "Utökad bemanning inom"), (318, "28 360"), (418, "24 240")],
            [(60, "hemtjänsten")],
            [(60, "Förskola"), (318, "12 000"), (424, "9 850")]]
    tables = extract_tables(word_page(rows), rules).tables
    assert [r[0] for r in grid(tables[0])] == ["Hemtjänst", "Utökad bemanning inom hemtjänsten", "Förskola"]
    assert grid(tables[0])[1] == ["Utökad bemanning inom hemtjänsten", "28 360", "24 240"]


def test_figures_that_do_not_line_up_are_read_in_their_order(rules: Rules) -> None:
    # the same rows each set at its own width, so that no column of figures lines up: three figures a
    # row in four places; read by their order under the header, not by where they stand
    rows = [[(60, "Verksamhet"), (250, "Budget 2024"), (330, "Utfall 2024"), (410, "Avvikelse")],
            [(60, "Hemtjänst"), (270, "28 360"), (350, "24 240"), (430, "4 120")],
            [(60, "Förskola"), (262, "12 000"), (318, "9 850"), (400, "2 150")],
            [(60, "Summa"), (266, "40 360"), (350, "34 090"), (436, "6 270")]]
    tables = extract_tables(word_page(rows), rules).tables
    assert [grid(t) for t in tables] == [[["Hemtjänst", "28 360", "24 240", "4 120"],
                                          ["Förskola", "12 000", "9 850", "2 150"],
                                          ["Summa", "40 360", "34 090", "6 270"]]]


def test_a_speck_between_two_figures_of_a_scan_joins_no_cells(rules: Rules) -> None:
    # a resultatdisponering set in columns and scanned (the genre's shape, figures made up): dust read as
    # "=" between two figures closes both gaps around it; it is dropped before the line is cut into cells
    rows = [[(60, "Verksamhet"), (290, "Budget 2024"), (380, "Utfall 2024")],
            [(60, "Hemtjänst"), (300, "28 360"), (342, "="), (356, "24 240")],
            [(60, "Förskola"), (300, "12 000"), (362, "9 850")],
            [(60, "Summa"), (300, "40 360"), (356, "34 090")]]
    tables = extract_tables(word_page(rows, origin="ocr"), rules).tables
    assert grid(tables[0])[0] == ["Hemtjänst", "28 360", "24 240"]


def test_layout_header_spanning_columns_dated_by_the_line_under_it(rules: Rules) -> None:
    # 37:53-56 in tkr set in columns, "Utfall" left-aligned over both year columns, the years under them
    rows = [[(60, "Verksamhet"), (300, "Utfall")],
            [(330, "2023"), (424, "2024")],
            [(60, "Kostnader"), (306, "-213 300"), (400, "-234 400")],
            [(60, "Netto"), (318, "-8 100"), (406, "-10 300")]]
    tables = extract_tables(word_page(rows), rules).tables
    assert tables[0].header == ("Verksamhet", "Utfall 2023", "Utfall 2024")
    assert grid(tables[0])[0] == ["Kostnader", "-213 300", "-234 400"]


def test_ocr_table_read_column_by_column_is_joined_into_rows(rules: Rules) -> None:
    # 37:53-56 in tkr under its heading line, on a scan turned by about 2 degrees, which Tesseract read
    # one column at a time: each column's words are lines of their own, listed after the column before
    columns = [(60, ["Kommentarer till verksamhet och utfall Vatten & Avlopp"]),
               (60, ["", "Verksamhet", "Kostnader", "Netto"]), (300, ["", "Utfall 2023", "-213 300", "-8 100"]),
               (420, ["", "Utfall 2024", "-234 400", "-10 300"])]
    words, line = [], 0
    for left, texts in columns:
        for row, text in enumerate(texts):
            line, x = line + 1, left
            for token in text.split():
                top = 100.0 + 16 * row - 0.035 * x  # the scan's slant: rows rise to the right
                words.append(Word(text=token, bbox=BBox(x, top, x + 6 * len(token), top + 10), line=line, block=x,
                                  confidence=0.9, origin="ocr"))
                x += 6 * len(token) + 4
    page = Page(number=1, kind="ocr", width=595, height=842, words=tuple(words))
    doc = Document(doc_id="d", source="s", media_type="application/pdf", pipeline_version="0", rules_hash="0",
                   pages=(page,))
    tables = extract_tables(doc, rules).tables
    assert [t.method for t in tables] == ["word-boxes"]
    assert tables[0].header == ("Verksamhet", "Utfall 2023", "Utfall 2024")
    assert grid(tables[0]) == [["Kostnader", "-213 300", "-234 400"], ["Netto", "-8 100", "-10 300"]]


_CONTINUED = (PROBES / "21-continued.md").read_text(encoding="utf-8").split("\n")


def read_probe(source: Path, tmp_path: Path) -> tuple[Document, list[dict]]:
    """Draw a probe as a born-digital PDF with the corpus builder, run it; its document and findings."""
    import real_build
    from reportlab.pdfgen.canvas import Canvas

    (tmp_path / "in").mkdir()
    canvas = Canvas(str(tmp_path / "in" / "probe.pdf"), pagesize=real_build.A4, invariant=1)
    real_build.draw_paper(canvas, real_build.parse_paper(source))
    canvas.save()
    out = tmp_path / "out"
    assert main(["run", str(tmp_path / "in"), "--out", str(out), "--no-progress", "--no-pdf", "--no-alto"]) == 0
    doc = Document.model_validate_json(next((out / "documents").glob("*.json")).read_text(encoding="utf-8"))
    return doc, json.loads((out / "discrepancies.json").read_text(encoding="utf-8"))["findings"]


@pytest.mark.parametrize("setting", ["flat", "gridded", "columns"])
def test_a_table_continued_on_the_next_page_is_added_up_over_both(setting, tmp_path) -> None:
    # bench/data/flat-bilagor/21-continued.md: a bilaga whose rows go on over a page break without the
    # header again, its "Summa" on page 2 totalling the rows of both pages; set as text one space apart,
    # as a gridded table and as columns of spaces. Each page's part is a table of its own, the header
    # and the caption's unit carried on, and every column's total adds up over both pages.
    expected = yaml.safe_load((PROBES / "expected.yaml").read_text(encoding="utf-8"))["21-continued"]
    lines = list(_CONTINUED)
    if setting != "flat":  # the same rows as cells: the header line, then expected.yaml's rows in order
        header = next(n for n, line in enumerate(lines) if line.startswith("Projekt"))
        cells = iter([["Projekt", "Budget 2024", "Utfall 2024", "Avvikelse", "Ombudgeteras"],
                      *([label, *map(str, figures)] for label, figures in expected)])
        rows = {n: next(cells) for n, line in enumerate(lines) if n >= header and line and not line.startswith("<!--")}
        if setting == "gridded":
            lines = [("| " + " | ".join(rows[n]) + " |") if n in rows else line for n, line in enumerate(lines)]
        else:
            lines = ["   ".join(c.rjust(14) if k else c.ljust(24) for k, c in enumerate(rows[n])) if n in rows else line
                     for n, line in enumerate(lines)]
    source = tmp_path / "probe.md"
    source.write_text("\n".join(lines), encoding="utf-8")
    doc, findings = read_probe(source, tmp_path)
    assert [t.page for t in doc.tables] == [1, 2]
    lekplatser = {f.attrs.get("column"): f.value for f in doc.facts if f.attrs.get("row_label") == "Lekplatser"}
    assert lekplatser == {"Budget 2024": -1_800_000, "Utfall 2024": -1_950_000, "Avvikelse": -150_000, "Ombudgeteras": 0}
    sums = sorted((f["kind"], f["field"]) for f in findings if f["check"] == "table_sums")
    assert [kind for kind, _ in sums] == ["sum_matches"] * 4, sums
    # the figures a text layer runs together on page 2 ("-420 530 530") are the table's, not amounts of the text
    assert not [f for f in doc.facts if f.kind == "amount" and "table" not in f.attrs]


def test_a_table_run_on_over_a_page_break_takes_the_unit_noted_under_its_last_part(tmp_path) -> None:
    # bench/data/flat-bilagor/28-continued-note.md: a bilaga whose rows go on over a page break, the page's
    # number "2" set apart at its foot, the next page opening with its running head (set in two columns, as
    # a table's row would be) and the header again, the unit only in a note under the last part. The page
    # number is no row, the second part continues the first, and "Belopp i tkr" holds for both parts.
    doc, findings = read_probe(PROBES / "28-continued-note.md", tmp_path)
    assert [t.page for t in doc.tables] == [1, 2]
    assert all(grid(t)[-1][0] for t in doc.tables), [grid(t)[-1] for t in doc.tables]
    cells = {(f.attrs["row_label"], f.attrs["column"]): (f.value, f.unit) for f in doc.facts if "table" in f.attrs}
    assert cells[("Hemtjänst", "Utfall 2025")] == (37_950_000, "SEK")
    assert cells[("Funktionsstöd", "Avvikelse")] == (-80_000, "SEK")
    assert cells[("Ekonomiskt bistånd", "Budget 2025")] == (9_600_000, "SEK")
    assert cells[("Summa", "Utfall 2025")] == (168_230_000, "SEK")
    sums = sorted((f["kind"], f["field"]) for f in findings if f["check"] == "table_sums")
    assert [kind for kind, _ in sums] == ["sum_matches"] * 3, sums


@pytest.mark.parametrize("last, foot", [("Socialförvaltningen Tjänsteskrivelse 2 (3)", True), ("Sida 2 av 3", True),
                                        ("2", False), ("", True)])
def test_a_page_foot_is_no_line_a_table_reader_sees(last: str, foot: bool, rules: Rules) -> None:
    # the last line of a page under a bilaga's rows (figures made up): a foot naming the page of all its pages
    # is furniture even right under the rows, as a scan measures it; a bare number right under them may be a
    # one-cell-a-line table's last figure and stays, set apart below them (a blank line) it is the page's number
    from pipeline.tables._text import page_lines, without_furniture

    lines = ["Verksamhet Budget 2024 Utfall 2024", "Förskola 1 200 1 100", "Grundskola 2 400 2 500"]
    lines += [last] if last else ["", "2"]
    page = without_furniture(document_from_lines(lines, doc_id="f", source="f").pages[0], rules.tables)
    assert [line.text for line in page_lines(page)][-1] == ("Grundskola 2 400 2 500" if foot else last)


def test_a_caption_left_at_the_foot_of_the_page_before_gives_the_table_its_unit(tmp_path) -> None:
    # bench/data/flat-bilagor/29-caption-page-before.md: the bilaga's caption, stating tkr, ends page 1 and its
    # table opens page 2 under no caption of its own; the line above the caption is prose, not a row of figures
    doc, findings = read_probe(PROBES / "29-caption-page-before.md", tmp_path)
    cells = {(f.attrs["row_label"], f.attrs["column"]): (f.value, f.unit) for f in doc.facts if "table" in f.attrs}
    assert cells[("Grundskola", "Utfall 2024")] == (2_500_000, "SEK")
    assert cells[("Summa", "Avvikelse")] == (50_000, "SEK")


# ---- a dev paper's flat PDF ----------------------------------------------------------------------


@needs_realdev
def test_flat_pdf_of_37_reads_cells_in_their_rows_and_columns(tmp_path) -> None:
    docs, findings = run_dev_papers(["37_teknik-arsredovisning-2024-arets-resultat"], "flat", tmp_path)
    facts = [f for f in docs["37"].facts if f.kind == "amount" and "table" in f.attrs]

    def cell(row_label: str, column: str) -> list[Fact]:
        return [f for f in facts if f.attrs.get("row_label") == row_label and f.attrs.get("column") == column]

    # 37:44 | Kostnader | -307,2 | … (mnkr; the flat PDF prints it -307 200 under "(tkr)")
    assert [(f.value, f.unit, f.role) for f in cell("Kostnader", "Utfall 2022")][0] == (-307_200_000, "SEK", "outcome")
    # 37:42 | Intäkter | … | Utfall 2024<br>94,1 |: the first row, its label on the header line
    assert [f.value for f in cell("Intäkter", "Utfall 2024")][0] == 94_100_000
    # 37:47 | Avvikelse | -4,7 | -4,8 | 0,2 |
    assert [f.value for f in facts if f.attrs.get("row_label") == "Avvikelse"] == [-4_700_000, -4_800_000, 200_000]
    # 37:163 | Netto | -76,2 | -189,5 | -52,1 | (mnkr, "Belopp i miljoner kronor") and 37:170 | Netto | -175,9 |
    # -314,0 | -298,5 | (the next table, under the same "Utfall" columns; its header row lost in the flat PDF)
    assert [f.value for f in cell("Netto", "Utfall 2024")][-2:] == [-52_100_000, -298_500_000]
    # 37:169 | Utgifter | -246,4 | -357,1 | -336,3 | (printed in tkr under "Belopp, tusental kronor")
    assert [(f.value, f.attrs.get("column")) for f in facts if f.attrs.get("row_label") == "Utgifter"][-3:] == [
        (-246_400_000, "Utfall 2022"), (-357_100_000, "Utfall 2023"), (-336_300_000, "Utfall 2024")]
    assert not [f for f in findings if f.severity == "error"]


@pytest.mark.parametrize(("carried_total", "expected"), [("-1 500", ["sum_matches"]), ("-2 500", [])])
def test_a_section_total_over_blank_cells_may_confirm_but_never_accuse(carried_total, expected) -> None:
    # 37:160-163 in tkr with a column one row leaves blank: Netto = Inkomster + Utgifter in every
    # column; blank cells read as nothing confirm a total they add up to, and say nothing otherwise
    from pipeline.facts import extract_facts
    from pipeline.reconcile import reconcile_documents
    from pipeline.rules import load_rules

    full = load_rules()
    lines = ["Belopp i tkr", "Investeringar Utfall 2024 Ombudgeteras till 2025",
             "Inkomster 2 900", "Utgifter -55 000 -1 500", f"Netto -52 100 {carried_total}"]
    doc = extract_facts(extract_tables(document_from_lines(lines, doc_id="b", source="b", kind="text"), full), full)
    carried = [f for f in reconcile_documents([doc], full).report.findings
               if f.check == "table_sums" and "Ombudgeteras" in f.explanation]
    assert [f.kind for f in carried] == expected


@pytest.mark.parametrize(("result", "kinds"), [("3 400", ["sum_matches", "sum_matches"]),
                                               ("3 500", ["sum_mismatch", "sum_matches"])])
def test_a_net_row_under_unsigned_income_and_costs_is_their_difference(result, kinds) -> None:
    # an income statement that prints its costs without a sign: "Resultat" is income minus costs, not
    # their sum (which was a false error); a result that is neither is still an error
    from pipeline.facts import extract_facts
    from pipeline.reconcile import reconcile_documents
    from pipeline.rules import load_rules

    full = load_rules()
    lines = ["Belopp i tkr", "Utfall 2024 Utfall 2025", "Verksamhetens intäkter 45 200 47 900",
             "Verksamhetens kostnader 41 800 44 300", f"Resultat {result} 3 600"]
    doc = extract_facts(extract_tables(document_from_lines(lines, doc_id="n", source="n", kind="text"), full), full)
    sums = sorted((f for f in reconcile_documents([doc], full).report.findings if f.check == "table_sums"),
                  key=lambda f: f.field)
    assert [f.kind for f in sums] == kinds
    assert [f.severity for f in sums] == ["ok" if kind == "sum_matches" else "error" for kind in kinds]
    assert "“47 900” − “44 300” = 3 600" in sums[1].explanation
    assert "“45 200” − “41 800” = 3 400" in sums[0].explanation  # a mismatch reads the difference, off by 100


@pytest.mark.parametrize("part", ["varav övertid", "därav övertid", "- varav övertid"])
def test_a_row_naming_a_part_of_the_row_above_is_no_item_of_the_sum(part) -> None:
    # "varav övertid" is part of "Personalkostnader" above it: the total adds up without it (it was
    # counted twice, a false error)
    from pipeline.facts import extract_facts
    from pipeline.reconcile import reconcile_documents
    from pipeline.rules import load_rules

    full = load_rules()
    lines = ["Belopp i tkr", "Budget 2025 Utfall 2025", "Personalkostnader 52 000 53 100", f"{part} 1 200 2 300",
             "Lokalkostnader 8 000 7 900", "Övriga kostnader 6 000 6 200", "Summa 66 000 67 200"]
    doc = extract_facts(extract_tables(document_from_lines(lines, doc_id="v", source="v", kind="text"), full), full)
    sums = [f for f in reconcile_documents([doc], full).report.findings if f.check == "table_sums"]
    assert sorted(f.kind for f in sums) == ["sum_matches", "sum_matches"]
    assert all(len(f.values) == 4 for f in sums)  # three items and the total


def test_a_plain_text_table_takes_the_unit_of_its_caption() -> None:
    # a .txt input has no word boxes: the caption above the table ("Belopp i tkr") is found by the rows'
    # lines, so the cells are thousands of kronor, as in a PDF (they were read as kronor)
    from pipeline.facts import extract_facts
    from pipeline.rules import load_rules

    full = load_rules()
    lines = ["Uppföljning 2024", "Belopp i tkr", "Verksamhet Budget 2024 Utfall 2024 Avvikelse",
             "Äldreomsorg -412 300 -418 650 -6 350", "Hemtjänst -96 400 -95 210 1 190", "Summa -508 700 -513 860 -5 160"]
    doc = extract_facts(extract_tables(document_from_lines(lines, doc_id="t", source="t", kind="text"), full), full)
    summa = {f.attrs["column"]: f.value for f in doc.facts if f.attrs.get("row_label") == "Summa"}
    assert summa == {"Budget 2024": -508_700_000, "Utfall 2024": -513_860_000, "Avvikelse": -5_160_000}


def test_nan_of_a_data_frame_export_is_an_empty_cell(rules: Rules) -> None:
    # 37:160-163 in tkr as a table exported through a data frame prints it: the cell 37 leaves empty
    # ("Ombudgeteras till 2025" of Inkomster) reads "NaN", a cell of its own, whatever the other rows print
    lines = [INVESTMENTS_37[0], f"{INVESTMENTS_37[1]} NaN", *INVESTMENTS_37[2:]]
    tables, doc = flat_tables(lines, rules)
    assert tables[0].header == INVESTMENTS_37_HEADER
    assert grid(tables[0])[0] == ["Inkomster", "4 000", "2 800", "2 900", "NaN"]
    lines[1] = "Inkomster 4 000 NaN 2 900 NaN"  # inside the row too
    assert grid(flat_tables(lines, rules)[0][0])[0] == ["Inkomster", "4 000", "NaN", "2 900", "NaN"]
    assert not any(p.warnings for p in doc.pages)


def test_a_dash_printed_for_an_empty_cell_is_a_cell_of_its_own(rules: Rules) -> None:
    # a resultatdisponering row (the genre's shape, figures made up) with its empty cell printed "-":
    # "270 - 270" also reads as 270 and a minus set apart from "270"; the header's five columns and the
    # Summa row's sums say it is a cell of its own
    lines = ["Verksamhet Årsbudget Bokslut Avvikelse Ombudgeteras Till resultatfond",
             "Förskola 14 250 13 980 270 - 270", "Grundskola 41 500 40 900 600 600 -",
             "Summa 55 750 54 880 870 600 270"]
    tables, _ = flat_tables(lines, rules)
    assert grid(tables[0]) == [["Förskola", "14 250", "13 980", "270", "-", "270"],
                               ["Grundskola", "41 500", "40 900", "600", "600", "-"],
                               ["Summa", "55 750", "54 880", "870", "600", "270"]]
    # a minus set apart from its figures is still read first as one
    assert values("12 000 - 2 150", 2)[0] == (12000.0, -2150.0)


def test_a_figure_in_brackets_is_one_negative_number(rules: Rules) -> None:
    # a budget follow-up (the genre's shape, figures made up) printing its negative deviation in brackets,
    # as a ruled table's cells may: "(2 150)" is -2 150, one number, and the row adds up
    lines = ["Belopp i tkr", "Verksamhet Budget 2024 Utfall 2024 Avvikelse", "Hemtjänst 28 360 24 240 4 120",
             "Förskola 12 000 14 150 (2 150)", "Summa 40 360 38 390 1 970"]
    tables, _ = flat_tables(lines, rules)
    assert grid(tables[0])[1] == ["Förskola", "12 000", "14 150", "(2 150)"]
    assert values("(1 030 000) 26 800 000", 2) == [(-1030000.0, 26800000.0)]


def test_one_figure_column_under_a_header_naming_it_is_a_table(rules: Rules) -> None:
    # an ombudgetering's bilaga (the genre's shape, names and figures made up): one column of amounts
    # under a header naming it, its caption above naming a column word too, its unit in a note below
    lines = ["Ombudgetering per projekt", "Projekt Ombudgeteras 2025", "Gruppbostad Västra 1 200",
             "Inventarier särskilt boende 900", "Digitala hjälpmedel 1 600", "Summa 3 700", "Belopp i tkr"]
    tables, _ = flat_tables(lines, rules)
    assert tables[0].header == ("Projekt", "Ombudgeteras 2025")
    assert grid(tables[0]) == [["Gruppbostad Västra", "1 200"], ["Inventarier särskilt boende", "900"],
                               ["Digitala hjälpmedel", "1 600"], ["Summa", "3 700"]]


def test_header_cells_run_together_without_spaces(rules: Rules) -> None:
    # 37:44-46 in tkr under its header as an export that dropped the spaces between header cells gives it
    lines = ["(tkr)", "IntäkterUtfall 2022Utfall 2023Utfall 2024", "Kostnader -307 200 -337 600 -337 200",
             "Netto -228 100 -227 100 -243 100", "Budget, netto -223 400 -222 300 -243 300"]
    tables, _ = flat_tables(lines, rules)
    assert tables[0].header == ("Intäkter", "Utfall 2022", "Utfall 2023", "Utfall 2024")
    assert grid(tables[0])[0] == ["Kostnader", "-307 200", "-337 600", "-337 200"]


def test_year_after_a_column_word_dates_that_column(rules: Rules) -> None:
    # 37:45-47's 2024 and 2023 figures in tkr (Budget, netto; Netto; Avvikelse) set as one row each under
    # a follow-up's header: "Budget 2024" is one column, not "Budget" and "2024 Utfall"
    lines = ["Verksamhet Budget 2024 Utfall 2024 Avvikelse", "Teknik -243 300 -243 100 200",
             "Service -222 300 -227 100 -4 800"]
    tables, _ = flat_tables(lines, rules)
    assert tables[0].header == ("Verksamhet", "Budget 2024", "Utfall 2024", "Avvikelse")
    assert grid(tables[0])[1] == ["Service", "-222 300", "-227 100", "-4 800"]


def test_numbered_parts_of_the_year_head_columns(rules: Rules) -> None:
    # 37:52-54's three years in tkr (Intäkter, Kostnader, Netto) under a follow-up's header of numbered
    # parts: "Tertial 2", "delår 1", "T3" name columns, their numbers are no figures of a row
    rows = ["Intäkter 195 700 205 200 224 100", "Kostnader -184 000 -213 300 -234 400", "Netto 11 700 -8 100 -10 300"]
    tables, _ = flat_tables(["Belopp i tkr", "Verksamhet Tertial 1 Tertial 2 Tertial 3", *rows], rules)
    assert tables[0].header == ("Verksamhet", "Tertial 1", "Tertial 2", "Tertial 3")
    assert grid(tables[0])[1] == ["Kostnader", "-184 000", "-213 300", "-234 400"]
    tables, _ = flat_tables(["Verksamhet Budget Prognos delår 1 Prognos delår 2", *rows], rules)
    assert tables[0].header == ("Verksamhet", "Budget", "Prognos delår 1", "Prognos delår 2")
    tables, _ = flat_tables(["Verksamhet T1 T2 T3", *rows], rules)
    assert tables[0].header == ("Verksamhet", "T1", "T2", "T3")
    assert grid(tables[0])[2] == ["Netto", "11 700", "-8 100", "-10 300"]


def test_a_header_of_capitalised_words_names_one_column_each(rules: Rules) -> None:
    # 37:42-45's accounts in tkr turned round, a row per year's activity (Intäkter, Kostnader, Netto), under a
    # header that names its columns by the accounts, none of them a column word: a word each
    rows = ["Gator 79 100 -307 200 -228 100", "Parker 110 500 -337 600 -227 100", "Trafik 94 100 -337 200 -243 100"]
    tables, _ = flat_tables(["Belopp i tkr", "Verksamhet Intäkter Kostnader Netto", *rows], rules)
    assert tables[0].header == ("Verksamhet", "Intäkter", "Kostnader", "Netto")
    assert grid(tables[0])[1] == ["Parker", "110 500", "-337 600", "-227 100"]
    # one column word among them ("Summa") heads a column of its own; the others are a word each too
    tables, _ = flat_tables(["Verksamhet Intäkter Kostnader Summa", "Teknik 79 100 -307 200 -228 100"], rules)
    assert tables[0].header == ("Verksamhet", "Intäkter", "Kostnader", "Summa")
    # a line of more words than columns is no header: the cells keep no column name
    tables, _ = flat_tables(["Område Verksamhet Intäkter Kostnader Netto", *rows], rules)
    assert not any(tables[0].header)


def test_amounts_run_together_under_a_header_naming_too_few_columns_are_cut_by_arithmetic(rules: Rules) -> None:
    # 37:45-47's 2024 and 2023 figures in tkr (Budget, netto; Netto; Avvikelse, costs printed positive) under a
    # header that names two of the three columns: as two cells "243 300 243 100" would be one amount of
    # 243 billion; the deviation that holds in every row as three cells says where each amount ends
    lines = ["Verksamhet Budget Utfall", "Teknik 243 300 243 100 200", "Service 222 300 227 100 4 800"]
    tables, _ = flat_tables(lines, rules)
    assert [row[1:] for row in grid(tables[0])] == [["243 300", "243 100", "200"], ["222 300", "227 100", "4 800"]]
    assert tables[0].header == ("Verksamhet", "Budget", "Utfall", "")  # the deviation's column has no header of its own


def test_rows_no_arithmetic_decides_are_read_as_even_figures(rules: Rules) -> None:
    # 37:45-46's 2024 and 2023 figures in tkr (Budget, netto and Netto, costs printed positive) as a
    # two-column table without a deviation: every row reads four ways, the even one ("243 300 | 243 100",
    # one line's figures in two kinds) is clearest, and the columns' magnitudes then settle the rest
    lines = ["Verksamhet Budget Utfall", "Teknik 243 300 243 100", "Service 222 300 227 100", "Fritid 98 400 101 200"]
    tables, doc = flat_tables(lines, rules)
    assert [row[1:] for row in grid(tables[0])] == [["243 300", "243 100"], ["222 300", "227 100"], ["98 400", "101 200"]]
    assert not any(p.warnings for p in doc.pages)


# A bilaga whose gains print a plus ("+200"), as `fuzz_flat_tables.py --plus-signs` draws one (figures made up):
# no dev paper prints one, but a deviation column often does.
PLUS_BILAGA = ["Belopp i tkr", "Verksamhet Budget 2024 Utfall 2024 Avvikelse", "Fritid 2 300 2 100 +200",
               "Kultur 1 000 1 200 -200", "Bibliotek 4 100 3 850 +250", "Summa 7 400 7 150 +250"]


def test_a_gains_plus_opens_its_figure(rules: Rules) -> None:
    # "2 100 +200" is two cells, never one number "2 100 200" nor a row that ends in a word
    tables, _ = flat_tables(PLUS_BILAGA, rules)
    assert grid(tables[0]) == [["Fritid", "2 300", "2 100", "+200"], ["Kultur", "1 000", "1 200", "-200"],
                               ["Bibliotek", "4 100", "3 850", "+250"], ["Summa", "7 400", "7 150", "+250"]]
    scanned = extract_tables(word_page([[(60, line)] for line in PLUS_BILAGA], origin="ocr"), rules).tables
    assert grid(scanned[0]) == grid(tables[0])


def test_figures_ocr_misread_in_a_flat_row_are_read_as_printed(rules: Rules) -> None:
    # 37:160-163 in tkr as OCR reads a flat copy of it: the last cell's "0" read as the letter "O", a figure
    # run into the signed one after it, a speck after the last figure read as a colon
    lines = [INVESTMENTS_37[0], "Inkomster 4 000 2 800 2 900 O", "Utgifter -80 200 -192 300 -55 000-1 500",
             "Netto -76 200 -189 500 -52 100 -1 500:"]
    tables = extract_tables(word_page([[(60, line)] for line in lines], origin="ocr"), rules).tables
    assert [t.method for t in tables] == ["flat-rows"]
    assert grid(tables[0]) == [
        ["Inkomster", "4 000", "2 800", "2 900", "0"],
        ["Utgifter", "-80 200", "-192 300", "-55 000", "-1 500"],
        ["Netto", "-76 200", "-189 500", "-52 100", "-1 500"]]
    # a resultatdisponering's row of zero cells with the deviation carried to the fund: "0 1 190" read "01 190"
    # and "0 -630" read "0-630"
    lines = ["Verksamhet Budget Utfall Avvikelse Ombudgeteras Resultatfond", "Vuxna 96 400 95 210 1 190 01 190",
             "Barn 52 300 54 120 -1 820 0 -1 820", "Summa 148 700 149 330 -630 0-630"]
    tables = extract_tables(word_page([[(60, line)] for line in lines], origin="ocr"), rules).tables
    assert [row[1:] for row in grid(tables[0])] == [["96 400", "95 210", "1 190", "0", "1 190"],
                                                    ["52 300", "54 120", "-1 820", "0", "-1 820"],
                                                    ["148 700", "149 330", "-630", "0", "-630"]]
    # a speck read as an apostrophe between two figures ("6 300'2 600") or after one ("-650'"): it goes
    lines = ["Projekt Budget Utfall Avvikelse Ombudgeteras", "Gruppbostad 2 500 1 300 1 200 1 200",
             "Inventarier 1 800 2 450 -650' -650", "Summa 4 300'3 750 550 550"]
    tables = extract_tables(word_page([[(60, line)] for line in lines], origin="ocr"), rules).tables
    assert [row[1:] for row in grid(tables[0])] == [["2 500", "1 300", "1 200", "1 200"],
                                                    ["1 800", "2 450", "-650", "-650"],
                                                    ["4 300", "3 750", "550", "550"]]


def test_more_figures_a_scan_misreads_in_a_flat_row_are_read_as_printed(rules: Rules) -> None:
    # 37:160-163 in tkr as a scan reads it: a minus read as two dashes and as an em dash, a stop after a figure
    # inside the row, a 0 cell with a bracket of a speck beside it
    lines = [INVESTMENTS_37[0], "Inkomster 4 000 2 800 2 900 [0)", "Utgifter --80 200 -192 300 —55 000 -1 500",
             "Netto -76 200 -189 500 -52 100. -1 500"]
    tables = extract_tables(word_page([[(60, line)] for line in lines], origin="ocr"), rules).tables
    assert grid(tables[0]) == [
        ["Inkomster", "4 000", "2 800", "2 900", "0"],
        ["Utgifter", "-80 200", "-192 300", "-55 000", "-1 500"],
        ["Netto", "-76 200", "-189 500", "-52 100", "-1 500"]]
    # a bilaga in kronor drawn of the genre's words (bench/fuzz_flat_tables.py --seed 86, paper 30, figures made
    # up) with the slips its photocopy-300 scans showed: a stop for a group space ("19.130 000"), groups run
    # together before a group ("86750 000"), a speck read as a dash between groups ("65 280-000"), a speck
    # before a figure (".40 200 000")
    lines = ["Verksamhet Plan 2023 Bokslut 2023 Plan 2024 Utfall 2023 Till resultatfond Beviljat",
             "Parker och grönytor 14 210 000 19.130 000 31 080 000 44 080 000 23 620 000 16 340 000",
             "Barn och unga .40 200 000 38 310 000 28 090 000 44 060 000 44 040 000 26 860 000",
             "Gator och vägar 32 940 000 12 260 000 6 110 000 -580 000 31 510 000 NaN",
             "Missbruksvård 11 420 000 17 050 000 0 1 020 000 NaN 27 070 000",
             "Totalt 98 770 000 86750 000 65 280-000 88 580 000 99 170 000 70 270 000"]
    tables = extract_tables(word_page([[(60, line)] for line in lines], origin="ocr"), rules).tables
    assert [row[1:3] + row[3:4] for row in grid(tables[0])] == [
        ["14 210 000", "19 130 000", "31 080 000"], ["40 200 000", "38 310 000", "28 090 000"],
        ["32 940 000", "12 260 000", "6 110 000"], ["11 420 000", "17 050 000", "0"],
        ["98 770 000", "86 750 000", "65 280 000"]]


def test_a_two_line_header_dates_every_column_but_the_shares(rules: Rules) -> None:
    # a bilaga in kronor drawn of the genre's words (`fuzz_flat_tables.py --profile phone --seed 89`, paper 24;
    # figures made up): the years under its header date the three figure columns; a share's column takes none
    lines = ["Verksamhet Budget Plan Plan Andel %", "2024 2023 2024",
             "Ekonomiskt bistånd 15 270 000 -300 000 26 270 000 26,4 %", "Vuxenutbildning 9 600 000 0 28 320 000 97,5 %",
             "Elevhälsa -3 260 000 22 060 000 1 130 000 38,2 %", "Lokalförsörjning 49 020 000 23 570 000 8 960 000 71,8 %"]
    tables, _ = flat_tables(lines, rules)
    assert tables[0].header == ("Verksamhet", "Budget 2024", "Plan 2023", "Plan 2024", "Andel %")
    assert grid(tables[0])[0] == ["Ekonomiskt bistånd", "15 270 000", "-300 000", "26 270 000", "26,4 %"]


def test_a_scans_slips_in_a_header_and_its_shares_are_read_back(rules: Rules) -> None:
    # bilagor drawn of the genre's words (`fuzz_flat_tables.py --plus-signs --profile photocopy-300 --seed 92`,
    # papers 10 and 7; figures made up) as Tesseract read them: a share's "%" read "90" in the header and as
    # marks of up to three characters in the rows, a dash read for the space before a year
    lines = ["Verksamhet Utfall 2023 Prognos 2022 Avvikelse Plan 2023 Andel 90", "Digitalisering 19 000 31 330 +6 220 32 770 89,9 %",
             "Vuxenutbildning 9 080 48 800 +11 060 32 880 2,7 /o", 'Hemtjänst 38 030 43 580 0 27 050 53,8 "ho',
             "Summa drift 66 110 123 710 +17 280 92 700 62,7 Yo"]
    tables = extract_tables(word_page([[(60, line)] for line in lines], origin="ocr"), rules).tables
    assert tables[0].header == ("Verksamhet", "Utfall 2023", "Prognos 2022", "Avvikelse", "Plan 2023", "Andel %")
    assert [row[-1] for row in grid(tables[0])] == ["89,9 %", "2,7 %", "53,8 %", "62,7 %"]
    lines = ["Verksamhet Budget 2025 Prognos-2024 Bokslut 2024 Avvikelse Bokslut 2025",
             "Kulturskola 34 150 000 8 660 000 17 810 000 +25 810 000 20 320 000",
             "Grundskola 1 360 000 46 840 000 43 120 000 0 35 760 000"]
    tables = extract_tables(word_page([[(60, line)] for line in lines], origin="ocr"), rules).tables
    assert tables[0].header[1:3] == ("Budget 2025", "Prognos 2024")
    # paper 3 (in mnkr, every figure with its tenths): a speck read as a dash between a figure's groups
    lines = ["Verksamhet Prognos 2023 Plan 2023 Beviljat Avvikelse", "Förskola 4 939,0 3 649,0 396,0 +2 538,0",
             "Summa investeringar 8 849,0 7 602,0 10-636,0 +11 314,0", "Totalt 14 307,0 15 371,0 17 074,0 +17 778,0"]
    tables = extract_tables(word_page([[(60, line)] for line in lines], origin="ocr"), rules).tables
    assert grid(tables[0])[1] == ["Summa investeringar", "8 849,0", "7 602,0", "10 636,0", "+11 314,0"]


def test_a_run_together_header_whose_o_a_scan_read_as_zero_heads_its_table(rules: Rules) -> None:
    # a bilaga drawn of the genre's words (`fuzz_flat_tables.py --quoted --zeros --profile fax-standard --seed 106`,
    # paper 21; figures made up) as Tesseract read it: header cells run together, the O of "Ombudgeteras" read as
    # a zero after a year ("20240mbudgeteras"), so the line held a figure, was no header, and the table ended at
    # the first comment of more than three words, which only a text column's header allows
    lines = ["VerksamhetBudget 20240mbudgeterasSöktKommentar", "Kost och städ 7 850 0 -",
             "Särskilt boende -4 380 22 830 11 870 Upphandlingen blev försenad",
             "Bibliotek 570 150 0 Högre volymer än planerat", "Totalt 75 100 99 870 123 950 Enligt plan"]
    tables = extract_tables(word_page([[(60, line)] for line in lines], origin="ocr"), rules).tables
    assert len(tables) == 1 and tables[0].header[:2] == ("Verksamhet", "Budget 2024")
    assert [row[:4] for row in grid(tables[0])] == [["Kost och städ", "7 850", "0", "-"],
                                                    ["Särskilt boende", "-4 380", "22 830", "11 870"],
                                                    ["Bibliotek", "570", "150", "0"],
                                                    ["Totalt", "75 100", "99 870", "123 950"]]


def test_a_section_name_with_a_speck_keeps_its_table_whole(rules: Rules) -> None:
    # probe 02 of bench/data/flat-bilagor as a scan reads it: a speck read after each section's name
    # ("Fastigheter :") made it a sentence, which ended the table before its rows and cost it its header
    lines = [line for line in (PROBES / "02-ombudg-inv.md").read_text(encoding="utf-8").split("\n")[4:] if line]
    lines = [line + " :" if line in ("Fastigheter", "Inventarier") else line for line in lines]
    tables = extract_tables(word_page([[(60, line)] for line in lines], origin="ocr"), rules).tables
    assert [t.method for t in tables] == ["flat-rows"]
    assert tables[0].header == ("Projekt", "Årsbudget", "Helårs utfall", "Avvikelse", "Ombudg till 2024", "Ombudg till 2025")
    assert [row[0] for row in grid(tables[0])] == ["Ombyggnad Furuhallen", "Ventilation Tallbacken", "Summa Fastigheter",
                                                   "Möbler gruppbostäder", "IT-utrustning", "Summa Inventarier", "Totalt"]


def test_a_label_column_set_apart_is_joined_to_its_figures_specks_and_all(rules: Rules) -> None:
    # probes 23 and 24 of bench/data/flat-bilagor as a scan reads them: a speck after a row's figures
    # ("-1 550 :"), and one glued to a figure of a column ("1 500."); a caption above the labels stays one
    rows_apart = ["Driftredovisning per verksamhet, tkr", "Verksamhet", "Äldreomsorg", "Hemtjänst", "Summa",
                  "Budget 2024 Utfall 2024 Avvikelse", "152 300 150 100 2 200", "88 400 89 950 -1 550 :",
                  "240 700 240 050 650"]
    (table,), _ = flat_tables(rows_apart, rules)
    assert table.header == ("Verksamhet", "Budget 2024", "Utfall 2024", "Avvikelse")
    assert grid(table) == [["Äldreomsorg", "152 300", "150 100", "2 200"], ["Hemtjänst", "88 400", "89 950", "-1 550"],
                           ["Summa", "240 700", "240 050", "650"]]
    columns_apart = ["Projekt", "Digitala lås", "Välfärdsteknik", "Totalt", "Budget 2024", "1 500.", "900", "2 400",
                     "Utfall 2024", "300", "NaN", "300"]
    (table,), _ = flat_tables(columns_apart, rules)
    assert table.header == ("Projekt", "Budget 2024", "Utfall 2024")
    assert grid(table) == [["Digitala lås", "1 500", "300"], ["Välfärdsteknik", "900", "NaN"], ["Totalt", "2 400", "300"]]


def test_a_label_column_set_apart_may_hold_labels_with_numbers(rules: Rules) -> None:
    # the label block of a bilaga whose labels number what they name ("Förskola 1-5 år", "LSS 9 § 8", as
    # `fuzz_flat_tables.py --labels-apart` draws them; figures made up): inside a block of plain labels
    # over a header and its rows of figures, such a line is a label, not a row
    rows_apart = ["Verksamhet", "Grundskola", "Förskola 1-5 år", "LSS 9 § 8", "Vuxna", "Summa",
                  "Budget 2024 Utfall 2024", "12 400 12 100", "8 300 8 650", "2 100 2 050", "5 200 5 000",
                  "28 000 27 800"]
    (table,), _ = flat_tables(rows_apart, rules)
    assert table.header == ("Verksamhet", "Budget 2024", "Utfall 2024")
    assert grid(table) == [["Grundskola", "12 400", "12 100"], ["Förskola 1-5 år", "8 300", "8 650"],
                           ["LSS 9 § 8", "2 100", "2 050"], ["Vuxna", "5 200", "5 000"], ["Summa", "28 000", "27 800"]]


def test_a_share_columns_percent_signs_a_scan_misread_are_read_back(rules: Rules) -> None:
    # a photocopied bilaga as Tesseract read it (`fuzz_flat_tables.py --profile photocopy-300`, figures made
    # up): the header's "Andel %" as "Andel 2," and some rows' "%" as "NY" or "Yo"; read back, the header
    # names each figure column and the share's, as the printed table's does
    lines = ["Verksamhet Bokslut 2022 Bokslut 2021 Avvikelse Förslag 2022 Andel 2,",
             "Fritidsgårdar 0 230 -230 10 210 30,1 %", "Bemanningsenhet 14 790 15 000 -210 -3 680 79,2 NY",
             "Missbruksvård 36 540 36 000 540 12 340 20,3 Yo", "Summa 51 330 51 230 100 18 870 52,1 Yo"]
    tables, _ = flat_tables(lines, rules)
    assert tables[0].header == ("Verksamhet", "Bokslut 2022", "Bokslut 2021", "Avvikelse", "Förslag 2022", "Andel %")
    assert grid(tables[0])[1][1:5] == ["14 790", "15 000", "-210", "-3 680"]
    # the same with the header's cells run together by an export ("Förslag 2022Andel 2", one word before the sign)
    tables, _ = flat_tables(["VerksamhetBokslut 2022Bokslut 2021AvvikelseFörslag 2022Andel 2", *lines[1:]], rules)
    assert tables[0].header[1:] == ("Bokslut 2022", "Bokslut 2021", "Avvikelse", "Förslag 2022", "Andel %")


@pytest.mark.parametrize(("scanned", "printed"), [("Awvikelse", "Avvikelse"), ("Andet %", "Andel %"),
                                                  ("Utfail 2024", "Utfall 2024"), ("Budget 2024", "Budget 2024")])
def test_a_header_word_a_scan_slipped_one_letter_of_is_read_back(rules: Rules, scanned: str, printed: str) -> None:
    # "w" for "v", "t" or "i" for "l": a column word of five letters or more one look-alike off is that word,
    # in the table's header as the facts stage reads it; a word one other letter off ("Beviljas" is no
    # "Beviljat") or no column word ("Anders") stays as printed
    lines = [f"Verksamhet Budget 2023 {scanned}", "Vuxna 1 200 1 150", "Barn 2 400 2 600", "Summa 3 600 3 750"]
    tables, _ = flat_tables(lines, rules)
    assert tables[0].header[1:] == ("Budget 2023", printed)
    assert [header_read_back(word, rules.tables) for word in ("Beviljas", "Anders", "Pian")] == ["Beviljas", "Anders", "Pian"]


def test_header_line_of_fewer_parts_goes_on_the_headers_that_cannot_stand_alone(rules: Rules) -> None:
    # a resultatdisponering's header over two lines (37:45-47's 2024 and 2023 figures in tkr as its rows): the
    # second line's words go on the repeated "Ombudgeteras" and on "Till", not on the last three columns
    lines = ["Verksamhet Budget Utfall Ombudgeteras Ombudgeteras Till Återredovisas", "drift investering resultatfond",
             "Teknik 243 300 243 100 0 0 200 0", "Service 222 300 227 100 0 0 -4 800 0"]
    tables, _ = flat_tables(lines, rules)
    assert tables[0].header == ("Verksamhet", "Budget", "Utfall", "Ombudgeteras drift", "Ombudgeteras investering",
                                "Till resultatfond", "Återredovisas")


def test_flattened_bilagor_probes_are_read_cell_by_cell(tmp_path) -> None:
    # bench/data/flat-bilagor: budget bilagor as text layers flatten them, written by hand for the genre
    # (expected.yaml from their text: 13-14 end in a comment column, 15 is a follow-up by month, 16 sets each
    # row's label on the line above its figures, 17 names its figures in captions, 18 is twelve months of like figures,
    # 08 gives every cell a line of its own, 19 is a wide table kept in columns under a header of two lines,
    # 20 keeps its rows in columns under a header run together on one line, 23 sets its labels apart above rows
    # of figures only, 24 sets its labels and then each figure column apart, one cell a line, 25 keeps its
    # columns and sets labels and comments on two lines each, one continuation line holding both, 26 sets a
    # comment column three spaces after the figures, between sections, a row of empty cells among them, 27 prints
    # empty cells as a dash a space before a figure, under a label ending in a number)
    expected = yaml.safe_load((PROBES / "expected.yaml").read_text(encoding="utf-8"))
    out = tmp_path / "out"
    assert main(["run", str(build("born-digital", tmp_path)), "--out", str(out), "--no-progress", "--no-pdf", "--no-alto"]) == 0
    docs = {Path(d.source).stem: d for d in (Document.model_validate_json(p.read_text(encoding="utf-8"))
                                             for p in (out / "documents").glob("*.json"))}
    for name, rows in expected.items():
        assert score(rows, docs[name].tables) == (sum(len(cells) for _, cells in rows), 0), name
    # the columns' meanings: "Bokslut helårsutfall" one column, "Kontrollsumma" over the NaN cells, the
    # second header line on the columns that could not stand alone
    assert docs["01-resultatdisp"].tables[0].header[1:4] == ("Årsbudget", "Bokslut helårsutfall", "Avvikelse")
    assert docs["01-resultatdisp"].tables[0].header[-1] == "Kontrollsumma"
    assert docs["10-stacked"].tables[0].header[4:7] == ("Ombudgeteras drift", "Ombudgeteras investering", "Till resultatfond")
    assert docs["05-pagebreak"].tables[0].header[1:3] == ("Budget 2024", "Utfall 2024")
    # a wide table kept in columns, its header over two lines each set at its own size: read by its words,
    # the second line on the headers that cannot stand alone, a word broken at a hyphen joined again
    assert docs["19-wide-osaker"].tables[0].header[1:] == ("Årsbudget", "Helårsutfall", "Avvikelse", "Ombudg. drift",
                                                          "Ombudg. invest.", "Internränta", "Till resultatfond",
                                                          "Kontrollsumma")
    # rows kept in columns under a header whose cells ran together on one line, a section's name between them
    assert docs["20-glued-columns"].tables[0].header == ("Projekt", "Årsbudget", "Helårs utfall", "Avvikelse",
                                                        "Ombudg till 2026", "Ombudg till 2027")
    # a column of comments after the figures: its header is no figure column, its words (a year, a wrapped
    # line) no cells, and an amount it quotes stays the text's; the tables state no unit, the text's tkr
    # figures give it
    assert docs["13-comment"].tables[0].header[1:] == ("Resultatfond 2023", "Överskott 2024", "Ombudgeteras till 2025",
                                                       "Kvar i resultatfond")
    assert docs["14-motivering"].tables[0].header[1:] == ("Budget 2024", "Utfall 2024", "Avvikelse", "Ombudgeteras")
    amounts = [f for f in docs["14-motivering"].facts if f.kind == "amount"]
    assert {(f.attrs["row_label"], f.value) for f in amounts if f.attrs.get("column") == "Budget 2024"} == {
        ("Gruppbostad Västra", 2_500_000), ("Inventarier särskilt boende", 1_800_000),
        ("Digitala hjälpmedel", 2_000_000), ("Summa", 6_300_000)}
    assert [f.text for f in amounts if f.value == 300_000] == ["300 tkr"]
    assert all("table" not in f.attrs for f in amounts if f.value == 300_000)
    # a follow-up by month: the months head the columns, "Summa" adds each row up (which reads "4 862" as one
    # figure); no column names a kind, so a row is money only where the text quotes it ("48,6 mnkr" is the
    # payments' total), and the households' row is no money at all
    assert docs["15-months"].tables[0].header[1:] == ("Jan", "Feb", "Mar", "Apr", "Maj", "Jun", "Jul", "Aug", "Sep",
                                                     "Okt", "Nov", "Dec", "Summa")
    monthly = [f for f in docs["15-months"].facts if f.kind == "amount" and "table" in f.attrs]
    assert {f.attrs["row_label"] for f in monthly} == {"Utbetalt"}
    assert sorted(f.value for f in monthly)[-2:] == [4_400_000, 48_600_000]
    # a caption over the header names what the figures are when the columns name only years or quarters, and
    # is no header line itself (it names a unit); "Kvartal 1" heads a column, its 1 is no amount
    captioned = [f for f in docs["17-captions"].facts if f.kind == "amount"]
    assert {(f.attrs["column"], f.role) for f in captioned} == {
        ("2023", "balance"), ("2024", "balance"), ("Kvartal 1", "forecast"), ("Kvartal 2", "forecast")}
    assert docs["17-captions"].tables[0].header == ("Verksamhet", "2023", "2024")  # tables in the page's order
    # twelve months over rows of like figures: some difference of two cells holds in a wide row by chance, which
    # is no thirteenth column the header has no word for
    assert docs["18-months-budget"].tables[0].header[1:] == ("Jan", "Feb", "Mar", "Apr", "Maj", "Jun", "Jul", "Aug",
                                                            "Sep", "Okt", "Nov", "Dec")


_GRIDDED_SLIPS = """<!-- source: a probe written by hand for tests/test_flat_rows.py -->
<!-- sida 1 -->
Tjänsteskrivelse
Ombudgetering av resultatfond 2024
Förslag till beslut
Socialnämnden föreslår att resultatfonden ombudgeteras till 2025.

<!-- sida 2 -->
Bilaga 1
Driftredovisning 2024
| Barn och unga | Budget 2024<br>12 400 | Utfall 2024<br>13 150 | Avvikelse<br>(750) | Kommentar<br>Fler placeringar |
| --- | --- | --- | --- | --- |
| Projekt för unga vuxna<br>i utanförskap | 2 300 | 2 100 | 200 |  |
| Summa | 14 700 | 15 250 | (550) |  |
Belopp i tkr

Investeringar 2024
| Projekt för unga vuxna<br>i utanförskap | Budget 2024<br>1 500 | Utfall 2024<br>1 250 |
| --- | --- | --- |
| Inventarier | 800 | 950 |
| Summa | 2 300 | 2 200 |
Belopp i tkr
"""


def test_a_gridded_table_whose_converter_merged_its_first_row_into_the_header(tmp_path) -> None:
    # A converter's slip (the first data row's label in the header's first cell, each figure under its
    # column's words) with figures of thousands groups and brackets, a comment column, a label wrapped
    # onto two lines; each table's unit noted under it, the second table's caption set tight over it.
    source = tmp_path / "probe.md"
    source.write_text(_GRIDDED_SLIPS, encoding="utf-8")
    doc, findings = read_probe(source, tmp_path)

    def row(label: str) -> dict:
        return {f.attrs.get("column"): f.value for f in doc.facts if f.kind == "amount" and f.attrs.get("row_label") == label}

    assert row("Barn och unga") == {"Budget 2024": 12_400_000, "Utfall 2024": 13_150_000, "Avvikelse": -750_000}
    merged = [f for f in doc.facts if f.kind == "amount" and f.attrs.get("table") == "1" and f.attrs.get("row") == "0"]
    assert {(f.attrs.get("row_label"), f.value) for f in merged} == {
        ("Projekt för unga vuxna i utanförskap", 1_500_000), ("Projekt för unga vuxna i utanförskap", 1_250_000)}
    sums = sorted((f["kind"], f["field"]) for f in findings if f["check"] == "table_sums")
    assert [kind for kind, _ in sums] == ["sum_matches"] * 5, sums
