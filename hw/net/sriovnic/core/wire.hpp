// SPDX-License-Identifier: GPL-2.0-or-later
// Structures the guest shares with the device through memory are
// little-endian by definition (include/sriovnic/desc.h). The core reads and
// writes them only through these codecs, which convert each field
// explicitly, never by copying memory into a C struct, so no result depends
// on the host's byte order.
// The shared structs serve for their size and field offsets only.
#pragma once

#include "sriovnic/desc.h"

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace sriovnic::wire {

// Explicit byte order: a load or store of the bytes as they are, swapped on a
// big-endian host (the unit tests also run on one).
template <typename T> T from_le(T v)
{
    if constexpr (std::endian::native == std::endian::big) {
        if constexpr (sizeof(T) == 2) {
            return T(__builtin_bswap16(v));
        } else if constexpr (sizeof(T) == 4) {
            return T(__builtin_bswap32(v));
        } else {
            return T(__builtin_bswap64(v));
        }
    }
    return v;
}

template <typename T> T load_le(const uint8_t *at)
{
    T v;
    std::memcpy(&v, at, sizeof(v));
    return from_le(v);
}

template <typename T> void store_le(uint8_t *at, T v)
{
    v = from_le(v); // the same swap both ways
    std::memcpy(at, &v, sizeof(v));
}

using DescBytes = std::array<uint8_t, SRIOVNIC_DESC_SIZE>;

// A transmit descriptor in host terms.
struct TxDesc {
    uint64_t addr = 0;
    uint16_t len = 0;
    uint16_t flags = 0;
    uint8_t csum_start = 0;
    uint8_t csum_offset = 0;
    uint16_t mss = 0;
};

inline TxDesc decode_tx(const DescBytes &b)
{
    TxDesc d;
    d.addr = load_le<uint64_t>(b.data() + offsetof(sriovnic_tx_desc, addr));
    d.len = load_le<uint16_t>(b.data() + offsetof(sriovnic_tx_desc, len));
    d.flags = load_le<uint16_t>(b.data() + offsetof(sriovnic_tx_desc, flags));
    d.csum_start = b[offsetof(sriovnic_tx_desc, csum_start)];
    d.csum_offset = b[offsetof(sriovnic_tx_desc, csum_offset)];
    d.mss = load_le<uint16_t>(b.data() + offsetof(sriovnic_tx_desc, mss));
    return d;
}

// The device's write-back into a transmit descriptor: its flags field.
constexpr size_t kTxWritebackOffset = offsetof(sriovnic_tx_desc, flags);
inline std::array<uint8_t, 2> encode_tx_writeback(uint16_t flags)
{
    std::array<uint8_t, 2> b{};
    store_le(b.data(), flags);
    return b;
}

inline uint64_t decode_rx_addr(const DescBytes &b)
{
    return load_le<uint64_t>(b.data() + offsetof(sriovnic_rx_desc, addr));
}

// The device's write-back into a receive descriptor: everything after addr.
struct RxWriteback {
    uint16_t len = 0;
    uint16_t flags = 0;
    uint16_t vlan_tci = 0;
};
constexpr size_t kRxWritebackOffset = offsetof(sriovnic_rx_desc, len);
constexpr size_t kRxWritebackLen = SRIOVNIC_DESC_SIZE - kRxWritebackOffset;
inline std::array<uint8_t, kRxWritebackLen> encode_rx_writeback(const RxWriteback &wb)
{
    std::array<uint8_t, kRxWritebackLen> b{}; // `reserved` reads 0
    store_le(b.data() + offsetof(sriovnic_rx_desc, len) - kRxWritebackOffset, wb.len);
    store_le(b.data() + offsetof(sriovnic_rx_desc, flags) - kRxWritebackOffset, wb.flags);
    store_le(b.data() + offsetof(sriovnic_rx_desc, vlan_tci) - kRxWritebackOffset, wb.vlan_tci);
    return b;
}

} // namespace sriovnic::wire
