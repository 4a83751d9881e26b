// SPDX-License-Identifier: GPL-2.0-or-later
// Faults the host injects on a VF (SriovnicInjectedFault in sriovnic-core.h):
// link flap, surprise removal and its restore, FLR, mailbox timeout, DMA
// error. The injector checks each request, keeps every VF's fault state and
// the deadlines of faults with a duration, and ends them on its own timer.
// What a fault does to the card it asks of the card through FaultTarget; the
// parts whose hot paths must see a fault keep one flag each (Mailbox's hold,
// Function::Runtime::dma_fault), which only the injector and the DMA that
// consumes a one-shot error change.
#pragma once

#include "function.hpp"
#include "platform.hpp"
#include "sriovnic-core.h"
#include "timers.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sriovnic {

// A SriovnicInjectedFault as management spells it; nullptr if unknown.
const char *fault_name(unsigned fault);

// The card as the fault injector acts on it.
class FaultTarget {
public:
    // VFs enabled now (VF Enable with NumVFs); faults need an enabled VF.
    virtual uint16_t vfs_enabled() const = 0;
    // VF `vf` has just been surprise-removed (FaultInjector::removed() says
    // so): it must vanish and lose what it was doing. Or it has just been
    // restored: it must come back reset, as a newly plugged VF.
    virtual void vf_removal_changed(uint16_t vf) = 0;
    // A VF's link may now have to follow FaultInjector::link_held_down().
    virtual void vf_links_changed() = 0;
    // While held, VF `vf`'s mailbox messages do not reach the PF.
    virtual void hold_mailbox(uint16_t vf, bool held) = 0;
    // VF `vf`'s DMA fault mode (CardBus fails its DMA while not none).
    virtual Function::Runtime::DmaFault &dma_fault(uint16_t vf) = 0;

protected:
    ~FaultTarget() = default;
};

class FaultInjector final : public TimerService::Client {
public:
    FaultInjector(uint16_t total_vfs, FaultTarget &card, TimerService &timers, StateHooks &hooks,
                  Platform &platform);
    FaultInjector(const FaultInjector &) = delete;
    FaultInjector &operator=(const FaultInjector &) = delete;

    // The host injects a fault as management asked for it, ranges unchecked
    // (without a duration: the fault's default). Returns why not, in words
    // naming the argument and its allowed values, if refused. An FLR is only
    // checked here: the platform carries it out as the VF's PCI FLR (the
    // card's reset_function).
    std::optional<std::string> inject(const SriovnicFaultRequest &request);

    // False for a VF index the card does not have.
    bool removed(uint16_t vf) const { return vf < removed_.size() && removed_[vf]; }
    // Function `f` is a surprise-removed VF: its registers answer nothing.
    bool hides(const Function &f) const { return f.is_vf() && removed(f.vf_number()); }
    bool link_held_down(uint16_t vf) const { return vf < removed_.size() && flap_until_ns_[vf]; }
    bool mailbox_held(uint16_t vf) const { return vf < removed_.size() && mbx_hold_until_ns_[vf]; }
    bool dma_faulting(uint16_t vf) const
    {
        return vf < removed_.size() && card_.dma_fault(vf) != Function::Runtime::DmaFault::none;
    }

    // VF Enable changed: surprise-removed VFs come back (as new ones). The
    // card updates every VF's presence itself.
    void vf_enable_changed();

    // TimerService::Client: ends the faults that are due.
    void on_timer() override;

private:
    std::optional<std::string> check(const SriovnicFaultRequest &request) const;
    uint64_t deadline(uint32_t duration_ms) const;
    void set_removed(uint16_t vf, bool removed, uint64_t until_ns);
    void arm_timer();

    FaultTarget &card_;
    TimerService &timers_;
    StateHooks &hooks_;
    Platform &platform_;
    std::vector<uint64_t> flap_until_ns_;      // per VF: link held down until then, 0 = not
    std::vector<uint8_t> removed_;             // per VF: surprise-removed
    std::vector<uint64_t> removed_until_ns_;   // per VF: restored then, 0 = on restore
    std::vector<uint64_t> mbx_hold_until_ns_;  // per VF: mailbox held until then, 0 = not
    std::vector<uint64_t> dma_fault_until_ns_; // per VF: every DMA fails until then, 0 = not
};

} // namespace sriovnic
