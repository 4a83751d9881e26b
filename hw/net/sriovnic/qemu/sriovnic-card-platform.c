/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sriovnic: the card's outside world as its core sees it, shared by the
 * guest-owned PF (sriovnic) and the host-owned card (sriovnic-card). The
 * card's creation, the platform ops (DMA and MSI-X as the function behind
 * a core function number, the INTx line, the uplink, the clock and timer,
 * trace events, VF serials) and the NetClientState of the uplink, whose
 * frames and link changes go to the core.
 */
#include "qemu/osdep.h"
#include "hw/pci/msix.h"
#include "hw/pci/pcie_sriov.h"
#include "qapi/error.h"
#include "qemu/timer.h"
#include "sriovnic/regs.h"
#include "sriovnic.h"
#include "trace.h"

PCIDevice *sriovnic_card_vf_device(SriovnicCard *c, uint16_t vf)
{
    if (vf >= c->total_vfs) {
        return NULL;
    }
    if (c->pf) {
        return pcie_sriov_get_vf_at_index(c->pf, vf);
    }
    return c->standalone_vfs ? c->standalone_vfs[vf] : NULL;
}

/*
 * The PCI function behind a core function number; NULL for a disabled or
 * unplugged VF and for a host-owned card's own function, which the guest
 * never sees. Numbers after the VFs are synthetic channels
 * (sriovnic_core_synth_attach).
 */
static PCIDevice *sriovnic_fn_device(void *opaque, uint16_t fn)
{
    SriovnicCard *c = opaque;

    if (fn == SRIOVNIC_FN_PF) {
        return c->pf;
    }
    if (sriovnic_fn_is_vf(fn, c->total_vfs)) {
        return sriovnic_card_vf_device(c, sriovnic_vf_of_fn(fn));
    }
    if (sriovnic_channel_of_fn(fn, c->total_vfs) < c->num_synth) {
        return c->synth_devs[sriovnic_channel_of_fn(fn, c->total_vfs)];
    }
    return NULL;
}

void sriovnic_card_set_synth(SriovnicCard *c, uint16_t fn, PCIDevice *dev)
{
    uint32_t i = sriovnic_channel_of_fn(fn, c->total_vfs);

    assert(sriovnic_fn_is_channel(fn, c->total_vfs));
    if (i >= c->num_synth) {
        c->synth_devs = g_renew(PCIDevice *, c->synth_devs, i + 1);
        memset(c->synth_devs + c->num_synth, 0,
               (i + 1 - c->num_synth) * sizeof(PCIDevice *));
        c->num_synth = i + 1;
    }
    c->synth_devs[i] = dev;
}

void sriovnic_card_set_standalone_vf(SriovnicCard *c, uint16_t vf, PCIDevice *dev)
{
    assert(!c->pf && vf < c->total_vfs);
    if (!c->standalone_vfs) {
        c->standalone_vfs = g_new0(PCIDevice *, c->total_vfs);
    }
    c->standalone_vfs[vf] = dev;
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
    SriovnicCard *c = opaque;

    if (c->pf) {
        pci_set_irq(c->pf, asserted && !msix_enabled(c->pf));
    }
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
    SriovnicCard *c = opaque;

    qemu_send_packet(qemu_get_queue(c->nic), frame, len);
}

static void sriovnic_uplink_ready(void *opaque)
{
    SriovnicCard *c = opaque;

    qemu_flush_queued_packets(qemu_get_queue(c->nic));
}

static uint64_t sriovnic_now_ns(void *opaque)
{
    return qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
}

static void sriovnic_arm_timer(void *opaque, uint64_t deadline_ns)
{
    SriovnicCard *c = opaque;

    timer_mod(c->timer, deadline_ns);
}

static void sriovnic_timer_expired(void *opaque)
{
    SriovnicCard *c = opaque;

    sriovnic_core_timer(c->core);
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

/*
 * VF `vf`'s address as the guest sees it: the bus number the guest
 * programmed into the bridge above it. QEMU 10.0 has one PCI segment.
 */
static uint32_t sriovnic_vf_serial(void *opaque, uint16_t vf)
{
    SriovnicCard *c = opaque;
    PCIDevice *pf = c->pf;
    PCIDevice *dev = sriovnic_card_vf_device(c, vf);

    if (!pf) {
        /* Host-owned: a VF not plugged has no address. */
        return dev ? SRIOVNIC_SYNTH_SERIAL(0, pci_dev_bus_num(dev), dev->devfn) : 0;
    }
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
    .vf_serial = sriovnic_vf_serial,
    .trace_fault = sriovnic_trace_fault,
};

static ssize_t sriovnic_receive(NetClientState *nc, const uint8_t *buf,
                                size_t size)
{
    SriovnicCard *c = qemu_get_nic_opaque(nc);

    /* 0 makes QEMU hold the frame until sriovnic_uplink_ready(). */
    return sriovnic_core_uplink_receive(c->core, buf, size) ? size : 0;
}

static void sriovnic_link_status_changed(NetClientState *nc)
{
    SriovnicCard *c = qemu_get_nic_opaque(nc);

    trace_sriovnic_uplink_link(!nc->link_down);
    sriovnic_core_set_uplink_link(c->core, !nc->link_down);
}

/* After QEMU announced the uplink's MAC: the card's other addresses. */
static void sriovnic_announce(NetClientState *nc)
{
    SriovnicCard *c = qemu_get_nic_opaque(nc);

    trace_sriovnic_announce(sriovnic_core_announce(c->core));
}

static NetClientInfo sriovnic_net_info = {
    .type = NET_CLIENT_DRIVER_NIC,
    .size = sizeof(NICState),
    .receive = sriovnic_receive,
    .link_status_changed = sriovnic_link_status_changed,
    .announce = sriovnic_announce,
};

bool sriovnic_card_init(SriovnicCard *c, DeviceState *owner, PCIDevice *pf,
                        SriovnicCoreConfig *cfg, Error **errp)
{
    char err[256];

    c->owner = owner;
    c->pf = pf;
    cfg->total_vfs = c->total_vfs;
    qemu_macaddr_default_if_unset(&c->conf.macaddr);
    memcpy(cfg->mac, c->conf.macaddr.a, sizeof(cfg->mac));
    c->core = sriovnic_core_new(cfg, &sriovnic_platform_ops, c, err, sizeof(err));
    if (!c->core) {
        error_setg(errp, "%s", err);
        return false;
    }
    c->timer = timer_new_ns(QEMU_CLOCK_VIRTUAL, sriovnic_timer_expired, c);
    return true;
}

void sriovnic_card_connect_uplink(SriovnicCard *c)
{
    c->nic = qemu_new_nic(&sriovnic_net_info, &c->conf,
                          object_get_typename(OBJECT(c->owner)), c->owner->id,
                          &c->owner->mem_reentrancy_guard, c);
    qemu_format_nic_info_str(qemu_get_queue(c->nic), c->conf.macaddr.a);
    sriovnic_core_set_uplink_link(c->core, !qemu_get_queue(c->nic)->link_down);
}

void sriovnic_card_cleanup(SriovnicCard *c)
{
    if (c->nic) {
        qemu_del_nic(c->nic);
        c->nic = NULL;
    }
    timer_free(c->timer);
    c->timer = NULL;
    sriovnic_core_free(c->core);
    c->core = NULL;
    g_free(c->synth_devs);
    c->synth_devs = NULL;
    c->num_synth = 0;
    g_free(c->standalone_vfs);
    c->standalone_vfs = NULL;
}

SriovnicCard *sriovnic_card_of(Object *obj)
{
    if (object_dynamic_cast(obj, TYPE_SRIOVNIC)) {
        return &SRIOVNIC(obj)->card;
    }
    if (object_dynamic_cast(obj, TYPE_SRIOVNIC_CARD)) {
        return &SRIOVNIC_CARD(obj)->card;
    }
    return NULL;
}
