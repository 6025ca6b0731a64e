# The two commands: `make run` (the whole system with demo data) and `make test` (every check).
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3
export DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/aftersales
export REDIS_URL ?= redis://127.0.0.1:6379/0
export PY

.PHONY: run test setup setup-test venv services db messages static seed lint check-migrations pytest bench clean

# Quiet: what a person needs (the address, the logins, the demo API key) and errors, nothing else.
run: setup static seed
	@DEBUG=$${DEBUG:-1} scripts/run.sh

test: setup-test lint check-migrations pytest

setup: venv
	@scripts/ensure_system.sh run
	@scripts/ensure_services.sh
	@$(PY) manage.py ensure_database
	@$(PY) manage.py migrate --noinput -v 0
	@$(MAKE) --no-print-directory messages

setup-test: venv
	scripts/ensure_system.sh test
	scripts/ensure_services.sh
	$(MAKE) --no-print-directory messages

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c constraints.txt -e '.[dev]'
	touch $@

messages:
	@$(PY) manage.py compilemessages --ignore=.venv --ignore=var -v0

static:
	@$(PY) manage.py collectstatic --noinput -v0

# Idempotent; a first run takes a few minutes. Sends no message (the demo's history notifies nobody).
seed:
	@echo "Demo data: making sure it is there (a first run takes a few minutes)…"
	@$(PY) manage.py seed_demo -v 0

# ruff, then the apps' layers (import-linter's contract in pyproject.toml: imports run down only).
lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

check-migrations:
	$(PY) manage.py makemigrations --check --dry-run

# Two pytest-xdist workers (this machine has 2 cores). `--dist load` hands tests out one by one in
# collection order, which pytest-django sorts transactional tests (they empty the database) last. Not
# loadfile/loadgroup: they key work by node id and silently run one of schemathesis' same-named cases.
# The tests' Redis is database 15 (14 for the second worker), never `make run`'s 0.
PYTEST_WORKERS ?= 2
pytest:
	REDIS_URL=redis://127.0.0.1:6379/15 $(PY) -m pytest -p no:cacheprovider -n $(PYTEST_WORKERS) --dist load

bench:
	$(PY) bench/seed_scale.py

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
