"""A reconciliation service: link a spreadsheet's names to the graph's people, trials and places.

OpenRefine (and other clients of the W3C Reconciliation Service API, version 0.2) send names and
get back candidates with scores. Every recorded spelling counts, Latin or Cyrillic
(``rdfs:label`` and ``skos:altLabel``): "Zinoviev", "Зиновьев" and "Grigory Yevseyevich Zinoviev"
find the same person; a spelling that is not recorded ("Sinowjew") still finds him with a lower
score, by string similarity. A candidate is a ``match`` only when it is the one exact hit.

The protocol lives in :func:`handle`, a pure function from a request (method, path, query
parameters, body) to a response (status, headers, body bytes), so ``kg serve --reconcile``, the
small server of :func:`serve` and the tests share it. Routes, below an optional ``/reconcile``:

``GET /``
    the service manifest (JSON; ``callback=NAME`` for JSONP);
``GET|POST /`` with ``queries={"q0": {"query": …, "type": …, "limit": …}, …}``
    a batch (0.2): ``{"q0": {"result": [{"id", "name", "type", "score", "match", "description"}]}}``;
``POST /`` with the JSON body ``{"queries": [{"conditions": [{"matchType": "name", "v": …}]}, …]}``
    a batch in the shape of the newer draft: ``{"results": [{"candidates": […]}, …]}``;
``GET /preview?id=person/SLUG``
    a small HTML card (every text escaped) for the client's preview pane.

Identifiers are the IRIs' paths below ``https://w3id.org/moscow-trials/id/`` (``person/SLUG``),
the manifest's ``identifierSpace``; its ``view`` template turns one back into the IRI.
Property conditions are accepted and ignored: names are what this graph can match on.

Examples
--------
>>> index = NameIndex([Entry("person/a", "Person", "Grigory Zinoviev", ("Зиновьев", "Zinoviev"), "")])
>>> [(c["id"], c["score"], c["match"]) for c in index.search("зиновьев")]
[('person/a', 100.0, True)]
>>> status, headers, body = handle("GET", "/reconcile", {}, b"", index=index)
>>> status, json.loads(body)["identifierSpace"]
(200, 'https://w3id.org/moscow-trials/id/')

Why one module of over 400 lines: it is one service (the W3C Reconciliation API) — its index, its scoring and
its HTTP routes change together when the protocol does.
"""

from __future__ import annotations

import difflib
import html
import json
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

__all__ = ["Entry", "NameIndex", "build_index", "handle", "manifest", "serve", "server_routes"]

ID_SPACE = "https://w3id.org/moscow-trials/id/"
SCHEMA_SPACE = "https://w3id.org/moscow-trials/ontology#"
#: The types a client can ask for, by their short id; a full class IRI works as well.
TYPES: dict[str, str] = {"Person": "Person", "Trial": "Trial", "Place": "Place"}
MAX_QUERIES = 200  # per batch: OpenRefine sends 10 by default
MAX_QUERY_CHARS = 500
MAX_LIMIT = 100
DEFAULT_LIMIT = 10
MIN_SCORE = 50.0
_JSONP = re.compile(r"^[A-Za-z_$][\w$.]{0,63}$")
_APOSTROPHES = re.compile(r"['`\u00b4\u2018\u2019\u02b9\u02ba\u02bc]")  # a soft sign's transliteration
_PUNCTUATION = re.compile(r"[\s\-\u2010-\u2015.,;:()\"]+")
_FOLD = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "ß": "ss", "æ": "ae", "œ": "oe", "ı": "i", "ё": "е", "й": "и"})


def fold(text: str) -> str:
    """Return *text* as the service compares it: case, accents, ё/е and punctuation ignored.

    >>> fold("Grigóry  Zinov'ev"), fold("Пятаков Ю. Л."), fold("Ёжов")
    ('grigory zinovev', 'пятаков ю л', 'ежов')
    """
    decomposed = unicodedata.normalize("NFD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    plain = unicodedata.normalize("NFC", plain).translate(_FOLD)
    return _PUNCTUATION.sub(" ", _APOSTROPHES.sub("", plain)).strip()


_CYRILLIC = dict(zip("абвгдезийклмнопрстуфхцчшщъыэюяі", [
    "a", "b", "v", "g", "d", "e", "z", "i", "i", "k", "l", "m", "n", "o", "p", "r", "s", "t", "u", "f", "kh",
    "ts", "ch", "sh", "shch", "", "y", "e", "yu", "ya", "i"], strict=True))
#: Romanisations differ in these spellings of one sound (English, German, French, Polish, scholarly):
#: each is written one way in the skeleton, in this order.
_ROMAN = [("tsch", "ch"), ("shch", "sh"), ("sch", "sh"), ("zh", "j"), ("kh", "h"), ("tz", "c"), ("ts", "c"),
          ("cz", "ch"), ("w", "v"), ("ph", "f"), ("x", "ks"), ("j", "y"), ("y", "i"), ("ie", "i"), ("z", "s"),
          ("ou", "u")]
_DOUBLE = re.compile(r"(\w)\1+")


def skeleton(folded: str) -> str:
    """Return a folded name as a romanisation-blind skeleton: Zinoviev, Zinovyev, Sinowjew, Зиновьев agree.

    >>> {skeleton(fold(n)) for n in ("Zinoviev", "Zinovyev", "Sinowjew", "Зиновьев")}
    {'sinoviv'}
    >>> skeleton(fold("Trotsky")) == skeleton(fold("Trotzki")) == skeleton(fold("Троцкий"))
    True
    """
    text = folded.replace("ье", "ye").replace("ь", "")
    text = "".join(_CYRILLIC.get(c, c) for c in text)
    for old, new in _ROMAN:
        text = text.replace(old, new)
    return _DOUBLE.sub(r"\1", text)


@dataclass(frozen=True)
class Entry:
    """One thing that can be matched: its id (``person/SLUG``), type, display name, other names, description."""

    id: str
    type: str
    name: str
    other_names: tuple[str, ...] = ()
    description: str = ""
    keys: tuple[str, ...] = field(default=(), compare=False)

    def folded(self) -> tuple[str, ...]:
        """Return the folded forms of every name, the display name first."""
        return self.keys or tuple(dict.fromkeys(fold(n) for n in (self.name, *self.other_names) if fold(n)))


def _score(query: str, keys: Sequence[str]) -> float:
    """Return how well the folded *query* matches the best of an entity's folded names (0–100).

    100: a recorded spelling, exactly. 95: the same name in another romanisation (the same
    :func:`skeleton`). 85–95: the query is a whole word or words of a name ("Bukharin" in "Nikolai
    Bukharin"), more for a larger share of it; 80–90 the same in another romanisation. Otherwise
    the string similarity of the closest name or name word (difflib's ratio), times 90, so a near
    spelling stays below a recorded one.
    """
    best = 0.0
    words = query.split()
    bone = skeleton(query)
    bones = bone.split()
    for key in keys:
        if key == query:
            return 100.0
        name_words = key.split()
        if words and all(w in name_words for w in words):
            best = max(best, 85.0 + 10.0 * len(query) / max(len(key), 1))
            continue
        key_bone = skeleton(key)
        if key_bone == bone:
            best = max(best, 95.0)
            continue
        if bones and all(w in key_bone.split() for w in bones):
            best = max(best, 80.0 + 10.0 * len(bone) / max(len(key_bone), 1))
            continue
        ratio = difflib.SequenceMatcher(None, query, key, autojunk=False).ratio()
        if len(words) == 1:
            ratio = max(ratio, max((difflib.SequenceMatcher(None, query, w, autojunk=False).ratio()
                                    for w in name_words), default=0.0))
        best = max(best, 90.0 * ratio)
    return round(best, 1)


class NameIndex:
    """Every person, trial and place with its names, searched by :meth:`search`."""

    def __init__(self, entries: Sequence[Entry]):
        self.entries = [Entry(e.id, e.type, e.name, e.other_names, e.description, e.folded()) for e in entries]
        self.by_id = {e.id: e for e in self.entries}

    def search(self, text: str, *, types: Sequence[str] = (), limit: int = DEFAULT_LIMIT) -> list[dict[str, Any]]:
        """Return the candidates for *text*, best first: ``id``, ``name``, ``type``, ``score``, ``match``, ``description``."""
        query = fold(text)
        if not query:
            return []
        wanted = {_type_id(t) for t in types}
        scored = [(_score(query, e.keys), e) for e in self.entries if not wanted or e.type in wanted]
        scored = [(s, e) for s, e in scored if s >= MIN_SCORE]
        scored.sort(key=lambda item: (-item[0], item[1].name, item[1].id))
        exact = sum(1 for s, _ in scored if s == 100.0)
        return [{"id": e.id, "name": e.name, "type": [{"id": e.type, "name": TYPES[e.type]}], "score": s,
                 "match": s == 100.0 and exact == 1, "description": e.description}
                for s, e in scored[:limit]]


def _type_id(value: str) -> str:
    """Return the short type id for *value* (``Person``, ``mt:Person`` or the class IRI)."""
    return re.split(r"[#/:]", str(value))[-1]


def build_index(graph: Any) -> NameIndex:
    """Return the :class:`NameIndex` of *graph* (a loaded ``KnowledgeGraph`` or an rdflib graph)."""
    from kg.sparql.questions import run_query

    # the `names` question is the one list of every spelling (the site's pages read it too)
    grouped: dict[str, dict[str, Any]] = {}
    for row in run_query(graph, "names").records():
        iri = str(row["entity"])
        if not iri.startswith(ID_SPACE):
            continue
        item = grouped.setdefault(iri, {"type": _type_id(str(row["class"])), "labels": [], "others": [],
                                        "description": ""})
        name, language = str(row["name"]), str(row.get("language") or "")
        (item["labels"] if row["kind"] == "label" else item["others"]).append((language, name))
        if not item["description"] and row.get("description"):
            item["description"] = str(row["description"])
    entries = []
    for iri, item in sorted(grouped.items()):
        ordered = sorted(item["labels"], key=lambda pair: (pair[0] != "en", pair[0], pair[1])) + item["others"]
        names = list(dict.fromkeys(name for _, name in ordered))
        entries.append(Entry(iri[len(ID_SPACE):], item["type"], names[0], tuple(names[1:]), item["description"]))
    return NameIndex(entries)


def manifest(base_url: str = "") -> dict[str, Any]:
    """Return the service manifest; *base_url* (``http://127.0.0.1:7878/reconcile``) makes the preview URL absolute."""
    return {
        "versions": ["0.2"],
        "name": "Moscow Trials Knowledge Graph",
        "identifierSpace": ID_SPACE,
        "schemaSpace": SCHEMA_SPACE,
        "documentation": "https://w3id.org/moscow-trials/",
        "defaultTypes": [{"id": t, "name": name} for t, name in TYPES.items()],
        "view": {"url": ID_SPACE + "{{id}}"},
        "preview": {"url": base_url.rstrip("/") + "/preview?id={{id}}", "width": 400, "height": 140},
    }


class _BadRequest(ValueError):
    pass


def _one(params: Mapping[str, Any], name: str) -> str | None:
    value = params.get(name)
    if isinstance(value, list | tuple):
        value = value[0] if value else None
    return None if value is None else str(value)


def _query_text(query: Mapping[str, Any]) -> str:
    """Return the name a query asks for: ``query`` (0.2) or a ``name`` condition (the newer draft)."""
    text = query.get("query")
    if text is None:
        for condition in query.get("conditions") or []:
            if isinstance(condition, Mapping) and condition.get("matchType") == "name":
                text = condition.get("propertyValue", condition.get("v"))
                break
    if text is None:
        raise _BadRequest("a query needs a \"query\" string (or a condition with \"matchType\": \"name\")")
    if not isinstance(text, str):
        raise _BadRequest("the name to match must be a string")
    if len(text) > MAX_QUERY_CHARS:
        raise _BadRequest(f"a name longer than {MAX_QUERY_CHARS} characters")
    return text


def _answer(index: NameIndex, query: Any) -> list[dict[str, Any]]:
    if isinstance(query, str):  # 0.1: a bare string
        query = {"query": query}
    if not isinstance(query, Mapping):
        raise _BadRequest("each query must be a JSON object")
    types = query.get("type") or []
    types = [types] if isinstance(types, str) else list(types)
    unknown = [t for t in types if _type_id(t) not in TYPES]
    if unknown:
        raise _BadRequest(f"unknown type {unknown[0]!r}; known: {', '.join(TYPES)}")
    limit = query.get("limit", DEFAULT_LIMIT)
    if not isinstance(limit, int | float) or isinstance(limit, bool) or limit < 0:
        raise _BadRequest("limit must be a non-negative number")
    return index.search(_query_text(query), types=types, limit=min(int(limit), MAX_LIMIT))


def _json_response(value: Any, callback: str | None = None, status: int = 200) -> tuple[int, dict[str, str], bytes]:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    headers = {"Access-Control-Allow-Origin": "*", "Cache-Control": "no-store"}
    if callback:
        headers["Content-Type"] = "application/javascript; charset=utf-8"
        return status, headers, f"/**/{callback}({text});".encode()
    headers["Content-Type"] = "application/json; charset=utf-8"
    return status, headers, text.encode()


def _preview(index: NameIndex, entity_id: str | None) -> tuple[int, dict[str, str], bytes]:
    entry = index.by_id.get(entity_id or "")
    headers = {"Content-Type": "text/html; charset=utf-8", "Access-Control-Allow-Origin": "*",
               "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"}
    if entry is None:
        return 404, headers, f"<p>No person, trial or place with the id {html.escape(entity_id or '')!s}.</p>".encode()
    other = " · ".join(entry.other_names[:8])
    parts = ['<div style="font:14px/1.4 system-ui,sans-serif;padding:4px 8px">',
             f"<strong>{html.escape(entry.name)}</strong> <small>({html.escape(TYPES[entry.type])})</small>"]
    if other:
        parts.append(f"<div>Also: {html.escape(other)}</div>")
    if entry.description:
        parts.append(f"<p style=\"margin:.3em 0\">{html.escape(entry.description)}</p>")
    parts.append(f"<div><small>{html.escape(ID_SPACE + entry.id)}</small></div></div>")
    return 200, headers, "".join(parts).encode()


_DEFAULT_INDEX: list[NameIndex] = []


def _default_index() -> NameIndex:
    if not _DEFAULT_INDEX:
        from kg.graph.loader import load

        _DEFAULT_INDEX.append(build_index(load()))
    return _DEFAULT_INDEX[0]


def handle(method: str, path: str, query_params: Mapping[str, Any], body: bytes, *,
           index: NameIndex | None = None, base_url: str = "") -> tuple[int, dict[str, str], bytes]:
    """Return ``(status, headers, body)`` for one request to the service (see the module docstring).

    *query_params* maps each name of the URL's query string to a string or a list of strings (as
    ``urllib.parse.parse_qs`` gives); *body* is the request body (a form or JSON). *index* defaults
    to the graph that :func:`kg.load` gives, built once; *base_url* is where the service answers,
    for the manifest's preview URL. Errors are JSON ``{"error": …}`` with status 400, 404 or 405.
    """
    route = path.split("?", 1)[0]
    if route.startswith("/reconcile"):
        route = route[len("/reconcile"):]
    route = route.rstrip("/")
    params: dict[str, Any] = {k: v for k, v in query_params.items()}
    callback = _one(params, "callback")
    if callback is not None and not _JSONP.match(callback):
        return _json_response({"error": "callback must be a JavaScript identifier"}, status=400)
    if method == "OPTIONS":
        return 204, {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
                     "Access-Control-Allow-Headers": "Content-Type"}, b""
    if method not in {"GET", "POST"}:
        return _json_response({"error": f"method {method} not allowed"}, status=405)
    try:
        if route == "/preview":
            return _preview(index or _default_index(), _one(params, "id"))
        if route != "":
            return _json_response({"error": f"no such route: {path}"}, status=404)
        draft: Any = None
        if method == "POST" and body:
            text = body.decode("utf-8")
            if text.lstrip().startswith("{"):
                draft = json.loads(text)
            else:
                for key, values in parse_qs(text, keep_blank_values=True).items():
                    params.setdefault(key, values)
        if isinstance(draft, Mapping) and isinstance(draft.get("queries"), list):
            queries = draft["queries"]
            if len(queries) > MAX_QUERIES:
                raise _BadRequest(f"more than {MAX_QUERIES} queries in one batch")
            found = index or _default_index()
            return _json_response({"results": [{"candidates": _answer(found, q)} for q in queries]})
        if draft is not None:
            raise _BadRequest('a JSON body must be an object with a "queries" list')
        batch = _one(params, "queries")
        if batch is not None:
            queries = json.loads(batch)
            if not isinstance(queries, Mapping):
                raise _BadRequest("queries must be a JSON object of named queries")
            if len(queries) > MAX_QUERIES:
                raise _BadRequest(f"more than {MAX_QUERIES} queries in one batch")
            found = index or _default_index()
            return _json_response({key: {"result": _answer(found, q)} for key, q in queries.items()}, callback)
        single = _one(params, "query")
        if single is not None:  # 0.1: one query, a string or a JSON object
            query = json.loads(single) if single.lstrip().startswith("{") else single
            return _json_response({"result": _answer(index or _default_index(), query)}, callback)
        return _json_response(manifest(base_url), callback)
    except (_BadRequest, json.JSONDecodeError, UnicodeDecodeError) as exc:
        return _json_response({"error": f"bad request: {exc}"}, callback, status=400)


def server_routes(index: NameIndex, base_url: Callable[[], str] | str = "") -> dict[tuple[str, str], Any]:
    """Return the routes that put the service under ``/reconcile`` of ``kg serve`` (:data:`kg.server.gateway.ROUTES` shape).

    *base_url* is the service's address, or a function that returns it once the server knows its port.
    The gateway reads each request strictly (one value per parameter, a size limit, known content
    types) before :func:`handle` answers it.
    """
    from kg.server.gateway import FORM, Reply, Route

    def answer(request: Any, _gateway: Any) -> Any:
        base = base_url() if callable(base_url) else base_url
        status, headers, body = handle(request.method, request.path, {k: [v] for k, v in request.params.items()},
                                       request.body, index=index, base_url=base)
        content_type = headers.pop("Content-Type", None)
        return Reply(status, body, content_type=content_type, headers=tuple(sorted(headers.items())))

    names = frozenset({"queries", "query", "callback"})
    return {
        ("GET", "/reconcile"): Route(answer, params=names),
        ("POST", "/reconcile"): Route(answer, params=names, content_types=frozenset({FORM, "application/json"})),
        ("GET", "/reconcile/preview"): Route(answer, params=frozenset({"id"})),
    }


def serve(index: NameIndex | None = None, *, host: str = "127.0.0.1", port: int = 8000,
          ready: Any = None) -> None:
    """Serve the reconciliation API at ``http://HOST:PORT/reconcile`` until interrupted.

    *ready*, if given, is called with the server once it listens (tests use it to learn the port
    when *port* is 0, and to shut it down).
    """
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from urllib.parse import urlsplit

    found = index or _default_index()

    class Handler(BaseHTTPRequestHandler):
        server_version = "kg-reconcile"

        def _run(self) -> None:
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            if length > 1_000_000:
                self.send_error(413, "request body over 1 MB")
                return
            body = self.rfile.read(length) if length else b""
            base = f"http://{self.headers.get('Host') or f'{host}:{self.server.server_port}'}/reconcile"
            status, headers, payload = handle(self.command, url.path, parse_qs(url.query, keep_blank_values=True),
                                              body, index=found, base_url=base)
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_OPTIONS = _run

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
            pass

    with ThreadingHTTPServer((host, port), Handler) as server:
        if ready is not None:
            ready(server)
        server.serve_forever()


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m kg.server.reconcile [--host H] [--port P]``: the service by itself."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m kg.server.reconcile", description=main.__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    index = _default_index()
    print(f"reconciliation service: http://{args.host}:{args.port}/reconcile ({len(index.entries)} people, "
          "trials and places); Ctrl-C stops it", flush=True)
    try:
        serve(index, host=args.host, port=args.port)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
