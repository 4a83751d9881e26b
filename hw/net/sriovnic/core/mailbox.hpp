// SPDX-License-Identifier: GPL-2.0-or-later
// The PF<->VF mailbox: one 16-word message each way per VF. The device only
// carries messages (include/sriovnic/mailbox.h); the PF driver answers. It
// checks each one against the contract as it passes and counts those that
// break it (malformed, late and duplicated replies), dropping none.
#pragma once

#include "card.hpp"
#include "function.hpp"
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

    // The VF's side (SRIOVNIC_REG_MBX_*), `reg` an offset in the VF's BAR.
    std::optional<uint32_t> read_vf_side(uint16_t vf, uint32_t reg) const;
    Function::WriteResult write_vf_side(uint16_t vf, uint32_t reg, uint32_t value);

    // The PF's side: `reg` an offset in VF `vf`'s window at SRIOVNIC_REG_PF_MBX_BASE.
    std::optional<uint32_t> read_pf_side(uint16_t vf, uint32_t reg) const;
    Function::WriteResult write_pf_side(uint16_t vf, uint32_t reg, uint32_t value);
    // SRIOVNIC_VFA_MBX_CTRL in VF `vf`'s administration window.
    uint32_t pf_status(uint16_t vf) const { return boxes_[vf].status; }
    Function::WriteResult pf_control(uint16_t vf, uint32_t value);

    // SRIOVNIC_REG_PF_MBX_PENDING(word): VFs whose message waits.
    uint32_t pending(unsigned word) const;

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
    void tell_pf();
    void check_request(SriovnicMailboxRegs &m);
    void check_reply(SriovnicMailboxRegs &m);

    Card &card_;
    std::vector<SriovnicMailboxRegs> boxes_;
    std::vector<uint8_t> held_; // per VF: not migrated, as the fault is the host's
};

} // namespace sriovnic
