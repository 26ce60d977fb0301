"""What one oxrdflib-backed graph would change (issue 16): today's loading path against one Oxigraph store.

    python benchmarks/one_graph.py --repeat 3                       # the curated graph
    python benchmarks/one_graph.py --repeat 3 --data build/bench/synthetic-100000.nt

Each variant runs in a fresh process (peak memory is its own), interleaved, medians of ``--repeat``:

``rdflib``   rdflib parses every file into one memory ``Graph`` (the issue's baseline).
``today``    ``kg.load(derive=False, data=...)`` (Oxigraph parses, terms become rdflib terms in rdflib's
             memory store) plus the in-process Oxigraph copy the first question builds (the mirror).
``one``      one ``Graph(store="Oxigraph")`` (oxrdflib, in memory): Oxigraph's bulk loader reads every
             file; nothing is converted or copied.

Then each answers ``trials`` (one named question) on its engine. Derivation is left out of both
(it runs the same rules on Oxigraph either way), so the figures are the loading cost that one graph
would remove. Not part of ``make test``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def child(variant: str, data: list[str]) -> dict:
    start = time.perf_counter()
    from rdflib import Graph

    from kg import stores
    from kg.loader import data_files, load
    from kg.queries import run_query

    files = [*data_files(), *map(Path, data)]
    t0 = time.perf_counter()
    if variant == "rdflib":
        graph = Graph()
        for path in files:
            graph.parse(str(path), format="nt" if path.suffix == ".nt" else "turtle")
        triples = len(graph)
    elif variant == "today":
        graph = load(derive=False, data=data).graph
        stores.oxigraph_target(graph)  # the mirror the first question would build
        triples = len(graph)
    else:
        import pyoxigraph as ox
        from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

        # the store's default graph: a Graph() on oxrdflib otherwise gets a blank-node name
        graph = Graph(store="Oxigraph", identifier=DATASET_DEFAULT_GRAPH_ID)
        inner = graph.store._inner
        for path in files:
            inner.bulk_load(path=str(path), format=ox.RdfFormat.N_TRIPLES if path.suffix == ".nt"
                            else ox.RdfFormat.TURTLE, base_iri=path.resolve().as_uri())
        triples = len(inner)
    load_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    rows = len(run_query(graph, "trials")) if variant != "rdflib" else None
    question_s = time.perf_counter() - t1
    return {"variant": variant, "triples": triples, "load_s": load_s, "question_s": question_s, "rows": rows,
            "process_s": time.perf_counter() - start,
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--data", action="append", default=[], help="RDF files joined as with kg --data")
    parser.add_argument("--variants", nargs="+", default=["rdflib", "today", "one"])
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.data)))
        return 0
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    runs: dict[str, list[dict]] = {v: [] for v in args.variants}
    for _ in range(args.repeat):
        for variant in args.variants:
            cmd = [sys.executable, __file__, "--child", variant, *sum((["--data", d] for d in args.data), [])]
            done = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, check=True)
            runs[variant].append(json.loads(done.stdout.strip().splitlines()[-1]))
    med = statistics.median
    base = med(r["load_s"] for r in runs["rdflib"]) if "rdflib" in runs else None
    print(f"data: curated graph{' + ' + ', '.join(args.data) if args.data else ''}; medians of {args.repeat}")
    print("| | triples | load (s) | vs rdflib parse | `trials` (s) | process (s) | peak (MB) |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for variant, rs in runs.items():
        load_s = med(r["load_s"] for r in rs)
        ratio = f"{base / load_s:.1f}x faster" if base else "—"
        question = med(r["question_s"] for r in rs) if variant != "rdflib" else None
        print(f"| {variant} | {rs[0]['triples']:,} | {load_s:.3f} | {ratio} | "
              f"{'—' if question is None else f'{question:.3f}'} | {med(r['process_s'] for r in rs):.2f} | "
              f"{med(r['peak_mb'] for r in rs):,.0f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
