# The two commands of the README. Each makes its own virtual environment.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP_QUIET ?= -q

.PHONY: run test install install-dev lint bench clean

$(VENV)/bin/activate:
	python3 -m venv $(VENV)
	$(PY) -m pip install $(PIP_QUIET) --upgrade pip

install: $(VENV)/bin/activate
	$(PY) -m pip install $(PIP_QUIET) -e .

install-dev: $(VENV)/bin/activate
	$(PY) -m pip install $(PIP_QUIET) -e '.[dev]'

## make run: install, migrate, load the demo and run web + worker + scheduler (+ embedded Redis)
run: install
	HOTLINE_ENV=development $(VENV)/bin/hotline run

## make test: install the test tools, check the voice scripts, lint, check the import layers, run every test
test: install-dev
	$(VENV)/bin/hotline scripts check
	$(VENV)/bin/ruff check hotline workers tests bench
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports
	$(PY) -m pytest

clean:
	rm -rf $(VENV) instance

## make bench: measure the webhook hot path and the start of a 250-person group call (not a test: numbers to compare over time)
bench: install-dev
	$(PY) bench/webhooks.py
	$(PY) bench/group_start.py
