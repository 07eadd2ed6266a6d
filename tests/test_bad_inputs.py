"""Hostile inputs and the limits of rules/ingest.yaml (issue 12 items 3 and 6).

The bad files come from tests/fixtures/make_bad_inputs.py, written into a temporary folder. Each
is run beside good corpus inputs, which must come out byte for byte as they do alone; the whole
hostile batch runs under an address-space limit of 6 GB and must stay under 2 GB resident.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pikepdf
import pytest

from bench.hostile import MEASURED, ADDRESS_SPACE, run_measured
from pipeline.cli import main
from pipeline.errors import LimitError, RulesError
from pipeline.executor import ProcessExecutor
from pipeline.ingest import ingest
from pipeline.ocr import ocr_page
from pipeline.render import PageSource, fit_dpi
from pipeline.rules import RULES_DIR, Rules, load_rules
from pipeline.run import process_document
from pipeline.tesseract import OcrJob, OcrSettings, PageLimits
from tests.conftest import CORPUS_INPUTS, ROOT
from tests.fixtures.make_bad_inputs import SWEDISH_LINE, blank_png, huge_page_box, make_bad_inputs

GOOD = sorted((CORPUS_INPUTS / "born-digital").glob("*.pdf")) + sorted((ROOT / "corpus" / "sources").glob("00[04]_*.txt"))


def _with_limits(**limits: float) -> Rules:
    rules = load_rules()
    changed = rules.ingest.limits.model_copy(update=limits)
    return rules.model_copy(update={"ingest": rules.ingest.model_copy(update={"limits": changed})})


def _ingest(path: Path, rules: Rules | None = None, settings: OcrSettings | None = None):
    return ingest(path, path.name, rules or load_rules(), pipeline_version="test", settings=settings or OcrSettings())


def _documents(out: Path) -> dict[str, bytes]:
    manifest = json.loads((out / "manifest.json").read_text())
    return {e["path"]: (out / "documents" / f"{e['doc_id']}.json").read_bytes()
            for e in manifest["inputs"] if e["status"] == "ok"}


# --------------------------------------------------------------------------- the hostile batch


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory: pytest.TempPathFactory):
    """The bad inputs and the good ones in one folder, run with two workers under the limit; and the
    good ones alone. Returns (manifest entries by path, exit code, peak bytes, good alone, good beside)."""
    batch = tmp_path_factory.mktemp("hostile")
    make_bad_inputs(batch)
    alone = tmp_path_factory.mktemp("good")
    for path in GOOD:
        shutil.copyfile(path, batch / path.name)
        shutil.copyfile(path, alone / path.name)
    out = tmp_path_factory.mktemp("hostile-out")
    code, peak, stderr = run_measured(batch, out, "--jobs", "2")
    assert "Traceback" not in stderr
    reference = tmp_path_factory.mktemp("good-out")
    assert main(["run", str(alone), "--out", str(reference), "--no-progress", "--jobs", "1"]) == 0
    entries = {e["path"]: e for e in json.loads((out / "manifest.json").read_text())["inputs"]}
    return entries, code, peak, _documents(reference), _documents(out)


EXPECTED = {
    "zero-byte.pdf": ("E100", "the file is empty"),
    "truncated.pdf": ("E100", "not a readable PDF, possibly truncated or corrupt"),
    "not-a-pdf.pdf": ("E100", "not a readable PDF"),
    "encrypted-unknown-password.pdf": ("E100", "the PDF is encrypted; decrypt it first"),
    "image-bomb.pdf": ("E110", "page 1 holds an image of 30000 x 30000 pixels, more than the limit of 40000000"),
    "bomb.png": ("E110", "the image has over 89478485 pixels, more than the limit of 40000000 per page"),
}


def test_the_hostile_batch_completes_under_the_memory_limit(hostile_run):
    entries, code, peak, _, _ = hostile_run
    assert code == 1  # some inputs failed; nothing crashed
    assert peak < 2 * 10**9
    assert set(entries) == {p.name for p in GOOD} | set(EXPECTED) | {
        "broken-xref.pdf", "encrypted-empty-password.pdf", "huge-page-box.pdf", "page-as-direct-dict.pdf"}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_bad_input_fails_alone_with_a_plain_message(hostile_run, name):
    entry = hostile_run[0][name]
    code, message = EXPECTED[name]
    assert entry["status"] == "failed" and entry["error"]["code"] == code
    assert message in entry["error"]["message"]
    assert "Traceback" not in entry["error"]["message"] and "E999" not in entry["error"]["code"]


def test_readable_damage_is_read(hostile_run):
    """A broken cross-reference table is rebuilt by the reader; an empty user password opens the file;
    a page given as a direct dictionary is read through a qpdf rewrite; a page box of 200 x 200 inches is read at the resolution that fits the pixel limit, with a warning."""
    entries, _, _, alone, beside = hostile_run
    for name in ("broken-xref.pdf", "encrypted-empty-password.pdf", "huge-page-box.pdf"):
        assert entries[name]["status"] == "ok", entries[name]
    good = json.loads(alone["000-iop-ikf.pdf"])
    for name in ("broken-xref.pdf", "encrypted-empty-password.pdf"):
        doc = json.loads(beside[name])
        assert [p["words"] for p in doc["pages"]] == [p["words"] for p in good["pages"]]
    assert entries["page-as-direct-dict.pdf"]["status"] == "ok", entries["page-as-direct-dict.pdf"]
    direct = json.loads(beside["page-as-direct-dict.pdf"])
    assert " ".join(w["text"] for w in direct["pages"][0]["words"]) == SWEDISH_LINE
    warning = next(w for w in entries["huge-page-box.pdf"]["warnings"] if "dpi" in w)
    assert warning.startswith("page 1: rendered at 31 dpi, not 300: the page (200 x 200 in)")
    assert json.loads(beside["huge-page-box.pdf"])["pages"][0]["dpi"] == 31


def test_good_inputs_beside_bad_ones_come_out_unharmed(hostile_run):
    _, _, _, alone, beside = hostile_run
    assert alone and all(beside[name] == data for name, data in alone.items())


# --------------------------------------------------------------------------- the limits one by one


def test_pages_per_document_are_limited():
    path = CORPUS_INPUTS / "born-digital" / "002-iop-stadsmission.pdf"  # three pages
    with pytest.raises(LimitError, match=r"the document has 3 pages, more than the limit of 2 \(limits.max_pages"):
        _ingest(path, _with_limits(max_pages=2))
    assert len(_ingest(path, _with_limits(max_pages=3)).document.pages) == 3


def test_page_size_is_limited(tmp_path):
    path = tmp_path / "huge.pdf"
    huge_page_box(path)
    with pytest.raises(LimitError, match=r"page 1 is 200 x 200 inches, larger than the limit of 100 "):
        _ingest(path, _with_limits(max_page_inches=100))


def test_an_image_file_over_the_pixel_limit_fails_before_it_is_decoded(tmp_path):
    path = tmp_path / "large.png"
    blank_png(path, 7000)  # 49 million pixels: under Pillow's own guard, over the limit
    with pytest.raises(LimitError, match=r"the file is an image of 7000 x 7000 pixels, more than the limit of "
                                         r"40000000 pixels per page \(limits.max_page_pixels"):
        _ingest(path)
    assert len(_ingest(path, _with_limits(max_page_pixels=50_000_000)).ocr_jobs) == 1


def test_an_oversize_page_box_is_rendered_at_a_lower_scale(tmp_path):
    path = tmp_path / "huge.pdf"
    huge_page_box(path)
    settings = OcrSettings(limits=PageLimits(max_page_pixels=4_000_000))
    job = _ingest(path, settings=settings).ocr_jobs[0]
    assert fit_dpi(job.width, job.height, 300, 4_000_000) == 10
    result = ocr_page(job)
    assert result.warnings[0] == ("rendered at 10 dpi, not 300: the page (200 x 200 in) would exceed "
                                  "limits.max_page_pixels")
    assert fit_dpi(595, 842, 300, 40_000_000) == 300  # an A4 page stays as it is


def test_tesseract_time_per_page_is_limited():
    source = PageSource(CORPUS_INPUTS / "scans-300" / "000-iop-ikf.pdf", "application/pdf", 0, 300)
    job = OcrJob("doc", 1, source, 595.28, 841.89, OcrSettings(limits=PageLimits(tesseract_seconds=0.2)))
    with pytest.raises(LimitError, match=r"Tesseract took longer than the limit of 0.2 s on page 1 "
                                         r"\(limits.tesseract_seconds_per_page in rules/ingest.yaml\)"):
        ocr_page(job)


def _allocate(size: int) -> int:
    return len(bytearray(size))


def test_a_worker_over_its_memory_cap_fails_its_job_and_lives_on():
    cap = 3 << 30
    outcomes = dict(ProcessExecutor(2, memory_bytes=cap).run(_allocate, [8 << 30, 1 << 20]))
    assert isinstance(outcomes[8 << 30], MemoryError)
    assert outcomes[1 << 20] == 1 << 20


def _greedy_ocr(job: OcrJob):
    """An OCR stand-in that needs more memory than a worker may have, for the page of big.png."""
    if job.source.path.name == "big.png":
        bytearray(64 << 30)
    return ocr_page(job)


def test_a_page_over_the_worker_memory_cap_fails_its_document_with_a_plain_message(tmp_path, monkeypatch):
    source = tmp_path / "in"
    source.mkdir()
    shutil.copyfile(CORPUS_INPUTS / "images" / "000-iop-ikf-p1.png", source / "big.png")
    shutil.copyfile(GOOD[0], source / "good.pdf")
    monkeypatch.setattr("pipeline.ocr.ocr_page", _greedy_ocr)
    out = tmp_path / "out"
    assert main(["run", str(source), "--out", str(out), "--no-progress", "--jobs", "2", "--no-pdf", "--no-alto"]) == 1
    entries = {e["path"]: e for e in json.loads((out / "manifest.json").read_text())["inputs"]}
    assert entries["good.pdf"]["status"] == "ok"
    assert entries["big.png"]["error"]["code"] == "E110"
    assert "needs more memory than" in entries["big.png"]["error"]["message"]
    assert "limits.worker_memory_mb" in entries["big.png"]["error"]["message"]


def test_limits_are_validated_when_the_rules_load(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(RULES_DIR, rules)
    text = (rules / "ingest.yaml").read_text()
    (rules / "ingest.yaml").write_text(text.replace("max_page_pixels: 40000000", "max_page_pixels: 0")
                                       .replace("worker_memory_mb: 3072", "worker_memory_mb: lots"))
    with pytest.raises(RulesError) as raised:
        load_rules(rules)
    assert "ingest.yaml: limits.max_page_pixels: Input should be greater than or equal to 1000000" in str(raised.value)
    assert "ingest.yaml: limits.worker_memory_mb: Input should be a valid integer" in str(raised.value)


# --------------------------------------------------------------------------- evidence on its own page


def test_each_table_cell_has_its_evidence_on_its_own_page(tmp_path):
    """The same paper twice in one PDF: the second copy's table facts point at the second copy's page."""
    paper = CORPUS_INPUTS / "born-digital" / "004-iop-bilda-erikshjalpen.pdf"
    with pikepdf.open(paper) as first, pikepdf.open(paper) as second:
        first.pages.extend(second.pages)
        first.save(tmp_path / "twice.pdf")
    doc = process_document(_ingest(tmp_path / "twice.pdf").document, load_rules())
    tabular = [f for f in doc.facts if "table" in f.attrs]
    pages = {f.attrs["table"]: doc.tables[int(f.attrs["table"])].page for f in tabular}
    assert sorted(set(pages.values())) == [3, 7]
    assert all(f.evidence.page == pages[f.attrs["table"]] for f in tabular)


def test_peak_memory_is_measured_for_the_process_tree(tmp_path):
    """The measuring wrapper sees the workers' and Tesseract's memory, not only the main process's."""
    code = subprocess.run([sys.executable, "-c", MEASURED, str(ADDRESS_SPACE), sys.executable, "-c",
                           "import subprocess, sys; subprocess.run([sys.executable, '-c', 'b = bytearray(300 << 20)'])"],
                          capture_output=True, text=True)
    assert code.returncode == 0 and int(code.stderr.split()[-1]) * 1024 > 300 << 20
