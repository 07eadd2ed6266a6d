"""A correction a real paper states in words (check `corrections`).

Born-digital PDFs of dev papers of corpus/real/split.json; expectations written from the source
text of ../shared/realdev (cited by file:line).
"""

from __future__ import annotations

import pytest

from pipeline.facts.text import any_cue, fold
from pipeline.model import Discrepancy, Document
from pipeline.rules import load_rules
from tests.realdev import needs_realdev, run_dev_papers

PAPERS = ("22_ga-protokoll-ike-niu-2025", "23_ga-protokoll-ike-gymnasieskola-2026",
          "36_ks-protokoll-samordningsforbundet-halland-2024")


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Document], list[Discrepancy]]:
    return run_dev_papers(list(PAPERS), "born-digital", tmp_path_factory.mktemp("corrections"))


@needs_realdev
def test_a_price_the_paper_says_was_wrong_is_reported_with_the_figure_it_gives(batch) -> None:
    docs, findings = batch
    # 22:24-25 "… har ett / fel upptäckts i prislistan vilket behöver rättas."; 22:27 "har räknats upp från ett
    # felaktigt gammalt värde och ska istället vara 17 100 kr/år"
    corrections = [f for f in findings if f.check == "corrections"]
    assert [(f.kind, f.severity, f.details["paper_id"]) for f in corrections] == [
        ("within_paper_conflict", "warning", docs["22"].doc_id)]
    said = [str(v.value) for v in corrections[0].values if v.label == "correction stated"]
    assert said == ["fel upptäckts i prislistan vilket behöver rättas.",
                    "har räknats upp från ett felaktigt gammalt värde och ska istället vara 17 100 kr/år"]
    assert [v.value for v in corrections[0].values if v.label != "correction stated"] == [17_100]
    assert all(v.evidence is not None and v.evidence.bbox is not None for v in corrections[0].values)
    # 23 (next year's prislista) and 36 ("Revisionsberättelse ska lämnas …", 36:34) state no correction


@pytest.mark.parametrize(("line", "correction"), [
    ("Rättelse: beloppet ska rätteligen vara 25 000 kronor.", True),
    ("Ett fel har upptäckts i bilaga 2.", True),
    ("Revisionsberättelse ska lämnas till förbundsmedlemmarna", False),  # 36:34: "berättelse" is no "rättelse"
    ("för att undvika felaktiga utbetalningar", False),
])
def test_correction_cues(line: str, correction: bool) -> None:
    assert (any_cue(load_rules().checks.corrections.cues, fold(line)) is not None) == correction
