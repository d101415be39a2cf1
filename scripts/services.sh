#!/usr/bin/env bash
# PostgreSQL (tracker store) and Redis (lock store) for running several Rasa
# servers on one machine, as deploy/endpoints.yml expects, and for the
# scale-out test.
#
#   scripts/services.sh start [DIR]   install if missing, start, print the settings
#   scripts/services.sh stop [DIR]    stop both
#
# Installs the Debian packages `postgresql` and `redis-server` when missing
# (needs root). Both listen on 127.0.0.1 only, on free ports chosen on first
# start (never the default 5432/6379, so a system instance is left alone),
# with password authentication, and keep their data in DIR (default
# var/services, git-ignored). Starting again reuses DIR and its ports; it is a
# no-op while both run. `start` prints `export NAME=value` lines for
# deploy/endpoints.yml (DB_HOST, DB_PORT, DB_NAME, DB_USER, DB_PASSWORD,
# REDIS_HOST, REDIS_PORT, REDIS_PASSWORD), also kept in DIR/env:
#   eval "$(scripts/services.sh start)"
set -euo pipefail
cd "$(dirname "$0")/.."

command=${1:-start}
dir=$(realpath -m "${2:-var/services}")
env_file="$dir/env"

log() { echo "services: $*" >&2; }

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }

install_packages() {
  local missing=()
  [ -n "$(pg_bin)" ] && [ -x "$(pg_bin)/initdb" ] || missing+=(postgresql)
  command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1 || missing+=(redis-server)
  [ ${#missing[@]} -eq 0 ] && return
  if [ "$(id -u)" != 0 ]; then
    log "needs ${missing[*]}: run as root or apt-get install -y ${missing[*]}"; exit 1
  fi
  log "installing ${missing[*]} (Debian packages)"
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
}

free_port() {
  local python
  python=$(command -v python3 || echo .venv/bin/python)
  "$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_running() { [ -d "$dir/postgres" ] && as_postgres "$(pg_bin)/pg_ctl" -D "$dir/postgres" status >/dev/null 2>&1; }

redis_running() {
  [ -n "${REDIS_PORT:-}" ] && REDISCLI_AUTH="$REDIS_PASSWORD" redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG
}

load_env() {
  # shellcheck disable=SC1090
  [ -f "$env_file" ] && source "$env_file"
  return 0
}

write_env() {
  umask 077
  cat > "$env_file" <<EOF
export DB_HOST=127.0.0.1
export DB_PORT=$DB_PORT
export DB_NAME=rasa
export DB_USER=rasa
export DB_PASSWORD=$DB_PASSWORD
export REDIS_HOST=127.0.0.1
export REDIS_PORT=$REDIS_PORT
export REDIS_PASSWORD=$REDIS_PASSWORD
EOF
}

secret() { head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n'; }

start_postgres() {
  local bin data="$dir/postgres" sockets="$dir/postgres-run"
  bin=$(pg_bin)
  if pg_running; then return; fi
  mkdir -p "$sockets"
  if [ ! -f "$data/PG_VERSION" ]; then
    log "initialising PostgreSQL in $data"
    mkdir -p "$data"
    local pwfile="$dir/.pg-superuser"
    (umask 077; secret > "$pwfile")
    [ "$(id -u)" = 0 ] && chown postgres: "$data" "$sockets" "$pwfile"
    as_postgres "$bin/initdb" -D "$data" -U postgres --pwfile="$pwfile" \
      --auth-local=trust --auth-host=scram-sha-256 -E UTF8 >"$dir/initdb.log" 2>&1
  fi
  [ "$(id -u)" = 0 ] && chown postgres: "$sockets"
  # a port taken since the last start gets a new one
  if port_taken "$DB_PORT"; then DB_PORT=$(free_port); write_env; fi
  as_postgres "$bin/pg_ctl" -D "$data" -l "$sockets/postgres.log" -w -t 120 start \
    -o "-c listen_addresses=127.0.0.1 -c port=$DB_PORT -c unix_socket_directories=$sockets" >&2
  local psql=("$bin/psql" -h "$sockets" -p "$DB_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -qtA)
  if [ "$(as_postgres "${psql[@]}" -c "SELECT 1 FROM pg_roles WHERE rolname = 'rasa'")" != 1 ]; then
    as_postgres "${psql[@]}" -c "CREATE ROLE rasa LOGIN PASSWORD '$DB_PASSWORD'" >&2
  else
    as_postgres "${psql[@]}" -c "ALTER ROLE rasa PASSWORD '$DB_PASSWORD'" >&2
  fi
  if [ "$(as_postgres "${psql[@]}" -c "SELECT 1 FROM pg_database WHERE datname = 'rasa'")" != 1 ]; then
    as_postgres "${psql[@]}" -c "CREATE DATABASE rasa OWNER rasa" >&2
  fi
  log "PostgreSQL on 127.0.0.1:$DB_PORT"
}

start_redis() {
  if redis_running; then return; fi
  if port_taken "$REDIS_PORT"; then REDIS_PORT=$(free_port); write_env; fi
  mkdir -p "$dir/redis"
  # the password goes in a config file, not on the command line
  (umask 077; printf 'requirepass %s\n' "$REDIS_PASSWORD" > "$dir/redis.conf")
  redis-server "$dir/redis.conf" --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$dir/redis" \
    --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" \
    --save "" --appendonly no >&2
  local tries=0
  until redis_running; do
    tries=$((tries + 1))
    if [ "$tries" -gt 120 ]; then log "Redis did not start; see $dir/redis.log"; exit 1; fi
    sleep 0.5
  done
  log "Redis on 127.0.0.1:$REDIS_PORT"
}

case "$command" in
  start)
    install_packages
    mkdir -p "$dir"
    chmod 755 "$dir"
    load_env
    if [ -z "${DB_PORT:-}" ] || [ -z "${REDIS_PORT:-}" ]; then
      DB_PORT=$(free_port); REDIS_PORT=$(free_port)
      while [ "$REDIS_PORT" = "$DB_PORT" ]; do REDIS_PORT=$(free_port); done
      DB_PASSWORD=$(secret); REDIS_PASSWORD=$(secret)
      write_env
    fi
    start_postgres
    start_redis
    cat "$env_file"
    ;;
  stop)
    load_env
    if [ -n "$(pg_bin)" ] && pg_running; then
      as_postgres "$(pg_bin)/pg_ctl" -D "$dir/postgres" -m fast -w stop >&2
    fi
    if redis_running; then
      REDISCLI_AUTH="$REDIS_PASSWORD" redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown nosave >&2 || true
    fi
    log "stopped"
    ;;
  *)
    echo "usage: $0 start|stop [DIR]" >&2; exit 2 ;;
esac
