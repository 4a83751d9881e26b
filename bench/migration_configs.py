# SPDX-License-Identifier: GPL-2.0-or-later
"""The guests the migration benchmark (migration_bench.py) migrates,
and how each one's switch points are observed.

Every configuration gives the QEMU options for a host of netns.TwoHosts
(the same on source and destination), sets the guest up with GUEST_IP on
the netdev that carries the traffic, and after a migration reports

  * `switched_ns`: when the guest had moved its traffic off the VF/primary
    on the source (None where nothing moves);
  * `first_packet_ns`: when the first frame the guest sent through the
    VF/primary on the destination after it resumed was seen (None where
    nothing moves).

All times are CLOCK_MONOTONIC nanoseconds, the clock of traffic.py's peer;
QEMU's event and trace timestamps (wall clock) are converted."""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "lib"))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "guest"))
from netlib import LOAD_DRIVERS, UPLINK_CARD, netdev_of, pf_netdev, set_numvfs  # noqa: E402
from netlib import wait_for  # noqa: E402

GUEST_IP = "10.50.0.30"
SYNTH_MAC = "02:53:52:00:03:01"
FAILOVER_MAC = "52:54:00:00:50:01"
SYNTH_BDF = "0000:02:00.0"
VF0_BDF = "0000:01:00.1"
PRIMARY_VF_BDF = "0000:02:00.0"  # (d)'s standalone VF, on rp1
MODULES = "/lib/modules/sriovnic"
POLL_S = 0.005  # how often the destination's VF/primary counters are read
FIRST_PACKET_GUARD_S = 15

# SO_TIMESTAMPNS, QMP event timestamps and QEMU's trace lines are wall
# clock; the peer and this process measure on CLOCK_MONOTONIC.
REALTIME_OFFSET_NS = time.clock_gettime_ns(time.CLOCK_REALTIME) - time.monotonic_ns()


def event_ns(event):
    ts = event["timestamp"]
    return ts["seconds"] * 10**9 + ts["microseconds"] * 1000 - REALTIME_OFFSET_NS


def events(machine, name):
    machine.qmp("query-status")  # collects what arrived meanwhile
    return [e for e in machine.events if e["event"] == name]


class Plain:
    """(a) sriovnic's PF alone, no synthetic channel: the guest's address is
    on the PF netdev and migrates with it."""
    key = "plain"
    title = "(a) plain"

    def args(self, host):
        return host.netdev() + UPLINK_CARD

    def setup(self, g):
        g.sh(LOAD_DRIVERS)
        pf = pf_netdev(g)
        g.sh(f"ip addr add {GUEST_IP}/24 dev {pf} && ip link set {pf} up")

    def before_migration(self, topo, src, dst):
        pass

    def switched_ns(self, src, t0):
        return None

    def after_completion(self, src, dst):
        """Called as soon as the source reports the migration completed."""

    def first_packet_ns(self, resume_ns):
        return None

    def close(self):
        pass


class SriovnicFailover(Plain):
    """(b) sriovnic with sriovnic-synth paired with VF 0 (on-migration=revoke,
    the default): the synth driver bonds the VF, the address is on the
    synthetic netdev and the traffic on the VF until the migration revokes
    it; the destination offers VF 0 again once the VM runs."""
    key = "sriovnic"
    title = "(b) sriovnic failover"
    CARD = ["-device", "pcie-root-port,id=rp0,bus=pcie.0,chassis=1,addr=0x2",
            "-device", "sriovnic,bus=rp0,id=nic0,vfs=2,netdev=n0",
            "-device", "pcie-root-port,id=rp1,bus=pcie.0,chassis=2,addr=0x3",
            "-device", f"sriovnic-synth,bus=rp1,id=synth0,pf=nic0,vf=0,mac={SYNTH_MAC}"]

    def args(self, host):
        return host.netdev() + self.CARD

    def setup(self, g):
        g.sh(f"insmod {MODULES}/sriovnic_pf.ko && insmod {MODULES}/sriovnic_vf.ko && "
             f"insmod {MODULES}/sriovnic_synth.ko")
        synth = netdev_of(g, SYNTH_BDF)
        g.sh(f"ip addr add {GUEST_IP}/24 dev {synth} && ip link set {synth} up")
        set_numvfs(g, 1)
        vf = wait_for(g, f"ls /sys/bus/pci/devices/{VF0_BDF}/net/ 2>/dev/null; true",
                      r"\S").strip()
        wait_for(g, f"ip link show {vf}", rf"SLAVE.*master {synth}")
        wait_for(g, f"ethtool -S {synth}", r"data_path_vf: 1\b")

    @staticmethod
    def vf0_counters(machine):
        return machine.qmp("query-sriovnic")[0]["vfs"][0]["counters"]

    def switched_ns(self, src, t0):
        """The source's SRIOVNIC_DATAPATH_CHANGED that ends the migration's
        revoke: the guest's SWITCH_DATA_PATH(synthetic) answer (revoke-done),
        or the surprise revoke after revoke-timeout."""
        for e in events(src, "SRIOVNIC_DATAPATH_CHANGED"):
            if e["data"]["cause"] in ("revoke-done", "revoke-timeout", "revoke-surprise") \
                    and event_ns(e) >= t0:
                self.surprise = e["data"]["cause"] != "revoke-done"
                return event_ns(e)
        return None

    def after_completion(self, src, dst):
        """Polls the destination's query-sriovnic every POLL_S from the end
        of the migration: the time of the first answer whose VF 0 tx-packets
        (frames the guest sent through the VF) passed what the source's VF 0
        had sent when it stopped (the counters migrate). Late by up to
        POLL_S plus one QMP round trip."""
        sent = self.vf0_counters(src)["tx-packets"]
        deadline = time.monotonic() + FIRST_PACKET_GUARD_S
        while time.monotonic() < deadline:
            try:
                now_sent = self.vf0_counters(dst)["tx-packets"]
            except Exception:  # still loading: QMP answers, the device may not
                now_sent = sent
            if now_sent > sent:
                self.first_sent_ns = time.monotonic_ns()
                return
            time.sleep(POLL_S)
        self.first_sent_ns = None

    def first_packet_ns(self, resume_ns):
        return self.first_sent_ns

    def switch_to_vf_ns(self, dst):
        """The destination's SRIOVNIC_DATAPATH_CHANGED switch-to-vf."""
        for e in events(dst, "SRIOVNIC_DATAPATH_CHANGED"):
            if e["data"]["cause"] == "switch-to-vf":
                return event_ns(e)
        return None


# A process in a host's network namespace that watches a tap with a packet
# socket and writes the kernel receive time (monotonic ns) of every frame
# QEMU wrote to it (the guest sent it), leaving out RARP: QEMU's own announce
# after a migration goes out through every NIC's backend, the guest's
# primary too, before the guest sent anything. Ends when its stdin closes.
TAP_WATCHER = r"""
import select, socket, struct, sys, time
dev, out = sys.argv[1], sys.argv[2]
SO_TIMESTAMPNS, PACKET_OUTGOING, ETH_P_ALL, ETH_P_RARP = 35, 4, 3, 0x8035
offset = time.clock_gettime_ns(time.CLOCK_REALTIME) - time.monotonic_ns()
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
s.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
s.bind((dev, 0))
print("ready", flush=True)
with open(out, "w") as log:
    while True:
        ready = select.select([s, sys.stdin], [], [])[0]
        if sys.stdin in ready:
            break
        data, anc, _, addr = s.recvmsg(2048, socket.CMSG_SPACE(16))
        if addr[2] == PACKET_OUTGOING or data[12:14] == struct.pack("!H", ETH_P_RARP):
            continue
        t = time.monotonic_ns()
        for level, kind, payload in anc:
            if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS:
                sec, nsec = struct.unpack("qq", payload[:16])
                t = sec * 1000000000 + nsec - offset
        log.write(f"{t}\n")
        log.flush()
"""

# The guest completed the primary's unplug: on q35 (ACPI PCI hotplug, QEMU's
# default) it ejects the slot; with native PCIe hotplug it powers it off.
UNPLUG_DONE = re.compile(r"^\d+@(\d+)\.(\d+):(acpi_pci_eject_slot |pcie_cap_slot_write_config "
                         r"\S*/rp1 > \S*/primary0: .*power: on->off)", re.M)


class VirtioFailover(Plain):
    """(c) QEMU's own failover: virtio-net-pci failover=on as the standby,
    an e1000e primary with failover_pair_id on a hot-pluggable root port,
    each with a tap of its own on the host's bridge, the same MAC on both;
    the guest's net_failover master netdev has the address. QEMU unplugs
    the primary at migration setup (UNPLUG_PRIMARY; the guest completes it
    by ejecting the slot) and plugs it again on the destination."""
    key = "virtio"
    title = "(c) virtio failover"

    def __init__(self):
        self.watcher = None
        self.dir = tempfile.mkdtemp(prefix="sriovnic-bench-")

    def args(self, host):
        return (host.netdev("n0", "tap0") + host.netdev("n1", "tap1") + [
            "-device", "pcie-root-port,id=rp0,bus=pcie.0,chassis=1,addr=0x2",
            "-device", f"virtio-net-pci,bus=rp0,netdev=n0,failover=on,id=standby0,"
                       f"mac={FAILOVER_MAC}",
            "-device", "pcie-root-port,id=rp1,bus=pcie.0,chassis=2,addr=0x3",
            # No option ROM: its RAM block stays registered on the source
            # while the primary is unplugged, and the destination, which
            # has not plugged the primary yet, refuses the unknown block.
            "-device", f"e1000e,bus=rp1,netdev=n1,failover_pair_id=standby0,id=primary0,"
                       f"mac={FAILOVER_MAC},romfile=",
            # When the guest completed the primary's unplug (UNPLUG_DONE).
            "-trace", "acpi_pci_eject_slot", "-trace", "pcie_cap_slot_write_config",
            "-msg", "timestamp=on"])

    def setup(self, g):
        # e1000e first: the primary appears once virtio_net negotiated STANDBY.
        g.sh("modprobe e1000e && modprobe virtio_net")
        primary = wait_for(g, "for d in /sys/class/net/*; do "
                              "[ \"$(basename $(readlink $d/device/driver) 2>/dev/null)\" = "
                              "e1000e ] && basename $d; done; true", r"\S").strip()
        # Without udev nothing renames the standby: find the master by the link.
        master = wait_for(g, f"basename $(readlink /sys/class/net/{primary}/master) "
                             "2>/dev/null; true", r"\S").strip()
        g.sh(f"ip addr add {GUEST_IP}/24 dev {master} && ip link set {master} up")
        wait_for(g, f"ip link show {primary}", rf"master {master}.*state UP")
        self.master = master

    def before_migration(self, topo, src, dst):
        """The destination's primary tap, watched from the start."""
        self.watch_file = os.path.join(self.dir, "tap1.log")
        self.watcher = topo.host_b.ns.popen(
            sys.executable, "-c", TAP_WATCHER, "tap1", self.watch_file,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        if self.watcher.stdout.readline().strip() != "ready":
            raise RuntimeError("the tap watcher did not start")

    def switched_ns(self, src, t0):
        for m in UNPLUG_DONE.finditer(src.log()):
            t = int(m.group(1)) * 10**9 + int(m.group(2)) * 1000 - REALTIME_OFFSET_NS
            if t >= t0:
                return t
        return None

    def first_packet_ns(self, resume_ns):
        """The kernel receive time of the first frame the guest sent through
        its primary on the destination (tap1 on host B, RARP left out)."""
        deadline = time.monotonic() + FIRST_PACKET_GUARD_S
        while time.monotonic() < deadline:
            with open(self.watch_file) as f:
                times = [int(line) for line in f if line.strip()]
            after = [t for t in times if resume_ns is None or t >= resume_ns]
            if after:
                return after[0]
            time.sleep(0.05)
        return None

    def close(self):
        if self.watcher:
            self.watcher.stdin.close()
            self.watcher.wait(5)
            self.watcher.stdout.close()
            self.watcher = None
        shutil.rmtree(self.dir, ignore_errors=True)


class VirtioFailoverSriovnicPrimary(VirtioFailover):
    """(d) QEMU's own failover as (c), with VF 0 of a host-owned
    sriovnic-card as the primary (sriovnic-assigned-vf, mac= the standby's)
    in place of the e1000e, the card's uplink on the tap the e1000e had;
    the guest runs our VF driver beside virtio_net + net_failover. Measured
    the same way as (c): the guest's eject on the source, the first frame
    the guest sent through the primary's tap on the destination."""
    key = "virtio-vf"
    title = "(d) virtio/VF primary"

    def args(self, host):
        return (host.netdev("n0", "tap0") + host.netdev("n1", "tap1") + [
            "-device", "sriovnic-card,id=card0,netdev=n1,vfs=2",
            "-device", "pcie-root-port,id=rp0,bus=pcie.0,chassis=1,addr=0x2",
            "-device", f"virtio-net-pci,bus=rp0,netdev=n0,failover=on,id=standby0,"
                       f"mac={FAILOVER_MAC}",
            "-device", "pcie-root-port,id=rp1,bus=pcie.0,chassis=2,addr=0x3",
            "-device", f"sriovnic-assigned-vf,card=card0,vf=0,bus=rp1,id=primary0,"
                       f"failover_pair_id=standby0,mac={FAILOVER_MAC}",
            "-trace", "acpi_pci_eject_slot", "-trace", "pcie_cap_slot_write_config",
            "-msg", "timestamp=on"])

    def setup(self, g):
        # virtio_net first: the primary appears once it negotiated STANDBY.
        g.sh(f"modprobe virtio_net && insmod {MODULES}/sriovnic_vf.ko")
        primary = wait_for(g, f"ls /sys/bus/pci/devices/{PRIMARY_VF_BDF}/net/ 2>/dev/null; "
                              "true", r"\S").strip()
        master = wait_for(g, f"basename $(readlink /sys/class/net/{primary}/master) "
                             "2>/dev/null; true", r"\S").strip()
        g.sh(f"ip addr add {GUEST_IP}/24 dev {master} && ip link set {master} up")
        wait_for(g, f"ip link show {primary}", rf"master {master}.*state UP")
        self.master = master


CONFIGS = {c.key: c for c in (Plain, SriovnicFailover, VirtioFailover,
                              VirtioFailoverSriovnicPrimary)}
