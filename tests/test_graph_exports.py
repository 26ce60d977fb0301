"""GraphML, GEXF and node-link JSON of a projection, read back by networkx."""

import json

import networkx as nx
import pytest

from kg.errors import KGError
from kg.graph_exports import GRAPH_FORMATS, flat_graph, format_for, node_link_json, write_graph
from kg.network import project, relation_count

A = "https://w3id.org/moscow-trials/id/person/anna-alpha"
AB = ("https://w3id.org/moscow-trials/id/statement/test-first--anna-alpha--accusation "
      "https://w3id.org/moscow-trials/id/statement/test-first--boris-beta--accusation")


def read(path, fmt):
    if fmt == "graphml":
        return nx.read_graphml(path, force_multigraph=True)
    if fmt == "gexf":
        return nx.read_gexf(path)
    return nx.node_link_graph(json.loads(path.read_text(encoding="utf-8")), edges="edges")


@pytest.mark.parametrize("fmt", sorted(GRAPH_FORMATS))
@pytest.mark.parametrize("view", ["overview", "alleged-conspiracy"])
def test_every_format_reads_back_with_every_node_relation_and_attribute(fixture_kg, tmp_path, fmt, view):
    net = project(fixture_kg, view=view)
    path = write_graph(net, tmp_path / f"{view}{GRAPH_FORMATS[fmt].suffix}")
    back = read(path, fmt)
    assert set(back) == set(net)
    assert back.number_of_edges() == relation_count(net)  # an undirected relation once
    anna = back.nodes[A]
    assert anna["label"] == "Anna Alpha" and anna["fate"] == "executed"
    if fmt == "json":  # node-link JSON keeps lists and dicts
        assert "Альфа" in anna["alt_labels"] and anna["details"]["born"] == "1883-09-23"
    else:  # graph tools get plain values, one column per detail
        assert "Альфа" in anna["alt_labels"].split(" | ") and anna["details_born"] == "1883-09-23"
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]  # written atomically, nothing left over


def test_pair_edges_keep_their_statements_and_say_they_read_both_ways(fixture_kg, tmp_path):
    net = project(fixture_kg, view="co-defendants")
    graphml = nx.read_graphml(write_graph(net, tmp_path / "c.graphml"), force_multigraph=True)
    (key, attrs), = graphml[A]["https://w3id.org/moscow-trials/id/person/boris-beta"].items()
    assert key == AB and attrs["directed"] == "no" and attrs["label"] == "co-defendant of"
    gexf = nx.read_gexf(write_graph(net, tmp_path / "c.gexf"))
    assert {d["label"] for _, _, d in gexf.edges(data=True)} == {"co-defendant of"}


def test_flat_graph_has_one_plain_type_per_attribute():
    g = nx.MultiDiGraph()
    g.add_node("a", weight=1, tags=["x", "y"], details={"born year": 1890}, missing=None)
    g.add_node("b", weight="heavy", tags=("z",))
    g.add_edge("a", "b", key="k", sources={"u2", "u1"}, relation="r")
    flat = flat_graph(g)
    assert flat.nodes["a"] == {"details_born_year": 1890, "tags": "x | y", "weight": "1"}
    assert flat.nodes["b"] == {"tags": "z", "weight": "heavy"}
    assert flat.edges["a", "b", "k"] == {"label": "r", "relation": "r", "sources": "u1 | u2"}
    nx.write_graphml(flat, __import__("io").BytesIO())  # no attribute the writer refuses


def test_real_overview_exports_and_json_is_stable(real_kg, tmp_path):
    net = project(real_kg, view="overview")
    for fmt in GRAPH_FORMATS:
        back = read(write_graph(net, tmp_path / f"o{GRAPH_FORMATS[fmt].suffix}"), fmt)
        assert back.number_of_nodes() == net.number_of_nodes()
    assert node_link_json(net) == node_link_json(net.copy())


def test_format_from_the_suffix_or_by_name(tmp_path):
    assert format_for("x.GEXF") == "gexf" and format_for("x.html") is None and format_for(None, "json") == "json"
    with pytest.raises(KGError, match="unknown graph format 'dot'"):
        format_for("x", "dot")
    with pytest.raises(KGError, match="cannot tell the graph format"):
        write_graph(nx.MultiDiGraph(), tmp_path / "x.txt")
