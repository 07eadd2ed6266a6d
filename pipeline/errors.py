"""The pipeline's exceptions: one hierarchy, each with a stable code and the stage it came from."""

from __future__ import annotations


class PipelineError(Exception):
    """Base of every expected failure. `code` is stable and greppable; `message` says what to do."""

    code = "E000"
    stage = "pipeline"

    def __init__(self, message: str, *, doc_id: str | None = None, stage: str | None = None):
        super().__init__(message)
        self.message = message
        self.doc_id = doc_id
        if stage:
            self.stage = stage

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}"


class InputError(PipelineError):
    """An input file cannot be read: corrupt, encrypted, empty or of an unknown type."""

    code = "E100"
    stage = "ingest"


class LimitError(PipelineError):
    """An input needs more than a limit of rules/ingest.yaml allows (pixels, page size, pages,
    memory, Tesseract time): its document fails, so one hostile file cannot take down the batch."""

    code = "E110"
    stage = "ingest"


class OcrError(PipelineError):
    """Tesseract is missing, lacks the language data, or failed on a page."""

    code = "E200"
    stage = "ocr"


class RulesError(PipelineError):
    """A file in rules/ does not validate; the message lists every problem, with file and key."""

    code = "E300"
    stage = "rules"



class WorkerDied(PipelineError):
    """A worker process died on a page twice (killed from outside, as the out-of-memory killer does)."""

    code = "E201"
    stage = "ocr"


class OutputError(PipelineError):
    """The output folder cannot be written (read-only, full, gone) or is busy: the run stops, exit 2."""

    code = "E400"
    stage = "output"
