"""The synthetic generator: deterministic, streaming, in our ontology, and the named questions run on it."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from kg import paths
from kg.graph import stores
from kg.graph.synthetic import generate, write
from kg.sparql.questions import list_questions, run_query


def test_the_same_seed_gives_the_same_file_and_another_seed_another(tmp_path):
    a, b, c = tmp_path / "a.nt", tmp_path / "b.nt", tmp_path / "c.nt"
    n = write(a, 20_000, seed=3)
    write(b, 20_000, seed=3)
    write(c, 20_000, seed=4)
    assert a.read_bytes() == b.read_bytes() != c.read_bytes()
    assert 20_000 <= n < 20_100 and n == a.read_text(encoding="utf-8").count("\n")


def test_it_is_valid_n_triples_in_our_terms(tmp_path):
    quads = list(ox.parse(generate(10_000, seed=1).encode(), format=ox.RdfFormat.N_TRIPLES))
    mt = "https://w3id.org/moscow-trials/ontology#"
    types = {q.object.value for q in quads if q.predicate.value.endswith("#type")}
    assert {mt + c for c in ("Person", "Trial", "Accusation", "Sentence", "Death", "Rehabilitation", "Testimony",
                             "Arrest", "Birth", "Hearing", "ChargeType", "Source")} <= types
    labels = {q.object.language for q in quads if q.predicate.value.endswith("#label")}
    assert {"en", "ru"} <= labels


def test_the_named_questions_run_on_it(tmp_path):
    data = tmp_path / "synthetic.nt"
    write(data, 10_000, seed=1)
    graph = stores.open_graph(f"oxigraph:{tmp_path / 'store'}")
    graph.store._inner.bulk_load(path=str(paths.ONTOLOGY_FILE), format=ox.RdfFormat.TURTLE)
    graph.store._inner.bulk_load(path=str(data), format=ox.RdfFormat.N_TRIPLES)
    answered = {q.name: len(run_query(graph, q)) for q in list_questions() if not any(p.required for p in q.params)}
    assert answered["trials"] >= 30 and answered["defendants"] > 100 and answered["charges"] > 5
    assert answered["rehabilitations"] > 0 and answered["executions-by-month"] > 0


def test_the_cli_writes_a_file_and_says_how_far_it_is(kg_cli, tmp_path):
    done = kg_cli("synth", "--triples", "10000", "--seed", "2", "-o", str(tmp_path / "s.nt"))
    assert done.returncode == 0, done.stderr
    assert "wrote" in done.stdout and (tmp_path / "s.nt").stat().st_size > 500_000


@pytest.mark.slow
def test_fifty_million_triples_stream_in_constant_memory(tmp_path):
    import resource

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    n = write(tmp_path / "big.nt", 50_000_000, seed=1)
    grown_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert n >= 50_000_000 and grown_kb < 200_000
