"""The output folder: atomic writes, deterministic JSON, and the layout every stage shares.

    OUT/manifest.json                     every input and what became of it
    OUT/documents/<doc_id>.json           one Document per input
    OUT/evidence/<doc_id>/page-NNN.jpg    reduced page images the report crops evidence from
    OUT/pdf/<doc_id>.pdf                  searchable PDF (PDF/A-2b where it validates)
    OUT/alto/<doc_id>/page-NNN.xml        ALTO XML v4.4 per page
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

from pydantic import BaseModel, ValidationError

from pipeline.model import Document

DOCUMENTS = "documents"
EVIDENCE = "evidence"
PDF = "pdf"
ALTO = "alto"
MANIFEST = "manifest.json"


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write `data` to a temporary file beside `path`, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def json_bytes(data: object) -> bytes:
    """Serialize deterministically: sorted keys, UTF-8, one-space indent, final newline."""
    return (json.dumps(data, sort_keys=True, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def write_model(path: Path, model: BaseModel) -> None:
    """Write a model as deterministic JSON, atomically."""
    write_bytes_atomic(path, json_bytes(model.model_dump(mode="json")))


def document_path(out: Path, doc_id: str) -> Path:
    return out / DOCUMENTS / f"{doc_id}.json"


def evidence_path(doc_id: str, page_number: int) -> str:
    """Return the evidence image's path relative to the output folder."""
    return f"{EVIDENCE}/{doc_id}/page-{page_number:03d}.jpg"


def pdf_path(out: Path, doc_id: str) -> Path:
    return out / PDF / f"{doc_id}.pdf"


def alto_path(out: Path, doc_id: str, page_number: int) -> Path:
    return out / ALTO / doc_id / f"page-{page_number:03d}.xml"


def read_document(out: Path, doc_id: str) -> Document | None:
    """Return a previously written Document, or None if absent or unreadable (then it is redone)."""
    path = document_path(out, doc_id)
    try:
        return Document.model_validate_json(path.read_bytes())
    except (OSError, ValidationError):
        return None


def prune(out: Path, keep: set[str]) -> None:
    """Remove documents, evidence, PDFs and ALTO of inputs no longer in the run, so OUT mirrors it."""
    for path in [*(out / DOCUMENTS).glob("*.json"), *(out / PDF).glob("*.pdf")]:
        if path.stem not in keep:
            path.unlink()
    for folder_name in (EVIDENCE, ALTO):
        if (out / folder_name).is_dir():
            for folder in (out / folder_name).iterdir():
                if folder.name not in keep:
                    shutil.rmtree(folder)
