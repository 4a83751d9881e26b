// SPDX-License-Identifier: GPL-2.0-or-later
// A register window as a table, built at compile time from the offsets of
// include/sriovnic/: each 32-bit slot names the owner (a decoder's block),
// the owner's typed register and, for a register of an array (a counter, a
// message word), its element. Decoders look a slot up instead of comparing
// offsets; an empty slot is the decoder's "no register here".
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace sriovnic {

template <typename Block> struct RegSlot {
    Block block{}; // value-initialised: the decoder's "unmapped"
    uint8_t reg = 0;
    uint8_t element = 0;
};

template <typename Block, uint32_t Bytes> class RegWindow {
public:
    static constexpr uint32_t kBytes = Bytes;

    // Places a register; a misaligned offset, one past the window or one
    // already taken leaves the table !ok(), which its builder static_asserts.
    template <typename Reg>
    constexpr void put(uint32_t offset, Block block, Reg reg, unsigned element = 0)
    {
        if (offset % 4 || offset >= Bytes || slots_[offset / 4].block != Block{} ||
            block == Block{} || element > UINT8_MAX) {
            ok_ = false;
            return;
        }
        slots_[offset / 4] = {block, uint8_t(reg), uint8_t(element)};
    }
    // A register of `count` elements `stride` bytes apart.
    template <typename Reg>
    constexpr void put_array(uint32_t offset, uint32_t stride, unsigned count, Block block, Reg reg)
    {
        for (unsigned i = 0; i < count; i++) {
            put(offset + i * stride, block, reg, i);
        }
    }

    constexpr bool ok() const { return ok_; }
    // `offset` must be aligned and inside the window.
    constexpr const RegSlot<Block> &at(uint32_t offset) const { return slots_[offset / 4]; }

private:
    std::array<RegSlot<Block>, Bytes / 4> slots_{};
    bool ok_ = true;
};

} // namespace sriovnic
