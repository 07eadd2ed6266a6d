"""Measure OCR accuracy of a run against the corpus ground truth.

Character error rate (Levenshtein distance / truth length, whitespace normalized) of every
scanned input, grouped by folder (scans-300, scans-200, images); pages lost (near-empty);
and whether born-digital text-layer text equals its source text.

    .venv/bin/python bench/ocr_accuracy.py extracted/
"""

from __future__ import annotations

import json
import re
import sys
from collections import defaultdict
from pathlib import Path

from rapidfuzz.distance import Levenshtein

ROOT = Path(__file__).resolve().parent.parent
TRUTH = ROOT / "corpus" / "truth"


def normalize(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def scanned_text(doc: dict) -> str:
    """Return the document's text as read (before repair), lines joined by spaces."""
    return normalize(" ".join((w["repair"] or {}).get("scanned", w["text"]) for p in doc["pages"] for w in p["words"]))


def truth_for(source: str) -> Path | None:
    folder, name = source.split("/", 1)
    if folder == "images":
        candidate = TRUTH / "images" / (Path(name).stem + ".txt")
    else:
        candidate = TRUTH / (Path(name).stem + ".txt")
    return candidate if candidate.is_file() else None


def main(out: Path) -> None:
    manifest = json.loads((out / "manifest.json").read_text())
    errors: dict[str, list[tuple[int, int]]] = defaultdict(list)
    lost = 0
    pages = 0
    for entry in manifest["inputs"]:
        if entry["status"] != "ok":
            continue
        doc = json.loads((out / "documents" / f"{entry['doc_id']}.json").read_text())
        folder = entry["path"].split("/", 1)[0]
        truth_path = truth_for(entry["path"])
        if truth_path is None:
            continue
        truth = normalize(truth_path.read_text())
        read = scanned_text(doc)
        errors[folder].append((Levenshtein.distance(read, truth), len(truth)))
        for page in doc["pages"]:
            pages += 1
            lost += "near_empty" in page["warnings"]
    for folder, pairs in sorted(errors.items()):
        distance = sum(d for d, _ in pairs)
        length = sum(n for _, n in pairs)
        print(f"{folder:14s} documents {len(pairs):2d}  CER {100 * distance / length:.2f} %")
    print(f"pages {pages}, lost (near-empty) {lost}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "extracted"))
