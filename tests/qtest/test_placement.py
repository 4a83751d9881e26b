# SPDX-License-Identifier: GPL-2.0-or-later
"""Where the card can go: QEMU refuses a PF with VFs where SR-IOV cannot work
(a conventional PCI bus; a slot whose VF routing IDs are taken or past the
end of the bus) and says why and where it must go, and the supported
placements (a pcie-root-port of q35; the q35 root complex with room for the
VFs) come up with a working SR-IOV capability. docs/user-guide.md, "Where
the card can go"."""
import subprocess
import unittest

from sriovnic_pci import (EXT_CAP_SRIOV, SRIOV_TOTAL_VF, Card, machine_args)
from qemu_machine import QEMU, Machine, find_ext_cap

ROOT_PORT_HINT = ("-M q35 -device pcie-root-port,id=rp0,chassis=1 "
                  "-device sriovnic,bus=rp0")


def run_qemu(*args):
    """QEMU with the qtest accelerator and nothing to do: it either refuses
    its command line (and exits) or starts (and is stopped after 5 s)."""
    try:
        return subprocess.run([QEMU, "-nodefaults", "-display", "none", "-accel", "qtest",
                               "-qtest", "null", *args],
                              capture_output=True, text=True, timeout=5,
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return None  # still running: it accepted the configuration


class Refused(unittest.TestCase):
    def assertRefused(self, r, *messages):
        self.assertIsNotNone(r, "QEMU started")
        self.assertEqual(r.returncode, 1, r.stderr)
        for m in messages:
            self.assertIn(m, r.stderr)

    def test_conventional_pci_bus_is_refused_naming_the_fix(self):
        r = run_qemu("-M", "pc", "-device", "sriovnic")
        self.assertRefused(r, "property 'vfs' is 8 but bus 'pci.0' is conventional PCI",
                           "cannot reach the SR-IOV capability",
                           "or vfs=0 for a card without SR-IOV", ROOT_PORT_HINT)

    def test_vfs_past_the_end_of_the_bus_are_refused_with_the_routing_ids(self):
        # On the root complex at 1e.0 (routing ID 0xf0), 15 routing IDs follow.
        r = run_qemu("-M", "q35", "-device", "sriovnic,bus=pcie.0,addr=0x1e.0,vfs=16")
        self.assertRefused(r, "property 'vfs' must be between 0 and 15 (got 16)",
                           "The PF is at 1e.0 (routing ID 0xf0) on bus 'pcie.0'; its 16 VFs "
                           "take routing IDs 0xf1 to 0x100", "(15 fit after the PF)",
                           ROOT_PORT_HINT)

    def test_a_pf_past_function_0_of_a_root_port_has_fewer_vfs(self):
        r = run_qemu("-M", "q35", "-device", "pcie-root-port,id=rp0,chassis=1",
                     "-device", "sriovnic,bus=rp0,addr=0.3,vfs=255")
        self.assertRefused(r, "property 'vfs' must be between 0 and 252 (got 255)",
                           "(252 fit after the PF)")

    def test_vf_routing_ids_taken_by_another_device_are_refused(self):
        # 1e.0 + 15 VFs reaches 1f.0, q35's LPC bridge.
        r = run_qemu("-M", "q35", "-device", "sriovnic,bus=pcie.0,addr=0x1e.0,vfs=15")
        self.assertRefused(r, "slot 31 function 0 not available for sriovnic-vf",
                           "its 15 VFs take routing IDs 0xf1 to 0xff on that bus",
                           "every one must be free", ROOT_PORT_HINT)


class Accepted(unittest.TestCase):
    def test_conventional_bus_without_vfs_is_a_plain_nic(self):
        self.assertIsNone(run_qemu("-M", "pc", "-device", "sriovnic,vfs=0"))

    def test_root_port_gives_255_vfs(self):
        m = Machine(machine_args(vfs=255))
        self.addCleanup(m.kill)
        card = Card(m)
        self.assertEqual(card.sriov_read(SRIOV_TOTAL_VF), 255)
        card.enable_vfs(255)
        self.assertTrue(card.vf_present(254))

    def test_root_complex_with_room_for_the_vfs(self):
        m = Machine(["-M", "q35", "-device", "sriovnic,bus=pcie.0,addr=0x2.0,vfs=8"])
        self.addCleanup(m.kill)
        m.enable_ecam()
        pf = 0x10
        sriov = find_ext_cap(m, 0, pf, EXT_CAP_SRIOV)
        self.assertIsNotNone(sriov)
        self.assertEqual(m.cfg_read(0, pf, sriov + SRIOV_TOTAL_VF, 2), 8)


if __name__ == "__main__":
    unittest.main()
