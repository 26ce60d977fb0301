"""Parameters are bound by the engine (Oxigraph ``substitutions``, rdflib ``initBindings``), not pasted.

Only a variable that an Oxigraph SELECT does not project, and remote endpoints, fall back to the
``VALUES`` block of :func:`kg.sparql.engine.with_values` (pyoxigraph 0.5 refuses to substitute such a variable).
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from rdflib import BNode, Graph, Literal, URIRef

from kg.errors import QuerySyntaxError
from kg.graph.dataset import Dataset
from kg.sparql import engine
from kg.sparql.questions import run_query


@pytest.fixture()
def pasted(monkeypatch: pytest.MonkeyPatch) -> list[dict]:
    """Record every binding that reached the VALUES fallback."""
    calls: list[dict] = []
    original = engine.with_values

    def spy(text: str, bindings):
        if bindings:
            calls.append(dict(bindings))
        return original(text, bindings)

    monkeypatch.setattr(engine, "with_values", spy)
    return calls


def _graph(engine: str = "oxigraph") -> Graph:
    """A tiny graph in one store of *engine* (the default Oxigraph store, or rdflib's reference)."""
    graph = Dataset.for_engine(engine).graph()
    for trial, person in [("t1", "a"), ("t1", "b"), ("t2", "c")]:
        graph.add((URIRef(f"urn:x:{person}"), URIRef("urn:x:in"), URIRef(f"urn:x:{trial}")))
    return graph


GROUPED = ("SELECT ?t ?n WHERE { { SELECT ?t (COUNT(?x) AS ?n) WHERE { ?x <urn:x:in> ?t } GROUP BY ?t } }")


def test_a_projected_parameter_is_substituted_inside_the_sub_query(pasted):
    answer = engine.query(_graph(), GROUPED, {"t": URIRef("urn:x:t1")}, prefixes={})
    assert answer.rows == [(URIRef("urn:x:t1"), Literal(2))]
    assert pasted == []  # bound by Oxigraph, the text untouched


def test_an_unprojected_parameter_falls_back_to_values_and_gives_the_same_rows(pasted, monkeypatch):
    text = "SELECT ?x WHERE { ?x <urn:x:in> ?t }"
    oxigraph = engine.query(_graph(), text, {"t": URIRef("urn:x:t1")}, prefixes={})
    assert sorted(r[0] for r in oxigraph.rows) == [URIRef("urn:x:a"), URIRef("urn:x:b")]
    assert pasted == [{"t": URIRef("urn:x:t1")}]
    reference = engine.query(_graph("rdflib"), text, {"t": URIRef("urn:x:t1")}, prefixes={})
    assert sorted(reference.rows) == sorted(oxigraph.rows)


def test_a_hostile_literal_stays_one_term(pasted):
    hostile = 'x" } } DROP ALL; SELECT * WHERE { ?s ?p ?o . FILTER ("'
    answer = engine.query(_graph(), "SELECT ?x ?n WHERE { ?x <urn:x:in> ?t OPTIONAL { ?x <urn:x:name> ?n } }",
                          {"n": Literal(hostile)}, prefixes={})
    assert {r[1] for r in answer.rows} == {Literal(hostile)}
    assert pasted == []


def test_blank_nodes_and_bad_names_are_refused():
    with pytest.raises(QuerySyntaxError, match="blank node"):
        engine.query(_graph(), GROUPED, {"t": BNode()}, prefixes={})
    with pytest.raises(QuerySyntaxError, match="not a SPARQL variable"):
        engine.query(_graph(), GROUPED, {"t x": URIRef("urn:x:t1")}, prefixes={})


def test_oxigraph_still_refuses_unprojected_substitutions():
    """If pyoxigraph learns to bind these, the VALUES fallback for Oxigraph can go."""
    store = ox.Store()
    with pytest.raises(RuntimeError, match=engine._UNPROJECTED.pattern.split("\\?")[0].rstrip()):
        list(store.query("SELECT ?x WHERE { ?x ?p ?t }", substitutions={ox.Variable("t"): ox.NamedNode("urn:x")}))


def test_one_trials_defendants_are_bound_by_oxigraph(fixture_kg, pasted):
    from kg import paths
    from kg.graph.loader import load

    from .conftest import FIXTURE, environment

    rows = run_query(fixture_kg, "defendants", {"trial": "trial:test-first"}).to_csv()
    assert pasted == []
    assert rows.count("\n") >= 3
    with environment("KG_ENGINE", "rdflib"):
        reference = load([paths.ONTOLOGY_FILE, FIXTURE])
    assert run_query(reference, "defendants", {"trial": "trial:test-first"}).to_csv() == rows
