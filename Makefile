# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
SAMPLE := tests/data/applied_project_mea

.PHONY: demo test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Re-install whenever pyproject.toml changes.
$(VENV)/.core-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.all-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[all,test]"
	touch $@ $(VENV)/.core-installed

demo: $(VENV)/.core-installed
	rm -rf demo/input && mkdir -p demo/input
	$(BIN)/attune -q simulate --style sensitive --procedure still-face \
	  --phase-lengths 120,120,120 --seed 1 --out demo/input/still_face_dyad.parquet
	cp $(SAMPLE)/MEA_video101.txt demo/input/
	$(BIN)/attune info demo/input --sampling-rate 25
	$(BIN)/attune analyze demo/input --config examples/demo.toml --sampling-rate 25 \
	  --out demo/report --force
	@echo "Open demo/report/index.html (one report_<session>.html per session)."

lint: $(VENV)/.all-installed
	$(BIN)/ruff check src tests benchmarks

test: lint
	$(BIN)/python -m pytest

bench: $(VENV)/.all-installed
	for b in benchmarks/bench_*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) demo .pytest_cache .ruff_cache
