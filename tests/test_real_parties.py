"""Parties of the real development papers found by the shape of their names (dev papers only).

Expectations written from the source text of ../shared/realdev (cited by file:line).
"""

from __future__ import annotations

import pytest

from pipeline.model import Document
from tests.realdev import needs_realdev, run_dev_papers

PAPERS = ["05_ifo-protokoll-donationsfond-2024", "07_ifo-protokoll-donationsfond-2025", "35_ks-protokoll-rsg-budgetunderlag-2026", "36_ks-protokoll-samordningsforbundet-halland-2024",
          "37_teknik-arsredovisning-2024-arets-resultat", "20_ga-protokoll-inackorderingsbidrag-2025",
          "21_ga-protokoll-ersattning-friskolor-2025", "22_ga-protokoll-ike-niu-2025", "23_ga-protokoll-ike-gymnasieskola-2026",
          "24_ga-protokoll-ike-vuxenutbildning-2026", "25_ga-protokoll-kapten-menns-fond",
          "33_ks-protokoll-kommunbudget-2026"]
pytestmark = needs_realdev


@pytest.fixture(scope="module")
def docs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Document]:
    return run_dev_papers(PAPERS, "born-digital", tmp_path_factory.mktemp("parties"))[0]


def parties(doc: Document) -> dict[str, str]:
    return {str(f.value): f.attrs.get("party_kind", "") for f in doc.facts if f.kind == "party"}


def test_each_municipality_of_a_list_is_a_party(docs) -> None:
    # 36:23-24 "… Region Halland samt Kungsbacka, Varberg, / Falkenberg, Hylte, Halmstad och Laholms kommuner"
    found = parties(docs["36"])
    for name in ("Varbergs kommun", "Falkenbergs kommun", "Hylte kommun", "Halmstads kommun", "Laholms kommun"):
        assert found.get(name) == "municipality", name


def test_bodies_written_in_lower_case_and_agencies_by_their_ending(docs) -> None:
    # 35:18 "ska förbundsstyrelsen ge medlemskommunerna"; 35:27 "förbundsfullmäktiges budgetbeslut"
    assert {"Förbundsstyrelsen", "Förbundsfullmäktige"} <= set(parties(docs["35"]))
    # 37:76 "Naturvårdsverket för att kommunerna tagit över ansvaret"
    assert parties(docs["37"]).get("Naturvårdsverket") == "public_body"


def test_an_activity_named_by_two_capitalised_words_is_a_municipal_unit(docs) -> None:
    # 37:23 "Utfallsrapport Vatten & Avlopp, miljoner kronor"; 37:65 "… utfall Avfall & återvinning"
    assert parties(docs["37"]).get("Vatten & Avlopp") == "municipal_unit"


def test_the_name_that_ends_a_list_of_municipal_units_is_one_too(docs) -> None:
    # 33:33-34 "… till de avgiftsfinansierade / verksamheterna Vatten & Avlopp, Avfall & Återvinning och Kungsbacka bredband"
    found = parties(docs["33"])
    assert {found.get(n) for n in ("Vatten & Avlopp", "Avfall & Återvinning", "Kungsbacka bredband")} == {"municipal_unit"}


def test_a_word_or_code_before_a_name_is_no_part_of_it(docs) -> None:
    # 05:26 "* Från Släps församling"; 07:9-10 "§ 168  Dnr IF-2025-00342" over "Stiftelsen Arvid och Hildur …"
    assert "Släps församling" in parties(docs["05"]) and not [n for n in parties(docs["05"]) if n.startswith("Från")]
    assert parties(docs["07"]) and not [n for n in parties(docs["07"]) if "IF-2025" in n]


def test_a_recipient_named_by_its_administration_and_task_is_a_municipal_unit(docs) -> None:
    # 20:36-38 "Beslutet skickas till" over "GA ekonomi"; 21:84-85 the same over "GA ekonomi, berörda skolor"
    assert parties(docs["20"]).get("GA ekonomi") == "municipal_unit"
    found = parties(docs["21"])
    assert found.get("GA ekonomi") == "municipal_unit" and not [n for n in found if "skolor" in n]


def test_a_network_of_officials_is_a_municipal_unit_not_an_agency(docs) -> None:
    # 22:19 "GR:s gymnasieekonomnätverk har arbetat"; 22:21 "GR:s utbildningschefsnätverk."
    assert {parties(docs["22"]).get(n) for n in ("GR:s gymnasieekonomnätverk", "GR:s utbildningschefsnätverk")} == {"municipal_unit"}
    # 23:22 "Utbildningschefsnätverket genom Gymnasieekonomnätverket" (under their fuller names of 23:30-31,
    # "GR:s gymnasieekonomnätverk"); 24:65 "Vuxenutbildningsnätverket"
    assert {k for n, k in parties(docs["23"]).items() if "nätverk" in n} == {"municipal_unit"}
    assert parties(docs["24"]).get("Vuxenutbildningsnätverket") == "municipal_unit"


def test_a_federation_of_municipalities_and_a_listed_agency_are_public_bodies(docs) -> None:
    # 36:22 "Samordningsförbundet i Halland är en fristående juridisk organisation"
    assert parties(docs["36"]).get("Samordningsförbundet i Halland") == "public_body"
    # 35:37 "Räddningstjänstförbundet Storgöteborg 2025-03-12, §31"; 24:72 "Göteborgsregionens kommunalförbunds"
    assert parties(docs["35"]).get("Räddningstjänstförbundet Storgöteborg") == "public_body"
    assert parties(docs["24"]).get("Göteborgsregionens kommunalförbund") == "public_body"
    # 25:15 "av stiftelsen Kapten Menns fond hos Länsstyrelsen." (ends as "Kommunstyrelsen" does)
    assert parties(docs["25"]).get("Länsstyrelsen") == "public_body"
