"""The library of named questions: each one returns known rows on the fixture (+ its claims)."""

from pathlib import Path

import pytest

from kg import paths
from kg.graph.loader import load
from kg.sparql.questions import list_questions, run_query

from .conftest import DATA, FIXTURE

CLAIMS = DATA / "claims" / "claims.ttl"


@pytest.fixture(scope="module")
def kg_claims():
    return load([paths.ONTOLOGY_FILE, FIXTURE, CLAIMS])


def rows(kg, name, params=None):
    return run_query(kg, name, params or {}).records(short=True)


def test_there_are_at_least_25_questions_and_each_is_tested_somewhere():
    names = [q.name for q in list_questions()]
    assert len(names) >= 25
    tests = "".join(p.read_text(encoding="utf-8") for p in Path(__file__).parent.glob("test_*.py"))
    untested = [n for n in names if f'"{n}"' not in tests]
    assert not untested, f"questions without a test: {untested}"


def test_fates_of_a_body(kg_claims):
    got = rows(kg_claims, "fates", {"body": "Test Bureau"})
    assert [(r["person"], r["title"], r["term"], r["death_date"], r["death_manner"], r["rehabilitated"]) for r in got] == [
        ("person:anna-alpha", "member", "1919/1926", "1936-08-25", "executed", "1988-06-13")]
    assert rows(kg_claims, "fates", {"body": "body:test-bureau", "role": "candidate"}) == []


def test_disputed_shows_both_values_with_their_sources(kg_claims):
    got = rows(kg_claims, "disputed")
    assert {(r["about"], r["value"].strip(), r["sources"]) for r in got} == {
        ("person:dmitri-delta", "1937-02-01 executed", "https://w3id.org/moscow-trials/id/source/test-encyclopaedia"),
        ("person:dmitri-delta", "1937-02-02 executed", "https://w3id.org/moscow-trials/id/source/test-record")}


def test_testimony_and_co_defendants(kg_claims):
    got = rows(kg_claims, "testimony")
    assert [(r["witness"], r["against"], r["trial"]) for r in got] == [
        ("person:boris-beta", "person:anna-alpha", "trial:test-first")]
    assert [(r["witness"], r["against"]) for r in rows(kg_claims, "testified-against-co-defendants")] == [
        ("person:boris-beta", "person:anna-alpha")]
    most = rows(kg_claims, "most-accused-by-testimony")
    assert (most[0]["person"], most[0]["witnesses"], most[0]["trials"]) == ("person:anna-alpha", 1, 1)
    assert [r["other"] for r in rows(kg_claims, "co-defendants", {"person": "Anna Alpha"})] == [
        "person:boris-beta", "person:clara-gamma"]


def test_in_absentia_pleas_and_changed_plea(kg_claims):
    absent = rows(kg_claims, "in-absentia")
    assert [(r["person"], r["charges"]) for r in absent] == [("person:fyodor-exile", "test terror")]
    assert [(r["person"], r["plea"]) for r in rows(kg_claims, "pleas")] == [("person:anna-alpha", "guilty")]
    assert rows(kg_claims, "changed-plea") == []


def test_changed_plea_finds_a_reversal(tmp_path):
    extra = tmp_path / "reversal.ttl"
    extra.write_text(FIXTURE.read_text(encoding="utf-8").split("\n\n")[0] + """

st:test-first--anna-alpha--plea-2 a mt:Plea ;
    mt:person person:anna-alpha ; mt:trial trial:test-first ; mt:plea mt:PleadedNotGuilty ; mt:edtf "1936-08-18" ;
    mt:status mt:Established ; prov:wasDerivedFrom src:test-record .
""", encoding="utf-8")
    kg = load([paths.ONTOLOGY_FILE, FIXTURE, extra])
    got = rows(kg, "changed-plea")
    assert [(r["person"], r["first_plea"], r["first_date"], r["then_plea"], r["then_date"]) for r in got] == [
        ("person:anna-alpha", "not guilty", "1936-08-18", "guilty", "1936-08-19")]


def test_days_to_execution(kg_claims):
    got = rows(kg_claims, "days-to-execution")
    assert [(r["person"], r["sentenced"], r["executed"], r["days"]) for r in got] == [
        ("person:anna-alpha", "1936-08-24", "1936-08-25", 1)]


def test_court_sentences_and_executions(kg_claims):
    assert [(r["role"], r["person"]) for r in rows(kg_claims, "court")] == [("presiding judge", "person:egor-judge")]
    assert {(r["trial"], r["penalty"], r["people"]) for r in rows(kg_claims, "sentences")} == {
        ("trial:test-first", "death", 1), ("trial:test-first", "imprisonment", 1), ("trial:test-first", "unknown", 1),
        ("trial:test-second", "death", 1)}
    assert [(r["month"], r["executed"]) for r in rows(kg_claims, "executions-by-month")] == [("1936-08", 1)]


def test_rehabilitation_questions(kg_claims):
    assert [(r["person"], r["outcome"], r["date"], r["trial"]) for r in rows(kg_claims, "rehabilitations")] == [
        ("person:anna-alpha", "rehabilitated", "1988-06-13", "trial:test-first")]
    assert [r["person"] for r in rows(kg_claims, "not-rehabilitated")] == [
        "person:boris-beta", "person:clara-gamma", "person:dmitri-delta"]


def test_survivors_and_offices(kg_claims):
    survivors = {r["person"] for r in rows(kg_claims, "survivors")}
    assert survivors == {"person:boris-beta", "person:clara-gamma"}  # Dmitri's death is disputed, not Established
    offices = rows(kg_claims, "offices-of-defendants", {"trial": "trial:test-first"})
    assert [(r["person"], r["office"], r["organisation"]) for r in offices] == [
        ("person:anna-alpha", "member", "Test Bureau")]


def test_claims_and_claims_involving(kg_claims):
    claims = {r["claim"].rsplit(":", 1)[-1]: r for r in rows(kg_claims, "claims")}
    assert len(claims) == 11
    hotel = claims["claim--hotel-fires"]
    assert (hotel["kind"], hotel["place"], hotel["status"], hotel["asserted_by"]) == (
        "meeting", "Test Hotel", "fabricated", "Dmitri Delta")
    assert hotel["participants"] == "Dmitri Delta; Fyodor Exile" or hotel["participants"] == "Fyodor Exile; Dmitri Delta"
    involving = rows(kg_claims, "claims-involving", {"person": "Fyodor Exile"})
    assert [(r["claim"], r["role"]) for r in involving] == [("st:claim--hotel-fires", "participant")]


def test_refuted_claims_and_alleged_conspiracy(kg_claims):
    refuted = rows(kg_claims, "refuted-claims")
    assert [(r["claim"], r["finding"], r["assessed_by"], r["assessment_sources"]) for r in refuted] == [
        ("st:claim--hotel-fires", "refuted", "Egor Judge", "https://w3id.org/moscow-trials/id/source/test-encyclopaedia"),
        ("st:test-first--clara-gamma--accusation", None, None, "")]
    pairs = {(r["a"], r["b"], r["claims"]) for r in rows(kg_claims, "alleged-conspiracy")}
    assert pairs == {("person:anna-alpha", "person:dmitri-delta", 1), ("person:dmitri-delta", "person:fyodor-exile", 1)}


def test_article_claims_and_recomputed_figures(tmp_path, kg_claims):
    extra = tmp_path / "cc.ttl"
    extra.write_text(FIXTURE.read_text(encoding="utf-8").split("\n\n")[0] + """

body:central-committee a mt:Organisation ; rdfs:label "Central Committee"@en .
st:cc-anna a mt:OfficeHolding ; mt:person person:anna-alpha ; mt:organisation body:central-committee ;
    mt:roleLabel "full member of the Central Committee elected at the 17th Congress (1934)"@en ;
    mt:status mt:Established ; prov:wasDerivedFrom src:test-encyclopaedia .
st:cc-boris a mt:OfficeHolding ; mt:person person:boris-beta ; mt:organisation body:central-committee ;
    mt:roleLabel "member of the Central Committee elected at the 6th Congress (1917)"@en ;
    mt:status mt:Established ; prov:wasDerivedFrom src:test-encyclopaedia .
st:cc-clara a mt:OfficeHolding ; mt:person person:clara-gamma ; mt:organisation body:central-committee ;
    mt:roleLabel "full member of the Central Committee elected at the 17th Congress (1934)"@en ;
    mt:status mt:Established ; prov:wasDerivedFrom src:test-encyclopaedia .
st:seed--test a mt:ArticleClaim ; mt:claimText "Most of the committee was dead by 1940."@en ; mt:claimedValue "70%" ;
    mt:grade mt:PartlyRight ; mt:gradedBy src:test-encyclopaedia ; mt:recomputedBy "cc1934-dead-by-1940" ;
    mt:description "the share differs"@en ; mt:status mt:Alleged ; prov:wasDerivedFrom src:test-record .
""", encoding="utf-8")
    kg = load([paths.ONTOLOGY_FILE, FIXTURE, extra])
    share = rows(kg, "cc1934-dead-by-1940")[0]
    assert (share["members"], share["dead_by_1940"], share["executed_by_1940"], float(share["percent_dead"])) == (2, 1, 1, 50.0)
    assert [(r["fate"], r["members"]) for r in rows(kg, "cc1917-fates")] == [("no death recorded", 1)]
    claims = rows(kg, "article-claims")
    assert [(r["claimed_value"], r["grade"], r["recomputed_by"], r["checked_against"]) for r in claims] == [
        ("70%", "partly right", "cc1934-dead-by-1940", "https://w3id.org/moscow-trials/id/source/test-encyclopaedia")]


def test_kg_article_names_the_article_it_grades(real_kg):
    """Issue 14.9: `kg article` never said which article it grades; it reads the seed source's own triples."""
    from kg.display.article import article_report, article_table

    source = run_query(real_kg, "seed-article").records()
    assert len(source) == 1 and source[0]["source"].endswith("/source/seed-article")
    report = article_report(real_kg)
    heading = article_table(report).splitlines()[0]
    assert heading.startswith("Grading: ")
    for part in (source[0]["creator"], source[0]["title"], source[0]["url"]):
        assert part and part in heading
    # publisher and date are said to be missing when the source lacks them, never silently dropped
    for key, missing in (("publisher", "publisher not recorded"), ("issued", "date not recorded")):
        assert (source[0].get(key) or missing) in heading
    assert {str(row[-1]) for row in report.rows} == {heading[len("Grading: "):]}


def test_list_columns_are_found_and_sorted_once():
    """Issue 14.5: grouped cells came in the engine's hash order; they are sorted where rows are read."""
    from rdflib import Literal

    from kg.sparql.questions import canonical_rows, list_columns, parse_question

    text = '''#+ list: both " "
SELECT ?t (REPLACE(GROUP_CONCAT(DISTINCT ?x; separator=" | "), "a", "b") AS ?xs) ?both
       (GROUP_CONCAT(?y; separator="; ") AS ?ys) (COUNT(?z) AS ?n)  # a comment with a ( parenthesis
WHERE { ?t <http://example.org/p#x> ?x }'''
    assert list_columns(text) == {"xs": " | ", "ys": "; "}
    assert parse_question(text).lists == {"xs": " | ", "ys": "; ", "both": " "}
    rows = [(Literal("t"), Literal("c | a | b"), Literal("z y"), Literal("2; 10; 2"), Literal(3))]
    out = canonical_rows(["t", "xs", "both", "ys", "n"], rows, parse_question(text).lists)
    assert [str(v) for v in out[0]] == ["t", "a | b | c", "y z", "10; 2", "3"]


def test_preferred_value_first_and_the_others_as_also_given():
    """Disputed values: the mt:preferred one first, the others after it; without one, every value alike."""
    from kg.display.site import _preferred_first

    assert _preferred_first("1938-08-01 | 1940-01-12", "1940-01-12") == ("1940-01-12", ["1938-08-01"])
    assert _preferred_first("1940-01-12 | 1938-08-01", None) == ("1938-08-01 | 1940-01-12", [])
    assert _preferred_first("1936-08-25", "1936-08-25") == ("1936-08-25", [])
