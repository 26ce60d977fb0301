"""The ``kg`` command: parses arguments, calls the library, prints. Nothing else lives here.

Why one module of over 400 lines: the whole command line — every command, option and help text — is read and
reviewed in one place; each command's work lives in the package, this module only wires arguments to it.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

__all__ = ["main", "parser"]

EXIT_CODES = """exit codes:
  0  success
  1  other error (e.g. an output location that cannot be written)
  2  bad usage: unknown question, bad parameter, SPARQL syntax error
  3  bad data: a Turtle syntax error (file:line) or an invalid value
  4  the graph violates a shape or a check (see `kg validate`)
  5  a query went over its --timeout or --max-rows
  130, 143  stopped by Ctrl-C (SIGINT) or SIGTERM"""


def _number(option: str, *, integer: bool = False, low: float = 0, high: float | None = None):  # type: ignore[no-untyped-def]
    """Return an argparse type that reads a finite number in [low, high] (whole if *integer*).

    ``nan``, ``inf``, ``-5`` or ``1e20`` where a count or a time is meant are typing mistakes: they
    fail as usage errors (exit 2) naming the option, instead of running with a nonsense limit.
    """
    import math

    def read(text: str) -> float | int:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{option} {text!r} is not a number") from None
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"{option} {text!r} is not a finite number")
        if integer and value != int(value):
            raise argparse.ArgumentTypeError(f"{option} {text!r} is not a whole number")
        if value < low or (high is not None and value > high):
            def shown(v: float) -> str:
                return f"{v:,.0f}" if v == int(v) else f"{v:g}"

            bound = f"from {shown(low)} to {shown(high)}" if high is not None else f"at least {shown(low)}"
            raise argparse.ArgumentTypeError(f"{option} {text!r} is out of range: give a number {bound}")
        return int(value) if integer else value

    return read


def _command(sub: argparse._SubParsersAction, name: str, summary: str, example: str) -> argparse.ArgumentParser:
    return sub.add_parser(
        name, help=summary, description=summary,
        epilog=f"example:\n  {example}\n\n{EXIT_CODES}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def _view_names() -> list[str]:
    """Return the views declared in projections.toml (read directly: --help must not import networkx)."""
    import tomllib

    from kg.paths import PROJECTIONS_DIR

    try:
        table = tomllib.loads((PROJECTIONS_DIR / "projections.toml").read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return ["overview"]
    return [row["name"] for row in table.get("view", [])]


def parser() -> argparse.ArgumentParser:
    """Return the argument parser (also used to generate the CLI reference in the README)."""
    top = argparse.ArgumentParser(
        prog="kg",
        description="The Moscow Trials Knowledge Graph: build, validate, query, draw and export the "
        "graph of the Soviet show trials of 1928-1938. Prosecution claims are kept apart from facts.",
        epilog="examples:\n  kg build\n  kg query defendants -p trial trial:1936-sixteen --format csv\n"
        "  kg network --view testimony -o testimony.html\n\nRun `kg COMMAND --help` for each command.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    top.add_argument("--version", action="version", version="%(prog)s 0.1.0")
    sub = top.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = _command(sub, "build", "Load, validate and write every output (exports, tables, network page).",
                 "kg build -o build/")
    p.add_argument("-o", "--out", type=Path, help="output folder (default: build/)")
    p.add_argument("-q", "--quiet", action="store_true", help="print only the summary")
    p.add_argument("--store", default="memory", metavar="STORE",
                   help="where the graph lives: memory (default), oxigraph:PATH (a persistent Oxigraph folder) "
                        "or sparql:URL (a SPARQL 1.1 endpoint)")

    p = _command(sub, "validate", "Check the data against the SHACL shapes and the violation checks.",
                 "kg validate")
    p.add_argument("--store", default="memory", metavar="STORE",
                   help="where the graph lives: memory (default), oxigraph:PATH (a persistent Oxigraph folder) "
                        "or sparql:URL (a SPARQL 1.1 endpoint)")

    p = _command(sub, "queries", "List the named questions with their summaries and parameters.",
                 "kg queries")

    p = _command(sub, "query", "Answer a named question, a .rq file or SPARQL from stdin (-).",
                 "kg query defendants -p trial trial:1936-sixteen --format csv\n"
                 "  kg query person -p person Зиновьев\n"
                 "  echo 'SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }' | kg query -")
    p.add_argument("question", help="a question name (see `kg queries`), a path to a .rq file, or - for stdin")
    p.add_argument("-p", "--param", nargs=2, action="append", metavar=("NAME", "VALUE"), default=[],
                   help="bind parameter NAME to VALUE (repeatable); values are bound, never pasted into the query")
    p.add_argument("-f", "--format", choices=("table", "csv", "json"), default="table", help="output format (default: table)")
    p.add_argument("-o", "--output", type=Path, help="write to this file (atomically) instead of stdout")
    p.add_argument("--allow-remote", action="store_true",
                   help="let the query use SERVICE and FROM, which read other files and reach other hosts (off by default)")
    p.add_argument("--timeout", type=_number("--timeout"), default=60.0, metavar="SECONDS",
                   help="stop the evaluation after this many seconds (default: 60; 0 for no limit); Ctrl-C stops it too")
    p.add_argument("--max-rows", type=_number("--max-rows", integer=True), default=100_000, metavar="N",
                   help="refuse an answer with more rows than this (default: 100000; 0 for no limit)")
    p.add_argument("--store", default="memory", metavar="STORE",
                   help="where the graph lives: memory (default), oxigraph:PATH (a persistent Oxigraph folder) "
                        "or sparql:URL (a SPARQL 1.1 endpoint)")

    p = _command(sub, "export", "Serialise the graph (or one layer) as Turtle, JSON-LD or N-Triples.",
                 "kg export --format json-ld -o moscow-trials.jsonld\n  kg export --format turtle --layer established")
    p.add_argument("-f", "--format", default="turtle", help="turtle, json-ld or nt (default: turtle)")
    p.add_argument("--layer", default="all", choices=("all", "statements", "established", "alleged"),
                   help="all triples, the curated statements, facts only, or claims only (default: all)")
    p.add_argument("-o", "--output", help="output file, or - for stdout (default: build/moscow-trials[.LAYER].EXT)")
    p.add_argument("--store", default="memory", metavar="STORE",
                   help="where the graph lives: memory (default), oxigraph:PATH (a persistent Oxigraph folder) "
                        "or sparql:URL (a SPARQL 1.1 endpoint)")

    p = _command(sub, "contradictions",
                 "List the claims that established facts make impossible, with why and the sources on both sides.",
                 "kg contradictions\n  kg contradictions --format csv -o contradictions.csv")
    p.add_argument("-f", "--format", choices=("table", "csv", "json"), default="table", help="output format (default: table)")
    p.add_argument("-o", "--output", type=Path, help="write to this file (atomically) instead of stdout")

    p = _command(sub, "article",
                 "Check the seed article: each of its claims with its grade, and the figure the data recomputes "
                 "beside the article's.",
                 "kg article\n  kg article --format csv -o article-check.csv")
    p.add_argument("-f", "--format", choices=("table", "csv", "json"), default="table", help="output format (default: table)")
    p.add_argument("-o", "--output", type=Path, help="write to this file (atomically) instead of stdout")

    p = _command(sub, "timeline",
                 "Draw arrests, trials, verdicts, executions and rehabilitations over time (PNG or SVG).",
                 "kg timeline -o timeline.png                               # every trial, a row each\n"
                 "  kg timeline --trial \"Trial of the Sixteen\" -o sixteen.svg   # everyone charged at one trial\n"
                 "  kg timeline --person Бухарин -o bukharin.png              # one life, any spelling")
    who = p.add_mutually_exclusive_group()
    who.add_argument("--trial", metavar="NAME", help="a row per person charged at this trial (IRI, trial:SLUG or name)")
    who.add_argument("--person", metavar="NAME",
                     help="a row per event of this person's life (IRI, person:SLUG or any spelling)")
    p.add_argument("-o", "--output", type=Path,
                   help="the .png or .svg file, written atomically (default: build/timeline[-NAME].png)")
    p.add_argument("--title", help="the figure's title (default: says what it shows)")
    p.add_argument("--store", default="memory", metavar="STORE",
                   help="where the graph lives: memory (default), oxigraph:PATH (a persistent Oxigraph folder) "
                        "or sparql:URL (a SPARQL 1.1 endpoint)")

    p = _command(sub, "network", "Draw a network view (offline page or graph file), rank its nodes, or find a path.",
                 "kg network --view testimony -o testimony.html        # ACTION draw (the default): one offline page\n"
                 "  kg network --view alleged-conspiracy --status alleged    # the prosecution's story only\n"
                 "  kg network --view ego --focus Bukharin --hops 2          # one person's neighbourhood\n"
                 "  kg network --view overview --trial \"Trial of the Sixteen\"\n"
                 "  kg network --view memberships -o memberships.graphml     # or .gexf, .json (node-link)\n"
                 "  kg network stats --view alleged-conspiracy --by betweenness --top 15\n"
                 "  kg network path Bukharin Зиновьев                        # shortest chain, evidence for each step\n"
                 f"\nviews (kg/sparql/rq/projections/projections.toml): {', '.join(_view_names())}")
    p.add_argument("action", nargs="?", default="draw", choices=("draw", "stats", "path"), metavar="ACTION",
                   help="draw (default): write the page or a graph file; stats: rank nodes by degree, betweenness and "
                        "eigenvector centrality and list the Louvain communities; path A B: the shortest chain "
                        "between two people, with the statements and sources of every step")
    p.add_argument("names", nargs="*", metavar="NAME",
                   help="path: the two people (IRI, person:SLUG or any recorded spelling)")
    p.add_argument("--view", default="overview", help="a view of kg/sparql/rq/projections/projections.toml (default: overview)")
    p.add_argument("--status", action="append",
                   choices=("established", "probable", "disputed", "alleged", "unsupported", "retracted", "fabricated"),
                   help="keep only edges with this status (repeatable)")
    p.add_argument("--focus", metavar="NAME", help="keep only this person's neighbourhood (needed by --view ego)")
    p.add_argument("--hops", type=int, default=2, metavar="K", help="with --focus: how many steps out (default: 2)")
    p.add_argument("--trial", metavar="NAME", help="keep only edges about this trial (IRI, trial:SLUG or name)")
    p.add_argument("-f", "--format", choices=("html", "graphml", "gexf", "json", "table", "csv"),
                   help="draw: html (default; or from the -o suffix), graphml, gexf, json; stats: table (default), "
                        "csv, json; path: table (default), json")
    p.add_argument("-o", "--output", type=Path,
                   help="draw: the file (default: build/network-VIEW.html); stats/path: write there instead of stdout")
    p.add_argument("--size-by", default="degree", choices=("degree", "betweenness", "eigenvector", "none"),
                   help="draw: node size (default: degree)")
    p.add_argument("--max-nodes", type=_number("--max-nodes", integer=True, low=1), default=5000, metavar="N",
                   help="draw: refuse a page with more nodes than this (default: 5000; pages draw in < 3 s up to it)")
    p.add_argument("--top", type=_number("--top", integer=True), default=15, metavar="N",
                   help="stats: how many rows (default: 15; 0 for all)")
    p.add_argument("--by", default="degree", choices=("degree", "betweenness", "eigenvector"),
                   help="stats: the measure to rank by (default: degree)")
    p.add_argument("--store", default="memory", metavar="STORE",
                   help="where the graph lives: memory (default), oxigraph:PATH (a persistent Oxigraph folder) "
                        "or sparql:URL (a SPARQL 1.1 endpoint)")

    p = _command(sub, "push", "Send the built graph to a SPARQL endpoint (Graph Store Protocol or SPARQL Update).",
                 "kg push http://127.0.0.1:7878/store --token SECRET\n"
                 "  kg push http://localhost:3030/ds/update --via update")
    p.add_argument("url", help="the Graph Store Protocol endpoint (e.g. http://HOST:PORT/store) or, with --via update, "
                   "the SPARQL Update endpoint")
    p.add_argument("--via", choices=("gsp", "update"), default="gsp",
                   help="gsp: HTTP PUT of each graph (default); update: DROP + INSERT DATA in batches")
    p.add_argument("--token", help="sent as Authorization: Bearer TOKEN (kg serve --writable asks for one)")
    p.add_argument("--no-layers", action="store_true",
                   help="send only the whole graph (default graph), not each layer as a named graph too")

    p = _command(sub, "serve", "Serve the built graph as a SPARQL 1.1 endpoint: a real Oxigraph server on loopback.",
                 "kg serve --port 7878\n  kg serve --writable --token SECRET")
    p.add_argument("--port", type=_number("--port", integer=True, high=65535), default=7878,
                   help="TCP port (default: 7878; 0 picks a free one)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this machine only)")
    p.add_argument("--writable", action="store_true", help="accept SPARQL Update and Graph Store writes (needs --token)")
    p.add_argument("--token", help="the bearer token that writes must carry")
    p.add_argument("--location", type=Path, help="the Oxigraph folder to serve from (default: build/oxigraph-serve/, rebuilt)")
    p.add_argument("--timeout", type=_number("--timeout", low=0.001), default=30.0, metavar="SECONDS",
                   help="time limit of each query (default: 30)")
    p.add_argument("--max-result-mb", type=_number("--max-result-mb", low=0.001), default=100.0, metavar="MB",
                   help="refuse (HTTP 413) an answer larger than this (default: 100)")
    p.add_argument("--max-body", type=_number("--max-body", integer=True, low=1), default=1 << 20, metavar="BYTES",
                   help="refuse (HTTP 413, unread) a request body larger than this (default: 1048576)")
    p.add_argument("--max-upload-mb", type=_number("--max-upload-mb", low=0.001), default=256.0, metavar="MB",
                   help="the body limit of a write that carries the token, e.g. kg push (default: 256)")
    p.add_argument("--idle-timeout", type=_number("--idle-timeout", low=0.001), default=60.0, metavar="SECONDS",
                   help="answer HTTP 408 and close a connection whose client stays silent this long in the middle "
                        "of a request (default: 60)")
    p.add_argument("--allow-remote", action="store_true",
                   help="let queries use SERVICE and updates LOAD, which make the server reach other hosts (off by default)")
    p.add_argument("--reconcile", action="store_true",
                   help="also answer the W3C Reconciliation Service API at /reconcile (OpenRefine: match names to people, "
                        "trials and places)")

    p = _command(sub, "synth",
                 "Write synthetic repression records (Memorial-like, in our ontology) as N-Triples, for scale tests.",
                 "kg synth --triples 1000000 --seed 1 -o build/synthetic-1m.nt")
    p.add_argument("--triples", type=_number("--triples", integer=True, low=1, high=50_000_000), required=True,
                   help="how many triples (10^4 to 5x10^7; stops after a whole person)")
    p.add_argument("--seed", type=int, default=1, help="random seed: the same seed and size give the same file (default: 1)")
    p.add_argument("-o", "--output", type=Path, required=True, help="the .nt file to write (atomically)")

    p = _command(sub, "site", "Write the static site: a page for every person and every trial, each with its "
                 "JSON-LD document; works from disk, offline.",
                 "kg site -o site/\n  xdg-open site/index.html")
    p.add_argument("-o", "--output", type=Path, help="the site's folder (default: build/site/)")
    p.add_argument("--base-url", metavar="URL", help="the address a hosted copy is published at: links become "
                   "absolute and each page names its canonical URL (default: relative links, for use from disk)")
    p.add_argument("-q", "--quiet", action="store_true", help="print only the summary")

    p = _command(sub, "release", "Write a versioned, citable release: exports, layers, CSV tables, GraphML, the site, "
                 "the validation report, VoID, CITATION.cff and SHA256SUMS.",
                 "kg release --version 1.0.0 -o moscow-trials-1.0.0/\n"
                 "  cd moscow-trials-1.0.0 && sha256sum -c SHA256SUMS")
    p.add_argument("-o", "--output", type=Path,
                   help="the release folder (default: build/release/moscow-trials-VERSION/); "
                   "an existing folder is replaced only if it holds an earlier release")
    p.add_argument("--version", dest="release_version", metavar="V",
                   help="the version to release (default: the package version)")
    p.add_argument("-q", "--quiet", action="store_true", help="print only the summary")
    for name in _READS_GRAPH:
        sub.choices[name].add_argument(
            "--data", action="append", type=Path, default=[], metavar="PATH",
            help="join your own RDF file to the curated graph (repeatable; Turtle, N-Triples, RDF/XML or JSON-LD "
                 "by suffix, e.g. `kg synth` output)")
    return top


#: The commands that read the graph, and so take ``--data`` (a release is the curated data only).
_READS_GRAPH = ("build", "validate", "query", "export", "contradictions", "article", "timeline", "network",
                "push", "serve", "site")


def _say(quiet: bool = False):  # type: ignore[no-untyped-def]
    return (lambda _m: None) if quiet else (lambda m: print(f"· {m}", file=sys.stderr))


def _cmd_build(args: argparse.Namespace) -> int:
    from kg.outputs.builder import build

    result = build(args.out, progress=_say(args.quiet), store=args.store, data=args.data)
    print(f"built {len(result.kg)} triples from {len(result.kg.files)} files in {result.seconds:.2f} s")
    print("counts by class:")
    for name, n in result.counts.items():
        print(f"  {name:<22} {n:>6}")
    print("files written:")
    for path in result.files:
        print(f"  {path}")
    page = next(p for p in result.files if p.suffix == ".html")
    print(f"network page: {page.resolve()}")
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    from kg.graph.loader import load
    from kg.graph.validation import validate

    report = validate(load(store=args.store, data=args.data))
    print(report, file=sys.stdout if report.conforms else sys.stderr)
    return 0 if report.conforms else 4


def _cmd_queries(args: argparse.Namespace) -> int:
    from kg.sparql.questions import list_questions

    for q in list_questions():
        print(f"{q.name}\n    {q.summary}")
        for prm in q.params:
            need = "required" if prm.required else "optional"
            print(f"    -p {prm.name} VALUE   ({prm.type}, {need}) {prm.description}")
    return 0


def _cmd_query(args: argparse.Namespace) -> int:
    from kg.graph.loader import load
    from kg.sparql.questions import check_request, load_question, run_query

    question = load_question(args.question)
    params = dict(args.param)
    check_request(question, params, allow_remote=args.allow_remote)  # bad usage fails before the load
    from kg.sparql.limits import check_rows, run_with_limits

    graph = load(store=args.store, data=args.data)
    # in a worker thread, so --timeout, Ctrl-C and SIGTERM stop the evaluation itself (kg.sparql.limits)
    result = run_with_limits(lambda: run_query(graph, question, params, allow_remote=args.allow_remote),
                             timeout=args.timeout, what=f"query {question.name!r}")
    check_rows(len(result), args.max_rows)
    text = {"table": result.to_table, "csv": result.to_csv, "json": result.to_json}[args.format]()
    if args.output:
        from kg.atomic import write_text_atomic

        write_text_atomic(args.output, text if text.endswith("\n") else text + "\n")
        print(f"wrote {len(result)} rows to {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    from kg.graph.loader import load
    from kg.outputs.exports import export, layer_graph, serialize

    kg = load(store=args.store, data=args.data)
    if args.output == "-":
        sys.stdout.buffer.write(serialize(layer_graph(kg, args.layer), args.format))
        return 0
    path = export(kg, args.format, args.output, layer=args.layer)
    print(f"wrote {path}")
    return 0


def _cmd_contradictions(args: argparse.Namespace) -> int:
    from kg.graph.contradictions import find_contradictions
    from kg.graph.loader import load
    from kg.sparql.questions import QueryResult

    findings = find_contradictions(load(data=args.data))
    if args.format == "table":
        lines = []
        for f in findings:
            lines += [f"{f.rule}: {f.explanation}", f"  claim: {f.claim_text} (asserted by {', '.join(f.asserted_by) or '?'})",
                      f"  claim sources: {' '.join(f.claim_sources)}", f"  evidence sources: {' '.join(f.evidence_sources)}", ""]
        lines.append(f"{len(findings)} contradiction{'s' if len(findings) != 1 else ''} found")
        text = "\n".join(lines) + "\n"
    else:
        rows = [f.as_row() for f in findings]
        columns = list(rows[0]) if rows else ["rule", "claim", "explanation"]
        from rdflib import Literal

        result = QueryResult(columns=columns, rows=[tuple(Literal(r[c]) for c in columns) for r in rows])
        text = result.to_csv() if args.format == "csv" else result.to_json() + "\n"
    return _emit(args.output, text)


def _cmd_article(args: argparse.Namespace) -> int:
    from kg.display.article import article_report, article_table
    from kg.graph.loader import load

    report = article_report(load(data=args.data))
    text = {"table": lambda: article_table(report), "csv": report.to_csv, "json": report.to_json}[args.format]()
    text = text if text.endswith("\n") else text + "\n"
    return _emit(args.output, text)


def _cmd_network(args: argparse.Namespace) -> int:
    from kg import paths
    from kg.display.network import project, relation_count
    from kg.display.render import render_network
    from kg.errors import ParameterError
    from kg.graph.loader import load

    action = args.action
    wanted = {"draw": 0, "stats": 0, "path": 2}[action]
    if len(args.names) != wanted:
        raise ParameterError("`kg network path` takes two people, e.g. kg network path Bukharin Zinoviev"
                             if action == "path" else
                             f"`kg network {action}` takes no names ({' '.join(args.names)!r}); "
                             "did you mean `kg network path A B` or --focus NAME?")
    allowed = {"draw": ("html", "graphml", "gexf", "json"), "stats": ("table", "csv", "json"),
               "path": ("table", "json")}[action]
    fmt = args.format
    if fmt is None and action == "draw" and args.output:
        from kg.outputs.graph_exports import format_for

        fmt = format_for(args.output) or "html"
    fmt = fmt or allowed[0]
    if fmt not in allowed:
        raise ParameterError(f"`kg network {action}` writes {', '.join(allowed)}, not {fmt}")
    graph = load(store=args.store, data=args.data)
    net = project(graph, view=args.view, statuses=set(args.status) if args.status else None,
                  focus=args.focus, hops=args.hops, trial=args.trial)
    what = args.view
    if net.graph.get("focus"):
        what += f": {net.nodes[net.graph['focus']].get('label', net.graph['focus'])}, {args.hops} steps"
    if args.trial:
        what += f", {args.trial}"
    if action == "stats":
        return _emit(args.output, _network_stats(net, what, fmt, top=args.top or None, by=args.by))
    if action == "path":
        return _emit(args.output, _network_path(graph, net, args.names, what, fmt))
    stem = f"network-{args.view}" + (f"-{net.graph['focus'].rsplit('/', 1)[-1]}" if net.graph.get("focus") else "")
    if fmt == "html":
        out = args.output or paths.build_dir() / f"{stem}.html"
        try:
            path = render_network(net, out, title=f"Moscow Trials — {what}", max_nodes=args.max_nodes,
                                  size_by=None if args.size_by == "none" else args.size_by)
        except ValueError as exc:
            raise ParameterError(
                f"{exc}\n  e.g. kg network --view ego --focus NAME --hops 2\n"
                f"       kg network --view {args.view} --trial NAME\n"
                f"       kg network --view {args.view} -o {stem}.graphml   (for Gephi or Cytoscape)") from None
    else:
        from kg.outputs.graph_exports import GRAPH_FORMATS, write_graph

        path = write_graph(net, args.output or paths.build_dir() / f"{stem}{GRAPH_FORMATS[fmt].suffix}", fmt)
    print(f"wrote {path} ({net.number_of_nodes()} nodes, {relation_count(net)} edges)")
    return 0


def _emit(output: Path | None, text: str) -> int:
    if output:
        from kg.atomic import write_text_atomic

        write_text_atomic(output, text)
        print(f"wrote {output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def _network_stats(net, what: str, fmt: str, *, top: int | None, by: str) -> str:  # type: ignore[no-untyped-def]
    import json

    from kg.display.analytics import centrality_table, communities
    from kg.display.network import relation_count

    rows = centrality_table(net, top=top, sort_by=by)
    groups = communities(net)
    degree = {row["node"]: row["degree"] for row in centrality_table(net, top=None)}
    labelled = [[str(net.nodes[n].get("label") or n) for n in sorted(g, key=lambda n: (-degree[n], str(n)))]
                for g in groups]
    for rank, row in enumerate(rows, 1):
        row["rank"] = rank
    if fmt == "json":
        return json.dumps({"view": what, "nodes": net.number_of_nodes(), "edges": relation_count(net),
                           "sorted_by": by, "top": rows,
                           "communities": [{"number": i, "size": len(g), "members": g}
                                           for i, g in enumerate(labelled)]},
                          ensure_ascii=False, indent=1) + "\n"
    columns = ["rank", "node", "label", "kind", "degree", "betweenness", "eigenvector", "community"]
    if fmt == "csv":
        import csv
        import io

        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        from kg.outputs.exports import spreadsheet_cell  # one CSV rule for the project: no cell starts a formula

        writer.writerows({c: spreadsheet_cell(row[c]) for c in columns} for row in rows)
        return buffer.getvalue()
    width = max([4] + [len(row["label"]) for row in rows])
    lines = [f"{what}: {net.number_of_nodes()} nodes, {relation_count(net)} edges, "
             f"{len(groups)} communities (Louvain, seed 42); ranked by {by}",
             f"{'rank':>4}  {'name':<{width}}  {'kind':<12} {'degree':>6} {'betweenness':>11} "
             f"{'eigenvector':>11} {'community':>9}"]
    for row in rows:
        lines.append(f"{row['rank']:>4}  {row['label']:<{width}}  {row['kind']:<12} {row['degree']:>6} "
                     f"{row['betweenness']:>11.4f} {row['eigenvector']:>11.4f} {row['community']:>9}")
    lines.append("communities, largest first (best connected first):")
    for number, members in enumerate(labelled):
        more = f", … ({len(members) - 6} more)" if len(members) > 6 else ""
        lines.append(f"  {number:>2}  {len(members):>3}: {', '.join(members[:6])}{more}")
    return "\n".join(lines) + "\n"


def _network_path(graph, net, names: list[str], what: str, fmt: str) -> str:  # type: ignore[no-untyped-def]
    import json

    import networkx as nx

    from kg.display.analytics import shortest_path
    from kg.errors import KGError
    from kg.sparql.questions import resolve_iri

    ends = [str(resolve_iri(getattr(graph, "graph", graph), name, hint="person")) for name in names]
    for name, iri in zip(names, ends, strict=True):
        if iri not in net:
            raise KGError(f"{name!r} ({iri}) is not in the {what} view; try --view overview or another view")
    try:
        steps = shortest_path(net, ends[0], ends[1])
    except nx.NetworkXNoPath:
        raise KGError(f"no path joins {names[0]!r} and {names[1]!r} in the {what} view") from None
    if fmt == "json":
        return json.dumps({"view": what, "from": ends[0], "to": ends[1], "steps": steps},
                          ensure_ascii=False, indent=1) + "\n"
    first, last = net.nodes[ends[0]].get("label", ends[0]), net.nodes[ends[1]].get("label", ends[1])
    lines = [f"{first} to {last}: {len(steps)} step{'s' if len(steps) != 1 else ''} in the {what} view"]
    for number, step in enumerate(steps, 1):
        lines.append(f"{number}. {step['source_label']} — {step['target_label']}")
        for e in step["evidence"]:
            arrow = (f"{step['source_label']} {e['relation']} {step['target_label']}" if e["forward"]
                     else f"{step['target_label']} {e['relation']} {step['source_label']}")
            when = "; ".join(x for x in (e["trial"], e["date"]) if x)
            lines.append(f"     [{e['status']}] {arrow}" + (f" ({when})" if when else ""))
            lines.append(f"       statement: {e['statement']}")
            if e["sources"]:
                lines.append(f"       sources: {' '.join(e['sources'])}")
    return "\n".join(lines) + "\n"


def _cmd_timeline(args: argparse.Namespace) -> int:
    from kg import paths
    from kg.display.timeline import write_timeline
    from kg.graph.loader import load

    name = args.trial or args.person
    slug = "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-") if name else ""
    out = args.output or paths.build_dir() / (f"timeline-{slug}.png" if slug else "timeline.png")
    path = write_timeline(load(store=args.store, data=args.data), out, trial=args.trial, person=args.person, title=args.title)
    print(f"wrote {path}")
    return 0


def _cmd_push(args: argparse.Namespace) -> int:
    from kg.graph.loader import load
    from kg.graph.stores import LAYER_GRAPHS
    from kg.outputs.exports import serialize
    from kg.sparql.remote import push

    kg = load(progress=_say(), data=args.data)
    graphs: dict[str | None, bytes] = {None: serialize(kg.graph, "nt")}
    if not args.no_layers:
        for name, iri in LAYER_GRAPHS.items():
            graphs[iri] = serialize(kg.layers[name], "nt")
    for line in push(args.url, graphs, via=args.via, token=args.token):
        print(f"sent {line}")
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    import signal

    from kg.graph.loader import load
    from kg.server.gateway import serve

    if args.host not in {"127.0.0.1", "localhost", "::1"}:
        print(f"kg serve: warning: listening on {args.host}, not only on this machine", file=sys.stderr)
    kg = load(progress=_say(), data=args.data)
    routes, address = None, []
    if args.reconcile:  # the service's routes; its manifest names the address once the port is known
        from kg.server.reconcile import build_index, server_routes

        routes = server_routes(build_index(kg), lambda: address[0] if address else "")
    server = serve(kg, host=args.host, port=args.port or None, writable=args.writable, token=args.token,
                   location=args.location, query_timeout=args.timeout,
                   max_result_bytes=int(args.max_result_mb * 1_000_000), allow_remote=args.allow_remote,
                   max_body=args.max_body, max_upload=int(args.max_upload_mb * 1_000_000), routes=routes,
                   idle_timeout=args.idle_timeout)
    address.append(server.url + "/reconcile")

    def stop(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    mode = "read-write (writes need the token)" if args.writable else "read-only"
    mode += f"; queries limited to {args.timeout:g} s and {args.max_result_mb:g} MB"
    mode += "; SERVICE and LOAD allowed" if args.allow_remote else "; SERVICE and LOAD refused"
    print(f"serving {mode} on {server.url}\n  query:  {server.query_url}\n  update: {server.update_url}\n"
          f"  store:  {server.store_url}\n"
          + (f"  reconcile (OpenRefine): {address[0]}\n" if args.reconcile else "")
          + f"  e.g. kg query trials --store sparql:{server.query_url}\nCtrl-C stops it.", flush=True)
    try:
        code = server.wait()
        print(f"kg serve: the Oxigraph server stopped (exit code {code})", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        server.stop()


def _cmd_synth(args: argparse.Namespace) -> int:
    from kg.graph.synthetic import write

    def say(message: str) -> None:
        print(f"\r· {message}\033[K", end="", file=sys.stderr, flush=True)

    count = write(args.output, args.triples, seed=args.seed, progress=say)
    print(file=sys.stderr)
    print(f"wrote {count} triples to {args.output}")
    return 0


def _cmd_site(args: argparse.Namespace) -> int:
    from kg.display.site import build_site
    from kg.graph.loader import load

    say = _say(args.quiet)
    if args.base_url:
        from kg.outputs.hosting import check_base_url

        check_base_url(args.base_url)  # before the build, so a typo costs nothing
    from kg import paths
    from kg.atomic import claim_output_folder

    # a folder of someone else's files is refused before the load (write_site checks again, then writes)
    claim_output_folder(args.output or paths.build_dir() / "site", "kg site", create=False)
    result = build_site(load(progress=say, data=args.data), args.output, progress=say)
    if args.base_url:
        from kg.outputs.hosting import host_site

        say(f"links made absolute under {args.base_url} in {host_site(result.out_dir, args.base_url)} pages")
    print(f"wrote {result.summary()}")
    print(f"open {(result.out_dir / 'index.html').resolve()}")
    return 0


def _cmd_release(args: argparse.Namespace) -> int:
    from kg.outputs.release import release

    result = release(args.output, version=args.release_version, progress=_say(args.quiet))
    counts = result.statistics
    print(f"released version {result.version} ({result.date}) in {result.out_dir}: {len(result.files)} files, "
          f"{result.bytes / 1e6:.1f} MB, {result.site_pages} site pages, in {result.seconds:.1f} s")
    print(f"VoID: {counts['triples']} triples, {counts['entities']} entities, {counts['classes']} classes, "
          f"{counts['properties']} properties")
    print(f"check it: cd {result.out_dir} && sha256sum -c SHA256SUMS")
    return 0


COMMANDS = {
    "build": _cmd_build, "validate": _cmd_validate, "queries": _cmd_queries,
    "query": _cmd_query, "export": _cmd_export, "network": _cmd_network, "timeline": _cmd_timeline,
    "contradictions": _cmd_contradictions,
    "push": _cmd_push, "serve": _cmd_serve, "synth": _cmd_synth, "article": _cmd_article,
    "site": _cmd_site, "release": _cmd_release,
}


def entry() -> None:
    """The ``kg`` command: run :func:`main`, then exit with its code.

    Once the command is done, a late Ctrl-C or SIGTERM is ignored: it would otherwise land in
    interpreter shutdown and kill the process by signal, after every output was already complete.
    """
    import signal

    code = main()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    sys.exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the exit code (see ``kg --help``)."""
    args = parser().parse_args(argv)
    import signal

    from kg.errors import KGError, ValidationFailed

    def _terminate(_signum: int, _frame: object) -> None:  # SIGTERM cleans up like Ctrl-C: no *.tmp left
        raise KeyboardInterrupt

    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _terminate)
    try:
        return COMMANDS[args.command](args)
    except ValidationFailed as exc:
        print(f"kg {args.command}: the graph is not valid\n{exc}", file=sys.stderr)
        return exc.exit_code
    except KGError as exc:
        print(f"kg {args.command}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:  # e.g. `kg query … | head`: the reader left, which is not an error
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:
        print(f"kg {args.command}: error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"kg {args.command}: interrupted; outputs already written are complete, none is half-written", file=sys.stderr)
        return 130
