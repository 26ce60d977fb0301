"""Named questions: headers, parsing, expected rows on the fixture, bound parameters, clear errors."""

import json

import pytest
from rdflib.plugins.sparql import prepareQuery

from kg.errors import ParameterError, QuerySyntaxError, UnknownQueryError
from kg.namespaces import DATA_PREFIXES
from kg.sparql.questions import list_questions, load_question, parse_question, resolve_iri, run_query

QUESTIONS = list_questions()


def test_there_are_questions_and_each_has_a_summary():
    names = {q.name for q in QUESTIONS}
    assert {"defendants", "trials", "person", "charges", "sources", "people"} <= names
    for q in QUESTIONS:
        assert q.summary, f"{q.name}.rq has no '#+ summary:' line"


@pytest.mark.parametrize("question", QUESTIONS, ids=lambda q: q.name)
def test_every_question_parses(question):
    prepareQuery(question.text, initNs=DATA_PREFIXES)


@pytest.mark.parametrize("question", [q for q in QUESTIONS if not any(p.required for p in q.params)],
                         ids=lambda q: q.name)
def test_every_parameterless_question_runs_on_the_real_graph(question, real_kg):
    result = run_query(real_kg, question)
    assert result.columns


def _by(rows, key):
    return {r[key]: r for r in rows}


def test_defendants_on_the_fixture(fixture_kg):
    rows = run_query(fixture_kg, "defendants").records(short=True)
    assert [r["person"] for r in rows] == ["person:anna-alpha", "person:boris-beta", "person:clara-gamma",
                                           "person:dmitri-delta"]
    by = _by(rows, "person")
    assert by["person:anna-alpha"]["sentence"] == "death"
    assert by["person:anna-alpha"]["death_date"] == "1936-08-25"
    assert by["person:anna-alpha"]["rehabilitated"] == "1988-06-13 (established)"  # each decision with its status
    assert by["person:boris-beta"]["sentence"] == "imprisonment (10 years)"
    assert by["person:clara-gamma"]["sentence"] == "unknown"
    # two sources disagree: both values are shown
    assert set(by["person:dmitri-delta"]["death_date"].split(" | ")) == {"1937-02-01", "1937-02-02"}
    assert set(by["person:anna-alpha"]["sources"].split()) == {"https://w3id.org/moscow-trials/id/source/test-encyclopaedia",
                                                               "https://w3id.org/moscow-trials/id/source/test-record"}
    # the accused in absentia is not in the dock
    assert "person:fyodor-exile" not in by


@pytest.mark.parametrize("value", ["trial:test-second", "test-second", "Second Test Trial", "второй тестовый процесс",
                                   "https://w3id.org/moscow-trials/id/trial/test-second"])
def test_trial_parameter_accepts_iri_prefixed_slug_and_name(fixture_kg, value):
    rows = run_query(fixture_kg, "defendants", {"trial": value}).records(short=True)
    assert [r["person"] for r in rows] == ["person:dmitri-delta"]


def test_trials_counts(fixture_kg):
    by = _by(run_query(fixture_kg, "trials").records(short=True), "trial")
    first = by["trial:test-first"]
    assert (first["defendants_recorded"], first["death_sentences"], first["accused_in_absentia"]) == (3, 1, 1)
    assert first["dates"] == "1936-08-19/1936-08-24" and first["venue"] == "Test Hall"
    assert by["trial:test-second"]["openness"] == "closed"


def test_person_lists_every_statement_in_date_order(fixture_kg):
    rows = run_query(fixture_kg, "person", {"person": "Альфа"}).records(short=True)
    kinds = [r["kind"] for r in rows]
    # the rehabilitation has no court recorded (no "detail"): it was dropped before issue 14's fix
    assert kinds[0] == "birth" and kinds[-2:] == ["death", "rehabilitation"]
    assert {"accusation", "plea", "sentence", "testimony", "office holding"} <= set(kinds)
    accusation = next(r for r in rows if r["kind"] == "accusation")
    assert accusation["status"] == "alleged"
    assert set(accusation["detail"].split("; ")) == {"test terror", "test spying"}


def test_charges_and_sources(fixture_kg):
    charges = run_query(fixture_kg, "charges").records(short=True)
    assert {(r["trial"], r["charge"], r["people"]) for r in charges} == {
        ("trial:test-first", "charge:test-terror", 4), ("trial:test-first", "charge:test-spying", 1),
        ("trial:test-second", "charge:test-spying", 1)}
    sources = _by(run_query(fixture_kg, "sources").records(short=True), "source")
    assert sources["src:test-record"]["statements"] == 8


def test_people_search_matches_any_spelling(fixture_kg):
    for needle in ("bêta", "BETA", "Бета"):
        rows = run_query(fixture_kg, "people", {"name": needle}).records(short=True)
        assert [r["person"] for r in rows] == ["person:boris-beta"], needle


def test_parameter_values_are_bound_never_pasted(fixture_kg):
    hostile = '" } } ; DROP ALL ; SELECT * WHERE { ?s ?p ?o . FILTER ("'
    rows = run_query(fixture_kg, "people", {"name": hostile})
    assert len(rows) == 0
    assert len(fixture_kg.graph) > 100  # nothing was dropped


def test_unknown_missing_and_ill_typed_parameters(fixture_kg):
    with pytest.raises(ParameterError, match="has no parameter colour; its parameters: trial"):
        run_query(fixture_kg, "defendants", {"colour": "red"})
    with pytest.raises(ParameterError, match="needs parameter person"):
        run_query(fixture_kg, "person")
    with pytest.raises(ParameterError, match="nothing in the graph is called 'Nobody Atall'"):
        run_query(fixture_kg, "person", {"person": "Nobody Atall"})
    question = parse_question("#+ param: n (integer): a number\nSELECT ?n WHERE {}\n", name="numbers")
    with pytest.raises(ParameterError, match="must be of type integer"):
        run_query(fixture_kg, question, {"n": "ten"})
    assert run_query(fixture_kg, question, {"n": "10"}).records() == [{"n": 10}]


def test_unknown_question_lists_the_known_ones():
    with pytest.raises(UnknownQueryError) as info:
        load_question("defendant")
    message = str(info.value)
    assert "Did you mean: defendants" in message and "trials" in message


def test_syntax_error_gives_the_position(fixture_kg):
    with pytest.raises(QuerySyntaxError, match=r"line 2, column \d+"):
        run_query(fixture_kg, parse_question("SELECT ?x\nWHERE { ?x ?y }\n", name="broken"))


def test_ambiguous_name_is_an_error(fixture_kg):
    with pytest.raises(ParameterError, match="nothing in the graph|ambiguous"):
        resolve_iri(fixture_kg.graph, "Test")


def test_result_formats(fixture_kg):
    result = run_query(fixture_kg, "trials")
    csv_text = result.to_csv()
    assert csv_text.splitlines()[0].startswith("trial,name,name_ru,dates")
    assert "https://w3id.org/moscow-trials/id/trial/test-first" in csv_text
    data = json.loads(result.to_json())
    assert data[0]["name_ru"] == "Первый тестовый процесс"
    assert "trial:test-first" in result.to_table()
    frame = result.to_dataframe()
    assert list(frame.columns) == result.columns and len(frame) == 2


def test_service_and_from_are_refused_for_user_queries(fixture_kg, tmp_path, monkeypatch):
    secret = tmp_path / "secret.ttl"
    secret.write_text("<urn:x:secret> <urn:x:is> \"the contents of a local file\" .\n", encoding="utf-8")
    reads_file = parse_question(f"SELECT ?o FROM <{secret.as_uri()}> WHERE {{ ?s ?p ?o }}\n", name="reads-file")
    with pytest.raises(QuerySyntaxError, match=r"FROM <file:.*secret\.ttl> would make the query read other graphs"):
        run_query(fixture_kg, reads_file)
    reaches_host = parse_question("SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }\n",
                                  name="reaches-host")
    with pytest.raises(QuerySyntaxError, match=r"SERVICE <http://127\.0\.0\.1:9/sparql> .*blocked"):
        run_query(fixture_kg, reaches_host)
    # with explicit permission the query is let through (the flag is the only gate)
    monkeypatch.setenv("KG_ENGINE", "rdflib")
    assert run_query(fixture_kg, reads_file, allow_remote=True).columns == ["o"]


@pytest.mark.parametrize("update", ["INSERT DATA { <urn:a> <urn:b> <urn:c> }", "LOAD <http://127.0.0.1:9/x.ttl>",
                                    "PREFIX ex: <urn:x:>\nDROP ALL"])
def test_updates_are_refused(fixture_kg, update):
    before = len(fixture_kg.graph)
    with pytest.raises(QuerySyntaxError, match="SPARQL Update"):
        run_query(fixture_kg, parse_question(update + "\n", name="update"))
    assert len(fixture_kg.graph) == before


def test_relatives_name_the_kinship_and_the_relative_s_fate(fixture_kg):
    rows = run_query(fixture_kg, "relatives").records(short=True)
    assert [(r["person"], r["kinship"], r["relative"], r["relative_arrested"]) for r in rows] == [
        ("person:dmitri-delta", "spouse", "person:clara-gamma", "1937-03")]
    assert rows[0]["sources"].startswith("http")
    assert run_query(fixture_kg, "relatives", {"person": "Anna Alpha"}).records() == []


@pytest.mark.parametrize("question", list_questions(), ids=lambda q: q.name)
def test_every_shipped_question_parses_in_rdflib_and_reads_only_this_graph(question):
    """Shipped questions skip rdflib's parser on Oxigraph (kg.sparql.questions._shipped): this is what allows it."""
    from kg.sparql.questions import _prepare, _shipped

    assert _shipped(question)
    _prepare(question)  # raises on a syntax error, on SERVICE / FROM, or on an update
