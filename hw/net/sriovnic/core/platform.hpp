// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include <cstdint>
#include <optional>
#include <span>

namespace sriovnic {

// Everything the core needs from its host (QEMU, or a test's fake).
class Platform {
public:
    virtual ~Platform() = default;
    virtual void raise_msix(uint16_t fn, uint16_t vector) = 0;
    virtual void set_intx(bool asserted) = 0;
    // DMA as function `fn`; false if any byte was not accessible.
    virtual bool dma_read(uint16_t fn, uint64_t addr, std::span<uint8_t> buf) = 0;
    virtual bool dma_write(uint16_t fn, uint64_t addr, std::span<const uint8_t> buf) = 0;
    virtual void send_uplink(std::span<const uint8_t> frame) = 0;
    virtual void uplink_ready() = 0;
    virtual uint64_t now_ns() = 0;
    // One device-wide timer: a new deadline replaces the previous one.
    virtual void arm_timer(uint64_t deadline_ns) = 0;

    // State changes a developer wants to see (QEMU trace events); no-ops
    // unless the host cares. `offset` is the register, when there is one.
    virtual void trace_error(uint16_t /*fn*/, uint32_t /*err_bits*/,
                             std::optional<uint32_t> /*offset*/) {}
    virtual void trace_function_enable(uint16_t /*fn*/, bool /*enabled*/) {}
    virtual void trace_queue(uint16_t /*fn*/, unsigned /*q*/, bool /*tx*/, bool /*enabled*/) {}
    virtual void trace_link(uint16_t /*fn*/, bool /*up*/) {}
    // The PF changed a setting of VF `vf`: register offset in the PF's BAR.
    virtual void trace_vf_setting(uint16_t /*vf*/, uint32_t /*offset*/, uint32_t /*value*/) {}
    virtual void trace_mailbox(uint16_t /*vf*/, bool /*to_pf*/, uint32_t /*word0*/) {}
};

} // namespace sriovnic
