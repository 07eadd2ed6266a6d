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
_MUNICIPALITY_LIST = re.compile(r"(?P<list>(?:[A-ZÅÄÖ][\wåäö]+,\s*)+[A-ZÅÄÖ][\wåäö]+\s+(?:och|samt)\s+[A-ZÅÄÖ][\wåäö]+)\s+kommuner\b")
_BETWEEN = re.compile(rf"\bmellan\s+(?P<list>{_NAME}(?:\s*(?:,|och|samt)\s*{_NAME})+)")


@dataclass(frozen=True)
class Mention:
    """A name in the text: offsets, the name as written (genitive dropped), whether public, its kind."""

    start: int
    end: int
    name: str
    municipal: bool
    kind: str = "association"


@lru_cache(maxsize=4)
def _compiled(patterns: tuple[tuple[str, str], ...]) -> tuple[tuple[str, re.Pattern[str]], ...]:
    return tuple((kind, re.compile(pattern)) for kind, pattern in patterns)


def is_org_word(folded: str, org_endings: tuple[str, ...]) -> bool:
    """Tell whether a folded word is an org-form word or a compound ending in one ("idrottsförening")."""
    return folded.endswith(org_endings)


@lru_cache(maxsize=4)
def _org_endings(org_forms: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(sorted({fold(w) for w in org_forms}))


def municipal_genitive(place: str) -> str:
    """Write a municipality's place name as its name has it: "Linköpings", "Kungsbacka", "Ale".

    A place ending in a consonant takes the genitive -s ("Linköping kommun" is a slip for
    "Linköpings kommun"); one ending in a vowel or s/x/z does not. An all-caps header's
    "KUNGSBACKA" is written in the body's case.
    """
    if place.isupper():
        place = place.capitalize()
    return place if fold(place[-1]) in "aeiouyszx" or place.endswith("s") else place + "s"


def names_organisation(name: str, rules: FactsRules) -> bool:
    """Tell whether a name says by its own words that it is an organisation: an org-form word
    ("Ryttarklubben Norr") or a shape of `party_patterns` ("Nordbygg AB")."""
    endings = _org_endings(tuple(rules.org_forms))
    return any(is_org_word(w, endings) for w in fold(name).split()) or any(
        rx.search(name) for _, rx in _compiled(tuple((p.kind, p.pattern) for p in rules.party_patterns)))


def find_shaped_organisations(stream: TextStream, rules: FactsRules) -> list[Mention]:
    """Find organisations by the shape of their names (rules `party_patterns`) and national ones."""
    stop = {fold(w) for w in rules.name_stopwords}
    generic = {fold(w) for w in rules.org_forms}
    out: list[Mention] = []
    # known names first: where a shape finds the same words ("Länsstyrelsen" ends as a committee
    # does), the longest-mention choice keeps the first of equals, and the list knows the kind
    for kind, names in rules.known_parties.items():
        for known in names:
            pattern = r"\s+".join(re.escape(fold(w)) for w in known.split())
            for m in re.finditer(rf"(?<!\w){pattern}(?:s|en|ens)?(?!\w)", stream.folded):
                out.append(Mention(m.start(), m.end(), known, kind in PUBLIC_KINDS, kind))
    for kind, rx in _compiled(tuple((p.kind, p.pattern) for p in rules.party_patterns)):
        for m in rx.finditer(stream.text):
            written = m.group(0).rstrip(" ,.")
            if "\n" in written.strip() and kind == "company":
                continue  # a company name does not run over a line break into a heading
            start = m.start()
            while (lead := re.match(r"\s*(\S+)\s+", written)) and (fold(lead.group(1)) in stop or re.search(r"\d", lead.group(1))):
                start, written = start + lead.end(), written[lead.end():]  # "Från Släps församling", "IF-2025-00342 …"
            written = _own_words(written, stop)
            if fold(written) in generic:
                continue  # the form alone ("Stiftelsen" over a blank line)
            name = " ".join(written.split())
            out.append(Mention(start, start + len(written), name[0].upper() + name[1:], kind in PUBLIC_KINDS, kind))
    for m in _MUNICIPALITY_LIST.finditer(stream.text):  # "Varberg, Falkenberg, Hylte och Laholms kommuner"
        for name in re.finditer(r"[A-ZÅÄÖ][\wåäö]+", m.group("list")):
            start = m.start("list") + name.start()
            out.append(Mention(start, start + len(name.group(0)), f"{municipal_genitive(name.group(0))} kommun", True,
                               "municipality"))
    return out


def _own_words(written: str, stop: set[str]) -> str:
    """A name found by its shape up to a blank line or a capitalised word that never belongs to a name:
    "Stiftelsen Ungdomsjouren" of a title line over "Dnr KS 2025/77" (a name runs over a line break, not
    over a paragraph's end; "Arvid och Hildur …", in lower case, stays)."""
    written = re.split(r"\n[ \t]*\n", written, maxsplit=1)[0]
    for word in re.finditer(r"\S+", written):
        if word.start() and word.group(0)[0].isupper() and fold(word.group(0)) in stop:
            return written[:word.start()].rstrip()
    return written


def find_named_parties(stream: TextStream, rules: FactsRules) -> list[Mention]:
    """Find parties where a paper names them: before an org number, in "mellan A, B och C", after "För"."""
    stop = {fold(w) for w in rules.name_stopwords}
    out: list[Mention] = []

    def add(start: int, written: str) -> None:
        """Keep the name without the stopwords around it ("Från Släps församling" → "Släps församling")."""
        words = [w for w in re.finditer(r"\S+", written) if fold(w.group(0)) not in stop]
        if not words or all(w.group(0).isupper() and len(w.group(0)) > 5 for w in words):
            return  # nothing left, or an all-caps heading
        name = written[words[0].start() : words[-1].end()]
        if len(name) >= 4:
            begin = start + words[0].start()
            out.append(Mention(begin, begin + len(name), name, False, "association"))

    for s, e, _, _ in stream.line_spans:
        line = stream.text[s:e]
        if m := _BEFORE_ORGNR.search(line):
            add(s + m.start("name"), m.group("name"))
        if m := _SIGNATURE.match(line):
            add(s + m.start("name"), m.group("name"))
        for m in _BETWEEN.finditer(line):
            for part in re.finditer(_NAME, m.group("list")):
                add(s + m.start("list") + part.start(), part.group(0))
    return out + _recipient_units(stream, rules)


_RECIPIENT_SEPARATOR = re.compile(r"\s*(?:[,;]|\s(?:och|samt)\s|\n)\s*")


def _recipient_units(stream: TextStream, rules: FactsRules) -> list[Mention]:
    """Find the municipal units a decision is sent to that no name's shape marks: an item of the
    recipients' list that is an administration's abbreviation and its unit's task ("GA ekonomi")."""
    unit = re.compile(rules.recipient_unit)
    out: list[Mention] = []
    for section in stream.doc.sections:
        if section.name not in rules.recipient_sections:
            continue
        body = [(s, e) for s, e, page, line in stream.line_spans
                if (section.page_start, section.line_start) < (page, line) <= (section.page_end, section.line_end)]
        if not body:
            continue
        start, text = body[0][0], stream.text[body[0][0]:body[-1][1]]
        cut = 0
        for separator in [*_RECIPIENT_SEPARATOR.finditer(text), None]:
            stop = separator.start() if separator else len(text)
            item = re.search(r"\S(?:.*\S)?", text[cut:stop])
            if item and unit.fullmatch(item.group(0)):
                begin = start + cut + item.start()
                out.append(Mention(begin, begin + len(item.group(0)), item.group(0), True, "municipal_unit"))
            cut = separator.end() if separator else stop
    return out
