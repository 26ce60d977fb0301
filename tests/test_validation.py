"""Validation: the real data conforms; every shape and check has a counter-example that fails."""

import re
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SH

from kg import paths
from kg.graph.loader import load
from kg.graph.validation import check_files, validate

from .conftest import DATA, FIXTURE

INVALID = sorted((DATA / "invalid").glob("*.ttl"))


def _expectation(path: Path) -> str:
    match = re.search(r"^# expect: (.+)$", path.read_text(encoding="utf-8"), re.M)
    assert match, f"{path} has no '# expect:' line"
    return match.group(1).strip()


def test_real_data_conforms(real_kg):
    report = validate(real_kg)
    assert report.conforms, str(report)


def test_fixture_conforms(fixture_kg):
    report = validate(fixture_kg)
    assert report.conforms, str(report)


@pytest.mark.parametrize("example", INVALID, ids=lambda p: p.stem)
def test_counter_example_fails_with_its_violation(example: Path):
    expected = _expectation(example)
    report = validate(load([paths.ONTOLOGY_FILE, FIXTURE, example]))
    assert not report.conforms, f"{example.name} should not validate"
    texts = [f"{v.rule} {v.message}" for v in report.violations]
    assert any(expected in t for t in texts), f"expected {expected!r} among:\n" + "\n".join(texts)


def test_every_shape_and_check_has_a_counter_example():
    shapes = Graph().parse(paths.SHAPES_FILE)
    named = {shapes.namespace_manager.normalizeUri(s)
             for kind in (SH.NodeShape, SH.PropertyShape) for s in shapes.subjects(RDF.type, kind)
             if isinstance(s, URIRef)}
    expectations = " ".join(_expectation(p) for p in INVALID)
    # a node shape counts as covered when one of its property shapes is expected by message too
    uncovered = set()
    for shape in named:
        if shape in expectations:
            continue
        node = shapes.namespace_manager.expand_curie(shape)
        messages = {str(m) for p in shapes.objects(node, SH.property) for m in shapes.objects(p, SH.message)}
        if not any(any(e in m for m in messages) for e in expectations.split("  ") for e in [e]) and \
                not any(_expectation(p) in m for p in INVALID for m in messages):
            uncovered.add(shape)
    assert not uncovered, f"shapes without an invalid counter-example: {sorted(uncovered)}"
    checks = {p.stem for p in check_files()}
    assert checks <= {_expectation(p) for p in INVALID}, "every check needs a counter-example"


def test_violations_name_the_file_that_defines_the_node(tmp_path: Path):
    bad = tmp_path / "people.ttl"
    bad.write_text(
        "@prefix mt: <https://w3id.org/moscow-trials/ontology#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "<https://w3id.org/moscow-trials/id/person/x> a mt:Person ; rdfs:label \"X\"@en .\n",
        encoding="utf-8")
    report = validate(load([paths.ONTOLOGY_FILE, bad]))
    assert [v.file for v in report.violations] == [str(bad)]
    assert "person:x" in str(report) and "Russian label" in str(report)
