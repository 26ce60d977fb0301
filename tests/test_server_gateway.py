"""`kg serve`'s gateway is default-deny: hostile requests, sent raw over loopback, change nothing.

The server under test is writable with a token and runs *without* its network namespace (the
documented fallback), so Oxigraph could reach this machine's loopback: the gateway is the only thing
between a request and the store, and between a SERVICE or LOAD and the listener opened here.
Every case named in issue 18's red-team report is below; the property-based test at the end sends
generated requests (methods, paths, headers, parameters, bodies) without the token.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.parse

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg import paths
from kg.graph.loader import load
from kg.server import sandbox
from kg.server.gateway import free_port, serve

from .conftest import FIXTURE

TOKEN = "gateway-test-token"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"  # ~10^10 rows: never done in 1 s


class Listener:
    """A loopback TCP listener that counts the connections made to it (SERVICE or LOAD calls)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            client.close()


@pytest.fixture(scope="module")
def listener():
    found = Listener()
    yield found
    found.sock.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A writable server with a token, Oxigraph on a loopback port (no namespace): only the gateway guards it."""
    refuses = tmp_path_factory.mktemp("nons") / "no_namespaces.py"
    refuses.write_text(f"raise SystemExit({sandbox.UNAVAILABLE})\n", encoding="utf-8")
    real = sandbox.__file__
    sandbox.__file__ = str(refuses)
    try:
        kg = load([paths.ONTOLOGY_FILE, FIXTURE])
        running = serve(kg, port=free_port(), writable=True, token=TOKEN, query_timeout=1,
                        location=tmp_path_factory.mktemp("gateway") / "ox", allow_remote=False, idle_timeout=2)
    finally:
        sandbox.__file__ = real
    assert not running.isolated and running.inner_port
    with running:
        yield running


def raw(port: int, data: bytes, timeout: float = 15) -> tuple[int, bytes]:
    """Send *data* as it is to 127.0.0.1:*port*; return the status and body of the answer (0 if none)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        try:
            sock.sendall(data)
        except OSError:
            pass
        received = b""
        try:
            while True:
                while b"\r\n\r\n" not in received:
                    chunk = sock.recv(65536)
                    if not chunk:
                        break
                    received += chunk
                head, _, body = received.partition(b"\r\n\r\n")
                if not head.startswith(b"HTTP/1.1 1"):  # skip "100 Continue"
                    break
                received = body
            length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")[1:]
                           if line.lower().startswith(b"content-length:")), 0)
            while len(body) < length:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                body += chunk
        except OSError:
            head, body = received, b""
    try:
        return int(head.split(b" ", 2)[1]), body
    except (IndexError, ValueError):
        return 0, body


def request(method: str, target: str, body: bytes = b"", headers: list[tuple[str, str]] | None = None,
            *, length: bool = True) -> bytes:
    lines = [f"{method} {target} HTTP/1.1", "Host: 127.0.0.1"]
    lines += [f"{k}: {v}" for k, v in headers or []]
    if length and body:
        lines.append(f"Content-Length: {len(body)}")
    lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def count(server) -> int:
    """The number of quads in the store, asked of Oxigraph directly (not through the gateway)."""
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", server.inner_port, timeout=30)
    try:
        connection.request("POST", "/query", COUNT.encode(), {"Content-Type": "application/sparql-query",
                                                              "Accept": "application/sparql-results+json"})
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    assert response.status == 200, body
    return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])


@pytest.fixture(scope="module")
def baseline(server) -> int:
    n = count(server)
    assert n > 100
    return n


NT = b"<urn:x:a> <urn:x:b> <urn:x:c> .\n"
FORM_CLEAR = b"update=CLEAR+ALL"

#: Issue 18's red-team cases: requests without the token that must change nothing.
WRITES = {
    "store-fragment": request("PUT", "/store#x", NT, [("Content-Type", "application/n-triples")]),
    "store-fragment-default": request("PUT", "/store#?default", NT, [("Content-Type", "application/n-triples")]),
    "update-fragment": request("POST", "/update#x", b"CLEAR ALL", [("Content-Type", "application/sparql-update")]),
    "dot-segments": request("PUT", "/update/../store?default", NT, [("Content-Type", "application/n-triples")]),
    "query-dot-update": request("POST", "/query/../update", b"CLEAR ALL", [("Content-Type", "application/sparql-update")]),
    "double-slash": request("PUT", "//store?default", NT, [("Content-Type", "application/n-triples")]),
    "store-graph": request("PUT", "/store?graph=urn%3Ax%3Ag", NT, [("Content-Type", "application/n-triples")]),
    "store-delete": request("DELETE", "/store?default"),
    "store-post": request("POST", "/store?default", NT, [("Content-Type", "application/n-triples")]),
    "store-no-graph": request("PUT", "/store", NT, [("Content-Type", "application/n-triples")]),
    "update-on-query": request("POST", "/query", b"CLEAR ALL", [("Content-Type", "application/sparql-update")]),
    "update-param-on-query": request("POST", "/query?update=CLEAR%20ALL", FORM_CLEAR,
                                     [("Content-Type", "application/x-www-form-urlencoded")]),
    "form-update-on-query": request("POST", "/query", FORM_CLEAR, [("Content-Type", "application/x-www-form-urlencoded")]),
    "get-update": request("GET", "/update?update=CLEAR%20ALL"),
    "percent-path": request("PUT", "/%73tore?default", NT, [("Content-Type", "application/n-triples")]),
    "absolute-target": request("PUT", "http://127.0.0.1/store?default", NT, [("Content-Type", "application/n-triples")]),
    "two-authorizations": request("POST", "/update", b"CLEAR ALL", [
        ("Content-Type", "application/sparql-update"), ("Authorization", "Bearer wrong"),
        ("Authorization", f"Bearer {TOKEN}x")]),
    "chunked": request("POST", "/update", b"9\r\nCLEAR ALL\r\n0\r\n\r\n",
                       [("Content-Type", "application/sparql-update"), ("Transfer-Encoding", "chunked")], length=False),
    "method-override": request("POST", "/query", b"CLEAR ALL", [
        ("Content-Type", "application/sparql-update"), ("X-HTTP-Method-Override", "PUT")]),
}


@pytest.mark.parametrize("name", sorted(WRITES))
def test_a_write_without_the_token_changes_nothing(server, name):
    before = count(server)
    status, body = raw(server.port, WRITES[name])
    assert count(server) == before, f"{name} changed the store"
    assert 400 <= status < 500, (status, body[:300])


def _service(listener) -> str:
    return f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{listener.port}/sparql> {{ ?s ?p ?o }} }}"


def _remote_requests(listener) -> dict[str, bytes]:
    """Requests that carry SERVICE or LOAD in a way a proxy could read differently from Oxigraph."""
    service, load_ = _service(listener), f"LOAD <http://127.0.0.1:{listener.port}/data.ttl>"
    auth = ("Authorization", f"Bearer {TOKEN}")
    q = urllib.parse.quote(service)
    return {
        "two-content-types": request("POST", "/query", service.encode(), [
            ("Content-Type", "text/plain"), ("Content-Type", "application/sparql-query")]),
        "two-content-types-reversed": request("POST", "/query", service.encode(), [
            ("Content-Type", "application/sparql-query"), ("Content-Type", "text/plain")]),
        "two-query-params": request("GET", f"/query?query=ASK%7B%7D&query={q}"),
        "query-param-and-body": request("POST", f"/query?query={q}", b"ASK {}",
                                        [("Content-Type", "application/sparql-query")]),
        "form-and-url": request("POST", f"/query?query={q}", b"query=ASK%7B%7D",
                                [("Content-Type", "application/x-www-form-urlencoded")]),
        "odd-content-type": request("POST", "/query", service.encode(), [("Content-Type", "application/sparql-query;x=1")]),
        "upper-content-type": request("POST", "/query", service.encode(), [("Content-Type", "APPLICATION/SPARQL-QUERY")]),
        "unicode-escape": request("POST", "/query", service.replace("SERVICE", "\\u0053ERVICE").encode(),
                                  [("Content-Type", "application/sparql-query")]),
        "service-in-update": request("POST", "/update", f"INSERT {{ ?s ?p ?o }} WHERE {{ SERVICE <http://127.0.0.1:"
                                     f"{listener.port}/sparql> {{ ?s ?p ?o }} }}".encode(),
                                     [("Content-Type", "application/sparql-update"), auth]),
        "load-with-token": request("POST", "/update", load_.encode(), [("Content-Type", "application/sparql-update"), auth]),
        "load-form-with-token": request("POST", "/update", ("update=" + urllib.parse.quote_plus(load_)).encode(),
                                        [("Content-Type", "application/x-www-form-urlencoded"), auth]),
        "insert-data-then-load": request("POST", "/update", b"INSERT DATA { <urn:x:a> <urn:x:b> <urn:x:c> } ; "
                                         + load_.encode(), [("Content-Type", "application/sparql-update"), auth]),
        "two-content-lengths": request("POST", "/query", service.encode(), [
            ("Content-Type", "application/sparql-query"), ("Content-Length", "6"),
            ("Content-Length", str(len(service)))], length=False),
    }


REMOTE = ["two-content-types", "two-content-types-reversed", "two-query-params", "query-param-and-body", "form-and-url",
          "odd-content-type", "upper-content-type", "unicode-escape", "service-in-update", "load-with-token",
          "load-form-with-token", "insert-data-then-load", "two-content-lengths"]


@pytest.mark.parametrize("name", REMOTE)
def test_no_service_or_load_reaches_the_listener(server, listener, name):
    before, connections = count(server), listener.connections
    status, body = raw(server.port, _remote_requests(listener)[name])
    time.sleep(0.2)
    assert listener.connections == connections, f"{name} reached the listener"
    assert 400 <= status < 500, (status, body[:300])
    assert count(server) == before


def test_allowed_shapes_still_work(server):
    """The documented requests: GET and POST queries (body or form), CSV on request; writes with the token."""
    ask = urllib.parse.quote("ASK { ?s ?p ?o }")
    status, body = raw(server.port, request("GET", f"/query?query={ask}"))
    assert status == 200 and json.loads(body)["boolean"] is True
    sparqlwrapper = f"/query?query={ask}&format=json&output=json&results=json"  # what SPARQLWrapper sends
    status, body = raw(server.port, request("GET", sparqlwrapper, headers=[("Accept", "application/sparql-results+json")]))
    assert status == 200 and json.loads(body)["boolean"] is True
    status, body = raw(server.port, request("POST", "/query", b"SELECT ?s WHERE { ?s ?p ?o } LIMIT 2", [
        ("Content-Type", "application/sparql-query; charset=utf-8"), ("Accept", "text/csv")]))
    assert status == 200 and body.splitlines()[0] == b"s" and len(body.splitlines()) == 3
    construct = b"query=CONSTRUCT+%7B%3Fs+%3Fp+%3Fo%7D+WHERE+%7B%3Fs+%3Fp+%3Fo%7D+LIMIT+1"
    status, body = raw(server.port, request("POST", "/query", construct, [
        ("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "text/turtle")]))
    assert status == 200 and body.strip().endswith(b".")
    before = count(server)
    auth = ("Authorization", f"Bearer {TOKEN}")
    status, _ = raw(server.port, request("PUT", "/store?graph=urn%3Ax%3Ag", NT,
                                         [("Content-Type", "application/n-triples"), auth]))
    assert status in (201, 204)
    status, _ = raw(server.port, request("POST", "/update", b"DROP GRAPH <urn:x:g>",
                                         [("Content-Type", "application/sparql-update"), auth]))
    assert status == 204
    assert count(server) == before


def test_a_large_insert_data_with_the_token_is_accepted(server):
    """`kg push --via update` sends INSERT DATA batches of megabytes: over --max-body, within the token's limit,
    and rebuilt from its parsed quads in well under a second (rdflib's parser would take tens)."""
    lines = "".join(f'<urn:x:big{i}> <urn:x:p> "value {i}" .\n' for i in range(30_000))
    body = f"INSERT DATA {{ GRAPH <urn:x:big> {{\n{lines}}} }}".encode()
    assert len(body) > (1 << 20)
    before, start = count(server), time.monotonic()
    status, answer = raw(server.port, request("POST", "/update", body, [
        ("Content-Type", "application/sparql-update"), ("Authorization", f"Bearer {TOKEN}")]), timeout=60)
    seconds = time.monotonic() - start
    assert status == 204, answer[:300]
    assert count(server) == before + 30_000
    status, _ = raw(server.port, request("POST", "/update", b"DROP GRAPH <urn:x:big>", [
        ("Content-Type", "application/sparql-update"), ("Authorization", f"Bearer {TOKEN}")]))
    assert status == 204 and count(server) == before
    assert seconds < 20


def test_a_body_over_the_limit_is_refused_unread(server):
    """413 before the body is read: 5 MB sent without the token is neither buffered nor forwarded."""
    big = b"#" * (5 << 20)
    status, body = raw(server.port, request("POST", "/query", big, [("Content-Type", "application/sparql-query")]))
    assert status == 413 and b"--max-body" in body


def test_a_timed_out_query_is_an_error_not_a_truncated_answer(server):
    for accept in ("text/csv", "application/sparql-results+json"):
        start = time.monotonic()
        status, body = raw(server.port, request("POST", "/query", SLOW.encode(), [
            ("Content-Type", "application/sparql-query"), ("Accept", accept)]), timeout=30)
        assert time.monotonic() - start < 4
        assert status == 504, (status, body[:200])
        assert body.startswith(b"the query timed out after 1 s") and b"cancelled" not in body


def test_a_bad_query_is_400(server):
    status, body = raw(server.port, request("POST", "/query", b"SELECT WHERE {", [("Content-Type", "application/sparql-query")]))
    assert status == 400 and b"syntax error" in body


def test_kg_reports_the_timeout_of_a_remote_query(server, tmp_path, kg_cli):
    question = tmp_path / "slow.rq"
    question.write_text("#+ summary: a query that cannot finish in a second\n" + SLOW + "\n", encoding="utf-8")
    done = kg_cli("query", str(question), "--store", f"sparql:{server.query_url}")
    assert done.returncode == 2, done.stderr
    assert "query timed out after 1 s" in done.stderr and "JSON" not in done.stderr and "Traceback" not in done.stderr


# --------------------------------------------------------------------------------------------
# Generated requests

#: Writes as a client with the token would send them; the generator mutates them and sends them without it.
_WRITES = [("PUT", "/store", "?default", "application/n-triples", NT),
           ("POST", "/store", "?graph=urn%3Ax%3Ag", "text/turtle", NT),
           ("PUT", "/store", "", "application/n-quads", b"<urn:x:a> <urn:x:b> <urn:x:c> <urn:x:g> .\n"),
           ("DELETE", "/store", "?default", None, b""),
           ("POST", "/update", "", "application/sparql-update", b"CLEAR ALL"),
           ("POST", "/update", "", "application/x-www-form-urlencoded", FORM_CLEAR),
           ("GET", "/update", "?update=CLEAR%20ALL", None, b""),
           ("POST", "/query", "", "application/sparql-update", b"DROP ALL")]
_METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "post", "PUT ", "MOVE"]
_PREFIXES = ["/", "//", "/update/../", "/query/../", "/./", "/x/../", "", "\\", "http://127.0.0.1/", "/%2e%2e/", "/store/../"]
_SUFFIXES = ["#x", "/", "/.", "%23", "#?default", ";x", "?", "%2f", "/..", "%00"]
_PARAM_NAMES = ["default", "graph", "query", "update", "using-graph-uri", "default-graph-uri", "union-default-graph", "Query"]
_PARAM_VALUES = ["", "urn%3Ax%3Ag", "CLEAR%20ALL", "DROP+ALL", "ASK%7B%7D", "urn:x:g", "%", "%zz", "%C3%28"]
_BODIES = [b"", b"CLEAR ALL", b"DROP ALL", b"DELETE WHERE { ?s ?p ?o }", FORM_CLEAR, b"update=DROP+ALL&update=CLEAR+ALL",
           NT, b"query=ASK%7B%7D&update=CLEAR+ALL", b"9\r\nCLEAR ALL\r\n0\r\n\r\n", "CLEAR ALL ü".encode(),
           b"\xff\xfe"]
_CONTENT_TYPES = ["application/sparql-update", "application/sparql-query", "application/x-www-form-urlencoded",
                  "application/n-triples", "text/turtle", "application/n-quads", "text/plain", "multipart/form-data",
                  "application/sparql-update; charset=utf-8", "APPLICATION/SPARQL-UPDATE", "application/sparql-update;x=1",
                  " application/sparql-update", "application/sparql-update, text/plain"]
_OTHER_HEADERS = [("Authorization", "Bearer wrong"), ("Authorization", "Bearer "), ("Authorization", "Basic Zm9vOmJhcg=="),
                  ("Authorization", f"bearer {TOKEN[:-1]}"), ("Transfer-Encoding", "chunked"),
                  ("Transfer-Encoding", "identity"), ("X-HTTP-Method-Override", "PUT"), ("Expect", "100-continue"),
                  ("Content-Encoding", "gzip"), ("Accept", "text/csv"), ("Accept", "*/*"), ("Host", "evil"),
                  ("Content-Length", "0"), ("Content-Length", "5"), ("Content-Length", "+9"), ("Content-Length", "99999999"),
                  ("X-Forwarded-Prefix", "/store"), ("Connection", "keep-alive")]


def _maybe(draw, values: list, keep):
    """Keep *keep* half of the time, else one of *values*: mutations stay close to a real write."""
    return keep if draw(st.booleans()) else draw(st.sampled_from(values))


def _remote_bases(port: int) -> list[tuple[str, str, str, str | None, bytes]]:
    """Requests that would make Oxigraph call the listener: SERVICE in queries and updates, LOAD."""
    service = f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}"
    update = f"INSERT {{ ?s ?p ?o }} WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}"
    load_ = f"LOAD <http://127.0.0.1:{port}/data.ttl> INTO GRAPH <urn:x:g>"
    return [("POST", "/query", "", "application/sparql-query", service.encode()),
            ("GET", "/query", "?query=" + urllib.parse.quote(service), None, b""),
            ("POST", "/query", "", "application/x-www-form-urlencoded", ("query=" + urllib.parse.quote_plus(service)).encode()),
            ("POST", "/update", "", "application/sparql-update", update.encode()),
            ("POST", "/update", "", "application/sparql-update", load_.encode()),
            ("POST", "/update", "", "application/x-www-form-urlencoded", ("update=" + urllib.parse.quote_plus(load_)).encode())]


@st.composite
def hostile(draw, port: int) -> bytes:
    """A mutated write without the token, or a mutated SERVICE or LOAD request (some with the token).

    Mutations: method, path (prefix, suffix, fragment, encodings), extra or repeated parameters,
    repeated and odd headers, another body. A request that carries the token keeps its SERVICE or
    LOAD body and gets no extra parameters: it may only be refused, never become a plain write.
    """
    remote = draw(st.booleans())
    method, path, query, content_type, body = draw(st.sampled_from(_remote_bases(port) if remote else _WRITES))
    authorized = remote and path == "/update" and draw(st.booleans())
    method = _maybe(draw, _METHODS, method)
    prefix = _maybe(draw, _PREFIXES, "/")
    suffix = _maybe(draw, _SUFFIXES, "")
    target = prefix + path.lstrip("/") + (suffix if draw(st.booleans()) else "") + query
    if not target.endswith(suffix):
        target += suffix
    params = [] if authorized else draw(st.lists(st.tuples(st.sampled_from(_PARAM_NAMES),
                                                           st.sampled_from(_PARAM_VALUES)), max_size=2))
    if params:
        target += ("&" if "?" in target else "?") + "&".join(f"{k}={v}" if v or k != "default" else k for k, v in params)
    if not authorized:
        body = _maybe(draw, _BODIES, body)
    types = [content_type] if content_type else []
    types = draw(st.sampled_from([types, types * 2, [draw(st.sampled_from(_CONTENT_TYPES))], types + ["text/plain"]]))
    headers = [("Content-Type", t) for t in types] + draw(st.lists(st.sampled_from(_OTHER_HEADERS), max_size=2))
    if authorized:
        headers.append(("Authorization", f"Bearer {TOKEN}"))
    headers = draw(st.permutations(headers))
    length = bool(body) and not any(k == "Content-Length" for k, _ in headers) and draw(st.integers(0, 4)) > 0
    return request(method, target, body, list(headers), length=length)


def test_a_body_shorter_than_its_content_length_is_answered_408_not_left_hanging(server, baseline):
    """Hypothesis found it: an authorised update announcing 99,999,999 bytes and sending 80 held the connection
    until the client gave up, with no status. The gateway now answers 408 once the client is silent for its
    idle time (2 s here, 60 s by default), and the store is unchanged."""
    body = b"INSERT DATA { <http://example.org/s> <http://example.org/p> <http://example.org/o> }"
    sent = request("POST", "/update", body, [("Content-Type", "application/sparql-update"),
                                            ("Content-Length", "99999999"), ("Authorization", f"Bearer {TOKEN}")],
                   length=False)
    started = time.monotonic()
    status, answer = raw(server.port, sent, timeout=10)
    assert status == 408 and b"99999999 bytes" in answer
    assert time.monotonic() - started < 8
    assert count(server) == baseline


@settings(max_examples=150, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_generated_requests_change_nothing_and_call_no_host(server, baseline, listener, data):
    """Generated requests: no write without the token changes the store; no SERVICE or LOAD reaches the listener."""
    sent = data.draw(hostile(listener.port), label="request")
    status, _ = raw(server.port, sent, timeout=10)
    assert 200 <= status < 600, sent[:300]
    assert count(server) == baseline, sent[:300]
    assert listener.connections == 0, sent[:300]


@pytest.mark.parametrize(("option", "value"), [("query_timeout", float("nan")), ("idle_timeout", 0), ("max_body", -1)])
def test_serve_refuses_a_limit_that_is_not_a_positive_number_by_its_option_name(option: str, value: float, tmp_path):
    from kg.errors import StoreError

    with pytest.raises(StoreError, match=f"kg serve --{option.replace('_', '-').replace('query-', '')} must be"):
        serve(load([paths.ONTOLOGY_FILE, FIXTURE]), location=tmp_path / "ox", **{option: value})
    assert not (tmp_path / "ox").exists()
