// SPDX-License-Identifier: GPL-2.0-or-later
#include "synth/registers.hpp"

#include "cause_regs.hpp"
#include "mac_regs.hpp"


namespace sriovnic::synth {

namespace {

constexpr uint32_t kCaps = 1u << SRIOVNIC_CAPS_QPAIRS_SHIFT; // one queue pair, not a VF, no SR-IOV

} // namespace

Registers::Registers(uint16_t fn, SriovnicSynthRegs &regs, const HostSettings &host,
                     StateHooks &hooks)
    : fn_(fn), regs_(regs), host_(host), hooks_(hooks)
{
}

void Registers::reset()
{
    // The data path and its standing offer are the channel's to carry over.
    const uint32_t dp_state = regs_.dp_state, dp_vf = regs_.dp_vf, dp_serial = regs_.dp_serial;
    regs_ = SriovnicSynthRegs{};
    regs_.dp_state = dp_state;
    regs_.dp_vf = dp_vf;
    regs_.dp_serial = dp_serial;
    regs_.status = SRIOVNIC_STATUS_RESET_DONE;
    regs_.mtu = SRIOVNIC_MTU_DEFAULT;
    regs_.data_irq = SRIOVNIC_QIRQ_MASKED;
    signalled_ = 0;
}

bool Registers::clamp_mtu()
{
    if (regs_.mtu > host_.max_mtu) {
        regs_.mtu = host_.max_mtu;
        return true;
    }
    return false;
}

uint32_t Registers::read(FnReg reg, unsigned element, bool link_up) const
{
    switch (reg) {
    case FnReg::id: return SRIOVNIC_ID_MAGIC;
    case FnReg::version: return SRIOVNIC_VERSION_VALUE;
    case FnReg::caps: return kCaps;
    case FnReg::func: return SRIOVNIC_SYNTH_FUNC_VALUE;
    case FnReg::ctrl: return regs_.ctrl;
    case FnReg::status: {
        uint32_t status = regs_.status & SRIOVNIC_STATUS_RESET_DONE;
        status |= enabled() ? SRIOVNIC_STATUS_ENABLED : 0;
        status |= regs_.err_cause ? SRIOVNIC_STATUS_ERROR : 0;
        status |= link_up ? SRIOVNIC_STATUS_LINK_UP : 0;
        return status;
    }
    case FnReg::scratch: return regs_.scratch;
    case FnReg::mac_lo: return mac_regs::lo(host_.mac);
    case FnReg::mac_hi: return mac_regs::hi(host_.mac);
    case FnReg::mtu: return regs_.mtu;
    case FnReg::rx_mode: return regs_.rx_mode;
    case FnReg::mc_hash_lo: return regs_.mc_hash_lo;
    case FnReg::mc_hash_hi: return regs_.mc_hash_hi;
    case FnReg::stat_lo: return uint32_t(regs_.stats[element]);
    case FnReg::stat_hi: return uint32_t(regs_.stats[element] >> 32);
    }
    return 0;
}

uint32_t Registers::read(SynthReg reg, unsigned element) const
{
    switch (reg) {
    case SynthReg::dev_features: return host_.dev_features;
    case SynthReg::drv_features: return regs_.drv_features;
    case SynthReg::features_ok: return regs_.features_ok;
    case SynthReg::max_mtu: return host_.max_mtu;
    case SynthReg::offloads: return host_.offloads;
    case SynthReg::data_irq: return regs_.data_irq;
    case SynthReg::stat_lo: return uint32_t(regs_.synth_stats[element]);
    case SynthReg::stat_hi: return uint32_t(regs_.synth_stats[element] >> 32);
    }
    return 0;
}

uint32_t Registers::read(CauseReg reg) const { return cause_regs::read(regs_, reg); }

Registers::Outcome Registers::write(CauseReg reg, uint32_t value)
{
    Outcome out;
    switch (cause_regs::write(regs_, reg, value, SRIOVNIC_SYNTH_INT_ALL, SRIOVNIC_SYNTH_MSIX_VECTORS)) {
    case cause_regs::Write::done:
        break;
    case cause_regs::Write::read_only:
        out.result = Result::read_only;
        break;
    case cause_regs::Write::unusable_vector:
        record_error(SRIOVNIC_ERR_BAD_VECTOR, SRIOVNIC_REG_MISC_VECTOR);
        break;
    }
    return out;
}

Registers::Outcome Registers::write(FnReg reg, uint32_t value)
{
    Outcome out;
    switch (reg) {
    case FnReg::id:
    case FnReg::version:
    case FnReg::caps:
    case FnReg::func:
    case FnReg::status:
    case FnReg::mac_lo: // the host's: read-only here
    case FnReg::mac_hi:
    case FnReg::stat_lo:
    case FnReg::stat_hi:
        out.result = Result::read_only;
        break;
    case FnReg::ctrl:
        if (value & SRIOVNIC_CTRL_RESET) {
            out.then = Then::reset;
        } else {
            const bool was = enabled();
            regs_.ctrl = value & SRIOVNIC_CTRL_RW_MASK;
            if (enabled()) {
                regs_.status &= ~SRIOVNIC_STATUS_RESET_DONE;
            }
            if (enabled() != was) {
                out.then = Then::enable_changed;
                hooks_.notify([&](StateObserver &o) { o.on_function_enable(fn_, enabled()); });
            }
        }
        break;
    case FnReg::scratch: regs_.scratch = value; break;
    case FnReg::mtu: {
        const uint32_t max = has(SRIOVNIC_SYNTH_F_MTU) ? host_.max_mtu : SRIOVNIC_MTU_DEFAULT;
        if (value < SRIOVNIC_MTU_MIN || value > max) {
            out.result = Result::bad_value;
        } else {
            regs_.mtu = value;
        }
        break;
    }
    case FnReg::rx_mode:
        regs_.rx_mode = value & SRIOVNIC_RX_MODE_RW_MASK;
        out.then = Then::filter_changed;
        break;
    case FnReg::mc_hash_lo:
    case FnReg::mc_hash_hi:
        (reg == FnReg::mc_hash_lo ? regs_.mc_hash_lo : regs_.mc_hash_hi) = value;
        out.then = Then::filter_changed;
        break;
    }
    return out;
}

Registers::Outcome Registers::write(SynthReg reg, uint32_t value)
{
    Outcome out;
    switch (reg) {
    case SynthReg::dev_features:
    case SynthReg::max_mtu:
    case SynthReg::offloads:
    case SynthReg::stat_lo:
    case SynthReg::stat_hi:
        out.result = Result::read_only;
        break;
    case SynthReg::drv_features:
        if (features_ok()) {
            // Fixed until the next reset: say so twice, as the spec asks.
            record_error(SRIOVNIC_SYNTH_ERR_FEATURES, SRIOVNIC_SYNTH_REG_DRV_FEATURES);
            out.result = Result::read_only;
        } else {
            regs_.drv_features = value;
        }
        break;
    case SynthReg::features_ok:
        if ((value & SRIOVNIC_SYNTH_FEATURES_OK_BIT) && !features_ok()) {
            if (sriovnic_synth_features_ok(host_.dev_features, regs_.drv_features)) {
                regs_.features_ok = 1;
            } else {
                // Refuse the whole set; never trim it.
                record_error(SRIOVNIC_SYNTH_ERR_FEATURES, SRIOVNIC_SYNTH_REG_FEATURES_OK);
            }
        }
        break;
    case SynthReg::data_irq:
        if (value & SRIOVNIC_QIRQ_MASK) {
            regs_.data_irq |= SRIOVNIC_QIRQ_MASKED;
        } else if (value & SRIOVNIC_QIRQ_UNMASK) {
            regs_.data_irq &= ~SRIOVNIC_QIRQ_MASKED;
            out.then = Then::data_irq_unmasked;
        }
        break;
    }
    return out;
}

bool Registers::data_work_done()
{
    if (regs_.data_irq & SRIOVNIC_QIRQ_MASKED) {
        regs_.data_irq |= SRIOVNIC_QIRQ_PENDING;
        return false;
    }
    regs_.data_irq = SRIOVNIC_QIRQ_MASKED;
    return true;
}

void Registers::record_error(uint32_t err_bits, std::optional<uint32_t> offset)
{
    cause_regs::latch_error(regs_, err_bits, offset);
    hooks_.notify([&](StateObserver &o) { o.on_guest_error(fn_, err_bits, offset); });
}

std::optional<uint16_t> Registers::take_new_interrupt()
{
    return cause_regs::take_new_interrupt(regs_, signalled_, SRIOVNIC_SYNTH_MSIX_VECTORS);
}

std::optional<std::string> Registers::validate_loaded() const
{
    struct Check {
        const char *name;
        uint32_t value;
        uint32_t allowed;
    };
    const Check checks[] = {
        {"ctrl", regs_.ctrl, SRIOVNIC_CTRL_RW_MASK},
        {"status", regs_.status, SRIOVNIC_STATUS_RESET_DONE},
        {"int_cause", regs_.int_cause, SRIOVNIC_SYNTH_INT_ALL},
        {"int_enable", regs_.int_enable, SRIOVNIC_SYNTH_INT_ALL},
        {"misc_vector", regs_.misc_vector, SRIOVNIC_VECTOR_RW_MASK},
        {"err_cause", regs_.err_cause, SRIOVNIC_SYNTH_ERR_ALL},
        {"rx_mode", regs_.rx_mode, SRIOVNIC_RX_MODE_RW_MASK},
        {"features_ok", regs_.features_ok, 1},
        {"data_irq", regs_.data_irq, SRIOVNIC_QIRQ_MASKED | SRIOVNIC_QIRQ_PENDING},
    };
    for (const Check &c : checks) {
        if (c.value & ~c.allowed) {
            return std::string("synthetic function: ") + c.name + " has bits " +
                   std::to_string(c.value & ~c.allowed) + " that the hardware never sets";
        }
    }
    if (regs_.features_ok &&
        !sriovnic_synth_features_ok(host_.dev_features, regs_.drv_features)) {
        return "synthetic function: negotiated features " + std::to_string(regs_.drv_features) +
               " are not a valid subset of the offered " + std::to_string(host_.dev_features);
    }
    const uint32_t max_mtu =
        (regs_.features_ok && (regs_.drv_features & SRIOVNIC_SYNTH_F_MTU)) ? host_.max_mtu
                                                                           : SRIOVNIC_MTU_DEFAULT;
    if (regs_.mtu < SRIOVNIC_MTU_MIN || regs_.mtu > max_mtu) {
        return "synthetic function: mtu " + std::to_string(regs_.mtu) + " out of range";
    }
    if (regs_.err_addr >= SRIOVNIC_SYNTH_REGS_SIZE) {
        return "synthetic function: err_addr lies outside the register BAR";
    }
    return std::nullopt;
}

} // namespace sriovnic::synth
