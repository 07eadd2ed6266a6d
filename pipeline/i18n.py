"""The report's languages: message catalogues as data (`pipeline/locale/<lang>.yaml`), numbers and dates.

Every word the report shows comes from a catalogue, so a translation is an edit of a YAML file,
not of code. The catalogues are validated together when first loaded, and every problem is
reported at once: each language has the same keys, each message the same `{placeholders}` as in
the other languages, and every finding kind, severity and outcome of the model has a name.

Numbers are written as the language writes them: Swedish with a no-break space (U+00A0) between
thousands and before a unit, and a decimal comma ("2 368 800 kr", "70,0 %"); English with a
thousands comma and a decimal point. Dates are written as the papers write them: a day as ISO
("2024-03-15", the form of a Swedish paper's date line and of SS-ISO 8601), a month in words
("maj 2018", as in "sedan maj 2018"), a year as it is.
"""

from __future__ import annotations

import re
import string
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Literal, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pipeline.errors import RulesError
from pipeline.model import FindingKind, Outcome, Severity
from pipeline.rules import read_yaml

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
Language = Literal["sv", "en"]
LANGUAGES: tuple[str, ...] = get_args(Language)
DEFAULT_LANGUAGE: Language = "sv"

_ISO_DATE = re.compile(r"(\d{4})-(\d{2})(?:-(\d{2}))?")


class CatalogueFile(BaseModel):
    """One `pipeline/locale/<lang>.yaml`: what the report says, in one language."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    language: str
    thousands_separator: str = Field(min_length=1)
    decimal_separator: str = Field(min_length=1)
    months: tuple[str, ...] = Field(min_length=12, max_length=12)
    kinds: dict[str, str]
    severities: dict[str, str]
    outcomes: dict[str, str]
    terms: dict[str, str] = Field(description="Roles, fields and the fixed words of value labels, by snake_case code.")
    messages: dict[str, object] = Field(description="Nested groups of messages with {placeholders}; flattened to dotted keys.")


def _flatten(data: object, prefix: str, out: dict[str, str], problems: list[str], where: str) -> None:
    if isinstance(data, dict):
        for k, v in data.items():
            _flatten(v, f"{prefix}.{k}" if prefix else str(k), out, problems, where)
    elif isinstance(data, str):
        out[prefix] = data
    else:
        problems.append(f"{where}: messages.{prefix}: a message must be a string")


def placeholders(message: str) -> frozenset[str]:
    """The `{names}` a message uses (ValueError for a malformed one, or an index or attribute)."""
    names = set()
    for _, name, spec, conversion in string.Formatter().parse(message):
        if name is None:
            continue
        if not name.isidentifier() or spec or conversion:
            raise ValueError(f"placeholder {{{name}}} must be a plain name")
        names.add(name)
    return frozenset(names)


class Catalogue:
    """One language's messages, names and number and date formats."""

    def __init__(self, data: CatalogueFile, messages: dict[str, str]):
        self.language = data.language
        self.data = data
        self.messages = messages

    def t(self, message_key: str, /, **params: object) -> str:
        """The message `message_key` with its placeholders filled (KeyError names a missing key)."""
        try:
            message = self.messages[message_key]
        except KeyError:
            raise KeyError(f"no message {message_key!r} in the {self.language} catalogue") from None
        return message.format(**params)

    def raw(self, key: str) -> str:
        """The message `key` unfilled, for the report's script to fill in the browser."""
        return self.messages[key]

    def kind(self, kind: str) -> str:
        return self.data.kinds[kind]

    def severity(self, severity: str) -> str:
        return self.data.severities[severity]

    def outcome(self, outcome: str) -> str:
        return self.data.outcomes[outcome]

    def term(self, code: str) -> str | None:
        """A role, field or label word by its snake_case code, or None when the catalogue has none."""
        return self.data.terms.get(code)

    # ------------------------------------------------------------------ numbers and dates

    def number(self, x: int | float | Decimal, decimals: int | None = None, signed: bool = False) -> str:
        """`x` with the language's thousands and decimal separators; `decimals` None: as many as it has."""
        if decimals is None:
            decimals = 0 if isinstance(x, int) else max(0, -int(Decimal(str(x)).normalize().as_tuple().exponent))
        text = f"{abs(x):,.{decimals}f}"
        text = text.replace(",", "\0").replace(".", self.data.decimal_separator).replace("\0", self.data.thousands_separator)
        sign = "-" if x < 0 else "+" if signed and x > 0 else ""
        return sign + text

    def amount(self, sek: int | float | Decimal) -> str:
        return self.t("format.amount", n=self.number(sek))

    def percent(self, pct: int | float | Decimal, decimals: int | None = None, signed: bool = False) -> str:
        return self.t("format.percent", n=self.number(pct, decimals, signed))

    def date(self, iso: str) -> str:
        """A date as the papers write it: a day as ISO, a month in words; anything else unchanged."""
        m = _ISO_DATE.fullmatch(iso.strip())
        if m is None or not 1 <= int(m.group(2)) <= 12:
            return iso
        year, month, day = m.group(1), int(m.group(2)), m.group(3)
        name = self.data.months[month - 1]
        if day is None:
            return self.t("format.date_month", month=name, year=year)
        return self.t("format.date_day", iso=m.group(0), day=int(day), month=name, year=year)

    def page(self, n: int) -> str:
        return self.t("format.page", n=n)


def _validate(files: dict[str, CatalogueFile], flat: dict[str, dict[str, str]], problems: list[str]) -> None:
    """Every language has the same keys and placeholders; every kind, severity and outcome has a name."""
    required = {"kinds": set(get_args(FindingKind)), "severities": set(get_args(Severity)), "outcomes": set(get_args(Outcome))}
    for lang, data in files.items():
        where = f"{lang}.yaml"
        if data.language != lang:
            problems.append(f"{where}: language: is {data.language!r}, the file name says {lang!r}")
        for section, names in required.items():
            have = set(getattr(data, section))
            if names - have:
                problems.append(f"{where}: {section}: missing {', '.join(sorted(names - have))}")
            if have - names:
                problems.append(f"{where}: {section}: not in the model: {', '.join(sorted(have - names))}")
        for key, message in flat[lang].items():
            try:
                placeholders(message)
            except ValueError as err:
                problems.append(f"{where}: messages.{key}: {err}")
    reference, *others = sorted(files, key=lambda lang: lang != "en")
    for lang in others:
        for section in ("terms",):
            a, b = set(getattr(files[reference], section)), set(getattr(files[lang], section))
            for key in sorted(a ^ b):
                problems.append(f"{lang if key in a else reference}.yaml: {section}.{key}: missing (the other language has it)")
        a, b = set(flat[reference]), set(flat[lang])
        for key in sorted(a ^ b):
            problems.append(f"{lang if key in a else reference}.yaml: messages.{key}: missing (the other language has it)")
        for key in sorted(a & b):
            try:
                if placeholders(flat[reference][key]) != placeholders(flat[lang][key]):
                    problems.append(f"{lang}.yaml: messages.{key}: placeholders differ from {reference}.yaml")
            except ValueError:
                pass  # reported above


@lru_cache(maxsize=2)
def load_catalogues(directory: Path = LOCALE_DIR) -> dict[str, Catalogue]:
    """Read and validate every language's catalogue under `directory`.

    Raises:
        RulesError: listing every missing file, YAML error, invalid key and mismatch together.
    """
    problems: list[str] = []
    files: dict[str, CatalogueFile] = {}
    flat: dict[str, dict[str, str]] = {}
    for lang in LANGUAGES:
        path = directory / f"{lang}.yaml"
        try:
            files[lang] = CatalogueFile.model_validate(read_yaml(path))
        except FileNotFoundError:
            problems.append(f"{path.name}: missing")
            continue
        except yaml.YAMLError as err:
            problems.append(f"{path.name}: not valid YAML: {err}")
            continue
        except ValidationError as err:
            for e in err.errors():
                problems.append(f"{path.name}: {'.'.join(str(p) for p in e['loc']) or '(top)'}: {e['msg']}")
            continue
        flat[lang] = {}
        _flatten(files[lang].messages, "", flat[lang], problems, path.name)
    if not problems:
        _validate(files, flat, problems)
    if problems:
        raise RulesError("invalid message catalogues in " + str(directory) + ":\n  " + "\n  ".join(problems))
    return {lang: Catalogue(files[lang], flat[lang]) for lang in LANGUAGES}


def catalogue(lang: str = DEFAULT_LANGUAGE) -> Catalogue:
    """The validated catalogue of `lang` (ValueError for a language the report is not written in)."""
    if lang not in LANGUAGES:
        raise ValueError(f"report language {lang!r}: choose one of {', '.join(LANGUAGES)}")
    return load_catalogues()[lang]
