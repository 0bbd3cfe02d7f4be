# npmlp: `make demo` trains on the bundled digits set, `make test` runs the suite but its slow
# tests (a few minutes), `make test-full` runs those (the kill trials, scikit-learn's own MLP
# tests, the tutorial, a 1 GB file, a dask cluster), `make test-docs` the README in a fresh
# environment and the notebooks. CI runs all three.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-dev
OUT    ?= runs/demo

.PHONY: demo test test-full test-docs notebooks lint bench bench-quick clean

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
	$(BIN)/python -m pytest -q -m "not slow and not fresh_env and not notebook"

# the tests marked slow (pytest -m slow), which `make test` leaves out
test-full: $(STAMP)
	$(BIN)/python -m pytest -q -m "slow and not fresh_env and not notebook"

# every README block in a fresh virtual environment, and the notebooks executed (a few minutes;
# .ci/run runs it after make test)
test-docs: $(STAMP)
	$(BIN)/python -m pytest -q -m "fresh_env or notebook" tests/test_readme_fresh.py tests/test_notebooks.py

# run docs/notebooks/*.ipynb again and keep their outputs (commit them)
notebooks: $(STAMP)
	$(BIN)/python tests/test_notebooks.py

# speed against the BLAS floor, scikit-learn and PyTorch (under 10 minutes; not part of `make test`).
# PyTorch is optional: .venv/bin/pip install torch==2.13.0
bench: $(VENV)/.installed
	$(BIN)/python benchmarks/bench.py $(BENCH_ARGS)

# H 128 and 512 only, two rounds (about 3 minutes)
bench-quick: $(VENV)/.installed
	$(BIN)/python benchmarks/bench.py --quick $(BENCH_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff check --preview --select C901,PLR0912,PLR0915,PLR0917 src
	$(BIN)/ruff format --check src tests benchmarks

clean:
	rm -rf $(VENV) runs build *.egg-info src/*.egg-info
