"""Precision and recall of fact extraction per kind and per source, against tests/expectations.py.

Reads an output folder of `papers run` over corpus/inputs/ and scores each paper's born-digital
PDF, 300 dpi scan and 200 dpi scan against the hand-written expectation table.

    .venv/bin/python bench/eval_facts.py extracted/
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipeline.model import Document  # noqa: E402
from tests.expectations import FACTS, matches, score  # noqa: E402

SOURCES = ("born-digital", "scans-300", "scans-200")
KINDS = ("amount", "percentage", "date", "org_number", "dnr", "participants", "party", "programme", "committee")


def corpus_documents(out: Path) -> dict[tuple[str, str], Document]:
    """Return `{(source folder, seed): Document}` for the corpus papers in an output folder."""
    manifest = json.loads((out / "manifest.json").read_text())
    found = {}
    for entry in manifest["inputs"]:
        folder, name = entry["path"].split("/", 1)
        seed = name[:3]
        if folder in SOURCES and seed in FACTS and entry["status"] == "ok":
            found[(folder, seed)] = Document.model_validate_json((out / "documents" / f"{entry['doc_id']}.json").read_bytes())
    return found


def missing_facts(doc: Document, seed: str) -> list:
    return [e for e in FACTS[seed] if not any(matches(e, f) for f in doc.facts)]


def main(out: Path) -> None:
    documents = corpus_documents(out)
    print(f"{'kind':14s}" + "".join(f"{s:>22s}" for s in SOURCES))
    totals: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for (source, seed), doc in sorted(documents.items()):
        for kind, (precision, recall) in score(FACTS[seed], doc.facts, set(KINDS)).items():
            want = sum(e.kind == kind for e in FACTS[seed])
            totals[source][kind].append((precision, recall, want))
    for kind in KINDS:
        cells = []
        for source in SOURCES:
            rows = totals[source][kind]
            want = sum(w for _, _, w in rows)
            recall = sum(r * w for _, r, w in rows) / want if want else 1.0
            precision = sum(p for p, _, _ in rows) / len(rows) if rows else 1.0
            cells.append(f"P {precision:.2f} R {recall:.2f} ({want:3d})")
        print(f"{kind:14s}" + "".join(f"{c:>22s}" for c in cells))
    for (source, seed), doc in sorted(documents.items()):
        for e in missing_facts(doc, seed):
            print(f"missing {source}/{seed}: {e}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "extracted"))
