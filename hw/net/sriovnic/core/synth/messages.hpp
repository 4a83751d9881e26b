// SPDX-License-Identifier: GPL-2.0-or-later
// The synthetic channel's messages (docs/synthetic-channel.md, "Messages"):
// the EVENT queue, where events are state (at most one of each type waits,
// a newer one replaces it), and the CTRL request handler, which checks every
// request with the shared validator sriovnic_synth_msg_check(). Messages are
// built and read byte by byte, little-endian.
#pragma once

#include "synth/registers.hpp"
#include "synth/ring.hpp"

#include <array>
#include <cstdint>

namespace sriovnic::synth {

using Message = std::array<uint8_t, SRIOVNIC_SYNTH_MSG_MAX>;

Message ev_link(bool up);
Message ev_mtu(uint16_t max_mtu);
Message ev_offload(uint32_t offloads);
Message ev_offer(uint16_t vf, uint32_t serial, const MacAddr &mac);
Message ev_revoke(uint16_t vf, uint32_t serial, uint8_t reason, uint8_t flags, uint32_t timeout_ms);
uint16_t message_type(const Message &m);

class EventQueue {
public:
    EventQueue(Registers &fn, SplitRing &ring) : fn_(fn), ring_(ring) {}

    // Queues an event (seq is set when written); replaces a waiting one of its type.
    void raise(const Message &m);
    // Removes the waiting event of `type`; true if there was one.
    bool cancel(uint16_t type);
    void drop_all() { fn_.regs().num_events = 0; }
    // Writes waiting events into posted chains. True if any was written.
    bool deliver();

    std::optional<std::string> validate_loaded() const;

private:
    void remove(unsigned i);

    Registers &fn_;
    SplitRing &ring_;
};

class Control {
public:
    // The path in effect after a request: what SWITCH_DONE carries.
    struct Reply {
        uint16_t status = SRIOVNIC_SYNTH_S_OK;
        bool on_vf = false;
        uint16_t vf = 0;
        uint32_t serial = 0;
    };
    class Executor {
    public:
        virtual Reply switch_path(bool to_vf, uint16_t vf, uint32_t serial) = 0;
        virtual Reply current_path() const = 0;
    protected:
        ~Executor() = default;
    };

    Control(Registers &fn, SplitRing &ring, Executor &executor)
        : fn_(fn), ring_(ring), executor_(executor)
    {
    }

    // CTRL NOTIFY: every available request, in ring order. True if any completed.
    bool process();

private:
    Registers &fn_;
    SplitRing &ring_;
    Executor &executor_;
};

} // namespace sriovnic::synth
