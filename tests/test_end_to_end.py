"""The main job on the whole corpus: exit code, golden output, schemas, manifest."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from pipeline.privacy import mask_text
from pipeline.rules import load_rules
from pipeline.schema import schemas
from tests.conftest import CORPUS_INPUTS, CORPUS_TRUTH, EXTRACTED


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_corpus_runs_clean(corpus_run):
    out, code = corpus_run
    manifest = json.loads((out / "manifest.json").read_text())
    failed = [e for e in manifest["inputs"] if e["status"] != "ok"]
    assert code == 0, failed
    inputs = sorted(p.relative_to(CORPUS_INPUTS).as_posix() for p in CORPUS_INPUTS.rglob("*") if p.is_file())
    assert [e["path"] for e in manifest["inputs"]] == inputs
    assert len(list((out / "documents").glob("*.json"))) == manifest["counts"]["documents"] == len(inputs)


def test_output_equals_committed_extracted(corpus_run):
    """A fresh run reproduces the committed extracted/ byte for byte (determinism)."""
    out, _ = corpus_run
    fresh, golden = _files(out), _files(EXTRACTED)
    assert sorted(fresh) == sorted(golden)
    differing = [name for name in fresh if fresh[name] != golden[name]]
    assert differing == []


def test_every_output_file_validates(corpus_run):
    out, _ = corpus_run
    available = schemas()
    by_file = {"manifest.json": "manifest", "discrepancies.json": "discrepancies"}
    checked = 0
    for path in sorted(out.rglob("*.json")):
        name = "document" if path.parent.name == "documents" else by_file.get(path.name)
        if name is None or name not in available:
            continue
        jsonschema.validate(json.loads(path.read_text()), available[name])
        checked += 1
    assert checked >= len(list((out / "documents").glob("*.json"))) + 1


def test_outputs_hold_no_machine_specifics(corpus_run):
    out, _ = corpus_run
    for path in out.rglob("*.json"):
        text = path.read_text()
        assert str(out) not in text and "/tmp/" not in text and "/root/" not in text, path


@pytest.mark.parametrize(
    ("path", "kinds"),
    [
        ("born-digital/000-iop-ikf.pdf", {"text"}),
        ("scans-300/000-iop-ikf.pdf", {"ocr"}),
        ("scans-200/004-iop-bilda-erikshjalpen.pdf", {"ocr"}),
        ("images/000-iop-ikf-p1.png", {"ocr"}),
        ("images/003-iop-aterrapportering-p1.tiff", {"ocr"}),
        ("legacy/001-iop-oversikt-legacy-ocr.pdf", {"damaged_text"}),
    ],
)
def test_page_kinds(corpus_run, path, kinds):
    out, _ = corpus_run
    manifest = json.loads((out / "manifest.json").read_text())
    entry = next(e for e in manifest["inputs"] if e["path"] == path)
    assert set(entry["page_kinds"]) == kinds


def test_no_page_lost(corpus_run):
    """Every scanned page yields about as many words as its ground truth holds."""
    out, _ = corpus_run
    manifest = json.loads((out / "manifest.json").read_text())
    checked = 0
    for entry in manifest["inputs"]:
        folder, name = entry["path"].split("/", 1)
        if folder not in ("scans-300", "scans-200"):
            continue
        doc = json.loads((out / "documents" / f"{entry['doc_id']}.json").read_text())
        truth_pages = (CORPUS_TRUTH / (Path(name).stem + ".txt")).read_text().split("\f")
        assert len(doc["pages"]) == len(truth_pages)
        for page, truth in zip(doc["pages"], truth_pages):
            assert "near_empty" not in page["warnings"]
            assert len(page["words"]) >= 0.9 * len(truth.split()), (entry["path"], page["number"])
            checked += 1
    assert checked == 22


def test_a_state_agency_named_in_a_paper_is_a_party_but_no_partner(corpus_run):
    # seed 001 p. 3 (its legacy text layer and scans): "… utifrån folkhälsomyndighetens riktlinjer":
    # the agency is named beside the partnerships, not a party to one
    out, _ = corpus_run
    agencies = {f["value"] for p in (out / "documents").glob("*.json") for f in json.loads(p.read_text())["facts"]
                if f["kind"] == "party" and f["attrs"].get("party_kind") == "public_body"}
    assert "Folkhälsomyndigheten" in agencies
    keys = [json.loads(line)["partnership_key"] for line in (out / "records.jsonl").read_text().splitlines()]
    assert keys and not [k for k in keys if any(a in k for a in agencies)]


def test_evidence_images_exist(corpus_run):
    out, _ = corpus_run
    for path in (out / "documents").glob("*.json"):
        doc = json.loads(path.read_text())
        for page in doc["pages"]:
            assert page["image"] and (out / page["image"]).stat().st_size > 1000
            assert page["image_scale"] > 0


def test_born_digital_text_equals_its_source(corpus_run):
    """The text layer read back from each born-digital PDF is the paper's text, word for word
    (with its personal data masked, as the output holds it)."""
    out, _ = corpus_run
    manifest = json.loads((out / "manifest.json").read_text())
    born = [e for e in manifest["inputs"] if e["path"].startswith("born-digital/")]
    assert len(born) == 4
    for entry in born:
        doc = json.loads((out / "documents" / f"{entry['doc_id']}.json").read_text())
        words = [w["text"] for page in doc["pages"] for w in page["words"]]
        truth = mask_text((CORPUS_TRUTH / (Path(entry["path"]).stem + ".txt")).read_text(), load_rules().privacy).split()
        assert words == truth, entry["path"]


def test_reconcile_command_rebuilds_the_batch_outputs_alone(corpus_run, tmp_path):
    """`papers reconcile DIR` re-creates records, findings and reports from DIR/documents only."""
    import shutil

    from pipeline.cli import main

    out, _ = corpus_run
    copy = tmp_path / "out"
    shutil.copytree(out / "documents", copy / "documents")
    shutil.copytree(out / "evidence", copy / "evidence")
    shutil.copytree(out / "pdf", copy / "pdf")  # the report links each finding to its page there
    assert main(["reconcile", str(copy)]) == 0
    for name in ("records.jsonl", "records.parquet", "records.csv", "discrepancies.json", "report.html", "report.xlsx"):
        assert (copy / name).read_bytes() == (out / name).read_bytes(), name
