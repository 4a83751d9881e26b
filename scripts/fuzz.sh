#!/usr/bin/env bash
# Fuzzes the core for SECONDS (default 3600) with libFuzzer under ASan+UBSan:
#   scripts/fuzz.sh [SECONDS]
# The corpus grows in build/fuzz/corpus (seeded from tests/fuzz/corpus, kept
# between runs); crashes, leaks and broken invariants are written to
# build/fuzz/artifacts/ and stop the run (an input running past 60 s, wall
# clock, counts as a hang: generous, for a niced run on a busy machine).
# SRIOVNIC_FUZZ_JOBS=N runs N processes (default 1); the run is niced, for a
# machine others share.
# docs/design-notes.md, "Fuzzing the core", says how to reproduce a finding.
set -euo pipefail
. "$(dirname "$0")/common.sh"
cd "$SRIOVNIC_ROOT"

seconds=${1:-3600}
jobs=${SRIOVNIC_FUZZ_JOBS:-1}
command -v clang++ >/dev/null || "$SRIOVNIC_ROOT/scripts/setup-host.sh"
setup_asan_build
run_logged "$SRIOVNIC_LOGS/ninja-fuzz.log" ninja -C "$SRIOVNIC_ASAN_BUILD" tests/fuzz/core-fuzz

work=$SRIOVNIC_BUILD/fuzz
mkdir -p "$work/corpus" "$work/artifacts"
# A copy: rebuilding the build directory while this runs does not touch it.
cp "$SRIOVNIC_ASAN_BUILD/tests/fuzz/core-fuzz" "$work/core-fuzz"
log "fuzzing the core for $seconds s ($jobs job(s)); corpus $work/corpus, log $work/fuzz-*.log"
cd "$work"
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    exec nice -n 19 ./core-fuzz -max_total_time="$seconds" -timeout=60 -max_len=4096 \
    -jobs="$jobs" -workers="$jobs" -print_final_stats=1 \
    -artifact_prefix="$work/artifacts/" -dict="$SRIOVNIC_ROOT/tests/fuzz/core.dict" \
    "$work/corpus" "$SRIOVNIC_ROOT/tests/fuzz/corpus"
