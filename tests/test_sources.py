"""Works, parts and copies (issue 13): citations, tiers, read-at copies, the audit and the aggregator check.

Each test builds a small graph whose answer is visible in the test: a book and a page of it read on a reading
site, an encyclopaedia article read on a mirror, an anonymous page, and statements citing them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kg import paths
from kg.display.citations import citation_links, with_citations
from kg.graph.loader import load
from kg.graph.validation import validate
from kg.sparql.questions import run_query

from .conftest import FIXTURE, TURTLE_PREFIXES

PREFIXES = TURTLE_PREFIXES

WORKS = PREFIXES + """
src:t-book a mt:Source , bibo:Book ; dcterms:title "The Test Terror"@en ; dcterms:creator "Ann Author" ;
    dcterms:issued "1990" ; dcterms:publisher "Test Press" ; mt:sourceKind mt:Scholarship ; mt:tier mt:OriginalPublication .
src:t-book-p12 a mt:Source , bibo:DocumentPart ; dcterms:title "The Test Terror, p. 12"@en ;
    dcterms:isPartOf src:t-book ; bibo:pageStart "12" ; mt:readAt <https://reader.example/book/12> .
<https://reader.example/book/12> a mt:Copy ; dcterms:date "2026-12-06"^^xsd:date .
src:t-article a mt:Source ; dcterms:title "Boris Beta"@en ; dcterms:publisher "Wikipedia (English)" ;
    schema:url <https://en.wikipedia.org/wiki/Boris_Beta> ; mt:readAt <https://mirror.example/wiki/Boris_Beta> ;
    mt:sourceKind mt:Encyclopaedia ; mt:tier mt:OriginalPublication .
<https://mirror.example/wiki/Boris_Beta> a mt:Copy ; dcterms:date "2026-11-25"^^xsd:date .
src:t-farm a mt:Source ; dcterms:title "Anonymous page"@en ; schema:url <https://farm.example/beta> ;
    mt:sourceKind mt:Encyclopaedia ; mt:tier mt:Aggregator .

st:t-testimony-book a mt:Testimony ; mt:person person:boris-beta ; mt:against person:clara-gamma ;
    mt:trial trial:test-first ; mt:status mt:Established ; prov:wasDerivedFrom src:t-book-p12 .

st:t-birth-book a mt:Birth ; mt:person person:boris-beta ; mt:edtf "1890" ; mt:status mt:Established ;
    prov:wasDerivedFrom src:t-book-p12 , src:t-farm .
"""

ON_FARM_ONLY = PREFIXES + """
st:t-arrest-farm a mt:Arrest ; mt:person person:boris-beta ; mt:edtf "1936" ; mt:status mt:Established ;
    prov:wasDerivedFrom src:t-farm .
"""


@pytest.fixture(scope="module")
def works_kg(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("works")
    (folder / "works.ttl").write_text(WORKS, encoding="utf-8")
    return load([paths.ONTOLOGY_FILE, FIXTURE, folder / "works.ttl"])


def _incomplete(kg) -> dict[str, int]:
    """The audit's "incomplete citations": {item: how many sources}."""
    return {r["item"]: int(r["count"]) for r in run_query(kg, "sources-summary").records()
            if r["measure"] == "incomplete citations"}


def _rows_by_source(kg) -> dict[str, dict]:
    return {r["source"].rsplit("/", 1)[-1]: r for r in run_query(kg, "sources").records()}


def test_a_page_is_cited_as_its_book_with_the_page_and_the_copy_as_read_at(works_kg):
    page = _rows_by_source(works_kg)["t-book-p12"]
    assert page["citation"] == "Ann Author, The Test Terror, Test Press, 1990, p. 12"
    assert page["tier"] == "original publication"  # taken from the whole
    assert page["kind"] == "scholarship"
    assert not page["url"]  # a print-only book has no address of its own
    assert page["read_at"] == "https://reader.example/book/12"
    assert page["statements"] == 2  # the birth and the testimony


def test_an_article_keeps_its_own_address_and_its_mirror_is_only_read_at(works_kg):
    article = _rows_by_source(works_kg)["t-article"]
    assert article["url"] == "https://en.wikipedia.org/wiki/Boris_Beta"
    assert article["read_at"] == "https://mirror.example/wiki/Boris_Beta"
    assert article["citation"] == "Boris Beta, Wikipedia (English)"


def test_summary_counts_statements_under_the_best_tier_they_cite(works_kg):
    rows = run_query(works_kg, "sources-summary").records()
    best = {r["item"]: r["count"] for r in rows if r["measure"] == "established statements by best tier"}
    # the birth cites a book page (original) and a farm: it counts once, as original publication
    assert best["original publication"] >= 1
    assert "aggregator" not in best, "the birth also cites the farm, but counts under its best tier only"
    hosts = {r["item"]: r["count"] for r in rows if r["measure"] == "copies read at host"}
    assert hosts["reader.example"] == 1 and hosts["mirror.example"] == 1


UNTIERED = PREFIXES + """
src:t-untiered a mt:Source ; dcterms:title "A page nobody ranked"@en .
st:t-death-untiered a mt:Death ; mt:person person:boris-beta ; mt:edtf "1937" ; mt:status mt:Established ;
    prov:wasDerivedFrom src:t-untiered .
"""


def test_a_source_without_a_tier_counts_once_under_no_tier(works_kg, tmp_path: Path):
    """A tier variable left unbound before the label join once matched every tier (found on Virtuoso)."""
    def counts(kg, measure):
        return {r["item"]: int(r["count"]) for r in run_query(kg, "sources-summary").records()
                if r["measure"] == measure}

    (tmp_path / "works.ttl").write_text(WORKS, encoding="utf-8")
    (tmp_path / "untiered.ttl").write_text(UNTIERED, encoding="utf-8")
    kg = load([paths.ONTOLOGY_FILE, FIXTURE, tmp_path / "works.ttl", tmp_path / "untiered.ttl"])
    for measure in ("sources per tier", "established statements by best tier"):
        before, after = counts(works_kg, measure), counts(kg, measure)
        assert after.pop("no tier") == before.pop("no tier", 0) + 1, measure
        assert after == before, f"{measure}: the untiered source leaked into a tier"


def test_the_audit_counts_book_citations_without_page_or_chapter(works_kg, tmp_path: Path):
    assert "book cited without page or chapter" not in _incomplete(works_kg)  # t-book-p12 gives its page
    (tmp_path / "works.ttl").write_text(WORKS + """
src:t-book-somewhere a mt:Source , bibo:DocumentPart ; dcterms:isPartOf src:t-book ;
    bibo:locator "reader page 7 of a reading site" .
st:t-death-book a mt:Death ; mt:person person:boris-beta ; mt:edtf "1937" ; mt:status mt:Established ;
    prov:wasDerivedFrom src:t-book-somewhere .
""", encoding="utf-8")
    kg = load([paths.ONTOLOGY_FILE, FIXTURE, tmp_path / "works.ttl"])
    assert _incomplete(kg)["book cited without page or chapter"] == 1


INCOMPLETE_WORKS = """
src:t-excerpt a mt:Source ; dcterms:title "Book excerpt (reader.example, page 99)"@ru ;
    mt:readAt <https://reader.example/book/99> ; mt:sourceKind mt:Scholarship ; mt:tier mt:CopyOfPublication .
<https://reader.example/book/99> a mt:Copy ; dcterms:date "2026-12-06"^^xsd:date .
src:t-cable a mt:Source ; dcterms:title "Cable (Test Herald, 1 May 1937)"@en ; dcterms:publisher "Test Herald" ;
    mt:sourceKind mt:Press ; mt:tier mt:OriginalPublication .
src:t-entry a mt:Source ; dcterms:title "Clara Gamma"@en ; schema:url <https://ru.wikipedia.org/wiki/Clara> ;
    mt:sourceKind mt:Encyclopaedia ; mt:tier mt:OriginalPublication .
src:t-farm-book a mt:Source ; dcterms:title "Copied chapter"@en ; mt:sourceKind mt:Scholarship ; mt:tier mt:Aggregator .
src:t-book-ch2 a mt:Source , bibo:DocumentPart ; dcterms:isPartOf src:t-book ; bibo:chapter "2" .
st:t-death-incomplete a mt:Death ; mt:person person:clara-gamma ; mt:edtf "1937" ; mt:status mt:Established ;
    prov:wasDerivedFrom src:t-excerpt , src:t-cable , src:t-entry , src:t-farm-book , src:t-book-ch2 .
"""


def test_the_audit_counts_works_that_lack_what_a_citation_of_their_kind_needs(works_kg, tmp_path: Path):
    """A scholarly work needs author, title and year, a press article its paper and date, an encyclopaedia article
    its publisher; a part is judged by its whole, and an aggregator (unidentified by definition) by its tier."""
    before = _incomplete(works_kg)
    (tmp_path / "works.ttl").write_text(WORKS + INCOMPLETE_WORKS, encoding="utf-8")
    kg = load([paths.ONTOLOGY_FILE, FIXTURE, tmp_path / "works.ttl"])
    added = {item: n - before.get(item, 0) for item, n in _incomplete(kg).items() if n != before.get(item, 0)}
    assert added == {"scholarly work cited without author, title or year": 1,  # t-excerpt only
                     "press article cited without paper or date": 1,
                     "encyclopaedia article cited without its publisher": 1}


def test_tables_show_citations_not_source_iris(works_kg):
    index = citation_links(works_kg)
    person = run_query(works_kg, "person", {"person": "person:boris-beta"})
    shown = with_citations(person, index).records()
    birth = next(r for r in shown if r["statement"].endswith("t-birth-book"))
    assert birth["sources"] == ("Ann Author, The Test Terror, Test Press, 1990, p. 12 (read at reader.example)"
                                " | Anonymous page")
    assert "https://w3id.org" not in birth["sources"]


def test_an_established_statement_on_aggregators_alone_fails_the_check(works_kg, tmp_path: Path):
    extra = tmp_path / "farm-only.ttl"
    extra.write_text(WORKS + ON_FARM_ONLY.replace(PREFIXES, ""), encoding="utf-8")
    report = validate(load([paths.ONTOLOGY_FILE, FIXTURE, extra]))
    flagged = [v for v in report.violations if v.rule == "established-on-aggregators-violation"]
    assert [str(v.focus).rsplit("/", 1)[-1].split(":")[-1] for v in flagged] == ["t-arrest-farm"], str(report)


def test_network_page_shows_edge_sources_as_citations(works_kg):
    import json
    import re

    from kg.display.network import project
    from kg.display.render import network_page

    net = project(works_kg, view="testimony")
    page = network_page(net, title="test")
    data = json.loads(re.search(r'<script[^>]*id="kg-data"[^>]*>(.*?)</script>', page, re.S).group(1))
    edge = next(e for e in data["edges"] if e["sources"] == ["https://w3id.org/moscow-trials/id/source/t-book-p12"])
    cited = data["citations"][edge["sources"][0]]
    assert cited == {"t": "Ann Author, The Test Terror, Test Press, 1990, p. 12 (read at reader.example)",
                     "u": "https://reader.example/book/12"}  # a print-only book: the copy read is the link
    assert "citations" in page and "(data.citations || {})" in page


def test_real_citations_name_an_author_once_and_never_an_address(real_kg):
    """A work's author is a field (dcterms:creator), not part of its title, so a citation names them once; and
    a citation is words, never a bare address (the copy read is "read at", in its own column)."""
    import re

    rows = run_query(real_kg, "sources").records()
    twice = [r["citation"] for r in rows if re.match(r"^(.+?), \1[,:] ", r["citation"])]
    assert twice == []
    addresses = [r["citation"] for r in rows if re.search(r"https?://", r["citation"])]
    assert addresses == []
