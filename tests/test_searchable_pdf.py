"""The searchable PDF on real corpus inputs: PDF/A-2b, untouched images, the repaired words findable."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pdfplumber
import pikepdf
import pytest
from pikepdf import pdfa

from pipeline.cli import main
from pipeline.exports import write_exports
from pipeline.model import Document
from pipeline.searchable_pdf import searchable_pdf
from tests.conftest import CORPUS_INPUTS

SCAN = "scans-300/004-iop-bilda-erikshjalpen.pdf"
BORN = "born-digital/000-iop-ikf.pdf"
LEGACY = "legacy/001-iop-oversikt-legacy-ocr.pdf"
PNG = "images/000-iop-ikf-p1.png"


def _doc(out: Path, relative: str) -> Document:
    manifest = json.loads((out / "manifest.json").read_text())
    doc_id = next(e["doc_id"] for e in manifest["inputs"] if e["path"] == relative)
    return Document.model_validate_json((out / "documents" / f"{doc_id}.json").read_bytes())


def _written(out: Path, relative: str) -> tuple[Document, pikepdf.Pdf]:
    doc = _doc(out, relative)
    return doc, pikepdf.open(out / "pdf" / f"{doc.doc_id}.pdf")


def _images(pdf: pikepdf.Pdf) -> list[list[bytes]]:
    """The raw (still compressed) bytes of each page's image XObjects, in resource-name order."""
    pages = []
    for page in pdf.pages:
        xobjects = page.obj.get("/Resources", {}).get("/XObject", {})
        pages.append([xobjects[k].read_raw_bytes() for k in sorted(xobjects.keys())
                      if xobjects[k].get("/Subtype") == "/Image"])
    return pages


def _embedded(font: pikepdf.Object) -> bool:
    if font.Subtype == "/Type0":
        font = font.DescendantFonts[0]
    descriptor = font.get("/FontDescriptor")
    return descriptor is not None and any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))


def test_scan_is_pdfa_2b_with_its_images_ids_and_dates(export_run):
    inputs, out = export_run
    _, written = _written(out, SCAN)
    original = pikepdf.open(inputs / SCAN)
    meta = written.open_metadata()  # read only: a `with` block would write pikepdf's own marks
    assert meta["pdfaid:part"] == "2" and meta["pdfaid:conformance"] == "B"
    assert meta["xmp:CreateDate"] == "2000-01-01T00:00:00+00:00"  # the input's date, not today
    intent = written.Root.OutputIntents[0]
    assert intent.S == "/GTS_PDFA1" and intent.DestOutputProfile.N == 3
    assert written.trailer.ID[0] == original.trailer.ID[0]
    assert written.docinfo.CreationDate == original.docinfo.CreationDate
    assert written.docinfo.ModDate == original.docinfo.ModDate
    assert _images(written) == _images(original) and all(_images(original))
    fonts = [f for page in written.pages for f in page.obj.Resources.Font.values()]
    assert fonts and all(_embedded(f) for f in fonts)
    report = pdfa.validate_written(out / "pdf" / f"{_doc(out, SCAN).doc_id}.pdf", "2b")
    assert report.passed, report.findings


def test_scan_text_layer_is_the_repaired_words_in_order(export_run):
    """Every page extracts as the document's repaired words, "70%" where the scan read digits ("7094")."""
    _, out = export_run
    doc = _doc(out, SCAN)
    with pdfplumber.open(out / "pdf" / f"{doc.doc_id}.pdf") as pdf:
        for page, plumber_page in zip(doc.pages, pdf.pages):
            extracted = [w["text"] for w in plumber_page.extract_words()]
            assert extracted == [w.text for w in page.words], page.number
            if page.number == 3:
                scanned = next(w.repair.scanned for w in page.words if w.text == "70%" and w.repair)
                assert "70%" in extracted and scanned not in extracted


def test_legacy_search_finds_the_repaired_word(export_run):
    """The repaired text layer holds "Linköpings" on the pages whose damaged layer reads "Linkopings".

    This paper's damaged layer is visible text, which stays as drawn (it is how the page looks),
    so the repaired layer is read alone: the characters drawn with the glyph-less font.
    """
    _, out = export_run
    doc = _doc(out, LEGACY)
    repaired = {p.number for p in doc.pages for w in p.words
                if w.text.startswith("Linköpings") and w.scanned.startswith("Linkopings")}
    assert repaired
    with pdfplumber.open(out / "pdf" / f"{doc.doc_id}.pdf") as pdf:
        layers = [page.filter(lambda o: o.get("fontname", "GlyphLessFont") == "GlyphLessFont") for page in pdf.pages]
        found = {i + 1 for i, layer in enumerate(layers) if "Linköpings" in layer.extract_text()}
    assert repaired <= found


def test_born_digital_pages_pass_through_unchanged(export_run):
    inputs, out = export_run
    doc, written = _written(out, BORN)
    original = pikepdf.open(inputs / BORN)
    assert {p.kind for p in doc.pages} == {"text"}
    for page, before in zip(written.pages, original.pages):
        assert page.Contents.read_raw_bytes() == before.Contents.read_raw_bytes()
        assert set(page.Resources.Font.keys()) == set(before.Resources.Font.keys())
    # Its Helvetica is not embedded, so PDF/A is not claimed, and the validator says why.
    assert "pdfaid:part" not in written.open_metadata()
    result = searchable_pdf(doc, inputs / BORN)
    assert not result.pdfa and any("6.2.11.4.1" in p for p in result.problems)


def test_png_is_wrapped_with_its_own_compressed_data(export_run):
    inputs, out = export_run
    _, written = _written(out, PNG)
    data = (inputs / PNG).read_bytes()
    position, idat = 8, b""
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        idat += data[position + 8:position + 8 + length] if kind == b"IDAT" else b""
        position += 12 + length
    assert _images(written) == [[idat]]
    assert written.open_metadata()["pdfaid:part"] == "2"
    assert pdfa.validate_written(out / "pdf" / f"{_doc(out, PNG).doc_id}.pdf", "2b").passed
    with pdfplumber.open(out / "pdf" / f"{_doc(out, PNG).doc_id}.pdf") as pdf:
        assert "Linköpings kommun" in pdf.pages[0].extract_text()


def test_same_bytes_on_a_rerun(export_run):
    inputs, out = export_run
    for relative in (SCAN, LEGACY, PNG):
        doc = _doc(out, relative)
        assert searchable_pdf(doc, inputs / relative).data == (out / "pdf" / f"{doc.doc_id}.pdf").read_bytes()


def test_a_failing_writer_leaves_the_json_and_says_so(export_run, tmp_path):
    """The PDF of a document built from other bytes fails; the warning names it, ALTO is still written."""
    inputs, out = export_run
    doc = _doc(out, LEGACY)  # six pages; the scan below has four
    warnings = write_exports(doc, inputs / SCAN, tmp_path, pdf=True, alto=True)
    assert len(warnings) == 1 and warnings[0].startswith("pdf: failed: ValueError")
    assert not (tmp_path / "pdf").exists()
    assert len(list((tmp_path / "alto" / doc.doc_id).glob("page-*.xml"))) == 6


def test_no_pdf_and_no_alto_flags(tmp_path):
    out = tmp_path / "out"
    code = main(["run", str(CORPUS_INPUTS / BORN), "--out", str(out), "--no-pdf", "--no-alto", "--no-progress"])
    assert code == 0
    assert list((out / "documents").glob("*.json")) and not (out / "pdf").exists() and not (out / "alto").exists()
    # A later run with the copies on writes them for the document it skips as done.
    assert main(["run", str(CORPUS_INPUTS / BORN), "--out", str(out), "--no-progress"]) == 0
    assert len(list((out / "pdf").glob("*.pdf"))) == 1 and len(list((out / "alto").rglob("*.xml"))) == 2


@pytest.mark.parametrize("relative", [SCAN, LEGACY])
def test_text_layer_uses_invisible_rendering(export_run, relative):
    _, out = export_run
    _, written = _written(out, relative)
    for page in written.pages:
        operators = [(list(ops), str(op)) for ops, op in pikepdf.parse_content_stream(page)]
        assert ([3], "Tr") in [([int(o) for o in ops], op) for ops, op in operators if op == "Tr"]
