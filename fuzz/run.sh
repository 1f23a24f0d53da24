#!/usr/bin/env bash
# Builds and runs the fuzz targets: the Swift ones (package fuzz/swift, libFuzzer through the
# Swift toolchain's -sanitize=fuzzer with AddressSanitizer) and, when fuzz/Makefile is there,
# the IFD handler's C ones. docs/testing.md says what each target checks.
#
#   fuzz/run.sh build                 build the Swift targets (.build-fuzz/)
#   fuzz/run.sh regress               every committed seed of every target once (fixed bugs stay fixed)
#   fuzz/run.sh TARGET SECONDS        fuzz one target (card, script, … or a C target: wire, handler, …)
#   fuzz/run.sh all SECONDS           every target in turn, SECONDS each, then the summary
#   fuzz/run.sh ci SECONDS            debug build, regress, every Swift target SECONDS each, the C targets'
#                                     own CI run (`make test`)
#   fuzz/run.sh summary               executions, speed, coverage and corpus of the last run of each target
#   fuzz/run.sh coverage              line coverage of Sources/ reached by each target's corpus (llvm-cov)
#
# New inputs go to fuzz/build/swift/corpus/TARGET/ (the committed fuzz/corpus/TARGET/ is only
# read); crashes, leaks and timeouts to fuzz/build/swift/artifacts/TARGET/. To keep an input,
# copy it into fuzz/corpus/TARGET/ (a found bug: as regress-WHAT).
# FUZZ_BUILD_WRAPPER (e.g. "flock /tmp/mynasim-build.lock") wraps the build; FUZZ_FLAGS adds
# libFuzzer flags; FUZZ_CONFIGURATION is release (default: about 2-3 times the executions per
# second) or debug (builds in half the time; `ci` uses it).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SWIFT_TARGETS=(card script persona profile scenario trace simulator-wire control-request t1 vpcd qualification)
SCRATCH=${FUZZ_SCRATCH:-$ROOT/.build-fuzz}
[[ ${1:-} == ci ]] && FUZZ_CONFIGURATION=${FUZZ_CONFIGURATION:-debug}
CONFIGURATION=${FUZZ_CONFIGURATION:-release}
BIN=$SCRATCH/$CONFIGURATION
OUT=$ROOT/fuzz/build/swift
CORPUS=$ROOT/fuzz/corpus
DICT=$ROOT/fuzz/dict
SWIFT=${SWIFT:-swift}
read -r -a WRAPPER <<<"${FUZZ_BUILD_WRAPPER:-}"
read -r -a EXTRA <<<"${FUZZ_FLAGS:-}"

# The IFD handler's targets, when its fuzz/Makefile is present.
C_TARGETS=()
if [[ -f $ROOT/fuzz/Makefile ]]; then
    read -r -a C_TARGETS <<<"$(sed -n 's/^TARGETS := //p' "$ROOT/fuzz/Makefile")"
fi

# libFuzzer options per target: the largest input worth mutating, and a dictionary.
options() {
    local base=(-timeout=10 -rss_limit_mb=2048 -print_final_stats=1)
    case $1 in
    card) echo "${base[@]}" -max_len=2048 ;;
    script) echo "${base[@]}" -max_len=8192 "-dict=$DICT/script.dict" ;;
    persona) echo "${base[@]}" -max_len=4096 "-dict=$DICT/persona.dict" ;;
    profile | scenario) echo "${base[@]}" -max_len=8192 "-dict=$DICT/client-check.dict" ;;
    trace) echo "${base[@]}" -max_len=8192 "-dict=$DICT/trace.dict" ;;
    control-request | qualification) echo "${base[@]}" -max_len=4096 "-dict=$DICT/json.dict" ;;
    *) echo "${base[@]}" -max_len=2048 ;;
    esac
}

is_swift() { [[ " ${SWIFT_TARGETS[*]} " == *" $1 "* ]]; }
is_c() { [[ " ${C_TARGETS[*]:-} " == *" $1 "* ]]; }

# The targets write scratch files (personas, state files with fsync): keep them in memory.
# The caller's TMPDIR, for the builds.
if [[ -n ${TMPDIR+x} ]]; then CALLER_ENV=(env "TMPDIR=$TMPDIR"); else CALLER_ENV=(env -u TMPDIR); fi
environment() {
    if [[ -d /dev/shm && -w /dev/shm ]]; then FUZZ_TMP=$(mktemp -d /dev/shm/mynasim-fuzz.XXXXXX); else FUZZ_TMP=$(mktemp -d); fi
    trap 'rm -rf "$FUZZ_TMP"' EXIT
    export TMPDIR=$FUZZ_TMP
    export SWIFT_BACKTRACE=enable=no
    export LSAN_OPTIONS=suppressions=$ROOT/fuzz/swift/lsan.supp:print_suppressions=0
    export MYNASIM_ROOT=$ROOT
}

build() {
    echo "== building the Swift fuzz targets ($SCRATCH, $CONFIGURATION)"
    local started=$SECONDS
    mkdir -p "$OUT"
    # (with the caller's TMPDIR: the build's command signatures include the environment, and a
    # new TMPDIR would rebuild everything). --sanitize instruments this package's own targets only;
    # -Xswiftc carries the instrumentation to mynasim's modules (and their dependencies), which are
    # what the targets exercise: without it a clean build fuzzes blind ("no interesting inputs").
    if ! "${CALLER_ENV[@]}" "${WRAPPER[@]}" "$SWIFT" build --package-path "$ROOT/fuzz/swift" --scratch-path "$SCRATCH" -c "$CONFIGURATION" \
        --sanitize=fuzzer --sanitize=address -Xswiftc -sanitize=fuzzer,address -Xswiftc -enable-testing >"$OUT/build.log" 2>&1; then
        grep -E 'error' "$OUT/build.log" | head -n 40
        echo "fuzz: the build failed; see $OUT/build.log"
        exit 1
    fi
    echo "== built in $((SECONDS - started)) s"
    if is_c wire; then make -s -C "$ROOT/fuzz"; fi
}

need_binary() {
    [[ -x $BIN/fuzz-$1 ]] || { echo "fuzz: $BIN/fuzz-$1 is missing; run fuzz/run.sh build"; exit 1; }
}

# Runs one target for $2 seconds; its log is fuzz/build/swift/run-TARGET.log.
fuzz_one() {
    local target=$1 seconds=$2
    if is_c "$target"; then
        make -s -C "$ROOT/fuzz" "run-$target" FUZZ_SECONDS="$seconds"
        return
    fi
    is_swift "$target" || { echo "fuzz: no target $target (Swift: ${SWIFT_TARGETS[*]}; C: ${C_TARGETS[*]:-none})"; exit 2; }
    need_binary "$target"
    mkdir -p "$OUT/corpus/$target" "$OUT/artifacts/$target" "$CORPUS/$target"
    echo "== fuzz-$target for $seconds s"
    local status=0
    # shellcheck disable=SC2046
    "$BIN/fuzz-$target" $(options "$target") -max_total_time="$seconds" -artifact_prefix="$OUT/artifacts/$target/" \
        "${EXTRA[@]}" "$OUT/corpus/$target" "$CORPUS/$target" >"$OUT/run-$target.log" 2>&1 || status=$?
    grep -E '^(fuzz invariant|==[0-9]+==|SUMMARY|artifact_prefix|Test unit written)' "$OUT/run-$target.log" | head -20 || true
    summary_line "$target"
    if [[ $status -ne 0 ]]; then
        echo "fuzz: fuzz-$target found a problem (exit $status); the input is in $OUT/artifacts/$target/, the log in $OUT/run-$target.log"
        return 1
    fi
}

summary_line() {
    local f=$OUT/run-$1.log
    [[ -f $f ]] || return 0
    printf '%-16s %10s execs %7s exec/s  cov %6s  ft %6s  corpus %s\n' "$1" \
        "$(sed -n 's/^stat::number_of_executed_units: *//p' "$f" | tail -1)" \
        "$(sed -n 's/^stat::average_exec_per_sec: *//p' "$f" | tail -1)" \
        "$(grep -oE 'cov: [0-9]+' "$f" | tail -1 | cut -d' ' -f2)" \
        "$(grep -oE 'ft: [0-9]+' "$f" | tail -1 | cut -d' ' -f2)" \
        "$(grep -oE 'corp: [0-9]+/[0-9]+[a-zA-Z]*' "$f" | tail -1 | cut -d' ' -f2)"
}

regress() {
    local failed=0
    for target in "${SWIFT_TARGETS[@]}"; do
        need_binary "$target"
        mkdir -p "$OUT" "$CORPUS/$target"
        # shellcheck disable=SC2046
        if "$BIN/fuzz-$target" $(options "$target") -runs=0 "$CORPUS/$target" >"$OUT/regress-$target.log" 2>&1; then
            echo "regress: fuzz-$target $(find "$CORPUS/$target" -type f | wc -l) seeds ok"
        else
            echo "regress: fuzz-$target FAILED"
            tail -30 "$OUT/regress-$target.log"
            failed=1
        fi
    done
    if [[ ${#C_TARGETS[@]} -gt 0 ]]; then make -s -C "$ROOT/fuzz" regress || failed=1; fi
    return $failed
}

coverage() {
    local cov=$SCRATCH-coverage
    echo "== building the targets with coverage mapping ($cov)"
    "${CALLER_ENV[@]}" "${WRAPPER[@]}" "$SWIFT" build --package-path "$ROOT/fuzz/swift" --scratch-path "$cov" -c release --sanitize=fuzzer \
        -Xswiftc -enable-testing -Xswiftc -profile-generate -Xswiftc -profile-coverage-mapping >"$OUT/build-coverage.log" 2>&1 ||
        { grep -E 'error' "$OUT/build-coverage.log" | head -n 20; echo "fuzz: the coverage build failed"; exit 1; }
    local llvm
    llvm=$(dirname "$(readlink -f "$(command -v "$SWIFT")")")
    rm -rf "$OUT/profraw" && mkdir -p "$OUT/profraw"
    for target in "${SWIFT_TARGETS[@]}"; do
        mkdir -p "$OUT/corpus/$target"
        # shellcheck disable=SC2046
        LLVM_PROFILE_FILE="$OUT/profraw/$target.profraw" "$cov/release/fuzz-$target" $(options "$target") -runs=0 \
            "$CORPUS/$target" "$OUT/corpus/$target" >"$OUT/coverage-$target.log" 2>&1 || true
        "$llvm/llvm-profdata" merge -sparse -o "$OUT/profraw/$target.profdata" "$OUT/profraw/$target.profraw"
        local line
        line=$("$llvm/llvm-cov" report "$cov/release/fuzz-$target" -instr-profile="$OUT/profraw/$target.profdata" \
            "$ROOT/Sources" | tail -1)
        printf '%-16s %s\n' "$target" "$(echo "$line" | awk '{print "regions " $4 ", functions " $7 ", lines " $10}')"
    done
}

main() {
    local command=${1:-}
    # The build runs in the caller's environment (a changed environment rebuilds everything).
    [[ $command == build || $command == ci ]] && build
    environment
    case $command in
    build) ;;
    regress) regress ;;
    summary) for t in "${SWIFT_TARGETS[@]}"; do summary_line "$t"; done ;;
    coverage) coverage ;;
    all)
        local seconds=${2:?"usage: fuzz/run.sh all SECONDS"} failed=0
        for t in "${SWIFT_TARGETS[@]}"; do fuzz_one "$t" "$seconds" || failed=1; done
        for t in "${C_TARGETS[@]}"; do fuzz_one "$t" "$seconds" || failed=1; done
        echo "== summary"
        for t in "${SWIFT_TARGETS[@]}"; do summary_line "$t"; done
        if [[ ${#C_TARGETS[@]} -gt 0 ]]; then make -s -C "$ROOT/fuzz" summary; fi
        return $failed
        ;;
    ci)
        local seconds=${2:?"usage: fuzz/run.sh ci SECONDS"} failed=0
        regress || failed=1
        for t in "${SWIFT_TARGETS[@]}"; do fuzz_one "$t" "$seconds" || failed=1; done
        # The C targets keep the fuzz/Makefile's own CI time (CI_SECONDS).
        if [[ ${#C_TARGETS[@]} -gt 0 ]]; then make -s -C "$ROOT/fuzz" ci || failed=1; fi
        return $failed
        ;;
    "" | -h | --help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//' ;;
    *) fuzz_one "$command" "${2:?"usage: fuzz/run.sh TARGET SECONDS"}" ;;
    esac
}

main "$@"
