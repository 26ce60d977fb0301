"""Projection to networkx through the declarative table: known nodes and edges on the fixture."""

import networkx as nx
import pytest

from kg.errors import KGError
from kg.network import load_table, project

A, B, C = ("https://w3id.org/moscow-trials/id/person/" + s for s in ("anna-alpha", "boris-beta", "clara-gamma"))
T1 = "https://w3id.org/moscow-trials/id/trial/test-first"
ST = "https://w3id.org/moscow-trials/id/statement/"


def test_every_view_names_declared_projections_with_existing_queries():
    projections, views = load_table()
    assert {"overview", "person-trial", "testimony"} <= set(views)
    for projection in projections.values():
        assert projection.query.is_file(), projection.query


def test_overview_on_the_fixture(fixture_kg):
    g = project(fixture_kg, view="overview")
    assert isinstance(g, nx.MultiDiGraph)
    assert g.nodes[A]["label"] == "Anna Alpha" and g.nodes[A]["kind"] == "person"
    assert "Альфа" in g.nodes[A]["alt_labels"] and "Анна Альфа" in g.nodes[A]["alt_labels"]
    assert g.nodes[A]["details"]["born"] == "1883-09-23"
    assert g.nodes[T1]["kind"] == "trial"
    edge = g.edges[A, T1, ST + "test-first--anna-alpha--accusation"]
    assert edge["relation"] == "defendant in" and edge["status"] == "alleged"
    assert edge["trial"] == "First Test Trial" and edge["date"] == "1936-08-19/1936-08-24"
    assert edge["source_url"] == "https://example.org/record/test"
    testimony = g.edges[B, A, ST + "test-first--boris-beta--testimony-1"]
    assert testimony["relation"] == "testified against" and testimony["status"] == "established"
    judge = next(d for u, v, d in g.edges(data=True) if d["projection"] == "trial-role")
    assert judge["relation"] == "presiding judge at"
    # 4 accusations (one in absentia) + 1 in the second trial, 1 role, 1 testimony
    assert g.number_of_edges() == 7


def test_status_filter(fixture_kg):
    g = project(fixture_kg, view="overview", statuses={"established"})
    assert {d["status"] for _, _, d in g.edges(data=True)} == {"established"}
    assert g.number_of_edges() == 2


def test_every_attribute_is_a_plain_value_so_graphml_writes(fixture_kg, tmp_path):
    g = project(fixture_kg, view="overview")
    flat = nx.MultiDiGraph()
    for n, d in g.nodes(data=True):
        flat.add_node(n, **{k: (" | ".join(v) if isinstance(v, list) else
                                "; ".join(f"{a}={b}" for a, b in v.items()) if isinstance(v, dict) else v)
                            for k, v in d.items()})
    flat.add_edges_from(g.edges(keys=True, data=True))
    path = tmp_path / "overview.graphml"
    nx.write_graphml(flat, path)
    again = nx.read_graphml(path, force_multigraph=True)
    assert again.number_of_edges() == g.number_of_edges()


def test_unknown_view(fixture_kg):
    with pytest.raises(KGError, match="known views: .*overview"):
        project(fixture_kg, view="everything")
