// SPDX-License-Identifier: GPL-2.0-or-later
// Chaos for offer and revoke by hotplug: a host that offers and revokes
// (request and surprise) in any order, a glue that performs the channel's
// hotplug operations late or not at all, a slot that refuses unplugs while
// busy, a plug that fails, a guest that switches, releases the slot or
// never answers, FLRs and device_del of the VF, and time. Whatever happens:
// the channel offers only a VF that is in the guest, asks for a plug only of
// a VF that is not and an unplug only of one that is, and once the host
// stops, every operation settles within the bound (the revoke timeout twice
// over) to what the host asked last.
#include "synth_fixture.hpp"

#include <cstdlib>
#include <iostream>
#include <random>

namespace sriovnic::test {
namespace {

class HotplugChaos : public SynthNic {
public:
    HotplugChaos() : SynthNic(synth_config())
    {
        SriovnicCoreConfig cfg = card_config(4, 2, 2, kPfMac);
        cfg.host_owned = true;
        device = std::make_unique<Device>(cfg, platform);
        device->subscribe(platform);
        device->set_active_vfs(4);
        SriovnicSynthConfig sc = synth_config();
        sc.vf_hotplug = true;
        attach(sc);
        bring_up();
    }
    void TestBody() override {}

    struct Reach {
        uint64_t offers = 0, revokes = 0, plugs = 0, requests = 0, surprises = 0, refusals = 0,
                 releases = 0, forced = 0, plug_failures = 0, flrs = 0, device_dels = 0;
    };

    void run(uint64_t seed, int steps)
    {
        rng_.seed(seed);
        for (int i = 0; i < steps && !testing::Test::HasFailure(); i++) {
            step();
            check();
        }
        settle();
    }

    Reach reach;

private:
    unsigned pick(unsigned n) { return std::uniform_int_distribution<unsigned>(0, n - 1)(rng_); }

    void step()
    {
        switch (pick(12)) {
        case 0: case 1:
            if (!ch->offer()) {
                reach.offers++;
                last_wish_plugged_ = true;
            }
            break;
        case 2: case 3: {
            const bool surprise = pick(3) == 0;
            if (!ch->revoke(SRIOVNIC_SYNTH_REVOKE_ADMIN, surprise, surprise ? 0 : 20 + pick(60))) {
                reach.revokes++;
                last_wish_plugged_ = false;
            }
            break;
        }
        case 4: case 5: glue(); break;
        case 6: guest_releases(); break;
        case 7: guest_switches(); break;
        case 8: case 9: advance(pick(40)); break;
        case 10:
            if (plugged_) {
                device->reset_function(VF0);
                reach.flrs++;
            }
            break;
        case 11:
            if (plugged_ && pick(4) == 0) { // device_del that went through at once
                remove_device();
                reach.device_dels++;
                // The host's wish is gone with it, unless an offer was
                // queued behind an unplug: then the VF is plugged again.
                last_wish_plugged_ = ch->info().vf_slot == SRIOVNIC_SYNTH_SLOT_PLUGGING;
            }
            break;
        }
    }

    // Performs the operation waiting, or refuses it as the slot would.
    void glue()
    {
        const SriovnicSynthHotplugOp op = device->synth_take_hotplug_op(fn);
        switch (op) {
        case SRIOVNIC_SYNTH_HOTPLUG_NONE:
            break;
        case SRIOVNIC_SYNTH_HOTPLUG_PLUG:
            ASSERT_FALSE(plugged_) << "plug asked for a VF in the guest";
            if (pick(10) == 0) {
                device->synth_hotplug_failed(fn, op, "slot taken");
                reach.plug_failures++;
                last_wish_plugged_ = false;
                break;
            }
            ASSERT_FALSE(device->plug_standalone_vf(0));
            device->standalone_vf_ready(0);
            plugged_ = true;
            asked_ = false;
            reach.plugs++;
            break;
        case SRIOVNIC_SYNTH_HOTPLUG_UNPLUG_REQUEST:
            ASSERT_TRUE(plugged_) << "unplug asked for a VF not in the guest";
            if (pick(3) == 0) {
                device->synth_hotplug_failed(fn, op, "guest is busy (power indicator blinking)");
                reach.refusals++;
            } else {
                asked_ = true;
                reach.requests++;
            }
            break;
        case SRIOVNIC_SYNTH_HOTPLUG_UNPLUG_SURPRISE:
            ASSERT_TRUE(plugged_) << "surprise unplug of a VF not in the guest";
            remove_device();
            reach.surprises++;
            break;
        }
    }

    void guest_releases()
    {
        if (asked_ && pick(2) == 0) {
            remove_device();
            reach.releases++;
        }
    }

    void guest_switches()
    {
        const uint8_t path = pick(2) ? SRIOVNIC_SYNTH_PATH_VF : SRIOVNIC_SYNTH_PATH_SYNTHETIC;
        (void)switch_to(path, 0, offered_serial());
        (void)events();
    }

    void advance(unsigned ms)
    {
        platform.now += uint64_t(ms) * 1'000'000;
        device->on_timer();
    }

    void remove_device()
    {
        device->unplug_standalone_vf(0);
        plugged_ = asked_ = false;
    }

    void check()
    {
        const SriovnicSynthInfo i = ch->info();
        if (i.state != SRIOVNIC_SYNTH_DP_SYNTHETIC) {
            EXPECT_TRUE(plugged_) << "an offer stands for a VF not in the guest";
        }
        if (i.vf_slot == SRIOVNIC_SYNTH_SLOT_UNPLUGGED) {
            EXPECT_FALSE(plugged_) << "the slot lost track of a plugged VF";
        }
        if (i.vf_slot == SRIOVNIC_SYNTH_SLOT_PLUGGED) {
            EXPECT_TRUE(plugged_) << "the slot believes in a VF that is gone";
        }
    }

    // The host stops; the glue does its part, the guest switches back when
    // asked but never releases the slot. Everything ends as asked last.
    void settle()
    {
        for (int round = 0; round < 400 && !testing::Test::HasFailure(); round++) {
            glue();
            if (pick(2)) {
                (void)switch_to(SRIOVNIC_SYNTH_PATH_SYNTHETIC, 0, 0);
            }
            (void)events();
            advance(5);
        }
        const SriovnicSynthInfo i = ch->info();
        EXPECT_EQ(device->synth_take_hotplug_op(fn), SRIOVNIC_SYNTH_HOTPLUG_NONE);
        if (last_wish_plugged_) {
            EXPECT_EQ(i.vf_slot, SRIOVNIC_SYNTH_SLOT_PLUGGED);
            EXPECT_TRUE(plugged_);
        } else {
            EXPECT_EQ(i.vf_slot, SRIOVNIC_SYNTH_SLOT_UNPLUGGED);
            EXPECT_FALSE(plugged_);
            EXPECT_EQ(i.state, SRIOVNIC_SYNTH_DP_SYNTHETIC);
        }
        reach.forced += i.forced_unplugs;
    }

    std::mt19937_64 rng_;
    bool plugged_ = false;          // the VF's device is in the guest
    bool asked_ = false;            // the guest was asked to release it
    bool last_wish_plugged_ = false; // the host's last accepted offer / revoke
};

// SRIOVNIC_CHAOS_SEEDS=N runs seeds 1..N (default 8).
TEST(SynthHotplugChaos, OperationsStayConsistentAndSettleAsTheHostAskedLast)
{
    const char *env = std::getenv("SRIOVNIC_CHAOS_SEEDS");
    const uint64_t seeds = env ? std::strtoull(env, nullptr, 10) : 8;
    HotplugChaos::Reach total;
    for (uint64_t seed = 1; seed <= seeds; seed++) {
        SCOPED_TRACE("seed " + std::to_string(seed));
        HotplugChaos chaos;
        chaos.run(seed, 3000);
        const HotplugChaos::Reach &r = chaos.reach;
        total.offers += r.offers;
        total.revokes += r.revokes;
        total.plugs += r.plugs;
        total.requests += r.requests;
        total.surprises += r.surprises;
        total.refusals += r.refusals;
        total.releases += r.releases;
        total.forced += r.forced;
        total.plug_failures += r.plug_failures;
        total.flrs += r.flrs;
        total.device_dels += r.device_dels;
    }
    std::cout << "hotplug chaos over " << seeds << " seeds: " << total.offers << " offers, "
              << total.revokes << " revokes, " << total.plugs << " plugs ("
              << total.plug_failures << " failed), " << total.requests << " unplug requests ("
              << total.refusals << " refused busy, " << total.releases << " released, "
              << total.forced << " forced), " << total.surprises << " surprise unplugs, "
              << total.flrs << " FLRs, " << total.device_dels << " device_del\n";
    EXPECT_GT(total.plugs, 100u);
    EXPECT_GT(total.refusals, 10u);
    EXPECT_GT(total.releases, 10u);
    EXPECT_GT(total.forced, 0u);
    EXPECT_GT(total.surprises, 10u);
    EXPECT_GT(total.plug_failures, 5u);
    EXPECT_GT(total.device_dels, 5u);
}

} // namespace
} // namespace sriovnic::test
