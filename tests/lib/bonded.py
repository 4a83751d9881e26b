# SPDX-License-Identifier: GPL-2.0-or-later
"""A bonded guest: a card with a synthetic channel paired with its VF 0, the
three drivers loaded, the synthetic netdev up with an address, and VF 0
joined under it with the data path on the VF. The synth, fault, failover and
traffic tests start from here.

    cls.bond = BondedGuest("synth", cleanup=cls.addClassCleanup, mtu=4000)
    cls.g, cls.synth, cls.vf = cls.bond.g, cls.bond.synth, cls.bond.vf

By default the uplink is `-netdev user` (slirp: DHCP gives 10.0.2.15, the
host is 10.0.2.2); with `host=` (a netns.Host of a TwoHosts topology) it is
a tap on that host's bridge and `address=` sets a static address. `vf=False`
stops before the VF is enabled; enable_vf() does that step later.

Also here, once: the channel as query-sriovnic reports it (`channel`,
`wait_channel`, `reason_codes`, `datapath_events`), ping and link counters,
and `BondedChecks`, the assertions the tests make on a bonded guest."""
import re
import time

from guest import Guest
from netlib import ethtool_stats, netdev_of, set_numvfs, wait_for

SYNTH_MAC = "02:53:52:00:03:01"
SYNTH_BDF = "0000:02:00.0"
VF0_BDF = "0000:01:00.1"
MODULES = "/lib/modules/sriovnic"
DRIVERS = ("sriovnic_pf", "sriovnic_vf", "sriovnic_synth")


def card(vfs=2, synth_extra=""):
    """A card (uplink: the -netdev with id n0) and its synthetic channel
    synth0, paired with VF 0, each behind a root port of its own."""
    return ["-device", "pcie-root-port,id=rp0,bus=pcie.0,chassis=1,addr=0x2",
            "-device", f"sriovnic,bus=rp0,id=nic0,vfs={vfs},netdev=n0",
            "-device", "pcie-root-port,id=rp1,bus=pcie.0,chassis=2,addr=0x3",
            "-device", f"sriovnic-synth,bus=rp1,id=synth0,pf=nic0,vf=0,mac={SYNTH_MAC},"
                       f"max-mtu=9000{synth_extra}"]


CARD = card()
SLIRP = ["-netdev", "user,id=n0"]


def load_drivers(g, drivers=DRIVERS, modprobe=()):
    g.sh(" && ".join([f"insmod {MODULES}/{d}.ko" for d in drivers] +
                     [f"modprobe {m}" for m in modprobe]))


def wait_vf_netdev(g):
    """The name of VF 0's netdev, once it has one."""
    return wait_for(g, f"ls /sys/bus/pci/devices/{VF0_BDF}/net/ 2>/dev/null; true",
                    r"\S").strip()


def wait_data_path(g, synth, on_vf):
    """Waits until the synth driver says the data path is on the VF (or not)."""
    wait_for(g, f"ethtool -S {synth}", rf"data_path_vf: {int(on_vf)}\b")


def wait_joined(g, synth, vf):
    """Waits until `vf` is a slave of `synth` and the data path is on it."""
    wait_for(g, f"ip link show {vf}", rf"SLAVE.*master {synth}")
    wait_data_path(g, synth, True)


# --- the channel, as the host sees it ------------------------------------

def _machine(m):
    """A Guest's machine, or the Machine itself."""
    return getattr(m, "machine", m)


def channel(m, cid="synth0"):
    """The channel `cid` as query-sriovnic reports it (m: Guest or Machine)."""
    for c in _machine(m).qmp("query-sriovnic"):
        for ch in c.get("channels", []):
            if ch["id"] == cid:
                return ch
    raise AssertionError(f"no channel {cid} in query-sriovnic")


def wait_channel(m, state, timeout=30):
    """Polls query-sriovnic until the channel is in `state`; returns it.
    `timeout` is a hang guard, never a measurement."""
    deadline = time.monotonic() + timeout
    while True:
        ch = channel(m)
        if ch["state"] == state:
            return ch
        if time.monotonic() > deadline:
            raise AssertionError(f"{_machine(m).name}: channel never reached {state}: {ch}")
        time.sleep(0.05)


def reason_codes(ch):
    return [r["code"] for r in ch.get("reasons", [])]


def datapath_events(m, since):
    """The data of the SRIOVNIC_DATAPATH_CHANGED events collected after
    index `since` of the machine's events (events arrive with QMP answers)."""
    return [e["data"] for e in _machine(m).events[since:]
            if e["event"] == "SRIOVNIC_DATAPATH_CHANGED"]


# --- the guest's counters ----------------------------------------------

def ping_counts(output):
    """(transmitted, received) from busybox ping's summary."""
    m = re.search(r"(\d+) packets transmitted, (\d+) packets received", output)
    if not m:
        raise AssertionError(f"no ping summary in:\n{output}")
    return int(m.group(1)), int(m.group(2))


def link_counters(g, dev):
    """(rx packets, tx packets) of `dev` as `ip -s link` reports them."""
    out = g.sh(f"ip -s link show {dev}")
    rx = re.search(r"RX:.*\n\s+(\d+)\s+(\d+)", out)
    tx = re.search(r"TX:.*\n\s+(\d+)\s+(\d+)", out)
    return int(rx.group(2)), int(tx.group(2))


# --- the fixture ------------------------------------------------------------

class BondedGuest:
    """Boots a guest with CARD (or `devices`, which must name the same
    functions) and brings it up: the drivers `drivers` loaded (and
    `modprobe`), the synthetic netdev at `mtu` (if given) with `address`
    (CIDR; None: a DHCP lease), up; then, with `vf`, VF 0 enabled and
    joined, the data path on it. `cleanup` (a TestCase's addCleanup or
    addClassCleanup) is given the guest's kill; a guest on `host` is killed
    with its topology instead.

    `g` is the Guest (a test that migrates it sets the new one here),
    `synth` and `vf` the netdev names (`vf` None until a VF is enabled)."""

    def __init__(self, name, *, cleanup=None, host=None, devices=CARD, mtu=None,
                 address=None, vf=True, drivers=DRIVERS, modprobe=()):
        if host is not None:
            self.g = host.guest(host.netdev() + list(devices), name=name)
        else:
            self.g = Guest(SLIRP + list(devices), name=name)
            if cleanup is not None:
                cleanup(self.g.kill)
        self.vf = None
        load_drivers(self.g, drivers, modprobe)
        self.synth = netdev_of(self.g, SYNTH_BDF) if "sriovnic_synth" in drivers else None
        if self.synth:
            self.configure_synth(mtu=mtu, address=address)
        if vf:
            self.enable_vf()

    def configure_synth(self, mtu=None, address=None):
        """The synthetic netdev at `mtu`, up, with `address` or a DHCP lease."""
        s = self.synth
        steps = [f"ip link set {s} up"]
        if mtu:
            steps.append(f"ip link set {s} mtu {mtu}")
        if address:
            steps.append(f"ip addr add {address} dev {s}")
        else:
            steps.append(f"udhcpc -i {s} -n -q -t 10 >/dev/null 2>&1")
        self.g.sh(" && ".join(steps), timeout=90)

    def enable_vf(self):
        """Enables VF 0 (NumVFs 1, through 0 if VFs are on); with the synth
        driver loaded, waits until it is joined and the data path is on it.
        Returns its netdev name."""
        numvfs = f"/sys/bus/pci/devices/0000:01:00.0/sriov_numvfs"
        if self.g.sh(f"cat {numvfs}").strip() != "0":
            set_numvfs(self.g, 0)  # Linux changes NumVFs only through 0
        set_numvfs(self.g, 1)
        self.vf = wait_vf_netdev(self.g)
        if self.synth:
            wait_joined(self.g, self.synth, self.vf)
        return self.vf

    def disable_vf(self):
        """NumVFs 0; with the synth driver, waits for the synthetic path."""
        set_numvfs(self.g, 0)
        if self.synth:
            wait_data_path(self.g, self.synth, False)

    def stats(self, dev=None):
        """`ethtool -S` of `dev` (the synthetic netdev by default)."""
        return ethtool_stats(self.g, dev or self.synth)


class BondedChecks:
    """Assertions on a bonded guest, for a unittest.TestCase with `g`,
    `synth` and `vf` attributes (as BondedGuest sets them) that pings
    `PING_TARGET` (the slirp host by default)."""

    PING_TARGET = "10.0.2.2"
    SYNTH_MTU = "4000"  # the MTU assert_on_vf expects on the VF

    def wait_data_path(self, on_vf):
        wait_data_path(self.g, self.synth, on_vf)

    def assert_pings(self, count=10, size=56):
        out = self.g.sh(f"ping -c {count} -i 0.1 -s {size} -W 2 {self.PING_TARGET}; true",
                        timeout=60)
        self.assertEqual(ping_counts(out), (count, count), out)

    def assert_on_vf(self):
        """Joined, data path on the VF, no reasons, and pings go through the VF."""
        g = self.g
        wait_joined(g, self.synth, self.vf)
        ch = wait_channel(g, "vf")
        self.assertTrue(ch["rx-via-vf"], ch)
        self.assertEqual(reason_codes(ch), [], "the VF carries the traffic: no reasons")
        self.assertIn(f"mtu {self.SYNTH_MTU}", g.sh(f"ip link show {self.vf}"))
        before = ethtool_stats(g, self.synth)
        self.assert_pings()
        after = ethtool_stats(g, self.synth)
        self.assertGreaterEqual(after["vf_rx_packets"] - before["vf_rx_packets"], 10)
        self.assertGreaterEqual(after["vf_tx_packets"] - before["vf_tx_packets"], 10)

    def assert_on_synthetic(self):
        """Data path synthetic; pings go through the synthetic channel."""
        g = self.g
        self.wait_data_path(False)
        before = ethtool_stats(g, self.synth)
        self.assert_pings()
        after = ethtool_stats(g, self.synth)
        self.assertGreaterEqual(after["rx_packets"] - before["rx_packets"], 10)
        self.assertGreaterEqual(after["tx_packets"] - before["tx_packets"], 10)
        self.assertLess(after["vf_rx_packets"] - before["vf_rx_packets"], 2,
                        "nothing is delivered through the VF any more")
