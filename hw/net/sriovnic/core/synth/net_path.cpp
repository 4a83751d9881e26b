// SPDX-License-Identifier: GPL-2.0-or-later
#include "synth/net_path.hpp"

#include "synth/port_guard.hpp"
#include "wire.hpp"

#include <array>

namespace sriovnic::synth {

NetPath::NetPath(Registers &fn, SplitRing &rx, SplitRing &tx, Switch &eswitch, uint16_t port,
                 Owner &owner)
    : fn_(fn), rx_(rx), tx_(tx), switch_(eswitch), port_(port), owner_(owner),
      frame_buf_(SRIOVNIC_SYNTH_NET_HDR_SIZE + SRIOVNIC_SYNTH_TX_FRAME_MAX),
      seg_buf_(SRIOVNIC_MTU_MAX + SRIOVNIC_FRAME_OVERHEAD)
{
}

void NetPath::transmit()
{
    const uint32_t before = tx_.used_pos();
    Chain chain;
    tx_.begin_pass();
    while (tx_.take(chain) == SplitRing::Take::chain) {
        const bool err = transmit_chain(chain);
        if (!tx_.put_used(chain.head, 0, err)) {
            break;
        }
    }
    if (tx_.used_pos() != before) { // chains the ring used with ERR count too
        owner_.data_work_done();
    }
}

bool NetPath::transmit_chain(const Chain &chain)
{
    const size_t total = chain.readable;
    if (total > frame_buf_.size()) {
        fn_.count_synth(SRIOVNIC_SYNTH_STAT_TX_BAD_HDR);
        fn_.record_error(SRIOVNIC_SYNTH_ERR_BAD_NET_HDR, std::nullopt);
        return true;
    }
    std::span<uint8_t> buf = std::span(frame_buf_).first(total);
    if (!tx_.gather(chain, buf)) {
        fn_.count(SRIOVNIC_STAT_DMA_ERRORS);
        fn_.record_error(SRIOVNIC_ERR_DMA, std::nullopt);
        return true;
    }
    if (total < SRIOVNIC_SYNTH_NET_HDR_SIZE ||
        sriovnic_synth_net_hdr_check(buf.data(), total - SRIOVNIC_SYNTH_NET_HDR_SIZE,
                                     fn_.features(), 1) != SRIOVNIC_SYNTH_MSG_VALID) {
        fn_.count_synth(SRIOVNIC_SYNTH_STAT_TX_BAD_HDR);
        fn_.record_error(SRIOVNIC_SYNTH_ERR_BAD_NET_HDR, std::nullopt);
        return true;
    }
    const uint8_t *nh = buf.data();
    const uint8_t flags = nh[offsetof(sriovnic_synth_net_hdr, flags)];
    const uint8_t gso = nh[offsetof(sriovnic_synth_net_hdr, gso_type)];
    const uint16_t gso_size = wire::load_le<uint16_t>(nh + offsetof(sriovnic_synth_net_hdr, gso_size));
    const uint16_t cstart = wire::load_le<uint16_t>(nh + offsetof(sriovnic_synth_net_hdr, csum_start));
    const uint16_t coff = wire::load_le<uint16_t>(nh + offsetof(sriovnic_synth_net_hdr, csum_offset));
    std::span<uint8_t> frame = buf.subspan(SRIOVNIC_SYNTH_NET_HDR_SIZE);

    if (!owner_.link_up()) {
        fn_.count(SRIOVNIC_STAT_TX_DROP_LINK);
        return false; // not the driver's fault
    }
    if (gso != SRIOVNIC_SYNTH_GSO_NONE) {
        const std::optional<FrameInfo> info = parse_frame(frame);
        const bool v6 = gso == SRIOVNIC_SYNTH_GSO_TCPV6;
        if (!info || info->ipv6 != v6 || info->l4_proto != kIpProtoTcp) {
            fn_.count_synth(SRIOVNIC_SYNTH_STAT_TX_BAD_HDR);
            fn_.record_error(SRIOVNIC_SYNTH_ERR_BAD_NET_HDR, std::nullopt);
            return true;
        }
        SegmentSink sink(*this);
        const TsoResult result = tso_segment(frame, gso_size, seg_buf_, sink);
        if (!result.ok) {
            fn_.count_synth(SRIOVNIC_SYNTH_STAT_TX_BAD_HDR);
            fn_.record_error(SRIOVNIC_SYNTH_ERR_BAD_NET_HDR, std::nullopt);
            return true;
        }
        fn_.count(SRIOVNIC_STAT_TX_TSO_SEGS, result.segments);
        return sink.oversized;
    }
    if (frame.size() > fn_.max_frame()) {
        fn_.count(SRIOVNIC_STAT_TX_DROP_SIZE);
        return true;
    }
    if ((flags & SRIOVNIC_SYNTH_NH_NEEDS_CSUM) && !apply_partial_csum(frame, cstart, coff)) {
        fn_.count_synth(SRIOVNIC_SYNTH_STAT_TX_BAD_HDR);
        fn_.record_error(SRIOVNIC_SYNTH_ERR_BAD_NET_HDR, std::nullopt);
        return true;
    }
    send(frame);
    return false;
}

void NetPath::SegmentSink::emit(std::span<const uint8_t> frame)
{
    if (frame.size() > path_.fn_.max_frame()) {
        path_.fn_.count(SRIOVNIC_STAT_TX_DROP_SIZE);
        oversized = true;
        return;
    }
    path_.send(frame);
}

void NetPath::send(std::span<const uint8_t> frame)
{
    const std::optional<FrameInfo> info = parse_frame(frame);
    if (!info) {
        return;
    }
    if (guard_match(frame, *info, fn_.host().port_policies)) {
        fn_.count_guard_drop(); // the host's policy, not the driver's fault: no ERR
        return;
    }
    fn_.count(SRIOVNIC_STAT_TX_PACKETS);
    fn_.count(SRIOVNIC_STAT_TX_BYTES, frame.size());
    switch_.transmit(port_, frame, *info);
}

Delivery NetPath::receive(std::span<const uint8_t> frame, const FrameInfo &info,
                          bool hold_when_full)
{
    if (!rx_.enabled()) {
        fn_.count(SRIOVNIC_STAT_RX_DROP_NOBUF);
        return Delivery::dropped;
    }
    if (frame.size() > fn_.max_frame()) {
        fn_.count(SRIOVNIC_STAT_RX_DROP_SIZE); // no buffer touched
        return Delivery::dropped;
    }
    Chain chain;
    const uint32_t before = rx_.used_pos();
    rx_.begin_pass();
    switch (rx_.take(chain)) {
    case SplitRing::Take::chain:
        break;
    case SplitRing::Take::empty:
        if (hold_when_full) {
            return Delivery::busy;
        }
        fn_.count(SRIOVNIC_STAT_RX_DROP_NOBUF);
        return Delivery::dropped;
    case SplitRing::Take::stopped:
        if (rx_.used_pos() != before) {
            owner_.data_work_done(); // chains used with ERR on the way
        }
        fn_.count(SRIOVNIC_STAT_RX_DROP_NOBUF);
        return Delivery::dropped;
    }
    const size_t need = SRIOVNIC_SYNTH_NET_HDR_SIZE + frame.size();
    bool err = false;
    if (chain.writable < need) {
        fn_.count(SRIOVNIC_STAT_RX_DROP_SIZE); // the driver's sizing mistake shows
        err = true;
    } else {
        std::array<uint8_t, SRIOVNIC_SYNTH_NET_HDR_SIZE> nh{};
        if (fn_.has(SRIOVNIC_SYNTH_F_CSUM_RX) && (fn_.host().offloads & SRIOVNIC_SYNTH_F_CSUM_RX) &&
            verify_l4_csum(frame, info) == L4Check::good) {
            nh[offsetof(sriovnic_synth_net_hdr, flags)] = SRIOVNIC_SYNTH_NH_CSUM_VALID;
        }
        if (!rx_.scatter(chain, nh, frame)) {
            fn_.count(SRIOVNIC_STAT_DMA_ERRORS);
            fn_.record_error(SRIOVNIC_ERR_DMA, std::nullopt);
            err = true;
        }
    }
    const bool used = rx_.put_used(chain.head, uint32_t(need), err);
    owner_.data_work_done();
    if (!used || err) {
        return Delivery::dropped;
    }
    fn_.count(SRIOVNIC_STAT_RX_PACKETS);
    fn_.count(SRIOVNIC_STAT_RX_BYTES, frame.size());
    return Delivery::delivered;
}

} // namespace sriovnic::synth
