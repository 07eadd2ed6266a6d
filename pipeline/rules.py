"""Load and validate everything under rules/ once, and hash it for the re-run cache.

Each YAML file `rules/<name>.yaml` maps to one field `<name>` of `Rules`, typed by a pydantic
model declared here. Every problem in every file is gathered into one `RulesError`, naming
the file and the key, so a rule author sees all mistakes at once.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from pipeline.errors import RulesError

RULES_DIR = Path(__file__).resolve().parent.parent / "rules"


class RuleSet(BaseModel):
    """Base of every rule file's model: immutable, unknown keys are errors (typos show)."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class IngestRules(RuleSet):
    """How pages are classified (rules/ingest.yaml)."""

    min_words_for_text_layer: int
    damaged_min_lexicon_hit_rate: float
    near_empty_max_words: int


class Rules(RuleSet):
    """All validated rules. Add a rule file by adding a field typed by its RuleSet model."""

    ingest: IngestRules
    directory: Path
    hash: str


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
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
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
    return Rules(directory=directory, hash=rules_hash(directory), **loaded)
