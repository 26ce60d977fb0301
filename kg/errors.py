"""The errors the package raises on bad input, each naming what is at fault and what to do.

The CLI maps each class to an exit code, so scripts can tell a data problem from a usage problem.
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "DataSyntaxError",
    "InvalidDataError",
    "KGError",
    "ParameterError",
    "QuerySyntaxError",
    "StoreError",
    "UnknownQueryError",
    "ValidationFailed",
]


class KGError(Exception):
    """Base class: a problem the user can fix. ``exit_code`` is what the CLI returns."""

    exit_code = 1


class DataSyntaxError(KGError):
    """A data file cannot be parsed; carries the file and the 1-based line."""

    exit_code = 3

    def __init__(self, path: Path | str, line: int | None, reason: str) -> None:
        self.path = Path(path)
        self.line = line
        self.reason = reason
        where = f"{self.path}:{line}" if line else str(self.path)
        super().__init__(f"{where}: {reason}")


class InvalidDataError(KGError):
    """The data parses but a value in it is unusable (e.g. an EDTF date that does not exist)."""

    exit_code = 3


class ValidationFailed(KGError):
    """The graph violates a shape or a check; ``report`` holds the details."""

    exit_code = 4

    def __init__(self, report: object) -> None:
        self.report = report
        super().__init__(str(report))


class UnknownQueryError(KGError):
    """No named question by that name; the message lists the known ones."""

    exit_code = 2


class QuerySyntaxError(KGError):
    """A SPARQL text does not parse; the message gives the position."""

    exit_code = 2


class ParameterError(KGError):
    """A query parameter is missing, unknown or of the wrong type."""

    exit_code = 2


class StoreError(KGError):
    """A store spec that cannot be used: unknown kind, missing path, unreachable endpoint, locked folder."""

    exit_code = 2
