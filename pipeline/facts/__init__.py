"""Fact extraction: amounts, percentages, dates, identifiers, counts, parties, programmes, committee.

`extract_facts` runs after `segment` (facts carry their section) and after table recovery
(table cells become facts with roles from their headers). Values are found by regular
expressions over the document's words as one text (`text.TextStream`), with patterns and
cue phrases from rules/facts.yaml; every fact carries the Evidence of the words it came from.
The words are the tokens: matching them directly (rather than re-tokenizing with spaCy) keeps
each character's way back to its Word, box and scanned form exact.
"""

from __future__ import annotations

import bisect
import logging
import re
from collections.abc import Callable

from pipeline.facts.amounts import (
    PeriodCues,
    find_amounts,
    find_percentages,
    period_after,
    period_within,
    priced_per_unit,
    printed_number,
    role_from_cues,
)
from pipeline.facts.dates import DayMonth, find_dates, find_day_months, with_year
from pipeline.facts.entities import (
    Mention,
    canonical_names,
    find_bodies,
    find_participants,
    find_parties,
    find_programmes,
    short_mentions,
)
from pipeline.facts.ids import find_ids
from pipeline.facts.table_facts import body_name, rows_from_text, table_facts, units_from_text
from pipeline.facts.text import TextStream, any_cue, cue_regex, fold
from pipeline.model import BBox, Document, Fact
from pipeline.rules import FactsRules, Rules

log = logging.getLogger(__name__)

_PAYER_SPLIT = re.compile(r"varav (halften|\d+ ?%) (?:finansieras|betalas|bekostas) av (\w+)")
_BODY_SHARE = re.compile(r"^\W*(kostnad|del|andel|bidrag|finansiering)")
_CONTRIBUTES = re.compile(r"(bidrar|star for|svarar for|finansierar|betalar|skjuter till)")


class _Context:
    """What the finders share for one document: the text, its names and its sections."""

    def __init__(self, doc: Document, rules: FactsRules):
        self.doc = doc
        self.rules = rules
        self.stream = TextStream(doc, rules.ocr_digit_letters)
        self.skip = [
            (s, e) for s, e, _, _ in self.stream.line_spans
            if re.search(rules.filename_line, self.stream.text[s:e], re.IGNORECASE)
        ]
        self._skip_starts = [s for s, _ in self.skip]
        found = [m for m in find_parties(self.stream, rules) if not self.skipped(m.start)]
        names = canonical_names(found)
        self.parties = [Mention(m.start, m.end, names[fold(m.name)], m.municipal, m.kind) for m in found]
        self.index = {fold(m.name): (m.name, m.municipal) for m in self.parties}
        self.municipality = next((m.name for m in self.parties if m.kind == "municipality"), None)
        shorts = short_mentions(self.stream, self.index, self.municipality, rules)
        covered = _covered_by(self.parties)
        self.mentions = sorted(self.parties + [s for s in shorts if not covered(s.start)], key=lambda m: m.start)
        self.bodies = find_bodies(self.stream, rules)
        self.periods = PeriodCues(self.stream.flat, rules)
        self.municipal_mentions = [m for m in self.mentions if m.municipal]
        self.holders = [m for m in self.mentions if m.kind not in ("committee", "municipal_unit")]
        """Mentions that can hold an organisation number: a nämnd or förvaltning acts for its
        municipality ("Linköpings kommun genom arbetsmarknadsnämnden, org. nr: 212000-0449")."""

    def skipped(self, pos: int) -> bool:
        """Tell whether `pos` stands on a file-name line (skip spans are disjoint lines, in order)."""
        i = bisect.bisect_right(self._skip_starts, pos) - 1
        return i >= 0 and pos < self.skip[i][1]

    def fact(self, kind: str, start: int, end: int, value, *, numeric: bool = False, **fields) -> Fact:
        attrs = dict(fields.pop("attrs", {}) or {})
        if numeric and self.stream.digits_suspect(start, end, self.rules.low_confidence_below):
            attrs["digits_suspect"] = "true"
        return Fact(
            kind=kind,
            text=" ".join(self.stream.text[start:end].split()),
            value=value,
            section=self.stream.section_at(start),
            attrs=attrs,
            evidence=self.stream.evidence(start, end, self.rules.low_confidence_below),
            **fields,
        )

    @staticmethod
    def nearest(mentions: list[Mention], lo: int, hi: int) -> Mention | None:
        """Return the last mention lying wholly within `[lo, hi)` (mentions sorted by start)."""
        i = bisect.bisect_left(mentions, hi, key=lambda m: m.start)
        while i > 0 and mentions[i - 1].start >= lo:
            i -= 1
            if mentions[i].end <= hi:
                return mentions[i]
        return None

    def resolve(self, label: str) -> tuple[str, bool] | None:
        """Resolve a table row label to a party of this document."""
        f = fold(label.strip())
        if not f:
            return None
        for key, value in self.index.items():
            if f == key or key.startswith(f) or f.startswith(key):
                return value
        for key, value in self.index.items():
            if any(part.startswith(f.rstrip("s")) for part in key.split() if len(part) >= 4):
                return value
        return None


def _covered_by(mentions: list[Mention]) -> Callable[[int], bool]:
    """Return a test of whether an offset lies inside any of `mentions` (their spans merged once)."""
    merged: list[list[int]] = []
    for m in sorted(mentions, key=lambda m: m.start):
        if merged and m.start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], m.end)
        else:
            merged.append([m.start, m.end])
    starts = [start for start, _ in merged]

    def covered(pos: int) -> bool:
        i = bisect.bisect_right(starts, pos) - 1
        return i >= 0 and pos < merged[i][1]

    return covered


def _without(folded: str, start: int, end: int, spans: list[tuple[int, int]]) -> str:
    """`folded[start:end]` with the characters of `spans` blanked out (offsets kept)."""
    text = list(folded[start:end])
    for lo, hi in spans:
        for k in range(max(lo, start), min(hi, end)):
            text[k - start] = " "
    return "".join(text)


SHARE_ROLES = ("municipal_share", "partner_share")


def statement_key(f: Fact) -> str:
    """Name a statement for the facts that refer to it (`part_of`, `total_of`): its page, line and text."""
    return f"{f.evidence.page}:{f.evidence.line}:{f.text}"


def _restated_share(shares: list[tuple[int, Fact]], folded: str, sentence_start: int, at: int,
                    marks: list[tuple[int, int]], rules: FactsRules) -> Fact | None:
    """The share amount a percentage restates: the last figure before it in its sentence, a party's
    share, with only a restating phrase between them ("… per år, vilket motsvarar", "det vill säga"),
    or the percentage in brackets right after it ("360 000 kronor (60 procent)")."""
    before = [(end, f) for end, f in shares if sentence_start <= end <= at]
    if not before:
        return None
    end, fact = before[-1]
    if any(end <= start < at for start, _ in marks):
        return None  # another figure stands between them
    between = folded[end:at]
    restating = rf"\W*(?:\w+\W+){{0,3}}?(?:{'|'.join(rules.share_restated_by)})\W*"
    return fact if re.fullmatch(restating, between) or re.fullmatch(r"\s*\(\s*", between) else None


_CLAUSE_END = re.compile(r"[,;]| och | samt ")
PER_PERIODS = {"per_year": 12, "per_calendar_year": 12, "per_half_year": 6, "per_month": 1}
"""The rates an amount may be stated at, in months: what a total over a period is counted in."""


def _amount_and_percent_facts(ctx: _Context) -> list[Fact]:
    rules, stream = ctx.rules, ctx.stream
    folded = stream.flat
    amounts = [a for a in find_amounts(stream.digits, rules) if not ctx.skipped(a.start)]
    percents = [p for p in find_percentages(stream.digits, rules) if not ctx.skipped(p.start)]
    marks = sorted([(a.start, a.end) for a in amounts] + [(p.start, p.end) for p in percents])
    facts: list[Fact] = []
    claimed: list[tuple[int, int]] = []  # spans of period cues that name what the amount before them is
    shares: list[tuple[int, Fact]] = []  # (end, fact) of each amount read as a party's share
    previous: tuple[int, Fact] | None = None  # where the last amount ends, and its fact
    for a in amounts:
        s, e = stream.sentence(a.start)
        line_start, line_end, _, _ = stream.line(a.start)
        lo = max([s] + [end for _, end in marks if end <= a.start])
        hi = min([e] + [start for start, _ in marks if start >= a.end])
        before, after = folded[lo : a.start], folded[a.end : hi]
        rest_of_line = folded[a.end : line_end]
        is_row = (
            len(folded[line_start:line_end].split()) <= 14
            and re.fullmatch(r"[\s\d,%]*", rest_of_line) is not None
            and s >= line_start
        )
        # up to the next figure, the words after a comma or "och" are that figure's: "aktiviteter 50 000
        # kronor, totalt 400 000 kronor" (the "totalt" is not this amount's)
        own_after = after if hi == e else _CLAUSE_END.split(after, 1)[0]
        role = role_from_cues(before, own_after, rules, lead=folded[s:lo])
        body = ctx.nearest(ctx.bodies, lo, a.start)
        if role in (None, "cost_item") and body and _BODY_SHARE.search(folded[body.end : a.start]):
            role = "municipal_share"  # "AN:s kostnad är …", "nämndens bidrag …"
        party = ctx.nearest(ctx.mentions, max(s, line_start), a.start)
        co_financier = None  # a region or agency beside the municipality that finances a part of its own
        if role is None and party and (is_row or _CONTRIBUTES.search(folded[s : a.start])):
            if party.kind == "public_body" and party.name != ctx.municipality:
                role, co_financier = "other", party.name
            else:
                role = "municipal_share" if party.municipal else "partner_share"
        one_on_line = sum(line_start <= start < line_end for start, _ in marks) == 1
        if role is None and is_row and one_on_line:
            role = "cost_item"  # "Lokalhyra  120 000 kr"; a line of several figures is a table row read as text
        role = role or "other"
        after_cue = period_after(folded[a.end : a.end + 30], rules)
        per_unit = after_cue is None and priced_per_unit(folded[a.end : a.end + 30], rules)
        if after_cue:
            period = after_cue[0]
            if folded[a.end : a.end + after_cue[1]].split()[0] == "i":
                claimed.append((a.end, a.end + after_cue[1]))  # "340 000 kronor i engångsdrift": what it is
        elif per_unit:  # "12 500 kr/mån och avgiften 450 kr per deltagare": a price per unit, no period
            period = None
        else:  # a cue naming what an earlier amount is, is not this one's ("… i engångsdrift och 3 347 000
            # kronor i driftskostnad"); a rate carries to an amount whose clause leaves it out ("500 000 kr
            # per år och X med 300 000 kr")
            period = period_within(_without(folded, s, a.start, claimed), rules)
        if period is None and is_row and not per_unit:
            name = stream.section_at(a.start)
            section = next((sec for sec in ctx.doc.sections if sec.name == name), None)
            if section is not None:
                period = ctx.periods.last_within(stream.section_span(section)[0], a.start)
        attrs: dict[str, str] = {}
        if role == "municipal_share":
            payer_body = (
                body
                or ctx.nearest(ctx.bodies, a.end, hi)
                or ctx.nearest(ctx.municipal_mentions, lo, hi)
            )
            payer = payer_body.name if payer_body else (party.name if party and party.municipal else ctx.municipality)
            if payer:
                attrs["payer"] = payer
            if party and not party.municipal and folded[max(s, party.start - 6) : party.start].endswith("till "):
                attrs["payee"] = party.name  # "Kommunens bidrag till Föreningen X är 200 000 kronor": X's
            split = _PAYER_SPLIT.search(folded[a.end : e])
            if split:  # "varav hälften finansieras av BIN": payers share it, the role stays
                who = stream.text[split.start(2) + a.end : split.end(2) + a.end]
                attrs["payer_split"] = f"{split.group(1)}:{body_name(who, rules)}"
        elif role == "partner_share" and party:
            attrs["party"] = party.name
        elif co_financier:
            attrs["party"] = co_financier  # its part counts in the sum of every party's contribution
        if a.unit is None:
            attrs["unit_inferred"] = "true"
        own_before = lo + (len(before) - len(_CLAUSE_END.split(before)[-1]))
        if year := _stated_year(stream.text[own_before : a.start] + " " + stream.text[a.end : a.end + len(own_after)], rules):
            attrs["stated_year"] = year  # "Kommunens bidrag för 2024 var 300 000 kronor": that year's
        if a.value > 0 and any_cue(rules.deficit_cues, before):
            attrs["deficit"] = "true"  # "ett underskott om 3,7 miljoner kronor": a result of -3,7 miljoner
        rate = previous if previous is not None and previous[0] >= s else None
        if ((period == "total" or not after_cue) and rate is not None and rate[1].period in PER_PERIODS
                and any_cue(rules.period_total_cues, folded[rate[0]:a.start])):
            # "400 000 kronor per år, totalt 1 200 000 kronor för hela avtalsperioden": the same money over the
            # period; with nothing after it, the total does not take the rate's "per år" from its sentence
            role, period = rate[1].role, "total"
            attrs["total_of"] = statement_key(rate[1])
        elif (after_cue and rate is not None and _other_rate(period, rate[1].period)
              and any_cue(rules.rate_restated_cues, folded[rate[0]:a.start])):
            # "25 000 kronor per månad, vilket motsvarar 300 000 kronor per år": the same money at another rate
            role = rate[1].role
            attrs["rate_of"] = statement_key(rate[1])
        facts.append(ctx.fact("amount", a.start, a.end, a.value, numeric=True, unit="SEK", period=period,
                              role=role, attrs=attrs))
        previous = (a.end, facts[-1])
        if role in SHARE_ROLES:
            shares.append((a.end, facts[-1]))
    facts = _mark_splits(ctx, amounts, facts)
    for p in percents:
        s, _ = stream.sentence(p.start)
        line_start = stream.line(p.start)[0]
        party = ctx.nearest(ctx.mentions, max(s, line_start), p.start)
        attrs = {"approx": "true"} if p.approx else {}
        if party:
            attrs["party"] = party.name
        row_amount = any(line_start <= a.start < p.start for a in amounts)  # "Bilda  592 200 kr  25%"
        # the cues are folded in the rules; the text between them is matched as it is (re caches the patterns)
        share = (re.search(rf"(?:{'|'.join(rules.share_cues.before)})\W+(?:\w+\W+){{0,3}}$", folded[max(s, line_start) : p.start])
                 or re.match(rf"\W*(?:{'|'.join(rules.share_cues.after)})", folded[p.end : p.end + 40])
                 or (party is not None and row_amount))
        role = "share" if share else None
        if party is None and (restated := _restated_share(shares, folded, s, p.start, marks, rules)) is not None:
            role = restated.role  # "Kommunens del är 360 000 kronor, vilket motsvarar 60 procent": that share
            attrs |= {k: v for k, v in restated.attrs.items() if k in ("party", "payer")}
        facts.append(ctx.fact("percentage", p.start, p.end, p.value, numeric=True, unit="%", role=role, attrs=attrs))
    return facts


def _mark_splits(ctx: _Context, amounts: list, facts: list[Fact]) -> list[Fact]:
    """Mark a total the sentence divides into parts ("20 miljoner som fördelas med tio miljoner till …,
    sex miljoner till … och fyra miljoner till …"), or sums after them ("lokalhyra 180 000 kronor,
    personal 170 000 kronor och aktiviteter 50 000 kronor, totalt 400 000 kronor"): the total gets
    attrs `parts`, each part `part_of` (the total's page:line:text), for the batch stage to add up. A
    part no cue gave a role is a part of the same money: it takes the total's role; every part of a
    total value is a `cost_item`."""
    folded = ctx.stream.flat
    out = list(facts)
    for i, a in enumerate(amounts):
        start, end = ctx.stream.sentence(a.start)
        after = [k for k in range(i + 1, len(amounts)) if amounts[k].start < end]
        if len(after) < 2 or not any_cue(ctx.rules.split_cues, folded[a.end : amounts[after[0]].start]):
            after = _parts_before(ctx, amounts, i, start) or _parts_in_next_sentence(ctx, amounts, i, end)
            if not after:
                continue
        total = out[i]
        key = statement_key(total)
        out[i] = total.model_copy(update={"attrs": total.attrs | {"parts": str(len(after))}})
        for k in after:
            role = out[k].role
            if total.role == "total_value":
                role = "cost_item"  # an item of a total value, whatever its name ("lokalhyra")
            elif role == "other":
                role = total.role
            out[k] = out[k].model_copy(update={"attrs": out[k].attrs | {"part_of": key}, "role": role})
    return out


def _parts_in_next_sentence(ctx: _Context, amounts: list, i: int, sentence_end: int) -> list[int]:
    """The amounts of the next sentence when it opens by pointing back at amount `i`, the last of its
    own sentence (`split_next_sentence_cues`: "Av dessa har …"), at least two; else none."""
    if i + 1 >= len(amounts) or amounts[i + 1].start < sentence_end:
        return []
    start, end = ctx.stream.sentence(amounts[i + 1].start)
    opening = ctx.stream.flat[start : amounts[i + 1].start]
    if start < sentence_end or not any_cue(ctx.rules.split_next_sentence_cues, opening):
        return []
    parts = [k for k in range(i + 1, len(amounts)) if amounts[k].start < end]
    return parts if len(parts) >= 2 else []


def _stated_year(clause: str, rules: FactsRules) -> str | None:
    """The one year `clause` names for its amount (`stated_year_cues`), or None (none, or several)."""
    years = {m.group(1) for cue in rules.stated_year_cues for m in re.finditer(cue, clause, re.IGNORECASE)}
    return years.pop() if len(years) == 1 else None


def _other_rate(period: str | None, of: str | None) -> bool:
    """Whether both are rates (per month, per year …) and of different lengths."""
    months, other = PER_PERIODS.get(period or ""), PER_PERIODS.get(of or "")
    return bool(months and other and months != other)


def _parts_before(ctx: _Context, amounts: list, i: int, sentence_start: int) -> list[int]:
    """The amounts a total after them sums (`sum_after_cues` between the last and the total): the
    sentence's amounts before it from its last colon on, at least two, or none."""
    folded = ctx.stream.flat
    if i < 2 or not any_cue(ctx.rules.sum_after_cues, folded[amounts[i - 1].end : amounts[i].start]):
        return []
    opening = max(sentence_start, folded.rfind(":", sentence_start, amounts[i].start) + 1)
    parts = [k for k in range(i) if amounts[k].start >= opening]
    return parts if len(parts) >= 2 else []


def _date_facts(ctx: _Context, sections_for_document_date: list[str]) -> list[Fact]:
    rules, stream = ctx.rules, ctx.stream
    header_text = " ".join(stream.folded[a:b] for sec in ctx.doc.sections if sec.name in sections_for_document_date
                           for a, b in [stream.section_span(sec)])
    own_date_role = "meeting" if any_cue(rules.meeting_header_cues, header_text) else "document_date"
    # an agreement's own header ("Överenskommelse om …" over its parties), not a tjänsteskrivelse whose
    # title names one: a date under its signatures is the signing
    first = ctx.doc.sections[0] if ctx.doc.sections else None
    head = stream.folded[slice(*stream.section_span(first))] if first is not None and first.name == "header" else ""
    signed = any_cue(rules.agreement_header_cues, head) is not None
    heads = _paper_heads(stream, rules)
    found: list[tuple[int, Fact]] = []  # (offset, fact)
    own_dates: list[tuple[int, str]] = []  # (offset, ISO value) of the paper's own dates
    dated = find_dates(stream.digits, rules)
    range_start = None  # the role of the last range's first date
    for d in dated:
        if ctx.skipped(d.start):
            continue
        head_role = next((r for span, r in heads if d.start in span), None)
        own = (head_role is not None or stream.section_at(d.start) in sections_for_document_date) and _alone_on_line(stream, d.start, d.end)
        role = (head_role or own_date_role) if own else _date_role(ctx, d.start, d.end)
        if role is None and d.range_part is not None:
            role = ("valid_from", "valid_to")[d.range_part]
        if role is None and signed and stream.section_at(d.start) in rules.signature_sections:
            role = "agreement_signed"  # "Norrköping 2024-11-20" under "Underskrifter"
        if d.range_part == 0:
            range_start = role
        elif d.range_part == 1 and range_start in _RANGE_ENDS:  # the cues before a range name its start
            role = _RANGE_ENDS[range_start]
        if own:
            own_dates.append((d.start, d.value))
        found.append((d.start, ctx.fact("date", d.start, d.end, d.value, numeric=True, precision=d.precision,
                                        role=role or "other")))
    for dm in find_day_months(stream.digits, rules, dated):
        year = None if ctx.skipped(dm.start) else _year_of(ctx, dm, own_dates)
        value = with_year(dm, year) if year else None
        if value:
            found.append((dm.start, ctx.fact("date", dm.start, dm.end, value, numeric=True, precision="day",
                                             role=_date_role(ctx, dm.start, dm.end) or "other",
                                             attrs={"year_inferred": "true"})))
    found.sort(key=lambda t: t[0])
    return _without_running_heads([f for _, f in found], ctx.doc)


def _paper_heads(stream: TextStream, rules: FactsRules) -> list[tuple[range, str]]:
    """The heads of the papers after the first in a document (archives bind several into one PDF),
    each with the role its own date takes (meeting or document date, as for the first paper's
    header): on a paper's first page, the lines before its title line, else before the first section
    that starts there. Segmentation reads a bundle as one text, so such a head sits inside the last
    section of the paper before."""
    heads = []
    for paper in stream.doc.papers[1:]:
        lines = [(start, end, line) for start, end, _, line in stream.page_lines(paper.page_start)]
        first_section = min((sec.line_start for sec in stream.doc.sections if sec.page_start == paper.page_start), default=None)
        body = next((start for start, end, _ in lines if stream.text[start:end] == paper.title), None)
        if body is None and first_section is not None:
            body = next((start for start, _, line in lines if line >= first_section), None)
        if body is not None and body > lines[0][0]:
            meeting = any_cue(rules.meeting_header_cues, stream.folded[lines[0][0] : body])
            heads.append((range(lines[0][0], body), "meeting" if meeting else "document_date"))
    return heads


def _alone_on_line(stream: TextStream, start: int, end: int) -> bool:
    """Tell whether a date stands alone on its line (or after "Datum"): a header's own date. Marks that
    are no word ("2025-12-10 | .": a scan's rule remains and specks) do not keep it company."""
    line_start, line_end, _, _ = stream.line(start)
    return _NO_WORD.sub(" ", stream.folded[line_start:start] + " " + stream.folded[end:line_end]).strip() in ("", "datum")


_NO_WORD = re.compile(r"[^\w]+")


_RANGE_ENDS = {"valid_from": "valid_to", "period_start": "period_end"}


def _date_role(ctx: _Context, start: int, end: int) -> str | None:
    """The role the cues before or after a date (or anywhere in its sentence) give it, else its section's."""
    rules, stream = ctx.rules, ctx.stream
    s, e = stream.sentence(start)
    before, after, sentence = stream.flat[s:start], stream.flat[end:end + 40], stream.flat[s:e]
    for rule in rules.date_roles:
        hit = (any(cue_regex(c).search(before) for c in rule.before) or any(cue_regex(c).match(after) for c in rule.after)
               or any(cue_regex(c).search(sentence) for c in rule.sentence))
        if hit and rule.role == "partnership_start" and not any_cue(rules.partnership_words, sentence):
            continue
        if hit:
            return rule.role
    return rules.date_section_roles.get(stream.section_at(start) or "")


_YEAR = re.compile(r"(?<![\d,.])(?:19|20)\d\d(?![\d,])")


def _year_of(ctx: _Context, dm: DayMonth, own_dates: list[tuple[int, str]]) -> int | None:
    """The year a day and month written without one is in: the year its sentence names (the nearest
    before it, else the first after it: "utdelning av medel 2024 per sista ansökningsdatum 30 oktober"),
    else the year of the paper's own date (its meeting or document date) above it."""
    s, e = ctx.stream.sentence(dm.start)
    years = [(m.start() + s, int(m.group())) for m in _YEAR.finditer(ctx.stream.digits[s:e])]
    before = [y for pos, y in years if pos < dm.start]
    after = [y for pos, y in years if pos >= dm.end]
    if before or after:
        return before[-1] if before else after[0]
    above = [value for pos, value in own_dates if pos <= dm.start]
    return int(above[-1][:4]) if above else None


RUNNING_HEAD_LINES = 6
"""A protokoll repeats its head ("KUNGSBACKA KOMMUN … Datum 2025-05-27") in the first lines of every page."""


def _without_running_heads(dates: list[Fact], doc: Document) -> list[Fact]:
    """Drop a date that a later page of the same paper repeats in its head: one meeting, stated once."""
    starts = sorted({p.page_start for p in doc.papers} | {1})
    seen: set[tuple[int, str]] = set()
    out = []
    for f in dates:
        paper = max(s for s in starts if s <= f.evidence.page)
        in_head = (f.evidence.line or 0) <= RUNNING_HEAD_LINES
        if in_head and f.evidence.page > paper and (paper, str(f.value)) in seen:
            continue
        if in_head:
            seen.add((paper, str(f.value)))
        out.append(f)
    return out


def _id_facts(ctx: _Context) -> list[Fact]:
    facts = []
    for i in find_ids(ctx.stream.digits, ctx.rules):
        if ctx.skipped(i.start):
            continue
        attrs: dict[str, str] = {}
        if i.kind in ("org_number", "personal_number"):
            line_start = ctx.stream.line(i.start)[0]
            party = ctx.nearest(ctx.holders, line_start, i.start)
            if party and i.kind == "org_number":
                attrs["party"] = party.name
            if i.kind == "personal_number":
                attrs["flagged"] = "true"
        facts.append(ctx.fact(i.kind, i.start, i.end, i.value, numeric=True, attrs=attrs))
    return facts


def _name_facts(ctx: _Context) -> list[Fact]:
    facts = [
        ctx.fact("party", m.start, m.end, m.name, attrs={"municipal": str(m.municipal).lower(), "party_kind": m.kind})
        for m in ctx.parties
    ]
    exclude = set(ctx.index) | {fold(w) for m in ctx.mentions for w in m.name.split()}
    for m in find_programmes(ctx.stream, ctx.rules, exclude):
        if not ctx.skipped(m.start):
            facts.append(ctx.fact("programme", m.start, m.end, m.name))
    committees = [m for m in ctx.parties if m.kind == "committee" and not any_cue(ctx.rules.committee_not, fold(m.name))]
    named = [(ctx.stream.section_at(b.start), b) for b in ctx.bodies + committees
             if not ctx.skipped(b.start) and re.search(r"(namnden|styrelsen)(\b|$)", fold(b.name))]
    order = {name: i for i, name in enumerate(ctx.rules.committee_sections)}
    ranked = sorted(named, key=lambda sb: (
        not re.search(r"namnd|styrelse", ctx.stream.folded[sb[1].start : sb[1].end]),  # names before abbreviations
        order.get(sb[0] or "", len(order)),
        sb[1].start,
        -(sb[1].end - sb[1].start),  # "Nämnden för Kultur & Fritid", not its first word
    ))
    if ranked:
        body = ranked[0][1]
        facts.append(ctx.fact("committee", body.start, body.end, body.name, attrs={"municipal": "true"}))
    return facts


def _participant_facts(ctx: _Context) -> list[Fact]:
    return [
        ctx.fact("participants", c.start, c.end, c.value, numeric=True, role=c.role,
                 attrs={"approx": "true"} if c.approx else {})
        for c in find_participants(ctx.stream, ctx.rules)
        if not ctx.skipped(c.start)
    ]


def _within(inner: BBox, outer: BBox) -> bool:
    """Tell whether a box lies inside another (a point of slack for rounding)."""
    return (outer.x0 - 1 <= inner.x0 and inner.x1 <= outer.x1 + 1
            and outer.top - 1 <= inner.top and inner.bottom <= outer.bottom + 1)


def _merge_table_duplicates(doc: Document, prose: list[Fact], tabular: list[Fact]) -> tuple[list[Fact], list[Fact]]:
    """Drop prose facts that restate a table cell already turned into a fact (same page, value).

    The cell's fact is kept (its role comes from the table), and takes the period that the
    text around the table gave the prose reading ("Kostnader per kalenderår:") when the
    table itself names none; the table's other amounts then take the same period.
    """
    boxes: dict[int, list] = {}
    for table in doc.tables:
        boxes.setdefault(table.page, []).append(table.bbox)
    unread = [(t.page, t.bbox, () if t.method == "flat-rows" else tuple(c.bbox for c in t.cells if c.bbox is not None))
              for t in doc.tables if t.bbox is not None]
    periods: dict[tuple, str] = {}

    def printed(f: Fact) -> tuple:  # an amount as printed: a unit taken from the text scales its value
        number = printed_number(f.text) if f.kind == "amount" else None
        return (f.kind, f.evidence.page, number[0] if number else f.value)

    table_keys = {printed(f) for f in tabular}
    kept = []
    for f in prose:
        key = printed(f)
        inside = f.evidence.bbox is None or any(
            box is None or (box.x0 <= f.evidence.bbox.x0 and f.evidence.bbox.x1 <= box.x1
                            and box.top <= f.evidence.bbox.top and f.evidence.bbox.bottom <= box.bottom)
            for box in boxes.get(f.evidence.page, [None]))
        if key in table_keys and inside:
            if f.period:
                periods.setdefault(key, f.period)
            continue
        if f.kind == "amount" and f.evidence.bbox is not None and any(
                page == f.evidence.page and _within(f.evidence.bbox, box)
                and not any(_within(f.evidence.bbox, cell) for cell in cells) for page, box, cells in unread):
            continue  # the text reads figures of neighbouring cells as one number ("12 150 250"); the table has the cells
        kept.append(f)
    merged = [
        f.model_copy(update={"period": periods[key]})
        if f.period is None and (key := printed(f)) in periods else f
        for f in tabular
    ]
    # One table states one period: amounts the context gave none take the table's.
    by_table: dict[str, list[str]] = {}
    for f in merged:
        if f.kind == "amount" and f.period:
            by_table.setdefault(f.attrs.get("table", ""), []).append(f.period)
    table_period = {t: max(sorted(set(ps)), key=ps.count) for t, ps in by_table.items()}
    merged = [
        f.model_copy(update={"period": table_period[f.attrs.get("table", "")]})
        if f.kind == "amount" and f.period is None and f.attrs.get("table", "") in table_period else f
        for f in merged
    ]
    return kept, merged


def extract_facts(doc: Document, rules: Rules) -> Document:
    """Fill `doc.facts` with every fact found in the text and the tables, each with Evidence.

    Args:
        doc: a document after repair, segmentation and table recovery.
        rules: validated rules; `rules.facts` holds the patterns and cue phrases.

    Returns:
        A copy of `doc` with `facts` in reading order (tables' facts after the prose).
    """
    ctx = _Context(doc, rules.facts)
    prose = (
        _name_facts(ctx)
        + _amount_and_percent_facts(ctx)
        + _date_facts(ctx, rules.facts.document_date_sections)
        + _id_facts(ctx)
        + _participant_facts(ctx)
    )
    prose = rows_from_text(prose)
    tabular = units_from_text(table_facts(doc, rules.facts, ctx.resolve), prose)
    prose, tabular = _merge_table_duplicates(doc, prose, tabular)
    prose.sort(key=lambda f: (f.evidence.page, f.evidence.line or 0, f.kind))
    log.debug("%s: %d facts (%d from tables)", doc.doc_id[:12], len(prose) + len(tabular), len(tabular))
    return doc.model_copy(update={"facts": tuple(prose + tabular)})
