# SPDX-License-Identifier: GPL-2.0-or-later
"""DMA by the card that lands in the card's own registers.

Fuzzing found this chain: VF 0 transmits a broadcast (its TX doorbell write),
the embedded switch delivers it to the PF, and the PF's RX buffer address is
the PF's own TX doorbell. The RX DMA write becomes an MMIO write to the PF,
whose transmit then runs inside VF 0's and overwrites the transmit buffer the
two share: VF 0's broadcast never leaves the card, the PF's frame leaves
twice. QEMU's re-entrancy guard does not catch it, because it is per device
and the PF and each VF are separate PCI devices.

Specified behaviour (hardware-interface.md, interface 1.5): a DMA the card
issues that reaches any of the card's register BARs (PF or any VF) is refused
like a DMA outside guest memory: nothing is written or read there, the issuing
function latches ERR_DMA and counts DMA_ERRORS and DMA_SELF; a refused RX
buffer write completes the descriptor with DONE|ERR and counts no frame; a
refused ring access stops that queue. Frames in flight are never corrupted.

How QEMU 10.0 carries a DMA write into MMIO matters for reproducing the chain:
the device's regions accept 1 to 8 bytes at any alignment, so
flatview_write_continue() writes the buffer in 8-byte pieces from its start,
and only a trailing 4-byte piece is a register access to sriovnic (8-byte
ones are bad accesses). The buffer is therefore placed so that the frame's
last four bytes are a 4-byte write to the doorbell, and those bytes are the
value the owner's driver will write there itself (1: one frame posted). A
buffer that starts exactly at the doorbell is refused the same way.
"""
import struct
import unittest

from sriovnic_pci import R, VF_BAR0
from test_datapath import (PEER_IP, PEER_MAC, PF_IP, PF_MAC, VF_IPS, VF_MACS, DataPathTest,
                           pattern, udp_frame)

BROADCAST = b"\xff" * 6
BCAST_IP = bytes([10, 0, 0, 255])
FRAME_LEN = 60  # 7 pieces of 8 bytes and one of 4


def frame_ending_in(dst, src, src_ip, dst_ip, last4, seed):
    """A UDP frame of FRAME_LEN bytes whose last four bytes are `last4`."""
    payload_len = FRAME_LEN - (14 + 20 + 8)
    payload = pattern(payload_len - 4, seed=seed) + last4
    frame = udp_frame(dst, src, src_ip, dst_ip, payload)
    assert len(frame) == FRAME_LEN and frame.endswith(last4)
    return frame


def ending_on(register_addr, length=FRAME_LEN):
    """A buffer address such that QEMU's last (4-byte) piece of a `length`-byte
    DMA write is a register write to `register_addr`."""
    assert length % 8 == 4 and register_addr % 4 == 0
    return register_addr - (length - 4)


class SelfDma(DataPathTest):
    """VF 0 and VF 1 up with queue pair 0 each; the PF's queue pair 0 up."""

    def setUp(self):
        super().setUp()
        self.vf0, self.vf1 = self.bring_up_vfs()
        self.c = self.card

    # --- helpers --------------------------------------------------------
    def tx_reg_addr(self, reg, vf=None, q=0):
        return self.c.reg_base(vf) + R["REG_QUEUE_BASE"] + q * R["REG_QUEUE_STRIDE"] + R[reg]

    def post_unrung(self, qp, frame):
        """The driver of `qp` posts `frame` and has not rung the doorbell yet."""
        addr = qp.tx_buf(qp.tx_tail)
        self.c.mem_write(addr, frame)
        idx = qp.post_tx(addr, len(frame), R["TXD_EOP"])
        self.assertEqual(qp.rd("Q_TX_TAIL"), idx, "doorbell not rung yet")
        return idx

    def dma_self_errors(self, vf=None):
        """(ERR_CAUSE, DMA_ERRORS, DMA_SELF) of a function."""
        err = self.c.rd(R["REG_ERR_CAUSE"], vf)
        return err, self.c.stat(R["STAT_DMA_ERRORS"], vf), self.c.stat(R["STAT_DMA_SELF"], vf)

    def assert_refused_on(self, vf=None, count=1):
        self.assertEqual(self.dma_self_errors(vf), (R["ERR_DMA"], count, count),
                         "(ERR_CAUSE, DMA_ERRORS, DMA_SELF) of the issuing function")

    def assert_untouched(self, vf):
        self.assertEqual((self.c.rd(R["REG_ERR_CAUSE"], vf), self.c.rd(R["REG_ERR_COUNT"], vf)),
                         (0, 0), f"function {vf} has errors")

    def assert_card_works(self):
        """Normal frames flow afterwards, to and from every function up."""
        inbound = udp_frame(PF_MAC, PEER_MAC, PEER_IP, PF_IP, pattern(77, seed=90))
        self.wire.send(inbound)
        rx = self.pf.receive()
        self.assertEqual((rx.flags & R["RXD_DONE"], rx.data), (R["RXD_DONE"], inbound))
        for qp, mac, ip, seed in ((self.pf, PF_MAC, PF_IP, 91),
                                  (self.vf0, VF_MACS[0], VF_IPS[0], 92),
                                  (self.vf1, VF_MACS[1], VF_IPS[1], 93)):
            out = udp_frame(PEER_MAC, mac, ip, PEER_IP, pattern(88, seed=seed))
            qp.send(out)
            self.assertEqual(self.wire.recv(), out)
        vf_to_vf = udp_frame(VF_MACS[1], VF_MACS[0], VF_IPS[0], VF_IPS[1], pattern(66, seed=94))
        self.vf0.send(vf_to_vf)
        self.assertEqual(self.vf1.receive().data, vf_to_vf)
        self.wire.assert_silent(self)

    def broadcast_into_doorbell(self, owner, owner_vf, buffer_at):
        """The chain: `owner` (the PF's or VF 1's queue pair 0) has one frame
        posted, doorbell not rung; the PF's next RX buffer is at
        `buffer_at(doorbell address)`; VF 0 transmits a broadcast."""
        c = self.c
        owner_mac, owner_ip = (PF_MAC, PF_IP) if owner_vf is None else (VF_MACS[1], VF_IPS[1])
        owner_frame = frame_ending_in(PEER_MAC, owner_mac, owner_ip, PEER_IP,
                                      pattern(4, seed=1), seed=11)
        owner_idx = self.post_unrung(owner, owner_frame)
        doorbell = self.tx_reg_addr("Q_TX_TAIL", owner_vf)
        # The bytes the PF's RX DMA would write to the doorbell: owner's new tail.
        broadcast = frame_ending_in(BROADCAST, VF_MACS[0], VF_IPS[0], BCAST_IP,
                                    struct.pack("<I", owner.tx_tail), seed=12)
        rx_idx = self.pf.rx_next
        self.pf.set_rx_buffer(rx_idx, buffer_at(doorbell))
        owner_regs = {reg: owner.rd(reg) for reg in ("Q_TX_HEAD", "Q_TX_TAIL", "Q_TX_CTRL")}

        [vf0_idx] = self.vf0.send(broadcast)

        # What left the card: VF 0's broadcast, once, and nothing else.
        self.assertEqual(self.wire.recv().hex(), broadcast.hex(),
                         "the first frame on the wire is VF 0's broadcast")
        self.wire.assert_silent(self)
        self.assertEqual(self.vf0.tx_flags(vf0_idx), R["TXD_DONE"])
        self.assert_stats({"TX_PACKETS": 1, "TX_BYTES": len(broadcast)}, vf=0)
        self.assert_untouched(0)
        # VF 1 got the broadcast intact (the frame in flight is not overwritten).
        self.assertEqual(self.vf1.receive().data.hex(), broadcast.hex())
        self.assertFalse(self.vf1.rx_ready())
        # The PF's RX buffer write was refused.
        _, length, flags, _ = self.pf.rx_desc(rx_idx)
        self.assertEqual((hex(flags), length), (hex(R["RXD_DONE"] | R["RXD_ERR"]), 0),
                         "PF RX descriptor write-back (flags, len)")
        self.assertEqual(self.pf.rd("Q_RX_HEAD"), (rx_idx + 1) % self.pf.ring_len)
        self.assert_stats({"RX_PACKETS": 0, "RX_BYTES": 0})
        self.assert_refused_on(None)
        # The owner's doorbell was not written: nothing transmitted.
        self.assertEqual({reg: owner.rd(reg) for reg in owner_regs}, owner_regs,
                         "the owner's TX registers")
        self.assertEqual(owner.tx_flags(owner_idx), R["TXD_EOP"], "owner's descriptor untouched")
        self.assert_stats({"TX_PACKETS": 0}, vf=owner_vf)
        if owner_vf is not None:
            self.assert_untouched(owner_vf)

        # The owner's driver rings its doorbell: its frame leaves once, intact.
        owner.kick_tx()
        self.assertEqual(self.wire.recv().hex(), owner_frame.hex())
        self.wire.assert_silent(self)
        self.assertEqual(owner.tx_flags(owner_idx), R["TXD_DONE"])
        self.assertEqual(owner.rd("Q_TX_HEAD"), owner.tx_tail)
        self.assert_stats({"TX_PACKETS": 1, "TX_BYTES": len(owner_frame)}, vf=owner_vf)

        # The PF's driver recycles the refused buffer; everything flows again.
        rx = self.pf.receive()
        self.assertEqual(rx.flags, R["RXD_DONE"] | R["RXD_ERR"])
        self.assert_card_works()
        self.assert_refused_on(None)  # no more refusals

    # --- tests -----------------------------------------------------------
    def test_rx_buffer_on_the_pfs_own_tx_doorbell(self):
        self.broadcast_into_doorbell(self.pf, None, ending_on)

    def test_rx_buffer_starting_at_the_pfs_own_tx_doorbell(self):
        self.broadcast_into_doorbell(self.pf, None, lambda doorbell: doorbell)

    def test_rx_buffer_on_a_vfs_tx_doorbell(self):
        self.assertEqual(self.c.reg_base(1), VF_BAR0 + R["VF_REGS_SIZE"])
        self.broadcast_into_doorbell(self.vf1, 1, ending_on)

    def test_tx_ring_in_the_pfs_registers_stops_the_queue(self):
        """VF 0's queue pair 1 gets a TX ring whose base is the PF's queue 0
        registers; the doorbell makes the device read descriptors there."""
        c = self.c
        ring = self.tx_reg_addr("Q_TX_BASE_LO", None)  # PF BAR0 + 0x1000
        pf_before = self.pf_registers()
        c.qwr(1, R["Q_TX_BASE_LO"], ring & 0xFFFFFFFF, vf=0)
        c.qwr(1, R["Q_TX_BASE_HI"], ring >> 32, vf=0)
        c.qwr(1, R["Q_TX_LEN"], 8, vf=0)
        c.qwr(1, R["Q_TX_CTRL"], R["QCTRL_ENABLE"], vf=0)
        self.assertEqual(c.qrd(1, R["Q_TX_CTRL"], vf=0), R["QCTRL_ENABLE"])
        c.qwr(1, R["Q_TX_TAIL"], 1, vf=0)

        self.wire.assert_silent(self)
        self.assertEqual(c.qrd(1, R["Q_TX_CTRL"], vf=0) & R["QCTRL_ENABLE"], 0, "queue stopped")
        self.assertEqual(c.qrd(1, R["Q_TX_HEAD"], vf=0), 0)
        self.assert_refused_on(0)
        self.assert_stats({"TX_PACKETS": 0, "DESC_ERRORS": 0}, vf=0)
        self.assertEqual(self.pf_registers(), pf_before, "the PF's registers")
        self.assert_untouched(None)
        self.assert_untouched(1)
        self.assert_card_works()

    def test_rx_ring_in_the_pfs_registers_stops_the_queue(self):
        """VF 1's RX ring is moved into the PF's queue 1 registers; a frame VF 0
        sends VF 1 makes the device read the RX descriptor there."""
        c = self.c
        ring = self.tx_reg_addr("Q_TX_BASE_LO", None, q=1)  # PF BAR0 + 0x1100
        pf_before = self.pf_registers()
        c.qwr(0, R["Q_RX_CTRL"], 0, vf=1)
        c.qwr(0, R["Q_RX_BASE_LO"], ring & 0xFFFFFFFF, vf=1)
        c.qwr(0, R["Q_RX_BASE_HI"], ring >> 32, vf=1)
        c.qwr(0, R["Q_RX_CTRL"], R["QCTRL_ENABLE"], vf=1)
        c.qwr(0, R["Q_RX_TAIL"], 1, vf=1)
        frame = udp_frame(VF_MACS[1], VF_MACS[0], VF_IPS[0], VF_IPS[1], pattern(70, seed=13))
        self.vf0.send(frame)

        self.assertEqual(c.qrd(0, R["Q_RX_CTRL"], vf=1) & R["QCTRL_ENABLE"], 0, "queue stopped")
        self.assertEqual(c.qrd(0, R["Q_RX_HEAD"], vf=1), 0)
        self.assert_refused_on(1)
        self.assert_stats({"RX_PACKETS": 0}, vf=1)
        self.assertEqual(self.pf_registers(), pf_before, "the PF's registers")
        self.assert_untouched(0)
        self.wire.assert_silent(self)
        # VF 1's driver puts its ring back; everything flows again.
        c.qwr(0, R["Q_RX_CTRL"], 0, vf=1)
        c.qwr(0, R["Q_RX_BASE_LO"], self.vf1.rx_ring & 0xFFFFFFFF, vf=1)
        c.qwr(0, R["Q_RX_BASE_HI"], self.vf1.rx_ring >> 32, vf=1)
        c.qwr(0, R["Q_RX_CTRL"], R["QCTRL_ENABLE"], vf=1)
        self.vf1.rx_tail = self.vf1.rx_next = 0
        for _ in range(self.vf1.ring_len - 1):
            self.vf1._post_rx_buffer()
        self.vf1.wr("Q_RX_TAIL", self.vf1.rx_tail)
        self.assert_card_works()

    def test_tx_buffer_in_a_vfs_registers_costs_only_the_frame(self):
        """The PF's driver posts a frame whose buffer is VF 0's registers."""
        vf0_before = self.vf_registers(0)
        idx = self.pf.post_tx(self.c.reg_base(0), 64, R["TXD_EOP"])
        frame = udp_frame(PEER_MAC, PF_MAC, PF_IP, PEER_IP, pattern(64, seed=14))
        [good] = self.pf.send(frame)
        self.assertEqual(self.wire.recv().hex(), frame.hex(), "only the good frame leaves")
        self.wire.assert_silent(self)
        self.assertEqual(self.pf.tx_flags(idx), R["TXD_DONE"] | R["TXD_ERR"])
        self.assertEqual(self.pf.tx_flags(good), R["TXD_DONE"])
        self.assertEqual(self.pf.rd("Q_TX_HEAD"), 2)
        self.assert_refused_on(None)
        self.assert_stats({"TX_PACKETS": 1, "DESC_ERRORS": 0})
        self.assertEqual(self.vf_registers(0), vf0_before, "VF 0's registers")
        self.assert_card_works()

    def test_tx_buffer_in_its_own_registers_costs_only_the_frame(self):
        """VF 0 transmits from a buffer in its own BAR0. QEMU's re-entrancy
        guard already blocks this one (same device, in its doorbell write);
        it is still a DMA into the card's registers and counts as one."""
        vf0_before = self.vf_registers(0)
        idx = self.vf0.post_tx(self.c.reg_base(0), 64, R["TXD_EOP"])
        self.vf0.kick_tx()
        self.wire.assert_silent(self)
        self.assertEqual(self.vf0.tx_flags(idx), R["TXD_DONE"] | R["TXD_ERR"])
        self.assertEqual(self.vf0.rd("Q_TX_HEAD"), 1)
        self.assert_refused_on(0)
        after = self.vf_registers(0)
        for name in ("REG_ERR_CAUSE", "REG_ERR_COUNT", "0:Q_TX_HEAD", "0:Q_TX_TAIL", "0:Q_IRQ",
                     "REG_INT_CAUSE", "REG_STATUS",
                     f"STAT{R['STAT_DMA_ERRORS']}", f"STAT{R['STAT_DMA_SELF']}"):
            del vf0_before[name], after[name]
        self.assertEqual(after, vf0_before, "VF 0's other registers")
        self.assert_card_works()

    # register snapshots that read only registers with no side effects
    QUEUE_REGS = ("Q_TX_BASE_LO", "Q_TX_BASE_HI", "Q_TX_LEN", "Q_TX_HEAD", "Q_TX_TAIL",
                  "Q_TX_CTRL", "Q_RX_BASE_LO", "Q_RX_BASE_HI", "Q_RX_LEN", "Q_RX_HEAD",
                  "Q_RX_TAIL", "Q_RX_CTRL", "Q_RX_BUF_LEN", "Q_IRQ", "Q_RX_NOBUF", "Q_ITR")
    COMMON_REGS = ("REG_CTRL", "REG_STATUS", "REG_SCRATCH", "REG_INT_CAUSE", "REG_ERR_CAUSE",
                   "REG_ERR_COUNT", "REG_ERR_ADDR", "REG_MAC_LO", "REG_MAC_HI", "REG_MTU")

    def function_registers(self, vf, qpairs):
        regs = {name: self.c.rd(R[name], vf) for name in self.COMMON_REGS}
        for q in range(qpairs):
            regs.update({f"{q}:{name}": self.c.qrd(q, R[name], vf) for name in self.QUEUE_REGS})
        regs.update({f"STAT{i}": self.c.stat(i, vf) for i in range(R["NUM_STATS"])})
        return regs

    def pf_registers(self):
        return self.function_registers(None, 4)

    def vf_registers(self, vf):
        return self.function_registers(vf, 2)


if __name__ == "__main__":
    unittest.main()
