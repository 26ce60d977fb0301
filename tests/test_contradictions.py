"""Contradiction rules: each fires where it must, stays silent where it must, and works from data."""

from pathlib import Path

import pytest
from rdflib import Graph

from kg import paths
from kg.graph.contradictions import find_contradictions, list_rules
from kg.graph.loader import load, parse_turtle_file
from kg.graph.validation import validate
from kg.namespaces import ST

from .conftest import DATA, FIXTURE

CLAIMS = DATA / "claims" / "claims.ttl"
RULES = [r.name for r in list_rules()]


@pytest.fixture(scope="module")
def claims_kg():
    return load([paths.ONTOLOGY_FILE, FIXTURE, CLAIMS])


def _fired(findings):
    return {(f.rule, f.claim.rsplit("/", 1)[-1]) for f in findings}


def test_claims_fixture_is_valid(claims_kg):
    report = validate(claims_kg)
    assert report.conforms, str(report)


def test_every_rule_has_a_summary_and_a_firing_and_a_silent_case():
    assert set(RULES) == {"place-did-not-exist", "place-unavailable", "participant-dead",
                          "participant-in-custody", "participant-elsewhere"}
    text = CLAIMS.read_text(encoding="utf-8")
    for rule in list_rules():
        assert rule.summary
        assert f"# {rule.name}" in text, f"no fixture section for {rule.name}"


def test_each_rule_fires_only_where_it_should(claims_kg):
    assert _fired(find_contradictions(claims_kg)) == {
        ("place-did-not-exist", "claim--hotel-fires"),
        ("place-unavailable", "claim--airfield-fires"),
        ("participant-dead", "claim--dead-fires"),
        ("participant-in-custody", "claim--custody-fires"),
        ("participant-elsewhere", "claim--alibi-fires"),
    }


def test_findings_explain_with_sources_on_both_sides(claims_kg):
    for f in find_contradictions(claims_kg):
        assert f.explanation.endswith(".") and len(f.explanation) > 40
        assert f.claim_sources == ["https://example.org/record/test"]
        assert f.evidence_sources == ["https://example.org/encyclopaedia/test"]
        assert f.claim_text
    hotel = next(f for f in find_contradictions(claims_kg) if f.rule == "place-did-not-exist")
    assert "Test Hotel" in hotel.explanation and "1880/1917" in hotel.explanation


@pytest.mark.parametrize("evidence,rule", [
    ("evidence--hotel", "place-did-not-exist"),
    ("evidence--airfield", "place-unavailable"),
    ("life--anna-alpha--death", "participant-dead"),
    ("life--boris-beta--prison", "participant-in-custody"),
    ("life--clara-gamma--capital", "participant-elsewhere"),
])
def test_removing_the_refuting_fact_removes_the_finding(evidence, rule, claims_kg, tmp_path: Path):
    assert rule in {f.rule for f in find_contradictions(claims_kg)}  # fires with the fact
    graph = Graph()
    for path in (FIXTURE, CLAIMS):
        parse_turtle_file(path, graph)
    assert (ST[evidence], None, None) in graph
    graph.remove((ST[evidence], None, None))
    without = tmp_path / "without.ttl"
    graph.serialize(without, format="turtle")
    kg = load([paths.ONTOLOGY_FILE, without])
    assert rule not in {f.rule for f in find_contradictions(kg)}


def test_alleged_meetings_stay_out_of_the_fact_layer(claims_kg):
    from kg.namespaces import MT, PERSON

    pair = (PERSON["dmitri-delta"], MT.allegedlyMetWith, PERSON["fyodor-exile"])
    assert pair in claims_kg.layers["alleged"]
    assert pair not in claims_kg.layers["established"]


def test_a_leak_into_the_fact_layer_fails_validation(claims_kg):
    from kg.namespaces import MT, PERSON

    claims_kg.layers["established"].add((PERSON["dmitri-delta"], MT.allegedlyMetWith, PERSON["fyodor-exile"]))
    try:
        report = validate(claims_kg)
        assert any(v.rule == "alleged-leak" for v in report.violations)
    finally:
        claims_kg.layers["established"].remove((PERSON["dmitri-delta"], MT.allegedlyMetWith, None))


def test_an_allegation_marked_established_never_reaches_the_facts_view(tmp_path: Path):
    """Established rules read a view without claims: a testimony's act is a fact only when Established."""
    text = CLAIMS.read_text(encoding="utf-8")
    kg = load([paths.ONTOLOGY_FILE, FIXTURE, CLAIMS])
    from kg.namespaces import MT, PERSON

    assert (PERSON["boris-beta"], MT.testifiedAgainst, PERSON["anna-alpha"]) in kg.layers["established"]
    changed = tmp_path / "fixture.ttl"
    changed.write_text(FIXTURE.read_text(encoding="utf-8").replace(
        "mt:against person:anna-alpha ; mt:trial trial:test-first ;\n    mt:status mt:Established",
        "mt:against person:anna-alpha ; mt:trial trial:test-first ;\n    mt:status mt:Alleged"), encoding="utf-8")
    kg2 = load([paths.ONTOLOGY_FILE, changed])
    assert (PERSON["boris-beta"], MT.testifiedAgainst, PERSON["anna-alpha"]) not in kg2.layers["established"]
    assert text  # the claims fixture was read
