/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sriovnic descriptor formats. Little-endian, 16 bytes each; shared by the
 * device model and the guest drivers. See docs/hardware-interface.md.
 */
#ifndef SRIOVNIC_DESC_H
#define SRIOVNIC_DESC_H

#ifdef __KERNEL__
#include <linux/stddef.h>
#include <linux/types.h>
typedef __le16 sriovnic_le16;
typedef __le32 sriovnic_le32;
typedef __le64 sriovnic_le64;
#else
#include <stddef.h>
#include <stdint.h>
/*
 * Little-endian in guest memory whatever the host's byte order: the device
 * model never reads these fields directly, only through its byte-order codec
 * (hw/net/sriovnic/core/wire.hpp), and uses the structs for size and offsets.
 */
typedef uint16_t sriovnic_le16;
typedef uint32_t sriovnic_le32;
typedef uint64_t sriovnic_le64;
#endif

#ifdef __cplusplus
#define SRIOVNIC_STATIC_ASSERT(cond, msg) static_assert(cond, msg)
#else
#define SRIOVNIC_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
#endif

/*
 * Transmit descriptor. A frame is one or more descriptors, the last with
 * EOP. When the device is done with a frame it overwrites `flags` of each of
 * its descriptors with DONE, plus ERR if the frame was dropped (malformed,
 * DMA error, oversized), and then advances TX_HEAD past them.
 */
struct sriovnic_tx_desc {
    sriovnic_le64 addr;   /* buffer address (guest physical / IOVA) */
    sriovnic_le16 len;    /* bytes in this buffer, 1..SRIOVNIC_TX_BUF_MAX */
    sriovnic_le16 flags;  /* SRIOVNIC_TXD_* */
    uint8_t csum_start;   /* CSUM/TSO: offset of the L4 header in the frame */
    uint8_t csum_offset;  /* CSUM: checksum field offset from csum_start */
    sriovnic_le16 mss;    /* TSO: TCP payload bytes per segment */
};

#define SRIOVNIC_TXD_EOP      (1u << 0)  /* last descriptor of the frame */
#define SRIOVNIC_TXD_CSUM     (1u << 1)  /* fill in the L4 checksum (Linux CHECKSUM_PARTIAL) */
#define SRIOVNIC_TXD_TSO      (1u << 2)  /* segment TCP (IPv4 or IPv6) into mss-sized frames */
#define SRIOVNIC_TXD_ERR      (1u << 14) /* written by the device: frame dropped */
#define SRIOVNIC_TXD_DONE     (1u << 15) /* written by the device */

#define SRIOVNIC_TX_BUF_MAX            16384u /* bytes one TX descriptor may point at */
#define SRIOVNIC_TX_MAX_DESC_PER_FRAME 32u
#define SRIOVNIC_TSO_MAX_BYTES         65536u /* whole TSO frame, headers included */

/*
 * Receive descriptor. The driver posts `addr` with `flags` = 0; the device
 * fills a buffer of Q_RX_BUF_LEN bytes with one frame and writes back len,
 * flags (DONE, EOP, checksum result) and vlan_tci.
 */
struct sriovnic_rx_desc {
    sriovnic_le64 addr;
    sriovnic_le16 len;      /* written by the device: frame length */
    sriovnic_le16 flags;    /* SRIOVNIC_RXD_* */
    sriovnic_le16 vlan_tci; /* written by the device: the stripped tag when VLAN is set, else 0 */
    sriovnic_le16 reserved; /* written 0 by the device */
};

#define SRIOVNIC_RXD_EOP         (1u << 0)
#define SRIOVNIC_RXD_L4_CSUM_OK  (1u << 1) /* TCP/UDP checksum verified good */
#define SRIOVNIC_RXD_L4_CSUM_BAD (1u << 2) /* TCP/UDP checksum verified bad */
#define SRIOVNIC_RXD_VLAN        (1u << 3) /* a port VLAN tag was stripped into vlan_tci */
#define SRIOVNIC_RXD_ERR         (1u << 14) /* buffer unusable (DMA error): no frame in it */
#define SRIOVNIC_RXD_DONE        (1u << 15)

#define SRIOVNIC_DESC_SIZE 16u

SRIOVNIC_STATIC_ASSERT(sizeof(struct sriovnic_tx_desc) == SRIOVNIC_DESC_SIZE, "tx_desc size");
SRIOVNIC_STATIC_ASSERT(offsetof(struct sriovnic_tx_desc, addr) == 0, "tx_desc.addr");
SRIOVNIC_STATIC_ASSERT(offsetof(struct sriovnic_tx_desc, len) == 8, "tx_desc.len");
SRIOVNIC_STATIC_ASSERT(offsetof(struct sriovnic_tx_desc, flags) == 10, "tx_desc.flags");
SRIOVNIC_STATIC_ASSERT(offsetof(struct sriovnic_tx_desc, csum_start) == 12, "tx_desc.csum_start");
SRIOVNIC_STATIC_ASSERT(offsetof(struct sriovnic_tx_desc, csum_offset) == 13, "tx_desc.csum_offset");
SRIOVNIC_STATIC_ASSERT(offsetof(struct sriovnic_tx_desc, mss) == 14, "tx_desc.mss");
SRIOVNIC_STATIC_ASSERT(sizeof(struct sriovnic_rx_desc) == SRIOVNIC_DESC_SIZE, "rx_desc size");
SRIOVNIC_STATIC_ASSERT(offsetof(struct sriovnic_rx_desc, addr) == 0, "rx_desc.addr");
SRIOVNIC_STATIC_ASSERT(offsetof(struct sriovnic_rx_desc, len) == 8, "rx_desc.len");
SRIOVNIC_STATIC_ASSERT(offsetof(struct sriovnic_rx_desc, flags) == 10, "rx_desc.flags");
SRIOVNIC_STATIC_ASSERT(offsetof(struct sriovnic_rx_desc, vlan_tci) == 12, "rx_desc.vlan_tci");
SRIOVNIC_STATIC_ASSERT(offsetof(struct sriovnic_rx_desc, reserved) == 14, "rx_desc.reserved");

#endif /* SRIOVNIC_DESC_H */
