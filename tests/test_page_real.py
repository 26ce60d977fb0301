"""The page `kg network` writes from the real graph, opened in real headless Chromium."""

from pathlib import Path

import pytest

from .browser import open_page
from .conftest import OUTPUT, run_kg

ZINOVIEV = "https://w3id.org/moscow-trials/id/person/grigory-zinoviev"


@pytest.fixture(scope="module")
def overview_page(tmp_path_factory) -> tuple[Path, int, int]:
    """The overview page written by the CLI, and the node/edge counts the CLI reported."""
    path = tmp_path_factory.mktemp("page") / "overview.html"
    done = run_kg("network", "--view", "overview", "-o", str(path))
    assert done.returncode == 0, done.stderr
    nodes, edges = (int(n) for n in done.stdout.rsplit("(", 1)[1].split(" nodes, ")[0:1] +
                    [done.stdout.rsplit(", ", 1)[1].split(" edges")[0]])
    return path, nodes, edges


@pytest.mark.browser
def test_real_overview_draws_every_node_with_no_request(overview_page, browser):
    path, nodes, edges = overview_page
    with open_page(browser, path) as log:
        drawn = log.page.evaluate("[window.kgNodes.length, window.kgEdges.length]")
        assert drawn == [nodes, edges]
        assert nodes > 100
        assert log.foreign_requests() == []
        assert log.errors == []
        OUTPUT.mkdir(exist_ok=True)
        log.page.screenshot(path=str(OUTPUT / "overview-real.png"))


@pytest.mark.browser
@pytest.mark.parametrize("spelling", ["Zinoviev", "Зиновьев", "Radomyslsky"])
def test_search_finds_zinoviev_by_any_recorded_spelling(overview_page, browser, spelling):
    path, _, _ = overview_page
    with open_page(browser, path) as log:
        log.page.fill("input[type=search]", spelling)
        log.page.keyboard.press("Enter")
        selected = log.page.evaluate("window.kgNetwork.getSelectedNodes()")
        assert selected == [ZINOVIEV]
