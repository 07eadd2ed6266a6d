"""Stages never raise on real input: the table, section and fact code fed random pages.

Pages are drawn as a real page can come out of OCR or a text layer: empty, one word, one column,
huge numbers, odd unicode, boxes of zero size or overlapping, lines out of order, table header
cues and amounts in any arrangement. A stage may find nothing; it may not raise (issue 12 item 2).
"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.facts import extract_facts
from pipeline.model import BBox, Cell, Document, Page, Table, Word
from pipeline.papers import split_papers
from pipeline.rules import load_rules
from pipeline.segment import segment
from pipeline.tables import extract_tables, flattened_tables, word_box_tables
from pipeline.tables._text import document_lines
from pipeline.tables.grid import grid_tables
from pipeline.tables.flattened_fit import _fit
from pipeline.tables.flattened_rows import Block

RULES = load_rules()
EXAMPLES = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# What committee papers print, and what breaks parsers: cues, units, amounts, years, headings,
# punctuation alone, digits of other scripts, combining marks, zero-width and right-to-left marks.
TOKENS = st.one_of(
    st.sampled_from([
        "Förening", "Antal", "deltagare", "Målgrupp", "Värde/", "år", "Kostnad", "Belopp", "Summa", "Totalt",
        "Budget", "Utfall", "2024", "2023", "kr", "tkr", "mkr", "SEK", "%", "st", "personer", "Andel",
        "Bakgrund", "Beslut", "Förslag", "till", "beslut", "Ärendet", "Dnr", "KS", "2024/123", "§", "12",
        "Linköpings", "kommun", "nämnden", "Bildningsnämnden", "AB", "556677-8899", "19121212-1212",
        "1", "000", "670", "400", "-", "–", "−", ":", ".", ",", "/", "(cid:3)", "2 (5)", "Sida", "januari",
        "2024-01-31", "den", "31", "mars", "tio", "miljoner", "ca", "70%", "-796,2", "1 670 400", "varav",
        "hälften", "finansieras", "av", "BIN", "ANs", "kostnad/år", "Prognos", "Avvikelse", "Bokslut",
    ]),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Zs", "Zl", "Zp", "Cc")),
            min_size=1, max_size=8),
    st.sampled_from(["٣٤٥", "１２３", "\u200b", "e\u0301", "\u202e12", "ﬁ", "½", "²", "Ⅻ", "💶", "x" * 300]),
)
COORD = st.one_of(st.floats(min_value=0, max_value=900, allow_nan=False), st.sampled_from([0.0, 1e6]))


@st.composite
def boxed_words(draw, max_words: int = 40) -> list[Word]:
    """Words in lines, each with a box that may be empty, inverted-free but zero-sized, or overlap others."""
    count = draw(st.integers(min_value=0, max_value=max_words))
    words: list[Word] = []
    line, x, top = 1, 20.0, 20.0
    column = draw(st.booleans())  # one word per line: a single column
    for _ in range(count):
        if column or draw(st.integers(0, 5)) == 0:
            line += draw(st.integers(1, 3))
            x, top = 20.0, top + draw(st.sampled_from([0.0, 3.0, 12.0, 40.0]))
        if draw(st.integers(0, 9)) == 0:
            x0, y0 = draw(COORD), draw(COORD)  # anywhere: overlapping, off the flow
        else:
            x0, y0 = x, top
        width, height = draw(st.sampled_from([0.0, 0.5, 8.0, 30.0, 200.0])), draw(st.sampled_from([0.0, 10.0, 10.0]))
        x += width + draw(st.sampled_from([0.0, 3.0, 3.0, 25.0, 120.0]))
        words.append(Word(text=draw(TOKENS), bbox=BBox(x0, y0, x0 + width, y0 + height), line=line,
                          block=draw(st.integers(0, 3)), confidence=draw(st.floats(0, 1)),
                          origin="ocr"))
    return words


@st.composite
def pages(draw) -> list[Page]:
    kinds = st.sampled_from(["ocr", "text", "damaged_text"])
    return [
        Page(number=n, kind=draw(kinds), width=595.0, height=842.0, words=tuple(draw(boxed_words())))
        for n in range(1, draw(st.integers(min_value=1, max_value=3)) + 1)
    ]


@st.composite
def plain_pages(draw) -> list[Page]:
    """A plain-text input: one page, words without boxes, line numbers with gaps."""
    words = draw(boxed_words())
    return [Page(number=1, kind="text", width=0, height=0,
                 words=tuple(w.model_copy(update={"bbox": None, "origin": "plain-text"}) for w in words))]


@st.composite
def tables(draw, doc_pages: list[Page]) -> list[Table]:
    """Tables as any recovery method may leave them: ragged, with empty, boxless or duplicate cells."""
    out = []
    for _ in range(draw(st.integers(0, 2))):
        n_rows, n_cols = draw(st.integers(0, 4)), draw(st.integers(0, 4))
        cells = tuple(
            Cell(row=draw(st.integers(0, n_rows + 1)), col=draw(st.integers(0, n_cols + 1)),
                 text=" ".join(draw(st.lists(TOKENS, max_size=4))),
                 bbox=draw(st.one_of(st.none(), st.builds(lambda x, y: BBox(x, y, x + 40, y + 10), COORD, COORD))))
            for _ in range(draw(st.integers(0, 12)))
        )
        header = tuple(draw(st.lists(st.lists(TOKENS, max_size=3).map(" ".join), max_size=n_cols)))
        out.append(Table(page=draw(st.integers(1, len(doc_pages))), bbox=None,
                         method=draw(st.sampled_from(["ruled", "word-boxes", "flattened-columns"])),
                         n_rows=n_rows, n_cols=n_cols, cells=cells, header=header))
    return out


def _document(doc_pages: list[Page], doc_tables: list[Table] = ()) -> Document:
    return Document(doc_id="0" * 64, source="random.pdf", media_type="application/pdf", pipeline_version="0",
                    rules_hash="0", pages=tuple(doc_pages), tables=tuple(doc_tables))


def _after_ocr(doc: Document) -> Document:
    """The stages after OCR and repair, in the order run.py runs them."""
    for stage in (extract_tables, segment, split_papers, extract_facts):
        doc = stage(doc, RULES)
    return doc


@EXAMPLES
@given(pages())
def test_word_box_tables_never_raise(doc_pages: list[Page]) -> None:
    for page in doc_pages:
        for table in word_box_tables(page, RULES.tables, [BBox(0, 0, 100, 100)]):
            assert table.n_cols >= RULES.tables.word_boxes.min_columns


@st.composite
def rule_masks(draw) -> tuple[np.ndarray, np.ndarray]:
    """Rule masks of a scan as find_rules leaves them: rules full or broken, crossing or not, or none."""
    height, width = draw(st.integers(0, 80)), draw(st.integers(0, 80))
    horizontal = np.zeros((height, width), bool)
    vertical = np.zeros((height, width), bool)
    for mask, across in ((horizontal, True), (vertical, False)):
        for _ in range(draw(st.integers(0, 6))):
            span = width if across else height
            if not span or not (height and width):
                break
            at = draw(st.integers(0, (height if across else width) - 1))
            a = draw(st.integers(0, span - 1))
            b = draw(st.integers(a, span))
            if across:
                mask[at : at + draw(st.integers(1, 3)), a:b] = True
            else:
                mask[a:b, at : at + draw(st.integers(1, 3))] = True
    return horizontal, vertical


@EXAMPLES
@given(rule_masks(), boxed_words(), st.sampled_from([0.0, 0.24, 2.0]), st.integers(1, 20))
def test_grid_tables_never_raise(masks: tuple[np.ndarray, np.ndarray], words: list[Word], scale: float,
                                 min_length: int) -> None:
    for table in grid_tables(*masks, scale, tuple(words), 1, min_length):
        assert table.n_rows >= 2 and table.n_cols >= 2


@EXAMPLES
@given(st.one_of(pages(), plain_pages()))
def test_flattened_tables_never_raise(doc_pages: list[Page]) -> None:
    flattened_tables(document_lines(_document(doc_pages)), RULES.tables)


@EXAMPLES
@given(st.lists(st.lists(st.lists(TOKENS, max_size=4), max_size=3), max_size=6),
       st.integers(0, 5), st.integers(0, 4))
def test_fitting_blocks_to_cells_never_raises(blocks: list[list[list[str]]], n: int, c: int) -> None:
    """Blocks of any shape, empty lines and empty blocks included, fitted to any n x c."""
    made = [
        Block(k, [[Word(text=t, bbox=None, line=1, block=0, confidence=1, origin="plain-text") for t in line]
                  for line in lines], [[] for _ in lines], "text", k % 3, k == 0)
        for k, lines in enumerate(blocks)
    ]
    fitted = _fit(made, n, c)
    assert len(fitted) == c and all(len(cells) == n for cells in fitted)


@EXAMPLES
@given(st.one_of(pages(), plain_pages()))
def test_stages_after_ocr_never_raise(doc_pages: list[Page]) -> None:
    doc = _after_ocr(_document(doc_pages))
    numbers = {p.number for p in doc.pages}
    assert all(f.evidence.page in numbers for f in doc.facts)


@EXAMPLES
@given(pages().flatmap(lambda ps: st.tuples(st.just(ps), tables(ps))))
def test_facts_from_any_table_never_raise(drawn: tuple[list[Page], list[Table]]) -> None:
    doc_pages, doc_tables = drawn
    doc = segment(_document(doc_pages, doc_tables), RULES)
    facts = extract_facts(doc, RULES).facts
    assert all(f.evidence.page in {p.number for p in doc.pages} for f in facts)


@EXAMPLES
@given(pages().flatmap(lambda ps: st.tuples(st.just(ps), tables(ps))))
def test_the_batch_stage_never_raises_on_any_tables_facts(drawn: tuple[list[Page], list[Table]]) -> None:
    # what the facts make of any table goes on to the checks and the records' columns: a figure of 30
    # digits once stopped both (a Decimal's rounding, an Int64 column)
    from pipeline.reconcile import reconcile_documents
    from pipeline.report import records_parquet

    doc_pages, doc_tables = drawn
    doc = extract_facts(segment(_document(doc_pages, doc_tables), RULES), RULES)
    result = reconcile_documents([doc], RULES)
    assert records_parquet(result.records)[:4] == b"PAR1"
    assert not any("could not be checked" in reason for reason in result.report.skipped)


def test_a_row_whose_figures_ran_together_does_not_stop_the_batch() -> None:
    # a long table's rows whose column gaps the text layer lost, in tkr, under a Summa that cannot add up:
    # read as figures of 27-30 digits they stopped the table sums' rounding and the records' Int64 column
    from pipeline.reconcile import reconcile_documents
    from pipeline.report import records_parquet

    rows = [["Verksamhet", "Budget 2024, tkr"], ["Teknik", "713 490 706 900 672 510 538 130"], ["Kultur", "2 500"],
            ["Summa", "370 680 000 340 170 000 314 200 000 274"]]
    cells = tuple(Cell(row=r, col=c, text=t, bbox=None) for r, row in enumerate(rows) for c, t in enumerate(row))
    table = Table(page=1, bbox=None, method="text-columns", n_rows=4, n_cols=2, cells=cells)
    page = Page(number=1, kind="text", width=595, height=842, words=(
        Word(text="Driftredovisning", bbox=BBox(50, 50, 150, 60), line=1, block=0, confidence=1.0, origin="text-layer"),))
    doc = extract_facts(segment(_document([page], [table]), RULES), RULES)
    result = reconcile_documents([doc], RULES)
    assert records_parquet(result.records)[:4] == b"PAR1"
    assert [f.value for f in doc.facts if f.kind == "amount"] == [2_500_000]
