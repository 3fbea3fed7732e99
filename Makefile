# make run    install into .venv, migrate the SQLite demo database, load demo data, serve on :5000
# make test   install what is missing (Chromium, PostgreSQL, Redis, Node, dev packages), lint, run
#             tests, the mini-program's too (make test-miniprogram: jest, WXML lint, type check)
# make bench  nearby-station search under load, against PostgreSQL and gunicorn
# make bench-console  the console's orders list, dashboard and export over 2 million orders
# make miniprogram-screens  screenshots of the mini-program's pages into docs/miniprogram/

PYTHON ?= $(shell command -v python3.11 || command -v python3)
export PYTHON
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
RUN_STAMP := $(VENV)/.installed-runtime
DEV_STAMP := $(VENV)/.installed-dev
MP := miniprogram
MP_STAMP := $(MP)/node_modules/.installed

.PHONY: run test lint services bench bench-orders bench-console test-miniprogram miniprogram-screens

run: $(RUN_STAMP)
	$(FLASK) db upgrade
	$(FLASK) seed-demo
	$(FLASK) run --host 127.0.0.1 --port 5000 --with-threads

test: services $(DEV_STAMP) lint test-miniprogram
	$(BIN)/pytest -n auto

# The driver's mini-program, offline: unit and page tests (miniprogram-simulate, WeChat's wcc and
# wcsc), WXML and JS lint, and a checkJs type check against miniprogram-api-typings.
test-miniprogram: $(MP_STAMP)
	cd $(MP) && npm test --silent && npm run --silent lint && npm run --silent typecheck

# The driver's pages as WeChat would show them: each scenario of miniprogram/screens/scenarios.js
# runs in miniprogram-simulate and is written as HTML (screens/build/, git-ignored), then
# screens/shoot.py screenshots them in headless Chromium at 375x667 into docs/miniprogram/.
miniprogram-screens: $(MP_STAMP) $(DEV_STAMP)
	bash .ci/setup-services.sh chromium
	cd $(MP) && npx jest --config screens/jest.config.js --silent
	$(BIN)/python $(MP)/screens/shoot.py

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

# Seeds jiayou_bench_console once (kept, and reused for 12 h); --fresh seeds it again.
bench-console: $(DEV_STAMP)
	bash .ci/setup-services.sh postgres
	$(BIN)/python -m bench.console --explain

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

# Reinstall the mini-program's npm packages only when its lockfile changes (npm ci empties
# node_modules, so the stamp lives inside it).
$(MP_STAMP): $(MP)/package.json $(MP)/package-lock.json
	bash .ci/setup-services.sh node
	cd $(MP) && npm ci --no-audit --no-fund
	touch $@
