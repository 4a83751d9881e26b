// SPDX-License-Identifier: GPL-2.0-or-later
#include "pf_admin.hpp"

#include "sriovnic/regs.h"

#include <algorithm>

namespace sriovnic {

SriovnicVfAdminRegs default_vf_admin()
{
    SriovnicVfAdminRegs a{};
    a.flags = SRIOVNIC_VFA_FLAGS_DEFAULT;
    return a;
}

PfAdmin::PfAdmin(Card &card, uint16_t total_vfs) : card_(card), vfs_(total_vfs, default_vf_admin())
{
}

uint32_t PfAdmin::read_pf_register(const RegTarget &t, uint16_t active_vfs) const
{
    const uint32_t vf = regs_.vf_select;
    switch (t.pf()) {
    case PfReg::total_vfs:
        return total_vfs();
    case PfReg::active_vfs:
        return active_vfs;
    case PfReg::vf_select:
        return vf;
    case PfReg::vf_mc_hash_lo:
    case PfReg::vf_mc_hash_hi: {
        if (vf >= total_vfs()) {
            return 0;
        }
        const SriovnicFnRegs &r = const_cast<Card &>(card_).vf(uint16_t(vf)).regs();
        return t.pf() == PfReg::vf_mc_hash_lo ? r.mc_hash_lo : r.mc_hash_hi;
    }
    case PfReg::vlan_filter: {
        uint32_t count = 0;
        if (vf < total_vfs()) {
            for (uint32_t word : vfs_[vf].vlan_filter) {
                count += uint32_t(__builtin_popcount(word));
            }
        }
        return count;
    }
    }
    return 0;
}

Function::WriteResult PfAdmin::write_pf_register(const RegTarget &t, uint32_t value)
{
    using WR = Function::WriteResult;
    const uint32_t vf = regs_.vf_select;
    auto trace = [&] {
        card_.hooks().notify([&](StateObserver &o) { o.on_vf_setting(uint16_t(vf), t.offset, value); });
    };
    switch (t.pf()) {
    case PfReg::total_vfs:
    case PfReg::active_vfs:
        return WR::read_only;
    case PfReg::vf_select:
        if (value >= total_vfs()) {
            return WR::bad_value;
        }
        regs_.vf_select = value;
        return WR::done;
    case PfReg::vf_mc_hash_lo:
    case PfReg::vf_mc_hash_hi: {
        if (vf >= total_vfs()) {
            return WR::bad_value;
        }
        Function &f = card_.vf(uint16_t(vf));
        SriovnicFnRegs &r = f.regs();
        (t.pf() == PfReg::vf_mc_hash_lo ? r.mc_hash_lo : r.mc_hash_hi) = value;
        vfs_[vf].mc_hash_by_pf = 1;
        f.port_changed();
        trace();
        return WR::done;
    }
    case PfReg::vlan_filter: {
        const unsigned vid = value & 0xFFF;
        if ((value & ~(SRIOVNIC_VLAN_FILTER_ADD | 0xFFFu)) || vf >= total_vfs() ||
            value == (SRIOVNIC_VLAN_FILTER_ADD | SRIOVNIC_VLAN_FILTER_CLEAR)) {
            return WR::bad_value;
        }
        uint32_t *filter = vfs_[vf].vlan_filter;
        if (value == SRIOVNIC_VLAN_FILTER_CLEAR) {
            std::fill(filter, filter + SRIOVNIC_VLAN_WORDS, 0u);
        } else if (value & SRIOVNIC_VLAN_FILTER_ADD) {
            filter[vid / 32] |= 1u << (vid % 32);
        } else {
            filter[vid / 32] &= ~(1u << (vid % 32));
        }
        card_.vf(uint16_t(vf)).port_changed();
        trace();
        return WR::done;
    }
    }
    return WR::unmapped;
}

uint32_t PfAdmin::read_admin(const RegTarget &t)
{
    const SriovnicVfAdminRegs &a = vfs_[t.index];
    const SriovnicFnRegs &r = card_.vf(t.index).regs();
    switch (t.admin()) {
    case AdminReg::mac_lo: return a.mac_lo;
    case AdminReg::mac_hi: return a.mac_hi;
    case AdminReg::vlan: return a.vlan;
    case AdminReg::flags: return a.flags;
    case AdminReg::rate: return a.rate;
    case AdminReg::tx_dropped:
        return uint32_t(r.stats[SRIOVNIC_STAT_TX_DROP_SPOOF] + r.stats[SRIOVNIC_STAT_TX_DROP_LINK] +
                        r.stats[SRIOVNIC_STAT_TX_DROP_SIZE]);
    case AdminReg::rx_dropped:
        return uint32_t(r.stats[SRIOVNIC_STAT_RX_DROP_NOBUF] +
                        r.stats[SRIOVNIC_STAT_RX_DROP_FILTER]);
    case AdminReg::counter_lo: return uint32_t(r.stats[t.element]);
    case AdminReg::counter_hi: return uint32_t(r.stats[t.element] >> 32);
    }
    return 0;
}

Function::WriteResult PfAdmin::write_admin(const RegTarget &t, uint32_t value)
{
    using WR = Function::WriteResult;
    const uint16_t vf = t.index;
    SriovnicVfAdminRegs &a = vfs_[vf];
    Function &f = card_.vf(vf);
    switch (t.admin()) {
    case AdminReg::mac_lo:
        a.mac_lo_staged = value;
        break;
    case AdminReg::mac_hi:
        if (const WR r = set_mac(vf, a.mac_lo_staged, value); r != WR::done) {
            return r;
        }
        break;
    case AdminReg::vlan:
        if ((value & ~SRIOVNIC_VFA_VLAN_RW_MASK) || (value & 0xFFF) == 0xFFF) {
            return WR::bad_value;
        }
        a.vlan = value;
        card_.administration_changed(f);
        break;
    case AdminReg::flags:
        if ((value & ~SRIOVNIC_VFA_FLAGS_RW_MASK) ||
            ((value & SRIOVNIC_VFA_LINK_MASK) >> SRIOVNIC_VFA_LINK_SHIFT) >
                SRIOVNIC_VFA_LINK_DISABLE ||
            ((value & SRIOVNIC_VFA_MAX_MTU_MASK) >> SRIOVNIC_VFA_MAX_MTU_SHIFT) >
                SRIOVNIC_MTU_MAX) {
            return WR::bad_value;
        }
        a.flags = value;
        card_.administration_changed(f);
        break;
    case AdminReg::rate:
        if (value > SRIOVNIC_RATE_MAX_MBPS) {
            return WR::bad_value;
        }
        a.rate = value;
        card_.rate_changed(f);
        break;
    case AdminReg::tx_dropped:
    case AdminReg::rx_dropped:
    case AdminReg::counter_lo:
    case AdminReg::counter_hi:
        return WR::read_only;
    }
    card_.hooks().notify([&](StateObserver &o) { o.on_vf_setting(vf, t.offset, value); });
    return WR::done;
}

Function::WriteResult PfAdmin::set_mac(uint16_t vf, uint32_t mac_lo, uint32_t mac_hi)
{
    using WR = Function::WriteResult;
    SriovnicVfAdminRegs &a = vfs_[vf];
    Function &f = card_.vf(vf);
    if (mac_lo & 1) { // the group bit of the first octet
        return WR::bad_value;
    }
    if (f.mac_pinned() && (mac_lo != a.mac_lo || (mac_hi & 0xFFFF) != a.mac_hi)) {
        // A synthetic channel's MAC is authoritative for its paired VF.
        return WR::denied;
    }
    a.mac_lo = a.mac_lo_staged = mac_lo;
    a.mac_hi = mac_hi & 0xFFFF;
    f.apply_admin_mac();
    card_.administration_changed(f);
    return WR::done;
}

void PfAdmin::reset()
{
    regs_ = SriovnicPfAdminRegs{};
    for (uint16_t n = 0; n < total_vfs(); n++) {
        Function &f = card_.vf(n);
        if (vfs_[n].mc_hash_by_pf) {
            f.regs().mc_hash_lo = f.regs().mc_hash_hi = 0;
        }
        vfs_[n] = default_vf_admin();
        f.forget_administration();
    }
}

std::optional<std::string> PfAdmin::validate_loaded(uint16_t vf) const
{
    const SriovnicVfAdminRegs &a = vfs_[vf];
    const std::string who = "VF " + std::to_string(vf) + " administration: ";
    if (a.mac_hi & ~0xFFFFu) {
        return who + "mac_hi has bits the hardware never sets";
    }
    if (a.vlan & ~SRIOVNIC_VFA_VLAN_RW_MASK) {
        return who + "vlan has bits the hardware never sets";
    }
    if (a.flags & ~SRIOVNIC_VFA_FLAGS_RW_MASK) {
        return who + "flags has bits the hardware never sets";
    }
    if (((a.flags & SRIOVNIC_VFA_LINK_MASK) >> SRIOVNIC_VFA_LINK_SHIFT) >
            SRIOVNIC_VFA_LINK_DISABLE ||
        a.rate > SRIOVNIC_RATE_MAX_MBPS) {
        return who + "impossible link state or rate";
    }
    if (a.mc_hash_by_pf > 1) {
        return who + "mc_hash_by_pf is neither 0 nor 1";
    }
    return std::nullopt;
}

} // namespace sriovnic
