// SPDX-License-Identifier: GPL-2.0-or-later
// The embedded switch's forwarding decision: which ports a frame goes to.
#pragma once

#include "frame.hpp"

#include <cstdint>
#include <vector>

namespace sriovnic {

constexpr uint16_t kUplinkPort = 0xFFFF;

// What the switch needs to know about one function's port.
struct PortView {
    MacAddr mac{};
    bool receiving = false; // enabled, link up, has an enabled RX queue
    bool promisc = false;
    bool allmulti = false;
    uint64_t mc_hash = 0;
    uint16_t port_vid = 0; // 0: trunk (any frame); else only frames tagged with this VID
    const uint32_t *vlan_filter = nullptr; // trunk only: tagged frames need their VID's bit
};

// Multicast hash bucket of a MAC: the top 6 bits of its little-endian CRC-32
// (what Linux's ether_crc_le(6, addr) >> 26 gives).
unsigned mc_hash_bucket(const MacAddr &mac);

// Fills `dests` with the destinations of a frame from `src` (a function index
// or kUplinkPort). Traffic between functions stays inside the card (VEB).
// Does not allocate once `dests` has capacity for every port. Returns the
// function whose MAC the frame was for but whose port VLAN it is not on, if any.
std::optional<uint16_t> forward(uint16_t src, const FrameInfo &info,
                                std::span<const PortView> ports, std::vector<uint16_t> &dests);

} // namespace sriovnic
