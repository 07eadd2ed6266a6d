"""The order of the stages, and the batch around them: the one place that runs the pipeline.

Per document: ingest → OCR (pages in parallel) → repair → tables → segment → facts → write.
Then, over the whole output folder: records → reconcile → report. Each per-document stage is
a pure function `(Document, Rules) -> Document`; a failure is caught at the document
boundary, recorded in the manifest with its stage, and the batch goes on.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from pipeline import __version__
from pipeline.errors import PipelineError
from pipeline.executor import make_executor
from pipeline.exports import write_exports
from pipeline.facts import extract_facts
from pipeline.ingest import Ingested, find_inputs, ingest, media_type, sha256_file
from pipeline.model import Document, InputFailure, Manifest, ManifestEntry, OcrInfo, Page, PersonalData
from pipeline.ocr import THRESHOLDING_NAMES, OcrResult, OcrSettings, check_tesseract, ocr_page
from pipeline.papers import split_papers
from pipeline.privacy import black_out, mask_document, mask_model
from pipeline.reconcile import reconcile_folder
from pipeline.repair import repair_document
from pipeline.rules import Rules, load_rules
from pipeline.segment import segment
from pipeline.store import (
    MANIFEST,
    document_path,
    evidence_path,
    prune,
    read_document,
    write_bytes_atomic,
    write_model,
)
from pipeline.tables import extract_tables

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


@dataclass(frozen=True)
class RunOptions:
    """What `papers run` was asked to do."""

    out: Path
    jobs: int | None = None
    force: bool = False
    redo_ocr: bool = False
    lang: str = "swe"
    progress: bool = False
    keep_personal_data: bool = False
    pdf: bool = True
    alto: bool = True

    @property
    def personal_data(self) -> PersonalData:
        """What the outputs hold: masked personal data (the default), or kept for an internal run."""
        return "kept" if self.keep_personal_data else "masked"


@dataclass(frozen=True)
class RunResult:
    """What a run did: the manifest written, and how many documents were done or skipped."""

    manifest: Manifest
    processed: int
    skipped: int

    @property
    def failed_paths(self) -> list[str]:
        return [e.path for e in self.manifest.inputs if e.status == "failed"]


def _failure(err: Exception, stage: str) -> InputFailure:
    if isinstance(err, PipelineError):
        return InputFailure(stage=err.stage, code=err.code, message=err.message)
    if isinstance(err, OSError):  # the file vanished or became unreadable mid-run
        return InputFailure(stage=stage, code="E101", message=f"cannot read the file: {err.strerror or err}")
    log.error("internal error in stage %s", stage, exc_info=err)
    return InputFailure(stage=stage, code="E999", message=f"internal error: {type(err).__name__}: {err}")


def _entry(path: str, doc: Document, exports: tuple[str, ...] = ()) -> ManifestEntry:
    warnings = tuple(f"page {p.number}: {w}" for p in doc.pages for w in p.warnings) + exports
    return ManifestEntry(
        path=path,
        doc_id=doc.doc_id,
        status="ok",
        media_type=doc.media_type,
        page_kinds=tuple(p.kind for p in doc.pages),
        warnings=warnings,
    )


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
    for page in ingested.document.pages:
        result = results.get(page.number)
        if result is not None:
            page = page.model_copy(update={"words": result.words, "warnings": result.warnings})
            out_evidence[page.number] = (result.evidence, result.evidence_scale)
        pages.append(page)
    return ingested.document.model_copy(update={"pages": tuple(pages)})


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


def run(inputs: list[Path], options: RunOptions) -> RunResult:
    """Process every input into `options.out`, then reconcile the whole folder.

    Returns:
        The run's result; its manifest lists every input, failed ones with their error.
    """
    started = time.monotonic()
    rules = load_rules()
    settings = OcrSettings(lang=options.lang, near_empty_max_words=rules.ingest.near_empty_max_words)
    tesseract = check_tesseract(options.lang)
    out = options.out
    entries: dict[str, ManifestEntry] = {}
    pending: dict[str, tuple[str, Ingested]] = {}
    sources: dict[str, Path] = {}  # input file of each pending document, for its searchable PDF
    first_path: dict[str, str] = {}
    copies: dict[str, str] = {}
    processed = skipped = 0

    found = find_inputs(inputs, exclude=out)
    for path, relative in tqdm(found, desc="ingest", unit="file", disable=not options.progress, file=sys.stderr):
        doc_id = kind = None
        try:
            kind = media_type(path)
            doc_id = sha256_file(path)
            if doc_id in first_path:
                copies[relative] = doc_id  # the same bytes under another path: processed once
                continue
            first_path[doc_id] = relative
            cached = None if options.force else read_document(out, doc_id)
            if (cached and cached.pipeline_version == __version__ and cached.rules_hash == rules.hash
                    and cached.personal_data == options.personal_data):
                exported = write_exports(cached, path, out, pdf=options.pdf, alto=options.alto, only_missing=True)
                entries[relative] = _entry(relative, cached, exported)
                skipped += 1
                continue
            ingested = ingest(path, relative, rules, pipeline_version=__version__, settings=settings,
                              redo_ocr=options.redo_ocr, doc_id=doc_id)
            pending[relative] = (doc_id, ingested)
            sources[relative] = path
        except Exception as err:
            entries[relative] = ManifestEntry(path=relative, doc_id=doc_id, status="failed", media_type=kind,
                                              error=_failure(err, "ingest"))

    def finish(relative: str, doc_id: str, ingested: Ingested, pages: dict[int, OcrResult],
               error: Exception | None) -> None:
        """Run the stages after OCR on one document and write it; record what became of it."""
        nonlocal processed
        stage = "ocr"
        try:
            if error is not None:
                raise error
            evidence = dict(ingested.evidence)
            doc = _with_ocr(ingested, pages, evidence)
            doc = process_document(doc, rules)
            stage = "output"
            if not options.keep_personal_data:
                doc, hidden = mask_document(doc, rules.privacy)
                evidence = black_out(evidence, hidden)
            doc = _attach_evidence(doc, evidence, out)
            write_model(document_path(out, doc_id), doc)
            exported = write_exports(doc, sources[relative], out, pdf=options.pdf, alto=options.alto)
            entries[relative] = _entry(relative, doc, exported)
            processed += 1
        except StageFailure as err:
            entries[relative] = ManifestEntry(path=relative, doc_id=doc_id, status="failed",
                                              error=_failure(err.error, err.stage))
        except Exception as err:
            entries[relative] = ManifestEntry(path=relative, doc_id=doc_id, status="failed",
                                              error=_failure(err, stage))

    # Each document is finished as soon as its last page is OCR'd and then let go, so page
    # images and words of finished documents leave memory, and an interrupted run keeps
    # every document it finished.
    path_of = {doc_id: relative for relative, (doc_id, _) in pending.items()}
    waiting = {doc_id: len(ingested.ocr_jobs) for doc_id, ingested in pending.values()}
    text_only = [relative for relative, (doc_id, _) in sorted(pending.items()) if not waiting[doc_id]]
    for relative in tqdm(text_only, desc="extract", unit="doc", disable=not options.progress, file=sys.stderr):
        doc_id, ingested = pending.pop(relative)
        finish(relative, doc_id, ingested, {}, None)
    jobs = sorted((job for _, ingested in pending.values() for job in ingested.ocr_jobs),
                  key=lambda j: (j.doc_id, j.page_number))
    ocr_results: dict[str, dict[int, OcrResult]] = {}
    ocr_errors: dict[str, Exception] = {}
    with tqdm(total=len(jobs), desc="ocr", unit="page", disable=not options.progress, file=sys.stderr) as bar:
        for job, outcome in make_executor(options.jobs).run(ocr_page, jobs):
            bar.update()
            if isinstance(outcome, Exception):
                ocr_errors.setdefault(job.doc_id, outcome)
            else:
                ocr_results.setdefault(job.doc_id, {})[job.page_number] = outcome
            waiting[job.doc_id] -= 1
            if not waiting[job.doc_id]:
                relative = path_of[job.doc_id]
                finish(relative, job.doc_id, pending.pop(relative)[1], ocr_results.pop(job.doc_id, {}),
                       ocr_errors.get(job.doc_id))

    for relative, doc_id in copies.items():
        original = entries[first_path[doc_id]]
        entries[relative] = original.model_copy(update={"path": relative})

    ok_ids = {e.doc_id for e in entries.values() if e.status == "ok" and e.doc_id}
    prune(out, ok_ids)
    ordered = tuple(entries[k] for k in sorted(entries))
    counts = {
        "inputs": len(ordered),
        "ok": sum(e.status == "ok" for e in ordered),
        "failed": sum(e.status == "failed" for e in ordered),
        "documents": len(ok_ids),
    }
    manifest = Manifest(
        pipeline_version=__version__,
        rules_hash=rules.hash,
        personal_data=options.personal_data,
        ocr=OcrInfo(
            tesseract_version=tesseract.version,
            traineddata_sha256=tesseract.traineddata_sha256,
            lang=options.lang,
            dpi="resolution of the page's embedded image (300 for vector pages), upscaled to at least 300",
            thresholding=THRESHOLDING_NAMES[settings.thresholding],
        ),
        inputs=ordered,
        counts=counts,
    )
    if not options.keep_personal_data:
        manifest = mask_model(manifest, rules.privacy)
    write_model(out / MANIFEST, manifest)
    reconcile_folder(out, rules)
    log.info("%d inputs: %d processed, %d skipped as unchanged, %d failed in %.1f s",
             len(ordered), processed, skipped, counts["failed"], time.monotonic() - started)
    return RunResult(manifest=manifest, processed=processed, skipped=skipped)
