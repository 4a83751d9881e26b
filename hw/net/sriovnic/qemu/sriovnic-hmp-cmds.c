/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sriovnic: HMP `info sriovnic [id]`, query-sriovnic as a table (like
 * hw/net/rocker/rocker-hmp-cmds.c, built with or without the device), and
 * the host's operations, each its QMP command with HMP's syntax.
 */
#include "qemu/osdep.h"
#include "monitor/hmp.h"
#include "monitor/monitor.h"
#include "qapi/dealloc-visitor.h"
#include "qapi/error.h"
#include "qapi/qapi-commands-sriovnic.h"
#include "qapi/qapi-visit-sriovnic.h"
#include "qapi/qobject-input-visitor.h"
#include "qapi/visitor.h"
#include "qemu/keyval.h"
#include "qobject/qdict.h"

static const char *sriovnic_yes(bool b)
{
    return b ? "yes" : "no";
}

static void sriovnic_hmp_counters(Monitor *mon, const char *indent,
                                  const SriovnicCounters *c)
{
    monitor_printf(mon, "%srx %" PRIu64 " packets %" PRIu64 " bytes (%" PRIu64
                   " dropped for no buffer), tx %" PRIu64 " packets %" PRIu64
                   " bytes\n", indent, c->rx_packets, c->rx_bytes,
                   c->rx_dropped_nobuf, c->tx_packets, c->tx_bytes);
}

static void sriovnic_hmp_channel(Monitor *mon, const SriovnicChannelInfo *c)
{
    monitor_printf(mon, "  channel %s (%s): VF %u, data path %s, RX via %s\n",
                   c->id ? c->id : "-", c->qom_path, c->vf,
                   SriovnicDataPathState_str(c->state),
                   c->rx_via_vf ? "VF" : "synthetic");
    monitor_printf(mon, "    host policy: SR-IOV %s, max-mtu %u, offloads ",
                   c->sriov_allowed ? "allowed" : "disallowed", c->max_mtu);
    if (!c->offloads) {
        monitor_printf(mon, "none");
    }
    for (const SriovnicOffloadList *o = c->offloads; o; o = o->next) {
        monitor_printf(mon, "%s%s", SriovnicOffload_str(o->value),
                       o->next ? "," : "");
    }
    monitor_printf(mon, ", port policies ");
    if (!c->port_policies) {
        monitor_printf(mon, "none");
    }
    for (const SriovnicPortPolicyList *p = c->port_policies; p; p = p->next) {
        monitor_printf(mon, "%s%s", SriovnicPortPolicy_str(p->value),
                       p->next ? "," : "");
    }
    monitor_printf(mon, " (%" PRIu64 " guest frames dropped)\n", c->guard_drops);
    if (c->vf_slot) {
        const SriovnicVfSlot *slot = c->vf_slot;

        monitor_printf(mon, "    VF slot on %s: %s, %" PRIu64 " plugs, %" PRIu64
                       " unplugs (%" PRIu64 " forced, %" PRIu64 " retried), last unplug %s",
                       slot->bus, SriovnicVfSlotState_str(slot->state), slot->plugs,
                       slot->unplugs, slot->forced_unplugs, slot->unplug_retries,
                       slot->has_last_unplug ? SriovnicUnplugHow_str(slot->last_unplug) :
                       "none");
        if (slot->last_error) {
            monitor_printf(mon, ", last error: %s", slot->last_error);
        }
        monitor_printf(mon, "\n");
    }
    if (c->has_last_switch_us) {
        monitor_printf(mon, "    last switch at %" PRIu64 " us (%" PRIu64
                       " us ago)", c->last_switch_us, c->since_last_switch_us);
    } else {
        monitor_printf(mon, "    no switch yet");
    }
    monitor_printf(mon, "; switches to VF %" PRIu64 ", to synthetic %" PRIu64
                   ", revokes %" PRIu64 " (%" PRIu64 " timed out)\n",
                   c->switches_to_vf, c->switches_to_synthetic, c->revokes,
                   c->revoke_timeouts);
    if (c->last_revoke) {
        monitor_printf(mon, "    last revoke: reason %s%s%s\n",
                       SriovnicRevokeReason_str(c->last_revoke->reason),
                       c->last_revoke->surprise ? ", surprise" : "",
                       c->last_revoke->timed_out ? ", timed out" : "");
    }
    sriovnic_hmp_counters(mon, "    ", c->counters);
    if (c->reasons) {
        monitor_printf(mon, "    VF %u is not carrying the traffic:\n", c->vf);
    }
    for (const SriovnicReasonList *r = c->reasons; r; r = r->next) {
        monitor_printf(mon, "      - %s [%s]\n", r->value->text,
                       SriovnicReasonCode_str(r->value->code));
    }
}

static void sriovnic_hmp_card(Monitor *mon, const SriovnicInfo *card)
{
    const SriovnicPfInfo *pf = card->pf;

    monitor_printf(mon, "sriovnic %s (%s)%s\n", card->id ? card->id : "-",
                   card->qom_path, card->host_owned ? ", host-owned" : "");
    monitor_printf(mon, "  %s: MAC %s, driver %s, link %s, mtu %u, %u queue "
                   "pairs, VFs %u of %u enabled\n",
                   card->host_owned ? "card" : "PF", pf->mac,
                   pf->driver_enabled ? "on" : "off", pf->link_up ? "up" : "down",
                   pf->mtu, pf->queue_pairs, pf->num_vfs, pf->total_vfs);
    sriovnic_hmp_counters(mon, "      ", pf->counters);
    monitor_printf(mon, "  %-3s %-7s %-6s %-4s %-17s %-5s %-17s %-4s %-3s %-5s "
                   "%-5s %-7s %-6s %-7s %-6s\n", "VF", "enabled", "driver", "link",
                   "MAC", "mtu", "admin MAC", "vlan", "qos", "spoof", "trust",
                   "link-st", "rate", "max-mtu", "paired");
    for (const SriovnicVfInfoList *l = card->vfs; l; l = l->next) {
        const SriovnicVfInfo *vf = l->value;
        const SriovnicVfAdmin *a = vf->admin;

        monitor_printf(mon, "  %-3u %-7s %-6s %-4s %-17s %-5u %-17s %-4u %-3u %-5s "
                       "%-5s %-7s %-6u %-7u %-6s\n", vf->index,
                       sriovnic_yes(vf->enabled), sriovnic_yes(vf->driver_enabled),
                       vf->link_up ? "up" : "down", vf->mac, vf->mtu,
                       a->mac ? a->mac : "-", a->vlan, a->qos,
                       a->spoof_check ? "on" : "off", a->trust ? "on" : "off",
                       SriovnicVfLinkState_str(a->link_state), a->max_tx_rate,
                       a->max_mtu, sriovnic_yes(vf->paired));
        if (vf->device) {
            monitor_printf(mon, "      plugged as %s\n", vf->device);
        }
        if (a->has_mtu_limit) {
            monitor_printf(mon, "      host MTU limit %u\n", a->mtu_limit);
        }
        if (vf->link_flapping || vf->surprise_removed || vf->mailbox_timeout ||
            vf->dma_error) {
            monitor_printf(mon, "      injected faults in force:%s%s%s%s\n",
                           vf->link_flapping ? " link-flap" : "",
                           vf->surprise_removed ? " surprise-removal" : "",
                           vf->mailbox_timeout ? " mailbox-timeout" : "",
                           vf->dma_error ? " dma-error" : "");
        }
    }
    for (const SriovnicChannelInfoList *l = card->channels; l; l = l->next) {
        sriovnic_hmp_channel(mon, l->value);
    }
}

void hmp_info_sriovnic(Monitor *mon, const QDict *qdict)
{
    const char *id = qdict_get_try_str(qdict, "id");
    Error *err = NULL;
    SriovnicInfoList *cards = qmp_query_sriovnic(&err);
    bool shown = false;

    if (hmp_handle_error(mon, err)) {
        return;
    }
    for (const SriovnicInfoList *l = cards; l; l = l->next) {
        const SriovnicInfo *card = l->value;

        if (id && g_strcmp0(card->id, id) && strcmp(card->qom_path, id)) {
            continue;
        }
        sriovnic_hmp_card(mon, card);
        shown = true;
    }
    if (!shown) {
        if (id) {
            monitor_printf(mon, "no sriovnic card with id or QOM path '%s'\n", id);
        } else {
            monitor_printf(mon, "no sriovnic cards\n");
        }
    }
    qapi_free_SriovnicInfoList(cards);
}

/*
 * A QMP command's arguments from HMP: the positional ones HMP parsed
 * (`positional`, NULL-terminated keys of `qdict`) and the rest from the
 * optional `settings` argument, key=value[,key=value...] in the QMP
 * command's own names (a list as offloads.0=csum-tx,offloads.1=tso4),
 * read by QMP's own visitor, so the checks and errors are QMP's.
 */
static Visitor *sriovnic_hmp_args(const QDict *qdict, const char *const *positional,
                                  Error **errp)
{
    const char *settings = qdict_get_try_str(qdict, "settings");
    QDict *args = settings ? keyval_parse(settings, NULL, NULL, errp) : qdict_new();
    Visitor *v;

    if (!args) {
        return NULL;
    }
    for (const char *const *key = positional; *key; key++) {
        QObject *value = qdict_get(qdict, *key);

        if (!value) {
            continue;
        }
        if (qobject_type(value) == QTYPE_QNUM) {
            qdict_put_str(args, *key, g_strdup_printf("%" PRId64, qdict_get_int(qdict, *key)));
        } else {
            qdict_put_str(args, *key, qdict_get_str(qdict, *key));
        }
    }
    v = qobject_input_visitor_new_keyval(QOBJECT(args));
    qobject_unref(args);
    return v;
}

#define SRIOVNIC_HMP_VISIT(type, qdict, positional, arg, errp) ({                   \
    Visitor *v_ = sriovnic_hmp_args((qdict), (positional), (errp));                 \
    bool ok_ = v_ && visit_start_struct(v_, NULL, NULL, 0, (errp));                 \
    if (ok_) {                                                                      \
        ok_ = visit_type_##type##_members(v_, (arg), (errp)) &&                     \
              visit_check_struct(v_, (errp));                                       \
        visit_end_struct(v_, NULL);                                                 \
    }                                                                               \
    visit_free(v_);                                                                 \
    ok_;                                                                            \
})

#define SRIOVNIC_HMP_FREE(type, arg) do {                                           \
    Visitor *v_ = qapi_dealloc_visitor_new();                                       \
    visit_type_##type##_members(v_, (arg), NULL);                                   \
    visit_free(v_);                                                                 \
} while (0)

void hmp_sriovnic_offer(Monitor *mon, const QDict *qdict)
{
    Error *err = NULL;

    qmp_sriovnic_offer(qdict_get_str(qdict, "id"), &err);
    hmp_handle_error(mon, err);
}

void hmp_sriovnic_revoke(Monitor *mon, const QDict *qdict)
{
    static const char *const positional[] = { "id", "reason", NULL };
    q_obj_sriovnic_revoke_arg arg = { 0 };
    Error *err = NULL;

    if (SRIOVNIC_HMP_VISIT(q_obj_sriovnic_revoke_arg, qdict, positional, &arg, &err)) {
        qmp_sriovnic_revoke(arg.id, arg.reason, arg.has_surprise, arg.surprise,
                            arg.has_timeout_ms, arg.timeout_ms, &err);
    }
    SRIOVNIC_HMP_FREE(q_obj_sriovnic_revoke_arg, &arg);
    hmp_handle_error(mon, err);
}

void hmp_sriovnic_set_policy(Monitor *mon, const QDict *qdict)
{
    static const char *const positional[] = { "id", NULL };
    q_obj_sriovnic_set_policy_arg arg = { 0 };
    Error *err = NULL;

    if (SRIOVNIC_HMP_VISIT(q_obj_sriovnic_set_policy_arg, qdict, positional, &arg, &err)) {
        qmp_sriovnic_set_policy(arg.id, arg.has_sriov_allowed, arg.sriov_allowed,
                                arg.has_max_mtu, arg.max_mtu, arg.has_offloads,
                                arg.offloads, arg.has_port_policies, arg.port_policies,
                                &err);
    }
    SRIOVNIC_HMP_FREE(q_obj_sriovnic_set_policy_arg, &arg);
    hmp_handle_error(mon, err);
}

void hmp_sriovnic_inject_fault(Monitor *mon, const QDict *qdict)
{
    Error *err = NULL;

    qmp_sriovnic_inject_fault(qdict_get_str(qdict, "id"), qdict_get_int(qdict, "vf"),
                              qdict_get_str(qdict, "fault"),
                              qdict_haskey(qdict, "duration_ms"),
                              qdict_get_try_int(qdict, "duration_ms", 0), &err);
    hmp_handle_error(mon, err);
}

void hmp_sriovnic_set_vf(Monitor *mon, const QDict *qdict)
{
    static const char *const positional[] = { "id", "vf", NULL };
    q_obj_sriovnic_set_vf_arg arg = { 0 };
    Error *err = NULL;

    if (SRIOVNIC_HMP_VISIT(q_obj_sriovnic_set_vf_arg, qdict, positional, &arg, &err)) {
        qmp_sriovnic_set_vf(arg.id, arg.vf, arg.mac, arg.has_vlan, arg.vlan,
                            arg.has_qos, arg.qos, arg.has_spoof_check, arg.spoof_check,
                            arg.has_trust, arg.trust, arg.link_state,
                            arg.has_max_tx_rate, arg.max_tx_rate, arg.has_mtu_limit,
                            arg.mtu_limit, &err);
    }
    SRIOVNIC_HMP_FREE(q_obj_sriovnic_set_vf_arg, &arg);
    hmp_handle_error(mon, err);
}
