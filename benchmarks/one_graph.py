"""Issue 16's second target: a user's file joined with ``--data`` and one question answered, against rdflib.

    python benchmarks/one_graph.py --repeat 3 --triples 1000000     # writes the file with kg synth if missing
    python benchmarks/one_graph.py --repeat 3 --data build/bench/synthetic-1000000.nt

Each variant runs in a fresh process (peak memory is its own), interleaved, medians of ``--repeat``:

``rdflib``   rdflib parses the curated Turtle files and the data file into one memory ``Graph`` (the
             issue's baseline: "rdflib's parse alone"); its parse time, whole process and peak memory.
``kg``       the whole job a user runs: ``kg.load(data=[file])`` (the one Oxigraph store: parse, checks,
             derivation) and the ``trials`` question answered, from process start to the answer.

Printed: a table and the two ratios the issue names — the ``kg`` process against rdflib's parse alone
(target >= 5x faster) and the peak memory ratio (target <= 0.6x). Not part of ``make test``.
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
START = time.perf_counter()


def child(variant: str, data: list[str]) -> dict:
    from kg.graph.loader import data_files

    files = [*data_files(), *map(Path, data)]
    t0 = time.perf_counter()
    if variant == "rdflib":
        from rdflib import Graph

        graph = Graph()
        for path in files:
            graph.parse(str(path), format="nt" if path.suffix == ".nt" else "turtle")
        triples, rows = len(graph), None
    else:
        from kg.graph.loader import load
        from kg.sparql.questions import run_query

        kg = load(data=data)
        rows = len(run_query(kg, "trials"))
        triples = kg.dataset.size()
    return {"variant": variant, "triples": triples, "work_s": time.perf_counter() - t0, "rows": rows,
            "process_s": time.perf_counter() - START,
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--data", action="append", default=[], help="RDF files joined as with kg --data")
    parser.add_argument("--triples", type=int, help="write (once) and join a kg synth file of this size")
    parser.add_argument("--variants", nargs="+", default=["rdflib", "kg"])
    parser.add_argument("--json", help="also write the figures here")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.data)))
        return 0
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    if args.triples:
        synth = ROOT / "build" / "bench" / f"synthetic-{args.triples}.nt"
        if not synth.exists():
            print(f"writing {synth} (kg synth) ...", file=sys.stderr)
            subprocess.run([sys.executable, "-m", "kg", "synth", "--triples", str(args.triples), "-o", str(synth)],
                           check=True, env=env, cwd=ROOT)
        args.data.append(str(synth))
    runs: dict[str, list[dict]] = {v: [] for v in args.variants}
    for i in range(args.repeat):
        for variant in args.variants:
            cmd = [sys.executable, __file__, "--child", variant, *sum((["--data", d] for d in args.data), [])]
            done = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, check=True)
            runs[variant].append(json.loads(done.stdout.strip().splitlines()[-1]))
            print(f"run {i + 1}/{args.repeat} {variant}: {runs[variant][-1]['process_s']:.1f} s", file=sys.stderr)
    med = statistics.median
    summary = {v: {key: med(r[key] for r in rs) for key in ("work_s", "process_s", "peak_mb")} | {
        "triples": rs[0]["triples"]} for v, rs in runs.items()}
    print(f"data: curated graph{' + ' + ', '.join(args.data) if args.data else ''}; medians of {args.repeat}")
    print("| | triples | parse / load+question (s) | whole process (s) | peak (MB) |")
    print("| --- | --- | --- | --- | --- |")
    for variant, s in summary.items():
        print(f"| {variant} | {s['triples']:,} | {s['work_s']:.2f} | {s['process_s']:.2f} | {s['peak_mb']:,.0f} |")
    if {"rdflib", "kg"} <= set(summary):
        speed = summary["rdflib"]["work_s"] / summary["kg"]["process_s"]
        memory = summary["kg"]["peak_mb"] / summary["rdflib"]["peak_mb"]
        print(f"kg (whole process) vs rdflib's parse alone: {speed:.1f}x faster (target >= 5x)")
        print(f"peak memory kg / rdflib: {memory:.2f}x (target <= 0.6x)")
        summary["ratios"] = {"speed": speed, "memory": memory}
    if args.json:
        Path(args.json).write_text(json.dumps(summary, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
