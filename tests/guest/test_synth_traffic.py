# SPDX-License-Identifier: GPL-2.0-or-later
"""The synthetic channel under traffic, on a segment of its own: a guest on
host A of netns.TwoHosts (its card's uplink a tap on host A's bridge) runs a
1000 packets/s UDP sequence stream and a paced TCP stream each way with the
traffic peer (tests/lib/traffic.py) while the host revokes and offers its VF
over QMP again and again.

SRIOVNIC_SYNTH_CYCLES sets the number of revoke/offer cycles (default 10,
the CI size; the issue's figure is 100). Figures per cycle are printed, never
asserted: revoke request -> guest completion and offer -> guest on the VF
(device clock, from SRIOVNIC_DATAPATH_CHANGED), and at both ends the longest
UDP gap, the packets lost and the longest TCP stall."""
import os
import statistics
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from bonded import BondedGuest, channel, datapath_events, wait_channel  # noqa: E402
from netlib import ethtool_stats, set_numvfs, wait_for, wait_stat  # noqa: E402
from netns import TwoHosts  # noqa: E402
from traffic import RATE, GuestStream, udp_lost  # noqa: E402

CYCLES = int(os.environ.get("SRIOVNIC_SYNTH_CYCLES", "10"))
GUEST_IP = "10.50.0.10"


def spread(values):
    """min / median / max, for the closing summary."""
    if not values:
        return "-"
    return f"{min(values):g} / {statistics.median(values):g} / {max(values):g}"


class SynthCyclesUnderTraffic(unittest.TestCase):
    """One guest on host A. The VF joins in the first scenario; each
    scenario that needs it joined joins it itself when it is not."""

    @classmethod
    def setUpClass(cls):
        cls.topo = TwoHosts()
        cls.addClassCleanup(cls.topo.close)
        cls.bond = BondedGuest("synth-cycles", host=cls.topo.host_a, mtu=9000,
                               address=f"{GUEST_IP}/24", vf=False)
        cls.g, cls.synth = cls.bond.g, cls.bond.synth

    @property
    def vf(self):
        """VF 0's netdev, joined (the data path on it)."""
        return self.bond.vf or self.bond.enable_vf()

    def wait_data_path(self, on_vf):
        wait_for(self.g, f"ethtool -S {self.synth}", rf"data_path_vf: {int(on_vf)}\b")

    def vf_mtu(self, vf):
        return self.g.sh(f"cat /sys/class/net/{vf}/mtu").strip()

    def test_bonding_forms_by_itself_at_mtu_9000(self):
        g = self.g
        vf = self.bond.enable_vf()  # offered, joined, data path on the VF
        wait_channel(g, "vf")
        self.assertEqual(self.vf_mtu(vf), "9000", "the VF joins at the synthetic netdev's MTU")
        before = ethtool_stats(g, self.synth)
        # Jumbo frames both ways through the VF: 8900 bytes of ICMP payload.
        out = g.sh(f"ping -c 3 -s 8900 -W 2 {TwoHosts.PEER_IP}; true", timeout=60)
        self.assertIn("3 packets received", out)
        after = ethtool_stats(g, self.synth)
        self.assertGreaterEqual(after["vf_rx_packets"] - before["vf_rx_packets"], 3)

    def test_revoke_offer_cycles_under_udp_and_tcp_streams(self):
        g, topo = self.g, self.topo
        vf = self.vf
        on_vf = ethtool_stats(g, self.synth)["vf_rx_packets"]
        peer = topo.traffic_peer(GUEST_IP)
        stream = GuestStream(g, TwoHosts.PEER_IP)
        peer.wait_connected()
        g.sh("sleep 1")
        wait_stat(g, self.synth, "vf_rx_packets", on_vf + 500, "the streams run through the VF")
        start = stream.snapshot()  # also starts the first cycle's window
        print(f"\nbefore the cycles, on the VF: {start['udp']['holes']} UDP packets missing in "
              f"the guest, longest gap {start['udp']['longest_gap_us'] / 1000:.1f} ms",
              file=sys.stderr)

        cycles = []
        for n in range(CYCLES):
            mark = len(g.machine.events)
            t0 = time.monotonic_ns()
            g.qmp("sriovnic-revoke", id="synth0", reason="admin")
            wait_channel(g, "synthetic")
            self.wait_data_path(False)
            g.qmp("sriovnic-offer", id="synth0")
            wait_channel(g, "vf")
            self.wait_data_path(True)
            self.assertEqual(self.vf_mtu(vf), "9000", f"cycle {n}: the VF rejoined at MTU 9000")
            self.assertEqual(g.qmp("query-sriovnic")[0]["vfs"][0]["mtu"], 9000,
                             f"cycle {n}: the card's view of VF 0")
            snap = stream.snapshot()
            rx_on_vf = ethtool_stats(g, self.synth)["vf_rx_packets"]
            t1 = time.monotonic_ns()
            events = datapath_events(g, mark)
            causes = [e["cause"] for e in events]
            self.assertEqual(causes, ["revoke-request", "revoke-done", "offer", "switch-to-vf"],
                             f"cycle {n}: {events}")
            cycles.append({"t0": t0, "t1": t1, "snap": snap,
                           "revoke_us": events[1]["since-previous-us"],
                           "offer_us": events[3]["since-previous-us"]})
            # The streams are back on the VF before the next cycle starts.
            wait_for(g, f"ethtool -S {self.synth}",
                     rf"vf_rx_packets: (?!{rx_on_vf}\b)\d+", timeout=30)

        g.sh("sleep 1")
        end = stream.snapshot()
        t_end = time.monotonic_ns()
        peer.quiesce()
        guest_report = stream.stop()
        report = peer.stop()

        self.print_cycles(cycles, report)
        udp, tcp = guest_report["udp"], guest_report["tcp"]
        to_peer_lost = udp_lost(udp["sent"], report.udp()["unique"])
        to_guest_lost = udp_lost(report.udp_sent, udp["unique"])
        print(f"{CYCLES} cycles: UDP guest->peer {udp['sent']} sent, {to_peer_lost} lost, "
              f"{report.udp()['duplicated']} duplicated; peer->guest {report.udp_sent} sent, "
              f"{to_guest_lost} lost, {udp['duplicated']} duplicated; TCP "
              f"{tcp['tx_bytes']} / {tcp['rx_bytes']} bytes out / in, longest stall "
              f"{tcp['longest_stall_us'] / 1000:.1f} ms (guest), "
              f"{report.tcp_stall_ms():.1f} ms (peer)", file=sys.stderr)

        names, values = (line.split()[1:] for line in
                         g.sh("grep Udp: /proc/net/snmp").splitlines()[:2])
        snmp = dict(zip(names, map(int, values)))
        print(f"guest UDP: {snmp['RcvbufErrors']} dropped at a full socket buffer "
              f"(counted as lost above)", file=sys.stderr)
        card = g.qmp("query-sriovnic")[0]
        print(f"dropped by the device for want of guest receive buffers: VF 0 "
              f"{card['vfs'][0]['counters']['rx-dropped-nobuf']}, synthetic "
              f"{card['channels'][0]['counters']['rx-dropped-nobuf']}", file=sys.stderr)

        self.assertTrue(tcp["connected"] and report.tcp["connected"])
        self.assertFalse(tcp["broken"], f"the guest's TCP stream broke: {tcp['error']}")
        self.assertFalse(report.tcp["broken"], f"the peer's TCP stream broke: "
                                               f"{report.tcp['error']}")
        self.assertFalse(tcp["corrupt"] or report.tcp["corrupt"], "TCP data arrived intact")
        # The streams outlived the cycles, both ways.
        self.assertGreater(end["udp"]["unique"], cycles[-1]["snap"]["udp"]["unique"])
        self.assertGreater(end["tcp"]["rx_bytes"], cycles[-1]["snap"]["tcp"]["rx_bytes"])
        after = report.udp(cycles[-1]["t1"], t_end)
        self.assertGreater(after["unique"], 0, "the peer still receives the guest's stream")
        self.assertEqual(channel(g)["revoke-timeouts"], 0)
        self.assertEqual(self.vf_mtu(vf), "9000")

    def test_surprise_removal_and_policy_keep_the_streams_on_synthetic(self):
        """A fault takes the VF away without asking, then a host policy
        forbids SR-IOV: each time the streams go on over the synthetic
        path, and the VF comes back at MTU 9000 afterwards."""
        g, topo = self.g, self.topo
        vf = self.vf
        peer = topo.traffic_peer(GUEST_IP)
        stream = GuestStream(g, TwoHosts.PEER_IP)
        peer.wait_connected()
        g.sh("sleep 1")
        phases = []
        for name, away, back, reason in (
                ("surprise removal",
                 {"cmd": "sriovnic-inject-fault", "id": "nic0", "vf": 0,
                  "fault": "surprise-removal"},
                 {"cmd": "sriovnic-inject-fault", "id": "nic0", "vf": 0, "fault": "restore"},
                 "revoked"),
                ("policy", {"cmd": "sriovnic-set-policy", "id": "synth0", "sriov-allowed": False},
                 {"cmd": "sriovnic-set-policy", "id": "synth0", "sriov-allowed": True},
                 "policy")):
            before = stream.snapshot()
            t0 = time.monotonic_ns()
            g.qmp(away.pop("cmd"), **away)
            ch = wait_channel(g, "synthetic")
            self.assertIn(reason, [r["code"] for r in ch.get("reasons", [])], ch)
            self.wait_data_path(False)
            on_synth = ethtool_stats(g, self.synth)["rx_packets"]
            g.sh("sleep 1")
            wait_stat(g, self.synth, "rx_packets", on_synth + 500,
                      f"{name}: the streams arrive on the synthetic path")
            during = stream.snapshot()
            self.assertGreater(during["udp"]["unique"], before["udp"]["unique"] + 500, name)
            t1 = time.monotonic_ns()
            g.qmp(back.pop("cmd"), **back)
            wait_channel(g, "vf")
            self.wait_data_path(True)
            self.assertEqual(self.vf_mtu(vf), "9000", f"after the {name}")
            g.sh("sleep 0.5")
            after = stream.snapshot()
            phases.append((name, t0, t1, time.monotonic_ns(), before, during, after))

        peer.quiesce()
        guest_report = stream.stop()
        report = peer.stop()
        for name, t0, t1, t2, before, during, after in phases:
            away, back = report.udp(t0, t1), report.udp(t1, t2)
            print(f"\n{name}: to synthetic: peer rx gap {away['longest_gap_ms']:.1f} ms, "
                  f"{away['holes']} missing; guest rx gap "
                  f"{during['udp']['window_longest_gap_us'] / 1000:.1f} ms, "
                  f"{during['udp']['holes'] - before['udp']['holes']} missing; back to the VF: "
                  f"peer rx gap {back['longest_gap_ms']:.1f} ms, {back['holes']} missing; "
                  f"guest rx gap {after['udp']['window_longest_gap_us'] / 1000:.1f} ms, "
                  f"{after['udp']['holes'] - during['udp']['holes']} missing", file=sys.stderr)
        tcp = guest_report["tcp"]
        self.assertFalse(tcp["broken"], tcp["error"])
        self.assertFalse(report.tcp["broken"], report.tcp["error"])
        self.assertFalse(tcp["corrupt"] or report.tcp["corrupt"])

    @staticmethod
    def print_cycles(cycles, report):
        print(f"\n{'cycle':>5} {'revoke->done':>12} {'offer->vf':>10} | peer rx: "
              f"{'gap ms':>7} {'holes':>5} {'stall ms':>8} | guest rx: {'gap ms':>7} "
              f"{'lost':>5} {'stall ms':>8}", file=sys.stderr)
        rows = []
        prev = None
        for n, c in enumerate(cycles):
            peer_udp = report.udp(c["t0"], c["t1"])
            snap = c["snap"]
            lost = snap["udp"]["holes"] - (prev["udp"]["holes"] if prev else 0)
            row = {"revoke_ms": c["revoke_us"] / 1000, "offer_ms": c["offer_us"] / 1000,
                   "peer_gap": round(peer_udp["longest_gap_ms"], 1),
                   "peer_holes": peer_udp["holes"],
                   "peer_stall": round(report.tcp_stall_ms(c["t0"], c["t1"]), 1),
                   "guest_gap": snap["udp"]["window_longest_gap_us"] / 1000,
                   "guest_lost": lost,
                   "guest_stall": snap["tcp"]["window_longest_stall_us"] / 1000}
            rows.append(row)
            prev = snap
            print(f"{n:>5} {row['revoke_ms']:>9.1f} ms {row['offer_ms']:>7.1f} ms | "
                  f"{row['peer_gap']:>15.1f} {row['peer_holes']:>5} {row['peer_stall']:>8.1f} | "
                  f"{row['guest_gap']:>16.1f} {row['guest_lost']:>5} {row['guest_stall']:>8.1f}",
                  file=sys.stderr)
        print("min / median / max:", file=sys.stderr)
        for key, what in (("revoke_ms", "revoke request -> guest completion, ms"),
                          ("offer_ms", "offer -> guest switched to the VF, ms"),
                          ("peer_gap", "longest UDP gap at the peer, ms"),
                          ("peer_holes", "UDP packets missing at the peer"),
                          ("peer_stall", "longest TCP stall at the peer, ms"),
                          ("guest_gap", "longest UDP gap in the guest, ms"),
                          ("guest_lost", "UDP packets missing in the guest"),
                          ("guest_stall", "longest TCP stall in the guest, ms")):
            print(f"  {what}: {spread([r[key] for r in rows])}", file=sys.stderr)


class OnePathOnly(unittest.TestCase):
    """A guest with the same card and channel that loads only some of the
    drivers: its network works on the one path it has."""

    def setUp(self):
        self.topo = TwoHosts()
        self.addCleanup(self.topo.close)

    def streams(self, ip, seconds=3):
        """Runs the streams for `seconds`; returns (guest report, peer report)."""
        peer = self.topo.traffic_peer(ip)
        stream = GuestStream(self.g, TwoHosts.PEER_IP)
        peer.wait_connected()
        self.g.sh(f"sleep {seconds}")
        peer.quiesce()
        mine = stream.stop()
        theirs = peer.stop()
        udp = mine["udp"]
        print(f"\n{self.id().split('.')[-1]}: UDP guest->peer "
              f"{udp_lost(udp['sent'], theirs.udp()['unique'])} of {udp['sent']} lost, "
              f"peer->guest {udp_lost(theirs.udp_sent, udp['unique'])} of {theirs.udp_sent} "
              f"lost; TCP {mine['tcp']['rx_bytes']} bytes in, {theirs.tcp['rx_bytes']} out",
              file=sys.stderr)
        self.assertFalse(mine["tcp"]["broken"] or theirs.tcp["broken"],
                         f"{mine['tcp']['error']} {theirs.tcp['error']}")
        self.assertGreater(mine["tcp"]["rx_bytes"], 0)
        self.assertGreater(theirs.tcp["rx_bytes"], 0)
        self.assertGreater(udp["unique"], seconds * RATE / 4, "the peer's stream arrives")
        self.assertGreater(theirs.udp()["unique"], seconds * RATE / 4, "the guest's arrives")
        return mine, theirs

    def test_guest_without_the_synth_driver_works_on_the_vf_alone(self):
        bond = BondedGuest("one-path", host=self.topo.host_a,
                           drivers=("sriovnic_pf", "sriovnic_vf"))
        self.g = g = bond.g
        vf = bond.vf
        g.sh(f"ip addr add {GUEST_IP}/24 dev {vf} && ip link set {vf} up")
        out = g.sh(f"ping -c 3 -W 1 {TwoHosts.PEER_IP}; true", timeout=30)
        self.assertIn(" 0% packet loss", out, "the VF reaches the peer")
        before = ethtool_stats(g, vf)
        self.streams(GUEST_IP)
        after = ethtool_stats(g, vf)
        self.assertGreater(after["dev_rx_packets"] - before["dev_rx_packets"], RATE)
        ch = channel(g)
        self.assertEqual(ch["state"], "offered", ch)  # nobody in the guest answers
        self.assertTrue(ch["rx-via-vf"], ch)
        self.assertIn("driver-not-ready", [r["code"] for r in ch.get("reasons", [])], ch)

    def test_guest_without_vf_drivers_works_on_synthetic_alone(self):
        bond = BondedGuest("one-path", host=self.topo.host_a, mtu=9000,
                           address=f"{GUEST_IP}/24", drivers=("sriovnic_pf", "sriovnic_synth"),
                           vf=False)
        self.g = g = bond.g
        synth = bond.synth
        set_numvfs(g, 1)  # offered, but no driver brings it up
        before = ethtool_stats(g, synth)
        self.streams(GUEST_IP)
        after = ethtool_stats(g, synth)
        self.assertEqual(after["data_path_vf"], 0)
        self.assertGreater(after["rx_packets"] - before["rx_packets"], RATE)
        self.assertEqual(after["vf_rx_packets"], 0)
        ch = channel(g)
        self.assertFalse(ch["rx-via-vf"], ch)
        self.assertIn("vf-down", [r["code"] for r in ch.get("reasons", [])], ch)


if __name__ == "__main__":
    unittest.main()
