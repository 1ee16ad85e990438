# The two commands of the README: `make run` and `make test`. Everything else is their parts.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install messages run test lint

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check --upgrade pip
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -e ".[dev]"
	touch $(STAMP)

# Message catalogues are compiled on install, never committed as binaries.
messages: $(STAMP)
	$(PY) manage.py compilemessages --settings=config.test_settings --ignore=$(VENV) --ignore=node_modules -v 0

install: $(STAMP) messages

# The portal on the embedded default: SQLite file, no Redis, demo data, jobs on a local broker.
run: install
	DEBUG=$${DEBUG:-true} HOST=$(HOST) PORT=$(PORT) $(PY) manage.py run_portal

test: install
	$(PY) -m pytest

lint: install
	$(VENV)/bin/ruff check .
