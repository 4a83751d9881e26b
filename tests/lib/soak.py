# SPDX-License-Identifier: GPL-2.0-or-later
"""The soak run: one bonded guest (tests/lib/bonded.py) on a host of
netns.TwoHosts, a UDP sequence stream and a TCP stream to the traffic peer
running all the time, and the host and the guest taking turns at what
stresses the card while they flow: NumVFs changes, VF FLRs, offer/revoke
cycles, policy changes, injected faults (link flap, mailbox timeout, host
FLR, surprise removal) and live migrations between the hosts. After every
action the guest must come back to the VF on its own.

It records, per action, QEMU's resident memory and the guest's counters;
at the end it reads the guest's kernel log for warnings and the drivers'
complaints. scripts/soak.sh runs it for an hour; the guest test
test_soak runs it for two minutes in CI.

    soak = Soak(seconds=120, seed=1, migrate_every=8)
    report = soak.run()      # a SoakReport
    soak.close()"""
import random
import re
import sys
import time

from bonded import CARD, BondedGuest, wait_channel, wait_joined
from netlib import ethtool_stats, wait_for
from netns import TwoHosts
from traffic import GuestStream, udp_lost

GUEST_IP = "10.50.0.40"
VF0 = "0000:01:00.1"
RECOVERY_GUARD = 60   # s for the guest to be back on the VF; a hang guard

# Kernel log lines a healthy run never prints, injected faults or not.
KERNEL_FAILURE = re.compile(r"WARNING:|BUG:|Call Trace|Oops|general protection|"
                            r"NETDEV WATCHDOG|hung_task|refcount_t|list_(add|del) corruption")
# The drivers' complaints: expected in their number from injected faults
# (a mailbox timeout is timed out), reported, not failures.
DRIVER_COMPLAINT = re.compile(r"sriovnic_\w+ \S+ .*(malformed|timed out|failed|error)", re.I)
SANITIZER = re.compile(r"ERROR: AddressSanitizer|runtime error:|ERROR: LeakSanitizer")
# Counters of ours (ethtool -S) that count trouble rather than work.
TROUBLE_COUNTERS = re.compile(r"err|malformed|bad|late|dup|timeout|drop|invalid|lost")


def qemu_rss_kib(g):
    """The resident memory of the guest's QEMU process, in KiB."""
    with open(f"/proc/{g.machine.proc.pid}/status") as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))


class SoakReport:
    def __init__(self):
        self.samples = []        # (seconds since start, action, QEMU pid, RSS KiB)
        self.actions = {}        # action -> times taken
        self.kernel_failures = []
        self.driver_complaints = []
        self.sanitizer_reports = []  # QEMU's, from ASan and UBSan
        self.counters = {}       # the guest's trouble counters at the end, per netdev
        self.traffic = {}

    def print(self, out=sys.stderr):
        print("soak: actions " + ", ".join(f"{k} {v}" for k, v in sorted(self.actions.items())),
              file=out)
        print("soak: QEMU resident memory (s, action, pid, MiB):", file=out)
        step = max(1, len(self.samples) // 60)  # about 60 rows however long the run
        for t, action, pid, rss in self.samples[::step]:
            print(f"  {t:7.1f}  {action:<16} {pid:>7}  {rss / 1024:7.1f}", file=out)
        for pid, first, last in self.rss_per_process():
            print(f"soak: QEMU {pid}: {first / 1024:.1f} MiB after its first action, "
                  f"{last / 1024:.1f} MiB after its last", file=out)
        for dev, counters in self.counters.items():
            shown = ", ".join(f"{k} {v}" for k, v in sorted(counters.items())) or "all zero"
            print(f"soak: {dev} trouble counters: {shown}", file=out)
        print(f"soak: traffic {self.traffic}", file=out)
        print(f"soak: guest kernel log: {len(self.kernel_failures)} failures, "
              f"{len(self.driver_complaints)} driver complaints", file=out)
        for line in self.kernel_failures + self.driver_complaints[-20:]:
            print(f"  {line}", file=out)
        print(f"soak: QEMU sanitizer reports: {len(self.sanitizer_reports)}", file=out)
        for line in self.sanitizer_reports:
            print(f"  {line}", file=out)

    def rss_per_process(self):
        """(pid, RSS after the first action, RSS after the last) per QEMU."""
        rows = {}
        for _, _, pid, rss in self.samples:
            rows.setdefault(pid, [rss, rss])[1] = rss
        return [(pid, first, last) for pid, (first, last) in rows.items()]


class Soak:
    def __init__(self, seconds, seed=1, migrate_every=8):
        """`migrate_every` actions between live migrations: a QEMU process
        lives that long, so a long run that looks for growing memory
        migrates less often."""
        self.seconds = seconds
        self.migrate_every = migrate_every
        self.rng = random.Random(seed)
        self.topo = TwoHosts()
        self.host = self.topo.host_a
        self.migrations = 0
        self.bond = BondedGuest("soak-0", host=self.host, mtu=9000,
                                address=f"{GUEST_IP}/24")
        self.peer = self.topo.traffic_peer(GUEST_IP)
        self.stream = GuestStream(self.g, TwoHosts.PEER_IP)
        self.peer.wait_connected()
        self.report = SoakReport()

    @property
    def g(self):
        return self.bond.g

    def close(self):
        self.topo.close()

    # --- actions: each leaves the guest on its way back to the VF ----------
    def numvfs(self):
        self.bond.disable_vf()
        self.bond.enable_vf()

    def vf_flr(self):
        self.g.sh(f"echo 1 > /sys/bus/pci/devices/{VF0}/reset", timeout=60)

    def offer_revoke(self):
        surprise = self.rng.random() < 0.5
        self.g.qmp("sriovnic-revoke", id="synth0", reason="admin", surprise=surprise)
        wait_channel(self.g, "synthetic", RECOVERY_GUARD)
        self.g.qmp("sriovnic-offer", id="synth0")

    def policy(self):
        if self.rng.random() < 0.5:
            self.g.qmp("sriovnic-set-policy", id="synth0", **{"sriov-allowed": False})
            wait_channel(self.g, "synthetic", RECOVERY_GUARD)
            self.g.qmp("sriovnic-set-policy", id="synth0", **{"sriov-allowed": True})
        else:
            self.g.qmp("sriovnic-set-policy", id="synth0", offloads=["csum-tx", "csum-rx"])
            self.g.qmp("sriovnic-set-policy", id="synth0",
                       offloads=["csum-tx", "csum-rx", "tso4", "tso6"])

    def fault(self):
        fault, args = self.rng.choice([("link-flap", {"duration-ms": 300}),
                                       ("mailbox-timeout", {"duration-ms": 500}),
                                       ("flr", {}),
                                       ("surprise-removal", {"duration-ms": 500})])
        self.g.qmp("sriovnic-inject-fault", id="nic0", vf=0, fault=fault, **args)
        if fault in ("flr", "surprise-removal"):
            self.g.sh("sleep 0.6")

    def migrate(self):
        dst_host = self.topo.host_b if self.host is self.topo.host_a else self.topo.host_a
        self.migrations += 1
        src = self.g
        dst = dst_host.guest(dst_host.netdev() + CARD, name=f"soak-{self.migrations}",
                             incoming="defer")
        src.machine.migrate_to(dst.machine, uri=dst_host.migration_uri(),
                               timeout=RECOVERY_GUARD * 3)
        self.check_sanitizers(src)
        src.kill()
        self.host, self.bond.g = dst_host, dst
        self.stream.follow(dst)

    ACTIONS = ("numvfs", "vf_flr", "offer_revoke", "policy", "fault")

    # --- the run -----------------------------------------------------------
    def back_on_vf(self, action):
        try:
            wait_channel(self.g, "vf", RECOVERY_GUARD)
            self.bond.vf = wait_for(self.g, f"ls /sys/bus/pci/devices/{VF0}/net/ "
                                    "2>/dev/null; true", r"\S", RECOVERY_GUARD).strip()
            wait_joined(self.g, self.bond.synth, self.bond.vf)
        except AssertionError as e:
            raise AssertionError(f"after {action}: the guest did not come back to the "
                                 f"VF: {e}") from e

    def next_action(self, n):
        """Every action once, a migration last; then at random, with a
        migration every `migrate_every` actions."""
        first_round = self.ACTIONS + ("migrate",)
        if n <= len(first_round):
            return first_round[n - 1]
        if (n - len(first_round)) % self.migrate_every == 0:
            return "migrate"
        return self.rng.choice(self.ACTIONS)

    def run(self):
        """Runs for `seconds`, and at least until every action was taken once."""
        start = time.monotonic()
        n = 0
        while n <= len(self.ACTIONS) or time.monotonic() - start < self.seconds:
            n += 1
            action = self.next_action(n)
            getattr(self, action)()
            self.back_on_vf(action)
            self.report.actions[action] = self.report.actions.get(action, 0) + 1
            self.report.samples.append((time.monotonic() - start, action,
                                        self.g.machine.proc.pid, qemu_rss_kib(self.g)))
        self.finish()
        return self.report

    def check_sanitizers(self, g):
        """ASan's and UBSan's reports in the log of `g`'s QEMU (built with
        SRIOVNIC_QEMU_SANITIZE=1; none otherwise)."""
        self.report.sanitizer_reports += [ln for ln in g.machine.log().splitlines()
                                          if SANITIZER.search(ln)]

    def finish(self):
        self.check_sanitizers(self.g)
        self.peer.quiesce()
        mine = self.stream.stop()
        theirs = self.peer.stop()
        udp, tcp = mine["udp"], mine["tcp"]
        self.report.traffic = {
            "udp_guest_to_peer_sent": udp["sent"],
            "udp_guest_to_peer_lost": udp_lost(udp["sent"], theirs.udp()["unique"]),
            "udp_peer_to_guest_sent": theirs.udp_sent,
            "udp_peer_to_guest_lost": udp_lost(theirs.udp_sent, udp["unique"]),
            "tcp_broken": bool(tcp["broken"] or theirs.tcp["broken"]),
            "tcp_error": tcp["error"] or theirs.tcp["error"],
            "tcp_corrupt": bool(tcp["corrupt"] or theirs.tcp["corrupt"]),
            "tcp_longest_stall_ms": round(theirs.tcp_stall_ms(), 1),
        }
        log = self.g.sh("dmesg", timeout=60).splitlines()
        self.report.kernel_failures = [ln for ln in log if KERNEL_FAILURE.search(ln)]
        self.report.driver_complaints = [ln for ln in log if DRIVER_COMPLAINT.search(ln)]
        for dev in (self.bond.synth, self.bond.vf):
            self.report.counters[dev] = {k: v for k, v in ethtool_stats(self.g, dev).items()
                                         if v and TROUBLE_COUNTERS.search(k)}
