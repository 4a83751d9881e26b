// SPDX-License-Identifier: GPL-2.0-or-later
// The host's side of a channel: its configuration checked, the host's
// operations (offer, revoke) and its policy (SR-IOV allowed, port policies,
// MAX_MTU, recommended offloads), which decides when the VF may be offered.
#include "synth/channel.hpp"

#include "synth/port_guard.hpp"

namespace sriovnic::synth {

namespace {

std::string range(const char *what, unsigned v, unsigned lo, unsigned hi)
{
    return std::string("'") + what + "' must be between " + std::to_string(lo) + " and " +
           std::to_string(hi) + " (got " + std::to_string(v) + ")";
}

} // namespace

std::optional<std::string> Channel::check_config(const SriovnicSynthConfig &cfg, uint16_t total_vfs)
{
    if (total_vfs == 0) {
        return "the card has no VF to pair the synthetic channel with";
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
    if (cfg.revoke_timeout_ms < 1 || cfg.revoke_timeout_ms > 600'000) {
        return range("revoke-timeout", cfg.revoke_timeout_ms, 1, 600'000);
    }
    if (cfg.max_mtu < SRIOVNIC_SYNTH_MAX_MTU_MIN || cfg.max_mtu > SRIOVNIC_MTU_MAX) {
        return range("max-mtu", cfg.max_mtu, SRIOVNIC_SYNTH_MAX_MTU_MIN, SRIOVNIC_MTU_MAX);
    }
    if (cfg.offloads & ~SRIOVNIC_SYNTH_F_OFFLOADS) {
        return "'offloads' may hold only the checksum and TSO bits";
    }
    if (cfg.port_policies & ~SRIOVNIC_SYNTH_POLICY_ALL) {
        return "'port-policies' may hold only router-guard and dhcp-guard";
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
    auto problem = datapath_.offer();
    update_interrupts();
    return problem;
}

std::optional<std::string> Channel::revoke(unsigned reason, bool surprise, uint32_t timeout_ms)
{
    auto problem = datapath_.revoke(uint8_t(reason > 255 ? 0 : reason), surprise,
                                    surprise ? 0 : (timeout_ms ? timeout_ms : host_.revoke_timeout_ms));
    update_interrupts();
    return problem;
}

bool Channel::offer_if_allowed()
{
    if (!host_.vf_allowed() || state() != DpState::synthetic || !vf_present()) {
        return false;
    }
    if (migration_ != SRIOVNIC_SYNTH_MIGRATION_NONE) {
        offer_after_migration_ = true;
        return false;
    }
    return !datapath_.offer();
}

void Channel::enforce_policy()
{
    if (!host_.vf_allowed() && state() != DpState::synthetic && state() != DpState::revoking) {
        datapath_.revoke(SRIOVNIC_SYNTH_REVOKE_POLICY, false, host_.revoke_timeout_ms);
    }
}

std::optional<std::string> Channel::set_sriov_allowed(bool allowed)
{
    host_.sriov_allowed = allowed;
    enforce_policy();
    if (allowed) {
        offer_if_allowed();
    }
    update_interrupts();
    return std::nullopt;
}

std::optional<std::string> Channel::set_port_policies(uint32_t policies)
{
    if (policies & ~SRIOVNIC_SYNTH_POLICY_ALL) {
        return "'port-policies' may hold only router-guard and dhcp-guard";
    }
    host_.port_policies = policies;
    enforce_policy();
    offer_if_allowed();
    update_interrupts();
    return std::nullopt;
}

std::optional<std::string> Channel::set_max_mtu(uint16_t max_mtu)
{
    if (max_mtu < SRIOVNIC_SYNTH_MAX_MTU_MIN || max_mtu > SRIOVNIC_MTU_MAX) {
        return range("max-mtu", max_mtu, SRIOVNIC_SYNTH_MAX_MTU_MIN, SRIOVNIC_MTU_MAX);
    }
    host_.max_mtu = max_mtu;
    fn_regs_.clamp_mtu(); // at the same moment as the event
    if (fn_regs_.has(SRIOVNIC_SYNTH_F_MTU)) {
        events_.raise(ev_mtu(max_mtu));
    }
    update_interrupts();
    return std::nullopt;
}

std::optional<std::string> Channel::set_offloads(uint32_t offloads)
{
    if (offloads & ~SRIOVNIC_SYNTH_F_OFFLOADS) {
        return "'offloads' may hold only the checksum and TSO bits";
    }
    host_.offloads = offloads;
    if (fn_regs_.features_ok()) {
        events_.raise(ev_offload(offloads & fn_regs_.features()));
    }
    update_interrupts();
    return std::nullopt;
}

} // namespace sriovnic::synth
