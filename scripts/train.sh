#!/usr/bin/env bash
# Trains a model when the training inputs changed since the last one, else
# reuses it. `--force` always trains. The model is models/faq-assistant.tar.gz.
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"

model=models/faq-assistant.tar.gz
stamp=models/.training-inputs.sha256
inputs=$( { find data -type f -name '*.yml' | sort; echo config.yml domain.yml assistant/safety.py requirements.lock; } )
want=$(cat $inputs | sha256sum | cut -d' ' -f1)

if [ "${1:-}" != "--force" ] && [ -f "$model" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
  echo "==> training data unchanged: using $model"
  exit 0
fi
echo "==> training the model (data/, config.yml or domain.yml changed); this takes a few minutes"
start=$(date +%s)
.venv/bin/rasa train --data data --config config.yml --domain domain.yml --out models --fixed-model-name faq-assistant
echo "$want" > "$stamp"
echo "==> trained $model in $(( $(date +%s) - start )) s ($(du -h "$model" | cut -f1))"
