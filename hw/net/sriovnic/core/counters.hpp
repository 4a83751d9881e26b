// SPDX-License-Identifier: GPL-2.0-or-later
// Where a function's counters are in its register BAR (SRIOVNIC_REG_STAT):
// counters 0..15 at STAT_BASE, 16 and up at STAT_BASE2 (interface 1.5).
#pragma once

#include "sriovnic/regs.h"

#include <cstdint>
#include <optional>

namespace sriovnic {

// The counter whose low or high word is at `offset`.
inline std::optional<unsigned> stat_at(uint32_t offset)
{
    constexpr uint32_t base_end = SRIOVNIC_REG_STAT_BASE + 8 * SRIOVNIC_STATS_IN_BASE;
    constexpr uint32_t base2_end =
        SRIOVNIC_REG_STAT_BASE2 + 8 * (SRIOVNIC_NUM_STATS - SRIOVNIC_STATS_IN_BASE);
    if (offset >= SRIOVNIC_REG_STAT_BASE && offset < base_end) {
        return (offset - SRIOVNIC_REG_STAT_BASE) / 8;
    }
    if (offset >= SRIOVNIC_REG_STAT_BASE2 && offset < base2_end) {
        return SRIOVNIC_STATS_IN_BASE + (offset - SRIOVNIC_REG_STAT_BASE2) / 8;
    }
    return std::nullopt;
}

} // namespace sriovnic
