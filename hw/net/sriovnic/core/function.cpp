// SPDX-License-Identifier: GPL-2.0-or-later
#include "function.hpp"

#include "cause_regs.hpp"
#include "counters.hpp"
#include "mac_regs.hpp"
#include "queues.hpp"
#include "sriovnic/regs.h"

#include <algorithm>

namespace sriovnic {

namespace {

// Registers whose writes change what the switch sees of the port.
bool affects_port(uint32_t offset)
{
    switch (offset) {
    case SRIOVNIC_REG_CTRL:
    case SRIOVNIC_REG_MAC_HI:
    case SRIOVNIC_REG_RX_MODE:
    case SRIOVNIC_REG_MC_HASH_LO:
    case SRIOVNIC_REG_MC_HASH_HI:
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

std::optional<uint32_t> Function::read_register(uint32_t offset) const
{
    if (std::optional<uint32_t> value = cause_regs::read(regs_, offset)) {
        return value;
    }
    switch (offset) {
    case SRIOVNIC_REG_ID:
        return SRIOVNIC_ID_MAGIC;
    case SRIOVNIC_REG_VERSION:
        return SRIOVNIC_VERSION_VALUE;
    case SRIOVNIC_REG_CAPS:
        return caps_;
    case SRIOVNIC_REG_FUNC:
        return index_;
    case SRIOVNIC_REG_CTRL:
        return regs_.ctrl;
    case SRIOVNIC_REG_STATUS: {
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
    case SRIOVNIC_REG_SCRATCH:
        return regs_.scratch;
    case SRIOVNIC_REG_MAC_LO:
        return regs_.mac_lo;
    case SRIOVNIC_REG_MAC_HI:
        return regs_.mac_hi;
    case SRIOVNIC_REG_MTU:
        return regs_.mtu;
    case SRIOVNIC_REG_RX_MODE:
        return regs_.rx_mode;
    case SRIOVNIC_REG_MC_HASH_LO:
        return regs_.mc_hash_lo;
    case SRIOVNIC_REG_MC_HASH_HI:
        return regs_.mc_hash_hi;
    default:
        break;
    }
    if (std::optional<unsigned> stat = stat_at(offset)) {
        const uint64_t value = regs_.stats[*stat];
        return uint32_t((offset & 4) ? value >> 32 : value);
    }
    return std::nullopt;
}

Function::WriteResult Function::write_register(uint32_t offset, uint32_t value)
{
    switch (cause_regs::write(regs_, offset, value, SRIOVNIC_INT_ALL, msix_vectors())) {
    case cause_regs::Write::not_mine:
        break;
    case cause_regs::Write::unusable_vector:
        record_error(SRIOVNIC_ERR_BAD_VECTOR, offset);
        return WriteResult::done;
    case cause_regs::Write::done:
        return WriteResult::done;
    }
    WriteResult result = WriteResult::done;
    switch (offset) {
    case SRIOVNIC_REG_ID:
    case SRIOVNIC_REG_VERSION:
    case SRIOVNIC_REG_CAPS:
    case SRIOVNIC_REG_FUNC:
    case SRIOVNIC_REG_STATUS:
    case SRIOVNIC_REG_ERR_COUNT:
    case SRIOVNIC_REG_ERR_ADDR:
        return WriteResult::read_only;
    case SRIOVNIC_REG_MAC_LO:
        regs_.mac_lo_staged = value;
        break;
    case SRIOVNIC_REG_MAC_HI: {
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
    case SRIOVNIC_REG_MTU:
        if (value < SRIOVNIC_MTU_MIN || value > SRIOVNIC_MTU_MAX) {
            return WriteResult::bad_value;
        }
        if (is_vf() && max_mtu() && value > max_mtu()) {
            return WriteResult::denied;
        }
        regs_.mtu = value;
        break;
    case SRIOVNIC_REG_RX_MODE:
        regs_.rx_mode = value & SRIOVNIC_RX_MODE_RW_MASK;
        break;
    case SRIOVNIC_REG_MC_HASH_LO:
    case SRIOVNIC_REG_MC_HASH_HI:
        if (mc_hash_by_pf()) {
            return WriteResult::read_only; // the PF has taken it over
        }
        (offset == SRIOVNIC_REG_MC_HASH_LO ? regs_.mc_hash_lo : regs_.mc_hash_hi) = value;
        break;
    case SRIOVNIC_REG_CTRL:
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
    case SRIOVNIC_REG_SCRATCH:
        regs_.scratch = value;
        break;
    default:
        result = stat_at(offset) ? WriteResult::read_only : WriteResult::unmapped;
        break;
    }
    if (result == WriteResult::done && affects_port(offset)) {
        port_changed();
    }
    return result;
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
