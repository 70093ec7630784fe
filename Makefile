# metricsdash: the two set-up commands are `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python

# Tests run against real services; defaults are the local ones on standard ports.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/metricsdash
TEST_BROKER_URL ?= redis://127.0.0.1:6379/1
# The suite runs in this many processes (pytest-xdist): much of it waits on workers, the
# sandbox and the browser, so three keep two cores busy. Each has its own database and
# Redis databases (tests/isolation.py); TEST_PROCESSES=0 runs it in one.
TEST_PROCESSES ?= 3

.PHONY: demo test bench lint format install install-runtime clean

$(VENV)/.runtime: requirements.txt
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) is needed (see README)"; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@echo "==> installing the Python packages into $(VENV) (about a minute the first time)"
	@$(PY) -m pip install --quiet --upgrade pip
	@$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.installed: $(VENV)/.runtime requirements-dev.txt
	@echo "==> installing the test and tooling packages into $(VENV)"
	@$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@

node_modules/.installed: package.json package-lock.json
	@echo "==> installing npm packages (Chart.js)"
	@npm ci --no-audit --no-fund --loglevel=error
	@touch $@

install: $(VENV)/.installed node_modules/.installed

install-runtime: $(VENV)/.runtime node_modules/.installed

# Bytecode is written (PYTHONDONTWRITEBYTECODE cleared): where the environment sets it, every
# test process, Celery worker and gunicorn would compile the project again, and pytest
# rewrite every test module's asserts again, at every start.
test: install
	PYTHONDONTWRITEBYTECODE= \
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} \
	CELERY_BROKER_URL=$${CELERY_BROKER_URL:-$(TEST_BROKER_URL)} \
	$(PY) -m pytest -n $(TEST_PROCESSES) --dist worksteal $(PYTEST_ARGS)

# The benchmarks (docs/BENCHMARKS.md) on a database of their own, created if missing.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/metricsdash_bench
BENCH_BROKER_URL ?= redis://127.0.0.1:6379/2

bench: install
	BENCH_DATABASE_URL=$(BENCH_DATABASE_URL) \
	CELERY_BROKER_URL=$${CELERY_BROKER_URL:-$(BENCH_BROKER_URL)} \
	$(PY) -m bench $(BENCH_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache
	$(PY) manage.py makemigrations --check --dry-run

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

demo: install-runtime
	@echo "==> preparing the embedded database (SQLite in WAL mode, under var/)"
	@$(PY) manage.py migrate --noinput -v 0
	@$(PY) manage.py seed_demo
	@echo "==> starting the X API sandbox (:8001), the web server (:8000) and a Celery worker"
	@echo "    with beat; open http://127.0.0.1:8000 and sign in with the login above."
	@echo "    Ctrl-C stops everything."
	@$(VENV)/bin/honcho -f Procfile.demo start

clean:
	rm -rf $(VENV) node_modules var .pytest_cache .ruff_cache
