/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sriovnic hardware interface: PCI identity, BAR layout and register map.
 *
 * Shared verbatim by the device model (C and C++) and the Linux guest drivers,
 * so it uses only fixed-width integer types and macros. The prose
 * specification is docs/hardware-interface.md; the two must agree.
 */
#ifndef SRIOVNIC_REGS_H
#define SRIOVNIC_REGS_H

/* ---- PCI identity (defaults; the device lets users present others) ---- */

#define SRIOVNIC_PCI_VENDOR_ID       0x5352u /* absent from pci.ids */
#define SRIOVNIC_PCI_DEVICE_ID_PF    0x0001u
#define SRIOVNIC_PCI_DEVICE_ID_VF    0x0002u
#define SRIOVNIC_PCI_REVISION        0x01u

/* ---- BARs (PF and VF alike) ---- */

#define SRIOVNIC_BAR_REGS            0  /* 64-bit memory BAR, registers */
#define SRIOVNIC_BAR_MSIX            2  /* 64-bit memory BAR, MSI-X table + PBA */

#define SRIOVNIC_PF_REGS_SIZE        0x10000u /* 64 KiB */
#define SRIOVNIC_VF_REGS_SIZE        0x4000u  /* 16 KiB */
#define SRIOVNIC_MSIX_BAR_SIZE       0x4000u  /* 16 KiB: table at 0, PBA at 0x2000 */
#define SRIOVNIC_MSIX_TABLE_OFFSET   0x0000u
#define SRIOVNIC_MSIX_PBA_OFFSET     0x2000u

/* SR-IOV routing: VF n (0-based) is at PF routing ID + OFFSET + n * STRIDE. */
#define SRIOVNIC_VF_OFFSET           1u
#define SRIOVNIC_VF_STRIDE           1u
#define SRIOVNIC_MAX_VFS             256u /* the register model's limit */

#define SRIOVNIC_MAX_QUEUE_PAIRS     16u
/* MSI-X vector 0 is the misc vector; queue pair q uses vector 1 + q. */
#define SRIOVNIC_MSIX_VECTORS(qpairs) ((qpairs) + 1u)

/* ---- Register map: 32-bit registers, offsets into the register BAR ---- */

/* Common to PF and VF. */
#define SRIOVNIC_REG_ID              0x0000u /* RO: SRIOVNIC_ID_MAGIC */
#define SRIOVNIC_REG_VERSION         0x0004u /* RO: interface version */
#define SRIOVNIC_REG_CAPS            0x0008u /* RO: SRIOVNIC_CAPS_* */
#define SRIOVNIC_REG_FUNC            0x000Cu /* RO: SRIOVNIC_FUNC_* */
#define SRIOVNIC_REG_CTRL            0x0010u /* RW: SRIOVNIC_CTRL_* */
#define SRIOVNIC_REG_STATUS          0x0014u /* RO: SRIOVNIC_STATUS_* */
#define SRIOVNIC_REG_SCRATCH         0x0018u /* RW: no effect, for probing */
#define SRIOVNIC_REG_INT_CAUSE       0x0020u /* RW1C: SRIOVNIC_INT_* */
#define SRIOVNIC_REG_INT_ENABLE_SET  0x0024u /* W1S; reads the enable mask */
#define SRIOVNIC_REG_INT_ENABLE_CLR  0x0028u /* W1C; reads the enable mask */
#define SRIOVNIC_REG_INT_CAUSE_SET   0x002Cu /* WO: raise causes (software) */
#define SRIOVNIC_REG_MISC_VECTOR     0x0030u /* RW: SRIOVNIC_VECTOR_* */
#define SRIOVNIC_REG_ERR_CAUSE       0x0040u /* RW1C: SRIOVNIC_ERR_* */
#define SRIOVNIC_REG_ERR_COUNT       0x0044u /* RO: saturating error count */
#define SRIOVNIC_REG_ERR_ADDR        0x0048u /* RO: offset of the last bad access */
#define SRIOVNIC_REG_MAC_LO          0x0050u /* RW: MAC bytes 0..3, byte 0 in bits 7:0 */
#define SRIOVNIC_REG_MAC_HI          0x0054u /* RW: MAC bytes 4..5 in bits 15:0; a write commits LO+HI */
#define SRIOVNIC_REG_MTU             0x0060u /* RW: 68..9000, default 1500 */
#define SRIOVNIC_REG_RX_MODE         0x0064u /* RW: SRIOVNIC_RX_MODE_* */
/* Multicast hash filter: RW on the PF; RO on a VF, whose PF sets it (PF_VF_MC_HASH_*). */
#define SRIOVNIC_REG_MC_HASH_LO      0x0068u /* bits 31:0 */
#define SRIOVNIC_REG_MC_HASH_HI      0x006Cu /* bits 63:32 */

/* Per-function counters: RO, cleared by reset. 64-bit ones are LO then HI. */
#define SRIOVNIC_REG_STAT_BASE       0x0080u
#define SRIOVNIC_STAT_RX_PACKETS     0  /* index; register = STAT_BASE + 8 * index */
#define SRIOVNIC_STAT_RX_BYTES       1
#define SRIOVNIC_STAT_TX_PACKETS     2
#define SRIOVNIC_STAT_TX_BYTES       3
#define SRIOVNIC_STAT_RX_DROP_NOBUF  4  /* no RX buffer posted */
#define SRIOVNIC_STAT_RX_DROP_SIZE   5  /* frame larger than MTU + 18 or the RX buffer */
#define SRIOVNIC_STAT_TX_DROP_SIZE   6  /* frame larger than MTU + 18 (without TSO) */
#define SRIOVNIC_STAT_TX_DROP_LINK   7  /* sent while the link was down */
#define SRIOVNIC_STAT_TX_DROP_SPOOF  8  /* VF: source MAC not its own, or tagged under a port VLAN */
#define SRIOVNIC_STAT_DMA_ERRORS     9  /* descriptor or buffer outside guest memory */
#define SRIOVNIC_STAT_DESC_ERRORS    10 /* malformed descriptor or chain */
#define SRIOVNIC_STAT_RX_DROP_FILTER 11 /* VF: for its MAC but not on its port VLAN */
#define SRIOVNIC_STAT_TX_RATE_WAITS  12 /* VF: times transmit paused for the rate limit */
#define SRIOVNIC_STAT_TX_TSO_SEGS    13 /* segments produced by TSO */
#define SRIOVNIC_STAT_MBX_SENT       14 /* mailbox messages this function sent */
#define SRIOVNIC_STAT_MBX_REFUSED    15 /* mailbox SENDs refused as BUSY */
/* Counters 16 and up live in a second window (interface 1.5). */
#define SRIOVNIC_STAT_DMA_SELF       16 /* DMA that reached the card's own registers: refused,
                                         * also counted in DMA_ERRORS */
#define SRIOVNIC_NUM_STATS           17
#define SRIOVNIC_STATS_IN_BASE       16 /* counters in the STAT_BASE window */
#define SRIOVNIC_REG_STAT_BASE2      0x0200u
#define SRIOVNIC_REG_STAT(index)                                                                 \
    ((index) < SRIOVNIC_STATS_IN_BASE ? SRIOVNIC_REG_STAT_BASE + 8u * (index)                   \
                                      : SRIOVNIC_REG_STAT_BASE2 + 8u * ((index) - SRIOVNIC_STATS_IN_BASE))

/* PF only (a VF reads these as unmapped). */
#define SRIOVNIC_REG_PF_TOTAL_VFS    0x0100u /* RO: TotalVFs of this PF */
#define SRIOVNIC_REG_PF_ACTIVE_VFS   0x0104u /* RO: VFs enabled (0 unless VF Enable) */
/*
 * Receive filters the PF sets for a VF: select the VF, then use the registers
 * below. VLAN filters (VFs without a port VLAN): add or remove a VID. A VF
 * whose filter holds any VID receives tagged frames only for those VIDs
 * (untagged frames always); an empty filter lets every VLAN through.
 */
#define SRIOVNIC_REG_PF_VF_SELECT    0x0130u /* RW: VF index the registers below act on */
#define SRIOVNIC_REG_PF_VLAN_FILTER  0x0134u /* W: VID in 11:0, bit 31 add (1) or remove (0);
                                              * VID 4095 removed: empty the filter.
                                              * R: VIDs in the selected VF's filter */
#define SRIOVNIC_VLAN_FILTER_CLEAR   0xFFFu
#define SRIOVNIC_VLAN_FILTER_ADD     (1u << 31)
#define SRIOVNIC_VLAN_WORDS          128u
/* RW: the selected VF's multicast hash filter (its MC_HASH_LO/HI). */
#define SRIOVNIC_REG_PF_VF_MC_HASH_LO 0x0138u
#define SRIOVNIC_REG_PF_VF_MC_HASH_HI 0x013Cu

/* RO: bitmap of VFs whose mailbox message waits, VF n at bit n % 32 of word n / 32. */
#define SRIOVNIC_REG_PF_MBX_PENDING(k) (0x0110u + 4u * (k))

/* PF only: the PF's side of VF n's mailbox. */
#define SRIOVNIC_REG_PF_MBX_BASE     0x8000u
#define SRIOVNIC_REG_PF_MBX_STRIDE   0x80u
#define SRIOVNIC_REG_PF_MBX_VF_MSG(vf, i)                                                        \
    (SRIOVNIC_REG_PF_MBX_BASE + (vf) * SRIOVNIC_REG_PF_MBX_STRIDE + 4u * (i)) /* RO */
#define SRIOVNIC_REG_PF_MBX_PF_MSG(vf, i)                                                        \
    (SRIOVNIC_REG_PF_MBX_BASE + (vf) * SRIOVNIC_REG_PF_MBX_STRIDE + 0x40u + 4u * (i)) /* RW */

/*
 * Queue pair q lives at QUEUE_BASE + q * QUEUE_STRIDE; offsets in the pair's
 * window are SRIOVNIC_Q_*. Pairs beyond the function's count are unmapped.
 */
#define SRIOVNIC_REG_QUEUE_BASE      0x1000u
#define SRIOVNIC_REG_QUEUE_STRIDE    0x0100u
#define SRIOVNIC_REG_QUEUE(q, reg)   (SRIOVNIC_REG_QUEUE_BASE + (q) * SRIOVNIC_REG_QUEUE_STRIDE + (reg))

#define SRIOVNIC_Q_TX_BASE_LO        0x00u /* RW: ring address, 16-byte aligned */
#define SRIOVNIC_Q_TX_BASE_HI        0x04u
#define SRIOVNIC_Q_TX_LEN            0x08u /* RW: descriptors, power of two 8..4096 */
#define SRIOVNIC_Q_TX_HEAD           0x0Cu /* RO: next descriptor the device reads */
#define SRIOVNIC_Q_TX_TAIL           0x10u /* RW doorbell: one past the last posted */
#define SRIOVNIC_Q_TX_CTRL           0x14u /* RW: SRIOVNIC_QCTRL_* */
#define SRIOVNIC_Q_RX_BASE_LO        0x20u
#define SRIOVNIC_Q_RX_BASE_HI        0x24u
#define SRIOVNIC_Q_RX_LEN            0x28u
#define SRIOVNIC_Q_RX_HEAD           0x2Cu
#define SRIOVNIC_Q_RX_TAIL           0x30u
#define SRIOVNIC_Q_RX_CTRL           0x34u
#define SRIOVNIC_Q_RX_BUF_LEN        0x38u /* RW: bytes per RX buffer, 256..16384 */
#define SRIOVNIC_Q_IRQ               0x40u /* W: SRIOVNIC_QIRQ_UNMASK/MASK; R: MASKED/PENDING */
#define SRIOVNIC_Q_RX_NOBUF          0x44u /* RO: frames dropped for lack of buffers */
#define SRIOVNIC_Q_ITR               0x48u /* RW: least time between the pair's interrupts,
                                            * in microseconds, 0..SRIOVNIC_ITR_MAX_US; 0 = none */

#define SRIOVNIC_QCTRL_ENABLE        (1u << 0)

#define SRIOVNIC_QIRQ_UNMASK         (1u << 0) /* write */
#define SRIOVNIC_QIRQ_MASK           (1u << 1) /* write */
#define SRIOVNIC_QIRQ_MASKED         (1u << 0) /* read */
#define SRIOVNIC_QIRQ_PENDING        (1u << 1) /* read */

#define SRIOVNIC_ITR_MAX_US          10000u

#define SRIOVNIC_RING_MIN            8u
#define SRIOVNIC_RING_MAX            4096u
#define SRIOVNIC_RX_BUF_MIN          256u
#define SRIOVNIC_RX_BUF_MAX          16384u

#define SRIOVNIC_MTU_MIN             68u
#define SRIOVNIC_MTU_MAX             9000u
#define SRIOVNIC_MTU_DEFAULT         1500u
/* Largest frame a function sends or accepts: MTU + Ethernet header + one VLAN tag. */
#define SRIOVNIC_FRAME_OVERHEAD      18u

/*
 * VF only: the VF's side of its mailbox to the PF (messages: mailbox.h).
 * One message each way; a VF message stays BUSY until the PF takes it.
 */
#define SRIOVNIC_REG_MBX_BASE        0x0800u
#define SRIOVNIC_MBX_WORDS           16u
#define SRIOVNIC_REG_MBX_VF_MSG(i)   (SRIOVNIC_REG_MBX_BASE + 4u * (i)) /* RW: to the PF */
#define SRIOVNIC_REG_MBX_CTRL        0x0840u /* WO: SRIOVNIC_MBX_CTRL_* */
#define SRIOVNIC_REG_MBX_STATUS      0x0844u /* RO: SRIOVNIC_MBX_STATUS_* */
#define SRIOVNIC_REG_MBX_PF_MSG(i)   (0x0880u + 4u * (i)) /* RO: from the PF */
/*
 * RO, interface 1.6: the messages of this VF's mailbox that the device found
 * wrong (sriovnic_mbx_msg_check, mailbox.h). The device still carries them;
 * 32-bit, saturating, cleared by the VF's reset.
 */
#define SRIOVNIC_REG_MBX_BAD_REQUESTS 0x0848u /* malformed requests this VF sent */
#define SRIOVNIC_REG_MBX_BAD_REPLIES  0x084Cu /* malformed replies or notices the PF sent it */
#define SRIOVNIC_REG_MBX_LATE_REPLIES 0x0850u /* replies to a request that no longer waited */
#define SRIOVNIC_REG_MBX_DUP_REPLIES  0x0854u /* second replies to a request already answered */

#define SRIOVNIC_MBX_CTRL_SEND       (1u << 0) /* hand the message buffer to the other side */
#define SRIOVNIC_MBX_CTRL_ACK        (1u << 1) /* done with the other side's message */
#define SRIOVNIC_MBX_STATUS_MSG      (1u << 0) /* a message from the other side waits */
#define SRIOVNIC_MBX_STATUS_BUSY     (1u << 1) /* our message has not been taken yet */

/*
 * PF only: administration of VF n at ADMIN_BASE + n * ADMIN_STRIDE. These are
 * the host's (the PF driver's) settings for the VF's switch port; they
 * survive VF resets and VF Enable cycles and are cleared by a PF reset.
 */
#define SRIOVNIC_REG_ADMIN_BASE      0x4000u
#define SRIOVNIC_REG_ADMIN_STRIDE    0x40u
#define SRIOVNIC_REG_ADMIN(vf, reg)  (SRIOVNIC_REG_ADMIN_BASE + (vf) * SRIOVNIC_REG_ADMIN_STRIDE + (reg))

#define SRIOVNIC_VFA_MAC_LO          0x00u /* RW: administrative MAC, staged */
#define SRIOVNIC_VFA_MAC_HI          0x04u /* RW: commits; 00:00:00:00:00:00 = none */
#define SRIOVNIC_VFA_VLAN            0x08u /* RW: port VLAN: VID 11:0, PCP 14:12; 0 = none */
#define SRIOVNIC_VFA_FLAGS           0x0Cu /* RW: SRIOVNIC_VFA_FLAG_* and link state */
#define SRIOVNIC_VFA_RATE            0x10u /* RW: max TX rate in Mbit/s, 0 = unlimited */
#define SRIOVNIC_VFA_MBX_CTRL        0x14u /* W: MBX_CTRL_SEND/ACK for this VF; R: MBX_STATUS */
#define SRIOVNIC_VFA_TX_DROPPED      0x18u /* RO: spoofed + link down + oversized (low 32 bits) */
#define SRIOVNIC_VFA_RX_DROPPED      0x1Cu /* RO: no buffer + VLAN filter drops (low 32 bits) */
#define SRIOVNIC_VFA_RX_PACKETS      0x20u /* RO 64-bit: the VF's counters, LO then HI */
#define SRIOVNIC_VFA_RX_BYTES        0x28u
#define SRIOVNIC_VFA_TX_PACKETS      0x30u
#define SRIOVNIC_VFA_TX_BYTES        0x38u

#define SRIOVNIC_VFA_FLAG_SPOOFCHK   (1u << 0) /* drop VF frames with another source MAC */
#define SRIOVNIC_VFA_FLAG_TRUST      (1u << 1) /* VF may set its MAC, promiscuous, allmulti */
#define SRIOVNIC_VFA_LINK_SHIFT      2
#define SRIOVNIC_VFA_LINK_MASK       (3u << SRIOVNIC_VFA_LINK_SHIFT)
#define SRIOVNIC_VFA_LINK_AUTO       0u /* follows the uplink */
#define SRIOVNIC_VFA_LINK_ENABLE     1u
#define SRIOVNIC_VFA_LINK_DISABLE    2u
#define SRIOVNIC_VFA_MAX_MTU_SHIFT   16 /* largest MTU the VF may set; 0: no limit */
#define SRIOVNIC_VFA_MAX_MTU_MASK    (0x3FFFu << SRIOVNIC_VFA_MAX_MTU_SHIFT)
#define SRIOVNIC_VFA_FLAGS_RW_MASK   (0xFu | SRIOVNIC_VFA_MAX_MTU_MASK)
#define SRIOVNIC_VFA_FLAGS_DEFAULT   SRIOVNIC_VFA_FLAG_SPOOFCHK
#define SRIOVNIC_VFA_VLAN_RW_MASK    0x7FFFu
#define SRIOVNIC_RATE_MAX_MBPS       100000u

/* ---- Field values ---- */

#define SRIOVNIC_ID_MAGIC            0x534E5643u /* ASCII "SNVC", high byte first */

#define SRIOVNIC_VERSION_MAJOR       1u
#define SRIOVNIC_VERSION_MINOR       6u
#define SRIOVNIC_VERSION_VALUE  ((SRIOVNIC_VERSION_MAJOR << 16) | SRIOVNIC_VERSION_MINOR)

#define SRIOVNIC_CAPS_IS_VF          (1u << 0)
#define SRIOVNIC_CAPS_SRIOV          (1u << 1) /* PF with an SR-IOV capability */
#define SRIOVNIC_CAPS_QPAIRS_SHIFT   8
#define SRIOVNIC_CAPS_QPAIRS_MASK    (0xFFu << SRIOVNIC_CAPS_QPAIRS_SHIFT)

#define SRIOVNIC_FUNC_INDEX_MASK     0x1FFu /* 0 = PF, n + 1 = VF n */
/* Bit 31 is reserved: set only on the synthetic function (synth.h, SRIOVNIC_SYNTH_FUNC_VALUE). */

#define SRIOVNIC_CTRL_RESET          (1u << 0) /* self-clearing function reset */
#define SRIOVNIC_CTRL_ENABLE         (1u << 1) /* driver has taken the function */
#define SRIOVNIC_CTRL_RW_MASK        SRIOVNIC_CTRL_ENABLE

#define SRIOVNIC_STATUS_RESET_DONE   (1u << 0) /* set by every reset; cleared by CTRL.ENABLE */
#define SRIOVNIC_STATUS_ENABLED      (1u << 1) /* mirrors CTRL.ENABLE */
#define SRIOVNIC_STATUS_ERROR        (1u << 2) /* ERR_CAUSE != 0 */
#define SRIOVNIC_STATUS_LINK_UP      (1u << 3) /* the function's port can pass traffic */

#define SRIOVNIC_INT_SOFTWARE        (1u << 0) /* raised through INT_CAUSE_SET */
#define SRIOVNIC_INT_ERROR           (1u << 1) /* a bit was set in ERR_CAUSE */
#define SRIOVNIC_INT_RESET_DONE      (1u << 2) /* a software reset completed */
#define SRIOVNIC_INT_LINK            (1u << 3) /* STATUS.LINK_UP changed */
#define SRIOVNIC_INT_CONFIG          (1u << 4) /* VF: the PF changed its MAC, VLAN or link state */
#define SRIOVNIC_INT_MBX             (1u << 5) /* mailbox: a message arrived or ours was taken */
#define SRIOVNIC_INT_ALL             0x3Fu
/* Causes 16-17 are reserved for the synthetic function (synth.h: SRIOVNIC_SYNTH_INT_CTRL/EVENT);
 * PF and VF never raise them. */

#define SRIOVNIC_RX_MODE_PROMISC     (1u << 0)
#define SRIOVNIC_RX_MODE_ALLMULTI    (1u << 1)
#define SRIOVNIC_RX_MODE_RW_MASK     0x3u

#define SRIOVNIC_VECTOR_INDEX_MASK   0x7FFu
#define SRIOVNIC_VECTOR_VALID        (1u << 31)
#define SRIOVNIC_VECTOR_RW_MASK      (SRIOVNIC_VECTOR_VALID | SRIOVNIC_VECTOR_INDEX_MASK)

#define SRIOVNIC_ERR_BAD_ACCESS      (1u << 0) /* not an aligned 32-bit access */
#define SRIOVNIC_ERR_UNMAPPED        (1u << 1) /* no register at that offset */
#define SRIOVNIC_ERR_RO_WRITE        (1u << 2) /* write to a read-only register */
#define SRIOVNIC_ERR_BAD_VECTOR      (1u << 3) /* MISC_VECTOR beyond the MSI-X table */
#define SRIOVNIC_ERR_BAD_NUMVFS      (1u << 4) /* PF: VF Enable with NumVFs > TotalVFs */
#define SRIOVNIC_ERR_BAD_QUEUE       (1u << 5) /* queue enabled with a bad base/length/buffer size */
#define SRIOVNIC_ERR_DMA             (1u << 6) /* ring or buffer outside guest memory */
#define SRIOVNIC_ERR_BAD_DESC        (1u << 7) /* malformed descriptor or chain */
#define SRIOVNIC_ERR_BAD_VALUE       (1u << 8) /* register write out of range (MTU, MAC) */
#define SRIOVNIC_ERR_DENIED          (1u << 9) /* VF: refused by the PF's policy (MAC, trust) */
#define SRIOVNIC_ERR_MBX_BUSY        (1u << 10) /* mailbox SEND while the last message waits */
#define SRIOVNIC_ERR_ALL             0x7FFu
/* Error bits 16-18 are reserved for the synthetic function (synth.h: SRIOVNIC_SYNTH_ERR_FEATURES,
 * BAD_MSG, BAD_NET_HDR); PF and VF never latch them. */

#endif /* SRIOVNIC_REGS_H */
