// SPDX-License-Identifier: GPL-2.0-or-later
// A MAC address in a LO/HI register pair: bytes 0..3 in LO (byte 0 in bits
// 7:0), bytes 4..5 in HI bits 15:0 (MAC_LO/MAC_HI, VFA_MAC_*, mailbox words).
#pragma once

#include "frame.hpp"

#include <cstdint>

namespace sriovnic::mac_regs {

inline uint32_t lo(const MacAddr &mac)
{
    return uint32_t(mac[0]) | uint32_t(mac[1]) << 8 | uint32_t(mac[2]) << 16 |
           uint32_t(mac[3]) << 24;
}

inline uint32_t hi(const MacAddr &mac) { return uint32_t(mac[4]) | uint32_t(mac[5]) << 8; }

inline MacAddr mac(uint32_t lo, uint32_t hi)
{
    return {uint8_t(lo), uint8_t(lo >> 8), uint8_t(lo >> 16), uint8_t(lo >> 24), uint8_t(hi),
            uint8_t(hi >> 8)};
}

} // namespace sriovnic::mac_regs
