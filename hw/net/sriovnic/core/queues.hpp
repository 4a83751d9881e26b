// SPDX-License-Identifier: GPL-2.0-or-later
// Queue-pair register semantics that need no DMA: ring geometry, enable
// checks, register reads and writes, and validation of migrated state. What
// a write sets in motion (transmit, interrupts) is for the caller to do.
#pragma once

#include "regmap.hpp"
#include "sriovnic-core.h"

#include <cstdint>
#include <optional>
#include <string>

namespace sriovnic::queues {

inline bool valid_ring_len(uint32_t len)
{
    return len >= SRIOVNIC_RING_MIN && len <= SRIOVNIC_RING_MAX && (len & (len - 1)) == 0;
}

inline uint64_t tx_base(const SriovnicQueueRegs &q) { return uint64_t(q.tx_base_hi) << 32 | q.tx_base_lo; }
inline uint64_t rx_base(const SriovnicQueueRegs &q) { return uint64_t(q.rx_base_hi) << 32 | q.rx_base_lo; }

inline bool tx_enabled(const SriovnicQueueRegs &q) { return q.tx_ctrl & SRIOVNIC_QCTRL_ENABLE; }
inline bool rx_enabled(const SriovnicQueueRegs &q) { return q.rx_ctrl & SRIOVNIC_QCTRL_ENABLE; }

// Whether the TX (or RX) half may be enabled with its current geometry.
bool tx_config_ok(const SriovnicQueueRegs &q);
bool rx_config_ok(const SriovnicQueueRegs &q);

// After migration: refuse state the device could never have produced.
std::optional<std::string> validate(const SriovnicQueueRegs &q);

uint32_t read(const SriovnicQueueRegs &q, QueueReg reg);

struct WriteOutcome {
    enum class Result { done, read_only, bad_value, bad_queue } result;
    enum class Then {
        nothing,
        tx_enable_changed, // and the ring was reset if it came on
        rx_enable_changed,
        tx_posted,         // TX doorbell: process the ring
        rx_posted,         // RX doorbell: buffers are there
        itr_changed,       // a held interrupt may be due now
        irq_unmasked,
    } then;
};
// Inline: the doorbells of the data path go through it.
inline WriteOutcome write(SriovnicQueueRegs &q, QueueReg reg, uint32_t value)
{
    using R = WriteOutcome::Result;
    using T = WriteOutcome::Then;
    const bool tx_on = tx_enabled(q);
    const bool rx_on = rx_enabled(q);
    // Geometry cannot change under a running ring.
    auto geometry = [](bool running, uint32_t &field, uint32_t v) {
        if (running) {
            return WriteOutcome{R::bad_value, T::nothing};
        }
        field = v;
        return WriteOutcome{R::done, T::nothing};
    };
    switch (reg) {
    case QueueReg::tx_base_lo: return geometry(tx_on, q.tx_base_lo, value);
    case QueueReg::tx_base_hi: return geometry(tx_on, q.tx_base_hi, value);
    case QueueReg::tx_len: return geometry(tx_on, q.tx_len, value);
    case QueueReg::rx_base_lo: return geometry(rx_on, q.rx_base_lo, value);
    case QueueReg::rx_base_hi: return geometry(rx_on, q.rx_base_hi, value);
    case QueueReg::rx_len: return geometry(rx_on, q.rx_len, value);
    case QueueReg::rx_buf_len: return geometry(rx_on, q.rx_buf_len, value);
    case QueueReg::tx_head:
    case QueueReg::rx_head:
    case QueueReg::rx_nobuf:
        return {R::read_only, T::nothing};
    case QueueReg::tx_ctrl:
        if ((value & SRIOVNIC_QCTRL_ENABLE) && !tx_on) {
            if (!tx_config_ok(q)) {
                return {R::bad_queue, T::nothing};
            }
            q.tx_head = q.tx_tail = 0;
        }
        q.tx_ctrl = value & SRIOVNIC_QCTRL_ENABLE;
        return {R::done, tx_enabled(q) != tx_on ? T::tx_enable_changed : T::nothing};
    case QueueReg::rx_ctrl:
        if ((value & SRIOVNIC_QCTRL_ENABLE) && !rx_on) {
            if (!rx_config_ok(q)) {
                return {R::bad_queue, T::nothing};
            }
            q.rx_head = q.rx_tail = 0;
        }
        q.rx_ctrl = value & SRIOVNIC_QCTRL_ENABLE;
        return {R::done, rx_enabled(q) != rx_on ? T::rx_enable_changed : T::nothing};
    case QueueReg::tx_tail:
        if (!tx_on || value >= q.tx_len) {
            return {R::bad_value, T::nothing};
        }
        q.tx_tail = value;
        return {R::done, T::tx_posted};
    case QueueReg::rx_tail:
        if (!rx_on || value >= q.rx_len) {
            return {R::bad_value, T::nothing};
        }
        q.rx_tail = value;
        return {R::done, T::rx_posted};
    case QueueReg::itr:
        if (value > SRIOVNIC_ITR_MAX_US) {
            return {R::bad_value, T::nothing};
        }
        q.itr = value;
        return {R::done, T::itr_changed};
    case QueueReg::irq:
        if (value & SRIOVNIC_QIRQ_MASK) {
            q.irq |= SRIOVNIC_QIRQ_MASKED;
            return {R::done, T::nothing};
        }
        return {R::done, (value & SRIOVNIC_QIRQ_UNMASK) ? T::irq_unmasked : T::nothing};
    }
    return {R::done, T::nothing};
}


} // namespace sriovnic::queues
