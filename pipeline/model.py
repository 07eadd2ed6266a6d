"""The document model: every type that passes between stages, in one place.

All types are frozen pydantic models, so a stage cannot mutate its input by accident,
the JSON Schemas in `pipeline/schema/` are generated from these classes (never drift
from the code), and reading a document back from JSON validates it.

Coordinates: `BBox` is `[x0, top, x1, bottom]` in PDF points (1/72 inch), origin at the
top-left corner of the page after rotation. Pages are numbered from 1.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = "1.1"

PageKind = Literal["text", "ocr", "damaged_text"]
"""How a page's words were obtained: a usable text layer, OCR, or a damaged text layer
(present but reading like old OCR without Swedish letters) that goes through repair."""

WordOrigin = Literal["text-layer", "ocr", "plain-text"]

PersonalData = Literal["masked", "kept"]
"""Whether personal data (personnummer, phone numbers, e-mail and street addresses) was masked
in a file (the default) or kept by `papers run --keep-personal-data` for an internal run."""


class Frozen(BaseModel):
    """Base of every model type: immutable, no unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class BBox(NamedTuple):
    """A box in PDF points, origin top-left: serialized as `[x0, top, x1, bottom]`."""

    x0: float
    top: float
    x1: float
    bottom: float

    @staticmethod
    def union(boxes: list[BBox] | tuple[BBox, ...]) -> BBox:
        """Return the smallest box holding all `boxes` (which must not be empty)."""
        return BBox(
            min(b.x0 for b in boxes),
            min(b.top for b in boxes),
            max(b.x1 for b in boxes),
            max(b.bottom for b in boxes),
        )

    def rounded(self, ndigits: int = 2) -> BBox:
        """Return the box rounded, so JSON output is stable and compact."""
        return BBox(*(round(v, ndigits) for v in self))

    def centred_in(self, boxes: list[BBox] | tuple[BBox, ...]) -> bool:
        """Tell whether this box's middle lies in one of `boxes` (a word in a cell, a line in a table)."""
        x, y = (self.x0 + self.x1) / 2, (self.top + self.bottom) / 2
        return any(b.x0 <= x <= b.x1 and b.top <= y <= b.bottom for b in boxes)


class Repair(Frozen):
    """What the repair stage did to one word."""

    scanned: str = Field(description="The word as scanned (OCR or text layer), before repair.")
    confidence: float = Field(ge=0, le=1, description="How sure the repair is, 0-1.")
    reason: str = Field(description="Short code of the rule that chose the repair.")


class Word(Frozen):
    """One word as read from a page, with its position and (after repair) its fix."""

    text: str = Field(description="The word after repair (equal to the scanned form if unrepaired).")
    bbox: BBox | None = Field(description="PDF points, top-left origin; None for plain-text input.")
    line: int = Field(ge=1, description="Line number on the page, from 1, in reading order.")
    block: int = Field(ge=0, description="Layout block (OCR block / text-layer paragraph), 0 if unknown.")
    confidence: float = Field(ge=0, le=1, description="Reading confidence 0-1 (text layer: 1.0).")
    origin: WordOrigin
    repair: Repair | None = None

    @property
    def scanned(self) -> str:
        """The word as it stood on the page before any repair."""
        return self.repair.scanned if self.repair else self.text


class PageRepairStats(Frozen):
    """Per-page summary of the repair stage."""

    words: int
    repaired: int
    share_repaired: float


class Page(Frozen):
    """One page: its kind, size and words in reading order."""

    number: int = Field(ge=1)
    kind: PageKind
    width: float = Field(description="PDF points (0 for plain-text input).")
    height: float = Field(description="PDF points (0 for plain-text input).")
    dpi: int | None = Field(default=None, description="Resolution of the page image OCR read: the scan's own, "
                            "or the lower one a page too large for limits.max_page_pixels was rendered at.")
    words: tuple[Word, ...] = ()
    warnings: tuple[str, ...] = ()
    repair: PageRepairStats | None = None
    image: str | None = Field(
        default=None,
        description="Evidence image of the page, relative to the output folder.",
    )
    image_scale: float | None = Field(
        default=None, description="Pixels of `image` per PDF point."
    )

    def lines(self) -> list[tuple[int, tuple[Word, ...]]]:
        """Return `(line, words)` for every line of the page in reading order."""
        out: list[tuple[int, tuple[Word, ...]]] = []
        current: list[Word] = []
        for word in self.words:
            if current and word.line != current[-1].line:
                out.append((current[-1].line, tuple(current)))
                current = []
            current.append(word)
        if current:
            out.append((current[-1].line, tuple(current)))
        return out


class Evidence(Frozen):
    """Where a value was read: the auditor's way back to the scanned page."""

    doc_id: str
    page: int = Field(ge=1)
    bbox: BBox | None = Field(description="PDF points, top-left origin; None for plain text.")
    line: int | None = Field(default=None, description="Line on the page (from 1).")
    text_as_scanned: str
    text_repaired: str
    confidence: float = Field(ge=0, le=1)
    repaired: bool = Field(default=False, description="Some of the words were changed by repair.")
    low_confidence: bool = Field(default=False, description="Some word was read with low OCR confidence.")


class Section(Frozen):
    """A canonical section of a committee paper, spanning lines across pages."""

    name: str = Field(description="Canonical section name from rules/sections.yaml.")
    heading: str = Field(description="The heading as it reads in the document (repaired).")
    page_start: int
    line_start: int
    page_end: int
    line_end: int
    bbox: BBox | None = Field(description="Box of the heading line.")
    score: float = Field(ge=0, le=100, description="Fuzzy match score of heading to canonical name.")


class Cell(Frozen):
    """A table cell with its position in the grid and on the page."""

    row: int = Field(ge=0)
    col: int = Field(ge=0)
    text: str
    bbox: BBox | None


class Table(Frozen):
    """A table recovered from a page, with how it was recovered."""

    page: int
    bbox: BBox | None
    method: Literal["ruled", "word-boxes", "text-columns", "flattened-columns", "flat-rows"]
    n_rows: int
    n_cols: int
    cells: tuple[Cell, ...]
    header: tuple[str, ...] = ()


FactKind = Literal[
    "amount",
    "percentage",
    "date",
    "org_number",
    "personal_number",
    "dnr",
    "participants",
    "party",
    "programme",
    "committee",
]


class Fact(Frozen):
    """One extracted value with its normalized form, role and evidence."""

    kind: FactKind
    text: str = Field(description="The matched text (repaired).")
    value: int | float | str = Field(
        description="Normalized: amounts integer SEK, percentages float, dates ISO (YYYY-MM-DD or YYYY-MM)."
    )
    unit: str | None = None
    period: str | None = Field(
        default=None,
        description="For amounts: per_year, per_calendar_year, per_half_year, per_month, total or None.",
    )
    role: str | None = None
    precision: Literal["day", "month", "year"] | None = None
    section: str | None = Field(default=None, description="Canonical section the fact stands in.")
    attrs: dict[str, str] = Field(default_factory=dict, description="Extra qualifiers: payer, party, table, year.")
    evidence: Evidence


class PaperSpan(Frozen):
    """One paper inside a document: archives bind several papers into one PDF."""

    page_start: int = Field(ge=1)
    page_end: int = Field(ge=1, description="Inclusive.")
    title: str | None = Field(default=None, description="The paper's title line, as read (repaired).")
    dnr: str | None = Field(default=None, description="The first Dnr the paper states.")
    reason: str = Field(description="What started the paper: 'first_page', 'header', 'page_numbering', 'dnr'.")


class InputFailure(Frozen):
    """Why an input was refused: the stage, a stable code and a message in plain words."""

    stage: str
    code: str
    message: str


InputStatus = Literal["ok", "failed", "stale"]
"""What became of an input: its document is current (`ok`); it failed and has no document
(`failed`); or its last run failed and the document of an earlier run is kept (`stale`)."""


class ManifestEntry(Frozen):
    """One input ever seen in the output folder and what became of it.

    `folder` and `path` together name the input in the folder (`weekA` + `000-x.pdf`): a later
    run over the same name updates this entry, and runs over other inputs leave it alone.
    """

    folder: str = Field(description="Name of the INPUT folder the file was found under (a file given by itself: "
                                    "the name of its folder).")
    path: str = Field(description="Path relative to that INPUT folder.")
    doc_id: str | None = Field(description="SHA-256 of the file whose document the folder holds (for a stale "
                                           "input: the last good one), None if there is none.")
    status: InputStatus
    media_type: str | None = None
    page_kinds: tuple[PageKind, ...] = ()
    warnings: tuple[str, ...] = Field(default=(), description="Page warnings, as 'page N: code'.")
    error: InputFailure | None = Field(default=None, description="Why the input failed (for a stale input: "
                                                                 "why its latest run failed).")
    cache_key: str | None = Field(default=None, description="SHA-256 of everything the document depends on "
                                                            "(pipeline version, rules, personal-data setting, "
                                                            "OCR settings and Tesseract data, --redo-ocr); a "
                                                            "run with the same key skips the document.")


class OcrInfo(Frozen):
    """How OCR was configured, so a result can be reproduced."""

    tesseract_version: str
    traineddata_sha256: dict[str, str]
    lang: str
    dpi: str
    thresholding: str


class Manifest(Frozen):
    """Every input the output folder has seen: the record that nothing was lost.

    The settings (versions, rules hash, OCR, personal data) are those of the latest run; each
    entry's `cache_key` says what its own document was made with.
    """

    schema_version: str = SCHEMA_VERSION
    pipeline_version: str
    rules_hash: str
    ocr: OcrInfo
    personal_data: PersonalData = Field(description="'masked' (default) or 'kept' (--keep-personal-data).")
    inputs: tuple[ManifestEntry, ...]
    counts: dict[str, int] = Field(description="Entries by status (inputs, ok, failed, stale) and the distinct "
                                               "documents the folder holds (documents).")


class Document(Frozen):
    """One input file after the per-document stages."""

    schema_version: str = SCHEMA_VERSION
    doc_id: str = Field(description="Full SHA-256 hex of the input file's bytes.")
    source: str = Field(description="Path relative to the INPUT argument it was found under.")
    media_type: str
    pipeline_version: str
    rules_hash: str = Field(description="SHA-256 of the rule files and word lists this document's stages read "
                            "(pipeline/stages.py); the batch stage's rules are not among them.")
    pages: tuple[Page, ...]
    sections: tuple[Section, ...] = ()
    tables: tuple[Table, ...] = ()
    facts: tuple[Fact, ...] = ()
    papers: tuple[PaperSpan, ...] = Field(
        default=(), description="The papers the document holds, in page order (one for a single paper)."
    )
    notes: tuple[str, ...] = Field(default=(), description="Structural oddities worth a look (not failures).")
    personal_data: PersonalData = Field(
        default="kept", description="'masked' once pipeline/privacy.py has masked it, else 'kept' (as the stages leave it)."
    )

    def lines(self) -> list[tuple[int, int, tuple[Word, ...]]]:
        """Return `(page, line, words)` for every line of the document in reading order."""
        return [(page.number, line, words) for page in self.pages for line, words in page.lines()]

    def by_lines(self) -> Document:
        """Return the document with each line's words as one word: their text and scanned forms
        joined, the box around them, the lowest confidence. The batch stage reads lines, never
        single words, and a document held this way takes a fraction of the memory."""
        pages = []
        for page in self.pages:
            merged = []
            for _, words in page.lines():
                boxes = [w.bbox for w in words]
                repaired = any(w.repair is not None for w in words)
                merged.append(words[0].model_copy(update={
                    "text": " ".join(w.text for w in words),
                    "bbox": None if None in boxes else BBox.union(boxes),  # type: ignore[arg-type]
                    "confidence": min(w.confidence for w in words),
                    "repair": Repair(scanned=" ".join(w.scanned for w in words), reason="line",
                                     confidence=min(w.repair.confidence for w in words if w.repair)) if repaired else None,
                }))
            pages.append(page.model_copy(update={"words": tuple(merged)}))
        return self.model_copy(update={"pages": tuple(pages)})

    def text(self) -> str:
        """Return the repaired text, one line per line, pages separated by form feeds."""
        pages: dict[int, list[str]] = {}
        for page_no, _, words in self.lines():
            pages.setdefault(page_no, []).append(" ".join(w.text for w in words))
        return "\f".join("\n".join(pages.get(p.number, [])) for p in self.pages)


# --- batch stage ---
# Types the batch stage (records.py, reconcile/, report.py) writes: records.jsonl,
# discrepancies.json. Values in findings are integer SEK, ISO dates, percentages or names.

FindingKind = Literal[
    "agreement",
    "conflict",
    "changed_between_periods",
    "ocr_disagreement",
    "within_paper_conflict",
    "sum_matches",
    "sum_mismatch",
    "share_matches",
    "share_mismatch",
    "policy_within",
    "policy_outside",
    "name_variant",
    "ambiguous_partnership",
    "paper_versions",
]
Severity = Literal["ok", "info", "warning", "error"]
Outcome = Literal["pass", "fail", "note"]


class Period(Frozen):
    """The time a statement is about: ISO dates `start`..`end` inclusive, and where it came from."""

    start: str
    end: str
    source: Literal["validity", "table_year", "document_date"]


class PartyRef(Frozen):
    """A party as named in a paper, with its canonical organisation."""

    name: str = Field(description="As the paper names it (repaired text).")
    canonical: str
    org_number: str | None = None
    municipal: bool = False
    match: Literal["canonical", "alias", "fuzzy", "new"] = "canonical"
    score: float = Field(default=100.0, description="rapidfuzz ratio of the match, 0-100.")


class StatedValue(Frozen):
    """One value of a record (an amount in SEK, a count, a date) with its evidence."""

    value: int | float | str
    sek: int | None = Field(default=None, description="Integer SEK for amounts.")
    period: str | None = Field(default=None, description="Amount period as stated (per_year, total, ...).")
    qualifier: str | None = Field(default=None, description="Canonical party the value belongs to, if any.")
    approx: bool = Field(default=False, description="Stated as approximate ('ca 53 %').")
    year: str | None = Field(default=None, description="The year the value's own clause names for it ('för 2024': "
                             "'2024'; 'år 2': '2'), if one.")
    evidence: Evidence


class Record(Frozen):
    """What one document says about one partnership (one line of records.jsonl)."""

    doc_id: str = Field(description="Full SHA-256 hex of the input file.")
    source: str
    paper_id: str = Field(description="doc_id of the primary version of the paper this document is a version of.")
    version_role: Literal["primary", "version", "partial_version"]
    partnership_key: str = Field(description="'party A + party B | programme' (programme '-' if unknown).")
    programme: str | None
    parties: tuple[PartyRef, ...]
    committee: str | None = None
    document_date: str | None = None
    valid_from: str | None = None
    valid_to: str | None = None
    period: Period | None = None
    amounts: dict[str, tuple[StatedValue, ...]] = Field(default_factory=dict, description="Keyed by role.")
    percentages: dict[str, tuple[StatedValue, ...]] = Field(default_factory=dict, description="Keyed by role.")
    participants: dict[str, tuple[StatedValue, ...]] = Field(default_factory=dict, description="Keyed by role.")
    dates: dict[str, tuple[StatedValue, ...]] = Field(default_factory=dict, description="Keyed by role.")


class FindingValue(Frozen):
    """One side of a finding: which paper said what, and where."""

    doc_id: str
    value: int | float | str
    label: str | None = Field(default=None, description="What the value is (role, party, period).")
    evidence: Evidence | None = None


class Discrepancy(Frozen):
    """One finding of the batch checks (passes are findings too: kind `agreement`, `sum_matches`...)."""

    id: str = Field(description="sha256 of kind, key and values: stable across re-runs.")
    kind: FindingKind
    check: str = Field(description="Name of the rule in rules/checks.yaml that produced it.")
    severity: Severity
    outcome: Outcome
    key: str = Field(description="Partnership key, paper id or entity the finding is about.")
    field: str | None = None
    values: tuple[FindingValue, ...]
    explanation: str
    details: dict[str, float | int | str | bool | None] = Field(default_factory=dict)
    rests_on_repaired: bool = Field(default=False, description="Some value was repaired or read with low confidence.")


class PaperVersions(Frozen):
    """Inputs recognised as versions of one paper."""

    paper_id: str
    versions: tuple[str, ...] = Field(description="doc_ids, primary first.")
    partial: tuple[str, ...] = Field(default=(), description="doc_ids that hold only some pages of the paper.")
    similarity: dict[str, float] = Field(default_factory=dict, description="doc_id -> similarity to the primary.")


class DiscrepancyReport(Frozen):
    """The content of discrepancies.json."""

    schema_version: str = SCHEMA_VERSION
    papers: tuple[PaperVersions, ...]
    partnerships: tuple[str, ...]
    counts: dict[str, int]
    findings: tuple[Discrepancy, ...]
    skipped: tuple[str, ...] = Field(default=(), description="Facts or documents left out, with the reason.")
