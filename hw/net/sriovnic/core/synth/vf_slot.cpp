// SPDX-License-Identifier: GPL-2.0-or-later
#include "synth/vf_slot.hpp"

#include <cstdio>

namespace sriovnic::synth {

void VfSlot::notify()
{
    if (op_wanted_) {
        op_wanted_();
    }
}

void VfSlot::want_op(SriovnicSynthHotplugOp op)
{
    op_ = op;
    notify();
}

void VfSlot::plug(bool offer)
{
    want_plugged_ = true;
    offer_on_plug_ = offer;
    if (state_ == SRIOVNIC_SYNTH_SLOT_UNPLUGGED) {
        state_ = SRIOVNIC_SYNTH_SLOT_PLUGGING;
        last_error_.clear();
        want_op(SRIOVNIC_SYNTH_HOTPLUG_PLUG);
    }
    // PLUGGING: under way. UNPLUGGING: the plug follows once the VF is gone
    // (unplugged()), so the host's unplug and plug both happen, in order.
    // PLUGGED: the caller offers.
    if (state_ == SRIOVNIC_SYNTH_SLOT_PLUGGED) {
        offer_on_plug_ = false;
    }
}

void VfSlot::unplug(uint32_t timeout_ms)
{
    want_plugged_ = false;
    offer_on_plug_ = false;
    switch (state_) {
    case SRIOVNIC_SYNTH_SLOT_UNPLUGGED:
        break;
    case SRIOVNIC_SYNTH_SLOT_PLUGGING:
        if (op_ == SRIOVNIC_SYNTH_HOTPLUG_PLUG) {
            // Not handed out yet: cancelled before it started.
            op_ = SRIOVNIC_SYNTH_HOTPLUG_NONE;
            state_ = SRIOVNIC_SYNTH_SLOT_UNPLUGGED;
            break;
        }
        // The plug is in the glue's hands: the unplug follows it (plugged()).
        timeout_ms_ = timeout_ms;
        break;
    case SRIOVNIC_SYNTH_SLOT_PLUGGED:
        timeout_ms_ = timeout_ms;
        start_unplug();
        break;
    case SRIOVNIC_SYNTH_SLOT_UNPLUGGING:
        break; // (a plug queued behind this unplug is withdrawn)
    }
}

void VfSlot::start_unplug()
{
    state_ = SRIOVNIC_SYNTH_SLOT_UNPLUGGING;
    last_error_.clear();
    retry_at_ns_ = 0;
    forced_ = false;
    deadline_ns_ = clock_.now_ns() + uint64_t(timeout_ms_) * 1'000'000;
    clock_.arm_timer(deadline_ns_);
    want_op(SRIOVNIC_SYNTH_HOTPLUG_UNPLUG_REQUEST);
}

SriovnicSynthHotplugOp VfSlot::take_op()
{
    const SriovnicSynthHotplugOp op = op_;
    op_ = SRIOVNIC_SYNTH_HOTPLUG_NONE;
    return op;
}

void VfSlot::op_failed(SriovnicSynthHotplugOp op, const std::string &why)
{
    last_error_ = why;
    switch (op) {
    case SRIOVNIC_SYNTH_HOTPLUG_PLUG:
        if (state_ == SRIOVNIC_SYNTH_SLOT_PLUGGING) {
            // Nothing to retry into: the host's settings are wrong (no such
            // bus, slot taken). The offer is dropped; query-sriovnic says why.
            state_ = SRIOVNIC_SYNTH_SLOT_UNPLUGGED;
            want_plugged_ = offer_on_plug_ = false;
        }
        break;
    case SRIOVNIC_SYNTH_HOTPLUG_UNPLUG_REQUEST:
        // Typically the slot is still busy with the plug (its power
        // indicator blinks): asked again shortly, until the bound.
        if (state_ == SRIOVNIC_SYNTH_SLOT_UNPLUGGING && !forced_) {
            unplug_retries_++;
            retry_at_ns_ = std::min(clock_.now_ns() + retry_ns, deadline_ns_);
            clock_.arm_timer(retry_at_ns_);
        }
        break;
    case SRIOVNIC_SYNTH_HOTPLUG_UNPLUG_SURPRISE:
        // The device refuses to go (an unplug blocker): it stays, said so.
        if (state_ == SRIOVNIC_SYNTH_SLOT_UNPLUGGING) {
            state_ = SRIOVNIC_SYNTH_SLOT_PLUGGED;
        }
        break;
    case SRIOVNIC_SYNTH_HOTPLUG_NONE:
        break;
    }
}

bool VfSlot::plugged()
{
    const bool ours = state_ == SRIOVNIC_SYNTH_SLOT_PLUGGING;
    if (op_ == SRIOVNIC_SYNTH_HOTPLUG_PLUG) {
        op_ = SRIOVNIC_SYNTH_HOTPLUG_NONE; // someone else plugged it first
    }
    state_ = SRIOVNIC_SYNTH_SLOT_PLUGGED;
    plugs_++;
    if (!ours) {
        want_plugged_ = true; // plugged by the user: the channel adopts it
        offer_on_plug_ = false;
        notify();
        return false;
    }
    if (!want_plugged_) {
        start_unplug(); // revoked while it was being plugged
        return false;
    }
    const bool offer = offer_on_plug_;
    offer_on_plug_ = false;
    notify();
    return offer;
}

void VfSlot::unplugged()
{
    if (state_ == SRIOVNIC_SYNTH_SLOT_UNPLUGGING) {
        last_unplug_ = forced_ ? SRIOVNIC_SYNTH_UNPLUG_FORCED : SRIOVNIC_SYNTH_UNPLUG_ACKNOWLEDGED;
    } else {
        last_unplug_ = SRIOVNIC_SYNTH_UNPLUG_BY_OTHERS;
        want_plugged_ = offer_on_plug_ = false;
    }
    unplugs_++;
    op_ = SRIOVNIC_SYNTH_HOTPLUG_NONE;
    retry_at_ns_ = 0;
    forced_ = false;
    state_ = SRIOVNIC_SYNTH_SLOT_UNPLUGGED;
    if (want_plugged_) {
        // An offer came while the VF was leaving: plug it again now.
        state_ = SRIOVNIC_SYNTH_SLOT_PLUGGING;
        want_op(SRIOVNIC_SYNTH_HOTPLUG_PLUG);
        return;
    }
    notify();
}

void VfSlot::on_timer()
{
    if (state_ != SRIOVNIC_SYNTH_SLOT_UNPLUGGING || forced_) {
        return;
    }
    const uint64_t now = clock_.now_ns();
    if (now >= deadline_ns_) {
        // The guest did not release the VF in time (paused, hung, no
        // hotplug driver): removed without it.
        forced_unplugs_++;
        forced_ = true;
        retry_at_ns_ = 0;
        want_op(SRIOVNIC_SYNTH_HOTPLUG_UNPLUG_SURPRISE);
        return;
    }
    if (retry_at_ns_ && now >= retry_at_ns_) {
        retry_at_ns_ = 0;
        want_op(SRIOVNIC_SYNTH_HOTPLUG_UNPLUG_REQUEST);
    }
    clock_.arm_timer(retry_at_ns_ ? retry_at_ns_ : deadline_ns_);
}

void VfSlot::fill_info(SriovnicSynthInfo &i) const
{
    i.vf_hotplug = true;
    i.vf_slot = uint8_t(state_);
    i.last_unplug = uint8_t(last_unplug_);
    i.plugs = plugs_;
    i.unplugs = unplugs_;
    i.forced_unplugs = forced_unplugs_;
    i.unplug_retries = unplug_retries_;
    std::snprintf(i.last_hotplug_error, sizeof(i.last_hotplug_error), "%s", last_error_.c_str());
}

} // namespace sriovnic::synth
