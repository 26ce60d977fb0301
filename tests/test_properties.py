"""Property-based tests (Hypothesis): random graphs and random names survive every export, the page and the CSV."""

import csv
import io
import json
import re

import networkx as nx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import XSD

from kg.display.render import network_page
from kg.outputs.exports import serialize
from kg.sparql.questions import QueryResult

# Text in any script, without the characters that RDF literals cannot carry at all (surrogates, NUL).
TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40)
LANG = st.sampled_from([None, "en", "ru", "ru-Latn", "de"])
DATES = st.dates(min_value=__import__("datetime").date(1, 1, 1), max_value=__import__("datetime").date(9999, 12, 31))
BASE = "https://w3id.org/moscow-trials/id/person/"


@st.composite
def literals(draw):
    kind = draw(st.sampled_from(["text", "date", "int", "bool"]))
    if kind == "text":
        return Literal(draw(TEXT), lang=draw(LANG))
    if kind == "date":
        return Literal(draw(DATES), datatype=XSD.date)
    if kind == "int":
        return Literal(draw(st.integers(min_value=-10**12, max_value=10**12)), datatype=XSD.integer)
    return Literal(draw(st.booleans()), datatype=XSD.boolean)


@st.composite
def graphs(draw):
    g = Graph()
    subjects = [URIRef(BASE + f"p{i}") for i in range(draw(st.integers(1, 5)))]
    predicates = [URIRef(f"https://w3id.org/moscow-trials/ontology#p{i}") for i in range(3)]
    for _ in range(draw(st.integers(1, 12))):
        s, p = draw(st.sampled_from(subjects)), draw(st.sampled_from(predicates))
        o = draw(st.one_of(st.sampled_from(subjects), literals()))
        g.add((s, p, o))
    return g


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _lower_language_tags(graph: Graph) -> Graph:
    """RDF 1.1: language tags are case-insensitive; Oxigraph writes them in lower case, rdflib keeps them."""
    out = Graph()
    for s, p, o in graph:
        if isinstance(o, Literal) and o.language:
            o = Literal(str(o), lang=o.language.lower())
        out.add((s, p, o))
    return out


@SETTINGS
@given(graphs())
def test_random_graphs_round_trip_through_every_export(graph):
    for fmt, parse_as in (("turtle", "turtle"), ("nt", "nt"), ("json-ld", "json-ld")):
        data = serialize(graph, fmt)
        again = Graph().parse(data=data, format=parse_as)
        assert isomorphic(_lower_language_tags(graph), _lower_language_tags(again)), (
            f"{fmt}:\n{data.decode()}\n---\n{graph.serialize(format='nt')}")


NAMES = TEXT.filter(lambda text: text.strip() != "")  # an empty label falls back to the IRI's local name


@SETTINGS
@given(st.lists(NAMES, min_size=1, max_size=6))
def test_random_names_never_break_the_page(names):
    g = nx.MultiDiGraph()
    for i, name in enumerate(names):
        g.add_node(f"{BASE}n{i}", label=name, kind="person", alt_labels=[name[::-1]])
    page = network_page(g, title="".join(names)[:30] or "t")
    payload = re.search(r'<script type="application/json"[^>]*>(.*?)</script>', page, re.S)
    assert payload, "the data block is intact"
    data = json.loads(payload.group(1))
    assert sorted(n["label"] for n in data["nodes"]) == sorted(name.strip() for name in names)  # labels are trimmed
    plain = nx.MultiDiGraph()
    plain.add_node(f"{BASE}n0", label="x", kind="person")
    assert page.count("</script>") == network_page(plain, title="t").count("</script>")


@SETTINGS
@given(st.lists(st.tuples(TEXT, TEXT), min_size=1, max_size=5))
def test_random_strings_survive_the_csv(rows):
    result = QueryResult(columns=["a", "b"], rows=[(Literal(a), Literal(b)) for a, b in rows])
    back = list(csv.reader(io.StringIO(result.to_csv(), newline="")))
    assert back[0] == ["a", "b"]
    # every value comes back, except that one that would start a formula has a ' before it (issue 18, OWASP)
    from kg.outputs.exports import spreadsheet_cell

    assert [tuple(r) for r in back[1:]] == [(spreadsheet_cell(a), spreadsheet_cell(b)) for a, b in rows]
    assert [tuple(c.removeprefix("'") if c != s else c for c, s in zip(r, (a, b), strict=True))
            for r, (a, b) in zip(back[1:], rows, strict=True)] == [(a, b) for a, b in rows]
