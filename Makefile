# The two commands of a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PY_DIRS := python_client tests $(wildcard bench)

.PHONY: demo test test-citus lint bench bench-citus bench-quick soak clean install-sql

# Create the virtual environment and install pgledger (editable) with its dev tools (they include
# the embedded server and the plot extras).
$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

demo: $(BIN)/.installed
	$(BIN)/pgledger demo

lint: $(BIN)/.installed
	$(BIN)/ruff check $(PY_DIRS)
	$(BIN)/ruff format --check $(PY_DIRS)
	$(BIN)/mypy
	$(BIN)/sqlfluff lint db/

test: lint
	$(BIN)/pytest

# The Citus tests: a coordinator and two workers from the Citus installed in PostgreSQL 15
# (pg_config), started and stopped by the tests (bench/citus_cluster.py). Without Citus they are
# skipped and say why.
test-citus: $(BIN)/.installed
	PGLEDGER_CITUS=1 $(BIN)/pytest tests/test_citus.py

# The benchmark (bench/run.py): figures, ratios and targets; writes bench/results/.
bench: $(BIN)/.installed
	$(BIN)/python -m bench.run

# pgledger on one PostgreSQL 15 against a Citus cluster on this machine (needs Citus installed).
bench-citus: $(BIN)/.installed
	$(BIN)/python -m bench.citus_bench

bench-quick: $(BIN)/.installed
	$(BIN)/python -m bench.run --quick --out /tmp/pgledger-bench-quick

# The long forms of the stress and crash tests (the suite runs short ones).
soak: $(BIN)/.installed
	$(BIN)/python -m bench.stress --threads 16 --ops 5000 | tee bench/results/soak-stress.json
	$(BIN)/python -m bench.crash --rounds 10 | tee bench/results/soak-crash.json

# Regenerate db/install.sql after adding a migration or a function file.
install-sql: $(BIN)/.installed
	$(BIN)/python -m pgledger.migrate --write-install

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
