# haf_nb: the two commands of the README, and the checks CI runs.
#   make reproduce   the main job (Tables 1-2 and the figures into outputs/)
#   make test        every notebook's tests, on the CPU, each notebook in a real Jupyter kernel
#   make notebooks   execute notebooks and store their outputs (figures included); NBS="nbs/12_asf.ipynb ..." for some
# Both create (or reuse) the virtual environment $(VENV) and install haf_nb with its extras into it.

SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# Optional: a wheel index for torch (e.g. https://download.pytorch.org/whl/cpu on GitHub Actions)
TORCH_INDEX_URL ?=
ARGS ?=

.PHONY: install test test-all notebooks reproduce bench export clean-nbs readme check-sync docs

$(VENV)/.installed: settings.ini setup.py pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --upgrade pip
	if [ -n "$(TORCH_INDEX_URL)" ]; then $(PY) -m pip install torch torchvision --index-url "$(TORCH_INDEX_URL)"; fi
	$(PY) -m pip install -e ".[dev]"
	touch $@

install: $(VENV)/.installed

## The test command: every notebook executed in a real python3 kernel (cells flagged slow/cuda/notest and
## `#| eval: false` skipped, as nbdev_test does), one line per notebook, `N passed, N failed` at the end.
test: $(VENV)/.installed
	$(PY) tools/run_nbs.py

## Also the cells flagged slow (and cuda when a GPU is present).
test-all: $(VENV)/.installed
	$(PY) tools/run_nbs.py --flags "slow $$($(PY) -c 'import torch; print("cuda" if torch.cuda.is_available() else "")')"

## Execute the notebooks (all, or NBS="nbs/12_asf.ipynb nbs/20_loss.ipynb") in a real kernel with the fast
## settings and write them back WITH their outputs (figures as PNG, inline backend), then nbdev_clean them.
NBS ?=
notebooks: $(VENV)/.installed
	HAF_PROGRESS=0 MPLBACKEND=module://matplotlib_inline.backend_inline $(PY) tools/run_nbs.py --write $(if $(NBS),--path $(NBS))

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
