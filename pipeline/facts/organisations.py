"""Organisations found by the structure of a paper, not by a list of names.

Papers name their parties in a few fixed places and shapes: a company ends in "AB", a
committee is "Nämnden för …", a foundation starts with "stiftelsen", a party list follows
"mellan" in the title, a party's organisation number stands after its name, and the
signature block says "För <party>". Each of these finds names that no gazetteer holds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from pipeline.facts.text import TextStream, fold
from pipeline.rules import FactsRules

PUBLIC_KINDS = frozenset({"municipality", "committee", "municipal_unit", "public_body"})
"""Kinds of organisation on the public side: never a partner of a partnership."""

_NAME = r"[A-ZÅÄÖ][\wåäöÅÄÖ\-]*(?:[ \u00a0](?:(?:i|för|&)[ \u00a0])?[A-ZÅÄÖ][\wåäöÅÄÖ\-]*){0,5}"
_BEFORE_ORGNR = re.compile(rf"(?P<name>{_NAME})\s*,?\s*(?i:org\.?\s*nr|organisationsnummer)")
_SIGNATURE = re.compile(rf"^\s*För\s+(?P<name>{_NAME})\s*$")
_BETWEEN = re.compile(rf"\bmellan\s+(?P<list>{_NAME}(?:\s*(?:,|och|samt)\s*{_NAME})+)")


@dataclass(frozen=True)
class OrgMention:
    """A name found by its shape: offsets, the name as written, the kind of organisation."""

    start: int
    end: int
    name: str
    kind: str


@lru_cache(maxsize=4)
def _compiled(patterns: tuple[tuple[str, str], ...]) -> tuple[tuple[str, re.Pattern[str]], ...]:
    return tuple((kind, re.compile(pattern)) for kind, pattern in patterns)


def find_shaped_organisations(stream: TextStream, rules: FactsRules) -> list[OrgMention]:
    """Find organisations by the shape of their names (rules `party_patterns`) and national ones."""
    text = stream.text
    out: list[OrgMention] = []
    for kind, rx in _compiled(tuple((p.kind, p.pattern) for p in rules.party_patterns)):
        for m in rx.finditer(text):
            name = " ".join(m.group(0).split()).strip(" ,.")
            if "\n" in m.group(0).strip() and kind == "company":
                continue  # a company name does not run over a line break into a heading
            out.append(OrgMention(m.start(), m.start() + len(m.group(0).rstrip(" ,.")), name, kind))
    for known in rules.known_parties:
        pattern = rf"\s+".join(re.escape(fold(w)) for w in known.split())
        for m in re.finditer(rf"(?<!\w){pattern}(?:s|en|ens)?(?!\w)", stream.folded):
            out.append(OrgMention(m.start(), m.end(), known, "public_body"))
    return out


def find_named_parties(stream: TextStream, rules: FactsRules) -> list[OrgMention]:
    """Find parties where a paper names them: before an org number, in "mellan A, B och C", after "För"."""
    stop = {fold(w) for w in rules.name_stopwords}
    out: list[OrgMention] = []

    def add(start: int, name: str) -> None:
        words = name.split()
        while words and fold(words[-1]) in stop:
            words.pop()
        while words and fold(words[0]) in stop:
            start += text.index(words[0], start - base) - (start - base) + len(words[0]) + 1
            words.pop(0)
        if words and not all(w.isupper() and len(w) > 5 for w in words):
            clean = " ".join(words)
            out.append(OrgMention(start, start + len(clean), clean, "association"))

    for s, e, _, _ in stream.line_spans:
        line = stream.text[s:e]
        base, text = s, line
        if m := _BEFORE_ORGNR.search(line):
            add(s + m.start("name"), m.group("name"))
        if m := _SIGNATURE.match(line):
            add(s + m.start("name"), m.group("name"))
        for m in _BETWEEN.finditer(line):
            offset = m.start("list")
            for part in re.finditer(rf"{_NAME}", m.group("list")):
                if part.group(0).split()[0] not in ("och", "samt"):
                    add(s + offset + part.start(), part.group(0))
    return [o for o in out if len(o.name) >= 4]
