# Two commands on a fresh machine: `make run` (demo on SQLite) and `make test` (the whole suite).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
CSS := static/build/application.css
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help run test lint fmt bench deps system-libs browser

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-13s %s\n", $$1, $$2}'

run: deps ## Set up and serve the Lancashire demo on http://127.0.0.1:$(PORT) (SQLite under var/)
	$(PY) manage.py migrate --noinput -v 0
	$(PY) manage.py load_demo
	@echo "Background worker (imports, request letters, e-mails) logs to var/worker.log"
	@SITE_URL=http://127.0.0.1:$(PORT) $(PY) manage.py db_worker --no-reload > var/worker.log 2>&1 & worker=$$!; \
		trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
		SITE_URL=http://127.0.0.1:$(PORT) $(PY) manage.py runserver 127.0.0.1:$(PORT)

test: deps browser ## Run the whole suite (SQLite; PostgreSQL when DATABASE_URL is set)
	$(PY) -m pytest $(PYTEST_ARGS)

bench: deps ## Time the benchmarks against their baselines and write bench/RESULTS.md
	$(PY) bench/run.py

lint: deps ## ruff lint and format check; bandit at medium severity and above
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/bandit -c pyproject.toml -r commissioning partners allocations reports -ll -q

fmt: deps ## Format the code
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

deps: $(VENV)/.installed node_modules/.installed $(CSS) var system-libs

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# GOV.UK Frontend's Sass, built for a service that is not on GOV.UK (Arial, our static URL).
$(CSS): static/scss/application.scss node_modules/.installed
	mkdir -p $(dir $@)
	npx sass --quiet --no-source-map --style=compressed --load-path=node_modules $< $@

var:
	mkdir -p var

# WeasyPrint needs Pango; install it from Debian when the machine lacks it.
system-libs:
	@ldconfig -p | grep -q 'libpango-1.0.so' || { \
		echo "Installing Pango for WeasyPrint"; \
		apt-get update -qq && apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core; }

# The browser tests drive Debian's Chromium through Playwright (Playwright's own download is not possible here).
browser:
	@test -x /usr/bin/chromium || { \
		echo "Installing Chromium for the browser tests"; \
		apt-get update -qq && apt-get install -y -qq chromium; }
