"""Headless Chromium for tests: launch it, open a page and record what the page does.

Tests take the session's one browser from the ``browser`` fixture of ``tests/conftest.py``, which is
:func:`chromium` as the body of a fixture::

    @pytest.fixture(scope="session")
    def browser():
        with chromium() as b:
            yield b

It skips the test (with the reason) when Playwright or Chromium is missing. :func:`open_page`
opens a file in a fresh context and returns a :class:`PageLog` that records every request,
dialog, console error and uncaught exception, so a test can assert the page made no request and
ran no injected script.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

__all__ = ["CHROMIUM_ARGS", "PageLog", "chromium", "chromium_path", "open_page"]

#: No background traffic of Chromium's own, so any recorded request comes from the page.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _cannot_test(reason: str) -> None:
    """Skip on a developer's machine; fail under CI, where a silent skip would hide a broken page."""
    if os.environ.get("CI"):
        pytest.fail(f"browser tests cannot run under CI: {reason}")
    pytest.skip(reason)


def chromium_path() -> str | None:
    """Return the Chromium executable to use: ``$KG_CHROMIUM``, /usr/bin/chromium, or on PATH."""
    for candidate in (os.environ.get("KG_CHROMIUM"), "/usr/bin/chromium"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return shutil.which("chromium") or shutil.which("chromium-browser")


@contextmanager
def chromium() -> Iterator[Any]:
    """Yield a launched headless Chromium ``Browser``; skip the test if it cannot start."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _cannot_test("playwright (the Python package) is not installed: pip install playwright")
    executable = chromium_path()
    if executable is None:
        _cannot_test("no Chromium found at /usr/bin/chromium or on PATH (set KG_CHROMIUM)")
    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(
                executable_path=executable, headless=True, args=CHROMIUM_ARGS
            )
        except Exception as error:  # noqa: BLE001 - any launch failure means "cannot test here"
            _cannot_test(f"Chromium at {executable} did not start: {error}")
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class PageLog:
    """A page and what it did since it was opened."""

    page: Any
    url: str
    requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def foreign_requests(self) -> list[str]:
        """Return every request other than the page's own file."""
        return [url for url in self.requests if url != self.url]


@contextmanager
def open_page(
    browser: Any,
    path: str | Path,
    *,
    wait_for: str | None = "body[data-ready='1']",
    timeout_ms: float = 30_000,
    viewport: tuple[int, int] = (1280, 800),
) -> Iterator[PageLog]:
    """Yield a :class:`PageLog` for *path* opened as ``file://`` in a fresh browser context.

    Dialogs (``alert`` and friends) are recorded and dismissed, console errors and uncaught
    exceptions recorded; if *wait_for* is given, wait until that selector is attached.
    """
    url = Path(path).resolve().as_uri()
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    page = context.new_page()
    log = PageLog(page=page, url=url)
    page.on("request", lambda request: log.requests.append(request.url))
    page.on("dialog", lambda dialog: (log.dialogs.append(f"{dialog.type}: {dialog.message}"),
                                      dialog.dismiss()))
    page.on("console", lambda msg: log.errors.append(f"console: {msg.text}")
            if msg.type == "error" else None)
    page.on("pageerror", lambda error: log.errors.append(f"pageerror: {error}"))
    try:
        page.goto(url)
        if wait_for:
            page.wait_for_selector(wait_for, state="attached", timeout=timeout_ms)
        yield log
    finally:
        context.close()
