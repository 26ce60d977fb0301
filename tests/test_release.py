"""`kg release`: a versioned bundle that checks itself (VoID counts = the graph's, checksums verify)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import networkx as nx
import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF

import kg
from kg import paths
from kg.graph.loader import load
from kg.outputs.release import DATA_LICENCE, URI_SPACE, checksums, citation_cff
from kg.sparql.questions import run_query

from .conftest import FIXTURE, environment, run_kg

VOID = Namespace("http://rdfs.org/ns/void#")
VERSION = "9.9.9-test"


#: Reproducible builds: the release date comes from SOURCE_DATE_EPOCH (here 2026-01-01), never from the clock.
EPOCH = "1767225600"


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory) -> Path:
    """One copy of the data for every release of this module: "the same commit", even while curators edit."""
    root = tmp_path_factory.mktemp("data")
    shutil.copytree(paths.ONTOLOGY_DIR, root / "ontology")
    shutil.copytree(paths.GRAPH_DATA_DIR, root / "graph_data")
    if (paths.REPO_ROOT / "LICENSE-DATA").is_file():
        shutil.copy(paths.REPO_ROOT / "LICENSE-DATA", root / "LICENSE-DATA")
    return root


def _release(out: Path, root: Path) -> subprocess.CompletedProcess[str]:
    with environment("SOURCE_DATE_EPOCH", EPOCH):
        return run_kg("release", "-o", str(out), "--version", VERSION, root=root, build=out.parent / "build",
                      timeout=600)


@pytest.fixture(scope="module")
def bundle(tmp_path_factory, snapshot) -> tuple[Path, str]:
    """The release written by `kg release -o DIR --version V` (once for the module), and what the CLI printed."""
    out = tmp_path_factory.mktemp("release") / f"moscow-trials-{VERSION}"
    done = _release(out, snapshot)
    assert done.returncode == 0, done.stderr
    return out, done.stdout


def test_two_releases_of_the_same_commit_are_byte_identical(bundle, snapshot, tmp_path):
    """Issue 14.5: two `kg release` runs with the same SOURCE_DATE_EPOCH differed in 25 files and SHA256SUMS."""
    again = tmp_path / f"moscow-trials-{VERSION}"
    done = _release(again, snapshot)
    assert done.returncode == 0, done.stderr
    first = (bundle[0] / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    second = (again / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    differ = sorted(set(first) ^ set(second))
    assert not differ, f"{len(differ)} lines of SHA256SUMS differ, e.g. {differ[:6]}"


@pytest.fixture(scope="module")
def released_graph(bundle) -> Graph:
    """The graph the release ships, read back from its N-Triples."""
    return Graph().parse(bundle[0] / "moscow-trials.nt", format="nt")


def test_the_bundle_holds_every_part(bundle):
    out, stdout = bundle
    for name in ("moscow-trials.ttl", "moscow-trials.nt", "moscow-trials.jsonld", "moscow-trials.established.ttl",
                 "moscow-trials.alleged.ttl", "moscow-trials.overview.graphml", "network.html", "validation.txt",
                 "void.ttl", "CITATION.cff", "SHA256SUMS", "LICENSE-DATA", "README.md", "site/index.html",
                 "site/person/grigory-zinoviev.html", "site/person/grigory-zinoviev.jsonld",
                 "site/trial/1936-sixteen.html", "tables/defendants.csv", "tables/trials.csv", "tables/timeline.csv"):
        assert (out / name).is_file(), name
    assert "no violation" in (out / "validation.txt").read_text(encoding="utf-8")
    assert f"released version {VERSION}" in stdout and "sha256sum -c SHA256SUMS" in stdout
    parameter_free = {q.name for q in kg.list_questions() if not any(p.required for p in q.params)}
    assert {p.stem for p in (out / "tables").glob("*.csv")} == parameter_free
    assert not list(out.parent.glob(".*partial*"))  # the staging folder was renamed into place
    assert not [p for p in out.rglob(".*")]  # no lock or temporary file is shipped


def test_void_counts_equal_the_graph(bundle, released_graph):
    """Every VoID number, recounted here in Python from the released N-Triples."""
    out, _ = bundle
    void = Graph().parse(out / "void.ttl", format="turtle")
    dataset = void.value(predicate=RDF.type, object=VOID.Dataset)
    assert dataset is not None

    def number(prop):  # type: ignore[no-untyped-def]
        return int(void.value(dataset, prop))

    g = released_graph
    subjects, objects = set(g.subjects()), set(g.objects())
    assert number(VOID.triples) == len(g) > 20000
    assert number(VOID.distinctSubjects) == len(subjects)
    assert number(VOID.distinctObjects) == len(objects)
    assert number(VOID.properties) == len(set(g.predicates()))
    assert number(VOID.classes) == len(set(g.objects(None, RDF.type)))
    assert number(VOID.entities) == len({s for s in subjects if isinstance(s, URIRef) and str(s).startswith(URI_SPACE)})
    partitions = {void.value(p, VOID["class"]): int(void.value(p, VOID.entities))
                  for p in void.objects(dataset, VOID.classPartition)}
    assert partitions == {c: len(set(g.subjects(RDF.type, c))) for c in set(g.objects(None, RDF.type))}
    person = URIRef("https://w3id.org/moscow-trials/ontology#Person")
    assert partitions[person] == len(list((out / "site" / "person").glob("*.jsonld")))
    properties = {void.value(p, VOID.property): int(void.value(p, VOID.triples))
                  for p in void.objects(dataset, VOID.propertyPartition)}
    assert properties == {p: len(list(g.triples((None, p, None)))) for p in set(g.predicates())}
    assert void.value(dataset, DCTERMS.license) == URIRef(DATA_LICENCE)
    assert DATA_LICENCE in (paths.REPO_ROOT / "LICENSE-DATA").read_text(encoding="utf-8")
    assert str(void.value(dataset, URIRef("http://www.w3.org/2002/07/owl#versionInfo"))) == VERSION


def test_dataset_questions_on_a_small_graph():
    """The three questions behind the VoID counts, on the fixture, against counts made by hand in Python."""
    small = load([paths.ONTOLOGY_FILE, FIXTURE])
    stats = run_query(small, "dataset-statistics").records()[0]
    g = small.graph
    assert stats["triples"] == len(g)
    assert stats["distinct_subjects"] == len(set(g.subjects()))
    assert stats["properties"] == len(set(g.predicates()))
    classes = {r["class"]: r["entities"] for r in run_query(small, "class-partitions").records()}
    assert classes["https://w3id.org/moscow-trials/ontology#Person"] == 6
    assert classes["https://w3id.org/moscow-trials/ontology#Trial"] == 2
    properties = {r["property"]: r["triples"] for r in run_query(small, "property-partitions").records()}
    assert sum(properties.values()) == len(g)


def test_checksums_verify_and_a_tampered_file_fails(bundle):
    out, _ = bundle
    sums = (out / "SHA256SUMS").read_text(encoding="utf-8")
    listed = {line.split("  ", 1)[1] for line in sums.splitlines()}
    on_disk = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()} - {"SHA256SUMS"}
    assert listed == on_disk
    assert all(re.fullmatch(r"[0-9a-f]{64}  \S.*", line) for line in sums.splitlines())
    sha256sum = shutil.which("sha256sum")
    if sha256sum is None:
        pytest.skip("sha256sum (GNU coreutils) is not installed")
    good = subprocess.run([sha256sum, "-c", "--quiet", "SHA256SUMS"], cwd=out, capture_output=True, text=True)
    assert good.returncode == 0, good.stdout + good.stderr
    victim = out / "site" / "person" / "grigory-zinoviev.jsonld"
    original = victim.read_bytes()
    try:
        victim.write_bytes(original.replace(b"Zinoviev", b"Zinovjev", 1))
        bad = subprocess.run([sha256sum, "-c", "--quiet", "SHA256SUMS"], cwd=out, capture_output=True, text=True)
        assert bad.returncode != 0
        assert "site/person/grigory-zinoviev.jsonld: FAILED" in bad.stdout
    finally:
        victim.write_bytes(original)
    assert checksums(out) == sums  # and the library's own listing agrees with what was shipped


def test_citation_file_names_version_date_and_licence(bundle):
    out, _ = bundle
    text = (out / "CITATION.cff").read_text(encoding="utf-8")
    fields = dict(re.findall(r"^([a-z-]+): (.+)$", text, re.M))
    assert fields["cff-version"] == "1.2.0"
    assert fields["version"] == f'"{VERSION}"'
    assert fields["date-released"] == "2026-01-01"  # from SOURCE_DATE_EPOCH
    assert fields["license"] == "CC-BY-4.0"
    assert fields["title"] == '"The Moscow Trials Knowledge Graph"'
    assert "repository-code" not in text and "doi" not in text  # unknown: left out, not invented
    assert "authors:\n  - name: " in text


def test_the_repository_citation_file_matches_the_package():
    """The CITATION.cff at the root is what the library writes for the package version, without a date."""
    root = (paths.REPO_ROOT / "CITATION.cff").read_text(encoding="utf-8")
    assert root == citation_cff(kg.__version__)
    pyproject = (paths.REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert f'version = "{kg.__version__}"' in pyproject


def test_graphml_has_the_overview_with_plain_string_attributes(bundle):
    out, _ = bundle
    net = nx.read_graphml(out / "moscow-trials.overview.graphml")
    assert net.number_of_nodes() > 100 and net.number_of_edges() > 100
    zinoviev = net.nodes["https://w3id.org/moscow-trials/id/person/grigory-zinoviev"]
    assert zinoviev["label"] == "Grigory Zinoviev" and "Зиновьев" in zinoviev["alt_labels"]
    # the page's drawing (seeded position, size, colour) is numeric; every other attribute is a plain string
    drawing = {"x", "y", "size", "r", "g", "b"}
    assert all(isinstance(v, str) for _, attrs in net.nodes(data=True) for k, v in attrs.items() if k not in drawing)
    assert all(isinstance(v, int | float) for _, attrs in net.nodes(data=True) for k, v in attrs.items() if k in drawing)


def test_the_released_serialisations_are_the_same_graph(bundle, released_graph):
    out, _ = bundle
    turtle = Graph().parse(out / "moscow-trials.ttl", format="turtle")
    assert len(turtle) == len(released_graph)
    established = Graph().parse(out / "moscow-trials.established.ttl", format="turtle")
    alleged_property = URIRef("https://w3id.org/moscow-trials/ontology#allegedlyGuiltyOf")
    assert (None, alleged_property, None) not in established
    assert (None, alleged_property, None) in Graph().parse(out / "moscow-trials.alleged.ttl", format="turtle")
    assert (URIRef("https://w3id.org/moscow-trials/id/person/grigory-zinoviev"), None,
            Literal("Grigory Zinoviev", lang="en")) in released_graph


def test_release_refuses_a_folder_that_is_not_a_release(tmp_path):
    mine = tmp_path / "my-notes"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me", encoding="utf-8")
    done = run_kg("release", "-o", str(mine))
    assert done.returncode == 1
    assert "is not a release folder" in done.stderr
    assert [p.name for p in mine.iterdir()] == ["notes.txt"]
    assert run_kg("release", "-o", str(tmp_path / "x"), "--version", "../evil").returncode == 1


def test_nothing_is_released_from_an_invalid_graph(data_copy: Path, tmp_path: Path):
    (data_copy / "graph_data" / "people" / "zz-nameless.ttl").write_text(
        "@prefix mt: <https://w3id.org/moscow-trials/ontology#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "<https://w3id.org/moscow-trials/id/person/zz> a mt:Person ; rdfs:label \"ZZ\"@en .\n", encoding="utf-8")
    out = tmp_path / "release"
    done = run_kg("release", "-o", str(out), root=data_copy)
    assert done.returncode == 4
    assert "Russian label" in done.stderr
    assert not out.exists() and not list(tmp_path.glob(".release*"))
