# Every target creates (if missing) and uses the virtualenv .venv/ at the repo root.
VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
PORT ?= 8000
TEST_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/ocg
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0
# Test processes (pytest-xdist): each has its own PostgreSQL and Redis databases.
TEST_WORKERS ?= 3

.PHONY: install run test lint bench services schema

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

# The whole product on the embedded default: SQLite, in-memory channel layer and cache, no services.
run: install
	DEBUG=1 $(PY) manage.py migrate --noinput
	DEBUG=1 $(PY) manage.py seed_demo
	DEBUG=1 $(PY) manage.py serve --port $(PORT)

services:
	infra/local/start-services.sh

test: install services
	SECRET_KEY=test-only-secret-key-of-at-least-32-bytes ALLOWED_HOSTS=testserver,localhost,127.0.0.1 EVENT_STORE_POOL_SIZE=2 DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

bench: install services
	for name in $$($(PY) manage.py bench --list); do $(PY) manage.py bench $$name $(BENCH_ARGS) || exit 1; done

# The committed SDL of the GraphQL schema (tests/gateway/test_schema_sdl.py checks it has not drifted).
schema: install
	DEBUG=1 $(PY) manage.py graphql_schema --schema ocg.schema.schema --out ocg/schema.graphql
