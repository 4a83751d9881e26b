// SPDX-License-Identifier: GPL-2.0-or-later
// The paired VF's PCI slot in the guest, for a channel of a host-owned card
// (docs/synthetic-channel.md, "Offer and revoke by hotplug"). The channel
// says what it wants (the VF plugged, with an offer once it is there, or
// unplugged, gracefully or not); the slot decides which hotplug operation
// the glue performs next, queues one that must wait for another to finish,
// retries an unplug request the platform refused (a slot still busy with
// the plug) and forces an unplug the guest did not acknowledge in time.
// The glue takes the operation (take_op), performs it, and reports only a
// failure; completion comes as the VF's device appearing (plugged()) or
// going (unplugged()).
#pragma once

#include "sriovnic-core.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace sriovnic::synth {

class VfSlot {
public:
    // Asks for the same things a channel's data path asks: a timer, the clock.
    class Clock {
    public:
        virtual void arm_timer(uint64_t deadline_ns) = 0;
        virtual uint64_t now_ns() = 0;
    protected:
        ~Clock() = default;
    };
    // Called (inside the card's work) when an operation waits for take_op()
    // or the slot's state changed (a live migration may wait on it).
    using OpWanted = std::function<void()>;

    // How often a refused unplug request is tried again within its bound.
    static constexpr uint64_t retry_ns = 100'000'000;

    explicit VfSlot(Clock &clock) : clock_(clock) {}

    SriovnicSynthVfSlot state() const { return state_; }
    bool wants_plugged() const { return want_plugged_; }
    bool offer_pending() const { return want_plugged_ && offer_on_plug_; }
    // An unplug is under way or waiting to start (a live migration waits for it).
    bool unplug_in_progress() const
    {
        return !want_plugged_ && (state_ == SRIOVNIC_SYNTH_SLOT_UNPLUGGING ||
                                  state_ == SRIOVNIC_SYNTH_SLOT_PLUGGING);
    }
    void set_op_wanted(OpWanted cb) { op_wanted_ = std::move(cb); }

    // The channel's wishes. plug(): offer once plugged if `offer`.
    void plug(bool offer);
    // Asks the guest to release the VF, removing it without the guest after
    // `timeout_ms` (QEMU's direct unplug path).
    void unplug(uint32_t timeout_ms);

    // The glue: the operation to perform now (NONE if none), handed out once.
    SriovnicSynthHotplugOp take_op();
    // The glue could not perform `op`; `why` in the platform's words.
    void op_failed(SriovnicSynthHotplugOp op, const std::string &why);

    // The VF's device came (by this slot's plug or anyone's) and is ready;
    // true if the offer that asked for it is due now.
    bool plugged();
    // The VF's device is gone.
    void unplugged();
    void on_timer();

    void fill_info(SriovnicSynthInfo &i) const;

private:
    void notify();
    void want_op(SriovnicSynthHotplugOp op);
    void start_unplug();

    Clock &clock_;
    OpWanted op_wanted_;
    SriovnicSynthVfSlot state_ = SRIOVNIC_SYNTH_SLOT_UNPLUGGED;
    SriovnicSynthHotplugOp op_ = SRIOVNIC_SYNTH_HOTPLUG_NONE;
    bool want_plugged_ = false;
    bool offer_on_plug_ = false;
    bool forced_ = false;          // the guest did not release the VF in time
    uint32_t timeout_ms_ = SRIOVNIC_SYNTH_REVOKE_TIMEOUT_DEFAULT_MS;
    uint64_t deadline_ns_ = 0;     // of an unplug request
    uint64_t retry_at_ns_ = 0;     // 0: no retry waits
    SriovnicSynthUnplugHow last_unplug_ = SRIOVNIC_SYNTH_UNPLUG_NONE;
    std::string last_error_;
    uint64_t plugs_ = 0;
    uint64_t unplugs_ = 0;
    uint64_t forced_unplugs_ = 0;
    uint64_t unplug_retries_ = 0;
};

} // namespace sriovnic::synth
