"""A versioned, citable, self-checking release bundle: ``kg release -o DIR --version V``.

The bundle holds the graph in three serialisations, the two layered exports (facts only, claims only), CSV
answers to every question that needs no parameter, the overview network as GraphML and as an offline page,
the static site (:mod:`kg.display.site`), the validation report, a VoID description whose counts are computed from the
graph with SPARQL (``dataset-statistics``, ``class-partitions``, ``property-partitions``), ``CITATION.cff``,
the data licence, and ``SHA256SUMS`` in the format ``sha256sum -c SHA256SUMS`` checks.

Nothing is released unless the graph validates. The bundle is assembled in a hidden sibling folder and renamed
into place at the end (every file in it is itself written atomically), so a failed run leaves the previous
release, if any, untouched.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kg import paths
from kg.atomic import write_text_atomic
from kg.errors import KGError

__all__ = ["DATA_LICENCE", "ReleaseResult", "checksums", "citation_cff", "release", "void_description"]

Progress = Callable[[str], None]

#: The licence of the data (``LICENSE-DATA``): stated in the VoID description and in CITATION.cff.
DATA_LICENCE = "https://creativecommons.org/licenses/by/4.0/"
DATA_LICENCE_SPDX = "CC-BY-4.0"
TITLE = "The Moscow Trials Knowledge Graph"
AUTHORS = "Moscow Trials Knowledge Graph contributors"  # as LICENSE and LICENSE-DATA say to attribute
ABSTRACT = ("An open, sourced knowledge graph of the Soviet show trials of 1928-1938: the people, the trials, "
            "what they were accused of, who testified against whom, what became of them, and where the "
            "accusations were false. Every accusation is stored as a claim with its status; every statement "
            "cites its source.")
KEYWORDS = ("Moscow trials", "Soviet history", "show trials", "political repression", "knowledge graph", "RDF",
            "linked data")
#: The dataset's IRI in the VoID description (the project's IRI base) and the space its entities' IRIs live in.
DATASET_IRI = "https://w3id.org/moscow-trials/"
URI_SPACE = "https://w3id.org/moscow-trials/id/"
_VERSION = re.compile(r"[0-9A-Za-z][0-9A-Za-z.+_-]{0,63}")


@dataclass
class ReleaseResult:
    """What :func:`release` wrote: the folder, the version, the files, the VoID counts, the size and the time."""

    out_dir: Path
    version: str
    date: str
    files: list[Path] = field(default_factory=list)
    statistics: dict[str, int] = field(default_factory=dict)
    site_pages: int = 0
    bytes: int = 0
    seconds: float = 0.0


def _release_date(date: dt.date | str | None) -> str:
    """Return the release date: *date*, else ``SOURCE_DATE_EPOCH`` (reproducible builds), else today."""
    if isinstance(date, dt.date):
        return date.isoformat()
    if date:
        return dt.date.fromisoformat(date).isoformat()
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC).date().isoformat()
    return dt.date.today().isoformat()


def citation_cff(version: str, date: str | None = None) -> str:
    """Return ``CITATION.cff`` (Citation File Format 1.2.0) for the dataset at *version*, released on *date*.

    The repository's own ``CITATION.cff`` is this text without a date (a test keeps the two in step). No
    ``repository-code`` or DOI is written: none is known yet, and a guessed one would mislead.

    Examples
    --------
    >>> text = citation_cff("1.0.0", "2026-11-25")
    >>> "cff-version: 1.2.0" in text, 'version: "1.0.0"' in text, "date-released: 2026-11-25" in text
    (True, True, True)
    """
    lines = [
        "# Citation File Format (https://citation-file-format.github.io/): how to cite this dataset.",
        "# The data (graph_data/, ontology/ and everything generated from them) is licensed CC BY 4.0 (LICENSE-DATA);",
        "# the code (kg/) is MIT (LICENSE).",
        "cff-version: 1.2.0",
        'message: "If you use this data, please cite it as below, with the version you used."',
        "type: dataset",
        f'title: "{TITLE}"',
        "authors:",
        f'  - name: "{AUTHORS}"',
        f'version: "{version}"',
    ]
    if date:
        lines.append(f"date-released: {date}")
    lines += [
        f"license: {DATA_LICENCE_SPDX}",
        "abstract: >-",
        *[f"  {line}" for line in _wrap(ABSTRACT, 100)],
        "keywords:",
        *[f'  - "{keyword}"' for keyword in KEYWORDS],
    ]
    return "\n".join(lines) + "\n"


def _wrap(text: str, width: int) -> list[str]:
    import textwrap

    return textwrap.wrap(text, width=width)


def void_description(kg: Any, *, version: str, date: str) -> tuple[str, dict[str, int]]:
    """Return the VoID description of *kg* as Turtle, and its counts (``triples``, ``entities`` …).

    Every number is computed from the graph by a named question: ``dataset-statistics`` (void:triples,
    void:entities, void:classes, void:properties, void:distinctSubjects, void:distinctObjects),
    ``class-partitions`` and ``property-partitions``. ``void:dataDump`` is left out: the bundle's files are listed
    in SHA256SUMS, and no address to download them from is known yet.
    """
    from rdflib import BNode, Graph, Literal, Namespace, URIRef
    from rdflib.namespace import DCTERMS, OWL, RDF, XSD

    from kg.sparql.questions import run_query

    void = Namespace("http://rdfs.org/ns/void#")
    formats = Namespace("http://www.w3.org/ns/formats/")
    row = run_query(kg, "dataset-statistics").records()[0]
    statistics = {name: int(row[name]) for name in
                  ("triples", "entities", "classes", "properties", "distinct_subjects", "distinct_objects")}
    out = Graph()
    for prefix, namespace in (("void", void), ("dcterms", DCTERMS), ("owl", OWL), ("xsd", XSD),
                              ("mt", "https://w3id.org/moscow-trials/ontology#")):
        out.bind(prefix, namespace)
    dataset = URIRef(DATASET_IRI)
    out.add((dataset, RDF.type, void.Dataset))
    out.add((dataset, DCTERMS.title, Literal(TITLE, lang="en")))
    out.add((dataset, DCTERMS.description, Literal(ABSTRACT, lang="en")))
    out.add((dataset, DCTERMS.license, URIRef(DATA_LICENCE)))
    out.add((dataset, DCTERMS.issued, Literal(date, datatype=XSD.date)))
    out.add((dataset, OWL.versionInfo, Literal(version)))
    out.add((dataset, void.uriSpace, Literal(URI_SPACE)))
    out.add((dataset, void.vocabulary, URIRef("https://w3id.org/moscow-trials/ontology#")))
    for name in ("Turtle", "N-Triples", "JSON-LD"):
        out.add((dataset, void.feature, formats[name]))
    for key, prop in (("triples", void.triples), ("entities", void.entities), ("classes", void.classes),
                      ("properties", void.properties), ("distinct_subjects", void.distinctSubjects),
                      ("distinct_objects", void.distinctObjects)):
        out.add((dataset, prop, Literal(statistics[key], datatype=XSD.integer)))
    # Blank nodes named by the partition (not random ids): the serialiser orders inlined blank nodes by their
    # ids, so random ones gave a void.ttl that changed from run to run (issue 14).
    for record in run_query(kg, "class-partitions").records():
        part = BNode("class-" + hashlib.sha256(record["class"].encode()).hexdigest()[:16])
        out.add((dataset, void.classPartition, part))
        out.add((part, void["class"], URIRef(record["class"])))
        out.add((part, void.entities, Literal(int(record["entities"]), datatype=XSD.integer)))
    for record in run_query(kg, "property-partitions").records():
        part = BNode("property-" + hashlib.sha256(record["property"].encode()).hexdigest()[:16])
        out.add((dataset, void.propertyPartition, part))
        out.add((part, void.property, URIRef(record["property"])))
        out.add((part, void.triples, Literal(int(record["triples"]), datatype=XSD.integer)))
    header = (f"# VoID description of {TITLE} {version} ({date}), computed from the graph by `kg release`.\n"
              f"# Data licence: CC BY 4.0 ({DATA_LICENCE}).\n")
    return header + out.serialize(format="turtle"), statistics


def checksums(folder: Path, *, exclude: str = "SHA256SUMS") -> str:
    """Return ``SHA256SUMS`` for every file under *folder* (but *exclude*), in ``sha256sum`` format, sorted.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "a.txt").write_text("a\\n")
    >>> checksums(folder)
    '87428fc522803d31065e7bce3cf03fe475096631e5e07bbd7a0fde60c4cf25c7  a.txt\\n'
    """
    lines = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        name = path.relative_to(folder).as_posix()
        if name == exclude:
            continue
        if "\n" in name or "\\" in name:
            raise KGError(f"{path}: a file name with a newline or a backslash cannot be listed in {exclude}")
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        lines.append(f"{digest.hexdigest()}  {name}\n")
    return "".join(lines)


def _readme(version: str, date: str, statistics: dict[str, int], tables: list[str], site_pages: int) -> str:
    table_list = ", ".join(f"`{name}`" for name in tables)
    return f"""# {TITLE} {version}

Released {date}. Data licence: CC BY 4.0 (`LICENSE-DATA`); cite it as `CITATION.cff` says.
{statistics['triples']} triples about {statistics['entities']} entities (counts in `void.ttl`).

| file | what it is |
| --- | --- |
| `moscow-trials.ttl`, `.nt`, `.jsonld` | the whole graph: ontology, sourced statements, derived layers |
| `moscow-trials.established.ttl` | facts only: entities and direct triples derived from Established statements |
| `moscow-trials.alleged.ttl` | claims only: the prosecution's charges and the claims that carry them |
| `tables/*.csv` | answers to the named questions that need no parameter: {table_list} |
| `moscow-trials.overview.graphml` | the overview network (people, trials, roles, testimony) for Gephi, Cytoscape, yEd |
| `network.html` | the same network as one offline page |
| `site/index.html` | the browsable site: {site_pages} pages (one per person and per trial) with JSON-LD documents; \
open it from disk |
| `validation.txt` | the validation report (SHACL shapes and checks) of this version |
| `void.ttl` | the VoID description: licence, version, counts computed from the graph |
| `CITATION.cff` | how to cite this version |
| `SHA256SUMS` | checksums of every file: run `sha256sum -c SHA256SUMS` in this folder |

Claims are not facts here: every accusation is a claim made by a named person at a named trial, with a status
(alleged, fabricated); only sourced, established statements are in the fact layer.
"""


def _default_out(version: str) -> Path:
    return paths.build_dir() / "release" / f"moscow-trials-{version}"


def release(
    out_dir: str | Path | None = None,
    *,
    version: str | None = None,
    date: dt.date | str | None = None,
    progress: Progress | None = None,
) -> ReleaseResult:
    """Return what was released: the bundle for *version* in *out_dir* (default ``build/release/moscow-trials-V``).

    *version* defaults to the package version; *date* to ``SOURCE_DATE_EPOCH`` or today. Raises
    :class:`~kg.errors.ValidationFailed` if the graph does not validate (nothing is written), and
    :class:`~kg.errors.KGError` if *out_dir* exists and is not a release folder (it is never overwritten).
    """
    from kg import __version__
    from kg.display.network import project
    from kg.display.site import build_site
    from kg.outputs.builder import build
    from kg.sparql.questions import list_questions, run_query

    start = time.perf_counter()
    say = progress or (lambda _m: None)
    version = version or __version__
    if not _VERSION.fullmatch(version):
        raise KGError(f"version {version!r} must be letters, digits and . + _ - (e.g. 1.0.0 or 2026.11)")
    released = _release_date(date)
    out = Path(out_dir) if out_dir is not None else _default_out(version)
    from kg.atomic import release_folder_check

    release_folder_check(out)  # new, empty, or exactly an earlier release (its SHA256SUMS lists every file)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = out.parent / f".{out.name}.partial-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        from kg.atomic import OUTPUT_MARKER

        built = build(staging, progress=say)  # validates first: raises ValidationFailed before writing anything
        (staging / ".lock").unlink(missing_ok=True)  # the build's lock file: the staging folder is ours alone
        kg = built.kg
        tables = [q.name for q in list_questions() if not any(p.required for p in q.params)]
        for name in tables:
            write_text_atomic(staging / "tables" / f"{name}.csv", run_query(kg, name).to_csv())
        say(f"answered {len(tables)} questions as CSV tables")
        from kg.outputs.graph_exports import write_graph

        net = project(kg, view="overview")
        write_graph(net, staging / "moscow-trials.overview.graphml")
        say(f"wrote the overview network as GraphML ({net.number_of_nodes()} nodes)")
        site = build_site(kg, staging / "site", progress=say)
        (staging / "site" / OUTPUT_MARKER).unlink(missing_ok=True)  # the release ships no dot-file
        say(f"wrote the site: {site.summary()}")
        write_text_atomic(staging / "validation.txt",
                          f"Validation of {TITLE} {version} ({released})\n{built.report}\n")
        void_text, statistics = void_description(kg, version=version, date=released)
        write_text_atomic(staging / "void.ttl", void_text)
        write_text_atomic(staging / "CITATION.cff", citation_cff(version, released))
        licence = paths.REPO_ROOT / "LICENSE-DATA"
        if licence.is_file():
            write_text_atomic(staging / "LICENSE-DATA", licence.read_text(encoding="utf-8"))
        write_text_atomic(staging / "README.md", _readme(version, released, statistics, tables, site.pages))
        write_text_atomic(staging / "SHA256SUMS", checksums(staging))
        say("wrote void.ttl, CITATION.cff and SHA256SUMS")
        _swap_into_place(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    files = sorted(p for p in out.rglob("*") if p.is_file())
    return ReleaseResult(out_dir=out, version=version, date=released, files=files, statistics=statistics,
                         site_pages=site.pages, bytes=sum(p.stat().st_size for p in files),
                         seconds=time.perf_counter() - start)


def _swap_into_place(staging: Path, out: Path) -> None:
    """Rename the finished *staging* folder to *out*, replacing an earlier release there."""
    if out.exists():
        old = out.parent / f".{out.name}.old-{os.getpid()}"
        out.rename(old)
        staging.rename(out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        staging.rename(out)
