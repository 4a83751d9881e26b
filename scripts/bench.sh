#!/usr/bin/env bash
# Benchmarks (not tests): the core's per-packet path (Google Benchmark) and
# guest-level throughput of sriovnic's PF, VF and synthetic channel against QEMU's virtio-net-pci,
# igb and igb VF in the same run, printed as figures and ratios.
set -euo pipefail
. "$(dirname "$0")/common.sh"
cd "$SRIOVNIC_ROOT"

prepare_host_and_qemu
guest_dir=$("$SRIOVNIC_ROOT/scripts/build-drivers.sh" 6.12)
meson_dir "$SRIOVNIC_BUILD/bench" --buildtype=release
ninja -C "$SRIOVNIC_BUILD/bench" core-bench >/dev/null
echo "== core per-packet path (VF -> VF through rings and switch)"
"$SRIOVNIC_BUILD/bench/core-bench" --benchmark_min_time=1
echo "== guest level"
SRIOVNIC_QEMU=$QEMU_BIN SRIOVNIC_GUEST_DIR=$guest_dir \
    /usr/bin/python3 -W ignore::ResourceWarning "$SRIOVNIC_ROOT/bench/guest_bench.py"
