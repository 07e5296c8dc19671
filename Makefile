# Saiteki — the two commands: `make demo` and `make test`. See README.md.
PORT ?= 8000
VENV := .venv
PY := $(VENV)/bin/python
export UV_PYTHON_DOWNLOADS := never

.PHONY: demo test bench install lint serve worker messages

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

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

messages: install
	$(PY) manage.py makemessages -l en --ignore ".venv/*" --ignore "var/*"
	$(PY) manage.py compilemessages --ignore ".venv/*"
