// SPDX-License-Identifier: GPL-2.0-or-later
// The host PF agent. On a host-owned card no guest runs a PF driver, so the
// card answers each VF's mailbox itself, as a PF driver would, by the
// host's administration of that VF. It speaks the shared contract
// (include/sriovnic/mailbox.h) and acts through PfAdmin, which enforces
// what the agent grants exactly as it enforces what a PF driver programs.
#pragma once

#include "pf_admin.hpp"
#include "sriovnic-core.h"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sriovnic {

using MailboxMessage = std::array<uint32_t, SRIOVNIC_MBX_WORDS>;

class HostPfAgent {
public:
    HostPfAgent(PfAdmin &admin, uint16_t total_vfs);
    HostPfAgent(const HostPfAgent &) = delete;
    HostPfAgent &operator=(const HostPfAgent &) = delete;

    // The reply to VF `vf`'s request: the request's opcode and tag, a
    // status, and the arguments that status carries. Any request gets one.
    MailboxMessage answer(uint16_t vf, const MailboxMessage &request);
    // The notice that makes the VF's driver start over with HELLO.
    static MailboxMessage reset_notice();

    SriovnicVfHostRegs &regs(uint16_t vf) { return vfs_[vf]; }

    // The host's MTU limit for the VF, SRIOVNIC_MTU_MIN..SRIOVNIC_MTU_MAX
    // (false outside it). A grant above a lowered limit shrinks to it.
    bool set_mtu_limit(uint16_t vf, uint32_t mtu);

    // The VF was reset: a notice for it is moot, it starts over anyway.
    void vf_reset(uint16_t vf) { vfs_[vf].notice_pending = 0; }

    // After loading: refuse what the agent could never have kept.
    std::optional<std::string> validate_loaded(uint16_t vf) const;

private:
    // The status for a request that passed the contract's check; fills
    // the reply's arguments.
    uint32_t answer_valid(uint16_t vf, const MailboxMessage &request, sriovnic_mbx_msg &reply);

    PfAdmin &admin_;
    std::vector<SriovnicVfHostRegs> vfs_;
};

// What a VF gets before it asks for more (as the PF driver grants).
inline constexpr uint32_t kHostAgentStartMtu = 1500;

} // namespace sriovnic
