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
# The faiss flavour: cpu (faiss-cpu) or gpu (faiss-gpu), never both (they install the same `faiss` module):
#   rm -f .venv/.installed && make install FAISS=gpu
FAISS ?= cpu

.PHONY: install test test-all notebooks reproduce bench export clean-nbs readme check-sync docs
.PHONY: package-check docs-quarto gpu-check

# The installer: uv (default; the same requirements from the same indexes as pip, installed in parallel: a fresh venv
# in 56-100 s instead of pip's 164 s on the development machine) or pip (INSTALLER=pip). If uv cannot be had or fails,
# pip does the install.
INSTALLER ?= uv
$(VENV)/.installed: settings.ini setup.py pyproject.toml tools/uv_install.py
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	if [ -n "$(TORCH_INDEX_URL)" ]; then $(PY) -m pip install torch torchvision --index-url "$(TORCH_INDEX_URL)"; fi
	if [ "$(FAISS)" = gpu ]; then $(PY) -m pip uninstall -y -q faiss-cpu; fi
	if [ "$(INSTALLER)" = uv ] && $(PY) -m pip install -q uv && $(PY) tools/uv_install.py -e ".[dev,$(FAISS)]"; then :; \
	else echo "installing with pip"; $(PY) -m pip install --upgrade pip && $(PY) -m pip install -e ".[dev,$(FAISS)]"; fi
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

## The documentation site offline: every notebook (with its committed outputs) to HTML in _site/, index.html
## linking them in order (nbconvert; installs nothing, no Quarto).
docs: $(VENV)/.installed
	$(PY) tools/build_docs.py --out _site

## The published site (nbdev + Quarto, as .github/workflows/docs.yaml builds it): needs `quarto` on the PATH.
docs-quarto: $(VENV)/.installed
	@command -v quarto >/dev/null || { echo "quarto is not installed (https://quarto.org/docs/get-started/); 'make docs' needs none"; exit 1; }
	$(VENV)/bin/nbdev_docs

## sdist -> wheel -> fresh venv -> import haf_nb, haf_nb --help (what CI checks besides the tests).
package-check: $(VENV)/.installed
	bash tools/check_package.sh $(PY)

## On a machine with a CUDA GPU: cuda cells, extraction speed vs the card's bf16 peak, faiss-gpu, training steps
## (< 8 minutes) -> outputs/gpu_check.md. Says so and exits 0 where there is no GPU.
gpu-check: $(VENV)/.installed
	$(PY) tools/gpu_check.py
