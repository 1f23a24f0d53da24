#!/usr/bin/env bash
# Clean shutdown: SIGTERM, SIGINT (a background job starts with SIGINT ignored, as here) and SIGHUP
# to sandbox, up, serve, client-check and qualification-service leave no process of theirs and no
# temporary file; a sandbox killed outright takes pcscd and its command with it (parent-death
# signal), and what a command leaves running is stopped. Prints "N passed, M failed".
set -uo pipefail
source "$(dirname "$0")/lib.sh"
W=$(mktemp -d /tmp/mynasim-signals.XXXXXX)
trap 'rm -rf "$W"' EXIT
# Every temporary directory of the commands under test goes here, so "none left" is checkable.
export TMPDIR="$W/tmp"
mkdir -p "$TMPDIR"
CARD=$(persona yamada-taro)

descendants() { # PID: every process below it
  local child
  for child in $(ps -o pid= --ppid "$1"); do echo "$child"; descendants "$child"; done
}
alive() { # PIDS…: those still running (a zombie waiting for its new parent to reap it is not running)
  local pid state
  for pid in "$@"; do
    state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) || continue
    [ "$state" != Z ] && echo "$pid"
  done
}
# stops NAME SIGNAL PID [FILES…]: the signal ends PID and everything it started, and FILES are gone.
stops() {
  local name=$1 sig=$2 pid=$3; shift 3
  local family
  family=$(descendants "$pid")
  kill -"$sig" "$pid"
  local deadline=$((SECONDS + 15))
  while [ -n "$(alive "$pid")" ] && [ $SECONDS -lt $deadline ]; do sleep 0.02; done
  wait "$pid" 2>/dev/null
  wait_for 5 none_alive $family
  local left
  left=$(alive "$pid" $family)
  if [ -n "$left" ]; then fail "$name: SIG$sig leaves no process" "$(ps -o pid,args -p "${left//$'\n'/,}")"; else pass "$name: SIG$sig leaves no process"; fi
  local debris
  debris=$(ls -A "$TMPDIR"; for f in "$@"; do [ -e "$f" ] && echo "$f"; done)
  if [ -n "$debris" ]; then fail "$name: SIG$sig leaves no temporary file" "$debris"; rm -rf "${TMPDIR:?}"/*; else pass "$name: SIG$sig leaves no temporary file"; fi
}
none_alive() { [ -z "$(alive "$@")" ]; }
started() { wait_for 20 "$@" || echo "did not start: $*"; }

echo "== mynasim sandbox"
for sig in TERM INT HUP; do
  "$M" sandbox --card "$CARD" -- sh -c 'sleep 300 & sleep 301; echo not reached' &
  pid=$!
  started pgrep -f '^sleep 301$'
  stops "sandbox (its command left a background process)" "$sig" "$pid"
done
"$M" sandbox --card "$CARD" -- sleep 300 &
pid=$!
started pgrep -f '^sleep 300$'
family=$(descendants "$pid")
kill -KILL "$pid"; wait "$pid" 2>/dev/null
check "sandbox killed outright: pcscd and the command get SIGTERM from the kernel" wait_for 5 none_alive $family
rm -rf "${TMPDIR:?}"/*

echo "== mynasim up"
for sig in TERM INT HUP; do
  "$M" up --foreground --card "$CARD" --shell sh >"$W/up.env" 2>"$W/up.log" &
  pid=$!
  started grep -q MYNASIM_UP "$W/up.env"
  stops "up --foreground" "$sig" "$pid"
done
eval "$("$M" up --card "$CARD" --shell sh)"
pid=$(cat "$MYNASIM_UP/up.pid")
stops "up in the background" TERM "$pid" "$MYNASIM_UP"
out=$("$M" down 2>&1); contains "down after it stopped: nothing to stop, the environment is unset" "$out" "unset MYNASIM_UP"
unset MYNASIM_UP PCSCLITE_CSOCK_NAME MYNASIM_SOCKET

echo "== mynasim serve"
for sig in TERM INT HUP; do
  rm -f "$W/ready"
  "$M" serve --socket "$W/serve.sock" --card "0=$CARD" --ready-file "$W/ready" >"$W/serve.log" 2>&1 &
  pid=$!
  started test -e "$W/ready"
  stops "serve" "$sig" "$pid" "$W/serve.sock"
done

echo "== mynasim client-check"
for sig in TERM INT; do
  "$M" client-check --profile jpki-generic --scenario normal --report-dir "$W/reports" -- sh -c 'sleep 300 & sleep 301' >"$W/cc.log" 2>&1 &
  pid=$!
  started pgrep -f '^sleep 301$'
  stops "client-check (its client left a background process)" "$sig" "$pid"
done

echo "== mynasim qualification-service"
for sig in TERM INT HUP; do
  rm -f "$W/port"
  MYNASIM_ADMIN_TOKEN=signals-test-admin-token "$M" qualification-service --port 0 --ready-file "$W/port" >"$W/qs.log" 2>&1 &
  pid=$!
  started test -s "$W/port"
  stops "qualification-service" "$sig" "$pid"
done
summary
