# Huike: `make run` to try it, `make test` to check it. Everything installs itself.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST_PORT ?= $(or $(HUIKE_PORT),8000)
# PostgreSQL for the second test pass; CI and developer machines have one on localhost.
PG_TEST_URL ?= postgres://root@127.0.0.1:5432/test

.PHONY: run test venv deps assets static migrate demo lint fmt messages browser-deps clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

venv: $(BIN)/python

# Re-install only when the pins change.
$(VENV)/.deps-runtime: requirements.txt pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.deps-dev: requirements-dev.txt $(VENV)/.deps-runtime
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

deps: $(VENV)/.deps-runtime

# Third-party browser assets come from npm (pinned by the lockfile) and are copied, never
# committed, into huike/static/vendor.
frontend/node_modules/.package-lock.json: frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund --loglevel=error
	touch $@

assets: frontend/node_modules/.package-lock.json
	$(BIN)/python scripts/copy_assets.py

messages: $(VENV)/.deps-runtime
	cd huike && ../$(BIN)/django-admin compilemessages --ignore=.venv >/dev/null

static: assets messages
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0

migrate: deps messages
	$(BIN)/python manage.py migrate --noinput

run: deps static migrate
	$(BIN)/huike run --port $(HOST_PORT)

demo: migrate
	$(BIN)/huike demo

# Debian's chromium drives the browser tests; installed here where it is missing.
browser-deps:
	@command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)

test: $(VENV)/.deps-dev assets messages browser-deps
	$(BIN)/ruff check huike tests bench scripts
	$(BIN)/ruff format --check huike tests bench scripts
	$(BIN)/mypy huike/core huike/org huike/customers
	$(BIN)/python manage.py makemigrations --check --dry-run >/dev/null
	@echo "== tests on SQLite"
	HUIKE_DATA_DIR=$(CURDIR)/var/test-sqlite $(BIN)/pytest -q
	@if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null || [ -n "$$CI" ]; then \
		echo "== tests on PostgreSQL"; \
		HUIKE_DATA_DIR=$(CURDIR)/var/test-pg HUIKE_DATABASE_URL=$(PG_TEST_URL) \
		HUIKE_TEST_DB_NAME=$${HUIKE_TEST_DB_NAME:-test_huike_ci} $(BIN)/pytest -q -m "not browser"; \
	else echo "== PostgreSQL not reachable: SQLite pass only"; fi

lint:
	$(BIN)/ruff check huike tests bench scripts
	$(BIN)/ruff format --check huike tests bench scripts
	$(BIN)/mypy huike/core huike/org huike/customers

fmt:
	$(BIN)/ruff format huike tests bench scripts
	$(BIN)/ruff check --fix huike tests bench scripts

clean:
	rm -rf $(VENV) var frontend/node_modules huike/static/vendor
