"""Formatted citations of the works a statement cites, for tables that people read (issue 13).

The questions list the sources of a statement as source IRIs (a print-only book has no address to list), and the
``sources`` question formats each one: author, title, publisher, year, page — and the copies it was read at. This
module joins the two for the CSV tables a build writes, so a spreadsheet shows "Robert Conquest, The Great Terror,
…, p. 148 (read at rulit.me)" where the graph has ``src:conquest-great-terror-148``. The citation text itself is
made in one place only, the ``sources`` question.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from rdflib import Literal

__all__ = ["SOURCE_COLUMNS", "citation_index", "citation_links", "with_citations"]

#: Columns whose cells list source IRIs (space-separated), in every question that has them.
SOURCE_COLUMNS = frozenset({"sources", "trial_sources", "life_sources", "assessment_sources", "checked_against"})

#: What separates two citations in one cell: citations contain spaces and commas, never " | ".
CITATION_SEPARATOR = " | "


def _host(url: str) -> str:
    host = urlsplit(url).hostname or url
    return host.removeprefix("www.")


def citation_index(kg: Any) -> dict[str, str]:
    """Return ``{source IRI: "citation (read at host, host)"}`` for every source in *kg*.
    """
    from .queries import run_query

    index: dict[str, str] = {}
    for row in run_query(kg, "sources").records():
        text = row.get("citation") or row["source"]
        copies = sorted({_host(u) for u in (row.get("read_at") or "").split()})
        if copies:
            text += f" (read at {', '.join(copies)})"
        index[row["source"]] = text
    return index


def citation_links(kg: Any) -> dict[str, dict[str, str]]:
    """Return ``{source IRI: {"t": citation text, "u": address to follow}}`` for every source in *kg*.

    The address is the work's own (``url``), or for a print-only work the first copy it was read at, or empty.
    Network pages carry this table so that an edge's sources read as citations, not as source IRIs.
    """
    from .queries import run_query

    links: dict[str, dict[str, str]] = {}
    for row in run_query(kg, "sources").records():
        copies = sorted((row.get("read_at") or "").split())
        text = row.get("citation") or row["source"]
        if copies:
            text += f" (read at {', '.join(sorted({_host(u) for u in copies}))})"
        links[row["source"]] = {"t": text, "u": row.get("url") or (copies[0] if copies else "")}
    return links


def with_citations(result: Any, index: Mapping[str, str]) -> Any:
    """Return *result* (a :class:`kg.queries.QueryResult`) with source IRIs replaced by formatted citations.

    Only the columns in :data:`SOURCE_COLUMNS` change; citations in a cell are sorted and joined by " | ".
    An IRI the index does not know is kept as it is, so nothing is silently dropped.
    """
    from .queries import QueryResult

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
            cited = sorted({index.get(iri, iri) for iri in str(cell).split()})
            cells[i] = Literal(CITATION_SEPARATOR.join(cited))
        rows.append(tuple(cells))
    return QueryResult(columns=list(result.columns), rows=rows, prefixes=result.prefixes)
