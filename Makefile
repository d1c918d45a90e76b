# The two commands the README starts with:
#   make demo   - create .venv if missing, install, code the bundled corpus into results/
#   make test   - create .venv if missing, install, run the test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test install bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# torch is named in the same command so pip takes the pinned CPU wheel, never a CUDA build
	$(BIN)/python -m pip install --quiet "torch==2.13.0" -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/practice-themes code corpus/ -o results/ --metadata corpus/metadata.csv

test: $(STAMP)
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python benchmarks/ingest.py
	$(BIN)/python benchmarks/tagging.py
	$(BIN)/python benchmarks/accuracy.py

clean:
	rm -rf results report .pytest_cache
