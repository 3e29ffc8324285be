# Leadline: `make demo` runs the main job end to end; `make test` runs the tests. Both set everything up.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
UV_VERSION := 0.13.8
SYSTEM_PACKAGES := espeak-ng sox libsox-fmt-mp3 ffmpeg chromium

export AIRFLOW_HOME ?= $(CURDIR)/.airflow
export LEADLINE_HOME ?= $(CURDIR)/.leadline

.PHONY: demo stack test test-all test-stack lint bench venv system-deps bootstrap deploy-composer \
	publish-connections deploy-intake rollback-intake clean lock
REGION ?= us-central1

$(VENV)/.ready: requirements.lock pyproject.toml
	@command -v uv >/dev/null 2>&1 || python3 -m pip install --quiet "uv==$(UV_VERSION)"
	uv venv --allow-existing --python 3.11 $(VENV)
	uv pip install --quiet -p $(PY) -r requirements.lock
	uv pip install --quiet -p $(PY) --no-deps -e .
	touch $@

venv: $(VENV)/.ready

# requirements.lock: runtime + dev tools (what .venv installs); requirements.txt: the runtime set, same pins.
lock:
	uv pip compile requirements-dev.in -o requirements.lock --python-version 3.11 --generate-hashes
	uv pip compile requirements.in -c requirements.lock -o requirements.txt --python-version 3.11 --generate-hashes

# Audio tools for the recordings (fixtures, mp3 decoding) and Chromium for the dashboard's browser tests;
# Debian packages.
system-deps:
	@missing=""; for tool in espeak-ng sox ffmpeg chromium; do command -v $$tool >/dev/null 2>&1 || missing=1; done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_PACKAGES) >/dev/null; \
		else echo "install: sudo apt-get install $(SYSTEM_PACKAGES)"; exit 1; fi; \
	fi

# The default suite (~14 min). test-all adds the Celery/PostgreSQL/Redis stack with its chaos cases (~13 min): 27 min in all
# on a clean clone here (949 tests, 2026-12-07).  CI runs test-all.
test: venv system-deps lint
	$(PY) -m pytest -m "not stack"

test-stack: venv system-deps
	$(PY) -m pytest -m stack

test-all: venv system-deps lint
	$(PY) -m pytest

lint: venv
	$(VENV)/bin/ruff check plugins devtools dags tests bench deploy
	PYTHONPATH=plugins:devtools $(VENV)/bin/lint-imports

demo: venv system-deps
	$(PY) -m leadline_dev.demo $(DEMO_ARGS)

# The docker-compose topology as local processes: CeleryExecutor on Redis with two workers, PostgreSQL metadata
# and store (the local servers at 127.0.0.1), intake and CRM sandbox. Ctrl-C stops it.
stack: venv system-deps
	$(PY) -m leadline_dev.stack celery

bench: venv system-deps
	$(PY) bench/intake.py

# Production (needs gcloud, authenticated): see README "Deploying to Cloud Composer and Cloud Run".
# HEALTH_URL is optional: the intake's own URL + /v1/health by default.
bootstrap: venv
	$(PY) deploy/deploy.py bootstrap --project $(PROJECT) --region $(REGION)

deploy-composer: venv
	$(PY) deploy/deploy.py composer --project $(PROJECT) --environment $(ENVIRONMENT) --region $(REGION) \
		--public-url $(PUBLIC_URL)

publish-connections: venv
	$(PY) deploy/deploy.py connections --project $(PROJECT)

deploy-intake: venv
	$(PY) deploy/deploy.py intake --project $(PROJECT) --region $(REGION) --image $(IMAGE) --public-url $(PUBLIC_URL) \
		$(if $(HEALTH_URL),--health-url $(HEALTH_URL))

rollback-intake: venv
	$(PY) deploy/deploy.py rollback-intake --project $(PROJECT) --region $(REGION) \
		$(if $(HEALTH_URL),--health-url $(HEALTH_URL))

clean:
	rm -rf $(VENV) .airflow .leadline
