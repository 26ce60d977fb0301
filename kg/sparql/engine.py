"""Answer SPARQL on any store by its own engine, with parameters bound by the engine.

A graph of the one build store (:mod:`kg.graph.dataset`) is answered by Oxigraph directly (oxrdflib's
``prepareQuery`` would silently fall back to rdflib's engine, its ``initBindings`` raise for variables
outside the SELECT list, and its terms turn plain strings into ``xsd:string``); a graph in rdflib's
memory store by rdflib's engine (``KG_ENGINE=rdflib``, the reference); a remote endpoint over HTTP.

Parameters never become query text by string pasting: rdflib binds them (``initBindings``), Oxigraph
binds them (``substitutions``, which also reach every sub-query that projects the variable). Two cases
are left to a ``VALUES`` block, serialised by Oxigraph's own term classes (which reject anything that
is not a valid IRI or literal) at the start of the query's WHERE group and of each sub-SELECT that
projects the variable (:func:`with_values`): a variable that an Oxigraph SELECT does not project
(pyoxigraph 0.5 refuses to substitute it), and remote endpoints (the protocol has no bindings, and
rdflib's ``SPARQLStore`` appends ``VALUES`` after the query, which does not restrict a variable that
is grouped away, nor one a FILTER reads).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from rdflib import BNode, Graph
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

from kg.errors import KGError, QuerySyntaxError
from kg.graph.stores import is_remote
from kg.graph.terms import from_ox, ox_triples_to_rdflib, to_ox
from kg.namespaces import DATA_PREFIXES

__all__ = ["SPARQL_OPAQUE", "SparqlResult", "dump", "engine_name", "oxigraph_target", "query", "with_values"]

def oxigraph_target(graph: Graph) -> tuple[Any, Any] | None:
    """Return ``(pyoxigraph store, graph name or None)`` that holds *graph*, or ``None``.

    ``None`` means rdflib's engine answers (``KG_ENGINE=rdflib``, or a graph the caller made in
    rdflib's memory store) or a remote endpoint. A build lives in one store (:mod:`kg.graph.dataset`).
    """
    from oxrdflib.store import OxigraphStore

    if isinstance(graph.store, OxigraphStore):
        import pyoxigraph as ox

        name = None if graph.identifier == DATASET_DEFAULT_GRAPH_ID else ox.NamedNode(str(graph.identifier))
        return graph.store._inner, name
    return None


def engine_name(graph: Graph) -> str:
    """Return which engine answers SPARQL on *graph*: ``oxigraph``, ``rdflib`` or ``remote``."""
    if is_remote(graph):
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
    >>> from rdflib import URIRef
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
    if is_remote(graph):
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
        return SparqlResult("CONSTRUCT", triples=list(ox_triples_to_rdflib(answer)))
    variables = [v.value for v in answer.variables]
    cache: dict[Any, Any] = {}
    rows = [tuple(from_ox(value, cache) for value in solution) for solution in answer]
    return SparqlResult("SELECT", vars=variables, rows=rows)


def dump(graph: Graph, fmt: str, *, prefixes: Mapping[str, str] | None = None) -> bytes | None:
    """Return *graph* serialised by Oxigraph in ``turtle``, ``nt`` or expanded ``json-ld``, or ``None``.

    A graph in rdflib's memory store (``KG_ENGINE=rdflib``, or one a caller assembled, such as a layer
    export) is handed to Oxigraph as rdflib's N-Triples first, so every graph is written by the same
    writer. ``None`` for a remote store.
    """
    import pyoxigraph as ox

    target = oxigraph_target(graph)
    if target is None:
        if is_remote(graph):
            return None
        store = ox.Store()
        store.bulk_load(graph.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)
        target = (store, None)
    store, graph_name = target
    ox_format = {"turtle": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "json-ld": ox.RdfFormat.JSON_LD}[fmt]
    return store.dump(format=ox_format, from_graph=graph_name if graph_name is not None else ox.DefaultGraph(),
                      prefixes=dict(prefixes or {}) if ox_format is not ox.RdfFormat.N_TRIPLES else None)
