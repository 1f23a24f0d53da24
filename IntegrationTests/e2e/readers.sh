#!/usr/bin/env bash
# The card behind real reader drivers, through `mynasim sandbox --reader`: pcsc-lite's CCID driver
# (libccidtwin.so) before the emulated serial readers, and vsmartcard's vpcd. Unmodified OpenSC,
# pyscard and the suites; openssl judges every signature. Prints "N passed, M failed".
set -uo pipefail
source "$(dirname "$0")/lib.sh"
W=$(mktemp -d /tmp/mynasim-readers.XXXXXX)
trap 'stop_world 2>/dev/null; rm -rf "${TOP:-$W}"' EXIT
P11=/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so
[ -e "$P11" ] || P11=$(dpkg -L opensc-pkcs11 2>/dev/null | grep '/opensc-pkcs11.so$' | head -n1)
printf 'mynasim reader paths' > "$W/msg"
openssl x509 -in "$ROOT/vectors/personas/yamada-taro/auth.pem" -pubkey -noout > "$W/pub.pem"
CERT_LENGTH=$(openssl x509 -in "$ROOT/vectors/personas/yamada-taro/auth.pem" -outform DER | wc -c)
SIGN="pkcs11-tool --module $P11 --login --pin 1234 --sign --mechanism SHA256-RSA-PKCS --id 01 -i $W/msg"

# A fresh copy of yamada-taro (the tests consume PIN tries).
fresh_card() { persona yamada-taro card; }

# sandbox READER TRACE COMMAND…: a fresh card in a private PC/SC world.
sandbox() {
  local reader=$1 trace=$2; shift 2
  timeout 300 "$M" sandbox --reader "$reader" --card "$(fresh_card)" --trace "$trace" -- "$@" 2>&1
}

for reader in ccid:GemPCTwin vpcd; do
  echo "== $reader: OpenSC, pkcs11-tool, openssl"
  T="$W/${reader//:/-}.jsonl"
  out=$(sandbox "$reader" "$T" sh -c "opensc-tool -n; pkcs15-tool --read-certificate 01 -o $W/cert.pem; $SIGN -o $W/sig.$reader")
  contains "$reader: opensc-tool names the card jpki" "$out" "jpki"
  check "$reader: pkcs15-tool reads the persona's certificate" cmp <(openssl x509 -in "$W/cert.pem" -outform DER) \
    <(openssl x509 -in "$ROOT/vectors/personas/yamada-taro/auth.pem" -outform DER)
  check "$reader: pkcs11-tool logs in and signs; openssl verifies" openssl dgst -sha256 -verify "$W/pub.pem" -signature "$W/sig.$reader" "$W/msg"
  out=$(sandbox "$reader" "$T" "$PY" "$ROOT/IntegrationTests/e2e/reader_paths.py" extended-read "$CERT_LENGTH")
  contains "$reader: one extended READ BINARY returns the whole certificate" "$out" "extended read $CERT_LENGTH bytes"
done
contains "ccid: T=1 chaining underneath, visible in the trace" "$(cat "$W/ccid-GemPCTwin.jsonl")" 'M 254 bytes'
contains "ccid: the trace has CCID messages at the reader level" "$(cat "$W/ccid-GemPCTwin.jsonl")" '"level":"reader"'

echo "== the JPKI and 券面 suites through each reader path"
for reader in ccid:GemPCTwin vpcd; do
  out=$(sandbox "$reader" "$W/suite.jsonl" "$M" suite "$ROOT/vectors/suites/jpki" "$ROOT/vectors/suites/jpki-kat" "$ROOT/vectors/suites/kenmen" \
    --persona "$ROOT/vectors/personas/yamada-taro" --reader 0 --report-dir "$W/reports-${reader//:/-}" --plain)
  contains "$reader: every case that fits the card passes" "$out" "249 passed, 0 failed"
done

echo "== mynasim read through vpcd"
out=$(sandbox vpcd "$W/read.jsonl" "$M" read --reader 0 --roots "$ROOT/vectors/personas/test-pki" --text-pin 5678 --verification-b 55021720352285)
contains "vpcd: mynasim read reads the My Number" "$out" "個人番号 (My Number): 123456789018"
if grep -q FAIL <<<"$out"; then fail "vpcd: and every check verifies" "$out"; else pass "vpcd: and every check verifies"; fi

echo "== SEC1210: two slots"
out=$(sandbox ccid:SEC1210 "$W/sec.jsonl" opensc-tool -l)
contains "SEC1210 shows its first reader" "$out" "mynasim SEC1210 00 00"
contains "and its second" "$out" "mynasim SEC1210 00 01"

echo "== GemPCPinPad: the PIN through the keypad"
out=$(sandbox ccid:GemPCPinPad "$W/pinpad.jsonl" sh -c "
  \"$M\" card configure --slot 0 --keypad '1234#' >/dev/null && \"$PY\" \"$ROOT/IntegrationTests/e2e/reader_paths.py\" pinpad-verify 9000 &&
  \"$M\" card configure --slot 0 --keypad '9999#' >/dev/null && \"$PY\" \"$ROOT/IntegrationTests/e2e/reader_paths.py\" pinpad-verify 63C2 &&
  \"$M\" status")
contains "FEATURE_VERIFY_PIN_DIRECT with the keypad's right PIN: 9000" "$out" "PIN pad verify: 9000"
contains "a wrong keypad entry: 63C2" "$out" "PIN pad verify: 63C2"
contains "and it cost a try" "$out" "jpki.auth-pin 2"

echo "== waiting-time extension"
out=$(sandbox ccid:GemPCTwin "$W/wtx.jsonl" sh -c "\"$M\" card configure --slot 0 --delay sign=2000000 >/dev/null && $SIGN -o $W/sig.wtx")
check "a 2 s signature (longer than the ATR's 1.43 s BWT) completes" openssl dgst -sha256 -verify "$W/pub.pem" -signature "$W/sig.wtx" "$W/msg"
contains "with S(WTX request) in the trace" "$(cat "$W/wtx.jsonl")" "S(WTX request"
out=$(sandbox ccid:GemPCTwin "$W/nowtx.jsonl" sh -c "\"$M\" card configure --slot 0 --delay sign=2000000 --no-wtx >/dev/null; $SIGN -o $W/sig.nowtx; echo exit=\$?")
contains "without WTX the driver gives up: the signature fails" "$out" "CKR_"
contains "and the trace says why" "$(cat "$W/nowtx.jsonl")" "no S(WTX request)"

echo "== transmission faults: recovered or reported the way the driver expects"
# fault OPTIONS EXPECTED-RESULT TRACE-TEXT [APDU]: the fault is set after the connect, then an APDU
# (SELECT EF 000A, or a 300-byte VERIFY that crosses the 254-byte IFSC) runs under it.
LONG_VERIFY="00200080 00012C $(printf '31%.0s' $(seq 300))"
fault() {
  local options=$1 expected=$2 text=$3 apdu=${4:-00A4020C02000A} after=${5:-9000} trace="$W/fault.$RANDOM.jsonl"
  out=$(sandbox ccid:GemPCTwin "$trace" env MYNASIM="$M" "$PY" "$ROOT/IntegrationTests/e2e/reader_paths.py" apdu-under-fault "$options" "${apdu// /}" "$expected")
  contains "$options: the client sees $expected" "$out" "result: $expected"
  contains "$options: then a reconnect with a reset gives $after" "$out" "after reconnect: $after"
  contains "$options: the trace shows it" "$(cat "$trace")" "$text"
}
fault "--corrupt-lrc 1" "9000" "corrupted the LRC"
fault "--repeat-wtx 3" "9000" "3 of 3 (fault)"
fault "--parity-error" "9000" "parity"
fault "--corrupt-answer-lrc" "9000" "corrupt the LRC"
fault "--drop-blocks 1" "Transaction failed" "dropped the answer"
fault "--nak-storm 1" "Transaction failed" "NAK"
# The driver's T=1 turns the reader's "card absent" into a communication error; the card is gone.
fault "--remove-during-chain" "Transaction failed" "removed the card in the middle of a chain" "$LONG_VERIFY" "No smart card"
out=$(sandbox ccid:GemPCTwin "$W/ifs.jsonl" sh -c "\"$M\" card configure --slot 0 --refuse-ifs >/dev/null; \"$PY\" \"$ROOT/IntegrationTests/e2e/reader_paths.py\" apdu 00A4020C02000A")
contains "--refuse-ifs: the connect fails after the driver's tries" "$out" "connect:"
contains "--refuse-ifs: the trace shows the refusals" "$(cat "$W/ifs.jsonl")" "(refused)"
echo "== vpcd: a removal and a restart of the driver side are survived"
TOP=$W; W="$TOP/vpcd-world"; mkdir -p "$W/readers.d"; SIM="$W/sim.sock"; W2=$W
PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
printf 'FRIENDLYNAME "mynasim vpcd"\nDEVICENAME /dev/null:%s\nLIBPATH /usr/lib/pcsc/drivers/serial/libifdvpcd.so\n' "$PORT" > "$W/readers.d/vpcd"
TARO=$(persona yamada-taro)
start_sim 1 --card "0=$TARO" --vpcd "127.0.0.1:$PORT"
export PCSCLITE_CSOCK_NAME="$W/pcscd.comm" MYNASIM_SOCKET="$W/sim.sock"
start_pcscd() { with_default_signals systemd-socket-activate -l "$PCSCLITE_CSOCK_NAME" pcscd --foreground --config "$W2/readers.d" >>"$W2/pcscd.log" 2>&1 & PCSCD_PID=$!; }
start_pcscd
check "the card connects out to vpcd and pcscd shows it" wait_for 15 sh -c 'timeout 10 opensc-tool -r 0 -n | grep -q jpki'
"$M" card remove --slot 0 >/dev/null
check "a removal is seen as an empty reader" wait_for 10 sh -c 'timeout 10 opensc-tool -l | grep -q "No .*mynasim vpcd 00 00"'
"$M" card insert --slot 0 "$TARO" >/dev/null
check "and a new insertion as a card" wait_for 10 sh -c 'timeout 10 opensc-tool -r 0 -n | grep -q jpki'
kill -INT "$PCSCD_PID"; "$PY" -c 'import socket,sys; socket.socket(socket.AF_UNIX).connect(sys.argv[1])' "$PCSCLITE_CSOCK_NAME" 2>/dev/null
wait "$PCSCD_PID" 2>/dev/null
out=$("$M" status); contains "with the driver gone the link keeps reconnecting" "$out" "connecting"
start_pcscd
check "after pcscd restarts the card is back" wait_for 15 sh -c 'timeout 10 opensc-tool -r 0 -n | grep -q jpki'
out=$("$M" status); contains "and mynasim status shows the link connected" "$out" "connected to vpcd at 127.0.0.1:$PORT"
stop_world; unset PCSCLITE_CSOCK_NAME MYNASIM_SOCKET; W=$TOP

echo "== differential: our handler and vpcd give the same verdicts and bytes"
for reader in handler vpcd; do
  sandbox "$reader" "$W/diff-$reader.jsonl" "$M" suite "$ROOT/vectors/suites/jpki" "$ROOT/vectors/suites/kenmen" \
    --persona "$ROOT/vectors/personas/yamada-taro" --reader 0 --report-dir "$W/diff-$reader" --name diff --record "$W/diff-$reader.trace" --plain >/dev/null
done
out=$("$PY" "$ROOT/IntegrationTests/e2e/compare_runs.py" "$W/diff-handler" "$W/diff-vpcd" "$W/diff-handler.trace" "$W/diff-vpcd.trace" 2>&1)
contains "identical verdicts for every case" "$out" "verdicts identical"
contains "identical response bytes for every deterministic command" "$out" "responses identical"

summary
