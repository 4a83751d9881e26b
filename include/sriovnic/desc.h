/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sriovnic descriptor formats. Little-endian, 16 bytes each; shared by the
 * device model and the guest drivers. See docs/hardware-interface.md.
 */
#ifndef SRIOVNIC_DESC_H
#define SRIOVNIC_DESC_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stdint.h>
#endif

/*
 * Transmit descriptor. A frame is one or more descriptors, the last with
 * EOP. When the device is done with a frame it overwrites `flags` of each of
 * its descriptors with DONE, plus ERR if the frame was dropped (malformed,
 * DMA error, oversized), and then advances TX_HEAD past them.
 */
struct sriovnic_tx_desc {
    uint64_t addr;        /* buffer address (guest physical / IOVA) */
    uint16_t len;         /* bytes in this buffer, 1..16384 */
    uint16_t flags;       /* SRIOVNIC_TXD_* */
    uint8_t csum_start;   /* CSUM/TSO: offset of the L4 header in the frame */
    uint8_t csum_offset;  /* CSUM: checksum field offset from csum_start */
    uint16_t mss;         /* TSO: TCP payload bytes per segment */
};

#define SRIOVNIC_TXD_EOP      (1u << 0)  /* last descriptor of the frame */
#define SRIOVNIC_TXD_CSUM     (1u << 1)  /* fill in the L4 checksum (Linux CHECKSUM_PARTIAL) */
#define SRIOVNIC_TXD_TSO      (1u << 2)  /* segment TCP (IPv4 or IPv6) into mss-sized frames */
#define SRIOVNIC_TXD_ERR      (1u << 14) /* written by the device: frame dropped */
#define SRIOVNIC_TXD_DONE     (1u << 15) /* written by the device */

#define SRIOVNIC_TX_MAX_DESC_PER_FRAME 32u
#define SRIOVNIC_TSO_MAX_BYTES         65536u /* whole TSO frame, headers included */

/*
 * Receive descriptor. The driver posts `addr` with `flags` = 0; the device
 * fills a buffer of Q_RX_BUF_LEN bytes with one frame and writes back len,
 * flags (DONE, EOP, checksum result) and vlan_tci.
 */
struct sriovnic_rx_desc {
    uint64_t addr;
    uint16_t len;         /* written by the device: frame length */
    uint16_t flags;       /* SRIOVNIC_RXD_* */
    uint16_t vlan_tci;    /* written by the device when VLAN is set */
    uint16_t reserved;
};

#define SRIOVNIC_RXD_EOP         (1u << 0)
#define SRIOVNIC_RXD_L4_CSUM_OK  (1u << 1) /* TCP/UDP checksum verified good */
#define SRIOVNIC_RXD_L4_CSUM_BAD (1u << 2) /* TCP/UDP checksum verified bad */
#define SRIOVNIC_RXD_VLAN        (1u << 3) /* a port VLAN tag was stripped into vlan_tci */
#define SRIOVNIC_RXD_ERR         (1u << 14) /* buffer unusable (DMA error): no frame in it */
#define SRIOVNIC_RXD_DONE        (1u << 15)

#define SRIOVNIC_DESC_SIZE 16u

#endif /* SRIOVNIC_DESC_H */
