"""Serialise the graph (or one of its layers) through a format registry, writing atomically."""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rdflib import Graph
from rdflib.namespace import RDF

from . import paths
from .atomic import write_bytes_atomic
from .errors import KGError
from .namespaces import MT, bind_prefixes

__all__ = ["LAYERS", "Format", "export", "formats", "layer_graph", "serialize"]

#: What a consumer can select: everything, the curated statements, facts only, claims only.
LAYERS = ("all", "statements", "established", "alleged")


@dataclass(frozen=True)
class Format:
    """One row of ``kg/formats.toml``."""

    name: str
    rdflib: str
    extension: str
    media_type: str
    context: bool = False
    aliases: tuple[str, ...] = ()


def formats() -> dict[str, Format]:
    """Return the export formats by name and by alias."""
    table = tomllib.loads((Path(__file__).parent / "formats.toml").read_text(encoding="utf-8"))
    found: dict[str, Format] = {}
    for name, row in table.items():
        fmt = Format(name, row["rdflib"], row["extension"], row["media_type"],
                     bool(row.get("context", False)), tuple(row.get("aliases", ())))
        for key in (name, *fmt.aliases):
            found[key] = fmt
    return found


def _format(name: str) -> Format:
    table = formats()
    if name not in table:
        names = sorted({f.name for f in table.values()})
        raise KGError(f"unknown export format {name!r}; known formats: {', '.join(names)}")
    return table[name]


def json_ld_context() -> dict[str, Any]:
    """Return the project's JSON-LD context (``ontology/context.jsonld``) as a dict."""
    return json.loads(paths.CONTEXT_FILE.read_text(encoding="utf-8"))["@context"]


def layer_graph(kg: Any, layer: str = "all") -> Graph:
    """Return the triples of one layer of a :class:`kg.loader.KnowledgeGraph`.

    ``established`` and ``alleged`` carry the entities (people, trials, sources with their labels)
    so that a consumer of facts only, or of claims only, still has names for every IRI.
    """
    if layer not in LAYERS:
        raise KGError(f"unknown layer {layer!r}; layers: {', '.join(LAYERS)}")
    if layer == "all":
        return kg.graph
    if layer == "statements":
        return kg.layers["curated"]
    curated: Graph = kg.layers["curated"]
    statements = {s for s in curated.subjects(MT.status)}
    out = bind_prefixes(Graph())
    for triple in curated:
        if triple[0] not in statements:
            out.add(triple)
    out += kg.layers[layer]
    if layer == "alleged":
        claims = {s for s in statements if curated.value(s, MT.status) in {MT.Alleged, MT.Fabricated}}
        for claim in claims:
            for triple in curated.triples((claim, None, None)):
                out.add(triple)
    return out


def serialize(graph: Graph, fmt: str = "turtle") -> bytes:
    """Return *graph* serialised in the named format (JSON-LD compacted with the project context)."""
    spec = _format(fmt)
    kwargs: dict[str, Any] = {"format": spec.rdflib, "encoding": "utf-8"}
    if spec.context:
        kwargs["context"] = json_ld_context()
        kwargs["auto_compact"] = True
    data = graph.serialize(**kwargs)
    return data if isinstance(data, bytes) else data.encode("utf-8")


def export(kg: Any, fmt: str = "turtle", path: str | Path | None = None, *, layer: str = "all") -> Path:
    """Return the path written: *kg* (or one layer) in format *fmt*, written atomically.

    The default path is ``build/moscow-trials[.LAYER].EXT``.
    """
    spec = _format(fmt)
    graph = layer_graph(kg, layer) if hasattr(kg, "layers") else kg
    if path is None:
        suffix = "" if layer == "all" else f".{layer}"
        path = paths.build_dir() / f"moscow-trials{suffix}.{spec.extension}"
    return write_bytes_atomic(path, serialize(graph, fmt))
