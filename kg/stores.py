"""Open a store by spec, and answer SPARQL on it by the fastest path that gives the same answer.

Three stores, named by one string (``kg.load(store=...)``, ``kg COMMAND --store ...``):

``memory``
    rdflib's in-memory store (the default: nothing to start). SPARQL runs on an in-process Oxigraph
    copy of the graph (a *mirror*, rebuilt whenever the rdflib graph changes), because rdflib's engine
    does not reorder joins: the named questions, checks and projections run 10-40x faster and give the
    same rows (``tests/test_stores.py`` compares them). ``KG_ENGINE=rdflib`` switches back to rdflib's
    engine, e.g. to compare.
``oxigraph:PATH``
    a persistent on-disk Oxigraph store (RocksDB) behind rdflib through oxrdflib. Queries run on the
    pyoxigraph store directly: oxrdflib's ``prepareQuery`` silently falls back to rdflib's engine, its
    ``initBindings`` raise for variables outside the SELECT list, and its term conversion turns plain
    strings into ``xsd:string`` literals.
``sparql:URL``
    any SPARQL 1.1 query endpoint (Oxigraph, Fuseki, Virtuoso, GraphDB, QLever ...) through rdflib's
    ``SPARQLStore``; read-only (``kg push`` writes to one).

Parameters never become query text by string pasting: rdflib binds them (``initBindings``), Oxigraph
binds them (``substitutions``, which also reach every sub-query that projects the variable). Two cases
are left to a ``VALUES`` block, serialised by Oxigraph's own term classes (which reject anything that
is not a valid IRI or literal) at the start of the query's WHERE group and of each sub-SELECT that
projects the variable (:func:`with_values`): a variable that an Oxigraph SELECT does not project
(pyoxigraph 0.5 refuses to substitute it), and remote endpoints (the protocol has no bindings, and
rdflib's ``SPARQLStore`` appends ``VALUES`` after the query, which does not restrict a variable that
is grouped away).
"""

from __future__ import annotations

import os
import re
import time
import urllib.parse
import urllib.request
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

from .errors import KGError, QuerySyntaxError
from .namespaces import BASE, DATA_PREFIXES

__all__ = [
    "LAYER_GRAPHS",
    "SparqlResult",
    "StoreError",
    "StoreSpec",
    "dump",
    "engine_name",
    "from_ox",
    "graph_to_memory",
    "load_file",
    "open_graph",
    "oxigraph_target",
    "parse_spec",
    "push",
    "query",
    "to_ox",
    "with_values",
]

#: Named graphs that hold each layer of a build in an Oxigraph store or on an endpoint that
#: ``kg push`` wrote to; the default graph holds the whole build (every layer together).
LAYER_GRAPHS = {name: BASE + f"graph/{name}" for name in ("ontology", "curated", "established", "alleged")}
#: The named graph holding the fingerprint of the files a persistent store was built from.
BUILD_GRAPH = BASE + "graph/build"
FINGERPRINT = BASE + "graph/fingerprint"

_FORMS = "memory, oxigraph:PATH (a folder) or sparql:URL (a SPARQL 1.1 query endpoint)"


class StoreError(KGError):
    """A store spec that cannot be used: unknown kind, missing path, unreachable endpoint, locked folder."""

    exit_code = 2


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
# Terms: rdflib <-> pyoxigraph. Plain strings stay plain (oxrdflib makes them xsd:string, and
# rdflib does not count "a" and "a"^^xsd:string as the same term).

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def to_ox(term: Any) -> Any:
    """Return the pyoxigraph term for an rdflib term (``None`` stays ``None``)."""
    import pyoxigraph as ox

    if term is None:
        return None
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)) if term.datatype else None)
    raise KGError(f"cannot use {term!r} as an RDF term")


def from_ox(term: Any, cache: dict[Any, Any] | None = None) -> Any:
    """Return the rdflib term for a pyoxigraph term; *cache* (a dict) saves rebuilding repeated terms."""
    if term is None:
        return None
    if cache is not None:
        hit = cache.get(term)
        if hit is not None:
            return hit
    import pyoxigraph as ox

    kind = type(term)
    if kind is ox.NamedNode:
        out: Any = URIRef(term.value)
    elif kind is ox.BlankNode:
        out = BNode(term.value)
    elif kind is ox.Literal:
        if term.language:
            out = Literal(term.value, lang=term.language)
        else:
            datatype = term.datatype.value
            out = Literal(term.value) if datatype == _XSD_STRING else Literal(term.value, datatype=URIRef(datatype))
    else:
        raise KGError(f"unsupported term from Oxigraph: {term!r}")
    if cache is not None:
        cache[term] = out
    return out


def _ox_triples_to_rdflib(triples: Iterable[Any]) -> Iterator[tuple[Any, Any, Any]]:
    cache: dict[Any, Any] = {}
    for t in triples:
        yield from_ox(t.subject, cache), from_ox(t.predicate, cache), from_ox(t.object, cache)


# --------------------------------------------------------------------------------------------
# Opening stores


def open_graph(spec: str | StoreSpec, *, identifier: str | None = None) -> Graph:
    """Return an rdflib ``Graph`` on the store named by *spec* (its default graph unless *identifier*)."""
    spec = parse_spec(spec)
    if spec.kind == "memory":
        from .dataset import Dataset, engine_from_environment

        return Dataset.for_engine(engine_from_environment()).graph()
    if spec.kind == "oxigraph":
        from oxrdflib.store import OxigraphStore

        return Graph(store=OxigraphStore(store=open_oxigraph(spec.location)),
                     identifier=URIRef(identifier) if identifier else DATASET_DEFAULT_GRAPH_ID)
    # context_aware=False: otherwise rdflib sends the Graph's identifier as default-graph-uri and the
    # endpoint answers from an empty graph.
    store = _timed_store_class()(query_endpoint=spec.location, returnFormat="json", method="POST_FORM",
                                 context_aware=False)
    return Graph(store=store, identifier=URIRef(identifier) if identifier else DATASET_DEFAULT_GRAPH_ID)


#: Seconds a remote endpoint may take to answer one request (``KG_SPARQL_TIMEOUT``), and its bounds.
DEFAULT_TIMEOUT, TIMEOUT_BOUNDS = 60.0, (0.1, 3600.0)
_RESULT_TYPES = ("application/sparql-results+json", "application/sparql-results+xml", "application/json",
                 "application/xml", "text/xml", "text/turtle", "application/n-triples", "application/rdf+xml",
                 "application/ld+json", "text/plain")


def client_timeout() -> float:
    """Return how long a remote endpoint may take per request, in seconds: ``KG_SPARQL_TIMEOUT``
    (default 60), clamped to 0.1–3600 so that no call waits for ever."""
    raw = os.environ.get("KG_SPARQL_TIMEOUT", "")
    try:
        value = float(raw) if raw.strip() else DEFAULT_TIMEOUT
    except ValueError:
        raise StoreError(f"KG_SPARQL_TIMEOUT={raw!r} is not a number of seconds") from None
    return min(max(value, TIMEOUT_BOUNDS[0]), TIMEOUT_BOUNDS[1])


_TIMED: Any = None


def _timed_store_class() -> Any:
    """Return rdflib's ``SPARQLStore`` with a request that has a time limit and clear errors.

    rdflib's connector calls ``urlopen`` without a timeout (a slow endpoint hangs the caller for
    ever) and hands an HTML error page to the results parser. This one posts the form itself, with
    :func:`client_timeout`, and raises :class:`StoreError` for an endpoint that is down, slow, or
    answers something that is not SPARQL results.
    """
    global _TIMED
    if _TIMED is not None:
        return _TIMED
    from io import BytesIO

    from rdflib.plugins.stores.sparqlconnector import SPARQLConnector
    from rdflib.plugins.stores.sparqlstore import SPARQLStore
    from rdflib.query import Result

    class _TimedConnector(SPARQLConnector):
        def query(self, query: str, default_graph: str | None = None, named_graph: str | None = None) -> Any:
            form = {"query": query}
            if default_graph is not None and not isinstance(default_graph, BNode):
                form["default-graph-uri"] = default_graph
            data, content_type = _http_post_form(self.query_endpoint, form, accept=self.response_mime_types(),
                                                 timeout=client_timeout(), with_type=True)
            if content_type not in _RESULT_TYPES:
                start = data[:80].decode("utf-8", "replace").strip().replace("\n", " ")
                raise StoreError(f"the endpoint {self.query_endpoint} answered {content_type or 'no content type'} "
                                 f"({start!r} …), not SPARQL results; is this the query URL of a SPARQL endpoint?")
            try:
                return Result.parse(BytesIO(data), content_type=content_type)
            except Exception as exc:
                raise StoreError(f"the endpoint {self.query_endpoint} sent results that cannot be read "
                                 f"({type(exc).__name__}: {str(exc)[:200]})") from None

    class TimedSPARQLStore(SPARQLStore, _TimedConnector):
        """``SPARQLStore`` whose requests have a time limit (``KG_SPARQL_TIMEOUT``) and clear errors."""

    _TIMED = TimedSPARQLStore
    return _TIMED


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


def load_file(graph: Graph, path: str | os.PathLike[str]) -> int:
    """Add the triples of the RDF file *path* to *graph*; return how many triples *graph* gained.

    The way in depends on the store, so that joining person-level data (Memorial-scale files of tens
    of millions of triples) to the build takes the fastest path that gives the same graph:
    an Oxigraph store (``oxigraph:PATH``) uses Oxigraph's bulk loader (parallel parsing, no
    transaction log: 10-30x rdflib's parser, see ``benchmarks/``); rdflib's memory store is filled by
    rdflib's parser (its own store cannot be filled faster). The format follows the file suffix.
    """
    import pyoxigraph as ox
    from oxrdflib.store import OxigraphStore

    path = Path(path)
    if path.suffix.lower() not in _FILE_FORMATS:
        raise StoreError(f"{path}: unknown RDF file suffix; use one of {', '.join(sorted(_FILE_FORMATS))}")
    if not path.is_file():
        raise StoreError(f"{path}: no such file")
    rdflib_format, ox_name = _FILE_FORMATS[path.suffix.lower()]
    if _is_remote(graph):
        raise StoreError("a remote endpoint is filled with `kg push`, not by loading a file into it")
    if isinstance(graph.store, OxigraphStore):
        store = graph.store._inner
        name = None if graph.identifier == DATASET_DEFAULT_GRAPH_ID else ox.NamedNode(str(graph.identifier))
        before = len(store)  # Oxigraph counts in Rust (0.1 s at 10^6); len(graph) walks oxrdflib (5 s)
        try:
            store.bulk_load(path=str(path), format=getattr(ox.RdfFormat, ox_name),
                            to_graph=name if name is not None else ox.DefaultGraph())
        except SyntaxError as exc:
            raise StoreError(f"{path}: {exc}") from None
        return len(store) - before
    before = len(graph)
    graph.parse(str(path), format=rdflib_format)
    return len(graph) - before


# --------------------------------------------------------------------------------------------
# Running SPARQL


def _is_remote(graph: Graph) -> bool:
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    return isinstance(graph.store, SPARQLStore)


def oxigraph_target(graph: Graph, *, build: bool = True) -> tuple[Any, Any] | None:  # noqa: ARG001
    """Return ``(pyoxigraph store, graph name or None)`` that holds *graph*, or ``None``.

    ``None`` means rdflib's engine answers (``KG_ENGINE=rdflib``, or a graph the caller made in
    rdflib's memory store) or a remote endpoint. There is no copy to build: a build lives in one store
    (:mod:`kg.dataset`). *build* is kept for callers of the former API and has no effect.
    """
    from oxrdflib.store import OxigraphStore

    if isinstance(graph.store, OxigraphStore):
        import pyoxigraph as ox

        name = None if graph.identifier == DATASET_DEFAULT_GRAPH_ID else ox.NamedNode(str(graph.identifier))
        return graph.store._inner, name
    return None


def engine_name(graph: Graph) -> str:
    """Return which engine answers SPARQL on *graph*: ``oxigraph``, ``rdflib`` or ``remote``."""
    if _is_remote(graph):
        return "remote"
    from oxrdflib.store import OxigraphStore

    return "oxigraph" if isinstance(graph.store, OxigraphStore) else "rdflib"


@dataclass
class SparqlResult:
    """A query's answer in rdflib terms: ``type`` SELECT (``vars``, ``rows``), ASK (``answer``) or CONSTRUCT (``triples``)."""

    type: str
    vars: list[str] = field(default_factory=list)
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    answer: bool = False
    triples: list[tuple[Any, Any, Any]] = field(default_factory=list)

    def records(self) -> list[dict[str, Any]]:
        """Return SELECT rows as dicts, leaving out unbound variables (like rdflib's ``asdict``)."""
        return [{k: v for k, v in zip(self.vars, row, strict=False) if v is not None} for row in self.rows]


#: SPARQL text that hides keywords: strings, IRIs and comments (matched whole, so nothing inside them counts).
SPARQL_OPAQUE = (r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
                 r'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>"{}|^`\\\s]*>|#[^\n]*')
_TOKEN = re.compile(SPARQL_OPAQUE + r'|\{|\(|\)|[?$][A-Za-z_][A-Za-z0-9_]*|\b(?:WHERE|CONSTRUCT|SELECT|AS)\b',
                    re.IGNORECASE)


def _where_brace(text: str) -> int:
    """Return the offset of the brace that opens the query's WHERE group (-1 if none)."""
    construct = False
    after_where = False
    for match in _TOKEN.finditer(text):
        token = match.group(0)
        upper = token.upper()
        if upper == "CONSTRUCT":
            construct = True
        elif upper == "WHERE":
            after_where = True
        elif token == "{" and (after_where or not construct):
            return match.start()
    return -1


def with_values(text: str, bindings: Mapping[str, Any]) -> str:
    """Return SPARQL *text* with *bindings* (name -> rdflib term) as a VALUES block opening its WHERE group.

    Examples
    --------
    >>> print(with_values("SELECT ?n WHERE { ?p <http://e/name> ?n }", {"p": URIRef("http://e/x")}))
    SELECT ?n WHERE { VALUES (?p) { (<http://e/x>) } ?p <http://e/name> ?n }
    """
    if not bindings:
        return text
    at = _where_brace(text)
    if at < 0:
        raise QuerySyntaxError("cannot bind parameters: the query has no WHERE group")
    names, values = [], []
    for name, term in bindings.items():
        names.append(f"?{name}")
        values.append(str(_checked_term(name, term)))  # Oxigraph's own serialisation of a checked term
    block = f" VALUES ({' '.join(names)}) {{ ({' '.join(values)}) }}"
    # Also into every sub-SELECT that projects all the bound variables as they are: a sub-query is
    # evaluated on its own (it cannot see the outer VALUES), so without this it would aggregate over
    # every trial to keep one. Joining on a projected variable makes the two forms equivalent.
    for brace in sorted({at, *_subselect_braces(text, {n[1:] for n in names})}, reverse=True):
        text = text[: brace + 1] + block + text[brace + 1:]
    return text


def _subselect_braces(text: str, names: set[str]) -> list[int]:
    """Return the offsets of the WHERE braces of the sub-SELECTs that project every variable in *names*.

    A variable counts only when projected plainly (``?trial``), not as an alias (``(… AS ?trial)``).
    The first SELECT (the query itself) is skipped: :func:`with_values` handles it.

    >>> q = "SELECT ?t WHERE { { SELECT ?t (COUNT(?x) AS ?n) WHERE { ?x <p> ?t } GROUP BY ?t } }"
    >>> [q[i:i + 6] for i in _subselect_braces(q, {"t"})]
    ['{ ?x <']
    """
    found: list[int] = []
    selects = 0
    projected: set[str] | None = None
    depth = 0
    previous = ""
    for match in _TOKEN.finditer(text):
        token = match.group(0)
        upper = token.upper()
        if token[0] in "#\"'<":  # a comment, string or IRI: nothing inside counts
            continue
        if upper == "SELECT":
            selects += 1
            projected, depth = (set() if selects > 1 else None), 0
        elif projected is not None:
            if token == "(":
                depth += 1
            elif token == ")":
                depth -= 1
            elif token[0] in "?$" and depth == 0 and previous.upper() != "AS":
                projected.add(token[1:])
            elif token == "{":
                if names <= projected:
                    found.append(match.start())
                projected = None
        previous = token
    return found


def _prefix_lines(prefixes: Mapping[str, str]) -> str:
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in prefixes.items())


def query(
    graph: Graph,
    text: str,
    bindings: Mapping[str, Any] | None = None,
    *,
    prefixes: Mapping[str, str] | None = None,
    name: str = "query",
) -> SparqlResult:
    """Return the answer to SPARQL *text* on *graph* by the fastest engine for its store.

    *bindings* maps variable names to rdflib terms; *prefixes* (default: the project's) may be used
    by the text without declaring them. SELECT rows hold rdflib terms, ``None`` where unbound.
    """
    bindings = dict(bindings or {})
    prefixes = DATA_PREFIXES if prefixes is None else prefixes
    target = oxigraph_target(graph)
    if target is not None:
        return _query_oxigraph(target, text, bindings, prefixes, name)
    if _is_remote(graph):
        full = _prefix_lines(prefixes) + with_values(text, bindings)
        try:
            result = graph.query(full)
        except KGError:
            raise
        except Exception as exc:
            raise QuerySyntaxError(f"{name}: the endpoint refused the query: {str(exc).strip()[:500]}") from None
    else:
        from rdflib import Variable

        result = graph.query(text, initNs=dict(prefixes), initBindings={Variable(k): v for k, v in bindings.items()})
    if result.type == "ASK":
        return SparqlResult("ASK", answer=bool(result.askAnswer))
    if result.type in {"CONSTRUCT", "DESCRIBE"}:
        triples = result.graph if result.graph is not None else result
        return SparqlResult("CONSTRUCT", triples=[tuple(t) for t in triples])  # type: ignore[misc, union-attr]
    variables = [str(v) for v in (result.vars or [])]
    return SparqlResult("SELECT", vars=variables, rows=[tuple(r) for r in result])  # type: ignore[arg-type]


#: Oxigraph's refusal to substitute a variable its SELECT does not project (pyoxigraph 0.5).
_UNPROJECTED = re.compile(r"does not contains? variable \?(\w+) in its SELECT projection")


def _checked_term(name: str, term: Any) -> Any:
    """Return the pyoxigraph term for parameter *name*; a blank node or a bad variable name is refused."""
    if isinstance(term, BNode):
        raise QuerySyntaxError(f"parameter {name!r}: a blank node cannot be bound on this store")
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise QuerySyntaxError(f"{name!r} is not a SPARQL variable name")
    return to_ox(term)


def _query_oxigraph(target: tuple[Any, Any], text: str, bindings: Mapping[str, Any],
                    prefixes: Mapping[str, str], name: str) -> SparqlResult:
    import pyoxigraph as ox

    store, graph_name = target
    kwargs: dict[str, Any] = {"prefixes": dict(prefixes)}
    if graph_name is not None:
        kwargs["default_graph"] = graph_name
    # Oxigraph binds the parameters itself (``substitutions``, SPARQL-dev SEP-0007), also inside every
    # sub-query that projects them, so no text is rewritten. It refuses a variable that the SELECT does not
    # project (accusers' ?person, people's ?name ...): only those fall back to the VALUES block.
    substituted = {key: _checked_term(key, term) for key, term in bindings.items()}
    pasted: dict[str, Any] = {}
    while True:
        try:
            answer = store.query(with_values(text, pasted),
                                 substitutions={ox.Variable(k): v for k, v in substituted.items()} or None, **kwargs)
            break
        except SyntaxError as exc:
            raise QuerySyntaxError(f"SPARQL syntax error in {name}: {exc}") from None
        except RuntimeError as exc:
            unprojected = _UNPROJECTED.search(str(exc))
            if unprojected is None or unprojected.group(1) not in substituted:
                raise
            del substituted[unprojected.group(1)]
            pasted[unprojected.group(1)] = bindings[unprojected.group(1)]
    if isinstance(answer, ox.QueryBoolean):
        return SparqlResult("ASK", answer=bool(answer))
    if isinstance(answer, ox.QueryTriples):
        return SparqlResult("CONSTRUCT", triples=list(_ox_triples_to_rdflib(answer)))
    variables = [v.value for v in answer.variables]
    cache: dict[Any, Any] = {}
    rows = [tuple(from_ox(value, cache) for value in solution) for solution in answer]
    return SparqlResult("SELECT", vars=variables, rows=rows)


def graph_to_memory(graph: Graph, *, named: str | None = None) -> Graph:
    """Return an rdflib memory copy of *graph* (or of its named graph *named*), plain strings kept plain."""
    from .namespaces import bind_prefixes

    out = bind_prefixes(Graph())
    where = f"GRAPH <{named}> {{ ?s ?p ?o }}" if named else "?s ?p ?o"
    target = oxigraph_target(graph, build=False)
    if target is not None:
        import pyoxigraph as ox

        store, graph_name = target
        if named:
            graph_name = ox.NamedNode(named)
        out.addN((s, p, o, out) for s, p, o in _ox_triples_to_rdflib(
            store.quads_for_pattern(None, None, None, graph_name if graph_name is not None else ox.DefaultGraph())))
        return out
    if _is_remote(graph):
        import pyoxigraph as ox

        # Asked over HTTP for N-Triples and read by Oxigraph's parser: faster than SPARQLStore's CONSTRUCT.
        data = _http_post_form(graph.store.query_endpoint, {"query": f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ {where} }}"},
                               accept="application/n-triples")
        out.addN((s, p, o, out) for s, p, o in _ox_triples_to_rdflib(ox.parse(data, format=ox.RdfFormat.N_TRIPLES)))
        return out
    out += graph
    return out


# --------------------------------------------------------------------------------------------
# Writing: serialise with Oxigraph, push to an endpoint


def dump(graph: Graph, fmt: str, *, prefixes: Mapping[str, str] | None = None) -> bytes | None:
    """Return *graph* serialised by Oxigraph in ``turtle``, ``nt`` or expanded ``json-ld``, or ``None``.

    A graph in rdflib's memory store (``KG_ENGINE=rdflib``, or one a caller assembled, such as a layer
    export) is handed to Oxigraph as rdflib's N-Triples first, so every graph is written by the same
    writer. ``None`` for a remote store.
    """
    import pyoxigraph as ox

    target = oxigraph_target(graph)
    if target is None:
        if _is_remote(graph):
            return None
        store = ox.Store()
        store.bulk_load(graph.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)
        target = (store, None)
    store, graph_name = target
    ox_format = {"turtle": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "json-ld": ox.RdfFormat.JSON_LD}[fmt]
    return store.dump(format=ox_format, from_graph=graph_name if graph_name is not None else ox.DefaultGraph(),
                      prefixes=dict(prefixes or {}) if ox_format is not ox.RdfFormat.N_TRIPLES else None)


def push(
    url: str,
    graphs: Mapping[str | None, bytes],
    *,
    via: str = "gsp",
    token: str | None = None,
    timeout: float = 300,
) -> list[str]:
    """Send N-Triples *graphs* (graph IRI, or ``None`` for the default graph) to an endpoint; return what was done.

    ``via="gsp"`` replaces each graph with an HTTP PUT to the Graph Store Protocol endpoint *url*
    (``?default`` or ``?graph=IRI``); ``via="update"`` posts ``DROP``/``INSERT DATA`` to the SPARQL Update
    endpoint *url* in batches. *token* is sent as ``Authorization: Bearer TOKEN``.
    """
    if via not in {"gsp", "update"}:
        raise StoreError(f"unknown push method {via!r}; use gsp (Graph Store Protocol) or update (SPARQL Update)")
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    done = []
    for graph_iri, data in graphs.items():
        label = f"<{graph_iri}>" if graph_iri else "the default graph"
        n = data.count(b"\n")
        if via == "gsp":
            target = url + ("&" if "?" in url else "?") + (
                "default" if graph_iri is None else "graph=" + urllib.parse.quote(graph_iri, safe=""))
            _http(target, "PUT", data, {**headers, "Content-Type": "application/n-triples"}, timeout)
        else:
            drop = "DROP SILENT DEFAULT" if graph_iri is None else f"DROP SILENT GRAPH <{graph_iri}>"
            _update(url, drop, headers, timeout)
            lines = data.splitlines(keepends=True)
            for start in range(0, len(lines), 20_000):
                body = b"".join(lines[start:start + 20_000]).decode("utf-8")
                inner = body if graph_iri is None else f"GRAPH <{graph_iri}> {{\n{body}}}"
                _update(url, f"INSERT DATA {{\n{inner}}}", headers, timeout)
        done.append(f"{n} triples to {label}")
    return done


def _http_post_form(url: str, form: Mapping[str, str], *, accept: str, timeout: float | None = None,
                    with_type: bool = False) -> Any:
    """Return the body of a form POST to *url* (and its content type, if *with_type*); clear errors."""
    import urllib.error

    timeout = client_timeout() if timeout is None else timeout
    request = urllib.request.Request(url, data=urllib.parse.urlencode(form).encode("utf-8"), method="POST",
                                     headers={"Accept": accept, "Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            data = response.read()
            content_type = (response.headers.get("Content-Type") or "").split(";")[0].strip().lower()
    except urllib.error.HTTPError as exc:
        raise StoreError(f"POST {url}: HTTP {exc.code} {exc.reason}: {exc.read().decode('utf-8', 'replace')[:300]}") from None
    except TimeoutError:
        raise StoreError(f"POST {url}: the endpoint did not answer within {timeout:g} s "
                         "(KG_SPARQL_TIMEOUT sets the limit)") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, TimeoutError):
            raise StoreError(f"POST {url}: the endpoint did not answer within {timeout:g} s "
                             "(KG_SPARQL_TIMEOUT sets the limit)") from None
        raise StoreError(f"POST {url}: cannot reach the endpoint ({reason})") from None
    return (data, content_type) if with_type else data


def _update(url: str, text: str, headers: Mapping[str, str], timeout: float) -> None:
    _http(url, "POST", text.encode("utf-8"), {**headers, "Content-Type": "application/sparql-update"}, timeout)


def _http(url: str, method: str, data: bytes, headers: Mapping[str, str], timeout: float) -> None:
    import urllib.error

    request = urllib.request.Request(url, data=data, method=method, headers=dict(headers))
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
    except urllib.error.HTTPError as exc:
        body = exc.read().decode("utf-8", "replace").strip()[:300]
        hint = " (give the server's token with --token)" if exc.code in (401, 403) else ""
        raise StoreError(f"{method} {url}: HTTP {exc.code} {exc.reason}{hint}: {body}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise StoreError(f"{method} {url}: cannot reach the endpoint ({reason})") from None


def wait_for(url: str, *, timeout: float = 30.0) -> None:
    """Return once a SPARQL endpoint at *url* answers ``ASK {}``; raise :class:`StoreError` after *timeout* s."""
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        try:
            request = urllib.request.Request(url + "?query=" + urllib.parse.quote("ASK {}"),
                                             headers={"Accept": "application/sparql-results+json"})
            with urllib.request.urlopen(request, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError as exc:
            last = exc
        time.sleep(0.1)
    raise StoreError(f"the endpoint {url} did not answer within {timeout:.0f} s ({last})")
