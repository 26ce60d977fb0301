"""EDTF dates → ``xsd:date`` bounds, so queries compare dates and never strings or mixed types."""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import math
import re

__all__ = ["edtf_bounds", "edtf_span"]


def _to_date(struct: object) -> dt.date | None:
    # edtf returns a time.struct_time, or a float infinity for open interval ends ("../1917").
    if isinstance(struct, float) and math.isinf(struct):
        return None
    return dt.date(*struct[:3])  # type: ignore[index]


#: ASCII digits only: ``\\d`` would also take full-width and other scripts' digits (``１９３７``), which
#: EDTF does not allow. A "month" of 21-41 is an EDTF season (``1937-21`` = spring 1937): left to ``edtf``.
_PLAIN = re.compile(r"^([0-9]{4})(?:-(0[1-9]|1[0-2])(?:-([0-9]{2}))?)?$")
_ASCII = re.compile(r"^[\x20-\x7e]*$")


def _plain_bounds(text: str) -> tuple[dt.date, dt.date] | None:
    """Bounds of a plain ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``, or None for anything richer.

    Written by hand because nine values in ten are plain and the ``edtf`` parser (pyparsing) costs
    ~4 ms each; everything with qualifiers, intervals or sets still goes to ``edtf``.
    """
    match = _PLAIN.match(text)
    if not match:
        return None
    year, month, day = (int(g) if g else None for g in match.groups())
    if month is None:
        return dt.date(year, 1, 1), dt.date(year, 12, 31)  # type: ignore[arg-type]
    if day is None:
        last = calendar.monthrange(year, month)[1]  # type: ignore[arg-type]
        return dt.date(year, month, 1), dt.date(year, month, last)  # type: ignore[arg-type]
    return dt.date(year, month, day), dt.date(year, month, day)  # type: ignore[arg-type]


@functools.lru_cache(maxsize=4096)
def edtf_bounds(text: str) -> tuple[dt.date | None, dt.date | None]:
    """Return the earliest start and latest end of an EDTF date or interval.

    Uses the ``edtf`` package (the reference Python implementation of ISO 8601-2) rather than a
    hand-written parser. Raises ``ValueError`` with the offending text when it is not valid EDTF
    or names a day that does not exist.

    Examples
    --------
    >>> edtf_bounds("1936-08")
    (datetime.date(1936, 8, 1), datetime.date(1936, 8, 31))
    >>> edtf_bounds("1936-08-19/1936-08-24")
    (datetime.date(1936, 8, 19), datetime.date(1936, 8, 24))
    """
    text = text.strip()
    if not _ASCII.match(text):
        bad = next(c for c in text if not _ASCII.match(c))
        raise ValueError(f"not a valid EDTF date: {text!r} (it contains {bad!r}, U+{ord(bad):04X}; "
                         "EDTF is written in ASCII digits 0-9)")
    try:
        if text.count("/") == 1 and ".." not in text:
            start, end = (_plain_bounds(part) for part in text.split("/"))
            if start and end:
                if start[0] > end[1]:
                    raise ValueError(f"EDTF interval ends before it starts: {text!r}")
                return start[0], end[1]
        plain = _plain_bounds(text)
    except ValueError as exc:  # e.g. 1936-02-30
        if "ends before" in str(exc):
            raise
        raise ValueError(f"not a valid EDTF date: {text!r} ({exc})") from None
    if plain:
        return plain

    from edtf import parse_edtf
    from edtf.parser.edtf_exceptions import EDTFParseException

    try:
        parsed = parse_edtf(text.strip())
        lower, upper = _to_date(parsed.lower_strict()), _to_date(parsed.upper_strict())
    except (EDTFParseException, ValueError, TypeError) as exc:
        raise ValueError(f"not a valid EDTF date: {text!r} ({exc})") from None
    if lower and upper and lower > upper:
        raise ValueError(f"EDTF interval ends before it starts: {text!r}")
    return lower, upper


@functools.lru_cache(maxsize=4096)
def edtf_span(text: str) -> tuple[dt.date | None, dt.date | None, dt.date | None, dt.date | None]:
    """Return ``(earliest begin, latest begin, earliest end, latest end)`` of an EDTF date or interval.

    ``latest begin`` and ``earliest end`` bound the part that is certain: "1932-11/1933-01" is sure to
    cover 30 November 1932 to 1 January 1933. A single date begins and ends within its own bounds.

    Examples
    --------
    >>> edtf_span("1932-11/1933-01")
    (datetime.date(1932, 11, 1), datetime.date(1932, 11, 30), datetime.date(1933, 1, 1), datetime.date(1933, 1, 31))
    >>> edtf_span("1936-08-25")[1:3]
    (datetime.date(1936, 8, 25), datetime.date(1936, 8, 25))
    """
    text = text.strip()
    earliest, latest = edtf_bounds(text)
    if text.count("/") == 1:
        start, end = text.split("/")
        begin = edtf_bounds(start) if start not in {"", ".."} else (None, None)
        finish = edtf_bounds(end) if end not in {"", ".."} else (None, None)
        return earliest, begin[1], finish[0], latest
    return earliest, latest, earliest, latest
