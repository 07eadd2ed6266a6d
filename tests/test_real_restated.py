"""A real paper stating one figure twice agrees with itself (check `restated`); a fund's balance it carries
forward in words adds up (check `prose_sums`, field `fund_balance`).

Born-digital PDFs of dev papers of corpus/real/split.json; expectations written from the source
text of ../shared/realdev (cited by file:line).
"""

from __future__ import annotations

import pytest

from pipeline.model import Discrepancy, Document
from tests.realdev import needs_realdev, own_sentences, run_dev_papers

PAPERS = ("20_ga-protokoll-inackorderingsbidrag-2025", "26_ks-protokoll-uppstart-asaberg-bmss",
          "33_ks-protokoll-kommunbudget-2026", "34_ks-protokoll-exploateringsavtal-castellum-varla",
          "37_teknik-arsredovisning-2024-arets-resultat")
pytestmark = needs_realdev


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Document], list[Discrepancy]]:
    return run_dev_papers(list(PAPERS), "born-digital", tmp_path_factory.mktemp("restated"))


def restated(findings: list[Discrepancy], doc: Document, field: str) -> dict[int | float | str, list[str]]:
    """A paper's restated values: value -> the words of each statement, as read."""
    return {f.values[0].value: [v.evidence.text_repaired.strip(" .,") for v in f.values if v.evidence]
            for f in findings if f.check == "restated" and f.field == field and f.values[0].doc_id == doc.doc_id}


def test_decision_and_beslutsgang_state_the_same_monthly_amount(batch) -> None:
    docs, findings = batch
    # 20:15 "1 960 kronor/månad i nio månader"; 20:33 "1960 kr/månaden för nio månader"
    assert restated(findings, docs["20"], "amount") == {1960: ["1 960 kronor/månad", "1960 kr/månaden"]}
    assert all(f.severity == "ok" and f.kind == "agreement" for f in findings if f.check == "restated")


def test_a_date_in_the_text_agrees_with_the_listed_beslutsunderlag(batch) -> None:
    docs, findings = batch
    # 26:22 "beslutade den 23 januari 2024"; 26:40 "Kommunstyrelsen 2024-01-23, § 16"
    assert restated(findings, docs["26"], "date") == {"2024-01-23": ["den 23 januari 2024", "2024-01-23"]}
    # 34:34 "Den 26 september 2023 beslutade"; 34:68 "Kommunstyrelsen 2023-09-26, § 200";
    # 34:18 "… 2025-04-25." and 34:55 "Exploateringsavtal, undertecknat av bolagen 2025-04-25"
    assert restated(findings, docs["34"], "date") == {"2023-09-26": ["Den 26 september 2023", "2023-09-26"],
                                                      "2025-04-25": ["2025-04-25", "2025-04-25"]}


def test_borrowing_limit_stated_twice_agrees(batch) -> None:
    docs, findings = batch
    # 33:43 "inom ett totalbelopp på 1 400 miljoner"; 33:69 "inte överstiga totalbeloppet 1 400 miljoner kronor 2026"
    assert restated(findings, docs["33"], "amount")[1_400_000_000] == ["1 400 miljoner", "1 400 miljoner kronor"]


def test_text_results_agree_with_their_table_rows_and_a_recurring_figure_of_another_role_stays_out(batch) -> None:
    docs, findings = batch
    amounts = restated(findings, docs["37"], "amount")
    # 37:14 "resultat för 2024 om 0,2 miljoner kronor" = 37:47 "| Avvikelse | -4,7 | -4,8 | 0,2 |"
    # 37:26 "utfall för perioden på -10,3 miljoner kronor" = 37:54 "| Netto | 11,7 | -8,1 | -10,3 |"
    # 37:68 "utfall för perioden på -2,7 miljoner kronor" = 37:100 "| Netto | -7,3 | -5,9 | -2,7 |"
    # 37:84 and 37:90 the bredband result "-1,3 mnkr"; 37:68-69 "budgeterat resultat på - 1,3 miljoner
    # kronor" (Avfall's budget) is another figure, and the Netto row 37:109 holds -1,3 twice (2023, 2024);
    # 37:123 "Helårsutfall är 52,1 mnkr" = 37:163 "| Netto | -76,2 | -189,5 | -52,1 |", a table whose
    # Utgifter (37:162) are all negative
    assert amounts == {200_000: ["0,2 miljoner kronor", "0,2"], -10_300_000: ["-10,3 miljoner kronor", "-10,3"],
                       -2_700_000: ["-2,7 miljoner kronor", "-2,7"], -1_300_000: ["-1,3 mnkr", "-1,3 mnkr"],
                       52_100_000: ["52,1 mnkr", "-52,1"]}


def test_a_funds_balance_carried_forward_adds_up_with_the_years_result(batch) -> None:
    docs, findings = batch
    # 37:26 "ett utfall för perioden på -10,3 miljoner kronor"; 37:35-36 "VA fonden uppgår i bokslutet 2023
    # till 11,1 miljoner kronor"; 37:36+63 "… fonden … justerats ner till 0,8 miljoner kronor efter bokslutet 2024"
    # (37:90-91, "Efter bokslutet uppgår fonden till 2,6 mnkr", states no balance before: nothing)
    carried = [f for f in findings if f.field == "fund_balance"]
    assert [(f.kind, [v.value for v in f.values], [v.label for v in f.values]) for f in carried] == [
        ("sum_matches", [11_100_000, -10_300_000, 800_000], ["balance before", "change", "balance after"])]
    assert carried[0].values[0].doc_id == docs["37"].doc_id
    assert "the fund's balance after" in own_sentences(carried, docs)["en"][0]


def test_a_funds_balance_no_stated_amount_explains_says_nothing(tmp_path) -> None:
    """Made-up figures in the genre's words: the result that moves the fund is stated, then not."""
    from pipeline.cli import main
    from pipeline.model import DiscrepancyReport

    inputs = tmp_path / "in"
    inputs.mkdir()
    text = ("Nämndens årsredovisning 2024\nNämnden redovisar ett resultat på {result} miljoner kronor.\n"
            "Resultatfonden uppgick vid årets början till 5,2 miljoner kronor. Resultatet innebär att\n"
            "resultatfonden minskat till 1,5 miljoner kronor.\n")
    (inputs / "a.txt").write_text(text.format(result="-3,7"), encoding="utf-8")
    (inputs / "b.txt").write_text(text.format(result="-2,9"), encoding="utf-8")
    assert main(["run", str(inputs), "--out", str(tmp_path / "out"), "--no-progress"]) == 0
    report = DiscrepancyReport.model_validate_json((tmp_path / "out" / "discrepancies.json").read_text(encoding="utf-8"))
    carried = [f for f in report.findings if f.field == "fund_balance"]
    assert [[v.value for v in f.values] for f in carried] == [[5_200_000, -3_700_000, 1_500_000]]
