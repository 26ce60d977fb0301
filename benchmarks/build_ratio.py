"""Issue 16's first target: ``kg build`` against rdflib parsing the same Turtle files, same run.

    python benchmarks/build_ratio.py --repeat 3
    python benchmarks/build_ratio.py --repeat 3 --store oxigraph      # also a cold oxigraph:PATH build

Each measurement runs in a fresh process, one after another, so the ratio compares like with like on
a machine whose load changes. Printed: the median of ``--repeat`` runs of

* ``kg build -o TMP -q`` (process start to exit, wall clock; every output written),
* the same with ``--store oxigraph:TMP`` in a fresh folder (``--store oxigraph``), if asked for,
* rdflib parsing every file ``kg build`` reads (``kg.graph.loader.data_files()``) into one ``Graph``: the
  parse alone (what the issue's "rdflib parse" means) and its whole process,

and the ratios build / parse. The target is ``kg build`` <= 2x the parse. Not part of ``make test``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_PARSE = """
import json, sys, time
t0 = time.perf_counter()
from rdflib import Graph
from kg.graph.loader import data_files
t1 = time.perf_counter()
graph = Graph()
files = data_files()
for path in files:
    graph.parse(str(path), format="turtle")
t2 = time.perf_counter()
print(json.dumps({"parse_s": t2 - t1, "imports_s": t1 - t0, "files": len(files), "triples": len(graph)}))
"""


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _timed(args: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True, env=_env(), cwd=ROOT)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return seconds, done.stdout


def build_once(store: str | None) -> float:
    with tempfile.TemporaryDirectory(prefix="kg-build-ratio-") as tmp:
        args = [sys.executable, "-m", "kg", "build", "-o", str(Path(tmp) / "out"), "-q"]
        if store == "oxigraph":
            args += ["--store", f"oxigraph:{Path(tmp) / 'store'}"]
        return _timed(args)[0]


def parse_once() -> tuple[float, float, dict]:
    wall, out = _timed([sys.executable, "-c", _PARSE])
    info = json.loads(out.strip().splitlines()[-1])
    return info["parse_s"], wall, info


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--store", choices=("oxigraph",), help="also time a cold build into oxigraph:PATH")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)

    builds, stored, parses, parse_walls = [], [], [], []
    info: dict = {}
    for _ in range(args.repeat):  # interleaved, so a busy spell hits every measurement alike
        builds.append(build_once(None))
        if args.store:
            stored.append(build_once(args.store))
        parse_s, wall, info = parse_once()
        parses.append(parse_s)
        parse_walls.append(wall)
    med = statistics.median
    figures = {
        "repeat": args.repeat, "files": info.get("files"), "triples": info.get("triples"),
        "kg_build_s": med(builds), "rdflib_parse_s": med(parses), "rdflib_parse_process_s": med(parse_walls),
        "ratio_build_to_parse": med(builds) / med(parses),
        "ratio_build_to_parse_process": med(builds) / med(parse_walls),
        "runs": {"kg_build": builds, "rdflib_parse": parses, "rdflib_parse_process": parse_walls},
    }
    if stored:
        figures["kg_build_oxigraph_s"] = med(stored)
        figures["ratio_oxigraph_build_to_parse"] = med(stored) / med(parses)
        figures["runs"]["kg_build_oxigraph"] = stored
    print(f"curated graph: {figures['files']} files, {figures['triples']} triples (rdflib's count); "
          f"medians of {args.repeat}")
    print(f"kg build (process)                 {figures['kg_build_s']:.2f} s")
    if stored:
        print(f"kg build --store oxigraph (cold)   {figures['kg_build_oxigraph_s']:.2f} s "
              f"({figures['ratio_oxigraph_build_to_parse']:.1f}x the parse)")
    print(f"rdflib parse of the same Turtle    {figures['rdflib_parse_s']:.2f} s "
          f"(whole process {figures['rdflib_parse_process_s']:.2f} s)")
    print(f"ratio kg build / rdflib parse      {figures['ratio_build_to_parse']:.1f}x "
          f"(target <= 2x); against the whole parse process {figures['ratio_build_to_parse_process']:.1f}x")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
