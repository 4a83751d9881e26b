# SPDX-License-Identifier: GPL-2.0-or-later
"""Migration compatibility: a stream saved by the previous release loads, and
a stream with state the previous release does not know is refused by it.

fixtures/sriovnic-1.4.{mig.xz,json} were made by make_migration_fixture.py
with the 1.4 release's QEMU (commit 209be26): the card in a rich state, the
stream, and every register value read back before saving.
fixtures/sriovnic-1.5.{mig.xz,json} were made the same way by the 1.5
release (commit e954422, that release's make_migration_fixture.py): the last
stream before the mailbox contract (interface 1.6) and the decoder rework.

fixtures/sriovnic-synth-synthetic.{mig.xz,json} were made by
make_synth_fixture.py with the QEMU of commit 7b47927 (before failover on
migration): a synthetic channel in SYNTHETIC with its rings running.

Set SRIOVNIC_QEMU_BASELINE to an older build (one without the counters2
subsections) to also check that it refuses a stream carrying them."""
import json
import lzma
import os
import shutil
import subprocess
import tempfile
import time
import unittest

from sriovnic_pci import (R, RAM_MSG, SRIOV_CTRL, SRIOV_NUM_VF, Card, QueuePair, load_state,
                          machine_args, save_state)
from qemu_machine import Machine
from test_datapath import (PEER_IP, PEER_MAC, PF_IP, PF_MAC, VF_IPS, VF_MACS, Wire, pattern,
                           udp_frame)
from make_synth_fixture import fixture_args, registers
from sriovnic_pci import S, SplitRing
from test_synth import OFFER, SYNTH_MAC, SynthTest

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "fixtures")
SYNTH_FIXTURE = os.path.join(HERE, "fixtures", "sriovnic-synth-synthetic")
BASELINE = os.environ.get("SRIOVNIC_QEMU_BASELINE", "")
ETH_P_8021Q = 0x8100
ETH_P_RARP = 0x8035
QUIET_PERIOD = 0.5
QEMU_VM_SUBSECTION = 0x05  # migration/savevm.c


def tagged(frame, tci):
    return frame[:12] + ETH_P_8021Q.to_bytes(2, "big") + tci.to_bytes(2, "big") + frame[12:]


def subsection_header(name):
    """How a subsection starts in the stream: QEMU_VM_SUBSECTION, the name's
    length, the name (migration/vmstate.c, vmstate_subsection_save)."""
    return bytes([QEMU_VM_SUBSECTION, len(name)]) + name.encode()


class StreamTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="sriovnic-compat-")
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)

    def machine(self, device_args, wire, incoming=True, trace=(), name="vm"):
        args = device_args + wire.netdev_args("n0")
        if incoming:
            args += ["-incoming", "defer"]
        for event in trace:
            args += ["-trace", f"enable={event}"]
        m = Machine(args, name=name)
        self.addCleanup(m.kill)
        return m

    def wire(self):
        w = Wire()
        self.addCleanup(w.close)
        return w


class PreviousRelease(StreamTest):
    """The 1.4 fixture loads into the QEMU under test with every value in
    place, and the card works on."""

    FIXTURE = os.path.join(FIXTURES, "sriovnic-1.4")

    @classmethod
    def setUpClass(cls):
        with open(cls.FIXTURE + ".json") as f:
            cls.rec = json.load(f)

    def setUp(self):
        super().setUp()
        stream = os.path.join(self.tmp, "stream")
        with lzma.open(self.FIXTURE + ".mig.xz") as src, open(stream, "wb") as dst:
            shutil.copyfileobj(src, dst)
        rec = self.rec
        self.w = self.wire()
        self.m = self.machine(machine_args(rec["vfs"], rec["device_extra"], mem=rec["mem"]),
                              self.w, name="dst")
        info = load_state(self.m, stream)
        self.assertEqual(info["status"], "completed",
                         f"{info.get('error-desc')}\n{self.m.log()}")
        self.c = Card(self.m, setup=False)
        self.announced = set()

    def functions(self):
        return {"pf": None, **{f"vf{n}": n for n in range(self.rec["vfs"])}}

    def test_config_space_and_msix_come_back(self):
        c, rec = self.c, self.rec
        self.assertEqual(c.sriov_read(SRIOV_NUM_VF), rec["vfs"])
        self.assertEqual(c.sriov_read(SRIOV_CTRL), rec["sriov_ctrl"], "VF Enable, MSE, ARI")
        for key, vf in self.functions().items():
            with self.subTest(function=key):
                words = [c.cfg_read(off, vf=vf) for off in range(0, 4 * len(rec["config"][key]), 4)]
                diff = {hex(4 * i): (hex(want), hex(got)) for i, (want, got)
                        in enumerate(zip(rec["config"][key], words)) if want != got}
                self.assertEqual(diff, {}, "config space: offset: (saved, loaded)")
                base = c.msix_base(vf)
                table = rec["msix"][key]["table"]
                self.assertEqual([self.m.read(base + 4 * i, 4) for i in range(len(table))], table,
                                 "MSI-X table")
                self.assertEqual(self.m.read(base + R["MSIX_PBA_OFFSET"], 4),
                                 rec["msix"][key]["pba"], "MSI-X PBA")

    def test_registers_come_back(self):
        c, rec = self.c, self.rec
        for key, vf in self.functions().items():
            with self.subTest(function=key):
                diff = {}
                for name, off, want in rec["regs"][key]:
                    got = c.rd(off, vf)
                    if name == "VERSION":  # the interface version of the build, not state
                        self.assertEqual(got, R["VERSION_MAJOR"] << 16 | R["VERSION_MINOR"])
                        self.assertEqual(want >> 16, got >> 16, "same major version")
                    elif got != want:
                        diff[f"{name}@{off:#x}"] = (hex(want), hex(got))
                self.assertEqual(diff, {}, "register: (saved, loaded)")
        # Read through PF_VF_SELECT; the selection itself was compared above.
        select = c.rd(R["REG_PF_VF_SELECT"])
        diff = {}
        for n, name, off, want in rec["selected"]:
            c.wr(R["REG_PF_VF_SELECT"], n)
            got = c.rd(off)
            if got != want:
                diff[f"VF {n} {name}"] = (hex(want), hex(got))
        c.wr(R["REG_PF_VF_SELECT"], select)
        self.assertEqual(diff, {}, "PF registers for a selected VF: (saved, loaded)")
        if "REG_STAT_BASE2" in R:  # counters the old stream does not carry start at 0
            for vf in self.functions().values():
                self.assertEqual(c.stat(R["STAT_DMA_SELF"], vf), 0)
        for key, vf in self.functions().items():
            saved = {name: value for name, _, value in rec["regs"][key]}
            self.assertEqual(c.rd(R["REG_ERR_CAUSE"], vf), saved["ERR_CAUSE"],
                             f"{key}: reading the registers latched no error")

    def recv(self, timeout=10):
        """The next frame on the wire, past the RARP announcements sent after
        an incoming migration (QEMU's for the PF, net/announce.c, and the
        card's for its other addresses), which are kept in self.announced as
        (source MAC, VLAN ID or 0)."""
        while True:
            frame = self.w.recv(timeout)
            tagged_frame = frame[12:14] == (0x8100).to_bytes(2, "big")
            ethertype = frame[16:18] if tagged_frame else frame[12:14]
            if ethertype != ETH_P_RARP.to_bytes(2, "big"):
                return frame
            vid = int.from_bytes(frame[14:16], "big") & 0xFFF if tagged_frame else 0
            self.announced.add((frame[6:12], vid))

    def test_every_receiving_address_is_announced(self):
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline and len(self.announced) < 3:
            try:
                self.recv(timeout=max(0.01, deadline - time.monotonic()))
            except AssertionError:
                break
        self.assertEqual(self.announced, {(PF_MAC, 0), (VF_MACS[0], 0), (VF_MACS[1], 42)},
                         "the PF's MAC by QEMU, each VF's by the card, on its port VLAN")

    def assert_quiet(self):
        try:
            frame = self.recv(QUIET_PERIOD)
        except AssertionError:
            return
        self.fail(f"unexpected frame on the wire: {frame.hex()}")

    def adopt(self, key, vf):
        d = self.rec["drivers"][key]
        return QueuePair.adopt(self.c, d["area"], d["q"], vf=vf, rx_next=d["rx_next"])

    def test_card_works_after_load(self):
        c, rec, w = self.c, self.rec, self.w
        pf, vf0, vf1 = self.adopt("pf", None), self.adopt("vf0", 0), self.adopt("vf1", 1)
        vf1_tci = 3 << 13 | 42

        # The frame VF 0's driver had not looked at is in its ring.
        rx = vf0.receive()
        self.assertEqual(rx.data.hex(), rec["frames"]["vf0_pending"])
        self.assertEqual(rx.flags, R["RXD_DONE"] | R["RXD_EOP"] | R["RXD_L4_CSUM_OK"])

        before = {vf: (c.stat(R["STAT_TX_PACKETS"], vf), c.stat(R["STAT_RX_PACKETS"], vf))
                  for vf in (None, 0, 1)}
        out = udp_frame(PEER_MAC, VF_MACS[0], VF_IPS[0], PEER_IP, pattern(99, seed=1))
        vf0.send(out)
        self.assertEqual(self.recv().hex(), out.hex(), "VF 0 transmits after the load")
        inbound = udp_frame(VF_MACS[0], PEER_MAC, PEER_IP, VF_IPS[0], pattern(98, seed=2))
        w.send(inbound)
        self.assertEqual(vf0.receive().data.hex(), inbound.hex(), "VF 0 receives its MAC")

        # VF 1's port VLAN, set by the PF before the save, still applies both ways.
        out = udp_frame(PEER_MAC, VF_MACS[1], VF_IPS[1], PEER_IP, pattern(97, seed=3))
        vf1.send(out)
        self.assertEqual(self.recv().hex(), tagged(out, vf1_tci).hex(), "tagged with VF 1's VLAN")
        inbound = udp_frame(VF_MACS[1], PEER_MAC, PEER_IP, VF_IPS[1], pattern(96, seed=4))
        w.send(tagged(inbound, vf1_tci))
        self.assertEqual(vf1.receive().data.hex(), inbound.hex(), "VF 1 receives untagged")

        # The PF, and VF to VF inside the card.
        out = udp_frame(PEER_MAC, PF_MAC, PF_IP, PEER_IP, pattern(95, seed=5))
        pf.send(out)
        self.assertEqual(self.recv().hex(), out.hex(), "the PF transmits")
        inbound = udp_frame(PF_MAC, PEER_MAC, PEER_IP, PF_IP, pattern(94, seed=6))
        w.send(inbound)
        self.assertEqual(pf.receive().data.hex(), inbound.hex(), "the PF receives")
        inside = udp_frame(VF_MACS[1], VF_MACS[0], VF_IPS[0], VF_IPS[1], pattern(93, seed=7))
        vf0.send(tagged(inside, vf1_tci))
        self.assertEqual(vf1.receive().data.hex(), inside.hex(), "VF 0 to VF 1")
        self.assert_quiet()
        self.assertEqual({vf: (c.stat(R["STAT_TX_PACKETS"], vf), c.stat(R["STAT_RX_PACKETS"], vf))
                          for vf in (None, 0, 1)},
                         {None: (before[None][0] + 1, before[None][1] + 1),
                          0: (before[0][0] + 2, before[0][1] + 1),
                          1: (before[1][0] + 1, before[1][1] + 2)},
                         "counters go on from the saved values")

        # Interrupts still land where the saved MSI-X tables say (VF 0, misc vector).
        addr = RAM_MSG + 0x40
        self.m.write(addr, 4, 0)
        c.wr(R["REG_INT_CAUSE"], R["INT_SOFTWARE"], vf=0)
        c.wr(R["REG_INT_CAUSE_SET"], R["INT_SOFTWARE"], vf=0)
        self.assertEqual(self.m.read(addr, 4), 0x5A000100)
        # The mailbox message that waited is still there for the PF to take.
        self.assertEqual(c.rd(R["REG_PF_MBX_BASE"] + 2 * R["REG_PF_MBX_STRIDE"]), 0x02000001)
        c.wr(c.admin_reg(2, R["VFA_MBX_CTRL"]), R["MBX_CTRL_ACK"])
        self.assertEqual(c.rd(R["REG_MBX_STATUS"], vf=2), 0, "VF 2's message taken")
        # Answered as a PF driver of 1.4 would (untagged): the device, which never
        # saw that request sent, knows it is the one waiting, and counts nothing.
        hello_reply = [R["MBX_HELLO"] | R["MBX_REPLY"] | 2 << 24, 0, 0, 1500]
        for i, word in enumerate(hello_reply):
            c.wr(R["REG_PF_MBX_BASE"] + 2 * R["REG_PF_MBX_STRIDE"] + 0x40 + 4 * i, word)
        c.wr(c.admin_reg(2, R["VFA_MBX_CTRL"]), R["MBX_CTRL_SEND"])
        self.assertEqual(c.rd(0x880, vf=2),  # MBX_PF_MSG(0)
                         hello_reply[0])
        self.assertEqual([c.rd(R[f"REG_MBX_{n}"], vf=2) for n in
                          ("BAD_REQUESTS", "BAD_REPLIES", "LATE_REPLIES", "DUP_REPLIES")],
                         [0, 0, 0, 0])


class Release15(PreviousRelease):
    """The same for the 1.5 release's stream: every value in place, the card
    works on, its untagged mailbox exchange included."""

    FIXTURE = os.path.join(FIXTURES, "sriovnic-1.5")


class NewSubsection(StreamTest):
    """DMA_SELF (counter 16, interface 1.5) travels in the subsections
    sriovnic/counters2 (PF) and sriovnic-vf/counters2 (VF), sent only when
    non-zero: a build that knows them loads them, one that does not refuses
    the stream. DMA_SELF is made non-zero by DMA into the card's own
    registers, so this test needs the behaviour test_reentrancy specifies."""

    PF_SUB = "sriovnic/counters2"
    VF_SUB = "sriovnic-vf/counters2"
    TRACE = "vmstate_subsection_load_bad"

    def make_stream(self):
        """A source with DMA_SELF = 1 on the PF and on VF 0; its stream."""
        w = self.wire()
        args = machine_args(2, "netdev=n0")
        src = self.machine(args, w, incoming=False, name="src")
        c = Card(src)
        c.enable_vfs(2)
        pf = QueuePair(c, area=0)
        vf0 = QueuePair(c, area=1, vf=0)
        # Each transmits from a buffer in the other's registers: refused.
        pf.post_tx(c.reg_base(0), 64, R["TXD_EOP"])
        pf.kick_tx()
        vf0.post_tx(c.reg_base(), 64, R["TXD_EOP"])
        vf0.kick_tx()
        c.wr(R["REG_SCRATCH"], 0x1234)
        expected = {None: c.stat(R["STAT_DMA_SELF"]), 0: c.stat(R["STAT_DMA_SELF"], vf=0),
                    1: c.stat(R["STAT_DMA_SELF"], vf=1)}
        self.assertEqual(expected, {None: 1, 0: 1, 1: 0},
                         "DMA_SELF after a TX buffer in a BAR (needs the DMA-into-BAR fix)")
        path = os.path.join(self.tmp, "stream")
        save_state(src, path)
        with open(path, "rb") as f:
            stream = f.read()
        for name in (self.PF_SUB, self.VF_SUB):
            self.assertEqual(stream.count(subsection_header(name)), 1, f"{name} in the stream")
        return args, path, stream, expected

    def load(self, args, path, trace=()):
        m = self.machine(args, self.wire(), trace=trace, name="dst")
        return m, load_state(m, path)

    def test_a_build_that_knows_the_subsections_loads_them(self):
        args, path, _, expected = self.make_stream()
        m, info = self.load(args, path)
        self.assertEqual(info["status"], "completed", f"{info.get('error-desc')}\n{m.log()}")
        c = Card(m, setup=False)
        self.assertEqual({vf: c.stat(R["STAT_DMA_SELF"], vf) for vf in expected}, expected)
        self.assertEqual(c.stat(R["STAT_DMA_ERRORS"]), 1)
        self.assertEqual(c.rd(R["REG_SCRATCH"]), 0x1234)

    def test_an_unknown_subsection_is_refused_by_name(self):
        args, _, stream, _ = self.make_stream()
        for name, owner, device in ((self.PF_SUB, "sriovnic", "/sriovnic'"),
                                    (self.VF_SUB, "sriovnic-vf", "/sriovnic-vf'")):
            with self.subTest(subsection=name):
                unknown = name[:-1] + "9"  # same length: the stream stays well-formed
                altered = stream.replace(subsection_header(name), subsection_header(unknown))
                self.assertNotEqual(altered, stream)
                path = os.path.join(self.tmp, f"altered-{owner}")
                with open(path, "wb") as f:
                    f.write(altered)
                m, info = self.load(args, path, trace=[self.TRACE])
                self.assertEqual(info["status"], "failed")
                self.assertEqual(info.get("error-desc"),
                                 "load of migration failed: No such file or directory")
                log = m.log()
                # vmstate_subsection_load(): trace_vmstate_subsection_load_bad(vmsd->name,
                # idstr, "(lookup)"), printed as "%s: %s/%s".
                self.assertIn(f"{self.TRACE} {owner}: {unknown}/(lookup)", log)
                # qemu_loadvm_section_start_full()
                self.assertRegex(log, r"error while loading state for instance 0x[0-9a-f]+ of "
                                      r"device '[^']*" + device)

    @unittest.skipUnless(BASELINE, "SRIOVNIC_QEMU_BASELINE (an older build) not set")
    def test_an_older_build_refuses_the_stream(self):
        args, path, _, _ = self.make_stream()
        r = subprocess.run([BASELINE, "-nodefaults", "-display", "none", "-machine", "accel=qtest",
                            *args, "-netdev", "user,id=n0", "-trace", f"enable={self.TRACE}",
                            "-incoming", f"file:{path}"],
                           capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
        print(f"\n{BASELINE} exited with {r.returncode}:\n{r.stderr}")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn(f"{self.TRACE} sriovnic: {self.PF_SUB}/(lookup)", r.stderr)
        self.assertIn("load of migration failed: No such file or directory", r.stderr)


class MailboxContractSubsection(StreamTest):
    """The exchange the device follows on a VF's mailbox and its contract
    counters (interface 1.6) travel in sriovnic-vf/mailbox-contract, sent only
    when the mailbox was used: a duplicated reply is still one after the
    load, and a VF whose mailbox is untouched sends no subsection."""

    SUB = "sriovnic-vf/mailbox-contract"

    def exchange(self, c, vf, request, replies):
        for i, word in enumerate(request):
            c.wr(R["REG_MBX_BASE"] + 4 * i, word, vf=vf)
        c.wr(R["REG_MBX_CTRL"], R["MBX_CTRL_SEND"], vf=vf)
        c.wr(c.admin_reg(vf, R["VFA_MBX_CTRL"]), R["MBX_CTRL_ACK"])
        for reply in replies:
            for i, word in enumerate(reply):
                c.wr(R["REG_PF_MBX_BASE"] + vf * R["REG_PF_MBX_STRIDE"] + 0x40 + 4 * i, word)
            c.wr(c.admin_reg(vf, R["VFA_MBX_CTRL"]), R["MBX_CTRL_SEND"])
            c.wr(R["REG_MBX_CTRL"], R["MBX_CTRL_ACK"], vf=vf)

    def counters(self, c, vf):
        return [c.rd(R[f"REG_MBX_{n}"], vf=vf)
                for n in ("BAD_REQUESTS", "BAD_REPLIES", "LATE_REPLIES", "DUP_REPLIES")]

    def test_exchange_and_counters_migrate(self):
        w = self.wire()
        args = machine_args(2, "netdev=n0")
        src = self.machine(args, w, incoming=False, name="src")
        c = Card(src)
        c.enable_vfs(2)
        tag = 5 << R["MBX_TAG_SHIFT"]
        set_mtu = R["MBX_SET_MTU"] | tag | R["MBX_LEGACY_LEVEL"] << 24
        answer = set_mtu | R["MBX_REPLY"]
        self.exchange(c, 0, [set_mtu, 3000], [[answer], [answer]])
        self.assertEqual(self.counters(c, 0), [0, 0, 0, 1])
        path = os.path.join(self.tmp, "stream")
        save_state(src, path)
        with open(path, "rb") as f:
            self.assertEqual(f.read().count(subsection_header(self.SUB)), 1,
                             "VF 0 only: VF 1's mailbox was never used")
        m = self.machine(args, self.wire(), name="dst")
        info = load_state(m, path)
        self.assertEqual(info["status"], "completed", f"{info.get('error-desc')}\n{m.log()}")
        c = Card(m, setup=False)
        self.assertEqual(self.counters(c, 0), [0, 0, 0, 1])
        for i, word in enumerate([answer]):
            c.wr(R["REG_PF_MBX_BASE"] + 0x40 + 4 * i, word)
        c.wr(c.admin_reg(0, R["VFA_MBX_CTRL"]), R["MBX_CTRL_SEND"])
        self.assertEqual(self.counters(c, 0), [0, 0, 0, 2], "still a duplicate after the load")


class SynthBeforeFailover(StreamTest):
    """A channel's stream from before failover on migration (always
    SYNTHETIC, no sriovnic-synth/revoke subsection) loads with every value in
    place; this destination's policy allows SR-IOV, so it offers its VF, once
    the VM runs."""

    def test_loads_and_the_destination_offers_once_the_vm_runs(self):
        with open(SYNTH_FIXTURE + ".json") as f:
            fx = json.load(f)
        path = os.path.join(self.tmp, "stream")
        with lzma.open(SYNTH_FIXTURE + ".mig.xz") as xz, open(path, "wb") as f:
            f.write(xz.read())
        wire = self.wire()
        m = self.machine(fixture_args(f"mac={SYNTH_MAC.hex(':')}") + ["-S"], wire)
        info = load_state(m, path)
        self.assertEqual(info["status"], "completed", info.get("error-desc"))
        d = SynthTest.driver(m, wire, setup=False)
        self.assertEqual(registers(d.fn), fx["registers"])
        self.assertEqual(d.fn.rd(S["REG_DATAPATH"]) & 3, 0, "SYNTHETIC")
        m.qmp("cont")
        self.assertEqual(d.fn.rd(S["REG_DATAPATH"]) & 3, 0, "SYNTHETIC until the guest transmits")
        d.fn.qwr(S["Q_TX"], "NOTIFY", 1)
        self.assertEqual(d.fn.rd(S["REG_DATAPATH"]) & 3, 1, "OFFERED")
        ev = fx["rings"]["event"]
        d.ev = SplitRing.adopt(d.fn, S["Q_EVENT"], ev["avail_idx"], ev["used_seen"],
                               ev["next_desc"], {int(h): [tuple(p) for p in chain]
                                                 for h, chain in ev["heads"].items()})
        _, payload = d.next_event(S["EV_VF_OFFER"])
        self.assertEqual(OFFER.unpack(payload)[3], SYNTH_MAC)


if __name__ == "__main__":
    unittest.main()
