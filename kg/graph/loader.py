"""Build the graph: read the ontology, the curated files and a user's ``--data`` files into one store, derive its
layers, and keep a persistent store's build while its files are unchanged. The only loading path.

Reading a file and refusing bad input is :mod:`kg.graph.reading`'s job; the store is :mod:`kg.graph.dataset`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rdflib import Graph
from rdflib.term import Node

from kg import paths
from kg.graph.reading import (
    STREAMED_SUFFIXES,
    check_data_file,
    check_triples,
    derived_properties,
    line_of_triple,
    parse_turtle_file,
    quiet_literal_warnings,
    read_data_file,
    read_turtle,
    refuse_derived,
)
from kg.namespaces import bind_prefixes

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
    dataset: Any = None  # the kg.graph.dataset.Dataset the views read (None for a remote endpoint)

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
    alleged layers (see :mod:`kg.graph.derive`), so every caller — CLI, notebook, tests — sees the same graph.

    *store* says where the graph lives (see :mod:`kg.graph.stores`): ``memory`` (one in-process Oxigraph
    store, the default; ``KG_ENGINE=rdflib`` puts it in rdflib's pure-Python store instead, the
    reference the tests compare against), ``oxigraph:PATH`` (a persistent Oxigraph store: the build is
    written there, and reused without parsing while the files are unchanged) or ``sparql:URL`` (a
    remote endpoint that ``kg push`` filled: nothing is parsed, every question is asked there).
    Whatever the store, ``kg.graph`` and ``kg.layers`` are rdflib ``Graph`` views of one dataset
    (:class:`kg.graph.dataset.Dataset`): the default graph and one named graph per layer.

    *data* names a user's own RDF files (Turtle, N-Triples, RDF/XML, JSON-LD, by suffix; e.g. person
    records or ``kg synth`` output), joined to the curated layer before derivation, so every question,
    check and layer sees them. Unlike the curated files they may carry the triples a build derives
    (``kg synth`` writes ``mt:defendantIn``). A file that cannot be read raises :class:`DataSyntaxError`
    naming it (and the line, where the parser gives one).
    """
    from kg.graph import stores
    from kg.graph.dataset import Dataset, engine_from_environment

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
    engine = "oxigraph" if spec.kind == "oxigraph" else engine_from_environment()
    # A user's N-Triples (the Memorial-scale case) is checked while Oxigraph streams it, then bulk-loaded in
    # slices: its triples never become a Python list. Other files are read into lists (they are small).
    streamed = [p for p in extra if engine == "oxigraph" and p.suffix.lower() in STREAMED_SUFFIXES]
    with quiet_literal_warnings():
        read = [(path, check_triples(path, read_data_file(path) if path in extra else read_turtle(path)))
                for path in files if path not in streamed]
        for path in streamed:
            check_data_file(path)
    in_ontology = {path: paths.ONTOLOGY_DIR in path.resolve().parents for path, _triples in read}
    written_by_build = {str(p) for p in derived_properties(
        _as_rdflib(t for path, triples in read if in_ontology[path] for t in triples))}
    origin: dict[str, Path] = {}
    for path, triples in read:
        check = not in_ontology[path] and path not in extra
        for triple in triples:
            origin.setdefault(triple[0].value, path)
            if check and triple[1].value in written_by_build:
                refuse_derived(path, next(_as_rdflib([triple])))
    # A persistent store joined with a user's N-Triples is built in place: a file of 10^7 triples cannot be
    # staged in memory first. The files were all checked above, before the old build is cleared.
    direct = spec.kind == "oxigraph" and bool(streamed)
    if direct:
        dataset = Dataset.oxigraph(stores.open_oxigraph(spec.location))
        _clear_build(dataset.inner)
    else:
        dataset = Dataset.for_engine(engine)
    for layer in ("ontology", "curated"):
        triples = [t for path, found in read if in_ontology[path] == (layer == "ontology") for t in found]
        dataset.add(triples if engine == "oxigraph" else _as_rdflib(triples), None, stores.LAYER_GRAPHS[layer])
    del read
    for path in streamed:
        dataset.load_file(path, None, stores.LAYER_GRAPHS["curated"])
    if progress:
        progress(f"parsed {len(files)} files ({dataset.size()} triples)")
    kg = _views(dataset, files)
    kg.origin = origin
    if derive:
        from kg.graph.derive import derive_layers

        derive_layers(kg, progress=progress)
    if direct:
        _finish_build(dataset.inner, stamp)
    elif spec.kind == "oxigraph":
        _write_build(kg, spec, stamp)
        if progress:
            progress(f"wrote the build to {spec}")
    kg.seconds = time.perf_counter() - start
    return kg


def _as_rdflib(triples: Iterable[tuple[Any, Any, Any]]) -> Iterator[tuple[Node, Node, Node]]:
    """Return pyoxigraph *triples* as rdflib terms (repeated terms are built once)."""
    from kg.graph.terms import from_ox

    cache: dict = {}
    for s, p, o in triples:
        yield from_ox(s, cache), from_ox(p, cache), from_ox(o, cache)


def _fingerprint(files: list[Path], derive: bool) -> str:
    """Return a digest of what a build depends on: the files, the derivation rules, ``derive``."""
    import hashlib

    from kg.sparql import registry

    digest = hashlib.sha256(f"derive={derive}\n".encode())
    # every derivation file: the rules and the file naming what they must not read (set-aside-for-facts.rq)
    for path in [*files, *(f.path for f in registry.files("derivation"))]:
        digest.update(str(path.resolve()).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _views(dataset: Any, files: list[Path]) -> KnowledgeGraph:
    """Return a :class:`KnowledgeGraph` whose graph and layers are views of *dataset*."""
    from kg.graph import stores

    return KnowledgeGraph(graph=dataset.graph(), layers={name: dataset.graph(iri)
                                                         for name, iri in stores.LAYER_GRAPHS.items()},
                          files=files, dataset=dataset)


def _reuse(spec: Any, files: list[Path], stamp: str) -> KnowledgeGraph | None:
    """Return views on a persistent store whose build came from exactly these files, else ``None``."""
    import pyoxigraph as ox

    from kg.graph import stores
    from kg.graph.dataset import Dataset

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
    from kg.graph import stores
    from kg.graph.dataset import Dataset

    inner = stores.open_oxigraph(spec.location)
    _clear_build(inner)
    inner.bulk_extend(list(kg.dataset.inner.quads_for_pattern(None, None, None, None)))  # type: ignore[union-attr]
    _finish_build(inner, stamp)
    views = _views(Dataset.oxigraph(inner), kg.files)
    kg.graph, kg.layers, kg.dataset = views.graph, views.layers, views.dataset


def _clear_build(inner: Any) -> None:
    """Remove the previous build (its layer graphs, their triples in the default graph, its fingerprint)."""
    import pyoxigraph as ox

    from kg.graph import stores

    default = ox.DefaultGraph()
    for iri in stores.LAYER_GRAPHS.values():
        for q in list(inner.quads_for_pattern(None, None, None, ox.NamedNode(iri))):
            inner.remove(ox.Quad(q.subject, q.predicate, q.object, default))
    for iri in [*stores.LAYER_GRAPHS.values(), stores.BUILD_GRAPH]:
        inner.remove_graph(ox.NamedNode(iri))


def _finish_build(inner: Any, stamp: str) -> None:
    """Write the fingerprint that lets the next run reuse this build, and flush the store to disk."""
    import pyoxigraph as ox

    from kg.graph import stores

    inner.add(ox.Quad(ox.NamedNode(stores.BUILD_GRAPH), ox.NamedNode(stores.FINGERPRINT), ox.Literal(stamp),
                      ox.NamedNode(stores.BUILD_GRAPH)))
    inner.flush()


def _remote(spec: object) -> KnowledgeGraph:
    """Return a graph whose questions go to a SPARQL endpoint; layers are read from its named graphs."""
    from kg.graph import stores

    graph = bind_prefixes(stores.open_graph(spec))  # type: ignore[arg-type]
    return KnowledgeGraph(graph=graph, layers=_RemoteLayers(graph), files=[])


class _RemoteLayers(dict):  # type: ignore[type-arg]
    """The layers of a remote build, fetched from the endpoint's named graphs when first asked for."""

    def __init__(self, graph: Graph) -> None:
        super().__init__()
        self._graph = graph

    def __missing__(self, name: str) -> Graph:
        from kg.graph import stores

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

