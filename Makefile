# Every target sets itself up: a fresh clone on a fresh Debian machine needs nothing before `make run`
# or `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test bench lint screenshots default-model musicnn-weights bundle install-desktop uninstall-desktop clean sysdeps

sysdeps:
	@bash scripts/system_deps.sh

$(STAMP): pyproject.toml
	@bash scripts/system_deps.sh
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[test]"
	touch $(STAMP)

run: $(STAMP)
	@if [ -z "$$DISPLAY$$WAYLAND_DISPLAY" ]; then \
	  echo "No display found: starting the app on a virtual X screen (xvfb-run)."; \
	  xvfb-run -a $(PY) -m genre_gui; \
	else $(PY) -m genre_gui; fi

# lint-imports checks the layer contracts in pyproject.toml's [tool.importlinter] (docs/ARCHITECTURE.md)
test: $(STAMP)
	QT_QPA_PLATFORM=offscreen bash scripts/with_pulse.sh $(PY) -m pytest -q $(PYTEST_ARGS)
	$(PY) -m ruff check genre_gui tests bench packaging
	$(VENV)/bin/lint-imports

lint: $(STAMP)
	$(PY) -m ruff check genre_gui tests bench packaging
	$(VENV)/bin/lint-imports

bench: $(STAMP)
	@for b in bench/*.py; do echo "== $$b"; QT_QPA_PLATFORM=offscreen bash scripts/with_pulse.sh $(PY) $$b || exit 1; done

screenshots: $(STAMP)
	bash scripts/with_pulse.sh xvfb-run -a -s "-screen 0 1920x1080x24" $(PY) scripts/screenshots.py docs/screenshots

# both bundled models; the musicnn one learns from ../shared/data/gtzan_clips and espeak-ng speech
default-model: $(STAMP)
	$(PY) -m genre_gui.cli train-default --out resources/default_model.npz
	$(PY) -m genre_gui.cli train-default --table --out resources/gtzan57_table_model.npz

# the MSD_musicnn weights from the published wheel (not installed: its metadata pins numpy<1.17); the
# result is committed, so neither the app nor the tests need this target or TensorFlow
musicnn-weights: $(STAMP)
	rm -rf build/musicnn && mkdir -p build/musicnn
	$(PY) -m pip download -q --no-deps musicnn==0.1.0 -d build/musicnn
	$(PY) scripts/musicnn_weights.py build/musicnn/musicnn-0.1.0-py3-none-any.whl resources/models

clean:
	rm -rf $(VENV) build dist .pytest_cache

$(VENV)/.build-installed: $(STAMP)
	$(PY) -m pip install -q -e ".[test,build]"
	touch $@

bundle: $(VENV)/.build-installed
	$(VENV)/bin/pyinstaller --noconfirm --clean --log-level WARN --distpath dist --workpath build/pyinstaller packaging/genre_gui.spec
	$(PY) packaging/smoke_test.py

install-desktop: $(STAMP)
	bash packaging/install_desktop.sh

uninstall-desktop:
	bash packaging/install_desktop.sh --uninstall

# mutation testing of the core with mutmut (docs/mutation.md): too slow for CI, run it before resolving;
# a part only: make mutation MUTATION_ARGS="spectral embedding"
.PHONY: mutation
$(VENV)/.mutation-installed: $(STAMP)
	$(PY) -m pip install -q -e ".[test,mutation]"
	touch $@

mutation: $(VENV)/.mutation-installed
	$(PY) scripts/mutation.py $(MUTATION_ARGS)
