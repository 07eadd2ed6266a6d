"""Writers of the batch outputs: records.jsonl/.parquet/.csv, discrepancies.json, report.html, report.xlsx.

Every file is deterministic (sorted keys, stable order, no timestamps) and written atomically
(a temporary file in the same folder, then `os.replace`). Personal data is masked once, in
`write_outputs`, before any of them is rendered; report.xlsx and records.csv write no live
formula. report.html is written in Swedish by default (`pipeline/locale/`, `pipeline/explain.py`).
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import io
import json
import logging
import re
import shutil
import sys
import tempfile
import zipfile
from collections import Counter
from collections.abc import Iterable, Iterator
from functools import lru_cache
from itertools import groupby
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from PIL import Image

from pipeline.executor import side_by_side
from pipeline.explain import Explainer, Papers
from pipeline.i18n import DEFAULT_LANGUAGE, catalogue
from pipeline.model import DiscrepancyReport, Document, Evidence, Record
from pipeline.privacy import SpreadsheetWriter, csv_cell, outputs_view
from pipeline.records import RECORD_COLUMNS, records_frames
from pipeline.rules import PrivacyRules
from pipeline.store import json_text, pdf_path, write_bytes_atomic, write_text_atomic

log = logging.getLogger(__name__)

TEMPLATES = Path(__file__).resolve().parent / "templates"
CROP_MARGIN_X_PT = 90.0
CROP_MARGIN_Y_PT = 18.0
"""Page context around a value's box in the report crop, in PDF points (the line, and a line or so above and below)."""
CROP_MAX_WIDTH_PX = 900
CROPS_HELD = 256
"""Page crops kept for the evidence shown again (agreements and conflicts of one value): a bound, as
a scanned store's report holds hundreds of MB of them, all of which were held until it was written."""
FIXED_TIME = dt.datetime(2000, 1, 1, 0, 0, 0)
"""Creation/modification time written into report.xlsx, so two writes are byte-identical."""

_SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2, "ok": 3}


# --------------------------------------------------------------------------- files


def _json(obj: object) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True)


def records_jsonl(records: Iterable[Record]) -> Iterator[str]:
    """records.jsonl, a line at a time: one record per line, keys sorted."""
    for r in records:
        yield _json(r.model_dump(mode="json")) + "\n"


def records_parquet(records: Iterable[Record]) -> bytes:
    """Return records.parquet (long form: one row per stated value), a row group per frame of
    `records_frames`."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    buf = io.BytesIO()
    writer = None
    for frame in records_frames(records):
        table = pa.Table.from_pandas(frame, preserve_index=False)
        writer = writer or pq.ParquetWriter(buf, table.schema)
        writer.write_table(table)
    writer.close()  # type: ignore[union-attr]  # records_frames yields at least one frame
    return buf.getvalue()


def records_csv(records: Iterable[Record]) -> Iterator[str]:
    """records.csv for spreadsheet users, a frame at a time: the rows and columns of
    records.parquet, UTF-8 with a byte-order mark (so Excel reads å, ä, ö), comma-separated, CRLF
    line ends, numbers with a decimal point; a text cell a spreadsheet would read as a formula
    starts with `'`."""
    for i, frame in enumerate(records_frames(records)):
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\r\n")
        if i == 0:
            buf.write("\ufeff")
            writer.writerow(frame.columns)
        for row in frame.itertuples(index=False):
            writer.writerow([csv_cell(None if _isna(x) else x) for x in row])
        yield buf.getvalue()


def discrepancies_pieces(report: DiscrepancyReport) -> Iterator[str]:
    """discrepancies.json (the text of `json_bytes`: keys sorted, one-space indent, final newline),
    a finding and a paper at a time: a large batch's findings and papers as one JSON value were most
    of its peak memory."""
    streamed = {"findings": report.findings, "papers": report.papers}
    rest = json_text(report.model_dump(mode="json", exclude=set(streamed)) | {name: [] for name in streamed})
    for name in sorted(streamed):  # in the order of the keys
        before, rest = rest.split(f'\n "{name}": []', 1)  # a top-level key: deeper keys are indented further
        yield before + f'\n "{name}": ['
        for i, item in enumerate(streamed[name]):
            yield ("," if i else "") + "\n  " + json_text(item.model_dump(mode="json")).replace("\n", "\n  ")
        yield "\n ]" if streamed[name] else "]"
    yield rest + "\n"


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


def _pdf_href(out_dir: Path, doc_id: str, page: int) -> str | None:
    """A link to the page in the input's searchable PDF, relative to report.html; None without the PDF (--no-pdf, TXT)."""
    path = pdf_path(out_dir, doc_id)
    return f"{path.relative_to(out_dir).as_posix()}#page={page}" if path.exists() else None


def _record_words(record: Record, x: Explainer) -> set[str]:
    """What a search for a party or an amount should find in the paper a record comes from."""
    words = {record.partnership_key, *(p.canonical for p in record.parties), *(p.name for p in record.parties)}
    words.update(f"{v.value} {x.value(v.value, 'amount')}" for vs in record.amounts.values() for v in vs)
    return words


def _search_words(words: Iterable[str]) -> str:
    return " ".join(sorted(words))


Words = tuple[str, ...]


def _search_index(records: Iterable[Record], x: Explainer) -> tuple[dict[str, Words], dict[str, Words], dict[str, dict[str, Words]]]:
    """The words a search should find (`_record_words`), by document, by paper and by partnership and
    paper, in one pass over the records (sorted by doc_id): each document's words are gathered in sets,
    then kept as sorted tuples of interned strings (a set held an entry for each, three times over:
    13 MB at 8 000 generated papers)."""
    by_doc: dict[str, Words] = {}
    by_paper: dict[str, Words] = {}
    by_key: dict[str, dict[str, Words]] = {}

    def keep(index: dict[str, Words], at: str, words: set[str]) -> None:
        index[at] = tuple(sorted(words.union(index.get(at, ()))))

    for doc_id, of_doc in groupby(records, key=lambda r: r.doc_id):
        doc: set[str] = set()
        paper: dict[str, set[str]] = {}
        key: dict[tuple[str, str], set[str]] = {}
        for r in of_doc:
            words = {sys.intern(w) for w in _record_words(r, x)}
            doc |= words
            paper.setdefault(r.paper_id, set()).update(words)
            key.setdefault((r.partnership_key, r.paper_id), set()).update(words)
        keep(by_doc, doc_id, doc)
        for paper_id, words in paper.items():
            keep(by_paper, paper_id, words)
        for (partnership, paper_id), words in key.items():
            keep(by_key.setdefault(partnership, {}), paper_id, words)
    return by_doc, by_paper, by_key


def _paper_entry(pid: str, papers: Papers, x: Explainer, others: dict[str, tuple[str, ...]], words: str) -> dict:
    """One paper in the overview: its name, date and the files of its other versions."""
    info = papers.info(pid)
    base = pid.split("#", 1)[0]
    files = [papers.file(d) for d in others.get(base, ())]
    return {"name": papers.name(pid), "date": x.cat.date(info.date) if info and info.date else None,
            "sort": (info.date if info and info.date else "~", papers.name(pid)), "versions": files,
            "search": " ".join([papers.name(pid), info.dnr if info and info.dnr else "", *files, words])}


def render_html(result, out_dir: Path, lang: str = DEFAULT_LANGUAGE) -> str:
    """Render report.html in `lang`: summary, search, overview per partnership and case, papers,
    one card per finding with page crops and links into the searchable PDFs, repaired values."""
    return "".join(html_pieces(result, out_dir, lang))


def html_pieces(result, out_dir: Path, lang: str = DEFAULT_LANGUAGE) -> Iterator[str]:
    """report.html (`render_html`) as the template renders it, piece by piece, so that it is
    written without being one string: a large batch's report runs to hundreds of megabytes."""
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True, default_for_string=True))
    cat = catalogue(lang)
    papers = Papers(result.documents, cat)
    x = Explainer(cat, papers)
    docs = result.documents

    @lru_cache(maxsize=CROPS_HELD)
    def crop(ev: Evidence | None) -> str | None:
        return None if ev is None else crop_png(out_dir, docs.get(ev.doc_id), ev)

    report = result.report

    def cards() -> Iterator[dict]:
        """One card per finding, made as the template writes it: the cards are never all held, nor
        the findings (sorted by position, each read when its card is made)."""
        order = sorted((_SEVERITY_ORDER.get(f.severity, 9), f.kind, f.key, f.field or "", f.id, i) for i, f in enumerate(report.findings))
        for *_, i in order:
            f = report.findings[i]
            values = []
            for v in f.values:
                ev = v.evidence
                values.append({
                    "paper": papers.name(v.doc_id),
                    "value": x.value(v, f.field),
                    "raw": str(v.value),
                    "label": x.label(v.label),
                    "page": ev.page if ev else None,
                    "pdf": _pdf_href(out_dir, v.doc_id, ev.page) if ev else None,
                    "scanned": ev.text_as_scanned if ev else "",
                    "repaired": ev.text_repaired if ev else "",
                    "shaky": bool(ev and (ev.repaired or ev.low_confidence)),
                    "crop": crop(ev),
                })
            explanation = x.explain(f)
            infos = [i for d in sorted({v.doc_id for v in f.values}) if (i := papers.info(d))]
            search = [f.key, x.key(f.key), x.field(f.field), cat.kind(f.kind), explanation,
                      *(f"{v['paper']} {v['label']} {v['value']} {v['raw']}" for v in values), *(i.dnr or "" for i in infos)]
            yield {"f": f, "vals": values, "key": x.key(f.key), "field": x.field(f.field), "kind": cat.kind(f.kind),
                   "severity": cat.severity(f.severity), "outcome": cat.outcome(f.outcome), "explanation": explanation,
                   "search": " ".join(search)}

    words_of_doc, words_of_paper, words_of_key = _search_index(result.records, x)
    others = {p.paper_id: tuple(d for d in p.versions + p.partial if d != p.paper_id) for p in report.papers}
    def paper_rows() -> Iterator[dict]:
        """The papers' rows, partnerships' and cases' entries below are made as the template writes
        them: a large store's were tens of MB held at once."""
        for p in report.papers:
            words = set().union(*(words_of_doc.get(d, ()) for d in p.versions + p.partial))
            info = papers.info(p.paper_id)
            yield {
                "name": papers.name(p.paper_id), "dnr": info.dnr if info else None,
                "versions": [(papers.file(v), cat.percent(p.similarity.get(v, 100.0))) for v in p.versions],
                "partial": [(papers.file(v), cat.percent(p.similarity.get(v, 100.0))) for v in p.partial],
                "search": " ".join([papers.name(p.paper_id), *(papers.file(v) for v in p.versions + p.partial), _search_words(words)]),
            }

    def partnerships() -> Iterator[dict]:
        for key in report.partnerships:
            by_paper = words_of_key.get(key, {})
            entries = [_paper_entry(pid, papers, x, others, _search_words(words)) for pid, words in by_paper.items()]
            yield {"name": x.key(key), "papers": sorted(entries, key=lambda e: e["sort"])}

    def cases() -> Iterator[dict]:
        for case in result.cases:
            entries = [_paper_entry(pid, papers, x, others, _search_words(words_of_paper.get(pid, ()))) for pid in case]
            infos = [i for pid in case if (i := papers.info(pid))]
            dnrs = sorted({i.dnr for i in infos if i.dnr})
            title = next((i.title for i in infos if i.title), "")
            yield {"name": " / ".join(dnrs + ([f"“{title}”"] if title else [])), "papers": sorted(entries, key=lambda e: e["sort"])}

    shaky = []
    seen = set()
    for r in result.records:
        for kind, table in (("amount", r.amounts), ("percentage", r.percentages), ("participants", r.participants), ("date", r.dates)):
            for role, vals in table.items():
                for v in vals:
                    ev = v.evidence
                    if (ev.repaired or ev.low_confidence) and (r.doc_id, ev.page, str(v.value), role) not in seen:
                        seen.add((r.doc_id, ev.page, str(v.value), role))
                        why = [cat.t("ui.shaky.why_" + w) for w, b in (("repaired", ev.repaired), ("low_confidence", ev.low_confidence)) if b]
                        shaky.append({"paper": papers.name(r.doc_id), "page": ev.page, "kind": cat.term(kind) or kind,
                                      "role": cat.term(role) or role, "value": x.value(v.value, f"{kind}:{role}"),
                                      "sort": (r.source, ev.page, role, str(v.value)), "scanned": ev.text_as_scanned,
                                      "repaired": ev.text_repaired, "confidence": cat.number(ev.confidence, 2), "why": ", ".join(why),
                                      "pdf": _pdf_href(out_dir, r.doc_id, ev.page)})
    outcomes: Counter[str] = Counter()
    found_severities: set[str] = set()
    for f in report.findings:  # one pass: a large store's findings are read back from disk
        outcomes[f.outcome] += 1
        found_severities.add(f.severity)
    summary = {
        "documents": len(result.documents),
        "papers": len(report.papers),
        "partnerships": len(report.partnerships),
        "passed": outcomes["pass"],
        "failed": outcomes["fail"],
        "notes": outcomes["note"],
        "findings": len(report.findings),
    }
    severities = sorted(found_severities, key=lambda s: _SEVERITY_ORDER.get(s, 9))
    return env.get_template("report.html.j2").generate(
        lang=cat.language,
        t=cat.t,
        raw=cat.raw,
        summary=summary,
        report=report,
        cards=cards(),
        paper_rows=paper_rows(),
        partnerships=partnerships(),
        cases=cases(),
        shaky=sorted(shaky, key=lambda s: s["sort"]),
        kinds=[(k, cat.kind(k), report.counts[k]) for k in sorted(report.counts)],
        severities=[(s, cat.severity(s)) for s in severities],
        skipped=[papers.named(note) for note in report.skipped],
    )


# --------------------------------------------------------------------------- xlsx


def render_xlsx(result, lang: str = DEFAULT_LANGUAGE) -> bytes:
    """Return report.xlsx: sheets Findings, Values and Records; byte-identical across writes.

    Column names are the machine names of discrepancies.json and records; a finding's explanation
    is in the report's language, beside the stable English one of discrepancies.json. XlsxWriter,
    not openpyxl: about four times faster, which was most of the batch stage's time on a large
    store. Rows are streamed to a temporary folder (`constant_memory`), so the workbook is never
    held whole: in memory its cells grew about 45 MB per 1 000 generated papers. The price is
    strings written inline instead of in a shared table: 28 % larger at 2 000 generated papers.
    """
    import xlsxwriter

    explainer = Explainer(catalogue(lang), Papers(result.documents, catalogue(lang)))
    with tempfile.TemporaryDirectory(prefix="committee-papers-xlsx-") as folder:
        path = Path(folder) / "report.xlsx"
        workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True, "tmpdir": folder, "strings_to_numbers": False,
                                                   "strings_to_formulas": False, "strings_to_urls": False})
        _fill_workbook(workbook, result, explainer)
        return _normalize_zip(path)


def _fill_workbook(workbook, result, explainer: Explainer) -> None:
    """Write the three sheets of report.xlsx, each row after the one before (as `constant_memory` needs)."""
    workbook.set_properties({"author": "committee-papers", "created": FIXED_TIME})
    sheets = SpreadsheetWriter(workbook)
    findings = sheets.add("Findings", ["id", "kind", "severity", "outcome", "check", "key", "field", "explanation",
                                       "explanation_en", "rests_on_repaired"])
    for f in result.report.findings:
        findings.row([f.id, f.kind, f.severity, f.outcome, f.check, f.key, f.field or "", explainer.explain(f),
                      f.explanation, f.rests_on_repaired])
    values = sheets.add("Values", ["finding_id", "kind", "doc_id", "label", "value", "page", "text_as_scanned",
                                   "text_repaired", "repaired", "low_confidence"])
    for f in result.report.findings:
        for v in f.values:
            ev = v.evidence
            values.row([f.id, f.kind, v.doc_id, v.label or "", v.value, ev.page if ev else None,
                        ev.text_as_scanned if ev else "", ev.text_repaired if ev else "",
                        ev.repaired if ev else None, ev.low_confidence if ev else None])
    records = sheets.add("Records", list(RECORD_COLUMNS))
    for frame in records_frames(result.records):
        for row in frame.itertuples(index=False):
            records.row([None if _isna(x) else x for x in row])
    workbook.close()


def _isna(x: object) -> bool:
    try:
        import pandas as pd

        return bool(pd.isna(x))
    except (TypeError, ValueError):
        return False


def _normalize_zip(path: Path) -> bytes:
    """Rewrite an xlsx zip with fixed entry times and fixed core-property dates, each entry
    streamed: a sheet of thousands of papers' records is tens of MB of XML unpacked."""
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = io.BytesIO()
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            if info.filename == "docProps/core.xml":
                text = src.read(info).decode("utf-8")
                text = re.sub(r"(<dcterms:(?:created|modified)[^>]*>)[^<]*(<)", rf"\g<1>{stamp}\g<2>", text)
                dst.writestr(zi, text.encode("utf-8"))
                continue
            with src.open(info) as entry, dst.open(zi, "w") as copy:
                shutil.copyfileobj(entry, copy, ZIP_COPY_CHUNK)
    return out.getvalue()


ZIP_COPY_CHUNK = 1 << 20


# --------------------------------------------------------------------------- all outputs


def import_writers() -> None:
    """Import the libraries the outputs are written with (pandas, Arrow, XlsxWriter: 0.4 s), which
    nothing before the batch stage needs: a run's writers, forked after it, find them imported."""
    import pandas  # noqa: F401
    import pyarrow.parquet  # noqa: F401
    import xlsxwriter  # noqa: F401


def write_outputs(result, out_dir: Path, privacy: PrivacyRules, report_lang: str = DEFAULT_LANGUAGE,
                  workers: int | None = None):
    """Write the six batch outputs into `out_dir`, each atomically, with personal data masked
    unless the folder's manifest records a run with --keep-personal-data; report.html in `report_lang`.
    Return the result as they show it (`outputs_view`): a caller that keeps only that does not
    hold the records and documents twice while they are written."""
    return write_shown(outputs_view(result, out_dir, privacy), out_dir, report_lang, workers)


def write_shown(result, out_dir: Path, report_lang: str = DEFAULT_LANGUAGE, workers: int | None = None):
    """`write_outputs` of a result already as the outputs show it (`outputs_view`).

    report.html and report.xlsx, each longer to make than the other four together, are written
    each in a process of its own when `workers` (default: one per core) allows more than one:
    besides the time, what each holds on the way (the report's search words and rows, Arrow's
    buffers for records.parquet) is not stacked in one process."""

    def records_and_findings() -> None:
        write_text_atomic(out_dir / "records.jsonl", records_jsonl(result.records))
        write_bytes_atomic(out_dir / "records.parquet", records_parquet(result.records))
        write_text_atomic(out_dir / "records.csv", records_csv(result.records))
        write_text_atomic(out_dir / "discrepancies.json", discrepancies_pieces(result.report))

    side_by_side([records_and_findings,
                  lambda: write_text_atomic(out_dir / "report.html", html_pieces(result, out_dir, report_lang)),
                  lambda: write_bytes_atomic(out_dir / "report.xlsx", render_xlsx(result, report_lang))], workers)
    return result
