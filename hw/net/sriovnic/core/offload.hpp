// SPDX-License-Identifier: GPL-2.0-or-later
// Checksum and segmentation offloads, on frames in caller-provided memory.
#pragma once

#include "frame.hpp"

#include <cstdint>
#include <span>

namespace sriovnic {

// Ones-complement sum of `data` (network byte order), not folded.
uint32_t csum_partial(std::span<const uint8_t> data, uint32_t sum = 0);
uint16_t csum_fold(uint32_t sum);

// Linux CHECKSUM_PARTIAL: sum from `start` to the end of the frame (the field
// at start + offset already holds the pseudo-header sum) and store the folded
// complement there. Returns false if the offsets do not fit the frame.
bool apply_partial_csum(std::span<uint8_t> frame, size_t start, size_t offset);

enum class L4Check { none, good, bad };
// Verifies the TCP/UDP checksum of an IPv4/IPv6 frame (UDP/IPv4 checksum 0 is good).
L4Check verify_l4_csum(std::span<const uint8_t> frame, const FrameInfo &info);

// Recomputes the IPv4 header checksum and the full TCP/UDP checksum of a frame.
void fill_checksums(std::span<uint8_t> frame, const FrameInfo &info);

class FrameSink {
public:
    virtual void emit(std::span<const uint8_t> frame) = 0;

protected:
    ~FrameSink() = default;
};

struct TsoResult {
    bool ok;
    unsigned segments;
};
// Splits a TCP frame (IPv4 or IPv6) into frames of at most `mss` payload bytes
// with correct headers and checksums, built one at a time in `scratch` and
// handed to `emit`. The TCP header must lie within the frame.
TsoResult tso_segment(std::span<const uint8_t> frame, uint16_t mss, std::span<uint8_t> scratch,
                      FrameSink &sink);

} // namespace sriovnic
