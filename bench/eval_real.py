"""Score the pipeline on the real Kungsbacka papers against the hand-written expectations.

For each capture profile (corpus/real/born-digital/, corpus/real/captures/<profile>/, or the
multi-paper PDFs of corpus/real/bundles/) this runs `papers run --force` into
<out-root>/<profile>/ (or, with --reuse, re-scores an output already there), maps every
document to its paper (by file stem; a bundle's pages by the ranges of bundles.json) and
compares what it extracted with corpus/real/expected/<paper>.yaml (see FORMAT.md there).
The development and test parts of corpus/real/split.json are reported apart.

What is measured, per profile and part:

- amounts: an expected amount matches an amount fact when its SEK agrees (`unit: unknown`:
  the printed number against a fact with unit "unknown", or one whose unit the pipeline
  inferred: `unit_inferred`, `unit_from_text`); one fact matches at most one
  expectation. Where a value occurs several times, a cell is paired with the fact of the same
  row and column first, then with one of equal role and period. P = matched / extracted
  amount facts, R = matched / expected. Role and period: shares of the matched pairs that agree
  (a null period equals None).
- dates: the same on the ISO value; role share among the matched. The extra dates that repeat
  the value of an expected date of the paper are counted apart (a note): the expectations list
  a date once per way it is stated, the pipeline reads every mention.
- parties: distinct extracted names (lower case, a trailing genitive s dropped) against the
  expected parties and their aliases (rapidfuzz ratio >= 90). P = names that name an expected
  party / names, R = expected parties named / expected; kind = share of the named parties whose
  most frequent `party_kind` is the expected kind. The parties missed are counted by their
  expected kind and the dates missed by their expected role (counts only, which the test part may show).
- columns: among expected table cells matched to a fact with a `column` attr, the share whose
  column_kind and column_year are those of the expected column and whose row_label is the
  expected row (ratio >= 90).
- findings: expected findings found among those of discrepancies.json whose values stand in
  the paper (and in the other paper, if the expectation names one): same kind (an expected `conflict`
  also takes `within_paper_conflict`), and for agreement and sum findings at least one value
  equal (printed values are read through the paper's expected amounts and dates, a phrase
  through those it quotes; sign is ignored; a phrase that quotes none is words, held by a finding
  whose text value quotes it). Every `error` finding is listed with its explanation for a human to check;
  warnings are counted.
- bundles: papers found per bundle (PaperSpans) against bundles.json.

    .venv/bin/python bench/eval_real.py --profiles born-digital,photocopy-300 --part all --json out.json
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from rapidfuzz import fuzz

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipeline.facts.amounts import printed_number  # noqa: E402
from pipeline.model import Discrepancy, DiscrepancyReport, Document, Fact  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT / "corpus" / "real"
EXPECTED = REAL / "expected"
PARTS = ("dev", "test")
FUZZY_MIN = 90
SUM_KINDS = {"agreement", "sum_matches", "sum_mismatch"}
KIND_ALIASES = {"conflict": {"conflict", "within_paper_conflict"}}
DATE_ROLE_NAMES = {"signed": "agreement_signed"}
"""The expectations' date roles under the pipeline's names, where they differ."""

E = TypeVar("E")
F = TypeVar("F")


def profile_folder(profile: str) -> Path:
    """Return the input folder of a capture profile."""
    if profile in ("born-digital", "layout", "flat", "bundles"):
        return REAL / profile
    return REAL / "captures" / profile


@dataclass(frozen=True)
class Slice:
    """Pages `first`..`last` of a document that hold one paper."""

    paper: str
    first: int
    last: int


def paper_slices(doc: Document, bundles: dict[str, Any]) -> list[Slice]:
    """Return the papers a document holds: a bundle's by bundles.json, else the one of its stem."""
    name = Path(doc.source).name
    if name in bundles:
        return [Slice(p["paper"], p["first_page"], p["last_page"]) for p in bundles[name]["papers"]]
    return [Slice(f"{Path(name).stem}.md", 1, len(doc.pages))]


@dataclass
class Run:
    """One profile's pipeline output, read back: documents and findings, by paper."""

    documents: list[Document]
    findings: list[Discrepancy]
    slices: dict[str, list[Slice]]  # doc_id -> papers
    failed: list[str]  # inputs the pipeline refused, with why

    def papers(self) -> list[str]:
        """Every paper the run holds, sorted."""
        return sorted({s.paper for slices in self.slices.values() for s in slices})

    def paper_of(self, doc_id: str, page: int | None) -> set[str]:
        """The paper(s) at `page` of a document (every paper of it when the page is unknown)."""
        return {s.paper for s in self.slices.get(doc_id, []) if page is None or s.first <= page <= s.last}

    def facts(self, paper: str, kind: str) -> list[Fact]:
        """Facts of one kind that stand on the pages of `paper`, in document order."""
        return [f for doc in self.documents for f in doc.facts
                if f.kind == kind and paper in self.paper_of(doc.doc_id, f.evidence.page)]

    def cell_texts(self, paper: str) -> set[str]:
        """The figures the paper's read table cells print (`printed_key`)."""
        return {printed_key(c.text) for doc in self.documents for t in doc.tables
                if paper in self.paper_of(doc.doc_id, t.page) for c in t.cells}

    def touched(self, finding: Discrepancy) -> set[str]:
        """The papers a finding's values stand in."""
        out: set[str] = set()
        for v in finding.values:
            out |= self.paper_of(v.evidence.doc_id, v.evidence.page) if v.evidence else self.paper_of(v.doc_id, None)
        return out


def run_profile(profile: str, out: Path, reuse: bool) -> None:
    """Run the pipeline on a profile's folder into `out`, unless `reuse` and an output is there."""
    if reuse and (out / "discrepancies.json").exists():
        return
    papers = Path(sys.executable).parent / "papers"
    subprocess.run([str(papers), "run", str(profile_folder(profile)), "--out", str(out), "--force", "--no-progress"],
                   check=True)


def read_run(out: Path, bundles: dict[str, Any]) -> Run:
    """Read the documents of the last run's manifest (each doc_id once) and its findings."""
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    inputs = sorted(manifest["inputs"], key=lambda e: e["path"])
    doc_ids = list(dict.fromkeys(e["doc_id"] for e in inputs if e["status"] == "ok"))
    docs = [Document.model_validate_json((out / "documents" / f"{d}.json").read_bytes()) for d in doc_ids]
    report = DiscrepancyReport.model_validate_json((out / "discrepancies.json").read_bytes())
    failed = [f"{e['path']}: {e['error']['message']}" for e in inputs if e["status"] == "failed"]
    return Run(docs, list(report.findings), {d.doc_id: paper_slices(d, bundles) for d in docs}, failed)


def pair(expected: list[E], found: list[F], same: Callable[[E, F], bool],
         affinity: Callable[[E, F], tuple]) -> list[tuple[int, int]]:
    """Match `same` items one-to-one, as many as can be: the pairs of highest affinity first (ties in
    list order), then each expected item left alone takes a found one by moving others along (an
    augmenting path), so that no order of the found items leaves a match unmade that another order
    makes. Return sorted `(expected index, found index)` pairs."""
    candidates = sorted((tuple(-a for a in affinity(e, f)), i, j)
                        for i, e in enumerate(expected) for j, f in enumerate(found) if same(e, f))
    fits: dict[int, list[int]] = {}
    owner: dict[int, int] = {}  # found index -> expected index
    for _, i, j in candidates:
        fits.setdefault(i, []).append(j)
        if i not in owner.values() and j not in owner:
            owner[j] = i

    def augment(i: int, seen: set[int]) -> bool:
        for j in fits.get(i, []):
            if j not in seen:
                seen.add(j)
                if j not in owner or augment(owner[j], seen):
                    owner[j] = i
                    return True
        return False

    for i in sorted(set(fits) - set(owner.values())):
        augment(i, set())
    return sorted((i, j) for j, i in owner.items())


def norm_name(name: str) -> str:
    """Lower case, spaces collapsed, a trailing genitive s dropped."""
    name = " ".join(name.lower().split())
    return name[:-1] if name.endswith("s") else name


def alike(a: str, b: str) -> bool:
    """Tell whether two labels are the same (normalized rapidfuzz ratio >= 90)."""
    return fuzz.ratio(norm_name(a), norm_name(b)) >= FUZZY_MIN


def num_key(value: float) -> float:
    """A number rounded so that equal printed values compare equal."""
    return round(float(value), 6)


def amount_key(e: dict) -> tuple:
    """What an expected amount is compared on: its SEK, or its printed number if unit unknown."""
    return ("unknown", num_key(e["value"])) if e["unit"] == "unknown" else ("SEK", int(e["sek"]))


def fact_amount_keys(f: Fact) -> set[tuple]:
    """What an amount fact is compared on: its SEK, or its number for a unit neither stated nor
    SEK; a figure whose unit the pipeline inferred (a unitless figure read as kronor, a table's
    scale taken from the text: `unit_inferred`, `unit_from_text`) also as the number it prints,
    which is all an expectation of `unit: unknown` (no unit stated anywhere) can check."""
    if f.unit == "SEK":
        keys = {("SEK", int(f.value))}
        printed = printed_number(f.text) if (f.attrs.get("unit_inferred") or f.attrs.get("unit_from_text")) else None
        return keys | ({("unknown", num_key(printed[0]))} if printed else set())
    if f.unit == "unknown" and isinstance(f.value, int | float):
        return {("unknown", num_key(f.value))}
    return set()


def same_cell(e: dict, f: Fact) -> bool:
    """Tell whether an expected table cell and a fact name the same row and column."""
    cell = e.get("table")
    return bool(cell and alike(f.attrs.get("row_label", ""), str(cell["row"]))
                and alike(f.attrs.get("column", ""), str(cell["column"])))


def expected_column(exp: dict, cell: dict) -> dict | None:
    """The expected column (of the paper's `tables[].columns`) a table cell stands in."""
    table = next((t for t in exp.get("tables") or [] if t["id"] == cell["table"]), {})
    return next((c for c in table.get("columns") or [] if c["header"] == cell["column"]), None)


def cite(item: dict) -> str:
    """An expected item as `printed @line`, for the lists of misses."""
    return f"{item.get('printed', item.get('name'))} @{item['cite']['line']}"


def where(f: Fact) -> str:
    """A fact as `value "text" p.N`, for the lists of extras."""
    return f'{f.value} "{f.text}" p.{f.evidence.page}'


@dataclass
class PaperScore:
    """Counts of one paper (summed into a part) and what was missed or extra."""

    counts: Counter = field(default_factory=Counter)
    misses: dict[str, list[str]] = field(default_factory=dict)


def printed_key(text: str) -> str:
    """A printed figure as compared across readings: spaces and signs' forms dropped ("−1 234" is "-1234")."""
    return re.sub(r"\s+", "", text.replace("−", "-").replace("–", "-"))


def score_amounts(exp: dict, facts: list[Fact], out: PaperScore, cells: set[str] | None = None) -> None:
    """Amounts, their role and period, and the column meaning of table cells; with `cells` (the figures the
    paper's read table cells print), where each missed cell went: an amount fact printing it with unit unknown,
    one printing it at another value, read in a table but no amount of it, or in no table read."""
    want = exp.get("amounts") or []
    keys = [fact_amount_keys(f) for f in facts]

    def affinity(i: int, j: int) -> tuple:
        e, f = want[i], facts[j]
        place = 2 if same_cell(e, f) else int(bool(e.get("table")) == ("table" in f.attrs))
        return (place, e["role"] == f.role, e.get("period") == f.period)

    pairs = pair(list(range(len(want))), list(range(len(facts))),
                 lambda i, j: amount_key(want[i]) in keys[j], affinity)
    out.counts.update(amount_want=len(want), amount_got=len(facts), amount_hit=len(pairs),
                      amount_role=sum(want[i]["role"] == facts[j].role for i, j in pairs),
                      amount_period=sum(want[i].get("period") == facts[j].period for i, j in pairs),
                      cell_want=sum(bool(e.get("table")) for e in want))
    out.misses["roles_wrong"] = [f"{cite(want[i])}: {want[i]['role']} read as {facts[j].role}"
                                 for i, j in pairs if want[i]["role"] != facts[j].role]
    out.misses["periods_wrong"] = [f"{cite(want[i])}: {want[i].get('period')} read as {facts[j].period}"
                                   for i, j in pairs if want[i].get("period") != facts[j].period]
    for i, j in pairs:
        e, f = want[i], facts[j]
        column = expected_column(exp, e["table"]) if e.get("table") and "column" in f.attrs else None
        if column is None:
            continue
        year = None if column.get("year") is None else str(column["year"])
        checks = {"cell_kind": f.attrs.get("column_kind") == column["kind"],
                  "cell_year": f.attrs.get("column_year") == year,
                  "cell_row": alike(f.attrs.get("row_label", ""), str(e["table"]["row"]))}
        out.counts.update({k: int(v) for k, v in checks.items()})
        out.counts.update(cell_checked=1, cell_ok=int(all(checks.values())))
    matched_e, matched_f = {i for i, _ in pairs}, {j for _, j in pairs}
    missed = [e for i, e in enumerate(want) if i not in matched_e]
    extra = [f for j, f in enumerate(facts) if j not in matched_f]
    out.counts.update(amount_cells_missed=sum(bool(e.get("table")) for e in missed),
                      amount_extra_cell=sum("table" in f.attrs for f in extra),
                      amount_extra_inferred=sum(bool(f.attrs.get("unit_inferred")) for f in extra))
    out.counts.update(f"amount_missed_{e['unit']}" for e in missed)
    if cells is not None:
        units_printing: dict[str, set[str]] = {}
        for f in facts:
            units_printing.setdefault(printed_key(f.text), set()).add(f.unit or "")
        for e in missed:
            if e.get("table"):
                key = printed_key(str(e["printed"]))
                units = units_printing.get(key, set())
                where_now = ("fact_prints_unknown" if "unknown" in units else "fact_prints" if units
                             else "read_cell" if key in cells else "unread")
                out.counts.update([f"cell_missed_{where_now}"] + ([f"cell_missed_{where_now}_zero"] if key in ("0", "0,0") else []))
    out.misses["amounts_missed"] = [cite(e) for e in missed]
    out.misses["amounts_extra"] = [where(f) for f in extra]


def score_dates(exp: dict, facts: list[Fact], out: PaperScore) -> None:
    """Dates: the ISO value matched one-to-one, the role among the matched."""
    want = exp.get("dates") or []
    def role_ok(e: dict, f: Fact) -> bool:
        return DATE_ROLE_NAMES.get(e["role"], e["role"]) == f.role

    pairs = pair(want, facts, lambda e, f: str(e["value"]) == str(f.value), lambda e, f: (role_ok(e, f),))
    out.counts.update(date_want=len(want), date_got=len(facts), date_hit=len(pairs),
                      date_role=sum(role_ok(want[i], facts[j]) for i, j in pairs))
    matched_e, matched_f = {i for i, _ in pairs}, {j for _, j in pairs}
    out.misses["date_roles_wrong"] = [f"{cite(want[i])}: {want[i]['role']} read as {facts[j].role}"
                                      for i, j in pairs if not role_ok(want[i], facts[j])]
    out.misses["dates_missed"] = [cite(e) for i, e in enumerate(want) if i not in matched_e]
    out.counts.update(f"date_missed_{e['role']}" for i, e in enumerate(want) if i not in matched_e)
    out.misses["dates_extra"] = [where(f) for j, f in enumerate(facts) if j not in matched_f]
    values = {str(e["value"]) for e in want}  # listed once per way it is stated, not per mention
    out.counts.update(date_extra_repeat=sum(str(f.value) in values for j, f in enumerate(facts) if j not in matched_f))


def score_parties(exp: dict, facts: list[Fact], out: PaperScore) -> None:
    """Parties: distinct extracted names against expected names and aliases, and their kind."""
    kinds: dict[str, Counter] = {}
    for f in facts:
        kinds.setdefault(norm_name(str(f.value)), Counter())[f.attrs.get("party_kind", "")] += 1
    want = exp.get("parties") or []

    def best(party: dict, name: str) -> float:
        return max(fuzz.ratio(name, norm_name(n)) for n in [party["name"], *(party.get("aliases") or [])])

    extra = [n for n in sorted(kinds) if not any(best(p, n) >= FUZZY_MIN for p in want)]
    missed, kinds_wrong, kind_ok = [], [], 0
    for party in want:
        score, name = max(((best(party, n), n) for n in sorted(kinds)), default=(0.0, ""))
        if score < FUZZY_MIN:
            missed.append(cite(party))
            out.counts[f"party_missed_{party['kind']}"] += 1
            continue
        top = sorted(kinds[name].items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
        kind_ok += top == party["kind"]
        if top != party["kind"]:
            kinds_wrong.append(f"{cite(party)}: {party['kind']} read as {top}")
    out.counts.update(party_want=len(want), party_got=len(kinds), party_correct=len(kinds) - len(extra),
                      party_hit=len(want) - len(missed), party_kind=kind_ok)
    out.misses["parties_missed"], out.misses["parties_extra"], out.misses["party_kinds_wrong"] = missed, extra, kinds_wrong


def dashes(text: str) -> str:
    """Text with en dash and minus read as hyphen and spaces collapsed."""
    return " ".join(text.replace("\u2013", "-").replace("\u2212", "-").split())


def printed_values(text: str, exps: list[dict]) -> set:
    """What a printed value of an expected finding stands for: the SEK (or number) of the expected
    amounts and the ISO value of the expected dates printed so, else the number or ISO date it
    reads as, else (a phrase) the expected amounts and dates it quotes. Numbers without sign."""
    clean = dashes(text)
    out: set = set()
    for inside in (False, True):  # the value printed as is; else the expected items a phrase quotes
        for exp in exps:
            out |= {abs(num_key(a["value"] if a["sek"] is None else a["sek"]))
                    for a in exp.get("amounts") or [] if quotes(clean, dashes(str(a["printed"])), inside)}
            out |= {str(d["value"]) for d in exp.get("dates") or [] if quotes(clean, dashes(str(d["printed"])), inside)}
        if re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", clean):
            out.add(clean)
        number = re.fullmatch(r"[-+]? ?(\d[\d ]*(?:,\d+)?) ?%?", clean)
        if number:
            out.add(abs(num_key(float(number.group(1).replace(" ", "").replace(",", ".")))))
        if out:
            break
    return out


def quotes(phrase: str, printed: str, inside: bool) -> bool:
    """Tell whether `phrase` is `printed`, or (`inside`) quotes it between word boundaries
    ("undertecknat av bolaget 2024-10-28" quotes the date "2024-10-28")."""
    if not inside:
        return phrase == printed
    return re.search(rf"(?<![\w,]){re.escape(printed)}(?![\w,]|-\d)", phrase) is not None


class Phrase(str):
    """An expected finding's value that is words, not a figure or date ("ingen utdelning ur … görs för
    2024"): a finding holds it when one of its values quotes it."""


def held(wanted: set, values: set) -> set:
    """The wanted values a finding's `values` hold: figures and dates as such, a phrase quoted in a text value."""
    texts = [dashes(v) for v in values if isinstance(v, str)]
    return {w for w in wanted if (w in values if not isinstance(w, Phrase) else any(w in t for t in texts))}


def finding_values(finding: Discrepancy) -> set:
    """A finding's values as `printed_values` gives them: numbers without sign, else strings."""
    return {abs(num_key(v.value)) if isinstance(v.value, int | float) else str(v.value) for v in finding.values}


def score_findings(paper: str, expectations: dict[str, dict], run: Run, out: PaperScore) -> None:
    """Expected findings found one-to-one among the run's findings that touch the paper."""
    in_run = set(run.papers())
    want = [x for x in expectations[paper].get("findings") or [] if x.get("other_paper") in in_run | {None}]
    found = [(f, papers) for f in run.findings if paper in (papers := run.touched(f))]

    def wanted(x: dict) -> set:
        exps = [expectations[p] for p in (paper, x.get("other_paper")) if p in expectations]
        return set().union(*(printed_values(str(v), exps) or {Phrase(dashes(str(v)))} for v in x["values"]))

    wanted_values = [wanted(x) for x in want]

    def shared(i: int, j: int) -> int:
        return len(held(wanted_values[i], finding_values(found[j][0])))

    def fits(i: int, j: int) -> bool:
        x, (f, papers) = want[i], found[j]
        return (f.kind in KIND_ALIASES.get(x["kind"], {x["kind"]})
                and x.get("other_paper") in papers | {None}
                and (x["kind"] not in SUM_KINDS or shared(i, j) > 0))

    pairs = pair(list(range(len(want))), list(range(len(found))), fits, lambda i, j: (shared(i, j),))
    hit = {i for i, _ in pairs}
    out.counts.update(finding_want=len(want), finding_hit=len(hit))
    out.misses["findings_missed"] = [f"{x['kind']} {x['values']}" for i, x in enumerate(want) if i not in hit]


def load_expectations() -> dict[str, dict]:
    """Every expectations file, by the paper it describes."""
    out = {}
    for path in sorted(EXPECTED.glob("*.yaml")):
        exp = yaml.safe_load(path.read_text(encoding="utf-8"))
        out[exp["paper"]] = exp
    return out


def ratio(hit: int, total: int) -> str:
    """`share (hit/total)`, or a dash when there is nothing to count."""
    return f"{hit / total:.2f} ({hit}/{total})" if total else "– (0/0)"


def evaluate(profile: str, run: Run, parts: list[str], expectations: dict[str, dict],
             split: dict[str, list[str]]) -> dict[str, Any]:
    """Score one profile's run, per part; return counts, misses and the error findings."""
    part_of = {p: part for part in PARTS for p in split[part]}
    in_run = run.papers()
    result: dict[str, Any] = {"parts": {}, "no_expectations": [p for p in in_run if p not in expectations],
                              "failed": run.failed}
    for part in parts:
        papers = [p for p in in_run if part_of.get(p) == part and p in expectations]
        total, per_paper = Counter(), {}
        for paper in papers:
            exp, score = expectations[paper], PaperScore()
            score_amounts(exp, run.facts(paper, "amount"), score, run.cell_texts(paper))
            score_dates(exp, run.facts(paper, "date"), score)
            score_parties(exp, run.facts(paper, "party"), score)
            score_findings(paper, expectations, run, score)
            per_paper[paper] = {"counts": dict(sorted(score.counts.items())), **score.misses}
            total += score.counts
        errors, warnings = [], 0
        for f in run.findings:
            touched = sorted(p for p in run.touched(f) if part_of.get(p) == part)
            if touched and f.severity == "error":
                errors.append({"papers": touched, "kind": f.kind, "check": f.check, "explanation": f.explanation})
            warnings += bool(touched) and f.severity == "warning"
        total["warnings"], total["errors"] = warnings, len(errors)
        result["parts"][part] = {"papers": papers, "counts": dict(sorted(total.items())), "per_paper": per_paper,
                                 "errors": errors}
    result["bundles"] = score_bundles(run) if profile == "bundles" else []
    return result


def score_bundles(run: Run) -> list[dict[str, Any]]:
    """Per bundle: papers found against the true count, and true first pages found."""
    out = []
    for doc in run.documents:
        truth = run.slices[doc.doc_id]
        starts = {s.page_start for s in doc.papers}
        out.append({"bundle": doc.source, "found": len(doc.papers), "true": len(truth),
                    "starts_found": sum(s.first in starts for s in truth)})
    return out


MEASURES = (  # row of the Markdown table: (label, numerator count, denominator count)
    ("amounts P", "amount_hit", "amount_got"), ("amounts R", "amount_hit", "amount_want"),
    ("amount role", "amount_role", "amount_hit"), ("amount period", "amount_period", "amount_hit"),
    ("table cell column", "cell_ok", "cell_checked"),
    ("dates P", "date_hit", "date_got"), ("dates R", "date_hit", "date_want"), ("date role", "date_role", "date_hit"),
    ("parties P", "party_correct", "party_got"), ("parties R", "party_hit", "party_want"),
    ("party kind", "party_kind", "party_hit"), ("findings R", "finding_hit", "finding_want"),
)


def by_kind(counts: Counter, prefix: str) -> str:
    """The counts whose key starts with `prefix`, as "kind n, …" (commonest first), or "none"."""
    kinds = sorted(((key.removeprefix(prefix), n) for key, n in counts.items() if key.startswith(prefix) and n),
                   key=lambda kv: (-kv[1], kv[0]))
    return ", ".join(f"{kind} {n}" for kind, n in kinds) or "none"


def markdown(results: dict[str, dict[str, Any]]) -> str:
    """The results as Markdown: a table of measure x (profile, part), then notes and bundles."""
    columns = [(profile, part, r) for profile, result in results.items() for part, r in result["parts"].items()]
    counts = [Counter(r["counts"]) for _, _, r in columns]
    lines = ["| measure | " + " | ".join(f"{profile} {part}" for profile, part, _ in columns) + " |",
             "|---|" + "---|" * len(columns),
             "| papers | " + " | ".join(str(len(r["papers"])) for _, _, r in columns) + " |"]
    lines += [f"| {label} | " + " | ".join(ratio(c[hit], c[total]) for c in counts) + " |"
              for label, hit, total in MEASURES]
    lines += [f"| {label} | " + " | ".join(str(c[key]) for c in counts) + " |"
              for label, key in (("error findings", "errors"), ("warning findings", "warnings"))]
    notes = []
    for (profile, part, r), c in zip(columns, counts):
        notes.append(f"- {profile} {part} table cells: {c['cell_checked']} of {c['cell_want']} expected cells "
                     f"matched a fact with a column; column kind {c['cell_kind']}, year {c['cell_year']}, "
                     f"row {c['cell_row']} agree")
        notes.append(f"- {profile} {part} amounts: of {c['amount_want'] - c['amount_hit']} missed, {c['amount_cells_missed']} "
                     f"table cells (by unit: {by_kind(c, 'amount_missed_')}); of {c['amount_got'] - c['amount_hit']} extra, "
                     f"{c['amount_extra_cell']} table cells, {c['amount_extra_inferred']} read as kronor without a unit")
        notes.append(f"- {profile} {part} missed table cells: {c['cell_missed_fact_prints_unknown']} printed by an amount fact "
                     f"of unit unknown ({c['cell_missed_fact_prints_unknown_zero']} of them 0), {c['cell_missed_fact_prints']} "
                     f"by one of another value ({c['cell_missed_fact_prints_zero']} of them 0), {c['cell_missed_read_cell']} in a table "
                     f"cell read but no amount ({c['cell_missed_read_cell_zero']} of them 0), {c['cell_missed_unread']} in no "
                     f"table cell read ({c['cell_missed_unread_zero']} of them 0)")
        notes.append(f"- {profile} {part} dates: {c['date_extra_repeat']} of the {c['date_got'] - c['date_hit']} extra dates "
                     f"repeat the value of an expected date of their paper; missed by role: {by_kind(c, 'date_missed_')}")
        notes.append(f"- {profile} {part} parties missed by kind: {by_kind(c, 'party_missed_')}")
        notes += [f"- {profile} {part} ERROR {e['kind']} ({e['check']}) in {', '.join(e['papers'])}: "
                  f"{e['explanation']}" for e in r["errors"]]
    for profile, result in results.items():
        notes += [f"- {profile}: FAILED input {f}" for f in result["failed"]]
        if result["no_expectations"]:
            notes.append(f"- {profile}: no expectations for {', '.join(result['no_expectations'])}")
    text = "\n".join(lines) + "\n\n" + "\n".join(notes) + "\n"
    bundles = [f"| {b['bundle']} | {b['found']} | {b['true']} | {b['starts_found']} |"
               for result in results.values() for b in result["bundles"]]
    if bundles:
        header = "| bundle | papers found | true | true starts found |\n|---|---|---|---|\n"
        text += "\n" + header + "\n".join(bundles) + "\n"
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--profiles", default="born-digital", help="comma-separated: born-digital, layout, flat (dev papers only), bundles, "
                        "or a folder of corpus/real/captures/")
    parser.add_argument("--part", choices=("dev", "test", "all"), default="dev",
                        help="papers to score (default dev: the test part is for the final measure)")
    parser.add_argument("--out-root", type=Path, default=Path("/tmp/eval-real"))
    parser.add_argument("--reuse", action="store_true", help="score an existing output instead of running")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    parts = list(PARTS) if args.part == "all" else [args.part]
    split = json.loads((REAL / "split.json").read_text(encoding="utf-8"))
    bundles_file = REAL / "bundles.json"
    bundles = json.loads(bundles_file.read_text(encoding="utf-8")) if bundles_file.exists() else {}
    expectations = load_expectations()
    results = {}
    for profile in args.profiles.split(","):
        out = args.out_root / profile
        run_profile(profile, out, args.reuse)
        results[profile] = evaluate(profile, read_run(out, bundles), parts, expectations, split)
    print(markdown(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
