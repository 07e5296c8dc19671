# Saiteki — the two commands: `make demo` and `make test`. See README.md.
PORT ?= 8000
VENV := .venv
PY := $(VENV)/bin/python
export UV_PYTHON_DOWNLOADS := never

.PHONY: demo test bench install lint serve worker messages loadtest prod-check

$(VENV)/.installed: pyproject.toml uv.lock
	@bash scripts/bootstrap.sh
	@touch $@

install: $(VENV)/.installed

demo: install
	@bash scripts/demo.sh

test: install
	@bash scripts/test.sh

bench: install
	@$(PY) bench/run.py

# 200 users through Locust against gunicorn + PostgreSQL + the worker on loopback (SCALE=small by default,
# SCALE=default for the 50,000 systems of SPEC §4); writes bench/results/loadtest-*.json.
loadtest: install
	@$(PY) loadtest/run.py

# The production settings against PostgreSQL on loopback: check --deploy, login page, static files, /healthz.
prod-check: install
	@$(PY) loadtest/prod_check.py

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

messages: install
	$(PY) manage.py makemessages -l en --ignore ".venv/*" --ignore "var/*"
	$(PY) manage.py compilemessages --ignore ".venv/*"
