/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sriovnic PF<->VF mailbox: the message contract. The device carries one
 * 16-word message each way per VF (registers in regs.h); the PF driver (or a
 * host PF agent) answers the VF's requests. Shared verbatim by the device
 * model (C and C++), the PF driver and the VF driver; the prose
 * specification is docs/hardware-interface.md ("PF<->VF mailbox"), and the
 * two must agree.
 *
 * A message is SRIOVNIC_MBX_WORDS 32-bit words, each one register
 * (little-endian on the bus like every register; ioread32/iowrite32 and the
 * device's register accessors give and take them as numbers). The structs
 * below name the words in order: word i is at byte offset 4 * i. Words past
 * a message's arguments are reserved and must be 0.
 *
 * Frozen: opcode values, status values, reasons, bit positions and word
 * positions never change and are never reused. The contract grows by new
 * capability bits (exchanged in HELLO) and the opcodes or words they enable.
 *
 * Word 0 of every message:
 *   bits  7:0   opcode (SRIOVNIC_MBX_HELLO, ...)
 *   bit   8     SRIOVNIC_MBX_REPLY: this answers a request
 *   bits 15:9   tag: a request's tag (1..127, chosen by the VF), echoed by
 *               its reply; 0 = untagged (drivers from before tags, notices)
 *   bits 23:16  status (replies; 0 in requests and notices)
 *   bits 31:24  legacy level: always SRIOVNIC_MBX_LEGACY_LEVEL. Drivers from
 *               before capabilities read it as "mailbox API version" (2 meant
 *               SET_MC_LIST), so it stays, frozen, for them.
 *
 * Compatibility with drivers from before capabilities and tags (interface
 * 1.5 and older): those ignore bits 15:9 and every word they do not know,
 * send HELLO with caps word 0, and reply with tag 0 and caps word 0. A HELLO
 * or HELLO reply whose caps word lacks SRIOVNIC_MBX_CAP_TAGS comes from such
 * a driver: its capabilities are sriovnic_mbx_legacy_caps(legacy level), and
 * its replies (tag 0) are matched to requests by opcode alone, as before.
 */
#ifndef SRIOVNIC_MAILBOX_H
#define SRIOVNIC_MAILBOX_H

#include "sriovnic/regs.h"
#include "sriovnic/desc.h" /* fixed-width types, SRIOVNIC_STATIC_ASSERT, offsetof */

/* ---- Word 0 ---- */

#define SRIOVNIC_MBX_OPCODE(w0)      ((w0) & 0xFFu)
#define SRIOVNIC_MBX_REPLY           (1u << 8)
#define SRIOVNIC_MBX_TAG_SHIFT       9
#define SRIOVNIC_MBX_TAG_MASK        (0x7Fu << SRIOVNIC_MBX_TAG_SHIFT)
#define SRIOVNIC_MBX_TAG(w0)         (((w0) & SRIOVNIC_MBX_TAG_MASK) >> SRIOVNIC_MBX_TAG_SHIFT)
#define SRIOVNIC_MBX_TAG_MAX         127u
#define SRIOVNIC_MBX_STATUS(w0)      (((w0) >> 16) & 0xFFu)
#define SRIOVNIC_MBX_LEGACY(w0)      ((w0) >> 24)
#define SRIOVNIC_MBX_LEGACY_LEVEL    2u /* frozen: every sender writes it */
#define SRIOVNIC_MBX_W0(op, tag, status)                                                          \
    ((uint32_t)(op) | (((uint32_t)(tag) << SRIOVNIC_MBX_TAG_SHIFT) & SRIOVNIC_MBX_TAG_MASK) |     \
     ((uint32_t)(status) << 16) | (SRIOVNIC_MBX_LEGACY_LEVEL << 24))
/* The next tag after `tag`: 1..127, never 0. */
#define SRIOVNIC_MBX_NEXT_TAG(tag)   ((uint32_t)(tag) % SRIOVNIC_MBX_TAG_MAX + 1u)

/* ---- Opcodes (frozen values, never reused) ---- */

/* VF -> PF requests; the PF replies with the same opcode, REPLY and tag. */
#define SRIOVNIC_MBX_HELLO         0x01u /* after every VF reset: sriovnic_mbx_hello */
#define SRIOVNIC_MBX_SET_MTU       0x02u /* sriovnic_mbx_set_mtu */
#define SRIOVNIC_MBX_SET_VLAN      0x03u /* sriovnic_mbx_set_vlan */
#define SRIOVNIC_MBX_SET_MC_LIST   0x04u /* sriovnic_mbx_set_mc_list; needs CAP_MC_LIST */
#define SRIOVNIC_MBX_REQUEST_LAST  SRIOVNIC_MBX_SET_MC_LIST

/* PF -> VF notices (no reply expected, tag 0). */
#define SRIOVNIC_MBX_PF_RESET      0x80u /* the PF was reset: the VF must reinitialize */

/* ---- Reply status (frozen) ---- */

#define SRIOVNIC_MBX_OK            0u
#define SRIOVNIC_MBX_DENIED        1u /* sriovnic_mbx_denied: reason and limit */
#define SRIOVNIC_MBX_UNSUPPORTED   2u /* unknown opcode, or its capability not negotiated */
#define SRIOVNIC_MBX_BAD_REQUEST   3u /* the request failed sriovnic_mbx_msg_check */
#define SRIOVNIC_MBX_STATUS_LAST   SRIOVNIC_MBX_BAD_REQUEST

/* Reasons for SRIOVNIC_MBX_DENIED (frozen). */
#define SRIOVNIC_MBX_REASON_MTU_LIMIT 1u /* limit = the PF's largest MTU for the VF */
#define SRIOVNIC_MBX_REASON_PORT_VLAN 2u /* the VF is on a port VLAN: no VLANs of its own */

/* ---- Capabilities (HELLO): the VF offers, the PF replies with the intersection ---- */

#define SRIOVNIC_MBX_CAP_TAGS      (1u << 0) /* replies echo the request's tag; a caps word
                                              * with this bit is a real caps word */
#define SRIOVNIC_MBX_CAP_MC_LIST   (1u << 1) /* SET_MC_LIST: the PF sets the VF's multicast filter */
#define SRIOVNIC_MBX_CAPS_KNOWN    (SRIOVNIC_MBX_CAP_TAGS | SRIOVNIC_MBX_CAP_MC_LIST)

/* What a driver from before capabilities speaks, by the legacy level it sends. */
static inline uint32_t sriovnic_mbx_legacy_caps(uint32_t level)
{
    return level >= 2 ? SRIOVNIC_MBX_CAP_MC_LIST : 0;
}

/* A peer's capabilities, from word 0 and the caps word of its HELLO or HELLO reply. */
static inline uint32_t sriovnic_mbx_peer_caps(uint32_t w0, uint32_t caps)
{
    if (caps & SRIOVNIC_MBX_CAP_TAGS)
        return caps;
    return sriovnic_mbx_legacy_caps(SRIOVNIC_MBX_LEGACY(w0));
}

/* ---- Messages: word 0, then the arguments; the rest reserved (0) ---- */

/* HELLO request. */
struct sriovnic_mbx_hello {
    uint32_t w0;
    uint32_t legacy_level;   /* SRIOVNIC_MBX_LEGACY_LEVEL (read by no one since caps) */
    uint32_t caps;           /* SRIOVNIC_MBX_CAP_* the VF speaks; unknown bits allowed */
    uint32_t reserved[13];
};

/* HELLO reply, status OK. */
struct sriovnic_mbx_hello_reply {
    uint32_t w0;
    uint32_t mac_lo;         /* the VF's MAC, bytes 0..3 (regs.h MAC_LO layout) */
    uint32_t mac_hi;         /* bytes 4..5 in bits 15:0, the rest 0 */
    uint32_t max_mtu;        /* largest MTU the VF may ask for, MTU_MIN..MTU_MAX */
    uint32_t caps;           /* the VF's offer & the PF's caps (with CAP_TAGS: a real caps word) */
    uint32_t reserved[11];
};

/* SET_MTU request: reply OK once the device accepts that MTU from the VF. */
struct sriovnic_mbx_set_mtu {
    uint32_t w0;
    uint32_t mtu;            /* SRIOVNIC_MTU_MIN..SRIOVNIC_MTU_MAX */
    uint32_t reserved[14];
};

/* SET_VLAN request: add or remove a VID in the VF's VLAN filter. */
struct sriovnic_mbx_set_vlan {
    uint32_t w0;
    uint32_t vlan;           /* VID 0..4094 in bits 11:0, SRIOVNIC_VLAN_FILTER_ADD to add */
    uint32_t reserved[14];
};

/* SET_MC_LIST request: the VF's multicast list, hashed as MC_HASH_LO/HI
 * (address A sets bit ether_crc_le(A) >> 26). */
struct sriovnic_mbx_set_mc_list {
    uint32_t w0;
    uint32_t hash_lo;        /* bits 31:0 */
    uint32_t hash_hi;        /* bits 63:32 */
    uint32_t reserved[13];
};

/* A reply with no arguments: OK to SET_*, UNSUPPORTED, BAD_REQUEST. */
struct sriovnic_mbx_reply {
    uint32_t w0;
    uint32_t reserved[15];
};

/* A DENIED reply (to SET_MTU or SET_VLAN). */
struct sriovnic_mbx_denied {
    uint32_t w0;
    uint32_t reason;         /* SRIOVNIC_MBX_REASON_* */
    uint32_t limit;          /* MTU_LIMIT: the PF's limit, MTU_MIN..MTU_MAX; else 0 */
    uint32_t reserved[13];
};

/* PF_RESET notice. */
struct sriovnic_mbx_pf_reset {
    uint32_t w0;
    uint32_t reserved[15];
};

union sriovnic_mbx_msg {
    uint32_t w[SRIOVNIC_MBX_WORDS];
    struct sriovnic_mbx_hello hello;
    struct sriovnic_mbx_hello_reply hello_reply;
    struct sriovnic_mbx_set_mtu set_mtu;
    struct sriovnic_mbx_set_vlan set_vlan;
    struct sriovnic_mbx_set_mc_list set_mc_list;
    struct sriovnic_mbx_reply reply;
    struct sriovnic_mbx_denied denied;
    struct sriovnic_mbx_pf_reset pf_reset;
};

#define SRIOVNIC_MBX_ASSERT_SIZE(type)                                                            \
    SRIOVNIC_STATIC_ASSERT(sizeof(struct type) == 4 * SRIOVNIC_MBX_WORDS, #type " is 16 words")
SRIOVNIC_MBX_ASSERT_SIZE(sriovnic_mbx_hello);
SRIOVNIC_MBX_ASSERT_SIZE(sriovnic_mbx_hello_reply);
SRIOVNIC_MBX_ASSERT_SIZE(sriovnic_mbx_set_mtu);
SRIOVNIC_MBX_ASSERT_SIZE(sriovnic_mbx_set_vlan);
SRIOVNIC_MBX_ASSERT_SIZE(sriovnic_mbx_set_mc_list);
SRIOVNIC_MBX_ASSERT_SIZE(sriovnic_mbx_reply);
SRIOVNIC_MBX_ASSERT_SIZE(sriovnic_mbx_denied);
SRIOVNIC_MBX_ASSERT_SIZE(sriovnic_mbx_pf_reset);
SRIOVNIC_STATIC_ASSERT(sizeof(union sriovnic_mbx_msg) == 4 * SRIOVNIC_MBX_WORDS, "mbx_msg");
SRIOVNIC_STATIC_ASSERT(offsetof(struct sriovnic_mbx_hello, legacy_level) == 4, "hello.legacy_level");
SRIOVNIC_STATIC_ASSERT(offsetof(struct sriovnic_mbx_hello, caps) == 8, "hello.caps");
SRIOVNIC_STATIC_ASSERT(offsetof(struct sriovnic_mbx_hello_reply, mac_lo) == 4, "hello_reply.mac_lo");
SRIOVNIC_STATIC_ASSERT(offsetof(struct sriovnic_mbx_hello_reply, mac_hi) == 8, "hello_reply.mac_hi");
SRIOVNIC_STATIC_ASSERT(offsetof(struct sriovnic_mbx_hello_reply, max_mtu) == 12, "hello_reply.max_mtu");
SRIOVNIC_STATIC_ASSERT(offsetof(struct sriovnic_mbx_hello_reply, caps) == 16, "hello_reply.caps");
SRIOVNIC_STATIC_ASSERT(offsetof(struct sriovnic_mbx_set_mtu, mtu) == 4, "set_mtu.mtu");
SRIOVNIC_STATIC_ASSERT(offsetof(struct sriovnic_mbx_set_vlan, vlan) == 4, "set_vlan.vlan");
SRIOVNIC_STATIC_ASSERT(offsetof(struct sriovnic_mbx_set_mc_list, hash_lo) == 4, "set_mc_list.hash_lo");
SRIOVNIC_STATIC_ASSERT(offsetof(struct sriovnic_mbx_set_mc_list, hash_hi) == 8, "set_mc_list.hash_hi");
SRIOVNIC_STATIC_ASSERT(offsetof(struct sriovnic_mbx_denied, reason) == 4, "denied.reason");
SRIOVNIC_STATIC_ASSERT(offsetof(struct sriovnic_mbx_denied, limit) == 8, "denied.limit");

/* ---- Request and reply bookkeeping (the VF driver and the device) ---- */

/*
 * What the receiver of replies remembers: the request waiting for its reply
 * and the last one answered. The device keeps one per VF (migrated).
 */
struct sriovnic_mbx_exchange {
    uint32_t waiting_w0;     /* word 0 of the request waiting, if flags & WAITING */
    uint32_t answered_w0;    /* word 0 of the last request answered, if flags & ANSWERED */
    uint32_t flags;          /* SRIOVNIC_MBX_EX_* */
};
#define SRIOVNIC_MBX_EX_WAITING    (1u << 0)
#define SRIOVNIC_MBX_EX_ANSWERED   (1u << 1)
#define SRIOVNIC_MBX_EX_FLAGS      (SRIOVNIC_MBX_EX_WAITING | SRIOVNIC_MBX_EX_ANSWERED)

/* A request went out: it waits for its reply (an earlier one stops waiting). */
static inline void sriovnic_mbx_exchange_sent(struct sriovnic_mbx_exchange *ex, uint32_t w0)
{
    ex->waiting_w0 = w0;
    ex->flags |= SRIOVNIC_MBX_EX_WAITING;
}

/* The waiting request got its reply (sriovnic_mbx_msg_check said VALID). */
static inline void sriovnic_mbx_exchange_answered(struct sriovnic_mbx_exchange *ex)
{
    ex->answered_w0 = ex->waiting_w0;
    ex->waiting_w0 = 0;
    ex->flags = SRIOVNIC_MBX_EX_ANSWERED;
}

/* The request that waited gets no reply any more (the receiver gave up on it):
 * a reply to it from now on is LATE. */
static inline void sriovnic_mbx_exchange_gave_up(struct sriovnic_mbx_exchange *ex)
{
    ex->flags &= ~SRIOVNIC_MBX_EX_WAITING;
}

/*
 * Whether reply word 0 `reply` answers request word 0 `request`: same
 * opcode, and the same tag, or tag 0 from a PF driver from before tags.
 */
static inline int sriovnic_mbx_reply_answers(uint32_t request, uint32_t reply)
{
    return SRIOVNIC_MBX_OPCODE(reply) == SRIOVNIC_MBX_OPCODE(request) &&
           (SRIOVNIC_MBX_TAG(reply) == SRIOVNIC_MBX_TAG(request) || SRIOVNIC_MBX_TAG(reply) == 0);
}

/* ---- The shared validator ---- */

/* Which way a message travels; the receiver passes what it expects. */
enum sriovnic_mbx_dir {
    SRIOVNIC_MBX_DIR_TO_PF = 0, /* requests: checked by the PF driver and the device */
    SRIOVNIC_MBX_DIR_TO_VF = 1, /* replies and notices: checked by the VF driver and the device */
};

/* Results of sriovnic_mbx_msg_check(): VALID, malformed (ESHORT..ERANGE), or a
 * well-formed reply that answers no waiting request (LATE, DUPLICATE). */
enum sriovnic_mbx_msg_err {
    SRIOVNIC_MBX_MSG_VALID     = 0,
    SRIOVNIC_MBX_MSG_ESHORT    = 1, /* fewer than SRIOVNIC_MBX_WORDS words */
    SRIOVNIC_MBX_MSG_ETYPE     = 2, /* no such opcode */
    SRIOVNIC_MBX_MSG_EDIR      = 3, /* a known opcode that does not travel this way (REPLY bit) */
    SRIOVNIC_MBX_MSG_ESTATUS   = 4, /* status in a request or notice, or no such status */
    SRIOVNIC_MBX_MSG_ERESERVED = 5, /* a reserved word or bit is not 0 */
    SRIOVNIC_MBX_MSG_ERANGE    = 6, /* an argument out of its range */
    SRIOVNIC_MBX_MSG_LATE      = 7, /* a reply to a request that no longer waits (or never did) */
    SRIOVNIC_MBX_MSG_DUPLICATE = 8, /* a second reply to the request answered last */
};
#define SRIOVNIC_MBX_MSG_MALFORMED(err) ((err) >= SRIOVNIC_MBX_MSG_ESHORT && (err) <= SRIOVNIC_MBX_MSG_ERANGE)

/* Words of a message that carry arguments (word 0 included); the rest is reserved. */
static inline unsigned int sriovnic_mbx_msg_words(uint32_t w0)
{
    const uint32_t op = SRIOVNIC_MBX_OPCODE(w0);

    if (!(w0 & SRIOVNIC_MBX_REPLY))
        return op == SRIOVNIC_MBX_HELLO || op == SRIOVNIC_MBX_SET_MC_LIST ? 3 :
               op == SRIOVNIC_MBX_SET_MTU || op == SRIOVNIC_MBX_SET_VLAN  ? 2 : 1;
    if (SRIOVNIC_MBX_STATUS(w0) == SRIOVNIC_MBX_DENIED)
        return 3;
    if (SRIOVNIC_MBX_STATUS(w0) == SRIOVNIC_MBX_OK && op == SRIOVNIC_MBX_HELLO)
        return 5;
    return 1;
}

static inline int sriovnic_mbx_mtu_in_range(uint32_t mtu)
{
    return mtu >= SRIOVNIC_MTU_MIN && mtu <= SRIOVNIC_MTU_MAX;
}

/*
 * Check one message of `words` words that the caller received from direction
 * `dir`. For a reply, `ex` (if not NULL) says which request waits: a
 * well-formed reply that does not answer it is LATE, or DUPLICATE when it
 * answers the request answered last. Checks, in order: length, opcode and
 * direction, status, reserved words and bits, argument ranges, then the tag;
 * the first failure is returned. State (was SET_MC_LIST negotiated? what is
 * the PF's MTU limit?) is the receiver's business.
 */
static inline int sriovnic_mbx_msg_check(const uint32_t *msg, unsigned int words, unsigned int dir,
                                         const struct sriovnic_mbx_exchange *ex)
{
    uint32_t w0, op, status;
    unsigned int i, args;

    if (!msg || words < SRIOVNIC_MBX_WORDS)
        return SRIOVNIC_MBX_MSG_ESHORT;
    w0 = msg[0];
    op = SRIOVNIC_MBX_OPCODE(w0);
    status = SRIOVNIC_MBX_STATUS(w0);
    if (dir == SRIOVNIC_MBX_DIR_TO_PF) {
        if (op == SRIOVNIC_MBX_PF_RESET)
            return SRIOVNIC_MBX_MSG_EDIR;
        if (op < SRIOVNIC_MBX_HELLO || op > SRIOVNIC_MBX_REQUEST_LAST)
            return SRIOVNIC_MBX_MSG_ETYPE;
        if (w0 & SRIOVNIC_MBX_REPLY)
            return SRIOVNIC_MBX_MSG_EDIR;
        if (status)
            return SRIOVNIC_MBX_MSG_ESTATUS;
    } else if (!(w0 & SRIOVNIC_MBX_REPLY)) {
        if (op >= SRIOVNIC_MBX_HELLO && op <= SRIOVNIC_MBX_REQUEST_LAST)
            return SRIOVNIC_MBX_MSG_EDIR;
        if (op != SRIOVNIC_MBX_PF_RESET)
            return SRIOVNIC_MBX_MSG_ETYPE;
        if (status)
            return SRIOVNIC_MBX_MSG_ESTATUS;
        if (SRIOVNIC_MBX_TAG(w0))
            return SRIOVNIC_MBX_MSG_ERESERVED;
    } else {
        if (status > SRIOVNIC_MBX_STATUS_LAST)
            return SRIOVNIC_MBX_MSG_ESTATUS;
        /* UNSUPPORTED and BAD_REQUEST may answer any opcode a VF sent. */
        if (status <= SRIOVNIC_MBX_DENIED &&
            (op < SRIOVNIC_MBX_HELLO || op > SRIOVNIC_MBX_REQUEST_LAST))
            return op == SRIOVNIC_MBX_PF_RESET ? SRIOVNIC_MBX_MSG_EDIR : SRIOVNIC_MBX_MSG_ETYPE;
        if (status == SRIOVNIC_MBX_DENIED && op != SRIOVNIC_MBX_SET_MTU && op != SRIOVNIC_MBX_SET_VLAN)
            return SRIOVNIC_MBX_MSG_ESTATUS;
    }

    args = sriovnic_mbx_msg_words(w0);
    for (i = args; i < SRIOVNIC_MBX_WORDS; i++)
        if (msg[i])
            return SRIOVNIC_MBX_MSG_ERESERVED;

    if (!(w0 & SRIOVNIC_MBX_REPLY)) {
        switch (op) {
        case SRIOVNIC_MBX_SET_MTU:
            if (!sriovnic_mbx_mtu_in_range(msg[1]))
                return SRIOVNIC_MBX_MSG_ERANGE;
            break;
        case SRIOVNIC_MBX_SET_VLAN:
            if (msg[1] & ~(SRIOVNIC_VLAN_FILTER_ADD | 0xFFFu))
                return SRIOVNIC_MBX_MSG_ERESERVED;
            if ((msg[1] & 0xFFFu) == 0xFFFu)
                return SRIOVNIC_MBX_MSG_ERANGE;
            break;
        default: /* HELLO (any caps), SET_MC_LIST (any hash), PF_RESET */
            break;
        }
        return SRIOVNIC_MBX_MSG_VALID;
    }

    if (status == SRIOVNIC_MBX_DENIED) {
        if (msg[1] == SRIOVNIC_MBX_REASON_MTU_LIMIT) {
            if (op != SRIOVNIC_MBX_SET_MTU || !sriovnic_mbx_mtu_in_range(msg[2]))
                return SRIOVNIC_MBX_MSG_ERANGE;
        } else if (msg[1] == SRIOVNIC_MBX_REASON_PORT_VLAN) {
            if (op != SRIOVNIC_MBX_SET_VLAN)
                return SRIOVNIC_MBX_MSG_ERANGE;
            if (msg[2])
                return SRIOVNIC_MBX_MSG_ERESERVED;
        } else {
            return SRIOVNIC_MBX_MSG_ERANGE;
        }
    } else if (status == SRIOVNIC_MBX_OK && op == SRIOVNIC_MBX_HELLO) {
        if (msg[2] & ~0xFFFFu)
            return SRIOVNIC_MBX_MSG_ERESERVED;
        if (!sriovnic_mbx_mtu_in_range(msg[3]))
            return SRIOVNIC_MBX_MSG_ERANGE;
    }

    if (ex) {
        if ((ex->flags & SRIOVNIC_MBX_EX_WAITING) && sriovnic_mbx_reply_answers(ex->waiting_w0, w0))
            return SRIOVNIC_MBX_MSG_VALID;
        if ((ex->flags & SRIOVNIC_MBX_EX_ANSWERED) && sriovnic_mbx_reply_answers(ex->answered_w0, w0))
            return SRIOVNIC_MBX_MSG_DUPLICATE;
        return SRIOVNIC_MBX_MSG_LATE;
    }
    return SRIOVNIC_MBX_MSG_VALID;
}

#endif /* SRIOVNIC_MAILBOX_H */
