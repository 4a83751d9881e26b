#!/usr/bin/env bash
# Sets up everything (packages, QEMU with sriovnic, guest kernel) and runs the
# demo: a guest with -device sriovnic and its drivers uses the PF and VFs,
# administers a VF, and is live-migrated while TCP flows between two VFs.
set -euo pipefail
. "$(dirname "$0")/common.sh"

prepare_host_and_qemu
guest_dir=$("$SRIOVNIC_ROOT/scripts/build-drivers.sh" 6.12)
SRIOVNIC_QEMU=$QEMU_BIN SRIOVNIC_GUEST_DIR=$guest_dir \
    /usr/bin/python3 -W ignore::ResourceWarning "$SRIOVNIC_ROOT/scripts/demo.py"
