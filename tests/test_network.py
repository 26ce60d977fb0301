"""Projection to networkx through the declarative table: known nodes and edges on the fixture."""

import networkx as nx
import pytest

from kg.display.network import FATES, MIRROR_SUFFIX, fate_of, is_mirror, load_table, project, relation_count
from kg.errors import KGError

A, B, C = ("https://w3id.org/moscow-trials/id/person/" + s for s in ("anna-alpha", "boris-beta", "clara-gamma"))
T1 = "https://w3id.org/moscow-trials/id/trial/test-first"
ST = "https://w3id.org/moscow-trials/id/statement/"


def test_every_view_names_declared_projections_with_existing_queries():
    projections, views = load_table()
    assert {"overview", "person-trial", "testimony"} <= set(views)
    for projection in projections.values():
        assert projection.query.is_file(), projection.query


def test_overview_on_the_fixture(fixture_kg):
    g = project(fixture_kg, view="overview")
    assert isinstance(g, nx.MultiDiGraph)
    assert g.nodes[A]["label"] == "Anna Alpha" and g.nodes[A]["kind"] == "person"
    assert "Альфа" in g.nodes[A]["alt_labels"] and "Анна Альфа" in g.nodes[A]["alt_labels"]
    assert g.nodes[A]["details"]["born"] == "1883-09-23"
    assert g.nodes[T1]["kind"] == "trial"
    edge = g.edges[A, T1, ST + "test-first--anna-alpha--accusation"]
    # standing in the dock is a documented fact about the accusation; the charge itself is alleged (issue 14.2)
    assert edge["relation"] == "defendant in" and edge["status"] == "established" and edge["charge_status"] == "alleged"
    assert edge["trial"] == "First Test Trial" and edge["date"] == "1936-08-19/1936-08-24"
    assert edge["source_url"] == "https://w3id.org/moscow-trials/id/source/test-record"
    testimony = g.edges[B, A, ST + "test-first--boris-beta--testimony-1"]
    assert testimony["relation"] == "testified against" and testimony["status"] == "established"
    judge = next(d for u, v, d in g.edges(data=True) if d["projection"] == "trial-role")
    assert judge["relation"] == "presiding judge at"
    # 4 accusations (one in absentia) + 1 in the second trial, 1 role, 1 testimony
    assert g.number_of_edges() == 7


def test_status_filter(fixture_kg):
    g = project(fixture_kg, view="overview", statuses={"established"})
    assert {d["status"] for _, _, d in g.edges(data=True)} == {"established"}
    # every edge of the overview states a documented fact: the dock, the court, testimony (before issue 14 the
    # five defendant/in-absentia edges took the accusation's status and vanished under this filter)
    assert g.number_of_edges() == 7


def test_every_attribute_is_a_plain_value_so_graphml_writes(fixture_kg, tmp_path):
    g = project(fixture_kg, view="overview")
    flat = nx.MultiDiGraph()
    for n, d in g.nodes(data=True):
        flat.add_node(n, **{k: (" | ".join(v) if isinstance(v, list) else
                                "; ".join(f"{a}={b}" for a, b in v.items()) if isinstance(v, dict) else v)
                            for k, v in d.items()})
    flat.add_edges_from(g.edges(keys=True, data=True))
    path = tmp_path / "overview.graphml"
    nx.write_graphml(flat, path)
    again = nx.read_graphml(path, force_multigraph=True)
    assert again.number_of_edges() == g.number_of_edges()


def test_unknown_view(fixture_kg):
    with pytest.raises(KGError, match="known views: .*overview"):
        project(fixture_kg, view="everything")


# ---- the views of issue 6: pairs, memberships, charges, ego, trial filter, fates ----------------

D, F, E = ("https://w3id.org/moscow-trials/id/person/" + s for s in ("dmitri-delta", "fyodor-exile", "egor-judge"))
BUREAU = "https://w3id.org/moscow-trials/id/body/test-bureau"
TERROR = "https://w3id.org/moscow-trials/id/charge/test-terror"


def drawn(g):
    """The edges a page draws: an undirected relation once."""
    return [(u, v, k, d) for u, v, k, d in g.edges(keys=True, data=True) if not is_mirror(k, d)]


def test_co_defendants_pair_the_people_in_the_dock_once_each(fixture_kg):
    g = project(fixture_kg, view="co-defendants")
    pairs = {(u, v): (k, d) for u, v, k, d in drawn(g)}
    assert set(pairs) == {(A, B), (A, C), (B, C)}  # Fyodor was tried in absentia: not in the dock
    key, attrs = pairs[A, B]
    assert key == ST + "test-first--anna-alpha--accusation " + ST + "test-first--boris-beta--accusation"
    assert attrs["status"] == "established" and attrs["directed"] == "no" and attrs["trial"] == "First Test Trial"
    assert g.has_edge(B, A, key + MIRROR_SUFFIX) and relation_count(g) == 3 and g.number_of_edges() == 6


def test_alleged_conspiracy_pairs_the_co_accused_by_shared_charge(fixture_kg):
    g = project(fixture_kg, view="alleged-conspiracy")
    co = {(u, v): d for u, v, _, d in drawn(g) if d["projection"] == "co-accused"}
    assert set(co) == {(A, B), (A, C), (A, F), (B, C), (B, F), (C, F)}
    assert {d["charges"] for d in co.values()} == {"test terror"}
    assert co[A, B]["status"] == "alleged" and co[A, C]["status"] == "fabricated"  # the weaker status wins
    assert D not in g  # alone at the second trial: no one to conspire with, no testimony
    assert [d["relation"] for u, v, _, d in drawn(g) if d["projection"] == "testimony"] == ["testified against"]
    assert project(fixture_kg, view="alleged-conspiracy", statuses={"established"}).number_of_edges() == 1


def test_alleged_conspiracy_reads_claimed_events(tmp_path):
    from kg import paths
    from kg.graph.loader import load

    from .conftest import DATA, FIXTURE

    with_claims = load([paths.ONTOLOGY_FILE, FIXTURE, DATA / "claims" / "claims.ttl"])
    claimed = {(u, v): d for u, v, _, d in drawn(project(with_claims, view="alleged-conspiracy"))
               if d["projection"] == "claimed-together"}
    assert claimed[D, F]["status"] == "fabricated" and claimed[D, F]["event"] == "meeting"
    assert claimed[D, F]["trial"] == "Second Test Trial" and claimed[D, F]["date"] == "1932-11"
    assert claimed[A, D]["claim_text"] == "a plot after Anna's death"
    assert set(claimed) == {(D, F), (A, D)}  # a claim with one participant pairs no one


def test_memberships_and_charges(fixture_kg):
    (u, v, key, d), = drawn(project(fixture_kg, view="memberships"))
    assert (u, v, key) == (A, BUREAU, ST + "life--anna-alpha--office")
    assert d["office"] == "member" and d["date"] == "1919/1926" and d["status"] == "established"
    charges = project(fixture_kg, view="charges")
    assert {v for _, v in charges.out_edges(A)} == {TERROR, "https://w3id.org/moscow-trials/id/charge/test-spying"}
    assert charges.nodes[TERROR]["kind"] == "charge" and charges.nodes[TERROR]["label"] == "test terror"
    # "was charged with" is established; what the charge says is alleged or fabricated (ontology README, decision 9)
    assert {d["status"] for _, _, d in charges.edges(data=True)} == {"established"}
    assert {d["charge_status"] for _, _, d in charges.edges(data=True)} == {"alleged", "fabricated"}


def test_ego_view_takes_any_spelling_and_ignores_direction(fixture_kg):
    one = project(fixture_kg, view="ego", focus="Альфа", hops=1)
    assert set(one) == {A, T1, B}  # Boris testified against her: an in-edge counts
    assert one.graph["focus"] == A and one.graph["hops"] == 1
    two = project(fixture_kg, view="ego", focus="person:anna-alpha", hops=2)
    assert set(two) == {A, T1, B, C, F, E}
    assert set(project(fixture_kg, view="testimony", focus="Boris Beta", hops=5)) == {A, B}


def test_ego_view_needs_a_person_in_the_view(fixture_kg):
    from kg.errors import ParameterError

    with pytest.raises(ParameterError, match="needs a person: give --focus"):
        project(fixture_kg, view="ego")
    with pytest.raises(ParameterError, match="has no edge in the 'testimony' view"):
        project(fixture_kg, view="testimony", focus="Dmitri Delta")


def test_trial_filter_keeps_one_trials_edges(fixture_kg):
    g = project(fixture_kg, view="overview", trial="Second Test Trial")
    assert set(g) == {D, "https://w3id.org/moscow-trials/id/trial/test-second"}


def test_people_carry_fate_and_rehabilitation(fixture_kg):
    g = project(fixture_kg, view="overview")
    assert (g.nodes[A]["fate"], g.nodes[A]["rehabilitated"]) == ("executed", "yes")
    assert (g.nodes[D]["fate"], g.nodes[D]["rehabilitated"]) == ("executed", "no")
    assert (g.nodes[B]["fate"], g.nodes[E]["fate"]) == ("unknown", "unknown")
    assert "fate" not in g.nodes[T1]
    assert fate_of({"manner": "suicide | unknown"}) == "suicide" and set(FATES) >= {"survived", "killed"}


def test_family_view_links_a_person_to_the_relative_with_the_kinship(fixture_kg):
    net = project(fixture_kg, view="family")
    edges = [(u, v, d["relation"], d["kinship"]) for u, v, d in net.edges(data=True)]
    delta = "https://w3id.org/moscow-trials/id/person/dmitri-delta"
    assert edges == [(delta, C, "has relative", "spouse")]
    assert C in project(fixture_kg, view="ego", focus="Dmitri Delta", hops=1)
