// SPDX-License-Identifier: GPL-2.0-or-later
// Parsing of the Ethernet, IP and L4 headers the device looks at. Views only:
// nothing here allocates or copies.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace sriovnic {

using MacAddr = std::array<uint8_t, 6>;

constexpr size_t kEthHeaderLen = 14;
constexpr size_t kVlanTagLen = 4;
constexpr uint16_t kEthTypeVlan = 0x8100;
constexpr uint16_t kEthTypeIpv4 = 0x0800;
constexpr uint16_t kEthTypeIpv6 = 0x86DD;
constexpr uint8_t kIpProtoTcp = 6;
constexpr uint8_t kIpProtoUdp = 17;

inline uint16_t load_be16(std::span<const uint8_t> b, size_t off)
{
    return uint16_t(b[off] << 8 | b[off + 1]);
}

inline uint32_t load_be32(std::span<const uint8_t> b, size_t off)
{
    return uint32_t(b[off]) << 24 | uint32_t(b[off + 1]) << 16 | uint32_t(b[off + 2]) << 8 |
           b[off + 3];
}

inline void store_be16(std::span<uint8_t> b, size_t off, uint16_t v)
{
    b[off] = uint8_t(v >> 8);
    b[off + 1] = uint8_t(v);
}

inline void store_be32(std::span<uint8_t> b, size_t off, uint32_t v)
{
    store_be16(b, off, uint16_t(v >> 16));
    store_be16(b, off + 2, uint16_t(v));
}

inline MacAddr mac_at(std::span<const uint8_t> frame, size_t off)
{
    MacAddr mac;
    for (size_t i = 0; i < mac.size(); i++) {
        mac[i] = frame[off + i];
    }
    return mac;
}

inline bool is_multicast(const MacAddr &mac) { return mac[0] & 1; }
inline bool is_broadcast(const MacAddr &mac)
{
    for (uint8_t b : mac) {
        if (b != 0xff) {
            return false;
        }
    }
    return true;
}
inline bool is_zero(const MacAddr &mac)
{
    for (uint8_t b : mac) {
        if (b) {
            return false;
        }
    }
    return true;
}

// What the device knows about a frame's headers. Offsets are from the start
// of the frame; absent layers are nullopt.
struct FrameInfo {
    MacAddr dst{};
    MacAddr src{};
    std::optional<uint16_t> vlan_tci;
    uint16_t ethertype = 0;
    size_t l3_offset = 0;
    std::optional<uint8_t> l4_proto; // TCP or UDP over IPv4/IPv6 without fragments
    size_t l4_offset = 0;
    bool ipv6 = false;
};

// Returns nullopt for frames shorter than an Ethernet header.
std::optional<FrameInfo> parse_frame(std::span<const uint8_t> frame);

// Flow hash for spreading receive traffic over queues (addresses and ports).
uint32_t flow_hash(std::span<const uint8_t> frame, const FrameInfo &info);

} // namespace sriovnic
