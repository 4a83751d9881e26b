// SPDX-License-Identifier: GPL-2.0-or-later
// Queue-pair register semantics that need no DMA: ring geometry, enable
// checks and validation of migrated state.
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

} // namespace sriovnic::queues
