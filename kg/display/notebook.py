"""Show the network page and the timeline inside Jupyter, VS Code or an exported HTML notebook, offline."""

from __future__ import annotations

import html
from typing import Any

__all__ = ["network_iframe", "show_network", "show_timeline"]


def network_iframe(graph: Any, *, height: int = 600, title: str = "Moscow Trials network", seed: int = 42,
                   size_by: str | None = "degree") -> str:
    """Return an ``<iframe srcdoc=…>`` holding the whole offline page for *graph*.

    ``srcdoc`` carries the page itself (no file, no server, no request), so the same output renders in
    Jupyter, in VS Code and in a notebook exported to HTML; the page's own script runs in the iframe.
    """
    from kg.display.render import network_page

    page = network_page(graph, title=title, seed=seed, size_by=size_by)
    return (f'<iframe title="{html.escape(title)}" srcdoc="{html.escape(page, quote=True)}" '
            f'style="width:100%;height:{int(height)}px;border:1px solid #ccc" '
            f'sandbox="allow-scripts"></iframe>')


def show_network(graph: Any, *, height: int = 600, title: str = "Moscow Trials network", seed: int = 42,
                 size_by: str | None = "degree") -> Any:
    """Return an IPython ``HTML`` object that displays the network page inline."""
    from IPython.display import HTML

    return HTML(network_iframe(graph, height=height, title=title, seed=seed, size_by=size_by))


def show_timeline(graph: Any, *, trial: str | None = None, person: str | None = None, fmt: str = "png") -> Any:
    """Return an IPython ``Image`` (or ``SVG``) of the timeline (see :mod:`kg.display.timeline`).

    The picture travels inside the notebook (base64 PNG or inline SVG): it shows the same in
    Jupyter, in VS Code and in an exported HTML notebook, with no file beside it.
    """
    from IPython.display import SVG, Image

    from kg.display.timeline import timeline_image

    data = timeline_image(graph, trial=trial, person=person, fmt=fmt)
    return SVG(data) if fmt == "svg" else Image(data=data, format="png")
