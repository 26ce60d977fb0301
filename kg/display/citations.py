"""Formatted citations of the works a statement cites, for tables that people read (issue 13).

The questions list the sources of a statement as source IRIs (a print-only book has no address to list), and the
``sources`` question formats each one: author, title, publisher, year, page — and the copies it was read at. This
module joins the two for the CSV tables a build writes, so a spreadsheet shows "Robert Conquest, The Great Terror,
…, p. 148 (read at rulit.me)" where the graph has ``src:conquest-great-terror-148``. The citation text itself is
made in one place only, the ``sources`` question.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from rdflib import Literal

__all__ = ["SOURCE_COLUMNS", "citation_links", "citations_from_rows", "host", "with_citations"]

#: Columns whose cells list source IRIs (space-separated), in every question that has them.
SOURCE_COLUMNS = frozenset({"sources", "trial_sources", "life_sources", "assessment_sources", "checked_against"})

#: What separates two citations in one cell: citations contain spaces and commas, never " | ".
CITATION_SEPARATOR = " | "


def host(url: str) -> str:
    """Return the host name of *url* without ``www.`` (the URL itself when it has none or cannot be split).

    >>> host("https://www.rulit.me/books/x"), host("not a url")
    ('rulit.me', 'not a url')
    """
    try:
        name = urlsplit(url).hostname or url
    except ValueError:  # e.g. a malformed IPv6 literal
        return url
    return name.removeprefix("www.")


def citations_from_rows(rows: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, str]]:
    """Return ``{source IRI: {"t": citation text, "u": address to follow}}`` from rows of the ``sources`` question.

    The text is the work's citation with the hosts of the copies it was read at; the address is the work's own
    (``url``), or for a print-only work the first copy it was read at, or empty. Callers that already hold the
    question's rows (the site) pass them here instead of asking the question again.

    >>> citations_from_rows([{"source": "s", "citation": "A, Book, 1990, p. 3", "read_at": "https://www.r.example/3"}])
    {'s': {'t': 'A, Book, 1990, p. 3 (read at r.example)', 'u': 'https://www.r.example/3'}}
    """
    links: dict[str, dict[str, str]] = {}
    for row in rows:
        copies = sorted((row.get("read_at") or "").split())
        text = row.get("citation") or row["source"]
        if copies:
            text += f" (read at {', '.join(sorted({host(u) for u in copies}))})"
        links[row["source"]] = {"t": text, "u": row.get("url") or (copies[0] if copies else "")}
    return links


def citation_links(kg: Any) -> dict[str, dict[str, str]]:
    """Return the citation table of every source in *kg* (see :func:`citations_from_rows`)."""
    from kg.sparql.questions import run_query

    return citations_from_rows(run_query(kg, "sources").records())


def with_citations(result: Any, links: Mapping[str, Mapping[str, str]]) -> Any:
    """Return *result* (a :class:`kg.sparql.questions.QueryResult`) with source IRIs replaced by formatted citations.

    Only the columns in :data:`SOURCE_COLUMNS` change; citations in a cell are sorted and joined by " | ".
    An IRI the table does not know is kept as it is, so nothing is silently dropped.
    """
    from kg.sparql.questions import QueryResult

    where = [i for i, c in enumerate(result.columns) if c in SOURCE_COLUMNS]
    if not where:
        return result
    rows = []
    for row in result.rows:
        cells = list(row)
        for i in where:
            cell = cells[i] if i < len(cells) else None
            if cell is None:
                continue
            cited = sorted({links[iri]["t"] if iri in links else iri for iri in str(cell).split()})
            cells[i] = Literal(CITATION_SEPARATOR.join(cited))
        rows.append(tuple(cells))
    return QueryResult(columns=list(result.columns), rows=rows, prefixes=result.prefixes)
