# SPDX-License-Identifier: GPL-2.0-or-later
"""Guest-level data path: the PF and VF drivers moving real traffic through
-netdev user, between VFs inside the card, with jumbo frames, while VFs come
and go, and across a live migration."""
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from guest import Guest  # noqa: E402
from netlib import (LOAD_DRIVERS, HostIperf, ethtool_stats, into_netns,  # noqa: E402
                    iperf_bytes, joined_guests, pf_netdev, set_numvfs, vf_netdevs)


def devices(vfs=8):
    return ["-netdev", "user,id=n0",
            "-device", "pcie-root-port,id=rp0,bus=pcie.0,chassis=1,addr=0x2",
            "-device", f"sriovnic,bus=rp0,id=nic0,vfs={vfs},netdev=n0"]


class PfTraffic(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.g = Guest(devices(), name="pf")
        cls.addClassCleanup(cls.g.kill)
        cls.g.sh(LOAD_DRIVERS)
        cls.dev = pf_netdev(cls.g)
        cls.g.sh(f"ip link set {cls.dev} up && udhcpc -i {cls.dev} -n -q -t 10 >/dev/null 2>&1",
                 timeout=90)

    def test_dhcp_lease_and_ping_through_user_netdev(self):
        self.assertIn("inet 10.0.2.15/24", self.g.sh(f"ip addr show {self.dev}"))
        self.assertIn("3 packets received", self.g.sh("ping -c 3 -i 0.2 -W 2 10.0.2.2"))

    def test_tcp_guest_to_host_and_back(self):
        for reverse in ("", "-R"):
            srv = HostIperf()
            try:
                out = self.g.sh(f"iperf3 -c 10.0.2.2 -p {srv.port} -t 2 {reverse}", timeout=60)
            finally:
                srv.close()
            self.assertGreater(iperf_bytes(out), 1 << 20, f"iperf3 {reverse}:\n{out}")

    def test_ethtool_reports_driver_offloads_queues_and_counters(self):
        g, dev = self.g, self.dev
        self.assertIn("driver: sriovnic_pf", g.sh(f"ethtool -i {dev}"))
        k = g.sh(f"ethtool -k {dev}")
        for feature in ("tcp-segmentation-offload: on", "tx-checksumming: on",
                        "rx-checksumming: on", "scatter-gather: on"):
            self.assertIn(feature, k)
        self.assertRegex(g.sh(f"ethtool -l {dev}"), r"Combined:\s+4[\s\S]*Combined:\s+1")
        self.assertRegex(g.sh(f"ethtool -g {dev}"), r"RX:\s+4095")
        self.assertIn("Speed: 10000Mb/s", g.sh(f"ethtool {dev}"))
        stats = ethtool_stats(g, dev)
        self.assertGreater(stats["dev_rx_packets"], 0)
        self.assertGreater(stats["rx0_csum_ok"], 0)
        self.assertEqual(stats["dev_dma_errors"], 0)
        self.assertEqual(stats["dev_desc_errors"], 0)

    def queue_interrupts_during_iperf(self):
        """Runs iperf3 host->guest for 2 s; returns (interrupts on the PF's
        queue vectors, seconds the guest saw pass, queue pairs, iperf3 output)."""
        g, dev = self.g, self.dev

        def snapshot():
            out = g.sh(f"cat /proc/uptime; grep -- '{dev}-q' /proc/interrupts")
            lines = out.splitlines()
            counts = [sum(int(f) for f in line.split()[1:] if f.isdigit())
                      for line in lines[1:]]
            return float(lines[0].split()[0]), sum(counts), len(counts)

        srv = HostIperf()
        try:
            t0, n0, _ = snapshot()
            out = g.sh(f"iperf3 -c 10.0.2.2 -p {srv.port} -t 2 -R", timeout=60)
            t1, n1, pairs = snapshot()
        finally:
            srv.close()
        return n1 - n0, t1 - t0, pairs, out

    def test_interrupt_moderation_bounds_the_queue_interrupt_rate(self):
        g, dev = self.g, self.dev
        self.assertRegex(g.sh(f"ethtool -c {dev}"), r"rx-usecs:\s+0\n")
        unmoderated, unmoderated_secs, _, _ = self.queue_interrupts_during_iperf()
        print(f"\nwithout moderation: {unmoderated} queue interrupts in {unmoderated_secs:.2f} s")
        g.sh(f"ethtool -C {dev} rx-usecs 5000")
        try:
            coalesce = g.sh(f"ethtool -c {dev}")
            self.assertRegex(coalesce, r"rx-usecs:\s+5000\n")
            self.assertRegex(coalesce, r"tx-usecs:\s+5000\n")
            moderated, secs, pairs, out = self.queue_interrupts_during_iperf()
            print(f"rx-usecs 5000: {moderated} queue interrupts in {secs:.2f} s")
            self.assertGreater(iperf_bytes(out), 1 << 20, out)
            # At most one interrupt per 5 ms per queue pair; the margin covers
            # reading the guest's clock and the counters at slightly different times.
            bound = pairs * (secs / 0.005 * 1.25 + 2)
            self.assertLessEqual(moderated, bound)
            # Otherwise this run could not tell moderation from none.
            self.assertGreater(unmoderated / unmoderated_secs * secs, bound,
                               "traffic too slow to judge moderation")
            refused = g.sh(f"ethtool -C {dev} rx-usecs 20000 2>&1; echo rc=$?")
            self.assertIn("rc=1", refused)
            refused = g.sh(f"ethtool -C {dev} rx-usecs 100 tx-usecs 200 2>&1; echo rc=$?")
            self.assertIn("share one interrupt", refused)
            self.assertRegex(g.sh(f"ethtool -c {dev}"), r"rx-usecs:\s+5000\n")
        finally:
            g.sh(f"ethtool -C {dev} rx-usecs 0")
        self.assertRegex(g.sh(f"ethtool -c {dev}"), r"rx-usecs:\s+0\n")

    def test_more_queue_pairs_keep_traffic_flowing(self):
        g, dev = self.g, self.dev
        g.sh(f"ethtool -L {dev} combined 4")
        self.assertRegex(g.sh(f"ethtool -l {dev}"), r"Current[\s\S]*Combined:\s+4")
        g.sh(f"ip route replace default via 10.0.2.2 dev {dev}")
        self.assertIn("3 packets received", g.sh("ping -c 3 -i 0.2 -W 2 10.0.2.2"))
        g.sh(f"ethtool -L {dev} combined 1 && ip route replace default via 10.0.2.2 dev {dev}")


class VfTraffic(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.g = Guest(devices(), name="vf")
        cls.addClassCleanup(cls.g.kill)
        cls.g.sh(LOAD_DRIVERS)
        cls.pf = pf_netdev(cls.g)
        cls.g.sh(f"ip link set {cls.pf} up")
        set_numvfs(cls.g, 4)
        cls.vfs = vf_netdevs(cls.g, 4)
        into_netns(cls.g, "a", cls.vfs[0], "192.168.50.1/24")
        into_netns(cls.g, "b", cls.vfs[1], "192.168.50.2/24")

    def test_vf_driver_bound_with_its_own_mac(self):
        out = self.g.sh("for d in /sys/bus/pci/devices/0000:01:00.[1-4]; do "
                        "basename $(readlink $d/driver); done")
        self.assertEqual(out.split(), ["sriovnic_vf"] * 4)
        macs = {self.g.sh(f"ip netns exec a cat /sys/class/net/{self.vfs[0]}/address"),
                self.g.sh(f"ip netns exec b cat /sys/class/net/{self.vfs[1]}/address"),
                self.g.sh(f"cat /sys/class/net/{self.pf}/address")}
        self.assertEqual(len(macs), 3)

    def test_vf_to_vf_inside_the_card(self):
        g = self.g
        self.assertIn("3 packets received",
                      g.sh("ip netns exec a ping -c 3 -i 0.2 -W 2 192.168.50.2"))
        g.sh("ip netns exec b iperf3 -s -D -1 -p 5201")
        out = g.sh("ip netns exec a iperf3 -c 192.168.50.2 -p 5201 -t 2", timeout=60)
        self.assertGreater(iperf_bytes(out), 1 << 20, out)
        stats = ethtool_stats(g, self.vfs[1], ns="b")
        self.assertGreater(stats["dev_rx_packets"], 1000)
        self.assertGreater(ethtool_stats(g, self.vfs[0], ns="a")["dev_tx_tso_segments"], 0)

    def test_jumbo_frames_between_vfs(self):
        g = self.g
        g.sh(f"ip -n a link set {self.vfs[0]} mtu 9000 && ip -n b link set {self.vfs[1]} mtu 9000")
        before = ethtool_stats(g, self.vfs[1], ns="b")
        self.assertIn("3 packets received",
                      g.sh("ip netns exec a ping -c 3 -i 0.2 -s 8900 -W 2 192.168.50.2"))
        after = ethtool_stats(g, self.vfs[1], ns="b")
        rx_bytes = after["dev_rx_bytes"] - before["dev_rx_bytes"]
        rx_packets = after["dev_rx_packets"] - before["dev_rx_packets"]
        self.assertGreaterEqual(rx_bytes, 3 * 8900)
        # At MTU 1500 each 8928-byte packet would arrive as 7 fragments (21+).
        self.assertLess(rx_packets, 12, "8900-byte pings arrive unfragmented")
        g.sh(f"ip -n a link set {self.vfs[0]} mtu 1500 && ip -n b link set {self.vfs[1]} mtu 1500")

    def test_vf_reaches_the_uplink(self):
        g = self.g
        into_netns(g, "c", self.vfs[2])
        g.sh(f"ip netns exec c udhcpc -i {self.vfs[2]} -n -q -t 10 >/dev/null 2>&1", timeout=90)
        self.assertIn("3 packets received", g.sh("ip netns exec c ping -c 3 -i 0.2 -W 2 10.0.2.2"))


class VfCountChanges(unittest.TestCase):
    def test_numvfs_1_4_0_8_under_pf_traffic(self):
        g = Guest(devices(), name="numvfs")
        self.addCleanup(g.kill)
        g.sh(LOAD_DRIVERS)
        pf = pf_netdev(g)
        g.sh(f"ip link set {pf} up && udhcpc -i {pf} -n -q -t 10 >/dev/null 2>&1", timeout=90)
        g.sh("ping -q -i 0.05 10.0.2.2 > /tmp/ping.log 2>&1 & echo $! > /tmp/ping.pid")
        current = 0
        for n in (1, 4, 0, 8):
            if current and n:
                set_numvfs(g, 0)  # Linux changes NumVFs only through 0
            set_numvfs(g, n)
            current = n
            self.assertEqual(len(g.sh("ls -d /sys/class/net/*/device/physfn 2>/dev/null || true")
                                 .split()), n, f"{n} VF netdevs")
        set_numvfs(g, 0)
        g.sh("kill -INT $(cat /tmp/ping.pid); sleep 0.5")
        out = g.sh("cat /tmp/ping.log")
        m = re.search(r"(\d+) packets transmitted, (\d+) packets received", out)
        self.assertIsNotNone(m, out)
        self.assertGreater(int(m.group(2)), 0)
        self.assertGreaterEqual(int(m.group(2)), int(m.group(1)) - 2, out)


class DriverRebind(unittest.TestCase):
    def test_pf_driver_unbound_and_rebound_with_vfs_in_use(self):
        g = Guest(devices(), name="rebind")
        self.addCleanup(g.kill)
        g.sh(LOAD_DRIVERS)
        set_numvfs(g, 2)
        vfs = vf_netdevs(g, 2)
        into_netns(g, "a", vfs[0], "192.168.60.1/24")
        into_netns(g, "b", vfs[1], "192.168.60.2/24")
        self.assertIn("1 packets received", g.sh("ip netns exec a ping -c 1 -W 2 192.168.60.2"))
        g.sh("echo 0000:01:00.0 > /sys/bus/pci/drivers/sriovnic_pf/unbind")
        self.assertEqual(g.sh("ls /sys/bus/pci/devices/ | grep -c '0000:01:00.[1-9]' || true")
                         .strip(), "0", "the VFs went away with the PF driver")
        self.assertEqual(g.sh("cat /sys/bus/pci/devices/0000:01:00.0/sriov_numvfs").strip(), "0")
        g.sh("echo 0000:01:00.0 > /sys/bus/pci/drivers/sriovnic_pf/bind")
        set_numvfs(g, 2)
        vfs = vf_netdevs(g, 2)
        g.sh("ip netns del a; ip netns del b")
        into_netns(g, "a", vfs[0], "192.168.60.1/24")
        into_netns(g, "b", vfs[1], "192.168.60.2/24")
        self.assertIn("1 packets received", g.sh("ip netns exec a ping -c 1 -W 2 192.168.60.2"))


class OtherBackends(unittest.TestCase):
    """Two guests whose PFs' uplinks are joined by -netdev stream (a socket
    between the two QEMU processes), then by -netdev dgram."""

    def netdevs(self, kind, sock):
        if kind == "stream":
            return (f"stream,id=n0,server=on,addr.type=unix,addr.path={sock}",
                    f"stream,id=n0,server=off,reconnect-ms=100,addr.type=unix,addr.path={sock}")
        return (f"dgram,id=n0,local.type=unix,local.path={sock}.a,"
                f"remote.type=unix,remote.path={sock}.b",
                f"dgram,id=n0,local.type=unix,local.path={sock}.b,"
                f"remote.type=unix,remote.path={sock}.a")

    def test_stream_and_dgram_uplinks(self):
        for kind in ("stream", "dgram"):
            sock = os.path.join("/tmp", f"sriovnic-{kind}-{os.getpid()}.sock")
            a, b = joined_guests(self, kind, *self.netdevs(kind, sock))
            self.assertIn("3 packets received", b.sh("ping -c 3 -i 0.2 -W 2 10.9.0.1"), kind)
            a.sh("iperf3 -s -D -1 -p 5201")
            out = b.sh("iperf3 -c 10.9.0.1 -p 5201 -t 2", timeout=60)
            self.assertGreater(iperf_bytes(out), 1 << 20, f"{kind}:\n{out}")
            a.kill()
            b.kill()


class Migration(unittest.TestCase):
    def test_vf_and_pf_traffic_continue_after_migration(self):
        src = Guest(devices(), name="mig-src")
        self.addCleanup(src.kill)
        dst = Guest(devices(), name="mig-dst", incoming="defer")
        self.addCleanup(dst.kill)
        src.sh(LOAD_DRIVERS)
        pf = pf_netdev(src)
        src.sh(f"ip link set {pf} up && udhcpc -i {pf} -n -q -t 10 >/dev/null 2>&1", timeout=90)
        set_numvfs(src, 2)
        vfs = vf_netdevs(src, 2)
        into_netns(src, "a", vfs[0], "192.168.70.1/24")
        into_netns(src, "b", vfs[1], "192.168.70.2/24")
        src.sh("ip netns exec b iperf3 -s -D -1 -p 5201")
        src.sh("ip netns exec a iperf3 -c 192.168.70.2 -p 5201 -t 6 > /tmp/iperf.log 2>&1 &")
        src.sh("sleep 2")

        src.machine.migrate_to(dst.machine, timeout=120)

        dst.sh("while pidof iperf3 >/dev/null; do sleep 0.5; done", timeout=60)
        out = dst.sh("cat /tmp/iperf.log")
        self.assertNotIn("error", out)
        self.assertGreater(iperf_bytes(out), 1 << 20, out)
        self.assertIn("3 packets received",
                      dst.sh("ip netns exec a ping -c 3 -i 0.2 -W 2 192.168.70.2"))
        self.assertIn("3 packets received", dst.sh("ping -c 3 -i 0.2 -W 2 10.0.2.2"))


if __name__ == "__main__":
    unittest.main()
