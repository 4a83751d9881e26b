// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include "sriovnic-core.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace sriovnic {

// Everything the core needs from its host (QEMU, or a test's fake).
// Functions are numbered as sriovnic-ids.h says (the PF, the VFs, the channels).
class Platform {
public:
    virtual ~Platform() = default;
    virtual void raise_msix(uint16_t fn, uint16_t vector) = 0;
    virtual void set_intx(bool asserted) = 0;
    // DMA with function `fn` as the requester; false if any byte was not accessible.
    virtual bool dma_read(uint16_t fn, uint64_t addr, std::span<uint8_t> buf) = 0;
    virtual bool dma_write(uint16_t fn, uint64_t addr, std::span<const uint8_t> buf) = 0;
    virtual void send_uplink(std::span<const uint8_t> frame) = 0;
    virtual void uplink_ready() = 0;
    virtual uint64_t now_ns() = 0;
    // One timer: a new deadline replaces the previous one. The core shares it
    // among its users through TimerService.
    virtual void arm_timer(uint64_t deadline_ns) = 0;
    // VF `vf`'s PCI address as the guest sees it (SRIOVNIC_SYNTH_SERIAL), for
    // VF offers. Default: segment 0, bus 0, the VF's routing ID as devfn.
    virtual uint32_t vf_serial(uint16_t vf) { return sriovnic_vf_routing_id(0, vf) & 0xFF; }
};

// State changes someone outside the core may want to see: QEMU trace
// events today, management events later. `offset` is the register, when
// there is one. Every method is optional.
class StateObserver {
public:
    virtual void on_guest_error(uint16_t /*fn*/, uint32_t /*err_bits*/,
                                std::optional<uint32_t> /*offset*/) {}
    virtual void on_function_enable(uint16_t /*fn*/, bool /*enabled*/) {}
    virtual void on_queue(uint16_t /*fn*/, unsigned /*q*/, bool /*tx*/, bool /*enabled*/) {}
    virtual void on_link(uint16_t /*fn*/, bool /*up*/) {}
    // The PF changed a setting of VF `vf`: register offset in the PF's BAR.
    virtual void on_vf_setting(uint16_t /*vf*/, uint32_t /*offset*/, uint32_t /*value*/) {}
    virtual void on_mailbox(uint16_t /*vf*/, bool /*to_pf*/, uint32_t /*word0*/) {}
    // An injected fault (SriovnicInjectedFault) began or ended on VF `vf`.
    virtual void on_fault(uint16_t /*vf*/, unsigned /*fault*/, bool /*active*/) {}
    // Synthetic channel `fn`'s data path went from `old_state` to `new_state`
    // (enum sriovnic_synth_dp_state) for `cause` (SriovnicSynthCause).
    virtual void on_synth_datapath(uint16_t /*fn*/, unsigned /*old_state*/,
                                   unsigned /*new_state*/, unsigned /*cause*/) {}
    // The same change with what management reports (VF, revoke reason, timing).
    virtual void on_synth_transition(const SriovnicSynthTransition & /*t*/) {}

protected:
    ~StateObserver() = default;
};

// The observers subscribed to one card.
class StateHooks {
public:
    void subscribe(StateObserver &observer) { observers_.push_back(&observer); }
    void unsubscribe(StateObserver &observer)
    {
        observers_.erase(std::remove(observers_.begin(), observers_.end(), &observer),
                         observers_.end());
    }
    template <typename Call> void notify(Call &&call) const
    {
        for (StateObserver *o : observers_) {
            call(*o);
        }
    }

private:
    std::vector<StateObserver *> observers_;
};

} // namespace sriovnic
