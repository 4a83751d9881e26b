/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sriovnic: the PF's config space writes and its SR-IOV capability. The
 * core refuses the card's own accesses and VF Enable beyond TotalVFs; this
 * file asks it and carries out QEMU's side (pcie_sriov), and says where a
 * PF with VFs cannot go.
 */
#include "qemu/osdep.h"
#include "hw/pci/pcie.h"
#include "hw/pci/pcie_sriov.h"
#include "qapi/error.h"
#include "qemu/range.h"
#include "sriovnic/regs.h"
#include "sriovnic.h"
#include "trace.h"

void sriovnic_sync_active_vfs(SriovnicPfState *s)
{
    uint16_t active = pcie_sriov_num_vfs(PCI_DEVICE(s));

    trace_sriovnic_sriov_vfs_changed(active);
    sriovnic_core_set_active_vfs(s->card.core, active);
}

static void sriovnic_hint_root_port(Error **errp)
{
    error_append_hint(errp, "A " TYPE_SRIOVNIC " alone on a pcie-root-port of a "
                      "q35 machine (function 0) can have up to %u VFs: -M q35 -device "
                      "pcie-root-port,id=rp0,chassis=1 -device "
                      TYPE_SRIOVNIC ",bus=rp0,...\n",
                      sriovnic_vfs_that_fit(0, PCI_DEVFN_MAX));
}

/*
 * The SR-IOV capability lives in PCI Express extended configuration space,
 * which a guest cannot reach through a conventional PCI bus: the card would
 * come up with VFs nobody can enable. QEMU's own PCIe-only devices (pxb-pcie,
 * failover primaries) refuse such a bus the same way.
 */
bool sriovnic_pf_check_bus(PCIDevice *pf, uint16_t total_vfs, Error **errp)
{
    PCIBus *bus = pci_get_bus(pf);

    if (!total_vfs || pci_bus_is_express(bus)) {
        return true;
    }
    error_setg(errp, "property 'vfs' is %u but bus '%s' is conventional PCI: "
               "a guest cannot reach the SR-IOV capability there (it is in "
               "PCI Express extended configuration space); use a PCI Express "
               "bus, or vfs=0 for a card without SR-IOV",
               total_vfs, BUS(bus)->name);
    sriovnic_hint_root_port(errp);
    return false;
}

void sriovnic_pf_hint_routing_ids(PCIDevice *pf, uint16_t total_vfs, Error **errp)
{
    error_append_hint(errp, "The PF is at %02x.%x (routing ID 0x%02x) on bus "
                      "'%s'; its %u VFs take routing IDs 0x%02x to 0x%02x on "
                      "that bus, which ends at 0x%02x, and every one must be "
                      "free (%u fit after the PF).\n",
                      PCI_SLOT(pf->devfn), PCI_FUNC(pf->devfn), pf->devfn,
                      BUS(pci_get_bus(pf))->name, total_vfs,
                      sriovnic_vf_routing_id(pf->devfn, 0),
                      sriovnic_vf_routing_id(pf->devfn, total_vfs - 1),
                      PCI_DEVFN_MAX - 1,
                      sriovnic_vfs_that_fit(pf->devfn, PCI_DEVFN_MAX));
    sriovnic_hint_root_port(errp);
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
    if (sriovnic_core_request_vf_enable(s->card.core, num_vfs)) {
        return val;
    }
    trace_sriovnic_vf_enable_refused(num_vfs, s->card.total_vfs);
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

void sriovnic_pf_write_config(PCIDevice *dev, uint32_t addr, uint32_t val,
                              int len)
{
    SriovnicPfState *s = SRIOVNIC(dev);

    if (!sriovnic_core_config_write_allowed(s->card.core)) {
        trace_sriovnic_own_config_write_refused(SRIOVNIC_FN_PF, addr);
        return;
    }
    val = sriovnic_filter_vf_enable(s, addr, val, len);
    if (s->card.total_vfs && sriovnic_clears_vf_enable(dev, addr, val, len)) {
        trace_sriovnic_sriov_vfs_changed(0);
        sriovnic_core_set_active_vfs(s->card.core, 0);
    }
    pci_default_write_config(dev, addr, val, len);
    pcie_cap_flr_write_config(dev, addr, val, len);
    if (s->card.total_vfs) {
        sriovnic_sync_active_vfs(s);
    }
}
