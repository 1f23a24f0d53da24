#!/usr/bin/env bash
# Crash-consistency torture at CI size (seconds): SIGKILL `mynasim serve` at random moments while a
# client hammers VERIFY, CHANGE REFERENCE DATA and restore, then a full disk and a read-only persona
# directory. Larger runs: MYNASIM_TORTURE_KILLS=5000 (docs/testing.md). MYNASIM_TORTURE_SEED=N
# repeats a run.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
M="$ROOT/.build/debug/mynasim"
PY=/usr/bin/python3
KILLS=${MYNASIM_TORTURE_KILLS:-150}
status=0

echo "== crash torture: $KILLS kills of mynasim serve"
"$PY" "$ROOT/IntegrationTests/torture/crash_torture.py" --mynasim "$M" --persona "$ROOT/vectors/personas/yamada-taro" \
  --kills "$KILLS" ${MYNASIM_TORTURE_SEED:+--seed "$MYNASIM_TORTURE_SEED"} || status=1

echo
echo "== storage faults: a full disk and a read-only persona directory"
timeout 300 "$PY" "$ROOT/IntegrationTests/torture/storage_faults.py" --mynasim "$M" \
  --persona "$ROOT/vectors/personas/yamada-taro" || status=1
exit $status
