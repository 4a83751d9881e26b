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

void forward(uint16_t src, const FrameInfo &info, std::span<const PortView> ports,
             std::vector<uint16_t> &dests)
{
    dests.clear();
    const bool from_uplink = src == kUplinkPort;
    if (is_multicast(info.dst)) {
        const bool bcast = is_broadcast(info.dst);
        const uint64_t bucket = uint64_t(1) << mc_hash_bucket(info.dst);
        for (uint16_t fn = 0; fn < ports.size(); fn++) {
            const PortView &p = ports[fn];
            if (fn == src || !p.receiving) {
                continue;
            }
            if (bcast || p.promisc || p.allmulti || (p.mc_hash & bucket)) {
                dests.push_back(fn);
            }
        }
        if (!from_uplink) {
            dests.push_back(kUplinkPort);
        }
        return;
    }
    for (uint16_t fn = 0; fn < ports.size(); fn++) {
        if (fn != src && ports[fn].mac == info.dst && !is_zero(ports[fn].mac)) {
            if (ports[fn].receiving) {
                dests.push_back(fn);
            }
            return; // known unicast stays inside the card
        }
    }
    for (uint16_t fn = 0; fn < ports.size(); fn++) {
        if (fn != src && ports[fn].receiving && ports[fn].promisc) {
            dests.push_back(fn);
        }
    }
    if (!from_uplink) {
        dests.push_back(kUplinkPort);
    }
}

} // namespace sriovnic
