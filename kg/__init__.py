"""The Moscow Trials Knowledge Graph: load, validate, query, project and export.

The public API, for notebooks and scripts (the ``kg`` command is a thin layer over it)::

    import kg
    graph = kg.load()                          # ontology + graph_data/, with derived layers
    report = kg.validate(graph)                # SHACL shapes + violation checks
    kg.list_questions()                        # the named SPARQL questions
    rows = kg.run_query(graph, "defendants", {"trial": "trial:1936-sixteen"})
    rows.to_dataframe()                        # pandas, imported only when asked for
    net = kg.project(graph, view="overview")   # networkx MultiDiGraph, edges keyed by statement
    kg.render_network(net, "network.html")     # one offline HTML file
    kg.centrality_table(net)                   # degree, betweenness, eigenvector, community
    kg.write_graph(net, "overview.graphml")    # GraphML / GEXF / node-link JSON for graph tools
    kg.write_timeline(graph, "timeline.png", trial="Trial of the Sixteen")
    kg.export(graph, "json-ld")                # build/moscow-trials.jsonld, written atomically
    kg.build_site(graph, "site")               # a page per person and trial, offline; kg.release.release(): a bundle

Names are imported lazily so that ``kg --help`` does not pay for rdflib, pyshacl or networkx.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "load": "loader",
    "KnowledgeGraph": "loader",
    "data_files": "loader",
    "validate": "validation",
    "ValidationReport": "validation",
    "list_questions": "queries",
    "load_question": "queries",
    "run_query": "queries",
    "resolve_iri": "queries",
    "QueryResult": "queries",
    "project": "network",
    "views": "network",
    "ego_network": "network",
    "relation_count": "network",
    "centrality_table": "analytics",
    "communities": "analytics",
    "shortest_path": "analytics",
    "write_graph": "graph_exports",
    "timeline_events": "timeline",
    "write_timeline": "timeline",
    "show_timeline": "notebook",
    "render_network": "render",
    "network_page": "render",
    "show_network": "notebook",
    "network_iframe": "notebook",
    "export": "exports",
    "serialize": "exports",
    "layer_graph": "exports",
    "formats": "exports",
    "build": "builder",
    "build_site": "site",
    "entity_document": "documents",
    "KGError": "errors",
    "find_contradictions": "contradictions",
    "article_report": "article",
    "list_rules": "contradictions",
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module 'kg' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
