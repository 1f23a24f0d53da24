#!/usr/bin/env bash
# The card working end to end: in-process first (read the auth certificate, verify the PIN, sign,
# openssl checks the chain and the signature), then through a private pcscd with OpenSC and the
# conformance suite. (`make demo` runs this after installing packages and building.)
set -euo pipefail
cd "$(dirname "$0")/.."
M=.build/debug/mynasim
W=$(mktemp -d /tmp/mynasim-demo.XXXXXX)
trap 'rm -rf "$W"' EXIT
cp -r vectors/personas/yamada-taro "$W/card"; rm -f "$W/card/state.json"
bold() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

bold "The persona (a synthetic person; test PKI only)"
$M persona show "$W/card" | sed -n '1,16p'

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

bold "Through pcscd: OpenSC uses the card in our virtual reader (mynasim sandbox)"
cp -r vectors/personas/yamada-taro "$W/card2"; rm -f "$W/card2/state.json"
P11=/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so
$M sandbox --card "$W/card2" -- sh -c "
  set -e
  opensc-tool -l
  echo \"card driver: \$(opensc-tool -r 0 -n)\"
  pkcs15-tool --list-certificates | grep -E 'X.509|Path|ID' | head -n 6
  pkcs15-tool --read-certificate 01 -o '$W/p15.pem' >/dev/null
  pkcs11-tool --module $P11 --login --pin 1234 --sign --mechanism SHA256-RSA-PKCS --id 01 -i '$W/msg' -o '$W/sig2'
"
openssl x509 -in "$W/p15.pem" -pubkey -noout > "$W/pub2.pem"
openssl dgst -sha256 -verify "$W/pub2.pem" -signature "$W/sig2" "$W/msg"

bold "mynasim read through pcscd: every AP, the card face, every signature checked"
mkdir -p reports/demo; cp -r vectors/personas/yamada-taro "$W/card4"; rm -f "$W/card4/state.json"
$M sandbox --card "$W/card4" -- $M read --reader 0 --roots vectors/personas/test-pki \
  --verification-b 55021720352285 --birth-date-key 550217 --photo reports/demo/face.jp2 | grep -vE '^EF|^  (JPKI|text|common|住基)'
echo "(the face photo, greyscale JPEG 2000: reports/demo/face.jp2)"

bold "The JPKI conformance suite through pcscd"
cp -r vectors/personas/yamada-taro "$W/card3"; rm -f "$W/card3/state.json"
$M sandbox --card "$W/card3" -- $M suite vectors/suites/jpki --reader 0 --report-dir reports/demo --plain | tail -n 4
echo "(open reports/demo/jpki.html in a browser)"
