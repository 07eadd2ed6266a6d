"""Cases across the real development papers: a yearly matter's papers, and a paragraph deciding another's proposal.

Born-digital PDFs of dev papers of corpus/real/split.json; expectations written from the source
text of ../shared/realdev (cited by file:line).
"""

from __future__ import annotations

import pytest

from pipeline.model import Discrepancy, Document
from pipeline.reconcile.cases import link_cases, paper_units
from pipeline.rules import load_rules
from tests.realdev import needs_realdev, own_sentences, run_dev_papers

PAPERS = ("05_ifo-protokoll-donationsfond-2024", "06_ks-protokoll-donationsfond-2024-ifo",
          "07_ifo-protokoll-donationsfond-2025", "08_ks-protokoll-donationsfond-2025-ga",
          "11_ifo-protokoll-investeringsplan-2026-2035", "12_ifo-protokoll-investeringsplan-2027-2036",
          "22_ga-protokoll-ike-niu-2025", "23_ga-protokoll-ike-gymnasieskola-2026",
          "29_ks-protokoll-anmalan-delegeringsbeslut", "30_ks-protokoll-anmalan-delegeringsbeslut-2025",
          "31_ks-protokoll-uppfoljning-april-2025-ks", "32_ks-protokoll-apriluppfoljning-2025-kommunen")
pytestmark = needs_realdev


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Document], list[Discrepancy]]:
    return run_dev_papers(list(PAPERS), "born-digital", tmp_path_factory.mktemp("cases"))


def between(findings: list[Discrepancy], a: Document, b: Document, field: str) -> list[Discrepancy]:
    return [f for f in findings if f.field == field and {v.doc_id for v in f.values} == {a.doc_id, b.doc_id}]


def test_next_years_plan_is_one_matter_with_moved_title_and_new_dnr(batch) -> None:
    docs, findings = batch
    # 11:10 "Investeringsplan 2026-2035", 11:9 "Dnr IF-2024-00351"; 12:10 "Investeringsplan 2027-2036", "Dnr IF-2025-00365"
    title = between(findings, docs["11"], docs["12"], "title")
    assert [(f.kind, sorted(str(v.value) for v in f.values)) for f in title] == [
        ("changed_between_periods", ["Investeringsplan 2026-2035", "Investeringsplan 2027-2036"])]
    assert [f.kind for f in between(findings, docs["11"], docs["12"], "dnr")] == ["changed_between_periods"]
    # 11:18 and 12:… both "2,5 miljoner per år"
    agreed = between(findings, docs["11"], docs["12"], "amount")
    assert [(f.kind, {v.value for v in f.values}) for f in agreed] == [("agreement", {2_500_000})]


def test_same_title_new_dnr_is_reported(batch) -> None:
    docs, findings = batch
    # 29:9 "Dnr KS-2024-00006" and 30:9 "Dnr KS-2025-00006", both "Anmälan av delegeringsbeslut"
    assert [f.kind for f in between(findings, docs["29"], docs["30"], "dnr")] == ["changed_between_periods"]
    assert not between(findings, docs["29"], docs["30"], "title")  # the same title: nothing moved


def test_ks_paragraph_citing_the_namnds_paragraph_joins_its_case(batch) -> None:
    docs, findings = batch
    # 05:9 "§ 159  Dnr IF-2024-00352", meeting 2024-12-11; 06:36 "… Familjeomsorg 2024-12-11, § 159"
    units = paper_units(list(docs.values()), {d.doc_id: d.doc_id for d in docs.values()},
                        load_rules().checks.cases)
    source = {d.doc_id: d.source[:2] for d in docs.values()}
    by_doc = {source[u.doc_id]: u for u in units}
    assert by_doc["05"].paragraph == ("2024-12-11", "159")
    assert ("2024-12-11", "159") in by_doc["06"].cites
    cases = [{source[u.doc_id] for u in case} for case in link_cases(units, load_rules().checks.cases)]
    assert [case for case in cases if {"05", "06"} <= case]
    # the two registries' Dnr differ by nature: no "new Dnr" between a nämnd and KS
    assert not between(findings, docs["05"], docs["06"], "dnr")


def test_consecutive_reports_periods_move_on_and_the_days_between_are_a_gap(batch) -> None:
    docs, findings = batch
    # 29:15 "perioden 2024-05-06 till 2024-11-19"; 30:15 "perioden 2024-11-27 till 2025-05-20"
    moved = between(findings, docs["29"], docs["30"], "period")
    assert [(f.kind, f.severity, [str(v.value) for v in f.values]) for f in moved] == [
        ("changed_between_periods", "ok", ["2024-05-06", "2024-11-19", "2024-11-27", "2025-05-20"])]
    # 2024-11-20 – 2024-11-26 fall in neither report
    gap = between(findings, docs["29"], docs["30"], "period_gap")
    assert [(f.kind, f.severity, f.details["days"]) for f in gap] == [("changed_between_periods", "warning", 7)]
    # the plans 11 and 12 state no validity dates of their own: no period findings
    assert not between(findings, docs["11"], docs["12"], "period")


def test_next_rounds_paper_with_a_reworded_title_is_one_matter(batch) -> None:
    docs, findings = batch
    # 05:10 "Arvid och Hildur Andersson donationsfond - 2024" (meeting 05:7 2024-12-11); 07:10 "Stiftelsen
    # Arvid och Hildur Andersson donation - 2025" (meeting 07:7 2025-12-10); the Dnr differ
    title = between(findings, docs["05"], docs["07"], "title")
    assert [(f.kind, f.severity) for f in title] == [("changed_between_periods", "ok")]
    assert [f.kind for f in between(findings, docs["05"], docs["07"], "dnr")] == ["changed_between_periods"]
    # 05:30 "ansökningsdatum 30 oktober", 07:26 "ansökningsdatum 31 oktober": the round's deadline moved a day
    moved = between(findings, docs["05"], docs["07"], "deadline")
    assert [(f.kind, f.severity, sorted(str(v.value) for v in f.values)) for f in moved] == [
        ("changed_between_periods", "ok", ["2024-10-30", "2025-10-31"])]
    # 22:10 "Interkommunal ersättning gymnasiet och anpassad gymnasieskola" (2024-12-19); 23:10-11
    # "Interkommunal ersättning 2026 för gymnasieskola och anpassad gymnasieskola" (2025-11-20)
    assert [f.kind for f in between(findings, docs["22"], docs["23"], "title")] == ["changed_between_periods"]


def test_papers_of_one_meeting_are_not_rounds_of_one_matter(batch) -> None:
    docs, _ = batch
    # 31:10 "Uppföljning och prognos april 2025 för kommunstyrelsen", 32:10 "… för Kungsbacka kommun":
    # alike titles, one meeting (both 2025-05-27, line 7), two matters
    units = paper_units(list(docs.values()), {d.doc_id: d.doc_id for d in docs.values()},
                        load_rules().checks.cases)
    source = {d.doc_id: d.source[:2] for d in docs.values()}
    cases = [{source[u.doc_id] for u in case} for case in link_cases(units, load_rules().checks.cases)]
    assert not [case for case in cases if {"31", "32"} <= case]
    # the fund's rounds are one matter, 08 (its other nämnd's part, 08:11 "Utdelning ur Arvid och Hildur
    # Anderssons donationsfond 2025 (Gymnasium & Arbetsmarknad)") with them
    assert {"05", "06", "07", "08"} in cases


def test_a_routine_title_s_long_case_is_compared_round_by_round(batch, monkeypatch) -> None:
    """29 and 30, "Anmälan av delegeringsbeslut" (29:9 "Dnr KS-2024-00006", 30:9 "Dnr KS-2025-00006"), is a
    title a kommunstyrelse reports at every meeting: over the years its case grows with the archive. Each
    paper is compared with the `compare_within` rounds before and after it, so a case of 20 rounds takes
    20 × 6 − 21 = 99 comparisons, not 190; a case of a few rounds is still compared pair by pair."""
    import dataclasses

    from pipeline.reconcile import cases

    docs, _ = batch
    rule = load_rules().checks.cases
    unit = next(u for u in paper_units([docs["29"]], {docs["29"].doc_id: docs["29"].doc_id}, rule))
    rounds = [dataclasses.replace(unit, paper_id=f"{year}-{unit.paper_id}", dnr=f"KS-{year}-00006",
                                  own_date=f"{year}-01-15") for year in range(2000, 2020)]
    compared: list[tuple[str, str]] = []
    monkeypatch.setattr(cases, "_compare_pair", lambda name, a, b, rule: compared.append((a.paper_id, b.paper_id)) or [])
    cases.check_cases([rounds], rule, 100.0)
    years = sorted((int(a[:4]), int(b[:4])) for a, b in compared)
    assert rule.compare_within == 6 and len(years) == 20 * 6 - 21 == 99
    assert years == [(a, b) for a in range(2000, 2020) for b in range(a + 1, min(a + 7, 2020))]
    compared.clear()
    cases.check_cases([rounds[:7]], rule, 100.0)
    assert len(compared) == 21  # 7 rounds: every two


def test_a_decision_leaving_out_a_proposed_clause_is_a_conflict(batch) -> None:
    docs, findings = batch
    # 05:12-18, IFO's paragraph: "Nämnden för Individ & Familjeomsorgs förslag till Kommunstyrelsen" /
    # "Kommunstyrelsen beslutar att ingen utdelning ur Arvid och Hildur Anderssons donationsfond görs för 2024." /
    # "Kommunstyrelsen beslutar om en översyn av möjligheten att ansöka om en permutation av fonden."
    # 06:13-15, KS's decision citing it (06:36 "2024-12-11, § 159"): "Kommunstyrelsen delar inte ut medel ur
    # Arvid och Hildur Anderssons donationsfond avseende nämnden för Individ & Familjeomsorg för 2024." and no more
    decided_on = between(findings, docs["05"], docs["06"], "decision")
    assert sorted((f.kind, f.severity) for f in decided_on) == [("agreement", "ok"), ("conflict", "warning")]
    restated = next(f for f in decided_on if f.kind == "agreement")
    assert [str(v.value).split(" ur ")[0] for v in restated.values] == ["Kommunstyrelsen beslutar att ingen utdelning",
                                                                         "Kommunstyrelsen delar inte ut medel"]
    left_out = [f for f in decided_on if f.kind == "conflict"]
    proposed, decided = left_out[0].values
    assert proposed.doc_id == docs["05"].doc_id and "permutation av fonden" in str(proposed.value)
    assert decided.doc_id == docs["06"].doc_id and str(decided.value).startswith("Kommunstyrelsen delar inte ut medel")
    assert proposed.evidence is not None and proposed.evidence.page == 1 and proposed.evidence.bbox is not None
    # 07 (IFO, 2025-12-10) proposes next year's round to KS and decides nothing of 05's or 06's
    assert sorted(f.id for f in findings if f.field == "decision") == sorted(f.id for f in decided_on)


def test_a_clause_restated_in_other_words_or_misread_is_restated() -> None:
    from pipeline.reconcile.decisions import restated_share

    rule = load_rules().checks.decisions
    proposed = "Kommunstyrelsen beslutar att ingen utdelning ur Arvid och Hildur Anderssons donationsfond görs för 2024."  # 05:14-15
    decided = ("Kommunstyrelsen delar inte ut medel ur Arvid och Hildur Anderssons donationsfond "
               "avseende nämnden för Individ & Familjeomsorg för 2024.")  # 06:14-15
    assert restated_share(proposed, decided, rule) >= rule.min_restated_share
    scanned = decided.replace("Anderssons donationsfond", "Anderssons donati0nsfond").replace("Hildur", "Hiidur")
    assert restated_share(proposed, scanned, rule) == restated_share(proposed, decided, rule)
    permutation = "Kommunstyrelsen beslutar om en översyn av möjligheten att ansöka om en permutation av fonden."  # 05:17-18
    assert restated_share(permutation, decided, rule) < rule.min_restated_share


@pytest.mark.parametrize("by_lines", [False, True])
def test_a_decisions_clauses_are_its_sentences_within_a_line_too(by_lines: bool) -> None:
    """05:14-18's two clauses set on one line, as a text layer may run them together: two clauses, each
    with its line's evidence, also as the batch stage holds the paper (each line one word)."""
    from pipeline.ingest import document_from_lines
    from pipeline.reconcile.decisions import decision_clauses
    from pipeline.segment import segment

    rules = load_rules()
    doc = segment(document_from_lines([
        "Arvid och Hildur Andersson donationsfond - 2024",
        "Nämnden för Individ & Familjeomsorgs förslag till Kommunstyrelsen",
        "Kommunstyrelsen beslutar att ingen utdelning ur Arvid och Hildur Anderssons donationsfond görs för 2024. "
        "Kommunstyrelsen beslutar om en översyn av möjligheten att ansöka om en",
        "permutation av fonden.",
        "Sammanfattning av ärendet", "Nämnden ska ge förslag."], doc_id="t", source="t.txt"), rules)
    doc = doc.by_lines() if by_lines else doc
    clauses = decision_clauses(doc, doc.lines(), rules.checks.decisions)
    assert [(c.text.split(" ur ")[0].split(" om ")[0], c.section, c.proposal, c.evidence.line) for c in clauses] == [
        ("Kommunstyrelsen beslutar att ingen utdelning", "beslut", True, 3),
        ("Kommunstyrelsen beslutar", "beslut", True, 3)]
    assert clauses[1].text.endswith("ansöka om en permutation av fonden.")


def test_a_bodys_share_stated_in_other_words_in_two_papers_of_its_case_matches(batch) -> None:
    docs, findings = batch
    # 06:18-19 "Nämnden för Individ & Familjeomsorg ansvarar för att dela ut två fjärdedelar av / utdelningsbara
    # medel"; 08:19-21 "Nämnden för Gymnasium & Arbetsmarknad ska lämna förslag … om fördelning av hälften av de
    # utdelningsbara medlen", 08:24-25 "Nämnden för Individ & Familjeomsorg ska lämna förslag … om / att fördela
    # resterande utdelningsbara medel": IFO's share is a half in both
    shared = [f for f in findings if f.check == "shares"]
    assert [(f.kind, f.severity, f.details["holder"], f.details["share_a"], f.details["share_b"]) for f in shared] == [
        ("share_matches", "ok", "Nämnden för Individ & Familjeomsorg", "1/2", "1/2")]
    assert "samma andel" in own_sentences(shared, docs)["sv"][0]
    said = {v.doc_id: (v.value, v.evidence.text_repaired) for v in shared[0].values}  # the lines 06:18 and 08:25
    assert said == {docs["06"].doc_id: ("två fjärdedelar av utdelningsbara medel",
                                        "Nämnden för Individ & Familjeomsorg ansvarar för att dela ut två fjärdedelar av"),
                    docs["08"].doc_id: ("resterande utdelningsbara medel", "att fördela resterande utdelningsbara medel.")}


def test_a_share_one_paper_states_otherwise_is_a_mismatch_and_an_unknown_rest_says_nothing(tmp_path) -> None:
    """Two made-up papers of one Dnr: the nämnd's share "tre fjärdedelar", then "hälften"; the rest of what
    no other share divides ("resterande medel" alone) is no share."""
    from pipeline.cli import main
    from pipeline.model import DiscrepancyReport

    inputs = tmp_path / "in"
    inputs.mkdir()
    body = ("Kommunstyrelsen\nDatum 2025-{date}\n§ {para} Dnr KS-2025-00042\nFördelning av bidrag ur fonden\n"
            "Sammanfattning av ärendet\nNämnden för Kultur & Fritid ansvarar för att fördela {share} av\n"
            "fondens avkastning. Nämnden för Service ska fördela resterande medel.\n")
    (inputs / "a.txt").write_text(body.format(date="03-11", para="12", share="tre fjärdedelar"), encoding="utf-8")
    (inputs / "b.txt").write_text(body.format(date="09-16", para="88", share="hälften"), encoding="utf-8")
    assert main(["run", str(inputs), "--out", str(tmp_path / "out"), "--no-progress"]) == 0
    report = DiscrepancyReport.model_validate_json((tmp_path / "out" / "discrepancies.json").read_text(encoding="utf-8"))
    shared = [f for f in report.findings if f.check == "shares"]
    assert [(f.kind, f.severity, f.details["holder"], {f.details["share_a"], f.details["share_b"]}) for f in shared] == [
        ("share_mismatch", "warning", "Nämnden för Kultur & Fritid", {"3/4", "1/2"})]


def test_a_sentence_repeated_from_last_rounds_paper_without_moving_its_time_on_is_stale(batch) -> None:
    docs, findings = batch
    # 22 (GA 2024-12-19), 22:19-20 "GR:s gymnasieekonomnätverk har arbetat fram förslag till prislista under
    # våren 2024"; 23 (GA 2025-11-20), 23:30 the same words, for the next year's prislista
    stale = [f for f in findings if f.field == "stale_text"]
    assert [(f.kind, f.severity, f.details["year"]) for f in stale] == [("conflict", "warning", "2024")]
    later, earlier = stale[0].values
    assert (later.doc_id, earlier.doc_id) == (docs["23"].doc_id, docs["22"].doc_id)
    assert "prislista under våren 2024" in later.evidence.text_repaired
    assert "was not moved on" in own_sentences(stale, docs)["en"][0]
    # a round whose time moved on says nothing: 05:31 "Nämnden föreslår därmed att under 2024 görs ingen
    # utbetalning", 07:27 "… att det under 2025 inte görs någon"


@pytest.mark.parametrize(("line", "number"), [
    ("§ 171  Dnr IF-2025-00365", "171"),  # 12:9
    ("S171 SS Dnr IF-2025-00365", "171"),  # the same in dev 12's worn-200 capture: § run into the number, a speck
    ("$ 108 Dnr KS-2024-00717", "108"),  # dev 33's standard-fax capture
    ("Sida 3 av 5", None), ("S 12 kronor", None)])
def test_a_paragraphs_own_number_as_a_scan_reads_its_sign(line: str, number: str | None) -> None:
    from pipeline.reconcile.cases import _PARAGRAPH

    m = _PARAGRAPH.match(line)
    assert (m and (m.group(1) or m.group(2))) == number
