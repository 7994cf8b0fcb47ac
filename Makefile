# Pull Policy Labs. `make run` serves the site; `make test` runs every test.
# Both install what they need first, from this repository's own files.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
NODE_INSTALLED := node_modules/.package-lock.json

.DEFAULT_GOAL := help
.PHONY: help install run test test-deps test-unit test-browser lint fmt bench kind-up kind-down test-kind

help:
	@echo "make run     start the platform at http://127.0.0.1:8000/ (Ctrl-C stops it)"
	@echo "make test    install test tools, lint, run unit + integration + browser tests"
	@echo "make lint    ruff check          make fmt    ruff format + fixes"
	@echo "make bench   run bench/*.py, results in bench/results/"
	@echo "make kind-up    a kind cluster with the lab registries (needs Docker and kind)"
	@echo "make test-kind  the contract suite against that cluster    make kind-down  removes it"

# The virtualenv, re-installed whenever pyproject.toml changes.
$(INSTALLED): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
	  || { echo "Pull Policy Labs needs Python 3.11 or newer (PYTHON=$(PYTHON))"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -e ".[dev]"
	$(PY) -m scripts.link_node $(VENV)/bin
	$(PY) scripts/install_kubectl.py
	touch $@

# Front-end libraries, pinned by package-lock.json; npm is the one inside the venv.
$(NODE_INSTALLED): package-lock.json $(INSTALLED)
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/npm ci --no-audit --no-fund

install: $(INSTALLED) $(if $(wildcard package-lock.json),$(NODE_INSTALLED))

run: install
	$(PY) -m scripts.run

# Test tools that live outside the venv: Debian's Chromium and apt packages.
test-deps: install
	sh scripts/apt_install.sh chromium $(if $(wildcard platform/apt-packages.txt),$(shell cat platform/apt-packages.txt))

# Unit and integration tests in one pytest process; Playwright's sync API in another,
# because it clashes with pytest-asyncio's event loop in one process.
test-unit: install
	$(PY) -m pytest tests --ignore=tests/browser -q

test-browser: install
	$(PY) -m pytest tests/browser -q -rP -p no:asyncio -W "ignore:Unknown config option:pytest.PytestConfigWarning"

# Both test processes run even when the first fails, so one run shows every failure.
test: test-deps lint
	@status=0; \
	$(MAKE) --no-print-directory test-unit || status=1; \
	$(MAKE) --no-print-directory test-browser || status=1; \
	exit $$status

lint: install
	$(PY) -m ruff check .

fmt: install
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

bench: install
	$(PY) -m bench

# A real cluster (docs/real-cluster.md). These need Docker and kind, so `make test` skips them.
KIND_KUBECONFIG := var/kind/kubeconfig

kind-up:
	sh platform/kind/up.sh

kind-down:
	sh platform/kind/down.sh

test-kind: install
	@test -f $(KIND_KUBECONFIG) || { echo "no $(KIND_KUBECONFIG): run make kind-up first"; exit 1; }
	CLUSTER_KUBECONFIG=$(KIND_KUBECONFIG) $(PY) -m pytest tests/contract -q
