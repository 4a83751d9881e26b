#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Makes the migration-compatibility fixture: runs a sriovnic QEMU (normally
the previous release's) under qtest, brings the card into a rich state the way
firmware and drivers would, records every register value it can read without
side effects, and saves the migration stream.

    make_migration_fixture.py QEMU OUT_PREFIX

writes OUT_PREFIX.mig.xz (the stream, xz-compressed) and OUT_PREFIX.json (the
command line, the expected values and the drivers' view of the rings), which
test_migration_compat.py loads into the QEMU under test.

Only registers that exist in the release the fixture is made with are read
(an unmapped read would latch an error and change the state it records), and
no write-only register is read."""
import json
import lzma
import os
import sys
import re
import subprocess
import tempfile
import time

if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    os.environ["SRIOVNIC_QEMU"] = os.path.abspath(sys.argv[1])

from sriovnic_pci import (BUS, R, RAM_MSG, SRIOV_CTRL, SRIOV_NUM_VF, Card, QueuePair,  # noqa: E402
                          machine_args, save_state, stat_reg)
from qemu_machine import Machine  # noqa: E402
from test_datapath import (PEER_IP, PEER_MAC, PF_IP, PF_MAC, VF_IPS, VF_MACS, Wire,  # noqa: E402
                           pattern, udp_frame)

VFS = 4
MEM = "64M"
PF_MAC_PROP = "02:53:52:00:00:01"  # == PF_MAC
VF_MAC_EXTRA = [bytes.fromhex("025352000103"), bytes.fromhex("025352000104")]
VF1_PORT_VLAN = 3 << 12 | 42       # the VFA_VLAN register: PCP 3 in 14:12, VID 42
VF1_TCI = 3 << 13 | 42             # the 802.1Q tag: PCP in 15:13
VF1_MAX_MTU = 4000
VF1_MTU = 3000
VF1_RATE = 1000                    # Mbit/s
VF2_VLAN_FILTER = (100, 200)
VF0_MC_HASH = (0x00010000, 0x80000000)
PF_MC_HASH = (0x12345678, 0x9ABCDEF0)
PF_ITR = 50
PF_Q1_ITR = 300
VF0_Q1_ITR = 250
VF2_MBX_MSG = [0x02000001, 2]      # HELLO, API version 2
VF3_MBX_MSG = [0x02000080]         # PF_RESET
ETH_P_8021Q = 0x8100
PF_MBX_PENDING0 = 0x0110           # SRIOVNIC_REG_PF_MBX_PENDING(0)
MBX_PF_MSG0 = 0x0880               # SRIOVNIC_REG_MBX_PF_MSG(0)

COMMON = ["ID", "VERSION", "CAPS", "FUNC", "CTRL", "STATUS", "SCRATCH", "INT_CAUSE",
          "INT_ENABLE_SET", "MISC_VECTOR", "ERR_CAUSE", "ERR_COUNT", "ERR_ADDR", "MAC_LO",
          "MAC_HI", "MTU", "RX_MODE", "MC_HASH_LO", "MC_HASH_HI"]
QUEUE = ["TX_BASE_LO", "TX_BASE_HI", "TX_LEN", "TX_HEAD", "TX_TAIL", "TX_CTRL", "RX_BASE_LO",
         "RX_BASE_HI", "RX_LEN", "RX_HEAD", "RX_TAIL", "RX_CTRL", "RX_BUF_LEN", "IRQ",
         "RX_NOBUF", "ITR"]
ADMIN = ["MAC_LO", "MAC_HI", "VLAN", "FLAGS", "RATE", "MBX_CTRL", "TX_DROPPED", "RX_DROPPED",
         "RX_PACKETS", "RX_PACKETS_HI", "RX_BYTES", "RX_BYTES_HI", "TX_PACKETS",
         "TX_PACKETS_HI", "TX_BYTES", "TX_BYTES_HI"]
CONFIG_BYTES = 0x200  # standard header, capabilities, ARI and SR-IOV
STATS_1_4 = 16        # counters of interface 1.4, all in the STAT_BASE window


def device_extra(netdev="n0"):
    return f"netdev={netdev},mac={PF_MAC_PROP}"


def qemu_args(wire):
    return machine_args(VFS, device_extra(), mem=MEM) + wire.netdev_args("n0")


def tagged(frame, tci):
    return frame[:12] + ETH_P_8021Q.to_bytes(2, "big") + tci.to_bytes(2, "big") + frame[12:]


def registers(c, vf):
    """(name, BAR0 offset) of every readable register of the function."""
    regs = [(name, R["REG_" + name]) for name in COMMON]
    for i in range(STATS_1_4):
        regs += [(f"STAT{i}", stat_reg(i)), (f"STAT{i}_HI", stat_reg(i) + 4)]
    qpairs = c.rd(R["REG_CAPS"], vf) >> R["CAPS_QPAIRS_SHIFT"] & 0xFF
    for q in range(qpairs):
        regs += [(f"Q{q}_{name}", R["REG_QUEUE_BASE"] + q * R["REG_QUEUE_STRIDE"] + R["Q_" + name])
                 for name in QUEUE]
    if vf is None:
        regs += [("PF_TOTAL_VFS", R["REG_PF_TOTAL_VFS"]),
                 ("PF_ACTIVE_VFS", R["REG_PF_ACTIVE_VFS"]),
                 ("PF_MBX_PENDING0", PF_MBX_PENDING0),
                 ("PF_VF_SELECT", R["REG_PF_VF_SELECT"])]
        for n in range(VFS):
            regs += [(f"ADMIN{n}_{name}", c.admin_reg(n, 4 * i)) for i, name in enumerate(ADMIN)]
            mbx = R["REG_PF_MBX_BASE"] + n * R["REG_PF_MBX_STRIDE"]
            regs += [(f"PF_MBX_VF_MSG{n}_{i}", mbx + 4 * i) for i in range(R["MBX_WORDS"])]
            regs += [(f"PF_MBX_PF_MSG{n}_{i}", mbx + 0x40 + 4 * i) for i in range(R["MBX_WORDS"])]
    else:
        regs += [(f"MBX_VF_MSG{i}", R["REG_MBX_BASE"] + 4 * i) for i in range(R["MBX_WORDS"])]
        regs += [("MBX_STATUS", R["REG_MBX_STATUS"])]
        regs += [(f"MBX_PF_MSG{i}", MBX_PF_MSG0 + 4 * i) for i in range(R["MBX_WORDS"])]
    return regs


def record(c):
    """Everything the destination must show after loading, read now."""
    fns = {"pf": None, **{f"vf{n}": n for n in range(VFS)}}
    rec = {"config": {}, "msix": {}, "regs": {}, "selected": []}
    for key, vf in fns.items():
        rec["config"][key] = [c.cfg_read(off, vf=vf) for off in range(0, CONFIG_BYTES, 4)]
        vectors = 5 if vf is None else 3
        base = c.msix_base(vf)
        rec["msix"][key] = {
            "table": [c.m.read(base + off, 4) for off in range(0, vectors * 16, 4)],
            "pba": c.m.read(base + R["MSIX_PBA_OFFSET"], 4)}
        rec["regs"][key] = [[name, off, c.rd(off, vf)] for name, off in registers(c, vf)]
    # Registers the PF reaches through PF_VF_SELECT: read each VF's, then
    # put the selection back as it was (it is part of the saved state).
    select = c.rd(R["REG_PF_VF_SELECT"])
    for n in range(VFS):
        c.wr(R["REG_PF_VF_SELECT"], n)
        for name in ("PF_VLAN_FILTER", "PF_VF_MC_HASH_LO", "PF_VF_MC_HASH_HI"):
            rec["selected"].append([n, name, R["REG_" + name], c.rd(R["REG_" + name])])
    c.wr(R["REG_PF_VF_SELECT"], select)
    return rec


def build_state(m, wire):
    c = Card(m)
    c.enable_vfs(VFS)
    assert c.sriov_read(SRIOV_NUM_VF) == VFS

    # MSI-X on the PF and on the VFs with rings: vector 0 (misc) and 1 (queue 0).
    for slot, vf in enumerate((None, 0, 1)):
        for vector in (0, 1):
            c.setup_msix(vector, RAM_MSG + slot * 0x40 + vector * 0x10,
                         0x5A000000 | slot << 8 | vector, vf=vf)

    # PF, as its driver's open would do.
    c.wr(R["REG_CTRL"], R["CTRL_ENABLE"])
    c.set_mac(PF_MAC)
    c.wr(R["REG_MISC_VECTOR"], R["VECTOR_VALID"] | 0)
    c.wr(R["REG_INT_ENABLE_SET"], R["INT_ERROR"] | R["INT_LINK"] | R["INT_MBX"])
    c.wr(R["REG_RX_MODE"], R["RX_MODE_ALLMULTI"])
    c.wr(R["REG_MC_HASH_LO"], PF_MC_HASH[0])
    c.wr(R["REG_MC_HASH_HI"], PF_MC_HASH[1])
    pf = QueuePair(c, area=0)
    pf.wr("Q_ITR", PF_ITR)
    c.qwr(1, R["Q_ITR"], PF_Q1_ITR)
    c.wr(R["REG_SCRATCH"], 0x5C0FF1CE)

    # The PF administers its VFs.
    c.set_admin_mac(0, VF_MACS[0])
    c.set_admin_mac(1, VF_MACS[1])
    c.set_admin_mac(2, VF_MAC_EXTRA[0])
    c.set_admin_mac(3, VF_MAC_EXTRA[1])
    c.wr(c.admin_reg(1, R["VFA_VLAN"]), VF1_PORT_VLAN)
    c.wr(c.admin_reg(1, R["VFA_FLAGS"]),
         R["VFA_FLAG_SPOOFCHK"] | R["VFA_FLAG_TRUST"] |
         R["VFA_LINK_ENABLE"] << R["VFA_LINK_SHIFT"] | VF1_MAX_MTU << R["VFA_MAX_MTU_SHIFT"])
    c.wr(c.admin_reg(1, R["VFA_RATE"]), VF1_RATE)
    c.wr(c.admin_reg(3, R["VFA_FLAGS"]), R["VFA_LINK_DISABLE"] << R["VFA_LINK_SHIFT"])
    c.wr(R["REG_PF_VF_SELECT"], 0)
    c.wr(R["REG_PF_VF_MC_HASH_LO"], VF0_MC_HASH[0])
    c.wr(R["REG_PF_VF_MC_HASH_HI"], VF0_MC_HASH[1])
    c.wr(R["REG_PF_VF_SELECT"], 2)
    for vid in VF2_VLAN_FILTER:
        c.wr(R["REG_PF_VLAN_FILTER"], R["VLAN_FILTER_ADD"] | vid)

    # VF drivers.
    vfq = []
    for n in range(2):
        c.wr(R["REG_CTRL"], R["CTRL_ENABLE"], vf=n)
        c.wr(R["REG_MISC_VECTOR"], R["VECTOR_VALID"] | 0, vf=n)
        c.wr(R["REG_INT_ENABLE_SET"], R["INT_ALL"], vf=n)
        vfq.append(QueuePair(c, area=1 + n, vf=n))
    c.wr(R["REG_MTU"], VF1_MTU, vf=1)
    c.qwr(1, R["Q_ITR"], VF0_Q1_ITR, vf=0)
    c.wr(R["REG_CTRL"], R["CTRL_ENABLE"], vf=2)
    for n in range(VFS):
        c.wr(R["REG_SCRATCH"], 0xC0DE0000 + n, vf=n)
    c.wr(R["REG_ID"], 0, vf=3)  # a mistake: ERR_RO_WRITE latched on VF 3

    # Mailbox: VF 2's HELLO waits for the PF; the PF's notice waits for VF 3.
    for i, word in enumerate(VF2_MBX_MSG):
        c.wr(R["REG_MBX_BASE"] + 4 * i, word, vf=2)
    c.wr(R["REG_MBX_CTRL"], R["MBX_CTRL_SEND"], vf=2)
    for i, word in enumerate(VF3_MBX_MSG):
        c.wr(R["REG_PF_MBX_BASE"] + 3 * R["REG_PF_MBX_STRIDE"] + 0x40 + 4 * i, word)
    c.wr(c.admin_reg(3, R["VFA_MBX_CTRL"]), R["MBX_CTRL_SEND"])

    # Traffic, every frame checked where it lands.
    def expect_wire(frame):
        got = wire.recv()
        assert got == frame, f"on the wire: {got.hex()}\nexpected {frame.hex()}"

    for n in range(3):
        f = udp_frame(PEER_MAC, PF_MAC, PF_IP, PEER_IP, pattern(80 + n, seed=n))
        pf.send(f)
        expect_wire(f)
    for n in range(2):
        f = udp_frame(PF_MAC, PEER_MAC, PEER_IP, PF_IP, pattern(90 + n, seed=10 + n))
        wire.send(f)
        assert pf.receive().data == f
    for n in range(2):
        f = udp_frame(PEER_MAC, VF_MACS[0], VF_IPS[0], PEER_IP, pattern(70 + n, seed=20 + n))
        vfq[0].send(f)
        expect_wire(f)
    f = udp_frame(VF_MACS[0], PEER_MAC, PEER_IP, VF_IPS[0], pattern(60, seed=30))
    wire.send(f)
    assert vfq[0].receive().data == f
    # Untagged for VF 1 from the wire: VF 1 is on a port VLAN, the frame is
    # filtered; tagged with its VLAN: received without the tag.
    f = udp_frame(VF_MACS[1], PEER_MAC, PEER_IP, VF_IPS[1], pattern(100, seed=40))
    wire.send(f)
    f = udp_frame(VF_MACS[1], PEER_MAC, PEER_IP, VF_IPS[1], pattern(100, seed=50))
    wire.send(tagged(f, VF1_TCI))
    assert vfq[1].receive().data == f
    # VF 0 to VF 1 on VF 1's VLAN: stays in the card.
    f = udp_frame(VF_MACS[1], VF_MACS[0], VF_IPS[0], VF_IPS[1], pattern(64, seed=55))
    vfq[0].send(tagged(f, VF1_TCI))
    assert vfq[1].receive().data == f
    # VF 1 transmits: tagged on the wire.
    f = udp_frame(PEER_MAC, VF_MACS[1], VF_IPS[1], PEER_IP, pattern(110, seed=60))
    vfq[1].send(f)
    expect_wire(tagged(f, VF1_TCI))
    # A frame for VF 0 that its driver has not looked at yet.
    pending = udp_frame(VF_MACS[0], PEER_MAC, PEER_IP, VF_IPS[0], pattern(120, seed=70))
    wire.send(pending)
    deadline = time.monotonic() + 10
    while not vfq[0].rx_ready():
        assert time.monotonic() < deadline, "VF 0 did not receive"
        time.sleep(0.005)

    assert c.stat(R["STAT_RX_DROP_FILTER"], vf=1) == 1
    assert c.rd(PF_MBX_PENDING0) == 1 << 2
    drivers = {"pf": {"area": 0, "q": 0, "rx_next": pf.rx_next},
               "vf0": {"area": 1, "q": 0, "rx_next": vfq[0].rx_next},
               "vf1": {"area": 2, "q": 0, "rx_next": vfq[1].rx_next}}
    return c, drivers, {"vf0_pending": pending.hex()}


def qemu_provenance():
    """The QEMU binary and, when it sits in a sriovnic checkout's build
    directory, that checkout's commit."""
    binary = os.environ["SRIOVNIC_QEMU"]
    root = os.path.normpath(os.path.join(os.path.dirname(binary), "..", "..", ".."))
    r = subprocess.run(["git", "-C", root, "describe", "--always", "--dirty"],
                       capture_output=True, text=True)
    return {"binary": os.path.basename(binary),
            "commit": r.stdout.strip() if r.returncode == 0 else "unknown"}


def dumps(rec):
    """JSON with the innermost lists on one line each, so a diff of two
    fixtures reads register by register."""
    text = json.dumps(rec, indent=1)
    return re.sub(r"\[\s*([^\[\]{}]*?)\s*\]",
                  lambda m: "[" + re.sub(r",\s+", ", ", m.group(1)) + "]", text) + "\n"


def make(out_prefix):
    wire = Wire()
    m = Machine(qemu_args(wire), name="fixture")
    try:
        c, drivers, frames = build_state(m, wire)
        rec = record(c)
        rec["sriov_ctrl"] = c.sriov_read(SRIOV_CTRL)
        rec["drivers"] = drivers
        rec["frames"] = frames
        rec["vfs"] = VFS
        rec["mem"] = MEM
        rec["device_extra"] = device_extra()
        rec["bus"] = BUS
        rec["version"] = c.rd(R["REG_VERSION"])
        rec["qemu"] = qemu_provenance()
        with tempfile.TemporaryDirectory() as tmp:
            raw = os.path.join(tmp, "stream")
            save_state(m, raw)
            with open(raw, "rb") as f:
                stream = f.read()
        with lzma.open(out_prefix + ".mig.xz", "wb", preset=9 | lzma.PRESET_EXTREME) as f:
            f.write(stream)
        with open(out_prefix + ".json", "w") as f:
            f.write(dumps(rec))
        print(f"{out_prefix}.mig.xz: {len(stream)} bytes of stream, "
              f"{os.path.getsize(out_prefix + '.mig.xz')} compressed")
    finally:
        m.kill()
        wire.close()


if __name__ == "__main__":
    make(sys.argv[2])
