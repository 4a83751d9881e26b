#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Makes the synthetic channel's migration-compatibility fixture: runs a
sriovnic QEMU from before failover on migration (which could only migrate a
channel in SYNTHETIC and had no sriovnic-synth/revoke subsection) under qtest,
brings the synth driver's side up through the rings with the VFs enabled and
the host's policy keeping the guest synthetic (sriov=off), and saves the
stream.

    make_synth_fixture.py QEMU OUT_PREFIX

writes OUT_PREFIX.mig.xz and OUT_PREFIX.json (the command line's channel
properties, registers read back and the driver's view of its rings), which
test_migration_compat.SynthBeforeFailover loads."""
import json
import lzma
import os
import sys
import tempfile

if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    os.environ["SRIOVNIC_QEMU"] = os.path.abspath(sys.argv[1])

from sriovnic_pci import R, S, machine_args, save_state  # noqa: E402
from qemu_machine import Machine  # noqa: E402
from test_datapath import Wire  # noqa: E402
from test_synth import SYNTH_MAC, SynthTest  # noqa: E402

MEM = "256M"  # the channel's rings are at 64 MiB and up (RAM_SYNTH)
SCRATCH = 0x5EED1234
QREGS = ("DESC_LO", "AVAIL_LO", "USED_LO", "SIZE", "ENABLE", "AVAIL_POS", "USED_POS")


def fixture_args(synth_props):
    return machine_args(2, "netdev=n0", mem=MEM) + [
        "-device", "pcie-root-port,id=rp1,bus=pcie.0,chassis=2,addr=0x2",
        "-device", "sriovnic-synth,bus=rp1,id=synth0,pf=nic0,vf=0," + synth_props]


def ring_view(ring):
    return {"avail_idx": ring.avail_idx, "used_seen": ring.used_seen,
            "next_desc": ring.next_desc,
            "heads": {str(h): chain for h, chain in ring.heads.items()}}


def registers(fn):
    return {"DRV_FEATURES": fn.rd(S["REG_DRV_FEATURES"]),
            "FEATURES_OK": fn.rd(S["REG_FEATURES_OK"]),
            "SCRATCH": fn.rd(R["REG_SCRATCH"]), "CTRL": fn.rd(R["REG_CTRL"]),
            "queues": [[fn.qrd(q, r) for r in QREGS] for q in range(4)]}


def main(out):
    wire = Wire()
    props = f"mac={SYNTH_MAC.hex(':')},sriov=off"
    m = Machine(fixture_args(props) + wire.netdev_args("n0"), name="fixture")
    try:
        t = SynthTest.driver(m, wire)
        t.bring_up()
        t.fn.wr(R["REG_SCRATCH"], SCRATCH)
        t.card.enable_vfs(2)
        assert t.fn.rd(S["REG_DATAPATH"]) & 3 == 0, "SYNTHETIC"
        regs = registers(t.fn)
        with tempfile.TemporaryDirectory() as tmp:
            save_state(m, os.path.join(tmp, "stream"))
            with open(os.path.join(tmp, "stream"), "rb") as f, \
                    lzma.open(out + ".mig.xz", "wb") as xz:
                xz.write(f.read())
        with open(out + ".json", "w") as f:
            json.dump({"props": props, "registers": regs,
                       "rings": {"rx": ring_view(t.rx), "event": ring_view(t.ev)}},
                      f, indent=1)
    finally:
        m.kill()
        wire.close()


if __name__ == "__main__":
    main(sys.argv[2])
