# itnivoice_nb — the two commands: `make demo` and `make test`.
# Each creates a virtual environment in .venv and installs what it needs (Python 3.11+ and make only).

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip

.PHONY: demo test lint unit notebook form bench bench-quick notebooks-clean clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.runtime: pyproject.toml | $(BIN)/python
	$(PIP) install --quiet -e .
	touch $@

$(VENV)/.test: pyproject.toml | $(BIN)/python
	$(PIP) install --quiet -e '.[test,bench]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (itnivoice_nb)"
	touch $@

demo: $(VENV)/.runtime  ## send the bundled sample list to a local sandbox
	$(BIN)/python -m itnivoice_nb demo

lint: $(VENV)/.test
	$(BIN)/ruff check itnivoice_nb tests benchmarks conftest.py
	$(BIN)/mypy

unit: $(VENV)/.test
	$(BIN)/python -m pytest -q

test: lint unit  ## set up, lint, type-check and run the whole suite

bench: $(VENV)/.test  ## the full benchmark suite (minutes)
	$(BIN)/python -m benchmarks

bench-quick: $(VENV)/.test
	$(BIN)/python -m benchmarks --quick

notebook: $(VENV)/.test  ## open the example notebooks in JupyterLab (sandbox: no credentials needed)
	$(PIP) install --quiet -e '.[notebook]'
	$(BIN)/jupyter lab notebooks/

form: $(VENV)/.test  ## the send form as a small web app (Voila), on 127.0.0.1
	$(BIN)/voila notebooks/02_send_form.ipynb --Voila.ip=127.0.0.1

notebooks-clean: $(VENV)/.test  ## strip outputs from the notebooks before committing them
	$(BIN)/jupyter nbconvert --clear-output --inplace notebooks/*.ipynb

clean:
	rm -rf $(VENV) demo_output .pytest_cache .mypy_cache .ruff_cache
