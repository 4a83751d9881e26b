/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sriovnic: a VF of a host-owned card in a PCIe slot of its own
 * (-device sriovnic-assigned-vf,card=ID,vf=N), as an assigned VF looks to a
 * guest: a regular endpoint with the VF Device ID, the VF's BARs, MSI-X and
 * FLR. Everything but how it enters the guest is the sriovnic-vf's (its
 * parent type): MMIO goes to the card's core function for the VF, its
 * VMState is the VF's. The core decides which VF may be plugged and quiets
 * it when it is unplugged (sriovnic_core_plug_standalone_vf). It can be
 * given at start or added and removed at run time (device_add/device_del).
 * `mac` sets the VF's MAC at plug as the host's administration would
 * (what a primary of virtio-net failover needs: its standby's MAC).
 */
#include "qemu/osdep.h"
#include "hw/pci/pci.h"
#include "hw/qdev-properties.h"
#include "qapi/error.h"
#include "qemu/main-loop.h"
#include "sriovnic/regs.h"
#include "sriovnic.h"
#include "trace.h"

#define SRIOVNIC_ASSIGNED_VF_UNSET UINT32_MAX

static void sriovnic_assigned_vf_ready_bh(void *opaque)
{
    SriovnicAssignedVfState *s = opaque;

    sriovnic_core_standalone_vf_ready(s->card->card.core, s->vf);
}

/* `mac`, if given, goes to the card as the host's setting for this VF. */
static bool sriovnic_assigned_vf_set_mac(SriovnicAssignedVfState *s,
                                         SriovnicCardState *card, Error **errp)
{
    static const MACAddr unset;
    SriovnicVfSettings settings = { .has_mac = true };
    char err[256];

    if (!memcmp(&s->mac, &unset, sizeof(unset))) {
        return true;
    }
    memcpy(settings.mac, s->mac.a, sizeof(settings.mac));
    if (!sriovnic_core_host_set_vf(card->card.core, s->vf, &settings, err, sizeof(err))) {
        error_setg(errp, "property %s", err);
        return false;
    }
    return true;
}

static void sriovnic_assigned_vf_realize(PCIDevice *dev, Error **errp)
{
    SriovnicAssignedVfState *s = SRIOVNIC_ASSIGNED_VF(dev);
    SriovnicVfState *vf = SRIOVNIC_VF(dev);
    SriovnicCardState *card;
    char err[256];

    if (s->vf == SRIOVNIC_ASSIGNED_VF_UNSET) {
        error_setg(errp, "property 'vf' is required: the index of the card's "
                   "VF to plug, 0 to the card's vfs - 1");
        return;
    }
    card = sriovnic_card_find("card", s->card_id, TYPE_SRIOVNIC_ASSIGNED_VF, errp);
    if (!card) {
        return;
    }
    if (!sriovnic_core_plug_standalone_vf(card->card.core, s->vf, err, sizeof(err))) {
        error_setg(errp, "%s", err);
        return;
    }
    if (!sriovnic_assigned_vf_set_mac(s, card, errp)) {
        sriovnic_core_unplug_standalone_vf(card->card.core, s->vf);
        return;
    }
    if (!sriovnic_vf_init_function(vf, card->card.core, sriovnic_fn_of_vf(s->vf),
                                   true, errp)) {
        sriovnic_core_unplug_standalone_vf(card->card.core, s->vf);
        return;
    }
    pci_set_word(dev->config + PCI_SUBSYSTEM_VENDOR_ID, SRIOVNIC_PCI_VENDOR_ID);
    pci_set_word(dev->config + PCI_SUBSYSTEM_ID, SRIOVNIC_PCI_DEVICE_ID_VF);

    s->card = card;
    sriovnic_card_set_standalone_vf(&card->card, s->vf, dev);
    if (card->plugged_vfs++ == 0) {
        error_setg(&card->unplug_blocker, TYPE_SRIOVNIC_CARD " '%s' has VFs "
                   "plugged into the guest (" TYPE_SRIOVNIC_ASSIGNED_VF ")",
                   s->card_id);
        qdev_add_unplug_blocker(DEVICE(card), card->unplug_blocker);
    }
    trace_sriovnic_assigned_vf_plug(s->card_id, s->vf, vf->fn);
    /*
     * In place: a paired synthetic channel may offer it now, or, when
     * hot-plugged, once device_add is over (QEMU resets a hot-plugged device
     * after its realize, which would revoke an offer made here).
     */
    if (DEVICE(dev)->hotplugged) {
        s->ready_bh = qemu_bh_new_guarded(sriovnic_assigned_vf_ready_bh, s,
                                          &DEVICE(dev)->mem_reentrancy_guard);
        qemu_bh_schedule(s->ready_bh);
    } else {
        sriovnic_core_standalone_vf_ready(card->card.core, s->vf);
    }
}

static void sriovnic_assigned_vf_exit(PCIDevice *dev)
{
    SriovnicAssignedVfState *s = SRIOVNIC_ASSIGNED_VF(dev);
    SriovnicCardState *card = s->card;

    if (s->ready_bh) {
        qemu_bh_delete(s->ready_bh);
        s->ready_bh = NULL;
    }
    /* Quiet first: nothing may DMA or signal through this device any more. */
    sriovnic_core_unplug_standalone_vf(card->card.core, s->vf);
    sriovnic_card_set_standalone_vf(&card->card, s->vf, NULL);
    trace_sriovnic_assigned_vf_unplug(s->card_id, s->vf, SRIOVNIC_VF(dev)->fn);
    sriovnic_vf_exit(dev);
    if (--card->plugged_vfs == 0) {
        qdev_del_unplug_blocker(DEVICE(card), card->unplug_blocker);
        error_free(card->unplug_blocker);
        card->unplug_blocker = NULL;
    }
    s->card = NULL;
}

static const Property sriovnic_assigned_vf_properties[] = {
    DEFINE_PROP_STRING("card", SriovnicAssignedVfState, card_id),
    DEFINE_PROP_UINT32("vf", SriovnicAssignedVfState, vf, SRIOVNIC_ASSIGNED_VF_UNSET),
    DEFINE_PROP_MACADDR("mac", SriovnicAssignedVfState, mac),
};

static void sriovnic_assigned_vf_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    PCIDeviceClass *k = PCI_DEVICE_CLASS(klass);

    k->realize = sriovnic_assigned_vf_realize;
    k->exit = sriovnic_assigned_vf_exit;
    k->vendor_id = SRIOVNIC_PCI_VENDOR_ID;
    k->device_id = SRIOVNIC_PCI_DEVICE_ID_VF;
    dc->desc = "sriovnic VF of a host-owned " TYPE_SRIOVNIC_CARD
               ", in a PCIe slot of its own";
    dc->user_creatable = true;
    dc->hotpluggable = true;
    device_class_set_props(dc, sriovnic_assigned_vf_properties);

    object_class_property_set_description(klass, "card",
        "id of the " TYPE_SRIOVNIC_CARD " whose VF this is (required; the card "
        "must come first on the command line)");
    object_class_property_set_description(klass, "vf",
        "index of the card's VF to plug (required), 0 to the card's vfs - 1; "
        "each VF can be plugged once at a time");
    object_class_property_set_description(klass, "mac",
        "the VF's MAC, set at plug as the host's administration sets it "
        "(unicast, not another VF's of the card); for a virtio-net failover "
        "primary, the standby's MAC. Default: the card's MAC for the VF");
}

static const TypeInfo sriovnic_assigned_vf_info = {
    .name = TYPE_SRIOVNIC_ASSIGNED_VF,
    .parent = TYPE_SRIOVNIC_VF,
    .instance_size = sizeof(SriovnicAssignedVfState),
    .class_init = sriovnic_assigned_vf_class_init,
};

static void sriovnic_assigned_vf_register_types(void)
{
    type_register_static(&sriovnic_assigned_vf_info);
}

type_init(sriovnic_assigned_vf_register_types)
