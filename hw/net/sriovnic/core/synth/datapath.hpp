// SPDX-License-Identifier: GPL-2.0-or-later
// The data-path state machine of a synthetic channel (docs/synthetic-
// channel.md, "Data path: steering and the state machine"): SYNTHETIC ->
// OFFERED -> VF -> REVOKING -> SYNTHETIC, with the surprise paths. One state
// (SriovnicSynthRegs::dp_state), changed only by transition(), which reports
// the old and new state with the cause.
#pragma once

#include "sriovnic-core.h"
#include "synth/messages.hpp"
#include "synth/registers.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace sriovnic::synth {

enum class DpState : uint8_t {
    synthetic = SRIOVNIC_SYNTH_DP_SYNTHETIC,
    offered = SRIOVNIC_SYNTH_DP_OFFERED,
    vf = SRIOVNIC_SYNTH_DP_VF,
    revoking = SRIOVNIC_SYNTH_DP_REVOKING,
};

class DataPath final : public Control::Executor {
public:
    // What the state machine makes happen, and what it asks about the VF.
    class Actions {
    public:
        virtual bool vf_present() const = 0;
        virtual bool vf_can_receive() const = 0;
        virtual uint32_t vf_serial() = 0;
        virtual void program_vf_mac() = 0;
        virtual void send_event(const Message &m) = 0;
        virtual bool cancel_event(uint16_t type) = 0;
        virtual void arm_timer(uint64_t deadline_ns) = 0;
        virtual uint64_t now_ns() = 0;
        virtual void state_changed(DpState from, DpState to, SriovnicSynthCause cause) = 0;
    protected:
        ~Actions() = default;
    };

    DataPath(Registers &fn, uint16_t paired_vf, uint16_t total_vfs, Actions &actions)
        : fn_(fn), paired_vf_(paired_vf), total_vfs_(total_vfs), actions_(actions)
    {
    }

    DpState state() const { return DpState(fn_.regs().dp_state & SRIOVNIC_SYNTH_DP_STATE_MASK); }
    bool steers_to_vf() const { return state() == DpState::vf || state() == DpState::revoking; }
    uint16_t paired_vf() const { return paired_vf_; }
    uint32_t offer_serial() const { return fn_.regs().dp_serial; }

    // Host side; nullopt when done, else why it was refused.
    std::optional<std::string> offer();
    // timeout_ms 0 or `surprise`: revoke without waiting.
    std::optional<std::string> revoke(uint8_t reason, bool surprise, uint32_t timeout_ms);
    // The paired VF vanished (VF Enable cleared, FLR, reset).
    void vf_gone();
    void on_timer();
    // The synthetic function was reset.
    void function_reset();

    // Control::Executor: SWITCH_DATA_PATH.
    Control::Reply switch_path(bool to_vf, uint16_t vf, uint32_t serial) override;
    Control::Reply current_path() const override;

    // Waiting events describing the current state (EVENT queue enabled).
    void replay();

    // A request revoke in flight, as migration carries it: its time left
    // (rounded up to a millisecond, at least 1), and the restore on load.
    uint32_t revoke_left_ms();
    void restore_revoke(uint8_t reason, uint32_t left_ms);
    // Brings a request revoke's deadline forward to `max_ms` from now if it
    // is later (the guest had more time than a migration waits).
    void limit_revoke(uint32_t max_ms);

    uint8_t last_revoke_reason() const { return last_reason_; }
    bool last_revoke_timed_out() const { return last_timed_out_; }
    bool last_revoke_surprise() const { return last_surprise_; }
    // The reason of the revoke in progress (REVOKING).
    uint8_t revoke_reason() const { return revoke_reason_; }
    // now_ns() of the last change and of the one before; nullopt if none.
    std::optional<uint64_t> last_switch_ns() const { return last_switch_ns_; }
    std::optional<uint64_t> previous_switch_ns() const { return previous_switch_ns_; }

private:
    void transition(DpState to, SriovnicSynthCause cause);
    void send_revoke(uint8_t reason, uint8_t flags, uint32_t timeout_ms);
    Message offer_message() const;

    Registers &fn_;
    uint16_t paired_vf_;
    uint16_t total_vfs_;
    Actions &actions_;
    // Runtime state of a request revoke (migrated as the time left: revoke_left_ms()).
    uint64_t revoke_deadline_ns_ = 0;
    uint8_t revoke_reason_ = 0;
    uint8_t last_reason_ = 0;
    bool last_timed_out_ = false;
    bool last_surprise_ = false;
    std::optional<uint64_t> last_switch_ns_;
    std::optional<uint64_t> previous_switch_ns_;
};

} // namespace sriovnic::synth
