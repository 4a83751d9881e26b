// SPDX-License-Identifier: GPL-2.0-or-later
// Device: register access, decoded once and handed to the part that owns the register.
#include "device.hpp"

#include "queues.hpp"
#include "sriovnic/regs.h"

namespace sriovnic {

namespace {

uint64_t all_ones(unsigned size)
{
    return size >= 8 ? ~uint64_t(0) : (uint64_t(1) << (size * 8)) - 1;
}

} // namespace

std::optional<uint32_t> Device::read_target(Function &f, const RegTarget &t)
{
    using B = RegTarget::Block;
    switch (t.block) {
    case B::common:
        return f.read_register(t.fn(), t.element);
    case B::causes:
        return f.read_cause(t.cause());
    case B::pf:
        return admin_.read_pf_register(t, active_vfs_);
    case B::queue:
        return queues::read(f.queue(t.index), t.queue());
    case B::vf_mailbox:
        return mailbox_.read_vf_side(f.vf_number(), t);
    case B::admin:
        return admin_.read_admin(t);
    case B::pf_mailbox:
        return mailbox_.read_pf_side(t);
    case B::unmapped:
    case B::bad_access:
    case B::outside:
        break;
    }
    return std::nullopt;
}

uint64_t Device::channel_read(synth::Channel &c, uint64_t offset, unsigned size)
{
    if (bus_.busy()) {
        bus_.refuse_own_access();
        return all_ones(size);
    }
    CardBus::Work work(bus_);
    return c.read(offset, size);
}

void Device::channel_write(synth::Channel &c, uint64_t offset, unsigned size, uint64_t value)
{
    if (bus_.busy()) {
        bus_.refuse_own_access();
        return;
    }
    CardBus::Work work(bus_);
    c.write(offset, size, value);
}

uint64_t Device::read(uint16_t fn, uint64_t offset, unsigned size)
{
    Function *f = function(fn);
    if (!f) [[unlikely]] {
        synth::Channel *c = channel(fn);
        return c ? channel_read(*c, offset, size) : all_ones(size);
    }
    if (faults_.hides(*f)) [[unlikely]] {
        return all_ones(size); // surprise-removed: nobody answers
    }
    if (bus_.busy()) {
        bus_.refuse_own_access();
        return all_ones(size);
    }
    CardBus::Work work(bus_);
    const RegTarget t = decode_register(layout(*f), offset, size);
    uint64_t result = 0;
    switch (t.block) {
    case RegTarget::Block::bad_access:
        f->record_error(SRIOVNIC_ERR_BAD_ACCESS, t.offset);
        result = all_ones(size);
        break;
    case RegTarget::Block::outside:
        f->record_error(SRIOVNIC_ERR_UNMAPPED, std::nullopt);
        break;
    default:
        if (std::optional<uint32_t> value = read_target(*f, t)) {
            result = *value;
        } else {
            f->record_error(SRIOVNIC_ERR_UNMAPPED, t.offset);
        }
        break;
    }
    irqs_.update(*f);
    return result;
}

Function::WriteResult Device::write_queue(Function &f, const RegTarget &t, uint32_t value)
{
    using Then = queues::WriteOutcome::Then;
    using R = queues::WriteOutcome::Result;
    const unsigned q = t.index;
    const queues::WriteOutcome outcome = queues::write(f.queue(q), t.queue(), value);
    switch (outcome.then) {
    case Then::nothing:
        break;
    case Then::tx_enable_changed:
    case Then::rx_enable_changed: {
        const bool tx = outcome.then == Then::tx_enable_changed;
        const SriovnicQueueRegs &regs = f.queue(q);
        const bool on = tx ? queues::tx_enabled(regs) : queues::rx_enabled(regs);
        if (!tx) {
            f.port_changed();
        }
        hooks_.notify([&](StateObserver &o) { o.on_queue(f.index(), q, tx, on); });
        break;
    }
    case Then::tx_posted:
        tx_.process(f, q);
        break;
    case Then::rx_posted:
        rx_buffers_posted();
        break;
    case Then::itr_changed:
        irqs_.interval_changed(f, q);
        break;
    case Then::irq_unmasked:
        irqs_.unmask(f, q);
        break;
    }
    switch (outcome.result) {
    case R::done:
        return Function::WriteResult::done;
    case R::read_only:
        return Function::WriteResult::read_only;
    case R::bad_value:
        return Function::WriteResult::bad_value;
    case R::bad_queue:
        f.record_error(SRIOVNIC_ERR_BAD_QUEUE, t.offset);
        return Function::WriteResult::done;
    }
    return Function::WriteResult::done;
}

Function::WriteResult Device::write_target(Function &f, const RegTarget &t, uint32_t value)
{
    using B = RegTarget::Block;
    using WR = Function::WriteResult;
    switch (t.block) {
    case B::common: {
        const WR result = f.write_register(t.fn(), value);
        if (result == WR::done && t.fn() == FnReg::ctrl && (value & SRIOVNIC_CTRL_RESET)) {
            // A function's own reset also empties what it owns outside its register file.
            if (f.is_vf()) {
                mailbox_.reset(f.vf_number());
            } else {
                admin_.regs().vf_select = 0;
            }
        }
        return result;
    }
    case B::causes:
        return f.write_cause(t.cause(), value);
    case B::pf:
        return admin_.write_pf_register(t, value);
    case B::queue:
        return write_queue(f, t, value);
    case B::vf_mailbox:
        return mailbox_.write_vf_side(f.vf_number(), t, value);
    case B::admin:
        return admin_.write_admin(t, value);
    case B::pf_mailbox:
        return mailbox_.write_pf_side(t, value);
    case B::unmapped:
    case B::bad_access:
    case B::outside:
        break;
    }
    return WR::unmapped;
}

void Device::write(uint16_t fn, uint64_t offset, unsigned size, uint64_t value)
{
    Function *f = function(fn);
    if (!f) [[unlikely]] {
        if (synth::Channel *c = channel(fn)) {
            channel_write(*c, offset, size, value);
        }
        return;
    }
    if (faults_.hides(*f)) [[unlikely]] {
        return; // surprise-removed: the write goes nowhere
    }
    if (bus_.busy()) {
        bus_.refuse_own_access();
        return;
    }
    CardBus::Work work(bus_);
    const RegTarget t = decode_register(layout(*f), offset, size);
    switch (t.block) {
    case RegTarget::Block::bad_access:
        f->record_error(SRIOVNIC_ERR_BAD_ACCESS, t.offset);
        break;
    case RegTarget::Block::outside:
        f->record_error(SRIOVNIC_ERR_UNMAPPED, std::nullopt);
        break;
    default:
        switch (write_target(*f, t, uint32_t(value))) {
        case Function::WriteResult::done:
            break;
        case Function::WriteResult::read_only:
            f->record_error(SRIOVNIC_ERR_RO_WRITE, t.offset);
            break;
        case Function::WriteResult::bad_value:
            f->record_error(SRIOVNIC_ERR_BAD_VALUE, t.offset);
            break;
        case Function::WriteResult::denied:
            f->record_error(SRIOVNIC_ERR_DENIED, t.offset);
            break;
        case Function::WriteResult::unmapped:
            f->record_error(SRIOVNIC_ERR_UNMAPPED, t.offset);
            break;
        }
        break;
    }
    irqs_.update(*f);
}

} // namespace sriovnic
