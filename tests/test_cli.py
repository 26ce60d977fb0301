"""The `kg` command as a user meets it: real subprocesses, exit codes and messages."""

import csv
import io
import json
import re
import shutil
from pathlib import Path

import pytest

from kg.cli import COMMANDS, parser

from .conftest import run_kg

SIXTEEN = "trial:1936-sixteen"


def test_defendants_of_the_trial_of_the_sixteen_as_csv():
    done = run_kg("query", "defendants", "-p", "trial", SIXTEEN, "--format", "csv")
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert len(rows) == 16
    assert {"trial", "person", "sentence", "death_date", "rehabilitated", "sources"} <= set(rows[0])
    names = {r["name"] for r in rows}
    assert {"Grigory Zinoviev", "Lev Kamenev", "Ivan Nikitich Smirnov"} <= names
    for row in rows:
        assert row["trial"].endswith("/trial/1936-sixteen")
        assert row["sentence"] == "death", row
        assert row["death_date"].startswith("1936-08"), row
        assert row["sources"].startswith("http"), row


def test_defendants_without_a_parameter_lists_every_trial():
    done = run_kg("query", "defendants", "--format", "json")
    assert done.returncode == 0, done.stderr
    trials = {row["trial"] for row in json.loads(done.stdout)}
    assert len(trials) >= 2


def test_a_name_in_cyrillic_finds_the_person():
    done = run_kg("query", "person", "-p", "person", "Зиновьев")
    assert done.returncode == 0, done.stderr
    assert "accusation" in done.stdout and "alleged" in done.stdout


def test_queries_lists_summaries_and_parameters():
    done = run_kg("queries")
    assert done.returncode == 0
    assert "defendants\n    Defendants in the dock" in done.stdout
    assert "-p trial VALUE   (iri, optional)" in done.stdout


def test_unknown_question_lists_the_known_ones():
    done = run_kg("query", "defendant")
    assert done.returncode == 2
    assert "unknown question 'defendant'" in done.stderr and "defendants" in done.stderr and "trials" in done.stderr


def test_sparql_syntax_error_gives_the_position():
    done = run_kg("query", "-", stdin="SELECT ?x WHERE {\n  ?x ?y\n}\n")
    assert done.returncode == 2
    assert re.search(r"SPARQL syntax error in <stdin> at line \d+, column \d+", done.stderr), done.stderr


def test_query_from_stdin_and_from_a_file(tmp_path: Path):
    text = "SELECT (COUNT(*) AS ?n) WHERE { ?t a mt:Trial }\n"
    done = run_kg("query", "-", "--format", "json", stdin=text)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)[0]["n"] >= 1
    path = tmp_path / "count.rq"
    path.write_text(text, encoding="utf-8")
    assert json.loads(run_kg("query", str(path), "-f", "json").stdout) == json.loads(done.stdout)


def test_missing_unknown_and_ill_typed_parameters():
    done = run_kg("query", "person")
    assert done.returncode == 2 and "needs parameter person" in done.stderr
    done = run_kg("query", "defendants", "-p", "colour", "red")
    assert done.returncode == 2 and "has no parameter colour" in done.stderr
    done = run_kg("query", "person", "-p", "person", "Nobody Atall")
    assert done.returncode == 2 and "nothing in the graph is called 'Nobody Atall'" in done.stderr


def test_broken_turtle_names_file_and_line(data_copy: Path, tmp_path: Path):
    broken = data_copy / "graph_data" / "people" / "zz-broken.ttl"
    broken.write_text("@prefix mt: <https://w3id.org/moscow-trials/ontology#> .\n\nmt:x mt:y \"open\n",
                      encoding="utf-8")
    done = run_kg("validate", root=data_copy)
    assert done.returncode == 3
    assert f"{broken}:3: Turtle syntax error" in done.stderr


def test_a_failed_build_keeps_the_previous_outputs(data_copy: Path, tmp_path: Path, real_build):
    out = tmp_path / "build"
    shutil.copytree(real_build[0], out)  # a good build of the same data (data_copy is a copy of it)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert out / "moscow-trials.jsonld" in before and out / "network.html" in before
    # break the data: a person without a Russian label fails validation
    (data_copy / "graph_data" / "people" / "zz-nameless.ttl").write_text(
        "@prefix mt: <https://w3id.org/moscow-trials/ontology#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "<https://w3id.org/moscow-trials/id/person/zz> a mt:Person ; rdfs:label \"ZZ\"@en .\n", encoding="utf-8")
    second = run_kg("build", root=data_copy, build=out)
    assert second.returncode == 4
    assert "zz-nameless.ttl" in second.stderr and "Russian label" in second.stderr
    after = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before


def test_build_prints_counts_files_and_the_page(real_build):
    out, done = real_build  # `kg build` with KG_BUILD_DIR=out
    assert re.search(r"built \d+ triples from \d+ files in [\d.]+ s", done.stdout)
    assert re.search(r"Person\s+\d+", done.stdout) and re.search(r"Accusation\s+\d+", done.stdout)
    assert "network page: " in done.stdout and str(out / "network.html") in done.stdout
    assert "· parsed" in done.stderr  # progress goes to stderr


def test_export_to_stdout_and_to_a_file(tmp_path: Path):
    done = run_kg("export", "--format", "nt", "-o", "-")
    assert done.returncode == 0 and done.stdout.count(" .\n") > 1000
    target = tmp_path / "facts.ttl"
    done = run_kg("export", "--format", "turtle", "--layer", "established", "-o", str(target))
    assert done.returncode == 0 and target.read_text(encoding="utf-8").startswith("@prefix")
    done = run_kg("export", "--format", "rdfxml")
    assert done.returncode == 1 and "known formats" in done.stderr


def test_network_command_writes_a_page(tmp_path: Path):
    target = tmp_path / "t.html"
    done = run_kg("network", "--view", "testimony", "-o", str(target))
    assert done.returncode == 0, done.stderr
    assert target.is_file() and re.search(r"\(\d+ nodes, \d+ edges\)", done.stdout)
    done = run_kg("network", "--view", "everything")
    assert done.returncode == 1 and "known views" in done.stderr


def test_unwritable_output_is_a_clear_error(tmp_path: Path):
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    done = run_kg("query", "trials", "-o", str(blocker / "sub" / "out.csv"))
    assert done.returncode == 1 and "error" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_has_help_with_an_example(command):
    done = run_kg(command, "--help")
    assert done.returncode == 0
    assert "example:" in done.stdout and "kg " + command in done.stdout


def test_every_command_is_documented_in_the_readme():
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    for command in COMMANDS:
        assert f"kg {command}" in readme, f"`kg {command}` is not in README.md"
    assert parser().prog == "kg"


def test_contradictions_on_a_data_copy_with_a_claim(data_copy: Path):
    """`kg contradictions` reports, from the data, a claim that an established death makes impossible."""
    (data_copy / "graph_data" / "zz-claim.ttl").write_text(
        "@prefix mt: <https://w3id.org/moscow-trials/ontology#> .\n"
        "@prefix person: <https://w3id.org/moscow-trials/id/person/> .\n"
        "@prefix src: <https://w3id.org/moscow-trials/id/source/> .\n"
        "@prefix prov: <http://www.w3.org/ns/prov#> .\n"
        "<https://w3id.org/moscow-trials/id/statement/zz-claim> a mt:EventClaim ; mt:eventKind mt:Meeting ;\n"
        "  mt:participant person:grigory-zinoviev ; mt:edtf \"1937-06\" ; mt:assertedBy person:andrey-vyshinsky ;\n"
        "  mt:description \"a test meeting after his execution\"@en ; mt:status mt:Alleged ;\n"
        "  prov:wasDerivedFrom src:seed-article .\n", encoding="utf-8")
    done = run_kg("contradictions", "--format", "json", root=data_copy)
    assert done.returncode == 0, done.stderr
    rows = [r for r in json.loads(done.stdout) if r["claim"].endswith("zz-claim")]
    assert [r["rule"] for r in rows] == ["participant-dead"]
    assert "Grigory Zinoviev" in rows[0]["explanation"] and rows[0]["evidence_sources"].startswith("http")


def test_article_report_shows_the_recomputed_figure_beside_the_claim(data_copy: Path):
    (data_copy / "graph_data" / "zz-article.ttl").write_text(
        "@prefix mt: <https://w3id.org/moscow-trials/ontology#> .\n"
        "@prefix src: <https://w3id.org/moscow-trials/id/source/> .\n"
        "@prefix prov: <http://www.w3.org/ns/prov#> .\n"
        "<https://w3id.org/moscow-trials/id/statement/zz-seed> a mt:ArticleClaim ;\n"
        "  mt:claimText \"Test: the trials, counted\"@en ; mt:claimedValue \"10\" ; mt:grade mt:Unverified ;\n"
        "  mt:recomputedBy \"sentences\" ; mt:status mt:Alleged ; prov:wasDerivedFrom src:seed-article .\n",
        encoding="utf-8")
    done = run_kg("article", "--format", "json", root=data_copy)
    assert done.returncode == 0, done.stderr
    row = next(r for r in json.loads(done.stdout) if r["claim_iri"].endswith("zz-seed"))
    assert row["claimed_value"] == "10" and row["grade"] == "unverified"
    assert "penalty=death" in row["computed_from_data"] and "trial=trial:1936-sixteen" in row["computed_from_data"]


def test_user_sparql_cannot_reach_hosts_from_the_command_line():
    done = run_kg("query", "-", stdin="SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }\n")
    assert done.returncode == 2 and "SERVICE <http://127.0.0.1:9/sparql>" in done.stderr
    assert "--allow-remote" in done.stderr
