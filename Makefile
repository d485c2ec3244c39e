# Set-up and the two README commands. Everything installs into .venv from the package registries;
# torch is pinned to the CPU build that CI uses (override TORCH for a CUDA machine: make TORCH=torch).
PYTHON ?= python3
TORCH ?= torch==2.13.0
VENV := .venv
BIN := $(VENV)/bin
# dbt for examples/dbt, in an environment of its own: its pins (pathspec<0.13) conflict with the dev
# extra's mypy. tests/consumers/test_dbt.py runs it from here.
DBT_VENV := .venv-dbt

.PHONY: demo test lint venv dbt clean

$(BIN)/recdb: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet "$(TORCH)"
	$(BIN)/pip install --quiet -e '.[dev,ray]'
	touch $(BIN)/recdb

$(DBT_VENV)/bin/dbt: examples/dbt/requirements.txt
	$(PYTHON) -m venv $(DBT_VENV)
	$(DBT_VENV)/bin/pip install --quiet -r examples/dbt/requirements.txt
	touch $(DBT_VENV)/bin/dbt

venv: $(BIN)/recdb

dbt: $(DBT_VENV)/bin/dbt

## The main job on the embedded default (generated ML-1M-format demo data): load, train, score, evaluate.
demo: venv
	$(BIN)/recdb -v nightly

## The test suite (real MovieLens from ../shared/data/movielens when present), on one pytest-xdist
## worker per core (at most 4): most of its time is child processes (the CLI, nightlies), not CPU.
## --dist loadgroup keeps the Ray tests on one worker, so they share one local cluster.
test: venv dbt
	RECDB_MOVIELENS_DIR=$${RECDB_MOVIELENS_DIR:-$(abspath ..)/shared/data/movielens} \
		$(BIN)/pytest -q -n auto --maxprocesses 4 --dist loadgroup

## Lint and type-check. mypy runs on the installed layout (recdb.jobs, recdb.model), see .ci/typecheck.py.
lint: venv
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/python .ci/typecheck.py

clean:
	rm -rf $(VENV) $(DBT_VENV) var
