"""Each stage's version, the rules it reads and the libraries it leans on: the re-run cache keys.

A document's output depends on its bytes and on each stage it passed through. A stage's key
hashes the key of the stage before it, the stage's own version, the bytes of exactly the rule
files it reads and the versions of the libraries that shape its output; so a change re-runs that
stage and those after it, and nothing before. The version is bumped in the commit that changes
the stage's output: `python -m pipeline.stages` checks the committed table of output hashes
(docs/stages.json) against `extracted/` and refuses a changed hash under an unchanged version.
Which rule sets a stage reads is checked by recording what it touches (tests/test_stages.py).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from pipeline import spellcheck
from pipeline.lexicon import lexicon_id
from pipeline.paths import CHECKOUT_DIR
from pipeline.rules import Rules


@dataclass(frozen=True)
class StageVersion:
    """One stage as the cache sees it."""

    name: str
    version: int
    rules: tuple[str, ...]
    """The rule sets it reads (`rules/<name>.yaml`; `<name>.<section>` only that section of one, as
    ingest reads only the ruled-table settings of tables.yaml; `lexicon` is the word lists and
    training text)."""
    libraries: tuple[str, ...] = ()
    """Distributions whose version can change its output."""


DOCUMENT_STAGES: tuple[StageVersion, ...] = (
    StageVersion("ocr", 36, ("ingest", "lexicon", "ocr", "tables.ruled"), ("pdfminer.six", "pdfplumber", "pypdfium2", "pikepdf",
                                                              "pillow", "numpy", "opencv-python-headless")),
    StageVersion("repair", 26, ("confusions", "lexicon", "repair"), ("wordfreq", "spylls", "hunspell-sv")),
    StageVersion("tables", 52, ("tables",)),
    StageVersion("segment", 1, ("sections",), ("rapidfuzz",)),
    StageVersion("papers", 5, ("papers",)),
    StageVersion("facts", 72, ("facts",)),
    StageVersion("output", 4, ("privacy",)),
)
"""The stages a document passes through, in order: ingest and OCR (text layers read, pages OCR'd,
ruled tables found), then the stages after OCR (run.STAGES), then masking and writing."""

BATCH_STAGE = StageVersion("batch", 38, ("checks", "entities", "privacy"),
                           ("rapidfuzz", "pandas", "pyarrow", "xlsxwriter", "jinja2"))
"""Reconciliation over the whole store and the report."""

STAGE_TABLE = CHECKOUT_DIR / "docs" / "stages.json"


def _library_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "absent"


def _rules_digest(rules: Rules, names: tuple[str, ...]) -> dict[str, str]:
    return {name: lexicon_id() if name == "lexicon" else _section_hash(rules, name) if "." in name
            else rules.file_hashes[name] for name in names}


def _section_hash(rules: Rules, name: str) -> str:
    """Hash one section of a rule set (`tables.ruled`): its settings as loaded, so the file's other
    sections, comments and layout leave the key as it is."""
    ruleset, section = name.split(".")
    settings = getattr(getattr(rules, ruleset), section)
    return hashlib.sha256(json.dumps(settings.model_dump(mode="json"), sort_keys=True).encode()).hexdigest()


def stage_keys(rules: Rules, ocr: dict, personal_data: str) -> dict[str, str]:
    """Return the cache key of every document stage, each chained to the one before it.

    Args:
        rules: the loaded rules (their per-file hashes).
        ocr: what Tesseract was and was asked (version, language data, settings, --redo-ocr).
        personal_data: "masked" or "kept": the output stage's own setting.
    """
    keys: dict[str, str] = {}
    before = ""
    for stage in DOCUMENT_STAGES:
        own = {"before": before, "name": stage.name, "version": stage.version,
               "rules": _rules_digest(rules, stage.rules),
               "libraries": {name: _library_version(name) for name in stage.libraries}}
        if stage.name == "ocr":
            own["tesseract"] = ocr
        if stage.name == "repair":
            own["hunspell"] = spellcheck.backend()  # libhunspell and spylls differ on a few words
        if stage.name == "output":
            own["personal_data"] = personal_data
        before = keys[stage.name] = hashlib.sha256(json.dumps(own, sort_keys=True).encode()).hexdigest()
    return keys


def document_rules_hash(rules: Rules) -> str:
    """Hash the rule files a document's own stages read (what `Document.rules_hash` records): a
    change to the batch stage's rules leaves every document as it is."""
    names = sorted({name for stage in DOCUMENT_STAGES for name in stage.rules})
    return hashlib.sha256(json.dumps(_rules_digest(rules, tuple(names)), sort_keys=True).encode()).hexdigest()


# --------------------------------------------------------------------------- output hashes


def _scanned_page(page: dict) -> dict:
    """A page as OCR or the text layer gave it: words in their scanned form, without repair."""
    words = [{**{k: v for k, v in w.items() if k not in ("repair", "text")},
              "scanned": (w.get("repair") or {}).get("scanned", w["text"])} for w in page["words"]]
    return {**{k: v for k, v in page.items() if k not in ("repair", "words")}, "words": words}


def stage_outputs(doc: dict) -> dict[str, object]:
    """Split a written document (JSON) into the part each stage makes."""
    return {
        "ocr": {"pages": [_scanned_page(p) for p in doc["pages"]],
                "tables": [t for t in doc["tables"] if t["method"] == "ruled"]},
        "repair": [[(w["text"], w.get("repair")) for w in p["words"]] + [p.get("repair")] for p in doc["pages"]],
        "tables": [t for t in doc["tables"] if t["method"] != "ruled"],
        "segment": [doc["sections"], doc["notes"]],
        "papers": doc["papers"],
        "facts": doc["facts"],
        # rules_hash only records which rules the stages read: a rule change re-runs them through
        # the keys, and is no change of the output stage's code
        "output": {k: v for k, v in doc.items() if k != "rules_hash"},
    }


def _digest(data: object) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def output_hashes(extracted: Path) -> dict[str, str]:
    """Hash each stage's output over every document of an output folder (and the batch stage's files)."""
    parts: dict[str, list[object]] = {stage.name: [] for stage in DOCUMENT_STAGES}
    for path in sorted((extracted / "documents").glob("*.json")):
        for name, part in stage_outputs(json.loads(path.read_text(encoding="utf-8"))).items():
            parts[name].append(part)
    hashes = {name: _digest(part) for name, part in parts.items()}
    batch = [(p.name, hashlib.sha256(p.read_bytes()).hexdigest())
             for p in sorted(extracted.iterdir()) if p.is_file() and p.name != "manifest.json"]
    hashes[BATCH_STAGE.name] = _digest(batch)
    return hashes


def check_table(extracted: Path, table: dict) -> tuple[dict, list[str]]:
    """Compare the stages' output hashes on `extracted` with the committed table.

    A stage's output may change only with a new version of it, or with its input: a stage before
    it that changed (the chained keys re-run it then). Returns the table as it should be and the
    problems: each stage whose output changed with nothing before it or of its own bumped.
    """
    hashes = output_hashes(extracted)
    problems: list[str] = []
    new: dict[str, dict] = {}
    input_changed = False
    for stage in (*DOCUMENT_STAGES, BATCH_STAGE):
        recorded = table.get(stage.name, {})
        bumped = recorded.get("version") != stage.version
        changed = recorded.get("output_sha256") != hashes[stage.name]
        if changed and not bumped and not input_changed:
            problems.append(f"stage {stage.name}: its output on {extracted} changed but its version is still "
                            f"{stage.version}; bump it in pipeline/stages.py")
        input_changed = input_changed or bumped or changed
        new[stage.name] = {"version": stage.version, "output_sha256": hashes[stage.name],
                           "rules": list(stage.rules), "libraries": list(stage.libraries)}
    return new, problems


def main(argv: list[str] | None = None) -> int:
    """Check (or with --update, rewrite) docs/stages.json against extracted/."""
    parser = argparse.ArgumentParser(prog="python -m pipeline.stages", description=main.__doc__)
    parser.add_argument("--extracted", type=Path, default=CHECKOUT_DIR / "extracted")
    parser.add_argument("--update", action="store_true", help="write the table (refused while a check fails)")
    args = parser.parse_args(argv)
    table = json.loads(STAGE_TABLE.read_text()) if STAGE_TABLE.exists() else {}
    new, problems = check_table(args.extracted, table)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        return 1
    if args.update:
        STAGE_TABLE.write_text(json.dumps(new, indent=1, sort_keys=True) + "\n")
    elif new != table:
        print("docs/stages.json is out of date: run python -m pipeline.stages --update", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
