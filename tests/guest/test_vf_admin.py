# SPDX-License-Identifier: GPL-2.0-or-later
"""Per-VF administration through `ip link set <pf> vf N ...`: each control
has its effect on traffic, as the guest observes it, and all of it survives
a live migration."""
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from guest import Guest  # noqa: E402
from netlib import (LOAD_DRIVERS, ethtool_stats, into_netns, pf_netdev,  # noqa: E402
                    set_numvfs, vf_netdevs, wait_for, wait_link_up)

DEVICES = ["-netdev", "user,id=n0",
           "-device", "pcie-root-port,id=rp0,bus=pcie.0,chassis=1,addr=0x2",
           "-device", "sriovnic,bus=rp0,id=nic0,vfs=8,netdev=n0"]


def vf_line(g, pf, vf):
    out = g.sh(f"ip link show {pf}")
    return next(ln.strip() for ln in out.splitlines() if ln.strip().startswith(f"vf {vf} "))


def iperf_receiver_mbps(out):
    m = re.search(r"([\d.]+) (K|M|G)bits/sec\s+receiver", out)
    if not m:
        return 0.0
    return float(m.group(1)) * {"K": 1e-3, "M": 1, "G": 1e3}[m.group(2)]


class VfAdministration(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.g = Guest(DEVICES, name="vfadmin")
        cls.addClassCleanup(cls.g.kill)
        g = cls.g
        g.sh(LOAD_DRIVERS + " && modprobe 8021q && modprobe macvlan")
        cls.pf = pf_netdev(g)
        g.sh(f"ip link set {cls.pf} up")
        set_numvfs(g, 6)
        cls.vfs = vf_netdevs(g, 6)

    def test_defaults_as_ip_link_shows_them(self):
        line = vf_line(self.g, self.pf, 5)
        self.assertIn("spoof checking on", line)
        self.assertIn("link-state auto", line)
        self.assertIn("trust off", line)

    def test_mac_is_pushed_to_the_vf(self):
        g = self.g
        g.sh(f"ip link set {self.pf} vf 0 mac 02:11:22:33:44:55")
        self.assertIn("link/ether 02:11:22:33:44:55", vf_line(g, self.pf, 0))
        g.sh(f"ip link set {self.vfs[0]} up && sleep 0.3")
        self.assertEqual(g.sh(f"cat /sys/class/net/{self.vfs[0]}/address").strip(),
                         "02:11:22:33:44:55")
        status, _ = g.run(f"ip link set dev {self.vfs[0]} address 02:00:00:00:00:99",
                          check=False)
        self.assertNotEqual(status, 0, "an untrusted VF cannot change an administered MAC")

    def test_spoof_check_drops_and_counts_then_trust_and_off_let_it_through(self):
        g, vfs = self.g, self.vfs
        into_netns(g, "a", vfs[0])
        into_netns(g, "b", vfs[1], "192.168.50.2/24")
        g.sh(f"ip -n a link add mv0 link {vfs[0]} type macvlan mode bridge && "
             "ip -n a addr add 192.168.50.11/24 dev mv0 && ip -n a link set mv0 up")
        before = ethtool_stats(g, vfs[0], ns="a")["dev_tx_drop_spoof"]
        status, _ = g.run("ip netns exec a ping -c 2 -i 0.2 -W 1 192.168.50.2", check=False)
        self.assertNotEqual(status, 0, "frames from another MAC are dropped")
        self.assertGreater(ethtool_stats(g, vfs[0], ns="a")["dev_tx_drop_spoof"], before)
        self.assertRegex(g.sh(f"ip -s link show {self.pf}"), r"vf 0[\s\S]*TX: bytes")

        g.sh(f"ip link set {self.pf} vf 0 spoofchk off trust on")
        line = vf_line(g, self.pf, 0)
        self.assertIn("spoof checking off", line)
        self.assertIn("trust on", line)
        g.sh("ip -n a neigh flush all")  # forget the failed resolution
        self.assertIn("3 packets received",
                      g.sh("ip netns exec a ping -c 3 -i 0.2 -W 2 192.168.50.2"))

    def test_port_vlan_is_inserted_and_stripped(self):
        g, pf, vf = self.g, self.pf, self.vfs[2]
        g.sh(f"ip link set {pf} vf 2 vlan 100 qos 3")
        self.assertRegex(vf_line(g, pf, 2), r"vlan 100, qos 3")
        into_netns(g, "c", vf, "192.168.100.2/24")
        g.sh(f"ip link add link {pf} name {pf}.100 type vlan id 100 && "
             f"ip addr add 192.168.100.254/24 dev {pf}.100 && ip link set {pf}.100 up")
        self.assertIn("3 packets received",
                      g.sh("ip netns exec c ping -c 3 -i 0.2 -W 2 192.168.100.254"))
        # Untagged, the PF cannot reach the VF any more.
        g.sh(f"ip link set {pf}.100 down && ip addr add 192.168.100.253/24 dev {pf}")
        status, _ = g.run("ip netns exec c ping -c 2 -i 0.2 -W 1 192.168.100.253", check=False)
        self.assertNotEqual(status, 0)
        g.sh(f"ip addr del 192.168.100.253/24 dev {pf} && ip link set {pf}.100 up")

    def test_link_state_disable_enable_auto(self):
        g, pf, vf = self.g, self.pf, self.vfs[3]
        into_netns(g, "d", vf)
        carrier = f"ip netns exec d cat /sys/class/net/{vf}/carrier"
        self.assertEqual(g.sh(carrier).strip(), "1")
        g.sh(f"ip link set {pf} vf 3 state disable && sleep 0.3")
        self.assertIn("link-state disable", vf_line(g, pf, 3))
        self.assertEqual(g.sh(carrier).strip(), "0")
        g.sh(f"ip link set {pf} vf 3 state enable && sleep 0.3")
        self.assertEqual(g.sh(carrier).strip(), "1")
        g.sh(f"ip link set {pf} vf 3 state auto && sleep 0.3")
        self.assertEqual(g.sh(carrier).strip(), "1")

    def test_max_tx_rate_holds_within_10_percent(self):
        g, pf, vfs = self.g, self.pf, self.vfs
        into_netns(g, "e", vfs[4], "192.168.80.1/24")
        into_netns(g, "f", vfs[5], "192.168.80.2/24")
        g.sh(f"ip link set {pf} vf 4 max_tx_rate 100")
        self.assertIn("max_tx_rate 100Mbps", vf_line(g, pf, 4))
        g.sh("ip netns exec f iperf3 -s -D -1 -p 5301")
        out = g.sh("ip netns exec e iperf3 -c 192.168.80.2 -p 5301 -t 4 -O 1", timeout=60)
        rate = iperf_receiver_mbps(out)
        self.assertGreaterEqual(rate, 90, out)
        self.assertLessEqual(rate, 110, out)
        self.assertGreater(ethtool_stats(g, vfs[4], ns="e")["dev_tx_rate_waits"], 0)
        g.sh(f"ip link set {pf} vf 4 max_tx_rate 0")


class VlanFilter(unittest.TestCase):
    def test_vf_vlans_go_through_the_pf_and_filter_the_rest(self):
        g = Guest(DEVICES, name="vlanfilter")
        self.addCleanup(g.kill)
        g.sh(LOAD_DRIVERS + " && modprobe 8021q")
        pf = pf_netdev(g)
        g.sh(f"ip link set {pf} up")
        set_numvfs(g, 2)
        vfs = vf_netdevs(g, 2)
        into_netns(g, "a", vfs[0])
        g.sh(f"ip -n a link add link {vfs[0]} name v300 type vlan id 300 && "
             "ip -n a addr add 192.168.130.1/24 dev v300 && ip -n a link set v300 up")
        for vid, net in ((300, "192.168.130.254/24"), (400, "192.168.140.254/24")):
            g.sh(f"ip link add link {pf} name {pf}.{vid} type vlan id {vid} && "
                 f"ip addr add {net} dev {pf}.{vid} && ip link set {pf}.{vid} up")
        self.assertIn("3 packets received",
                      g.sh("ip netns exec a ping -c 3 -W 2 192.168.130.254"))
        before = ethtool_stats(g, vfs[0], ns="a")["dev_rx_packets"]
        g.run("ping -c 2 -W 1 192.168.140.77", check=False)  # ARP broadcasts on VLAN 400
        self.assertEqual(ethtool_stats(g, vfs[0], ns="a")["dev_rx_packets"], before,
                         "VLAN 400 is not in the VF's filter")
        g.run("ping -c 2 -i 0.2 -W 1 192.168.130.77", check=False)  # and on VLAN 300
        self.assertGreater(ethtool_stats(g, vfs[0], ns="a")["dev_rx_packets"], before)

        # A reset empties the filter; the VF asks for its VLANs again.
        g.sh("echo 1 > /sys/bus/pci/devices/0000:01:00.1/reset", timeout=60)
        wait_for(g, "dmesg | grep -c 'eth.*recovered from a reset'; true", r"^[1-9]")
        wait_link_up(g, "a", vfs[0])
        self.assertIn("3 packets received",
                      g.sh("ip netns exec a ping -c 3 -W 2 192.168.130.254"))
        before = ethtool_stats(g, vfs[0], ns="a")["dev_rx_packets"]
        g.run("ping -c 2 -W 1 192.168.140.77", check=False)
        self.assertEqual(ethtool_stats(g, vfs[0], ns="a")["dev_rx_packets"], before,
                         "VLAN 400 is still filtered after the VF's reset")

        g.sh(f"ip link set {pf} vf 1 vlan 50")
        into_netns(g, "b", vfs[1])
        status, _ = g.run(f"ip -n b link add link {vfs[1]} name v60 type vlan id 60",
                          check=False)
        self.assertNotEqual(status, 0, "a VF on a port VLAN may not have VLANs of its own")
        self.assertIn("VLAN 60 refused by the PF", g.sh("dmesg | grep sriovnic_vf"))


class AdministrationSurvivesMigration(unittest.TestCase):
    def test_vf_settings_and_their_effect_after_migration(self):
        src = Guest(DEVICES, name="adm-src")
        self.addCleanup(src.kill)
        dst = Guest(DEVICES, name="adm-dst", incoming="defer")
        self.addCleanup(dst.kill)
        src.sh(LOAD_DRIVERS + " && modprobe 8021q")
        pf = pf_netdev(src)
        src.sh(f"ip link set {pf} up")
        set_numvfs(src, 2)
        src.sh(f"ip link set {pf} vf 0 mac 02:aa:bb:cc:dd:01 vlan 200 qos 1 rate 500 "
               f"spoofchk on trust on && ip link set {pf} vf 1 state disable")
        vfs = vf_netdevs(src, 2)
        src.sh(f"ip link set {vfs[1]} up && sleep 0.3")
        self.assertEqual(src.sh(f"cat /sys/class/net/{vfs[1]}/carrier").strip(), "0")
        into_netns(src, "a", vfs[0], "192.168.200.2/24")
        src.sh(f"ip link add link {pf} name {pf}.200 type vlan id 200 && "
               f"ip addr add 192.168.200.254/24 dev {pf}.200 && ip link set {pf}.200 up")
        self.assertIn("1 packets received",
                      src.sh("ip netns exec a ping -c 1 -W 2 192.168.200.254"))
        before = src.sh(f"ip link show {pf} | grep ' vf '")
        self.assertIn("vlan 200, qos 1", before)

        src.machine.migrate_to(dst.machine, timeout=120)

        self.assertEqual(dst.sh(f"ip link show {pf} | grep ' vf '"), before)
        self.assertIn("3 packets received",
                      dst.sh("ip netns exec a ping -c 3 -i 0.2 -W 2 192.168.200.254"))
        self.assertEqual(dst.sh(f"cat /sys/class/net/{vfs[1]}/carrier").strip(), "0")


if __name__ == "__main__":
    unittest.main()
