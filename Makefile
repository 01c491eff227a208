# Two commands on a fresh machine:  `make run`  (build the demo knowledge base and serve the app)
#                                   `make test` (the whole test suite)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PORT   ?= 8501
export DVC_NO_ANALYTICS := 1
export GX_ANALYTICS_ENABLED := false
export HF_HUB_OFFLINE := 1
export STREAMLIT_BROWSER_GATHER_USAGE_STATS := false

.PHONY: run install build app test test-fast lint bench corpus clean

run: build app

# The environment: CPU torch first (a plain install resolves a multi-GB CUDA build), then the
# package with the tested versions, then deduce's one-time name-list cache (~2 minutes).
$(BIN)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -c constraints.txt -e '.[dev]'
	$(BIN)/python -c "from pipeline.core.anonymise import warm_up; warm_up()"
	touch $@

# Headless Chromium for the real-browser test (Debian package; needs root or sudo).
/usr/bin/chromium:
	@if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	else sudo apt-get update -qq && sudo apt-get install -y -qq chromium >/dev/null; fi

install: $(BIN)/.installed

build: install
	$(BIN)/casuswijzer build --workdir .

app: install
	$(BIN)/casuswijzer app --workdir . --port $(PORT)

test: install /usr/bin/chromium
	$(BIN)/pytest -q

test-fast: install
	$(BIN)/pytest -q -m "not slow"

lint: install
	$(BIN)/ruff check . && $(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy


bench: install
	$(BIN)/python bench/build.py

corpus: install
	$(BIN)/python data/demo/make_corpus.py

clean:
	rm -rf data/interim data/processed models/cache models/cluster
