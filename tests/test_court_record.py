"""The court record (issue 15): sessions, examinations, who named whom, on a small graph whose answers are visible.

Each question is also answered by rdflib's own engine (``KG_ENGINE=rdflib``) and must give the same rows: the
grouped sub-queries here are the pattern that made engines disagree before (an aggregate over unbound values).
"""

from __future__ import annotations

import pytest

from kg import paths
from kg.display.network import project
from kg.graph.loader import load
from kg.sparql.questions import run_query

from .conftest import FIXTURE, TURTLE_PREFIXES

COURT = TURTLE_PREFIXES + """
src:t-report a mt:Source , bibo:Report ; dcterms:title "Test Report of Court Proceedings"@en ;
    dcterms:creator "Test Commissariat" ; dcterms:issued "1936" ; mt:sourceKind mt:TrialRecord ; mt:tier mt:OriginalPublication .
src:t-report-beta a mt:Source , bibo:DocumentPart ; dcterms:title "Examination of the accused Beta"@en ;
    dcterms:isPartOf src:t-report ; mt:session session:test-first--1936-08-19-evening ; bibo:pageStart "41" .

session:test-first--1936-08-19-morning a mt:Session ; mt:trial trial:test-first ; mt:edtf "1936-08-19" ;
    mt:sitting mt:MorningSitting ; rdfs:label "Morning session, 19 August 1936"@en ;
    mt:status mt:Established ; prov:wasDerivedFrom src:t-report .
session:test-first--1936-08-19-evening a mt:Session ; mt:trial trial:test-first ; mt:edtf "1936-08-19" ;
    mt:sitting mt:EveningSitting ; rdfs:label "Evening session, 19 August 1936"@en ;
    mt:status mt:Established ; prov:wasDerivedFrom src:t-report .

st:t-exam-beta a mt:Examination ; mt:person person:boris-beta ; mt:trial trial:test-first ;
    mt:session session:test-first--1936-08-19-evening ; mt:examinedAs mt:Accused ;
    mt:status mt:Established ; prov:wasDerivedFrom src:t-report-beta .
st:t-exam-clara a mt:Examination ; mt:person person:clara-gamma ; mt:trial trial:test-first ;
    mt:session session:test-first--1936-08-19-evening ; mt:examinedAs mt:Witness ;
    mt:status mt:Established ; prov:wasDerivedFrom src:t-report .

st:t-named-1 a mt:Testimony ; mt:person person:boris-beta ; mt:against person:anna-alpha ; mt:trial trial:test-first ;
    mt:session session:test-first--1936-08-19-evening ; mt:namedAs mt:Instigator ;
    mt:actLabel "gave instructions to"@en ; mt:claimedDate "1932" ;
    mt:status mt:Established ; prov:wasDerivedFrom src:t-report-beta .
st:t-named-2 a mt:Testimony ; mt:person person:clara-gamma ; mt:against person:anna-alpha ; mt:trial trial:test-first ;
    mt:status mt:Established ; prov:wasDerivedFrom src:t-report .
st:t-denial a mt:Retraction ; mt:person person:boris-beta ; mt:against person:boris-beta ; mt:trial trial:test-first ;
    mt:session session:test-first--1936-08-19-evening ; mt:status mt:Established ; prov:wasDerivedFrom src:t-report-beta .
"""


@pytest.fixture(scope="module")
def court_kg(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("court")
    (folder / "court.ttl").write_text(COURT, encoding="utf-8")
    return load([paths.ONTOLOGY_FILE, FIXTURE, folder / "court.ttl"])


def _short(value: str | None) -> str:
    return (value or "").rsplit("/", 1)[-1]


def test_sessions_in_order_with_everyone_examined(court_kg):
    rows = run_query(court_kg, "sessions", {"trial": "trial:test-first"}).records()
    assert [(_short(r["session"]), r["sitting"], r["examinations"]) for r in rows] == [
        ("test-first--1936-08-19-morning", "morning session", None),  # in the order of the day, not A-Z
        ("test-first--1936-08-19-evening", "evening session", 2),
    ]
    assert rows[1]["examined"] == "Boris Beta (accused); Clara Gamma (witness)"


def test_named_in_court_gives_session_page_and_act_and_keeps_undated_namings(court_kg):
    rows = {_short(r["statement"]): r for r in run_query(court_kg, "named-in-court").records()}
    # the fixture's own testimony (no session) is listed too
    assert set(rows) == {"t-named-1", "t-named-2", "t-denial", "test-first--boris-beta--testimony-1"}
    first = rows["t-named-1"]
    assert (first["session_date"], first["sitting"], first["named_as"], first["act"], first["claimed_date"],
            first["pages"]) == ("1936-08-19", "evening session", "instigator", "gave instructions to", "1932", "41")
    assert rows["t-denial"]["retraction"] is True and rows["t-named-1"]["retraction"] is False
    # a naming recorded without its session is listed, with no session borrowed from another row
    assert not rows["t-named-2"]["session_date"] and not rows["t-named-2"]["session"]


def test_accusers_of_one_person_only(court_kg):
    rows = run_query(court_kg, "accusers", {"person": "Anna Alpha"}).records()
    assert sorted(_short(r["statement"]) for r in rows) == ["t-named-1", "t-named-2", "test-first--boris-beta--testimony-1"]
    assert run_query(court_kg, "accusers", {"person": "Clara Gamma"}).records() == []


@pytest.mark.parametrize("name,params", [("sessions", {}), ("named-in-court", {}), ("accusers", {"person": "Anna Alpha"})])
def test_same_rows_on_rdflib_engine(court_kg, monkeypatch: pytest.MonkeyPatch, name: str, params: dict):
    oxigraph = run_query(court_kg, name, params).to_csv()
    monkeypatch.setenv("KG_ENGINE", "rdflib")
    assert run_query(court_kg, name, params).to_csv() == oxigraph


def test_named_in_court_view_one_edge_per_naming_with_session(court_kg):
    net = project(court_kg, view="named-in-court")
    edges = [(_short(u), _short(v), d.get("session"), d.get("status")) for u, v, d in net.edges(data=True)]
    assert ("boris-beta", "anna-alpha", "https://w3id.org/moscow-trials/id/session/test-first--1936-08-19-evening",
            "established") in [(a, b, c, str(s).rsplit("#", 1)[-1].lower()) for a, b, c, s in edges]
    assert sum(1 for a, b, *_ in edges if b == "anna-alpha") == 3  # two namings here, one in the fixture
