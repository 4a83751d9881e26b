// SPDX-License-Identifier: GPL-2.0-or-later
#include "fault_injector.hpp"

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

FaultInjector::FaultInjector(uint16_t total_vfs, FaultTarget &card, TimerService &timers,
                             StateHooks &hooks, Platform &platform)
    : card_(card), timers_(timers), hooks_(hooks), platform_(platform),
      flap_until_ns_(total_vfs, 0), removed_(total_vfs, 0), removed_until_ns_(total_vfs, 0),
      mbx_hold_until_ns_(total_vfs, 0), dma_fault_until_ns_(total_vfs, 0)
{
}

uint64_t FaultInjector::deadline(uint32_t duration_ms) const
{
    return std::max<uint64_t>(platform_.now_ns() + uint64_t(duration_ms) * 1000000u, 1);
}

std::optional<std::string> FaultInjector::check(const SriovnicFaultRequest &r) const
{
    const uint16_t total_vfs = uint16_t(removed_.size());
    const uint16_t enabled = card_.vfs_enabled();
    const uint32_t vf = r.vf;
    const uint32_t fault = r.fault;
    if (vf >= total_vfs) {
        return "'vf' " + std::to_string(vf) + " is out of range: the card has " +
               std::to_string(total_vfs) + " VFs (0.." +
               std::to_string(sriovnic_last_vf(total_vfs)) + ")";
    }
    if (vf >= enabled) {
        return "'vf' " + std::to_string(vf) + " is not enabled (" + std::to_string(enabled) +
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

std::optional<std::string> FaultInjector::inject(const SriovnicFaultRequest &request)
{
    if (auto problem = check(request)) {
        return problem;
    }
    const auto vf = uint16_t(request.vf);
    const unsigned fault = request.fault;
    const uint32_t duration_ms = request.has_duration_ms ? request.duration_ms : 0;
    if (fault == SRIOVNIC_INJECT_FLR) {
        return std::nullopt; // the platform's FLR resets the VF (reset_function)
    }
    switch (fault) {
    case SRIOVNIC_INJECT_RESTORE:
        set_removed(vf, false, 0);
        break;
    case SRIOVNIC_INJECT_SURPRISE_REMOVAL:
        set_removed(vf, true, duration_ms ? deadline(duration_ms) : 0);
        break;
    case SRIOVNIC_INJECT_MAILBOX_TIMEOUT:
        // A timeout under way is extended, not repeated.
        mbx_hold_until_ns_[vf] =
            deadline(duration_ms ? duration_ms : SRIOVNIC_FAULT_DEFAULT_MBX_TIMEOUT_MS);
        card_.hold_mailbox(vf, true);
        hooks_.notify([&](StateObserver &o) { o.on_fault(vf, fault, true); });
        break;
    case SRIOVNIC_INJECT_DMA_ERROR: {
        using DmaFault = Function::Runtime::DmaFault;
        DmaFault &mode = card_.dma_fault(vf);
        if (duration_ms) {
            dma_fault_until_ns_[vf] = deadline(duration_ms);
            mode = DmaFault::all;
        } else if (mode == DmaFault::none) {
            mode = DmaFault::next; // inside a timed one, it changes nothing
        }
        hooks_.notify([&](StateObserver &o) { o.on_fault(vf, fault, true); });
        break;
    }
    default: // SRIOVNIC_INJECT_LINK_FLAP: a flap under way is extended, not repeated.
        flap_until_ns_[vf] = deadline(duration_ms ? duration_ms : SRIOVNIC_FAULT_DEFAULT_FLAP_MS);
        card_.vf_links_changed();
        break;
    }
    arm_timer();
    return std::nullopt;
}

void FaultInjector::set_removed(uint16_t vf, bool removed, uint64_t until_ns)
{
    removed_[vf] = removed;
    removed_until_ns_[vf] = removed ? until_ns : 0;
    card_.vf_removal_changed(vf);
}

void FaultInjector::vf_enable_changed()
{
    std::fill(removed_.begin(), removed_.end(), 0);
    std::fill(removed_until_ns_.begin(), removed_until_ns_.end(), 0);
}

void FaultInjector::arm_timer()
{
    std::optional<uint64_t> next;
    for (size_t n = 0; n < removed_.size(); n++) {
        for (uint64_t until : {flap_until_ns_[n], removed_until_ns_[n], mbx_hold_until_ns_[n],
                               dma_fault_until_ns_[n]}) {
            if (until && (!next || until < *next)) {
                next = until;
            }
        }
    }
    if (next) {
        timers_.arm(*this, *next);
    }
}

void FaultInjector::on_timer()
{
    const uint64_t now = platform_.now_ns();
    bool flap_ended = false;
    for (size_t n = 0; n < removed_.size(); n++) {
        if (flap_until_ns_[n] && flap_until_ns_[n] <= now) {
            flap_until_ns_[n] = 0;
            flap_ended = true;
        }
        if (removed_until_ns_[n] && removed_until_ns_[n] <= now) {
            set_removed(uint16_t(n), false, 0);
        }
        if (mbx_hold_until_ns_[n] && mbx_hold_until_ns_[n] <= now) {
            mbx_hold_until_ns_[n] = 0;
            hooks_.notify([&](StateObserver &o) {
                o.on_fault(uint16_t(n), SRIOVNIC_INJECT_MAILBOX_TIMEOUT, false);
            });
            card_.hold_mailbox(uint16_t(n), false);
        }
        if (dma_fault_until_ns_[n] && dma_fault_until_ns_[n] <= now) {
            dma_fault_until_ns_[n] = 0;
            card_.dma_fault(uint16_t(n)) = Function::Runtime::DmaFault::none;
            hooks_.notify([&](StateObserver &o) {
                o.on_fault(uint16_t(n), SRIOVNIC_INJECT_DMA_ERROR, false);
            });
        }
    }
    if (flap_ended) {
        card_.vf_links_changed();
    }
    arm_timer();
}

} // namespace sriovnic
