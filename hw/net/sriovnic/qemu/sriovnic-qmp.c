/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sriovnic: QMP commands and events (qapi/sriovnic.json, added to QEMU's
 * schema by scripts/qemu/patches/0003-qapi-hmp-sriovnic-management.patch).
 *
 * Thin glue like the rest: it finds the devices, converts arguments and
 * snapshots between QAPI and the core's C API, and passes the core's
 * refusals through. Which reasons keep a channel off its VF, whether an
 * offer or revoke is allowed and when the data path changes are the core's
 * decisions (sriovnic_core_synth_reasons, sriovnic_core_synth_*, the
 * synth_datapath_changed op).
 */
#include "qemu/osdep.h"
#include "hw/qdev-core.h"
#include "hw/pci/pci.h"
#include "hw/pci/pcie_sriov.h"
#include "qapi/error.h"
#include "qapi/qapi-commands-sriovnic.h"
#include "qapi/qapi-events-sriovnic.h"
#include "qemu/timer.h"
#include "sriovnic/regs.h"
#include "sriovnic/synth.h"
#include "sriovnic.h"
#include "trace.h"

#define SRIOVNIC_QMP_TIMEOUT_MAX 600000 /* ms, as the revoke-timeout property */

/* The QAPI enums list the core's values in the core's order. */
QEMU_BUILD_BUG_ON((int)SRIOVNIC_DATA_PATH_STATE_SYNTHETIC != (int)SRIOVNIC_SYNTH_DP_SYNTHETIC);
QEMU_BUILD_BUG_ON((int)SRIOVNIC_DATA_PATH_STATE_REVOKING != (int)SRIOVNIC_SYNTH_DP_REVOKING);
QEMU_BUILD_BUG_ON((int)SRIOVNIC_DATA_PATH_STATE__MAX != (int)SRIOVNIC_SYNTH_DP_REVOKING + 1);
QEMU_BUILD_BUG_ON((int)SRIOVNIC_DATA_PATH_CAUSE_OFFER != (int)SRIOVNIC_SYNTH_CAUSE_OFFER);
QEMU_BUILD_BUG_ON((int)SRIOVNIC_DATA_PATH_CAUSE_RESET != (int)SRIOVNIC_SYNTH_CAUSE_RESET);
QEMU_BUILD_BUG_ON((int)SRIOVNIC_DATA_PATH_CAUSE__MAX != (int)SRIOVNIC_SYNTH_CAUSE_RESET + 1);
/* enum sriovnic_synth_revoke_reason starts at 1 (MIGRATION). */
QEMU_BUILD_BUG_ON((int)SRIOVNIC_REVOKE_REASON__MAX != (int)SRIOVNIC_SYNTH_REVOKE_REASON_MAX);
QEMU_BUILD_BUG_ON((int)SRIOVNIC_REASON_CODE_POLICY != (int)SRIOVNIC_SYNTH_WHY_POLICY);
QEMU_BUILD_BUG_ON((int)SRIOVNIC_REASON_CODE_REVOKING != (int)SRIOVNIC_SYNTH_WHY_REVOKING);
QEMU_BUILD_BUG_ON((int)SRIOVNIC_REASON_CODE_PORT_POLICY != (int)SRIOVNIC_SYNTH_WHY_PORT_POLICY);
QEMU_BUILD_BUG_ON((int)SRIOVNIC_REASON_CODE__MAX != (int)SRIOVNIC_SYNTH_WHY_COUNT);
/* SriovnicPortPolicy i is SRIOVNIC_SYNTH_POLICY_* bit i. */
QEMU_BUILD_BUG_ON((1u << SRIOVNIC_PORT_POLICY_ROUTER_GUARD) != SRIOVNIC_SYNTH_POLICY_ROUTER_GUARD);
QEMU_BUILD_BUG_ON((1u << SRIOVNIC_PORT_POLICY_DHCP_GUARD) != SRIOVNIC_SYNTH_POLICY_DHCP_GUARD);
QEMU_BUILD_BUG_ON((1u << SRIOVNIC_PORT_POLICY__MAX) - 1 != SRIOVNIC_SYNTH_POLICY_ALL);
QEMU_BUILD_BUG_ON((int)SRIOVNIC_VF_LINK_STATE_ENABLE != (int)SRIOVNIC_VFA_LINK_ENABLE);
QEMU_BUILD_BUG_ON((int)SRIOVNIC_VF_LINK_STATE_DISABLE != (int)SRIOVNIC_VFA_LINK_DISABLE);

/* SriovnicOffload, in its order, as SRIOVNIC_SYNTH_F_* bits. */
static const uint32_t sriovnic_offload_bits[SRIOVNIC_OFFLOAD__MAX] = {
    [SRIOVNIC_OFFLOAD_CSUM_TX] = SRIOVNIC_SYNTH_F_CSUM_TX,
    [SRIOVNIC_OFFLOAD_CSUM_RX] = SRIOVNIC_SYNTH_F_CSUM_RX,
    [SRIOVNIC_OFFLOAD_TSO4] = SRIOVNIC_SYNTH_F_TSO4,
    [SRIOVNIC_OFFLOAD_TSO6] = SRIOVNIC_SYNTH_F_TSO6,
};

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

/* "a, b or c": the names of a QAPI enum, for error messages. */
static char *sriovnic_enum_names(const QEnumLookup *lookup)
{
    GString *s = g_string_new(NULL);

    for (int i = 0; i < lookup->size; i++) {
        g_string_append_printf(s, "%s'%s'",
                               i == 0 ? "" : i + 1 == lookup->size ? " or " : ", ",
                               lookup->array[i]);
    }
    return g_string_free(s, false);
}

static int sriovnic_enum_parse(const QEnumLookup *lookup, const char *value)
{
    for (int i = 0; i < lookup->size; i++) {
        if (!strcmp(lookup->array[i], value)) {
            return i;
        }
    }
    return -1;
}

/* ---- finding devices ---- */

/* The sriovnic-synth device named by `id` (its id or QOM path). */
static SriovnicSynthState *sriovnic_qmp_channel(const char *cmd, const char *id,
                                                Error **errp)
{
    ERRP_GUARD();
    bool ambiguous = false;
    Object *obj = object_resolve_path_type(id, TYPE_SRIOVNIC_SYNTH, &ambiguous);

    if (!obj) {
        if (ambiguous) {
            error_setg(errp, "'id': more than one " TYPE_SRIOVNIC_SYNTH
                       " device matches '%s'; give its QOM path", id);
        } else if (object_resolve_path(id, &ambiguous)) {
            error_setg(errp, "'id': '%s' is not a " TYPE_SRIOVNIC_SYNTH
                       " device", id);
        } else {
            error_setg(errp, "'id': no " TYPE_SRIOVNIC_SYNTH " device with id "
                       "or QOM path '%s'", id);
        }
        trace_sriovnic_qmp_refused(cmd, id, error_get_pretty(*errp));
        return NULL;
    }
    if (!SRIOVNIC_SYNTH(obj)->core) {
        error_setg(errp, "'id': " TYPE_SRIOVNIC_SYNTH " '%s' is not realized",
                   id);
        trace_sriovnic_qmp_refused(cmd, id, error_get_pretty(*errp));
        return NULL;
    }
    return SRIOVNIC_SYNTH(obj);
}

/* The sriovnic PF named by `id` (its id or QOM path). */
static SriovnicPfState *sriovnic_qmp_card(const char *cmd, const char *id,
                                          Error **errp)
{
    ERRP_GUARD();
    bool ambiguous = false;
    Object *obj = object_resolve_path_type(id, TYPE_SRIOVNIC, &ambiguous);

    if (!obj) {
        if (ambiguous) {
            error_setg(errp, "'id': more than one " TYPE_SRIOVNIC
                       " device matches '%s'; give its QOM path", id);
        } else if (object_resolve_path(id, &ambiguous)) {
            error_setg(errp, "'id': '%s' is not a " TYPE_SRIOVNIC " device", id);
        } else {
            error_setg(errp, "'id': no " TYPE_SRIOVNIC " device with id "
                       "or QOM path '%s'", id);
        }
        trace_sriovnic_qmp_refused(cmd, id, error_get_pretty(*errp));
        return NULL;
    }
    if (!SRIOVNIC(obj)->core) {
        error_setg(errp, "'id': " TYPE_SRIOVNIC " '%s' is not realized", id);
        trace_sriovnic_qmp_refused(cmd, id, error_get_pretty(*errp));
        return NULL;
    }
    return SRIOVNIC(obj);
}

static int sriovnic_collect_pf(Object *obj, void *opaque)
{
    GPtrArray *pfs = opaque;

    if (object_dynamic_cast(obj, TYPE_SRIOVNIC) && DEVICE(obj)->realized &&
        SRIOVNIC(obj)->core) {
        g_ptr_array_add(pfs, obj);
    }
    return 0;
}

static gint sriovnic_compare_path(gconstpointer a, gconstpointer b)
{
    g_autofree char *pa = object_get_canonical_path(*(Object *const *)a);
    g_autofree char *pb = object_get_canonical_path(*(Object *const *)b);

    return strcmp(pa, pb);
}

/* Every realized sriovnic PF, ordered by QOM path. */
static GPtrArray *sriovnic_qmp_cards(void)
{
    GPtrArray *pfs = g_ptr_array_new();

    object_child_foreach_recursive(object_get_root(), sriovnic_collect_pf, pfs);
    g_ptr_array_sort(pfs, sriovnic_compare_path);
    return pfs;
}

/* ---- query-sriovnic ---- */

static SriovnicPfInfo *sriovnic_pf_info(SriovnicPfState *s)
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

static SriovnicVfInfo *sriovnic_vf_info(SriovnicPfState *s, uint16_t vf)
{
    SriovnicVfInfo *info = g_new0(SriovnicVfInfo, 1);
    SriovnicVfAdmin *admin = g_new0(SriovnicVfAdmin, 1);
    SriovnicFnInfo fi;

    sriovnic_core_fn_info(s->core, sriovnic_fn_of_vf(vf), &fi);
    info->index = vf;
    info->enabled = fi.present;
    info->driver_enabled = fi.driver_enabled;
    info->link_up = fi.link_up;
    info->mac = sriovnic_mac_str(fi.mac);
    info->mtu = fi.mtu;
    info->paired = fi.mac_pinned;
    if (fi.admin_mac_set) {
        admin->mac = sriovnic_mac_str(fi.admin_mac);
    }
    admin->vlan = fi.vlan;
    admin->qos = fi.qos;
    admin->spoof_check = fi.spoofchk;
    admin->trust = fi.trust;
    admin->link_state = fi.link_state == SRIOVNIC_VFA_LINK_ENABLE ?
                        SRIOVNIC_VF_LINK_STATE_ENABLE :
                        fi.link_state == SRIOVNIC_VFA_LINK_DISABLE ?
                        SRIOVNIC_VF_LINK_STATE_DISABLE : SRIOVNIC_VF_LINK_STATE_AUTO;
    admin->max_tx_rate = fi.max_tx_rate;
    admin->max_mtu = fi.max_mtu;
    info->admin = admin;
    info->counters = sriovnic_counters(fi.stats);
    info->link_flapping = fi.link_flapping;
    info->surprise_removed = fi.surprise_removed;
    info->mailbox_timeout = fi.mailbox_timeout;
    info->dma_error = fi.dma_error;
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
    return info;
}

static SriovnicInfo *sriovnic_card_info(SriovnicPfState *s)
{
    SriovnicInfo *info = g_new0(SriovnicInfo, 1);
    SriovnicVfInfoList **vfs = &info->vfs;
    SriovnicChannelInfoList **channels = &info->channels;
    uint16_t total_vfs = sriovnic_core_total_vfs(s->core);

    info->id = g_strdup(DEVICE(s)->id);
    info->qom_path = object_get_canonical_path(OBJECT(s));
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
    g_autoptr(GPtrArray) pfs = sriovnic_qmp_cards();
    SriovnicInfoList *head = NULL, **tail = &head;

    trace_sriovnic_qmp_query(pfs->len);
    for (guint i = 0; i < pfs->len; i++) {
        QAPI_LIST_APPEND(tail, sriovnic_card_info(SRIOVNIC(pfs->pdata[i])));
    }
    return head;
}

/* ---- host operations ---- */

void qmp_sriovnic_offer(const char *id, Error **errp)
{
    SriovnicSynthState *c = sriovnic_qmp_channel("sriovnic-offer", id, errp);
    char err[256];

    if (!c) {
        return;
    }
    trace_sriovnic_qmp_offer(id, c->fn);
    if (!sriovnic_core_synth_offer(c->core, c->fn, err, sizeof(err))) {
        trace_sriovnic_qmp_refused("sriovnic-offer", id, err);
        error_setg(errp, "%s", err);
    }
}

void qmp_sriovnic_revoke(const char *id, const char *reason, bool has_surprise,
                         bool surprise, bool has_timeout_ms, uint32_t timeout_ms,
                         Error **errp)
{
    ERRP_GUARD();
    SriovnicSynthState *c = sriovnic_qmp_channel("sriovnic-revoke", id, errp);
    int r = sriovnic_enum_parse(&SriovnicRevokeReason_lookup, reason);
    char err[256];

    if (!c) {
        return;
    }
    if (r < 0) {
        g_autofree char *names = sriovnic_enum_names(&SriovnicRevokeReason_lookup);

        error_setg(errp, "'reason' must be %s (got '%s')", names, reason);
    } else if (has_timeout_ms && has_surprise && surprise) {
        error_setg(errp, "'timeout-ms' does not apply to a surprise revoke "
                   "(which does not wait)");
    } else if (has_timeout_ms &&
               (timeout_ms < 1 || timeout_ms > SRIOVNIC_QMP_TIMEOUT_MAX)) {
        error_setg(errp, "'timeout-ms' must be between 1 and %u (got %" PRIu32 ")",
                   SRIOVNIC_QMP_TIMEOUT_MAX, timeout_ms);
    }
    if (*errp) {
        trace_sriovnic_qmp_refused("sriovnic-revoke", id, error_get_pretty(*errp));
        return;
    }
    trace_sriovnic_qmp_revoke(id, c->fn, reason, has_surprise && surprise,
                              has_timeout_ms ? timeout_ms : 0);
    if (!sriovnic_core_synth_revoke(c->core, c->fn,
                                    r + SRIOVNIC_SYNTH_REVOKE_MIGRATION,
                                    has_surprise && surprise,
                                    has_timeout_ms ? timeout_ms : 0,
                                    err, sizeof(err))) {
        trace_sriovnic_qmp_refused("sriovnic-revoke", id, err);
        error_setg(errp, "%s", err);
    }
}

/* The offloads as SRIOVNIC_SYNTH_F_* bits ([] for none). */
static bool sriovnic_parse_offloads(const strList *list, uint32_t *bits,
                                    Error **errp)
{
    *bits = 0;
    for (const strList *l = list; l; l = l->next) {
        int i = sriovnic_enum_parse(&SriovnicOffload_lookup, l->value);

        if (i < 0) {
            g_autofree char *names = sriovnic_enum_names(&SriovnicOffload_lookup);

            error_setg(errp, "'offloads' may hold %s (got '%s')", names, l->value);
            return false;
        }
        *bits |= sriovnic_offload_bits[i];
    }
    return true;
}

/* The port policies as SRIOVNIC_SYNTH_POLICY_* bits ([] for none). */
static bool sriovnic_parse_port_policies(const strList *list, uint32_t *bits,
                                         Error **errp)
{
    *bits = 0;
    for (const strList *l = list; l; l = l->next) {
        int i = sriovnic_enum_parse(&SriovnicPortPolicy_lookup, l->value);

        if (i < 0) {
            g_autofree char *names = sriovnic_enum_names(&SriovnicPortPolicy_lookup);

            error_setg(errp, "'port-policies' may hold %s (got '%s')", names,
                       l->value);
            return false;
        }
        *bits |= 1u << i;
    }
    return true;
}

void qmp_sriovnic_set_policy(const char *id, bool has_sriov_allowed,
                             bool sriov_allowed, bool has_max_mtu,
                             uint32_t max_mtu, bool has_offloads,
                             strList *offloads, bool has_port_policies,
                             strList *port_policies, Error **errp)
{
    ERRP_GUARD();
    SriovnicSynthState *c = sriovnic_qmp_channel("sriovnic-set-policy", id, errp);
    uint32_t offload_bits = 0;
    uint32_t policy_bits = 0;
    char err[256];

    if (!c) {
        return;
    }
    if (!sriovnic_parse_offloads(offloads, &offload_bits, errp) ||
        !sriovnic_parse_port_policies(port_policies, &policy_bits, errp)) {
        trace_sriovnic_qmp_refused("sriovnic-set-policy", id, error_get_pretty(*errp));
        return;
    }
    if (has_max_mtu && max_mtu > UINT16_MAX) {
        /* Too big for the core's field; worded as the core words ranges. */
        error_setg(errp, "'max-mtu' must be between %u and %u (got %" PRIu32 ")",
                   SRIOVNIC_SYNTH_MAX_MTU_MIN, SRIOVNIC_MTU_MAX, max_mtu);
        trace_sriovnic_qmp_refused("sriovnic-set-policy", id, error_get_pretty(*errp));
        return;
    }
    trace_sriovnic_qmp_set_policy(id, c->fn,
                                  has_sriov_allowed ? (int)sriov_allowed : -1,
                                  has_max_mtu ? (int)max_mtu : -1,
                                  has_offloads ? (int)offload_bits : -1,
                                  has_port_policies ? (int)policy_bits : -1);
    /*
     * The one argument the core may refuse goes first: then nothing changed.
     * SR-IOV is disallowed before and allowed after the port policies
     * change, so that no offer is made only to be revoked.
     */
    if ((has_max_mtu &&
         !sriovnic_core_synth_set_max_mtu(c->core, c->fn, max_mtu, err, sizeof(err))) ||
        (has_offloads &&
         !sriovnic_core_synth_set_offloads(c->core, c->fn, offload_bits, err,
                                           sizeof(err))) ||
        (has_sriov_allowed && !sriov_allowed &&
         !sriovnic_core_synth_set_sriov_allowed(c->core, c->fn, false, err,
                                                sizeof(err))) ||
        (has_port_policies &&
         !sriovnic_core_synth_set_port_policies(c->core, c->fn, policy_bits, err,
                                                sizeof(err))) ||
        (has_sriov_allowed && sriov_allowed &&
         !sriovnic_core_synth_set_sriov_allowed(c->core, c->fn, true, err,
                                                sizeof(err)))) {
        trace_sriovnic_qmp_refused("sriovnic-set-policy", id, err);
        error_setg(errp, "%s", err);
    }
}

/* ---- fault injection ---- */

QEMU_BUILD_BUG_ON((int)SRIOVNIC_FAULT__MAX != (int)SRIOVNIC_INJECT_COUNT);
QEMU_BUILD_BUG_ON((int)SRIOVNIC_FAULT_LINK_FLAP != (int)SRIOVNIC_INJECT_LINK_FLAP);
QEMU_BUILD_BUG_ON((int)SRIOVNIC_FAULT_SURPRISE_REMOVAL !=
                  (int)SRIOVNIC_INJECT_SURPRISE_REMOVAL);
QEMU_BUILD_BUG_ON((int)SRIOVNIC_FAULT_RESTORE != (int)SRIOVNIC_INJECT_RESTORE);
QEMU_BUILD_BUG_ON((int)SRIOVNIC_FAULT_FLR != (int)SRIOVNIC_INJECT_FLR);
QEMU_BUILD_BUG_ON((int)SRIOVNIC_FAULT_MAILBOX_TIMEOUT != (int)SRIOVNIC_INJECT_MAILBOX_TIMEOUT);
QEMU_BUILD_BUG_ON((int)SRIOVNIC_FAULT_DMA_ERROR != (int)SRIOVNIC_INJECT_DMA_ERROR);

void qmp_sriovnic_inject_fault(const char *id, uint32_t vf, const char *fault,
                               bool has_duration_ms, uint32_t duration_ms,
                               Error **errp)
{
    ERRP_GUARD();
    SriovnicPfState *s = sriovnic_qmp_card("sriovnic-inject-fault", id, errp);
    int f = sriovnic_enum_parse(&SriovnicFault_lookup, fault);
    char err[256];

    if (!s) {
        return;
    }
    if (f < 0) {
        g_autofree char *names = sriovnic_enum_names(&SriovnicFault_lookup);

        error_setg(errp, "'fault' must be %s (got '%s')", names, fault);
    } else if (vf > UINT16_MAX) {
        error_setg(errp, "'vf' %" PRIu32 " is out of range: the card has %u VFs",
                   vf, sriovnic_core_total_vfs(s->core));
    } else if (has_duration_ms &&
               (f == SRIOVNIC_FAULT_RESTORE || f == SRIOVNIC_FAULT_FLR)) {
        error_setg(errp, "'duration-ms' does not apply to '%s'", fault);
    } else if (has_duration_ms &&
               (duration_ms < 1 || duration_ms > SRIOVNIC_FAULT_MAX_DURATION_MS)) {
        error_setg(errp, "'duration-ms' must be between 1 and %u (got %" PRIu32 ")",
                   SRIOVNIC_FAULT_MAX_DURATION_MS, duration_ms);
    }
    if (*errp) {
        trace_sriovnic_qmp_refused("sriovnic-inject-fault", id, error_get_pretty(*errp));
        return;
    }
    trace_sriovnic_qmp_inject_fault(id, vf, fault, has_duration_ms ? duration_ms : 0);
    if (!sriovnic_core_inject_fault(s->core, vf, f, has_duration_ms ? duration_ms : 0,
                                    err, sizeof(err))) {
        trace_sriovnic_qmp_refused("sriovnic-inject-fault", id, err);
        error_setg(errp, "%s", err);
        return;
    }
    if (f == SRIOVNIC_FAULT_FLR) {
        /* As the VF's own Initiate FLR bit does (pcie_cap_flr_write_config). */
        PCIDevice *vf_dev = pcie_sriov_get_vf_at_index(PCI_DEVICE(s), vf);

        if (vf_dev) {
            pci_device_reset(vf_dev);
        }
    }
}

/* ---- events ---- */

void sriovnic_qmp_datapath_changed(SriovnicPfState *s, const SriovnicSynthTransition *t)
{
    uint32_t i = sriovnic_channel_of_fn(t->fn, s->total_vfs);
    PCIDevice *dev = sriovnic_fn_is_channel(t->fn, s->total_vfs) && i < s->num_synth ?
                     s->synth_devs[i] : NULL;
    g_autofree char *path = NULL;
    bool has_reason = t->revoke_reason >= SRIOVNIC_SYNTH_REVOKE_MIGRATION &&
                      t->revoke_reason <= SRIOVNIC_SYNTH_REVOKE_REASON_MAX;

    if (!dev || t->old_state >= SRIOVNIC_DATA_PATH_STATE__MAX ||
        t->new_state >= SRIOVNIC_DATA_PATH_STATE__MAX ||
        t->cause >= SRIOVNIC_DATA_PATH_CAUSE__MAX) {
        return; /* a channel being torn down, or nothing QAPI can say */
    }
    path = object_get_canonical_path(OBJECT(dev));
    trace_sriovnic_qmp_event_datapath(t->fn,
                                      SriovnicDataPathState_str(t->old_state),
                                      SriovnicDataPathState_str(t->new_state),
                                      SriovnicDataPathCause_str(t->cause),
                                      t->since_previous_ns / SCALE_US);
    qapi_event_send_sriovnic_datapath_changed(
        DEVICE(dev)->id, path, t->old_state, t->new_state, t->cause, t->vf,
        has_reason, has_reason ? t->revoke_reason - SRIOVNIC_SYNTH_REVOKE_MIGRATION : 0,
        t->has_previous, t->since_previous_ns / SCALE_US);
}
