# The stable interface for operators and CI. Every target installs what it needs on a fresh machine.
#   make up      infrastructure + four services + web console + Medan demo data, in the background
#   make down    stop everything this repo started
#   make status  what is running, and whether it is ready
#   make test    the whole test suite over real Kafka and FerretDB (make test-fast: -m "not slow")
#   make bench   benchmarks under bench/, printing figures
#   make infra   Kafka and FerretDB only
#   make test-reliability   fault tests on a private broker and database (ports 19092, 37017)
#   make dead-letters TOPIC=...   list a topic's dead letters (replay-dead-letter TOPIC= PARTITION= OFFSET=)
#   make outbox-dead-letters SERVICE=needs   events its relay could not publish (replay-outbox-dead-letter SERVICE= EVENT_ID=)
#   make replay SERVICE=needs CONSUMER=jp-ledger   replay a topic into a stopped service, compare state
#   make audit   pip-audit over the pinned, hashed requirements.lock (make lock regenerates it)
#   make helm-check   lint, render and validate the Helm chart offline (helm and the validator built with Go)
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON_BIN ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

export KAFKA_HOST ?= 127.0.0.1
export KAFKA_PORT ?= 9092
export MONGODB_HOST ?= 127.0.0.1
export MONGODB_PORT ?= 27017
export NEEDS_PORT ?= 8001
export TRAINING_PORT ?= 8002
export EVALUATION_PORT ?= 8003
export NOTIFICATIONS_PORT ?= 8004
export KAFKA_BOOTSTRAP_SERVERS ?= $(KAFKA_HOST):$(KAFKA_PORT)
export MONGODB_URI ?= mongodb://$(MONGODB_HOST):$(MONGODB_PORT)
# FerretDB's PostgreSQL, where the services create its lookup indexes (ignored on MongoDB).
export FERRETDB_PG_PORT ?= 54329
export FERRETDB_POSTGRESQL_URL ?= postgres://ferretdb@127.0.0.1:$(FERRETDB_PG_PORT)/ferretdb

PYTEST_ARGS ?=

.PHONY: help venv lock audit infra up down status test test-fast bench lint schemas token compose-check \
	test-reliability dead-letters replay-dead-letter outbox-dead-letters replay-outbox-dead-letter replay helm-check

help:
	@sed -n '2,12p' Makefile | sed 's/^# *//'

venv: $(VENV)/.installed

# Exactly the versions (and archive hashes) in requirements.lock; the project itself without its deps.
$(VENV)/.installed: pyproject.toml requirements.lock
	@test -x $(PY) || $(PYTHON_BIN) -m venv $(VENV)
	@echo "[venv] installing Python dependencies into $(VENV) (log: $(VENV)/install.log)" >&2
	@$(PY) -m pip install -q --upgrade pip > $(VENV)/install.log 2>&1 || (cat $(VENV)/install.log; exit 1)
	@$(PY) -m pip install -q --require-hashes -r requirements.lock >> $(VENV)/install.log 2>&1 || (cat $(VENV)/install.log; exit 1)
	@$(PY) -m pip install -q --no-deps -e . >> $(VENV)/install.log 2>&1 || (cat $(VENV)/install.log; exit 1)
	@touch $@

# After changing dependencies in pyproject.toml: pin them again (then commit requirements.lock).
lock: venv
	@test -x $(VENV)/bin/pip-compile || $(PY) -m pip install -q pip-tools
	@$(VENV)/bin/pip-compile -q --generate-hashes --allow-unsafe --strip-extras --no-emit-find-links \
		--extra dev -o requirements.lock pyproject.toml
	@$(VENV)/bin/pip-compile -q --generate-hashes --allow-unsafe --strip-extras --no-emit-find-links \
		-o tests/support/ralph-requirements.txt tests/support/ralph-requirements.in

# Known vulnerabilities in the pinned dependencies fail the target. A package the vulnerability service
# has no data for (an offline mirror answers for none) is reported as not audited, not failed: a
# machine without the service cannot prove the absence of vulnerabilities, and says so.
audit: venv
	@$(VENV)/bin/pip-audit --disable-pip --require-hashes -r requirements.lock --progress-spinner off \
		> $(VENV)/audit.log 2>&1; status=$$?; \
	skipped=$$(grep -c 'could not be audited' $(VENV)/audit.log); \
	grep -v 'could not be audited' $(VENV)/audit.log | grep -v '^Name  *Skip Reason\|^---' || true; \
	if [ "$$skipped" -gt 0 ]; then echo "[audit] $$skipped packages could not be audited (no vulnerability data from the index; see $(VENV)/audit.log)" >&2; fi; \
	exit $$status

infra:
	@infra/local.sh up

up: venv infra
	@scripts/services.sh up
	@$(PY) scripts/demo_data.py
	@echo "Console: http://$${HTTP_HOST:-127.0.0.1}:$${CONSOLE_PORT:-8000} (development: choose a demo person to sign in)"

down:
	@scripts/services.sh down
	@infra/local.sh down

status:
	@infra/local.sh status
	@scripts/services.sh status

test: venv infra
	@$(PY) -m pytest $(PYTEST_ARGS)

test-fast: venv infra
	@$(PY) -m pytest -m "not slow" $(PYTEST_ARGS)

bench: venv infra
	@$(PY) -m bench

lint: venv
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/ruff format --check .
	@$(VENV)/bin/mypy shared services scripts

# Regenerate the JSON Schemas and the AsyncAPI document from the code (tests fail when they drift).
schemas: venv
	@$(PY) -m shared.events.publish_docs

token: venv
	@$(PY) -m shared.tokens --nip $(or $(NIP),197805122003121002) --roles $(or $(ROLES),bkpsdm_admin) --unit $(or $(UNIT),BKPSDM)$(if $(INSTITUTION), --institution $(INSTITUTION))

# The Kubernetes chart: helm lint, helm template with each values file under deploy/helm/*/ci, and a strict
# decode of every rendered object into the Kubernetes API types (deploy/validate). Offline once built.
helm-check:
	@deploy/check.sh

compose-check:
	@command -v docker-compose >/dev/null || (apt-get update -qq && apt-get install -y -qq docker-compose >/dev/null)
	@docker-compose -f docker-compose.yml config -q && echo "docker-compose.yml is valid"
	@docker-compose -f docker-compose.yml --profile secure config -q && echo "docker-compose.yml (profile secure) is valid"

test-reliability: venv
	@$(PY) -m pytest tests/reliability $(PYTEST_ARGS)

dead-letters: venv
	@test -n "$(TOPIC)" || (echo "usage: make dead-letters TOPIC=needs.need-identified" && exit 1)
	@$(PY) scripts/dead_letters.py list $(TOPIC)

replay-dead-letter: venv
	@test -n "$(TOPIC)" -a -n "$(OFFSET)" || (echo "usage: make replay-dead-letter TOPIC=... PARTITION=0 OFFSET=..." && exit 1)
	@$(PY) scripts/dead_letters.py replay $(TOPIC) --partition $(or $(PARTITION),0) --offset $(OFFSET)

outbox-dead-letters: venv
	@test -n "$(SERVICE)" || (echo "usage: make outbox-dead-letters SERVICE=needs" && exit 1)
	@$(PY) scripts/dead_letters.py outbox $(SERVICE)

replay-outbox-dead-letter: venv
	@test -n "$(SERVICE)" -a -n "$(EVENT_ID)" || (echo "usage: make replay-outbox-dead-letter SERVICE=needs EVENT_ID=..." && exit 1)
	@$(PY) scripts/dead_letters.py replay-outbox $(SERVICE) $(EVENT_ID)

replay: venv
	@test -n "$(SERVICE)" -a -n "$(CONSUMER)" || (echo "usage: make replay SERVICE=needs CONSUMER=jp-ledger [DROP=jp_ledgers]" && exit 1)
	@$(PY) scripts/replay.py $(SERVICE) $(CONSUMER) $(foreach c,$(DROP),--drop $(c))
