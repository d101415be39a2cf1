#!/usr/bin/env bash
# Runs the action server and the Rasa server (REST and socket.io channels, and
# Slack/Telegram when their variables are set), and the website with the chat
# widget (web/serve.py, :8080), in the foreground. Ctrl-C or SIGTERM stops every child process.
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
RASA_PORT=${RASA_PORT:-5005}
WEB_PORT=${WEB_PORT:-8080}                          # the website with the chat widget (web/serve.py)
RASA_PUBLIC_URL=${RASA_PUBLIC_URL:-http://localhost:$RASA_PORT}  # Rasa as the widget's browser reaches it
# Settings, described in README.md, "Operations".
ACTIONS_PORT=${ACTIONS_PORT:-5055}                  # must match action_endpoint in the endpoints file
RASA_ENDPOINTS=${RASA_ENDPOINTS:-endpoints.yml}     # deploy/endpoints.yml: PostgreSQL + Redis
SITE_ORIGIN=${SITE_ORIGIN:-http://localhost:$WEB_PORT}  # the only origin browsers may call from (REST and socket.io)
RETENTION_INTERVAL_HOURS=${RETENTION_INTERVAL_HOURS:-24}  # purge conversations older than RETENTION_DAYS this often
# Rasa's HTTP API (trackers, models) stays off unless a token protects it.
read -ra site_origins <<< "${SITE_ORIGIN//,/ }"
api_args=()
if [ -n "${RASA_API_TOKEN:-}" ]; then
  api_args=(--enable-api --auth-token "$RASA_API_TOKEN")
fi

pids=()
stop() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}" ${purger:-}; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap 'stop; exit 130' INT
trap 'stop; exit 143' TERM
trap stop EXIT

# credentials.yml plus Slack/Telegram when their variables are set (README.md, "Channels")
credentials=.rasa/effective-credentials.yml
.venv/bin/python -m channels.credentials "$credentials"

.venv/bin/rasa run actions --actions actions --port "$ACTIONS_PORT" &
pids+=($!)
.venv/bin/rasa run --model models/faq-assistant.tar.gz --endpoints "$RASA_ENDPOINTS" \
  --credentials "$credentials" --port "$RASA_PORT" --cors "${site_origins[@]}" ${api_args[@]+"${api_args[@]}"} "$@" &
pids+=($!)
.venv/bin/python web/serve.py --port "$WEB_PORT" --rasa-url "$RASA_PUBLIC_URL" &
pids+=($!)
.venv/bin/python -m assistant.retention --endpoints "$RASA_ENDPOINTS" --every-hours "$RETENTION_INTERVAL_HOURS" &
purger=$!

echo "==> Rasa server: http://localhost:$RASA_PORT/webhooks/rest/webhook (action server on :$ACTIONS_PORT, as $RASA_ENDPOINTS says). Ctrl-C stops both."
wait -n "${pids[@]}"
