// SPDX-License-Identifier: GPL-2.0-or-later
// What the PF's administration and the mailbox need from the rest of the
// card: its functions and the effects their changes have.
#pragma once

#include "function.hpp"
#include "platform.hpp"

#include <cstdint>

namespace sriovnic {

class Card {
public:
    virtual Function &pf() = 0;
    virtual Function &vf(uint16_t vf) = 0;
    virtual StateHooks &hooks() = 0;
    // A misc cause of `f` may have been raised.
    virtual void interrupts_changed(Function &f) = 0;
    // The PF changed how VF `vf`'s port behaves (MAC, VLAN, flags).
    virtual void administration_changed(Function &vf) = 0;
    // The PF changed VF `vf`'s rate limit.
    virtual void rate_changed(Function &vf) = 0;

protected:
    ~Card() = default;
};

} // namespace sriovnic
