#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Guest-level benchmarks, printed (not asserted): TCP throughput guest->host
and host->guest through sriovnic's PF and a VF, the synthetic channel's netdev
on its own path and bonded to its VF, and through QEMU's own
virtio-net-pci, igb and an igb VF, all on the same -netdev user backend in
the same run, as ratios; and the time a guest takes to enable VFs.

Throughput is measured in rounds: each round boots a fresh guest for every
configuration in turn (round-robin, a b c ... a b c ...), so a change in the
machine's load hits every configuration alike; printed are the median (min-max)
of the rounds per configuration and the ratios of the medians.

  guest_bench.py [--rounds N] [--seconds S] [--configs NAME,...] [--no-vf-enable]

Environment: SRIOVNIC_QEMU, SRIOVNIC_GUEST_DIR (see scripts/bench.sh);
SRIOVNIC_BENCH_ROUNDS and SRIOVNIC_BENCH_SECONDS are the defaults of
--rounds (5) and --seconds (5)."""
import argparse
import os
import re
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "lib"))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "guest"))
from guest import Guest  # noqa: E402
from netlib import LOAD_DRIVERS, free_port, into_netns  # noqa: E402

ROOT_PORT = ["-netdev", "user,id=n0",
             "-device", "pcie-root-port,id=rp0,bus=pcie.0,chassis=1,addr=0x2"]


def mbps(out):
    m = re.search(r"([\d.]+) (K|M|G)bits/sec\s+receiver", out)
    if not m:
        raise RuntimeError(f"no receiver rate in iperf3's output: {out.strip()[-200:]!r}")
    return float(m.group(1)) * {"K": 1e-3, "M": 1, "G": 1e3}[m.group(2)]


def iperf(g, ns, reverse, seconds):
    port = free_port()
    srv = subprocess.Popen(["iperf3", "-s", "-1", "-B", "127.0.0.1", "-p", str(port)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        prefix = f"ip netns exec {ns} " if ns else ""
        out = g.sh(f"{prefix}iperf3 -c 10.0.2.2 -p {port} -t {seconds} -O 1 "
                   f"{'-R' if reverse else ''}", timeout=seconds * 4 + 60)
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


OURS = ("sriovnic PF", "sriovnic VF", "synthetic", "synthetic+VF")
BASELINES = ("virtio-net-pci", "igb", "igb VF")


def measure(devs, setup, name, seconds):
    """(guest->host, host->guest) Mbit/s in a freshly booted guest."""
    g = Guest(ROOT_PORT + devs, name=name.replace(" ", "-"))
    try:
        ns = setup(g)
        return iperf(g, ns, False, seconds), iperf(g, ns, True, seconds)
    finally:
        g.kill()


def spread(values):
    """median (min-max) of a configuration's rounds."""
    if not values:
        return "failed"
    return f"{statistics.median(values):.0f} ({min(values):.0f}–{max(values):.0f})"


def ratio(ours, base):
    if not ours or not base:
        return "n/a"
    return f"{statistics.median(ours) / statistics.median(base):.2f}"


def throughput(configs, rounds, seconds):
    tx = {name: [] for name, _, _ in configs}
    rx = {name: [] for name, _, _ in configs}
    failed = {name: 0 for name, _, _ in configs}
    for r in range(1, rounds + 1):
        for name, devs, setup in configs:
            print(f"throughput round {r}/{rounds}: {name}", flush=True)
            try:
                t, x = measure(devs, setup, name, seconds)
            except Exception as e:  # a configuration that fails is reported, not fatal
                lines = str(e).splitlines() or [type(e).__name__]
                print(f"  failed: {lines[0]}", *(f"    {line}" for line in lines[1:][-8:]),
                      sep="\n", flush=True)
                failed[name] += 1
                continue
            tx[name].append(t)
            rx[name].append(x)

    print(f"\nTCP throughput over -netdev user, iperf3 {seconds} s, Mbit/s, "
          f"median (min–max) of {rounds} interleaved rounds")
    print(f"{'':16s} {'guest->host':>20s} {'host->guest':>20s}")
    for name, _, _ in configs:
        note = f"  ({failed[name]} of {rounds} rounds failed)" if failed[name] else ""
        print(f"{name:16s} {spread(tx[name]):>20s} {spread(rx[name]):>20s}{note}")
    pairs = [(o, b) for o in OURS for b in BASELINES if o in tx and b in tx]
    if pairs:
        print("\nratios of the medians (sriovnic / baseline)   guest->host host->guest")
        for ours, base in pairs:
            print(f"{ours + ' / ' + base:44s} {ratio(tx[ours], tx[base]):>11s} "
                  f"{ratio(rx[ours], rx[base]):>11s}")


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


def positive(env):
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            value = 0
        if value < 1:
            raise argparse.ArgumentTypeError(
                f"want a whole number of at least 1 (from the option or {env}), not {text!r}")
        return value
    return parse


def main():
    names = [name for name, _, _ in CONFIGS]
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=positive("SRIOVNIC_BENCH_ROUNDS"),
                    default=os.environ.get("SRIOVNIC_BENCH_ROUNDS", "5"),
                    help="interleaved rounds of every configuration (default 5, "
                         "or SRIOVNIC_BENCH_ROUNDS)")
    ap.add_argument("--seconds", type=positive("SRIOVNIC_BENCH_SECONDS"),
                    default=os.environ.get("SRIOVNIC_BENCH_SECONDS", "5"),
                    help="iperf3 time per direction (default 5, or SRIOVNIC_BENCH_SECONDS)")
    ap.add_argument("--configs", default=",".join(names),
                    help=f"comma-separated subset of: {', '.join(names)}")
    ap.add_argument("--no-vf-enable", action="store_true",
                    help="leave out the VF enable times")
    args = ap.parse_args()
    wanted = [c.strip() for c in args.configs.split(",") if c.strip()]
    unknown = [c for c in wanted if c not in names]
    if unknown or not wanted:
        ap.error(f"--configs: unknown {', '.join(map(repr, unknown)) or 'empty list'}; "
                 f"allowed: {', '.join(names)}")
    throughput([c for c in CONFIGS if c[0] in wanted], args.rounds, args.seconds)
    if not args.no_vf_enable:
        vf_enable_times()


if __name__ == "__main__":
    main()
