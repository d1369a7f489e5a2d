# Two commands: `make book` builds the HTML book, `make test` runs every test (`make pdf` builds the PDF,
# `make release` the versioned files to publish). They create .venv from requirements.txt first (again only
# when requirements.txt or pyproject.toml changed).
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NOTEBOOKS := $(sort $(wildcard book/*.ipynb))
BUILD_LOG := _build/build.log
LATEX := _build/latex
LATEX_BUILD_LOG := _build/latex-build.log
DIST ?= dist
# The PDF's and the release files' name, glms-as-neurons-VERSION (VERSION from pyproject.toml, installed)
STEM = $$($(BIN)/python book/_ext/bookextras.py)
# What a LaTeX log says of a missing reference, citation or glyph (tests/rendered/test_pdf.py reads the same)
UNDEFINED := ([Rr]eference|Citation) .* undefined on input line|There were undefined
LATEX_PROBLEMS := $(UNDEFINED)|multiply[- ]defined|Missing character

.PHONY: book test lint pytest nbval build-strict pdf release package rendered refresh lab bench clean venv

venv: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $@

## make book: build the HTML book strictly and print the page to open
book: build-strict
	@echo "Open file://$(CURDIR)/_build/html/index.html"

# Jupyter Book 1 can exit 0 after a failure, so the log is checked as well as the exit code.
build-strict: $(STAMP)
	mkdir -p _build
	rc=0; $(BIN)/jupyter-book build . --all -W -n --keep-going 2>&1 | tee $(BUILD_LOG) || rc=$$?; \
	if [ $$rc -ne 0 ]; then echo "book build failed (exit $$rc)"; exit 1; fi; \
	if grep -nE "WARNING|ERROR|CRITICAL|Traceback|Exception occurred" $(BUILD_LOG); then \
		echo "book build reported the problems above"; exit 1; fi; \
	test -f _build/html/index.html || { echo "no _build/html/index.html"; exit 1; }

## make pdf: the whole book as one PDF, _build/latex/glms-as-neurons-VERSION.pdf (Jupyter Book's LaTeX
## builder, then xelatex through latexmk), as strict as the HTML; copied beside the HTML, which links to it
# The Sphinx step is checked like the HTML build; then the LaTeX log (lines unwrapped by max_print_line)
# must name no undefined or multiply defined reference or citation and no character missing from a font.
pdf: $(STAMP)
	mkdir -p _build
	rm -rf $(LATEX)
	rc=0; $(BIN)/jupyter-book build . --all -W -n --keep-going --builder latex 2>&1 \
		| tee $(LATEX_BUILD_LOG) || rc=$$?; \
	if [ $$rc -ne 0 ]; then echo "LaTeX build failed (exit $$rc)"; exit 1; fi; \
	if grep -nE "WARNING|ERROR|CRITICAL|Traceback|Exception occurred" $(LATEX_BUILD_LOG); then \
		echo "LaTeX build reported the problems above"; exit 1; fi
	stem=$(STEM); \
	max_print_line=100000 $(MAKE) --no-print-directory -C $(LATEX) all-pdf \
		LATEXOPTS="-interaction=nonstopmode -halt-on-error" > $(LATEX)/latexmk.out 2>&1 \
		|| { tail -n 40 $(LATEX)/latexmk.out; echo "xelatex failed: see $(LATEX)/$$stem.log"; exit 1; }; \
	if grep -nE '$(LATEX_PROBLEMS)' $(LATEX)/$$stem.log; then \
		echo "the LaTeX log reports the problems above"; exit 1; fi; \
	mkdir -p _build/html && rm -f _build/html/$${stem%-*}-*.pdf && cp $(LATEX)/$$stem.pdf _build/html/; \
	pages=$$(pdfinfo $(LATEX)/$$stem.pdf | awk '/^Pages/ {print $$2}') || pages="?"; \
	echo "PDF: $(CURDIR)/$(LATEX)/$$stem.pdf ($$pages pages)"

## make release: build the HTML and the PDF strictly, then write to dist/ the HTML as a zip, the PDF and
## the student notebooks as a zip, each named glms-as-neurons-VERSION...
release: build-strict pdf
	$(MAKE) --no-print-directory package

# What `make release` writes, from the builds already in _build (DIST=dir writes elsewhere).
package: $(STAMP)
	stem=$(STEM); stage=_build/release; dist=$(abspath $(DIST)); python=$(abspath $(BIN))/python; \
	test -f _build/html/index.html -a -f _build/html/$$stem.pdf \
		|| { echo "build the HTML and the PDF first: make book pdf"; exit 1; }; \
	rm -rf $$stage && mkdir -p $$stage $$dist; \
	cp -r _build/html $$stage/$$stem-html; \
	$$python -m companion students $$stage/$$stem-student-notebooks >/dev/null; \
	rm -f $$dist/$$stem-html.zip $$dist/$$stem-student-notebooks.zip; \
	(cd $$stage && $$python -m zipfile -c $$dist/$$stem-html.zip $$stem-html \
		&& $$python -m zipfile -c $$dist/$$stem-student-notebooks.zip $$stem-student-notebooks); \
	cp $(LATEX)/$$stem.pdf $$dist/; \
	rm -rf $$stage; \
	ls -l $$dist/$$stem*

## make test: linting, unit and property tests, nbval over every notebook, the strict HTML and PDF builds,
## then the rendered book and the PDF
test: lint pytest nbval build-strict pdf rendered
	@echo "make test: all passed"

# Two test processes at a time, each with single-threaded BLAS and torch: more threads than the two
# cores only make them wait for each other.
SERIAL := OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1

## make lint: ruff (lint and format, notebooks included) and mypy on the companion
lint: $(STAMP)
	$(BIN)/ruff check companion tests book
	$(BIN)/ruff format --check companion tests book
	$(BIN)/mypy

pytest: $(STAMP)
	$(SERIAL) $(BIN)/python -m pytest tests -n 2 -q --ignore=tests/rendered

# The built HTML: links, alt text, offline math, buttons, footer; then headless Chromium, if installed
# (reported as skipped otherwise; REQUIRE_BROWSER=1, as in .ci/run, makes a missing browser a failure).
# The PDF: its LaTeX log, every chapter, theorem and exercise in its text, the version; what
# `make release` writes.
rendered: $(STAMP)
	$(BIN)/python -m pytest tests/rendered -q -rs

nbval: $(STAMP)
	$(SERIAL) $(BIN)/python -m pytest --nbval $(NOTEBOOKS) --nbval-sanitize-with tests/nbval_sanitize.cfg \
		--nbval-current-env -n 2 --dist loadfile -q

## make refresh: update each chapter's install cell from _config.yml, then re-execute every chapter
## top to bottom in a fresh kernel, stored in place
refresh: $(STAMP)
	$(BIN)/python -m companion install-cells
	cd book && for nb in $(notdir $(NOTEBOOKS)); do \
		echo "executing $$nb"; \
		../$(BIN)/jupyter nbconvert --to notebook --execute --inplace \
			--ExecutePreprocessor.record_timing=False --ExecutePreprocessor.timeout=600 \
			--ExecutePreprocessor.kernel_name=python3 "$$nb"; \
	done

## make lab: open the notebooks in JupyterLab
lab: $(STAMP)
	$(BIN)/jupyter lab book

## make bench: fit times against statsmodels and scikit-learn, measured in one run
bench: $(STAMP)
	$(BIN)/python tests/benchmark.py

clean:
	rm -rf _build $(DIST)
