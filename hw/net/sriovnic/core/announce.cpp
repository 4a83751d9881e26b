// SPDX-License-Identifier: GPL-2.0-or-later
#include "announce.hpp"

#include "eswitch.hpp"

#include <algorithm>

namespace sriovnic {

namespace {

constexpr uint16_t kEthTypeRarp = 0x8035;
constexpr size_t kMinFrameLen = 60; // without the FCS
constexpr uint16_t kArpHwEthernet = 1;
constexpr uint16_t kRarpRequestReverse = 3;

} // namespace

std::vector<uint8_t> rarp_announcement(const MacAddr &mac, uint16_t vid)
{
    std::vector<uint8_t> f(kEthHeaderLen + (vid ? kVlanTagLen : 0));
    std::fill_n(f.begin(), 6, uint8_t(0xff));
    std::copy(mac.begin(), mac.end(), f.begin() + 6);
    size_t at = 12;
    if (vid) {
        store_be16(f, at, kEthTypeVlan);
        store_be16(f, at + 2, vid);
        at += kVlanTagLen;
    }
    store_be16(f, at, kEthTypeRarp);
    // htype, ptype, hlen, plen, op; sender and target hardware address =
    // the MAC, protocol addresses 0.0.0.0.
    std::vector<uint8_t> rarp(28);
    store_be16(rarp, 0, kArpHwEthernet);
    store_be16(rarp, 2, kEthTypeIpv4);
    rarp[4] = 6;
    rarp[5] = 4;
    store_be16(rarp, 6, kRarpRequestReverse);
    std::copy(mac.begin(), mac.end(), rarp.begin() + 8);
    std::copy(mac.begin(), mac.end(), rarp.begin() + 18);
    f.insert(f.end(), rarp.begin(), rarp.end());
    f.resize(std::max(f.size(), kMinFrameLen + (vid ? kVlanTagLen : 0)));
    return f;
}

std::vector<Announcement> announcements(std::span<const PortView> ports, const MacAddr &own)
{
    std::vector<Announcement> out;
    for (const PortView &p : ports) {
        if (!p.receiving || is_zero(p.mac) || is_multicast(p.mac) || p.mac == own) {
            continue;
        }
        const bool seen = std::any_of(out.begin(), out.end(), [&](const Announcement &a) {
            return a.mac == p.mac && a.vid == p.port_vid;
        });
        if (!seen) {
            out.push_back({p.mac, p.port_vid});
        }
    }
    return out;
}

} // namespace sriovnic
