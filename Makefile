# Rongmei: `make run` (install everything missing, migrate, seed the demo, serve) and
# `make test` (install, lint, the whole test suite). See README.md.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := install
.NOTPARALLEL:

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
HOST   ?= 127.0.0.1
PORT   ?= 8000
# Extra pytest arguments, e.g. `make test PYTEST_ARGS="-k lead -x"`.
PYTEST_ARGS ?=
# Parallel test workers (pytest-xdist); 0 runs in one process.
TEST_WORKERS ?= 2
# manage.py outside `make run` and the tests: development values unless the caller set DEBUG.
MANAGE := DEBUG=$${DEBUG:-1} $(PY) manage.py

PG_URL    ?= postgres://postgres@127.0.0.1:5432/test
REDIS_URL_TEST ?= redis://127.0.0.1:6379/0

# Parallel workers against Redis: settings.py gives each xdist worker its own Redis database,
# since the tests' cache.clear() is a FLUSHDB.
PG_TEST_WORKERS ?= 2

xdist = $(if $(filter-out 0,$(1)),-n $(1),)

MAKEMESSAGES_IGNORE := --ignore=.venv --ignore=node_modules --ignore=build --ignore=var

.PHONY: help install system python node assets compilemessages collectstatic run migrate seed \
        test test-pg test-cluster cluster cluster-stop lint audit format messages check-requirements clean

help:
	@echo "make run       install what is missing, migrate, seed demo data, serve at http://$(HOST):$(PORT)"
	@echo "make test      install, ruff, then the whole test suite (SQLite, in-memory layers)"
	@echo "make test-pg   the suite against PostgreSQL ($(PG_URL)) and Redis ($(REDIS_URL_TEST))"
	@echo "make lint | audit | format | messages | install | check-requirements | clean"

# --- install ------------------------------------------------------------------------
install: system python node compilemessages collectstatic

system:
	@bash scripts/setup_system.sh

$(PY):
	$(PYTHON) -m venv $(VENV)

# The stamp is newer than requirements.txt once it has been installed: pip runs again only
# when requirements.txt changes (or the venv is new).
$(VENV)/.requirements.stamp: requirements.txt | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt 2>&1 \
	  | { grep -v 'is ignored: it is neither a file nor a directory' || true; }
	@touch $@

python: $(VENV)/.requirements.stamp

# npm ci installs exactly package-lock.json; node_modules/.package-lock.json is npm's own
# record of that install, newer than the lockfile once done.
node_modules/.package-lock.json: package-lock.json package.json
	npm ci --no-audit --no-fund
	@touch $@

node: node_modules/.package-lock.json assets

assets: node_modules/.package-lock.json
	@bash scripts/build_assets.sh

# Nothing to compile until `make messages` has written a .po file.
compilemessages: python
	@if find rongmei -name '*.po' -print -quit | grep -q .; then \
	  $(MANAGE) compilemessages $(MAKEMESSAGES_IGNORE) -v 0; fi

collectstatic: python assets
	@$(MANAGE) collectstatic --noinput -v 0

# --- run ----------------------------------------------------------------------------
# DEBUG=1 and the embedded defaults (SQLite in var/, in-memory channel layer, database task
# queue) unless you set DATABASE_URL / REDIS_URL yourself.
run: export DEBUG := 1
run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py publish_pages --if-stale
	@echo
	@echo "Rongmei: http://$(HOST):$(PORT)/  (demo logins above; Ctrl-C stops)"
	HOST=$(HOST) PORT=$(PORT) PYTHON=$(PY) bash scripts/run.sh

migrate: python
	$(MANAGE) migrate --noinput

seed: migrate
	$(MANAGE) seed_demo

# --- the scaled topology on one machine (rongmei/cluster.py, docs/deployment.md) ----------
# nginx on :8080, two WSGI web processes, one ASGI process, two RQ workers, PostgreSQL and Redis
# of its own, all under var/cluster/. CLUSTER_PORT moves it.
cluster: install
	$(PY) -m rongmei.cluster up

cluster-stop:
	@if [ -x $(PY) ]; then $(PY) -m rongmei.cluster down; fi

# --- test ---------------------------------------------------------------------------
# ruff first; the suite runs even when ruff complains, so one run shows everything, and the
# target fails with pytest's status, or ruff's when the tests passed.
# The fault tests (tests/cluster, marker `cluster`) start their own cluster and run after the
# rest, in one process: `make test-cluster` alone.
test: install
	@lint=0; $(VENV)/bin/ruff check . || lint=$$?; \
	status=0; $(VENV)/bin/pytest $(call xdist,$(TEST_WORKERS)) $(PYTEST_ARGS) || status=$$?; \
	cluster=0; if [ -z "$(PYTEST_ARGS)" ]; then $(MAKE) --no-print-directory test-cluster || cluster=$$?; fi; \
	if [ $$status -eq 0 ] && [ $$cluster -ne 0 ]; then status=$$cluster; fi; \
	if [ $$status -eq 0 ] && [ $$lint -ne 0 ]; then echo "make test: the tests passed but ruff check failed"; status=$$lint; fi; \
	exit $$status

test-cluster: install
	$(VENV)/bin/pytest -m cluster tests/cluster -p no:xdist $(CLUSTER_PYTEST_ARGS)

test-pg: export DATABASE_URL := $(PG_URL)
test-pg: export REDIS_URL := $(REDIS_URL_TEST)
test-pg: install
	$(VENV)/bin/pytest $(call xdist,$(PG_TEST_WORKERS)) $(PYTEST_ARGS)

# Does requirements.txt list exactly what is installed in .venv? Run it after a pip install.
check-requirements: python
	@diff <(grep -v '^#' requirements.txt | grep . | sed 's/\[[a-z,]*\]//' | tr A-Z_ a-z- | sort) \
	      <($(PY) -m pip freeze --exclude-editable | tr A-Z_ a-z- | sort) \
	  && echo "requirements.txt matches .venv" \
	  || { echo "requirements.txt differs from .venv (< only in requirements.txt, > only in .venv)"; exit 1; }

lint: python
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# pip-audit: every pin of requirements.txt against PyPI's advisory database (needs the network).
# A pin it could not look up fails the target (--strict), so "no known vulnerabilities" means
# every pin was checked. Offline, that failure says so; AUDIT_OFFLINE=warn turns only that case
# into a warning (.ci/run's choice, docs/security.md "Dependencies"). Vulnerabilities always fail.
AUDIT_OFFLINE ?= fail
audit: python
	@log=$$(mktemp); status=0; \
	$(VENV)/bin/pip-audit -r requirements.txt --no-deps --disable-pip --strict --progress-spinner off 2>"$$log" || status=$$?; \
	grep -v -e 'encouraged to fully hash' -e 'pip-compile' "$$log" >&2 || true; \
	if [ $$status -ne 0 ] && grep -q -e 'could not be audited' -e 'ConnectionError' -e 'Max retries' "$$log"; then \
	  rm -f "$$log"; \
	  echo "make audit: PyPI's vulnerability service could not be reached: nothing was audited."; \
	  if [ "$(AUDIT_OFFLINE)" = warn ]; then echo "make audit: WARNING only (AUDIT_OFFLINE=warn)"; exit 0; fi; \
	  echo "make audit: run it with the network, or AUDIT_OFFLINE=warn to accept an unaudited run"; exit 1; \
	fi; \
	rm -f "$$log"; exit $$status

format: python
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Extract every translatable string of the project into rongmei/locale/zh_Hans.
messages: python
	mkdir -p rongmei/locale
	cd rongmei && DEBUG=$${DEBUG:-1} ../$(PY) ../manage.py makemessages -l zh_Hans $(MAKEMESSAGES_IGNORE) --no-obsolete
	cd rongmei && DEBUG=$${DEBUG:-1} ../$(PY) ../manage.py makemessages -d djangojs -l zh_Hans $(MAKEMESSAGES_IGNORE) --no-obsolete

clean:
	rm -rf build/static/vendor var/static .pytest_cache .ruff_cache
