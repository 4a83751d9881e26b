#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Guest-level benchmarks, printed (not asserted): TCP throughput guest->host
and host->guest through sriovnic's PF and a VF, the synthetic channel's netdev
on its own path and bonded to its VF, and through QEMU's own
virtio-net-pci, igb and an igb VF, all on the same -netdev user backend in
the same run, as ratios; and the time a guest takes to enable VFs.

Environment: SRIOVNIC_QEMU, SRIOVNIC_GUEST_DIR (see scripts/bench.sh)."""
import os
import re
import socket
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "lib"))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "guest"))
from guest import Guest  # noqa: E402
from netlib import LOAD_DRIVERS, free_port, into_netns  # noqa: E402

SECONDS = int(os.environ.get("SRIOVNIC_BENCH_SECONDS", "5"))
ROOT_PORT = ["-netdev", "user,id=n0",
             "-device", "pcie-root-port,id=rp0,bus=pcie.0,chassis=1,addr=0x2"]


def mbps(out):
    m = re.search(r"([\d.]+) (K|M|G)bits/sec\s+receiver", out)
    return float(m.group(1)) * {"K": 1e-3, "M": 1, "G": 1e3}[m.group(2)] if m else 0.0


def iperf(g, ns, reverse):
    port = free_port()
    srv = subprocess.Popen(["iperf3", "-s", "-1", "-B", "127.0.0.1", "-p", str(port)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        prefix = f"ip netns exec {ns} " if ns else ""
        out = g.sh(f"{prefix}iperf3 -c 10.0.2.2 -p {port} -t {SECONDS} -O 1 "
                   f"{'-R' if reverse else ''}", timeout=SECONDS * 4 + 60)
        return mbps(out)
    finally:
        srv.kill()
        srv.wait()


def dhcp(g, dev, ns=None):
    prefix = f"ip netns exec {ns} " if ns else ""
    g.sh(f"{prefix}ip link set {dev} up; {prefix}udhcpc -i {dev} -n -q -t 10 >/dev/null 2>&1",
         timeout=90)


def first_netdev(g, vendor_device):
    bdf = g.sh(f"lspci -D -n -d {vendor_device} | head -1 | cut -d' ' -f1").strip()
    # virtio-net's netdev hangs off the virtio device below the PCI function.
    return bdf, g.sh(f"ls /sys/bus/pci/devices/{bdf}/net/ /sys/bus/pci/devices/{bdf}/virtio*/net/ "
                     "2>/dev/null | grep -v ':' | grep . | head -1").strip()


def setup_sriovnic_pf(g):
    g.sh(LOAD_DRIVERS)
    _, dev = first_netdev(g, "5352:0001")
    dhcp(g, dev)
    return None


def setup_sriovnic_vf(g):
    g.sh(LOAD_DRIVERS)
    _, pf = first_netdev(g, "5352:0001")
    g.sh(f"ip link set {pf} up; echo 1 > /sys/class/net/{pf}/device/sriov_numvfs")
    _, vf = first_netdev(g, "5352:0002")
    into_netns(g, "vf", vf)
    dhcp(g, vf, "vf")
    return "vf"


SYNTH = ["-device", "pcie-root-port,id=rp1,bus=pcie.0,chassis=2,addr=0x3",
         "-device", "sriovnic-synth,bus=rp1,pf=nic0,vf=0,mac=02:53:52:00:03:01"]
LOAD_SYNTH = "insmod /lib/modules/sriovnic/sriovnic_synth.ko"


def setup_synthetic(g):
    """The synthetic netdev on its own path: no VF is enabled."""
    g.sh(f"{LOAD_DRIVERS} && {LOAD_SYNTH}")
    _, dev = first_netdev(g, "5352:0003")
    dhcp(g, dev)
    return None


def setup_synth_bonded(g):
    """The synthetic netdev with VF 0 joined: the data path is the VF's."""
    g.sh(f"{LOAD_DRIVERS} && {LOAD_SYNTH}")
    _, dev = first_netdev(g, "5352:0003")
    dhcp(g, dev)
    _, pf = first_netdev(g, "5352:0001")
    g.sh(f"ip link set {pf} up; echo 1 > /sys/class/net/{pf}/device/sriov_numvfs")
    for _ in range(100):
        if "data_path_vf: 1" in g.sh(f"ethtool -S {dev} | grep data_path_vf"):
            return None
        g.sh("sleep 0.1")
    raise RuntimeError("the VF did not take over the data path")


def setup_virtio(g):
    g.sh("modprobe virtio_net")
    _, dev = first_netdev(g, "1af4:")
    dhcp(g, dev)
    return None


def setup_igb(g):
    g.sh("modprobe igb")
    _, dev = first_netdev(g, "8086:10c9")
    dhcp(g, dev)
    return None


def setup_igb_vf(g):
    g.sh("modprobe igb && modprobe igbvf")
    _, pf = first_netdev(g, "8086:10c9")
    g.sh(f"ip link set {pf} up; echo 1 > /sys/class/net/{pf}/device/sriov_numvfs; sleep 1")
    _, vf = first_netdev(g, "8086:10ca")
    into_netns(g, "vf", vf)
    dhcp(g, vf, "vf")
    return "vf"


CONFIGS = [
    ("sriovnic PF", ["-device", "sriovnic,bus=rp0,netdev=n0,vfs=8"], setup_sriovnic_pf),
    ("sriovnic VF", ["-device", "sriovnic,bus=rp0,netdev=n0,vfs=8"], setup_sriovnic_vf),
    ("synthetic", ["-device", "sriovnic,bus=rp0,netdev=n0,vfs=8,id=nic0", *SYNTH],
     setup_synthetic),
    ("synthetic+VF", ["-device", "sriovnic,bus=rp0,netdev=n0,vfs=8,id=nic0", *SYNTH],
     setup_synth_bonded),
    ("virtio-net-pci", ["-device", "virtio-net-pci,bus=rp0,netdev=n0"], setup_virtio),
    ("igb", ["-device", "igb,bus=rp0,netdev=n0"], setup_igb),
    ("igb VF", ["-device", "igb,bus=rp0,netdev=n0"], setup_igb_vf),
]


def throughput():
    results = {}
    for name, devs, setup in CONFIGS:
        g = Guest(ROOT_PORT + devs, name=name.replace(" ", "-"))
        try:
            ns = setup(g)
            results[name] = (iperf(g, ns, False), iperf(g, ns, True))
        except Exception as e:  # a baseline that fails is reported, not fatal
            print(f"{name}: failed: {e}".splitlines()[0])
            results[name] = (0.0, 0.0)
        finally:
            g.kill()
    print(f"\nTCP throughput over -netdev user, iperf3 {SECONDS} s, Mbit/s "
          "(ratios: sriovnic / baseline)")
    print(f"{'':16s} {'guest->host':>12s} {'host->guest':>12s}")
    for name, (tx, rx) in results.items():
        print(f"{name:16s} {tx:12.0f} {rx:12.0f}")
    for ours in ("sriovnic PF", "sriovnic VF", "synthetic", "synthetic+VF"):
        for base in ("virtio-net-pci", "igb", "igb VF"):
            otx, orx = results[ours]
            btx, brx = results[base]
            r = [f"{o / b:.2f}" if b else "n/a" for o, b in ((otx, btx), (orx, brx))]
            print(f"{ours + ' / ' + base:30s} {r[0]:>6s} {r[1]:>6s}")


def uptime(g):
    return float(g.sh("cut -d' ' -f1 /proc/uptime"))


def vf_enable_times():
    print("\nTime for the guest to enable VFs (VF driver bound to each), seconds")
    for vfs in (8, 64):
        g = Guest(ROOT_PORT + ["-device", f"sriovnic,bus=rp0,netdev=n0,vfs={vfs}"],
                  name=f"enable{vfs}", mem="1G")
        try:
            g.sh(LOAD_DRIVERS)
            path = "/sys/bus/pci/devices/0000:01:00.0/sriov_numvfs"
            t0 = uptime(g)
            g.sh(f"echo {vfs} > {path}", timeout=300)
            t1 = uptime(g)
            count = g.sh("ls -d /sys/class/net/*/device/physfn | wc -l").strip()
            print(f"sriovnic {vfs:3d} VFs: {t1 - t0:6.2f} s ({count} VF netdevs)")
        finally:
            g.kill()
    g = Guest(ROOT_PORT + ["-device", "igb,bus=rp0,netdev=n0"], name="enable-igb")
    try:
        g.sh("modprobe igb && modprobe igbvf")
        bdf, _ = first_netdev(g, "8086:10c9")
        t0 = uptime(g)
        g.sh(f"echo 7 > /sys/bus/pci/devices/{bdf}/sriov_numvfs", timeout=300)
        t1 = uptime(g)
        print(f"igb        7 VFs: {t1 - t0:6.2f} s (igb's maximum)")
    finally:
        g.kill()


if __name__ == "__main__":
    throughput()
    vf_enable_times()
