"""ALTO XML on real corpus inputs, validated with lxml against the official ALTO 4.4 schema."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from lxml import etree

from pipeline.alto import NS, alto_pages, schema
from pipeline.model import Document

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "pipeline" / "schema"
A = {"a": NS}


def _doc(out: Path, relative: str) -> Document:
    manifest = json.loads((out / "manifest.json").read_text())
    doc_id = next(e["doc_id"] for e in manifest["inputs"] if e["path"] == relative)
    return Document.model_validate_json((out / "documents" / f"{doc_id}.json").read_bytes())


def test_shipped_schemas_are_the_published_files():
    """The XSDs are byte-for-byte as published (altoxml/schema; LoC's XLink schema, CRLF), never edited."""
    digests = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in SCHEMA_DIR.glob("*.xsd")}
    assert digests == {
        "alto-4-4.xsd": "59e22c327231e61ebb61ea9b7430da53646b07889eb72a6596a03e9854f6c41d",
        "xlink.xsd": "adc6f9d2ed0726c0be1febb9806b63085827e3354a0bd913f2fbb47d6616719b",
    }


def test_every_written_page_validates(export_run):
    _, out = export_run
    files = sorted((out / "alto").rglob("page-*.xml"))
    # scan 4 pages, born-digital 2, legacy 6, image 1
    assert len(files) == 13
    for path in files:
        tree = etree.parse(str(path))
        assert schema().validate(tree), (path, schema().error_log.last_error)
        assert tree.findtext("a:Description/a:MeasurementUnit", namespaces=A) == "pixel"


def test_repaired_word_keeps_its_scanned_form(export_run):
    _, out = export_run
    doc = _doc(out, "legacy/001-iop-oversikt-legacy-ocr.pdf")
    page = next(p for p in doc.pages if any(w.text == "Linköpings" and w.scanned == "Linkopings" for w in p.words))
    tree = etree.parse(str(out / "alto" / doc.doc_id / f"page-{page.number:03d}.xml"))
    strings = tree.findall(".//a:String", A)
    assert len(strings) == len(page.words)
    for element, word in zip(strings, page.words):
        assert element.get("CONTENT") == word.text
        alternatives = [(a.get("PURPOSE"), a.text) for a in element.findall("a:ALTERNATIVE", A)]
        assert alternatives == ([("scanned", word.scanned)] if word.scanned != word.text else [])
    assert any(e.get("CONTENT") == "Linköpings" and e.findtext("a:ALTERNATIVE", namespaces=A) == "Linkopings"
               for e in strings)


def test_scan_coordinates_are_pixels_of_the_300_dpi_image(export_run):
    _, out = export_run
    doc = _doc(out, "scans-300/004-iop-bilda-erikshjalpen.pdf")
    page = doc.pages[2]
    assert page.dpi == 300
    tree = etree.parse(str(out / "alto" / doc.doc_id / "page-003.xml"))
    element = tree.find("a:Layout/a:Page", A)
    width, height = float(element.get("WIDTH")), float(element.get("HEIGHT"))
    assert (width, height) == (round(page.width * 300 / 72), round(page.height * 300 / 72)) == (2480, 3508)  # A4 at 300 dpi; the scan itself is 2481 px wide
    strings = tree.findall(".//a:String", A)
    for e, word in zip(strings, page.words):
        x, y, w, h = (float(e.get(k)) for k in ("HPOS", "VPOS", "WIDTH", "HEIGHT"))
        assert 0 <= x and x + w <= width and 0 <= y and y + h <= height
        assert abs(x - word.bbox.x0 * 300 / 72) <= 0.5 + 1e-6 and abs(y - word.bbox.top * 300 / 72) <= 0.5 + 1e-6
        assert float(e.get("WC")) == round(word.confidence, 3)
    percent = next(e for e in strings if e.get("CONTENT") == "70%")  # OCR read the percent sign as digits
    scanned = next(w.repair.scanned for w in page.words if w.text == "70%" and w.repair)
    assert scanned.startswith("70") and scanned != "70%"
    assert percent.findtext("a:ALTERNATIVE", namespaces=A) == scanned


def test_blocks_lines_and_spaces_follow_the_words(export_run):
    _, out = export_run
    doc = _doc(out, "scans-300/004-iop-bilda-erikshjalpen.pdf")
    for page in doc.pages:
        tree = etree.parse(str(out / "alto" / doc.doc_id / f"page-{page.number:03d}.xml"))
        lines = tree.findall(".//a:TextLine", A)
        runs = sum(1 for i, w in enumerate(page.words)
                   if i == 0 or (w.block, w.line) != (page.words[i - 1].block, page.words[i - 1].line))
        assert len(lines) == runs
        assert len(tree.findall(".//a:SP", A)) == len(page.words) - runs
        for line in lines:
            texts = [w.get("CONTENT") for w in line.findall("a:String", A)]
            matching = {(w.block, w.line) for w in page.words if w.text in texts}
            assert len(texts) >= 1 and matching


def test_text_layer_pages_use_300_dpi_and_the_output_is_stable(export_run):
    _, out = export_run
    doc = _doc(out, "born-digital/000-iop-ikf.pdf")
    pages = alto_pages(doc)
    assert pages == alto_pages(doc)
    for number, data in pages.items():
        assert (out / "alto" / doc.doc_id / f"page-{number:03d}.xml").read_bytes() == data
        root = etree.fromstring(data)
        assert root.find("a:Layout/a:Page", A).get("WIDTH") == str(round(doc.pages[number - 1].width * 300 / 72))
