// SPDX-License-Identifier: GPL-2.0-or-later
#include "interrupts.hpp"

#include "sriovnic/regs.h"

namespace sriovnic {

Interrupts::Interrupts(Platform &platform, CardBus &bus, TimerService &timers, StateHooks &hooks,
                       std::vector<Function> &functions)
    : platform_(platform), bus_(bus), timers_(timers), hooks_(hooks), functions_(functions)
{
}

void Interrupts::update(Function &f)
{
    if (std::optional<uint16_t> vector = f.take_new_interrupt()) {
        bus_.raise_msix(f, *vector);
    }
    if (!f.is_vf()) {
        platform_.set_intx(f.interrupt_pending());
    }
}

// A queue's interrupt self-masks when it fires (the driver unmasks when its
// poll is done) and, with SRIOVNIC_Q_ITR set, waits until that long after the
// queue's previous interrupt; the timer fires it then.
void Interrupts::queue_work_done(Function &f, unsigned q)
{
    SriovnicQueueRegs &regs = f.queue(q);
    if (regs.irq & SRIOVNIC_QIRQ_MASKED) {
        regs.irq |= SRIOVNIC_QIRQ_PENDING;
        return;
    }
    if (regs.itr) {
        Function::IrqThrottle &throttle = f.runtime().throttle;
        const uint64_t now = platform_.now_ns();
        const std::optional<uint64_t> last = throttle.last_ns[q];
        const uint64_t next = last.value_or(0) + uint64_t(regs.itr) * 1000;
        if (last && now < next) {
            regs.irq |= SRIOVNIC_QIRQ_PENDING;
            throttle.deferred = true;
            timers_.arm(*this, next);
            return;
        }
        throttle.last_ns[q] = now;
    }
    regs.irq |= SRIOVNIC_QIRQ_MASKED;
    bus_.raise_msix(f, uint16_t(1 + q));
}

void Interrupts::fire_deferred(Function &f)
{
    f.runtime().throttle.deferred = false;
    for (unsigned q = 0; q < f.queue_pairs(); q++) {
        interval_changed(f, q);
    }
}

void Interrupts::interval_changed(Function &f, unsigned q)
{
    SriovnicQueueRegs &regs = f.queue(q);
    if ((regs.irq & (SRIOVNIC_QIRQ_MASKED | SRIOVNIC_QIRQ_PENDING)) == SRIOVNIC_QIRQ_PENDING) {
        regs.irq &= ~SRIOVNIC_QIRQ_PENDING; // held: a shorter interval may be over already
        queue_work_done(f, q);
    }
}

void Interrupts::unmask(Function &f, unsigned q)
{
    SriovnicQueueRegs &regs = f.queue(q);
    regs.irq &= ~SRIOVNIC_QIRQ_MASKED;
    if (regs.irq & SRIOVNIC_QIRQ_PENDING) {
        regs.irq &= ~SRIOVNIC_QIRQ_PENDING;
        queue_work_done(f, q);
    }
}

void Interrupts::resume_after_load(Function &f)
{
    // The clock may be behind the last interrupt's time (a snapshot loaded
    // again), so forget it.
    f.runtime().throttle = {};
    f.runtime().throttle.deferred = true;
    timers_.arm(*this, platform_.now_ns());
}

void Interrupts::on_timer()
{
    for (Function &f : functions_) {
        if (f.runtime().throttle.deferred) {
            fire_deferred(f);
        }
    }
}

void Interrupts::ring_fault(Function &f, unsigned stat)
{
    f.count(stat);
    f.record_error(SRIOVNIC_ERR_DMA, std::nullopt);
    update(f);
}

void Interrupts::stop_faulted_queue(Function &f, unsigned q, bool tx)
{
    SriovnicQueueRegs &regs = f.queue(q);
    (tx ? regs.tx_ctrl : regs.rx_ctrl) &= ~SRIOVNIC_QCTRL_ENABLE;
    if (!tx) {
        f.port_changed();
    }
    hooks_.notify([&](StateObserver &o) { o.on_queue(f.index(), q, tx, false); });
    ring_fault(f, SRIOVNIC_STAT_DMA_ERRORS);
}

} // namespace sriovnic
