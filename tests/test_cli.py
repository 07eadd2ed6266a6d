"""The `papers` command: exit codes, bad inputs, re-runs, schema, documentation."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.cli import COMMANDS, main
from tests.conftest import FIXTURES, ROOT

BAD_BATCH = FIXTURES / "bad-batch"


@pytest.fixture(scope="module")
def bad_batch_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("bad")
    return out, main(["run", str(BAD_BATCH), "--out", str(out), "--no-progress", "--jobs", "1"])


def test_bad_inputs_fail_alone_with_exit_1(bad_batch_run):
    out, code = bad_batch_run
    assert code == 1
    manifest = json.loads((out / "manifest.json").read_text())
    by_path = {e["path"]: e for e in manifest["inputs"]}
    assert by_path["good.txt"]["status"] == "ok"
    assert (out / "documents" / f"{by_path['good.txt']['doc_id']}.json").is_file()
    expected_failures = {"corrupt.pdf", "empty.pdf", "encrypted.pdf", "notes.docx", "truncated.pdf"}
    assert {p for p, e in by_path.items() if e["status"] == "failed"} == expected_failures
    for name in expected_failures:
        error = by_path[name]["error"]
        assert error["stage"] == "ingest" and error["code"] == "E100" and error["message"]
    assert "encrypted" in by_path["encrypted.pdf"]["error"]["message"]
    assert "empty" in by_path["empty.pdf"]["error"]["message"]
    assert "unsupported file type" in by_path["notes.docx"]["error"]["message"]


def test_rerun_skips_done_documents(tmp_path, caplog):
    source = tmp_path / "in"
    source.mkdir()
    shutil.copy(BAD_BATCH / "good.txt", source / "good.txt")
    out = tmp_path / "out"
    assert main(["run", str(source), "--out", str(out), "--no-progress"]) == 0
    first = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    with caplog.at_level("INFO"):
        assert main(["run", str(source), "--out", str(out), "--no-progress"]) == 0
    assert "1 skipped as unchanged" in caplog.text
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == first


def test_usage_errors_exit_2(tmp_path):
    assert main(["run", str(tmp_path / "missing"), "--out", str(tmp_path / "o")]) == 2
    assert main(["run", "--out", str(tmp_path)]) == 2
    assert main(["bogus"]) == 2
    assert main(["reconcile", str(tmp_path)]) == 2
    (tmp_path / "a-file").write_text("x")
    assert main(["run", str(tmp_path), "--out", str(tmp_path / "a-file")]) == 2


def test_schema_command_prints_every_schema(capsys):
    assert main(["schema"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert {"document", "manifest"} <= set(printed)
    assert printed["document"]["properties"]["schema_version"]


def test_console_script_ends_with_the_exit_code_and_everything_written(tmp_path):
    """The console script skips the interpreter's teardown: what it printed and logged must still arrive whole."""
    command = [sys.executable, "-m", "pipeline.cli"]
    schema = subprocess.run([*command, "schema"], capture_output=True, text=True, cwd=ROOT)
    assert schema.returncode == 0
    assert {"document", "manifest"} <= set(json.loads(schema.stdout))  # tens of KB of JSON, flushed before the exit
    missing = subprocess.run([*command, "run", str(tmp_path / "missing"), "--out", str(tmp_path / "o")],
                             capture_output=True, text=True, cwd=ROOT)
    assert missing.returncode == 2
    assert "missing" in missing.stderr and missing.stderr.endswith("\n")


PAGE_STACK = ("sorted(m for m in sys.modules if m.split('.')[0] in {'cv2', 'pdfplumber', 'pdfminer', 'pikepdf', 'lxml', 'pypdfium2'}"
              " or m in {'pipeline.ocr', 'pipeline.prepare', 'pipeline.searchable_pdf', 'pipeline.alto', 'pipeline.ingest_pdf'})")
"""The modules of the PDF and image stack that a run imports, as an expression of a `python -c` script."""


def test_a_run_of_text_inputs_imports_no_pdf_or_image_stack(tmp_path):
    """OpenCV, pdfplumber, pikepdf, lxml, pypdfium2 and the modules that read pages with them are imported where a PDF
    or an image needs them: a run of text files (one process: `--jobs 1`) never loads them. In a fresh
    interpreter: this one has them from other tests."""
    source = tmp_path / "in"
    source.mkdir()
    for seed in sorted((ROOT / "corpus" / "sources").glob("00[04]_*.txt")):
        shutil.copy(seed, source / seed.name)
    out = tmp_path / "out"
    script = ("import sys\nfrom pipeline.cli import main\n"
              f"code = main(['run', {str(source)!r}, '--out', {str(out)!r}, '--no-progress', '--jobs', '1'])\n"
              f"print(code, {PAGE_STACK})\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT)
    assert done.stdout == "0 []\n", done.stderr
    entries = json.loads((out / "manifest.json").read_text())["inputs"]
    assert [(e["status"], e["media_type"]) for e in entries] == [("ok", "text/plain")] * 2


IOP_HEAD = "Idéburet offentligt partnerskap med Föreningen Mötesplatsen\n"


def findings_of_papers(tmp_path: Path, papers: dict[str, str]) -> list[dict]:
    """`papers run` on plain-text papers written for a test; the findings of discrepancies.json."""
    (tmp_path / "in").mkdir()
    for name, text in papers.items():
        (tmp_path / "in" / name).write_text(text, encoding="utf-8")
    assert main(["run", str(tmp_path / "in"), "--out", str(tmp_path / "out"), "--no-progress", "--jobs", "1"]) == 0
    return json.loads((tmp_path / "out" / "discrepancies.json").read_text())["findings"]


def test_a_share_restated_as_a_percentage_is_checked_against_the_total(tmp_path):
    """An IOP paper written for this test: each party's share and, after it, its percentage."""
    findings = findings_of_papers(tmp_path, {"iop.txt": (
        "Tjänsteskrivelse\nDatum 2025-03-03\n\n" + IOP_HEAD + "\nBeskrivning av ärendet\nPartnerskapets totala värde "
        "uppgår till 600 000 kronor per år. Kommunens del är 360 000 kronor per år, vilket motsvarar 65 procent.\n"
        "Föreningen bidrar med ideella insatser motsvarande 240 000 kronor per år, det vill säga 40 procent av det "
        "totala värdet.\n")})
    checked = {(f["kind"], f["field"]) for f in findings if f["check"] == "share_percentage"}
    assert checked == {("share_mismatch", "percentage:municipal_share"), ("share_matches", "percentage:partner_share")}


def test_a_share_two_papers_of_one_case_state_differently_is_one_conflict(tmp_path):
    """A tjänsteskrivelse and the protokoll deciding it (one Dnr, one partnership), written for this test."""
    findings = findings_of_papers(tmp_path, {
        "ts.txt": ("Tjänsteskrivelse\nDatum 2025-03-03\nDiarienummer SN-2025-00041\n\n" + IOP_HEAD + "\nBeskrivning av "
                   "ärendet\nPartnerskapets totala värde uppgår till 454 000 kronor per år. Kommunens del är 230 000 "
                   "kronor per år och föreningens egen insats 224 000 kronor per år.\n"),
        "protokoll.txt": ("Protokoll\nSocialnämnden\nSammanträdesdatum 2025-04-16\n\n§ 45 Dnr SN-2025-00041\n" + IOP_HEAD
                          + "\nBeslut\nSocialnämnden beslutar att ingå partnerskapet. Kommunens del är 250 000 kronor per år.\n")})
    conflicts = [f for f in findings if f["kind"] == "conflict"]
    assert [(f["field"], sorted(v["value"] for v in f["values"])) for f in conflicts] == [
        ("amount:municipal_share", [230_000, 250_000])]


PROTOKOLL = ("Protokoll\nKultur- och fritidsnämnden\nSammanträdesdatum 2025-05-20\n\n§ 61 Dnr KFN-2025-00102\n"
             "Bidrag till Alingsås Konstförening 2025\n\nBeslut\nKultur- och fritidsnämnden beviljar Alingsås Konstförening "
             "ett verksamhetsbidrag om 85 000 kronor för 2025.\n\nBeskrivning av ärendet\nFöreningen har ansökt om 120 000 "
             "kronor.\n\nBeslutsgång\nOrdföranden frågar om nämnden kan bifalla förvaltningens förslag om ett bidrag på {} "
             "och finner att så sker.\n")


@pytest.mark.parametrize(("procedure", "conflicts"), [
    ("80 000 kronor", [("amount:grant", [80_000, 85_000])]),
    ("85 000 kronor", []),  # the same figure: an agreement, not a conflict
    ("80 000 kronor eller 85 000 kronor", []),  # two proposals put to the vote: which one won is the decision's to say
])
def test_a_protokolls_decision_is_read_against_its_beslutsgang(tmp_path, procedure, conflicts):
    """A protokoll paragraph written for this test."""
    findings = findings_of_papers(tmp_path, {"p.txt": PROTOKOLL.format(procedure)})
    assert [(f["field"], sorted(v["value"] for v in f["values"])) for f in findings
            if f["kind"] == "within_paper_conflict"] == conflicts
    said = "beslutsgången som ledde fram till det nämner" in (tmp_path / "out" / "report.html").read_text()
    assert said == bool(conflicts)  # the report says which part states which


FEES = ("Tjänsteskrivelse\nDatum 2025-03-04\nDiarienummer KFN-2025-00031\n\nAvgifter för simhallen 2026\n\n"
        "Förslag till beslut\nKultur- och fritidsnämnden beslutar att höja entréavgiften för vuxna från 60 kronor till 65 "
        "kronor, en höjning med 8,3 procent.\n\nBeskrivning av ärendet\nÅrskortet höjs från 1 200 kronor till 1 260 "
        "kronor, vilket motsvarar en ökning med {}.\nHyran för bassängen ökar från 2 500 kronor per timme till 2 700 "
        "kronor per timme (en ökning med 8 procent).\nTaxan för skolbad höjs från 40 kronor till 44 kronor och avgiften\n"
        "för föreningar höjs med 15 procent.\n")


@pytest.mark.parametrize(("stated", "mismatch"), [
    ("5 procent", []),
    ("6 procent", [(1200, 1260, 6.0)]),  # 5 % worked out: the text is wrong
    ("5 %", []),
    ("cirka 5,5 procent", []),  # an approximate figure is given a point either way
])
def test_a_change_stated_as_a_percentage_is_worked_out(tmp_path, stated, mismatch):
    """A fees paper written for this test: three changes stated as "från X till Y" and their percentage;
    the fourth percentage names another fee's change, not the one before it."""
    findings = [f for f in findings_of_papers(tmp_path, {"avgifter.txt": FEES.format(stated)}) if f["field"] == "change"]
    assert len(findings) == 3
    assert [tuple(v["value"] for v in f["values"]) for f in findings if f["kind"] == "share_mismatch"] == mismatch
    assert all(f["severity"] == ("warning" if f["kind"] == "share_mismatch" else "ok") for f in findings)
    report = (tmp_path / "out" / "report.html").read_text().replace("\u00a0", " ")
    assert "Från 60 kr till 65 kr (s. 1) är en förändring med +8,3 %; handlingen anger 8,3 % (en ökning)" in report
    assert ("det stämmer inte" in report) == bool(mismatch)


def test_a_change_in_the_wrong_direction_does_not_match(tmp_path):
    """A "sänkning" to a higher figure is no sänkning, whatever the percentage."""
    findings = findings_of_papers(tmp_path, {"a.txt": FEES.format("5 procent").replace(
        "en höjning med 8,3 procent", "en sänkning med 8,3 procent")})
    assert [(f["kind"], f["values"][0]["value"]) for f in findings if f["field"] == "change" and f["kind"] == "share_mismatch"] == [
        ("share_mismatch", 60)]


def test_a_deficit_and_the_negative_result_of_another_paper_are_one_amount(tmp_path):
    """A tjänsteskrivelse and the protokoll deciding it, written for this test: one states the deficit
    without a sign, the other prints the result with the genre's en dash minus."""
    findings = findings_of_papers(tmp_path, {
        "ts.txt": "Tjänsteskrivelse\nDatum 2025-02-07\nDiarienummer SN-2025-00037\n\nResultatdisponering 2024\n\n"
                  "Beskrivning av ärendet\nSocialnämnden redovisar för 2024 ett underskott om 3,7 miljoner kronor "
                  "gentemot budgeten.\n",
        "prot.txt": "Protokoll\nSocialnämnden\nSammanträdesdatum 2025-02-20\n\n§ 9 Dnr SN-2025-00037\n"
                    "Resultatdisponering 2024\n\nBeslut\nSocialnämnden godkänner resultatdispositionen för 2024.\n\n"
                    "Beskrivning av ärendet\nNämnden redovisar ett resultat på – 3,7 miljoner kronor för 2024.\n"})
    agreed = [f for f in findings if f["kind"] == "agreement" and f["check"] == "cases"]
    assert [sorted(v["value"] for v in f["values"]) for f in agreed] == [[-3_700_000, 3_700_000]]
    assert not [f for f in findings if f["kind"] in ("conflict", "changed_between_periods")]
    assert "anger beloppet som ett underskott" in (tmp_path / "out" / "report.html").read_text()


def test_a_total_after_the_span_it_runs_over_is_the_yearly_amount_over_whole_years(tmp_path):
    """An IOP agreement written for this test: its period in whole years ("för åren 2025–2027"), the
    municipality's yearly amount and its sum over the agreement's term ("per år under överenskommelsens
    giltighetstid, sammanlagt …"): that sum is the yearly amount three times, not the partnership's value
    of which the parties' shares would fall short."""
    findings = findings_of_papers(tmp_path, {"iop.txt": (
        "Överenskommelse om idéburet offentligt partnerskap mellan Kristinebergs kommun och Föreningen Tranan\n\n"
        "Dnr SN 2024/310\n\n1. Giltighetstid\nÖverenskommelsen gäller för åren 2025–2027.\n\n2. Ekonomi\n"
        "Kommunen bidrar med 600 000 kronor per år under överenskommelsens giltighetstid, sammanlagt 1 800 000 kronor.\n"
        "Föreningen bidrar med ideella insatser som motsvarar cirka 150 000 kronor per år.\n")})
    totals = [(f["kind"], f["details"]["times"]) for f in findings if f["field"] == "period_total"]
    assert totals == [("sum_matches", 3)]
    assert not [f for f in findings if f["severity"] in ("error", "warning")]


def test_a_rate_restated_per_another_period_is_worked_out(tmp_path):
    """Two IOP tjänsteskrivelser written for this test restate the municipality's payment per year
    and per month: one right (25 000 × 12), one not (a year of 380 000 is 31 667 a month, not 30 000)."""
    head = "Tjänsteskrivelse\nDatum: 2025-05-14\nDiarienummer: SN 2025/{n}\n\nPartnerskap med Föreningen {name}\n\nÄrendet\n"
    findings = findings_of_papers(tmp_path, {
        "a.txt": head.format(n=88, name="Stödcentrum Väst")
        + "Kommunen ersätter föreningen med 25 000 kronor per månad, vilket motsvarar 300 000 kronor per år.\n",
        "b.txt": head.format(n=89, name="Läxhjälpen")
        + "Kommunens bidrag är 380 000 kronor per år, det vill säga 30 000 kronor per månad.\n"})
    restated = sorted((f["kind"], f["severity"], f["details"]["worked"], f["details"]["stated"])
                      for f in findings if f["field"] == "rate_restated")
    assert restated == [("sum_matches", "ok", 300_000, 300_000), ("sum_mismatch", "warning", 31_667, 30_000)]
    report = (tmp_path / "out" / "report.html").read_text().replace("\u00a0", " ")
    assert "25 000 kr × 12 = 300 000 kr; handlingen anger 300 000 kr (s. 1): det stämmer." in report
    assert "380 000 kr / 12 = 31 667 kr; handlingen anger 30 000 kr (s. 1): en skillnad på -1 667 kr." in report


def test_a_co_financier_counts_in_the_parties_sum_and_a_two_year_total_is_no_yearly_one(tmp_path):
    """Two IOP tjänsteskrivelser written for this test: a region pays a part beside the municipality and
    the association (600 000 + 250 000 + 150 000 = 1 000 000 a year: no conflict of two municipal
    shares), and a total for two years is not the sum of one year's shares."""
    head = "Tjänsteskrivelse\nDatum: 2025-06-11\nDiarienummer: SN 2025/{n}\n\nIdéburet offentligt partnerskap med Föreningen {name}\n\nEkonomi\n"
    findings = findings_of_papers(tmp_path, {
        "b.txt": head.format(n=204, name="Matbanken Syd")
        + "Partnerskapets totala värde uppgår till 1 000 000 kronor per år. Kommunens del är 600 000 kronor per år. "
          "Föreningens egen insats är 250 000 kronor per år. Därutöver bidrar Region Skåne med 150 000 kronor per år.\n",
        "c.txt": head.format(n=205, name="Jobbsteget")
        + "Kommunens del är 500 000 kronor per år och föreningens egen insats är 100 000 kronor per år. "
          "Det totala värdet av partnerskapet för 2025 och 2026 är 1 200 000 kronor.\n"})
    sums = [(f["kind"], sorted(v["value"] for v in f["values"])) for f in findings if f["check"] == "contributions_sum"]
    assert sums == [("sum_matches", [150_000, 250_000, 600_000, 1_000_000])]
    assert not [f for f in findings if f["severity"] in ("error", "warning")]


def test_a_deficit_a_forecast_implies_is_checked_against_the_budget(tmp_path):
    """A follow-up written for this test: the deficit "vilket innebär" after a forecast is the deviation
    from the budget (123,5 − 120 = 3,5 miljoner kronor), not a second forecast."""
    findings = findings_of_papers(tmp_path, {"upp.txt": (
        "Tjänsteskrivelse\nDatum: 2025-09-15\nDiarienummer: SN 2025/301\n\nUppföljning per augusti 2025\n\n"
        "Sammanfattning\nNämndens budget för 2025 är 120 miljoner kronor. Prognosen visar ett utfall på "
        "123,5 miljoner kronor, vilket innebär ett underskott på 3,5 miljoner kronor.\n")})
    assert [(f["kind"], f["details"]["difference"]) for f in findings if f["field"] == "deviation"] == [("sum_matches", 3_500_000)]


def test_amounts_of_years_a_paper_names_apart_are_no_conflict(tmp_path):
    """IOP papers written for this test state the municipality's share for several years: last year's
    and this year's, year 1 and year 2 of a tapering partnership, and a protokoll next year's. A
    different value of another named year is no conflict, within a paper or between papers."""
    head = "Tjänsteskrivelse\nDatum: 2025-10-01\nDiarienummer: KFN 2025/{n}\n\nIdéburet offentligt partnerskap med Föreningen {name}\n\nÄrendet\n"
    findings = findings_of_papers(tmp_path, {
        "a.txt": head.format(n=310, name="Fritidsgården Ankaret")
        + "Kommunens bidrag för 2024 var 300 000 kronor. Kommunens bidrag för 2025 är 320 000 kronor.\n",
        "b.txt": head.format(n=311, name="Skridskoklubben Isbanan")
        + "Kommunens del år 1 är 200 000 kronor och år 2 är kommunens del 150 000 kronor.\n",
        "c.txt": "Protokoll\nKultur- och fritidsnämnden\nSammanträdesdatum 2025-10-20\n\n§ 88 Dnr KFN 2025/310\n\n"
                 "Beslut\nNämnden beslutar att kommunens bidrag till Föreningen Fritidsgården Ankaret för 2026 ska vara "
                 "330 000 kronor.\n"})
    assert not [f for f in findings if f["kind"] in ("within_paper_conflict", "conflict")]
    years = {v["year"] for r in map(json.loads, (tmp_path / "out" / "records.jsonl").read_text().splitlines())
             for vs in r["amounts"].values() for v in vs}
    assert {"2024", "2025", "2026", "1", "2"} <= years


def test_one_paper_on_two_partnerships_gives_each_its_own_money(tmp_path):
    """A tjänsteskrivelse written for this test proposes two IOPs and names the municipality's money
    to each: two partnerships with their own shares, not one with conflicting municipal shares."""
    findings = findings_of_papers(tmp_path, {"a.txt": (
        "Tjänsteskrivelse\nDatum: 2025-11-10\nDiarienummer: SN 2025/430\n\nIdéburna offentliga partnerskap 2026\n\n"
        "Ärendet\nKommunens bidrag till Föreningen Brottsofferjouren Syd är 200 000 kronor per år. Kommunens bidrag "
        "till Föreningen Kvinnojouren Linnea är 450 000 kronor per år.\n"
        "Föreningen Brottsofferjouren Syd bidrar med ideella insatser motsvarande 60 000 kronor per år och "
        "Föreningen Kvinnojouren Linnea med 120 000 kronor per år.\n")})
    assert not [f for f in findings if f["kind"] == "within_paper_conflict"]
    money = {r["partnership_key"]: {role: [v["value"] for v in vs] for role, vs in r["amounts"].items()}
             for r in map(json.loads, (tmp_path / "out" / "records.jsonl").read_text().splitlines()) if r["amounts"]}
    assert money == {"Föreningen Brottsofferjouren Syd | -": {"municipal_share": [200_000], "partner_share": [60_000]},
                     "Föreningen Kvinnojouren Linnea | -": {"municipal_share": [450_000], "partner_share": [120_000]}}


def test_a_yearly_amount_is_worked_out_over_the_agreements_period(tmp_path):
    """An IOP tjänsteskrivelse written for this test: the municipality's total over three years is right,
    the association's is 50 000 kronor off; its cost list adds up."""
    findings = findings_of_papers(tmp_path, {"ts.txt": (
        "Tjänsteskrivelse\nDatum: 2024-09-02\nDiarienummer: KFN 2024-0211\n\nPartnerskap med Föreningen Hoppet\n\n"
        "Förslag till beslut\nNämnden beslutar att ingå överenskommelsen för perioden 2025-01-01 till och med 2027-12-31.\n\n"
        "Ärendet\nKommunens bidrag uppgår till 400 000 kronor per år, totalt 1 200 000 kronor för hela avtalsperioden.\n"
        "Föreningens egen insats beräknas till 150 000 kronor per år, sammanlagt 500 000 kronor under perioden.\n"
        "Bidraget fördelas enligt följande: lokalhyra 180 000 kronor, personal 170 000 kronor och aktiviteter "
        "50 000 kronor, totalt 400 000 kronor per år.\n")})
    totals = sorted((f["kind"], f["severity"], f["details"]["worked"]) for f in findings if f["field"] == "period_total")
    assert totals == [("sum_matches", "ok", 1_200_000), ("sum_mismatch", "warning", 450_000)]
    assert [f["kind"] for f in findings if f["field"] == "split"] == ["sum_matches"]
    report = (tmp_path / "out" / "report.html").read_text().replace("\u00a0", " ")
    assert "150 000 kr × 3 (2025-01-01 – 2027-12-31) = 450 000 kr; handlingen anger 500 000 kr för hela perioden" in report
    assert "· belopp för hela perioden<" in report  # the card says what was checked in words, not as a code
    assert "180 000 kr + 170 000 kr + 50 000 kr = 400 000 kr; handlingen anger summan 400 000 kr (s. 1): det stämmer" in report
    assert "(180 000 kr + 170 000 kr + 50 000 kr) summeras till 400 000 kr, vilket stämmer med angiven total" in report  # cost items


def test_a_deficit_against_the_grant_that_funds_the_activity_is_worked_out(tmp_path):
    """A follow-up of a partnership written for this test: the association's costs against the
    municipality's grant give the deficit the text states."""
    findings = findings_of_papers(tmp_path, {"upp.txt": (
        "Tjänsteskrivelse\nDatum: 2025-03-10\nDiarienummer: SN 2025-0088\n\nUppföljning av partnerskapet med "
        "Föreningen Hoppet 2024\n\nÄrendet\nKommunens bidrag för 2024 var 400 000 kronor. Föreningen har redovisat "
        "kostnader om 432 500 kronor, vilket innebär ett underskott om 32 500 kronor.\n")})
    agreed = [f for f in findings if f["field"] == "deviation"]
    assert [(f["kind"], [v["value"] for v in f["values"]]) for f in agreed] == [("sum_matches", [432_500, 400_000, 32_500])]


@pytest.mark.parametrize(("stated", "kind"), [("1,2 procent", "share_matches"), ("2 procent", "share_mismatch"),
                                             ("cirka 1,5 procent", "share_matches")])
def test_a_figure_restated_as_a_share_of_the_budget_is_worked_out(tmp_path, stated, kind):
    """A follow-up written for this test: a forecast deficit as a share of the budget the paper states."""
    findings = findings_of_papers(tmp_path, {"prognos.txt": (
        "Tjänsteskrivelse\nDatum: 2025-05-12\nDiarienummer: SN 2025-0102\n\nUppföljning och prognos april 2025\n\n"
        "Ärendet\nSocialnämndens budget för 2025 uppgår till 1 040 miljoner kronor.\nNämnden prognostiserar ett "
        f"underskott på 12,5 miljoner kronor, vilket motsvarar {stated} av budgeten.\n")})
    checked = [(f["kind"], [v["value"] for v in f["values"]]) for f in findings if f["field"] == "named_share"]
    assert [(k, values[0], values[2]) for k, values in checked] == [(kind, 12_500_000, 1_040_000_000)]


def test_committed_schemas_match_models():
    from pipeline.schema import SCHEMA_DIR, schema_text, schemas

    for name, schema in schemas().items():
        assert (SCHEMA_DIR / f"{name}.schema.json").read_text() == schema_text(schema), name


def test_every_command_is_documented_in_readme():
    readme = (ROOT / "README.md").read_text()
    for command in COMMANDS:
        assert re.search(rf"papers {command}\b", readme), command


def test_repair_command_prints_one_repaired_line_per_line(tmp_path, capsys):
    damaged = tmp_path / "damaged.txt"
    damaged.write_text("Arende\n\nDenna IOPs totala virde 4r 454 000 kr/ ar.\nCovid-19 1 100 000\n", encoding="utf-8")
    assert main(["repair", str(damaged)]) == 0
    lines = capsys.readouterr().out.split("\n")
    assert lines[:4] == ["Ärende", "", "Denna IOPs totala värde är 454 000 kr/ år.", "Covid-19 1 100 000"]


def test_repair_command_refuses_an_unreadable_file(tmp_path):
    assert main(["repair", str(tmp_path / "missing.txt")]) == 2


def test_blank_page_is_retried_then_warned_and_the_document_stays_ok(tmp_path):
    from PIL import Image

    source = tmp_path / "in"
    source.mkdir()
    Image.new("L", (1240, 1754), 255).save(source / "blank.png", dpi=(150, 150))
    out = tmp_path / "out"
    assert main(["run", str(source), "--out", str(out), "--no-progress", "--jobs", "1"]) == 0
    (entry,) = json.loads((out / "manifest.json").read_text())["inputs"]
    assert entry["status"] == "ok" and entry["page_kinds"] == ["ocr"]
    assert entry["warnings"] == ["page 1: near_empty"]


def test_an_ocr_failure_fails_its_document_alone(tmp_path, monkeypatch):
    """A stub engine that crashes on one scan: that input fails in stage ocr, the rest complete."""
    from pipeline.errors import OcrError
    from tests.conftest import CORPUS_INPUTS

    source = tmp_path / "in"
    source.mkdir()
    shutil.copy(CORPUS_INPUTS / "images" / "000-iop-ikf-p1.png", source / "scan.png")
    shutil.copy(BAD_BATCH / "good.txt", source / "good.txt")

    def crash(job):
        raise OcrError("Tesseract crashed (stub)", doc_id=job.doc_id)

    monkeypatch.setattr("pipeline.ocr.ocr_page", crash)
    out = tmp_path / "out"
    assert main(["run", str(source), "--out", str(out), "--no-progress", "--jobs", "1"]) == 1
    by_path = {e["path"]: e for e in json.loads((out / "manifest.json").read_text())["inputs"]}
    assert by_path["good.txt"]["status"] == "ok"
    assert by_path["scan.png"]["status"] == "failed"
    assert by_path["scan.png"]["error"] == {"stage": "ocr", "code": "E200", "message": "Tesseract crashed (stub)"}
