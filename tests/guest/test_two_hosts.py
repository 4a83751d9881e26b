# SPDX-License-Identifier: GPL-2.0-or-later
"""Two hosts on one machine (netns.TwoHosts): a guest whose card's uplink is
a tap on its host's bridge live-migrates from host A to host B and back,
over TCP on the hosts' own link, while UDP and TCP streams run between it and
the traffic peer. No synthetic channel: the card's PF carries the traffic,
the reference a migration with failover is measured against.

Prints each migration's total time and downtime, packets lost and the
longest gap each way, and the longest TCP stall; asserts only that the
streams go on from the destination, unbroken."""
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
SETTLE_NS = 2 * 10**9  # traffic measured this long after each migration


def link_stats(host, dev):
    return json.loads(host.ns.run("ip", "-s", "-j", "link", "show", "dev", dev))[0]["stats64"]


class PlainMigrationBetweenHosts(unittest.TestCase):
    def test_streams_go_on_from_host_b_and_back_on_host_a(self):
        topo = TwoHosts()
        self.addCleanup(topo.close)
        a, b = topo.host_a, topo.host_b
        g = a.guest(a.netdev() + UPLINK_CARD, name="2hosts-a")
        g.sh(LOAD_DRIVERS)
        pf = pf_netdev(g)
        g.sh(f"ip link set {pf} mtu 9000 && ip addr add {GUEST_IP}/24 dev {pf} && "
             f"ip link set {pf} up")
        peer = topo.traffic_peer(GUEST_IP)
        stream = GuestStream(g, TwoHosts.PEER_IP)
        peer.wait_connected()
        g.sh("sleep 1")

        migrations = []
        for src_host, dst_host in ((a, b), (b, a)):
            before = stream.snapshot()
            link = link_stats(src_host, "mig")["tx"]["bytes"]
            tap = link_stats(dst_host, dst_host.tap())
            t0 = time.monotonic_ns()
            # The same options; "tap0" is the destination host's own tap.
            g, info = topo.migrate(g, dst_host, UPLINK_CARD,
                                   name=f"2hosts-{dst_host.label[-1].lower()}")
            t1 = time.monotonic_ns()
            stream.follow(g)
            g.sh(f"sleep {SETTLE_NS / 1e9}")
            after = stream.snapshot()
            tap2 = link_stats(dst_host, "tap0")
            what = f"{src_host.label} -> {dst_host.label}"
            self.assertGreater(link_stats(src_host, "mig")["tx"]["bytes"] - link, 1 << 20,
                               f"{what}: the migration stream used the hosts' link")
            # On the destination: the guest's traffic crosses its tap both ways.
            self.assertGreater(tap2["rx"]["packets"] - tap["rx"]["packets"], 500, what)
            self.assertGreater(tap2["tx"]["packets"] - tap["tx"]["packets"], 500, what)
            self.assertGreater(after["udp"]["unique"], before["udp"]["unique"], what)
            self.assertGreater(after["tcp"]["rx_bytes"], before["tcp"]["rx_bytes"], what)
            migrations.append((what, info, t0, t1, before, after))

        peer.quiesce()
        guest_report = stream.stop()
        report = peer.stop()

        for what, info, t0, t1, before, after in migrations:
            window = report.udp(t0, t1 + SETTLE_NS)
            print(f"\nplain migration {what}: total {info.get('total-time')} ms, downtime "
                  f"{info.get('downtime')} ms\n"
                  f"  UDP guest->peer: {window['holes']} missing, longest gap "
                  f"{window['longest_gap_ms']:.1f} ms\n"
                  f"  UDP peer->guest: {after['udp']['holes'] - before['udp']['holes']} missing, "
                  f"longest gap {after['udp']['window_longest_gap_us'] / 1000:.1f} ms "
                  f"(guest clock: it stops with the VM)\n"
                  f"  TCP: longest stall {report.tcp_stall_ms(t0, t1 + SETTLE_NS):.1f} ms at "
                  f"the peer, {after['tcp']['window_longest_stall_us'] / 1000:.1f} ms in the "
                  f"guest", file=sys.stderr)
        udp, tcp = guest_report["udp"], guest_report["tcp"]
        print(f"in all: UDP guest->peer {udp_lost(udp['sent'], report.udp()['unique'])} of "
              f"{udp['sent']} lost, peer->guest {udp_lost(report.udp_sent, udp['unique'])} of "
              f"{report.udp_sent} lost", file=sys.stderr)
        self.assertTrue(tcp["connected"])
        self.assertFalse(tcp["broken"], tcp["error"])
        self.assertFalse(report.tcp["broken"], report.tcp["error"])
        self.assertFalse(tcp["corrupt"] or report.tcp["corrupt"])
        self.assertGreater(report.udp(migrations[-1][3], migrations[-1][3] + SETTLE_NS)["unique"],
                           0, "the peer receives the guest's stream after the last migration")


if __name__ == "__main__":
    unittest.main()
