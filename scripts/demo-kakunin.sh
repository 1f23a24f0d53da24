#!/usr/bin/env bash
# The 資格確認限定型 flow end to end: the mock qualification service, a private pcscd with the
# virtual reader and yamada-taro's card, and `mynasim kakunin` with method A (目視, visual) and
# method B (暗証番号, PIN). Leaves the staff console's screenshot in reports/demo/ when Chromium is
# installed.
set -euo pipefail
cd "$(dirname "$0")/.."
M=.build/debug/mynasim
bold() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
W=$(mktemp -d /tmp/mynasim-kakunin.XXXXXX)
ADMIN=demo-admin-token-0123456789
"$M" qualification-service --port 0 --ready-file "$W/port" --admin-token "$ADMIN" >"$W/qs.log" 2>&1 &
QS_PID=$!
trap 'kill -INT $QS_PID 2>/dev/null || true; wait $QS_PID 2>/dev/null || true; rm -rf "$W"' EXIT
for _ in $(seq 500); do [ -s "$W/port" ] && break; sleep 0.02; done
QS="http://127.0.0.1:$(cat "$W/port")"
head -n 2 "$W/qs.log" | tail -n 1

bold "Register this PC as a terminal (the portal's 端末登録), then log in with its password"
curl -s -X POST "$QS/api/terminals" -H "X-Admin-Token: $ADMIN" -H 'Content-Type: application/json' \
  -d '{"name":"demo clinic","password":"clinic-password"}' | tee "$W/terminal.json"; echo
export MYNASIM_TERMINAL_PASSWORD=clinic-password
KEY=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["apiKey"])' "$W/terminal.json")
cp -r vectors/personas/yamada-taro "$W/card"; rm -f "$W/card/state.json"

bold "Method A (目視): staff compare the card photo; no PIN"
$M sandbox --card "$W/card" -- $M kakunin --reader 0 --method visual --service "$QS" --terminal 1

bold "Method B (暗証番号): the patient enters the 4-digit PIN (here 1234); the card signs the service's challenge"
$M sandbox --card "$W/card" -- $M kakunin --reader 0 --method pin --pin 1234 --service "$QS" --terminal 1

bold "The staff console"
echo "$QS/console (sign in with terminal 1 and clinic-password)"
if command -v chromium >/dev/null; then
  mkdir -p reports/demo
  LAST=$(curl -s "$QS/api/checks?limit=1" -H "X-API-Key: $KEY" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["checks"][0]["checkId"])')
  # A page that posts the sign-in form, as staff would; the session then lives in a cookie.
  SIGNIN="data:text/html,<form method=post action=\"$QS/console/login\"><input name=terminal value=1>"\
"<input name=password value=clinic-password><input name=next value=\"/console/checks/$LAST\"></form>"\
"<script>document.forms[0].submit()</script>"
  chromium --headless --no-sandbox --disable-gpu --user-data-dir="$W/chromium" --virtual-time-budget=10000 \
    --screenshot=reports/demo/console.png --window-size=900,760 "$SIGNIN" >/dev/null 2>&1 && echo "screenshot: reports/demo/console.png"
fi
