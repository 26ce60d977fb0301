"""Show the network page inside Jupyter, VS Code or an exported HTML notebook, offline."""

from __future__ import annotations

import html
from typing import Any

__all__ = ["network_iframe", "show_network"]


def network_iframe(graph: Any, *, height: int = 600, title: str = "Moscow Trials network", seed: int = 42) -> str:
    """Return an ``<iframe srcdoc=…>`` holding the whole offline page for *graph*.

    ``srcdoc`` carries the page itself (no file, no server, no request), so the same output renders in
    Jupyter, in VS Code and in a notebook exported to HTML; the page's own script runs in the iframe.
    """
    from .render import network_page

    page = network_page(graph, title=title, seed=seed)
    return (f'<iframe title="{html.escape(title)}" srcdoc="{html.escape(page, quote=True)}" '
            f'style="width:100%;height:{int(height)}px;border:1px solid #ccc" '
            f'sandbox="allow-scripts"></iframe>')


def show_network(graph: Any, *, height: int = 600, title: str = "Moscow Trials network", seed: int = 42) -> Any:
    """Return an IPython ``HTML`` object that displays the network page inline."""
    from IPython.display import HTML

    return HTML(network_iframe(graph, height=height, title=title, seed=seed))
