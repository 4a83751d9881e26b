// SPDX-License-Identifier: GPL-2.0-or-later
// The card as a requester on the PCI bus: DMA and MSI-X messages of one of
// its functions. It also keeps the card's work from re-entering itself.
//
// QEMU runs a device's DMA synchronously, so a DMA that reaches a register
// BAR is an MMIO access performed inside the work that issued it. QEMU's own
// re-entrancy guard is per device, and the PF and every VF are separate
// devices sharing one card. While the card is working (any outside request:
// register access, frame from the backend, timer), an access to any of its
// registers or config space is therefore refused here: the access does
// nothing, and the DMA or message that caused it fails as if it had reached
// no memory (docs/hardware-interface.md, "DMA into the card's own registers").
#pragma once

#include "function.hpp"
#include "platform.hpp"

#include <cstdint>
#include <span>

namespace sriovnic {

class CardBus {
public:
    explicit CardBus(Platform &platform) : platform_(platform) {}
    CardBus(const CardBus &) = delete;
    CardBus &operator=(const CardBus &) = delete;

    // Held for the span of each outside request the card serves.
    class Work {
    public:
        explicit Work(CardBus &bus) : bus_(bus) { bus_.depth_++; }
        ~Work();
        Work(const Work &) = delete;
        Work &operator=(const Work &) = delete;

    private:
        CardBus &bus_;
    };

    bool busy() const { return depth_ > 0; }
    // An access to the card's registers or config space arrived while it was
    // busy: the card's own DMA or message came back to it. Refuse it.
    void refuse_own_access() { own_access_ = true; }

    // DMA as function `f`: false (and counted as SRIOVNIC_STAT_DMA_SELF when
    // it reached the card itself) if any byte was not accessible.
    bool dma_read(Function &f, uint64_t addr, std::span<uint8_t> buf);
    bool dma_write(Function &f, uint64_t addr, std::span<const uint8_t> buf);
    void raise_msix(Function &f, uint16_t vector);

    // A frame from the backend arrived in the middle of a DMA (another
    // device's reaction to it): it waits until the card's work is done.
    bool dma_in_flight() const { return in_dma_; }
    void retry_uplink_later() { uplink_retry_ = true; }

private:
    bool finish_access(Function &f, bool ok);

    Platform &platform_;
    unsigned depth_ = 0;
    bool in_dma_ = false;
    bool own_access_ = false;
    bool uplink_retry_ = false;
};

} // namespace sriovnic
