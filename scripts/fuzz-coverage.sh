#!/usr/bin/env bash
# Line coverage of the core by the fuzzer's corpus:
#   scripts/fuzz-coverage.sh [CORPUS_DIR...]
# (default: tests/fuzz/corpus and build/fuzz/corpus, if there). Builds the
# target with clang's source-based coverage in build/fuzz-cov, runs every
# input once and prints llvm-cov's report for hw/net/sriovnic/core.
set -euo pipefail
. "$(dirname "$0")/common.sh"
cd "$SRIOVNIC_ROOT"

dirs=("$@")
if [ ${#dirs[@]} = 0 ]; then
    dirs=(tests/fuzz/corpus)
    [ -d "$SRIOVNIC_BUILD/fuzz/corpus" ] && dirs+=("$SRIOVNIC_BUILD/fuzz/corpus")
fi
build=$SRIOVNIC_BUILD/fuzz-cov
cov_flags="['-fprofile-instr-generate', '-fcoverage-mapping']"
CC=clang CXX=clang++ meson_dir "$build" -Dfuzz=enabled -Db_sanitize=none \
    "-Dcpp_args=$cov_flags" "-Dcpp_link_args=$cov_flags"
run_logged "$SRIOVNIC_LOGS/ninja-fuzz-cov.log" ninja -C "$build" tests/fuzz/core-fuzz
rm -f "$build"/fuzz-*.profraw
LLVM_PROFILE_FILE="$build/fuzz-%p.profraw" \
    "$build/tests/fuzz/core-fuzz" -runs=0 -max_len=4096 "${dirs[@]}" >"$build/run.log" 2>&1
llvm-profdata-14 merge -sparse "$build"/fuzz-*.profraw -o "$build/fuzz.profdata"
llvm-cov-14 report "$build/tests/fuzz/core-fuzz" -instr-profile="$build/fuzz.profdata" \
    -ignore-filename-regex='(^|/)(tests|include)/' \
    "$SRIOVNIC_ROOT/hw/net/sriovnic/core" | sed "s|^.*/hw/net/sriovnic/core/||"
