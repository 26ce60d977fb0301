"""Virtuoso, a second real SPARQL engine: `kg push` fills it, and every named question asked there
(`--store sparql:URL`) gives the embedded store's rows, or differs in a way written down and pinned here.

The fixture starts Debian's ``virtuoso-t`` (package ``virtuoso-opensource-7-bin``; ``make test`` installs it)
on two free ports of 127.0.0.1 with a fresh database in ``tmp_path`` (``tests/virtuoso/virtuoso.ini``, filled
in), and configures it with ``isql-vt`` (``tests/virtuoso/setup.sql``): the SPARQL user may write, and the
host 127.0.0.1:PORT has a default graph, so that `kg push` needs no change at all. Why, and what was
measured: ``docs/decisions/20261206-virtuoso.md``.

Both sides read one private copy of ``ontology/`` and ``graph_data/`` (``KG_ROOT``), so that an edit made
in the checkout while the test runs cannot make the two stores differ.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from rdflib import XSD, Literal

import kg

from .conftest import environment, run_kg

HERE = Path(__file__).parent / "virtuoso"
REPO = Path(__file__).resolve().parents[1]
VIRTUOSO = shutil.which("virtuoso-t")
ISQL = shutil.which("isql-vt")
#: The graph Virtuoso answers from when a request names none (it has no default graph of its own:
#: without one, every query would see the union of all graphs and count each triple once per layer).
DEFAULT_GRAPH = "urn:x-moscow-trials-test:default-graph"
START_TIMEOUT = 60.0

pytestmark = [
    pytest.mark.virtuoso,
    pytest.mark.skipif(not (VIRTUOSO and ISQL), reason="Virtuoso is not installed (virtuoso-t and isql-vt: "
                       "`apt-get install virtuoso-opensource-7-bin`, which `make test` does)"),
]

#: Parameter values per question: every question with parameters is asked with a couple of them
#: (an IRI, person:SLUG, and spellings in Latin and Cyrillic, which kg resolves on the endpoint).
PARAMS: dict[str, list[dict[str, str]]] = {
    "accusers": [{"person": "Бухарин"}, {"person": "person:georgy-pyatakov"}],
    "claim-parties": [{}, {"person": "Trotsky"}],
    "claims-involving": [{"person": "Trotsky"}, {"person": "person:nikolai-bukharin"}],
    "claims": [{}, {"trial": "trial:1936-sixteen"}],
    "co-defendants": [{"person": "Зиновьев"}, {"person": "person:karl-radek"}],
    "court": [{}, {"trial": "trial:1938-twenty-one"}],
    "days-to-execution": [{}, {"trial": "trial:1936-sixteen"}],
    "defendants": [{}, {"trial": "trial:1936-sixteen"}, {"trial": "Trial of the Twenty-One"}],
    "fates": [{"body": "body:politburo"}, {"body": "body:central-committee", "role": "1917"}],
    "named-in-court": [{}, {"trial": "trial:1938-twenty-one"}],
    "names": [{}, {"entity": "person:grigory-zinoviev"}],
    "offices-of-defendants": [{}, {"trial": "trial:1937-seventeen"}],
    "people": [{"name": "ov"}, {"name": "Пятаков"}],
    "person": [{"person": "Зиновьев"}, {"person": "person:nikolai-bukharin"}],
    "pleas": [{}, {"trial": "trial:1937-seventeen"}],
    "profiles": [{}, {"person": "Lev Kamenev"}],
    "relatives": [{}, {"person": "person:lev-kamenev"}],
    "sessions": [{}, {"trial": "trial:1937-seventeen"}],
    "testimony": [{}, {"trial": "trial:1936-sixteen"}],
    "timeline": [{}, {"person": "Bukharin"}],
}


# --------------------------------------------------------------------------------------------
# The server


def _free_ports(n: int) -> list[int]:
    """Return *n* distinct free TCP ports of 127.0.0.1 (all sockets held until all are chosen)."""
    sockets = [socket.socket() for _ in range(n)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@dataclass
class Virtuoso:
    """A running Virtuoso: its folder, ports and what it cost to start."""

    folder: Path
    sql_port: int
    http_port: int
    process: subprocess.Popen
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def sparql(self) -> str:
        """The SPARQL endpoint (queries; updates too, once the SPARQL user may write)."""
        return f"http://127.0.0.1:{self.http_port}/sparql"

    @property
    def crud(self) -> str:
        """The Graph Store Protocol endpoint without authentication (``-auth`` wants HTTP digest)."""
        return f"http://127.0.0.1:{self.http_port}/sparql-graph-crud"

    def log(self) -> str:
        path = self.folder / "virtuoso.log"
        return path.read_text("utf-8", "replace")[-3000:] if path.exists() else "(no log)"

    def sql(self, script: str) -> str:
        """Run an SQL script as dba through isql; fail the test with its output if any statement fails."""
        done = subprocess.run([ISQL, f"127.0.0.1:{self.sql_port}", "dba", "dba", "VERBOSE=OFF", "ERRORS=STDOUT"],
                              input=script, capture_output=True, text=True, timeout=60)
        if done.returncode != 0 or "*** Error" in done.stdout:
            pytest.fail(f"isql failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def select(self, text: str) -> list[dict[str, str]]:
        """Ask the endpoint directly (no kg code in between) and return the rows as plain strings."""
        request = urllib.request.Request(self.sparql, data=urllib.parse.urlencode({"query": text}).encode(),
                                         headers={"Accept": "text/csv"})
        with urllib.request.urlopen(request, timeout=60) as response:
            return list(csv.DictReader(io.StringIO(response.read().decode("utf-8"))))


def _wait_until_up(server: Virtuoso) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"virtuoso-t exited with {server.process.returncode}:\n{server.log()}")
        try:
            with urllib.request.urlopen(server.sparql + "?query=" + urllib.parse.quote("ASK {}"), timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    pytest.fail(f"Virtuoso did not answer within {START_TIMEOUT:.0f} s:\n{server.log()}")


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory) -> Iterator[Virtuoso]:
    """A fresh Virtuoso on loopback, its database in a temporary folder; stopped (and checked) at the end."""
    started = time.monotonic()
    folder = tmp_path_factory.mktemp("virtuoso")
    (folder / "www").mkdir()
    sql_port, http_port = _free_ports(2)
    ini = (HERE / "virtuoso.ini").read_text("utf-8").format(dir=folder, sql_port=sql_port, http_port=http_port)
    (folder / "virtuoso.ini").write_text(ini, "utf-8")
    with open(folder / "stdout.txt", "wb") as out:
        process = subprocess.Popen([VIRTUOSO, "-f", "-c", str(folder / "virtuoso.ini")], cwd=folder,
                                   stdout=out, stderr=subprocess.STDOUT)
    server = Virtuoso(folder, sql_port, http_port, process)
    try:
        _wait_until_up(server)
        server.timings["up"] = time.monotonic() - started
        server.sql((HERE / "setup.sql").read_text("utf-8").format(host=f"127.0.0.1:{http_port}",
                                                                  default_graph=DEFAULT_GRAPH))
        server.timings["fixture"] = time.monotonic() - started
        yield server
    finally:
        # what this run cost (fixture, push, each question on Virtuoso), for the decision record
        (folder / "timings.json").write_text(json.dumps(server.timings, indent=1, ensure_ascii=False), "utf-8")
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
    assert not _port_open(http_port) and not _port_open(sql_port), "a stopped Virtuoso still listens"


@pytest.fixture(scope="module")
def data_root(tmp_path_factory) -> Path:
    """A private copy of the data that both stores are built from (the checkout may change meanwhile)."""
    root = tmp_path_factory.mktemp("data")
    for folder in ("ontology", "graph_data"):
        shutil.copytree(REPO / folder, root / folder)
    return root


@dataclass
class Pushed:
    """What `kg push` said and how long it took."""

    stdout: str
    seconds: float

    def sent(self) -> dict[str, int]:
        """Triples sent per graph, read from the command's output ("sent N triples to G")."""
        found = re.findall(r"^sent (\d+) triples to (?:<(\S+)>|the default graph)$", self.stdout, re.M)
        return {graph or "default": int(n) for n, graph in found}


@pytest.fixture(scope="module")
def pushed(virtuoso: Virtuoso, data_root: Path, tmp_path_factory) -> Pushed:
    """The build, pushed by `kg push` to Virtuoso's Graph Store endpoint (default graph and each layer)."""
    started = time.monotonic()
    done = run_kg("push", virtuoso.crud, root=data_root, build=tmp_path_factory.mktemp("build"))
    assert done.returncode == 0, f"kg push failed:\n{done.stderr}\n{virtuoso.log()}"
    result = Pushed(done.stdout, time.monotonic() - started)
    virtuoso.timings["push"] = result.seconds
    return result


@pytest.fixture(scope="module")
def stores(pushed: Pushed, virtuoso: Virtuoso, data_root: Path) -> tuple[kg.KnowledgeGraph, kg.KnowledgeGraph]:
    """The embedded store (built from the same copy of the data) and Virtuoso, both through ``kg.load``."""
    with environment("KG_ROOT", str(data_root)):
        local = kg.load()
    return local, kg.load(store=f"sparql:{virtuoso.sparql}")


# --------------------------------------------------------------------------------------------
# Comparing answers


def _rows(result: kg.QueryResult) -> list[list[str]]:
    """The rows as `kg query --format csv` writes them (header first)."""
    return list(csv.reader(io.StringIO(result.to_csv())))


def _column(result: kg.QueryResult, name: str) -> int:
    return result.columns.index(name)


def _others_equal(expected: list[list[str]], got: list[list[str]], skip: int) -> None:
    """Every cell but column *skip* is the same, row by row (order included)."""
    assert len(expected) == len(got)
    for e, g in zip(expected, got, strict=True):
        assert e[:skip] + e[skip + 1:] == g[:skip] + g[skip + 1:], (e, g)


def boolean_as_integer(column: str) -> Callable[..., None]:
    """Virtuoso gives the value of a comparison (``MAX(?x) = 1``) as an xsd:integer 0 or 1, not an xsd:boolean."""

    def explain(expected: kg.QueryResult, got: kg.QueryResult, _local: kg.KnowledgeGraph) -> None:
        i = _column(expected, column)
        assert {row[i].datatype for row in got.rows} == {XSD.integer}
        assert {row[i].datatype for row in expected.rows} == {XSD.boolean}
        mapped = [row[:i] + ({"True": "1", "False": "0"}[row[i]],) + row[i + 1:]
                  for row in map(tuple, _rows(expected)[1:])]
        assert mapped == [tuple(row) for row in _rows(got)[1:]]

    return explain


def integer_division(expected: kg.QueryResult, got: kg.QueryResult, _local: kg.KnowledgeGraph) -> None:
    """``ROUND(1000 * COUNT(…) / COUNT(…)) / 10``: Virtuoso divides integers as integers (SPARQL: xsd:decimal)."""
    (members, dead, executed, percent), = _rows(expected)[1:]
    assert Decimal(percent) == (Decimal(1000 * int(dead)) / int(members)).quantize(0, ROUND_HALF_UP) / 10
    assert _rows(got)[1:] == [[members, dead, executed, str(1000 * int(dead) // int(members) // 10)]]


def date_difference_in_seconds(expected: kg.QueryResult, got: kg.QueryResult, _local: kg.KnowledgeGraph) -> None:
    """``?executed - ?sentenced`` on two xsd:dates: rdflib and Oxigraph give a duration ("P1D"), Virtuoso a number
    of seconds ("86400"); the question then reads the digits between the first and the last character ("640"),
    and for the same day ("0") casts the empty string, which Virtuoso makes 0."""
    e, g = _rows(expected)[1:], _rows(got)[1:]
    i = _column(expected, "days")
    _others_equal(e, g, i)
    for erow, grow in zip(e, g, strict=True):
        seconds = str(int(erow[i]) * 86400)
        assert grow[i] == str(int(seconds[1:-1] or "0")), (erow, grow)


def concat_with_unbound(expected: kg.QueryResult, got: kg.QueryResult, _local: kg.KnowledgeGraph) -> None:
    """``COALESCE(CONCAT("p. ", STR(?page), …), CONCAT("ch. ", …), …)``: a CONCAT over an unbound value is an
    error in SPARQL (so COALESCE takes the next locator) and the empty string in Virtuoso, so every citation
    ends in "p. …"; and the en dash of ``CONCAT("–", STR(?page_end))``, a string built in the query and taken
    by MIN in a grouped sub-query, comes back as "?" (Virtuoso turns every non-ASCII character of such a
    string into "?"). For the same reason the surname keys that order a work's authors are all "?" for Cyrillic
    names, so two Russian authors may come in the other order ("Марк Янсен and Никита Петров")."""
    e, g = _rows(expected)[1:], _rows(got)[1:]
    i = _column(expected, "citation")
    assert sorted(r[:i] + r[i + 1:] for r in e) == sorted(r[:i] + r[i + 1:] for r in g)
    citations = {r[0]: r[i] for r in e}
    for row in g:
        mine = citations[row[0]]
        found = re.fullmatch(r"(.*), p\. (\d*)\?(\d*)", row[i])
        assert found, row[i]
        stem, page, page_end = found.groups()
        stem = _authors_as_in(mine, stem)
        if page:
            assert mine == f"{stem}, p. {page}" + (f"–{page_end}" if page_end else ""), (mine, row[i])
        else:
            assert mine == stem or mine.startswith((f"{stem}, ", f"{stem}: ")), (mine, row[i])


def _authors_as_in(mine: str, theirs: str) -> str:
    """*theirs* with its leading author list in *mine*'s order, when the two lists hold the same names."""
    names = re.compile(r"^([^,]+ and [^,]+|[^,]+, [^,]+ and [^,]+), ")  # "A and B, " or "A, B and C, "
    a, b = names.match(mine), names.match(theirs)
    if a and b and sorted(re.split(r", | and ", a.group(1))) == sorted(re.split(r", | and ", b.group(1))):
        return a.group(1) + theirs[b.end(1):]
    return theirs


def unbound_join_variable(expected: kg.QueryResult, got: kg.QueryResult, local: kg.KnowledgeGraph) -> None:
    """``BIND (COALESCE(?own, ?inherited) AS ?tier) OPTIONAL { ?tier rdfs:label ?label … }`` for a source with
    no tier: in SPARQL the unbound ?tier is free in the OPTIONAL, which then binds it to *every* tier (rdflib
    and Oxigraph count such a source once per tier, and a statement resting only on it as resting on an
    original publication); Virtuoso keeps it unbound ("no tier", and an empty best tier)."""
    untiered = int(kg.run_query(local, """
        PREFIX mt: <https://w3id.org/moscow-trials/ontology#>
        PREFIX dcterms: <http://purl.org/dc/terms/>
        SELECT (COUNT(DISTINCT ?source) AS ?n) WHERE {
          ?source a mt:Source .
          FILTER NOT EXISTS { ?source mt:tier ?tier } FILTER NOT EXISTS { ?source dcterms:isPartOf/mt:tier ?tier } }
        """).rows[0][0])
    tiers = 4
    mine = {(m, item): int(n) for m, item, n in _rows(expected)[1:]}
    theirs = {(m, item): int(n) for m, item, n in _rows(got)[1:]}
    per_tier = "sources per tier"
    assert theirs.pop((per_tier, "no tier"), 0) == untiered
    assert mine.pop((per_tier, "no tier"), 0) == 0
    for key in [k for k in mine if k[0] == per_tier]:
        assert mine.pop(key) == theirs.pop(key) + untiered, key
    best = "established statements by best tier"
    unranked = theirs.pop((best, ""), 0)
    assert mine.pop((best, "original publication")) == theirs.pop((best, "original publication")) + unranked
    assert mine == theirs
    assert len([k for k in _rows(expected)[1:] if k[0] == per_tier]) == tiers


def refused(message: str) -> Callable[..., None]:
    """Virtuoso cannot compile the question: it answers HTTP 500 with *message*."""

    def explain(expected: kg.QueryResult, got: kg.QueryResult | Exception, _local: kg.KnowledgeGraph) -> None:
        assert isinstance(got, kg.KGError) and message in str(got), got

    return explain


@dataclass(frozen=True)
class Difference:
    """How one question's answer on Virtuoso differs from the embedded store's, and why."""

    why: str
    explain: Callable[..., None]
    #: False where the difference shows only while the data holds such a case (it may vanish with a fix)
    always: bool = True


#: Every named question whose answer on Virtuoso differs. Any other question must give the same rows in
#: the same order. The reasons, at more length: docs/decisions/20261206-virtuoso.md.
DIFFERENCES: dict[str, Difference] = {
    "accusers": Difference("a comparison's value comes back as xsd:integer 0/1", boolean_as_integer("retraction")),
    "named-in-court": Difference("a comparison's value comes back as xsd:integer 0/1", boolean_as_integer("retraction")),
    "cc1934-dead-by-1940": Difference("integer division truncates (71 for 71.2)", integer_division),
    "days-to-execution": Difference("xsd:date minus xsd:date is seconds, not a duration", date_difference_in_seconds),
    "sources": Difference("CONCAT over an unbound value is not an error; en dash becomes ?", concat_with_unbound),
    "sources-summary": Difference("an unbound BIND variable stays unbound in a later OPTIONAL",
                                  unbound_join_variable, always=False),
    "cc1917-fates": Difference("Virtuoso 7.2.5's optimizer fails on it (SQ156)",
                               refused("SQ156: Internal Optimized compiler error")),
    "timeline": Difference("it groups by more than 20 variables (SQ186)", refused("SQ186: Over 20 keys in group by")),
}


def _cases() -> list[tuple[str, dict[str, str]]]:
    return [(q.name, params) for q in kg.list_questions() for params in PARAMS.get(q.name, [{}])]


CASES = _cases()


# --------------------------------------------------------------------------------------------
# Tests


def test_every_question_with_a_required_parameter_has_values_here():
    for question in kg.list_questions():
        if any(p.required for p in question.params):
            assert question.name in PARAMS, f"give {question.name!r} parameter values in PARAMS"
    assert set(DIFFERENCES) <= {q.name for q in kg.list_questions()}, "a difference names no question"


def test_push_fills_the_default_graph_and_each_layer(pushed, virtuoso):
    sent = pushed.sent()
    assert set(sent) == {"default", *(f"https://w3id.org/moscow-trials/graph/{layer}"
                                      for layer in ("ontology", "curated", "established", "alleged"))}
    counts = {row["g"]: int(row["n"]) for row in virtuoso.select(
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")}
    for graph, n in sent.items():
        assert counts[DEFAULT_GRAPH if graph == "default" else graph] == n, graph
    # a query that names no graph sees the default graph only, not the union of the layers
    assert int(virtuoso.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")[0]["n"]) == sent["default"]


def test_a_second_push_replaces_the_graph(pushed, virtuoso, data_root, tmp_path):
    again = run_kg("push", virtuoso.crud, "--no-layers", root=data_root, build=tmp_path / "build")
    assert again.returncode == 0, again.stderr
    assert int(virtuoso.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")[0]["n"]) == pushed.sent()["default"]


@pytest.mark.parametrize("name", sorted({name for name, _ in CASES}))
def test_every_named_question_gives_the_same_rows_or_a_documented_difference(stores, virtuoso, name):
    local, remote = stores
    difference = DIFFERENCES.get(name)
    differed = False
    for params in [p for n, p in CASES if n == name]:
        expected = kg.run_query(local, name, params)
        started = time.monotonic()
        try:
            got: kg.QueryResult | Exception = kg.run_query(remote, name, params)
        except kg.KGError as exc:
            got = exc
        virtuoso.timings[f"question {name} {params}"] = time.monotonic() - started
        if not isinstance(got, Exception) and got.columns == expected.columns and _rows(got) == _rows(expected):
            continue
        differed = True
        assert difference is not None, (
            f"{name} {params} differs on Virtuoso: " + (str(got)[:500] if isinstance(got, Exception) else
            f"{len(got)} rows, expected {len(expected)}; first different rows: "
            f"{list((Counter(map(tuple, _rows(got))) - Counter(map(tuple, _rows(expected)))).elements())[:3]}"))
        if not isinstance(got, Exception):
            assert got.columns == expected.columns
        difference.explain(expected, got, local)
    if difference is not None and difference.always:
        assert differed, f"{name} now gives the same rows on Virtuoso: remove it from DIFFERENCES and the decision record"


@pytest.mark.parametrize("args", [
    ("trials",),
    ("defendants", "-p", "trial", "trial:1936-sixteen"),
    ("person", "-p", "person", "Зиновьев"),
    ("cc1934-dead-by-1940",),
], ids=lambda args: "-".join(args[:1] + args[3:]))
def test_kg_query_on_the_endpoint_writes_the_csv_of_the_embedded_store(stores, virtuoso, data_root, args):
    local, _ = stores
    params = dict(zip(args[2::3], args[3::3], strict=True))
    done = run_kg("query", *args, "--store", f"sparql:{virtuoso.sparql}", "--format", "csv", root=data_root)
    assert done.returncode == 0, done.stderr
    expected = kg.run_query(local, args[0], params)
    if args[0] in DIFFERENCES:
        got = list(csv.reader(io.StringIO(done.stdout)))
        assert got != _rows(expected) and got[0] == _rows(expected)[0]
    else:
        assert done.stdout == expected.to_csv().replace("\r\n", "\n")  # text mode reads CRLF as \n


#: One SPARQL expression per behaviour behind DIFFERENCES, asked of both engines: (what the embedded store
#: gives, what Virtuoso gives), as N-Triples-like strings of the one row's cells.
PROBES = {
    "integer division": ("SELECT (1000 * 42 / 59 AS ?x) WHERE {}",
                         '"711.864406779661016949"^^<http://www.w3.org/2001/XMLSchema#decimal>',
                         '"711"^^<http://www.w3.org/2001/XMLSchema#integer>'),
    "a comparison's type": ("SELECT (2 = 1 AS ?x) WHERE {}",
                            '"false"^^<http://www.w3.org/2001/XMLSchema#boolean>',
                            '"0"^^<http://www.w3.org/2001/XMLSchema#integer>'),
    "date minus date": ('SELECT (STR("1936-08-25"^^<http://www.w3.org/2001/XMLSchema#date> - '
                        '"1936-08-24"^^<http://www.w3.org/2001/XMLSchema#date>) AS ?x) WHERE {}', '"P1D"', '"86400"'),
    "CONCAT over an unbound value": ('SELECT (COALESCE(CONCAT("p. ", STR(?unbound)), "none") AS ?x) WHERE {}',
                                     '"none"', '"p. "'),
    "MIN over a string built in the query, grouped": (
        'SELECT (MIN(?built) AS ?x) WHERE { VALUES ?n { 1 } BIND (CONCAT("–é", STR(?n)) AS ?built) } GROUP BY ?n',
        '"–é1"', '"??1"'),
    "an unbound BIND variable in a later OPTIONAL": (
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> SELECT (COUNT(?notation) > 0 AS ?x) "
        "WHERE { BIND (?nothing AS ?tier) OPTIONAL { ?tier skos:notation ?notation } }",
        '"true"^^<http://www.w3.org/2001/XMLSchema#boolean>', '"0"^^<http://www.w3.org/2001/XMLSchema#integer>'),
}


@pytest.mark.parametrize("probe", sorted(PROBES))
def test_each_documented_behaviour_shows_in_one_expression(stores, probe):
    text, mine, theirs = PROBES[probe]
    local, remote = stores
    for graph, want in ((local, mine), (remote, theirs)):
        (cell,), = kg.run_query(graph, text).rows
        assert isinstance(cell, Literal) and cell.n3() == want, (probe, cell)
