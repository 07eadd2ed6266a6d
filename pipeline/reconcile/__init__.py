"""The batch stage: versions of one paper, entity resolution, partnerships and every check.

`reconcile_documents(docs, rules)` is pure: documents and rules in, records and findings out.
`reconcile_folder(out_dir, rules)` reads `out_dir/documents/*.json`, calls it, and writes
records.jsonl, records.parquet, records.csv, discrepancies.json, report.html and report.xlsx.
"""

from __future__ import annotations

import gc
import logging
import pickle
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

from pydantic import BaseModel, ValidationError

from pipeline.executor import Result, forked_map, in_a_fork
from pipeline.i18n import DEFAULT_LANGUAGE
from pipeline.model import (
    Discrepancy,
    DiscrepancyReport,
    Document,
    Evidence,
    FindingValue,
    PartyRef,
    Record,
)
from pipeline.packed import OnDisk, Packed, PackedByKey, Spilled, pack, unpack
from pipeline.privacy import outputs_view
from pipeline.reconcile.checks import (
    check_cross_paper,
    check_name_variants,
    check_policies,
    check_shares,
    check_sums,
    check_within_paper,
    policy_statements,
)
from pipeline.reconcile.cases import (
    PaperUnit,
    check_cases,
    check_cited_periods,
    link_cases,
    linking_view,
    normalize_dnr,
    paper_units,
)
from pipeline.reconcile.claims import CellKey, Claim, SpilledName, claims_of, table_cells
from pipeline.reconcile.corrections import check_corrections
from pipeline.reconcile.entities import resolve_names
from pipeline.reconcile.findings import cap_severity, make_finding
from pipeline.reconcile.partnerships import AMBIGUOUS, Assigned, assign_partnerships
from pipeline.reconcile.prose_sums import check_prose_sums
from pipeline.reconcile.restated import check_restated
from pipeline.reconcile.table_sums import check_table_sums
from pipeline.reconcile.versions import VersionText, consolidate, group_versions
from pipeline.records import NameRef, Statement, make_record, paper_dates, span_id, statements_of
from pipeline.rules import ChecksRules, EntitiesRules, Rules
from pipeline.store import DOCUMENTS, write_bytes_atomic

__all__ = [
    "AMBIGUOUS",
    "Claim",
    "READ_AHEAD",
    "ReconcileResult",
    "StoredDocuments",
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
    "read_ahead",
    "read_documents",
    "reconcile_documents",
    "reconcile_folder",
    "resolve_names",
]

log = logging.getLogger(__name__)

UNREACHED_THRESHOLD = 2**31 - 1
"""A cycle-collector threshold never reached (the thresholds are C ints)."""


@dataclass(frozen=True)
class ReconcileResult:
    """What the batch stage produced: records, the findings report, and the documents read."""

    records: Sequence[Record]
    """Sorted by doc_id, key and programme; held packed (`Packed`), a block at a time as read."""
    report: DiscrepancyReport
    documents: Mapping[str, Document]
    """The documents as the report names and crops them (`report_view`: no words, tables or sections), by
    doc_id, in the order of their ids; held packed (`PackedByKey`), one unpacked at a time as looked up."""
    cases: tuple[tuple[str, ...], ...] = ()
    """Paper ids of the papers linked into one case (same Dnr, or the same title year on year), for the report's overview."""


def load_documents(out_dir: Path, *, by_lines: bool = False) -> tuple[list[Document], list[str]]:
    """Read every `out_dir/documents/*.json`; a file that does not validate is skipped with a reason.

    With `by_lines` each is held by lines (`Document.by_lines`), as the batch stage reads them: it
    reads no single word, and a document held so takes about a quarter of the memory."""
    skipped: list[str] = []
    return list(read_documents(out_dir, skipped, by_lines=by_lines)), skipped


class StoredDocuments:
    """The documents of an output folder held by lines, read from disk when mapped, in the order
    of their ids (each file is named by its document's id), in up to `workers` processes: the
    batch stage reads each once and keeps only what it needs of it. A document whose read a run's
    worker left in `ahead` (`read_ahead`) is not read again."""

    def __init__(self, out_dir: Path, skipped: list[str], workers: int | None = None, ahead: Path | None = None):
        self.out_dir, self.skipped, self.workers, self.ahead = out_dir, skipped, workers, ahead

    def reads(self, checks: ChecksRules) -> Iterator[tuple[VersionText, _Read, bytes, bytes]]:
        """`_read_once` of each document, each read (or its read ahead loaded) in one of the processes."""
        paths = _document_paths(self.out_dir)
        done = {p.stem for p in self.ahead.glob("*.pickle")} if self.ahead is not None else set()
        workers = 1 if all(p.stem in done for p in paths) else self.workers  # loading is no work to share
        read = partial(_read_once, checks=checks)
        for got in forked_map(partial(_loaded_or_read, read, self.ahead if done else None), paths, workers):
            if isinstance(got, _Unread):
                self.skipped.append(got.reason)
                continue
            yield got


READ_AHEAD = ".batch-reads"
"""The folder of an output folder where a run's workers leave the batch stage's read of each document
they wrote (`read_ahead`), for that run's batch stage alone: emptied before and after every run."""


def read_ahead(path: Path, folder: Path, checks: ChecksRules) -> None:
    """Do the batch stage's read of the document just written at `path` (`_read_once`, on the file as
    written) in the worker that wrote it, and leave it in `folder`: the per-document part of the batch
    stage then runs on every core beside the document stages instead of after them."""
    read = _read_then(partial(_read_once, checks=checks), path)
    write_bytes_atomic(folder / f"{path.stem}.pickle", pickle.dumps(read, pickle.HIGHEST_PROTOCOL))


def _loaded_or_read(read: Callable[[Document], Result], ahead: Path | None, path: Path) -> Result | _Unread:
    """The read of the document at `path` a worker left in `ahead`, else `read` of it now."""
    if ahead is not None:
        try:
            return pickle.loads((ahead / f"{path.stem}.pickle").read_bytes())  # type: ignore[no-any-return]
        except FileNotFoundError:
            pass
    return _read_then(read, path)


def _document_paths(out_dir: Path) -> list[Path]:
    return sorted((out_dir / DOCUMENTS).glob("*.json"))


@dataclass(frozen=True)
class _Unread:
    reason: str


def _read_one(path: Path) -> Document | _Unread:
    """The document stored at `path`, or why it is left out (logged)."""
    try:
        return Document.model_validate_json(path.read_text(encoding="utf-8"))
    except (ValidationError, ValueError, OSError) as err:
        reason = f"{path.name}: not a valid Document ({type(err).__name__}); left out"
        log.warning(reason)
        return _Unread(reason)


def _read_then(fn: Callable[[Document], Result], path: Path) -> Result | _Unread:
    doc = _read_one(path)
    return doc if isinstance(doc, _Unread) else fn(doc.by_lines())


def read_documents(out_dir: Path, skipped: list[str], *, by_lines: bool = False) -> Iterator[Document]:
    """Yield the documents of `load_documents` one at a time, appending to `skipped` the reason
    for each file left out: only the caller decides what of them it keeps."""
    for path in _document_paths(out_dir):
        doc = _read_one(path)
        if isinstance(doc, _Unread):
            skipped.append(doc.reason)
        else:
            yield doc.by_lines() if by_lines else doc


@dataclass(frozen=True)
class _Read:
    """What the batch stage keeps of one document from its first read, besides its `VersionText`
    (held only until versions are grouped) and its statements (packed, spilled to disk until read):
    the document itself goes."""

    party_names: list[str]  # every party name of its statements, in order (resolution reads them)
    attr_names: set[str]  # the names its facts give as party or payer
    notes: list[str]
    org_numbers: list[tuple[str, str]]  # (party as written, number) of each org_number fact
    cells: dict[CellKey, tuple[str, str, str] | None]  # each table cell's column meaning (`table_cells`)
    percentage_lines: dict[tuple[str, int, int], str]  # the text of each line a percentage stands on
    view: bytes  # the report's view of the document (`report_view`), packed where it was read


def _read_once(doc: Document, checks: ChecksRules) -> tuple[VersionText, _Read, bytes, bytes]:
    """All the batch stage reads of one document: what grouping, records and claims need (its
    statements packed, spilled to disk until read), and its own checks as if it were its paper's
    primary version (packed: spilled to disk until used, if it is). A primary's checks read nothing
    of the others (its paper is named by its own id), so one read of each document does: reading
    the primaries again cost more than checking all."""
    return (*_first_read(doc), pack(_checked_alone(doc, checks)))


def _checked_alone(doc: Document, checks: ChecksRules) -> _OwnChecks:
    """`_own_checks` of `doc`, or none where they fail on it: one bad document must not stop the
    batch's checks of the others; its reason is kept."""
    try:
        return _own_checks(doc, checks)
    except Exception:
        log.exception("%s: its own checks failed", doc.doc_id[:12])
        return _OwnChecks([], [f"{doc.doc_id[:12]}: its tables and text could not be checked (see log); left out"],
                          [], {}, {})


def _first_read(doc: Document) -> tuple[VersionText, _Read, bytes]:
    try:
        statements, notes = statements_of(doc)
    except Exception:  # one bad document must not stop the batch; its reason is kept
        log.exception("%s: could not group facts", doc.doc_id[:12])
        statements, notes = [], [f"{doc.doc_id[:12]}: facts could not be grouped (see log); left out"]
    org_numbers = [(f.attrs["party"], f.value) for f in doc.facts
                   if f.kind == "org_number" and f.attrs.get("party") and isinstance(f.value, str)]
    at = {(doc.doc_id, f.evidence.page, f.evidence.line or 0) for f in doc.facts if f.kind == "percentage"}
    lines = {k: " ".join(w.text for w in words) for page, line, words in doc.lines() if (k := (doc.doc_id, page, line)) in at}
    return VersionText.of(doc), _Read([n.name for st in statements for n in st.parties],
                                      {ref.name for st in statements for ref in _attr_refs(st)},
                                      notes, org_numbers, table_cells([doc]), lines, pack(report_view(doc))), pack(statements)


def reconcile_documents(docs: Iterable[Document], rules: Rules, skipped: Sequence[str] = (),
                        workers: int = 1) -> ReconcileResult:
    """Reconcile a batch: versions, entities, partnerships, records and every check.

    The documents are read once, each in one of up to `workers` processes, and never held all at
    once: what grouping, records and claims need (`_Read`) and the checks that read a paper's own
    lines and tables (`_OwnChecks`, kept for the primary versions) come back.

    Args:
        docs: the documents of the batch (any order): a collection, or `StoredDocuments`, which
            reads an output folder's documents as it maps them (an iterator is held as a list).
        rules: validated rules (entities, checks).
        skipped: reasons for inputs already left out while reading (read once `docs` is first read).
        workers: processes for the per-document reads of a collection (`StoredDocuments` has its own).

    Returns:
        Records (sorted by doc_id, key), the findings report and the documents as the report reads them.
    """
    with _no_full_collections():
        result, findings = _reconcile(docs, rules, skipped, workers)
        return replace(result, report=result.report.model_copy(update={"findings": tuple(findings)}))


@contextmanager
def _no_full_collections() -> Iterator[None]:
    """Run without the cycle collector's full passes; the usual thresholds come back after.

    The batch stage holds what it read of every document (millions of objects at thousands of
    papers) for most of its run, and each full pass walked them all again, more often the larger
    the store. At 2 000 generated papers, one process: reconciling 25–30 → 15.5 CPU-seconds
    (47 full passes), writing the outputs 15.6 → 9.8. The young generations are still collected;
    what became cyclic garbage in the oldest waits for the next full pass (peak RSS the same)."""
    young, middle, old = gc.get_threshold()
    gc.set_threshold(young, middle, UNREACHED_THRESHOLD)
    try:
        yield
    finally:
        gc.set_threshold(young, middle, old)


class _Findings:
    """The batch stage's findings as they are made, each capped (`cap_severity`) and spilled to disk
    with only its sort key held: all live at once, with their values' evidence, they were the
    largest thing the batch stage held (about 10 KB each)."""

    def __init__(self, most: str):
        self._most = most
        self._spilled = Spilled()
        self._keys: list[tuple[str, str, str, str, int]] = []

    def __iadd__(self, found: Iterable[Discrepancy]) -> _Findings:
        for made in found:  # one at a time: a check may yield its findings as it makes them
            f = cap_severity(made, self._most)
            self._keys.append((f.key, f.field or "", f.kind, f.id, self._spilled.append(pack(f))))
        return self

    def append(self, finding: Discrepancy) -> None:
        self += [finding]

    def counts(self) -> dict[str, int]:
        """How many findings of each kind."""
        return dict(sorted(Counter(kind for _, _, kind, _, _ in self._keys).items()))

    def in_order(self) -> Iterator[Discrepancy]:
        """The findings sorted by key, field, kind and id (then as made), each read back in turn."""
        for *_, at in sorted(self._keys):
            yield self._spilled[at]  # type: ignore[misc]


def _reconcile(docs: Iterable[Document], rules: Rules, skipped: Sequence[str],
               workers: int) -> tuple[ReconcileResult, Iterator[Discrepancy]]:
    """`reconcile_documents`, its report without findings, and the findings apart, in order."""
    checks = rules.checks
    read = partial(_read_once, checks=checks)
    versions: list[VersionText] = []
    reads: list[_Read] = []
    spilled = Spilled()  # each document's statements and own checks, packed, until wanted
    statements_at: list[int] = []
    own_checks_at: dict[str, int] = {}
    views: dict[str, bytes] = {}  # each document's `report_view`, packed
    for version, first, stated, checked in (docs.reads(checks) if isinstance(docs, StoredDocuments)  # in the order of their ids
                                            else forked_map(read, sorted(docs, key=lambda d: d.doc_id), workers)):
        versions.append(version)
        reads.append(first)
        statements_at.append(spilled.append(stated))
        own_checks_at[version.doc_id] = spilled.append(checked)
        views[version.doc_id] = first.view
    notes = list(skipped)  # after `docs` is read: reading a folder fills `skipped` as it goes
    papers = group_versions(versions, checks.versions)
    del versions  # the pages' text is for grouping versions only
    paper_of: dict[str, tuple[str, str]] = {}
    for p in papers:
        for i, d in enumerate(p.versions):
            paper_of[d] = (p.paper_id, "primary" if i == 0 else "version")
        for d in p.partial:
            paper_of[d] = (p.paper_id, "partial_version")

    notes += [n for r in reads for n in r.notes]
    attr_names = sorted(set().union(*(r.attr_names for r in reads)))
    resolved = resolve_names([n for r in reads for n in r.party_names] + attr_names, rules.entities)
    stated_orgnr = _stated_org_numbers([o for r in reads for o in r.org_numbers], resolved, rules.entities)
    municipal = {r.canonical for refs in resolved.values() for r in refs if r.municipal}
    qualify = {name: refs[0].canonical for name, refs in resolved.items() if len(refs) == 1}

    def statements(k: int) -> list[Statement]:
        """The statements of the k-th document read."""
        return spilled[statements_at[k]]  # type: ignore[return-value]

    assigned, why = assign_partnerships((st for k in range(len(reads)) for st in statements(k)), resolved, checks.partnerships.passing_mention_max_share,
                                        {d: pid for d, (pid, _) in paper_of.items()}, checks.partnerships.programme_sections)
    notes += why
    findings = _Findings(checks.severity_honesty.max_severity_unless_text_layer)
    partners_of = {a.key: a.partners for a in assigned}
    assigned_at = {a.at: a for a in assigned}
    del assigned
    fuzzy = {name for name, refs in resolved.items() if any(p.match == "fuzzy" for p in refs)}
    claims: list[Claim] = []
    evidences = Spilled()  # the claims' and names' evidence, read back when a check or finding reads it
    party_refs: list[tuple[SpilledName, str]] = []  # the names merged by fuzzy match, where each stands:
    attr_refs: list[tuple[SpilledName, str]] = []  # as a party, and as a fact's party or payer
    keys: set[str] = set()

    def placed(ref: NameRef) -> SpilledName:
        return SpilledName(ref.name, evidences, evidences.append(pack(ref.evidence)))

    def records_in_order() -> Iterator[Record]:
        """Each document's records, sorted by (doc_id, key, programme), its claims and findings made
        on the way: only the packed records are kept."""
        at = 0
        for k, r in enumerate(reads):
            made = []
            for st in statements(k):
                party_refs.extend((placed(n), st.doc_id) for n in st.parties if n.name in fuzzy)
                attr_refs.extend((placed(ref), st.doc_id) for ref in _attr_refs(st) if ref.name in fuzzy)
                a = assigned_at.get(at)
                at += 1
                if a is None:
                    continue
                paper_id, role = paper_of.get(st.doc_id, (st.doc_id, "primary"))
                if st.span is not None:  # one of several papers in a PDF: its own paper
                    paper_id = span_id(paper_id, st.span)
                parties = tuple(p.model_copy(update={"org_number": stated_orgnr.get(p.canonical, p.org_number)}) for p in a.parties)
                made.append(make_record(st, parties=parties, programme=a.programme, key=a.key, paper_id=paper_id,
                                        version_role=role, qualify=qualify, approx_markers=checks.share_percentage.approx_markers))
                if a.ambiguous_reason and role == "primary":
                    findings.append(_ambiguous(st, a, checks))
            made.sort(key=lambda rec: (rec.partnership_key, rec.programme or ""))
            for rec in made:  # a record's values stand in its own document, so its own cells tell
                claims.extend(claims_of(rec, municipal, partners_of.get(rec.partnership_key, ()), checks, evidences, r.cells))
                keys.add(rec.partnership_key)
            r.cells.clear()  # read only here: gone once the document's claims are made
            yield from made

    records = Packed(records_in_order())
    # the names' places go before claims are compared; each check's findings are spilled as it makes them
    findings += check_name_variants(party_refs + attr_refs, resolved, checks)
    del party_refs, attr_refs
    consolidated, why = consolidate(claims, papers, checks, findings.append)
    notes += why
    wanted = {(c.doc_id, c.evidence.page, c.evidence.line or 0) for c in consolidated if c.field.startswith("percentage")}
    line_text = {k: text for r in reads for k, text in r.percentage_lines.items() if k in wanted}  # a stated indexation
    del reads, claims
    own = (spilled[own_checks_at[p.paper_id]] for p in papers)  # the primary versions', in the order of their ids
    said: set[tuple] = set()  # what each finding across papers says: spilled to disk before the cases are read

    def saying(found: Iterable[Discrepancy]) -> Iterator[Discrepancy]:
        for f in found:
            said.add(_what_it_says(f))
            yield f

    findings += saying(check_cross_paper(consolidated, checks, line_text))
    why, cases = _document_checks(own, consolidated, checks, findings, said)  # type: ignore[arg-type]
    notes += why
    findings += check_within_paper(consolidated, checks)
    findings += check_sums(consolidated, partners_of, checks)
    notes += check_shares(consolidated, partners_of, checks, findings.append)
    for p in papers:
        if len(p.versions) + len(p.partial) > 1:
            values = [FindingValue(doc_id=d, value=p.similarity.get(d, 100.0),
                                   label="primary" if d == p.paper_id else "partial version" if d in p.partial else "version")
                      for d in p.versions + p.partial]
            text = (f"{len(p.versions)} full version(s)" + (f" and {len(p.partial)} partial version(s)" if p.partial else "")
                    + f" of one paper (primary {p.paper_id[:12]}); counted once. Similarity of repaired text "
                    f"(rapidfuzz token_sort_ratio; partial: worst page) ≥ {checks.versions.min_similarity:g}.")
            findings.append(make_finding("paper_versions", "versions", checks.versions.severity, p.paper_id, None, values, text))

    partnerships = tuple(sorted(k for k in keys if not k.endswith("| " + AMBIGUOUS)))
    report = DiscrepancyReport(papers=tuple(papers), partnerships=partnerships, counts=findings.counts(), findings=(),
                               skipped=tuple(sorted(set(notes))))
    return ReconcileResult(records=records, report=report, documents=PackedByKey(views), cases=cases), findings.in_order()


def _ambiguous(st: Statement, a: Assigned, checks: ChecksRules) -> Discrepancy:
    """The finding for a statement no one partnership can be told for: its parties and values."""
    names = {n.name: n for n in st.parties}  # each name once
    values = [FindingValue(doc_id=st.doc_id, value=n.name, label="party", evidence=n.evidence) for n in names.values()]
    values += [FindingValue(doc_id=st.doc_id, value=f.value, label=f"{f.kind} {f.role or ''}".strip(), evidence=f.evidence)
               for f in st.facts if f.kind in ("amount", "participants", "percentage")]
    return make_finding("ambiguous_partnership", "ambiguous_partnership", checks.ambiguous_partnership.severity, a.key, None,
                        values, f"A statement in {st.doc_id[:12]} ({st.group}) {a.ambiguous_reason}; "
                        "its values are not compared across papers.", {"doc_id": st.doc_id})


def report_view(doc: Document) -> Document:
    """What the report reads of a document: its name, papers, pages' images and the dates it may
    give a paper (`paper_dates`), so that the batch outputs are written without every document's
    lines, tables and facts held."""
    return doc.model_copy(update={"pages": tuple(p.model_copy(update={"words": ()}) for p in doc.pages),
                                  "facts": paper_dates(doc), "tables": (), "sections": ()})


@dataclass(frozen=True)
class _OwnChecks:
    """What the checks of one primary document found, and what of its papers links cases."""

    findings: list[Discrepancy]
    notes: list[str]
    units: list[PaperUnit]  # each paper's `linking_view`
    packed: dict[str, bytes]  # the rest of each paper, until a case compares it
    policy_lines: dict[str, tuple[Evidence | None, Evidence | None]]  # each policy's (line, two lines) stating it


def _own_checks(doc: Document, checks: ChecksRules) -> _OwnChecks:
    """The checks that read one primary document itself: tables, prose sums, restated values,
    cited periods, and where it states each policy."""
    primary_paper = {doc.doc_id: doc.doc_id}  # a primary version's paper is named by it
    table_findings, notes = check_table_sums([doc], primary_paper, checks.table_sums)
    findings = table_findings + check_prose_sums([doc], primary_paper, checks.prose_sums)
    units = paper_units([doc], primary_paper, checks.cases, checks.decisions, checks.shares)
    findings += check_restated(units, checks.restated) + check_cited_periods(units)
    findings += check_corrections(doc, units, checks.corrections)
    return _OwnChecks(findings, notes, [linking_view(u) for u in units], {u.paper_id: pack(u) for u in units},
                      {p.name: policy_statements(doc, p.statement, p.min_similarity) for p in checks.policies})


def _what_it_says(f: Discrepancy) -> tuple:
    """A finding's kind, field and the statements it compares (where each stands, as scanned): two
    checks that compare the same statements to the same verdict say one thing."""
    return (f.kind, f.field, frozenset((v.doc_id, v.evidence.page, v.evidence.line, v.evidence.text_as_scanned)
                                       for v in f.values if v.evidence is not None))


def _document_checks(own: Iterable[_OwnChecks], consolidated: list[Claim], checks: ChecksRules,
                     findings: _Findings, said: set[tuple]) -> tuple[list[str], tuple[tuple[str, ...], ...]]:
    """The primary documents' own checks (in the order of their ids) joined with the checks
    across them (cases, policies): their findings added to `findings`; their notes and the cases linked.
    A case's finding that says what a finding across papers already says (`said`: a partnership's
    share differing between the tjänsteskrivelse and the protokoll of one Dnr) is left out."""
    notes: list[str] = []
    units: list[PaperUnit] = []
    packed: dict[str, bytes] = {}
    stated: dict[str, list[Evidence | None]] = {p.name: [None, None] for p in checks.policies}
    for checked in own:
        findings += checked.findings
        notes += checked.notes
        units += checked.units
        packed.update(checked.packed)
        for name, (line, two_lines) in checked.policy_lines.items():
            first = stated[name]  # the first document stating it, and the first stating it on two lines up to there
            if first[0] is None:
                first[0], first[1] = line, first[1] or two_lines
    linked = link_cases(units, checks.cases)
    case_findings, why = check_cases(linked, checks.cases, checks.versions.min_similarity,
                                     lambda unit: unpack(packed[unit.paper_id]),  # type: ignore[arg-type,return-value]
                                     checks.decisions, checks.shares)
    cases = tuple(tuple(u.paper_id for u in case) for case in linked)
    policy_findings, why_policy = check_policies(consolidated, {name: line or pair for name, (line, pair) in stated.items()}, checks)
    findings += [f for f in case_findings if _what_it_says(f) not in said]
    findings += policy_findings
    return notes + why + why_policy, cases


def _attr_refs(st: Statement) -> list[NameRef]:
    """The names a statement's facts give as party or payer, each where its fact stands."""
    return [NameRef(f.attrs[k], f.evidence) for f in st.facts for k in ("party", "payer") if f.attrs.get(k)]


def _stated_org_numbers(stated: list[tuple[str, str]], resolved: dict[str, tuple[PartyRef, ...]], rules: EntitiesRules) -> dict[str, str]:
    """Org numbers the papers state for a party (`stated`: party as written and number, in the
    papers' order), by canonical name: the first stated."""
    extra = sorted({party for party, _ in stated} - set(resolved))
    names = dict(resolved) | (resolve_names(extra, rules) if extra else {})
    out: dict[str, str] = {}
    for party, number in stated:
        refs = names.get(party, ())
        if len(refs) == 1:
            out.setdefault(refs[0].canonical, number)
    return out


def output_models() -> dict[str, type[BaseModel]]:
    """Return the model of each batch output file, by schema name (records.jsonl: one line)."""
    return {"record": Record, "discrepancies": DiscrepancyReport}


def batch_schemas() -> dict[str, dict]:
    """Return the JSON Schemas of records.jsonl (one line) and discrepancies.json."""
    return {name: model.model_json_schema(mode="serialization") for name, model in output_models().items()}


def reconcile_folder(out_dir: Path, rules: Rules, report_lang: str = DEFAULT_LANGUAGE,
                     workers: int | None = None, ahead: Path | None = None) -> ReconcileResult:
    """Read `out_dir/documents/*.json`, reconcile, and write the batch outputs into `out_dir`
    (report.html in `report_lang`, Swedish by default; up to `workers` processes write them,
    default one per core). A run passes the folder its workers read documents `ahead` into.

    The reconciling runs in a process of its own (`in_a_fork`), which sends back only its result
    as the outputs show it (`outputs_view`: masked unless the folder's run kept personal data):
    what it held on the way (each document's reads, the claims, the unmasked result) and the memory
    it left in pieces end with it, so the outputs are written from a process that never held them.
    The findings are held on disk (`OnDisk`), one read back at a time as each output writes it.
    Meanwhile this process imports what the writers need (`import_writers`). Returns the result as
    the outputs show it."""
    from pipeline.report import import_writers, write_shown

    with _no_full_collections():  # writing walks every record and finding again
        # one expression: no name holds the packed findings once they are on disk
        return write_shown(_findings_on_disk(in_a_fork(partial(_reconciled_folder, out_dir, rules, workers, ahead), import_writers)),
                           out_dir, report_lang, workers)


def _findings_on_disk(reconciled: ReconcileResult) -> ReconcileResult:
    """The result with its packed findings held on disk (`OnDisk`), read back one at a time in any
    order; the packed findings go once copied (3 MB at 8 000 generated papers)."""
    return replace(reconciled, report=reconciled.report.model_copy(update={"findings": OnDisk(reconciled.report.findings)}))


def _reconciled_folder(out_dir: Path, rules: Rules, workers: int | None, ahead: Path | None = None) -> ReconcileResult:
    """The folder's documents reconciled, as the outputs show them, the findings and papers packed
    (`Packed`): pickled as models, pickle's memo would hold an entry for each of their millions of
    objects, and the writers read them in turn (the papers as models: 8 MB at 8 000 generated papers)."""
    skipped: list[str] = []
    result, findings = _reconcile(StoredDocuments(out_dir, skipped, workers, ahead), rules, skipped, 1)
    packed = replace(result, report=result.report.model_copy(update={"findings": Packed(findings),
                                                                     "papers": Packed(result.report.papers)}))
    return outputs_view(packed, out_dir, rules.privacy)
