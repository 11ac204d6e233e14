# Parakeet: the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

# Local profile for `make run`; tests set their own through pyproject's pytest env.
RUN_ENV := DJANGO_DEBUG=true

.PHONY: help run test venv lint typecheck migrations-check wheelhouse pytest pytest-sqlite pytest-postgres \
        migrate demo admin serve bench clean

help:
	@echo "make run   - set up, migrate, load demo data and serve on http://127.0.0.1:8000"
	@echo "make test  - set up and run ruff, mypy, the migrations check and pytest (SQLite + PostgreSQL)"
	@echo "make bench - run the benchmarks in benchmarks/"

# --- environment -------------------------------------------------------------------------
$(UV):
	@python312=$$(.ci/find-python312) || exit 1; \
	"$$python312" -m venv $(TOOLS) && $(TOOLS)/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

$(VENV)/.synced: uv.lock pyproject.toml | $(UV)
	@python312=$$(.ci/find-python312) || exit 1; \
	$(UV) sync --frozen --quiet --python "$$python312"
	@touch $@

venv: $(VENV)/.synced

# --- make run ------------------------------------------------------------------------------
run: venv migrate demo admin serve

migrate: venv
	$(RUN_ENV) $(MANAGE) migrate --no-input -v 1

demo: venv
	$(RUN_ENV) $(MANAGE) load_demo_data

admin: venv
	@$(RUN_ENV) $(MANAGE) ensure_local_admin

serve: venv
	@echo "Serving Parakeet on http://127.0.0.1:8000 (API /api, admin /admin/, docs /docs)"
	$(RUN_ENV) $(MANAGE) runserver 127.0.0.1:8000

# --- make test -----------------------------------------------------------------------------
test: venv lint typecheck migrations-check wheelhouse pytest

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: venv
	DJANGO_DEBUG=true $(VENV)/bin/mypy .

migrations-check: venv
	DJANGO_DEBUG=true PARAKEET_VAR_DIR=var/test $(MANAGE) makemigrations --check --dry-run

# The locked Linux wheels (PyPI, cached in var/wheelhouse/) for the packaging smoke tests, which
# build and run a real artifact; with PARAKEET_REQUIRE_WHEELHOUSE=1 a missing wheel fails them.
wheelhouse: venv
	DJANGO_DEBUG=true $(MANAGE) package --profile all --arch $$(uname -m | sed s/aarch64/arm64/) --download-only
	for arch in x86_64 arm64; do DJANGO_DEBUG=true $(MANAGE) package --profile slim --arch $$arch --download-only || exit 1; done

pytest: pytest-sqlite pytest-postgres

pytest-sqlite: venv
	@echo "== pytest on SQLite =="
	env -u DATABASE_URL -u DATABASE_DIRECT_URL PARAKEET_REQUIRE_WHEELHOUSE=1 $(VENV)/bin/pytest

pytest-postgres: venv
	@echo "== pytest on PostgreSQL =="
	PARAKEET_REQUIRE_WHEELHOUSE=1 .ci/with-postgres $(VENV)/bin/pytest

bench: venv
	@for b in benchmarks/*.py; do echo "== $$b"; DJANGO_DEBUG=true $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) $(TOOLS) var/test .mypy_cache .ruff_cache
