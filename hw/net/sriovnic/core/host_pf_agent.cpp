// SPDX-License-Identifier: GPL-2.0-or-later
#include "host_pf_agent.hpp"

#include "sriovnic/mailbox.h"
#include "sriovnic/regs.h"

#include <algorithm>

namespace sriovnic {

namespace {

SriovnicVfHostRegs default_host_regs()
{
    SriovnicVfHostRegs r{};
    r.mtu_limit = SRIOVNIC_MTU_MAX;
    return r;
}

uint32_t granted_mtu(const SriovnicVfAdminRegs &a)
{
    return (a.flags & SRIOVNIC_VFA_MAX_MTU_MASK) >> SRIOVNIC_VFA_MAX_MTU_SHIFT;
}

} // namespace

HostPfAgent::HostPfAgent(PfAdmin &admin, uint16_t total_vfs)
    : admin_(admin), vfs_(total_vfs, default_host_regs())
{
}

MailboxMessage HostPfAgent::answer(uint16_t vf, const MailboxMessage &request)
{
    sriovnic_mbx_msg reply{};
    const int err = sriovnic_mbx_msg_check(request.data(), SRIOVNIC_MBX_WORDS,
                                           SRIOVNIC_MBX_DIR_TO_PF, nullptr);
    uint32_t status;
    if (err == SRIOVNIC_MBX_MSG_ETYPE) {
        status = SRIOVNIC_MBX_UNSUPPORTED; // perhaps from a newer VF driver
    } else if (err != SRIOVNIC_MBX_MSG_VALID) {
        status = SRIOVNIC_MBX_BAD_REQUEST; // the Mailbox counted it as it passed
    } else {
        status = answer_valid(vf, request, reply);
    }
    reply.w[0] = SRIOVNIC_MBX_W0(SRIOVNIC_MBX_OPCODE(request[0]) | SRIOVNIC_MBX_REPLY,
                                 SRIOVNIC_MBX_TAG(request[0]), status);
    MailboxMessage out;
    std::copy(std::begin(reply.w), std::end(reply.w), out.begin());
    return out;
}

uint32_t HostPfAgent::answer_valid(uint16_t vf, const MailboxMessage &request,
                                   sriovnic_mbx_msg &reply)
{
    SriovnicVfHostRegs &host = vfs_[vf];
    const SriovnicVfAdminRegs &a = admin_.vf(vf);
    switch (SRIOVNIC_MBX_OPCODE(request[0])) {
    case SRIOVNIC_MBX_HELLO:
        // A VF driver from before capabilities offers none: its level says.
        host.mbx_caps = sriovnic_mbx_peer_caps(request[0], request[2]) & SRIOVNIC_MBX_CAPS_KNOWN;
        // A VF (re)starting gets the default MTU and empty filters until it asks.
        admin_.set_max_mtu(vf, std::min(kHostAgentStartMtu, host.mtu_limit));
        admin_.set_vlan_filter(vf, SRIOVNIC_VLAN_FILTER_CLEAR);
        admin_.set_mc_hash(vf, 0, 0);
        reply.hello_reply.mac_lo = a.mac_lo;
        reply.hello_reply.mac_hi = a.mac_hi;
        reply.hello_reply.max_mtu = host.mtu_limit;
        reply.hello_reply.caps = host.mbx_caps;
        return SRIOVNIC_MBX_OK;
    case SRIOVNIC_MBX_SET_MTU:
        if (request[1] > host.mtu_limit) {
            reply.denied.reason = SRIOVNIC_MBX_REASON_MTU_LIMIT;
            reply.denied.limit = host.mtu_limit;
            return SRIOVNIC_MBX_DENIED;
        }
        admin_.set_max_mtu(vf, std::max(request[1], std::min(kHostAgentStartMtu, host.mtu_limit)));
        return SRIOVNIC_MBX_OK;
    case SRIOVNIC_MBX_SET_VLAN:
        if (a.vlan) {
            reply.denied.reason = SRIOVNIC_MBX_REASON_PORT_VLAN;
            return SRIOVNIC_MBX_DENIED;
        }
        // The contract's check leaves only values the filter takes.
        admin_.set_vlan_filter(vf, request[1]);
        return SRIOVNIC_MBX_OK;
    case SRIOVNIC_MBX_SET_MC_LIST:
        if (!(host.mbx_caps & SRIOVNIC_MBX_CAP_MC_LIST)) {
            return SRIOVNIC_MBX_UNSUPPORTED;
        }
        admin_.set_mc_hash(vf, request[1], request[2]);
        return SRIOVNIC_MBX_OK;
    default:
        return SRIOVNIC_MBX_UNSUPPORTED;
    }
}

MailboxMessage HostPfAgent::reset_notice()
{
    MailboxMessage m{};
    m[0] = SRIOVNIC_MBX_W0(SRIOVNIC_MBX_PF_RESET, 0, 0);
    return m;
}

bool HostPfAgent::set_mtu_limit(uint16_t vf, uint32_t mtu)
{
    if (!sriovnic_mbx_mtu_in_range(mtu)) {
        return false;
    }
    vfs_[vf].mtu_limit = mtu;
    const uint32_t granted = granted_mtu(admin_.vf(vf));
    if (granted == 0 || granted > mtu) {
        admin_.set_max_mtu(vf, mtu);
    }
    return true;
}

std::optional<std::string> HostPfAgent::validate_loaded(uint16_t vf) const
{
    const SriovnicVfHostRegs &r = vfs_[vf];
    const std::string who = "VF " + std::to_string(vf) + " host PF agent: ";
    if (r.mbx_caps & ~SRIOVNIC_MBX_CAPS_KNOWN) {
        return who + "capabilities the agent does not know";
    }
    if (!sriovnic_mbx_mtu_in_range(r.mtu_limit)) {
        return who + "MTU limit " + std::to_string(r.mtu_limit) + " outside " +
               std::to_string(SRIOVNIC_MTU_MIN) + ".." + std::to_string(SRIOVNIC_MTU_MAX);
    }
    if (r.notice_pending > 1) {
        return who + "notice_pending is neither 0 nor 1";
    }
    return std::nullopt;
}

} // namespace sriovnic
