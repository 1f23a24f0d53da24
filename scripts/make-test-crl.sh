#!/usr/bin/env bash
# Writes the test authentication CA's revocation list (vectors/personas/test-pki/auth-ca.crl.pem)
# with openssl: the persona ito-revoked's authentication certificate is revoked (keyCompromise).
# Run after make-vector-personas.sh; the CRL is valid for ten years.
set -euo pipefail
cd "$(dirname "$0")/.."
PKI=vectors/personas/test-pki
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
serial=$(openssl x509 -in vectors/personas/ito-revoked/auth.pem -noout -serial | cut -d= -f2)
expiry=$(date -u -d "$(openssl x509 -in vectors/personas/ito-revoked/auth.pem -noout -enddate | cut -d= -f2)" +%y%m%d%H%M%SZ)
printf 'R\t%s\t%s,keyCompromise\t%s\tunknown\t/CN=ito-revoked\n' "$expiry" "261125000000Z" "$serial" > "$W/index.txt"
echo 01 > "$W/crlnumber"
cat > "$W/ca.conf" <<CONF
[ ca ]
default_ca = test
[ test ]
database = $W/index.txt
crlnumber = $W/crlnumber
default_md = sha256
default_crl_days = 3650
CONF
openssl ca -gencrl -config "$W/ca.conf" -keyfile "$PKI/auth-ca.key.pem" -cert "$PKI/auth-ca.pem" -out "$PKI/auth-ca.crl.pem" 2>/dev/null
openssl crl -in "$PKI/auth-ca.crl.pem" -noout -text | grep -A3 "Revoked Certificates"
