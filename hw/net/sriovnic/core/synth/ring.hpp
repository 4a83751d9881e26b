// SPDX-License-Identifier: GPL-2.0-or-later
// One split-ring queue of the synthetic function (docs/synthetic-channel.md,
// "Queues"): its registers, taking chains from the available ring with full
// validation, and writing used elements. Every available entry it takes
// yields exactly one used element; a pass takes at most `size` entries and a
// chain has at most 32 descriptors, so no guest input makes it loop. All DMA
// goes through CardBus as the channel's requester.
#pragma once

#include "card_bus.hpp"
#include "synth/registers.hpp"

#include <array>
#include <cstdint>
#include <span>

namespace sriovnic::synth {

// What a queue's chains must look like.
enum class Shape { rx, tx, ctrl, event };

struct Segment {
    uint64_t addr;
    uint32_t len;
    bool write;
};

// A validated chain, no heap: at most SRIOVNIC_SYNTH_CHAIN_MAX segments.
struct Chain {
    uint16_t head = 0;
    unsigned count = 0;
    uint32_t readable = 0; // bytes
    uint32_t writable = 0;
    std::array<Segment, SRIOVNIC_SYNTH_CHAIN_MAX> segs{};
};

class SplitRing {
public:
    SplitRing(unsigned index, Shape shape, SriovnicSynthQueueRegs &regs, Registers &fn,
              CardBus &bus, const CardBus::Requester &requester, StateHooks &hooks);

    // Register semantics of the queue's window.
    enum class Then { nothing, enabled, disabled, notify };
    struct Outcome {
        Registers::Result result = Registers::Result::done;
        bool bad_queue = false; // enable refused: ERR_BAD_QUEUE
        Then then = Then::nothing;
    };
    uint32_t read(RingReg reg) const;
    Outcome write(RingReg reg, uint32_t value);

    bool enabled() const { return regs_.enable & SRIOVNIC_SYNTH_QENABLE; }
    unsigned index() const { return index_; }
    uint32_t used_pos() const { return regs_.used_pos; }

    // Starts a pass over the available ring: it takes at most `size` entries.
    void begin_pass() { budget_ = enabled() ? regs_.size : 0; }
    enum class Take { chain, empty, stopped };
    // The next valid chain of the queue's shape. Invalid ones are used with
    // ERR on the way (DESC_ERRORS, ERR_BAD_DESC). `stopped`: the pass is over
    // (budget spent) or the queue was disabled (ring corrupt or unreachable).
    Take take(Chain &chain);
    // Writes the used element for a chain taken; false if the queue faulted.
    bool put_used(uint16_t id, uint32_t len, bool err);

    // Buffer DMA over a chain's readable / writable segments, in order.
    // `gather` reads min(out.size(), readable) bytes; `scatter` writes `a`
    // then `b`. False if a buffer is outside guest memory.
    bool gather(const Chain &chain, std::span<uint8_t> out);
    bool scatter(const Chain &chain, std::span<const uint8_t> a, std::span<const uint8_t> b);

    // The guest pointed a ring part where the device cannot reach it.
    void fault();

    // After migration.
    std::optional<std::string> validate_loaded() const;

private:
    uint64_t addr(uint32_t lo, uint32_t hi) const { return uint64_t(hi) << 32 | lo; }
    bool walk(uint16_t head, Chain &chain, bool &faulted);
    bool shape_ok(const Chain &chain) const;
    void disable(uint32_t err_bit, std::optional<uint32_t> offset);
    uint32_t notify_offset() const;

    unsigned index_;
    Shape shape_;
    SriovnicSynthQueueRegs &regs_;
    Registers &fn_;
    CardBus &bus_;
    CardBus::Requester requester_;
    StateHooks &hooks_;
    uint32_t budget_ = 0;
};

} // namespace sriovnic::synth
