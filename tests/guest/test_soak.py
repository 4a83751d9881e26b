# SPDX-License-Identifier: GPL-2.0-or-later
"""The soak run's CI form (tests/lib/soak.py): two minutes (or
SRIOVNIC_SOAK_SECONDS) of NumVFs changes, VF FLRs, offer/revoke cycles,
policy changes, injected faults and live migrations under a UDP and a TCP
stream, every action at least once. The guest comes back to the VF after
each, the TCP stream never breaks and arrives intact, the guest's kernel
never warns, and a QEMU built with sanitizers reports nothing. QEMU's
resident memory, the counters and the UDP loss are printed, not asserted.
scripts/soak.sh runs the long form."""
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from soak import Soak  # noqa: E402

SECONDS = int(os.environ.get("SRIOVNIC_SOAK_SECONDS", "120"))
SEED = int(os.environ.get("SRIOVNIC_SOAK_SEED", "1"))
MIGRATE_EVERY = int(os.environ.get("SRIOVNIC_SOAK_MIGRATE_EVERY", "8"))


class SoakRun(unittest.TestCase):
    def test_soak(self):
        soak = Soak(SECONDS, seed=SEED, migrate_every=MIGRATE_EVERY)
        self.addCleanup(soak.close)
        report = soak.run()
        report.print()
        self.assertEqual(set(report.actions), set(Soak.ACTIONS) | {"migrate"})
        traffic = report.traffic
        self.assertFalse(traffic["tcp_broken"], f"TCP broke: {traffic['tcp_error']}")
        self.assertFalse(traffic["tcp_corrupt"], "TCP data arrived intact")
        self.assertGreater(traffic["udp_guest_to_peer_sent"], 0)
        self.assertEqual(report.kernel_failures, [], "the guest's kernel warned")
        self.assertEqual(report.sanitizer_reports, [], "ASan/UBSan in QEMU")


if __name__ == "__main__":
    unittest.main()
