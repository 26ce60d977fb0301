"""Project the graph to networkx through the declarative projection table (``projections/``).

Each edge is keyed by the IRI of the statement it comes from (a pair edge, such as two
co-defendants, by the IRIs of both statements, space-separated) and carries its relation, status,
trial, date and source; nodes carry IRI, label, kind, other spellings, a few dates, and for people
their ``fate`` and whether they were ``rehabilitated``. Values are plain strings, lists of strings
and (``details``) a dict of strings: ``kg.outputs.graph_exports`` flattens them for GraphML and GEXF.

An undirected relation is stored as two edges, the second keyed ``KEY#reverse`` (see
:func:`is_mirror`), so that directed algorithms and ``in_edges``/``out_edges`` see it from both
ends; pages, graph files and :func:`relation_count` count it once.

Why one module of over 400 lines: projecting rows to edges, pairing parties and building the node table share
one edge model (keys, mirrors, statuses); split, each part would need the others to be read.
"""

from __future__ import annotations

import itertools
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx
from rdflib import Graph, URIRef

from kg.errors import KGError, ParameterError
from kg.namespaces import MT

__all__ = [
    "FATES",
    "MIRROR_SUFFIX",
    "Projection",
    "View",
    "edge_rows",
    "ego_network",
    "fate_of",
    "is_mirror",
    "load_table",
    "project",
    "relation_count",
    "views",
]

KIND_OF_CLASS = {MT.Person: "person", MT.Trial: "trial", MT.Organisation: "organisation",
                 MT.ChargeType: "charge"}
STATUS_WORD = {MT.Established: "established", MT.Probable: "probable", MT.Disputed: "disputed",
               MT.Alleged: "alleged", MT.Fabricated: "fabricated"}
#: From most to least established: a pair edge takes the later of its two statements' statuses.
STATUS_ORDER = ("established", "probable", "disputed", "alleged", "unsupported", "retracted", "fabricated")

#: The key suffix of the second edge that stores an undirected relation.
MIRROR_SUFFIX = "#reverse"

#: What became of a person, from the manner of death (``mt:manner``'s label). A person with
#: disputed manners gets the first fate in FATES order; no recorded death is "unknown".
FATE_OF_MANNER = {
    "executed": "executed",
    "died in custody": "died in prison or camp",
    "killed": "killed",
    "suicide": "suicide",
    "natural causes": "survived",
}
FATES = ("executed", "died in prison or camp", "killed", "suicide", "survived", "unknown")

# Columns of a projection query with a fixed meaning; any other column becomes an edge attribute.
_STANDARD_COLUMNS = {"source", "target", "statement", "status", "trial", "date", "url", "role", "member"}


@dataclass(frozen=True)
class Projection:
    """One row of the projection table: a query that yields edges, and how to label them."""

    name: str
    query: Path
    relation: str
    directed: bool = True
    description: str = ""
    pair_by: str = ""
    shared: str = ""


@dataclass(frozen=True)
class View:
    """A named set of projections, drawn together (``ego``: one person's neighbourhood of them)."""

    name: str
    projections: tuple[str, ...]
    description: str = ""
    ego: bool = False


def load_table(directory: Path | None = None) -> tuple[dict[str, Projection], dict[str, View]]:
    """Return the projections and views declared in ``projections.toml``."""
    from kg.sparql import registry

    directory = directory or registry.folder("projection")
    table = tomllib.loads((directory / "projections.toml").read_text(encoding="utf-8"))
    projections = {
        row["name"]: Projection(row["name"], registry.find("projection", Path(row["query"]).stem, directory).path,
                                row["relation"],
                                bool(row.get("directed", True)), row.get("description", ""),
                                row.get("pair_by", ""), row.get("shared", ""))
        for row in table.get("projection", [])
    }
    view_table = {
        row["name"]: View(row["name"], tuple(row["projections"]), row.get("description", ""),
                          bool(row.get("ego", False)))
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


def _status_word(term: Any) -> str:
    """Return ``established``, ``alleged`` … for a status IRI (any other IRI: its lower-cased local name)."""
    if term in STATUS_WORD:
        return STATUS_WORD[term]
    text = _text(term)
    return text.rsplit("#", 1)[-1].rsplit("/", 1)[-1].lower() if text else ""


def _weaker(statuses: list[str]) -> str:
    """Return the least established of *statuses* (unknown words count as weakest of all)."""
    rank = {word: i for i, word in enumerate(STATUS_ORDER)}
    return max(statuses, key=lambda s: (rank.get(s, len(rank)), s)) if statuses else ""


def edge_rows(graph: Graph, projection: Projection) -> list[dict[str, str]]:
    """Return the edges of one projection as plain dicts (all values strings).

    Every dict has ``source``, ``target``, ``key`` (the statement IRI or IRIs), ``relation``,
    ``projection``, ``status``, ``trial``, ``date``, ``source_url`` and ``directed``, plus one entry
    per extra column of the query. A ``pair_by`` projection's party rows are paired first.
    """
    from kg.sparql.questions import read_records

    records = read_records(graph, projection.query)
    if projection.pair_by:
        return _pair_rows(records, projection)
    return sorted(_edge_rows(records, projection), key=lambda r: (r["source"], r["target"], r["key"]))


def _edge_rows(records: list[dict[str, Any]], projection: Projection) -> list[dict[str, str]]:
    """Return one edge per row. The caller sorts them: an engine returns grouped rows in its own order, and
    networkx keeps insertion order, so unsorted rows gave graph files and pages that changed from run to run."""
    rows = []
    for record in records:
        relation = projection.relation
        if "role" in record:
            relation = f"{record['role']} at"
        row = {
            "source": _text(record.get("source")),
            "target": _text(record.get("target")),
            "key": _text(record.get("statement")),
            "relation": relation,
            "projection": projection.name,
            "status": _status_word(record.get("status")),
            "trial": _text(record.get("trial")),
            "date": _text(record.get("date")),
            # GROUP_CONCAT's order is left to the engine: sort, so every store gives the same edge
            "source_url": " ".join(sorted(set(_text(record.get("url")).split()))),
            "directed": "yes" if projection.directed else "no",
        }
        row.update({k: _text(v) for k, v in sorted(record.items()) if k not in _STANDARD_COLUMNS})
        rows.append(row)
    return rows


def _split(value: str, separator: str) -> set[str]:
    return {part.strip() for part in value.split(separator) if part.strip()}


def _pair_rows(records: list[dict[str, Any]], projection: Projection) -> list[dict[str, str]]:
    """Return one undirected edge for every two members of a group (see ``projections.toml``)."""
    group_column, shared = projection.pair_by, projection.shared
    # group -> member -> what their rows say (a member may have several statements in one group)
    groups: dict[str, dict[str, dict[str, set[str]]]] = {}
    for record in records:
        group, member = _text(record.get(group_column)), _text(record.get("member"))
        if not group or not member:
            continue
        party = groups.setdefault(group, {}).setdefault(member, {
            "statement": set(), "status": set(), "trial": set(), "date": set(), "url": set(), "shared": set(),
            "extra": {}})
        party["statement"].add(_text(record.get("statement")))
        for column, value in record.items():
            if column not in _STANDARD_COLUMNS and column not in {group_column, shared} and _text(value):
                party["extra"].setdefault(column, set()).add(_text(value))
        party["status"].add(_status_word(record.get("status")))
        for column in ("trial", "date"):
            if record.get(column) is not None:
                party[column].add(_text(record[column]))
        party["url"] |= _split(_text(record.get("url")), " ")
        if shared:
            party["shared"] |= _split(_text(record.get(shared)), "|")
    rows = []
    for group in sorted(groups):
        members = groups[group]
        for a, b in itertools.combinations(sorted(members), 2):
            first, second = members[a], members[b]
            overlap = first["shared"] & second["shared"]
            if shared and not overlap:
                continue
            row = {
                "source": a,
                "target": b,
                "key": " ".join(sorted((first["statement"] | second["statement"]) - {""})),
                "relation": projection.relation,
                "projection": projection.name,
                "status": _weaker(sorted(first["status"] | second["status"])),
                "trial": min(first["trial"] | second["trial"], default=""),
                "date": min(first["date"] | second["date"], default=""),
                "source_url": " ".join(sorted(first["url"] | second["url"])),
                "directed": "yes" if projection.directed else "no",
            }
            for column in sorted(first["extra"].keys() | second["extra"].keys()):
                row[column] = " | ".join(sorted(first["extra"].get(column, set()) | second["extra"].get(column, set())))
            if shared:
                row[shared] = " | ".join(sorted(overlap))
            rows.append(row)
    return rows


def _node_attributes(graph: Graph) -> dict[str, dict[str, Any]]:
    nodes: dict[str, dict[str, Any]] = {}
    details: dict[str, dict[str, set[str]]] = {}
    from kg.sparql import registry
    from kg.sparql.engine import query

    nodes_rq = registry.find("projection", "nodes").path
    for row in query(graph, nodes_rq.read_text(encoding="utf-8"), name=str(nodes_rq)).rows:
        node, cls, key, value = (row[0], row[1], str(row[2]), row[3])  # type: ignore[index]
        iri = str(node)
        entry = nodes.setdefault(iri, {"iri": iri, "label": iri.rsplit("/", 1)[-1], "kind": "other",
                                       "alt_labels": set(), "details": {}, "sources": set()})
        kind = KIND_OF_CLASS.get(cls)
        if kind and entry["kind"] in {"other", "organisation"}:
            entry["kind"] = kind
        if key == "class":
            continue  # gives the kind (above) to nodes that have no label
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
        if entry["kind"] == "person":
            entry["fate"] = fate_of(entry["details"])
            entry["rehabilitated"] = ("yes" if entry["details"].get("rehabilitated") else
                                      "refused" if entry["details"].get("rehabilitation refused") else "no")
    return nodes


def fate_of(details: dict[str, str]) -> str:
    """Return what became of a person (one of :data:`FATES`) from their ``details``' ``manner``.

    Examples
    --------
    >>> fate_of({"manner": "executed"}), fate_of({"manner": "natural causes"}), fate_of({})
    ('executed', 'survived', 'unknown')
    >>> fate_of({"manner": "killed | unknown"})  # disputed: the first known fate in FATES order
    'killed'
    """
    found = {FATE_OF_MANNER.get(m.strip().lower(), "unknown") for m in str(details.get("manner", "")).split("|")}
    return next(fate for fate in FATES if fate in found) if found else "unknown"


def project(
    graph: Graph | Any,
    *,
    view: str = "overview",
    statuses: set[str] | None = None,
    focus: str | None = None,
    hops: int = 2,
    trial: str | None = None,
    citations: Mapping[str, Mapping[str, str]] | None = None,
) -> nx.MultiDiGraph:
    """Return the networkx ``MultiDiGraph`` of a view, edges keyed by statement IRI.

    Parameters
    ----------
    graph : rdflib.Graph or KnowledgeGraph
    view : name of a ``[[view]]`` in ``projections.toml``
    statuses : keep only edges whose status word is in this set (e.g. ``{"established"}``)
    focus : a person (IRI, ``person:slug`` or any recorded name): keep everyone within *hops*
        steps of them (see :func:`ego_network`); required by an ``ego`` view
    hops : the ego view's radius
    trial : keep only edges about this trial (IRI, ``trial:slug`` or a name)
    citations : the citation table (:func:`kg.display.citations.citation_links`) when the caller has it already;
        otherwise the ``sources`` question is asked here

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
    chosen = view_table[view]
    if chosen.ego and not focus:
        raise ParameterError(f"the {view!r} view needs a person: give --focus NAME (any spelling), "
                             "e.g. --focus Bukharin")
    trial_iri = _resolve(graph, trial, "trial") if trial else ""
    result = nx.MultiDiGraph(view=view)
    nodes = _node_attributes(graph)
    for name in chosen.projections:
        for edge in edge_rows(graph, projections[name]):
            if statuses and edge["status"] not in statuses:
                continue
            if trial_iri and edge["trial"] != trial_iri:
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
                result.add_edge(edge["target"], edge["source"], key=edge["key"] + MIRROR_SUFFIX, **attrs)
    # the sources of edges and nodes are source IRIs: the page shows them as citations of the works
    from kg.display.citations import citation_links

    cited = {iri for _, _, d in result.edges(data=True) for iri in _text(d.get("source_url")).split()}
    cited |= {iri for _, d in result.nodes(data=True) for iri in d.get("sources") or []}
    links = citation_links(graph) if citations is None else citations
    result.graph["citations"] = {iri: links[iri] for iri in sorted(cited) if iri in links}
    if focus:
        centre = _resolve(graph, focus, "person")
        if centre not in result:
            label = nodes.get(centre, {}).get("label", centre)
            raise ParameterError(f"{label} ({centre}) has no edge in the {view!r} "
                          "view" + (" with these filters" if statuses or trial_iri else "")
                          + "; try another person or view")
        result = ego_network(result, centre, hops=hops)
    return result


def _resolve(graph: Graph, value: str, hint: str) -> str:
    from kg.sparql.questions import resolve_iri

    return str(resolve_iri(graph, value, hint=hint))


def ego_network(net: nx.MultiDiGraph, focus: str, *, hops: int = 2) -> nx.MultiDiGraph:
    """Return the part of *net* within *hops* steps of node *focus*, direction ignored.

    Every edge between two kept nodes is kept, with its attributes (``networkx.ego_graph``).

    Examples
    --------
    >>> import networkx as nx
    >>> net = nx.MultiDiGraph([("a", "b"), ("c", "b"), ("c", "d")])
    >>> sorted(ego_network(net, "a", hops=2))
    ['a', 'b', 'c']
    """
    if hops < 0:
        raise ParameterError(f"--hops must be 0 or more, not {hops}")
    ego = nx.ego_graph(net, focus, radius=hops, undirected=True)
    ego.graph.update(net.graph, focus=focus, hops=hops)
    return ego


def is_mirror(key: Any, attrs: dict[str, Any]) -> bool:
    """Return whether an edge is the second half of an undirected relation (drawn and counted once)."""
    return attrs.get("directed") == "no" and str(key).endswith(MIRROR_SUFFIX)


def relation_count(net: nx.Graph) -> int:
    """Return how many relations *net* holds: its edges, an undirected relation counted once.

    Examples
    --------
    >>> import networkx as nx
    >>> net = nx.MultiDiGraph()
    >>> _ = net.add_edge("a", "b", key="s1", directed="no")
    >>> _ = net.add_edge("b", "a", key="s1" + MIRROR_SUFFIX, directed="no")
    >>> _ = net.add_edge("a", "c", key="s2", directed="yes")
    >>> net.number_of_edges(), relation_count(net)
    (3, 2)
    """
    if not net.is_multigraph():
        return net.number_of_edges()
    return sum(1 for _, _, key, attrs in net.edges(keys=True, data=True) if not is_mirror(key, attrs))


def _label(graph: Graph, iri: str) -> str:
    for label in graph.objects(URIRef(iri), URIRef("http://www.w3.org/2000/01/rdf-schema#label")):
        if getattr(label, "language", None) == "en":
            return str(label)
    return iri
