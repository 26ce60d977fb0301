# The README's two commands are `make run` and `make test`; both build their own environment.
# `make run` leaves every README example working: kg serve, to_dataframe(), the notebooks, the site.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
CHROMIUM ?= /usr/bin/chromium
VIRTUOSO ?= /usr/bin/virtuoso-t

.PHONY: run test validate bench lint clean help

help:            ## list the targets
	@grep -E '^[a-z]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*##/\t/'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# What the README's examples use: the server (kg serve), pandas (to_dataframe) and a notebook kernel.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[server,notebook]'
	$(BIN)/python -m ipykernel install --sys-prefix --name moscow-trials-kg \
	  --display-name 'Moscow Trials KG (.venv)' >/dev/null
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m ipykernel install --sys-prefix --name moscow-trials-kg \
	  --display-name 'Moscow Trials KG (.venv)' >/dev/null
	touch $@ $(VENV)/.installed

$(CHROMIUM):
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium; }

# tests/test_virtuoso.py starts its own Virtuoso on loopback. Only the binaries (virtuoso-t, isql-vt): the
# virtuoso-opensource metapackage would also start a system-wide server on ports 1111 and 8890.
$(VIRTUOSO):
	@command -v virtuoso-t >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq virtuoso-opensource-7-bin; }

run: $(VENV)/.installed        ## install, build the graph (exports, tables, network page) and the site
	$(BIN)/kg build
	$(BIN)/kg site
	@echo
	@echo "Open these two files in a browser (they work from disk, offline):"
	@echo "  $(CURDIR)/build/site/index.html   a page for every person and every trial"
	@echo "  $(CURDIR)/build/network.html      the people-trials network"

test: $(VENV)/.installed-test $(CHROMIUM) $(VIRTUOSO)   ## install everything and run the test suite
	$(BIN)/python -m pytest -n 2 --dist loadgroup

validate: $(VENV)/.installed   ## check the data against the shapes and checks
	$(BIN)/kg validate

bench: $(VENV)/.installed-test ## run the benchmarks (not part of `make test`); writes benchmarks/results.md
	$(BIN)/python benchmarks/bench.py
	$(BIN)/python -m pytest tests -m slow -q

lint: $(VENV)/.installed-test  ## ruff
	$(BIN)/ruff check kg tests

clean:           ## remove generated output (not the environment)
	rm -rf build tests/output
