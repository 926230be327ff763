# Two commands: `make run` and `make test`. Both set themselves up.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
# Browser assets (GraphiQL; htmx and Pico CSS for the screens), pinned in
# ui/package-lock.json, served from ui/static/vendor.
VENDOR := ui/static/vendor/graphiql
ASSETS := $(VENDOR)/.installed
# Debian's Chromium (and CJK fonts for Japanese screenshots), which the browser tests
# drive through Playwright (never `playwright install`).
CHROMIUM ?= /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test setup assets browser-deps browser lint typecheck layers unit unit-sqlite unit-postgres wheel-check bench clean

$(STAMP): pyproject.toml requirements/constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements/constraints.txt -e '.[dev]'
	touch $(STAMP)

## GraphiQL, React, ReactDOM, htmx and Pico CSS from the npm registry (npm ci: the locked versions).
$(ASSETS): ui/package.json ui/package-lock.json
	cd ui && npm ci --no-audit --no-fund --loglevel=error
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)
	cp ui/node_modules/react/umd/react.production.min.js \
	   ui/node_modules/react-dom/umd/react-dom.production.min.js \
	   ui/node_modules/graphiql/graphiql.min.js \
	   ui/node_modules/graphiql/graphiql.min.css $(VENDOR)/
	cp ui/node_modules/react/LICENSE $(VENDOR)/LICENSE.react
	cp ui/node_modules/react-dom/LICENSE $(VENDOR)/LICENSE.react-dom
	cp ui/node_modules/graphiql/LICENSE $(VENDOR)/LICENSE.graphiql
	cp ui/node_modules/htmx.org/dist/htmx.min.js ui/node_modules/@picocss/pico/css/pico.min.css \
	   ui/static/vendor/
	cp ui/node_modules/htmx.org/LICENSE ui/static/vendor/LICENSE.htmx
	cp ui/node_modules/@picocss/pico/LICENSE.md ui/static/vendor/LICENSE.pico
	touch $(ASSETS)

assets: $(ASSETS)

$(CHROMIUM):
	$(SUDO) apt-get update -qq
	$(SUDO) apt-get install -y -qq chromium fonts-noto-cjk

browser-deps: $(CHROMIUM)

setup: $(STAMP) $(ASSETS) $(CHROMIUM)

## Start the platform on an embedded SQLite database with the shipped solutions and demo data.
run: $(STAMP) $(ASSETS)
	$(BIN)/xrm up --host $(HOST) --port $(PORT)

## The whole suite: lint, types, layers, then tests on SQLite and on PostgreSQL.
test: $(STAMP) $(ASSETS) $(CHROMIUM) lint typecheck layers unit-sqlite unit-postgres wheel-check

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/python tools/typecheck.py

layers: $(STAMP)
	$(BIN)/lint-imports

unit-sqlite: $(STAMP) $(ASSETS) $(CHROMIUM)
	XRM_TEST_DATABASE=sqlite $(BIN)/python -m pytest -q $(PYTEST_ARGS)

unit-postgres: $(STAMP) $(ASSETS) $(CHROMIUM)
	XRM_TEST_DATABASE=postgresql XRM_TEST_POSTGRES_URL=$(PG_URL) $(BIN)/python -m pytest -q $(PYTEST_ARGS)

## Every browser test (the suite runs a lean set), with screenshots in tests/artifacts/.
browser: $(STAMP) $(ASSETS) $(CHROMIUM)
	XRM_BROWSER_FULL=1 $(BIN)/python -m pytest -q -m browser $(PYTEST_ARGS)

## Build the wheel, install it into a clean virtualenv, and run the installed CLI.
wheel-check: $(STAMP) $(ASSETS)
	rm -rf var/wheel-check && mkdir -p var/wheel-check
	$(BIN)/python -m build --wheel --outdir var/wheel-check/dist . > var/wheel-check/build.log 2>&1 || (cat var/wheel-check/build.log; exit 1)
	$(PYTHON) -m venv var/wheel-check/venv
	var/wheel-check/venv/bin/python -m pip install --quiet -c requirements/constraints.txt var/wheel-check/dist/*.whl
	cd var/wheel-check && venv/bin/xrm --help > /dev/null && venv/bin/python -m xrm check venv/lib/python*/site-packages/xrm/solutions/crm
	test -s var/wheel-check/venv/lib/python*/site-packages/xrm/ui/static/vendor/graphiql/graphiql.min.js
	test -s var/wheel-check/venv/lib/python*/site-packages/xrm/ui/static/vendor/htmx.min.js
	test -s var/wheel-check/venv/lib/python*/site-packages/xrm/ui/locales/en.yaml
	@echo "wheel-check: installed wheel runs"

bench: $(STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) var build *.egg-info ui/node_modules ui/static/vendor
