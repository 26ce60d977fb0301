"""Serialise the graph (or one of its layers) through a format registry, writing atomically."""

from __future__ import annotations

import gc
import json
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rdflib import Graph
from rdflib.namespace import RDF

from kg import paths
from kg.atomic import write_bytes_atomic
from kg.errors import KGError
from kg.namespaces import bind_prefixes

__all__ = ["LAYERS", "Format", "curie_function", "export", "formats", "layer_graph", "serialize", "spreadsheet_cell",
           "spreadsheet_row"]

#: What a consumer can select: everything, the curated statements, facts only, claims only.
LAYERS = ("all", "statements", "established", "alleged")


@dataclass(frozen=True)
class Format:
    """One row of ``kg/outputs/formats.toml``."""

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
    """Return the triples of one layer of a :class:`kg.graph.loader.KnowledgeGraph`.

    ``established`` and ``alleged`` carry the entities (people, trials, sources with their labels)
    so that a consumer of facts only, or of claims only, still has names for every IRI.
    """
    if layer not in LAYERS:
        raise KGError(f"unknown layer {layer!r}; layers: {', '.join(LAYERS)}")
    from kg.graph.stores import graph_to_memory
    from kg.sparql.engine import engine_name

    remote = engine_name(kg.graph) == "remote"
    if layer == "all":
        return graph_to_memory(kg.graph) if remote else kg.graph
    if layer == "statements":
        return kg.layers["curated"]
    # What each layer export holds is a CONSTRUCT over the layers' named graphs (kg/sparql/rq/exports/), run by
    # the store's own engine: nothing is copied into rdflib to be filtered in Python.
    from kg.sparql import registry

    export = registry.find("export", layer)
    if kg.dataset is not None:
        from kg.graph.dataset import Dataset

        scratch = Dataset.for_engine(kg.dataset.engine)
        scratch.add(kg.dataset.construct(export.text, label=str(export.path)), None)
        return scratch.graph()
    from kg.sparql.engine import query  # a remote endpoint: asked there, where kg push put the layers

    out = bind_prefixes(Graph())
    out.addN((s, p, o, out) for s, p, o in query(kg.graph, export.text, name=str(export.path)).triples)
    return out


def _prefixes() -> dict[str, str]:
    return {p: iri for p, iri in json_ld_context().items() if isinstance(iri, str) and not p.startswith("@")}


def curie_function(context: dict[str, Any]):  # type: ignore[no-untyped-def]
    """Return a function that shortens an IRI with the longest prefix of *context* that fits.

    IRIs whose local part would be empty, or would start with ``//`` (and so read as an absolute IRI
    ``prefix://…``), are kept whole. Shared by the JSON-LD export and the per-entity documents.
    """
    bases = sorted(((iri, prefix) for prefix, iri in context.items()
                    if isinstance(iri, str) and not prefix.startswith("@") and iri[-1:] in "/#"),
                   key=lambda pair: -len(pair[0]))
    cache: dict[str, str] = {}

    def curie(iri: str) -> str:
        hit = cache.get(iri)
        if hit is None:
            hit = iri
            for base, prefix in bases:
                local = iri[len(base):]
                if iri.startswith(base) and local and not local.startswith("//"):
                    hit = f"{prefix}:{local}"
                    break
            cache[iri] = hit
        return hit

    return curie


def compact_json_ld(expanded: Any, context: dict[str, Any]) -> dict[str, Any]:
    """Return expanded JSON-LD node objects as one document compacted with a prefixes-only *context*.

    Every IRI that starts with a prefix of *context* becomes ``prefix:local``, ``rdf:type`` becomes
    ``@type``, and the nodes go under ``@graph``: the same RDF, read back identically by rdflib and
    pyld (tested), in a fraction of the time of rdflib's general compaction.

    Examples
    --------
    >>> doc = compact_json_ld([{"@id": "http://e.org/a", "http://e.org/p": [{"@id": "http://e.org/b"}]}],
    ...                       {"ex": "http://e.org/"})
    >>> doc["@graph"]
    [{'@id': 'ex:a', 'ex:p': [{'@id': 'ex:b'}]}]
    """
    curie = curie_function(context)

    rdf_type = str(RDF.type)

    def value(obj: dict[str, Any]) -> dict[str, Any]:
        if "@id" in obj:
            return {"@id": curie(obj["@id"])}
        if "@type" in obj:
            return {"@value": obj["@value"], "@type": curie(obj["@type"])}
        return obj

    def node(obj: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, values in obj.items():
            if key == "@id":
                out["@id"] = curie(values)
            elif key == rdf_type and all("@id" in v and not v["@id"].startswith("_:") for v in values):
                out["@type"] = [curie(v["@id"]) for v in values]
            elif key.startswith("@"):
                out[key] = values
            else:
                out[curie(key)] = [value(v) for v in values]
        return out

    return {"@context": context, "@graph": [node(n) for n in expanded]}


#: Up to this many nodes the JSON-LD export puts one node per line; beyond, it is one line (C encoder only).
_NODE_PER_LINE_LIMIT = 50_000


def _one_node_per_line(document: dict[str, Any]) -> bytes:
    """Return a compacted JSON-LD document as UTF-8 with the context indented and one node per line.

    Readable with ``grep`` and a pager, and written by json's C encoder (``indent=`` switches to the
    pure-Python encoder, which cost 5x the compaction itself on large graphs).
    """
    head = json.dumps({"@context": document["@context"]}, ensure_ascii=False, indent=1)[:-2]
    nodes = ",\n".join(json.dumps(node, ensure_ascii=False) for node in document["@graph"])
    return f'{head},\n "@graph": [\n{nodes}\n ]\n}}\n'.encode()


def _canonical_dump(graph: Graph, fmt: str) -> bytes | None:
    """Return Oxigraph's serialisation of *graph* with the triples in one canonical (sorted) order.

    Oxigraph writes triples in the order they were inserted, and the build inserts derived triples in the
    order its rules' answers come, which changes from run to run: two builds of one commit differed
    (issue 14). Sorted N-Triples loaded into a fresh store come out in that sorted order in every format.
    """
    from kg.sparql.engine import dump

    lines = dump(graph, "nt")
    if lines is None:
        return None
    ordered = b"".join(sorted(lines.splitlines(keepends=True)))
    if fmt == "nt":
        return ordered
    import pyoxigraph as ox

    store = ox.Store()
    store.load(ordered, format=ox.RdfFormat.N_TRIPLES)
    ox_format = {"turtle": ox.RdfFormat.TURTLE, "json-ld": ox.RdfFormat.JSON_LD}[fmt]
    return store.dump(format=ox_format, from_graph=ox.DefaultGraph(), prefixes=_prefixes())


def serialize(graph: Graph, fmt: str = "turtle") -> bytes:
    """Return *graph* serialised in the named format (JSON-LD compacted with the project context).

    Oxigraph writes it when the graph has an Oxigraph engine (its serialisers are 10-30x faster
    than rdflib's, see ``benchmarks/``); rdflib otherwise. Both give the same graph (tested).
    """
    spec = _format(fmt)
    from kg.sparql.engine import engine_name

    if engine_name(graph) != "remote" and spec.name in {"turtle", "nt", "json-ld", "json-ld-expanded"}:
        data = _canonical_dump(graph, spec.name.removesuffix("-expanded"))
        if data is not None:
            if spec.context:
                # Millions of small dicts: the cyclic GC would rescan them again and again (1.5x the time).
                collecting = gc.isenabled()
                gc.disable()
                try:
                    document = compact_json_ld(json.loads(data), json_ld_context())
                    if len(document["@graph"]) <= _NODE_PER_LINE_LIMIT:
                        return _one_node_per_line(document)
                    return json.dumps(document, ensure_ascii=False).encode("utf-8")
                finally:
                    if collecting:
                        gc.enable()
            return data
    kwargs: dict[str, Any] = {"format": spec.rdflib, "encoding": "utf-8"}
    if spec.context:
        kwargs["context"] = json_ld_context()
        kwargs["auto_compact"] = True
    data = graph.serialize(**kwargs)
    return data if isinstance(data, bytes) else data.encode("utf-8")


#: What starts a formula in Excel, LibreOffice or Google Sheets (OWASP, "CSV Injection"): = + - @, and a
#: tab or carriage return (some import paths strip them and read what follows).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: A plain decimal number: the one kind of cell starting with + or - that stays as it is.
_PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def spreadsheet_cell(value: Any) -> Any:
    """Return *value* safe to open in a spreadsheet: a text that would start a formula gets a ``'`` first.

    The OWASP advice for CSV: prefix a single quote to any cell that begins with ``=``, ``+``, ``-``,
    ``@``, a tab or a carriage return, so the spreadsheet shows it as text instead of evaluating it
    (``=HYPERLINK(…)`` in a person's label would otherwise run). Decision: a plain number such as
    ``-5`` or ``+1.5e3`` is kept as it is, because a spreadsheet reads it as that number and nothing
    else, and a negative count or score must stay a number; numbers (int, float) are never changed.
    Every CSV the project writes goes through this function.

    Examples
    --------
    >>> [spreadsheet_cell(v) for v in ["=1+2", "-5", "-5+3", "@SUM(A1)", "Zinoviev", -2]]
    ["'=1+2", '-5', "'-5+3", "'@SUM(A1)", 'Zinoviev', -2]
    """
    if isinstance(value, str) and value.startswith(FORMULA_START) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def spreadsheet_row(values: Any) -> list[Any]:
    """Return the cells of one CSV row through :func:`spreadsheet_cell` (``None`` as an empty cell)."""
    return [spreadsheet_cell("" if v is None else v) for v in values]


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
