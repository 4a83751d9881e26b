// SPDX-License-Identifier: GPL-2.0-or-later
// Transmit: a function's TX rings -> checks and offloads (spoof check, port
// VLAN insert, checksum, TSO) -> the embedded switch. Runs synchronously in
// the doorbell write; the VF rate limit pauses a ring and the timer resumes it.
#pragma once

#include "card_bus.hpp"
#include "eswitch.hpp"
#include "function.hpp"
#include "interrupts.hpp"
#include "offload.hpp"
#include "timers.hpp"
#include "wire.hpp"

#include <cstdint>
#include <span>
#include <vector>

namespace sriovnic {

class TxEngine final : public TimerService::Client {
public:
    TxEngine(Platform &platform, CardBus &bus, TimerService &timers, Interrupts &irqs,
             Switch &eswitch, std::vector<Function> &functions);

    // The TX doorbell of queue pair `q` was written.
    void process(Function &f, unsigned q);
    void process_all(Function &f);
    // The PF changed the VF's rate limit: start measuring afresh.
    void rate_changed(Function &f);
    // Migrated state loaded: nothing rings the doorbell again, so look once.
    void kick_after_load(Function &f);
    void forget_shaper(Function &f) { f.runtime().shaper = {}; }

    void on_timer() override;

private:
    bool rate_limited(Function &f) { return f.rate_mbps() && out_of_tokens(f); }
    bool out_of_tokens(Function &f);
    bool transmit(Function &f, std::span<uint8_t> frame, const wire::TxDesc &first);
    void send(Function &f, std::span<const uint8_t> frame);

    class SegmentSink final : public FrameSink {
    public:
        SegmentSink(TxEngine &tx, Function &f) : tx_(tx), f_(f) {}
        void emit(std::span<const uint8_t> frame) override;

    private:
        TxEngine &tx_;
        Function &f_;
    };

    Platform &platform_;
    CardBus &bus_;
    TimerService &timers_;
    Interrupts &irqs_;
    Switch &switch_;
    std::vector<Function> &functions_;
    std::vector<uint8_t> frame_buf_; // one frame gathered from TX descriptors
    std::vector<uint8_t> seg_buf_;   // one TSO segment
};

} // namespace sriovnic
