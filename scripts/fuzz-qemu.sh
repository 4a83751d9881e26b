#!/usr/bin/env bash
# Fuzzes the device inside QEMU with QEMU's own libFuzzer target
# generic-fuzz, for SECONDS (default 3600):
#   scripts/fuzz-qemu.sh [SECONDS] [CONFIG]
# CONFIG says which functions the input reaches (QEMU_FUZZ_ARGS):
#   pf        the guest-owned PF on bus 0 (00:04.0; its 8 VFs take
#             00:04.1 to 00:05.0 when enabled), and two synthetic
#             functions: one paired with VF 0, one with VF 1 and the port
#             guards on (default)
#   hostcard  a host-owned card with two standalone VFs on bus 0
# QEMU (and the core in it) is built once with clang, --enable-fuzzing,
# ASan and UBSan into build/qemu-*/build-fuzz (SRIOVNIC_QEMU_FUZZ=1; a
# separate build, not part of scripts/test.sh). The corpus is kept in
# build/qemu-fuzz/CONFIG/corpus between runs; crashes go to
# build/qemu-fuzz/CONFIG/artifacts/. docs/design-notes.md, "Fuzzing the
# device in QEMU", says how to turn a crash into a qtest reproducer.
set -euo pipefail
export SRIOVNIC_QEMU_FUZZ=1
. "$(dirname "$0")/common.sh"
cd "$SRIOVNIC_ROOT"

seconds=${1:-3600}
config=${2:-pf}
case $seconds in ''|*[!0-9]*) die "SECONDS must be a whole number of seconds (got '$seconds')";; esac
case $config in
pf)
    args="-M q35 -nodefaults -netdev user,id=n0 \
-device sriovnic,id=nic0,bus=pcie.0,addr=0x4,vfs=8,netdev=n0 \
-device sriovnic-synth,bus=pcie.0,addr=0x8,pf=nic0,vf=0 \
-device sriovnic-synth,bus=pcie.0,addr=0x9,pf=nic0,vf=1,router-guard=on,dhcp-guard=on"
    # The PF and the synthetic functions by type (generic-fuzz maps their
    # BARs); the VFs by their regions only: a VF exists before VF Enable
    # but is not on the bus, and generic-fuzz insists on finding every
    # PCI device it matched by type there.
    objects="sriovnic sriovnic-synth sriovnic-mmio* sriovnic-msix* sriovnic-synth-* sriovnic-vf-*"
    ;;
hostcard)
    args="-M q35 -nodefaults -netdev user,id=n0 \
-device sriovnic-card,id=card0,netdev=n0,vfs=4 \
-device sriovnic-assigned-vf,card=card0,vf=0,bus=pcie.0,addr=0x4 \
-device sriovnic-assigned-vf,card=card0,vf=1,bus=pcie.0,addr=0x5"
    objects="sriovnic-assigned-vf sriovnic-vf-*"
    ;;
*) die "CONFIG must be 'pf' or 'hostcard' (got '$config')";;
esac

command -v clang >/dev/null || "$SRIOVNIC_ROOT/scripts/setup-host.sh"
"$SRIOVNIC_ROOT/scripts/build-qemu.sh"

work=$SRIOVNIC_BUILD/qemu-fuzz/$config
mkdir -p "$work/corpus" "$work/artifacts"
log "fuzzing the device in QEMU ($config) for $seconds s; corpus $work/corpus"
cd "$work"
QEMU_FUZZ_ARGS=$args QEMU_FUZZ_OBJECTS=$objects \
    UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=0 \
    exec nice -n 19 "$QEMU_BIN" --fuzz-target=generic-fuzz \
    -max_total_time="$seconds" -timeout=60 -print_final_stats=1 \
    -artifact_prefix="$work/artifacts/" "$work/corpus"
