# Tracker 建议提案办理系统 — two commands do all the set-up: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
HOST   ?= 127.0.0.1
STAMP  := $(VENV)/.installed

.PHONY: install run test test-e2e lint format babel babel-update bench clean system

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP) babel

# The English catalog (tracker/translations/en): compile the committed .po into the .mo the app reads.
babel: $(STAMP)
	$(BIN)/pybabel -q compile -d tracker/translations

# After changing UI strings: re-extract the Chinese msgids and merge them into the .po (then translate
# the new entries; tests/web/test_i18n.py fails while any entry is untranslated or fuzzy).
babel-update: $(STAMP)
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext -k N_ -k _lp:1c,2 -k lazy_pgettext:1c,2 --project=Tracker --version=0.1 \
	  --copyright-holder=Tracker --add-comments=TRANSLATORS: -o tracker/translations/messages.pot .
	$(BIN)/pybabel -q update -i tracker/translations/messages.pot -d tracker/translations --width=100 --ignore-obsolete

# Create/upgrade the SQLite database, seed demo data once, start the scheduler and the web app.
run: install
	$(BIN)/tracker db upgrade
	$(BIN)/tracker seed-demo
	@echo ""
	@echo "  Tracker 建议提案办理系统: http://$(HOST):$(PORT)/"
	@echo "  演示账号见上方列表（用户名 / 密码 / 角色）"
	@echo ""
	$(BIN)/python -m tracker.runner --host $(HOST) --port $(PORT)

# Debian's Chromium (browser journeys) and CJK fonts (screenshots, Word/Excel previews).
system:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-noto-cjk >/dev/null; \
	  else echo "Please install Debian's chromium (sudo apt-get install chromium fonts-noto-cjk)"; exit 1; fi; \
	fi

# The whole suite: SQLite always; PostgreSQL too when TRACKER_TEST_POSTGRES_URL is set (.ci/run sets it).
test: install system
	$(BIN)/python -m tracker.testrun

test-e2e: install
	$(BIN)/python -m pytest -m e2e -q

# The code keeps its own compact layout (line length 110), not ruff format's: lint checks the
# rules in pyproject.toml, format applies ruff's safe fixes (import order, modern syntax).
lint: $(STAMP)
	$(BIN)/ruff check tracker tests

format: $(STAMP)
	$(BIN)/ruff check --fix tracker tests

# The national-scale benchmark (README, "基准测试"): a fresh SQLite file, seeded and measured.
# PostgreSQL: TRACKER_DATABASE_URL=postgresql://.../empty_db tracker bench --output bench-pg.json
BENCH_DB ?= /tmp/tracker-bench.db
ITEMS    ?= 200000
bench: install
	rm -f $(BENCH_DB) $(BENCH_DB)-wal $(BENCH_DB)-shm
	TRACKER_DATABASE_URL=sqlite:///$(BENCH_DB) $(BIN)/tracker bench --items $(ITEMS) --output bench-sqlite.json

clean:
	rm -rf $(VENV) instance test-output
