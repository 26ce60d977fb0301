"""The reconciliation service (W3C Reconciliation Service API 0.2, and the newer draft's batch shape).

The requests below follow the shapes of the protocol's own examples: a manifest request; a batch of
keyed queries (``{"q0": {"query": …, "type": …, "limit": …}}``) sent as a GET parameter and as an
OpenRefine-style form POST; a query with ``properties``; a JSON body of ``{"queries": [{"conditions":
[{"matchType": "name", "v": …}]}]}``; JSONP; preview. A client written here talks to the real
server over HTTP on 127.0.0.1.
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.parse
import urllib.request

import pytest

from kg.server.reconcile import ID_SPACE, Entry, NameIndex, build_index, fold, handle, serve, skeleton

SMALL = NameIndex([
    Entry("person/grigory-zinoviev", "Person", "Grigory Zinoviev", ("Григорий Евсеевич Зиновьев", "Зиновьев")),
    Entry("person/lev-kamenev", "Person", "Lev Kamenev", ("Лев Каменев", "Kamenev"), "Bolshevik"),
    Entry("person/sofia-radek", "Person", "Sofia Radek", ()),
    Entry("person/karl-radek", "Person", "Karl Radek", ("Радек",)),
    Entry("trial/1936-sixteen", "Trial", "Trial of the Sixteen", ("Zinoviev–Kamenev trial",)),
    Entry("place/moscow", "Place", "Moscow", ("Москва",)),
    Entry("person/x", "Person", "<script>alert(1)</script>", (), "a & b"),
])


def call(method: str, path: str, params: dict | None = None, body: bytes = b"", index: NameIndex = SMALL):
    status, headers, payload = handle(method, path, params or {}, body, index=index,
                                      base_url="http://127.0.0.1:9/reconcile")
    return status, headers, payload


def as_json(response):
    status, headers, payload = response
    assert headers["Content-Type"].startswith("application/json"), headers
    return status, json.loads(payload)


# ---- the service on a small index: values visible here -------------------------------------------

def test_manifest_has_what_the_protocol_requires():
    status, doc = as_json(call("GET", "/reconcile"))
    assert status == 200
    assert "0.2" in doc["versions"] and doc["name"]
    assert doc["identifierSpace"] == ID_SPACE and doc["schemaSpace"].startswith("https://w3id.org/moscow-trials/")
    assert "{{id}}" in doc["view"]["url"] and doc["view"]["url"].replace("{{id}}", "person/karl-radek") == \
        ID_SPACE + "person/karl-radek"
    assert doc["preview"] == {"url": "http://127.0.0.1:9/reconcile/preview?id={{id}}", "width": 400, "height": 140}
    assert [t["id"] for t in doc["defaultTypes"]] == ["Person", "Trial", "Place"]


def test_a_batch_answers_every_query_by_its_key_best_first():
    queries = {"q0": {"query": "Зиновьев", "type": "Person", "limit": 3},
               "q1": {"query": "Radek"},
               "q2": {"query": "Moskva", "type": ["Place"]},
               "q3": {"query": "kamenev", "type": "https://w3id.org/moscow-trials/ontology#Person",
                      "properties": [{"pid": "born", "v": "1883"}], "type_strict": "should"}}
    status, doc = as_json(call("GET", "/reconcile", {"queries": [json.dumps(queries)]}))
    assert status == 200 and sorted(doc) == ["q0", "q1", "q2", "q3"]
    top = doc["q0"]["result"][0]
    assert top == {"id": "person/grigory-zinoviev", "name": "Grigory Zinoviev",
                   "type": [{"id": "Person", "name": "Person"}], "score": 100.0, "match": True, "description": ""}
    assert all(c["type"][0]["id"] == "Person" for c in doc["q0"]["result"])  # the trial named after him is left out
    radeks = doc["q1"]["result"]
    assert [c["id"] for c in radeks[:2]] == ["person/karl-radek", "person/sofia-radek"]  # a recorded "Радек" is not Latin
    assert not any(c["match"] for c in radeks)  # two people share the surname: nothing is certain
    assert doc["q2"]["result"][0]["id"] == "place/moscow" and doc["q2"]["result"][0]["score"] == 95.0
    assert doc["q3"]["result"][0]["id"] == "person/lev-kamenev" and doc["q3"]["result"][0]["match"] is True


def test_other_romanisations_score_below_recorded_spellings_and_unrelated_names_are_left_out():
    assert skeleton(fold("Sinowjew")) == skeleton(fold("Зиновьев"))
    found = SMALL.search("Sinowjew")
    assert found[0]["id"] == "person/grigory-zinoviev" and found[0]["score"] == 95.0 and found[0]["match"] is False
    assert SMALL.search("Pyatakov") == [] and SMALL.search("   ") == []
    assert len(SMALL.search("Radek", limit=1)) == 1 and SMALL.search("Radek", limit=0) == []


def test_the_same_batch_as_an_openrefine_form_post_and_as_jsonp():
    body = urllib.parse.urlencode({"queries": json.dumps({"a": {"query": "Trial of the Sixteen"}})}).encode()
    status, doc = as_json(call("POST", "/reconcile", {}, body))
    assert status == 200 and doc["a"]["result"][0]["id"] == "trial/1936-sixteen"
    status, headers, payload = call("GET", "/reconcile", {"callback": ["cb"]})
    assert status == 200 and headers["Content-Type"].startswith("application/javascript")
    assert payload.startswith(b"/**/cb(") and json.loads(payload[len(b"/**/cb("):-2])["versions"] == ["0.2"]
    assert call("GET", "/reconcile", {"callback": ["alert(1);x"]})[0] == 400


def test_a_json_batch_in_the_newer_draft_shape():
    body = json.dumps({"queries": [
        {"conditions": [{"matchType": "name", "v": "Lev Kamenev"}]},
        {"conditions": [{"matchType": "name", "propertyValue": "Москва"}], "type": "Place", "limit": 5},
    ]}).encode()
    status, doc = as_json(call("POST", "/reconcile", {}, body))
    assert status == 200 and len(doc["results"]) == 2
    assert doc["results"][0]["candidates"][0]["id"] == "person/lev-kamenev"
    assert [c["id"] for c in doc["results"][1]["candidates"]] == ["place/moscow"]


@pytest.mark.parametrize("method,params,body,status,message", [
    ("GET", {"queries": ["{not json"]}, b"", 400, "bad request"),
    ("GET", {"queries": [json.dumps({"q0": {"query": "x", "type": "Dog"}})]}, b"", 400, "unknown type 'Dog'"),
    ("GET", {"queries": [json.dumps({"q0": {"type": "Person"}})]}, b"", 400, "needs a \\\"query\\\""),
    ("GET", {"queries": [json.dumps({"q0": {"query": "x", "limit": -1}})]}, b"", 400, "limit"),
    ("GET", {"queries": [json.dumps({"q0": {"query": "x" * 501}})]}, b"", 400, "longer than 500"),
    ("POST", {}, b'{"queries": 3}', 400, "\\\"queries\\\" list"),
    ("PUT", {}, b"", 405, "not allowed"),
])
def test_bad_requests_get_an_error_status_and_a_reason(method, params, body, status, message):
    got, headers, payload = call(method, "/reconcile", params, body)
    assert got == status and message in payload.decode(), payload


def test_preview_escapes_every_text_and_says_when_an_id_is_unknown():
    status, headers, payload = call("GET", "/reconcile/preview", {"id": ["person/x"]})
    text = payload.decode()
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert "<script>" not in text and "&lt;script&gt;" in text and "a &amp; b" in text
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    status, _, payload = call("GET", "/reconcile/preview", {"id": ["person/<b>"]})
    assert status == 404 and b"<b>" not in payload


# ---- the real graph ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def real_index(real_kg) -> NameIndex:
    return build_index(real_kg)


def test_the_real_index_holds_people_trials_and_places(real_index):
    kinds = {e.type for e in real_index.entries}
    assert kinds == {"Person", "Trial", "Place"}
    assert sum(e.type == "Trial" for e in real_index.entries) == 10
    assert all(e.id.split("/")[0] in {"person", "trial", "place"} for e in real_index.entries)


@pytest.mark.parametrize("name,expected,certain", [
    ("Зиновьев", "person/grigory-zinoviev", True),
    ("Sinowjew", "person/grigory-zinoviev", False),
    ("Nikolai Bukharin", "person/nikolai-bukharin", True),
    ("Пятаков", "person/georgy-pyatakov", True),
    ("Trial of the Twenty-One", "trial/1938-twenty-one", True),
    ("Hall of Columns", "place/hall-of-columns", True),
])
def test_real_names_in_any_spelling_find_the_right_thing(real_index, name, expected, certain):
    found = real_index.search(name, limit=3)
    assert found and found[0]["id"] == expected, found
    assert found[0]["match"] is certain


# ---- a client over real HTTP -------------------------------------------------------------------

@pytest.fixture(scope="module")
def server():
    started: list = []
    ready = threading.Event()
    def on_ready(listening) -> None:
        started.append(listening)
        ready.set()

    thread = threading.Thread(target=serve, args=(SMALL,), kwargs={"port": 0, "ready": on_ready}, daemon=True)
    thread.start()
    assert ready.wait(10)
    yield f"http://127.0.0.1:{started[0].server_port}/reconcile"
    started[0].shutdown()
    thread.join(10)


FORM_TYPE = "application/x-www-form-urlencoded"


def fetch(url: str, data: bytes | None = None, content_type: str | None = None):
    request = urllib.request.Request(url, data=data, headers={"Content-Type": content_type} if content_type else {})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, response.headers, response.read()


def test_a_client_reconciles_a_column_of_names_over_http(server):
    status, headers, body = fetch(server)
    doc = json.loads(body)
    assert status == 200 and headers["Access-Control-Allow-Origin"] == "*"
    assert doc["preview"]["url"] == server + "/preview?id={{id}}"
    column = ["Зиновьев", "Karl Radek", "Kamenev", "Moscow", "Nobody at all"]
    queries = {f"q{i}": {"query": name, "limit": 3} for i, name in enumerate(column)}
    form = urllib.parse.urlencode({"queries": json.dumps(queries)}).encode()
    status, _, body = fetch(server, form, "application/x-www-form-urlencoded")
    results = json.loads(body)
    linked = {name: next((c["id"] for c in results[f"q{i}"]["result"] if c["match"]), None)
              for i, name in enumerate(column)}
    assert linked == {"Зиновьев": "person/grigory-zinoviev", "Karl Radek": "person/karl-radek",
                      "Kamenev": "person/lev-kamenev", "Moscow": "place/moscow", "Nobody at all": None}
    status, _, body = fetch(server, json.dumps({"queries": [{"conditions": [{"matchType": "name", "v": "Radek"}]}]}).encode(),
                            "application/json")
    assert [c["id"] for c in json.loads(body)["results"][0]["candidates"]][:2] == ["person/karl-radek", "person/sofia-radek"]
    preview_url = doc["preview"]["url"].replace("{{id}}", urllib.parse.quote("person/lev-kamenev"))
    status, headers, body = fetch(preview_url)
    assert status == 200 and b"Lev Kamenev" in body and b"Bolshevik" in body
    with pytest.raises(urllib.error.HTTPError) as error:
        fetch(server + "?queries=%7Bbroken")
    assert error.value.code == 400


# ---- kg serve --reconcile: the same service behind the SPARQL server's gateway --------------------

def test_kg_serve_reconcile_answers_beside_sparql(tmp_path):
    import os
    import re
    import subprocess
    import sys

    from kg import paths

    env = dict(os.environ, KG_BUILD_DIR=str(tmp_path / "build"), PYTHONPATH=str(paths._PACKAGE_DIR.parent))
    process = subprocess.Popen([sys.executable, "-m", "kg", "serve", "--reconcile", "--port", "0"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines = []
        for line in process.stdout:  # the banner ends with "Ctrl-C stops it."
            lines.append(line)
            if "Ctrl-C" in line:
                break
        banner = "".join(lines)
        service = re.search(r"reconcile \(OpenRefine\): (http://127\.0\.0\.1:\d+/reconcile)", banner).group(1)
        status, _, body = fetch(service)
        assert status == 200 and json.loads(body)["preview"]["url"] == service + "/preview?id={{id}}"
        form = urllib.parse.urlencode({"queries": json.dumps({"q0": {"query": "Бухарин", "type": "Person"}})}).encode()
        status, _, body = fetch(service, form, "application/x-www-form-urlencoded; charset=UTF-8")
        top = json.loads(body)["q0"]["result"][0]
        assert (top["id"], top["match"]) == ("person/nikolai-bukharin", True)
        status, _, body = fetch(service + "/preview?id=person%2Fnikolai-bukharin")
        assert b"Nikolai Bukharin" in body
        sparql = service.replace("/reconcile", "/query?query=" + urllib.parse.quote("ASK { ?s ?p ?o }"))
        assert json.loads(fetch(sparql)[2])["boolean"] is True  # the SPARQL endpoint is still there
        status, headers, page = fetch(service.replace("/reconcile", "/"))  # Oxigraph's query editor, offline
        assert status == 200 and headers["Content-Type"].startswith("text/html") and b"yasgui.min.js" in page
        assert fetch(service.replace("/reconcile", "/yasgui.min.js"))[0] == 200
        editor_query = urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }"}).encode()  # where the editor sends it
        assert json.loads(fetch(service.replace("/reconcile", "/sparql"), editor_query, FORM_TYPE)[2])["boolean"] is True
        with pytest.raises(urllib.error.HTTPError) as error:  # the gateway still reads strictly
            fetch(service + "?queries=a&queries=b")
        assert error.value.code == 400
    finally:
        process.terminate()
        process.wait(30)
