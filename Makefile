# OnBeat: every target bootstraps .venv on a machine that has only Python >= 3.11, make and git.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
READY := $(VENV)/.ready

.PHONY: play test demo bench lint format clean

$(READY): requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "OnBeat needs Python 3.11 or newer")'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	@touch $(READY)

play: $(READY)
	$(PY) run.py

test: $(READY)
	SDL_VIDEODRIVER=dummy SDL_AUDIODRIVER=dummy ONBEAT_FUZZ_EXAMPLES=10000 $(PY) -m pytest
	$(PY) -m ruff check .

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
