# Developer entry points. Each target runs a script of scripts/; settings come from the
# environment (defaults in scripts/env.sh): ODOO_SRC, VENV, PG*, RUN_DB, TEST_DB, KEEP_DB, ...
SHELL := /bin/bash
ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help bootstrap run test test-stream test-pact lint fix bench screenshots pot

help: ## list the targets
	@echo "Scope 3 Carbon add-ons for Odoo 18.0 - make targets:"
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z-]+):.*## (.*)/  make \1\t\2/' | expand -t 20

bootstrap: ## create the virtualenv (Odoo 18.0 requirements + ours); idempotent
	@bash scripts/bootstrap.sh

run: ## serve Odoo with our add-ons and demo data on 127.0.0.1 (RUN_DB, ODOO_HTTP_PORT, UPDATE=1)
	@bash scripts/run.sh $(ARGS)

test: ## pytest tests/ + Odoo tests of every add-on on a fresh database (TEST_DB, KEEP_DB=1)
	@bash scripts/test.sh

test-stream: ## the outbox streamed by logical replication (pgoutput slot) on a temporary cluster
	@bash scripts/test_outbox_stream.sh

test-pact: ## the official PACT V3.0 conformance tool against Odoo behind nginx/TLS (PACT_DB, PACT_*_PORT)
	@bash scripts/test_pact.sh

pot: ## export each add-on's translation template (<addon>/i18n/<addon>.pot) from a fresh database
	@bash scripts/pot.sh

lint: ## ruff check + ruff format --check + pylint-odoo mandatory checks
	@bash scripts/lint.sh

fix: ## let ruff fix and reformat the code, then lint
	@bash scripts/lint.sh --fix

bench: ## run benchmarks/bench_attribution.py (ARGS="...")
	@bash scripts/bench.sh $(ARGS)

screenshots: ## docs/screenshots/*.png of the overview, an order and the inventory PDF (SCREENSHOTS_DB, SCREENSHOTS_PORT)
	@bash scripts/screenshots.sh
