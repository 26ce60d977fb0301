"""Derive the layers the curators never type: date bounds, the established and the alleged layer.

The rules are SPARQL ``CONSTRUCT`` files, run in name order, in ``ontology/derive/``; a file named ``established-*.rq``
feeds the fact layer and reads only ``mt:Established`` statements, one named ``alleged-*.rq`` feeds
the alleged layer. Adding a rule is adding a file.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rdflib import Graph, Literal
from rdflib.namespace import XSD

from . import paths
from .dates import edtf_bounds
from .errors import InvalidDataError
from .namespaces import MT

__all__ = ["LAYER_PREFIXES", "date_bounds", "derive_layers", "rule_files"]

#: Which layer a rule file feeds, by the start of its name.
LAYER_PREFIXES = {"established-": "established", "alleged-": "alleged"}


def rule_files(directory: Path | None = None) -> list[tuple[str, Path]]:
    """Return ``(layer, path)`` for every derivation rule, in name order."""
    directory = directory or paths.DERIVE_DIR
    found = []
    for path in sorted(directory.glob("*.rq")):
        layer = next((lay for pre, lay in LAYER_PREFIXES.items() if path.name.startswith(pre)), None)
        if layer is None:
            raise InvalidDataError(f"{path}: a derivation rule's name must start with one of {sorted(LAYER_PREFIXES)}")
        found.append((layer, path))
    return found


def date_bounds(graph: Graph, file_of: Callable[[object], Path | None] = lambda _n: None) -> Graph:
    """Return a graph of ``mt:earliest`` / ``mt:latest`` (``xsd:date``) for every ``mt:edtf`` value."""
    out = Graph()
    for statement, value in graph.subject_objects(MT.edtf):
        try:
            lower, upper = edtf_bounds(str(value))
        except ValueError as exc:
            where = file_of(statement)
            raise InvalidDataError(f"{where or '?'}: {statement}: {exc}") from None
        if lower:
            out.add((statement, MT.earliest, Literal(lower, datatype=XSD.date)))
        if upper:
            out.add((statement, MT.latest, Literal(upper, datatype=XSD.date)))
    return out


def derive_layers(kg, *, progress=None) -> None:  # type: ignore[no-untyped-def]
    """Add the ``dates``, ``established`` and ``alleged`` layers to *kg* and to its merged graph."""
    dates = date_bounds(kg.graph, kg.file_of)
    kg.graph += dates
    kg.layers["curated"] += dates
    derived = {"established": Graph(), "alleged": Graph()}
    # Rules run in name order and each one's triples join the graph at once, so a later rule can
    # build on an earlier one (co-defendants read mt:defendantIn) instead of re-joining statements.
    for layer, path in rule_files():
        result = Graph()
        for triple in kg.graph.query(path.read_text(encoding="utf-8")):
            result.add(triple)  # type: ignore[arg-type]
        derived[layer] += result
        kg.graph += result
    kg.layers.update(derived)
    if progress:
        progress(
            f"derived {len(dates)} date bounds, {len(derived['established'])} established and "
            f"{len(derived['alleged'])} alleged triples"
        )
