/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The migrated state: plain register structs that VMState describes
 * field by field, checked by sriovnic_core_post_load() after a load.
 * Part of the C interface between the core and the glue: include
 * "sriovnic-core.h", which includes it inside its extern "C" block.
 */
#ifndef SRIOVNIC_CORE_REGS_H
#define SRIOVNIC_CORE_REGS_H

#ifndef SRIOVNIC_CORE_H
#error "include sriovnic-core.h"
#endif

/* The registers of one queue pair, as migrated. */
typedef struct SriovnicQueueRegs {
    uint32_t tx_base_lo;
    uint32_t tx_base_hi;
    uint32_t tx_len;
    uint32_t tx_head;
    uint32_t tx_tail;
    uint32_t tx_ctrl;
    uint32_t rx_base_lo;
    uint32_t rx_base_hi;
    uint32_t rx_len;
    uint32_t rx_head;
    uint32_t rx_tail;
    uint32_t rx_ctrl;
    uint32_t rx_buf_len;
    uint32_t irq;       /* SRIOVNIC_QIRQ_MASKED | SRIOVNIC_QIRQ_PENDING */
    uint32_t rx_nobuf;
    uint32_t itr;       /* SRIOVNIC_Q_ITR, microseconds */
} SriovnicQueueRegs;

/*
 * The register state of one function, as migrated. The glue describes it
 * field by field in VMState; after loading it must call
 * sriovnic_core_post_load(), which rejects values the hardware could never
 * have held.
 */
typedef struct SriovnicFnRegs {
    uint32_t ctrl;
    uint32_t status;
    uint32_t scratch;
    uint32_t int_cause;
    uint32_t int_enable;
    uint32_t misc_vector;
    uint32_t err_cause;
    uint32_t err_count;
    uint32_t err_addr;
    uint32_t mac_lo;
    uint32_t mac_hi;
    uint32_t mac_lo_staged; /* MAC_LO written, waiting for MAC_HI */
    uint32_t mtu;
    uint32_t rx_mode;
    uint32_t mc_hash_lo;
    uint32_t mc_hash_hi;
    uint64_t stats[SRIOVNIC_NUM_STATS]; /* 16 and up: interface 1.5, a subsection */
    SriovnicQueueRegs queues[SRIOVNIC_MAX_QUEUE_PAIRS];
} SriovnicFnRegs;

/*
 * The PF's settings for one VF's switch port (SRIOVNIC_VFA_*, the VF's VLAN
 * filter and who owns its multicast filter). They belong to the PF: they
 * survive the VF's resets and VF Enable cycles, and a PF reset clears them.
 */
typedef struct SriovnicVfAdminRegs {
    uint32_t mac_lo;
    uint32_t mac_hi;
    uint32_t mac_lo_staged;
    uint32_t vlan;
    uint32_t flags;
    uint32_t rate;
    uint32_t vlan_filter[SRIOVNIC_VLAN_WORDS]; /* bit per VID */
    uint32_t mc_hash_by_pf; /* 1 once the PF set the VF's MC_HASH; the VF may not */
} SriovnicVfAdminRegs;

/*
 * One VF's mailbox: SRIOVNIC_MBX_STATUS_* and one message each way; since
 * interface 1.6 (a subsection) also the exchange as the device saw it
 * (include/sriovnic/mailbox.h) and the SRIOVNIC_REG_MBX_BAD_* / *_REPLIES
 * counters, saturating.
 */
typedef struct SriovnicMailboxRegs {
    uint32_t status;
    uint32_t vf_msg[SRIOVNIC_MBX_WORDS];
    uint32_t pf_msg[SRIOVNIC_MBX_WORDS];
    struct sriovnic_mbx_exchange exchange;
    uint32_t bad_requests;
    uint32_t bad_replies;
    uint32_t late_replies;
    uint32_t dup_replies;
} SriovnicMailboxRegs;

/*
 * What the host PF agent of a host-owned card keeps per VF (a VMState
 * subsection of the VF): the mailbox capabilities the VF's driver offered
 * in its last HELLO, the host's MTU limit for the VF, and whether a
 * PF_RESET notice waits for the VF to empty its message slot.
 */
typedef struct SriovnicVfHostRegs {
    uint32_t mbx_caps;       /* SRIOVNIC_MBX_CAPS_KNOWN bits */
    uint32_t mtu_limit;      /* SRIOVNIC_MTU_MIN..SRIOVNIC_MTU_MAX */
    uint32_t notice_pending; /* 0 or 1 */
} SriovnicVfHostRegs;

/* The PF's own administration registers. */
typedef struct SriovnicPfAdminRegs {
    uint32_t vf_select; /* SRIOVNIC_REG_PF_VF_SELECT */
} SriovnicPfAdminRegs;

/* The migrated state, owned by the core. NULL for a function/VF that does not exist. */
SriovnicFnRegs *sriovnic_core_fn_regs(SriovnicCore *core, uint16_t fn);
SriovnicVfAdminRegs *sriovnic_core_vf_admin_regs(SriovnicCore *core, uint16_t vf);
SriovnicMailboxRegs *sriovnic_core_vf_mailbox_regs(SriovnicCore *core, uint16_t vf);
/* NULL also when the card is not host-owned (no host PF agent). */
SriovnicVfHostRegs *sriovnic_core_vf_host_regs(SriovnicCore *core, uint16_t vf);
SriovnicPfAdminRegs *sriovnic_core_pf_admin_regs(SriovnicCore *core);

/*
 * Validates a function's migrated state (for a VF: also its administration
 * and mailbox) after migration and rebuilds derived state.
 * Returns true, or false with the reason in `err`.
 */
bool sriovnic_core_post_load(SriovnicCore *core, uint16_t fn,
                             char *err, size_t err_len);

#endif /* SRIOVNIC_CORE_REGS_H */
