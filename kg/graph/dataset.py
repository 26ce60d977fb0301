"""The one store a build lives in: a default graph holding everything, and one named graph per layer.

Issue 16: a build used to fill rdflib's memory store and keep an in-process Oxigraph copy in step with
it for SPARQL. Now a build is written once, into one store, and every reader sees that store:

* ``oxigraph`` (the default): a pyoxigraph ``Store`` (in memory, or the folder of ``oxigraph:PATH``).
  Users, notebooks, pySHACL and networkx code see it through rdflib's ``Graph`` API (oxrdflib, with
  :class:`KGOxigraphStore` keeping plain strings plain); SPARQL runs on Oxigraph itself (:mod:`kg.sparql.engine`).
* ``rdflib`` (``KG_ENGINE=rdflib``): rdflib's pure-Python memory store, the reference the tests compare
  the default against on small graphs. Same layout, same code path; only the engine underneath differs.

The layers (``ontology``, ``curated``, ``established``, ``alleged``) are named graphs (IRIs in
:data:`kg.graph.stores.LAYER_GRAPHS`); the default graph is their union, so a question reads one graph and a
layer export reads one named graph. Derivation (:mod:`kg.graph.derive`) writes through :meth:`Dataset.add`,
:meth:`Dataset.add_construct` and :meth:`Dataset.load_file`, which stay in the engine's own terms (on
Oxigraph a rule's answer goes from the query engine to the bulk loader as N-Triples, never as Python objects).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable
from typing import Any

from rdflib import Graph, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

from kg.namespaces import DATA_PREFIXES, bind_prefixes

__all__ = ["Dataset", "KGOxigraphStore", "engine_from_environment"]


def engine_from_environment() -> str:
    """Return the engine a memory build uses: ``rdflib`` when ``KG_ENGINE=rdflib``, else ``oxigraph``."""
    return "rdflib" if os.environ.get("KG_ENGINE", "oxigraph").strip().lower() == "rdflib" else "oxigraph"


@functools.cache
def _oxigraph_store_class() -> Any:
    from oxrdflib.store import OxigraphStore

    from kg.graph.terms import from_ox

    class _KGOxigraphStore(OxigraphStore):
        """oxrdflib's store, reading terms with :func:`kg.graph.terms.from_ox`: a plain string stays a plain
        ``Literal`` (oxrdflib gives ``"a"^^xsd:string``, which rdflib does not count as the same term, so
        every serialisation and comparison would change)."""

        def triples(self, triple_pattern: Any, context: Any = None) -> Any:
            from oxrdflib._converter import from_ox_graph_name, to_ox_quad_pattern

            try:
                pattern = to_ox_quad_pattern(triple_pattern, context)
            except (TypeError, ValueError):
                return iter(())
            cache: dict[Any, Any] = {}

            def rows() -> Any:
                for q in self._inner.quads_for_pattern(*pattern):
                    yield ((from_ox(q.subject, cache), from_ox(q.predicate, cache), from_ox(q.object, cache)),
                           iter((from_ox_graph_name(q.graph_name, self),)))

            return rows()

        def __len__(self, context: Any = None) -> int:
            import pyoxigraph as ox

            if context is None or context.identifier == DATASET_DEFAULT_GRAPH_ID:
                graph: Any = ox.DefaultGraph()
            else:
                graph = ox.NamedNode(str(context.identifier))
            # a plain COUNT(*), counted in Rust: oxrdflib's COUNT(DISTINCT TRIPLE(...)) is 10x slower, and
            # walking the quads from Python 2x (a graph holds each triple once, so DISTINCT adds nothing)
            found = next(iter(self._inner.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", default_graph=graph)))
            return int(found[0].value)

    return _KGOxigraphStore


def KGOxigraphStore(inner: Any) -> Any:  # noqa: N802 - a class factory: oxrdflib is imported on first use
    """Return an rdflib store over the pyoxigraph ``Store`` *inner* (see ``_KGOxigraphStore``)."""
    return _oxigraph_store_class()(store=inner)


class Dataset:
    """A store holding one build: the default graph and named graphs, on one engine.

    ``Dataset.oxigraph()`` (in memory) or ``Dataset.oxigraph(store)`` (an open pyoxigraph store), and
    ``Dataset.rdflib()``. :meth:`graph` returns an rdflib ``Graph`` view of one graph of it.
    """

    def __init__(self, engine: str, inner: Any) -> None:
        self.engine = engine
        self.inner = inner  # a pyoxigraph Store, or an rdflib Memory store
        self._rdf_store = KGOxigraphStore(inner) if engine == "oxigraph" else inner
        self._views: dict[str | None, Graph] = {}

    @classmethod
    def oxigraph(cls, inner: Any = None) -> Dataset:
        import pyoxigraph as ox

        return cls("oxigraph", ox.Store() if inner is None else inner)

    @classmethod
    def rdflib(cls) -> Dataset:
        from rdflib.plugins.stores.memory import Memory

        return cls("rdflib", Memory())

    @classmethod
    def for_engine(cls, engine: str) -> Dataset:
        return cls.rdflib() if engine == "rdflib" else cls.oxigraph()

    # -- views --------------------------------------------------------------------------------
    def graph(self, name: str | None = None) -> Graph:
        """Return the rdflib ``Graph`` of the default graph (*name* ``None``) or of named graph *name*."""
        view = self._views.get(name)
        if view is None:
            view = bind_prefixes(Graph(store=self._rdf_store,
                                       identifier=URIRef(name) if name else DATASET_DEFAULT_GRAPH_ID))
            self._views[name] = view
        return view

    def _name(self, name: str | None) -> Any:
        if self.engine == "rdflib":
            return self.graph(name)
        import pyoxigraph as ox

        return ox.DefaultGraph() if name is None else ox.NamedNode(name)

    # -- writing ------------------------------------------------------------------------------
    def add(self, triples: Iterable[tuple[Any, Any, Any]], *names: str | None) -> int:
        """Add *triples* (in the engine's terms) to each graph in *names* (``None``: the default graph)."""
        triples = list(triples)
        for name in names:
            graph = self._name(name)
            if self.engine == "rdflib":
                self.inner.addN((s, p, o, graph) for s, p, o in triples)
            else:
                import pyoxigraph as ox

                # bulk_extend: no transaction log (a build is written whole or thrown away)
                self.inner.bulk_extend([ox.Quad(s, p, o, graph) for s, p, o in triples])
        return len(triples)

    def add_construct(self, text: str, source: str | None, *names: str | None, label: str = "query") -> int:
        """Add the triples of CONSTRUCT *text*, run on graph *source*, to each graph in *names*; return how many.

        On Oxigraph the answer never becomes Python objects: it is written as N-Triples and bulk-loaded into
        each graph (Rust both ways), which is what makes derivation over a million joined triples cheap.
        """
        if self.engine == "rdflib":
            return self.add(self.construct(text, source, label=label), *names)
        import pyoxigraph as ox

        data = ox.serialize(self._query(text, source, label), format=ox.RdfFormat.N_TRIPLES) or b""
        for name in names:
            self.inner.bulk_load(data, format=ox.RdfFormat.N_TRIPLES, to_graph=self._name(name))
        return data.count(b"\n")

    def set_aside(self, text: str, source: str | None, *, label: str = "query") -> Any:
        """Remove from the default graph the triples of CONSTRUCT *text* run on graph *source*; return them,
        for :meth:`put_back`. Used to hide the claims from the established rules without copying the rest."""
        if self.engine == "rdflib":
            found = self.construct(text, source, label=label)
            for triple in found:
                self.inner.remove(triple, self.graph(None))
            return found
        import pyoxigraph as ox

        data = ox.serialize(self._query(text, source, label), format=ox.RdfFormat.N_TRIPLES) or b""
        default = ox.DefaultGraph()
        for q in ox.parse(data, format=ox.RdfFormat.N_TRIPLES):
            self.inner.remove(ox.Quad(q.subject, q.predicate, q.object, default))
        return data

    def put_back(self, aside: Any, name: str | None) -> None:
        """Add triples returned by :meth:`set_aside` to graph *name* again."""
        if self.engine == "rdflib":
            self.add(aside, name)
        elif aside:
            import pyoxigraph as ox

            self.inner.bulk_load(aside, format=ox.RdfFormat.N_TRIPLES, to_graph=self._name(name))

    def load_file(self, path: Any, *names: str | None) -> None:
        """Load an RDF file (by suffix) into each graph in *names*, by the store's own loader (Oxigraph: read
        once, in slices, each slice written to every graph)."""
        from kg.graph.stores import load_file, load_into

        if self.engine == "oxigraph":
            load_into(self.inner, path, [self._name(name) for name in names])
        else:
            for name in names:
                load_file(self.graph(name), path)

    def add_rdflib(self, triples: Iterable[tuple[Any, Any, Any]], *names: str | None) -> int:
        """Add rdflib *triples* (converted to the engine's terms) to each graph in *names*.

        On Oxigraph they go as N-Triples text to the bulk loader: writing a term's N-Triples form is ~5x
        cheaper than building a pyoxigraph term for it (date bounds: hundreds of thousands at 10^6 triples).
        """
        if self.engine == "rdflib":
            return self.add(triples, *names)
        import pyoxigraph as ox

        n3: dict[Any, str] = {}

        def text(term: Any) -> str:
            found = n3.get(term)
            if found is None:
                found = n3[term] = term.n3()
            return found

        lines = [f"{text(s)} {text(p)} {text(o)} .\n" for s, p, o in triples]
        data = "".join(lines).encode("utf-8")
        for name in names:
            self.inner.bulk_load(data, format=ox.RdfFormat.N_TRIPLES, to_graph=self._name(name))
        return len(lines)

    def drop(self, name: str) -> None:
        """Remove named graph *name* and its triples."""
        if self.engine == "rdflib":
            self.inner.remove((None, None, None), self.graph(name))
        else:
            import pyoxigraph as ox

            self.inner.remove_graph(ox.NamedNode(name))

    # -- reading ------------------------------------------------------------------------------
    def construct(self, text: str, name: str | None = None, *, label: str = "query") -> list[tuple[Any, Any, Any]]:
        """Return the triples of CONSTRUCT *text* run on graph *name*, in the engine's terms."""
        if self.engine == "rdflib":
            from rdflib import Dataset as RdflibDataset

            # the default graph is asked through a Dataset, so that GRAPH <layer> patterns see the named graphs
            on = self.graph(name) if name is not None else RdflibDataset(store=self.inner)
            result = on.query(text, initNs=dict(DATA_PREFIXES))
            return [tuple(t) for t in result]  # type: ignore[misc]
        return [(t.subject, t.predicate, t.object) for t in self._query(text, name, label)]

    def _query(self, text: str, name: str | None, label: str) -> Any:
        from kg.errors import QuerySyntaxError

        kwargs: dict[str, Any] = {"prefixes": dict(DATA_PREFIXES)}
        if name is not None:
            import pyoxigraph as ox

            kwargs["default_graph"] = ox.NamedNode(name)
        try:
            return self.inner.query(text, **kwargs)
        except SyntaxError as exc:
            raise QuerySyntaxError(f"SPARQL syntax error in {label}: {exc}") from None

    def size(self, name: str | None = None) -> int:
        return len(self.graph(name))
