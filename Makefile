# The two commands of the README. Each makes its own virtual environment.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP_QUIET ?= -q

.PHONY: run test install install-dev lint bench soak clean

$(VENV)/bin/activate:
	python3 -m venv $(VENV)
	$(PY) -m pip install $(PIP_QUIET) --upgrade pip

install: $(VENV)/bin/activate
	$(PY) -m pip install $(PIP_QUIET) -e .

install-dev: $(VENV)/bin/activate
	$(PY) -m pip install $(PIP_QUIET) -e '.[dev]'

## make run: install, migrate, load the demo and run web + worker + scheduler (+ embedded Redis)
## (RUN_ARGS="--port 5001 --emulator-port 8791" for other ports, RUN_ARGS="--at ..." to rehearse)
run: install
	HOTLINE_ENV=development $(VENV)/bin/hotline run $(RUN_ARGS)

## make test: install the test tools, check the voice scripts, lint, check the import layers, run every test
test: lint
	$(PY) -m pytest

## make lint: the voice scripts, ruff, mypy and the import layers, without the tests
lint: install-dev
	$(VENV)/bin/hotline scripts check
	$(VENV)/bin/ruff check hotline workers tests bench
	$(VENV)/bin/ruff format --check hotline workers tests bench
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

clean:
	rm -rf $(VENV) instance

## make bench: the call path and the queue under wrk + gunicorn beside what the least webhook costs,
## and the start of a 250-person group call (not a test: numbers to compare over time)
bench: install-dev
	@command -v wrk >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk)
	$(PY) bench/main.py
	$(PY) bench/group_start.py

## make soak: 200 calls against gunicorn + worker + scheduler, Redis restarted and a worker killed
## (not a test: minutes; SOAK_ARGS="--calls 20 --no-chaos", SOAK_DATABASE_URL=postgresql+psycopg://…)
soak: install-dev
	cd bench && $(abspath $(PY)) soak.py $(SOAK_ARGS)
