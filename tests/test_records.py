"""Per-document records: grouping facts into statements about partnerships, and the record rows."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from pipeline.model import PartyRef
from pipeline.records import (
    RECORD_COLUMNS,
    Statement,
    make_record,
    normalize_name,
    records_frame,
    statement_period,
    statements_of,
)
from tests.test_reconcile import F, build_document, corpus_documents


@pytest.fixture(scope="module")
def docs():
    return corpus_documents()


@pytest.mark.parametrize(
    ("name", "normalized"),
    [
        ("Link&pings Stads-\nmission", "linkpings stadsmission"),
        ("Link&pings Stads- mission", "linkpings stadsmission"),
        ("Linköpings  Stadsmission", "linköpings stadsmission"),
        ("Komp-\nletterande språkträning", "kompletterande språkträning"),
        ("Må bra-grupper", "må bragrupper"),
        ("IKF,", "ikf"),
        ("  ", ""),
    ],
)
def test_normalize_name(name, normalized):
    assert normalize_name(name) == normalized


def test_an_agreement_is_one_statement_with_its_parties_programme_and_validity(docs):
    sts, skipped = statements_of(docs["004"])
    assert skipped == []
    [st] = sts
    assert st.group == "document"
    assert [p.name for p in st.parties][:3] == ["Linköpings kommun", "Studieförbundet Bilda Sydöst", "Erikshjälpen Linköping"]
    assert [p.name for p in st.programmes] == ["Bromodellen", "Arena Arbetsmarknad"]  # reconcile picks the one other papers name
    assert (st.valid_from, st.valid_to, st.committee) == ("2024-01-01", "2025-12-31", "Arbetsmarknadsnämnden")
    assert sum(f.kind == "amount" for f in st.facts) == 9
    assert not any(f.kind == "date" for f in st.facts)  # validity is the statement's own field


def test_each_programme_goes_with_the_party_named_before_it(docs):
    sts, _ = statements_of(docs["003"])
    assert sorted((st.parties[0].name, st.programmes[0].name) for st in sts) == [
        ("Stadsmissionen", "Unga forum"),
        ("Studieförbundet Bilda Sydöst", "kompletterande språkträning"),
    ]
    assert all(st.document_date == "2021-03-10" and st.committee == "Bildningsnämnden" for st in sts)


def test_overview_table_rows_carry_their_year(docs):
    sts, _ = statements_of(docs["001"])
    rows = [st for st in sts if st.group.startswith("table")]
    assert len(rows) == 5 and all(st.table_year == 2020 for st in rows)
    period = statement_period(rows[0])
    assert period is not None and (period.start, period.end, period.source) == ("2020-01-01", "2020-12-31", "table_year")


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"valid_from": "2024-01-01", "valid_to": "2025-12-31", "table_year": 2020, "document_date": "2023-11-02"},
         ("2024-01-01", "2025-12-31", "validity")),
        ({"valid_from": "2024-01", "table_year": 2020}, ("2024-01-01", "2024-01-31", "validity")),
        ({"table_year": 2020, "document_date": "2021-03-10"}, ("2020-01-01", "2020-12-31", "table_year")),
        ({"document_date": "2021-03-10"}, ("2021-01-01", "2021-12-31", "document_date")),
        ({}, None),
    ],
)
def test_period_is_validity_else_table_year_else_document_date(fields, expected):
    st = Statement(doc_id="d" * 64, source="s", group="document", parties=(), programmes=(), facts=(), **fields)
    p = statement_period(st)
    assert (p.start, p.end, p.source) == expected if expected else p is None


def test_record_amounts_by_role_with_evidence_and_approx(docs):
    [st] = statements_of(docs["002"])[0]
    rec = make_record(st, parties=(PartyRef(name="Linköpings Stadsmission", canonical="Linköpings Stadsmission"),),
                      programme="Hoppfull framtid", key="Linköpings Stadsmission | Hoppfull framtid", paper_id=st.doc_id,
                      version_role="primary", qualify={"Linköpings Stadsmission": "Linköpings Stadsmission"},
                      approx_markers=("ca", "cirka"))
    assert [(v.sek, v.period) for v in rec.amounts["total_value"]] == [(2080500, "per_year")]
    assert [v.sek for v in rec.amounts["municipal_share"]] == [1100000, 1100000]
    assert rec.amounts["total_value"][0].evidence.text_repaired.startswith("2 080 500 kr per år")
    pct = {v.value: (v.approx, v.qualifier) for vs in rec.percentages.values() for v in vs}
    assert pct == {47.0: (True, "Linköpings Stadsmission"), 53.0: (True, None)}
    assert rec.doc_id == docs["002"].doc_id and len(rec.doc_id) == 64


def test_facts_without_roles_or_attrs_do_not_break_a_record():
    doc = build_document("bare", [["Föreningen Y får 50 000 kr och 12 deltagare, 3 % mer."]],
                         [F("party", "Föreningen Y", "Föreningen Y"), F("amount", 50000, "50 000 kr"),
                          F("participants", 12, "12 deltagare"), F("percentage", 3.0, "3 %"), F("amount", "fel", "kr och")])
    [st], _ = statements_of(doc)
    rec = make_record(st, parties=(), programme=None, key="Föreningen Y | -", paper_id=doc.doc_id, version_role="primary", qualify={})
    assert [v.sek for v in rec.amounts["other"]] == [50000]
    assert rec.participants["other"][0].value == 12 and rec.percentages["other"][0].value == 3.0
    assert rec.period is None


def test_records_parquet_holds_frames_whose_first_has_no_text_values(docs, monkeypatch):
    # a batch whose first frame of records states no text value, no amount's period and no party: a frame
    # of missing values only must keep the text columns' type, or records.parquet cannot take the next
    # frame (the batch stage stopped on it: "Table schema does not match schema used to create file")
    from pipeline import records
    from pipeline.report import records_parquet

    [st] = statements_of(docs["004"])[0]
    rec = make_record(st, parties=(), programme="Bromodellen", key="k", paper_id=st.doc_id, version_role="primary", qualify={})
    bare = rec.model_copy(update={"amounts": {}, "percentages": {}, "participants": {}, "dates": {}, "programme": None,
                                  "committee": None, "document_date": None, "valid_from": None, "valid_to": None,
                                  "period": None, "doc_id": "e" * 64})
    monkeypatch.setattr(records, "RECORDS_PER_FRAME", 1)
    back = pd.read_parquet(io.BytesIO(records_parquet([bare, rec])))
    assert len(back) == 1 + 9 + 5
    assert back["text_as_scanned"].notna().sum() == 14 and back["programme"].iloc[-1] == "Bromodellen"


def test_records_frame_is_long_form_and_round_trips_through_parquet(docs):
    [st] = statements_of(docs["004"])[0]
    rec = make_record(st, parties=(), programme="Bromodellen", key="k", paper_id=st.doc_id, version_role="primary", qualify={})
    empty = rec.model_copy(update={"amounts": {}, "percentages": {}, "participants": {}, "dates": {}, "doc_id": "e" * 64})
    frame = records_frame([rec, empty])
    assert list(frame.columns) == RECORD_COLUMNS
    assert len(frame) == 9 + 5 + 1  # nine amounts, five percentages, one row for the record without values
    assert str(frame["value_sek"].dtype) == "Int64"
    buf = io.BytesIO()
    frame.to_parquet(buf, index=False)
    back = pd.read_parquet(io.BytesIO(buf.getvalue()))
    assert back["value_sek"].dropna().astype(int).tolist() == frame["value_sek"].dropna().astype(int).tolist()
    assert back.loc[back["role"] == "cost_item", "page"].tolist() == [3, 3, 3, 3]
