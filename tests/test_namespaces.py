"""The closed MT vocabulary and the ontology file define the same terms."""

from rdflib import Graph
from rdflib.namespace import RDF

from kg import paths
from kg.namespaces import MT


def test_every_mt_term_is_defined_in_the_ontology_and_back():
    onto = Graph().parse(paths.ONTOLOGY_FILE)
    prefix = str(MT._NS)
    defined = {str(s)[len(prefix):] for s in onto.subjects(RDF.type, None) if str(s).startswith(prefix)}
    listed = set(MT.__annotations__)
    assert listed - defined == set(), "listed in kg/namespaces.py but not defined in the ontology"
    assert defined - listed == set(), "defined in the ontology but missing from kg/namespaces.py"


def test_a_typo_raises_instead_of_minting_an_iri():
    import pytest

    with pytest.raises(AttributeError):
        MT.defendentIn  # noqa: B018
