# Two commands: `make run` and `make test`. Both set themselves up.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: run test setup lint typecheck layers unit unit-sqlite unit-postgres wheel-check bench clean

$(STAMP): pyproject.toml requirements/constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements/constraints.txt -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

## Start the platform on an embedded SQLite database with the shipped solutions and demo data.
run: $(STAMP)
	$(BIN)/xrm up --host $(HOST) --port $(PORT)

## The whole suite: lint, types, layers, then tests on SQLite and on PostgreSQL.
test: $(STAMP) lint typecheck layers unit-sqlite unit-postgres wheel-check

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/python tools/typecheck.py

layers: $(STAMP)
	$(BIN)/lint-imports

unit-sqlite: $(STAMP)
	XRM_TEST_DATABASE=sqlite $(BIN)/python -m pytest -q $(PYTEST_ARGS)

unit-postgres: $(STAMP)
	XRM_TEST_DATABASE=postgresql XRM_TEST_POSTGRES_URL=$(PG_URL) $(BIN)/python -m pytest -q $(PYTEST_ARGS)

## Build the wheel, install it into a clean virtualenv, and run the installed CLI.
wheel-check: $(STAMP)
	rm -rf var/wheel-check && mkdir -p var/wheel-check
	$(BIN)/python -m build --wheel --outdir var/wheel-check/dist . > var/wheel-check/build.log 2>&1 || (cat var/wheel-check/build.log; exit 1)
	$(PYTHON) -m venv var/wheel-check/venv
	var/wheel-check/venv/bin/python -m pip install --quiet -c requirements/constraints.txt var/wheel-check/dist/*.whl
	cd var/wheel-check && venv/bin/xrm --help > /dev/null && venv/bin/python -m xrm check venv/lib/python*/site-packages/xrm/solutions/crm
	@echo "wheel-check: installed wheel runs"

bench: $(STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) var build *.egg-info
