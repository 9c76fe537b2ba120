# Everything a developer or CI needs. `make run` and `make test` set themselves up.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
# Stamp files so that a second `make run` skips what is already done: RUNTIME holds what serving the
# portal needs (`make run`), INSTALLED adds the test and lint tools (`make test`, `make lint`).
RUNTIME := $(VENV)/.installed-runtime
INSTALLED := $(VENV)/.installed-dev
# `make test` runs the tests on this many processes, each with its own test database (pytest-xdist).
PYTEST_WORKERS ?= 2
# make test-all's selection; CI leaves out the fuzz tier there, as make reliability runs it at 100 examples.
TEST_ALL_MARKERS ?= not drill

# $(call need,CHECK,PACKAGES): when the shell command CHECK fails, install the Debian packages with
# apt-get if we are root (as .ci/run does), otherwise stop and name them. CHECK must hold no comma.
need = $(1) >/dev/null 2>&1 || { \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing $(2) (apt-get)"; apt-get update -qq \
		&& DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(2) >/dev/null; \
	else echo "Missing system package: $(2). Install it (Debian/Ubuntu: sudo apt-get install $(2)) and run make again." >&2; \
		exit 1; fi; }

.PHONY: help install install-runtime test-all run serve superuser migrate reference seed test lint fmt migrations-check messages messages-check screenshots lock check-deploy bench bench-import bench-api bench-static bench-datasette bench-load vendor clean backup restore reliability

help:
	@echo "make run               set up (venv, .env, database, reference data) and serve http://$(HOST):$(PORT)"
	@echo "make test              the fast tier, after each change: needs only Python (SQLite; PostgreSQL when DATABASE_URL is set)"
	@echo "make test-all          the fast tier plus the browser (Chromium), tools (curl, R) and fuzz tiers, as CI runs them"
	@echo "make superuser         create an admin account"
	@echo "make lint | fmt        ruff check | ruff format"
	@echo "make migrations-check  fail if models and migrations drift"
	@echo "make screenshots       refresh docs/screenshots/ (needs Chromium)"
	@echo "make messages          collect new interface strings into locale/*/django.po and compile them"
	@echo "make messages-check    fail if a string is missing from the catalogs or a .mo is stale"
	@echo "make lock              re-pin requirements.lock from pyproject.toml"
	@echo "make vendor            refresh the vendored map shapes and test tools from the npm registry"
	@echo "make bench             benchmarks B1-B7 (B7: the check of 10,000 samples) (DATABASE_URL on PostgreSQL); docs/performance.md"
	@echo "make reliability       the reliability and security suite (DATABASE_URL on PostgreSQL); docs/reliability.md"
	@echo "make backup            pg_dump of DATABASE_URL into backups/, with a manifest of row counts and checksums"
	@echo "make restore           restore drill: the newest backup (or DUMP=file) into a scratch database, checked"

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) is needed (Debian/Ubuntu: apt-get install python3.11 python3.11-venv)" >&2; exit 1; }
	@$(call need,$(PYTHON) -c "import ensurepip",python3.11-venv)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUNTIME): $(BIN)/python pyproject.toml requirements.lock
	$(BIN)/python -m pip install --quiet -c requirements.lock -e .
	touch $@

# The development tools come on top of what the portal needs, so this stamp stands for both.
$(INSTALLED): $(BIN)/python pyproject.toml requirements.lock
	$(BIN)/python -m pip install --quiet -c requirements.lock -e ".[dev]"
	touch $(RUNTIME) $@

install-runtime: $(RUNTIME)

install: $(INSTALLED)

# A local .env with a random SECRET_KEY, written once and never overwritten.
.env: | $(BIN)/python
	@$(BIN)/python -c "import secrets; print('SECRET_KEY=' + secrets.token_urlsafe(50)); print('DEBUG=true')" > .env
	@echo "Wrote .env with a new random SECRET_KEY."

migrate: $(RUNTIME) .env
	$(MANAGE) migrate --noinput

reference: migrate
	$(MANAGE) load_reference_data

seed: reference
	$(MANAGE) load_seed
	$(MANAGE) load_demo_accounts
	$(MANAGE) load_demo_sops

# Links in the e-mails the portal sends point at the address it serves, unless PORTAL_BASE_URL is
# set (in the environment or in .env).
run: seed
	@if [ -z "$${PORTAL_BASE_URL:-}" ] && ! grep -qs '^PORTAL_BASE_URL=' .env; then \
		export PORTAL_BASE_URL=http://$(HOST):$(PORT); fi; \
	echo "Serving http://$(HOST):$(PORT)/ (links in e-mails: $${PORTAL_BASE_URL:-from .env})"; \
	$(MANAGE) runserver $(HOST):$(PORT)

superuser: migrate
	$(MANAGE) createsuperuser

# Tiers (pyproject.toml's markers): `make test` runs the fast tier, which needs no system package
# beyond Python; `make test-all` adds the browser, tools and fuzz tiers and installs Chromium, curl and
# R when it can. The fault drills need PostgreSQL and run in `make reliability`.
test: $(INSTALLED)
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS)

test-all: $(INSTALLED)
	@$(call need,test -x /usr/bin/chromium,chromium)
	@$(call need,command -v curl,curl)
	@$(call need,Rscript -e "library(jsonlite)",r-base-core r-cran-jsonlite)
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) -m "$(TEST_ALL_MARKERS)"

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports  # the floors: pyproject.toml [tool.importlinter]

fmt: $(INSTALLED)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

screenshots: seed $(INSTALLED)
	$(BIN)/python docs/screenshots/take.py

# Translation catalogs (locale/): `make messages` after changing interface text, then translate the
# new entries of locale/<lang>/LC_MESSAGES/django.po (French and Spanish must stay complete: the
# tests check it) and run it again to compile. Needs GNU gettext (apt-get install gettext).
CATALOGS = env -u DATABASE_URL DJANGO_SETTINGS_MODULE=insop_portal.settings.test $(MANAGE)
MAKEMESSAGES = $(CATALOGS) makemessages -l fr -l es -l ar -l zh_Hans -l ru --no-location \
	--ignore ".venv/*" --ignore "tests/*" --ignore "bench/*" --ignore "static/*"
messages: $(INSTALLED)
	$(MAKEMESSAGES)
	$(CATALOGS) compilemessages --ignore ".venv/*"

messages-check: $(INSTALLED)
	$(MAKEMESSAGES) --verbosity 0
	git diff --exit-code --ignore-matching-lines='^"POT-Creation-Date' -- locale/ \
		|| { echo "Interface strings changed: run make messages and translate the new entries." >&2; exit 1; }

migrations-check: $(INSTALLED)
	DJANGO_SETTINGS_MODULE=insop_portal.settings.test $(BIN)/python manage.py makemigrations --check --dry-run

check-deploy: $(INSTALLED)
	DJANGO_SETTINGS_MODULE=insop_portal.settings.production SECRET_KEY=$$($(BIN)/python -c "import secrets; print(secrets.token_urlsafe(50))") \
		$(BIN)/python manage.py check --deploy --fail-level WARNING

# Benchmarks: results and how to read them in docs/performance.md. They need DATABASE_URL pointing
# at PostgreSQL (filled up to API_BENCH_ROWS synthetic values), wrk and psql (apt-get install wrk
# postgresql-client); Datasette, the peer of B5, is installed into its own venv.
BENCH_ROWS ?= 100000
BENCH_ROUNDS ?= 3
API_BENCH_ROWS ?= 1000000
BENCH_VENV := .venv-bench
DATASETTE_VERSION := 0.65.5
PRODUCTION_ENV := DJANGO_SETTINGS_MODULE=insop_portal.settings.production HTTPS=false DJANGO_READ_DOT_ENV_FILE=false \
	SECRET_KEY=$$($(BIN)/python -c "import secrets; print(secrets.token_urlsafe(50))")

bench: bench-import bench-api bench-datasette bench-load bench-check

bench-import: migrate $(INSTALLED)
	$(MANAGE) load_reference_data -v0
	$(BIN)/python bench/import_bench.py --rows $(BENCH_ROWS) --rounds $(BENCH_ROUNDS)

bench-static: $(INSTALLED)
	$(PRODUCTION_ENV) $(BIN)/python manage.py collectstatic --noinput -v0

bench-api: migrate bench-static
	$(MANAGE) load_reference_data -v0
	$(BIN)/python bench/api_bench.py --rows $(API_BENCH_ROWS) --rounds 5

$(BENCH_VENV)/bin/datasette:
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet datasette==$(DATASETTE_VERSION)

bench-datasette: migrate bench-static $(BENCH_VENV)/bin/datasette
	$(MANAGE) load_reference_data -v0
	$(BIN)/python bench/datasette_bench.py --rows $(API_BENCH_ROWS) --rounds $(BENCH_ROUNDS) --datasette $(BENCH_VENV)/bin/datasette

# B7: checking 10,000 samples against every jurisdiction of the seed data (loads it if the database has none).
bench-check: migrate
	$(MANAGE) load_reference_data -v0
	$(BIN)/python bench/check_bench.py --samples 10000 --rounds 3

bench-load: migrate bench-static
	$(MANAGE) load_reference_data -v0
	$(BIN)/python bench/mixed_load.py --rows $(API_BENCH_ROWS) --clients 50 --seconds 60

# The reliability and security suite (docs/reliability.md). DATABASE_URL must name a scratch PostgreSQL
# database: the drills restart PostgreSQL, import 200,000 values and add RELIABILITY_ROWS synthetic
# values for the load. Needs wrk, pg_dump and Chromium (CI installs them).
RELIABILITY_ROWS ?= 100000
# Which of the suite's tests to run (pytest -m) besides the fuzz tier, which always runs (at 100
# examples, on PYTEST_WORKERS workers): all of them by default; CI, which has just run the light ones
# in make test-all, passes "drill or fuzz" (the drills).
RELIABILITY_MARKERS ?=
reliability: migrate bench-static
	@case "$$DATABASE_URL" in postgres*) ;; *) echo "make reliability needs DATABASE_URL=postgres://..." >&2; exit 1;; esac
	$(MANAGE) load_reference_data -v0
	SCHEMATHESIS_EXAMPLES=100 $(BIN)/python -m pytest -m "$(if $(RELIABILITY_MARKERS),($(RELIABILITY_MARKERS)) and not fuzz,not fuzz)" \
		-p no:cacheprovider tests/reliability tests/portal/test_api_schema_fuzz.py tests/browser/test_security_policy_in_chromium.py
	# The fuzz tier runs on its own, on PYTEST_WORKERS workers: its tests share nothing but the database.
	SCHEMATHESIS_EXAMPLES=100 $(BIN)/python -m pytest -n $(PYTEST_WORKERS) -m fuzz -p no:cacheprovider tests/reliability \
		tests/portal/test_api_schema_fuzz.py
	$(BIN)/python bench/mixed_load.py --rows $(RELIABILITY_ROWS) --clients 50 --seconds 60
	$(BIN)/python bench/autosave_load.py --clients 200 --responses 20
	$(BIN)/python bench/hostile_visitor.py

# Backups (PostgreSQL): docs/reliability.md, "Backup and restore".
backup: $(INSTALLED)
	$(BIN)/python -m insop_portal.backup dump --to backups

restore: $(INSTALLED)
	$(BIN)/python -m insop_portal.backup restore $(if $(DUMP),--dump $(DUMP))

# Re-pin every dependency (and theirs) from a clean venv; commit the result.
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --upgrade pip
	.lock-venv/bin/python -m pip install --quiet -e ".[dev]"
	.lock-venv/bin/python -m pip freeze --exclude-editable | grep -v '^-e' > requirements.lock
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache

# Third-party assets come from the npm registry, never a CDN, and are committed with their licences:
# world-atlas (Natural Earth country shapes, drawn server-side into the map) under static/vendor/,
# axe-core (accessibility checks in the browser tests) under tests/vendor/.
WORLD_ATLAS ?= world-atlas@2.0.2
AXE_CORE ?= axe-core@4.10.3
vendor:
	@command -v npm >/dev/null || { echo "npm is needed (Debian: apt-get install npm)"; exit 1; }
	rm -rf static/vendor/world-atlas tests/vendor/axe-core
	mkdir -p static/vendor/world-atlas tests/vendor/axe-core
	tmp=$$(mktemp -d) && cd $$tmp && npm pack --silent $(WORLD_ATLAS) $(AXE_CORE) >/dev/null \
		&& for tarball in *.tgz; do tar -xzf $$tarball && mv package $${tarball%.tgz}; done \
		&& cp world-atlas-*/countries-110m.json world-atlas-*/LICENSE world-atlas-*/package.json $(CURDIR)/static/vendor/world-atlas/ \
		&& cp axe-core-*/axe.min.js axe-core-*/LICENSE axe-core-*/package.json $(CURDIR)/tests/vendor/axe-core/ \
		&& rm -rf $$tmp
	@echo "Vendored $(WORLD_ATLAS) and $(AXE_CORE)."
