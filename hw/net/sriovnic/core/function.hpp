// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include "sriovnic-core.h"

#include <cstdint>
#include <optional>
#include <string>

namespace sriovnic {

// The register file common to the PF and every VF: identity, control and
// reset, interrupt cause/enable, error reporting. Knows nothing of the other
// functions; Device layers the PF-only registers on top.
class Function {
public:
    Function(uint16_t index, uint16_t msix_vectors, uint32_t caps, uint32_t regs_size);

    uint16_t index() const { return index_; }
    bool is_vf() const { return index_ != SRIOVNIC_FN_PF; }
    uint16_t msix_vectors() const { return msix_vectors_; }
    uint32_t regs_size() const { return regs_size_; }

    // Returns the register's value, or nullopt if no common register lives
    // at this aligned offset.
    std::optional<uint32_t> read_register(uint32_t offset) const;

    // Outcome of a 32-bit write to a common register.
    enum class WriteResult { done, read_only, unmapped };
    WriteResult write_register(uint32_t offset, uint32_t value);

    // Latches a bad access (SRIOVNIC_ERR_* bits) and raises the error cause.
    // ERR_ADDR takes `offset` when the error has a register offset.
    void record_error(uint32_t err_bits, std::optional<uint32_t> offset);

    // Power-on reset, FLR, or CTRL.RESET: every register to its reset value.
    void reset();

    SriovnicFnRegs &regs() { return regs_; }

    // After migration: refuse impossible values, rebuild interrupt state.
    std::optional<std::string> validate_loaded();

    // Called by the owner after anything that may change interrupt state.
    // Returns the vector to signal if new causes became pending.
    std::optional<uint16_t> take_new_interrupt();
    bool interrupt_pending() const { return (regs_.int_cause & regs_.int_enable) != 0; }

    void set_mac(const uint8_t mac[6]);

private:
    void raise_cause(uint32_t cause) { regs_.int_cause |= cause; }
    bool misc_vector_usable() const;

    uint16_t index_;
    uint16_t msix_vectors_;
    uint32_t caps_;
    uint32_t regs_size_;
    uint32_t mac_lo_ = 0;
    uint32_t mac_hi_ = 0;
    SriovnicFnRegs regs_{};
    uint32_t signalled_ = 0; // pending causes already signalled
};

} // namespace sriovnic
