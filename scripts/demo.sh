#!/usr/bin/env bash
# The card working end to end, in-process: read the auth certificate, verify the PIN, sign, and
# let openssl check the signature and the chain. (`make demo` runs this after building.)
set -euo pipefail
cd "$(dirname "$0")/.."
M=.build/debug/mynasim
W=$(mktemp -d /tmp/mynasim-demo.XXXXXX)
trap 'rm -rf "$W"' EXIT
cp -r vectors/personas/yamada-taro "$W/card"; rm -f "$W/card/state.json"
bold() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

bold "The persona (a synthetic person; test PKI only)"
$M persona show "$W/card" | sed -n '1,12p'

SELECT_AP=00A4040C0AD392F000260100000001
bold "Read the 利用者証明用電子証明書 (auth certificate, EF 000A) in one extended READ BINARY"
resp=$($M apdu --card "$W/card" --atr $SELECT_AP 00A4020C02000A 00B00000000000 | tail -n 1)
echo "${resp:0:64}… (${#resp} hex digits, ends in ${resp: -4})"
echo "${resp:0:${#resp}-4}" | xxd -r -p > "$W/auth.der"
openssl x509 -inform DER -in "$W/auth.der" -noout -subject -issuer -enddate
openssl x509 -inform DER -in "$W/auth.der" -out "$W/auth.pem"
openssl verify -CAfile vectors/personas/test-pki/auth-ca.pem "$W/auth.pem"

bold "Retry counter, VERIFY the 4-digit PIN (1234), sign a SHA-256 DigestInfo"
printf 'mynasim demo challenge' > "$W/msg"
DI=3031300D060960864801650304020105000420$(openssl dgst -sha256 -binary "$W/msg" | xxd -p -c 64 | tr a-f A-F)
out=$($M apdu --card "$W/card" $SELECT_AP 00A4020C020018 00200080 0020008004$(printf 1234 | xxd -p) 00200080 00A4020C020017 802A008033${DI}00)
echo "$out" | head -n 5 | paste -sd' ' | sed 's/^/status words: /'
sig=$(echo "$out" | tail -n 1)
echo "${sig:0:512}" | xxd -r -p > "$W/sig"
openssl x509 -in "$W/auth.pem" -pubkey -noout > "$W/pub.pem"
openssl dgst -sha256 -verify "$W/pub.pem" -signature "$W/sig" "$W/msg"

bold "A wrong PIN costs a try, durably (state.json beside the persona)"
$M apdu --card "$W/card" $SELECT_AP 00A4020C020018 0020008004$(printf 0000 | xxd -p) | tail -n 1
$M persona show "$W/card" | grep 'jpki.auth-pin'
