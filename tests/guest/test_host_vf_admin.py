# SPDX-License-Identifier: GPL-2.0-or-later
"""The host administers the VFs of a host-owned card over QMP
(sriovnic-set-vf) while the guest, which sees only the two standalone VFs
and runs our unchanged VF driver, passes traffic between them: each
setting takes effect at once, as the guest observes it, and the
SRIOVNIC_VF_CHANGED event and query-sriovnic report it."""
import os
import re
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from guest import Guest  # noqa: E402
from netlib import ethtool_stats, into_netns, netdev_of, wait_for, wait_link_up  # noqa: E402

DEVICES = ["-netdev", "user,id=n0",
           "-device", "sriovnic-card,id=card0,netdev=n0,vfs=4",
           "-device", "pcie-root-port,id=rp0,bus=pcie.0,chassis=1,addr=0x2",
           "-device", "pcie-root-port,id=rp1,bus=pcie.0,chassis=2,addr=0x3",
           "-device", "sriovnic-assigned-vf,card=card0,vf=0,bus=rp0,id=vf0",
           "-device", "sriovnic-assigned-vf,card=card0,vf=1,bus=rp1,id=vf1"]
VF0, VF1 = "0000:01:00.0", "0000:02:00.0"


def iperf_receiver_mbps(out):
    m = re.search(r"([\d.]+) (K|M|G)bits/sec\s+receiver", out)
    if not m:
        return 0.0
    return float(m.group(1)) * {"K": 1e-3, "M": 1, "G": 1e3}[m.group(2)]


class HostAdministersStandaloneVfs(unittest.TestCase):
    """VF 0 in namespace a (192.168.60.1), VF 1 in namespace b
    (192.168.60.2); the card's switch joins them."""

    @classmethod
    def setUpClass(cls):
        cls.g = g = Guest(DEVICES, name="host-vf-admin")
        cls.addClassCleanup(g.kill)
        g.sh("insmod /lib/modules/sriovnic/sriovnic_vf.ko && modprobe 8021q && "
             "modprobe macvlan")
        cls.vf0, cls.vf1 = netdev_of(g, VF0), netdev_of(g, VF1)
        into_netns(g, "a", cls.vf0, "192.168.60.1/24")
        into_netns(g, "b", cls.vf1, "192.168.60.2/24")
        wait_link_up(g, "a", cls.vf0)
        wait_link_up(g, "b", cls.vf1)

    def set_vf(self, vf, **settings):
        args = {k.replace("_", "-"): v for k, v in settings.items()}
        self.g.qmp("sriovnic-set-vf", id="card0", vf=vf, **args)

    def vf_info(self, vf):
        return self.g.qmp("query-sriovnic")[0]["vfs"][vf]

    def changed_events(self, vf):
        m = self.g.machine
        m.qmp("query-status")  # collects the events that arrived
        return [e for e in m.events
                if e["event"] == "SRIOVNIC_VF_CHANGED" and e["data"].get("vf") == vf]

    def ping(self, ns, ip, count=3, check=True, size=56):
        status, out = self.g.run(f"ip netns exec {ns} ping -c {count} -i 0.2 -s {size} -W 2 {ip}",
                                 check=False)
        if check:
            self.assertIn(f"{count} packets received", out)
        return status

    def test_a_new_mac_reaches_the_running_driver(self):
        g, before = self.g, len(self.changed_events(0))
        self.set_vf(0, mac="02:60:00:00:00:01")
        # The agent's PF_RESET notice makes the driver start over and read it.
        wait_for(g, f"ip -n a link show {self.vf0}", r"link/ether 02:60:00:00:00:01")
        wait_link_up(g, "a", self.vf0)
        self.assertEqual(self.vf_info(0)["mac"], "02:60:00:00:00:01")
        self.assertEqual(self.vf_info(0)["admin"]["mac"], "02:60:00:00:00:01")
        self.assertGreater(len(self.changed_events(0)), before, "SRIOVNIC_VF_CHANGED")
        g.sh("ip -n b neigh flush all")
        self.ping("a", "192.168.60.2")
        self.assertIn("02:60:00:00:00:01", g.sh("ip -n b neigh show 192.168.60.1"))

    def test_trust_decides_whether_the_guest_may_change_its_mac(self):
        g = self.g
        status, _ = g.run(f"ip -n b link set dev {self.vf1} address 02:60:00:00:00:99",
                          check=False)
        self.assertNotEqual(status, 0, "an untrusted VF cannot change the host's MAC")
        self.set_vf(1, trust=True)
        self.assertTrue(self.vf_info(1)["admin"]["trust"])
        g.sh(f"ip -n b link set dev {self.vf1} address 02:60:00:00:00:99")
        self.assertEqual(self.vf_info(1)["mac"], "02:60:00:00:00:99")
        g.sh("ip -n a neigh flush all")
        self.ping("b", "192.168.60.1")
        self.set_vf(1, trust=False)

    def test_port_vlan_is_inserted_on_transmit_and_stripped_on_receive(self):
        g = self.g
        g.sh(f"ip -n b link add link {self.vf1} name v100 type vlan id 100 && "
             "ip -n b addr add 192.168.100.2/24 dev v100 && ip -n b link set v100 up && "
             f"ip -n a addr add 192.168.100.1/24 dev {self.vf0}")
        # Untagged, VF 0 does not reach VLAN 100 on VF 1.
        self.assertNotEqual(self.ping("a", "192.168.100.2", 2, check=False), 0)
        self.set_vf(0, vlan=100, qos=3)
        admin = self.vf_info(0)["admin"]
        self.assertEqual((admin["vlan"], admin["qos"]), (100, 3))
        g.sh("ip -n a neigh flush all && ip -n b neigh flush all")
        # VF 0's stack sends and receives untagged: the card tags its frames
        # for VF 1's VLAN device and strips the tags of the replies.
        self.ping("a", "192.168.100.2")
        self.assertNotRegex(g.sh(f"ip -n a -d link show {self.vf0}"), r"vlan protocol")
        # And VF 0 is now off the untagged segment.
        g.sh("ip -n a neigh flush all")
        self.assertNotEqual(self.ping("a", "192.168.60.2", 2, check=False), 0)
        self.set_vf(0, vlan=0)
        self.assertEqual(self.vf_info(0)["admin"]["vlan"], 0)
        g.sh("ip -n a neigh flush all")
        self.ping("a", "192.168.60.2")
        g.sh(f"ip -n a addr del 192.168.100.1/24 dev {self.vf0} && ip -n b link del v100")

    def test_spoof_check_drops_frames_from_another_mac_until_switched_off(self):
        g = self.g
        g.sh(f"ip -n a link add mv0 link {self.vf0} type macvlan mode bridge && "
             "ip -n a addr add 192.168.61.1/24 dev mv0 && ip -n a link set mv0 up && "
             f"ip -n b addr add 192.168.61.2/24 dev {self.vf1}")
        before = ethtool_stats(g, self.vf0, ns="a")["dev_tx_drop_spoof"]
        self.assertNotEqual(self.ping("a", "192.168.61.2", 2, check=False), 0,
                            "frames from the macvlan's MAC are dropped")
        self.assertGreater(ethtool_stats(g, self.vf0, ns="a")["dev_tx_drop_spoof"], before)
        self.set_vf(0, spoof_check=False, trust=True)  # trust: the macvlan's unicast filter
        self.assertFalse(self.vf_info(0)["admin"]["spoof-check"])
        g.sh("ip -n a neigh flush all")
        self.ping("a", "192.168.61.2")
        self.set_vf(0, spoof_check=True, trust=False)
        g.sh(f"ip -n a link del mv0 && ip -n b addr del 192.168.61.2/24 dev {self.vf1}")

    def test_link_state_disable_enable_auto(self):
        g = self.g
        carrier = f"ip netns exec b cat /sys/class/net/{self.vf1}/carrier"
        self.assertEqual(g.sh(carrier), "1")
        self.set_vf(1, link_state="disable")
        self.assertEqual(self.vf_info(1)["admin"]["link-state"], "disable")
        wait_for(g, carrier, r"^0$", timeout=10)
        self.assertFalse(self.vf_info(1)["link-up"])
        self.set_vf(1, link_state="enable")
        wait_for(g, carrier, r"^1$", timeout=10)
        self.set_vf(1, link_state="auto")
        time.sleep(0.3)
        self.assertEqual(g.sh(carrier), "1", "auto follows the uplink, which is up")
        wait_link_up(g, "b", self.vf1)
        g.sh("ip -n a neigh flush all")
        self.ping("a", "192.168.60.2")

    def test_max_tx_rate_holds_within_10_percent(self):
        g = self.g
        self.set_vf(0, max_tx_rate=100)
        self.assertEqual(self.vf_info(0)["admin"]["max-tx-rate"], 100)
        tx_before = self.vf_info(0)["counters"]["tx-bytes"]
        g.sh("ip netns exec b iperf3 -s -D -1 -p 5302")
        out = g.sh("ip netns exec a iperf3 -c 192.168.60.2 -p 5302 -t 4 -O 1", timeout=60)
        rate = iperf_receiver_mbps(out)
        self.assertGreaterEqual(rate, 90, out)
        self.assertLessEqual(rate, 110, out)
        self.assertGreater(ethtool_stats(g, self.vf0, ns="a")["dev_tx_rate_waits"], 0)
        self.assertGreater(self.vf_info(0)["counters"]["tx-bytes"] - tx_before, 40_000_000,
                           "query-sriovnic counts what the VF sent")
        self.set_vf(0, max_tx_rate=0)

    def test_mtu_limit_bounds_what_the_driver_is_granted(self):
        g = self.g
        self.set_vf(1, mtu_limit=4000)
        status, _ = g.run(f"ip -n b link set {self.vf1} mtu 6000", check=False)
        self.assertNotEqual(status, 0, "the agent grants no more than the host's limit")
        g.sh(f"ip -n b link set {self.vf1} mtu 4000 && ip -n a link set {self.vf0} mtu 4000")
        self.assertEqual(self.vf_info(1)["admin"]["max-mtu"], 4000)
        wait_link_up(g, "b", self.vf1)
        g.sh("ip -n a neigh flush all")
        rx_before = ethtool_stats(g, self.vf1, ns="b")["dev_rx_bytes"]
        self.ping("a", "192.168.60.2", 2, size=3972)
        self.assertGreater(ethtool_stats(g, self.vf1, ns="b")["dev_rx_bytes"] - rx_before,
                           2 * 4000, "VF 1 took the 4000-byte pings")
        g.sh(f"ip -n b link set {self.vf1} mtu 1500 && ip -n a link set {self.vf0} mtu 1500")
        self.set_vf(1, mtu_limit=9000)


if __name__ == "__main__":
    unittest.main()
