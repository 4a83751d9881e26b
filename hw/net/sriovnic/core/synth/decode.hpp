// SPDX-License-Identifier: GPL-2.0-or-later
// The synthetic function's register decoder: one function maps an access
// (offset and size) to a typed register of its owner, used alike by the
// channel's read and write (docs/synthetic-channel.md, "Register map").
// Offsets come from include/sriovnic/synth.h and regs.h only.
#pragma once

#include "regmap.hpp"
#include "sriovnic/synth.h"

#include <cstdint>

namespace sriovnic::synth {

// The synthetic function's own registers, beside the common file (FnReg).
enum class SynthReg : uint8_t {
    dev_features, drv_features, features_ok, max_mtu, offloads, data_irq,
    stat_lo, stat_hi, // element: the synthetic counter (SRIOVNIC_SYNTH_STAT_*)
};

// A split ring's window (SRIOVNIC_SYNTH_QR_*).
enum class RingReg : uint8_t {
    desc_lo, desc_hi, avail_lo, avail_hi, used_lo, used_hi, size, enable, notify, avail_pos, used_pos,
};

struct SynthRegister {
    enum class Block : uint8_t {
        unmapped,   // in the BAR, but no register there (first: an empty table slot)
        bad_access, // not an aligned 32-bit access
        outside,    // beyond the register BAR
        common,     // FnReg: the register file every function has
        causes,     // CauseReg: its interrupt causes and error latch
        synth,      // SynthReg
        datapath,   // SRIOVNIC_SYNTH_REG_DATAPATH: the channel's
        ring,       // RingReg of ring `index`
    };
    Block block;
    uint32_t offset;     // the access offset; for a bad access, only if inside the BAR
    bool offset_in_bar = true;
    uint8_t index = 0;   // the ring
    uint8_t element = 0; // in a register array
    uint8_t reg = 0;     // the block's register: read it through the accessor of the block

    FnReg fn() const { return FnReg(reg); }
    CauseReg cause() const { return CauseReg(reg); }
    SynthReg synth() const { return SynthReg(reg); }
    RingReg ring() const { return RingReg(reg); }
};

namespace synth_regmap_detail {

using B = SynthRegister::Block;
static_assert(B{} == B::unmapped, "an empty table slot is the unknown register");

inline constexpr uint32_t kSynthWindowBase = SRIOVNIC_SYNTH_REG_DEV_FEATURES;
inline constexpr uint32_t kSynthWindowEnd = SRIOVNIC_SYNTH_REG_STAT(SRIOVNIC_SYNTH_NUM_STATS);
inline constexpr uint32_t kRingWindowEnd = SRIOVNIC_SYNTH_REG_QUEUE(SRIOVNIC_SYNTH_NUM_QUEUES, 0);
static_assert(kSynthWindowBase >= SRIOVNIC_REG_STAT(SRIOVNIC_STATS_IN_BASE - 1) + 8 &&
                  kSynthWindowEnd <= SRIOVNIC_SYNTH_REG_QUEUE_BASE &&
                  kRingWindowEnd <= SRIOVNIC_SYNTH_REGS_SIZE,
              "the synthetic window between the common file and the rings");

// From kSynthWindowBase: the synthetic registers and counters. The second
// window of the common counters lies between them (regmap.hpp's).
inline constexpr auto kSynthWindow = [] {
    RegWindow<B, kSynthWindowEnd - kSynthWindowBase> w;
    const auto put = [&w](uint32_t offset, B block, auto reg, unsigned element = 0) {
        w.put(offset - kSynthWindowBase, block, reg, element);
    };
    put(SRIOVNIC_SYNTH_REG_DEV_FEATURES, B::synth, SynthReg::dev_features);
    put(SRIOVNIC_SYNTH_REG_DRV_FEATURES, B::synth, SynthReg::drv_features);
    put(SRIOVNIC_SYNTH_REG_FEATURES_OK, B::synth, SynthReg::features_ok);
    put(SRIOVNIC_SYNTH_REG_MAX_MTU, B::synth, SynthReg::max_mtu);
    put(SRIOVNIC_SYNTH_REG_DATAPATH, B::datapath, 0);
    put(SRIOVNIC_SYNTH_REG_OFFLOADS, B::synth, SynthReg::offloads);
    put(SRIOVNIC_SYNTH_REG_DATA_IRQ, B::synth, SynthReg::data_irq);
    for (unsigned s = 0; s < SRIOVNIC_SYNTH_NUM_STATS; s++) {
        put(SRIOVNIC_SYNTH_REG_STAT(s), B::synth, SynthReg::stat_lo, s);
        put(SRIOVNIC_SYNTH_REG_STAT(s) + 4, B::synth, SynthReg::stat_hi, s);
    }
    return w;
}();
static_assert(kSynthWindow.ok());

// No offset is both a synthetic register and one of the common file.
inline constexpr bool kWindowsDisjoint = [] {
    for (uint32_t off = kSynthWindowBase; off < regmap_detail::kFunctionWindowEnd; off += 4) {
        if (kSynthWindow.at(off - kSynthWindowBase).block != B::unmapped &&
            regmap_detail::kFunctionWindow.at(off).block != RegTarget::Block::unmapped) {
            return false;
        }
    }
    return true;
}();
static_assert(kWindowsDisjoint);

inline constexpr auto kRingWindow = [] {
    RegWindow<B, SRIOVNIC_SYNTH_REG_QUEUE_STRIDE> w;
    const auto put = [&w](uint32_t offset, RingReg reg) { w.put(offset, B::ring, reg); };
    put(SRIOVNIC_SYNTH_QR_DESC_LO, RingReg::desc_lo);
    put(SRIOVNIC_SYNTH_QR_DESC_HI, RingReg::desc_hi);
    put(SRIOVNIC_SYNTH_QR_AVAIL_LO, RingReg::avail_lo);
    put(SRIOVNIC_SYNTH_QR_AVAIL_HI, RingReg::avail_hi);
    put(SRIOVNIC_SYNTH_QR_USED_LO, RingReg::used_lo);
    put(SRIOVNIC_SYNTH_QR_USED_HI, RingReg::used_hi);
    put(SRIOVNIC_SYNTH_QR_SIZE, RingReg::size);
    put(SRIOVNIC_SYNTH_QR_ENABLE, RingReg::enable);
    put(SRIOVNIC_SYNTH_QR_NOTIFY, RingReg::notify);
    put(SRIOVNIC_SYNTH_QR_AVAIL_POS, RingReg::avail_pos);
    put(SRIOVNIC_SYNTH_QR_USED_POS, RingReg::used_pos);
    return w;
}();
static_assert(kRingWindow.ok());

} // namespace synth_regmap_detail

inline SynthRegister decode_synth_register(uint64_t offset, unsigned size)
{
    using namespace synth_regmap_detail;
    const bool in_bar = offset < SRIOVNIC_SYNTH_REGS_SIZE;
    if (size != 4 || (offset & 3)) {
        return {B::bad_access, in_bar ? uint32_t(offset) : 0, in_bar};
    }
    if (!in_bar) {
        return {B::outside, 0, false};
    }
    const auto off = uint32_t(offset);
    const auto from = [off](const RegSlot<B> &slot, uint8_t index = 0) {
        return SynthRegister{slot.block, off, true, index, slot.element, slot.reg};
    };
    if (off >= SRIOVNIC_SYNTH_REG_QUEUE_BASE && off < kRingWindowEnd) {
        const uint32_t rel = off - SRIOVNIC_SYNTH_REG_QUEUE_BASE;
        return from(kRingWindow.at(rel % SRIOVNIC_SYNTH_REG_QUEUE_STRIDE),
                    uint8_t(rel / SRIOVNIC_SYNTH_REG_QUEUE_STRIDE));
    }
    if (off >= kSynthWindowBase && off < kSynthWindowEnd) {
        const RegSlot<B> &slot = kSynthWindow.at(off - kSynthWindowBase);
        if (slot.block != B::unmapped) {
            return from(slot);
        }
    }
    if (off < regmap_detail::kFunctionWindowEnd) {
        const RegSlot<RegTarget::Block> &slot = regmap_detail::kFunctionWindow.at(off);
        switch (slot.block) {
        case RegTarget::Block::common:
            return {B::common, off, true, 0, slot.element, slot.reg};
        case RegTarget::Block::causes:
            return {B::causes, off, true, 0, slot.element, slot.reg};
        default: // the common window holds nothing else
            break;
        }
    }
    return {B::unmapped, off};
}

} // namespace sriovnic::synth
