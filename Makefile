# Set-up and everyday commands. `make run` and `make test` create the virtual environment themselves.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BENCH_MODE ?= full

LOWEST_VENV ?= .venv-lowest

.PHONY: run test lint fuzz schemas bench bench-quick bench-growth clean lock test-lowest

# The environment is rebuilt from the lock file (exact versions, checked hashes) whenever it changes.
$(STAMP): requirements-dev.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required")'
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

run: $(STAMP)  ## serve on the embedded database with demo data
	$(BIN)/pathways serve --demo

PYTEST_WORKERS ?= 2

test: $(STAMP)  ## the whole suite on PYTEST_WORKERS xdist workers (embedded database unless DATABASE_URL is set)
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile

lint: $(STAMP)  ## ruff, the layering contracts and mypy (configuration in pyproject.toml)
	$(BIN)/ruff check api tests migrations examples bench
	$(BIN)/lint-imports
	$(BIN)/mypy

fuzz: $(STAMP)  ## schemathesis on every OpenAPI operation against a real server (FUZZ_MAX_EXAMPLES, FUZZ_SEED)
	$(BIN)/python -m tests.reliability.fuzz

schemas: $(STAMP)  ## regenerate openapi/openapi.json and openapi/schema.graphql
	$(BIN)/pathways export-schemas

bench: $(STAMP)  ## benchmarks against the naive peer and the ceiling (BENCH_MODE=quick: under 3 minutes)
	$(BIN)/python -m bench.run --mode $(BENCH_MODE)

bench-quick: $(STAMP)  ## the quick benchmark run
	$(BIN)/python -m bench.run --mode quick

GROWTH_SIZES ?= 20000,200000,1000000

bench-growth: $(STAMP)  ## directory reads, export, re-sent sync and gap analysis at 20k/200k/1M partners (GROWTH_SIZES)
	$(BIN)/python -m bench.growth --sizes $(GROWTH_SIZES)

# Every lock file: one resolution for any platform (universal) and Python 3.11+, every transitive package pinned
# with its hashes (installed with --require-hashes --no-deps). The CI scripts' own locks (.ci/*/*.in -> .txt)
# that install into .venv take requirements-dev.txt as a constraint, so they never move a package it pins.
LOCK := $(BIN)/uv pip compile --generate-hashes --universal --python-version 3.11 --custom-compile-command "make lock" \
  --quiet

lock: $(STAMP)  ## re-resolve requirements*.txt (pyproject.toml) and .ci/*/*.txt (.ci/*/*.in) (UPGRADE=1: newest allowed)
	$(LOCK) pyproject.toml --extra dev $(if $(UPGRADE),--upgrade) -o requirements-dev.txt
	$(LOCK) pyproject.toml -c requirements-dev.txt -o requirements.txt
	$(LOCK) .ci/browser/requirements.in -c requirements-dev.txt $(if $(UPGRADE),--upgrade) -o .ci/browser/requirements.txt
	$(LOCK) .ci/client/runtime.in -c requirements-dev.txt $(if $(UPGRADE),--upgrade) -o .ci/client/runtime.txt
	$(LOCK) .ci/client/generator.in $(if $(UPGRADE),--upgrade) -o .ci/client/generator.txt

test-lowest: $(STAMP)  ## the suite on the oldest versions pyproject.toml allows (uv --resolution lowest-direct)
	rm -rf $(LOWEST_VENV)
	$(BIN)/uv venv --quiet --python $(PYTHON) $(LOWEST_VENV)
	$(BIN)/uv pip install --quiet --python $(LOWEST_VENV)/bin/python --resolution lowest-direct --compile-bytecode -e ".[dev]"
	$(LOWEST_VENV)/bin/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile

clean:
	rm -rf $(VENV) $(LOWEST_VENV) *.egg-info
