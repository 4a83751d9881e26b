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

} // namespace sriovnic::queues
