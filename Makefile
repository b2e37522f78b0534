# Joinery — two commands do everything on a fresh machine:
#   make demo   install, migrate, load demo data, serve on http://127.0.0.1:8000
#   make test   install and run the whole test suite (SQLite; DATABASE_URL=postgres://… for PostgreSQL)

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
VENDOR := src/joinery/static/vendor

.PHONY: install demo test test-fast lint messages browser bench translations-check clean

$(BIN)/.installed: requirements.txt requirements-dev.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -r requirements-dev.txt -e .
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(VENDOR)/.built: node_modules/.installed $(BIN)/.installed src/joinery/cli.py
	$(BIN)/joinery build-assets
	touch $@

messages: $(BIN)/.installed
	$(BIN)/joinery compilemessages

install: $(BIN)/.installed node_modules/.installed $(VENDOR)/.built messages

# Debian's Chromium drives the browser tests (Playwright cannot download browsers here).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
	@command -v chromium >/dev/null 2>&1 || { echo "chromium is required for the browser tests"; exit 1; }

demo: install
	$(BIN)/joinery demo

# The suite runs on two processes (pytest-xdist; each has its own test database), then the
# browser journeys on one: they share one real server with the demo data.
test: install browser
	$(BIN)/pytest -n 2 -m "not browser"
	$(BIN)/pytest -m browser

test-fast: install
	$(BIN)/pytest -m "not browser"

lint: install
	$(BIN)/ruff check src tests
	DJANGO_SETTINGS_MODULE=joinery.settings.test $(BIN)/joinery manage makemigrations --check --dry-run

# Benchmarks at two scales on SQLite and PostgreSQL; prints a table (see docs/performance.md).
bench: install
	$(BIN)/python bench/run.py $(BENCH_ARGS)

# Every user-visible string has a French translation (needs gettext's xgettext).
translations-check: install
	cd src/joinery && DJANGO_SETTINGS_MODULE=joinery.settings.test ../../$(BIN)/django-admin makemessages -l fr --ignore "static/vendor/*" --no-obsolete >/dev/null
	$(BIN)/python -c "import polib,sys; po=polib.pofile('src/joinery/locale/fr/LC_MESSAGES/django.po'); bad=[e.msgid for e in po if not e.translated() and not e.obsolete]; print(f'French catalogue: {len(po.translated_entries())} translated, {len(bad)} missing'); [print('  missing:', m[:80]) for m in bad[:40]]; sys.exit(1 if bad else 0)"

clean:
	rm -rf $(VENV) node_modules $(VENDOR) var
