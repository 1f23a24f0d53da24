#!/usr/bin/env bash
# PC/SC benchmarks, every figure against a baseline measured in the same run:
#  1. SCardTransmit round trip (GET CHALLENGE 8): pcscd + the null handler (the floor, from
#     ../shared/bench/pcsc-baseline) vs pcscd + our handler + `mynasim serve` (release build);
#  2. insert/remove detection: `card insert`/`card remove` to SCardGetStatusChange;
#  3. 16 readers driven at once (16 slots, one client process each).
# Needs root (pcscd writes /run/pcscd) and the packages of `make deps`. Takes about 2 minutes.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BASELINE=${PCSC_BASELINE:-$ROOT/../shared/bench/pcsc-baseline}
N=${N:-20000}
source "$ROOT/IntegrationTests/e2e/lib.sh"
M="$ROOT/.build/release/mynasim"
[ -x "$M" ] || { echo "build first: swift build -c release"; exit 1; }
make -s -C "$ROOT/ifd-handler"
B=$(mktemp -d /tmp/mynasim-bench.XXXXXX)
trap 'stop_world 2>/dev/null; [ -n "${NULLPID:-}" ] && kill -INT $NULLPID 2>/dev/null; rm -rf "$B"' EXIT
cc -O2 -Wall -o "$B/pcsc_bench" "$BASELINE/pcsc_bench.c" $(pkg-config --cflags --libs libpcsclite) -lpthread
cc -O2 -Wall -shared -fPIC -o "$B/libifdnull.so" "$BASELINE/ifd-null.c" $(pkg-config --cflags libpcsclite) -lpthread

null_world() { # slots
  mkdir -p "$B/null/readers.d"; touch "$B/null/null0.present"
  for s in $(seq 1 $(($1 - 1))); do touch "$B/null/null0.present.$s"; done   # slot N: "<path>.N"
  printf 'FRIENDLYNAME "Null Reader"\nDEVICENAME null:%s/null/null0.present\nLIBPATH %s/libifdnull.so\n' "$B" "$B" > "$B/null/readers.d/null"
  NULL_SOCK="$B/null/pcscd.comm"
  # systemd-socket-activate passes only the variables named with -E to pcscd (and so to the driver).
  with_default_signals systemd-socket-activate -E NULLIFD_SLOTS=$1 -E NULLIFD_EVENTS=1 -l "$NULL_SOCK" pcscd --foreground --config "$B/null/readers.d" >"$B/null.log" 2>&1 &
  NULLPID=$!
  wait_for 10 test -S "$NULL_SOCK"
}
stop_null() {
  kill -INT $NULLPID
  "$PY" -c 'import socket, sys; socket.socket(socket.AF_UNIX).connect(sys.argv[1])' "$NULL_SOCK" 2>/dev/null || true
  wait $NULLPID 2>/dev/null || true; NULLPID=; rm -rf "$B/null"
}
median() { sed -n 's/.*median \([0-9.]*\).*/\1/p'; }

echo "== 1. round trip: GET CHALLENGE, $N calls, alternating null / mynasim twice"
for round in 1 2; do
  null_world 1
  PCSCLITE_CSOCK_NAME=$NULL_SOCK "$B/pcsc_bench" transmit -r Null -n "$N" -w 500 | tail -1 | tee -a "$B/null.txt" | sed "s/^/  null handler (floor)  : /"
  stop_null
  start_world "$B/w$round" 1 >/dev/null
  "$M" card insert --slot 0 "$(cp -r "$ROOT/vectors/personas/yamada-taro" "$B/w$round/card" && echo "$B/w$round/card")" >/dev/null
  "$B/pcsc_bench" transmit -r mynasim -n "$N" -w 500 | tail -1 | tee -a "$B/ours.txt" | sed "s/^/  mynasim (release)     : /"
  stop_world
done

echo "== 2. insert/remove detection (20 trials each, mynasim card insert/remove → SCardGetStatusChange)"
start_world "$B/w3" 1 >/dev/null
cp -r "$ROOT/vectors/personas/yamada-taro" "$B/w3/card"
"$PY" "$ROOT/scripts/bench_insert.py" "$SIM" "$B/w3/card" 20
stop_world

echo "== 3. 16 readers at once (16 slots, 16 client processes × $((N / 8)) calls)"
start_world "$B/w4" 16 >/dev/null
for i in $(seq 0 15); do
  cp -r "$ROOT/vectors/personas/yamada-taro" "$B/w4/card$i"
  "$M" card insert --slot "$i" "$B/w4/card$i" >/dev/null
done
start=$(date +%s.%N)
CLIENTS=()
for i in $(seq 0 15); do
  "$B/pcsc_bench" transmit -r "$(printf 'mynasim Virtual Reader 00 %02X' "$i")" -n $((N / 8)) -w 100 | tail -1 > "$B/par$i.txt" &
  CLIENTS+=($!)
done
wait "${CLIENTS[@]}"   # not a bare `wait`: that would also wait for pcscd and the simulator
end=$(date +%s.%N)
stop_world
null_world 16
startn=$(date +%s.%N)
CLIENTS=()
for i in $(seq 0 15); do
  PCSCLITE_CSOCK_NAME=$NULL_SOCK "$B/pcsc_bench" transmit -r "$(printf 'Null Reader 00 %02X' "$i")" -n $((N / 8)) -w 100 | tail -1 > "$B/nullpar$i.txt" &
  CLIENTS+=($!)
done
wait "${CLIENTS[@]}"
endn=$(date +%s.%N)
stop_null
"$PY" - "$B" "$start" "$end" "$startn" "$endn" "$N" <<'PY'
import re, statistics, sys, glob
b, s, e, sn, en, n = sys.argv[1], *map(float, sys.argv[2:6]), int(sys.argv[6])
def med(path):
    return [float(m.group(1)) for line in open(path) for m in [re.search(r'median=([0-9.]+)', line)] if m]
null, ours = med(f"{b}/null.txt"), med(f"{b}/ours.txt")
print(f"  round trip median: null {statistics.mean(null):.1f} µs, mynasim {statistics.mean(ours):.1f} µs, "
      f"ratio per round {[round(o / x, 2) for o, x in zip(ours, null)]}, mean ratio {statistics.mean(o / x for o, x in zip(ours, null)):.2f}")
ours16 = [v for i in range(16) for v in med(f"{b}/par{i}.txt")]
null16 = [v for i in range(16) for v in med(f"{b}/nullpar{i}.txt")]
calls = 16 * (n // 8)
print(f"  16 readers: mynasim {calls / (e - s):.0f} APDU/s aggregate, per-reader median of medians {statistics.median(ours16):.0f} µs; "
      f"null handler {calls / (en - sn):.0f} APDU/s, {statistics.median(null16):.0f} µs; throughput ratio {(calls / (e - s)) / (calls / (en - sn)):.2f}")
PY
