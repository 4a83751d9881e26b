// SPDX-License-Identifier: GPL-2.0-or-later
#include "function.hpp"

#include "cause_regs.hpp"
#include "mac_regs.hpp"
#include "queues.hpp"
#include "sriovnic/regs.h"

#include <algorithm>

namespace sriovnic {

namespace {

// Registers whose writes change what the switch sees of the port.
bool affects_port(FnReg reg)
{
    switch (reg) {
    case FnReg::ctrl:
    case FnReg::mac_hi:
    case FnReg::rx_mode:
    case FnReg::mc_hash_lo:
    case FnReg::mc_hash_hi:
        return true;
    default:
        return false;
    }
}

} // namespace

Function::Function(uint16_t index, uint8_t queue_pairs, uint32_t caps, uint32_t regs_size,
                   StateHooks &hooks, PortListener &ports, const SriovnicVfAdminRegs *admin)
    : hooks_(&hooks), ports_(ports), admin_(admin), index_(index), queue_pairs_(queue_pairs),
      caps_(caps), regs_size_(regs_size), present_(index == SRIOVNIC_FN_PF)
{
    reset();
}

void Function::set_permanent_mac(const MacAddr &mac)
{
    permanent_mac_ = mac;
    regs_.mac_lo = mac_regs::lo(mac);
    regs_.mac_hi = mac_regs::hi(mac);
    regs_.mac_lo_staged = regs_.mac_lo;
    port_changed();
}

MacAddr Function::mac() const { return mac_regs::mac(regs_.mac_lo, regs_.mac_hi); }

SriovnicFnInfo Function::info() const
{
    SriovnicFnInfo i{};
    i.present = present();
    i.driver_enabled = enabled();
    i.link_up = link_up();
    i.receiving = port_view().receiving;
    const MacAddr m = mac();
    std::copy(m.begin(), m.end(), i.mac);
    i.mtu = regs_.mtu;
    i.queue_pairs = queue_pairs();
    if (is_vf()) {
        const MacAddr a = admin_mac();
        i.admin_mac_set = !is_zero(a);
        std::copy(a.begin(), a.end(), i.admin_mac);
        i.vlan = port_vid();
        i.qos = uint8_t(port_vlan_tci() >> 13);
        i.spoofchk = spoofchk();
        i.trust = trusted();
        i.link_state = uint8_t(link_policy());
        i.max_tx_rate = rate_mbps();
        i.max_mtu = max_mtu();
        i.mac_pinned = mac_pinned();
    }
    std::copy(std::begin(regs_.stats), std::end(regs_.stats), i.stats);
    return i;
}

MacAddr Function::admin_mac() const
{
    return admin_ ? mac_regs::mac(admin_->mac_lo, admin_->mac_hi) : MacAddr{};
}

void Function::reset()
{
    const SriovnicFnRegs kept = regs_;
    regs_ = SriovnicFnRegs{};
    if (mc_hash_by_pf()) { // the PF's setting, not the function's own
        regs_.mc_hash_lo = kept.mc_hash_lo;
        regs_.mc_hash_hi = kept.mc_hash_hi;
    }
    regs_.status = SRIOVNIC_STATUS_RESET_DONE;
    regs_.mtu = SRIOVNIC_MTU_DEFAULT;
    // A VF keeps its address in the switch across its own resets, as a
    // PF-programmed filter would: frames for it must not leak to the uplink
    // while its driver recovers.
    MacAddr mac = is_zero(admin_mac()) ? permanent_mac_ : admin_mac();
    if (is_vf() && is_zero(admin_mac())) {
        mac = mac_regs::mac(kept.mac_lo, kept.mac_hi);
    }
    regs_.mac_lo = regs_.mac_lo_staged = mac_regs::lo(mac);
    regs_.mac_hi = mac_regs::hi(mac);
    signalled_ = 0;
    port_changed();
}

void Function::apply_admin_mac()
{
    if (!is_zero(admin_mac())) {
        regs_.mac_lo = regs_.mac_lo_staged = admin_->mac_lo;
        regs_.mac_hi = admin_->mac_hi;
    }
    port_changed();
}

void Function::forget_administration()
{
    if (is_vf()) {
        regs_.mac_lo = regs_.mac_lo_staged = regs_.mac_hi = 0;
    }
    port_changed();
}

bool Function::set_link(bool up)
{
    if (up == link_up_) {
        return false;
    }
    link_up_ = up;
    raise_cause(SRIOVNIC_INT_LINK);
    port_changed();
    return true;
}

void Function::set_present(bool present)
{
    if (present != present_) {
        present_ = present;
        port_changed();
    }
}

PortView Function::port_view() const
{
    PortView p;
    bool rx_queue = false;
    for (unsigned q = 0; q < queue_pairs_; q++) {
        rx_queue |= queues::rx_enabled(regs_.queues[q]);
    }
    p.mac = mac();
    p.receiving = present_ && enabled() && link_up_ && rx_queue;
    p.promisc = trusted() && (regs_.rx_mode & SRIOVNIC_RX_MODE_PROMISC);
    p.allmulti = trusted() && (regs_.rx_mode & SRIOVNIC_RX_MODE_ALLMULTI);
    p.port_vid = port_vid();
    p.vlan_filter = nullptr;
    if (admin_) {
        for (uint32_t word : admin_->vlan_filter) {
            if (word) {
                p.vlan_filter = admin_->vlan_filter;
                break;
            }
        }
    }
    p.mc_hash = uint64_t(regs_.mc_hash_hi) << 32 | regs_.mc_hash_lo;
    return p;
}

uint32_t Function::read_register(FnReg reg, unsigned element) const
{
    switch (reg) {
    case FnReg::id:
        return SRIOVNIC_ID_MAGIC;
    case FnReg::version:
        return SRIOVNIC_VERSION_VALUE;
    case FnReg::caps:
        return caps_;
    case FnReg::func:
        return index_;
    case FnReg::ctrl:
        return regs_.ctrl;
    case FnReg::status: {
        uint32_t status = regs_.status & SRIOVNIC_STATUS_RESET_DONE;
        if (regs_.ctrl & SRIOVNIC_CTRL_ENABLE) {
            status |= SRIOVNIC_STATUS_ENABLED;
        }
        if (regs_.err_cause) {
            status |= SRIOVNIC_STATUS_ERROR;
        }
        if (link_up_) {
            status |= SRIOVNIC_STATUS_LINK_UP;
        }
        return status;
    }
    case FnReg::scratch:
        return regs_.scratch;
    case FnReg::mac_lo:
        return regs_.mac_lo;
    case FnReg::mac_hi:
        return regs_.mac_hi;
    case FnReg::mtu:
        return regs_.mtu;
    case FnReg::rx_mode:
        return regs_.rx_mode;
    case FnReg::mc_hash_lo:
        return regs_.mc_hash_lo;
    case FnReg::mc_hash_hi:
        return regs_.mc_hash_hi;
    case FnReg::stat_lo:
        return uint32_t(regs_.stats[element]);
    case FnReg::stat_hi:
        return uint32_t(regs_.stats[element] >> 32);
    }
    return 0;
}

uint32_t Function::read_cause(CauseReg reg) const { return cause_regs::read(regs_, reg); }

Function::WriteResult Function::write_cause(CauseReg reg, uint32_t value)
{
    switch (cause_regs::write(regs_, reg, value, SRIOVNIC_INT_ALL, msix_vectors())) {
    case cause_regs::Write::done:
        break;
    case cause_regs::Write::read_only:
        return WriteResult::read_only;
    case cause_regs::Write::unusable_vector:
        record_error(SRIOVNIC_ERR_BAD_VECTOR, SRIOVNIC_REG_MISC_VECTOR);
        break;
    }
    return WriteResult::done;
}

Function::WriteResult Function::write_register(FnReg reg, uint32_t value)
{
    switch (reg) {
    case FnReg::id:
    case FnReg::version:
    case FnReg::caps:
    case FnReg::func:
    case FnReg::status:
    case FnReg::stat_lo:
    case FnReg::stat_hi:
        return WriteResult::read_only;
    case FnReg::mac_lo:
        regs_.mac_lo_staged = value;
        break;
    case FnReg::mac_hi: {
        const MacAddr mac = mac_regs::mac(regs_.mac_lo_staged, value & 0xFFFF);
        if (is_multicast(mac)) {
            return WriteResult::bad_value;
        }
        if (is_vf() && (!trusted() || mac_pinned_) && !is_zero(admin_mac()) && mac != admin_mac()) {
            return WriteResult::denied;
        }
        regs_.mac_lo = regs_.mac_lo_staged;
        regs_.mac_hi = value & 0xFFFF;
        break;
    }
    case FnReg::mtu:
        if (value < SRIOVNIC_MTU_MIN || value > SRIOVNIC_MTU_MAX) {
            return WriteResult::bad_value;
        }
        if (is_vf() && max_mtu() && value > max_mtu()) {
            return WriteResult::denied;
        }
        regs_.mtu = value;
        break;
    case FnReg::rx_mode:
        regs_.rx_mode = value & SRIOVNIC_RX_MODE_RW_MASK;
        break;
    case FnReg::mc_hash_lo:
    case FnReg::mc_hash_hi:
        if (mc_hash_by_pf()) {
            return WriteResult::read_only; // the PF has taken it over
        }
        (reg == FnReg::mc_hash_lo ? regs_.mc_hash_lo : regs_.mc_hash_hi) = value;
        break;
    case FnReg::ctrl:
        if (value & SRIOVNIC_CTRL_RESET) {
            reset();
            raise_cause(SRIOVNIC_INT_RESET_DONE);
        } else {
            const bool was_enabled = enabled();
            regs_.ctrl = value & SRIOVNIC_CTRL_RW_MASK;
            if (regs_.ctrl & SRIOVNIC_CTRL_ENABLE) {
                regs_.status &= ~SRIOVNIC_STATUS_RESET_DONE;
            }
            if (enabled() != was_enabled) {
                hooks_->notify([&](StateObserver &o) { o.on_function_enable(index_, enabled()); });
            }
        }
        break;
    case FnReg::scratch:
        regs_.scratch = value;
        break;
    }
    if (affects_port(reg)) {
        port_changed();
    }
    return WriteResult::done;
}

void Function::record_error(uint32_t err_bits, std::optional<uint32_t> offset)
{
    cause_regs::latch_error(regs_, err_bits, offset);
    hooks_->notify([&](StateObserver &o) { o.on_guest_error(index_, err_bits, offset); });
}

std::optional<uint16_t> Function::take_new_interrupt()
{
    return cause_regs::take_new_interrupt(regs_, signalled_, msix_vectors());
}

std::optional<std::string> Function::validate_loaded()
{
    struct Check {
        const char *name;
        uint32_t value;
        uint32_t allowed;
    };
    const Check checks[] = {
        {"ctrl", regs_.ctrl, SRIOVNIC_CTRL_RW_MASK},
        {"status", regs_.status, SRIOVNIC_STATUS_RESET_DONE},
        {"int_cause", regs_.int_cause, SRIOVNIC_INT_ALL},
        {"int_enable", regs_.int_enable, SRIOVNIC_INT_ALL},
        {"misc_vector", regs_.misc_vector, SRIOVNIC_VECTOR_RW_MASK},
        {"err_cause", regs_.err_cause, SRIOVNIC_ERR_ALL},
        {"mac_hi", regs_.mac_hi, 0xFFFF},
        {"rx_mode", regs_.rx_mode, SRIOVNIC_RX_MODE_RW_MASK},
    };
    for (const Check &c : checks) {
        if (c.value & ~c.allowed) {
            return "function " + std::to_string(index_) + ": " + c.name + " has bits " +
                   std::to_string(c.value & ~c.allowed) + " that the hardware never sets";
        }
    }
    if (regs_.mtu < SRIOVNIC_MTU_MIN || regs_.mtu > SRIOVNIC_MTU_MAX) {
        return "function " + std::to_string(index_) + ": mtu " + std::to_string(regs_.mtu) +
               " out of range";
    }
    if (regs_.err_addr >= regs_size_) {
        return "function " + std::to_string(index_) + ": err_addr " +
               std::to_string(regs_.err_addr) + " lies outside the register BAR";
    }
    for (unsigned q = 0; q < SRIOVNIC_MAX_QUEUE_PAIRS; q++) {
        const SriovnicQueueRegs &regs = regs_.queues[q];
        if (q >= queue_pairs_ && (queues::tx_enabled(regs) || queues::rx_enabled(regs))) {
            return "function " + std::to_string(index_) + ": queue " + std::to_string(q) +
                   " enabled but the function has " + std::to_string(queue_pairs_);
        }
        if (auto problem = queues::validate(regs)) {
            return "function " + std::to_string(index_) + " queue " + std::to_string(q) + ": " +
                   *problem;
        }
    }
    signalled_ = regs_.int_cause & regs_.int_enable;
    port_changed();
    return std::nullopt;
}

} // namespace sriovnic
