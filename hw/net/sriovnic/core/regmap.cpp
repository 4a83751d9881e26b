// SPDX-License-Identifier: GPL-2.0-or-later
#include "regmap.hpp"

#include "sriovnic/regs.h"

namespace sriovnic {

namespace {

constexpr uint32_t kQueueWindowEnd =
    SRIOVNIC_REG_QUEUE_BASE + SRIOVNIC_MAX_QUEUE_PAIRS * SRIOVNIC_REG_QUEUE_STRIDE;
constexpr uint32_t kPfWindowBase = SRIOVNIC_REG_PF_TOTAL_VFS;
constexpr uint32_t kPfWindowEnd = 0x0140;

bool within(uint32_t offset, uint32_t base, uint32_t end) { return offset >= base && offset < end; }

} // namespace

RegTarget decode_register(const RegLayout &layout, uint64_t offset, unsigned size)
{
    using B = RegTarget::Block;
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
