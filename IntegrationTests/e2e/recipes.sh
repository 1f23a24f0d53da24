#!/usr/bin/env bash
# docs/recipes.md, exercised: one `mynasim up` world, then OpenSC's PKCS#11 module in NSS (a TLS 1.2
# client authentication as Firefox makes it), OpenSSL's pkcs11 engine for TLS client authentication
# (and the "mechanism invalid" a PSS-only server gets), ssh-keygen -D / ssh -I against a private
# sshd, and pyscard / scriptor at the APDU level. Prints "N passed, M failed".
set -uo pipefail
source "$(dirname "$0")/lib.sh"
W=$(mktemp -d /tmp/mynasim-recipes.XXXXXX)
SERVERS=()
cleanup() {
  for pid in "${SERVERS[@]}"; do kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
  [ -n "${MYNASIM_UP:-}" ] && "$M" down >/dev/null 2>&1
  rm -rf "$W"
}
trap cleanup EXIT
P11=/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so
ENGINE=/usr/lib/x86_64-linux-gnu/engines-3/pkcs11.so
free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
listening() { "$PY" -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1)' "$1"; }
# tls_server PORT [s_server options…]: a TLS 1.2 server that asks for a client certificate from the test auth CA.
tls_server() {
  local port=$1; shift
  openssl s_server -accept "127.0.0.1:$port" -cert "$W/server.pem" -key "$W/server.key" -CAfile "$CARD/auth-ca.pem" \
    -Verify 2 -verify_return_error -tls1_2 -www "$@" >"$W/s_server.$port.log" 2>&1 &
  SERVERS+=($!)
  wait_for 10 listening "$port"
}
GET=$'GET / HTTP/1.0\r\n\r\n'

echo "== mynasim up"
CARD=$(persona yamada-taro)
eval "$("$M" up --card "$CARD" --shell sh)"
check "eval \"\$(mynasim up)\" sets PCSCLITE_CSOCK_NAME, MYNASIM_SOCKET and MYNASIM_UP" \
  test -S "$PCSCLITE_CSOCK_NAME" -a -S "$MYNASIM_SOCKET" -a -d "$MYNASIM_UP"
out=$("$M" status 2>&1); contains "mynasim status finds it" "$out" "mynasim up: pid"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$W/server.key" -out "$W/server.pem" -subj /CN=localhost -days 2 \
  -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" 2>/dev/null
printf 'mynasim recipes' > "$W/msg"

echo "== NSS (Firefox's way): OpenSC's module in a certificate database"
mkdir "$W/nss"; echo 1234 > "$W/pin"
certutil -N -d "sql:$W/nss" --empty-password
check "modutil -add loads the module" modutil -dbdir "sql:$W/nss" -add "mynasim (OpenSC)" -libfile "$P11" -force
out=$(modutil -dbdir "sql:$W/nss" -list 2>&1); contains "modutil -list shows the card's token" "$out" "JPKI (User Authentication PIN)"
out=$(certutil -L -d "sql:$W/nss" -h "JPKI (User Authentication PIN)" -f "$W/pin" 2>&1)
contains "certutil -L lists the authentication certificate" "$out" "JPKI (User Authentication PIN):User Authentication Certificate"
out=$(certutil -K -d "sql:$W/nss" -h "JPKI (User Authentication PIN)" -f "$W/pin" 2>&1)
contains "certutil -K lists its key once logged in" "$out" "User Authentication Key"
certutil -A -d "sql:$W/nss" -n "test server" -t "P,," -i "$W/server.pem"
PORT=$(free_port); tls_server "$PORT"
out=$(printf '%s' "$GET" | timeout 30 tstclnt -h 127.0.0.1 -p "$PORT" -d "sql:$W/nss" -V tls1.2:tls1.2 -W "$W/pin" \
  -n "JPKI (User Authentication PIN):User Authentication Certificate" 2>&1)
contains "tstclnt authenticates with the card's key (TLS 1.2)" "$out" "HTTP/1.0 200 ok"
contains "and the server verified the card's certificate against the test CA" "$(cat "$W/s_server.$PORT.log")" "depth=0 C = JP"

echo "== OpenSSL's pkcs11 engine: TLS client authentication"
pkcs11-tool --module "$P11" --read-object --type cert --id 01 -o "$W/auth.der" >/dev/null 2>&1
openssl x509 -inform DER -in "$W/auth.der" -out "$W/auth.pem"
check "the certificate read through PKCS#11 is the persona's" cmp "$W/auth.der" <(openssl x509 -in "$CARD/auth.pem" -outform DER)
cat > "$W/openssl.cnf" <<CNF
openssl_conf = init
[init]
engines = engines
[engines]
pkcs11 = pkcs11_section
[pkcs11_section]
engine_id = pkcs11
dynamic_path = $ENGINE
MODULE_PATH = $P11
init = 0
CNF
KEY="pkcs11:token=JPKI%20(User%20Authentication%20PIN);object=User%20Authentication%20Key;type=private?pin-value=1234"
s_client() { printf '%s' "$GET" | OPENSSL_CONF="$W/openssl.cnf" timeout 30 openssl s_client -connect "127.0.0.1:$1" -engine pkcs11 \
  -keyform engine -key "$KEY" -cert "$W/auth.pem" -CAfile "$W/server.pem" -quiet "${@:2}" 2>&1; }
PORT=$(free_port); tls_server "$PORT" -client_sigalgs "RSA+SHA256:RSA+SHA384:RSA+SHA512"
out=$(s_client "$PORT"); contains "a server that offers RSA PKCS#1 signatures accepts the card" "$out" "HTTP/1.0 200 ok"
PORT=$(free_port); tls_server "$PORT"
out=$(s_client "$PORT" -sigalgs "RSA+SHA256:RSA+SHA384:RSA+SHA512")
contains "a default server (PSS first) accepts it when the client offers only RSA PKCS#1" "$out" "HTTP/1.0 200 ok"
out=$(s_client "$PORT"); contains "without that, OpenSSL picks PSS and the token answers mechanism invalid" "$out" "Mechanism invalid"
PORT=$(free_port); tls_server "$PORT" -client_sigalgs "RSA-PSS+SHA256:RSA-PSS+SHA384"
out=$(s_client "$PORT"); contains "a server that offers only PSS: mechanism invalid" "$out" "Mechanism invalid"

echo "== OpenSSH: ssh-keygen -D and ssh -I"
out=$(ssh-keygen -D "$P11" 2>/dev/null | grep 'User Authentication Public Key')
out_key=$out
ssh-keygen -i -m PKCS8 -f <(openssl x509 -in "$CARD/auth.pem" -pubkey -noout) > "$W/expected.pub"
contains "ssh-keygen -D prints the card's authentication key" "$out" "$(cut -d' ' -f2 "$W/expected.pub")"
if [ "$(id -u)" -eq 0 ] && [ -x /usr/sbin/sshd ]; then
  mkdir -p "$W/ssh" /run/sshd
  ssh-keygen -q -t ed25519 -N '' -f "$W/ssh/host_key"
  printf '%s\n' "$out" | cut -d' ' -f1,2 > "$W/ssh/authorized_keys"
  PORT=$(free_port)
  cat > "$W/ssh/sshd_config" <<CONF
Port $PORT
ListenAddress 127.0.0.1
HostKey $W/ssh/host_key
AuthorizedKeysFile $W/ssh/authorized_keys
AuthenticationMethods publickey
PermitRootLogin prohibit-password
StrictModes no
UsePAM no
PidFile none
CONF
  /usr/sbin/sshd -D -e -f "$W/ssh/sshd_config" >"$W/ssh/sshd.log" 2>&1 &
  SERVERS+=($!)
  wait_for 10 listening "$PORT"
  printf '#!/bin/sh\necho 1234\n' > "$W/ssh/askpass"; chmod +x "$W/ssh/askpass"
  out=$(SSH_ASKPASS="$W/ssh/askpass" SSH_ASKPASS_REQUIRE=force timeout 60 ssh -F /dev/null -I "$P11" -p "$PORT" \
    -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null root@127.0.0.1 'echo logged in as $(id -un)' </dev/null 2>&1)
  contains "ssh -I logs in with the card (the PIN through SSH_ASKPASS)" "$out" "logged in as root"
  contains "sshd accepted the card's key" "$(cat "$W/ssh/sshd.log")" "Accepted publickey for root"
  printf '%s\n' "$out_key" > "$W/ssh/card.pub"
  out=$(SSH_ASKPASS="$W/ssh/askpass" SSH_ASKPASS_REQUIRE=force timeout 60 ssh -F /dev/null -I "$P11" -i "$W/ssh/card.pub" \
    -o IdentitiesOnly=yes -p "$PORT" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null root@127.0.0.1 'echo only' </dev/null 2>&1)
  contains "with IdentitiesOnly, the card's public key as IdentityFile" "$out" "only"
else
  echo "  skip  ssh -I against a private sshd (needs root and openssh-server)"
fi

echo "== APDU level: pyscard and scriptor"
out=$("$PY" - <<'PY' 2>&1
from smartcard.System import readers
connection = readers()[0].createConnection()
connection.connect()
data, sw1, sw2 = connection.transmit(list(bytes.fromhex("00A4040C0AD392F000260100000001")))
print("select %02X%02X" % (sw1, sw2))
connection.transmit(list(bytes.fromhex("00A4020C020006")))
data, sw1, sw2 = connection.transmit(list(bytes.fromhex("00B0000020")))
print("token", bytes(data).decode().strip())
PY
)
contains "pyscard selects the JPKI AP" "$out" "select 9000"
contains "and reads the token label" "$out" "token JPKIAPICCTOKEN2"
printf '00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01\n00 A4 02 0C 02 00 18\n00 20 00 80\n' > "$W/counter.script"
out=$(timeout 30 scriptor -r "mynasim Virtual Reader 00 00" "$W/counter.script" 2>&1)
contains "scriptor reads the PIN retry counter (after the logins above: 63C3)" "$out" "63 C3"

echo "== mynasim down"
UPDIR=$MYNASIM_UP
eval "$("$M" down --shell sh)"
check "eval \"\$(mynasim down)\" unsets the environment" test -z "${MYNASIM_UP:-}${PCSCLITE_CSOCK_NAME:-}"
check "and the world's directory is gone" test ! -e "$UPDIR"
summary
