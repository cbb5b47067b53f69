# haf_nb: the two commands of the README, and the checks CI runs.
#   make reproduce   the main job (Tables 1-2 and the figures into outputs/)
#   make test        every notebook's tests, on the CPU
# Both create (or reuse) the virtual environment $(VENV) and install haf_nb with its extras into it.

SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# Optional: a wheel index for torch (e.g. https://download.pytorch.org/whl/cpu on GitHub Actions)
TORCH_INDEX_URL ?=
ARGS ?=

.PHONY: install test test-all reproduce bench export clean-nbs readme check-sync docs

$(VENV)/.installed: settings.ini setup.py pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --upgrade pip
	if [ -n "$(TORCH_INDEX_URL)" ]; then $(PY) -m pip install torch torchvision --index-url "$(TORCH_INDEX_URL)"; fi
	$(PY) -m pip install -e ".[dev]"
	touch $@

install: $(VENV)/.installed

## The test command: every notebook under nbdev's test runner (slow/cuda cells skipped), counts at the end.
test: $(VENV)/.installed
	$(PY) tools/test_nbs.py

## Also the cells flagged slow (and cuda when a GPU is present).
test-all: $(VENV)/.installed
	$(PY) tools/test_nbs.py --flags "slow $$($(PY) -c 'import torch; print("cuda" if torch.cuda.is_available() else "")')"

## The main job.
reproduce: $(VENV)/.installed
	$(VENV)/bin/haf_nb reproduce $(ARGS)

bench: $(VENV)/.installed
	$(VENV)/bin/haf_nb bench $(ARGS)

export: $(VENV)/.installed
	$(VENV)/bin/nbdev_export

clean-nbs: $(VENV)/.installed
	$(VENV)/bin/nbdev_clean

readme: $(VENV)/.installed
	$(PY) tools/make_readme.py

## Fails when notebooks, module and README are out of sync (what CI checks besides the tests).
check-sync: $(VENV)/.installed
	$(PY) tools/check_sync.py

## The documentation site (needs the Quarto program).
docs: $(VENV)/.installed
	$(VENV)/bin/nbdev_docs
