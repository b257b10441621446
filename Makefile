# Two commands: `make run` (the app on SQLite, tasks in process, emails on the console, demo
# data loaded into an empty database) and `make test` (the test suite on the local PostgreSQL and
# Redis). `make demo-reset` starts the SQLite database of `make run` again from the demo.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip

# `make run` and `make demo-reset` always use this SQLite file, whatever DATABASE_URL says in the
# environment or in .env: demo-reset deletes it, and must never reach a PostgreSQL database.
RUN_DB := $(CURDIR)/db.sqlite3
RUN_ENV := DEBUG=true DATABASE_URL=sqlite:///$(RUN_DB)

# The site's five translations (English is the source) and how their catalogues are extracted.
LANGUAGE_DIRS := ar es fr ru zh_Hans
MAKEMESSAGES_OPTIONS := $(foreach language,$(LANGUAGE_DIRS),-l $(language)) --add-location=file \
	--ignore=.venv --ignore=tests --ignore=bench --ignore=staticfiles --ignore=test-screenshots

# What `make test` talks to; override on the command line or in the environment.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/smepilot
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15

.PHONY: run demo-reset test test-postgres test-sqlite lint format check install clean bench profile

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements-dev.txt
	touch $@

# The tests' OpenID Connect provider (Node's oidc-provider, pinned by its package-lock.json), for
# the ITU account sign-in tests; `make install` sets it up too when npm is there.
OIDC_PROVIDER := tests/oidc_provider
OIDC_PROVIDER_INSTALLED := $(OIDC_PROVIDER)/node_modules/.installed

$(OIDC_PROVIDER_INSTALLED): $(OIDC_PROVIDER)/package.json $(OIDC_PROVIDER)/package-lock.json
	npm ci --prefix $(OIDC_PROVIDER) --no-audit --no-fund
	touch $@

install: $(VENV)/.installed translations $(if $(shell command -v npm),$(OIDC_PROVIDER_INSTALLED))

# The translations compiled by Babel (no system gettext needed to run the site); the .mo files
# are not committed.
CATALOGUES := $(foreach language,$(LANGUAGE_DIRS),locale/$(language)/LC_MESSAGES/django.mo)

translations: $(CATALOGUES)

locale/%/LC_MESSAGES/django.mo: locale/%/LC_MESSAGES/django.po $(VENV)/.installed
	$(VENV)/bin/pybabel compile --domain django --input-file $< --output-file $@

# After changing user-facing strings: extract them into the catalogues (needs GNU gettext's
# xgettext and msgmerge), then translate what is new; tests/test_translations.py says what is missing.
messages:
	DEBUG=true $(PY) manage.py makemessages $(MAKEMESSAGES_OPTIONS)

# The demo is loaded into an empty database only: restarting keeps what was done on the site.
run: install
	$(RUN_ENV) $(PY) manage.py migrate --noinput
	$(RUN_ENV) $(PY) manage.py seed_demo --if-empty
	$(RUN_ENV) $(PY) manage.py runserver 127.0.0.1:8000

# Start again from the demo: delete make run's SQLite file (stop make run first), migrate, seed.
demo-reset: install
	rm -f $(RUN_DB) $(RUN_DB)-journal $(RUN_DB)-wal $(RUN_DB)-shm
	$(RUN_ENV) $(PY) manage.py migrate --noinput
	$(RUN_ENV) $(PY) manage.py seed_demo

test: test-postgres test-sqlite

# The whole suite on PostgreSQL, the production database.
test-postgres: install $(OIDC_PROVIDER_INSTALLED)
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} \
	REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} \
	CELERY_BROKER_URL=$${CELERY_BROKER_URL:-$(TEST_REDIS_URL)} \
	SECRET_KEY=test-only-secret-key-not-used-anywhere-else-5b2f9c \
	DEBUG=false SECURE_SSL_REDIRECT=false EMAIL_URL=consolemail:// \
	$(PY) -m pytest $(PYTEST_ARGS)

# The rule's and the admin's tests again on SQLite, the database `make run` uses (in memory).
test-sqlite: install
	DATABASE_URL=sqlite:///test-sqlite.sqlite3 \
	REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} \
	CELERY_BROKER_URL=$${CELERY_BROKER_URL:-$(TEST_REDIS_URL)} \
	SECRET_KEY=test-only-secret-key-not-used-anywhere-else-5b2f9c \
	DEBUG=false SECURE_SSL_REDIRECT=false EMAIL_URL=consolemail:// \
	$(PY) -m pytest -m both_engines $(PYTEST_SQLITE_ARGS)

# The benchmark (bench/run.py): the production shape in databases of its own, loaded with wrk, each
# arm against its baseline; writes bench/RESULTS.md. `make bench ARMS=registration,approve` runs some
# arms; BENCH_ARGS passes more options (`.venv/bin/python -m bench.run --help`). Installs Debian's
# wrk if it is missing.
bench: install
	@command -v wrk >/dev/null || { sudo=""; [ "$$(id -u)" -eq 0 ] || sudo="sudo"; \
		$$sudo apt-get update -q && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -q wrk; }
	$(PY) -m bench.run $(if $(ARMS),--arms $(ARMS)) $(BENCH_ARGS)

# Where the hot requests spend their time (bench/profile_requests.py): each against its baseline, in
# process, with its queries, database time and the site's functions by cumulative time. Uses a
# database of its own, made again each time.
PROFILE_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/smepilot_profile

profile: install
	psql "$(dir $(PROFILE_DATABASE_URL))postgres" -q -c "DROP DATABASE IF EXISTS $(notdir $(PROFILE_DATABASE_URL))" \
		-c "CREATE DATABASE $(notdir $(PROFILE_DATABASE_URL))"
	DATABASE_URL=$(PROFILE_DATABASE_URL) REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} \
	CELERY_BROKER_URL=$${CELERY_BROKER_URL:-$(TEST_REDIS_URL)} EMAIL_URL=consolemail:// \
	SECRET_KEY=profile-only-secret-key-not-used-anywhere-else-2c81d0 SECURE_SSL_REDIRECT=false \
	ALLOWED_HOSTS=testserver BENCHMARK_VIEWS=true DEBUG=false sh -c '\
		$(PY) manage.py migrate --noinput -v0 && DEBUG=true $(PY) manage.py seed_demo >/dev/null && \
		$(PY) manage.py collectstatic --noinput -v0 && \
		$(PY) manage.py shell -v0 -c "from bench.profile_requests import main; main()"'

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

check: install
	DEBUG=true $(PY) manage.py makemigrations --check --dry-run
	DEBUG=true $(PY) manage.py check

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache staticfiles
