/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sriovnic: emulated SR-IOV NIC, physical function.
 *
 * Thin glue: the device, its PCI/PCIe capabilities, BARs, MSI-X and VMState
 * around the C++ core, which holds every register's behaviour. The card it
 * carries (core, uplink, timer, platform ops) is sriovnic-card-platform.c's,
 * shared with the host-owned sriovnic-card; config space and SR-IOV are in
 * sriovnic-pf-sriov.c.
 */
#include "qemu/osdep.h"
#include "hw/pci/msix.h"
#include "hw/pci/pcie.h"
#include "hw/pci/pcie_sriov.h"
#include "hw/qdev-properties.h"
#include "migration/vmstate.h"
#include "qapi/error.h"
#include "qemu/error-report.h"
#include "qemu/timer.h"
#include "sriovnic/regs.h"
#include "sriovnic.h"
#include "trace.h"

static uint64_t sriovnic_pf_mmio_read(void *opaque, hwaddr addr, unsigned size)
{
    SriovnicPfState *s = opaque;
    uint64_t val = sriovnic_core_read(s->card.core, SRIOVNIC_FN_PF, addr, size);

    trace_sriovnic_mmio_read(SRIOVNIC_FN_PF, addr, size, val);
    return val;
}

static void sriovnic_pf_mmio_write(void *opaque, hwaddr addr, uint64_t val,
                                   unsigned size)
{
    SriovnicPfState *s = opaque;

    trace_sriovnic_mmio_write(SRIOVNIC_FN_PF, addr, size, val);
    sriovnic_core_write(s->card.core, SRIOVNIC_FN_PF, addr, size, val);
}

/* Every size and alignment reaches the core, which defines the outcome. */
static const MemoryRegionOps sriovnic_pf_mmio_ops = {
    .read = sriovnic_pf_mmio_read,
    .write = sriovnic_pf_mmio_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 8, .unaligned = true },
    .impl = { .min_access_size = 1, .max_access_size = 8, .unaligned = true },
};

static void sriovnic_init_msix(PCIDevice *dev, MemoryRegion *bar,
                               uint16_t vectors, Error **errp)
{
    if (msix_init(dev, vectors, bar, SRIOVNIC_BAR_MSIX,
                  SRIOVNIC_MSIX_TABLE_OFFSET, bar, SRIOVNIC_BAR_MSIX,
                  SRIOVNIC_MSIX_PBA_OFFSET, SRIOVNIC_CAP_MSIX, errp) < 0) {
        return;
    }
    for (uint16_t v = 0; v < vectors; v++) {
        msix_vector_use(dev, v);
    }
}

static void sriovnic_pf_realize(PCIDevice *dev, Error **errp)
{
    ERRP_GUARD();
    SriovnicPfState *s = SRIOVNIC(dev);
    SriovnicCoreConfig cfg = {
        .pf_queue_pairs = s->queue_pairs,
        .vf_queue_pairs = s->vf_queue_pairs,
        .vendor_id = s->vendor_id,
        /* pcie_sriov puts every VF on the PF's bus, one routing ID each. */
        .max_vfs = sriovnic_vfs_that_fit(dev->devfn, PCI_DEVFN_MAX),
    };

    if (!sriovnic_pf_check_bus(dev, s->card.total_vfs, errp)) {
        return;
    }
    if (!sriovnic_card_init(&s->card, DEVICE(s), dev, &cfg, errp)) {
        if (s->card.total_vfs > cfg.max_vfs) {
            sriovnic_pf_hint_routing_ids(dev, s->card.total_vfs, errp);
        }
        return;
    }
    s->regs = sriovnic_core_fn_regs(s->card.core, SRIOVNIC_FN_PF);
    s->pf_admin = sriovnic_core_pf_admin_regs(s->card.core);
    trace_sriovnic_pf_realize(s->card.total_vfs, s->queue_pairs, s->vf_queue_pairs);

    dev->config_write = sriovnic_pf_write_config;
    pci_config_set_vendor_id(dev->config, s->vendor_id);
    pci_config_set_device_id(dev->config, s->device_id);
    pci_set_word(dev->config + PCI_SUBSYSTEM_VENDOR_ID, s->vendor_id);
    pci_set_word(dev->config + PCI_SUBSYSTEM_ID, s->device_id);
    dev->config[PCI_INTERRUPT_PIN] = 1;

    memory_region_init_io(&s->mmio, OBJECT(s), &sriovnic_pf_mmio_ops, s,
                          "sriovnic-mmio", SRIOVNIC_PF_REGS_SIZE);
    /*
     * The core refuses an access that re-enters the card, across the PF and
     * all VFs, and counts it (SRIOVNIC_STAT_DMA_SELF); QEMU's guard is per
     * device and would block the same-function case silently.
     */
    s->mmio.disable_reentrancy_guard = true;
    pci_register_bar(dev, SRIOVNIC_BAR_REGS, PCI_BASE_ADDRESS_MEM_TYPE_64,
                     &s->mmio);
    memory_region_init(&s->msix, OBJECT(s), "sriovnic-msix",
                       SRIOVNIC_MSIX_BAR_SIZE);
    pci_register_bar(dev, SRIOVNIC_BAR_MSIX, PCI_BASE_ADDRESS_MEM_TYPE_64,
                     &s->msix);

    if (pci_pm_init(dev, SRIOVNIC_CAP_PM, errp) < 0) {
        goto fail_core;
    }
    /* PCI Power Management 1.2 */
    pci_set_word(dev->config + SRIOVNIC_CAP_PM + PCI_PM_PMC, 0x3);
    sriovnic_init_msix(dev, &s->msix,
                       sriovnic_core_msix_vectors(s->card.core, SRIOVNIC_FN_PF), errp);
    if (*errp) {
        goto fail_core;
    }
    if (pcie_endpoint_cap_init(dev, SRIOVNIC_CAP_EXP) < 0) {
        error_setg(errp, "sriovnic: cannot add the PCI Express capability");
        goto fail_msix;
    }
    pcie_cap_flr_init(dev);
    pcie_ari_init(dev, SRIOVNIC_EXTCAP_ARI);

    if (s->card.total_vfs) {
        if (!pcie_sriov_pf_init(dev, SRIOVNIC_EXTCAP_SRIOV, TYPE_SRIOVNIC_VF,
                                s->vf_device_id, s->card.total_vfs, s->card.total_vfs,
                                SRIOVNIC_VF_OFFSET, SRIOVNIC_VF_STRIDE, errp)) {
            sriovnic_pf_hint_routing_ids(dev, s->card.total_vfs, errp);
            goto fail_exp;
        }
        pcie_sriov_pf_init_vf_bar(dev, SRIOVNIC_BAR_REGS,
                                  PCI_BASE_ADDRESS_MEM_TYPE_64,
                                  SRIOVNIC_VF_REGS_SIZE);
        pcie_sriov_pf_init_vf_bar(dev, SRIOVNIC_BAR_MSIX,
                                  PCI_BASE_ADDRESS_MEM_TYPE_64,
                                  SRIOVNIC_MSIX_BAR_SIZE);
    }

    sriovnic_card_connect_uplink(&s->card);
    return;

fail_exp:
    pcie_cap_exit(dev);
fail_msix:
    msix_unuse_all_vectors(dev);
    msix_uninit(dev, &s->msix, &s->msix);
fail_core:
    sriovnic_card_cleanup(&s->card);
}

static void sriovnic_pf_exit(PCIDevice *dev)
{
    SriovnicPfState *s = SRIOVNIC(dev);

    qemu_del_nic(s->card.nic);
    s->card.nic = NULL;
    if (s->card.total_vfs) {
        pcie_sriov_pf_exit(dev);
    }
    pcie_cap_exit(dev);
    msix_unuse_all_vectors(dev);
    msix_uninit(dev, &s->msix, &s->msix);
    sriovnic_card_cleanup(&s->card);
}

static void sriovnic_pf_reset_hold(Object *obj, ResetType type)
{
    SriovnicPfState *s = SRIOVNIC(obj);

    trace_sriovnic_pf_reset();
    sriovnic_core_reset_function(s->card.core, SRIOVNIC_FN_PF);
    /* pci_do_device_reset() clears VF Enable right after this. */
    sriovnic_core_set_active_vfs(s->card.core, 0);
}

static int sriovnic_pf_post_load(void *opaque, int version_id)
{
    SriovnicPfState *s = opaque;
    char err[256];

    trace_sriovnic_post_load(SRIOVNIC_FN_PF);
    if (!sriovnic_core_post_load(s->card.core, SRIOVNIC_FN_PF, err, sizeof(err))) {
        error_report("sriovnic: rejecting migration stream: %s", err);
        return -EINVAL;
    }
    if (s->card.total_vfs) {
        sriovnic_sync_active_vfs(s);
    }
    return 0;
}

static bool sriovnic_pf_counters2_needed(void *opaque)
{
    SriovnicPfState *s = opaque;

    return sriovnic_counters2_needed(s->regs);
}

static const VMStateDescription vmstate_sriovnic_pf_counters2 = {
    .name = TYPE_SRIOVNIC "/counters2",
    .version_id = 1,
    .minimum_version_id = 1,
    .needed = sriovnic_pf_counters2_needed,
    .fields = (const VMStateField[]) {
        VMSTATE_STRUCT_POINTER(regs, SriovnicPfState,
                               vmstate_sriovnic_fn_counters2, SriovnicFnRegs),
        VMSTATE_END_OF_LIST()
    },
};

static const VMStateDescription vmstate_sriovnic_pf = {
    .name = TYPE_SRIOVNIC,
    .version_id = 2, /* 2: queue interrupt moderation, PF-set multicast filters */
    .minimum_version_id = 2, /* stays: new state goes into subsections */
    /*
     * Loading the PF's config space enables its VFs, and enabling a VF resets
     * it. Restore the PF before the VFs (which are registered first, being
     * realized inside the PF's realize) so that the VFs' own state, loaded
     * afterwards, is what remains. MIG_PRI_IOMMU is the one priority between
     * PCI buses and ordinary devices.
     */
    .priority = MIG_PRI_IOMMU,
    .post_load = sriovnic_pf_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_PCI_DEVICE(parent_obj, SriovnicPfState),
        VMSTATE_MSIX(parent_obj, SriovnicPfState),
        SRIOVNIC_VMSTATE_PART("regs", SriovnicPfState, regs,
                              vmstate_sriovnic_fn_regs, SriovnicFnRegs),
        /*
         * Up to interface 1.4 every function's section carried VF
         * administration and mailbox fields; the PF's were never used.
         */
        VMSTATE_UNUSED(SRIOVNIC_VMSTATE_VF_PORT_BYTES),
        SRIOVNIC_VMSTATE_PART("pf-admin", SriovnicPfState, pf_admin,
                              vmstate_sriovnic_pf_admin, SriovnicPfAdminRegs),
        VMSTATE_UNUSED(SRIOVNIC_VMSTATE_MC_OWNER_BYTES),
        VMSTATE_END_OF_LIST()
    },
    .subsections = (const VMStateDescription * const []) {
        &vmstate_sriovnic_pf_counters2,
        NULL
    },
};

static const Property sriovnic_pf_properties[] = {
    DEFINE_NIC_PROPERTIES(SriovnicPfState, card.conf),
    DEFINE_PROP_UINT16("vfs", SriovnicPfState, card.total_vfs, SRIOVNIC_DEFAULT_TOTAL_VFS),
    DEFINE_PROP_UINT8("queues", SriovnicPfState, queue_pairs, SRIOVNIC_DEFAULT_QUEUE_PAIRS),
    DEFINE_PROP_UINT8("vf-queues", SriovnicPfState, vf_queue_pairs,
                      SRIOVNIC_DEFAULT_VF_QUEUE_PAIRS),
    DEFINE_PROP_UINT16("vendor-id", SriovnicPfState, vendor_id,
                       SRIOVNIC_PCI_VENDOR_ID),
    DEFINE_PROP_UINT16("device-id", SriovnicPfState, device_id,
                       SRIOVNIC_PCI_DEVICE_ID_PF),
    DEFINE_PROP_UINT16("vf-device-id", SriovnicPfState, vf_device_id,
                       SRIOVNIC_PCI_DEVICE_ID_VF),
};

static void sriovnic_pf_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    PCIDeviceClass *k = PCI_DEVICE_CLASS(klass);
    ResettableClass *rc = RESETTABLE_CLASS(klass);

    k->realize = sriovnic_pf_realize;
    k->exit = sriovnic_pf_exit;
    k->vendor_id = SRIOVNIC_PCI_VENDOR_ID;
    k->device_id = SRIOVNIC_PCI_DEVICE_ID_PF;
    k->revision = SRIOVNIC_PCI_REVISION;
    k->class_id = PCI_CLASS_NETWORK_ETHERNET;
    rc->phases.hold = sriovnic_pf_reset_hold;

    dc->desc = "sriovnic SR-IOV Ethernet controller (physical function)";
    dc->vmsd = &vmstate_sriovnic_pf;
    device_class_set_props(dc, sriovnic_pf_properties);
    set_bit(DEVICE_CATEGORY_NETWORK, dc->categories);

    object_class_property_set_description(klass, "vfs",
        "TotalVFs of the SR-IOV capability, 0 (no SR-IOV) to 255");
    object_class_property_set_description(klass, "queues",
        "queue pairs of the PF, 1 to 16");
    object_class_property_set_description(klass, "vf-queues",
        "queue pairs of each VF, 1 to 16");
    object_class_property_set_description(klass, "vendor-id",
        "PCI vendor ID of the PF and its VFs, not 0xffff");
    object_class_property_set_description(klass, "device-id",
        "PCI device ID of the PF");
    object_class_property_set_description(klass, "vf-device-id",
        "VF Device ID in the SR-IOV capability");
}

static const TypeInfo sriovnic_pf_info = {
    .name = TYPE_SRIOVNIC,
    .parent = TYPE_PCI_DEVICE,
    .instance_size = sizeof(SriovnicPfState),
    .class_init = sriovnic_pf_class_init,
    .interfaces = (InterfaceInfo[]) {
        { INTERFACE_PCIE_DEVICE },
        { }
    },
};

static void sriovnic_pf_register_types(void)
{
    type_register_static(&sriovnic_pf_info);
}

type_init(sriovnic_pf_register_types)
