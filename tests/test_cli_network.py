"""`kg network` (draw, stats, path, graph files) and `kg timeline`, as a user meets them.

One command runs end to end in a subprocess; the others call ``kg.cli.main`` in this process with
the session's loaded graph, because loading the graph again for every command costs seconds each.
"""

from __future__ import annotations

import csv
import io
import json
from contextlib import redirect_stderr, redirect_stdout

import networkx as nx
import pytest

from kg import cli
from kg.graph import loader

from .conftest import run_kg

BUKHARIN = "https://w3id.org/moscow-trials/id/person/nikolai-bukharin"
ZINOVIEV = "https://w3id.org/moscow-trials/id/person/grigory-zinoviev"


@pytest.fixture()
def kg_main(real_kg, monkeypatch):
    """Run ``kg ARGS`` in process on the real graph; return (exit code, stdout, stderr)."""
    monkeypatch.setattr(loader, "load", lambda *args, **kwargs: real_kg)

    def run(*args: str) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            code = cli.main(list(args))
        return code, out.getvalue(), err.getvalue()

    return run


def test_path_between_two_names_in_any_spelling_end_to_end():
    done = run_kg("network", "path", "Bukharin", "Зиновьев")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("Nikolai Bukharin to Grigory Zinoviev: ") and "in the overview view" in lines[0]
    assert "statement: https://w3id.org/moscow-trials/id/statement/" in done.stdout
    assert "sources: http" in done.stdout and "[established]" in done.stdout


def test_path_as_json_names_every_statement(kg_main):
    code, out, _ = kg_main("network", "path", "person:nikolai-bukharin", "Grigory Zinoviev", "--format", "json")
    assert code == 0
    answer = json.loads(out)
    assert (answer["from"], answer["to"]) == (BUKHARIN, ZINOVIEV)
    assert answer["steps"][0]["source"] == BUKHARIN and answer["steps"][-1]["target"] == ZINOVIEV
    assert all(e["statement"] and e["status"] and e["relation"] for s in answer["steps"] for e in s["evidence"])


def test_stats_table_csv_and_json(kg_main):
    code, out, _ = kg_main("network", "stats", "--view", "alleged-conspiracy", "--by", "betweenness", "--top", "5")
    assert code == 0
    assert out.startswith("alleged-conspiracy: ") and "communities (Louvain, seed 42); ranked by betweenness" in out
    assert out.splitlines()[2].split()[:3] == ["1", "Leon", "Trotsky"]
    code, out, _ = kg_main("network", "stats", "--format", "csv", "--top", "3")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 3 and rows[0]["rank"] == "1" and int(rows[0]["degree"]) >= int(rows[2]["degree"])
    code, out, _ = kg_main("network", "stats", "--view", "memberships", "-f", "json", "--top", "0")
    answer = json.loads(out)
    assert answer["nodes"] == len(answer["top"]) and sum(c["size"] for c in answer["communities"]) == answer["nodes"]
    assert any("Politburo" in row["label"] for row in answer["top"][:5])


def test_graph_files_by_suffix_or_format(kg_main, tmp_path):
    code, out, _ = kg_main("network", "--view", "memberships", "-o", str(tmp_path / "m.graphml"))
    assert code == 0 and "nodes" in out
    assert nx.read_graphml(tmp_path / "m.graphml").number_of_nodes() > 50
    code, _, _ = kg_main("network", "--view", "co-defendants", "--format", "gexf", "-o", str(tmp_path / "c.xml"))
    assert code == 0 and nx.read_gexf(tmp_path / "c.xml").number_of_edges() > 1000


def test_usage_errors_are_clean(kg_main, tmp_path):
    code, _, err = kg_main("network", "--view", "overview", "--max-nodes", "10", "-o", str(tmp_path / "x.html"))
    assert code == 2 and "more than max_nodes=10" in err and "--view ego --focus NAME" in err
    assert "Traceback" not in err and not (tmp_path / "x.html").exists()
    code, _, err = kg_main("network", "--view", "ego")
    assert code == 2 and "give --focus NAME" in err
    code, _, err = kg_main("network", "path", "Bukharin")
    assert code == 2 and "takes two people" in err
    code, _, err = kg_main("network", "stats", "--format", "graphml")
    assert code == 2 and "writes table, csv, json" in err
    code, _, err = kg_main("network", "path", "Bukharin", "John Dewey", "--view", "testimony")
    assert code == 1 and "is not in the testimony view" in err


def test_timeline_writes_png_and_svg(kg_main, tmp_path):
    code, out, _ = kg_main("timeline", "--person", "Бухарин", "-o", str(tmp_path / "b.svg"))
    assert code == 0 and (tmp_path / "b.svg").read_text(encoding="utf-8").startswith("<?xml")
    code, _, _ = kg_main("timeline", "--trial", "Trial of the Sixteen", "-o", str(tmp_path / "t.png"))
    assert code == 0 and (tmp_path / "t.png").read_bytes()[:4] == b"\x89PNG"
    code, _, err = kg_main("timeline", "-o", str(tmp_path / "t.pdf"))
    assert code == 1 and "as .png or .svg" in err
