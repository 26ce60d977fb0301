"""The one registry of the project's ``.rq`` files: six kinds, one folder each, read by one function.

======================  ==========================================  =============================================
kind                    folder                                      read by
======================  ==========================================  =============================================
``question``            ``kg/sparql/rq/questions/``                 :mod:`kg.sparql.questions` (``kg query NAME``)
``projection``          ``kg/sparql/rq/projections/``               :mod:`kg.display.network` (``projections.toml``)
``rule``                ``kg/sparql/rq/rules/``                     :mod:`kg.graph.contradictions`
``check``               ``ontology/checks/`` (``*-violation.rq``)   :mod:`kg.graph.validation`
``derivation``          ``ontology/derive/``                        :mod:`kg.graph.derive`
``export``              ``kg/sparql/rq/exports/``                   :func:`kg.outputs.exports.layer_graph`
======================  ==========================================  =============================================

Checks and derivation rules are published with the ontology (a reader of the data needs them); the others
ship inside the package. A name means one thing: no two files of different kinds share a name
(:func:`clashes`, tested), so "co-defendants" is a question and the edges of the co-defendants network are
``co-defendant-pairs``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kg import paths
from kg.errors import UnknownQueryError

__all__ = ["KINDS", "RqFile", "clashes", "files", "find", "folder"]

#: The kinds of ``.rq`` file, in the order the table above lists them.
KINDS = ("question", "projection", "rule", "check", "derivation", "export")

_FOLDERS = {"question": "QUERIES_DIR", "projection": "PROJECTIONS_DIR", "rule": "RULES_DIR",
            "check": "CHECKS_DIR", "derivation": "DERIVE_DIR", "export": "EXPORTS_DIR"}
#: A check is a file named ``*-violation.rq``; the checks folder may hold notes and helpers beside them.
_PATTERN = {"check": "*-violation.rq"}


@dataclass(frozen=True)
class RqFile:
    """One ``.rq`` file of the registry: its kind, its name (the file name without ``.rq``) and its path."""

    kind: str
    name: str
    path: Path

    @property
    def text(self) -> str:
        return self.path.read_text(encoding="utf-8")


def folder(kind: str) -> Path:
    """Return the folder that holds the ``.rq`` files of *kind* (looked up now: ``KG_ROOT`` may change)."""
    if kind not in _FOLDERS:
        raise ValueError(f"unknown kind of .rq file {kind!r}; kinds: {', '.join(KINDS)}")
    return getattr(paths, _FOLDERS[kind])


def files(kind: str, directory: Path | None = None) -> list[RqFile]:
    """Return the ``.rq`` files of *kind* (from *directory* instead of its folder, for tests), sorted by name."""
    where = directory or folder(kind)
    return [RqFile(kind, path.stem, path) for path in sorted(where.glob(_PATTERN.get(kind, "*.rq")))]


def find(kind: str, name: str, directory: Path | None = None) -> RqFile:
    """Return the file of *kind* called *name*; the error lists the known names of that kind."""
    known = {f.name: f for f in files(kind, directory)}
    if name not in known:
        raise UnknownQueryError(f"no {kind} called {name!r}; known: {', '.join(sorted(known))}")
    return known[name]


def clashes() -> dict[str, list[str]]:
    """Return ``{name: [kinds]}`` for every name used by files of more than one kind (should be empty)."""
    seen: dict[str, list[str]] = {}
    for kind in KINDS:
        for rq in files(kind):
            seen.setdefault(rq.name, []).append(kind)
    return {name: kinds for name, kinds in sorted(seen.items()) if len(kinds) > 1}
