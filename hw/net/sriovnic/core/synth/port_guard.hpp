// SPDX-License-Identifier: GPL-2.0-or-later
// Port policies of a synthetic channel (SRIOVNIC_SYNTH_POLICY_*): guards
// that only the synthetic path applies to the frames the guest sends, in the
// manner of Hyper-V's RouterGuard and DhcpGuard.
#pragma once

#include "frame.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace sriovnic::synth {

// The policy among `policies` that drops this frame from the guest, if any:
//   router-guard: ICMPv6 Router Advertisement (134) and Redirect (137),
//                 ICMP Redirect (5) and Router Advertisement (9);
//   dhcp-guard:   UDP from port 67 over IPv4, from port 547 over IPv6.
// IPv6 extension headers are followed; a fragment other than the first has
// no L4 header to judge and passes.
std::optional<uint32_t> guard_match(std::span<const uint8_t> frame, const FrameInfo &info,
                                    uint32_t policies);

// "router-guard", "dhcp-guard" for one SRIOVNIC_SYNTH_POLICY_* bit.
const char *port_policy_name(uint32_t policy);

// The names of the policies set, joined with '+' ("" for none).
std::string port_policy_names(uint32_t policies);

} // namespace sriovnic::synth
