# Set-up and everyday commands. `make run` and `make test` create the virtual environment themselves.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BENCH_MODE ?= full

.PHONY: run test lint fuzz schemas bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

run: $(STAMP)  ## serve on the embedded database with demo data
	$(BIN)/pathways serve --demo

test: $(STAMP)  ## the whole test suite (embedded database unless DATABASE_URL is set)
	$(BIN)/python -m pytest

lint: $(STAMP)  ## ruff and the layering contracts
	$(BIN)/ruff check api tests migrations examples bench
	$(BIN)/lint-imports

fuzz: $(STAMP)  ## schemathesis on every OpenAPI operation against a real server (FUZZ_MAX_EXAMPLES, FUZZ_SEED)
	$(BIN)/python -m tests.reliability.fuzz

schemas: $(STAMP)  ## regenerate openapi/openapi.json and openapi/schema.graphql
	$(BIN)/pathways export-schemas

bench: $(STAMP)  ## benchmarks against the naive peer and the ceiling (BENCH_MODE=quick: under 3 minutes)
	$(BIN)/python -m bench.run --mode $(BENCH_MODE)

bench-quick: $(STAMP)  ## the quick benchmark run
	$(BIN)/python -m bench.run --mode quick

clean:
	rm -rf $(VENV) *.egg-info
