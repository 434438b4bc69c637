# Two commands: `make test` (set up, then run the tests) and `make book` (set up, then the
# main job: fetch data and encoders, embed, run the experiments, execute the notebooks, build
# the HTML book). Everything else is a step of those two.
PYTHON  ?= python3
VENV    ?= .venv
PROFILE ?= default
# CONFIG=my.yaml (a grid YAML of your own) overrides PROFILE: results go to results/<stem>/
CONFIG  ?=
JOBS    ?= 2
EMBED_ALL ?=
# the small check `make book` runs on the store it renders: VERIFY="--sample 20 --max-minutes 10"
VERIFY  ?= --sample 3 --max-minutes 2
BIN      = $(VENV)/bin
GRID     = $(if $(CONFIG),--config $(CONFIG),--profile $(PROFILE))
NAME     = $(if $(CONFIG),$(basename $(notdir $(CONFIG))),$(PROFILE))

.PHONY: setup lint test book data embed experiments verify notebooks bench clean-book help

help:
	@echo "make test                  set up .venv and run the test suite"
	@echo "make book [PROFILE=default] set up, fetch, embed, run experiments, build book/_build/html"
	@echo "make book CONFIG=my.yaml    the same book for your own grid YAML (results/my/)"
	@echo "make verify                recompute a random sample of the store's runs (VERIFY=...)"
	@echo "make bench                 run the strategy benchmark (writes book/data/bench_strategies.csv)"

# A .venv with every dependency pinned (pyproject.toml + requirements.lock); torch==2.13.0
# resolves to the CPU build. Re-made when the pins change.
$(BIN)/.alcore-installed: pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install -q --disable-pip-version-check -c requirements.lock -e ".[dev]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 > /dev/null
	touch $@

setup: $(BIN)/.alcore-installed

test: lint data
	$(BIN)/python -m pytest -q --timeout=900

# ruff (pinned in the dev extra): lint rules and formatting, configured in pyproject.toml
lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# with CONFIG only the datasets that grid names are fetched
data: setup
	$(BIN)/alcore data fetch $(if $(CONFIG),--config $(CONFIG),all)

# EMBED_ALL=1 embeds every offline dataset with every offline encoder (mpnet included: slow)
embed: data
	$(BIN)/alcore embed $(GRID) --no-progress
	$(if $(EMBED_ALL),$(BIN)/alcore embed --all-offline --no-progress)

experiments: embed
	$(BIN)/alcore run $(GRID) --jobs $(JOBS)

# recompute a seeded sample of stored runs and compare every number; writes
# results/<name>/verify.json (the Reproducibility chapter shows it); fails on a difference
verify: experiments
	$(BIN)/alcore verify --store results/$(NAME) $(VERIFY) --quiet

notebooks: verify
	$(BIN)/python -m alcore.report.build --profile $(NAME) --store results/$(NAME)

book: notebooks
	@echo "book: open book/_build/html/index.html"

bench: setup
	$(BIN)/alcore bench strategies

clean-book:
	rm -rf book/_build book/notebooks
