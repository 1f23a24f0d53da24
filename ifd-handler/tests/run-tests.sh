#!/usr/bin/env bash
# run-tests.sh - tests of the mynasim IFD handler: build checks, the DEVICENAME parser, then a
# private pcscd (its own socket via systemd-socket-activate, so it coexists with any other pcscd)
# loading the handler, driven by pcsc_scan, opensc-tool and a pyscard client against the scripted
# fake simulator (tests/fakesim.py). The pcscd part runs twice: plain, and under valgrind.
#
# Needs: pcscd libpcsclite-dev pcsc-tools opensc python3-pyscard valgrind systemd gcc make.
# The reader attributes (SCardGetAttrib) are checked against simulator A, which sends a reader
# identity in HELLO_ACK, and B, which does not (an older simulator).
# Env: SKIP_VALGRIND=1 skips the valgrind pass; KEEP=1 keeps the work directory (logs).
# Prints "N passed, M failed" last; exits non-zero on any failure.
set -uo pipefail

T=$(cd "$(dirname "$0")" && pwd)
IFD=$(dirname "$T")
PY=/usr/bin/python3
W=$(mktemp -d /tmp/mynasim-ifd-tests.XXXXXX)
CLIENT="timeout 30 $PY $T/pcsc_client.py"   # a hung driver would hang a client forever
PASSED=0
FAILED=0
PCSCD_PID=
PCSCD_RC=
POKED=0
declare -A SIM_PID=()

# ------------------------------------------------------------------ helpers
pass() { PASSED=$((PASSED + 1)); printf '  ok    %s\n' "$1"; }
fail() {
  FAILED=$((FAILED + 1)); printf '  FAIL  %s\n' "$1"
  [ -n "${2:-}" ] && printf '%s\n' "$2" | head -15 | sed 's/^/        /'
  return 0
}
check() { # check NAME COMMAND...: passes when COMMAND exits 0
  local name=$1 out; shift
  if out=$("$@" 2>&1); then pass "$name"; else fail "$name" "$out"; fi
}
contains() { # contains NAME TEXT NEEDLE
  if grep -qF -- "$3" <<<"$2"; then pass "$1"; else fail "$1" "expected: $3"$'\n'"got: $2"; fi
}
has_line() { # has_line NAME TEXT LINE: TEXT has exactly this line
  if grep -qxF -- "$3" <<<"$2"; then pass "$1"; else fail "$1" "expected the line: $3"$'\n'"got: $2"; fi
}
# wait_for SECONDS COMMAND...: poll COMMAND every 20 ms until it succeeds
wait_for() {
  local deadline=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -ge $deadline ] && return 1
    sleep 0.02
  done
}
alive() { kill -0 "$1" 2>/dev/null; }

# start_sim NAME ARGS...: fakesim with control socket $W/ctlNAME
start_sim() {
  local name=$1; shift
  rm -f "$W/ready$name"
  $PY "$T/fakesim.py" serve "$@" --control "$W/ctl$name" --ready "$W/ready$name" >>"$W/sim$name.log" 2>&1 &
  SIM_PID[$name]=$!
  wait_for 10 test -e "$W/ready$name"
}
stop_sim() {
  local pid=${SIM_PID[$1]:-}
  [ -n "$pid" ] || return 0
  kill "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  SIM_PID[$1]=
}
sim() { timeout 15 $PY "$T/fakesim.py" ctl "$W/ctl$1" "${@:2}"; }   # sim NAME COMMAND ARGS...

# start_pcscd [WRAPPER...]: recipe B of pcsc-stack.md; waits (polling) until 4 readers are listed
start_pcscd() {
  export PCSCLITE_CSOCK_NAME="$W/pcscd.comm"
  rm -f "$PCSCLITE_CSOCK_NAME"
  systemd-socket-activate -l "$PCSCLITE_CSOCK_NAME" -E MYNASIM_IFD_DEBUG=1 \
    "$@" pcscd --foreground --config "$W/readers.d" >"$W/pcscd.log" 2>&1 &
  PCSCD_PID=$!
  wait_for 10 test -S "$PCSCLITE_CSOCK_NAME" || return 1
  chmod 666 "$PCSCLITE_CSOCK_NAME"
  # the first client makes systemd-socket-activate exec pcscd; readers are loaded before it accepts
  wait_for 60 sh -c 'timeout 10 pcsc_scan -r | grep -c "mynasim [AB] 0" | grep -qx 4'
}
# poke_pcscd: connect to the socket and hang up. pcscd 1.9.9 notices a SIGINT only when its
# main thread's select() returns: when the signal lands on another thread (it happens under
# valgrind and under load) pcscd waits for the next client. This is that client.
poke_pcscd() {
  $PY -c 'import socket, sys; s = socket.socket(socket.AF_UNIX); s.settimeout(2); s.connect(sys.argv[1])' \
    "$PCSCLITE_CSOCK_NAME" 2>/dev/null
}
# stop_pcscd: SIGINT by PID (orderly: IFDHCloseChannel), SIGKILL by PID only after 30 s
stop_pcscd() {
  POKED=0
  [ -n "$PCSCD_PID" ] || return 0
  if alive "$PCSCD_PID"; then
    # before the first client systemd-socket-activate has not exec'd pcscd yet, and a
    # background job of a script ignores SIGINT: only then use SIGTERM
    if [ "$(cat /proc/$PCSCD_PID/comm 2>/dev/null)" = "pcscd" ] || \
       grep -q valgrind "/proc/$PCSCD_PID/cmdline" 2>/dev/null; then
      kill -INT "$PCSCD_PID"
    else
      kill -TERM "$PCSCD_PID"
    fi
    local deadline=$((SECONDS + 30)) next_poke=$((SECONDS + 2))
    while alive "$PCSCD_PID" && [ $SECONDS -lt $deadline ]; do
      if [ $SECONDS -ge $next_poke ]; then poke_pcscd; POKED=$((POKED + 1)); next_poke=$((SECONDS + 2)); fi
      sleep 0.05
    done
    alive "$PCSCD_PID" && kill -KILL "$PCSCD_PID"
  fi
  wait "$PCSCD_PID" 2>/dev/null
  PCSCD_RC=$?
  PCSCD_PID=
}

cleanup() {
  stop_pcscd
  stop_sim A
  stop_sim B
  if [ -n "${KEEP:-}" ]; then echo "work directory kept: $W"; else rm -rf "$W"; fi
}
trap cleanup EXIT

free_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
ms_of() { awk '{print $1}' <<<"$1"; }      # first word of a client's output (a duration)
ms_below() { awk -v v="$1" -v max="$2" 'BEGIN { exit !(v + 0 < max + 0) }'; }

# The project version (mynasim --version), which the handler reports as SCARD_ATTR_VENDOR_IFD_VERSION
PROJECT_VERSION=$(sed -n 's/^ *version: "\([0-9][0-9.]*\)",*$/\1/p' "$IFD/../Sources/mynasim/Mynasim.swift" 2>/dev/null | head -n 1)
version_dword() { local a b c; IFS=. read -r a b c <<<"$1"; printf '0x%02X%02X%04X' "${a:-0}" "${b:-0}" "${c:-0}"; }
SERIAL_A=MNS-A-0001
FIRMWARE_A="fakesim 1.0 (mynasim tests)"

# ------------------------------------------------------------------ build
build_tests() {
  echo "== build (in a copy of the sources: the tree's .so may be loaded by a running pcscd)"
  local B="$W/src"
  mkdir -p "$B/tests"
  cp "$IFD"/Makefile "$IFD"/*.[ch] "$IFD"/exports.map "$IFD"/reader.conf.in "$B/"
  cp "$T/test_devname.c" "$T/test_attrib.c" "$B/tests/"
  if [ -n "$PROJECT_VERSION" ]; then
    contains "the Makefile reads the project version ($PROJECT_VERSION)" "$(make -s -C "$IFD" version)" "$PROJECT_VERSION"
  fi
  # the copy has no Swift sources next to it: pass the version along, as `make install` from the tree would read it
  local V=${PROJECT_VERSION:-0.0.0}
  check "make builds libifd-mynasim.so (-Wall -Wextra -Werror)" make -C "$B" MYNASIM_VERSION="$V"
  check "make clean removes it" sh -c "make -C '$B' clean >/dev/null && test ! -e '$B/libifd-mynasim.so'"
  check "make again" make -C "$B" MYNASIM_VERSION="$V"
  local needed exports
  needed=$(readelf -d "$B/libifd-mynasim.so" | awk '/NEEDED/ { gsub(/[][]/, "", $5); print $5 }' | sort | tr '\n' ' ')
  if [[ "$needed" =~ ^(libc\.so\.6\ |libpthread\.so\.0\ )+$ ]]; then
    pass "NEEDED is only libc (no libpcsclite): $needed"
  else
    fail "NEEDED is only libc (no libpcsclite)" "$needed"
  fi
  exports=$(nm -D --defined-only "$B/libifd-mynasim.so" | awk '{ print $3 }' | sort | tr '\n' ' ')
  contains "exports exactly the 10 IFDH* functions" "$exports" \
    "IFDHCloseChannel IFDHControl IFDHCreateChannel IFDHCreateChannelByName IFDHGetCapabilities IFDHICCPresence IFDHPowerICC IFDHSetCapabilities IFDHSetProtocolParameters IFDHTransmitToICC "
  check "make install DESTDIR=\$W/root PREFIX=" make -C "$B" install DESTDIR="$W/root" PREFIX=
  check "the driver lands in /usr/lib/pcsc/drivers/serial" test -f "$W/root/usr/lib/pcsc/drivers/serial/libifd-mynasim.so"
  local conf
  conf=$(cat "$W/root/etc/reader.conf.d/mynasim" 2>&1)
  contains "reader.conf.d/mynasim: DEVICENAME" "$conf" "DEVICENAME   mynasim:/run/mynasim/mynasim.sock"
  contains "reader.conf.d/mynasim: LIBPATH" "$conf" "LIBPATH      /usr/lib/pcsc/drivers/serial/libifd-mynasim.so"
  check "cc test_devname" cc -std=c11 -Wall -Wextra -Werror -o "$W/test_devname" "$B/tests/test_devname.c" "$B/devname.c"
  check "DEVICENAME parser table test" "$W/test_devname"
  check "cc test_attrib" cc -std=c11 -Wall -Wextra -Werror $(pkg-config --cflags libpcsclite) \
    -DMYNASIM_VERSION='"1.2.3"' -o "$W/test_attrib" "$B/tests/test_attrib.c" "$B/attrib.c" "$B/wire.c"
  check "reader identity and attribute table test" "$W/test_attrib"
  mkdir -p "$W/lib" "$W/readers.d"
  cp "$B/libifd-mynasim.so" "$W/lib/"
}

# ------------------------------------------------------------------ pcscd + fakesim
write_readers() { # A: unix, 2 slots, 1.5 s timeout. B: tcp, 2 slots (its simulator has 1)
  cat > "$W/readers.d/mynasim" <<CONF
FRIENDLYNAME "mynasim A"
DEVICENAME mynasim:$W/simA.sock@slots:2@timeout:1500
LIBPATH $W/lib/libifd-mynasim.so

FRIENDLYNAME "mynasim B"
DEVICENAME mynasim:tcp:127.0.0.1:$PORT@slots:2
LIBPATH $W/lib/libifd-mynasim.so
CONF
}
SIM_A_ARGS=()
SIM_B_ARGS=()

startup_tests() {
  local out mode=$1
  PORT=$(free_port)
  write_readers
  SIM_A_ARGS=(--socket "$W/simA.sock" --slots 2 --absent 1 --serial "$SERIAL_A" --firmware "$FIRMWARE_A")
  SIM_B_ARGS=(--tcp "127.0.0.1:$PORT" --slots 1 --atr 3B80800101 --extended 0)
  start_sim A "${SIM_A_ARGS[@]}" || { fail "fakesim A starts"; return 1; }
  if [ "$mode" = valgrind ]; then
    start_sim B "${SIM_B_ARGS[@]}" || { fail "fakesim B starts"; return 1; }
    if start_pcscd valgrind --leak-check=full --error-exitcode=99 --keep-debuginfo=yes \
        --suppressions="$T/pcscd-valgrind.supp" --log-file="$W/valgrind.log"; then
      pass "pcscd under valgrind lists the 4 mynasim readers"
    else
      fail "pcscd under valgrind lists the 4 mynasim readers" "$(tail -20 "$W/pcscd.log")"; return 1
    fi
    check "B 01 00 has a card" $CLIENT wait "B 01 00" present 5000
    return 0
  fi
  # plain run: B's simulator is absent when pcscd loads the readers
  if start_pcscd; then
    pass "pcscd starts with B's simulator absent and lists the 4 mynasim readers"
  else
    fail "pcscd starts and lists the 4 mynasim readers" "$(tail -20 "$W/pcscd.log")"; return 1
  fi
  out=$(timeout 10 pcsc_scan -r 2>&1)
  contains "pcsc_scan -r: mynasim A 00 01" "$out" "mynasim A 00 01"
  contains "pcsc_scan -r: mynasim B 01 01 (second reader.conf entry, own Lun)" "$out" "mynasim B 01 01"
  out=$(timeout 10 pcsc_scan -c 2>&1)
  contains "pcsc_scan -c: A 00 00 shows the JPKI ATR" "$(grep -A3 'mynasim A 00 00' <<<"$out")" "ATR: 3B E0 00 FF 81 31 FE 45 14"
  contains "pcsc_scan -c: A 00 01 is empty" "$(grep -A2 'mynasim A 00 01' <<<"$out")" "Card removed"
  contains "pcsc_scan -c: B 01 00 is empty while its simulator is absent" "$(grep -A2 'mynasim B 01 00' <<<"$out")" "Card removed"
  start_sim B "${SIM_B_ARGS[@]}" || { fail "fakesim B starts"; return 1; }
  out=$($CLIENT wait "B 01 00" present 3000 2>&1)
  if [ $? -eq 0 ] && ms_below "$(ms_of "$out")" 1000; then
    pass "B 01 00 shows its card $(ms_of "$out") ms after the simulator started (tcp)"
  else
    fail "B 01 00 shows its card within 1 s of the simulator starting" "$out"
  fi
  check "B 01 01 (a slot its simulator lacks) shows no card" $CLIENT wait "B 01 01" empty 1000
}

tool_tests() {
  local out
  echo "== opensc-tool"
  out=$(timeout 20 opensc-tool -l 2>&1)
  contains "opensc-tool -l lists A 00 00 with a card" "$(grep 'mynasim A 00 00' <<<"$out")" "Yes"
  out=$(timeout 20 opensc-tool -r 0 -a 2>&1)
  contains "opensc-tool -a: ATR of A 00 00" "$out" "3b:e0:00:ff:81:31:fe:45:14"
  out=$(timeout 20 opensc-tool -r 2 -a 2>&1)
  contains "opensc-tool -a: ATR of B 01 00" "$out" "3b:80:80:01:01"
  out=$(timeout 20 opensc-tool -r 0 -s 0084000008 2>&1)
  contains "opensc-tool -s GET CHALLENGE: 9000" "$out" "SW1=0x90, SW2=0x00"
}

apdu_tests() {
  local out
  echo "== pyscard: transmit"
  out=$($CLIENT transmit "A 00 00" 0084000008 00A4040C0AD392F000260100000001 00CA000000 2>&1)
  if [[ $(sed -n 1p <<<"$out") =~ ^RESP\ [0-9A-F]{16}9000$ ]]; then pass "GET CHALLENGE: 8 bytes + 9000"; else fail "GET CHALLENGE: 8 bytes + 9000" "$out"; fi
  contains "SELECT JPKI AP: 9000" "$(sed -n 2p <<<"$out")" "RESP 9000"
  contains "unknown INS: 6D00 (relayed as is)" "$(sed -n 3p <<<"$out")" "RESP 6D00"
  out=$($CLIENT echo "A 00 00" 255 2>&1); contains "short ECHO of 255 bytes" "$out" "match"
  out=$($CLIENT echo "B 01 00" 65535 2>&1); contains "extended ECHO of 65535 bytes (65544-byte C-APDU, 65537-byte R-APDU)" "$out" "response 65537 bytes, match"

  echo "== pyscard: SCardControl FEATURE_GET_TLV_PROPERTIES"
  out=$($CLIENT maxdata "A 00 00" 2>&1); contains "A (extended flag off): dwMaxAPDUDataSize 0, wLcdLayout 0" "$out" "dwMaxAPDUDataSize=0 wLcdLayout=0000"
  sim A extended 0 1 >/dev/null
  if wait_for 3 sh -c "$CLIENT maxdata 'A 00 00' | grep -q dwMaxAPDUDataSize=65535"; then
    pass "A after the simulator sets the extended flag: dwMaxAPDUDataSize 65535"
  else fail "A after the simulator sets the extended flag: dwMaxAPDUDataSize 65535" "$($CLIENT maxdata 'A 00 00' 2>&1)"; fi
  sim A extended 0 0 >/dev/null
  wait_for 3 sh -c "$CLIENT maxdata 'A 00 00' | grep -q dwMaxAPDUDataSize=0"
  sim A nopart10 0 1 >/dev/null
  if wait_for 3 sh -c "$CLIENT maxdata 'A 00 00' 2>&1 | grep -q 0x8010001F"; then
    pass "A with flag bit 3 (no part 10): GET_FEATURE_REQUEST not supported (0x8010001F)"
  else fail "A with flag bit 3 (no part 10): GET_FEATURE_REQUEST not supported (0x8010001F)" "$($CLIENT maxdata 'A 00 00' 2>&1)"; fi
  sim A nopart10 0 0 >/dev/null
  wait_for 3 sh -c "$CLIENT maxdata 'A 00 00' | grep -q dwMaxAPDUDataSize=0"
  out=$($CLIENT maxdata "B 01 00" 2>&1)
  if [ "$1" = plain ]; then contains "B (extended flag on, tcp): dwMaxAPDUDataSize 65535" "$out" "dwMaxAPDUDataSize=65535"; fi
}

presence_tests() {
  local out
  echo "== insert / remove seen through SCardGetStatusChange"
  out=$($CLIENT cycle "A 00 01" "$W/ctlA" 1 "$2" 2>&1)
  if [ $? -eq 0 ]; then pass "A 00 01: $out"; else fail "A 00 01 insert/remove each seen within 1 s" "$out"; fi
  sim A present 1 1 >/dev/null
  check "A 00 01 card present again" $CLIENT wait "A 00 01" present 3000
}

mute_tests() {
  local out
  echo "== mute card, slots in parallel"
  sim A mute 0 1 >/dev/null
  out=$($CLIENT fail "A 00 00" 0084000008 3000 2>&1)
  if [ $? -eq 0 ] && ! ms_below "$(ms_of "$out")" 1400; then
    pass "mute card: transmit fails after the 1.5 s timeout ($(ms_of "$out") ms)"
  else fail "mute card: transmit fails after the 1.5 s timeout (1.4-3 s)" "$out"; fi
  sim A mute 0 0 >/dev/null
  check "A 00 00 recovers after the timeout (card back)" $CLIENT wait "A 00 00" present 3000
  check "A 00 00 transmits again" $CLIENT transmit "A 00 00" 0084000008
  if [ "$1" = plain ]; then
    sim A mute 1 1 >/dev/null
    out=$($CLIENT parallel "A 00 01" "A 00 00" 100 2>&1)
    if [ $? -eq 0 ]; then pass "slot 00 works while slot 01 is stuck ($out)"; else fail "slot 00 works while slot 01 is stuck on a mute card" "$out"; fi
    sim A mute 1 0 >/dev/null
    check "A 00 01 recovers" $CLIENT wait "A 00 01" present 3000
  fi
}

crash_tests() {
  local out t0
  echo "== simulator dies mid-APDU, then restarts"
  sim A die-next 0 >/dev/null
  out=$($CLIENT fail "A 00 00" 0084000008 1000 2>&1)
  if [ $? -eq 0 ]; then pass "transmit fails at once when the simulator dies mid-APDU ($(ms_of "$out") ms)"
  else fail "transmit fails at once when the simulator dies mid-APDU" "$out"; fi
  wait "${SIM_PID[A]}" 2>/dev/null; SIM_PID[A]=
  check "A 00 00 shows no card" $CLIENT wait "A 00 00" empty 2000
  check "A 00 01 shows no card" $CLIENT wait "A 00 01" empty 2000
  check "pcscd is still running" alive "$PCSCD_PID"
  start_sim A "${SIM_A_ARGS[@]}" || fail "fakesim A restarts"
  out=$($CLIENT wait "A 00 00" present 3000 2>&1)
  if [ $? -eq 0 ] && ms_below "$(ms_of "$out")" 1000; then
    pass "A 00 00 shows the card $(ms_of "$out") ms after the simulator is back"
  else fail "A 00 00 shows the card within 1 s of the simulator restarting" "$out"; fi
  check "A 00 00 transmits after the restart" $CLIENT transmit "A 00 00" 0084000008
}

frozen_tests() {
  local out t0
  echo "== frozen simulator (SIGSTOP): bounded waits, pcscd stays responsive"
  kill -STOP "${SIM_PID[A]}"
  out=$($CLIENT fail "A 00 00" 0084000008 3000 2>&1)
  if [ $? -eq 0 ] && ! ms_below "$(ms_of "$out")" 1400; then
    pass "transmit to a frozen simulator fails after the 1.5 s timeout ($(ms_of "$out") ms)"
  else fail "transmit to a frozen simulator fails after the 1.5 s timeout" "$out"; fi
  check "A 00 00 shows no card" $CLIENT wait "A 00 00" empty 2000
  t0=$(date +%s%N)
  out=$(timeout 10 pcsc_scan -r 2>&1)
  if grep -q "mynasim A 00 00" <<<"$out" && [ $(( ($(date +%s%N) - t0) / 1000000 )) -lt 2000 ]; then
    pass "pcsc_scan -r answers at once while HELLOs to the frozen simulator time out"
  else fail "pcsc_scan -r answers at once while the simulator is frozen" "$out"; fi
  kill -CONT "${SIM_PID[A]}"
  check "A 00 00 recovers when the simulator thaws" $CLIENT wait "A 00 00" present 4000
  check "A 00 00 transmits again" $CLIENT transmit "A 00 00" 0084000008
}

# attrib_tests MODE: every reader attribute through SCardGetAttrib, and the part 10 properties
attrib_tests() {
  local out v=${PROJECT_VERSION:-0.0.0} mode=$1
  echo "== pyscard: SCardGetAttrib (A sends a reader identity in HELLO_ACK, B's simulator does not)"
  out=$($CLIENT attrib "A 00 00" shared 2>&1)
  contains "A 00 00: VENDOR_NAME mynasim" "$out" 'VENDOR_NAME=str:"mynasim"/8'
  contains "A 00 00: VENDOR_IFD_TYPE Virtual Reader" "$out" 'VENDOR_IFD_TYPE=str:"Virtual Reader"/15'
  contains "A 00 00: VENDOR_IFD_VERSION $v as 0xMMmmbbbb" "$out" "VENDOR_IFD_VERSION=dword:$(version_dword "$v")"
  contains "A 00 00: VENDOR_IFD_SERIAL_NO from HELLO_ACK" "$out" "VENDOR_IFD_SERIAL_NO=str:\"$SERIAL_A\"/$((${#SERIAL_A} + 1))"
  contains "A 00 00: CHANNEL_ID vendor-defined unix channel, slot 0" "$out" "CHANNEL_ID=dword:0x00F00000"
  contains "A 00 00: MAXINPUT 65544" "$out" "MAXINPUT=dword:0x00010008"
  contains "A 00 00: ICC_PRESENCE 2" "$out" "ICC_PRESENCE=hex:02"
  contains "A 00 00: ICC_INTERFACE_STATUS 1" "$out" "ICC_INTERFACE_STATUS=hex:01"
  contains "A 00 00: ATR_STRING" "$out" "ATR_STRING=hex:3BE000FF8131FE4514"
  contains "A 00 00: CURRENT_PROTOCOL_TYPE T=1" "$out" "CURRENT_PROTOCOL_TYPE=dword:0x00000002"
  contains "A 00 00: DEVICE_FRIENDLY_NAME (pcscd's own)" "$out" 'DEVICE_FRIENDLY_NAME=str:"mynasim A 00 00"'
  contains "A 00 00: CHARACTERISTICS not supported" "$out" "CHARACTERISTICS=!SCARD_E_UNSUPPORTED_FEATURE"
  out=$($CLIENT attrib "A 00 01" direct 2>&1)
  contains "A 00 01 (empty): ICC_PRESENCE 0" "$out" "ICC_PRESENCE=hex:00"
  contains "A 00 01 (empty): ICC_INTERFACE_STATUS 0" "$out" "ICC_INTERFACE_STATUS=hex:00"
  has_line "A 00 01 (empty): ATR_STRING empty" "$out" "ATR_STRING=hex:"
  contains "A 00 01 (empty): CURRENT_PROTOCOL_TYPE 0" "$out" "CURRENT_PROTOCOL_TYPE=dword:0x00000000"
  contains "A 00 01: CHANNEL_ID slot 1" "$out" "CHANNEL_ID=dword:0x00F00001"
  contains "A 00 01: the same serial (one simulator)" "$out" "VENDOR_IFD_SERIAL_NO=str:\"$SERIAL_A\""
  out=$($CLIENT attrib "B 01 00" shared 2>&1)
  contains "B 01 00 (no identity in HELLO_ACK): VENDOR_IFD_SERIAL_NO not supported" "$out" \
    "VENDOR_IFD_SERIAL_NO=!SCARD_E_UNSUPPORTED_FEATURE"
  contains "B 01 00: CHANNEL_ID vendor-defined tcp channel, slot 0" "$out" "CHANNEL_ID=dword:0x00F10000"
  contains "B 01 00: VENDOR_NAME" "$out" 'VENDOR_NAME=str:"mynasim"/8'
  contains "B 01 00: ATR_STRING" "$out" "ATR_STRING=hex:3B80800101"
  out=$($CLIENT props "A 00 00" 2>&1)
  contains "A: part 10 sFirmwareID from HELLO_ACK" "$out" "sFirmwareID=str:\"$FIRMWARE_A\""
  contains "A: part 10 wIdVendor FFFF" "$out" "wIdVendor=0xFFFF"
  contains "A: part 10 wIdProduct 0001" "$out" "wIdProduct=0x1"
  contains "A: part 10 dwMaxAPDUDataSize 0 (extended flag off)" "$out" "dwMaxAPDUDataSize=0x0"
  out=$($CLIENT props "B 01 00" 2>&1)
  if grep -q sFirmwareID <<<"$out"; then fail "B: no sFirmwareID without an identity" "$out"
  else pass "B: no sFirmwareID without an identity"; fi
  contains "B: part 10 dwMaxAPDUDataSize 65535 (extended flag on)" "$out" "dwMaxAPDUDataSize=0xFFFF"
  out=$(sim A stats | $PY -c 'import json, sys; s = json.loads(sys.stdin.read()[3:])
print(s["hello_identity"], s["hello_command"] + s["hello_event"])')
  if [ "${out% *}" -ge 2 ] && [ "${out% *}" = "${out#* }" ]; then
    pass "every HELLO of the handler asks for the identity (feature bit 0): ${out% *} of ${out#* }"
  else fail "every HELLO of the handler asks for the identity (feature bit 0)" "$out"; fi
  [ "$mode" = plain ] || return 0

  echo "== reader identity: changed, malformed, gone"
  # a new identity is seen once the handler reconnects (a broken event frame drops both links)
  sim A identity "$(printf '0107%s' "$(printf 'MNS-NEW' | xxd -p)")" >/dev/null
  sim A event-malformed 0 badtype >/dev/null
  if wait_for 5 sh -c "$CLIENT attrib 'A 00 00' shared | grep -q 'VENDOR_IFD_SERIAL_NO=str:\"MNS-NEW\"'"; then
    pass "a new serial after the simulator changed its identity and the link was re-established"
  else fail "a new serial after the simulator changed its identity" "$($CLIENT attrib 'A 00 00' shared 2>&1)"; fi
  out=$($CLIENT props "A 00 00" 2>&1)
  if grep -q sFirmwareID <<<"$out"; then fail "no sFirmwareID once the simulator sends none" "$out"
  else pass "no sFirmwareID once the simulator sends none"; fi
  # a truncated identity TLV makes HELLO_ACK malformed: the slot shows no card until it is fixed
  local before
  before=$(grep -c "(malformed frame); retrying" "$W/pcscd.log")
  sim A identity 0105414243 >/dev/null
  sim A event-malformed 0 badtype >/dev/null
  if wait_for 5 sh -c "[ \$(grep -c '(malformed frame); retrying' '$W/pcscd.log') -gt $before ]"; then
    pass "a HELLO_ACK with a malformed identity is refused (pcscd.log: cannot reach the simulator, malformed frame)"
  else fail "a HELLO_ACK with a malformed identity is refused" "$(tail -5 "$W/pcscd.log")"; fi
  check "A 00 00 shows no card while the simulator's identity is malformed" $CLIENT wait "A 00 00" empty 3000
  sim A identity - >/dev/null
  check "A 00 00 comes back with an identity-less HELLO_ACK" $CLIENT wait "A 00 00" present 3000
  out=$($CLIENT attrib "A 00 00" shared 2>&1)
  contains "A 00 00: VENDOR_IFD_SERIAL_NO not supported once the simulator sends none" "$out" \
    "VENDOR_IFD_SERIAL_NO=!SCARD_E_UNSUPPORTED_FEATURE"
  sim A identity "$(printf '01%02X%s02%02X%s' ${#SERIAL_A} "$(printf %s "$SERIAL_A" | xxd -p)" \
    ${#FIRMWARE_A} "$(printf %s "$FIRMWARE_A" | xxd -p -c 256)")" >/dev/null
  sim A event-malformed 0 badtype >/dev/null
  check "A 00 00 back with its identity" sh -c "$CLIENT wait 'A 00 00' present 3000 && \
    $CLIENT attrib 'A 00 00' shared | grep -q 'VENDOR_IFD_SERIAL_NO=str:\"$SERIAL_A\"'"
}

malformed_tests() {
  local out kind
  echo "== malformed frames"
  for kind in $1; do
    sim A malformed 0 "$kind" >/dev/null
    out=$($CLIENT fail "A 00 00" 0084000008 1000 2>&1)
    if [ $? -eq 0 ]; then pass "reply '$kind': transmit fails at once ($(ms_of "$out") ms)"; else fail "reply '$kind': transmit fails at once" "$out"; fi
    check "reply '$kind': slot recovers and transmits" sh -c "$CLIENT wait 'A 00 00' present 3000 && $CLIENT transmit 'A 00 00' 0084000008"
  done
  for kind in $2; do
    sim A event-malformed 0 "$kind" >/dev/null
    check "event frame '$kind': slot recovers and transmits" sh -c "$CLIENT wait 'A 00 00' present 3000 && $CLIENT transmit 'A 00 00' 0084000008"
  done
  check "pcscd is still running" alive "$PCSCD_PID"
}

idle_tests() {
  local a1 a2 b1 b2
  echo "== presence is local (no polling round trips)"
  # pcscd itself may power an unused card down (POWER_OFF) after its grace period: not counted
  a1=$(sim A stats | sed 's/"POWER_OFF": [0-9]*//'); b1=$(sim B stats)
  for _ in 1 2 3; do timeout 10 pcsc_scan -c >/dev/null 2>&1; done
  sleep 1      # observe one idle second (not a wait for readiness)
  a2=$(sim A stats | sed 's/"POWER_OFF": [0-9]*//'); b2=$(sim B stats)
  if [ "$a1" = "$a2" ]; then pass "simulator A saw no request and no reconnection in an idle second with 3 pcsc_scan -c runs"
  else fail "simulator A saw no request while idle" "$a1"$'\n'"$a2"; fi
  contains "the handler never polls with STATUS" "$a2" '"STATUS": 0'
  local c1 c2
  c1=$($PY -c 'import json,sys; print(json.loads(sys.argv[1][3:])["connections"])' "$b1")
  c2=$($PY -c 'import json,sys; print(json.loads(sys.argv[1][3:])["connections"])' "$b2")
  if [ $((c2 - c1)) -ge 2 ] && [ $((c2 - c1)) -le 8 ]; then
    pass "slot B 01 01 (refused by its simulator) retries every 250 ms: $((c2 - c1)) connects in ~1 s"
  else fail "slot B 01 01 retries every 250 ms (2-8 connects in ~1 s)" "$c1 -> $c2"; fi
}

shutdown_tests() {
  local mode=$1
  echo "== SIGINT"
  stop_pcscd
  [ "$POKED" -gt 0 ] && echo "  note  pcscd noticed SIGINT only after $POKED client poke(s) (see poke_pcscd)"
  local closes
  closes=$(grep -c 'mynasim-ifd\[[0-9A-F]*\]: close' "$W/pcscd.log")
  if [ "$closes" -eq 4 ]; then pass "pcscd stopped by SIGINT calls IFDHCloseChannel for the 4 slots"
  else fail "pcscd stopped by SIGINT calls IFDHCloseChannel for the 4 slots" "$closes close lines"; fi
  if grep -qiE 'segfault|sigsegv|abort|stack smashing|double free' "$W/pcscd.log"; then
    fail "no crash in pcscd.log" "$(grep -iE 'segfault|sigsegv|abort' "$W/pcscd.log")"
  else pass "no crash in pcscd.log"; fi
  if [ "$mode" = plain ]; then
    if [ "$PCSCD_RC" = 1 ]; then pass "pcscd exit code 1 (normal after SIGINT)"; else fail "pcscd exit code 1 after SIGINT" "rc=$PCSCD_RC"; fi
    return
  fi
  local summary ours
  summary=$(grep -E 'ERROR SUMMARY|definitely lost:|indirectly lost:|possibly lost:' "$W/valgrind.log" | sed 's/^==[0-9]*== *//')
  ours=$(grep -cE 'libifd-mynasim|ifdhandler\.c|wire\.c|devname\.c' "$W/valgrind.log")
  if [ "$PCSCD_RC" = 1 ] && [ "$ours" -eq 0 ]; then
    pass "valgrind: no errors, no leaks from libifd-mynasim.so ($(tr '\n' ';' <<<"$summary"))"
  else
    fail "valgrind: no errors, no leaks from libifd-mynasim.so (rc=$PCSCD_RC, $ours lines name our code)" \
      "$summary"$'\n'"$(grep -B2 -A12 -E 'libifd-mynasim|ifdhandler\.c|wire\.c' "$W/valgrind.log" | head -40)"
  fi
}

run_pcscd_suite() { # plain | valgrind
  local mode=$1
  echo "== $mode pcscd: private socket, readers A (unix) and B (tcp)"
  rm -f "$W/pcscd.log" "$W/valgrind.log"
  if startup_tests "$mode"; then
    if [ "$mode" = plain ]; then
      tool_tests
      apdu_tests plain
      attrib_tests plain
      presence_tests plain 10
      mute_tests plain
      crash_tests
      frozen_tests
      malformed_tests "oversize huge badtype wrongslot short atr" "oversize badtype longstate"
      idle_tests
    else
      apdu_tests valgrind
      attrib_tests valgrind
      presence_tests valgrind 3
      mute_tests valgrind
      crash_tests
      malformed_tests "oversize huge badtype" "oversize"
    fi
  fi
  shutdown_tests "$mode"
  stop_sim A
  stop_sim B
}

# ------------------------------------------------------------------ main
START=$SECONDS
build_tests
if [ -f "$W/lib/libifd-mynasim.so" ]; then
  run_pcscd_suite plain
  if [ -z "${SKIP_VALGRIND:-}" ]; then run_pcscd_suite valgrind; fi
fi
echo
echo "($((SECONDS - START)) s)"
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
