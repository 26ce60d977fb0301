"""Validate the graph: SHACL Core shapes (pySHACL) plus the ``*-violation.rq`` checks.

A check is a SPARQL SELECT returning ``?focus`` and ``?message``; any row is a violation. Keeping
global checks out of SHACL-SPARQL keeps pySHACL on its fast path (see design/PERFORMANCE.md).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SH

from kg import paths
from kg.graph.loader import KnowledgeGraph, parse_turtle_file

__all__ = ["ValidationReport", "Violation", "check_files", "start_validation", "validate"]


@dataclass(frozen=True)
class Violation:
    """One problem: which rule, which node, what is wrong, and the file that defines the node."""

    rule: str
    focus: str
    message: str
    file: str = ""

    def __str__(self) -> str:
        where = f"{self.file}: " if self.file else ""
        return f"{where}{self.focus}: {self.message} [{self.rule}]"


@dataclass
class ValidationReport:
    """All violations found; ``conforms`` is true when there are none."""

    violations: list[Violation] = field(default_factory=list)
    shapes_checked: int = 0
    checks_run: int = 0

    @property
    def conforms(self) -> bool:
        return not self.violations

    def __str__(self) -> str:
        if self.conforms:
            return f"valid: {self.shapes_checked} shapes and {self.checks_run} checks, no violation"
        lines = [f"{len(self.violations)} violation(s):"]
        lines += [f"  {v}" for v in sorted(self.violations, key=lambda v: (v.file, v.focus, v.rule))]
        return "\n".join(lines)


def check_files(directory: Path | None = None) -> list[Path]:
    """Return the quality-check queries (``*-violation.rq``), in name order."""
    from kg.sparql import registry

    return [f.path for f in registry.files("check", directory)]


def _short(node: object, graph: Graph) -> str:
    try:
        return graph.namespace_manager.normalizeUri(node) if isinstance(node, URIRef) else str(node)
    except Exception:  # normalizeUri can fail on odd IRIs: fall back to the full form
        return str(node)


def _shape_name(shape: object, shapes: Graph, focus: object, data: Graph) -> str:
    """Return ``mts:NodeShape`` or ``mts:NodeShape mts:PropertyShape`` for a result's source shape.

    A named property shape can be shared by several node shapes: the one whose target class the
    focus node belongs to is named.
    """
    from rdflib.namespace import RDFS

    parts = []
    parents = list(shapes.subjects(SH.property, shape))  # type: ignore[arg-type]
    classes = {c for t in data.objects(focus, RDF.type) for c in data.transitive_objects(t, RDFS.subClassOf)}  # type: ignore[arg-type]
    matching = [p for p in parents if set(shapes.objects(p, SH.targetClass)) & classes]
    parent = (matching or parents or [None])[0]
    if parent is not None:
        parts.append(_short(parent, shapes) if isinstance(parent, URIRef) else "shape")
    if isinstance(shape, URIRef):
        parts.append(_short(shape, shapes))
    return " ".join(parts) or "shape"


def _shacl_violations(kg: KnowledgeGraph, shapes: Graph) -> list[Violation]:
    from pyshacl import validate as shacl_validate

    _conforms, results, _text = shacl_validate(
        kg.graph, shacl_graph=shapes, inference="none", advanced=False, allow_warnings=True
    )
    found = []
    parsed: dict[Path, Graph] = {}
    for result in results.subjects(RDF.type, SH.ValidationResult):
        focus = results.value(result, SH.focusNode)
        path = results.value(result, SH.resultPath)
        message = results.value(result, SH.resultMessage)
        shape = results.value(result, SH.sourceShape)
        value = results.value(result, SH.value)
        text = str(message) if message else "violates a shape"
        if path is not None and not str(path).startswith("n"):
            text = f"{_short(path, kg.graph)}: {text}"
        if value is not None and value != focus:
            text += f" (value: {_short(value, kg.graph)})"
        rule = _shape_name(shape, shapes, focus, kg.graph)
        file = kg.file_of(focus)
        where = str(file or "")
        if results.value(result, SH.sourceConstraintComponent) == SH.ClosedConstraintComponent:
            # a property no data file may give this kind of entity: name the line that gives it
            where = _where(kg, file, focus, path, value, parsed)
        found.append(Violation(f"shacl {rule}", _short(focus, kg.graph), text, where))
    return found


def _check_violations(kg: KnowledgeGraph, checks: Iterable[Path]) -> list[Violation]:
    from kg.sparql.engine import query

    found = []
    for path in checks:
        rule = path.stem
        # On Oxigraph (kg.sparql.engine): rdflib's engine does not reorder joins, and the checks join a lot.
        for row in query(kg.graph, path.read_text(encoding="utf-8"), name=str(path)).records():
            focus = row["focus"]
            file = kg.file_of(focus)
            found.append(Violation(rule, _short(focus, kg.graph), str(row.get("message", "")), str(file or "")))
    return found


def _layer_leaks(kg: KnowledgeGraph) -> list[Violation]:
    """Return violations for anything of the prosecution's world found in the established layer.

    The layer read is the whole facts-only export (:func:`kg.outputs.exports.layer_graph`: the curated entity
    triples as well as the derived ones), so a hand-typed triple is caught as surely as a faulty rule.
    The alleged-only properties are those the ``alleged-*.rq`` rules write (read from the rules).
    """
    from kg.graph.derive import alleged_only
    from kg.namespaces import MT
    from kg.outputs.exports import layer_graph

    if kg.layers.get("established") is None:
        return []
    established = layer_graph(kg, "established")
    only_alleged = alleged_only()
    claims = {s for s, status in kg.graph.subject_objects(MT.status) if status != MT.Established}
    found = []
    parsed: dict[Path, Graph] = {}
    for s, p, o in established:
        if p in only_alleged or s in claims or o in claims:
            file = kg.file_of(s)
            found.append(Violation("alleged-leak", _short(s, kg.graph),
                                   f"the established layer holds an allegation: {_short(p, kg.graph)} {_short(o, kg.graph)}",
                                   _where(kg, file, s, p, o, parsed)))
    return found


def _where(kg: KnowledgeGraph, file: Path | None, s: object, p: object, o: object,
           parsed: dict[Path, Graph] | None = None) -> str:
    """Return ``file:line`` of the data file that writes the triple ``s p o``, else *file* (or "").

    Only files that mention the subject's and the predicate's local names are parsed, each once per
    *parsed* cache: violations are few, and this runs only for them.
    """
    from kg.graph.loader import line_of_triple

    parsed = {} if parsed is None else parsed

    candidates = [f for f in ([file] if file else []) + [f for f in kg.files if f != file]
                  if f is not None and paths.ONTOLOGY_DIR not in f.resolve().parents]
    local = [str(term).rstrip("/#").rsplit("/", 1)[-1].rsplit("#", 1)[-1] for term in (s, p)]
    for path in candidates:
        text = path.read_text(encoding="utf-8", errors="replace")
        if not all(name in text for name in local):
            continue
        if path not in parsed:
            try:
                parsed[path] = parse_turtle_file(path)
            except Exception:  # noqa: BLE001 - a file that no longer parses cannot be the one
                parsed[path] = Graph()
        if (s, p, o) in parsed[path]:
            line = line_of_triple(path, s, p, o)  # type: ignore[arg-type]
            return f"{path}:{line}" if line else str(path)
    return str(file or "")


def _closed_shapes_accept_derived(shapes: Graph, kg: KnowledgeGraph) -> Graph:
    """Return *shapes* with the build's own properties added to every closed shape's allowed list.

    pySHACL sees the merged graph, where the derived triples (``mt:defendantIn`` …) sit on the same
    entities as the curated ones. The loader refuses those properties in any data file, so in the
    merged graph they can only come from the derivation rules: a closed shape lets them pass and keeps
    its list to what a curator may write. The properties are read from the ontology, never listed here.
    """
    from rdflib.collection import Collection

    from kg.graph.derive import DATE_BOUND_PROPERTIES
    from kg.namespaces import MT

    written = set(kg.graph.subjects(RDF.type, MT.DerivedProperty)) | set(DATE_BOUND_PROPERTIES)
    for shape in list(shapes.subjects(SH.closed, None)):
        head = shapes.value(shape, SH.ignoredProperties)
        if head is None:
            continue
        allowed = Collection(shapes, head)
        for prop in sorted(written - set(allowed)):
            allowed.append(prop)
    return shapes


def validate(
    kg: KnowledgeGraph,
    *,
    shapes_file: Path | None = None,
    checks: Iterable[Path] | None = None,
) -> ValidationReport:
    """Return the validation report of *kg* against the shapes and the violation checks."""
    return start_validation(kg, shapes_file=shapes_file, checks=checks, background=False)()


def start_validation(
    kg: KnowledgeGraph,
    *,
    shapes_file: Path | None = None,
    checks: Iterable[Path] | None = None,
    background: bool = True,
) -> Callable[[], ValidationReport]:
    """Start validating *kg*; return a function that waits for the report and returns it.

    pySHACL is pure Python and the slowest step of a build (~0.8 s on the curated graph). With
    *background* (and ``os.fork`` at hand) it runs in a forked child — which sees the graph as it
    is now, copy-on-write, without pickling it — while the caller prepares its outputs on the
    other core; the checks and the layer test run here meanwhile. If the child fails for any
    reason, the shapes are checked again in this process: the report is the same either way.
    """
    shapes = _closed_shapes_accept_derived(parse_turtle_file(shapes_file or paths.SHAPES_FILE), kg)
    checks = list(check_files() if checks is None else checks)
    from rdflib.plugins.stores.memory import Memory

    walked = kg
    if not isinstance(kg.graph.store, Memory):
        # pySHACL walks the graph triple by triple: it reads a memory copy of an Oxigraph or remote store
        # (the checks below run on the store itself, on its own engine).
        import dataclasses

        from kg.graph.stores import graph_to_memory

        walked = dataclasses.replace(kg, graph=graph_to_memory(kg.graph), layers={})
    shacl = _shacl_in_child(walked, shapes) if background and hasattr(os, "fork") else None
    others = _check_violations(kg, checks) + _layer_leaks(kg)
    n_shapes = len(set(shapes.subjects(RDF.type, SH.NodeShape)))

    def finish() -> ValidationReport:
        found = shacl() if shacl is not None else None
        if found is None:
            found = _shacl_violations(walked, shapes)
        return ValidationReport(violations=found + others, shapes_checked=n_shapes, checks_run=len(checks))

    return finish


def _shacl_in_child(kg: KnowledgeGraph, shapes: Graph) -> Callable[[], list[Violation] | None]:
    """Fork a child that runs pySHACL and sends its violations back; return the function that reads them.

    The reader returns ``None`` when the child did not deliver (killed, crashed): the caller then
    validates in-process. The child touches only rdflib memory graphs (pySHACL), never Oxigraph.
    """
    import pickle

    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: validate, send, leave without running the parent's exit handlers
        code = 1
        try:
            os.close(read_end)
            data = pickle.dumps(_shacl_violations(kg, shapes))
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(data)
            code = 0
        finally:
            os._exit(code)
    os.close(write_end)

    def collect() -> list[Violation] | None:
        with os.fdopen(read_end, "rb") as pipe:
            data = pipe.read()  # read to the end first: a full pipe would block the child's exit
        _pid, status = os.waitpid(pid, 0)
        if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0 or not data:
            return None
        return pickle.loads(data)  # noqa: S301 (our own child's bytes)

    return collect
