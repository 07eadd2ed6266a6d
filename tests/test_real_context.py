"""What the real development papers state through their context: a date without its year, a date two
papers of a case share, a role a clause or a split gives, a table that signs spending negative.

Born-digital PDFs of dev papers of corpus/real/split.json; expectations written from the source
text of ../shared/realdev (cited by file:line).
"""

from __future__ import annotations

import pytest

from pipeline.model import Discrepancy, Document, Fact
from tests.realdev import needs_realdev, run_dev_papers

PAPERS = ("05_ifo-protokoll-donationsfond-2024", "06_ks-protokoll-donationsfond-2024-ifo",
          "19_kultur-protokoll-hogsta-avgifter-badhus",
          "07_ifo-protokoll-donationsfond-2025", "08_ks-protokoll-donationsfond-2025-ga",
          "26_ks-protokoll-uppstart-asaberg-bmss", "29_ks-protokoll-anmalan-delegeringsbeslut",
          "32_ks-protokoll-apriluppfoljning-2025-kommunen",
          "33_ks-protokoll-kommunbudget-2026", "36_ks-protokoll-samordningsforbundet-halland-2024",
          "37_teknik-arsredovisning-2024-arets-resultat")
pytestmark = needs_realdev


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Document], list[Discrepancy]]:
    return run_dev_papers(list(PAPERS), "born-digital", tmp_path_factory.mktemp("context"))


def dates(doc: Document) -> list[tuple[str, str, str, bool]]:
    return [(str(f.value), f.text.strip(" .,"), f.role or "", f.attrs.get("year_inferred") == "true")
            for f in doc.facts if f.kind == "date"]


def amounts(doc: Document, text: str) -> list[Fact]:
    return [f for f in doc.facts if f.kind == "amount" and f.text.strip(" .,") == text]


def test_a_day_and_month_without_a_year_take_the_year_their_sentence_names(batch) -> None:
    docs, _ = batch
    # 05:29-30 "för utdelning av medel 2024 per sista / ansökningsdatum 30 oktober"
    assert ("2024-10-30", "30 oktober", "deadline", True) in dates(docs["05"])
    # 06:22-23 "medel 2024 per sista ansökningsdatum den / 30 oktober" in a KS paper of 2025-05-27
    assert ("2024-10-30", "30 oktober", "deadline", True) in dates(docs["06"])
    # 07:24-26 "medel 2025 per sista / ansökningsdatum 31 oktober"
    assert ("2025-10-31", "31 oktober", "deadline", True) in dates(docs["07"])
    # 26:24-25 "lämnas in senast i slutet av november / 2024": a month and its year across a line break
    assert ("2024-11", "november 2024", "deadline", False) in dates(docs["26"])


def test_a_date_two_papers_of_a_case_state_is_an_agreement(batch) -> None:
    docs, findings = batch
    shared = {(frozenset(v.doc_id for v in f.values), str(f.values[0].value))
              for f in findings if f.check == "cases" and f.field == "date"}
    pair = frozenset({docs["05"].doc_id, docs["06"].doc_id})
    # 05:30 "ansökningsdatum 30 oktober" / 06:23 "30 oktober"; 05:49 and 06:37 "… tjänsteskrivelse, 2024-12-04";
    # 05:7 the meeting 2024-12-11 that 06:36 cites ("Familjeomsorg 2024-12-11, § 159")
    assert {(pair, "2024-10-30"), (pair, "2024-12-04"), (pair, "2024-12-11")} <= shared
    # 06:7 and 08:7 are both of the KS meeting 2025-05-27: two own dates say nothing of each other
    assert not any(value == "2025-05-27" for _, value in shared)
    assert all(f.kind == "agreement" and f.severity == "ok" for f in findings if f.check == "cases" and f.field == "date")


def test_a_budgets_surplus_and_the_parts_of_a_budget_are_budget(batch) -> None:
    docs, findings = batch
    doc = docs["33"]
    # 33:88-89 "Budgeten visar ett överskott på 320 miljoner kronor 2026, ett överskott på / 319 miljoner
    # kronor 2027 och ett överskott på 346 miljoner kronor 2028."
    for text in ("319 miljoner kronor", "346 miljoner kronor"):
        assert [f.role for f in amounts(doc, text)] == ["budget"], text
    # 33:21-22 "ett budgeterat resultat 2026 på 320 miljoner kronor" and 33:88: one figure stated twice
    assert [f.role for f in amounts(doc, "320 miljoner kronor")] == ["budget", "budget"]
    restated = [f for f in findings if f.check == "restated" and f.field == "amount" and f.values[0].doc_id == doc.doc_id]
    assert 320_000_000 in {f.values[0].value for f in restated}
    # 33:27-29 "medel för oförutsedda driftmedel till 20 miljoner / kronor som fördelas med tio miljoner till
    # kommunfullmäktige, sex miljoner till / kommunstyrelsen och fyra miljoner …": the parts are the budget's
    for text in ("tio miljoner", "sex miljoner", "fyra miljoner"):
        assert [f.role for f in amounts(doc, text)] == ["budget"], text
    # 33:31-32 "fastställer investeringsvolymen … till 1 472 miljoner kronor netto"
    assert [f.role for f in amounts(doc, "1 472 miljoner kronor")] == ["budget"]
    # 33:33-36 "utlåning av medel till de avgiftsfinansierade / verksamheterna … till 919 miljoner kronor": no fee
    assert [f.role for f in amounts(doc, "919 miljoner kronor")] != ["fee"]
    # 33:68-69 "Den totala / låneskulden får dock inte överstiga totalbeloppet 1 400 miljoner kronor 2026"
    assert [f.role for f in amounts(doc, "1 400 miljoner kronor")] == ["threshold"]
    # 33:67 "uppta nya lån till ett totalbelopp av 350 miljoner kronor": the ceiling of a delegation
    assert [f.role for f in amounts(doc, "350 miljoner kronor")] == ["threshold"]


def test_what_a_follow_up_expects_is_a_forecast(batch) -> None:
    # 32:31 "Kommunen räknar med att investera för drygt 1,1 miljarder kronor."
    assert [f.role for f in amounts(batch[0]["32"], "1,1 miljarder kronor")] == ["forecast"]


def test_a_regulation_row_is_an_adjustment_and_unsigned_spending_agrees_with_its_table(batch) -> None:
    docs, findings = batch
    doc = docs["37"]
    # 37:55 "| Reglering skuld VA-<br>abonnenterna | -11,7 | 8,1 | 10,3 |"; 37:110 "| Reglering fordran<br>abonnenterna | …"
    regulation = [f for f in doc.facts if f.kind == "amount" and f.attrs.get("row_label", "").startswith("Reglering")]
    assert len(regulation) == 9 and {f.role for f in regulation} == {"other"}
    # 37:91 "Efter bokslutet uppgår fonden till 2,6 mnkr"
    assert [f.role for f in amounts(doc, "2,6 mnkr")] == ["balance"]
    # 37:123 "Helårsutfall är 52,1 mnkr" = 37:163 "| Netto | -76,2 | -189,5 | -52,1 |" (37:162 "| Utgifter | -80,2 | …")
    restated = {f.values[0].value: [(v.value, v.evidence.text_repaired.strip(" .,")) for v in f.values]
                for f in findings if f.check == "restated" and f.values[0].doc_id == doc.doc_id}
    assert restated[52_100_000] == [(52_100_000, "52,1 mnkr"), (-52_100_000, "-52,1")]
    # 37:84 "budgeterade 0,9 mnkr" has no signed twin in a table: it stays alone
    assert 900_000 not in restated


def test_an_arbetsutskott_by_abbreviation_a_ministry_of_two_words_and_a_bodys_board(batch) -> None:
    docs, _ = batch
    parties = {d: {str(f.value): f.attrs.get("party_kind") for f in docs[d].facts if f.kind == "party"} for d in ("29", "36")}
    # 29:33 "KSAU 2024-11-05, KSAU 2024-11-12"
    assert parties["29"].get("KSAU") == "committee"
    # 29:39 "Klimat- och näringslivsdepartementets remiss"
    assert parties["29"].get("Klimat- och näringslivsdepartementet") == "public_body"
    # 36:14 "Kommunfullmäktige beviljar styrelsen för Samordningsförbundet i Halland"
    assert parties["36"].get("Styrelsen för Samordningsförbundet i Halland") == "committee"


def test_the_causes_listed_under_a_deviation_are_added_up(batch) -> None:
    docs, findings = batch
    # 37:27 "Avvikelsen från budget är därmed -9,6 miljoner kronor"; 37:28 "… beror främst på"; 37:30-34
    # "-8,4", "4,3", ("Ökade verksamhetskostnader främst:") "-1,6", "-3,8": -9,5, within the rounding of
    # five figures printed to 0,1 mnkr
    (causes,) = [f for f in findings if f.field == "causes" and f.values[0].doc_id == docs["37"].doc_id]
    assert [v.value for v in causes.values] == [-8_400_000, 4_300_000, -1_600_000, -3_800_000, -9_600_000]
    assert (causes.kind, causes.severity, causes.details["sum"]) == ("sum_matches", "ok", -9_500_000)
    # 33 lists no causes under a deviation
    assert not [f for f in findings if f.field == "causes" and f.values[0].doc_id == docs["33"].doc_id]


def test_a_deviation_stated_as_a_percentage_finds_its_base_in_a_table_near_it(batch) -> None:
    docs, findings = batch
    shares = {tuple(v.value for v in f.values)
              for f in findings if f.field == "deviation_share" and f.values[0].doc_id == docs["37"].doc_id}
    # 37:27 "Avvikelsen från budget är därmed -9,6 miljoner kronor eller 4,1%", of Tabell 3-2's
    # 37:53 "Kostnader | -184,0 | -213,3 | -234,4" (Utfall 2024; in mnkr by 37:23 "…, miljoner kronor")
    assert (-9_600_000, 4.1, -234_400_000) in shares
    # 37:85 "en avvikelse på -2,2 mnkr eller 5,2%", of 37:108 "Kostnader | -32,8 | -37,5 | -42,1"
    assert (-2_200_000, 5.2, -42_100_000) in shares
    assert all(f.kind == "share_matches" and f.severity == "ok" for f in findings if f.field == "deviation_share")


def test_a_paragraph_sign_read_as_8_still_links_the_ks_paragraph_to_the_namnds(tmp_path_factory: pytest.TempPathFactory) -> None:
    # The photocopy of 05:9 "§ 159 Dnr IF-2024-00352" and of 06:36 "Nämnden för Individ § Familjeomsorg
    # 2024-12-11, § 159", where OCR may read "§" as "8"; 05:30 and 06:23 both state the deadline "30 oktober"
    docs, findings = run_dev_papers(list(PAPERS[:2]), "captures/photocopy-300", tmp_path_factory.mktemp("photocopy"))
    pair = {docs["05"].doc_id, docs["06"].doc_id}
    shared = {str(f.values[0].value) for f in findings
              if f.check == "cases" and f.field == "date" and {v.doc_id for v in f.values} == pair}
    assert "2024-10-30" in shared


def test_a_cited_decision_a_reporting_period_and_a_report_date_by_their_cues(batch) -> None:
    docs, _ = batch
    # 26:40 "Kommunstyrelsen 2024-01-23, § 16": a decision cited by its date and paragraph
    assert ("2024-01-23", "2024-01-23", "decision_ref", False) in dates(docs["26"])
    # 29:14-15 "delegeringsbeslut fattade under / perioden 2024-05-06 till 2024-11-19"
    assert {("2024-05-06", "2024-05-06", "period_start", False),
            ("2024-11-19", "2024-11-19", "period_end", False)} <= set(dates(docs["29"]))
    # 36:55 "Granskningsrapport Samordningsförbundet i Halland per 2024-12-31, 2025-03-21"
    assert ("2024-12-31", "2024-12-31", "period_end", False) in dates(docs["36"])


def test_a_paper_citing_the_old_terms_and_the_new_says_the_period_moves_on(batch) -> None:
    docs, findings = batch
    # 19:42-43 "… simhall tiden 2026-07-01–2033-06-30, daterad 2024-11-29" and 19:51-52 "… simhall
    # tiden 2020-01-01–2026-06-30, daterad 2019-03-15": the new terms start the day after the old end
    moves = [[str(v.value) for v in f.values] for f in findings
             if f.check == "cases" and f.field == "period" and f.values[0].doc_id == docs["19"].doc_id]
    assert moves == [["2020-01-01", "2026-06-30", "2026-07-01", "2033-06-30"]]
    # 29 and 30 report on periods of different papers; 29 alone states no two periods
    assert not [f for f in findings if f.field == "period" and f.key == docs["29"].doc_id]


def test_a_payout_is_checked_against_what_the_fund_has_to_give(batch) -> None:
    docs, findings = batch
    # 08:21-22 "Tillgängligt belopp för utdelning av nämnden för Gymnasium & / Arbetsmarknad är 68 539 kronor för
    # år 2025": what the fund has (read as a grant: see the README's known limits); 08:14 "Kommunstyrelsen
    # beslutar om utdelning av 35 000 kronor"
    funds = [f for f in findings if f.field == "within_funds"]
    assert [(f.kind, f.severity, [(v.label, v.value) for v in f.values]) for f in funds] == [
        ("agreement", "ok", [("paid out", 35_000), ("available", 68_539)])]
    # 06:26 "För 2024 är utdelningsbara medel 49 618 kronor": nothing paid out, no finding
