# The book's commands. Each one creates the virtual environment first if it is missing or stale.
#   make book     build the HTML book from the notebooks' stored outputs into _build/html
#   make test     unit tests, nbval over every notebook (and the most rounding-sensitive ones again
#                 with other BLAS kernels and threads: make portability), and the site: a strict build (warnings are
#                 errors) checked page by page in headless Chromium (Debian's `chromium` package)
#   make pdf      the book as a PDF in _build/latex/book.pdf (needs TeX: see README)
#   make execute  re-run every notebook in place in a fresh kernel (do this before committing)
#   make student  write the student versions of the problem sets into _build/student (needs only
#                 nbformat, installed into _build/student-env)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# JavaScript served with the HTML pages (MathJax comes from a Python package): see package.json.
NODE_STAMP := node_modules/.installed
# One BLAS/OpenMP thread per kernel: nbval runs two notebooks at once on two cores, and the stored
# outputs are produced with the same setting as the tests that compare them.
export OMP_NUM_THREADS := 1
export MKL_NUM_THREADS := 1
export OPENBLAS_NUM_THREADS := 1
# The notebooks whose outputs are most sensitive to rounding (ranks, eigenvalues, residuals at
# interpolation, tolerance-decided counts). `make portability` re-runs them as another CPU would:
# other OpenBLAS kernels (OPENBLAS_CORETYPE; Prescott, or SandyBridge where Prescott is already
# the environment's), other MKL and PyTorch kernels, and two BLAS threads. Stored outputs stay
# produced with the default settings.
PORTABLE_NOTEBOOKS := book/01_parameters_functions_jacobian.ipynb book/03_manifold_of_global_minima.ipynb \
  book/04_hessian_at_global_minimum.ipynb book/10_full_rank_regions.ipynb \
  book/13_beyond_the_smooth_interior.ipynb book/14_gradient_descent_and_regions.ipynb \
  book/15_theorems_at_scale.ipynb
PORTABLE_CORETYPE  := $(if $(filter Prescott,$(OPENBLAS_CORETYPE)),SandyBridge,Prescott)
PORTABLE_ENV := OPENBLAS_CORETYPE=$(PORTABLE_CORETYPE) OPENBLAS_NUM_THREADS=2 OMP_NUM_THREADS=2 \
  MKL_NUM_THREADS=2 MKL_ENABLE_INSTRUCTIONS=AVX2 ATEN_CPU_CAPABILITY=default
NBVAL  := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg --nbval-cell-timeout=600

.PHONY: book pdf test unit nbval portability site strict-build execute student constraints clean

$(STAMP): requirements.txt constraints.txt pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "the book needs Python 3.11 or newer"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt -c constraints.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	@touch $(STAMP)

$(NODE_STAMP): package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund
	@touch $(NODE_STAMP)

book: $(STAMP) $(NODE_STAMP)
	$(BIN)/jupyter-book build .
	@echo "The book is at $(CURDIR)/_build/html/index.html (it works offline: open it from disk)"

pdf: $(STAMP)
	@command -v xelatex >/dev/null && command -v latexmk >/dev/null && command -v xindy >/dev/null || \
	  { echo "make pdf needs TeX: apt-get install latexmk xindy texlive-xetex texlive-latex-extra texlive-fonts-recommended fonts-freefont-otf"; exit 1; }
	$(BIN)/jupyter-book build . --builder pdflatex
	@echo "The PDF is at $(CURDIR)/_build/latex/book.pdf"

test: unit nbval portability site

unit: $(STAMP)
	$(BIN)/python -m pytest tests -n 2 -m "not site"

nbval: $(STAMP)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m pytest $(NBVAL) -n 2 --dist loadscope book

portability: $(STAMP)
	$(PORTABLE_ENV) $(BIN)/python scripts/blas_info.py --differs-from-default
	$(PORTABLE_ENV) PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m pytest $(NBVAL) $(PORTABLE_NOTEBOOKS)

# Builds the book strictly into _build/html, then checks it: links, offline assets, and every page in
# headless Chromium. Screenshots for review go to _build/screenshots.
site: $(STAMP) $(NODE_STAMP)
	$(BIN)/python -m pytest tests -m site

strict-build: $(STAMP) $(NODE_STAMP)
	$(BIN)/jupyter-book build . --all -W --keep-going

execute: $(STAMP)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python scripts/execute_notebooks.py book

# The student versions need only nbformat (pinned in constraints.txt), in an environment of their
# own: not the book's, with its torch.
STUDENT_VENV := _build/student-env
student:
	@test -x $(STUDENT_VENV)/bin/python || $(PYTHON) -m venv $(STUDENT_VENV)
	$(STUDENT_VENV)/bin/python -m pip install --quiet nbformat -c constraints.txt
	$(STUDENT_VENV)/bin/python scripts/student_versions.py _build/student

constraints: $(STAMP)
	@(echo "# Every package of the book's environment, pinned (pip freeze of requirements.txt)."; \
	  echo "# Regenerate with: make constraints"; \
	  $(BIN)/python -m pip freeze --exclude-editable | sed 's/+cpu$$//') > constraints.txt

clean:
	rm -rf _build node_modules
