"""One-off curation tool of issue 13: give every source a tier and move copies to mt:readAt.

Run once from the repository root (it edits graph_data/ in place, keeping comments and layout):
    python docs/curation/resource-pass/resource_pass.py
What it does, per source block in graph_data/sources/*.ttl:
- a page whose host publishes the work (hosts.toml "original"/"secondary") keeps its address and gets that tier;
- a wiki mirror whose address names the article (wikiwand, IPFS and kiwix copies, m.wikipedia, and the mirrors
  and machine translations listed in original_article) is cited as that article on its own Wikipedia, and the mirror
  becomes mt:readAt; a machine translation is ranked copy of a publication, since its text is not the article's; two sources that thereby name the same article are merged (references are rewritten);
- a page on a copy site (reading sites, encyclopaedia and dictionary copies) loses schema:url (it is not the
  work's address), keeps the address as mt:readAt, and gets tier CopyOfPublication until a curator names the work;
- an aggregator page keeps its address (it is the only identity the "work" has) and gets tier Aggregator.
Every copy is described once as `<address> a mt:Copy ; dcterms:date …` (the day the address entered the data,
from git history). Prints a summary; hosts it does not know are listed and left untouched.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from collections import defaultdict
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

ROOT = Path(__file__).resolve().parents[3]
HOSTS = tomllib.loads((Path(__file__).parent / "hosts.toml").read_text())
TIER = {"original": "mt:OriginalPublication", "secondary": "mt:SecondaryWork", "copy": "mt:CopyOfPublication",
        "aggregator": "mt:Aggregator"}
CYRILLIC = re.compile("[\u0400-\u04ff]")
#: Hosts that serve machine translations of an article (into another language), not the article's own text.
_TRANSLATIONS = re.compile(r"(^|\.)(zxc\.wiki|wiki7\.org|percepti[a-z]{2}\.com)$")


def host_class(host: str) -> str | None:
    host = host.lower().removeprefix("www.")
    for cls in ("original", "secondary", "copy", "aggregator"):
        for known in HOSTS[cls]["hosts"]:
            known = known.lower().removeprefix("www.")
            if host == known or host.endswith("." + known):
                return cls
    return None


def wiki(lang: str, title: str) -> str:
    title = unquote(title).replace(" ", "_")
    return f"https://{lang}.wikipedia.org/wiki/" + title


def lang_of(title: str, default: str) -> str:
    return "ru" if CYRILLIC.search(unquote(title)) else default


def original_article(url: str) -> str | None:
    """Return the Wikipedia article a mirror copies, when its address names it unambiguously."""
    parts = urlsplit(url)
    host, path = parts.netloc.lower().removeprefix("www."), parts.path
    m = re.fullmatch(r"([a-z]+)\.m\.wikipedia\.org", host)
    if m and path.startswith("/wiki/"):
        return wiki(m.group(1), path[6:])
    if host == "wikiwand.com":
        m = re.fullmatch(r"/([a-z]{2})/(?:articles/)?(.+)", path)
        return wiki(m.group(1), m.group(2)) if m else None
    m = re.fullmatch(r"([a-z]{2})\.wikipedia-on-ipfs\.org", host)
    if m and path.startswith("/wiki/"):
        return wiki(m.group(1), path[6:].removesuffix(".html"))
    if host in ("kiwix.lema.org", "kiwix.casplantje.nl"):
        m = re.fullmatch(r"/wikipedia_([a-z]{2})_[^/]+/A/(.+)", path)
        return wiki(m.group(1), m.group(2)) if m else None
    if host == "wikipedia.jakami.de":
        m = re.fullmatch(r"/content/wikipedia_([a-z]{2})_[^/]+/A/(.+)", path)
        return wiki(m.group(1), m.group(2)) if m else None
    if host == "de.zxc.wiki" and path.startswith("/wiki/"):
        return wiki("de", path[6:])  # English machine translation of the German article
    if host == "de.wiki.li":
        return wiki("de", path[1:])
    if host == "wiki-org.ru" and path.startswith("/wiki/"):
        return wiki("ru", path[6:])
    if host == "wikirussya.com" or host == "unsorted.wikisort.ru":
        title = path.removeprefix("/page/")[1:] if host == "wikirussya.com" else path.removeprefix("/page/")
        return wiki("ru", title.lstrip("/")) if CYRILLIC.search(unquote(title)) else None
    if re.fullmatch(r"percepti[a-z]{2}\.com", host) and CYRILLIC.search(unquote(path)):
        return wiki("ru", path[1:])  # machine translations of Russian articles
    if host.endswith("wiki7.org") and path.startswith("/wiki/") and CYRILLIC.search(unquote(path)):
        return wiki("ru", path[6:])
    if host == "wikizero.org":
        m = re.fullmatch(r"/wiki/([a-z]{2})/(.+)", path)
        return wiki(m.group(1), m.group(2)) if m else None
    if host == "piglix.com" and path.startswith("/piglix/"):
        return wiki("en", path[8:])
    if host == "worddisk.com" and path.startswith("/wiki/"):
        return wiki("en", path[6:].rstrip("/"))
    if host == "theinfolist.com":
        m = re.fullmatch(r"/html/ALL/s/[^/]+/(.+)\.html", path)
        if m:
            return wiki("en", m.group(1))
        q = parse_qs(parts.query).get("FindGo")
        return wiki("en", q[0]) if q else None
    if host == "askwikinow.com":
        q = parse_qs(parts.query)
        return wiki(q["lang"][0], q["q"][0]) if "lang" in q and "q" in q else None
    return None


def first_seen(url: str) -> str:
    out = subprocess.run(["git", "log", "--format=%as", "--reverse", "-S", url, "--", "graph_data"],
                         cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    return out[0] if out else "2026-12-06"


BLOCK = re.compile(r"^(src:[\w.-]+) a mt:Source\b.*?\s\.\s*$", re.S | re.M)
URL = re.compile(r"^(\s*)schema:url <([^>]+)> ;\n", re.M)


def main() -> int:
    files = sorted((ROOT / "graph_data" / "sources").glob("*.ttl"))
    texts = {f: f.read_text() for f in files}
    counts: defaultdict[str, int] = defaultdict(int)
    unknown: defaultdict[str, int] = defaultdict(int)
    copies: dict[str, str] = {}  # copy address -> file it is described in
    by_url: defaultdict[str, list[tuple[Path, str]]] = defaultdict(list)
    for f in files:
        text = texts[f]
        out, pos = [], 0
        for m in BLOCK.finditer(text):
            block = m.group(0)
            out.append(text[pos:m.start()])
            pos = m.end()
            if "mt:tier" in block:
                out.append(block)
                continue
            um = URL.search(block)
            indent = "    "
            if not um:
                out.append(block)
                counts["no address"] += 1
                continue
            indent, url = um.group(1), um.group(2)
            host = urlsplit(url).netloc
            cls = host_class(host)
            article = original_article(url)
            if article:
                block = block.replace(um.group(0), f"{indent}schema:url <{article}> ;\n{indent}mt:readAt <{url}> ;\n")
                # a machine translation is not the article's text: cited as the article, ranked as a copy
                tier = TIER["copy"] if _TRANSLATIONS.search(urlsplit(url).netloc) else TIER["original"]
                copies[url] = f.name
                counts["mirror -> article"] += 1
                by_url[article].append((f, m.group(1)))
            elif cls in ("original", "secondary", "aggregator"):
                tier = TIER[cls]
                counts[cls] += 1
                by_url[url].append((f, m.group(1)))
            elif cls == "copy":
                block = block.replace(um.group(0), f"{indent}mt:readAt <{url}> ;\n")
                tier = TIER["copy"]
                copies[url] = f.name
                counts["copy"] += 1
            else:
                unknown[host] += 1
                out.append(block)
                continue
            block = re.sub(r"\s\.\s*$", f" ;\n{indent}mt:tier {tier} .\n", block.rstrip("\n") + "\n")
            out.append(block)
        out.append(text[pos:])
        texts[f] = "".join(out)
    # merge sources that now name the same article: keep the first in sorted order of (has original address, slug)
    renames: dict[str, str] = {}
    for url, owners in by_url.items():
        if len(owners) < 2:
            continue
        owners.sort(key=lambda o: o[1])
        keep_file, keep = owners[0]
        for f, slug in owners[1:]:
            bm = re.search(rf"^{re.escape(slug)} a mt:Source\b.*?\s\.\s*\n", texts[f], re.S | re.M)
            if not bm:
                continue
            reads = re.findall(r"mt:readAt <([^>]+)>", bm.group(0))
            texts[f] = texts[f][:bm.start()] + texts[f][bm.end():]
            km = re.search(rf"^{re.escape(keep)} a mt:Source\b.*?\s\.\s*\n", texts[keep_file], re.S | re.M)
            kblock = km.group(0)
            for r in reads:
                if r not in kblock:
                    kblock = kblock.replace(f"schema:url <{url}> ;\n", f"schema:url <{url}> ;\n    mt:readAt <{r}> ;\n", 1)
            texts[keep_file] = texts[keep_file][:km.start()] + kblock + texts[keep_file][km.end():]
            renames[slug] = keep
    counts["merged"] = len(renames)
    # describe each copy once, in the file whose source reads it
    for url, fname in sorted(copies.items()):
        f = ROOT / "graph_data" / "sources" / fname
        texts[f] = texts[f].rstrip("\n") + f'\n<{url}> a mt:Copy ; dcterms:date "{first_seen(url)}"^^xsd:date .\n'
    for f, text in texts.items():
        if "xsd:" in text and "@prefix xsd:" not in text:
            text = "@prefix xsd:     <http://www.w3.org/2001/XMLSchema#> .\n" + text
        f.write_text(text)
    if renames:
        pattern = re.compile(r"\b(" + "|".join(re.escape(s) for s in sorted(renames, key=len, reverse=True)) + r")(?![\w-])")
        for f in sorted((ROOT / "graph_data").rglob("*.ttl")):
            text = f.read_text()
            new = pattern.sub(lambda m: renames[m.group(1)], text)
            if new != text:
                f.write_text(new)
    for k, v in sorted(counts.items()):
        print(f"{k}: {v}")
    print("unknown hosts:", dict(sorted(unknown.items(), key=lambda kv: -kv[1])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
