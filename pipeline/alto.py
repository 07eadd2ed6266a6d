"""ALTO XML v4.4 per page: the format libraries and national archives load OCR text from.

CONTENT is the repaired word; where repair changed it, the word as scanned stays beside it as
`<ALTERNATIVE PURPOSE="scanned">`. Coordinates are pixels of the page image the words were
read from: points × dpi / 72 with the page's OCR resolution, and 300 dpi for text-layer pages
(the resolution ingest renders vector pages at). Blocks and lines follow `Word.block` and
`Word.line`. Files validate against the official ALTO 4.4 schema shipped in
`pipeline/schema/alto-4-4.xsd` (see `schema`).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from importlib.resources import as_file, files

from lxml import etree

from pipeline.ingest import VECTOR_PAGE_DPI
from pipeline.model import Document, Page, Word
from pipeline.render import POINTS_PER_INCH

NS = "http://www.loc.gov/standards/alto/ns-v4#"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA_LOCATION = f"{NS} http://www.loc.gov/standards/alto/v4/alto-4-4.xsd"
XLINK_LOCATION = "http://www.loc.gov/standards/xlink/xlink.xsd"
"""Where alto-4-4.xsd imports XLink from; resolved to the copy in pipeline/schema/."""


def alto_pages(doc: Document) -> dict[int, bytes]:
    """Return the ALTO file of every page with word boxes, by page number (none for plain text)."""
    return {page.number: alto_page(doc, page) for page in doc.pages if page.width and page.height}


def alto_page(doc: Document, page: Page) -> bytes:
    """Return one page of `doc` as ALTO XML v4.4 bytes (UTF-8, deterministic)."""
    scale = (page.dpi or VECTOR_PAGE_DPI) / POINTS_PER_INCH
    root = etree.Element(f"{{{NS}}}alto", nsmap={None: NS, "xsi": XSI}, SCHEMAVERSION="4.4")
    root.set(f"{{{XSI}}}schemaLocation", SCHEMA_LOCATION)
    description = _sub(root, "Description")
    _sub(description, "MeasurementUnit").text = "pixel"
    source = _sub(description, "sourceImageInformation")
    _sub(source, "fileName").text = doc.source
    _sub(source, "documentIdentifier", documentIdentifierLocation="SHA-256").text = doc.doc_id
    processing = _sub(description, "Processing", ID="processing")
    _sub(processing, "processingCategory").text = "contentGeneration contentModification"
    _sub(processing, "processingStepDescription").text = (
        f"words from {'the text layer' if page.kind == 'text' else 'OCR' if page.kind == 'ocr' else 'a damaged text layer'}"
        f"; Swedish diacritic repair (scanned forms kept as ALTERNATIVE)")
    software = _sub(processing, "processingSoftware")
    _sub(software, "softwareName").text = "committee-papers"
    _sub(software, "softwareVersion").text = doc.pipeline_version
    width, height = _px(page.width, scale), _px(page.height, scale)
    layout = _sub(root, "Layout")
    page_element = _sub(layout, "Page", ID=f"p{page.number}", PHYSICAL_IMG_NR=str(page.number),
                        WIDTH=width, HEIGHT=height, PROCESSING="processing")
    space = _sub(page_element, "PrintSpace", HPOS="0", VPOS="0", WIDTH=width, HEIGHT=height)
    for b, block in enumerate(_runs([w for w in page.words if w.bbox], lambda w: w.block), start=1):
        block_id = f"p{page.number}_b{b}"
        text_block = _sub(space, "TextBlock", ID=block_id, **_box(block, scale))
        for n, line in enumerate(_runs(block, lambda w: w.line), start=1):
            text_line = _sub(text_block, "TextLine", ID=f"{block_id}_l{n}", **_box(line, scale))
            for i, word in enumerate(line):
                if i:
                    _space(text_line, line[i - 1], word, scale)
                _string(text_line, word, scale)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _string(line: etree._Element, word: Word, scale: float) -> None:
    attrs = _box([word], scale)
    element = _sub(line, "String", CONTENT=word.text, WC=f"{word.confidence:.3f}", **attrs)
    if word.repair is not None and word.repair.scanned != word.text:
        _sub(element, "ALTERNATIVE", PURPOSE="scanned").text = word.repair.scanned


def _space(line: etree._Element, before: Word, after: Word, scale: float) -> None:
    """Add the SP between two words: at the gap between their boxes, when there is one."""
    assert before.bbox and after.bbox
    start, end = _px(before.bbox.x1, scale), _px(after.bbox.x0, scale)
    if int(end) > int(start):
        _sub(line, "SP", HPOS=start, VPOS=_px(before.bbox.top, scale), WIDTH=str(int(end) - int(start)))
    else:
        _sub(line, "SP")


def _runs(words: list[Word], key) -> Iterator[list[Word]]:
    """Yield maximal runs of consecutive words sharing `key` (reading order is kept)."""
    run: list[Word] = []
    for word in words:
        if run and key(word) != key(run[-1]):
            yield run
            run = []
        run.append(word)
    if run:
        yield run


def _box(words: list[Word], scale: float) -> dict[str, str]:
    """Return HPOS/VPOS/WIDTH/HEIGHT in whole pixels of the union of the words' boxes."""
    x0 = min(w.bbox.x0 for w in words if w.bbox)
    top = min(w.bbox.top for w in words if w.bbox)
    x1 = max(w.bbox.x1 for w in words if w.bbox)
    bottom = max(w.bbox.bottom for w in words if w.bbox)
    left, upper = round(x0 * scale), round(top * scale)
    return {"HPOS": str(left), "VPOS": str(upper),
            "WIDTH": str(max(1, round(x1 * scale) - left)), "HEIGHT": str(max(1, round(bottom * scale) - upper))}


def _px(points: float, scale: float) -> str:
    return str(round(points * scale))


def _sub(parent: etree._Element, tag: str, **attrs: str) -> etree._Element:
    return etree.SubElement(parent, f"{{{NS}}}{tag}", attrs)


class _LocalXlink(etree.Resolver):
    """Resolve the XSD's import of XLink to the shipped copy: no network is needed or used."""

    def resolve(self, system_url, public_id, context):  # noqa: D102 - lxml's interface
        if system_url == XLINK_LOCATION:
            return self.resolve_string((files("pipeline") / "schema" / "xlink.xsd").read_bytes(), context)
        return None


@cache
def schema() -> etree.XMLSchema:
    """Return the official ALTO 4.4 schema (shipped unchanged), its XLink import resolved locally."""
    parser = etree.XMLParser(no_network=True)
    parser.resolvers.add(_LocalXlink())
    with as_file(files("pipeline") / "schema" / "alto-4-4.xsd") as path:
        return etree.XMLSchema(etree.parse(str(path), parser))
