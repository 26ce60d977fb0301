"""Render a networkx graph as one self-contained, offline, reproducible HTML page.

The page is drawn by vis-network (through pyvis, as the product requires), with a legend,
text-only tooltips, a search box over labels and other spellings (Latin or Cyrillic, case- and
accent-insensitive), a "N nodes, M edges" count line, a details panel, and filters by status,
relation, trial and year (an edge that fails a filter is hidden, then every node left without a
visible edge). People are coloured by fate (:data:`FATE_STYLES`, the one colour table for it) and
ringed when rehabilitated; nodes are sized by a centrality computed here (degree by default); an
undirected relation (``directed="no"``, stored by ``kg.display.network`` as two edges) is drawn once,
without an arrow.

How pyvis is used, and why not all of it
----------------------------------------
* **Data model: pyvis.** A ``pyvis.network.Network`` holds the nodes, edges and vis options; we
  fill ``net.nodes`` / ``net.edges`` directly because ``add_node``/``from_nx`` rescan the lists on
  every call (quadratic: 10k nodes took 37 s, see ``PERFORMANCE.md``), and read them back with
  ``net.get_network_data()``.
* **Page: our own Jinja2 template** (``kg/display/templates/network.html``), rendered here rather than
  through ``net.set_template_dir()`` + ``net.write_html()``. pyvis' ``generate_html`` passes a fixed
  set of variables (no room for the legend, the count, the inlined library or the CSP hashes), its
  ``in_line`` mode ``{% include %}``-s vis-network relative to the template folder (so a custom
  folder would need a copy of pyvis' ``lib/`` or a patched loader), every stock mode loads
  Bootstrap from a CDN, ``write_html`` writes non-atomically, and in the default ``local`` mode it
  copies a ``lib/`` folder into the current directory. We never call ``write_html``/``show``, so
  nothing but the target file is written (a test checks the working directory stays empty).
* **vis-network** is read from pyvis' own package folder (``templates/lib/vis-9.1.2``) and inlined,
  so the page needs no network and no ``lib/`` folder. Its 220 kB stylesheet is not needed: the
  template styles the one vis element we use (the tooltip).

Safety
------
All data travels as one JSON document in a ``<script type="application/json">`` block, with
``<``, ``>``, ``&``, U+2028 and U+2029 written as ``\\u`` escapes (a superset of escaping ``</``
as ``<\\/``: no label can close the script or open a comment). Text reaches the page only through
``textContent`` (tooltips are DOM elements, not HTML strings; vis draws labels on a canvas), and the
page carries a Content-Security-Policy that allows only its own two scripts, by SHA-256 hash: no
inline event handler can run and no request can leave the page, even if a bug let markup through.

Reproducibility
---------------
The page depends on the graph's content only, never on insertion order or the clock: nodes are
sorted by id, edges by their endpoints and attributes, list attributes are sorted, and positions
come from a seeded layout rounded to whole pixels, with physics switched off. The same graph and
seed give a byte-identical file, and the browser draws it at once instead of simulating for
minutes (headless Chromium, navigation to first drawing: 500 nodes 18.8 s with vis' physics,
0.3 s here; 2,000 nodes 257 s with physics, 0.7 s here).

Why one module of over 400 lines: the network page's options, legend, inlined library and Content-Security-Policy
hashes must agree with each other; they are kept where one reading sees them all.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kg.atomic import write_text_atomic

if TYPE_CHECKING:  # pragma: no cover
    import networkx as nx

__all__ = [
    "DEFAULT_KIND",
    "FATE_STYLES",
    "KIND_STYLES",
    "REHABILITATED_STYLE",
    "STATUS_STYLES",
    "layout_positions",
    "network_page",
    "render_network",
]

#: How each kind of node is drawn: fill colour (Okabe–Ito, safe for colour-blind readers), vis
#: shape (so kinds differ by more than colour) and the legend text. Unknown kinds draw as "other".
KIND_STYLES: dict[str, dict[str, str]] = {
    "person": {"color": "#0072B2", "shape": "dot", "legend": "Person"},
    "trial": {"color": "#D55E00", "shape": "square", "legend": "Trial"},
    "organisation": {"color": "#009E73", "shape": "hexagon", "legend": "Organisation"},
    "place": {"color": "#E69F00", "shape": "triangle", "legend": "Place"},
    "charge": {"color": "#CC79A7", "shape": "diamond", "legend": "Charge"},
    "claim": {"color": "#56B4E9", "shape": "triangleDown", "legend": "Claim"},
    "other": {"color": "#999999", "shape": "dot", "legend": "Other"},
}
DEFAULT_KIND = "other"

#: How an edge's status is drawn (the status words of ``kg.display.network``). Only an established
#: statement gets a solid line: anything else, including a missing or unknown status, must not
#: look established. ``other`` is the fallback for any word not in this table.
STATUS_STYLES: dict[str, dict[str, Any]] = {
    "established": {"dashes": False, "color": "#4d4d4d", "legend": "established"},
    "probable": {"dashes": [14, 4], "color": "#5f5f5f", "legend": "probable"},
    "alleged": {"dashes": [8, 6], "color": "#8c6d62", "legend": "alleged"},
    "disputed": {"dashes": [10, 4, 2, 4], "color": "#8c6d62", "legend": "disputed"},
    "unsupported": {"dashes": [4, 4], "color": "#8c6d62", "legend": "unsupported (no evidence but the claim)"},
    "retracted": {"dashes": [12, 3, 3, 3], "color": "#a6761d", "legend": "retracted"},
    "fabricated": {"dashes": [2, 4], "color": "#b2182b", "legend": "fabricated"},
    "other": {"dashes": [2, 5], "color": "#9a9a9a", "legend": "other or unknown status"},
}

#: How a person's fate colours their node (the ``fate`` words of ``kg.display.network.FATES``); a person
#: whose fate is missing or not in this table is "unknown". Colours from ColorBrewer's colour-blind
#: safe sets, dark for violent deaths; none is a kind colour, so a person is never mistaken for a
#: trial or a body (the shapes differ too).
FATE_STYLES: dict[str, dict[str, str]] = {
    "executed": {"color": "#B2182B", "legend": "executed"},
    "died in prison or camp": {"color": "#762A83", "legend": "died in prison or camp"},
    "killed": {"color": "#E08214", "legend": "killed (murdered)"},
    "suicide": {"color": "#8073AC", "legend": "suicide"},
    "survived": {"color": "#4393C3", "legend": "survived (died of natural causes)"},
    "unknown": {"color": "#BDBDBD", "legend": "fate not recorded"},
}
#: The ring around a rehabilitated person (``rehabilitated="yes"``); others get a thin grey border.
REHABILITATED_STYLE = {"border": "#1B7837", "width": 4, "legend": "rehabilitated (green ring)"}
_PLAIN_BORDER = {"border": "#4d4d4d", "width": 1}

#: Where an edge's extra attributes (``charges``, ``office`` …) are not shown: these are drawn or
#: shown otherwise, or are bookkeeping.
_EDGE_FIELDS = {"relation", "status", "trial", "date", "source", "source_url", "projection", "directed",
                "trial_iri", "key", "label", "statement", "weight", "id", "title", "color", "dashes"}

# Details shown first, in this order; any other keys follow alphabetically.
_DETAIL_ORDER = ("born", "died", "arrested", "trial", "dates", "sentence", "manner", "executed",
                 "fate", "rehabilitated")

# Above this many nodes the exact O(n²) Fruchterman–Reingold gets slow (and networkx needs scipy
# from 500 nodes on), so a grid-accelerated variant of the same algorithm takes over.
_EXACT_LAYOUT_LIMIT = 500

_ASPECT = 1.5  # width / height of the layout

_VIS_JS = ("templates", "lib", "vis-9.1.2", "vis-network.min.js")

# One SVG path per vis shape, in a 14×14 box, for the legend.
_LEGEND_GLYPHS = {
    "dot": "M7 1.5a5.5 5.5 0 1 0 0.001 0Z",
    "square": "M2 2h10v10H2Z",
    "hexagon": "M7 1.2 12 4.1v5.8L7 12.8 2 9.9V4.1Z",
    "triangle": "M7 1.5 12.8 12H1.2Z",
    "triangleDown": "M1.2 2h11.6L7 12.5Z",
    "diamond": "M7 1 13 7 7 13 1 7Z",
}


def render_network(
    graph: nx.MultiDiGraph,
    path: str | Path,
    *,
    title: str = "Moscow Trials network",
    seed: int = 42,
    max_nodes: int = 5000,
    size_by: str | None = "degree",
) -> Path:
    """Return the path of the self-contained HTML page written for *graph*.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        Node ids are IRIs; node attributes ``label``, ``kind``, ``iri``, ``alt_labels``,
        ``details``, ``sources``, ``fate``, ``rehabilitated`` and edge attributes ``relation``,
        ``status``, ``trial``, ``date``, ``source`` (or ``source_url``), ``directed`` are all
        optional (missing ones get defaults); other plain edge attributes (``charges``,
        ``office``) show in the edge's tooltip. Any networkx graph works; a multigraph's parallel
        edges are drawn as separate curves.
    path : str or Path
        Where to write the page (written atomically; parent folders are created).
    title : str
        The page's title and heading.
    seed : int
        Seed of the layout: the same graph and seed give a byte-identical page.
    max_nodes : int
        Refuse graphs with more nodes than this (they draw slowly and cannot be read).
    size_by : str or None
        Size nodes by this centrality: ``degree`` (distinct neighbours), ``betweenness`` or
        ``eigenvector`` (see ``kg.display.analytics``), or a numeric node attribute; ``None``: one size.

    Raises
    ------
    ValueError
        If the graph has more than *max_nodes* nodes.

    Examples
    --------
    >>> import networkx as nx, tempfile, pathlib
    >>> g = nx.MultiDiGraph()
    >>> g.add_node("https://example.org/p/1", label="Georgy Pyatakov", kind="person",
    ...            alt_labels=["Пятаков", "Piatakov"])
    >>> g.add_node("https://example.org/t/1", label="Second Moscow Trial", kind="trial")
    >>> g.add_edge("https://example.org/p/1", "https://example.org/t/1",
    ...            relation="defendant in", status="established")
    0
    >>> out = render_network(g, pathlib.Path(tempfile.mkdtemp()) / "net.html")
    >>> "1 edge" in out.read_text(encoding="utf-8")
    True
    """
    html = network_page(graph, title=title, seed=seed, max_nodes=max_nodes, size_by=size_by)
    return write_text_atomic(Path(path), html)


def network_page(
    graph: nx.Graph,
    *,
    title: str = "Moscow Trials network",
    seed: int = 42,
    max_nodes: int = 5000,
    size_by: str | None = "degree",
    vis_src: str | None = None,
) -> str:
    """Return the HTML text of the page :func:`render_network` writes (for notebooks and tests).

    With *vis_src* (a relative URL such as ``../assets/vis-network.min.js``) the page loads vis-network
    from that file beside it instead of inlining its 470 kB: what a site with hundreds of network pages
    needs. The file must be written there (:func:`vis_network_js` gives its text).
    """
    from markupsafe import Markup
    from pyvis.network import Network

    n_nodes = graph.number_of_nodes()
    if n_nodes > max_nodes:
        raise ValueError(
            f"The graph has {n_nodes} nodes, more than max_nodes={max_nodes}: a page that big "
            "draws slowly and cannot be read. Draw a smaller view instead (the ego network of one "
            "person, or the network of one trial), or pass a larger max_nodes if you mean it."
        )

    node_ids = sorted(graph.nodes, key=str)
    edges = _sorted_edges(graph)
    positions = layout_positions(graph, seed=seed)
    sizes = _node_sizes(graph, size_by)
    # Colour people by fate only if the graph says what became of anyone (kg.display.network's people do).
    by_fate = any(_text(attrs.get("fate")).strip() for _, attrs in graph.nodes(data=True))

    net = Network(directed=True, cdn_resources="in_line", heading=title, height="100%",
                  width="100%")
    net.nodes = [_vis_node(n, graph.nodes[n], positions[n], sizes.get(n, 0.0), by_fate=by_fate)
                 for n in node_ids]
    net.edges = _vis_edges(edges)
    net.options = _vis_options(len(net.nodes), len(net.edges), seed)
    nodes, vis_edges, heading, _height, _width, options_json = net.get_network_data()

    # sources are source IRIs; the page shows each as its citation, linked to the work (or the copy read)
    citations = {iri: graph.graph["citations"][iri] for iri in sorted(
        {s for item in (*nodes, *vis_edges) for s in item.get("sources", [])}) if iri in graph.graph.get("citations", {})}
    data = {"nodes": nodes, "edges": vis_edges, "options": json.loads(options_json),
            "facets": _facets(vis_edges), "citations": citations}
    kind_counts = Counter(node["kind"] for node in nodes)
    status_counts = Counter(edge["statusStyle"] for edge in vis_edges)
    fate_counts = Counter(node["fate"] for node in nodes if node["fate"])
    ringed = sum(1 for node in nodes if node["rehabilitated"] == "yes")
    vis_js = _vis_network_js()
    return _template().render(
        title=heading,
        count_text=f"{_plural(len(nodes), 'node')}, {_plural(len(vis_edges), 'edge')}",
        legend_kinds=[
            {"kind": kind, "color": "#ffffff" if by_fate and kind == "person" else style["color"],
             "legend": "Person (colour: fate)" if by_fate and kind == "person" else style["legend"],
             "glyph": _LEGEND_GLYPHS[style["shape"]], "count": kind_counts.get(kind, 0)}
            for kind, style in KIND_STYLES.items()
        ],
        legend_fates=[
            {"fate": fate, "color": style["color"], "legend": style["legend"], "count": fate_counts.get(fate, 0)}
            for fate, style in FATE_STYLES.items()
        ] if by_fate else [],
        legend_rehabilitated={"border": REHABILITATED_STYLE["border"], "width": REHABILITATED_STYLE["width"],
                              "legend": REHABILITATED_STYLE["legend"], "count": ringed} if by_fate else None,
        size_text=_SIZE_TEXT.get(size_by or "", f"Size: {size_by}") if size_by else "",
        legend_statuses=[
            {"status": status, "color": style["color"], "legend": style["legend"],
             "dasharray": " ".join(map(str, style["dashes"])) if style["dashes"] else "",
             "count": status_counts.get(status, 0)}
            for status, style in STATUS_STYLES.items()
        ],
        data_json=Markup(_script_json(data)),
        vis_js=vis_js if vis_src is None else "",
        vis_js_hash=_csp_hash(vis_js),
        vis_src=vis_src,
    )


def layout_positions(graph: nx.Graph, *, seed: int = 42) -> dict[Any, tuple[int, int]]:
    """Return whole-pixel ``(x, y)`` positions for every node, from a seeded force layout.

    Edges are taken as undirected and simple. Up to 500 nodes this is ``nx.spring_layout``
    (exact Fruchterman–Reingold); above, the grid variant of the same algorithm (repulsion only
    within twice the ideal edge length, as in Fruchterman and Reingold 1991), which is linear per
    iteration and needs only numpy. A graph of several connected components (the co-accused of
    each trial, say) has each laid out on its own, scaled to an area in proportion to its size,
    and the components packed in rows, largest first: left to the force layout, they drift far
    apart and each shrinks to an unreadable knot. Nodes are laid out in sorted order, so the
    result depends on the graph's content and *seed* only.

    Examples
    --------
    >>> import networkx as nx
    >>> pos = layout_positions(nx.path_graph(3), seed=1)
    >>> pos == layout_positions(nx.path_graph(3), seed=1), sorted(pos)
    (True, [0, 1, 2])
    """
    import networkx as nx
    import numpy as np

    order = sorted(graph.nodes, key=str)
    n = len(order)
    if n == 0:
        return {}
    index = {node: i for i, node in enumerate(order)}
    pairs = sorted({(min(index[u], index[v]), max(index[u], index[v]))
                    for u, v in graph.edges() if u != v})
    simple = nx.Graph()
    simple.add_nodes_from(range(n))
    simple.add_edges_from(pairs)
    components = sorted((sorted(c) for c in nx.connected_components(simple)), key=lambda c: (-len(c), c[0]))
    if len(components) == 1 or sum(len(c) for c in components if len(c) > 1) == 0:
        coords = _force_layout(n, pairs, seed)
    else:
        coords = _packed_layout(components, simple, seed)

    coords = coords - coords.mean(axis=0)
    extent = np.abs(coords).max(axis=0)
    extent[extent == 0] = 1.0
    # About 110 px between neighbours whatever the size (a floor keeps tiny graphs apart), and
    # wider than high: screens are landscape and labels are wide.
    radius = max(220.0, 55.0 * math.sqrt(n))
    scaled = coords / extent * radius * np.array([_ASPECT, 1.0])
    if n < _EXACT_LAYOUT_LIMIT:
        scaled = _spread_out(scaled, _MIN_GAP)
    pixels = np.rint(scaled).astype(int)
    return {node: (int(pixels[i, 0]), int(pixels[i, 1])) for node, i in index.items()}


_MIN_GAP = 64.0  # px: closer than this, two nodes' labels overlap


def _spread_out(points: Any, gap: float, *, rounds: int = 80) -> Any:
    """Return *points* moved apart until no two are closer than *gap* (or *rounds* pushes are done).

    A force layout packs a dense group (the co-accused of one trial) into a knot whose labels
    cannot be read; each round pushes every too-close pair apart along the line between them, which
    keeps the picture's shape while opening the knots. Deterministic: no randomness, and points
    that coincide are separated along a fixed direction that depends on their order.
    """
    import numpy as np

    pos = np.array(points, dtype=float)
    n = len(pos)
    if n < 2:
        return pos
    order = np.arange(n, dtype=float)
    nudge = np.stack([np.cos(order * 2.399963), np.sin(order * 2.399963)], axis=1) * 1e-3
    for _ in range(rounds):
        delta = pos[:, None, :] - pos[None, :, :]
        dist = np.sqrt((delta**2).sum(axis=2))
        np.fill_diagonal(dist, 1e12)  # finite: inf would make (gap - dist) / dist a NaN
        close = dist < gap
        if not close.any():
            break
        same = dist < 1e-6
        delta[same] = (nudge[:, None, :] - nudge[None, :, :])[same]
        dist = np.where(same, 1e-3, dist)
        push = np.where(close, (gap - dist) / 2 / dist, 0.0)
        pos += 0.6 * (delta * push[:, :, None]).sum(axis=1) / np.maximum(1, close.sum(axis=1))[:, None] ** 0.5
    return pos


def _force_layout(n: int, pairs: list[tuple[int, int]], seed: int) -> Any:
    """Return an ``(n, 2)`` array: the force layout of one graph on nodes ``0 … n-1``."""
    import networkx as nx
    import numpy as np

    if n == 1:
        return np.zeros((1, 2))
    if n < _EXACT_LAYOUT_LIMIT:
        simple = nx.Graph()
        simple.add_nodes_from(range(n))
        simple.add_edges_from(pairs)
        # Members of a dense group (the co-accused of one trial) pull on each other from every side
        # and collapse into a knot: a link between two well-connected nodes pulls more weakly,
        # while a leaf stays close to its hub (its link keeps weight 1).
        for u, v in pairs:
            simple.edges[u, v]["weight"] = 1.0 / max(1, min(simple.degree(u), simple.degree(v)))
        # A longer ideal distance than networkx's 1/sqrt(n) spreads the hubs' leaves apart.
        spring = nx.spring_layout(simple, k=2.0 / math.sqrt(n), iterations=100, seed=seed, weight="weight")
        return np.array([spring[i] for i in range(n)], dtype=float)
    return _grid_spring_layout(n, np.array(pairs, dtype=np.int64).reshape(-1, 2), seed)


def _packed_layout(components: list[list[int]], simple: nx.Graph, seed: int) -> Any:
    """Return an ``(n, 2)`` array: each component laid out alone, scaled to its size, packed in rows."""
    import numpy as np

    n = simple.number_of_nodes()
    coords = np.zeros((n, 2))
    boxes = []
    for members in components:
        local = {node: i for i, node in enumerate(members)}
        pairs = sorted((min(local[u], local[v]), max(local[u], local[v]))
                       for u, v in simple.subgraph(members).edges())
        part = _force_layout(len(members), pairs, seed)
        part = part - part.mean(axis=0)
        reach = float(np.sqrt((part**2).sum(axis=1)).max()) or 1.0
        radius = math.sqrt(len(members))  # area in proportion to the number of nodes
        boxes.append((members, part / reach * radius, radius))
    # Shelf packing: rows about 1.5 times as wide as the whole is high, largest components first.
    gap = 1.2
    area = sum((2 * r + gap) ** 2 for _, _, r in boxes)
    row_width = max(math.sqrt(area * _ASPECT), 2 * boxes[0][2] + gap)
    x = y = row_height = 0.0
    for members, part, radius in boxes:
        side = 2 * radius + gap
        if x > 0 and x + side > row_width:
            x, y, row_height = 0.0, y + row_height, 0.0
        coords[members] = part + np.array([x + side / 2, y + side / 2])
        x += side
        row_height = max(row_height, side)
    return coords


def _grid_spring_layout(n: int, pairs: Any, seed: int) -> Any:
    """Return an ``(n, 2)`` array from grid Fruchterman–Reingold with ideal edge length 1."""
    import numpy as np

    # Each iteration costs about n × (nodes per cell); fewer iterations for the biggest graphs
    # keep 5,000 nodes near 3 s, at some cost in polish nobody sees at that zoom.
    iterations = max(50, min(120, 240_000 // n))
    rng = np.random.default_rng(seed)
    side = math.sqrt(n)
    pos = rng.random((n, 2)) * side
    k = 1.0
    cell = 2.0 * k
    src, dst = (pairs[:, 0], pairs[:, 1]) if len(pairs) else (np.empty(0, int), np.empty(0, int))
    temperature = side / 10.0
    cooling = temperature / (iterations + 1)
    offsets = ((0, 0), (1, -1), (1, 0), (1, 1), (0, 1))  # each neighbouring cell pair once
    for _ in range(iterations):
        disp = np.zeros_like(pos)
        cx = np.floor(pos[:, 0] / cell).astype(np.int64)
        cy = np.floor(pos[:, 1] / cell).astype(np.int64)
        cx -= cx.min()
        cy -= cy.min()
        width = int(cy.max()) + 3
        keys = (cx + 1) * width + (cy + 1)
        by_cell = np.argsort(keys, kind="stable")
        cells, starts, counts = np.unique(keys[by_cell], return_index=True, return_counts=True)
        for ox, oy in offsets:
            target = cells + ox * width + oy
            found = np.searchsorted(cells, target)
            found = np.minimum(found, len(cells) - 1)
            hit = cells[found] == target
            a, b = np.nonzero(hit)[0], found[hit]
            ca, cb = counts[a], counts[b]
            sizes = ca * cb
            total = int(sizes.sum())
            if total == 0:
                continue
            block = np.repeat(np.arange(len(a)), sizes)
            local = np.arange(total) - np.repeat(np.cumsum(sizes) - sizes, sizes)
            i = by_cell[starts[a][block] + local // cb[block]]
            j = by_cell[starts[b][block] + local % cb[block]]
            if ox == 0 and oy == 0:
                keep = i < j
                i, j = i[keep], j[keep]
            delta = pos[i] - pos[j]
            dist = np.sqrt((delta**2).sum(axis=1))
            near = dist < cell
            i, j, delta, dist = i[near], j[near], delta[near], np.maximum(dist[near], 0.01)
            _scatter(disp, i, j, (k * k / dist**2)[:, None] * delta)
        if len(src):
            delta = pos[src] - pos[dst]
            dist = np.maximum(np.sqrt((delta**2).sum(axis=1)), 0.01)
            _scatter(disp, dst, src, (dist / k)[:, None] * delta)
        # Weak gravity keeps components that do not repel each other from drifting apart.
        disp -= 0.05 * (pos - pos.mean(axis=0))
        length = np.maximum(np.sqrt((disp**2).sum(axis=1)), 1e-9)
        pos += disp / length[:, None] * np.minimum(length, temperature)[:, None]
        temperature -= cooling
    return pos


def _scatter(disp: Any, plus: Any, minus: Any, force: Any) -> None:
    """Add *force* to ``disp[plus]`` and subtract it from ``disp[minus]`` (repeated indices sum)."""
    import numpy as np

    n = len(disp)
    for axis in (0, 1):
        disp[:, axis] += np.bincount(plus, weights=force[:, axis], minlength=n)
        disp[:, axis] -= np.bincount(minus, weights=force[:, axis], minlength=n)


def _sorted_edges(graph: nx.Graph) -> list[tuple[Any, Any, str, dict[str, Any]]]:
    """Return ``(u, v, key, attributes)`` for every edge to draw, in an order that ignores insertion order.

    The mirror half of an undirected relation (``directed="no"``, key ending ``#reverse``) is left out.
    """
    if graph.is_multigraph():
        raw = [(u, v, str(key), attrs) for u, v, key, attrs in graph.edges(keys=True, data=True)
               if not (attrs.get("directed") == "no" and str(key).endswith(_MIRROR_SUFFIX))]
    else:
        raw = [(u, v, "", attrs) for u, v, attrs in graph.edges(data=True)]

    def order(edge: tuple[Any, Any, str, Mapping[str, Any]]) -> tuple[str, ...]:
        u, v, key, attrs = edge
        fields = ("relation", "status", "trial", "date", "source")
        return (str(u), str(v), *(_text(attrs.get(f)) for f in fields), key)

    return sorted(raw, key=order)


_MIRROR_SUFFIX = "#reverse"  # kg.display.network.MIRROR_SUFFIX (this module does not import kg.display.network)

_SIZE_TEXT = {
    "degree": "Size: number of distinct neighbours (degree).",
    "betweenness": "Size: betweenness (how many shortest paths pass through).",
    "eigenvector": "Size: eigenvector centrality (ties to the well-connected).",
}


def _node_sizes(graph: nx.Graph, size_by: str | None) -> dict[Any, float]:
    """Return each node's size value in [0, 1] (share of the largest), from a centrality or an attribute."""
    if not size_by or graph.number_of_nodes() == 0:
        return {}
    from kg.display.analytics import MEASURES

    if size_by in MEASURES:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            values = MEASURES[size_by](graph)
    else:
        values = {}
        for node, attrs in graph.nodes(data=True):
            try:
                values[node] = float(attrs.get(size_by) or 0)
            except (TypeError, ValueError):
                values[node] = 0.0
    top = max((abs(v) for v in values.values()), default=0.0)
    return {node: abs(value) / top for node, value in values.items()} if top > 0 else {}


def _vis_node(node: Any, attrs: Mapping[str, Any], xy: tuple[int, int], share: float, *,
              by_fate: bool = False) -> dict:
    """Return the vis-network node dict (plus our own fields, read by the page's script).

    *share* (0–1) is the node's centrality relative to the largest: area grows with it.
    """
    kind = _text(attrs.get("kind")).strip().lower() or DEFAULT_KIND
    style = KIND_STYLES.get(kind, KIND_STYLES[DEFAULT_KIND])
    node_id = str(node)
    label = _text(attrs.get("label")).strip() or _local_name(node_id)
    fate_text = _text(attrs.get("fate")).strip()
    details = _detail_rows(attrs.get("details"), fate=fate_text)
    base, span = (14, 18) if kind == "trial" else (7, 23)
    size = base + span * math.sqrt(max(0.0, min(1.0, share)))
    person = kind == "person" and by_fate
    fate = (fate_text.lower() if fate_text.lower() in FATE_STYLES else "unknown") if person else ""
    rehabilitated = _text(attrs.get("rehabilitated")).strip().lower() if person else ""
    if rehabilitated in {"true", "1"}:
        rehabilitated = "yes"
    node = {
        "id": node_id,
        "label": label,
        "x": xy[0],
        "y": xy[1],
        "shape": style["shape"],
        "color": style["color"],
        "size": round(size, 1),
        "kind": kind if kind in KIND_STYLES else DEFAULT_KIND,
        "kindText": KIND_STYLES[kind]["legend"] if kind in KIND_STYLES else kind,
        "iri": _text(attrs.get("iri")).strip() or node_id,
        "altLabels": _text_list(attrs.get("alt_labels"), exclude=label),
        "details": details,
        "sources": _url_list(attrs.get("sources")),
        "fate": fate,
        "rehabilitated": rehabilitated,
    }
    if person:
        fill = FATE_STYLES[fate]["color"]
        ring = REHABILITATED_STYLE if rehabilitated == "yes" else _PLAIN_BORDER
        node["color"] = {"background": fill, "border": ring["border"],
                         "highlight": {"background": fill, "border": "#000000"},
                         "hover": {"background": fill, "border": "#000000"}}
        node["borderWidth"] = ring["width"]
        node["borderWidthSelected"] = ring["width"] + 1
    return node


_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")


def _years(date: str) -> tuple[int | None, int | None]:
    """Return the first and last year an EDTF date or interval names (``None, None`` if none)."""
    years = [int(y) for y in _YEAR.findall(date)]
    return (min(years), max(years)) if years else (None, None)


def _vis_edges(edges: list[tuple[Any, Any, str, Mapping[str, Any]]]) -> list[dict]:
    """Return vis-network edge dicts; parallel edges between two nodes get separate curves."""
    seen: Counter[tuple[str, str]] = Counter()
    result = []
    for number, (u, v, key, attrs) in enumerate(edges):
        source, target = str(u), str(v)
        status = _status_word(attrs.get("status"))
        style_key = status if status in STATUS_STYLES else "other"
        style = STATUS_STYLES[style_key]
        pair = (min(source, target), max(source, target))
        parallel = seen[pair]
        seen[pair] += 1
        date = _text(attrs.get("date")).strip()
        first, last = _years(date)
        edge = {
            "id": f"e{number}",
            "from": source,
            "to": target,
            "relation": _text(attrs.get("relation")).strip() or "related to",
            "status": status or "unknown",
            "statusStyle": style_key,
            "trial": _text(attrs.get("trial")).strip(),
            "date": date,
            "year0": first,
            "year1": last,
            # kg.display.network names the field source_url (``source`` clashes with node-link JSON).
            "sources": _url_list(attrs.get("source") or attrs.get("source_url")),
            # the statement(s) the edge comes from: kg.display.network's edge key (IRIs), or an attribute
            "statements": _url_list(attrs.get("statement") or (key if "://" in key else "")),
            "details": [[name, _text(value).strip()] for name, value in sorted(attrs.items())
                        if name not in _EDGE_FIELDS and isinstance(value, str | int | float)
                        and not isinstance(value, bool) and _text(value).strip()],
            "dashes": style["dashes"],
            "color": style["color"],
        }
        if attrs.get("directed") == "no":
            edge["arrows"] = {"to": {"enabled": False}}
            edge["undirected"] = True
        if parallel:
            # Alternate sides, then widen: 0.2, 0.2, 0.4, 0.4, ...
            edge["smooth"] = {"enabled": True, "type": "curvedCW" if parallel % 2 else "curvedCCW",
                              "roundness": round(0.2 * ((parallel + 1) // 2), 2)}
        result.append(edge)
    return result


def _facets(edges: list[dict]) -> dict[str, Any]:
    """Return what the page's filters offer: each status, relation and trial with its edge count, and the years.

    Statuses come in :data:`STATUS_STYLES` order, relations by count, trials by name (edges with
    no trial last, as ``""``); ``years`` is ``[first, last]`` over dated edges (``None`` if none).
    """
    statuses = Counter(e["status"] for e in edges)
    rank = {word: i for i, word in enumerate(STATUS_STYLES)}
    relations = Counter(e["relation"] for e in edges)
    trials = Counter(e["trial"] for e in edges)
    firsts = [e["year0"] for e in edges if e["year0"] is not None]
    lasts = [e["year1"] for e in edges if e["year1"] is not None]
    return {
        "status": [[s, statuses[s]] for s in sorted(statuses, key=lambda s: (rank.get(s, len(rank)), s))],
        "relation": [[r, relations[r]] for r in sorted(relations, key=lambda r: (-relations[r], r))],
        "trial": [[tr, trials[tr]] for tr in sorted(trials, key=lambda tr: (tr == "", tr))],
        "years": [min(firsts), max(lasts)] if firsts else None,
        "undated": sum(1 for e in edges if e["year0"] is None),
    }


def _vis_options(n_nodes: int, n_edges: int, seed: int) -> dict[str, Any]:
    """Return the vis-network options: no physics (positions are precomputed), hover tooltips."""
    busy = n_nodes + n_edges > 3000
    return {
        "autoResize": True,
        "physics": {"enabled": False},
        "layout": {"improvedLayout": False, "randomSeed": seed},
        "interaction": {
            "hover": True,
            "tooltipDelay": 150,
            "hideEdgesOnDrag": busy,
            "hideEdgesOnZoom": busy,
            "navigationButtons": False,
            "keyboard": False,
            "multiselect": False,
        },
        "nodes": {
            "borderWidth": 1,
            "font": {"size": 14, "face": "system-ui, sans-serif", "color": "#1a1a1a",
                     "strokeWidth": 3, "strokeColor": "#ffffff"},
        },
        "edges": {
            "smooth": False,
            "width": 1.2,
            "selectionWidth": 2,
            "arrows": {"to": {"enabled": True, "scaleFactor": 0.5}},
            "color": {"inherit": False, "opacity": 0.9},
        },
    }


def _status_word(value: Any) -> str:
    """Return a status as a lower-case word: ``mt:Alleged`` or ``…#Alleged`` becomes ``alleged``."""
    text = _text(value).strip()
    return _local_name(text).lower() if text else ""


def _detail_rows(details: Any, *, fate: str = "") -> list[list[str]]:
    """Return ``[key, value]`` rows (a list keeps the order through JSON), known keys first."""
    pairs = details.items() if isinstance(details, Mapping) else []
    rows = [[_text(k).strip(), _text(v).strip()] for k, v in pairs
            if _text(k).strip() and _text(v).strip()]
    if fate and all(key.lower() != "fate" for key, _ in rows):
        rows.append(["fate", fate])
    rank = {key: i for i, key in enumerate(_DETAIL_ORDER)}
    return sorted(rows, key=lambda row: (rank.get(row[0].lower(), len(rank)), row[0], row[1]))


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _text_list(value: Any, *, exclude: str = "") -> list[str]:
    """Return the distinct, sorted, non-empty strings in *value* (one string counts as one)."""
    if value is None:
        return []
    items: Iterable[Any] = [value] if isinstance(value, str) else value
    try:
        texts = {_text(item).strip() for item in items}
    except TypeError:
        texts = {_text(value).strip()}
    return sorted(t for t in texts if t and t != exclude)


def _url_list(value: Any) -> list[str]:
    """Return the sorted distinct URLs in *value*: a list, or a string of URLs joined by spaces."""
    if isinstance(value, str):
        value = value.split()
    return _text_list(value)


def _local_name(iri: str) -> str:
    tail = iri.rstrip("/#").rsplit("#", 1)[-1].rsplit("/", 1)[-1]
    return tail.split(":")[-1] or iri


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _script_json(data: Any) -> str:
    """Return *data* as JSON that is safe inside an HTML ``<script>`` element.

    ``<``, ``>`` and ``&`` only occur inside JSON strings, where ``\\u003c`` etc. mean the same
    character to ``JSON.parse``; so ``</script>`` and ``<!--`` can never appear in the page.
    """
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                         ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, escape)
    return text


def _csp_hash(script: str) -> str:
    """Return the CSP source expression (``'sha256-…'``) that allows exactly this inline script."""
    digest = hashlib.sha256(str(script).encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


@functools.lru_cache(maxsize=1)
def vis_network_js() -> str:
    """Return the text of the vis-network library the pages use (for sites that share one copy)."""
    return _vis_network_js()


def _vis_network_js() -> str:
    """Return the vis-network library shipped inside pyvis, checked safe to inline."""
    from markupsafe import Markup

    resource = resources.files("pyvis").joinpath(*_VIS_JS)
    try:
        js = resource.read_text(encoding="utf-8")
    except FileNotFoundError as error:  # pragma: no cover - depends on the installed pyvis
        raise RuntimeError(
            f"pyvis does not ship {'/'.join(_VIS_JS)} (looked in {resource}); "
            "install pyvis 0.3.2, which bundles vis-network 9.1.2"
        ) from error
    if "</script" in js.lower() or "<!--" in js:
        raise RuntimeError(f"{resource} contains '</script' or '<!--' and cannot be inlined")
    return Markup(js)


def jinja_environment(loader: Any = None) -> Any:
    """Return the Jinja2 environment every page of the project is rendered with.

    Autoescaping is on (a label with markup shows as text), undefined names fail loudly, and the
    ``csp_hash`` filter is there for pages that allow their own inline scripts by hash.
    """
    import jinja2

    env = jinja2.Environment(
        loader=loader,
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["csp_hash"] = _csp_hash
    return env


@functools.lru_cache(maxsize=1)
def _template() -> Any:
    """Return the page template, with HTML autoescaping on and a ``csp_hash`` filter."""

    source = resources.files("kg.display").joinpath("templates", "network.html").read_text(encoding="utf-8")
    env = jinja_environment()
    return env.from_string(source)
