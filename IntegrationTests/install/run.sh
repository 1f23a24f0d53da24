#!/usr/bin/env bash
# mynasim as a user gets it: `make install PREFIX=…` of the debug build (`make install` itself
# installs the release build; INSTALL_BUILD=debug keeps CI short), used from an unrelated
# directory with only the prefix's bin on PATH besides the system's, then `make uninstall`; then the
# same with the Debian package (dpkg -i, dpkg -r, dpkg -P; as root, and only if no mynasim package
# is installed already). Prints "N passed, M failed".
set -uo pipefail
source "$(dirname "$0")/../e2e/lib.sh"
W=$(mktemp -d /tmp/mynasim-install.XXXXXX)
cleanup() {
  [ -n "${QS_PID:-}" ] && { kill "$QS_PID" 2>/dev/null; wait "$QS_PID" 2>/dev/null; }
  [ -n "${MYNASIM_UP:-}" ] && mynasim down >/dev/null 2>&1
  [ -n "${DEB_INSTALLED:-}" ] && dpkg -P mynasim >/dev/null 2>&1
  rm -rf "$W"
}
trap cleanup EXIT
P11=/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so
SYSTEM_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
ADMIN=install-test-admin-token
# Nothing may lead the installed binary back to the source tree, other than its own fallback.
unset MYNASIM_DATA MYNASIM_HANDLER MYNASIM_IFD_HANDLER MYNASIM_SOCKET MYNASIM_UP PCSCLITE_CSOCK_NAME

# use_installed NAME BIN_DIR DATA_DIR: what a user does with an installed mynasim, from $W/NAME.
use_installed() {
  local name=$1 bin=$2 data=$3 home="$W/home-$1" saved_path=$PATH
  mkdir -p "$home"
  cd "$home" || return
  export PATH="$bin:$SYSTEM_PATH"
  check "$name: mynasim on PATH is the installed one" test "$(command -v mynasim)" = "$bin/mynasim"
  out=$(mynasim doctor 2>&1); local status=$?
  contains "$name: doctor finds the shipped personas under the prefix" "$out" "$data/personas (the install prefix of this binary)"
  contains "$name: doctor finds the handler under the prefix" "$out" "libifd-mynasim.so (the install prefix of this binary)"
  [ $status -eq 0 ] && pass "$name: doctor says everything required is there" || fail "$name: doctor says everything required is there" "$out"

  out=$(mynasim persona new --out cards/alice --auth-pin 4242 --sign-pin ALICE2026 2>&1)
  check "$name: persona new writes a persona here" test -f cards/alice/persona.yaml -a -f cards/test-pki/auth-ca.pem
  printf 'installed mynasim' > msg
  out=$(mynasim sandbox --card cards/alice -- pkcs11-tool --module "$P11" --login --pin 4242 --sign --mechanism SHA256-RSA-PKCS \
    --id 01 -i msg -o sig 2>&1)
  openssl x509 -in cards/alice/auth.pem -pubkey -noout > alice.pub
  check "$name: sandbox + pkcs11-tool sign, openssl verifies" openssl dgst -sha256 -verify alice.pub -signature sig msg

  cp -r "$data/personas/yamada-taro" cards/taro; rm -f cards/taro/state.json
  out=$(mynasim sandbox --card cards/taro -- mynasim suite jpki --reader 0 --report-dir reports --plain 2>&1); status=$?
  [ $status -eq 0 ] && pass "$name: suite jpki (the installed suite, by name) passes through pcscd" \
    || fail "$name: suite jpki (the installed suite, by name) passes through pcscd" "$(tail -n 5 <<<"$out")"
  out=$(mynasim client-check --profile qualification-check --fact method=pin --scenario normal --scenario one-pin-try-left \
    --report-dir reports -- sh -c "\"$PY\" \"$ROOT/IntegrationTests/clients/kakunin_app.py\" --method pin --pin \"\$MYNASIM_AUTH_PIN\"" 2>&1)
  status=$?
  [ $status -eq 0 ] && pass "$name: client-check with the installed profile, scenarios and personas" \
    || fail "$name: client-check with the installed profile, scenarios and personas" "$(tail -n 8 <<<"$out")"

  rm -f port
  mynasim qualification-service --port 0 --ready-file port --admin-token "$ADMIN" > qs.log 2>&1 &
  QS_PID=$!
  wait_for 20 test -s port || fail "$name: qualification-service starts with its defaults" "$(cat qs.log)"
  local url="http://127.0.0.1:$(cat port)"
  contains "$name: qualification-service seeds the installed personas" "$(cat qs.log)" "7 people"
  curl -s -X POST "$url/api/terminals" -H "X-Admin-Token: $ADMIN" -H 'Content-Type: application/json' \
    -d '{"name":"install test","password":"install-test-password"}' > terminal.json
  out=$(mynasim sandbox --card cards/taro -- mynasim kakunin --reader 0 --method pin --pin 1234 --service "$url" --terminal 1 \
    --password install-test-password 2>&1)
  contains "$name: kakunin through pcscd gets 資格あり from it" "$out" "資格あり"
  kill "$QS_PID"; wait "$QS_PID" 2>/dev/null; QS_PID=

  eval "$(mynasim up --card cards/alice --shell sh)"
  out=$("$PY" -c 'from smartcard.System import readers
c = readers()[0].createConnection(); c.connect()
print("select %02X%02X" % c.transmit(list(bytes.fromhex("00A4040C0AD392F000260100000001")))[1:])' 2>&1)
  contains "$name: up, then pyscard reaches the card" "$out" "select 9000"
  local up=${MYNASIM_UP:-none}
  eval "$(mynasim down --shell sh)"
  check "$name: down stops it and removes its directory" test ! -e "$up" -a -z "${MYNASIM_UP:-}"
  export PATH=$saved_path
  cd "$ROOT" || return
}

echo "== make install PREFIX=… (debug build)"
started=$SECONDS
check "make install PREFIX=$W/prefix" make -s -C "$ROOT" install PREFIX="$W/prefix" INSTALL_BUILD=debug
check "the handler, the data and the man pages are under the prefix" test -f "$W/prefix/lib/mynasim/libifd-mynasim.so" \
  -a -d "$W/prefix/share/mynasim/client-scenarios" -a -f "$W/prefix/share/man/man1/mynasim.sandbox.1"
check "man finds the installed pages" sh -c "MANPATH='$W/prefix/share/man' man -w mynasim.up"
check "the man pages keep the Japanese text (generate-manual writes ASCII only)" \
  grep -q '資格確認限定型' "$W/prefix/share/man/man1/mynasim.kakunin.1"
use_installed prefix "$W/prefix/bin" "$W/prefix/share/mynasim"
out=$(make -s -C "$ROOT" uninstall PREFIX="$W/prefix" 2>&1)
left=$(find "$W/prefix" 2>/dev/null)
[ -z "$left" ] && pass "make uninstall removes everything it installed (the prefix too)" \
  || fail "make uninstall removes everything it installed (the prefix too)" "$left"
echo "   (install test: $((SECONDS - started)) s)"

echo "== the Debian package (debug build)"
installed=$(dpkg-query -W -f='${db:Status-Status}' mynasim 2>/dev/null)
if [ "$(id -u)" -ne 0 ]; then
  echo "  skip  dpkg -i needs root"
elif [ -n "$installed" ] && [ "$installed" != not-installed ]; then
  echo "  skip  a mynasim package is installed already; not touching it"
else
  rm -rf "$ROOT/.build/deb"
  started=$SECONDS
  out=$(TEST_PACKAGE=1 make -s -C "$ROOT" deb INSTALL_BUILD=debug 2>&1); status=$?
  deb=$(ls "$ROOT"/.build/deb/mynasim_*-1_"$(dpkg --print-architecture)".deb 2>/dev/null | tail -n 1)
  [ $status -eq 0 ] && [ -f "$deb" ] && pass "make deb builds $(basename "$deb"), lintian clean" || fail "make deb" "$out"
  fields=$(dpkg-deb -f "$deb" Package Version Depends)
  contains "the package declares pcscd and the libraries the binary links" "$fields" "libpcsclite1"
  DEB_INSTALLED=1
  check "dpkg -i installs it" dpkg -i "$deb"
  check "the handler and its reader.conf.d entry are where pcsc-lite looks" \
    test -f /usr/lib/pcsc/drivers/serial/libifd-mynasim.so -a -f /etc/reader.conf.d/mynasim
  use_installed deb /usr/bin /usr/share/mynasim
  files=$(dpkg -L mynasim | while read -r f; do [ -f "$f" ] && echo "$f"; done)
  dpkg -r mynasim >/dev/null 2>&1
  left=$(for f in $files; do [ -e "$f" ] && echo "$f"; done)
  [ "$left" = /etc/reader.conf.d/mynasim ] && pass "dpkg -r removes every file but the conffile" || fail "dpkg -r removes every file but the conffile" "$left"
  dpkg -P mynasim >/dev/null 2>&1; DEB_INSTALLED=
  left=$(for f in $files; do [ -e "$f" ] && echo "$f"; done; ls -d /usr/share/mynasim /usr/lib/mynasim 2>/dev/null)
  [ -z "$left" ] && pass "dpkg -P leaves nothing behind" || fail "dpkg -P leaves nothing behind" "$left"
  echo "   (Debian package test: $((SECONDS - started)) s; $(basename "$deb"): $(du -k "$deb" | cut -f1) KiB)"
fi
summary
