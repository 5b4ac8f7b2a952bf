# Two commands run everything on a fresh machine:
#   make run    the whole system on the embedded default (no external service)
#   make test   lint, checks and the whole test suite (SQLite, or PostgreSQL + Redis
#               when DATABASE_URL and REDIS_URL are set)

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
# Test processes (pytest-xdist): one per core by default; 0 runs the suite in-process.
TEST_WORKERS ?= auto

.DEFAULT_GOAL := help
.PHONY: help run test fuzz lint format schema docs api-check bench clean

help:
	@echo "make run     serve API, Admin, docs, WebSocket and a Celery worker (+beat) on $(HOST):$(PORT)"
	@echo "make test    ruff, Django checks, migration check, tests with coverage (>= 90%)"
	@echo "make fuzz    schemathesis against a served system, from the OpenAPI schema"
	@echo "make lint    ruff check + ruff format --check + lint-imports (layers)"
	@echo "make format  ruff format + ruff check --fix"
	@echo "make schema  write the OpenAPI schema to docs/openapi.yaml"
	@echo "make docs    write the API reference of docs/api.md and the Postman collection"
	@echo "make api-check  run the Postman collection with newman against a served system"
	@echo "make bench   run the benchmarks in bench/ (ratios)"
	@echo "make clean   remove the virtualenv and var/ (database, media, broker files)"

# The virtualenv is (re)built when a requirements file changes.
$(BIN)/.installed: requirements/base.txt requirements/test.txt requirements/dev.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements/dev.txt
	@touch $@

run: $(BIN)/.installed
	@mkdir -p var
	DJANGO_SETTINGS_MODULE=config.settings.dev $(BIN)/python manage.py migrate --noinput
	DJANGO_SETTINGS_MODULE=config.settings.dev $(BIN)/python manage.py seed_demo
	DJANGO_SETTINGS_MODULE=config.settings.dev $(BIN)/python manage.py search_index --rebuild --if-empty
	HOST=$(HOST) PORT=$(PORT) VENV=$(VENV) bin/run-embedded

test: $(BIN)/.installed lint
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/python manage.py check
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup --cov --cov-report=term $(PYTEST_ARGS)

# Property-based API testing (bin/fuzz-api): SQLite, or PostgreSQL when DATABASE_URL is set.
fuzz: $(BIN)/.installed
	VENV=$(VENV) $(BIN)/python bin/fuzz-api $(FUZZ_ARGS)

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: $(BIN)/.installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The API reference of docs/api.md, from real exchanges on a fresh database with the
# demo data (api/demo/apidocs); DOCS_ARGS=--check only checks that it is up to date.
DOCS_DB := $(CURDIR)/var/docs
docs: $(BIN)/.installed
	@rm -rf $(DOCS_DB) && mkdir -p $(DOCS_DB)
	@export DJANGO_SETTINGS_MODULE=config.settings.dev DJANGO_VAR_DIR=$(DOCS_DB) \
		DATABASE_URL=sqlite:///$(DOCS_DB)/docs.sqlite3 REDIS_URL= && \
	$(BIN)/python manage.py migrate --noinput -v 0 && \
	$(BIN)/python manage.py build_api_docs $(DOCS_ARGS)
	@rm -rf $(DOCS_DB)

# The Postman collection run by newman (npm) against a served system with the demo data.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

api-check: $(BIN)/.installed node_modules/.installed
	VENV=$(VENV) $(BIN)/python bin/api-check

schema: $(BIN)/.installed
	DJANGO_SETTINGS_MODULE=config.settings.dev $(BIN)/python manage.py spectacular --validate --fail-on-warn --file docs/openapi.yaml

bench: $(BIN)/.installed
	@for script in bench/*.py; do \
		[ "$$script" = bench/common.py ] && continue; \
		echo "== $$script"; $(BIN)/python $$script; \
	done

clean:
	rm -rf $(VENV) var node_modules .coverage .pytest_cache .ruff_cache
