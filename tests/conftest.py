"""Shared fixtures: the real graph (once per session), a small fixture graph with known answers,
and a runner for the ``kg`` command in a subprocess (so exit codes and messages are real)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from kg import paths
from kg.graph.loader import KnowledgeGraph, load
from kg.namespaces import DATA_PREFIXES

TESTS = Path(__file__).parent
DATA = TESTS / "data"
FIXTURE = DATA / "fixture" / "fixture.ttl"
OUTPUT = TESTS / "output"

#: The data files' prefixes as a Turtle header, for graphs that a test writes inline.
TURTLE_PREFIXES = "".join(f"@prefix {name}: <{iri}> .\n" for name, iri in {
    **DATA_PREFIXES, "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#"}.items())


#: Modules whose module-scoped fixtures are costly (a release, a site, a wheel, a server, a browser): under
#: ``make test`` (``pytest -n 2 --dist loadgroup``) each runs whole on one worker, so those fixtures are made
#: once; every other test is handed out on its own (session fixtures such as ``real_kg`` are made per worker).
ONE_WORKER = {
    "test_consistency": "real-site-data", "test_explorer": "browser-explorer", "test_package": "wheel",
    "test_page_real": "browser-page", "test_reconcile": "reconcile", "test_release": "release",
    "test_render": "browser-render", "test_server": "server", "test_server_gateway": "server-gateway",
    "test_server_load": "server-load", "test_site": "site", "test_stores": "stores", "test_virtuoso": "virtuoso",
}


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object | None:
    """For ``--dist loadgroup``: xdist's scheduler, grouping by :data:`ONE_WORKER` instead of ``xdist_group``
    marks (pytest-xdist 3.8 writes a mark's group into ``item._nodeid``, which pytest 9.2 no longer reads)."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class ModuleGroups(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = Path(nodeid.split("::", 1)[0])
            if module.parent == Path("tests") and module.stem in ONE_WORKER:
                return ONE_WORKER[module.stem]
            return nodeid

    return ModuleGroups(config, log)


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session (each page still opens in a fresh context: see browser.open_page)."""
    from .browser import chromium

    with chromium() as launched:
        yield launched


@pytest.fixture(scope="session")
def real_kg() -> KnowledgeGraph:
    """The graph built from the real ontology and graph_data/."""
    return load()


@pytest.fixture(scope="session")
def fixture_kg() -> KnowledgeGraph:
    """The ontology plus tests/data/fixture/fixture.ttl: small, made up, with known answers."""
    return load([paths.ONTOLOGY_FILE, FIXTURE])


@pytest.fixture(scope="session")
def real_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """One ``kg build`` of the real data into a private folder, and what the command printed: shared by the
    tests that need a good build (read-only: copy the folder before changing anything in it)."""
    out = tmp_path_factory.mktemp("real-build") / "build"
    done = run_kg("build", build=out)
    assert done.returncode == 0, done.stderr
    return out, done


@pytest.fixture()
def build_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private build folder, so tests never touch the real build/."""
    out = tmp_path / "build"
    monkeypatch.setenv("KG_BUILD_DIR", str(out))
    return out


@pytest.fixture()
def data_copy(tmp_path: Path) -> Path:
    """A private copy of ontology/ and graph_data/ that a test may break (use with run_kg(root=…))."""
    root = tmp_path / "repo"
    shutil.copytree(paths.ONTOLOGY_DIR, root / "ontology")
    shutil.copytree(paths.GRAPH_DATA_DIR, root / "graph_data")
    return root


def run_kg(*args: str, root: Path | None = None, build: Path | None = None, stdin: str | None = None,
           cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run ``python -m kg ARGS`` and return the completed process (text mode)."""
    env = dict(os.environ)
    if root is not None:
        env["KG_ROOT"] = str(root)
    if build is not None:
        env["KG_BUILD_DIR"] = str(build)
    env["PYTHONPATH"] = str(paths._PACKAGE_DIR.parent) + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.run([sys.executable, "-m", "kg", *args], capture_output=True, text=True,
                          input=stdin, env=env, cwd=cwd, timeout=timeout)


@pytest.fixture(scope="session")
def kg_cli():
    """The :func:`run_kg` helper as a fixture."""
    return run_kg


@contextmanager
def environment(name: str, value: str) -> Iterator[None]:
    """Set the environment variable *name* to *value* for the block, then put back what was there."""
    before = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = before


def check_rows(kg: KnowledgeGraph, check: str) -> dict[str, str]:
    """Run one violation check (``ontology/checks/<check>-violation.rq``) on *kg*: ``{focus IRI: message}``.

    The full IRIs, unlike :func:`kg.graph.validation.validate`, which shortens them for people to read.
    """
    from kg.sparql.engine import query

    path = paths.CHECKS_DIR / f"{check}-violation.rq"
    return {str(r["focus"]): str(r["message"])
            for r in query(kg.graph, path.read_text(encoding="utf-8"), name=str(path)).records()}

