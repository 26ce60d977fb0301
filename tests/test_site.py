"""The static site (`kg site`): a page for every person and trial, offline, every link good; per-entity JSON-LD.

The real site is built once for the module by the CLI; Chromium opens its index and follows every internal link.
Small made-up graphs check the questions the site reads, and that hostile values are escaped.
"""

from __future__ import annotations

import json
import random
from collections import deque
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from rdflib import Graph, Literal, URIRef

from kg import paths
from kg.display.documents import entity_document
from kg.display.site import build_site, display_date, name_sort_key
from kg.graph.loader import load
from kg.sparql.questions import run_query

from .browser import open_page
from .conftest import DATA, FIXTURE, OUTPUT, run_kg

CLAIMS = DATA / "claims" / "claims.ttl"
ZINOVIEV = "https://w3id.org/moscow-trials/id/person/grigory-zinoviev"
SIXTEEN = "https://w3id.org/moscow-trials/id/trial/1936-sixteen"
COUNT = """PREFIX mt: <https://w3id.org/moscow-trials/ontology#>
SELECT (COUNT(DISTINCT ?thing) AS ?n) WHERE { ?thing a mt:%s }"""


@pytest.fixture(scope="module")
def kg_claims():
    return load([paths.ONTOLOGY_FILE, FIXTURE, CLAIMS])


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The real site, written by `kg site -o`, and the graph loaded just before (to count what it must hold)."""
    graph = load()
    out = tmp_path_factory.mktemp("site") / "site"
    done = run_kg("site", "-o", str(out))
    assert done.returncode == 0, done.stderr
    return out, graph, done


def _count(graph, cls: str) -> int:
    return int(run_query(graph, COUNT % cls).rows[0][0])


# ---------------------------------------------------------------------------------------------- the questions


def rows(kg, name, params=None):
    return run_query(kg, name, params or {}).records(short=True)


def test_timeline_keys_every_statement_by_person(kg_claims):
    anna = rows(kg_claims, "timeline", {"person": "Anna Alpha"})
    assert [(r["kind"], r["role"], r["date"], r["status"]) for r in anna] == [
        ("birth", "subject", "1883-09-23", "established"),
        ("office holding", "subject", "1919/1926", "established"),
        ("accusation", "subject", None, "alleged"),
        ("plea", "subject", "1936-08-19", "established"),
        ("testimony", "named", None, "established"),
        ("sentence", "subject", "1936-08-24", "established"),
        ("death", "subject", "1936-08-25", "established"),
        ("rehabilitation", "subject", "1988-06-13", "established"),
    ]
    accusation = anna[2]
    assert accusation["when"] == "1936-08-19"  # undated: sorted by the trial's opening day
    assert set(accusation["charges"].split("; ")) == {"test terror", "test spying"}
    assert (anna[1]["office"], anna[1]["organisation"]) == ("member", "Test Bureau")
    assert (anna[0]["place"], anna[6]["manner"], anna[3]["plea"]) == ("Test City", "executed", "guilty")
    assert accusation["asserted_by"] == "https://w3id.org/moscow-trials/id/person/egor-judge"
    assert anna[4]["other"] == "person:boris-beta"  # the witness who testified against her
    boris = rows(kg_claims, "timeline", {"person": "Boris Beta"})
    sentence = next(r for r in boris if r["kind"] == "sentence")
    assert (sentence["penalty"], sentence["term_years"]) == ("imprisonment", 10)
    assert next(r for r in boris if r["kind"] == "testimony")["other"] == "person:anna-alpha"  # whom he named
    everyone = rows(kg_claims, "timeline")
    assert {r["person"] for r in everyone} >= {"person:anna-alpha", "person:boris-beta", "person:dmitri-delta"}


def test_names_profiles_and_claim_parties(kg_claims):
    names = rows(kg_claims, "names", {"entity": "person:anna-alpha"})
    assert [(r["name"], r["language"], r["kind"]) for r in names] == [
        ("Anna Alpha", "en", "label"), ("Анна Альфа", "ru", "label"),
        ("Anna Alfa", "en", "other spelling"), ("Альфа", "ru", "other spelling")]
    assert {r["entity"] for r in rows(kg_claims, "names")} >= {"trial:test-first", "person:fyodor-exile"}
    anna = rows(kg_claims, "profiles", {"person": "Альфа"})
    assert [(r["name"], r["name_ru"], r["born"], r["died"], r["manner"], r["rehabilitated"], r["death_date"])
            for r in anna] == [("Anna Alpha", "Анна Альфа", "1883-09-23", "1936-08-25", "executed", "1988-06-13",
                                "1936-08-25")]
    delta = rows(kg_claims, "profiles", {"person": "Dmitri Delta"})[0]
    assert set(delta["died"].split(" | ")) == {"1937-02-01", "1937-02-02"} and delta["death_date"] is None
    assert len(rows(kg_claims, "profiles")) == 6
    parties = rows(kg_claims, "claim-parties", {"person": "Fyodor Exile"})
    assert [(r["claim"], r["role"]) for r in parties] == [("st:claim--hotel-fires", "participant")]
    delta_roles = {(r["claim"], r["role"]) for r in rows(kg_claims, "claim-parties", {"person": "Dmitri Delta"})}
    assert {("st:claim--hotel-fires", "asserted it"), ("st:claim--hotel-fires", "participant")} <= delta_roles


def test_dates_read_as_words_and_names_sort_by_surname():
    assert display_date("1936-08-19/1936-08-24") == "19–24 August 1936"
    assert display_date("1938-03-15?") == "15 March 1938 (uncertain)"
    assert display_date("") == ""
    names = ["Lev Kamenev", "Grigory Zinoviev", "Nikolai Bukharin", "Lev Sedov"]
    assert sorted(names, key=name_sort_key) == ["Nikolai Bukharin", "Lev Kamenev", "Lev Sedov", "Grigory Zinoviev"]
    assert sorted(["Иван Йорданов", "Иван Иванов", "Иван Кузнецов"], key=name_sort_key) == [
        "Иван Иванов", "Иван Йорданов", "Иван Кузнецов"]


# ------------------------------------------------------------------------------------------ the real site


def test_a_page_for_every_person_and_every_trial(site):
    out, graph, done = site
    people, trials = _count(graph, "Person"), _count(graph, "Trial")
    assert people > 200 and trials >= 10
    assert len(list((out / "person").glob("*.network.html"))) > 100
    person_pages = [p for p in (out / "person").glob("*.html") if not p.name.endswith(".network.html")]
    trial_pages = [p for p in (out / "trial").glob("*.html") if not p.name.endswith(".network.html")]
    assert len(person_pages) == people and len(trial_pages) == trials
    assert len(list((out / "person").glob("*.jsonld"))) == people
    assert len(list((out / "trial").glob("*.jsonld"))) == trials
    assert f"{1 + people + trials} pages" in done.stdout and " MB, in " in done.stdout
    assert "· rendered" in done.stderr and "· asked" in done.stderr  # progress goes to stderr
    assert not [p for p in out.rglob("*.tmp")]  # atomic writes leave no temporary file


#: What a page holds that the crawl checks: its element ids (fragment targets) and everything that points at
#: another file: links, stylesheets, scripts, frames (also the network frames that load on scroll).
PAGE_JS = """() => ({
  ids: Array.from(document.querySelectorAll('[id]'), e => e.id),
  links: Array.from(document.querySelectorAll(
                      'a[href], link[href], iframe[src], iframe[data-src], script[src], img[src]'),
                    e => e.getAttribute('data-src') ? new URL(e.getAttribute('data-src'), document.baseURI).href
                                                    : (e.href || e.src))
})"""


@pytest.mark.browser
def test_crawl_every_internal_link_with_no_broken_link_and_no_request(site, browser):
    """Open the index and follow every internal link of every page: each target exists, each #fragment names an
    element of its page, no page asks for anything outside the site, no page logs an error. (Over 400 pages at
    50-100 ms each: this is the slow test of the module.)"""
    out, _graph, _done = site
    root = out.resolve()
    index = root / "index.html"
    fragments: list[tuple[str, Path, str]] = []
    ids: dict[Path, set[str]] = {}
    broken: list[str] = []
    external_links = 0
    with open_page(browser, index, wait_for=None) as log:
        page = log.page
        seen, pending = {index}, deque([index])
        while pending:
            current = pending.popleft()
            if current != index:
                page.goto(current.as_uri())
            found = page.evaluate(PAGE_JS)
            ids[current] = set(found["ids"])
            for url in found["links"]:
                parts = urlsplit(url)
                if parts.scheme in {"http", "https"}:
                    external_links += 1  # a link the reader may follow; never loaded by the page
                    continue
                if parts.scheme == "data":
                    continue  # inline data (the network page's image export), not a request
                if parts.scheme != "file":
                    broken.append(f"{current.name}: {url} (scheme {parts.scheme})")
                    continue
                target = Path(unquote(parts.path)).resolve()
                if root not in target.parents or not target.is_file():
                    broken.append(f"{current.relative_to(root)}: {url}")
                    continue
                if parts.fragment:
                    fragments.append((current.name, target, unquote(parts.fragment)))
                if target.suffix == ".html" and target not in seen:
                    seen.add(target)
                    pending.append(target)
        requests, errors = list(log.requests), list(log.errors)
    pages = set(root.rglob("*.html"))
    assert broken == []
    assert pages == seen, f"pages no link leads to: {sorted(pages - seen)[:5]}"
    assert len(pages) > 400
    assert [(f, t.name, frag) for f, t, frag in fragments if frag not in ids.get(t, set())] == []
    assert [url for url in requests if not url.startswith(root.as_uri())] == []
    assert errors == []
    assert external_links > 1000  # the sources: links out, none of them requested


@pytest.mark.browser
def test_zinoviev_page_shows_the_timeline_with_sources_and_allegations_apart(site, browser):
    out, _graph, _done = site
    path = out / "person" / "grigory-zinoviev.html"
    with open_page(browser, path, wait_for=None) as log:
        page = log.page
        assert page.locator("h1 [lang=ru]").inner_text() == "Григорий Евсеевич Зиновьев"
        events = page.locator("ol.timeline > li")
        assert events.count() >= 15
        for i in range(events.count()):
            event = events.nth(i)
            assert event.locator("a.source[href^='http']").count() >= 1, event.inner_text()
            assert event.locator(".status").count() == 1
        timeline = page.locator("#timeline").inner_text()
        for expected in ("25 August 1936", "executed", "13 June 1988", "rehabilitation", "arrest", "office holding",
                         "plea", "sentence"):
            assert expected in timeline
        allegations = page.locator("ol.timeline > li.allegation")
        assert allegations.count() >= 2 and "ALLEGATION" in allegations.first.inner_text().upper()
        assert page.locator("#accusations .box.allegation").count() >= 2
        assert page.locator("#accusations .box.established").count() >= 2
        assert page.locator("#people a[href$='lev-kamenev.html']").count() >= 1
        names = page.locator("#names").inner_text()
        assert "Zinovieff" in names and "Радомысльский" in names
        assert page.locator("#names li[lang=ru]").count() >= 4
        alternate = page.locator("link[rel=alternate][type='application/ld+json']").get_attribute("href")
        assert (path.parent / alternate).is_file()
        schema = json.loads(page.locator("script[type='application/ld+json']").inner_text())
        assert (schema["@type"], schema["name"], schema["deathDate"]) == ("Person", "Grigory Zinoviev", "1936-08-25")
        iframe = page.locator("iframe.network")
        assert iframe.get_attribute("data-src") == "grigory-zinoviev.network.html"
        iframe.scroll_into_view_if_needed()  # the network loads when it comes into view
        page.frame_locator("iframe.network").locator("body[data-ready='1']").wait_for(state="attached")
        assert iframe.get_attribute("src") == "grigory-zinoviev.network.html"
        OUTPUT.mkdir(exist_ok=True)
        page.screenshot(path=str(OUTPUT / "site-person-zinoviev.png"), full_page=True)
        assert [url for url in log.requests if not url.startswith(out.resolve().as_uri())] == []
        assert log.errors == []


@pytest.mark.browser
def test_trial_page_lists_defendants_with_charges_pleas_sentences_and_contradictions(site, browser):
    out, graph, _done = site
    in_the_dock = run_query(graph, "defendants", {"trial": "trial:1936-sixteen"})
    with open_page(browser, out / "trial" / "1936-sixteen.html", wait_for=None) as log:
        page = log.page
        assert page.locator("table.defendants tbody tr").count() == len(in_the_dock) == 16
        zinoviev = page.locator("table.defendants tbody tr", has=page.locator("a[href$='grigory-zinoviev.html']"))
        text = zinoviev.inner_text()
        assert "terrorism" in text and "guilty" in text and "death" in text and "25 August 1936" in text
        assert zinoviev.locator("td.allegation-cell .flag").count() == 1
        assert page.locator("#contradictions .pair").count() >= 1  # the Hotel Bristol, which no longer existed
        assert "Hotel Bristol" in page.locator("#contradictions").inner_text()
        assert page.locator("#court a[href$='vasili-ulrikh.html']").count() == 1
        assert log.errors == []


@pytest.mark.browser
@pytest.mark.parametrize("typed", ["Зиновьев", "Zinovyev", "zinoviev", "ZINÓVIEV", "Sinowjew", "Апфельбаум"])
def test_search_finds_zinoviev_by_any_spelling(site, browser, typed):
    out, _graph, _done = site
    with open_page(browser, out / "index.html") as log:  # waits for body[data-ready='1']: the index is parsed
        log.page.fill("#q", typed)
        first = log.page.locator("#search-results ul.results a").first
        assert first.get_attribute("href") == "person/grigory-zinoviev.html"
        assert [url for url in log.requests if not url.startswith(out.resolve().as_uri())] == []


@pytest.mark.browser
def test_the_site_is_usable_from_the_keyboard(site, browser):
    out, _graph, _done = site
    with open_page(browser, out / "index.html") as log:
        page = log.page
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.className") == "skip"
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.id") == "q"
        page.keyboard.type("Зиновьев")
        page.keyboard.press("Enter")  # one person found: Enter opens the page
        page.wait_for_url("**/person/grigory-zinoviev.html")
        # from another page, the header's search box opens the index with the query filled in
        page.fill("#q", "Kamenev")
        page.keyboard.press("Enter")
        page.wait_for_url("**/index.html?q=Kamenev")
        page.wait_for_selector("#search-results a[href$='lev-kamenev.html']")


def test_every_sampled_document_is_read_by_pyld_into_triples_of_the_graph(site):
    """A JSON-LD processor of its own (pyld) reads each per-entity document into triples that all exist."""
    from pyld import jsonld

    out, graph, _done = site
    documents = sorted((out / "person").glob("*.jsonld")) + sorted((out / "trial").glob("*.jsonld"))
    sample = random.Random(9).sample(documents, 24)
    sample += [out / "person" / "grigory-zinoviev.jsonld", out / "trial" / "1936-sixteen.jsonld"]
    for path in sample:
        document = json.loads(path.read_text(encoding="utf-8"))
        assert document["@context"]["mt"] == "https://w3id.org/moscow-trials/ontology#"
        read = Graph().parse(data=jsonld.to_rdf(document, {"format": "application/n-quads"}), format="nquads")
        missing = [t for t in read if t not in graph.graph]
        assert not missing, f"{path.name}: {len(missing)} triples not in the graph, e.g. {missing[:2]}"
        subject = URIRef(jsonld.expand(document)[0]["@id"])
        assert (subject, None, None) in read and len(read) > 5, path.name
    zinoviev = json.loads((out / "person" / "grigory-zinoviev.jsonld").read_text(encoding="utf-8"))
    nested = zinoviev["@reverse"]["mt:person"]
    assert any("mt:Death" in s["@type"] for s in nested)  # nested: the statements sit under the person
    death = next(s for s in nested if "mt:Death" in s["@type"])
    assert death["prov:wasDerivedFrom"]  # and each cites its source (embedded once, then referenced)


def test_a_document_holds_the_entity_and_its_statements(kg_claims):
    """On the fixture: everything about Anna is in her document, nested, and nothing that is not in the graph."""
    from pyld import jsonld

    anna = "https://w3id.org/moscow-trials/id/person/anna-alpha"
    document = entity_document(kg_claims, anna)
    read = Graph().parse(data=jsonld.to_rdf(document, {"format": "application/n-quads"}), format="nquads")
    assert all(t in kg_claims.graph for t in read)
    own = set(kg_claims.graph.triples((URIRef(anna), None, None)))
    assert own <= set(read)
    statements = {s for s in kg_claims.graph.subjects(URIRef("https://w3id.org/moscow-trials/ontology#person"),
                                                       URIRef(anna))}
    assert statements and all((s, None, None) in read for s in statements)
    assert (None, None, Literal("Anna Alpha", lang="en")) in read


@pytest.mark.browser
def test_hostile_values_are_escaped_everywhere(tmp_path, browser):
    """A label that is markup, a description that closes a script: shown as text, never run."""
    hostile = tmp_path / "hostile.ttl"
    hostile.write_text(FIXTURE.read_text(encoding="utf-8").split("\n\n")[0] + """

person:zz-hostile a mt:Person ;
    rdfs:label "<img src=x onerror=alert(1)>"@en , "</script><script>alert(2)</script>"@ru ;
    skos:altLabel "\\"><svg onload=alert(3)>"@en ;
    schema:description "</script><script>alert(4)</script> & <b>bold</b>"@en .
st:test-first--zz-hostile--accusation a mt:Accusation ;
    mt:person person:zz-hostile ; mt:trial trial:test-first ; mt:charge charge:test-terror ;
    mt:status mt:Alleged ; prov:wasDerivedFrom src:test-record .
""", encoding="utf-8")
    graph = load([paths.ONTOLOGY_FILE, FIXTURE, CLAIMS, hostile])
    result = build_site(graph, tmp_path / "site")
    assert result.people == 7 and result.trials == 2
    page = (tmp_path / "site" / "person" / "zz-hostile.html").read_text(encoding="utf-8")
    assert "<img src=x" not in page and "<script>alert" not in page and "<svg" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    index = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert "<script>alert" not in index and "\\u003c/script\\u003e" in index
    for path in (tmp_path / "site" / "person" / "zz-hostile.html", tmp_path / "site" / "index.html",
                 tmp_path / "site" / "trial" / "test-first.html"):
        with open_page(browser, path, wait_for=None) as log:
            log.page.wait_for_timeout(100)
            assert log.dialogs == [] and log.errors == [], path.name
            if path.name == "index.html":
                log.page.fill("#q", "onerror")
                assert log.page.locator("#search-results li").count() == 1
                assert log.dialogs == []
    schema = (tmp_path / "site" / "person" / "zz-hostile.html").read_text(encoding="utf-8").split(
        '<script type="application/ld+json">')[1].split("</script>")[0]
    assert json.loads(schema)["description"].startswith("</script>")


def test_a_run_removes_pages_of_people_no_longer_in_the_data(tmp_path, kg_claims):
    out = tmp_path / "site"
    build_site(kg_claims, out)  # the earlier run; its .kg-output marker lists what it wrote (issue 18)
    stale = out / "person" / "zz-gone.html"
    stale.write_text("a page of an earlier run", encoding="utf-8")
    with open(out / ".kg-output", "a", encoding="utf-8") as marker:
        marker.write("person/zz-gone.html\n")
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    build_site(kg_claims, out)
    assert not stale.exists() and (out / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_network_pages_share_one_copy_of_vis_network(site):
    out = site[0]
    shared = out / "assets" / "vis-network.min.js"
    assert shared.stat().st_size > 400_000
    pages = sorted(out.glob("person/*.network.html"))
    assert pages
    for page in pages[:20]:
        text = page.read_text(encoding="utf-8")
        assert '<script src="../assets/vis-network.min.js"></script>' in text
        assert page.stat().st_size < 200_000, f"{page.name} inlines the library again"


def test_disputed_values_show_the_preferred_one_first(tmp_path):
    """A disputed death with mt:preferred: the preferred date first, the other "also given"; without, "A or B"."""
    from kg.display.site import page_html, site_data

    # the fixture prefers the record's date; a copy without that mark shows what a page does with none
    unmarked = tmp_path / "unmarked.ttl"
    unmarked.write_text(FIXTURE.read_text(encoding="utf-8").replace(" mt:preferred true ;", ""), encoding="utf-8")
    plain = site_data(load([paths.ONTOLOGY_FILE, unmarked]))
    delta = "https://w3id.org/moscow-trials/id/person/dmitri-delta"
    assert (plain.people[delta]["died_shown"], plain.people[delta]["died_also"]) == ("1937-02-01 | 1937-02-02", [])
    data = site_data(load([paths.ONTOLOGY_FILE, FIXTURE]))
    person = data.people[delta]
    assert (person["died_shown"], person["died_also"]) == ("1937-02-02", ["1937-02-01"])
    page = page_html(data, delta)
    assert "also given:" in page and page.index("2 February 1937") < page.index("1 February 1937")
    assert 'class="tag" title="the value the best sources support">preferred' in page
    trial = next(t for t in data.trials.values() if any(d["person"] == delta for d in t["defendants"]))
    row = next(d for d in trial["defendants"] if d["person"] == delta)
    assert (row["death_date"], row["death_also"]) == ("1937-02-02", ["1937-02-01"])
