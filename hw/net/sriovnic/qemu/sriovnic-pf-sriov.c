/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sriovnic: the PF's config space writes and its SR-IOV capability. The
 * core refuses the card's own accesses and VF Enable beyond TotalVFs; this
 * file asks it and carries out QEMU's side (pcie_sriov).
 */
#include "qemu/osdep.h"
#include "hw/pci/pcie.h"
#include "hw/pci/pcie_sriov.h"
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
