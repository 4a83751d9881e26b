/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sriovnic: query-sriovnic. The core builds every snapshot
 * (sriovnic_core_fn_info, sriovnic_core_synth_query, its reasons); this
 * file only converts them to QAPI types.
 */
#include "qemu/osdep.h"
#include "hw/qdev-core.h"
#include "qapi/error.h"
#include "qapi/qapi-commands-sriovnic.h"
#include "qemu/timer.h"
#include "sriovnic/regs.h"
#include "sriovnic/synth.h"
#include "sriovnic-qmp.h"
#include "trace.h"

static char *sriovnic_mac_str(const uint8_t *m)
{
    return g_strdup_printf("%02x:%02x:%02x:%02x:%02x:%02x",
                           m[0], m[1], m[2], m[3], m[4], m[5]);
}

static SriovnicCounters *sriovnic_counters(const uint64_t *stats)
{
    SriovnicCounters *c = g_new0(SriovnicCounters, 1);

    c->rx_packets = stats[SRIOVNIC_STAT_RX_PACKETS];
    c->rx_bytes = stats[SRIOVNIC_STAT_RX_BYTES];
    c->tx_packets = stats[SRIOVNIC_STAT_TX_PACKETS];
    c->tx_bytes = stats[SRIOVNIC_STAT_TX_BYTES];
    c->rx_dropped_nobuf = stats[SRIOVNIC_STAT_RX_DROP_NOBUF];
    return c;
}

static SriovnicPfInfo *sriovnic_pf_info(SriovnicCard *s)
{
    SriovnicPfInfo *info = g_new0(SriovnicPfInfo, 1);
    SriovnicFnInfo fi;

    sriovnic_core_fn_info(s->core, SRIOVNIC_FN_PF, &fi);
    info->mac = sriovnic_mac_str(fi.mac);
    info->driver_enabled = fi.driver_enabled;
    info->link_up = fi.link_up;
    info->mtu = fi.mtu;
    info->queue_pairs = fi.queue_pairs;
    info->total_vfs = sriovnic_core_total_vfs(s->core);
    info->num_vfs = sriovnic_core_active_vfs(s->core);
    info->counters = sriovnic_counters(fi.stats);
    return info;
}

static SriovnicVfAdmin *sriovnic_vf_admin(const SriovnicFnInfo *fi)
{
    SriovnicVfAdmin *admin = g_new0(SriovnicVfAdmin, 1);

    if (fi->admin_mac_set) {
        admin->mac = sriovnic_mac_str(fi->admin_mac);
    }
    admin->vlan = fi->vlan;
    admin->qos = fi->qos;
    admin->spoof_check = fi->spoofchk;
    admin->trust = fi->trust;
    admin->link_state = fi->link_state == SRIOVNIC_VFA_LINK_ENABLE ?
                        SRIOVNIC_VF_LINK_STATE_ENABLE :
                        fi->link_state == SRIOVNIC_VFA_LINK_DISABLE ?
                        SRIOVNIC_VF_LINK_STATE_DISABLE : SRIOVNIC_VF_LINK_STATE_AUTO;
    admin->max_tx_rate = fi->max_tx_rate;
    admin->max_mtu = fi->max_mtu;
    admin->has_mtu_limit = fi->has_mtu_limit;
    admin->mtu_limit = fi->mtu_limit;
    return admin;
}

SriovnicVfAdmin *sriovnic_qmp_vf_admin(SriovnicCard *s, uint16_t vf)
{
    SriovnicFnInfo fi;

    sriovnic_core_fn_info(s->core, sriovnic_fn_of_vf(vf), &fi);
    return sriovnic_vf_admin(&fi);
}

static SriovnicVfInfo *sriovnic_vf_info(SriovnicCard *s, uint16_t vf)
{
    SriovnicVfInfo *info = g_new0(SriovnicVfInfo, 1);
    SriovnicFnInfo fi;

    sriovnic_core_fn_info(s->core, sriovnic_fn_of_vf(vf), &fi);
    info->index = vf;
    info->enabled = fi.present;
    info->driver_enabled = fi.driver_enabled;
    info->link_up = fi.link_up;
    info->mac = sriovnic_mac_str(fi.mac);
    info->mtu = fi.mtu;
    info->paired = fi.mac_pinned;
    info->admin = sriovnic_vf_admin(&fi);
    info->counters = sriovnic_counters(fi.stats);
    info->link_flapping = fi.link_flapping;
    info->surprise_removed = fi.surprise_removed;
    info->mailbox_timeout = fi.mailbox_timeout;
    info->dma_error = fi.dma_error;
    if (!s->pf && sriovnic_card_vf_device(s, vf)) {
        info->device = object_get_canonical_path(OBJECT(sriovnic_card_vf_device(s, vf)));
    }
    return info;
}

static SriovnicChannelInfo *sriovnic_channel_info(SriovnicSynthState *c)
{
    SriovnicChannelInfo *info = g_new0(SriovnicChannelInfo, 1);
    DeviceState *dev = DEVICE(c);
    SriovnicSynthInfo si;
    SriovnicSynthReasons why;
    SriovnicOffloadList **offloads = &info->offloads;
    SriovnicPortPolicyList **policies = &info->port_policies;
    SriovnicReasonList **reasons = &info->reasons;

    sriovnic_core_synth_query(c->core, c->fn, &si);
    sriovnic_core_synth_reasons(c->core, c->fn, &why);
    info->id = g_strdup(dev->id);
    info->qom_path = object_get_canonical_path(OBJECT(c));
    info->vf = si.paired_vf;
    info->state = si.state;
    info->rx_via_vf = si.rx_via_vf;
    info->vf_up = si.vf_up;
    info->sriov_allowed = si.sriov_allowed;
    info->max_mtu = si.max_mtu;
    for (int i = 0; i < SRIOVNIC_PORT_POLICY__MAX; i++) {
        if (si.port_policies & (1u << i)) {
            QAPI_LIST_APPEND(policies, i);
        }
    }
    info->guard_drops = si.guard_drops;
    for (int i = 0; i < SRIOVNIC_OFFLOAD__MAX; i++) {
        if (si.offloads & sriovnic_offload_bits[i]) {
            QAPI_LIST_APPEND(offloads, i);
        }
    }
    if (si.has_switched) {
        uint64_t now = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);

        info->has_last_switch_us = true;
        info->last_switch_us = si.last_switch_ns / SCALE_US;
        info->has_since_last_switch_us = true;
        info->since_last_switch_us =
            now > si.last_switch_ns ? (now - si.last_switch_ns) / SCALE_US : 0;
    }
    if (si.last_revoke_reason >= SRIOVNIC_SYNTH_REVOKE_MIGRATION &&
        si.last_revoke_reason <= SRIOVNIC_SYNTH_REVOKE_REASON_MAX) {
        info->last_revoke = g_new0(SriovnicLastRevoke, 1);
        info->last_revoke->reason = si.last_revoke_reason -
                                    SRIOVNIC_SYNTH_REVOKE_MIGRATION;
        info->last_revoke->surprise = si.last_revoke_surprise;
        info->last_revoke->timed_out = si.last_revoke_timed_out;
    }
    info->counters = sriovnic_counters(si.stats);
    info->switches_to_vf = si.synth_stats[SRIOVNIC_SYNTH_STAT_SWITCH_TO_VF];
    info->switches_to_synthetic = si.synth_stats[SRIOVNIC_SYNTH_STAT_SWITCH_TO_SYNTH];
    info->revokes = si.synth_stats[SRIOVNIC_SYNTH_STAT_REVOKES];
    info->revoke_timeouts = si.synth_stats[SRIOVNIC_SYNTH_STAT_REVOKE_TIMEOUTS];
    /* Absent, not empty, while the VF carries the traffic. */
    info->has_reasons = why.count > 0;
    for (unsigned i = 0; i < why.count; i++) {
        SriovnicReason *r = g_new0(SriovnicReason, 1);

        r->code = why.reason[i].code < SRIOVNIC_REASON_CODE__MAX ?
                  why.reason[i].code : SRIOVNIC_REASON_CODE_NOT_OFFERED;
        r->text = g_strdup(why.reason[i].text);
        QAPI_LIST_APPEND(reasons, r);
    }
    if (si.vf_hotplug) {
        SriovnicVfSlot *slot = g_new0(SriovnicVfSlot, 1);

        slot->bus = g_strdup(c->vf_bus);
        slot->state = si.vf_slot;
        slot->has_last_unplug = si.last_unplug != SRIOVNIC_SYNTH_UNPLUG_NONE;
        slot->last_unplug = slot->has_last_unplug ?
                            si.last_unplug - SRIOVNIC_SYNTH_UNPLUG_ACKNOWLEDGED : 0;
        slot->plugs = si.plugs;
        slot->unplugs = si.unplugs;
        slot->forced_unplugs = si.forced_unplugs;
        slot->unplug_retries = si.unplug_retries;
        if (si.last_hotplug_error[0]) {
            slot->last_error = g_strdup(si.last_hotplug_error);
        }
        info->vf_slot = slot;
    }
    return info;
}

static SriovnicInfo *sriovnic_card_info(SriovnicCard *s)
{
    SriovnicInfo *info = g_new0(SriovnicInfo, 1);
    SriovnicVfInfoList **vfs = &info->vfs;
    SriovnicChannelInfoList **channels = &info->channels;
    uint16_t total_vfs = sriovnic_core_total_vfs(s->core);

    info->id = g_strdup(s->owner->id);
    info->qom_path = object_get_canonical_path(OBJECT(s->owner));
    info->host_owned = !s->pf;
    info->pf = sriovnic_pf_info(s);
    for (uint16_t vf = 0; vf < total_vfs; vf++) {
        QAPI_LIST_APPEND(vfs, sriovnic_vf_info(s, vf));
    }
    for (uint16_t i = 0; i < s->num_synth; i++) {
        if (s->synth_devs[i]) {
            QAPI_LIST_APPEND(channels,
                             sriovnic_channel_info(SRIOVNIC_SYNTH(s->synth_devs[i])));
        }
    }
    return info;
}

SriovnicInfoList *qmp_query_sriovnic(Error **errp)
{
    g_autoptr(GPtrArray) cards = sriovnic_qmp_cards();
    SriovnicInfoList *head = NULL, **tail = &head;

    trace_sriovnic_qmp_query(cards->len);
    for (guint i = 0; i < cards->len; i++) {
        QAPI_LIST_APPEND(tail, sriovnic_card_info(sriovnic_card_of(cards->pdata[i])));
    }
    return head;
}

