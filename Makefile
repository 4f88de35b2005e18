# Two jobs, each sets itself up first: `make corpus` builds, `make test` tests.
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed-$(shell sha256sum pyproject.toml | cut -c1-12)

.PHONY: setup corpus test

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install -q --upgrade pip
	$(VENV)/bin/python -m pip install -q -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

setup: $(STAMP)

corpus: $(STAMP)
	$(VENV)/bin/nmg-corpus build
	$(VENV)/bin/nmg-corpus validate

test: $(STAMP)
	$(VENV)/bin/python -m pytest
