// SPDX-License-Identifier: GPL-2.0-or-later
#include "card_bus.hpp"

#include "sriovnic/regs.h"

namespace sriovnic {

void CardBus::retry_uplink_now()
{
    uplink_retry_ = false;
    platform_.uplink_ready();
}

bool CardBus::refuse(Function &f)
{
    f.count(SRIOVNIC_STAT_DMA_SELF);
    return false;
}

// The DMA fails as one outside guest memory does; the caller handles it.
bool CardBus::injected_failure(Function &f)
{
    if (f.runtime().dma_fault == Function::Runtime::DmaFault::next) {
        f.runtime().dma_fault = Function::Runtime::DmaFault::none;
        hooks_.notify([&](StateObserver &o) {
            o.on_fault(f.vf_number(), SRIOVNIC_INJECT_DMA_ERROR, false);
        });
    }
    return false;
}

void CardBus::raise_msix(Function &f, uint16_t vector)
{
    const unsigned refused = refused_;
    platform_.raise_msix(f.index(), vector);
    if (refused_ != refused) {
        // The message address was one of the card's registers.
        refuse(f);
        f.count(SRIOVNIC_STAT_DMA_ERRORS);
        f.record_error(SRIOVNIC_ERR_DMA, std::nullopt);
    }
}

void CardBus::send_uplink(std::span<const uint8_t> frame)
{
    const unsigned saved = backend_depth_;
    backend_depth_ = depth_;
    platform_.send_uplink(frame);
    backend_depth_ = saved;
}

void CardBus::uplink_ready()
{
    const unsigned saved = backend_depth_;
    backend_depth_ = depth_;
    platform_.uplink_ready();
    backend_depth_ = saved;
}

} // namespace sriovnic
