"""Timeline figures: arrests, trials, verdicts, executions and rehabilitations, as PNG or SVG.

Three figures from one table of events, read from the named questions the site reads (``timeline``,
``trials``, ``in-absentia``, ``profiles``):

* every trial (no option): one row per trial, its hearing dates as a bar, and its defendants'
  arrests, verdicts, executions and rehabilitations as markers sized by how many fell on a day;
* one trial (``trial=``): one row per person charged at it, with that trial's dates shaded;
* one person (``person=``): one row per event, each labelled with its date and what it was.

A date known only to the month or the year is drawn as a whisker across that span, its marker in the
middle, with a legend entry: never at the first day as if it were exact.

Rehabilitations mostly came half a century later (1956–1991), so when the events of the
repression and the rehabilitations are more than five years apart the time axis is broken in two
panels, each readable. Events whose status is not Established (disputed dates, a probable
verdict) are drawn hollow. matplotlib is imported only when a figure is drawn, and files are
written atomically, reproducibly (no date or random id in the SVG, no timestamp in the PNG).

Examples
--------
``write_timeline(kg.load(), "bukharin.svg", person="Bukharin")`` writes one life; the figure itself
takes plain event dicts:

>>> import datetime as dt
>>> day = dt.date(1937, 2, 27)
>>> events = [{"person": "p", "name": "N. I. Bukharin", "event": "arrest", "start": day, "end": day,
...            "edtf": "1937-02-27", "detail": "", "trial": "", "trial_name": "", "status": "established",
...            "statement": "st:arrest", "sources": []}]
>>> [ax.get_yticklabels()[0].get_text() for ax in timeline_figure(events, mode="person").axes]
['arrest']
"""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from kg.atomic import write_bytes_atomic
from kg.display.render import FATE_STYLES, KIND_STYLES, REHABILITATED_STYLE
from kg.errors import KGError

__all__ = ["EVENT_STYLES", "timeline_events", "timeline_figure", "timeline_image", "write_timeline"]

#: How each kind of event is drawn (matplotlib marker, colour, legend text), in legend order.
#: Execution and rehabilitation share the network page's colours (kg.display.render.FATE_STYLES and
#: REHABILITATED_STYLE); trials use the page's trial colour.
EVENT_STYLES: dict[str, dict[str, str]] = {
    "arrest": {"marker": "v", "color": "#E69F00", "legend": "arrest"},
    "trial": {"marker": "s", "color": KIND_STYLES["trial"]["color"], "legend": "trial (hearing dates)"},
    "tried in absentia": {"marker": "s", "color": "#F4A582", "legend": "tried in absentia"},
    "verdict": {"marker": "D", "color": "#1a1a1a", "legend": "verdict"},
    "execution": {"marker": "X", "color": FATE_STYLES["executed"]["color"], "legend": "execution"},
    "death": {"marker": "o", "color": FATE_STYLES["died in prison or camp"]["color"], "legend": "other death"},
    "rehabilitation": {"marker": "*", "color": REHABILITATED_STYLE["border"], "legend": "rehabilitation"},
    "rehabilitation refused": {"marker": "P", "color": "#5E3C99", "legend": "rehabilitation refused"},
}
_ORDER = {kind: i for i, kind in enumerate(EVENT_STYLES)}
_SPANS = {"trial", "tried in absentia"}
_REPRESSION = {"arrest", "trial", "tried in absentia", "verdict", "execution"}
_LATER = {"rehabilitation", "rehabilitation refused"}
_BREAK_YEARS = 5  # break the axis when the rehabilitations come more than this long after the rest
_FORMATS = {".png": "png", ".svg": "svg"}


def _text(term: Any) -> str:
    return "" if term is None else str(term)


def _date(term: Any) -> dt.date:
    return dt.date.fromisoformat(_text(term)[:10])


#: How a class of statement of the ``timeline`` question is drawn (the trial's hearings come from ``trials``).
_EVENT_OF_CLASS = {"Arrest": "arrest", "Sentence": "verdict", "Rehabilitation": "rehabilitation",
                   "RehabilitationRefused": "rehabilitation refused"}
_CLAIM_STATUSES = {"alleged", "fabricated"}


def timeline_events(graph: Any, *, trial: str | None = None, person: str | None = None) -> list[dict[str, Any]]:
    """Return the dated events of the people charged at the trials, as plain dicts in date order.

    *trial* keeps the people charged at that trial, *person* one person (each an IRI, a prefixed
    name such as ``trial:1936-sixteen``, or any recorded name). Each dict has ``person``, ``name``,
    ``event`` (a key of :data:`EVENT_STYLES`), ``start`` and ``end`` (``datetime.date``), ``edtf``,
    ``detail``, ``trial``, ``trial_name``, ``status`` (``established``, ``disputed`` …), ``preferred``
    (the disputed value the best sources support, drawn as the value; the others are "also given"),
    ``statement`` and ``sources`` (a list).

    One source of truth: the events are read from the named questions the pages read — ``timeline`` (every
    dated statement of a life, with its bounds), ``trials`` (the hearing dates; several values are disputed
    ones, each drawn) and ``in-absentia`` — never from a query of the figure's own.
    """
    from kg.dates import edtf_bounds
    from kg.sparql.questions import resolve_iri, run_query

    graph = getattr(graph, "graph", graph)
    if trial and person:
        raise KGError("give a trial or a person, not both")
    trial_iri = str(resolve_iri(graph, trial, hint="trial")) if trial else ""
    person_iri = str(resolve_iri(graph, person, hint="person")) if person else ""
    trials = {r["trial"]: r for r in run_query(graph, "trials").records()}
    absent = {(r["person"], r["trial"]) for r in run_query(graph, "in-absentia").records()}
    names = {r["person"]: r["name"] for r in run_query(graph, "profiles").records()}
    rows = run_query(graph, "timeline", {"person": person_iri} if person_iri else {}).records()
    charged = {r["person"] for r in rows if r["class"].endswith("#Accusation") and r["role"] == "subject"}
    events: list[dict[str, Any]] = []
    hearings: set[tuple[str, str, str]] = set()
    for r in rows:
        kind = r["class"].rsplit("#", 1)[-1]
        status = str(r.get("status") or "")
        if r["role"] != "subject" or r["person"] not in charged:
            continue
        base = {"person": r["person"], "name": names.get(r["person"], r["person"]), "trial": r.get("trial") or "",
                "trial_name": trials.get(r.get("trial") or "", {}).get("name", ""), "statement": r["statement"],
                "sources": str(r.get("sources") or "").split(), "detail": "",
                "preferred": bool(r.get("preferred"))}  # a Python bool, as kg.display.site reads it
        if kind == "Accusation" and base["trial"] in trials:
            dates = str(trials[base["trial"]].get("dates") or "").split(" | ")
            for edtf in filter(None, dates):
                if (r["person"], base["trial"], edtf) in hearings:
                    continue  # two accusation statements at one trial: one hearing
                hearings.add((r["person"], base["trial"], edtf))
                first, last = edtf_bounds(edtf)
                events.append({**base, "event": "tried in absentia" if (r["person"], base["trial"]) in absent
                               else "trial", "start": first, "end": last, "edtf": edtf,
                               "status": "disputed" if len(dates) > 1 else "established"})
            continue
        if status in _CLAIM_STATUSES or not r.get("date") or not r.get("earliest") or kind not in {*_EVENT_OF_CLASS, "Death"}:
            continue  # a claim is no event (the accusation above is drawn as the trial it was made at)
        event = _EVENT_OF_CLASS.get(kind) or ("execution" if r.get("manner") == "executed" else "death")
        if kind == "Sentence":
            base["detail"] = str(r.get("penalty") or "") + (f", {r['term_years']} years" if r.get("term_years") else "")
        elif kind == "Death":
            base["detail"] = str(r.get("manner") or "")
        events.append({**base, "event": event, "start": _date(r["earliest"]), "end": _date(r.get("latest") or r["earliest"]),
                       "edtf": str(r["date"]), "status": status})
    if person_iri:
        if not events:
            raise KGError(f"{person!r} ({person_iri}) was charged at no trial or has no dated event")
    elif trial_iri:
        at_trial = {e["person"] for e in events if e["event"] in _SPANS and e["trial"] == trial_iri}
        if not at_trial:
            raise KGError(f"{trial!r} ({trial_iri}) has no dated hearing or no one charged at it")
        events = [e for e in events if e["person"] in at_trial]
    events.sort(key=lambda e: (e["start"], e["name"], _ORDER.get(e["event"], 99), e["statement"], e["edtf"]))
    return events


def _rows(events: Sequence[dict[str, Any]], mode: str) -> list[tuple[str, list[dict[str, Any]]]]:
    """Return ``(row label, events)`` from top to bottom."""
    if mode == "person":
        rows: dict[str, list[dict[str, Any]]] = {}
        for e in events:
            what = e["trial_name"] if e["event"] in _SPANS else (
                f"{e['event']}: {e['detail']}" if e["event"] == "verdict" and e["detail"] else e["event"])
            rows.setdefault(what, []).append(e)
        return list(rows.items())
    if mode == "trial":
        first: dict[str, dt.date] = {}
        by_person: dict[str, list[dict[str, Any]]] = {}
        for e in events:
            by_person.setdefault(e["name"], []).append(e)
            first.setdefault(e["name"], e["start"])
        # the first arrested at the top; then by name
        return sorted(by_person.items(), key=lambda item: (min(x["start"] for x in item[1] if x["event"] != "trial")
                                                           if any(x["event"] != "trial" for x in item[1])
                                                           else first[item[0]], item[0]))
    by_trial: dict[str, list[dict[str, Any]]] = {}
    person_trials: dict[str, set[str]] = {}
    for e in events:
        if e["event"] in _SPANS:
            person_trials.setdefault(e["person"], set()).add(e["trial_name"])
    for e in events:
        trials = {e["trial_name"]} if e["trial_name"] else person_trials.get(e["person"], set())
        for name in trials:
            by_trial.setdefault(name, []).append(e)
    return sorted(by_trial.items(),
                  key=lambda item: (min(x["start"] for x in item[1] if x["event"] in _SPANS), item[0]))


def timeline_figure(events: Sequence[dict[str, Any]], *, title: str = "", mode: str = "all",
                    focus_trial: str = "") -> Any:
    """Return a matplotlib ``Figure`` of *events* (from :func:`timeline_events`).

    *mode* is ``all`` (a row per trial), ``trial`` (a row per person; *focus_trial*'s dates are
    shaded) or ``person`` (a row per event).
    """
    import matplotlib.dates as mdates
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    if not events:
        raise KGError("no dated events to draw")
    rows = _rows(events, mode)
    # The years of the repression (arrests to executions); anything more than _BREAK_YEARS after
    # them (rehabilitations, late deaths) goes to a second panel.
    core = [e for e in events if e["event"] in _REPRESSION] or list(events)
    cutoff = max(e["end"] for e in core) + dt.timedelta(days=365 * _BREAK_YEARS)
    early = [e for e in events if e["start"] <= cutoff]
    late = [e for e in events if e["start"] > cutoff]
    split = bool(early and late)
    panels = [early, late] if split else [list(events)]

    height = max(2.6, 0.9 + 0.32 * len(rows))
    figure = Figure(figsize=(11, height), layout="constrained")
    grid = {"width_ratios": [2.4, 1], "wspace": 0.02} if split else {}
    axes = figure.subplots(1, len(panels), sharey=True, gridspec_kw=grid, squeeze=False)[0]
    positions = {label: i for i, (label, _) in enumerate(rows)}

    for ax, panel in zip(axes, panels, strict=True):
        members = {id(e) for e in panel}
        lo = min(e["start"] for e in panel)
        hi = max(e["end"] for e in panel)
        pad = max(20, (hi - lo).days // 12)
        left = mdates.date2num(lo - dt.timedelta(days=pad))
        right = mdates.date2num(hi + dt.timedelta(days=pad * (3 if mode == "person" else 1)))
        thinnest = (right - left) * 0.004  # a two-day trial stays visible on a ten-year axis
        if mode == "trial" and focus_trial:
            for e in panel:
                if e["event"] in _SPANS and e["trial"] == focus_trial:
                    ax.axvspan(mdates.date2num(e["start"]), mdates.date2num(e["end"] + dt.timedelta(days=1)),
                               color="#D55E00", alpha=0.08, zorder=0, linewidth=0)
        for label, row_events in rows:
            y = positions[label]
            shown = [e for e in row_events if id(e) in members]
            for e in shown:
                if e["event"] in _SPANS:
                    style = EVENT_STYLES[e["event"]]
                    start, end = mdates.date2num(e["start"]), mdates.date2num(e["end"] + dt.timedelta(days=1))
                    solid = _drawn_as_the_value(e)
                    ax.barh(y, max(end - start, thinnest), left=start, height=0.5,
                            color=style["color"] if solid else "none", edgecolor=style["color"], linewidth=1.0,
                            alpha=0.85 if solid else 1.0, zorder=2)
            # markers: one per (event, date), sized by how many people it happened to then. A date known only to
            # the month or the year is not a day: its marker sits mid-span with a whisker across the whole span
            # (Kamenev's arrest "1934" is not 1 January 1934; the Shakhty executions "1928" are not before the trial)
            counts = Counter((e["event"], e["start"], e["end"], _drawn_as_the_value(e))
                             for e in shown if e["event"] not in _SPANS)
            by_day = sorted(counts.items(), key=lambda item: (item[0][1], item[0][2], _ORDER.get(item[0][0], 99)))
            for (kind, day, last_day, solid), n in by_day:
                style = EVENT_STYLES.get(kind, EVENT_STYLES["death"])
                x = mdates.date2num(day)
                if last_day > day:
                    first, after = x, mdates.date2num(last_day + dt.timedelta(days=1))
                    x = (first + after) / 2
                    ax.errorbar([x], [y], xerr=[[x - first], [after - x]], fmt="none", ecolor=style["color"],
                                elinewidth=1.1, capsize=3, alpha=0.9, zorder=2.5)
                grow = 5 if kind == "verdict" else 14  # a verdict diamond must not hide the trial's bar
                ax.scatter([x], [y], s=34 + grow * (n - 1) ** 0.75, marker=style["marker"], zorder=3,
                           facecolors=style["color"] if solid else "none", edgecolors=style["color"], linewidths=1.2)
                if mode == "all" and n > 2 and kind in {"execution", "rehabilitation"}:
                    ax.annotate(f"×{n}", (x, y), xytext=(5, 5 if kind == "rehabilitation" else -11),
                                textcoords="offset points", fontsize=7, color=style["color"])
            if mode == "person" and shown:
                # one label per row, at its last date: all the dates a row has (disputed ones too), the preferred
                # one first as the value and the others as "also given", as the pages print them
                dates = sorted({e["edtf"] or e["start"].isoformat() for e in shown})  # "1937-02", not 1937-02-01
                last = max(shown, key=lambda e: e["end"])
                chosen = sorted({e["edtf"] or e["start"].isoformat() for e in shown if e.get("preferred")})
                if len(dates) > 1 and len(chosen) == 1:
                    others = [d for d in dates if d != chosen[0]]
                    note = f"{chosen[0]} (preferred; also given: {', '.join(others)})"
                else:
                    note = " | ".join(dates) + (" (disputed)" if len(dates) > 1 else "")
                ax.annotate(note, (mdates.date2num(last["end"]), y), xytext=(8, -3), textcoords="offset points",
                            fontsize=8, color="#333")
        ax.set_xlim(left, right)
        locator = mdates.AutoDateLocator(minticks=3, maxticks=8 if ax is axes[0] else 4)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
        ax.grid(axis="x", color="#e5e5e5", linewidth=0.8, zorder=0)
        ax.tick_params(axis="y", length=0)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)

    axes[0].set_yticks(range(len(rows)), [label for label, _ in rows], fontsize=8 if len(rows) > 25 else 9)
    axes[0].set_ylim(len(rows) - 0.5, -0.5)
    if split:
        axes[0].spines["right"].set_visible(False)
        axes[1].spines["left"].set_visible(False)
        axes[1].tick_params(axis="y", left=False)
        for ax, x in ((axes[0], 1), (axes[1], 0)):  # the break marks
            ax.plot([x, x], [0, 0], transform=ax.transAxes, marker=[(-1, -1.6), (1, 1.6)], markersize=10,
                    linestyle="none", color="#555", mec="#555", mew=1, clip_on=False)
        axes[1].set_title("later: rehabilitation", fontsize=9, color="#555", loc="left")

    present = {e["event"] for e in events}
    handles = []
    for kind, style in EVENT_STYLES.items():
        if kind not in present:
            continue
        if kind in _SPANS:
            handles.append(Patch(facecolor=style["color"], edgecolor=style["color"], label=style["legend"]))
        else:
            handles.append(Line2D([], [], marker=style["marker"], color=style["color"], linestyle="none",
                                  markersize=7, label=style["legend"]))
    if any(not _drawn_as_the_value(e) for e in events):
        handles.append(Line2D([], [], marker="o", markerfacecolor="none", markeredgecolor="#555",
                              linestyle="none", markersize=7, label="hollow: another value also given, or probable"))
    if any(e["end"] > e["start"] for e in events if e["event"] not in _SPANS):
        handles.append(Line2D([], [], marker="|", color="#555", linestyle="-", markersize=8,
                              label="whisker: date known only to the month or year (the span)"))
    figure.legend(handles=handles, loc="outside lower center", ncols=min(5, len(handles)), frameon=False, fontsize=8)
    if title:
        figure.suptitle(title, fontsize=11, x=0.01, ha="left")
    return figure


def _drawn_as_the_value(event: dict[str, Any]) -> bool:
    """Filled, not hollow: an established date, or the preferred one of disputed dates (the others are hollow)."""
    return event["status"] == "established" or bool(event.get("preferred"))


def _title(events: Sequence[dict[str, Any]], mode: str, focus_trial: str = "") -> str:
    if mode == "person":
        return f"{events[0]['name']}: arrest, trial, verdict, death and rehabilitation"
    if mode == "trial":
        name = next((e["trial_name"] for e in events if e["event"] in _SPANS and e["trial"] == focus_trial),
                    "The trial")
        people = len({e["person"] for e in events})
        return f"{name}: what became of the {people} people charged"
    return "The trials, 1928–1938: arrests, hearings, verdicts, executions and later rehabilitations"


def timeline_image(graph: Any, *, trial: str | None = None, person: str | None = None, fmt: str = "png",
                   title: str | None = None, dpi: int = 110) -> bytes:
    """Return the timeline figure as PNG or SVG bytes (for a notebook or a web page)."""
    if fmt not in _FORMATS.values():
        raise KGError(f"unknown image format {fmt!r}; use png or svg")
    events = timeline_events(graph, trial=trial, person=person)
    mode = "person" if person else "trial" if trial else "all"
    focus = ""
    if trial:
        from kg.sparql.questions import resolve_iri

        focus = str(resolve_iri(getattr(graph, "graph", graph), trial, hint="trial"))
    figure = timeline_figure(events, title=_title(events, mode, focus) if title is None else title, mode=mode,
                             focus_trial=focus)
    import matplotlib

    buffer = io.BytesIO()
    with matplotlib.rc_context({"svg.hashsalt": "moscow-trials", "svg.fonttype": "path"}):
        metadata = {"Date": None} if fmt == "svg" else {"Software": None}
        figure.savefig(buffer, format=fmt, dpi=dpi, metadata=metadata)
    return buffer.getvalue()


def write_timeline(graph: Any, path: str | Path, *, trial: str | None = None, person: str | None = None,
                   title: str | None = None) -> Path:
    """Return *path* after writing the timeline there atomically, as PNG or SVG by its suffix."""
    path = Path(path)
    fmt = _FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise KGError(f"{path}: a timeline is written as .png or .svg")
    return write_bytes_atomic(path, timeline_image(graph, trial=trial, person=person, fmt=fmt, title=title))
