# SPDX-License-Identifier: GPL-2.0-or-later
"""Device-level tests of sriovnic: the built QEMU under the qtest accelerator,
driven through config space and MMIO as firmware and drivers would, with no
guest OS."""
import os
import subprocess
import tempfile
import time
import unittest

from sriovnic_pci import (BUS, CAP_EXP, CAP_MSIX, CAP_PM, CMD_MASTER, CMD_MEMORY,
                          EXP_DEVCAP, EXP_DEVCAP_FLR, EXT_CAP_ARI, EXT_CAP_SRIOV,
                          PCI_COMMAND, R, RAM_MSG, SRIOV_BAR, SRIOV_CTRL, SRIOV_CTRL_VFE,
                          SRIOV_INITIAL_VF, SRIOV_NUM_VF, SRIOV_TOTAL_VF, SRIOV_VF_DID,
                          SRIOV_VF_OFFSET, SRIOV_VF_STRIDE, Card, machine_args)
from qemu_machine import QEMU, Machine, find_cap, find_ext_cap


def run_qemu(*args):
    return subprocess.run([QEMU, "-nodefaults", "-display", "none", *args],
                          capture_output=True, text=True, timeout=60,
                          stdin=subprocess.DEVNULL)


class MachineTest(unittest.TestCase):
    vfs = 8
    extra = ""

    def setUp(self):
        self.m = Machine(machine_args(self.vfs, self.extra))
        self.addCleanup(self.m.kill)
        self.card = Card(self.m)


class Properties(unittest.TestCase):
    def test_help_lists_every_property_with_a_description(self):
        out = run_qemu("-device", "sriovnic,help").stdout
        for prop in ("vfs=", "queues=", "vf-queues=", "mac=", "netdev=",
                     "vendor-id=", "device-id=", "vf-device-id="):
            line = next((ln for ln in out.splitlines() if prop in ln), None)
            self.assertIsNotNone(line, f"{prop} missing from:\n{out}")
            self.assertIn(" - ", line, f"{prop} has no description")
        self.assertIn("0 (no SR-IOV) to 255", out)

    def test_vfs_out_of_range_is_refused_naming_the_property(self):
        r = run_qemu("-M", "q35", "-device", "pcie-root-port,id=rp0",
                     "-device", "sriovnic,bus=rp0,vfs=300")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("property 'vfs' must be between 0 and 255 (got 300)", r.stderr)

    def test_queue_counts_out_of_range_are_refused(self):
        for prop, value, lo, hi in (("queues", 0, 1, 16), ("vf-queues", 17, 1, 16)):
            r = run_qemu("-M", "q35", "-device", "pcie-root-port,id=rp0",
                         "-device", f"sriovnic,bus=rp0,{prop}={value}")
            self.assertNotEqual(r.returncode, 0)
            self.assertIn(f"property '{prop}' must be between {lo} and {hi} (got {value})",
                          r.stderr)

    def test_vf_limit_follows_the_pf_routing_id(self):
        # On the root complex at slot 30 (devfn 0xf0) only 15 routing IDs follow.
        r = run_qemu("-M", "q35", "-device", "sriovnic,bus=pcie.0,addr=0x1e.0,vfs=16")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("property 'vfs' must be between 0 and 15 (got 16)", r.stderr)

    def test_vendor_id_ffff_is_refused(self):
        r = run_qemu("-M", "q35", "-device", "pcie-root-port,id=rp0",
                     "-device", "sriovnic,bus=rp0,vendor-id=0xffff")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("'vendor-id'", r.stderr)


class ConfigSpace(MachineTest):
    def test_identity(self):
        c = self.card
        self.assertEqual(c.cfg_read(0x00), R["PCI_DEVICE_ID_PF"] << 16 | R["PCI_VENDOR_ID"])
        self.assertEqual(c.cfg_read(0x08) >> 8, 0x020000, "Ethernet controller class")
        self.assertEqual(c.cfg_read(0x08) & 0xFF, R["PCI_REVISION"])
        self.assertEqual(c.cfg_read(0x3D, 1), 1, "INTA#")

    def test_capabilities(self):
        c = self.card
        for cap in (CAP_PM, CAP_MSIX, CAP_EXP):
            self.assertIsNotNone(find_cap(self.m, BUS, 0, cap), f"cap {cap:#x}")
        exp = find_cap(self.m, BUS, 0, CAP_EXP)
        self.assertTrue(c.cfg_read(exp + EXP_DEVCAP) & EXP_DEVCAP_FLR, "FLR advertised")
        msix = find_cap(self.m, BUS, 0, CAP_MSIX)
        self.assertEqual((c.cfg_read(msix + 2, 2) & 0x7FF) + 1, 5, "1 misc + 4 queue vectors")
        self.assertEqual(c.cfg_read(msix + 4) & 7, R["BAR_MSIX"])
        self.assertIsNotNone(find_ext_cap(self.m, BUS, 0, EXT_CAP_ARI))

    def test_bars(self):
        c = self.card
        for bar, size in ((0, R["PF_REGS_SIZE"]), (2, R["MSIX_BAR_SIZE"])):
            off = 0x10 + bar * 4
            self.assertEqual(c.cfg_read(off) & 0x7, 0x4, f"BAR{bar} is 64-bit memory")
            saved = c.cfg_read(off)
            c.cfg_write(PCI_COMMAND, 0, 2)
            c.cfg_write(off, 0xFFFFFFFF)
            self.assertEqual((~(c.cfg_read(off) & ~0xF) & 0xFFFFFFFF) + 1, size)
            c.cfg_write(off, saved)
            c.cfg_write(PCI_COMMAND, CMD_MEMORY | CMD_MASTER, 2)

    def test_sriov_capability_layout(self):
        c = self.card
        self.assertIsNotNone(c.sriov)
        self.assertEqual(c.sriov_read(SRIOV_TOTAL_VF), 8)
        self.assertEqual(c.sriov_read(SRIOV_INITIAL_VF), 8)
        self.assertEqual(c.sriov_read(SRIOV_NUM_VF), 0)
        self.assertEqual(c.sriov_read(SRIOV_VF_OFFSET), 1)
        self.assertEqual(c.sriov_read(SRIOV_VF_STRIDE), 1)
        self.assertEqual(c.sriov_read(SRIOV_VF_DID), R["PCI_DEVICE_ID_VF"])
        self.assertEqual(c.sriov_read(SRIOV_CTRL) & SRIOV_CTRL_VFE, 0)

    def test_vf_bar_sizes(self):
        c = self.card
        for bar, size in ((0, R["VF_REGS_SIZE"]), (2, R["MSIX_BAR_SIZE"])):
            off = SRIOV_BAR + bar * 4
            self.assertEqual(c.sriov_read(off, 4) & 0x7, 0x4, f"VF BAR{bar} is 64-bit")
            c.sriov_write(off, 0xFFFFFFFF, 4)
            self.assertEqual((~(c.sriov_read(off, 4) & ~0xF) & 0xFFFFFFFF) + 1, size)

    def test_registers_identify_the_pf(self):
        c = self.card
        self.assertEqual(c.rd(R["REG_ID"]), R["ID_MAGIC"])
        self.assertEqual(c.rd(R["REG_VERSION"]), R["VERSION_MAJOR"] << 16 | R["VERSION_MINOR"])
        self.assertEqual(c.rd(R["REG_FUNC"]), 0)
        self.assertEqual(c.rd(R["REG_PF_TOTAL_VFS"]), 8)
        self.assertEqual(c.rd(R["REG_CAPS"]), R["CAPS_SRIOV"] | 4 << R["CAPS_QPAIRS_SHIFT"])


class CustomIdentity(MachineTest):
    vfs = 2
    extra = "vendor-id=0x1af4,device-id=0x7001,vf-device-id=0x7002,queues=2,mac=52:54:00:aa:bb:cc"

    def test_properties_reach_the_guest(self):
        c = self.card
        self.assertEqual(c.cfg_read(0x00), 0x70011AF4)
        self.assertEqual(c.sriov_read(SRIOV_VF_DID), 0x7002)
        self.assertEqual(c.rd(R["REG_MAC_LO"]), 0xAA005452)
        self.assertEqual(c.rd(R["REG_MAC_HI"]), 0xCCBB)
        msix = find_cap(self.m, BUS, 0, CAP_MSIX)
        self.assertEqual((c.cfg_read(msix + 2, 2) & 0x7FF) + 1, 3)


class NoSriov(MachineTest):
    vfs = 0

    def test_vfs_0_means_no_sriov_capability(self):
        self.assertIsNone(self.card.sriov)
        self.assertEqual(self.card.rd(R["REG_CAPS"]) & R["CAPS_SRIOV"], 0)
        self.assertEqual(self.card.rd(R["REG_ID"]), R["ID_MAGIC"])


class VfLifecycle(MachineTest):
    def test_numvfs_and_vf_enable_make_exactly_that_many_vfs(self):
        c = self.card
        for n in range(8):
            self.assertFalse(c.vf_present(n))
        c.enable_vfs(4)
        self.assertEqual([c.vf_present(n) for n in range(8)], [True] * 4 + [False] * 4)
        self.assertEqual(c.rd(R["REG_PF_ACTIVE_VFS"]), 4)
        for n in range(4):
            self.assertEqual(c.cfg_read(0x00, vf=n), 0xFFFFFFFF, "VF IDs read 0xffff")
            self.assertEqual(c.rd(R["REG_ID"], vf=n), R["ID_MAGIC"])
            self.assertEqual(c.rd(R["REG_FUNC"], vf=n), n + 1)
            self.assertEqual(c.rd(R["REG_CAPS"], vf=n),
                             R["CAPS_IS_VF"] | 2 << R["CAPS_QPAIRS_SHIFT"])
            self.assertIsNotNone(find_cap(self.m, BUS, c.devfn(n), CAP_MSIX))
            self.assertIsNotNone(find_ext_cap(self.m, BUS, c.devfn(n), EXT_CAP_ARI))
        c.disable_vfs()
        self.assertEqual([c.vf_present(n) for n in range(8)], [False] * 8)
        self.assertEqual(c.rd(R["REG_PF_ACTIVE_VFS"]), 0)
        self.assertNotEqual(c.rd(R["REG_ID"], vf=0), R["ID_MAGIC"], "VF BAR unmapped")
        c.enable_vfs(8)
        self.assertEqual([c.vf_present(n) for n in range(8)], [True] * 8)
        self.assertEqual(c.rd(R["REG_SCRATCH"], vf=7), 0)

    def test_numvfs_above_totalvfs_enables_nothing(self):
        c = self.card
        c.sriov_write(SRIOV_NUM_VF, 9)
        c.sriov_write(SRIOV_CTRL, SRIOV_CTRL_VFE)
        self.assertEqual(c.sriov_read(SRIOV_CTRL) & SRIOV_CTRL_VFE, 0)
        self.assertEqual([c.vf_present(n) for n in range(8)], [False] * 8)
        self.assertEqual(c.rd(R["REG_PF_ACTIVE_VFS"]), 0)
        self.assertEqual(c.rd(R["REG_ERR_CAUSE"]), R["ERR_BAD_NUMVFS"])
        self.assertEqual(c.rd(R["REG_ID"]), R["ID_MAGIC"], "PF keeps working")
        c.wr(R["REG_ERR_CAUSE"], R["ERR_BAD_NUMVFS"])
        c.enable_vfs(8)
        self.assertTrue(c.vf_present(7), "a valid NumVFs still works afterwards")

    def test_vf_flr_resets_exactly_that_vf(self):
        c = self.card
        c.enable_vfs(3)
        c.wr(R["REG_SCRATCH"], 0x1111)
        for n in range(3):
            c.wr(R["REG_SCRATCH"], 0xA0 + n, vf=n)
            c.wr(R["REG_CTRL"], R["CTRL_ENABLE"], vf=n)
        exp = find_cap(self.m, BUS, c.devfn(1), CAP_EXP)
        self.assertTrue(c.cfg_read(exp + EXP_DEVCAP, vf=1) & EXP_DEVCAP_FLR)
        c.flr(vf=1)
        self.assertEqual(c.cfg_read(PCI_COMMAND, 2, vf=1) & CMD_MEMORY, 0,
                         "FLR clears the VF's command register")
        c.cfg_write(PCI_COMMAND, CMD_MEMORY, 2, vf=1)
        self.assertEqual(c.rd(R["REG_SCRATCH"], vf=1), 0)
        self.assertEqual(c.rd(R["REG_STATUS"], vf=1),
                         R["STATUS_RESET_DONE"] | R["STATUS_LINK_UP"])
        self.assertEqual(c.rd(R["REG_SCRATCH"], vf=0), 0xA0)
        self.assertEqual(c.rd(R["REG_SCRATCH"], vf=2), 0xA2)
        self.assertEqual(c.rd(R["REG_CTRL"], vf=2), R["CTRL_ENABLE"])
        self.assertEqual(c.rd(R["REG_SCRATCH"]), 0x1111)
        self.assertEqual(c.rd(R["REG_PF_ACTIVE_VFS"]), 3)

    def test_pf_flr_resets_pf_and_disables_vfs(self):
        c = self.card
        c.enable_vfs(2)
        c.wr(R["REG_SCRATCH"], 0x2222)
        c.flr()
        self.assertEqual(c.sriov_read(SRIOV_CTRL) & SRIOV_CTRL_VFE, 0)
        self.assertFalse(c.vf_present(0))
        c.cfg_write(PCI_COMMAND, CMD_MEMORY, 2)
        self.assertEqual(c.rd(R["REG_SCRATCH"]), 0)
        self.assertEqual(c.rd(R["REG_PF_ACTIVE_VFS"]), 0)


class Interrupts(MachineTest):
    def test_msix_message_from_pf_and_vf(self):
        c = self.card
        c.enable_vfs(2)
        for vf, vector, data in ((None, 0, 0xC0DE0001), (1, 2, 0xC0DE0002)):
            addr = RAM_MSG + (0 if vf is None else 0x100)
            self.m.write(addr, 4, 0)
            c.setup_msix(vector, addr, data, vf=vf)
            c.wr(R["REG_MISC_VECTOR"], R["VECTOR_VALID"] | vector, vf=vf)
            c.wr(R["REG_INT_ENABLE_SET"], R["INT_SOFTWARE"], vf=vf)
            self.assertEqual(self.m.read(addr, 4), 0)
            c.wr(R["REG_INT_CAUSE_SET"], R["INT_SOFTWARE"], vf=vf)
            self.assertEqual(self.m.read(addr, 4), data, f"message from {vf}")
            self.assertEqual(c.rd(R["REG_INT_CAUSE"], vf=vf), R["INT_SOFTWARE"])

    def test_vector_beyond_table_is_flagged(self):
        c = self.card
        c.wr(R["REG_MISC_VECTOR"], R["VECTOR_VALID"] | 5)
        self.assertEqual(c.rd(R["REG_ERR_CAUSE"]), R["ERR_BAD_VECTOR"])


class BadAccess(MachineTest):
    def test_bad_accesses_are_flagged_and_the_device_keeps_working(self):
        c = self.card
        c.enable_vfs(1)
        c.wr(R["REG_SCRATCH"], 0x55667788)
        self.assertEqual(c.rd(R["REG_SCRATCH"], size=1), 0xFF)
        self.assertEqual(c.rd(R["REG_SCRATCH"], size=2), 0xFFFF)
        self.assertEqual(c.rd(R["REG_SCRATCH"], size=8), 0xFFFFFFFFFFFFFFFF)
        self.assertEqual(self.m.read(c.reg_base() + R["REG_SCRATCH"] + 1, 4), 0xFFFFFFFF)
        c.wr(R["REG_SCRATCH"], 0, size=8)
        c.wr(R["REG_ID"], 0)
        c.wr(R["REG_MBX_BASE"], 1)
        self.assertEqual(c.rd(R["REG_SCRATCH"]), 0x55667788)
        self.assertEqual(c.rd(R["REG_ERR_CAUSE"]),
                         R["ERR_BAD_ACCESS"] | R["ERR_RO_WRITE"] | R["ERR_UNMAPPED"])
        self.assertEqual(c.rd(R["REG_ERR_COUNT"]), 7)
        self.assertEqual(c.rd(R["REG_ERR_ADDR"]), R["REG_MBX_BASE"])
        self.assertEqual(c.rd(R["REG_ERR_CAUSE"], vf=0), 0, "errors are per function")
        c.wr(R["REG_ERR_CAUSE"], 0xFFFFFFFF)
        self.assertEqual(c.rd(R["REG_ERR_CAUSE"]), 0)
        self.assertEqual(c.rd(R["REG_ID"], vf=0), R["ID_MAGIC"])
        self.assertEqual(self.m.qmp("query-status")["status"], "running")


class Tracing(unittest.TestCase):
    def test_guest_mistakes_and_vf_state_changes_are_traced(self):
        with tempfile.TemporaryDirectory() as tmp:
            log = os.path.join(tmp, "trace.log")
            m = Machine(machine_args(4) + ["-trace", "enable=sriovnic_*", "-D", log])
            self.addCleanup(m.kill)
            c = Card(m)
            c.enable_vfs(2)
            c.wr(R["REG_ID"], 0)
            c.wr(R["REG_CTRL"], R["CTRL_ENABLE"], vf=1)
            c.wr(R["REG_ADMIN_BASE"] + R["VFA_RATE"], 250)
            c.wr(R["REG_MBX_BASE"], 0x01000001, vf=0)  # word 0 of the VF's message
            c.wr(R["REG_MBX_CTRL"], R["MBX_CTRL_SEND"], vf=0)
            m.qmp("query-status")  # every access above has completed
            with open(log) as f:
                trace = f.read()
        self.assertRegex(trace, r"sriovnic_guest_error fn=0 ERR_CAUSE bits 0x%x offset=0x0\b"
                         % R["ERR_RO_WRITE"])
        self.assertIn("sriovnic_function_enable fn=2 enabled=1", trace)
        self.assertIn("sriovnic_vf_setting vf=0 PF register 0x%x = 0xfa"
                      % (R["REG_ADMIN_BASE"] + R["VFA_RATE"]), trace)
        self.assertIn("sriovnic_mailbox vf=0 VF->PF word0=0x1000001", trace)


class MaxVfs(MachineTest):
    vfs = 255

    def test_255_vfs(self):
        c = self.card
        self.assertEqual(c.sriov_read(SRIOV_TOTAL_VF), 255)
        c.enable_vfs(255)
        self.assertTrue(c.vf_present(254))
        self.assertEqual(c.rd(R["REG_FUNC"], vf=254), 255)
        self.assertEqual(c.rd(R["REG_PF_ACTIVE_VFS"]), 255)


class Migration(unittest.TestCase):
    def test_pf_and_vf_state_survive_migration(self):
        src = Machine(machine_args(8), name="src")
        self.addCleanup(src.kill)
        dst = Machine(machine_args(8) + ["-incoming", "defer"], name="dst")
        self.addCleanup(dst.kill)
        c = Card(src)
        c.enable_vfs(4)
        c.wr(R["REG_SCRATCH"], 0xF00D)
        c.wr(R["REG_CTRL"], R["CTRL_ENABLE"])
        for n in range(4):
            c.wr(R["REG_SCRATCH"], 0xBEEF00 + n, vf=n)
            c.wr(R["REG_CTRL"], R["CTRL_ENABLE"], vf=n)
        c.setup_msix(1, RAM_MSG, 0x600D, vf=2)
        c.wr(R["REG_MISC_VECTOR"], R["VECTOR_VALID"] | 1, vf=2)
        c.wr(R["REG_INT_ENABLE_SET"], R["INT_SOFTWARE"], vf=2)
        c.wr(R["REG_ID"], 0, vf=3)  # latch an error on VF 3
        itr = R["REG_QUEUE_BASE"] + R["REG_QUEUE_STRIDE"] + R["Q_ITR"]  # queue pair 1
        c.wr(itr, 250, vf=1)
        c.wr(R["REG_QUEUE_BASE"] + R["Q_ITR"], 40)
        pf_cfg = [c.cfg_read(off) for off in range(0, 0x100, 4)]
        vf_cfg = [[c.cfg_read(off, vf=n) for off in range(0, 0x100, 4)] for n in range(4)]
        sriov_ctrl = c.sriov_read(SRIOV_CTRL)

        src.migrate_to(dst)
        for _ in range(200):  # the destination finishes loading after the source is done
            if dst.qmp("query-status")["status"] != "inmigrate":
                break
            time.sleep(0.05)
        d = Card(dst, setup=False)
        self.assertEqual([d.cfg_read(off) for off in range(0, 0x100, 4)], pf_cfg)
        for n in range(4):
            self.assertEqual([d.cfg_read(off, vf=n) for off in range(0, 0x100, 4)], vf_cfg[n],
                             f"VF {n} config space")
        self.assertEqual(d.sriov_read(SRIOV_CTRL), sriov_ctrl)
        self.assertEqual(d.sriov_read(SRIOV_NUM_VF), 4)
        self.assertEqual([d.vf_present(n) for n in range(8)], [True] * 4 + [False] * 4)
        self.assertEqual(d.rd(R["REG_SCRATCH"]), 0xF00D)
        self.assertEqual(d.rd(R["REG_STATUS"]), R["STATUS_ENABLED"] | R["STATUS_LINK_UP"])
        self.assertEqual(d.rd(R["REG_PF_ACTIVE_VFS"]), 4)
        for n in range(4):
            self.assertEqual(d.rd(R["REG_SCRATCH"], vf=n), 0xBEEF00 + n)
            self.assertEqual(d.rd(R["REG_CTRL"], vf=n), R["CTRL_ENABLE"])
        self.assertEqual(d.rd(R["REG_ERR_CAUSE"], vf=3), R["ERR_RO_WRITE"])
        self.assertEqual(d.rd(R["REG_ERR_COUNT"], vf=3), 1)
        self.assertEqual(d.rd(itr, vf=1), 250, "interrupt moderation")
        self.assertEqual(d.rd(R["REG_QUEUE_BASE"] + R["Q_ITR"]), 40)
        # The VF's MSI-X table and enable came along: an interrupt still lands.
        dst.write(RAM_MSG, 4, 0)
        d.wr(R["REG_INT_CAUSE_SET"], R["INT_SOFTWARE"], vf=2)
        self.assertEqual(dst.read(RAM_MSG, 4), 0x600D)


if __name__ == "__main__":
    unittest.main()
