"""The real-papers eval matches expected items to found ones, as many as can be, whatever their order."""

from __future__ import annotations

import pytest

from bench.eval_real import pair


@pytest.mark.parametrize("found", [[{"11", "12"}, {"12"}], [{"12"}, {"11", "12"}]])
def test_pairing_does_not_depend_on_the_order_of_the_found_items(found: list[set[str]]) -> None:
    # 12's expected findings (development part): an agreement within the paper (a finding touching it fits)
    # and one with paper 11 (only a finding touching 11 too fits); found: the case's agreement (11 and 12) and
    # the paper's own restated one (12). Taken greedily in order, the case's agreement went to the first
    # expectation and left the second unmatched when the findings came in that order.
    want = [None, "11"]
    pairs = pair(want, found, lambda other, papers: other is None or other in papers, lambda other, papers: (0,))
    assert [(want[i], found[j]) for i, j in pairs] == [(None, {"12"}), ("11", {"11", "12"})]
