# One virtual environment in .venv with the project and the extras the tests need; the ROS 2
# interface packages the wheels lack are built into it for the tests and the robot (the demo
# does not wait for them).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INTERFACES := $(VENV)/.interfaces-built

.PHONY: demo test test-real-model media venv interfaces clean

$(BIN)/cap: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,ray,speech,ros,web]'
	touch $(BIN)/cap

$(INTERFACES): $(BIN)/cap $(shell find ros -type f) scripts/build_interfaces.sh
	scripts/build_interfaces.sh $(VENV)
	touch $(INTERFACES)

venv: $(BIN)/cap

interfaces: $(INTERFACES)

demo: venv
	$(BIN)/cap demo

test: venv interfaces
	$(BIN)/python -m pytest -q

test-real-model: venv  # opt-in, not in `test`: gemma-3-270m through llama-cpp-python's server
	$(BIN)/python scripts/real_model.py

media: venv  # the README's pictures, from the running system (needs Chromium)
	$(BIN)/python scripts/readme_media.py

clean:
	rm -rf $(VENV) runs
