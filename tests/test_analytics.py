"""kg.display.analytics on small graphs built here, so the expected values can be checked by hand."""

import warnings

import networkx as nx
import pytest

from kg.display.analytics import (
    betweenness,
    centrality_table,
    communities,
    community_of,
    degree,
    eigenvector,
    shortest_path,
    simple_graph,
)


def multigraph(*edges):
    """A MultiDiGraph from (u, v, key, status[, relation]) tuples; nodes labelled in capitals."""
    g = nx.MultiDiGraph()
    for u, v, key, status, *rest in edges:
        for node in (u, v):
            g.add_node(node, label=node.upper(), kind="person")
        g.add_edge(u, v, key=key, status=status, relation=rest[0] if rest else "knows",
                   source_url=f"https://example.org/{key}", trial="T", date="1936")
    return g


def test_parallel_and_reverse_edges_merge_into_one_link():
    g = multigraph(("a", "b", "s1", "alleged"), ("b", "a", "s2", "established"), ("a", "b", "s3", "alleged"),
                   ("a", "a", "s4", "alleged"))
    g.add_edge("c", "a", key="s5#reverse", directed="no", status="alleged")  # a mirror half is not a link
    simple = simple_graph(g)
    assert sorted(simple.edges(data=True)) == [("a", "b", {"relations": 3, "weight": 1.0})]
    assert degree(g) == {"a": 1, "b": 1, "c": 0}


def test_betweenness_of_a_path():
    path = nx.path_graph(["a", "b", "c", "d"], create_using=nx.MultiDiGraph)
    assert betweenness(path) == pytest.approx({"a": 0, "b": 2 / 3, "c": 2 / 3, "d": 0})
    assert betweenness(path, normalized=False)["b"] == pytest.approx(2.0)


def test_eigenvector_falls_back_to_numpy_when_power_iteration_does_not_converge():
    g = nx.barbell_graph(4, 2)
    expected = nx.eigenvector_centrality(g, max_iter=1000)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        values = eigenvector(g, max_iter=2)
    assert any(issubclass(w.category, RuntimeWarning) and "did not converge" in str(w.message) for w in caught)
    assert values == pytest.approx(expected, abs=1e-4)
    assert eigenvector(nx.empty_graph(4)) == pytest.approx({i: 0.5 for i in range(4)})
    assert eigenvector(nx.Graph()) == {}


def test_louvain_is_seeded_and_largest_first():
    g = nx.MultiDiGraph()
    nx.add_cycle(g, [1, 2, 3, 4])
    g.add_edges_from([(1, 3), (2, 4)])  # a 4-clique
    nx.add_cycle(g, [5, 6, 7])
    g.add_edge(4, 5)
    groups = communities(g, seed=7)
    assert groups == [[1, 2, 3, 4], [5, 6, 7]] == communities(g, seed=7)
    assert community_of(groups) == {1: 0, 2: 0, 3: 0, 4: 0, 5: 1, 6: 1, 7: 1}


def test_centrality_table_ranks_and_labels():
    star = multigraph(("hub", "a", "1", "established"), ("hub", "b", "2", "established"),
                      ("hub", "c", "3", "alleged"))
    rows = centrality_table(star, top=2)
    assert [(r["label"], r["degree"], r["betweenness"]) for r in rows] == [("HUB", 3, 1.0), ("A", 1, 0.0)]
    assert set(rows[0]) == {"node", "label", "kind", "degree", "betweenness", "eigenvector", "community"}
    assert len(centrality_table(star, top=None, sort_by="eigenvector")) == 4
    with pytest.raises(ValueError, match="unknown measure"):
        centrality_table(star, sort_by="pagerank")


def test_shortest_path_gives_every_statement_of_every_step():
    g = multigraph(("a", "b", "st:ab-1", "alleged", "named"), ("b", "a", "st:ba", "established", "testified against"),
                   ("b", "c", "st:bc", "alleged"), ("c", "d", "st:cd", "established"))
    steps = shortest_path(g, "a", "d")
    assert [(s["source"], s["target"]) for s in steps] == [("a", "b"), ("b", "c"), ("c", "d")]
    first = steps[0]
    assert (first["source_label"], first["target_label"]) == ("A", "B")
    # established first; "forward" says which way the statement reads along the path
    assert [(e["statement"], e["status"], e["forward"]) for e in first["evidence"]] == [
        ("st:ba", "established", False), ("st:ab-1", "alleged", True)]
    assert first["evidence"][0]["sources"] == ["https://example.org/st:ba"]
    assert first["evidence"][0]["relation"] == "testified against"


def test_shortest_path_prefers_documented_steps_among_equally_short_ones():
    g = multigraph(("a", "x", "1", "alleged"), ("x", "d", "2", "alleged"),
                   ("a", "y", "3", "established"), ("y", "d", "4", "established"))
    assert [s["target"] for s in shortest_path(g, "a", "d")] == ["y", "d"]


def test_shortest_path_errors():
    g = multigraph(("a", "b", "1", "established"))
    g.add_node("lonely")
    with pytest.raises(nx.NetworkXNoPath):
        shortest_path(g, "a", "lonely")
    with pytest.raises(nx.NodeNotFound):
        shortest_path(g, "a", "nobody")


def test_on_the_real_alleged_conspiracy_trotsky_is_the_broker(real_kg):
    import kg

    net = kg.project(real_kg, view="alleged-conspiracy")
    top = centrality_table(net, top=1, sort_by="betweenness")[0]
    assert top["label"] == "Leon Trotsky"
