/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sriovnic: a host-owned card (-device sriovnic-card), the cloud topology.
 *
 * The guest never sees this device: it has no bus and no PCI function. It
 * owns a card (core, uplink, timer: sriovnic-card-platform.c, shared with
 * the guest-owned PF) whose VFs the host plugs into the guest one by one as
 * sriovnic-assigned-vf devices. The host owns VF Enable: every VF is
 * enabled from the start. Each VF gets a MAC from QEMU's default NIC
 * addresses, set as the PF's administration would set it. A bus-less
 * device rather than an -object, because it carries NIC properties
 * (netdev, mac) and a VMState section, as QEMU's vmcoreinfo does
 * (docs/design-notes.md).
 */
#include "qemu/osdep.h"
#include "hw/qdev-properties.h"
#include "migration/vmstate.h"
#include "qapi/error.h"
#include "qemu/error-report.h"
#include "sriovnic/regs.h"
#include "sriovnic.h"
#include "trace.h"

/* The host's MAC for each VF: the next free address of QEMU's NIC default. */
static bool sriovnic_card_set_vf_macs(SriovnicCardState *s, Error **errp)
{
    char err[256];

    for (uint16_t vf = 0; vf < s->card.total_vfs; vf++) {
        MACAddr mac = { 0 };
        SriovnicVfSettings settings = { .has_mac = true };

        qemu_macaddr_default_if_unset(&mac);
        memcpy(settings.mac, mac.a, sizeof(settings.mac));
        if (!sriovnic_core_host_set_vf(s->card.core, vf, &settings, err, sizeof(err))) {
            error_setg(errp, "%s", err);
            return false;
        }
    }
    return true;
}

/*
 * `id` names a sriovnic-card, resolved by the device that names it rather
 * than as a QOM link, so that one given before its card gets an error that
 * says so.
 */
SriovnicCardState *sriovnic_card_find(const char *prop, const char *id, const char *user,
                                      Error **errp)
{
    Object *obj;
    bool ambiguous = false;

    if (!id || !*id) {
        error_setg(errp, "property '%s' is required: the id of the " TYPE_SRIOVNIC_CARD
                   " device", prop);
        return NULL;
    }
    obj = object_resolve_path_type(id, TYPE_SRIOVNIC_CARD, &ambiguous);
    if (!obj) {
        if (ambiguous || object_resolve_path(id, &ambiguous) || ambiguous) {
            error_setg(errp, "property '%s': '%s' is not a " TYPE_SRIOVNIC_CARD " device",
                       prop, id);
        } else {
            error_setg(errp, "property '%s': no " TYPE_SRIOVNIC_CARD " device with id '%s' "
                       "(a %s must come after its card on the command line)", prop, id, user);
        }
        return NULL;
    }
    if (!DEVICE(obj)->realized || !SRIOVNIC_CARD(obj)->card.core) {
        error_setg(errp, "property '%s': " TYPE_SRIOVNIC_CARD " '%s' is not realized yet",
                   prop, id);
        return NULL;
    }
    return SRIOVNIC_CARD(obj);
}

static void sriovnic_card_realize(DeviceState *dev, Error **errp)
{
    SriovnicCardState *s = SRIOVNIC_CARD(dev);
    SriovnicCoreConfig cfg = {
        .max_vfs = SRIOVNIC_MAX_VFS,
        .pf_queue_pairs = 1, /* the card's own function carries no traffic */
        .vf_queue_pairs = s->vf_queue_pairs,
        .vendor_id = SRIOVNIC_PCI_VENDOR_ID,
        .host_owned = true, /* the core's host PF agent answers the VFs */
    };

    if (!sriovnic_card_init(&s->card, dev, NULL, &cfg, errp)) {
        return;
    }
    s->pf_regs = sriovnic_core_fn_regs(s->card.core, SRIOVNIC_FN_PF);
    s->pf_admin = sriovnic_core_pf_admin_regs(s->card.core);
    s->vf_admin = s->card.total_vfs ? sriovnic_core_vf_admin_regs(s->card.core, 0) : NULL;
    s->vf_host = s->card.total_vfs ? sriovnic_core_vf_host_regs(s->card.core, 0) : NULL;
    trace_sriovnic_card_realize(s->card.total_vfs, s->vf_queue_pairs);

    /* The host owns VF Enable. */
    sriovnic_core_set_active_vfs(s->card.core, s->card.total_vfs);
    if (!sriovnic_card_set_vf_macs(s, errp)) {
        sriovnic_card_cleanup(&s->card);
        return;
    }
    sriovnic_card_connect_uplink(&s->card);
}

static void sriovnic_card_unrealize(DeviceState *dev)
{
    SriovnicCardState *s = SRIOVNIC_CARD(dev);

    sriovnic_card_cleanup(&s->card);
}

static int sriovnic_card_post_load(void *opaque, int version_id)
{
    SriovnicCardState *s = opaque;
    char err[256];

    trace_sriovnic_post_load(SRIOVNIC_FN_PF);
    for (uint16_t fn = 0; fn < sriovnic_fn_count(s->card.total_vfs); fn++) {
        if (!sriovnic_core_post_load(s->card.core, fn, err, sizeof(err))) {
            error_report("sriovnic-card: rejecting migration stream: %s", err);
            return -EINVAL;
        }
    }
    return 0;
}

/*
 * The card's state beside its VFs' own sections: its function's registers
 * (the uplink's counters), the PF administration registers and every VF's
 * administration and host PF agent state, plugged or not. A plugged VF's section carries its own
 * administration again (as a guest-owned PF's VF does); both agree.
 */
static const VMStateDescription vmstate_sriovnic_card = {
    .name = TYPE_SRIOVNIC_CARD,
    .version_id = 1,
    .minimum_version_id = 1,
    /*
     * Before the sriovnic-assigned-vf sections (MIG_PRI_DEFAULT), as the
     * guest-owned PF's section is restored before its VFs'.
     */
    .priority = MIG_PRI_IOMMU,
    .post_load = sriovnic_card_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT16_EQUAL(card.total_vfs, SriovnicCardState,
                             "the destination's sriovnic-card needs the source's 'vfs'"),
        SRIOVNIC_VMSTATE_PART("regs", SriovnicCardState, pf_regs,
                              vmstate_sriovnic_fn_regs, SriovnicFnRegs),
        SRIOVNIC_VMSTATE_PART("pf-admin", SriovnicCardState, pf_admin,
                              vmstate_sriovnic_pf_admin, SriovnicPfAdminRegs),
        VMSTATE_STRUCT_VARRAY_POINTER_UINT16(vf_admin, SriovnicCardState, card.total_vfs,
                                             vmstate_sriovnic_vf_admin, SriovnicVfAdminRegs),
        VMSTATE_STRUCT_VARRAY_POINTER_UINT16(vf_host, SriovnicCardState, card.total_vfs,
                                             vmstate_sriovnic_vf_host_agent, SriovnicVfHostRegs),
        VMSTATE_END_OF_LIST()
    },
};

static const Property sriovnic_card_properties[] = {
    DEFINE_NIC_PROPERTIES(SriovnicCardState, card.conf),
    DEFINE_PROP_UINT16("vfs", SriovnicCardState, card.total_vfs, SRIOVNIC_DEFAULT_TOTAL_VFS),
    DEFINE_PROP_UINT8("vf-queues", SriovnicCardState, vf_queue_pairs,
                      SRIOVNIC_DEFAULT_VF_QUEUE_PAIRS),
};

static void sriovnic_card_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    dc->realize = sriovnic_card_realize;
    dc->unrealize = sriovnic_card_unrealize;
    dc->desc = "sriovnic card owned by the host: no PF in the guest, its VFs "
               "plugged as " TYPE_SRIOVNIC_ASSIGNED_VF;
    dc->vmsd = &vmstate_sriovnic_card;
    /* Its VFs come and go; the card is there from the start to the end. */
    dc->hotpluggable = false;
    device_class_set_props(dc, sriovnic_card_properties);
    set_bit(DEVICE_CATEGORY_NETWORK, dc->categories);

    object_class_property_set_description(klass, "vfs",
        "number of VFs, all enabled by the host from the start, 0 to 256");
    object_class_property_set_description(klass, "vf-queues",
        "queue pairs of each VF, 1 to 16");
}

static const TypeInfo sriovnic_card_info = {
    .name = TYPE_SRIOVNIC_CARD,
    .parent = TYPE_DEVICE,
    .instance_size = sizeof(SriovnicCardState),
    .class_init = sriovnic_card_class_init,
};

static void sriovnic_card_register_types(void)
{
    type_register_static(&sriovnic_card_info);
}

type_init(sriovnic_card_register_types)
