# sigstack — the two commands a newcomer runs: `make up` and `make test`.
# Everything a target needs is installed by the target itself (ARCHITECTURE §4).

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
DATA_DIR ?= $(HOME)/.sigstack
HOST   ?= 127.0.0.1
PORT   ?= 8080

.PHONY: up test lint typecheck imports unit bench clean install install-test system-deps peers test-deps

$(VENV)/.created:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	touch $@

# Re-install only when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml $(VENV)/.created
	$(PIP) install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.created
	$(PIP) install --quiet -e '.[test]'
	touch $@

# Real peer clients used as judges in tests, each in its own environment so their pins
# never mix with ours (ARCHITECTURE §4): sigstore-python from PyPI, sigstore-js from npm.
PEERS  ?= .peers
SIGSTORE_PYTHON_VERSION ?= 4.5.1
$(PEERS)/sigstore-python/.installed:
	$(PYTHON) -m venv $(PEERS)/sigstore-python
	$(PEERS)/sigstore-python/bin/pip install --quiet --upgrade pip
	$(PEERS)/sigstore-python/bin/pip install --quiet sigstore==$(SIGSTORE_PYTHON_VERSION)
	touch $@

# sigstore-js from npm, pinned by tests/peers/js/package-lock.json (`npm ci`).
JS_PEER := tests/peers/js
$(JS_PEER)/node_modules/.installed: $(JS_PEER)/package.json $(JS_PEER)/package-lock.json
	cd $(JS_PEER) && npm ci --no-audit --no-fund
	touch $@

peers: $(PEERS)/sigstore-python/.installed $(JS_PEER)/node_modules/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# Debian packages the benchmarks use (wrk, the HTTP load generator; openssl).
# The tests need none yet; later components (OCI registry, openssl checks) add theirs here.
# Installed with apt when we are root; otherwise we say what is missing.
system-deps:
	@bash scripts/system-deps.sh

up: install
	$(VENV)/bin/sigstack up --data-dir $(DATA_DIR) --host $(HOST) --port $(PORT)

lint: install-test
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/ruff format --check src tests benchmarks

typecheck: install-test
	$(VENV)/bin/mypy

imports: install-test
	$(VENV)/bin/lint-imports

# Debian packages the tests use: the real OCI registry (ARCHITECTURE §4). Quick when present;
# installed with apt when we are root; otherwise we say what is missing (the tests then fail).
test-deps:
	@command -v docker-registry >/dev/null || [ -x /usr/bin/docker-registry ] || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing Debian packages: docker-registry"; \
	    apt-get update -qq >/dev/null && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-registry >/dev/null; \
	  else echo "missing (install with apt as root): docker-registry" >&2; fi; }

unit: install-test peers test-deps
	SIGSTACK_PEERS=$(abspath $(PEERS)) $(VENV)/bin/pytest -q

test: lint typecheck imports unit

bench: install-test system-deps
	$(PY) benchmarks/run_all.py

clean:
	rm -rf $(VENV) $(PEERS) $(JS_PEER)/node_modules .mypy_cache .ruff_cache .pytest_cache .hypothesis
