# Two commands for a fresh machine (see README):
#   make run    set up .venv and start the app on the bundled corpus
#   make test   set up .venv (and Chromium for the browser test) and run the tests
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8501

.PHONY: setup run test test-fast bench bench-quick chromium converters clean

$(VENV)/.installed: pyproject.toml
	python3.11 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[test]'
	touch $@

setup: $(VENV)/.installed

run: setup converters
	$(PY) -m indexer build
	$(VENV)/bin/streamlit run app.py --server.address 127.0.0.1 --server.port $(PORT) --server.headless true --browser.gatherUsageStats false

chromium:
	@command -v chromium >/dev/null && fc-list :lang=zh | grep -q . || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null; }

# LibreOffice reads .doc/.wps (indexer/converting.py); fonts let it and the OCR test render Chinese.
# Debian's package (about 250 MB, 40 s here); skipped at once when already installed.
converters:
	-@command -v soffice >/dev/null && fc-list :lang=zh | grep -q . || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		libreoffice-writer-nogui fonts-wqy-microhei >/dev/null; }

test: setup chromium converters
	$(PY) -m pytest -q

# The fast tier for development: no seekdb server, no browser.
test-fast: setup
	$(PY) -m pytest -q -m "not slow"

# The shared data (CMRC 2018 dev, government work reports) lies beside the
# checkout in CI; say where it is on other machines: make bench SHARED=/path.
SHARED ?= ../shared

# The full run rewrites docs/bench.json, docs/bench.png and the README table.
bench: setup chromium converters
	$(PY) -m bench --shared $(SHARED) --json docs/bench.json --plot docs/bench.png --readme README.md

# Under 5 minutes; fails (and names the figure) when a pinned quality figure drops.
bench-quick: setup chromium converters
	$(PY) -m bench --quick --shared $(SHARED) --json /tmp/partyqa-bench-quick.json

clean:
	rm -rf $(VENV) index
