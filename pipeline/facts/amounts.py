"""Amounts in SEK and percentages: Swedish number forms, units, periods and roles."""

from __future__ import annotations

import bisect
import re
from decimal import Decimal
from dataclasses import dataclass
from functools import lru_cache

from pipeline.facts.text import SPACE, YEAR, any_cue, cue_regex, fold
from pipeline.model import Fact
from pipeline.rules import FactsRules

_GROUPED = (
    rf"\d{{1,3}}\.\d{{3}}(?:{SPACE}\d{{3}})+(?!\d)"  # OCR read the first space as a dot: "1.658 160"
    rf"|\d{{1,3}}(?:{SPACE}\d{{3}})+(?!\d)|\d{{1,3}}(?:\.\d{{3}})+(?![\d,])"
)
_OCR_SPACED = rf"\d{{4}}{SPACE}\d{{3}}(?!{SPACE}?\d)"
NUMBER = rf"(?:{_GROUPED}|{_OCR_SPACED}|\d+)"
"""A Swedish integer: thousands grouped by spaces or dots, OCR's '1100 000', or plain digits."""


@dataclass(frozen=True)
class AmountMatch:
    """One amount found in text: offsets, integer SEK and how it was written."""

    start: int
    end: int
    value: int
    unit: str | None
    grouped: bool


@dataclass(frozen=True)
class PercentMatch:
    """One percentage found in text."""

    start: int
    end: int
    value: float
    approx: bool


@lru_cache(maxsize=8)
def _amount_regex(units: tuple[str, ...]) -> re.Pattern[str]:
    alternation = "|".join(re.escape(u) for u in sorted(units, key=len, reverse=True))
    unit = rf"[ \u00a0\u202f\u2009\n:;]?({alternation})(?![\wåäö])"  # "200:kr": a rule's remains
    return re.compile(
        rf"(?<![\w,.:/\-−])(?P<neg>[-−](?:{SPACE}|\n)?)?(?P<num>{NUMBER})"
        rf"(?:,(?P<dec>\d{{1,2}})|\.(?P<point_dec>\d{{1,2}})(?={unit}))?"  # "-8.4 miljoner": OCR's comma, a unit after it
        rf"(?:{unit.replace('(', '(?P<unit>', 1)})?",
        re.IGNORECASE,
    )


@lru_cache(maxsize=8)
def _percent_regex(approx: tuple[str, ...]) -> re.Pattern[str]:
    words = "|".join(fold(a) for a in approx)
    return re.compile(
        rf"(?:\b(?P<approx>{words}){SPACE}*)?(?<![\d,.])(?P<neg>[-−]{SPACE}?)?"
        rf"(?P<num>\d{{1,3}}(?:,\d{{1,2}})?){SPACE}?(?:%|procent\b)",
        re.IGNORECASE,
    )


_PARAGRAPH_BEFORE = re.compile(r"\d{4}-\s?\d{2}-\s?\d{2},\s*$")
"""A meeting's date and a comma right before a number: a protokoll cites its paragraph there."""
_PARAGRAPH_AFTER = re.compile(r"\s+Dnr\b")
"""A paragraph's heading names its case's Dnr right after its number."""
PARAGRAPH_REACH = 20
"""Characters before a number searched for that date (a date with OCR's stray spaces and the comma
fit): the whole text before it would be read again for every number of a long page."""


def _to_int(num: str) -> int:
    return int(re.sub(r"[^\d]", "", num))


def _in_kronor(num: str, dec: str | None, multiplier: int) -> int:
    """A printed figure in kronor: its integer part and decimals ("1,2" in miljoner: 1 200 000)."""
    return _to_int(num) * multiplier + (round(int(dec) * multiplier / 10 ** len(dec)) if dec else 0)


def find_amounts(text: str, rules: FactsRules) -> list[AmountMatch]:
    """Find amounts in `text` (with OCR digit letters already fixed) and normalize to SEK.

    A number with a unit (`kr`, `tkr`, `mkr` …) is an amount; one without is an amount only
    when grouped in thousands, at least `rules.unitless_min`, and not followed by a count noun.
    """
    units = {fold(u): m for u, m in rules.units.items()}
    count_after = re.compile(rf"^{SPACE}*(?:{'|'.join(fold(n) for n in rules.count_nouns)})(?!\w)")
    out = []
    for m in _amount_regex(tuple(units)).finditer(text):
        num, unit = m.group("num"), m.group("unit")
        grouped = bool(re.search(r"[ \u00a0\u202f\u2009.]", num))
        dec = m.group("dec") or m.group("point_dec")
        if unit is None:
            if not grouped or dec or count_after.match(fold(text[m.end() : m.end() + 20])):
                continue
            if re.match(r"\s?[:/]\d", text[m.end() : m.end() + 3]):
                continue  # a reference such as "lag (1 976:580)", read with a stray space
            if (_PARAGRAPH_BEFORE.search(text, max(0, m.start() - PARAGRAPH_REACH), m.start())
                    or _PARAGRAPH_AFTER.match(text, m.end())):
                continue  # a paragraph whose "§" OCR read as a digit: "2024-12-11, 8 159", "8 170 Dnr …"
        elif not grouped and not dec and YEAR.fullmatch(num) and "\n" in text[m.end("num"):m.start("unit")]:
            continue  # "Resultatdisponering 2023" over "Tkr Budget …": a heading's year, the next line's unit
        multiplier = units.get(fold(unit), 1) if unit else 1
        value = _in_kronor(num, dec, multiplier)
        if (unit is None and not rules.unitless_min <= value <= rules.unitless_max) or value > rules.amount_max:
            continue  # an amount without a unit in its range, and none beyond any sum a paper states
        start = m.start()
        if not m.group("neg") and (dash := _dash_minus(text, start, rules)) is not None:
            start, value = dash, -value
        elif m.group("neg"):
            value = -value
        out.append(AmountMatch(start, m.end(), value, unit, grouped))
    out += _range_starts(text, out, units)
    return sorted(out + _worded_amounts(text, rules, units), key=lambda a: a.start)


_DASHES = "–—"
"""The en dash a minus is typeset as, and the em dash OCR often reads it as."""


def _dash_minus(text: str, start: int, rules: FactsRules) -> int | None:
    """Return where the en dash that is the minus sign of the figure at `start` stands, or None:
    "–3,7" unless a digit or letter stands right before the dash (a range: "2–3"), "– 3,7" only
    after the words of `rules.dash_minus_after` ("ett resultat på – 3,7 miljoner kronor")."""
    spaced = start >= 2 and text[start - 1] in " \u00a0\u202f" and text[start - 2] in _DASHES
    dash = start - 2 if spaced else start - 1
    if dash < 0 or text[dash] not in _DASHES:
        return None
    before = fold(text[max(0, dash - 40):dash])
    if not spaced:
        return None if before[-1:].isalnum() else dash
    return dash if any_cue(rules.dash_minus_after, before) else None


_RANGE_START = re.compile(rf"\b(?:fran|mellan){SPACE}+(?P<num>{NUMBER})(?:,(?P<dec>\d{{1,2}}))?{SPACE}+(?:till|och){SPACE}+$")
"""The first figure of a range whose unit is written once, after the second ("från 120 till 130 kronor")."""


def _range_starts(text: str, found: list[AmountMatch], units: dict[str, int]) -> list[AmountMatch]:
    """The first figures of ranges ("från 120 till 130 kronor", "mellan 1,2 och 1,5 miljoner kronor"):
    each states an amount in the unit of the amount after it."""
    out = []
    taken = {a.start for a in found}
    for a in found:
        if a.unit is None:
            continue
        head = max(0, a.start - 40)
        m = _RANGE_START.search(fold(text[head:a.start]))
        if m is None or head + m.start("num") in taken or (a.start and text[a.start - 1] in "-−"):
            continue
        value = _in_kronor(m["num"], m["dec"], units.get(fold(a.unit), 1))
        end = head + (m.end("dec") if m["dec"] else m.end("num"))
        out.append(AmountMatch(head + m.start("num"), end, value, a.unit, bool(re.search(r"\D", m["num"]))))
    return out


def _worded_amounts(text: str, rules: FactsRules, units: dict[str, int]) -> list[AmountMatch]:
    """Amounts whose number is a word: "tio miljoner", "fyra miljarder kronor" (units of a thousand and up)."""
    large = sorted((u for u, m in units.items() if m >= 1000), key=len, reverse=True)
    words = sorted(rules.number_words, key=len, reverse=True)
    if not large or not words:
        return []
    rx = re.compile(rf"(?<![\wåäö])(?P<word>{'|'.join(map(re.escape, words))}){SPACE}+(?P<unit>{'|'.join(map(re.escape, large))})(?![\wåäö])")
    return [AmountMatch(m.start(), m.end(), rules.number_words[m.group("word")] * units[m.group("unit")], m.group("unit"), False)
            for m in rx.finditer(fold(text))]


_PRINTED = re.compile(r"(?<![\d,])([-−–]\s?)?(\d{1,3}(?:[ \u00a0\u202f]\d{3})+|\d{1,3}(?:\.\d{3})+(?!\d)|\d+)(,\d+|\.\d{1,2}(?![\d.]))?(?![\d])")
"""A printed number: its sign, digits ("36 000", or "36.000" grouped by points) and decimals (after
a comma, or a point OCR read for one: "8.1")."""


BRACKETED_FIGURE = re.compile(r"\s*\(\s*(\d{1,3}(?:[ \u00a0\u202f]\d{3})*(?:,\d+)?|\d+(?:,\d+)?)\s*\)\s*")
"""A figure alone in brackets: a negative figure of an account ("(1,5)", "(12 400)")."""


def printed_number(text: str) -> tuple[Decimal, int] | None:
    """Return the first number of a cell as printed ("−3 714" → -3714, "-307,2" → -307.2) and its decimals.

    Exact (Decimal), so sums of printed figures are compared as printed, not as floats. A figure
    alone in brackets is negative, as accounts print it ("(1,5)" → -1.5).
    """
    if bracketed := BRACKETED_FIGURE.fullmatch(text):
        inner = printed_number(bracketed.group(1))
        return None if inner is None else (-inner[0], inner[1])
    m = _PRINTED.search(text)
    if m is None:
        return None
    sign = "-" if m.group(1) else ""
    digits = re.sub(r"\D", "", m.group(2))
    frac = (m.group(3) or "")[1:]
    return Decimal(f"{sign}{digits}.{frac}" if frac else f"{sign}{digits}"), len(frac)


def rounding_half_step(f: Fact) -> float:
    """Half the last printed unit of an amount fact, in SEK: what its printing may have rounded away
    ("9,6 miljoner": 50 000; "14 433 tkr": 500; "tio miljoner", no figure: 0)."""
    printed = printed_number(f.text)
    if printed is None or not printed[0] or not isinstance(f.value, int):
        return 0.0
    return abs(f.value) / abs(float(printed[0])) * 10.0 ** -printed[1] / 2


def format_amount(value: int) -> str:
    """Write integer SEK the Swedish way: "2 080 500 kr", "−5 000 kr"."""
    sign = "−" if value < 0 else ""
    return f"{sign}{abs(value):,} kr".replace(",", " ")


def find_percentages(text: str, rules: FactsRules) -> list[PercentMatch]:
    """Find percentages ("ca 47 %", "70%", "12,5 %") in `text`."""
    out = []
    for m in _percent_regex(tuple(rules.approx_words)).finditer(fold(text)):
        value = float(m.group("num").replace(",", "."))
        if m.group("neg"):
            value = -value
        out.append(PercentMatch(m.start(), m.end(), value, m.group("approx") is not None))
    return out


def period_after(folded_after: str, rules: FactsRules) -> tuple[str, int] | None:
    """Return the period whose cue starts `folded_after` (the text right after an amount, maybe
    after "i": "340 000 kronor i engångsdrift", or after words of `period_after_skips`: "340 000
    kronor exklusive moms per år") and where its cue ends, else None."""
    skips = "|".join(fold(s) for s in rules.period_after_skips)
    lead = rf"\s*(?:(?:{skips})\s*)?(?:i\s+)?" if skips else r"\s*(?:i\s+)?"
    for period, cues in rules.periods.items():
        for cue in cues:
            if m := re.match(rf"{lead}(?:{fold(cue)})", folded_after):
                return period, m.end()
    return None


def priced_per_unit(folded_after: str, rules: FactsRules) -> bool:
    """Whether the text right after an amount names the unit it is priced per ("450 kr per
    deltagare", "85 kr/kvm"): then no period an earlier amount named carries to it."""
    following = folded_after.lstrip()
    return any(cue_regex(cue).match(following) for cue in rules.per_unit_after)


def _period_cues(rules: FactsRules) -> list[tuple[str, str]]:
    """`(period, cue)` in rules order: at one offset the earlier rule wins."""
    return [(period, cue) for period, cues in rules.periods.items() for cue in cues]


def period_within(folded: str, rules: FactsRules) -> str | None:
    """Return the period of the last period cue in `folded`, or None."""
    return PeriodCues(folded, rules).last_within(0, len(folded))


class PeriodCues:
    """Every period cue of a text, found once: the last one before an amount is then a bisection,
    not a scan from its section's start (which made long documents quadratic)."""

    def __init__(self, folded: str, rules: FactsRules):
        self._found = sorted(
            (m.start(), order, m.end(), period)
            for order, (period, cue) in enumerate(_period_cues(rules))
            for m in cue_regex(cue).finditer(folded)
        )
        self._starts = [found[0] for found in self._found]

    def last_within(self, lo: int, hi: int) -> str | None:
        """Return the period of the cue lying wholly in `[lo, hi)` that starts last, or None."""
        best: tuple[int, int, str] | None = None
        i = bisect.bisect_left(self._starts, hi)
        while i > 0 and self._starts[i - 1] >= lo:
            i -= 1
            start, order, end, period = self._found[i]
            if best is not None and start < best[0]:
                break
            if end <= hi and (best is None or order < best[1]):
                best = (start, order, period)
        return best[2] if best else None


def role_from_cues(before: str, after: str, rules: FactsRules, lead: str = "") -> str | None:
    """Return the amount role named by cues in the folded text before, then after, an amount.

    A cue standing right after the amount (`right_after`) names it first. Before the amount, the
    cue standing nearest it wins ("ett utfall på -10,3 mnkr, att jämföra med ett budgeterat
    resultat på -0,7 mnkr": the second amount is the budget, not an outcome);
    ties go to the earlier rule. After it, the first rule with a cue wins. A qualifier turns the
    role anywhere in the amount's clause, which may begin in `lead` (the sentence before `before`:
    "Budgeten visar ett överskott på 320 …, ett överskott på 319 …" qualifies both).
    """
    following = after.lstrip()
    for rule in rules.amount_roles:
        if any(cue_regex(cue).match(following) for cue in rule.right_after):
            return rule.role
    best: tuple[int, int, str] | None = None
    for order, rule in enumerate(rules.amount_roles):
        ends = [m.end() for cue in rule.before for m in cue_regex(cue).finditer(before)]
        if ends and (best is None or (max(ends), -order) > best[:2]):
            best = (max(ends), -order, rule.role)
    if best is not None:
        clause = re.split(r"[.;:]", lead + before)[-1]
        return next((q.role for q in rules.role_qualifiers if best[2] in q.over and any_cue(q.cues, clause)), best[2])
    for rule in rules.amount_roles:
        if any_cue(rule.after, after):
            return rule.role
    return None
