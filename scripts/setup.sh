#!/usr/bin/env bash
# Creates .venv with Python 3.10 and the pinned dependency set (requirements.lock).
# Re-running is cheap: it reinstalls only when the lock file changed.
set -euo pipefail
cd "$(dirname "$0")/.."

is_python310() { "$1" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' >/dev/null 2>&1; }

find_python310() {
  if command -v python3.10 >/dev/null 2>&1 && is_python310 python3.10; then
    command -v python3.10; return
  fi
  local root candidate
  root="$(pyenv root 2>/dev/null || echo "${PYENV_ROOT:-$HOME/.pyenv}")"
  for candidate in $(ls -d "$root"/versions/3.10*/bin/python3.10 2>/dev/null | sort -rV); do
    if is_python310 "$candidate"; then echo "$candidate"; return; fi
  done
  return 1
}

if [ ! -x .venv/bin/python ] || ! is_python310 .venv/bin/python; then
  if ! PYTHON=$(find_python310); then
    cat >&2 <<'MSG'
error: Python 3.10 was not found (Rasa 3.6 runs on Python 3.8-3.10 only).
Install it, then run this again, e.g.:
  pyenv install 3.10            # with pyenv
  apt-get install python3.10 python3.10-venv   # on Debian/Ubuntu, where packaged
MSG
    exit 1
  fi
  echo "==> creating .venv with $PYTHON"
  rm -rf .venv
  "$PYTHON" -m venv .venv
fi

stamp=.venv/.requirements.sha256
want=$(sha256sum requirements.lock | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "==> installing the pinned dependencies (requirements.lock); the first time takes a few minutes"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -r requirements.lock
  .venv/bin/python -m pip check
  echo "$want" > "$stamp"
fi

if [ -f web/package-lock.json ]; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "error: npm is needed for the web chat widget (apt-get install nodejs npm)" >&2; exit 1
  fi
  web_stamp=web/node_modules/.package-lock.sha256
  want=$(sha256sum web/package-lock.json | cut -d' ' -f1)
  if [ "$(cat "$web_stamp" 2>/dev/null)" != "$want" ]; then
    echo "==> installing the web widget (npm ci)"
    (cd web && npm ci --no-audit --no-fund --loglevel=error)
    echo "$want" > "$web_stamp"
  fi
fi
