"""Hostile and broken input (tests/data/bad/cases.toml): every case through the real `kg` command gets
a clear message and a non-zero exit, prints no traceback, and leaves a previous good build intact.
Also here: a build interrupted part-way, and two builds at once into one folder."""

from __future__ import annotations

import hashlib
import http.server
import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
import tomllib
from pathlib import Path

import pytest

from kg import paths

from .conftest import DATA, run_kg

BAD = DATA / "bad"
CASES = tomllib.loads((BAD / "cases.toml").read_text(encoding="utf-8"))["case"]


def _digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="session")
def good_build(real_build) -> Path:
    """One good build of the real data (the session's, see conftest), copied before each case that could touch it."""
    return real_build[0]


class _Endpoint(http.server.BaseHTTPRequestHandler):
    """Answers every request with an HTML page, after ``delay`` seconds."""

    delay = 0.0

    def log_message(self, *_args: object) -> None:
        pass

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        time.sleep(self.delay)
        body = b"<!doctype html><html><body><h1>Welcome to nginx!</h1></body></html>"
        try:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:  # the client gave up (the slow case): that is the point
            pass

    do_GET = do_POST = _answer  # noqa: N815


@pytest.fixture(scope="module")
def endpoints():
    """URLs of a closed port, an endpoint that answers HTML, and one that answers after 5 s (all loopback)."""
    servers = []
    for delay in (0.0, 5.0):
        handler = type("Handler", (_Endpoint,), {"delay": delay})
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]  # nothing listens once the socket is closed
    yield {"closed": f"http://127.0.0.1:{closed}/sparql",
           "html": f"http://127.0.0.1:{servers[0].server_address[1]}/sparql",
           "slow": f"http://127.0.0.1:{servers[1].server_address[1]}/sparql"}
    for server in servers:
        server.shutdown()
        server.server_close()


def test_the_corpus_is_large_and_well_formed():
    names = [c["name"] for c in CASES]
    assert len(names) >= 40 and len(set(names)) == len(names)
    for case in CASES:
        assert case["exit"] != 0 and case["stderr"], case["name"]
        for source in case.get("drop", {}).values():
            assert (BAD / "files" / source).is_file(), f"{case['name']}: no file {source}"


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_bad_input(case, data_copy: Path, tmp_path: Path, good_build: Path, endpoints):
    if "/dev/full" in case["args"] and not stat.S_ISCHR(os.stat("/dev/full").st_mode):
        pytest.skip("no /dev/full on this machine")
    for target, source in case.get("drop", {}).items():
        (data_copy / target).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(BAD / "files" / source, data_copy / target)
    for target, kind in case.get("generate", {}).items():
        assert kind == "huge-literal"
        (data_copy / target).write_text('@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n\n'
                                        f'<urn:x:huge> rdfs:comment "{"x" * 3_000_000}" .\n', encoding="utf-8")
    existing = tmp_path / "a-file"
    existing.write_text("previous contents\n", encoding="utf-8")
    folder = tmp_path / "a-folder"
    folder.mkdir()
    build = tmp_path / "build"
    shutil.copytree(good_build, build)
    before = _digest(build)
    places = {"bad": str(BAD / "files"), "file": str(existing), "dir": str(folder), **endpoints}
    args = [re.sub(r"\{(\w+)\}", lambda m: places[m.group(1)], a) for a in case["args"]]
    stdin = (BAD / "files" / case["stdin"]).read_text(encoding="utf-8") if "stdin" in case else None
    saved = {k: os.environ.get(k) for k in case.get("env", {})}
    os.environ.update(case.get("env", {}))
    try:
        # a hang fails by this timeout; how fast a refusal is belongs to the benchmarks, not to a timed test
        done = run_kg(*args, root=data_copy, build=build, stdin=stdin, timeout=180)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    assert done.returncode == case["exit"], f"exit {done.returncode}, stderr:\n{done.stderr[-2000:]}"
    assert re.search(case["stderr"], done.stderr, re.S), \
        f"stderr does not match {case['stderr']!r}:\n{done.stderr[-2000:]}"
    assert _digest(build) == before, "a previous good output changed"
    assert not list(build.rglob("*.tmp")), "a temporary file was left behind"
    assert existing.read_text(encoding="utf-8") == "previous contents\n"
    if "/dev/full" in case["args"]:
        assert stat.S_ISCHR(os.stat("/dev/full").st_mode), "/dev/full was replaced by a file"


def _start_build(out: Path, root: Path | None = None) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONPATH=str(paths._PACKAGE_DIR.parent), KG_BUILD_DIR=str(out))
    if root is not None:
        env["KG_ROOT"] = str(root)
    return subprocess.Popen([sys.executable, "-m", "kg", "build", "-o", str(out)], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_an_interrupted_build_leaves_the_good_build_whole(sig, good_build: Path, tmp_path: Path):
    out = tmp_path / "build"
    shutil.copytree(good_build, out)
    before = _digest(out)
    process = _start_build(out)
    seen = []
    for line in process.stderr:  # interrupt once the writing has begun
        seen.append(line)
        if line.startswith("· writing"):
            process.send_signal(sig)
            break
    _out, err = process.communicate(timeout=60)
    err = "".join(seen) + err
    # The signal lands while files are renamed into place (a few tens of ms), or, on a fast machine,
    # just after: either way no file may be half-written, and a late signal must not kill the process.
    assert process.returncode in (130, 0), err
    if process.returncode == 130:
        assert "interrupted; outputs already written are complete, none is half-written" in err
    assert "Traceback" not in err
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")], "a temporary file was left behind"
    # every file is either the old one or a complete new one
    after = _digest(out)
    assert set(after) == set(before)
    for name in (n for n in after if after[n] != before[n]):
        _assert_complete(out / name, good_build / name)


def _assert_complete(path: Path, good: Path) -> None:
    from rdflib import Graph

    if path.suffix in {".ttl", ".nt", ".jsonld"}:
        fmt = {".ttl": "turtle", ".nt": "nt", ".jsonld": "json-ld"}[path.suffix]
        assert len(Graph().parse(path, format=fmt)) == len(Graph().parse(good, format=fmt)), path
    elif path.suffix == ".html":
        assert path.read_text(encoding="utf-8").rstrip().endswith("</html>"), path
    else:
        assert path.read_text(encoding="utf-8").count("\n") == good.read_text(encoding="utf-8").count("\n"), path


def test_two_builds_at_once_into_one_folder(tmp_path: Path):
    root = tmp_path / "small"  # the ontology and the fixture graph: a quick build
    shutil.copytree(paths.ONTOLOGY_DIR, root / "ontology")
    (root / "graph_data").mkdir()
    shutil.copyfile(DATA / "fixture" / "fixture.ttl", root / "graph_data" / "fixture.ttl")
    out = tmp_path / "build"
    # The first build is held at the lock by a build that this test "runs" (it holds the lock), so the
    # two builds are certain to overlap however fast the machine is; then the lock is let go.
    import threading

    from kg.atomic import folder_lock

    with folder_lock(out, what="build"):
        builds = [_start_build(out, root), _start_build(out, root)]
        heard: list[list[str]] = [[], []]

        def listen(process: subprocess.Popen[str], lines: list[str]) -> None:
            lines.extend(process.stderr)

        readers = [threading.Thread(target=listen, args=pair, daemon=True) for pair in zip(builds, heard, strict=True)]
        for reader in readers:
            reader.start()
        deadline = time.monotonic() + 120
        while not all(any("waiting for it to finish" in line for line in lines) for lines in heard):
            assert time.monotonic() < deadline, f"the builds did not wait for the lock: {heard}"
            assert all(p.poll() is None for p in builds), f"a build ran while the folder was locked: {heard}"
            time.sleep(0.05)
    for process, reader, lines in zip(builds, readers, heard, strict=True):
        process.wait(timeout=120)
        reader.join(timeout=10)
        stderr = "".join(lines)
        assert process.returncode == 0, stderr
        assert "Traceback" not in stderr
        assert "another build is running in" in stderr
    assert not list(out.rglob("*.tmp"))
    from rdflib import Graph

    assert len(Graph().parse(out / "moscow-trials.nt", format="nt")) > 500
    assert len(Graph().parse(out / "moscow-trials.ttl", format="turtle")) > 500
    assert (out / "network.html").read_text(encoding="utf-8").rstrip().endswith("</html>")
    assert all((out / "tables" / f"{t}.csv").stat().st_size > 0 for t in ("trials", "defendants", "charges", "sources"))
