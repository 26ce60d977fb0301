"""A written site made ready for a hosted copy: absolute links and a canonical address on every page.

The site ``kg site`` writes links its pages to each other by relative paths (``../person/SLUG.html``),
so it works from disk and from any address, and every IRI maps to a page mechanically:
``https://w3id.org/moscow-trials/id/person/SLUG`` ↔ ``person/SLUG.html`` (the rules in ``docs/w3id/``
send the one to the other). A copy published at a known address wants more: links that still work
when a page is copied, quoted or archived on its own, and a ``<link rel="canonical">`` that tells
search engines and citation tools which address is the page's. :func:`host_site` rewrites the
pages' links (``<a href>`` and ``<link rel="alternate">``) to absolute URLs under *base_url* and adds
the canonical link. Style sheets, scripts and frames stay relative: each page's Content-Security-
Policy allows its own files only, and they keep working wherever the copy is served from.

Examples
--------
>>> page = '<head><title>x</title></head><a href="../trial/1936-sixteen.html">t</a> <a href="#main">m</a>'
>>> for line in absolute_links(page, "person/a.html", "https://example.org/mt/").split("<a "):
...     print(line)
<head><link rel="canonical" href="https://example.org/mt/person/a.html"><title>x</title></head>
href="https://example.org/mt/trial/1936-sixteen.html">t</a>
href="#main">m</a>
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from kg.errors import ParameterError

__all__ = ["absolute_links", "check_base_url", "host_site"]

_HREF = re.compile(r'(<(?:a|link)\b[^>]*?\shref=")([^"]*)(")', re.IGNORECASE)
_STYLESHEET = re.compile(r'\brel="stylesheet"', re.IGNORECASE)
_NOT_RELATIVE = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*:|#|/)")
_HEAD = re.compile(r"<head\b[^>]*>", re.IGNORECASE)
_CANONICAL = re.compile(r'<link rel="canonical"[^>]*>', re.IGNORECASE)


def check_base_url(base_url: str) -> str:
    """Return *base_url* ending in ``/``; raise :class:`~kg.errors.ParameterError` (exit 2) unless it is http(s)."""
    parts = urlsplit(base_url)
    if parts.scheme not in {"http", "https"} or not parts.netloc or parts.query or parts.fragment \
            or any(c in base_url for c in '"<> \\'):
        raise ParameterError(f"--base-url {base_url!r}: give the address the site will be published at, "
                      "e.g. https://example.org/moscow-trials/site/")
    return base_url if base_url.endswith("/") else base_url + "/"


def absolute_links(html: str, page_path: str, base_url: str) -> str:
    """Return *html* (the page at *page_path* inside the site) with absolute links and a canonical link."""
    base = check_base_url(base_url)
    here = urljoin(base, page_path)

    def absolute(match: re.Match[str]) -> str:
        start, href, end = match.groups()
        if _NOT_RELATIVE.match(href) or _STYLESHEET.search(start):
            return match.group(0)
        return start + urljoin(here, href) + end

    html = _HREF.sub(absolute, _CANONICAL.sub("", html))
    head = _HEAD.search(html)
    if head is None:
        return html
    return html[:head.end()] + f'<link rel="canonical" href="{here}">' + html[head.end():]


def host_site(out_dir: str | Path, base_url: str) -> int:
    """Return how many pages of the site in *out_dir* were rewritten for a copy hosted at *base_url*.

    Network pages (``*.network.html``, shown inside the person and trial pages) link nowhere and are
    left as they are; every other ``.html`` page is rewritten atomically.
    """
    from kg.atomic import write_text_atomic

    base = check_base_url(base_url)
    root = Path(out_dir)
    pages = [p for p in sorted(root.rglob("*.html")) if not p.name.endswith(".network.html")]
    for page in pages:
        text = page.read_text(encoding="utf-8")
        write_text_atomic(page, absolute_links(text, page.relative_to(root).as_posix(), base))
    return len(pages)
