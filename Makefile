# tradegraph — the two commands that matter: `make demo` and `make test`.
# Both work on a fresh clone: they create .venv and install what they need first.
# Re-running skips the install unless pyproject.toml changed.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP_RUN := $(VENV)/.installed-run
STAMP_DEV := $(VENV)/.installed-dev
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: demo test lint typecheck contracts unit integration bench fmt clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP_RUN): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	@touch $@

$(STAMP_DEV): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@ $(STAMP_RUN)

DEMO_REPORT := .tradegraph/reports/demo-backtest.html

demo: $(STAMP_RUN)
	$(BIN)/tradegraph info
	$(BIN)/tradegraph backtest sma_cross --synthetic --bars 20000 --timeframe 1h \
		--param fast=10 --param slow=50 --commission 0.001 --report $(DEMO_REPORT)

lint: $(STAMP_DEV)
	$(BIN)/ruff check src tests benchmarks

typecheck: $(STAMP_DEV)
	$(BIN)/mypy

contracts: $(STAMP_DEV)
	$(BIN)/lint-imports

unit: $(STAMP_DEV)
	$(BIN)/pytest tests/unit -q

integration: $(STAMP_DEV)
	bash scripts/ensure-postgres.sh
	$(BIN)/pytest tests/integration tests/e2e -q

test: lint typecheck contracts
	bash scripts/ensure-postgres.sh
	$(BIN)/pytest -q

bench: $(STAMP_DEV)
	$(BIN)/python -m benchmarks

fmt: $(STAMP_DEV)
	$(BIN)/ruff format src tests benchmarks
	$(BIN)/ruff check --fix src tests benchmarks

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache build src/*.egg-info
