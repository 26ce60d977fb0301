"""A hostile label (`<img src=x onerror=alert(1)>`) shows as text in notebook output (kg.show_network).

The network page itself is tested in tests/test_render.py (in Chromium); here the notebook iframe: the
page travels in ``srcdoc``, HTML-escaped once, and inside it the label is only ever JSON data.
"""

from __future__ import annotations

import html
import re

from kg.display.notebook import network_iframe

from .test_render import XSS, small_graph


def test_notebook_output_carries_the_hostile_label_as_text_only():
    frame = network_iframe(small_graph(), title=XSS)
    # outside srcdoc: one iframe element, no markup from the label
    outer = re.sub(r'srcdoc="[^"]*"', 'srcdoc=""', frame)
    assert outer.count("<") == 2 and "<img" not in outer and "onerror=alert(1)>" not in outer
    assert frame.startswith("<iframe") and 'sandbox="allow-scripts"' in frame
    # inside srcdoc: the page, where the label never appears as markup
    page = html.unescape(re.search(r'srcdoc="([^"]*)"', frame).group(1))
    assert XSS not in page, "the hostile label appears unescaped in the page"
    assert "\\u003cimg src=x onerror=alert(1)\\u003e" in page or "&lt;img src=x onerror=alert(1)&gt;" in page
