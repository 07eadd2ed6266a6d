"""Tables whose text layer lost the columns: one line per row, cells one space apart.

A budget bilaga exported to PDF often reads "Årsbudget Bokslut helårsutfall Avvikelse" over
"Verksamhet 792 575 796 289 -3 714": the positions that told the cells apart are gone, and with
a space as the Swedish thousands separator the digit groups of neighbouring amounts run
together. What is left to go on:

- a number is a first group of 1–3 digits (or one unbroken figure) and then groups of exactly 3
  digits, so a signed group, a group of 1, 2 or 4+ digits and a group after a decimal comma start a
  new number, and a 3-digit group starting with 0 goes on the one before; only a 3-digit group may go
  either way; an empty cell prints a dash or, exported through a data frame, "NaN": a cell of its own;
- a thousands separator is one space: figures further apart than `column_gap` character widths (a
  layout that kept its columns' places) are separate cells;
- header cells may run together without a space ("helårsutfallAvvikelse"): a capital after a
  lower-case letter or a year starts a new word;
- every row holds as many numbers as the header names columns (without a header: as many as some
  row's signed or short groups force and most rows can be read as; the count whose readings settle
  best wins);
- a column's amounts are of one magnitude, and a budget table's arithmetic holds: a deviation is
  the difference of two other cells of its row (which also places the "Avvikelse" header over it),
  a total row is the sum of the rows above it, a grand total the sum of the totals.

A row whose reading these do not settle is not guessed: it is left out of the table and its page
gets the warning `flat_row_undecided`.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from functools import lru_cache

from pipeline.model import Cell, Table, Word
from pipeline.rules import TablesRules
from pipeline.tables._text import Line, fold, goes_on_label, has_alnum, union_bbox

NOT_A_NUMBER = ("NaN", "nan")
"""What a table exported through a data frame prints in an empty cell: a cell of its own, as a dash is."""
# a lone dash or NaN: an empty cell; a lone %: its number's
_NUMBER_TOKEN = re.compile(rf"\(?[-−–+]?\d+(?:,\d+)?\)?%?|[-−–—%]|{'|'.join(NOT_A_NUMBER)}")
_DASHES = "-−–—"
_SIGNS = _DASHES + "+"
"""A figure's sign: a minus, however set, or the plus some tables print before a gain ("+1 250")."""
_YEAR = re.compile(r"(?:19|20)\d\d(?:[-–—/](?:(?:19|20)?\d\d)?)?[,.]?")
_SENTENCE_END = re.compile(r"[.:;!?]$")
MAX_READINGS = 4096
"""Readings of one row tried at most: a row of 12 undecided 3-digit groups has 4 096."""
MAX_EMPTY_DASHES = 3
"""Lone dashes of a row tried as empty cells at once (each also as a minus)."""
MAX_HEADER_FITS = 200_000
"""Ways to set a header's next line over its columns tried at most (20 columns, 10 words: 184 756)."""


@dataclass(frozen=True)
class Reading:
    """One way to read a row's digit groups: the numbers, each as its tokens' index range."""

    spans: tuple[tuple[int, int], ...]
    values: tuple[float, ...]


@dataclass
class Row:
    """A data line: its label words, its number tokens, trailing words and continuation lines."""

    line: Line
    label: list[Word]
    numbers: list[Word]
    trailing: list[Word]
    readings: list[Reading] = field(default_factory=list)
    chosen: Reading | None = None
    headers: list[str] | None = None  # column headers a header line with the first row merged in names
    groups: list[int] | None = None  # that line's number tokens per column
    comment: list[Word] = field(default_factory=list)  # the words of a text column after the figures


def is_empty_mark(text: str) -> bool:
    """Tell whether a cell or token prints an empty figure: a dash, or "NaN" as a data frame exports one."""
    return text in NOT_A_NUMBER or (text != "" and all(c in _DASHES for c in text))


def is_sign(tokens: list[str], k: int) -> bool:
    """Tell whether token k is a minus set apart from its figures ("- 3 714"): they always go together."""
    return k > 0 and tokens[k - 1] in _DASHES and tokens[k][:1].isdigit()


def is_attached(tokens: list[str], k: int) -> bool:
    """Tell whether token k belongs to the number before it whatever the reading: figures after a lone
    minus, a percent sign set apart ("0,5 %"), a group inside brackets ("260)" of "(2 260)"), or a
    3-digit group starting with 0 ("095" of "1 095": no number's first group starts so)."""
    return is_sign(tokens, k) or (k > 0 and tokens[k] == "%") or _in_brackets(tokens, k) or _zero_group(tokens, k)


def _zero_group(tokens: list[str], k: int) -> bool:
    """Tell whether token k is a 3-digit group starting with 0 after a group it can continue."""
    digits = tokens[k].rstrip("%)").split(",")[0]
    if k == 0 or len(digits) != 3 or digits[0] != "0" or not digits.isdigit():
        return False
    previous = tokens[k - 1].lstrip(_SIGNS + "(")
    return previous.isdigit() and 0 < len(previous) <= 3 and (previous[0] != "0" or len(previous) == 3)


def _in_brackets(tokens: list[str], k: int) -> bool:
    """Tell whether token k stands after an opening bracket that no token before it closed: a negative
    figure printed in brackets ("(2 260)") is one number."""
    for j in range(k - 1, -1, -1):
        if tokens[j].endswith(")"):
            return False
        if tokens[j].startswith("("):
            return True
    return False


def figure_gaps(words: list[Word], column_gap: float) -> frozenset[int]:
    """Indices of the figures of a run that stand further than `column_gap` character widths (the two
    words' mean) from the one before: a column's gap, never a thousands separator."""
    apart = set()
    for k in range(1, len(words)):
        before, word = words[k - 1].bbox, words[k].bbox
        if before is None or word is None:
            continue
        width = (before[2] - before[0] + word[2] - word[0]) / max(1, len(words[k - 1].text) + len(words[k].text))
        if word[0] - before[2] > column_gap * width:
            apart.add(k)
    return frozenset(apart)


def starts_number(tokens: list[str], k: int, apart: frozenset[int] = frozenset()) -> bool:
    """Tell whether token k must open a number (it cannot be a thousands group of the one before);
    `apart`: the tokens a column's gap sets apart (`figure_gaps`)."""
    token = tokens[k]
    if k in apart and token != "%":
        return True
    if is_attached(tokens, k):
        return False
    if (k == 0 or token[0] in _SIGNS or token[0] == "(" or token in NOT_A_NUMBER or tokens[k - 1] in NOT_A_NUMBER
            or "," in tokens[k - 1] or tokens[k - 1].endswith(("%", ")"))):
        return True
    digits = token.split(",")[0]
    previous = tokens[k - 1].lstrip(_SIGNS).split(",")[0]
    # a number's first group never starts with 0: "0 270" is two cells
    return len(digits) != 3 or not 0 < len(previous) <= 3 or (previous == "0" and starts_number(tokens, k - 1))


def value_of(tokens: list[str]) -> float:
    """The number a run of digit groups prints ("-3", "714" → -3714; "307,2" → 307.2; "+1", "250" → 1250)."""
    text = "".join(tokens)
    if text in NOT_A_NUMBER:
        return 0.0
    sign = -1.0 if text[0] in _DASHES or text[0] == "(" else 1.0
    digits = text.strip("()").lstrip(_SIGNS).replace(",", ".").rstrip("%")
    return sign * float(digits) if digits else 0.0


def readings(tokens: list[str], count: int, apart: frozenset[int] = frozenset()) -> list[Reading]:
    """Every way to read `tokens` as exactly `count` numbers (none if there are too many ways).

    A lone dash before figures is read first as their minus ("- 3 714"), then also as a cell of its
    own, left empty ("-1 710 - 27 960": a dash where an export prints nothing); the arithmetic and
    the column count decide between them (`settle`); `apart` as for `starts_number`."""
    out = _readings(tokens, count, apart)
    lone = [k for k in range(len(tokens) - 1) if is_sign(tokens, k + 1)]
    for n in range(1, min(len(lone), MAX_EMPTY_DASHES) + 1):
        for empty in itertools.combinations(lone, n):
            dashed = [NOT_A_NUMBER[0] if k in empty else t for k, t in enumerate(tokens)]
            out += _readings(dashed, count, apart)
    return list(dict.fromkeys(out))


def _starts(tokens: list[str], apart: frozenset[int]) -> tuple[list[int], list[int]]:
    """The tokens that must open a number, and those that may."""
    forced = [k for k in range(len(tokens)) if starts_number(tokens, k, apart)]
    return forced, [k for k in range(len(tokens)) if k not in forced and not is_attached(tokens, k)]


def _readings(tokens: list[str], count: int, apart: frozenset[int]) -> list[Reading]:
    forced, free = _starts(tokens, apart)
    extra = count - len(forced)
    if extra < 0 or extra > len(free) or math.comb(len(free), extra) > MAX_READINGS:
        return []
    out = []
    for chosen in itertools.combinations(free, extra):
        starts = sorted(forced + list(chosen))
        spans = tuple(zip(starts, starts[1:] + [len(tokens)]))
        out.append(Reading(spans, tuple(value_of(tokens[a:b]) for a, b in spans)))
    return out


def splits_group(tokens: list[str], reading: Reading) -> bool:
    """Tell whether a reading cuts what reads as one number: a lone 1–2-digit figure read apart from the
    3-digit group after it ("-1", "800" of "-1 800")."""
    return any(b - a == 1 and (head := tokens[a].lstrip(_SIGNS)).isdigit() and len(head) <= 2 and head[0] != "0"
               and len(tokens[b]) == 3 and tokens[b].isdigit() for (a, b), _ in zip(reading.spans, reading.spans[1:]))


def count_range(tokens: list[str], apart: frozenset[int] = frozenset()) -> tuple[int, int]:
    """Fewest and most numbers a run of digit groups can be read as (`apart`: see `starts_number`)."""
    forced, free = _starts(tokens, apart)
    return len(forced), len(forced) + len(free)


def holds_several_numbers(text: str) -> bool:
    """Tell whether a cell ends in figures that must be more than one number ("Netto 796 289 -3 714"):
    a table read from word gaps whose columns ran together where the gaps were one space."""
    tokens = text.split()
    start = len(tokens)
    while start > 0 and _NUMBER_TOKEN.fullmatch(tokens[start - 1]):
        start -= 1
    run = tokens[start:]
    return bool(run) and not all(_YEAR.fullmatch(t) for t in run) and count_range(run)[0] >= 2


def _step(values: tuple[float, ...]) -> float:
    """Rounding tolerance of a row: one unit of its finest printed decimal (0.1 for "-3,7")."""
    decimals = max((len(f"{v:.6f}".rstrip("0").split(".")[1]) for v in values), default=0)
    return 10.0 ** -decimals + 1e-9


def identity_columns(values: tuple[float, ...]) -> list[int]:
    """Cells of a row that are the difference or sum of two nonzero cells left of them (a deviation, a total)."""
    tolerance = _step(values)
    found = []
    for k, target in enumerate(values):
        if target == 0 or k < 2:
            continue
        pairs = itertools.combinations([v for v in values[:k] if v], 2)
        if any(abs(target - (a - b)) <= tolerance or abs(target - (b - a)) <= tolerance
               or abs(target - (a + b)) <= tolerance for a, b in pairs):
            found.append(k)
    return found


def row_identities(values: tuple[float, ...]) -> int:
    """How many cells of a row its other cells' arithmetic accounts for."""
    return len(identity_columns(values))


def magnitude_misfit(values: tuple[float, ...], columns: list[list[float]]) -> float:
    """Decades between a reading's numbers and the median magnitude of their columns' settled numbers."""
    misfit = 0.0
    for value, settled in zip(values, columns):
        sizes = sorted(math.log10(abs(v)) for v in settled if v)
        if value and sizes:
            misfit += abs(math.log10(abs(value)) - sizes[len(sizes) // 2])
    return misfit


def total_groups(total: list[bool]) -> list[tuple[list[int], int]]:
    """Each total row with the rows it adds up: those since the total above it, or, for a total right
    after totals (a grand total under "Summa" rows), those totals."""
    groups: list[tuple[list[int], int]] = []
    members: list[int] = []
    subtotals: list[int] = []
    for k, is_total in enumerate(total):
        if not is_total:
            members.append(k)
            continue
        if members:
            groups.append((members, k))
            subtotals.append(k)
        elif subtotals:
            groups.append((subtotals, k))
            subtotals = []
        members = []
    return groups


def sum_fit(row: int, values: tuple[float, ...], rows: list[Row], groups: list[tuple[list[int], int]]) -> int:
    """Columns in which a total equals the sum of its rows, with `values` as row `row`'s reading and the
    other rows of its group as settled (a group with an unsettled row tells nothing yet)."""
    fits = 0
    for members, total in groups:
        if row != total and row not in members:
            continue
        if any(rows[k].chosen is None for k in [*members, total] if k != row):
            continue

        def cell(k: int, c: int) -> float:  # an empty cell (a row read as fewer numbers) adds nothing
            cells = values if k == row else rows[k].chosen.values  # type: ignore[union-attr]
            return cells[c] if c < len(cells) else 0.0

        tolerance = _step(values) * len(members)
        fits += sum(abs(cell(total, c) - sum(cell(k, c) for k in members)) <= tolerance for c in range(len(values)))
    return fits


def adds_across(values: tuple[float, ...]) -> bool:
    """Tell whether a reading's last cell is the sum of the others (a row total under "Summa")."""
    return len(values) > 2 and abs(values[-1] - sum(values[:-1])) <= _step(values) * (len(values) - 1)


def settle(rows: list[Row], groups: list[tuple[list[int], int]], margin: float, row_total: bool = False) -> None:
    """Choose each row's reading: single readings first, then the one the arithmetic or magnitudes prefer.

    A row is settled only when its best reading beats the next clearly (more identities, or the
    same and more numbers — a cell left empty is the exception —, or both the same and `margin`
    decades closer to its columns); otherwise it stays unsettled. Under a header whose last column
    is a total (`row_total`), a reading whose last cell adds up the others outweighs any difference
    of two cells, which a wide row of like figures holds by chance ("4" = 402 - 398).
    """
    for row in rows:
        if len(row.readings) == 1:
            row.chosen = row.readings[0]
    progress = True
    while progress:
        progress = False
        width = max((len(r.chosen.values) for r in rows if r.chosen), default=0)
        columns = [[r.chosen.values[c] for r in rows if r.chosen and c < len(r.chosen.values)] for c in range(width)]
        for n, row in enumerate(rows):
            if row.chosen is not None or len(row.readings) < 2:
                continue
            scored = sorted(((-(row_identities(r.values) + 2 * sum_fit(n, r.values, rows, groups)
                                + 4 * (row_total and adds_across(r.values))), -len(r.values),
                              magnitude_misfit(r.values, columns)), k) for k, r in enumerate(row.readings))
            (best, k), (second, _) = scored[0], scored[1]
            if best[:2] < second[:2] or (columns and second[2] - best[2] >= margin):
                row.chosen = row.readings[k]
                progress = True
        if not progress and not any(r.chosen for r in rows):
            progress = _settle_most_even(rows, margin)


def _spread(values: tuple[float, ...]) -> float:
    """Decades between a reading's largest and smallest nonzero number."""
    sizes = [math.log10(abs(v)) for v in values if v]
    return max(sizes) - min(sizes) if sizes else 0.0


def _settle_most_even(rows: list[Row], margin: float) -> bool:
    """Settle the row whose most even reading is clearest, when no row is settled and no arithmetic
    decides: the cells of one row of a budget table are the same line's figures in several years or
    kinds, of one magnitude ("243 300 243 100" is 243 300 | 243 100, not 243 | 300 243 100). The
    magnitudes of the columns it settles decide the other rows. Returns whether a row was settled."""
    clearest: tuple[float, Row, Reading] | None = None
    for row in rows:
        width = max((len(r.values) for r in row.readings), default=0)
        full = [r for r in row.readings if len(r.values) == width]  # a cell left empty is the exception
        if len(full) < 2 or len({row_identities(r.values) for r in full}) > 1:
            continue
        ranked = sorted(full, key=lambda r: _spread(r.values))
        lead = _spread(ranked[1].values) - _spread(ranked[0].values)
        if lead >= margin and (clearest is None or lead > clearest[0]):
            clearest = (lead, row, ranked[0])
    if clearest is None:
        return False
    clearest[1].chosen = clearest[2]
    return True


_RUN_TOGETHER = re.compile(r"(0)(\d)|(\d+(?:,\d+)?)([-−–]\d+(?:,\d+)?)")
"""An OCR'd token holding two figures of a row: a 0 cell and the figure after it ("01 190" for "0 1 190"),
or a figure and the signed one after it ("0-3 910" for "0 -3 910"), when the first is a 0, figures stand
before it or a thousands group follows: a range in words ("ss. 47-53", "plan 2026-2027") stays whole."""
_SPECKED = re.compile(r"([-−–]?\d+)['’‘´`\"”“]+(\d*)")
"""An OCR'd figure with a speck read as an apostrophe or a quote after it ("-650'", "440”"), or between it and
the next figure ("300'2" for "300 2"): no Swedish number holds one."""
_SPECK_AFTER = re.compile(r"([-−–]?\d+)[:;.,'’]")
"""A figure with a speck glued after it ("300:", "1 500."), where no sentence can end: after a row of figures
or in a figure column."""
_MINUS_MISREAD = re.compile(r"(?:[-−–—=]{2,}|—)(\d+(?:,\d+)?)")
"""A figure's minus a scan read as two dashes or an em dash ("--4", "—1"): no figure opens so but a negative one."""
_SPECK_BEFORE = re.compile(r"[.:;'’‘`´\"”“]+(-?\d{1,3})")
"""A figure's first group with a speck read before it (".34" of ".34 290")."""
_DASHED_GROUP = re.compile(r"(\d{1,3})[-−–](0\d\d|\d{3},\d+)")
"""Two groups of one figure with a speck read as a dash between them ("99 120-000", "10-636,0"): no signed
figure opens with a 0 group, and a row of decimal figures holds no figure without decimals."""
_DOTTED_GROUPS = re.compile(r"(-?\d{1,3})\.(\d{3})")
"""A figure's groups with a speck read as a stop between them, where a group follows ("19.130 000")."""
_ZERO_MISREAD = re.compile(r"\[0[\])]?|\(0\]|0[\]\)]")
"""A 0 cell with a bracket of a speck beside it ("0)", "[0)", "[0]"); "(0)" is a bracketed zero as printed."""
_UNGROUPED = re.compile(r"-?\d{4,6}")
"""A figure's first groups run together, where a group follows it ("39530 000" for "39 530 000")."""
_GROUP = re.compile(r"\d{3}")
_LABEL_NUMBER = re.compile(r"\d{1,3}")
"""A plain small number that may end a row's label ("etapp 2", "Hus 12")."""


def misread_figures(words: list[Word]) -> list[Word]:
    """An OCR'd row's figures as printed: a lone "O" beside figures is the cell 0, a minus read as two dashes
    or an em dash is a minus, a speck read before a grouped figure, between its groups, after a row of
    figures or as an apostrophe by a figure goes, groups run together before a group are cut apart
    ("39530 000"), a token holding two figures (`_RUN_TOGETHER`,
    `_SPECKED`) is cut in two, each part with its share of the box. A text layer's words are left as
    they are."""
    out: list[Word] = []
    figure = [bool(_NUMBER_TOKEN.fullmatch(w.text)) for w in words]
    for k, word in enumerate(words):
        if word.origin != "ocr":
            out.append(word)
            continue
        figures_before = sum(figure[max(0, k - 3):k])
        beside = [j for j in (k - 1, k + 1) if 0 <= j < len(words) and figure[j]]
        if word.text in ("O", "o") and any(words[j].text not in (*_DASHES, "%") for j in beside):
            out.append(word.model_copy(update={"text": "0"}))
        elif (m := _MINUS_MISREAD.fullmatch(word.text)) is not None:  # "--4 770", "—1 450": a minus
            out.append(word.model_copy(update={"text": "-" + m.group(1)}))
        elif (m := _SPECK_BEFORE.fullmatch(word.text)) is not None and k + 1 < len(words) \
                and _GROUP.fullmatch(words[k + 1].text):  # ".34 290": a speck before a grouped figure
            out.append(word.model_copy(update={"text": m.group(1)}))
        elif (m := _DASHED_GROUP.fullmatch(word.text)) is not None and (
                m.group(2)[0] == "0" or sum("," in w.text for w in words) >= 3):  # "120-000", "10-636,0": a speck
            out.extend(_cut_at_speck(word, m))  # between two groups (a row of decimal figures holds none without)
        elif _UNGROUPED.fullmatch(word.text) and k + 1 < len(words) and _GROUP.fullmatch(words[k + 1].text):
            out.extend(_cut(word, len(word.text) - 3))  # "39530 000": a group space the scan lost
        elif (m := _DOTTED_GROUPS.fullmatch(word.text)) is not None and k + 1 < len(words) \
                and _GROUP.fullmatch(words[k + 1].text):  # "19.130 000": a speck for a group space
            out.extend(_cut_at_speck(word, m))
        elif _SPECK_AFTER.fullmatch(word.text) and (
                (k == len(words) - 1 and figures_before == 3)  # "… 300 300:": a speck after a row of figures
                or (figure[k - 1:k] == [True] and k + 1 < len(words) and figure[k + 1])):  # "940 000. 12 260"
            out.append(word.model_copy(update={"text": word.text[:-1]}))
        elif _ZERO_MISREAD.fullmatch(word.text) and beside:  # "0)", "[0]": the cell 0 with a speck
            out.append(word.model_copy(update={"text": "0"}))
        elif (m := _SPECKED.fullmatch(word.text)) is not None:  # the speck goes, the second figure keeps its box
            out.extend(_cut_at_speck(word, m) if m.group(2) else _cut(word, len(m.group(1)))[:1])
        elif (m := _RUN_TOGETHER.fullmatch(word.text)) is not None and (
                m.group(1) or m.group(3) == "0" or figures_before >= 2
                or (k + 1 < len(words) and _GROUP.fullmatch(words[k + 1].text))):
            out.extend(_cut(word, len(m.group(1) or m.group(3))))
        else:
            out.append(word)
    return out


def _cut_at_speck(word: Word, m: re.Match[str]) -> list[Word]:
    """`word` cut where a speck between its two parts (`m`'s groups 1 and 2) stands, the speck dropped."""
    first, rest = _cut(word, len(m.group(1)))
    return [first, rest.model_copy(update={"text": m.group(2)})]


def _cut(word: Word, at: int) -> list[Word]:
    """`word` as two words cut after `at` characters, the box shared by characters."""
    text, box = word.text, word.bbox
    if box is None:
        return [word.model_copy(update={"text": text[:at]}), word.model_copy(update={"text": text[at:]})]
    x = box.x0 + (box.x1 - box.x0) * at / len(text)
    return [word.model_copy(update={"text": text[:at], "bbox": box._replace(x1=x)}),
            word.model_copy(update={"text": text[at:], "bbox": box._replace(x0=x)})]


def split_line(words: tuple[Word, ...], max_trailing: int) -> tuple[list[Word], list[Word], list[Word]] | None:
    """A line as (label, number tokens, trailing words), or None when it is not a table row.

    The numbers are the last run of number tokens; at most `max_trailing` words without figures
    ("per år", "NaN") may follow them.
    """
    tokens = misread_figures(list(words))
    number = [bool(_NUMBER_TOKEN.fullmatch(w.text)) for w in tokens]
    end = len(tokens)
    while end > 0 and not number[end - 1]:
        end -= 1
    start = end
    while start > 0 and number[start - 1]:
        start -= 1
    if end == start or len(tokens) - end > max_trailing:
        return None
    label, trailing = tokens[:start], tokens[end:]
    if any(re.search(r"\d", w.text) for w in trailing) or not any(re.search(r"\d", w.text) for w in tokens[start:end]):
        return None
    if not any(has_alnum(w.text) for w in trailing):
        trailing = []  # a scan's specks after the figures ("-1 550 :") are no text column
    return label, tokens[start:end], trailing


def _blank_cells(words: tuple[Word, ...], commented: bool) -> tuple[list[Word], list[Word], list[Word]] | None:
    """A row inside a table whose every cell is left empty ("Lokalförsörjning - - -", "Vuxna NaN NaN"), as
    (label, its empty cells, a comment after them where the table has a text column), or None."""
    empty = [is_empty_mark(w.text) for w in words]
    start = next((k for k, e in enumerate(empty) if e), len(words))
    end = next((k for k in range(start, len(words)) if not empty[k]), len(words))
    label, rest = list(words[:start]), list(words[end:])
    if end - start < 2 or not any(w.text[:1].isalpha() for w in label) or (rest and not commented):
        return None
    return label, list(words[start:end]), rest


def split_commented(words: tuple[Word, ...]) -> tuple[list[Word], list[Word], list[Word]] | None:
    """A row under a header with a column of text after the figures as (label, number tokens, the
    words after them): the numbers are the longest run of number tokens (the first of equal ones), so
    a year or figure in the comment ("… 1 960 Renovering skjuts till 2025") stays in it."""
    tokens = misread_figures(list(words))
    runs: list[tuple[int, int]] = []
    for k, word in enumerate(tokens):
        if _NUMBER_TOKEN.fullmatch(word.text):
            runs.append((runs.pop()[0], k + 1) if runs and runs[-1][1] == k else (k, k + 1))
    runs = [(a, b) for a, b in runs if any(re.search(r"\d", w.text) for w in tokens[a:b])]
    if not runs:
        return None
    start, end = max(runs, key=lambda r: (r[1] - r[0], -r[0]))
    return tokens[:start], tokens[start:end], tokens[end:]


@lru_cache(maxsize=8)
def _folded_cues(words: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(fold(w) for w in words)


def is_column_word(word: str, rules: TablesRules) -> bool:
    """A word that names a budget table's column (årsbudget, helårsutfall, avvikelse …) or a year.

    A cue of five letters or more names a column inside a compound too ("helårsutfall",
    "Budgetavvikelse"); a shorter one ("ram", "plan") only as the whole word.
    """
    folded = fold(word)
    if _YEAR.fullmatch(word.strip()) or (folded[:1].isalpha() and _numbered_part([word], 0, rules)):
        return True
    cues = _folded_cues(tuple(rules.flat_rows.column_words))
    return bool(folded) and (_names_column(folded, cues) or _slip_at(folded, cues, _scan_slips(rules)) is not None)


def _names_column(folded: str, cues: tuple[str, ...]) -> bool:
    """A folded word holding a column cue: one of five letters or more also inside a compound, a shorter one whole."""
    return any(cue in folded if len(cue) >= 5 else cue == folded for cue in cues)


def _scan_slips(rules: TablesRules) -> tuple[tuple[str, str], ...]:
    return tuple(rules.flat_rows.header_scan_slips)


@lru_cache(maxsize=4096)
def _slip_at(folded: str, cues: tuple[str, ...], slips: tuple[tuple[str, str], ...], shortest: int = 5) -> tuple[int, str] | None:
    """Where a folded word is a column word of `shortest` letters or more but for one letter a scan misread
    for a look-alike (`header_scan_slips`: "awvikelse" is "avvikelse", "andet" "andel"), and the printed letter."""
    for cue in cues:
        if len(cue) == len(folded) >= shortest:
            diff = [(k, a, b) for k, (a, b) in enumerate(zip(folded, cue)) if a != b]
            if len(diff) == 1 and diff[0][1:] in slips:
                return diff[0][0], diff[0][2]
    return None


def header_read_back(header: str, rules: TablesRules) -> str:
    """A column header with each word a scan slipped one letter of read back ("Awvikelse" -> "Avvikelse",
    "Andet %" -> "Andel %"; a word of four letters before a year too: "Pian 2023" -> "Plan 2023"), so that
    the facts stage knows its column; other words as printed."""
    cues = _folded_cues(tuple(rules.flat_rows.column_words))

    def word_back(word: str, after: str) -> str:
        folded = fold(word)
        if len(folded) != len(word) or _names_column(folded, cues):
            return word
        slip = _slip_at(folded, cues, _scan_slips(rules), 4 if _YEAR.fullmatch(after) else 5)
        if slip is None:
            return word
        k, printed = slip
        return word[:k] + (printed.upper() if word[k].isupper() else printed) + word[k + 1:]

    words = header.split(" ")
    return " ".join(word_back(w, after) for w, after in zip(words, [*words[1:], ""]))


def _numbered_part(words: list[str], k: int, rules: TablesRules) -> bool:
    """Tell whether `words[k]` numbers a part of a header ("Kvartal 1", "delår 2", "T3", "Kv4"):
    a number of one or two digits after a part word, or stuck to one."""
    parts = _folded_cues(tuple(rules.flat_rows.numbered_part_words))
    m = re.fullmatch(r"([^\W\d]*)(\d{1,2})", fold(words[k]))
    return bool(m) and (m.group(1) in parts if m.group(1) else k > 0 and fold(words[k - 1]) in parts)


def holds_figure(words: list[str], rules: TablesRules) -> bool:
    """Tell whether a line's words hold a figure: a word with a digit that is no year, numbers no
    part of a header ("Tertial 2"), is no share's sign a scan misread ("Andel 2") and no column word whose
    letter a scan read as a digit ("0mbudgeteras")."""
    return any(re.search(r"\d", w) and not _YEAR.fullmatch(w) and not _numbered_part(words, k, rules)
               and not _misread_share_sign(words, k, rules) and not is_column_word(w, rules) for k, w in enumerate(words))


_SHARE_SIGN_READ = re.compile(r"[\d%][\d%°o,.:;]?[,.:;]?")
"""What a scan reads for a "%": "2", "2,", "%o", "9;" (at most three marks, a digit or "%" first)."""


def _misread_share_sign(words: list[str], k: int, rules: TablesRules) -> bool:
    """Tell whether `words[k]` is the "%" of a share's header ("Andel %") as a scan misread it ("Andel 2")."""
    return _after_share_word(words, k, rules) and _SHARE_SIGN_READ.fullmatch(words[k]) is not None


def _names_share(header: str, rules: TablesRules) -> bool:
    """Tell whether a column header names a share ("Andel %", "Procent"), which no year dates."""
    return "%" in header or any(fold(w) in _folded_cues(tuple(rules.flat_rows.share_words)) for w in header.split())


def _after_share_word(words: list[str], k: int, rules: TablesRules) -> bool:
    """Tell whether `words[k]` follows a share's word (`share_words`), also one an export ran the header cell
    before it into ("ÅterredovisasAndel")."""
    return k > 0 and fold(words[k - 1]).endswith(_folded_cues(tuple(rules.flat_rows.share_words)))


def text_column_start(words: list[str], rules: TablesRules) -> int | None:
    """Index of the header word that opens a column of text after the figures ("Kommentar",
    "Motivering"), or None; it stands after a column word (a "Beskrivning" before them heads the labels)."""
    cues = _folded_cues(tuple(rules.flat_rows.text_column_words))
    first = next((k for k, w in enumerate(words) if is_column_word(w, rules)), len(words))
    return next((k for k in range(first + 1, len(words)) if any(cue in fold(words[k]) for cue in cues)), None)


def _names_text_column(header: list[Line], rules: TablesRules) -> bool:
    return any(text_column_start(header_words(h), rules) is not None for h in header)


def _figure_header(words: list[str], rules: TablesRules) -> list[str]:
    """A header line's words without those of a text column after the figures."""
    start = text_column_start(words, rules)
    return words if start is None else words[:start]


def _header_columns(line: Line, rules: TablesRules) -> tuple[list[str], list[str]]:
    """A header line's words as (the label column's, the figure columns'), a text column's left out."""
    return header_label(_figure_header(header_words(line), rules), rules)


def header_groups(words: list[str], count: int, rules: TablesRules, deviation: int | None = None) -> list[str] | None:
    """Split a header line's words into `count` column headers, or None if they cannot fill them.

    Each column header should hold one column word or year; a header starting with a capital, a
    year is likelier than one starting mid-phrase ("Bokslut helårsutfall" is one column; a year after
    a lower-case word ends that phrase: "Ombudgeteras till 2025"), and a sign
    ("%") ends the header before it; a deviation's header ("Avvikelse") stands over column `deviation`, the one its rows'
    arithmetic shows to be a difference; a text column's header ("Kommentar") ends no other column's header.
    Dynamic programming over the cut points.
    """
    deviation_cues = _folded_cues(tuple(rules.flat_rows.deviation_words))
    text_cues = _folded_cues(tuple(rules.flat_rows.text_column_words))
    n = len(words)
    if n < count:
        return None

    def score(start: int, end: int, column: int) -> float:
        group = words[start:end]
        meaning = [w for w in group if is_column_word(w, rules)]
        years = [w for w in group if _YEAR.fullmatch(w)]
        first = group[0]
        before = words[start - 1] if start else ""
        if _YEAR.fullmatch(first) and before and not _YEAR.fullmatch(before) and (
                is_column_word(before, rules) or before[:1].islower()):
            opens = -1.0  # "Ombudgeteras till 2025", "Budget 2024": the year ends the phrase before it
        else:
            opens = 1.0 if first[:1].isupper() or _YEAR.fullmatch(first) else -1.0 if not first[:1].isalnum() else 0.0
        value = 3.0 * bool(meaning) - 1.0 * max(0, len(meaning) - len(years) - 1) - 3.0 * max(0, len(years) - 1) + opens
        if deviation is not None and any(cue in fold(w) for w in group for cue in deviation_cues):
            value += 2.0 if column == deviation else -2.0
        if any(cue in fold(w) for w in group[1:] for cue in text_cues):
            value -= 3.0
        return value

    best: dict[tuple[int, int], tuple[float, list[int]]] = {(0, 0): (0.0, [])}
    for used in range(1, count + 1):
        for end in range(used, n - (count - used) + 1):
            options = [(best[(start, used - 1)][0] + score(start, end, used - 1), best[(start, used - 1)][1] + [start])
                       for start in range(used - 1, end) if (start, used - 1) in best]
            if options:
                best[(end, used)] = max(options, key=lambda o: o[0])
    if (n, count) not in best:
        return None
    cuts = best[(n, count)][1] + [n]
    return [" ".join(words[a:b]) for a, b in zip(cuts, cuts[1:])]


_GLUED = re.compile(r"(?<=[a-zåäöé)])(?=[A-ZÅÄÖ])|(?<=[12][09]\d\d)(?=[A-ZÅÄÖ]|0[a-zåäö]{3})|(?<=[a-zåäöé])[-–](?=[12][09]\d\d$)")


def header_words(line: Line) -> list[str]:
    """A header line's words, each cut where a lower-case letter or a year runs into a capital: an
    export that dropped the spaces between header cells runs them together ("helårsutfallAvvikelse",
    "2022Utfall", and "20240mbudgeteras" with the capital O a scan read as a zero); and where a scan read a
    dash for the space before a year ("Prognos-2024")."""
    return [part for w in line.words for part in header_words_of(w.text)]


def header_words_of(text: str) -> list[str]:
    """One header word cut where it runs into the next (see `header_words`)."""
    return [part for part in _GLUED.split(text) if part]


def header_label(words: list[str], rules: TablesRules) -> tuple[list[str], list[str]]:
    """Split a header line into the words before its first column word (the label column's) and the rest."""
    first = next((k for k, w in enumerate(words) if is_column_word(w, rules)), len(words))
    return words[:first], words[first:]


def stack_headers(lines: list[list[str]], count: int, rules: TablesRules, deviation: int | None = None) -> list[str]:
    """Column headers from one to three header lines stacked above the columns (cell lines top-aligned).

    The first line gives the columns; a later line with as many parts is zipped onto them, one of years
    fills the columns that have none (a share's column takes none: "Budget Plan Andel %" over "2024 2023"), a part after a dash ("2031–" over "2035") ends that column,
    anything else goes to the last columns. A second line of fewer years than columns (or of as many,
    when the first line cannot fill them) dates the columns its first line's last header spans
    ("… Ombudg till" over "2025 2026", "Utfall" over "2023 2024").
    """
    grouped = header_groups(lines[0], count, rules, deviation)
    years = lines[1] if len(lines) == 2 and 2 <= len(lines[1]) <= count and all(_YEAR.fullmatch(w) for w in lines[1]) else []
    datable = [c for c, h in enumerate(grouped or []) if not re.search(r"\d", h) and not _names_share(h, rules)]
    if years and len(years) < count and len(datable) == len(years):  # "Budget Plan Andel %" over "2024 2023"
        return [f"{h} {years[datable.index(c)]}" if c in datable else h for c, h in enumerate(grouped or [])]
    if years and (len(years) < count or grouped is None):
        spanned = header_groups(lines[0], count - len(years) + 1, rules, deviation)
        if spanned:  # "Ombudg till" over "2025 2026": the last header spans the columns the years date
            return spanned[:-1] + [f"{spanned[-1]} {year}" for year in years]
    headers = grouped or [""] * count
    for words in lines[1:]:
        parts = header_groups(words, len(words) if len(words) < count else count, rules) or []
        if len(parts) == count:
            targets = list(range(count))
        elif parts and all(_YEAR.fullmatch(p) for p in parts) and \
                len(yearless := [c for c, h in enumerate(headers) if not re.search(r"\d", h)]) == len(parts):
            targets = yearless
        else:
            targets = _continued_columns(headers, parts, rules)
        for c, part in zip(targets, parts):
            headers[c] = _header_joined(headers[c], part)
    return headers


def _header_joined(head: str, part: str) -> str:
    """A header cell and its next line's part: a word broken at a hyphen joined ("Helårs-" "utfall" →
    "Helårsutfall"), a range after a dash kept ("2031–" "2035"), else one space between."""
    if head.endswith("-") and part[:1].islower():
        return head[:-1] + part
    return f"{head}{part}" if head.endswith(("-", "–")) else f"{head} {part}".strip()


def _continued_columns(headers: list[str], words: list[str], rules: TablesRules) -> list[int]:
    """The columns a header's next line of fewer `words` than columns goes on, in order: above all those
    whose header cannot stand alone — one repeating another's ("Ombudgeteras" over "drift", and over
    "investering"), ending in a word that opens a phrase ("Till" over "resultatfond") or broken at a
    hyphen ("Helårs-" over "utfall") —, else the
    last columns (also when there are too many ways to choose)."""
    if math.comb(len(headers), len(words)) > MAX_HEADER_FITS:
        return list(range(len(headers) - len(words), len(headers)))
    opening = set(_folded_cues(tuple(rules.flat_rows.open_words)))
    repeats = Counter(fold(h) for h in headers if h)
    unfinished = {c for c, h in enumerate(headers)
                  if h and (repeats[fold(h)] > 1 or fold(h.split()[-1]) in opening or h.endswith(("-", "–")))}
    kindless = {c for c, h in enumerate(headers) if not any(is_column_word(w, rules) for w in h.split())}
    naming = [is_column_word(word, rules) for word in words]

    def fit(chosen: tuple[int, ...]) -> tuple[int, int, tuple[int, ...]]:
        # a word naming a kind ("resultatfond") goes to a header naming none ("Till") rather than to one that does
        named = sum(c in kindless and names for c, names in zip(chosen, naming))
        return sum(c in unfinished for c in chosen), named, chosen

    return list(max(itertools.combinations(range(len(headers)), len(words)), key=fit))


@dataclass
class _Block:
    """Consecutive lines that may form one flat table: header lines, rows, continuations."""

    header: list[Line] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    continuations: dict[int, list[Word]] = field(default_factory=dict)  # row index -> label words
    above: Line | None = None  # without a header: the line right above the first row, if it may head it


def flat_row_tables(lines: list[Line], rules: TablesRules) -> tuple[list[Table], dict[int, list[str]]]:
    """Find the flat tables among `lines`; return them and page warnings (page -> codes)."""
    tables: list[Table] = []
    warnings: dict[int, list[str]] = {}
    for block in _blocks(_share_signs_read_back(_specks_dropped(lines), rules), rules):
        tables += _read_block(block, rules, warnings)
    return tables, warnings


SPECK = re.compile(r"[.:;,'’‘`´·\"”“=|~_^*]+")
"""An OCR'd word of these marks alone: a speck of the scan or a rule read as a mark, what Tesseract reads from
dust (a colon or a stop stands against its word; a table prints no "=" or "|" of its own; "§", "&" are words)."""


def _specks_dropped(lines: list[Line]) -> list[Line]:
    """The lines without the specks a scan read as words of their own: "Drift :" is the section "Drift",
    not a sentence ending in a colon that ends the table."""
    out = []
    for line in lines:
        words = tuple(w for w in line.words if w.origin != "ocr" or not SPECK.fullmatch(w.text))
        if words:
            out.append(line if len(words) == len(line.words) else replace(line, words=words))
    return out


_SHARE_AT_END = re.compile(r"[-−–]?\d+,\d+")
"""A row's last figure that a share column prints ("79,2"), before its "%"."""


def _share_signs_read_back(lines: list[Line], rules: TablesRules) -> list[Line]:
    """The lines with the "%" signs a scan misread in a share column read back: in a header line after a share's
    word ("Andel 2,", "Andel 90": `_misread_share_sign`), and under such a header, in each row of the table (no
    blank line between) whose last figure is a share followed by one mark of one to three characters ("79,2 NY",
    "20,3 Yo", '53,8 "ho'; three letters are a word).
    Then the header's words and each row's figures make the columns the printed table's do."""
    def with_sign(line: Line, signs: set[int]) -> Line:
        return replace(line, words=tuple(w.model_copy(update={"text": "%"}) if k in signs else w
                                         for k, w in enumerate(line.words)))

    out: list[Line] = []
    under_share = False
    for line in lines:
        texts = [w.text for w in line.words]
        signs = {k for k in range(1, len(texts)) if _misread_share_sign(texts, k, rules)}
        signed = with_sign(line, signs) if signs else line  # "Andel 90" holds no figure once read back
        if _is_header_line(signed, rules):
            line = signed
            texts = [w.text for w in line.words]
            under_share = any(text == "%" and _after_share_word(texts, k, rules) for k, text in enumerate(texts))
        elif under_share and line.gap_before <= 1 and (out and out[-1].page == line.page):
            mark = texts[-1]  # "NY", "Yo", '"ho': never a word of three letters
            if len(texts) >= 2 and (len(mark) <= 2 or (len(mark) == 3 and not mark.isalpha())) and mark != "%" \
                    and not mark.isdigit() and _SHARE_AT_END.fullmatch(texts[-2]):
                line = with_sign(line, {len(texts) - 1})
        else:
            under_share = False
        out.append(line)
    return out


def _is_header_line(line: Line, rules: TablesRules) -> bool:
    return is_header_words(header_words(line), rules)


def is_header_words(words: list[str], rules: TablesRules) -> bool:
    """Tell whether a line's words can head a budget table: short, no sentence, no figure but years, a column word."""
    if not words or len(words) > rules.flat_rows.header_max_words or _SENTENCE_END.search(words[-1]):
        return False
    if holds_figure(words, rules):
        return False
    return any(is_column_word(w, rules) for w in words)


def _merged_header_row(line: Line, rules: TablesRules) -> Row | None:
    """A header line with the first data row merged in ("Intäkter Utfall 2022 90 600 Utfall 2023 94 800 …"):
    column headers alternate with one number each, the row's label stands first. A text column's header
    after the figures and the first row's words under it ("Kommentar Enligt plan") are the row's comment."""
    groups: list[tuple[bool, list[Word]]] = []  # (numbers?, words)
    texts = [w.text for w in line.words]
    start = text_column_start(texts, rules)
    for k, w in enumerate(line.words[:start]):
        after_words = bool(groups) and not groups[-1][0]
        numeric = bool(_NUMBER_TOKEN.fullmatch(w.text)) and not (  # "Andel %": a header's percent sign
            after_words and (_YEAR.fullmatch(w.text) or w.text == "%" or _numbered_part(texts, k, rules)))
        if groups and groups[-1][0] == numeric:
            groups[-1][1].append(w)
        else:
            groups.append((numeric, [w]))
    if len(groups) < 4 or groups[0][0] or not groups[-1][0]:
        return None
    label, first = header_label([w.text for w in groups[0][1]], rules)
    headers = [" ".join(first)] + [" ".join(w.text for w in ws) for _, ws in groups[2::2]]
    numbers = [ws for _, ws in groups[1::2]]
    if not first or any(not any(is_column_word(w, rules) for w in h.split()) for h in headers):
        return None
    gap = rules.flat_rows.column_gap
    if any(starts_number([w.text for w in ws], k, figure_gaps(ws, gap)) for ws in numbers for k in range(1, len(ws))):
        return None  # a column's part holds more than one number: not one row
    return Row(line, groups[0][1][: len(label)], [w for ws in numbers for w in ws], [],
               headers=headers, groups=[len(ws) for ws in numbers], comment=list(line.words[start:]) if start is not None else [])


def _row_of(line: Line, rules: TablesRules, inside: bool = False, commented: bool = False,
            headed: bool = False) -> Row | None:
    """A line as a table row, or None; `inside` a table a row's label may be longer (a project's name);
    under a header with a text column (`commented`) the words after the figures are the row's comment,
    unless they are a few lower-case ones ("per år"); inside a table or right under its header (`headed`)
    a row may leave every cell empty."""
    merged = _merged_header_row(line, rules)
    if merged is not None:
        return merged
    comment: list[Word] = []
    parts = split_commented(line.words) if commented else split_line(line.words, rules.flat_rows.max_trailing_words)
    if parts is None and (inside or headed):
        parts = _blank_cells(line.words, commented)
    if parts is None:
        return None
    label, numbers, trailing = parts
    if commented and trailing and not (trailing[0].text[:1].islower() and len(trailing) <= rules.flat_rows.max_trailing_words
                                       and not any(re.search(r"\d", w.text) for w in trailing)):
        comment, trailing = trailing, []
    longest = rules.flat_rows.label_max_words_inside if inside else rules.flat_rows.label_max_words
    if len(label) > longest or any(_SENTENCE_END.search(w.text) for w in label[:-1]):
        return None
    if any(_names_unit(w.text, rules) for w in [*label[-1:], *trailing]):
        return None  # "Lokaler 1 120 000 kr": one amount with its unit, not cells (a flat table's unit is its caption's)
    if all(_YEAR.fullmatch(w.text) for w in numbers):
        return None  # a line of years heads columns, it holds no amounts
    return Row(line, label, numbers, trailing, comment=comment)


def _continues(row: Row, line: Line, rules: TablesRules) -> bool:
    """Tell whether a short line without figures is the rest of the row above (`goes_on_label`)."""
    words = line.words
    if not 0 < len(words) <= rules.flat_rows.continuation_max_words or any(_NUMBER_TOKEN.search(w.text) for w in words):
        return False
    return goes_on_label(" ".join(w.text for w in row.label), [w.text for w in words])


def _under_label(row: Row, line: Line) -> bool:
    """Tell whether a line lies wholly left of a row's first figure: a label's words wrapped in their
    column ("socialtjänsten" under "Kompetensutveckling inom"), not a comment's going on."""
    first, last = row.numbers[0].bbox if row.numbers else None, line.words[-1].bbox
    return first is not None and last is not None and last.x1 < first.x0


def _figureless(line: Line, max_words: int, rules: TablesRules) -> bool:
    """A short line without figures but years and numbered parts: a header's further line, a section
    name, a caption."""
    words = [w.text for w in line.words]
    return 0 < len(words) <= max_words and not _SENTENCE_END.search(words[-1]) and not holds_figure(words, rules)


def _names_unit(text: str, rules: TablesRules) -> bool:
    cues = _folded_cues(tuple(rules.flat_rows.unit_words))
    return any(part in cues for part in fold(text).split())


def _states_unit(line: Line, rules: TablesRules) -> bool:
    """A line that names a unit ("Belopp i tkr", "(mnkr)"): the caption of the table under it."""
    return any(_names_unit(w.text, rules) for w in line.words)


def _labels_joined(lines: list[Line], rules: TablesRules) -> list[Line]:
    """Lines with a row's label set on the line above its figures joined to them: an export that gave a
    label cell a line of its own ("Förskola" over "1 200 350 -800 750", "Summa" over the totals). The
    label line is short, starts with a capital (after a scan's specks: ". Grundskola"), holds no figures but
    years and names no unit, and heads no columns unless it names a total; the line under it starts with its
    figures."""
    out: list[Line] = []
    k = 0
    while k < len(lines):
        line, below = lines[k], lines[k + 1] if k + 1 < len(lines) else None
        words = tuple(itertools.dropwhile(lambda w: not any(ch.isalnum() for ch in w.text), line.words))
        label = Line(line.page, line.number, words, line.gap_before)
        if (below is not None and words and below.page == line.page and below.gap_before == 0
                and words[0].text[:1].isupper() and _figureless(label, rules.flat_rows.label_max_words, rules)
                and not _states_unit(label, rules)
                and (not _is_header_line(label, rules) or re.match(rules.flat_rows.total_row_pattern, fold(label.text)))
                and (parts := split_line(below.words, rules.flat_rows.max_trailing_words)) is not None and not parts[0]):
            out.append(_joined([label, below]))
            k += 2
            continue
        out.append(line)
        k += 1
    return out


HEADER_CELL_MAX_WORDS = 3
"""Words of one header cell on a line of its own ("Bokslut helårsutfall", "Ombudgeteras till 2025")."""


def _label_runs_joined(lines: list[Line], rules: TablesRules) -> list[Line]:
    """A table whose label column came out of its PDF as a block of its own, joined into the lines of a
    flat table: a run of label lines ("Verksamhet", "Äldreomsorg", …, "Summa") and then either the
    figure columns' header over as many lines of figures only ("152 300 150 100 2 200"), or each figure
    column in turn, its header over one figure a line, as many as there are labels. The labels go on the
    figures in their order, the line above them being the labels' own header (a caption or title above
    it stays as it is). Only as many figures as labels are joined, so a list in prose over fewer lines of
    figures is left alone."""
    out: list[Line] = []
    k = 0
    while k < len(lines):
        found = _label_run_at(lines, k, rules)
        if found is None:
            out.append(lines[k])
            k += 1
            continue
        joined, k = found
        out += joined
    return out


def _label_run_at(lines: list[Line], start: int, rules: TablesRules) -> tuple[list[Line], int] | None:
    """The lines a label block from `start` on joins into and where it ends (`_label_runs_joined`), or None."""
    def together(at: int) -> bool:  # the next line of the same block: same page, no blank line between
        return at < len(lines) and lines[at].page == lines[start].page and lines[at].gap_before <= 1

    def label_line(line: Line) -> bool:
        words = header_words(line)
        return (bool(words) and words[0][:1].isupper() and _figureless(line, rules.flat_rows.label_max_words, rules)
                and not _states_unit(line, rules))

    labels: list[Line] = []
    at = start
    while (not labels or together(at)) and at < len(lines) and (label_line(lines[at]) or (labels and _numbered_label(lines[at], rules))) \
            and (not labels or not _is_header_line(lines[at], rules)
                 or re.match(rules.flat_rows.total_row_pattern, fold(lines[at].text))):
        labels.append(lines[at])
        at += 1
    if sum(map(label_line, labels)) < 3 or not together(at) or not _is_header_line(lines[at], rules):
        return None

    def figures_only(line: Line) -> bool:  # a row of figures (a scan's specks after them are no trailing words)
        parts = split_line(line.words, rules.flat_rows.max_trailing_words)
        return parts is not None and not parts[0] and not parts[2]

    header = lines[at]
    figures: list[Line] = []
    at += 1
    while together(at) and (_one_figure(cell := _despeckled(lines[at])) or figures_only(cell)):
        figures.append(cell)
        at += 1
    columns = [figures]
    if all(map(_one_figure, figures)):  # one column after another, each under its header
        while together(at) and _is_header_line(lines[at], rules) and len(header_words(lines[at])) <= HEADER_CELL_MAX_WORDS:
            column = list(itertools.takewhile(_one_figure, map(_despeckled, lines[at + 1 : at + 1 + len(figures)])))
            if len(column) != len(figures) or not all(together(at + 1 + i) for i in range(len(column))):
                break
            header = _joined([header, lines[at]])
            columns.append(column)
            at += 1 + len(column)
    rows = len(figures)
    if rows < 2 or len(labels) < rows:
        return None
    before, head = labels[: -rows - 1], labels[-rows - 1 : -rows]  # lines above the labels' header stay as they are
    return [*before, _joined([*head, header]),
            *(_joined([label, *(column[i] for column in columns)]) for i, label in enumerate(labels[-rows:]))], at


def _numbered_label(line: Line, rules: TablesRules) -> bool:
    """A label of a label block that holds a number of its own ("Förskola 1-5 år", "Område 2", "LSS 9 § 8"): a
    capitalised word first, at most two words with digits, no unit, no sentence's end. Only inside a block of
    plain labels, whose figures stand apart under their header, is such a line known for a label."""
    words = [w.text for w in line.words]
    return (0 < len(words) <= rules.flat_rows.label_max_words and words[0][:1].isupper() and words[0].isalpha()
            and sum(bool(re.search(r"\d", w)) for w in words) <= 2 and not _SENTENCE_END.search(words[-1])
            and not _states_unit(line, rules))


def _despeckled(line: Line) -> Line:
    """A line of a figure column without a scan's speck glued to its last figure (`_SPECK_AFTER`)."""
    m = _SPECK_AFTER.fullmatch(line.words[-1].text) if line.words else None
    if m is None:
        return line
    return replace(line, words=(*line.words[:-1], line.words[-1].model_copy(update={"text": m.group(1)})))


def _one_figure(line: Line) -> bool:
    """A line that is one figure cell: number tokens only, readable as one number ("22 400", "-610"), or
    an empty cell ("NaN", "-")."""
    if len(line.words) == 1 and line.words[0].text in (*NOT_A_NUMBER, *_DASHES):
        return True
    parts = split_line(line.words, 0)
    return parts is not None and not parts[0] and count_range([w.text for w in parts[1]])[0] == 1


def _cells_joined(lines: list[Line], rules: TablesRules) -> list[Line]:
    """A table exported one cell per line, joined into the lines of a flat table: a run of short lines
    that each head a column ("Årsbudget", "Utfall", "Avvikelse", after the labels' "Verksamhet")
    becomes one header line, and each label with as many one-figure lines under it as the header has
    figure columns ("Boende" over "22 400", "21 150", "1 250", "1 250") one row. Only such a header
    starts it and only whole rows follow, so figures listed in prose are left alone."""
    out: list[Line] = []
    k = 0
    while k < len(lines):
        header, columns = _stacked_header(lines, k, rules)
        rows: list[Line] = []
        at = k + len(header)
        while header and at + columns < len(lines):
            cells = lines[at : at + columns + 1]
            if not (all(c.page == cells[0].page and c.gap_before <= 1 for c in cells[1:])
                    and _figureless(cells[0], rules.flat_rows.label_max_words, rules) and all(map(_one_figure, cells[1:]))):
                break
            rows.append(_joined(cells))
            at += columns + 1
        if rows:
            out += [_joined(header), *rows]
            k = at
        else:
            out.append(lines[k])
            k += 1
    return out


def _stacked_header(lines: list[Line], start: int, rules: TablesRules) -> tuple[list[Line], int]:
    """The header cells from `start` on, one a line (a first one may head the labels), and how many of
    them head figure columns; ([], 0) unless at least two do."""
    run: list[Line] = []
    heads = 0
    for line in lines[start:]:
        words = header_words(line)
        if run and (line.page != run[0].page or line.gap_before > 0):
            break
        if not 0 < len(words) <= HEADER_CELL_MAX_WORDS or not _figureless(line, HEADER_CELL_MAX_WORDS, rules):
            break
        names_column = is_header_words(words, rules)
        if not names_column and run:
            break
        run.append(line)
        heads += names_column
    return (run, heads) if heads >= 2 else ([], 0)


def _joined(lines: list[Line]) -> Line:
    """Lines as one, at the first one's place."""
    first = lines[0]
    return Line(first.page, first.number, tuple(w for line in lines for w in line.words), first.gap_before)


def _blocks(lines: list[Line], rules: TablesRules) -> list[_Block]:
    """Group lines into candidate blocks: up to three header lines, then rows, label continuations and
    section names ("Fastigheter") between rows."""
    settings = rules.flat_rows
    lines = _labels_joined(_cells_joined(_label_runs_joined(lines, rules), rules), rules)
    blocks: list[_Block] = []
    current: _Block | None = None
    pending_header: list[Line] = []
    section: Line | None = None  # a short line inside a block: a section name if a row follows it
    previous: Line | None = None  # the line before this one, unless it was a row
    for line in lines:
        gap_ok = line.gap_before <= 1
        if current is not None and gap_ok and current.rows[-1].comment and line.words[0].text[:1].islower() \
                and not _under_label(current.rows[-1], line):
            continue  # a row's comment goes on over the next line
        header = current.header if current is not None else pending_header
        merged_comment = current is not None and current.rows[0].headers is not None and bool(current.rows[0].comment)
        row = _row_of(line, rules, inside=current is not None, commented=merged_comment or _names_text_column(header, rules),
                      headed=bool(pending_header))
        if current is not None and (not gap_ok or (row is not None and row.headers is not None)):
            blocks.append(current)  # a blank line ends a table; a header line with its first row merged in starts one
            current = None
        if row is not None and (len(row.numbers) >= 2 or current is not None):
            if current is None:
                current = _Block(header=[] if row.headers else pending_header)
                if not current.header and not row.headers and gap_ok and previous is not None:
                    current.above = previous
            current.rows.append(row)
            pending_header, section, previous = [], None, None
            continue
        previous = line
        if current is not None and section is None and _continues(current.rows[-1], line, rules):
            current.continuations.setdefault(len(current.rows) - 1, []).extend(line.words)
            continue
        if current is not None and section is None and not _is_header_line(line, rules) and not _states_unit(line, rules) \
                and _figureless(line, settings.label_max_words, rules) and line.words[0].text[:1].isupper():
            section = line
            continue
        if current is not None:
            blocks.append(current)
            current, section = None, None
        tail = pending_header and gap_ok and _figureless(line, settings.label_max_words, rules)
        if _is_header_line(line, rules) or (tail and not line.words[0].text[:1].isupper()):
            pending_header = (pending_header if gap_ok else [])[-2:] + [line]
        elif not tail:  # a capitalised line between header and rows names the first section: passed over
            pending_header = []
    if current is not None:
        blocks.append(current)
    return [b for b in blocks if len(b.rows) >= 2 or (b.header and b.rows)]


def _names_columns_alone(line: Line, rules: TablesRules) -> bool:
    """A line that may head the figures under it though it holds no column word: a few capitalised
    words, no figure, no unit ("Verksamhet Intäkter Kostnader Netto", "Projekt Drift Investering Summa");
    whether it does is for the rows' column count to say (`_one_word_headers`)."""
    words = header_words(line)
    return 3 <= len(words) <= HEADER_CELL_MAX_WORDS * 2 and all(w[:1].isupper() for w in words) \
        and _figureless(line, len(words), rules) and not _states_unit(line, rules)


def _one_word_headers(line: Line | None, count: int, rules: TablesRules) -> list[str] | None:
    """The headers of `count` columns that a line naming columns alone (`_names_columns_alone`) names one
    word each (after its label column's, when it names one more), or None if its words are not that many."""
    if line is None or not _names_columns_alone(line, rules):
        return None
    words = header_words(line)
    return words[-count:] if len(words) in (count, count + 1) else None


def _columns_named(words: list[str], rules: TablesRules) -> int:
    """How many of a header line's words are column words (years aside)."""
    return sum(is_column_word(w, rules) and not _YEAR.fullmatch(w) for w in words)


def base_header_start(lines: list[list[str]], rules: TablesRules) -> int:
    """Index of the header line naming most columns (years aside): lines above it are the table's caption.
    A line naming a unit ("Resultatfond per verksamhet, tkr") is a caption, unless every line does or it
    names two columns or more ("Verksamhet (tkr) Budget 2024 Utfall 2024": the unit in the label's cell)."""
    columns = [_columns_named(words, rules) for words in lines]
    captions = [any(_names_unit(w, rules) for w in words) and n < 2 for words, n in zip(lines, columns)]
    named = [n - (1000 if caption and not all(captions) else 0) for n, caption in zip(columns, captions)]
    # of lines naming as many columns, the last: a caption naming one ("Ombudgetering per projekt") stands
    # above the header; of lines naming none (years only, "… 2032–" over "2036"), the first
    return max(range(len(named)), key=lambda k: (named[k], k if named[k] > 0 else -k)) if named else 0


def _base_header(block: _Block, rules: TablesRules) -> list[Line]:
    """The block's header lines from the one naming most columns on (lines above it are its caption)."""
    return block.header[base_header_start([header_words(h) for h in block.header], rules):]


def _header_counts(block: _Block, rules: TablesRules) -> list[int]:
    """Column counts the header line suggests, likeliest first: its phrases that hold a column word
    (`_named_phrases`), its years, its capitalised column words, its capitalised words."""
    if block.rows[0].headers is not None:
        return [len(block.rows[0].headers)]
    header = _base_header(block, rules)
    if not header:
        alone = block.above is not None and _names_columns_alone(block.above, rules)
        return [len(header_words(block.above)) - 1] if alone else []
    _, columns = _header_columns(header[0], rules)
    kinds = _named_phrases(columns, rules)
    years = [w for w in columns if _YEAR.fullmatch(w)]
    capitals = [w for w in columns if w[:1].isupper() and is_column_word(w, rules) and not _YEAR.fullmatch(w)]
    heads = [w for w in columns if w[:1].isupper()]  # "Till" of "Till resultatfond" stacked over two lines
    return list(dict.fromkeys(n for n in (kinds, len(years), len(capitals), len(heads)) if n >= 2))


def _named_phrases(columns: list[str], rules: TablesRules) -> int:
    """How many of a header's phrases hold a column word (years aside). A capitalised word opens a
    phrase; a lower-case one goes on the phrase before it after a capitalised word ("Prognos delår 1",
    "Bokslut helårsutfall"), an opening word ("mot budget", "Till resultatfond") or a word that names no
    column ("t.o.m. augusti"); after a lower-case column word it opens one ("budget utfall avvikelse")."""
    opening = set(_folded_cues(tuple(rules.flat_rows.open_words)))
    named, counted, before = 0, False, ""
    for word in columns:
        goes_on = bool(before) and word[:1].islower() and (
            before[:1].isupper() or fold(before) in opening or not is_column_word(before, rules))
        if not goes_on:
            counted = False
        if not counted and is_column_word(word, rules) and not _YEAR.fullmatch(word):
            named, counted = named + 1, True
        before = word
    return named


def _names_one_column(block: _Block, rules: TablesRules) -> bool:
    """Tell whether the block's header line names one figure column: one column word but years."""
    header = _base_header(block, rules)
    if not header or block.rows[0].headers is not None:
        return False
    return _columns_named(_header_columns(header[0], rules)[1], rules) == 1


def _figures(row: Row, rules: TablesRules) -> tuple[list[str], frozenset[int]]:
    """A row's number tokens, and those set apart from the one before: by a column's gap (`figure_gaps`),
    or after a dash a PDF's text layer holds as a word of its own ("- 39 320"), which prints an empty
    cell: such a layer keeps a minus with its figures ("-39 320"), where OCR and plain text may part them."""
    words, tokens = row.numbers, [w.text for w in row.numbers]
    detached = {k for k in range(1, len(words)) if words[k - 1].origin == "text-layer" and is_sign(tokens, k)}
    return tokens, figure_gaps(words, rules.flat_rows.column_gap) | detached


def _candidate_counts(block: _Block, rules: TablesRules) -> list[int]:
    """Column counts to try, likeliest first: the header's, those some row is forced to (its signed or
    short groups; the most often forced first), then any other between, nearest the first; each
    readable in at least half the rows."""
    ranges = [count_range(*_figures(r, rules)) for r in block.rows]
    forced = sorted({lo for lo, _ in ranges if lo >= 2}, key=lambda n: (-sum(lo == n for lo, _ in ranges), n))
    named = _header_counts(block, rules)
    if not named and not forced:
        # nothing says the figures are several cells ("46 100 000" is one amount): under a header naming
        # one figure column ("Projekt Ombudgeteras 2025") each row holds one amount, else it is no table
        return [1] if _names_one_column(block, rules) and all(lo == 1 for lo, _ in ranges) else []
    likely = named + forced
    between = sorted(range(max(2, min(likely)), max(likely) + 1), key=lambda n: (abs(n - likely[0]), n))
    readable = [n for n in dict.fromkeys(likely + between)
                if 2 * sum(lo <= n <= hi for lo, hi in ranges) >= len(ranges)]
    return readable[: rules.flat_rows.max_counts_tried]


def _settled(block: _Block, count: int, rules: TablesRules) -> tuple[list[Row], tuple[int, int, int]]:
    """The block's rows read as `count` numbers each, and how well: (rows settled, identities that hold,
    rows that fill every column).

    Under a header, a row may also be read as fewer numbers (none a lone 1–2-digit figure before a
    3-digit group), filling the columns from the left: an exported budget table leaves a cell empty
    rather than print 0 ("Lekplatser -1 800 -1 950 -150" under five columns, nothing carried over),
    most often in the columns furthest right. Such a reading wins only on arithmetic (`settle`).
    """
    rows = [Row(r.line, r.label, r.numbers, r.trailing, headers=r.headers, groups=r.groups, comment=r.comment)
            for r in block.rows]
    headed = bool(_base_header(block, rules))
    for row in rows:
        tokens, apart = _figures(row, rules)
        if row.groups is not None:
            starts = list(itertools.accumulate([0, *row.groups[:-1]]))
            row.readings = [r for r in readings(tokens, count, apart) if [a for a, _ in r.spans] == starts]
        else:
            row.readings = readings(tokens, count, apart)
            if headed:
                row.readings += [r for n in range(count - 1, 0, -1) for r in readings(tokens, n, apart)
                                 if not splits_group(tokens, r)]
            if not row.readings and row.label and _LABEL_NUMBER.fullmatch(tokens[0]):
                # "… etapp 2 -8 500 -3 200 …": a number ending the label ran into the figures
                rest = frozenset(k - 1 for k in apart if k > 1)
                row.readings = [Reading(tuple((a + 1, b + 1) for a, b in r.spans), r.values) for r in readings(tokens[1:], count, rest)]
    total = [bool(re.match(rules.flat_rows.total_row_pattern, fold(" ".join(w.text for w in r.label)))) for r in rows]
    settle(rows, total_groups(total), rules.flat_rows.magnitude_margin, _totals_across(block, rules))
    chosen = [r.chosen for r in rows if r.chosen is not None]
    return rows, (len(chosen), _shared_identities(chosen), sum(len(c.values) == count for c in chosen))


def _cuts_groups(rows: list[Row]) -> bool:
    """Tell whether some row's chosen reading cuts what reads as one number (`splits_group`)."""
    return any(r.chosen is not None and splits_group([w.text for w in r.numbers], r.chosen) for r in rows)


def _shared_identities(chosen: list[Reading]) -> int:
    """Identities of the rows' readings in the columns where more than one row has one (every row, if
    there is one): a wide row of figures holds some difference of two of its cells by chance ("48 600"
    read as "48" and "600" under thirteen columns of about 4 000), a table's own arithmetic holds in
    its rows alike."""
    hits = Counter(k for c in chosen for k in identity_columns(c.values))
    return sum(n for n in hits.values() if n >= min(2, len(chosen)))


def _totals_across(block: _Block, rules: TablesRules) -> bool:
    """Tell whether the block's header names a total as its last figure column ("… Dec Summa")."""
    header = _base_header(block, rules)
    columns = _header_columns(header[0], rules)[1] if header else []
    return bool(columns) and re.match(rules.flat_rows.total_row_pattern, fold(columns[-1])) is not None


def _deviation_column(rows: list[Row]) -> int | None:
    """The column that is, in most settled rows, the difference of two others (None if no column is)."""
    hits = Counter(k for r in rows if r.chosen is not None for k in identity_columns(r.chosen.values))
    return max(hits, key=lambda k: (hits[k], -k)) if hits else None  # a total column further right adds up too


def _identity_rows(rows: list[Row]) -> int:
    """How many settled rows the arithmetic of one column holds in (a deviation, a total): a
    coincidence holds in a row or two, a table's own arithmetic in nearly all."""
    hits = Counter(k for r in rows if r.chosen is not None for k in set(identity_columns(r.chosen.values)))
    return max(hits.values(), default=0)


def _numbered(rows: list[Row]) -> bool:
    """Tell whether a headerless block's first figures count its rows (1, 2, 3 …) rather than state amounts."""
    settled = [r.chosen for r in rows if r.chosen is not None]
    if len(settled) < 2 or len(settled[0].values) < 2:
        return False
    firsts = [c.values[0] for c in settled]
    return all(b - a == 1 for a, b in zip(firsts, firsts[1:])) and all(v == int(v) and 0 < v < 100 for v in firsts)


def _read_block(block: _Block, rules: TablesRules, warnings: dict[int, list[str]]) -> list[Table]:
    """Read a block as a table: the column count whose readings settle best, headers, cells; one
    table per page it runs over (the parts after the first continue it, as a ruled table's do)."""
    counts = _candidate_counts(block, rules)
    if not counts:
        return []
    tried = [(_settled(block, n, rules), -k, n) for k, n in enumerate(counts)]
    # above every count its header names, a count whose readings cut what reads as one number holds
    # its arithmetic by chance ("21", "480" of "21 480" under five named columns)
    header = _base_header(block, rules)
    most_named = (max(_header_counts(block, rules), default=0) or int(_names_one_column(block, rules))) if header else 0
    tried = [t for t in tried if not (most_named and t[2] > most_named and _cuts_groups(t[0][0]))] or tried
    (rows, score), _, count = max(tried, key=lambda t: (t[0][1], t[1]))
    # a header naming fewer columns than it has lets two amounts of each row run together
    # ("792 575 796 289" for "792 575" and "796 289"): a count above it wins only on arithmetic that
    # holds more often, never on rows that read one way only because every group is cut; when one
    # column's arithmetic already holds in every row, no count above can do better. Above the words of
    # its header a count never cuts what reads as one number: a wide row of like figures holds some
    # difference by chance ("Jan" … "Dec" over "4 100 3 900 …" is no thirteen columns of "4", "100" …)
    held = _identity_rows(rows)
    label_header, columns = _header_columns(header[0], rules) if header else ([], [])
    for more in (count + 1, count + 2) if held < len(block.rows) else ():
        wider, wider_score = _settled(block, more, rules)
        wider_held = _identity_rows(wider)
        if header and min(most_named or len(columns), len(columns)) < more and _cuts_groups(wider):
            break
        if wider_held >= 2 and wider_held > held and 2 * wider_held >= wider_score[0] >= score[0]:
            rows, score, count, held = wider, wider_score, more, wider_held
    headers = [""] * count
    numbered = not header and rows[0].headers is None and _numbered(rows)
    if numbered:  # "Studieväg 1 70", "Studieväg 2 58": the first figures number the rows, they are label
        count -= 1
        headers = headers[1:]
    above = None if header or numbered else _one_word_headers(block.above, count, rules)
    label_head = ""  # the label column's own header ("Verksamhet (tkr)")
    if rows[0].headers is not None:
        headers = rows[0].headers
    elif above is not None:
        headers = above
        header = [block.above]  # its words are the table's, as a header's are
        label_head = " ".join(header_words(block.above)[:-count])
    elif header:
        label_head = " ".join(label_header) if rows[0].label else ""  # else those words are the first row's label
        # a column of text after the figures ("Kontrollsumma" over "NaN") has its header too
        texts = any(r.trailing and not r.trailing[0].text[:1].islower() for r in rows)
        deviation = _deviation_column(rows)
        headers = stack_headers([columns] + [_figure_header(header_words(h), rules) for h in header[1:]], count + texts,
                                rules, deviation)[:count]
        if not any(headers) and len(header) == 1 and deviation is not None and (
                named := header_groups(columns, count - 1, rules)) is not None:
            # a header naming every column but the deviation its rows' arithmetic shows ("Budget Utfall"
            # over "243 300 243 100 200"): the deviation's header is left blank, not made up
            headers = named[:deviation] + [""] + named[deviation:]
        if not any(headers) and len(header) == 1 and (alone := _one_word_headers(header[0], count, rules)):
            headers = alone  # "Projekt Drift Investering Summa": one column word, a column each word
            label_head = " ".join(header_words(header[0])[:-count])
    cells: list[Cell] = []
    row_pages: list[int] = []
    n_row = 0
    for k, row in enumerate(rows):
        if row.chosen is None:
            label = " ".join(w.text for w in row.label) or "?"
            warnings.setdefault(row.line.page, []).append(
                f"flat_row_undecided: {label!r} reads as {count} numbers in {len(row.readings)} ways")
            continue
        spans = row.chosen.spans[1:] if numbered else row.chosen.spans
        label_words = row.label + row.numbers[: spans[0][0]] + block.continuations.get(k, [])
        if not row.label and k == 0 and label_header:  # the row's label stands first on the header line
            label_words = list(header[0].words[: len(label_header)])
        if label_words:
            cells.append(Cell(row=n_row, col=0, text=" ".join(w.text for w in label_words), bbox=union_bbox(label_words)))
        tail = row.trailing if row.trailing and row.trailing[0].text[:1].islower() else []  # "per år", not "NaN"
        for c, (a, b) in enumerate(spans):
            words = row.numbers[a:b] + (tail if c == count - 1 else [])
            cells.append(Cell(row=n_row, col=c + 1, text=" ".join(w.text for w in words), bbox=union_bbox(words)))
        row_pages.append(row.line.page)
        n_row += 1
    if n_row == 0 or (n_row < 2 and not header and rows[0].headers is None):
        return []
    # a comment column's words are no part of the figures' box: amounts the text quotes in it stay the text's
    words_of = {page: [w for r in rows if r.line.page == page
                       for w in (r.line.words if not r.comment else [*r.label, *r.numbers, *r.trailing])]
                for page in row_pages}
    words_of[row_pages[0]][:0] = [w for h in header if h.page == row_pages[0]
                                  for w in h.words[: len(_figure_header([x.text for x in h.words], rules))]]
    parts: list[Table] = []
    for page in sorted(set(row_pages)):
        rows_here = [n for n, p in enumerate(row_pages) if p == page]
        offset = rows_here[0]
        parts.append(Table(page=page, bbox=union_bbox(words_of[page]), method="flat-rows", n_rows=len(rows_here),
                           n_cols=count + 1, header=(label_head, *headers) if not parts else (),
                           cells=tuple(c.model_copy(update={"row": c.row - offset}) for c in cells
                                       if row_pages[c.row] == page)))
    return parts
