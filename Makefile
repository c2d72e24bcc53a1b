# Two commands on a fresh machine: `make demo` and `make test`.
# Both install the exact versions in uv.lock (`uv sync --locked`); uv itself is bootstrapped
# from pip into .uv/, so all a fresh machine needs is Python >= 3.11 and make.
PYTHON     ?= python3
UV_VERSION := 0.13.8
UV         := .uv/bin/uv
VENV       := .venv
BIN        := $(VENV)/bin
SAMPLE     := tests/data/applied_project_mea
LATEST     := .venv-latest
# uv uses the same interpreter as `make PYTHON=...` and never downloads one of its own.
export UV_PYTHON := $(PYTHON)
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: demo test test-latest sync sync-all lock lint bench clean

$(UV):
	$(PYTHON) -m venv .uv
	.uv/bin/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

# The core package alone (demo), or every extra and the test tools (test, bench).
sync: | $(UV)
	$(UV) sync --locked --quiet

sync-all: | $(UV)
	$(UV) sync --locked --quiet --all-extras

# After editing pyproject.toml: resolve again and commit uv.lock with it.
lock: | $(UV)
	$(UV) lock

demo: sync
	rm -rf demo/input && mkdir -p demo/input
	$(BIN)/attune -q simulate --style sensitive --procedure still-face \
	  --phase-lengths 120,120,120 --seed 1 --out demo/input/still_face_dyad.parquet
	cp $(SAMPLE)/MEA_video101.txt demo/input/
	$(BIN)/attune info demo/input --sampling-rate 25
	$(BIN)/attune analyze demo/input --config examples/demo.toml --sampling-rate 25 \
	  --out demo/report --force
	@echo "Open demo/report/index.html (one report_<session>.html per session)."

lint: sync-all
	$(BIN)/ruff check src tests benchmarks

test: lint
	$(BIN)/python -m pytest

# Drift check: the newest releases pyproject.toml allows, in a throwaway environment (the lock
# is not touched), and the suite on them; the long statistical validations (marker `slow`:
# calibration on simulations, real-data negative controls) run in `make test` only, so that
# CI's two suites fit its 20 minutes.
test-latest: | $(UV)
	rm -rf $(LATEST)
	$(UV) venv --quiet $(LATEST)
	$(UV) pip install --quiet --python $(LATEST)/bin/python --upgrade --refresh -e ".[all,test]"
	$(UV) pip list --quiet --python $(LATEST)/bin/python --format freeze > $(LATEST)/versions.txt
	@echo "test-latest: $$(grep -ciE '^[a-z0-9]' $(LATEST)/versions.txt) packages, e.g." \
	  "$$(grep -iE '^(numpy|pandas|scipy|mne|duckdb)==' $(LATEST)/versions.txt | tr '\n' ' ')"
	$(LATEST)/bin/python -m pytest -p no:cacheprovider -m "not slow"

bench: sync-all
	for b in benchmarks/bench_*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) $(LATEST) .uv demo .pytest_cache .ruff_cache
