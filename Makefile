# The course in two commands: `make lab` opens it, `make test` checks all of it.
# Both create .venv and install requirements.txt the first time (and again only
# when requirements.txt or pyproject.toml change).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
NOTEBOOK_DIRS := notebooks solutions exercises
ZH_NOTEBOOK_DIRS := notebooks/zh-CN exercises/zh-CN
LINT_PATHS := course_lib tests bench tools workshop $(NOTEBOOK_DIRS)
JOBS ?= 2
HUB_STAMP := $(VENV)/.workshop-installed

# No news pop-up, widget pictures saved with the notebook (labsettings/overrides.json), and
# notebooks that open unmodified (course_lib/lab_contents.py). The browser test uses the same.
LAB_SETTINGS := --LabApp.app_settings_dir=$(CURDIR)/labsettings \
	--ServerApp.contents_manager_class=course_lib.lab_contents.CourseContentsManager

.PHONY: lab lab-zh test lint unit bench install clean hub wheelhouse translations

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "Python 3.10 or newer is needed; found " + sys.version.split()[0])'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $(STAMP)

install: $(STAMP)

# The workshop hub (workshop/): JupyterHub and nbgitpuller from PyPI, the proxy from npm.
$(HUB_STAMP): $(STAMP) workshop/requirements.txt workshop/package-lock.json
	$(PY) -m pip install --quiet -r workshop/requirements.txt
	@if command -v npm >/dev/null 2>&1; then cd workshop && npm ci --no-audit --no-fund --loglevel=error; \
	else echo "note: npm not found: the workshop hub's test will be skipped (install Node.js; CI does)"; fi
	@touch $(HUB_STAMP)

# A one-machine workshop hub on port 8000; WORKSHOP_CODE=... is required (docs/WORKSHOP.md).
hub: $(HUB_STAMP)
	cd workshop && ../$(VENV)/bin/jupyterhub -f jupyterhub_config.py

# Every pinned wheel and the course's own in wheelhouse/, for laptops without network
# (docs/WORKSHOP.md); TORCH_FROM=folder-or-index gives the CPU build of torch if pip lacks it.
wheelhouse: $(STAMP)
	$(PY) tools/wheelhouse.py --out wheelhouse $(if $(TORCH_FROM),--torch-from $(TORCH_FROM))

# (--allow-root only when run as root, as in a container or a workshop image)
lab: $(STAMP)
	$(VENV)/bin/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root) \
		--ServerApp.root_dir=. --LabApp.default_url=/lab/tree/notebooks/00_start_here.ipynb \
		$(LAB_SETTINGS)

# 简体中文: the zh-CN notebooks, JupyterLab's menus in Chinese (labsettings/zh-CN) and the
# course's feedback, widgets and figures in Chinese (COURSE_LANG, course_lib/i18n.py).
lab-zh: $(STAMP)
	COURSE_LANG=zh-CN $(VENV)/bin/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root) \
		--ServerApp.root_dir=. --LabApp.default_url=/lab/tree/notebooks/zh-CN/00_start_here.ipynb \
		$(subst $(CURDIR)/labsettings,$(CURDIR)/labsettings/zh-CN,$(LAB_SETTINGS))

# The zh-CN edition: catalogs brought up to date with the English, then notebooks/zh-CN and
# exercises/zh-CN generated from them (course_lib/translations.py).
translations: $(STAMP)
	$(PY) -m course_lib.translations update
	$(PY) -m course_lib.translations build

lint: $(STAMP)
	$(VENV)/bin/ruff check $(LINT_PATHS)
	$(VENV)/bin/ruff format --check $(LINT_PATHS)
	$(PY) tools/check_notebooks.py $(NOTEBOOK_DIRS) $(ZH_NOTEBOOK_DIRS)

# Unit, property and browser tests, doctests, and nbval over every notebook, in one run.
test: lint $(HUB_STAMP)
	$(PY) -m pytest -n $(JOBS) --dist loadscope --doctest-modules --nbval-lax --nbval-current-env \
		tests course_lib $(NOTEBOOK_DIRS)

unit: $(STAMP)
	$(PY) -m pytest -n $(JOBS) --dist loadscope --doctest-modules tests course_lib

bench: $(HUB_STAMP)
	@for script in bench/bench_*.py; do echo "== $$script"; $(PY) $$script || exit 1; echo; done

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis wheelhouse
