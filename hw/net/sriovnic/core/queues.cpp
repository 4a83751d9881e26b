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

uint32_t read(const SriovnicQueueRegs &q, QueueReg reg)
{
    switch (reg) {
    case QueueReg::tx_base_lo: return q.tx_base_lo;
    case QueueReg::tx_base_hi: return q.tx_base_hi;
    case QueueReg::tx_len: return q.tx_len;
    case QueueReg::tx_head: return q.tx_head;
    case QueueReg::tx_tail: return q.tx_tail;
    case QueueReg::tx_ctrl: return q.tx_ctrl;
    case QueueReg::rx_base_lo: return q.rx_base_lo;
    case QueueReg::rx_base_hi: return q.rx_base_hi;
    case QueueReg::rx_len: return q.rx_len;
    case QueueReg::rx_head: return q.rx_head;
    case QueueReg::rx_tail: return q.rx_tail;
    case QueueReg::rx_ctrl: return q.rx_ctrl;
    case QueueReg::rx_buf_len: return q.rx_buf_len;
    case QueueReg::irq: return q.irq;
    case QueueReg::rx_nobuf: return q.rx_nobuf;
    case QueueReg::itr: return q.itr;
    }
    return 0;
}

} // namespace sriovnic::queues
