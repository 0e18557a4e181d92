# painsign: one virtual environment, two jobs.
#   make book   set up, execute the notebooks on the default synthetic data (demo profile), build the book
#   make test   set up, lint, and run the test suite (which executes the smoke profile's book)
#   make test-fast  the unit tests only: no notebook execution, no book (pytest -m "not book and not slow")
#   make format     ruff format, then ruff check --fix (what the pre-commit hook runs)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PROFILE ?= demo
STAMP  := $(VENV)/.installed

.PHONY: install book smoke test test-fast format lint lock clean browser-deps

install: $(STAMP)

# Exact versions from the lock, no resolution at install time; then this package, then the kernel
# papermill runs the notebooks with (named python3, inside the venv).
$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --no-deps -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (painsign)" >/dev/null
	touch $(STAMP)

book: install
	$(BIN)/painsign book --profile $(PROFILE)

smoke: install
	$(BIN)/painsign book --profile smoke

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Format a path (default: the whole repository), then apply ruff's safe fixes: FILES=painsign_utils/x.py
FILES ?= .
format: install
	$(BIN)/ruff format $(FILES)
	$(BIN)/ruff check --fix $(FILES)

# The browser check of the built book needs Debian's headless Chromium; installing it needs root.
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# No root needed: without a Chromium the browser check is skipped with one line saying why
# (.ci/run installs Chromium first and sets PAINSIGN_REQUIRE_BROWSER=1, so CI always runs it).
test: install lint
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || command -v google-chrome >/dev/null 2>&1 || command -v google-chrome-stable >/dev/null 2>&1 || \
		echo "make test: browser check skipped: no Chromium found (install it with 'apt-get install chromium', or 'make browser-deps' as root)"
	$(BIN)/python -m pytest

# The inner loop: unit tests without the notebook/book tests (marker "book") and without the tests
# that train models or run long pipelines (marker "slow"); `make test` runs everything.
test-fast: install
	$(BIN)/python -m pytest -m "not book and not slow" -q

lock:
	$(BIN)/python -m pip freeze --exclude-editable | grep -v -i -E '^(opencv-python==|painsign)' | sort -f > requirements.lock.new
	mv requirements.lock.new requirements.lock

clean:
	rm -rf _build book/[0-9][0-9]_*.ipynb artifacts
