"""The searchable PDF of an input: its own page images, with the repaired words as invisible text.

What an archive keeps from a scan is a searchable PDF (what OCRmyPDF makes). This one carries
the pipeline's words after Swedish repair, so a search for "Linköpings" finds the page whose
scan reads "Linkopings". Pages keep their content: image streams are copied byte for byte
(qpdf decodes nothing), born-digital pages (kind `text`) are passed through, and on OCR'd and
damaged pages invisible text (render mode 3, an old OCR layer) is replaced by the repaired
words; visible text stays, since it is part of what the page looks like. Image inputs become
one page per frame; PNG and JPEG data are carried as they are, other images as their pixels.

The invisible text uses Tesseract's glyph-less TrueType font (`data/glyphless.ttf`, from
Debian's libtesseract5), every code mapped to its one blank glyph, as OCRmyPDF does. PDF/A-2b
is declared (XMP `pdfaid`, an sRGB OutputIntent from Debian's icc-profiles-free) only when
pikepdf's PDF/A allowlist validator approves the written bytes; otherwise the file is written
without the claim and the reasons are returned. Dates and the first `/ID` come from the input,
never the clock, so a re-run writes the same bytes.
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import pikepdf
from pikepdf import Array, Dictionary, Name, Pdf, Stream
from PIL import Image, ImageSequence

from pipeline.model import Document, Page, Word

DATA = files("pipeline") / "data"
FONT = Name("/PapersGlyphLess")
"""Resource name of the invisible-text font; unlikely to clash with an input's own fonts."""
GLYPH_WIDTH = 0.5
"""Advance of the glyph-less font's one glyph, in text space units (1024 of 2048 em)."""
SHOW_OPERATORS = {"Tj", "TJ", "'", '"'}
TEXT_OBJECT_ONLY = SHOW_OPERATORS | {"BT", "ET", "Td", "TD", "Tm", "T*"}
"""Operators valid only inside BT/ET; the rest of a dropped text object (text state, colour,
marked content) is kept, since later text objects inherit that state."""
INVISIBLE = 3
SAVE_OPTIONS = {
    "stream_decode_level": pikepdf.StreamDecodeLevel.none,  # image streams stay byte-identical
    "deterministic_id": True,  # /ID[1] from the content; /ID[0] is kept from the trailer
    "min_version": "1.7",  # PDF/A-2 is ISO 32000-1 (PDF 1.7)
}
SRGB_CONDITION = "sRGB IEC61966-2.1"


@dataclass(frozen=True)
class SearchablePdf:
    """A written searchable PDF and whether it declares PDF/A-2b (and if not, why)."""

    data: bytes
    pdfa: bool
    problems: tuple[str, ...] = ()


def searchable_pdf(doc: Document, source: Path) -> SearchablePdf:
    """Return the searchable PDF of `source`, the input `doc` was read from.

    Raises:
        ValueError: for an input without page images (plain text), or one whose pages are not
            the document's (another file under the same path).
    """
    if doc.media_type == "application/pdf":
        pdf = Pdf.open(source)
    elif doc.media_type.startswith("image/"):
        pdf = _image_pdf(source, doc)
    else:
        raise ValueError(f"no searchable PDF for {doc.media_type}")
    with pdf:
        if len(pdf.pages) != len(doc.pages):
            raise ValueError(f"the input has {len(pdf.pages)} pages, the document {len(doc.pages)}")
        font = _glyphless_font(pdf)
        for page, pdf_page in zip(doc.pages, pdf.pages):
            if pdf_page.obj.get("/Trans") == Dictionary():  # an empty transition is the default
                del pdf_page.obj.Trans
            if page.kind != "text":
                _replace_text_layer(pdf, pdf_page, page, font)
        if "/ID" not in pdf.trailer:
            first = bytes.fromhex(doc.doc_id)[:16]
            pdf.trailer.ID = Array([pikepdf.String(first), pikepdf.String(first)])
        _add_output_intent(pdf)
        data = _save(pdf, claim=True)
        problems = pdfa_problems(data)
        if problems:
            data = _save(pdf, claim=False)
    return SearchablePdf(data=data, pdfa=not problems, problems=problems)


def pdfa_problems(data: bytes) -> tuple[str, ...]:
    """Return why pikepdf's PDF/A-2b validator refuses `data` (empty when it approves)."""
    from pikepdf import pdfa  # its optional dependencies load only when a PDF is written

    report = pdfa.validate_written(io.BytesIO(data), "2b")
    return () if report.passed else tuple(sorted({f"{f.rule}: {f.message}" for f in report.findings}))


def _save(pdf: Pdf, *, claim: bool) -> bytes:
    """Write the metadata (with or without the PDF/A claim) and serialize."""
    with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
        mapped = {str(name) for _, _, name, _ in meta.DOCINFO_MAPPING}  # /Trapped has no XMP twin
        meta.load_from_docinfo({k: v for k, v in pdf.docinfo.items() if k in mapped})
        if claim:
            meta["pdfaid:part"] = "2"
            meta["pdfaid:conformance"] = "B"
        else:
            for key in ("pdfaid:part", "pdfaid:conformance"):
                if key in meta:
                    del meta[key]
    buffer = io.BytesIO()
    pdf.save(buffer, **SAVE_OPTIONS)
    return buffer.getvalue()


def _add_output_intent(pdf: Pdf) -> None:
    """Declare sRGB as the output intent, which PDF/A needs for DeviceRGB and DeviceGray."""
    profile = Stream(pdf, (DATA / "sRGB.icc").read_bytes())
    profile.N = 3
    intent = Dictionary(
        Type=Name.OutputIntent,
        S=Name.GTS_PDFA1,
        OutputConditionIdentifier=SRGB_CONDITION,
        Info=SRGB_CONDITION,
        DestOutputProfile=profile,
    )
    pdf.Root.OutputIntents = Array([pdf.make_indirect(intent)])


def _glyphless_font(pdf: Pdf) -> Dictionary:
    """Add the invisible-text font: Type0, Identity-H, every CID drawn with glyph 1.

    Two-byte codes are UTF-16 code units, so the ToUnicode map is the identity and any
    Swedish letter (or other BMP character) extracts as itself.
    """
    program = Stream(pdf, (DATA / "glyphless.ttf").read_bytes())
    program.Length1 = len(program.read_bytes())
    descriptor = Dictionary(
        Type=Name.FontDescriptor,
        FontName=Name.GlyphLessFont,
        Flags=5,  # fixed pitch, symbolic
        FontBBox=Array([0, 0, 500, 1000]),
        ItalicAngle=0,
        Ascent=1000,
        Descent=-1,
        CapHeight=1000,
        StemV=80,
        FontFile2=program,
    )
    cid_to_gid = Stream(pdf, b"\x00\x01" * 65536)  # CID n -> glyph 1, never .notdef
    descendant = Dictionary(
        Type=Name.Font,
        Subtype=Name.CIDFontType2,
        BaseFont=Name.GlyphLessFont,
        CIDSystemInfo=Dictionary(Registry="Adobe", Ordering="Identity", Supplement=0),
        FontDescriptor=pdf.make_indirect(descriptor),
        DW=round(GLYPH_WIDTH * 1000),
        CIDToGIDMap=cid_to_gid,
    )
    to_unicode = Stream(pdf, _IDENTITY_TO_UNICODE)
    font = Dictionary(
        Type=Name.Font,
        Subtype=Name.Type0,
        BaseFont=Name.GlyphLessFont,
        Encoding=Name("/Identity-H"),
        DescendantFonts=Array([pdf.make_indirect(descendant)]),
        ToUnicode=to_unicode,
    )
    return pdf.make_indirect(font)


_IDENTITY_TO_UNICODE = b"""/CIDInit /ProcSet findresource begin
12 dict begin
begincmap
/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def
/CMapName /Adobe-Identity-UCS def
/CMapType 2 def
1 begincodespacerange
<0000> <FFFF>
endcodespacerange
1 beginbfrange
<0000> <FFFF> <0000>
endbfrange
endcmap
CMapName currentdict /CMap defineresource pop
end
end
"""


def _replace_text_layer(pdf: Pdf, pdf_page: pikepdf.Page, page: Page, font: Dictionary) -> None:
    """Drop the page's invisible text and draw its repaired words as invisible text."""
    kept, dropped = _without_invisible_text(pikepdf.parse_content_stream(pdf_page))
    if dropped:
        pdf_page.obj.Contents = Stream(pdf, pikepdf.unparse_content_stream(kept))
    resources = Dictionary({key: value for key, value in pdf_page.obj.get("/Resources", Dictionary()).items()})
    used = {str(operands[0]) for operands, operator in kept if str(operator) == "Tf" and operands}
    fonts = Dictionary({k: v for k, v in resources.get("/Font", Dictionary()).items() if k in used})
    fonts[FONT] = font
    resources.Font = fonts
    pdf_page.obj.Resources = resources
    layer = _text_layer(page, _display_to_user(pdf_page))
    pdf_page.contents_add(Stream(pdf, b"q\n"), prepend=True)
    pdf_page.contents_add(Stream(pdf, b"\nQ\n" + layer))


def _without_invisible_text(instructions: list) -> tuple[list, bool]:
    """Split off text objects that draw nothing visible: an old OCR layer, or empty BT/ET.

    Of a dropped object only what is valid inside BT/ET alone goes: its state operators (font,
    rendering mode, colour, marked content) stay, for later text objects inherit them. The
    text rendering mode is tracked across q/Q, as it is part of the graphics state.
    """
    kept: list = []
    dropped = False
    mode, stack = 0, []
    current: list | None = None
    visible = False
    for instruction in instructions:
        operands, operator = instruction
        name = str(operator)
        if name == "q":
            stack.append(mode)
        elif name == "Q" and stack:
            mode = stack.pop()
        elif name == "Tr" and operands:
            mode = int(operands[0])
        if name == "BT":
            current, visible = [instruction], False
            continue
        if current is None:
            kept.append(instruction)
            continue
        current.append(instruction)
        if name in SHOW_OPERATORS and mode != INVISIBLE:
            visible = True
        if name == "ET":
            if visible:
                kept.extend(current)
            else:
                dropped = True
                kept.extend(i for i in current if str(i[1]) not in TEXT_OBJECT_ONLY)
            current = None
    if current is not None:  # an unterminated text object: keep it as it was
        kept.extend(current)
    if not dropped:
        return kept, False
    # A font chosen after the last shown text draws nothing: leaving it would keep an
    # unembedded font (a scanner's empty "BT /F1 12 Tf ET") in use, which PDF/A forbids.
    last_show = max((i for i, (_, op) in enumerate(kept) if str(op) in SHOW_OPERATORS), default=-1)
    return [ins for i, ins in enumerate(kept) if i < last_show or str(ins[1]) != "Tf"], True


@dataclass(frozen=True)
class _Placement:
    """Maps the model's display coordinates (points, top-left, after /Rotate) to user space."""

    origin: tuple[float, float]
    right: tuple[float, float]
    down: tuple[float, float]

    def point(self, u: float, v: float) -> tuple[float, float]:
        return (self.origin[0] + u * self.right[0] + v * self.down[0],
                self.origin[1] + u * self.right[1] + v * self.down[1])


def _display_to_user(pdf_page: pikepdf.Page) -> _Placement:
    """Return the placement of the page as viewers show it: its crop box turned by /Rotate."""
    x0, y0, x1, y1 = (float(v) for v in pdf_page.cropbox)
    left, right = min(x0, x1), max(x0, x1)
    bottom, top = min(y0, y1), max(y0, y1)
    rotate = int(pdf_page.obj.get("/Rotate", 0)) % 360
    if rotate == 90:
        return _Placement((left, bottom), (0, 1), (1, 0))
    if rotate == 180:
        return _Placement((right, bottom), (-1, 0), (0, 1))
    if rotate == 270:
        return _Placement((right, top), (0, -1), (-1, 0))
    return _Placement((left, top), (1, 0), (0, -1))


def _text_layer(page: Page, placement: _Placement) -> bytes:
    """Return content-stream operators drawing the page's repaired words, invisibly.

    All words of a line share one font size (the line's height) and baseline (its bottom),
    so extractors see one line; each word is stretched to its box, and a word followed by
    another on its line carries a space stretched over the gap, so extractors see words
    where the scan has them.
    """
    out = [b"BT", b"3 Tr"]
    a, b = placement.right
    c, d = -placement.down[0], -placement.down[1]
    for line in _lines(page.words):
        bottom = max(w.bbox.bottom for w, *_ in line)
        size = bottom - min(w.bbox.top for w, *_ in line)
        out.append(b"%s %.2f Tf" % (str(FONT).encode(), size))
        for word, right, spaced in line:
            text = word.text + " " if spaced else word.text
            code = text.encode("utf-16-be")
            stretch = 100 * (right - word.bbox.x0) / (len(code) // 2 * GLYPH_WIDTH * size)
            x, y = placement.point(word.bbox.x0, bottom)
            out.append(b"%.2f Tz %g %g %g %g %.2f %.2f Tm <%s> Tj" % (stretch, a, b, c, d, x, y, code.hex().encode()))
    out.append(b"ET")
    return b"\n".join(out) + b"\n"


def _lines(words: tuple[Word, ...]) -> Iterator[list[tuple[Word, float, bool]]]:
    """Yield each line's boxed words: the right edge each is stretched to, and if a space follows.

    A word followed on its line carries a space and reaches exactly to the next word's start,
    even where OCR boxes overlap (glyphs of two words must not interleave for extractors);
    the last word of a line ends at its own box.
    """
    boxed = [w for w in words if w.text and w.bbox and w.bbox.x1 > w.bbox.x0 and w.bbox.bottom > w.bbox.top]
    line: list[tuple[Word, float, bool]] = []
    for word, following in zip(boxed, [*boxed[1:], None]):
        same_line = following is not None and following.line == word.line
        reaches = same_line and following.bbox.x0 > word.bbox.x0
        right = following.bbox.x0 if reaches else word.bbox.x1
        line.append((word, right, same_line))
        if not same_line:
            yield line
            line = []


def _image_pdf(source: Path, doc: Document) -> Pdf:
    """Wrap an image input as a PDF, one page per frame, at the size ingest gave each page."""
    pdf = Pdf.new()
    data = source.read_bytes()
    with Image.open(io.BytesIO(data)) as image:
        created = _exif_date(image)
        frames = list(_frames(image, data, doc.media_type))
    for page, xobject in zip(doc.pages, frames):
        pdf_page = pdf.add_blank_page(page_size=(page.width, page.height))
        image_stream = Stream(pdf, xobject.pop("data"))
        for key, value in xobject.items():
            image_stream[Name("/" + key)] = value
        pdf_page.obj.Resources = Dictionary(XObject=Dictionary(Im0=image_stream))
        pdf_page.obj.Contents = Stream(pdf, b"q %.2f 0 0 %.2f 0 0 cm /Im0 Do Q" % (page.width, page.height))
    if created:
        pdf.docinfo.CreationDate = created
        pdf.docinfo.ModDate = created
    return pdf


def _frames(image: Image.Image, data: bytes, media_type: str) -> Iterator[dict]:
    """Yield an image XObject's entries (and its `data`) per frame, the file's bytes if possible."""
    if media_type == "image/jpeg" and image.mode in ("L", "RGB"):
        yield _xobject(image, data, Name.DCTDecode)
        return
    if media_type == "image/png":
        png = _png_stream(data)
        if png is not None:
            yield png
            return
    for frame in ImageSequence.Iterator(image):
        pixels = frame if frame.mode in ("1", "L", "RGB") else frame.convert("RGB")
        yield _xobject(pixels, zlib.compress(pixels.tobytes(), 6), Name.FlateDecode)


def _xobject(image: Image.Image, data: bytes, filter_: Name) -> dict:
    return {
        "data": data,
        "Type": Name.XObject,
        "Subtype": Name.Image,
        "Width": image.width,
        "Height": image.height,
        "ColorSpace": Name.DeviceRGB if image.mode == "RGB" else Name.DeviceGray,
        "BitsPerComponent": 1 if image.mode == "1" else 8,
        "Filter": filter_,
    }


def _png_stream(data: bytes) -> dict | None:
    """Return the PNG's compressed pixel data as a Flate image with PNG predictors, or None.

    Grey and RGB PNGs without alpha, palette or interlacing qualify: their IDAT chunks joined
    are the zlib stream PDF's FlateDecode with Predictor 15 reads.
    """
    position, idat = 8, []
    header = None
    while position + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        chunk = data[position + 8:position + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat.append(chunk)
        position += 12 + length
    if header is None:
        return None
    width, height, depth, colour, _, _, interlace = header
    colours = {0: 1, 2: 3}.get(colour)
    if colours is None or interlace:
        return None
    return {
        "data": b"".join(idat),
        "Type": Name.XObject,
        "Subtype": Name.Image,
        "Width": width,
        "Height": height,
        "ColorSpace": Name.DeviceGray if colours == 1 else Name.DeviceRGB,
        "BitsPerComponent": depth,
        "Filter": Name.FlateDecode,
        "DecodeParms": Dictionary(Predictor=15, Colors=colours, BitsPerComponent=depth, Columns=width),
    }


def _exif_date(image: Image.Image) -> str | None:
    """Return the image's own EXIF/TIFF DateTime as a PDF date, or None (never the clock)."""
    value = image.getexif().get(306)
    if not isinstance(value, str) or len(value) < 19:
        return None
    digits = value[:19].replace(":", "").replace(" ", "")
    return f"D:{digits}" if digits.isdigit() and len(digits) == 14 else None
