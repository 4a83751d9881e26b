/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sriovnic: the VMState descriptions of the core's migrated state, shared by
 * the PF and VF device types.
 *
 * The stream layout is frozen at interface 1.4: a function's section holds its
 * register file, then (for every function, the PF's unused) the PF's
 * administration of it and its mailbox. The core keeps these in separate
 * structs now; each part is described on its own and the parts follow one
 * another exactly as the 1.4 fields did, so a 1.4 stream still loads. New
 * state goes into subsections with a `needed` test; version_id and
 * minimum_version_id of the sections stay where they are.
 */
#include "qemu/osdep.h"
#include "migration/vmstate.h"
#include "sriovnic.h"

static const VMStateDescription vmstate_sriovnic_queue = {
    .name = "sriovnic/queue",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(tx_base_lo, SriovnicQueueRegs),
        VMSTATE_UINT32(tx_base_hi, SriovnicQueueRegs),
        VMSTATE_UINT32(tx_len, SriovnicQueueRegs),
        VMSTATE_UINT32(tx_head, SriovnicQueueRegs),
        VMSTATE_UINT32(tx_tail, SriovnicQueueRegs),
        VMSTATE_UINT32(tx_ctrl, SriovnicQueueRegs),
        VMSTATE_UINT32(rx_base_lo, SriovnicQueueRegs),
        VMSTATE_UINT32(rx_base_hi, SriovnicQueueRegs),
        VMSTATE_UINT32(rx_len, SriovnicQueueRegs),
        VMSTATE_UINT32(rx_head, SriovnicQueueRegs),
        VMSTATE_UINT32(rx_tail, SriovnicQueueRegs),
        VMSTATE_UINT32(rx_ctrl, SriovnicQueueRegs),
        VMSTATE_UINT32(rx_buf_len, SriovnicQueueRegs),
        VMSTATE_UINT32(irq, SriovnicQueueRegs),
        VMSTATE_UINT32(rx_nobuf, SriovnicQueueRegs),
        VMSTATE_UINT32(itr, SriovnicQueueRegs),
        VMSTATE_END_OF_LIST()
    },
};

const VMStateDescription vmstate_sriovnic_fn_regs = {
    .name = "sriovnic/fn-regs",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(ctrl, SriovnicFnRegs),
        VMSTATE_UINT32(status, SriovnicFnRegs),
        VMSTATE_UINT32(scratch, SriovnicFnRegs),
        VMSTATE_UINT32(int_cause, SriovnicFnRegs),
        VMSTATE_UINT32(int_enable, SriovnicFnRegs),
        VMSTATE_UINT32(misc_vector, SriovnicFnRegs),
        VMSTATE_UINT32(err_cause, SriovnicFnRegs),
        VMSTATE_UINT32(err_count, SriovnicFnRegs),
        VMSTATE_UINT32(err_addr, SriovnicFnRegs),
        VMSTATE_UINT32(mac_lo, SriovnicFnRegs),
        VMSTATE_UINT32(mac_hi, SriovnicFnRegs),
        VMSTATE_UINT32(mac_lo_staged, SriovnicFnRegs),
        VMSTATE_UINT32(mtu, SriovnicFnRegs),
        VMSTATE_UINT32(rx_mode, SriovnicFnRegs),
        VMSTATE_UINT32(mc_hash_lo, SriovnicFnRegs),
        VMSTATE_UINT32(mc_hash_hi, SriovnicFnRegs),
        /* Counters added since interface 1.4 travel in a subsection. */
        VMSTATE_UINT64_SUB_ARRAY(stats, SriovnicFnRegs, 0, SRIOVNIC_STATS_IN_BASE),
        VMSTATE_STRUCT_ARRAY(queues, SriovnicFnRegs, SRIOVNIC_MAX_QUEUE_PAIRS, 1,
                             vmstate_sriovnic_queue, SriovnicQueueRegs),
        VMSTATE_END_OF_LIST()
    },
};

const VMStateDescription vmstate_sriovnic_vf_admin_port = {
    .name = "sriovnic/vf-admin-port",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(mac_lo, SriovnicVfAdminRegs),
        VMSTATE_UINT32(mac_hi, SriovnicVfAdminRegs),
        VMSTATE_UINT32(mac_lo_staged, SriovnicVfAdminRegs),
        VMSTATE_UINT32(vlan, SriovnicVfAdminRegs),
        VMSTATE_UINT32(flags, SriovnicVfAdminRegs),
        VMSTATE_UINT32(rate, SriovnicVfAdminRegs),
        VMSTATE_END_OF_LIST()
    },
};

const VMStateDescription vmstate_sriovnic_mailbox = {
    .name = "sriovnic/mailbox",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(status, SriovnicMailboxRegs),
        VMSTATE_UINT32_ARRAY(vf_msg, SriovnicMailboxRegs, SRIOVNIC_MBX_WORDS),
        VMSTATE_UINT32_ARRAY(pf_msg, SriovnicMailboxRegs, SRIOVNIC_MBX_WORDS),
        VMSTATE_END_OF_LIST()
    },
};

/* Interface 1.6: the exchange the device follows and its counters, when used. */
const VMStateDescription vmstate_sriovnic_mailbox_contract = {
    .name = "sriovnic/mailbox-contract",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(exchange.waiting_w0, SriovnicMailboxRegs),
        VMSTATE_UINT32(exchange.answered_w0, SriovnicMailboxRegs),
        VMSTATE_UINT32(exchange.flags, SriovnicMailboxRegs),
        VMSTATE_UINT32(bad_requests, SriovnicMailboxRegs),
        VMSTATE_UINT32(bad_replies, SriovnicMailboxRegs),
        VMSTATE_UINT32(late_replies, SriovnicMailboxRegs),
        VMSTATE_UINT32(dup_replies, SriovnicMailboxRegs),
        VMSTATE_END_OF_LIST()
    },
};

bool sriovnic_mailbox_contract_needed(const SriovnicMailboxRegs *m)
{
    return m->exchange.flags || m->bad_requests || m->bad_replies || m->late_replies ||
           m->dup_replies;
}

const VMStateDescription vmstate_sriovnic_vf_admin_vlans = {
    .name = "sriovnic/vf-admin-vlans",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32_ARRAY(vlan_filter, SriovnicVfAdminRegs, SRIOVNIC_VLAN_WORDS),
        VMSTATE_END_OF_LIST()
    },
};

const VMStateDescription vmstate_sriovnic_vf_admin_mc_owner = {
    .name = "sriovnic/vf-admin-mc-owner",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(mc_hash_by_pf, SriovnicVfAdminRegs),
        VMSTATE_END_OF_LIST()
    },
};

/* A host-owned card's host PF agent, per VF (sriovnic_core_vf_host_regs). */
const VMStateDescription vmstate_sriovnic_vf_host_agent = {
    .name = "sriovnic/vf-host-agent",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(mbx_caps, SriovnicVfHostRegs),
        VMSTATE_UINT32(mtu_limit, SriovnicVfHostRegs),
        VMSTATE_UINT32(notice_pending, SriovnicVfHostRegs),
        VMSTATE_END_OF_LIST()
    },
};

/* A VF's administration in one piece (a sriovnic-card carries every VF's). */
const VMStateDescription vmstate_sriovnic_vf_admin = {
    .name = "sriovnic/vf-admin",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(mac_lo, SriovnicVfAdminRegs),
        VMSTATE_UINT32(mac_hi, SriovnicVfAdminRegs),
        VMSTATE_UINT32(mac_lo_staged, SriovnicVfAdminRegs),
        VMSTATE_UINT32(vlan, SriovnicVfAdminRegs),
        VMSTATE_UINT32(flags, SriovnicVfAdminRegs),
        VMSTATE_UINT32(rate, SriovnicVfAdminRegs),
        VMSTATE_UINT32_ARRAY(vlan_filter, SriovnicVfAdminRegs, SRIOVNIC_VLAN_WORDS),
        VMSTATE_UINT32(mc_hash_by_pf, SriovnicVfAdminRegs),
        VMSTATE_END_OF_LIST()
    },
};

const VMStateDescription vmstate_sriovnic_pf_admin = {
    .name = "sriovnic/pf-admin",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(vf_select, SriovnicPfAdminRegs),
        VMSTATE_END_OF_LIST()
    },
};

/* Counters beyond the STAT_BASE window (interface 1.5), migrated when used. */
const VMStateDescription vmstate_sriovnic_fn_counters2 = {
    .name = "sriovnic/fn-counters2",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT64_SUB_ARRAY(stats, SriovnicFnRegs, SRIOVNIC_STATS_IN_BASE,
                                 SRIOVNIC_NUM_STATS - SRIOVNIC_STATS_IN_BASE),
        VMSTATE_END_OF_LIST()
    },
};

bool sriovnic_counters2_needed(const SriovnicFnRegs *regs)
{
    for (unsigned i = SRIOVNIC_STATS_IN_BASE; i < SRIOVNIC_NUM_STATS; i++) {
        if (regs->stats[i]) {
            return true;
        }
    }
    return false;
}

/* ---- the synthetic function (sriovnic-synth) ---- */

static const VMStateDescription vmstate_sriovnic_synth_queue = {
    .name = "sriovnic-synth/queue",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(desc_lo, SriovnicSynthQueueRegs),
        VMSTATE_UINT32(desc_hi, SriovnicSynthQueueRegs),
        VMSTATE_UINT32(avail_lo, SriovnicSynthQueueRegs),
        VMSTATE_UINT32(avail_hi, SriovnicSynthQueueRegs),
        VMSTATE_UINT32(used_lo, SriovnicSynthQueueRegs),
        VMSTATE_UINT32(used_hi, SriovnicSynthQueueRegs),
        VMSTATE_UINT32(size, SriovnicSynthQueueRegs),
        VMSTATE_UINT32(enable, SriovnicSynthQueueRegs),
        VMSTATE_UINT32(avail_pos, SriovnicSynthQueueRegs),
        VMSTATE_UINT32(used_pos, SriovnicSynthQueueRegs),
        VMSTATE_END_OF_LIST()
    },
};

/* New synthetic state goes into subsections, as for the PF and VF. */
const VMStateDescription vmstate_sriovnic_synth_regs = {
    .name = "sriovnic-synth/regs",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(ctrl, SriovnicSynthRegs),
        VMSTATE_UINT32(status, SriovnicSynthRegs),
        VMSTATE_UINT32(scratch, SriovnicSynthRegs),
        VMSTATE_UINT32(int_cause, SriovnicSynthRegs),
        VMSTATE_UINT32(int_enable, SriovnicSynthRegs),
        VMSTATE_UINT32(misc_vector, SriovnicSynthRegs),
        VMSTATE_UINT32(err_cause, SriovnicSynthRegs),
        VMSTATE_UINT32(err_count, SriovnicSynthRegs),
        VMSTATE_UINT32(err_addr, SriovnicSynthRegs),
        VMSTATE_UINT32(mtu, SriovnicSynthRegs),
        VMSTATE_UINT32(rx_mode, SriovnicSynthRegs),
        VMSTATE_UINT32(mc_hash_lo, SriovnicSynthRegs),
        VMSTATE_UINT32(mc_hash_hi, SriovnicSynthRegs),
        VMSTATE_UINT32(drv_features, SriovnicSynthRegs),
        VMSTATE_UINT32(features_ok, SriovnicSynthRegs),
        VMSTATE_UINT32(data_irq, SriovnicSynthRegs),
        VMSTATE_UINT32(event_seq, SriovnicSynthRegs),
        VMSTATE_UINT32(num_events, SriovnicSynthRegs),
        VMSTATE_UINT8_2DARRAY(events, SriovnicSynthRegs,
                              SRIOVNIC_SYNTH_MAX_WAITING_EVENTS,
                              SRIOVNIC_SYNTH_MSG_MAX),
        VMSTATE_UINT32(dp_state, SriovnicSynthRegs),
        VMSTATE_UINT32(dp_vf, SriovnicSynthRegs),
        VMSTATE_UINT32(dp_serial, SriovnicSynthRegs),
        VMSTATE_UINT64_ARRAY(stats, SriovnicSynthRegs, SRIOVNIC_NUM_STATS),
        VMSTATE_UINT64_ARRAY(synth_stats, SriovnicSynthRegs,
                             SRIOVNIC_SYNTH_NUM_STATS),
        VMSTATE_STRUCT_ARRAY(queues, SriovnicSynthRegs,
                             SRIOVNIC_SYNTH_NUM_QUEUES, 1,
                             vmstate_sriovnic_synth_queue,
                             SriovnicSynthQueueRegs),
        VMSTATE_END_OF_LIST()
    },
};

/* sriovnic-synth/guard: the port policies' drop counter, while nonzero. */
const VMStateDescription vmstate_sriovnic_synth_guard_regs = {
    .name = "sriovnic-synth/guard-regs",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT64(guard_drops, SriovnicSynthRegs),
        VMSTATE_END_OF_LIST()
    },
};

/* sriovnic-synth/revoke: the revoke in flight, only while REVOKING. */
const VMStateDescription vmstate_sriovnic_synth_revoke_regs = {
    .name = "sriovnic-synth/revoke-regs",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(revoke_reason, SriovnicSynthRegs),
        VMSTATE_UINT32(revoke_left_ms, SriovnicSynthRegs),
        VMSTATE_END_OF_LIST()
    },
};
