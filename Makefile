# OnBeat: every target bootstraps .venv on a machine that has only Python >= 3.11, make and git.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
READY := $(VENV)/.ready

.PHONY: play kiosk test fuzz demo bench lint format clean

$(READY): requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "OnBeat needs Python 3.11 or newer")'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	@touch $(READY)

play: $(READY)
	$(PY) run.py

# A clinic's kiosk station (docs/kiosk.md); set its PIN first with `run.py kiosk setup`.
kiosk: $(READY)
	$(PY) run.py kiosk $(if $(DATA_DIR),--data-dir $(DATA_DIR))

# The everyday loop: the level fuzzers at a few hundred examples each, the tests spread over
# the machine's cores (pytest-xdist), slowest tests listed.
test: $(READY)
	SDL_VIDEODRIVER=dummy SDL_AUDIODRIVER=dummy ONBEAT_FUZZ_EXAMPLES=300 $(PY) -m pytest -n auto -rs --durations=10
	$(PY) -m ruff check .

# The level fuzzers alone at 10,000 examples each (CI runs this after `make test`).
fuzz: $(READY)
	SDL_VIDEODRIVER=dummy SDL_AUDIODRIVER=dummy ONBEAT_FUZZ_EXAMPLES=10000 $(PY) -m pytest -m fuzz --durations=5

demo: $(READY)
	SDL_VIDEODRIVER=dummy SDL_AUDIODRIVER=dummy $(PY) run.py demo

bench: $(READY)
	$(PY) -m bench

lint: $(READY)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: $(READY)
	$(PY) -m ruff format .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
