// SPDX-License-Identifier: GPL-2.0-or-later
#include "frame.hpp"

namespace sriovnic {

std::optional<FrameInfo> parse_frame(std::span<const uint8_t> frame)
{
    if (frame.size() < kEthHeaderLen) {
        return std::nullopt;
    }
    FrameInfo info;
    info.dst = mac_at(frame, 0);
    info.src = mac_at(frame, 6);
    size_t off = 12;
    uint16_t type = load_be16(frame, off);
    if (type == kEthTypeVlan && frame.size() >= kEthHeaderLen + kVlanTagLen) {
        info.vlan_tci = load_be16(frame, off + 2);
        off += kVlanTagLen;
        type = load_be16(frame, off);
    }
    info.ethertype = type;
    info.l3_offset = off + 2;
    const size_t l3 = info.l3_offset;

    if (type == kEthTypeIpv4 && frame.size() >= l3 + 20) {
        const size_t ihl = size_t(frame[l3] & 0xF) * 4;
        const uint16_t frag = load_be16(frame, l3 + 6);
        const bool fragment = (frag & 0x3FFF) != 0; // MF or offset
        const uint8_t proto = frame[l3 + 9];
        if ((frame[l3] >> 4) == 4 && ihl >= 20 && frame.size() >= l3 + ihl && !fragment &&
            (proto == kIpProtoTcp || proto == kIpProtoUdp)) {
            info.l4_proto = proto;
            info.l4_offset = l3 + ihl;
        }
    } else if (type == kEthTypeIpv6 && frame.size() >= l3 + 40) {
        info.ipv6 = true;
        const uint8_t next = frame[l3 + 6];
        if ((frame[l3] >> 4) == 6 && (next == kIpProtoTcp || next == kIpProtoUdp)) {
            info.l4_proto = next;
            info.l4_offset = l3 + 40;
        }
    }
    if (info.l4_proto) {
        const size_t min_l4 = *info.l4_proto == kIpProtoTcp ? 20 : 8;
        if (frame.size() < info.l4_offset + min_l4) {
            info.l4_proto.reset();
        }
    }
    return info;
}

uint32_t flow_hash(std::span<const uint8_t> frame, const FrameInfo &info)
{
    // FNV-1a over source/destination addresses and ports: cheap and
    // deterministic; both directions of a flow need not hash alike.
    uint32_t h = 2166136261u;
    auto mix = [&h](std::span<const uint8_t> bytes) {
        for (uint8_t b : bytes) {
            h = (h ^ b) * 16777619u;
        }
    };
    if (info.ethertype == kEthTypeIpv4 && frame.size() >= info.l3_offset + 20) {
        mix(frame.subspan(info.l3_offset + 12, 8));
    } else if (info.ipv6 && frame.size() >= info.l3_offset + 40) {
        mix(frame.subspan(info.l3_offset + 8, 32));
    } else {
        mix(std::span<const uint8_t>(info.src));
    }
    if (info.l4_proto) {
        mix(frame.subspan(info.l4_offset, 4));
    }
    return h;
}

} // namespace sriovnic
