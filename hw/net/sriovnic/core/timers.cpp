// SPDX-License-Identifier: GPL-2.0-or-later
#include "timers.hpp"

namespace sriovnic {

void TimerService::arm(Client &client, uint64_t deadline_ns)
{
    for (Slot &slot : slots_) {
        if (slot.client == &client) {
            slot.armed = true;
        }
    }
    if (!deadline_ || deadline_ns < *deadline_) {
        deadline_ = deadline_ns;
        platform_.arm_timer(deadline_ns);
    }
}

void TimerService::expired()
{
    deadline_.reset();
    for (Slot &slot : slots_) {
        if (slot.armed) {
            slot.armed = false;
            slot.client->on_timer();
        }
    }
}

} // namespace sriovnic
