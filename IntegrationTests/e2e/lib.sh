# Shared helpers for the end-to-end tests: assertions that count, and a private PC/SC world
# (pcscd handed a private socket by systemd-socket-activate, our handler, `mynasim serve`).
# Every wait polls; nothing sleeps a guessed time. Processes are stopped by PID, never by name.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
M="$ROOT/.build/debug/mynasim"
HANDLER="$ROOT/ifd-handler/libifd-mynasim.so"
PY=/usr/bin/python3
PASSED=0
FAILED=0

pass() { PASSED=$((PASSED + 1)); printf '  ok    %s\n' "$1"; }
fail() { FAILED=$((FAILED + 1)); printf '  FAIL  %s\n' "$1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/        /' | head -20; }
check() { # check NAME COMMAND...: passes when COMMAND exits 0
  local name=$1; shift
  local out
  if out=$("$@" 2>&1); then pass "$name"; else fail "$name" "$out"; fi
}
contains() { # contains NAME HAYSTACK NEEDLE
  if grep -qF -- "$3" <<<"$2"; then pass "$1"; else fail "$1" "expected to find: $3"$'\n'"in: $2"; fi
}
matches() { # matches NAME HAYSTACK EXTENDED-REGEX
  if grep -qE -- "$3" <<<"$2"; then pass "$1"; else fail "$1" "expected to match: $3"$'\n'"in: $2"; fi
}

# Runs a command with SIGINT/SIGQUIT at their defaults: a shell starts background jobs with them
# ignored, and pcscd then cannot be stopped in order (SIGINT is its orderly shutdown).
with_default_signals() {
  # exec: a background `with_default_signals … &` subshell becomes the command, so $! is its PID.
  exec "$PY" -c 'import os, signal, sys
for s in (signal.SIGINT, signal.SIGQUIT, signal.SIGTERM): signal.signal(s, signal.SIG_DFL)
os.execvp(sys.argv[1], sys.argv[1:])' "$@"
}

# wait_for SECONDS COMMAND...: polls COMMAND every 20 ms until it succeeds.
wait_for() {
  local deadline=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -ge $deadline ] && return 1
    sleep 0.02
  done
}

# start_world DIR SLOTS [serve options…]: mynasim serve + private pcscd loading our handler.
start_world() {
  W=$1; local slots=$2; shift 2
  mkdir -p "$W/readers.d"
  SIM="$W/sim.sock"
  cat > "$W/readers.d/mynasim" <<CONF
FRIENDLYNAME "mynasim Virtual Reader"
DEVICENAME mynasim:$SIM@slots:$slots@timeout:3000
LIBPATH $HANDLER
CONF
  start_sim "$slots" "$@"
  launch_pcscd
}

# launch_pcscd: the private pcscd on $W/pcscd.comm with $W/readers.d (again, after halt_pcscd).
launch_pcscd() {
  export PCSCLITE_CSOCK_NAME="$W/pcscd.comm" MYNASIM_SOCKET="$SIM"
  rm -f "$PCSCLITE_CSOCK_NAME"
  with_default_signals ${PCSCD_WRAPPER:-} systemd-socket-activate -l "$PCSCLITE_CSOCK_NAME" pcscd --foreground --config "$W/readers.d" >>"$W/pcscd.log" 2>&1 &
  PCSCD_PID=$!
  wait_for 10 test -S "$PCSCLITE_CSOCK_NAME" || { echo "pcscd did not start"; cat "$W/pcscd.log"; return 1; }
  chmod 666 "$PCSCLITE_CSOCK_NAME"
}

start_sim() {
  local slots=$1; shift
  rm -f "$W/ready"
  with_default_signals "$M" serve --socket "$SIM" --slots "$slots" --ready-file "$W/ready" "$@" >>"$W/serve.log" 2>&1 &
  SIM_PID=$!
  wait_for 10 test -e "$W/ready" || { echo "mynasim serve did not start"; cat "$W/serve.log"; return 1; }
}

stop_sim() { kill -INT "$SIM_PID" 2>/dev/null; wait "$SIM_PID" 2>/dev/null || true; }

stop_world() {
  stop_sim
  halt_pcscd
}

# halt_pcscd: SIGINT by PID (pcscd's orderly shutdown), SIGKILL after 20 s.
halt_pcscd() {
  if kill -0 "$PCSCD_PID" 2>/dev/null; then
    kill -INT "$PCSCD_PID"
    # pcscd 1.9.9 only notices SIGINT in its main thread's select(): a connection wakes it.
    "$PY" -c 'import socket, sys; socket.socket(socket.AF_UNIX).connect(sys.argv[1])' "$PCSCLITE_CSOCK_NAME" 2>/dev/null || true
    local deadline=$((SECONDS + 20))
    while kill -0 "$PCSCD_PID" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.05; done
    kill -KILL "$PCSCD_PID" 2>/dev/null || true
  fi
  wait "$PCSCD_PID" 2>/dev/null || true
}

# persona NAME [AS]: a fresh private copy of a shipped persona in $W/AS (default NAME), printed
# (tests consume PIN tries).
persona() { local d="$W/${2:-$1}"; rm -rf "$d"; cp -r "$ROOT/vectors/personas/$1" "$d"; rm -f "$d/state.json" "$d/.card.lock"; echo "$d"; }

summary() {
  echo
  echo "$PASSED passed, $FAILED failed"
  [ "$FAILED" -eq 0 ]
}
