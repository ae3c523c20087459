# Two commands set everything up on a fresh machine with Python 3.11+:
#   make chat   -> talk to the bot in this terminal (SQLite + shipped knowledge base)
#   make test   -> run the whole test suite
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: chat test lint format kb-check lock clean

# The exact versions CI passed with (requirements-dev.lock), then the project itself without
# resolving anything else: every machine tests what CI tested.
$(STAMP): pyproject.toml requirements-dev.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $(STAMP)

chat: $(STAMP)
	$(BIN)/mypebot chat

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

kb-check: $(STAMP)
	$(BIN)/mypebot kb check

# After changing a dependency in pyproject.toml: new pins within its bounds, for both lock files.
lock: $(STAMP)
	$(BIN)/pip-compile --quiet --upgrade --strip-extras --no-emit-index-url --no-emit-find-links -o requirements.lock pyproject.toml
	$(BIN)/pip-compile --quiet --upgrade --strip-extras --no-emit-index-url --no-emit-find-links --extra dev -o requirements-dev.lock pyproject.toml

clean:
	rm -rf $(VENV) data .pytest_cache .ruff_cache
