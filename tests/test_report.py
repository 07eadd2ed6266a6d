"""Batch outputs: the five files, their schemas, determinism, and report.html in a real browser."""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from pathlib import Path

import jsonschema
import pandas as pd
import pytest

from pipeline.errors import OutputError
from pipeline.model import Evidence
from pipeline.reconcile import batch_schemas, reconcile_folder
from pipeline.privacy import mask_text
from pipeline.report import crop_png, render_xlsx
from pipeline.rules import load_rules
from tests.test_reconcile import corpus_documents

ROOT = Path(__file__).resolve().parent.parent
OUTPUTS = ("records.jsonl", "records.parquet", "discrepancies.json", "report.html", "report.xlsx")


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An output folder as the per-document stages leave it, then reconciled."""
    out = tmp_path_factory.mktemp("out")
    docs = corpus_documents(out_dir=out)
    (out / "documents").mkdir()
    for doc in docs.values():
        (out / "documents" / f"{doc.doc_id}.json").write_text(doc.model_dump_json(), encoding="utf-8")
    (out / "documents" / "broken.json").write_text("{not json", encoding="utf-8")
    reconcile_folder(out, load_rules())
    return out


def test_writes_the_five_outputs_and_no_temporary_files(out: Path):
    for name in OUTPUTS:
        assert (out / name).stat().st_size > 0, name
    assert not list(out.glob("*.tmp")) and not list(out.glob(".*"))


def test_a_broken_document_file_is_skipped_with_a_reason(out: Path):
    report = json.loads((out / "discrepancies.json").read_text(encoding="utf-8"))
    assert any(s.startswith("broken.json") for s in report["skipped"])


def test_outputs_validate_against_schemas_from_the_models(out: Path):
    schemas = batch_schemas()
    report = json.loads((out / "discrepancies.json").read_text(encoding="utf-8"))
    jsonschema.validate(report, schemas["discrepancies"])
    lines = (out / "records.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 14  # 000 x3, 001 x5 rows, 002 x2, 003 x2 programmes, 004 x2
    for line in lines:
        jsonschema.validate(json.loads(line), schemas["record"])
    assert report["counts"] == {k: sum(f["kind"] == k for f in report["findings"]) for k in report["counts"]}
    for f in report["findings"]:
        assert len(f["id"]) == 16
        for v in f["values"]:
            assert len(v["doc_id"]) == 64


def test_records_jsonl_and_parquet_hold_the_same_rows(out: Path):
    records = [json.loads(line) for line in (out / "records.jsonl").read_text(encoding="utf-8").splitlines()]
    frame = pd.read_parquet(out / "records.parquet")
    assert set(frame["doc_id"]) == {r["doc_id"] for r in records}
    n_values = sum(len(vs) for r in records for k in ("amounts", "percentages", "participants", "dates") for vs in r[k].values())
    n_empty = sum(1 for r in records if not any(r[k] for k in ("amounts", "percentages", "participants", "dates")))
    assert len(frame) == n_values + n_empty
    bromo = frame[(frame["kind"] == "amount") & (frame["role"] == "cost_item")]
    assert sorted(set(bromo["value_sek"].tolist())) == [48000, 278400, 372000, 1670400]


def test_rerun_is_byte_identical(out: Path, tmp_path: Path):
    before = {name: (out / name).read_bytes() for name in OUTPUTS}
    reconcile_folder(out, load_rules())
    for name in OUTPUTS:
        assert (out / name).read_bytes() == before[name], name


def test_one_writer_or_two_write_the_same_bytes_and_a_failing_one_is_reported(out: Path, tmp_path: Path):
    """report.xlsx is written in a forked process beside the other outputs: the same bytes as one
    process writes, and its failure (here: a folder where the file goes) stops the batch stage loudly."""
    two = tmp_path / "two"
    shutil.copytree(out, two)
    reconcile_folder(out, load_rules(), workers=1)
    reconcile_folder(two, load_rules(), workers=2)
    for name in (*OUTPUTS, "records.csv"):
        assert (two / name).read_bytes() == (out / name).read_bytes(), name
    (two / "report.xlsx").unlink()
    (two / "report.xlsx").mkdir()
    with pytest.raises(OutputError, match="report.xlsx"):
        reconcile_folder(two, load_rules(), workers=2)
    assert (two / "report.html").read_bytes() == (out / "report.html").read_bytes()  # the others were written


def test_xlsx_has_fixed_times_and_two_writes_are_identical(out: Path):
    data = (out / "report.xlsx").read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        core = z.read("docProps/core.xml").decode()
        assert "2000-01-01T00:00:00Z" in core
        assert all(i.date_time == (1980, 1, 1, 0, 0, 0) for i in z.infolist())
        assert {"xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml", "xl/worksheets/sheet3.xml"} <= set(z.namelist())


def test_html_escapes_document_text_and_masks_personal_numbers(out: Path):
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Link&amp;pings Stads-mission" in html and "Link&pings" not in html
    assert "<script>" in html and html.count("<script") == 1  # only the report's own filter script
    privacy = load_rules().privacy
    assert mask_text("Anna, 19121212-1212, org. nr 212000-0449", privacy) == "Anna, ********-****, org. nr 212000-0449"
    assert mask_text("121212+1212", privacy) == "******+****"


def test_no_crop_for_plain_text_or_missing_images(out: Path):
    assert crop_png(out, None, None) is None
    ev = Evidence(doc_id="x" * 64, page=1, bbox=None, text_as_scanned="a", text_repaired="a", confidence=1.0)
    assert crop_png(out, None, ev) is None


def chromium(profile: Path):
    """Start headless Chromium through Debian's chromedriver (skip when it is not installed)."""
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("/usr/bin/chromium is not installed")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
                "--window-size=1400,1800"):
        options.add_argument(arg)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def test_corpus_report_shows_every_finding_with_its_crops(corpus_run, tmp_path: Path):
    from selenium.webdriver.common.by import By

    out, _ = corpus_run
    report = json.loads((out / "discrepancies.json").read_text(encoding="utf-8"))
    driver = chromium(tmp_path / "profile")
    try:
        driver.get((out / "report.html").as_uri())
        assert len(driver.find_elements(By.CSS_SELECTOR, "#cards .card")) == len(report["findings"])
        widths = driver.execute_script("return Array.from(document.images).map(i => i.complete ? i.naturalWidth : 0)")
        assert len(widths) > 40 and all(w > 0 for w in widths)
    finally:
        driver.quit()


def test_report_in_headless_chromium(out: Path, tmp_path: Path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    report = json.loads((out / "discrepancies.json").read_text(encoding="utf-8"))
    driver = chromium(tmp_path / "profile")
    try:
        driver.get((out / "report.html").as_uri())
        cards = driver.find_elements(By.CSS_SELECTOR, "#cards .card")
        assert len(cards) == len(report["findings"])
        images = driver.find_elements(By.CSS_SELECTOR, "#cards img")
        assert len(images) > 20
        widths = driver.execute_script("return Array.from(document.images).map(i => i.complete ? i.naturalWidth : 0)")
        assert widths and all(w > 0 for w in widths)
        summary = driver.find_element(By.ID, "summary").text
        assert "5\nhandlingar" in summary and "9\ninlästa dokument" in summary  # Swedish by default
        Select(driver.find_element(By.ID, "f-kind")).select_by_value("agreement")
        shown = [c for c in cards if c.is_displayed()]
        assert len(shown) == report["counts"]["agreement"]
        Select(driver.find_element(By.ID, "f-kind")).select_by_value("")
        Select(driver.find_element(By.ID, "f-severity")).select_by_value("error")
        shown = [c for c in cards if c.is_displayed()]
        assert len(shown) == sum(f["severity"] == "error" for f in report["findings"])
    finally:
        driver.quit()
        shutil.rmtree(tmp_path / "profile", ignore_errors=True)


def test_render_xlsx_twice_is_identical(out: Path):
    from pipeline.reconcile import load_documents, reconcile_documents

    docs, _ = load_documents(out)
    result = reconcile_documents(docs, load_rules())
    assert render_xlsx(result) == render_xlsx(result)


def test_xlsx_explains_findings_in_the_report_language(out: Path):
    from openpyxl import load_workbook

    sheet = load_workbook(out / "report.xlsx")["Findings"]
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, (c.value for c in row))) for row in sheet.iter_rows(min_row=2)]
    # 004's cost table: 1 670 400 + 278 400 + 372 000 + 48 000 = 2 368 800 kr, said in Swedish by default
    sums = [r for r in rows if r["kind"] == "sum_matches" and "2 368 800" in r["explanation"].replace("\u00a0", " ")]
    assert sums and all("summeras till" in r["explanation"] and "sum to" not in r["explanation"] for r in sums)
    assert all(r["explanation_en"] for r in rows)  # the stable English of discrepancies.json beside it
