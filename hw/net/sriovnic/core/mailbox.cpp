// SPDX-License-Identifier: GPL-2.0-or-later
#include "mailbox.hpp"

#include "sriovnic/mailbox.h"
#include "sriovnic/regs.h"

namespace sriovnic {

namespace {

bool sriovnic_mailbox_contract_used(const SriovnicMailboxRegs &m)
{
    return m.exchange.flags || m.bad_requests || m.bad_replies || m.late_replies || m.dup_replies;
}

void count(uint32_t &counter)
{
    if (counter != UINT32_MAX) {
        counter++;
    }
}

} // namespace

Mailbox::Mailbox(Card &card, uint16_t total_vfs)
    : card_(card), boxes_(total_vfs), held_(total_vfs, 0)
{
}

uint32_t Mailbox::read_vf_side(uint16_t vf, const RegTarget &t) const
{
    const SriovnicMailboxRegs &m = boxes_[vf];
    switch (t.vf_mailbox()) {
    case VfMailboxReg::vf_msg: return m.vf_msg[t.element];
    case VfMailboxReg::pf_msg: return m.pf_msg[t.element];
    case VfMailboxReg::ctrl: return 0;
    case VfMailboxReg::status: return m.status;
    case VfMailboxReg::bad_requests: return m.bad_requests;
    case VfMailboxReg::bad_replies: return m.bad_replies;
    case VfMailboxReg::late_replies: return m.late_replies;
    case VfMailboxReg::dup_replies: return m.dup_replies;
    }
    return 0;
}

Function::WriteResult Mailbox::write_vf_side(uint16_t vf, const RegTarget &t, uint32_t value)
{
    using WR = Function::WriteResult;
    SriovnicMailboxRegs &m = boxes_[vf];
    Function &f = card_.vf(vf);
    switch (t.vf_mailbox()) {
    case VfMailboxReg::pf_msg:
    case VfMailboxReg::status:
    case VfMailboxReg::bad_requests:
    case VfMailboxReg::bad_replies:
    case VfMailboxReg::late_replies:
    case VfMailboxReg::dup_replies:
        return WR::read_only;
    case VfMailboxReg::vf_msg:
        if (m.status & SRIOVNIC_MBX_STATUS_BUSY) {
            f.record_error(SRIOVNIC_ERR_MBX_BUSY, t.offset); // the PF may be reading it
            return WR::done;
        }
        m.vf_msg[t.element] = value;
        return WR::done;
    case VfMailboxReg::ctrl:
        break;
    }
    if (value & SRIOVNIC_MBX_CTRL_ACK) {
        m.status &= ~SRIOVNIC_MBX_STATUS_MSG;
        if (agent_) {
            agent_step(vf); // the slot the agent waited for is free
        }
    }
    if (value & SRIOVNIC_MBX_CTRL_SEND) {
        if (m.status & SRIOVNIC_MBX_STATUS_BUSY) {
            f.count(SRIOVNIC_STAT_MBX_REFUSED);
            f.record_error(SRIOVNIC_ERR_MBX_BUSY, t.offset);
        } else {
            m.status |= SRIOVNIC_MBX_STATUS_BUSY;
            f.count(SRIOVNIC_STAT_MBX_SENT);
            check_request(m);
            card_.hooks().notify([&](StateObserver &o) { o.on_mailbox(vf, true, m.vf_msg[0]); });
            if (!held_[vf]) {
                request_waits(vf);
            }
        }
    }
    return WR::done;
}

uint32_t Mailbox::read_pf_side(const RegTarget &t) const
{
    switch (t.pf_mailbox()) {
    case PfMailboxReg::vf_msg: return boxes_[t.index].vf_msg[t.element];
    case PfMailboxReg::pf_msg: return boxes_[t.index].pf_msg[t.element];
    case PfMailboxReg::ctrl: return boxes_[t.index].status;
    case PfMailboxReg::pending: return pending(t.element);
    }
    return 0;
}

Function::WriteResult Mailbox::write_pf_side(const RegTarget &t, uint32_t value)
{
    switch (t.pf_mailbox()) {
    case PfMailboxReg::vf_msg:
    case PfMailboxReg::pending:
        return Function::WriteResult::read_only;
    case PfMailboxReg::ctrl:
        return pf_control(t.index, value);
    case PfMailboxReg::pf_msg:
        break;
    }
    SriovnicMailboxRegs &m = boxes_[t.index];
    if (m.status & SRIOVNIC_MBX_STATUS_MSG) {
        card_.pf().record_error(SRIOVNIC_ERR_MBX_BUSY, t.offset); // the VF may be reading it
        return Function::WriteResult::done;
    }
    m.pf_msg[t.element] = value;
    return Function::WriteResult::done;
}

// The device carries every message; it only counts those that break the
// contract, as the receiving driver will see them.
void Mailbox::check_request(SriovnicMailboxRegs &m)
{
    const int err = sriovnic_mbx_msg_check(m.vf_msg, SRIOVNIC_MBX_WORDS, SRIOVNIC_MBX_DIR_TO_PF,
                                           nullptr);
    if (SRIOVNIC_MBX_MSG_MALFORMED(err)) {
        count(m.bad_requests);
    }
    // Even a malformed request waits: the PF answers it (BAD_REQUEST, UNSUPPORTED).
    sriovnic_mbx_exchange_sent(&m.exchange, m.vf_msg[0]);
}

void Mailbox::check_reply(SriovnicMailboxRegs &m)
{
    switch (sriovnic_mbx_msg_check(m.pf_msg, SRIOVNIC_MBX_WORDS, SRIOVNIC_MBX_DIR_TO_VF,
                                   &m.exchange)) {
    case SRIOVNIC_MBX_MSG_VALID:
        if (m.pf_msg[0] & SRIOVNIC_MBX_REPLY) {
            sriovnic_mbx_exchange_answered(&m.exchange);
        }
        break;
    case SRIOVNIC_MBX_MSG_LATE:
        count(m.late_replies);
        break;
    case SRIOVNIC_MBX_MSG_DUPLICATE:
        count(m.dup_replies);
        break;
    default:
        count(m.bad_replies);
        break;
    }
}

void Mailbox::tell_pf()
{
    Function &pf = card_.pf();
    pf.raise_cause(SRIOVNIC_INT_MBX);
    card_.interrupts_changed(pf);
}

void Mailbox::request_waits(uint16_t vf)
{
    if (agent_) {
        agent_step(vf);
    } else {
        tell_pf();
    }
}

void Mailbox::release(uint16_t vf)
{
    held_[vf] = 0;
    if (boxes_[vf].status & SRIOVNIC_MBX_STATUS_BUSY) {
        request_waits(vf); // the held message reaches the PF now
    }
}

void Mailbox::notify_reset(uint16_t vf)
{
    if (agent_) {
        agent_->regs(vf).notice_pending = 1;
        agent_step(vf);
    }
}

// Like a PF driver, the agent writes only into an empty slot; unlike one,
// it never waits: what it has to say waits in the mailbox (a request stays
// BUSY, a notice pending) until the VF acknowledges what is there.
void Mailbox::agent_step(uint16_t vf)
{
    SriovnicMailboxRegs &m = boxes_[vf];
    SriovnicVfHostRegs &host = agent_->regs(vf);
    if (m.status & SRIOVNIC_MBX_STATUS_MSG) {
        return;
    }
    if (host.notice_pending) {
        host.notice_pending = 0;
        const MailboxMessage notice = HostPfAgent::reset_notice();
        std::copy(notice.begin(), notice.end(), m.pf_msg);
    } else if ((m.status & SRIOVNIC_MBX_STATUS_BUSY) && !held_[vf]) {
        MailboxMessage request;
        std::copy(std::begin(m.vf_msg), std::end(m.vf_msg), request.begin());
        m.status &= ~SRIOVNIC_MBX_STATUS_BUSY; // taken
        const MailboxMessage reply = agent_->answer(vf, request);
        std::copy(reply.begin(), reply.end(), m.pf_msg);
    } else {
        return;
    }
    deliver(vf, card_.pf());
}

void Mailbox::deliver(uint16_t vf, Function &sender)
{
    SriovnicMailboxRegs &m = boxes_[vf];
    Function &f = card_.vf(vf);
    m.status |= SRIOVNIC_MBX_STATUS_MSG;
    sender.count(SRIOVNIC_STAT_MBX_SENT);
    check_reply(m);
    card_.hooks().notify([&](StateObserver &o) { o.on_mailbox(vf, false, m.pf_msg[0]); });
    f.raise_cause(SRIOVNIC_INT_MBX);
    card_.interrupts_changed(f);
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
            deliver(vf, pf);
            return Function::WriteResult::done;
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

std::optional<std::string> Mailbox::validate_loaded(uint16_t vf)
{
    SriovnicMailboxRegs &m = boxes_[vf];
    // A stream from before 1.6 carries no exchange: a request still waiting
    // for the PF is then the one its reply will answer. (Since 1.6, a taken
    // request leaves the exchange non-empty, so this cannot misread one.)
    if (m.exchange.flags == 0 && !sriovnic_mailbox_contract_used(m) &&
        (m.status & SRIOVNIC_MBX_STATUS_BUSY)) {
        sriovnic_mbx_exchange_sent(&m.exchange, m.vf_msg[0]);
    }
    const std::string who = "VF " + std::to_string(vf) + " mailbox: ";
    if (m.status & ~(SRIOVNIC_MBX_STATUS_MSG | SRIOVNIC_MBX_STATUS_BUSY)) {
        return who + "status has bits the hardware never sets";
    }
    const sriovnic_mbx_exchange &ex = m.exchange;
    if ((ex.flags & ~SRIOVNIC_MBX_EX_FLAGS) ||
        (!(ex.flags & SRIOVNIC_MBX_EX_WAITING) && ex.waiting_w0) ||
        (!(ex.flags & SRIOVNIC_MBX_EX_ANSWERED) && ex.answered_w0)) {
        return who + "its record of the waiting and answered requests is inconsistent";
    }
    return std::nullopt;
}

} // namespace sriovnic
