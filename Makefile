# Two jobs, each sets itself up first: `make corpus` builds, `make test` tests.
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed-$(shell sha256sum pyproject.toml | cut -c1-12)
CJK_FONT := /usr/share/fonts/truetype/wqy/wqy-microhei.ttc

.PHONY: setup corpus test font

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install -q --upgrade pip
	$(VENV)/bin/python -m pip install -q -e '.[test]'
	# pkuseg (a comparator in scripts/evaluate_word_layer.py) ships C++ that only builds on
	# Python 3.11 when Cython regenerates it, hence no build isolation.
	$(VENV)/bin/python -m pip install -q cython==3.3.1
	$(VENV)/bin/python -m pip install -q --no-build-isolation pkuseg==0.0.25
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

setup: $(STAMP)

# The notebooks' plots need a CJK font (Debian package fonts-wqy-microhei).
font:
	@test -f $(CJK_FONT) || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && apt-get install -y -qq fonts-wqy-microhei; \
	  else \
	    echo "missing $(CJK_FONT): install the Debian package fonts-wqy-microhei" >&2; exit 1; \
	  fi; }

corpus: $(STAMP)
	$(VENV)/bin/nmg-corpus build
	$(VENV)/bin/nmg-corpus validate

test: $(STAMP) font
	$(VENV)/bin/python -m pytest
