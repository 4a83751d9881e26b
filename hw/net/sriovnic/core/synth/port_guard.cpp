// SPDX-License-Identifier: GPL-2.0-or-later
#include "synth/port_guard.hpp"

#include "sriovnic-core.h"

namespace sriovnic::synth {

namespace {

constexpr uint8_t kIpProtoIcmp = 1;
constexpr uint8_t kIpProtoIcmpv6 = 58;
constexpr uint8_t kIpv6HopByHop = 0;
constexpr uint8_t kIpv6Routing = 43;
constexpr uint8_t kIpv6Fragment = 44;
constexpr uint8_t kIpv6DestOptions = 60;
constexpr unsigned kMaxIpv6ExtHeaders = 8;

constexpr uint8_t kIcmpRedirect = 5;
constexpr uint8_t kIcmpRouterAdvert = 9;
constexpr uint8_t kIcmpv6RouterAdvert = 134;
constexpr uint8_t kIcmpv6Redirect = 137;
constexpr uint16_t kDhcpServerPort = 67;
constexpr uint16_t kDhcpv6ServerPort = 547;

// The upper-layer protocol of an IP packet and where its header starts.
struct Upper {
    uint8_t proto;
    size_t offset;
};

std::optional<Upper> ipv4_upper(std::span<const uint8_t> frame, size_t l3)
{
    if (frame.size() < l3 + 20 || (frame[l3] >> 4) != 4) {
        return std::nullopt;
    }
    const size_t ihl = size_t(frame[l3] & 0xF) * 4;
    const bool later_fragment = (load_be16(frame, l3 + 6) & 0x1FFF) != 0;
    if (ihl < 20 || later_fragment) {
        return std::nullopt;
    }
    return Upper{frame[l3 + 9], l3 + ihl};
}

std::optional<Upper> ipv6_upper(std::span<const uint8_t> frame, size_t l3)
{
    if (frame.size() < l3 + 40 || (frame[l3] >> 4) != 6) {
        return std::nullopt;
    }
    uint8_t next = frame[l3 + 6];
    size_t off = l3 + 40;
    for (unsigned i = 0; i < kMaxIpv6ExtHeaders; i++) {
        if (next != kIpv6HopByHop && next != kIpv6Routing && next != kIpv6DestOptions &&
            next != kIpv6Fragment) {
            return Upper{next, off};
        }
        if (frame.size() < off + 8) {
            return std::nullopt;
        }
        if (next == kIpv6Fragment && (load_be16(frame, off + 2) & 0xFFF8) != 0) {
            return std::nullopt; // a later fragment
        }
        const size_t len = next == kIpv6Fragment ? 8 : (size_t(frame[off + 1]) + 1) * 8;
        next = frame[off];
        off += len;
    }
    return std::nullopt;
}

bool is_router_message(std::span<const uint8_t> frame, const Upper &up, bool v6)
{
    if (frame.size() < up.offset + 1) {
        return false;
    }
    const uint8_t type = frame[up.offset];
    if (v6) {
        return up.proto == kIpProtoIcmpv6 && (type == kIcmpv6RouterAdvert || type == kIcmpv6Redirect);
    }
    return up.proto == kIpProtoIcmp && (type == kIcmpRedirect || type == kIcmpRouterAdvert);
}

bool is_dhcp_server_message(std::span<const uint8_t> frame, const Upper &up, bool v6)
{
    if (up.proto != kIpProtoUdp || frame.size() < up.offset + 8) {
        return false;
    }
    return load_be16(frame, up.offset) == (v6 ? kDhcpv6ServerPort : kDhcpServerPort);
}

} // namespace

std::optional<uint32_t> guard_match(std::span<const uint8_t> frame, const FrameInfo &info,
                                    uint32_t policies)
{
    if (!(policies & SRIOVNIC_SYNTH_POLICY_ALL)) {
        return std::nullopt;
    }
    const bool v6 = info.ethertype == kEthTypeIpv6;
    std::optional<Upper> up;
    if (info.ethertype == kEthTypeIpv4) {
        up = ipv4_upper(frame, info.l3_offset);
    } else if (v6) {
        up = ipv6_upper(frame, info.l3_offset);
    }
    if (!up) {
        return std::nullopt;
    }
    if ((policies & SRIOVNIC_SYNTH_POLICY_ROUTER_GUARD) && is_router_message(frame, *up, v6)) {
        return SRIOVNIC_SYNTH_POLICY_ROUTER_GUARD;
    }
    if ((policies & SRIOVNIC_SYNTH_POLICY_DHCP_GUARD) && is_dhcp_server_message(frame, *up, v6)) {
        return SRIOVNIC_SYNTH_POLICY_DHCP_GUARD;
    }
    return std::nullopt;
}

const char *port_policy_name(uint32_t policy)
{
    switch (policy) {
    case SRIOVNIC_SYNTH_POLICY_ROUTER_GUARD: return "router-guard";
    case SRIOVNIC_SYNTH_POLICY_DHCP_GUARD: return "dhcp-guard";
    default: return "unknown";
    }
}

std::string port_policy_names(uint32_t policies)
{
    std::string names;
    for (uint32_t bit = 1; bit & SRIOVNIC_SYNTH_POLICY_ALL; bit <<= 1) {
        if (policies & bit) {
            if (!names.empty()) {
                names += '+';
            }
            names += port_policy_name(bit);
        }
    }
    return names;
}

} // namespace sriovnic::synth
