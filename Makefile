# The two commands of a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: run console test bench bench-databases validate clean

$(BIN)/quizbot: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

## Set up, then run the bot (the console when TELEGRAM_BOT_TOKEN is not set).
run: $(BIN)/quizbot
	$(BIN)/quizbot run

console: $(BIN)/quizbot
	$(BIN)/quizbot console

## Set up, then lint, type-check and run the whole test suite: on SQLite, then every test
## that uses a database again on PostgreSQL (a server the run starts from the pgserver wheel
## of the test extra: nothing to install by hand, no root needed; tests/postgres.py).
test: $(BIN)/quizbot
	$(BIN)/ruff check bot tests bench tools
	$(BIN)/ruff format --check bot tests bench tools
	$(BIN)/mypy
	$(BIN)/python -m pytest -q -n auto --database=sqlite
	$(BIN)/python -m pytest -q -n auto --database=postgresql

## Run every benchmark; rewrite docs/benchmarks.md and docs/faq-latency.png.
bench: $(BIN)/quizbot
	$(BIN)/python -m bench.run

## One worker on SQLite against one on PostgreSQL; rewrites that section of docs/benchmarks.md.
bench-databases: $(BIN)/quizbot
	$(BIN)/python -m bench.database_bench

validate: $(BIN)/quizbot
	$(BIN)/quizbot banks validate

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache
