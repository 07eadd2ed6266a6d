"""The batch stage: versions of one paper, entity resolution, partnerships and every check.

`reconcile_documents(docs, rules)` is pure: documents and rules in, records and findings out.
`reconcile_folder(out_dir, rules)` reads `out_dir/documents/*.json`, calls it, and writes
records.jsonl, records.parquet, records.csv, discrepancies.json, report.html and report.xlsx.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ValidationError

from pipeline.i18n import DEFAULT_LANGUAGE
from pipeline.model import (
    Discrepancy,
    DiscrepancyReport,
    Document,
    FindingValue,
    PartyRef,
    Record,
)
from pipeline.reconcile.checks import (
    check_cross_paper,
    check_name_variants,
    check_policies,
    check_shares,
    check_sums,
    check_within_paper,
)
from pipeline.reconcile.cases import check_cases, link_cases, normalize_dnr, paper_units
from pipeline.reconcile.claims import Claim, claims_of, table_cells
from pipeline.reconcile.entities import resolve_names
from pipeline.reconcile.findings import cap_severity, make_finding
from pipeline.reconcile.partnerships import AMBIGUOUS, assign_partnerships
from pipeline.reconcile.prose_sums import check_prose_sums
from pipeline.reconcile.restated import check_restated
from pipeline.reconcile.table_sums import check_table_sums
from pipeline.reconcile.versions import consolidate, group_versions
from pipeline.records import NameRef, Statement, make_record, span_id, statements_of
from pipeline.rules import ChecksRules, EntitiesRules, Rules
from pipeline.store import DOCUMENTS

__all__ = [
    "AMBIGUOUS",
    "Claim",
    "ReconcileResult",
    "assign_partnerships",
    "batch_schemas",
    "cap_severity",
    "check_cases",
    "check_cross_paper",
    "check_name_variants",
    "check_policies",
    "check_shares",
    "check_sums",
    "check_table_sums",
    "check_within_paper",
    "claims_of",
    "consolidate",
    "group_versions",
    "link_cases",
    "load_documents",
    "make_finding",
    "normalize_dnr",
    "output_models",
    "paper_units",
    "read_documents",
    "reconcile_documents",
    "reconcile_folder",
    "resolve_names",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReconcileResult:
    """What the batch stage produced: records, the findings report, and the documents read."""

    records: tuple[Record, ...]
    report: DiscrepancyReport
    documents: tuple[Document, ...]
    """The documents as the report names and crops them (`report_view`): no words, tables or sections."""
    cases: tuple[tuple[str, ...], ...] = ()
    """Paper ids of the papers linked into one case (same Dnr, or the same title year on year), for the report's overview."""


def load_documents(out_dir: Path, *, by_lines: bool = False) -> tuple[list[Document], list[str]]:
    """Read every `out_dir/documents/*.json`; a file that does not validate is skipped with a reason.

    With `by_lines` each is held by lines (`Document.by_lines`), as the batch stage reads them: it
    reads no single word, and a document held so takes about a quarter of the memory."""
    skipped: list[str] = []
    return list(read_documents(out_dir, skipped, by_lines=by_lines)), skipped


def read_documents(out_dir: Path, skipped: list[str], *, by_lines: bool = False) -> Iterator[Document]:
    """Yield the documents of `load_documents` one at a time, appending to `skipped` the reason for
    each file left out: only the caller decides what of them it keeps."""
    for path in sorted((out_dir / DOCUMENTS).glob("*.json")):
        try:
            doc = Document.model_validate_json(path.read_text(encoding="utf-8"))
        except (ValidationError, ValueError, OSError) as err:
            reason = f"{path.name}: not a valid Document ({type(err).__name__}); left out"
            log.warning(reason)
            skipped.append(reason)
            continue
        yield doc.by_lines() if by_lines else doc


def reconcile_documents(docs: Iterable[Document], rules: Rules, skipped: Sequence[str] = ()) -> ReconcileResult:
    """Reconcile a batch: versions, entities, partnerships, records and every check.

    Args:
        docs: the documents of the batch (any order); given as an iterator (`read_documents`), they
            are held only until the checks that read them have run.
        rules: validated rules (entities, checks).
        skipped: reasons for inputs already left out while reading (read once `docs` is consumed).

    Returns:
        Records (sorted by doc_id, key), the findings report and the documents as the report reads them.
    """
    checks = rules.checks
    docs = sorted(docs, key=lambda d: d.doc_id)
    notes = list(skipped)  # after `docs` is read: an iterator of documents fills `skipped` as it goes
    papers = group_versions(docs, checks.versions)
    paper_of: dict[str, tuple[str, str]] = {}
    for p in papers:
        for i, d in enumerate(p.versions):
            paper_of[d] = (p.paper_id, "primary" if i == 0 else "version")
        for d in p.partial:
            paper_of[d] = (p.paper_id, "partial_version")

    statements: list[Statement] = []
    for doc in docs:
        try:
            sts, why = statements_of(doc)
        except Exception:  # one bad document must not stop the batch; its reason is kept
            log.exception("%s: could not group facts", doc.doc_id[:12])
            notes.append(f"{doc.doc_id[:12]}: facts could not be grouped (see log); left out")
            continue
        statements += sts
        notes += why

    occurrences: list[tuple[NameRef, str]] = [(n, st.doc_id) for st in statements for n in st.parties]
    attr_names = sorted({f.attrs[k] for st in statements for f in st.facts for k in ("party", "payer") if f.attrs.get(k)})
    resolved = resolve_names([n.name for n, _ in occurrences] + attr_names, rules.entities)
    stated_orgnr = _stated_org_numbers(docs, resolved, rules.entities)
    municipal = {r.canonical for refs in resolved.values() for r in refs if r.municipal}
    qualify = {name: refs[0].canonical for name, refs in resolved.items() if len(refs) == 1}

    assigned, why = assign_partnerships(statements, resolved, checks.partnerships.passing_mention_max_share,
                                        {d: pid for d, (pid, _) in paper_of.items()}, checks.partnerships.programme_sections)
    notes += why
    findings: list[Discrepancy] = []
    records: list[Record] = []
    for a in assigned:
        paper_id, role = paper_of.get(a.statement.doc_id, (a.statement.doc_id, "primary"))
        if a.statement.span is not None:  # one of several papers in a PDF: its own paper
            paper_id = span_id(paper_id, a.statement.span)
        parties = tuple(p.model_copy(update={"org_number": stated_orgnr.get(p.canonical, p.org_number)}) for p in a.parties)
        rec = make_record(a.statement, parties=parties, programme=a.programme, key=a.key, paper_id=paper_id, version_role=role,
                          qualify=qualify, approx_markers=checks.share_percentage.approx_markers)
        records.append(rec)
        if a.ambiguous_reason and role == "primary":
            names = {n.name: n for n in a.statement.parties}  # each name once
            values = [FindingValue(doc_id=a.statement.doc_id, value=n.name, label="party", evidence=n.evidence) for n in names.values()]
            values += [FindingValue(doc_id=a.statement.doc_id, value=f.value, label=f"{f.kind} {f.role or ''}".strip(), evidence=f.evidence)
                       for f in a.statement.facts if f.kind in ("amount", "participants", "percentage")]
            findings.append(make_finding("ambiguous_partnership", "ambiguous_partnership", checks.ambiguous_partnership.severity, a.key, None,
                                         values, f"A statement in {a.statement.doc_id[:12]} ({a.statement.group}) {a.ambiguous_reason}; "
                                         "its values are not compared across papers.", {"doc_id": a.statement.doc_id}))
    records.sort(key=lambda r: (r.doc_id, r.partnership_key, r.programme or ""))

    partners_of = {a.key: a.partners for a in assigned}
    cells = table_cells(docs)
    claims = [c for r in records for c in claims_of(r, municipal, partners_of.get(r.partnership_key, ()), checks, cells)]
    consolidated, ocr, why = consolidate(claims, papers, checks)
    findings += ocr
    notes += why
    wanted = {(c.doc_id, c.evidence.page, c.evidence.line or 0) for c in consolidated if c.field.startswith("percentage")}
    line_text = {k: " ".join(w.text for w in words) for d in docs for page, line, words in d.lines()
                 if (k := (d.doc_id, page, line)) in wanted}  # only percentages look for a stated indexation
    doc_findings, why, cases = _document_checks(docs, paper_of, consolidated, checks)
    findings += doc_findings
    notes += why
    views = tuple(report_view(d) for d in docs)
    del docs  # the checks below read claims only: the documents' lines and tables go before their findings come
    findings += check_cross_paper(consolidated, checks, line_text)
    findings += check_within_paper(consolidated, checks)
    findings += check_sums(consolidated, partners_of, checks)
    share_findings, why = check_shares(consolidated, partners_of, checks)
    findings += share_findings
    notes += why
    findings += check_name_variants(occurrences + _attr_occurrences(statements), resolved, checks)
    for p in papers:
        if len(p.versions) + len(p.partial) > 1:
            values = [FindingValue(doc_id=d, value=p.similarity.get(d, 100.0),
                                   label="primary" if d == p.paper_id else "partial version" if d in p.partial else "version")
                      for d in p.versions + p.partial]
            text = (f"{len(p.versions)} full version(s)" + (f" and {len(p.partial)} partial version(s)" if p.partial else "")
                    + f" of one paper (primary {p.paper_id[:12]}); counted once. Similarity of repaired text "
                    f"(rapidfuzz token_sort_ratio; partial: worst page) ≥ {checks.versions.min_similarity:g}.")
            findings.append(make_finding("paper_versions", "versions", checks.versions.severity, p.paper_id, None, values, text))

    findings = cap_severity(findings, checks.severity_honesty.max_severity_unless_text_layer)
    findings.sort(key=lambda f: (f.key, f.field or "", f.kind, f.id))
    counts = dict(sorted(Counter(f.kind for f in findings).items()))
    keys = tuple(sorted({r.partnership_key for r in records if not r.partnership_key.endswith("| " + AMBIGUOUS)}))
    report = DiscrepancyReport(papers=tuple(papers), partnerships=keys, counts=counts, findings=tuple(findings),
                               skipped=tuple(sorted(set(notes))))
    return ReconcileResult(records=tuple(records), report=report, documents=views, cases=cases)


def report_view(doc: Document) -> Document:
    """What the report reads of a document (its name, papers, pages' images and dates), so that the
    batch outputs are written without every document's lines, tables and facts held."""
    return doc.model_copy(update={"pages": tuple(p.model_copy(update={"words": ()}) for p in doc.pages),
                                  "facts": tuple(f for f in doc.facts if f.kind == "date"), "tables": (), "sections": ()})


def _document_checks(docs: list[Document], paper_of: dict[str, tuple[str, str]], consolidated: list[Claim],
                     checks: ChecksRules) -> tuple[list[Discrepancy], list[str], tuple[tuple[str, ...], ...]]:
    """The checks that read the primary documents themselves (tables, prose, cases, policies): their
    findings, notes and the cases linked."""
    primaries = [d for d in docs if paper_of.get(d.doc_id, ("", "primary"))[1] == "primary"]
    primary_paper = {d: pid for d, (pid, _) in paper_of.items()}
    findings, notes = check_table_sums(primaries, primary_paper, checks.table_sums)
    findings += check_prose_sums(primaries, primary_paper, checks.prose_sums)
    findings += check_restated(primaries, primary_paper, checks.restated)
    case_findings, why = check_cases(primaries, primary_paper, checks.cases, checks.versions.min_similarity)
    cases = tuple(tuple(u.paper_id for u in case) for case in link_cases(paper_units(primaries, primary_paper), checks.cases))
    findings += case_findings
    notes += why
    policy_findings, why = check_policies(consolidated, primaries, checks)
    return findings + policy_findings, notes + why, cases


def _attr_occurrences(statements: list[Statement]) -> list[tuple[NameRef, str]]:
    out = []
    for st in statements:
        for f in st.facts:
            for k in ("party", "payer"):
                if f.attrs.get(k):
                    out.append((NameRef(f.attrs[k], f.evidence), st.doc_id))
    return out


def _stated_org_numbers(docs: list[Document], resolved: dict[str, tuple[PartyRef, ...]], rules: EntitiesRules) -> dict[str, str]:
    """Org numbers the papers state for a party (fact attrs `party`), by canonical name."""
    extra = sorted({f.attrs["party"] for d in docs for f in d.facts if f.kind == "org_number" and f.attrs.get("party")} - set(resolved))
    names = dict(resolved) | (resolve_names(extra, rules) if extra else {})
    out: dict[str, str] = {}
    for d in docs:
        for f in d.facts:
            if f.kind == "org_number" and f.attrs.get("party") and isinstance(f.value, str):
                refs = names.get(f.attrs["party"], ())
                if len(refs) == 1:
                    out.setdefault(refs[0].canonical, f.value)
    return out


def output_models() -> dict[str, type[BaseModel]]:
    """Return the model of each batch output file, by schema name (records.jsonl: one line)."""
    return {"record": Record, "discrepancies": DiscrepancyReport}


def batch_schemas() -> dict[str, dict]:
    """Return the JSON Schemas of records.jsonl (one line) and discrepancies.json."""
    return {name: model.model_json_schema(mode="serialization") for name, model in output_models().items()}


def reconcile_folder(out_dir: Path, rules: Rules, report_lang: str = DEFAULT_LANGUAGE,
                     workers: int | None = None) -> ReconcileResult:
    """Read `out_dir/documents/*.json`, reconcile, and write the batch outputs into `out_dir`
    (report.html in `report_lang`, Swedish by default; up to `workers` processes write them,
    default one per core)."""
    from pipeline.report import write_outputs

    skipped: list[str] = []
    result = reconcile_documents(read_documents(out_dir, skipped, by_lines=True), rules, skipped)
    write_outputs(result, out_dir, rules.privacy, report_lang, workers)
    return result
