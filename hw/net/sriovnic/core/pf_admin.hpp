// SPDX-License-Identifier: GPL-2.0-or-later
// The PF's control of its VFs' switch ports: the per-VF administration
// window (SRIOVNIC_VFA_*), the PF registers that act on a selected VF
// (VLAN and multicast filters), and the state behind them. That state is
// the PF's: it survives VF resets and VF Enable cycles; a PF reset clears it.
#pragma once

#include "card.hpp"
#include "function.hpp"
#include "regmap.hpp"
#include "sriovnic-core.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sriovnic {

class PfAdmin {
public:
    PfAdmin(Card &card, uint16_t total_vfs);
    PfAdmin(const PfAdmin &) = delete;
    PfAdmin &operator=(const PfAdmin &) = delete;

    uint16_t total_vfs() const { return uint16_t(vfs_.size()); }
    SriovnicVfAdminRegs &vf(uint16_t vf) { return vfs_[vf]; }
    const SriovnicVfAdminRegs &vf(uint16_t vf) const { return vfs_[vf]; }
    SriovnicPfAdminRegs &regs() { return regs_; }

    // The PF-only registers (RegTarget::Block::pf: SR-IOV state, VF select,
    // filters). `active_vfs` is what VF Enable currently covers.
    uint32_t read_pf_register(const RegTarget &t, uint16_t active_vfs) const;
    Function::WriteResult write_pf_register(const RegTarget &t, uint32_t value);

    // VF `t.index`'s administration window (RegTarget::Block::admin). The
    // mailbox control register there is the Mailbox's.
    uint32_t read_admin(const RegTarget &t);
    Function::WriteResult write_admin(const RegTarget &t, uint32_t value);

    // Sets VF `vf`'s MAC (MAC_LO as staged, MAC_HI completing it), for the
    // PF's VFA_MAC registers and for the host that owns the card.
    Function::WriteResult set_mac(uint16_t vf, uint32_t mac_lo, uint32_t mac_hi);

    // PF reset: every VF's administration to its default.
    void reset();

    // After migration: refuse what the hardware could never have held.
    std::optional<std::string> validate_loaded(uint16_t vf) const;

private:
    Card &card_;
    std::vector<SriovnicVfAdminRegs> vfs_;
    SriovnicPfAdminRegs regs_{};
};

// A VF's administration after a PF reset.
SriovnicVfAdminRegs default_vf_admin();

} // namespace sriovnic
