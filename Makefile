# Everything a developer or CI needs. `make run` and `make test` set themselves up.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
# Stamp files so that a second `make run` skips what is already done.
INSTALLED := $(VENV)/.installed

.PHONY: help install run serve superuser migrate reference seed test lint fmt migrations-check lock check-deploy bench bench-import bench-api clean

help:
	@echo "make run               set up (venv, .env, database, reference data) and serve http://$(HOST):$(PORT)"
	@echo "make test              run the whole test suite (SQLite; PostgreSQL when DATABASE_URL is set)"
	@echo "make superuser         create an admin account"
	@echo "make lint | fmt        ruff check | ruff format"
	@echo "make migrations-check  fail if models and migrations drift"
	@echo "make lock              re-pin requirements.lock from pyproject.toml"
	@echo "make bench             benchmarks: bench-import and bench-api (DATABASE_URL on PostgreSQL); docs/performance.md"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(INSTALLED): $(BIN)/python pyproject.toml requirements.lock
	$(BIN)/python -m pip install --quiet -c requirements.lock -e ".[dev]"
	touch $@

install: $(INSTALLED)

# A local .env with a random SECRET_KEY, written once and never overwritten.
.env: | $(BIN)/python
	@$(BIN)/python -c "import secrets; print('SECRET_KEY=' + secrets.token_urlsafe(50)); print('DEBUG=true')" > .env
	@echo "Wrote .env with a new random SECRET_KEY."

migrate: $(INSTALLED) .env
	$(MANAGE) migrate --noinput

reference: migrate
	$(MANAGE) load_reference_data

seed: reference
	$(MANAGE) load_seed

run: seed
	$(MANAGE) runserver $(HOST):$(PORT)

superuser: migrate
	$(MANAGE) createsuperuser

test: $(INSTALLED)
	$(BIN)/python -m pytest

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fmt: $(INSTALLED)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

migrations-check: $(INSTALLED)
	DJANGO_SETTINGS_MODULE=insop_portal.settings.test $(BIN)/python manage.py makemigrations --check --dry-run

check-deploy: $(INSTALLED)
	DJANGO_SETTINGS_MODULE=insop_portal.settings.production SECRET_KEY=$$($(BIN)/python -c "import secrets; print(secrets.token_urlsafe(50))") \
		$(BIN)/python manage.py check --deploy --fail-level WARNING

# Benchmarks: results and how to read them in docs/performance.md.
BENCH_ROWS ?= 100000
BENCH_ROUNDS ?= 3
API_BENCH_ROWS ?= 1000000
bench: bench-import bench-api

bench-import: migrate
	$(MANAGE) load_reference_data -v0
	$(BIN)/python bench/import_bench.py --rows $(BENCH_ROWS) --rounds $(BENCH_ROUNDS)

# Needs DATABASE_URL pointing at PostgreSQL; fills it with synthetic rows up to API_BENCH_ROWS.
bench-api: migrate
	$(MANAGE) load_reference_data -v0
	$(BIN)/python bench/api_bench.py --rows $(API_BENCH_ROWS) --rounds 5

# Re-pin every dependency (and theirs) from a clean venv; commit the result.
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --upgrade pip
	.lock-venv/bin/python -m pip install --quiet -e ".[dev]"
	.lock-venv/bin/python -m pip freeze --exclude-editable | grep -v '^-e' > requirements.lock
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
