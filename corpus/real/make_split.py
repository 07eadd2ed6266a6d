"""Choose the frozen test part of the real development papers (../shared/realdev/).

The rule was fixed before any extractor was tuned on these papers, and is applied blind:

1. Units. A chain of related papers (the "Related pairs and chains" of realdev's INDEX.md)
   is one unit, so a whole chain lands on one side; chains that cite each other's figures
   (1: ombudgetering 01-02 and 2: årsredovisning 03-04, where 03's table matches 01's
   bilaga) are merged. Every other paper is a unit of its own.
2. Order. Units are ordered by the SHA-256 of their name (their file numbers joined by
   "+", e.g. "01+02+03+04") — an order that knows nothing of their content.
3. Fill. Units are taken in that order into the test part until it holds at least one
   third of the papers (13 of 37); everything else is the development (tuning) part.

Run: `python corpus/real/make_split.py ../shared/realdev` writes corpus/real/split.json.
"""
from __future__ import annotations

import hashlib
import json
import math
import sys
from pathlib import Path

CHAINS = [  # INDEX.md's chains (10 lies within paper 19), 1 and 2 merged
    ["01", "02", "03", "04"],
    ["05", "06", "07", "08"],
    ["09", "10"],
    ["11", "12"],
    ["14", "15", "16"],
    ["22", "23", "24"],
    ["29", "30"],
    ["31", "32", "33"],
]
OUT = Path(__file__).resolve().parent / "split.json"


def units(numbers: list[str]) -> list[list[str]]:
    """Return the chains plus one unit per paper that belongs to no chain."""
    chained = {n for chain in CHAINS for n in chain}
    return CHAINS + [[n] for n in numbers if n not in chained]


def split(realdev: Path) -> dict[str, list[str]]:
    """Apply the rule to the papers in `realdev`; return file names per part."""
    papers = sorted(p.name for p in realdev.glob("[0-9][0-9]_*.md"))
    by_number = {name[:2]: name for name in papers}
    target = math.ceil(len(papers) / 3)
    ordered = sorted(units(sorted(by_number)), key=lambda u: hashlib.sha256("+".join(u).encode()).hexdigest())
    test: list[str] = []
    for unit in ordered:
        if len(test) >= target:
            break
        test.extend(unit)
    return {
        "rule": "chains whole; units ordered by sha256 of their joined file numbers; "
        "taken into test until it holds ceil(n/3) papers (corpus/real/make_split.py)",
        "test": sorted(by_number[n] for n in test),
        "dev": sorted(by_number[n] for n in by_number if n not in test),
    }


if __name__ == "__main__":
    result = split(Path(sys.argv[1]))
    OUT.write_text(json.dumps(result, indent=2, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
    print(f"test {len(result['test'])}, dev {len(result['dev'])}")
