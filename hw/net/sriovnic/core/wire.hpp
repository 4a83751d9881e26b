// SPDX-License-Identifier: GPL-2.0-or-later
// Structures the guest shares with the device through memory are
// little-endian by definition (include/sriovnic/desc.h). The core reads and
// writes them only through these byte-assembling codecs, never by copying
// memory into a C struct, so no result depends on the host's byte order.
// The shared structs serve for their size and field offsets only.
#pragma once

#include "sriovnic/desc.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace sriovnic::wire {

inline uint16_t load_le16(std::span<const uint8_t> b, size_t off)
{
    return uint16_t(b[off] | b[off + 1] << 8);
}
inline uint32_t load_le32(std::span<const uint8_t> b, size_t off)
{
    return uint32_t(load_le16(b, off)) | uint32_t(load_le16(b, off + 2)) << 16;
}
inline uint64_t load_le64(std::span<const uint8_t> b, size_t off)
{
    return uint64_t(load_le32(b, off)) | uint64_t(load_le32(b, off + 4)) << 32;
}
inline void store_le16(std::span<uint8_t> b, size_t off, uint16_t v)
{
    b[off] = uint8_t(v);
    b[off + 1] = uint8_t(v >> 8);
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
    d.addr = load_le64(b, offsetof(sriovnic_tx_desc, addr));
    d.len = load_le16(b, offsetof(sriovnic_tx_desc, len));
    d.flags = load_le16(b, offsetof(sriovnic_tx_desc, flags));
    d.csum_start = b[offsetof(sriovnic_tx_desc, csum_start)];
    d.csum_offset = b[offsetof(sriovnic_tx_desc, csum_offset)];
    d.mss = load_le16(b, offsetof(sriovnic_tx_desc, mss));
    return d;
}

// The device's write-back into a transmit descriptor: its flags field.
constexpr size_t kTxWritebackOffset = offsetof(sriovnic_tx_desc, flags);
inline std::array<uint8_t, 2> encode_tx_writeback(uint16_t flags)
{
    std::array<uint8_t, 2> b{};
    store_le16(b, 0, flags);
    return b;
}

inline uint64_t decode_rx_addr(const DescBytes &b)
{
    return load_le64(b, offsetof(sriovnic_rx_desc, addr));
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
    store_le16(b, offsetof(sriovnic_rx_desc, len) - kRxWritebackOffset, wb.len);
    store_le16(b, offsetof(sriovnic_rx_desc, flags) - kRxWritebackOffset, wb.flags);
    store_le16(b, offsetof(sriovnic_rx_desc, vlan_tci) - kRxWritebackOffset, wb.vlan_tci);
    return b;
}

} // namespace sriovnic::wire
