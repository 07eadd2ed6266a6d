"""Dates in Swedish papers: ISO, compact, d/m yyyy, "den 3 mars 2023", month-only; and ranges, of
whole years too ("för åren 2025–2027")."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

from pipeline.facts.text import fold
from pipeline.rules import FactsRules

_S = r"[ \u00a0\u202f]"
_SN = r"[ \u00a0\u202f\n]"  # between a month's name and its year a line may wrap ("november\n2024")


@dataclass(frozen=True)
class DateMatch:
    """One date found in text: offsets, ISO value and precision; `range_part` 0/1 in a range."""

    start: int
    end: int
    value: str
    precision: str
    range_part: int | None = None


def _iso(year: int, month: int, day: int | None) -> str | None:
    try:
        if day is None:
            dt.date(year, month, 1)
            return f"{year:04d}-{month:02d}"
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return None


@lru_cache(maxsize=4)
def _patterns(months: tuple[str, ...], year_range_nouns: tuple[str, ...]) -> list[tuple[str, re.Pattern[str]]]:
    names = "|".join(sorted((fold(m) for m in months), key=len, reverse=True))
    year = r"(?P<y>(?:19|20)\d{2})"
    return [
        ("year_range", re.compile(
            r"(?<![\w\-])(?:" + "|".join(year_range_nouns) + r")" + _S + r"+(?P<a>(?:19|20)\d{2})" + _S
            + r"?[–—\-]" + _S + r"?(?P<b>(?:19|20)\d{2})(?![\d\-])")),
        ("compact_range", re.compile(
            r"(?<![\d:\-])(?P<a>(?:19|20)\d{6})" + _S + r"?[–—\-]" + _S + r"?(?P<b>(?:19|20)\d{6})(?![\d\-])")),
        ("day_month_range", re.compile(
            r"(?<![\d\w])(?P<d1>[0-3]?\d)" + _S + r"+(?P<mn1>" + names + r")" + _S + r"*[–—\-]" + _S
            + r"*(?P<d>[0-3]?\d)" + _S + r"+(?P<mn>" + names + r")\.?" + _S + r"+" + year + r"(?!\d)")),
        # after another date, the dash between them read as a hyphen or two ("2026-07-01-2033-06-30")
        ("iso", re.compile(
            r"(?<![\d:])(?:(?<!-)|(?<=[0-3]\d-)|(?<=[0-3]\d--))" + year + _S + r"?-" + _S + r"?(?P<m>0[1-9]|1[0-2])" + _S + r"?-" + _S
            + r"?(?P<d>[0-3]\d)(?!\d)")),
        # alone on its line, the first hyphen lost to a scan ("2024 12-11" under "Datum" on a fax)
        ("iso_space", re.compile(
            r"(?<![^\n])" + year + r" (?P<m>0[1-9]|1[0-2])-(?P<d>[0-3]\d)(?![^\n])")),
        ("compact", re.compile(
            r"(?<![\d:\-])" + year + r"(?P<m>0[1-9]|1[0-2])(?P<d>[0-3]\d)(?![\d\-])")),
        ("iso_dotted", re.compile(
            r"(?<![\d.])" + year + r"\.(?P<m>0[1-9]|1[0-2])\.(?P<d>[0-3]\d)(?![\d.])")),
        ("dotted", re.compile(
            r"(?<![\d.])(?P<d>[0-3]?\d)\.(?P<m>[01]?\d)\." + year + r"(?![\d.])")),
        ("slash", re.compile(
            r"(?<![\d/])(?P<d>[0-3]?\d)/(?P<m>[01]?\d)(?:" + _S + r"|-)?" + year + r"(?!\d)")),
        ("day_month", re.compile(
            r"(?<![\d\w])(?:den" + _S + r"+)?(?P<d>[0-3]?\d)(?::[ea])?" + _S + r"+(?P<mn>" + names
            + r")\.?" + _SN + r"+" + year + r"(?!\d)")),
        ("month", re.compile(
            r"(?<![\w\-])(?P<mn>" + names + r")\.?" + _SN + r"+" + year + r"(?![\d\-])")),
    ]


def find_dates(text: str, rules: FactsRules) -> list[DateMatch]:
    """Find dates in `text` (digits fixed); a month-only date keeps precision "month"."""
    folded = fold(text)
    months = {fold(k): v for k, v in rules.months.items()}
    taken: list[tuple[int, int]] = []
    out: list[DateMatch] = []

    def free(a: int, b: int) -> bool:
        return all(b <= s or a >= e for s, e in taken)

    for kind, pattern in _patterns(tuple(rules.months), tuple(rules.year_range_nouns)):
        for m in pattern.finditer(folded):
            if not free(m.start(), m.end()):
                continue
            if kind == "year_range":  # "för åren 2025–2027": whole years
                first, last = int(m.group("a")), int(m.group("b"))
                if first < last:
                    out.append(DateMatch(m.start("a"), m.end("a"), f"{first}-01-01", "year", 0))
                    out.append(DateMatch(m.start("b"), m.end("b"), f"{last}-12-31", "year", 1))
                    taken.append((m.start("a"), m.end()))
                continue
            if kind == "compact_range":
                a, b = m.group("a"), m.group("b")
                va = _iso(int(a[:4]), int(a[4:6]), int(a[6:]))
                vb = _iso(int(b[:4]), int(b[4:6]), int(b[6:]))
                if va and vb:
                    out.append(DateMatch(m.start("a"), m.end("a"), va, "day", 0))
                    out.append(DateMatch(m.start("b"), m.end("b"), vb, "day", 1))
                    taken.append((m.start(), m.end()))
                continue
            if kind == "day_month_range":  # "1 januari–31 december 2027": one year for both
                year_of_both = int(m.group("y"))
                va = _iso(year_of_both, months[m.group("mn1")], int(m.group("d1")))
                vb = _iso(year_of_both, months[m.group("mn")], int(m.group("d")))
                if va and vb:
                    out.append(DateMatch(m.start("d1"), m.end("mn1"), va, "day", 0))
                    out.append(DateMatch(m.start("d"), m.end(), vb, "day", 1))
                    taken.append((m.start(), m.end()))
                continue
            month = months[m.group("mn")] if "mn" in m.groupdict() and m.group("mn") else int(m.group("m"))
            day = int(m.group("d")) if "d" in m.groupdict() and m.group("d") else None
            value = _iso(int(m.group("y")), month, day)
            if value:
                out.append(DateMatch(m.start(), m.end(), value, "day" if day else "month"))
                taken.append((m.start(), m.end()))
    out.sort(key=lambda d: d.start)
    # "2024-01-01–2025-12-31" or "2024-01-01 till 2025-12-31": a range of two dates.
    for i in range(len(out) - 1):
        a, b = out[i], out[i + 1]
        if a.range_part is None and b.range_part is None and re.fullmatch(
            r"\s*(?:[–—\-]{1,2}|till(?: och med)?|t\.? ?o\.? ?m\.?)\s*", folded[a.end : b.start]
        ):
            out[i] = DateMatch(a.start, a.end, a.value, a.precision, 0)
            out[i + 1] = DateMatch(b.start, b.end, b.value, b.precision, 1)
    return out


@dataclass(frozen=True)
class DayMonth:
    """A day and month written without a year ("sista ansökningsdatum 30 oktober"): the year is the context's."""

    start: int
    end: int
    month: int
    day: int


@lru_cache(maxsize=4)
def _day_month_pattern(names: tuple[str, ...]) -> re.Pattern[str]:
    """A day and a month's name not followed by a year (that would be a dated `day_month`)."""
    alternatives = "|".join(sorted(names, key=len, reverse=True))
    return re.compile(r"(?<![\d\w])(?P<d>[0-3]?\d)(?::[ea])?" + _SN + r"+(?P<mn>" + alternatives
                      + r")(?!\w)(?!\.?" + _SN + r"*(?:19|20)\d\d)")


def find_day_months(text: str, rules: FactsRules, dated: list[DateMatch]) -> list[DayMonth]:
    """Find days of a month written without a year, outside the dates of `dated`.

    Only a month's full name counts (its longest spelling in the rules): "3 mar" or "12 dec" in a
    list is too often no date. Whether the day exists ("31 april") is checked once the caller has the year.
    """
    full: dict[int, str] = {}
    for name, number in rules.months.items():
        if len(fold(name)) > len(full.get(number, "")):
            full[number] = fold(name)
    month_of = {name: number for number, name in full.items()}
    out = []
    for m in _day_month_pattern(tuple(sorted(month_of))).finditer(fold(text)):
        if all(m.end() <= d.start or m.start() >= d.end for d in dated):
            out.append(DayMonth(m.start(), m.end(), month_of[m.group("mn")], int(m.group("d"))))
    return out


def with_year(day_month: DayMonth, year: int) -> str | None:
    """The ISO date of a day and month in `year` (None when that day does not exist)."""
    return _iso(year, day_month.month, day_month.day)
