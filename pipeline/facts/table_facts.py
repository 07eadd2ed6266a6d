"""Facts from recovered tables: each amount, percentage and count cell, its role from headers."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz

from pipeline.facts.amounts import find_amounts, find_percentages, period_within
from pipeline.facts.text import any_cue, cue_regex, fold
from pipeline.model import BBox, Cell, Document, Evidence, Fact, Table, Word
from pipeline.rules import FactsRules


@dataclass(frozen=True)
class HeaderInfo:
    """What a column header says about its cells."""

    role: str | None
    period: str | None
    year: int | None
    multiplier: int | None
    payer: str | None
    participants: str | None


def read_header(header: str, rules: FactsRules) -> HeaderInfo:
    """Read a column header: "Värde/ år 2020" → total_value, per_year, 2020; "AN:s kostnad/år" → municipal_share."""
    f = fold(" ".join(header.split()))
    role = next((r.role for r in rules.header_roles if any_cue(r.cues, f)), None)
    if role is None:  # OCR leftovers in a header ("Virde/ ar"): one-word cues matched fuzzily
        words = re.findall(r"[a-z]{4,}", f)
        role = next(
            (r.role for r in rules.header_roles for cue in r.cues if cue.isalpha()
             for w in words if fuzz.ratio(w, fold(cue)) >= 80),
            None,
        )
    year = re.search(r"(?<!\d)((?:19|20)\d{2})(?!\d)", f)
    multiplier = next((m for cue, m in rules.header_units.items() if cue_regex(cue).search(f)), None)
    payer = None
    for body in rules.municipal_bodies:
        abbrs = "|".join(re.escape(a) for a in body.abbreviations)
        if re.search(rf"(?<![\w-])(?:{abbrs}):?s?(?![\w-])", " ".join(header.split())) or fold(body.name)[:-2] in f:
            payer = body.name
    if payer and role in (None, "cost_item", "total_value"):
        role = "municipal_share"
    participants = next((r for cue, r in rules.participant_headers.items() if cue_regex(cue).search(f)), None)
    return HeaderInfo(role, period_within(f, rules), int(year.group(1)) if year else None, multiplier, payer,
                      participants)


def body_name(word: str, rules: FactsRules) -> str:
    """Return the canonical municipal body a word names ("BIN", "bildningsnämnden"), else the word."""
    f = fold(word.strip(" .,:"))
    for body in rules.municipal_bodies:
        if f in {fold(a) for a in body.abbreviations} or (len(f) > 5 and fold(body.name).startswith(f[:-2])):
            return body.name
    return word


def _has_values(table: Table, row: int, include_label: bool = False) -> bool:
    """Tell whether a row holds a number (beyond its label; a year does not count): a data row."""
    return any(
        c.row == row and (include_label or c.col != 0) and re.search(r"\d", re.sub(r"\b(19|20)\d\d\b", "", c.text))
        for c in table.cells
    )


def _header_texts(table: Table, header_row: int) -> dict[int, str]:
    if table.header:
        return dict(enumerate(table.header))
    return {c.col: c.text for c in table.cells if c.row == header_row}


def _words_in(page_words: tuple[Word, ...], box: BBox) -> list[Word]:
    return [
        w for w in page_words
        if w.bbox is not None
        and box.x0 <= (w.bbox.x0 + w.bbox.x1) / 2 <= box.x1
        and box.top <= (w.bbox.top + w.bbox.bottom) / 2 <= box.bottom
    ]


def _cell_words(doc: Document, table: Table, cell: Cell) -> tuple[int, list[Word]]:
    """Return the page a cell stands on and its words.

    A table flattened by old OCR spreads its cells over the pages after its header, so the
    page is the one whose words inside the cell's box best spell the cell's text.
    """
    if cell.bbox is None:
        return table.page, []
    tokens = set(cell.text.split())
    best: tuple[tuple[int, int, int], list[Word]] = ((0, 0, -table.page), [])
    for page in doc.pages:
        words = _words_in(page.words, cell.bbox)
        found = sum(w.text in tokens for w in words)
        score = (found, found - len(words), -page.number)
        if score > best[0]:
            best = (score, words)
    return -best[0][2], best[1]


def _evidence(doc: Document, table: Table, cell: Cell, threshold: float) -> Evidence:
    page_number, words = _cell_words(doc, table, cell)
    confidence = min((w.confidence for w in words), default=1.0)
    return Evidence(
        doc_id=doc.doc_id,
        page=page_number,
        bbox=cell.bbox,
        line=words[0].line if words else None,
        text_as_scanned=" ".join(w.scanned for w in words) if words else cell.text,
        text_repaired=" ".join(w.text for w in words) if words else cell.text,
        confidence=confidence,
        repaired=any(w.repair is not None for w in words),
        low_confidence=confidence < threshold,
    )


def _section_of(doc: Document, page: int, line: int | None) -> str | None:
    if line is None:
        return None
    found = None
    for section in doc.sections:
        if (section.page_start, section.line_start) <= (page, line) <= (section.page_end, section.line_end):
            found = section.name
    return found


PROGRAMME_MATCH = 85
"""rapidfuzz ratio (folded text) at which a name cell part is a known programme; a part that
starts with a known programme's name ("Bromodellen — Vägen till …") is that programme."""


def _label_facts(cell: Cell, evidence: Evidence, attrs: dict[str, str], section: str | None,
                 rules: FactsRules, resolve_party) -> list[Fact]:
    """Name a row's party and programme from its label cell ("Bromodellen / Erikshjälpen och Bilda").

    A label cell of an overview table stacks the programme over the organisation. A part
    that is a known programme, or that stands beside a part naming a party, is the
    programme; the other parts are parties (resolved to this paper's full names when it
    names them, else kept as written for the batch stage's entity resolution).
    """
    parts = [" ".join(p.split()).strip(" .,:") for p in cell.text.split(" / ")]
    parts = [p for p in parts if p]
    known = {fold(k): k for k in rules.known_programmes}
    resolved = [resolve_party(p) for p in parts]
    programmes = []
    for part in parts:
        folded = fold(part)
        best = max(known, key=lambda k: (folded.startswith(k + " "), fuzz.ratio(folded, k)), default=None)
        hit = best is not None and (folded.startswith(best + " ") or fuzz.ratio(folded, best) >= PROGRAMME_MATCH)
        programmes.append(known[best] if hit else None)
    if not any(programmes) and any(resolved) and not all(resolved):
        programmes = [None if party else part for part, party in zip(parts, resolved)]
    facts: list[Fact] = []
    for part, party, programme in zip(parts, resolved, programmes):
        if programme:
            facts.append(Fact(kind="programme", text=part, value=programme, section=section, attrs=dict(attrs),
                              evidence=evidence))
        else:
            name, municipal = party if party else (part, False)
            facts.append(Fact(kind="party", text=part, value=name, section=section,
                              attrs=attrs | {"municipal": str(municipal).lower()}, evidence=evidence))
    return facts


def table_facts(doc: Document, rules: FactsRules, resolve_party) -> list[Fact]:
    """Turn each amount / percentage / count cell of `doc.tables` into a Fact with attrs table, row, col.

    Args:
        doc: the document with `tables` filled.
        rules: fact rules (header cues, units, total-row cues).
        resolve_party: callable from a row label to `(party name, municipal)` or None.
    """
    facts: list[Fact] = []
    for index, table in enumerate(doc.tables):
        header_row = 0 if not table.header and not _has_values(table, 0, include_label=True) else -1
        headers = {col: read_header(text, rules) for col, text in _header_texts(table, header_row).items()}
        labels = {c.row: c.text for c in table.cells if c.col == 0}
        for cell in table.cells:
            if cell.row == header_row or not cell.text.strip():
                continue
            if cell.col == 0 and table.header and table.header[0].strip() and _has_values(table, cell.row):
                evidence = _evidence(doc, table, cell, rules.low_confidence_below)
                attrs = {"table": str(index), "row": str(cell.row), "col": "0"}
                facts.extend(_label_facts(cell, evidence, attrs, _section_of(doc, evidence.page, evidence.line),
                                          rules, resolve_party))
                continue
            info = headers.get(cell.col, HeaderInfo(None, None, None, None, None, None))
            label = labels.get(cell.row, "")
            party = resolve_party(label) if cell.col != 0 else None
            attrs = {"table": str(index), "row": str(cell.row), "col": str(cell.col)}
            if label and cell.col != 0:
                attrs["row_label"] = label
            party_attrs = {"party": party[0]} if party else {}
            if info.year:
                attrs["year"] = str(info.year)
            evidence = _evidence(doc, table, cell, rules.low_confidence_below)
            section = _section_of(doc, evidence.page, evidence.line)
            if info.participants:
                m = re.search(r"(?<![\d,])(\d{1,5})\s*(st\b|deltagare|personer|platser)?", cell.text)
                if m:
                    facts.append(Fact(kind="participants", text=cell.text, value=int(m.group(1)),
                                      role=info.participants, section=section, attrs=attrs | party_attrs,
                                      evidence=evidence))
                continue
            for p in find_percentages(cell.text, rules):
                facts.append(Fact(kind="percentage", text=cell.text, value=p.value, unit="%", section=section,
                                  attrs=attrs | party_attrs, evidence=evidence))
            amounts = find_amounts(cell.text, rules)
            bare_number = re.fullmatch(r"\s*[-−]?\d[\d \u00a0\u202f]*\s*", cell.text)
            if not amounts and (info.role or info.multiplier) and bare_number:
                amounts = find_amounts(cell.text.strip() + " kr", rules)
            for a in amounts[:1]:
                value = a.value * info.multiplier if a.unit is None and info.multiplier else a.value
                role = info.role
                if any_cue(rules.total_row_cues, fold(label.strip())):
                    role = "total_value"
                elif role is None and party:
                    role = "municipal_share" if party[1] else "partner_share"
                role = role or "cost_item"
                extra = dict(attrs)
                if role == "municipal_share":
                    extra["payer"] = info.payer or (party[0] if party and party[1] else "")
                    split = re.search(r"varav (halften|\d+ ?%) finansieras av (\w+)", fold(cell.text))
                    if split:
                        extra["payer_split"] = f"{split.group(1)}:{body_name(split.group(2), rules)}"
                    if party and not party[1]:
                        extra["party"] = party[0]
                elif party:  # a party's row: its total value or its share
                    extra["party"] = party[0]
                extra = {k: v for k, v in extra.items() if v}
                facts.append(Fact(kind="amount", text=cell.text, value=value, unit="SEK", period=info.period,
                                  role=role, section=section, attrs=extra, evidence=evidence))
    return facts
