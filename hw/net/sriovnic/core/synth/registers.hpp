// SPDX-License-Identifier: GPL-2.0-or-later
// The synthetic function's register file (docs/synthetic-channel.md,
// "Register map"): identity, control and reset, interrupt causes, errors,
// receive filter and MTU, counters, feature negotiation and DATA_IRQ. Queue
// registers are SplitRing's, DATAPATH is the channel's; this class knows
// neither rings nor the switch.
#pragma once

#include "frame.hpp"
#include "platform.hpp"
#include "sriovnic-core.h"
#include "synth/decode.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace sriovnic::synth {

// What the host set (properties, management); survives the function's resets.
struct HostSettings {
    MacAddr mac{};
    uint32_t dev_features = 0;
    uint16_t max_mtu = SRIOVNIC_MTU_DEFAULT;
    uint32_t offloads = 0;
    uint32_t revoke_timeout_ms = 1000;
    bool sriov_allowed = true;
    uint32_t port_policies = 0; // SRIOVNIC_SYNTH_POLICY_*
    // The VF may be offered: SR-IOV allowed and no policy only software enforces.
    bool vf_allowed() const { return sriov_allowed && !port_policies; }
};

class Registers {
public:
    Registers(uint16_t fn, SriovnicSynthRegs &regs, const HostSettings &host, StateHooks &hooks);

    // Outcome of a 32-bit write; `then` says what the owner must do next.
    enum class Result { done, read_only, bad_value };
    enum class Then { nothing, reset, enable_changed, filter_changed, data_irq_unmasked };
    struct Outcome {
        Result result = Result::done;
        Then then = Then::nothing;
    };

    // The common file (`element`: the counter of stat_lo/hi).
    uint32_t read(FnReg reg, unsigned element, bool link_up) const;
    Outcome write(FnReg reg, uint32_t value);
    // The interrupt-cause and error-latch registers.
    uint32_t read(CauseReg reg) const;
    Outcome write(CauseReg reg, uint32_t value);
    // The synthetic registers (`element`: the counter of stat_lo/hi).
    uint32_t read(SynthReg reg, unsigned element) const;
    Outcome write(SynthReg reg, uint32_t value);

    void record_error(uint32_t err_bits, std::optional<uint32_t> offset);
    void raise_cause(uint32_t cause) { regs_.int_cause |= cause; }
    void count(unsigned stat, uint64_t n = 1) { regs_.stats[stat] += n; }
    void count_synth(unsigned stat, uint64_t n = 1) { regs_.synth_stats[stat] += n; }
    void count_guard_drop() { regs_.guard_drops++; }

    // Function reset: every register to its reset value (host settings stay).
    void reset();
    // MAX_MTU fell: MTU follows it down. Returns true if MTU changed.
    bool clamp_mtu();

    bool enabled() const { return regs_.ctrl & SRIOVNIC_CTRL_ENABLE; }
    bool features_ok() const { return regs_.features_ok != 0; }
    // The negotiated set (0 before FEATURES_OK).
    uint32_t features() const { return features_ok() ? regs_.drv_features : 0; }
    bool has(uint32_t feature) const { return features() & feature; }
    size_t max_frame() const { return size_t(regs_.mtu) + SRIOVNIC_FRAME_OVERHEAD; }

    // Misc causes: the vector to signal if new enabled causes became pending.
    std::optional<uint16_t> take_new_interrupt();
    // Vector 1 (RX + TX): true if it must be signalled now (it then masks itself).
    bool data_work_done();

    std::optional<std::string> validate_loaded() const;
    void after_load() { signalled_ = regs_.int_cause & regs_.int_enable; }

    SriovnicSynthRegs &regs() { return regs_; }
    const SriovnicSynthRegs &regs() const { return regs_; }
    const HostSettings &host() const { return host_; }

private:
    uint16_t fn_;
    SriovnicSynthRegs &regs_;
    const HostSettings &host_;
    StateHooks &hooks_;
    uint32_t signalled_ = 0;
};

} // namespace sriovnic::synth
