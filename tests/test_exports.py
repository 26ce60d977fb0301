"""Exports round-trip to an isomorphic graph, also through independent parsers (pyld, pyoxigraph)."""

import json
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from kg.atomic import atomic_path, write_text_atomic
from kg.errors import KGError
from kg.namespaces import MT
from kg.outputs.exports import export, formats, json_ld_context, layer_graph, serialize


def _assert_same(expected: Graph, actual: Graph) -> None:
    if not isomorphic(expected, actual):
        _both, only_expected, only_actual = graph_diff(to_isomorphic(expected), to_isomorphic(actual))
        pytest.fail(f"graphs differ\nonly in original:\n{only_expected.serialize(format='nt')[:3000]}\n"
                    f"only in round trip:\n{only_actual.serialize(format='nt')[:3000]}")


@pytest.mark.parametrize("fmt,rdflib_format", [("turtle", "turtle"), ("nt", "nt"), ("json-ld", "json-ld"),
                                               ("json-ld-expanded", "json-ld")])
def test_round_trip_through_rdflib(real_kg, fmt, rdflib_format):
    data = serialize(real_kg.graph, fmt)
    _assert_same(real_kg.graph, Graph().parse(data=data, format=rdflib_format))


def test_json_ld_is_compacted_with_the_project_context_and_read_by_pyld(real_kg):
    from pyld import jsonld

    document = json.loads(serialize(real_kg.graph, "json-ld"))
    assert document["@context"] == json_ld_context()
    assert "@graph" in document
    nquads = jsonld.to_rdf(document, {"format": "application/n-quads"})
    _assert_same(real_kg.graph, Graph().parse(data=nquads, format="nquads"))


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_expanded_json_ld_has_no_context_and_is_read_by_pyld(real_kg, engine, monkeypatch):
    from pyld import jsonld

    monkeypatch.setenv("KG_ENGINE", engine)
    document = json.loads(serialize(real_kg.graph, "json-ld-expanded"))
    assert isinstance(document, list) and all("@context" not in node for node in document)
    nquads = jsonld.to_rdf(document, {"format": "application/n-quads"})
    _assert_same(real_kg.graph, Graph().parse(data=nquads, format="nquads"))


def test_turtle_is_read_by_oxigraph(real_kg):
    import pyoxigraph

    data = serialize(real_kg.graph, "turtle")
    quads = list(pyoxigraph.parse(data, format=pyoxigraph.RdfFormat.TURTLE))
    nt = "".join(f"{q.subject} {q.predicate} {q.object} .\n" for q in quads)
    _assert_same(real_kg.graph, Graph().parse(data=nt, format="nt"))


def test_export_writes_to_the_build_folder_by_default(fixture_kg, build_dir: Path):
    path = export(fixture_kg, "json-ld")
    assert path == build_dir / "moscow-trials.jsonld"
    path = export(fixture_kg, "ttl", layer="established")
    assert path == build_dir / "moscow-trials.established.ttl"


def test_unknown_format_and_layer(fixture_kg):
    with pytest.raises(KGError, match="known formats: json-ld, json-ld-expanded, nt, turtle"):
        export(fixture_kg, "rdfxml")
    with pytest.raises(KGError, match="layers: all, statements, established, alleged"):
        layer_graph(fixture_kg, "facts")
    assert {"turtle", "json-ld", "nt", "ttl", "jsonld"} <= set(formats())


def test_layers_keep_facts_and_claims_apart(fixture_kg):
    established = layer_graph(fixture_kg, "established")
    alleged = layer_graph(fixture_kg, "alleged")
    assert not list(established.triples((None, MT.allegedlyGuiltyOf, None)))
    assert not list(established.triples((None, MT.charge, None)))
    assert list(alleged.triples((None, MT.allegedlyGuiltyOf, None)))
    assert list(alleged.triples((None, MT.charge, None)))
    assert list(established.triples((None, MT.defendantIn, None)))


def test_a_failed_write_leaves_the_old_file_intact(tmp_path: Path):
    target = tmp_path / "out.ttl"
    write_text_atomic(target, "good\n")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half-writ", encoding="utf-8")
        raise RuntimeError("the serializer died")
    assert target.read_text(encoding="utf-8") == "good\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.ttl"], "no temporary file is left behind"
