"""Project the graph to networkx through the declarative projection table (``projections/``).

Each edge is keyed by the IRI of the statement it comes from and carries its relation, status,
trial, date and source; nodes carry IRI, label, kind, other spellings and a few dates. The
result holds plain Python strings only, so GraphML/GEXF writers and the page renderer take it as is.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx
from rdflib import Graph, URIRef

from . import paths
from .errors import KGError
from .namespaces import MT

__all__ = ["Projection", "View", "edge_rows", "load_table", "project", "views"]

KIND_OF_CLASS = {MT.Person: "person", MT.Trial: "trial", MT.Organisation: "organisation"}
STATUS_WORD = {MT.Established: "established", MT.Probable: "probable", MT.Disputed: "disputed",
               MT.Alleged: "alleged", MT.Fabricated: "fabricated"}


@dataclass(frozen=True)
class Projection:
    """One row of the projection table: a query that yields edges, and how to label them."""

    name: str
    query: Path
    relation: str
    directed: bool = True
    description: str = ""


@dataclass(frozen=True)
class View:
    """A named set of projections, drawn together."""

    name: str
    projections: tuple[str, ...]
    description: str = ""


def load_table(directory: Path | None = None) -> tuple[dict[str, Projection], dict[str, View]]:
    """Return the projections and views declared in ``projections.toml``."""
    directory = directory or paths.PROJECTIONS_DIR
    table = tomllib.loads((directory / "projections.toml").read_text(encoding="utf-8"))
    projections = {
        row["name"]: Projection(row["name"], directory / row["query"], row["relation"],
                                bool(row.get("directed", True)), row.get("description", ""))
        for row in table.get("projection", [])
    }
    view_table = {
        row["name"]: View(row["name"], tuple(row["projections"]), row.get("description", ""))
        for row in table.get("view", [])
    }
    for view in view_table.values():
        unknown = [p for p in view.projections if p not in projections]
        if unknown:
            raise KGError(f"projections.toml: view {view.name!r} names unknown projections {unknown}")
    return projections, view_table


def views() -> dict[str, View]:
    """Return the named views (``overview``, ``testimony`` …) that ``kg network --view`` accepts."""
    return load_table()[1]


def _text(term: Any) -> str:
    return "" if term is None else str(term)


def edge_rows(graph: Graph, projection: Projection) -> list[dict[str, str]]:
    """Return the edges of one projection as plain dicts (all values strings)."""
    rows = []
    for row in graph.query(projection.query.read_text(encoding="utf-8")):
        record = row.asdict()  # type: ignore[union-attr]
        relation = projection.relation
        if "role" in record:
            relation = f"{record['role']} at"
        rows.append({
            "source": _text(record.get("source")),
            "target": _text(record.get("target")),
            "key": _text(record.get("statement")),
            "relation": relation,
            "projection": projection.name,
            "status": STATUS_WORD.get(record.get("status"), _text(record.get("status"))),  # type: ignore[arg-type]
            "trial": _text(record.get("trial")),
            "date": _text(record.get("date")),
            "source_url": _text(record.get("url")),
            "directed": "yes" if projection.directed else "no",
        })
    return rows


def _node_attributes(graph: Graph) -> dict[str, dict[str, Any]]:
    nodes: dict[str, dict[str, Any]] = {}
    details: dict[str, dict[str, set[str]]] = {}
    for row in graph.query((paths.PROJECTIONS_DIR / "nodes.rq").read_text(encoding="utf-8")):
        node, cls, key, value = (row[0], row[1], str(row[2]), row[3])  # type: ignore[index]
        iri = str(node)
        entry = nodes.setdefault(iri, {"iri": iri, "label": iri.rsplit("/", 1)[-1], "kind": "other",
                                       "alt_labels": set(), "details": {}, "sources": set()})
        kind = KIND_OF_CLASS.get(cls)
        if kind and entry["kind"] in {"other", "organisation"}:
            entry["kind"] = kind
        if key == "label" and getattr(value, "language", None) == "en":
            entry["label"] = str(value)
        elif key in {"label", "alt"}:
            entry["alt_labels"].add(str(value))
        elif key == "source":
            entry["sources"].add(str(value))
        else:
            details.setdefault(iri, {}).setdefault(key, set()).add(str(value))
    for iri, entry in nodes.items():
        entry["alt_labels"] = sorted(entry["alt_labels"])
        entry["sources"] = sorted(entry["sources"])
        # several values of one detail are disputed values: show them all
        entry["details"] = {k: " | ".join(sorted(v)) for k, v in sorted(details.get(iri, {}).items())}
    return nodes


def project(
    graph: Graph | Any,
    *,
    view: str = "overview",
    statuses: set[str] | None = None,
) -> nx.MultiDiGraph:
    """Return the networkx ``MultiDiGraph`` of a view, edges keyed by statement IRI.

    Parameters
    ----------
    graph : rdflib.Graph or KnowledgeGraph
    view : name of a ``[[view]]`` in ``projections.toml``
    statuses : keep only edges whose status word is in this set (e.g. ``{"established"}``)

    Examples
    --------
    >>> import kg
    >>> g = kg.project(kg.load(), view="person-trial")
    >>> all(d["relation"].startswith(("defendant", "accused")) for _, _, d in g.edges(data=True))
    True
    """
    graph = getattr(graph, "graph", graph)
    projections, view_table = load_table()
    if view not in view_table:
        raise KGError(f"unknown view {view!r}; known views: {', '.join(sorted(view_table))}")
    result = nx.MultiDiGraph(view=view)
    nodes = _node_attributes(graph)
    for name in view_table[view].projections:
        for edge in edge_rows(graph, projections[name]):
            if statuses and edge["status"] not in statuses:
                continue
            for end in (edge["source"], edge["target"]):
                if end not in result:
                    attrs = nodes.get(end) or {"iri": end, "label": end.rsplit("/", 1)[-1],
                                               "kind": "other", "alt_labels": [], "details": {}, "sources": []}
                    result.add_node(end, **attrs)
            attrs = {k: v for k, v in edge.items() if k not in {"source", "target", "key"}}
            attrs["trial_iri"] = edge["trial"]
            if edge["trial"]:
                attrs["trial"] = nodes[edge["trial"]]["label"] if edge["trial"] in nodes else _label(graph, edge["trial"])
            result.add_edge(edge["source"], edge["target"], key=edge["key"], **attrs)
            if edge["directed"] == "no":
                result.add_edge(edge["target"], edge["source"], key=edge["key"] + "#reverse", **attrs)
    return result


def _label(graph: Graph, iri: str) -> str:
    for label in graph.objects(URIRef(iri), URIRef("http://www.w3.org/2000/01/rdf-schema#label")):
        if getattr(label, "language", None) == "en":
            return str(label)
    return iri
