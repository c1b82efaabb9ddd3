# The verbs of the project. Needs only python3 (3.11) and make: the environment lives in .venv/.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SYNCED := $(VENV)/.synced
DATA ?= data
LANDING ?= $(DATA)/landing
ENTERPRISES ?= 10000
MESS ?= 0.01

export PARKS_HOME := $(abspath $(DATA))

.PHONY: setup demo run test lint format dev clean browser report docs bench

setup: $(SYNCED)

$(BIN)/uv:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==0.13.9

# Installs exactly what uv.lock pins (uv itself is in the lock's dev group, so it stays).
# --compile-bytecode: where PYTHONDONTWRITEBYTECODE is set (as on these machines and in many
# containers) every process would otherwise compile dagster and dbt from source again, in every
# `dbt` and pipeline process, many times per run and per test (docs/performance.md).
$(SYNCED): pyproject.toml uv.lock | $(BIN)/uv
	$(BIN)/uv sync --frozen --quiet --compile-bytecode
	touch $@

## demo: generate a realistic landing folder (once), build the warehouse, deliver the revisions
## of two months after those months were loaded (meta.revision_changes), print the idle land and
## a summary
# `parks run` exits 3 when it published but refused files (the messy demo has some): go on.
REVISIONS ?= $(DATA)/revisions
demo: setup
	@if [ -z "$$(ls -A $(LANDING) 2>/dev/null)" ]; then \
		$(BIN)/parks generate --out $(LANDING) --revisions-out $(REVISIONS) \
			--enterprises $(ENTERPRISES) --start 2018-01 --end 2020-12 --seed 2018 --mess $(MESS); \
	fi
	$(BIN)/parks run --landing $(LANDING) || [ $$? -eq 3 ]
	@if [ -n "$$(ls -A $(REVISIONS) 2>/dev/null)" ]; then \
		echo "revisions arrive after their months were loaded: $$(ls $(REVISIONS) | tr '\n' ' ')"; \
		mv $(REVISIONS)/* $(LANDING)/ && { $(BIN)/parks run --landing $(LANDING) || [ $$? -eq 3 ]; }; \
	fi
	$(BIN)/parks sql --file docs/revision_changes.sql
	$(BIN)/parks sql --file docs/idle_land.sql
	$(BIN)/parks summary

## run: load whatever is in the landing folder and rebuild the warehouse
run: setup
	$(BIN)/parks run --landing $(LANDING)

## test: lint, format check, then the test suite (TEST_WORKERS=1 for one process)
# Two processes, a test file each at a time (module fixtures are built once): most of the
# suite waits on single-threaded dbt and Dagster processes. The dbt manifest is prepared first
# so that the workers do not both write it.
TEST_WORKERS ?= 2
test: setup lint browser
	$(BIN)/python -m pipelines.defs.dbt
	$(BIN)/pytest -q -n $(TEST_WORKERS) --dist loadfile

# The dashboard test renders the HTML report in headless Chromium with CJK fonts (Debian packages).
browser:
	@if ! command -v chromium >/dev/null || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "installing chromium and fonts-noto-cjk (Debian) for the dashboard test"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
		else \
			echo "the dashboard test needs chromium and fonts-noto-cjk: sudo apt-get install chromium fonts-noto-cjk"; \
		fi; \
	fi

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## bench: full build, one more month and the baselines (a minimal DuckDB script, a pandas
## script up to 100,000 enterprises, a script that only stores the rows, every mart in bare
## DuckDB), measured (SCALE enterprises;
## MONTH: the one more month, 2021-01 by default, e.g. 2021-12 for a December)
SCALE ?= 2000
MONTH ?= 2021-01
bench: setup
	$(BIN)/parks bench --enterprises $(SCALE) --month $(MONTH) --out $(DATA)/bench

## report: the officials' workbook and dashboard from the public warehouse
report: setup
	$(BIN)/parks report --format xlsx --out $(DATA)/reports/
	$(BIN)/parks report --format html --out $(DATA)/reports/

## docs: dbt's documentation of every table and column as one page that opens from disk with no
## network: data/dbt-docs/static_index.html (pipelines/docs_site.py removes dbt-docs' tracker)
docs: setup
	$(BIN)/python -m pipelines.docs_site --out $(abspath $(DATA))/dbt-docs

## dev: the Dagster UI (webserver and daemon) at http://127.0.0.1:3000
# umask: the UI's runs create files readable by the owner and group only, as `parks run` does
dev: setup
	umask 027 && mkdir -p $(DATA)/dagster && cp -n dagster.yaml $(DATA)/dagster/dagster.yaml || true
	umask 027 && DAGSTER_HOME=$(abspath $(DATA))/dagster $(BIN)/dagster dev -m pipelines.definitions

clean:
	rm -rf $(DATA) dbt_project/target dbt_project/logs
