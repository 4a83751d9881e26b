# SPDX-License-Identifier: GPL-2.0-or-later
"""Device-level tests of host-injected faults (sriovnic-inject-fault): each
fault's effect as the guest's VF driver sees it over MMIO and MSI-X, its end,
query-sriovnic while it lasts, its bad arguments and its trace event."""
import time
import unittest

from sriovnic_pci import (BUS, CAP_MSIX, CMD_MASTER, CMD_MEMORY, PCI_COMMAND, RAM_MSG, R, Card,
                          QueuePair, machine_args, stat_reg)
from qemu_machine import Machine, QemuError, find_cap
from test_synth import OFFER, PATH_VF, REVOKE, REVOKE_REMOVED, S, ST_OK, SynthTest

LINK_MSG = 0xF1A90001
PF_MBX_PENDING0 = 0x0110  # SRIOVNIC_REG_PF_MBX_PENDING(0): VFs 0-31
VF_MACS = [bytes.fromhex("525400000100"), bytes.fromhex("525400000101")]


class Faults(unittest.TestCase):
    def setUp(self):
        self.m = Machine(machine_args(2))
        self.addCleanup(self.m.kill)
        self.card = Card(self.m)

    def step_ms(self, ms):
        self.m.qtest(f"clock_step {ms * 1_000_000}")

    def vf_info(self, vf):
        return self.m.qmp("query-sriovnic")[0]["vfs"][vf]

    def link_up(self, vf):
        return bool(self.card.rd(R["REG_STATUS"], vf=vf) & R["STATUS_LINK_UP"])

    def arm_link_interrupt(self, vf):
        """VF `vf`'s driver: LINK causes raise MSI-X vector 0 into RAM_MSG."""
        c = self.card
        c.setup_msix(0, RAM_MSG, LINK_MSG, vf=vf)
        c.wr(R["REG_MISC_VECTOR"], R["VECTOR_VALID"] | 0, vf=vf)
        c.wr(R["REG_INT_CAUSE"], 0xFFFFFFFF, vf=vf)
        c.wr(R["REG_INT_ENABLE_SET"], R["INT_LINK"], vf=vf)
        self.m.write(RAM_MSG, 4, 0)

    def take_link_interrupt(self, vf):
        """Whether a LINK interrupt came since the last call; acknowledges it."""
        came = self.m.read(RAM_MSG, 4) == LINK_MSG
        cause = self.card.rd(R["REG_INT_CAUSE"], vf=vf)
        self.card.wr(R["REG_INT_CAUSE"], cause, vf=vf)
        self.m.write(RAM_MSG, 4, 0)
        return came and bool(cause & R["INT_LINK"])

    def test_link_flap_goes_down_and_comes_back_with_interrupts(self):
        self.card.enable_vfs(2)
        self.arm_link_interrupt(1)
        self.assertTrue(self.link_up(1))
        self.m.qmp("sriovnic-inject-fault", id="nic0", vf=1, fault="link-flap",
                   **{"duration-ms": 250})
        self.assertFalse(self.link_up(1))
        self.assertTrue(self.take_link_interrupt(1), "LINK interrupt when it goes down")
        self.assertTrue(self.link_up(0), "only VF 1 flaps")
        info = self.vf_info(1)
        self.assertTrue(info["link-flapping"])
        self.assertFalse(info["link-up"])
        self.assertFalse(self.vf_info(0)["link-flapping"])

        self.step_ms(249)
        self.assertFalse(self.link_up(1))
        self.assertFalse(self.take_link_interrupt(1))
        self.step_ms(1)
        self.assertTrue(self.link_up(1))
        self.assertTrue(self.take_link_interrupt(1), "LINK interrupt when it comes back")
        info = self.vf_info(1)
        self.assertFalse(info["link-flapping"])
        self.assertTrue(info["link-up"])

    def test_link_flap_lasts_100ms_by_default(self):
        self.card.enable_vfs(1)
        self.m.qmp("sriovnic-inject-fault", id="/machine/peripheral/nic0", vf=0,
                   fault="link-flap")
        self.step_ms(99)
        self.assertFalse(self.link_up(0))
        self.step_ms(1)
        self.assertTrue(self.link_up(0))

    def test_link_flap_beats_a_pf_forced_link_only_while_it_lasts(self):
        c = self.card
        c.enable_vfs(1)
        # The PF forces VF 0's link up: the flap still takes it down.
        c.wr(c.admin_reg(0, R["VFA_FLAGS"]),
             R["VFA_FLAG_SPOOFCHK"] | R["VFA_LINK_ENABLE"] << R["VFA_LINK_SHIFT"])
        self.assertEqual(self.vf_info(0)["admin"]["link-state"], "enable")
        self.m.qmp("sriovnic-inject-fault", id="nic0", vf=0, fault="link-flap",
                   **{"duration-ms": 10})
        self.m.qmp("sriovnic-inject-fault", id="nic0", vf=0, fault="link-flap",
                   **{"duration-ms": 30})
        self.step_ms(10)
        self.assertFalse(self.link_up(0), "the second flap extended the first")
        self.step_ms(20)
        self.assertTrue(self.link_up(0))

    def test_bad_arguments_name_the_argument_and_the_allowed_values(self):
        def refused(message, **args):
            with self.assertRaisesRegex(QemuError, message):
                self.m.qmp("sriovnic-inject-fault", **args)

        self.card.enable_vfs(1)
        refused("'id': no sriovnic or sriovnic-card device with id or QOM path 'nic9'",
                id="nic9", vf=0, fault="link-flap")
        refused("'fault' must be 'link-flap', 'surprise-removal', 'restore', 'flr', "
                "'mailbox-timeout' or 'dma-error' \\(got 'meltdown'\\)",
                id="nic0", vf=0, fault="meltdown")
        refused("'vf' 2 is out of range: the card has 2 VFs \\(0..1\\)",
                id="nic0", vf=2, fault="link-flap")
        refused("'vf' 1 is not enabled \\(1 VFs enabled now\\)",
                id="nic0", vf=1, fault="link-flap")
        refused("'duration-ms' must be between 1 and 3600000 \\(got 0\\)",
                id="nic0", vf=0, fault="link-flap", **{"duration-ms": 0})
        refused("'duration-ms' must be between 1 and 3600000 \\(got 3600001\\)",
                id="nic0", vf=0, fault="link-flap", **{"duration-ms": 3600001})
        refused("'duration-ms' does not apply to 'restore'",
                id="nic0", vf=0, fault="restore", **{"duration-ms": 5})
        refused("'duration-ms' does not apply to 'flr'",
                id="nic0", vf=0, fault="flr", **{"duration-ms": 5})
        refused("'duration-ms' must be between 1 and 3600000 \\(got 0\\)",
                id="nic0", vf=0, fault="mailbox-timeout", **{"duration-ms": 0})
        refused("'duration-ms' must be between 1 and 3600000 \\(got 3600001\\)",
                id="nic0", vf=0, fault="dma-error", **{"duration-ms": 3600001})
        refused("'vf' 1 is not enabled \\(1 VFs enabled now\\)",
                id="nic0", vf=1, fault="dma-error")
        refused("VF 0 is not surprise-removed: nothing to restore",
                id="nic0", vf=0, fault="restore")
        self.assertTrue(self.link_up(0), "a refused fault changes nothing")
        info = self.vf_info(0)
        self.assertFalse(info["mailbox-timeout"])
        self.assertFalse(info["dma-error"])

    def test_surprise_removal_reads_all_ones_until_restore(self):
        c = self.card
        c.enable_vfs(2)
        c.wr(R["REG_SCRATCH"], 0x1234, vf=0)
        vendor = c.cfg_read(0, vf=0)
        self.m.qmp("sriovnic-inject-fault", id="nic0", vf=0, fault="surprise-removal")
        self.assertEqual(c.cfg_read(0, vf=0), 0xFFFFFFFF, "config space reads all ones")
        self.assertEqual(c.cfg_read(4, 2, vf=0), 0xFFFF)
        self.assertEqual(c.rd(R["REG_SCRATCH"], vf=0), 0xFFFFFFFF, "BAR reads all ones")
        self.assertEqual(c.rd(R["REG_STATUS"], vf=0), 0xFFFFFFFF)
        c.wr(R["REG_SCRATCH"], 0x5678, vf=0)
        self.assertEqual(c.cfg_read(0, vf=1), vendor, "VF 1 stays")
        info = self.vf_info(0)
        self.assertTrue(info["surprise-removed"])
        self.assertFalse(info["enabled"])
        self.assertFalse(self.vf_info(1)["surprise-removed"])
        with self.assertRaisesRegex(QemuError, "VF 0 is already surprise-removed"):
            self.m.qmp("sriovnic-inject-fault", id="nic0", vf=0, fault="surprise-removal")

        self.m.qmp("sriovnic-inject-fault", id="nic0", vf=0, fault="restore")
        self.assertEqual(c.cfg_read(0, vf=0), vendor)
        self.assertEqual(c.rd(R["REG_SCRATCH"], vf=0), 0, "it comes back reset")
        info = self.vf_info(0)
        self.assertFalse(info["surprise-removed"])
        self.assertTrue(info["enabled"])

    def test_surprise_removal_with_a_duration_ends_by_itself(self):
        c = self.card
        c.enable_vfs(1)
        self.m.qmp("sriovnic-inject-fault", id="nic0", vf=0, fault="surprise-removal",
                   **{"duration-ms": 40})
        self.step_ms(39)
        self.assertEqual(c.rd(R["REG_STATUS"], vf=0), 0xFFFFFFFF)
        self.step_ms(1)
        self.assertNotEqual(c.rd(R["REG_STATUS"], vf=0), 0xFFFFFFFF)
        self.assertFalse(self.vf_info(0)["surprise-removed"])

    def test_surprise_removal_ends_when_the_guest_reenables_vfs(self):
        c = self.card
        c.enable_vfs(1)
        self.m.qmp("sriovnic-inject-fault", id="nic0", vf=0, fault="surprise-removal")
        c.disable_vfs()
        c.enable_vfs(1)
        self.assertFalse(self.vf_info(0)["surprise-removed"])
        self.assertNotEqual(c.rd(R["REG_STATUS"], vf=0), 0xFFFFFFFF)

    def test_host_flr_resets_the_vf_as_its_own_flr_would(self):
        c = self.card
        c.enable_vfs(2)
        c.setup_msix(0, RAM_MSG, LINK_MSG, vf=1)
        c.wr(R["REG_CTRL"], R["CTRL_ENABLE"], vf=1)
        c.wr(R["REG_SCRATCH"], 0x1234, vf=1)
        c.wr(R["REG_SCRATCH"], 0x4321, vf=0)
        cap = find_cap(self.m, BUS, c.devfn(1), CAP_MSIX)
        self.assertTrue(c.cfg_read(cap + 2, 2, vf=1) & 0x8000)
        self.assertTrue(self.vf_info(1)["driver-enabled"])
        self.m.qmp("sriovnic-inject-fault", id="nic0", vf=1, fault="flr")
        self.assertEqual(c.cfg_read(PCI_COMMAND, 2, vf=1) & (CMD_MEMORY | CMD_MASTER), 0,
                         "FLR clears the VF's command register")
        self.assertFalse(c.cfg_read(cap + 2, 2, vf=1) & 0x8000, "MSI-X enable is reset")
        c.cfg_write(PCI_COMMAND, CMD_MEMORY, 2, vf=1)
        self.assertEqual(c.rd(R["REG_SCRATCH"], vf=1), 0)
        self.assertEqual(c.rd(R["REG_STATUS"], vf=1),
                         R["STATUS_RESET_DONE"] | R["STATUS_LINK_UP"])
        self.assertFalse(self.vf_info(1)["driver-enabled"])
        self.assertEqual(c.rd(R["REG_SCRATCH"], vf=0), 0x4321, "VF 0 is untouched")

        self.m.qmp("sriovnic-inject-fault", id="nic0", vf=1, fault="surprise-removal")
        with self.assertRaisesRegex(QemuError, "VF 1 is surprise-removed: restore it first"):
            self.m.qmp("sriovnic-inject-fault", id="nic0", vf=1, fault="flr")

    # --- mailbox timeout ---------------------------------------------------

    def vf_send_request(self, vf, word0):
        c = self.card
        c.wr(R["REG_MBX_BASE"], word0, vf=vf)  # MBX_VF_MSG(0)
        c.wr(R["REG_MBX_CTRL"], R["MBX_CTRL_SEND"], vf=vf)

    def pf_pending(self):
        return self.card.rd(PF_MBX_PENDING0)

    def test_mailbox_timeout_holds_the_vfs_message_until_it_ends(self):
        c = self.card
        c.enable_vfs(2)
        c.wr(R["REG_INT_CAUSE"], 0xFFFFFFFF)
        self.m.qmp("sriovnic-inject-fault", id="nic0", vf=1, fault="mailbox-timeout",
                   **{"duration-ms": 200})
        self.assertTrue(self.vf_info(1)["mailbox-timeout"])
        self.assertFalse(self.vf_info(0)["mailbox-timeout"])
        self.vf_send_request(1, 0x0102)
        self.assertEqual(c.rd(R["REG_MBX_STATUS"], vf=1), R["MBX_STATUS_BUSY"],
                         "the VF's message is sent, not taken")
        self.assertEqual(self.pf_pending(), 0, "the PF is not told")
        self.assertFalse(c.rd(R["REG_INT_CAUSE"]) & R["INT_MBX"])
        c.wr(c.admin_reg(1, R["VFA_MBX_CTRL"]), R["MBX_CTRL_ACK"])
        self.assertEqual(c.rd(R["REG_MBX_STATUS"], vf=1), R["MBX_STATUS_BUSY"],
                         "a blind ACK from the PF takes nothing")
        self.vf_send_request(0, 0x0101)
        self.assertEqual(self.pf_pending(), 0b01, "VF 0's mailbox still works")
        c.wr(c.admin_reg(0, R["VFA_MBX_CTRL"]), R["MBX_CTRL_ACK"])
        c.wr(R["REG_INT_CAUSE"], 0xFFFFFFFF)

        self.step_ms(199)
        self.assertEqual(self.pf_pending(), 0)
        self.step_ms(1)
        self.assertEqual(self.pf_pending(), 0b10, "delivered when the fault ends")
        self.assertTrue(c.rd(R["REG_INT_CAUSE"]) & R["INT_MBX"])
        self.assertFalse(self.vf_info(1)["mailbox-timeout"])
        c.wr(c.admin_reg(1, R["VFA_MBX_CTRL"]), R["MBX_CTRL_ACK"])
        self.assertEqual(c.rd(R["REG_MBX_STATUS"], vf=1), 0)

    def test_mailbox_timeout_lasts_a_second_by_default(self):
        self.card.enable_vfs(1)
        self.m.qmp("sriovnic-inject-fault", id="nic0", vf=0, fault="mailbox-timeout")
        self.step_ms(999)
        self.assertTrue(self.vf_info(0)["mailbox-timeout"])
        self.step_ms(1)
        self.assertFalse(self.vf_info(0)["mailbox-timeout"])

    # --- DMA error ----------------------------------------------------------

    def bring_up_vfs(self):
        c = self.card
        c.enable_vfs(2)
        pairs = []
        for vf in range(2):
            c.set_mac(VF_MACS[vf], vf=vf)
            pairs.append(QueuePair(c, 1 + vf, vf=vf))
            c.wr(R["REG_CTRL"], R["CTRL_ENABLE"], vf=vf)
        return pairs

    def test_dma_error_fails_the_next_dma_and_the_vf_recovers_by_restarting_its_ring(self):
        c = self.card
        vf0, vf1 = self.bring_up_vfs()
        frame = VF_MACS[0] + VF_MACS[1] + b"\x88\xb5" + bytes(range(60))
        self.m.qmp("sriovnic-inject-fault", id="nic0", vf=0, fault="dma-error")
        self.assertTrue(self.vf_info(0)["dma-error"])
        vf1.send(frame)  # VF 0's RX descriptor read fails
        self.assertFalse(vf0.rd("Q_RX_CTRL") & R["QCTRL_ENABLE"], "its RX ring stopped")
        self.assertTrue(vf0.rd("Q_TX_CTRL") & R["QCTRL_ENABLE"], "its TX ring goes on")
        self.assertEqual(c.rd(stat_reg(R["STAT_DMA_ERRORS"]), vf=0), 1)
        self.assertTrue(c.rd(R["REG_ERR_CAUSE"], vf=0) & R["ERR_DMA"])
        self.assertFalse(vf0.rx_ready())
        self.assertFalse(self.vf_info(0)["dma-error"], "one DMA consumed it")
        self.assertEqual(c.rd(stat_reg(R["STAT_DMA_ERRORS"]), vf=1), 0)

        vf0 = QueuePair(c, 1, vf=0)  # the driver's recovery: the ring set up again
        vf1.send(frame)
        self.assertEqual(vf0.receive().data, frame)

    def test_dma_error_with_a_duration_fails_every_dma_until_it_ends(self):
        c = self.card
        vf0, vf1 = self.bring_up_vfs()
        self.m.qmp("sriovnic-inject-fault", id="nic0", vf=0, fault="dma-error",
                   **{"duration-ms": 50})
        frame = VF_MACS[1] + VF_MACS[0] + b"\x88\xb5" + bytes(range(60))
        vf0.send(frame)
        self.assertFalse(vf0.rd("Q_TX_CTRL") & R["QCTRL_ENABLE"])
        vf0 = QueuePair(c, 1, vf=0)
        vf0.send(frame)
        self.assertFalse(vf0.rd("Q_TX_CTRL") & R["QCTRL_ENABLE"], "still failing")
        self.assertEqual(c.rd(stat_reg(R["STAT_DMA_ERRORS"]), vf=0), 2)
        self.assertFalse(vf1.rx_ready())
        self.step_ms(50)
        self.assertFalse(self.vf_info(0)["dma-error"])
        vf0 = QueuePair(c, 1, vf=0)
        vf0.send(frame)
        self.assertEqual(vf1.receive().data, frame)

    def test_fault_begin_and_end_are_traced(self):
        self.card.enable_vfs(1)
        self.m.hmp("trace-event sriovnic_fault on")
        self.m.qmp("sriovnic-inject-fault", id="nic0", vf=0, fault="mailbox-timeout",
                   **{"duration-ms": 5})
        self.m.qmp("sriovnic-inject-fault", id="nic0", vf=0, fault="dma-error",
                   **{"duration-ms": 5})
        self.step_ms(5)
        self.m.qmp("stop")
        time.sleep(0.2)
        log = self.m.log()
        for fault in ("mailbox-timeout", "dma-error"):
            self.assertIn(f"sriovnic_fault vf=0 injected {fault} active=1", log)
            self.assertIn(f"sriovnic_fault vf=0 injected {fault} active=0", log)

    def test_injection_is_traced(self):
        self.card.enable_vfs(1)
        self.m.hmp("trace-event sriovnic_qmp_* on")
        self.m.qmp("sriovnic-inject-fault", id="nic0", vf=0, fault="link-flap",
                   **{"duration-ms": 5})
        self.m.qmp_raw("sriovnic-inject-fault", id="nic0", vf=1, fault="link-flap")
        self.m.qmp("stop")
        time.sleep(0.2)
        log = self.m.log()
        self.assertIn("sriovnic_qmp_inject_fault id=nic0 vf=0 fault=link-flap duration_ms=5",
                      log)
        self.assertIn("sriovnic_qmp_refused sriovnic-inject-fault id=nic0: 'vf' 1 is not "
                      "enabled", log)


if __name__ == "__main__":
    unittest.main()


class SurpriseRemovalOfAPairedVf(SynthTest):
    """A surprise removal of the VF a synthetic channel offers, and its
    restore, as the guest's synth driver (its event ring) and management
    (SRIOVNIC_DATAPATH_CHANGED) see them."""

    def datapath_changes(self):
        self.m.qmp("query-status")  # collects the events that arrived meanwhile
        return [(e["data"]["cause"], e["data"]["new-state"]) for e in self.m.events
                if e["event"] == "SRIOVNIC_DATAPATH_CHANGED"]

    def test_restore_offers_the_vf_once(self):
        self.bring_up()
        self.card.enable_vfs(2)
        _, payload = self.next_event(S["EV_VF_OFFER"])
        serial = OFFER.unpack(payload)[2]
        self.card.wr(R["REG_CTRL"], R["CTRL_ENABLE"], vf=0)
        QueuePair(self.card, area=1, vf=0)
        self.assertEqual(self.switch(PATH_VF, 0, serial)[0], ST_OK)
        self.datapath_changes()
        self.m.events.clear()

        self.m.qmp("sriovnic-inject-fault", id="nic0", vf=0, fault="surprise-removal")
        _, payload = self.next_event(S["EV_VF_REVOKE"])
        self.assertEqual(REVOKE.unpack(payload)[1:3], (REVOKE_REMOVED, S["REVOKE_F_SURPRISE"]))
        self.assertEqual(self.ev.pending(), 0)
        self.m.qmp("sriovnic-inject-fault", id="nic0", vf=0, fault="restore")
        _, payload = self.next_event(S["EV_VF_OFFER"])
        self.assertEqual(OFFER.unpack(payload)[0], 0)
        self.assertEqual(self.ev.pending(), 0, "one offer, no revoke and offer after it")
        self.assertEqual(self.datapath_changes(),
                         [("revoke-surprise", "synthetic"), ("offer", "offered")])
        self.assertEqual(self.m.qmp("query-sriovnic")[0]["channels"][0]["revokes"], 1)
