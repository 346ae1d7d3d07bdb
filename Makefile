# Two commands do all the set-up: `make demo` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test serve clean

$(BIN)/python:
	$(shell command -v $(PYTHON) || echo python3) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/attune demo --out attunement-demo

# The demo in the review app (attune serve): installs the app extra, writes attunement-demo-app/ and serves it.
$(VENV)/.installed-app: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[app]'
	touch $@ $(VENV)/.installed

serve: $(VENV)/.installed-app
	$(BIN)/attune serve --demo

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest src tests

clean:
	rm -rf $(VENV) attunement-demo attunement-demo-app .pytest_cache
