// SPDX-License-Identifier: GPL-2.0-or-later
// The synthetic function's data path (docs/synthetic-channel.md, "Net
// header"): TX chains -> net header check -> checksum / TSO -> the switch;
// frames from the switch -> net header + frame into an RX chain. Buffers are
// allocated once; nothing per packet.
#pragma once

#include "eswitch.hpp"
#include "offload.hpp"
#include "synth/registers.hpp"
#include "synth/ring.hpp"

#include <cstdint>
#include <span>
#include <vector>

namespace sriovnic::synth {

class NetPath {
public:
    // What the data path needs from its channel.
    class Owner {
    public:
        virtual bool link_up() const = 0;
        virtual void data_work_done() = 0; // RX or TX used elements were written
    protected:
        ~Owner() = default;
    };

    NetPath(Registers &fn, SplitRing &rx, SplitRing &tx, Switch &eswitch, uint16_t port,
            Owner &owner);

    // TX NOTIFY: every available TX chain (at most one ring's worth).
    void transmit();
    // A frame from the switch.
    Delivery receive(std::span<const uint8_t> frame, const FrameInfo &info, bool hold_when_full);

private:
    // Returns whether the chain is used with ERR.
    bool transmit_chain(const Chain &chain);
    void send(std::span<const uint8_t> frame);

    class SegmentSink final : public FrameSink {
    public:
        explicit SegmentSink(NetPath &path) : path_(path) {}
        void emit(std::span<const uint8_t> frame) override;
        bool oversized = false;

    private:
        NetPath &path_;
    };

    Registers &fn_;
    SplitRing &rx_;
    SplitRing &tx_;
    Switch &switch_;
    uint16_t port_;
    Owner &owner_;
    std::vector<uint8_t> frame_buf_; // net header + the largest TX frame
    std::vector<uint8_t> seg_buf_;   // one TSO segment
};

} // namespace sriovnic::synth
