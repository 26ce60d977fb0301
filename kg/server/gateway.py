"""Serve the built graph as a SPARQL 1.1 endpoint: a real Oxigraph server behind a default-deny gateway.

``kg serve`` writes the build (the whole graph in the default graph, each layer in its named graph,
see :data:`kg.graph.stores.LAYER_GRAPHS`) into an Oxigraph folder with ``oxigraph load``, then runs the
``oxigraph`` server shipped by the ``oxigraph`` package on PyPI on a private address, and answers the
public port itself.

Why a gateway that *rebuilds* requests (docs/decisions/20261206-server.md): a proxy that forwards
what it was sent and decides "is this a write?" or "does this carry SERVICE?" in its own way can be
fooled by any request that Oxigraph reads differently (``/store#x``, repeated headers or parameters,
a form body beside a query string). Here only the request shapes in :data:`ROUTES` are accepted;
each is read strictly once (one method, one exact path, each header and parameter at most once, one
content type, a bounded body), its SPARQL parsed once with rdflib's parser, and a *new* request is
sent to Oxigraph: ``POST /query`` or ``POST /update`` with that text as the whole body, or a Graph
Store write whose body was parsed and written again as N-Triples. Anything else gets a 4xx and never
reaches Oxigraph. Answers are rebuilt as well: Oxigraph's are read in full (up to the size limit),
parsed, and written in the format the client asked for, so a query that fails half-way (Oxigraph
appends its error to a 200 answer it has begun to stream) becomes an HTTP error, never a truncated
body.

Oxigraph's server has no access control, so it must not be reachable but through the gateway: it
runs in a network namespace of its own (see :mod:`kg.server.sandbox`), reached through a Unix socket in a
folder only the owner can open; from there it cannot reach any other host either. Where the machine
forbids unprivileged namespaces (some containers), it falls back to a private loopback port,
``Server.isolated`` is ``False`` and ``kg serve`` says so.

Why one module of over 400 lines: it is a security boundary (default-deny); the table of allowed requests and
the strict reader that enforces it are reviewed together, so they are kept together.
"""

from __future__ import annotations

import functools
import hmac
import http.client
import http.server
import math
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kg import paths
from kg.errors import StoreError
from kg.graph.stores import LAYER_GRAPHS
from kg.graph.terms import to_ox
from kg.sparql.engine import SPARQL_OPAQUE
from kg.sparql.remote import wait_for

__all__ = ["FORM", "MAX_BODY", "MAX_UPLOAD", "ROUTES", "SPARQL_QUERY", "SPARQL_UPDATE", "WRITE_TIMEOUT", "Gateway",
           "Refused", "Reply", "Request", "Route", "Server",
           "check_sparql", "free_port", "insert_data", "oxigraph_binary", "remote_keywords", "serve", "write_dataset"]

#: Largest request body accepted before authentication and for queries (bytes): ``kg serve --max-body``.
MAX_BODY = 1 << 20
#: Seconds a client may stay silent in the middle of a request (``serve(idle_timeout=)``).
IDLE_TIMEOUT = 60.0
#: Largest body of a write that carries the token (``kg push`` sends the whole build): ``--max-upload-mb``.
MAX_UPLOAD = 256 << 20
#: Seconds a write (update or Graph Store upload, which Oxigraph's query time limit does not bound) may take.
WRITE_TIMEOUT = 600.0


def oxigraph_binary() -> str:
    """Return the path of the ``oxigraph`` server program (from the ``oxigraph`` package on PyPI)."""
    beside = Path(sys.executable).parent / "oxigraph"
    found = str(beside) if beside.is_file() else shutil.which("oxigraph")
    if not found:
        raise StoreError("the Oxigraph server is not installed; `make run` installs it, or "
                         "`pip install '.[server]'` in a checkout (the `oxigraph` package from PyPI)")
    return found


def free_port(host: str = "127.0.0.1") -> int:
    """Return a TCP port on *host* that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def write_dataset(kg: Any, location: Path) -> int:
    """Write *kg* into a fresh Oxigraph folder *location* with ``oxigraph load``; return the quad count."""
    import pyoxigraph as ox

    from kg.graph.stores import graph_to_memory

    location = Path(location)
    if location.exists():
        shutil.rmtree(location)
    location.parent.mkdir(parents=True, exist_ok=True)

    names = [ox.DefaultGraph(), *(ox.NamedNode(iri) for layer, iri in LAYER_GRAPHS.items() if layer in kg.layers)]
    if getattr(kg.dataset, "engine", None) == "oxigraph":
        # the build's own store: its default graph and layer graphs as they are, no rdflib round trip
        all_quads = [q for name in names for q in kg.dataset.inner.quads_for_pattern(None, None, None, name)]
    else:  # rdflib's reference store, or a remote endpoint
        graphs = [kg.graph, *(kg.layers[layer] for layer in LAYER_GRAPHS if layer in kg.layers)]
        all_quads = [ox.Quad(to_ox(s), to_ox(p), to_ox(o), name)
                     for graph, name in zip(graphs, names, strict=True) for s, p, o in graph_to_memory(graph)]
    with tempfile.TemporaryDirectory(prefix="kg-serve-") as tmp:
        dump = Path(tmp) / "build.nq"
        ox.serialize(all_quads, str(dump), format=ox.RdfFormat.N_QUADS)
        done = subprocess.run([oxigraph_binary(), "load", "--location", str(location), "--file", str(dump)],
                              capture_output=True, text=True)
        if done.returncode != 0:
            raise StoreError(f"oxigraph load failed: {done.stderr.strip()[:500]}")
    return len(all_quads)


@dataclass
class Server:
    """A running Oxigraph server and its gateway (:attr:`proxy`); ``stop()`` ends both."""

    host: str
    port: int
    process: subprocess.Popen[bytes]
    location: Path
    writable: bool = False
    proxy: http.server.ThreadingHTTPServer | None = field(default=None, repr=False)
    #: the loopback port of Oxigraph's server when it could not be isolated (0 when it is)
    inner_port: int = 0
    #: the Unix socket that reaches the isolated Oxigraph server (``None`` when not isolated)
    inner_socket: Path | None = None

    @property
    def isolated(self) -> bool:
        """True when only the gateway can reach Oxigraph (private network namespace, owner-only socket)."""
        return self.inner_socket is not None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def query_url(self) -> str:
        return self.url + "/query"

    @property
    def update_url(self) -> str:
        return self.url + "/update"

    @property
    def store_url(self) -> str:
        return self.url + "/store"

    def stop(self) -> None:
        """Stop the gateway and the Oxigraph process (terminate, then kill after 10 s)."""
        if self.proxy is not None:
            self.proxy.shutdown()
            self.proxy.server_close()
            self.proxy = None
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.inner_socket is not None:
            shutil.rmtree(self.inner_socket.parent, ignore_errors=True)

    def wait(self) -> int:
        """Block until the Oxigraph process ends; return its exit code."""
        return self.process.wait()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def serve(
    kg: Any,
    *,
    host: str = "127.0.0.1",
    port: int | None = None,
    writable: bool = False,
    token: str | None = None,
    location: Path | None = None,
    timeout: float = 60.0,
    query_timeout: float = 30.0,
    max_result_bytes: float = 100_000_000,
    max_body: float = MAX_BODY,
    max_upload: float = MAX_UPLOAD,
    allow_remote: bool = False,
    routes: Mapping[tuple[str, str], Route] | None = None,
    idle_timeout: float = IDLE_TIMEOUT,
) -> Server:
    """Return a running :class:`Server` loaded with *kg* (a :class:`kg.graph.loader.KnowledgeGraph`).

    *port* ``None`` or 0 picks a free one. The data goes to *location* (default
    ``build/oxigraph-serve/``), replaced on every start. Writable servers need a *token*.
    *query_timeout* (seconds) and *max_result_bytes* bound each query, *max_body* each request body
    (*max_upload* a write that carries the token); ``SERVICE`` and ``LOAD`` are refused unless
    *allow_remote*. *routes* adds request shapes to :data:`ROUTES` (see :class:`Route`). *timeout*
    is how long to wait for the server to come up; *idle_timeout* how long a client may stay silent in the
    middle of a request (then it gets 408 and the connection is closed).
    """
    if writable and not token:
        raise StoreError("a writable server needs a token: kg serve --writable --token SECRET")
    if token is not None and not re.fullmatch(r"[\x21-\x7e]{1,512}", token):
        raise StoreError("the token must be 1-512 visible ASCII characters (no spaces)")
    limits = {"--timeout": query_timeout, "--max-result-mb": max_result_bytes, "--max-body": max_body,
              "--max-upload-mb": max_upload, "--idle-timeout": idle_timeout}
    for option, value in limits.items():
        if not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
            raise StoreError(f"kg serve {option} must be a positive number, not {value!r}")
    location = Path(location) if location else paths.build_dir() / "oxigraph-serve"
    write_dataset(kg, location)
    port = port or free_port(host)
    mode = "serve" if writable else "serve-read-only"
    seconds = max(1, math.ceil(query_timeout))  # Oxigraph's --timeout-s takes whole seconds
    oxigraph = [oxigraph_binary(), mode, "--location", str(location), "--timeout-s", str(seconds)]
    process, inner, inner_socket = _start_isolated(oxigraph, timeout)
    gateway = Gateway(inner_socket or inner, writable=writable, token=token if writable else None,
                      allow_remote=allow_remote, max_body=int(max_body), max_upload=int(max_upload),
                      max_result=int(max_result_bytes), query_timeout=seconds, routes={**ROUTES, **(routes or {})},
                      idle_timeout=idle_timeout)
    try:
        proxy = _listen(host, port, gateway)
    except BaseException:
        process.terminate()
        process.wait()
        raise
    threading.Thread(target=proxy.serve_forever, name="kg-serve-gateway", daemon=True).start()
    server = Server(host, port, process, location, writable=writable, proxy=proxy, inner_port=inner,
                    inner_socket=inner_socket)
    try:
        wait_for(server.query_url, timeout=timeout)
    except BaseException:
        server.stop()
        raise
    return server


def _start_isolated(oxigraph: list[str], timeout: float) -> tuple[subprocess.Popen[bytes], int, Path | None]:
    """Start Oxigraph's server in a private network namespace; return (process, 0, socket).

    Falls back to a loopback port, returning (process, port, None), where namespaces are not allowed.
    """
    import time

    from kg.server import sandbox as sandbox

    folder = Path(tempfile.mkdtemp(prefix="kg-serve-"))  # mode 0700: only the owner can reach the socket
    socket_path = folder / "oxigraph.sock"
    host, inner = sandbox.INNER_ADDRESS
    command = [sys.executable, str(Path(sandbox.__file__)), str(socket_path), "--",
               *oxigraph, "--bind", f"{host}:{inner}"]
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + timeout
    while not socket_path.exists():
        code = process.poll()
        if code == sandbox.UNAVAILABLE:
            shutil.rmtree(folder, ignore_errors=True)
            inner = free_port("127.0.0.1")
            print(f"kg serve: this machine allows no private network namespace; Oxigraph listens on "
                  f"127.0.0.1:{inner}, which other local users could reach", file=sys.stderr)
            return subprocess.Popen([*oxigraph, "--bind", f"127.0.0.1:{inner}"], stdin=subprocess.DEVNULL), inner, None
        if code is not None or time.monotonic() > deadline:
            process.kill()
            shutil.rmtree(folder, ignore_errors=True)
            raise StoreError(f"the Oxigraph server did not start (exit {code})")
        time.sleep(0.02)
    return process, 0, socket_path


class _UnixConnection(http.client.HTTPConnection):
    """An HTTP connection over a Unix socket (to the isolated Oxigraph server)."""

    def __init__(self, path: Path, timeout: float) -> None:
        super().__init__("localhost", timeout=timeout)
        self._path = str(path)

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self._path)




# --------------------------------------------------------------------------------------------
# The gateway: what a request may look like, how it is read, and what is sent on


@dataclass(frozen=True)
class Reply:
    """An answer to send: status, body and its content type (plain text for every error)."""

    status: int
    body: bytes = b""
    content_type: str | None = "text/plain; charset=utf-8"
    headers: tuple[tuple[str, str], ...] = ()


class Refused(Exception):
    """Raised anywhere while a request is read or handled: the client gets :attr:`reply`, Oxigraph nothing."""

    def __init__(self, status: int, text: str, *headers: tuple[str, str]) -> None:
        super().__init__(text)
        self.reply = Reply(status, (text.rstrip("\n") + "\n").encode("utf-8"), headers=headers)


@dataclass(frozen=True)
class Request:
    """A request as read once, strictly: what a :class:`Route`'s handler gets.

    *params* are the URL's query parameters (each name at most once, percent-decoded), *body* the
    whole body (at most the size limit), *content_type* its media type in lower case without
    parameters (``None`` without a body), *accept* the client's one Accept header (``""`` if none).
    """

    method: str
    path: str
    params: Mapping[str, str]
    content_type: str | None
    body: bytes
    accept: str
    authorized: bool


@dataclass(frozen=True)
class Route:
    """One allowed request shape: ``ROUTES[(method, path)] = Route(handler, ...)``.

    *params* are the URL query parameters it may carry, *content_types* the media types of its body
    (empty: it takes no body), *write* says it needs a writable server and the token (checked before
    the body is read). The *handler* returns the :class:`Reply`; it may ask Oxigraph through
    :meth:`Gateway.query`, :meth:`Gateway.update` or :meth:`Gateway.engine`, and raises
    :class:`Refused` for a bad request.
    """

    handler: Callable[[Request, Gateway], Reply]
    params: frozenset[str] = frozenset()
    content_types: frozenset[str] = frozenset()
    write: bool = False


SPARQL_QUERY, SPARQL_UPDATE, FORM = "application/sparql-query", "application/sparql-update", "application/x-www-form-urlencoded"
_DATASET = frozenset({"default-graph-uri", "named-graph-uri"})
#: Accepted on queries and not sent on: SPARQLWrapper adds format=, output= and results= to every query
#: (the answer's format follows the Accept header).
_QUERY_OPTIONS = _DATASET | {"format", "output", "results"}
_RDF_IN = {"application/n-triples": "N_TRIPLES", "text/turtle": "TURTLE", "application/rdf+xml": "RDF_XML"}
#: Headers read by the gateway: each may appear once at most (a second one is how requests get read two ways).
_SINGLE = frozenset({"host", "content-type", "content-length", "authorization", "accept", "transfer-encoding",
                     "content-encoding", "expect", "connection"})
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


def _query_get(request: Request, gateway: Gateway) -> Reply:
    """``GET /query?query=Q``: SPARQL 1.1 Protocol query via GET."""
    if "query" not in request.params:
        raise Refused(400, "GET /query needs one query=… parameter")
    return gateway.query(request.params["query"], accept=request.accept, dataset=_dataset(request.params))


def _query_post(request: Request, gateway: Gateway) -> Reply:
    """``POST /query`` with the query as the body (``application/sparql-query``) or as one form field."""
    if request.content_type == SPARQL_QUERY:
        return gateway.query(_utf8(request.body), accept=request.accept, dataset=_dataset(request.params))
    if request.params:
        raise Refused(400, "a form POST carries its fields in the body only, not in the URL too")
    form = parse_params(_ascii(request.body), allowed=_QUERY_OPTIONS | {"query"}, what="form field")
    if "query" not in form:
        raise Refused(400, "the form has no query field")
    return gateway.query(form["query"], accept=request.accept, dataset=_dataset(form))


def _update_post(request: Request, gateway: Gateway) -> Reply:
    """``POST /update`` with the update as the body (``application/sparql-update``) or as one form field."""
    if request.content_type == SPARQL_UPDATE:
        return gateway.update(_utf8(request.body))
    form = parse_params(_ascii(request.body), allowed=frozenset({"update"}), what="form field")
    if "update" not in form:
        raise Refused(400, "the form has no update field")
    return gateway.update(form["update"])


def _store_write(request: Request, gateway: Gateway) -> Reply:
    """``PUT``/``POST /store?default`` or ``?graph=IRI`` (Graph Store Protocol): replace or add to one graph.

    The body is parsed and written again as N-Triples, so Oxigraph gets only triples the gateway read.
    """
    import pyoxigraph as ox

    if set(request.params) == {"default"} and request.params["default"] == "":
        target = "/store?default"
    elif set(request.params) == {"graph"}:
        target = "/store?graph=" + urllib.parse.quote(_iri(request.params["graph"]), safe="")
    else:
        raise Refused(400, "a Graph Store write names one graph: ?default or ?graph=IRI")
    try:
        triples = ox.serialize(ox.parse(request.body, format=getattr(ox.RdfFormat, _RDF_IN[request.content_type or ""])),
                               format=ox.RdfFormat.N_TRIPLES) or b""
    except (SyntaxError, ValueError) as exc:
        raise Refused(400, f"the body is not valid {request.content_type}: {exc}") from None
    status, _kind, data = gateway.engine(request.method, target, triples, "application/n-triples",
                                         timeout=WRITE_TIMEOUT)
    if status >= 300:
        raise gateway.engine_error(status, data)
    return Reply(status if status in (200, 201, 204) else 204, content_type=None)


def _editor(request: Request, gateway: Gateway) -> Reply:
    """``GET /`` (and its script, style sheet and logo): Oxigraph's own query editor (YASGUI), shipped in its
    binary, so it works offline; its queries come back through this gateway's ``/query``."""
    status, kind, data = gateway.engine("GET", request.path, b"", "text/plain", "*/*")
    if status != 200:
        raise Refused(502, f"the Oxigraph server did not give its query editor (HTTP {status})")
    return Reply(200, data, kind or "application/octet-stream")


#: The only requests that reach Oxigraph: (method, exact path) -> shape. Add one to serve more.
ROUTES: dict[tuple[str, str], Route] = {
    **{("GET", path): Route(_editor) for path in ("/", "/yasgui.min.js", "/yasgui.min.css", "/logo.svg")},
    # the editor sends its queries to /sparql: the same read-only query endpoint as /query
    ("GET", "/sparql"): Route(_query_get, params=_QUERY_OPTIONS | {"query"}),
    ("POST", "/sparql"): Route(_query_post, params=_QUERY_OPTIONS, content_types=frozenset({SPARQL_QUERY, FORM})),
    ("GET", "/query"): Route(_query_get, params=_QUERY_OPTIONS | {"query"}),
    ("POST", "/query"): Route(_query_post, params=_QUERY_OPTIONS, content_types=frozenset({SPARQL_QUERY, FORM})),
    ("POST", "/update"): Route(_update_post, content_types=frozenset({SPARQL_UPDATE, FORM}), write=True),
    ("PUT", "/store"): Route(_store_write, params=frozenset({"default", "graph"}),
                             content_types=frozenset(_RDF_IN), write=True),
    ("POST", "/store"): Route(_store_write, params=frozenset({"default", "graph"}),
                              content_types=frozenset(_RDF_IN), write=True),
}


def parse_params(text: str, *, allowed: frozenset[str], what: str = "parameter") -> dict[str, str]:
    """Return the ``name=value&…`` pairs of a query string or form body; refuse anything ambiguous.

    Each name at most once and one of *allowed*; ``%`` only as a valid escape; values decoded as
    strict UTF-8 (``+`` is a space). ``;`` is no separator.

    >>> parse_params("query=ASK%20%7B%7D&default-graph-uri=urn%3Ax", allowed=frozenset({"query", "default-graph-uri"}))
    {'query': 'ASK {}', 'default-graph-uri': 'urn:x'}
    """
    found: dict[str, str] = {}
    if not text:
        return found
    for pair in text.split("&"):
        raw_name, _, raw_value = pair.partition("=")
        if _BAD_ESCAPE.search(pair):
            raise Refused(400, f"a {what} holds a % that is not a valid escape")
        try:
            name = urllib.parse.unquote_plus(raw_name, errors="strict")
            value = urllib.parse.unquote_plus(raw_value, errors="strict")
        except UnicodeDecodeError:
            raise Refused(400, f"a {what} is not UTF-8 once decoded") from None
        if name not in allowed:
            known = ", ".join(sorted(allowed)) or "none"
            raise Refused(400, f"unknown {what} {name[:40]!r} (accepted here: {known})")
        if name in found:
            raise Refused(400, f"the {what} {name!r} is given twice; give it once")
        found[name] = value
    return found


def _utf8(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(400, "the body is not UTF-8") from None


def _ascii(body: bytes) -> str:
    try:
        return body.decode("ascii")
    except UnicodeDecodeError:
        raise Refused(400, "a form body must be ASCII, with other characters %-escaped") from None


def _iri(value: str) -> str:
    import pyoxigraph as ox

    try:
        return ox.NamedNode(value).value
    except ValueError as exc:
        raise Refused(400, f"{value[:80]!r} is not an absolute IRI ({exc})") from None


def _dataset(params: Mapping[str, str]) -> dict[str, str]:
    return {name: _iri(params[name]) for name in sorted(_DATASET & set(params))}


# --------------------------------------------------------------------------------------------
# SPARQL: parsed once, SERVICE and LOAD found by two readers


@dataclass(frozen=True)
class Checked:
    """What the gateway learnt from a SPARQL text: its form and the keywords that reach other hosts."""

    form: str  # SelectQuery, ConstructQuery, AskQuery, DescribeQuery or Update
    remote: tuple[str, ...]


_STRIP = re.compile(SPARQL_OPAQUE)


def remote_keywords(text: str, *, update: bool) -> list[str]:
    """Return the keywords in SPARQL *text* that make Oxigraph's server reach other hosts.

    ``SERVICE`` in a query or update, ``LOAD`` in an update; strings, IRIs and comments are skipped,
    so a label that says "service" is no match.

    >>> remote_keywords('SELECT * WHERE { SERVICE <http://x/> { ?s ?p "SERVICE" } }', update=False)
    ['SERVICE']
    >>> remote_keywords('SELECT ?service WHERE { ?service ?p "load" }', update=True)
    []
    """
    bare = _STRIP.sub(" ", text)
    words = ["SERVICE", "LOAD"] if update else ["SERVICE"]
    return [w for w in words if re.search(rf"(?<![\w?$:]){w}\b", bare, re.I)]


def check_sparql(text: str, *, update: bool) -> Checked:
    """Return the :class:`Checked` form of a query (or, with *update*, an update); see :func:`_check`.

    Texts up to 64 KiB are cached (the named questions come again and again; rdflib's parser takes
    4-8 µs a byte and one parse at a time); longer ones are not, so the cache stays small.
    """
    return _check_cached(text, update) if len(text) <= 65536 else _check(text, update)


@functools.lru_cache(maxsize=512)
def _check_cached(text: str, update: bool) -> Checked:
    return _check(text, update)


def _check(text: str, update: bool) -> Checked:
    """Return the :class:`Checked` form of a query (or, with *update*, an update); refuse what does not parse.

    rdflib's parser reads it (the one ``kg query`` uses) and its parse tree is searched for
    ``SERVICE`` and ``LOAD``; :func:`remote_keywords` reads the text a second way, and either finding
    counts. ``\\u`` escapes are refused: SPARQL expands them before parsing, so ``\\u0053ERVICE`` is
    ``SERVICE`` to one reader and not to another.
    """
    from kg.sparql.safety import parse, remote_features

    if not text.strip():
        raise Refused(400, f"the {'update' if update else 'query'} is empty")
    if re.search(r"\\[uU]", text):
        raise Refused(400, "\\u and \\U escapes are not accepted here; write the character itself")
    try:
        parsed = parse(text, update=update)
    except Exception as exc:
        line, col = getattr(exc, "lineno", None), getattr(exc, "col", None)
        where = f" at line {line}, column {col}" if line else ""
        what = "SPARQL Update" if update else "SPARQL query"
        raise Refused(400, f"{what} syntax error{where}: {getattr(exc, 'msg', None) or exc}") from None
    found: set[str] = set(remote_keywords(text, update=update))
    found |= {feature.split()[0] for feature in remote_features(parsed)}  # the walker kg query uses too
    return Checked("Update" if update else parsed.name, tuple(sorted(found, reverse=True)))


_INSERT_DATA = re.compile(r"\s*INSERT\s+DATA\s*\{(?P<data>.*)\}\s*", re.S | re.I)


def insert_data(text: str) -> str | None:
    r"""Return a plain ``INSERT DATA { … }`` update written anew from the quads it holds, else ``None``.

    The braces' content is parsed as TriG (SPARQL's data blocks are TriG's syntax with full IRIs or
    no prefixes); the update returned is built from the parsed terms alone, so nothing else in the
    text can reach Oxigraph. ``None`` for anything else, which :func:`check_sparql` then reads.

    >>> insert_data('INSERT DATA { <urn:a> <urn:b> "c" . GRAPH <urn:g> { <urn:a> <urn:b> 1 } }')
    'INSERT DATA {\n<urn:a> <urn:b> "c" .\nGRAPH <urn:g> { <urn:a> <urn:b> "1"^^<http://www.w3.org/2001/XMLSchema#integer> }\n}'
    >>> insert_data("INSERT DATA { <urn:a> <urn:b> <urn:c> } ; LOAD <http://x/>") is None
    True
    """
    import pyoxigraph as ox

    found = _INSERT_DATA.fullmatch(text)
    if found is None:
        return None
    for data in (found["data"], found["data"] + "\n."):  # SPARQL may leave out the last triple's "."
        try:
            quads = list(ox.parse(data.encode("utf-8"), format=ox.RdfFormat.TRIG))
            break
        except (SyntaxError, ValueError):
            continue
    else:
        return None
    lines = ["INSERT DATA {"]
    for quad in quads:
        triple = f"{quad.subject} {quad.predicate} {quad.object}"
        lines.append(f"{triple} ." if isinstance(quad.graph_name, ox.DefaultGraph)
                     else f"GRAPH {quad.graph_name} {{ {triple} }}")
    return "\n".join(lines + ["}"])


# --------------------------------------------------------------------------------------------
# Answers: read in full, parsed, written again in the format asked for

_SOLUTIONS = {"application/sparql-results+json": "JSON", "application/json": "JSON",
              "application/sparql-results+xml": "XML", "application/xml": "XML", "text/xml": "XML",
              "text/csv": "CSV", "text/tab-separated-values": "TSV"}
_GRAPHS = {"application/n-triples": "N_TRIPLES", "text/plain": "N_TRIPLES", "text/turtle": "TURTLE",
           "application/rdf+xml": "RDF_XML", "application/ld+json": "JSON_LD", "application/n-quads": "N_QUADS"}


def negotiate(accept: str, table: Mapping[str, str], default: str) -> str:
    """Return the format name in *table* that *accept* prefers (highest q, then first), else *default*.

    >>> negotiate("text/csv;q=0.5, application/sparql-results+xml", _SOLUTIONS, "JSON")
    'XML'
    >>> negotiate("image/png", _SOLUTIONS, "JSON")
    'JSON'
    """
    best, best_q = default, 0.0
    for item in accept.split(","):
        kind, *options = (part.strip() for part in item.split(";"))
        q = 1.0
        for option in options:
            name, _, value = option.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        name = table.get(kind.lower())
        if name is not None and math.isfinite(q) and q > best_q:
            best, best_q = name, q
    return best


@dataclass
class Gateway:
    """The rules and limits of one server, and the way to its Oxigraph (a Unix socket or a loopback port)."""

    inner: int | Path
    writable: bool = False
    token: str | None = None
    allow_remote: bool = False
    max_body: int = MAX_BODY
    max_upload: int = MAX_UPLOAD
    max_result: int = 100_000_000
    query_timeout: float = 30
    routes: Mapping[tuple[str, str], Route] = field(default_factory=lambda: dict(ROUTES))
    #: Seconds a client may stay silent in the middle of a request before it is answered 408 and closed.
    idle_timeout: float = IDLE_TIMEOUT

    # -- reading a request ------------------------------------------------------------------

    def read(self, handler: http.server.BaseHTTPRequestHandler) -> tuple[Route, Request]:
        """Return the route and the strictly-read request; raise :class:`Refused` for anything else."""
        if handler.request_version not in {"HTTP/1.0", "HTTP/1.1"}:
            raise Refused(400, "HTTP/1.0 or HTTP/1.1 only")
        parts = handler.requestline.split(" ")
        if len(parts) != 3 or not re.fullmatch(r"[A-Z]{1,16}", parts[0]):
            raise Refused(400, "a request line is METHOD TARGET VERSION, one space apart")
        method, target = parts[0], parts[1]
        if "#" in target:
            raise Refused(400, "a request target carries no fragment (#)")
        if not target.startswith("/"):
            raise Refused(400, "the request target must be a path (/query, /update, /store)")
        path, _, query_string = target.partition("?")
        headers = self._headers(handler)
        known = {p for _, p in self.routes}
        if path not in known:
            raise Refused(404, f"no such endpoint {path[:80]!r}; this server answers {', '.join(sorted(known))}")
        route = self.routes.get((method, path))
        if route is None:
            allowed = ", ".join(sorted(m for m, p in self.routes if p == path))
            raise Refused(405, f"{method} is not accepted on {path} (only {allowed})", ("Allow", allowed))
        authorized = False
        if route.write:
            if not self.writable:
                raise Refused(403, "this server is read-only (kg serve --writable --token T accepts writes)")
            given = headers.get("authorization", "").encode("latin-1")
            if not hmac.compare_digest(given, f"Bearer {self.token}".encode("ascii")):
                raise Refused(401, "writes need Authorization: Bearer TOKEN", ("WWW-Authenticate", "Bearer"))
            authorized = True
        params = parse_params(query_string, allowed=route.params)
        body, content_type = self._body(handler, route, headers, limit=self.max_upload if authorized else self.max_body)
        accept = headers.get("accept", "")
        if len(accept) > 1024:
            raise Refused(400, "the Accept header is longer than 1024 characters")
        return route, Request(method, path, params, content_type, body, accept, authorized)

    @staticmethod
    def _headers(handler: http.server.BaseHTTPRequestHandler) -> dict[str, str]:
        message = handler.headers
        if message.defects:
            raise Refused(400, "the request headers are malformed")
        seen: dict[str, str] = {}
        for name, value in message.items():
            low = name.lower()
            if not _HEADER_NAME.fullmatch(name):
                raise Refused(400, f"malformed header name {name[:40]!r}")
            if low in _SINGLE and low in seen:
                raise Refused(400, f"the header {name} is given twice; give it once")
            seen.setdefault(low, value.strip())
        if "transfer-encoding" in seen:
            raise Refused(400, "Transfer-Encoding is not accepted; send the body with a Content-Length")
        if "content-encoding" in seen:
            raise Refused(415, "compressed request bodies (Content-Encoding) are not accepted")
        return seen

    @staticmethod
    def _body(handler: http.server.BaseHTTPRequestHandler, route: Route, headers: Mapping[str, str],
              *, limit: int) -> tuple[bytes, str | None]:
        length_text = headers.get("content-length")
        if not route.content_types:
            if length_text not in (None, "0") or "content-type" in headers:
                raise Refused(400, f"{handler.command} {handler.path[:80]} takes no body")
            return b"", None
        if length_text is None:
            raise Refused(411, "a body needs a Content-Length")
        if not re.fullmatch(r"[0-9]{1,15}", length_text):
            raise Refused(400, "the Content-Length is not a number")
        length = int(length_text)
        if length > limit:
            raise Refused(413, f"the body is larger than this server's limit of {limit} bytes "
                               "(kg serve --max-body, --max-upload-mb for writes with the token)")
        kind, *options = (part.strip().lower() for part in headers.get("content-type", "").split(";"))
        if kind not in route.content_types:
            raise Refused(415, f"the body must be one of {', '.join(sorted(route.content_types))}, "
                               f"not {kind[:60] or 'untyped'}")
        for option in options:
            name, _, value = option.partition("=")
            if name.strip() != "charset" or value.strip().strip('"') not in {"utf-8", "utf8"}:
                raise Refused(415, f"the only content-type parameter accepted is charset=utf-8, not {option[:40]!r}")
        try:
            body = handler.rfile.read(length)
        except TimeoutError:
            # a client that announces more than it sends would otherwise hold the thread and get no answer
            handler.body_read = True  # type: ignore[attr-defined]  # nothing more will come: no drain
            raise Refused(408, f"the body stopped arriving: nothing for {handler.timeout:g} s of the "
                               f"{length} bytes its Content-Length announced") from None
        handler.body_read = True  # type: ignore[attr-defined]
        if len(body) != length:
            raise Refused(400, "the body is shorter than its Content-Length")
        return body, kind

    # -- asking Oxigraph -------------------------------------------------------------------

    def engine(self, method: str, target: str, body: bytes, content_type: str, accept: str = "*/*",
               *, timeout: float | None = None) -> tuple[int, str, bytes]:
        """Send Oxigraph one new request; return (status, content type, at most ``max_result + 1`` bytes).

        *timeout* (default: the query time limit and 2 s for Oxigraph to say so itself) bounds each
        wait for Oxigraph: some queries (a COUNT over a large join) ignore its own time limit.
        """
        headers = {"Content-Type": content_type, "Accept": accept}
        timeout = self.query_timeout + 2 if timeout is None else timeout
        connection = (_UnixConnection(self.inner, timeout) if isinstance(self.inner, Path)
                      else http.client.HTTPConnection("127.0.0.1", self.inner, timeout=timeout))
        try:
            connection.request(method, target, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read(self.max_result + 1)
            return response.status, (response.getheader("Content-Type") or "").split(";")[0].strip(), data
        except TimeoutError:
            if target.startswith("/query"):
                raise Refused(504, f"the query timed out after {self.query_timeout:g} s (kg serve --timeout)") from None
            raise Refused(504, f"the write did not finish within {timeout:g} s") from None
        except (OSError, http.client.HTTPException) as exc:
            raise Refused(502, f"the Oxigraph server did not answer: {exc}") from None
        finally:
            connection.close()

    def engine_error(self, status: int, data: bytes) -> Refused:
        """Return the error to send for a failed answer from Oxigraph (a status, or an error after a 200)."""
        text = data.decode("utf-8", "replace")
        if "operation has been cancelled" in text:
            return Refused(504, f"the query timed out after {self.query_timeout:g} s (kg serve --timeout)")
        lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
        message = (lines[-1] if lines else "no message")[:500]
        if status == 200:
            return Refused(500, f"the query failed during evaluation: {message}")
        return Refused(400 if status == 400 else 500, message)

    def query(self, text: str, *, accept: str, dataset: Mapping[str, str] | None = None) -> Reply:
        """Check a query, send it to Oxigraph as ``POST /query``, and return its answer written anew."""
        import pyoxigraph as ox

        checked = check_sparql(text, update=False)
        if checked.remote and not self.allow_remote:
            raise Refused(403, f"{' and '.join(checked.remote)} would make this server reach other hosts; "
                               "it is refused here (kg serve --allow-remote lets it through)")
        graphs = checked.form in {"ConstructQuery", "DescribeQuery"}
        target = "/query" + ("?" + urllib.parse.urlencode(dataset) if dataset else "")
        inner = "application/n-triples" if graphs else "application/sparql-results+json"
        status, _kind, data = self.engine("POST", target, text.encode("utf-8"), SPARQL_QUERY + "; charset=utf-8",
                                          inner)
        self._check_size(data)
        if status != 200:
            raise self.engine_error(status, data)
        try:
            if graphs:
                name = negotiate(accept, _GRAPHS, "N_TRIPLES")
                out_format = getattr(ox.RdfFormat, name)
                out = ox.serialize(ox.parse(data, format=ox.RdfFormat.N_TRIPLES), format=out_format) or b""
            else:
                name = negotiate(accept, _SOLUTIONS, "JSON")
                out_format = getattr(ox.QueryResultsFormat, name)
                out = ox.parse_query_results(data, format=ox.QueryResultsFormat.JSON).serialize(format=out_format)
        except (SyntaxError, ValueError, OSError):
            raise self.engine_error(200, data) from None
        self._check_size(out)
        media = out_format.media_type + ("; charset=utf-8" if name in {"CSV", "TSV"} else "")
        return Reply(200, out, media)

    def update(self, text: str) -> Reply:
        """Check an update and send it to Oxigraph as ``POST /update``; 204 once done.

        A plain ``INSERT DATA { … }`` (what ``kg push --via update`` sends, megabytes at a time) is read
        by Oxigraph's TriG parser and written again from its quads, so what is sent holds no keyword
        but INSERT DATA and GRAPH; rdflib's parser would take seconds a megabyte. Any other update is
        checked by :func:`check_sparql`.
        """
        rebuilt = insert_data(text)
        if rebuilt is None:
            checked = check_sparql(text, update=True)
            if checked.remote and not self.allow_remote:
                raise Refused(403, f"{' and '.join(checked.remote)} would make this server reach other hosts; "
                                   "it is refused here (kg serve --allow-remote lets it through)")
            rebuilt = text
        status, _kind, data = self.engine("POST", "/update", rebuilt.encode("utf-8"), SPARQL_UPDATE + "; charset=utf-8",
                                          timeout=WRITE_TIMEOUT)
        if status >= 300:
            raise self.engine_error(status, data)
        return Reply(204, content_type=None)

    def _check_size(self, data: bytes) -> None:
        if len(data) > self.max_result:
            raise Refused(413, f"the answer is larger than this server's limit of {self.max_result} bytes; "
                               "ask for less (LIMIT, fewer variables) or raise kg serve --max-result-mb")


class _Handler(http.server.BaseHTTPRequestHandler):
    """Reads each request with :meth:`Gateway.read`, answers with its route's handler; quiet."""

    protocol_version = "HTTP/1.1"
    server_version = "kg-serve"
    sys_version = ""
    timeout: float = IDLE_TIMEOUT  # seconds a client may stay silent mid-request (the gateway's idle_timeout)
    gateway: Gateway

    def log_message(self, *_args: object) -> None:  # quiet: the CLI prints what matters
        pass

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """The errors of the request-line parser, as plain text like every other refusal."""
        self.close_connection = True
        self._send(Refused(code, message or self.responses.get(code, ("error",))[0]).reply)

    def handle_one_request(self) -> None:
        try:
            self.raw_requestline = self.rfile.readline(65537)
            if len(self.raw_requestline) > 65536:
                self.requestline, self.request_version, self.command = "", "HTTP/1.1", ""
                self.send_error(414, "the request line is longer than 65536 bytes")
                return
            if not self.raw_requestline:
                self.close_connection = True
                return
            if not self.parse_request():
                return
            try:
                route, request = self.gateway.read(self)
                reply = route.handler(request, self.gateway)
            except Refused as refused:
                reply = refused.reply
                self.close_connection = True  # the body may be unread: this connection's framing is done
            self._send(reply)
            self.wfile.flush()
            if self.close_connection:
                self._drain()
        except (TimeoutError, ConnectionError):
            self.close_connection = True

    body_read = False
    #: Bytes of an unread body discarded after a refusal, so the client can finish sending and read it.
    DRAIN = 64 << 20

    def _drain(self) -> None:
        """Read and discard the unread body of a refused request (up to :attr:`DRAIN` bytes, 5 s).

        A client that sends the whole body before reading (``urllib``, ``kg push``) would otherwise
        get "broken pipe" instead of the 401 or 413 that explains the refusal. Nothing is kept.
        """
        import time

        length = (self.headers or {}).get("Content-Length", "") if hasattr(self, "headers") else ""
        if self.body_read or not re.fullmatch(r"[0-9]{1,15}", length or ""):
            return
        left, deadline = min(int(length), self.DRAIN), time.monotonic() + 5
        try:
            self.connection.settimeout(1)
            while left > 0 and time.monotonic() < deadline:
                chunk = self.rfile.read1(min(left, 1 << 16))
                if not chunk:
                    break
                left -= len(chunk)
        except OSError:
            pass

    def _send(self, reply: Reply) -> None:
        self.send_response(reply.status)
        for key, value in reply.headers:
            self.send_header(key, value)
        if reply.content_type and reply.status != 204:
            self.send_header("Content-Type", reply.content_type)
        if reply.status != 204:
            self.send_header("Content-Length", str(len(reply.body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if reply.status != 204 and getattr(self, "command", "") != "HEAD":
            self.wfile.write(reply.body)


def _listen(host: str, port: int, gateway: Gateway) -> http.server.ThreadingHTTPServer:
    class Handler(_Handler):
        pass

    Handler.gateway = gateway
    Handler.timeout = gateway.idle_timeout

    class Listener(http.server.ThreadingHTTPServer):
        allow_reuse_address = True
        daemon_threads = True
        request_queue_size = 64

    return Listener((host, port), Handler)
