#!/usr/bin/env bash
# Benchmarks (not tests): the core's per-packet path (Google Benchmark) and
# guest-level throughput of sriovnic's PF and VF against QEMU's virtio-net-pci,
# igb and igb VF in the same run, printed as figures and ratios.
set -euo pipefail
. "$(dirname "$0")/common.sh"
cd "$SRIOVNIC_ROOT"

"$SRIOVNIC_ROOT/scripts/setup-host.sh"
"$SRIOVNIC_ROOT/scripts/build-qemu.sh"
guest_dir=$("$SRIOVNIC_ROOT/scripts/build-drivers.sh" 6.12)
if [ -f "$SRIOVNIC_BUILD/bench/build.ninja" ]; then
    meson configure "$SRIOVNIC_BUILD/bench" --buildtype=release >/dev/null
else
    meson setup "$SRIOVNIC_BUILD/bench" --buildtype=release >/dev/null
fi
ninja -C "$SRIOVNIC_BUILD/bench" core-bench >/dev/null
echo "== core per-packet path (VF -> VF through rings and switch)"
"$SRIOVNIC_BUILD/bench/core-bench" --benchmark_min_time=1
echo "== guest level"
SRIOVNIC_QEMU=$QEMU_BIN SRIOVNIC_GUEST_DIR=$guest_dir \
    /usr/bin/python3 -W ignore::ResourceWarning "$SRIOVNIC_ROOT/bench/guest_bench.py"
