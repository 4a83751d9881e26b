// SPDX-License-Identifier: GPL-2.0-or-later
#include "synth/ring.hpp"

#include "wire.hpp"

#include <algorithm>

namespace sriovnic::synth {

namespace {

bool aligned(uint64_t a) { return (a % SRIOVNIC_SYNTH_RING_ALIGN) == 0; }

bool good_size(uint32_t n)
{
    return n >= SRIOVNIC_SYNTH_RING_MIN && n <= SRIOVNIC_SYNTH_RING_MAX && (n & (n - 1)) == 0;
}

} // namespace

SplitRing::SplitRing(unsigned index, Shape shape, SriovnicSynthQueueRegs &regs, Registers &fn,
                     CardBus &bus, const CardBus::Requester &requester, StateHooks &hooks)
    : index_(index), shape_(shape), regs_(regs), fn_(fn), bus_(bus), requester_(requester),
      hooks_(hooks)
{
}

uint32_t SplitRing::notify_offset() const
{
    return SRIOVNIC_SYNTH_REG_QUEUE(index_, SRIOVNIC_SYNTH_QR_NOTIFY);
}

uint32_t SplitRing::read(RingReg reg) const
{
    switch (reg) {
    case RingReg::desc_lo: return regs_.desc_lo;
    case RingReg::desc_hi: return regs_.desc_hi;
    case RingReg::avail_lo: return regs_.avail_lo;
    case RingReg::avail_hi: return regs_.avail_hi;
    case RingReg::used_lo: return regs_.used_lo;
    case RingReg::used_hi: return regs_.used_hi;
    case RingReg::size: return regs_.size;
    case RingReg::enable: return regs_.enable;
    case RingReg::notify: return 0;
    case RingReg::avail_pos: return regs_.avail_pos;
    case RingReg::used_pos: return regs_.used_pos;
    }
    return 0;
}

SplitRing::Outcome SplitRing::write(RingReg reg, uint32_t value)
{
    Outcome out;
    uint32_t *geometry = nullptr;
    switch (reg) {
    case RingReg::desc_lo: geometry = &regs_.desc_lo; break;
    case RingReg::desc_hi: geometry = &regs_.desc_hi; break;
    case RingReg::avail_lo: geometry = &regs_.avail_lo; break;
    case RingReg::avail_hi: geometry = &regs_.avail_hi; break;
    case RingReg::used_lo: geometry = &regs_.used_lo; break;
    case RingReg::used_hi: geometry = &regs_.used_hi; break;
    case RingReg::size: geometry = &regs_.size; break;
    case RingReg::enable:
        if (!(value & SRIOVNIC_SYNTH_QENABLE)) {
            if (enabled()) {
                regs_.enable = 0;
                out.then = Then::disabled;
            }
        } else if (!enabled()) {
            if (!fn_.features_ok() || !good_size(regs_.size) ||
                !aligned(addr(regs_.desc_lo, regs_.desc_hi)) ||
                !aligned(addr(regs_.avail_lo, regs_.avail_hi)) ||
                !aligned(addr(regs_.used_lo, regs_.used_hi))) {
                out.bad_queue = true;
            } else {
                regs_.enable = SRIOVNIC_SYNTH_QENABLE;
                regs_.avail_pos = regs_.used_pos = 0;
                out.then = Then::enabled;
            }
        }
        if (out.then != Then::nothing) {
            const bool on = enabled();
            hooks_.notify([&](StateObserver &o) {
                o.on_queue(requester_.fn, index_, index_ == SRIOVNIC_SYNTH_Q_TX, on);
            });
        }
        return out;
    case RingReg::notify:
        out.then = enabled() ? Then::notify : Then::nothing;
        return out;
    case RingReg::avail_pos:
    case RingReg::used_pos:
        out.result = Registers::Result::read_only;
        return out;
    }
    if (enabled()) {
        out.result = Registers::Result::bad_value; // geometry of a running queue
    } else {
        *geometry = value;
    }
    return out;
}

void SplitRing::disable(uint32_t err_bit, std::optional<uint32_t> offset)
{
    regs_.enable = 0;
    budget_ = 0;
    fn_.record_error(err_bit, offset);
    hooks_.notify([&](StateObserver &o) {
        o.on_queue(requester_.fn, index_, index_ == SRIOVNIC_SYNTH_Q_TX, false);
    });
}

void SplitRing::fault()
{
    fn_.count(SRIOVNIC_STAT_DMA_ERRORS);
    disable(SRIOVNIC_ERR_DMA, std::nullopt);
}

bool SplitRing::walk(uint16_t head, Chain &chain, bool &faulted)
{
    chain = Chain{};
    chain.head = head;
    if (head >= regs_.size) {
        return false;
    }
    const uint64_t table = addr(regs_.desc_lo, regs_.desc_hi);
    uint16_t idx = head;
    bool seen_write = false;
    for (;;) {
        std::array<uint8_t, sizeof(sriovnic_synth_desc)> raw;
        if (!bus_.dma_read(requester_, table + uint64_t(idx) * raw.size(), raw)) {
            faulted = true;
            return false;
        }
        const uint64_t a = wire::load_le<uint64_t>(raw.data() + offsetof(sriovnic_synth_desc, addr));
        const uint32_t len = wire::load_le<uint32_t>(raw.data() + offsetof(sriovnic_synth_desc, len));
        const uint16_t flags = wire::load_le<uint16_t>(raw.data() + offsetof(sriovnic_synth_desc, flags));
        const uint16_t next = wire::load_le<uint16_t>(raw.data() + offsetof(sriovnic_synth_desc, next));
        if (len < 1 || len > SRIOVNIC_SYNTH_DESC_LEN_MAX || (flags & ~SRIOVNIC_SYNTH_D_FLAGS_MASK) ||
            a + len < a) {
            return false;
        }
        const bool write = flags & SRIOVNIC_SYNTH_D_WRITE;
        if (!write && seen_write) {
            return false; // no readable after a writable
        }
        seen_write |= write;
        chain.segs[chain.count++] = {a, len, write};
        (write ? chain.writable : chain.readable) += len;
        if (!(flags & SRIOVNIC_SYNTH_D_NEXT)) {
            return shape_ok(chain);
        }
        if (next >= regs_.size || chain.count == SRIOVNIC_SYNTH_CHAIN_MAX) {
            return false; // also ends any loop
        }
        idx = next;
    }
}

bool SplitRing::shape_ok(const Chain &c) const
{
    switch (shape_) {
    case Shape::rx: return c.readable == 0;
    case Shape::tx: return c.writable == 0;
    case Shape::ctrl: return c.readable > 0 && c.writable >= SRIOVNIC_SYNTH_CTRL_RESP_MIN;
    case Shape::event: return c.readable == 0 && c.writable >= SRIOVNIC_SYNTH_EVENT_BUF_MIN;
    }
    return false;
}

SplitRing::Take SplitRing::take(Chain &chain)
{
    while (budget_ > 0 && enabled()) {
        const uint64_t avail = addr(regs_.avail_lo, regs_.avail_hi);
        std::array<uint8_t, 2> idx_raw;
        if (!bus_.dma_read(requester_, avail, idx_raw)) {
            fault();
            return Take::stopped;
        }
        const uint16_t idx = wire::load_le<uint16_t>(idx_raw.data());
        const uint16_t waiting = uint16_t(idx - regs_.avail_pos);
        if (waiting == 0) {
            return Take::empty;
        }
        if (waiting > regs_.size) {
            disable(SRIOVNIC_ERR_BAD_QUEUE, notify_offset()); // ring corrupt
            return Take::stopped;
        }
        std::array<uint8_t, 2> head_raw;
        const uint64_t entry = avail + SRIOVNIC_SYNTH_AVAIL_ENTRY(regs_.avail_pos % regs_.size);
        if (!bus_.dma_read(requester_, entry, head_raw)) {
            fault();
            return Take::stopped;
        }
        const uint16_t head = wire::load_le<uint16_t>(head_raw.data());
        regs_.avail_pos = (regs_.avail_pos + 1) & 0xFFFF;
        budget_--;
        bool faulted = false;
        if (walk(head, chain, faulted)) {
            return Take::chain;
        }
        if (faulted) {
            fault();
            return Take::stopped;
        }
        fn_.count(SRIOVNIC_STAT_DESC_ERRORS);
        fn_.record_error(SRIOVNIC_ERR_BAD_DESC, std::nullopt);
        if (!put_used(head, 0, true)) {
            return Take::stopped;
        }
    }
    return Take::stopped;
}

bool SplitRing::put_used(uint16_t id, uint32_t len, bool err)
{
    if (!enabled()) {
        return false;
    }
    const uint64_t used = addr(regs_.used_lo, regs_.used_hi);
    std::array<uint8_t, sizeof(sriovnic_synth_used_elem)> elem{};
    wire::store_le<uint16_t>(elem.data() + offsetof(sriovnic_synth_used_elem, id), id);
    wire::store_le<uint16_t>(elem.data() + offsetof(sriovnic_synth_used_elem, flags),
                             err ? uint16_t(SRIOVNIC_SYNTH_U_ERR) : uint16_t(0));
    wire::store_le<uint32_t>(elem.data() + offsetof(sriovnic_synth_used_elem, len), err ? 0 : len);
    const uint16_t next = uint16_t(regs_.used_pos + 1);
    std::array<uint8_t, 2> idx{};
    wire::store_le<uint16_t>(idx.data(), next);
    if (!bus_.dma_write(requester_, used + SRIOVNIC_SYNTH_USED_ENTRY(regs_.used_pos % regs_.size),
                        elem) ||
        !bus_.dma_write(requester_, used, idx)) {
        fault();
        return false;
    }
    regs_.used_pos = next;
    return true;
}

bool SplitRing::gather(const Chain &chain, std::span<uint8_t> out)
{
    size_t done = 0;
    for (unsigned i = 0; i < chain.count && done < out.size(); i++) {
        const Segment &s = chain.segs[i];
        if (s.write) {
            break;
        }
        const size_t n = std::min<size_t>(s.len, out.size() - done);
        if (!bus_.dma_read(requester_, s.addr, out.subspan(done, n))) {
            return false;
        }
        done += n;
    }
    return true;
}

bool SplitRing::scatter(const Chain &chain, std::span<const uint8_t> a, std::span<const uint8_t> b)
{
    std::span<const uint8_t> parts[2] = {a, b};
    unsigned part = 0;
    size_t part_off = 0;
    for (unsigned i = 0; i < chain.count && part < 2; i++) {
        const Segment &s = chain.segs[i];
        if (!s.write) {
            continue;
        }
        size_t seg_off = 0;
        while (seg_off < s.len && part < 2) {
            const std::span<const uint8_t> p = parts[part];
            const size_t n = std::min<size_t>(s.len - seg_off, p.size() - part_off);
            if (n && !bus_.dma_write(requester_, s.addr + seg_off, p.subspan(part_off, n))) {
                return false;
            }
            seg_off += n;
            part_off += n;
            if (part_off == p.size()) {
                part++;
                part_off = 0;
            }
        }
    }
    return true;
}

std::optional<std::string> SplitRing::validate_loaded() const
{
    const std::string who = "synthetic queue " + std::to_string(index_) + ": ";
    if (regs_.enable & ~SRIOVNIC_SYNTH_QENABLE) {
        return who + "enable has bits the hardware never sets";
    }
    if (regs_.avail_pos > 0xFFFF || regs_.used_pos > 0xFFFF) {
        return who + "ring positions beyond 16 bits";
    }
    if (enabled()) {
        if (!fn_.features_ok()) {
            return who + "enabled before features were accepted";
        }
        if (!good_size(regs_.size) || !aligned(addr(regs_.desc_lo, regs_.desc_hi)) ||
            !aligned(addr(regs_.avail_lo, regs_.avail_hi)) ||
            !aligned(addr(regs_.used_lo, regs_.used_hi))) {
            return who + "enabled with a geometry the device refuses";
        }
        if (uint16_t(regs_.avail_pos - regs_.used_pos) != 0) {
            return who + "entries taken but not used";
        }
    }
    return std::nullopt;
}

} // namespace sriovnic::synth
