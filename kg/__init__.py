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
    kg.build_site(graph, "site")               # a page per person and trial, offline; kg.outputs.release.release(): a bundle

Names are imported lazily so that ``kg --help`` does not pay for rdflib, pyshacl or networkx.

The package is layered; each subpackage's docstring says what it may import:

``kg.graph``     the graph and its one store: reading files, the dataset, derivation, validation
``kg.sparql``    SPARQL on any store, remote endpoints, and the registry of ``.rq`` files (``kg/sparql/rq/``)
``kg.display``     what people look at: networks, pages, the site, the timeline (they ask named questions)
``kg.outputs``   files a build writes: exports, graph files, the build itself, the release, hosting
``kg.server``    the SPARQL server's gateway and the reconciliation service
and at the top, used by all: ``errors``, ``paths``, ``namespaces``, ``dates``, ``atomic``; ``cli`` uses all.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "load": "graph.loader",
    "KnowledgeGraph": "graph.loader",
    "data_files": "graph.loader",
    "Dataset": "graph.dataset",
    "validate": "graph.validation",
    "ValidationReport": "graph.validation",
    "list_questions": "sparql.questions",
    "load_question": "sparql.questions",
    "run_query": "sparql.questions",
    "resolve_iri": "sparql.questions",
    "QueryResult": "sparql.questions",
    "project": "display.network",
    "views": "display.network",
    "ego_network": "display.network",
    "relation_count": "display.network",
    "centrality_table": "display.analytics",
    "communities": "display.analytics",
    "shortest_path": "display.analytics",
    "write_graph": "outputs.graph_exports",
    "timeline_events": "display.timeline",
    "write_timeline": "display.timeline",
    "show_timeline": "display.notebook",
    "render_network": "display.render",
    "network_page": "display.render",
    "show_network": "display.notebook",
    "network_iframe": "display.notebook",
    "export": "outputs.exports",
    "serialize": "outputs.exports",
    "layer_graph": "outputs.exports",
    "formats": "outputs.exports",
    "build": "outputs.builder",
    "build_site": "display.site",
    "entity_document": "display.documents",
    "KGError": "errors",
    "find_contradictions": "graph.contradictions",
    "article_report": "display.article",
    "list_rules": "graph.contradictions",
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module 'kg' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
