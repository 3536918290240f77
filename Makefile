# Educa: `make run` serves the demo site, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run setup test lint test-deps serve bench clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

setup: $(STAMP)
	$(PY) manage.py migrate --noinput
	HOST=$(HOST) PORT=$(PORT) $(PY) manage.py load_demo

# HOST and PORT (e.g. `PORT=8050 make run`): load_demo prints that address, the dev
# settings allow it, runserver serves it; DEBUG=false still serves the static files.
run: setup
	HOST=$(HOST) PORT=$(PORT) $(PY) manage.py runserver $(HOST):$(PORT)

# Browser tests drive Debian's Chromium; the nginx example's media rules are tested
# with Debian's nginx. Install them when they are missing.
test-deps:
	@test -x /usr/bin/chromium -a -x /usr/sbin/nginx || { \
	  echo "Installing Debian's chromium and nginx for the tests"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq \
	    chromium fonts-dejavu-core nginx-light; }

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports
	$(PY) manage.py makemigrations --check --dry-run

test: setup test-deps lint
	$(PY) -m pytest

# Production settings behind gunicorn + uvicorn workers (educa/gunicorn.conf.py),
# static files from WhiteNoise. Plain http on this machine: for TLS and a front
# cache see deploy/. SECRET_KEY: yours, or one generated once into the venv.
serve: $(STAMP)
	@test -n "$$SECRET_KEY" -o -s $(VENV)/secret_key || \
	  $(PY) -c "import secrets; print(secrets.token_urlsafe(50))" > $(VENV)/secret_key
	export DJANGO_SETTINGS_MODULE=educa.settings.production \
	  SECRET_KEY="$${SECRET_KEY:-$$(cat $(VENV)/secret_key)}" \
	  SECURE_SSL_REDIRECT="$${SECURE_SSL_REDIRECT:-false}" \
	  SECURE_COOKIES="$${SECURE_COOKIES:-false}" \
	  BIND="$${BIND:-$(HOST):$(PORT)}" && \
	$(PY) manage.py collectstatic --noinput -v0 && \
	$(PY) manage.py migrate --noinput -v0 && \
	exec $(VENV)/bin/gunicorn -c educa/gunicorn.conf.py educa.asgi:application

# Load test: large demo in its own PostgreSQL database, wrk, nginx (bench/run.py);
# then an enrolled student's module page on the small demo (bench/small_module.py).
bench: $(STAMP)
	$(PY) bench/run.py $(BENCH_ARGS)
	$(PY) bench/small_module.py

clean:
	rm -rf $(VENV) db.sqlite3* media staticfiles
