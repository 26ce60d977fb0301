"""Network analytics on a projection: centralities, communities and evidenced shortest paths.

Plain functions that take a networkx graph (usually a ``kg.project`` result) and return plain data:
dicts of node -> number, lists of node lists, lists of row dicts. They treat the network as
**undirected and simple**: "A testified against B" links A and B whichever way it runs, and five
statements between the same two people make one link. That is what "who is central", "which groups
hang together" and "how are two people connected" ask about; the statements themselves come back as
the evidence of each step of a path.

Examples
--------
>>> import networkx as nx
>>> net = nx.MultiDiGraph()
>>> for u, v in [("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")]:
...     _ = net.add_edge(u, v, key=f"st:{u}{v}", relation="knows", status="established")
>>> degree(net)
{'a': 2, 'b': 2, 'c': 3, 'd': 1}
>>> betweenness(net)["c"]
0.6666666666666666
>>> [hop["evidence"][0]["statement"] for hop in shortest_path(net, "a", "d")]
['st:ca', 'st:cd']
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable
from typing import Any

import networkx as nx

__all__ = [
    "MEASURES",
    "betweenness",
    "centrality_table",
    "communities",
    "community_of",
    "degree",
    "eigenvector",
    "shortest_path",
    "simple_graph",
]

#: Status words from most to least established (as in ``kg.display.network``); a path prefers steps whose
#: evidence includes an established statement.
_STATUS_RANK = {"established": 0, "probable": 1, "disputed": 2, "alleged": 3, "fabricated": 4}
_MIRROR_SUFFIX = "#reverse"  # kg.display.network.MIRROR_SUFFIX, repeated so this module needs networkx only


def _is_mirror(key: Any, attrs: dict[str, Any]) -> bool:
    return attrs.get("directed") == "no" and str(key).endswith(_MIRROR_SUFFIX)


def _edges(graph: nx.Graph) -> Iterable[tuple[Any, Any, Any, dict[str, Any]]]:
    """Yield ``(u, v, key, attrs)`` for every edge except the mirror half of an undirected relation."""
    if graph.is_multigraph():
        for u, v, key, attrs in graph.edges(keys=True, data=True):
            if not _is_mirror(key, attrs):
                yield u, v, key, attrs
    else:
        for u, v, attrs in graph.edges(data=True):
            yield u, v, attrs.get("key", ""), attrs


def simple_graph(graph: nx.Graph) -> nx.Graph:
    """Return *graph* as an undirected simple ``nx.Graph`` with the same nodes and attributes.

    Parallel edges and both directions merge into one link; its ``relations`` attribute counts the
    statements merged, and ``weight`` is 1 when one of them is established, 1.001 otherwise (so a
    weighted shortest path prefers documented steps among equally short ones). Nodes and links are
    added in sorted order, so results never depend on the order the graph was built in.
    """
    simple = nx.Graph()
    simple.add_nodes_from(sorted(graph.nodes(data=True), key=lambda item: str(item[0])))
    links: dict[tuple[Any, Any], list[str]] = {}
    for u, v, _key, attrs in _edges(graph):
        if u == v:
            continue
        pair = (u, v) if str(u) <= str(v) else (v, u)
        links.setdefault(pair, []).append(str(attrs.get("status", "")))
    for (u, v), statuses in sorted(links.items(), key=lambda item: (str(item[0][0]), str(item[0][1]))):
        simple.add_edge(u, v, relations=len(statuses),
                        weight=1.0 if "established" in statuses else 1.001)
    return simple


def degree(graph: nx.Graph) -> dict[Any, int]:
    """Return each node's number of distinct neighbours (direction and parallel edges ignored)."""
    simple = simple_graph(graph)
    return {node: simple.degree(node) for node in simple}


def betweenness(graph: nx.Graph, *, normalized: bool = True, sample: int | None = None,
                seed: int = 42) -> dict[Any, float]:
    """Return each node's betweenness centrality: the share of shortest paths that pass through it.

    Exact (Brandes) by default; *sample* estimates it from that many seeded source nodes, for
    graphs of many thousands of nodes.
    """
    simple = simple_graph(graph)
    k = sample if sample and sample < simple.number_of_nodes() else None
    return dict(nx.betweenness_centrality(simple, normalized=normalized, k=k, seed=seed if k else None))


def eigenvector(graph: nx.Graph, *, max_iter: int = 1000, tol: float = 1e-6) -> dict[Any, float]:
    """Return each node's eigenvector centrality (unit length; high for neighbours of the well-connected).

    networkx's power iteration is tried first. It can fail to converge (within *max_iter*) on
    graphs of several similar components; then the leading eigenvector is computed exactly with
    numpy (``eigh`` of the dense adjacency matrix, fine up to a few thousand nodes) and a
    ``RuntimeWarning`` says so. An edgeless graph gives every node the same value.

    Examples
    --------
    >>> import networkx as nx, warnings
    >>> star = nx.star_graph(3)
    >>> with warnings.catch_warnings(record=True) as caught:  # too few iterations: falls back
    ...     warnings.simplefilter("always")
    ...     values = eigenvector(star, max_iter=1)
    >>> round(values[0], 3), round(values[1], 3), caught[0].category.__name__
    (0.707, 0.408, 'RuntimeWarning')
    >>> values == {n: v for n, v in values.items()} and round(eigenvector(star)[0], 3)
    0.707
    """
    simple = simple_graph(graph)
    n = simple.number_of_nodes()
    if n == 0:
        return {}
    if simple.number_of_edges() == 0:
        return {node: 1 / math.sqrt(n) for node in simple}
    try:
        return dict(nx.eigenvector_centrality(simple, max_iter=max_iter, tol=tol))
    except nx.PowerIterationFailedConvergence:
        warnings.warn(f"eigenvector centrality did not converge in {max_iter} iterations; "
                      "computed exactly with numpy instead", RuntimeWarning, stacklevel=2)
    import numpy as np

    order = list(simple)
    matrix = nx.to_numpy_array(simple, nodelist=order, weight=None)
    _values, vectors = np.linalg.eigh(matrix)
    leading = np.abs(vectors[:, -1])
    leading = leading / (np.linalg.norm(leading) or 1.0)
    return {node: float(leading[i]) for i, node in enumerate(order)}


def communities(graph: nx.Graph, *, seed: int = 42, resolution: float = 1.0) -> list[list[Any]]:
    """Return the Louvain communities (seeded): lists of nodes, largest first, each sorted.

    Examples
    --------
    >>> import networkx as nx
    >>> two_triangles = nx.MultiDiGraph([(1, 2), (2, 3), (3, 1), (4, 5), (5, 6), (6, 4), (3, 4)])
    >>> communities(two_triangles)
    [[1, 2, 3], [4, 5, 6]]
    """
    simple = simple_graph(graph)
    found = nx.community.louvain_communities(simple, seed=seed, resolution=resolution, weight=None)
    groups = [sorted(group, key=str) for group in found]
    return sorted(groups, key=lambda group: (-len(group), str(group[0])))


def community_of(groups: list[list[Any]]) -> dict[Any, int]:
    """Return node -> number of its community (0 = the largest), from :func:`communities`."""
    return {node: number for number, group in enumerate(groups) for node in group}


#: The measures :func:`centrality_table` and the page's ``size_by`` know, by name.
MEASURES = {"degree": degree, "betweenness": betweenness, "eigenvector": eigenvector}


def centrality_table(graph: nx.Graph, *, top: int | None = 10, sort_by: str = "degree",
                     seed: int = 42) -> list[dict[str, Any]]:
    """Return one row per node: label, kind, degree, betweenness, eigenvector and community.

    Rows are sorted by *sort_by* (a key of :data:`MEASURES`), highest first, ties by label; *top*
    keeps the first rows (``None`` keeps all).
    """
    if sort_by not in MEASURES:
        raise ValueError(f"unknown measure {sort_by!r}; known: {', '.join(MEASURES)}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        values = {name: measure(graph) for name, measure in MEASURES.items()}
    community = community_of(communities(graph, seed=seed))
    rows = []
    for node, attrs in graph.nodes(data=True):
        rows.append({
            "node": node,
            "label": str(attrs.get("label") or node),
            "kind": str(attrs.get("kind") or ""),
            "degree": values["degree"].get(node, 0),
            "betweenness": round(values["betweenness"].get(node, 0.0), 6),
            "eigenvector": round(values["eigenvector"].get(node, 0.0), 6),
            "community": community.get(node, -1),
        })
    rows.sort(key=lambda row: (-row[sort_by], row["label"], str(row["node"])))
    return rows if top is None else rows[:top]


def shortest_path(graph: nx.Graph, source: Any, target: Any) -> list[dict[str, Any]]:
    """Return the steps of a shortest path from *source* to *target*, each with its evidence.

    Direction is ignored (a testimony links witness and accused either way). Among equally short
    paths, one whose steps rest on established statements wins. Each step is a dict with
    ``source``, ``target``, their ``source_label``/``target_label``, and ``evidence``: every
    statement linking the two, established first, each with ``statement`` (the edge key: a
    statement IRI, or two for a pair edge), ``relation``, ``status``, ``trial``, ``date``,
    ``sources`` (a list of URLs) and ``forward`` (whether the relation reads from this step's
    source to its target).

    Raises
    ------
    networkx.NodeNotFound
        If either node is not in *graph*.
    networkx.NetworkXNoPath
        If no path joins them.
    """
    for node in (source, target):
        if node not in graph:
            raise nx.NodeNotFound(f"{node} is not in this network")
    simple = simple_graph(graph)
    nodes = nx.dijkstra_path(simple, source, target, weight="weight")
    steps = []
    for u, v in zip(nodes, nodes[1:], strict=False):
        evidence = [_evidence(key, attrs, forward=True) for key, attrs in _between(graph, u, v)]
        evidence += [_evidence(key, attrs, forward=False) for key, attrs in _between(graph, v, u)]
        evidence.sort(key=lambda e: (_STATUS_RANK.get(e["status"], 9), e["relation"], e["statement"]))
        steps.append({"source": u, "target": v,
                      "source_label": str(graph.nodes[u].get("label") or u),
                      "target_label": str(graph.nodes[v].get("label") or v),
                      "evidence": evidence})
    return steps


def _between(graph: nx.Graph, u: Any, v: Any) -> list[tuple[Any, dict[str, Any]]]:
    if not graph.has_edge(u, v):
        return []
    if graph.is_multigraph():
        return [(key, attrs) for key, attrs in graph[u][v].items() if not _is_mirror(key, attrs)]
    attrs = graph[u][v]
    return [(attrs.get("key", ""), attrs)]


def _evidence(key: Any, attrs: dict[str, Any], *, forward: bool) -> dict[str, Any]:
    sources = attrs.get("source_url") or attrs.get("source") or []
    if isinstance(sources, str):
        sources = sources.split()
    return {
        "statement": str(key),
        "relation": str(attrs.get("relation") or ""),
        "status": str(attrs.get("status") or ""),
        "trial": str(attrs.get("trial") or ""),
        "date": str(attrs.get("date") or ""),
        "sources": sorted(str(s) for s in sources),
        "forward": forward if attrs.get("directed") != "no" else True,
    }
