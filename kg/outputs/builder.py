"""The main job: load → validate → exports, answer tables and the network page, in one call."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kg import paths
from kg.atomic import folder_lock, write_files_atomic
from kg.display.citations import citation_links, with_citations
from kg.errors import ValidationFailed
from kg.graph.loader import KnowledgeGraph, load
from kg.graph.validation import ValidationReport, start_validation
from kg.namespaces import MT
from kg.outputs.exports import layer_graph, serialize
from kg.sparql.questions import run_query

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
    data: Sequence[str | Path] = (),
) -> BuildResult:
    """Return the result of a full build into *out_dir* (default ``build/``).

    *store* is where the graph lives while it is built (see :mod:`kg.graph.stores`); the outputs are the same.
    *data* names a user's own RDF files joined to the curated graph (see :func:`kg.graph.loader.load`).

    Nothing is written unless the graph validates, and every file is written atomically, so a failed
    build leaves the previous good outputs in place. Raises :class:`ValidationFailed` on violations.
    A build holds ``OUT_DIR/.lock``: a second build into the same folder waits for the first.
    """
    start = time.perf_counter()
    say = progress or (lambda _m: None)
    out_dir = Path(out_dir) if out_dir else paths.build_dir()
    with folder_lock(out_dir, what="build", say=say):  # two builds into one folder take turns
        return _build(out_dir, say, network_view, store, start, data)


def _build(out_dir: Path, say: Callable[[str], None], network_view: str, store: str, start: float,
           data: Sequence[str | Path] = ()) -> BuildResult:
    kg = load(progress=say, store=store, data=data)
    # pySHACL runs in a forked child while this process prepares every output in memory; nothing is
    # written until the report is in and clean (the outputs of a failed build are never half-new).
    finish_validation = start_validation(kg)
    outputs: list[tuple[Path, bytes]] = [
        (out_dir / f"moscow-trials.{ext}", serialize(layer_graph(kg, "all"), fmt))
        for fmt, ext in (("turtle", "ttl"), ("json-ld", "jsonld"), ("nt", "nt"))]
    for layer in ("established", "alleged"):
        outputs.append((out_dir / f"moscow-trials.{layer}.ttl", serialize(layer_graph(kg, layer), "turtle")))
    # tables are for people: a source column shows formatted citations of the works, not source IRIs
    citations = citation_links(kg)  # asked once: the tables and the network page share it
    for name in BUILD_TABLES:
        table = with_citations(run_query(kg, name), citations)
        outputs.append((out_dir / "tables" / f"{name}.csv", table.to_csv().encode("utf-8")))
    from kg.display.network import project
    from kg.display.render import network_page

    net = project(kg, view=network_view, citations=citations)
    outputs.append((out_dir / "network.html",
                    network_page(net, title=f"Moscow Trials — {network_view}").encode("utf-8")))
    report = finish_validation()
    say(str(report).splitlines()[0])
    if not report.conforms:
        raise ValidationFailed(report)
    say(f"writing {len(outputs)} files")
    # every file written in full first, then all renamed with interrupts held: a full disk or a
    # signal leaves the folder with every new file or none (kg.atomic.write_files_atomic)
    files = write_files_atomic(outputs)
    say(f"wrote {len(files)} files ({len(BUILD_TABLES)} answered questions among them)")
    say(f"drew the {network_view} network: {net.number_of_nodes()} nodes, {net.number_of_edges()} edges")
    return BuildResult(kg=kg, report=report, files=files, counts=counts_by_class(kg),
                       seconds=time.perf_counter() - start)
