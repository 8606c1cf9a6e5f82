# Set-up, run, test and evaluate the TP customer-service assistant. See README.md.
# Every target installs what it needs first: `make run` and `make test` work on a fresh machine.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON := .venv/bin/python
INSTALLED := .venv/.installed

# Local settings (copy .env.example to .env); then the defaults below for whatever is not set.
-include .env
export $(shell sed -n 's/^\([A-Za-z_][A-Za-z0-9_]*\)=.*/\1/p' .env 2>/dev/null)

# Every setting of the assistant has its default in one place, bot/core/settings.py (scripts/lib.sh exports them
# for the servers); only what the tools below need is set here.
export RASA_TELEMETRY_ENABLED ?= false
export TF_CPP_MIN_LOG_LEVEL ?= 2
export SQLALCHEMY_SILENCE_UBER_WARNING ?= 1

.PHONY: help install knowledge model db import run run-scaled services shell test eval clean telegram-webhook telegram-poll widget \
	eval-smp eval-conversations bench bench-store

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(INSTALLED): pyproject.toml uv.lock scripts/bootstrap.sh
	scripts/bootstrap.sh
	touch $@

install: $(INSTALLED) ## Find or install Python 3.9/3.10 and sync .venv from uv.lock

knowledge: install ## Regenerate training data from knowledge/ (validates every entry)
	$(PYTHON) -m bot.knowledge build

model: knowledge ## Train the model if its inputs changed
	$(PYTHON) -m bot.training

db: install ## Create/upgrade the database (DATABASE_URL), load the catalogue; demo records if it is empty
	$(PYTHON) -m bot.store init --demo

import: install ## Import company records: make import FILE=records.yml (JSON or YAML, see README)
	@test -n "$(FILE)" || { echo "usage: make import FILE=path/to/records.yml"; exit 2; }
	$(PYTHON) -m bot.store import $(FILE)

widget: ## Vendor the Socket.IO client for the website widget (npm registry, at build time)
	scripts/vendor-widget.sh

run: model db widget ## Start the action server and Rasa (channels, agent console) and print the URLs
	scripts/run.sh

telegram-webhook: install ## Register the Telegram webhook: make telegram-webhook URL=https://…/webhooks/telegram/webhook
	@test -n "$(URL)" || { echo "usage: make telegram-webhook URL=https://your.host/webhooks/telegram/webhook"; exit 2; }
	$(PYTHON) -m bot.channels.telegram set-webhook $(URL)

telegram-poll: install ## Local development without a public URL: forward getUpdates to the running bot
	$(PYTHON) -m bot.channels.telegram poll

services: ## Install the Debian packages of the scale-out: PostgreSQL, Redis, nginx (as root)
	scripts/ensure-debian.sh postgres '/usr/lib/postgresql/*/bin/initdb' "PostgreSQL (store tests, scale-out)" postgresql
	scripts/ensure-debian.sh redis /usr/bin/redis-server "Redis (scale-out)" redis-server
	scripts/ensure-debian.sh nginx /usr/sbin/nginx "nginx (scale-out)" nginx

run-scaled: model widget services ## Two Rasa replicas + action server + PostgreSQL + Redis behind nginx (port 8080)
	scripts/run-scaled.sh

shell: model db ## Chat in the terminal (rasa shell) with the action server running
	scripts/run.sh --shell

test: model widget ## Run the whole test suite (trains the model first if its inputs changed)
	@$(MAKE) --no-print-directory services
	scripts/ensure-debian.sh chromium /usr/bin/chromium "the browser tests" chromium chromium-driver fonts-wqy-zenhei
	$(PYTHON) -m pytest $(PYTEST_ARGS)

eval: knowledge ## Evaluate NLU on the held-out set: intent, response selection, entity F1
	$(PYTHON) -m bot.evaluation

eval-conversations: model ## Whole conversations as customers chat (tests/data/conversations): turn accuracy per category
	$(PYTHON) -m tools.evaluation_conversations $(CONV_ARGS)

eval-smp: install ## NLU pipeline on the SMP2019 ECDT benchmark (../shared/eval/smp2019): intent, slot F1, sentence
	$(PYTHON) -m tools.evaluation_smp2019 $(SMP_ARGS)

bench: model ## Speed under load (1/10/50 concurrent) next to the stock `rasa init` bot: BENCH_ARGS="--skip-training"
	$(PYTHON) -m tools.benchmark $(BENCH_ARGS)

bench-store: install ## One turn's read + save: Rasa's SQL tracker store vs ours (bot/store/conversations.py)
	$(PYTHON) -W ignore -m tools.benchmark.tracker_store

clean: ## Remove trained models and reports (keeps .venv and var/)
	rm -rf models reports .pytest_cache
