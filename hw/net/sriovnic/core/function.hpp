// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include "eswitch.hpp"
#include "frame.hpp"
#include "platform.hpp"
#include "regmap.hpp"
#include "sriovnic-core.h"

#include <array>
#include <cstdint>
#include <optional>
#include <string>

namespace sriovnic {

// One PCI function of the card (the PF or a VF): the register file common to
// both (identity, control and reset, interrupt cause/enable, error reporting,
// receive filters, counters, queue registers), the PF's administration of it
// when it is a VF (read-only here: PfAdmin owns it), its view as a switch
// port, and its runtime state that is not migrated.
class Function {
public:
    Function(uint16_t index, uint8_t queue_pairs, uint32_t caps, uint32_t regs_size,
             StateHooks &hooks, PortListener &ports, const SriovnicVfAdminRegs *admin);

    uint16_t index() const { return index_; }
    bool is_vf() const { return index_ != SRIOVNIC_FN_PF; }
    uint16_t vf_number() const { return sriovnic_vf_of_fn(index_); }
    uint8_t queue_pairs() const { return queue_pairs_; }
    uint16_t msix_vectors() const { return SRIOVNIC_MSIX_VECTORS(queue_pairs_); }
    uint32_t regs_size() const { return regs_size_; }

    // The common register `reg` (`element`: the counter of stat_lo/hi).
    uint32_t read_register(FnReg reg, unsigned element) const;

    // Outcome of a 32-bit write to a register.
    enum class WriteResult { done, read_only, unmapped, bad_value, denied };
    WriteResult write_register(FnReg reg, uint32_t value);
    // The interrupt-cause and error-latch registers.
    uint32_t read_cause(CauseReg reg) const;
    WriteResult write_cause(CauseReg reg, uint32_t value);

    // Latches a bad access (SRIOVNIC_ERR_* bits) and raises the error cause.
    // ERR_ADDR takes `offset` when the error has a register offset.
    void record_error(uint32_t err_bits, std::optional<uint32_t> offset);
    void raise_cause(uint32_t cause) { regs_.int_cause |= cause; }
    void count(unsigned stat, uint64_t n = 1) { regs_.stats[stat] += n; }

    // Power-on reset, FLR, or CTRL.RESET: every register to its reset value.
    void reset();

    // The function as management's query shows it (injected faults are the
    // card's to add).
    SriovnicFnInfo info() const;

    SriovnicFnRegs &regs() { return regs_; }
    const SriovnicFnRegs &regs() const { return regs_; }
    SriovnicQueueRegs &queue(unsigned q) { return regs_.queues[q]; }
    const SriovnicQueueRegs &queue(unsigned q) const { return regs_.queues[q]; }

    // After migration: refuse impossible values, rebuild interrupt state.
    std::optional<std::string> validate_loaded();

    // Called by the owner after anything that may change interrupt state.
    // Returns the vector to signal if new causes became pending.
    std::optional<uint16_t> take_new_interrupt();
    bool interrupt_pending() const { return (regs_.int_cause & regs_.int_enable) != 0; }

    void set_permanent_mac(const MacAddr &mac);
    MacAddr mac() const;

    // The PF's administration of this VF (all neutral for the PF).
    MacAddr admin_mac() const;
    bool port_vlan() const { return port_vid() != 0; }
    uint16_t port_vid() const { return admin_ ? admin_->vlan & 0xFFF : 0; }
    // The 802.1Q TCI the device inserts: PCP in bits 15:13, VID in 11:0.
    uint16_t port_vlan_tci() const
    {
        return admin_ ? uint16_t(((admin_->vlan >> 12) & 7) << 13 | port_vid()) : 0;
    }
    bool trusted() const { return !admin_ || (admin_->flags & SRIOVNIC_VFA_FLAG_TRUST); }
    bool spoofchk() const { return admin_ && (admin_->flags & SRIOVNIC_VFA_FLAG_SPOOFCHK); }
    unsigned max_mtu() const
    {
        return admin_ ? (admin_->flags & SRIOVNIC_VFA_MAX_MTU_MASK) >> SRIOVNIC_VFA_MAX_MTU_SHIFT
                      : 0;
    }
    unsigned link_policy() const
    {
        return admin_ ? (admin_->flags & SRIOVNIC_VFA_LINK_MASK) >> SRIOVNIC_VFA_LINK_SHIFT
                      : SRIOVNIC_VFA_LINK_AUTO;
    }
    uint32_t rate_mbps() const { return admin_ ? admin_->rate : 0; }
    bool mc_hash_by_pf() const { return admin_ && admin_->mc_hash_by_pf; }

    // A synthetic channel paired with this VF owns its MAC: nobody else may change it.
    void pin_mac(bool pinned) { mac_pinned_ = pinned; }
    bool mac_pinned() const { return mac_pinned_; }

    // The PF set an administrative MAC: it becomes the VF's address.
    void apply_admin_mac();
    // The PF was reset: its administration of this VF is gone.
    void forget_administration();

    bool enabled() const { return regs_.ctrl & SRIOVNIC_CTRL_ENABLE; }
    size_t max_frame() const { return size_t(regs_.mtu) + SRIOVNIC_FRAME_OVERHEAD; }

    bool link_up() const { return link_up_; }
    // Returns true if the link state changed (and raises INT_LINK).
    bool set_link(bool up);

    // A VF exists on the bus only while VF Enable covers it; the PF always.
    bool present() const { return present_; }
    void set_present(bool present);

    // What the embedded switch sees of this function's port.
    PortView port_view() const;
    // Something port_view() depends on changed outside this class.
    void port_changed() { ports_.port_changed(index_); }

    // Runtime state that is not migrated.
    struct TxShaper { // the VF rate limit's token bucket
        int64_t tokens = 0; // bytes; may go negative by one frame
        uint64_t last_ns = 0;
        bool paused = false;
    };
    struct IrqThrottle { // SRIOVNIC_Q_ITR: when each queue pair last interrupted
        std::array<std::optional<uint64_t>, SRIOVNIC_MAX_QUEUE_PAIRS> last_ns{};
        bool deferred = false; // an interrupt waits for its interval to pass
    };
    struct Runtime {
        TxShaper shaper;
        IrqThrottle throttle;
        bool tx_kick = false; // resume transmit on the next timer (after migration)
        // An injected DMA error (SRIOVNIC_INJECT_DMA_ERROR): the next DMA fails,
        // or every DMA until the host's fault ends. Survives the function's resets.
        enum class DmaFault : uint8_t { none, next, all } dma_fault = DmaFault::none;
    };
    Runtime &runtime() { return runtime_; }
    const Runtime &runtime() const { return runtime_; }

private:

    StateHooks *hooks_;
    PortListener &ports_;
    const SriovnicVfAdminRegs *admin_; // nullptr for the PF
    uint16_t index_;
    uint8_t queue_pairs_;
    uint32_t caps_;
    uint32_t regs_size_;
    MacAddr permanent_mac_{};
    SriovnicFnRegs regs_{};
    uint32_t signalled_ = 0; // pending causes already signalled
    bool link_up_ = false;
    bool present_ = false;
    bool mac_pinned_ = false;
    Runtime runtime_;
};

} // namespace sriovnic
