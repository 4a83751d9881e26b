# SPDX-License-Identifier: GPL-2.0-or-later
"""Two hosts on one machine (netns.TwoHosts): a guest whose card's uplink is
a tap on host A's bridge live-migrates to a QEMU on host B, over TCP on the
hosts' own link, while UDP and TCP streams run between it and the traffic
peer. No synthetic channel: the card's PF carries the traffic, the reference
a migration with failover is measured against.

Prints the migration's total time and downtime, packets lost and the longest
gap each way, and the longest TCP stall; asserts only that the streams go on
from host B, unbroken."""
import json
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from netlib import LOAD_DRIVERS, UPLINK_CARD, pf_netdev  # noqa: E402
from netns import TwoHosts  # noqa: E402
from traffic import GuestStream, udp_lost  # noqa: E402

GUEST_IP = "10.50.0.20"


def link_stats(host, dev):
    return json.loads(host.ns.run("ip", "-s", "-j", "link", "show", "dev", dev))[0]["stats64"]


class PlainMigrationBetweenHosts(unittest.TestCase):
    def test_streams_go_on_from_host_b(self):
        topo = TwoHosts()
        self.addCleanup(topo.close)
        a, b = topo.host_a, topo.host_b
        src = a.guest(a.netdev() + UPLINK_CARD, name="2hosts-src")
        # The same options: "tap0" is host B's own tap.
        dst = b.guest(b.netdev() + UPLINK_CARD, name="2hosts-dst", incoming="defer")
        src.sh(LOAD_DRIVERS)
        pf = pf_netdev(src)
        src.sh(f"ip link set {pf} mtu 9000 && ip addr add {GUEST_IP}/24 dev {pf} && "
               f"ip link set {pf} up")

        peer = topo.traffic_peer(GUEST_IP)
        stream = GuestStream(src, TwoHosts.PEER_IP)
        peer.wait_connected()
        src.sh("sleep 1")
        before = stream.snapshot()
        mig_link = link_stats(a, "mig")["tx"]["bytes"]
        tap_b = link_stats(b, "tap0")

        t0 = time.monotonic_ns()
        info = src.machine.migrate_to(dst.machine, uri=b.migration_uri(), timeout=180)
        t1 = time.monotonic_ns()
        stream.follow(dst)
        dst.sh("sleep 2")
        after = stream.snapshot()
        peer.quiesce()
        guest_report = stream.stop()
        report = peer.stop()

        sent_over_link = link_stats(a, "mig")["tx"]["bytes"] - mig_link
        tap_b2 = link_stats(b, "tap0")
        udp, tcp = guest_report["udp"], guest_report["tcp"]
        window = report.udp(t0, t1 + 2 * 10**9)
        print(f"\nplain migration host A -> host B: total {info.get('total-time')} ms, downtime "
              f"{info.get('downtime')} ms, {sent_over_link >> 20} MiB over the hosts' link\n"
              f"UDP guest->peer: {udp_lost(udp['sent'], report.udp()['unique'])} of "
              f"{udp['sent']} lost, longest gap {window['longest_gap_ms']:.1f} ms around the "
              f"migration\nUDP peer->guest: {udp_lost(report.udp_sent, udp['unique'])} of "
              f"{report.udp_sent} lost, longest gap {after['udp']['window_longest_gap_us'] / 1000:.1f}"
              f" ms (guest clock)\nTCP: longest stall {report.tcp_stall_ms(t0, t1 + 2 * 10**9):.1f}"
              f" ms at the peer, {after['tcp']['window_longest_stall_us'] / 1000:.1f} ms in "
              f"the guest", file=sys.stderr)

        self.assertGreater(sent_over_link, 1 << 20, "the migration stream used the hosts' link")
        # From host B: the guest's traffic crosses host B's tap both ways.
        self.assertGreater(tap_b2["rx"]["packets"] - tap_b["rx"]["packets"], 500)
        self.assertGreater(tap_b2["tx"]["packets"] - tap_b["tx"]["packets"], 500)
        self.assertGreater(after["udp"]["unique"], before["udp"]["unique"])
        self.assertGreater(report.udp(t1, t1 + 2 * 10**9)["unique"], 0)
        self.assertTrue(tcp["connected"])
        self.assertFalse(tcp["broken"], tcp["error"])
        self.assertFalse(report.tcp["broken"], report.tcp["error"])
        self.assertFalse(tcp["corrupt"] or report.tcp["corrupt"])
        self.assertGreater(after["tcp"]["rx_bytes"], before["tcp"]["rx_bytes"])


if __name__ == "__main__":
    unittest.main()
