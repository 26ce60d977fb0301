"""The one registry of ``.rq`` files (issue 16): five kinds, one reader, one name for one thing."""

from __future__ import annotations

import pytest

from kg.sparql import registry


def test_no_name_means_two_things():
    assert registry.clashes() == {}


@pytest.mark.parametrize("kind", registry.KINDS)
def test_every_kind_has_its_folder_and_files(kind: str):
    found = registry.files(kind)
    assert found, f"no {kind} files in {registry.folder(kind)}"
    assert all(f.kind == kind and f.path.parent == registry.folder(kind) and f.path.suffix == ".rq" for f in found)
    assert [f.path.name for f in found] == sorted(f.path.name for f in found)  # file-name order, as before


def test_every_reader_reads_through_the_registry(fixture_kg, monkeypatch: pytest.MonkeyPatch):
    asked: list[str] = []
    original = registry.files

    def spy(kind, directory=None):
        asked.append(kind)
        return original(kind, directory)

    monkeypatch.setattr(registry, "files", spy)
    from kg.display.network import load_table
    from kg.graph.contradictions import list_rules
    from kg.graph.derive import rule_files
    from kg.graph.validation import check_files
    from kg.outputs.exports import layer_graph
    from kg.sparql.questions import list_questions

    list_questions(), load_table(), list_rules(), check_files(), rule_files(), layer_graph(fixture_kg, "alleged")
    assert set(asked) == set(registry.KINDS)


def test_an_unknown_name_lists_the_known_ones():
    from kg.errors import UnknownQueryError

    with pytest.raises(UnknownQueryError, match="no projection called 'nope'; known: .*co-defendant-pairs"):
        registry.find("projection", "nope")
    with pytest.raises(ValueError, match="kinds: question, projection"):
        registry.folder("macro")


def _groups_opening_with_optional(node) -> int:
    """Count LeftJoins whose left side is empty: a group pattern (``{ OPTIONAL … }``) that opens with OPTIONAL."""
    from rdflib.plugins.sparql.parserutils import CompValue

    if isinstance(node, CompValue):
        p1 = node.get("p1") if node.name == "LeftJoin" else None
        here = int(isinstance(p1, CompValue) and p1.name == "BGP" and not p1.get("triples"))
        return here + sum(_groups_opening_with_optional(v) for v in node.values())
    if isinstance(node, (list, tuple)):
        return sum(_groups_opening_with_optional(v) for v in node)
    return 0


def test_no_group_pattern_opens_with_optional():
    """A group that opens with OPTIONAL is evaluated on its own first, so the variables it means to extend are not
    bound yet: ``{ OPTIONAL { ?source dcterms:isPartOf ?whole } … } UNION …`` keeps only sources that are parts.
    That made the source audit count 14 encyclopaedia articles without a publisher where there are 270; this checks
    every .rq file of every kind for the shape."""
    from rdflib.plugins.sparql import prepareQuery, prepareUpdate

    found = {}
    for kind in registry.KINDS:
        for rq in registry.files(kind):
            try:
                algebra = prepareQuery(rq.text).algebra
            except Exception:  # an update (the derivation's set-aside file)
                algebra = prepareUpdate(rq.text).algebra
            if n := _groups_opening_with_optional(algebra):
                found[f"{kind}/{rq.name}"] = n
    assert found == {}


def test_the_optional_check_sees_the_shape():
    from rdflib.plugins.sparql import prepareQuery

    opens = "SELECT ?s WHERE { ?x <p:a> ?s . { OPTIONAL { ?s <p:b> ?w } BIND (COALESCE(?w, ?s) AS ?k) } UNION { ?s <p:c> ?k } }"
    extends = "SELECT ?s WHERE { ?s <p:a> ?o OPTIONAL { ?s <p:b> ?w } }"
    assert _groups_opening_with_optional(prepareQuery(opens).algebra) == 1
    assert _groups_opening_with_optional(prepareQuery(extends).algebra) == 0
