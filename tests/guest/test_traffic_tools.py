# SPDX-License-Identifier: GPL-2.0-or-later
"""The measuring tools themselves, without a guest: the topology's segment
carries jumbo frames between host B and the peer, sriovnic-stream (the guest
tool, run on host B) counts exactly the losses, duplicates and reordering the
peer puts into its stream on purpose and logs a pause of the peer's streams
where it happened, and the host-side analysis counts what it is given."""
import array
import json
import os
import signal
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from netns import TwoHosts  # noqa: E402
from traffic import IMPAIRED_BLOCK, histogram, longest_stall_ms, stream_bytes  # noqa: E402
from traffic import udp_lost, udp_summary  # noqa: E402
from gap_windows import GuestGapLog, comparison_lines, distribution  # noqa: E402
from gap_windows import longest_gap, verdict  # noqa: E402

TOOL = os.path.join(os.environ.get("SRIOVNIC_GUEST_DIR", ""), "root/opt/tools/sriovnic-stream")
HOST_B_IP = "10.50.0.10"


class Analysis(unittest.TestCase):
    def test_udp_counts_in_a_window(self):
        seqs = array.array("q", [0, 1, 3, 2, 2, 5, 6])
        times = array.array("q", [0, 10, 20, 30, 40, 90, 100])
        whole = udp_summary(seqs, times)
        self.assertEqual(whole, {"received": 7, "unique": 6, "duplicated": 1, "reordered": 1,
                                 "holes": 1, "longest_gap_ms": 50 / 1e6})
        # [25, 95): 2 2 5 -- one duplicate, 3 and 4 missing between 2 and 5;
        # the gap from the last arrival to the window's end counts.
        part = udp_summary(seqs, times, 25, 95)
        self.assertEqual((part["unique"], part["duplicated"], part["holes"]), (2, 1, 2))
        self.assertEqual(part["longest_gap_ms"], 50 / 1e6)
        self.assertEqual(udp_summary(seqs, times, 200, 300)["longest_gap_ms"], 100 / 1e6)

    def test_histogram_and_stall(self):
        ms = 10**6
        times = array.array("q", [0, 1 * ms, 12 * ms, 13 * ms, 45 * ms])
        self.assertEqual(histogram(times, 0, 50 * ms), [2, 2, 0, 0, 1])
        self.assertEqual(longest_stall_ms(times), 32)
        self.assertEqual(longest_stall_ms(times, 0, 100 * ms), 55)

    def test_guest_gap_log_on_the_test_clock(self):
        # The guest's clock runs 5 s ahead of the test's, the shortest delay
        # is 100 us, and the guest's clock gains 1 ms a second (a 0.1 % drift:
        # 55 ms by guest time 60 s, the test's 54.945 s).
        # Lines: UDP gaps (u), TCP stalls (t), clock samples (o), in us.
        log = GuestGapLog("\n".join([
            "o 5000000 5000100", "o 5250000 5000200", "o 5500000 5000150",
            "u 5100000 5120000", "u 5400000 5460000", "t 5300000 5310000",
            "h 5460000 3 1", "o 60000000 5055100", "u 60000000 60030000"]) + "\n", 5000)
        ms = 10**6
        self.assertEqual(log.to_host(5_200_000_000), 200 * ms - 100_000)
        self.assertEqual(log.to_host(60_000_000_000), 54_945 * ms - 100_000)
        # [0.2 s, 0.4 s): the UDP gap from 0.1 s to 0.12 s is before it, the
        # one from 0.4 s starts at its end; the TCP stall is inside it.
        self.assertIsNone(log.udp_gap_ms(200 * ms, 400 * ms - 100_000))
        self.assertEqual(log.tcp_stall_ms(200 * ms, 400 * ms), 10)
        # A gap reaching into a window counts from the window's edge.
        self.assertEqual(log.udp_gap_ms(420 * ms - 100_000, 1000 * ms), 40)
        self.assertEqual(log.udp_gap_ms(0, 1000 * ms), 60)
        self.assertEqual(log.udp_gap_ms(54_940 * ms, 54_960 * ms), 15.1)
        self.assertEqual(log.udp_gap(0, 1000 * ms), (60, 400 * ms - 100_000))
        # Three sequence numbers skipped by the arrival at 0.46 s, one never came.
        self.assertEqual(log.skipped(450 * ms, 470 * ms), (3, 1))
        self.assertEqual(log.skipped(0, 450 * ms), (0, 0))
        self.assertEqual(log.skipped(), (3, 1))
        with self.assertRaises(ValueError):
            GuestGapLog("u 1 20000\n", 5000)  # nothing to set the clocks by

    def test_longest_gap_and_where_it_is(self):
        ms = 10**6
        times = array.array("q", [10 * ms, 12 * ms, 30 * ms, 31 * ms])
        self.assertEqual(longest_gap(times, 0, 40 * ms), (18, 12 * ms))
        self.assertEqual(longest_gap(times, 20 * ms, 40 * ms), (10, 20 * ms))

    def test_distributions_and_the_verdict(self):
        d = distribution([float(v) for v in range(20, 0, -1)])
        self.assertEqual(d, {"count": 20, "median": 10, "p90": 18, "max": 20})
        self.assertEqual(distribution([7.0])["p90"], 7)
        self.assertEqual(verdict(d, d), "met")
        worse = {"count": 20, "median": 12.5, "p90": 18, "max": 21}
        self.assertEqual(verdict(worse, d), "missed: median by 2.5 ms, max by 1.0 ms")
        windows = [{"udp_at_peer": 1, "udp_in_guest": 2, "tcp_at_peer": 3, "tcp_in_guest": 4}]
        lines = comparison_lines(windows, windows)
        self.assertEqual(len(lines), 7)
        self.assertTrue(all(line.endswith("| met") for line in lines[3:]), lines)

    def test_tcp_stream_bytes_are_counters(self):
        self.assertEqual(stream_bytes(0, 16), bytes([0] * 8 + [1] + [0] * 7))
        self.assertEqual(stream_bytes(7, 3), bytes([0, 1, 0]))
        self.assertEqual(stream_bytes(8 * 258, 2), bytes([2, 1]))


@unittest.skipUnless(os.path.exists(TOOL), f"{TOOL} not built (scripts/build-drivers.sh)")
class ToolsOnTheSegment(unittest.TestCase):
    def setUp(self):
        self.topo = TwoHosts()
        self.addCleanup(self.topo.close)
        self.b = self.topo.host_b.ns
        self.b.run("ip", "addr", "add", f"{HOST_B_IP}/24", "dev", "br0")
        self.report = f"/tmp/sriovnic-stream-{os.getpid()}.json"
        self.addCleanup(lambda: os.path.exists(self.report) and os.unlink(self.report))

    def run_streams(self, seconds, *tool_args, **peer_args):
        peer = self.topo.traffic_peer(HOST_B_IP, **peer_args)
        tool = self.b.popen(TOOL, "-p", TwoHosts.PEER_IP, "-o", self.report, "-s", "8000",
                            *tool_args)
        self.addCleanup(tool.kill)
        peer.wait_connected()
        time.sleep(seconds)
        peer.quiesce()
        tool.terminate()
        self.assertEqual(tool.wait(10), 0)
        with open(self.report) as f:
            return json.load(f), peer.stop()

    def test_the_guest_tool_counts_what_the_peer_impairs(self):
        log_path = self.report + ".gaps"
        self.addCleanup(lambda: os.path.exists(log_path) and os.unlink(log_path))
        mine, theirs = self.run_streams(2, "-l", log_path, impaired=True)
        udp = mine["udp"]
        blocks = theirs.udp_sent / len(IMPAIRED_BLOCK)
        print(f"\n{theirs.udp_sent} sent by the impaired peer: {udp}", file=sys.stderr)
        self.assertGreater(blocks, 50)
        # One of each per block of ten; the block cut off at the end may be short.
        for key in ("duplicated", "reordered"):
            self.assertLessEqual(abs(udp[key] - blocks), 1, key)
        self.assertLessEqual(abs(udp_lost(theirs.udp_sent, udp["unique"]) - blocks), 1)
        self.assertLessEqual(abs(udp["holes"] - blocks), 1)
        # The gap log counts the skips: per block 6 (late, after 7) and 9 (lost).
        with open(log_path) as f:
            skipped, lost = GuestGapLog(f.read(), 5000).skipped()
        self.assertLessEqual(abs(skipped - 2 * blocks), 2)
        # (The block cut off at the end may count one lost that nothing skipped.)
        self.assertLessEqual(abs(lost - udp_lost(theirs.udp_sent, udp["unique"])), 1)
        # The other way nothing is impaired, and a veth neither duplicates
        # nor reorders; 8000-byte datagrams crossed the MTU 9000 segment.
        back = theirs.udp()
        self.assertEqual((back["duplicated"], back["reordered"]), (0, 0))
        self.assertGreater(back["unique"], 0)
        for tcp in (mine["tcp"], theirs.tcp):
            self.assertTrue(tcp["connected"])
            self.assertFalse(tcp["broken"], tcp["error"])
            self.assertFalse(tcp["corrupt"])
        self.assertGreater(mine["tcp"]["rx_bytes"], 0)
        self.assertGreater(theirs.tcp["rx_bytes"], 0)

    def test_the_gap_log_places_a_pause_of_the_peer_where_it_was(self):
        peer = self.topo.traffic_peer(HOST_B_IP)
        log_path = self.report + ".gaps"
        self.addCleanup(lambda: os.path.exists(log_path) and os.unlink(log_path))
        tool = self.b.popen(TOOL, "-p", TwoHosts.PEER_IP, "-o", self.report,
                            "-l", log_path, "-g", "5000")
        self.addCleanup(tool.kill)
        peer.wait_connected()
        time.sleep(1)
        paused = time.monotonic_ns()
        os.kill(peer.proc.pid, signal.SIGSTOP)  # the peer sends nothing for 0.5 s
        time.sleep(0.5)
        os.kill(peer.proc.pid, signal.SIGCONT)
        resumed = time.monotonic_ns()
        time.sleep(1)
        peer.quiesce()
        tool.terminate()
        self.assertEqual(tool.wait(10), 0)
        report = peer.stop()
        with open(log_path) as f:
            log = GuestGapLog(f.read(), 5000)
        # The tool ran on the peer's clock: each sample's delta is a delay.
        self.assertTrue(all(delta >= 0 for delta in log._offset), log._offset)
        middle = (paused + resumed) // 2
        for what, (spans, _) in (("UDP", log.udp), ("TCP", log.tcp)):
            around = [(a, b) for a, b in spans if a <= middle < b]
            self.assertEqual(len(around), 1, f"{what}: one gap spans the pause: {spans}")
            start, end = around[0]
            self.assertTrue(report.start_ns < start and end < report.stop_ns, (start, end))
        self.assertGreater(log.udp_gap_ms(paused, resumed), 0)

    def test_a_broken_connection_is_reported(self):
        peer = self.topo.traffic_peer(HOST_B_IP)
        tool = self.b.popen(TOOL, "-p", TwoHosts.PEER_IP, "-o", self.report)
        self.addCleanup(tool.kill)
        peer.wait_connected()
        time.sleep(0.5)
        peer.close()  # the peer process dies: its end of the connection closes
        time.sleep(0.5)
        tool.terminate()
        self.assertEqual(tool.wait(10), 0)
        with open(self.report) as f:
            tcp = json.load(f)["tcp"]
        self.assertTrue(tcp["broken"])
        self.assertIn(tcp["error"], ("closed by the peer", "recv: Connection reset by peer"))


if __name__ == "__main__":
    unittest.main()
