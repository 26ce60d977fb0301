"""Limits for a user's query: a time limit, a row limit, and an evaluation that Ctrl-C or SIGTERM stops.

A SPARQL evaluation runs in native code (Oxigraph) or in long Python loops (rdflib): a signal handler
would only run once it returns. So the evaluation runs in a worker thread, and the calling thread
waits in short steps, where the time limit is checked and signals are handled at once. Oxigraph
releases the GIL while it evaluates (measured: the waiting thread wakes every 0.1 s during a
nine-minute cross join), so the wait costs nothing. When the limit or a signal ends the wait, the
worker is left behind as a daemon thread and ends with the process: ``kg query`` is one-shot.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from kg.errors import KGError

__all__ = ["DEFAULT_MAX_ROWS", "DEFAULT_TIMEOUT", "LimitExceeded", "QueryInterrupted", "check_rows",
           "run_with_limits"]

T = TypeVar("T")

#: Seconds a ``kg query`` may evaluate before it is stopped (``--timeout``; 0 means no limit).
DEFAULT_TIMEOUT = 60.0
#: Rows a ``kg query`` may return (``--max-rows``; 0 means no limit).
DEFAULT_MAX_ROWS = 100_000


class LimitExceeded(KGError):
    """A query went over its time limit or its row limit."""

    exit_code = 5


class QueryInterrupted(KGError):
    """Ctrl-C or SIGTERM stopped an evaluation; the exit code is 128 + the signal (130, 143)."""

    def __init__(self, signum: int) -> None:
        self.exit_code = 128 + signum
        name = signal.Signals(signum).name
        super().__init__(f"interrupted by {name}: the query was stopped, nothing was written")


def run_with_limits(evaluate: Callable[[], T], *, timeout: float | None, what: str = "the query") -> T:
    """Return ``evaluate()``, run in a worker thread; stop waiting after *timeout* seconds or on a signal.

    Raises :class:`LimitExceeded` when *timeout* (seconds; ``None`` or 0: no limit) passes first, and
    :class:`QueryInterrupted` on SIGINT or SIGTERM (handled here whatever handlers were set before, and
    restored after). An exception raised by *evaluate* is raised here unchanged.
    """
    box: dict[str, object] = {}

    def work() -> None:
        try:
            box["value"] = evaluate()
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting thread
            box["error"] = exc

    worker = threading.Thread(target=work, name="kg-query", daemon=True)
    received: list[int] = []
    in_main = threading.current_thread() is threading.main_thread()
    previous = {}
    if in_main:
        previous = {sig: signal.signal(sig, lambda signum, _frame: received.append(signum))
                    for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        started = time.monotonic()
        worker.start()
        while worker.is_alive():
            worker.join(0.05)
            if received:
                raise QueryInterrupted(received[0])
            if timeout and time.monotonic() - started > timeout:
                raise LimitExceeded(f"{what} ran longer than {timeout:g} s (--timeout) and was stopped; "
                                    "ask a narrower question (a LIMIT, a more selective pattern) or raise --timeout")
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, signal.SIG_DFL if handler is None else handler)
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["value"]  # type: ignore[return-value]


def check_rows(count: int, max_rows: int | None) -> None:
    """Raise :class:`LimitExceeded` when *count* rows are more than *max_rows* (``None`` or 0: no limit)."""
    if max_rows and count > max_rows:
        raise LimitExceeded(f"the answer has {count:,} rows, more than --max-rows {max_rows:,}; add a LIMIT "
                            "or a filter, or raise --max-rows (0 for no limit)")
