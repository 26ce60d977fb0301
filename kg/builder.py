"""The main job: load → validate → exports, answer tables and the network page, in one call."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from . import paths
from .atomic import folder_lock, write_text_atomic
from .errors import ValidationFailed
from .exports import export
from .loader import KnowledgeGraph, load
from .namespaces import MT
from .queries import run_query
from .validation import ValidationReport, validate

__all__ = ["BuildResult", "build", "counts_by_class"]

#: The questions whose answers are written as CSV tables by every build.
BUILD_TABLES = ("trials", "defendants", "charges", "sources")


@dataclass
class BuildResult:
    """What a build made: the graph, its validation report, the files written and the time taken."""

    kg: KnowledgeGraph
    report: ValidationReport
    files: list[Path] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def counts_by_class(kg: KnowledgeGraph) -> dict[str, int]:
    """Return the number of instances of each ontology class that has any, by class name."""
    from rdflib.namespace import RDF

    counts: dict[str, int] = {}
    prefix = str(MT._NS)
    for cls in set(kg.layers["curated"].objects(None, RDF.type)):
        if str(cls).startswith(prefix):
            counts[str(cls)[len(prefix):]] = len(set(kg.layers["curated"].subjects(RDF.type, cls)))
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def build(
    out_dir: Path | None = None,
    *,
    progress: Callable[[str], None] | None = None,
    network_view: str = "overview",
    store: str = "memory",
) -> BuildResult:
    """Return the result of a full build into *out_dir* (default ``build/``).

    *store* is where the graph lives while it is built (see :mod:`kg.stores`); the outputs are the same.

    Nothing is written unless the graph validates, and every file is written atomically, so a failed
    build leaves the previous good outputs in place. Raises :class:`ValidationFailed` on violations.
    A build holds ``OUT_DIR/.lock``: a second build into the same folder waits for the first.
    """
    start = time.perf_counter()
    say = progress or (lambda _m: None)
    out_dir = Path(out_dir) if out_dir else paths.build_dir()
    with folder_lock(out_dir, what="build", say=say):  # two builds into one folder take turns
        return _build(out_dir, say, network_view, store, start)


def _build(out_dir: Path, say: Callable[[str], None], network_view: str, store: str, start: float) -> BuildResult:
    kg = load(progress=say, store=store)
    report = validate(kg)
    say(str(report).splitlines()[0])
    if not report.conforms:
        raise ValidationFailed(report)
    files = [export(kg, fmt, out_dir / f"moscow-trials.{ext}") for fmt, ext in
             (("turtle", "ttl"), ("json-ld", "jsonld"), ("nt", "nt"))]
    for layer in ("established", "alleged"):
        files.append(export(kg, "turtle", out_dir / f"moscow-trials.{layer}.ttl", layer=layer))
    say(f"exported {len(files)} files")
    for name in BUILD_TABLES:
        result = run_query(kg, name)
        files.append(write_text_atomic(out_dir / "tables" / f"{name}.csv", result.to_csv()))
    say(f"answered {len(BUILD_TABLES)} questions")
    from .network import project
    from .render import render_network

    net = project(kg, view=network_view)
    files.append(render_network(net, out_dir / "network.html", title=f"Moscow Trials — {network_view}"))
    say(f"drew the {network_view} network: {net.number_of_nodes()} nodes, {net.number_of_edges()} edges")
    return BuildResult(kg=kg, report=report, files=files, counts=counts_by_class(kg),
                       seconds=time.perf_counter() - start)
