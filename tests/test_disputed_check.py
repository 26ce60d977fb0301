"""The disputed-without-preferred check: each disagreement has exactly one preferred value (issue 13).

A disagreement is the Disputed statements of one class about one person, trial or place, as the ``disputed``
question groups them; pages print its preferred value first and the others as "also given".
"""
from __future__ import annotations

from pathlib import Path

from kg import paths
from kg.graph.loader import load

from .conftest import FIXTURE, TURTLE_PREFIXES, check_rows

ST = "https://w3id.org/moscow-trials/id/statement/"

GRAPH = TURTLE_PREFIXES + """
src:d-a a mt:Source ; dcterms:title "Source A"@en ; mt:sourceKind mt:Encyclopaedia ; mt:tier mt:OriginalPublication .
src:d-b a mt:Source ; dcterms:title "Source B"@en ; mt:sourceKind mt:Encyclopaedia ; mt:tier mt:OriginalPublication .
# Boris Beta's death: two values, none preferred -> reported
st:d-death-1 a mt:Death ; mt:person person:boris-beta ; mt:edtf "1937-01-01" ; mt:status mt:Disputed ;
    prov:wasDerivedFrom src:d-a .
st:d-death-2 a mt:Death ; mt:person person:boris-beta ; mt:edtf "1937-01-02" ; mt:status mt:Disputed ;
    prov:wasDerivedFrom src:d-b .
# Clara Gamma's arrest: two values, both preferred -> reported
st:d-arrest-1 a mt:Arrest ; mt:person person:clara-gamma ; mt:edtf "1936" ; mt:status mt:Disputed ;
    mt:preferred true ; mt:preferredBecause "A"@en ; prov:wasDerivedFrom src:d-a .
st:d-arrest-2 a mt:Arrest ; mt:person person:clara-gamma ; mt:edtf "1937" ; mt:status mt:Disputed ;
    mt:preferred true ; mt:preferredBecause "B"@en ; prov:wasDerivedFrom src:d-b .
# Anna Alpha's arrest: two values, one preferred -> fine
st:d-arrest-3 a mt:Arrest ; mt:person person:anna-alpha ; mt:edtf "1936" ; mt:status mt:Disputed ;
    mt:preferred true ; mt:preferredBecause "A"@en ; prov:wasDerivedFrom src:d-a .
st:d-arrest-4 a mt:Arrest ; mt:person person:anna-alpha ; mt:edtf "1937" ; mt:status mt:Disputed ;
    prov:wasDerivedFrom src:d-b .
"""


def _rows(kg) -> dict[str, str]:
    return check_rows(kg, "disputed-without-preferred")


def test_fires_on_a_disagreement_with_no_or_two_preferred_values(tmp_path: Path):
    before = _rows(load([paths.ONTOLOGY_FILE, FIXTURE]))
    extra = tmp_path / "disputed.ttl"
    extra.write_text(GRAPH, encoding="utf-8")
    rows = _rows(load([paths.ONTOLOGY_FILE, FIXTURE, extra]))
    added = {focus: message for focus, message in rows.items() if focus not in before}
    assert set(added) == {ST + "d-death-1", ST + "d-arrest-1"}
    assert "of which 0 is marked preferred" in added[ST + "d-death-1"]
    assert "of which 2 is marked preferred" in added[ST + "d-arrest-1"]


def test_the_real_graph_marks_one_preferred_value_per_disagreement(real_kg):
    assert _rows(real_kg) == {}
