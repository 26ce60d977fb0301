"""The explorer page: filters by status, relation, trial and year; fate colours; sizes; undirected
edges; and the pages `kg network` writes from the real data, in headless Chromium.

Draw times are printed (run with -s to see them) and asserted under the 3 s bound of issue 6;
the synthetic 2,000-node page is timed in tests/test_render.py.
"""

from __future__ import annotations

import contextlib
import json
import re
from pathlib import Path

import networkx as nx
import pytest

from kg.display.render import FATE_STYLES, REHABILITATED_STYLE, network_page, render_network

from .browser import open_page
from .conftest import OUTPUT

EX = "https://w3id.org/moscow-trials/id/"
PYATAKOV = EX + "person/georgy-pyatakov"
BUKHARIN = EX + "person/nikolai-bukharin"
TROTSKY = EX + "person/leon-trotsky"


def page_data(html: str) -> dict:
    match = re.search(r'<script type="application/json" id="kg-data">(.*?)</script>', html, re.S)
    assert match
    return json.loads(match.group(1))


def explorer_graph() -> nx.MultiDiGraph:
    """Three people, two trials, a body: every kind of filter has something to hide."""
    g = nx.MultiDiGraph()
    g.add_node("p1", label="Pyatakov", kind="person", fate="executed", rehabilitated="yes")
    g.add_node("p2", label="Radek", kind="person", fate="killed", rehabilitated="no")
    g.add_node("p3", label="Sokolnikov", kind="person", fate="", rehabilitated="no")
    g.add_node("t36", label="Trial of the Sixteen", kind="trial")
    g.add_node("t37", label="Trial of the Seventeen", kind="trial")
    g.add_node("cc", label="Central Committee", kind="organisation")
    g.add_node("alone", label="Nobody", kind="person", fate="survived")
    g.add_edge("p1", "t37", key="s1", relation="defendant in", status="alleged", trial="Trial of the Seventeen",
               date="1937-01-23/1937-01-30")
    g.add_edge("p2", "t37", key="s2", relation="defendant in", status="alleged", trial="Trial of the Seventeen",
               date="1937-01-23/1937-01-30")
    g.add_edge("p2", "p1", key="s3", relation="testified against", status="established",
               trial="Trial of the Seventeen", date="1937-01-24")
    g.add_edge("p3", "t36", key="s4", relation="witness at", status="established", trial="Trial of the Sixteen",
               date="1936-08")
    g.add_edge("p1", "cc", key="s5", relation="held office in", status="established", date="1923/1927",
               office="member")
    g.add_edge("p1", "p2", key="s6 s7", relation="co-accused with", status="alleged", directed="no",
               trial="Trial of the Seventeen", date="1937-01-23/1937-01-30", charges="treason | wrecking")
    g.add_edge("p2", "p1", key="s6 s7#reverse", relation="co-accused with", status="alleged", directed="no",
               trial="Trial of the Seventeen", date="1937-01-23/1937-01-30", charges="treason | wrecking")
    return g


# ---- without a browser -------------------------------------------------------------------------

def test_undirected_relation_is_drawn_once_without_arrow():
    edges = page_data(network_page(explorer_graph()))["edges"]
    co = [e for e in edges if e["relation"] == "co-accused with"]
    assert len(co) == 1 and co[0]["arrows"] == {"to": {"enabled": False}} and co[0]["undirected"] is True
    assert co[0]["statements"] == []  # keys that are not IRIs are not shown as statements
    assert ["charges", "treason | wrecking"] in co[0]["details"]
    assert len(edges) == 6


def test_facets_list_statuses_relations_trials_and_years():
    facets = page_data(network_page(explorer_graph()))["facets"]
    assert facets["status"] == [["established", 3], ["alleged", 3]]
    assert facets["relation"] == [["defendant in", 2], ["co-accused with", 1], ["held office in", 1],
                                  ["testified against", 1], ["witness at", 1]]
    assert facets["trial"] == [["Trial of the Seventeen", 4], ["Trial of the Sixteen", 1], ["", 1]]
    assert facets["years"] == [1923, 1937] and facets["undated"] == 0


def test_people_are_coloured_by_fate_and_ringed_when_rehabilitated():
    nodes = {n["id"]: n for n in page_data(network_page(explorer_graph()))["nodes"]}
    assert nodes["p1"]["color"]["background"] == FATE_STYLES["executed"]["color"]
    assert nodes["p1"]["color"]["border"] == REHABILITATED_STYLE["border"] and nodes["p1"]["borderWidth"] == 4
    assert nodes["p2"]["color"]["background"] == FATE_STYLES["killed"]["color"] and nodes["p2"]["borderWidth"] == 1
    assert nodes["p3"]["fate"] == "unknown" and nodes["p3"]["color"]["background"] == FATE_STYLES["unknown"]["color"]
    assert nodes["t37"]["fate"] == "" and isinstance(nodes["t37"]["color"], str)
    html = network_page(explorer_graph())
    assert 'data-fate="executed"' in html and "rehabilitated (green ring)" in html


def test_size_follows_the_chosen_centrality():
    g = explorer_graph()
    by_degree = {n["id"]: n["size"] for n in page_data(network_page(g))["nodes"]}
    assert by_degree["p1"] > by_degree["p3"] > 0 and by_degree["alone"] == 7  # the smallest person size
    flat = {n["id"]: n["size"] for n in page_data(network_page(g, size_by=None))["nodes"]}
    assert {flat[k] for k in ("p1", "p2", "p3")} == {7}
    assert "betweenness" in network_page(g, size_by="betweenness")


# ---- in a browser: the filters -----------------------------------------------------------------

@pytest.fixture(scope="module")
def explorer_page(tmp_path_factory) -> Path:
    return render_network(explorer_graph(), tmp_path_factory.mktemp("explorer") / "explorer.html")


def shown(page) -> tuple[list[str], list[str]]:
    return page.evaluate("""() => [kgNodes.get({filter: n => !n.hidden}).map(n => n.id).sort(),
                                   kgEdges.get({filter: e => !e.hidden}).map(e => e.relation).sort()]""")


@pytest.mark.browser
def test_each_filter_hides_its_edges_and_then_the_nodes_left_alone(browser, explorer_page):
    with open_page(browser, explorer_page) as log:
        page = log.page
        every = shown(page)
        assert len(every[0]) == 7 and len(every[1]) == 6
        # status: untick "alleged" in the page itself
        page.locator("input[data-facet=status][value=alleged]").uncheck()
        nodes, relations = shown(page)
        assert relations == ["held office in", "testified against", "witness at"]
        assert "t37" not in nodes and {"p1", "p2", "alone"} <= set(nodes)  # an edgeless node always shows
        assert page.text_content("#kg-count") == "6 nodes of 7, 3 edges of 6 shown"
        page.click("#kg-reset")
        assert shown(page) == every and page.text_content("#kg-count") == "7 nodes, 6 edges"
        # relation
        page.locator("input[data-facet=relation][value='held office in']").uncheck()
        assert "cc" not in shown(page)[0]
        page.evaluate("kgFilters.reset()")
        # trial: only the Sixteen (the "none" button, then one box)
        page.locator("fieldset[data-facet=trial] button", has_text="none").click()
        page.locator("input[data-facet=trial][value='Trial of the Sixteen']").check()
        assert shown(page) == [["alone", "p3", "t36"], ["witness at"]]
        page.evaluate("kgFilters.reset()")
        # years: 1937 only hides the office held in the 1920s and the 1936 witness
        page.fill("#kg-year-from", "1937")
        nodes, relations = shown(page)
        assert "cc" not in nodes and "p3" not in nodes and "held office in" not in relations
        page.fill("#kg-year-from", "1920")
        page.fill("#kg-year-to", "1925")
        assert shown(page) == [["alone", "cc", "p1"], ["held office in"]]
        # searching a hidden node says so instead of failing
        page.fill("#kg-search", "Radek")
        page.press("#kg-search", "Enter")
        assert "Hidden by the current filters" in page.text_content("#kg-details-body")
        assert log.errors == [] and log.foreign_requests() == []


# ---- the pages `kg network` writes from the real data --------------------------------------------

VIEWS = {
    "testimony": ["--view", "testimony"],
    "alleged-conspiracy": ["--view", "alleged-conspiracy"],
    "ego-bukharin": ["--view", "ego", "--focus", "Bukharin", "--hops", "2"],
}


@pytest.fixture(scope="module")
def real_pages(tmp_path_factory, real_kg) -> dict[str, tuple[Path, int, int]]:
    """The three pages of issue 6's "done when", written by `kg network …` (``kg.cli.main``, in
    process, given the session's loaded graph: loading it again per command would cost seconds
    each; ``tests/test_cli_network.py`` runs the command end to end in a subprocess)."""
    import contextlib
    import io

    from kg import cli
    from kg.graph import loader

    out = tmp_path_factory.mktemp("real-pages")
    pages = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(loader, "load", lambda *args, **kwargs: real_kg)
        for name, args in VIEWS.items():
            stdout = io.StringIO()
            with contextlib.redirect_stdout(stdout):
                assert cli.main(["network", *args, "-o", str(out / f"{name}.html")]) == 0
            nodes, edges = map(int, re.search(r"\((\d+) nodes, (\d+) edges\)", stdout.getvalue()).groups())
            pages[name] = (out / f"{name}.html", nodes, edges)
    return pages


@pytest.mark.browser
@pytest.mark.parametrize("name,expected", [
    ("testimony", {PYATAKOV, EX + "person/karl-radek"}),
    ("alleged-conspiracy", {TROTSKY, BUKHARIN, PYATAKOV, EX + "person/grigory-zinoviev"}),
    ("ego-bukharin", {BUKHARIN, EX + "trial/1938-twenty-one", EX + "person/andrey-vyshinsky",
                      EX + "person/alexei-rykov"}),
])
def test_real_pages_draw_the_expected_nodes_with_no_request(browser, real_pages, real_kg, name, expected):
    path, nodes, edges = real_pages[name]
    with open_page(browser, path) as log:
        page = log.page
        assert page.evaluate("[kgNodes.length, kgEdges.length]") == [nodes, edges]
        assert page.evaluate("kgNetwork.body.nodeIndices.length") == nodes
        ids = set(page.evaluate("kgNodes.getIds()"))
        assert expected <= ids
        if name == "ego-bukharin":  # everyone within two steps in the overview, and not everyone beyond
            from kg.display.network import project

            steps = nx.single_source_shortest_path_length(nx.Graph(project(real_kg, view="overview").to_undirected()),
                                                          BUKHARIN)
            assert {n for n, k in steps.items() if k <= 2} <= ids
            beyond = {n for n, k in steps.items() if k >= 3}
            assert beyond and beyond - ids
        page.wait_for_timeout(150)
        OUTPUT.mkdir(exist_ok=True)
        page.screenshot(path=str(OUTPUT / f"network-{name}.png"))
        assert log.errors == [] and log.foreign_requests() == [] and log.requests == [log.url]


@pytest.mark.browser
@pytest.mark.parametrize("spelling", ["Пятаков", "Piatakov", "pyatakov"])
def test_search_finds_pyatakov_by_any_spelling_on_the_real_page(browser, real_pages, spelling):
    path, _, _ = real_pages["alleged-conspiracy"]
    with open_page(browser, path) as log:
        log.page.fill("#kg-search", spelling)
        log.page.press("#kg-search", "Enter")
        assert log.page.evaluate("kgNetwork.getSelectedNodes()") == [PYATAKOV]


@pytest.mark.browser
def test_real_alleged_conspiracy_filters(browser, real_pages):
    path, nodes, edges = real_pages["alleged-conspiracy"]
    with open_page(browser, path) as log:
        page = log.page
        facets = page.evaluate("JSON.parse(document.getElementById('kg-data').textContent).facets")
        # established only: the testimony, nothing the prosecution merely alleged
        for status, _count in facets["status"]:
            if status != "established":
                page.locator(f"input[data-facet=status][value='{status}']").uncheck()
        statuses = page.evaluate("[...new Set(kgEdges.get({filter: e => !e.hidden}).map(e => e.status))]")
        assert statuses == ["established"]
        hidden = set(page.evaluate("kgFilters.hiddenNodes()"))
        live = page.evaluate("""() => { const s = new Set(); kgEdges.get({filter: e => !e.hidden})
                                          .forEach(e => { s.add(e.from); s.add(e.to); }); return [...s]; }""")
        assert hidden and not (hidden & set(live)) and len(hidden) + len(live) == nodes
        page.evaluate("kgFilters.reset()")
        # one trial: every visible edge is about it
        counts = page.evaluate("kgFilters.set('trial', 'Trial of the Twenty-One', false)")
        assert counts[1] < edges
        trials = page.evaluate("[...new Set(kgEdges.get({filter: e => !e.hidden}).map(e => e.trial))]")
        assert "Trial of the Twenty-One" not in trials
        page.evaluate("kgFilters.reset()")
        # years: 1938 only
        page.evaluate("kgFilters.years(1938, 1938, false)")
        years = page.evaluate("kgEdges.get({filter: e => !e.hidden}).map(e => [e.year0, e.year1])")
        assert years and all(first <= 1938 <= last for first, last in years)
        page.evaluate("kgFilters.reset()")
        # relation
        page.locator("input[data-facet=relation][value='testified against']").uncheck()
        assert "testified against" not in page.evaluate("kgEdges.get({filter: e => !e.hidden}).map(e => e.relation)")
        assert log.errors == []


# ---- draw times ----------------------------------------------------------------------------------

def draw_ms(browser, path: Path) -> float:
    """The time from navigation to the first drawing; a second cold load if the first was over 3 s
    (a loaded CI machine can stall one load; a page that is slow is slow twice)."""
    times = []
    for _ in range(2):
        with open_page(browser, path, timeout_ms=30_000) as log:
            times.append(log.page.evaluate("kgReadyMs"))
            assert log.errors == [] and log.foreign_requests() == []
        if times[-1] < 3000:
            break
    return min(times)


@pytest.mark.browser
def test_largest_real_page_draws_in_under_3_seconds(browser, real_pages):
    """The synthetic 2,000-node page is timed by tests/test_render.py::test_two_thousand_nodes_draw_quickly."""
    name, (path, nodes, edges) = max(real_pages.items(), key=lambda item: item[1][1] + item[1][2])
    real_ms = draw_ms(browser, path)
    print(f"\ndraw time: real {name} ({nodes} nodes, {edges} edges): {real_ms:.0f} ms")
    assert real_ms < 3000


# ---- the address keeps the view; the chosen node's details are in sight; the PNG export -------------

@contextlib.contextmanager
def open_url(browser, path: Path, fragment: str, viewport: tuple[int, int] = (1280, 800)):
    """Yield a page opened at ``file://PATH#FRAGMENT`` (a fresh load, as a shared link is opened)."""
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(Path(path).resolve().as_uri() + "#" + fragment)
        page.wait_for_selector("body[data-ready='1']", state="attached", timeout=30_000)
        yield page
        assert errors == []
    finally:
        context.close()


def address_state(page) -> str:
    page.wait_for_timeout(400)  # the page writes its address 150 ms after the last change
    return page.evaluate("location.hash")


@pytest.mark.browser
def test_an_address_with_a_focus_and_filters_reproduces_the_view(browser, explorer_page):
    with open_url(browser, explorer_page, "focus=p2&status=established") as page:
        assert page.evaluate("kgNetwork.getSelectedNodes()") == ["p2"]
        assert page.text_content("#kg-details-body .kg-title") == "Radek"
        nodes, relations = shown(page)
        assert relations == ["held office in", "testified against", "witness at"]
        assert page.is_checked("input[data-facet=status][value=established]")
        assert not page.is_checked("input[data-facet=status][value=alleged]")


@pytest.mark.browser
def test_the_address_follows_the_page_and_a_copied_link_opens_the_same_view(browser, explorer_page):
    with open_page(browser, explorer_page) as log:
        page = log.page
        assert page.evaluate("location.hash") == ""  # nothing written before the reader does anything
        page.locator("input[data-facet=relation][value='held office in']").uncheck()
        page.fill("#kg-year-from", "1937")
        page.fill("#kg-search", "Pyatakov")
        page.press("#kg-search", "Enter")
        page.wait_for_timeout(500)  # the focus animation
        state = address_state(page)
        assert "focus=p1" in state and "years=1937-" in state and "relation=" in state
        before = (shown(page), page.evaluate("kgNetwork.getViewPosition()"), page.evaluate("kgNetwork.getScale()"))
    with open_url(browser, explorer_page, state.lstrip("#")) as again:
        assert shown(again) == before[0]
        position = again.evaluate("kgNetwork.getViewPosition()")
        assert abs(position["x"] - before[1]["x"]) <= 1 and abs(position["y"] - before[1]["y"]) <= 1
        assert again.evaluate("kgNetwork.getScale()") == pytest.approx(before[2], rel=1e-3)
        assert again.evaluate("kgNetwork.getSelectedNodes()") == ["p1"]
        assert not again.is_checked("input[data-facet=relation][value='held office in']")
        assert again.input_value("#kg-year-from") == "1937"


@pytest.mark.browser
def test_a_real_page_opens_on_a_person_named_in_the_address(browser, real_pages):
    path, _, _ = real_pages["alleged-conspiracy"]
    # the IRI's path below /id/, as the site and the w3id rules spell it; a name works too
    for focus in ("person/nikolai-bukharin", "%D0%91%D1%83%D1%85%D0%B0%D1%80%D0%B8%D0%BD"):
        with open_url(browser, path, f"focus={focus}&status=alleged") as page:
            assert page.evaluate("kgNetwork.getSelectedNodes()") == [BUKHARIN]
            assert page.evaluate("[...new Set(kgEdges.get({filter: e => !e.hidden}).map(e => e.status))]") == ["alleged"]
            box = page.locator("#kg-details-body .kg-title").bounding_box()
            assert box and box["y"] + box["height"] <= 800


@pytest.mark.browser
def test_after_a_search_the_details_are_in_sight_without_scrolling(browser, real_pages):
    """Issue 14 item 10: the details were ~1,600 px down the sidebar, below the legend and filters."""
    path, _, _ = real_pages["alleged-conspiracy"]
    with open_page(browser, path, viewport=(1280, 720)) as log:
        page = log.page
        page.evaluate("document.getElementById('kg-sidebar').scrollTop = 10000")  # the reader was at the filters
        page.fill("#kg-search", "Пятаков")
        page.press("#kg-search", "Enter")
        title = page.locator("#kg-details-body .kg-title")
        assert title.text_content() == "Georgy Pyatakov"
        box = title.bounding_box()
        assert box is not None and 0 <= box["y"] and box["y"] + box["height"] <= 720, box
        sources = page.locator("#kg-details-body .kg-sources").first.bounding_box()
        assert sources is not None and sources["y"] < 720


@pytest.mark.browser
def test_the_png_export_has_a_title_the_date_and_the_legend(browser, explorer_page):
    with open_page(browser, explorer_page) as log:
        page = log.page
        texts, size, drawing = page.evaluate("""() => {
            const texts = [], fill = CanvasRenderingContext2D.prototype.fillText;
            CanvasRenderingContext2D.prototype.fillText = function (t, x, y) {
                texts.push(String(t));
                return fill.call(this, t, x, y);
            };
            const canvas = kgExportCanvas();
            CanvasRenderingContext2D.prototype.fillText = fill;
            const drawing = document.querySelector('#kg-network canvas');
            return [texts, [canvas.width, canvas.height], [drawing.width, drawing.height]];
        }""")
        today = page.evaluate("new Date().toISOString().slice(0, 10)")
        assert texts[0] == page.title()
        assert any(f"exported {today}" in t and "7 nodes, 6 edges" in t for t in texts), texts
        assert "Legend" in texts
        for label in ("Person (colour: fate) (4)", "Trial (2)", "established (3)", "alleged (3)", "executed (1)"):
            assert label in texts, (label, texts)
        assert "Place (0)" not in " ".join(texts)  # absent kinds are left out
        assert size[0] > drawing[0] and size[1] > drawing[1]
        # the legend's swatches are drawn in their colours: the fate red is on the image
        red = page.evaluate("""() => {
            const c = kgExportCanvas(), d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            let n = 0;
            for (let i = 0; i < d.length; i += 4) if (d[i] === 0xB2 && d[i + 1] === 0x18 && d[i + 2] === 0x2B) n++;
            return n;
        }""")
        assert red > 20
