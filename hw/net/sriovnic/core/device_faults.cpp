// SPDX-License-Identifier: GPL-2.0-or-later
// Device: faults the host injects on a VF (link flap, surprise removal and its
// restore, FLR, mailbox timeout, DMA error), and the timer that ends them.
#include "device.hpp"

#include "sriovnic/regs.h"

#include <algorithm>
#include <array>

namespace sriovnic {

namespace {

constexpr std::array<const char *, SRIOVNIC_INJECT_COUNT> kFaultNames = {
    "link-flap", "surprise-removal", "restore", "flr", "mailbox-timeout", "dma-error",
};

std::string allowed_faults()
{
    std::string s;
    for (const char *name : kFaultNames) {
        s += (s.empty() ? "" : ", ") + std::string(name);
    }
    return s;
}

} // namespace

const char *fault_name(unsigned fault)
{
    return fault < kFaultNames.size() ? kFaultNames[fault] : nullptr;
}

uint64_t Device::fault_deadline(uint32_t duration_ms) const
{
    return std::max<uint64_t>(platform_.now_ns() + uint64_t(duration_ms) * 1000000u, 1);
}

std::optional<std::string> Device::check_fault(const SriovnicFaultRequest &r) const
{
    const uint32_t vf = r.vf;
    const uint32_t fault = r.fault;
    if (vf >= total_vfs()) {
        return "'vf' " + std::to_string(vf) + " is out of range: the card has " +
               std::to_string(total_vfs()) + " VFs (0.." + std::to_string(int(total_vfs()) - 1) +
               ")";
    }
    if (vf >= active_vfs_) {
        return "'vf' " + std::to_string(vf) + " is not enabled (" + std::to_string(active_vfs_) +
               " VFs enabled now)";
    }
    if (fault >= SRIOVNIC_INJECT_COUNT) {
        return "'fault' " + std::to_string(fault) + " is unknown; allowed: " + allowed_faults();
    }
    if (r.has_duration_ms && (fault == SRIOVNIC_INJECT_FLR || fault == SRIOVNIC_INJECT_RESTORE)) {
        return "'duration-ms' does not apply to '" + std::string(kFaultNames[fault]) + "'";
    }
    if (r.has_duration_ms &&
        (r.duration_ms < 1 || r.duration_ms > SRIOVNIC_FAULT_MAX_DURATION_MS)) {
        return "'duration-ms' must be between 1 and " +
               std::to_string(SRIOVNIC_FAULT_MAX_DURATION_MS) + " (got " +
               std::to_string(r.duration_ms) + ")";
    }
    switch (fault) {
    case SRIOVNIC_INJECT_FLR:
        if (removed_[vf]) {
            return "VF " + std::to_string(vf) + " is surprise-removed: restore it first";
        }
        break;
    case SRIOVNIC_INJECT_RESTORE:
        if (!removed_[vf]) {
            return "VF " + std::to_string(vf) + " is not surprise-removed: nothing to restore";
        }
        break;
    case SRIOVNIC_INJECT_SURPRISE_REMOVAL:
        if (removed_[vf]) {
            return "VF " + std::to_string(vf) + " is already surprise-removed";
        }
        break;
    default:
        break;
    }
    return std::nullopt;
}

std::optional<std::string> Device::inject_fault(const SriovnicFaultRequest &request)
{
    if (auto problem = check_fault(request)) {
        return problem;
    }
    const auto vf = uint16_t(request.vf);
    const unsigned fault = request.fault;
    const uint32_t duration_ms = request.has_duration_ms ? request.duration_ms : 0;
    if (fault == SRIOVNIC_INJECT_FLR) {
        return std::nullopt; // the platform's FLR resets the VF (reset_function)
    }
    CardBus::Work work(bus_);
    switch (fault) {
    case SRIOVNIC_INJECT_RESTORE:
        set_removed(vf, false, 0);
        break;
    case SRIOVNIC_INJECT_SURPRISE_REMOVAL:
        set_removed(vf, true, duration_ms ? fault_deadline(duration_ms) : 0);
        break;
    case SRIOVNIC_INJECT_MAILBOX_TIMEOUT:
        // A timeout under way is extended, not repeated.
        mbx_hold_until_ns_[vf] =
            fault_deadline(duration_ms ? duration_ms : SRIOVNIC_FAULT_DEFAULT_MBX_TIMEOUT_MS);
        mailbox_.hold(vf);
        hooks_.notify([&](StateObserver &o) { o.on_fault(vf, fault, true); });
        break;
    case SRIOVNIC_INJECT_DMA_ERROR: {
        using DmaFault = Function::Runtime::DmaFault;
        DmaFault &mode = functions_[1 + size_t(vf)].runtime().dma_fault;
        if (duration_ms) {
            dma_fault_until_ns_[vf] = fault_deadline(duration_ms);
            mode = DmaFault::all;
        } else if (mode == DmaFault::none) {
            mode = DmaFault::next; // inside a timed one, it changes nothing
        }
        hooks_.notify([&](StateObserver &o) { o.on_fault(vf, fault, true); });
        break;
    }
    default: // SRIOVNIC_INJECT_LINK_FLAP: a flap under way is extended, not repeated.
        flap_until_ns_[vf] =
            fault_deadline(duration_ms ? duration_ms : SRIOVNIC_FAULT_DEFAULT_FLAP_MS);
        update_links();
        break;
    }
    arm_fault_timer();
    return std::nullopt;
}

void Device::update_presence()
{
    for (uint16_t n = 0; n < total_vfs(); n++) {
        vf(n).set_present(n < active_vfs_ && !removed_[n]);
    }
    for (auto &c : channels_) {
        c->vf_presence_changed();
    }
}

void Device::set_removed(uint16_t n, bool removed, uint64_t until_ns)
{
    removed_[n] = removed;
    removed_until_ns_[n] = removed ? until_ns : 0;
    // The VF goes (its port leaves the switch, a paired channel is revoked
    // at once), and whatever it was doing with it: it comes back reset.
    update_presence();
    Function &f = vf(n);
    f.reset();
    tx_.forget_shaper(f);
    irqs_.forget_throttle(f);
    mailbox_.reset(n);
    irqs_.update(f);
    if (!removed) {
        if (synth::Channel *c = channel_of_vf(n)) {
            c->vf_reset();
        }
    }
}

void Device::arm_fault_timer()
{
    std::optional<uint64_t> next;
    for (uint16_t n = 0; n < total_vfs(); n++) {
        for (uint64_t until : {flap_until_ns_[n], removed_until_ns_[n], mbx_hold_until_ns_[n],
                               dma_fault_until_ns_[n]}) {
            if (until && (!next || until < *next)) {
                next = until;
            }
        }
    }
    if (next) {
        timers_.arm(fault_timer_, *next);
    }
}

void Device::end_faults()
{
    const uint64_t now = platform_.now_ns();
    bool flap_ended = false;
    for (uint16_t n = 0; n < total_vfs(); n++) {
        if (flap_until_ns_[n] && flap_until_ns_[n] <= now) {
            flap_until_ns_[n] = 0;
            flap_ended = true;
        }
        if (removed_until_ns_[n] && removed_until_ns_[n] <= now) {
            set_removed(n, false, 0);
        }
        if (mbx_hold_until_ns_[n] && mbx_hold_until_ns_[n] <= now) {
            mbx_hold_until_ns_[n] = 0;
            hooks_.notify(
                [&](StateObserver &o) { o.on_fault(n, SRIOVNIC_INJECT_MAILBOX_TIMEOUT, false); });
            mailbox_.release(n);
        }
        if (dma_fault_until_ns_[n] && dma_fault_until_ns_[n] <= now) {
            dma_fault_until_ns_[n] = 0;
            vf(n).runtime().dma_fault = Function::Runtime::DmaFault::none;
            hooks_.notify(
                [&](StateObserver &o) { o.on_fault(n, SRIOVNIC_INJECT_DMA_ERROR, false); });
        }
    }
    if (flap_ended) {
        update_links();
    }
    arm_fault_timer();
}

} // namespace sriovnic
