# Leadline: `make demo` runs the main job end to end; `make test` runs the tests. Both set everything up.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
UV_VERSION := 0.13.8
SYSTEM_PACKAGES := espeak-ng sox libsox-fmt-mp3 ffmpeg

export AIRFLOW_HOME ?= $(CURDIR)/.airflow
export LEADLINE_HOME ?= $(CURDIR)/.leadline

.PHONY: demo test test-all lint bench venv system-deps clean

$(VENV)/.ready: requirements.lock pyproject.toml
	@command -v uv >/dev/null 2>&1 || python3 -m pip install --quiet "uv==$(UV_VERSION)"
	uv venv --allow-existing --python 3.11 $(VENV)
	uv pip install --quiet -p $(PY) -r requirements.lock
	uv pip install --quiet -p $(PY) --no-deps -e .
	touch $@

venv: $(VENV)/.ready

# Audio tools for the recordings (fixtures, mp3 decoding); Debian packages.
system-deps:
	@missing=""; for tool in espeak-ng sox ffmpeg; do command -v $$tool >/dev/null 2>&1 || missing=1; done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_PACKAGES) >/dev/null; \
		else echo "install: sudo apt-get install $(SYSTEM_PACKAGES)"; exit 1; fi; \
	fi

test: venv system-deps lint
	$(PY) -m pytest

lint: venv
	$(VENV)/bin/ruff check plugins dags tests bench

demo: venv system-deps
	$(PY) -m leadline.demo $(DEMO_ARGS)

bench: venv system-deps
	$(PY) bench/intake.py

clean:
	rm -rf $(VENV) .airflow .leadline
