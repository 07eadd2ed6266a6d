"""The archival copies of a finished document: its searchable PDF and its ALTO pages.

They are written after the document's JSON, and a failure here never costs the JSON: it comes
back as a warning for the manifest ("pdf: failed: ..."), and the next run tries again, since
a missing copy is written even for a document that is otherwise skipped as unchanged.
"""

from __future__ import annotations

import logging
from pathlib import Path

from pipeline.errors import OutputError
from pipeline.model import Document
from pipeline.store import alto_path, pdf_path, write_bytes_atomic

log = logging.getLogger(__name__)

IMAGE_BEARING = ("application/pdf", "image/")
"""Media types with page images; plain text has none to put under a text layer or to measure in pixels."""


def write_exports(doc: Document, source: Path, out: Path, *, pdf: bool, alto: bool,
                  only_missing: bool = False) -> tuple[str, ...]:
    """Write the searchable PDF and ALTO files of `doc` (read from `source`) into `out`.

    Args:
        only_missing: write only copies that are not there yet (for a document skipped as done).

    Returns:
        Warnings for the manifest, one per copy that could not be written.
    """
    if not doc.media_type.startswith(IMAGE_BEARING):
        return ()
    from pipeline.alto import alto_pages  # lxml, pikepdf: a run of text inputs never needs them
    from pipeline.searchable_pdf import searchable_pdf
    warnings: list[str] = []
    if pdf and not (only_missing and pdf_path(out, doc.doc_id).exists()):
        try:
            result = searchable_pdf(doc, source)
            write_bytes_atomic(pdf_path(out, doc.doc_id), result.data)
            if not result.pdfa:
                log.info("%s: searchable PDF written without the PDF/A-2b claim: %s",
                         doc.source, "; ".join(result.problems))
        except OutputError:  # the folder itself failed: the run stops
            raise
        except Exception as err:  # the JSON is written already; the PDF is a copy
            log.warning("%s: no searchable PDF", doc.source, exc_info=err)
            warnings.append(f"pdf: failed: {type(err).__name__}: {err}")
    if alto and not (only_missing and all(alto_path(out, doc.doc_id, p.number).exists() for p in doc.pages)):
        try:
            for number, data in alto_pages(doc).items():
                write_bytes_atomic(alto_path(out, doc.doc_id, number), data)
        except OutputError:
            raise
        except Exception as err:
            log.warning("%s: no ALTO", doc.source, exc_info=err)
            warnings.append(f"alto: failed: {type(err).__name__}: {err}")
    return tuple(warnings)
