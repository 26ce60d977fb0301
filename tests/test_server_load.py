"""`kg serve` under load and under attack, on loopback only: concurrent clients, no lost update,
SERVICE/LOAD refused, a time limit and a size limit per query, read-only unless a token is given."""

from __future__ import annotations

import json
import os
import stat
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from kg import paths
from kg.graph.loader import load
from kg.server.gateway import free_port, serve

from .conftest import FIXTURE

CLIENTS, REQUESTS = 8, 24  # each client: REQUESTS requests, half of them inserts
TOKEN = "load-test-token"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    kg = load([paths.ONTOLOGY_FILE, FIXTURE])
    with serve(kg, port=free_port(), writable=True, token=TOKEN, location=tmp_path_factory.mktemp("serve") / "ox",
               query_timeout=1, max_result_bytes=200_000) as running:
        yield running


def _post(url: str, data: bytes, content_type: str, token: str | None = None, timeout: float = 20) -> tuple[int, bytes]:
    headers = {"Content-Type": content_type, "Accept": "application/sparql-results+json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=data, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _query(server, text: str, **kw) -> tuple[int, bytes]:
    return _post(server.query_url, text.encode(), "application/sparql-query", **kw)


def _update(server, text: str, token: str | None = TOKEN) -> tuple[int, bytes]:
    return _post(server.update_url, text.encode(), "application/sparql-update", token)


def test_the_server_listens_on_loopback_only(server):
    assert server.host == "127.0.0.1"
    assert server.proxy.server_address[0] == "127.0.0.1"


def _listening_inodes(table: Path) -> dict[str, str]:
    """Map inode -> local address of the LISTEN sockets in a /proc/.../net/tcp table."""
    rows = [line.split() for line in table.read_text().splitlines()[1:]]
    return {row[9]: row[1] for row in rows if row[3] == "0A"}


def test_oxigraph_is_reachable_only_through_the_proxy(server):
    """The writable Oxigraph server has no token check of its own: no other local user may reach it.

    It listens in a network namespace of its own: its listening socket is absent from this machine's
    TCP table, and the only way in is an owner-only Unix socket."""
    if not server.isolated:
        pytest.skip("this machine allows no unprivileged network namespace (kg serve warned about it)")
    assert stat.S_IMODE(server.inner_socket.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(server.inner_socket.stat().st_mode) == 0o600
    sandbox = server.process.pid
    oxigraph = Path(f"/proc/{sandbox}/task/{sandbox}/children").read_text().split()[0]
    inside = _listening_inodes(Path(f"/proc/{oxigraph}/net/tcp"))
    own = {link.split("[")[1].rstrip("]") for link in (os.readlink(f) for f in Path(f"/proc/{oxigraph}/fd").iterdir())
           if link.startswith("socket:[")}
    listening = own & set(inside)
    assert listening, "Oxigraph listens on a TCP socket inside its namespace"
    host = _listening_inodes(Path("/proc/self/net/tcp")) | _listening_inodes(Path("/proc/self/net/tcp6"))
    assert not listening & set(host), "Oxigraph's listening socket is visible from the machine"


def test_without_namespaces_the_server_falls_back_to_a_loopback_port_and_says_so(tmp_path, monkeypatch, capfd):
    from kg.server import sandbox as sandbox

    refuses = tmp_path / "no_namespaces.py"
    refuses.write_text(f"raise SystemExit({sandbox.UNAVAILABLE})\n", encoding="utf-8")
    monkeypatch.setattr(sandbox, "__file__", str(refuses))
    kg = load([paths.ONTOLOGY_FILE, FIXTURE])
    with serve(kg, port=free_port(), location=tmp_path / "ox") as fallback:
        assert not fallback.isolated and fallback.inner_port > 0
        status, body = _query(fallback, "ASK { ?s ?p ?o }")
        assert status == 200 and json.loads(body)["boolean"] is True
    assert "no private network namespace" in capfd.readouterr().err


def test_concurrent_clients_get_no_error_and_lose_no_update(server):
    errors: list[str] = []
    done = [0]
    lock = threading.Lock()

    def client(number: int) -> None:
        for i in range(REQUESTS):
            if i % 2 == 0:
                status, body = _update(server, f"INSERT DATA {{ <urn:kg-load:c{number}-{i}> <urn:kg-load:n> {i} }}")
                ok = status in (200, 204)
            else:
                status, body = _query(server, "SELECT (COUNT(*) AS ?n) WHERE { ?s <urn:kg-load:n> ?o }")
                ok = status == 200 and "results" in json.loads(body)
            with lock:
                done[0] += 1
                if not ok:
                    errors.append(f"client {number} request {i}: HTTP {status} {body[:200]!r}")

    start = time.monotonic()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    seconds = time.monotonic() - start
    assert done[0] == CLIENTS * REQUESTS and not errors, errors[:5]
    status, body = _query(server, "SELECT (COUNT(*) AS ?n) WHERE { ?s <urn:kg-load:n> ?o }")
    count = int(json.loads(body)["results"]["bindings"][0]["n"]["value"])
    assert count == CLIENTS * ((REQUESTS + 1) // 2), "an insert was lost"
    print(f"\nload test: {CLIENTS} clients x {REQUESTS} requests = {done[0]} requests, "
          f"{len(errors)} errors, {count} triples inserted, {seconds:.1f} s")


def test_writes_need_the_token(server):
    for token in (None, "wrong"):
        status, body = _update(server, "INSERT DATA { <urn:x:a> <urn:x:b> <urn:x:c> }", token=token)
        assert status == 401 and b"Bearer" in body
    status, _ = _query(server, "ASK { <urn:x:a> ?p ?o }")
    assert status == 200


@pytest.mark.parametrize("how", ["get", "form", "body"])
def test_service_is_refused(server, how):
    text = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
    if how == "get":
        try:
            with urllib.request.urlopen(server.query_url + "?query=" + urllib.parse.quote(text), timeout=10) as r:
                status, body = r.status, r.read()
        except urllib.error.HTTPError as exc:
            status, body = exc.code, exc.read()
    elif how == "form":
        status, body = _post(server.query_url, urllib.parse.urlencode({"query": text}).encode(),
                             "application/x-www-form-urlencoded")
    else:
        status, body = _query(server, text)
    assert status == 403 and b"SERVICE" in body and b"--allow-remote" in body


def test_load_in_an_update_is_refused_even_with_the_token(server):
    status, body = _update(server, "LOAD <http://127.0.0.1:9/data.ttl>")
    assert status == 403 and b"LOAD" in body


def test_a_word_service_inside_a_string_is_not_refused(server):
    status, _ = _query(server, 'SELECT * WHERE { ?s ?p "SERVICE <x> LOAD" }')
    assert status == 200


def test_a_too_large_answer_is_refused(server):
    status, body = _query(server, "SELECT * WHERE { ?s ?p ?o }")
    assert status == 413 and b"limit of 200000 bytes" in body


def test_a_slow_query_is_stopped(server):
    start = time.monotonic()
    status, body = _query(server, "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }",
                          timeout=30)
    assert time.monotonic() - start < 15
    assert status >= 400, body[:200]
