"""The read pages of scanned documents, kept so a change after OCR never OCRs again.

OCR is the one expensive stage. When a later stage changes (a repair rule, a new fact), a
document's stages after OCR re-run from what OCR gave, read from here; only a change to the OCR
stage's own key (Tesseract, its language data, OCR settings, ingest rules) OCRs again.

The cache holds the words as scanned and the page images unmasked: as sensitive as the inputs
themselves. It therefore lives outside the output folder, in the user's cache directory
(`$XDG_CACHE_HOME/committee-papers/ocr`, `--ocr-cache DIR`), so handing out an output folder
never hands out personal data. One entry is a folder named by the document and its OCR key,
written under a temporary name and renamed into place, so a reader sees all of it or nothing.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from pipeline.model import Document
from pipeline.paths import user_cache_dir

Evidence = dict[int, tuple[bytes, float]]
"""Page number -> (JPEG bytes, pixels per PDF point) of the page images kept as evidence."""


def default_cache_dir() -> Path:
    return user_cache_dir() / "ocr"


class OcrCache:
    """Read pages by (document, OCR key)."""

    def __init__(self, root: Path):
        self.root = root

    def _entry(self, doc_id: str, key: str) -> Path:
        return self.root / doc_id[:2] / f"{doc_id}-{key[:32]}"

    def get(self, doc_id: str, key: str) -> tuple[Document, Evidence] | None:
        """Return the document as OCR left it and its page images, or None if not cached (or unreadable)."""
        entry = self._entry(doc_id, key)
        try:
            doc = Document.model_validate_json((entry / "document.json").read_bytes())
            scales = json.loads((entry / "evidence.json").read_text())
            evidence = {int(page): ((entry / f"page-{page}.jpg").read_bytes(), scale) for page, scale in scales.items()}
        except (OSError, ValueError):  # missing, or half-removed by hand: read the pages again
            return None
        return doc, evidence

    def put(self, doc_id: str, key: str, doc: Document, evidence: Evidence) -> None:
        """Keep a document as OCR left it; a failure to write only costs a later re-read."""
        entry = self._entry(doc_id, key)
        if entry.exists():
            return
        try:
            entry.parent.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=entry.parent))
        except OSError:
            return
        try:
            (staging / "document.json").write_text(doc.model_dump_json(), encoding="utf-8")
            for page, (data, _) in evidence.items():
                (staging / f"page-{page}.jpg").write_bytes(data)
            (staging / "evidence.json").write_text(json.dumps({page: scale for page, (_, scale) in evidence.items()}))
            staging.rename(entry)
        except OSError:  # the disk is full, or another run put it first
            shutil.rmtree(staging, ignore_errors=True)
