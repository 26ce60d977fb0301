"""Derive the layers the curators never type: date bounds, the established and the alleged layer.

The rules are SPARQL ``CONSTRUCT`` files, run in name order, in ``ontology/derive/``; a file named ``established-*.rq``
feeds the fact layer and reads only ``mt:Established`` statements, one named ``alleged-*.rq`` feeds
the alleged layer. Adding a rule is adding a file.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD

from . import paths
from .dates import edtf_span
from .errors import InvalidDataError
from .namespaces import MT

__all__ = ["ACT_PREDICATES", "DATE_BOUND_PROPERTIES", "LAYER_PREFIXES", "alleged_only", "date_bounds",
           "derive_layers", "facts_view", "rule_files", "rule_predicates"]

#: Which layer a rule file feeds, by the start of its name.
LAYER_PREFIXES = {"established-": "established", "alleged-": "alleged"}


#: The triples of an accusation that record the act of charging (documented by its source), not the
#: charge itself: these are the only triples of a non-Established statement the fact rules may see.
ACT_PREDICATES = frozenset({RDF.type, MT.person, MT.trial, MT.inAbsentia})

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


def facts_view(graph: Graph) -> Graph:
    """Return a copy of *graph* without the claims: what the established rules are allowed to read.

    Every statement whose status is not ``mt:Established`` is left out, except the act triples of an
    accusation (who was charged at which trial). A rule that forgot to filter on status still cannot
    turn an allegation into a fact: the allegation is simply not there.
    """
    claims = {s for s, status in graph.subject_objects(MT.status) if status != MT.Established}
    accusations = set(graph.subjects(RDF.type, MT.Accusation))
    view = Graph()
    for triple in graph:
        subject = triple[0]
        if subject in claims and not (subject in accusations and triple[1] in ACT_PREDICATES):
            continue
        view.add(triple)
    return view


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
    """Return a graph of ``xsd:date`` bounds for every ``mt:edtf`` value.

    ``mt:earliest``/``mt:latest`` bound the whole date or interval; ``mt:beginLatest``/``mt:endEarliest``
    bound the part that is certain (what an alibi must cover).
    """
    out = Graph()
    properties = DATE_BOUND_PROPERTIES
    for statement, value in graph.subject_objects(MT.edtf):
        try:
            bounds = edtf_span(str(value))
        except ValueError as exc:
            where = file_of(statement)
            raise InvalidDataError(f"{where or '?'}: {statement}: {exc}") from None
        for prop, day in zip(properties, bounds, strict=False):
            if day:
                out.add((statement, prop, Literal(day, datatype=XSD.date)))
    return out


def derive_layers(kg, *, progress=None) -> None:  # type: ignore[no-untyped-def]
    """Add the ``dates``, ``established`` and ``alleged`` layers to *kg* and to its merged graph."""
    from .stores import add_triples, query

    dates = date_bounds(kg.graph, kg.file_of)
    add_triples(kg.graph, dates)
    kg.layers["curated"] += dates
    derived = {"established": Graph(), "alleged": Graph()}
    # Established rules read the facts view only; alleged rules read everything. Rules run in name
    # order and each one's triples join what the next rules read, so a later rule can build on an
    # earlier one (co-defendants read mt:defendantIn) instead of re-joining statements.
    # They run on Oxigraph (kg.stores): add_triples keeps its copy of each reader current.
    readers = {"established": facts_view(kg.graph), "alleged": kg.graph}
    for layer, path in rule_files():
        result = Graph()
        for triple in query(readers[layer], path.read_text(encoding="utf-8"), name=str(path)).triples:
            result.add(triple)
        derived[layer] += result
        add_triples(readers[layer], result)
    # the alleged rules read kg.graph itself, so their triples are in it already
    add_triples(kg.graph, derived["established"])
    kg.layers.update(derived)
    if progress:
        progress(
            f"derived {len(dates)} date bounds, {len(derived['established'])} established and "
            f"{len(derived['alleged'])} alleged triples"
        )
