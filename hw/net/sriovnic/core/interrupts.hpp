// SPDX-License-Identifier: GPL-2.0-or-later
// How the card tells a driver something happened: the misc causes
// (INT_CAUSE/INT_ENABLE on MISC_VECTOR, INTx on the PF), the queue pairs'
// self-masking interrupts with moderation (SRIOVNIC_Q_ITR), and faults on
// rings it cannot reach.
#pragma once

#include "card_bus.hpp"
#include "function.hpp"
#include "platform.hpp"
#include "timers.hpp"

#include <vector>

namespace sriovnic {

class Interrupts final : public TimerService::Client {
public:
    Interrupts(Platform &platform, CardBus &bus, TimerService &timers, StateHooks &hooks,
               std::vector<Function> &functions);

    // After anything that may have raised a misc cause of `f`.
    void update(Function &f);

    // Queue pair `q` completed work.
    void queue_work_done(Function &f, unsigned q);
    void unmask(Function &f, unsigned q);
    // Q_ITR changed: an interrupt held for the old interval may be due.
    void interval_changed(Function &f, unsigned q);
    // Migrated state loaded: the interval clock starts again and held interrupts go out.
    void resume_after_load(Function &f);
    void forget_throttle(Function &f) { f.runtime().throttle = {}; }

    // The device cannot reach a ring or buffer: count, flag, interrupt.
    void ring_fault(Function &f, unsigned stat);
    // ... and for a ring it cannot read or write back: stop it too.
    void stop_faulted_queue(Function &f, unsigned q, bool tx);

    void on_timer() override;

private:
    void fire_deferred(Function &f);

    Platform &platform_;
    CardBus &bus_;
    TimerService &timers_;
    StateHooks &hooks_;
    std::vector<Function> &functions_;
};

} // namespace sriovnic
