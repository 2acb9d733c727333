# The two commands that matter: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
PYTEST := $(PY) -m pytest

.PHONY: run test test-unit test-integration test-e2e lint migrate clean-var install bench proof \
        system-packages

run: $(STAMP)
	$(PY) -m services.embedded

test: $(STAMP) system-packages
	$(PYTEST) tests -m "not slow"

# Debian's chromium, docker-compose and npm for the browser, compose and accessibility tests:
# installed when missing and we are root, otherwise named (tools/system-packages.sh).
system-packages:
	@bash tools/system-packages.sh

test-unit: $(STAMP)
	$(PYTEST) tests/unit

test-integration: $(STAMP)
	$(PYTEST) tests/integration

test-e2e: $(STAMP) system-packages
	$(PYTEST) tests/e2e

# Every scenario of RELIABILITY.md, slow ones included; prints the proof table (also written
# to var/proof/results.md) and exits non-zero if any scenario fails.
proof: $(STAMP) system-packages
	$(PYTEST) tests/proof -q

bench: $(STAMP) $(VENV)/.bench-installed
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(PY) -m bench.run

$(VENV)/.bench-installed: pyproject.toml requirements.lock $(STAMP)
	$(PY) -m pip install --quiet -c requirements.lock -e '.[dev,bench]'
	touch $@

lint: $(STAMP)
	$(VENV)/bin/ruff check shared services tests

migrate: $(STAMP)
	$(PY) -m shared.migrate all upgrade

install: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c requirements.lock -e '.[dev]'
	touch $(STAMP)

clean-var:
	rm -rf var
