# make run    install into .venv, migrate the SQLite demo database, load demo data, serve on :5000
# make test   install what is missing (Chromium, PostgreSQL, Redis, dev packages), lint, run tests
# make bench  nearby-station search under load, against PostgreSQL and gunicorn

PYTHON ?= $(shell command -v python3.11 || command -v python3)
export PYTHON
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
RUN_STAMP := $(VENV)/.installed-runtime
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: run test lint services bench bench-orders

run: $(RUN_STAMP)
	$(FLASK) db upgrade
	$(FLASK) seed-demo
	$(FLASK) run --host 127.0.0.1 --port 5000 --with-threads

test: services $(DEV_STAMP) lint
	$(BIN)/pytest -n auto

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

services:
	bash .ci/setup-services.sh

bench: $(DEV_STAMP)
	bash .ci/setup-services.sh postgres redis wrk
	$(BIN)/python -m bench.stations

bench-orders: $(DEV_STAMP)
	bash .ci/setup-services.sh postgres redis
	$(BIN)/python -m bench.order_flow

$(BIN)/pip:
	$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); echo "Cannot make a virtualenv:" \
		"on Debian, apt-get install python3-venv"; exit 1; }

# Stamps: reinstall only when a requirements file changes.
$(RUN_STAMP): requirements.txt | $(BIN)/pip
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(DEV_STAMP): requirements.txt requirements-dev.txt | $(BIN)/pip
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@ $(RUN_STAMP)
