"""Identifiers: organisation numbers (check digit), personnummer (masked), diarienummer."""

from __future__ import annotations

import re
from dataclasses import dataclass

from stdnum.se import orgnr, personnummer

from pipeline.facts.text import fold
from pipeline.rules import FactsRules


@dataclass(frozen=True)
class IdMatch:
    """One identifier: offsets, kind, value (masked for a personnummer)."""

    start: int
    end: int
    kind: str
    value: str


_DASHED = re.compile(r"(?<![\d:\-/.])(?P<a>\d{6})[ ]?[-–][ ]?(?P<b>\d{4})(?![\d\-])")
_BARE_DNR = re.compile(r"(?<![\w\-])(?P<v>[A-ZÅÄÖ]{2,6}-\d{4}-\d{3,6})(?![\w\-])")


def classify_number(digits: str) -> tuple[str, str] | None:
    """Classify ten digits as `("org_number", "NNNNNN-NNNN")`, a masked personnummer, or None.

    An organisation number's third digit is at least 2; a personnummer has the same shape
    and check digit but a month there, so it is never output as an organisation.
    """
    if len(digits) != 10 or not digits.isdigit():
        return None
    if int(digits[2]) >= 2 and orgnr.is_valid(digits):
        return "org_number", f"{digits[:6]}-{digits[6:]}"
    if personnummer.is_valid(f"{digits[:6]}-{digits[6:]}"):
        return "personal_number", f"{digits[:6]}-****"
    return None


def find_ids(text: str, rules: FactsRules) -> list[IdMatch]:
    """Find organisation numbers, personnummer and Dnr in `text` (digits fixed)."""
    out: list[IdMatch] = []
    folded = fold(text)
    for m in _DASHED.finditer(text):
        found = classify_number(m.group("a") + m.group("b"))
        if found:
            out.append(IdMatch(m.start(), m.end(), *found))
    cues = "|".join(fold(c) for c in rules.orgnr_cues)
    for m in re.finditer(rf"(?:{cues})\s*(?P<n>\d{{10}})(?!\d)", folded):
        found = classify_number(m.group("n"))
        if found:
            out.append(IdMatch(m.start("n"), m.end("n"), *found))
    dnr_cues = "|".join(fold(c) for c in rules.dnr_cues)
    # between the series and the year a scan may read the dash as a sign or two ("KS+:2025-00006")
    # a series letter a scan read as a digit ("1F-2024-00351" for IF-…) is read back
    dnr = re.compile(
        rf"(?<!\w)(?:{dnr_cues})\s*"
        rf"(?P<v>(?=[01]?[a-zåäö])[a-zåäö01]{{1,6}}(?:\s|[-+:.]{{1,2}})?\d{{4}}[-/.:]\s*\d{{1,6}}(?:[-/.]\d{{1,6}})?)(?![\d\-])"
    )
    for m in dnr.finditer(folded):
        out.append(IdMatch(m.start("v"), m.end("v"), "dnr", clean_dnr(text[m.start("v") : m.end("v")])))
    for m in _BARE_DNR.finditer(text):
        if not any(i.kind == "dnr" and i.start <= m.start() < i.end for i in out):
            out.append(IdMatch(m.start(), m.end(), "dnr", m.group("v")))
    return sorted(out, key=lambda i: i.start)


def clean_dnr(raw: str) -> str:
    """A Dnr in one spelling: spaces after its separators dropped, a series digit read as its letter."""
    flat = re.sub(r"([-/.:])\s+", r"\1", " ".join(raw.split()))
    series = re.match(r"[A-Za-zÅÄÖåäö01]+", flat)
    if series is None or not re.search(r"[A-Za-zÅÄÖåäö]", series.group()):
        return flat
    return series.group().translate(_SERIES_LETTERS) + flat[series.end():]


_SERIES_LETTERS = str.maketrans({"1": "I", "0": "O"})
