#!/usr/bin/env bash
# Runs every sriovnic test: installs what is missing, builds QEMU with the
# device, prepares the guest kernel and initramfs, then runs the unit tests
# (also under ASan+UBSan, with the core fuzzer's regression run), the
# device-level tests and the guest-level tests (which boot Debian's kernel
# with the sriovnic PF and VF drivers). The unit
# tests also run on a big-endian host (s390x, cross-built, under qemu-user).
# Idempotent; on a warm machine only the tests themselves take time.
set -euo pipefail
. "$(dirname "$0")/common.sh"
cd "$SRIOVNIC_ROOT"

prepare_host_and_qemu
guest_dir=$("$SRIOVNIC_ROOT/scripts/build-drivers.sh" 6.12)
guest_dir_6_1=$("$SRIOVNIC_ROOT/scripts/build-drivers.sh" 6.1)

meson_dir "$SRIOVNIC_BUILD/tests" -Dqemu="$QEMU_BIN" -Dguest-dir="$guest_dir" \
    -Dguest-dir-6-1="$guest_dir_6_1"
setup_asan_build
# A big-endian host: the core is cross-built for s390x and run under qemu-user.
[ -f "$SRIOVNIC_BUILD/s390x/build.ninja" ] ||
    meson_dir "$SRIOVNIC_BUILD/s390x" --cross-file "$SRIOVNIC_ROOT/scripts/cross/s390x.ini"

status=0
# The benchmarks: built in release mode exactly as scripts/bench.sh builds
# them (so an -O3-only warning cannot hide from CI), never run here.
log "building the benchmarks (release, as scripts/bench.sh does; not run)"
bench_build=ok
build_benchmarks || { bench_build=failed; status=1; }

# The guest drivers by the kernel's own checkers (checkpatch --strict,
# sparse), beside the two single-process unit runs below: each of the three
# keeps one core busy at most, so together they take the time of the longest.
log "guest drivers: checkpatch and sparse (beside the next two steps; output follows them)"
check_log=$(mktemp)
trap 'rm -f "$check_log"' EXIT
"$SRIOVNIC_ROOT/scripts/check-drivers.sh" >"$check_log" 2>&1 &
check_pid=$!

log "unit tests and the core fuzzer's regression run under ASan+UBSan (clang)"
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    meson test -C "$SRIOVNIC_ASAN_BUILD" --suite unit --print-errorlogs || status=1
log "unit tests on a big-endian host (s390x under qemu-user)"
meson test -C "$SRIOVNIC_BUILD/s390x" --suite unit --print-errorlogs || status=1
if wait "$check_pid"; then check_status=0; else check_status=$?; fi
cat "$check_log"
if [ "$check_status" != 0 ]; then
    log "guest drivers: checkpatch or sparse FAILED (exit $check_status; output above)"
    status=1
fi
log "unit, device and guest tests"
meson test -C "$SRIOVNIC_BUILD/tests" --print-errorlogs --num-processes 2 || status=1

/usr/bin/python3 "$SRIOVNIC_ROOT/scripts/test-summary.py" \
    "$SRIOVNIC_ASAN_BUILD/meson-logs/testlog.json:unit-asan" \
    "$SRIOVNIC_BUILD/s390x/meson-logs/testlog.json:unit-s390x" \
    "$SRIOVNIC_BUILD/tests/meson-logs/testlog.json" \
    --step "benchmark build=$bench_build" || status=1
exit $status
