#!/usr/bin/env bash
# Benchmarks (not tests): the core's per-packet path (Google Benchmark) and
# guest-level throughput of sriovnic's PF, VF and synthetic channel against
# QEMU's virtio-net-pci, igb and igb VF in the same run, over interleaved
# rounds, printed as medians (min-max) and ratios of the medians.
#
# `scripts/bench.sh [--rounds N] [--seconds S] [--configs NAME,...]
# [--no-vf-enable]` passes its options to bench/guest_bench.py.
#
# `scripts/bench.sh migration [--runs N] [--configs ...] [--results FILE]`
# instead runs the live migration benchmark (bench/migration_bench.py, needs
# root): plain migration, sriovnic failover and QEMU's virtio-net failover
# (e1000e primary, and a standalone sriovnic VF primary)
# between two network namespaces under traffic.
set -euo pipefail
. "$(dirname "$0")/common.sh"
cd "$SRIOVNIC_ROOT"

what=${1:-}
case $what in
"" | -*) what= ;;
migration) shift ;;
*) die "usage: scripts/bench.sh [guest_bench.py options] | scripts/bench.sh migration [migration_bench.py options]" ;;
esac

prepare_host_and_qemu
guest_dir=$("$SRIOVNIC_ROOT/scripts/build-drivers.sh" 6.12)
if [ "$what" = migration ]; then
    SRIOVNIC_QEMU=$QEMU_BIN SRIOVNIC_GUEST_DIR=$guest_dir exec /usr/bin/python3 \
        -W ignore::ResourceWarning "$SRIOVNIC_ROOT/bench/migration_bench.py" "$@"
fi
log "building the core benchmark (release)"
build_benchmarks || die "the core benchmark did not build (see above)"
echo "== core per-packet path (VF -> VF through rings and switch)"
"$SRIOVNIC_BUILD/bench/core-bench" --benchmark_min_time=1
echo "== guest level"
SRIOVNIC_QEMU=$QEMU_BIN SRIOVNIC_GUEST_DIR=$guest_dir \
    /usr/bin/python3 -W ignore::ResourceWarning "$SRIOVNIC_ROOT/bench/guest_bench.py" "$@"
