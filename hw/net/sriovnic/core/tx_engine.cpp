// SPDX-License-Identifier: GPL-2.0-or-later
#include "tx_engine.hpp"

#include "queues.hpp"
#include "sriovnic/desc.h"
#include "sriovnic/regs.h"

#include <algorithm>
#include <cstring>

namespace sriovnic {

TxEngine::TxEngine(Platform &platform, CardBus &bus, TimerService &timers, Interrupts &irqs,
                   Switch &eswitch, std::vector<Function> &functions)
    : platform_(platform), bus_(bus), timers_(timers), irqs_(irqs), switch_(eswitch),
      functions_(functions), frame_buf_(SRIOVNIC_TSO_MAX_BYTES + kVlanTagLen),
      seg_buf_(SRIOVNIC_MTU_MAX + SRIOVNIC_FRAME_OVERHEAD)
{
}

void TxEngine::process(Function &f, unsigned qi)
{
    SriovnicQueueRegs &q = f.queue(qi);
    const uint64_t base = queues::tx_base(q);
    const uint32_t mask = q.tx_len - 1;
    bool completed = false;

    while (queues::tx_enabled(q) && q.tx_head != q.tx_tail && !rate_limited(f)) {
        uint32_t idx = q.tx_head;
        unsigned ndesc = 0;
        size_t total = 0;
        bool malformed = false, dma_error = false, eop = false;
        wire::TxDesc first;
        while (idx != q.tx_tail) {
            wire::DescBytes raw;
            if (!bus_.dma_read(f, base + uint64_t(idx) * SRIOVNIC_DESC_SIZE, raw)) {
                irqs_.stop_faulted_queue(f, qi, true);
                return;
            }
            const wire::TxDesc d = wire::decode_tx(raw);
            if (ndesc++ == 0) {
                first = d;
            }
            idx = (idx + 1) & mask;
            if (!malformed && !dma_error) {
                if (d.len == 0 || d.len > SRIOVNIC_TX_BUF_MAX || total + d.len > frame_buf_.size()) {
                    malformed = true;
                } else if (!bus_.dma_read(f, d.addr, std::span(frame_buf_).subspan(total, d.len))) {
                    dma_error = true;
                } else {
                    total += d.len;
                }
            }
            if (d.flags & SRIOVNIC_TXD_EOP) {
                eop = true;
                break;
            }
            if (ndesc == SRIOVNIC_TX_MAX_DESC_PER_FRAME) {
                malformed = true; // a chain that never ends
                break;
            }
        }
        if (!eop && !malformed) {
            break; // the driver has not posted the rest of the frame yet
        }
        bool dropped = true;
        if (malformed) {
            f.count(SRIOVNIC_STAT_DESC_ERRORS);
            f.record_error(SRIOVNIC_ERR_BAD_DESC, std::nullopt);
        } else if (dma_error) {
            irqs_.ring_fault(f, SRIOVNIC_STAT_DMA_ERRORS);
        } else {
            dropped = !transmit(f, std::span(frame_buf_).first(total), first);
            f.runtime().shaper.tokens -= int64_t(total);
        }
        const auto writeback =
            wire::encode_tx_writeback(SRIOVNIC_TXD_DONE | (dropped ? SRIOVNIC_TXD_ERR : 0));
        for (unsigned i = 0; i < ndesc; i++) {
            const uint64_t at = base + uint64_t((q.tx_head + i) & mask) * SRIOVNIC_DESC_SIZE +
                                wire::kTxWritebackOffset;
            if (!bus_.dma_write(f, at, writeback)) {
                irqs_.stop_faulted_queue(f, qi, true);
                return;
            }
        }
        q.tx_head = idx;
        completed = true;
    }
    if (completed) {
        irqs_.queue_work_done(f, qi);
    }
}

void TxEngine::process_all(Function &f)
{
    for (unsigned q = 0; q < f.queue_pairs(); q++) {
        if (queues::tx_enabled(f.queue(q))) {
            process(f, q);
        }
    }
}

void TxEngine::rate_changed(Function &f)
{
    f.runtime().shaper = {};
    process_all(f);
}

void TxEngine::kick_after_load(Function &f)
{
    f.runtime().tx_kick = true;
    timers_.arm(*this, platform_.now_ns());
}

void TxEngine::on_timer()
{
    for (Function &f : functions_) {
        Function::Runtime &rt = f.runtime();
        if (rt.tx_kick || rt.shaper.paused) {
            rt.tx_kick = false;
            process_all(f);
        }
    }
}

// Token bucket for a VF's max TX rate. Tokens may go negative by one frame;
// transmit pauses until they are back and resumes from the timer.
bool TxEngine::out_of_tokens(Function &f)
{
    const uint64_t mbps = f.rate_mbps();
    Function::TxShaper &s = f.runtime().shaper;
    const uint64_t now = platform_.now_ns();
    const int64_t burst = int64_t(std::max<uint64_t>(SRIOVNIC_TSO_MAX_BYTES, mbps * 1250)); // 10 ms
    if (!s.last_ns) {
        s.tokens = burst;
    } else if (now > s.last_ns) {
        s.tokens = std::min<int64_t>(burst, s.tokens + int64_t((now - s.last_ns) * mbps / 8000));
    }
    s.last_ns = now;
    if (s.tokens >= 0) {
        s.paused = false;
        return false;
    }
    if (!s.paused) {
        s.paused = true;
        f.count(SRIOVNIC_STAT_TX_RATE_WAITS);
    }
    timers_.arm(*this, now + uint64_t(-s.tokens) * 8000 / mbps + 1);
    return true;
}

bool TxEngine::transmit(Function &f, std::span<uint8_t> frame, const wire::TxDesc &first)
{
    if (frame.size() < kEthHeaderLen) {
        f.count(SRIOVNIC_STAT_DESC_ERRORS);
        f.record_error(SRIOVNIC_ERR_BAD_DESC, std::nullopt);
        return false;
    }
    if (!f.link_up()) {
        f.count(SRIOVNIC_STAT_TX_DROP_LINK);
        return true;
    }
    const bool tagged = load_be16(frame, 12) == kEthTypeVlan;
    if (f.spoofchk() && (mac_at(frame, 6) != f.mac() || (tagged && f.port_vlan()))) {
        f.count(SRIOVNIC_STAT_TX_DROP_SPOOF);
        return true;
    }
    unsigned csum_start = first.csum_start;
    if (f.port_vlan()) {
        if (tagged || frame.size() + kVlanTagLen > frame_buf_.size()) {
            f.count(SRIOVNIC_STAT_TX_DROP_SPOOF);
            return true;
        }
        // Insert the port VLAN tag after the MAC addresses.
        std::span<uint8_t> grown = std::span(frame_buf_).first(frame.size() + kVlanTagLen);
        std::memmove(grown.data() + 16, grown.data() + 12, frame.size() - 12);
        store_be16(grown, 12, kEthTypeVlan);
        store_be16(grown, 14, f.port_vlan_tci());
        frame = grown;
        csum_start = std::min<unsigned>(255, csum_start + kVlanTagLen);
    }
    if (first.flags & SRIOVNIC_TXD_TSO) {
        SegmentSink sink(*this, f);
        const TsoResult result = tso_segment(frame, first.mss, seg_buf_, sink);
        if (!result.ok) {
            f.count(SRIOVNIC_STAT_DESC_ERRORS);
            f.record_error(SRIOVNIC_ERR_BAD_DESC, std::nullopt);
            return false;
        }
        f.count(SRIOVNIC_STAT_TX_TSO_SEGS, result.segments);
        return true;
    }
    if (frame.size() > f.max_frame()) {
        f.count(SRIOVNIC_STAT_TX_DROP_SIZE);
        return false;
    }
    if ((first.flags & SRIOVNIC_TXD_CSUM) &&
        !apply_partial_csum(frame, csum_start, first.csum_offset)) {
        f.count(SRIOVNIC_STAT_DESC_ERRORS);
        f.record_error(SRIOVNIC_ERR_BAD_DESC, std::nullopt);
        return false;
    }
    send(f, frame);
    return true;
}

void TxEngine::SegmentSink::emit(std::span<const uint8_t> frame)
{
    if (frame.size() > f_.max_frame()) {
        f_.count(SRIOVNIC_STAT_TX_DROP_SIZE);
        return;
    }
    tx_.send(f_, frame);
}

void TxEngine::send(Function &f, std::span<const uint8_t> frame)
{
    const std::optional<FrameInfo> info = parse_frame(frame);
    if (!info) {
        return;
    }
    f.count(SRIOVNIC_STAT_TX_PACKETS);
    f.count(SRIOVNIC_STAT_TX_BYTES, frame.size());
    switch_.transmit(f.index(), frame, *info);
}

} // namespace sriovnic
