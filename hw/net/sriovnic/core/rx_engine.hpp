// SPDX-License-Identifier: GPL-2.0-or-later
// Receive: a frame the switch gives a function goes into one of its RX
// rings (queue choice, port VLAN strip, size checks, checksum verdict,
// write-back, interrupt).
#pragma once

#include "card_bus.hpp"
#include "eswitch.hpp"
#include "function.hpp"
#include "interrupts.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace sriovnic {

class RxEngine {
public:
    RxEngine(CardBus &bus, Interrupts &irqs);

    Delivery deliver(Function &f, std::span<const uint8_t> frame, const FrameInfo &info,
                     bool hold_when_full);

private:
    std::optional<unsigned> pick_queue(const Function &f, std::span<const uint8_t> frame,
                                       const FrameInfo &info) const;

    CardBus &bus_;
    Interrupts &irqs_;
    std::vector<uint8_t> untagged_; // a frame with its port VLAN tag removed
};

// A function as a port of the switch.
class FunctionPort final : public SwitchPort {
public:
    FunctionPort(Function &f, RxEngine &rx) : f_(f), rx_(rx) {}
    PortView view() const override { return f_.port_view(); }
    Delivery receive(std::span<const uint8_t> frame, const FrameInfo &info,
                     bool hold_when_full) override
    {
        return rx_.deliver(f_, frame, info, hold_when_full);
    }
    void vlan_filtered() override { f_.count(SRIOVNIC_STAT_RX_DROP_FILTER); }

private:
    Function &f_;
    RxEngine &rx_;
};

} // namespace sriovnic
