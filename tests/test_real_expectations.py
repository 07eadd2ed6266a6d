"""The hand-written expectations of the real papers (corpus/real/expected/), their split, and rules/.

Checks that every expectations file follows corpus/real/expected/FORMAT.md and quotes its paper
verbatim, that corpus/real/split.json is what corpus/real/make_split.py's rule gives, and that
rules/ names none of the partner organisations or programmes of the seeds and real papers
(rules hold genre knowledge; a name taken from a paper would be tuning on the test). No OCR.
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.expectations import FACTS
from tests.realdev import REALDEV, ROOT, needs_realdev

REAL = ROOT / "corpus" / "real"
EXPECTED_FILES = sorted((REAL / "expected").glob("*.yaml"))
SPLIT = json.loads((REAL / "split.json").read_text(encoding="utf-8"))

# FORMAT.md: the fields of each item, and the values a field may take.
FIELDS = {
    "top": {"paper", "part", "written_by", "papers", "parties", "amounts", "dates", "tables", "findings"},
    "papers": {"id", "title", "kind", "committee", "meeting_date", "dnr", "cite"},
    "parties": {"name", "kind", "aliases", "cite"},
    "amounts": {"printed", "value", "unit", "sek", "role", "period", "payer", "payee", "for_period", "table", "cite"},
    "dates": {"value", "printed", "role", "cite"},
    "tables": {"id", "caption", "unit", "cite", "columns", "total_rows", "sums"},
    "findings": {"kind", "severity", "about", "other_paper", "values", "cite"},
}
PAPER_KINDS = {"protokoll", "tjansteskrivelse", "bilaga", "arsredovisning", "other"}
PARTY_KINDS = {"municipality", "committee", "municipal_unit", "association", "foundation", "parish", "company",
               "public_body"}
MULTIPLIER = {"kr": 1, "tkr": 1_000, "mnkr": 1_000_000, "mdkr": 1_000_000_000}
AMOUNT_UNITS = set(MULTIPLIER) | {"unknown"}
TABLE_UNITS = {"kr", "tkr", "mnkr", "unknown"}
PERIODS = {"per_year", "per_half_year", "per_month", "total", None}
AMOUNT_ROLES = {"total_value", "municipal_share", "partner_share", "grant", "fee", "budget", "outcome",
                "deviation", "forecast", "balance", "threshold", "cost_item", "other"}
DATE_ROLES = {"meeting", "document_date", "decision_ref", "valid_from", "valid_to", "deadline", "signed",
              "period_start", "period_end", "other"}
COLUMN_KINDS = {"bokslut", "utfall", "budget", "prognos", "avvikelse", "sokt", "beviljat", "forslag",
                "ombudgetering", "belopp", "andel", "antal", "other"}
FINDING_KINDS = {"agreement", "conflict", "changed_between_periods", "sum_matches", "sum_mismatch",
                 "share_matches", "share_mismatch"}
SEVERITIES = {"ok", "warning", "error"}
SECTIONS = ("papers", "parties", "amounts", "dates", "tables", "findings")
ISO_DATE = re.compile(r"\d{4}-\d{2}(-\d{2})?")


def load(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def format_problems(exp: dict[str, Any]) -> list[str]:
    """Every way an expectations file departs from FORMAT.md (missing fields, unlisted values)."""
    problems = [f"missing top-level field {f}" for f in sorted(FIELDS["top"] - set(exp))]

    def check(section: str, i: int, item: dict, name: str, allowed: set) -> None:
        if item.get(name) not in allowed:
            problems.append(f"{section}[{i}].{name} = {item.get(name)!r} is not one of {sorted(map(str, allowed))}")

    for section in SECTIONS:
        for i, item in enumerate(exp.get(section) or []):
            problems += [f"{section}[{i}] lacks {f}" for f in sorted(FIELDS[section] - set(item))]
            if not {"line", "text"} <= set(item.get("cite") or {}):
                problems.append(f"{section}[{i}].cite needs line and text")
    for i, p in enumerate(exp.get("papers") or []):
        check("papers", i, p, "kind", PAPER_KINDS)
    for i, p in enumerate(exp.get("parties") or []):
        check("parties", i, p, "kind", PARTY_KINDS)
    for i, a in enumerate(exp.get("amounts") or []):
        check("amounts", i, a, "unit", AMOUNT_UNITS)
        check("amounts", i, a, "role", AMOUNT_ROLES)
        check("amounts", i, a, "period", PERIODS)
        if a.get("table") is not None and not {"table", "row", "column"} <= set(a["table"]):
            problems.append(f"amounts[{i}].table needs table, row and column")
    for i, d in enumerate(exp.get("dates") or []):
        check("dates", i, d, "role", DATE_ROLES)
        if not ISO_DATE.fullmatch(str(d.get("value"))):
            problems.append(f"dates[{i}].value {d.get('value')!r} is not YYYY-MM-DD or YYYY-MM")
    for i, t in enumerate(exp.get("tables") or []):
        check("tables", i, t, "unit", TABLE_UNITS)
        for j, column in enumerate(t.get("columns") or []):
            check(f"tables[{i}].columns", j, column, "kind", COLUMN_KINDS)
    for i, f in enumerate(exp.get("findings") or []):
        check("findings", i, f, "kind", FINDING_KINDS)
        check("findings", i, f, "severity", SEVERITIES)
    return problems


def cites(exp: dict[str, Any]) -> list[tuple[str, dict]]:
    """Every `cite` of a file, with where it stands."""
    return [(f"{section}[{i}]", item["cite"]) for section in SECTIONS
            for i, item in enumerate(exp.get(section) or []) if isinstance(item.get("cite"), dict)]


def test_there_are_expectations():
    assert EXPECTED_FILES, "corpus/real/expected/ holds no expectations"


@pytest.mark.parametrize("path", EXPECTED_FILES, ids=lambda p: p.stem[:2])
def test_expectations_follow_the_format(path: Path):
    exp = load(path)
    assert isinstance(exp, dict), f"{path.name} is not a mapping"
    problems = format_problems(exp)
    assert exp.get("paper") == f"{path.stem}.md", f"{path.name} describes {exp.get('paper')}"
    part = "test" if exp.get("paper") in SPLIT["test"] else "dev" if exp.get("paper") in SPLIT["dev"] else None
    assert exp.get("part") == part, f"{path.name}: part {exp.get('part')!r}, split.json says {part!r}"
    assert not problems, f"{path.name}:\n" + "\n".join(problems)


@pytest.mark.parametrize("path", EXPECTED_FILES, ids=lambda p: p.stem[:2])
def test_sek_is_value_times_unit(path: Path):
    wrong = [f"{a['printed']!r}: {a['value']} {a['unit']} -> sek {a['sek']}"
             for a in load(path).get("amounts") or []
             if a.get("sek") != (None if a.get("unit") == "unknown" else round(a["value"] * MULTIPLIER[a["unit"]]))]
    assert not wrong, f"{path.name}:\n" + "\n".join(wrong)


@needs_realdev
@pytest.mark.parametrize("path", EXPECTED_FILES, ids=lambda p: p.stem[:2])
def test_every_cite_is_verbatim(path: Path):
    exp = load(path)
    lines = ["", *(REALDEV / exp["paper"]).read_text(encoding="utf-8").splitlines()]  # 1-based
    wrong = []
    for where, c in cites(exp):
        line = lines[c["line"]] if 0 < c["line"] < len(lines) else None
        if line is None or str(c["text"]) not in line:
            wrong.append(f"{where} line {c['line']}: {c['text']!r} not in {line!r}")
    assert not wrong, f"{path.name}:\n" + "\n".join(wrong)


@needs_realdev
def test_split_is_what_the_rule_gives():
    spec = importlib.util.spec_from_file_location("make_split", REAL / "make_split.py")
    assert spec and spec.loader
    make_split = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_split)
    assert make_split.split(REALDEV) == SPLIT
    papers = {p.name for p in REALDEV.glob("[0-9][0-9]_*.md")}
    assert not set(SPLIT["test"]) & set(SPLIT["dev"])
    assert set(SPLIT["test"]) | set(SPLIT["dev"]) == papers


# Kinds of party that are partners, not public bodies: their names must not stand in rules/.
PARTNER_KINDS = {"association", "company", "parish", "foundation"}
# Aliases that stand for a name in one paper but are common nouns a rule may use as a cue.
COMMON_NOUNS = {"bolaget", "donationsfonden", "fonden", "stiftelsen", "föreningen", "församlingen"}
# rules/lexicon/ and rules/confusions.yaml hold Swedish words and OCR letter confusions, not names:
# a one-word name that is also a word (the seed programme "Garaget") stands there as vocabulary.
WORD_LISTS = ("lexicon", "confusions.yaml")
# OPEN (issue 9): entities.yaml still lists the seed associations as the IOP gazetteer the batch
# stage's name resolution leans on ("IKF" -> Internationella kvinnoföreningen). Until names are
# linked by structure (acronyms, org numbers) it is checked apart, in the closing note, not here.
OPEN = ("entities.yaml",)


def fold(text: str) -> str:
    """Lower case with å, ä → a and ö → o."""
    return text.lower().translate(str.maketrans("åäö", "aao"))


def partner_names() -> set[str]:
    """Partner organisations and programmes of the seeds and the real papers, with their aliases."""
    names = {str(e.value) for facts in FACTS.values() for e in facts
             if e.kind == "programme" or (e.kind == "party" and e.attrs.get("municipal") == "false")}
    for path in EXPECTED_FILES:
        for party in load(path).get("parties") or []:
            if party["kind"] in PARTNER_KINDS:
                names |= {str(n) for n in [party["name"], *(party.get("aliases") or [])]}
    return {n for n in names if n.lower() not in COMMON_NOUNS}


def test_rules_name_no_partner_from_the_papers():
    rule_files = sorted(p for p in (ROOT / "rules").rglob("*")
                        if p.is_file() and p.relative_to(ROOT / "rules").parts[0] not in WORD_LISTS + OPEN)
    texts = {p.relative_to(ROOT).as_posix(): fold(p.read_text(encoding="utf-8")) for p in rule_files}
    # Folding both sides finds a name as written and with its å, ä, ö read as a, o.
    found = sorted(f"{name!r} in {file}" for name in partner_names() for file, text in texts.items()
                   if re.search(rf"(?<!\w){re.escape(fold(name))}(?!\w)", text))
    assert not found, "rules/ names partners of the seeds or real papers:\n" + "\n".join(found)
