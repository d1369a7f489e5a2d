# Two commands: `make book` builds the HTML book, `make test` runs every test.
# Both create .venv from requirements.txt first (again only when requirements.txt or pyproject.toml changed).
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NOTEBOOKS := $(sort $(wildcard book/*.ipynb))
BUILD_LOG := _build/build.log

.PHONY: book test pytest nbval build-strict rendered refresh lab bench clean venv

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

## make test: unit and property tests, nbval over every notebook, the strict build, then the rendered book
test: pytest nbval build-strict rendered
	@echo "make test: all passed"

pytest: $(STAMP)
	$(BIN)/python -m pytest tests -n 2 -q --ignore=tests/rendered

# The built HTML: links, alt text, offline math, buttons, footer; then headless Chromium, if installed
# (reported as skipped otherwise; REQUIRE_BROWSER=1, as in .ci/run, makes a missing browser a failure).
rendered: $(STAMP)
	$(BIN)/python -m pytest tests/rendered -q -rs

nbval: $(STAMP)
	$(BIN)/python -m pytest --nbval $(NOTEBOOKS) --nbval-sanitize-with tests/nbval_sanitize.cfg \
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
	rm -rf _build
