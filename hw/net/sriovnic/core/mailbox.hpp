// SPDX-License-Identifier: GPL-2.0-or-later
// The PF<->VF mailbox: one 16-word message each way per VF. The device only
// carries messages (include/sriovnic/mailbox.h); the PF driver answers, or
// on a host-owned card the host PF agent. It checks each one against the
// contract as it passes and counts those that break it (malformed, late and
// duplicated replies), dropping none.
#pragma once

#include "card.hpp"
#include "function.hpp"
#include "host_pf_agent.hpp"
#include "regmap.hpp"
#include "sriovnic-core.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sriovnic {

class Mailbox {
public:
    Mailbox(Card &card, uint16_t total_vfs);
    Mailbox(const Mailbox &) = delete;
    Mailbox &operator=(const Mailbox &) = delete;

    SriovnicMailboxRegs &regs(uint16_t vf) { return boxes_[vf]; }

    // From now on `agent` answers every VF in place of a PF driver.
    void answer_by(HostPfAgent &agent) { agent_ = &agent; }
    // The host PF agent tells VF `vf`'s driver to start over (PF_RESET), as
    // soon as the VF's message slot is free.
    void notify_reset(uint16_t vf);

    // VF `vf`'s side (RegTarget::Block::vf_mailbox).
    uint32_t read_vf_side(uint16_t vf, const RegTarget &t) const;
    Function::WriteResult write_vf_side(uint16_t vf, const RegTarget &t, uint32_t value);

    // The PF's side (RegTarget::Block::pf_mailbox): VF `t.index`'s message
    // window and control, and the pending bitmap.
    uint32_t read_pf_side(const RegTarget &t) const;
    Function::WriteResult write_pf_side(const RegTarget &t, uint32_t value);

    // The VF was reset: its mailbox empties.
    void reset(uint16_t vf) { boxes_[vf] = SriovnicMailboxRegs{}; }

    // An injected mailbox timeout: while held, VF `vf`'s messages wait
    // unseen by the PF. Releasing hands a waiting one to the PF.
    void hold(uint16_t vf) { held_[vf] = 1; }
    void release(uint16_t vf);
    bool held(uint16_t vf) const { return held_[vf] != 0; }

    // After loading: refuses impossible state, and completes the exchange a
    // stream from before interface 1.6 did not carry.
    std::optional<std::string> validate_loaded(uint16_t vf);

private:
    // SRIOVNIC_VFA_MBX_CTRL in VF `vf`'s administration window.
    Function::WriteResult pf_control(uint16_t vf, uint32_t value);
    // SRIOVNIC_REG_PF_MBX_PENDING(word): VFs whose message waits.
    uint32_t pending(unsigned word) const;
    void tell_pf();
    // A request waits for the PF: the PF driver is told, the agent answers.
    void request_waits(uint16_t vf);
    // The agent's next message for VF `vf` (a notice, else the reply to a
    // waiting request), if the VF has room for it.
    void agent_step(uint16_t vf);
    // A message from the PF's side in VF `vf`'s slot, counted and checked,
    // and the VF told.
    void deliver(uint16_t vf, Function &sender);
    void check_request(SriovnicMailboxRegs &m);
    void check_reply(SriovnicMailboxRegs &m);

    Card &card_;
    std::vector<SriovnicMailboxRegs> boxes_;
    std::vector<uint8_t> held_; // per VF: not migrated, as the fault is the host's
    HostPfAgent *agent_ = nullptr; // the card's, on a host-owned card
};

} // namespace sriovnic
