"""The one SPARQL parser check shared by ``kg query`` and the server's gateway: parse, and find what reaches out.

Both readers of user SPARQL — :func:`kg.sparql.questions.run_query` (a user's ``.rq`` file or text) and the
gateway of ``kg serve`` (:mod:`kg.server.gateway`) — parse with rdflib's parser and walk the parse tree (or
the algebra built from it) with :func:`remote_features` for what would make the engine reach another host:
``SERVICE`` in a query or update, ``LOAD`` in an update. One walker, so the two cannot disagree.
"""

from __future__ import annotations

import threading
from typing import Any

__all__ = ["PARSER_LOCK", "parse", "remote_features"]

#: rdflib's parser (pyparsing) is not thread-safe: concurrent parses fail with nonsense errors.
PARSER_LOCK = threading.Lock()


def parse(text: str, *, update: bool) -> Any:
    """Return rdflib's parse tree of SPARQL *text* (a query, or with *update* an update); raises on bad syntax."""
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    with PARSER_LOCK:
        return parseUpdate(text) if update else parseQuery(text)[1]


def remote_features(node: Any) -> list[str]:
    """Return ``SERVICE <iri>`` and ``LOAD <iri>`` for each place in a parse tree or algebra that reaches out.

    >>> remote_features(parse("SELECT * WHERE { SERVICE <http://x/> { ?s ?p ?o } }", update=False))
    ['SERVICE <http://x/>']
    >>> remote_features(parse("LOAD <http://x/data.ttl>", update=True))
    ['LOAD <http://x/data.ttl>']
    """
    from rdflib.plugins.sparql.parserutils import CompValue

    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, CompValue):
            if value.name == "ServiceGraphPattern":
                found.append(f"SERVICE <{value.get('term')}>")
            elif value.name == "Load":
                found.append(f"LOAD <{value.get('iri')}>")
            for child in value.values():
                walk(child)
        elif isinstance(value, (list, tuple)) or type(value).__name__ == "ParseResults":
            for child in value:
                walk(child)

    walk(node)
    return found
