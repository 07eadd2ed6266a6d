"""Personal data masked, and spreadsheet cells kept from becoming formulas: the one mask-and-escape module.

Every writer goes through here. A document is masked once, after its last stage and before it
is written (`mask_document` for its words, facts, tables and file name, `black_out` for its
evidence images), so every stage still reads the real digits (the facts stage flags a
personnummer only when it sees one). The manifest is masked where it is built and the batch
outputs where they are written (`mask_model`, `mask_result`); the batch writers follow the
setting the manifest records, so `papers reconcile` keeps what `papers run` kept.

A match is masked character by character: letters and digits become `*`, the rest stays. Text
keeps its length and shape, so a mask found on a page's joined text maps back onto the words
(and their boxes) it came from, and an auditor sees that a ten-digit number stood there
(`******-****`). What counts as personal data is data: `rules/privacy.yaml`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import math
import numbers
import re
from collections.abc import Callable
from functools import lru_cache, partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
from PIL import Image, ImageDraw
from pydantic import BaseModel
from stdnum import luhn

from pipeline.model import BBox, Document, PersonalData, Word
from pipeline.packed import OnDisk, Packed, PackedByKey
from pipeline.render import EVIDENCE_JPEG_QUALITY
from pipeline.rules import PersonalDataKind, PrivacyRules
from pipeline.store import MANIFEST

if TYPE_CHECKING:
    from xlsxwriter.format import Format
    from xlsxwriter.workbook import Workbook
    from xlsxwriter.worksheet import Worksheet

    from pipeline.reconcile import ReconcileResult

MASK = "*"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""A cell starting with one of these is read as a formula by spreadsheets (OWASP: CSV injection)."""

IDENTIFIERS = frozenset({
    "doc_id", "paper_id", "id", "versions", "partial", "rules_hash", "pipeline_version", "schema_version",
    "media_type", "image", "tesseract_version", "traineddata_sha256", "words",
})
"""Keys whose values are never masked: hex ids, hashes and paths the pipeline made itself (a
doc_id may hold ten decimal digits in a row), and a page's words (masked line by line instead)."""

BLACK_OUT_MARGIN_PX = 2
"""Pixels added around a masked word's box in the evidence image, so no stroke of it stays visible."""

M = TypeVar("M", bound=BaseModel)


# --------------------------------------------------------------------------- finding


def is_personnummer(digits: str) -> bool:
    """A personnummer or samordningsnummer: 10 digits (12 with the century), a real birth date
    (day + 60 for a samordningsnummer) and the Luhn check digit.

    An organisation number has 20 or more where the month stands, so it is never one.
    """
    if len(digits) == 12 and digits[:2] in ("18", "19", "20"):
        centuries: tuple[int, ...] = (int(digits[:2]),)
        digits = digits[2:]
    elif len(digits) == 10:
        centuries = (18, 19, 20)
    else:
        return False
    year, month, day = int(digits[:2]), int(digits[2:4]), int(digits[4:6])
    day = day - 60 if day > 60 else day
    return any(_is_date(c * 100 + year, month, day) for c in centuries) and luhn.is_valid(digits)


def _is_date(year: int, month: int, day: int) -> bool:
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return True


CHECKS = {"personnummer": is_personnummer}


def _passes(kind: PersonalDataKind, matched: str) -> bool:
    digits = "".join(c for c in matched if c in "0123456789")
    if len(digits) < kind.min_digits or (kind.max_digits is not None and len(digits) > kind.max_digits):
        return False
    return kind.check is None or CHECKS[kind.check](digits)


def find_spans(text: str, rules: PrivacyRules) -> list[tuple[int, int]]:
    """Return the character ranges of personal data in `text`, sorted (they may overlap)."""
    spans = []
    for kind in rules.kinds:
        for pattern in kind.patterns:
            for m in re.finditer(pattern, text):
                start, end = m.span("mask") if "mask" in m.re.groupindex else m.span()
                if _passes(kind, text[start:end]):
                    spans.append((start, end))
    return sorted(spans)


# --------------------------------------------------------------------------- masking text


def _masked(text: str, spans: list[tuple[int, int]]) -> str:
    chars = list(text)
    for start, end in spans:
        for i in range(start, end):
            if chars[i].isalnum():
                chars[i] = MASK
    return "".join(chars)


def mask_text(text: str, rules: PrivacyRules) -> str:
    """Return `text` with the letters and digits of its personal data replaced by `*`."""
    return _masked(text, find_spans(text, rules))


def _mask_all(text: str) -> str:
    return _masked(text, [(0, len(text))])


@lru_cache(maxsize=4)
def _masker(rules: PrivacyRules) -> Callable[[str], str]:
    """`mask_text` under `rules`, remembering its answers: a batch's records and findings repeat
    their strings (labels, units, names: 1 700 distinct of 8 000 in 100 papers)."""
    return lru_cache(maxsize=1 << 16)(partial(mask_text, rules=rules))


def _mask_data(data: Any, mask: Callable[[str], str]) -> Any:
    """Mask every string in JSON-like data, except under the keys in IDENTIFIERS (dict keys stay)."""
    if isinstance(data, dict):
        return {k: v if k in IDENTIFIERS else _mask_data(v, mask) for k, v in data.items()}
    if isinstance(data, list):
        return [_mask_data(v, mask) for v in data]
    if isinstance(data, str):
        return mask(data)
    return data


def mask_model(model: M, rules: PrivacyRules) -> M:
    """Return `model` with every string masked except identifiers (ids, hashes, image paths): a copy,
    or `model` itself when it holds no personal data, so a masked batch holds no second copy of it."""
    data = model.model_dump(mode="json")
    masked = _mask_data(data, _masker(rules))
    return model if masked == data else type(model).model_validate(masked)


def _mask_field(value: Any, rules: PrivacyRules) -> Any:
    """Mask a field's value as `mask_model` would, a tuple item by item (one finding at a time)."""
    if isinstance(value, tuple):
        return tuple(_mask_field(v, rules) for v in value)
    if isinstance(value, OnDisk | Packed):  # a sequence held on disk or packed: into another of its kind
        return type(value)(_mask_field(v, rules) for v in value)
    return mask_model(value, rules) if isinstance(value, BaseModel) else _mask_data(value, _masker(rules))


# --------------------------------------------------------------------------- documents


def _mask_words(texts: list[str], lines: list[int], rules: PrivacyRules) -> list[str | None]:
    """Mask a page's words as one text (words joined by spaces, lines by newlines), so a phone
    number split into words or an address over two lines is found; None where a word is unchanged."""
    starts, pieces, at = [], [], 0
    for i, text in enumerate(texts):
        if i:
            pieces.append(" " if lines[i] == lines[i - 1] else "\n")
            at += 1
        starts.append(at)
        pieces.append(text)
        at += len(text)
    joined = "".join(pieces)
    spans = find_spans(joined, rules)
    if not spans:
        return [None] * len(texts)
    masked = _masked(joined, spans)
    return [None if masked[s : s + len(t)] == t else masked[s : s + len(t)] for s, t in zip(starts, texts)]


def mask_document(doc: Document, rules: PrivacyRules) -> tuple[Document, dict[int, list[BBox]]]:
    """Return `doc` with its personal data masked, and the boxes of the masked words by page.

    Words are masked in both forms, repaired and as scanned; a word found in one form only is
    masked whole in the other (the forms may differ in length). Every other string (facts'
    text, value and evidence, table cells, headings, the file name) is masked on its own; a
    personal_number fact's value (already partly masked by the facts stage) is masked whole.
    """
    pages = []
    masked_words: list[tuple[Word, ...]] = []
    hidden: dict[int, list[BBox]] = {}
    for page in doc.pages:
        lines = [w.line for w in page.words]
        repaired = _mask_words([w.text for w in page.words], lines, rules)
        scanned = _mask_words([w.scanned for w in page.words], lines, rules)
        words = []
        for word, text, as_scanned in zip(page.words, repaired, scanned):
            if text is not None or as_scanned is not None:
                update: dict[str, object] = {"text": text or _mask_all(word.text)}
                if word.repair:
                    update["repair"] = word.repair.model_copy(update={"scanned": as_scanned or _mask_all(word.scanned)})
                word = word.model_copy(update=update)
                if word.bbox is not None:
                    hidden.setdefault(page.number, []).append(word.bbox)
            words.append(word)
        masked_words.append(tuple(words))
        pages.append(page.model_copy(update={"words": ()}))
    # The words (masked above, never masked again: IDENTIFIERS) bypass the JSON round trip, so a
    # 500-page document is not held three times over (model, its dump, the masked copy).
    data = _mask_data(doc.model_copy(update={"pages": tuple(pages)}).model_dump(mode="json"), _masker(rules))
    for fact in data["facts"]:
        if fact["kind"] == "personal_number" and isinstance(fact["value"], str):
            fact["value"] = _mask_all(fact["value"])
    data["personal_data"] = "masked"
    masked = Document.model_validate(data)
    return masked.model_copy(update={"pages": tuple(
        page.model_copy(update={"words": words}) for page, words in zip(masked.pages, masked_words))}), hidden


def black_out(evidence: dict[int, tuple[bytes, float]], hidden: dict[int, list[BBox]]) -> dict[int, tuple[bytes, float]]:
    """Return the evidence images (JPEG, pixels per point) with every masked word's box painted
    black; pages without a masked word keep their bytes."""
    out = dict(evidence)
    for number, boxes in hidden.items():
        if number not in evidence:
            continue
        data, scale = evidence[number]
        with Image.open(io.BytesIO(data)) as image:
            page = image.convert("L")
        draw = ImageDraw.Draw(page)
        m = BLACK_OUT_MARGIN_PX
        for box in boxes:
            draw.rectangle((math.floor(box.x0 * scale) - m, math.floor(box.top * scale) - m,
                            math.ceil(box.x1 * scale) + m, math.ceil(box.bottom * scale) + m), fill=0)
        buffer = io.BytesIO()
        page.save(buffer, format="JPEG", quality=EVIDENCE_JPEG_QUALITY, optimize=True)
        out[number] = (buffer.getvalue(), scale)
    return out


# --------------------------------------------------------------------------- batch outputs


def folder_setting(out_dir: Path) -> PersonalData:
    """Return what the manifest of `out_dir` records ('masked' when there is none or it is unreadable)."""
    try:
        recorded = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8")).get("personal_data")
    except (OSError, ValueError, AttributeError):
        return "masked"
    return "kept" if recorded == "kept" else "masked"


def outputs_view(result: ReconcileResult, out_dir: Path, rules: PrivacyRules) -> ReconcileResult:
    """The batch result as every output shows it: masked unless the folder's manifest records
    --keep-personal-data (also what `make docs` screenshots)."""
    return mask_result(result, rules) if folder_setting(out_dir) == "masked" else result


def mask_result(result: ReconcileResult, rules: PrivacyRules) -> ReconcileResult:
    """Return the batch result with records, findings and document names masked (the report
    shows nothing else of a document but its evidence images, already blacked out)."""
    return dataclasses.replace(
        result,
        records=Packed(mask_model(r, rules) for r in result.records),
        # field by field: the whole report as JSON data at once was the batch stage's peak of memory
        report=result.report.model_copy(update={k: _mask_field(v, rules) for k, v in result.report if k not in IDENTIFIERS}),
        documents=PackedByKey.of((i, d.model_copy(update={"source": _masker(rules)(d.source)})) for i, d in result.documents.items()),
    )


# --------------------------------------------------------------------------- spreadsheet cells


def formula_like(value: object) -> bool:
    """Tell whether a spreadsheet would read `value` as a formula: a string starting with =, +, -,
    @, tab or CR. Only strings: a negative number stays a number. The one test every writer of
    spreadsheet cells (report.xlsx, records.csv) uses."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


class SpreadsheetWriter:
    """Sheets of an XlsxWriter workbook, written row by row. A string a spreadsheet would read as a
    formula is written as a text cell with a quote prefix, as Excel writes a typed `'=…`, so it
    stays text even when the cell is edited; numbers stay numbers, booleans booleans, None and "" blank."""

    def __init__(self, workbook: Workbook):
        self.workbook = workbook
        self.quoted = workbook.add_format({"quote_prefix": True})

    def add(self, title: str, header: list[str]) -> SpreadsheetSheet:
        """A new sheet with `header` as its first row, frozen."""
        sheet = SpreadsheetSheet(self.workbook.add_worksheet(title), self.quoted)
        sheet.worksheet.freeze_panes(1, 0)
        sheet.row(header)
        return sheet


class SpreadsheetSheet:
    """One sheet of a SpreadsheetWriter: `row` appends the next row."""

    def __init__(self, worksheet: Worksheet, quoted: Format):
        self.worksheet, self.quoted, self.rows = worksheet, quoted, 0

    def row(self, values: list[object]) -> None:
        for column, value in enumerate(values):
            if value is None or value == "":
                continue  # a blank cell, as openpyxl leaves an empty string
            if isinstance(value, str):
                self.worksheet.write_string(self.rows, column, value, self.quoted if formula_like(value) else None)
            elif isinstance(value, (bool, np.bool_)):
                self.worksheet.write_boolean(self.rows, column, bool(value))
            elif isinstance(value, numbers.Real):
                self.worksheet.write_number(self.rows, column, value)
            else:
                self.worksheet.write_string(self.rows, column, str(value))
        self.rows += 1


def csv_cell(value: object) -> str:
    """One CSV field: empty for a missing value; a string a spreadsheet would read as a formula
    gets a leading `'` (OWASP's CSV-injection advice), as report.xlsx's quote prefix shows it."""
    if value is None:
        return ""
    text = str(value)
    return "'" + text if formula_like(value) else text
