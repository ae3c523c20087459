# Two commands set everything up on a fresh machine with Python 3.11+:
#   make chat   -> talk to the bot in this terminal (SQLite + shipped knowledge base)
#   make test   -> run the whole test suite
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: chat test lint format kb-check bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

chat: $(STAMP)
	$(BIN)/mypebot chat

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

kb-check: $(STAMP)
	$(BIN)/mypebot kb check

clean:
	rm -rf $(VENV) data .pytest_cache .ruff_cache
