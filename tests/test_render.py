"""Tests for kg.display.render: the page is offline, reproducible, searchable and safe, in a real browser.

Browser tests run headless Chromium through Playwright (see tests/browser.py) and are skipped,
with the reason, where it is missing. Screenshots for a human go to tests/output/ (git-ignored).
"""

from __future__ import annotations

import json
import os
import random
import re
from pathlib import Path

import networkx as nx
import pytest

from kg.display.render import FATE_STYLES, KIND_STYLES, layout_positions, network_page, render_network
from tests.browser import open_page

OUTPUT = Path(__file__).parent / "output"
EX = "https://w3id.org/moscow-trials/id/"
XSS = "<img src=x onerror=alert(1)>"
PYATAKOV = EX + "person/georgy-pyatakov"


def small_graph() -> nx.MultiDiGraph:
    """Five people (one with a hostile label), two trials; established and alleged edges."""
    g = nx.MultiDiGraph()
    people = {
        "georgy-pyatakov": ("Georgy Pyatakov", ["Пятаков", "Piatakov", "Pjatakow"]),
        "karl-radek": ("Karl Radek", ["Радек", "Karl Bernhardovich Radek"]),
        "grigory-zinoviev": ("Grigory Zinoviev", ["Зиновьев", "Zinov'ev", "Sinowjew"]),
        "janis-rudzutaks": ("Jānis Rudzutaks", ["Ян Рудзутак"]),
        "hostile": (XSS, []),
    }
    for slug, (label, alts) in people.items():
        g.add_node(EX + "person/" + slug, label=label, kind="person", iri=EX + "person/" + slug,
                   alt_labels=alts, details={"died": "1937-01-30", "born": "1890-08-06"},
                   sources=["https://example.org/source/" + slug], fate="shot")
    trials = {"trial-1936": "Trial of the Sixteen", "trial-1937": "Trial of the Seventeen"}
    for slug, label in trials.items():
        g.add_node(EX + "trial/" + slug, label=label, kind="trial", alt_labels=[],
                   details={"dates": "1936-08-19/1936-08-24"}, sources=[])
    t36, t37 = EX + "trial/trial-1936", EX + "trial/trial-1937"
    for slug in ("georgy-pyatakov", "karl-radek"):
        g.add_edge(EX + "person/" + slug, t37, relation="defendant in", status="established",
                   trial="Trial of the Seventeen", date="1937-01-23",
                   source="https://example.org/a https://example.org/b")
    g.add_edge(EX + "person/grigory-zinoviev", t36, relation="defendant in", status="established")
    g.add_edge(EX + "person/karl-radek", PYATAKOV, relation="testified against", status="alleged",
               trial="Trial of the Seventeen", date="1937-01-24", source="https://example.org/c")
    # A parallel edge between the same two people, and one from the hostile node.
    g.add_edge(EX + "person/karl-radek", PYATAKOV, relation="named as accomplice", status="alleged")
    g.add_edge(EX + "person/hostile", t36, relation=XSS, status="alleged", trial=XSS)
    g.add_edge(EX + "person/janis-rudzutaks", t36, relation="mentioned at")  # no status at all
    return g


# The defendants of the three Moscow show trials, their judge, prosecutor and Trotsky.
TRIALS = {
    "Trial of the Sixteen (1936)": "Zinoviev Kamenev Smirnov Yevdokimov Bakayev Mrachkovsky "
    "Ter-Vaganyan Dreitser Reingold Pickel Holtzman Olberg Berman-Yurin David M.Lurye N.Lurye",
    "Trial of the Seventeen (1937)": "Pyatakov Radek Sokolnikov Serebryakov Muralov Livshits "
    "Drobnis Boguslavsky Knyazev Rataichak Norkin Shestov Stroilov Turok Hrasche Pushin Arnold",
    "Trial of the Twenty-One (1938)": "Bukharin Rykov Yagoda Krestinsky Rakovsky Rosengoltz "
    "Ivanov Chernov Grinko Zelensky Ikramov Khodjayev Sharangovich Zubarev Bulanov Levin Pletnev "
    "Kazakov Maximov-Dikovsky Kryuchkov",
}


def sample_graph() -> nx.MultiDiGraph:
    """About 60 nodes shaped like the real data, for the screenshot a human looks at."""
    rng = random.Random(7)
    g = nx.MultiDiGraph()
    people = []
    for trial, names in TRIALS.items():
        g.add_node(trial, label=trial, kind="trial")
        for name in names.split():
            g.add_node(name, label=name, kind="person", details={"sentence": "death"})
            g.add_edge(name, trial, relation="defendant in", status="established")
            people.append(name)
    for name, role in (("Vyshinsky", "prosecutor at"), ("Ulrikh", "judge at")):
        g.add_node(name, label=name, kind="person")
        for trial in TRIALS:
            g.add_edge(name, trial, relation=role, status="established")
    g.add_node("Trotsky", label="Trotsky", kind="person", alt_labels=["Троцкий"])
    for trial in TRIALS:
        g.add_edge("Trotsky", trial, relation="accused in absentia in", status="alleged")
    g.add_node("Trotskyist Centre", label="Parallel Trotskyist Centre", kind="organisation")
    g.add_node("Moscow", label="Moscow", kind="place")
    g.add_node("sabotage", label="wrecking and sabotage", kind="charge")
    for _ in range(25):
        a, b = rng.sample(people, 2)
        g.add_edge(a, b, relation="testified against", status=rng.choice(["alleged", "alleged",
                                                                          "established"]))
    for name in rng.sample(people, 6):
        g.add_edge(name, "Trotskyist Centre", relation="member of", status="alleged")
        g.add_edge(name, "sabotage", relation="charged with", status="alleged")
    for trial in TRIALS:
        g.add_edge(trial, "Moscow", relation="held in", status="established")
    return g


def random_graph(n: int, seed: int = 1) -> nx.MultiDiGraph:
    """*n* nodes of mixed kinds (people with fates) and about 1.5 n dated edges, half of them alleged."""
    rng = random.Random(seed)
    kinds = sorted(KIND_STYLES)
    fates = sorted(FATE_STYLES)
    g = nx.MultiDiGraph()
    for i in range(n):
        kind = rng.choice(kinds)
        person = {"fate": rng.choice(fates), "rehabilitated": rng.choice(["yes", "no"])} if kind == "person" else {}
        g.add_node(f"{EX}n/{i}", label=f"Node {i}", kind=kind, alt_labels=[f"Узел {i}"], **person)
    for _ in range(int(1.5 * n)):
        u, v = rng.randrange(n), rng.randrange(n)
        g.add_edge(f"{EX}n/{u}", f"{EX}n/{v}", relation=rng.choice(["linked to", "testified against"]),
                   status=rng.choice(["established", "alleged"]), trial=f"Trial {rng.randrange(12)}",
                   date=f"{rng.randrange(1928, 1939)}-0{rng.randrange(1, 10)}")
    return g


@pytest.fixture(scope="module")
def small_page(tmp_path_factory) -> Path:
    return render_network(small_graph(), tmp_path_factory.mktemp("small") / "small.html")


# ---- without a browser -------------------------------------------------------------------------

def test_render_returns_the_path_and_writes_one_file(tmp_path):
    out = render_network(small_graph(), tmp_path / "deep" / "net.html")
    assert out == tmp_path / "deep" / "net.html"
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["deep", "net.html"]
    assert "7 nodes, 7 edges" in out.read_text(encoding="utf-8")


def test_no_lib_folder_is_written_in_the_working_directory(tmp_path, monkeypatch):
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    render_network(small_graph(), "page.html")  # a relative path, like a careless caller
    render_network(small_graph(), tmp_path / "elsewhere.html")
    assert sorted(os.listdir(cwd)) == ["page.html"]
    assert sorted(os.listdir(tmp_path)) == ["cwd", "elsewhere.html"]


def test_page_references_nothing_outside_itself(small_page):
    html = small_page.read_text(encoding="utf-8")
    assert not re.search(r"<(script|img|iframe)[^>]*\ssrc=", html, re.I)
    assert re.findall(r"<link[^>]*href=\"([^\"]*)\"", html) == ["data:,"]
    assert "bootstrap" not in html.lower() and "cdnjs" not in html and "jsdelivr" not in html
    assert "default-src 'none'" in html.replace("&#39;", "'")


def test_too_many_nodes_raises_and_suggests_a_smaller_view(tmp_path):
    with pytest.raises(ValueError, match=r"8 nodes, more than max_nodes=7.*ego.*trial"):
        render_network(nx.path_graph(8, create_using=nx.MultiDiGraph), tmp_path / "x.html",
                       max_nodes=7)
    assert not (tmp_path / "x.html").exists()
    render_network(nx.path_graph(7, create_using=nx.MultiDiGraph), tmp_path / "x.html",
                   max_nodes=7)


def test_same_graph_and_seed_give_identical_bytes(tmp_path):
    first = render_network(small_graph(), tmp_path / "a.html", seed=3).read_bytes()
    second = render_network(small_graph(), tmp_path / "b.html", seed=3).read_bytes()
    assert first == second


def test_page_does_not_depend_on_insertion_order():
    g = small_graph()
    shuffled = nx.MultiDiGraph()
    rng = random.Random(5)
    nodes = list(g.nodes(data=True))
    edges = list(g.edges(data=True))
    rng.shuffle(nodes)
    rng.shuffle(edges)
    shuffled.add_nodes_from(nodes)
    shuffled.add_edges_from(edges)
    assert network_page(shuffled) == network_page(g)


def test_seed_changes_the_layout():
    g = nx.cycle_graph(12)
    assert layout_positions(g, seed=1) != layout_positions(g, seed=2)
    assert layout_positions(g, seed=1) == layout_positions(g, seed=1)


def test_large_graph_layout_is_seeded_and_spread_out():
    g = random_graph(800)
    pos = layout_positions(g, seed=4)
    assert pos == layout_positions(g, seed=4)
    assert len(set(pos.values())) > 780  # hardly any two nodes on the same pixel


def test_missing_and_odd_attributes_do_not_crash():
    g = nx.MultiDiGraph()
    g.add_node("https://example.org/bare")
    g.add_node("https://example.org/odd", label=None, kind="Spaceship", alt_labels="Одна строка",
               details=None, sources="https://a.example https://b.example", fate=None)
    g.add_edge("https://example.org/bare", "https://example.org/odd")
    g.add_edge("https://example.org/odd", "https://example.org/odd", status=None, source=None)
    html = network_page(g)
    assert '"label":"bare"' in html and '"label":"odd"' in html
    assert '"kind":"other","kindText":"spaceship"' in html
    assert '"altLabels":["Одна строка"]' in html
    assert '"sources":["https://a.example","https://b.example"]' in html
    for plain in (nx.Graph(), nx.DiGraph(), nx.path_graph(3)):
        network_page(plain)


def test_embedded_json_cannot_close_the_script_or_the_title():
    g = nx.MultiDiGraph()
    g.add_node("a", label="</script><script>alert(1)</script><!--", kind="person")
    html = network_page(g, title="</title><script>alert(2)</script>")
    assert html.count("</script>") == 3  # data, vis-network, application
    assert "<!--" not in html
    assert r"\u003c/script\u003e\u003cscript\u003ealert(1)" in html
    assert "<title>&lt;/title&gt;&lt;script&gt;alert(2)&lt;/script&gt;</title>" in html


def hover_node(page, node_id: str) -> None:
    """Move the mouse onto a node until vis-network shows its tooltip (after its hover delay)."""
    x, y = page.evaluate(
        """(id) => { const p = kgNetwork.canvasToDOM(kgNetwork.getPositions([id])[id]);
                     const r = document.getElementById('kg-network').getBoundingClientRect();
                     return [r.left + p.x, r.top + p.y]; }""", node_id)
    for attempt in range(5):
        page.mouse.move(x - 3 + attempt, y - 3)
        page.wait_for_timeout(50)
        page.mouse.move(x, y)
        try:
            page.wait_for_selector("div.vis-tooltip", state="visible", timeout=1000)
            return
        except Exception:  # noqa: BLE001 - Playwright's TimeoutError; try another small move
            continue
    pytest.fail(f"no tooltip appeared over node {node_id} at ({x:.0f}, {y:.0f})")


def page_data(html: str) -> dict:
    """Return the JSON document the page embeds (nodes, edges, options)."""
    match = re.search(r'<script type="application/json" id="kg-data">(.*?)</script>', html, re.S)
    assert match, "no data block in the page"
    return json.loads(match.group(1))


def test_only_established_edges_are_solid():
    g = nx.MultiDiGraph()
    words = ["established", "probable", "alleged", "disputed", "fabricated", "mt:Alleged",
             "https://w3id.org/moscow-trials/ontology#Established", "rumoured", "", None]
    for i, word in enumerate(words):
        g.add_edge("a", "b", key=i, status=word)
    edges = page_data(network_page(g))["edges"]
    solid = sorted(e["status"] for e in edges if not e["dashes"])
    assert solid == ["established", "established"]
    assert {e["statusStyle"] for e in edges if e["status"] in ("rumoured", "unknown")} == {"other"}


def test_edge_sources_come_from_source_or_source_url():
    g = nx.MultiDiGraph()
    g.add_edge("a", "b", key=1, source="https://x.example/1 https://x.example/2")
    g.add_edge("a", "b", key=2, source_url="https://x.example/3")
    g.add_edge("a", "b", key=3)
    sources = sorted(tuple(e["sources"]) for e in page_data(network_page(g))["edges"])
    assert sources == [(), ("https://x.example/1", "https://x.example/2"), ("https://x.example/3",)]


# ---- in a browser ------------------------------------------------------------------------------

@pytest.mark.browser
def test_page_draws_every_node_without_any_request(browser, small_page):
    with open_page(browser, small_page) as log:
        page = log.page
        assert page.evaluate("kgNodes.length") == 7
        assert page.evaluate("kgEdges.length") == 7
        assert page.evaluate("kgNetwork.body.nodeIndices.length") == 7
        assert page.text_content("#kg-count") == "7 nodes, 7 edges"
        assert page.is_visible("#kg-legend")
        assert log.foreign_requests() == []
        assert log.requests == [log.url]
        assert log.errors == []  # no exception and no Content-Security-Policy violation


@pytest.mark.browser
@pytest.mark.parametrize("query", ["Пятаков", "piatakov", "PIATAKOV", "пятаков", "Pyatakóv",
                                   "Пятако́в", "pjatakow"])
def test_search_box_selects_the_same_node_in_any_spelling(browser, small_page, query):
    with open_page(browser, small_page) as log:
        page = log.page
        page.fill("#kg-search", query)
        page.press("#kg-search", "Enter")
        assert page.evaluate("kgNetwork.getSelectedNodes()") == [PYATAKOV]
        assert page.text_content("#kg-details-body .kg-title") == "Georgy Pyatakov"
        assert log.errors == []


@pytest.mark.browser
def test_search_ignores_accents_apostrophes_and_script(browser, small_page):
    with open_page(browser, small_page) as log:
        first = "(q) => kgSearch(q).map(h => h.id)[0]"
        page = log.page
        assert page.evaluate(first, "janis rudzutaks") == EX + "person/janis-rudzutaks"
        assert page.evaluate(first, "рудзутак") == EX + "person/janis-rudzutaks"
        assert page.evaluate(first, "zinovev") == EX + "person/grigory-zinoviev"
        assert page.evaluate(first, "ЗИНОВЬЕВ") == EX + "person/grigory-zinoviev"
        assert page.evaluate("kgSearch('no such name')") == []
        page.fill("#kg-search", "no such name")
        assert page.text_content("#kg-search-status") == "No match"


@pytest.mark.browser
def test_hostile_label_shows_as_text_and_never_runs(browser, small_page):
    hostile = EX + "person/hostile"
    with open_page(browser, small_page) as log:
        page = log.page
        hover_node(page, hostile)
        assert XSS in page.text_content("div.vis-tooltip")
        # Search for it and open its details; the results list shows the label too.
        page.fill("#kg-search", "img src")
        assert page.text_content("#kg-results .kg-hit-label") == XSS
        page.press("#kg-search", "Enter")
        assert page.text_content("#kg-details-body .kg-title") == XSS
        # Click the middle of the edge whose relation and trial are hostile.
        page.evaluate("kgNetwork.fit({animation: false})")
        x, y = page.evaluate(
            """() => { const e = kgEdges.get({filter: e => e.relation.includes('<img')})[0];
                       const p = kgNetwork.getPositions([e.from, e.to]);
                       const m = kgNetwork.canvasToDOM({x: (p[e.from].x + p[e.to].x) / 2,
                                                        y: (p[e.from].y + p[e.to].y) / 2});
                       const r = document.getElementById('kg-network').getBoundingClientRect();
                       return [r.left + m.x, r.top + m.y]; }""")
        page.mouse.click(x, y)
        assert page.text_content("#kg-details-body .kg-title") == (
            f"{XSS} \u2014 {XSS} \u2192 Trial of the Sixteen")
        assert f"Trial: {XSS}" in page.text_content("#kg-details-body")
        assert page.evaluate("document.querySelectorAll('img').length") == 0
        assert log.dialogs == []
        assert log.errors == []
        assert log.foreign_requests() == []


@pytest.mark.browser
def test_alleged_edges_are_dashed_and_established_solid(browser, small_page):
    with open_page(browser, small_page) as log:
        drawn = log.page.evaluate(
            """() => kgEdges.get().map(e => [e.status,
                       kgNetwork.body.edges[e.id].options.dashes])""")
    by_status: dict[str, set] = {}
    for status, dashes in drawn:
        by_status.setdefault(status, set()).add(repr(dashes))
    assert by_status["established"] == {"False"}
    assert all(d not in ("False", "None") for d in by_status["alleged"])
    assert all(d not in ("False", "None") for d in by_status["unknown"])  # never looks established


@pytest.mark.browser
def test_sample_screenshot_for_a_human(browser, tmp_path):
    OUTPUT.mkdir(exist_ok=True)
    page_path = render_network(sample_graph(), tmp_path / "sample.html",
                               title="Moscow Trials: defendants (sample)")
    with open_page(browser, page_path) as log:
        page = log.page
        assert page.evaluate("kgNodes.length") == sample_graph().number_of_nodes()
        page.wait_for_timeout(200)
        page.screenshot(path=str(OUTPUT / "network-sample.png"))
        assert log.errors == [] and log.foreign_requests() == []


@pytest.mark.browser
def test_two_thousand_nodes_draw_quickly(browser, tmp_path):
    """Precomputed positions and no physics: under the 3 s of issue 6, not the minutes vis' simulation takes.

    A second cold load is tried if the first is over 3 s: a loaded machine can stall one load, a
    slow page is slow twice. The time is printed (pytest -s).
    """
    page_path = render_network(random_graph(2000), tmp_path / "big.html")
    times = []
    for _ in range(2):
        with open_page(browser, page_path, timeout_ms=20_000) as log:
            assert log.page.evaluate("kgNodes.length") == 2000
            times.append(log.page.evaluate("kgReadyMs"))
            assert log.errors == [] and log.foreign_requests() == []
        if times[-1] < 3000:
            break
    print(f"\ndraw time: synthetic 2,000 nodes, 3,000 edges: {min(times):.0f} ms")
    assert min(times) < 3000
