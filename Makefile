# The two commands of the quick start: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := marketplace

.PHONY: install install-test vendor lock lint run dev test bench bench-memory bench-matching screenshots

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# The exact versions in requirements/*.txt (the lock, made by `make lock`), then the project itself;
# reinstalled whenever the lock or pyproject.toml changes.
$(VENV)/.installed: pyproject.toml requirements/run.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements/run.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml requirements/test.txt $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -r requirements/test.txt
	touch $@

## make lock: pin every dependency (and theirs) within pyproject.toml's bounds into requirements/*.txt;
## existing pins are kept unless LOCK_UPGRADE=--upgrade.
LOCK_FLAGS := --quiet --strip-extras --allow-unsafe --no-emit-index-url --no-emit-find-links
lock: | $(BIN)/python
	$(BIN)/python -m pip install --quiet 'pip-tools>=7.4,<8'
	$(BIN)/pip-compile $(LOCK_FLAGS) $(LOCK_UPGRADE) -o requirements/run.txt pyproject.toml
	$(BIN)/pip-compile $(LOCK_FLAGS) $(LOCK_UPGRADE) --extra test -o requirements/test.txt pyproject.toml

## The charts' script: ECharts at the exact version package-lock.json pins, fetched by npm at build time and
## copied into marketplace/static/vendor/ (git-ignored; a built wheel carries it), so pages load it from the
## app itself, never a CDN. Re-copied when the lock changes. Without npm the statistics pages show their tables
## only, and the build says so.
VENDOR := marketplace/static/vendor
$(VENDOR)/echarts/echarts.min.js: package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --ignore-scripts --no-audit --no-fund --loglevel=error && \
		mkdir -p $(VENDOR)/echarts && \
		cp node_modules/echarts/dist/echarts.min.js node_modules/echarts/LICENSE $(VENDOR)/echarts/ && \
		touch $@; \
	else \
		echo "npm not found: ECharts was not installed; the statistics pages will show tables without charts." \
		     "Install Node.js and npm, then run make install again."; \
	fi

vendor: $(VENDOR)/echarts/echarts.min.js

install: $(VENV)/.installed vendor

install-test: $(VENV)/.installed-test vendor

## make run: install, create or upgrade the database, do the jobs that fell due since the last run
## (close listings past their deadline…), seed the demo on an empty database (its accounts printed
## last, where they are seen), serve with gunicorn (gunicorn.conf.py: the master loads the match index
## before forking the workers, which share it).
run: install
	$(BIN)/flask db-upgrade
	-$(BIN)/flask run-jobs
	$(BIN)/flask seed-demo --if-empty
	@echo "Serving on http://127.0.0.1:$(PORT)  (Ctrl-C to stop)"
	COOKIE_SECURE=0 $(BIN)/gunicorn -c gunicorn.conf.py --workers 2 --bind 127.0.0.1:$(PORT) --access-logfile - 'marketplace:create_app()'

## make dev: the same with Flask's debug server and reloader.
dev: install
	$(BIN)/flask db-upgrade
	-$(BIN)/flask run-jobs
	$(BIN)/flask seed-demo --if-empty
	APP_ENV=development $(BIN)/flask run --debug --port $(PORT)

## make test: install the test dependencies and run the whole suite, in TEST_WORKERS processes
## (pytest-xdist; 2, or 1 on a one-core machine; TEST_WORKERS=0 runs in this process).
TEST_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 2); [ "$$n" -lt 2 ] && echo "$$n" || echo 2)
test: install-test lint
	$(BIN)/python -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

## make screenshots: drive Chromium through the pages the 操作指南 show, as each demo user, and replace
## the guides' pictures in marketplace/static/help/ (tests/e2e/test_help_screenshots.py).
screenshots: install-test
	UPDATE_HELP_SCREENSHOTS=1 $(BIN)/python -m pytest -p no:cacheprovider -n 0 tests/e2e/test_help_screenshots.py

## make lint: ruff, with the rule set in pyproject.toml ([tool.ruff]); `make test` runs it first.
lint: install-test
	$(BIN)/ruff check .

## make bench: the web app under load at 100k capabilities / 10k challenges, hot (one page over and over) and
## cold (distinct pages, each once), printing a JSON line last. On SQLite in instance-bench/, or with
## DATABASE_URL=postgresql://user@host/any on that server's own database marketplace_bench (created there).
bench: install
	$(BIN)/python bench/web_bench.py $(if $(DATABASE_URL),--database-url '$(DATABASE_URL)') $(BENCH_ARGS)

## make bench-memory: where a worker's memory goes (step by step), then gunicorn's workers and host under
## load (gunicorn.conf.py), on the instance `make bench` prepared (BENCH_INSTANCE to use another).
BENCH_INSTANCE ?= instance-bench
bench-memory: install
	$(BIN)/python bench/worker_memory.py steps --instance $(BENCH_INSTANCE)
	$(BIN)/python bench/worker_memory.py server --seconds 20 --instance $(BENCH_INSTANCE)

## make bench-matching: the matching library alone at 100k documents.
bench-matching: install
	$(BIN)/python -m matching.bench --docs 100000

## make cluster: the two-node layout of deploy/ on this machine's loopback — nginx in front of two gunicorn
## nodes (each its own instance folder), an RQ worker, a redis-server and a PostgreSQL database of its own
## (created on the local server, dropped at the end), with the demo data. Prints the address and the accounts;
## Ctrl-C stops everything it started. Needs nginx, redis-server and PostgreSQL (CLUSTER_PG_URL, default
## postgresql://postgres@127.0.0.1:5432); CLUSTER_PORT picks nginx's port.
.PHONY: cluster
cluster: install
	$(BIN)/python deploy/local_cluster.py
