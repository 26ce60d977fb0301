"""The package as pip installs it: a wheel in a fresh environment, outside the checkout.

The wheel is built from a copy of the checkout's files (setuptools would otherwise write its
``build/lib`` into the project's own output folder) and installed with ``--no-deps --no-index``
into a new virtual environment whose only link to this one is a ``.pth`` line naming this
environment's site-packages: the dependencies are reused, but ``kg`` itself, its data and its
``kg`` script come from the wheel alone. Commands then run in an empty folder with no ``KG_ROOT``
or ``PYTHONPATH``, as a user of ``pipx install`` would run them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import time
import zipfile
from pathlib import Path

import pytest

from kg import paths

CHECKOUT = paths._PACKAGE_DIR.parent
_NOT_SHIPPED = shutil.ignore_patterns(".git", ".venv", "build", "tests", "notebooks", "benchmarks", "docs",
                                      "*.egg-info", "__pycache__", ".pytest_cache", ".ruff_cache", "*.tmp")


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in {"PYTHONPATH", "KG_ROOT", "KG_BUILD_DIR", "VIRTUAL_ENV", "PYTHONHOME"}}
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """A wheel built from the checkout and installed in a new venv; returns its paths and timings."""
    root = tmp_path_factory.mktemp("package")
    source = root / "src"
    shutil.copytree(CHECKOUT, source, ignore=_NOT_SHIPPED)
    started = time.perf_counter()
    wheels = root / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(wheels), str(source)],
                   check=True, capture_output=True, text=True, cwd=root, timeout=180)
    wheel, = wheels.glob("moscow_trials_kg-*.whl")
    built = time.perf_counter()
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    site = Path(subprocess.run([str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    (site / "_kg_test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "--quiet",
                    "--no-deps", "--no-index", str(wheel)],
                   check=True, capture_output=True, text=True, env=_clean_env(), timeout=180)
    work = root / "elsewhere"
    work.mkdir()
    return {"wheel": wheel, "venv": venv, "site": site, "work": work,
            "build_s": built - started, "install_s": time.perf_counter() - built}


def _kg(installed: dict[str, object], *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    venv = installed["venv"]
    assert isinstance(venv, Path)
    return subprocess.run([str(venv / "bin" / "kg"), *args], capture_output=True, text=True,
                          cwd=installed["work"], env=_clean_env(), timeout=timeout)


def test_the_wheel_carries_the_ontology_the_data_and_the_questions(installed):
    names = set(zipfile.ZipFile(installed["wheel"]).namelist())
    assert "kg/_data/ontology/moscow-trials.ttl" in names and "kg/_data/ontology/shapes.ttl" in names
    assert "kg/_data/LICENSE-DATA" in names and "kg/sparql/rq/questions/trials.rq" in names
    # every data file of the checkout, in every folder (a folder missing from pyproject's list fails here)
    shipped = {n for n in names if n.startswith(("kg/_data/graph_data/", "kg/_data/ontology/"))}
    in_checkout = {"kg/_data/" + p.relative_to(CHECKOUT).as_posix()
                   for folder in ("graph_data", "ontology") for p in (CHECKOUT / folder).rglob("*")
                   if p.is_file() and p.suffix in {".ttl", ".rq", ".jsonld", ".md"}}
    assert shipped == in_checkout, sorted(shipped ^ in_checkout)[:10]


def test_the_installed_kg_reads_its_own_copy_and_answers_in_any_folder(installed):
    venv, site = installed["venv"], installed["site"]
    where = subprocess.run([str(venv / "bin" / "python"), "-c", "import kg.paths as p; print(p.__file__); print(p.data_root())"],
                           capture_output=True, text=True, cwd=installed["work"], env=_clean_env(), check=True).stdout.split()
    assert where == [str(site / "kg" / "paths.py"), str(site / "kg" / "_data")]
    done = _kg(installed, "query", "trials", "--format", "csv")
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.strip().splitlines()) == 1 + 10  # header and ten trials


def test_the_installed_kg_builds_and_writes_the_site_into_build_of_the_current_folder(installed):
    done = _kg(installed, "site", timeout=180)
    assert done.returncode == 0, done.stderr
    work = installed["work"]
    assert (work / "build" / "site" / "index.html").is_file()
    assert (work / "build" / "site" / "person").is_dir()
    assert not (installed["site"] / "kg" / "build").exists() and not (installed["site"] / "build").exists()
    done = _kg(installed, "validate")
    assert done.returncode == 0, done.stderr


def test_without_data_kg_says_so_and_exits_non_zero(installed, tmp_path):
    shutil.copytree(installed["venv"], tmp_path / "venv", symlinks=True)
    broken = dict(installed, venv=tmp_path / "venv")
    site = Path(str(installed["site"]).replace(str(installed["venv"]), str(tmp_path / "venv")))
    shutil.rmtree(site / "kg" / "_data")
    # the copied venv's scripts still name the first venv's python: run the module instead
    done = subprocess.run([str(tmp_path / "venv" / "bin" / "python"), "-m", "kg", "query", "trials"],
                          capture_output=True, text=True, cwd=broken["work"], env=_clean_env(), timeout=60)
    assert done.returncode != 0
    assert "no graph data found" in done.stderr and "0 rows" not in done.stdout
    assert done.stdout == ""


def test_kg_root_without_data_is_an_error_not_an_empty_answer(tmp_path):
    done = subprocess.run([sys.executable, "-m", "kg", "query", "trials"], capture_output=True, text=True,
                          cwd=tmp_path, env=_clean_env(KG_ROOT=str(tmp_path), PYTHONPATH=str(CHECKOUT)), timeout=60)
    assert done.returncode == 1
    assert f"KG_ROOT={tmp_path} holds no graph data" in done.stderr and done.stdout == ""


def test_install_and_first_answer_are_quick(installed):
    # wheel build and install together: the CI step stays well under a minute
    assert installed["build_s"] + installed["install_s"] < 60, installed


# ---- identifiers that resolve: docs/w3id/.htaccess sends every page IRI to a file the site has ------

W3ID_RULES = CHECKOUT / "docs" / "w3id" / ".htaccess"
PUBLISHED = "https://moscow-trials.example.org/"


def _rewrite(rules: str, path: str, accept: str) -> tuple[int, str] | None:
    """Return (status, location) for *path* below https://w3id.org/moscow-trials/, as mod_rewrite would.

    Enough of mod_rewrite for these rules: ``RewriteCond %{HTTP_ACCEPT} REGEX [OR]`` lines guard the
    next ``RewriteRule PATTERN TARGET [R=NNN,L]``; the first rule that matches wins.
    """
    import re

    conditions: list[tuple[str, bool]] = []
    for line in rules.splitlines():
        words = line.split()
        if not words or words[0].startswith("#"):
            continue
        if words[0] == "RewriteCond":
            conditions.append((words[2], "[OR]" in words[3:]))
        elif words[0] == "RewriteRule":
            ok, pending_or = True, False
            for regex, is_or in conditions:
                hit = re.search(regex, accept) is not None
                ok = (ok or hit) if pending_or else (ok and hit)
                pending_or = is_or
            conditions = []
            match = re.fullmatch(words[1].lstrip("^").rstrip("$"), path)
            if ok and match:
                status = int(re.search(r"R=(\d+)", words[3]).group(1))
                return status, match.expand(words[2].replace("$", "\\"))
    return None


def test_w3id_rules_send_every_person_and_trial_to_its_page_and_document(installed):
    rules = W3ID_RULES.read_text(encoding="utf-8")
    site = installed["work"] / "build" / "site"
    if not (site / "index.html").exists():  # the site test writes it; this test may run alone
        assert _kg(installed, "site", timeout=180).returncode == 0
    pages = sorted(site.glob("person/*.html")) + sorted(site.glob("trial/*.html"))
    pages = [p for p in pages if not p.name.endswith(".network.html")]
    assert len(pages) > 100
    for page in pages:
        iri_path = f"id/{page.parent.name}/{page.stem}"
        for accept, suffix in (("text/html,application/xhtml+xml", ".html"), ("application/ld+json", ".jsonld")):
            status, location = _rewrite(rules, iri_path, accept)
            assert status == 303 and location.startswith(PUBLISHED + "site/"), (iri_path, location)
            assert (site / location[len(PUBLISHED + "site/"):]).is_file(), (iri_path, location)
            assert location.endswith(suffix)
    # a place has no page: people get the index, machines the whole graph
    assert _rewrite(rules, "id/place/moscow", "text/html") == (303, PUBLISHED + "site/index.html")
    assert _rewrite(rules, "id/place/moscow", "text/turtle") == (303, PUBLISHED + "moscow-trials.ttl")
    assert _rewrite(rules, "ontology", "application/ld+json") == (303, PUBLISHED + "moscow-trials.jsonld")
    assert _rewrite(rules, "id/person/../../etc", "text/html")[1] == PUBLISHED + "site/index.html"  # no path games


# ---- make run leaves every README example working ---------------------------------------------------

def test_make_run_installs_what_the_readme_examples_use_and_builds_the_site():
    import re
    import tomllib

    makefile = (CHECKOUT / "Makefile").read_text(encoding="utf-8")
    installed = makefile[makefile.index("$(VENV)/.installed:"):makefile.index("$(VENV)/.installed-test:")]
    extras = set(re.search(r"-e '\.\[([a-z,]+)\]'", installed).group(1).split(","))
    assert {"server", "notebook"} <= extras
    assert "ipykernel install" in installed  # the notebooks' kernel, for Jupyter and VS Code
    optional = tomllib.loads((CHECKOUT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"]
    needed = {"server": "oxigraph", "notebook": "pandas"}  # kg serve; rows.to_dataframe()
    for extra, package in needed.items():
        assert any(req.startswith(package) for req in optional[extra]), (extra, package)
    assert any(req.startswith("ipykernel") for req in optional["notebook"])
    run = makefile[makefile.index("\nrun:"):]
    run = run[:run.index("\n\n")]
    assert "$(BIN)/kg build" in run and "$(BIN)/kg site" in run
    assert "build/site/index.html" in run and "build/network.html" in run  # ends by naming the two files
    readme = (CHECKOUT / "README.md").read_text(encoding="utf-8")
    assert "to_dataframe()" in readme and "kg serve" in readme and "notebooks/03-claims-vs-facts.ipynb" in readme


# ---- a hosted copy: kg site --base-url --------------------------------------------------------------

def test_a_hosted_site_links_absolutely_and_names_its_canonical_address(fixture_kg, tmp_path):
    import re

    from kg.display.site import build_site
    from kg.errors import ParameterError
    from kg.outputs.hosting import check_base_url, host_site

    base = "https://hosted.test/moscow-trials/site/"
    out = build_site(fixture_kg, tmp_path / "site").out_dir
    links = re.compile(r'<a\b[^>]*\shref="([^"]*)"')
    relative = (out / "person" / "anna-alpha.html").read_text(encoding="utf-8")
    local = [h for h in links.findall(relative) if not re.match(r"^([a-z]+:|#)", h)]
    assert "../index.html" in local and any(h.startswith("../trial/") for h in local) and base not in relative
    assert host_site(out, base) > 3
    page = (out / "person" / "anna-alpha.html").read_text(encoding="utf-8")
    assert page.count(f'<link rel="canonical" href="{base}person/anna-alpha.html">') == 1
    assert 'href="../assets/site.css"' in page  # style sheets stay relative: the CSP allows the page's own files
    hosted = [h for h in links.findall(page) if h.startswith(base)]
    assert len(hosted) == len(local) and not [h for h in links.findall(page) if h.startswith("..")]
    for href in hosted:  # every absolute link lands on a file the site has
        assert (out / href[len(base):].split("#")[0]).is_file(), href
    assert host_site(out, base) and (out / "person" / "anna-alpha.html").read_text(encoding="utf-8") == page  # idempotent
    for bad in ("example.org/site", "ftp://example.org/", "https://example.org/?q=1", 'https://e.org/"><script>'):
        with pytest.raises(ParameterError):
            check_base_url(bad)


def test_kg_site_refuses_a_bad_base_url_before_building(tmp_path):
    done = subprocess.run([sys.executable, "-m", "kg", "site", "--base-url", "not a url", "-o", str(tmp_path / "s")],
                          capture_output=True, text=True, env=_clean_env(PYTHONPATH=str(CHECKOUT)), timeout=60)
    assert done.returncode == 2 and "--base-url" in done.stderr and not (tmp_path / "s").exists()
