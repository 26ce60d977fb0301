"""Open a store by spec, and load files into it: where a graph lives.

Three stores, named by one string (``kg.load(store=...)``, ``kg COMMAND --store ...``):

``memory``
    one in-process Oxigraph store (the default: nothing to start), seen through rdflib's ``Graph`` API
    (:mod:`kg.graph.dataset`); ``KG_ENGINE=rdflib`` puts it in rdflib's pure-Python memory store
    instead, the reference the tests compare against.
``oxigraph:PATH``
    a persistent on-disk Oxigraph store (RocksDB) behind rdflib through oxrdflib.
``sparql:URL``
    any SPARQL 1.1 query endpoint (Oxigraph, Fuseki, Virtuoso, GraphDB, QLever ...) through rdflib's
    ``SPARQLStore`` (:mod:`kg.sparql.remote`); read-only (``kg push`` writes to one).

Running SPARQL on any of them is :mod:`kg.sparql.engine`'s job; talking HTTP is :mod:`kg.sparql.remote`'s.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rdflib import Graph, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

from kg.errors import StoreError
from kg.namespaces import BASE

__all__ = ["BUILD_GRAPH", "FINGERPRINT", "LAYER_GRAPHS", "StoreError", "StoreSpec", "graph_to_memory", "is_remote",
           "load_file", "load_into", "open_graph", "open_oxigraph", "parse_spec"]

#: Named graphs that hold each layer of a build in an Oxigraph store or on an endpoint that
#: ``kg push`` wrote to; the default graph holds the whole build (every layer together).
LAYER_GRAPHS = {name: BASE + f"graph/{name}" for name in ("ontology", "curated", "established", "alleged")}
#: The named graph holding the fingerprint of the files a persistent store was built from.
BUILD_GRAPH = BASE + "graph/build"
FINGERPRINT = BASE + "graph/fingerprint"

_FORMS = "memory, oxigraph:PATH (a folder) or sparql:URL (a SPARQL 1.1 query endpoint)"


@dataclass(frozen=True)
class StoreSpec:
    """A parsed store spec: ``kind`` is memory, oxigraph or sparql; ``location`` a folder or a URL."""

    kind: str
    location: str = ""

    def __str__(self) -> str:
        return self.kind if self.kind == "memory" else f"{self.kind}:{self.location}"


def parse_spec(spec: str | StoreSpec | None) -> StoreSpec:
    """Return the :class:`StoreSpec` of ``memory``, ``oxigraph:PATH`` or ``sparql:URL``.

    Examples
    --------
    >>> parse_spec("oxigraph:build/store")
    StoreSpec(kind='oxigraph', location='build/store')
    >>> parse_spec("sparql:http://127.0.0.1:7878/query").kind
    'sparql'
    """
    if isinstance(spec, StoreSpec):
        return spec
    spec = (spec or "memory").strip()
    if spec == "memory":
        return StoreSpec("memory")
    kind, sep, location = spec.partition(":")
    if kind == "oxigraph":
        if not sep or not location:
            raise StoreError(f"store {spec!r} names no folder; write oxigraph:PATH, e.g. oxigraph:build/store")
        return StoreSpec("oxigraph", location)
    if kind == "sparql":
        if not re.match(r"^https?://", location):
            raise StoreError(f"store {spec!r}: give the endpoint's http(s) URL, e.g. sparql:http://127.0.0.1:7878/query")
        return StoreSpec("sparql", location)
    raise StoreError(f"unknown store {spec!r}; a store is {_FORMS}")


# --------------------------------------------------------------------------------------------
def open_graph(spec: str | StoreSpec, *, identifier: str | None = None) -> Graph:
    """Return an rdflib ``Graph`` on the store named by *spec* (its default graph unless *identifier*)."""
    spec = parse_spec(spec)
    if spec.kind == "memory":
        from kg.graph.dataset import Dataset, engine_from_environment

        return Dataset.for_engine(engine_from_environment()).graph()
    if spec.kind == "oxigraph":
        from oxrdflib.store import OxigraphStore

        return Graph(store=OxigraphStore(store=open_oxigraph(spec.location)),
                     identifier=URIRef(identifier) if identifier else DATASET_DEFAULT_GRAPH_ID)
    # context_aware=False: otherwise rdflib sends the Graph's identifier as default-graph-uri and the
    # endpoint answers from an empty graph.
    from kg.sparql.remote import timed_store_class

    store = timed_store_class()(query_endpoint=spec.location, returnFormat="json", method="POST_FORM",
                                 context_aware=False)
    return Graph(store=store, identifier=URIRef(identifier) if identifier else DATASET_DEFAULT_GRAPH_ID)


_OPEN: dict[str, Any] = {}


def open_oxigraph(location: str | os.PathLike[str]) -> Any:
    """Return the pyoxigraph ``Store`` in folder *location* (created if missing; one per process)."""
    import pyoxigraph as ox

    path = Path(location).resolve()
    if str(path) in _OPEN:
        return _OPEN[str(path)]
    if path.exists() and not path.is_dir():
        raise StoreError(f"oxigraph:{location} is a file; an Oxigraph store is a folder")
    path.mkdir(parents=True, exist_ok=True)
    try:
        store = ox.Store(str(path))
    except OSError as exc:
        raise StoreError(f"cannot open the Oxigraph store in {location}: {exc} "
                         "(is another process, e.g. `kg serve`, using it?)") from None
    _OPEN[str(path)] = store
    return store


_FILE_FORMATS = {".nt": ("nt", "N_TRIPLES"), ".ttl": ("turtle", "TURTLE"), ".nq": ("nquads", "N_QUADS"),
                 ".trig": ("trig", "TRIG"), ".rdf": ("xml", "RDF_XML"), ".owl": ("xml", "RDF_XML"),
                 ".jsonld": ("json-ld", "JSON_LD")}


#: How many triples :func:`load_file` parses and writes at a time (memory is bounded by one slice).
LOAD_SLICE = 1_000_000


def load_file(graph: Graph, path: str | os.PathLike[str]) -> int:
    """Add the triples of the RDF file *path* to *graph*; return how many triples the store gained.

    The way in depends on the store, so that joining person-level data (Memorial-scale files of tens
    of millions of triples) takes the fastest path that gives the same graph: an Oxigraph store (the
    default, or ``oxigraph:PATH``) is filled by :func:`load_into`, in slices; rdflib's memory store is
    filled by rdflib's parser. The format follows the file suffix.
    """
    from oxrdflib.store import OxigraphStore

    path = Path(path)
    rdflib_format, _ox_name = _file_format(path)
    if is_remote(graph):
        raise StoreError("a remote endpoint is filled with `kg push`, not by loading a file into it")
    if isinstance(graph.store, OxigraphStore):
        import pyoxigraph as ox

        named = graph.identifier != DATASET_DEFAULT_GRAPH_ID
        return load_into(graph.store._inner, path, [ox.NamedNode(str(graph.identifier)) if named else ox.DefaultGraph()])
    before = len(graph)
    graph.parse(str(path), format=rdflib_format)
    return len(graph) - before


def load_into(store: Any, path: str | os.PathLike[str], targets: list[Any]) -> int:
    """Load the RDF file *path* into each graph of *targets* of the pyoxigraph *store*; return the quads gained.

    The file is read once, in slices of :data:`LOAD_SLICE` statements, and each slice is written to every
    target without a transaction log, so memory stays bounded by one slice whatever the file's size (one
    ``bulk_load`` of 5x10^7 triples peaked at 22.8 GB). N-Triples slices are lines handed to the bulk
    loader whole (parsed in Rust); other formats are parsed by Oxigraph and written slice by slice.
    A syntax error stops the load where it is found, naming the line; the slices before it stay loaded.
    """
    import itertools

    import pyoxigraph as ox

    path = Path(path)
    _rdflib_format, ox_name = _file_format(path)
    fmt = getattr(ox.RdfFormat, ox_name)
    before = len(store)  # Oxigraph counts in Rust (0.1 s at 10^6); len(graph) walks oxrdflib (5 s)
    try:
        if ox_name in {"N_TRIPLES", "N_QUADS"}:
            done = 0
            with path.open("rb") as lines:
                while chunk := list(itertools.islice(lines, LOAD_SLICE)):
                    data = b"".join(chunk)
                    for target in targets:
                        try:
                            store.bulk_load(data, format=fmt, to_graph=target)
                        except SyntaxError as exc:
                            raise StoreError(f"{path}:{done + (exc.lineno or 1)}: {exc.msg}") from None
                    done += len(chunk)
        else:
            quads = ox.parse(path=str(path), format=fmt, base_iri=path.resolve().as_uri(), rename_blank_nodes=True)
            while chunk := list(itertools.islice(quads, LOAD_SLICE)):
                store.bulk_extend([ox.Quad(q.subject, q.predicate, q.object, target)
                                   for target in targets for q in chunk])
    except SyntaxError as exc:
        raise StoreError(f"{path}: {exc}") from None
    return len(store) - before


def _file_format(path: Path) -> tuple[str, str]:
    """Return rdflib's and Oxigraph's names of the format of *path* (by suffix), or refuse it."""
    if path.suffix.lower() not in _FILE_FORMATS:
        raise StoreError(f"{path}: unknown RDF file suffix; use one of {', '.join(sorted(_FILE_FORMATS))}")
    if not path.is_file():
        raise StoreError(f"{path}: no such file")
    return _FILE_FORMATS[path.suffix.lower()]


# --------------------------------------------------------------------------------------------
def is_remote(graph: Graph) -> bool:
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    return isinstance(graph.store, SPARQLStore)


def graph_to_memory(graph: Graph, *, named: str | None = None) -> Graph:
    """Return an rdflib memory copy of *graph* (or of its named graph *named*), plain strings kept plain."""
    from kg.graph.terms import ox_triples_to_rdflib
    from kg.namespaces import bind_prefixes
    from kg.sparql.engine import oxigraph_target
    from kg.sparql.remote import http_post_form

    out = bind_prefixes(Graph())
    where = f"GRAPH <{named}> {{ ?s ?p ?o }}" if named else "?s ?p ?o"
    target = oxigraph_target(graph)
    if target is not None:
        import pyoxigraph as ox

        store, graph_name = target
        if named:
            graph_name = ox.NamedNode(named)
        out.addN((s, p, o, out) for s, p, o in ox_triples_to_rdflib(
            store.quads_for_pattern(None, None, None, graph_name if graph_name is not None else ox.DefaultGraph())))
        return out
    if is_remote(graph):
        import pyoxigraph as ox

        # Asked over HTTP for N-Triples and read by Oxigraph's parser: faster than SPARQLStore's CONSTRUCT.
        data = http_post_form(graph.store.query_endpoint, {"query": f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ {where} }}"},
                               accept="application/n-triples")
        out.addN((s, p, o, out) for s, p, o in ox_triples_to_rdflib(ox.parse(data, format=ox.RdfFormat.N_TRIPLES)))
        return out
    out += graph
    return out


# --------------------------------------------------------------------------------------------
