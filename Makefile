# Two commands do all set-up: `make run` (the main job) and `make test` (the suite).
# Both install what is missing: Debian packages (Tesseract + Swedish data, Chromium),
# a virtualenv with exactly pinned dependencies, the package, and the lexicon cache.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test system setup bench corpus schema lock docs

run: setup
	$(BIN)/papers run corpus/inputs/ --out extracted/

test: setup
	$(BIN)/pytest

setup: system $(STAMP)

system:
	@scripts/ensure-system.sh

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e ".[test,corpus,dask]"
	$(BIN)/python -m pipeline.lexicon --build
	touch $(STAMP)

# Regenerate the committed corpus from corpus/sources/ (seeded; byte-identical output).
corpus: setup
	$(BIN)/python corpus/build.py

# Rewrite pipeline/schema/*.schema.json from the models.
schema: setup
	$(BIN)/python -m pipeline.schema

# Re-pin the dependencies after changing pyproject.toml (setuptools too: tests/test_wheel.py builds with it).
lock:
	$(BIN)/python -m pip freeze --all --exclude pip --exclude-editable | grep -v '^-e' > requirements.lock

bench: setup
	$(BIN)/python bench/ocr_throughput.py

# Screenshot the report of extracted/ in Swedish and English, and a search in it, for the README.
docs: setup
	$(BIN)/python scripts/screenshot_report.py extracted docs/report-sv.png --lang sv
	$(BIN)/python scripts/screenshot_report.py extracted docs/report-en.png --lang en
	$(BIN)/python scripts/screenshot_report.py extracted docs/report-search.png --lang sv --search "Bilda 2368800"
