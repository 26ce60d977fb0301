"""``--data PATH`` and ``kg.load(data=[...])``: a user's own RDF files joined to the curated graph.

The person below is made up (a test record in a test namespace), not a historical claim.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import kg
from kg.errors import DataSyntaxError
from kg.sparql.questions import run_query
from tests.conftest import run_kg

MT = "https://w3id.org/moscow-trials/ontology#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
PERSON = "https://example.org/test-records/person-1"

TURTLE = f"""@prefix mt: <{MT}> .
@prefix rdfs: <{RDFS}> .
<{PERSON}> a mt:Person ; rdfs:label "Ivan Zzyxov"@en , "Иван Ззыхов"@ru .
"""


@pytest.fixture()
def person_file(tmp_path: Path) -> Path:
    path = tmp_path / "records.ttl"
    path.write_text(TURTLE, encoding="utf-8")
    return path


def test_cli_query_sees_a_person_joined_with_data(person_file: Path, tmp_path: Path):
    done = run_kg("query", "people", "-p", "name", "zzyxov", "--format", "csv", "--data", str(person_file),
                  build=tmp_path / "build")
    assert done.returncode == 0, done.stderr
    assert PERSON in done.stdout and "Ivan Zzyxov" in done.stdout and "Иван Ззыхов" in done.stdout
    without = run_kg("query", "people", "-p", "name", "zzyxov", "--format", "csv", build=tmp_path / "build")
    assert without.returncode == 0 and PERSON not in without.stdout


def test_cli_names_a_bad_file_and_its_line(tmp_path: Path):
    bad = tmp_path / "broken-records.nt"
    bad.write_text(f'<{PERSON}> <{RDFS}label> "ok" .\n<{PERSON}> <{RDFS}label> .\n', encoding="utf-8")
    done = run_kg("query", "trials", "--data", str(bad), build=tmp_path / "build")
    assert done.returncode != 0
    assert "broken-records.nt:2" in done.stderr


def test_a_bad_turtle_file_is_named_with_its_line(tmp_path: Path):
    bad = tmp_path / "bad.ttl"
    bad.write_text(f"<{PERSON}> a <{MT}Person> .\n<{PERSON}> <{RDFS}label> \"x\" \n", encoding="utf-8")
    with pytest.raises(DataSyntaxError, match=r"bad\.ttl:\d+") as caught:
        kg.load(data=[bad])
    assert caught.value.path == bad and caught.value.line is not None


def test_unknown_suffix_and_missing_file_are_named(tmp_path: Path):
    (tmp_path / "records.csv").write_text("person,name\n", encoding="utf-8")
    with pytest.raises(DataSyntaxError, match=r"records\.csv: cannot tell the RDF format"):
        kg.load(data=[tmp_path / "records.csv"])
    with pytest.raises(DataSyntaxError, match=r"absent\.nt: no such file"):
        kg.load(data=[tmp_path / "absent.nt"])


def test_api_joins_n_triples_and_json_ld_files(tmp_path: Path):
    nt = tmp_path / "one.nt"
    nt.write_text(f'<{PERSON}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{MT}Person> .\n'
                  f'<{PERSON}> <{RDFS}label> "Ivan Zzyxov"@en .\n', encoding="utf-8")
    other = "https://example.org/test-records/person-2"
    jsonld = tmp_path / "two.jsonld"
    jsonld.write_text(json.dumps({"@id": other, "@type": MT + "Person",
                                  RDFS + "label": {"@value": "Pyotr Zzyxov", "@language": "en"}}), encoding="utf-8")
    graph = kg.load(data=[nt, jsonld])
    found = {str(r["person"]) for r in run_query(graph, "people", {"name": "Zzyxov"}).records()}
    assert found == {PERSON, other}
    assert len(graph.graph) == len(kg.load().graph) + 4


def test_data_may_carry_what_a_build_derives(tmp_path: Path):
    """kg synth output carries mt:defendantIn; curated files may not, a user's data may."""
    trial = "https://w3id.org/moscow-trials/id/trial/1936-sixteen"
    records = tmp_path / "synth.nt"
    records.write_text(f'<{PERSON}> <{MT}defendantIn> <{trial}> .\n', encoding="utf-8")
    graph = kg.load(data=[records])
    from rdflib import URIRef

    assert (URIRef(PERSON), URIRef(MT + "defendantIn"), URIRef(trial)) in graph.graph


def test_a_persistent_store_keeps_the_data_and_rebuilds_when_it_changes(person_file: Path, tmp_path: Path):
    store = f"oxigraph:{tmp_path / 'ox'}"
    said: list[str] = []
    first = kg.load(store=store, data=[person_file])
    assert [r["label"] for r in run_query(first, "people", {"name": "Zzyxov"}).records()] == ["Ivan Zzyxov"]
    kg.load(store=store, data=[person_file], progress=said.append)
    assert any("reused" in m for m in said)
    person_file.write_text(TURTLE.replace("Ivan", "Iwan"), encoding="utf-8")
    said.clear()
    changed = kg.load(store=store, data=[person_file], progress=said.append)
    assert not any("reused" in m for m in said)
    assert [r["label"] for r in run_query(changed, "people", {"name": "Zzyxov"}).records()] == ["Iwan Zzyxov"]


def test_a_persistent_store_joined_with_n_triples_is_built_in_place(tmp_path: Path):
    """A user's N-Triples goes into oxigraph:PATH without being staged in memory; the result is the memory build's."""
    records = tmp_path / "records.nt"
    person = f'<{PERSON}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{MT}Person> .\n'
    records.write_text(person + f'<{PERSON}> <{RDFS}label> "Ivan Zzyxov"@en .\n', encoding="utf-8")
    store = f"oxigraph:{tmp_path / 'ox'}"
    said: list[str] = []
    built = kg.load(store=store, data=[records])
    assert set(built.graph) == set(kg.load(data=[records]).graph)
    assert [r["label"] for r in run_query(built, "people", {"name": "Zzyxov"}).records()] == ["Ivan Zzyxov"]
    kg.load(store=store, data=[records], progress=said.append)
    assert any("reused" in m for m in said)
    records.write_text(person + f'<{PERSON}> <{RDFS}label> "Iwan Zzyxov"@en .\n', encoding="utf-8")
    rebuilt = kg.load(store=store, data=[records])
    assert [r["label"] for r in run_query(rebuilt, "people", {"name": "Zzyxov"}).records()] == ["Iwan Zzyxov"]
    assert set(rebuilt.graph) == set(kg.load(data=[records]).graph), "the old build's triples are gone"


def test_a_bad_line_in_n_triples_data_leaves_the_persistent_store_as_it_was(tmp_path: Path):
    records = tmp_path / "records.nt"
    records.write_text(f'<{PERSON}> <{RDFS}label> "Ivan Zzyxov"@en .\n', encoding="utf-8")
    store = f"oxigraph:{tmp_path / 'ox'}"
    kg.load(store=store, data=[records])
    from kg.graph.stores import open_oxigraph

    inner = open_oxigraph(tmp_path / "ox")
    before = {str(q) for q in inner}
    records.write_text(f'<{PERSON}> <{RDFS}label> "Ivan Zzyxov"@en .\n<{PERSON}> <{RDFS}label> "1936-02-30"^^'
                       '<http://www.w3.org/2001/XMLSchema#date> .\n', encoding="utf-8")
    with pytest.raises(DataSyntaxError, match=r"records\.nt.*line 2|records\.nt:2"):
        kg.load(store=store, data=[records])
    assert {str(q) for q in inner} == before, "the file was refused before the old build was cleared"
