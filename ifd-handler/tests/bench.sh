#!/usr/bin/env bash
# bench.sh - rough APDU round trip through a private pcscd: our handler + a simulator vs the
# in-process null handler (the pcscd floor), with the same client (pcsc_bench.c of the shared
# baseline) and GET CHALLENGE (00 84 00 00 08). Not part of run-tests.sh.
#
#   tests/bench.sh [N]                          against tests/fakesim.py (Python)
#   SIM_SOCKET=/path/sim.sock tests/bench.sh    against an already running simulator
#                                               (e.g. mynasim serve) with a card in slot 0
set -uo pipefail
T=$(cd "$(dirname "$0")" && pwd)
IFD=$(dirname "$T")
BASE=${BASELINE_DIR:-/work/shared/bench/pcsc-baseline}
N=${1:-5000}
PY=/usr/bin/python3
W=$(mktemp -d /tmp/mynasim-ifd-bench.XXXXXX)
PCSCD_PID=
SIM_PID=
cleanup() {
  if [ -n "$PCSCD_PID" ] && kill -0 "$PCSCD_PID" 2>/dev/null; then
    kill -INT "$PCSCD_PID"
    for _ in $(seq 200); do kill -0 "$PCSCD_PID" 2>/dev/null || break; sleep 0.05; done
  fi
  [ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$W"
}
trap cleanup EXIT
wait_for() { local d=$((SECONDS + $1)); shift; until "$@" >/dev/null 2>&1; do [ $SECONDS -ge $d ] && return 1; sleep 0.02; done; }

make -s -C "$IFD" >/dev/null || exit 1
cp "$IFD/libifd-mynasim.so" "$W/"
cc -O2 -Wall -o "$W/pcsc_bench" "$BASE/pcsc_bench.c" $(pkg-config --cflags --libs libpcsclite) -lpthread || exit 1
cc -O2 -Wall -shared -fPIC -o "$W/libifdnull.so" "$BASE/ifd-null.c" $(pkg-config --cflags libpcsclite) -lpthread || exit 1
touch "$W/null0.present"

SOCK=${SIM_SOCKET:-$W/sim.sock}
if [ -z "${SIM_SOCKET:-}" ]; then
  $PY "$T/fakesim.py" serve --socket "$SOCK" --slots 1 --control "$W/ctl" --ready "$W/ready" >"$W/sim.log" 2>&1 &
  SIM_PID=$!
  wait_for 10 test -e "$W/ready" || { echo "fakesim did not start"; exit 1; }
fi
mkdir -p "$W/readers.d"
cat > "$W/readers.d/bench" <<CONF
FRIENDLYNAME "Null Reader"
DEVICENAME null:$W/null0.present
LIBPATH $W/libifdnull.so

FRIENDLYNAME "mynasim Bench"
DEVICENAME mynasim:$SOCK@slots:1
LIBPATH $W/libifd-mynasim.so
CONF
export PCSCLITE_CSOCK_NAME=$W/pcscd.comm
systemd-socket-activate -l "$PCSCLITE_CSOCK_NAME" -E NULLIFD_EVENTS=1 \
  pcscd --foreground --config "$W/readers.d" >"$W/pcscd.log" 2>&1 &
PCSCD_PID=$!
wait_for 10 test -S "$PCSCLITE_CSOCK_NAME" || { echo "no pcscd socket"; exit 1; }
wait_for 20 sh -c 'timeout 10 pcsc_scan -r | grep -q "mynasim Bench"' || { echo "readers missing"; cat "$W/pcscd.log"; exit 1; }
wait_for 5 sh -c 'timeout 10 pcsc_scan -c | grep -A3 "mynasim Bench" | grep -q ATR'

echo "# $(date -u +%FT%TZ) nproc=$(nproc) N=$N simulator=${SIM_SOCKET:-fakesim.py}"
for r in "Null Reader" "mynasim Bench"; do
  "$W/pcsc_bench" transmit -r "$r" -n "$N" -w 200 | tail -1 | sed "s/^/C  $r: /"
  $PY "$T/pcsc_client.py" bench "$r" "$N" | sed "s/^/py $r: /"
done
