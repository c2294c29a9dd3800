# The two commands of the README:
#   make run    install, load the demo data, serve http://127.0.0.1:8000
#   make test   install (with test tools and system packages) and run the whole suite
# `.ci/run` runs `make test`, the suite on PostgreSQL, and scripts/run-check.sh, which proves the
# run path from requirements.lock alone.
PORT ?= 8000
# Tests get a throw-away data directory of their own.
TEST_DATA_DIR ?= $(CURDIR)/var/test

.PHONY: run run-scale test install install-dev check pytest

run: install
	.venv/bin/lawtrail demo
	.venv/bin/lawtrail serve --port $(PORT)

# The scale-out topology on this machine (PostgreSQL, Redis, SeaweedFS as S3, gunicorn, workers).
run-scale: install
	scripts/run-scale.sh

# Debian packages first (with apt-get, as root or with sudo), so a missing one is named before
# anything else runs; then .venv from the lock.
install:
	scripts/system-deps.sh runtime
	scripts/install.sh

install-dev:
	scripts/system-deps.sh test
	scripts/install.sh dev

test: install-dev check pytest

# Type-checked so far; an app joins the list once it passes.
MYPY_PATHS = lawtrail/accounts lawtrail/cases lawtrail/events lawtrail/profiles lawtrail/lib lawtrail/web \
	lawtrail/cli.py lawtrail/demo.py lawtrail/demo_agencies.py lawtrail/doctor.py lawtrail/worker.py lawtrail/topology.py lawtrail/api.py lawtrail/testing/personas.py lawtrail/testing/scenarios.py \
	lawtrail/testing/browser.py lawtrail/testing/api.py lawtrail/testing/workers.py lawtrail/testing/dashboards.py lawtrail/testing/many.py lawtrail/testing/reads.py lawtrail/testing/pages.py lawtrail/testing/shared_demo.py lawtrail/testing/schema.py \
	lawtrail/ledger lawtrail/verifier lawtrail/backup lawtrail/accountability \
	lawtrail/documents lawtrail/testing/documents.py \
	lawtrail/evidence lawtrail/storage.py lawtrail/testing/media.py lawtrail/testing/evidence.py lawtrail/testing/seaweed.py \
	lawtrail/retention lawtrail/notices \
	lawtrail/archive lawtrail/packagecheck lawtrail/testing/archive.py \
	lawtrail/access lawtrail/testing/access.py \
	lawtrail/compliance \
	lawtrail/search lawtrail/devices lawtrail/dashboards lawtrail/review lawtrail/registers

check:
	.venv/bin/ruff check lawtrail tests
	LAWTRAIL_DATA_DIR=$(TEST_DATA_DIR) .venv/bin/mypy $(MYPY_PATHS)
	LAWTRAIL_DATA_DIR=$(TEST_DATA_DIR) .venv/bin/python manage.py check
	LAWTRAIL_DATA_DIR=$(TEST_DATA_DIR) .venv/bin/python manage.py makemigrations --check --dry-run
	LAWTRAIL_ENV=production LAWTRAIL_SECRET_KEY=check-deploy-$$(head -c 48 /dev/urandom | base64 | tr -d '/+=') \
	  LAWTRAIL_DATA_DIR=$(TEST_DATA_DIR) .venv/bin/python manage.py check --deploy --fail-level WARNING

# One pytest-xdist worker per core ("auto"); each worker has its own data directory
# (lawtrail/testing/workers.py) and test database. PYTEST_WORKERS=0 runs in one process.
# --dist loadgroup keeps a module marked xdist_group on one worker: the modules that load the
# demo once for all their tests (lawtrail/testing/shared_demo.py) load it once, not once a worker.
PYTEST_WORKERS ?= auto

pytest:
	LAWTRAIL_DATA_DIR=$(TEST_DATA_DIR) .venv/bin/pytest -q -n $(PYTEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)
