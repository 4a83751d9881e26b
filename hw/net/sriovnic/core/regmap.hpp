// SPDX-License-Identifier: GPL-2.0-or-later
// Where a register access lands: decoded once into a typed target, then
// read and write each dispatch on it (docs/hardware-interface.md, the
// register map).
#pragma once

#include "sriovnic/regs.h"

#include <cstdint>

namespace sriovnic {

// What the decoder needs to know about the accessed function.
struct RegLayout {
    bool is_vf;
    uint32_t regs_size;
    uint8_t queue_pairs;
    uint16_t total_vfs; // the PF's; windows sized by it
};

struct RegTarget {
    enum class Block {
        bad_access,  // not an aligned 32-bit access
        outside,     // beyond the register BAR
        unmapped,    // in a window, but no register there
        common,      // PF and VF: identity, control, interrupts, errors, filters, counters
        pf,          // PF only: SR-IOV and the selected VF's filters
        queue,       // queue pair `index`, `reg` = offset in the pair's window
        vf_mailbox,  // VF only: its side of the mailbox
        admin,       // PF only: administration of VF `index`, `reg` = offset in its window
        pf_mailbox,  // PF only: its side of VF `index`'s mailbox, `reg` = offset in its window
    };
    Block block;
    uint32_t offset; // the access offset (modulo the BAR for bad accesses)
    uint32_t reg;
    uint16_t index;
};

namespace regmap_detail {

inline constexpr uint32_t kQueueWindowEnd =
    SRIOVNIC_REG_QUEUE_BASE + SRIOVNIC_MAX_QUEUE_PAIRS * SRIOVNIC_REG_QUEUE_STRIDE;
inline constexpr uint32_t kPfWindowBase = SRIOVNIC_REG_PF_TOTAL_VFS;
inline constexpr uint32_t kPfWindowEnd = 0x0140;

inline bool within(uint32_t offset, uint32_t base, uint32_t end)
{
    return offset >= base && offset < end;
}

} // namespace regmap_detail

// Inline: every register access of the data path goes through it.
inline RegTarget decode_register(const RegLayout &layout, uint64_t offset, unsigned size)
{
    using B = RegTarget::Block;
    using namespace regmap_detail;
    if (size != 4 || (offset & 3)) {
        return {B::bad_access, uint32_t(offset % layout.regs_size), 0, 0};
    }
    if (offset >= layout.regs_size) {
        return {B::outside, 0, 0, 0};
    }
    const auto off = uint32_t(offset);
    if (within(off, SRIOVNIC_REG_QUEUE_BASE, kQueueWindowEnd)) {
        const uint32_t rel = off - SRIOVNIC_REG_QUEUE_BASE;
        const auto q = uint16_t(rel / SRIOVNIC_REG_QUEUE_STRIDE);
        if (q >= layout.queue_pairs) {
            return {B::unmapped, off, off, 0};
        }
        return {B::queue, off, rel % SRIOVNIC_REG_QUEUE_STRIDE, q};
    }
    if (layout.is_vf) {
        if (within(off, SRIOVNIC_REG_MBX_BASE, SRIOVNIC_REG_MBX_PF_MSG(SRIOVNIC_MBX_WORDS))) {
            return {B::vf_mailbox, off, off, 0};
        }
        return {B::common, off, off, 0};
    }
    const uint32_t vfs = layout.total_vfs;
    if (within(off, SRIOVNIC_REG_ADMIN_BASE,
               SRIOVNIC_REG_ADMIN_BASE + vfs * SRIOVNIC_REG_ADMIN_STRIDE)) {
        const uint32_t rel = off - SRIOVNIC_REG_ADMIN_BASE;
        return {B::admin, off, rel % SRIOVNIC_REG_ADMIN_STRIDE,
                uint16_t(rel / SRIOVNIC_REG_ADMIN_STRIDE)};
    }
    if (within(off, SRIOVNIC_REG_PF_MBX_BASE,
               SRIOVNIC_REG_PF_MBX_BASE + vfs * SRIOVNIC_REG_PF_MBX_STRIDE)) {
        const uint32_t rel = off - SRIOVNIC_REG_PF_MBX_BASE;
        return {B::pf_mailbox, off, rel % SRIOVNIC_REG_PF_MBX_STRIDE,
                uint16_t(rel / SRIOVNIC_REG_PF_MBX_STRIDE)};
    }
    if (within(off, kPfWindowBase, kPfWindowEnd)) {
        return {B::pf, off, off, 0};
    }
    return {B::common, off, off, 0};
}

} // namespace sriovnic
