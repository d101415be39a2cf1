# Every target bootstraps what it needs (Python 3.10 venv, pinned packages,
# a model trained when data/, config.yml or domain.yml changed).
SHELL := /bin/bash
export PYTHONPATH := $(CURDIR)
RASA := .venv/bin/rasa
PYTEST_ARGS ?=

.PHONY: run test shell train eval bench setup model lock clean

run: model            ## the assistant: Rasa server + action server
	scripts/run.sh

test: model           ## the whole test suite
	.venv/bin/python -m pytest $(PYTEST_ARGS)

shell: model          ## chat in the terminal (rasa shell)
	scripts/shell.sh

train: setup          ## train a new model now, even if nothing changed
	scripts/train.sh --force

eval: model           ## held-out NLU evaluation + tokenizer comparison
	.venv/bin/python scripts/evaluate.py

bench: model          ## latency/throughput benchmark vs the stock rasa init bot
	.venv/bin/python scripts/bench.py

setup:
	scripts/setup.sh

model: setup
	scripts/train.sh

lock: setup           ## re-pin requirements.lock from requirements.in
	.venv/bin/python -m pip install --quiet -r requirements.in
	.venv/bin/python -m pip freeze --all --exclude-editable | sort > requirements.lock

clean:
	rm -rf models/*.tar.gz models/spacy-en-lookup models/.training-inputs.sha256 results reports .rasa
