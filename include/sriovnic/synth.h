/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sriovnic synthetic channel (-device sriovnic-synth): PCI identity,
 * registers, feature bits, split rings, the per-packet net header, control
 * and event messages, and the shared message validator.
 *
 * Shared verbatim by the device model (C and C++) and the Linux synth driver.
 * The prose specification is docs/synthetic-channel.md; the two must agree.
 *
 * Everything in guest memory is little-endian. Opcodes, bit positions, enum
 * values and struct layouts are frozen: the interface grows by new feature
 * bits and new message types, never by changing what exists.
 */
#ifndef SRIOVNIC_SYNTH_H
#define SRIOVNIC_SYNTH_H

#include "sriovnic/regs.h"
#include "sriovnic/desc.h" /* sriovnic_le*, SRIOVNIC_STATIC_ASSERT, offsetof */

/* ---- PCI identity and BARs ---- */

#define SRIOVNIC_PCI_DEVICE_ID_SYNTH     0x0003u /* vendor SRIOVNIC_PCI_VENDOR_ID, class 0x020000 */

#define SRIOVNIC_SYNTH_REGS_SIZE         0x4000u /* BAR0 (SRIOVNIC_BAR_REGS), 16 KiB */
/* BAR2 (SRIOVNIC_BAR_MSIX) as on PF/VF: SRIOVNIC_MSIX_BAR_SIZE, table at 0, PBA at 0x2000. */
#define SRIOVNIC_SYNTH_MSIX_VECTORS      2u      /* = SRIOVNIC_MSIX_VECTORS(1) */
#define SRIOVNIC_SYNTH_VEC_MISC          0u      /* advisory: MISC_VECTOR picks it (errors, CTRL, EVENT) */
#define SRIOVNIC_SYNTH_VEC_DATA          1u      /* fixed: RX and TX completions */

/*
 * ---- Common registers (regs.h offsets, same meaning unless said here) ----
 * Present: ID, VERSION, CAPS, FUNC, CTRL, STATUS, SCRATCH, INT_CAUSE,
 * INT_ENABLE_SET/CLR, INT_CAUSE_SET, MISC_VECTOR, ERR_CAUSE, ERR_COUNT,
 * ERR_ADDR, MAC_LO/HI (read-only here), MTU, RX_MODE, MC_HASH_LO/HI, the
 * STAT_BASE window (0x080-0x0FF) and STAT_BASE2 window (0x200-0x207).
 * Everything else of regs.h (PF-only, VF mailbox, queue-pair windows, admin)
 * is unmapped on the synthetic function.
 *
 * CAPS reads 1 queue pair, IS_VF and SRIOV clear. FUNC reads
 * SRIOVNIC_SYNTH_FUNC_VALUE. STATUS.LINK_UP is the synthetic port's link;
 * the synthetic function never raises SRIOVNIC_INT_LINK/CONFIG/MBX: link
 * changes arrive as EV_LINK messages. MAC_LO/HI are the host's (RO). MTU
 * accepts 68..1500, or 68..MAX_MTU with F_MTU; the device lowers it when
 * MAX_MTU falls below it. RX_MODE and MC_HASH filter the synthetic path.
 */
#define SRIOVNIC_SYNTH_FUNC_VALUE        0x80000000u /* bit 31: synthetic function */

#define SRIOVNIC_SYNTH_INT_CTRL          (1u << 16) /* a CTRL completion was written */
#define SRIOVNIC_SYNTH_INT_EVENT         (1u << 17) /* an EVENT message was written */
#define SRIOVNIC_SYNTH_INT_ALL                                                                   \
    (SRIOVNIC_INT_SOFTWARE | SRIOVNIC_INT_ERROR | SRIOVNIC_INT_RESET_DONE |                      \
     SRIOVNIC_SYNTH_INT_CTRL | SRIOVNIC_SYNTH_INT_EVENT)

/* Common ERR_* bits used: BAD_ACCESS, UNMAPPED, RO_WRITE, BAD_VECTOR, BAD_QUEUE,
 * DMA, BAD_DESC, BAD_VALUE. Synthetic-only: */
#define SRIOVNIC_SYNTH_ERR_FEATURES      (1u << 16) /* FEATURES_OK refused, or features written after it */
#define SRIOVNIC_SYNTH_ERR_BAD_MSG       (1u << 17) /* a CTRL request failed sriovnic_synth_msg_check */
#define SRIOVNIC_SYNTH_ERR_BAD_NET_HDR   (1u << 18) /* a TX net header failed sriovnic_synth_net_hdr_check */
#define SRIOVNIC_SYNTH_ERR_ALL                                                                   \
    (SRIOVNIC_ERR_BAD_ACCESS | SRIOVNIC_ERR_UNMAPPED | SRIOVNIC_ERR_RO_WRITE |                   \
     SRIOVNIC_ERR_BAD_VECTOR | SRIOVNIC_ERR_BAD_QUEUE | SRIOVNIC_ERR_DMA |                       \
     SRIOVNIC_ERR_BAD_DESC | SRIOVNIC_ERR_BAD_VALUE | SRIOVNIC_SYNTH_ERR_FEATURES |             \
     SRIOVNIC_SYNTH_ERR_BAD_MSG | SRIOVNIC_SYNTH_ERR_BAD_NET_HDR)

/* ---- Synthetic-only registers ---- */

#define SRIOVNIC_SYNTH_REG_DEV_FEATURES  0x0100u /* RO: SRIOVNIC_SYNTH_F_* the device offers */
#define SRIOVNIC_SYNTH_REG_DRV_FEATURES  0x0104u /* RW until FEATURES_OK, then RO */
#define SRIOVNIC_SYNTH_REG_FEATURES_OK   0x0108u /* W: 1 = accept DRV_FEATURES; R: 1 once accepted */
#define SRIOVNIC_SYNTH_REG_MAX_MTU       0x010Cu /* RO: host's MTU limit, 1500..9000 */
#define SRIOVNIC_SYNTH_REG_DATAPATH      0x0110u /* RO: SRIOVNIC_SYNTH_DP_* */
#define SRIOVNIC_SYNTH_REG_OFFLOADS      0x0114u /* RO: offload bits the host recommends now */
#define SRIOVNIC_SYNTH_REG_DATA_IRQ      0x0118u /* as SRIOVNIC_Q_IRQ, for vector 1 (RX + TX); reset: masked */

#define SRIOVNIC_SYNTH_FEATURES_OK_BIT   (1u << 0)

/* DATAPATH register */
#define SRIOVNIC_SYNTH_DP_STATE_MASK     0x3u      /* enum sriovnic_synth_dp_state */
#define SRIOVNIC_SYNTH_DP_VF_UP          (1u << 2) /* the offered VF can receive now */
#define SRIOVNIC_SYNTH_DP_RX_VIA_VF      (1u << 3) /* steering sends the MAC's RX to the VF now */
#define SRIOVNIC_SYNTH_DP_VF_SHIFT       16        /* VF index, valid unless state is SYNTHETIC */
#define SRIOVNIC_SYNTH_DP_VF_MASK        (0xFFu << SRIOVNIC_SYNTH_DP_VF_SHIFT)

enum sriovnic_synth_dp_state {
    SRIOVNIC_SYNTH_DP_SYNTHETIC = 0, /* no VF offered */
    SRIOVNIC_SYNTH_DP_OFFERED   = 1, /* VF offered, guest on the synthetic path */
    SRIOVNIC_SYNTH_DP_VF        = 2, /* guest switched to the VF */
    SRIOVNIC_SYNTH_DP_REVOKING  = 3, /* REVOKE sent, waiting for SWITCH(SYNTHETIC) or timeout */
};

/* Synthetic counters: 64-bit, LO then HI, RO, cleared by reset. */
#define SRIOVNIC_SYNTH_REG_STAT_BASE     0x0300u
#define SRIOVNIC_SYNTH_REG_STAT(i)       (SRIOVNIC_SYNTH_REG_STAT_BASE + 8u * (i))
#define SRIOVNIC_SYNTH_STAT_CTRL_REQUESTS    0 /* CTRL requests completed (any status) */
#define SRIOVNIC_SYNTH_STAT_CTRL_BAD         1 /* ... of which BAD_REQUEST or UNSUPPORTED */
#define SRIOVNIC_SYNTH_STAT_EVENTS_SENT      2 /* EVENT messages written */
#define SRIOVNIC_SYNTH_STAT_EVENTS_REPLACED  3 /* pending events superseded before delivery */
#define SRIOVNIC_SYNTH_STAT_SWITCH_TO_VF     4 /* SWITCH that changed the path to the VF */
#define SRIOVNIC_SYNTH_STAT_SWITCH_TO_SYNTH  5 /* SWITCH that changed the path to synthetic */
#define SRIOVNIC_SYNTH_STAT_REVOKES          6 /* revokes started (requests and surprises) */
#define SRIOVNIC_SYNTH_STAT_REVOKE_TIMEOUTS  7 /* request revokes that ran out of time */
#define SRIOVNIC_SYNTH_STAT_TX_BAD_HDR       8 /* TX frames dropped for a bad net header */
#define SRIOVNIC_SYNTH_NUM_STATS             9
/* Common STAT(i) on the synthetic function: RX/TX_PACKETS/BYTES, RX_DROP_NOBUF,
 * RX_DROP_SIZE, TX_DROP_SIZE, TX_DROP_LINK, DMA_ERRORS, DESC_ERRORS, TX_TSO_SEGS,
 * DMA_SELF count; TX_DROP_SPOOF, RX_DROP_FILTER, TX_RATE_WAITS, MBX_* read 0. */

/* ---- Feature bits (DEV_FEATURES / DRV_FEATURES) ---- */

#define SRIOVNIC_SYNTH_F_CSUM_TX   (1u << 0) /* device completes NEEDS_CSUM on TX */
#define SRIOVNIC_SYNTH_F_CSUM_RX   (1u << 1) /* device sets CSUM_VALID on RX */
#define SRIOVNIC_SYNTH_F_TSO4      (1u << 2) /* TX GSO_TCPV4; requires CSUM_TX */
#define SRIOVNIC_SYNTH_F_TSO6      (1u << 3) /* TX GSO_TCPV6; requires CSUM_TX */
#define SRIOVNIC_SYNTH_F_MTU       (1u << 4) /* MTU above 1500 up to MAX_MTU; EV_MTU */
#define SRIOVNIC_SYNTH_F_DATAPATH  (1u << 5) /* EV_VF_OFFER/EV_VF_REVOKE, SWITCH_DATA_PATH */
#define SRIOVNIC_SYNTH_F_VF_MAC    (1u << 6) /* offers carry the VF's MAC; requires DATAPATH */
#define SRIOVNIC_SYNTH_F_ALL       0x7Fu
#define SRIOVNIC_SYNTH_F_OFFLOADS                                                                \
    (SRIOVNIC_SYNTH_F_CSUM_TX | SRIOVNIC_SYNTH_F_CSUM_RX | SRIOVNIC_SYNTH_F_TSO4 |               \
     SRIOVNIC_SYNTH_F_TSO6)

/* 1 if the device accepts driver feature set `drv` (FEATURES_OK), 0 if it refuses it. */
static inline int sriovnic_synth_features_ok(uint32_t dev, uint32_t drv)
{
    if (drv & ~dev)
        return 0;
    if ((drv & (SRIOVNIC_SYNTH_F_TSO4 | SRIOVNIC_SYNTH_F_TSO6)) && !(drv & SRIOVNIC_SYNTH_F_CSUM_TX))
        return 0;
    if ((drv & SRIOVNIC_SYNTH_F_VF_MAC) && !(drv & SRIOVNIC_SYNTH_F_DATAPATH))
        return 0;
    return 1;
}

/*
 * ---- Queues ----
 * Split rings: descriptor table, available ring (driver -> device), used ring
 * (device -> driver); free-running 16-bit indices, entry i at i % size. Chain
 * shapes: RX all WRITE; TX all read; CTRL read part, then >= CTRL_RESP_MIN
 * writable bytes; EVENT all WRITE, >= EVENT_BUF_MIN bytes. Every available
 * entry the device takes yields exactly one used element. A chain with more
 * than CHAIN_MAX descriptors, a bad head/len/flags/next, or the wrong shape is
 * used with U_ERR (ERR_BAD_DESC, DESC_ERRORS) and not executed; an RX chain
 * too small for its frame is used with U_ERR (RX_DROP_SIZE). avail.idx more
 * than size ahead of AVAIL_POS disables the queue (ERR_BAD_QUEUE). Each
 * NOTIFY takes at most size entries.
 */

#define SRIOVNIC_SYNTH_Q_RX        0u
#define SRIOVNIC_SYNTH_Q_TX        1u
#define SRIOVNIC_SYNTH_Q_CTRL      2u /* guest -> host requests, completions written back */
#define SRIOVNIC_SYNTH_Q_EVENT     3u /* host -> guest messages in guest-posted buffers */
#define SRIOVNIC_SYNTH_NUM_QUEUES  4u

#define SRIOVNIC_SYNTH_REG_QUEUE_BASE    0x1000u
#define SRIOVNIC_SYNTH_REG_QUEUE_STRIDE  0x0040u
#define SRIOVNIC_SYNTH_REG_QUEUE(q, reg)                                                         \
    (SRIOVNIC_SYNTH_REG_QUEUE_BASE + (q) * SRIOVNIC_SYNTH_REG_QUEUE_STRIDE + (reg))

#define SRIOVNIC_SYNTH_QR_DESC_LO    0x00u /* RW: descriptor table, 16-byte aligned */
#define SRIOVNIC_SYNTH_QR_DESC_HI    0x04u
#define SRIOVNIC_SYNTH_QR_AVAIL_LO   0x08u /* RW: available ring, 16-byte aligned */
#define SRIOVNIC_SYNTH_QR_AVAIL_HI   0x0Cu
#define SRIOVNIC_SYNTH_QR_USED_LO    0x10u /* RW: used ring, 16-byte aligned */
#define SRIOVNIC_SYNTH_QR_USED_HI    0x14u
#define SRIOVNIC_SYNTH_QR_SIZE       0x18u /* RW: entries, power of two, RING_MIN..RING_MAX */
#define SRIOVNIC_SYNTH_QR_ENABLE     0x1Cu /* RW: bit 0 */
#define SRIOVNIC_SYNTH_QR_NOTIFY     0x20u /* WO doorbell, value ignored; reads 0 */
#define SRIOVNIC_SYNTH_QR_AVAIL_POS  0x24u /* RO: next avail index the device takes (16 bits) */
#define SRIOVNIC_SYNTH_QR_USED_POS   0x28u /* RO: the device's used index (16 bits) */

#define SRIOVNIC_SYNTH_QENABLE       (1u << 0)

#define SRIOVNIC_SYNTH_RING_MIN      8u
#define SRIOVNIC_SYNTH_RING_MAX      4096u
#define SRIOVNIC_SYNTH_RING_ALIGN    16u
#define SRIOVNIC_SYNTH_CHAIN_MAX     32u    /* descriptors per chain */
#define SRIOVNIC_SYNTH_DESC_LEN_MAX  65536u /* bytes per descriptor */

struct sriovnic_synth_desc {
    sriovnic_le64 addr;  /* buffer (guest physical / IOVA) */
    sriovnic_le32 len;   /* 1..SRIOVNIC_SYNTH_DESC_LEN_MAX */
    sriovnic_le16 flags; /* SRIOVNIC_SYNTH_D_* */
    sriovnic_le16 next;  /* index of the next descriptor when NEXT is set, < size */
};
#define SRIOVNIC_SYNTH_D_NEXT        (1u << 0) /* the chain goes on at `next` */
#define SRIOVNIC_SYNTH_D_WRITE       (1u << 1) /* the device writes this buffer (else reads it) */
#define SRIOVNIC_SYNTH_D_FLAGS_MASK  0x3u      /* other bits must be 0 */

/* Available ring: this header, then `size` le16 head indices. Written by the driver. */
struct sriovnic_synth_avail_hdr {
    sriovnic_le16 idx;      /* free-running: one past the last entry posted */
    sriovnic_le16 reserved; /* written 0, ignored */
};
/* Used ring: this header, then `size` elements. Written by the device. */
struct sriovnic_synth_used_hdr {
    sriovnic_le16 idx;      /* free-running: one past the last element written */
    sriovnic_le16 reserved; /* written 0 */
};
struct sriovnic_synth_used_elem {
    sriovnic_le16 id;    /* head index of the completed chain */
    sriovnic_le16 flags; /* SRIOVNIC_SYNTH_U_* */
    sriovnic_le32 len;   /* bytes the device wrote into the chain */
};
#define SRIOVNIC_SYNTH_U_ERR         (1u << 0) /* chain malformed or dropped; len is 0 */

#define SRIOVNIC_SYNTH_AVAIL_SIZE(n) (4u + 2u * (n))
#define SRIOVNIC_SYNTH_AVAIL_ENTRY(i) (4u + 2u * (i)) /* byte offset of ring[i] */
#define SRIOVNIC_SYNTH_USED_SIZE(n)  (4u + 8u * (n))
#define SRIOVNIC_SYNTH_USED_ENTRY(i) (4u + 8u * (i))

SRIOVNIC_STATIC_ASSERT(sizeof(struct sriovnic_synth_desc) == 16, "synth_desc size");
SRIOVNIC_STATIC_ASSERT(offsetof(struct sriovnic_synth_desc, addr) == 0, "synth_desc.addr");
SRIOVNIC_STATIC_ASSERT(offsetof(struct sriovnic_synth_desc, len) == 8, "synth_desc.len");
SRIOVNIC_STATIC_ASSERT(offsetof(struct sriovnic_synth_desc, flags) == 12, "synth_desc.flags");
SRIOVNIC_STATIC_ASSERT(offsetof(struct sriovnic_synth_desc, next) == 14, "synth_desc.next");
SRIOVNIC_STATIC_ASSERT(sizeof(struct sriovnic_synth_avail_hdr) == 4, "avail_hdr size");
SRIOVNIC_STATIC_ASSERT(offsetof(struct sriovnic_synth_avail_hdr, idx) == 0, "avail_hdr.idx");
SRIOVNIC_STATIC_ASSERT(offsetof(struct sriovnic_synth_avail_hdr, reserved) == 2, "avail_hdr.reserved");
SRIOVNIC_STATIC_ASSERT(sizeof(struct sriovnic_synth_used_hdr) == 4, "used_hdr size");
SRIOVNIC_STATIC_ASSERT(offsetof(struct sriovnic_synth_used_hdr, idx) == 0, "used_hdr.idx");
SRIOVNIC_STATIC_ASSERT(offsetof(struct sriovnic_synth_used_hdr, reserved) == 2, "used_hdr.reserved");
SRIOVNIC_STATIC_ASSERT(sizeof(struct sriovnic_synth_used_elem) == 8, "used_elem size");
SRIOVNIC_STATIC_ASSERT(offsetof(struct sriovnic_synth_used_elem, id) == 0, "used_elem.id");
SRIOVNIC_STATIC_ASSERT(offsetof(struct sriovnic_synth_used_elem, flags) == 2, "used_elem.flags");
SRIOVNIC_STATIC_ASSERT(offsetof(struct sriovnic_synth_used_elem, len) == 4, "used_elem.len");

/* ---- Net header: first bytes of every RX and TX chain ---- */

struct sriovnic_synth_net_hdr {
    uint8_t flags;             /* SRIOVNIC_SYNTH_NH_* */
    uint8_t gso_type;          /* enum sriovnic_synth_gso */
    sriovnic_le16 hdr_len;     /* GSO: Ethernet + IP + TCP header bytes */
    sriovnic_le16 gso_size;    /* GSO: TCP payload bytes per segment */
    sriovnic_le16 csum_start;  /* NEEDS_CSUM: offset of the L4 header in the frame */
    sriovnic_le16 csum_offset; /* NEEDS_CSUM: checksum field offset from csum_start */
    sriovnic_le16 reserved;    /* 0 */
};
#define SRIOVNIC_SYNTH_NH_NEEDS_CSUM  (1u << 0) /* TX: fill in the L4 checksum (CHECKSUM_PARTIAL) */
#define SRIOVNIC_SYNTH_NH_CSUM_VALID  (1u << 1) /* RX: TCP/UDP checksum verified good */
#define SRIOVNIC_SYNTH_NH_FLAGS_MASK  0x3u

enum sriovnic_synth_gso {
    SRIOVNIC_SYNTH_GSO_NONE  = 0,
    SRIOVNIC_SYNTH_GSO_TCPV4 = 1,
    SRIOVNIC_SYNTH_GSO_TCPV6 = 2,
};

#define SRIOVNIC_SYNTH_NET_HDR_SIZE  12u
#define SRIOVNIC_SYNTH_GSO_MIN       1u     /* gso_size */
#define SRIOVNIC_SYNTH_TX_FRAME_MAX  SRIOVNIC_TSO_MAX_BYTES /* GSO frame, headers included */
#define SRIOVNIC_SYNTH_FRAME_MIN     14u    /* an Ethernet header */

SRIOVNIC_STATIC_ASSERT(sizeof(struct sriovnic_synth_net_hdr) == SRIOVNIC_SYNTH_NET_HDR_SIZE, "net_hdr size");
SRIOVNIC_STATIC_ASSERT(offsetof(struct sriovnic_synth_net_hdr, flags) == 0, "net_hdr.flags");
SRIOVNIC_STATIC_ASSERT(offsetof(struct sriovnic_synth_net_hdr, gso_type) == 1, "net_hdr.gso_type");
SRIOVNIC_STATIC_ASSERT(offsetof(struct sriovnic_synth_net_hdr, hdr_len) == 2, "net_hdr.hdr_len");
SRIOVNIC_STATIC_ASSERT(offsetof(struct sriovnic_synth_net_hdr, gso_size) == 4, "net_hdr.gso_size");
SRIOVNIC_STATIC_ASSERT(offsetof(struct sriovnic_synth_net_hdr, csum_start) == 6, "net_hdr.csum_start");
SRIOVNIC_STATIC_ASSERT(offsetof(struct sriovnic_synth_net_hdr, csum_offset) == 8, "net_hdr.csum_offset");
SRIOVNIC_STATIC_ASSERT(offsetof(struct sriovnic_synth_net_hdr, reserved) == 10, "net_hdr.reserved");

/* ---- Control and event messages ---- */

/* Common header of every message. `len` covers the whole message. */
struct sriovnic_synth_msg_hdr {
    sriovnic_le16 type;     /* SRIOVNIC_SYNTH_MSG_* */
    sriovnic_le16 len;      /* bytes, header included: exactly the type's size */
    sriovnic_le32 seq;      /* request: the guest's request id, echoed in the completion;
                             * event: the device's event number, increasing, never 0 */
    sriovnic_le16 status;   /* completion: enum sriovnic_synth_status; otherwise 0 */
    sriovnic_le16 reserved; /* 0 */
};

/* Message types (frozen). A completion's type is its request's type | COMPLETION. */
#define SRIOVNIC_SYNTH_MSG_COMPLETION       0x8000u
#define SRIOVNIC_SYNTH_MSG_SWITCH_DATA_PATH 0x0001u /* CTRL, guest -> host */
#define SRIOVNIC_SYNTH_MSG_SWITCH_DONE      (SRIOVNIC_SYNTH_MSG_SWITCH_DATA_PATH | SRIOVNIC_SYNTH_MSG_COMPLETION)
/* Bare header, status BAD_REQUEST or UNSUPPORTED: the answer to a request of unknown type
 * (UNSUPPORTED), too short to read, or of a type that is not a request (BAD_REQUEST). */
#define SRIOVNIC_SYNTH_MSG_GENERIC_DONE     SRIOVNIC_SYNTH_MSG_COMPLETION
#define SRIOVNIC_SYNTH_EV_LINK              0x0101u /* EVENT, host -> guest */
#define SRIOVNIC_SYNTH_EV_MTU               0x0102u
#define SRIOVNIC_SYNTH_EV_OFFLOAD           0x0103u
#define SRIOVNIC_SYNTH_EV_VF_OFFER          0x0104u
#define SRIOVNIC_SYNTH_EV_VF_REVOKE         0x0105u
/* After a live migration the destination offers the VF at the guest's first
 * TX notify on the channel, or this long (VM time) after the VM resumed. */
#define SRIOVNIC_SYNTH_RESUME_OFFER_WAIT_MS 100u

enum sriovnic_synth_status {
    SRIOVNIC_SYNTH_S_OK             = 0,
    SRIOVNIC_SYNTH_S_BAD_REQUEST    = 1, /* failed sriovnic_synth_msg_check */
    SRIOVNIC_SYNTH_S_UNSUPPORTED    = 2, /* unknown type, or its feature not negotiated */
    SRIOVNIC_SYNTH_S_NO_SUCH_VF     = 3, /* vf_index names no VF of the card */
    SRIOVNIC_SYNTH_S_VF_NOT_OFFERED = 4, /* no standing offer for that VF and serial */
    SRIOVNIC_SYNTH_S_VF_DOWN        = 5, /* offered, but the VF cannot receive now */
};
#define SRIOVNIC_SYNTH_S_MAX SRIOVNIC_SYNTH_S_VF_DOWN

enum sriovnic_synth_path {
    SRIOVNIC_SYNTH_PATH_SYNTHETIC = 0,
    SRIOVNIC_SYNTH_PATH_VF        = 1,
};

/*
 * SWITCH_DATA_PATH request and its completion (same layout). Request:
 * path wanted; to VF: vf_index and serial of the standing offer; to
 * synthetic: vf_index = serial = 0. Completion: the path, VF index and
 * serial in effect after the request (0, 0 when synthetic).
 */
struct sriovnic_synth_msg_switch {
    struct sriovnic_synth_msg_hdr hdr;
    uint8_t path;             /* enum sriovnic_synth_path */
    uint8_t reserved;
    sriovnic_le16 vf_index;   /* < SRIOVNIC_MAX_VFS */
    sriovnic_le32 serial;     /* SRIOVNIC_SYNTH_SERIAL() */
};

/* PCI address of a VF as the guest sees it: segment 31:16, bus 15:8, devfn 7:0. */
#define SRIOVNIC_SYNTH_SERIAL(seg, bus, devfn)                                                   \
    ((((uint32_t)(seg) & 0xFFFFu) << 16) | (((uint32_t)(bus) & 0xFFu) << 8) | ((uint32_t)(devfn) & 0xFFu))

struct sriovnic_synth_ev_link {
    struct sriovnic_synth_msg_hdr hdr;
    uint8_t link_up;          /* 0 down, 1 up */
    uint8_t reserved[3];
};

struct sriovnic_synth_ev_mtu {
    struct sriovnic_synth_msg_hdr hdr;
    sriovnic_le16 max_mtu;    /* SRIOVNIC_SYNTH_MAX_MTU_MIN..SRIOVNIC_MTU_MAX */
    sriovnic_le16 reserved;
};
#define SRIOVNIC_SYNTH_MAX_MTU_MIN 1500u

struct sriovnic_synth_ev_offload {
    struct sriovnic_synth_msg_hdr hdr;
    sriovnic_le32 offloads;   /* subset of SRIOVNIC_SYNTH_F_OFFLOADS (and of the negotiated set) */
};

struct sriovnic_synth_ev_vf_offer {
    struct sriovnic_synth_msg_hdr hdr;
    sriovnic_le16 vf_index;   /* the card's VF index, < SRIOVNIC_MAX_VFS */
    sriovnic_le16 reserved;
    sriovnic_le32 serial;     /* SRIOVNIC_SYNTH_SERIAL() of the VF at the time of the offer */
    uint8_t mac[6];           /* with F_VF_MAC: the VF's MAC (= this function's); else 0 */
    sriovnic_le16 reserved2;
};

struct sriovnic_synth_ev_vf_revoke {
    struct sriovnic_synth_msg_hdr hdr;
    sriovnic_le16 vf_index;   /* as in the offer it ends */
    uint8_t reason;           /* enum sriovnic_synth_revoke_reason */
    uint8_t flags;            /* SRIOVNIC_SYNTH_REVOKE_F_* */
    sriovnic_le32 serial;     /* as in the offer it ends */
    sriovnic_le32 timeout_ms; /* request (no SURPRISE): time left to SWITCH(SYNTHETIC), >= 1;
                               * SURPRISE: 0 */
};
enum sriovnic_synth_revoke_reason {
    SRIOVNIC_SYNTH_REVOKE_MIGRATION = 1,
    SRIOVNIC_SYNTH_REVOKE_POLICY    = 2, /* host policy no longer allows SR-IOV */
    SRIOVNIC_SYNTH_REVOKE_FAULT     = 3, /* the VF failed (injected or detected fault) */
    SRIOVNIC_SYNTH_REVOKE_REMOVED   = 4, /* the VF was removed under the guest */
    SRIOVNIC_SYNTH_REVOKE_ADMIN     = 5, /* an administrator's revoke */
};
#define SRIOVNIC_SYNTH_REVOKE_REASON_MAX  SRIOVNIC_SYNTH_REVOKE_ADMIN
/* The VF's data path is already gone: RX no longer goes to the VF; no answer needed. */
#define SRIOVNIC_SYNTH_REVOKE_F_SURPRISE  (1u << 0)
/* With SURPRISE: this ends an earlier request REVOKE the guest did not answer in time. */
#define SRIOVNIC_SYNTH_REVOKE_F_TIMEOUT   (1u << 1)
#define SRIOVNIC_SYNTH_REVOKE_F_MASK      0x3u

SRIOVNIC_STATIC_ASSERT(sizeof(struct sriovnic_synth_msg_hdr) == 12, "msg_hdr size");
SRIOVNIC_STATIC_ASSERT(offsetof(struct sriovnic_synth_msg_hdr, type) == 0, "msg_hdr.type");
SRIOVNIC_STATIC_ASSERT(offsetof(struct sriovnic_synth_msg_hdr, len) == 2, "msg_hdr.len");
SRIOVNIC_STATIC_ASSERT(offsetof(struct sriovnic_synth_msg_hdr, seq) == 4, "msg_hdr.seq");
SRIOVNIC_STATIC_ASSERT(offsetof(struct sriovnic_synth_msg_hdr, status) == 8, "msg_hdr.status");
SRIOVNIC_STATIC_ASSERT(offsetof(struct sriovnic_synth_msg_hdr, reserved) == 10, "msg_hdr.reserved");
SRIOVNIC_STATIC_ASSERT(sizeof(struct sriovnic_synth_msg_switch) == 20, "msg_switch size");
SRIOVNIC_STATIC_ASSERT(offsetof(struct sriovnic_synth_msg_switch, path) == 12, "msg_switch.path");
SRIOVNIC_STATIC_ASSERT(offsetof(struct sriovnic_synth_msg_switch, reserved) == 13, "msg_switch.reserved");
SRIOVNIC_STATIC_ASSERT(offsetof(struct sriovnic_synth_msg_switch, vf_index) == 14, "msg_switch.vf_index");
SRIOVNIC_STATIC_ASSERT(offsetof(struct sriovnic_synth_msg_switch, serial) == 16, "msg_switch.serial");
SRIOVNIC_STATIC_ASSERT(sizeof(struct sriovnic_synth_ev_link) == 16, "ev_link size");
SRIOVNIC_STATIC_ASSERT(offsetof(struct sriovnic_synth_ev_link, link_up) == 12, "ev_link.link_up");
SRIOVNIC_STATIC_ASSERT(offsetof(struct sriovnic_synth_ev_link, reserved) == 13, "ev_link.reserved");
SRIOVNIC_STATIC_ASSERT(sizeof(struct sriovnic_synth_ev_mtu) == 16, "ev_mtu size");
SRIOVNIC_STATIC_ASSERT(offsetof(struct sriovnic_synth_ev_mtu, max_mtu) == 12, "ev_mtu.max_mtu");
SRIOVNIC_STATIC_ASSERT(offsetof(struct sriovnic_synth_ev_mtu, reserved) == 14, "ev_mtu.reserved");
SRIOVNIC_STATIC_ASSERT(sizeof(struct sriovnic_synth_ev_offload) == 16, "ev_offload size");
SRIOVNIC_STATIC_ASSERT(offsetof(struct sriovnic_synth_ev_offload, offloads) == 12, "ev_offload.offloads");
SRIOVNIC_STATIC_ASSERT(sizeof(struct sriovnic_synth_ev_vf_offer) == 28, "ev_vf_offer size");
SRIOVNIC_STATIC_ASSERT(offsetof(struct sriovnic_synth_ev_vf_offer, vf_index) == 12, "ev_vf_offer.vf_index");
SRIOVNIC_STATIC_ASSERT(offsetof(struct sriovnic_synth_ev_vf_offer, reserved) == 14, "ev_vf_offer.reserved");
SRIOVNIC_STATIC_ASSERT(offsetof(struct sriovnic_synth_ev_vf_offer, serial) == 16, "ev_vf_offer.serial");
SRIOVNIC_STATIC_ASSERT(offsetof(struct sriovnic_synth_ev_vf_offer, mac) == 20, "ev_vf_offer.mac");
SRIOVNIC_STATIC_ASSERT(offsetof(struct sriovnic_synth_ev_vf_offer, reserved2) == 26, "ev_vf_offer.reserved2");
SRIOVNIC_STATIC_ASSERT(sizeof(struct sriovnic_synth_ev_vf_revoke) == 24, "ev_vf_revoke size");
SRIOVNIC_STATIC_ASSERT(offsetof(struct sriovnic_synth_ev_vf_revoke, vf_index) == 12, "ev_vf_revoke.vf_index");
SRIOVNIC_STATIC_ASSERT(offsetof(struct sriovnic_synth_ev_vf_revoke, reason) == 14, "ev_vf_revoke.reason");
SRIOVNIC_STATIC_ASSERT(offsetof(struct sriovnic_synth_ev_vf_revoke, flags) == 15, "ev_vf_revoke.flags");
SRIOVNIC_STATIC_ASSERT(offsetof(struct sriovnic_synth_ev_vf_revoke, serial) == 16, "ev_vf_revoke.serial");
SRIOVNIC_STATIC_ASSERT(offsetof(struct sriovnic_synth_ev_vf_revoke, timeout_ms) == 20, "ev_vf_revoke.timeout_ms");

#define SRIOVNIC_SYNTH_MSG_MAX        28u /* largest message defined */
#define SRIOVNIC_SYNTH_CTRL_RESP_MIN  32u /* writable bytes a CTRL chain must offer */
#define SRIOVNIC_SYNTH_EVENT_BUF_MIN  64u /* bytes an EVENT chain must offer */

/* ---- The shared validator ---- */

/* Which way a message travels; the receiver passes what it expects. */
enum sriovnic_synth_dir {
    SRIOVNIC_SYNTH_DIR_REQUEST    = 0, /* CTRL, guest -> host: checked by the device */
    SRIOVNIC_SYNTH_DIR_COMPLETION = 1, /* CTRL, host -> guest: checked by the driver */
    SRIOVNIC_SYNTH_DIR_EVENT      = 2, /* EVENT, host -> guest: checked by the driver */
};

/* Results of sriovnic_synth_msg_check(). */
enum sriovnic_synth_msg_err {
    SRIOVNIC_SYNTH_MSG_VALID     = 0,
    SRIOVNIC_SYNTH_MSG_ESHORT    = 1, /* buffer shorter than the header or than hdr.len */
    SRIOVNIC_SYNTH_MSG_ETYPE     = 2, /* no such message type */
    SRIOVNIC_SYNTH_MSG_EDIR      = 3, /* a known type, but not one that travels this way */
    SRIOVNIC_SYNTH_MSG_ELEN      = 4, /* hdr.len is not the type's size */
    SRIOVNIC_SYNTH_MSG_ERESERVED = 5, /* a reserved field (or a field that must be 0) is not 0 */
    SRIOVNIC_SYNTH_MSG_ERANGE    = 6, /* an enum, flag set or value out of its range */
};

/* Byte-wise little-endian reads: independent of host byte order and alignment. */
static inline uint32_t sriovnic_synth_rd8(const void *m, size_t off)
{
    return ((const uint8_t *)m)[off];
}
static inline uint32_t sriovnic_synth_rd16(const void *m, size_t off)
{
    const uint8_t *p = (const uint8_t *)m + off;
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8);
}
static inline uint32_t sriovnic_synth_rd32(const void *m, size_t off)
{
    const uint8_t *p = (const uint8_t *)m + off;
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

/* Size of a message type, or 0 if the type is unknown. */
static inline size_t sriovnic_synth_msg_size(uint32_t type)
{
    switch (type) {
    case SRIOVNIC_SYNTH_MSG_SWITCH_DATA_PATH:
    case SRIOVNIC_SYNTH_MSG_SWITCH_DONE:
        return sizeof(struct sriovnic_synth_msg_switch);
    case SRIOVNIC_SYNTH_MSG_GENERIC_DONE:
        return sizeof(struct sriovnic_synth_msg_hdr);
    case SRIOVNIC_SYNTH_EV_LINK:
        return sizeof(struct sriovnic_synth_ev_link);
    case SRIOVNIC_SYNTH_EV_MTU:
        return sizeof(struct sriovnic_synth_ev_mtu);
    case SRIOVNIC_SYNTH_EV_OFFLOAD:
        return sizeof(struct sriovnic_synth_ev_offload);
    case SRIOVNIC_SYNTH_EV_VF_OFFER:
        return sizeof(struct sriovnic_synth_ev_vf_offer);
    case SRIOVNIC_SYNTH_EV_VF_REVOKE:
        return sizeof(struct sriovnic_synth_ev_vf_revoke);
    default:
        return 0;
    }
}

/* The direction a known message type travels. */
static inline int sriovnic_synth_msg_dir(uint32_t type)
{
    if (type & SRIOVNIC_SYNTH_MSG_COMPLETION)
        return SRIOVNIC_SYNTH_DIR_COMPLETION;
    if (type >= SRIOVNIC_SYNTH_EV_LINK)
        return SRIOVNIC_SYNTH_DIR_EVENT;
    return SRIOVNIC_SYNTH_DIR_REQUEST;
}

/*
 * Check one message of `len` readable bytes that the caller expects to travel
 * in direction `dir`. Returns SRIOVNIC_SYNTH_MSG_VALID (0) or an enum
 * sriovnic_synth_msg_err: ESHORT, ETYPE, EDIR, ELEN are checked first, in that
 * order, then header fields, then the payload; the first failure is returned.
 * Bytes past hdr.len are ignored.
 * Checks only what the message itself says; state (is that VF offered? was
 * that feature negotiated?) is the receiver's business.
 */
static inline int sriovnic_synth_msg_check(const void *msg, size_t len, unsigned int dir)
{
    uint32_t type, mlen, status;
    size_t size;

    if (!msg || len < sizeof(struct sriovnic_synth_msg_hdr))
        return SRIOVNIC_SYNTH_MSG_ESHORT;
    type = sriovnic_synth_rd16(msg, offsetof(struct sriovnic_synth_msg_hdr, type));
    mlen = sriovnic_synth_rd16(msg, offsetof(struct sriovnic_synth_msg_hdr, len));
    status = sriovnic_synth_rd16(msg, offsetof(struct sriovnic_synth_msg_hdr, status));
    if (mlen > len)
        return SRIOVNIC_SYNTH_MSG_ESHORT;
    size = sriovnic_synth_msg_size(type);
    if (size == 0)
        return SRIOVNIC_SYNTH_MSG_ETYPE;
    if ((unsigned int)sriovnic_synth_msg_dir(type) != dir)
        return SRIOVNIC_SYNTH_MSG_EDIR;
    if (mlen != size)
        return SRIOVNIC_SYNTH_MSG_ELEN;
    if (sriovnic_synth_rd16(msg, offsetof(struct sriovnic_synth_msg_hdr, reserved)) != 0)
        return SRIOVNIC_SYNTH_MSG_ERESERVED;
    if (dir != SRIOVNIC_SYNTH_DIR_COMPLETION && status != 0)
        return SRIOVNIC_SYNTH_MSG_ERESERVED;
    if (dir == SRIOVNIC_SYNTH_DIR_COMPLETION && status > SRIOVNIC_SYNTH_S_MAX)
        return SRIOVNIC_SYNTH_MSG_ERANGE;

    switch (type) {
    case SRIOVNIC_SYNTH_MSG_GENERIC_DONE:
        if (status != SRIOVNIC_SYNTH_S_BAD_REQUEST && status != SRIOVNIC_SYNTH_S_UNSUPPORTED)
            return SRIOVNIC_SYNTH_MSG_ERANGE;
        return SRIOVNIC_SYNTH_MSG_VALID;
    case SRIOVNIC_SYNTH_MSG_SWITCH_DATA_PATH:
    case SRIOVNIC_SYNTH_MSG_SWITCH_DONE: {
        uint32_t path = sriovnic_synth_rd8(msg, offsetof(struct sriovnic_synth_msg_switch, path));
        uint32_t vf = sriovnic_synth_rd16(msg, offsetof(struct sriovnic_synth_msg_switch, vf_index));
        uint32_t serial = sriovnic_synth_rd32(msg, offsetof(struct sriovnic_synth_msg_switch, serial));

        if (sriovnic_synth_rd8(msg, offsetof(struct sriovnic_synth_msg_switch, reserved)) != 0)
            return SRIOVNIC_SYNTH_MSG_ERESERVED;
        if (path > SRIOVNIC_SYNTH_PATH_VF)
            return SRIOVNIC_SYNTH_MSG_ERANGE;
        if (path == SRIOVNIC_SYNTH_PATH_SYNTHETIC && (vf != 0 || serial != 0))
            return SRIOVNIC_SYNTH_MSG_ERESERVED;
        if (vf >= SRIOVNIC_MAX_VFS)
            return SRIOVNIC_SYNTH_MSG_ERANGE;
        return SRIOVNIC_SYNTH_MSG_VALID;
    }
    case SRIOVNIC_SYNTH_EV_LINK: {
        size_t i;

        for (i = 0; i < 3; i++)
            if (sriovnic_synth_rd8(msg, offsetof(struct sriovnic_synth_ev_link, reserved) + i) != 0)
                return SRIOVNIC_SYNTH_MSG_ERESERVED;
        if (sriovnic_synth_rd8(msg, offsetof(struct sriovnic_synth_ev_link, link_up)) > 1)
            return SRIOVNIC_SYNTH_MSG_ERANGE;
        return SRIOVNIC_SYNTH_MSG_VALID;
    }
    case SRIOVNIC_SYNTH_EV_MTU: {
        uint32_t mtu = sriovnic_synth_rd16(msg, offsetof(struct sriovnic_synth_ev_mtu, max_mtu));

        if (sriovnic_synth_rd16(msg, offsetof(struct sriovnic_synth_ev_mtu, reserved)) != 0)
            return SRIOVNIC_SYNTH_MSG_ERESERVED;
        if (mtu < SRIOVNIC_SYNTH_MAX_MTU_MIN || mtu > SRIOVNIC_MTU_MAX)
            return SRIOVNIC_SYNTH_MSG_ERANGE;
        return SRIOVNIC_SYNTH_MSG_VALID;
    }
    case SRIOVNIC_SYNTH_EV_OFFLOAD:
        if (sriovnic_synth_rd32(msg, offsetof(struct sriovnic_synth_ev_offload, offloads)) &
            ~SRIOVNIC_SYNTH_F_OFFLOADS)
            return SRIOVNIC_SYNTH_MSG_ERANGE;
        return SRIOVNIC_SYNTH_MSG_VALID;
    case SRIOVNIC_SYNTH_EV_VF_OFFER:
        if (sriovnic_synth_rd16(msg, offsetof(struct sriovnic_synth_ev_vf_offer, reserved)) != 0 ||
            sriovnic_synth_rd16(msg, offsetof(struct sriovnic_synth_ev_vf_offer, reserved2)) != 0)
            return SRIOVNIC_SYNTH_MSG_ERESERVED;
        if (sriovnic_synth_rd16(msg, offsetof(struct sriovnic_synth_ev_vf_offer, vf_index)) >=
            SRIOVNIC_MAX_VFS)
            return SRIOVNIC_SYNTH_MSG_ERANGE;
        if (sriovnic_synth_rd8(msg, offsetof(struct sriovnic_synth_ev_vf_offer, mac)) & 1u)
            return SRIOVNIC_SYNTH_MSG_ERANGE; /* a multicast MAC */
        return SRIOVNIC_SYNTH_MSG_VALID;
    case SRIOVNIC_SYNTH_EV_VF_REVOKE: {
        uint32_t reason = sriovnic_synth_rd8(msg, offsetof(struct sriovnic_synth_ev_vf_revoke, reason));
        uint32_t flags = sriovnic_synth_rd8(msg, offsetof(struct sriovnic_synth_ev_vf_revoke, flags));
        uint32_t tmo = sriovnic_synth_rd32(msg, offsetof(struct sriovnic_synth_ev_vf_revoke, timeout_ms));

        if (flags & ~SRIOVNIC_SYNTH_REVOKE_F_MASK)
            return SRIOVNIC_SYNTH_MSG_ERESERVED;
        if (sriovnic_synth_rd16(msg, offsetof(struct sriovnic_synth_ev_vf_revoke, vf_index)) >=
            SRIOVNIC_MAX_VFS)
            return SRIOVNIC_SYNTH_MSG_ERANGE;
        if (reason < SRIOVNIC_SYNTH_REVOKE_MIGRATION || reason > SRIOVNIC_SYNTH_REVOKE_REASON_MAX)
            return SRIOVNIC_SYNTH_MSG_ERANGE;
        if ((flags & SRIOVNIC_SYNTH_REVOKE_F_TIMEOUT) && !(flags & SRIOVNIC_SYNTH_REVOKE_F_SURPRISE))
            return SRIOVNIC_SYNTH_MSG_ERANGE;
        if ((flags & SRIOVNIC_SYNTH_REVOKE_F_SURPRISE) ? tmo != 0 : tmo == 0)
            return SRIOVNIC_SYNTH_MSG_ERANGE;
        return SRIOVNIC_SYNTH_MSG_VALID;
    }
    default:
        return SRIOVNIC_SYNTH_MSG_ETYPE; /* unreachable: msg_size() knew the type */
    }
}

/*
 * Check a net header against the frame after it (`frame_len` bytes) and the
 * negotiated features. tx: the device checks a guest's TX header; !tx: the
 * driver checks an RX header. Returns 0 if good, else SRIOVNIC_SYNTH_MSG_ERESERVED
 * (reserved bits or fields not 0) or SRIOVNIC_SYNTH_MSG_ERANGE (anything else).
 */
static inline int sriovnic_synth_net_hdr_check(const void *nh, size_t frame_len, uint32_t features,
                                               int tx)
{
    uint32_t flags = sriovnic_synth_rd8(nh, offsetof(struct sriovnic_synth_net_hdr, flags));
    uint32_t gso = sriovnic_synth_rd8(nh, offsetof(struct sriovnic_synth_net_hdr, gso_type));
    uint32_t hdr_len = sriovnic_synth_rd16(nh, offsetof(struct sriovnic_synth_net_hdr, hdr_len));
    uint32_t gso_size = sriovnic_synth_rd16(nh, offsetof(struct sriovnic_synth_net_hdr, gso_size));
    uint32_t cstart = sriovnic_synth_rd16(nh, offsetof(struct sriovnic_synth_net_hdr, csum_start));
    uint32_t coff = sriovnic_synth_rd16(nh, offsetof(struct sriovnic_synth_net_hdr, csum_offset));

    if ((flags & ~SRIOVNIC_SYNTH_NH_FLAGS_MASK) ||
        sriovnic_synth_rd16(nh, offsetof(struct sriovnic_synth_net_hdr, reserved)) != 0)
        return SRIOVNIC_SYNTH_MSG_ERESERVED;
    if (frame_len < SRIOVNIC_SYNTH_FRAME_MIN || frame_len > SRIOVNIC_SYNTH_TX_FRAME_MAX)
        return SRIOVNIC_SYNTH_MSG_ERANGE;
    if (!tx) {
        /* RX: only CSUM_VALID (if negotiated), everything else 0. */
        if ((flags & SRIOVNIC_SYNTH_NH_NEEDS_CSUM) || gso != SRIOVNIC_SYNTH_GSO_NONE ||
            hdr_len || gso_size || cstart || coff)
            return SRIOVNIC_SYNTH_MSG_ERESERVED;
        if ((flags & SRIOVNIC_SYNTH_NH_CSUM_VALID) && !(features & SRIOVNIC_SYNTH_F_CSUM_RX))
            return SRIOVNIC_SYNTH_MSG_ERANGE;
        return SRIOVNIC_SYNTH_MSG_VALID;
    }
    if (flags & SRIOVNIC_SYNTH_NH_CSUM_VALID)
        return SRIOVNIC_SYNTH_MSG_ERANGE;
    if (flags & SRIOVNIC_SYNTH_NH_NEEDS_CSUM) {
        if (!(features & SRIOVNIC_SYNTH_F_CSUM_TX))
            return SRIOVNIC_SYNTH_MSG_ERANGE;
        if ((size_t)cstart + coff + 2u > frame_len)
            return SRIOVNIC_SYNTH_MSG_ERANGE;
    } else if (cstart || coff) {
        return SRIOVNIC_SYNTH_MSG_ERESERVED;
    }
    switch (gso) {
    case SRIOVNIC_SYNTH_GSO_NONE:
        if (hdr_len || gso_size)
            return SRIOVNIC_SYNTH_MSG_ERESERVED;
        return SRIOVNIC_SYNTH_MSG_VALID;
    case SRIOVNIC_SYNTH_GSO_TCPV4:
    case SRIOVNIC_SYNTH_GSO_TCPV6:
        if (!(features & (gso == SRIOVNIC_SYNTH_GSO_TCPV4 ? SRIOVNIC_SYNTH_F_TSO4 : SRIOVNIC_SYNTH_F_TSO6)))
            return SRIOVNIC_SYNTH_MSG_ERANGE;
        if (!(flags & SRIOVNIC_SYNTH_NH_NEEDS_CSUM) || gso_size < SRIOVNIC_SYNTH_GSO_MIN ||
            hdr_len <= cstart || hdr_len >= frame_len)
            return SRIOVNIC_SYNTH_MSG_ERANGE;
        return SRIOVNIC_SYNTH_MSG_VALID;
    default:
        return SRIOVNIC_SYNTH_MSG_ERANGE;
    }
}

#endif /* SRIOVNIC_SYNTH_H */
