// SPDX-License-Identifier: GPL-2.0-or-later
// Descriptors as a guest lays them out in its memory: little-endian, byte by
// byte, at the offsets docs/hardware-interface.md gives, whatever the host's
// byte order. Written without the device's codecs (wire.hpp), so each checks
// the other, and so that the unit tests also run on a big-endian host.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace sriovnic::test {

struct TxDescFields {
    uint64_t addr = 0;
    uint16_t len = 0;
    uint16_t flags = 0;
    uint8_t csum_start = 0;
    uint8_t csum_offset = 0;
    uint16_t mss = 0;
};

struct RxDescFields {
    uint64_t addr = 0;
    uint16_t len = 0;
    uint16_t flags = 0;
    uint16_t vlan_tci = 0;
    uint16_t reserved = 0;
};

inline void put_le(std::vector<uint8_t> &mem, uint64_t at, uint64_t value, unsigned bytes)
{
    for (unsigned i = 0; i < bytes; i++) {
        mem.at(at + i) = uint8_t(value >> (8 * i));
    }
}

inline uint64_t get_le(const std::vector<uint8_t> &mem, uint64_t at, unsigned bytes)
{
    uint64_t value = 0;
    for (unsigned i = 0; i < bytes; i++) {
        value |= uint64_t(mem.at(at + i)) << (8 * i);
    }
    return value;
}

inline void store_tx(std::vector<uint8_t> &mem, uint64_t at, const TxDescFields &d)
{
    put_le(mem, at, d.addr, 8);
    put_le(mem, at + 8, d.len, 2);
    put_le(mem, at + 10, d.flags, 2);
    put_le(mem, at + 12, d.csum_start, 1);
    put_le(mem, at + 13, d.csum_offset, 1);
    put_le(mem, at + 14, d.mss, 2);
}

inline TxDescFields load_tx(const std::vector<uint8_t> &mem, uint64_t at)
{
    TxDescFields d;
    d.addr = get_le(mem, at, 8);
    d.len = uint16_t(get_le(mem, at + 8, 2));
    d.flags = uint16_t(get_le(mem, at + 10, 2));
    d.csum_start = uint8_t(get_le(mem, at + 12, 1));
    d.csum_offset = uint8_t(get_le(mem, at + 13, 1));
    d.mss = uint16_t(get_le(mem, at + 14, 2));
    return d;
}

inline void store_rx(std::vector<uint8_t> &mem, uint64_t at, const RxDescFields &d)
{
    put_le(mem, at, d.addr, 8);
    put_le(mem, at + 8, d.len, 2);
    put_le(mem, at + 10, d.flags, 2);
    put_le(mem, at + 12, d.vlan_tci, 2);
    put_le(mem, at + 14, d.reserved, 2);
}

inline RxDescFields load_rx(const std::vector<uint8_t> &mem, uint64_t at)
{
    RxDescFields d;
    d.addr = get_le(mem, at, 8);
    d.len = uint16_t(get_le(mem, at + 8, 2));
    d.flags = uint16_t(get_le(mem, at + 10, 2));
    d.vlan_tci = uint16_t(get_le(mem, at + 12, 2));
    d.reserved = uint16_t(get_le(mem, at + 14, 2));
    return d;
}

} // namespace sriovnic::test
