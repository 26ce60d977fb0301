"""Read a data file into triples, and refuse what must never enter the graph — with the file and the line.

Oxigraph parses (~50x rdflib); rdflib stays the judge of syntax (a file Oxigraph refuses is read again by
rdflib, whose errors name the line) and of lexical forms (Oxigraph does not check that "1936-02-30" is no
date). Refused, by line: ill-typed literals, lone surrogates, IRIs that are relative or point at the
curator's disk, literals of a whole pasted document, and the properties only the build may write.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from kg.errors import DataSyntaxError

__all__ = ["DATA_FORMATS", "MAX_LITERAL", "STREAMED_SUFFIXES", "check_data_file", "check_triples",
           "derived_properties", "line_of_triple", "parse_turtle_file", "quiet_literal_warnings", "read_data_file",
           "read_turtle", "refuse_derived"]

def parse_turtle_file(path: Path, graph: Graph | None = None) -> Graph:
    """Return *graph* (or a new one) with *path* parsed into it; syntax errors name file and line.

    rdflib's ``BadSyntax`` carries a 0-based line count and a character offset; they are turned
    into a 1-based ``file:line`` message. Bytes that are not UTF-8 are reported by line too.
    """
    graph = Graph() if graph is None else graph
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DataSyntaxError(path, line, f"not valid UTF-8 (byte 0x{data[exc.start]:02x}); save the file as UTF-8") from None
    if not text.strip():
        raise DataSyntaxError(path, None, "the file is empty; delete it or add its triples")
    try:
        graph.parse(data=text, format="turtle", publicID=path.resolve().as_uri())
    except Exception as exc:  # rdflib raises BadSyntax, ValueError, or others for odd input
        lines = getattr(exc, "lines", None)
        line = lines + 1 if isinstance(lines, int) else None
        reason = getattr(exc, "_why", None) or str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataSyntaxError(path, line, f"Turtle syntax error: {reason}") from None
    return graph


#: The RDF formats a ``--data`` file may be in, by suffix (Oxigraph's format names).
DATA_FORMATS = {".ttl": "TURTLE", ".nt": "N_TRIPLES", ".rdf": "RDF_XML", ".owl": "RDF_XML", ".xml": "RDF_XML",
                ".jsonld": "JSON_LD", ".json": "JSON_LD"}


def read_data_file(path: Path) -> list[tuple[Any, Any, Any]]:
    """Return the triples of a user's RDF file (``--data``), parsed by Oxigraph, as pyoxigraph terms.

    Turtle goes the curated files' way (rdflib names the line of a syntax error); the other formats
    are parsed by Oxigraph, whose errors carry the line. Blank nodes are renamed, so two files that
    both say ``_:b1`` do not merge their nodes. JSON-LD contexts are never fetched from the network.
    """
    fmt = _data_format(path)
    return read_turtle(path) if fmt == "TURTLE" else list(_parsed(path, fmt))


#: Suffixes of the line-based formats that :func:`check_data_file` checks as they stream and the store loads in
#: slices (one statement per line), instead of reading them into a list.
STREAMED_SUFFIXES = frozenset({".nt"})


def check_data_file(path: Path) -> None:
    """Check a user's N-Triples file (``--data``) as Oxigraph streams it, keeping nothing in memory.

    The same refusals as :func:`check_triples`, with the file and the line; a syntax error names its line.
    The triples are loaded afterwards by the store's own loader (:func:`kg.graph.stores.load_file`).
    """
    check_triples(path, _parsed(path, _data_format(path)))


def _data_format(path: Path) -> str:
    """Return Oxigraph's name of the format of ``--data`` file *path*, or refuse a missing file or suffix."""
    if not path.is_file():
        raise DataSyntaxError(path, None, "no such file (given with --data)")
    fmt = DATA_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise DataSyntaxError(path, None, f"cannot tell the RDF format from the suffix {path.suffix!r}; "
                              f"name the file {', '.join(sorted(DATA_FORMATS))}")
    return fmt


def _parsed(path: Path, fmt: str) -> Iterator[tuple[Any, Any, Any]]:
    """Yield the triples of *path* as Oxigraph streams them; a parse error names the file and the line."""
    import pyoxigraph as ox

    name = fmt.replace("_", "-")
    try:
        for q in ox.parse(path=str(path), format=getattr(ox.RdfFormat, fmt), base_iri=path.resolve().as_uri(),
                          rename_blank_nodes=True):
            yield q.subject, q.predicate, q.object
    except SyntaxError as exc:
        raise DataSyntaxError(path, exc.lineno, f"{name} syntax error: {exc.msg}") from None
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        raise DataSyntaxError(path, None, f"cannot be read as {name}: {exc}") from None


def read_turtle(path: Path) -> list[tuple[Any, Any, Any]]:
    """Return the triples of Turtle file *path* as pyoxigraph terms, parsed by Oxigraph (~50x rdflib).

    On any problem the file goes through :func:`parse_turtle_file`, so errors read exactly as before
    (rdflib names the line) and rdflib stays the judge of syntax; what rdflib accepts and Oxigraph
    refused is converted term by term.
    """
    import pyoxigraph as ox

    data = path.read_bytes()
    if data.strip():
        try:
            quads = ox.parse(data, format=ox.RdfFormat.TURTLE, base_iri=path.resolve().as_uri(),
                             rename_blank_nodes=True)
            return [(q.subject, q.predicate, q.object) for q in quads]
        except (SyntaxError, ValueError, UnicodeDecodeError):
            pass
    from kg.graph.terms import to_ox

    triples = list(parse_turtle_file(path))
    # what rdflib reads and no Oxigraph term can hold is refused here, by line
    for triple in triples:
        for term in triple:
            if _SURROGATE.search(term):
                _refuse_surrogate(path)
            if isinstance(term, URIRef) and _NOT_IN_IRI.search(term):
                _refuse_bad_iri(path, str(term))
    try:
        return [(to_ox(s), to_ox(p), to_ox(o)) for s, p, o in triples]
    except ValueError as exc:
        raise DataSyntaxError(path, None, f"Turtle syntax error: {exc}") from None


_NOT_IN_IRI = re.compile(r'[\x00-\x20<>"{}|^`\\]')
#: The longest literal a data file may hold, in characters (a note or a quotation is far shorter).
MAX_LITERAL = 1_000_000


class _LiteralWarnings:
    """A logging filter that drops rdflib's "Failed to convert Literal" warnings (with their traceback):
    :func:`check_triples` reports the same values as errors naming the file and line."""

    def filter(self, record: object) -> bool:
        message = str(getattr(record, "msg", ""))
        return not (message.startswith("Failed to convert Literal") or "does not look like a valid URI" in message)


@contextmanager
def quiet_literal_warnings() -> Iterator[None]:
    import logging

    logger, quiet = logging.getLogger("rdflib.term"), _LiteralWarnings()
    logger.addFilter(quiet)
    try:
        yield
    finally:
        logger.removeFilter(quiet)


def _line_of(path: Path, needle: str) -> int | None:
    """Return the 1-based line of *path* where *needle* first occurs (for error messages), or None."""
    text = path.read_text(encoding="utf-8", errors="replace")
    at = text.find(needle)
    return text.count("\n", 0, at) + 1 if at >= 0 else None


_PREFIX_LINE = re.compile(r"(?:@prefix|PREFIX)\s+([A-Za-z][\w.\-]*)?:\s*<([^>]*)>", re.IGNORECASE)
_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}|\\U0000[dD][89a-fA-F][0-9a-fA-F]{2}")


def _tokens(text: str, term: Node) -> list[str]:
    """Return the ways *term* can be written in Turtle *text*: ``<iri>`` and ``prefix:local`` forms."""
    if not isinstance(term, URIRef):
        return [f'"{term}"'] if isinstance(term, Literal) else []
    iri = str(term)
    found = [f"<{iri}>"]
    for prefix, namespace in _PREFIX_LINE.findall(text):
        if namespace and iri.startswith(namespace) and iri != namespace:
            found.append(f"{prefix}:{iri[len(namespace):]}")
    return found


def _positions(text: str, tokens: list[str]) -> list[int]:
    """Return the offsets in *text* where one of *tokens* stands as a whole term, in order."""
    found: list[int] = []
    for token in tokens:
        pattern = re.escape(token) if token[0] in '<"' else r"(?<![\w:\-])" + re.escape(token) + r"(?![\w\-])"
        found += [m.start() for m in re.finditer(pattern, text)]
    return sorted(found)


def line_of_triple(path: Path, s: Node, p: Node, o: Node | None = None) -> int | None:
    """Return the 1-based line of *path* where the triple ``s p o`` is written, or None if not found.

    Parsers give no positions for triples, so the triple is found in the text: the first place the
    predicate is written after the subject (as ``<iri>`` or with one of the file's prefixes),
    preferring one followed by the object; failing that, the subject's line. For error messages only.
    """
    text = path.read_text(encoding="utf-8", errors="replace")
    subjects = _positions(text, _tokens(text, s))
    predicates = _positions(text, _tokens(text, p))
    objects = _positions(text, _tokens(text, o)) if o is not None else []
    start = subjects[0] if subjects else 0
    after = [at for at in predicates if at > start] or predicates
    with_object = [at for at in after if any(at < ob <= at + 400 for ob in objects)]
    at = (with_object or after or subjects or [-1])[0]
    return text.count("\n", 0, at) + 1 if at >= 0 else None


_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


def check_triples(path: Path, triples: Iterable[tuple[Any, Any, Any]]) -> Any:
    """Return *triples* (pyoxigraph terms), or raise :class:`DataSyntaxError` at the first literal that is
    not a valid value of its datatype (``"1936-02-30"^^xsd:date``), with the line it is on.

    Also refused, by line: a lone UTF-16 surrogate (``"\\uD800"``: no UTF-8 writer can write it, so
    every export would fail later), and an IRI that Turtle resolved against the file's own path
    (``<foo>``, ``<#x>``, ``<file:///…>``): published, it would show the curator's disk. Oxigraph does not
    check lexical forms, so a typed literal is judged by rdflib (``Literal.ill_typed``); plain strings,
    the bulk of the data, need no check.
    """
    import pyoxigraph as ox

    base = path.resolve().as_uri()
    named, literal = ox.NamedNode, ox.Literal
    for triple in triples:
        for term in triple:
            kind = type(term)
            if kind is named:
                iri = term.value
                if iri.startswith("file:"):
                    written = iri[len(base):] if iri.startswith(base) else (
                        iri[len(base.rsplit("/", 1)[0]) + 1:] if iri.startswith(base.rsplit("/", 1)[0] + "/")
                        else iri)
                    line = _line_of(path, f"<{written}>") or _line_of(path, "<file:")
                    raise DataSyntaxError(path, line, f"<{written}> is a relative IRI (or a file: IRI): it would "
                                          f"publish a path on this computer ({iri}); write a full https:// IRI or "
                                          "a prefixed name such as person:slug")
                if _NOT_IN_IRI.search(iri):
                    _refuse_bad_iri(path, iri)
                if _SURROGATE.search(iri):
                    _refuse_surrogate(path)
            elif kind is literal:
                value = term.value
                if _SURROGATE.search(value):
                    _refuse_surrogate(path)
                if len(value) > MAX_LITERAL:
                    line = _line_of(path, value[:200])
                    raise DataSyntaxError(path, line, f"a literal of {len(value):,} characters (the limit is "
                                          f"{MAX_LITERAL:,}): was a whole document pasted in? cite it as a source instead")
                datatype = term.datatype.value
                if datatype != _XSD_STRING and datatype != _LANG_STRING:
                    _check_lexical(path, value, datatype)
    return triples


def _refuse_bad_iri(path: Path, iri: str) -> None:
    line = _line_of(path, iri)
    bad = _NOT_IN_IRI.search(iri).group(0)  # type: ignore[union-attr]
    raise DataSyntaxError(path, line, f"Turtle syntax error: <{iri}> is not a valid IRI "
                          f"(it contains {bad!r}; spaces, quotes, <, >, {{, }} and | are not allowed)")


def _refuse_surrogate(path: Path) -> None:
    text = path.read_text(encoding="utf-8", errors="replace")
    found = _SURROGATE_ESCAPE.search(text)
    line = text.count("\n", 0, found.start()) + 1 if found else None
    raise DataSyntaxError(path, line, "a \\u escape names a lone UTF-16 surrogate (U+D800 to U+DFFF), "
                          "which is not a character: write the character itself, or one \\U escape "
                          "for characters beyond U+FFFF")


@functools.lru_cache(maxsize=65536)
def _ill_typed(value: str, datatype: str) -> bool:
    """Return whether rdflib finds *value* no valid lexical form of *datatype* (cached: dates repeat a lot)."""
    with quiet_literal_warnings():
        return bool(Literal(value, datatype=URIRef(datatype)).ill_typed)


def _check_lexical(path: Path, value: str, datatype: str) -> None:
    """Raise :class:`DataSyntaxError` if *value* is not a valid lexical form of *datatype* (by rdflib)."""
    if _ill_typed(value, datatype):
        line = _line_of(path, f'"{value}"')
        short = value if len(value) <= 60 else value[:57] + "..."
        kind = _short_datatype(datatype)
        why = "no such date, or not YYYY-MM-DD" if kind == "xsd:date" else "a value of the wrong form"
        raise DataSyntaxError(path, line, f"{short!r} is not a valid {kind} ({why})")


def derived_properties(ontology: Iterable[tuple[Node, Node, Node]]) -> frozenset[Node]:
    """Return the properties only the build may write: every ``mt:DerivedProperty`` of the ontology
    (the fact layer's and the alleged layer's) and the date bounds that :mod:`kg.graph.derive` computes."""
    from rdflib.namespace import RDF

    from kg.graph.derive import DATE_BOUND_PROPERTIES
    from kg.namespaces import MT

    declared = {s for s, p, o in ontology if p == RDF.type and o == MT.DerivedProperty}
    return frozenset(declared | set(DATE_BOUND_PROPERTIES))


def refuse_derived(path: Path, triple: tuple[Node, Node, Node]) -> None:
    """Raise :class:`DataSyntaxError` at the line of a hand-typed derived triple: facts come only from
    Established statements, and claims only from claims, by construction."""
    from kg.namespaces import bind_prefixes

    names = bind_prefixes(Graph()).namespace_manager
    s, p, _o = triple
    raise DataSyntaxError(path, line_of_triple(path, *triple),
                          f"{names.normalizeUri(p)} on {names.normalizeUri(s)} is derived by the build, "  # type: ignore[arg-type]
                          "never typed: write the statement it comes from (an "
                          "mt:Birth, mt:Death, mt:Accusation … with a status and a source, or an mt:edtf date; see "
                          "graph_data/README.md)")


def _short_datatype(datatype: object) -> str:
    text = str(datatype)
    return "xsd:" + text.rsplit("#", 1)[1] if text.startswith("http://www.w3.org/2001/XMLSchema#") else text
