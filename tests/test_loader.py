"""Loading: one path for everyone, clear errors naming file and line."""

from pathlib import Path

import pytest
from rdflib import Literal
from rdflib.namespace import XSD

from kg import paths
from kg.errors import DataSyntaxError, InvalidDataError
from kg.graph.loader import data_files, load, parse_turtle_file
from kg.namespaces import MT, PERSON, ST, TRIAL

PREFIX = "@prefix ex: <http://example.org/> .\n"


def test_data_files_are_the_ontology_then_graph_data_without_shapes():
    files = data_files()
    assert files[0] == paths.ONTOLOGY_FILE
    assert paths.SHAPES_FILE not in files
    assert all(f.suffix == ".ttl" for f in files)


def test_syntax_error_names_file_and_line(tmp_path: Path):
    bad = tmp_path / "bad.ttl"
    bad.write_text(PREFIX + "ex:a ex:b ex:c .\nex:a ex:b \"unterminated .\n", encoding="utf-8")
    with pytest.raises(DataSyntaxError) as info:
        parse_turtle_file(bad)
    assert info.value.line == 3
    assert str(info.value).startswith(f"{bad}:3: Turtle syntax error")


def test_unknown_prefix_names_the_line(tmp_path: Path):
    bad = tmp_path / "prefix.ttl"
    bad.write_text(PREFIX + "\n\nfoo:a ex:b ex:c .\n", encoding="utf-8")
    with pytest.raises(DataSyntaxError, match=r"prefix\.ttl:4: .*foo") as info:
        parse_turtle_file(bad)
    assert info.value.line == 4


def test_non_utf8_and_empty_files_are_named(tmp_path: Path):
    latin = tmp_path / "latin1.ttl"
    latin.write_bytes((PREFIX + 'ex:a ex:b "Bucharin, Nikolaï" .\n').encode("latin-1"))
    with pytest.raises(DataSyntaxError, match=r"latin1\.ttl:2: not valid UTF-8"):
        parse_turtle_file(latin)
    empty = tmp_path / "empty.ttl"
    empty.write_text("\n  \n", encoding="utf-8")
    with pytest.raises(DataSyntaxError, match=r"empty\.ttl: the file is empty"):
        parse_turtle_file(empty)


def test_impossible_date_names_statement_and_file(tmp_path: Path):
    bad = tmp_path / "date.ttl"
    bad.write_text(
        "@prefix mt: <https://w3id.org/moscow-trials/ontology#> .\n"
        "@prefix st: <https://w3id.org/moscow-trials/id/statement/> .\n"
        'st:x mt:edtf "1936-02-30" .\n', encoding="utf-8")
    with pytest.raises(InvalidDataError, match=r"date\.ttl.*st.*x.*1936-02-30"):
        load([paths.ONTOLOGY_FILE, bad])


def test_fixture_derives_date_bounds_and_layers(fixture_kg):
    g = fixture_kg.graph
    hearing = ST["test-first--hearing"]
    assert g.value(hearing, MT.earliest) == Literal("1936-08-19", datatype=XSD.date)
    assert g.value(hearing, MT.latest) == Literal("1936-08-24", datatype=XSD.date)
    established = fixture_kg.layers["established"]
    assert (PERSON["anna-alpha"], MT.defendantIn, TRIAL["test-first"]) in established
    assert (PERSON["fyodor-exile"], MT.defendantIn, TRIAL["test-first"]) not in established
    assert (PERSON["fyodor-exile"], MT.accusedInAbsentiaIn, TRIAL["test-first"]) in established
    assert (PERSON["anna-alpha"], MT.deathDate, Literal("1936-08-25", datatype=XSD.date)) in established
    assert (PERSON["anna-alpha"], MT.coDefendantOf, PERSON["boris-beta"]) in established
    assert (PERSON["boris-beta"], MT.testifiedAgainst, PERSON["anna-alpha"]) in established
    # a disputed death gives no fact-layer date
    assert established.value(PERSON["dmitri-delta"], MT.deathDate) is None


def test_no_charge_reaches_the_established_layer(fixture_kg):
    established = fixture_kg.layers["established"]
    assert not list(established.triples((None, MT.allegedlyGuiltyOf, None)))
    assert len(list(fixture_kg.layers["alleged"].triples((None, MT.allegedlyGuiltyOf, None)))) == 6
