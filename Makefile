# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8080
TASK_WORKERS ?= 2
FLASK := $(BIN)/flask --app run

.PHONY: run worker sheets test test-sqlite test-postgres translations messages migrate seed bench bench-sync fuzz clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	$(BIN)/pip check
	touch $@

$(VENV)/.dev-installed: requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install -q -r requirements-dev.txt
	$(BIN)/pip check
	touch $@

# Compiled catalogues are build output: made from the .po files on every run.
translations: $(VENV)/.installed
	$(BIN)/pybabel compile -f -d app/translations

# Re-extract messages after adding user-facing text, then translate the new entries.
messages: $(VENV)/.dev-installed
	$(BIN)/pybabel extract -F babel.cfg -w 100 -k lazy_gettext -k _l -k N_ -o app/translations/messages.pot .
	$(BIN)/pybabel update -N -w 100 --ignore-obsolete -i app/translations/messages.pot -d app/translations

run: $(VENV)/.installed translations
	APP_ENV=$${APP_ENV:-demo} $(FLASK) db upgrade
	APP_ENV=$${APP_ENV:-demo} $(FLASK) roles sync
	APP_ENV=$${APP_ENV:-demo} $(FLASK) demo seed --if-empty
	@# One task consumer beside the web server (app.tasks): stopped with it (Ctrl-C, exit, kill).
	export APP_ENV=$${APP_ENV:-demo}; \
	$(FLASK) tasks worker --workers $(TASK_WORKERS) & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/gunicorn --bind $(HOST):$(PORT) --workers 2 --access-logfile - run:app

# Another task consumer (e.g. on a second machine with the same DATABASE_URL and REDIS_URL).
worker: $(VENV)/.installed translations
	APP_ENV=$${APP_ENV:-demo} $(FLASK) tasks worker --workers $(TASK_WORKERS)

# The sheet sync commands with the settings `make run` uses: make sheets ARGS="sync --link 1".
sheets: $(VENV)/.installed
	APP_ENV=$${APP_ENV:-demo} $(FLASK) sheets $(ARGS)

test: $(VENV)/.dev-installed translations
	$(BIN)/python -m pytest -q
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "== database tests again on PostgreSQL ($$TEST_DATABASE_URL)"; \
		$(BIN)/python -m pytest -q --db=postgres -m db; \
	else \
		echo "SKIPPED: the PostgreSQL run (TEST_DATABASE_URL is not set)"; \
	fi

# Page benchmark: Adsheet vs a bare FAB app on 100,000 customers (gunicorn, 1 worker each, 127.0.0.1).
# BENCH_SQLITE_URL (default sqlite:////tmp/perf.db) and BENCH_POSTGRES_URL name the databases; BENCH_ARGS=--prepare
# migrates and seeds empty ones first. Prints a table; no assertions.
bench: $(VENV)/.installed translations
	$(BIN)/python bench/bench_pages.py $(BENCH_ARGS)

# Google Sheets sync: 20,000 customers on one link against the emulator (figures only, no assertions).
bench-sync: $(VENV)/.dev-installed translations
	$(BIN)/python bench/sync_bench.py

# Deeper fuzzing of the REST API from its OpenAPI document (schemathesis, every phase, per role): the coverage
# phase of every operation for every role, FUZZ_EXAMPLES generated cases per operation, longer stateful runs.
fuzz: $(VENV)/.dev-installed translations
	FUZZ_DEEP=1 FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-100} $(BIN)/python -m pytest -q -p no:warnings tests/test_api_fuzz.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
