// SPDX-License-Identifier: GPL-2.0-or-later
#include "synth/datapath.hpp"

namespace sriovnic::synth {

void DataPath::transition(DpState to, SriovnicSynthCause cause)
{
    const DpState from = state();
    SriovnicSynthRegs &r = fn_.regs();
    r.dp_state = uint32_t(to);
    if (to == DpState::synthetic) {
        r.dp_vf = r.dp_serial = 0;
        revoke_deadline_ns_ = 0;
    }
    previous_switch_ns_ = last_switch_ns_;
    last_switch_ns_ = actions_.now_ns();
    actions_.state_changed(from, to, cause);
}

Message DataPath::offer_message() const
{
    const MacAddr mac = fn_.has(SRIOVNIC_SYNTH_F_VF_MAC) ? fn_.host().mac : MacAddr{};
    return ev_offer(uint16_t(fn_.regs().dp_vf), fn_.regs().dp_serial, mac);
}

std::optional<std::string> DataPath::offer()
{
    if (state() != DpState::synthetic) {
        return "VF " + std::to_string(paired_vf_) + " is already offered: revoke it first";
    }
    if (!actions_.vf_present()) {
        return "VF " + std::to_string(paired_vf_) + " is not enabled";
    }
    actions_.program_vf_mac();
    SriovnicSynthRegs &r = fn_.regs();
    r.dp_vf = paired_vf_;
    r.dp_serial = actions_.vf_serial();
    transition(DpState::offered, SRIOVNIC_SYNTH_CAUSE_OFFER);
    if (fn_.has(SRIOVNIC_SYNTH_F_DATAPATH)) {
        actions_.send_event(offer_message());
    }
    return std::nullopt;
}

void DataPath::send_revoke(uint8_t reason, uint8_t flags, uint32_t timeout_ms)
{
    if (fn_.has(SRIOVNIC_SYNTH_F_DATAPATH)) {
        actions_.send_event(ev_revoke(uint16_t(fn_.regs().dp_vf), fn_.regs().dp_serial, reason,
                                      flags, timeout_ms));
    }
}

std::optional<std::string> DataPath::revoke(uint8_t reason, bool surprise, uint32_t timeout_ms)
{
    if (reason < SRIOVNIC_SYNTH_REVOKE_MIGRATION || reason > SRIOVNIC_SYNTH_REVOKE_REASON_MAX) {
        return "revoke reason " + std::to_string(reason) + " must be between 1 and 5";
    }
    const bool request = !surprise && timeout_ms > 0;
    switch (state()) {
    case DpState::synthetic:
        return "no VF is offered";
    case DpState::revoking:
        if (request) {
            return "a revoke is already in progress";
        }
        break;
    case DpState::offered: {
        // Nothing to wait for. An offer the guest has not even read is simply withdrawn.
        fn_.count_synth(SRIOVNIC_SYNTH_STAT_REVOKES);
        last_reason_ = reason;
        last_timed_out_ = false;
        last_surprise_ = true;
        const bool unsent = actions_.cancel_event(SRIOVNIC_SYNTH_EV_VF_OFFER);
        if (!unsent) {
            send_revoke(reason, SRIOVNIC_SYNTH_REVOKE_F_SURPRISE, 0);
        }
        transition(DpState::synthetic, SRIOVNIC_SYNTH_CAUSE_REVOKE_SURPRISE);
        return std::nullopt;
    }
    case DpState::vf:
        break;
    }
    fn_.count_synth(SRIOVNIC_SYNTH_STAT_REVOKES);
    last_reason_ = reason;
    last_timed_out_ = false;
    last_surprise_ = !request;
    if (request) {
        revoke_reason_ = reason;
        revoke_deadline_ns_ = actions_.now_ns() + uint64_t(timeout_ms) * 1'000'000;
        send_revoke(reason, 0, timeout_ms);
        transition(DpState::revoking, SRIOVNIC_SYNTH_CAUSE_REVOKE_REQUEST);
        actions_.arm_timer(revoke_deadline_ns_);
    } else {
        send_revoke(reason, SRIOVNIC_SYNTH_REVOKE_F_SURPRISE, 0);
        transition(DpState::synthetic, SRIOVNIC_SYNTH_CAUSE_REVOKE_SURPRISE);
    }
    return std::nullopt;
}

void DataPath::vf_gone()
{
    if (state() != DpState::synthetic) {
        revoke(SRIOVNIC_SYNTH_REVOKE_REMOVED, true, 0);
    }
}

void DataPath::on_timer()
{
    if (state() != DpState::revoking) {
        return;
    }
    if (actions_.now_ns() < revoke_deadline_ns_) {
        actions_.arm_timer(revoke_deadline_ns_); // woken early for another client
        return;
    }
    fn_.count_synth(SRIOVNIC_SYNTH_STAT_REVOKE_TIMEOUTS);
    last_timed_out_ = true;
    last_surprise_ = true;
    send_revoke(revoke_reason_, SRIOVNIC_SYNTH_REVOKE_F_SURPRISE | SRIOVNIC_SYNTH_REVOKE_F_TIMEOUT, 0);
    transition(DpState::synthetic, SRIOVNIC_SYNTH_CAUSE_REVOKE_TIMEOUT);
}

void DataPath::function_reset()
{
    // The guest's switch is forgotten; a revoke in progress is done.
    if (state() == DpState::vf) {
        transition(DpState::offered, SRIOVNIC_SYNTH_CAUSE_RESET);
    } else if (state() == DpState::revoking) {
        transition(DpState::synthetic, SRIOVNIC_SYNTH_CAUSE_RESET);
    }
}

Control::Reply DataPath::current_path() const
{
    Control::Reply r;
    if (steers_to_vf()) {
        r.on_vf = true;
        r.vf = uint16_t(fn_.regs().dp_vf);
        r.serial = fn_.regs().dp_serial;
    }
    return r;
}

Control::Reply DataPath::switch_path(bool to_vf, uint16_t vf, uint32_t serial)
{
    uint16_t status = SRIOVNIC_SYNTH_S_OK;
    if (!to_vf) {
        if (state() == DpState::vf) {
            fn_.count_synth(SRIOVNIC_SYNTH_STAT_SWITCH_TO_SYNTH);
            transition(DpState::offered, SRIOVNIC_SYNTH_CAUSE_SWITCH_TO_SYNTH);
        } else if (state() == DpState::revoking) {
            fn_.count_synth(SRIOVNIC_SYNTH_STAT_SWITCH_TO_SYNTH);
            transition(DpState::synthetic, SRIOVNIC_SYNTH_CAUSE_REVOKE_DONE);
        }
    } else if (vf >= total_vfs_) {
        status = SRIOVNIC_SYNTH_S_NO_SUCH_VF;
    } else if ((state() != DpState::offered && state() != DpState::vf) ||
               vf != fn_.regs().dp_vf || serial != fn_.regs().dp_serial) {
        status = SRIOVNIC_SYNTH_S_VF_NOT_OFFERED;
    } else if (state() == DpState::offered) {
        if (!actions_.vf_can_receive()) {
            status = SRIOVNIC_SYNTH_S_VF_DOWN;
        } else {
            fn_.count_synth(SRIOVNIC_SYNTH_STAT_SWITCH_TO_VF);
            transition(DpState::vf, SRIOVNIC_SYNTH_CAUSE_SWITCH_TO_VF);
        }
    } // VF, same offer: OK, nothing changes
    Control::Reply r = current_path();
    r.status = status;
    return r;
}

void DataPath::replay()
{
    if (!fn_.has(SRIOVNIC_SYNTH_F_DATAPATH) || state() == DpState::synthetic) {
        return;
    }
    actions_.send_event(offer_message());
    if (state() == DpState::revoking) {
        send_revoke(revoke_reason_, 0, revoke_left_ms());
    }
}

uint32_t DataPath::revoke_left_ms()
{
    const uint64_t now = actions_.now_ns();
    return revoke_deadline_ns_ > now ? uint32_t((revoke_deadline_ns_ - now + 999'999) / 1'000'000)
                                     : 1;
}

void DataPath::restore_revoke(uint8_t reason, uint32_t left_ms)
{
    revoke_reason_ = last_reason_ = reason;
    last_timed_out_ = last_surprise_ = false;
    revoke_deadline_ns_ = actions_.now_ns() + uint64_t(left_ms) * 1'000'000;
    actions_.arm_timer(revoke_deadline_ns_);
}

void DataPath::limit_revoke(uint32_t max_ms)
{
    const uint64_t limit = actions_.now_ns() + uint64_t(max_ms) * 1'000'000;
    if (state() == DpState::revoking && revoke_deadline_ns_ > limit) {
        revoke_deadline_ns_ = limit;
        actions_.arm_timer(revoke_deadline_ns_);
    }
}

} // namespace sriovnic::synth
