# npmlp: `make demo` trains on the bundled digits set, `make test` runs the suite but its slow
# tests (a few minutes), `make test-full` runs those (the kill trials, scikit-learn's own MLP
# tests, the tutorial, a 1 GB file, a dask cluster: several minutes more). CI runs both.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-dev
OUT    ?= runs/demo

.PHONY: demo test test-full lint bench bench-quick clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e ".[dev]"
	touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/npmlp train --out $(OUT)

test: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow"

# the tests marked slow (pytest -m slow), which `make test` leaves out
test-full: $(STAMP)
	$(BIN)/python -m pytest -q -m slow

# speed against the BLAS floor, scikit-learn and PyTorch (under 10 minutes; not part of `make test`).
# PyTorch is optional: .venv/bin/pip install torch==2.13.0
bench: $(VENV)/.installed
	$(BIN)/python benchmarks/bench.py $(BENCH_ARGS)

# H 128 and 512 only, two rounds (about 3 minutes)
bench-quick: $(VENV)/.installed
	$(BIN)/python benchmarks/bench.py --quick $(BENCH_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

clean:
	rm -rf $(VENV) runs build *.egg-info src/*.egg-info
