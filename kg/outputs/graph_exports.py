"""Write a projection for graph tools: GraphML and GEXF (Gephi, Cytoscape, yEd), node-link JSON.

networkx's GraphML and GEXF writers take only plain scalar attributes (a list, a dict or an rdflib
term makes the GraphML writer raise), so :func:`flat_graph` makes every attribute one: a list
becomes its items joined by `` | ``, a dict one attribute per key (``details`` → ``details_born``,
``details_died`` …), anything else its text; each attribute keeps one type throughout, so tools
read one column per attribute. Edges get a ``label`` (their relation) for Gephi to show. An
undirected relation, stored by ``kg.display.network`` as two edges, is written once (``directed`` = ``no``
says it reads both ways): networkx's GEXF reader refuses mixed directions in one file.
Node-link JSON keeps lists and dicts as they are.

GEXF and GraphML carry the drawing of the network page (:func:`drawing`): the same seeded layout,
colours (people by fate, other kinds by kind, edges by status) and sizes (by degree), so Gephi and
Cytoscape open the picture the page shows rather than a hairball. GEXF has them as ``viz:color``,
``viz:size``, ``viz:position``, ``viz:shape`` (edges: ``viz:color``, ``viz:thickness``, ``viz:shape``
dashed for anything not established); GraphML as the attributes ``x``, ``y``, ``size``, ``r``,
``g``, ``b`` and ``color`` (``#rrggbb``), which Gephi's and Cytoscape's importers read. The y axis
points up in both tools and down on a page, so ``y`` is the page's, negated.

XML 1.0 forbids most control characters (U+0000–U+001F but tab, newline and carriage return, and
U+FFFE, U+FFFF, lone surrogates) even as character references: a label that holds one would make
the whole file unreadable. :func:`flat_graph` writes each as its visible Unicode control picture
(U+0007 → ``␇``), and anything else XML cannot hold as U+FFFD.

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

from kg.atomic import atomic_path, write_text_atomic
from kg.errors import KGError

__all__ = ["GRAPH_FORMATS", "GraphFormat", "drawing", "flat_graph", "format_for", "node_link_json", "xml_text",
           "write_graph"]

_MIRROR_SUFFIX = "#reverse"  # kg.display.network.MIRROR_SUFFIX
_LIST_SEPARATOR = " | "
_NOT_WORD = re.compile(r"\W+")
_C0 = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_NOT_XML = re.compile(r"[\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    """Return *text* with every character XML 1.0 cannot hold made visible (see the module docstring).

    >>> xml_text("Bell" + chr(7) + ", null" + chr(0) + ", tab" + chr(9) + "kept")
    'Bell␇, null␀, tab\\tkept'
    """
    text = _C0.sub(lambda m: chr(0x2400 + ord(m.group())), text)
    return _NOT_XML.sub("\ufffd", text)


def _scalar(value: Any) -> Any:
    """Return *value* as a str, int, float or bool (``None`` stays ``None``: the attribute is left out)."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return xml_text(value)
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=str) if isinstance(value, set | frozenset) else value
        return xml_text(_LIST_SEPARATOR.join(str(item) for item in items if item is not None))
    return xml_text(str(value))


def _flat_attributes(attrs: Mapping[str, Any]) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for name, value in attrs.items():
        if isinstance(value, Mapping):
            for sub, sub_value in value.items():
                flat[xml_text(f"{name}_{_NOT_WORD.sub('_', str(sub)).strip('_')}")] = _scalar(sub_value)
        else:
            flat[xml_text(str(name))] = _scalar(value)
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
    citations = graph.graph.get("citations") or {}
    nodes = [(xml_text(str(n)), _flat_attributes(attrs)) for n, attrs in graph.nodes(data=True)]
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
        # Gephi and Cytoscape show attributes as text: name the works cited, not only their IRIs
        cited = [citations[iri]["t"] for iri in str(attrs.get("source_url") or "").split() if iri in citations]
        if cited:
            flat["citations"] = xml_text(" | ".join(sorted(cited)))
        if "relation" in flat and "label" not in flat:
            flat["label"] = flat["relation"]
        edges.append((xml_text(str(u)), xml_text(str(v)), xml_text(str(key)), flat))
    edges.sort(key=lambda e: (e[0], e[1], e[2]))
    _one_type_per_attribute([attrs for _, attrs in nodes])
    _one_type_per_attribute([attrs for *_, attrs in edges])
    # the citation table is carried by the edges (above), not as hundreds of graph-level keys
    flat_net = nx.MultiDiGraph(**_flat_attributes({k: v for k, v in graph.graph.items() if k != "citations"}))
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


#: GEXF's node shapes for vis-network's (GEXF has no hexagon or downward triangle).
_GEXF_SHAPES = {"dot": "disc", "square": "square", "triangle": "triangle", "triangleDown": "triangle",
                "diamond": "diamond", "hexagon": "disc"}


def drawing(graph: nx.Graph, *, seed: int = 42, size_by: str | None = "degree"
            ) -> tuple[dict[str, dict[str, Any]], dict[tuple[str, str, str], dict[str, Any]]]:
    """Return how the network page draws *graph*: ``(nodes, edges)``, each item's colour, size and place.

    Nodes map their id to ``color`` (``#rrggbb``), ``size``, ``x``, ``y`` (whole pixels, y pointing
    down as on the page) and ``shape`` (vis-network's name); edges map ``(u, v, key)`` to ``color``,
    ``dashed`` (a bool) and ``status``. The values come from :mod:`kg.display.render`, the one table of
    colours and the one seeded layout, so a file and the page show the same picture.

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.MultiDiGraph()
    >>> g.add_node("p", kind="person", fate="executed")
    >>> g.add_node("t", kind="trial")
    >>> _ = g.add_edge("p", "t", key="s", status="alleged")
    >>> nodes, edges = drawing(g)
    >>> nodes["p"]["color"], nodes["t"]["color"], edges["p", "t", "s"]["dashed"]
    ('#B2182B', '#D55E00', True)
    """
    from kg.display import render

    positions = render.layout_positions(graph, seed=seed)
    sizes = render._node_sizes(graph, size_by)
    by_fate = any(render._text(attrs.get("fate")).strip() for _, attrs in graph.nodes(data=True))
    nodes: dict[str, dict[str, Any]] = {}
    for node, attrs in graph.nodes(data=True):
        vis = render._vis_node(node, attrs, positions[node], sizes.get(node, 0.0), by_fate=by_fate)
        color = vis["color"]["background"] if isinstance(vis["color"], dict) else vis["color"]
        nodes[str(node)] = {"color": color, "size": vis["size"], "x": vis["x"], "y": vis["y"], "shape": vis["shape"]}
    raw = graph.edges(keys=True, data=True) if graph.is_multigraph() else (
        (u, v, attrs.get("key", f"{u}->{v}"), attrs) for u, v, attrs in graph.edges(data=True))
    edges: dict[tuple[str, str, str], dict[str, Any]] = {}
    for u, v, key, attrs in raw:
        status = render._status_word(attrs.get("status"))
        style = render.STATUS_STYLES[status if status in render.STATUS_STYLES else "other"]
        edges[str(u), str(v), str(key)] = {"color": style["color"], "dashed": bool(style["dashes"]),
                                           "status": status or "unknown"}
    return nodes, edges


def _rgb(color: str) -> tuple[int, int, int]:
    text = color.lstrip("#")
    return int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16)


def _drawn_graph(graph: nx.Graph, *, gexf: bool) -> nx.MultiDiGraph:
    """Return :func:`flat_graph` of *graph* with the page's drawing added (GEXF ``viz`` or GraphML attributes)."""
    flat = flat_graph(graph)
    node_style, edge_style = drawing(graph)
    for node, style in node_style.items():
        attrs = flat.nodes[xml_text(node)]
        r, g, b = _rgb(style["color"])
        if gexf:
            attrs["viz"] = {"color": {"r": r, "g": g, "b": b, "a": 1.0}, "size": style["size"],
                            "position": {"x": float(style["x"]), "y": float(-style["y"]), "z": 0.0},
                            "shape": _GEXF_SHAPES.get(style["shape"], "disc")}
        else:
            attrs.update(x=float(style["x"]), y=float(-style["y"]), size=float(style["size"]),
                         r=r, g=g, b=b, color=style["color"].lower())
    for (u, v, key), style in edge_style.items():
        ids = (xml_text(u), xml_text(v), xml_text(key))
        if not flat.has_edge(*ids):  # an undirected relation's mirror, written once
            continue
        attrs = flat.edges[ids]
        r, g, b = _rgb(style["color"])
        if gexf:
            attrs["viz"] = {"color": {"r": r, "g": g, "b": b, "a": 1.0}, "thickness": 1.0,
                            "shape": "dashed" if style["dashed"] else "solid"}
        else:
            attrs.update(r=r, g=g, b=b, color=style["color"].lower(),
                         line="dashed" if style["dashed"] else "solid")
    return flat


def _write_graphml(graph: nx.Graph, path: Path) -> None:
    nx.write_graphml(_drawn_graph(graph, gexf=False), path, encoding="utf-8", prettyprint=True)


def _write_gexf(graph: nx.Graph, path: Path) -> None:
    """Write GEXF 1.2; its ``lastmodifieddate`` is ``SOURCE_DATE_EPOCH``'s day when that is set (reproducible files)."""
    import os
    import time

    from networkx.readwrite.gexf import GEXFWriter

    writer = GEXFWriter(encoding="utf-8", prettyprint=True, version="1.2draft")
    writer.add_graph(_drawn_graph(graph, gexf=True))
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        meta = writer.xml.find("meta")
        if meta is not None:
            meta.set("lastmodifieddate", time.strftime("%Y-%m-%d", time.gmtime(int(epoch))))
    writer.write(path)


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
