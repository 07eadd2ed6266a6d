"""Load and validate everything under rules/ once, and hash it for the re-run cache.

Each YAML file `rules/<name>.yaml` maps to one field `<name>` of `Rules`, typed by a pydantic
model declared here. Every problem in every file is gathered into one `RulesError`, naming
the file and the key, so a rule author sees all mistakes at once.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from pipeline.errors import RulesError
from pipeline.paths import RULES_DIR

_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path) -> object:
    """Parse a YAML file safely, with libyaml where PyYAML has it (ten times faster: rules load at every start)."""
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)


def compiled(pattern: str) -> re.Pattern[str]:
    """Compile a rule's regular expression, or say which one is broken (rules are checked when loaded)."""
    try:
        return re.compile(pattern)
    except re.error as err:
        raise ValueError(f"not a valid regular expression {pattern!r}: {err}") from err


class RuleSet(BaseModel):
    """Base of every rule file's model: immutable, unknown keys are errors (typos show)."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class IngestLimits(RuleSet):
    """What one input may cost (rules/ingest.yaml: limits), so a hostile file fails alone."""

    max_page_pixels: int = Field(ge=1_000_000)
    max_page_inches: float = Field(gt=0, le=200)
    max_pages: int = Field(ge=1)
    tesseract_seconds_per_page: float = Field(gt=0)
    worker_memory_mb: int = Field(ge=512)


class IngestRules(RuleSet):
    """How pages are classified, and the limits of one input (rules/ingest.yaml)."""

    min_words_for_text_layer: int
    damaged_min_lexicon_hit_rate: float
    intact_min_diacritic_share: float = Field(ge=0, le=1)
    unusable_max_lexicon_hit_rate: float
    near_empty_max_words: int
    limits: IngestLimits


class OcrRules(RuleSet):
    """What a word's OCR confidence means, measured by bench/calibrate_confidence.py, and the letters
    Tesseract confuses (rules/ocr.yaml)."""

    confidence_map: tuple[tuple[float, float], ...] = Field(min_length=2)
    """(Tesseract's confidence, observed accuracy of words read so) knots, linear between."""

    letter_lookalikes: tuple[tuple[str, str, int], ...] = ()
    """(read, meant, shortest word) letters Tesseract confuses, read back in unlisted words."""

    party_letter_misreadings: tuple[tuple[str, str], ...] = ()
    """(read, meant) party letters OCR misreads in "(S)" after a member's name, read back there."""

    figure_misreadings: tuple[tuple[str, str], ...] = ()
    """(read, meant) a figure OCR reads with signs around it, read back as a whole word among figures."""

    minus_misreadings: tuple[str, ...] = ()
    """Marks OCR reads for a minus sign glued to its figure, given back where the ink stands as a minus does."""

    hard_capture_languages: tuple[str, ...] = ()
    """Tesseract languages added to the run's on a standard fax's page (coarse rows) or a photographed sheet."""

    @field_validator("hard_capture_languages")
    @classmethod
    def _languages(cls, codes: tuple[str, ...]) -> tuple[str, ...]:
        for code in codes:
            if not re.fullmatch(r"[A-Za-z_]+", code):
                raise ValueError(f"{code!r}: a Tesseract language or script name (letters and _ only, as in 'Latin')")
        return codes

    @field_validator("minus_misreadings")
    @classmethod
    def _minus_marks(cls, marks: tuple[str, ...]) -> tuple[str, ...]:
        for mark in marks:
            if len(mark) != 1 or mark.isalnum() or mark.isspace():
                raise ValueError(f"{mark!r}: one character that is neither a letter, a digit nor a space")
        return marks

    @field_validator("figure_misreadings")
    @classmethod
    def _figures(cls, pairs: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
        for read, meant in pairs:
            if not meant.isdigit() or read.isdigit() or meant not in read:
                raise ValueError(f"{[read, meant]}: what OCR reads, signs around a figure, and that figure alone")
        return pairs

    @field_validator("party_letter_misreadings")
    @classmethod
    def _party_letters(cls, pairs: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
        for read, meant in pairs:
            if not (meant.isalpha() and meant.isupper()) or not read or read == meant or "(" in read or ")" in read:
                raise ValueError(f"{[read, meant]}: what OCR reads, without brackets, and a different party letter in capitals")
        return pairs

    @field_validator("letter_lookalikes")
    @classmethod
    def _lookalikes(cls, pairs: tuple[tuple[str, str, int], ...]) -> tuple[tuple[str, str, int], ...]:
        for read, meant, shortest in pairs:
            if not (read.isalpha() and read.islower() and meant.isalpha() and meant.islower()) or read == meant or shortest < 1:
                raise ValueError(f"{[read, meant, shortest]}: two different lower-case letter strings and a word length of 1 or more")
        return pairs

    @field_validator("confidence_map")
    @classmethod
    def _monotone(cls, knots: tuple[tuple[float, float], ...]) -> tuple[tuple[float, float], ...]:
        raw = [k[0] for k in knots]
        calibrated = [k[1] for k in knots]
        if raw[0] != 0 or raw[-1] != 1 or any(b <= a for a, b in zip(raw, raw[1:])):
            raise ValueError("the first values must rise from 0 to 1")
        if not 0 <= calibrated[0] <= calibrated[-1] <= 1 or any(b < a for a, b in zip(calibrated, calibrated[1:])):
            raise ValueError("the second values must lie within 0..1 and never fall (a monotone map)")
        return knots


# --- batch stage rules (entities.yaml, checks.yaml) ---


class Organisation(RuleSet):
    """A known organisation: canonical name, other names it goes by, and its org number."""

    canonical: str
    aliases: tuple[str, ...] = ()
    org_number: str | None = None


class EntitiesRules(RuleSet):
    """Organisations of the genre and the municipality's own bodies (rules/entities.yaml)."""

    fuzzy_min_score: float = Field(ge=0, le=100)
    fuzzy_min_first_word_score: float = Field(ge=0, le=100)
    municipal_suffixes: tuple[str, ...]
    conjunctions: tuple[str, ...]
    municipal: tuple[Organisation, ...]
    organisations: tuple[Organisation, ...]


BatchSeverity = Literal["ok", "info", "warning", "error"]


class VersionsCheck(RuleSet):
    """When two inputs are versions of one paper (rapidfuzz ratio on repaired text, 0-100)."""

    min_similarity: float = Field(ge=0, le=100)
    min_page_similarity: float = Field(ge=0, le=100)
    severity: BatchSeverity


class CrossPaperCheck(RuleSet):
    """Every pair of statements of one field of one partnership, across papers."""

    fields: tuple[str, ...]
    amount_tolerance_sek: int = Field(ge=0)
    severity_conflict: BatchSeverity
    severity_conflict_uncertain: BatchSeverity
    severity_changed: BatchSeverity
    indexation_patterns: tuple[str, ...]
    indexation_tolerance_pp: float = Field(ge=0)


class SumCheck(RuleSet):
    """Parts that must add up to a total, within `tolerance_sek`."""

    tolerance_sek: int = Field(ge=0)
    severity: BatchSeverity


class ShareCheck(RuleSet):
    """Percentage x total = share, within half the last stated digit or the 'ca' tolerance."""

    tolerance_pp_exact: float = Field(ge=0)
    tolerance_pp_approx: float = Field(ge=0)
    approx_markers: tuple[str, ...]
    severity: BatchSeverity


class SeverityOnly(RuleSet):
    """A check with nothing to tune but its severity."""

    severity: BatchSeverity


class OcrDisagreementCheck(RuleSet):
    """Versions of one paper reading one value differently; values align by page and position."""

    align_tolerance_pt: float = Field(ge=0)
    severity: BatchSeverity


class PolicyCheck(RuleSet):
    """A rule a paper states itself, checked against every partnership when some paper states it."""

    name: str
    statement: str
    min_similarity: float = Field(ge=0, le=100)
    municipal_share_pct: float = Field(ge=0, le=100)
    tolerance_pp: float = Field(ge=0)
    severity: BatchSeverity


class PartnershipsRule(RuleSet):
    """How statements find their partnership."""

    passing_mention_max_share: float = Field(ge=0, le=1)
    programme_sections: tuple[str, ...]


class TableSumsCheck(RuleSet):
    """Table arithmetic: rows above a total row add up to it, per column (and per row for a total column).

    The tolerance is the rounding of the printed figures: `rounding_per_item` units of the last
    printed digit per summed item, at least `min_units` units.
    """

    rounding_per_item: float = Field(ge=0)
    min_units: float = Field(ge=0)
    min_items: int = Field(ge=1)
    deviation_row_cues: list[str]
    outcome_kinds: list[str]
    budget_kinds: list[str]
    deviation_kind: str
    net_row_cues: list[str]
    net_row_costs: list[str]
    net_row_income: list[str]
    part_row_cues: list[str]
    severity: BatchSeverity


class CasesCheck(RuleSet):
    """Papers of one case (same Dnr, else near-identical title): their amounts compared pairwise."""

    title_min_similarity: float = Field(ge=0, le=100)
    roles: tuple[str, ...]
    severity_conflict: BatchSeverity
    severity_conflict_uncertain: BatchSeverity
    severity_changed: BatchSeverity
    severity_period_gap: BatchSeverity
    own_date_roles: tuple[str, ...] = Field(description="Roles of a paper's own date (its meeting): two such dates that agree say nothing.")
    next_period_title_similarity: float = Field(ge=0, le=100, description="Titles' words this alike (token set) make a matter's next round.")
    next_period_min_days: int = Field(ge=1, description="Own dates at least this far apart for a matter's next round.")
    title_ignored_words: tuple[str, ...] = Field(default=(), description="Folded words a title's matter does not hang on.")
    compare_within: int = Field(ge=1, description="A paper is compared with the papers this many before and after it in its case's order of dates.")
    time_phrases: tuple[str, ...] = Field(description="Folded regexes of a time of writing, group `year` (\"under våren 2024\").")
    stale_similarity: float = Field(ge=0, le=100, description="A later round's sentence this alike to the earlier round's, its time phrase the same, is stale.")
    stale_min_words: int = Field(ge=1, description="A sentence of this many words found within a longer one repeats it.")
    severity_stale: BatchSeverity

    @field_validator("time_phrases")
    @classmethod
    def _names_a_year(cls, patterns: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in patterns:
            if "year" not in compiled(pattern).groupindex:
                raise ValueError(f"time phrase {pattern!r} has no group 'year'")
        return patterns


class CorrectionsCheck(RuleSet):
    """A correction a paper states in words (reconcile/corrections.py)."""

    cues: list[str] = Field(description="A line so worded (folded regexes) states that a figure was wrong.")
    window_lines: int = Field(ge=0, description="Amounts this many lines after a cue's line are the figures it gives.")
    severity: BatchSeverity


class SharesCheck(RuleSet):
    """Shares of one whole stated in words, by the body holding each (reconcile/shares.py)."""

    halves: list[str] = Field(description="Folded words for one half (\"halften\").")
    numerators: dict[str, int] = Field(description="Folded number words of a fraction's numerator.")
    denominators: dict[str, int] = Field(description="Folded words of a fraction's denominator, singular (\"fjardedel\"; \"-ar\" is the plural).")
    rest_words: list[str] = Field(description="Folded words for what the paper's other shares leave (\"resterande\").")
    holder_kinds: tuple[str, ...] = Field(description="Party kinds that hold a share: the first one a sentence names.")
    whole_words: int = Field(ge=1, description="A whole is compared by this many of its first content words.")
    ignored_words: tuple[str, ...] = Field(description="Folded function words a whole is compared without.")
    word_similarity: float = Field(ge=0, le=100, description="Two words this alike (rapidfuzz ratio) are one word.")
    severity_matches: BatchSeverity
    severity_differs: BatchSeverity

    @field_validator("numerators", "denominators")
    @classmethod
    def _fraction_words(cls, words: dict[str, int], info: ValidationInfo) -> dict[str, int]:
        least = 1 if info.field_name == "numerators" else 2
        if any(n < least for n in words.values()):
            raise ValueError(f"{info.field_name} must be at least {least}")
        return words


class DecisionsCheck(RuleSet):
    """A decision against the proposal it decides (reconcile/decisions.py): every clause proposed restated."""

    proposal_sections: tuple[str, ...] = Field(description="Sections of a proposal to the paper's own body (a tjänsteskrivelse's).")
    decision_sections: tuple[str, ...] = Field(description="Sections of a paper's decision.")
    proposal_heading: str = Field(description="A decision section's folded heading so worded proposes to another body (regex).")
    ignored_words: tuple[str, ...] = Field(description="Folded function words a clause's restatement need not hold.")
    word_similarity: float = Field(ge=0, le=100, description="Two words this alike (rapidfuzz ratio) are one word misread.")
    min_restated_share: float = Field(ge=0, le=1, description="A decision clause holding this share of a proposed clause's words restates it.")
    severity_restated: BatchSeverity
    severity_left_out: BatchSeverity


class ProseSumsCheck(RuleSet):
    """Arithmetic the text states: a total divided into parts; an outcome or forecast, its budget and the deviation."""

    severity_split: BatchSeverity
    deviation_window_lines: int = Field(ge=0)
    outcome_roles: list[str]
    budget_roles: list[str] = Field(description="Roles of the figure an outcome is compared with: the budget, or the grant that funds it.")
    cause_cues: list[str] = Field(description="A line ending so opens the list of a deviation's causes (folded regexes).")
    hedge_cues: list[str] = Field(description="Words that say the causes listed are only the main ones (folded regexes).")
    severity_causes: BatchSeverity
    share_cues: list[str] = Field(description="A line so worded states a deviation as a percentage (folded regexes).")
    base_words: list[str] = Field(description="A line so worded names a base amount, such as the prisbasbelopp (folded regexes).")
    base_share_pattern: str = Field(description="A share of a base amount in a folded line: groups num and den, or pct.")
    change_pattern: str = Field(description="The words between a change's second figure and its percentage, as a folded regex with groups up and down.")
    named_share_link: str = Field(description="The words between a figure and the percentage restating it as a share (folded regex).")
    named_base_after: str = Field(description="The words after that percentage before the base's name (folded regex, matched at its end).")
    named_bases: dict[str, str] = Field(description="A base's name (folded regex) -> the role of the amount it is.")
    tolerance_pp_approx: float = Field(ge=0, description="Percentage points an approximate stated percentage (\"cirka 6 procent\") may be off.")
    severity_percentage: BatchSeverity
    payout_roles: list[str] = Field(description="Roles of what a paper pays out of a fund.")
    available_cues: list[str] = Field(description="A line so worded (folded regexes) names what a fund has to give.")
    severity_over_funds: BatchSeverity
    fund_words: list[str] = Field(description="A sentence so worded (folded regexes) speaks of a fund's balance.")
    fund_opening_cues: list[str] = Field(description="The words before a balance (folded regexes, anchored at their end).")
    fund_closing_cues: list[str] = Field(description="The words before a balance after a change (folded regexes, anchored at their end).")
    fund_after_cues: list[str] = Field(description="A sentence so worded states the balance after (folded regexes).")


class RestatedCheck(RuleSet):
    """A paper stating one amount or date twice (text and text, text and table, text and beslutsunderlag)."""

    severity: BatchSeverity
    generic_roles: tuple[str, ...]
    reference_sections: tuple[str, ...]
    skip_date_roles: tuple[str, ...]
    expenditure_rows: tuple[str, ...] = Field(description="Row labels (folded regexes) of a table's spending: all negative, the table signs it so.")
    unsigned_roles: tuple[str, ...] = Field(description="Roles of a text amount that may quote a spending figure without its sign.")
    decision_sections: tuple[str, ...] = Field(description="Sections holding a protokoll's decision (Beslut).")
    procedure_sections: tuple[str, ...] = Field(description="Sections telling how the decision was reached (Beslutsgång).")
    severity_decision_differs: BatchSeverity


class SeverityHonesty(RuleSet):
    """The highest severity a finding may have when a value it rests on was OCR'd or repaired."""

    max_severity_unless_text_layer: BatchSeverity


class ChecksRules(RuleSet):
    """The batch checks and their tolerances (rules/checks.yaml)."""

    partnerships: PartnershipsRule
    date_fields: dict[str, tuple[str, ...]]
    versions: VersionsCheck
    cross_paper: CrossPaperCheck
    cost_items_sum: SumCheck
    contributions_sum: SumCheck
    share_percentage: ShareCheck
    within_paper: SeverityOnly
    ocr_disagreement: OcrDisagreementCheck
    name_variant: SeverityOnly
    ambiguous_partnership: SeverityOnly
    table_sums: TableSumsCheck
    prose_sums: ProseSumsCheck
    cases: CasesCheck
    decisions: DecisionsCheck
    shares: SharesCheck
    corrections: CorrectionsCheck
    restated: RestatedCheck
    severity_honesty: SeverityHonesty
    policies: tuple[PolicyCheck, ...] = ()


class SectionRule(RuleSet):
    """One canonical section: its heading wordings and full-match regexes (folded text)."""

    name: str
    genre: str = "any"
    headings: list[str] = []
    patterns: list[str] = []
    after_first_heading: bool = False


class SectionsRules(RuleSet):
    """How headings are recognised and named (rules/sections.yaml)."""

    heading_max_words: int
    min_score: float
    repeated_sentence_min_words: int
    header_name: str
    title_name: str
    sections: list[SectionRule]


class AmountRoleRule(RuleSet):
    """Cue regexes (folded) for one amount role, before and after the amount."""

    role: str
    before: list[str] = []
    after: list[str] = []
    right_after: list[str] = []
    """Cues standing right after the amount that name it whatever cue stood before ("Intäkterna
    blev 3,1 miljoner kronor högre än budgeterat": a deviation, not an outcome)."""


class ShareCues(RuleSet):
    """Words that make a percentage someone's share of the cost: before it (up to three words
    between) or right after it."""

    before: list[str]
    after: list[str]


class RoleQualifier(RuleSet):
    """A word that makes an outcome-like noun of its clause something else: "prognosen visar ett
    resultat på …" is a forecast, "budgeterat resultat på …" a budget."""

    role: str
    cues: list[str]
    over: list[str]


class CueRole(RuleSet):
    """Cue regexes (folded) for one role."""

    role: str
    cues: list[str] = []


class ColumnKind(RuleSet):
    """A kind of table column (bokslut, budget, avvikelse …): its header cues and the role of its amounts."""

    kind: str
    cues: list[str]
    role: str | None = None


PartyKind = Literal["municipality", "committee", "municipal_unit", "association", "foundation", "parish",
                    "company", "public_body"]


class PartyPattern(RuleSet):
    """An organisation name found by its shape (a regex over the text as written) and its kind."""

    kind: PartyKind
    pattern: str


class DateRoleRule(RuleSet):
    """Cue regexes (folded): `before` ends just before the date, `after` starts just after it
    (", § 16": a cited decision; its next 40 characters), `sentence` anywhere in the date's sentence."""

    role: str
    before: list[str] = []
    after: list[str] = []
    sentence: list[str] = []


class MunicipalBody(RuleSet):
    """A municipal body (nämnd, styrelse) with its abbreviations."""

    name: str
    abbreviations: list[str] = []


class FactsRules(RuleSet):
    """Genre knowledge for fact extraction (rules/facts.yaml)."""

    low_confidence_below: float
    units: dict[str, int]
    unitless_min: int
    unitless_max: int
    amount_max: int = Field(description="The largest amount in kronor (or printed, where the unit is unknown) a figure can be; a larger one is figures run together.")
    number_words: dict[str, int]
    ocr_digit_letters: dict[str, str]
    count_nouns: list[str]
    sum_after_cues: list[str] = Field(description="Folded text from a list's last amount to the next that makes the next the list's total (regexes).")
    period_total_cues: list[str] = Field(description="Folded text from a rate's amount to the next that makes the next its total over the period (regexes).")
    stated_year_cues: list[str] = Field(description="Regexes (case-insensitive, on the text as written) whose group 1 is the year "
                                        "an amount's own clause names for it (\"för 2024\", \"år 2\").")
    rate_restated_cues: list[str] = Field(description="Folded text from a rate's amount to the next, itself at another rate, that makes the next the same money per another period (regexes).")
    deficit_cues: list[str] = Field(description="Folded text right before an unsigned amount that states a deficit (regexes ending in $).")
    dash_minus_after: list[str] = Field(description="Folded text before \"– \" (en dash, space) that makes it a minus sign (regexes ending in $).")
    numbered_part_words: list[str] = Field(description="Words after which (or stuck to which) a number of one or two digits "
                                           "numbers a column's part of a year or a project (\"Kvartal 1\", \"T2\"): no figure of the header.")
    periods: dict[str, list[str]]
    period_after_skips: list[str] = Field(description="Words between an amount and its period cue that do not end it "
                                                      "(folded regexes: \"exkl. moms\").")
    per_unit_after: list[str] = Field(description="A rate per unit right after an amount (folded regexes: \"per deltagare\"): "
                                                  "no earlier amount's period carries to it.")
    amount_roles: list[AmountRoleRule]
    role_qualifiers: list[RoleQualifier]
    split_cues: list[str]
    split_next_sentence_cues: list[str] = Field(description="Folded openings of a sentence that divides the last figure of the sentence before it (regexes).")
    share_cues: ShareCues
    share_restated_by: list[str] = Field(description="Phrases between a party's share and a percentage that restates it "
                                                     "(folded regexes: \"vilket motsvarar\"): the percentage is that share.")
    header_roles: list[CueRole]
    total_row_cues: list[str]
    adjustment_row_cues: list[str]
    total_column_cues: list[str]
    party_column_cues: list[str] = Field(description="Folded headers of a label column whose cells name parties "
                                                     "(regexes: \"Förening\", \"Sökande\"); any other row label is no party.")
    header_units: dict[str, int]
    column_kinds: list[ColumnKind]
    approx_words: list[str]
    months: dict[str, int]
    year_range_nouns: list[str] = Field(description="Folded words before two years joined by a dash that make them a span of "
                                        "whole years (\"för åren 2025–2027\"): the first's 1 January to the second's 31 December.")
    date_roles: list[DateRoleRule]
    document_date_sections: list[str]
    meeting_header_cues: list[str]
    date_section_roles: dict[str, str]
    agreement_header_cues: list[str] = Field(description="Folded words of a paper's header block that make it an agreement (regexes).")
    signature_sections: list[str] = Field(description="Sections whose dates are an agreement's signing (in an agreement).")
    partnership_words: list[str]
    orgnr_cues: list[str]
    dnr_cues: list[str]
    participant_nouns: list[str]
    place_nouns: list[str]
    participant_roles: list[CueRole]
    participant_headers: dict[str, str]
    org_forms: list[str]
    municipal_forms: list[str]
    known_parties: dict[PartyKind, list[str]]
    """Organisations every municipality deals with, by kind: found by name wherever written."""
    party_patterns: list[PartyPattern]
    org_form_kinds: dict[str, str]
    name_stopwords: list[str]
    name_purpose_stops: list[str] = Field(description="Folded words that end a clause, never a name's \"för …\" part (verbs, prepositions).")
    programme_cues: list[str]
    programme_phrase_cues: list[str]
    municipal_bodies: list[MunicipalBody]
    committee_sections: list[str]
    committee_not: list[str]
    filename_line: str
    recipient_sections: list[str] = Field(description="Sections listing whom a decision is sent to.")
    recipient_unit: str = Field(description="An item of such a list that is a municipal unit, in full (a regex).")

    @field_validator("recipient_unit")
    @classmethod
    def _compiles(cls, pattern: str) -> str:
        compiled(pattern)
        return pattern


class Confusion(RuleSet):
    """One learned OCR look-alike: a true piece (0-2 letters) read as a scanned piece."""

    scanned: str
    truth: str
    count: int
    p: float


class ConfusionsRules(RuleSet):
    """Learned P(scanned piece | true piece) from real OCR damage (rules/confusions.yaml)."""

    source: str
    confusions: tuple[Confusion, ...]
    identity: dict[str, float]


class ContextRule(RuleSet):
    """Evidence from neighbouring words for one candidate of an ambiguous word (rules/repair.yaml)."""

    words: tuple[str, ...]
    prev: tuple[str, ...] = ()
    next: tuple[str, ...] = ()
    next_not: tuple[str, ...] = ()
    before: tuple[str, ...] = ()
    bonus: float
    reason: str


class RepairRules(RuleSet):
    """Thresholds and context rules of the diacritic repair stage (rules/repair.yaml)."""

    max_edits: int
    max_length_for_dropped_letter: int
    min_margin_nonword: float
    min_margin_realword: float
    realword_min_frequency: float
    ambiguity_margin: float
    max_known_frequency_for_letter_edits: float
    own_channel_min_uses: int
    own_channel_prior: float
    dropped_context_max_length: int
    dropped_long_length: int
    dropped_long_floor: float
    unknown_prior: float
    unseen_trigram_factor: float
    long_unknown_length: int = 99
    long_unknown_factor: float = 1.0
    compound_prior: float
    splitter_prior: float
    min_reading_share: float
    damage_min: float
    damage_max: float
    damage_evidence_ratio: float
    document_weight: float
    context_window: int
    pair_weight: float
    pair_evidence_cap: float
    dropped_glyph_ratio: float
    dropped_glyph_margin: float
    realword_min_damage: float
    one_as_i_min_damage: float
    one_as_i_not_after: tuple[str, ...]
    one_as_i_not_before: tuple[str, ...]
    one_as_i_letters: tuple[str, ...] = ()
    lone_letter_damage: tuple[str, ...] = ()
    context: tuple[ContextRule, ...]


class WordBoxSettings(RuleSet):
    """Tables from OCR word boxes (rules/tables.yaml: word_boxes)."""

    column_gap_factor: float
    column_gap_factor_text: float
    text_after_figure_gap_text: float
    min_rows: int
    min_columns: int
    numeric_column_min_share: float


class FlatRowSettings(RuleSet):
    """Tables whose text layer lost the columns, one line per row (rules/tables.yaml: flat_rows)."""

    column_words: list[str] = Field(min_length=1)
    deviation_words: list[str] = Field(min_length=1)
    open_words: list[str] = Field(min_length=1)
    unit_words: list[str] = Field(min_length=1)
    text_column_words: list[str] = Field(min_length=1)
    numbered_part_words: list[str] = Field(min_length=1)
    share_words: list[str] = Field(min_length=1)
    header_scan_slips: list[tuple[str, str]] = Field(min_length=1)
    total_row_pattern: str
    header_max_words: int
    label_max_words: int
    label_max_words_inside: int
    max_trailing_words: int
    continuation_max_words: int
    magnitude_margin: float
    max_counts_tried: int
    column_gap: float = Field(gt=0)


class RuledSettings(RuleSet):
    """pdfplumber's lines strategy on born-digital pages (rules/tables.yaml: ruled)."""

    snap_tolerance: float
    join_tolerance: float
    intersection_tolerance: float
    min_rows: int
    min_columns: int


class TablesRules(RuleSet):
    """Table reconstruction: header cues and tolerances (rules/tables.yaml)."""

    header_cues: dict[Literal["name", "count", "text", "amount", "percent"], list[str]]
    header_min_score: float
    header_min_columns: int
    header_min_coverage: float
    amount_units: list[str]
    count_units: list[str]
    noise_line_patterns: list[str]
    page_foot_patterns: tuple[str, ...] = Field(min_length=1)
    caption_only_patterns: tuple[str, ...] = Field(min_length=1)
    prose_min_words: int
    prose_min_chars: int
    run_break_gap_lines: int
    max_region_lines: int
    max_row_continuation_lines: int
    word_boxes: WordBoxSettings
    flat_rows: FlatRowSettings
    ruled: RuledSettings

    @field_validator("noise_line_patterns", "page_foot_patterns", "caption_only_patterns")
    @classmethod
    def _compiles(cls, patterns: list[str] | tuple[str, ...]) -> list[str] | tuple[str, ...]:
        for pattern in patterns:
            compiled(pattern)
        return patterns


class PaperKind(RuleSet):
    """One kind of paper (protokoll, tjänsteskrivelse …) and the headings that name it."""

    kind: str
    headings: tuple[str, ...] = Field(min_length=1)


class PapersRules(RuleSet):
    """How papers bound into one document are told apart (rules/papers.yaml).

    Patterns are matched against folded lines (lowercase, no diacritics) and compiled here,
    so a broken pattern or a missing named group is reported when the rules load.
    """

    top_lines: int = Field(ge=1)
    title_min_words: int = Field(ge=1)
    dnr_line_max_words: int = Field(ge=1)
    kinds: tuple[PaperKind, ...]
    numbering: tuple[str, ...] = Field(min_length=1)
    heading_noise: tuple[str, ...] = ()
    header_field: str = Field(description="A folded header line that is a labelled field (\"Handläggare: …\"), never a title.")
    dnr: str

    @field_validator("numbering", "heading_noise", "header_field", "dnr")
    @classmethod
    def _compiles(cls, value: str | tuple[str, ...], info: ValidationInfo) -> str | tuple[str, ...]:
        groups = {"numbering": {"n", "of"}, "dnr": {"dnr"}}.get(info.field_name or "", set())
        for pattern in (value,) if isinstance(value, str) else value:
            missing = groups - set(compiled(pattern).groupindex)
            if missing:
                raise ValueError(f"{pattern!r} lacks the named group(s) {', '.join(sorted(missing))}")
        return value


class PersonalDataKind(RuleSet):
    """One kind of personal data: its patterns, and what a match must also pass to be masked.

    Patterns are compiled here, so a broken one is reported when the rules load.
    """

    kind: str
    patterns: tuple[str, ...] = Field(min_length=1)
    check: Literal["personnummer"] | None = None
    min_digits: int = Field(default=0, ge=0)
    max_digits: int | None = Field(default=None, ge=1)

    @field_validator("patterns")
    @classmethod
    def _compiles(cls, patterns: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in patterns:
            compiled(pattern)
        return patterns


class PrivacyRules(RuleSet):
    """Personal data masked in every output unless --keep-personal-data (rules/privacy.yaml)."""

    kinds: tuple[PersonalDataKind, ...] = Field(min_length=1)


class Rules(RuleSet):
    """All validated rules. Add a rule file by adding a field typed by its RuleSet model."""

    ingest: IngestRules
    ocr: OcrRules
    confusions: ConfusionsRules
    repair: RepairRules
    sections: SectionsRules
    facts: FactsRules
    entities: EntitiesRules
    checks: ChecksRules
    tables: TablesRules
    papers: PapersRules
    privacy: PrivacyRules
    directory: Path
    hash: str
    file_hashes: dict[str, str]
    """SHA-256 of each rule set's file, by name: a stage's cache key takes the files it reads."""


def rules_hash(directory: Path) -> str:
    """Return the SHA-256 of every file under `directory` (path and bytes, sorted)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        digest.update(path.relative_to(directory).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def _rule_fields() -> dict[str, type[RuleSet]]:
    return {
        name: field.annotation
        for name, field in Rules.model_fields.items()
        if isinstance(field.annotation, type) and issubclass(field.annotation, RuleSet)
    }


@lru_cache(maxsize=4)
def load_rules(directory: Path = RULES_DIR) -> Rules:
    """Read, validate and hash every rule file under `directory`.

    Raises:
        RulesError: listing every missing file, YAML error and invalid key together.
    """
    problems: list[str] = []
    loaded: dict[str, RuleSet] = {}
    for name, model in _rule_fields().items():
        path = directory / f"{name}.yaml"
        try:
            data = read_yaml(path)
            loaded[name] = model.model_validate(data)
        except FileNotFoundError:
            problems.append(f"{path.name}: missing")
        except yaml.YAMLError as err:
            problems.append(f"{path.name}: not valid YAML: {err}")
        except ValidationError as err:
            for e in err.errors():
                key = ".".join(str(part) for part in e["loc"]) or "(top)"
                problems.append(f"{path.name}: {key}: {e['msg']}")
    if problems:
        raise RulesError("invalid rules in " + str(directory) + ":\n  " + "\n  ".join(problems))
    file_hashes = {name: hashlib.sha256((directory / f"{name}.yaml").read_bytes()).hexdigest() for name in loaded}
    return Rules(directory=directory, hash=rules_hash(directory), file_hashes=file_hashes, **loaded)
