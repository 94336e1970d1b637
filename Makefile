# make run   - set everything up and run the API, the worker and Redis with demo data (SQLite)
# make test  - set everything up and run lint, types, layering and the tests (SQLite + PostgreSQL)
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV ?= .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
export UV_PROJECT_ENVIRONMENT := $(abspath $(VENV))
export UV_PYTHON_DOWNLOADS := never

.PHONY: help run test web-test web-build lint typecheck importlint pytest openapi fuzz bench bench-intake bench-pdf bench-docs bench-worker bench-receivables bench-console bench-onec bench-mailbox deps os-deps-run os-deps-test clean

help:
	@echo "make run    - install what is missing, build the console, migrate, load demo data, start Redis, the API and the worker"
	@echo "make test   - install what is missing, then ruff, mypy, import-linter and pytest (SQLite + PostgreSQL)"
	@echo "make web-test - the console (web/): npm ci, generated client, tsc, eslint, vitest, build, size budget, audit"
	@echo "make openapi - regenerate openapi/openapi.json from the app"
	@echo "make fuzz   - a longer schemathesis run over the whole API"
	@echo "make bench  - every benchmark, then one table of every goal (about 15 min; BENCH_SCALE=0.1 for less data)"
	@echo "make bench-intake - order intake and the amoCRM webhook against a bare endpoint, p99 at 100 req/s"
	@echo "make bench-docs - the document PDFs (proposals, a 500-line reconciliation act) against a one-page floor"
	@echo "make bench-worker - the arq worker's memory through a batch of e-mails with acts"
	@echo "make bench-pdf - the proposal PDF benchmark (20 lines with photos, and one line)"
	@echo "make bench-console - the console's first rows («Сегодня», «Заявки») against a static page, in Chromium"
	@echo "make bench-onec - the 1C adapter's own CPU for a catalogue search and an invoice, against bare httpx"
	@echo "make bench-mailbox - the shared mailbox's reader against a bare IMAP fetch-and-parse loop (local dovecot)"
	@echo "make bench-receivables - aging, DSO, the ledger and the daily sweep over 1M invoices (PostgreSQL)"

$(UV):
	@echo "==> creating the virtualenv in $(VENV)"
	@python3 -m venv $(VENV)
	@$(VENV)/bin/pip install --quiet --disable-pip-version-check uv

deps: $(UV)
	@echo "==> installing Python dependencies from uv.lock"
	@$(UV) sync --frozen --inexact --quiet

os-deps-run:
	@scripts/os-deps.sh run

os-deps-test:
	@scripts/os-deps.sh test

run: os-deps-run deps web-build
	@$(VENV)/bin/pomoshnik dev --port $${PORT:-8000}

lint: deps
	@echo "==> ruff"
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/ruff format --check --quiet .

typecheck: deps
	@echo "==> mypy (strict)"
	@$(VENV)/bin/mypy

importlint: deps
	@echo "==> import-linter (layers)"
	@$(VENV)/bin/lint-imports --no-cache

# The console's packages when the lock file changed, and its build when its sources changed
# (web/dist/.built is the stamp): what `make run` serves at /.
WEB_SOURCES := $(shell find web/src web/public -type f 2>/dev/null) web/index.html web/package.json \
	web/vite.config.ts web/tsconfig.json
web/node_modules/.package-lock.json: web/package-lock.json
	@echo "==> installing the console's packages (npm ci)"
	@cd web && npm ci --no-fund --no-audit --loglevel=error
	@touch $@

web/dist/.built: web/node_modules/.package-lock.json $(WEB_SOURCES)
	@echo "==> building the console (web/)"
	@cd web && npx vite build --logLevel warn
	@touch $@

web-build: os-deps-run web/dist/.built

# The console: its own checks, and the build that the API serves at / and the browser tests drive.
web-test: os-deps-test
	@echo "==> the console (web/): npm ci, generated client, tsc, eslint, vitest, build, budget, audit"
	@cd web && npm ci --no-fund --no-audit --loglevel=error
	@cd web && npm run --silent gen:check
	@cd web && npx tsc --noEmit
	@cd web && npx eslint .
	@cd web && npx vitest run
	@cd web && npx vite build --logLevel warn && touch dist/.built
	@cd web && node scripts/check-budget.mjs
	@cd web && node scripts/audit.mjs

pytest: os-deps-test deps
	@echo "==> pytest (SQLite and PostgreSQL, real Redis and SMTP)"
	@POMOSHNIK_CHECK_DECLARED=$${POMOSHNIK_CHECK_DECLARED:-1} $(VENV)/bin/pytest -n $${PYTEST_WORKERS:-2} --dist worksteal $(PYTEST_ARGS)

test: os-deps-test deps lint typecheck importlint web-test pytest

openapi: deps
	@$(VENV)/bin/pomoshnik openapi

bench: os-deps-test deps web-build
	@echo "==> benchmarks: intake, receivables, documents, worker memory, console, 1C adapter; one summary table at the end"
	@$(PY) bench/run.py

bench-intake: os-deps-test deps
	@echo "==> benchmark: order intake against a bare FastAPI endpoint (PostgreSQL, Redis, uvicorn on loopback)"
	@$(PY) bench/intake.py

bench-docs: os-deps-test deps
	@$(PY) bench/documents.py

bench-worker: os-deps-test deps
	@$(PY) bench/worker_memory.py

bench-console: os-deps-test deps web-build
	@echo "==> benchmark: the console's first rows against a static page (PostgreSQL, the API, Chromium)"
	@$(PY) bench/console.py

bench-mailbox: os-deps-test deps
	@echo "==> benchmark: 1 000 e-mails taken from a local dovecot against a bare fetch-and-parse loop"
	@$(PY) bench/mailbox.py

bench-onec: deps
	@echo "==> benchmark: the 1C adapter against bare httpx calls to the fake 1C on loopback"
	@$(PY) bench/onec.py

fuzz: os-deps-test deps
	@FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-200} $(VENV)/bin/pytest tests/contract -q

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache

bench-pdf: deps
	@$(PY) bench/proposal_pdf.py

bench-receivables: os-deps-test deps
	@echo "==> benchmark: receivables at scale (100k clients, 1M invoices, 1M payments on PostgreSQL)"
	@$(PY) bench/receivables.py
