#!/usr/bin/env bash
# Sets up everything (packages, QEMU with sriovnic, guest kernel) and runs the
# demo: two hosts on one machine as network namespaces; a guest with
# -device sriovnic and a synthetic channel uses the PF and VFs, administers a
# VF, and is live-migrated with failover in the middle of a traffic stream;
# prints the failover's timeline and plots the stream (build/demo/).
set -euo pipefail
. "$(dirname "$0")/common.sh"

[ "$(id -u)" = 0 ] || SUDO=sudo
SUDO=${SUDO:-}

prepare_host_and_qemu
guest_dir=$("$SRIOVNIC_ROOT/scripts/build-drivers.sh" 6.12)

# The plot only; the demo runs without it and says so.
if ! /usr/bin/python3 -c 'import matplotlib' 2>/dev/null; then
    log "installing python3-matplotlib (for the demo's plot)"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get install -y -qq --no-install-recommends python3-matplotlib >/dev/null ||
        { $SUDO apt-get update -qq &&
            $SUDO apt-get install -y -qq --no-install-recommends python3-matplotlib >/dev/null; } ||
        log "could not install python3-matplotlib: the demo prints its timeline but draws no plot"
fi

# The hosts are network namespaces joined by veth links: root only.
$SUDO env SRIOVNIC_QEMU="$QEMU_BIN" SRIOVNIC_GUEST_DIR="$guest_dir" \
    SRIOVNIC_DEMO_DIR="$SRIOVNIC_BUILD/demo" \
    /usr/bin/python3 -W ignore::ResourceWarning "$SRIOVNIC_ROOT/scripts/demo.py"
