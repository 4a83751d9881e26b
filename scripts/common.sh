# Shared settings for the sriovnic helper scripts. Sourced, never run.
# shellcheck shell=bash

SRIOVNIC_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SRIOVNIC_CACHE=${SRIOVNIC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sriovnic}
SRIOVNIC_BUILD=${SRIOVNIC_BUILD:-$SRIOVNIC_ROOT/build}

QEMU_VERSION=10.0.2
QEMU_DEB_VERSION="1:10.0.2+ds-2+deb13u1~bpo12+1"
QEMU_TARBALL=qemu_10.0.2+ds.orig.tar.xz
QEMU_SHA256=0901da33844a331bf8b3602b9c1fbd178e60b737c8e3ade678255bd090c9b9f1

# Output of the quiet steps (shown when a step fails).
SRIOVNIC_LOGS=$SRIOVNIC_BUILD/logs

QEMU_SRC=$SRIOVNIC_BUILD/qemu-$QEMU_VERSION
# SRIOVNIC_QEMU_SANITIZE=1: QEMU (and the core in it) built with ASan and
# UBSan, in a build directory of its own beside the normal one.
# SRIOVNIC_QEMU_FUZZ=1: QEMU's libFuzzer targets (qemu-fuzz-x86_64, with
# generic-fuzz), clang, ASan and UBSan, in build-fuzz.
QEMU_TARGET=qemu-system-x86_64
if [ "${SRIOVNIC_QEMU_FUZZ:-0}" = 1 ]; then
    QEMU_BUILD=$QEMU_SRC/build-fuzz
    QEMU_TARGET=qemu-fuzz-x86_64
elif [ "${SRIOVNIC_QEMU_SANITIZE:-0}" = 1 ]; then
    QEMU_BUILD=$QEMU_SRC/build-asan
else
    QEMU_BUILD=$QEMU_SRC/build
fi
QEMU_BIN=$QEMU_BUILD/$QEMU_TARGET

# Let ccache hit across clones in different directories.
export CCACHE_DIR=${CCACHE_DIR:-$SRIOVNIC_CACHE/ccache}
export CCACHE_BASEDIR=/
export CCACHE_NOHASHDIR=1
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-5G}

log() { printf '[sriovnic] %s\n' "$*" >&2; }

# Installs what is missing and builds QEMU with the device (both idempotent).
prepare_host_and_qemu() {
    "$SRIOVNIC_ROOT/scripts/setup-host.sh"
    "$SRIOVNIC_ROOT/scripts/build-qemu.sh"
}

die() { printf '[sriovnic] error: %s\n' "$*" >&2; exit 1; }

# run_logged LOG COMMAND...: runs COMMAND with its output in LOG, quietly. If
# it fails, prints what went wrong (from ninja's first FAILED: line on if
# there is one, else the log's tail) and returns its status.
run_logged() {
    local logfile=$1 rc=0
    shift
    mkdir -p "$(dirname "$logfile")"
    "$@" >"$logfile" 2>&1 || rc=$?
    if [ $rc != 0 ]; then
        if grep -q '^FAILED: ' "$logfile"; then
            awk '/^FAILED: /{shown=1} shown && n++ < 100' "$logfile" >&2
        else
            tail -n 40 "$logfile" >&2
        fi
        log "failed ($rc): $* (output: $logfile)"
    fi
    return $rc
}

# meson setup DIR ARGS..., or meson configure if DIR is already set up.
meson_dir() {
    local dir=$1; shift
    local logfile=$SRIOVNIC_LOGS/meson-${dir##*/}.log
    if [ -f "$dir/build.ninja" ]; then
        run_logged "$logfile" meson configure "$dir" "$@"
    else
        run_logged "$logfile" meson setup "$dir" "$@"
    fi
}

# Builds the core benchmark in release mode (-O3) in build/bench, where
# scripts/bench.sh runs it and scripts/test.sh builds it (without running it).
build_benchmarks() {
    meson_dir "$SRIOVNIC_BUILD/bench" --buildtype=release &&
        run_logged "$SRIOVNIC_LOGS/ninja-bench.log" ninja -C "$SRIOVNIC_BUILD/bench" core-bench
}

# The unit tests under ASan+UBSan, built by clang, which also builds the
# core's libFuzzer target (tests/fuzz) from the same instrumented core:
# scripts/test.sh runs both, scripts/fuzz.sh the fuzzer for longer.
SRIOVNIC_ASAN_BUILD=$SRIOVNIC_BUILD/asan-clang
setup_asan_build() {
    CC=clang CXX=clang++ meson_dir "$SRIOVNIC_ASAN_BUILD" \
        -Db_sanitize=address,undefined -Db_lundef=false -Dfuzz=enabled
}
