# SPDX-License-Identifier: GPL-2.0-or-later
"""Device-level tests of -device sriovnic-synth, the synthetic channel: the
built QEMU under the qtest accelerator, the channel's split rings in guest
RAM driven over MMIO as the synth driver would, the card's uplink on a dgram
netdev whose other end is this test's UDP socket."""
import struct
import subprocess
import time
import unittest

from sriovnic_pci import (CAP_EXP, CAP_MSIX, EXP_DEVCAP, EXP_DEVCAP_FLR, MSG_HDR, NET_HDR,
                          R, S, SYNTH_BAR0, SYNTH_BUS, SYNTH_DEVFN, SYNTH_MSG, Card, QueuePair,
                          SplitRing, SynthFunction, stat_reg, synth_args)
from qemu_machine import QEMU, Machine, find_cap  # noqa: E402 (path set by sriovnic_pci)
from test_datapath import (IPPROTO_TCP, IPPROTO_UDP, TCP_ACK, inet_checksum, pseudo_header, tcp, PEER_IP, PEER_MAC, Wire, ether, ipv4,
                           partial_checksum, pattern, udp, udp_frame, ETH_P_IP)

SYNTH_MAC = bytes.fromhex("025352000301")
SYNTH_IP = bytes([10, 0, 0, 31])
NET_HDR_SIZE = S["NET_HDR_SIZE"]

# enums of synth.h
DP_SYNTHETIC, DP_OFFERED, DP_VF, DP_REVOKING = range(4)
PATH_SYNTHETIC, PATH_VF = 0, 1
ST_OK = 0
REVOKE_REMOVED = 4
Q_RX, Q_TX, Q_CTRL, Q_EVENT = S["Q_RX"], S["Q_TX"], S["Q_CTRL"], S["Q_EVENT"]
MSG_SWITCH = S["MSG_SWITCH_DATA_PATH"]
SWITCH = struct.Struct("<BBHI")        # path, reserved, vf_index, serial
OFFER = struct.Struct("<HHI6sH")       # vf_index, reserved, serial, mac, reserved2
REVOKE = struct.Struct("<HBBII")       # vf_index, reason, flags, serial, timeout_ms

FEATURES = (S["F_CSUM_TX"] | S["F_CSUM_RX"] | S["F_MTU"] | S["F_DATAPATH"] | S["F_VF_MAC"])
VF0_SERIAL = (1 << 8) | 1              # segment 0, bus 1 (the PF's), devfn 1

PCI_BASE_ADDRESS_0 = 0x10
SYNTH_DEVICE_ID = 0x0003
MSG_SWITCH_DONE = 0x8001


def run_qemu(*args):
    return subprocess.run([QEMU, "-nodefaults", "-display", "none", *args],
                          capture_output=True, text=True, timeout=60,
                          stdin=subprocess.DEVNULL)


def machine_cmdline(synth_props):
    return ["-M", "q35",
            "-device", "pcie-root-port,id=rp0,bus=pcie.0,chassis=1,addr=0x1",
            "-device", "pcie-root-port,id=rp1,bus=pcie.0,chassis=2,addr=0x2",
            "-device", "sriovnic,bus=rp0,id=nic0,vfs=2",
            "-device", "sriovnic-synth,bus=rp1," + synth_props]


class Properties(unittest.TestCase):
    def test_help_lists_every_property_with_a_description(self):
        out = run_qemu("-device", "sriovnic-synth,help").stdout
        for prop in ("pf=", "vf=", "mac=", "revoke-timeout=", "max-mtu=", "sriov=",
                     "csum=", "tso=", "datapath=", "on-migration="):
            line = next((ln for ln in out.splitlines() if ln.strip().startswith(prop)), None)
            self.assertIsNotNone(line, f"{prop} missing from:\n{out}")
            self.assertIn(" - ", line, f"{prop} has no description")

    def assert_refused(self, props, message):
        r = run_qemu(*machine_cmdline(props))
        self.assertNotEqual(r.returncode, 0)
        self.assertIn(message, r.stderr)

    def test_missing_pf_is_refused(self):
        self.assert_refused("vf=0", "property 'pf' or 'card' is required")

    def test_missing_vf_is_refused(self):
        self.assert_refused("pf=nic0", "property 'vf' is required")

    def test_vf_out_of_range_is_refused(self):
        self.assert_refused("pf=nic0,vf=2", "'vf' must be between 0 and 1 (got 2)")
        self.assert_refused("pf=nic0,vf=70000", "'vf' must be between 0 and 1 (got 70000)")

    def test_bad_max_mtu_is_refused(self):
        self.assert_refused("pf=nic0,vf=0,max-mtu=1000",
                            "'max-mtu' must be between 1500 and 9000 (got 1000)")
        self.assert_refused("pf=nic0,vf=0,max-mtu=9001",
                            "'max-mtu' must be between 1500 and 9000 (got 9001)")

    def test_bad_revoke_timeout_is_refused(self):
        self.assert_refused("pf=nic0,vf=0,revoke-timeout=0",
                            "'revoke-timeout' must be between 1 and 600000 (got 0)")

    def test_pf_that_is_not_a_sriovnic_is_refused(self):
        self.assert_refused("pf=rp0,vf=0", "property 'pf': 'rp0' is not a sriovnic device")

    def test_synth_before_its_pf_is_refused_saying_so(self):
        r = run_qemu("-M", "q35",
                     "-device", "pcie-root-port,id=rp0,bus=pcie.0,chassis=1,addr=0x1",
                     "-device", "pcie-root-port,id=rp1,bus=pcie.0,chassis=2,addr=0x2",
                     "-device", "sriovnic-synth,bus=rp1,pf=nic0,vf=0",
                     "-device", "sriovnic,bus=rp0,id=nic0,vfs=2")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("must come after its PF on the command line", r.stderr)

    def test_two_channels_for_one_vf_are_refused(self):
        r = run_qemu(*machine_cmdline("pf=nic0,vf=0"),
                     "-device", "pcie-root-port,id=rp2,bus=pcie.0,chassis=3,addr=0x3",
                     "-device", "sriovnic-synth,bus=rp2,pf=nic0,vf=0")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("VF 0 is already paired with a synthetic channel", r.stderr)


class SynthTest(unittest.TestCase):
    synth_props = f"mac={SYNTH_MAC.hex(':')}"

    def setUp(self):
        self.wire = Wire()
        self.addCleanup(self.wire.close)
        self.m = Machine(synth_args(2, self.synth_props, "netdev=n0") +
                         self.wire.netdev_args("n0"))
        self.addCleanup(self.m.kill)
        self.card = Card(self.m)
        self.fn = SynthFunction(self.card)

    @classmethod
    def driver(cls, machine, wire, setup=True):
        """This class's driver helpers for one machine of a test that runs
        several (migration), without a setUp of its own."""
        d = cls("run")
        d.m, d.wire = machine, wire
        d.card = Card(machine, setup=setup)
        d.fn = SynthFunction(d.card, setup=setup)
        return d

    def bring_up(self, features=FEATURES, events=True):
        """What the synth driver's probe and open do: features, queues, buffers."""
        fn = self.fn
        fn.wr(R["REG_CTRL"], R["CTRL_ENABLE"])
        self.assertEqual(fn.negotiate(features), 1)
        self.rx = SplitRing(fn, Q_RX)
        self.tx = SplitRing(fn, Q_TX)
        self.ctrl = SplitRing(fn, Q_CTRL)
        for _ in range(8):
            self.rx.post([(2048, True)], kick=False)
        self.rx.notify()
        if events:
            self.ev = SplitRing(fn, Q_EVENT)
            for _ in range(8):
                self.ev.post([(256, True)], kick=False)
            self.ev.notify()

    def next_event(self, want_type):
        """Reads events (reposting their buffers) until one of `want_type`."""
        deadline = time.monotonic() + 10
        seen = []
        while time.monotonic() < deadline:
            _, flags, length, data = self.ev.pop()
            self.ev.post([(256, True)])
            self.assertEqual(flags, 0)
            mtype, mlen, seq, status, _ = MSG_HDR.unpack(data[:12])
            seen.append(hex(mtype))
            if mtype == want_type:
                self.assertEqual(mlen, length)
                return seq, data[12:mlen]
        self.fail(f"no event {want_type:#x}; saw {seen}")

    def switch(self, path, vf=0, serial=0, seq=77):
        req = MSG_HDR.pack(MSG_SWITCH, 20, seq, 0, 0) + SWITCH.pack(path, 0, vf, serial)
        self.ctrl.post([(req, False), (32, True)])
        _, flags, length, data = self.ctrl.pop()
        self.assertEqual(flags, 0)
        self.assertEqual(length, 20)
        mtype, mlen, rseq, status, _ = MSG_HDR.unpack(data[:12])
        self.assertEqual((mtype, mlen, rseq), (MSG_SWITCH_DONE, 20, seq))
        return status, SWITCH.unpack(data[12:20])

    def receive_synth(self):
        _, flags, length, data = self.rx.pop()
        self.rx.post([(2048, True)])
        self.assertEqual(flags, 0)
        self.assertEqual(len(data), length)
        return NET_HDR.unpack(data[:NET_HDR_SIZE]), data[NET_HDR_SIZE:]

    def frame_for_channel(self, seed):
        return udp_frame(SYNTH_MAC, PEER_MAC, PEER_IP, SYNTH_IP, pattern(120, seed=seed))


class Identity(SynthTest):
    def test_ids_and_class(self):
        fn = self.fn
        self.assertEqual(fn.cfg_read(0x00), (SYNTH_DEVICE_ID << 16) | 0x5352)
        self.assertEqual(fn.cfg_read(0x08) >> 8, 0x020000)
        self.assertEqual(fn.cfg_read(0x2C), (SYNTH_DEVICE_ID << 16) | 0x5352)
        self.assertEqual(fn.rd(R["REG_ID"]), 0x534E5643)
        self.assertEqual(fn.rd(R["REG_FUNC"]), S["FUNC_VALUE"])
        self.assertEqual(fn.mac(), SYNTH_MAC)

    def test_bars(self):
        fn = self.fn
        for bar, size in ((0, S["REGS_SIZE"]), (2, R["MSIX_BAR_SIZE"])):
            off = PCI_BASE_ADDRESS_0 + 4 * bar
            saved = fn.cfg_read(off)
            self.assertEqual(saved & 0x7, 0x4, f"BAR{bar} is 64-bit memory")
            fn.cfg_write(off, 0xFFFFFFFF)
            self.assertEqual((~(fn.cfg_read(off) & ~0xF) & 0xFFFFFFFF) + 1, size, f"BAR{bar}")
            fn.cfg_write(off, saved)

    def test_msix_and_flr(self):
        msix = find_cap(self.m, SYNTH_BUS, SYNTH_DEVFN, CAP_MSIX)
        self.assertEqual((self.fn.cfg_read(msix + 2, 2) & 0x7FF) + 1, S["MSIX_VECTORS"])
        exp = find_cap(self.m, SYNTH_BUS, SYNTH_DEVFN, CAP_EXP)
        self.assertTrue(self.fn.cfg_read(exp + EXP_DEVCAP) & EXP_DEVCAP_FLR)

    def test_pf_cannot_be_unplugged_under_its_channel(self):
        resp = self.m.qmp_raw("device_del", id="nic0")
        self.assertIn("error", resp)
        self.assertIn("has a sriovnic-synth attached", resp["error"]["desc"])
        resp = self.m.qmp_raw("device_del", id="synth0")
        self.assertIn("error", resp)

    def test_msix_message_lands(self):
        fn = self.fn
        fn.setup_msix(0, SYNTH_MSG, 0x5157)
        fn.wr(R["REG_MISC_VECTOR"], R["VECTOR_VALID"] | 0)
        fn.wr(R["REG_INT_ENABLE_SET"], R["INT_SOFTWARE"])
        self.m.write(SYNTH_MSG, 4, 0)
        fn.wr(R["REG_INT_CAUSE_SET"], R["INT_SOFTWARE"])
        self.assertEqual(self.m.read(SYNTH_MSG, 4), 0x5157)

    def test_interrupt_aimed_at_its_own_registers_is_refused(self):
        """The reentrancy guard is off for BAR0 (as on PF and VF): the core
        sees the re-entry, refuses it and counts it."""
        fn = self.fn
        fn.wr(R["REG_SCRATCH"], 0x1234)
        fn.setup_msix(0, SYNTH_BAR0 + R["REG_SCRATCH"], 0xDEAD)
        fn.wr(R["REG_MISC_VECTOR"], R["VECTOR_VALID"] | 0)
        fn.wr(R["REG_INT_ENABLE_SET"], R["INT_SOFTWARE"])
        fn.wr(R["REG_INT_CAUSE_SET"], R["INT_SOFTWARE"])
        self.assertEqual(fn.rd(R["REG_SCRATCH"]), 0x1234)
        self.assertEqual(fn.rd(stat_reg(R["STAT_DMA_SELF"])), 1)
        fn.wr(R["REG_SCRATCH"], 0x5678)
        self.assertEqual(fn.rd(R["REG_SCRATCH"]), 0x5678, "the function keeps working")

    def test_flr_resets_the_function(self):
        fn = self.fn
        fn.wr(R["REG_SCRATCH"], 0xABCD)
        self.assertEqual(fn.negotiate(S["F_CSUM_TX"]), 1)
        exp = find_cap(self.m, SYNTH_BUS, SYNTH_DEVFN, CAP_EXP)
        ctl = fn.cfg_read(exp + 0x08, 2)
        fn.cfg_write(exp + 0x08, ctl | (1 << 15), 2)
        self.assertEqual(fn.cfg_read(0x10), 0x4, "FLR clears the BARs")
        fn = SynthFunction(self.card)  # assign them again, as the driver's reset does
        self.assertEqual(fn.rd(R["REG_SCRATCH"]), 0)
        self.assertEqual(fn.rd(S["REG_FEATURES_OK"]), 0)
        self.assertEqual(fn.mac(), SYNTH_MAC, "the host's MAC survives")


class Features(SynthTest):
    synth_props = f"mac={SYNTH_MAC.hex(':')},tso=off"

    def test_offered_features_follow_the_properties(self):
        offered = self.fn.rd(S["REG_DEV_FEATURES"])
        self.assertEqual(offered & (S["F_TSO4"] | S["F_TSO6"]), 0)
        self.assertEqual(offered & FEATURES, FEATURES)

    def test_accepted_set(self):
        self.assertEqual(self.fn.negotiate(FEATURES), 1)
        self.assertEqual(self.fn.rd(S["REG_DRV_FEATURES"]), FEATURES)
        self.assertEqual(self.fn.rd(R["REG_ERR_CAUSE"]), 0)

    def test_unoffered_bit_is_refused(self):
        self.assertEqual(self.fn.negotiate(S["F_CSUM_TX"] | S["F_TSO4"]), 0)
        self.assertEqual(self.fn.rd(R["REG_ERR_CAUSE"]) & S["ERR_FEATURES"], S["ERR_FEATURES"])
        self.assertEqual(self.fn.rd(R["REG_ERR_ADDR"]), S["REG_FEATURES_OK"])
        # The driver retries with less.
        self.assertEqual(self.fn.negotiate(S["F_CSUM_TX"]), 1)


class DataPath(SynthTest):
    def test_tx_with_checksum_offload_reaches_the_wire(self):
        self.bring_up()
        payload = pattern(300, seed=11)
        seg = udp(SYNTH_IP, PEER_IP, 4000, 5000, payload, checksum=0)
        l4_len = len(seg)
        seg = seg[:6] + struct.pack("!H", partial_checksum(SYNTH_IP, PEER_IP, IPPROTO_UDP,
                                                           l4_len)) + seg[8:]
        frame = ether(PEER_MAC, SYNTH_MAC, ETH_P_IP, ipv4(SYNTH_IP, PEER_IP, IPPROTO_UDP, seg))
        expected = udp_frame(PEER_MAC, SYNTH_MAC, SYNTH_IP, PEER_IP, payload)
        hdr = NET_HDR.pack(S["NH_NEEDS_CSUM"], 0, 0, 0, 14 + 20, 6, 0)
        self.tx.post([(hdr + frame, False)])
        self.assertEqual(self.wire.recv(), expected)
        _, flags, length, _ = self.tx.pop()
        self.assertEqual((flags, length), (0, 0))
        self.assertEqual(self.fn.rd(R["REG_ERR_CAUSE"]), 0)

    def test_tso_segments_a_tcp_frame(self):
        self.bring_up(FEATURES | S["F_TSO4"])
        mss, payload = 1448, pattern(4000, seed=12)
        seg = tcp(SYNTH_IP, PEER_IP, 40000, 80, 1000, TCP_ACK, payload,
                  checksum=partial_checksum(SYNTH_IP, PEER_IP, IPPROTO_TCP, 0))
        frame = ether(PEER_MAC, SYNTH_MAC, ETH_P_IP, ipv4(SYNTH_IP, PEER_IP, IPPROTO_TCP, seg))
        l4 = 14 + 20
        hdr = NET_HDR.pack(S["NH_NEEDS_CSUM"], 1, l4 + 20, mss, l4, 16, 0)  # GSO_TCPV4
        self.tx.post([(hdr + frame, False)])
        received = b""
        for n in range(3):
            s = self.wire.recv()
            chunk = min(mss, len(payload) - n * mss)
            self.assertEqual(len(s), l4 + 20 + chunk, f"segment {n}")
            th = s[l4:]
            self.assertEqual(struct.unpack("!I", th[4:8])[0], 1000 + n * mss)
            self.assertEqual(inet_checksum(pseudo_header(SYNTH_IP, PEER_IP, IPPROTO_TCP,
                                                         len(th)) + th), 0)
            received += th[20:]
        self.assertEqual(received, payload)
        self.assertEqual(self.tx.pop()[1], 0)
        self.assertEqual(self.fn.rd(R["REG_ERR_CAUSE"]), 0)

    def test_rx_from_the_wire_lands_with_a_net_header(self):
        self.bring_up()
        frame = self.frame_for_channel(3)
        self.wire.send(frame)
        (flags, gso, hdr_len, gso_size, cstart, coff, res), data = self.receive_synth()
        self.assertEqual(data, frame)
        self.assertEqual(flags, S["NH_CSUM_VALID"])
        self.assertEqual((gso, hdr_len, gso_size, cstart, coff, res), (0, 0, 0, 0, 0, 0))


class Offer(SynthTest):
    def enable_vfs_and_get_offer(self):
        self.bring_up()
        self.assertEqual(self.fn.rd(S["REG_DATAPATH"]) & 3, DP_SYNTHETIC)
        self.card.enable_vfs(2)
        self.assertEqual(self.card.mac(vf=0), SYNTH_MAC)
        _, payload = self.next_event(S["EV_VF_OFFER"])
        vf_index, res, serial, mac, res2 = OFFER.unpack(payload)
        self.assertEqual((vf_index, serial, mac, res, res2), (0, VF0_SERIAL, SYNTH_MAC, 0, 0))
        self.assertEqual(self.fn.rd(S["REG_DATAPATH"]) & 3, DP_OFFERED)
        return serial

    def bring_up_vf(self):
        self.card.wr(R["REG_CTRL"], R["CTRL_ENABLE"], vf=0)
        return QueuePair(self.card, area=1, vf=0)

    def test_vf_gets_the_channel_mac_and_is_offered(self):
        self.enable_vfs_and_get_offer()

    def test_switch_to_vf_and_back_steers_receive_traffic(self):
        serial = self.enable_vfs_and_get_offer()
        vf = self.bring_up_vf()
        status, (path, _, vf_index, rserial) = self.switch(PATH_VF, 0, serial)
        self.assertEqual(status, ST_OK)
        self.assertEqual((path, vf_index, rserial), (PATH_VF, 0, serial))
        dp = self.fn.rd(S["REG_DATAPATH"])
        self.assertEqual(dp & 3, DP_VF)
        self.assertTrue(dp & S["DP_RX_VIA_VF"])

        frame = self.frame_for_channel(5)
        self.wire.send(frame)
        self.assertEqual(vf.receive().data, frame)
        self.assertEqual(self.rx.pending(), 0, "nothing on the synthetic path")

        status, (path, _, vf_index, rserial) = self.switch(PATH_SYNTHETIC)
        self.assertEqual((status, path, vf_index, rserial), (ST_OK, PATH_SYNTHETIC, 0, 0))
        self.assertEqual(self.fn.rd(S["REG_DATAPATH"]) & 3, DP_OFFERED)
        frame = self.frame_for_channel(6)
        self.wire.send(frame)
        self.assertEqual(self.receive_synth()[1], frame)
        self.assertFalse(vf.rx_ready())

    def test_switch_to_a_vf_that_is_down_is_refused(self):
        serial = self.enable_vfs_and_get_offer()
        status, _ = self.switch(PATH_VF, 0, serial)
        self.assertEqual(status, 5)  # VF_DOWN: its driver has not brought it up

    def test_clearing_vf_enable_is_a_surprise_revoke(self):
        serial = self.enable_vfs_and_get_offer()
        self.bring_up_vf()
        self.assertEqual(self.switch(PATH_VF, 0, serial)[0], ST_OK)
        self.card.disable_vfs()
        _, payload = self.next_event(S["EV_VF_REVOKE"])
        vf_index, reason, flags, rserial, timeout = REVOKE.unpack(payload)
        self.assertEqual((vf_index, reason, flags, rserial, timeout),
                         (0, REVOKE_REMOVED, S["REVOKE_F_SURPRISE"], serial, 0))
        self.assertEqual(self.fn.rd(S["REG_DATAPATH"]) & 3, DP_SYNTHETIC)
        frame = self.frame_for_channel(7)
        self.wire.send(frame)
        self.assertEqual(self.receive_synth()[1], frame)
        # A switch back after a surprise is harmless.
        self.assertEqual(self.switch(PATH_SYNTHETIC)[0], ST_OK)

    def test_datapath_transitions_are_traced_by_name(self):
        self.m.hmp("trace-event sriovnic_synth_datapath on")
        self.enable_vfs_and_get_offer()
        self.m.qmp("stop")
        time.sleep(0.2)
        self.assertIn("data path SYNTHETIC -> OFFERED (offer)", self.m.log())


class Migration(unittest.TestCase):
    def test_channel_registers_and_rings_survive_migration(self):
        wires = [Wire(), Wire()]
        for w in wires:
            self.addCleanup(w.close)
        props = f"mac={SYNTH_MAC.hex(':')}"
        src = Machine(synth_args(2, props, "netdev=n0") + wires[0].netdev_args("n0"),
                      name="src")
        self.addCleanup(src.kill)
        dst = Machine(synth_args(2, props, "netdev=n0") + wires[1].netdev_args("n0") +
                      ["-incoming", "defer"], name="dst")
        self.addCleanup(dst.kill)

        t = SynthTest.driver(src, wires[0])
        t.bring_up()
        t.fn.wr(R["REG_SCRATCH"], 0x5EED)
        frame = t.frame_for_channel(8)
        wires[0].send(frame)
        self.assertEqual(t.receive_synth()[1], frame)
        regs = [t.fn.rd(S["REG_DRV_FEATURES"]), t.fn.rd(S["REG_FEATURES_OK"]),
                t.fn.rd(R["REG_SCRATCH"]), t.fn.rd(R["REG_CTRL"])]
        queues = [[t.fn.qrd(q, r) for r in ("DESC_LO", "AVAIL_LO", "USED_LO", "SIZE", "ENABLE",
                                             "AVAIL_POS", "USED_POS")] for q in range(4)]
        cfg = [t.fn.cfg_read(off) for off in range(0, 0x100, 4)]

        src.migrate_to(dst)
        for _ in range(200):
            if dst.qmp("query-status")["status"] != "inmigrate":
                break
            time.sleep(0.05)

        d = SynthTest.driver(dst, wires[1], setup=False)
        self.assertEqual([d.fn.cfg_read(off) for off in range(0, 0x100, 4)], cfg)
        self.assertEqual([d.fn.rd(S["REG_DRV_FEATURES"]), d.fn.rd(S["REG_FEATURES_OK"]),
                          d.fn.rd(R["REG_SCRATCH"]), d.fn.rd(R["REG_CTRL"])], regs)
        self.assertEqual([[d.fn.qrd(q, r) for r in ("DESC_LO", "AVAIL_LO", "USED_LO", "SIZE",
                                                     "ENABLE", "AVAIL_POS", "USED_POS")]
                          for q in range(4)], queues)
        # The driver's view carries on (guest RAM came along).
        d.rx = SplitRing.adopt(d.fn, Q_RX, t.rx.avail_idx, t.rx.used_seen, t.rx.next_desc,
                               t.rx.heads)
        d.tx = SplitRing.adopt(d.fn, Q_TX, t.tx.avail_idx, t.tx.used_seen, t.tx.next_desc,
                               t.tx.heads)
        frame = d.frame_for_channel(9)
        wires[1].send(frame)
        self.assertEqual(d.receive_synth()[1], frame)
        out = udp_frame(PEER_MAC, SYNTH_MAC, SYNTH_IP, PEER_IP, pattern(80, seed=10))
        d.tx.post([(NET_HDR.pack(0, 0, 0, 0, 0, 0, 0) + out, False)])
        # The destination announces itself (RARP, ethertype 0x8035) after the load.
        got = wires[1].recv()
        while got[12:14] == b"\x80\x35":
            got = wires[1].recv()
        self.assertEqual(got, out)

    def test_destination_offers_its_vf_after_the_pf_loaded(self):
        """The source keeps the guest synthetic (sriov=off) with VFs enabled;
        the destination's policy allows SR-IOV. Once the PF's section (VF
        Enable, the VF's MAC) and the channel's are loaded, the destination
        offers its VF with the serial the guest sees there."""
        wires = [Wire(), Wire()]
        for w in wires:
            self.addCleanup(w.close)
        src = Machine(synth_args(2, f"mac={SYNTH_MAC.hex(':')},sriov=off", "netdev=n0") +
                      wires[0].netdev_args("n0"), name="src")
        self.addCleanup(src.kill)
        dst = Machine(synth_args(2, f"mac={SYNTH_MAC.hex(':')},sriov=on", "netdev=n0") +
                      wires[1].netdev_args("n0") + ["-incoming", "defer"], name="dst")
        self.addCleanup(dst.kill)
        t = SynthTest.driver(src, wires[0])
        t.bring_up()
        t.card.enable_vfs(2)
        self.assertEqual(t.card.mac(vf=0), SYNTH_MAC)
        self.assertEqual(t.fn.rd(S["REG_DATAPATH"]) & 3, DP_SYNTHETIC)

        src.migrate_to(dst)
        for _ in range(200):
            if dst.qmp("query-status")["status"] != "inmigrate":
                break
            time.sleep(0.05)
        d = SynthTest.driver(dst, wires[1], setup=False)
        self.assertEqual(d.card.mac(vf=0), SYNTH_MAC)
        d.fn.qwr(S["Q_TX"], "NOTIFY", 1)  # offered at the guest's first transmit
        self.assertEqual(d.fn.rd(S["REG_DATAPATH"]) & 3, DP_OFFERED)
        d.ev = SplitRing.adopt(d.fn, Q_EVENT, t.ev.avail_idx, t.ev.used_seen, t.ev.next_desc,
                               t.ev.heads)
        _, payload = d.next_event(S["EV_VF_OFFER"])
        self.assertEqual(OFFER.unpack(payload)[:3], (0, 0, VF0_SERIAL))


if __name__ == "__main__":
    unittest.main()
