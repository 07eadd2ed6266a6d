"""Capture profiles: what a born-digital page looks like after a copier, a worn copy, a phone or a fax.

The archive holds the real papers not as clean PDFs but as whatever the clerk's machine made of
them; each profile imitates one such machine so the OCR stage is tested on it. A profile turns one
page of a born-digital PDF (rendered with pypdfium2) into a raster image. Every parameter is drawn
from the numpy generator the caller passes in, seeded per (paper, profile, page), so a rebuild is
byte-identical; the drawn values are returned with the image (corpus/real/captures.json lists them).

Profiles and parameter ranges (angles in degrees, random sign; pixel sizes at the profile's dpi):

- ``photocopy-300``: 300 dpi, 1-bit. Skew 0.5–2, Gaussian blur sigma 0.6–1.0 px, threshold 150–190
  (of 255), 20–80 dust specks of radius 1–3 px plus 0–4 of radius 3–6 px, toner pinholes: 0.5–2 %
  of the ink pixels turned white.
- ``worn-200``: 200 dpi, 1-bit, a copy of a copy. Skew 0.5–2.5, blur sigma 0.5–0.8 px, threshold
  135–165, a smooth wear field covering 15–30 % of the page where ink fades by up to 60–110 grey
  levels and strokes are eroded (broken strokes), heavy speckle: 0.3–0.8 % of the paper pixels black
  and 3–8 % of the ink pixels white, 100–300 specks of radius 1–2 px.
- ``phone``: colour JPEG at ~200 dpi effective. Slightly yellow paper (R 235–250, G 228–242,
  B 195–220), ink 30–60, the page placed on a darker grey-brown desk (60–120) with a margin of
  3–7 %, perspective keystone 0–6 % (one random edge shortened), rotation 0.5–5, uneven light
  (linear fall-off to 70–90 % across the frame plus a vignette to 88–96 %), focus blur sigma
  0.5–1.1 px, sensor noise sigma 1.5–3.5, JPEG quality 50–90.
- ``fax-standard``: 204 × 98 dpi (rendered at 204 dpi, then resampled to 98 dpi vertically: non-square
  pixels), 1-bit. Skew 0–1, threshold 140–180, 0–3 dropped scan lines (white rows), 5–25 specks.
- ``fax-fine``: the same at 204 × 196 dpi.
- ``rotated``: 300 dpi greyscale JPEG (quality 75–85), mild scan look (skew 0.2–1, blur sigma 0.5 px,
  black 20–35, white 232–245, no grain: a denoising scanner), the page turned 90 (either way) or 180 degrees as if fed
  into the scanner the wrong way; a page turned by 90 is stored on a landscape A4 page.

Every capture PDF is image-only (no text layer), one image drawn over a whole A4 page. 1-bit pages
are stored losslessly (8-bit grey 0/255, Flate), phone and rotated pages as JPEG.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import pypdfium2 as pdfium
from PIL import Image
from reportlab import rl_config

rl_config.invariant = 1
rl_config.useA85 = 0  # embed JPEG streams raw (smaller files)
from reportlab.lib.pagesizes import A4, landscape  # noqa: E402
from reportlab.lib.utils import ImageReader  # noqa: E402
from reportlab.pdfgen.canvas import Canvas  # noqa: E402

PROFILES = ("photocopy-300", "worn-200", "phone", "fax-standard", "fax-fine", "rotated")
RENDER_DPI = {"photocopy-300": 300, "worn-200": 200, "phone": 200, "fax-standard": 204, "fax-fine": 204, "rotated": 300}


@dataclass
class Capture:
    """One captured page: the image, how to store it, and the parameters drawn for it."""

    image: Image.Image
    jpeg_quality: int | None = None  # None: lossless (Flate)
    landscape: bool = False
    params: dict[str, float | int | str] = field(default_factory=dict)


def render_grey(pdf: Path, dpi: int) -> list[np.ndarray]:
    """Rasterise every page of `pdf` in greyscale at `dpi`."""
    doc = pdfium.PdfDocument(str(pdf))
    pages = [np.array(page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")) for page in doc]
    doc.close()
    return pages


def signed(rng: np.random.Generator, low: float, high: float) -> float:
    """A magnitude in [low, high) with a random sign (skew and rotation go either way)."""
    return float(rng.uniform(low, high) * rng.choice([-1.0, 1.0]))


def skew(img: np.ndarray, angle: float, border: float = 255.0) -> np.ndarray:
    """Rotate about the centre, keeping the size; the uncovered corners become `border`."""
    h, w = img.shape[:2]
    rot = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(img, rot, (w, h), flags=cv2.INTER_LINEAR, borderValue=border)


def smooth_field(rng: np.random.Generator, shape: tuple[int, int], cells: tuple[int, int]) -> np.ndarray:
    """Low-frequency noise in [0, 1] over the page: where wear, dirt and light vary slowly."""
    coarse = rng.random(cells).astype(np.float32)
    field_ = cv2.resize(coarse, (shape[1], shape[0]), interpolation=cv2.INTER_CUBIC)
    lo, hi = float(field_.min()), float(field_.max())
    return (field_ - lo) / max(hi - lo, 1e-6)


def specks(img: np.ndarray, rng: np.random.Generator, count: int, radius: tuple[int, int], value: int = 0) -> None:
    """Draw `count` round specks (dust, toner) of a random radius in place."""
    h, w = img.shape[:2]
    for _ in range(count):
        centre = (int(rng.integers(0, w)), int(rng.integers(0, h)))
        cv2.circle(img, centre, int(rng.integers(*radius)), value, -1)


def binarise(grey: np.ndarray, threshold: float) -> np.ndarray:
    """1-bit page as 0/255 bytes."""
    return np.where(grey < threshold, 0, 255).astype(np.uint8)


def photocopy(page: np.ndarray, rng: np.random.Generator) -> Capture:
    """Office copier at 300 dpi: skewed, thresholded, dusty glass, toner pinholes."""
    angle = signed(rng, 0.5, 2.0)
    sigma = float(rng.uniform(0.6, 1.0))
    threshold = float(rng.uniform(150, 190))
    grey = cv2.GaussianBlur(skew(page, angle).astype(np.float32), (0, 0), sigma)
    out = binarise(grey, threshold)
    pinholes = float(rng.uniform(0.005, 0.02))
    out[(out == 0) & (rng.random(out.shape) < pinholes)] = 255
    dust = int(rng.integers(20, 81))
    specks(out, rng, dust, (1, 4))
    specks(out, rng, int(rng.integers(0, 5)), (3, 7))
    params = {"skew": angle, "blur": sigma, "threshold": threshold, "pinholes": pinholes, "dust": dust}
    return Capture(Image.fromarray(out), params=params)


def worn(page: np.ndarray, rng: np.random.Generator) -> Capture:
    """A worn 200 dpi copy of a copy: faded, broken strokes in patches, heavy speckle."""
    angle = signed(rng, 0.5, 2.5)
    sigma = float(rng.uniform(0.5, 0.8))
    threshold = float(rng.uniform(135, 165))
    grey = cv2.GaussianBlur(skew(page, angle).astype(np.float32), (0, 0), sigma)
    coverage = float(rng.uniform(0.15, 0.30))
    fade = float(rng.uniform(60, 110))
    wear = smooth_field(rng, grey.shape, (10, 7))
    cut = float(np.quantile(wear, 1.0 - coverage))
    patch = np.clip((wear - cut) / max(1.0 - cut, 1e-6), 0.0, 1.0)
    out = binarise(grey + fade * patch, threshold)
    eroded = cv2.dilate(out, np.ones((2, 2), np.uint8))  # white grows: strokes thin and break
    out = np.where(patch > 0, eroded, out)
    pepper, salt = float(rng.uniform(0.003, 0.008)), float(rng.uniform(0.03, 0.08))
    noise = rng.random(out.shape)
    ink = out == 0
    out[~ink & (noise < pepper)] = 0
    out[ink & (noise < salt)] = 255
    count = int(rng.integers(100, 301))
    specks(out, rng, count, (1, 3))
    params = {"skew": angle, "blur": sigma, "threshold": threshold, "wear_coverage": coverage,
              "wear_fade": fade, "pepper": pepper, "salt": salt, "specks": count}
    return Capture(Image.fromarray(out), params=params)


def phone(page: np.ndarray, rng: np.random.Generator) -> Capture:
    """A phone photo of the paper on a desk: yellowish, keystoned, rotated, unevenly lit, JPEG."""
    h, w = page.shape
    paper = rng.uniform([235, 228, 195], [250, 242, 220]).astype(np.float32)
    ink = float(rng.uniform(30, 60))
    shade = page.astype(np.float32)[..., None] / 255.0
    colour = ink + (paper - ink) * shade
    desk = float(rng.uniform(60, 120)) * np.array([1.0, 0.9, 0.78], np.float32)  # grey-brown desk
    background = desk * (0.8 + 0.4 * smooth_field(rng, (h, w), (5, 4)))[..., None]

    margin = float(rng.uniform(0.03, 0.07))
    keystone = float(rng.uniform(0.0, 0.06))
    edge = str(rng.choice(["top", "bottom", "left", "right"]))
    angle = signed(rng, 0.5, 5.0)
    quad = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)  # tl, tr, br, bl
    inset = keystone / 2
    if edge in ("top", "bottom"):
        ends = (0, 1) if edge == "top" else (3, 2)
        quad[ends[0], 0] += inset * w
        quad[ends[1], 0] -= inset * w
    else:
        ends = (0, 3) if edge == "left" else (1, 2)
        quad[ends[0], 1] += inset * h
        quad[ends[1], 1] -= inset * h
    centre = np.array([w / 2, h / 2], np.float32)
    rad = np.deg2rad(angle)
    turn = np.array([[np.cos(rad), -np.sin(rad)], [np.sin(rad), np.cos(rad)]], np.float32)
    quad = (quad - centre) @ turn.T
    span = np.abs(quad).max(axis=0) * 2
    quad = quad * float(min((1 - 2 * margin) * w / span[0], (1 - 2 * margin) * h / span[1])) + centre
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    warp = cv2.getPerspectiveTransform(src, quad.astype(np.float32))
    sheet = cv2.warpPerspective(colour, warp, (w, h), flags=cv2.INTER_LINEAR)
    mask = cv2.warpPerspective(np.ones((h, w), np.float32), warp, (w, h), flags=cv2.INTER_LINEAR)[..., None]
    photo = sheet * mask + background * (1 - mask)

    falloff = float(rng.uniform(0.70, 0.90))
    vignette = float(rng.uniform(0.88, 0.96))
    light_dir = float(rng.uniform(0, 2 * np.pi))
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    along = ((xs / w - 0.5) * np.cos(light_dir) + (ys / h - 0.5) * np.sin(light_dir)) + 0.5
    radius = np.hypot(xs / w - 0.5, ys / h - 0.5) / np.hypot(0.5, 0.5)
    light = (1 - (1 - falloff) * np.clip(along, 0, 1)) * (1 - (1 - vignette) * radius**2)
    photo *= light[..., None]
    sigma = float(rng.uniform(0.5, 1.1))
    noise = float(rng.uniform(1.5, 3.5))
    photo = cv2.GaussianBlur(photo, (0, 0), sigma) + rng.normal(0.0, noise, photo.shape).astype(np.float32)
    quality = int(rng.integers(50, 91))
    params = {"paper_rgb": ",".join(f"{c:.0f}" for c in paper), "ink": ink, "margin": margin,
              "keystone": keystone, "keystone_edge": edge, "rotation": angle, "light_falloff": falloff,
              "vignette": vignette, "blur": sigma, "noise": noise, "jpeg_quality": quality}
    image = Image.fromarray(np.clip(photo, 0, 255).astype(np.uint8), "RGB")
    return Capture(image, jpeg_quality=quality, params=params)


def fax(page: np.ndarray, rng: np.random.Generator, vertical_dpi: int) -> Capture:
    """Group 3 fax: 204 dpi across, `vertical_dpi` down, 1-bit, a few lost scan lines."""
    angle = signed(rng, 0.0, 1.0)
    threshold = float(rng.uniform(140, 180))
    rows = round(page.shape[0] * vertical_dpi / 204)
    grey = cv2.resize(skew(page, angle), (page.shape[1], rows), interpolation=cv2.INTER_AREA)
    out = binarise(grey, threshold)
    dropped = int(rng.integers(0, 4))
    for row in rng.integers(0, rows, dropped):
        out[int(row)] = 255
    count = int(rng.integers(5, 26))
    specks(out, rng, count, (1, 3))
    params = {"skew": angle, "threshold": threshold, "dropped_lines": dropped, "specks": count}
    return Capture(Image.fromarray(out), params=params)


def rotated(page: np.ndarray, rng: np.random.Generator) -> Capture:
    """A greyscale 300 dpi scan of a page fed sideways or upside down."""
    angle = signed(rng, 0.2, 1.0)
    black, white = float(rng.uniform(20, 35)), float(rng.uniform(232, 245))
    grey = cv2.GaussianBlur(skew(page, angle).astype(np.float32), (0, 0), 0.5)
    grey = black + grey * (white - black) / 255.0
    turn = int(rng.choice([90, 180, 270]))  # counter-clockwise
    out = np.rot90(np.clip(grey, 0, 255).astype(np.uint8), turn // 90)
    quality = int(rng.integers(75, 86))
    params = {"skew": angle, "black": black, "white": white, "turned_ccw": turn, "jpeg_quality": quality}
    return Capture(Image.fromarray(np.ascontiguousarray(out)), jpeg_quality=quality, landscape=turn != 180,
                   params=params)


def capture(profile: str, page: np.ndarray, rng: np.random.Generator) -> Capture:
    """Apply `profile` to a greyscale page rendered at RENDER_DPI[profile]."""
    if profile == "photocopy-300":
        return photocopy(page, rng)
    if profile == "worn-200":
        return worn(page, rng)
    if profile == "phone":
        return phone(page, rng)
    if profile == "fax-standard":
        return fax(page, rng, 98)
    if profile == "fax-fine":
        return fax(page, rng, 196)
    if profile == "rotated":
        return rotated(page, rng)
    raise ValueError(f"unknown capture profile {profile!r}")


def draw_captures(canvas: Canvas, pages: list[Capture]) -> None:
    """Each capture fills one A4 page (landscape when turned sideways); no text layer."""
    for page in pages:
        width, height = landscape(A4) if page.landscape else A4
        canvas.setPageSize((width, height))
        if page.jpeg_quality is None:
            source = ImageReader(page.image)
        else:
            buf = io.BytesIO()
            page.image.save(buf, format="JPEG", quality=page.jpeg_quality)
            source = ImageReader(io.BytesIO(buf.getvalue()))
        canvas.drawImage(source, 0, 0, width=width, height=height)
        canvas.showPage()


def write_capture_pdf(pages: list[Capture], out: Path) -> None:
    """Image-only PDF of the captured pages."""
    canvas = Canvas(str(out), pagesize=A4, invariant=1)
    draw_captures(canvas, pages)
    canvas.save()
