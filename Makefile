# The README's two commands. Each sets up what it needs on a fresh machine.
#   make run   - the dashboard (streamlit run dashboard.py)
#   make test  - the whole test suite (installs Debian's chromium for the browser tests if missing)
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PORT   ?= 8501

.PHONY: run test bench chromium sample clean

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt requirements.txt $(VENV)/.runtime
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

run: $(VENV)/.runtime
	$(PY) -m streamlit run dashboard.py --server.port $(PORT)

# Browser tests drive Debian's chromium through Playwright (which never downloads a browser here).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }
	@command -v chromium >/dev/null 2>&1 || { echo "chromium is still missing" >&2; exit 1; }

test: $(VENV)/.dev chromium
	$(PY) -m ruff check .
	$(PY) -m pytest

bench: $(VENV)/.dev
	$(PY) bench/bench_merge.py
	$(PY) bench/bench_table.py

# Regenerate the bundled synthetic sample (deterministic).
sample: $(VENV)/.runtime
	$(PY) -m tools.synth --out chutes_data/sample

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
