# The README's two commands are `make run` and `make test`; both build their own environment.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
CHROMIUM ?= /usr/bin/chromium

.PHONY: run test validate bench lint clean help

help:            ## list the targets
	@grep -E '^[a-z]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*##/\t/'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

$(CHROMIUM):
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium; }

run: $(VENV)/.installed        ## install and build the graph: exports, tables, network page
	$(BIN)/kg build

test: $(VENV)/.installed-test $(CHROMIUM)   ## install everything and run the test suite
	$(BIN)/python -m pytest

validate: $(VENV)/.installed   ## check the data against the shapes and checks
	$(BIN)/kg validate

bench: $(VENV)/.installed-test ## run the benchmarks (not part of `make test`); writes benchmarks/results.md
	$(BIN)/python benchmarks/bench.py
	$(BIN)/python -m pytest tests -m slow -q

lint: $(VENV)/.installed-test  ## ruff
	$(BIN)/ruff check kg tests

clean:           ## remove generated output (not the environment)
	rm -rf build tests/output
