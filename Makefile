# Gongbang: the two commands are `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test lint install install-test messages compile-messages test-sqlite test-postgres clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip setuptools wheel

# Reinstall only when the package metadata changes.
$(VENV)/.installed: setup.cfg pyproject.toml | $(BIN)/python
	$(PIP) install --quiet -e .
	touch $@

$(VENV)/.installed-test: setup.cfg pyproject.toml | $(BIN)/python
	$(PIP) install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

## make run: set up, migrate, load demo data if empty, serve on http://127.0.0.1:5000 with a worker
run: install
	$(BIN)/lms db upgrade
	$(BIN)/lms demo --if-empty
	$(BIN)/lms serve --host $(HOST) --port $(PORT)

## make lint: ruff (lint and format) and mypy on the pure cores and services; part of `make test`
lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

## make test: the gates, then the whole suite on SQLite and, when LMS_TEST_DATABASE_URL is set, the suite again on
## PostgreSQL (servers and browsers only once). CI must stay under 30 minutes on two cores, and each pass is
## mostly one core, so the PostgreSQL pass runs beside the SQLite pass, followed by SIDE_TESTS (slow SQLite
## tests that share nothing with the main pass: own ports, own folders); their output comes after the main pass.
SIDE_TESTS := tests/test_api_fuzz.py tests/test_crash.py tests/test_secret_logs.py
test: install-test lint
	@sidelog=$$(mktemp); side=; ignore=; \
	if [ -n "$$LMS_TEST_DATABASE_URL" ]; then \
		echo "== PostgreSQL pass ($$LMS_TEST_DATABASE_URL), then $(SIDE_TESTS), beside the SQLite pass =="; \
		( $(BIN)/python -m pytest --db=postgresql -m "not slow" -p no:cacheprovider; pg=$$?; \
		  echo "== $(SIDE_TESTS) on SQLite =="; \
		  $(BIN)/python -m pytest -p no:cacheprovider $(SIDE_TESTS) && exit $$pg ) >"$$sidelog" 2>&1 & side=$$!; \
		ignore="$(patsubst %,--ignore=%,$(SIDE_TESTS))"; \
	fi; \
	$(BIN)/python -m pytest --durations=10 $$ignore; sqlite=$$?; siderc=0; \
	if [ -n "$$side" ]; then \
		wait $$side; siderc=$$?; \
		echo "== again on PostgreSQL ($$LMS_TEST_DATABASE_URL), then $(SIDE_TESTS) =="; cat "$$sidelog"; \
	fi; \
	rm -f "$$sidelog"; \
	echo "== SQLite pass exit $$sqlite, PostgreSQL pass and side tests exit $$siderc =="; \
	[ $$sqlite -eq 0 ] && [ $$siderc -eq 0 ]

## make messages: extract strings and update every catalogue (then translate the new entries)
messages: install-test
	# --ignore-dirs: only dot-folders (.venv); the default also skips templates/_macros.
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --ignore-dirs ".*" -o lms/translations/messages.pot .
	$(BIN)/pybabel update -i lms/translations/messages.pot -d lms/translations --no-fuzzy-matching
	$(BIN)/pybabel extract -F media/babel.cfg -k _l -k lazy_gettext --ignore-dirs ".* static" \
		-o media/translations/messages.pot media templates/media
	$(BIN)/pybabel update -i media/translations/messages.pot -d media/translations --no-fuzzy-matching
	$(BIN)/pybabel extract -F projects/babel.cfg -k _l -k lazy_gettext --ignore-dirs ".* translations" \
		-o projects/translations/messages.pot projects templates/projects
	$(BIN)/pybabel update -i projects/translations/messages.pot -d projects/translations --no-fuzzy-matching
	$(BIN)/pybabel extract -F lti/babel.cfg -k _l -k lazy_gettext --ignore-dirs ".* translations static" \
		-o lti/translations/messages.pot lti templates/lti
	$(BIN)/pybabel update -i lti/translations/messages.pot -d lti/translations --no-fuzzy-matching
	$(MAKE) compile-messages

compile-messages:
	$(BIN)/pybabel compile -d lms/translations --statistics
	@for p in media projects lti; do [ ! -d $$p/translations ] || $(BIN)/pybabel compile -d $$p/translations; done

clean:
	rm -rf $(VENV) build dist *.egg-info
