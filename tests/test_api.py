"""The public API a notebook user discovers: every name in kg.__all__ resolves, and stays a function
even after its module has been imported (a module named like its function would shadow it)."""

import importlib
import subprocess
import sys

import kg


def test_every_public_name_resolves():
    for name in kg.__all__:
        assert getattr(kg, name) is not None, name


def test_functions_are_not_shadowed_by_their_modules():
    for module in ("graph", "sparql", "display", "outputs", "server", "graph.loader", "graph.validation",
                   "outputs.exports", "outputs.builder", "sparql.questions", "display.network", "display.render",
                   "display.notebook"):
        importlib.import_module(f"kg.{module}")
    # kg.views is the network views function: its subpackage is kg.display so that importing it cannot shadow it
    for name in ("load", "validate", "export", "build", "run_query", "project", "render_network", "views"):
        assert callable(getattr(kg, name)) and not isinstance(getattr(kg, name), type(kg)), name


def test_help_does_not_import_the_heavy_libraries():
    code = ("import sys, kg.cli; kg.cli.parser().format_help(); "
            "print(sorted(m for m in ('rdflib', 'pyshacl', 'networkx', 'pandas', 'pyvis') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
