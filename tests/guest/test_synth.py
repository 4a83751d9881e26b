# SPDX-License-Identifier: GPL-2.0-or-later
"""The sriovnic_synth driver in a guest with a card and a synthetic channel
paired with its VF 0: the synthetic netdev gets a DHCP lease on its own
path; when the VF is enabled it is offered, joined as a slave without
addresses of its own and the data path moves to it; the synthetic netdev's
MTU reaches the VF; removing the VF keeps pings flowing on the synthetic
path, and a re-enabled VF comes back at the synthetic netdev's MTU.

Then the host drives the channel over QMP (policy, revokes, offers,
offloads). Each class boots one guest (tests/lib/bonded.py); every scenario
sets up the state it starts from, so any one of them runs alone."""
import os
import re
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from bonded import (SYNTH_BDF, SYNTH_MAC, BondedChecks, BondedGuest, channel,  # noqa: E402
                    datapath_events, link_counters, load_drivers, ping_counts, reason_codes,
                    wait_channel, wait_joined)
from netlib import HostIperf, ethtool_stats, iperf_bytes, netdev_of, wait_for  # noqa: E402


class SynthBonding(BondedChecks, unittest.TestCase):
    """One guest. Every scenario starts where setUp puts it: the synth
    driver loaded, its netdev up at MTU 1500 with its lease (10.0.2.15), and
    no VF; from there it goes through the steps a user would take to reach
    the state it is about."""

    @classmethod
    def setUpClass(cls):
        cls.bond = BondedGuest("synth", cleanup=cls.addClassCleanup, vf=False)
        cls.g = cls.bond.g

    @property
    def synth(self):
        return self.bond.synth  # a reloaded driver may name it anew

    @property
    def vf(self):
        return self.bond.vf

    def setUp(self):
        g = self.g
        if g.sh("cat /sys/bus/pci/devices/0000:01:00.0/sriov_numvfs").strip() != "0":
            self.bond.disable_vf()
        g.sh(f"ip link set {self.synth} mtu 1500")
        if "inet 10.0.2.15/24" not in g.sh(f"ip addr show {self.synth}"):
            self.bond.configure_synth()

    def test_the_drivers_start_without_a_device_error(self):
        # Nothing the PF driver writes at probe is refused for the VF the
        # channel pins (it once cleared every VF's administrative MAC).
        self.assertNotIn("device reported error", self.g.sh("dmesg"))

    def test_synthetic_path_gets_a_lease_and_pings(self):
        g = self.g
        self.assertIn("driver: sriovnic_synth", g.sh(f"ethtool -i {self.synth}"))
        self.assertIn(f"link/ether {SYNTH_MAC}", g.sh(f"ip link show {self.synth}"))
        self.assertIn("inet 10.0.2.15/24", g.sh(f"ip addr show {self.synth}"))
        before = ethtool_stats(g, self.synth)
        self.assert_pings(count=5)
        after = ethtool_stats(g, self.synth)
        self.assertEqual(after["data_path_vf"], 0)
        self.assertGreaterEqual(after["rx_packets"] - before["rx_packets"], 5)
        self.assertGreaterEqual(after["tx_packets"] - before["tx_packets"], 5)
        self.assertEqual(after["vf_rx_packets"], before["vf_rx_packets"])
        self.assertEqual(after["bad_messages"], 0)

    def test_tcp_both_ways_on_the_synthetic_path(self):
        # Checksum offload and TSO through the net header, GRO on receive.
        g = self.g
        before = ethtool_stats(g, self.synth)
        for reverse in ("", "-R"):
            srv = HostIperf()
            try:
                out = g.sh(f"iperf3 -c 10.0.2.2 -p {srv.port} -t 2 {reverse}", timeout=60)
            finally:
                srv.close()
            self.assertGreater(iperf_bytes(out), 1 << 20, f"iperf3 {reverse}:\n{out}")
        stats = ethtool_stats(g, self.synth)
        self.assertEqual(stats["vf_tx_packets"], before["vf_tx_packets"])
        self.assertEqual(stats["dev_tx_bad_hdr"], 0)

    def test_offered_vf_joins_as_a_slave_and_carries_the_traffic(self):
        g = self.g
        switches = ethtool_stats(g, self.synth)["dev_switch_to_vf"]
        vf = self.bond.enable_vf()  # offered, joined as a slave, data path on it
        out = g.sh(f"ip addr show {vf}")
        self.assertNotIn("inet", out, "the VF has no addresses of its own (IPv4 or IPv6)")
        self.assertIn(f"link/ether {SYNTH_MAC}", out)

        vf_rx, vf_tx = link_counters(g, vf)
        synth_before = ethtool_stats(g, self.synth)
        self.assert_pings(count=10)
        srv = HostIperf()
        try:
            out = g.sh(f"iperf3 -c 10.0.2.2 -p {srv.port} -t 2", timeout=60)
        finally:
            srv.close()
        self.assertGreater(iperf_bytes(out), 1 << 20, out)
        vf_rx2, vf_tx2 = link_counters(g, vf)
        print(f"\nthrough the VF: {vf_rx2 - vf_rx} packets received, {vf_tx2 - vf_tx} sent",
              file=sys.stderr)
        self.assertGreaterEqual(vf_rx2 - vf_rx, 10, "replies arrive through the VF")
        self.assertGreater(vf_tx2 - vf_tx, 100, "pings and iperf3 leave through the VF")

        # The synthetic netdev counts the VF's traffic as its own.
        synth_after = ethtool_stats(g, self.synth)
        self.assertGreaterEqual(synth_after["vf_rx_packets"] - synth_before["vf_rx_packets"], 10)
        self.assertGreater(synth_after["vf_tx_packets"] - synth_before["vf_tx_packets"], 100)
        self.assertLess(synth_after["tx_packets"] - synth_before["tx_packets"], 10,
                        "little or nothing leaves on the synthetic path")
        self.assertEqual(synth_after["dev_switch_to_vf"] - switches, 1, "one switch per join")
        rx, tx = link_counters(g, self.synth)
        self.assertGreaterEqual(rx, synth_after["rx_packets"] + synth_after["vf_rx_packets"])
        self.assertGreaterEqual(tx, synth_after["tx_packets"] + synth_after["vf_tx_packets"])

    def test_mtu_of_the_synthetic_netdev_reaches_the_vf(self):
        g = self.g
        vf = self.bond.enable_vf()
        g.sh(f"ip link set {self.synth} mtu 4000")
        self.assertIn("mtu 4000", g.sh(f"ip link show {self.synth}"))
        self.assertIn("mtu 4000", g.sh(f"ip link show {vf}"))
        status, out = g.run(f"ip link set {self.synth} mtu 9001", check=False)
        self.assertNotEqual(status, 0, "above the host's MAX_MTU: refused")
        self.assertIn("mtu 4000", g.sh(f"ip link show {vf}"))
        self.wait_data_path(True)
        self.assert_pings(count=5)

    def test_vf_removal_keeps_pings_flowing_on_the_synthetic_path(self):
        g = self.g
        self.bond.enable_vf()
        g.sh(f"ip link set {self.synth} mtu 4000")
        g.sh("ping -i 0.1 -c 80 -W 1 10.0.2.2 > /tmp/ping.log 2>&1 & echo $! > /tmp/ping.pid")
        g.sh("sleep 2")
        self.bond.disable_vf()
        wait_for(g, "cat /tmp/ping.log", r"packets received", timeout=60)
        sent, received = ping_counts(g.sh("cat /tmp/ping.log"))
        print(f"\nVF removal: {sent - received} of {sent} pings lost", file=sys.stderr)
        self.assertEqual(sent, 80)
        self.assertGreaterEqual(received, sent - 3)
        self.assertEqual(g.sh(f"ls /sys/class/net/{self.synth}/ | grep -c lower_; true").strip(),
                         "0", "no VF is joined any more")
        self.assertIn("inet 10.0.2.15/24", g.sh(f"ip addr show {self.synth}"))
        self.assertIn("mtu 4000", g.sh(f"ip link show {self.synth}"))
        before = ethtool_stats(g, self.synth)
        self.assert_pings(count=5)
        after = ethtool_stats(g, self.synth)
        self.assertGreaterEqual(after["rx_packets"] - before["rx_packets"], 5)
        self.assertEqual(after["vf_rx_packets"], before["vf_rx_packets"])

    def test_reenabled_vf_comes_back_at_the_synthetic_mtu(self):
        g = self.g
        self.bond.enable_vf()
        g.sh(f"ip link set {self.synth} mtu 4000")
        self.bond.disable_vf()
        before = ethtool_stats(g, self.synth)
        vf = self.bond.enable_vf()
        self.assertIn("mtu 4000", g.sh(f"ip link show {vf}"), "never back at 1500")
        self.assertNotIn("inet", g.sh(f"ip addr show {vf}"))
        self.assert_pings(count=10)
        after = ethtool_stats(g, self.synth)
        self.assertGreaterEqual(after["vf_rx_packets"] - before["vf_rx_packets"], 10)
        self.assertEqual(after["dev_switch_to_vf"] - before["dev_switch_to_vf"], 1)
        self.assertEqual(after["bad_messages"], 0)

    def test_reloaded_driver_joins_the_vf_that_is_already_there(self):
        # The VF registered long before this driver instance: the replayed
        # offer must find it, as hv_netvsc does for a missed NETDEV_REGISTER.
        g = self.g
        vf = self.bond.enable_vf()
        g.sh(f"ip link set {self.synth} mtu 4000")  # the new instance will push 1500
        self.assertIn("mtu 4000", g.sh(f"ip link show {vf}"))
        g.sh("rmmod sriovnic_synth")
        out = g.sh(f"ip link show {vf}")
        self.assertNotIn("SLAVE", out, "released: an ordinary netdev again")
        self.assertNotIn("master", out)
        load_drivers(g, ["sriovnic_synth"])
        synth = self.bond.synth = netdev_of(g, SYNTH_BDF)
        wait_for(g, f"ip link show {vf}", rf"SLAVE.*master {synth}")
        g.sh(f"ip link set {synth} up && ip addr add 10.0.2.15/24 dev {synth}")
        # The next scenario's setUp takes a lease again, as at boot.
        self.addCleanup(g.sh, f"ip addr flush dev {synth}")
        wait_joined(g, synth, vf)
        self.assertIn("mtu 1500", g.sh(f"ip link show {vf}"),
                      "the new instance's MTU was pushed")
        before = ethtool_stats(g, synth)
        out = g.sh("ping -c 5 -i 0.2 -W 2 10.0.2.2; true", timeout=60)
        self.assertEqual(ping_counts(out), (5, 5), out)
        after = ethtool_stats(g, synth)
        self.assertGreaterEqual(after["vf_rx_packets"] - before["vf_rx_packets"], 5)


class SynthHostControl(BondedChecks, unittest.TestCase):
    """The host drives the channel over QMP while the guest's synth driver
    has its VF joined: policy, request revokes and offers. The guest's MTU
    on the synthetic netdev is 4000 throughout. Every scenario starts and
    ends with the data path on the VF."""

    @classmethod
    def setUpClass(cls):
        cls.bond = BondedGuest("synth-qmp", cleanup=cls.addClassCleanup, mtu=4000)
        cls.g, cls.synth, cls.vf = cls.bond.g, cls.bond.synth, cls.bond.vf

    def test_policy_moves_traffic_to_synthetic_and_back(self):
        g = self.g
        self.assert_on_vf()
        mark = len(g.machine.events)
        g.qmp("sriovnic-set-policy", **{"id": "synth0", "sriov-allowed": False})
        self.assert_on_synthetic()
        ch = wait_channel(g, "synthetic")
        self.assertFalse(ch["sriov-allowed"])
        self.assertIn("policy", reason_codes(ch), ch.get("reasons"))
        causes = [e["cause"] for e in datapath_events(g, mark)]
        self.assertEqual(causes[:2], ["revoke-request", "revoke-done"], causes)
        self.assertEqual(ch["last-revoke"]["reason"], "policy")
        self.assertFalse(ch["last-revoke"]["timed-out"])

        g.qmp("sriovnic-set-policy", **{"id": "synth0", "sriov-allowed": True})
        self.assert_on_vf()
        ch = channel(g)
        self.assertTrue(ch["sriov-allowed"])
        self.assertNotIn("reasons", ch)

    def test_request_revoke_is_answered_before_the_timeout(self):
        g = self.g
        self.assert_on_vf()
        mark = len(g.machine.events)
        g.qmp("sriovnic-revoke", id="synth0", reason="admin")
        ch = wait_channel(g, "synthetic")
        events = datapath_events(g, mark)
        causes = [e["cause"] for e in events]
        self.assertEqual(causes, ["revoke-request", "revoke-done"], events)
        self.assertEqual([e["new-state"] for e in events], ["revoking", "synthetic"])
        self.assertTrue(all(e["revoke-reason"] == "admin" for e in events), events)
        print(f"\nrequest revoke: the guest switched to synthetic in "
              f"{events[1]['since-previous-us']} us", file=sys.stderr)
        self.assertEqual(ch["last-revoke"],
                         {"reason": "admin", "surprise": False, "timed-out": False})
        self.assertIn("revoked", reason_codes(ch), ch.get("reasons"))
        self.assert_on_synthetic()

        mark = len(g.machine.events)
        g.qmp("sriovnic-offer", id="synth0")
        self.assert_on_vf()
        causes = [e["cause"] for e in datapath_events(g, mark)]
        self.assertEqual(causes, ["offer", "switch-to-vf"], causes)

    def test_twenty_revoke_offer_cycles_under_a_ping_stream(self):
        g = self.g
        self.assert_on_vf()
        mark = len(g.machine.events)
        g.sh("ping -i 0.1 -W 1 10.0.2.2 > /tmp/ping.log 2>&1 & echo $! > /tmp/ping.pid")
        g.sh("sleep 1")
        started = time.monotonic()
        for cycle in range(20):
            g.qmp("sriovnic-revoke", id="synth0", reason="admin")
            wait_channel(g, "synthetic")
            self.wait_data_path(False)
            g.qmp("sriovnic-offer", id="synth0")
            wait_channel(g, "vf")
            self.wait_data_path(True)
            self.assertIn("mtu 4000", g.sh(f"ip link show {self.vf}"),
                          f"cycle {cycle}: the VF is at the synthetic netdev's MTU")
            vf0 = g.qmp("query-sriovnic")[0]["vfs"][0]
            self.assertEqual(vf0["mtu"], 4000, f"cycle {cycle}: the card's view of VF 0")
        took = time.monotonic() - started
        g.sh("sleep 1; kill -INT $(cat /tmp/ping.pid)")
        out = wait_for(g, "cat /tmp/ping.log", r"packets received")
        sent, received = ping_counts(out)
        print(f"\n20 revoke/offer cycles in {took:.1f} s: {sent - received} of {sent} "
              f"pings lost ({(sent - received) / 20:.2f} per cycle)", file=sys.stderr)
        self.assertGreater(sent, 20)
        self.assertLessEqual(sent - received, sent * 0.05, out)
        causes = [e["cause"] for e in datapath_events(g, mark)]
        self.assertNotIn("revoke-timeout", causes)
        self.assertEqual(causes.count("revoke-done"), 20, causes)
        self.assertEqual(causes.count("switch-to-vf"), 20, causes)
        ch = channel(g)
        self.assertEqual(ch["revoke-timeouts"], 0)
        self.assertIn("mtu 4000", g.sh(f"ip link show {self.synth}"))
        self.assert_on_vf()

    def features(self, dev):
        """{feature: "on"/"off"} from ethtool -k."""
        out = self.g.sh(f"ethtool -k {dev}")
        return dict(re.findall(r"^\s*([\w-]+): (on|off)", out, re.M))

    def test_host_offload_recommendation_reaches_both_netdevs(self):
        g, synth, vf = self.g, self.synth, self.vf
        self.assert_on_vf()
        for dev in (synth, vf):
            self.assertEqual(self.features(dev)["tcp-segmentation-offload"], "on", dev)
        g.qmp("sriovnic-set-policy", id="synth0", **{"sriov-allowed": True,
                                                       "offloads": ["csum-tx", "csum-rx"]})
        for dev in (synth, vf):
            wait_for(g, f"ethtool -k {dev}", r"tcp-segmentation-offload: off")
            self.assertEqual(self.features(dev)["tx-checksumming"], "on", dev)
        self.assert_on_vf()  # traffic goes on, still on the VF
        g.qmp("sriovnic-set-policy", id="synth0", **{"sriov-allowed": True, "offloads": []})
        for dev in (synth, vf):
            wait_for(g, f"ethtool -k {dev}", r"tx-checksumming: off")
            self.assertEqual(self.features(dev)["rx-checksumming"], "off", dev)
        g.qmp("sriovnic-set-policy", id="synth0", **{"sriov-allowed": True, "offloads":
                                                       ["csum-tx", "csum-rx", "tso4", "tso6"]})
        for dev in (synth, vf):
            wait_for(g, f"ethtool -k {dev}", r"tcp-segmentation-offload: on")
        # A re-joined VF gets the synthetic netdev's offloads, also ones the
        # user turned off.
        g.sh(f"ethtool -K {synth} tso off")
        wait_for(g, f"ethtool -k {vf}", r"tcp-segmentation-offload: off")
        g.qmp("sriovnic-revoke", id="synth0", reason="admin")
        wait_channel(g, "synthetic")
        g.sh(f"ethtool -K {vf} tso on")  # released: its own again
        g.qmp("sriovnic-offer", id="synth0")
        self.assert_on_vf()
        self.assertEqual(self.features(vf)["tcp-segmentation-offload"], "off")
        g.sh(f"ethtool -K {synth} tso on")
        wait_for(g, f"ethtool -k {vf}", r"tcp-segmentation-offload: on")

    def test_flr_of_the_channel_restarts_it_and_returns_to_the_vf(self):
        # An FLR clears the channel's rings, features and interrupt routing
        # and makes the device forget the switch to the VF: the driver's
        # reset_done sets all of it up again and switches back.
        g = self.g
        self.assert_on_vf()
        switches = ethtool_stats(g, self.synth)["data_path_switches"]
        g.sh(f"echo 1 > /sys/bus/pci/devices/{SYNTH_BDF}/reset")
        self.assert_on_vf()
        after = ethtool_stats(g, self.synth)
        self.assertEqual(after["dev_switch_to_vf"], 1, "counters cleared by the FLR, then one switch")
        self.assertEqual(after["data_path_switches"], switches + 1)
        self.assertEqual(after["bad_messages"], 0)
        # The EVENT queue and the synthetic rings work again.
        g.qmp("sriovnic-revoke", id="synth0", reason="admin")
        wait_channel(g, "synthetic")
        self.assert_on_synthetic()
        g.qmp("sriovnic-offer", id="synth0")
        self.assert_on_vf()
        self.assertIn("mtu 4000", g.sh(f"ip link show {self.synth}"))


if __name__ == "__main__":
    unittest.main()
