# Two commands for a fresh machine: `make demo` and `make test`.
# `make` creates .venv itself and installs the pinned versions from constraints.txt.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench install lock clean

# nomenklatura declares duckdb<2 but its matchers never touch duckdb: it is installed alone
# (--no-deps); the `matching` extra carries what its matchers need.
$(STAMP): pyproject.toml constraints.txt scripts/system-deps.sh
	sh scripts/system-deps.sh
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev,bench,matching,exports,report]'
	$(BIN)/python -m pip install --quiet --no-deps -c constraints.txt nomenklatura
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/sanctionwatch --db demo-data/demo.duckdb demo --out demo-data $(if $(DOWNLOAD),--download)

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python bench/run.py

# Re-pin constraints.txt from the current environment (after changing dependencies).
lock: $(STAMP)
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^sanctionwatch' > constraints.txt

clean:
	rm -rf $(VENV) demo-data bench/out .pytest_cache .mypy_cache .ruff_cache
