"""Every store gives the same answers: questions, checks, projections, derived layers and exports.

On the real data the default store (one Oxigraph store in memory) is compared with a persistent Oxigraph
store (``oxigraph:PATH``), which is built and reused by a different path (fingerprint, named graphs on
disk). The comparison with rdflib's own engine (``KG_ENGINE=rdflib``, the reference) runs on the small
fixture, byte for byte, in ``tests/test_one_graph.py`` (issue 16: the reference is not paid for on every
test). Rows are compared as sets, and inside a cell the items of a GROUP_CONCAT list as a sorted list.
Graphs are compared as isomorphic graphs.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from kg.display.network import project
from kg.graph import stores
from kg.graph.loader import load
from kg.graph.validation import validate
from kg.outputs.exports import LAYERS, layer_graph, serialize
from kg.sparql import engine
from kg.sparql.questions import list_questions, run_query

QUESTIONS = list_questions()
PARAMETERLESS = [q for q in QUESTIONS if not any(p.required for p in q.params)]
CASES = [(q.name, {}) for q in PARAMETERLESS] + [("defendants", {"trial": "trial:1936-sixteen"}),
                                                   ("person", {"person": "Зиновьев"}), ("people", {"name": "ov"})]


@pytest.fixture(scope="session")
def ox_kg(tmp_path_factory):
    """The real graph, built into a persistent Oxigraph store."""
    return load(store=f"oxigraph:{tmp_path_factory.mktemp('oxigraph') / 'store'}")


def _cell(value):
    if isinstance(value, str):
        return tuple(sorted(re.split(r"\s+\|\s+|;\s+|\s+", value)))
    return value


def rowset(result) -> set[tuple]:
    return {tuple(_cell(v) for v in record.values()) for record in result.records()}


def _csv_rows(text: str) -> set[tuple]:
    import csv
    import io

    return {tuple(_cell(v) for v in row) for row in csv.reader(io.StringIO(text))}


def _same_graph(expected: Graph, actual: Graph) -> None:
    if not isomorphic(expected, actual):
        _both, only_expected, only_actual = graph_diff(to_isomorphic(expected), to_isomorphic(actual))
        pytest.fail(f"graphs differ\nonly in the first:\n{only_expected.serialize(format='nt')[:2000]}\n"
                    f"only in the second:\n{only_actual.serialize(format='nt')[:2000]}")


@pytest.mark.parametrize("name,params", CASES, ids=[f"{n}{'-' + '-'.join(p) if p else ''}" for n, p in CASES])
def test_every_question_gives_the_same_rows_on_every_store(real_kg, ox_kg, name, params):
    memory = run_query(real_kg, name, params)
    persistent = run_query(ox_kg, name, params)
    assert memory.columns == persistent.columns
    assert rowset(persistent) == rowset(memory), f"{name}: the persistent Oxigraph store differs from memory"
    assert len(memory) == len(persistent)


def test_the_checks_and_shapes_agree(real_kg, ox_kg):
    assert validate(ox_kg).violations == validate(real_kg).violations


@pytest.mark.parametrize("view", ["overview", "testimony"])
def test_projections_agree(real_kg, ox_kg, view):
    def shape(net):
        return ({(n, repr(sorted(d.items()))) for n, d in net.nodes(data=True)},
                {(u, v, k, repr(sorted(d.items()))) for u, v, k, d in net.edges(keys=True, data=True)})

    assert shape(project(ox_kg, view=view)) == shape(project(real_kg, view=view))


def test_the_persistent_store_holds_the_same_layers(real_kg, ox_kg):
    for layer in ("curated", "established", "alleged"):
        _same_graph(real_kg.layers[layer], stores.graph_to_memory(ox_kg.layers[layer]))


@pytest.mark.parametrize("fmt,parse_as", [("turtle", "turtle"), ("nt", "nt"), ("json-ld", "json-ld")])
@pytest.mark.parametrize("layer", LAYERS)
def test_every_export_is_the_same_graph_on_every_store(real_kg, ox_kg, fmt, parse_as, layer):
    memory = serialize(layer_graph(real_kg, layer), fmt)
    persistent = serialize(layer_graph(ox_kg, layer), fmt)
    assert memory == persistent, "the same build gives the same bytes from memory and from disk"
    Graph().parse(data=memory, format=parse_as)  # and an independent parser reads it


def test_a_persistent_store_is_reused_while_the_files_are_unchanged(tmp_path):
    said: list[str] = []
    location = tmp_path / "store"
    first = load(store=f"oxigraph:{location}", progress=said.append)
    again = load(store=f"oxigraph:{location}", progress=said.append)
    assert any("reused the build" in m for m in said)
    assert len(again.graph) == len(first.graph)
    assert (location / "CURRENT").exists(), "an Oxigraph (RocksDB) folder"


def test_a_changed_file_rebuilds_the_store_and_keeps_other_data(tmp_path, data_copy):
    import pyoxigraph as ox

    from kg.graph.loader import data_files

    location = tmp_path / "store"
    files = data_files(data_copy / "ontology", data_copy / "graph_data")
    load(files, store=f"oxigraph:{location}")
    inner = stores.open_oxigraph(location)
    extra = ox.Quad(ox.NamedNode("http://example.org/record/1"), ox.NamedNode("http://example.org/p"), ox.Literal("x"))
    inner.add(extra)
    person = next((data_copy / "graph_data" / "people").glob("*.ttl"))
    person.write_text(person.read_text(encoding="utf-8") + "\n# touched\n", encoding="utf-8")
    said: list[str] = []
    rebuilt = load(files, store=f"oxigraph:{location}", progress=said.append)
    assert not any("reused" in m for m in said)
    assert extra in inner, "data loaded beside the build survives a rebuild"
    assert len(rebuilt.graph) == len(load(files).graph) + 1


def test_parameters_are_bound_as_terms_not_pasted(real_kg):
    hostile = 'x" } } DROP ALL; SELECT * WHERE { ?s ?p ?o . FILTER ("'
    result = run_query(real_kg, "people", {"name": hostile})
    assert len(result) == 0
    text = engine.with_values("SELECT ?n WHERE { ?p <http://e/name> ?n }", {"n": Literal(hostile)})
    assert text.count("{") == 3 and '\\"' in text
    with pytest.raises(ValueError, match="Invalid IRI"):
        engine.with_values("SELECT ?n WHERE { ?p ?q ?n }", {"p": URIRef("http://e/a> <http://e/b")})


def test_a_variable_outside_the_select_list_is_bound_on_oxigraph(real_kg, ox_kg):
    # oxrdflib's initBindings raise for such a variable; the VALUES block does not
    rows = run_query(real_kg, "person", {"person": "person:grigory-zinoviev"})
    assert rowset(run_query(ox_kg, "person", {"person": "person:grigory-zinoviev"})) == rowset(rows)
    assert len(rows) > 5


def test_where_brace_finds_the_where_group():
    construct = 'PREFIX a: <http://e/#> CONSTRUCT { ?s a:p "WHERE {" } WHERE { ?s a:q ?o }'
    assert construct[engine._where_brace(construct):].startswith("{ ?s a:q")
    select = "# {not this}\nSELECT ?s (\"{\" AS ?x) WHERE { ?s ?p ?o }"
    assert select[engine._where_brace(select):].startswith("{ ?s ?p")


@pytest.mark.parametrize("spec,message", [("oxigraph", "names no folder"), ("sparql:ftp://x", "http"),
                                          ("postgres:db", "unknown store")])
def test_bad_store_specs_say_what_to_write(spec, message):
    with pytest.raises(stores.StoreError, match=message):
        stores.parse_spec(spec)


def test_cli_query_and_export_on_a_persistent_store(kg_cli, tmp_path: Path, build_dir):
    location = tmp_path / "store"
    memory = kg_cli("query", "trials", "--format", "csv")
    persistent = kg_cli("query", "trials", "--format", "csv", "--store", f"oxigraph:{location}")
    assert memory.returncode == persistent.returncode == 0, persistent.stderr
    assert _csv_rows(memory.stdout) == _csv_rows(persistent.stdout)
    done = kg_cli("export", "--format", "nt", "-o", str(tmp_path / "out.nt"), "--store", f"oxigraph:{location}")
    assert done.returncode == 0, done.stderr
    bad = kg_cli("query", "trials", "--store", "oxigraph")
    assert bad.returncode == 2 and "names no folder" in bad.stderr


def test_load_file_gives_the_same_graph_on_memory_and_oxigraph(tmp_path: Path):
    data = tmp_path / "people.nt"
    data.write_text('<urn:x:a> <urn:x:name> "Зиновьев"@ru .\n<urn:x:a> <urn:x:born> "1883"^^'
                    '<http://www.w3.org/2001/XMLSchema#gYear> .\n<urn:x:a> <urn:x:knows> _:b .\n',
                    encoding="utf-8")
    memory, persistent = stores.open_graph("memory"), stores.open_graph(f"oxigraph:{tmp_path / 'ox'}")
    assert stores.load_file(memory, data) == 3
    assert stores.load_file(persistent, data) == 3
    assert isomorphic(memory, stores.graph_to_memory(persistent))


def test_load_file_names_the_bad_file(tmp_path: Path):
    bad = tmp_path / "bad.nt"
    bad.write_text("<urn:x:a> <urn:x:p> .\n", encoding="utf-8")
    with pytest.raises(stores.StoreError, match="bad.nt"):
        stores.load_file(stores.open_graph(f"oxigraph:{tmp_path / 'ox'}"), bad)
    with pytest.raises(stores.StoreError, match="unknown RDF file suffix"):
        stores.load_file(stores.open_graph("memory"), tmp_path / "data.csv")


def test_a_bound_parameter_is_pushed_into_the_sub_queries_that_project_it():
    text = ("SELECT ?t ?n WHERE { ?x <urn:p> ?t . { SELECT ?t (COUNT(?y) AS ?n) WHERE { ?y <urn:q> ?t } GROUP BY ?t }"
            " { SELECT (?z AS ?t) WHERE { ?z <urn:r> ?w } } { SELECT ?w WHERE { ?w <urn:s> ?v } } }")
    bound = engine.with_values(text, {"t": URIRef("urn:trial")})
    # the outer group and the sub-query projecting ?t plainly; not the alias, not the one without ?t
    assert bound.count("VALUES (?t) { (<urn:trial>) }") == 2
    assert "WHERE { VALUES (?t) { (<urn:trial>) } ?y <urn:q> ?t }" in bound


@pytest.mark.parametrize("name", ["set-aside-for-facts.rq", "established-defendant-in.rq"])
def test_a_changed_derivation_file_rebuilds_the_store(tmp_path, data_copy, monkeypatch, name):
    """Every derivation file is part of a build's fingerprint, the set-aside file as much as the rules."""
    from kg.graph.loader import data_files

    monkeypatch.setenv("KG_ROOT", str(data_copy))
    location = tmp_path / "store"
    files = data_files(data_copy / "ontology", data_copy / "graph_data")
    load(files, store=f"oxigraph:{location}")
    said: list[str] = []
    load(files, store=f"oxigraph:{location}", progress=said.append)
    assert any("reused" in m for m in said)
    rule = data_copy / "ontology" / "derive" / name
    rule.write_text(rule.read_text(encoding="utf-8") + "\n# touched\n", encoding="utf-8")
    said.clear()
    load(files, store=f"oxigraph:{location}", progress=said.append)
    assert not any("reused" in m for m in said)
