#!/usr/bin/env bash
# Sync and execute notebooks in place (all, or the ones named), without timing metadata.
#   bash scripts/execute.sh [notebooks/NN_topic.py ...]
source "$(dirname "$0")/setup-env.sh"
files=("$@")
[ ${#files[@]} -gt 0 ] || files=(notebooks/[0-9][0-9]_*.py)
for py in "${files[@]}"; do
  nb="${py%.py}.ipynb"
  jupytext --sync "$py"
  start=$(date +%s)
  jupyter nbconvert --to notebook --execute --inplace --ExecutePreprocessor.record_timing=False \
    --ExecutePreprocessor.timeout=900 "$nb"
  echo "$nb executed in $(( $(date +%s) - start )) s"
done
