"""The seed article checked against the data: each graded claim beside the figure the data gives.

The report names the article it grades (author, title, publisher, date, address) from the seed source's own
triples, read through the ``seed-article`` question: a reader must know which article the grades are about.
"""

from __future__ import annotations

from typing import Any

from kg.sparql.questions import QueryResult, run_query

__all__ = ["article_citation", "article_report", "article_table", "recompute"]


def recompute(graph: Any, question: str) -> str:
    """Return the answer of a recomputing question as one line of text (``column=value`` pairs)."""
    result = run_query(graph, question)
    parts = []
    for record in result.records(short=True):
        parts.append(", ".join(f"{k}={v}" for k, v in record.items() if v not in (None, "")))
    return "; ".join(parts) if parts else "no data"


def article_citation(graph: Any) -> str:
    """Return the graded article as one citation: author, "title", publisher, date, address.

    A part the source does not record is said to be missing rather than left out silently.

    >>> import kg
    >>> article_citation(kg.load()).startswith("Panagiotis Vogiatzis, ")
    True
    """
    rows = run_query(graph, "seed-article").records()
    if not rows:
        return "no seed article is recorded (no source of kind mt:SeedArticle)"
    r = rows[0]
    parts = [r.get("creator") or "author not recorded",
             f"\u201c{r['title']}\u201d" if r.get("title") else "title not recorded",
             r.get("publisher") or "publisher not recorded",
             r.get("issued") or "date not recorded",
             r.get("url") or "no address recorded"]
    return ", ".join(parts)


def article_report(graph: Any) -> QueryResult:
    """Return the article's claims with grade, why, sources, and — where a question recomputes the
    figure from the data — the computed figure beside the article's own. The last column, ``article``,
    names the article graded (:func:`article_citation`), so a CSV or JSON export says it too.

    Examples
    --------
    >>> import kg
    >>> report = kg.article_report(kg.load())
    >>> report.columns[:4], report.columns[-1]
    (['claim', 'claimed_value', 'computed_from_data', 'grade'], 'article')
    """
    from rdflib import Literal

    from kg.display.citations import citation_links, with_citations

    # the sources each claim was checked against, as citations of works (the question gives source IRIs)
    claims = with_citations(run_query(graph, "article-claims"), citation_links(graph)).records()
    article = article_citation(graph)
    columns = ["claim", "claimed_value", "computed_from_data", "grade", "why", "checked_against", "claim_iri",
               "article"]
    rows = []
    for c in claims:
        computed = recompute(graph, c["recomputed_by"]) if c.get("recomputed_by") else ""
        values = [c["claim_text"], c.get("claimed_value") or "", computed, c["grade"], c.get("why") or "",
                  c.get("checked_against") or "", c["claim"], article]
        rows.append(tuple(Literal(v) for v in values))
    return QueryResult(columns=columns, rows=rows)


def article_table(report: QueryResult) -> str:
    """Return the report as a terminal table headed by the article it grades (named once, not in every row)."""
    article = str(report.rows[0][-1]) if report.rows else ""
    shown = QueryResult(columns=report.columns[:-1], rows=[row[:-1] for row in report.rows])
    return (f"Grading: {article}\n\n" if article else "") + shown.to_table()
