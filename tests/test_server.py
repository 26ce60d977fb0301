"""`kg serve` starts a real Oxigraph server on loopback; `--store sparql:URL` and `kg push` talk to it.

The server is the ``oxigraph`` program of the ``oxigraph`` package on PyPI, started on a free port of
127.0.0.1 and stopped at the end; every request stays on this machine.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from rdflib import Graph

from kg import paths
from kg.graph import stores
from kg.graph.loader import load
from kg.outputs.exports import layer_graph, serialize
from kg.server.gateway import free_port, oxigraph_binary, serve
from kg.sparql import remote
from kg.sparql.questions import run_query

from .test_stores import CASES, _cell, _same_graph, rowset


def _port_open(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """`kg serve` in a subprocess, read-only, on a free loopback port."""
    port = free_port()
    env = dict(os.environ, KG_BUILD_DIR=str(tmp_path_factory.mktemp("build")),
               PYTHONPATH=str(paths._PACKAGE_DIR.parent))
    process = subprocess.Popen([sys.executable, "-m", "kg", "serve", "--port", str(port)], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}/query"
    try:
        remote.wait_for(url, timeout=90)
    except Exception:
        process.kill()
        pytest.fail(f"kg serve did not come up: {process.communicate()[1][-2000:]}")
    yield url, port
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)
    assert process.returncode == 0
    deadline = time.monotonic() + 10
    while _port_open(port) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _port_open(port), "stopping kg serve stops the Oxigraph server too"


def test_the_server_is_oxigraph_and_read_only(served):
    import urllib.error
    import urllib.request

    url, port = served
    assert oxigraph_binary()
    request = urllib.request.Request(f"http://127.0.0.1:{port}/update", data=b"CLEAR ALL", method="POST",
                                     headers={"Content-Type": "application/sparql-update"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code in (403, 404, 405)


def test_named_questions_on_the_server_match_memory(served, real_kg):
    remote = load(store=f"sparql:{served[0]}")
    for name, params in CASES:
        expected, got = run_query(real_kg, name, params), run_query(remote, name, params)
        assert got.columns == expected.columns, name
        assert rowset(got) == rowset(expected), f"{name} differs on the server"


def test_exports_from_the_server_match_memory(served, real_kg):
    remote = load(store=f"sparql:{served[0]}")
    for layer in ("all", "established"):
        expected = Graph().parse(data=serialize(layer_graph(real_kg, layer), "nt"), format="nt")
        got = Graph().parse(data=serialize(layer_graph(remote, layer), "nt"), format="nt")
        _same_graph(expected, got)


def test_cli_query_through_the_endpoint(served, kg_cli):
    done = kg_cli("query", "defendants", "-p", "trial", "trial:1936-sixteen", "--format", "csv",
                  "--store", f"sparql:{served[0]}")
    local = kg_cli("query", "defendants", "-p", "trial", "trial:1936-sixteen", "--format", "csv")
    assert done.returncode == 0, done.stderr
    assert _csv_rows(done.stdout) == _csv_rows(local.stdout)


def _csv_rows(text: str) -> set[tuple]:
    import csv
    import io

    return {tuple(_cell(v) for v in row) for row in csv.reader(io.StringIO(text))}


def test_push_to_a_writable_server_needs_its_token(real_kg, tmp_path, kg_cli):
    empty = load([paths.ONTOLOGY_FILE])
    with serve(empty, port=free_port(), writable=True, token="s3cret", location=tmp_path / "writable") as server:
        remote = load(store=f"sparql:{server.query_url}")
        assert len(run_query(remote, "trials")) == 0
        refused = kg_cli("push", server.store_url)
        assert refused.returncode == 2 and "401" in refused.stderr and "--token" in refused.stderr
        pushed = kg_cli("push", server.store_url, "--token", "s3cret")
        assert pushed.returncode == 0, pushed.stderr
        assert "to the default graph" in pushed.stdout
        for name, params in CASES[:6]:
            assert rowset(run_query(remote, name, params)) == rowset(run_query(real_kg, name, params)), name
        by_update = kg_cli("push", server.update_url, "--via", "update", "--no-layers", "--token", "s3cret")
        assert by_update.returncode == 0, by_update.stderr
        assert rowset(run_query(remote, "trials")) == rowset(run_query(real_kg, "trials"))
    assert not _port_open(server.port)


def test_a_writable_server_without_token_is_refused(real_kg, tmp_path):
    with pytest.raises(stores.StoreError, match="needs a token"):
        serve(real_kg, writable=True, location=tmp_path / "x")
