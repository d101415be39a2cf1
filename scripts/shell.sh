#!/usr/bin/env bash
# The assistant in the terminal: starts the action server in the background,
# then `rasa shell`; the action server stops when the shell exits.
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
.venv/bin/rasa run actions --actions actions --port 5055 >/dev/null 2>&1 &
actions=$!
trap 'kill -TERM $actions 2>/dev/null || true; wait $actions 2>/dev/null || true' EXIT INT TERM
.venv/bin/rasa shell --model models/faq-assistant.tar.gz --endpoints endpoints.yml "$@"
