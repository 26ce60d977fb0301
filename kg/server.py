"""Serve the built graph as a SPARQL 1.1 endpoint by starting a real Oxigraph server on loopback.

``kg serve`` writes the build (the whole graph in the default graph, each layer in its named graph,
see :data:`kg.stores.LAYER_GRAPHS`) into an Oxigraph folder with ``oxigraph load``, then runs the
``oxigraph`` server shipped by the ``oxigraph`` package on PyPI: ``/query`` (SPARQL 1.1 Query),
``/update`` and ``/store`` (Graph Store Protocol).

Oxigraph listens on a private loopback port; a small proxy on the public port (127.0.0.1 unless
told otherwise) forwards every request and enforces what Oxigraph's server cannot:

* read-only unless asked: the default runs ``oxigraph serve-read-only`` and the proxy refuses every
  write (``/update``, any ``/store`` request but GET/HEAD) with 403. ``writable=True`` needs a token:
  writes without ``Authorization: Bearer TOKEN`` get 401;
* ``SERVICE`` (in queries and updates) and ``LOAD`` (in updates) make Oxigraph's server call other hosts;
  the proxy refuses them with 403 unless ``allow_remote=True``. ``FROM`` only names graphs in the store;
* a time limit per query (Oxigraph's ``--timeout-s``) and a size limit per answer (the proxy answers 413
  instead of a result larger than ``max_result_bytes``).

Oxigraph's server has no access control, so it must not be reachable but through the proxy: it runs
in a network namespace of its own (see :mod:`kg.sandbox`), and the proxy reaches it through a Unix
socket in a folder only the owner can open. No other user of the machine can reach it, with or
without the token. Where the machine forbids unprivileged namespaces (some containers), the server
falls back to a private loopback port, ``Server.isolated`` is ``False`` and ``kg serve`` says so:
then a local user who finds that port can bypass the proxy.
"""

from __future__ import annotations

import hmac
import http.client
import http.server
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import paths
from .stores import LAYER_GRAPHS, SPARQL_OPAQUE, StoreError, to_ox, wait_for

__all__ = ["Server", "free_port", "oxigraph_binary", "serve", "write_dataset"]


def oxigraph_binary() -> str:
    """Return the path of the ``oxigraph`` server program (from the ``oxigraph`` package on PyPI)."""
    beside = Path(sys.executable).parent / "oxigraph"
    found = str(beside) if beside.is_file() else shutil.which("oxigraph")
    if not found:
        raise StoreError("the Oxigraph server is not installed; install it with "
                         "`pip install 'moscow-trials-kg[server]'` (the `oxigraph` package)")
    return found


def free_port(host: str = "127.0.0.1") -> int:
    """Return a TCP port on *host* that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def write_dataset(kg: Any, location: Path) -> int:
    """Write *kg* into a fresh Oxigraph folder *location* with ``oxigraph load``; return the quad count."""
    import pyoxigraph as ox

    from .stores import graph_to_memory

    location = Path(location)
    if location.exists():
        shutil.rmtree(location)
    location.parent.mkdir(parents=True, exist_ok=True)

    def quads(graph: Any, name: Any) -> list[Any]:
        return [ox.Quad(to_ox(s), to_ox(p), to_ox(o), name) for s, p, o in graph_to_memory(graph)]

    all_quads = quads(kg.graph, ox.DefaultGraph())
    for layer, iri in LAYER_GRAPHS.items():
        if layer in kg.layers:
            all_quads += quads(kg.layers[layer], ox.NamedNode(iri))
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
    """A running Oxigraph server (and its token proxy, if writable); ``stop()`` ends both."""

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
        """True when only the proxy can reach Oxigraph (private network namespace, owner-only socket)."""
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
        """Stop the proxy and the Oxigraph process (terminate, then kill after 10 s)."""
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
    max_result_bytes: int = 100_000_000,
    allow_remote: bool = False,
) -> Server:
    """Return a running :class:`Server` loaded with *kg* (a :class:`kg.loader.KnowledgeGraph`).

    *port* ``None`` or 0 picks a free one. The data goes to *location* (default
    ``build/oxigraph-serve/``), replaced on every start. Writable servers need a *token*.
    *query_timeout* (seconds) and *max_result_bytes* bound each query; ``SERVICE`` and ``LOAD`` are
    refused unless *allow_remote*. *timeout* is how long to wait for the server to come up.
    """
    if writable and not token:
        raise StoreError("a writable server needs a token: kg serve --writable --token SECRET")
    if query_timeout <= 0 or max_result_bytes <= 0:
        raise StoreError("the query time limit and the result size limit must be positive")
    location = Path(location) if location else paths.build_dir() / "oxigraph-serve"
    write_dataset(kg, location)
    port = port or free_port(host)
    mode = "serve" if writable else "serve-read-only"
    oxigraph = [oxigraph_binary(), mode, "--location", str(location), "--timeout-s", str(max(1, round(query_timeout)))]
    process, inner, inner_socket = _start_isolated(oxigraph, timeout)
    try:
        proxy = _proxy(host, port, inner_socket or inner, token if writable else None, writable=writable,
                       allow_remote=allow_remote, max_bytes=max_result_bytes, timeout=query_timeout + 10)
    except BaseException:
        process.terminate()
        process.wait()
        raise
    threading.Thread(target=proxy.serve_forever, name="kg-serve-proxy", daemon=True).start()
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

    from . import sandbox

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


_HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers",
               "transfer-encoding", "upgrade", "host", "content-length"}


def _is_write(method: str, path: str) -> bool:
    route = path.split("?", 1)[0].rstrip("/")
    if route.endswith("/update"):
        return True
    return route.endswith("/store") and method not in {"GET", "HEAD"}


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


def _sparql_of(method: str, path: str, headers: Any, body: bytes | None) -> tuple[str, bool] | None:
    """Return (SPARQL text, is_update) carried by a request, or ``None`` if it carries none."""
    route, _, query = path.partition("?")
    found: list[tuple[str, bool]] = []
    form = urllib.parse.parse_qs(query, keep_blank_values=True)
    kind = (headers.get("Content-Type") or "").split(";")[0].strip().lower()
    if body and kind == "application/x-www-form-urlencoded":
        for key, values in urllib.parse.parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items():
            form.setdefault(key, []).extend(values)
    found += [(v, False) for v in form.get("query", [])] + [(v, True) for v in form.get("update", [])]
    if body and kind in {"application/sparql-query", "application/sparql-update"}:
        found.append((body.decode("utf-8", "replace"), kind.endswith("update")))
    if not found:
        return None
    return "\n".join(t for t, _ in found), any(u for _, u in found) or route.rstrip("/").endswith("/update")


def _proxy(host: str, port: int, inner: int | Path, token: str | None, *, writable: bool, allow_remote: bool,
           max_bytes: int, timeout: float) -> http.server.ThreadingHTTPServer:
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_args: object) -> None:  # quiet: the CLI prints what matters
            pass

        def _refuse(self, code: int, text: str, extra: dict[str, str] | None = None) -> None:
            message = (text + "\n").encode()
            self.send_response(code)
            for key, value in (extra or {}).items():
                self.send_header(key, value)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(message)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(message)

        def _forward(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            if _is_write(self.command, self.path):
                if not writable:
                    return self._refuse(403, "this server is read-only (kg serve --writable --token T accepts writes)")
                given = self.headers.get("Authorization", "")
                if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
                    return self._refuse(401, "writes need Authorization: Bearer TOKEN", {"WWW-Authenticate": "Bearer"})
            sparql = _sparql_of(self.command, self.path, self.headers, body)
            if sparql is not None and not allow_remote:
                blocked = remote_keywords(sparql[0], update=sparql[1])
                if blocked:
                    return self._refuse(403, f"{' and '.join(blocked)} would make this server reach other hosts; "
                                             "it is refused here (kg serve --allow-remote lets it through)")
            headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
            connection = (_UnixConnection(inner, timeout) if isinstance(inner, Path)
                          else http.client.HTTPConnection("127.0.0.1", inner, timeout=timeout))
            try:
                connection.request(self.command, self.path, body=body, headers=headers)
                response = connection.getresponse()
                data = response.read(max_bytes + 1)
            except OSError as exc:
                return self._refuse(502, f"the Oxigraph server did not answer: {exc}")
            finally:
                connection.close()
            if len(data) > max_bytes:
                return self._refuse(413, f"the answer is larger than this server's limit of {max_bytes} bytes; "
                                         "ask for less (LIMIT, fewer variables) or raise kg serve --max-result-mb")
            self.send_response(response.status, response.reason)
            for key, value in response.getheaders():
                if key.lower() not in _HOP_BY_HOP:
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _forward  # noqa: N815

    class Server_(http.server.ThreadingHTTPServer):
        allow_reuse_address = True
        daemon_threads = True
        request_queue_size = 64

    return Server_((host, port), Handler)
