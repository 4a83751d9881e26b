/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sriovnic: emulated SR-IOV NIC, virtual function.
 *
 * VFs are created by the PF through QEMU's pcie_sriov (all TotalVFs at PF
 * realize; VF Enable toggles them) and are not user-creatable. A host-owned
 * card's VF in a slot of its own (sriovnic-assigned-vf) is a subtype that
 * shares everything here but how its BARs are registered
 * (sriovnic_vf_init_function).
 */
#include "qemu/osdep.h"
#include "hw/pci/msix.h"
#include "hw/pci/pcie.h"
#include "hw/pci/pcie_sriov.h"
#include "migration/vmstate.h"
#include "qapi/error.h"
#include "qemu/error-report.h"
#include "sriovnic/regs.h"
#include "sriovnic.h"
#include "trace.h"

static uint64_t sriovnic_vf_mmio_read(void *opaque, hwaddr addr, unsigned size)
{
    SriovnicVfState *s = opaque;
    uint64_t val = sriovnic_core_read(s->core, s->fn, addr, size);

    trace_sriovnic_mmio_read(s->fn, addr, size, val);
    return val;
}

static void sriovnic_vf_mmio_write(void *opaque, hwaddr addr, uint64_t val,
                                   unsigned size)
{
    SriovnicVfState *s = opaque;

    trace_sriovnic_mmio_write(s->fn, addr, size, val);
    sriovnic_core_write(s->core, s->fn, addr, size, val);
}

static const MemoryRegionOps sriovnic_vf_mmio_ops = {
    .read = sriovnic_vf_mmio_read,
    .write = sriovnic_vf_mmio_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 8, .unaligned = true },
    .impl = { .min_access_size = 1, .max_access_size = 8, .unaligned = true },
};

/* A surprise-removed VF (sriovnic-inject-fault) answers nothing: all ones. */
static uint32_t sriovnic_vf_read_config(PCIDevice *dev, uint32_t addr, int len)
{
    SriovnicVfState *s = SRIOVNIC_VF(dev);

    if (sriovnic_core_vf_removed(s->core, sriovnic_vf_of_fn(s->fn))) {
        return len >= 4 ? UINT32_MAX : (1u << (len * 8)) - 1;
    }
    return pci_default_read_config(dev, addr, len);
}

static void sriovnic_vf_write_config(PCIDevice *dev, uint32_t addr,
                                     uint32_t val, int len)
{
    SriovnicVfState *s = SRIOVNIC_VF(dev);

    if (sriovnic_core_vf_removed(s->core, sriovnic_vf_of_fn(s->fn))) {
        return;
    }

    if (!sriovnic_core_config_write_allowed(s->core)) {
        trace_sriovnic_own_config_write_refused(s->fn, addr);
        return;
    }
    pci_default_write_config(dev, addr, val, len);
    pcie_cap_flr_write_config(dev, addr, val, len);
}

bool sriovnic_vf_init_function(SriovnicVfState *s, SriovnicCore *core, uint16_t fn,
                               bool standalone, Error **errp)
{
    PCIDevice *dev = PCI_DEVICE(s);
    uint16_t vectors;

    s->core = core;
    s->fn = fn;
    s->regs = sriovnic_core_fn_regs(core, fn);
    s->admin = sriovnic_core_vf_admin_regs(core, sriovnic_vf_of_fn(fn));
    s->mailbox = sriovnic_core_vf_mailbox_regs(core, sriovnic_vf_of_fn(fn));
    vectors = sriovnic_core_msix_vectors(core, fn);

    dev->config_read = sriovnic_vf_read_config;
    dev->config_write = sriovnic_vf_write_config;

    memory_region_init_io(&s->mmio, OBJECT(s), &sriovnic_vf_mmio_ops, s,
                          "sriovnic-vf-mmio", SRIOVNIC_VF_REGS_SIZE);
    /*
     * The core refuses an access that re-enters the card, across the PF and
     * all VFs, and counts it (SRIOVNIC_STAT_DMA_SELF); QEMU's guard is per
     * device and would block the same-function case silently.
     */
    s->mmio.disable_reentrancy_guard = true;
    memory_region_init(&s->msix, OBJECT(s), "sriovnic-vf-msix",
                       SRIOVNIC_MSIX_BAR_SIZE);
    if (standalone) {
        /* The same 64-bit BARs, sizes and layout as pcie_sriov gives a VF. */
        pci_register_bar(dev, SRIOVNIC_BAR_REGS, PCI_BASE_ADDRESS_MEM_TYPE_64,
                         &s->mmio);
        pci_register_bar(dev, SRIOVNIC_BAR_MSIX, PCI_BASE_ADDRESS_MEM_TYPE_64,
                         &s->msix);
    } else {
        pcie_sriov_vf_register_bar(dev, SRIOVNIC_BAR_REGS, &s->mmio);
        pcie_sriov_vf_register_bar(dev, SRIOVNIC_BAR_MSIX, &s->msix);
    }

    if (msix_init(dev, vectors, &s->msix, SRIOVNIC_BAR_MSIX,
                  SRIOVNIC_MSIX_TABLE_OFFSET, &s->msix, SRIOVNIC_BAR_MSIX,
                  SRIOVNIC_MSIX_PBA_OFFSET, SRIOVNIC_CAP_MSIX, errp) < 0) {
        return false;
    }
    for (uint16_t v = 0; v < vectors; v++) {
        msix_vector_use(dev, v);
    }
    if (pcie_endpoint_cap_init(dev, SRIOVNIC_CAP_EXP) < 0) {
        error_setg(errp, "%s: cannot add the PCI Express capability",
                   object_get_typename(OBJECT(s)));
        msix_unuse_all_vectors(dev);
        msix_uninit(dev, &s->msix, &s->msix);
        return false;
    }
    pcie_cap_flr_init(dev);
    pcie_ari_init(dev, SRIOVNIC_EXTCAP_ARI);
    return true;
}

static void sriovnic_vf_realize(PCIDevice *dev, Error **errp)
{
    SriovnicVfState *s = SRIOVNIC_VF(dev);
    SriovnicPfState *pf = SRIOVNIC(pcie_sriov_get_pf(dev));

    sriovnic_vf_init_function(s, pf->card.core,
                              sriovnic_fn_of_vf(pcie_sriov_vf_number(dev)),
                              false, errp);
}

void sriovnic_vf_exit(PCIDevice *dev)
{
    SriovnicVfState *s = SRIOVNIC_VF(dev);

    pcie_cap_exit(dev);
    msix_unuse_all_vectors(dev);
    msix_uninit(dev, &s->msix, &s->msix);
}

static void sriovnic_vf_reset_hold(Object *obj, ResetType type)
{
    SriovnicVfState *s = SRIOVNIC_VF(obj);

    trace_sriovnic_vf_reset(sriovnic_vf_of_fn(s->fn));
    sriovnic_core_reset_function(s->core, s->fn);
}

static int sriovnic_vf_post_load(void *opaque, int version_id)
{
    SriovnicVfState *s = opaque;
    char err[256];

    trace_sriovnic_post_load(s->fn);
    if (!sriovnic_core_post_load(s->core, s->fn, err, sizeof(err))) {
        error_report("sriovnic: rejecting migration stream: %s", err);
        return -EINVAL;
    }
    return 0;
}

static bool sriovnic_vf_counters2_needed(void *opaque)
{
    SriovnicVfState *s = opaque;

    return sriovnic_counters2_needed(s->regs);
}

static const VMStateDescription vmstate_sriovnic_vf_counters2 = {
    .name = TYPE_SRIOVNIC_VF "/counters2",
    .version_id = 1,
    .minimum_version_id = 1,
    .needed = sriovnic_vf_counters2_needed,
    .fields = (const VMStateField[]) {
        VMSTATE_STRUCT_POINTER(regs, SriovnicVfState,
                               vmstate_sriovnic_fn_counters2, SriovnicFnRegs),
        VMSTATE_END_OF_LIST()
    },
};

static bool sriovnic_vf_mailbox_contract_needed(void *opaque)
{
    SriovnicVfState *s = opaque;

    return sriovnic_mailbox_contract_needed(s->mailbox);
}

static const VMStateDescription vmstate_sriovnic_vf_mailbox_contract = {
    .name = TYPE_SRIOVNIC_VF "/mailbox-contract",
    .version_id = 1,
    .minimum_version_id = 1,
    .needed = sriovnic_vf_mailbox_contract_needed,
    .fields = (const VMStateField[]) {
        VMSTATE_STRUCT_POINTER(mailbox, SriovnicVfState,
                               vmstate_sriovnic_mailbox_contract, SriovnicMailboxRegs),
        VMSTATE_END_OF_LIST()
    },
};

/*
 * Unlike QEMU's igbvf, a VF carries its own config space, MSI-X state and
 * registers in the migration stream, so an enabled VF keeps working on the
 * destination.
 */
static const VMStateDescription vmstate_sriovnic_vf = {
    .name = TYPE_SRIOVNIC_VF,
    .version_id = 2, /* 2: queue interrupt moderation, PF-set multicast filters */
    .minimum_version_id = 2, /* stays: new state goes into subsections */
    .post_load = sriovnic_vf_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_PCI_DEVICE(parent_obj, SriovnicVfState),
        VMSTATE_MSIX(parent_obj, SriovnicVfState),
        SRIOVNIC_VMSTATE_PART("regs", SriovnicVfState, regs,
                              vmstate_sriovnic_fn_regs, SriovnicFnRegs),
        /* In the order interface 1.4 laid these fields out. */
        SRIOVNIC_VMSTATE_PART("admin-port", SriovnicVfState, admin,
                              vmstate_sriovnic_vf_admin_port, SriovnicVfAdminRegs),
        SRIOVNIC_VMSTATE_PART("mailbox", SriovnicVfState, mailbox,
                              vmstate_sriovnic_mailbox, SriovnicMailboxRegs),
        SRIOVNIC_VMSTATE_PART("admin-vlans", SriovnicVfState, admin,
                              vmstate_sriovnic_vf_admin_vlans, SriovnicVfAdminRegs),
        VMSTATE_UNUSED(SRIOVNIC_VMSTATE_VF_SELECT_BYTES), /* the PF's, unused here */
        SRIOVNIC_VMSTATE_PART("admin-mc-owner", SriovnicVfState, admin,
                              vmstate_sriovnic_vf_admin_mc_owner, SriovnicVfAdminRegs),
        VMSTATE_END_OF_LIST()
    },
    .subsections = (const VMStateDescription * const []) {
        &vmstate_sriovnic_vf_counters2,
        &vmstate_sriovnic_vf_mailbox_contract,
        NULL
    },
};

static void sriovnic_vf_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    PCIDeviceClass *k = PCI_DEVICE_CLASS(klass);
    ResettableClass *rc = RESETTABLE_CLASS(klass);

    k->realize = sriovnic_vf_realize;
    k->exit = sriovnic_vf_exit;
    k->vendor_id = SRIOVNIC_PCI_VENDOR_ID;
    k->device_id = SRIOVNIC_PCI_DEVICE_ID_VF;
    k->revision = SRIOVNIC_PCI_REVISION;
    k->class_id = PCI_CLASS_NETWORK_ETHERNET;
    rc->phases.hold = sriovnic_vf_reset_hold;

    dc->desc = "sriovnic virtual function (created by the PF's SR-IOV capability)";
    dc->vmsd = &vmstate_sriovnic_vf;
    dc->user_creatable = false;
    set_bit(DEVICE_CATEGORY_NETWORK, dc->categories);
}

static const TypeInfo sriovnic_vf_info = {
    .name = TYPE_SRIOVNIC_VF,
    .parent = TYPE_PCI_DEVICE,
    .instance_size = sizeof(SriovnicVfState),
    .class_init = sriovnic_vf_class_init,
    .interfaces = (InterfaceInfo[]) {
        { INTERFACE_PCIE_DEVICE },
        { }
    },
};

static void sriovnic_vf_register_types(void)
{
    type_register_static(&sriovnic_vf_info);
}

type_init(sriovnic_vf_register_types)
