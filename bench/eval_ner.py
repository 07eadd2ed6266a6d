"""Measure whether a small spaCy NER, trained on the dev papers' party annotations, adds parties
the rule-based extractor misses.

Only the development part of corpus/real/split.json is read; the test papers are filtered out
by name before any file is opened (their text, expectations and pipeline output stay unread).

What it does:

1. Training spans: for each dev paper, every occurrence in corpus/real/truth/<stem>.txt of each
   expected party's name and aliases (aliases under 2 characters skipped): case-sensitive matches
   first, then (unless --case-sensitive) case-insensitive ones on the text still free; a match must
   start and end at a word boundary, a trailing genitive "s" / ":s" is taken along; overlaps are
   resolved by the longest match. Spans are labelled ORG (or, with --label kind, with the party's
   kind) and kept when they align to the tokens of spacy.blank("sv"); the others are counted as
   dropped.
2. Three folds by paper, the chains of ../shared/realdev/INDEX.md ("Related pairs and chains",
   dev members only) kept whole. A blank Swedish `ner` pipe is trained on two folds (fixed seed,
   CPU) and predicts on the third, whole paper at once.
3. Per held-out paper, the distinct names of (a) the rule extractor's party facts (a `papers run`
   output folder, --rules-out), (b) the NER entities, (c) both, are scored as
   bench/eval_real.py `score_parties` scores them: names normalised by `norm_name`, a name is
   correct when its rapidfuzz ratio with an expected name or alias is >= FUZZY_MIN; P = correct
   names / names, R = expected parties named / expected. Summed per fold and over all dev papers.
   The expected parties NER finds and the rules miss are listed, as are NER's extra names.

Prints a Markdown table and writes the numbers to /tmp/ner/result.json. spaCy is not a dependency
of the project (the experiment's answer was no: README, "Real papers"); install it to run this:

    .venv/bin/pip install spacy
    .venv/bin/python bench/eval_ner.py --rules-out OUT/born-digital [--epochs 30] [--seed 0]

where OUT is an `eval_real.py --out-root` of a dev run.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import spacy
import yaml
from rapidfuzz import fuzz
from spacy.language import Language
from spacy.training import Example
from spacy.util import compounding, fix_random_seed, minibatch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.eval_real import FUZZY_MIN, PaperScore, norm_name, score_parties  # noqa: E402
from pipeline.model import Document, Fact  # noqa: E402

REAL = ROOT / "corpus" / "real"
DEFAULT_JSON = Path("/tmp/ner/result.json")
CHAINS: list[list[str]] = [["05", "06", "07", "08"], ["11", "12"], ["22", "23", "24"], ["29", "30"],
                           ["31", "32", "33", "35"]]
"""Dev members of the chains of ../shared/realdev/INDEX.md, "Related pairs and chains" (items 3, 5, 7,
8, 9); the test members of those chains (01-04, 09-10, 14-16) and the within-paper item 10 are left out."""
N_FOLDS = 3
MIN_ALIAS = 2
CHUNK_LINES = 8


# ---------------------------------------------------------------- data


def dev_stems() -> list[str]:
    """The dev papers' stems from corpus/real/split.json (test names are only used to exclude)."""
    split = json.loads((REAL / "split.json").read_text(encoding="utf-8"))
    dev = {Path(p).stem for p in split["dev"]}
    test = {Path(p).stem for p in split["test"]}
    if dev & test:
        raise SystemExit(f"split.json lists papers in both parts: {sorted(dev & test)}")
    return sorted(dev - test)


@dataclass
class Paper:
    """One dev paper: its text, expected parties and the rule extractor's party facts."""

    stem: str
    text: str
    parties: list[dict[str, Any]]
    rule_facts: list[Fact] = field(default_factory=list)

    @property
    def number(self) -> str:
        return self.stem.split("_", 1)[0]


def load_papers(stems: list[str], rules_out: Path) -> list[Paper]:
    """Read the truth text and expectations of `stems`, and the rules' party facts from `rules_out`."""
    papers = {}
    for stem in stems:
        text = (REAL / "truth" / f"{stem}.txt").read_text(encoding="utf-8").replace("\f", "\n")
        exp = yaml.safe_load((REAL / "expected" / f"{stem}.yaml").read_text(encoding="utf-8"))
        if exp.get("part") != "dev":
            raise SystemExit(f"{stem}: expectation says part {exp.get('part')!r}, not dev")
        papers[stem] = Paper(stem, text, exp.get("parties") or [])
    manifest = json.loads((rules_out / "manifest.json").read_text(encoding="utf-8"))
    seen: set[str] = set()
    for entry in sorted(manifest["inputs"], key=lambda e: e["path"]):
        stem = Path(entry["path"]).stem
        if stem not in papers or entry["status"] != "ok" or stem in seen:
            continue  # test papers' documents are never opened
        seen.add(stem)
        doc = Document.model_validate_json((rules_out / "documents" / f"{entry['doc_id']}.json").read_bytes())
        papers[stem].rule_facts = [f for f in doc.facts if f.kind == "party"]
    missing = sorted(set(papers) - seen)
    if missing:
        raise SystemExit(f"no rules output for {missing} in {rules_out}")
    return [papers[s] for s in stems]


# ---------------------------------------------------------------- training spans


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    label: str
    exact: bool  # found case-sensitively


def party_pattern(name: str, ignore_case: bool) -> re.Pattern[str]:
    """A name at word boundaries, any run of whitespace between its words, genitive s taken along."""
    body = r"\s+".join(re.escape(w) for w in name.split())
    return re.compile(rf"(?<!\w){body}(?::s|s)?(?!\w)", re.IGNORECASE if ignore_case else 0)


def find_spans(paper: Paper, label_by: str, case_sensitive: bool) -> list[Span]:
    """Occurrences of the expected parties' names and aliases; the longest of overlapping ones,
    case-sensitive before case-insensitive."""
    cands: list[Span] = []
    for party in paper.parties:
        label = "ORG" if label_by == "org" else party["kind"].upper()
        names = [party["name"], *(a for a in party.get("aliases") or [] if len(a) >= MIN_ALIAS)]
        for ignore_case in (False,) if case_sensitive else (False, True):
            for name in names:
                for m in party_pattern(name, ignore_case).finditer(paper.text):
                    cands.append(Span(m.start(), m.end(), label, not ignore_case))
    cands.sort(key=lambda s: (not s.exact, -(s.end - s.start), s.start))
    taken: list[Span] = []
    for s in cands:
        if all(s.end <= t.start or s.start >= t.end for t in taken):
            taken.append(s)
    return sorted(taken, key=lambda s: s.start)


@dataclass
class SpanStats:
    exact: int = 0
    ignore_case: int = 0
    dropped: int = 0
    dropped_text: list[str] = field(default_factory=list)


def make_examples(nlp: Language, paper: Paper, label_by: str, case_sensitive: bool,
                  stats: SpanStats) -> list[Example]:
    """The paper cut into chunks of about CHUNK_LINES lines (never inside a span), each an Example."""
    spans = find_spans(paper, label_by, case_sensitive)
    cuts = [0]
    lines = 0
    for m in re.finditer(r"\n", paper.text):
        lines += 1
        if lines >= CHUNK_LINES and not any(s.start < m.end() < s.end for s in spans):
            cuts.append(m.end())
            lines = 0
    cuts.append(len(paper.text))
    examples = []
    for a, b in zip(cuts, cuts[1:]):
        chunk = paper.text[a:b]
        if not chunk.strip():
            continue
        doc = nlp.make_doc(chunk)
        ents = []
        for s in spans:
            if a <= s.start and s.end <= b:
                span = doc.char_span(s.start - a, s.end - a, label=s.label, alignment_mode="strict")
                if span is None:
                    stats.dropped += 1
                    stats.dropped_text.append(f"{paper.number}: {paper.text[s.start:s.end]!r}")
                    continue
                ents.append(span)
                if s.exact:
                    stats.exact += 1
                else:
                    stats.ignore_case += 1
        examples.append(Example.from_dict(doc, {"entities": [(e.start_char, e.end_char, e.label_) for e in ents]}))
    return examples


# ---------------------------------------------------------------- folds and training


def make_folds(papers: list[Paper]) -> list[list[str]]:
    """Chains whole, then single papers; each unit to the fold with fewest papers (lowest index on ties)."""
    numbers = {p.number for p in papers}
    for chain in CHAINS:
        if not set(chain) <= numbers:
            raise SystemExit(f"chain {chain} is not all dev: {sorted(set(chain) - numbers)}")
    chained = {n for c in CHAINS for n in c}
    units = sorted(CHAINS, key=lambda c: (-len(c), c)) + [[n] for n in sorted(numbers - chained)]
    folds: list[list[str]] = [[] for _ in range(N_FOLDS)]
    for unit in units:
        min(folds, key=lambda f: (len(f), folds.index(f))).extend(unit)
    return [sorted(f) for f in folds]


def train(examples: list[Example], labels: set[str], epochs: int, seed: int) -> tuple[Language, list[float]]:
    """A blank Swedish pipeline with one `ner` pipe, trained on `examples`; returns it and the losses."""
    fix_random_seed(seed)
    nlp = spacy.blank("sv")
    ner = nlp.add_pipe("ner")
    for label in sorted(labels):
        ner.add_label(label)
    optimizer = nlp.initialize(lambda: examples)
    rng = random.Random(seed)
    losses_per_epoch = []
    data = list(examples)
    for _ in range(epochs):
        rng.shuffle(data)
        losses: dict[str, float] = {}
        for batch in minibatch(data, size=compounding(4.0, 16.0, 1.001)):
            nlp.update(batch, drop=0.2, sgd=optimizer, losses=losses)
        losses_per_epoch.append(round(float(losses.get("ner", 0.0)), 2))
    return nlp, losses_per_epoch


# ---------------------------------------------------------------- scoring


def best(party: dict[str, Any], name: str) -> float:
    """As in eval_real.score_parties: best ratio of a normalised name with a party's name or alias."""
    return max(fuzz.ratio(name, norm_name(n)) for n in [party["name"], *(party.get("aliases") or [])])


@dataclass
class Score:
    """Counts as score_parties makes them, with the parties hit and the extra names."""

    want: int
    got: int
    correct: int
    hits: list[str]  # expected party names found
    extra: list[str]

    @property
    def hit(self) -> int:
        return len(self.hits)


def score_names(parties: list[dict[str, Any]], names: list[str]) -> Score:
    """Distinct normalised names against the expected parties (eval_real.score_parties' counts)."""
    distinct = sorted({norm_name(n) for n in names})
    extra = [n for n in distinct if not any(best(p, n) >= FUZZY_MIN for p in parties)]
    hits = [p["name"] for p in parties if any(best(p, n) >= FUZZY_MIN for n in distinct)]
    return Score(len(parties), len(distinct), len(distinct) - len(extra), hits, extra)


def check_against_eval_real(paper: Paper, score: Score) -> None:
    """The rules' score here must equal eval_real.score_parties on the same facts."""
    out = PaperScore()
    score_parties({"parties": paper.parties}, paper.rule_facts, out)
    c = out.counts
    mine = (score.want, score.got, score.correct, score.hit)
    theirs = (c["party_want"], c["party_got"], c["party_correct"], c["party_hit"])
    if mine != theirs:
        raise SystemExit(f"{paper.stem}: scoring differs from eval_real.score_parties: {mine} vs {theirs}")


def prf(c: Counter) -> dict[str, float]:
    p = c["correct"] / c["got"] if c["got"] else 0.0
    r = c["hit"] / c["want"] if c["want"] else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"want": c["want"], "got": c["got"], "correct": c["correct"], "hit": c["hit"],
            "P": round(p, 3), "R": round(r, 3), "F1": round(f, 3)}


# ---------------------------------------------------------------- main


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rules-out", type=Path, required=True,
                    help="a `papers run` output folder of the dev born-digital PDFs (corpus/real/born-digital/)")
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--label", choices=("org", "kind"), default="org", help="ORG for all, or the party kind")
    ap.add_argument("--case-sensitive", action="store_true", help="training spans from case-sensitive matches only")
    ap.add_argument("--json", type=Path, default=DEFAULT_JSON)
    args = ap.parse_args()

    random.seed(args.seed)
    stems = dev_stems()
    papers = load_papers(stems, args.rules_out)
    by_number = {p.number: p for p in papers}
    folds = make_folds(papers)

    probe = spacy.blank("sv")
    stats = SpanStats()
    examples = {p.number: make_examples(probe, p, args.label, args.case_sensitive, stats) for p in papers}
    labels = {e.label_ for exs in examples.values() for ex in exs for e in ex.reference.ents}

    systems = ("rules", "ner", "union")
    per_fold: list[dict[str, Counter]] = []
    per_paper: dict[str, dict[str, Any]] = {}
    ner_only: list[dict[str, str]] = []
    ner_extra: list[dict[str, str]] = []
    train_seconds: list[float] = []
    losses: list[list[float]] = []
    for k, held in enumerate(folds):
        train_ex = [ex for n in sorted(by_number) if n not in held for ex in examples[n]]
        t0 = time.perf_counter()
        nlp, fold_losses = train(train_ex, labels, args.epochs, args.seed)
        train_seconds.append(round(time.perf_counter() - t0, 1))
        losses.append(fold_losses)
        counts = {s: Counter() for s in systems}
        for n in held:
            paper = by_number[n]
            rule_names = [str(f.value) for f in paper.rule_facts]
            ner_names = [" ".join(e.text.split()) for e in nlp(paper.text).ents]
            scores = {"rules": score_names(paper.parties, rule_names),
                      "ner": score_names(paper.parties, ner_names),
                      "union": score_names(paper.parties, rule_names + ner_names)}
            check_against_eval_real(paper, scores["rules"])
            for s in systems:
                counts[s].update(want=scores[s].want, got=scores[s].got, correct=scores[s].correct, hit=scores[s].hit)
            rule_hits = set(scores["rules"].hits)
            rule_norm = {norm_name(x) for x in rule_names}
            ner_only += [{"paper": paper.stem, "party": h} for h in scores["ner"].hits if h not in rule_hits]
            ner_extra += [{"paper": paper.stem, "name": x, "also_rules": x in rule_norm} for x in scores["ner"].extra]
            per_paper[paper.stem] = {"fold": k, **{s: {"got": scores[s].got, "correct": scores[s].correct,
                                                       "hit": scores[s].hit, "want": scores[s].want,
                                                       "extra": scores[s].extra} for s in systems}}
        per_fold.append(counts)

    total = {s: sum((c[s] for c in per_fold), Counter()) for s in systems}
    result = {
        "settings": {"epochs": args.epochs, "seed": args.seed, "label": args.label,
                     "case_sensitive": args.case_sensitive, "chunk_lines": CHUNK_LINES,
                     "rules_out": str(args.rules_out), "spacy": spacy.__version__, "papers": len(papers)},
        "folds": [[by_number[n].stem for n in f] for f in folds],
        "spans": {"exact": stats.exact, "ignore_case": stats.ignore_case, "dropped": stats.dropped,
                  "dropped_text": stats.dropped_text, "labels": sorted(labels)},
        "train_seconds": train_seconds,
        "losses_first_last": [[ls[0], ls[-1]] for ls in losses],
        "per_fold": [{s: prf(c[s]) for s in systems} for c in per_fold],
        "overall": {s: prf(total[s]) for s in systems},
        "ner_found_rules_missed": ner_only,
        "ner_extra": ner_extra,
        "per_paper": per_paper,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")

    print(f"dev papers {len(papers)}, folds {[len(f) for f in folds]}, spans exact {stats.exact} "
          f"+ case-insensitive {stats.ignore_case}, dropped {stats.dropped}, train s {train_seconds}\n")
    print("| fold | system | expected | names | correct | hit | P | R | F1 |")
    print("|---|---|---|---|---|---|---|---|---|")
    rows = [(str(k), r) for k, r in enumerate(result["per_fold"])] + [("all", result["overall"])]
    for label, r in rows:
        for s in systems:
            m = r[s]
            print(f"| {label} | {s} | {m['want']} | {m['got']} | {m['correct']} | {m['hit']} "
                  f"| {m['P']:.3f} | {m['R']:.3f} | {m['F1']:.3f} |")
    print(f"\nNER found, rules missed ({len(ner_only)}):")
    for x in ner_only:
        print(f"  {x['paper']}: {x['party']}")
    novel = [x for x in ner_extra if not x["also_rules"]]
    print(f"\nNER extra names ({len(ner_extra)}, of which {len(novel)} not also extracted by rules); sample:")
    for x in novel[:25]:
        print(f"  {x['paper']}: {x['name']}")
    print(f"\nwrote {args.json}")


if __name__ == "__main__":
    main()
