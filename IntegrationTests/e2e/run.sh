#!/usr/bin/env bash
# End-to-end: unmodified PC/SC software (OpenSC, pcsc-tools, pyscard) against the virtual card
# through a real pcscd, our IFD handler and `mynasim serve`. Prints "N passed, M failed".
set -uo pipefail
source "$(dirname "$0")/lib.sh"
W=$(mktemp -d /tmp/mynasim-e2e.XXXXXX)
trap 'stop_world; rm -rf "$W"' EXIT
P11=/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so
[ -e "$P11" ] || P11=$(dpkg -L opensc-pkcs11 2>/dev/null | grep '/opensc-pkcs11.so$' | head -n1)

echo "== private pcscd + mynasim serve (2 slots)"
start_world "$W" 2 --trace "$W/trace.jsonl" || exit 1
TARO=$(persona yamada-taro)
SHORT=$(persona tanaka-short)
check "insert a card with mynasim card insert" "$M" card insert --slot 0 "$TARO"
wait_for 5 sh -c 'timeout 30 opensc-tool -l | grep -q "Yes .*mynasim Virtual Reader 00 00"'

echo "== OpenSC"
out=$(timeout 30 opensc-tool -r 0 -a 2>&1); contains "timeout 30 opensc-tool sees the JPKI ATR" "$out" "3b:e0:00:ff:81:31:fe:45:14"
out=$(timeout 30 opensc-tool -r 0 -n 2>&1); contains "timeout 30 opensc-tool names the card jpki (probes refused)" "$out" "jpki"
out=$(timeout 30 pkcs15-tool --list-certificates 2>&1); contains "timeout 30 pkcs15-tool lists the auth certificate" "$out" "User Authentication Certificate"
contains "timeout 30 pkcs15-tool lists the auth CA" "$out" "User Authentication Certificate CA"
timeout 30 pkcs15-tool --read-certificate 01 -o "$W/auth-p15.pem" >/dev/null 2>&1
check "the certificate timeout 30 pkcs15-tool read is the persona's" cmp <(openssl x509 -in "$W/auth-p15.pem" -outform DER) <(openssl x509 -in "$TARO/auth.pem" -outform DER)
check "and chains to the test auth CA" openssl verify -CAfile "$TARO/auth-ca.pem" "$W/auth-p15.pem"
out=$(timeout 30 pkcs15-tool --list-pins 2>&1); contains "timeout 30 pkcs15-tool reads the retry counter without using a try" "$out" "Tries left     : 3"
printf 'mynasim e2e message' > "$W/msg"
out=$(timeout 30 pkcs11-tool --module "$P11" --slot 0 --login --pin 1234 --sign --mechanism SHA256-RSA-PKCS --id 01 -i "$W/msg" -o "$W/sig" 2>&1)
check "timeout 30 pkcs11-tool logs in with the auth PIN and signs (SHA256-RSA-PKCS)" test -s "$W/sig"
openssl x509 -in "$W/auth-p15.pem" -pubkey -noout > "$W/pub.pem"
check "openssl verifies the signature against the certificate timeout 30 pkcs15-tool read" openssl dgst -sha256 -verify "$W/pub.pem" -signature "$W/sig" "$W/msg"
out=$(timeout 30 pkcs11-tool --module "$P11" --slot 0 --login --pin 9999 --sign --mechanism SHA256-RSA-PKCS --id 01 -i "$W/msg" -o "$W/sig2" 2>&1)
contains "a wrong PIN is refused by the card" "$out" "CKR_PIN_INCORRECT"
out=$("$M" status 2>&1); contains "the wrong PIN cost one try, as mynasim status shows" "$out" "jpki.auth-pin 2"

out=$(grep '"event":"transmit"' "$W/trace.jsonl" | head -n 1)
contains "the simulator's trace has every exchange as JSON lines" "$out" '"command":"'
check "the trace is valid JSON lines" "$PY" -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$W/trace.jsonl"
out=$("$M" trace show "$W/trace.jsonl" 2>&1)
contains "mynasim trace show names OpenSC's commands" "$out" "SELECT JPKI AP"
contains "  and hides the PIN pkcs11-tool sent" "$out" "VERIFY 0018 利用者証明用暗証番号 (authentication PIN) [4 bytes hidden]"
check "  whose value is nowhere in the view" bash -c '! grep -qF "31 32 33 34" <<<"$1"' _ "$out"

echo "== pcsc-tools"
out=$(timeout 10 pcsc_scan -r 2>&1); contains "pcsc_scan lists both slots" "$out" "mynasim Virtual Reader 00 01"
cat > "$W/script.txt" <<'SCRIPT'
# select the JPKI AP and read the token label (a timeout 30 scriptor script)
00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01
00 A4 02 0C 02 00 06
00 B0 00 00 20
reset
00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 99
SCRIPT
out=$(timeout 30 scriptor -r "mynasim Virtual Reader 00 00" "$W/script.txt" 2>&1)
contains "scriptor runs a script: token label" "$out" "4A 50 4B 49 41 50 49 43 43 54 4F 4B 45 4E 32"
contains "scriptor: foreign AID refused" "$out" "6A 82"

# Insert and remove seen by pcsc_scan, done through mynasim card.
timeout 6 stdbuf -oL pcsc_scan > "$W/scan.log" 2>&1 &
SCAN=$!
wait_for 5 grep -q "mynasim Virtual Reader 00 01" "$W/scan.log"
"$M" card insert --slot 1 "$SHORT" >/dev/null
wait_for 5 sh -c "grep -A3 'Reader 1: mynasim Virtual Reader 00 01' '$W/scan.log' | grep -q 'Card inserted'"
"$M" card remove --slot 1 >/dev/null
wait_for 5 sh -c "grep -c 'Card removed' '$W/scan.log' | grep -q '[1-9]'"
kill -INT $SCAN 2>/dev/null; wait $SCAN 2>/dev/null
out=$(cat "$W/scan.log")
contains "pcsc_scan reports the insert" "$out" "Card inserted"
contains "pcsc_scan reports the remove" "$out" "Card removed"
"$M" card insert --slot 1 "$SHORT" >/dev/null

echo "== pyscard"
out=$(timeout 60 "$PY" "$ROOT/IntegrationTests/e2e/pyscard_client.py" 2>&1)
contains "pyscard transmits: JPKI SELECT 9000, token label" "$out" "token JPKIAPICCTOKEN2"
contains "slot 0 (extended card) advertises dwMaxAPDUDataSize 65535" "$out" "slot0 maxAPDU 65535"
contains "slot 1 (short-only card) advertises dwMaxAPDUDataSize 0" "$out" "slot1 maxAPDU 0"
contains "an extended READ BINARY returns the whole certificate through pcscd" "$out" "extended read $(($(openssl x509 -in "$TARO/auth.pem" -outform DER | wc -c)))"

echo "== a fault that can no longer fire is refused"
"$M" card remove --slot 1 >/dev/null; "$M" card insert --slot 1 "$SHORT" >/dev/null
wait_for 5 sh -c 'timeout 30 opensc-tool -l | grep -q "Yes .*mynasim Virtual Reader 00 01"'
challenges=(); for _ in $(seq 19); do challenges+=(-s 0084000008); done
timeout 30 opensc-tool -r 1 "${challenges[@]}" >/dev/null 2>&1
out=$("$M" card configure --slot 1 --remove-during 3 2>&1); status=$?
check "card configure --remove-during 3 after 19 APDUs is refused" test "$status" -ne 0
contains "  saying it can never fire and what would" "$out" "--remove-during 3 can never fire: the card in slot 1 has already answered"
out=$(timeout 30 opensc-tool -r 1 -s 0084000008 2>&1)
contains "  and the card is still there" "$out" "SW1=0x90"

echo "== the simulator dies and comes back"
stop_sim
wait_for 5 sh -c 'timeout 30 opensc-tool -l | grep -q "No .*mynasim Virtual Reader 00 00"'
out=$(timeout 30 opensc-tool -l 2>&1); matches "with the simulator gone the slot shows no card" "$out" "No +mynasim Virtual Reader 00 00"
check "pcscd is still running" kill -0 "$PCSCD_PID"
start_sim 2 --card "0=$TARO"
check "after a restart the card is back within 5 s" wait_for 5 sh -c 'timeout 30 opensc-tool -r 0 -n | grep -q jpki'
out=$(timeout 30 opensc-tool -r 0 -s 00A4040C0AD392F000260100000001 -s 00A4020C020018 -s 00200080 2>&1)
contains "the restarted card kept its counter (2 tries)" "$out" "SW1=0x63, SW2=0xC2"

echo "== faults"
"$M" card configure --slot 0 --mute >/dev/null
start=$SECONDS
out=$(timeout 20 timeout 30 opensc-tool -r 0 -s 0084000008 2>&1)
contains "a mute card: the transmit fails instead of hanging" "$out" "ransmit"
check "and within the handler's 3 s timeout (+ margin)" test $((SECONDS - start)) -le 8
"$M" card configure --slot 0 --clear >/dev/null
check "after the fault is cleared the reader works again" wait_for 10 sh -c 'timeout 30 opensc-tool -r 0 -s 0084000008 | grep -q "SW1=0x90"'
"$M" card configure --slot 0 --remove-after 2 >/dev/null
out=$(timeout 30 opensc-tool -r 0 -s 0084000008 -s 0084000008 -s 0084000008 2>&1)
check "remove after 2 APDUs: the card is gone" wait_for 5 sh -c 'timeout 30 opensc-tool -l | grep -q "No .*mynasim Virtual Reader 00 00"'

echo "== one-liner: mynasim sandbox"
stop_world
out=$(timeout 60 "$M" sandbox --card "$TARO" -- pkcs11-tool --module "$P11" --login --pin 1234 --sign --mechanism SHA256-RSA-PKCS --id 01 -i "$W/msg" -o "$W/sig3" 2>&1)
check "mynasim sandbox runs pkcs11-tool as a one-liner" test -s "$W/sig3"
check "and its signature verifies" openssl dgst -sha256 -verify "$W/pub.pem" -signature "$W/sig3" "$W/msg"
timeout 60 "$M" sandbox -- sh -c 'exit 3' >/dev/null 2>&1; status=$?
check "mynasim sandbox exits with the command's status" test "$status" -eq 3

echo "== the JPKI and 券面 AP conformance suites through pcscd"
TARO2=$(cp -r "$ROOT/vectors/personas/yamada-taro" "$W/taro2" && rm -f "$W/taro2/state.json" && echo "$W/taro2")
out=$(timeout 300 "$M" sandbox --card "$TARO2" -- "$M" suite "$ROOT/vectors/suites/jpki" "$ROOT/vectors/suites/jpki-kat" "$ROOT/vectors/suites/kenmen" --persona "$TARO2" --reader 0 --report-dir "$W/reports" --plain 2>&1)
status=$?
check "mynasim suite (jpki + jpki-kat + kenmen) passes through pcscd" test "$status" -eq 0
contains "every case passed (the other personas' known answers not applicable)" "$out" "249 passed, 0 failed, 69 not applicable"
check "JUnit, JSON and HTML reports were written" test -s "$W/reports/jpki.junit.xml" -a -s "$W/reports/jpki.json" -a -s "$W/reports/jpki.html"

echo "== mynasim read through pcscd"
TARO4=$(cp -r "$ROOT/vectors/personas/yamada-taro" "$W/taro4" && rm -f "$W/taro4/state.json" && echo "$W/taro4")
out=$(timeout 60 "$M" sandbox --card "$TARO4" -- "$M" read --reader 0 --roots "$ROOT/vectors/personas/test-pki" --text-pin 5678 \
  --verification-b 55021720352285 --birth-date-key 550217 --photo "$W/face.jp2" 2>&1)
contains "mynasim read over PC/SC reads the My Number" "$out" "個人番号 (My Number): 123456789018"
contains "and the card face of the 券面事項確認AP" "$out" "券面 (card face): 生年月日 19800217, 性別 1, 有効期限 20350217, age record 19800217"
contains "whose three-group signature verifies" "$out" "OK   visual AP card face (EF 0002) signed over its three digest groups"
check "and the photo written is the persona's JP2" cmp "$W/face.jp2" "$ROOT/vectors/personas/yamada-taro/face-photo.jp2"
contains "and verifies the integrity record against the CV root" "$out" "OK   text AP integrity record signed by the certified issuer key"
if grep -q FAIL <<<"$out"; then fail "with no failed check" "$out"; else pass "with no failed check"; fi

echo "== record through pcscd, replay without a card"
cat > "$W/session.apdu" <<'SCRIPT'
00A4040C0AD392F000260100000001 => 9000
00A4020C02000A => 9000
00B0000004 => 3082 [len:2] 9000
00200098 => 63C?
SCRIPT
TARO3=$(cp -r "$ROOT/vectors/personas/yamada-taro" "$W/taro3" && rm -f "$W/taro3/state.json" && echo "$W/taro3")
out=$(timeout 60 "$M" sandbox --card "$TARO3" -- "$M" record --reader 0 --out "$W/card.trace" --report-dir "$W/rec" --plain "$W/session.apdu" 2>&1)
check "mynasim record captures a PC/SC session" test -s "$W/card.trace"
out=$(timeout 60 "$M" run --replay "$W/card.trace" --report-dir "$W/rep2" --plain "$W/session.apdu" 2>&1)
contains "the recorded session replays with no card at all" "$out" "1 passed, 0 failed"

echo "== client-check: the test clients' own offline tests"
check "IntegrationTests/clients/test_clients.py passes" "$PY" "$ROOT/IntegrationTests/clients/test_clients.py"

echo "== client-check: a deliberately bad client is caught by every rule"
# outcome PROFILE SCENARIO RULE [FACT…] -- CLIENT…: the rule's verdict for the client in the scenario.
outcome() {
  local profile=$1 scenario=$2 rule=$3; shift 3
  local facts=()
  while [ "$1" != "--" ]; do facts+=(--fact "$1"); shift; done
  shift
  timeout 120 "$M" client-check --json --profile "$profile" --scenario "$scenario" "${facts[@]}" --report-dir "$W/cc" -- "$@" 2>/dev/null |
    "$PY" -c 'import json, sys; r = json.load(sys.stdin); print(next(v["outcome"] for v in r["scenarios"][0]["rules"] if v["rule"] == sys.argv[1]))' "$rule"
}
caught() { # caught PROFILE SCENARIO RULE [FACT…]
  local got; got=$(outcome "$@" -- "$PY" "$ROOT/IntegrationTests/clients/bad_client.py" --violate "$3")
  if [ "$got" = fail ]; then pass "$1 $3 catches bad_client.py"; else fail "$1 $3 catches bad_client.py" "verdict: ${got:-none}"; fi
}
for rule in select-jpki-by-full-aid read-within-certificate-length query-counter-before-pin stop-after-blocked \
            no-retry-loop-on-6982 leave-no-verified-state no-redundant-reads; do
  caught jpki-generic normal "$rule"
done
caught jpki-generic one-pin-try-left no-pin-on-last-try
caught jpki-generic normal no-signature-password-for-authentication purpose=authentication
caught jpki-generic reader-without-extended-apdus extended-only-when-advertised
for rule in jpki-only never-read-my-number no-signature-key query-counter-before-pin leave-no-verified-state; do
  caught qualification-check normal "$rule" method=pin
done
caught qualification-check one-pin-try-left no-pin-on-last-try method=pin
caught qualification-check normal visual-method-sends-no-pin method=visual
caught qualification-check normal pin-method-verifies-only-0018 method=pin

echo "== client-check: the reference 資格確認 client passes every scenario, both methods"
for method in pin visual; do
  out=$(timeout 300 "$M" client-check --profile qualification-check --fact method=$method --report-dir "$W/cc-$method" -- \
    sh -c "\"$PY\" \"$ROOT/IntegrationTests/clients/kakunin_app.py\" --method $method --pin \"\$MYNASIM_AUTH_PIN\"" 2>&1)
  status=$?
  check "kakunin_app.py --method $method passes qualification-check in every scenario" test "$status" -eq 0
  contains "  (all 30 scenarios, hostile cards included)" "$out" "30 of 30 scenarios passed"
done
check "the matrix is written as JUnit, JSON and HTML" test -s "$W/cc-pin/client-check-qualification-check.junit.xml" \
  -a -s "$W/cc-pin/client-check-qualification-check.json" -a -s "$W/cc-pin/client-check-qualification-check.html"

echo "== client-check: two shards, one scenario at a time, merge into the unsharded run (scenarios side by side)"
for i in 1 2; do
  timeout 300 "$M" client-check --profile qualification-check --fact method=pin --shard "$i/2" -j 1 --report-dir "$W/cc-shards" -- \
    sh -c "\"$PY\" \"$ROOT/IntegrationTests/clients/kakunin_app.py\" --method pin --pin \"\$MYNASIM_AUTH_PIN\"" >/dev/null 2>&1
done
out=$("$M" report merge "$W/cc-shards" --out "$W/cc-merged" 2>&1)
contains "report merge joins the shards' reports" "$out" "client-check-qualification-check: 30 scenarios from 2 shards"
check "the merged shards hold the unsharded run's scenarios, rules and expectations, in its order" "$PY" -c '
import json, sys
def verdicts(path):
    run = json.load(open(path))
    return [(s["scenario"], [(r["rule"], r["outcome"]) for r in s["rules"]], [(e["what"], e["passed"]) for e in s["expectations"]])
            for s in run["scenarios"]]
sys.exit(0 if verdicts(sys.argv[1]) == verdicts(sys.argv[2]) else 1)' \
  "$W/cc-pin/client-check-qualification-check.json" "$W/cc-merged/client-check-qualification-check.json"

echo "== client-check: what OpenSC does (docs/client-findings.md)"
echo message > "$W/msg"
P11=/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so
sign="pkcs11-tool --module $P11 --login --pin \"\$MYNASIM_AUTH_PIN\" --sign --mechanism SHA256-RSA-PKCS --id 01 -i $W/msg -o $W/sig"
got=$(outcome jpki-generic normal leave-no-verified-state purpose=authentication -- sh -c "$sign")
check "pkcs11-tool leaves the PIN verified (disconnects without reset)" test "$got" = fail
got=$(outcome jpki-generic one-pin-try-left no-pin-on-last-try purpose=authentication -- sh -c "$sign")
check "pkcs11-tool sends the PIN with one try left" test "$got" = fail
got=$(outcome jpki-generic normal query-counter-before-pin purpose=authentication -- sh -c "$sign")
check "pkcs11-tool queries the counter before the PIN" test "$got" = pass

echo "== 資格確認: the mock qualification service and mynasim kakunin through pcscd"
ADMIN=e2e-admin-token-0123456789
PERSONAS="$ROOT/vectors/personas"
with_default_signals "$M" qualification-service --port 0 --ready-file "$W/qs.port" --admin-token "$ADMIN" --database "$W/qs.sqlite" >"$W/qs.log" 2>&1 &
QS_PID=$!
wait_for 30 test -s "$W/qs.port" || { cat "$W/qs.log"; }
QS="http://127.0.0.1:$(cat "$W/qs.port")"
curl -s -X POST "$QS/api/terminals" -H "X-Admin-Token: $ADMIN" -H 'Content-Type: application/json' \
  -d '{"name":"e2e clinic","password":"clinic-password"}' > "$W/terminal.json"
KEY=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["apiKey"])' "$W/terminal.json")
TERMINAL_ID=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["terminalId"])' "$W/terminal.json")
check "a terminal registers with the admin token" test -n "$KEY"
export MYNASIM_API_KEY="$KEY"
# kakunin PERSONA METHOD [extra kakunin args…]: one check through a private pcscd with a fresh copy of the card.
kakunin() {
  local persona=$1 method=$2; shift 2
  rm -rf "$W/k-$persona"; cp -r "$PERSONAS/$persona" "$W/k-$persona"; rm -f "$W/k-$persona/state.json"
  timeout 60 "$M" sandbox --card "$W/k-$persona" -- "$M" kakunin --reader 0 --method "$method" --service "$QS" "$@" 2>&1
}
out=$(kakunin yamada-taro pin --pin 1234); status=$?
check "insured person, PIN method: exit 0" test "$status" -eq 0
contains "  the result is 資格あり with the record" "$out" "記号・番号・枝番: 31010203・42・00  本人"
out=$(kakunin yamada-taro visual); contains "insured person, visual method: 資格あり" "$out" "結果: 資格あり (qualified)"
out=$(kakunin sato-hanako pin --pin 4321); contains "dependant: 家族" "$out" "記号・番号・枝番: 550・1024・01  家族"
out=$(kakunin tanaka-short visual); contains "lost qualification (short-only card): 資格なし" "$out" "結果: 資格なし (no-qualification)"
out=$(kakunin kato-expired pin --pin 5555); contains "expired certificate" "$out" "(expired-certificate)"
out=$(kakunin ito-revoked visual); contains "revoked certificate" "$out" "(revoked-certificate)"
out=$(kakunin takahashi-face visual); contains "face-authentication card, visual method: 資格あり" "$out" "結果: 資格あり (qualified)"
out=$(kakunin takahashi-face pin --pin 0000); status=$?
check "face-authentication card, PIN method: refused (exit ≠ 0)" test "$status" -ne 0
contains "  because its PIN is blocked, and no VERIFY was sent" "$out" "PIN is blocked"
"$M" persona new --out "$W/unknown" --pki "$PERSONAS/test-pki" --auth-pin 2222 >/dev/null 2>&1
out=$(timeout 60 "$M" sandbox --card "$W/unknown" -- "$M" kakunin --reader 0 --method visual --service "$QS" 2>&1)
contains "a card the service does not know: unknown-card" "$out" "(unknown-card)"
# A blocked PIN: three wrong tries in-process block it; kakunin then refuses over PC/SC.
rm -rf "$W/blocked"; cp -r "$PERSONAS/yamada-taro" "$W/blocked"; rm -f "$W/blocked/state.json"
"$M" apdu --card "$W/blocked" 00A4040C0AD392F000260100000001 002000980430303030 002000980430303030 002000980430303030 >/dev/null
out=$(timeout 60 "$M" sandbox --card "$W/blocked" -- "$M" kakunin --reader 0 --method pin --pin 1234 --service "$QS" 2>&1); status=$?
check "blocked PIN: refused with exit ≠ 0" test "$status" -ne 0
contains "  saying so, and pointing to the visual method" "$out" "use the visual method"
# The card pulled out mid-read: kakunin fails with a message, the service sees nothing.
rm -rf "$W/pulled"; cp -r "$PERSONAS/yamada-taro" "$W/pulled"; rm -f "$W/pulled/state.json"
out=$(timeout 60 "$M" sandbox --card "$W/pulled" -- sh -c '"$0" card configure --remove-after 3 && "$0" kakunin --reader 0 --method visual --service "$1"' "$M" "$QS" 2>&1); status=$?
check "card removed mid-read: exit ≠ 0" test "$status" -ne 0
if grep -qi "removed\|no card\|not present\|SCard" <<<"$out"; then pass "  with a message naming the card"; else fail "  with a message naming the card" "$out"; fi
checks=$(curl -s "$QS/api/checks?limit=50" -H "X-API-Key: $KEY" | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)["checks"]))')
check "the service recorded one check per card that reached it (8)" test "$checks" -eq 8
rows=$("$PY" -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print(c.execute("select count(*) from audit").fetchone()[0]); print(",".join(r[1] for r in c.execute("pragma table_info(audit)")))' "$W/qs.sqlite")
contains "every request is in the SQLite audit table, and it has no PIN column" "$rows" "id,time,endpoint,http_status,terminal_id,method,result,certificate_serial,person_id,response"

echo "== 資格確認: kakunin passes the qualification-check client profile"
for method in pin visual; do
  out=$(timeout 300 "$M" client-check --profile qualification-check --fact method=$method --report-dir "$W/cc-kakunin" \
    --scenario normal --scenario one-pin-try-left --scenario pin-blocked --scenario removed-after-3-apdus --scenario hostile-endless-61xx \
    --scenario card-inserted-late \
    -- sh -c "\"$M\" kakunin --reader 0 --method $method --pin \"\$MYNASIM_AUTH_PIN\" --service $QS" 2>&1); status=$?
  check "mynasim kakunin --method $method: every rule and expectation holds" test "$status" -eq 0
done

echo "== 資格確認: the staff console in headless Chromium"
CHECK_ID=$(curl -s "$QS/api/checks?limit=50" -H "X-API-Key: $KEY" | "$PY" -c 'import json,sys; print([c["checkId"] for c in json.load(sys.stdin)["checks"] if c["result"]=="qualified"][0])')
ARTIFACTS="$ROOT/reports/e2e"; mkdir -p "$ARTIFACTS"
out=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' "$QS/console/checks/$CHECK_ID?key=$KEY")
contains "the console no longer opens with the API key in the URL (303 to the sign-in form)" "$out" "303 $QS/console/login?next="
out=$(curl -s -i -d "terminal=$TERMINAL_ID&password=clinic-password" "$QS/console/login")
cookie=$(grep -i '^Set-Cookie: mynasim_console=' <<<"$out")
matches "signing in sets the session cookie" "$cookie" "mynasim_console=[0-9A-F]{64};"
contains "  HttpOnly" "$cookie" "HttpOnly"
contains "  SameSite=Lax" "$cookie" "SameSite=Lax"
contains "  scoped to /console" "$cookie" "Path=/console"
if command -v chromium >/dev/null; then
  browse() { timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --user-data-dir="$W/chromium" "$@" 2>/dev/null; }
  # Staff sign in with the terminal's id and password (a page that posts the form, as a person would); the session is a cookie.
  signin() {
    echo "data:text/html,<form method=post action=\"$QS/console/login\"><input name=terminal value=$TERMINAL_ID>"\
"<input name=password value=clinic-password><input name=next value=\"$1\"></form><script>document.forms[0].submit()</script>"
  }
  dom=$(browse --virtual-time-budget=10000 --dump-dom "$(signin "/console/checks/$CHECK_ID")")
  contains "Chromium signs in and renders the result screen" "$dom" "資格確認結果"
  contains "  with the qualification" "$dom" "資格あり"
  browse --virtual-time-budget=10000 --screenshot="$ARTIFACTS/console-result.png" --window-size=900,760 \
    "$(signin "/console/checks/$CHECK_ID")" >/dev/null
  check "  and a screenshot is written to reports/e2e/console-result.png" test -s "$ARTIFACTS/console-result.png"
  dom=$(browse --virtual-time-budget=10000 --dump-dom "$(signin /console)")
  contains "the console lists the recent checks" "$dom" "最近の資格確認"
else
  fail "chromium is installed (apt-get install chromium)"
fi
curl -s "$QS/openapi.yaml" > "$W/openapi.yaml"
check "the served OpenAPI document is docs/qualification-openapi.yaml" cmp <(cat "$W/openapi.yaml"; echo) "$ROOT/docs/qualification-openapi.yaml"
VALIDATOR=${OPENAPI_SPEC_VALIDATOR:-$(command -v openapi-spec-validator || true)}
if [ -n "$VALIDATOR" ]; then
  check "openapi-spec-validator accepts it" "$VALIDATOR" "$W/openapi.yaml"
else
  echo "  skip  openapi-spec-validator not installed (.ci/run installs it from PyPI)"
fi
kill -INT "$QS_PID"; wait "$QS_PID"
check "the service stops cleanly on SIGINT" test $? -eq 0

summary
