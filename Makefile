# Two commands: `make test` (set up, then run the tests) and `make book` (set up, then the
# main job: fetch data and encoders, embed, run the experiments or unpack their committed
# store, execute the notebooks, build the HTML book). Everything else is a step of those two.
PYTHON  ?= python3
VENV    ?= .venv
PROFILE ?= paper
# CONFIG=my.yaml (a grid YAML of your own) overrides PROFILE: results go to results/<stem>/
CONFIG  ?=
JOBS    ?= 2
EMBED_ALL ?=
# the small check `make book` runs on the store it renders: VERIFY="--sample 20 --max-minutes 10"
VERIFY  ?= --sample 3 --max-minutes 2
# A profile whose store is committed packed (stores/<name>/, `make pack`) is unpacked, not
# recomputed (the paper's design takes tens of CPU-hours): only the cheap encoders are
# embedded, so that verify can recompute a sample. RECOMPUTE=1 runs (resumes) its grid
# instead; a profile without a packed store (default, quick, CONFIG=...) runs its grid.
RECOMPUTE ?=
VERIFY_ENCODERS ?= glove50,potion8m,wordllama
BIN      = $(VENV)/bin
GRID     = $(if $(CONFIG),--config $(CONFIG),--profile $(PROFILE))
NAME     = $(if $(CONFIG),$(basename $(notdir $(CONFIG))),$(PROFILE))
PACKED   = stores/$(NAME)
UNPACK   = $(if $(RECOMPUTE),,$(wildcard $(PACKED)/MANIFEST.json))

.PHONY: setup lint test book data embed experiments verify notebooks bench pack clean-book help

help:
	@echo "make test                  set up .venv and run the test suite"
	@echo "make book                  set up, fetch, unpack the committed paper store, verify, build book/_build/html"
	@echo "make book RECOMPUTE=1      the same, running (resuming) the paper grid instead of only unpacking"
	@echo "make book PROFILE=default  set up, fetch, embed, run the default grid, build the book"
	@echo "make book CONFIG=my.yaml    the same book for your own grid YAML (results/my/)"
	@echo "make verify                recompute a random sample of the store's runs (VERIFY=...)"
	@echo "make bench                 run the strategy benchmark (writes book/data/bench_strategies.csv)"
	@echo "make pack [PROFILE=paper]  pack results/<name> into stores/<name>/ to commit it"

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
	$(BIN)/alcore embed $(GRID) --no-progress $(if $(UNPACK),--encoder $(VERIFY_ENCODERS))
	$(if $(EMBED_ALL),$(BIN)/alcore embed --all-offline --no-progress)

# a packed store is checked against its manifest and unpacked (runs already there are kept)
experiments: embed
	$(if $(UNPACK),$(BIN)/alcore store unpack $(PACKED) --store results/$(NAME) --no-progress,$(BIN)/alcore run $(GRID) --jobs $(JOBS))

# pack results/<name> into stores/<name>/ (to commit it): only changed tables are rewritten
pack: setup
	$(BIN)/alcore store pack --store results/$(NAME) --out $(PACKED) --no-progress

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
