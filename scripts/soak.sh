#!/usr/bin/env bash
# The soak run (tests/lib/soak.py): a guest under a UDP and a TCP stream for
# SECONDS (default 3600) while NumVFs changes, VF FLRs, offer/revoke cycles,
# policy changes, injected faults and live migrations take turns. Prints
# QEMU's resident memory after every action, the guest's trouble counters,
# UDP loss, the TCP stream's longest stall and the guest's kernel warnings;
# fails if the guest does not come back to the VF after an action, the TCP
# stream breaks, the guest's kernel warns, or (with --asan) ASan or UBSan
# report anything in QEMU.
#   scripts/soak.sh [--asan] [SECONDS] [SEED] [MIGRATE_EVERY]
# A live migration comes every MIGRATE_EVERY actions (default 40, so each
# QEMU process lives through a few minutes of actions and its resident
# memory tells whether it grows; CI's form migrates every 8).
# --asan builds and uses QEMU with ASan and UBSan (build/qemu-*/build-asan;
# the first build takes long). The log is kept in build/logs/soak-*.log.
# CI runs the two-minute form as the guest test test_soak.
set -euo pipefail
if [ "${1:-}" = --asan ]; then
    export SRIOVNIC_QEMU_SANITIZE=1
    shift
fi
. "$(dirname "$0")/common.sh"
cd "$SRIOVNIC_ROOT"

seconds=${1:-3600}
seed=${2:-1}
migrate_every=${3:-40}
case $seconds in ''|*[!0-9]*) die "SECONDS must be a whole number of seconds (got '$seconds')";; esac
case $seed in ''|*[!0-9]*) die "SEED must be a number (got '$seed')";; esac
case $migrate_every in ''|0|*[!0-9]*)
    die "MIGRATE_EVERY must be a number of actions, 1 or more (got '$migrate_every')";; esac

prepare_host_and_qemu
guest_dir=$("$SRIOVNIC_ROOT/scripts/build-drivers.sh" 6.12)
mkdir -p "$SRIOVNIC_LOGS"
logfile=$SRIOVNIC_LOGS/soak-$(date +%Y%m%d-%H%M%S).log
log "soak: $seconds s, seed $seed, a migration every $migrate_every actions, QEMU $QEMU_BIN; log $logfile"
cd tests/guest
SRIOVNIC_QEMU=$QEMU_BIN SRIOVNIC_GUEST_DIR=$guest_dir SRIOVNIC_SOAK_SECONDS=$seconds \
    SRIOVNIC_SOAK_SEED=$seed SRIOVNIC_SOAK_MIGRATE_EVERY=$migrate_every PYTHONDONTWRITEBYTECODE=1 \
    UBSAN_OPTIONS=print_stacktrace=1 ASAN_OPTIONS=detect_leaks=0 \
    python3 -W ignore::ResourceWarning -m unittest -v test_soak 2>&1 | tee "$logfile"
