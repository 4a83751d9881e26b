# SPDX-License-Identifier: GPL-2.0-or-later
"""The host-owned topology at device level: a sriovnic-card the guest never
sees and its VFs in PCIe slots of their own (sriovnic-assigned-vf), at start
and plugged and unplugged at run time over native PCIe and ACPI hotplug, and
migrated while plugged. The qtest accelerator plays firmware and the guest's
hotplug handling (slot power, ACPI eject)."""
import time
import unittest

from sriovnic_pci import (BUS, CAP_EXP, CAP_MSIX, CMD_MASTER, CMD_MEMORY, EXP_DEVCAP,
                          EXP_DEVCAP_FLR, EXT_CAP_ARI, EXT_CAP_SRIOV, PCI_COMMAND, PF_BAR0, R,
                          RAM_MSG, Card)
from qemu_machine import Machine, QemuError, find_cap, find_ext_cap

RP1_DEVFN = 0x10          # the second root port, at 00:02.0
BUS2 = 2                  # its secondary bus
ACPI_PCIHP = 0x0CC0       # ICH9's ACPI PCI hotplug registers
ACPI_PCIHP_EJ = 0x08
ACPI_PCIHP_SEL = 0x10
SLTCTL = 0x18             # in the root port's PCIe capability
SLTSTA = 0x1A
SLTCTL_PIC_ON = 0x0100
SLTCTL_PIC_OFF = 0x0300
SLTCTL_PIC = 0x0300
SLTCTL_PCC_OFF = 0x0400
SLTSTA_PDS = 0x0040


def card_args(vfs=4, plugged=((2, "vf2"),), native=False, extra=()):
    """q35 with a host-owned card on a user-mode uplink, root ports rp0 and
    rp1, and the given (vf, id) plugged at start, the first into rp0."""
    args = ["-M", "q35", "-m", "256M", "-netdev", "user,id=n0",
            "-device", f"sriovnic-card,id=card0,netdev=n0,vfs={vfs}",
            "-device", "pcie-root-port,id=rp0,bus=pcie.0,chassis=1,addr=0x1",
            "-device", "pcie-root-port,id=rp1,bus=pcie.0,chassis=2,addr=0x2"]
    if native:
        args += ["-global", "ICH9-LPC.acpi-pci-hotplug-with-bridge-support=off"]
    for i, (vf, dev_id) in enumerate(plugged):
        args += ["-device", f"sriovnic-assigned-vf,card=card0,vf={vf},bus=rp{i},id={dev_id}"]
    return args + list(extra)


def card_info(m):
    cards = m.qmp("query-sriovnic")
    assert len(cards) == 1, cards
    return cards[0]


def wait_event(m, name, timeout=10, **data):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        m.qmp("query-status")  # collects events that arrived
        for e in m.events:
            if e["event"] == name and all(e.get("data", {}).get(k) == v
                                          for k, v in data.items()):
                return e
        time.sleep(0.05)
    raise AssertionError(f"no {name} {data} in {timeout} s: {m.events}")


class HostCardTest(unittest.TestCase):
    args = staticmethod(card_args)

    def start(self, *a, name="vm", **kw):
        m = Machine(card_args(*a, **kw), name=name)
        self.addCleanup(m.kill)
        return m


class CardAtStart(HostCardTest):
    def test_the_card_is_listed_host_owned_with_every_vf_enabled(self):
        m = self.start()
        info = card_info(m)
        self.assertEqual(info["id"], "card0")
        self.assertTrue(info["host-owned"])
        self.assertEqual(info["pf"]["total-vfs"], 4)
        self.assertEqual(info["pf"]["num-vfs"], 4, "the host enabled every VF")
        self.assertEqual([v["enabled"] for v in info["vfs"]], [True] * 4)
        self.assertEqual([v.get("device") for v in info["vfs"]],
                         [None, None, "/machine/peripheral/vf2", None])
        macs = [v["admin"]["mac"] for v in info["vfs"]]
        self.assertEqual(len(set(macs + [info["pf"]["mac"]])), 5, f"unique MACs {macs}")
        self.assertEqual([v["mac"] for v in info["vfs"]], macs, "the VFs use the host's MACs")
        hmp = m.hmp("info sriovnic")
        self.assertIn("sriovnic card0 (/machine/peripheral/card0), host-owned", hmp)
        self.assertIn("plugged as /machine/peripheral/vf2", hmp)

    def test_the_guest_sees_no_pf(self):
        m = self.start(plugged=())
        pci = m.qmp("query-pci")
        ids = [(d["id"]["vendor"], d["id"]["device"]) for b in pci for d in b["devices"]]
        for br in (d for b in pci for d in b["devices"] if "pci_bridge" in d):
            ids += [(d["id"]["vendor"], d["id"]["device"])
                    for d in br["pci_bridge"].get("devices", [])]
        self.assertNotIn((R["PCI_VENDOR_ID"], R["PCI_DEVICE_ID_PF"]), ids)
        self.assertNotIn((R["PCI_VENDOR_ID"], R["PCI_DEVICE_ID_VF"]), ids)

    def test_the_card_cannot_be_removed_while_a_vf_is_plugged(self):
        m = self.start()
        resp = m.qmp_raw("device_del", id="card0")
        self.assertIn("sriovnic-card 'card0' has VFs plugged into the guest",
                      resp["error"]["desc"])


class StandaloneVfConfigSpace(HostCardTest):
    def setUp(self):
        self.m = self.start()
        self.vf = Card(self.m)  # the VF is function 0 on bus 1, set up as firmware would

    def test_identity_is_a_vfs(self):
        vf = self.vf
        self.assertEqual(vf.cfg_read(0x00), R["PCI_DEVICE_ID_VF"] << 16 | R["PCI_VENDOR_ID"])
        self.assertEqual(vf.cfg_read(0x2C), R["PCI_DEVICE_ID_VF"] << 16 | R["PCI_VENDOR_ID"],
                         "subsystem")
        self.assertEqual(vf.cfg_read(0x08) >> 8, 0x020000, "Ethernet controller class")
        self.assertIsNone(vf.sriov, "a VF has no SR-IOV capability")
        self.assertTrue(vf.rd(R["REG_CAPS"]) & R["CAPS_IS_VF"])
        self.assertEqual(vf.rd(R["REG_ID"]), R["ID_MAGIC"])

    def test_bars_are_a_vfs(self):
        vf = self.vf
        for bar, size in ((0, R["VF_REGS_SIZE"]), (2, R["MSIX_BAR_SIZE"])):
            off = 0x10 + bar * 4
            self.assertEqual(vf.cfg_read(off) & 0x7, 0x4, f"BAR{bar} is 64-bit memory")
            saved = vf.cfg_read(off)
            vf.cfg_write(PCI_COMMAND, 0, 2)
            vf.cfg_write(off, 0xFFFFFFFF)
            self.assertEqual((~(vf.cfg_read(off) & ~0xF) & 0xFFFFFFFF) + 1, size)
            vf.cfg_write(off, saved)
            vf.cfg_write(PCI_COMMAND, CMD_MEMORY | CMD_MASTER, 2)

    def test_msix_pcie_flr_and_ari(self):
        vf = self.vf
        msix = find_cap(self.m, BUS, 0, CAP_MSIX)
        self.assertIsNotNone(msix)
        self.assertEqual((vf.cfg_read(msix + 2, 2) & 0x7FF) + 1, 3, "1 misc + 2 queue vectors")
        self.assertEqual(vf.cfg_read(msix + 4) & 7, R["BAR_MSIX"])
        exp = find_cap(self.m, BUS, 0, CAP_EXP)
        self.assertTrue(vf.cfg_read(exp + EXP_DEVCAP) & EXP_DEVCAP_FLR, "FLR advertised")
        self.assertIsNotNone(find_ext_cap(self.m, BUS, 0, EXT_CAP_ARI))
        self.assertIsNone(find_ext_cap(self.m, BUS, 0, EXT_CAP_SRIOV))

    def test_registers_are_the_cards_vf_and_carry_the_hosts_mac(self):
        vf = self.vf
        admin_mac = card_info(self.m)["vfs"][2]["admin"]["mac"]
        self.assertEqual(vf.mac().hex(":"), admin_mac)
        vf.wr(R["REG_CTRL"], R["CTRL_ENABLE"])
        info = card_info(self.m)
        self.assertTrue(info["vfs"][2]["driver-enabled"], "MMIO reached VF 2")
        self.assertFalse(info["vfs"][1]["driver-enabled"])

    def test_msix_goes_through_the_standalone_function(self):
        vf = self.vf
        vf.setup_msix(0, RAM_MSG, 0x5EED)
        vf.wr(R["REG_MISC_VECTOR"], R["VECTOR_VALID"] | 0)
        vf.wr(R["REG_INT_ENABLE_SET"], R["INT_SOFTWARE"])
        self.m.write(RAM_MSG, 4, 0)
        vf.wr(R["REG_INT_CAUSE_SET"], R["INT_SOFTWARE"])
        self.assertEqual(self.m.read(RAM_MSG, 4), 0x5EED)

    def test_the_hosts_faults_reach_the_standalone_vf(self):
        vf, m = self.vf, self.m
        ids = vf.cfg_read(0x00)
        m.qmp("sriovnic-inject-fault", id="card0", vf=2, fault="surprise-removal")
        self.assertEqual(vf.cfg_read(0x00), 0xFFFFFFFF, "config space reads all ones")
        m.qmp("sriovnic-inject-fault", id="card0", vf=2, fault="restore")
        self.assertEqual(vf.cfg_read(0x00), ids)
        vf.cfg_write(PCI_COMMAND, CMD_MEMORY | CMD_MASTER, 2)
        m.qmp("sriovnic-inject-fault", id="card0", vf=2, fault="flr")
        self.assertEqual(vf.cfg_read(PCI_COMMAND, 2), 0, "the host's FLR reset the function")

    def test_flr_resets_the_vf_and_keeps_the_hosts_mac(self):
        vf = self.vf
        mac = vf.mac()
        vf.wr(R["REG_SCRATCH"], 0x1234)
        vf.flr()
        self.assertEqual(vf.cfg_read(PCI_COMMAND, 2), 0, "FLR reset the config space")
        vf.cfg_write(0x10, PF_BAR0)  # as the guest's driver restores it
        vf.cfg_write(PCI_COMMAND, CMD_MEMORY | CMD_MASTER, 2)
        self.assertEqual(vf.rd(R["REG_SCRATCH"]), 0)
        self.assertEqual(vf.mac(), mac)


class BadProperties(HostCardTest):
    def setUp(self):
        self.m = self.start(plugged=((2, "vf2"),))

    def refused(self, **props):
        resp = self.m.qmp_raw("device_add", driver="sriovnic-assigned-vf", bus="rp1", **props)
        self.assertIn("error", resp, f"{props} was accepted")
        return resp["error"]["desc"]

    def test_vf_out_of_range(self):
        self.assertEqual(self.refused(card="card0", vf=4),
                         "property 'vf' must be between 0 and 3 (got 4)")

    def test_vf_already_plugged(self):
        self.assertIn("property 'vf': VF 2 is already plugged", self.refused(card="card0", vf=2))

    def test_unknown_card(self):
        self.assertIn("property 'card': no sriovnic-card device with id 'nope'",
                      self.refused(card="nope", vf=1))

    def test_card_that_is_no_card(self):
        self.assertEqual(self.refused(card="rp0", vf=1),
                         "property 'card': 'rp0' is not a sriovnic-card device")

    def test_missing_properties(self):
        self.assertIn("property 'card' is required", self.refused(vf=1))
        self.assertIn("property 'vf' is required", self.refused(card="card0"))

    def test_a_refused_vf_leaves_the_card_as_it_was(self):
        self.refused(card="card0", vf=2)
        self.assertEqual([v.get("device") for v in card_info(self.m)["vfs"]],
                         [None, None, "/machine/peripheral/vf2", None])

    def test_card_vfs_out_of_range(self):
        with self.assertRaises(QemuError) as e:
            Machine(["-M", "q35", "-device", "sriovnic-card,id=card0,vfs=300"], name="vfs")
        self.assertIn("property 'vfs' must be between 0 and 256 (got 300)", str(e.exception))

    def test_on_the_command_line_before_its_card(self):
        with self.assertRaises(QemuError) as e:
            Machine(["-M", "q35", "-device", "pcie-root-port,id=rp0,bus=pcie.0,chassis=1",
                     "-device", "sriovnic-assigned-vf,card=card0,vf=0,bus=rp0",
                     "-device", "sriovnic-card,id=card0"], name="early")
        self.assertIn("must come after its card on the command line", str(e.exception))


class Hotplug(HostCardTest):
    """device_add and device_del of a standalone VF at run time."""

    def slot_ctl(self, m, value=None):
        exp = find_cap(m, 0, RP1_DEVFN, CAP_EXP)
        if value is None:
            return m.cfg_read(0, RP1_DEVFN, exp + SLTCTL, 2)
        m.cfg_write(0, RP1_DEVFN, exp + SLTCTL, value, 2)
        return value

    def bring_up_bus2(self, m):
        m.enable_ecam()
        m.cfg_write(0, RP1_DEVFN, 0x18, (BUS2 << 8) | (BUS2 << 16))

    def present_on_bus2(self, m):
        return m.cfg_read(BUS2, 0, 0, 4) == R["PCI_DEVICE_ID_VF"] << 16 | R["PCI_VENDOR_ID"]

    def plug_vf1(self, m):
        m.qmp("device_add", driver="sriovnic-assigned-vf", card="card0", vf=1,
              bus="rp1", id="hot1")
        self.assertEqual(card_info(m)["vfs"][1].get("device"), "/machine/peripheral/hot1")

    def check_unplugged(self, m):
        wait_event(m, "DEVICE_DELETED", device="hot1")
        self.assertFalse(self.present_on_bus2(m))
        info = card_info(m)
        self.assertIsNone(info["vfs"][1].get("device"))
        self.assertFalse(info["vfs"][1]["driver-enabled"], "the VF was reset")

    def test_native_pcie_hotplug(self):
        m = self.start(native=True)
        self.bring_up_bus2(m)
        self.plug_vf1(m)
        # The guest powers the slot on, as pciehp does on presence detect.
        exp = find_cap(m, 0, RP1_DEVFN, CAP_EXP)
        self.assertTrue(m.cfg_read(0, RP1_DEVFN, exp + SLTSTA, 2) & SLTSTA_PDS)
        ctl = self.slot_ctl(m)
        self.slot_ctl(m, (ctl & ~(SLTCTL_PCC_OFF | SLTCTL_PIC)) | SLTCTL_PIC_ON)
        self.assertTrue(self.present_on_bus2(m))
        m.cfg_write(BUS2, 0, PCI_COMMAND, CMD_MEMORY, 2)
        # device_del presses the attention button; the guest powers the slot off.
        m.qmp("device_del", id="hot1")
        ctl = self.slot_ctl(m)
        self.slot_ctl(m, (ctl & ~SLTCTL_PIC) | SLTCTL_PCC_OFF | SLTCTL_PIC_OFF)
        self.check_unplugged(m)
        # Plug right after unplug: the same VF again.
        self.plug_vf1(m)

    def test_acpi_hotplug(self):
        m = self.start()
        self.bring_up_bus2(m)
        self.plug_vf1(m)
        self.assertTrue(self.present_on_bus2(m))
        m.qmp("device_del", id="hot1")
        self.assertIsNotNone(card_info(m)["vfs"][1].get("device"),
                             "ACPI unplug waits for the guest's eject")
        # The guest's _EJ0: select rp1's bus, eject slot 0.
        bsel = m.qmp("qom-get", path="/machine/peripheral/rp1/rp1", property="acpi-pcihp-bsel")
        m.outl(ACPI_PCIHP + ACPI_PCIHP_SEL, bsel)
        m.outl(ACPI_PCIHP + ACPI_PCIHP_EJ, 1 << 0)
        self.check_unplugged(m)
        self.plug_vf1(m)
        self.assertTrue(self.present_on_bus2(m))

    def test_unplug_leaves_the_vf_quiet(self):
        m = self.start()
        self.bring_up_bus2(m)
        self.plug_vf1(m)
        # The guest's driver: BARs, an enabled function, MSI-X on.
        base = 0xC0000000
        m.cfg_write(0, RP1_DEVFN, 0x20, ((base >> 16) & 0xFFF0) | ((base >> 16) & 0xFFF0) << 16)
        m.cfg_write(0, RP1_DEVFN, PCI_COMMAND, CMD_MEMORY | CMD_MASTER, 2)
        m.cfg_write(BUS2, 0, 0x10, base)
        m.cfg_write(BUS2, 0, 0x14, 0)
        m.cfg_write(BUS2, 0, PCI_COMMAND, CMD_MEMORY | CMD_MASTER, 2)
        m.write(base + R["REG_CTRL"], 4, R["CTRL_ENABLE"])
        self.assertTrue(card_info(m)["vfs"][1]["driver-enabled"])
        m.qmp("device_del", id="hot1")
        bsel = m.qmp("qom-get", path="/machine/peripheral/rp1/rp1", property="acpi-pcihp-bsel")
        m.outl(ACPI_PCIHP + ACPI_PCIHP_SEL, bsel)
        m.outl(ACPI_PCIHP + ACPI_PCIHP_EJ, 1 << 0)
        self.check_unplugged(m)


class Migration(HostCardTest):
    def test_a_plugged_vf_and_its_card_survive_migration(self):
        src = self.start(name="src")
        dst = self.start(name="dst", extra=["-incoming", "defer"])
        vf = Card(src)
        vf.wr(R["REG_SCRATCH"], 0xBEEF02)
        vf.wr(R["REG_CTRL"], R["CTRL_ENABLE"])
        vf.qwr(0, R["Q_TX_BASE_LO"], 0x123000)
        vf.setup_msix(1, RAM_MSG, 0x600D)
        vf.wr(R["REG_MISC_VECTOR"], R["VECTOR_VALID"] | 1)
        vf.wr(R["REG_INT_ENABLE_SET"], R["INT_SOFTWARE"])
        vf.wr(R["REG_ID"], 0)  # latch an error
        cfg = [vf.cfg_read(off) for off in range(0, 0x100, 4)]
        before = card_info(src)

        src.migrate_to(dst)
        for _ in range(200):  # the destination finishes loading after the source is done
            if dst.qmp("query-status")["status"] != "inmigrate":
                break
            time.sleep(0.05)
        d = Card(dst, setup=False)
        self.assertEqual([d.cfg_read(off) for off in range(0, 0x100, 4)], cfg)
        self.assertEqual(d.rd(R["REG_SCRATCH"]), 0xBEEF02)
        self.assertEqual(d.rd(R["REG_CTRL"]), R["CTRL_ENABLE"])
        self.assertEqual(d.qrd(0, R["Q_TX_BASE_LO"]), 0x123000)
        self.assertEqual(d.rd(R["REG_ERR_CAUSE"]), R["ERR_RO_WRITE"])
        after = card_info(dst)
        self.assertEqual([v["admin"]["mac"] for v in after["vfs"]],
                         [v["admin"]["mac"] for v in before["vfs"]])
        self.assertTrue(after["vfs"][2]["driver-enabled"])
        self.assertEqual(after["vfs"][2].get("device"), "/machine/peripheral/vf2")
        dst.write(RAM_MSG, 4, 0)
        d.wr(R["REG_INT_CAUSE_SET"], R["INT_SOFTWARE"])
        self.assertEqual(dst.read(RAM_MSG, 4), 0x600D, "MSI-X state came along")

    def test_a_destination_with_other_vfs_refuses_the_stream(self):
        src = self.start(name="src")
        dst = self.start(vfs=6, name="dst", extra=["-incoming", "defer"])
        with self.assertRaises(QemuError):
            src.migrate_to(dst, timeout=20)
            for _ in range(100):
                if dst.qmp("query-status")["status"] != "inmigrate":
                    break
                time.sleep(0.05)
            if dst.proc is None or dst.proc.poll() is not None:
                raise QemuError("destination exited")
            dst.qmp("query-status")


if __name__ == "__main__":
    unittest.main()
