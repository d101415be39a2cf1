#!/usr/bin/env bash
# Runs the action server and the Rasa server (REST and socket.io channels) in
# the foreground. Ctrl-C or SIGTERM stops every child process.
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
RASA_PORT=${RASA_PORT:-5005}

pids=()
stop() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap 'stop; exit 130' INT
trap 'stop; exit 143' TERM
trap stop EXIT

.venv/bin/rasa run actions --actions actions --port 5055 &
pids+=($!)
.venv/bin/rasa run --model models/faq-assistant.tar.gz --endpoints endpoints.yml \
  --credentials credentials.yml --port "$RASA_PORT" "$@" &
pids+=($!)

echo "==> Rasa server: http://localhost:$RASA_PORT/webhooks/rest/webhook (action server on :5055, as endpoints.yml says). Ctrl-C stops both."
wait -n
