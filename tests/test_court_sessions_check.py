"""The court-record-without-session check: every citation of a court report names the session (issue 13).

A court record is a source of kind mt:TrialRecord, or a part (dcterms:isPartOf) of one that states no kind of its own.
Cited by a statement, it must carry mt:session; a page that only quotes the record takes its own kind instead.
"""
from __future__ import annotations

from pathlib import Path

from kg import paths
from kg.graph.loader import load

from .conftest import FIXTURE, TURTLE_PREFIXES, check_rows

SRC = "https://w3id.org/moscow-trials/id/source/"

GRAPH = TURTLE_PREFIXES + """
src:c-report a mt:Source , bibo:Report ; dcterms:title "Test report of court proceedings"@en ;
    dcterms:creator "Test Commissariat" ; dcterms:issued "1936" ; mt:sourceKind mt:TrialRecord ; mt:tier mt:OriginalPublication .
session:test-first--1936-08-19-morning a mt:Session ; mt:trial trial:test-first ; mt:edtf "1936-08-19" ;
    mt:sitting mt:MorningSitting ; rdfs:label "Morning session, 19 August 1936"@en ;
    mt:status mt:Established ; prov:wasDerivedFrom src:c-opening .

# cited, no session: both must be reported
src:c-contents a mt:Source , bibo:DocumentPart ; dcterms:title "Contents"@en ; dcterms:isPartOf src:c-report .
src:c-verdict-copy a mt:Source ; dcterms:title "Verdict, on a copy"@en ; mt:sourceKind mt:TrialRecord ;
    mt:tier mt:CopyOfPublication .
# cited, with a session; a blog quoting the record under its own kind; a part nobody cites: none reported
src:c-opening a mt:Source , bibo:DocumentPart ; dcterms:title "Opening of the hearing"@en ;
    dcterms:isPartOf src:c-report ; mt:session session:test-first--1936-08-19-morning .
src:c-blog a mt:Source , bibo:DocumentPart ; dcterms:title "A blog quoting the report"@en ; dcterms:isPartOf src:c-report ;
    mt:sourceKind mt:Press ; mt:tier mt:CopyOfPublication .
src:c-uncited a mt:Source , bibo:DocumentPart ; dcterms:title "Title page"@en ; dcterms:isPartOf src:c-report .

st:c-1 a mt:Arrest ; mt:person person:boris-beta ; mt:edtf "1936" ; mt:status mt:Established ;
    prov:wasDerivedFrom src:c-contents , src:c-opening .
st:c-2 a mt:Arrest ; mt:person person:anna-alpha ; mt:edtf "1936" ; mt:status mt:Established ;
    prov:wasDerivedFrom src:c-contents .
st:c-3 a mt:Arrest ; mt:person person:clara-gamma ; mt:edtf "1937" ; mt:status mt:Established ;
    prov:wasDerivedFrom src:c-verdict-copy , src:c-blog .
"""


def _rows(kg) -> dict[str, str]:
    return check_rows(kg, "court-record-without-session")


def test_fires_on_court_records_cited_without_a_session(tmp_path: Path):
    extra = tmp_path / "court.ttl"
    extra.write_text(GRAPH, encoding="utf-8")
    rows = _rows(load([paths.ONTOLOGY_FILE, FIXTURE, extra]))
    assert set(rows) == {SRC + "c-contents", SRC + "c-verdict-copy"}
    # one row per source, counting the statements that cite it and naming one
    assert "by 2 statement(s)" in rows[SRC + "c-contents"]
    assert "statement/c-1>" in rows[SRC + "c-contents"]
    assert "by 1 statement(s)" in rows[SRC + "c-verdict-copy"]


def test_giving_the_session_silences_it(tmp_path: Path):
    extra = tmp_path / "court.ttl"
    extra.write_text(GRAPH.replace('dcterms:title "Contents"@en ;',
                                   'dcterms:title "Contents"@en ; mt:session session:test-first--1936-08-19-morning ;'),
                     encoding="utf-8")
    assert set(_rows(load([paths.ONTOLOGY_FILE, FIXTURE, extra]))) == {SRC + "c-verdict-copy"}


def test_silent_on_the_real_graph(real_kg):
    assert _rows(real_kg) == {}
