#!/usr/bin/env bash
# Contention and load through a private pcscd with our IFD handler and `mynasim serve` (16 slots):
# exclusive mode, transactions between two clients, a client killed inside a transaction, 64
# client processes on 16 slots (MYNASIM_LOAD_SECONDS, default 10; 60 for the full minute), pcscd
# restarted under the running simulator, and a removal during a slow signature answered at once.
# Prints each scenario's figures and "N passed, M failed".
set -uo pipefail
source "$(dirname "$0")/../e2e/lib.sh"
W=$(mktemp -d /tmp/mynasim-contention.XXXXXX)
trap 'stop_world; rm -rf "$W"' EXIT
C="$ROOT/IntegrationTests/contention/contention.py"
LOAD_SECONDS=${MYNASIM_LOAD_SECONDS:-10}
RESTARTS=${MYNASIM_PCSCD_RESTARTS:-3}
SELECT_AP=00A4040C0AD392F000260100000001
SELECT_PIN=00A4020C020018

# scenario NAME TIMEOUT ARGS…: runs contention.py, prints its figures, passes when it exits 0.
scenario() {
  local name=$1 limit=$2; shift 2
  local out
  out=$(timeout "$limit" "$PY" "$C" "$@" 2>&1)
  local status=$?
  grep '^figures: ' <<<"$out" | sed 's/^/        /'
  if [ $status -eq 0 ]; then pass "$name"; else fail "$name" "$out"; fi
}

echo "== private pcscd + mynasim serve: 16 slots, a card in each"
cards=()
for slot in $(seq 0 15); do
  cp -r "$ROOT/vectors/personas/yamada-taro" "$W/card$slot"; rm -f "$W/card$slot/state.json" "$W/card$slot/.card.lock"
  cards+=(--card "$slot=$W/card$slot")
done
start_world "$W" 16 --trace "$W/trace.jsonl" "${cards[@]}" || exit 1
check "pcscd shows 16 readers, each with its card" wait_for 30 sh -c \
  "timeout 10 '$PY' '$C' apdus 15 $SELECT_AP | grep -qx 9000 && timeout 10 '$PY' '$C' apdus 0 $SELECT_AP | grep -qx 9000"

echo "== exclusive mode"
scenario "an exclusive connection keeps a second client out (sharing violation) and lets it in after" 60 exclusive 0

echo "== transactions"
scenario "two clients with SCardBeginTransaction never interleave (and do without it)" 300 transactions 1 --rounds 100

echo "== a client killed inside a transaction"
scenario "the other client waits while the transaction is held and gets the card once the holder is SIGKILLed" 60 killed-in-transaction 2

echo "== load: 64 client processes on 16 slots for $LOAD_SECONDS s"
scenario "every transaction of every process succeeds" $((LOAD_SECONDS + 300)) load --seconds "$LOAD_SECONDS" --processes 64

echo "== pcscd restarted $RESTARTS times under a running simulator (stopped in order, or killed on odd rounds)"
out=$(timeout 30 "$PY" "$C" apdus 3 $SELECT_AP $SELECT_PIN 002000800439393939 2>&1)
contains "a wrong PIN on slot 3 before the restarts: 63C2" "$out" "9000 9000 63C2"
before=$("$M" status --json | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["connections"])')
for round in $(seq "$RESTARTS"); do
  if [ $((round % 2)) -eq 1 ]; then kill -KILL "$PCSCD_PID"; wait "$PCSCD_PID" 2>/dev/null; else halt_pcscd; fi
  launch_pcscd || break
  if ! wait_for 30 sh -c "timeout 10 '$PY' '$C' apdus 3 $SELECT_AP | grep -qx 9000"; then
    fail "restart $round: the card answers through the new pcscd" "$(tail -20 "$W/pcscd.log")"
    break
  fi
done
check "the simulator kept running through every restart" kill -0 "$SIM_PID"
out=$(timeout 30 "$PY" "$C" apdus 3 $SELECT_AP $SELECT_PIN 00200080 2>&1)
contains "after the restarts the card kept its counter (63C2)" "$out" "9000 9000 63C2"
check "every slot answers through the last pcscd" wait_for 30 sh -c \
  "for r in \$(seq 0 15); do timeout 10 '$PY' '$C' apdus \$r $SELECT_AP | grep -qx 9000 || exit 1; done"
after=$("$M" status --json | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["connections"])')
check "the simulator holds as many handler connections as before the restarts ($before), none leaked" test "$before" = "$after"

echo "== a removal while a slow command is in flight"
"$M" card configure --slot 4 --delay sign=2500000 >/dev/null
scenario "the client's transmit fails at once when the card is removed during a 2.5 s signature (the handler times out at 3 s)" 120 \
  removal 4 --slot 4 --card "$W/card4" --mynasim "$M" --times 3 --delay-us 2500000 --limit-ms 1000
interrupted=$(grep '"event":"interrupted"' "$W/trace.jsonl" | grep -c '"slot":4')
check "the simulator's trace records each interrupted signature (3)" test "$interrupted" -eq 3

summary
