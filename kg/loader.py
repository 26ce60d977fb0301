"""Load the ontology and every curated Turtle file into one rdflib graph: the only loading path."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from . import paths
from .errors import DataSyntaxError
from .namespaces import bind_prefixes

__all__ = ["KnowledgeGraph", "data_files", "line_of_triple", "load", "parse_turtle_file"]

Progress = Callable[[str], None]


@dataclass
class KnowledgeGraph:
    """The loaded graph and its layers.

    ``graph`` holds everything (ontology, curated statements, derived triples); ``layers`` holds the
    same triples split by origin — ``ontology``, ``curated``, ``established`` (direct triples derived
    from Established statements only) and ``alleged`` (the prosecution's world, derived from claims) —
    so that exports can offer facts only, claims only, or both.
    """

    graph: Graph
    layers: dict[str, Graph]
    files: list[Path]
    origin: dict[str, Path] = field(default_factory=dict)
    seconds: float = 0.0
    dataset: Any = None  # the kg.dataset.Dataset the views read (None for a remote endpoint)

    def __len__(self) -> int:
        return len(self.graph)

    def file_of(self, node: Node) -> Path | None:
        """Return the data file that first writes a triple about *node*, for error messages."""
        return self.origin.get(str(node))


def data_files(
    ontology_dir: Path | None = None, graph_data_dir: Path | None = None
) -> list[Path]:
    """Return the files the graph is built from, in a stable order: the ontology, then the data.

    ``shapes.ttl`` is not data and is left out; every ``*.ttl`` under ``graph_data/`` is in.
    """
    ontology_dir = ontology_dir or paths.ONTOLOGY_DIR
    graph_data_dir = graph_data_dir or paths.GRAPH_DATA_DIR
    ontology = [p for p in sorted(ontology_dir.glob("*.ttl")) if p.name != paths.SHAPES_FILE.name]
    return ontology + sorted(graph_data_dir.rglob("*.ttl"))


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
    import pyoxigraph as ox

    if not path.is_file():
        raise DataSyntaxError(path, None, "no such file (given with --data)")
    fmt = DATA_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise DataSyntaxError(path, None, f"cannot tell the RDF format from the suffix {path.suffix!r}; "
                              f"name the file {', '.join(sorted(DATA_FORMATS))}")
    if fmt == "TURTLE":
        return read_turtle(path)
    try:
        quads = ox.parse(path=str(path), format=getattr(ox.RdfFormat, fmt), base_iri=path.resolve().as_uri(),
                         rename_blank_nodes=True)
        return [(q.subject, q.predicate, q.object) for q in quads]
    except SyntaxError as exc:
        raise DataSyntaxError(path, exc.lineno, f"{fmt.replace('_', '-')} syntax error: {exc.msg}") from None
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        raise DataSyntaxError(path, None, f"cannot be read as {fmt.replace('_', '-')}: {exc}") from None


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
    from .stores import to_ox

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
    :func:`_checked` reports the same values as errors naming the file and line."""

    def filter(self, record: object) -> bool:
        message = str(getattr(record, "msg", ""))
        return not (message.startswith("Failed to convert Literal") or "does not look like a valid URI" in message)


@contextmanager
def _quiet_literal_warnings() -> Iterator[None]:
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


def _checked(path: Path, triples: list[tuple[Any, Any, Any]]) -> list[tuple[Any, Any, Any]]:
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


def _check_lexical(path: Path, value: str, datatype: str) -> None:
    """Raise :class:`DataSyntaxError` if *value* is not a valid lexical form of *datatype* (by rdflib)."""
    with _quiet_literal_warnings():
        ill_typed = Literal(value, datatype=URIRef(datatype)).ill_typed
    if ill_typed:
        line = _line_of(path, f'"{value}"')
        short = value if len(value) <= 60 else value[:57] + "..."
        kind = _short_datatype(datatype)
        why = "no such date, or not YYYY-MM-DD" if kind == "xsd:date" else "a value of the wrong form"
        raise DataSyntaxError(path, line, f"{short!r} is not a valid {kind} ({why})")


def _derived_properties(ontology: Iterable[tuple[Node, Node, Node]]) -> frozenset[Node]:
    """Return the properties only the build may write: every ``mt:DerivedProperty`` of the ontology
    (the fact layer's and the alleged layer's) and the date bounds that :mod:`kg.derive` computes."""
    from rdflib.namespace import RDF

    from .derive import DATE_BOUND_PROPERTIES
    from .namespaces import MT

    declared = {s for s, p, o in ontology if p == RDF.type and o == MT.DerivedProperty}
    return frozenset(declared | set(DATE_BOUND_PROPERTIES))


def _refuse_derived(path: Path, triple: tuple[Node, Node, Node]) -> None:
    """Raise :class:`DataSyntaxError` at the line of a hand-typed derived triple: facts come only from
    Established statements, and claims only from claims, by construction."""
    from .namespaces import bind_prefixes

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


def load(
    files: Iterable[Path] | None = None,
    *,
    derive: bool = True,
    progress: Progress | None = None,
    store: str = "memory",
    data: Iterable[str | Path] = (),
) -> KnowledgeGraph:
    """Return the knowledge graph built from *files* (default: the ontology and ``graph_data/``).

    With ``derive=True`` (the default) the build also computes date bounds and the established and
    alleged layers (see :mod:`kg.derive`), so every caller — CLI, notebook, tests — sees the same graph.

    *store* says where the graph lives (see :mod:`kg.stores`): ``memory`` (one in-process Oxigraph
    store, the default; ``KG_ENGINE=rdflib`` puts it in rdflib's pure-Python store instead, the
    reference the tests compare against), ``oxigraph:PATH`` (a persistent Oxigraph store: the build is
    written there, and reused without parsing while the files are unchanged) or ``sparql:URL`` (a
    remote endpoint that ``kg push`` filled: nothing is parsed, every question is asked there).
    Whatever the store, ``kg.graph`` and ``kg.layers`` are rdflib ``Graph`` views of one dataset
    (:class:`kg.dataset.Dataset`): the default graph and one named graph per layer.

    *data* names a user's own RDF files (Turtle, N-Triples, RDF/XML, JSON-LD, by suffix; e.g. person
    records or ``kg synth`` output), joined to the curated layer before derivation, so every question,
    check and layer sees them. Unlike the curated files they may carry the triples a build derives
    (``kg synth`` writes ``mt:defendantIn``). A file that cannot be read raises :class:`DataSyntaxError`
    naming it (and the line, where the parser gives one).
    """
    from . import stores
    from .dataset import Dataset, engine_from_environment

    start = time.perf_counter()
    spec = stores.parse_spec(store)
    extra = [Path(p) for p in data]
    if spec.kind == "sparql":
        if extra:
            raise stores.StoreError(f"{extra[0]}: --data cannot be joined to a remote endpoint "
                                    "(load it into the endpoint, or query a local store)")
        kg = _remote(spec)
        kg.seconds = time.perf_counter() - start
        return kg
    files = [*(list(files) if files is not None else data_files()), *extra]
    stamp = _fingerprint(files, derive) if spec.kind == "oxigraph" else ""
    if spec.kind == "oxigraph":
        reused = _reuse(spec, files, stamp)
        if reused is not None:
            if progress:
                progress(f"reused the build in {spec} ({len(reused.layers['curated'])} curated triples)")
            reused.seconds = time.perf_counter() - start
            return reused
    with _quiet_literal_warnings():
        read = [(path, _checked(path, read_data_file(path) if path in extra else read_turtle(path)))
                for path in files]
    in_ontology = {path: paths.ONTOLOGY_DIR in path.resolve().parents for path, _triples in read}
    written_by_build = {str(p) for p in _derived_properties(
        _as_rdflib(t for path, triples in read if in_ontology[path] for t in triples))}
    origin: dict[str, Path] = {}
    for path, triples in read:
        check = not in_ontology[path] and path not in extra
        for triple in triples:
            origin.setdefault(triple[0].value, path)
            if check and triple[1].value in written_by_build:
                _refuse_derived(path, next(_as_rdflib([triple])))
    engine = "oxigraph" if spec.kind == "oxigraph" else engine_from_environment()
    dataset = Dataset.for_engine(engine)
    for layer in ("ontology", "curated"):
        triples = [t for path, found in read if in_ontology[path] == (layer == "ontology") for t in found]
        dataset.add(triples if engine == "oxigraph" else _as_rdflib(triples), None, stores.LAYER_GRAPHS[layer])
    del read
    if progress:
        progress(f"parsed {len(files)} files ({dataset.size()} triples)")
    kg = _views(dataset, files)
    kg.origin = origin
    if derive:
        from .derive import derive_layers

        derive_layers(kg, progress=progress)
    if spec.kind == "oxigraph":
        _write_build(kg, spec, stamp)
        if progress:
            progress(f"wrote the build to {spec}")
    kg.seconds = time.perf_counter() - start
    return kg


def _as_rdflib(triples: Iterable[tuple[Any, Any, Any]]) -> Iterator[tuple[Node, Node, Node]]:
    """Return pyoxigraph *triples* as rdflib terms (repeated terms are built once)."""
    from .stores import from_ox

    cache: dict = {}
    for s, p, o in triples:
        yield from_ox(s, cache), from_ox(p, cache), from_ox(o, cache)


def _fingerprint(files: list[Path], derive: bool) -> str:
    """Return a digest of what a build depends on: the files, the derivation rules, ``derive``."""
    import hashlib

    from .derive import rule_files

    digest = hashlib.sha256(f"derive={derive}\n".encode())
    for path in [*files, *(p for _layer, p in rule_files())]:
        digest.update(str(path.resolve()).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _views(dataset: Any, files: list[Path]) -> KnowledgeGraph:
    """Return a :class:`KnowledgeGraph` whose graph and layers are views of *dataset*."""
    from . import stores

    return KnowledgeGraph(graph=dataset.graph(), layers={name: dataset.graph(iri)
                                                         for name, iri in stores.LAYER_GRAPHS.items()},
                          files=files, dataset=dataset)


def _reuse(spec: Any, files: list[Path], stamp: str) -> KnowledgeGraph | None:
    """Return views on a persistent store whose build came from exactly these files, else ``None``."""
    import pyoxigraph as ox

    from . import stores
    from .dataset import Dataset

    inner = stores.open_oxigraph(spec.location)
    found = list(inner.quads_for_pattern(None, ox.NamedNode(stores.FINGERPRINT), None,
                                         ox.NamedNode(stores.BUILD_GRAPH)))
    if not found or found[0].object.value != stamp:
        return None
    return _views(Dataset.oxigraph(inner), files)


def _write_build(kg: KnowledgeGraph, spec: Any, stamp: str) -> None:
    """Replace the previous build in a persistent Oxigraph store by *kg*, and point *kg* at the store.

    The build was made in memory first, so a data file that fails leaves the store's previous build
    whole. The default graph holds the whole build and each layer has its named graph (for layer
    exports). Other triples loaded into the default graph (e.g. person records) stay, unless the old
    build held the very same triple.
    """
    import pyoxigraph as ox

    from . import stores
    from .dataset import Dataset

    inner = stores.open_oxigraph(spec.location)
    default = ox.DefaultGraph()
    old = [q for iri in stores.LAYER_GRAPHS.values()
           for q in inner.quads_for_pattern(None, None, None, ox.NamedNode(iri))]
    for q in old:
        inner.remove(ox.Quad(q.subject, q.predicate, q.object, default))
    for iri in [*stores.LAYER_GRAPHS.values(), stores.BUILD_GRAPH]:
        inner.remove_graph(ox.NamedNode(iri))
    inner.extend(list(kg.dataset.inner.quads_for_pattern(None, None, None, None)))  # type: ignore[union-attr]
    inner.add(ox.Quad(ox.NamedNode(stores.BUILD_GRAPH), ox.NamedNode(stores.FINGERPRINT), ox.Literal(stamp),
                      ox.NamedNode(stores.BUILD_GRAPH)))
    inner.flush()
    views = _views(Dataset.oxigraph(inner), kg.files)
    kg.graph, kg.layers, kg.dataset = views.graph, views.layers, views.dataset


def _remote(spec: object) -> KnowledgeGraph:
    """Return a graph whose questions go to a SPARQL endpoint; layers are read from its named graphs."""
    from . import stores

    graph = bind_prefixes(stores.open_graph(spec))  # type: ignore[arg-type]
    return KnowledgeGraph(graph=graph, layers=_RemoteLayers(graph), files=[])


class _RemoteLayers(dict):  # type: ignore[type-arg]
    """The layers of a remote build, fetched from the endpoint's named graphs when first asked for."""

    def __init__(self, graph: Graph) -> None:
        super().__init__()
        self._graph = graph

    def __missing__(self, name: str) -> Graph:
        from . import stores

        if name not in stores.LAYER_GRAPHS:
            raise KeyError(name)
        layer = stores.graph_to_memory(self._graph, named=stores.LAYER_GRAPHS[name])
        self[name] = layer
        return layer

    def get(self, name: str, default: object = None) -> object:  # type: ignore[override]
        try:
            return self[name]
        except KeyError:
            return default

