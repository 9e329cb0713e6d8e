# Muster: the only commands a new user types are `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PORT   ?= 8000

.PHONY: install run test check bench demo clean messages

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Muster needs Python 3.11 or newer")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/muster migrate
	$(BIN)/muster demo
	$(BIN)/muster serve --port $(PORT)

test: install
	$(BIN)/pytest

check: install
	$(BIN)/ruff check server tests
	$(BIN)/ruff format --check server tests
	$(BIN)/mypy
	$(BIN)/python -m server.catalogues
	$(BIN)/pytest -q -p no:cacheprovider tests/test_catalogues.py

# After changing a text: extract every marked text into web/locales/messages.pot and add
# the new ones to each catalogue (then translate them; `make check` lists what is missing).
messages: install
	$(BIN)/python -m server.catalogues --extract

bench: install
	$(BIN)/python -m tests.perf

clean:
	rm -rf $(VENV) var test-artifacts .pytest_cache .mypy_cache .ruff_cache
