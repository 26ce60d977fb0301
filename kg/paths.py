"""Where the project's files live: one place, so the CLI, API, notebooks and tests agree."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = [
    "BUILD_DIR",
    "CHECKS_DIR",
    "CONTEXT_FILE",
    "DERIVE_DIR",
    "GRAPH_DATA_DIR",
    "ONTOLOGY_DIR",
    "ONTOLOGY_FILE",
    "PROJECTIONS_DIR",
    "RULES_DIR",
    "QUERIES_DIR",
    "REPO_ROOT",
    "SHAPES_FILE",
    "build_dir",
]

#: The checkout this package runs from (``kg/`` sits at its top level). ``KG_ROOT`` overrides it,
#: so a notebook or test can point the package at a copy of the data.
REPO_ROOT: Path = Path(os.environ.get("KG_ROOT", Path(__file__).resolve().parent.parent))

ONTOLOGY_DIR: Path = REPO_ROOT / "ontology"
ONTOLOGY_FILE: Path = ONTOLOGY_DIR / "moscow-trials.ttl"
SHAPES_FILE: Path = ONTOLOGY_DIR / "shapes.ttl"
CHECKS_DIR: Path = ONTOLOGY_DIR / "checks"
DERIVE_DIR: Path = ONTOLOGY_DIR / "derive"
CONTEXT_FILE: Path = ONTOLOGY_DIR / "context.jsonld"
GRAPH_DATA_DIR: Path = REPO_ROOT / "graph_data"

_PACKAGE_DIR = Path(__file__).resolve().parent
QUERIES_DIR: Path = _PACKAGE_DIR / "queries"
PROJECTIONS_DIR: Path = _PACKAGE_DIR / "projections"
RULES_DIR: Path = _PACKAGE_DIR / "rules"

#: Generated output goes here unless the user names a path (git-ignored).
BUILD_DIR: Path = REPO_ROOT / "build"


def build_dir() -> Path:
    """Return the build folder, honouring ``KG_BUILD_DIR`` so tests never touch the real one."""
    return Path(os.environ.get("KG_BUILD_DIR", BUILD_DIR))
