# The book's commands. Each one creates the virtual environment first if it is missing or stale.
#   make book     build the HTML book from the notebooks' stored outputs into _build/html
#   make test     unit tests, nbval over every notebook (and the most rounding-sensitive ones again
#                 with other BLAS kernels and threads: make portability), and the site: a strict build (warnings are
#                 errors) checked page by page in headless Chromium (Debian's `chromium` package,
#                 installed when missing and allowed: see system-packages)
#   make pdf      the book as a PDF in _build/latex/book.pdf (needs TeX: see README)
#   make execute  re-run every notebook in place in a fresh kernel (do this before committing)
#   make student  write the student versions of the problem sets into _build/student (needs only
#                 nbformat, installed into _build/student-env)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# JavaScript served with the HTML pages (MathJax comes from a Python package) and axe-core for the
# accessibility tests: see package.json.
NODE_STAMP := node_modules/.installed
# The browser of the site tests: Debian's Chromium (nothing downloads a browser). `make test` and
# `make site` install Debian's `chromium` (and `npm`) when they are missing and this user may
# (root, or sudo without a password); otherwise they stop at once and say what to run.
BOOK_CHROMIUM ?= /usr/bin/chromium
export BOOK_CHROMIUM
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

.PHONY: book pdf test unit nbval portability site strict-build execute student constraints clean \
  system-packages

$(STAMP): requirements.txt constraints.txt pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "the book needs Python 3.11 or newer"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt -c constraints.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	@touch $(STAMP)

$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || $(MAKE) --no-print-directory system-packages
	npm ci --ignore-scripts --no-audit --no-fund
	@touch $(NODE_STAMP)

# Debian's chromium and npm, installed with apt-get when one is missing and allowed.
system-packages:
	@missing=""; \
	[ -x "$(BOOK_CHROMIUM)" ] || missing="$$missing chromium"; \
	command -v npm >/dev/null || missing="$$missing npm"; \
	[ -z "$$missing" ] && exit 0; \
	if [ "$$(id -u)" = 0 ]; then sudo=""; \
	elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo="sudo -n"; \
	else echo "The site tests need Debian's$$missing. Run:  sudo apt-get install$$missing"; exit 1; fi; \
	command -v apt-get >/dev/null || { echo "No apt-get: install$$missing (or set BOOK_CHROMIUM to a Chromium binary)"; exit 1; }; \
	echo "Installing$$missing with apt-get"; \
	$$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq $$missing

book: $(STAMP) $(NODE_STAMP)
	$(BIN)/jupyter-book build .
	@echo "The book is at $(CURDIR)/_build/html/index.html (it works offline: open it from disk)"

pdf: $(STAMP)
	@command -v xelatex >/dev/null && command -v latexmk >/dev/null && command -v xindy >/dev/null || \
	  { echo "make pdf needs TeX: apt-get install latexmk xindy texlive-xetex texlive-latex-extra texlive-fonts-recommended fonts-freefont-otf"; exit 1; }
	$(BIN)/jupyter-book build . --builder pdflatex
	@echo "The PDF is at $(CURDIR)/_build/latex/book.pdf"

# The system packages first: a missing browser stops the run before the long tests, not after.
test: system-packages unit nbval portability site

unit: $(STAMP)
	$(BIN)/python -m pytest tests -n 2 -m "not site"

nbval: $(STAMP)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m pytest $(NBVAL) -n 2 --dist loadscope book

portability: $(STAMP)
	$(PORTABLE_ENV) $(BIN)/python scripts/blas_info.py --differs-from-default
	$(PORTABLE_ENV) PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m pytest $(NBVAL) $(PORTABLE_NOTEBOOKS)

# Builds the book strictly into _build/html, then checks it: links, offline assets, every page in
# headless Chromium at 1280 and 390 px, and axe-core on every page in light and dark mode.
# Screenshots for review go to _build/screenshots.
site: system-packages $(STAMP) $(NODE_STAMP)
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
