"""One graph, one engine (issue 16): a build lives in one store, and the engine under it changes no byte.

The default build is one Oxigraph store seen through rdflib's ``Graph`` API; ``KG_ENGINE=rdflib`` puts
the same build in rdflib's pure-Python store, the reference. On the small fixture (the ontology, the
fixture persons and the contradiction claims) every output of ``kg build`` and ``kg site`` must be
byte-identical on both, and so must every named question's CSV. When the engine was switched, the real
graph's build was compared the same way against the previous code (``diff -r``: no file differed).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kg import paths
from kg.graph.dataset import Dataset
from kg.graph.loader import load
from kg.graph.stores import LAYER_GRAPHS
from kg.sparql.engine import engine_name
from kg.sparql.questions import list_questions, run_query

from .conftest import DATA, FIXTURE, environment, run_kg

CLAIMS = DATA / "claims" / "claims.ttl"


@pytest.fixture(scope="module")
def fixture_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data root holding the real ontology and the fixture graph as its graph_data/."""
    root = tmp_path_factory.mktemp("one-graph")
    shutil.copytree(paths.ONTOLOGY_DIR, root / "ontology")
    (root / "graph_data").mkdir()
    for path in (FIXTURE, CLAIMS):
        shutil.copy(path, root / "graph_data" / path.name)
    return root


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("command", ["build", "site"])
def test_every_output_is_byte_identical_on_both_engines(fixture_root: Path, tmp_path: Path, command: str,
                                                          monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    outputs = {}
    for engine in ("oxigraph", "rdflib"):
        monkeypatch.setenv("KG_ENGINE", engine)
        out = tmp_path / engine
        done = run_kg(command, "-o", str(out), "-q", root=fixture_root, build=tmp_path / f"build-{engine}")
        assert done.returncode == 0, done.stderr
        outputs[engine] = _files(out)
    assert len(outputs["oxigraph"]) >= 5
    assert sorted(outputs["oxigraph"]) == sorted(outputs["rdflib"])
    differ = [name for name in outputs["oxigraph"] if outputs["oxigraph"][name] != outputs["rdflib"][name]]
    assert differ == [], f"{command}: these outputs change with the engine: {differ}"


@pytest.fixture(scope="module")
def both_engines() -> dict[str, object]:
    files = [paths.ONTOLOGY_FILE, FIXTURE, CLAIMS]
    with environment("KG_ENGINE", "rdflib"):
        reference = load(files)
    return {"oxigraph": load(files), "rdflib": reference}


def test_the_default_is_one_oxigraph_store_and_the_reference_is_rdflib(both_engines):
    from oxrdflib.store import OxigraphStore
    from rdflib.plugins.stores.memory import Memory

    ox_kg, rdf_kg = both_engines["oxigraph"], both_engines["rdflib"]
    assert engine_name(ox_kg.graph) == "oxigraph" and engine_name(rdf_kg.graph) == "rdflib"
    assert isinstance(ox_kg.graph.store, OxigraphStore) and isinstance(rdf_kg.graph.store, Memory)
    # one store: the graph and every layer are views of the same dataset, nothing is kept in step
    for layer in ox_kg.layers.values():
        assert layer.store is ox_kg.graph.store
    assert {str(g.identifier) for g in ox_kg.layers.values()} == set(LAYER_GRAPHS.values())


def test_layers_and_graph_hold_the_same_triples_on_both_engines(both_engines):
    ox_kg, rdf_kg = both_engines["oxigraph"], both_engines["rdflib"]
    assert set(ox_kg.graph) == set(rdf_kg.graph)
    for name in LAYER_GRAPHS:
        assert set(ox_kg.layers[name]) == set(rdf_kg.layers[name]), name
    # the default graph is the union of the layers, and the derived layers are not empty
    union = set().union(*(set(layer) for layer in ox_kg.layers.values()))
    assert union == set(ox_kg.graph)
    assert len(ox_kg.layers["established"]) > 10 and len(ox_kg.layers["alleged"]) > 0


def test_plain_strings_stay_plain_through_the_rdflib_api(both_engines):
    from rdflib import Literal

    labels = {o for o in both_engines["oxigraph"].graph.objects() if isinstance(o, Literal) and o.language is None
              and o.datatype is None}
    assert labels, "plain strings come back as plain Literals, not as xsd:string"


@pytest.mark.parametrize("question", [q.name for q in list_questions() if not any(p.required for p in q.params)])
def test_every_question_gives_the_same_csv_on_both_engines(both_engines, question: str):
    answers = {engine: run_query(kg, question).to_csv() for engine, kg in both_engines.items()}
    assert answers["oxigraph"] == answers["rdflib"]


def test_what_was_set_aside_for_the_established_rules_is_back(both_engines):
    """The claims and the alleged layer are hidden from the established rules, then put back in the graph."""
    from kg.graph.derive import alleged_only
    from kg.namespaces import MT

    for kg in both_engines.values():
        claims = {s for s, status in kg.layers["curated"].subject_objects(MT.status) if status != MT.Established}
        assert claims
        for claim in claims:
            assert set(kg.layers["curated"].triples((claim, None, None))) <= set(kg.graph.triples((claim, None, None)))
        assert set(kg.layers["alleged"]) <= set(kg.graph)
        # and the established rules did not see them: nothing of the alleged world is in the fact layer
        only_alleged = alleged_only()
        assert only_alleged and not {p for _s, p, _o in kg.layers["established"]} & only_alleged


def test_a_dataset_writes_each_triple_to_the_graphs_it_is_given():
    from rdflib import URIRef

    for engine in ("oxigraph", "rdflib"):
        dataset = Dataset.for_engine(engine)
        triple = (URIRef("urn:x:a"), URIRef("urn:x:p"), URIRef("urn:x:b"))
        dataset.add_rdflib([triple], None, "urn:x:g")
        assert triple in dataset.graph() and triple in dataset.graph("urn:x:g")
        assert triple not in dataset.graph("urn:x:other")
        dataset.drop("urn:x:g")
        assert len(dataset.graph("urn:x:g")) == 0 and len(dataset.graph()) == 1


PARAMETERISED = [("defendants", {"trial": "trial:test-first"}), ("person", {"person": "person:boris-beta"}),
                 ("people", {"name": "a"})]


@pytest.mark.parametrize("question,params", PARAMETERISED, ids=[q for q, _ in PARAMETERISED])
def test_bound_parameters_give_the_same_csv_on_both_engines(both_engines, question: str, params: dict):
    answers = {engine: run_query(kg, question, params).to_csv() for engine, kg in both_engines.items()}
    assert answers["oxigraph"].count("\n") >= 2, "the fixture answers this question"
    assert answers["oxigraph"] == answers["rdflib"]


def test_checks_shapes_and_projections_agree_on_both_engines(both_engines):
    from kg.display.network import project
    from kg.graph.validation import validate

    ox_kg, rdf_kg = both_engines["oxigraph"], both_engines["rdflib"]
    assert validate(ox_kg).violations == validate(rdf_kg).violations
    for view in ("overview", "testimony"):
        ox_net, rdf_net = project(ox_kg, view=view), project(rdf_kg, view=view)
        assert sorted(ox_net.nodes(data=True), key=repr) == sorted(rdf_net.nodes(data=True), key=repr)
        assert sorted(ox_net.edges(keys=True, data=True), key=repr) == sorted(rdf_net.edges(keys=True, data=True),
                                                                               key=repr)
