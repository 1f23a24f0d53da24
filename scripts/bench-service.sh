#!/usr/bin/env bash
# Load benchmark of the mock qualification service on loopback (wrk, Debian `wrk`): checks per
# second and latency p50/p99 for the visual-method qualification check (certificate validation,
# CRL, SQLite lookup and audit write) at 1, 4 and 16 connections, against the service's static
# /openapi.yaml route at the same concurrency in the same run (the HTTP floor).
# Usage: scripts/bench-service.sh [SECONDS]   (MYNASIM=path/to/mynasim to pick a build)
set -euo pipefail
cd "$(dirname "$0")/.."
M=${MYNASIM:-.build/release/mynasim}
[ -x "$M" ] || M=.build/debug/mynasim
SECS=${1:-5}
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)"; exit 1; }
W=$(mktemp -d); trap 'kill -INT $QS 2>/dev/null || true; wait $QS 2>/dev/null || true; rm -rf "$W"' EXIT
ADMIN=bench-admin-token-0123456789
"$M" qualification-service --port 0 --ready-file "$W/port" --admin-token "$ADMIN" --database "$W/qs.sqlite" >"$W/qs.log" 2>&1 &
QS=$!
for _ in $(seq 500); do [ -s "$W/port" ] && break; sleep 0.02; done
URL="http://127.0.0.1:$(cat "$W/port")"
KEY=$(curl -s -X POST "$URL/api/terminals" -H "X-Admin-Token: $ADMIN" -H 'Content-Type: application/json' \
  -d '{"name":"bench","password":"bench-password"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["apiKey"])')
CERT=$(openssl x509 -in vectors/personas/yamada-taro/auth.pem -outform DER | base64 -w0)
cat > "$W/check.lua" <<LUA
wrk.method = "POST"
wrk.body = '{"certificate":"$CERT","method":"visual"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-API-Key"] = "$KEY"
LUA
echo "mynasim $($M --version) ($M), $(nproc) cores, ${SECS}s per run"
printf '%-28s %5s %12s %10s %10s\n' route conns "requests/s" p50 p99
for c in 1 4 16; do
  for route in check static; do
    if [ $route = check ]; then out=$(wrk -t1 -c$c -d${SECS}s --latency -s "$W/check.lua" "$URL/api/qualifications"); label="POST /api/qualifications"
    else out=$(wrk -t1 -c$c -d${SECS}s --latency "$URL/openapi.yaml"); label="GET /openapi.yaml (floor)"; fi
    rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
    p50=$(awk '$1=="50%" {print $2}' <<<"$out"); p99=$(awk '$1=="99%" {print $2}' <<<"$out")
    non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
    printf '%-28s %5s %12s %10s %10s %s\n' "$label" "$c" "$rps" "$p50" "$p99" "${non2xx:+non-2xx: $non2xx}"
  done
done
audited=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from audit").fetchone()[0])' "$W/qs.sqlite")
echo "audit rows written: $audited"
