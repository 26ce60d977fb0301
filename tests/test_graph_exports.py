"""GraphML, GEXF and node-link JSON of a projection, read back by networkx."""

import json

import networkx as nx
import pytest

from kg.display.network import project, relation_count
from kg.errors import KGError
from kg.outputs.graph_exports import GRAPH_FORMATS, flat_graph, format_for, node_link_json, write_graph

A = "https://w3id.org/moscow-trials/id/person/anna-alpha"
AB = ("https://w3id.org/moscow-trials/id/statement/test-first--anna-alpha--accusation "
      "https://w3id.org/moscow-trials/id/statement/test-first--boris-beta--accusation")


def read(path, fmt):
    if fmt == "graphml":
        return nx.read_graphml(path, force_multigraph=True)
    if fmt == "gexf":
        return nx.read_gexf(path)
    return nx.node_link_graph(json.loads(path.read_text(encoding="utf-8")), edges="edges")


@pytest.mark.parametrize("fmt", sorted(GRAPH_FORMATS))
@pytest.mark.parametrize("view", ["overview", "alleged-conspiracy"])
def test_every_format_reads_back_with_every_node_relation_and_attribute(fixture_kg, tmp_path, fmt, view):
    net = project(fixture_kg, view=view)
    path = write_graph(net, tmp_path / f"{view}{GRAPH_FORMATS[fmt].suffix}")
    back = read(path, fmt)
    assert set(back) == set(net)
    assert back.number_of_edges() == relation_count(net)  # an undirected relation once
    anna = back.nodes[A]
    assert anna["label"] == "Anna Alpha" and anna["fate"] == "executed"
    if fmt == "json":  # node-link JSON keeps lists and dicts
        assert "Альфа" in anna["alt_labels"] and anna["details"]["born"] == "1883-09-23"
    else:  # graph tools get plain values, one column per detail
        assert "Альфа" in anna["alt_labels"].split(" | ") and anna["details_born"] == "1883-09-23"
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]  # written atomically, nothing left over


def test_pair_edges_keep_their_statements_and_say_they_read_both_ways(fixture_kg, tmp_path):
    net = project(fixture_kg, view="co-defendants")
    graphml = nx.read_graphml(write_graph(net, tmp_path / "c.graphml"), force_multigraph=True)
    (key, attrs), = graphml[A]["https://w3id.org/moscow-trials/id/person/boris-beta"].items()
    assert key == AB and attrs["directed"] == "no" and attrs["label"] == "co-defendant of"
    gexf = nx.read_gexf(write_graph(net, tmp_path / "c.gexf"))
    assert {d["label"] for _, _, d in gexf.edges(data=True)} == {"co-defendant of"}


def test_flat_graph_has_one_plain_type_per_attribute():
    g = nx.MultiDiGraph()
    g.add_node("a", weight=1, tags=["x", "y"], details={"born year": 1890}, missing=None)
    g.add_node("b", weight="heavy", tags=("z",))
    g.add_edge("a", "b", key="k", sources={"u2", "u1"}, relation="r")
    flat = flat_graph(g)
    assert flat.nodes["a"] == {"details_born_year": 1890, "tags": "x | y", "weight": "1"}
    assert flat.nodes["b"] == {"tags": "z", "weight": "heavy"}
    assert flat.edges["a", "b", "k"] == {"label": "r", "relation": "r", "sources": "u1 | u2"}
    nx.write_graphml(flat, __import__("io").BytesIO())  # no attribute the writer refuses


def test_real_overview_exports_and_json_is_stable(real_kg, tmp_path):
    net = project(real_kg, view="overview")
    for fmt in GRAPH_FORMATS:
        back = read(write_graph(net, tmp_path / f"o{GRAPH_FORMATS[fmt].suffix}"), fmt)
        assert back.number_of_nodes() == net.number_of_nodes()
    assert node_link_json(net) == node_link_json(net.copy())


def test_format_from_the_suffix_or_by_name(tmp_path):
    assert format_for("x.GEXF") == "gexf" and format_for("x.html") is None and format_for(None, "json") == "json"
    with pytest.raises(KGError, match="unknown graph format 'dot'"):
        format_for("x", "dot")
    with pytest.raises(KGError, match="cannot tell the graph format"):
        write_graph(nx.MultiDiGraph(), tmp_path / "x.txt")


# ---- the page's drawing in the files; control characters -----------------------------------------

GEXF_VIZ = "{http://www.gexf.net/1.2draft/viz}"


def test_gexf_carries_the_pages_colours_sizes_and_positions(real_kg, tmp_path):
    import xml.etree.ElementTree as ET

    from kg.display.render import FATE_STYLES, STATUS_STYLES, network_page
    from tests.test_explorer import page_data

    net = project(real_kg, view="overview")
    page = {n["id"]: n for n in page_data(network_page(net))["nodes"]}
    root = ET.parse(write_graph(net, tmp_path / "o.gexf")).getroot()
    ns = {"g": root.tag.split("}")[0].strip("{")}
    nodes = root.findall(".//g:node", ns)
    assert len(nodes) == net.number_of_nodes()
    for node in nodes:
        drawn = page[node.get("id")]
        position, color, size = (node.find(GEXF_VIZ + tag) for tag in ("position", "color", "size"))
        assert (float(position.get("x")), float(position.get("y"))) == (drawn["x"], -drawn["y"])
        fill = drawn["color"]["background"] if isinstance(drawn["color"], dict) else drawn["color"]
        assert "#{:02X}{:02X}{:02X}".format(*(int(color.get(c)) for c in "rgb")) == fill.upper()
        assert float(size.get("value")) == drawn["size"]
    bukharin = root.find(".//g:node[@id='https://w3id.org/moscow-trials/id/person/nikolai-bukharin']", ns)
    assert bukharin.find(GEXF_VIZ + "color").get("r") == str(int(FATE_STYLES["executed"]["color"][1:3], 16))
    # each edge drawn as the page draws its status: colour, and dashed unless established
    from kg.display.render import _status_word

    drawn_edges = {(edge.find(GEXF_VIZ + "shape").get("value"),
                    "#{:02x}{:02x}{:02x}".format(*(int(edge.find(GEXF_VIZ + "color").get(c)) for c in "rgb")))
                   for edge in root.findall(".//g:edge", ns)}
    styles = [STATUS_STYLES.get(_status_word(d.get("status")), STATUS_STYLES["other"]) for *_, d in net.edges(data=True)]
    assert drawn_edges == {("dashed" if st["dashes"] else "solid", st["color"].lower()) for st in styles}
    assert ("solid", STATUS_STYLES["established"]["color"].lower()) in drawn_edges


def test_graphml_carries_the_same_drawing_as_attributes(fixture_kg, tmp_path):
    from kg.outputs.graph_exports import drawing

    net = project(fixture_kg, view="overview")
    back = nx.read_graphml(write_graph(net, tmp_path / "o.graphml"), force_multigraph=True)
    nodes, _ = drawing(net)
    anna = back.nodes[A]
    assert (anna["x"], anna["y"], anna["size"]) == (nodes[A]["x"], -nodes[A]["y"], nodes[A]["size"])
    assert anna["color"] == "#b2182b" and (anna["r"], anna["g"], anna["b"]) == (0xB2, 0x18, 0x2B)  # executed
    assert {d["line"] for *_, d in back.edges(data=True)} <= {"solid", "dashed"}
    assert drawing(net) == drawing(net.copy())  # seeded: the same file every time


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_control_characters_in_labels_give_well_formed_xml(tmp_path, fmt):
    import xml.etree.ElementTree as ET

    g = nx.MultiDiGraph()
    g.add_node("a\x01", label="Bell\x07 ring\x1b[0m", kind="person", alt_labels=["nul\x00", "ok"])
    g.add_node("b", label="tab\tand newline\nkept")
    g.add_edge("a\x01", "b", key="k\x0b", relation="named\x0c", status="alleged")
    path = write_graph(g, tmp_path / f"c{GRAPH_FORMATS[fmt].suffix}")
    ET.parse(path)  # raised "not well-formed (invalid token)" before
    back = read(path, fmt)
    assert back.nodes["a\u2401"]["label"] == "Bell\u2407 ring\u241b[0m"
    assert back.nodes["a\u2401"]["alt_labels"] == "nul\u2400 | ok"
    assert back.nodes["b"]["label"] == "tab\tand newline\nkept"
    assert [d["label"] for *_, d in back.edges(data=True)] == ["named\u240c"]


def test_gexf_is_reproducible_under_source_date_epoch(fixture_kg, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "946684800")  # 2000-01-01
    net = project(fixture_kg, view="overview")
    first = write_graph(net, tmp_path / "a.gexf").read_bytes()
    assert b'lastmodifieddate="2000-01-01"' in first
    assert write_graph(net.copy(), tmp_path / "b.gexf").read_bytes() == first
