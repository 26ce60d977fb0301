"""EDTF dates → ``xsd:date`` bounds, so queries compare dates and never strings or mixed types."""

from __future__ import annotations

import datetime as dt
import math

__all__ = ["edtf_bounds"]


def _to_date(struct: object) -> dt.date | None:
    # edtf returns a time.struct_time, or a float infinity for open interval ends ("../1917").
    if isinstance(struct, float) and math.isinf(struct):
        return None
    return dt.date(*struct[:3])  # type: ignore[index]


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
