// SPDX-License-Identifier: GPL-2.0-or-later
// A synthetic channel in a live migration (docs/synthetic-channel.md,
// "Migration"). With on-migration=revoke the source revokes the VF at setup
// and holds the migration until the guest has left it (or the revoke timed
// out), offers nothing while the migration runs, and offers again if it
// fails; the destination offers its own VF once the VM runs. With keep the
// data path migrates as it is, a revoke in flight included.
#include "synth/channel.hpp"

namespace sriovnic::synth {

namespace {

constexpr uint32_t kMaxRevokeTimeoutMs = 600'000; // as the revoke-timeout property

const char *state_name(DpState s)
{
    switch (s) {
    case DpState::synthetic: return "SYNTHETIC";
    case DpState::offered: return "OFFERED";
    case DpState::vf: return "VF";
    case DpState::revoking: return "REVOKING";
    }
    return "?";
}

} // namespace

void Channel::migration_begin(bool vm_running)
{
    if (on_migration_ == SRIOVNIC_SYNTH_ON_MIGRATION_KEEP) {
        return;
    }
    // An offer still due from the migration before this one stays due.
    offer_after_migration_ = migration_ == SRIOVNIC_SYNTH_MIGRATION_RESUMING && offer_after_migration_;
    migration_ = SRIOVNIC_SYNTH_MIGRATION_OUTGOING;
    switch (state()) {
    case DpState::synthetic:
        break;
    case DpState::offered:
        offer_after_migration_ = true;
        datapath_.revoke(SRIOVNIC_SYNTH_REVOKE_MIGRATION, true, 0);
        break;
    case DpState::vf:
        // A stopped guest cannot answer, and its clock (the timeout's) stands still.
        offer_after_migration_ = true;
        datapath_.revoke(SRIOVNIC_SYNTH_REVOKE_MIGRATION, !vm_running,
                         vm_running ? host_.revoke_timeout_ms : 0);
        break;
    case DpState::revoking:
        // Another revoke is under way: the migration waits for it, no longer
        // than for its own. Only its own kind is undone if the migration fails.
        offer_after_migration_ = datapath_.revoke_reason() == SRIOVNIC_SYNTH_REVOKE_MIGRATION;
        if (vm_running) {
            datapath_.limit_revoke(host_.revoke_timeout_ms);
        } else {
            datapath_.revoke(datapath_.revoke_reason(), true, 0);
        }
        break;
    }
    update_interrupts();
}

bool Channel::migration_end(bool completed)
{
    if (migration_ != SRIOVNIC_SYNTH_MIGRATION_OUTGOING) {
        return false;
    }
    if (completed) {
        // This VM is stopped for good unless someone resumes it; then it
        // offers as a destination would.
        migration_ = SRIOVNIC_SYNTH_MIGRATION_UNTIL_RUN;
        return false;
    }
    migration_ = SRIOVNIC_SYNTH_MIGRATION_NONE;
    return offer_deferred();
}

bool Channel::offer_deferred()
{
    if (migration_ != SRIOVNIC_SYNTH_MIGRATION_NONE || !offer_after_migration_ ||
        state() != DpState::synthetic) {
        return false; // a revoke still in flight offers when it ends (on_timer, CTRL)
    }
    offer_after_migration_ = false;
    const bool offered = offer_if_allowed();
    update_interrupts();
    return offered;
}

bool Channel::vm_running(bool running)
{
    if (!running) {
        if (holds_migration()) {
            datapath_.revoke(datapath_.revoke_reason(), true, 0);
            update_interrupts();
        }
        return false;
    }
    if (migration_ != SRIOVNIC_SYNTH_MIGRATION_UNTIL_RUN) {
        return false;
    }
    // A hot-plug-paired channel's VF is plugged when the offer is due.
    if (offer_after_migration_ && state() == DpState::synthetic && host_.vf_allowed() &&
        (slot_ || vf_present())) {
        // In a new process (TCG) every guest code path is cold: the guest's
        // traffic resumes on the synthetic path first, and the offer, whose
        // join and switch would run before it, waits for its first
        // transmit (docs/synthetic-channel.md, "Migration").
        migration_ = SRIOVNIC_SYNTH_MIGRATION_RESUMING;
        resume_offer_deadline_ns_ =
            platform_.now_ns() + uint64_t(SRIOVNIC_SYNTH_RESUME_OFFER_WAIT_MS) * 1'000'000;
        timers_.arm(*this, resume_offer_deadline_ns_);
        return true;
    }
    migration_ = SRIOVNIC_SYNTH_MIGRATION_NONE;
    // A kept data path goes on as it would have on the source (a revoke in
    // flight ends without a new offer), unless this host does not allow it.
    offer_after_migration_ = false;
    enforce_policy();
    update_interrupts();
    return false;
}

bool Channel::offer_on_resume(bool guest_transmitted)
{
    if (migration_ != SRIOVNIC_SYNTH_MIGRATION_RESUMING) {
        return false;
    }
    if (!guest_transmitted && platform_.now_ns() < resume_offer_deadline_ns_) {
        timers_.arm(*this, resume_offer_deadline_ns_); // woken early for another client
        return false;
    }
    migration_ = SRIOVNIC_SYNTH_MIGRATION_NONE;
    resume_offer_deadline_ns_ = 0;
    return offer_deferred();
}

void Channel::pre_save()
{
    const bool revoking = state() == DpState::revoking;
    regs_.revoke_reason = revoking ? datapath_.revoke_reason() : 0;
    regs_.revoke_left_ms = revoking ? datapath_.revoke_left_ms() : 0;
}

std::optional<std::string> Channel::validate_loaded_datapath(uint32_t reason,
                                                             uint32_t left_ms) const
{
    const std::string where = "synthetic function: ";
    if (regs_.dp_state > SRIOVNIC_SYNTH_DP_REVOKING) {
        return where + "data path state " + std::to_string(regs_.dp_state) +
               " in the stream is none of SYNTHETIC, OFFERED, VF, REVOKING (0 to 3)";
    }
    const DpState s = state();
    const std::string path = std::string("data path ") + state_name(s);
    if (s == DpState::synthetic) {
        if (regs_.dp_vf || regs_.dp_serial) {
            return where + path + " with a VF index or serial in the stream (both must be 0)";
        }
    } else {
        if (regs_.dp_vf != paired_vf()) {
            return where + path + " names VF " + std::to_string(regs_.dp_vf) +
                   ", but the channel pairs with VF " + std::to_string(paired_vf());
        }
        if (!vf_present()) {
            return where + path + " with VF " + std::to_string(paired_vf()) +
                   ", which is not enabled here (SR-IOV VF Enable and NumVFs of its PF)";
        }
        if (s != DpState::offered && !fn_regs_.has(SRIOVNIC_SYNTH_F_DATAPATH)) {
            return where + path + " without the data-path feature negotiated";
        }
    }
    if (s == DpState::revoking) {
        if (reason < SRIOVNIC_SYNTH_REVOKE_MIGRATION || reason > SRIOVNIC_SYNTH_REVOKE_REASON_MAX ||
            left_ms < 1 || left_ms > kMaxRevokeTimeoutMs) {
            return where + path + " needs its revoke in flight (subsection sriovnic-synth/revoke) " +
                   "with a reason 1 to 5 and 1 to " + std::to_string(kMaxRevokeTimeoutMs) +
                   " ms left (got reason " + std::to_string(reason) + ", " +
                   std::to_string(left_ms) + " ms)";
        }
    } else if (reason || left_ms) {
        return where + "a revoke in flight in the stream, but " + path;
    }
    return std::nullopt;
}

std::optional<std::string> Channel::post_load()
{
    // Stream-only fields: taken here, whatever the outcome.
    const uint32_t reason = regs_.revoke_reason, left_ms = regs_.revoke_left_ms;
    regs_.revoke_reason = regs_.revoke_left_ms = 0;

    if (auto problem = fn_regs_.validate_loaded()) {
        return problem;
    }
    for (const SplitRing &ring : rings_) {
        if (auto problem = ring.validate_loaded()) {
            return problem;
        }
    }
    if (auto problem = events_.validate_loaded()) {
        return problem;
    }
    if (auto problem = validate_loaded_datapath(reason, left_ms)) {
        return problem;
    }
    fn_regs_.after_load();
    vf_was_present_ = vf_present();
    if (state() == DpState::revoking) {
        datapath_.restore_revoke(uint8_t(reason), left_ms);
    }
    // The destination offers its own VF once the VM runs, if its policy allows.
    migration_ = SRIOVNIC_SYNTH_MIGRATION_UNTIL_RUN;
    offer_after_migration_ = true;
    switch_.port_changed(fn_);
    update_interrupts();
    return std::nullopt;
}

} // namespace sriovnic::synth
