"""Write a projection for graph tools: GraphML and GEXF (Gephi, Cytoscape, yEd), node-link JSON.

networkx's GraphML and GEXF writers take only plain scalar attributes (a list, a dict or an rdflib
term makes the GraphML writer raise), so :func:`flat_graph` makes every attribute one: a list
becomes its items joined by `` | ``, a dict one attribute per key (``details`` → ``details_born``,
``details_died`` …), anything else its text; each attribute keeps one type throughout, so tools
read one column per attribute. Edges get a ``label`` (their relation) for Gephi to show. An
undirected relation, stored by ``kg.network`` as two edges, is written once (``directed`` = ``no``
says it reads both ways): networkx's GEXF reader refuses mixed directions in one file.
Node-link JSON keeps lists and dicts as they are.

Formats are looked up by name in :data:`GRAPH_FORMATS`; files are written atomically.

Examples
--------
>>> import networkx as nx
>>> g = nx.MultiDiGraph()
>>> g.add_node("p", label="Pyatakov", alt_labels=["Пятаков", "Piatakov"], details={"born": "1890"})
>>> _ = g.add_edge("p", "p", key="st:1", relation="named", status="alleged")
>>> flat = flat_graph(g)
>>> flat.nodes["p"]
{'alt_labels': 'Пятаков | Piatakov', 'details_born': '1890', 'label': 'Pyatakov'}
>>> flat.edges["p", "p", "st:1"]["label"]
'named'
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx

from .atomic import atomic_path, write_text_atomic
from .errors import KGError

__all__ = ["GRAPH_FORMATS", "GraphFormat", "flat_graph", "format_for", "node_link_json", "write_graph"]

_MIRROR_SUFFIX = "#reverse"  # kg.network.MIRROR_SUFFIX
_LIST_SEPARATOR = " | "
_NOT_WORD = re.compile(r"\W+")


def _scalar(value: Any) -> Any:
    """Return *value* as a str, int, float or bool (``None`` stays ``None``: the attribute is left out)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=str) if isinstance(value, set | frozenset) else value
        return _LIST_SEPARATOR.join(str(item) for item in items if item is not None)
    return str(value)


def _flat_attributes(attrs: Mapping[str, Any]) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for name, value in attrs.items():
        if isinstance(value, Mapping):
            for sub, sub_value in value.items():
                flat[f"{name}_{_NOT_WORD.sub('_', str(sub)).strip('_')}"] = _scalar(sub_value)
        else:
            flat[str(name)] = _scalar(value)
    return {k: v for k, v in sorted(flat.items()) if v is not None}


def _one_type_per_attribute(items: list[dict[str, Any]]) -> None:
    """Make every attribute hold values of one type (text where they mix), in place."""
    types: dict[str, set[type]] = {}
    for attrs in items:
        for name, value in attrs.items():
            types.setdefault(name, set()).add(type(value))
    mixed = {name for name, seen in types.items() if len(seen) > 1}
    for attrs in items:
        for name in mixed & attrs.keys():
            attrs[name] = str(attrs[name])


def flat_graph(graph: nx.Graph) -> nx.MultiDiGraph:
    """Return a copy of *graph* whose attributes are all plain scalars, one type per attribute.

    Node ids and edge keys become text; nodes and edges are added in sorted order (the file does
    not depend on the order the graph was built in); an undirected relation's mirror edge is left
    out; each edge's ``label`` is its ``relation`` unless it has one.
    """
    nodes = [(str(n), _flat_attributes(attrs)) for n, attrs in graph.nodes(data=True)]
    nodes.sort(key=lambda item: item[0])
    if graph.is_multigraph():
        raw = graph.edges(keys=True, data=True)
    else:
        raw = ((u, v, attrs.get("key", f"{u}->{v}"), attrs) for u, v, attrs in graph.edges(data=True))
    edges = []
    for u, v, key, attrs in raw:
        if attrs.get("directed") == "no" and str(key).endswith(_MIRROR_SUFFIX):
            continue
        flat = _flat_attributes(attrs)
        if "relation" in flat and "label" not in flat:
            flat["label"] = flat["relation"]
        edges.append((str(u), str(v), str(key), flat))
    edges.sort(key=lambda e: (e[0], e[1], e[2]))
    _one_type_per_attribute([attrs for _, attrs in nodes])
    _one_type_per_attribute([attrs for *_, attrs in edges])
    flat_net = nx.MultiDiGraph(**_flat_attributes(graph.graph))
    flat_net.add_nodes_from(nodes)
    for u, v, key, attrs in edges:
        flat_net.add_edge(u, v, key=key, **attrs)
    return flat_net


def node_link_json(graph: nx.Graph) -> str:
    """Return *graph* as networkx node-link JSON (``nodes``, ``edges``), lists and dicts kept.

    Read it back with ``nx.node_link_graph(json.loads(text), edges="edges")``.
    """
    keep = nx.MultiDiGraph(**{k: _json_safe(v) for k, v in graph.graph.items()})
    keep.add_nodes_from(sorted(((str(n), _json_safe(a)) for n, a in graph.nodes(data=True)), key=lambda i: i[0]))
    if graph.is_multigraph():
        raw = graph.edges(keys=True, data=True)
    else:
        raw = ((u, v, attrs.get("key", f"{u}->{v}"), attrs) for u, v, attrs in graph.edges(data=True))
    for u, v, key, attrs in sorted(raw, key=lambda e: (str(e[0]), str(e[1]), str(e[2]))):
        if attrs.get("directed") == "no" and str(key).endswith(_MIRROR_SUFFIX):
            continue
        keep.add_edge(str(u), str(v), key=str(key), **_json_safe(attrs))
    data = nx.node_link_data(keep, edges="edges")
    return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def _json_safe(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted(_json_safe(v) for v in value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _write_graphml(graph: nx.Graph, path: Path) -> None:
    nx.write_graphml(flat_graph(graph), path, encoding="utf-8", prettyprint=True)


def _write_gexf(graph: nx.Graph, path: Path) -> None:
    nx.write_gexf(flat_graph(graph), path, encoding="utf-8", prettyprint=True)


def _write_json(graph: nx.Graph, path: Path) -> None:
    path.write_text(node_link_json(graph), encoding="utf-8")


@dataclass(frozen=True)
class GraphFormat:
    """A file format for graph tools: its name, file suffix, what reads it, and its writer."""

    name: str
    suffix: str
    description: str
    write: Callable[[nx.Graph, Path], None]


#: The graph file formats, by name (``kg network --format NAME``).
GRAPH_FORMATS: dict[str, GraphFormat] = {
    "graphml": GraphFormat("graphml", ".graphml", "GraphML (Gephi, Cytoscape, yEd, igraph)", _write_graphml),
    "gexf": GraphFormat("gexf", ".gexf", "GEXF 1.2 (Gephi)", _write_gexf),
    "json": GraphFormat("json", ".json", "networkx node-link JSON (D3, networkx.node_link_graph)", _write_json),
}


def format_for(path: str | Path | None, fmt: str | None = None) -> str | None:
    """Return the graph format named *fmt*, or the one *path*'s suffix implies (``None``: neither)."""
    if fmt:
        if fmt not in GRAPH_FORMATS:
            raise KGError(f"unknown graph format {fmt!r}; known: {', '.join(GRAPH_FORMATS)}")
        return fmt
    suffix = Path(path).suffix.lower() if path else ""
    return next((name for name, f in GRAPH_FORMATS.items() if f.suffix == suffix), None)


def write_graph(graph: nx.Graph, path: str | Path, fmt: str | None = None) -> Path:
    """Return *path* after writing *graph* to it atomically as *fmt* (default: from the suffix).

    Examples
    --------
    >>> import networkx as nx, tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "g.graphml"
    >>> _ = write_graph(nx.MultiDiGraph([("a", "b")]), out)
    >>> sorted(nx.read_graphml(out))
    ['a', 'b']
    """
    name = format_for(path, fmt)
    if name is None:
        raise KGError(f"{path}: cannot tell the graph format from the suffix; give --format "
                      f"({', '.join(GRAPH_FORMATS)}) or end the file name in "
                      f"{', '.join(f.suffix for f in GRAPH_FORMATS.values())}")
    path = Path(path)
    if name == "json":
        return write_text_atomic(path, node_link_json(graph))
    with atomic_path(path) as tmp:
        GRAPH_FORMATS[name].write(graph, tmp)
    return path
