# SPDX-License-Identifier: GPL-2.0-or-later
"""Host-injected VF faults (sriovnic-inject-fault) in a guest whose synth
driver has VF 0 joined, with a ping stream running through each: a surprise
removal moves the traffic to the synthetic path and a restore brings the VF
back; a mailbox timeout and a DMA error are survived by the VF driver (it
times out and resyncs with its PF; it restarts the ring the device stopped),
and afterwards the data path is on the VF again.

The scenarios share one guest (tests/lib/bonded.py) and run in any order."""
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from bonded import BondedChecks, BondedGuest, channel, ping_counts, reason_codes  # noqa: E402
from bonded import wait_channel  # noqa: E402
from netlib import ethtool_stats, wait_for  # noqa: E402

MAILBOX_FAULT_MS = 10000


class GuestFaults(BondedChecks, unittest.TestCase):
    """Each scenario starts with the data path on the VF and ends there."""

    @classmethod
    def setUpClass(cls):
        cls.bond = BondedGuest("faults", cleanup=cls.addClassCleanup, mtu=4000)
        cls.g, cls.synth, cls.vf = cls.bond.g, cls.bond.synth, cls.bond.vf

    def start_pings(self):
        self.g.sh("ping -i 0.1 -W 1 10.0.2.2 > /tmp/ping.log 2>&1 & echo $! > /tmp/ping.pid")
        self.g.sh("sleep 1")

    def stop_pings(self, what, allowed_lost):
        g = self.g
        g.sh("kill -INT $(cat /tmp/ping.pid)")
        sent, received = ping_counts(wait_for(g, "cat /tmp/ping.log", r"packets received"))
        print(f"\n{what}: {sent - received} of {sent} pings lost", file=sys.stderr)
        self.assertGreater(sent, 10)
        self.assertLessEqual(sent - received, allowed_lost, f"{what}: connectivity lost")

    def inject(self, fault, **args):
        self.g.qmp("sriovnic-inject-fault", id="nic0", vf=0, fault=fault, **args)

    def vf_info(self):
        return self.g.qmp("query-sriovnic")[0]["vfs"][0]

    def vf_stat(self, name):
        return ethtool_stats(self.g, self.vf)[name]

    def test_surprise_removal_moves_traffic_to_synthetic_and_restore_brings_the_vf_back(self):
        g = self.g
        self.assert_on_vf()
        self.start_pings()
        self.inject("surprise-removal")
        self.assertTrue(self.vf_info()["surprise-removed"])
        ch = wait_channel(g, "synthetic")
        self.assertEqual(ch["last-revoke"]["reason"], "removed")
        self.assertTrue(ch["last-revoke"]["surprise"])
        self.assert_on_synthetic()
        self.assertIn("inet 10.0.2.15/24", g.sh(f"ip addr show {self.synth}"))

        self.inject("restore")
        self.assertFalse(self.vf_info()["surprise-removed"])
        self.assert_on_vf()  # the driver found its VF back, recovered it, and rejoined
        self.stop_pings("surprise removal and restore", allowed_lost=5)

    def test_mailbox_timeout_is_survived_and_the_vf_resyncs_with_its_pf(self):
        g = self.g
        self.assert_on_vf()
        g.sh("dmesg -c >/dev/null")
        timeouts = self.vf_stat("mbx_timeouts")
        self.start_pings()
        # Longer than the VF driver's timeout (5000 polls with a 100-200 us
        # sleep each: over a second, several when two guests share the
        # machine) with room to spare: otherwise the PF answers in time.
        self.inject("mailbox-timeout", **{"duration-ms": MAILBOX_FAULT_MS})
        self.assertTrue(self.vf_info()["mailbox-timeout"])
        # A new multicast group: the VF asks its PF to set the filter.
        g.sh(f"ip maddr add 01:00:5e:01:02:03 dev {self.vf}")
        wait_for(g, f"ethtool -S {self.vf} | grep mbx_timeouts",
                 rf"mbx_timeouts: (?!{timeouts}\b)\d+")
        self.assertIn("mailbox request 4 timed out: the PF does not answer", g.sh("dmesg"))
        self.assert_pings()  # the data path does not need the PF meanwhile
        wait_for(g, "dmesg", r"PF answers again", timeout=MAILBOX_FAULT_MS / 1000 + 30)
        self.assertFalse(self.vf_info()["mailbox-timeout"])
        self.stop_pings("mailbox timeout", allowed_lost=0)
        self.assert_on_vf()
        self.assertIn("mtu 4000", g.sh(f"ip link show {self.vf}"))

    def test_dma_error_is_survived_by_restarting_the_rings(self):
        g = self.g
        self.assert_on_vf()
        g.sh("dmesg -c >/dev/null")
        restarts = self.vf_stat("ring_restarts")
        dma_errors = self.vf_stat("dev_dma_errors")
        self.start_pings()
        self.inject("dma-error")
        wait_for(g, "dmesg", r"device stopped a ring after a DMA error: restarting the rings")
        self.assertFalse(self.vf_info()["dma-error"], "the VF's next DMA consumed it")
        stats = ethtool_stats(g, self.vf)
        self.assertGreater(stats["ring_restarts"], restarts)
        self.assertGreater(stats["dev_dma_errors"], dma_errors)
        self.assert_on_vf()
        self.stop_pings("DMA error", allowed_lost=5)
        ch = channel(g)
        self.assertEqual(reason_codes(ch), [])


if __name__ == "__main__":
    unittest.main()
