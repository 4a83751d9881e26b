// SPDX-License-Identifier: GPL-2.0-or-later
// Device: faults the host injects on a VF (link flap, surprise removal and its
// restore, FLR), and the timer that ends them.
#include "device.hpp"

#include "sriovnic/regs.h"

#include <algorithm>

namespace sriovnic {

std::optional<std::string> Device::inject_fault(uint16_t vf, unsigned fault,
                                                uint32_t duration_ms)
{
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
        return "'fault' " + std::to_string(fault) +
               " is unknown; allowed: link-flap, surprise-removal, restore, flr";
    }
    if (duration_ms > SRIOVNIC_FAULT_MAX_DURATION_MS) {
        return "'duration-ms' " + std::to_string(duration_ms) + " is out of range: 0..." +
               std::to_string(SRIOVNIC_FAULT_MAX_DURATION_MS) + " (0 = the fault's default)";
    }
    if (fault == SRIOVNIC_INJECT_FLR) {
        if (duration_ms) {
            return std::string("'duration-ms' does not apply to flr");
        }
        if (removed_[vf]) {
            return "VF " + std::to_string(vf) + " is surprise-removed: restore it first";
        }
        return std::nullopt; // the platform's FLR resets the VF (reset_function)
    }
    if (fault == SRIOVNIC_INJECT_RESTORE) {
        if (duration_ms) {
            return std::string("'duration-ms' does not apply to restore");
        }
        if (!removed_[vf]) {
            return "VF " + std::to_string(vf) + " is not surprise-removed: nothing to restore";
        }
        CardBus::Work work(bus_);
        set_removed(vf, false, 0);
        arm_fault_timer();
        return std::nullopt;
    }
    if (fault == SRIOVNIC_INJECT_SURPRISE_REMOVAL) {
        if (removed_[vf]) {
            return "VF " + std::to_string(vf) + " is already surprise-removed";
        }
        CardBus::Work work(bus_);
        const uint64_t until =
            duration_ms ? std::max<uint64_t>(platform_.now_ns() + uint64_t(duration_ms) * 1000000u, 1)
                        : 0;
        set_removed(vf, true, until);
        arm_fault_timer();
        return std::nullopt;
    }
    CardBus::Work work(bus_);
    // SRIOVNIC_INJECT_LINK_FLAP: a flap under way is extended, not repeated.
    const uint32_t ms = duration_ms ? duration_ms : SRIOVNIC_FAULT_DEFAULT_FLAP_MS;
    uint64_t until = platform_.now_ns() + uint64_t(ms) * 1000000u;
    flap_until_ns_[vf] = until ? until : 1;
    update_links();
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
        for (uint64_t until : {flap_until_ns_[n], removed_until_ns_[n]}) {
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
    }
    if (flap_ended) {
        update_links();
    }
    arm_fault_timer();
}

} // namespace sriovnic
