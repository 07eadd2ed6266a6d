"""Writers of the batch outputs: records.jsonl/.parquet, discrepancies.json, report.html, report.xlsx.

Every file is deterministic (sorted keys, stable order, no timestamps) and written atomically
(a temporary file in the same folder, then `os.replace`). Personal data is masked once, in
`write_outputs`, before any of them is rendered; report.xlsx writes no live formula.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import logging
import re
import zipfile
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from PIL import Image

from pipeline.model import Document, Evidence, Record
from pipeline.privacy import append_row, folder_setting, mask_result
from pipeline.records import records_frame
from pipeline.rules import PrivacyRules
from pipeline.store import json_bytes, write_bytes_atomic

log = logging.getLogger(__name__)

TEMPLATES = Path(__file__).resolve().parent / "templates"
CROP_MARGIN_X_PT = 90.0
CROP_MARGIN_Y_PT = 18.0
"""Page context around a value's box in the report crop, in PDF points (the line, and a line or so above and below)."""
CROP_MAX_WIDTH_PX = 900
FIXED_TIME = dt.datetime(2000, 1, 1, 0, 0, 0)
"""Creation/modification time written into report.xlsx, so two writes are byte-identical."""

_SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2, "ok": 3}


# --------------------------------------------------------------------------- files


def _json(obj: object) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True)


def records_jsonl(records: tuple[Record, ...] | list[Record]) -> bytes:
    """Return records.jsonl: one record per line, keys sorted."""
    return "".join(_json(r.model_dump(mode="json")) + "\n" for r in records).encode("utf-8")


def records_parquet(records: tuple[Record, ...] | list[Record]) -> bytes:
    """Return records.parquet (long form: one row per stated value)."""
    buf = io.BytesIO()
    records_frame(list(records)).to_parquet(buf, index=False, engine="pyarrow")
    return buf.getvalue()


def discrepancies_json(report) -> bytes:
    """Return discrepancies.json, keys sorted, indented."""
    return json_bytes(report.model_dump(mode="json"))


# --------------------------------------------------------------------------- html


def crop_png(out_dir: Path, doc: Document | None, evidence: Evidence | None) -> str | None:
    """Return a base64 PNG of the page around the evidence box, or None (plain text, no image).

    The page image is `out_dir / Page.image`; `Page.image_scale` is its pixels per PDF point.
    """
    if doc is None or evidence is None or evidence.bbox is None:
        return None
    page = next((p for p in doc.pages if p.number == evidence.page), None)
    if page is None or not page.image or not page.image_scale:
        return None
    path = out_dir / page.image
    try:
        with Image.open(path) as img:
            s = page.image_scale
            x0, top, x1, bottom = evidence.bbox
            box = (
                max(0, int((x0 - CROP_MARGIN_X_PT) * s)),
                max(0, int((top - CROP_MARGIN_Y_PT) * s)),
                min(img.width, int((x1 + CROP_MARGIN_X_PT) * s) + 1),
                min(img.height, int((bottom + CROP_MARGIN_Y_PT) * s) + 1),
            )
            if box[2] <= box[0] or box[3] <= box[1]:
                return None
            crop = img.crop(box).convert("RGB")
    except OSError as err:
        log.warning("%s p%s: evidence image %s unreadable (%s); no crop", evidence.doc_id[:12], evidence.page, path, err)
        return None
    if crop.width > CROP_MAX_WIDTH_PX:
        crop = crop.resize((CROP_MAX_WIDTH_PX, max(1, round(crop.height * CROP_MAX_WIDTH_PX / crop.width))))
    buf = io.BytesIO()
    crop.save(buf, format="PNG", optimize=False)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _fmt(value: object, field: str | None, kind: str, label: str | None = None) -> str:
    """Format a finding value: SEK with thousands spaces, counts plain, percentages with %."""
    if isinstance(value, bool) or isinstance(value, str):
        return str(value)
    if isinstance(value, int):
        grouped = f"{value:,}".replace(",", " ")
        return grouped if "participants" in f"{field or ''} {label or ''}" else grouped + " kr"
    if isinstance(value, float):
        return f"{value:g} % similar" if kind == "paper_versions" else f"{value:g} %"
    return str(value)


def render_html(result, out_dir: Path) -> str:
    """Render report.html: summary, one card per finding with page crops, repaired values."""
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True, default_for_string=True))
    docs = {d.doc_id: d for d in result.documents}
    crops: dict[tuple, str | None] = {}

    def crop(ev: Evidence | None) -> str | None:
        if ev is None:
            return None
        k = (ev.doc_id, ev.page, tuple(ev.bbox) if ev.bbox else None)
        if k not in crops:
            crops[k] = crop_png(out_dir, docs.get(ev.doc_id), ev)
        return crops[k]

    report = result.report
    cards = []
    for f in sorted(report.findings, key=lambda f: (_SEVERITY_ORDER.get(f.severity, 9), f.kind, f.key, f.field or "", f.id)):
        values = []
        for v in f.values:
            doc = docs.get(v.doc_id)
            values.append({
                "doc": v.doc_id[:12],
                "source": doc.source if doc else v.doc_id[:12],
                "value": _fmt(v.value, f.field, f.kind, v.label),
                "label": v.label or "",
                "page": v.evidence.page if v.evidence else None,
                "scanned": v.evidence.text_as_scanned if v.evidence else "",
                "repaired": v.evidence.text_repaired if v.evidence else "",
                "shaky": bool(v.evidence and (v.evidence.repaired or v.evidence.low_confidence)),
                "crop": crop(v.evidence),
            })
        cards.append({"f": f, "vals": values})
    shaky = []
    seen = set()
    for r in result.records:
        for kind, table in (("amount", r.amounts), ("percentage", r.percentages), ("participants", r.participants), ("date", r.dates)):
            for role, vals in table.items():
                for v in vals:
                    ev = v.evidence
                    if (ev.repaired or ev.low_confidence) and (r.doc_id, ev.page, str(v.value), role) not in seen:
                        seen.add((r.doc_id, ev.page, str(v.value), role))
                        shaky.append({"source": r.source, "doc": r.doc_id[:12], "page": ev.page, "kind": kind, "role": role,
                                      "value": v.value, "scanned": ev.text_as_scanned, "repaired": ev.text_repaired,
                                      "confidence": ev.confidence, "why": ", ".join(w for w, b in (("repaired", ev.repaired), ("low confidence", ev.low_confidence)) if b)})
    summary = {
        "documents": len(result.documents),
        "papers": len(report.papers),
        "partnerships": len(report.partnerships),
        "passed": sum(f.outcome == "pass" for f in report.findings),
        "failed": sum(f.outcome == "fail" for f in report.findings),
        "notes": sum(f.outcome == "note" for f in report.findings),
        "findings": len(report.findings),
    }
    sources = {d.doc_id: d.source for d in result.documents}
    return env.get_template("report.html.j2").render(
        summary=summary,
        report=report,
        cards=cards,
        shaky=sorted(shaky, key=lambda s: (s["source"], s["page"], s["role"], str(s["value"]))),
        kinds=sorted(report.counts),
        severities=sorted({f.severity for f in report.findings}, key=lambda s: _SEVERITY_ORDER.get(s, 9)),
        sources=sources,
    )


# --------------------------------------------------------------------------- xlsx


def render_xlsx(result) -> bytes:
    """Return report.xlsx: sheets Findings, Values and Records; byte-identical across writes."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Findings"
    append_row(ws, ["id", "kind", "severity", "outcome", "check", "key", "field", "explanation", "rests_on_repaired"])
    for f in result.report.findings:
        append_row(ws, [f.id, f.kind, f.severity, f.outcome, f.check, f.key, f.field or "", f.explanation, f.rests_on_repaired])
    wv = wb.create_sheet("Values")
    append_row(wv, ["finding_id", "kind", "doc_id", "label", "value", "page", "text_as_scanned", "text_repaired", "repaired",
                    "low_confidence"])
    for f in result.report.findings:
        for v in f.values:
            ev = v.evidence
            append_row(wv, [f.id, f.kind, v.doc_id, v.label or "", v.value, ev.page if ev else None,
                            ev.text_as_scanned if ev else "", ev.text_repaired if ev else "",
                            ev.repaired if ev else None, ev.low_confidence if ev else None])
    wr = wb.create_sheet("Records")
    frame = records_frame(list(result.records))
    append_row(wr, list(frame.columns))
    for row in frame.itertuples(index=False):
        append_row(wr, [None if _isna(x) else x for x in row])
    for sheet in (ws, wv, wr):
        sheet.freeze_panes = "A2"
    wb.properties.creator = "committee-papers"
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    buf = io.BytesIO()
    wb.save(buf)
    return _normalize_zip(buf.getvalue())


def _isna(x: object) -> bool:
    try:
        import pandas as pd

        return bool(pd.isna(x))
    except (TypeError, ValueError):
        return False


def _normalize_zip(data: bytes) -> bytes:
    """Rewrite an xlsx zip with fixed entry times and fixed core-property dates."""
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = content.decode("utf-8")
                text = re.sub(r"(<dcterms:(?:created|modified)[^>]*>)[^<]*(<)", rf"\g<1>{stamp}\g<2>", text)
                content = text.encode("utf-8")
            zi = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            dst.writestr(zi, content)
    return out.getvalue()


# --------------------------------------------------------------------------- all outputs


def write_outputs(result, out_dir: Path, privacy: PrivacyRules) -> None:
    """Write the five batch outputs into `out_dir`, each atomically, with personal data masked
    unless the folder's manifest records a run with --keep-personal-data."""
    if folder_setting(out_dir) == "masked":
        result = mask_result(result, privacy)
    write_bytes_atomic(out_dir / "records.jsonl", records_jsonl(result.records))
    write_bytes_atomic(out_dir / "records.parquet", records_parquet(result.records))
    write_bytes_atomic(out_dir / "discrepancies.json", discrepancies_json(result.report))
    write_bytes_atomic(out_dir / "report.html", render_html(result, out_dir).encode("utf-8"))
    write_bytes_atomic(out_dir / "report.xlsx", render_xlsx(result))
