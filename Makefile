# The README's two commands. Each sets up what it needs on a fresh machine.
#   make run   - the dashboard (streamlit run dashboard.py) on http://127.0.0.1:8501 only.
#                Streamlit's own settings decide address and port (.streamlit/config.toml, then
#                STREAMLIT_SERVER_ADDRESS / STREAMLIT_SERVER_PORT); shortcuts: PORT=8600, and
#                HOST=0.0.0.0 to expose it to the network on purpose (mind the API key).
#   make test  - the whole test suite (installs Debian's chromium for the browser tests and Debian's
#                PostgreSQL for the database tests if missing); lint first (ruff, ruff format --check,
#                mypy over chutes_data/)
#   make test-fast - tests/unit and tests/app on two workers, for the edit loop (no servers, no browser)
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
# Empty unless given (make run PORT=8600): then Streamlit's settings apply, not a Makefile default.
PORT   ?=
HOST   ?=
E2E_WORKERS ?= 2

.PHONY: run lint test test-fast bench chromium postgres nginx sample clean

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt requirements.txt $(VENV)/.runtime
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

# MALLOC_ARENA_MAX=2: Streamlit runs each session's script in a thread of its own, and glibc gives
# threads their own malloc arenas, which keep freed memory: two arenas bound the server's growth
# over many visits (issue 12; measured with bench/bench_scale.py). A value already set wins.
run: $(VENV)/.runtime
	MALLOC_ARENA_MAX=$${MALLOC_ARENA_MAX:-2} $(PY) -m streamlit run dashboard.py $(if $(PORT),--server.port $(PORT)) $(if $(HOST),--server.address $(HOST))

# Browser tests drive Debian's chromium through Playwright (which never downloads a browser here).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }
	@command -v chromium >/dev/null 2>&1 || { echo "chromium is still missing" >&2; exit 1; }

# The PostgreSQL tests (issue 21) start a throwaway cluster of their own with Debian's server
# binaries (tests/pgcluster.py); only the package is needed, no running service.
postgres:
	@ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || { \
	  echo "Installing Debian's PostgreSQL for the database tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq postgresql >/dev/null; }
	@ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || { echo "PostgreSQL is still missing" >&2; exit 1; }

# deploy/nginx.conf is checked by the real nginx (nginx -t, and run by the tests themselves in front
# of loopback servers: the package's own service is not needed; on a box with systemd it may start
# one on port 80, `systemctl disable --now nginx` stops it).
nginx:
	@command -v nginx >/dev/null 2>&1 || { \
	  echo "Installing Debian's nginx-light to check deploy/nginx.conf"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq nginx-light >/dev/null; }
	@command -v nginx >/dev/null 2>&1 || { echo "nginx is still missing" >&2; exit 1; }

# ruff (lint and format) over everything; mypy over the pure package (settings in mypy.ini).
lint: $(VENV)/.dev
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy chutes_data

# e2e on E2E_WORKERS workers, a test module per worker (--dist loadfile: a module's servers and
# the session's sample server stay on one worker); E2E_WORKERS=0 runs them in this process.
test: lint chromium postgres nginx
	$(PY) -m pytest -n 2 tests/unit tests/app
	$(PY) -m pytest -n $(E2E_WORKERS) --dist loadfile tests/e2e

# The edit loop: the unit and app tiers on two workers (no servers, no browser, no chromium).
test-fast: lint
	$(PY) -m pytest -n 2 tests/unit tests/app

bench: $(VENV)/.dev chromium
	$(PY) bench/bench_merge.py
	$(PY) bench/bench_table.py
	$(PY) bench/bench_api.py
	$(PY) bench/bench_export.py
	$(PY) bench/bench_first_table.py
	$(PY) bench/bench_scale.py

# Regenerate the bundled synthetic sample (deterministic).
sample: $(VENV)/.runtime
	$(PY) -m tools.synth --out chutes_data/sample

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
