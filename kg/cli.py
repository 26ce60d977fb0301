"""The ``kg`` command: parses arguments, calls the library, prints. Nothing else lives here."""

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
  4  the graph violates a shape or a check (see `kg validate`)"""


def _command(sub: argparse._SubParsersAction, name: str, summary: str, example: str) -> argparse.ArgumentParser:
    return sub.add_parser(
        name, help=summary, description=summary,
        epilog=f"example:\n  {example}\n\n{EXIT_CODES}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


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

    p = _command(sub, "validate", "Check the data against the SHACL shapes and the violation checks.",
                 "kg validate")

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

    p = _command(sub, "export", "Serialise the graph (or one layer) as Turtle, JSON-LD or N-Triples.",
                 "kg export --format json-ld -o moscow-trials.jsonld\n  kg export --format turtle --layer established")
    p.add_argument("-f", "--format", default="turtle", help="turtle, json-ld or nt (default: turtle)")
    p.add_argument("--layer", default="all", choices=("all", "statements", "established", "alleged"),
                   help="all triples, the curated statements, facts only, or claims only (default: all)")
    p.add_argument("-o", "--output", help="output file, or - for stdout (default: build/moscow-trials[.LAYER].EXT)")

    p = _command(sub, "contradictions", "List the claims that established facts make impossible, with why and the sources on both sides.",
                 "kg contradictions\n  kg contradictions --format csv -o contradictions.csv")
    p.add_argument("-f", "--format", choices=("table", "csv", "json"), default="table", help="output format (default: table)")
    p.add_argument("-o", "--output", type=Path, help="write to this file (atomically) instead of stdout")

    p = _command(sub, "article", "Check the seed article: each of its claims with its grade, and the figure the data recomputes beside the article's.",
                 "kg article\n  kg article --format csv -o article-check.csv")
    p.add_argument("-f", "--format", choices=("table", "csv", "json"), default="table", help="output format (default: table)")
    p.add_argument("-o", "--output", type=Path, help="write to this file (atomically) instead of stdout")

    p = _command(sub, "network", "Draw a network view as one offline, self-contained HTML page.",
                 "kg network --view overview -o network.html")
    p.add_argument("--view", default="overview", help="a view of kg/projections/projections.toml (default: overview)")
    p.add_argument("--status", action="append", choices=("established", "probable", "disputed", "alleged", "fabricated"),
                   help="keep only edges with this status (repeatable)")
    p.add_argument("-o", "--output", type=Path, help="the HTML file (default: build/network-VIEW.html)")
    return top


def _say(quiet: bool = False):  # type: ignore[no-untyped-def]
    return (lambda _m: None) if quiet else (lambda m: print(f"· {m}", file=sys.stderr))


def _cmd_build(args: argparse.Namespace) -> int:
    from .builder import build

    result = build(args.out, progress=_say(args.quiet))
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
    from .loader import load
    from .validation import validate

    report = validate(load())
    print(report, file=sys.stdout if report.conforms else sys.stderr)
    return 0 if report.conforms else 4


def _cmd_queries(args: argparse.Namespace) -> int:
    from .queries import list_questions

    for q in list_questions():
        print(f"{q.name}\n    {q.summary}")
        for prm in q.params:
            need = "required" if prm.required else "optional"
            print(f"    -p {prm.name} VALUE   ({prm.type}, {need}) {prm.description}")
    return 0


def _cmd_query(args: argparse.Namespace) -> int:
    from .loader import load
    from .queries import load_question, run_query

    question = load_question(args.question)
    params = dict(args.param)
    result = run_query(load(), question, params, allow_remote=args.allow_remote)
    text = {"table": result.to_table, "csv": result.to_csv, "json": result.to_json}[args.format]()
    if args.output:
        from .atomic import write_text_atomic

        write_text_atomic(args.output, text if text.endswith("\n") else text + "\n")
        print(f"wrote {len(result)} rows to {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    from .exports import export, layer_graph, serialize
    from .loader import load

    kg = load()
    if args.output == "-":
        sys.stdout.buffer.write(serialize(layer_graph(kg, args.layer), args.format))
        return 0
    path = export(kg, args.format, args.output, layer=args.layer)
    print(f"wrote {path}")
    return 0


def _cmd_contradictions(args: argparse.Namespace) -> int:
    from .contradictions import find_contradictions
    from .loader import load
    from .queries import QueryResult

    findings = find_contradictions(load())
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
    if args.output:
        from .atomic import write_text_atomic

        write_text_atomic(args.output, text)
        print(f"wrote {len(findings)} findings to {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def _cmd_article(args: argparse.Namespace) -> int:
    from .article import article_report
    from .loader import load

    report = article_report(load())
    text = {"table": report.to_table, "csv": report.to_csv, "json": report.to_json}[args.format]()
    text = text if text.endswith("\n") else text + "\n"
    if args.output:
        from .atomic import write_text_atomic

        write_text_atomic(args.output, text)
        print(f"wrote {len(report)} claims to {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def _cmd_network(args: argparse.Namespace) -> int:
    from . import paths
    from .loader import load
    from .network import project
    from .render import render_network

    net = project(load(), view=args.view, statuses=set(args.status) if args.status else None)
    out = args.output or paths.build_dir() / f"network-{args.view}.html"
    path = render_network(net, out, title=f"Moscow Trials — {args.view}")
    print(f"wrote {path} ({net.number_of_nodes()} nodes, {net.number_of_edges()} edges)")
    return 0


COMMANDS = {
    "build": _cmd_build, "validate": _cmd_validate, "queries": _cmd_queries,
    "query": _cmd_query, "export": _cmd_export, "network": _cmd_network,
    "contradictions": _cmd_contradictions, "article": _cmd_article,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the exit code (see ``kg --help``)."""
    args = parser().parse_args(argv)
    from .errors import KGError, ValidationFailed

    try:
        return COMMANDS[args.command](args)
    except ValidationFailed as exc:
        print(f"kg {args.command}: the graph is not valid\n{exc}", file=sys.stderr)
        return exc.exit_code
    except KGError as exc:
        print(f"kg {args.command}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except OSError as exc:
        print(f"kg {args.command}: error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), file=sys.stderr)
        return 1
    except BrokenPipeError:  # e.g. `kg query … | head`: the reader left, which is not an error
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print(f"kg {args.command}: interrupted; outputs already written are complete, none is half-written", file=sys.stderr)
        return 130
