// SPDX-License-Identifier: GPL-2.0-or-later
// The data path: TX descriptor rings -> offloads -> embedded switch -> RX
// descriptor rings or the uplink. Runs synchronously in doorbell writes and
// in frames arriving from the backend; never allocates.
#include "device.hpp"

#include "queues.hpp"
#include "sriovnic/desc.h"

#include <algorithm>
#include <cstring>

namespace sriovnic {

namespace {

static_assert(sizeof(sriovnic_tx_desc) == SRIOVNIC_DESC_SIZE);
static_assert(sizeof(sriovnic_rx_desc) == SRIOVNIC_DESC_SIZE);

constexpr size_t kDescFlagsOffset = 10; // sriovnic_tx_desc::flags
constexpr size_t kRxWritebackOffset = 8; // len, flags, vlan_tci, reserved
constexpr size_t kMaxBufferLen = 16384;

template <typename T> std::span<uint8_t> bytes_of(T &value)
{
    return {reinterpret_cast<uint8_t *>(&value), sizeof(value)};
}

} // namespace

void Device::ring_fault(Function &f, unsigned stat)
{
    f.count(stat);
    f.record_error(SRIOVNIC_ERR_DMA, std::nullopt);
    update_interrupts(f);
}

// The device cannot reach a ring: it stops it and flags the error.
void Device::stop_faulted_queue(Function &f, unsigned q, bool tx)
{
    SriovnicQueueRegs &regs = f.queue(q);
    (tx ? regs.tx_ctrl : regs.rx_ctrl) &= ~SRIOVNIC_QCTRL_ENABLE;
    if (!tx) {
        ports_dirty_ = true;
    }
    platform_.trace_queue(f.index(), q, tx, false);
    ring_fault(f, SRIOVNIC_STAT_DMA_ERRORS);
}

// A queue's interrupt self-masks when it fires (the driver unmasks when its
// poll is done) and, with SRIOVNIC_Q_ITR set, waits until that long after the
// queue's previous interrupt; the timer fires it then.
void Device::queue_interrupt(Function &f, unsigned q)
{
    SriovnicQueueRegs &regs = f.queue(q);
    if (regs.irq & SRIOVNIC_QIRQ_MASKED) {
        regs.irq |= SRIOVNIC_QIRQ_PENDING;
        return;
    }
    if (regs.itr) {
        IrqThrottle &throttle = irq_throttles_[f.index()];
        const uint64_t now = platform_.now_ns();
        const std::optional<uint64_t> last = throttle.last_ns[q];
        const uint64_t next = last.value_or(0) + uint64_t(regs.itr) * 1000;
        if (last && now < next) {
            regs.irq |= SRIOVNIC_QIRQ_PENDING;
            throttle.deferred = true;
            arm_timer(next);
            return;
        }
        throttle.last_ns[q] = now;
    }
    regs.irq |= SRIOVNIC_QIRQ_MASKED;
    platform_.raise_msix(f.index(), uint16_t(1 + q));
}

void Device::fire_deferred_interrupts(Function &f)
{
    irq_throttles_[f.index()].deferred = false;
    for (unsigned q = 0; q < f.queue_pairs(); q++) {
        SriovnicQueueRegs &regs = f.queue(q);
        if ((regs.irq & (SRIOVNIC_QIRQ_MASKED | SRIOVNIC_QIRQ_PENDING)) ==
            SRIOVNIC_QIRQ_PENDING) {
            regs.irq &= ~SRIOVNIC_QIRQ_PENDING;
            queue_interrupt(f, q);
        }
    }
}

void Device::unmask_queue(Function &f, unsigned q)
{
    SriovnicQueueRegs &regs = f.queue(q);
    regs.irq &= ~SRIOVNIC_QIRQ_MASKED;
    if (regs.irq & SRIOVNIC_QIRQ_PENDING) {
        regs.irq &= ~SRIOVNIC_QIRQ_PENDING;
        queue_interrupt(f, q);
    }
}

void Device::process_tx(Function &f, unsigned qi)
{
    SriovnicQueueRegs &q = f.queue(qi);
    const uint16_t fn = f.index();
    const uint64_t base = queues::tx_base(q);
    const uint32_t mask = q.tx_len - 1;
    bool completed = false;

    while (queues::tx_enabled(q) && q.tx_head != q.tx_tail && !rate_limited(f)) {
        uint32_t idx = q.tx_head;
        unsigned ndesc = 0;
        size_t total = 0;
        bool malformed = false, dma_error = false, eop = false;
        sriovnic_tx_desc first{};
        while (idx != q.tx_tail) {
            sriovnic_tx_desc d;
            if (!platform_.dma_read(fn, base + uint64_t(idx) * SRIOVNIC_DESC_SIZE, bytes_of(d))) {
                stop_faulted_queue(f, qi, true);
                return;
            }
            if (ndesc++ == 0) {
                first = d;
            }
            idx = (idx + 1) & mask;
            if (!malformed && !dma_error) {
                if (d.len == 0 || d.len > kMaxBufferLen || total + d.len > tx_buf_.size()) {
                    malformed = true;
                } else if (!platform_.dma_read(fn, d.addr,
                                               std::span(tx_buf_).subspan(total, d.len))) {
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
            ring_fault(f, SRIOVNIC_STAT_DMA_ERRORS);
        } else {
            dropped = !transmit(f, std::span(tx_buf_).first(total), first);
            shapers_[fn].tokens -= int64_t(total);
        }
        uint16_t writeback = SRIOVNIC_TXD_DONE | (dropped ? SRIOVNIC_TXD_ERR : 0);
        for (unsigned i = 0; i < ndesc; i++) {
            const uint64_t at = base + uint64_t((q.tx_head + i) & mask) * SRIOVNIC_DESC_SIZE +
                                kDescFlagsOffset;
            if (!platform_.dma_write(fn, at, bytes_of(writeback))) {
                stop_faulted_queue(f, qi, true);
                return;
            }
        }
        q.tx_head = idx;
        completed = true;
    }
    if (completed) {
        queue_interrupt(f, qi);
    }
}

void Device::process_all_tx(Function &f)
{
    for (unsigned q = 0; q < f.queue_pairs(); q++) {
        if (queues::tx_enabled(f.queue(q))) {
            process_tx(f, q);
        }
    }
}

void Device::arm_timer(uint64_t deadline_ns)
{
    if (!timer_deadline_ || deadline_ns < *timer_deadline_) {
        timer_deadline_ = deadline_ns;
        platform_.arm_timer(deadline_ns);
    }
}

void Device::on_timer()
{
    timer_deadline_.reset();
    for (Function &f : functions_) {
        const uint16_t fn = f.index();
        if (tx_kick_[fn] || shapers_[fn].paused) {
            tx_kick_[fn] = false;
            process_all_tx(f);
        }
        if (irq_throttles_[fn].deferred) {
            fire_deferred_interrupts(f);
        }
    }
}

// Token bucket for a VF's max TX rate. Tokens may go negative by one frame;
// transmit pauses until they are back and resumes from the timer.
bool Device::rate_limited(Function &f)
{
    const uint64_t mbps = f.regs().admin_rate;
    if (!mbps || !f.is_vf()) {
        return false;
    }
    TxShaper &s = shapers_[f.index()];
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
    arm_timer(now + uint64_t(-s.tokens) * 8000 / mbps + 1);
    return true;
}

bool Device::transmit(Function &f, std::span<uint8_t> frame, const sriovnic_tx_desc &first)
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
    sriovnic_tx_desc offload = first;
    if (f.port_vlan()) {
        if (tagged || frame.size() + kVlanTagLen > tx_buf_.size()) {
            f.count(SRIOVNIC_STAT_TX_DROP_SPOOF);
            return true;
        }
        // Insert the port VLAN tag after the MAC addresses.
        std::span<uint8_t> grown = std::span(tx_buf_).first(frame.size() + kVlanTagLen);
        std::memmove(grown.data() + 16, grown.data() + 12, frame.size() - 12);
        store_be16(grown, 12, kEthTypeVlan);
        store_be16(grown, 14, f.port_vlan_tci());
        frame = grown;
        offload.csum_start = uint8_t(std::min<unsigned>(255, first.csum_start + kVlanTagLen));
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
        !apply_partial_csum(frame, offload.csum_start, offload.csum_offset)) {
        f.count(SRIOVNIC_STAT_DESC_ERRORS);
        f.record_error(SRIOVNIC_ERR_BAD_DESC, std::nullopt);
        return false;
    }
    switch_frame(f, frame);
    return true;
}

void Device::SegmentSink::emit(std::span<const uint8_t> frame)
{
    if (frame.size() > f_.max_frame()) {
        f_.count(SRIOVNIC_STAT_TX_DROP_SIZE);
        return;
    }
    device_.switch_frame(f_, frame);
}

void Device::switch_frame(Function &f, std::span<const uint8_t> frame)
{
    const std::optional<FrameInfo> info = parse_frame(frame);
    if (!info) {
        return;
    }
    f.count(SRIOVNIC_STAT_TX_PACKETS);
    f.count(SRIOVNIC_STAT_TX_BYTES, frame.size());
    if (std::optional<uint16_t> filtered = forward(f.index(), *info, ports(), tx_dests_)) {
        functions_[*filtered].count(SRIOVNIC_STAT_RX_DROP_FILTER);
    }
    for (uint16_t dest : tx_dests_) {
        if (dest == kUplinkPort) {
            if (uplink_up_) {
                platform_.send_uplink(frame);
            }
        } else {
            deliver(functions_[dest], frame, *info, false);
        }
    }
}

std::span<const PortView> Device::ports()
{
    if (ports_dirty_) {
        for (Function &f : functions_) {
            PortView &p = ports_[f.index()];
            const SriovnicFnRegs &r = f.regs();
            bool rx_queue = false;
            for (unsigned q = 0; q < f.queue_pairs(); q++) {
                rx_queue |= queues::rx_enabled(r.queues[q]);
            }
            p.mac = f.mac();
            p.receiving = function_active(f.index()) && f.enabled() && f.link_up() && rx_queue;
            p.promisc = f.trusted() && (r.rx_mode & SRIOVNIC_RX_MODE_PROMISC);
            p.allmulti = f.trusted() && (r.rx_mode & SRIOVNIC_RX_MODE_ALLMULTI);
            p.port_vid = f.port_vid();
            p.vlan_filter = nullptr;
            for (uint32_t word : r.vlan_filter) {
                if (word) {
                    p.vlan_filter = r.vlan_filter;
                    break;
                }
            }
            p.mc_hash = uint64_t(r.mc_hash_hi) << 32 | r.mc_hash_lo;
        }
        ports_dirty_ = false;
    }
    return ports_;
}

std::optional<unsigned> Device::pick_rx_queue(Function &f, std::span<const uint8_t> frame,
                                              const FrameInfo &info)
{
    unsigned enabled = 0;
    for (unsigned q = 0; q < f.queue_pairs(); q++) {
        enabled += queues::rx_enabled(f.regs().queues[q]);
    }
    if (!enabled) {
        return std::nullopt;
    }
    unsigned pick = enabled == 1 ? 0 : flow_hash(frame, info) % enabled;
    for (unsigned q = 0; q < f.queue_pairs(); q++) {
        if (queues::rx_enabled(f.regs().queues[q]) && pick-- == 0) {
            return q;
        }
    }
    return std::nullopt;
}

Device::Delivery Device::deliver(Function &f, std::span<const uint8_t> frame,
                                 const FrameInfo &tagged_info, bool hold_when_full)
{
    FrameInfo info = tagged_info;
    if (f.port_vid() && info.vlan_tci && frame.size() >= kEthHeaderLen + kVlanTagLen) {
        // A port VLAN is invisible to the VF: remove the tag.
        std::span<uint8_t> stripped = std::span(rx_buf_).first(
            std::min(frame.size() - kVlanTagLen, rx_buf_.size()));
        std::memcpy(stripped.data(), frame.data(), 12);
        std::memcpy(stripped.data() + 12, frame.data() + 16, stripped.size() - 12);
        frame = stripped;
        info = *parse_frame(frame);
    }
    if (frame.size() > f.max_frame()) {
        f.count(SRIOVNIC_STAT_RX_DROP_SIZE);
        return Delivery::dropped;
    }
    const std::optional<unsigned> qi = pick_rx_queue(f, frame, info);
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
    const uint16_t fn = f.index();
    const uint64_t desc_addr = queues::rx_base(q) + uint64_t(q.rx_head) * SRIOVNIC_DESC_SIZE;
    sriovnic_rx_desc d;
    if (!platform_.dma_read(fn, desc_addr, bytes_of(d))) {
        stop_faulted_queue(f, *qi, false);
        return Delivery::dropped;
    }
    if (frame.size() > q.rx_buf_len) {
        f.count(SRIOVNIC_STAT_RX_DROP_SIZE);
        return Delivery::dropped;
    }
    sriovnic_rx_desc wb{};
    if (platform_.dma_write(fn, d.addr, frame)) {
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
    } else {
        ring_fault(f, SRIOVNIC_STAT_DMA_ERRORS);
        wb.flags = SRIOVNIC_RXD_DONE | SRIOVNIC_RXD_ERR;
    }
    if (!platform_.dma_write(fn, desc_addr + kRxWritebackOffset,
                             bytes_of(wb).subspan(kRxWritebackOffset))) {
        stop_faulted_queue(f, *qi, false);
        return Delivery::dropped;
    }
    q.rx_head = (q.rx_head + 1) & (q.rx_len - 1);
    if (!(wb.flags & SRIOVNIC_RXD_ERR)) {
        f.count(SRIOVNIC_STAT_RX_PACKETS);
        f.count(SRIOVNIC_STAT_RX_BYTES, frame.size());
    }
    queue_interrupt(f, *qi);
    return wb.flags & SRIOVNIC_RXD_ERR ? Delivery::dropped : Delivery::delivered;
}

bool Device::uplink_receive(std::span<const uint8_t> frame)
{
    const std::optional<FrameInfo> info = parse_frame(frame);
    if (!info || !uplink_up_) {
        return true;
    }
    if (std::optional<uint16_t> filtered = forward(kUplinkPort, *info, ports(), rx_dests_)) {
        functions_[*filtered].count(SRIOVNIC_STAT_RX_DROP_FILTER);
    }
    const std::vector<uint16_t> &dests = rx_dests_;
    if (dests.size() == 1) {
        if (deliver(functions_[dests[0]], frame, *info, true) == Delivery::busy) {
            uplink_blocked_ = true;
            return false;
        }
        return true;
    }
    for (uint16_t dest : dests) {
        deliver(functions_[dest], frame, *info, false);
    }
    return true;
}

} // namespace sriovnic
