"""kg.display.timeline: the events on the fixture, and figures written as PNG and SVG."""

import datetime as dt

import pytest

from kg.display.timeline import EVENT_STYLES, timeline_events, timeline_image, write_timeline
from kg.errors import KGError

A = "https://w3id.org/moscow-trials/id/person/anna-alpha"


def test_one_persons_events_in_date_order(fixture_kg):
    events = timeline_events(fixture_kg, person="Альфа")
    assert [(e["event"], e["edtf"], e["status"]) for e in events] == [
        ("trial", "1936-08-19/1936-08-24", "established"),
        ("verdict", "1936-08-24", "established"),
        ("execution", "1936-08-25", "established"),
        ("rehabilitation", "1988-06-13", "established"),
    ]
    assert events[1]["detail"] == "death" and events[0]["start"] == dt.date(1936, 8, 19)
    assert events[0]["trial_name"] == "First Test Trial" and events[2]["sources"] == ["https://w3id.org/moscow-trials/id/source/test-encyclopaedia"]
    assert {e["event"] for e in events} <= set(EVENT_STYLES)


def test_a_trials_people_and_disputed_dates(fixture_kg):
    events = timeline_events(fixture_kg, trial="trial:test-second")
    assert {e["name"] for e in events} == {"Dmitri Delta"}
    deaths = [(e["edtf"], e["status"]) for e in events if e["event"] == "execution"]
    assert deaths == [("1937-02-01", "disputed"), ("1937-02-02", "disputed")]
    people = {e["name"] for e in timeline_events(fixture_kg, trial="First Test Trial")}
    assert people == {"Anna Alpha", "Boris Beta", "Clara Gamma", "Fyodor Exile"}
    assert "tried in absentia" in {e["event"] for e in timeline_events(fixture_kg, person="Fyodor Exile")}


def test_png_and_svg_are_written_atomically_and_reproducibly(fixture_kg, tmp_path):
    png = write_timeline(fixture_kg, tmp_path / "t.png", trial="First Test Trial")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = write_timeline(fixture_kg, tmp_path / "a.svg")
    text = svg.read_text(encoding="utf-8")
    assert text.startswith("<?xml") and "<dc:date>" not in text
    assert timeline_image(fixture_kg, fmt="svg") == timeline_image(fixture_kg, fmt="svg")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.svg", "t.png"]


def test_bad_requests(fixture_kg, tmp_path):
    with pytest.raises(KGError, match="as .png or .svg"):
        write_timeline(fixture_kg, tmp_path / "t.pdf")
    with pytest.raises(KGError, match="not both"):
        timeline_events(fixture_kg, trial="First Test Trial", person="Anna Alpha")
    with pytest.raises(KGError, match="charged at no trial"):
        timeline_events(fixture_kg, person="Egor Judge")
    assert not (tmp_path / "t.pdf").exists()


def test_month_and_year_dates_are_drawn_as_spans_not_first_days():
    """Issue 14.6: "December 1934" was drawn at 1 January 1934-style first days, as if exact."""
    import matplotlib.dates as mdates

    from kg.display.timeline import timeline_figure

    def event(kind, start, end, edtf):
        return {"person": "p", "name": "L. B. Kamenev", "event": kind, "start": start, "end": end, "edtf": edtf,
                "detail": "", "trial": "", "trial_name": "", "status": "established", "statement": f"st:{kind}",
                "sources": []}

    events = [event("arrest", dt.date(1934, 12, 1), dt.date(1934, 12, 31), "1934-12"),
              event("execution", dt.date(1936, 8, 25), dt.date(1936, 8, 25), "1936-08-25")]
    figure = timeline_figure(events, mode="person")
    ax = figure.axes[0]
    xs = sorted(float(x) for c in ax.collections for x, _y in c.get_offsets() if len(c.get_offsets()))
    first_day = mdates.date2num(dt.date(1934, 12, 1))
    middle = (first_day + mdates.date2num(dt.date(1935, 1, 1))) / 2
    assert any(abs(x - middle) < 0.6 for x in xs) and not any(abs(x - first_day) < 0.1 for x in xs)
    # a whisker across the month: a horizontal line from its first to its last day
    spans = [seg for c in ax.collections for seg in getattr(c, "get_segments", lambda: [])()
             if len(seg) == 2 and seg[0][1] == seg[1][1]]
    assert any(abs(seg[0][0] - first_day) < 0.6 and abs(seg[1][0] - (first_day + 31)) < 0.6 for seg in spans)
    labels = [t.get_text() for legend in figure.legends for t in legend.get_texts()]
    assert any("known only to the month or year" in label for label in labels)
    # an exact day stays a point on its day
    assert any(abs(x - mdates.date2num(dt.date(1936, 8, 25))) < 0.01 for x in xs)


def test_the_preferred_disputed_value_is_drawn_as_the_value_and_the_others_as_also_given(fixture_kg):
    """Issue 13: the timeline shows the preferred value, the others as "also given" (the fixture prefers 2 February)."""
    import matplotlib.dates as mdates

    from kg.display.timeline import timeline_figure

    events = timeline_events(fixture_kg, person="Dmitri Delta")
    deaths = {e["edtf"]: e["preferred"] for e in events if e["event"] == "execution"}
    assert deaths == {"1937-02-01": False, "1937-02-02": True}
    figure = timeline_figure(events, mode="person")
    texts = [t.get_text() for ax in figure.axes for t in ax.texts]
    assert "1937-02-02 (preferred; also given: 1937-02-01)" in texts
    filled = {}
    for ax in figure.axes:
        for collection in ax.collections:
            faces = collection.get_facecolors()  # empty for facecolors="none"
            for (x, _) in collection.get_offsets():
                filled[mdates.num2date(x).date().isoformat()] = len(faces) > 0 and faces[0][3] > 0
    assert filled["1937-02-02"] and not filled["1937-02-01"]
