// SPDX-License-Identifier: GPL-2.0-or-later
#include "mailbox.hpp"

#include "sriovnic/regs.h"

namespace sriovnic {

namespace {

bool in_vf_msg(uint32_t reg)
{
    return reg >= SRIOVNIC_REG_MBX_VF_MSG(0) && reg < SRIOVNIC_REG_MBX_VF_MSG(SRIOVNIC_MBX_WORDS);
}

bool in_pf_msg(uint32_t reg)
{
    return reg >= SRIOVNIC_REG_MBX_PF_MSG(0) && reg < SRIOVNIC_REG_MBX_PF_MSG(SRIOVNIC_MBX_WORDS);
}

} // namespace

Mailbox::Mailbox(Card &card, uint16_t total_vfs)
    : card_(card), boxes_(total_vfs), held_(total_vfs, 0)
{
}

std::optional<uint32_t> Mailbox::read_vf_side(uint16_t vf, uint32_t reg) const
{
    const SriovnicMailboxRegs &m = boxes_[vf];
    if (in_vf_msg(reg)) {
        return m.vf_msg[(reg - SRIOVNIC_REG_MBX_VF_MSG(0)) / 4];
    }
    if (in_pf_msg(reg)) {
        return m.pf_msg[(reg - SRIOVNIC_REG_MBX_PF_MSG(0)) / 4];
    }
    switch (reg) {
    case SRIOVNIC_REG_MBX_CTRL:
        return 0;
    case SRIOVNIC_REG_MBX_STATUS:
        return m.status;
    default:
        return std::nullopt;
    }
}

Function::WriteResult Mailbox::write_vf_side(uint16_t vf, uint32_t reg, uint32_t value)
{
    using WR = Function::WriteResult;
    SriovnicMailboxRegs &m = boxes_[vf];
    Function &f = card_.vf(vf);
    if (in_pf_msg(reg) || reg == SRIOVNIC_REG_MBX_STATUS) {
        return WR::read_only;
    }
    if (in_vf_msg(reg)) {
        if (m.status & SRIOVNIC_MBX_STATUS_BUSY) {
            f.record_error(SRIOVNIC_ERR_MBX_BUSY, reg); // the PF may be reading it
            return WR::done;
        }
        m.vf_msg[(reg - SRIOVNIC_REG_MBX_VF_MSG(0)) / 4] = value;
        return WR::done;
    }
    if (reg != SRIOVNIC_REG_MBX_CTRL) {
        return WR::unmapped;
    }
    if (value & SRIOVNIC_MBX_CTRL_ACK) {
        m.status &= ~SRIOVNIC_MBX_STATUS_MSG;
    }
    if (value & SRIOVNIC_MBX_CTRL_SEND) {
        if (m.status & SRIOVNIC_MBX_STATUS_BUSY) {
            f.count(SRIOVNIC_STAT_MBX_REFUSED);
            f.record_error(SRIOVNIC_ERR_MBX_BUSY, reg);
        } else {
            m.status |= SRIOVNIC_MBX_STATUS_BUSY;
            f.count(SRIOVNIC_STAT_MBX_SENT);
            card_.hooks().notify([&](StateObserver &o) { o.on_mailbox(vf, true, m.vf_msg[0]); });
            if (!held_[vf]) {
                tell_pf();
            }
        }
    }
    return WR::done;
}

std::optional<uint32_t> Mailbox::read_pf_side(uint16_t vf, uint32_t reg) const
{
    const SriovnicMailboxRegs &m = boxes_[vf];
    const uint32_t word = reg / 4;
    return word < SRIOVNIC_MBX_WORDS ? m.vf_msg[word] : m.pf_msg[word - SRIOVNIC_MBX_WORDS];
}

Function::WriteResult Mailbox::write_pf_side(uint16_t vf, uint32_t reg, uint32_t value)
{
    SriovnicMailboxRegs &m = boxes_[vf];
    const uint32_t word = reg / 4;
    if (word < SRIOVNIC_MBX_WORDS) {
        return Function::WriteResult::read_only;
    }
    if (m.status & SRIOVNIC_MBX_STATUS_MSG) {
        // the VF may be reading it
        card_.pf().record_error(SRIOVNIC_ERR_MBX_BUSY,
                                SRIOVNIC_REG_PF_MBX_BASE + vf * SRIOVNIC_REG_PF_MBX_STRIDE + reg);
        return Function::WriteResult::done;
    }
    m.pf_msg[word - SRIOVNIC_MBX_WORDS] = value;
    return Function::WriteResult::done;
}

void Mailbox::tell_pf()
{
    Function &pf = card_.pf();
    pf.raise_cause(SRIOVNIC_INT_MBX);
    card_.interrupts_changed(pf);
}

void Mailbox::release(uint16_t vf)
{
    held_[vf] = 0;
    if (boxes_[vf].status & SRIOVNIC_MBX_STATUS_BUSY) {
        tell_pf(); // the held message reaches the PF now
    }
}

Function::WriteResult Mailbox::pf_control(uint16_t vf, uint32_t value)
{
    Function &pf = card_.pf();
    Function &f = card_.vf(vf);
    SriovnicMailboxRegs &m = boxes_[vf];
    bool notify = false;
    // A held message was never shown to the PF: it cannot take it.
    if ((value & SRIOVNIC_MBX_CTRL_ACK) && (m.status & SRIOVNIC_MBX_STATUS_BUSY) &&
        !held_[vf]) {
        m.status &= ~SRIOVNIC_MBX_STATUS_BUSY;
        notify = true;
    }
    if (value & SRIOVNIC_MBX_CTRL_SEND) {
        if (m.status & SRIOVNIC_MBX_STATUS_MSG) {
            pf.count(SRIOVNIC_STAT_MBX_REFUSED);
            pf.record_error(SRIOVNIC_ERR_MBX_BUSY, std::nullopt);
        } else {
            m.status |= SRIOVNIC_MBX_STATUS_MSG;
            pf.count(SRIOVNIC_STAT_MBX_SENT);
            card_.hooks().notify([&](StateObserver &o) { o.on_mailbox(vf, false, m.pf_msg[0]); });
            notify = true;
        }
    }
    if (notify) {
        f.raise_cause(SRIOVNIC_INT_MBX);
        card_.interrupts_changed(f);
    }
    return Function::WriteResult::done;
}

uint32_t Mailbox::pending(unsigned word) const
{
    uint32_t bits = 0;
    for (unsigned b = 0; b < 32; b++) {
        const size_t vf = size_t(word) * 32 + b;
        if (vf < boxes_.size() && (boxes_[vf].status & SRIOVNIC_MBX_STATUS_BUSY) &&
            !held_[vf]) {
            bits |= 1u << b;
        }
    }
    return bits;
}

std::optional<std::string> Mailbox::validate_loaded(uint16_t vf) const
{
    if (boxes_[vf].status & ~(SRIOVNIC_MBX_STATUS_MSG | SRIOVNIC_MBX_STATUS_BUSY)) {
        return "VF " + std::to_string(vf) + " mailbox: status has bits the hardware never sets";
    }
    return std::nullopt;
}

} // namespace sriovnic
