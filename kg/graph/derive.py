"""Derive the layers the curators never type: date bounds, the established and the alleged layer.

The rules are SPARQL ``CONSTRUCT`` files, run in name order, in ``ontology/derive/``; a file named ``established-*.rq``
feeds the fact layer and reads only ``mt:Established`` statements, one named ``alleged-*.rq`` feeds
the alleged layer. Adding a rule is adding a file.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import XSD

from kg import paths
from kg.dates import edtf_span
from kg.errors import InvalidDataError
from kg.namespaces import MT

__all__ = ["DATE_BOUND_PROPERTIES", "LAYER_PREFIXES", "SET_ASIDE_NAME", "alleged_only", "date_bounds",
           "derive_layers", "rule_files", "rule_predicates"]

#: Which layer a rule file feeds, by the start of its name.
LAYER_PREFIXES = {"established-": "established", "alleged-": "alleged"}


#: The derivation file naming what established rules must not read (read before those rules, not one of them).
SET_ASIDE_NAME = "set-aside-for-facts"
#: Every triple of a graph (to set a whole layer aside).
EVERYTHING = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"

#: The date bounds :func:`date_bounds` writes for every ``mt:edtf`` (earliest begin, latest begin,
#: earliest end, latest end): derived, so a data file may not type them (the loader refuses).
DATE_BOUND_PROPERTIES = (MT.earliest, MT.beginLatest, MT.endEarliest, MT.latest)


def rule_predicates(layer: str) -> frozenset[URIRef]:
    """Return the predicates that the rules of *layer* write (their ``CONSTRUCT`` templates).

    Read from the rule files themselves, so the list cannot drift from what the build derives.
    """
    from rdflib.plugins.sparql import prepareQuery

    found: set[URIRef] = set()
    for lay, path in rule_files():
        if lay == layer:
            template = prepareQuery(path.read_text(encoding="utf-8")).algebra.get("template") or []
            found |= {p for _s, p, _o in template if isinstance(p, URIRef)}
    return frozenset(found)


def alleged_only() -> frozenset[URIRef]:
    """Return the properties that belong to the alleged layer only (written by ``alleged-*.rq`` and by no
    established rule): the validator fails if one reaches the fact layer."""
    return rule_predicates("alleged") - rule_predicates("established")


def rule_files(directory: Path | None = None) -> list[tuple[str, Path]]:
    """Return ``(layer, path)`` for every derivation rule, in name order."""
    from kg.sparql import registry

    found = []
    for path in (f.path for f in registry.files("derivation", directory) if f.name != SET_ASIDE_NAME):
        layer = next((lay for pre, lay in LAYER_PREFIXES.items() if path.name.startswith(pre)), None)
        if layer is None:
            raise InvalidDataError(f"{path}: a derivation rule's name must start with one of {sorted(LAYER_PREFIXES)}")
        found.append((layer, path))
    return found


def date_bounds(graph: Graph, file_of: Callable[[object], Path | None] = lambda _n: None) -> list[tuple]:
    """Return the ``xsd:date`` bound triples of every ``mt:edtf`` value, each once.

    ``mt:earliest``/``mt:latest`` bound the whole date or interval; ``mt:beginLatest``/``mt:endEarliest``
    bound the part that is certain (what an alibi must cover). A list, not a graph: derivation hands it to
    the store in one write (:meth:`kg.graph.dataset.Dataset.add_rdflib`).
    """
    out = []
    properties = DATE_BOUND_PROPERTIES
    days: dict[object, Literal] = {}
    for statement, value in graph.subject_objects(MT.edtf):
        try:
            bounds = edtf_span(str(value))
        except ValueError as exc:
            where = file_of(statement)
            raise InvalidDataError(f"{where or '?'}: {statement}: {exc}") from None
        for prop, day in zip(properties, bounds, strict=False):
            if day:
                literal = days.get(day)
                if literal is None:
                    literal = days[day] = Literal(day, datatype=XSD.date)
                out.append((statement, prop, literal))
    return list(dict.fromkeys(out))


def derive_layers(kg, *, progress=None) -> None:  # type: ignore[no-untyped-def]
    """Add the date bounds and the ``established`` and ``alleged`` layers to *kg*'s dataset.

    Everything happens in the one store the build lives in (:class:`kg.graph.dataset.Dataset`): the rules'
    answers go straight back into it, in the engine's own terms, and nothing is copied into a second engine.
    Rules run in name order (the alleged ones first) and each one's triples join what the next rules read,
    so a later rule can build on an earlier one (co-defendants read mt:defendantIn). Alleged rules read
    everything. Established rules read the facts view: the build with the claims and the alleged layer set
    aside (``ontology/derive/set-aside-for-facts.rq``), which are put back when the rules have run. Setting a
    few thousand triples aside costs far less than copying a million joined triples into a view.
    """
    from kg.graph.stores import LAYER_GRAPHS

    dataset = kg.dataset
    dates = date_bounds(kg.graph, kg.file_of)
    dataset.add_rdflib(dates, None, LAYER_GRAPHS["curated"])
    aside = None
    for layer, path in rule_files():
        text = path.read_text(encoding="utf-8")
        if layer == "established":
            if aside is None:
                aside = [dataset.set_aside(paths.SET_ASIDE_FILE.read_text(encoding="utf-8"), None,
                                           label=str(paths.SET_ASIDE_FILE)),
                         dataset.set_aside(EVERYTHING, LAYER_GRAPHS["alleged"], label="the alleged layer")]
            dataset.add_construct(text, None, None, LAYER_GRAPHS["established"], label=str(path))
        else:
            dataset.add_construct(text, None, None, LAYER_GRAPHS["alleged"], label=str(path))
    for data in aside or []:
        dataset.put_back(data, None)
    if progress:
        progress(
            f"derived {len(dates)} date bounds, {dataset.size(LAYER_GRAPHS['established'])} established and "
            f"{dataset.size(LAYER_GRAPHS['alleged'])} alleged triples"
        )
