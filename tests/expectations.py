"""Hand-written expectations for the clean seeds 000, 002, 003, 004: what a reader finds in them.

Written from reading the papers, not from the extractor's output. Each entry is
`E(kind, value, role=…, period=…, precision=…, attrs={…})`; a field left out is not checked.
Party names compare case-insensitively. The same table is meant to be run against every
source of the same paper (seed text now; born-digital PDFs and 300 dpi scans later).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

SEEDS_DIR = str(Path(__file__).resolve().parent.parent / "corpus" / "sources")
SEED_FILES = {
    "000": "000_f52ffa7c270fa2f6.txt",
    "001": "001_4a9237c8b8c7ea00.txt",
    "002": "002_933387a16149a10b.txt",
    "003": "003_d5478959c50360bc.txt",
    "004": "004_735a020d4d168d61.txt",
}

LK = "Linköpings kommun"


@dataclass(frozen=True)
class E:
    """One expected fact."""

    kind: str
    value: int | float | str
    role: str | None = None
    period: str | None = None
    precision: str | None = None
    attrs: dict[str, str] = field(default_factory=dict)


SECTIONS: dict[str, list[str]] = {
    "000": ["title", "forslag_till_beslut", "arende", "beslutsunderlag", "bakgrund",
            "ekonomiska_konsekvenser", "kommunala_mal", "jamstalldhet", "uppfoljning_och_utvardering",
            "mbl", "signatures", "beslutet_skickas_till"],
    "002": ["title", "forslag_till_beslut", "arende", "beslutsunderlag", "bakgrund",
            "ekonomiska_konsekvenser", "kommunala_mal", "jamstalldhet", "samrad",
            "uppfoljning_och_utvardering", "mbl", "signatures", "beslutet_skickas_till"],
    "003": ["header", "title", "forslag_till_beslut", "arende", "beslutsunderlag", "bakgrund",
            "ekonomiska_konsekvenser", "kommunala_mal", "mbl", "signatures"],
    "004": ["title", "parter", "malgrupp", "syfte", "bakgrund", "verksamhet",
            "organisation_och_samverkan", "ekonomi", "giltighet", "kunskapsinhamtning_och_uppfoljning",
            "signatures"],
}

# Substrings every listed note must contain (structural oddities, not failures).
NOTES: dict[str, list[str]] = {
    "000": [],
    "002": [],
    "003": [],
    "004": ["numbering jumps from 2 to 4", "sentence repeated 2 times in section 'verksamhet'"],
}

FACTS: dict[str, list[E]] = {
    "000": [
        E("amount", 454_000, role="total_value", period="per_year"),
        E("amount", 230_000, role="municipal_share", period="per_year", attrs={"payer": LK}),
        E("date", "2018-05", role="partnership_start", precision="month"),
        E("date", "2018-06", role="partnership_start", precision="month"),
        E("participants", 120, role="cumulative", attrs={"approx": "true"}),
        E("participants", 60, role="capacity"),
        E("participants", 60, role="current"),
        E("party", "Internationella kvinnoföreningen i Linköping", attrs={"municipal": "false"}),
        E("party", "Arbetsmarknadsnämnden", attrs={"municipal": "true"}),
        E("party", LK, attrs={"municipal": "true"}),
        E("party", "Internationella kvinnoförbundet i Linköping", attrs={"municipal": "false"}),
        # the sender, lines 50-51 (a municipal unit, as 002's sender "Utbildningskontoret" is)
        E("party", "Utbildnings- och arbetsmarknadsförvaltningen", attrs={"municipal": "true"}),
        E("committee", "Arbetsmarknadsnämnden"),
    ],
    "002": [
        E("amount", 2_080_500, role="total_value", period="per_year"),
        E("amount", 1_100_000, role="municipal_share", period="per_year", attrs={"payer": LK}),
        E("amount", 1_100_000, role="municipal_share", period="per_year", attrs={"payer": "Bildningsnämnden"}),
        E("percentage", 47.0, attrs={"approx": "true", "party": "Linköpings Stadsmission"}),
        E("percentage", 53.0, attrs={"approx": "true", "party": LK}),
        E("date", "2019-12", role="other", precision="month"),
        E("date", "2017-10-24", role="meeting", precision="day"),
        E("party", "Linköpings Stadsmission", attrs={"municipal": "false"}),
        E("party", LK, attrs={"municipal": "true"}),
        E("party", "Norrköpings kommun", attrs={"municipal": "true"}),
        E("party", "Utbildningskontoret", attrs={"municipal": "true"}),  # the sender, line 73
        E("party", "Bildningsnämnden", attrs={"municipal": "true"}),
        E("party", "socialkontoret", attrs={"municipal": "true"}),  # consulted ("Samråd"), line 61
        E("programme", "Hoppfull framtid"),
        E("programme", "Garaget"),
        E("committee", "Bildningsnämnden"),
    ],
    "003": [
        E("date", "2021-03-10", role="document_date", precision="day"),
        E("dnr", "BIN 2021-179"),
        E("committee", "Bildningsnämnden"),
        E("programme", "Kompletterande språkträning"),
        E("programme", "Unga forum"),
        E("party", "Studieförbundet Bilda Sydöst", attrs={"municipal": "false"}),
        E("party", "Linköpings Stadsmission", attrs={"municipal": "false"}),
        E("party", LK, attrs={"municipal": "true"}),
        E("party", "Bildningsnämnden", attrs={"municipal": "true"}),
        E("party", "Arbetsmarknadsnämnden", attrs={"municipal": "true"}),
        E("party", "Utbildnings- och arbetsmarknadsförvaltningen", attrs={"municipal": "true"}),  # the sender, lines 5, 72-73
    ],
    "004": [
        E("org_number", "212000-0449", attrs={"party": LK}),
        E("org_number", "826001-6657", attrs={"party": "Studieförbundet Bilda Sydöst"}),
        E("org_number", "827501-1131", attrs={"party": "Erikshjälpen Linköping"}),
        E("participants", 40, role="places"),
        E("amount", 1_670_400, role="cost_item", period="per_calendar_year"),
        E("amount", 278_400, role="cost_item", period="per_calendar_year"),
        E("amount", 372_000, role="cost_item", period="per_calendar_year"),
        E("amount", 48_000, role="cost_item", period="per_calendar_year"),
        E("amount", 2_368_800, role="total_value", period="per_calendar_year"),
        E("amount", 1_658_160, role="municipal_share", period="per_calendar_year", attrs={"payer": LK}),
        E("amount", 592_200, role="partner_share", period="per_calendar_year",
          attrs={"party": "Studieförbundet Bilda Sydöst"}),
        E("amount", 118_440, role="partner_share", period="per_calendar_year",
          attrs={"party": "Erikshjälpen Linköping"}),
        E("percentage", 70.0, attrs={"party": LK}),
        E("percentage", 25.0, attrs={"party": "Studieförbundet Bilda Sydöst"}),
        E("percentage", 5.0, attrs={"party": "Erikshjälpen Linköping"}),
        E("percentage", 100.0),
        E("percentage", 2.0),
        E("date", "2024-01-01", role="valid_from", precision="day"),
        E("date", "2025-12-31", role="valid_to", precision="day"),
        E("programme", "Bromodellen"),
        E("party", LK, attrs={"municipal": "true"}),
        E("party", "Studieförbundet Bilda Sydöst", attrs={"municipal": "false"}),
        E("party", "Erikshjälpen Linköping", attrs={"municipal": "false"}),
        # line 7 "Linköpings kommun genom arbetsmarknadsnämnden": the committee that acts for it
        E("party", "Arbetsmarknadsnämnden", attrs={"municipal": "true"}),
        # the unit that places the participants, lines 46, 52, 60; spelt "Integration- och …" in the
        # municipality's signature block, line 87
        E("party", "Integrations- och arbetsmarknadsförvaltningen", attrs={"municipal": "true"}),
        E("party", "Integration- och arbetsmarknadsförvaltningen", attrs={"municipal": "true"}),
        E("committee", "Arbetsmarknadsnämnden"),
    ],
}

# Strings of the seeds that look like values but are not amounts, dates or org numbers.
NEGATIVES = [
    "581 81 LINKÖPING", "7332776000001", "0007:2120000449", "ID 150010", "(1976:580)",
    "KS2016-313", "Målområde 6", "19 § MBL", "2 (5)", ">20h/v", "2015-2018", "(maj -20).docx",
]


def _norm(value: object) -> object:
    return value.casefold() if isinstance(value, str) else value


def matches(expected: E, fact) -> bool:
    """Tell whether `fact` (a pipeline.model.Fact) is what `expected` describes."""
    if fact.kind != expected.kind or _norm(fact.value) != _norm(expected.value):
        return False
    for name in ("role", "period", "precision"):
        want = getattr(expected, name)
        if want is not None and getattr(fact, name) != want:
            return False
    return all(_norm(fact.attrs.get(k)) == _norm(v) for k, v in expected.attrs.items())


def _key(fact) -> tuple:
    return (fact.kind, _norm(fact.value), fact.role)


def score(expected: list[E], facts, kinds: set[str]) -> dict[str, tuple[float, float]]:
    """Return `{kind: (precision, recall)}`; precision over distinct (kind, value, role) facts."""
    out = {}
    for kind in sorted(kinds):
        want = [e for e in expected if e.kind == kind]
        got = {_key(f): f for f in facts if f.kind == kind}
        found = sum(any(matches(e, f) for f in facts) for e in want)
        # A distinct fact is correct when some expectation has its kind, value and role
        # (its attrs are checked by recall: the same value may stand twice, once with a party).
        loose = [E(e.kind, e.value, e.role, e.period, e.precision) for e in want]
        correct = sum(any(matches(e, f) for e in loose) for f in got.values())
        out[kind] = (correct / len(got) if got else 1.0, found / len(want) if want else 1.0)
    return out
