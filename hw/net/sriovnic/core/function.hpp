// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include "frame.hpp"
#include "platform.hpp"
#include "sriovnic-core.h"

#include <cstdint>
#include <optional>
#include <string>

namespace sriovnic {

// The register file common to the PF and every VF: identity, control and
// reset, interrupt cause/enable, error reporting, receive filters and
// counters. Queue registers are stored here but driven by Device, which also
// layers the PF-only registers on top.
class Function {
public:
    Function(uint16_t index, uint8_t queue_pairs, uint32_t caps, uint32_t regs_size,
             Platform &platform);

    uint16_t index() const { return index_; }
    bool is_vf() const { return index_ != SRIOVNIC_FN_PF; }
    uint8_t queue_pairs() const { return queue_pairs_; }
    uint16_t msix_vectors() const { return SRIOVNIC_MSIX_VECTORS(queue_pairs_); }
    uint32_t regs_size() const { return regs_size_; }

    // Returns the register's value, or nullopt if no common register lives
    // at this aligned offset.
    std::optional<uint32_t> read_register(uint32_t offset) const;

    // Outcome of a 32-bit write to a common register.
    enum class WriteResult { done, read_only, unmapped, bad_value, denied };
    WriteResult write_register(uint32_t offset, uint32_t value);

    // Latches a bad access (SRIOVNIC_ERR_* bits) and raises the error cause.
    // ERR_ADDR takes `offset` when the error has a register offset.
    void record_error(uint32_t err_bits, std::optional<uint32_t> offset);
    void raise_cause(uint32_t cause) { regs_.int_cause |= cause; }
    void count(unsigned stat, uint64_t n = 1) { regs_.stats[stat] += n; }

    // Power-on reset, FLR, or CTRL.RESET: every register to its reset value.
    void reset();

    SriovnicFnRegs &regs() { return regs_; }
    const SriovnicFnRegs &regs() const { return regs_; }
    SriovnicQueueRegs &queue(unsigned q) { return regs_.queues[q]; }

    // After migration: refuse impossible values, rebuild interrupt state.
    std::optional<std::string> validate_loaded();

    // Called by the owner after anything that may change interrupt state.
    // Returns the vector to signal if new causes became pending.
    std::optional<uint16_t> take_new_interrupt();
    bool interrupt_pending() const { return (regs_.int_cause & regs_.int_enable) != 0; }

    void set_permanent_mac(const MacAddr &mac);
    MacAddr mac() const;

    // VF administration by the PF (SRIOVNIC_VFA_*).
    MacAddr admin_mac() const;
    void set_admin_mac(uint32_t lo, uint32_t hi);
    bool port_vlan() const { return port_vid() != 0; }
    uint16_t port_vid() const { return regs_.admin_vlan & 0xFFF; }
    // The 802.1Q TCI the device inserts: PCP in bits 15:13, VID in 11:0.
    uint16_t port_vlan_tci() const
    {
        return uint16_t(((regs_.admin_vlan >> 12) & 7) << 13 | port_vid());
    }
    bool trusted() const { return !is_vf() || (regs_.admin_flags & SRIOVNIC_VFA_FLAG_TRUST); }
    bool spoofchk() const { return is_vf() && (regs_.admin_flags & SRIOVNIC_VFA_FLAG_SPOOFCHK); }
    unsigned max_mtu() const
    {
        return (regs_.admin_flags & SRIOVNIC_VFA_MAX_MTU_MASK) >> SRIOVNIC_VFA_MAX_MTU_SHIFT;
    }
    unsigned link_policy() const
    {
        return (regs_.admin_flags & SRIOVNIC_VFA_LINK_MASK) >> SRIOVNIC_VFA_LINK_SHIFT;
    }
    void reset_admin();
    bool enabled() const { return regs_.ctrl & SRIOVNIC_CTRL_ENABLE; }
    size_t max_frame() const { return size_t(regs_.mtu) + SRIOVNIC_FRAME_OVERHEAD; }

    bool link_up() const { return link_up_; }
    // Returns true if the link state changed (and raises INT_LINK).
    bool set_link(bool up);

private:
    bool misc_vector_usable() const;

    Platform *platform_; // for trace events
    uint16_t index_;
    uint8_t queue_pairs_;
    uint32_t caps_;
    uint32_t regs_size_;
    MacAddr permanent_mac_{};
    SriovnicFnRegs regs_{};
    uint32_t signalled_ = 0; // pending causes already signalled
    bool link_up_ = false;
};

} // namespace sriovnic
