"""Issue 18: facts only by derivation, and the other data failures (surrogates, relative IRIs, EDTF).

Each test here failed before its fix: a derived or alleged-only triple typed in a data file loaded
and reached the facts-only export; an undeclared property on a person validated; the leak check read
only the derived part of the established layer; a lone surrogate loaded (and broke every export
later); a relative IRI published a ``file:///`` path; full-width digits were taken as a date and a
valid EDTF season was refused.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SH

from kg import paths
from kg.dates import edtf_bounds
from kg.errors import DataSyntaxError
from kg.graph.derive import DATE_BOUND_PROPERTIES, alleged_only, rule_files, rule_predicates
from kg.graph.loader import line_of_triple, load
from kg.graph.validation import validate
from kg.namespaces import MT, PERSON

from .conftest import FIXTURE

PREFIXES = (
    "@prefix mt: <https://w3id.org/moscow-trials/ontology#> .\n"
    "@prefix person: <https://w3id.org/moscow-trials/id/person/> .\n"
    "@prefix trial: <https://w3id.org/moscow-trials/id/trial/> .\n"
    "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
    "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
)
ONTOLOGY = Graph().parse(paths.ONTOLOGY_FILE)
DERIVED = sorted(ONTOLOGY.subjects(RDF.type, MT.DerivedProperty))


def _write(tmp_path: Path, body: str, name: str = "extra.ttl") -> Path:
    path = tmp_path / name
    path.write_text(PREFIXES + body, encoding="utf-8")
    return path


@pytest.mark.parametrize("prop", DERIVED, ids=lambda p: p.split("#")[-1])
def test_every_derived_property_typed_in_a_data_file_fails_with_file_and_line(prop: URIRef, tmp_path: Path):
    local = prop.split("#")[-1]
    value = '"1936-08-25"^^xsd:date' if (prop, RDF.type, OWL.DatatypeProperty) in ONTOLOGY else "trial:test-first"
    extra = _write(tmp_path, f"\n# typed by hand\nperson:anna-alpha\n    rdfs:comment \"x\"@en ;\n    mt:{local} {value} .\n")
    with pytest.raises(DataSyntaxError) as info:
        load([paths.ONTOLOGY_FILE, FIXTURE, extra])
    assert info.value.path == extra and info.value.line == 10, str(info.value)
    assert f"mt:{local} on person:anna-alpha is derived by the build" in str(info.value)


def test_date_bounds_typed_by_hand_fail(tmp_path: Path):
    extra = _write(tmp_path, '<https://w3id.org/moscow-trials/id/statement/life--anna-alpha--birth> '
                             'mt:latest "1800-01-01"^^xsd:date .\n')
    with pytest.raises(DataSyntaxError, match=r"extra\.ttl:6: mt:latest on st:life--anna-alpha--birth is derived"):
        load([paths.ONTOLOGY_FILE, FIXTURE, extra])
    assert MT.latest in DATE_BOUND_PROPERTIES


def test_every_property_the_rules_write_is_declared_derived_in_the_ontology():
    """The loader reads its list from the ontology: a rule writing an undeclared property would slip by."""
    written = set()
    for layer in {layer for layer, _path in rule_files()}:
        written |= rule_predicates(layer)
    assert written and written <= set(DERIVED), sorted(written - set(DERIVED))


def test_alleged_only_properties_come_from_the_alleged_rules():
    assert alleged_only() == {MT.allegedlyGuiltyOf, MT.allegedlyMetWith, MT.allegedlyConspiredWith}
    assert not alleged_only() & rule_predicates("established")


def test_the_leak_check_reads_the_whole_established_layer():
    """A hand-typed alleged triple in the curated layer (how the loader can no longer put it there: e.g. a
    store filled by other means) is in the facts-only export, so the check must see it."""
    from kg.graph.stores import LAYER_GRAPHS

    kg = load([paths.ONTOLOGY_FILE, FIXTURE])
    assert not [v for v in validate(kg, checks=[]).violations if v.rule == "alleged-leak"]
    leak = (PERSON["anna-alpha"], MT.allegedlyMetWith, PERSON["boris-beta"])
    kg.dataset.add_rdflib([leak], None, LAYER_GRAPHS["curated"])  # written into the store, past the loader
    report = validate(kg, checks=[])
    leaks = [v for v in report.violations if v.rule == "alleged-leak"]
    assert leaks and "allegedlyMetWith" in leaks[0].message, str(report)


def test_a_closed_vocabulary_violation_names_the_file_and_line_of_the_triple(tmp_path: Path):
    extra = _write(tmp_path, "@prefix ex: <http://example.org/> .\n\nperson:anna-alpha\n"
                             "    rdfs:comment \"fine\"@en ;\n    ex:murdered person:boris-beta .\n")
    report = validate(load([paths.ONTOLOGY_FILE, FIXTURE, extra]))
    found = [v for v in report.violations if "PersonVocabulary" in v.rule]
    assert [v.file for v in found] == [f"{extra}:10"], str(report)


def test_the_closed_lists_agree_with_the_ontology():
    """Every entity property the ontology defines (not derived) is allowed on its class; no derived one is."""
    shapes = Graph().parse(paths.SHAPES_FILE)
    closed = {}
    for shape in shapes.subjects(SH.closed, None):
        allowed = set(Collection(shapes, shapes.value(shape, SH.ignoredProperties)))
        for cls in shapes.objects(shape, SH.targetClass):
            closed[cls] = allowed
    assert {MT.Person, MT.Organisation, MT.Place, MT.Trial, MT.Source, MT.ChargeType, MT.Copy} <= set(closed)
    for cls, allowed in closed.items():
        assert not allowed & set(DERIVED), (cls, allowed & set(DERIVED))
        supers = set(ONTOLOGY.transitive_objects(cls, RDFS.subClassOf))
        defined = {p for p, domain in ONTOLOGY.subject_objects(RDFS.domain) if domain in supers} - set(DERIVED)
        assert defined <= allowed, (cls, defined - allowed)


def test_line_of_triple_finds_the_predicate_after_its_subject(tmp_path: Path):
    path = _write(tmp_path, "person:a rdfs:label \"A\"@en ;\n    mt:defendantIn trial:t .\n"
                            "person:b rdfs:label \"B\"@en ;\n"
                            "    <https://w3id.org/moscow-trials/ontology#defendantIn> trial:t .\n")
    assert line_of_triple(path, PERSON.a, MT.defendantIn, URIRef("https://w3id.org/moscow-trials/id/trial/t")) == 7
    assert line_of_triple(path, PERSON.b, MT.defendantIn) == 9


def test_a_lone_surrogate_escape_is_refused_with_its_line(tmp_path: Path):
    extra = _write(tmp_path, '\nperson:anna-alpha rdfs:comment "fine" .\nperson:anna-alpha rdfs:comment "\\uDC00" .\n')
    with pytest.raises(DataSyntaxError, match="lone UTF-16 surrogate") as info:
        load([paths.ONTOLOGY_FILE, FIXTURE, extra])
    assert info.value.line == 8


def test_a_character_beyond_the_bmp_written_as_an_escape_is_fine(tmp_path: Path):
    extra = _write(tmp_path, 'person:anna-alpha rdfs:comment "\\U0001F600"@en .\n')
    kg = load([paths.ONTOLOGY_FILE, FIXTURE, extra], derive=False)
    assert any(str(o) == "\U0001F600" for o in kg.graph.objects(PERSON["anna-alpha"], RDFS.comment))


@pytest.mark.parametrize("written", ["<notes.html>", "<#me>", "<>", "<file:///etc/passwd>"])
def test_relative_and_file_iris_are_refused(written: str, tmp_path: Path):
    extra = _write(tmp_path, f"\nperson:anna-alpha rdfs:seeAlso {written} .\n")
    with pytest.raises(DataSyntaxError, match="relative IRI") as info:
        load([paths.ONTOLOGY_FILE, FIXTURE, extra], derive=False)
    assert info.value.line == 7
    assert written in str(info.value)


@pytest.mark.parametrize("text", ["１９３７", "1937-0８", "١٩٣٧", "1937-08-2５", "1937-13"])
def test_edtf_refuses_digits_that_are_not_ascii_and_months_that_do_not_exist(text: str):
    with pytest.raises(ValueError, match="not a valid EDTF date"):
        edtf_bounds(text)


@pytest.mark.parametrize(("text", "bounds"), [
    ("1937-21", (dt.date(1937, 3, 1), dt.date(1937, 5, 31))),     # spring
    ("1937-23", (dt.date(1937, 9, 1), dt.date(1937, 11, 30))),    # autumn
    ("1937-21/1937-22", (dt.date(1937, 3, 1), dt.date(1937, 8, 31))),
    ("1937-12", (dt.date(1937, 12, 1), dt.date(1937, 12, 31))),   # still a month
])
def test_edtf_seasons_are_accepted(text: str, bounds: tuple[dt.date, dt.date]):
    assert edtf_bounds(text) == bounds


def test_the_leak_check_works_on_a_persistent_store(tmp_path: Path):
    """Validation reads a memory copy of an Oxigraph build: the copy must hold the curated layer too, since
    the leak check now reads the whole facts-only layer (a KeyError before)."""
    kg = load([paths.ONTOLOGY_FILE, FIXTURE], store=f"oxigraph:{tmp_path / 'store'}")
    report = validate(kg)
    assert report.conforms, str(report)
