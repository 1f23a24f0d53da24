#!/usr/bin/env bash
# capture-session.sh - record a real session between the IFD handler and `mynasim serve` (through a
# private pcscd) for the seed corpora: capture.py sits between them; pyscard and the mynasim CLI
# drive it. Run from anywhere; writes the recordings to OUT (default fuzz/build/capture) and leaves
# turning them into seeds to mkseeds.py.
#
#   MYNASIM=.build/debug/mynasim PERSONA=vectors/personas/yamada-taro fuzz/tools/capture-session.sh [OUT]
#
# The persona is copied first (the simulator writes retry counters). Needs pcscd, python3-pyscard.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUT=${1:-$ROOT/fuzz/build/capture}
MYNASIM=${MYNASIM:-$ROOT/.build/debug/mynasim}
PERSONA=${PERSONA:-$ROOT/vectors/personas/yamada-taro}
PY=/usr/bin/python3
CLIENT="timeout 30 $PY $ROOT/ifd-handler/tests/pcsc_client.py"
W=$(mktemp -d /tmp/mynasim-capture.XXXXXX)
PIDS=()
PCSCD_PID=

cleanup() {
  if [ -n "$PCSCD_PID" ] && kill -0 "$PCSCD_PID" 2>/dev/null; then
    kill -INT "$PCSCD_PID"
    # pcscd 1.9.9 may notice SIGINT only at its next client: poke it now and then
    for i in $(seq 200); do
      kill -0 "$PCSCD_PID" 2>/dev/null || break
      [ $((i % 40)) -eq 0 ] && $PY -c 'import socket, sys; s = socket.socket(socket.AF_UNIX); s.settimeout(2)
s.connect(sys.argv[1])' "$PCSCLITE_CSOCK_NAME" 2>/dev/null
      sleep 0.05
    done
    if kill -0 "$PCSCD_PID" 2>/dev/null; then kill -KILL "$PCSCD_PID"; fi
  fi
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$W"
}
trap cleanup EXIT
wait_for() { local d=$((SECONDS + $1)); shift; until "$@" >/dev/null 2>&1; do [ $SECONDS -ge $d ] && return 1; sleep 0.02; done; }

rm -rf "$OUT"; mkdir -p "$OUT"
cp -r "$PERSONA" "$W/card"
make -s -C "$ROOT/ifd-handler" >/dev/null
cp "$ROOT/ifd-handler/libifd-mynasim.so" "$W/"

"$MYNASIM" serve --socket "$W/sim.sock" --slots 2 --card "0=$W/card" --ready-file "$W/sim.ready" >"$W/sim.log" 2>&1 &
PIDS+=($!)
wait_for 30 test -e "$W/sim.ready"
$PY "$HERE/capture.py" --listen "$W/proxy.sock" --to "$W/sim.sock" --out "$OUT" --ready "$W/proxy.ready" &
PIDS+=($!)
wait_for 10 test -e "$W/proxy.ready"

mkdir "$W/readers.d"
# slots:3 on a 2-slot simulator: slot 2's HELLO is refused (a real ERROR frame)
cat >"$W/readers.d/mynasim" <<CONF
FRIENDLYNAME "mynasim"
DEVICENAME mynasim:$W/proxy.sock@slots:3
LIBPATH $W/libifd-mynasim.so
CONF
export PCSCLITE_CSOCK_NAME=$W/pcscd.comm
# A background job of a script starts with SIGINT ignored, and pcscd must stop on SIGINT. exec: the
# background subshell becomes pcscd, so $! is pcscd's PID (else pcscd outlives the cleanup).
with_default_signals() {
  exec $PY -c 'import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execvp(sys.argv[1], sys.argv[1:])' "$@"
}
with_default_signals systemd-socket-activate -l "$PCSCLITE_CSOCK_NAME" pcscd --foreground --config "$W/readers.d" \
  >"$W/pcscd.log" 2>&1 &
PCSCD_PID=$!
wait_for 10 test -S "$PCSCLITE_CSOCK_NAME"

$CLIENT wait "mynasim 00 00" present 10000
# SELECT JPKI AP, SELECT the auth certificate, its 4-byte header, the whole file (extended Le),
# GET CHALLENGE, the auth PIN retry counter, an unknown INS
$CLIENT transmit "mynasim 00 00" 00A4040C0AD392F000260100000001 00A4020C02000A 00B0000004 \
  00B00000000000 0084000008 00A4020C020018 00200080 00FF000000
$CLIENT maxdata "mynasim 00 00"
"$MYNASIM" card remove --socket "$W/sim.sock" --slot 0
$CLIENT wait "mynasim 00 00" empty 5000
"$MYNASIM" card insert --socket "$W/sim.sock" --slot 0 "$W/card"
$CLIENT wait "mynasim 00 00" present 5000
$CLIENT transmit "mynasim 00 00" 0084000008
echo "capture: recorded in $OUT"
