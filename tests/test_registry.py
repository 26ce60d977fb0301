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
