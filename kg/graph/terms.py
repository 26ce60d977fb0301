"""Terms between rdflib and pyoxigraph, with plain strings kept plain.

oxrdflib turns a plain string into ``"a"^^xsd:string``, which rdflib does not count as the same term as
``"a"``: every comparison and serialisation would change. These converters keep them plain.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from rdflib import BNode, Literal, URIRef

from kg.errors import KGError

__all__ = ["from_ox", "ox_triples_to_rdflib", "to_ox"]

# rdflib does not count "a" and "a"^^xsd:string as the same term).

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def to_ox(term: Any) -> Any:
    """Return the pyoxigraph term for an rdflib term (``None`` stays ``None``)."""
    import pyoxigraph as ox

    if term is None:
        return None
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)) if term.datatype else None)
    raise KGError(f"cannot use {term!r} as an RDF term")


def from_ox(term: Any, cache: dict[Any, Any] | None = None) -> Any:
    """Return the rdflib term for a pyoxigraph term; *cache* (a dict) saves rebuilding repeated terms."""
    if term is None:
        return None
    if cache is not None:
        hit = cache.get(term)
        if hit is not None:
            return hit
    import pyoxigraph as ox

    kind = type(term)
    if kind is ox.NamedNode:
        out: Any = URIRef(term.value)
    elif kind is ox.BlankNode:
        out = BNode(term.value)
    elif kind is ox.Literal:
        if term.language:
            out = Literal(term.value, lang=term.language)
        else:
            datatype = term.datatype.value
            out = Literal(term.value) if datatype == _XSD_STRING else Literal(term.value, datatype=URIRef(datatype))
    else:
        raise KGError(f"unsupported term from Oxigraph: {term!r}")
    if cache is not None:
        cache[term] = out
    return out


def ox_triples_to_rdflib(triples: Iterable[Any]) -> Iterator[tuple[Any, Any, Any]]:
    cache: dict[Any, Any] = {}
    for t in triples:
        yield from_ox(t.subject, cache), from_ox(t.predicate, cache), from_ox(t.object, cache)
