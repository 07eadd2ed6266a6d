"""Arithmetic the running text states: totals and their parts, outcomes against budgets, shares and changes.

Budget papers say in words what their tables say in columns: "20 miljoner kronor som fördelas med
tio miljoner till …, sex miljoner till … och fyra miljoner till …"; "ett utfall på -10,3 miljoner
kronor, att jämföra med ett budgeterat resultat på -0,7 miljoner kronor. Avvikelsen från budget är
därmed -9,6 miljoner kronor", and the causes of a deviation listed line by line under it. Fee and
partnership papers state changes and shares twice ("höjs från 1 200 kronor till 1 260 kronor, en
ökning med 5 procent"; "vilket motsvarar 1,2 procent av budgeten") and money per year beside its
total over the period. The figures are judged as printed: "9,6 miljoner" may stand for anything
that rounds to it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date, timedelta
from itertools import islice

from pipeline.facts import PER_PERIODS, statement_key
from pipeline.facts.amounts import format_amount, printed_number, rounding_half_step
from pipeline.facts.text import any_cue, fold
from pipeline.model import Discrepancy, Document, Fact
from pipeline.reconcile.findings import fact_value, make_finding, reading_order, signed_value
from pipeline.reconcile.sentences import Line, paper_sentences
from pipeline.records import paper_unit
from pipeline.rules import ProseSumsCheck

_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_CHANGE_TO = re.compile(r" (?:[\w/]+ ){0,3}till ")
"""What stands between the two figures of "från X till Y" in a folded line: "till", perhaps after the
first figure's unit or rate ("från 2 500 kronor per timme till 2 700 kronor per timme")."""
Lines = dict[tuple[int, int], str]
"""(page, line) -> the line's folded text, in reading order."""


def _prose_amounts(doc: Document) -> list[Fact]:
    return [f for f in doc.facts if f.kind == "amount" and "table" not in f.attrs and f.unit == "SEK"
            and isinstance(f.value, int) and not f.attrs.get("unit_inferred") and not f.attrs.get("unit_from_text")]


def _adds_up(parts: list[Fact], total: Fact) -> tuple[int, bool]:
    """The parts' sum, and whether it is the total within the rounding of the printed figures."""
    s = sum(int(f.value) for f in parts)
    return s, abs(s - int(total.value)) <= sum(rounding_half_step(f) for f in parts + [total]) + 1


def _splits(doc: Document, paper: str, amounts: list[Fact], rule: ProseSumsCheck) -> list[Discrepancy]:
    out = []
    totals = {statement_key(f): f for f in amounts if f.attrs.get("parts")}
    for key, total in sorted(totals.items()):
        parts = [f for f in amounts if f.attrs.get("part_of") == key]
        if len(parts) < 2 or len(parts) != int(total.attrs["parts"]):
            continue  # a part was not read as an amount: the sum would guess
        s, ok = _adds_up(parts, total)
        text = (f"The text divides “{total.text}” (p. {total.evidence.page}) into " + " + ".join(f"“{f.text}”" for f in parts)
                + f" = {format_amount(s)}" + (" - they add up." if ok else f": off by {format_amount(s - int(total.value))}."))
        values = [fact_value(f, "part") for f in parts] + [fact_value(total, "total")]
        out.append(make_finding("sum_matches" if ok else "sum_mismatch", "prose_sums", "ok" if ok else rule.severity_split,
                                paper_unit(doc, total.evidence.page, paper), "split", values, text,
                                {"sum": s, "total": int(total.value), "difference": s - int(total.value)}))
    return out


def _deviations(doc: Document, paper: str, amounts: list[Fact], rule: ProseSumsCheck) -> list[Discrepancy]:
    out = []

    def nearest(d: Fact, roles: list[str]) -> Fact | None:
        near = [f for f in amounts if f.role in roles and f.evidence.page == d.evidence.page
                and abs((f.evidence.line or 0) - (d.evidence.line or 0)) <= rule.deviation_window_lines]
        return min(near, key=lambda f: (abs((f.evidence.line or 0) - (d.evidence.line or 0)), f.evidence.line or 0), default=None)

    for d in (f for f in amounts if f.role == "deviation"):
        outcome, budget = nearest(d, rule.outcome_roles), nearest(d, rule.budget_roles)
        if outcome is None or budget is None:
            continue
        difference = int(outcome.value) - int(budget.value)
        if abs(abs(difference) - abs(int(d.value))) > rounding_half_step(outcome) + rounding_half_step(budget) + rounding_half_step(d) + 1:
            continue  # which three figures belong together is a reading: only an agreement is reported
        text = (f"“{outcome.text}” ({outcome.role}) − “{budget.text}” ({budget.role}) = {format_amount(difference)}; the text states the "
                f"deviation “{d.text}” (p. {d.evidence.page}) - they agree within the rounding of the printed figures.")
        out.append(make_finding("sum_matches", "prose_sums", "ok", paper_unit(doc, d.evidence.page, paper), "deviation",
                                [fact_value(outcome, outcome.role or "outcome"), fact_value(budget, budget.role or "budget"), fact_value(d, "deviation")], text,
                                {"difference": difference, "deviation": int(d.value)}))
    return out


def _causes(doc: Document, paper: str, amounts: list[Fact], lines: Lines, rule: ProseSumsCheck) -> list[Discrepancy]:
    """A deviation and the lines under it that list its causes, one deviation each: do they add up?"""
    at_line: dict[tuple[int, int], list[Fact]] = defaultdict(list)
    for f in amounts:
        at_line[(f.evidence.page, f.evidence.line or 0)].append(f)
    out = []
    for i, ((page, line), text) in enumerate(lines.items()):
        if not any_cue(rule.cause_cues, text):
            continue
        total = max((f for f in amounts if f.role == "deviation" and f.evidence.page == page
                     and 0 <= line - (f.evidence.line or 0) <= rule.deviation_window_lines),
                    key=lambda f: f.evidence.line or 0, default=None)
        parts: list[Fact] = []
        for (p, ln), item in islice(lines.items(), i + 1, None):
            here = at_line.get((p, ln), [])
            if len(here) == 1 and here[0].role == "deviation":
                parts.append(here[0])
            elif here or not item.endswith(":"):
                break  # a line of another figure, or of none that heads a sub-list: the list has ended
        if total is None or len(parts) < 2:
            continue
        s, ok = _adds_up(parts, total)
        hedged = any_cue(rule.hedge_cues, text) is not None
        text_out = (f"The causes listed under “{total.text}” (p. {total.evidence.page}) add up to {format_amount(s)}: "
                    + " + ".join(f"“{f.text}”" for f in parts)
                    + (" - they agree within the rounding of the printed figures." if ok
                       else f"; off by {format_amount(s - int(total.value))}"
                       + (" (the text names only the main causes)." if hedged else ".")))
        out.append(make_finding("sum_matches" if ok else "sum_mismatch", "prose_sums",
                                "ok" if ok or hedged else rule.severity_causes, paper_unit(doc, page, paper), "causes",
                                [fact_value(f, "cause") for f in parts] + [fact_value(total, "deviation")], text_out,
                                {"sum": s, "total": int(total.value), "difference": s - int(total.value)}))
    return out




def _deviation_shares(doc: Document, paper: str, amounts: list[Fact], lines: Lines, rule: ProseSumsCheck) -> list[Discrepancy]:
    """A deviation the text states as a percentage too: which cells of a table near it are its base?

    The tables after it on its page or the next come first (nearest first), then those before it on its
    page; of each, the column of the year the two lines name, else the table's latest year. The first
    table where one or two cells fit the rounding of both printed figures gives the base.
    """
    shares = [f for f in doc.facts if f.kind == "percentage" and "table" not in f.attrs and f.value]
    if not shares:
        return []
    cells: dict[str, list[Fact]] = defaultdict(list)
    for f in doc.facts:
        if f.kind == "amount" and "table" in f.attrs and f.unit == "SEK" and isinstance(f.value, int) and f.value:
            cells[f.attrs["table"]].append(f)
    starts = {t: min(reading_order(c) for c in cs) for t, cs in cells.items()}
    out = []
    for share in shares:
        here = reading_order(share)
        printed = printed_number(share.text)
        if printed is None or not any_cue(rule.share_cues, lines.get(here[:2], "")):
            continue
        before = [f for f in amounts if f.evidence.page == share.evidence.page and reading_order(f) < here
                  and here[1] - (f.evidence.line or 0) <= rule.deviation_window_lines]
        if not before:
            continue
        deviation = max(before, key=reading_order)
        years = set(_YEAR.findall(lines.get(reading_order(deviation)[:2], "") + " " + lines.get(here[:2], "")))
        low, high = (abs(int(deviation.value)) + sign * rounding_half_step(deviation) for sign in (-1, 1))
        half = 10.0 ** -printed[1] / 2
        nearby = sorted((t for t, at in starts.items() if at > here and at[0] - here[0] <= 1), key=starts.__getitem__) + sorted(
            (t for t, at in starts.items() if at < here and at[0] == here[0]), key=starts.__getitem__, reverse=True)
        for table in nearby:
            in_years = years & {c.attrs.get("column_year", "")[:4] for c in cells[table]}
            wanted = in_years or {max((c.attrs.get("column_year", "")[:4] for c in cells[table]), default="")}
            fits = [c for c in cells[table] if c.attrs.get("column_year", "")[:4] in wanted
                    and low / abs(int(c.value)) * 100 <= abs(float(share.value)) + half
                    and high / abs(int(c.value)) * 100 >= abs(float(share.value)) - half]
            if not 1 <= len(fits) <= 2:
                continue  # no base here, or so many that any would be a guess
            bases = " or ".join(f"“{c.text}” ({c.attrs.get('row_label', '')}, {c.attrs.get('column', '')})" for c in fits)
            text = (f"“{deviation.text}” (p. {deviation.evidence.page}) is “{share.text}” of {bases} in a table near it, "
                    "within the rounding of the printed figures.")
            out.append(make_finding("share_matches", "prose_sums", "ok", paper_unit(doc, share.evidence.page, paper),
                                    "deviation_share", [fact_value(deviation, "deviation"), fact_value(share, "percentage")]
                                    + [fact_value(c, "base") for c in fits], text,
                                    {"percentage": float(share.value)} | {f"base_{i + 1}": int(c.value) for i, c in enumerate(fits)}))
            break
    return out


def _base_shares(doc: Document, paper: str, amounts: list[Fact], lines: Lines, written: Lines,
                 rule: ProseSumsCheck) -> list[Discrepancy]:
    """A share of a base amount the text names ("1/30 av basbeloppet", "2,5 % av prisbasbeloppet"):
    when the paper states the base's value on a line that names it ("Prisbasbeloppet för år 2025 är
    fastställt till 58 800 kronor"), its amounts that are that share of it, within their printed
    rounding and to the krona, are the share worked out (`share_matches`). Which amount a rule's
    share stands for is a reading: an amount that does not fit is no finding. `written`: the lines
    as written, quoted in the finding (`lines` are them folded, of the same length)."""
    base_lines = {at for at, text in lines.items() if any_cue(rule.base_words, text)}
    bases = [f for f in amounts if f.value and (f.evidence.page, f.evidence.line or 0) in base_lines]
    if not bases:
        return []
    out = []
    for at, text in lines.items():
        for m in re.finditer(rule.base_share_pattern, text):  # compiled once: re keeps it
            if m["den"]:
                share = int(m["num"]) / int(m["den"]) if int(m["den"]) else 0.0
            else:
                share = float(m["pct"].replace(",", ".")) / 100
            if not 0 < share < 1:
                continue
            for base in bases:
                worked = int(base.value) * share
                fits = [f for f in amounts if f is not base and abs(abs(int(f.value)) - worked) <= rounding_half_step(f) + 0.5]
                if not fits:
                    continue
                text_out = (f"“{written[at][m.start():m.end()]}” (p. {at[0]}) of “{base.text}” (p. {base.evidence.page}) is "
                            f"{format_amount(round(worked))}: " + ", ".join(f"“{f.text}” (p. {f.evidence.page})" for f in fits)
                            + " state it.")
                out.append(make_finding("share_matches", "prose_sums", "ok", paper_unit(doc, at[0], paper), "base_share",
                                        [fact_value(f, "share") for f in fits] + [fact_value(base, "base")], text_out,
                                        {"share": round(share, 6), "base": int(base.value), "worked": round(worked, 2)}))
    return out


Placed = list[tuple[tuple[int, int], int, Fact]]
"""Facts of the running text where they stand: (page, line), offset in the line as written, fact."""


def _located(facts: list[Fact], written: Lines) -> Placed:
    """Facts of the running text with where their words stand, in reading order: (page, line) and
    the offset in the line as written. A fact is found in its line after the previous fact of the
    same text there (a plain-text fact has no box to place it by)."""
    out, taken = [], defaultdict(int)
    for f in facts:
        at = (f.evidence.page, f.evidence.line or 0)
        start = written.get(at, "").find(f.text, taken[(at, f.text)])
        if start >= 0:
            taken[(at, f.text)] = start + len(f.text)
            out.append((at, start, f))
    return sorted(out, key=lambda item: (item[0], item[1]))


def _scaled_rounding(f: Fact) -> float:
    """What a figure's printing may have rounded away, when it is printed in a larger unit or with
    decimals ("12,4 miljoner kronor"); a whole number of kronor ("1 260 kronor") is exact."""
    printed = printed_number(f.text)
    return 0.0 if printed is not None and printed[1] == 0 and printed[0] == f.value else rounding_half_step(f)


def _percent_fits(pct: Fact, worked: list[float], stated: float, rule: ProseSumsCheck) -> bool | None:
    """Whether a stated percentage (`stated`, signed as the text means it) lies within the range the
    printed figures allow (`worked`: the percentage at the ends of their rounding), itself within
    half its last printed digit ("cirka": `tolerance_pp_approx`); None when it prints no number."""
    printed = printed_number(pct.text)
    if printed is None or not worked:
        return None
    half = rule.tolerance_pp_approx if pct.attrs.get("approx") else 10.0 ** -printed[1] / 2
    return min(worked) - half <= stated <= max(worked) + half


def _with_percentages(doc: Document, amounts: list[Fact], lines: Lines,
                      written: Lines) -> tuple[Placed, dict[tuple[int, int], tuple[int, int]]]:
    """The text's amounts and percentages where they stand (`_located`; nothing when the text states no
    percentage), and each line's next line: what a percentage restating a figure is looked for in."""
    percentages = [f for f in doc.facts if f.kind == "percentage" and "table" not in f.attrs and f.value]
    order = list(lines)
    return (_located(amounts + percentages, written) if percentages else []), dict(zip(order, order[1:]))


def _between(lines: Lines, at: tuple[int, int], end: int, at_next: tuple[int, int], start_next: int) -> str:
    """The folded text from offset `end` of line `at` to `start_next` of `at_next` (the same line or the next)."""
    return lines[at][end:start_next] if at_next == at else lines[at][end:] + " " + lines[at_next][:start_next]


def _changes(doc: Document, paper: str, placed: Placed, next_line: dict[tuple[int, int], tuple[int, int]], lines: Lines,
             rule: ProseSumsCheck) -> list[Discrepancy]:
    """A change the text states both as two figures and as a percentage ("höjs från 1 200 kronor
    till 1 260 kronor, en ökning med 5 procent"): (to − from) / from is the percentage within the
    rounding of the three printed figures, in the direction the words name (a "höjning" to a lower
    figure does not match). Only "från X till Y" with the percentage right after it, on its line or
    the next, the words between them naming the change (`change_pattern`)."""
    out = []
    for i, (at, start, old) in enumerate(placed[:-2]):
        at_new, start_new, new = placed[i + 1]
        at_pct, start_pct, pct = placed[i + 2]
        if (old.kind != "amount" or new.kind != "amount" or pct.kind != "percentage" or at_new != at
                or at_pct not in (at, next_line.get(at)) or not lines[at][:start].endswith("fran ")
                or not _CHANGE_TO.fullmatch(lines[at][start + len(old.text):start_new])):
            continue
        end = start_new + len(new.text)
        named = re.fullmatch(rule.change_pattern, _between(lines, at, end, at_pct, start_pct))  # compiled once: re keeps it
        if named is None or not old.value:
            continue  # the percentage is not named as this change
        up = named["up"] is not None
        x, y = int(old.value), int(new.value)
        hx, hy = _scaled_rounding(old), _scaled_rounding(new)
        worked = [(yy - xx) / xx * 100 for xx in (x - hx, x + hx) for yy in (y - hy, y + hy) if xx and xx * x > 0]
        stated = abs(float(pct.value)) * (1 if up else -1)
        ok = _percent_fits(pct, worked, stated, rule)
        if ok is None:
            continue
        actual = (y - x) / x * 100
        text = (f"From “{old.text}” to “{new.text}” (p. {at[0]}) is a change of {actual:+.1f} %; the text states "
                f"“{pct.text}” ({'an increase' if up else 'a decrease'})"
                + (" - they agree within the rounding of the printed figures." if ok else " - they do not agree."))
        out.append(make_finding("share_matches" if ok else "share_mismatch", "prose_sums", "ok" if ok else rule.severity_percentage,
                                paper_unit(doc, at[0], paper), "change",
                                [fact_value(old, "from"), fact_value(new, "to"), fact_value(pct, "percentage")], text,
                                {"from": x, "to": y, "actual_pct": round(actual, 2), "stated_pct": stated,
                                 "approx": bool(pct.attrs.get("approx"))}))
    return out


def _named_shares(doc: Document, paper: str, amounts: list[Fact], placed: Placed,
                  next_line: dict[tuple[int, int], tuple[int, int]], lines: Lines, rule: ProseSumsCheck) -> list[Discrepancy]:
    """A figure restated as a share of a base the text names ("ett underskott på 12,5 miljoner kronor,
    vilket motsvarar 1,2 procent av budgeten"): the base is the paper's one amount of the role the
    name stands for (`named_bases`; none, or several different amounts of it, is no finding), and
    figure ÷ base is the percentage within the rounding of the printed figures ("cirka": one point)."""
    out = []
    for (at, start, figure), (at_pct, start_pct, pct) in zip(placed, placed[1:]):
        if figure.kind != "amount" or pct.kind != "percentage" or at_pct not in (at, next_line.get(at)):
            continue
        end = start + len(figure.text)
        rest = lines[at_pct][start_pct + len(pct.text):]
        named = re.match(rule.named_base_after, rest)
        if not re.fullmatch(rule.named_share_link, _between(lines, at, end, at_pct, start_pct)) or named is None:
            continue
        role = next((r for name, r in rule.named_bases.items() if re.match(name, rest[named.end():])), None)
        bases = {int(f.value): f for f in amounts if f.role == role and f is not figure and f.value}
        if len(bases) != 1:
            continue
        base = next(iter(bases.values()))
        x, b = abs(int(signed_value(figure))), abs(int(base.value))
        hx, hb = _scaled_rounding(figure), _scaled_rounding(base)
        worked = [(xx / bb * 100) for xx in (x - hx, x + hx) for bb in (b - hb, b + hb) if bb > 0]
        stated = abs(float(pct.value))
        ok = _percent_fits(pct, worked, stated, rule)
        if ok is None:
            continue
        actual = x / b * 100
        text = (f"“{figure.text}” (p. {at[0]}) / “{base.text}” ({role}, p. {base.evidence.page}) = {actual:.1f} %; the text "
                f"states “{pct.text}” of it" + (" - they agree within the rounding of the printed figures." if ok else " - they do not agree."))
        out.append(make_finding("share_matches" if ok else "share_mismatch", "prose_sums", "ok" if ok else rule.severity_percentage,
                                paper_unit(doc, at[0], paper), "named_share",
                                [fact_value(figure, "share"), fact_value(pct, "percentage"), fact_value(base, "base")], text,
                                {"actual_pct": round(actual, 2), "stated_pct": stated, "approx": bool(pct.attrs.get("approx")),
                                 "base_role": role or ""}))
    return out


def _months(start: str, end: str) -> int | None:
    """Whole months from the day `start` to the day `end` inclusive ("2025-01-01".."2027-12-31": 36), or None."""
    try:
        a, b = date.fromisoformat(start), date.fromisoformat(end) + timedelta(days=1)
    except ValueError:
        return None
    months = (b.year - a.year) * 12 + b.month - a.month
    return months if b.day == a.day and months > 0 else None


def _rate_worked(rate: Fact, stated: Fact, factor: float) -> tuple[int, bool]:
    """The rate times `factor`, and whether `stated` is it within the rounding of both printed figures."""
    worked = round(int(rate.value) * factor)
    return worked, abs(worked - int(stated.value)) <= _scaled_rounding(rate) * factor + _scaled_rounding(stated) + 1


def _period_totals(doc: Document, paper: str, amounts: list[Fact], by_key: dict[str, Fact],
                   rule: ProseSumsCheck) -> list[Discrepancy]:
    """An amount at a rate and the same money over the whole period ("400 000 kronor per år, totalt
    1 200 000 kronor för hela avtalsperioden"; the facts stage marks the total `total_of`): the rate
    times the paper's validity period (its first valid_from and valid_to, whole months) is the total,
    within the rounding of the printed figures. No stated period, or one the rate does not divide,
    is no finding."""
    period: dict[str, Fact] = {}
    for f in doc.facts:
        if f.kind == "date" and f.role in ("valid_from", "valid_to"):
            period.setdefault(f.role, f)
    if len(period) < 2:
        return []
    start, end = str(period["valid_from"].value), str(period["valid_to"].value)
    months = _months(start, end)
    if months is None:
        return []
    out = []
    for total in (f for f in amounts if f.attrs.get("total_of") in by_key):
        rate = by_key[total.attrs["total_of"]]
        per = PER_PERIODS.get(rate.period or "")
        if per is None or months % per:
            continue
        times = months // per
        worked, ok = _rate_worked(rate, total, times)
        text = (f"“{rate.text}” (p. {rate.evidence.page}) × {times} over {start}..{end} = "
                f"{format_amount(worked)}; the text states “{total.text}” (p. {total.evidence.page}) for the period"
                + (" - they agree." if ok else f": off by {format_amount(int(total.value) - worked)}."))
        values = [fact_value(rate, "rate"), fact_value(total, "total"),
                  fact_value(period["valid_from"], "valid_from"), fact_value(period["valid_to"], "valid_to")]
        out.append(make_finding("sum_matches" if ok else "sum_mismatch", "prose_sums", "ok" if ok else rule.severity_split,
                                paper_unit(doc, total.evidence.page, paper), "period_total", values, text,
                                {"times": times, "worked": worked, "total": int(total.value), "difference": int(total.value) - worked}))
    return out


def _restated_rates(doc: Document, paper: str, amounts: list[Fact], by_key: dict[str, Fact],
                    rule: ProseSumsCheck) -> list[Discrepancy]:
    """A rate restated per another period ("25 000 kronor per månad, vilket motsvarar 300 000 kronor per
    år"; the facts stage marks the second `rate_of`): the first times the ratio of the two periods is
    the second, within the rounding of the printed figures."""
    out = []
    for restated in (f for f in amounts if f.attrs.get("rate_of") in by_key):
        rate = by_key[restated.attrs["rate_of"]]
        months, rate_months = PER_PERIODS[restated.period or ""], PER_PERIODS[rate.period or ""]
        worked, ok = _rate_worked(rate, restated, months / rate_months)
        text = (f"“{rate.text}” (p. {rate.evidence.page}) is {format_amount(worked)} {(restated.period or '').replace('_', ' ')}; "
                f"the text states “{restated.text}” (p. {restated.evidence.page})"
                + (" - they agree." if ok else f": off by {format_amount(int(restated.value) - worked)}."))
        out.append(make_finding("sum_matches" if ok else "sum_mismatch", "prose_sums", "ok" if ok else rule.severity_split,
                                paper_unit(doc, restated.evidence.page, paper), "rate_restated",
                                [fact_value(rate, "rate"), fact_value(restated, "restated")], text,
                                {"months": months, "rate_months": rate_months, "worked": worked,
                                 "stated": int(restated.value), "difference": int(restated.value) - worked}))
    return out


def _within_funds(doc: Document, paper: str, amounts: list[Fact], lines: Lines, rule: ProseSumsCheck) -> list[Discrepancy]:
    """What each paper of `doc` pays out of a fund against the one amount the fund has to give (see
    `rules/checks.yaml: prose_sums`): within it an agreement, above it a conflict."""
    out = []
    for unit, facts in _by_paper(doc, paper, amounts).items():
        available = [f for f in facts if int(f.value) > 0 and any(
            any_cue(rule.available_cues, lines.get((f.evidence.page, (f.evidence.line or 0) - k), "")) for k in (0, 1))]
        paid = [f for f in facts if f.role in rule.payout_roles and int(f.value) > 0 and not f.period and f not in available]
        if len(available) != 1 or not paid:
            continue
        fund, total = available[0], sum(int(f.value) for f in paid)
        within = total <= int(fund.value)
        text = (" + ".join(f"“{f.text}”" for f in paid) + f" paid out (p. {paid[0].evidence.page}) "
                + ("is within" if within else "exceeds") + f" the “{fund.text}” available (p. {fund.evidence.page}).")
        out.append(make_finding("agreement" if within else "conflict", "prose_sums", "ok" if within else rule.severity_over_funds,
                                unit, "within_funds", [fact_value(f, "paid out") for f in paid] + [fact_value(fund, "available")],
                                text, {"paid": total, "available": int(fund.value)}))
    return out


def _fund_balances(doc: Document, paper: str, amounts: list[Fact], every_line: list[Line],
                   rule: ProseSumsCheck) -> list[Discrepancy]:
    """A fund's balance carried forward in words ("VA fonden uppgår i bokslutet 2023 till 11,1 miljoner
    kronor … fonden … justerats ner till 0,8 miljoner kronor efter bokslutet 2024"): the balance before,
    and the amount the paper states elsewhere that takes it to the balance after (the year's result,
    -10,3 miljoner kronor), add up (`sum_matches`). Which amount moved the fund is found by its value, so
    a balance no stated amount explains says nothing."""
    lines_of: dict[str, list[Line]] = defaultdict(list)
    for line in every_line:
        lines_of[paper_unit(doc, line[0], paper)].append(line)
    out = []
    for unit, facts in _by_paper(doc, paper, amounts).items():
        balances: list[tuple[Fact, bool]] = []  # (amount, whether it is a balance after)
        for said in paper_sentences(doc, lines_of[unit]):
            folded = fold(said.text)
            if not any_cue(rule.fund_words, folded):
                continue
            where = {(p, ln) for _, (p, ln, _) in said.starts}
            after_cue = any_cue(rule.fund_after_cues, folded)
            for f in facts:
                at = said.text.find(f.text) if (f.evidence.page, f.evidence.line) in where else -1
                if at < 0:
                    continue
                before = folded[max(0, at - 60):at]
                if any_cue(rule.fund_closing_cues, before) or (after_cue and any_cue(rule.fund_opening_cues, before)):
                    balances.append((f, True))
                elif any_cue(rule.fund_opening_cues, before):
                    balances.append((f, False))
        for (opening, is_after), (closing, then_after) in zip(balances, balances[1:]):
            if is_after or not then_after:
                continue
            moved = int(closing.value) - int(opening.value)
            change = next((f for f in sorted(facts, key=reading_order) if f not in (opening, closing)
                           and abs(int(signed_value(f)) - moved) <= rounding_half_step(opening) + rounding_half_step(closing)
                           + rounding_half_step(f) + 1), None)
            if change is None:
                continue
            text = (f"The fund's balance “{opening.text}” (p. {opening.evidence.page}) and “{change.text}” "
                    f"(p. {change.evidence.page}) make its balance after “{closing.text}” (p. {closing.evidence.page}).")
            values = [fact_value(opening, "balance before"), fact_value(change, "change"), fact_value(closing, "balance after")]
            out.append(make_finding("sum_matches", "prose_sums", "ok", unit, "fund_balance", values, text,
                                    {"sum": int(opening.value) + int(signed_value(change)), "total": int(closing.value),
                                     "difference": int(opening.value) + int(signed_value(change)) - int(closing.value)}))
    return out


def _by_paper(doc: Document, paper: str, amounts: list[Fact]) -> dict[str, list[Fact]]:
    """The amounts of each paper of `doc` (a PDF may bind several)."""
    out: dict[str, list[Fact]] = defaultdict(list)
    for f in amounts:
        out[paper_unit(doc, f.evidence.page, paper)].append(f)
    return out


def check_prose_sums(docs: list[Document], paper_of: dict[str, str], rule: ProseSumsCheck) -> list[Discrepancy]:
    """Check the totals the text divides, the deviations, shares and changes it states, in the primary documents."""
    findings: list[Discrepancy] = []
    for doc in sorted(docs, key=lambda d: d.doc_id):
        paper = paper_of.get(doc.doc_id, doc.doc_id)
        amounts = _prose_amounts(doc)
        every_line = doc.lines()
        written = {(page, line): " ".join(w.text for w in words).strip() for page, line, words in every_line}
        lines = {at: fold(text) for at, text in written.items()}
        placed, next_line = _with_percentages(doc, amounts, lines, written)
        by_key = {statement_key(f): f for f in amounts}
        findings += (_splits(doc, paper, amounts, rule) + _deviations(doc, paper, amounts, rule)
                     + _causes(doc, paper, amounts, lines, rule) + _deviation_shares(doc, paper, amounts, lines, rule)
                     + _base_shares(doc, paper, amounts, lines, written, rule)
                     + _changes(doc, paper, placed, next_line, lines, rule)
                     + _period_totals(doc, paper, amounts, by_key, rule) + _restated_rates(doc, paper, amounts, by_key, rule)
                     + _named_shares(doc, paper, amounts, placed, next_line, lines, rule)
                     + _within_funds(doc, paper, amounts, lines, rule) + _fund_balances(doc, paper, amounts, every_line, rule))
    return findings
