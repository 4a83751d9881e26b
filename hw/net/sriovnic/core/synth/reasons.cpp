// SPDX-License-Identifier: GPL-2.0-or-later
#include "synth/reasons.hpp"

#include "synth/datapath.hpp"
#include "synth/port_guard.hpp"

#include <cstdio>

namespace sriovnic::synth {

namespace {

// What each revoke reason means, after its name.
const char *revoke_reason_meaning(unsigned reason)
{
    switch (reason) {
    case SRIOVNIC_SYNTH_REVOKE_MIGRATION: return "live migration";
    case SRIOVNIC_SYNTH_REVOKE_POLICY: return "host policy";
    case SRIOVNIC_SYNTH_REVOKE_FAULT: return "the VF failed";
    case SRIOVNIC_SYNTH_REVOKE_REMOVED: return "the VF was removed under the guest";
    case SRIOVNIC_SYNTH_REVOKE_ADMIN: return "an administrator's revoke";
    default: return "unknown";
    }
}

std::string reason_words(unsigned reason)
{
    return std::string("reason ") + revoke_reason_name(reason) + ": " + revoke_reason_meaning(reason);
}

class Builder {
public:
    void add(SriovnicSynthWhy code, const std::string &text)
    {
        if (out.count >= SRIOVNIC_SYNTH_WHY_COUNT) {
            return;
        }
        out.reason[out.count].code = uint8_t(code);
        std::snprintf(out.reason[out.count].text, sizeof(out.reason[out.count].text), "%s",
                      text.c_str());
        out.count++;
    }
    SriovnicSynthReasons out{};
};

} // namespace

const char *revoke_reason_name(unsigned reason)
{
    switch (reason) {
    case SRIOVNIC_SYNTH_REVOKE_MIGRATION: return "migration";
    case SRIOVNIC_SYNTH_REVOKE_POLICY: return "policy";
    case SRIOVNIC_SYNTH_REVOKE_FAULT: return "fault";
    case SRIOVNIC_SYNTH_REVOKE_REMOVED: return "removed";
    case SRIOVNIC_SYNTH_REVOKE_ADMIN: return "admin";
    default: return "unknown";
    }
}

SriovnicSynthReasons why_not_on_vf(const SriovnicSynthInfo &info, uint8_t revoking_reason)
{
    const DpState state = DpState(info.state);
    Builder b;
    if (state == DpState::vf && info.rx_via_vf) {
        return b.out;
    }
    const std::string vf = "VF " + std::to_string(info.paired_vf);

    // The host's side first, then the guest's drivers, then the protocol.
    if (!info.sriov_allowed) {
        b.add(SRIOVNIC_SYNTH_WHY_POLICY, "SR-IOV is disabled by host policy");
    }
    for (uint32_t bit = 1; bit & SRIOVNIC_SYNTH_POLICY_ALL; bit <<= 1) {
        if (info.port_policies & bit) {
            b.add(SRIOVNIC_SYNTH_WHY_PORT_POLICY, std::string("port policy ") +
                                                      port_policy_name(bit) +
                                                      " is set: only the software path enforces it");
        }
    }
    if (info.migration == SRIOVNIC_SYNTH_MIGRATION_OUTGOING) {
        b.add(SRIOVNIC_SYNTH_WHY_MIGRATING,
              "revoked for migration: a live migration is in progress; the VF is offered "
              "again when it ends (here if it fails, on the destination if its policy allows)");
    } else if (info.migration == SRIOVNIC_SYNTH_MIGRATION_UNTIL_RUN && state == DpState::synthetic) {
        b.add(SRIOVNIC_SYNTH_WHY_MIGRATING,
              "the VM has not run since its migration: the VF is offered once it runs");
    } else if (info.migration == SRIOVNIC_SYNTH_MIGRATION_RESUMING && state == DpState::synthetic) {
        b.add(SRIOVNIC_SYNTH_WHY_MIGRATING,
              "the VM runs again after its migration: the VF is offered at the guest's first "
              "transmit on the synthetic path, within " +
                  std::to_string(SRIOVNIC_SYNTH_RESUME_OFFER_WAIT_MS) + " ms");
    }
    if (!(info.dev_features & SRIOVNIC_SYNTH_F_DATAPATH)) {
        b.add(SRIOVNIC_SYNTH_WHY_HOST_NO_DATAPATH,
              "the host does not offer the data-path feature to the guest (datapath=off)");
    } else if (!info.features_ok) {
        b.add(SRIOVNIC_SYNTH_WHY_DRIVER_NOT_READY,
              "the guest's synthetic driver has not negotiated its features (not loaded "
              "or not started)");
    } else if (!(info.drv_features & SRIOVNIC_SYNTH_F_DATAPATH)) {
        b.add(SRIOVNIC_SYNTH_WHY_NO_DATAPATH,
              "the guest's synthetic driver did not negotiate the data-path feature");
    }
    if (!info.vf_present && info.vf_hotplug) {
        std::string where = vf + " is not plugged into the guest";
        if (info.vf_slot == SRIOVNIC_SYNTH_SLOT_PLUGGING) {
            where = vf + " is being plugged into the guest";
        } else if (info.last_hotplug_error[0]) {
            where += std::string(" (the last hotplug failed: ") + info.last_hotplug_error + ")";
        }
        b.add(SRIOVNIC_SYNTH_WHY_VF_NOT_ENABLED, where);
    } else if (!info.vf_present) {
        b.add(SRIOVNIC_SYNTH_WHY_VF_NOT_ENABLED,
              vf + " is not enabled by the guest's PF driver (SR-IOV NumVFs)");
    } else if (!info.vf_up) {
        b.add(SRIOVNIC_SYNTH_WHY_VF_DOWN, vf + " is not up (no driver enabled it, or no RX ring)");
    }
    switch (state) {
    case DpState::synthetic:
        if (info.last_revoke_reason) {
            std::string how = info.last_revoke_timed_out ? ", timed out"
                              : info.last_revoke_surprise ? ", surprise" : "";
            b.add(SRIOVNIC_SYNTH_WHY_REVOKED,
                  "the last offer was revoked (" + reason_words(info.last_revoke_reason) + how + ")");
        } else if (b.out.count == 0) {
            b.add(SRIOVNIC_SYNTH_WHY_NOT_OFFERED, vf + " is not offered to the guest");
        }
        break;
    case DpState::offered:
        b.add(SRIOVNIC_SYNTH_WHY_NOT_SWITCHED, "the guest has not switched its data path to the VF");
        break;
    case DpState::revoking:
        b.add(SRIOVNIC_SYNTH_WHY_REVOKING,
              "a revoke is in progress (" + reason_words(revoking_reason) +
                  "), waiting for the guest to switch to the synthetic path");
        break;
    case DpState::vf:
        break; // only a VF that cannot receive; said above
    }
    return b.out;
}

} // namespace sriovnic::synth
