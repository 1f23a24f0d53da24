#!/usr/bin/env bash
# Benchmarks, with baselines measured in the same run:
#  - in-process card: SELECT + chunked READ BINARY of the auth certificate, and one RSA-2048 signature
#    (ordo-one/benchmark, release build, Benchmarks/ package);
#  - the card's signature time as a ratio to `openssl speed rsa2048` (OpenSSL's private-key op).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=$(mktemp -d /tmp/mynasim-bench.XXXXXX)
echo "== openssl speed rsa2048 (baseline, before)"
openssl speed -seconds 3 rsa2048 2>/dev/null | tee "$OUT/openssl-before.txt" | grep -E '^rsa 2048|sign/s'
echo "== in-process card benchmarks"
( cd Benchmarks && swift package benchmark --no-progress 2>&1 ) | tee "$OUT/card.txt" | grep -vE '^\[|^Building|^Build' || true
echo "== openssl speed rsa2048 (baseline, after)"
openssl speed -seconds 3 rsa2048 2>/dev/null | tee "$OUT/openssl-after.txt" | grep -E '^rsa 2048'
python3 - "$OUT" <<'PY'
import re, sys, statistics
out = sys.argv[1]
def openssl_sign_us(path):
    for line in open(path):
        m = re.match(r'rsa\s+2048 bits\s+([0-9.]+)s', line)
        if m: return float(m.group(1)) * 1e6
ossl = statistics.mean([openssl_sign_us(f"{out}/openssl-before.txt"), openssl_sign_us(f"{out}/openssl-after.txt")])
text = open(f"{out}/card.txt").read()
def p50(name):
    block = text.split(name, 1)[1]
    m = re.search(r'Time \(wall clock\) \(([μmn]?s)\) \*\s*│\s*([\d,]+)\s*│\s*([\d,]+)\s*│\s*([\d,]+)', block)
    unit, value = m.group(1), float(m.group(4).replace(',', ''))
    return value * {'ns': 1e-3, 'μs': 1, 'ms': 1e3, 's': 1e6}[unit]
sig = p50("COMPUTE DIGITAL SIGNATURE")
read = p50("chunked READ BINARY")
print(f"\nsignature p50 {sig:.0f} µs; openssl rsa2048 sign {ossl:.0f} µs; ratio card/openssl = {sig/ossl:.2f}")
print(f"auth certificate read (SELECT×2 + header + chunks) p50 {read:.1f} µs")
PY
