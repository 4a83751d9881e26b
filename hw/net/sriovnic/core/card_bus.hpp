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
//
// The one thing that may legitimately come back in the middle of the card's
// work is a frame from the backend, handed over synchronously while the card
// is calling the backend (sending a frame, or saying buffers were posted).
// A frame that arrives any deeper (another device reacting to the card's DMA)
// waits, and the backend offers it again once the card is done.
#pragma once

#include "function.hpp"
#include "platform.hpp"

#include <cstdint>
#include <span>

namespace sriovnic {

class CardBus {
public:
    CardBus(Platform &platform, StateHooks &hooks) : platform_(platform), hooks_(hooks) {}
    CardBus(const CardBus &) = delete;
    CardBus &operator=(const CardBus &) = delete;

    // Held for the span of each outside request the card serves.
    class Work {
    public:
        explicit Work(CardBus &bus) : bus_(bus) { bus_.depth_++; }
        ~Work()
        {
            if (--bus_.depth_ == 0 && bus_.uplink_retry_) [[unlikely]] {
                bus_.retry_uplink_now();
            }
        }
        Work(const Work &) = delete;
        Work &operator=(const Work &) = delete;

    private:
        CardBus &bus_;
    };

    bool busy() const { return depth_ > 0; }
    // An access to the card's registers or config space arrived while it was
    // busy: the card's own DMA or message came back to it. Refuse it.
    void refuse_own_access() { refused_++; }

    // DMA as function `f`: false (and counted as SRIOVNIC_STAT_DMA_SELF when
    // it reached the card itself) if any byte was not accessible, or if the
    // host injected a DMA error on `f` (then the DMA does not happen).
    bool dma_read(Function &f, uint64_t addr, std::span<uint8_t> buf)
    {
        if (f.runtime().dma_fault != Function::Runtime::DmaFault::none) [[unlikely]] {
            return injected_failure(f);
        }
        const unsigned refused = refused_;
        const bool ok = platform_.dma_read(f.index(), addr, buf);
        return refused_ == refused ? ok : refuse(f);
    }
    bool dma_write(Function &f, uint64_t addr, std::span<const uint8_t> buf)
    {
        if (f.runtime().dma_fault != Function::Runtime::DmaFault::none) [[unlikely]] {
            return injected_failure(f);
        }
        const unsigned refused = refused_;
        const bool ok = platform_.dma_write(f.index(), addr, buf);
        return refused_ == refused ? ok : refuse(f);
    }
    void raise_msix(Function &f, uint16_t vector);

    // A requester that is not a Function (the synthetic channel): its
    // function number, and its DMA_SELF counter.
    struct Requester {
        uint16_t fn;
        uint64_t *dma_self;
    };
    bool dma_read(const Requester &r, uint64_t addr, std::span<uint8_t> buf)
    {
        const unsigned refused = refused_;
        const bool ok = platform_.dma_read(r.fn, addr, buf);
        return refused_ == refused ? ok : refuse(r);
    }
    bool dma_write(const Requester &r, uint64_t addr, std::span<const uint8_t> buf)
    {
        const unsigned refused = refused_;
        const bool ok = platform_.dma_write(r.fn, addr, buf);
        return refused_ == refused ? ok : refuse(r);
    }
    // False if the message reached the card itself (refused and counted).
    bool raise_msix(const Requester &r, uint16_t vector)
    {
        const unsigned refused = refused_;
        platform_.raise_msix(r.fn, vector);
        return refused_ == refused || refuse(r);
    }

    // Calls into the backend, inside which it may hand the card a frame.
    void send_uplink(std::span<const uint8_t> frame);
    void uplink_ready();
    // The backend may offer a frame it holds again: at once, or once the
    // card's work is done.
    void uplink_may_retry()
    {
        if (depth_) {
            uplink_retry_ = true;
        } else {
            platform_.uplink_ready();
        }
    }
    // Whether a frame from the backend may be taken now; if not, it is
    // offered again once the card's work is done.
    bool take_uplink_frame_now()
    {
        if (depth_ == backend_depth_) {
            return true;
        }
        uplink_retry_ = true;
        return false;
    }

private:
    bool refuse(Function &f);
    bool injected_failure(Function &f);
    bool refuse(const Requester &r)
    {
        ++*r.dma_self;
        return false;
    }
    void retry_uplink_now();

    Platform &platform_;
    StateHooks &hooks_;
    unsigned depth_ = 0;
    unsigned backend_depth_ = 0; // depth_ of the work calling the backend
    unsigned refused_ = 0;
    bool uplink_retry_ = false;
};

} // namespace sriovnic
