// SPDX-License-Identifier: GPL-2.0-or-later
#include "queues.hpp"

#include "sriovnic/desc.h"

namespace sriovnic::queues {

bool tx_config_ok(const SriovnicQueueRegs &q)
{
    return valid_ring_len(q.tx_len) && (tx_base(q) % SRIOVNIC_DESC_SIZE) == 0;
}

bool rx_config_ok(const SriovnicQueueRegs &q)
{
    return valid_ring_len(q.rx_len) && (rx_base(q) % SRIOVNIC_DESC_SIZE) == 0 &&
           q.rx_buf_len >= SRIOVNIC_RX_BUF_MIN && q.rx_buf_len <= SRIOVNIC_RX_BUF_MAX;
}

std::optional<std::string> validate(const SriovnicQueueRegs &q)
{
    if ((q.tx_ctrl & ~SRIOVNIC_QCTRL_ENABLE) || (q.rx_ctrl & ~SRIOVNIC_QCTRL_ENABLE)) {
        return "queue control has undefined bits";
    }
    if (q.irq & ~(SRIOVNIC_QIRQ_MASKED | SRIOVNIC_QIRQ_PENDING)) {
        return "queue interrupt state has undefined bits";
    }
    if (q.itr > SRIOVNIC_ITR_MAX_US) {
        return "interrupt interval above the limit";
    }
    if (tx_enabled(q) && (!tx_config_ok(q) || q.tx_head >= q.tx_len || q.tx_tail >= q.tx_len)) {
        return "enabled TX ring with impossible geometry or indices";
    }
    if (rx_enabled(q) && (!rx_config_ok(q) || q.rx_head >= q.rx_len || q.rx_tail >= q.rx_len)) {
        return "enabled RX ring with impossible geometry or indices";
    }
    return std::nullopt;
}

std::optional<uint32_t> read(const SriovnicQueueRegs &q, uint32_t reg)
{
    switch (reg) {
    case SRIOVNIC_Q_TX_BASE_LO: return q.tx_base_lo;
    case SRIOVNIC_Q_TX_BASE_HI: return q.tx_base_hi;
    case SRIOVNIC_Q_TX_LEN: return q.tx_len;
    case SRIOVNIC_Q_TX_HEAD: return q.tx_head;
    case SRIOVNIC_Q_TX_TAIL: return q.tx_tail;
    case SRIOVNIC_Q_TX_CTRL: return q.tx_ctrl;
    case SRIOVNIC_Q_RX_BASE_LO: return q.rx_base_lo;
    case SRIOVNIC_Q_RX_BASE_HI: return q.rx_base_hi;
    case SRIOVNIC_Q_RX_LEN: return q.rx_len;
    case SRIOVNIC_Q_RX_HEAD: return q.rx_head;
    case SRIOVNIC_Q_RX_TAIL: return q.rx_tail;
    case SRIOVNIC_Q_RX_CTRL: return q.rx_ctrl;
    case SRIOVNIC_Q_RX_BUF_LEN: return q.rx_buf_len;
    case SRIOVNIC_Q_IRQ: return q.irq;
    case SRIOVNIC_Q_RX_NOBUF: return q.rx_nobuf;
    case SRIOVNIC_Q_ITR: return q.itr;
    default: return std::nullopt;
    }
}

WriteOutcome write(SriovnicQueueRegs &q, uint32_t reg, uint32_t value)
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
    case SRIOVNIC_Q_TX_BASE_LO: return geometry(tx_on, q.tx_base_lo, value);
    case SRIOVNIC_Q_TX_BASE_HI: return geometry(tx_on, q.tx_base_hi, value);
    case SRIOVNIC_Q_TX_LEN: return geometry(tx_on, q.tx_len, value);
    case SRIOVNIC_Q_RX_BASE_LO: return geometry(rx_on, q.rx_base_lo, value);
    case SRIOVNIC_Q_RX_BASE_HI: return geometry(rx_on, q.rx_base_hi, value);
    case SRIOVNIC_Q_RX_LEN: return geometry(rx_on, q.rx_len, value);
    case SRIOVNIC_Q_RX_BUF_LEN: return geometry(rx_on, q.rx_buf_len, value);
    case SRIOVNIC_Q_TX_HEAD:
    case SRIOVNIC_Q_RX_HEAD:
    case SRIOVNIC_Q_RX_NOBUF:
        return {R::read_only, T::nothing};
    case SRIOVNIC_Q_TX_CTRL:
        if ((value & SRIOVNIC_QCTRL_ENABLE) && !tx_on) {
            if (!tx_config_ok(q)) {
                return {R::bad_queue, T::nothing};
            }
            q.tx_head = q.tx_tail = 0;
        }
        q.tx_ctrl = value & SRIOVNIC_QCTRL_ENABLE;
        return {R::done, tx_enabled(q) != tx_on ? T::tx_enable_changed : T::nothing};
    case SRIOVNIC_Q_RX_CTRL:
        if ((value & SRIOVNIC_QCTRL_ENABLE) && !rx_on) {
            if (!rx_config_ok(q)) {
                return {R::bad_queue, T::nothing};
            }
            q.rx_head = q.rx_tail = 0;
        }
        q.rx_ctrl = value & SRIOVNIC_QCTRL_ENABLE;
        return {R::done, rx_enabled(q) != rx_on ? T::rx_enable_changed : T::nothing};
    case SRIOVNIC_Q_TX_TAIL:
        if (!tx_on || value >= q.tx_len) {
            return {R::bad_value, T::nothing};
        }
        q.tx_tail = value;
        return {R::done, T::tx_posted};
    case SRIOVNIC_Q_RX_TAIL:
        if (!rx_on || value >= q.rx_len) {
            return {R::bad_value, T::nothing};
        }
        q.rx_tail = value;
        return {R::done, T::rx_posted};
    case SRIOVNIC_Q_ITR:
        if (value > SRIOVNIC_ITR_MAX_US) {
            return {R::bad_value, T::nothing};
        }
        q.itr = value;
        return {R::done, T::itr_changed};
    case SRIOVNIC_Q_IRQ:
        if (value & SRIOVNIC_QIRQ_MASK) {
            q.irq |= SRIOVNIC_QIRQ_MASKED;
            return {R::done, T::nothing};
        }
        return {R::done, (value & SRIOVNIC_QIRQ_UNMASK) ? T::irq_unmasked : T::nothing};
    default:
        return {R::unmapped, T::nothing};
    }
}

} // namespace sriovnic::queues
