"""A static site with a page for every person and every trial, that works opened straight from disk.

``kg site -o DIR`` writes::

    DIR/index.html                      the trials in date order; the people A–Z in Latin and in Cyrillic; search
    DIR/assets/site.css, site.js, search.js   shared by the pages (plain files: no server, no request leaves the site)
    DIR/person/SLUG.html                one page per person: names, timeline, allegations beside facts, people, network
    DIR/person/SLUG.jsonld              the person as a nested JSON-LD document (kg.display.documents)
    DIR/person/SLUG.network.html        their ego network (kg.display.render.network_page), shown in the page by an iframe
                                        that loads it when it scrolls into view
    DIR/trial/SLUG.html, .jsonld, .network.html   the same for each trial

How it is made
--------------
:func:`site_data` asks the graph only through named questions (``kg/sparql/rq/questions/*.rq``: ``trials``,
``defendants``, ``court``, ``testimony``, ``pleas``, ``in-absentia``, ``claims``, ``refuted-claims``,
``sources``, and ``timeline``, ``names``, ``profiles``, ``claim-parties``, which answer for everyone at once so
that the site costs a dozen queries, not a dozen per person), the contradiction rules
(:func:`kg.find_contradictions`), the overview projection (:func:`kg.project`) and the JSON-LD framer
(:func:`kg.display.documents.entity_document`); it returns plain data. :func:`write_site` renders that data with the
Jinja2 templates in ``kg/display/templates/site/`` (autoescaping on: every value from the data is escaped) and writes
every file atomically.

Offline by construction: pages link only to relative files; the search index is JSON inside the index page
(no ``fetch()``); the network pages inline vis-network; a Content-Security-Policy in every page allows
scripts, styles and frames from the site's own files only, so nothing can reach the network even by mistake.
External links (the sources) are plain links that load nothing until followed.

Why one module of over 400 lines: every page of the site is filled from the same named questions in one pass;
splitting per page type would ask the same questions again or pass their answers around.
"""

from __future__ import annotations

import functools
import json
import re
import time
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote

from kg.atomic import write_files_atomic
from kg.display.citations import citations_from_rows, host

__all__ = [
    "SiteResult",
    "build_site",
    "date_html",
    "display_date",
    "name_sort_key",
    "page_html",
    "site_data",
    "slug_of",
    "write_site",
]

Progress = Callable[[str], None]

#: The named questions the site reads (all without parameters: each answers for everyone at once).
QUESTIONS = ("trials", "defendants", "court", "testimony", "pleas", "in-absentia", "claims", "refuted-claims",
             "sources", "timeline", "names", "profiles", "claim-parties", "relatives", "rehabilitations",
             "named-in-court", "sessions")

#: Statuses that mark a statement as a claim, drawn as an allegation; every other status is a recorded fact
#: (established, probable, or disputed between sources).
ALLEGATION_STATUSES = frozenset({"alleged", "fabricated"})
#: The court, in the order a reader expects it (roles not listed here follow, A–Z).
_ROLE_ORDER = {"presiding judge": 0, "member of the court": 1, "prosecutor": 2, "defence counsel": 3}
#: What the sources record about a person at a trial, shown beside the charge (their fate is added to the last).
_VERDICT_CLASSES = frozenset({"Plea", "Sentence", "Rehabilitation", "RehabilitationRefused"})
_MT = "https://w3id.org/moscow-trials/ontology#"
#: What the person is to their relative, read from the relative's side (mt:kinship says what the relative is).
_INVERSE_KINSHIP = {"child": "parent", "parent": "child", "spouse": "spouse", "sibling": "sibling"}
_LICENCE = "https://creativecommons.org/licenses/by/4.0/"


# --------------------------------------------------------------------------------------------------- helpers


def slug_of(iri: str) -> str:
    """Return the file name stem for an entity IRI: its last path segment, made safe for any file system.

    Examples
    --------
    >>> slug_of("https://w3id.org/moscow-trials/id/person/grigory-zinoviev")
    'grigory-zinoviev'
    >>> slug_of("https://example.org/id/Père Noël")
    'P%C3%A8re%20No%C3%ABl'
    """
    tail = iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]
    return tail if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", tail) else quote(tail, safe="")


def _fold(text: str) -> str:
    """Return *text* without case and accents, for sorting names (ё sorts as е; й stays a letter of its own)."""
    decomposed = unicodedata.normalize("NFD", text.casefold().replace("ё", "е"))
    kept = [c for i, c in enumerate(decomposed)
            if not unicodedata.combining(c) or (c == "\u0306" and i and decomposed[i - 1] == "и")]
    return unicodedata.normalize("NFC", "".join(kept))


def name_sort_key(name: str) -> tuple[str, str]:
    """Return the A–Z key of a personal name: its last word (the surname, in English and Russian labels alike).

    Examples
    --------
    >>> sorted(["Grigory Zinoviev", "Lev Kamenev", "A. F. Bashkirov"], key=name_sort_key)
    ['A. F. Bashkirov', 'Lev Kamenev', 'Grigory Zinoviev']
    >>> sorted(["Григорий Зиновьев", "Лев Каменев", "Ёсиф Ёлкин"], key=name_sort_key)[0]
    'Ёсиф Ёлкин'
    """
    words = re.findall(r"[\w'’-]+", name)
    surname = words[-1] if words else name
    return (_fold(surname), _fold(name))


def _initial(name: str) -> str:
    key = name_sort_key(name)[0]
    first = unicodedata.normalize("NFC", key[:1]).upper()
    return first if first.isalpha() else "#"


_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")
_ISO = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def _one_date(value: str) -> tuple[str, str | None]:
    """Return the readable text of one EDTF date and its ISO form for ``<time datetime>`` (None if it has none)."""
    value = value.strip()
    approx = value.endswith(("~", "%"))
    uncertain = value.endswith(("?", "%"))
    bare = value.rstrip("~?%")
    match = _ISO.match(bare)
    if not match:
        return (value or "?") if value != ".." else "open", None
    year, month, day = match.groups()
    if day:
        text = f"{int(day)} {_MONTHS[int(month) - 1]} {year}"
    elif month:
        text = f"{_MONTHS[int(month) - 1]} {year}"
    else:
        text = year
    if approx:
        text = f"about {text}"
    if uncertain:
        text = f"{text} (uncertain)"
    return text, bare


def _interval(ends: list[str]) -> list[tuple[str, str | None]]:
    """Return the ends of a date or an interval, the first end shortened when both share the year (and month)."""
    pieces = [_one_date(end) for end in ends]
    if len(pieces) == 2 and pieces[0][1] and pieces[1][1]:
        (first, iso0), (second, iso1) = pieces
        a, b = _ISO.match(iso0), _ISO.match(iso1)  # type: ignore[arg-type]
        if a and b and a.group(1) == b.group(1) and a.group(2) and b.group(2) and first[-4:] == a.group(1):
            first = first[:-5]  # "18 May 1928 – 15 July 1928" → "18 May – 15 July 1928"
            if a.group(2) == b.group(2) and a.group(3) and b.group(3):
                first = first.split()[0]  # "19 – 24 August 1936" → "19–24 August 1936" (joined below)
            pieces = [(first, iso0), (second, iso1)]
    return pieces


def _date_pieces(edtf: str | None) -> list[list[tuple[str, str | None]]]:
    """Return the alternatives of an EDTF value (``A | B``), each a list of one date or the two ends of an interval."""
    if not edtf:
        return []
    return [_interval(alternative.split("/")) for alternative in str(edtf).split(" | ")]


def _dash(pieces: list[tuple[str, str | None]]) -> str:
    """Return the separator between the two ends: a tight en dash between two days of one month."""
    return "–" if len(pieces) == 2 and pieces[0][0].isdigit() and len(pieces[0][0]) <= 2 else " – "


def display_date(edtf: str | None) -> str:
    """Return an EDTF date as words: ``1936-08-25`` → ``25 August 1936``; intervals with a dash; ``A | B`` → ``A or B``.

    Examples
    --------
    >>> display_date("1936-08-25"), display_date("1919/1926"), display_date("1932~")
    ('25 August 1936', '1919 – 1926', 'about 1932')
    >>> display_date("1883-09-23 | 1883-09")
    '23 September 1883 or September 1883'
    >>> display_date("1936-08-19/1936-08-24"), display_date("1928-05-18/1928-07-15"), display_date("1917-12/1926-03-26")
    ('19–24 August 1936', '18 May – 15 July 1928', 'December 1917 – 26 March 1926')
    """
    return " or ".join(_dash(pieces).join(text for text, _iso in pieces) for pieces in _date_pieces(edtf))


def date_html(edtf: str | None) -> Any:
    """Return a date as HTML: each end in a ``<time datetime=…>`` element when it is a plain ISO date."""
    from markupsafe import Markup, escape

    alternatives = []
    for pieces in _date_pieces(edtf):
        ends = [Markup('<time datetime="{}">{}</time>').format(iso, text) if iso else escape(text)
                for text, iso in pieces]
        alternatives.append(Markup(_dash(pieces)).join(ends))
    return Markup(" <span class=\"or\">or</span> ").join(alternatives)


def _years(edtf: str | None) -> str:
    years = re.findall(r"(?<!\d)(\d{4})(?!\d)", edtf or "")
    if not years:
        return ""
    low, high = min(years), max(years)
    return low if low == high else f"{low}/{high}"


def _life_span(profile: dict[str, Any]) -> str:
    born, died = _years(profile.get("born")), _years(profile.get("died"))
    if not born and not died:
        return ""
    return f"{born or '?'}–{died or ''}"


def _split(value: Any, separator: str = " ") -> list[str]:
    return [part.strip() for part in str(value or "").split(separator) if part.strip()]


def _sorted_values(value: Any) -> str:
    """Return values that sources dispute (``A | B``) in a stable order: engines concatenate in different ones."""
    return " | ".join(sorted(_split(value, " | ")))


def _preferred_first(value: Any, preferred: Any) -> tuple[str, list[str]]:
    """Return a disputed value (``A | B``) as the value to show first and the others ("also given: …").

    With a preferred value (``mt:preferred true`` on the best-supported statement), it comes first and the rest
    are listed after it; without one, every value is shown alike (``A | B``, read "A or B") and nothing follows.
    """
    values = _split(value, " | ")
    chosen = str(preferred or "").strip()
    if chosen and chosen in values and len(values) > 1:
        return chosen, sorted(v for v in values if v != chosen)
    return " | ".join(sorted(values)), []


def _urls(value: Any) -> list[str]:
    """Return the distinct URLs of a space-separated list, sorted (engines concatenate in different orders)."""
    return sorted(set(_split(value)))


#: What a timeline statement says, in the order it is read: "Chairman; Petrograd Soviet", "death; 10 years" …
_DETAIL_COLUMNS = ("office", "organisation", "court_role", "plea", "penalty", "term_years", "manner", "place",
                   "condition")


def _detail(row: dict[str, Any], charges: list[str]) -> str:
    """Return the words of a ``timeline`` row: office, body, court role, plea, penalty, term, manner, place, charges."""
    parts = []
    for column in _DETAIL_COLUMNS:
        value = row.get(column)
        if value not in (None, ""):
            parts.append(f"{value} years" if column == "term_years" else str(value))
    return "; ".join([*parts, *charges])


def _union(lists: Iterable[list[str]]) -> list[str]:
    """Return the distinct values of several lists, in the order the pages use (case and accents ignored)."""
    return sorted({value for values in lists for value in values}, key=lambda v: (_fold(v), v))


def _fate(person: dict[str, Any] | None) -> dict[str, Any]:
    """Return what became of a person, as their own page says it: arrests, death and manner (for a family list)."""
    if person is None:
        return {"arrested": [], "died": "", "manner": ""}
    arrests = [e["date"] for e in person["timeline"]
               if e["class"] == "Arrest" and e["role"] == "subject" and not e["allegation"] and e["date"]]
    return {"arrested": arrests, "died": person["died"], "manner": person["manner"]}


def _local(iri: str | None) -> str:
    return (iri or "").rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _script_json(data: Any, *, indent: int | None = None) -> str:
    """Return *data* as JSON safe inside an HTML ``<script>`` element (``<``, ``>``, ``&`` as ``\\u`` escapes)."""
    text = json.dumps(data, ensure_ascii=False, indent=indent, separators=None if indent else (",", ":"))
    for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"),
                         ("\u2029", "\\u2029")):
        text = text.replace(char, escape)
    return text


# ------------------------------------------------------------------------------------------------------ data


@dataclass
class SiteData:
    """Everything the pages show, as plain Python data (no rdflib graph)."""

    people: dict[str, dict[str, Any]]
    trials: dict[str, dict[str, Any]]
    claims: dict[str, dict[str, Any]]
    sources: dict[str, dict[str, Any]]
    networks: dict[str, Any] = field(default_factory=dict)
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)


def site_data(kg: Any, *, progress: Progress | None = None) -> SiteData:
    """Return what the site shows, read from *kg* through the named questions, the rules and the projection."""
    import networkx as nx

    from kg.display.documents import entity_document
    from kg.display.network import project
    from kg.graph.contradictions import find_contradictions
    from kg.outputs.exports import json_ld_context
    from kg.sparql.questions import run_query

    say = progress or (lambda _m: None)
    start = time.perf_counter()
    answers = {name: run_query(kg, name).records() for name in QUESTIONS}
    say(f"asked {len(QUESTIONS)} questions ({sum(map(len, answers.values()))} rows) "
        f"in {time.perf_counter() - start:.1f} s")

    # statements cite sources by IRI; a page shows the work's citation, links the work's own address (or, for a
    # print-only work, the copy it was read at) and names the copies as "read at" (issue 13)
    sources = {r["source"]: {"citation": r.get("citation") or r["source"], "title": r.get("title") or "",
                             "url": r.get("url") or "",
                             "read_at": _urls(r.get("read_at"))} for r in answers["sources"]}
    people: dict[str, dict[str, Any]] = {}
    for r in answers["profiles"]:
        iri = r["person"]
        people[iri] = {
            "iri": iri, "slug": slug_of(iri), "name": r["name"], "name_ru": r.get("name_ru") or "",
            "description": r.get("description") or "", "wikidata": r.get("wikidata") or "",
            "born": _sorted_values(r.get("born")), "died": _sorted_values(r.get("died")),
            "manner": _sorted_values(r.get("manner")),
            "rehabilitated": r.get("rehabilitated") or "", "birth_date": r.get("birth_date") or "",
            "death_date": r.get("death_date") or "", "sources": _urls(r.get("sources")),
            "names": [], "timeline": [], "accusations": [], "claims": [], "co_defendants": [],
            "testified_against_them": [], "they_testified_against": [], "court_roles": [],
        }
        people[iri]["life_span"] = _life_span(people[iri])
        for key in ("born", "died"):
            people[iri][f"{key}_shown"], people[iri][f"{key}_also"] = _preferred_first(r.get(key), r.get(f"{key}_preferred"))
        people[iri].update(family=[], rehabilitations=[])
    trials: dict[str, dict[str, Any]] = {}
    for order, r in enumerate(answers["trials"]):
        iri = r["trial"]
        trials[iri] = {
            "iri": iri, "slug": slug_of(iri), "order": order, "name": r["name"], "name_ru": r.get("name_ru") or "",
            "dates": r.get("dates") or "", "court": r.get("court") or "", "venue": r.get("venue") or "",
            "openness": r.get("openness") or "", "defendants_per_source": r.get("defendants_per_source") or "",
            "defendants_recorded": r.get("defendants_recorded") or 0, "death_sentences": r.get("death_sentences") or 0,
            "accused_in_absentia": r.get("accused_in_absentia") or 0, "names": [], "court_roles": [],
            "defendants": [], "absentia": [], "testimony": [], "sessions": [], "claims": [], "contradictions": [],
        }
    for r in answers["names"]:
        owner = people.get(r["entity"]) or trials.get(r["entity"])
        if owner is not None:
            owner["names"].append({"name": r["name"], "language": r.get("language") or "", "kind": r["kind"]})

    # --- timelines, and the charges of each accusation
    charges: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in answers["timeline"]:
        person = people.get(r["person"])
        if person is None:
            continue
        event = {
            "statement": r["statement"], "class": _local(r.get("class")), "kind": r["kind"],
            "date": r.get("date") or "", "when": r.get("when") or "", "status": r["status"],
            "trial": r.get("trial") or "", "role": r["role"], "other": r.get("other") or "",
            "latest": r.get("latest") or "", "kinship": r.get("kinship") or "", "preferred": bool(r.get("preferred")),
            "charges": sorted(_split(r.get("charges"), ";"), key=_fold),
            "asserted_by": sorted(_split(r.get("asserted_by"))), "sources": _urls(r.get("sources")),
        }
        event["detail"] = _detail(r, event["charges"])
        event["allegation"] = event["status"] in ALLEGATION_STATUSES or event["class"] == "Accusation"
        person["timeline"].append(event)
        if event["class"] == "Accusation" and event["trial"] and event["role"] == "subject":
            # A person may have several accusation statements at one trial (Bukharin: treason and espionage,
            # and the plot against Stalin): all of them count, none replaces another.
            charges.setdefault((r["person"], event["trial"]), []).append(event)
    for person in people.values():
        person["timeline"].sort(key=lambda e: (e["when"] or "9999", e["kind"], e["statement"]))
        cited = [*person["sources"], *(url for e in person["timeline"] for url in e["sources"])]
        person["all_sources"] = list(dict.fromkeys(cited))

    absentia = {(r["person"], r["trial"]) for r in answers["in-absentia"]}
    pleas: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for r in answers["pleas"]:
        pleas[(r["person"], r["trial"])].append({"plea": r["plea"], "date": r.get("date") or "",
                                                 "sources": _urls(r.get("sources"))})

    # --- accusations, one group per trial (all the accusation statements of that trial together), each beside
    # what is established about the same trial (the death beside the last trial)
    for person in people.values():
        by_trial: dict[str, list[dict[str, Any]]] = {}
        for e in person["timeline"]:
            if e["class"] == "Accusation" and e["role"] == "subject":
                by_trial.setdefault(e["trial"], []).append(e)
        deaths = [e for e in person["timeline"] if e["class"] == "Death" and not e["allegation"]]
        for number, (trial, statements) in enumerate(by_trial.items(), 1):
            established = [e for e in person["timeline"] if e["trial"] == trial and e["role"] == "subject"
                           and e["class"] in _VERDICT_CLASSES and not e["allegation"]]
            if number == len(by_trial):
                established += deaths
            person["accusations"].append({
                "accusations": statements,
                "trial": trial,
                "in_absentia": (person["iri"], trial) in absentia,
                "charges": _union(e["charges"] for e in statements),
                "statuses": sorted({e["status"] for e in statements}),
                "asserted_by": _union(e["asserted_by"] for e in statements),
                "sources": sorted({url for e in statements for url in e["sources"]}),
                "established": sorted(established, key=lambda e: (e["when"] or "9999", e["kind"], e["statement"])),
            })

    # --- rehabilitations: each decision its own item with its own status (never "A or B")
    rehabilitations: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in answers["rehabilitations"]:
        entry = {"statement": r.get("statement") or "", "outcome": r["outcome"], "date": r.get("date") or "",
                 "status": r.get("status") or "", "body": r.get("body") or "", "trial": r.get("trial") or "",
                 "sources": _urls(r.get("sources"))}
        rehabilitations[r["person"]].append(entry)
        if r["person"] in people:
            people[r["person"]]["rehabilitations"].append(entry)

    # --- families: who the relative is, how related, and what became of them (from both sides of a kinship)
    for r in answers["relatives"]:
        for me, other, kinship in ((r["person"], r["relative"], r["kinship"]),
                                   (r["relative"], r["person"], _INVERSE_KINSHIP.get(r["kinship"], r["kinship"]))):
            if me in people:
                people[me]["family"].append({"person": other, "kinship": kinship, "statement": r.get("statement") or "",
                                             "sources": _urls(r.get("sources"))})
    for person in people.values():
        for member in person["family"]:
            member.update(_fate(people.get(member["person"])))
        person["family"].sort(key=lambda m: (m["kinship"], name_sort_key(people[m["person"]]["name"])
                                             if m["person"] in people else ("~", m["person"])))

    # --- trials: court, defendants with charges, pleas, sentences and fates; in absentia; testimony
    for r in answers["court"]:
        if r["trial"] in trials:
            trials[r["trial"]]["court_roles"].append({"role": r["role"], "person": r["person"],
                                                      "sources": _urls(r.get("sources"))})
        if r["person"] in people:
            people[r["person"]]["court_roles"].append({"role": r["role"], "trial": r["trial"]})
    for thing in [*trials.values(), *people.values()]:
        thing["court_roles"].sort(key=lambda r: (_ROLE_ORDER.get(r["role"], len(_ROLE_ORDER)), r["role"],
                                                 name_sort_key(people[r["person"]]["name"]) if r.get("person") in people
                                                 else ("", ""), r.get("trial", "")))
    in_dock: dict[str, list[str]] = defaultdict(list)
    for r in answers["defendants"]:
        trial, who = r["trial"], r["person"]
        in_dock[trial].append(who)
        if trial not in trials:
            continue
        accused = charges.get((who, trial), [])
        death_shown, death_also = _preferred_first(r.get("death_date"), r.get("death_preferred"))
        trials[trial]["defendants"].append({
            "person": who, "charges": _union(e["charges"] for e in accused),
            "charge_status": " | ".join(sorted({e["status"] for e in accused})), "pleas": pleas.get((who, trial), []),
            "sentence": _sorted_values(r.get("sentence")), "sentence_date": _sorted_values(r.get("sentence_date")),
            "death_date": death_shown, "death_also": death_also, "death_manner": _sorted_values(r.get("death_manner")),
            "rehabilitations": [x for x in rehabilitations.get(who, []) if x["trial"] in ("", trial)],
            "sources": _urls(r.get("sources")),
        })
    def by_surname(iri: str) -> tuple[str, str]:
        return name_sort_key(people[iri]["name"]) if iri in people else ("~", iri)

    for trial in trials.values():
        trial["defendants"].sort(key=lambda d: by_surname(d["person"]))
    for trial, members in in_dock.items():
        for who in members:
            if who in people:
                others = sorted((m for m in members if m != who), key=by_surname)
                people[who]["co_defendants"].append({"trial": trial, "people": others})
    for person in people.values():
        person["co_defendants"].sort(key=lambda g: trials[g["trial"]]["order"] if g["trial"] in trials else 99)
    for r in answers["in-absentia"]:
        if r["trial"] in trials:
            charged = sorted(_split(r.get("charges"), ";"), key=_fold)
            trials[r["trial"]]["absentia"].append({"person": r["person"], "charges": charged,
                                                   "sources": _urls(r.get("sources"))})
    # who named whom in court: one question (named-in-court) feeds the trial page and both people's pages
    for r in answers["named-in-court"]:
        naming = {"speaker": r["speaker"], "named": r["named"], "trial": r["trial"],
                  "date": r.get("session_date") or "", "sitting": r.get("sitting") or "",
                  "named_as": r.get("named_as") or "", "act": r.get("act") or "",
                  "claimed_date": r.get("claimed_date") or "", "retraction": bool(r.get("retraction")),
                  "pages": r.get("pages") or "", "sources": _urls(r.get("sources"))}
        if r["trial"] in trials:
            trials[r["trial"]]["testimony"].append(naming)
        if r["named"] in people:
            people[r["named"]]["testified_against_them"].append(naming)
        if r["speaker"] in people:
            people[r["speaker"]]["they_testified_against"].append(naming)
    for r in answers["sessions"]:
        if r["trial"] in trials:
            trials[r["trial"]]["sessions"].append(
                {"date": r.get("date") or "", "sitting": r.get("sitting") or "", "label": r.get("label") or "",
                 "examined": _split(r.get("examined"), ";"), "sources": _urls(r.get("sources"))})

    # --- claims: details, assessments that refute them, contradictions the rules find
    claims: dict[str, dict[str, Any]] = {}
    for r in answers["claims"]:
        claims[r["claim"]] = {
            "iri": r["claim"], "trial": r.get("trial") or "", "kind": r["kind"], "date": r.get("date") or "",
            "place": r.get("place") or "", "status": r["status"],
            "asserted_by": "; ".join(sorted(_split(r.get("asserted_by"), ";"), key=name_sort_key)),
            "participants": "; ".join(sorted(_split(r.get("participants"), ";"), key=name_sort_key)),
            "description": r.get("description") or "",
            "sources": _urls(r.get("sources")), "assessments": [], "contradictions": [],
        }
    for r in answers["refuted-claims"]:
        if r["claim"] in claims and r.get("finding"):
            claims[r["claim"]]["assessments"].append({"finding": r["finding"], "by": r.get("assessed_by") or "",
                                                      "sources": _urls(r.get("assessment_sources"))})
    start = time.perf_counter()
    findings = find_contradictions(kg)
    for finding in findings:
        claim = claims.get(finding.claim)
        entry = {"rule": finding.rule, "claim": finding.claim, "claim_text": finding.claim_text,
                 "explanation": finding.explanation, "asserted_by": finding.asserted_by,
                 "claim_sources": finding.claim_sources, "evidence_sources": finding.evidence_sources}
        if claim is not None:
            claim["contradictions"].append(entry)
            if claim["trial"] in trials:
                trials[claim["trial"]]["contradictions"].append(entry)
    for claim in claims.values():
        if claim["trial"] in trials:
            trials[claim["trial"]]["claims"].append(claim["iri"])
    for r in answers["claim-parties"]:
        if r["person"] in people and r["claim"] in claims:
            people[r["person"]]["claims"].append({"claim": r["claim"], "role": r["role"]})
    say(f"found {len(findings)} contradictions in {time.perf_counter() - start:.1f} s")

    # --- networks: each person's ego network (radius 1) and each trial's edges, from the overview projection
    start = time.perf_counter()
    overview = project(kg, view="overview", citations=citations_from_rows(answers["sources"]))
    networks: dict[str, Any] = {}
    for iri in people:
        if iri in overview:
            networks[iri] = nx.ego_graph(overview, iri, radius=1, undirected=True)
    for iri in trials:
        edges = [(u, v, k) for u, v, k, d in overview.edges(keys=True, data=True) if d.get("trial_iri") == iri]
        if edges:
            networks[iri] = overview.edge_subgraph(edges).copy()
    say(f"cut {len(networks)} networks from the overview ({overview.number_of_nodes()} nodes) "
        f"in {time.perf_counter() - start:.1f} s")

    start = time.perf_counter()
    context = json_ld_context()
    documents = {iri: entity_document(kg, iri, context=context) for iri in [*people, *trials]}
    say(f"framed {len(documents)} JSON-LD documents in {time.perf_counter() - start:.1f} s")
    data = SiteData(people=people, trials=trials, claims=claims, sources=sources, networks=networks,
                    documents=documents)
    for thing in [*people.values(), *trials.values()]:
        thing["schema"] = _schema_org(thing, data, person=thing["iri"] in people)
    return data


def _schema_org(thing: dict[str, Any], data: SiteData, *, person: bool) -> dict[str, Any]:
    """Return the schema.org description embedded in a page (established facts and names only)."""
    names = [n["name"] for n in thing["names"] if n["name"] != thing["name"]]
    out: dict[str, Any] = {"@context": "https://schema.org", "@type": "Person" if person else "Event",
                           "@id": thing["iri"], "name": thing["name"]}
    if names:
        out["alternateName"] = names
    if thing.get("description"):
        out["description"] = thing["description"]
    if person:
        if thing.get("birth_date"):
            out["birthDate"] = thing["birth_date"]
        if thing.get("death_date"):
            out["deathDate"] = thing["death_date"]
        if thing.get("wikidata"):
            out["sameAs"] = f"http://www.wikidata.org/entity/{thing['wikidata']}"
    else:
        dates = thing.get("dates", "")
        if dates and " | " not in dates:
            ends = dates.split("/")
            if all(_ISO.match(end) for end in ends):
                out["startDate"], out["endDate"] = ends[0], ends[-1]
        if thing.get("venue") and " | " not in thing["venue"]:
            out["location"] = {"@type": "Place", "name": thing["venue"]}
        out["performer"] = [{"@type": "Person", "@id": d["person"], "name": data.people[d["person"]]["name"]}
                            for d in thing["defendants"] if d["person"] in data.people]
    out["license"] = _LICENCE
    return out


# --------------------------------------------------------------------------------------------------- writing


@dataclass
class SiteResult:
    """What :func:`build_site` wrote: where, how many pages of each kind, the files, their size and the time."""

    out_dir: Path
    people: int = 0
    trials: int = 0
    networks: int = 0
    documents: int = 0
    files: list[Path] = field(default_factory=list)
    bytes: int = 0
    seconds: float = 0.0

    @property
    def pages(self) -> int:
        """The content pages: the index, one per person, one per trial (network pages not counted)."""
        return 1 + self.people + self.trials

    def summary(self) -> str:
        return (f"{self.pages} pages (the index, {self.people} people, {self.trials} trials), "
                f"{self.networks} network pages and {self.documents} JSON-LD documents: "
                f"{len(self.files)} files, {self.bytes / 1e6:.1f} MB, in {self.seconds:.1f} s")


@functools.lru_cache(maxsize=1)
def _environment() -> Any:
    import jinja2

    from kg.display.render import jinja_environment

    folder = resources.files("kg.display").joinpath("templates", "site")
    env = jinja_environment(jinja2.FileSystemLoader(str(folder)))
    env.filters["date"] = date_html
    env.filters["date_text"] = display_date
    env.filters["host"] = host
    env.filters["local"] = _local
    return env


def _asset(name: str) -> str:
    return resources.files("kg.display").joinpath("templates", "site", name).read_text(encoding="utf-8")


def _search_index(data: SiteData) -> list[dict[str, Any]]:
    """Return the search index: for each person, the page, both names, the life span and every spelling."""
    return [{"u": f"person/{p['slug']}.html", "n": p["name"], "r": p["name_ru"], "y": p["life_span"],
             "s": sorted({n["name"] for n in p["names"]} | {p["name"]})}
            for p in sorted(data.people.values(), key=lambda p: name_sort_key(p["name"]))]


def _alphabet(people: Iterable[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    """Return the people grouped by the initial of their surname in the name *key* (``name``/``name_ru``)."""
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for person in sorted((p for p in people if p[key]), key=lambda p: name_sort_key(p[key])):
        groups[_initial(person[key])].append(person)
    return [{"letter": letter, "people": members} for letter, members in groups.items()]


#: Names of the languages of the recorded spellings (BCP 47 tags of the data); others show their tag.
LANGUAGES = {"en": "English", "ru": "Russian", "de": "German", "fr": "French", "es": "Spanish", "pl": "Polish",
             "uk": "Ukrainian", "be": "Belarusian", "lt": "Lithuanian", "lv": "Latvian", "uz": "Uzbek",
             "sv": "Swedish", "ro": "Romanian", "bg": "Bulgarian", "ka": "Georgian", "hy": "Armenian",
             "et": "Estonian", "fi": "Finnish", "cs": "Czech", "it": "Italian", "": "No language given"}


def _language_name(tag: str) -> str:
    return LANGUAGES.get(tag, LANGUAGES.get(tag.split("-")[0], tag) if tag else LANGUAGES[""])


def _inverted(name: str) -> str:
    """Return "Surname, Given names" for an A–Z list."""
    words = name.split()
    return name if len(words) < 2 else f"{words[-1]}, {' '.join(words[:-1])}"


def _common_context(data: SiteData) -> dict[str, Any]:
    """Return what every page template is given besides its own thing: links, citations, claims, languages."""

    def person_link(iri: str) -> dict[str, str]:
        p = data.people.get(iri)
        return {"href": f"../person/{p['slug']}.html", "name": p["name"], "name_ru": p["name_ru"]} if p else \
            {"href": "", "name": _local(iri), "name_ru": ""}

    def trial_link(iri: str) -> dict[str, str]:
        t = data.trials.get(iri)
        return {"href": f"../trial/{t['slug']}.html", "name": t["name"], "name_ru": t["name_ru"]} if t else \
            {"href": "", "name": _local(iri), "name_ru": ""}

    return {"person_link": person_link, "trial_link": trial_link, "cite": data.sources.get,
            "licence": _LICENCE, "claims": data.claims, "language_name": _language_name}


def page_html(data: SiteData, iri: str) -> str:
    """Return the page of one person or trial of *data* as :func:`write_site` writes it (the tests read it)."""
    person = iri in data.people
    thing = data.people[iri] if person else data.trials[iri]
    network = data.networks.get(iri)
    return _environment().get_template("person.html" if person else "trial.html").render(
        root="../", thing=thing, has_network=network is not None,
        network_size=(network.number_of_nodes() if network is not None else 0),
        has_document=iri in data.documents, schema_json=_markup(_script_json(thing["schema"], indent=1)),
        **_common_context(data))


def write_site(data: SiteData, out_dir: str | Path, *, progress: Progress | None = None) -> SiteResult:
    """Return what was written: the site for *data* in *out_dir*, every file atomically.

    Files a previous run wrote for people or trials that are no longer in the data are removed (only
    ``*.html`` and ``*.jsonld`` inside ``person/`` and ``trial/``); nothing else in *out_dir* is touched.
    """
    from kg.display.documents import entity_json
    from kg.display.render import network_page, vis_network_js

    say = progress or (lambda _m: None)
    start = time.perf_counter()
    out = Path(out_dir)
    from kg.atomic import claim_output_folder

    owned = claim_output_folder(out, "kg site")  # refuses a folder of someone else's files, before any work
    env = _environment()
    result = SiteResult(out_dir=out)

    jobs: list[tuple[Path, str]] = []

    def write(path: Path, text: str) -> None:
        jobs.append((path, text))
        result.files.append(path)
        result.bytes += len(text.encode("utf-8"))

    common = _common_context(data)
    write(out / "assets" / "site.css", _asset("site.css"))
    write(out / "assets" / "search.js", _asset("search.js"))
    write(out / "assets" / "site.js", _asset("site.js"))
    # one shared copy of vis-network for every network page (inlined, it was 470 kB × ~180 pages)
    write(out / "assets" / "vis-network.min.js", vis_network_js())

    kinds = (("person", data.people), ("trial", data.trials))
    for folder, things in kinds:
        for number, thing in enumerate(things.values(), 1):
            base = out / folder / thing["slug"]
            network = data.networks.get(thing["iri"])
            if network is not None:
                write(base.with_name(f"{thing['slug']}.network.html"),
                      network_page(network, title=f"{thing['name']} — network", seed=42,
                                   vis_src="../assets/vis-network.min.js"))
                result.networks += 1
            document = data.documents.get(thing["iri"])
            if document is not None:
                write(base.with_name(f"{thing['slug']}.jsonld"), entity_json(document))
                result.documents += 1
            page = page_html(data, thing["iri"])
            write(base.with_name(f"{thing['slug']}.html"), page)
            if number % 50 == 0 or number == len(things):
                say(f"rendered {number}/{len(things)} {folder} pages")
        setattr(result, "people" if folder == "person" else "trials", len(things))

    index = env.get_template("index.html").render(
        root="", trials=sorted(data.trials.values(), key=lambda t: t["order"]),
        latin=_alphabet(data.people.values(), "name"), cyrillic=_alphabet(data.people.values(), "name_ru"),
        inverted=_inverted, people_count=len(data.people),
        search_json=_markup(_script_json(_search_index(data))),
        schema_json=_markup(_script_json({
            "@context": "https://schema.org", "@type": "Dataset", "name": "The Moscow Trials Knowledge Graph",
            "description": "People, trials, accusations, testimony, sentences and rehabilitations of the Soviet "
                           "show trials of 1928-1938, every statement with its sources; claims kept apart from facts.",
            "license": _LICENCE}, indent=1)),
        **common)
    write(out / "index.html", index)
    say(f"rendered the index; writing {len(jobs)} files")
    # Every file written in full first (8 threads overlap the waits on the disk), then all renamed: a full
    # disk or an error part-way leaves the previous site whole (kg.atomic.write_files_atomic).
    write_files_atomic([(path, text.encode("utf-8")) for path, text in jobs], workers=8)
    _remove_stale(owned, set(result.files))
    owned.commit(result.files)
    result.seconds = time.perf_counter() - start
    return result


def _markup(text: str) -> Any:
    from markupsafe import Markup

    return Markup(text)


def _remove_stale(owned: Any, written: set[Path]) -> None:
    """Remove pages and documents of a previous run for entities no longer in the data.

    Only files the previous run recorded in the folder's marker (:func:`kg.atomic.claim_output_folder`)
    are candidates: a file the user put there is never removed.
    """
    owned.written = written
    for path in owned.stale():
        if path.suffix in {".html", ".jsonld"} and path.parent.name in {"person", "trial"}:
            path.unlink()


def build_site(kg: Any, out_dir: str | Path | None = None, *, progress: Progress | None = None) -> SiteResult:
    """Return what was written: the whole static site for *kg* in *out_dir* (default ``build/site``).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from kg import load, paths
    >>> graph = load([paths.ONTOLOGY_FILE, paths.REPO_ROOT / "tests" / "data" / "fixture" / "fixture.ttl"])
    >>> result = build_site(graph, pathlib.Path(tempfile.mkdtemp()) / "site")
    >>> result.people, result.trials, (result.out_dir / "person" / "anna-alpha.html").is_file()
    (6, 2, True)
    """
    from kg import paths

    start = time.perf_counter()
    out = Path(out_dir) if out_dir is not None else paths.build_dir() / "site"
    data = site_data(kg, progress=progress)
    result = write_site(data, out, progress=progress)
    result.seconds = time.perf_counter() - start
    return result
