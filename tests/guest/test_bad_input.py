# SPDX-License-Identifier: GPL-2.0-or-later
"""Malformed input from a guest: a VF with no driver bound is fed bad
descriptors, rings and register values from guest user space
(tools/sriovnic-badinput.c). QEMU keeps running, the device flags and counts
each problem, and the PF and other VFs keep passing traffic."""
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from guest import Guest  # noqa: E402
from netlib import LOAD_DRIVERS, into_netns, pf_netdev, set_numvfs, vf_netdevs  # noqa: E402
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "qtest"))
from sriovnic_pci import R  # noqa: E402

DEVICES = ["-netdev", "user,id=n0",
           "-device", "pcie-root-port,id=rp0,bus=pcie.0,chassis=1,addr=0x2",
           "-device", "sriovnic,bus=rp0,id=nic0,vfs=8,netdev=n0"]
VICTIM = "0000:01:00.3"  # VF 2, unbound from its driver


def parse(out):
    return {k: int(v, 0) for k, v in re.findall(r"^(\w+)=(\S+)$", out, re.M)}


class BadInput(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        g = cls.g = Guest(DEVICES, name="badinput")
        cls.addClassCleanup(cls.g.kill)
        g.sh(LOAD_DRIVERS)
        cls.pf = pf_netdev(g)
        g.sh(f"ip link set {cls.pf} up && udhcpc -i {cls.pf} -n -q -t 10 >/dev/null 2>&1",
             timeout=90)
        set_numvfs(g, 3)
        vfs = vf_netdevs(g, 2)
        into_netns(g, "a", vfs[0], "192.168.90.1/24")
        into_netns(g, "b", vfs[1], "192.168.90.2/24")
        g.sh(f"echo {VICTIM} > /sys/bus/pci/drivers/sriovnic_vf/unbind")

    def run_scenario(self, name):
        out = self.g.sh(f"/opt/tools/sriovnic-badinput {VICTIM} {name}")
        self.assertEqual(self.g.machine.qmp("query-status")["status"], "running")
        return parse(out)

    def assert_others_unharmed(self):
        self.assertIn("1 packets received", self.g.sh("ping -c 1 -W 2 10.0.2.2"))
        self.assertIn("1 packets received",
                      self.g.sh("ip netns exec a ping -c 1 -W 2 192.168.90.2"))

    def test_buffer_outside_guest_memory(self):
        r = self.run_scenario("buffer-outside-ram")
        self.assertTrue(r["err_cause"] & R["ERR_DMA"])
        self.assertEqual(r["dma_errors"], 1)
        self.assertEqual(r["desc0_flags"], R["TXD_DONE"] | R["TXD_ERR"])
        self.assertEqual(r["tx_head"], 1, "the ring went on")
        self.assert_others_unharmed()

    def test_ring_outside_guest_memory(self):
        r = self.run_scenario("ring-outside-ram")
        self.assertTrue(r["err_cause"] & R["ERR_DMA"])
        self.assertEqual(r["tx_ctrl"], 0, "the ring was stopped")
        self.assert_others_unharmed()

    def test_chain_without_end(self):
        r = self.run_scenario("endless-chain")
        self.assertTrue(r["err_cause"] & R["ERR_BAD_DESC"])
        self.assertGreaterEqual(r["desc_errors"], 1)
        self.assertEqual(r["tx_packets"], 0)
        self.assert_others_unharmed()

    def test_zero_oversized_and_runt_lengths(self):
        r = self.run_scenario("zero-and-oversized-lengths")
        self.assertEqual(r["desc_errors"], 3)
        self.assertEqual(r["tx_head"], 3)
        self.assertEqual(r["tx_packets"], 0)
        self.assert_others_unharmed()

    def test_impossible_offload_requests(self):
        r = self.run_scenario("bad-offloads")
        self.assertEqual(r["desc_errors"], 2)
        self.assert_others_unharmed()

    def test_bad_ring_geometry_and_register_values(self):
        r = self.run_scenario("bad-geometry")
        self.assertTrue(r["err_cause"] & R["ERR_BAD_QUEUE"])
        self.assertTrue(r["err_cause"] & R["ERR_BAD_VALUE"])
        self.assertEqual(r["tx_ctrl"], 0)
        self.assert_others_unharmed()

    def test_receive_buffer_outside_guest_memory(self):
        g = self.g
        g.sh(f"/opt/tools/sriovnic-badinput {VICTIM} rx-buffer-outside-ram > /tmp/rx.out &")
        g.run("sleep 0.5; ip netns exec a ping -c 2 -W 1 192.168.90.77", check=False)  # ARP broadcasts
        g.sh("wait")
        r = parse(g.sh("cat /tmp/rx.out"))
        self.assertTrue(r["err_cause"] & R["ERR_DMA"])
        self.assertEqual(r["rx0_flags"], R["RXD_DONE"] | R["RXD_ERR"], "buffer marked unusable")
        self.assert_others_unharmed()

    def test_mailbox_flood(self):
        r = self.run_scenario("mailbox-flood")
        self.assertGreater(r["mbx_refused"], 9000, "one message at a time")
        self.assertGreaterEqual(r["mbx_sent"], 1)
        self.assertTrue(r["err_cause"] & R["ERR_MBX_BUSY"])
        # The PF driver answered the unknown request as unsupported (status 2).
        self.assertEqual(r["reply0"] & 0x1FF, 0x77 | 0x100)
        self.assertEqual((r["reply0"] >> 16) & 0xFF, 2)
        self.assert_others_unharmed()

    def test_mtu_above_the_pfs_grant_is_refused(self):
        r = self.run_scenario("mtu-beyond-grant")
        self.assertEqual(r["mtu"], 1500)
        self.assertTrue(r["err_cause"] & R["ERR_DENIED"])

    def test_the_same_vf_still_works_with_good_input(self):
        r = self.run_scenario("good-frame")
        self.assertEqual(r["tx_packets"], 1)
        self.assertEqual(r["err_count"], 0)


if __name__ == "__main__":
    unittest.main()
