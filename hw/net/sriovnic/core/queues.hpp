// SPDX-License-Identifier: GPL-2.0-or-later
// Queue-pair register semantics that need no DMA: ring geometry, enable
// checks, register reads and writes, and validation of migrated state. What
// a write sets in motion (transmit, interrupts) is for the caller to do.
#pragma once

#include "sriovnic-core.h"

#include <cstdint>
#include <optional>
#include <string>

namespace sriovnic::queues {

inline bool valid_ring_len(uint32_t len)
{
    return len >= SRIOVNIC_RING_MIN && len <= SRIOVNIC_RING_MAX && (len & (len - 1)) == 0;
}

inline uint64_t tx_base(const SriovnicQueueRegs &q) { return uint64_t(q.tx_base_hi) << 32 | q.tx_base_lo; }
inline uint64_t rx_base(const SriovnicQueueRegs &q) { return uint64_t(q.rx_base_hi) << 32 | q.rx_base_lo; }

inline bool tx_enabled(const SriovnicQueueRegs &q) { return q.tx_ctrl & SRIOVNIC_QCTRL_ENABLE; }
inline bool rx_enabled(const SriovnicQueueRegs &q) { return q.rx_ctrl & SRIOVNIC_QCTRL_ENABLE; }

// Whether the TX (or RX) half may be enabled with its current geometry.
bool tx_config_ok(const SriovnicQueueRegs &q);
bool rx_config_ok(const SriovnicQueueRegs &q);

// After migration: refuse state the device could never have produced.
std::optional<std::string> validate(const SriovnicQueueRegs &q);

// `reg` is the offset in the pair's register window (SRIOVNIC_Q_*).
std::optional<uint32_t> read(const SriovnicQueueRegs &q, uint32_t reg);

struct WriteOutcome {
    enum class Result { done, read_only, unmapped, bad_value, bad_queue } result;
    enum class Then {
        nothing,
        tx_enable_changed, // and the ring was reset if it came on
        rx_enable_changed,
        tx_posted,         // TX doorbell: process the ring
        rx_posted,         // RX doorbell: buffers are there
        itr_changed,       // a held interrupt may be due now
        irq_unmasked,
    } then;
};
WriteOutcome write(SriovnicQueueRegs &q, uint32_t reg, uint32_t value);

} // namespace sriovnic::queues
