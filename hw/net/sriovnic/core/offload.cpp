// SPDX-License-Identifier: GPL-2.0-or-later
#include "offload.hpp"

#include <algorithm>
#include <cstring>

namespace sriovnic {

uint32_t csum_partial(std::span<const uint8_t> data, uint32_t sum)
{
    uint64_t acc = sum;
    size_t i = 0;
    for (; i + 1 < data.size(); i += 2) {
        acc += uint32_t(data[i]) << 8 | data[i + 1];
    }
    if (i < data.size()) {
        acc += uint32_t(data[i]) << 8;
    }
    while (acc >> 32) {
        acc = (acc & 0xFFFFFFFF) + (acc >> 32);
    }
    return uint32_t(acc);
}

uint16_t csum_fold(uint32_t sum)
{
    while (sum >> 16) {
        sum = (sum & 0xFFFF) + (sum >> 16);
    }
    return uint16_t(~sum);
}

bool apply_partial_csum(std::span<uint8_t> frame, size_t start, size_t offset)
{
    if (start >= frame.size() || start + offset + 2 > frame.size()) {
        return false;
    }
    // As Linux's software checksum does: a result of 0 goes out as 0xFFFF
    // (the same in ones' complement), because 0 means "no checksum" to UDP.
    const uint16_t csum = csum_fold(csum_partial(frame.subspan(start)));
    store_be16(frame, start + offset, csum ? csum : 0xFFFF);
    return true;
}

namespace {

// Sum of the pseudo-header for an L4 segment of `l4_len` bytes.
uint32_t pseudo_header_sum(std::span<const uint8_t> frame, const FrameInfo &info, size_t l4_len)
{
    uint32_t sum;
    if (info.ipv6) {
        sum = csum_partial(frame.subspan(info.l3_offset + 8, 32));
    } else {
        sum = csum_partial(frame.subspan(info.l3_offset + 12, 8));
    }
    sum = csum_partial({}, sum + *info.l4_proto + uint32_t(l4_len >> 16) + uint32_t(l4_len & 0xFFFF));
    return sum;
}

size_t l4_checksum_field(const FrameInfo &info)
{
    return info.l4_offset + (*info.l4_proto == kIpProtoTcp ? 16 : 6);
}

// The L4 length the IP header claims, bounded by the frame.
size_t l4_length(std::span<const uint8_t> frame, const FrameInfo &info)
{
    size_t end;
    if (info.ipv6) {
        end = info.l3_offset + 40 + load_be16(frame, info.l3_offset + 4);
    } else {
        end = info.l3_offset + load_be16(frame, info.l3_offset + 2);
    }
    end = std::min(end, frame.size());
    return end > info.l4_offset ? end - info.l4_offset : 0;
}

} // namespace

L4Check verify_l4_csum(std::span<const uint8_t> frame, const FrameInfo &info)
{
    if (!info.l4_proto) {
        return L4Check::none;
    }
    const size_t len = l4_length(frame, info);
    if (len < (*info.l4_proto == kIpProtoTcp ? 20u : 8u)) {
        return L4Check::bad;
    }
    if (*info.l4_proto == kIpProtoUdp && !info.ipv6 && load_be16(frame, info.l4_offset + 6) == 0) {
        return L4Check::good; // no checksum
    }
    const uint32_t sum = csum_partial(frame.subspan(info.l4_offset, len),
                                      pseudo_header_sum(frame, info, len));
    return csum_fold(sum) == 0 ? L4Check::good : L4Check::bad;
}

void fill_checksums(std::span<uint8_t> frame, const FrameInfo &info)
{
    if (!info.ipv6 && info.ethertype == kEthTypeIpv4) {
        const size_t ihl = size_t(frame[info.l3_offset] & 0xF) * 4;
        store_be16(frame, info.l3_offset + 10, 0);
        store_be16(frame, info.l3_offset + 10,
                   csum_fold(csum_partial(frame.subspan(info.l3_offset, ihl))));
    }
    if (!info.l4_proto) {
        return;
    }
    const size_t len = l4_length(frame, info);
    const size_t field = l4_checksum_field(info);
    if (field + 2 > frame.size()) {
        return;
    }
    store_be16(frame, field, 0);
    uint16_t csum = csum_fold(
        csum_partial(frame.subspan(info.l4_offset, len), pseudo_header_sum(frame, info, len)));
    if (csum == 0 && *info.l4_proto == kIpProtoUdp) {
        csum = 0xFFFF;
    }
    store_be16(frame, field, csum);
}

TsoResult tso_segment(std::span<const uint8_t> frame, uint16_t mss, std::span<uint8_t> scratch,
                      FrameSink &sink)
{
    const std::optional<FrameInfo> parsed = parse_frame(frame);
    if (!parsed || !parsed->l4_proto || *parsed->l4_proto != kIpProtoTcp || mss == 0) {
        return {false, 0};
    }
    const FrameInfo &info = *parsed;
    const size_t tcp_hdr_len = size_t(frame[info.l4_offset + 12] >> 4) * 4;
    const size_t hdr_len = info.l4_offset + tcp_hdr_len;
    if (tcp_hdr_len < 20 || hdr_len > frame.size() || hdr_len + mss > scratch.size()) {
        return {false, 0};
    }
    const size_t payload = frame.size() - hdr_len;
    const uint32_t seq0 = load_be32(frame, info.l4_offset + 4);
    const uint8_t flags0 = frame[info.l4_offset + 13];
    constexpr uint8_t kFin = 0x01, kPsh = 0x08, kCwr = 0x80;
    const uint16_t ip_id0 = info.ipv6 ? 0 : load_be16(frame, info.l3_offset + 4);

    unsigned segments = 0;
    size_t done = 0;
    do {
        const size_t chunk = std::min<size_t>(mss, payload - done);
        const bool last = done + chunk >= payload;
        std::span<uint8_t> seg = scratch.first(hdr_len + chunk);
        std::memcpy(seg.data(), frame.data(), hdr_len);
        std::memcpy(seg.data() + hdr_len, frame.data() + hdr_len + done, chunk);

        const size_t l3_payload = seg.size() - info.l3_offset;
        if (info.ipv6) {
            store_be16(seg, info.l3_offset + 4, uint16_t(l3_payload - 40));
        } else {
            store_be16(seg, info.l3_offset + 2, uint16_t(l3_payload));
            store_be16(seg, info.l3_offset + 4, uint16_t(ip_id0 + segments));
        }
        store_be32(seg, info.l4_offset + 4, seq0 + uint32_t(done));
        uint8_t flags = flags0;
        if (!last) {
            flags &= uint8_t(~(kFin | kPsh));
        }
        if (segments) {
            flags &= uint8_t(~kCwr);
        }
        seg[info.l4_offset + 13] = flags;
        fill_checksums(seg, info);
        sink.emit(seg);
        segments++;
        done += chunk;
    } while (done < payload);
    return {true, segments};
}

} // namespace sriovnic
