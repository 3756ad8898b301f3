# primaries: the quick start. `make run` serves the demo; `make serve` serves it as production
# does (gunicorn, gthread workers: primaries/gunicorn_config.py); `make test` runs the whole suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000

.PHONY: run serve test lint format bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip setuptools wheel

$(VENV)/.installed: $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/pip install -q -e ".[test]"
	touch $@

run: $(VENV)/.installed
	$(BIN)/primaries db upgrade
	$(BIN)/primaries demo
	$(BIN)/primaries users bootstrap
	$(BIN)/primaries run --host 127.0.0.1 --port $(PORT)

# The production twin of `run`: the same demo, served by gunicorn with the settings of
# docs/deploy.md (WEB_CONCURRENCY workers, GUNICORN_THREADS threads each).
serve: $(VENV)/.installed
	$(BIN)/primaries db upgrade
	$(BIN)/primaries demo
	$(BIN)/primaries users bootstrap
	PRIMARIES_BIND=127.0.0.1:$(PORT) $(BIN)/gunicorn -c python:primaries.gunicorn_config 'primaries:create_app()'

test: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(VENV)/.installed-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache .mypy_cache

bench: $(VENV)/.installed-test
	$(BIN)/python -m bench

# Mutation testing with mutmut (not part of `make test`; docs/mutants.md): the files mutated and
# the tests run are the [mutmut] block of setup.cfg. `make mutants MUTANTS='primaries.core.rules.*'`
# runs only the mutants whose names match; MUTANT_JOBS=1 runs one at a time (default: one per
# core). The results stay in mutants/ (`$(BIN)/mutmut browse`, `$(BIN)/mutmut show NAME`).
MUTANTS ?=
MUTANT_JOBS ?=
.PHONY: mutants
$(VENV)/.installed-mutants: $(VENV)/.installed-test
	$(BIN)/pip install -q -e ".[test,mutants]"
	touch $@

mutants: $(VENV)/.installed-mutants
	$(BIN)/mutmut run $(if $(MUTANT_JOBS),--max-children $(MUTANT_JOBS)) $(MUTANTS)
	$(BIN)/mutmut results
