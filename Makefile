# One virtual environment in .venv with the project and the extras the tests need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test media venv clean

$(BIN)/cap: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,ray,speech,ros,web]'
	scripts/build_interfaces.sh $(VENV)
	touch $(BIN)/cap

venv: $(BIN)/cap

demo: venv
	$(BIN)/cap demo

test: venv
	$(BIN)/python -m pytest -q

media: venv  # the README's pictures, from the running system (needs Chromium)
	$(BIN)/python scripts/readme_media.py

clean:
	rm -rf $(VENV) runs
