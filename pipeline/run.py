"""The order of the stages, and the batch around them: the one place that runs the pipeline.

Per document: ingest → OCR (pages in parallel) → repair → tables → segment → facts → write.
Then, over the whole output folder: records → reconcile → report. Each per-document stage is
a pure function `(Document, Rules) -> Document`; a failure is caught at the document
boundary, recorded in the manifest with its stage, and the batch goes on.

The output folder accumulates (store.py): the run holds its lock, journals each input as it
finishes, and updates only its own inputs' entries; an input that fails again keeps its last
good document, marked `stale`. Only a problem of the output folder itself stops the run.
"""

from __future__ import annotations

import dataclasses
import importlib
import logging
import shutil
import sys
import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from pipeline import __version__
from pipeline.errors import InputError, LimitError, OutputError, PipelineError
from pipeline.executor import Feed, make_executor
from pipeline.exports import write_exports
from pipeline.facts import extract_facts
from pipeline.ingest import Ingested, InputFile, find_inputs, ingest, media_type, sha256_file
from pipeline.model import SCHEMA_VERSION, Document, InputFailure, Manifest, ManifestEntry, OcrInfo, Page, PersonalData
from pipeline.ocr_cache import OcrCache
from pipeline.packed import pack, unpack
from pipeline.papers import split_papers
from pipeline.privacy import black_out, mask_document, mask_model
from pipeline.reconcile import READ_AHEAD, read_ahead, reconcile_folder
from pipeline.repair import repair_document
from pipeline.rules import Rules, load_rules
from pipeline.segment import segment
from pipeline.stages import document_rules_hash, stage_keys
from pipeline.store import (
    Journal,
    check_output,
    document_path,
    evidence_path,
    held_documents,
    identity,
    locked,
    prune,
    read_document,
    recover,
    write_bytes_atomic,
    write_model,
)
from pipeline.tables import extract_tables
from pipeline.tesseract import THRESHOLDING_NAMES, OcrJob, OcrResult, OcrSettings, check_tesseract, ocr_settings

log = logging.getLogger(__name__)

Stage = Callable[[Document, Rules], Document]
STAGES: tuple[tuple[str, Stage], ...] = (
    ("repair", repair_document),
    ("tables", extract_tables),
    ("segment", segment),
    ("papers", split_papers),
    ("facts", extract_facts),
)
"""The per-document stages after OCR, in order."""

PAGE_MODULES = ("pipeline.ingest_pdf", "pipeline.ocr", "pipeline.alto", "pipeline.searchable_pdf", "pypdfium2")
"""What only PDFs and images need (OpenCV, pdfplumber, pikepdf, lxml, pypdfium2): each is imported where it is
used, so a run of text inputs imports none of them (`_import_page_modules`)."""


@dataclass(frozen=True)
class RunOptions:
    """What `papers run` was asked to do."""

    out: Path
    jobs: int | None = None
    scheduler: str | None = None
    """A dask scheduler's address: pages and documents then run on its cluster."""
    force: bool = False
    redo_ocr: bool = False
    lang: str = "swe"
    progress: bool = False
    keep_personal_data: bool = False
    pdf: bool = True
    alto: bool = True
    wait: bool = False
    mirror: bool = False
    report_lang: str = "sv"
    ocr_cache: Path | None = None
    """Where read pages are kept between runs (pipeline/ocr_cache.py); None keeps none."""

    @property
    def personal_data(self) -> PersonalData:
        """What the outputs hold: masked personal data (the default), or kept for an internal run."""
        return "kept" if self.keep_personal_data else "masked"


@dataclass(frozen=True)
class RunResult:
    """What a run did: the folder's manifest, this run's own entries, how many were done or skipped."""

    manifest: Manifest
    entries: tuple[ManifestEntry, ...]
    processed: int
    skipped: int

    @property
    def failed(self) -> list[ManifestEntry]:
        """This run's inputs that failed (a stale one keeps an earlier document, but failed now)."""
        return [e for e in self.entries if e.status != "ok"]


def _failure(err: Exception, stage: str) -> InputFailure:
    if isinstance(err, PipelineError):
        return InputFailure(stage=err.stage, code=err.code, message=err.message)
    if isinstance(err, MemoryError):  # a worker's address-space cap: this document fails, not the run
        return InputFailure(stage=stage, code=LimitError.code, message="needs more memory than a worker process may "
                            "use (limits.worker_memory_mb in rules/ingest.yaml)")
    if isinstance(err, OSError):  # the file vanished or became unreadable mid-run
        return InputFailure(stage=stage, code="E101", message=f"cannot read the file: {err.strerror or err}")
    log.error("internal error in stage %s", stage, exc_info=err)
    return InputFailure(stage=stage, code="E999", message=f"internal error: {type(err).__name__}: {err}")


def _entry(name: tuple[str, str], doc: Document, key: str, exports: tuple[str, ...] = ()) -> ManifestEntry:
    warnings = tuple(f"page {p.number}: {w}" for p in doc.pages for w in p.warnings) + exports
    return ManifestEntry(
        folder=name[0],
        path=name[1],
        doc_id=doc.doc_id,
        status="ok",
        media_type=doc.media_type,
        page_kinds=tuple(p.kind for p in doc.pages),
        warnings=warnings,
        cache_key=key,
    )


def document_keys(header: Manifest, rules: Rules, settings: OcrSettings, redo_ocr: bool) -> dict[str, str]:
    """Return each document stage's cache key (pipeline/stages.py): the OCR stage's covers Tesseract
    and its language data, every OCR setting and --redo-ocr; the output stage's, the personal-data
    setting. A document whose last key differs is redone from the first stage whose key differs."""
    ocr = {"ocr": header.ocr.model_dump(mode="json"), "ocr_settings": dataclasses.asdict(settings),
           "redo_ocr": redo_ocr}
    return stage_keys(rules, ocr, header.personal_data)


class StageFailure(Exception):
    """An unexpected exception inside a stage, carrying the stage's name to the manifest."""

    def __init__(self, stage: str, error: Exception):
        super().__init__(f"{stage}: {error}")
        self.stage = stage
        self.error = error


def process_document(doc: Document, rules: Rules) -> Document:
    """Run the per-document stages after OCR, naming the stage in any failure."""
    for name, stage in STAGES:
        try:
            doc = stage(doc, rules)
        except PipelineError as err:
            err.stage = name
            raise
        except Exception as err:
            raise StageFailure(name, err) from err
    return doc


def _with_ocr(ingested: Ingested, results: dict[int, OcrResult], out_evidence: dict[int, tuple[bytes, float]]) -> Document:
    """Fill the OCR pages of an ingested document with their words and warnings."""
    pages: list[Page] = []
    tables = list(ingested.document.tables)
    for page in ingested.document.pages:
        result = results.get(page.number)
        if result is not None:
            dpi = min(page.dpi or result.dpi, result.dpi)  # a page too large for the pixel limit was read coarser
            page = page.model_copy(update={"words": result.words, "warnings": result.warnings, "dpi": dpi})
            out_evidence[page.number] = (result.evidence, result.evidence_scale)
            tables.extend(result.tables)
        pages.append(page)
    return ingested.document.model_copy(update={"pages": tuple(pages), "tables": tuple(tables)})


def _attach_evidence(doc: Document, evidence: dict[int, tuple[bytes, float]], out: Path) -> Document:
    """Write evidence images and point each page at its image."""
    pages = []
    for page in doc.pages:
        if page.number in evidence:
            data, scale = evidence[page.number]
            relative = evidence_path(doc.doc_id, page.number)
            write_bytes_atomic(out / relative, data)
            page = page.model_copy(update={"image": relative, "image_scale": scale})
        pages.append(page)
    return doc.model_copy(update={"pages": tuple(pages)})


@dataclass(frozen=True)
class _Work:
    """What every task carries besides its own part, so that it runs in any worker, here or remote."""

    options: RunOptions
    rules: Rules
    settings: OcrSettings
    keys: dict[str, str]
    """Each document stage's cache key (pipeline/stages.py)."""

    @property
    def key(self) -> str:
        """The key a finished document is recorded under: that of its last stage."""
        return self.keys["output"]

    @property
    def ocr_cache(self) -> OcrCache | None:
        return OcrCache(self.options.ocr_cache) if self.options.ocr_cache else None


@dataclass(frozen=True)
class ReadTask:
    """Ingest one input; a document without pages to OCR is finished in the same task."""

    work: _Work
    name: tuple[str, str]
    doc_id: str
    path: Path
    media: str


@dataclass(frozen=True)
class FinishTask:
    """The stages after OCR, masking and writing, for a document whose pages are all read."""

    work: _Work
    name: tuple[str, str]
    ingested: Ingested
    source: Path
    pages: dict[int, OcrResult]
    error: Exception | None


@dataclass(frozen=True)
class Finished:
    """What became of one input, decided in a worker: its manifest entry, or why it failed."""

    entry: ManifestEntry | None
    failure: InputFailure | None = None


Task = ReadTask | OcrJob | FinishTask


def perform(task: Task) -> Ingested | OcrResult | Finished:
    """Run one task in a worker: every per-document stage runs where the pages are read, so a
    batch of text inputs uses every core as a batch of scans does.

    Raises:
        OutputError: the output folder failed; the run stops.
    """
    if isinstance(task, OcrJob):
        from pipeline.ocr import ocr_page  # OpenCV: a run of text inputs reads no page
        return ocr_page(task)
    if isinstance(task, FinishTask):
        return _finish(task.work, task.name, task.ingested, task.source, task.pages, task.error)
    work = task.work
    cache = work.ocr_cache
    if cache is not None and not work.options.force:
        cached = cache.get(task.doc_id, work.keys["ocr"])
        if cached is not None:  # a stage after OCR changed: re-run from what OCR gave, with today's rules
            document = cached[0].model_copy(update={"rules_hash": document_rules_hash(work.rules)})
            return _finish(work, task.name, Ingested(document=document, ocr_jobs=(), evidence=cached[1]),
                           task.path, {}, None)
    try:
        ingested = ingest(task.path, task.name[1], work.rules, pipeline_version=__version__, settings=work.settings,
                          redo_ocr=work.options.redo_ocr, doc_id=task.doc_id)
    except OutputError:
        raise
    except Exception as err:
        return Finished(None, _failure(err, "ingest"))
    if ingested.ocr_jobs:
        return ingested
    return _finish(work, task.name, ingested, task.path, {}, None)


def _import_page_modules() -> None:
    """Import `PAGE_MODULES` before the workers fork, for a batch that has PDFs or images to read.

    The workers then share them instead of each importing its own, and their address space
    (OpenCV's alone is 300 MB) is part of a worker's size at start, as it was when the run imported
    them at start-up, not taken from its memory cap (executor.py, limits.worker_memory_mb).
    """
    for name in PAGE_MODULES:
        importlib.import_module(name)


def _finish(work: _Work, name: tuple[str, str], ingested: Ingested, source: Path,
            pages: dict[int, OcrResult], error: Exception | None) -> Finished:
    """Run the stages after OCR on one document and write it; say what became of it."""
    options, out = work.options, work.options.out
    stage = "ocr"
    try:
        if error is not None:
            raise error
        evidence = dict(ingested.evidence)
        doc = _with_ocr(ingested, pages, evidence)
        if pages and work.ocr_cache is not None:
            work.ocr_cache.put(doc.doc_id, work.keys["ocr"], doc, evidence)
        doc = process_document(doc, work.rules)
        stage = "output"
        if not options.keep_personal_data:
            doc, hidden = mask_document(doc, work.rules.privacy)
            evidence = black_out(evidence, hidden)
        # the format's version is this code's, whatever earlier run or cache the pages were read by
        doc = _attach_evidence(doc, evidence, out).model_copy(update={"schema_version": SCHEMA_VERSION})
        write_model(path := document_path(out, doc.doc_id), doc)
        exported = write_exports(doc, source, out, pdf=options.pdf, alto=options.alto)
        _read_ahead(path, out / READ_AHEAD, work.rules)
        return Finished(_entry(name, doc, work.key, exported))
    except OutputError:
        raise
    except StageFailure as err:
        return Finished(None, _failure(err.error, err.stage))
    except Exception as err:
        return Finished(None, _failure(err, stage))


def _read_ahead(path: Path, folder: Path, rules: Rules) -> None:
    """The batch stage's read of a document just written, done here (`reconcile.read_ahead`); a read
    that fails is left to the batch stage, which reads that document itself and says why it cannot."""
    try:
        read_ahead(path, folder, rules.checks)
    except Exception:
        log.debug("%s: not read ahead for the batch stage", path.name, exc_info=True)


def run(inputs: list[Path], options: RunOptions) -> RunResult:
    """Process every input into `options.out`, then reconcile the whole folder.

    Raises:
        OutputError: the output folder is busy (another run), unwritable or full; checked before
            any input is read, and again at every write (the run stops: what it finished is kept).

    Returns:
        The run's result: the folder's manifest (every input it has seen) and this run's entries.
    """
    rules = load_rules()
    settings = ocr_settings(rules, options.lang)
    tesseract = check_tesseract(settings.page_lang(hard_capture=True))
    header = Manifest(
        pipeline_version=__version__,
        rules_hash=rules.hash,
        personal_data=options.personal_data,
        ocr=OcrInfo(
            tesseract_version=tesseract.version,
            traineddata_sha256=tesseract.traineddata_sha256,
            lang=options.lang,
            dpi="resolution of the page's embedded image (300 for vector pages), upscaled to at least 300, "
                "lowered where the page would exceed limits.max_page_pixels",
            thresholding=THRESHOLDING_NAMES[settings.thresholding],
        ),
        inputs=(),
        counts={},
    )
    with locked(options.out, wait=options.wait):
        started = time.monotonic()
        ahead = options.out / READ_AHEAD  # this run's alone: what an earlier, stopped run left is gone
        shutil.rmtree(ahead, ignore_errors=True)
        ahead.mkdir()
        try:
            processed = _process_inputs(inputs, options, rules, settings, header)
            reconcile_folder(options.out, rules, options.report_lang, options.jobs, ahead)
        finally:
            shutil.rmtree(ahead, ignore_errors=True)
    result: RunResult = unpack(processed)  # type: ignore[assignment]
    log.info("%d inputs: %d processed, %d skipped as unchanged, %d failed in %.1f s",
             len(result.entries), result.processed, result.skipped, len(result.failed), time.monotonic() - started)
    return result


def _process_inputs(inputs: list[Path], options: RunOptions, rules: Rules, settings: OcrSettings,
                    header: Manifest) -> bytes:
    """Every input through the document stages and into the folder's manifest; the run's result
    packed (`pack`). Packed, the account of the inputs (about 1.4 KB each as models, the folder's
    earlier entries besides) is neither held while the batch stage runs nor inherited by the
    process it forks: at 8 000 inputs, 11 MB as models against 0.4 MB packed."""
    check_output(options.out)
    base = recover(options.out)
    if base is not None and not options.keep_personal_data:
        base = mask_model(base, rules.privacy)  # an earlier run may have kept personal data
    journal = Journal(options.out, header, base, mirror=options.mirror)
    batch = _Batch(_Work(options, rules, settings, document_keys(header, rules, settings, options.redo_ocr)), base, journal)
    try:
        batch.process(find_inputs(inputs, exclude=options.out))
    except BaseException:  # interrupted, or the folder failed: still leave a true account
        try:
            journal.close(complete=False)
        except OutputError as err:
            log.warning("the journal stays for the next run to fold in: %s", err)
        raise
    manifest = journal.close(complete=True)
    if options.mirror:
        prune(options.out, held_documents(manifest.inputs))
    entries = tuple(batch.recorded[name] for name in sorted(batch.recorded))
    return pack(RunResult(manifest=manifest, entries=entries, processed=batch.processed, skipped=batch.skipped))


class _Batch:
    """One run's inputs through the stages: each finished input is recorded in the journal at once."""

    def __init__(self, work: _Work, base: Manifest | None, journal: Journal):
        self.work, self.journal = work, journal
        self.options, self.rules, self.key, self.out = work.options, work.rules, work.key, work.options.out
        self.processed = self.skipped = 0
        self.recorded: dict[tuple[str, str], ManifestEntry] = {}  # by the input's own name
        self.previous: dict[tuple[str, str], list[ManifestEntry]] = {}
        self.done: dict[str, str] = {}  # doc_id -> cache key of the documents the folder holds
        for entry in base.inputs if base else ():
            self.previous.setdefault(identity(entry), []).append(entry)
            if entry.status != "failed" and entry.doc_id and entry.cache_key:
                self.done[entry.doc_id] = entry.cache_key

    def written(self, entry: ManifestEntry) -> ManifestEntry:
        """The entry as the manifest holds it: masked unless personal data is kept (the cache key
        is a hash the pipeline made, never personal data)."""
        if self.options.keep_personal_data:
            return entry
        return mask_model(entry, self.rules.privacy).model_copy(update={"cache_key": entry.cache_key})

    def record(self, name: tuple[str, str], entry: ManifestEntry) -> None:
        entry = self.written(entry)
        self.journal.record(entry)
        self.recorded[name] = entry

    def fail(self, name: tuple[str, str], doc_id: str | None, failure: InputFailure,
             media: str | None = None) -> None:
        """Record a failed input; one that had a good document keeps it, marked stale."""
        failed = self.written(ManifestEntry(folder=name[0], path=name[1], doc_id=doc_id, status="failed",
                                            media_type=media, error=failure))
        for before in self.previous.get(identity(failed), ()):
            if before.status != "failed" and before.doc_id and document_path(self.out, before.doc_id).is_file():
                failed = before.model_copy(update={"status": "stale", "error": failed.error})
                break
        self.record(name, failed)

    def process(self, found: list[InputFile]) -> None:
        """Ingest, OCR and finish every input in the workers; record each as it ends, copies last.

        Tasks run by priority: a document's last stages, then its pages, then the next input,
        so only the documents in flight are in memory, and an interrupted run keeps every
        document it finished.
        """
        options = self.options
        feed: Feed[Task] = Feed()
        first: dict[str, tuple[str, str]] = {}
        copies: dict[tuple[str, str], str] = {}
        names = {(item.folder, item.relative): item for item in found}
        to_read: set[str] = set()  # the media types of the inputs fed to the workers
        for name, item in sorted(names.items()):
            doc_id = kind = None
            try:
                if item.problem:
                    raise InputError(item.problem)
                kind = media_type(item.path)
                doc_id = sha256_file(item.path)
                if doc_id in first:
                    copies[name] = doc_id  # the same bytes under another name: one document
                    continue
                first[doc_id] = name
                cached = None
                if not options.force and self.done.get(doc_id) == self.key:
                    cached = read_document(self.out, doc_id)
                if cached is not None:
                    exported = write_exports(cached, item.path, self.out, pdf=options.pdf, alto=options.alto,
                                             only_missing=True)
                    self.record(name, _entry(name, cached, self.key, exported))
                    self.skipped += 1
                    continue
                feed.put(2, ReadTask(self.work, name, doc_id, item.path, kind))
                to_read.add(kind)
            except OutputError:
                raise
            except Exception as err:
                self.fail(name, doc_id, _failure(err, "ingest"), kind)
        if to_read - {"text/plain"}:
            _import_page_modules()

        scanned: dict[str, tuple[ReadTask, Ingested]] = {}  # documents whose pages are being read
        waiting: dict[str, int] = {}  # pages still to read, by document
        pages: dict[str, dict[int, OcrResult]] = {}
        errors: dict[str, Exception] = {}
        with (tqdm(total=len(feed), desc="documents", unit="doc", disable=not options.progress, file=sys.stderr) as bar,
              closing(make_executor(options.jobs, options.scheduler, self.rules.ingest.limits.worker_memory_mb << 20).run(perform, feed)) as outcomes):
            for task, outcome in outcomes:
                if isinstance(outcome, OutputError):
                    raise outcome
                if isinstance(task, OcrJob):
                    if isinstance(outcome, Exception):
                        errors.setdefault(task.doc_id, outcome)
                    else:
                        pages.setdefault(task.doc_id, {})[task.page_number] = outcome
                    waiting[task.doc_id] -= 1
                    if not waiting[task.doc_id]:
                        del waiting[task.doc_id]
                        read, ingested = scanned.pop(task.doc_id)
                        feed.put(0, FinishTask(self.work, read.name, ingested, read.path,
                                               pages.pop(task.doc_id, {}), errors.pop(task.doc_id, None)))
                    continue
                media = task.media if isinstance(task, ReadTask) else task.ingested.document.media_type
                doc_id = task.doc_id if isinstance(task, ReadTask) else task.ingested.document.doc_id
                if isinstance(outcome, Ingested):
                    scanned[doc_id] = (task, outcome)
                    waiting[doc_id] = len(outcome.ocr_jobs)
                    for job in sorted(outcome.ocr_jobs, key=lambda j: j.page_number):
                        feed.put(1, job)
                    continue
                bar.update()
                if isinstance(outcome, Finished) and outcome.entry is not None:
                    self.record(task.name, outcome.entry)
                    self.processed += 1
                elif isinstance(outcome, Finished):
                    self.fail(task.name, doc_id, outcome.failure, media)
                else:  # the worker died twice on it, or a bug outside the stages
                    stage = "ingest" if isinstance(task, ReadTask) else "output"
                    self.fail(task.name, doc_id, _failure(outcome, stage), media)

        for name, doc_id in sorted(copies.items()):
            original = self.recorded[first[doc_id]]
            if original.status == "ok":
                self.record(name, original.model_copy(update={"folder": name[0], "path": name[1]}))
            else:
                self.fail(name, doc_id, original.error, original.media_type)
