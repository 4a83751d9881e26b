/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sriovnic: the synthetic channel (-device sriovnic-synth), a PCIe function
 * of its own that the core attaches to a sriovnic card's switch as a port
 * paired with one of the card's VFs (docs/synthetic-channel.md).
 *
 * Thin glue like the PF's and VF's: the core holds every register's
 * behaviour and checks every property; DMA, MSI-X and VF serials go through
 * the PF's platform ops, which map the channel's function number to this
 * device. The channel's own events (its data path's changes) come straight
 * here: the core calls the sink this device gives when it attaches.
 * Live migration is in sriovnic-synth-migration.c.
 */
#include "qemu/osdep.h"
#include "hw/pci/msix.h"
#include "hw/pci/pcie.h"
#include "hw/qdev-properties.h"
#include "qapi/error.h"
#include "qemu/error-report.h"
#include "sriovnic/regs.h"
#include "sriovnic/synth.h"
#include "sriovnic.h"
#include "trace.h"

/* The on-migration property's values, as SriovnicSynthOnMigration. */
static const char *const sriovnic_synth_on_migration_names[] = {
    [SRIOVNIC_SYNTH_ON_MIGRATION_REVOKE] = "revoke",
    [SRIOVNIC_SYNTH_ON_MIGRATION_KEEP] = "keep",
};
QEMU_BUILD_BUG_ON(ARRAY_SIZE(sriovnic_synth_on_migration_names) !=
                  SRIOVNIC_SYNTH_ON_MIGRATION_COUNT);

static const char *sriovnic_synth_state_name(unsigned state)
{
    static const char *const names[] = {
        [SRIOVNIC_SYNTH_DP_SYNTHETIC] = "SYNTHETIC",
        [SRIOVNIC_SYNTH_DP_OFFERED] = "OFFERED",
        [SRIOVNIC_SYNTH_DP_VF] = "VF",
        [SRIOVNIC_SYNTH_DP_REVOKING] = "REVOKING",
    };

    return state < ARRAY_SIZE(names) ? names[state] : "?";
}

static const char *sriovnic_synth_cause_name(unsigned cause)
{
    static const char *const names[] = {
        [SRIOVNIC_SYNTH_CAUSE_OFFER] = "offer",
        [SRIOVNIC_SYNTH_CAUSE_SWITCH_TO_VF] = "switch-to-vf",
        [SRIOVNIC_SYNTH_CAUSE_SWITCH_TO_SYNTH] = "switch-to-synthetic",
        [SRIOVNIC_SYNTH_CAUSE_REVOKE_REQUEST] = "revoke-request",
        [SRIOVNIC_SYNTH_CAUSE_REVOKE_DONE] = "revoke-done",
        [SRIOVNIC_SYNTH_CAUSE_REVOKE_TIMEOUT] = "revoke-timeout",
        [SRIOVNIC_SYNTH_CAUSE_REVOKE_SURPRISE] = "revoke-surprise",
        [SRIOVNIC_SYNTH_CAUSE_RESET] = "reset",
    };

    return cause < ARRAY_SIZE(names) ? names[cause] : "?";
}

/* The channel's event sink (sriovnic_core_synth_attach), inside the card's work. */
static void sriovnic_synth_datapath_changed(void *opaque,
                                            const SriovnicSynthTransition *t)
{
    SriovnicSynthState *s = opaque;

    trace_sriovnic_synth_datapath(t->fn, sriovnic_synth_state_name(t->old_state),
                                  sriovnic_synth_state_name(t->new_state),
                                  sriovnic_synth_cause_name(t->cause));
    sriovnic_synth_migration_datapath_changed(s, t);
    sriovnic_qmp_datapath_changed(DEVICE(s), t);
}

static uint64_t sriovnic_synth_mmio_read(void *opaque, hwaddr addr,
                                         unsigned size)
{
    SriovnicSynthState *s = opaque;
    uint64_t val = sriovnic_core_read(s->core, s->fn, addr, size);

    trace_sriovnic_mmio_read(s->fn, addr, size, val);
    return val;
}

static void sriovnic_synth_mmio_write(void *opaque, hwaddr addr, uint64_t val,
                                      unsigned size)
{
    SriovnicSynthState *s = opaque;

    trace_sriovnic_mmio_write(s->fn, addr, size, val);
    sriovnic_core_write(s->core, s->fn, addr, size, val);
}

/* Every size and alignment reaches the core, which defines the outcome. */
static const MemoryRegionOps sriovnic_synth_mmio_ops = {
    .read = sriovnic_synth_mmio_read,
    .write = sriovnic_synth_mmio_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 8, .unaligned = true },
    .impl = { .min_access_size = 1, .max_access_size = 8, .unaligned = true },
};

static void sriovnic_synth_write_config(PCIDevice *dev, uint32_t addr,
                                        uint32_t val, int len)
{
    SriovnicSynthState *s = SRIOVNIC_SYNTH(dev);

    if (!sriovnic_core_config_write_allowed(s->core)) {
        trace_sriovnic_own_config_write_refused(s->fn, addr);
        return;
    }
    pci_default_write_config(dev, addr, val, len);
    pcie_cap_flr_write_config(dev, addr, val, len);
}

/*
 * `pf` names the PF by its id. It is resolved here rather than as a QOM link
 * so that a synth device given before its PF gets an error that says so.
 */
static SriovnicPfState *sriovnic_synth_find_pf(SriovnicSynthState *s,
                                               Error **errp)
{
    Object *obj;
    bool ambiguous = false;

    if (!s->pf_id || !*s->pf_id) {
        error_setg(errp, "property 'pf' or 'card' is required: the id of the "
                   TYPE_SRIOVNIC " PF or of the " TYPE_SRIOVNIC_CARD
                   " this channel belongs to");
        return NULL;
    }
    obj = object_resolve_path_type(s->pf_id, TYPE_SRIOVNIC, &ambiguous);
    if (!obj) {
        if (ambiguous || object_resolve_path(s->pf_id, &ambiguous) ||
            ambiguous) {
            error_setg(errp, "property 'pf': '%s' is not a " TYPE_SRIOVNIC
                       " device", s->pf_id);
        } else {
            error_setg(errp, "property 'pf': no " TYPE_SRIOVNIC " device "
                       "with id '%s' (a " TYPE_SRIOVNIC_SYNTH " device must "
                       "come after its PF on the command line)", s->pf_id);
        }
        return NULL;
    }
    if (!DEVICE(obj)->realized || !SRIOVNIC(obj)->card.core) {
        error_setg(errp, "property 'pf': " TYPE_SRIOVNIC " '%s' is not "
                   "realized yet", s->pf_id);
        return NULL;
    }
    return SRIOVNIC(obj);
}

/*
 * The card the channel joins: a guest-owned PF's (`pf`), or a host-owned
 * card's (`card`), whose paired VF the channel hot-plugs on `vf-bus`.
 */
static bool sriovnic_synth_find_card(SriovnicSynthState *s, Error **errp)
{
    SriovnicCardState *card;
    SriovnicPfState *pf;

    if (s->pf_id && s->card_id) {
        error_setg(errp, "properties 'pf' and 'card' are exclusive: 'pf' names a "
                   "guest-owned " TYPE_SRIOVNIC ", 'card' a host-owned " TYPE_SRIOVNIC_CARD);
        return false;
    }
    if (!s->card_id) {
        if (s->vf_bus) {
            error_setg(errp, "property 'vf-bus' applies only with 'card' (the VFs of a "
                       "guest-owned PF are enabled by the guest, not hot-plugged)");
            return false;
        }
        pf = sriovnic_synth_find_pf(s, errp);
        if (!pf) {
            return false;
        }
        s->card = &pf->card;
        s->card_owner = DEVICE(pf);
        return true;
    }
    if (!s->vf_bus || !*s->vf_bus) {
        error_setg(errp, "property 'vf-bus' is required with 'card': the id of the bus "
                   "(a pcie-root-port, or pcie.0) the paired VF is hot-plugged into");
        return false;
    }
    card = sriovnic_card_find("card", s->card_id, TYPE_SRIOVNIC_SYNTH, errp);
    if (!card) {
        return false;
    }
    s->card = &card->card;
    s->card_owner = DEVICE(card);
    return true;
}

static bool sriovnic_synth_parse_on_migration(SriovnicSynthState *s,
                                              uint8_t *mode, Error **errp)
{
    const char *value = s->on_migration ? s->on_migration : "revoke";

    for (unsigned i = 0; i < ARRAY_SIZE(sriovnic_synth_on_migration_names); i++) {
        if (!strcmp(value, sriovnic_synth_on_migration_names[i])) {
            *mode = i;
            return true;
        }
    }
    error_setg(errp, "property 'on-migration' must be 'revoke' or 'keep' "
               "(got '%s')", value);
    return false;
}

static void sriovnic_synth_realize(PCIDevice *dev, Error **errp)
{
    ERRP_GUARD();
    SriovnicSynthState *s = SRIOVNIC_SYNTH(dev);
    SriovnicSynthConfig cfg = { 0 };
    char err[256];
    uint16_t fn;

    if (!sriovnic_synth_parse_on_migration(s, &cfg.on_migration, errp)) {
        return;
    }
    if (!sriovnic_synth_find_card(s, errp)) {
        return;
    }
    qemu_macaddr_default_if_unset(&s->mac);

    cfg.paired_vf = s->paired_vf;
    memcpy(cfg.mac, s->mac.a, sizeof(cfg.mac));
    cfg.features = SRIOVNIC_SYNTH_F_MTU;
    if (s->offer_csum) {
        cfg.features |= SRIOVNIC_SYNTH_F_CSUM_TX | SRIOVNIC_SYNTH_F_CSUM_RX;
    }
    if (s->offer_tso) {
        cfg.features |= SRIOVNIC_SYNTH_F_TSO4 | SRIOVNIC_SYNTH_F_TSO6;
    }
    if (s->offer_datapath) {
        cfg.features |= SRIOVNIC_SYNTH_F_DATAPATH | SRIOVNIC_SYNTH_F_VF_MAC;
    }
    cfg.offloads = cfg.features & SRIOVNIC_SYNTH_F_OFFLOADS;
    cfg.revoke_timeout_ms = s->revoke_timeout_ms;
    cfg.max_mtu = s->max_mtu;
    cfg.sriov_allowed = s->sriov_allowed;
    cfg.port_policies = (s->router_guard ? SRIOVNIC_SYNTH_POLICY_ROUTER_GUARD : 0) |
                        (s->dhcp_guard ? SRIOVNIC_SYNTH_POLICY_DHCP_GUARD : 0);
    cfg.vf_hotplug = s->card_id != NULL;

    /* Set first: the channel may report a change while it attaches. */
    s->core = s->card->core;
    fn = sriovnic_core_synth_attach(s->core, &cfg, sriovnic_synth_datapath_changed, s,
                                    err, sizeof(err));
    if (!fn) {
        s->core = NULL;
        error_setg(errp, "%s", err);
        return;
    }
    s->fn = fn;
    s->regs = sriovnic_core_synth_regs(s->core, fn);
    trace_sriovnic_synth_realize(fn, s->paired_vf);

    dev->config_write = sriovnic_synth_write_config;
    pci_set_word(dev->config + PCI_SUBSYSTEM_VENDOR_ID, SRIOVNIC_PCI_VENDOR_ID);
    pci_set_word(dev->config + PCI_SUBSYSTEM_ID, SRIOVNIC_PCI_DEVICE_ID_SYNTH);

    memory_region_init_io(&s->mmio, OBJECT(s), &sriovnic_synth_mmio_ops, s,
                          "sriovnic-synth-mmio", SRIOVNIC_SYNTH_REGS_SIZE);
    /*
     * The core refuses an access that re-enters the card, across the PF, all
     * VFs and the synthetic channels, and counts it (SRIOVNIC_STAT_DMA_SELF);
     * QEMU's guard is per device and would block the same-function case
     * silently.
     */
    s->mmio.disable_reentrancy_guard = true;
    pci_register_bar(dev, SRIOVNIC_BAR_REGS, PCI_BASE_ADDRESS_MEM_TYPE_64,
                     &s->mmio);
    memory_region_init(&s->msix, OBJECT(s), "sriovnic-synth-msix",
                       SRIOVNIC_MSIX_BAR_SIZE);
    pci_register_bar(dev, SRIOVNIC_BAR_MSIX, PCI_BASE_ADDRESS_MEM_TYPE_64,
                     &s->msix);

    if (msix_init(dev, sriovnic_core_msix_vectors(s->core, fn), &s->msix,
                  SRIOVNIC_BAR_MSIX, SRIOVNIC_MSIX_TABLE_OFFSET, &s->msix,
                  SRIOVNIC_BAR_MSIX, SRIOVNIC_MSIX_PBA_OFFSET,
                  SRIOVNIC_CAP_MSIX, errp) < 0) {
        sriovnic_core_synth_detach_sink(s->core, fn);
        return;
    }
    for (uint16_t v = 0; v < sriovnic_core_msix_vectors(s->core, fn); v++) {
        msix_vector_use(dev, v);
    }
    if (pcie_endpoint_cap_init(dev, SRIOVNIC_CAP_EXP) < 0) {
        error_setg(errp, "sriovnic-synth: cannot add the PCI Express capability");
        msix_unuse_all_vectors(dev);
        msix_uninit(dev, &s->msix, &s->msix);
        sriovnic_core_synth_detach_sink(s->core, fn);
        return;
    }
    pcie_cap_flr_init(dev);

    sriovnic_synth_migration_init(s);
    if (s->card_id) {
        sriovnic_synth_hotplug_init(s);
    }

    /* Last, so that a failed realize leaves nothing pointing here. */
    sriovnic_card_set_synth(s->card, fn, dev);
    /* The core has no detach: the channel lives as long as the card. */
    error_setg(&s->pf_unplug_blocker, "%s '%s' has a " TYPE_SRIOVNIC_SYNTH " attached",
               object_get_typename(OBJECT(s->card_owner)), s->card_owner->id);
    qdev_add_unplug_blocker(s->card_owner, s->pf_unplug_blocker);
}

static void sriovnic_synth_exit(PCIDevice *dev)
{
    SriovnicSynthState *s = SRIOVNIC_SYNTH(dev);

    sriovnic_synth_hotplug_exit(s);
    sriovnic_synth_migration_exit(s);
    pcie_cap_exit(dev);
    msix_unuse_all_vectors(dev);
    msix_uninit(dev, &s->msix, &s->msix);
    /* The channel stays in the core; its DMA and MSI-X now fail. */
    sriovnic_core_synth_detach_sink(s->core, s->fn);
    sriovnic_card_set_synth(s->card, s->fn, NULL);
    if (s->pf_unplug_blocker) {
        qdev_del_unplug_blocker(s->card_owner, s->pf_unplug_blocker);
        error_free(s->pf_unplug_blocker);
        s->pf_unplug_blocker = NULL;
    }
}

static void sriovnic_synth_reset_hold(Object *obj, ResetType type)
{
    SriovnicSynthState *s = SRIOVNIC_SYNTH(obj);

    if (!s->core) {
        return;
    }
    trace_sriovnic_synth_reset(s->fn);
    sriovnic_core_reset_function(s->core, s->fn);
}

static const Property sriovnic_synth_properties[] = {
    DEFINE_PROP_STRING("pf", SriovnicSynthState, pf_id),
    DEFINE_PROP_STRING("card", SriovnicSynthState, card_id),
    DEFINE_PROP_STRING("vf-bus", SriovnicSynthState, vf_bus),
    DEFINE_PROP_UINT32("vf", SriovnicSynthState, paired_vf,
                       SRIOVNIC_SYNTH_VF_UNSET),
    DEFINE_PROP_MACADDR("mac", SriovnicSynthState, mac),
    DEFINE_PROP_UINT32("revoke-timeout", SriovnicSynthState, revoke_timeout_ms,
                       SRIOVNIC_SYNTH_REVOKE_TIMEOUT_DEFAULT_MS),
    DEFINE_PROP_UINT32("max-mtu", SriovnicSynthState, max_mtu,
                       SRIOVNIC_SYNTH_MAX_MTU_DEFAULT),
    DEFINE_PROP_BOOL("sriov", SriovnicSynthState, sriov_allowed, true),
    DEFINE_PROP_BOOL("router-guard", SriovnicSynthState, router_guard, false),
    DEFINE_PROP_BOOL("dhcp-guard", SriovnicSynthState, dhcp_guard, false),
    DEFINE_PROP_BOOL("csum", SriovnicSynthState, offer_csum, true),
    DEFINE_PROP_BOOL("tso", SriovnicSynthState, offer_tso, true),
    DEFINE_PROP_BOOL("datapath", SriovnicSynthState, offer_datapath, true),
    DEFINE_PROP_STRING("on-migration", SriovnicSynthState, on_migration),
};

static void sriovnic_synth_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    PCIDeviceClass *k = PCI_DEVICE_CLASS(klass);
    ResettableClass *rc = RESETTABLE_CLASS(klass);

    k->realize = sriovnic_synth_realize;
    k->exit = sriovnic_synth_exit;
    k->vendor_id = SRIOVNIC_PCI_VENDOR_ID;
    k->device_id = SRIOVNIC_PCI_DEVICE_ID_SYNTH;
    k->revision = SRIOVNIC_PCI_REVISION;
    k->class_id = PCI_CLASS_NETWORK_ETHERNET;
    rc->phases.hold = sriovnic_synth_reset_hold;

    dc->desc = "sriovnic synthetic channel (paired with a VF of a sriovnic PF "
               "or of a host-owned " TYPE_SRIOVNIC_CARD ")";
    dc->vmsd = &vmstate_sriovnic_synth;
    /* The core attaches channels before traffic and never detaches them. */
    dc->hotpluggable = false;
    device_class_set_props(dc, sriovnic_synth_properties);
    set_bit(DEVICE_CATEGORY_NETWORK, dc->categories);

    object_class_property_set_description(klass, "pf",
        "id of the sriovnic PF whose switch this channel joins (this or "
        "'card' is required; the PF must come first on the command line)");
    object_class_property_set_description(klass, "card",
        "id of the host-owned " TYPE_SRIOVNIC_CARD " whose switch this channel "
        "joins, instead of 'pf': the channel hot-plugs its VF to offer it and "
        "unplugs it to revoke it");
    object_class_property_set_description(klass, "vf-bus",
        "with 'card': the bus (a pcie-root-port's id) the paired VF is "
        "hot-plugged into, as a " TYPE_SRIOVNIC_ASSIGNED_VF " (required with 'card')");
    object_class_property_set_description(klass, "vf",
        "index of the PF's VF to pair with (required), 0 to the PF's vfs - 1");
    object_class_property_set_description(klass, "mac",
        "the channel's MAC, programmed into the paired VF (default: generated)");
    object_class_property_set_description(klass, "revoke-timeout",
        "ms the host waits for the guest to leave the VF on a revoke, "
        "1 to " stringify(SRIOVNIC_SYNTH_REVOKE_TIMEOUT_MAX_MS));
    object_class_property_set_description(klass, "max-mtu",
        "largest MTU the host carries (MAX_MTU), 1500 to 9000");
    object_class_property_set_description(klass, "sriov",
        "host policy: offer the paired VF to the guest");
    object_class_property_set_description(klass, "router-guard",
        "port policy: drop router advertisements and redirects the guest "
        "sends; only the synthetic path enforces it, so the VF is not offered");
    object_class_property_set_description(klass, "dhcp-guard",
        "port policy: drop DHCP server messages the guest sends; only the "
        "synthetic path enforces it, so the VF is not offered");
    object_class_property_set_description(klass, "csum",
        "offer TX and RX checksum offload (F_CSUM_TX, F_CSUM_RX)");
    object_class_property_set_description(klass, "tso",
        "offer TCP segmentation offload (F_TSO4, F_TSO6); needs csum");
    object_class_property_set_description(klass, "datapath",
        "offer data path switching to the VF (F_DATAPATH, F_VF_MAC)");
    object_class_property_set_description(klass, "on-migration",
        "what a live migration does with the paired VF: 'revoke' (default: "
        "the guest leaves it before the migration, the destination offers "
        "its own) or 'keep' (the data path migrates as it is)");
}

static const TypeInfo sriovnic_synth_info = {
    .name = TYPE_SRIOVNIC_SYNTH,
    .parent = TYPE_PCI_DEVICE,
    .instance_size = sizeof(SriovnicSynthState),
    .class_init = sriovnic_synth_class_init,
    .interfaces = (InterfaceInfo[]) {
        { INTERFACE_PCIE_DEVICE },
        { }
    },
};

static void sriovnic_synth_register_types(void)
{
    type_register_static(&sriovnic_synth_info);
}

type_init(sriovnic_synth_register_types)
