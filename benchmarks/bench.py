"""Benchmark the stores on synthetic data: load, memory, the named questions, projection, page, exports.

Run by ``make bench`` (not by ``make test``). Each (store, size) is measured in a fresh Python process
so that peak memory (``ru_maxrss``) belongs to that store alone; every figure is the median of
``--repeat`` runs, and ratios are against rdflib's memory store measured in the same run.

    python benchmarks/bench.py --sizes 100000 1000000 --repeat 3
    python benchmarks/bench.py --build          # kg build end to end on the curated graph
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
STORES = {
    "rdflib": "rdflib memory store, rdflib's SPARQL engine and serialisers (the baseline)",
    "memory": "one in-process Oxigraph store behind rdflib's Graph API (the project's default since issue 16)",
    "oxigraph": "oxigraph:PATH through oxrdflib, queried through kg.stores (the project's API)",
    "pyoxigraph": "pyoxigraph.Store used directly (results turned into Python strings)",
}


QUESTION_SET = ("trials", "defendants", "charges", "sources", "not-rehabilitated", "executions-by-month")


class Capped(BaseException):
    """A measurement passed its time cap (the figure is then a lower bound)."""


def _median(func, repeat: int, cap: float | None = None) -> float:
    """Median wall time of *repeat* calls; raise :class:`Capped` if one call passes *cap* seconds."""
    import signal

    def stop(_signum, _frame):
        raise Capped

    times = []
    for _ in range(repeat):
        previous = signal.signal(signal.SIGALRM, stop) if cap else None
        if cap:
            signal.setitimer(signal.ITIMER_REAL, cap)
        start = time.perf_counter()
        try:
            func()
        finally:
            if cap:
                signal.setitimer(signal.ITIMER_REAL, 0)
                signal.signal(signal.SIGALRM, previous)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def measure(store: str, data: Path, repeat: int, skip: set[str], cap: float | None = None) -> dict:
    """Measure one store on one file, in this process; return the figures."""
    os.environ["KG_ENGINE"] = "rdflib" if store == "rdflib" else "oxigraph"
    import networkx as nx  # noqa: F401  (imported before the baseline memory reading)
    import pyoxigraph as ox
    from rdflib import Graph

    from kg import paths
    from kg.display.network import project
    from kg.display.render import render_network
    from kg.graph import stores
    from kg.namespaces import DATA_PREFIXES
    from kg.outputs.exports import serialize
    from kg.sparql.questions import list_questions, run_query

    result: dict = {"store": store}
    base = _rss()
    tmp = Path(tempfile.mkdtemp(prefix="kg-bench-"))
    start = time.perf_counter()
    if store == "rdflib":
        graph = Graph()
        graph.parse(str(paths.ONTOLOGY_FILE), format="turtle")
        graph.parse(str(data), format="nt")
        target = graph
    elif store == "memory":
        from kg.graph.dataset import Dataset

        graph = Dataset.oxigraph().graph()  # the default store: one in-process Oxigraph store
        inner = graph.store._inner
        stores.load_file(graph, paths.ONTOLOGY_FILE)
        stores.load_file(graph, data)
        target = graph
    elif store == "oxigraph":
        graph = stores.open_graph(f"oxigraph:{tmp / 'store'}")
        inner = graph.store._inner
        stores.load_file(graph, paths.ONTOLOGY_FILE)
        stores.load_file(graph, data)
        target = graph
    else:
        inner = ox.Store()
        inner.bulk_load(path=str(paths.ONTOLOGY_FILE), format=ox.RdfFormat.TURTLE)
        inner.bulk_load(path=str(data), format=ox.RdfFormat.N_TRIPLES)
        target = None
    result["load_s"] = time.perf_counter() - start
    result["peak_bytes"] = _rss() - base
    if store == "oxigraph":
        result["disk_bytes"] = sum(p.stat().st_size for p in (tmp / "store").rglob("*") if p.is_file())
    result["triples"] = len(graph) if store == "rdflib" else len(inner)
    result["bytes_per_triple"] = result["peak_bytes"] / result["triples"]

    # The questions every build answers, plus one with a bound parameter. (All 30 named questions on
    # rdflib's engine took over 9 minutes at 10^5 triples: it does not reorder joins.)
    questions = [(q, {}) for q in list_questions() if q.name in QUESTION_SET]
    trial = "https://w3id.org/moscow-trials/id/trial/synthetic-moscow-oblast-000"
    questions.append((next(q for q in list_questions() if q.name == "defendants"), {"trial": trial}))
    per_question = {}
    if "questions" not in skip:
        for question, params in questions:
            key = question.name + ("-trial" if params else "")
            if target is None:
                # bound by Oxigraph itself, as kg.stores does (defendants projects ?trial)
                bound = {ox.Variable("trial"): ox.NamedNode(trial)} if params else None

                def ask(text: str = question.text, bound=bound) -> None:
                    for row in inner.query(text, prefixes=dict(DATA_PREFIXES), substitutions=bound):
                        [None if v is None else v.value for v in row]
            else:
                def ask(question=question, params=params) -> None:
                    run_query(target, question, params)
            try:
                per_question[key] = _median(ask, repeat, cap if store == "rdflib" else None)
            except Capped:
                per_question[key] = cap
                result.setdefault("capped", []).append(key)
            print(f"    {store} {key}: {per_question[key]:.3f} s", file=sys.stderr, flush=True)
        result["questions"] = per_question
        result["questions_s"] = sum(per_question.values())

    if target is not None and "network" not in skip:
        holder: dict = {}

        def projection() -> None:
            holder["net"] = project(target, view="overview")

        try:
            result["networkx_s"] = _median(projection, repeat, cap if store == "rdflib" else None)
        except Capped:
            result["networkx_s"] = cap
            result.setdefault("capped", []).append("projection")
            holder["net"] = None
        print(f"    {store} projection: {result['networkx_s']:.3f} s", file=sys.stderr, flush=True)
        net = holder["net"]
    if target is not None and "network" not in skip and net is not None:
        result["network_nodes"], result["network_edges"] = net.number_of_nodes(), net.number_of_edges()
        ego = nx.ego_graph(net.to_undirected(as_view=True), trial, radius=2) if trial in net else None
        if ego is not None:
            sub = net.subgraph(ego.nodes).copy()
            result["page_nodes"] = sub.number_of_nodes()
            result["page_s"] = _median(lambda: render_network(sub, tmp / "ego.html", title="ego"), repeat)

    if "exports" not in skip:
        for fmt in ("turtle", "json-ld", "json-ld-expanded", "nt"):
            if target is None:
                if fmt == "json-ld":  # pyoxigraph alone has no compaction: its figure is the expanded one
                    continue
                oxfmt = {"turtle": ox.RdfFormat.TURTLE, "json-ld-expanded": ox.RdfFormat.JSON_LD,
                         "nt": ox.RdfFormat.N_TRIPLES}[fmt]
                result[f"export_{fmt}_s"] = _median(lambda f=oxfmt: inner.dump(format=f, from_graph=ox.DefaultGraph()), repeat)
            else:
                result[f"export_{fmt}_s"] = _median(lambda f=fmt: serialize(target, f), repeat)
    return result


def run_child(store: str, data: Path, repeat: int, skip: set[str], cap: float) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", store, str(data), "--repeat", str(repeat),
                          "--cap", str(cap), "--skip", *(sorted(skip) or ["none"])],
                         stdout=subprocess.PIPE, text=True, cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    if out.returncode != 0:
        return {"store": store, "error": f"exit {out.returncode}"}
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure_build(repeat: int) -> dict:
    """``kg build`` end to end (process start to exit) on the curated graph, default store and engine."""
    times = {}
    for label, env in (("default (memory + Oxigraph)", {}), ("KG_ENGINE=rdflib", {"KG_ENGINE": "rdflib"})):
        runs = []
        for _ in range(repeat):
            with tempfile.TemporaryDirectory() as out:
                start = time.perf_counter()
                done = subprocess.run([sys.executable, "-m", "kg", "build", "-q", "-o", out], cwd=ROOT,
                                      capture_output=True, text=True, env=dict(os.environ, **env))
                runs.append(time.perf_counter() - start)
                if done.returncode != 0:
                    return {"error": done.stderr[-500:]}
        times[label] = statistics.median(runs)
    return times


def _fmt(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    return f"{seconds:.3f}" if seconds < 1 else f"{seconds:.2f}"


def table(results: dict[int, list[dict]]) -> str:
    rows = [("load (s)", "load_s"), ("peak memory (bytes/triple)", "bytes_per_triple"),
            ("named questions, sum of medians (s)", "questions_s"), ("networkx projection, overview (s)", "networkx_s"),
            ("page render, ego network of a trial (s)", "page_s"), ("export Turtle (s)", "export_turtle_s"),
            ("export JSON-LD, compacted (s)", "export_json-ld_s"),
            ("export JSON-LD, expanded (s)", "export_json-ld-expanded_s"), ("export N-Triples (s)", "export_nt_s")]
    out = []
    for size, measured in results.items():
        by = {m["store"]: m for m in measured}
        base = by.get("rdflib", {})
        triples = next((m.get("triples") for m in measured if m.get("triples")), size)
        out.append(f"\n### {triples:,} triples\n")
        out.append("| | " + " | ".join(by) + " |")
        out.append("| --- |" + " --- |" * len(by))
        for label, key in rows:
            cells = []
            for name, m in by.items():
                value = m.get(key)
                if value is None:
                    cells.append("error: " + m["error"][:60] if "error" in m else "—")
                elif key == "bytes_per_triple":
                    cells.append(f"{value:,.0f}")
                else:
                    ratio = base.get(key)
                    stopped = base.get("capped") or []
                    capped = ((key == "questions_s" and any(c != "projection" for c in stopped))
                              or (key == "networkx_s" and "projection" in stopped))
                    shown = (">" if capped and name == "rdflib" else "") + _fmt(value)
                    cells.append(shown + (f" ({'≥' if capped else ''}{ratio / value:.1f}×)"
                                          if ratio and name != "rdflib" and value else ""))
            out.append(f"| {label} | " + " | ".join(cells) + " |")
        if base.get("capped"):
            out.append(f"\nrdflib measurements stopped at the cap (their figures and ratios are lower bounds): "
                       f"{', '.join(base['capped'])}.")
        disk = by.get("oxigraph", {}).get("disk_bytes")
        if disk:
            out.append(f"\nOxigraph folder on disk: {disk / 1e6:.0f} MB ({disk / triples:.0f} bytes/triple).")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--stores", nargs="+", default=list(STORES), choices=list(STORES))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip", nargs="*", default=[], help="questions, network, exports")
    parser.add_argument("--build", action="store_true", help="also time `kg build` end to end")
    parser.add_argument("--cap", type=float, default=300.0,
                        help="seconds after which one rdflib question is stopped (its figure becomes a lower bound)")
    parser.add_argument("--out", type=Path, default=HERE / "results.md")
    parser.add_argument("--child", nargs=2, metavar=("STORE", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    skip = set(args.skip) - {"none"}
    if args.child:
        print(json.dumps(measure(args.child[0], Path(args.child[1]), args.repeat, skip, args.cap)))
        return 0
    sys.path.insert(0, str(ROOT))
    from kg.graph.synthetic import write

    results: dict[int, list[dict]] = {}
    data_dir = ROOT / "build" / "bench"
    for size in args.sizes:
        data = data_dir / f"synthetic-{size}.nt"
        if not data.exists():
            write(data, size, seed=1)
        results[size] = []
        for store in args.stores:
            print(f"· {store} on {size:,} triples …", file=sys.stderr, flush=True)
            measured = run_child(store, data, args.repeat, skip, args.cap)
            print(f"  {json.dumps({k: v for k, v in measured.items() if k != 'questions'})}", file=sys.stderr)
            results[size].append(measured)
    text = "# Benchmark results (generated by benchmarks/bench.py)\n\n" + "\n".join(f"- {k}: {v}" for k, v in STORES.items())
    text += "\n" + table(results)
    if args.build:
        text += "\n\n### kg build on the curated graph (process start to exit, median)\n"
        for label, seconds in measure_build(args.repeat).items():
            text += f"\n- {label}: {_fmt(seconds) if isinstance(seconds, float) else seconds} s"
    args.out.write_text(text + "\n", encoding="utf-8")
    (args.out.with_suffix(".json")).write_text(json.dumps(results, indent=1), encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
