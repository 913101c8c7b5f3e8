# The two commands of a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PY_DIRS := python_client tests $(wildcard bench)

.PHONY: demo test test-citus lint bench bench-citus bench-quick soak clean install-sql examples-deps

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

test: lint examples-deps
	$(BIN)/pytest

# The Citus tests: a coordinator and two workers from the Citus installed in PostgreSQL 15
# (pg_config), started and stopped by the tests (bench/citus_cluster.py). Without Citus they are
# skipped and say why.
test-citus: $(BIN)/.installed
	PGLEDGER_CITUS=1 $(BIN)/pytest tests/test_citus.py

# What the examples in examples/ need beyond node and javac: pgJDBC comes from Debian's package
# (no Java registry is reachable here), installed when it is missing and we may (root with apt).
# When it cannot be installed, tests/test_examples.py skips the Java example and says why.
# (The Node example's `pg` is installed by the test itself with `npm ci` from the lock file.)
PGJDBC := /usr/share/java/postgresql.jar
examples-deps:
	@if [ ! -f $(PGJDBC) ] && command -v javac >/dev/null && command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
		echo "installing pgJDBC (libpostgresql-jdbc-java) for the Java example"; \
		(DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpostgresql-jdbc-java >/dev/null 2>&1 \
			|| (apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpostgresql-jdbc-java >/dev/null 2>&1)) \
			|| echo "could not install libpostgresql-jdbc-java: the Java example will be skipped"; \
	fi

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
