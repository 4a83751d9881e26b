// SPDX-License-Identifier: GPL-2.0-or-later
#include "eswitch.hpp"

namespace sriovnic {

unsigned mc_hash_bucket(const MacAddr &mac)
{
    uint32_t crc = 0xFFFFFFFF;
    for (uint8_t byte : mac) {
        for (int bit = 0; bit < 8; bit++) {
            const bool carry = (crc ^ (byte >> bit)) & 1;
            crc >>= 1;
            if (carry) {
                crc ^= 0xEDB88320;
            }
        }
    }
    return crc >> 26;
}

namespace {

bool on_port_vlan(const PortView &p, const FrameInfo &info)
{
    if (p.port_vid) {
        return info.vlan_tci && (*info.vlan_tci & 0xFFF) == p.port_vid;
    }
    if (p.vlan_filter && info.vlan_tci) {
        const unsigned vid = *info.vlan_tci & 0xFFF;
        return p.vlan_filter[vid / 32] & (1u << (vid % 32));
    }
    return true;
}

} // namespace

std::optional<uint16_t> forward(uint16_t src, const FrameInfo &info,
                                std::span<const PortView> ports, std::vector<uint16_t> &dests)
{
    dests.clear();
    const bool from_uplink = src == kUplinkPort;
    if (is_multicast(info.dst)) {
        const bool bcast = is_broadcast(info.dst);
        const uint64_t bucket = uint64_t(1) << mc_hash_bucket(info.dst);
        for (uint16_t fn = 0; fn < ports.size(); fn++) {
            const PortView &p = ports[fn];
            if (fn == src || !p.receiving || !on_port_vlan(p, info)) {
                continue;
            }
            if (bcast || p.promisc || p.allmulti || (p.mc_hash & bucket)) {
                dests.push_back(fn);
            }
        }
        if (!from_uplink) {
            dests.push_back(kUplinkPort);
        }
        return std::nullopt;
    }
    std::optional<uint16_t> filtered;
    for (uint16_t fn = 0; fn < ports.size(); fn++) {
        const PortView &p = ports[fn];
        if (fn == src || p.mac != info.dst || is_zero(p.mac)) {
            continue;
        }
        if (!on_port_vlan(p, info)) {
            filtered = fn;
            continue;
        }
        if (p.receiving) {
            dests.push_back(fn);
        }
        return std::nullopt; // known unicast stays inside the card
    }
    for (uint16_t fn = 0; fn < ports.size(); fn++) {
        const PortView &p = ports[fn];
        if (fn != src && p.receiving && p.promisc && on_port_vlan(p, info)) {
            dests.push_back(fn);
        }
    }
    if (!from_uplink) {
        dests.push_back(kUplinkPort);
    }
    return filtered;
}

} // namespace sriovnic
