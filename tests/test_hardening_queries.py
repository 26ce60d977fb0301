"""Issue 18: CSV safe for spreadsheets, limits for user queries, argument checks.

Before the fixes a cell starting with = + - @ was written as a formula (tables, `kg query -f csv`,
`kg network stats -f csv`); `kg query` had no time or row limit and SIGTERM could not stop a long
evaluation; `--top -5`, `--triples 1e20` and `--timeout nan` ran with nonsense values.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from rdflib import Literal, URIRef

from kg import paths
from kg.outputs.exports import spreadsheet_cell
from kg.sparql.limits import LimitExceeded, QueryInterrupted, check_rows, run_with_limits
from kg.sparql.questions import QueryResult

from .conftest import FIXTURE, run_kg

HOSTILE = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)",
           "\tTAB", "\rCR", "=1+2"]
KEPT = ["-5", "+5", "-0.25", "1e3", "-1.5E-3", "Zinoviev", "", "a=b", "trial:1936-sixteen"]


@pytest.mark.parametrize("text", HOSTILE)
def test_a_cell_that_would_start_a_formula_gets_a_quote(text: str):
    assert spreadsheet_cell(text) == "'" + text


@pytest.mark.parametrize("text", KEPT)
def test_plain_numbers_and_text_stay_as_they_are(text: str):
    assert spreadsheet_cell(text) == text


def test_numbers_are_never_changed():
    assert [spreadsheet_cell(v) for v in (-5, -0.5, 3)] == [-5, -0.5, 3]


def _parsed(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def test_query_result_csv_is_safe_when_read_back_by_a_csv_parser():
    rows = [(Literal(v), URIRef("https://w3id.org/moscow-trials/id/person/x")) for v in HOSTILE + KEPT]
    result = QueryResult(columns=["value", "iri"], rows=rows)
    parsed = _parsed(result.to_csv())
    assert parsed[0] == ["value", "iri"]
    cells = [row[0] for row in parsed[1:]]
    assert cells == ["'" + v for v in HOSTILE] + KEPT
    # what still starts with + or - is a plain number, which a spreadsheet reads as that number only
    assert [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r"))] == ["-5", "+5", "-0.25", "-1.5E-3"]


@pytest.fixture(scope="module")
def small_root(tmp_path_factory) -> Path:
    """The ontology and the fixture graph, with one person's label made hostile (for network stats)."""
    root = tmp_path_factory.mktemp("small")
    shutil.copytree(paths.ONTOLOGY_DIR, root / "ontology")
    (root / "graph_data").mkdir()
    text = FIXTURE.read_text(encoding="utf-8").replace('"Anna Alpha"@en', '"=HYPERLINK(\\"x\\")"@en')
    (root / "graph_data" / "fixture.ttl").write_text(text, encoding="utf-8")
    return root


def test_kg_query_csv_is_safe(small_root: Path):
    sparql = 'SELECT ?x WHERE { VALUES ?x { "=1+2" "-5" "@SUM(A1)" "+cmd" "-1-1" } }'
    done = run_kg("query", "-", "-f", "csv", root=small_root, stdin=sparql)
    assert done.returncode == 0, done.stderr
    assert [row[0] for row in _parsed(done.stdout)] == ["x", "'=1+2", "-5", "'@SUM(A1)", "'+cmd", "'-1-1"]


def test_kg_network_stats_csv_is_safe(small_root: Path):
    done = run_kg("network", "stats", "-f", "csv", "--top", "0", root=small_root)
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout, newline="")))
    labels = [row["label"] for row in rows]
    assert "'=HYPERLINK(\"x\")" in labels, labels
    assert not any(label.startswith("=") for label in labels)


# ---- limits -------------------------------------------------------------------------------------------
def test_a_slow_evaluation_is_stopped_at_the_time_limit():
    started = time.monotonic()
    with pytest.raises(LimitExceeded, match=r"ran longer than 0\.3 s"):
        run_with_limits(lambda: time.sleep(30), timeout=0.3)
    assert time.monotonic() - started < 5


def test_an_evaluation_error_is_raised_unchanged_and_a_quick_one_returns():
    with pytest.raises(ZeroDivisionError):
        run_with_limits(lambda: 1 / 0, timeout=5)
    assert run_with_limits(lambda: 42, timeout=5) == 42
    assert run_with_limits(lambda: 42, timeout=None) == 42


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_stops_the_evaluation(sig: int, code: int):
    before = signal.getsignal(sig)
    threading.Timer(0.3, os.kill, (os.getpid(), sig)).start()
    started = time.monotonic()
    with pytest.raises(QueryInterrupted) as info:
        run_with_limits(lambda: time.sleep(30), timeout=0)
    assert info.value.exit_code == code and time.monotonic() - started < 5
    assert signal.getsignal(sig) is before  # the handlers are put back


def test_the_row_limit():
    check_rows(10, 10)
    check_rows(10**6, 0)
    with pytest.raises(LimitExceeded, match="more than --max-rows 10"):
        check_rows(11, 10)


SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def test_kg_query_timeout_stops_a_real_evaluation(small_root: Path):
    started = time.monotonic()
    done = run_kg("query", "-", "--timeout", "1", root=small_root, stdin=SLOW, timeout=120)
    assert done.returncode == 5, done.stderr
    assert "ran longer than 1 s (--timeout) and was stopped" in done.stderr and "Traceback" not in done.stderr
    assert time.monotonic() - started < 60


def test_kg_query_sigterm_stops_a_real_evaluation(small_root: Path):
    env = dict(os.environ, KG_ROOT=str(small_root), PYTHONPATH=str(paths._PACKAGE_DIR.parent))
    process = subprocess.Popen([sys.executable, "-X", "importtime", "-m", "kg", "query", "-", "--timeout", "0"],
                               env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    process.stdin.write(SLOW.replace("?g ?h ?i", "?g ?h ?i . ?j ?k ?l"))  # runs for hours
    process.stdin.close()
    process.stdin = None
    # wait until the evaluation runs: the worker thread's module has been imported (-X importtime)
    deadline = time.monotonic() + 90
    seen = []
    for line in process.stderr:
        seen.append(line)
        if "kg.sparql.limits" in line:
            break
        assert time.monotonic() < deadline
    time.sleep(8)  # the fixture graph loads in well under this; then the evaluation is running
    process.send_signal(signal.SIGTERM)
    _out, err = process.communicate(timeout=30)
    err = "".join(line for line in seen if "import time" not in line) + err
    assert process.returncode == 143, err
    assert "interrupted by SIGTERM: the query was stopped" in err and "Traceback" not in err


def test_kg_query_max_rows(small_root: Path):
    done = run_kg("query", "-", "--max-rows", "5", root=small_root, stdin="SELECT ?s WHERE { ?s ?p ?o }")
    assert done.returncode == 5 and "more than --max-rows 5" in done.stderr
    done = run_kg("query", "-", "--max-rows", "0", "-f", "csv", root=small_root, stdin="SELECT ?s WHERE { ?s ?p ?o }")
    assert done.returncode == 0 and done.stdout.count("\n") > 5


@pytest.mark.parametrize(("args", "message"), [
    (["network", "stats", "--top", "-5"], "--top '-5' is out of range"),
    (["network", "draw", "--max-nodes", "0"], "--max-nodes '0' is out of range"),
    (["synth", "--triples", "1e20", "-o", "x.nt"], "--triples '1e20' is out of range: give a number from 1 to 50,000,000"),
    (["synth", "--triples", "2.5", "-o", "x.nt"], "--triples '2.5' is not a whole number"),
    (["serve", "--timeout", "nan"], "--timeout 'nan' is not a finite number"),
    (["serve", "--timeout", "-1"], "--timeout '-1' is out of range"),
    (["serve", "--max-result-mb", "inf"], "--max-result-mb 'inf' is not a finite number"),
    (["serve", "--idle-timeout", "0"], "--idle-timeout '0' is out of range"),
    (["serve", "--port", "70000"], "--port '70000' is out of range"),
    (["query", "people", "--timeout", "soon"], "--timeout 'soon' is not a number"),
    (["query", "people", "--max-rows", "-1"], "--max-rows '-1' is out of range"),
])
def test_argument_checks(args: list[str], message: str, tmp_path: Path):
    done = run_kg(*args, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert message in done.stderr and "Traceback" not in done.stderr
    assert not list(tmp_path.iterdir())
