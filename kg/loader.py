"""Load the ontology and every curated Turtle file into one rdflib graph: the only loading path."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

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
    origin: dict[Node, Path] = field(default_factory=dict)
    seconds: float = 0.0

    def __len__(self) -> int:
        return len(self.graph)

    def file_of(self, node: Node) -> Path | None:
        """Return the data file that defines *node*, for error messages."""
        return self.origin.get(node)


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


def read_data_file(path: Path, cache: dict) -> list[tuple[Node, Node, Node]]:
    """Return the triples of a user's RDF file (``--data``), parsed by Oxigraph, in rdflib terms.

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
        return _read_turtle(path, cache)
    from .stores import from_ox

    try:
        quads = ox.parse(path=str(path), format=getattr(ox.RdfFormat, fmt), base_iri=path.resolve().as_uri(),
                         rename_blank_nodes=True)
        return [(from_ox(q.subject, cache), from_ox(q.predicate, cache), from_ox(q.object, cache)) for q in quads]
    except SyntaxError as exc:
        raise DataSyntaxError(path, exc.lineno, f"{fmt.replace('_', '-')} syntax error: {exc.msg}") from None
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        raise DataSyntaxError(path, None, f"cannot be read as {fmt.replace('_', '-')}: {exc}") from None


def _read_turtle(path: Path, cache: dict) -> list[tuple[Node, Node, Node]]:
    """Return the triples of Turtle file *path* as rdflib terms, parsed by Oxigraph (~50x faster).

    Oxigraph's parser gives the same triples as rdflib's (terms are rebuilt as rdflib terms, so
    literals are normalised as rdflib's parser would). On any problem the file goes through
    :func:`parse_turtle_file`, so errors read exactly as before and rdflib stays the judge of syntax.
    """
    try:
        import pyoxigraph as ox

        from .stores import from_ox
    except ImportError:  # pragma: no cover - pyoxigraph is a dependency; rdflib alone still works
        ox = None
    if ox is not None:
        data = path.read_bytes()
        if data.strip():
            try:
                quads = ox.parse(data, format=ox.RdfFormat.TURTLE, base_iri=path.resolve().as_uri(),
                                 rename_blank_nodes=True)
                return [(from_ox(q.subject, cache), from_ox(q.predicate, cache), from_ox(q.object, cache))
                        for q in quads]
            except (SyntaxError, ValueError, UnicodeDecodeError):
                pass
    return list(parse_turtle_file(path))


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


def _checked(path: Path, triples: list[tuple[Node, Node, Node]]) -> list[tuple[Node, Node, Node]]:
    """Return *triples*, or raise :class:`DataSyntaxError` at the first literal that is not a valid
    value of its datatype (``"1936-02-30"^^xsd:date``), with the line it is on.

    Also refused, by line: a lone UTF-16 surrogate (``"\\uD800"``: no UTF-8 writer can write it, so
    every export would fail later), and an IRI that Turtle resolved against the file's own path
    (``<foo>``, ``<#x>``, ``<file:///…>``): published, it would show the curator's disk.
    """
    base = path.resolve().as_uri()
    for triple in triples:
        for term in triple:
            if isinstance(term, URIRef) and term.startswith("file:"):
                written = str(term)[len(base):] if term.startswith(base) else (
                    str(term)[len(base.rsplit("/", 1)[0]) + 1:] if term.startswith(base.rsplit("/", 1)[0] + "/")
                    else str(term))
                line = _line_of(path, f"<{written}>") or _line_of(path, "<file:")
                raise DataSyntaxError(path, line, f"<{written}> is a relative IRI (or a file: IRI): it would publish "
                                      f"a path on this computer ({term}); write a full https:// IRI or a prefixed "
                                      "name such as person:slug")
            if isinstance(term, (URIRef, Literal)) and _SURROGATE.search(term):
                text = path.read_text(encoding="utf-8", errors="replace")
                found = _SURROGATE_ESCAPE.search(text)
                line = text.count("\n", 0, found.start()) + 1 if found else None
                raise DataSyntaxError(path, line, "a \\u escape names a lone UTF-16 surrogate (U+D800 to U+DFFF), "
                                      "which is not a character: write the character itself, or one \\U escape "
                                      "for characters beyond U+FFFF")
            if isinstance(term, URIRef) and _NOT_IN_IRI.search(term):
                line = _line_of(path, str(term))
                bad = _NOT_IN_IRI.search(term).group(0)  # type: ignore[union-attr]
                raise DataSyntaxError(path, line, f"Turtle syntax error: <{term}> is not a valid IRI "
                                      f"(it contains {bad!r}; spaces, quotes, <, >, {{, }} and | are not allowed)")
        o = triple[2]
        if isinstance(o, Literal) and len(o) > MAX_LITERAL:
            line = _line_of(path, str(o)[:200])
            raise DataSyntaxError(path, line, f"a literal of {len(o):,} characters (the limit is {MAX_LITERAL:,}): "
                                  "was a whole document pasted in? cite it as a source instead")
        if isinstance(o, Literal) and o.ill_typed:
            line = _line_of(path, f'"{o}"')
            short = str(o) if len(str(o)) <= 60 else str(o)[:57] + "..."
            kind = _short_datatype(o.datatype)
            why = "no such date, or not YYYY-MM-DD" if kind == "xsd:date" else "a value of the wrong form"
            raise DataSyntaxError(path, line, f"{short!r} is not a valid {kind} ({why})")
    return triples


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

    *store* says where the graph lives (see :mod:`kg.stores`): ``memory`` (rdflib's in-memory store,
    the default), ``oxigraph:PATH`` (a persistent Oxigraph store: the build is written there, and
    reused without parsing while the files are unchanged) or ``sparql:URL`` (a remote endpoint
    that ``kg push`` filled: nothing is parsed, every question is asked there).

    *data* names a user's own RDF files (Turtle, N-Triples, RDF/XML, JSON-LD, by suffix; e.g. person
    records or ``kg synth`` output), joined to the curated layer before derivation, so every question,
    check and layer sees them. Unlike the curated files they may carry the triples a build derives
    (``kg synth`` writes ``mt:defendantIn``). A file that cannot be read raises :class:`DataSyntaxError`
    naming it (and the line, where the parser gives one).
    """
    from . import stores

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
    curated, ontology = Graph(), Graph()
    origin: dict[Node, Path] = {}
    cache: dict = {}
    with _quiet_literal_warnings():
        read = [(path, _checked(path, read_data_file(path, cache) if path in extra else _read_turtle(path, cache)))
                for path in files]
    in_ontology = {path: paths.ONTOLOGY_DIR in path.resolve().parents for path, _triples in read}
    written_by_build = _derived_properties(t for path, triples in read if in_ontology[path] for t in triples)
    for path, triples in read:
        target = ontology if in_ontology[path] else curated
        for s, p, o in triples:
            origin.setdefault(s, path)
            if p in written_by_build and not in_ontology[path] and path not in extra:
                _refuse_derived(path, (s, p, o))
        target.addN((s, p, o, target) for s, p, o in triples)
    if progress:
        progress(f"parsed {len(files)} files ({len(ontology) + len(curated)} triples)")
    layers = {"ontology": ontology, "curated": curated}
    graph = bind_prefixes(Graph())
    graph += ontology
    graph += curated
    kg = KnowledgeGraph(graph=graph, layers=layers, files=files, origin=origin)
    if derive:
        from .derive import derive_layers

        derive_layers(kg, progress=progress)
    for layer in kg.layers.values():
        bind_prefixes(layer)
    if spec.kind == "oxigraph":
        _write_build(kg, spec, stamp)
        if progress:
            progress(f"wrote the build to {spec}")
    kg.seconds = time.perf_counter() - start
    return kg


def _fingerprint(files: list[Path], derive: bool) -> str:
    """Return a digest of what a build depends on: the files, the derivation rules, ``derive``."""
    import hashlib

    from .derive import rule_files

    digest = hashlib.sha256(f"derive={derive}\n".encode())
    for path in [*files, *(p for _layer, p in rule_files())]:
        digest.update(str(path.resolve()).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _views(spec: object, files: list[Path]) -> KnowledgeGraph:
    from . import stores

    graph = bind_prefixes(stores.open_graph(spec))  # type: ignore[arg-type]
    layers = {name: bind_prefixes(stores.open_graph(spec, identifier=iri))  # type: ignore[arg-type]
              for name, iri in stores.LAYER_GRAPHS.items()}
    return KnowledgeGraph(graph=graph, layers=layers, files=files)


def _reuse(spec: object, files: list[Path], stamp: str) -> KnowledgeGraph | None:
    """Return views on a persistent store whose build came from exactly these files, else ``None``."""
    import pyoxigraph as ox

    from . import stores

    inner = stores.open_oxigraph(spec.location)  # type: ignore[attr-defined]
    found = list(inner.quads_for_pattern(None, ox.NamedNode(stores.FINGERPRINT), None,
                                         ox.NamedNode(stores.BUILD_GRAPH)))
    if not found or found[0].object.value != stamp:
        return None
    return _views(spec, files)


def _write_build(kg: KnowledgeGraph, spec: object, stamp: str) -> None:
    """Replace the previous build in a persistent Oxigraph store by *kg*, and point *kg* at the store.

    The default graph holds the whole build and each layer has its named graph (for layer exports).
    Other triples loaded into the default graph (e.g. person records) stay, unless the old build
    held the very same triple.
    """
    import pyoxigraph as ox

    from . import stores

    inner = stores.open_oxigraph(spec.location)  # type: ignore[attr-defined]
    default = ox.DefaultGraph()
    old = [q for iri in stores.LAYER_GRAPHS.values()
           for q in inner.quads_for_pattern(None, None, None, ox.NamedNode(iri))]
    for q in old:
        inner.remove(ox.Quad(q.subject, q.predicate, q.object, default))
    for iri in [*stores.LAYER_GRAPHS.values(), stores.BUILD_GRAPH]:
        inner.remove_graph(ox.NamedNode(iri))
    to_ox = stores.to_ox
    quads = [ox.Quad(to_ox(s), to_ox(p), to_ox(o), default) for s, p, o in kg.graph]
    for name, iri in stores.LAYER_GRAPHS.items():
        graph_name = ox.NamedNode(iri)
        quads += [ox.Quad(to_ox(s), to_ox(p), to_ox(o), graph_name) for s, p, o in kg.layers[name]]
    quads.append(ox.Quad(ox.NamedNode(stores.BUILD_GRAPH), ox.NamedNode(stores.FINGERPRINT), ox.Literal(stamp),
                         ox.NamedNode(stores.BUILD_GRAPH)))
    inner.extend(quads)
    inner.flush()
    views = _views(spec, kg.files)
    kg.graph, kg.layers = views.graph, views.layers


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

