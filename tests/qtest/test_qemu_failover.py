# SPDX-License-Identifier: GPL-2.0-or-later
"""A standalone sriovnic VF as the primary of QEMU's own virtio-net failover,
at device level: the VF's `mac` property (the standby's MAC, set at plug as
the host's administration sets it) and its refusals, and QEMU's failover
flow with the VF as primary: hidden until the driver negotiates
VIRTIO_NET_F_STANDBY (FAILOVER_NEGOTIATED), unplugged at migration setup
(UNPLUG_PRIMARY, status wait-unplug) until the guest's ACPI eject, the
card's state migrated while the VF is out of the source's guest, the hidden
primary plugged on the destination after the load, and plugged back on the
source when a migration is cancelled; over ACPI hotplug and over native
PCIe hotplug. The qtest accelerator plays the virtio driver (feature
negotiation) and the guest's hotplug handling (ACPI eject, slot power).
How long the migration still waits after the guest's eject is printed
(QEMU patch 0005's figure), not asserted."""
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from qemu_machine import Machine, find_cap  # noqa: E402

FAILOVER_MAC = "52:54:00:00:50:01"
PRIMARY_VF = 1
RP0_DEVFN = 0x08          # pcie-root-port rp0 at 00:01.0, the primary's slot
PRIMARY_BUS = 1
VIRTIO_DEVFN = 0x20       # virtio-net-pci at 00:04.0
VIRTIO_BAR = 0xD0000000   # where its modern BAR (BAR4) is put
ACPI_PCIHP_EJ = 0x0CC0 + 0x08
ACPI_PCIHP_SEL = 0x0CC0 + 0x10
VIRTIO_PCI_CAP_VNDR = 0x09
VIRTIO_PCI_CAP_COMMON_CFG = 1
CAP_EXP = 0x10
SLTCTL = 0x18             # in the root port's PCIe capability
SLTCTL_PIC = 0x0300
SLTCTL_PIC_ON = 0x0100
SLTCTL_PIC_OFF = 0x0300
SLTCTL_PCC_OFF = 0x0400
COMMON_GFSELECT = 0x08
COMMON_GF = 0x0C
STANDBY_AND_VERSION_1 = (1 << (62 - 32)) | (1 << (32 - 32))  # feature word 1


def failover_args(primary=f"mac={FAILOVER_MAC}", extra=()):
    """q35 with a host-owned card, a virtio-net standby on the root complex
    and VF PRIMARY_VF of the card as its primary on rp0."""
    args = ["-M", "q35", "-m", "256M", "-netdev", "user,id=n0", "-netdev", "user,id=n1",
            "-device", "sriovnic-card,id=card0,netdev=n0,vfs=4",
            "-device", "pcie-root-port,id=rp0,bus=pcie.0,chassis=1,addr=0x1",
            "-device", "pcie-root-port,id=rp1,bus=pcie.0,chassis=2,addr=0x2",
            "-device", f"virtio-net-pci,bus=pcie.0,addr=0x4,netdev=n1,failover=on,"
                       f"id=standby0,mac={FAILOVER_MAC}"]
    if primary is not None:
        args += ["-device", f"sriovnic-assigned-vf,card=card0,vf={PRIMARY_VF},bus=rp0,"
                            f"id=primary0,failover_pair_id=standby0,{primary}"]
    return args + list(extra)


def vfs(m):
    return m.qmp("query-sriovnic")[0]["vfs"]


def events(m, name):
    m.qmp("query-status")  # collects the events that arrived
    return [e for e in m.events if e["event"] == name]


def wait_until(what, check, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"never {what} in {timeout} s")


class MacProperty(unittest.TestCase):
    """`mac` of sriovnic-assigned-vf; no failover involved."""

    def setUp(self):
        self.m = Machine(failover_args(primary=None), name="mac")
        self.addCleanup(self.m.kill)

    def add(self, **props):
        return self.m.qmp_raw("device_add", driver="sriovnic-assigned-vf", card="card0",
                              bus="rp1", **props)

    def refused(self, **props):
        before = vfs(self.m)
        resp = self.add(**props)
        self.assertIn("error", resp, f"{props} was accepted")
        self.assertEqual(vfs(self.m), before, "a refused VF leaves the card as it was")
        return resp["error"]["desc"]

    def test_the_vf_carries_the_given_mac_from_its_plug(self):
        self.assertNotIn("error", self.add(vf=2, id="vf2", mac="02:00:00:aa:bb:02"))
        self.assertEqual(vfs(self.m)[2]["admin"]["mac"], "02:00:00:aa:bb:02")
        self.assertEqual(vfs(self.m)[2].get("device"), "/machine/peripheral/vf2")

    def test_without_mac_the_vf_keeps_the_cards_mac_for_it(self):
        before = vfs(self.m)[2]["admin"]["mac"]
        self.assertNotIn("error", self.add(vf=2, id="vf2"))
        self.assertEqual(vfs(self.m)[2]["admin"]["mac"], before)

    def test_a_multicast_mac_is_refused_by_name(self):
        self.assertEqual(self.refused(vf=2, mac="03:00:00:00:00:01"),
                         "property 'mac' must be a unicast address (the first octet's lowest "
                         "bit clear)")

    def test_another_vfs_mac_is_refused_by_name(self):
        other = vfs(self.m)[0]["admin"]["mac"]
        self.assertEqual(self.refused(vf=2, mac=other),
                         "property 'mac' is VF 0's already (each VF of a card needs a MAC "
                         "of its own)")

    def test_a_malformed_mac_is_refused_by_name(self):
        self.assertIn("'sriovnic-assigned-vf.mac' doesn't take value",
                      self.refused(vf=2, mac="52:54:00:zz:00:01"))


class FailoverPrimary(unittest.TestCase):
    """QEMU's failover flow with the VF as primary, over ACPI hotplug
    (q35's default): the guest completes the unplug with _EJ0."""
    hotplug = ()

    def start(self, name, extra=(), **kw):
        m = Machine(failover_args(extra=list(self.hotplug) + list(extra), **kw), name=name)
        self.addCleanup(m.kill)
        m.enable_ecam()
        m.cfg_write(0, RP0_DEVFN, 0x18, (PRIMARY_BUS << 8) | (PRIMARY_BUS << 16))
        return m

    def primary_visible(self, m):
        """The primary as the guest's config accesses see it."""
        return m.cfg_read(PRIMARY_BUS, 0, 0) != 0xFFFFFFFF

    def negotiate_standby(self, m):
        """What virtio_net does at probe: ack VIRTIO_NET_F_STANDBY."""
        off = m.cfg_read(0, VIRTIO_DEVFN, 0x34, 1)
        while off:
            if m.cfg_read(0, VIRTIO_DEVFN, off, 1) == VIRTIO_PCI_CAP_VNDR and \
                    m.cfg_read(0, VIRTIO_DEVFN, off + 3, 1) == VIRTIO_PCI_CAP_COMMON_CFG:
                break
            off = m.cfg_read(0, VIRTIO_DEVFN, off + 1, 1)
        self.assertTrue(off, "virtio-net-pci has a common config capability")
        bar = m.cfg_read(0, VIRTIO_DEVFN, off + 4, 1)
        common = VIRTIO_BAR + m.cfg_read(0, VIRTIO_DEVFN, off + 8)
        m.cfg_write(0, VIRTIO_DEVFN, 0x10 + 4 * bar, VIRTIO_BAR)
        m.cfg_write(0, VIRTIO_DEVFN, 0x10 + 4 * bar + 4, 0)
        m.cfg_write(0, VIRTIO_DEVFN, 0x04, 0x2, 2)
        m.write(common + COMMON_GFSELECT, 4, 1)
        m.write(common + COMMON_GF, 4, STANDBY_AND_VERSION_1)

    def eject_primary(self, m):
        """The guest's _EJ0 for the primary's slot."""
        bsel = m.qmp("qom-get", path="/machine/peripheral/rp0/rp0", property="acpi-pcihp-bsel")
        m.outl(ACPI_PCIHP_SEL, bsel)
        m.outl(ACPI_PCIHP_EJ, 1 << 0)

    def power_on_primary(self, m):
        """Nothing to do for ACPI hotplug: the slot is on."""

    def negotiated_source(self):
        src = self.start("src")
        self.assertIsNone(vfs(src)[PRIMARY_VF].get("device"), "hidden before negotiation")
        self.assertFalse(self.primary_visible(src))
        self.negotiate_standby(src)
        self.assertEqual([e["data"] for e in events(src, "FAILOVER_NEGOTIATED")],
                         [{"device-id": "standby0"}])
        self.power_on_primary(src)
        self.assertEqual(vfs(src)[PRIMARY_VF].get("device"), "/machine/peripheral/primary0")
        self.assertEqual(vfs(src)[PRIMARY_VF]["admin"]["mac"], FAILOVER_MAC)
        self.assertTrue(self.primary_visible(src))
        src.qmp("migrate-set-capabilities",
                capabilities=[{"capability": "events", "state": True}])
        return src

    def statuses(self, m):
        return [e["data"]["status"] for e in events(m, "MIGRATION")]

    def wait_unplug(self, src, dst):
        """Starts the migration; returns once QEMU waits for the guest."""
        uri = f"unix:{dst.dir}/migrate.sock"
        dst.qmp("migrate-incoming", uri=uri)
        src.qmp("migrate", uri=uri)
        wait_until("wait-unplug", lambda: "wait-unplug" in self.statuses(src))
        self.assertEqual([e["data"] for e in events(src, "UNPLUG_PRIMARY")],
                         [{"device-id": "primary0"}])
        self.assertEqual(src.qmp("query-migrate")["status"], "wait-unplug")

    def test_hidden_until_negotiated_then_migrated_and_plugged_after_the_load(self):
        src = self.negotiated_source()
        dst = self.start("dst", extra=["-incoming", "defer"])
        self.wait_unplug(src, dst)
        time.sleep(0.3)
        self.assertEqual(src.qmp("query-migrate")["status"], "wait-unplug",
                         "the migration waits for the guest's eject")
        ejected = time.time()
        self.eject_primary(src)
        self.assertFalse(self.primary_visible(src), "ejected: gone from the guest's view")
        src.wait_migration(30)
        self.assertEqual(self.statuses(src)[:3], ["setup", "wait-unplug", "active"])
        active = next(e["timestamp"] for e in events(src, "MIGRATION")
                      if e["data"]["status"] == "active")
        print(f"\neject -> migration active: "
              f"{(active['seconds'] + active['microseconds'] / 1e6 - ejected) * 1000:.1f} ms",
              file=sys.stderr)
        wait_until("the destination runs",
                   lambda: dst.qmp("query-status")["status"] != "inmigrate")
        self.assertEqual([e["data"] for e in events(dst, "FAILOVER_NEGOTIATED")],
                         [{"device-id": "standby0"}], "the destination loaded STANDBY")
        after = vfs(dst)
        self.assertEqual(after[PRIMARY_VF].get("device"), "/machine/peripheral/primary0",
                         "the hidden primary is plugged after the load")
        self.assertEqual(after[PRIMARY_VF]["admin"]["mac"], FAILOVER_MAC)
        self.assertEqual([v["admin"]["mac"] for v in after],
                         [v["admin"]["mac"] for v in vfs(src)], "the card's state came along")
        self.power_on_primary(dst)
        self.assertTrue(self.primary_visible(dst))

    def test_a_cancelled_migration_plugs_the_primary_back_on_the_source(self):
        src = self.negotiated_source()
        dst = self.start("dst", extra=["-incoming", "defer"])
        src.qmp("migrate-set-parameters", **{"max-bandwidth": 1 << 20})
        self.wait_unplug(src, dst)
        self.eject_primary(src)
        wait_until("active", lambda: "active" in self.statuses(src))
        src.qmp("migrate_cancel")
        wait_until("cancelled", lambda: "cancelled" in self.statuses(src))
        self.power_on_primary(src)
        self.assertEqual(vfs(src)[PRIMARY_VF].get("device"), "/machine/peripheral/primary0")
        self.assertTrue(self.primary_visible(src), "plugged back into the guest")
        self.assertEqual(vfs(src)[PRIMARY_VF]["admin"]["mac"], FAILOVER_MAC)



class FailoverPrimaryNativeHotplug(FailoverPrimary):
    """The same over native PCIe hotplug: the guest powers the slot on when
    the primary appears and off when QEMU presses the attention button."""
    hotplug = ("-global", "ICH9-LPC.acpi-pci-hotplug-with-bridge-support=off")

    def slot_ctl(self, m, set_bits, clear_bits):
        at = find_cap(m, 0, RP0_DEVFN, CAP_EXP) + SLTCTL
        m.cfg_write(0, RP0_DEVFN, at, (m.cfg_read(0, RP0_DEVFN, at, 2) & ~clear_bits) | set_bits,
                    2)

    def power_on_primary(self, m):
        self.slot_ctl(m, SLTCTL_PIC_ON, SLTCTL_PCC_OFF | SLTCTL_PIC)

    def eject_primary(self, m):
        self.slot_ctl(m, SLTCTL_PCC_OFF | SLTCTL_PIC_OFF, SLTCTL_PIC)


if __name__ == "__main__":
    unittest.main()
