# SPDX-License-Identifier: GPL-2.0-or-later
"""Guest-side shell snippets and guest setups shared by the guest tests
(tests/guest), the demo and the guest benchmarks."""
import re
import socket
import subprocess
import time

from guest import Guest

LOAD_DRIVERS = ("insmod /lib/modules/sriovnic/sriovnic_pf.ko && "
                "insmod /lib/modules/sriovnic/sriovnic_vf.ko")


# A card with two VFs behind a root port, its uplink the -netdev with id n0.
UPLINK_CARD = ["-device", "pcie-root-port,id=rp0,bus=pcie.0,chassis=1,addr=0x2",
               "-device", "sriovnic,bus=rp0,id=nic0,vfs=2,netdev=n0"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class HostIperf:
    """An iperf3 server on the host's loopback, reachable from a slirp guest
    as 10.0.2.2:port. Serves one test and exits."""

    def __init__(self):
        self.port = free_port()
        self.proc = subprocess.Popen(["iperf3", "-s", "-1", "-B", "127.0.0.1", "-p",
                                      str(self.port)], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)

    def close(self):
        self.proc.kill()
        self.proc.wait()


def joined_guests(test, name, netdev_a, netdev_b, subnet="10.9.0"):
    """Boots two guests whose cards' uplinks are `netdev_a` and `netdev_b`
    (-netdev options, id n0), loads the drivers in both and brings their PFs
    up as {subnet}.1/24 and {subnet}.2/24. Guest a is booted first, so it is
    the listening side. Both are killed when `test` cleans up."""
    a = Guest(["-netdev", netdev_a] + UPLINK_CARD, name=f"{name}-a")
    test.addCleanup(a.kill)
    # Each QEMU would give its PF the same default MAC.
    b = Guest(["-netdev", netdev_b] + UPLINK_CARD, name=f"{name}-b",
              extra=["-global", "sriovnic.mac=52:54:00:00:00:02"])
    test.addCleanup(b.kill)
    for g, host in ((a, 1), (b, 2)):
        g.sh(LOAD_DRIVERS)
        dev = pf_netdev(g)
        g.sh(f"ip addr add {subnet}.{host}/24 dev {dev} && ip link set {dev} up")
    return a, b


def wait_for(g, script, pattern, timeout=30):
    """Runs `script` in the guest every half second until its output matches
    the regular expression `pattern`; returns the output. Fails the test
    after `timeout` seconds (a hang guard, never a measurement)."""
    deadline = time.monotonic() + timeout
    while True:
        out = g.sh(script)
        if re.search(pattern, out):
            return out
        if time.monotonic() > deadline:
            raise AssertionError(f"{g.name}: '{script}' never matched {pattern!r}:\n{out}")
        time.sleep(0.5)


def wait_link_up(g, ns, dev):
    """Waits until `dev` in namespace `ns` is operationally up again after a
    reset: Linux re-attaches its queueing discipline only then (up to a
    second after the carrier returns), and drops what is sent before."""
    wait_for(g, f"ip -n {ns} link show {dev}", r"state UP")


def netdev_of(g, bdf):
    """The interface name of the PCI function at `bdf` (0000:01:00.N)."""
    return g.sh(f"ls /sys/bus/pci/devices/{bdf}/net/").strip()


def pf_netdev(g):
    return netdev_of(g, "0000:01:00.0")


def set_numvfs(g, n):
    g.sh(f"echo {n} > /sys/bus/pci/devices/0000:01:00.0/sriov_numvfs")


def vf_netdevs(g, n):
    return [netdev_of(g, f"0000:01:00.{i + 1}") for i in range(n)]


def into_netns(g, ns, dev, addr=None, mtu=None):
    """Moves `dev` into a fresh network namespace `ns` and brings it up."""
    script = f"ip netns add {ns} && ip link set dev {dev} netns {ns} && " \
             f"ip -n {ns} link set lo up && ip -n {ns} link set {dev} up"
    if mtu:
        script += f" && ip -n {ns} link set {dev} mtu {mtu}"
    if addr:
        script += f" && ip -n {ns} addr add {addr} dev {dev}"
    g.sh(script)


def ethtool_stats(g, dev, ns=None):
    prefix = f"ip netns exec {ns} " if ns else ""
    out = g.sh(f"{prefix}ethtool -S {dev}")
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^\s+(\S+): (\d+)$", out, re.M)}


def wait_stat(g, dev, name, above, what="", timeout=30):
    """Waits until counter `name` of `ethtool -S dev` exceeds `above`;
    returns the stats. Traffic counted this way asserts that it flows, not
    how fast: `timeout` is a hang guard, so a busy machine (two guests on
    two cores) only makes it slower, never makes it fail."""
    deadline = time.monotonic() + timeout
    while True:
        stats = ethtool_stats(g, dev)
        if stats[name] > above:
            return stats
        if time.monotonic() > deadline:
            raise AssertionError(f"{g.name}: {what}: {dev} {name} still {stats[name]}, "
                                 f"never above {above}")
        time.sleep(0.2)


def iperf_bytes(output):
    """Bytes the receiver got, from iperf3's summary lines."""
    m = re.search(r"([\d.]+) (K|M|G)?Bytes\s+[\d.]+ \S+/sec\s+receiver", output)
    if not m:
        return 0
    scale = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30, None: 1}[m.group(2)]
    return int(float(m.group(1)) * scale)
