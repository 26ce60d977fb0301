"""Per-entity JSON-LD documents: one person or one trial, nested, in the project's context.

A flat ``@graph`` (what ``kg export --format json-ld`` writes) is right for loading the whole graph, but a
reader who wants *one* person wants a tree: the person, under them the statements about them (birth, offices,
accusations, pleas, sentences, testimony, death, rehabilitation, claimed events), and under each statement what
it cites. :func:`entity_document` builds that tree from the graph with a small declarative frame
(:data:`REVERSE`: which statements hang under which kind of entity) instead of pyld's framing algorithm: it
is deterministic, about 100 times faster on this graph, and every value it writes is copied from a triple of
the graph, so a JSON-LD processor reads back only triples that exist (``tests/test_site.py`` checks that with
pyld on a sample of documents).

How the tree is cut
-------------------
* the entity itself: every triple whose subject it is (labels, identifiers, derived direct triples);
* under ``@reverse``: the statements that point at it (``mt:person``, ``mt:trial`` …, see :data:`REVERSE`),
  each with every triple whose subject it is, and, under a claim, the assessments of it (``mt:assesses``);
* any other thing a statement names (a source, a trial, a person, a charge, a body, a place) is embedded
  once, the first time it appears, with only its type, names, title, URL and kind of source
  (:data:`SUMMARY_PREDICATES`); later mentions are bare ``{"@id": …}`` references (JSON-LD's ``@once``);
* terms of the ontology (``mt:Established``, ``mt:DeathPenalty``) are references.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS, XSD

from kg.namespaces import BASE, MT
from kg.outputs.exports import curie_function

__all__ = ["REVERSE", "SUMMARY_PREDICATES", "entity_document", "entity_json"]

_DCTERMS = "http://purl.org/dc/terms/"
_SCHEMA = "https://schema.org/"
_PROV = "http://www.w3.org/ns/prov#"

#: The statements nested under an entity: for each class, the properties by which statements point at it.
REVERSE: dict[URIRef, tuple[URIRef, ...]] = {
    MT.Person: (MT.person, MT.against, MT.participant, MT.assertedBy),
    MT.Trial: (MT.trial, MT.assertedIn, MT.defendantIn, MT.accusedInAbsentiaIn, MT.presidedOver, MT.prosecuted),
}
#: Under a nested statement (a claim), the statements that point at it: its assessments.
STATEMENT_REVERSE: tuple[URIRef, ...] = (MT.assesses,)

#: What is said about a thing that is only mentioned: enough to name it and to follow its source.
SUMMARY_PREDICATES: frozenset[URIRef] = frozenset({
    RDF.type, RDFS.label, SKOS.altLabel, URIRef(_DCTERMS + "title"), URIRef(_SCHEMA + "url"), MT.sourceKind,
})
# altLabel is summarised for people only (a trial's or a source's other names would bloat every mention).
_SUMMARY_ALT_LABELS_FOR = frozenset({MT.Person})

_DATA_BASE = BASE + "id/"


class _Builder:
    """Builds one document; remembers what is already embedded (each node is embedded once)."""

    def __init__(self, graph: Graph, root: URIRef, context: dict[str, Any]) -> None:
        self.graph = graph
        self.root = root
        self.curie = curie_function(context)
        self.embedded: set[URIRef] = {root}

    def value(self, term: Any) -> Any:
        if isinstance(term, Literal):
            if term.language:
                return {"@value": str(term), "@language": term.language}
            if term.datatype is None or term.datatype == XSD.string:
                return str(term)
            return {"@value": str(term), "@type": self.curie(str(term.datatype))}
        if isinstance(term, BNode):  # the data mints no blank nodes (IRIs from slugs); keep it readable anyway
            return {"@id": f"_:{term}"}
        return {"@id": self.curie(str(term))}

    def properties(self, node: URIRef, predicates: Iterable[URIRef] | None = None) -> dict[str, Any]:
        """Return the JSON-LD members for *node*'s triples (all of them, or only *predicates*)."""
        wanted = None if predicates is None else set(predicates)
        by_predicate: dict[URIRef, list[Any]] = {}
        for _s, p, o in self.graph.triples((node, None, None)):
            if wanted is None or p in wanted:
                by_predicate.setdefault(p, []).append(o)  # type: ignore[arg-type]
        out: dict[str, Any] = {"@id": self.curie(str(node))}
        types = sorted(by_predicate.pop(RDF.type, []), key=str)
        if types:
            out["@type"] = [self.curie(str(t)) for t in types]
        for p in sorted(by_predicate, key=str):
            values = [self.nested(o) for o in sorted(by_predicate[p], key=_sort_key)]
            out[self.curie(str(p))] = values[0] if len(values) == 1 else values
        return out

    def nested(self, term: Any) -> Any:
        """Return a value: a literal, a reference, or (the first time) a summary of a data entity."""
        if isinstance(term, URIRef) and str(term).startswith(_DATA_BASE) and term not in self.embedded \
                and "/id/statement/" not in str(term):
            self.embedded.add(term)
            classes = set(self.graph.objects(term, RDF.type))
            keep = SUMMARY_PREDICATES if classes & _SUMMARY_ALT_LABELS_FOR else SUMMARY_PREDICATES - {SKOS.altLabel}
            summary = self.properties(term, keep)
            return summary if len(summary) > 1 else {"@id": summary["@id"]}
        return self.value(term)

    def statement(self, node: URIRef) -> dict[str, Any]:
        self.embedded.add(node)
        out = self.properties(node)
        reverse = self.reverse(node, STATEMENT_REVERSE)
        if reverse:
            out["@reverse"] = reverse
        return out

    def reverse(self, node: URIRef, predicates: Iterable[URIRef]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for p in predicates:
            subjects = sorted({s for s in self.graph.subjects(p, node) if isinstance(s, URIRef)}, key=str)
            items = []
            for s in subjects:
                if s in self.embedded:
                    items.append({"@id": self.curie(str(s))})
                elif (s, MT.status, None) in self.graph:
                    items.append(self.statement(s))
                else:  # an entity pointing here by a derived triple (a defendant of the trial): summarise it
                    items.append(self.nested(s))
            if items:
                out[self.curie(str(p))] = items
        return out


def _sort_key(term: Any) -> tuple[str, str]:
    return (type(term).__name__, str(term))


def entity_document(graph: Graph | Any, iri: str | URIRef, *, context: dict[str, Any] | None = None) -> dict[str, Any]:
    """Return the nested JSON-LD document of one person or trial (any entity), with the project's context.

    Parameters
    ----------
    graph : rdflib.Graph or KnowledgeGraph
    iri : the entity's IRI
    context : the JSON-LD context (default: ``ontology/context.jsonld``)

    Examples
    --------
    >>> from rdflib import RDF, Graph, Literal, URIRef
    >>> from kg.namespaces import MT
    >>> p = URIRef("https://w3id.org/moscow-trials/id/person/anna-alpha")
    >>> s = URIRef("https://w3id.org/moscow-trials/id/statement/life--anna-alpha--death")
    >>> g = Graph()
    >>> for triple in [(p, RDF.type, MT.Person), (p, MT.wikidataId, Literal("Q1")),
    ...                (s, MT.person, p), (s, MT.status, MT.Established)]:
    ...     _ = g.add(triple)
    >>> doc = entity_document(g, p, context={"mt": str(MT), "person": "https://w3id.org/moscow-trials/id/person/",
    ...                                      "st": "https://w3id.org/moscow-trials/id/statement/"})
    >>> doc["@id"], doc["mt:wikidataId"]
    ('person:anna-alpha', 'Q1')
    >>> doc["@reverse"]["mt:person"][0]["mt:status"]
    {'@id': 'mt:Established'}
    """
    graph = getattr(graph, "graph", graph)
    if context is None:
        from kg.outputs.exports import json_ld_context

        context = json_ld_context()
    root = URIRef(str(iri))
    builder = _Builder(graph, root, context)
    document: dict[str, Any] = {"@context": context}
    document.update(builder.properties(root))
    predicates: tuple[URIRef, ...] = ()
    for cls in sorted(set(graph.objects(root, RDF.type)), key=str):
        predicates += tuple(p for p in REVERSE.get(cls, ()) if p not in predicates)  # type: ignore[arg-type]
    reverse = builder.reverse(root, predicates)
    if reverse:
        document["@reverse"] = reverse
    return document


def entity_json(document: dict[str, Any]) -> str:
    """Return *document* as the JSON text written beside a page (UTF-8, compact: browsers indent JSON for reading)."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n"
