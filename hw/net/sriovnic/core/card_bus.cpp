// SPDX-License-Identifier: GPL-2.0-or-later
#include "card_bus.hpp"

#include "sriovnic/regs.h"

namespace sriovnic {

CardBus::Work::~Work()
{
    if (--bus_.depth_ == 0 && bus_.uplink_retry_) {
        bus_.uplink_retry_ = false;
        bus_.platform_.uplink_ready();
    }
}

bool CardBus::finish_access(Function &f, bool ok)
{
    in_dma_ = false;
    if (own_access_) {
        own_access_ = false;
        f.count(SRIOVNIC_STAT_DMA_SELF);
        return false;
    }
    return ok;
}

bool CardBus::dma_read(Function &f, uint64_t addr, std::span<uint8_t> buf)
{
    own_access_ = false;
    in_dma_ = true;
    return finish_access(f, platform_.dma_read(f.index(), addr, buf));
}

bool CardBus::dma_write(Function &f, uint64_t addr, std::span<const uint8_t> buf)
{
    own_access_ = false;
    in_dma_ = true;
    return finish_access(f, platform_.dma_write(f.index(), addr, buf));
}

void CardBus::raise_msix(Function &f, uint16_t vector)
{
    own_access_ = false;
    in_dma_ = true;
    platform_.raise_msix(f.index(), vector);
    if (!finish_access(f, true)) {
        // The message address was one of the card's registers.
        f.count(SRIOVNIC_STAT_DMA_ERRORS);
        f.record_error(SRIOVNIC_ERR_DMA, std::nullopt);
    }
}

} // namespace sriovnic
