// SPDX-License-Identifier: GPL-2.0-or-later
// The host's side of a channel: its configuration checked, the host's
// operations (offer, revoke) and its policy (SR-IOV allowed, port policies,
// MAX_MTU, recommended offloads), which decides when the VF may be offered.
// Every argument arrives at management's width and every refusal is worded
// here: the glue converts types and forwards.
#include "synth/channel.hpp"

#include "synth/port_guard.hpp"

namespace sriovnic::synth {

namespace {

std::string range(const char *what, unsigned v, unsigned lo, unsigned hi)
{
    return std::string("'") + what + "' must be between " + std::to_string(lo) + " and " +
           std::to_string(hi) + " (got " + std::to_string(v) + ")";
}

std::optional<std::string> check_max_mtu(uint32_t max_mtu)
{
    if (max_mtu < SRIOVNIC_SYNTH_MAX_MTU_MIN || max_mtu > SRIOVNIC_MTU_MAX) {
        return range("max-mtu", max_mtu, SRIOVNIC_SYNTH_MAX_MTU_MIN, SRIOVNIC_MTU_MAX);
    }
    return std::nullopt;
}

std::optional<std::string> check_offloads(uint32_t offloads)
{
    if (offloads & ~SRIOVNIC_SYNTH_F_OFFLOADS) {
        return "'offloads' may hold only the checksum and TSO bits";
    }
    return std::nullopt;
}

std::optional<std::string> check_port_policies(uint32_t policies)
{
    if (policies & ~SRIOVNIC_SYNTH_POLICY_ALL) {
        return "'port-policies' may hold only router-guard and dhcp-guard";
    }
    return std::nullopt;
}

} // namespace

std::optional<std::string> Channel::check_config(const SriovnicSynthConfig &cfg, uint16_t total_vfs)
{
    if (total_vfs == 0) {
        return "the card has no VF to pair the synthetic channel with";
    }
    if (cfg.paired_vf == SRIOVNIC_SYNTH_VF_UNSET) {
        return "property 'vf' is required: the index of the card's VF to pair with, 0 to " +
               std::to_string(sriovnic_last_vf(total_vfs));
    }
    if (cfg.paired_vf >= total_vfs) {
        return range("vf", cfg.paired_vf, 0, unsigned(sriovnic_last_vf(total_vfs)));
    }
    MacAddr mac;
    std::copy(std::begin(cfg.mac), std::end(cfg.mac), mac.begin());
    if (is_zero(mac) || is_multicast(mac)) {
        return "'mac' must be a unicast address";
    }
    if (cfg.features & ~SRIOVNIC_SYNTH_F_ALL) {
        return "'features' has bits no synthetic channel knows";
    }
    if ((cfg.features & (SRIOVNIC_SYNTH_F_TSO4 | SRIOVNIC_SYNTH_F_TSO6)) &&
        !(cfg.features & SRIOVNIC_SYNTH_F_CSUM_TX)) {
        return "property 'tso' needs 'csum' (segmentation fills in checksums): set tso=off or "
               "csum=on";
    }
    if (cfg.revoke_timeout_ms < 1 || cfg.revoke_timeout_ms > SRIOVNIC_SYNTH_REVOKE_TIMEOUT_MAX_MS) {
        return range("revoke-timeout", cfg.revoke_timeout_ms, 1, SRIOVNIC_SYNTH_REVOKE_TIMEOUT_MAX_MS);
    }
    if (auto problem = check_max_mtu(cfg.max_mtu)) {
        return problem;
    }
    if (auto problem = check_offloads(cfg.offloads)) {
        return problem;
    }
    if (auto problem = check_port_policies(cfg.port_policies)) {
        return problem;
    }
    if (cfg.on_migration >= SRIOVNIC_SYNTH_ON_MIGRATION_COUNT) {
        return "'on-migration' must be 'revoke' or 'keep'";
    }
    return std::nullopt;
}

std::optional<std::string> Channel::offer()
{
    if (!host_.sriov_allowed) {
        return "host policy does not allow SR-IOV for this channel";
    }
    if (host_.port_policies) {
        return "port policy " + port_policy_names(host_.port_policies) +
               " is set: only the software path enforces it";
    }
    if (migration_ == SRIOVNIC_SYNTH_MIGRATION_OUTGOING) {
        return "a live migration is in progress: the VF is offered again when it ends";
    }
    if (migration_ == SRIOVNIC_SYNTH_MIGRATION_UNTIL_RUN) {
        return "the VM has not run since its migration: the VF is offered when it runs";
    }
    if (slot_ && state() == DpState::revoking) {
        // Plug right after unplug: the revoke completes (the VF leaves the
        // guest), then the VF is plugged and offered again.
        if (offer_after_revoke_) {
            return "VF " + std::to_string(paired_vf()) +
                   " is already to be offered again once its revoke completes";
        }
        offer_after_revoke_ = true;
        return std::nullopt;
    }
    if (slot_ && state() == DpState::synthetic) {
        if (slot_->offer_pending()) {
            return "VF " + std::to_string(paired_vf()) +
                   " is already being plugged into the guest for an offer";
        }
        // Plug first; the offer follows once the VF is in the guest.
        slot_->plug(true);
        if (slot_->state() != SRIOVNIC_SYNTH_SLOT_PLUGGED) {
            update_interrupts();
            return std::nullopt;
        }
    }
    auto problem = datapath_.offer();
    update_interrupts();
    return problem;
}

std::optional<std::string> Channel::revoke(const SriovnicSynthRevoke &r)
{
    if (r.has_timeout_ms && r.surprise) {
        return "'timeout-ms' does not apply to a surprise revoke (which does not wait)";
    }
    if (r.has_timeout_ms &&
        (r.timeout_ms < 1 || r.timeout_ms > SRIOVNIC_SYNTH_REVOKE_TIMEOUT_MAX_MS)) {
        return range("timeout-ms", r.timeout_ms, 1, SRIOVNIC_SYNTH_REVOKE_TIMEOUT_MAX_MS);
    }
    const uint32_t timeout_ms =
        r.surprise ? 0 : (r.has_timeout_ms ? r.timeout_ms : host_.revoke_timeout_ms);
    if (slot_ && offer_after_revoke_ && state() == DpState::revoking) {
        // Withdraws the offer queued behind the revoke in progress.
        offer_after_revoke_ = false;
        if (!r.surprise) {
            update_interrupts();
            return std::nullopt;
        }
    }
    if (slot_) {
        // The VF leaves the guest once the guest left it (at once for a
        // surprise), the slot released within the same bound.
        unplug_timeout_ms_ = r.surprise ? host_.revoke_timeout_ms : timeout_ms;
        if (state() == DpState::synthetic &&
            slot_->state() != SRIOVNIC_SYNTH_SLOT_UNPLUGGED) {
            // Plugged (or being plugged) but not offered yet: only the slot.
            slot_->unplug(unplug_timeout_ms_);
            update_interrupts();
            return std::nullopt;
        }
    }
    auto problem = datapath_.revoke(uint8_t(r.reason > 255 ? 0 : r.reason), r.surprise, timeout_ms);
    update_interrupts();
    return problem;
}

bool Channel::offer_if_allowed()
{
    if (!host_.vf_allowed() || state() != DpState::synthetic) {
        return false;
    }
    if (slot_) {
        if (slot_->unplug_in_progress() || slot_->offer_pending()) {
            return false; // the host took it back, or an offer is on its way
        }
    } else if (!vf_present()) {
        return false;
    }
    if (migration_ != SRIOVNIC_SYNTH_MIGRATION_NONE) {
        offer_after_migration_ = true;
        return false;
    }
    if (slot_ && !vf_present()) {
        slot_->plug(true); // the offer follows the plug
        return true;
    }
    return !datapath_.offer();
}

void Channel::enforce_policy()
{
    if (!host_.vf_allowed() && state() != DpState::synthetic && state() != DpState::revoking) {
        datapath_.revoke(SRIOVNIC_SYNTH_REVOKE_POLICY, false, host_.revoke_timeout_ms);
    }
}

std::optional<std::string> Channel::check_policy(const SriovnicSynthPolicy &p)
{
    if (p.has_max_mtu) {
        if (auto problem = check_max_mtu(p.max_mtu)) {
            return problem;
        }
    }
    if (p.has_offloads) {
        if (auto problem = check_offloads(p.offloads)) {
            return problem;
        }
    }
    if (p.has_port_policies) {
        if (auto problem = check_port_policies(p.port_policies)) {
            return problem;
        }
    }
    return std::nullopt;
}

std::optional<std::string> Channel::set_policy(const SriovnicSynthPolicy &p)
{
    if (auto problem = check_policy(p)) {
        return problem; // nothing changed
    }
    // What the guest is told first: the largest MTU and the offloads.
    if (p.has_max_mtu) {
        host_.max_mtu = uint16_t(p.max_mtu);
        fn_regs_.clamp_mtu(); // at the same moment as the event
        if (fn_regs_.has(SRIOVNIC_SYNTH_F_MTU)) {
            events_.raise(ev_mtu(host_.max_mtu));
        }
    }
    if (p.has_offloads) {
        host_.offloads = p.offloads;
        if (fn_regs_.features_ok()) {
            events_.raise(ev_offload(p.offloads & fn_regs_.features()));
        }
    }
    // Then whether the VF may carry the traffic, judged once on the whole
    // new policy: what it no longer allows is revoked, and an offer follows
    // only a change that can allow one, so nothing is offered only to be
    // revoked.
    if (p.has_sriov_allowed) {
        host_.sriov_allowed = p.sriov_allowed;
    }
    if (p.has_port_policies) {
        host_.port_policies = p.port_policies;
    }
    enforce_policy();
    if ((p.has_sriov_allowed && p.sriov_allowed) || p.has_port_policies) {
        offer_if_allowed();
    }
    update_interrupts();
    return std::nullopt;
}

} // namespace sriovnic::synth
