# The two commands of the README: `make run` and `make test`. Everything else is their parts.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install messages run test lint system-packages

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

# Debian packages the tests use: Chromium (browser tests) and poppler-utils (PDF text).
# Installed when missing and we may (root with apt); otherwise those tests skip locally.
system-packages:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v pdftotext >/dev/null 2>&1 || missing="$$missing poppler-utils"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "Not installed:$$missing — the tests that need them will be skipped."; fi; \
	fi

test: install system-packages
	$(PY) -m pytest

lint: install
	$(VENV)/bin/ruff check .
