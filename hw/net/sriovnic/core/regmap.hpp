// SPDX-License-Identifier: GPL-2.0-or-later
// Where a register access lands: decoded once into a typed target (the
// owner, the owner's register, the queue pair or VF and the array element it
// concerns), then read and write each dispatch on it with one switch per
// owner (docs/hardware-interface.md, the register map; docs/design-notes.md).
// The tables behind the decoder are built from include/sriovnic/regs.h, the
// one definition of the offsets.
#pragma once

#include "reg_window.hpp"
#include "sriovnic/regs.h"

#include <cstdint>

namespace sriovnic {

// The register file every function has (the synthetic one too): identity,
// control, receive filter, counters.
enum class FnReg : uint8_t {
    id, version, caps, func, ctrl, status, scratch,
    mac_lo, mac_hi, mtu, rx_mode, mc_hash_lo, mc_hash_hi,
    stat_lo, stat_hi, // element: the counter (SRIOVNIC_STAT_*)
};

// The interrupt-cause and error-latch registers, which behave alike on every
// function (cause_regs.hpp).
enum class CauseReg : uint8_t {
    int_cause, int_enable_set, int_enable_clr, int_cause_set, misc_vector,
    err_cause, err_count, err_addr,
};

// PF only: SR-IOV state and the registers that act on the selected VF.
enum class PfReg : uint8_t { total_vfs, active_vfs, vf_select, vlan_filter, vf_mc_hash_lo, vf_mc_hash_hi };

// A queue pair's window (SRIOVNIC_Q_*).
enum class QueueReg : uint8_t {
    tx_base_lo, tx_base_hi, tx_len, tx_head, tx_tail, tx_ctrl,
    rx_base_lo, rx_base_hi, rx_len, rx_head, rx_tail, rx_ctrl, rx_buf_len,
    irq, rx_nobuf, itr,
};

// A VF's administration window (SRIOVNIC_VFA_*), but for its mailbox control.
enum class AdminReg : uint8_t {
    mac_lo, mac_hi, vlan, flags, rate, tx_dropped, rx_dropped,
    counter_lo, counter_hi, // element: the VF's counter (SRIOVNIC_STAT_*)
};

// The VF's side of its mailbox (SRIOVNIC_REG_MBX_*).
enum class VfMailboxReg : uint8_t {
    vf_msg, pf_msg, // element: the message word
    ctrl, status, bad_requests, bad_replies, late_replies, dup_replies,
};

// The PF's side of the mailboxes: a VF's message window, its control in the
// administration window (SRIOVNIC_VFA_MBX_CTRL) and the pending bitmap.
enum class PfMailboxReg : uint8_t {
    vf_msg, pf_msg, // element: the message word
    ctrl,
    pending, // element: the bitmap word (SRIOVNIC_REG_PF_MBX_PENDING)
};

// What the decoder needs to know about the accessed function.
struct RegLayout {
    bool is_vf;
    uint32_t regs_size;
    uint8_t queue_pairs;
    uint16_t total_vfs; // the PF's; windows sized by it
};

struct RegTarget {
    enum class Block : uint8_t {
        unmapped,    // in the BAR, but no register there (first: an empty table slot)
        bad_access,  // not an aligned 32-bit access
        outside,     // beyond the register BAR
        common,      // FnReg: PF and VF
        causes,      // CauseReg: PF and VF
        pf,          // PfReg: PF only
        queue,       // QueueReg of queue pair `index`
        vf_mailbox,  // VfMailboxReg: VF only
        admin,       // AdminReg of VF `index`: PF only
        pf_mailbox,  // PfMailboxReg of VF `index`: PF only
    };
    Block block;
    uint32_t offset;     // the access offset (modulo the BAR for bad accesses)
    uint16_t index = 0;  // queue pair or VF
    uint8_t element = 0; // in a register array
    uint8_t reg = 0;     // the block's register: read it through the accessor of the block

    FnReg fn() const { return FnReg(reg); }
    CauseReg cause() const { return CauseReg(reg); }
    PfReg pf() const { return PfReg(reg); }
    QueueReg queue() const { return QueueReg(reg); }
    AdminReg admin() const { return AdminReg(reg); }
    VfMailboxReg vf_mailbox() const { return VfMailboxReg(reg); }
    PfMailboxReg pf_mailbox() const { return PfMailboxReg(reg); }
};

namespace regmap_detail {

using B = RegTarget::Block;
static_assert(B{} == B::unmapped, "an empty table slot is the unknown register");

inline constexpr uint32_t kFunctionWindowEnd = SRIOVNIC_REG_STAT(SRIOVNIC_NUM_STATS - 1) + 8;
inline constexpr uint32_t kPfWindowBase = SRIOVNIC_REG_PF_TOTAL_VFS;
inline constexpr uint32_t kPfWindowEnd = SRIOVNIC_REG_PF_VF_MC_HASH_HI + 4;
inline constexpr uint32_t kVfMailboxEnd = SRIOVNIC_REG_MBX_PF_MSG(SRIOVNIC_MBX_WORDS);
inline constexpr uint32_t kQueueWindowEnd =
    SRIOVNIC_REG_QUEUE_BASE + SRIOVNIC_MAX_QUEUE_PAIRS * SRIOVNIC_REG_QUEUE_STRIDE;
static_assert(kPfWindowBase >= SRIOVNIC_REG_STAT(SRIOVNIC_STATS_IN_BASE - 1) + 8 &&
                  kPfWindowEnd <= SRIOVNIC_REG_STAT_BASE2,
              "the PF window lies between the two counter windows");
static_assert(kFunctionWindowEnd <= SRIOVNIC_REG_MBX_BASE && kVfMailboxEnd <= SRIOVNIC_REG_QUEUE_BASE &&
                  kQueueWindowEnd <= SRIOVNIC_REG_ADMIN_BASE,
              "windows in the order the decoder tries them");

// The common register file, at offsets 0 up to the second counter window.
inline constexpr auto kFunctionWindow = [] {
    RegWindow<B, kFunctionWindowEnd> w;
    const auto put = [&w](uint32_t offset, FnReg reg) { w.put(offset, B::common, reg); };
    const auto put_cause = [&w](uint32_t offset, CauseReg reg) { w.put(offset, B::causes, reg); };
    put(SRIOVNIC_REG_ID, FnReg::id);
    put(SRIOVNIC_REG_VERSION, FnReg::version);
    put(SRIOVNIC_REG_CAPS, FnReg::caps);
    put(SRIOVNIC_REG_FUNC, FnReg::func);
    put(SRIOVNIC_REG_CTRL, FnReg::ctrl);
    put(SRIOVNIC_REG_STATUS, FnReg::status);
    put(SRIOVNIC_REG_SCRATCH, FnReg::scratch);
    put_cause(SRIOVNIC_REG_INT_CAUSE, CauseReg::int_cause);
    put_cause(SRIOVNIC_REG_INT_ENABLE_SET, CauseReg::int_enable_set);
    put_cause(SRIOVNIC_REG_INT_ENABLE_CLR, CauseReg::int_enable_clr);
    put_cause(SRIOVNIC_REG_INT_CAUSE_SET, CauseReg::int_cause_set);
    put_cause(SRIOVNIC_REG_MISC_VECTOR, CauseReg::misc_vector);
    put_cause(SRIOVNIC_REG_ERR_CAUSE, CauseReg::err_cause);
    put_cause(SRIOVNIC_REG_ERR_COUNT, CauseReg::err_count);
    put_cause(SRIOVNIC_REG_ERR_ADDR, CauseReg::err_addr);
    put(SRIOVNIC_REG_MAC_LO, FnReg::mac_lo);
    put(SRIOVNIC_REG_MAC_HI, FnReg::mac_hi);
    put(SRIOVNIC_REG_MTU, FnReg::mtu);
    put(SRIOVNIC_REG_RX_MODE, FnReg::rx_mode);
    put(SRIOVNIC_REG_MC_HASH_LO, FnReg::mc_hash_lo);
    put(SRIOVNIC_REG_MC_HASH_HI, FnReg::mc_hash_hi);
    for (unsigned s = 0; s < SRIOVNIC_NUM_STATS; s++) {
        w.put(SRIOVNIC_REG_STAT(s), B::common, FnReg::stat_lo, s);
        w.put(SRIOVNIC_REG_STAT(s) + 4, B::common, FnReg::stat_hi, s);
    }
    return w;
}();
static_assert(kFunctionWindow.ok());

// The PF-only window, from kPfWindowBase.
inline constexpr auto kPfWindow = [] {
    RegWindow<B, kPfWindowEnd - kPfWindowBase> w;
    const auto put = [&w](uint32_t offset, PfReg reg) { w.put(offset - kPfWindowBase, B::pf, reg); };
    put(SRIOVNIC_REG_PF_TOTAL_VFS, PfReg::total_vfs);
    put(SRIOVNIC_REG_PF_ACTIVE_VFS, PfReg::active_vfs);
    put(SRIOVNIC_REG_PF_VF_SELECT, PfReg::vf_select);
    put(SRIOVNIC_REG_PF_VLAN_FILTER, PfReg::vlan_filter);
    put(SRIOVNIC_REG_PF_VF_MC_HASH_LO, PfReg::vf_mc_hash_lo);
    put(SRIOVNIC_REG_PF_VF_MC_HASH_HI, PfReg::vf_mc_hash_hi);
    w.put_array(SRIOVNIC_REG_PF_MBX_PENDING(0) - kPfWindowBase, 4,
                (SRIOVNIC_MAX_VFS + 31) / 32, B::pf_mailbox, PfMailboxReg::pending);
    return w;
}();
static_assert(kPfWindow.ok());

// The VF's mailbox, from SRIOVNIC_REG_MBX_BASE.
inline constexpr auto kVfMailboxWindow = [] {
    RegWindow<B, kVfMailboxEnd - SRIOVNIC_REG_MBX_BASE> w;
    const auto put = [&w](uint32_t offset, VfMailboxReg reg) {
        w.put(offset - SRIOVNIC_REG_MBX_BASE, B::vf_mailbox, reg);
    };
    w.put_array(SRIOVNIC_REG_MBX_VF_MSG(0) - SRIOVNIC_REG_MBX_BASE, 4, SRIOVNIC_MBX_WORDS,
                B::vf_mailbox, VfMailboxReg::vf_msg);
    w.put_array(SRIOVNIC_REG_MBX_PF_MSG(0) - SRIOVNIC_REG_MBX_BASE, 4, SRIOVNIC_MBX_WORDS,
                B::vf_mailbox, VfMailboxReg::pf_msg);
    put(SRIOVNIC_REG_MBX_CTRL, VfMailboxReg::ctrl);
    put(SRIOVNIC_REG_MBX_STATUS, VfMailboxReg::status);
    put(SRIOVNIC_REG_MBX_BAD_REQUESTS, VfMailboxReg::bad_requests);
    put(SRIOVNIC_REG_MBX_BAD_REPLIES, VfMailboxReg::bad_replies);
    put(SRIOVNIC_REG_MBX_LATE_REPLIES, VfMailboxReg::late_replies);
    put(SRIOVNIC_REG_MBX_DUP_REPLIES, VfMailboxReg::dup_replies);
    return w;
}();
static_assert(kVfMailboxWindow.ok());

// One queue pair's window.
inline constexpr auto kQueueWindow = [] {
    RegWindow<B, SRIOVNIC_REG_QUEUE_STRIDE> w;
    const auto put = [&w](uint32_t offset, QueueReg reg) { w.put(offset, B::queue, reg); };
    put(SRIOVNIC_Q_TX_BASE_LO, QueueReg::tx_base_lo);
    put(SRIOVNIC_Q_TX_BASE_HI, QueueReg::tx_base_hi);
    put(SRIOVNIC_Q_TX_LEN, QueueReg::tx_len);
    put(SRIOVNIC_Q_TX_HEAD, QueueReg::tx_head);
    put(SRIOVNIC_Q_TX_TAIL, QueueReg::tx_tail);
    put(SRIOVNIC_Q_TX_CTRL, QueueReg::tx_ctrl);
    put(SRIOVNIC_Q_RX_BASE_LO, QueueReg::rx_base_lo);
    put(SRIOVNIC_Q_RX_BASE_HI, QueueReg::rx_base_hi);
    put(SRIOVNIC_Q_RX_LEN, QueueReg::rx_len);
    put(SRIOVNIC_Q_RX_HEAD, QueueReg::rx_head);
    put(SRIOVNIC_Q_RX_TAIL, QueueReg::rx_tail);
    put(SRIOVNIC_Q_RX_CTRL, QueueReg::rx_ctrl);
    put(SRIOVNIC_Q_RX_BUF_LEN, QueueReg::rx_buf_len);
    put(SRIOVNIC_Q_IRQ, QueueReg::irq);
    put(SRIOVNIC_Q_RX_NOBUF, QueueReg::rx_nobuf);
    put(SRIOVNIC_Q_ITR, QueueReg::itr);
    return w;
}();
static_assert(kQueueWindow.ok());

// One VF's administration window; its mailbox control is the mailbox's.
inline constexpr auto kAdminWindow = [] {
    RegWindow<B, SRIOVNIC_REG_ADMIN_STRIDE> w;
    const auto put = [&w](uint32_t offset, AdminReg reg) { w.put(offset, B::admin, reg); };
    const auto put_counter = [&w](uint32_t offset, unsigned stat) {
        w.put(offset, B::admin, AdminReg::counter_lo, stat);
        w.put(offset + 4, B::admin, AdminReg::counter_hi, stat);
    };
    put(SRIOVNIC_VFA_MAC_LO, AdminReg::mac_lo);
    put(SRIOVNIC_VFA_MAC_HI, AdminReg::mac_hi);
    put(SRIOVNIC_VFA_VLAN, AdminReg::vlan);
    put(SRIOVNIC_VFA_FLAGS, AdminReg::flags);
    put(SRIOVNIC_VFA_RATE, AdminReg::rate);
    w.put(SRIOVNIC_VFA_MBX_CTRL, B::pf_mailbox, PfMailboxReg::ctrl);
    put(SRIOVNIC_VFA_TX_DROPPED, AdminReg::tx_dropped);
    put(SRIOVNIC_VFA_RX_DROPPED, AdminReg::rx_dropped);
    put_counter(SRIOVNIC_VFA_RX_PACKETS, SRIOVNIC_STAT_RX_PACKETS);
    put_counter(SRIOVNIC_VFA_RX_BYTES, SRIOVNIC_STAT_RX_BYTES);
    put_counter(SRIOVNIC_VFA_TX_PACKETS, SRIOVNIC_STAT_TX_PACKETS);
    put_counter(SRIOVNIC_VFA_TX_BYTES, SRIOVNIC_STAT_TX_BYTES);
    return w;
}();
static_assert(kAdminWindow.ok());

// The PF's side of one VF's mailbox.
inline constexpr auto kPfMailboxWindow = [] {
    RegWindow<B, SRIOVNIC_REG_PF_MBX_STRIDE> w;
    const uint32_t base = SRIOVNIC_REG_PF_MBX_BASE;
    w.put_array(SRIOVNIC_REG_PF_MBX_VF_MSG(0, 0) - base, 4, SRIOVNIC_MBX_WORDS, B::pf_mailbox,
                PfMailboxReg::vf_msg);
    w.put_array(SRIOVNIC_REG_PF_MBX_PF_MSG(0, 0) - base, 4, SRIOVNIC_MBX_WORDS, B::pf_mailbox,
                PfMailboxReg::pf_msg);
    return w;
}();
static_assert(kPfMailboxWindow.ok());

inline bool within(uint32_t offset, uint32_t base, uint32_t end)
{
    return offset >= base && offset < end;
}

template <uint32_t Bytes>
inline RegTarget look_up(const RegWindow<B, Bytes> &window, uint32_t rel, uint32_t offset,
                         uint16_t index = 0)
{
    const RegSlot<B> &slot = window.at(rel);
    return {slot.block, offset, index, slot.element, slot.reg};
}

} // namespace regmap_detail

// Inline: every register access of the data path goes through it.
inline RegTarget decode_register(const RegLayout &layout, uint64_t offset, unsigned size)
{
    using namespace regmap_detail;
    if (size != 4 || (offset & 3)) {
        return {B::bad_access, uint32_t(offset % layout.regs_size)};
    }
    if (offset >= layout.regs_size) {
        return {B::outside, 0};
    }
    const auto off = uint32_t(offset);
    if (within(off, SRIOVNIC_REG_QUEUE_BASE, kQueueWindowEnd)) {
        const uint32_t rel = off - SRIOVNIC_REG_QUEUE_BASE;
        const auto q = uint16_t(rel / SRIOVNIC_REG_QUEUE_STRIDE);
        if (q >= layout.queue_pairs) {
            return {B::unmapped, off};
        }
        return look_up(kQueueWindow, rel % SRIOVNIC_REG_QUEUE_STRIDE, off, q);
    }
    if (layout.is_vf) {
        if (within(off, SRIOVNIC_REG_MBX_BASE, kVfMailboxEnd)) {
            return look_up(kVfMailboxWindow, off - SRIOVNIC_REG_MBX_BASE, off);
        }
    } else {
        const uint32_t vfs = layout.total_vfs;
        if (within(off, SRIOVNIC_REG_ADMIN_BASE,
                   SRIOVNIC_REG_ADMIN_BASE + vfs * SRIOVNIC_REG_ADMIN_STRIDE)) {
            const uint32_t rel = off - SRIOVNIC_REG_ADMIN_BASE;
            return look_up(kAdminWindow, rel % SRIOVNIC_REG_ADMIN_STRIDE, off,
                           uint16_t(rel / SRIOVNIC_REG_ADMIN_STRIDE));
        }
        if (within(off, SRIOVNIC_REG_PF_MBX_BASE,
                   SRIOVNIC_REG_PF_MBX_BASE + vfs * SRIOVNIC_REG_PF_MBX_STRIDE)) {
            const uint32_t rel = off - SRIOVNIC_REG_PF_MBX_BASE;
            return look_up(kPfMailboxWindow, rel % SRIOVNIC_REG_PF_MBX_STRIDE, off,
                           uint16_t(rel / SRIOVNIC_REG_PF_MBX_STRIDE));
        }
        if (within(off, kPfWindowBase, kPfWindowEnd)) {
            return look_up(kPfWindow, off - kPfWindowBase, off);
        }
    }
    if (off < kFunctionWindowEnd) {
        return look_up(kFunctionWindow, off, off);
    }
    return {B::unmapped, off};
}

} // namespace sriovnic
