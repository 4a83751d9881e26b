/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sriovnic: emulated SR-IOV NIC, physical function.
 *
 * Thin glue: PCI/PCIe capabilities, BARs, MSI-X, SR-IOV and VMState around
 * the C++ core, which holds every register's behaviour.
 */
#include "qemu/osdep.h"
#include "hw/pci/msix.h"
#include "hw/pci/pcie.h"
#include "hw/pci/pcie_sriov.h"
#include "hw/qdev-properties.h"
#include "migration/vmstate.h"
#include "qapi/error.h"
#include "qemu/error-report.h"
#include "qemu/range.h"
#include "qemu/timer.h"
#include "sriovnic/regs.h"
#include "sriovnic.h"
#include "trace.h"

/*
 * The PCI function behind a core function number; NULL for a disabled VF.
 * Numbers after the VFs are synthetic channels (sriovnic_core_synth_attach).
 */
static PCIDevice *sriovnic_fn_device(void *opaque, uint16_t fn)
{
    SriovnicPfState *s = opaque;
    PCIDevice *pf = PCI_DEVICE(s);

    if (fn == SRIOVNIC_FN_PF) {
        return pf;
    }
    if (sriovnic_fn_is_vf(fn, s->total_vfs)) {
        return pcie_sriov_get_vf_at_index(pf, sriovnic_vf_of_fn(fn));
    }
    if (sriovnic_channel_of_fn(fn, s->total_vfs) < s->num_synth) {
        return s->synth_devs[sriovnic_channel_of_fn(fn, s->total_vfs)];
    }
    return NULL;
}

void sriovnic_pf_add_synth(SriovnicPfState *s, uint16_t fn, PCIDevice *dev)
{
    uint32_t i = sriovnic_channel_of_fn(fn, s->total_vfs);

    assert(sriovnic_fn_is_channel(fn, s->total_vfs));
    if (i >= s->num_synth) {
        s->synth_devs = g_renew(PCIDevice *, s->synth_devs, i + 1);
        memset(s->synth_devs + s->num_synth, 0,
               (i + 1 - s->num_synth) * sizeof(PCIDevice *));
        s->num_synth = i + 1;
    }
    s->synth_devs[i] = dev;
}

static void sriovnic_raise_msix(void *opaque, uint16_t fn, uint16_t vector)
{
    PCIDevice *dev = sriovnic_fn_device(opaque, fn);

    if (dev && msix_enabled(dev)) {
        trace_sriovnic_msix_notify(fn, vector);
        msix_notify(dev, vector);
    } else {
        trace_sriovnic_msix_masked(fn, vector);
    }
}

static void sriovnic_set_intx(void *opaque, bool asserted)
{
    PCIDevice *pf = PCI_DEVICE(opaque);

    pci_set_irq(pf, asserted && !msix_enabled(pf));
}

static bool sriovnic_dma_read(void *opaque, uint16_t fn, uint64_t addr,
                              void *buf, size_t len)
{
    PCIDevice *dev = sriovnic_fn_device(opaque, fn);
    MemTxResult res = dev ? pci_dma_read(dev, addr, buf, len) : MEMTX_ERROR;

    if (res != MEMTX_OK) {
        trace_sriovnic_dma_error(fn, addr, len, false);
    }
    return res == MEMTX_OK;
}

static bool sriovnic_dma_write(void *opaque, uint16_t fn, uint64_t addr,
                               const void *buf, size_t len)
{
    PCIDevice *dev = sriovnic_fn_device(opaque, fn);
    MemTxResult res = dev ? pci_dma_write(dev, addr, buf, len) : MEMTX_ERROR;

    if (res != MEMTX_OK) {
        trace_sriovnic_dma_error(fn, addr, len, true);
    }
    return res == MEMTX_OK;
}

static void sriovnic_send_uplink(void *opaque, const uint8_t *frame, size_t len)
{
    SriovnicPfState *s = opaque;

    qemu_send_packet(qemu_get_queue(s->nic), frame, len);
}

static void sriovnic_uplink_ready(void *opaque)
{
    SriovnicPfState *s = opaque;

    qemu_flush_queued_packets(qemu_get_queue(s->nic));
}

static uint64_t sriovnic_now_ns(void *opaque)
{
    return qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
}

static void sriovnic_arm_timer(void *opaque, uint64_t deadline_ns)
{
    SriovnicPfState *s = opaque;

    timer_mod(s->timer, deadline_ns);
}

static void sriovnic_timer_expired(void *opaque)
{
    SriovnicPfState *s = opaque;

    sriovnic_core_timer(s->core);
}

static void sriovnic_trace_error(void *opaque, uint16_t fn, uint32_t err_bits,
                                 uint32_t offset)
{
    trace_sriovnic_guest_error(fn, err_bits, offset);
}

static void sriovnic_trace_function_enable(void *opaque, uint16_t fn, bool enabled)
{
    trace_sriovnic_function_enable(fn, enabled);
}

static void sriovnic_trace_queue(void *opaque, uint16_t fn, unsigned q, bool tx,
                                 bool enabled)
{
    trace_sriovnic_queue(fn, q, tx ? "tx" : "rx", enabled);
}

static void sriovnic_trace_link(void *opaque, uint16_t fn, bool up)
{
    trace_sriovnic_link(fn, up);
}

static void sriovnic_trace_vf_setting(void *opaque, uint16_t vf, uint32_t offset,
                                      uint32_t value)
{
    trace_sriovnic_vf_setting(vf, offset, value);
}

static void sriovnic_trace_mailbox(void *opaque, uint16_t vf, bool to_pf, uint32_t word0)
{
    trace_sriovnic_mailbox(vf, to_pf ? "VF->PF" : "PF->VF", word0);
}

static void sriovnic_trace_fault(void *opaque, uint16_t vf, unsigned fault, bool active)
{
    const char *name = sriovnic_core_fault_name(fault);

    trace_sriovnic_fault(vf, name ? name : "?", active);
}

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

static void sriovnic_trace_synth_datapath(void *opaque, uint16_t fn,
                                          unsigned old_state,
                                          unsigned new_state, unsigned cause)
{
    trace_sriovnic_synth_datapath(fn, sriovnic_synth_state_name(old_state),
                                  sriovnic_synth_state_name(new_state),
                                  sriovnic_synth_cause_name(cause));
}

static void sriovnic_channel_datapath_changed(void *opaque,
                                              const SriovnicSynthTransition *t)
{
    PCIDevice *dev = sriovnic_fn_is_channel(t->fn, SRIOVNIC(opaque)->total_vfs) ?
                     sriovnic_fn_device(opaque, t->fn) : NULL;

    if (dev) {
        sriovnic_synth_datapath_changed(SRIOVNIC_SYNTH(dev), t);
    }
    sriovnic_qmp_datapath_changed(opaque, t);
}

/*
 * VF `vf`'s address as the guest sees it: the bus number the guest
 * programmed into the bridge above the PF. QEMU 10.0 has one PCI segment.
 */
static uint32_t sriovnic_vf_serial(void *opaque, uint16_t vf)
{
    PCIDevice *pf = PCI_DEVICE(opaque);
    PCIDevice *dev = pcie_sriov_get_vf_at_index(pf, vf);

    if (!dev) {
        /* Not enabled: where VF Enable will put it. */
        return SRIOVNIC_SYNTH_SERIAL(0, pci_dev_bus_num(pf),
                                     sriovnic_vf_routing_id(pf->devfn, vf));
    }
    return SRIOVNIC_SYNTH_SERIAL(0, pci_dev_bus_num(dev), dev->devfn);
}

static const SriovnicPlatformOps sriovnic_platform_ops = {
    .raise_msix = sriovnic_raise_msix,
    .set_intx = sriovnic_set_intx,
    .dma_read = sriovnic_dma_read,
    .dma_write = sriovnic_dma_write,
    .send_uplink = sriovnic_send_uplink,
    .uplink_ready = sriovnic_uplink_ready,
    .now_ns = sriovnic_now_ns,
    .arm_timer = sriovnic_arm_timer,
    .trace_error = sriovnic_trace_error,
    .trace_function_enable = sriovnic_trace_function_enable,
    .trace_queue = sriovnic_trace_queue,
    .trace_link = sriovnic_trace_link,
    .trace_vf_setting = sriovnic_trace_vf_setting,
    .trace_mailbox = sriovnic_trace_mailbox,
    .trace_synth_datapath = sriovnic_trace_synth_datapath,
    .vf_serial = sriovnic_vf_serial,
    .synth_datapath_changed = sriovnic_channel_datapath_changed,
    .trace_fault = sriovnic_trace_fault,
};

static uint64_t sriovnic_pf_mmio_read(void *opaque, hwaddr addr, unsigned size)
{
    SriovnicPfState *s = opaque;
    uint64_t val = sriovnic_core_read(s->core, SRIOVNIC_FN_PF, addr, size);

    trace_sriovnic_mmio_read(SRIOVNIC_FN_PF, addr, size, val);
    return val;
}

static void sriovnic_pf_mmio_write(void *opaque, hwaddr addr, uint64_t val,
                                   unsigned size)
{
    SriovnicPfState *s = opaque;

    trace_sriovnic_mmio_write(SRIOVNIC_FN_PF, addr, size, val);
    sriovnic_core_write(s->core, SRIOVNIC_FN_PF, addr, size, val);
}

/* Every size and alignment reaches the core, which defines the outcome. */
static const MemoryRegionOps sriovnic_pf_mmio_ops = {
    .read = sriovnic_pf_mmio_read,
    .write = sriovnic_pf_mmio_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 8, .unaligned = true },
    .impl = { .min_access_size = 1, .max_access_size = 8, .unaligned = true },
};

static void sriovnic_sync_active_vfs(SriovnicPfState *s)
{
    uint16_t active = pcie_sriov_num_vfs(PCI_DEVICE(s));

    trace_sriovnic_sriov_vfs_changed(active);
    sriovnic_core_set_active_vfs(s->core, active);
}

/*
 * QEMU 10.0's pcie_sriov acts on the written value, not on what the write
 * mask let through: VF Enable with NumVFs > TotalVFs makes it index past its
 * VF array. Ask the core first and drop the VF Enable bit it refuses.
 */
static uint32_t sriovnic_filter_vf_enable(SriovnicPfState *s, uint32_t addr,
                                          uint32_t val, int len)
{
    PCIDevice *dev = PCI_DEVICE(s);
    uint16_t ctrl = dev->exp.sriov_cap + PCI_SRIOV_CTRL;
    uint16_t num_vfs;

    if (!dev->exp.sriov_cap || !range_covers_byte(addr, len, ctrl)) {
        return val;
    }
    if (!(val & (PCI_SRIOV_CTRL_VFE << ((ctrl - addr) * 8)))) {
        return val;
    }
    num_vfs = pci_get_word(dev->config + dev->exp.sriov_cap + PCI_SRIOV_NUM_VF);
    if (sriovnic_core_request_vf_enable(s->core, num_vfs)) {
        return val;
    }
    trace_sriovnic_vf_enable_refused(num_vfs, s->total_vfs);
    return val & ~(PCI_SRIOV_CTRL_VFE << ((ctrl - addr) * 8));
}

/*
 * True if this write clears VF Enable. QEMU 10.0's pcie_sriov then resets
 * every VF before the VFs are gone (pci_set_enabled -> pci_device_reset);
 * the core must hear that they are going first, or it sees a VF reset (an
 * FLR, which re-offers a paired VF) and only then the removal.
 */
static bool sriovnic_clears_vf_enable(PCIDevice *dev, uint32_t addr,
                                      uint32_t val, int len)
{
    uint16_t ctrl = dev->exp.sriov_cap + PCI_SRIOV_CTRL;

    return dev->exp.sriov_cap && range_covers_byte(addr, len, ctrl) &&
           (pci_get_word(dev->config + ctrl) & PCI_SRIOV_CTRL_VFE) &&
           !(val & (PCI_SRIOV_CTRL_VFE << ((ctrl - addr) * 8)));
}

static void sriovnic_pf_write_config(PCIDevice *dev, uint32_t addr,
                                     uint32_t val, int len)
{
    SriovnicPfState *s = SRIOVNIC(dev);

    if (!sriovnic_core_config_write_allowed(s->core)) {
        trace_sriovnic_own_config_write_refused(SRIOVNIC_FN_PF, addr);
        return;
    }
    val = sriovnic_filter_vf_enable(s, addr, val, len);
    if (s->total_vfs && sriovnic_clears_vf_enable(dev, addr, val, len)) {
        trace_sriovnic_sriov_vfs_changed(0);
        sriovnic_core_set_active_vfs(s->core, 0);
    }
    pci_default_write_config(dev, addr, val, len);
    pcie_cap_flr_write_config(dev, addr, val, len);
    if (s->total_vfs) {
        sriovnic_sync_active_vfs(s);
    }
}

static ssize_t sriovnic_receive(NetClientState *nc, const uint8_t *buf,
                                size_t size)
{
    SriovnicPfState *s = qemu_get_nic_opaque(nc);

    /* 0 makes QEMU hold the frame until sriovnic_uplink_ready(). */
    return sriovnic_core_uplink_receive(s->core, buf, size) ? size : 0;
}

static void sriovnic_link_status_changed(NetClientState *nc)
{
    SriovnicPfState *s = qemu_get_nic_opaque(nc);

    trace_sriovnic_uplink_link(!nc->link_down);
    sriovnic_core_set_uplink_link(s->core, !nc->link_down);
}

/* After QEMU announced the PF's MAC: the card's other addresses. */
static void sriovnic_announce(NetClientState *nc)
{
    SriovnicPfState *s = qemu_get_nic_opaque(nc);

    trace_sriovnic_announce(sriovnic_core_announce(s->core));
}

static NetClientInfo sriovnic_net_info = {
    .type = NET_CLIENT_DRIVER_NIC,
    .size = sizeof(NICState),
    .receive = sriovnic_receive,
    .link_status_changed = sriovnic_link_status_changed,
    .announce = sriovnic_announce,
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
        .total_vfs = s->total_vfs,
        .pf_queue_pairs = s->queue_pairs,
        .vf_queue_pairs = s->vf_queue_pairs,
    };
    char err[256];

    /* pcie_sriov puts every VF on the PF's bus, one routing ID each. */
    cfg.max_vfs = sriovnic_vfs_that_fit(dev->devfn, PCI_DEVFN_MAX);
    if (s->vendor_id == 0xffff) {
        error_setg(errp, "property 'vendor-id' must not be 0xffff");
        return;
    }
    qemu_macaddr_default_if_unset(&s->conf.macaddr);
    memcpy(cfg.mac, s->conf.macaddr.a, sizeof(cfg.mac));

    s->core = sriovnic_core_new(&cfg, &sriovnic_platform_ops, s, err, sizeof(err));
    if (!s->core) {
        error_setg(errp, "%s", err);
        return;
    }
    s->regs = sriovnic_core_fn_regs(s->core, SRIOVNIC_FN_PF);
    s->pf_admin = sriovnic_core_pf_admin_regs(s->core);
    s->timer = timer_new_ns(QEMU_CLOCK_VIRTUAL, sriovnic_timer_expired, s);
    trace_sriovnic_pf_realize(s->total_vfs, s->queue_pairs, s->vf_queue_pairs);

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
                       sriovnic_core_msix_vectors(s->core, SRIOVNIC_FN_PF), errp);
    if (*errp) {
        goto fail_core;
    }
    if (pcie_endpoint_cap_init(dev, SRIOVNIC_CAP_EXP) < 0) {
        error_setg(errp, "sriovnic: cannot add the PCI Express capability");
        goto fail_msix;
    }
    pcie_cap_flr_init(dev);
    pcie_ari_init(dev, SRIOVNIC_EXTCAP_ARI);

    if (s->total_vfs) {
        if (!pcie_sriov_pf_init(dev, SRIOVNIC_EXTCAP_SRIOV, TYPE_SRIOVNIC_VF,
                                s->vf_device_id, s->total_vfs, s->total_vfs,
                                SRIOVNIC_VF_OFFSET, SRIOVNIC_VF_STRIDE, errp)) {
            goto fail_exp;
        }
        pcie_sriov_pf_init_vf_bar(dev, SRIOVNIC_BAR_REGS,
                                  PCI_BASE_ADDRESS_MEM_TYPE_64,
                                  SRIOVNIC_VF_REGS_SIZE);
        pcie_sriov_pf_init_vf_bar(dev, SRIOVNIC_BAR_MSIX,
                                  PCI_BASE_ADDRESS_MEM_TYPE_64,
                                  SRIOVNIC_MSIX_BAR_SIZE);
    }

    s->nic = qemu_new_nic(&sriovnic_net_info, &s->conf,
                          object_get_typename(OBJECT(s)),
                          DEVICE(s)->id, &DEVICE(s)->mem_reentrancy_guard, s);
    qemu_format_nic_info_str(qemu_get_queue(s->nic), s->conf.macaddr.a);
    sriovnic_core_set_uplink_link(s->core, !qemu_get_queue(s->nic)->link_down);
    return;

fail_exp:
    pcie_cap_exit(dev);
fail_msix:
    msix_unuse_all_vectors(dev);
    msix_uninit(dev, &s->msix, &s->msix);
fail_core:
    timer_free(s->timer);
    s->timer = NULL;
    sriovnic_core_free(s->core);
    s->core = NULL;
}

static void sriovnic_pf_exit(PCIDevice *dev)
{
    SriovnicPfState *s = SRIOVNIC(dev);

    qemu_del_nic(s->nic);
    if (s->total_vfs) {
        pcie_sriov_pf_exit(dev);
    }
    pcie_cap_exit(dev);
    msix_unuse_all_vectors(dev);
    msix_uninit(dev, &s->msix, &s->msix);
    timer_free(s->timer);
    s->timer = NULL;
    sriovnic_core_free(s->core);
    s->core = NULL;
    g_free(s->synth_devs);
    s->synth_devs = NULL;
    s->num_synth = 0;
}

static void sriovnic_pf_reset_hold(Object *obj, ResetType type)
{
    SriovnicPfState *s = SRIOVNIC(obj);

    trace_sriovnic_pf_reset();
    sriovnic_core_reset_function(s->core, SRIOVNIC_FN_PF);
    /* pci_do_device_reset() clears VF Enable right after this. */
    sriovnic_core_set_active_vfs(s->core, 0);
}

static int sriovnic_pf_post_load(void *opaque, int version_id)
{
    SriovnicPfState *s = opaque;
    char err[256];

    trace_sriovnic_post_load(SRIOVNIC_FN_PF);
    if (!sriovnic_core_post_load(s->core, SRIOVNIC_FN_PF, err, sizeof(err))) {
        error_report("sriovnic: rejecting migration stream: %s", err);
        return -EINVAL;
    }
    if (s->total_vfs) {
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
    DEFINE_NIC_PROPERTIES(SriovnicPfState, conf),
    DEFINE_PROP_UINT16("vfs", SriovnicPfState, total_vfs, 8),
    DEFINE_PROP_UINT8("queues", SriovnicPfState, queue_pairs, 4),
    DEFINE_PROP_UINT8("vf-queues", SriovnicPfState, vf_queue_pairs, 2),
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
