# SPDX-License-Identifier: GPL-2.0-or-later
"""The PF<->VF mailbox as the drivers use it: the VF learns the PF's limits,
asks for its MTU, is refused with a reason when the PF's policy says no,
hands its multicast list to the PF, comes back with its MTU and its
multicast groups after the PF is reset under traffic, and survives its
function vanishing under it (surprise removal). A reply that comes after its
request timed out is not taken for the answer to the next one, and a VF
driver from before the mailbox contract (interface 1.5) is answered as it
expects."""
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from guest import Guest  # noqa: E402
from netlib import (ethtool_stats, into_netns, pf_netdev, set_numvfs,  # noqa: E402
                    vf_netdevs, wait_for, wait_link_up)
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "qtest"))
from sriovnic_pci import R  # noqa: E402

DEVICES = ["-netdev", "user,id=n0",
           "-device", "pcie-root-port,id=rp0,bus=pcie.0,chassis=1,addr=0x2",
           "-device", "sriovnic,bus=rp0,id=nic0,vfs=4,netdev=n0"]


def load(g, pf_args=""):
    g.sh(f"insmod /lib/modules/sriovnic/sriovnic_pf.ko {pf_args} && "
         "insmod /lib/modules/sriovnic/sriovnic_vf.ko")


def two_vfs(test, name, subnet, mtu=None, pf_addr=None):
    """Boots a guest with both drivers, the PF up (with `pf_addr` if given)
    and two VFs in namespaces a and b as {subnet}.1 and .2; returns the guest,
    the PF's and the VFs' netdev names."""
    g = Guest(DEVICES, name=name)
    test.addCleanup(g.kill)
    load(g)
    pf = pf_netdev(g)
    g.sh(f"ip link set {pf} up" + (f" && ip addr add {pf_addr} dev {pf}" if pf_addr else ""))
    set_numvfs(g, 2)
    vfs = vf_netdevs(g, 2)
    into_netns(g, "a", vfs[0], f"{subnet}.1/24", mtu=mtu)
    into_netns(g, "b", vfs[1], f"{subnet}.2/24", mtu=mtu)
    return g, pf, vfs


class MtuPolicy(unittest.TestCase):
    def test_pf_limit_is_enforced_through_the_mailbox(self):
        g = Guest(DEVICES, name="mbx-policy")
        self.addCleanup(g.kill)
        load(g, "vf_max_mtu=4000")
        g.sh(f"ip link set {pf_netdev(g)} up")
        set_numvfs(g, 1)
        vf = vf_netdevs(g, 1)[0]
        caps = R["MBX_CAP_TAGS"] | R["MBX_CAP_MC_LIST"]
        self.assertIn(f"PF mailbox caps {caps:#x}, MTU up to 4000", g.sh("dmesg | grep sriovnic_vf"))
        status, out = g.run(f"ip link set {vf} mtu 9000", check=False)
        self.assertNotEqual(status, 0, out)
        g.sh(f"ip link set {vf} mtu 3000 && ip link set {vf} up")
        self.assertIn("mtu 3000", g.sh(f"ip link show {vf}"))


def multicast_between(g, vfs):
    """Lets namespace a (vfs[0]) send IPv4 multicast to namespace b (vfs[1]).
    Without IPv6 the receiver's only group is 224.0.0.1 (bucket 54 of the
    64-bit hash); otherwise its solicited-node group, which follows its
    random MAC, could share a bucket with the groups the tests use:
    224.1.2.3 and 224.7.7.7 fall in buckets 1 and 30."""
    g.sh(f"ip -n a route add 224.0.0.0/4 dev {vfs[0]}")
    for ns, dev in (("a", vfs[0]), ("b", vfs[1])):
        g.sh(f"ip netns exec {ns} sh -c 'echo 1 > /proc/sys/net/ipv6/conf/{dev}/disable_ipv6'")


def multicast_received(g, ns, dev, group, count=10):
    """Pings IPv4 multicast `group` from namespace a (`count` echo requests);
    returns how many more frames VF `dev` in namespace `ns` received. The
    filter is set asynchronously (a work item asks the PF), so callers expect
    at least half of them through, and fewer than half when filtered."""
    before = ethtool_stats(g, dev, ns=ns)["dev_rx_packets"]
    g.sh(f"ip netns exec a ping -c {count} -i 0.2 -W 1 {group} >/dev/null 2>&1; true",
         timeout=60)
    return ethtool_stats(g, dev, ns=ns)["dev_rx_packets"] - before


class MulticastList(unittest.TestCase):
    def test_vf_gets_the_groups_it_joined_through_the_pf(self):
        g, pf, vfs = two_vfs(self, "mbx-mc", "192.168.130")
        multicast_between(g, vfs)
        self.assertLess(multicast_received(g, "b", vfs[1], "224.1.2.3"), 5,
                        "a group nobody joined is filtered")
        g.sh(f"ip -n b maddr add 01:00:5e:01:02:03 dev {vfs[1]}")
        self.assertGreaterEqual(multicast_received(g, "b", vfs[1], "224.1.2.3"), 5)
        self.assertLess(multicast_received(g, "b", vfs[1], "224.7.7.7"), 5)
        self.assertNotIn("multicast list", g.sh("dmesg | grep sriovnic_vf; true"))

        g.sh("echo 1 > /sys/bus/pci/devices/0000:01:00.0/reset", timeout=60)
        wait_for(g, "dmesg | grep -c 'recovered from a reset'; true", r"^2$")
        for ns, dev in (("a", vfs[0]), ("b", vfs[1])):
            wait_link_up(g, ns, dev)
        self.assertGreaterEqual(multicast_received(g, "b", vfs[1], "224.1.2.3"), 5,
                                "the VF handed its list to the PF again after the PF reset")
        g.sh(f"ip -n b maddr del 01:00:5e:01:02:03 dev {vfs[1]}")
        self.assertLess(multicast_received(g, "b", vfs[1], "224.1.2.3"), 5)


    def test_without_a_pf_driver_the_vf_sets_its_own_filter(self):
        g = Guest(DEVICES, name="mc-nopf")
        self.addCleanup(g.kill)
        g.sh("modprobe pci-pf-stub && "
             "echo 5352 0001 > /sys/bus/pci/drivers/pci-pf-stub/new_id && "
             "insmod /lib/modules/sriovnic/sriovnic_vf.ko")
        set_numvfs(g, 2)
        self.assertIn("no answer from the PF driver", g.sh("dmesg | grep sriovnic_vf"))
        vfs = vf_netdevs(g, 2)
        into_netns(g, "a", vfs[0], "192.168.131.1/24")
        into_netns(g, "b", vfs[1], "192.168.131.2/24")
        multicast_between(g, vfs)
        self.assertLess(multicast_received(g, "b", vfs[1], "224.1.2.3"), 5)
        g.sh(f"ip -n b maddr add 01:00:5e:01:02:03 dev {vfs[1]}")
        self.assertGreaterEqual(multicast_received(g, "b", vfs[1], "224.1.2.3"), 5)
        self.assertLess(multicast_received(g, "b", vfs[1], "224.7.7.7"), 5)


class PfReset(unittest.TestCase):
    def test_vfs_recover_from_a_pf_reset_with_their_mtu(self):
        g, pf, vfs = two_vfs(self, "mbx-reset", "192.168.110", mtu=9000)
        g.sh(f"ip link set {pf} vf 1 vlan 0 spoofchk off")
        self.assertIn("2 packets received",
                      g.sh("ip netns exec a ping -c 2 -i 0.2 -s 8000 -W 2 192.168.110.2"))
        g.sh("ip netns exec a ping -q -i 0.1 192.168.110.2 > /tmp/ping.log 2>&1 & "
             "echo $! > /tmp/ping.pid")
        g.sh("echo 1 > /sys/bus/pci/devices/0000:01:00.0/reset", timeout=60)
        self.assertIn("reset done, 2 VFs told", g.sh("dmesg | grep sriovnic_pf"))
        wait_for(g, "dmesg | grep -c 'recovered from a reset'; true", r"^2$")
        for ns, dev in (("a", vfs[0]), ("b", vfs[1])):
            wait_link_up(g, ns, dev)
        self.assertIn("mtu 9000", g.sh(f"ip -n a link show {vfs[0]}"))
        self.assertIn("spoof checking off", g.sh(f"ip link show {pf} | grep 'vf 1 '"),
                      "the PF replayed its VF settings")
        self.assertIn("3 packets received",
                      g.sh("ip netns exec a ping -c 3 -i 0.2 -s 8000 -W 2 192.168.110.2"))
        g.sh("killall ping")


class VfFlr(unittest.TestCase):
    def test_vf_flr_under_traffic(self):
        g = Guest(DEVICES, name="vf-flr")
        self.addCleanup(g.kill)
        load(g)
        g.sh(f"ip link set {pf_netdev(g)} up")
        set_numvfs(g, 2)
        vfs = vf_netdevs(g, 2)
        into_netns(g, "a", vfs[0], "192.168.120.1/24", mtu=4000)
        into_netns(g, "b", vfs[1], "192.168.120.2/24")
        g.sh("ip netns exec b iperf3 -s -D -1 -p 5201")
        g.sh("ip netns exec a iperf3 -c 192.168.120.2 -p 5201 -t 5 > /tmp/iperf.log 2>&1 &")
        g.sh("sleep 1.5 && echo 1 > /sys/bus/pci/devices/0000:01:00.1/reset", timeout=60)
        g.sh("while pidof iperf3 >/dev/null; do sleep 0.5; done", timeout=60)
        self.assertIn("recovered from a reset (MTU 4000)", g.sh("dmesg | grep sriovnic_vf"))
        out = g.sh("cat /tmp/iperf.log")
        self.assertNotIn("error", out, "the TCP stream outlived the FLR")
        self.assertRegex(out, r"[\d.]+ MBytes .* receiver")
        self.assertIn("mtu 4000", g.sh(f"ip -n a link show {vfs[0]}"))
        self.assertIn("2 packets received",
                      g.sh("ip netns exec a ping -c 2 -i 0.2 -s 1000 -W 2 192.168.120.2"))


class Contract(unittest.TestCase):
    def test_a_reply_after_the_timeout_is_not_taken_for_the_next_answer(self):
        g = Guest(DEVICES, name="mbx-late")
        self.addCleanup(g.kill)
        load(g, "vf_max_mtu=4000")
        g.sh(f"ip link set {pf_netdev(g)} up")
        set_numvfs(g, 1)
        vf = vf_netdevs(g, 1)[0]
        # The PF side holds the VF's requests: asking for MTU 3000 times out
        # (after 1 s of polling, longer in real time under TCG). When the hold
        # ends the PF answers it; that answer is late and is not taken for the
        # answer to anything the VF asks next.
        g.qmp("sriovnic-inject-fault", id="nic0", vf=0, fault="mailbox-timeout",
              **{"duration-ms": 15000})
        status, out = g.run(f"ip link set {vf} mtu 3000", check=False)
        self.assertNotEqual(status, 0, out)
        wait_for_stat(g, vf, "mbx_late_replies", 1, timeout=60)
        g.sh(f"ip link set {vf} mtu 2000")
        self.assertIn("mtu 2000", g.sh(f"ip link show {vf}"))
        stats = ethtool_stats(g, vf)
        self.assertEqual(stats["mbx_late_replies"], 1)
        self.assertGreaterEqual(stats["mbx_timeouts"], 1)
        self.assertEqual(stats["mbx_dup_replies"], 0)
        self.assertEqual(stats["mbx_bad_msgs"], 0)
        self.assertEqual(stats["dev_mbx_bad_requests"] + stats["dev_mbx_bad_replies"] +
                         stats["dev_mbx_dup_replies"], 0, "every message was well-formed")
        # The PF served both, in order: its last grant is 2000.
        self.assertEqual(g.qmp("query-sriovnic")[0]["vfs"][0]["admin"]["max-mtu"], 2000)

    def test_a_vf_driver_from_before_the_contract_is_answered_as_it_expects(self):
        g = Guest(DEVICES, name="mbx-legacy")
        self.addCleanup(g.kill)
        load(g, "vf_max_mtu=4000")
        pf = pf_netdev(g)
        g.sh(f"ip link set {pf} up")
        set_numvfs(g, 2)
        vf_netdevs(g, 2)
        g.sh("echo 0000:01:00.2 > /sys/bus/pci/drivers/sriovnic_vf/unbind")
        out = g.sh("/opt/tools/sriovnic-badinput 0000:01:00.2 legacy-vf-mailbox")
        r = {k: int(v, 0) for k, v in re.findall(r"^(\w+)=(\S+)$", out, re.M)}
        hello = r["hello_reply0"]
        # What that driver checked: opcode | REPLY in bits 8:0, status, API version.
        self.assertEqual(hello & 0x1FF, R["MBX_HELLO"] | R["MBX_REPLY"])
        self.assertEqual((hello >> 16) & 0xFF, R["MBX_OK"])
        self.assertEqual(hello >> 24, 2, "API 2: it hands its multicast list to the PF")
        self.assertEqual((hello >> R["MBX_TAG_SHIFT"]) & 0x7F, 0, "its own tag: none")
        self.assertEqual(r["hello_max_mtu"], 4000)
        self.assertEqual(r["hello_caps"], R["MBX_CAP_MC_LIST"], "legacy level 2, no tags")
        self.assertEqual(r["mc_reply0"] & 0xFF01FF, R["MBX_SET_MC_LIST"] | R["MBX_REPLY"],
                         "SET_MC_LIST is served: OK")
        self.assertEqual((r["bad_mtu_reply0"] >> 16) & 0xFF, R["MBX_BAD_REQUEST"])
        self.assertEqual((r["dev_bad_requests"], r["dev_bad_replies"], r["dev_late_replies"],
                          r["dev_dup_replies"]), (1, 0, 0, 0))
        self.assertEqual(ethtool_stats(g, pf)["mbx_bad_msgs"], 1)


def wait_for_stat(g, dev, name, value, timeout=10):
    """ethtool -S of `dev` once counter `name` has reached `value`."""
    for _ in range(timeout * 5):
        stats = ethtool_stats(g, dev)
        if stats[name] >= value:
            return stats
        g.sh("sleep 0.2")
    raise AssertionError(f"{name} stayed at {stats[name]}, expected {value}")


# The PF's SR-IOV capability (at 0x140 on sriovnic), its control register and
# VF Enable. Writing it with setpci changes the hardware behind Linux's back.
SRIOV_CTRL = "148.w"


class SurpriseRemoval(unittest.TestCase):
    def test_vf_driver_survives_its_function_vanishing_and_returning(self):
        g, pf, vfs = two_vfs(self, "vf-gone", "192.168.150", mtu=4000,
                             pf_addr="10.0.2.15/24")
        self.assertIn("[140] Single Root I/O Virtualization", g.sh("lspci -s 01:00.0 -v"))
        self.assertIn("2 packets received",
                      g.sh("ip netns exec a ping -c 2 -i 0.2 -W 2 192.168.150.2"))

        # Both VFs vanish (VF Enable cleared under the drivers) during a ping.
        g.sh("ip netns exec a ping -i 0.2 192.168.150.2 > /tmp/ping.log 2>&1 &")
        g.sh(f"sleep 1 && setpci -s 01:00.0 {SRIOV_CTRL}=0000:0001")
        wait_for(g, "dmesg | grep -c 'function gone (surprise removal)'; true", r"^2$")
        self.assertNotIn("LOWER_UP", g.sh(f"ip -n a link show {vfs[0]}"))
        status, out = g.run(f"ip -n a link set {vfs[0]} mtu 3000", check=False, timeout=30)
        self.assertNotEqual(status, 0, "no MTU change on a function that is gone")
        self.assertIn("No such device", out)
        self.assertIn("3 packets received", g.sh("ping -c 3 -i 0.2 -W 2 10.0.2.2"),
                      "the PF carries on")

        # They come back reset: the drivers restore them, MTU included.
        replies = "grep -c 'bytes from' /tmp/ping.log; true"
        replies_while_gone = int(g.sh(replies))
        g.sh(f"setpci -s 01:00.0 {SRIOV_CTRL}=0001:0001")
        wait_for(g, "dmesg | grep -c 'function back after surprise removal'; true", r"^2$")
        wait_for(g, "dmesg | grep -c 'recovered from a reset'; true", r"^2$")
        for ns, dev in (("a", vfs[0]), ("b", vfs[1])):
            wait_link_up(g, ns, dev)
        self.assertIn("mtu 4000", g.sh(f"ip -n a link show {vfs[0]}"))
        # The first echo after the return is sometimes lost under load
        # (noted, not understood yet); from the first answer on, all are.
        wait_for(g, "ip netns exec a ping -c 1 -W 1 192.168.150.2; true", r"1 packets received")
        self.assertIn("3 packets received",
                      g.sh("ip netns exec a ping -c 3 -s 3500 -W 2 192.168.150.2"))
        self.assertGreater(int(g.sh(replies)), replies_while_gone + 2,
                           "the ping went on after the return")
        g.sh("killall ping")

        # Gone again, then unbound: removal of a vanished function completes.
        g.sh(f"setpci -s 01:00.0 {SRIOV_CTRL}=0000:0001")
        wait_for(g, "dmesg | grep -c 'function gone (surprise removal)'; true", r"^4$")
        g.sh("echo 0 > /sys/bus/pci/devices/0000:01:00.0/sriov_numvfs", timeout=60)
        set_numvfs(g, 2)
        vfs = vf_netdevs(g, 2)
        into_netns(g, "c", vfs[0], "192.168.151.1/24")
        into_netns(g, "d", vfs[1], "192.168.151.2/24")
        self.assertIn("2 packets received",
                      g.sh("ip netns exec c ping -c 2 -i 0.2 -W 2 192.168.151.2"))
        self.assertNotRegex(g.sh("dmesg"), r"Call Trace|BUG:|WARNING:")


if __name__ == "__main__":
    unittest.main()
