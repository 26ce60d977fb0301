"""Where the project's files live: one place, so the CLI, API, notebooks and tests agree.

The graph's data (``ontology/``, ``graph_data/``, ``LICENSE-DATA``) is found, in this order:

1. in the folder ``KG_ROOT`` names (a notebook or test points the package at a copy of the data);
2. in the checkout this package runs from (``kg/`` sits at its top level): the checkout is the
   source of truth, and an editable install reads it directly;
3. in ``kg/_data/``, where an installed wheel carries a copy of those folders (``pyproject.toml``
   maps them in at build time, so ``pip install`` / ``pipx install`` gives a ``kg`` that works in
   any folder).

If none holds the ontology, reading a data path raises :class:`NoGraphData`, so a command says so
and exits non-zero instead of answering a question with 0 rows. The data paths are therefore
looked up when read (``paths.ONTOLOGY_DIR``), not when this module is imported: ``kg --help``
works without data, and a change of ``KG_ROOT`` is seen at once.

Generated output goes to ``build/`` beside the data in a checkout (or a ``KG_ROOT`` copy), to
``./build`` of the current folder for an installed package, and to ``KG_BUILD_DIR`` if it is set.
"""

from __future__ import annotations

import os
from pathlib import Path

from kg.errors import KGError

__all__ = [
    "BUILD_DIR",
    "CHECKS_DIR",
    "CONTEXT_FILE",
    "DERIVE_DIR",
    "EXPORTS_DIR",
    "SET_ASIDE_FILE",
    "GRAPH_DATA_DIR",
    "NoGraphData",
    "ONTOLOGY_DIR",
    "ONTOLOGY_FILE",
    "PROJECTIONS_DIR",
    "RQ_DIR",
    "RULES_DIR",
    "QUERIES_DIR",
    "REPO_ROOT",
    "SHAPES_FILE",
    "build_dir",
    "data_root",
    "installed_data",
]

_PACKAGE_DIR = Path(__file__).resolve().parent
_CHECKOUT = _PACKAGE_DIR.parent
#: Where a wheel carries the data (see ``[tool.setuptools.package-dir]`` in pyproject.toml).
_WHEEL_DATA = _PACKAGE_DIR / "_data"
_MARKER = Path("ontology") / "moscow-trials.ttl"

# The questions, projections and rules are package files (kg/sparql/rq/<kind>/): always beside this module.
RQ_DIR: Path = _PACKAGE_DIR / "sparql" / "rq"
QUERIES_DIR: Path = RQ_DIR / "questions"
PROJECTIONS_DIR: Path = RQ_DIR / "projections"
RULES_DIR: Path = RQ_DIR / "rules"
EXPORTS_DIR: Path = RQ_DIR / "exports"


class NoGraphData(KGError):
    """No folder holds the graph's data: the message says where it looked and what to do."""


def _has_data(root: Path) -> bool:
    return (root / _MARKER).is_file() and (root / "graph_data").is_dir()


def data_root() -> Path:
    """Return the folder that holds ``ontology/`` and ``graph_data/`` (see the module docstring).

    Raises
    ------
    NoGraphData
        If ``KG_ROOT`` names a folder without the data, or no checkout or installed copy has it.
    """
    named = os.environ.get("KG_ROOT")
    if named:
        root = Path(named)
        if _has_data(root):
            return root
        raise NoGraphData(f"KG_ROOT={named} holds no graph data ({_MARKER} and graph_data/ are missing); "
                          "point KG_ROOT at a checkout of the project, or unset it to use the data "
                          "the package carries")
    for root in (_CHECKOUT, _WHEEL_DATA):
        if _has_data(root):
            return root
    raise NoGraphData(f"no graph data found: neither a checkout ({_CHECKOUT / _MARKER}) nor the package's "
                      f"own copy ({_WHEEL_DATA / _MARKER}) exists. Reinstall the package from a checkout of the "
                      "repository (pip install . there, or make run) or from a wheel built there, "
                      "or set KG_ROOT to a folder with ontology/ and graph_data/")


def installed_data() -> bool:
    """Return whether the data in use is the copy an installed wheel carries (not a checkout)."""
    try:
        return data_root() == _WHEEL_DATA
    except NoGraphData:
        return True


def _default_build_dir() -> Path:
    try:
        root = data_root()
    except NoGraphData:
        return Path.cwd() / "build"
    return Path.cwd() / "build" if root == _WHEEL_DATA else root / "build"


#: Data paths, looked up on each read (PEP 562): the name, and the path below the data root.
_DATA_PATHS: dict[str, tuple[str, ...]] = {
    "REPO_ROOT": (),
    "ONTOLOGY_DIR": ("ontology",),
    "ONTOLOGY_FILE": ("ontology", "moscow-trials.ttl"),
    "SHAPES_FILE": ("ontology", "shapes.ttl"),
    "CHECKS_DIR": ("ontology", "checks"),
    "DERIVE_DIR": ("ontology", "derive"),
    "SET_ASIDE_FILE": ("ontology", "derive", "set-aside-for-facts.rq"),
    "CONTEXT_FILE": ("ontology", "context.jsonld"),
    "GRAPH_DATA_DIR": ("graph_data",),
}


# Declared for readers and linters; having no value, each is served by __getattr__ below.
REPO_ROOT: Path
ONTOLOGY_DIR: Path
ONTOLOGY_FILE: Path
SHAPES_FILE: Path
CHECKS_DIR: Path
DERIVE_DIR: Path
SET_ASIDE_FILE: Path
CONTEXT_FILE: Path
GRAPH_DATA_DIR: Path
BUILD_DIR: Path


def __getattr__(name: str) -> Path:
    if name in _DATA_PATHS:
        return data_root().joinpath(*_DATA_PATHS[name])
    if name == "BUILD_DIR":  # generated output goes here unless the user names a path (git-ignored)
        return _default_build_dir()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def build_dir() -> Path:
    """Return the build folder, honouring ``KG_BUILD_DIR`` so tests never touch the real one."""
    named = os.environ.get("KG_BUILD_DIR")
    return Path(named) if named else _default_build_dir()
