# SPDX-License-Identifier: GPL-2.0-or-later
"""The synthetic channel under traffic, on a segment of its own: a guest on
host A of netns.TwoHosts (its card's uplink a tap on host A's bridge) runs a
1000 packets/s UDP sequence stream and a paced TCP stream each way with the
traffic peer (tests/lib/traffic.py) while the host revokes and offers its VF
over QMP again and again.

SRIOVNIC_SYNTH_CYCLES sets the number of revoke/offer cycles (default 10,
the CI size; the issue's figure is 100). Figures are printed, never
asserted: per cycle revoke request -> guest completion and offer -> guest on
the VF (device clock, from SRIOVNIC_DATAPATH_CHANGED), and whether a switch
adds a gap of its own. For that every switch has a window of WINDOW_NS
starting LEAD_NS before its request (the SRIOVNIC_DATAPATH_CHANGED event's
timestamp), and every switch is followed by a control window as long, with
the traffic settled on the path it moved to. 500 ms holds the whole switch
(request -> done is a few ms, at worst tens under TCG; the test counts any
that end outside) and the 200 ms minimum retransmission timeout of Linux TCP
after it, so a segment lost in the switch shows as a stall inside its window.
In no window does the test talk to the guest (its serial commands cost a TCG
guest CPU time): the checks of each switch run between the windows. Per
window the longest UDP gap and TCP stall each way are taken at the peer
(kernel receive timestamps) and in the guest (sriovnic-stream's gap log, see
tests/lib/gap_windows.py), and the distributions over the switch windows and
over the control windows are printed side by side, with whether the switch
windows are no worse (median, p90, max)."""
import os
import re
import statistics
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from bonded import BondedGuest, channel, wait_channel  # noqa: E402
from gap_windows import FIGURES, by_kind_lines, comparison_lines  # noqa: E402
from gap_windows import window_figures  # noqa: E402
from netlib import ethtool_stats, set_numvfs, wait_for, wait_stat  # noqa: E402
from netns import TwoHosts  # noqa: E402
from traffic import RATE, GuestStream, udp_lost  # noqa: E402

CYCLES = int(os.environ.get("SRIOVNIC_SYNTH_CYCLES", "10"))
GUEST_IP = "10.50.0.10"
MS = 1_000_000
WINDOW_NS = 500 * MS  # every window's length (the module's docstring says why)
LEAD_NS = 50 * MS     # a switch window starts this long before the request
SETTLE_NS = 300 * MS  # from a switch window's end to its control window at least
QUIET_NS = 100 * MS   # from the test's last command to the guest to a window
MIN_GAP_US = 2000     # the guest logs gaps from this long (normal: 1 ms)
# Switch windows, then the control windows, by kind: (key, name).
SWITCHES = (("to_synthetic", "revoke: to synthetic"), ("to_vf", "offer: to the VF"))
CONTROLS = (("on_synthetic", "on synthetic"), ("on_vf", "on the VF"))


# Where a gap from `start` to `end` lies, both from a window's request, in
# a window whose switch lasts `length`: the first that holds.
STRETCHES = (("ends before the request", lambda start, end, length: end < 0),
             ("spans the request", lambda start, end, length: start < 0),
             ("starts in the switch", lambda start, end, length: start <= length),
             ("in 20 ms after done", lambda start, end, length: start <= length + 20 * MS),
             ("in 100 ms after", lambda start, end, length: start <= length + 100 * MS),
             ("later", lambda start, end, length: True))


def stretch(start, ms, origin, length):
    """The index in STRETCHES of a gap of `ms` from `start`."""
    start -= origin
    end = start + int(ms * MS)
    return next(i for i, (_, holds) in enumerate(STRETCHES) if holds(start, end, length))


def sleep_until(t_ns):
    left = t_ns - time.monotonic_ns()
    if left > 0:
        time.sleep(left / 1e9)


def event_time_ns(event):
    """A QMP event's timestamp (QEMU's CLOCK_REALTIME) on the test's clock."""
    stamp = event["timestamp"]
    realtime_offset = time.clock_gettime_ns(time.CLOCK_REALTIME) - time.monotonic_ns()
    return stamp["seconds"] * 10**9 + stamp["microseconds"] * 1000 - realtime_offset


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
        out = g.sh(f"ping -c 3 -i 0.2 -s 8900 -W 2 {TwoHosts.PEER_IP}; true", timeout=60)
        self.assertIn("3 packets received", out)
        after = ethtool_stats(g, self.synth)
        self.assertGreaterEqual(after["vf_rx_packets"] - before["vf_rx_packets"], 3)

    def request(self, not_before, command, cause, **args):
        """Sends QMP `command` at `not_before` (test clock) or later; returns
        the time of the SRIOVNIC_DATAPATH_CHANGED event with `cause` it
        caused (or of the sending, if that event did not come with the answer)."""
        sleep_until(not_before)
        mark = len(self.g.machine.events)
        sent = time.monotonic_ns()
        self.g.qmp(command, **args)
        for e in self.g.machine.events[mark:]:
            if e["event"] == "SRIOVNIC_DATAPATH_CHANGED" and e["data"]["cause"] == cause:
                return event_time_ns(e)
        return sent

    @staticmethod
    def control_window(not_before):
        """A window in which nothing happens: from `not_before` at the
        earliest, QUIET_NS after now; returns it once it is over."""
        start = max(not_before, time.monotonic_ns() + QUIET_NS)
        sleep_until(start + WINDOW_NS)
        return start, start + WINDOW_NS

    def test_revoke_offer_cycles_under_udp_and_tcp_streams(self):
        g, topo = self.g, self.topo
        vf = self.vf
        on_vf = ethtool_stats(g, self.synth)["vf_rx_packets"]
        peer = topo.traffic_peer(GUEST_IP)
        stream = GuestStream(g, TwoHosts.PEER_IP, gap_log_us=MIN_GAP_US)
        peer.wait_connected()
        g.sh("sleep 1")
        wait_stat(g, self.synth, "vf_rx_packets", on_vf + 500, "the streams run through the VF")
        start = stream.snapshot()  # also starts the first cycle's window
        print(f"\nbefore the cycles, on the VF: {start['udp']['holes']} UDP packets missing in "
              f"the guest, longest gap {start['udp']['longest_gap_us'] / 1000:.1f} ms",
              file=sys.stderr)

        cycles = []
        cycles_start = next_request = time.monotonic_ns() + QUIET_NS + LEAD_NS
        for n in range(CYCLES):
            mark = len(g.machine.events)
            windows = {}
            revoke = self.request(next_request, "sriovnic-revoke", "revoke-request",
                                  id="synth0", reason="admin")
            windows["to_synthetic"] = (revoke - LEAD_NS, revoke - LEAD_NS + WINDOW_NS)
            sleep_until(windows["to_synthetic"][1])
            wait_channel(g, "synthetic")
            self.wait_data_path(False)
            windows["on_synthetic"] = self.control_window(windows["to_synthetic"][1] + SETTLE_NS)

            offer = self.request(windows["on_synthetic"][1] + LEAD_NS, "sriovnic-offer", "offer",
                                 id="synth0")
            windows["to_vf"] = (offer - LEAD_NS, offer - LEAD_NS + WINDOW_NS)
            sleep_until(windows["to_vf"][1])
            wait_channel(g, "vf")
            self.wait_data_path(True)
            self.assertEqual(self.vf_mtu(vf), "9000", f"cycle {n}: the VF rejoined at MTU 9000")
            self.assertEqual(g.qmp("query-sriovnic")[0]["vfs"][0]["mtu"], 9000,
                             f"cycle {n}: the card's view of VF 0")
            snap = stream.snapshot()
            rx_on_vf = ethtool_stats(g, self.synth)["vf_rx_packets"]
            # The streams are back on the VF before its control window.
            wait_for(g, f"ethtool -S {self.synth}",
                     rf"vf_rx_packets: (?!{rx_on_vf}\b)\d+", timeout=30)
            windows["on_vf"] = self.control_window(windows["to_vf"][1] + SETTLE_NS)
            next_request = windows["on_vf"][1] + LEAD_NS

            events = [e for e in g.machine.events[mark:]
                      if e["event"] == "SRIOVNIC_DATAPATH_CHANGED"]
            causes = [e["data"]["cause"] for e in events]
            self.assertEqual(causes, ["revoke-request", "revoke-done", "offer", "switch-to-vf"],
                             f"cycle {n}: {events}")
            at = [event_time_ns(e) for e in events]
            cycles.append({"windows": windows, "snap": snap,
                           "switches": {"to_synthetic": (at[0], at[1]), "to_vf": (at[2], at[3])},
                           "revoke_us": events[1]["data"]["since-previous-us"],
                           "offer_us": events[3]["data"]["since-previous-us"]})

        cycles_s = (time.monotonic_ns() - cycles_start) / 1e9
        g.sh("sleep 1")
        end = stream.snapshot()
        t_end = time.monotonic_ns()
        peer.quiesce()
        guest_report = stream.stop()
        report = peer.stop()
        fetch_start = time.monotonic()
        gap_log = stream.gap_log()
        print(f"\n{CYCLES} cycles took {cycles_s:.1f} s; the guest's gap log ({gap_log.records} "
              f"lines) {time.monotonic() - fetch_start:.1f} s to fetch", file=sys.stderr)

        self.print_comparison(cycles, self.print_cycles(cycles, report, gap_log), gap_log)
        udp, tcp = guest_report["udp"], guest_report["tcp"]
        to_peer_lost = udp_lost(udp["sent"], report.udp()["unique"])
        to_guest_lost = udp_lost(report.udp_sent, udp["unique"])
        at_peer = report.udp()
        print(f"{CYCLES} cycles: UDP guest->peer {udp['sent']} sent, {to_peer_lost} lost, "
              f"{at_peer['duplicated']} duplicated, {at_peer['reordered']} reordered; "
              f"peer->guest {report.udp_sent} sent, {to_guest_lost} lost, {udp['duplicated']} "
              f"duplicated, {udp['reordered']} reordered; TCP "
              f"{tcp['tx_bytes']} / {tcp['rx_bytes']} bytes out / in, longest stall "
              f"{tcp['longest_stall_us'] / 1000:.1f} ms (guest), "
              f"{report.tcp_stall_ms():.1f} ms (peer)", file=sys.stderr)
        # A packet lost in a cycle leaves a hole; one sent after the
        # receiver's last arrival was lost as the streams stopped.
        skipped, never = gap_log.skipped()
        print(f"of those lost, sent after the receiver's last arrival: guest->peer "
              f"{udp['sent'] - 1 - max(report.udp_seqs, default=-1)}, peer->guest "
              f"{report.udp_sent - 1 - udp['highest']}; sequence numbers the guest's "
              f"arrivals skipped: {skipped}, of which lost {never}", file=sys.stderr)

        names, values = (line.split()[1:] for line in
                         g.sh("grep Udp: /proc/net/snmp").splitlines()[:2])
        snmp = dict(zip(names, map(int, values)))
        print(f"guest UDP: {snmp['RcvbufErrors']} dropped at a full socket buffer "
              f"(counted as lost above)", file=sys.stderr)
        card = g.qmp("query-sriovnic")[0]
        print(f"dropped by the device for want of guest receive buffers: VF 0 "
              f"{card['vfs'][0]['counters']['rx-dropped-nobuf']}, synthetic "
              f"{card['channels'][0]['counters']['rx-dropped-nobuf']}", file=sys.stderr)
        # While the guest's ring is full the card stops taking frames from
        # the tap (QEMU stops reading it), and the tap's queue drops the rest.
        tx = re.search(r"TX:.*\n\s+\d+\s+\d+\s+\d+\s+(\d+)",
                       topo.host_a.ns.run("ip", "-s", "link", "show", "tap0"))
        print(f"dropped by host A's tap on the way to QEMU (its queue full while QEMU "
              f"did not read it): {tx.group(1) if tx else '?'}", file=sys.stderr)

        self.assertTrue(tcp["connected"] and report.tcp["connected"])
        self.assertFalse(tcp["broken"], f"the guest's TCP stream broke: {tcp['error']}")
        self.assertFalse(report.tcp["broken"], f"the peer's TCP stream broke: "
                                               f"{report.tcp['error']}")
        self.assertFalse(tcp["corrupt"] or report.tcp["corrupt"], "TCP data arrived intact")
        # The streams outlived the cycles, both ways.
        self.assertGreater(end["udp"]["unique"], cycles[-1]["snap"]["udp"]["unique"])
        self.assertGreater(end["tcp"]["rx_bytes"], cycles[-1]["snap"]["tcp"]["rx_bytes"])
        after = report.udp(cycles[-1]["windows"]["on_vf"][1], t_end)
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
    def print_cycles(cycles, report, gap_log):
        """The figures per cycle; returns those of every window by kind."""
        figures = {key: [] for key, _ in SWITCHES + CONTROLS}
        print(f"\nper {WINDOW_NS // MS} ms window: longest UDP gap at the peer / in the guest, "
              f"ms; UDP packets missing in the cycle at the peer / in the guest", file=sys.stderr)
        print(f"{'cycle':>5} {'revoke->done':>12} {'offer->vf':>10} | " +
              " | ".join(f"{name:>15}" for _, name in SWITCHES[:1] + CONTROLS[:1] +
                         SWITCHES[1:] + CONTROLS[1:]) + " | missing", file=sys.stderr)
        previous = None
        for n, c in enumerate(cycles):
            cells = []
            for key in ("to_synthetic", "on_synthetic", "to_vf", "on_vf"):
                f = window_figures(report, gap_log, *c["windows"][key])
                figures[key].append(f)
                cells.append(f"{f['udp_at_peer']:>7.1f} {f['udp_in_guest']:>7.1f}")
            span = (c["windows"]["to_synthetic"][0], c["windows"]["on_vf"][1])
            holes = c["snap"]["udp"]["holes"] - (previous["udp"]["holes"] if previous else 0)
            previous = c["snap"]
            print(f"{n:>5} {c['revoke_us'] / 1000:>9.1f} ms {c['offer_us'] / 1000:>7.1f} ms | " +
                  " | ".join(cells) + f" | {report.udp(*span)['holes']} / {holes}",
                  file=sys.stderr)
        print(f"min / median / max: revoke request -> guest completion, ms: "
              f"{spread([c['revoke_us'] / 1000 for c in cycles])}; offer -> guest switched "
              f"to the VF, ms: {spread([c['offer_us'] / 1000 for c in cycles])}",
              file=sys.stderr)
        return figures

    @staticmethod
    def print_comparison(cycles, figures, gap_log):
        """The switch windows against the control windows, and where the
        longest gaps and the missing packets are."""
        outside = sum(not (c["windows"][key][0] <= c["switches"][key][1] < c["windows"][key][1])
                      for c in cycles for key, _ in SWITCHES)
        below = sum(f["below_log_minimum"] for fs in figures.values() for f in fs)
        switch = [f for key, _ in SWITCHES for f in figures[key]]
        control = [f for key, _ in CONTROLS for f in figures[key]]
        print(f"\nA switch adds no gap of its own? {len(cycles)} cycles; windows of "
              f"{WINDOW_NS // MS} ms, a switch's from {LEAD_NS // MS} ms before its request, a "
              f"control window after each switch with the traffic settled; "
              f"{outside} of {2 * len(cycles)} switches ended outside their window; "
              f"{below} guest figures under the log's {gap_log.min_gap_ms:g} ms counted as "
              f"{gap_log.min_gap_ms:g} ms", file=sys.stderr)
        for line in comparison_lines(switch, control):
            print(line, file=sys.stderr)
        print("by kind of window:", file=sys.stderr)
        for line in by_kind_lines([(name, figures[key]) for key, name in SWITCHES + CONTROLS]):
            print(line, file=sys.stderr)

        # Where the longest gaps are, from the request: before it, over it,
        # in the switch (request -> done), after; in the control window
        # after each switch, from the same point of the window.
        print(f"where the window's longest gap is, from the request (control windows: "
              f"from the same point), windows per stretch: "
              f"{' | '.join(name for name, _ in STRETCHES)}", file=sys.stderr)
        for key, what in FIGURES:
            counts = {"switch": [0] * len(STRETCHES), "control": [0] * len(STRETCHES)}
            for n, c in enumerate(cycles):
                for (switch_kind, _), (control_kind, _) in zip(SWITCHES, CONTROLS):
                    request, done = c["switches"][switch_kind]
                    same = c["windows"][control_kind][0] + LEAD_NS
                    for which, f, origin in (("switch", figures[switch_kind][n], request),
                                             ("control", figures[control_kind][n], same)):
                        if f["starts"][key] is not None:  # None: under the log's minimum
                            counts[which][stretch(f["starts"][key], f[key], origin,
                                                  done - request)] += 1
            print(f"  {what}: switch {' | '.join(map(str, counts['switch']))}; control "
                  f"{' | '.join(map(str, counts['control']))}", file=sys.stderr)
        print("UDP packets missing at the peer; skipped in the guest (of those lost), by kind "
              "of window: " +
              "; ".join(f"{name} {sum(f['missing_at_peer'] for f in figures[key])}; "
                        f"{sum(f['skipped_in_guest'][0] for f in figures[key])} "
                        f"({sum(f['skipped_in_guest'][1] for f in figures[key])})"
                        for key, name in SWITCHES + CONTROLS), file=sys.stderr)


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
        out = g.sh(f"ping -c 3 -i 0.2 -W 1 {TwoHosts.PEER_IP}; true", timeout=30)
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
