# The two commands a fresh machine needs:
#   make demo   installs kimson-geo (+ Debian's pango and fonts for the PDF report) and runs
#               the main job on the bundled data: inventory, summary, validation, maps, report
#   make test   installs what the tests need (Python packages, Debian's chromium, npm copies
#               of the map's JavaScript) and runs the test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test install install-test lint bench bench-small clean readme-images

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[scale]'
	bash scripts/vendor_map_assets.sh
	bash scripts/setup-report-env.sh
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test,dev,scale]' hatchling
	touch $(VENV)/.installed $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test
	bash scripts/setup-test-env.sh

demo: install
	$(BIN)/kimson-geo info
	$(BIN)/kimson-geo summary
	$(BIN)/kimson-geo validate
	$(BIN)/kimson-geo map -o maps/kimson.html
	$(BIN)/kimson-geo map --offline -o maps/kimson-offline.html
	$(BIN)/kimson-geo report --format pdf -o maps/kimson-report.pdf

test: install-test
	$(BIN)/python -m pytest

lint: install-test
	$(BIN)/ruff check kimson_geo tests scripts
	$(BIN)/mypy kimson_geo

# benchmarks (not part of the tests): ratios against baselines measured in the same run
bench: install-test
	$(BIN)/python -m benchmarks.run --size full

bench-small: install-test
	$(BIN)/python -m benchmarks.run --size small

# the README's pictures: a phone screenshot of the map and a page of the PDF report
readme-images: install-test
	$(BIN)/python scripts/readme_images.py

clean:
	rm -rf $(VENV) build dist *.egg-info tests/browser/node_modules \
	  kimson_geo/render/assets kimson_geo/render/assets-src/node_modules
