"""Load the ontology and every curated Turtle file into one rdflib graph: the only loading path."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph
from rdflib.term import Node

from . import paths
from .errors import DataSyntaxError
from .namespaces import bind_prefixes

__all__ = ["KnowledgeGraph", "data_files", "load", "parse_turtle_file"]

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


def load(
    files: Iterable[Path] | None = None,
    *,
    derive: bool = True,
    progress: Progress | None = None,
) -> KnowledgeGraph:
    """Return the knowledge graph built from *files* (default: the ontology and ``graph_data/``).

    With ``derive=True`` (the default) the build also computes date bounds and the established and
    alleged layers (see :mod:`kg.derive`), so every caller — CLI, notebook, tests — sees the same graph.
    """
    start = time.perf_counter()
    files = list(files) if files is not None else data_files()
    curated, ontology = Graph(), Graph()
    origin: dict[Node, Path] = {}
    for path in files:
        part = parse_turtle_file(path)
        target = ontology if paths.ONTOLOGY_DIR in path.resolve().parents else curated
        for s in part.subjects(unique=True):
            origin.setdefault(s, path)
        target += part
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
    kg.seconds = time.perf_counter() - start
    return kg


def _stderr_progress(message: str) -> None:
    print(message, file=sys.stderr)
