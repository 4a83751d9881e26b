// SPDX-License-Identifier: GPL-2.0-or-later
// FaultInjector on its own, against a recording FaultTarget: what it asks of
// the card for each fault and when, its timer, and what it refuses without
// touching the card. Then a surprise removal and its restore as the guest's
// synthetic driver sees them on its event ring.
#include "fault_injector.hpp"
#include "synth_fixture.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sriovnic {
namespace {

// A fault as management asks for it; duration 0: none given (the default).
SriovnicFaultRequest request(uint32_t vf, unsigned fault, uint32_t duration_ms)
{
    return {vf, fault, duration_ms != 0, duration_ms};
}

class RecordingCard final : public FaultTarget, public Platform, public StateObserver {
public:
    uint16_t vfs_enabled() const override { return enabled; }
    void vf_removal_changed(uint16_t vf) override
    {
        calls.push_back("removal " + std::to_string(vf));
    }
    void vf_links_changed() override { calls.push_back("links"); }
    void hold_mailbox(uint16_t vf, bool held) override
    {
        calls.push_back(std::string(held ? "hold " : "release ") + std::to_string(vf));
    }
    Function::Runtime::DmaFault &dma_fault(uint16_t vf) override { return dma.at(vf); }

    // Platform: a clock and a timer.
    void raise_msix(uint16_t, uint16_t) override {}
    void set_intx(bool) override {}
    bool dma_read(uint16_t, uint64_t, std::span<uint8_t>) override { return false; }
    bool dma_write(uint16_t, uint64_t, std::span<const uint8_t>) override { return false; }
    void send_uplink(std::span<const uint8_t>) override {}
    void uplink_ready() override {}
    uint64_t now_ns() override { return now; }
    void arm_timer(uint64_t deadline_ns) override { deadline = deadline_ns; }

    void on_fault(uint16_t vf, unsigned fault, bool active) override
    {
        calls.push_back(std::string(active ? "begins " : "ends ") + fault_name(fault) + " " +
                        std::to_string(vf));
    }

    uint16_t enabled = 2;
    std::vector<Function::Runtime::DmaFault> dma = std::vector<Function::Runtime::DmaFault>(3);
    std::vector<std::string> calls;
    uint64_t now = 5'000;
    std::optional<uint64_t> deadline;
};

class Injector : public ::testing::Test {
protected:
    Injector()
    {
        hooks.subscribe(card);
        timers.add(faults);
    }
    std::vector<std::string> take_calls() { return std::exchange(card.calls, {}); }
    void fire_at(uint64_t t)
    {
        card.now = t;
        card.deadline.reset();
        timers.expired();
    }

    RecordingCard card;
    StateHooks hooks;
    TimerService timers{card};
    FaultInjector faults{3, card, timers, hooks, card};
};

TEST_F(Injector, ARefusedFaultLeavesTheCardAlone)
{
    EXPECT_EQ(faults.inject(request(3, SRIOVNIC_INJECT_LINK_FLAP, 0)),
              "'vf' 3 is out of range: the card has 3 VFs (0..2)");
    EXPECT_EQ(faults.inject(request(2, SRIOVNIC_INJECT_SURPRISE_REMOVAL, 0)),
              "'vf' 2 is not enabled (2 VFs enabled now)");
    EXPECT_TRUE(faults.inject(request(0, SRIOVNIC_INJECT_RESTORE, 0)));
    EXPECT_TRUE(faults.inject(request(0, SRIOVNIC_INJECT_MAILBOX_TIMEOUT, 3'600'001)));
    EXPECT_TRUE(take_calls().empty());
    EXPECT_FALSE(card.deadline);
    EXPECT_FALSE(faults.removed(7)) << "a VF the card does not have is not removed";
    EXPECT_FALSE(faults.link_held_down(7));
    EXPECT_FALSE(faults.dma_faulting(7));
}

TEST_F(Injector, AnFlrIsOnlyCheckedTheCardsResetCarriesItOut)
{
    EXPECT_FALSE(faults.inject(request(1, SRIOVNIC_INJECT_FLR, 0)));
    EXPECT_TRUE(take_calls().empty());
}

TEST_F(Injector, RemovalAndRestoreTellTheCardAfterTheStateChanged)
{
    ASSERT_FALSE(faults.inject(request(1, SRIOVNIC_INJECT_SURPRISE_REMOVAL, 20)));
    EXPECT_TRUE(faults.removed(1));
    EXPECT_EQ(take_calls(), std::vector<std::string>{"removal 1"});
    EXPECT_EQ(card.deadline, std::optional<uint64_t>(5'000 + 20'000'000));
    fire_at(5'000 + 20'000'000);
    EXPECT_FALSE(faults.removed(1));
    EXPECT_EQ(take_calls(), std::vector<std::string>{"removal 1"});
    EXPECT_FALSE(card.deadline) << "nothing left to end";

    ASSERT_FALSE(faults.inject(request(0, SRIOVNIC_INJECT_SURPRISE_REMOVAL, 0)));
    faults.vf_enable_changed();
    EXPECT_FALSE(faults.removed(0)) << "VF Enable brings it back; the card updates presence";
    EXPECT_EQ(take_calls(), std::vector<std::string>{"removal 0"});
}

TEST_F(Injector, EachFaultEndsOnItsOwnDeadlineOnOneTimer)
{
    ASSERT_FALSE(faults.inject(request(0, SRIOVNIC_INJECT_LINK_FLAP, 10)));
    ASSERT_FALSE(faults.inject(request(1, SRIOVNIC_INJECT_MAILBOX_TIMEOUT, 30)));
    ASSERT_FALSE(faults.inject(request(1, SRIOVNIC_INJECT_DMA_ERROR, 20)));
    EXPECT_EQ(take_calls(), (std::vector<std::string>{"links", "hold 1", "begins mailbox-timeout 1",
                                                      "begins dma-error 1"}));
    EXPECT_TRUE(faults.link_held_down(0));
    EXPECT_TRUE(faults.mailbox_held(1));
    EXPECT_TRUE(faults.dma_faulting(1));
    EXPECT_EQ(card.dma[1], Function::Runtime::DmaFault::all);
    EXPECT_EQ(card.deadline, std::optional<uint64_t>(5'000 + 10'000'000));

    fire_at(5'000 + 10'000'000);
    EXPECT_EQ(take_calls(), std::vector<std::string>{"links"});
    EXPECT_FALSE(faults.link_held_down(0));
    EXPECT_EQ(card.deadline, std::optional<uint64_t>(5'000 + 20'000'000)) << "re-armed";
    fire_at(5'000 + 20'000'000);
    EXPECT_EQ(take_calls(), std::vector<std::string>{"ends dma-error 1"});
    EXPECT_EQ(card.dma[1], Function::Runtime::DmaFault::none);
    fire_at(5'000 + 30'000'000);
    EXPECT_EQ(take_calls(), (std::vector<std::string>{"ends mailbox-timeout 1", "release 1"}));
    EXPECT_FALSE(faults.mailbox_held(1));
    EXPECT_FALSE(card.deadline);
}

TEST_F(Injector, AOneShotDmaErrorNeitherArmsTheTimerNorWeakensATimedOne)
{
    ASSERT_FALSE(faults.inject(request(0, SRIOVNIC_INJECT_DMA_ERROR, 0)));
    EXPECT_EQ(card.dma[0], Function::Runtime::DmaFault::next);
    EXPECT_FALSE(card.deadline) << "the DMA that fails ends it";
    ASSERT_FALSE(faults.inject(request(1, SRIOVNIC_INJECT_DMA_ERROR, 5)));
    ASSERT_FALSE(faults.inject(request(1, SRIOVNIC_INJECT_DMA_ERROR, 0)));
    EXPECT_EQ(card.dma[1], Function::Runtime::DmaFault::all);
}

// ---- a surprise removal as the guest's synthetic driver sees it ----

using test::Bytes;
using test::SynthNic;
using test::VF0;
using test::kRemote;
using test::kSynthMac;

struct Transition {
    unsigned from, to, cause;
    bool operator==(const Transition &) const = default;
};

class RemovalUnderTheSynthDriver : public SynthNic {
protected:
    void SetUp() override
    {
        bring_up();
        Nic::bring_up(VF0, kSynthMac);
        ASSERT_EQ(switch_to(SRIOVNIC_SYNTH_PATH_VF, 0, offered_serial()), 0u);
        (void)events();
        transitions.clear();
    }
    std::vector<uint16_t> event_types()
    {
        std::vector<uint16_t> types;
        for (const Bytes &m : events()) {
            types.push_back(type_of(m));
        }
        return types;
    }
    // The data-path changes the channel reported to its sink, since the last clear.
    std::vector<Transition> seen() const
    {
        std::vector<Transition> out;
        for (const SriovnicSynthTransition &t : transitions) {
            out.push_back({t.old_state, t.new_state, t.cause});
        }
        return out;
    }
};

TEST_F(RemovalUnderTheSynthDriver, TheGuestGetsOneRevokeAndAfterTheRestoreOneOffer)
{
    ASSERT_FALSE(device->inject_fault(request(0, SRIOVNIC_INJECT_SURPRISE_REMOVAL, 0)));
    EXPECT_EQ(event_types(), std::vector<uint16_t>{SRIOVNIC_SYNTH_EV_VF_REVOKE});
    EXPECT_EQ(seen(), (std::vector<Transition>{{SRIOVNIC_SYNTH_DP_VF, SRIOVNIC_SYNTH_DP_SYNTHETIC,
                                                  SRIOVNIC_SYNTH_CAUSE_REVOKE_SURPRISE}}));
    transitions.clear();

    ASSERT_FALSE(device->inject_fault(request(0, SRIOVNIC_INJECT_RESTORE, 0)));
    const std::vector<Bytes> after = events();
    ASSERT_EQ(after.size(), 1u) << "one offer, not offer, revoke, offer";
    EXPECT_EQ(type_of(after[0]), SRIOVNIC_SYNTH_EV_VF_OFFER);
    EXPECT_EQ(seen(), (std::vector<Transition>{{SRIOVNIC_SYNTH_DP_SYNTHETIC,
                                                  SRIOVNIC_SYNTH_DP_OFFERED,
                                                  SRIOVNIC_SYNTH_CAUSE_OFFER}}));
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_OFFERED);
    EXPECT_EQ(sstat(SRIOVNIC_SYNTH_STAT_REVOKES), 1u) << "only the removal revoked";
    // The offer stands for the VF that came back: the guest can take it.
    Nic::bring_up(VF0, kSynthMac);
    EXPECT_EQ(switch_to(SRIOVNIC_SYNTH_PATH_VF, 0, offered_serial()), 0u);
}

TEST_F(RemovalUnderTheSynthDriver, ARemovalThatEndsByItselfAlsoOffersOnce)
{
    ASSERT_FALSE(device->inject_fault(request(0, SRIOVNIC_INJECT_SURPRISE_REMOVAL, 5)));
    (void)events();
    transitions.clear();
    platform.now += 5'000'000;
    device->on_timer();
    EXPECT_EQ(event_types(), std::vector<uint16_t>{SRIOVNIC_SYNTH_EV_VF_OFFER});
    EXPECT_EQ(transitions.size(), 1u);
}

// What happens to the frames in flight when the VF goes: the card serves one
// request at a time (a register write, a frame from the backend, the host's
// command), so a removal never falls inside a delivery or a transmit.

TEST_F(RemovalUnderTheSynthDriver, WhatTheVfTookBeforeTheRemovalStaysInGuestMemoryAndWasSignalled)
{
    const Bytes frame = test::ethernet(kSynthMac, kRemote, 0x0800, 100);
    platform.msix.clear();
    ASSERT_TRUE(device->uplink_receive(frame));
    EXPECT_EQ(rx_frame(VF0, 0, 0), frame);
    ASSERT_EQ(platform.msix.size(), 1u) << "the VF's interrupt went out with the frame";
    EXPECT_EQ(platform.msix[0].first, VF0);
    ASSERT_FALSE(device->inject_fault(request(0, SRIOVNIC_INJECT_SURPRISE_REMOVAL, 0)));
    EXPECT_TRUE(rx_desc(VF0, 0, 0).flags & SRIOVNIC_RXD_DONE) << "the removal scrubs nothing";
    EXPECT_EQ(rx_frame(VF0, 0, 0), frame);
    EXPECT_TRUE(received().empty());
    // The next one goes to the synthetic path at once.
    ASSERT_TRUE(device->uplink_receive(frame));
    const auto on_synth = received();
    ASSERT_EQ(on_synth.size(), 1u);
    EXPECT_EQ(on_synth[0].second, frame);
    EXPECT_FALSE(rx_desc(VF0, 0, 1).flags & SRIOVNIC_RXD_DONE);
}

TEST_F(RemovalUnderTheSynthDriver, AFrameTheBackendHeldForTheFullVfReachesTheChannelAfterTheRemoval)
{
    const Bytes frame = test::ethernet(kSynthMac, kRemote, 0x0800, 100);
    for (int i = 0; i < 8; i++) {
        ASSERT_TRUE(device->uplink_receive(frame)); // the VF's 8 posted buffers
    }
    ASSERT_FALSE(device->uplink_receive(frame)) << "the VF's ring is full: the backend holds it";
    const unsigned retries = platform.ready_calls;
    ASSERT_FALSE(device->inject_fault(request(0, SRIOVNIC_INJECT_SURPRISE_REMOVAL, 0)));
    EXPECT_GT(platform.ready_calls, retries) << "the backend is told to offer it again";
    ASSERT_TRUE(device->uplink_receive(frame));
    const auto on_synth = received();
    ASSERT_EQ(on_synth.size(), 1u);
    EXPECT_EQ(on_synth[0].second, frame);
}

TEST_F(RemovalUnderTheSynthDriver, TransmitIsDoneInItsDoorbellAndAfterTheRemovalGoesNowhere)
{
    const Bytes out = test::ethernet(kRemote, kSynthMac, 0x0800, 100);
    platform.uplink.clear();
    const uint32_t before = queue_tx(VF0, 0, out);
    ASSERT_EQ(platform.uplink.size(), 1u) << "sent and completed inside the doorbell write";
    EXPECT_TRUE(tx_desc(VF0, 0, before).flags & SRIOVNIC_TXD_DONE);
    ASSERT_FALSE(device->inject_fault(request(0, SRIOVNIC_INJECT_SURPRISE_REMOVAL, 0)));
    // The guest's VF driver does not know yet (its synth driver has the
    // revoke waiting in its event ring): the frame it queues now is in the
    // ring of a VF that is gone, as on real hardware.
    const uint32_t after = queue_tx(VF0, 0, out);
    EXPECT_EQ(platform.uplink.size(), 1u);
    EXPECT_FALSE(tx_desc(VF0, 0, after).flags & SRIOVNIC_TXD_DONE);
    // Once the synth driver handled the revoke it sends on the synthetic path.
    send(test::net_hdr(), out);
    EXPECT_EQ(platform.uplink.size(), 2u);
}

} // namespace
} // namespace sriovnic
