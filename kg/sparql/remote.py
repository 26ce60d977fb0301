"""HTTP to SPARQL endpoints: queries with a time limit and clear errors, pushes, and waiting for a server.

rdflib's connector calls ``urlopen`` without a timeout and hands an HTML error page to the results
parser; :func:`timed_store_class` gives a ``SPARQLStore`` that does neither. :func:`push` writes a build to
an endpoint by the Graph Store Protocol or SPARQL Update.
"""

from __future__ import annotations

import os
import time
import urllib.parse
import urllib.request
from collections.abc import Mapping
from typing import Any

from rdflib import BNode

from kg.errors import StoreError

__all__ = ["client_timeout", "http_post_form", "push", "timed_store_class", "wait_for"]

#: Seconds a remote endpoint may take to answer one request (``KG_SPARQL_TIMEOUT``), and its bounds.
DEFAULT_TIMEOUT, TIMEOUT_BOUNDS = 60.0, (0.1, 3600.0)
_RESULT_TYPES = ("application/sparql-results+json", "application/sparql-results+xml", "application/json",
                 "application/xml", "text/xml", "text/turtle", "application/n-triples", "application/rdf+xml",
                 "application/ld+json", "text/plain")


def client_timeout() -> float:
    """Return how long a remote endpoint may take per request, in seconds: ``KG_SPARQL_TIMEOUT``
    (default 60), clamped to 0.1–3600 so that no call waits for ever."""
    raw = os.environ.get("KG_SPARQL_TIMEOUT", "")
    try:
        value = float(raw) if raw.strip() else DEFAULT_TIMEOUT
    except ValueError:
        raise StoreError(f"KG_SPARQL_TIMEOUT={raw!r} is not a number of seconds") from None
    return min(max(value, TIMEOUT_BOUNDS[0]), TIMEOUT_BOUNDS[1])


_TIMED: Any = None


def timed_store_class() -> Any:
    """Return rdflib's ``SPARQLStore`` with a request that has a time limit and clear errors.

    rdflib's connector calls ``urlopen`` without a timeout (a slow endpoint hangs the caller for
    ever) and hands an HTML error page to the results parser. This one posts the form itself, with
    :func:`client_timeout`, and raises :class:`StoreError` for an endpoint that is down, slow, or
    answers something that is not SPARQL results.
    """
    global _TIMED
    if _TIMED is not None:
        return _TIMED
    from io import BytesIO

    from rdflib.plugins.stores.sparqlconnector import SPARQLConnector
    from rdflib.plugins.stores.sparqlstore import SPARQLStore
    from rdflib.query import Result

    class _TimedConnector(SPARQLConnector):
        def query(self, query: str, default_graph: str | None = None, named_graph: str | None = None) -> Any:
            form = {"query": query}
            if default_graph is not None and not isinstance(default_graph, BNode):
                form["default-graph-uri"] = default_graph
            data, content_type = http_post_form(self.query_endpoint, form, accept=self.response_mime_types(),
                                                 timeout=client_timeout(), with_type=True)
            if content_type not in _RESULT_TYPES:
                start = data[:80].decode("utf-8", "replace").strip().replace("\n", " ")
                raise StoreError(f"the endpoint {self.query_endpoint} answered {content_type or 'no content type'} "
                                 f"({start!r} …), not SPARQL results; is this the query URL of a SPARQL endpoint?")
            try:
                return Result.parse(BytesIO(data), content_type=content_type)
            except Exception as exc:
                raise StoreError(f"the endpoint {self.query_endpoint} sent results that cannot be read "
                                 f"({type(exc).__name__}: {str(exc)[:200]})") from None

    class TimedSPARQLStore(SPARQLStore, _TimedConnector):
        """``SPARQLStore`` whose requests have a time limit (``KG_SPARQL_TIMEOUT``) and clear errors."""

    _TIMED = TimedSPARQLStore
    return _TIMED


def push(
    url: str,
    graphs: Mapping[str | None, bytes],
    *,
    via: str = "gsp",
    token: str | None = None,
    timeout: float = 300,
) -> list[str]:
    """Send N-Triples *graphs* (graph IRI, or ``None`` for the default graph) to an endpoint; return what was done.

    ``via="gsp"`` replaces each graph with an HTTP PUT to the Graph Store Protocol endpoint *url*
    (``?default`` or ``?graph=IRI``); ``via="update"`` posts ``DROP``/``INSERT DATA`` to the SPARQL Update
    endpoint *url* in batches. *token* is sent as ``Authorization: Bearer TOKEN``.
    """
    if via not in {"gsp", "update"}:
        raise StoreError(f"unknown push method {via!r}; use gsp (Graph Store Protocol) or update (SPARQL Update)")
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    done = []
    for graph_iri, data in graphs.items():
        label = f"<{graph_iri}>" if graph_iri else "the default graph"
        n = data.count(b"\n")
        if via == "gsp":
            target = url + ("&" if "?" in url else "?") + (
                "default" if graph_iri is None else "graph=" + urllib.parse.quote(graph_iri, safe=""))
            _http(target, "PUT", data, {**headers, "Content-Type": "application/n-triples"}, timeout)
        else:
            drop = "DROP SILENT DEFAULT" if graph_iri is None else f"DROP SILENT GRAPH <{graph_iri}>"
            _update(url, drop, headers, timeout)
            lines = data.splitlines(keepends=True)
            for start in range(0, len(lines), 20_000):
                body = b"".join(lines[start:start + 20_000]).decode("utf-8")
                inner = body if graph_iri is None else f"GRAPH <{graph_iri}> {{\n{body}}}"
                _update(url, f"INSERT DATA {{\n{inner}}}", headers, timeout)
        done.append(f"{n} triples to {label}")
    return done


def http_post_form(url: str, form: Mapping[str, str], *, accept: str, timeout: float | None = None,
                    with_type: bool = False) -> Any:
    """Return the body of a form POST to *url* (and its content type, if *with_type*); clear errors."""
    import urllib.error

    timeout = client_timeout() if timeout is None else timeout
    request = urllib.request.Request(url, data=urllib.parse.urlencode(form).encode("utf-8"), method="POST",
                                     headers={"Accept": accept, "Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            data = response.read()
            content_type = (response.headers.get("Content-Type") or "").split(";")[0].strip().lower()
    except urllib.error.HTTPError as exc:
        raise StoreError(f"POST {url}: HTTP {exc.code} {exc.reason}: {exc.read().decode('utf-8', 'replace')[:300]}") from None
    except TimeoutError:
        raise StoreError(f"POST {url}: the endpoint did not answer within {timeout:g} s "
                         "(KG_SPARQL_TIMEOUT sets the limit)") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, TimeoutError):
            raise StoreError(f"POST {url}: the endpoint did not answer within {timeout:g} s "
                             "(KG_SPARQL_TIMEOUT sets the limit)") from None
        raise StoreError(f"POST {url}: cannot reach the endpoint ({reason})") from None
    return (data, content_type) if with_type else data


def _update(url: str, text: str, headers: Mapping[str, str], timeout: float) -> None:
    _http(url, "POST", text.encode("utf-8"), {**headers, "Content-Type": "application/sparql-update"}, timeout)


def _http(url: str, method: str, data: bytes, headers: Mapping[str, str], timeout: float) -> None:
    import urllib.error

    request = urllib.request.Request(url, data=data, method=method, headers=dict(headers))
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
    except urllib.error.HTTPError as exc:
        body = exc.read().decode("utf-8", "replace").strip()[:300]
        hint = " (give the server's token with --token)" if exc.code in (401, 403) else ""
        raise StoreError(f"{method} {url}: HTTP {exc.code} {exc.reason}{hint}: {body}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise StoreError(f"{method} {url}: cannot reach the endpoint ({reason})") from None


def wait_for(url: str, *, timeout: float = 30.0) -> None:
    """Return once a SPARQL endpoint at *url* answers ``ASK {}``; raise :class:`StoreError` after *timeout* s."""
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        try:
            request = urllib.request.Request(url + "?query=" + urllib.parse.quote("ASK {}"),
                                             headers={"Accept": "application/sparql-results+json"})
            with urllib.request.urlopen(request, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError as exc:
            last = exc
        time.sleep(0.1)
    raise StoreError(f"the endpoint {url} did not answer within {timeout:.0f} s ({last})")
