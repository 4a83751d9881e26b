/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sriovnic: QMP commands (qapi/sriovnic.json, added to QEMU's schema by
 * scripts/qemu/patches/0003-qapi-hmp-sriovnic-management.patch): finding
 * the devices and the host's operations. query-sriovnic is in
 * sriovnic-qmp-query.c, events in sriovnic-qmp-events.c.
 *
 * Thin glue like the rest: it finds the devices, converts names to the
 * core's values (QAPI enum strings to enums and bits) and passes the
 * arguments on at their own width; every range, default, order and refusal
 * is the core's (sriovnic_core_synth_*, sriovnic_core_inject_fault).
 */
#include "qemu/osdep.h"
#include "hw/qdev-core.h"
#include "hw/pci/pci.h"
#include "hw/pci/pcie_sriov.h"
#include "qapi/error.h"
#include "qapi/qapi-commands-sriovnic.h"
#include "qapi/qapi-events-sriovnic.h"
#include "sriovnic/regs.h"
#include "sriovnic/synth.h"
#include "sriovnic-qmp.h"
#include "trace.h"

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
QEMU_BUILD_BUG_ON((int)SRIOVNIC_VF_SLOT_STATE_UNPLUGGING != (int)SRIOVNIC_SYNTH_SLOT_UNPLUGGING);
QEMU_BUILD_BUG_ON((int)SRIOVNIC_UNPLUG_HOW_BY_OTHERS !=
                  (int)SRIOVNIC_SYNTH_UNPLUG_BY_OTHERS - SRIOVNIC_SYNTH_UNPLUG_ACKNOWLEDGED);
/* SriovnicPortPolicy i is SRIOVNIC_SYNTH_POLICY_* bit i. */
QEMU_BUILD_BUG_ON((1u << SRIOVNIC_PORT_POLICY_ROUTER_GUARD) != SRIOVNIC_SYNTH_POLICY_ROUTER_GUARD);
QEMU_BUILD_BUG_ON((1u << SRIOVNIC_PORT_POLICY_DHCP_GUARD) != SRIOVNIC_SYNTH_POLICY_DHCP_GUARD);
QEMU_BUILD_BUG_ON((1u << SRIOVNIC_PORT_POLICY__MAX) - 1 != SRIOVNIC_SYNTH_POLICY_ALL);
QEMU_BUILD_BUG_ON((int)SRIOVNIC_VF_LINK_STATE_ENABLE != (int)SRIOVNIC_VFA_LINK_ENABLE);
QEMU_BUILD_BUG_ON((int)SRIOVNIC_VF_LINK_STATE_DISABLE != (int)SRIOVNIC_VFA_LINK_DISABLE);

const uint32_t sriovnic_offload_bits[SRIOVNIC_OFFLOAD__MAX] = {
    [SRIOVNIC_OFFLOAD_CSUM_TX] = SRIOVNIC_SYNTH_F_CSUM_TX,
    [SRIOVNIC_OFFLOAD_CSUM_RX] = SRIOVNIC_SYNTH_F_CSUM_RX,
    [SRIOVNIC_OFFLOAD_TSO4] = SRIOVNIC_SYNTH_F_TSO4,
    [SRIOVNIC_OFFLOAD_TSO6] = SRIOVNIC_SYNTH_F_TSO6,
};

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

SriovnicSynthState *sriovnic_qmp_channel(const char *cmd, const char *id,
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

SriovnicCard *sriovnic_qmp_card(const char *cmd, const char *id, Error **errp)
{
    ERRP_GUARD();
    bool ambiguous = false;
    Object *obj = object_resolve_path(id, &ambiguous);
    SriovnicCard *card = obj ? sriovnic_card_of(obj) : NULL;

    if (!obj || ambiguous) {
        if (ambiguous) {
            error_setg(errp, "'id': more than one device matches '%s'; give "
                       "its QOM path", id);
        } else {
            error_setg(errp, "'id': no " TYPE_SRIOVNIC " or " TYPE_SRIOVNIC_CARD
                       " device with id or QOM path '%s'", id);
        }
    } else if (!card) {
        error_setg(errp, "'id': '%s' is not a " TYPE_SRIOVNIC " or "
                   TYPE_SRIOVNIC_CARD " device", id);
    } else if (!card->core) {
        error_setg(errp, "'id': '%s' is not realized", id);
        card = NULL;
    }
    if (!card) {
        trace_sriovnic_qmp_refused(cmd, id, error_get_pretty(*errp));
    }
    return card;
}

static int sriovnic_collect_card(Object *obj, void *opaque)
{
    GPtrArray *cards = opaque;
    SriovnicCard *card = sriovnic_card_of(obj);

    if (card && DEVICE(obj)->realized && card->core) {
        g_ptr_array_add(cards, obj);
    }
    return 0;
}

static gint sriovnic_compare_path(gconstpointer a, gconstpointer b)
{
    g_autofree char *pa = object_get_canonical_path(*(Object *const *)a);
    g_autofree char *pb = object_get_canonical_path(*(Object *const *)b);

    return strcmp(pa, pb);
}

GPtrArray *sriovnic_qmp_cards(void)
{
    GPtrArray *cards = g_ptr_array_new();

    object_child_foreach_recursive(object_get_root(), sriovnic_collect_card, cards);
    g_ptr_array_sort(cards, sriovnic_compare_path);
    return cards;
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
        return;
    }
    /* A host-owned card's channel plugs its VF now, so that a plug the
     * platform refuses (no such bus, slot taken) is this command's error. */
    if (c->hotplug_bh) {
        sriovnic_synth_hotplug_run(c, errp);
    }
}

void qmp_sriovnic_revoke(const char *id, const char *reason, bool has_surprise,
                         bool surprise, bool has_timeout_ms, uint32_t timeout_ms,
                         Error **errp)
{
    SriovnicSynthState *c = sriovnic_qmp_channel("sriovnic-revoke", id, errp);
    int r = sriovnic_enum_parse(&SriovnicRevokeReason_lookup, reason);
    SriovnicSynthRevoke req = {
        .reason = r + SRIOVNIC_SYNTH_REVOKE_MIGRATION,
        .surprise = has_surprise && surprise,
        .has_timeout_ms = has_timeout_ms,
        .timeout_ms = timeout_ms,
    };
    char err[256];

    if (!c) {
        return;
    }
    if (r < 0) {
        g_autofree char *names = sriovnic_enum_names(&SriovnicRevokeReason_lookup);

        snprintf(err, sizeof(err), "'reason' must be %s (got '%s')", names, reason);
    } else {
        trace_sriovnic_qmp_revoke(id, c->fn, reason, req.surprise,
                                  has_timeout_ms ? timeout_ms : 0);
        if (sriovnic_core_synth_revoke(c->core, c->fn, &req, err, sizeof(err))) {
            return;
        }
    }
    trace_sriovnic_qmp_refused("sriovnic-revoke", id, err);
    error_setg(errp, "%s", err);
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
    SriovnicSynthPolicy policy = {
        .has_sriov_allowed = has_sriov_allowed,
        .sriov_allowed = sriov_allowed,
        .has_max_mtu = has_max_mtu,
        .max_mtu = max_mtu,
        .has_offloads = has_offloads,
        .has_port_policies = has_port_policies,
    };
    char err[256];

    if (!c) {
        return;
    }
    if (!sriovnic_parse_offloads(offloads, &policy.offloads, errp) ||
        !sriovnic_parse_port_policies(port_policies, &policy.port_policies, errp)) {
        trace_sriovnic_qmp_refused("sriovnic-set-policy", id, error_get_pretty(*errp));
        return;
    }
    trace_sriovnic_qmp_set_policy(id, c->fn,
                                  has_sriov_allowed ? (int)sriov_allowed : -1,
                                  has_max_mtu ? (int)max_mtu : -1,
                                  has_offloads ? (int)policy.offloads : -1,
                                  has_port_policies ? (int)policy.port_policies : -1);
    if (!sriovnic_core_synth_set_policy(c->core, c->fn, &policy, err, sizeof(err))) {
        trace_sriovnic_qmp_refused("sriovnic-set-policy", id, err);
        error_setg(errp, "%s", err);
    }
}

/* ---- the host's administration of a host-owned card's VFs ---- */

/* "52:54:00:12:34:56" (or with dashes) into six bytes. */
static bool sriovnic_parse_mac(const char *str, uint8_t mac[6])
{
    int end = -1;

    if (sscanf(str, "%2hhx%*1[:-]%2hhx%*1[:-]%2hhx%*1[:-]%2hhx%*1[:-]%2hhx%*1[:-]%2hhx%n",
               &mac[0], &mac[1], &mac[2], &mac[3], &mac[4], &mac[5], &end) != 6) {
        return false;
    }
    return end == (int)strlen(str) && end == 17;
}

void qmp_sriovnic_set_vf(const char *id, uint32_t vf, const char *mac,
                         bool has_vlan, uint32_t vlan, bool has_qos, uint32_t qos,
                         bool has_spoof_check, bool spoof_check,
                         bool has_trust, bool trust, const char *link_state,
                         bool has_max_tx_rate, uint32_t max_tx_rate,
                         bool has_mtu_limit, uint32_t mtu_limit, Error **errp)
{
    SriovnicCard *card = sriovnic_qmp_card("sriovnic-set-vf", id, errp);
    int link = link_state ? sriovnic_enum_parse(&SriovnicVfLinkState_lookup, link_state) : 0;
    SriovnicVfSettings settings = {
        .has_mac = mac != NULL,
        /* Out of the field's range: the core refuses it by name. */
        .has_vlan = has_vlan, .vlan = MIN(vlan, UINT16_MAX),
        .has_qos = has_qos, .qos = MIN(qos, UINT8_MAX),
        .has_spoofchk = has_spoof_check, .spoofchk = spoof_check,
        .has_trust = has_trust, .trust = trust,
        .has_link_state = link_state != NULL, .link_state = link,
        .has_max_tx_rate = has_max_tx_rate, .max_tx_rate = max_tx_rate,
        .has_mtu_limit = has_mtu_limit, .mtu_limit = mtu_limit,
    };
    char err[256];

    if (!card) {
        return;
    }
    if (mac && !sriovnic_parse_mac(mac, settings.mac)) {
        snprintf(err, sizeof(err), "'mac' must be a MAC address like "
                 "52:54:00:12:34:56 (got '%s')", mac);
    } else if (link < 0) {
        g_autofree char *names = sriovnic_enum_names(&SriovnicVfLinkState_lookup);

        snprintf(err, sizeof(err), "'link-state' must be %s (got '%s')", names,
                 link_state);
    } else {
        trace_sriovnic_qmp_set_vf(id, vf);
        if (sriovnic_core_host_set_vf(card->core, vf, &settings, err, sizeof(err))) {
            g_autofree char *path = object_get_canonical_path(OBJECT(card->owner));
            SriovnicVfAdmin *admin = sriovnic_qmp_vf_admin(card, vf);

            qapi_event_send_sriovnic_vf_changed(card->owner->id, path, vf, admin);
            qapi_free_SriovnicVfAdmin(admin);
            return;
        }
    }
    trace_sriovnic_qmp_refused("sriovnic-set-vf", id, err);
    error_setg(errp, "%s", err);
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
    SriovnicCard *card = sriovnic_qmp_card("sriovnic-inject-fault", id, errp);
    int f = sriovnic_enum_parse(&SriovnicFault_lookup, fault);
    SriovnicFaultRequest req = {
        .vf = vf,
        .fault = f,
        .has_duration_ms = has_duration_ms,
        .duration_ms = duration_ms,
    };
    char err[256];

    if (!card) {
        return;
    }
    if (f < 0) {
        g_autofree char *names = sriovnic_enum_names(&SriovnicFault_lookup);

        snprintf(err, sizeof(err), "'fault' must be %s (got '%s')", names, fault);
    } else {
        trace_sriovnic_qmp_inject_fault(id, vf, fault, has_duration_ms ? duration_ms : 0);
        if (sriovnic_core_inject_fault(card->core, &req, err, sizeof(err))) {
            if (f == SRIOVNIC_FAULT_FLR) {
                /* As the VF's own Initiate FLR bit does (pcie_cap_flr_write_config). */
                PCIDevice *vf_dev = sriovnic_card_vf_device(card, vf);

                if (vf_dev) {
                    pci_device_reset(vf_dev);
                }
            }
            return;
        }
    }
    trace_sriovnic_qmp_refused("sriovnic-inject-fault", id, err);
    error_setg(errp, "%s", err);
}
