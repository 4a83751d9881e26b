# SPDX-License-Identifier: GPL-2.0-or-later
"""Guest-level: the card's uplink on -netdev tap (inside a private network
namespace on the host) and on -netdev socket (TCP listen/connect and UDP
multicast between two QEMU processes)."""
import json
import os
import re
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from guest import Guest  # noqa: E402
from netlib import (LOAD_DRIVERS, UPLINK_CARD, free_port, into_netns,  # noqa: E402
                    iperf_bytes, joined_guests, pf_netdev, set_numvfs, vf_netdevs)
from netns import NetNamespace, NetnsError  # noqa: E402

HOST_IP = "192.168.77.1"
PF_IP = "192.168.77.2"
VF_IP = "192.168.77.3"


def received(ping_output):
    m = re.search(r"(\d+) packets transmitted, (\d+) (?:packets )?received", ping_output)
    return int(m.group(2)) if m else -1


class TapUplink(unittest.TestCase):
    """One guest whose uplink is tap0 in a network namespace made for this
    test; the host's end of tap0 is HOST_IP. Nothing is created in the
    host's own namespace, and tap0 goes away with QEMU and the namespace."""

    @classmethod
    def setUpClass(cls):
        cls.ns = NetNamespace()
        cls.addClassCleanup(cls.ns.close)
        for cmd in ("ip link set lo up",
                    "ip tuntap add dev tap0 mode tap",
                    f"ip addr add {HOST_IP}/24 dev tap0",
                    "ip link set tap0 up"):
            cls.ns.run(*cmd.split())
        cls.g = Guest(["-netdev", "tap,id=n0,ifname=tap0,script=no,downscript=no"] +
                      UPLINK_CARD, name="tap", wrapper=cls.ns.enter)
        cls.addClassCleanup(cls.g.kill)
        cls.g.sh(LOAD_DRIVERS)
        cls.pf = pf_netdev(cls.g)
        cls.g.sh(f"ip addr add {PF_IP}/24 dev {cls.pf} && ip link set {cls.pf} up")

    def tap_stats(self):
        """tap0's counters as the host kernel sees them: rx is what the
        guest sent, tx what the host sent to the guest."""
        link = json.loads(self.ns.run("ip", "-s", "-j", "link", "show", "dev", "tap0"))[0]
        return link["stats64"]

    def host_neighbour_mac(self, ip):
        out = self.ns.run("ip", "neigh", "show", ip, "dev", "tap0")
        m = re.search(r"lladdr (\S+)", out)
        return m.group(1) if m else None

    def host_iperf_client(self, ip, *args):
        """iperf3 from the host's end of tap0 to a server in the guest,
        retried while that server may still be starting."""
        for _ in range(5):
            try:
                return self.ns.run("iperf3", "-c", ip, "-p", "5201", *args, timeout=60)
            except NetnsError as e:
                error = e
            time.sleep(1)
        raise error

    def test_pf_pings_host(self):
        g = self.g
        before = self.tap_stats()
        out = g.sh(f"ping -c 3 -i 0.2 -W 2 {HOST_IP}")
        self.assertEqual(received(out), 3, out)
        after = self.tap_stats()
        self.assertGreaterEqual(after["rx"]["packets"] - before["rx"]["packets"], 3)
        self.assertGreaterEqual(after["tx"]["packets"] - before["tx"]["packets"], 3)
        self.assertEqual(self.host_neighbour_mac(PF_IP),
                         g.sh(f"cat /sys/class/net/{self.pf}/address").strip())

    def test_vf_pings_host_and_takes_a_host_connection(self):
        g = self.g
        set_numvfs(g, 1)
        self.addCleanup(set_numvfs, g, 0)
        vf = vf_netdevs(g, 1)[0]
        into_netns(g, "v", vf, f"{VF_IP}/24")
        self.addCleanup(g.sh, "ip netns del v")
        out = g.sh(f"ip netns exec v ping -c 3 -i 0.2 -W 2 {HOST_IP}")
        self.assertEqual(received(out), 3, out)
        vf_mac = g.sh(f"ip netns exec v cat /sys/class/net/{vf}/address").strip()
        self.assertNotEqual(vf_mac, g.sh(f"cat /sys/class/net/{self.pf}/address").strip())
        self.assertEqual(self.host_neighbour_mac(VF_IP), vf_mac)
        # A connection the host opens, to a server behind the VF.
        g.sh("ip netns exec v iperf3 -s -D -1 -p 5201")
        out = self.host_iperf_client(VF_IP, "-t", "2")
        self.assertGreater(iperf_bytes(out), 1 << 20, out)

    def test_tcp_guest_to_host_and_back(self):
        for reverse, counter in (("", "rx"), ("-R", "tx")):
            server = self.ns.popen("iperf3", "-s", "-1", "-B", HOST_IP, "-p", "5201",
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                before = self.tap_stats()
                # The server may take a moment to listen; the client retries.
                out = self.g.sh(f"for i in 1 2 3 4 5; do iperf3 -c {HOST_IP} -p 5201 -t 2 "
                                f"{reverse} && break; sleep 1; done", timeout=90)
                after = self.tap_stats()
            finally:
                server.kill()
                server.wait()
            transferred = iperf_bytes(out)
            self.assertGreater(transferred, 1 << 20, f"iperf3 {reverse}:\n{out}")
            # The payload crossed tap0 in the direction under test.
            self.assertGreaterEqual(after[counter]["bytes"] - before[counter]["bytes"],
                                    transferred, counter)


class SocketUplinks(unittest.TestCase):
    """Two guests whose uplinks are joined by -netdev socket: a TCP
    connection between the two QEMU processes, then a UDP multicast group."""

    def check_pair(self, a, b, label):
        out = b.sh("ping -c 3 -i 0.2 -W 2 10.9.0.1")
        self.assertEqual(received(out), 3, f"{label}: b -> a\n{out}")
        out = a.sh("ping -c 3 -i 0.2 -W 2 10.9.0.2")
        self.assertEqual(received(out), 3, f"{label}: a -> b\n{out}")
        set_numvfs(b, 1)
        into_netns(b, "v", vf_netdevs(b, 1)[0], "10.9.0.3/24")
        out = b.sh("ip netns exec v ping -c 3 -i 0.2 -W 2 10.9.0.1")
        self.assertEqual(received(out), 3, f"{label}: b's VF -> a\n{out}")
        out = a.sh("ping -c 3 -i 0.2 -W 2 10.9.0.3")
        self.assertEqual(received(out), 3, f"{label}: a -> b's VF\n{out}")
        a.sh("iperf3 -s -D -1 -p 5201")
        out = b.sh("iperf3 -c 10.9.0.1 -p 5201 -t 2", timeout=60)
        self.assertGreater(iperf_bytes(out), 1 << 20, f"{label}:\n{out}")

    def test_tcp_listen_and_connect(self):
        port = free_port()
        a, b = joined_guests(self, "socket-tcp", f"socket,id=n0,listen=127.0.0.1:{port}",
                             f"socket,id=n0,connect=127.0.0.1:{port}")
        self.check_pair(a, b, "listen/connect")

    def test_udp_multicast(self):
        netdev = f"socket,id=n0,mcast=230.0.0.1:{free_port()},localaddr=127.0.0.1"
        a, b = joined_guests(self, "socket-mcast", netdev, netdev)
        self.check_pair(a, b, "mcast")


if __name__ == "__main__":
    unittest.main()
