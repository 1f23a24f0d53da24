#!/usr/bin/env bash
# In-process card benchmarks (ordo-one/benchmark, release build, Benchmarks/ package): SELECT + chunked
# READ BINARY of the auth certificate, a persona's first load, a cached persona's insertion.
# The signature is timed apart from this harness, against `openssl speed rsa2048` in the same run:
# scripts/bench-pcsc.sh §7 (Benchmarks/Timing/SignatureTiming says why).
set -euo pipefail
cd "$(dirname "$0")/../Benchmarks"
swift package benchmark --no-progress 2>&1 | grep -vE '^\[|^Building|^Build'
