"""Named SPARQL questions: ``kg/sparql/rq/questions/*.rq`` files, their headers, parameters and results.

A question file starts with grlc-style header lines::

    #+ summary: Defendants of each trial, with sentence and date of death
    #+ param: trial (iri, optional): the trial — an IRI, trial:SLUG, or its name

A parameter is bound to the SPARQL variable of the same name through rdflib's ``initBindings``:
user values never become query text, so a value cannot change what the query does.

Why one module of over 400 lines: a question's file format (``#+`` header, typed parameters, list columns) and
its running (binding, refusing what a user query may not do, canonical rows) are one contract with the CLI.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef, Variable
from rdflib.namespace import XSD

from kg import paths
from kg.errors import KGError, ParameterError, QuerySyntaxError, UnknownQueryError
from kg.namespaces import BASE, DATA_PREFIXES

__all__ = [
    "Param",
    "Question",
    "QueryResult",
    "check_request",
    "canonical_rows",
    "list_columns",
    "list_questions",
    "read_records",
    "load_question",
    "parse_question",
    "resolve_iri",
    "run_query",
]

_HEADER = re.compile(r"^#\+\s*(\w+)\s*:\s*(.*)$")
_PARAM = re.compile(r"^(\w+)\s*(?:\(([^)]*)\))?\s*:?\s*(.*)$")
PARAM_TYPES = ("iri", "string", "integer", "date", "boolean")


@dataclass(frozen=True)
class Param:
    """A declared parameter: its name (= SPARQL variable), type, whether required, and what it means."""

    name: str
    type: str = "string"
    required: bool = True
    description: str = ""


@dataclass(frozen=True)
class Question:
    """A SPARQL question with the metadata read from its header."""

    name: str
    text: str
    summary: str = ""
    params: tuple[Param, ...] = ()
    path: Path | None = None
    #: list-valued columns (a GROUP_CONCAT, or declared with ``#+ list: COLUMN "SEPARATOR"``) and their separator
    lists: Mapping[str, str] = field(default_factory=dict)

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)


def parse_question(text: str, *, name: str = "query", path: Path | None = None) -> Question:
    """Return the :class:`Question` for SPARQL *text*, reading its ``#+`` header lines."""
    summary, params = "", []
    declared_lists: dict[str, str] = {}
    for line in text.splitlines():
        match = _HEADER.match(line.strip())
        if not match:
            continue
        key, value = match.group(1).lower(), match.group(2).strip()
        if key == "summary":
            summary = value
        elif key == "list":
            lm = re.match(r'^(\w+)\s+"([^"]+)"\s*$', value)
            if not lm:
                raise QuerySyntaxError(f"{path or name}: cannot read list header {line.strip()!r} "
                                       '(write: #+ list: COLUMN "SEPARATOR")')
            declared_lists[lm.group(1)] = lm.group(2)
        elif key == "param":
            pm = _PARAM.match(value)
            if not pm:
                raise QuerySyntaxError(f"{path or name}: cannot read parameter header {line.strip()!r}")
            flags = [f.strip() for f in (pm.group(2) or "string").split(",") if f.strip()]
            ptype = next((f for f in flags if f in PARAM_TYPES), "string")
            params.append(Param(pm.group(1), ptype, "optional" not in flags, pm.group(3).strip()))
    lists = {**list_columns(text), **declared_lists}
    return Question(name=name, text=text, summary=summary, params=tuple(params), path=path, lists=lists)


_ALIAS = re.compile(r"\bAS\s+\?(\w+)\s*\)", re.IGNORECASE)
_SEPARATOR = re.compile(r'separator\s*=\s*"((?:[^"\\]|\\.)*)"', re.IGNORECASE)


def list_columns(text: str) -> dict[str, str]:
    """Return the columns of SPARQL *text* that a ``GROUP_CONCAT`` fills, with its separator.

    Engines concatenate in whatever order their hash tables give (Oxigraph's changes from run to run), so
    these cells are put in order where the rows are read (:func:`canonical_rows`), once for every question.

    >>> list_columns('SELECT (GROUP_CONCAT(DISTINCT ?u; separator=" ") AS ?urls) (COUNT(?x) AS ?n) WHERE {}')
    {'urls': ' '}
    """
    from kg.sparql.engine import SPARQL_OPAQUE

    # blank out comments (kept the same length) so a parenthesis in a comment cannot unbalance the scan; the
    # opaque pattern matches strings and IRIs whole, so a "#" inside one is not taken for a comment
    plain = re.sub(SPARQL_OPAQUE, lambda m: " " * len(m.group(0)) if m.group(0).startswith("#") else m.group(0), text)
    found: dict[str, str] = {}
    for match in _ALIAS.finditer(plain):
        depth, start = 0, -1
        for i in range(match.start() - 1, -1, -1):
            char = plain[i]
            if char == ")":
                depth += 1
            elif char == "(":
                if depth == 0:
                    start = i
                    break
                depth -= 1
        expression = plain[start + 1: match.start()] if start >= 0 else ""
        if "GROUP_CONCAT" in expression.upper():
            separator = _SEPARATOR.search(expression)
            found[match.group(1)] = json.loads(f'"{separator.group(1)}"') if separator else " "
    return found


def sort_list(value: str, separator: str) -> str:
    """Return the items of one list-valued cell in a stable order (sorted, duplicates kept once)."""
    items = value.split(separator)
    if len(items) < 2:
        return value
    return separator.join(sorted(dict.fromkeys(items)))


def read_records(graph: Any, path: Path, bindings: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """Return the rows of the SPARQL file *path* (a projection, say) as dicts, list-valued cells sorted.

    The projections and the timeline figure read their tables here, so every view puts grouped values in the
    same order as the named questions do (:func:`canonical_rows`); unbound values are left out.
    """
    from kg.sparql.engine import query

    text = path.read_text(encoding="utf-8")
    answer = query(getattr(graph, "graph", graph), text, bindings, name=str(path))
    rows = canonical_rows(answer.vars, answer.rows, list_columns(text))
    return [{k: v for k, v in zip(answer.vars, row, strict=False) if v is not None} for row in rows]


def canonical_rows(columns: Sequence[str], rows: Sequence[tuple[Any, ...]],
                   lists: Mapping[str, str]) -> list[tuple[Any, ...]]:
    """Return *rows* with the values inside every list-valued cell sorted (see :func:`list_columns`)."""
    where = [(i, lists[c]) for i, c in enumerate(columns) if c in lists]
    if not where:
        return list(rows)
    out = []
    for row in rows:
        cells = list(row)
        for i, separator in where:
            cell = cells[i] if i < len(cells) else None
            if isinstance(cell, Literal) and separator in str(cell):
                cells[i] = Literal(sort_list(str(cell), separator), lang=cell.language, datatype=cell.datatype)
        out.append(tuple(cells))
    return out


def list_questions(directory: Path | None = None) -> list[Question]:
    """Return every named question shipped in ``kg/sparql/rq/questions/``, sorted by name."""
    from kg.sparql import registry

    return [parse_question(f.text, name=f.name, path=f.path) for f in registry.files("question", directory)]


def load_question(name_or_path: str, *, directory: Path | None = None, stdin_text: str | None = None) -> Question:
    """Return a question by name (``defendants``), by file path (``my.rq``) or from ``-`` (stdin text)."""
    if name_or_path == "-":
        if stdin_text is None:
            import sys

            stdin_text = sys.stdin.read()
        return parse_question(stdin_text, name="<stdin>")
    candidate = Path(name_or_path)
    if candidate.suffix == ".rq" or candidate.is_file():
        if not candidate.is_file():
            raise UnknownQueryError(f"no such query file: {candidate}")
        try:
            text = candidate.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise QuerySyntaxError(f"{candidate}: not valid UTF-8 (byte 0x{exc.object[exc.start]:02x} at offset "
                                   f"{exc.start}); save the query as UTF-8") from None
        return parse_question(text, name=candidate.stem, path=candidate)
    known = {q.name: q for q in list_questions(directory)}
    if name_or_path not in known:
        import difflib

        close = difflib.get_close_matches(name_or_path, known, n=3)
        hint = f" Did you mean: {', '.join(close)}?" if close else ""
        raise UnknownQueryError(
            f"unknown question {name_or_path!r}.{hint} Known questions: {', '.join(sorted(known))} "
            "(see `kg queries`)"
        )
    return known[name_or_path]


_LABEL_LOOKUP = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT DISTINCT ?thing ?label WHERE {
  { ?thing rdfs:label ?label } UNION { ?thing skos:altLabel ?label }
  FILTER (STRSTARTS(STR(?thing), ?base))
}
"""


def _fold(text: str) -> str:
    import unicodedata

    decomposed = unicodedata.normalize("NFD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("ё", "е")


def _names_matching(graph: Graph, value: str, hint: str | None) -> list[str]:
    """Return the IRIs whose label or other spelling is *value*, else those with *value* as a whole word.

    Case and accents are ignored (Pyatakóv = Pyatakov, Пятаков = пятаков). When *hint* names a data
    namespace (``person``, ``trial``), things in it are preferred over namesakes elsewhere.
    """
    from kg.sparql.engine import query

    rows = query(graph, _LABEL_LOOKUP, {"base": Literal(BASE + "id/")}).rows
    needle = _fold(value)
    exact: set[str] = set()
    word: set[str] = set()
    for thing, label in rows:  # type: ignore[misc]
        folded = _fold(str(label))
        if folded == needle:
            exact.add(str(thing))
        elif needle in re.split(r"[^\w]+", folded) or (" " in needle and f" {needle} " in f" {folded} "):
            word.add(str(thing))
    for found in (exact, word):
        if hint and hint in DATA_PREFIXES and len(found) > 1:
            preferred = {m for m in found if m.startswith(DATA_PREFIXES[hint])}
            found = preferred or found
        if found:
            return sorted(found)
    return []


_NOT_IN_IRI = re.compile(r'[\x00-\x20<>"{}|^`\\]')


def _checked_iri(value: str) -> URIRef:
    """Return *value* as an IRI, or raise :class:`ParameterError` if it holds a character no IRI may hold."""
    bad = _NOT_IN_IRI.search(value)
    if bad:
        raise ParameterError(f"{value!r} is not a valid IRI: it contains {bad.group(0)!r} "
                             "(spaces, quotes, <, >, {, } and | are not allowed in an IRI)")
    return URIRef(value)


def resolve_iri(graph: Graph, value: str, *, hint: str | None = None) -> URIRef:
    """Return the IRI a user means by *value*: a full IRI, ``prefix:local``, a slug, or a label.

    A slug is looked up in the namespace named by *hint* (the parameter name, e.g. ``trial``); a
    label or any recorded spelling (Latin or Cyrillic) is matched ignoring case and accents, first
    whole, then as a whole word ("Trotsky" finds "Leon Trotsky"). The value never enters query text.
    Ambiguous or unknown names raise :class:`ParameterError` listing what was found.
    """
    value = value.strip()
    if re.match(r"^[a-z][a-z0-9+.-]*://", value, re.I) or value.startswith("urn:"):
        return _checked_iri(value)
    prefix, sep, local = value.partition(":")
    if sep and prefix in DATA_PREFIXES and " " not in value:
        return _checked_iri(DATA_PREFIXES[prefix] + local)
    if hint and hint in DATA_PREFIXES and re.fullmatch(r"[a-z0-9-]+", value):
        candidate = URIRef(DATA_PREFIXES[hint] + value)
        if (candidate, None, None) in graph:
            return candidate
    matches = _names_matching(graph, value, hint)
    if len(matches) == 1:
        return URIRef(matches[0])
    if not matches:
        raise ParameterError(
            f"nothing in the graph is called {value!r}; give an IRI, a prefixed name such as "
            f"{hint or 'person'}:some-slug, or a recorded name"
        )
    raise ParameterError(f"{value!r} is ambiguous: it names {', '.join(matches)}; give the IRI instead")


def _convert(graph: Graph, param: Param, raw: str) -> URIRef | Literal:
    try:
        if param.type == "iri":
            return resolve_iri(graph, raw, hint=param.name)
        if param.type == "integer":
            return Literal(int(raw), datatype=XSD.integer)
        if param.type == "date":
            import datetime as dt

            return Literal(dt.date.fromisoformat(raw), datatype=XSD.date)
        if param.type == "boolean":
            if raw.lower() not in {"true", "false", "1", "0", "yes", "no"}:
                raise ValueError("expected true or false")
            return Literal(raw.lower() in {"true", "1", "yes"}, datatype=XSD.boolean)
        return Literal(raw)
    except ValueError as exc:
        raise ParameterError(f"parameter {param.name!r} must be of type {param.type}: {raw!r} ({exc})") from None


def check_request(question: Question, params: Mapping[str, str], *, allow_remote: bool = False) -> None:
    """Raise the error :func:`run_query` would raise for a bad parameter name or a bad query text,
    without a graph: the CLI calls it before loading, so bad usage is reported at once."""
    _check_names(question, params)
    _prepare(question, allow_remote=allow_remote)


def _check_names(question: Question, params: Mapping[str, str]) -> None:
    declared = {p.name: p for p in question.params}
    unknown = sorted(set(params) - set(declared))
    if unknown:
        have = ", ".join(declared) or "none"
        raise ParameterError(f"question {question.name!r} has no parameter {', '.join(unknown)}; its parameters: {have}")
    missing = [p.name for p in question.params if p.required and p.name not in params]
    if missing:
        raise ParameterError(
            f"question {question.name!r} needs parameter {', '.join(missing)} "
            f"(give it with -p {missing[0]} VALUE)"
        )


def _bindings(graph: Graph, question: Question, params: Mapping[str, str]) -> dict[str, Any]:
    _check_names(question, params)
    declared = {p.name: p for p in question.params}
    return {name: _convert(graph, declared[name], value) for name, value in params.items()}


def _remote_features(algebra: Any) -> list[str]:
    """Return what in a prepared query would read other graphs or reach other hosts (SERVICE, FROM)."""
    from kg.sparql.safety import remote_features

    found: list[str] = []
    for clause in algebra.get("datasetClause") or []:
        named = clause.get("named")
        if isinstance(named, URIRef):
            found.append(f"FROM NAMED <{named}>")
        else:
            found.append(f"FROM <{clause.get('default')}>")
    return found + remote_features(algebra)  # the walker the server's gateway uses too


def _shipped(question: Question) -> bool:
    """True for a question read from this package's own ``queries/`` or ``projections/`` folder."""
    return question.path is not None and Path(question.path).resolve().parent in {
        paths.QUERIES_DIR.resolve(), paths.PROJECTIONS_DIR.resolve()}


def _prepare(question: Question, *, allow_remote: bool = False) -> Any:
    from rdflib.plugins.sparql import prepareQuery

    from kg.namespaces import DATA_PREFIXES as ns

    if re.search(r"^\s*(INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY|WITH)\b",
                 re.sub(r"(?m)^\s*(#.*|PREFIX\s+\S*\s*<[^>]*>|BASE\s*<[^>]*>)\s*$", "", question.text), re.I):
        raise QuerySyntaxError(f"{question.path or question.name}: SPARQL Update (INSERT, DELETE, LOAD, DROP …) is not "
                               "accepted here: questions only read the graph")
    from kg.sparql.safety import PARSER_LOCK

    try:
        with PARSER_LOCK:  # one parse at a time, shared with the server's gateway
            prepared = prepareQuery(question.text, initNs=ns)
    except Exception as exc:
        line, col = getattr(exc, "lineno", None), getattr(exc, "col", None)
        where = f" at line {line}, column {col}" if line else ""
        msg = getattr(exc, "msg", None) or str(exc)
        raise QuerySyntaxError(f"SPARQL syntax error in {question.path or question.name}{where}: {msg}") from None
    remote = _remote_features(prepared.algebra)
    if remote and not allow_remote:
        raise QuerySyntaxError(
            f"{question.path or question.name}: {', '.join(remote)} would make the query read other graphs or "
            "reach other hosts; this is blocked for queries from users (pass --allow-remote, or allow_remote=True, "
            "if you trust the query)")
    return prepared


@dataclass
class QueryResult:
    """Rows of a SELECT (or ASK) as rdflib terms, with helpers to turn them into tables."""

    columns: list[str]
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    prefixes: Mapping[str, str] = field(default_factory=lambda: DATA_PREFIXES)

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.records())

    def _plain(self, term: Any, *, short: bool) -> Any:
        if term is None:
            return None
        if isinstance(term, URIRef):
            if short:
                for prefix, base in self.prefixes.items():
                    if str(term).startswith(base) and prefix != "mt":
                        return f"{prefix}:{str(term)[len(base):]}"
                    if prefix == "mt" and str(term).startswith(base):
                        return str(term)[len(base):]
            return str(term)
        if isinstance(term, Literal):
            value = term.toPython()
            return value if isinstance(value, (int, float, bool, str)) else str(term)
        if isinstance(term, BNode):
            return f"_:{term}"
        return str(term)

    def records(self, *, short: bool = False) -> list[dict[str, Any]]:
        """Return the rows as dicts of plain Python values (IRIs as strings)."""
        return [{c: self._plain(v, short=short) for c, v in zip(self.columns, row, strict=False)} for row in self.rows]

    def to_csv(self) -> str:
        """Return the rows as CSV with a header line (full IRIs, empty cells for unbound values)."""
        out = io.StringIO()
        # CRLF rows (RFC 4180): a lone \r or \n inside a value is then quoted, never read as a row break
        from kg.outputs.exports import spreadsheet_row  # cells that would start a formula are neutralised (OWASP)

        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(spreadsheet_row(self.columns))
        for record in self.records():
            writer.writerow(spreadsheet_row(record.values()))
        return out.getvalue()

    def to_json(self) -> str:
        """Return the rows as a JSON array of objects (full IRIs, null for unbound values)."""
        return json.dumps(self.records(), ensure_ascii=False, indent=2, default=str)

    def to_table(self, *, max_width: int = 48) -> str:
        """Return an aligned text table for the terminal, with IRIs shortened to prefixed names."""
        records = self.records(short=True)
        cells = [[("" if r[c] is None else str(r[c])) for c in self.columns] for r in records]
        cells = [[c if len(c) <= max_width else c[: max_width - 1] + "…" for c in row] for row in cells]
        widths = [max([len(h)] + [len(row[i]) for row in cells]) for i, h in enumerate(self.columns)]
        line = lambda row: "  ".join(v.ljust(w) for v, w in zip(row, widths, strict=False)).rstrip()  # noqa: E731
        out = [line(self.columns), line(["-" * w for w in widths])] + [line(row) for row in cells]
        out.append(f"({len(cells)} row{'s' if len(cells) != 1 else ''})")
        return "\n".join(out)

    def to_dataframe(self):  # type: ignore[no-untyped-def]
        """Return a pandas DataFrame (pandas is imported only here: it costs ~1 s to import)."""
        import pandas as pd

        return pd.DataFrame(self.records(), columns=self.columns)


def run_query(
    graph: Graph | Any,
    question: Question | str,
    params: Mapping[str, str] | Sequence[tuple[str, str]] | None = None,
    *,
    allow_remote: bool = False,
) -> QueryResult:
    """Return the result of a named question, a ``.rq`` path or SPARQL text, with *params* bound.

    *graph* is an rdflib ``Graph`` or a :class:`kg.graph.loader.KnowledgeGraph`. Values in *params* are
    strings as a user types them; they are converted by the declared type and bound, never pasted.
    ``SERVICE`` and ``FROM`` (which make rdflib read files or reach hosts) are refused unless
    *allow_remote* is true; SPARQL Update is always refused.
    """
    graph = getattr(graph, "graph", graph)
    if isinstance(question, str):
        question = (
            parse_question(question)
            if re.search(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", question, re.I) and "{" in question
            else load_question(question)
        )
    params = dict(params or {})
    bindings = _bindings(graph, question, params)
    from kg.sparql import engine as sparql

    engine = sparql.engine_name(graph)
    # Parsed by rdflib first whatever the engine: syntax errors get line and column, and SERVICE/FROM/Update
    # are refused the same way on every store. The questions shipped in kg/sparql/rq/questions are exempt on Oxigraph
    # (a test parses each with rdflib and finds no SERVICE or FROM): rdflib's parser costs 0.1-0.2 s a query.
    prepared = None if engine != "rdflib" and _shipped(question) else _prepare(question, allow_remote=allow_remote)

    if engine != "rdflib":
        # Oxigraph (the build's store, in memory or on disk) or a remote endpoint: see kg.sparql.engine.
        try:
            answer = sparql.query(graph, question.text, bindings, name=question.name)
        except KGError:
            raise
        except Exception as exc:  # evaluation errors name the question
            raise QuerySyntaxError(f"query {question.name!r} failed: {exc}") from None
        if answer.type == "ASK":
            return QueryResult(columns=["answer"], rows=[(Literal(answer.answer),)])
        if answer.type == "CONSTRUCT":
            return QueryResult(columns=["subject", "predicate", "object"], rows=answer.triples)  # type: ignore[arg-type]
        return QueryResult(columns=answer.vars, rows=canonical_rows(answer.vars, answer.rows, question.lists))
    import rdflib.plugins.sparql as sparql_settings

    # rdflib fetches FROM <url> graphs unless told not to; only a trusted query may.
    load_graphs, sparql_settings.SPARQL_LOAD_GRAPHS = sparql_settings.SPARQL_LOAD_GRAPHS, allow_remote
    try:
        result = graph.query(prepared, initBindings={Variable(k): v for k, v in bindings.items()})
        if result.type == "ASK":
            return QueryResult(columns=["answer"], rows=[(Literal(bool(result.askAnswer)),)])
        if result.type in {"CONSTRUCT", "DESCRIBE"}:
            triples = [tuple(t) for t in result]  # type: ignore[misc]
            return QueryResult(columns=["subject", "predicate", "object"], rows=triples)  # type: ignore[arg-type]
        columns = [str(v) for v in (result.vars or [])]
        return QueryResult(columns=columns, rows=canonical_rows(columns, [tuple(row) for row in result],  # type: ignore[arg-type]
                                                                question.lists))
    except Exception as exc:  # evaluation errors (e.g. a type error in a FILTER) name the question
        raise QuerySyntaxError(f"query {question.name!r} failed: {exc}") from None
    finally:
        sparql_settings.SPARQL_LOAD_GRAPHS = load_graphs
