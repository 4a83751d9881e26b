// SPDX-License-Identifier: GPL-2.0-or-later
// The platform gives the core one timer; this shares it among the core's
// users (transmit resumption, interrupt moderation, ...).
#pragma once

#include "platform.hpp"

#include <cstdint>
#include <optional>
#include <vector>

namespace sriovnic {

class TimerService {
public:
    class Client {
    public:
        virtual void on_timer() = 0;

    protected:
        ~Client() = default;
    };

    explicit TimerService(Platform &platform) : platform_(platform) {}
    TimerService(const TimerService &) = delete;
    TimerService &operator=(const TimerService &) = delete;

    // Clients register once, when the card is built.
    void add(Client &client) { slots_.push_back({&client, false}); }

    // Runs `client` no later than `deadline_ns` (an earlier request of any
    // client brings every armed client forward).
    void arm(Client &client, uint64_t deadline_ns);

    // The platform's timer fired: every armed client runs (and may re-arm).
    void expired();

private:
    struct Slot {
        Client *client;
        bool armed;
    };
    Platform &platform_;
    std::vector<Slot> slots_;
    std::optional<uint64_t> deadline_;
};

} // namespace sriovnic
