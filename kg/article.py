"""The seed article checked against the data: each graded claim beside the figure the data gives."""

from __future__ import annotations

from typing import Any

from .queries import QueryResult, run_query

__all__ = ["article_report", "recompute"]


def recompute(graph: Any, question: str) -> str:
    """Return the answer of a recomputing question as one line of text (``column=value`` pairs)."""
    result = run_query(graph, question)
    parts = []
    for record in result.records(short=True):
        parts.append(", ".join(f"{k}={v}" for k, v in record.items() if v not in (None, "")))
    return "; ".join(parts) if parts else "no data"


def article_report(graph: Any) -> QueryResult:
    """Return the article's claims with grade, why, sources, and — where a question recomputes the
    figure from the data — the computed figure beside the article's own.

    Examples
    --------
    >>> import kg
    >>> report = kg.article_report(kg.load())
    >>> report.columns[:4]
    ['claim', 'claimed_value', 'computed_from_data', 'grade']
    """
    from rdflib import Literal

    claims = run_query(graph, "article-claims").records()
    columns = ["claim", "claimed_value", "computed_from_data", "grade", "why", "checked_against", "claim_iri"]
    rows = []
    for c in claims:
        computed = recompute(graph, c["recomputed_by"]) if c.get("recomputed_by") else ""
        values = [c["claim_text"], c.get("claimed_value") or "", computed, c["grade"], c.get("why") or "",
                  c.get("checked_against") or "", c["claim"]]
        rows.append(tuple(Literal(v) for v in values))
    return QueryResult(columns=columns, rows=rows)
