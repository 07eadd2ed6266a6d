"""Build the test corpus from the seed texts in corpus/sources/.

Run with `.venv/bin/python corpus/build.py`. The output is byte-identical on
every run: all randomness comes from explicitly seeded numpy generators and
reportlab runs in invariant mode (no timestamps or random document ids).
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pypdfium2 as pdfium
from PIL import Image
from reportlab import rl_config

rl_config.invariant = 1
rl_config.useA85 = 0  # embed JPEG streams raw (smaller files)
from reportlab.lib.pagesizes import A4  # noqa: E402
from reportlab.lib.utils import ImageReader  # noqa: E402
from reportlab.pdfbase.pdfmetrics import stringWidth  # noqa: E402
from reportlab.pdfgen.canvas import Canvas  # noqa: E402
from reportlab.platypus import Table, TableStyle  # noqa: E402

SEED = 20240611
ROOT = Path(__file__).resolve().parent
SOURCES, INPUTS, TRUTH = ROOT / "sources", ROOT / "inputs", ROOT / "truth"
PAPERS = {  # seed number -> slug; 001 is the legacy bad-OCR text
    "000": "iop-ikf",
    "001": "iop-oversikt-legacy-ocr",
    "002": "iop-stadsmission",
    "003": "iop-aterrapportering",
    "004": "iop-bilda-erikshjalpen",
}
PAGE_W, PAGE_H = A4
LEFT, RIGHT, TOP, BOTTOM = 72.0, 64.0, 70.0, 72.0
TEXT_W = PAGE_W - LEFT - RIGHT
BODY = ("Helvetica", 11.0, 14.5)  # font, size, leading
HEAD = ("Helvetica-Bold", 12.5, 17.0)
TITLE = ("Helvetica-Bold", 14.5, 19.0)
PARA_GAP = 8.0
NUMBERED = re.compile(r"^\d+\. \S")  # "1. Målgrupp", "1. Informationen noteras."
FILE_NAME = re.compile(r"\.(docx?|pdf)$")


@dataclass
class Block:
    """One unit of page content: wrapped text lines in one style, a table, or a gap."""

    kind: str  # "text" | "table" | "gap"
    lines: list[str]
    style: tuple[str, float, float] = BODY
    indent: float = 0.0
    rows: list[list[str]] | None = None


def read_seed(num: str) -> list[str]:
    """Return the lines of seed `num` (no trailing newline characters)."""
    path = next(SOURCES.glob(f"{num}_*.txt"))
    return path.read_text(encoding="utf-8").split("\n")


def wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Greedy word wrap of `text` to `width` points."""
    lines: list[str] = []
    cur = ""
    for word in text.split():
        cand = f"{cur} {word}" if cur else word
        if cur and stringWidth(cand, font, size) > width:
            lines.append(cur)
            cur = word
        else:
            cur = cand
    return lines + [cur] if cur else lines


def is_heading(lines: list[str], i: int, heads: dict[int, bool]) -> bool:
    """Short line, no final punctuation, blank after it, introducing body text (or a heading)."""
    line = lines[i].strip()
    if not line or len(line) > 95 or line[-1] in ".:,;!?" or FILE_NAME.search(line):
        return False
    if i + 1 < len(lines) and lines[i + 1].strip():
        return False
    nxt = next((j for j in range(i + 1, len(lines)) if lines[j].strip()), None)
    if nxt is None:
        return False
    body = lines[nxt].strip()
    body_like = body.endswith(".") or len(body) > 60 or bool(NUMBERED.match(body))
    if NUMBERED.match(line):
        return body_like or body.endswith(":")
    bare = re.sub(r"\(.*?\)", "", line)
    if not line[0].isupper() or re.search(r"[:\"\t]", bare):
        return False
    plain = not re.search(r"[\d()]", line)
    return body_like or (plain and heads.get(nxt, False))


def is_title(lines: list[str], i: int) -> bool:
    """The paper's subject line: first line of 5+ words, standing alone, without a final period."""
    line = lines[i].strip()
    alone = i + 1 == len(lines) or not lines[i + 1].strip()
    return len(line.split()) >= 5 and alone and not line.endswith(".")


def layout_blocks(seed: list[str]) -> list[Block]:
    """Turn seed lines into blocks: title, headings, wrapped paragraphs, bullets, tables, gaps."""
    heads: dict[int, bool] = {}
    for i in reversed(range(len(seed))):
        heads[i] = is_heading(seed, i, heads)
    first = next(i for i, s in enumerate(seed) if s.strip())
    title = next(i for i, s in enumerate(seed) if is_title(seed, i))
    blocks: list[Block] = []
    i = first
    while i < len(seed):
        line = seed[i].strip()
        if not line:
            if blocks and blocks[-1].kind != "gap":
                blocks.append(Block("gap", []))
        elif "\t" in line:
            rows = []
            while i < len(seed) and "\t" in seed[i]:
                rows.append([c.strip() for c in seed[i].split("\t")])
                i += 1
            blocks.append(Block("table", [" ".join(r) for r in rows], rows=rows))
            continue
        else:
            style = TITLE if i == title else HEAD if heads[i] else BODY
            font, size, _ = style
            if line.startswith("- "):
                hang = stringWidth("- ", font, size)
                body = wrap(line[2:], font, size, TEXT_W - hang)
                blocks.append(Block("text", ["- " + body[0]], style))
                if body[1:]:
                    blocks.append(Block("text", body[1:], style, indent=hang))
            else:
                blocks.append(Block("text", wrap(line, font, size, TEXT_W), style))
        i += 1
    return blocks


def make_table(rows: list[list[str]]) -> Table:
    """A gridded cost table, amounts right-aligned."""
    table = Table(rows, hAlign="LEFT")
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), "Helvetica", 10),
        ("GRID", (0, 0), (-1, -1), 0.6, "black"),
        ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), 6),
        ("RIGHTPADDING", (0, 0), (-1, -1), 6),
    ]))
    return table


def render_born_digital(blocks: list[Block], out: Path) -> list[list[str]]:
    """Draw blocks onto A4 pages; return the drawn lines of each page (the truth)."""
    canvas = Canvas(str(out), pagesize=A4, invariant=1)
    pages: list[list[str]] = [[]]
    y = PAGE_H - TOP

    def need(height: float) -> None:
        nonlocal y
        if y - height < BOTTOM and pages[-1]:
            canvas.showPage()
            pages.append([])
            y = PAGE_H - TOP

    for block in blocks:
        if block.kind == "gap":
            if pages[-1]:
                y -= PARA_GAP
        elif block.kind == "table":
            table = make_table(block.rows or [])
            _, h = table.wrapOn(canvas, TEXT_W, PAGE_H)
            need(h)
            table.drawOn(canvas, LEFT, y - h)
            y -= h + 4
            pages[-1].extend(block.lines)
        else:
            font, size, leading = block.style
            keep = 0.0 if block.style == BODY else PARA_GAP + 2 * BODY[2]  # heading keeps with 2 lines
            for n, line in enumerate(block.lines):
                need(leading + (keep if n == 0 else 0.0))
                y -= leading
                canvas.setFont(font, size)
                canvas.drawString(LEFT + block.indent, y, line)
                pages[-1].append(line)
    canvas.showPage()
    canvas.save()
    return pages


def render_legacy(seed: list[str], out: Path) -> None:
    """One drawn Helvetica line per seed line, blank lines as space; the text layer IS the bad OCR."""
    canvas = Canvas(str(out), pagesize=A4, invariant=1)
    font, size, leading = "Helvetica", 10.5, 13.0
    y = PAGE_H - TOP
    for line in seed:
        if y - leading < BOTTOM:
            canvas.showPage()
            y = PAGE_H - TOP
        y -= leading
        if line.strip():
            canvas.setFont(font, size)
            canvas.drawString(LEFT, y, line)
    canvas.showPage()
    canvas.save()


def truth_text(pages: list[list[str]]) -> str:
    """Lines joined by newlines, pages separated by a form feed."""
    return "\f".join("\n".join(p) + "\n" for p in pages)


def render_pages(pdf: Path, dpi: int) -> list[np.ndarray]:
    """Rasterise every page of `pdf` in greyscale at `dpi`."""
    doc = pdfium.PdfDocument(str(pdf))
    imgs = [np.array(page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")) for page in doc]
    doc.close()
    return imgs


def degrade(img: np.ndarray, dpi: int, rng: np.random.Generator, harsh: bool, noise: float) -> np.ndarray:
    """Photocopy look: skew, blur, contrast loss, uneven background, speckles, noise."""
    h, w = img.shape
    angle = float(rng.uniform(0.5, 1.5) * rng.choice([-1.0, 1.0]))
    rot = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    out = cv2.warpAffine(img, rot, (w, h), flags=cv2.INTER_LINEAR, borderValue=255).astype(np.float32)
    sigma = (0.55 if not harsh else 0.7) * dpi / 300
    out = cv2.GaussianBlur(out, (0, 0), sigma)
    black, white = (28.0, 238.0) if not harsh else (45.0, 230.0)
    out = black + out * (white - black) / 255.0
    field = cv2.resize(rng.uniform(0.9, 1.0, (4, 3)).astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC)
    out *= np.clip(field, 0.86, 1.0)
    for _ in range(int(rng.integers(30, 90 if not harsh else 160))):
        x, yy = int(rng.integers(0, w)), int(rng.integers(0, h))
        r = max(1, int(rng.integers(1, 4) * dpi / 300))
        cv2.circle(out, (x, yy), r, float(rng.uniform(40, 140)), -1)
    if noise:
        out += rng.normal(0.0, noise, out.shape).astype(np.float32)
    return np.clip(out, 0, 255).astype(np.uint8)


def jpeg_bytes(img: np.ndarray, quality: int) -> bytes:
    """Encode a greyscale page as baseline JPEG."""
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, format="JPEG", quality=quality)
    return buf.getvalue()


def write_scan_pdf(jpegs: list[bytes], out: Path) -> None:
    """Image-only PDF: each JPEG fills one A4 page, no text layer."""
    canvas = Canvas(str(out), pagesize=A4, invariant=1)
    for data in jpegs:
        canvas.drawImage(ImageReader(io.BytesIO(data)), 0, 0, width=PAGE_W, height=PAGE_H)
        canvas.showPage()
    canvas.save()


def build_scans(num: int, name: str, born: Path) -> None:
    """Degraded 300 and 200 dpi scan PDFs of one paper."""
    for dpi, harsh, noise, qual in ((300, False, 3.0, (62, 73)), (200, True, 5.0, (58, 67))):
        jpegs = []
        for p, img in enumerate(render_pages(born, dpi)):
            rng = np.random.default_rng([SEED, num, dpi, p])
            page = degrade(img, dpi, rng, harsh, noise)
            jpegs.append(jpeg_bytes(page, int(rng.integers(*qual))))
        write_scan_pdf(jpegs, INPUTS / f"scans-{dpi}" / f"{name}.pdf")


def build_image(num: int, name: str, born: Path, ext: str) -> None:
    """First page as a lossless 300 dpi image (PNG, or deflate TIFF); scanner-denoised, so no grain."""
    rng = np.random.default_rng([SEED, num, 1])
    page = Image.fromarray(degrade(render_pages(born, 300)[0], 300, rng, False, 0.0))
    opts = {"compression": "tiff_adobe_deflate"} if ext == "tiff" else {"optimize": True}
    page.save(INPUTS / "images" / f"{name}-p1.{ext}", dpi=(300, 300), **opts)


def main() -> None:
    """Regenerate everything under corpus/inputs and corpus/truth, then corpus/real."""
    for sub in ("born-digital", "scans-300", "scans-200", "images", "legacy"):
        (INPUTS / sub).mkdir(parents=True, exist_ok=True)
    (TRUTH / "images").mkdir(parents=True, exist_ok=True)
    images = {"000": "png", "003": "tiff"}
    for num, slug in PAPERS.items():
        name = f"{num}-{slug}"
        seed = read_seed(num)
        if num == "001":
            render_legacy(seed, INPUTS / "legacy" / f"{name}.pdf")
            continue
        born = INPUTS / "born-digital" / f"{name}.pdf"
        pages = render_born_digital(layout_blocks(seed), born)
        (TRUTH / f"{name}.txt").write_text(truth_text(pages), encoding="utf-8")
        build_scans(int(num), name, born)
        if num in images:
            build_image(int(num), name, born, images[num])
            (TRUTH / "images" / f"{name}-p1.txt").write_text(truth_text(pages[:1]), encoding="utf-8")
    from real_build import build_real  # the real-paper corpus, corpus/real/

    build_real()


if __name__ == "__main__":
    main()
