// SPDX-License-Identifier: GPL-2.0-or-later
#include "rx_engine.hpp"

#include "offload.hpp"
#include "queues.hpp"
#include "sriovnic/regs.h"
#include "wire.hpp"

#include <algorithm>
#include <cstring>

namespace sriovnic {

RxEngine::RxEngine(CardBus &bus, Interrupts &irqs)
    : bus_(bus), irqs_(irqs), untagged_(SRIOVNIC_MTU_MAX + SRIOVNIC_FRAME_OVERHEAD)
{
}

inline std::optional<unsigned> RxEngine::pick_queue(const Function &f, std::span<const uint8_t> frame,
                                             const FrameInfo &info) const
{
    unsigned enabled = 0;
    for (unsigned q = 0; q < f.queue_pairs(); q++) {
        enabled += queues::rx_enabled(f.queue(q));
    }
    if (!enabled) {
        return std::nullopt;
    }
    unsigned pick = enabled == 1 ? 0 : flow_hash(frame, info) % enabled;
    for (unsigned q = 0; q < f.queue_pairs(); q++) {
        if (queues::rx_enabled(f.queue(q)) && pick-- == 0) {
            return q;
        }
    }
    return std::nullopt;
}

Delivery RxEngine::deliver(Function &f, std::span<const uint8_t> frame,
                           const FrameInfo &tagged_info, bool hold_when_full)
{
    FrameInfo info = tagged_info;
    std::optional<uint16_t> stripped_tci;
    if (f.port_vid() && info.vlan_tci && frame.size() >= kEthHeaderLen + kVlanTagLen) {
        // A port VLAN is invisible to the VF: remove the tag.
        stripped_tci = info.vlan_tci;
        std::span<uint8_t> untagged = std::span(untagged_).first(
            std::min(frame.size() - kVlanTagLen, untagged_.size()));
        std::memcpy(untagged.data(), frame.data(), 12);
        std::memcpy(untagged.data() + 12, frame.data() + 16, untagged.size() - 12);
        frame = untagged;
        info = *parse_frame(frame);
    }
    if (frame.size() > f.max_frame()) {
        f.count(SRIOVNIC_STAT_RX_DROP_SIZE);
        return Delivery::dropped;
    }
    const std::optional<unsigned> qi = pick_queue(f, frame, info);
    if (!qi) {
        return Delivery::dropped;
    }
    SriovnicQueueRegs &q = f.queue(*qi);
    if (q.rx_head == q.rx_tail) {
        if (hold_when_full) {
            return Delivery::busy;
        }
        f.count(SRIOVNIC_STAT_RX_DROP_NOBUF);
        q.rx_nobuf++;
        return Delivery::dropped;
    }
    const uint64_t desc_addr = queues::rx_base(q) + uint64_t(q.rx_head) * SRIOVNIC_DESC_SIZE;
    wire::DescBytes desc;
    if (!bus_.dma_read(f, desc_addr, desc)) {
        irqs_.stop_faulted_queue(f, *qi, false);
        return Delivery::dropped;
    }
    if (frame.size() > q.rx_buf_len) {
        f.count(SRIOVNIC_STAT_RX_DROP_SIZE);
        return Delivery::dropped;
    }
    wire::RxWriteback wb;
    if (bus_.dma_write(f, wire::decode_rx_addr(desc), frame)) {
        wb.len = uint16_t(frame.size());
        wb.flags = SRIOVNIC_RXD_DONE | SRIOVNIC_RXD_EOP;
        switch (verify_l4_csum(frame, info)) {
        case L4Check::good:
            wb.flags |= SRIOVNIC_RXD_L4_CSUM_OK;
            break;
        case L4Check::bad:
            wb.flags |= SRIOVNIC_RXD_L4_CSUM_BAD;
            break;
        case L4Check::none:
            break;
        }
        if (stripped_tci) {
            wb.flags |= SRIOVNIC_RXD_VLAN;
            wb.vlan_tci = *stripped_tci;
        }
    } else {
        irqs_.ring_fault(f, SRIOVNIC_STAT_DMA_ERRORS);
        wb.flags = SRIOVNIC_RXD_DONE | SRIOVNIC_RXD_ERR;
    }
    if (!bus_.dma_write(f, desc_addr + wire::kRxWritebackOffset, wire::encode_rx_writeback(wb))) {
        irqs_.stop_faulted_queue(f, *qi, false);
        return Delivery::dropped;
    }
    q.rx_head = (q.rx_head + 1) & (q.rx_len - 1);
    if (!(wb.flags & SRIOVNIC_RXD_ERR)) {
        f.count(SRIOVNIC_STAT_RX_PACKETS);
        f.count(SRIOVNIC_STAT_RX_BYTES, frame.size());
    }
    irqs_.queue_work_done(f, *qi);
    return wb.flags & SRIOVNIC_RXD_ERR ? Delivery::dropped : Delivery::delivered;
}

} // namespace sriovnic
