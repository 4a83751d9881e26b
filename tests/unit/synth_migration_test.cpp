// SPDX-License-Identifier: GPL-2.0-or-later
// A synthetic channel in a live migration, as the glue drives it (migration
// setup and end, the VM's run state, save and load): the revoke that holds
// the migration until the guest switched or the timeout passed, no offer
// while it runs, the offer again when it fails, the destination's offer when
// the VM runs, and on-migration=keep carrying every data-path state,
// malformed streams refused with the reason.
#include "synth_fixture.hpp"

#include <gtest/gtest.h>

namespace sriovnic {
namespace {

using test::Bytes;
using test::SynthNic;
using test::VF0;
using test::get_le;
using test::kSynthMac;

constexpr unsigned kTimeoutMs = 100; // the fixture's revoke-timeout

std::vector<unsigned> codes(const SriovnicSynthReasons &r)
{
    std::vector<unsigned> c;
    for (unsigned i = 0; i < r.count; i++) {
        c.push_back(r.reason[i].code);
    }
    return c;
}

std::string text(const SriovnicSynthReasons &r, unsigned code)
{
    for (unsigned i = 0; i < r.count; i++) {
        if (r.reason[i].code == code) {
            return r.reason[i].text;
        }
    }
    return "";
}

bool has(const SriovnicSynthReasons &r, unsigned code)
{
    return !text(r, code).empty();
}

class Migration : public SynthNic {
protected:
    explicit Migration(uint8_t on_migration = SRIOVNIC_SYNTH_ON_MIGRATION_REVOKE)
        : SynthNic(on_migration)
    {
    }
    void SetUp() override
    {
        transitions.clear(); // from here on: the test's own
        bring_up();
        Nic::bring_up(VF0, kSynthMac);
    }

    void to_vf() { ASSERT_EQ(switch_to(SRIOVNIC_SYNTH_PATH_VF, 0, offered_serial()), 0u); }
    unsigned to_synthetic() { return switch_to(SRIOVNIC_SYNTH_PATH_SYNTHETIC, 0, 0); }

    // What the glue's notifier and run-state handler call.
    void begin(bool vm_running = true) { ch->migration_begin(vm_running); }
    bool end(bool completed) { return ch->migration_end(completed); }
    bool run(bool running = true) { return ch->vm_running(running); }
    void tick(uint64_t ms)
    {
        platform.now += ms * 1'000'000;
        device->on_timer();
    }

    Bytes last_event()
    {
        const std::vector<Bytes> e = events();
        EXPECT_FALSE(e.empty());
        return e.empty() ? Bytes{} : e.back();
    }
    SriovnicSynthTransition last() const
    {
        return transitions.empty() ? SriovnicSynthTransition{} : transitions.back();
    }

    // Saves every function's state and the channel's, loads it into a new
    // card with the channel configured by `cfg` (which its destination
    // glue saw start with -incoming) and, if the channel's post_load took
    // it, continues with that card. The channel's post_load outcome.
    std::optional<std::string> migrate(const SriovnicSynthConfig &cfg,
                                       const std::function<void(SriovnicSynthRegs &)> &damage = {})
    {
        auto dest = std::make_unique<Device>(test::card_config(4, 2, 2, test::kPfMac), platform);
        dest->subscribe(platform);
        std::string err;
        const uint16_t dfn = dest->attach_synth(cfg, recorder(), err);
        EXPECT_EQ(dfn, fn) << err;
        dest->synth_incoming(dfn);
        dest->set_active_vfs(device->active_vfs());
        dest->pf_admin_regs() = device->pf_admin_regs();
        for (uint16_t f = 0; f <= 4; f++) {
            *dest->fn_regs(f) = *device->fn_regs(f);
            if (f != SRIOVNIC_FN_PF) {
                *dest->vf_admin_regs(uint16_t(f - 1)) = *device->vf_admin_regs(uint16_t(f - 1));
                *dest->vf_mailbox_regs(uint16_t(f - 1)) = *device->vf_mailbox_regs(uint16_t(f - 1));
            }
            EXPECT_EQ(dest->post_load(f), std::nullopt);
        }
        ch->pre_save();
        SriovnicSynthRegs stream = ch->regs();
        if (damage) {
            damage(stream);
        }
        *dest->synth_regs(dfn) = stream;
        auto outcome = dest->post_load(dfn);
        if (!outcome) {
            device = std::move(dest);
        } else {
            EXPECT_EQ(dest->synth_regs(dfn)->revoke_reason | dest->synth_regs(dfn)->revoke_left_ms,
                      0u) << "stream-only fields are consumed, also when refused";
        }
        return outcome;
    }

};

// ---- the source, on-migration=revoke (the default) ----

TEST_F(Migration, TheVfIsRevokedAndTheMigrationHeldUntilTheGuestSwitches)
{
    to_vf();
    (void)events();
    begin();
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_REVOKING);
    EXPECT_TRUE(ch->holds_migration());
    const Bytes ev = last_event();
    EXPECT_EQ(type_of(ev), SRIOVNIC_SYNTH_EV_VF_REVOKE);
    EXPECT_EQ(ev[14], SRIOVNIC_SYNTH_REVOKE_MIGRATION);
    EXPECT_EQ(ev[15], 0) << "a request: the guest switches";
    EXPECT_EQ(get_le(ev, 20, 4), kTimeoutMs);
    EXPECT_EQ(last().cause, SRIOVNIC_SYNTH_CAUSE_REVOKE_REQUEST);
    EXPECT_EQ(last().revoke_reason, SRIOVNIC_SYNTH_REVOKE_MIGRATION);
    EXPECT_TRUE(has(ch->reasons(), SRIOVNIC_SYNTH_WHY_REVOKING));

    EXPECT_EQ(to_synthetic(), 0u);
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_SYNTHETIC);
    EXPECT_FALSE(ch->holds_migration()) << "the migration goes on";
    EXPECT_EQ(last().cause, SRIOVNIC_SYNTH_CAUSE_REVOKE_DONE);
    const SriovnicSynthReasons why = ch->reasons();
    EXPECT_EQ(text(why, SRIOVNIC_SYNTH_WHY_MIGRATING).rfind("revoked for migration: ", 0), 0u)
        << text(why, SRIOVNIC_SYNTH_WHY_MIGRATING);
    EXPECT_EQ(ch->info().migration, SRIOVNIC_SYNTH_MIGRATION_OUTGOING);
}

TEST_F(Migration, AGuestThatNeverAnswersReleasesTheMigrationAtTheTimeoutWithASurprise)
{
    to_vf();
    (void)events();
    begin();
    tick(kTimeoutMs - 1);
    EXPECT_TRUE(ch->holds_migration()) << "not yet";
    tick(1);
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_SYNTHETIC);
    EXPECT_FALSE(ch->holds_migration());
    const Bytes ev = last_event();
    EXPECT_EQ(ev[14], SRIOVNIC_SYNTH_REVOKE_MIGRATION);
    EXPECT_EQ(ev[15], SRIOVNIC_SYNTH_REVOKE_F_SURPRISE | SRIOVNIC_SYNTH_REVOKE_F_TIMEOUT);
    EXPECT_EQ(last().cause, SRIOVNIC_SYNTH_CAUSE_REVOKE_TIMEOUT);
    EXPECT_EQ(last().revoke_reason, SRIOVNIC_SYNTH_REVOKE_MIGRATION);
    const SriovnicSynthInfo info = ch->info();
    EXPECT_TRUE(info.last_revoke_timed_out);
    EXPECT_TRUE(info.last_revoke_surprise);
    EXPECT_EQ(sstat(SRIOVNIC_SYNTH_STAT_REVOKE_TIMEOUTS), 1u);
}

TEST_F(Migration, AnOfferNotTakenIsWithdrawnWithoutHolding)
{
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_OFFERED);
    begin();
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_SYNTHETIC);
    EXPECT_FALSE(ch->holds_migration());
    EXPECT_EQ(last().cause, SRIOVNIC_SYNTH_CAUSE_REVOKE_SURPRISE);
}

TEST_F(Migration, AStoppedGuestCannotAnswerSoItsRevokeIsASurprise)
{
    to_vf();
    begin(false);
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_SYNTHETIC);
    EXPECT_FALSE(ch->holds_migration());
    EXPECT_EQ(last().cause, SRIOVNIC_SYNTH_CAUSE_REVOKE_SURPRISE);
    ASSERT_TRUE(end(false));

    // Stopped while the migration waits for it: the same.
    to_vf();
    begin();
    ASSERT_TRUE(ch->holds_migration());
    EXPECT_FALSE(run(false));
    EXPECT_FALSE(ch->holds_migration());
    EXPECT_EQ(last().cause, SRIOVNIC_SYNTH_CAUSE_REVOKE_SURPRISE);
    EXPECT_FALSE(ch->info().last_revoke_timed_out);
}

TEST_F(Migration, NothingIsOfferedWhileTheMigrationRuns)
{
    to_vf();
    begin();
    ASSERT_EQ(to_synthetic(), 0u);
    const size_t changes = transitions.size();
    device->reset_function(VF0); // FLR: would offer the VF that comes back
    EXPECT_FALSE(ch->set_sriov_allowed(true));
    device->set_active_vfs(0);
    device->set_active_vfs(4); // VF Enable: would offer
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_SYNTHETIC);
    EXPECT_EQ(transitions.size(), changes);
    EXPECT_EQ(ch->offer(), "a live migration is in progress: the VF is offered again when it ends");
    EXPECT_FALSE(ch->holds_migration());
}

TEST_F(Migration, AFailedOrCancelledMigrationOffersTheVfAgain)
{
    to_vf();
    begin();
    ASSERT_EQ(to_synthetic(), 0u);
    (void)events();
    EXPECT_TRUE(end(false));
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_OFFERED);
    EXPECT_EQ(type_of(last_event()), SRIOVNIC_SYNTH_EV_VF_OFFER);
    EXPECT_FALSE(has(ch->reasons(), SRIOVNIC_SYNTH_WHY_MIGRATING));
    Nic::bring_up(VF0, kSynthMac);
    to_vf();
}

TEST_F(Migration, ACancelWhileTheRevokeIsInFlightOffersWhenItEnds)
{
    to_vf();
    begin();
    EXPECT_FALSE(end(false)) << "nothing to offer while the VF is being revoked";
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_REVOKING);
    ASSERT_EQ(to_synthetic(), 0u);
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_OFFERED) << "offered again once the guest left it";

    to_vf();
    begin();
    EXPECT_FALSE(end(false));
    tick(kTimeoutMs);
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_OFFERED) << "or once the revoke timed out";
}

TEST_F(Migration, AFailedMigrationOffersOnlyWhatThePolicyAllowsAndItRevoked)
{
    to_vf();
    begin();
    ASSERT_EQ(to_synthetic(), 0u);
    EXPECT_FALSE(ch->set_sriov_allowed(false));
    EXPECT_FALSE(end(false));
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_SYNTHETIC);
    EXPECT_EQ(codes(ch->reasons())[0], SRIOVNIC_SYNTH_WHY_POLICY);

    // An administrator's revoke is not the migration's to undo.
    EXPECT_FALSE(ch->set_sriov_allowed(true));
    ASSERT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_OFFERED);
    ASSERT_FALSE(ch->revoke(SRIOVNIC_SYNTH_REVOKE_ADMIN, true, 0));
    begin();
    EXPECT_FALSE(end(false));
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_SYNTHETIC);
}

TEST_F(Migration, ALongerRevokeAlreadyInFlightHoldsNoLongerThanTheRevokeTimeout)
{
    to_vf();
    ASSERT_FALSE(ch->revoke(SRIOVNIC_SYNTH_REVOKE_ADMIN, false, 60'000));
    begin();
    EXPECT_TRUE(ch->holds_migration());
    tick(kTimeoutMs);
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_SYNTHETIC);
    EXPECT_FALSE(ch->holds_migration());
    EXPECT_EQ(last().revoke_reason, SRIOVNIC_SYNTH_REVOKE_ADMIN);
    EXPECT_FALSE(end(false)) << "not the migration's revoke";
}

TEST_F(Migration, ACompletedSourceStaysQuietUntilItRunsAgain)
{
    to_vf();
    begin();
    ASSERT_EQ(to_synthetic(), 0u);
    EXPECT_FALSE(end(true));
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_SYNTHETIC);
    EXPECT_EQ(ch->info().migration, SRIOVNIC_SYNTH_MIGRATION_UNTIL_RUN);
    EXPECT_EQ(ch->offer(), "the VM has not run since its migration: the VF is offered when it runs");
    EXPECT_TRUE(run());
    tick(SRIOVNIC_SYNTH_RESUME_OFFER_WAIT_MS);
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_OFFERED);
}

// ---- the destination ----

TEST_F(Migration, TheDestinationOffersOnlyOnceTheVmRunsAndProgramsTheVf)
{
    to_vf();
    begin();
    ASSERT_EQ(to_synthetic(), 0u);
    const size_t before = transitions.size();
    ASSERT_EQ(migrate(synth_config()), std::nullopt);
    EXPECT_EQ(transitions.size(), before) << "no offer while loading (the PF's load enabled the VF)";
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_SYNTHETIC);
    const SriovnicSynthReasons why = ch->reasons();
    EXPECT_EQ(text(why, SRIOVNIC_SYNTH_WHY_MIGRATING),
              "the VM has not run since its migration: the VF is offered once it runs");
    EXPECT_FALSE(run(false));
    EXPECT_TRUE(run()) << "an offer is due";
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_SYNTHETIC) << "not before the guest transmits";
    EXPECT_EQ(ch->info().migration, SRIOVNIC_SYNTH_MIGRATION_RESUMING);
    EXPECT_EQ(text(ch->reasons(), SRIOVNIC_SYNTH_WHY_MIGRATING),
              "the VM runs again after its migration: the VF is offered at the guest's first "
              "transmit on the synthetic path, within 100 ms");
    EXPECT_EQ(transitions.size(), before);
    tick(SRIOVNIC_SYNTH_RESUME_OFFER_WAIT_MS - 1);
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_SYNTHETIC) << "another client's timer is no transmit";
    sqwr(SRIOVNIC_SYNTH_Q_TX, SRIOVNIC_SYNTH_QR_NOTIFY, 1);
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_OFFERED) << "the guest's traffic is back";
    EXPECT_EQ(ch->info().migration, SRIOVNIC_SYNTH_MIGRATION_NONE);
    EXPECT_EQ(last().cause, SRIOVNIC_SYNTH_CAUSE_OFFER);
    EXPECT_EQ(type_of(last_event()), SRIOVNIC_SYNTH_EV_VF_OFFER) << "the guest's rings came along";
    EXPECT_EQ(std::to_array(device->fn_info(VF0)->mac), kSynthMac);
    EXPECT_FALSE(run()) << "once";
    tick(SRIOVNIC_SYNTH_RESUME_OFFER_WAIT_MS);
    EXPECT_EQ(transitions.size(), before + 1) << "once";
    to_vf();
}

TEST_F(Migration, AGuestThatSendsNothingGetsItsOfferWhenTheWaitIsOver)
{
    to_vf();
    begin();
    ASSERT_EQ(to_synthetic(), 0u);
    ASSERT_EQ(migrate(synth_config()), std::nullopt);
    EXPECT_TRUE(run());
    tick(SRIOVNIC_SYNTH_RESUME_OFFER_WAIT_MS - 1);
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_SYNTHETIC);
    tick(1);
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_OFFERED);
    EXPECT_EQ(type_of(last_event()), SRIOVNIC_SYNTH_EV_VF_OFFER);
    sqwr(SRIOVNIC_SYNTH_Q_TX, SRIOVNIC_SYNTH_QR_NOTIFY, 1);
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_OFFERED) << "nothing more to do";
}

TEST_F(Migration, AnOfferStillDueWhenTheNextMigrationStartsComesWhenThatOneFails)
{
    to_vf();
    begin();
    ASSERT_EQ(to_synthetic(), 0u);
    ASSERT_EQ(migrate(synth_config()), std::nullopt);
    EXPECT_TRUE(run());
    begin();
    EXPECT_EQ(ch->offer(), "a live migration is in progress: the VF is offered again when it ends");
    tick(SRIOVNIC_SYNTH_RESUME_OFFER_WAIT_MS);
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_SYNTHETIC) << "not while it runs";
    EXPECT_TRUE(end(false));
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_OFFERED);
}

TEST_F(Migration, ADestinationWithoutSriovKeepsTheGuestSyntheticAndSaysWhy)
{
    to_vf();
    begin();
    ASSERT_EQ(to_synthetic(), 0u);
    ASSERT_EQ(migrate(synth_config(false)), std::nullopt);
    EXPECT_FALSE(run());
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_SYNTHETIC);
    EXPECT_EQ(codes(ch->reasons()), std::vector<unsigned>{SRIOVNIC_SYNTH_WHY_POLICY});
    EXPECT_FALSE(ch->set_sriov_allowed(true)) << "a later policy change offers";
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_OFFERED);
}

// ---- on-migration=keep ----

class KeepMigration : public Migration {
protected:
    KeepMigration() : Migration(SRIOVNIC_SYNTH_ON_MIGRATION_KEEP) {}
    SriovnicSynthConfig keep(bool allowed = true)
    {
        return synth_config(allowed, SRIOVNIC_SYNTH_F_ALL, SRIOVNIC_SYNTH_ON_MIGRATION_KEEP);
    }
};

TEST_F(KeepMigration, NothingIsRevokedAndEveryStateMigrates)
{
    // OFFERED
    begin();
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_OFFERED);
    EXPECT_FALSE(ch->holds_migration());
    EXPECT_FALSE(end(true));
    const uint32_t serial = ch->regs().dp_serial;
    ASSERT_EQ(migrate(keep()), std::nullopt);
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_OFFERED);
    EXPECT_EQ(ch->regs().dp_serial, serial);
    EXPECT_FALSE(run()) << "the offer stands, nothing new";
    // VF: the guest's switch migrates, receive traffic keeps going to the VF.
    to_vf();
    ASSERT_EQ(migrate(keep()), std::nullopt);
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_VF);
    EXPECT_TRUE(srd(SRIOVNIC_SYNTH_REG_DATAPATH) & SRIOVNIC_SYNTH_DP_RX_VIA_VF);
    EXPECT_EQ(ch->reasons().count, 0u);
    EXPECT_FALSE(run());
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_VF);
}

TEST_F(KeepMigration, ARevokeInFlightComesBackWithItsReasonAndTimeLeft)
{
    to_vf();
    ASSERT_FALSE(ch->revoke(SRIOVNIC_SYNTH_REVOKE_POLICY, false, 50));
    platform.now += 20'000'000;
    ASSERT_EQ(migrate(keep()), std::nullopt);
    EXPECT_EQ(ch->regs().revoke_reason, 0u) << "stream-only fields are consumed";
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_REVOKING);
    EXPECT_NE(text(ch->reasons(), SRIOVNIC_SYNTH_WHY_REVOKING).find("(reason policy"), std::string::npos);
    EXPECT_FALSE(ch->holds_migration()) << "keep mode never holds a migration";
    EXPECT_FALSE(run());
    tick(29);
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_REVOKING) << "30 ms were left";
    tick(1);
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_SYNTHETIC);
    EXPECT_EQ(last().cause, SRIOVNIC_SYNTH_CAUSE_REVOKE_TIMEOUT);
    EXPECT_EQ(last().revoke_reason, SRIOVNIC_SYNTH_REVOKE_POLICY);
    tick(1);
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_SYNTHETIC) << "it ends as it would have on the source";
}

TEST_F(KeepMigration, ARevokeInFlightCanStillBeAnsweredOnTheDestination)
{
    to_vf();
    ASSERT_FALSE(ch->revoke(SRIOVNIC_SYNTH_REVOKE_ADMIN, false, 0));
    ASSERT_EQ(migrate(keep()), std::nullopt);
    (void)events();
    // A driver that resyncs on the destination (EVENT enabled again) is
    // told the revoke again, with the time left.
    sqwr(SRIOVNIC_SYNTH_Q_EVENT, SRIOVNIC_SYNTH_QR_ENABLE, 0);
    setup_queue(SRIOVNIC_SYNTH_Q_EVENT);
    for (int i = 0; i < 8; i++) {
        post_event_buffer();
    }
    const std::vector<Bytes> replay = events();
    ASSERT_FALSE(replay.empty());
    EXPECT_EQ(type_of(replay.back()), SRIOVNIC_SYNTH_EV_VF_REVOKE);
    EXPECT_EQ(replay.back()[14], SRIOVNIC_SYNTH_REVOKE_ADMIN);
    EXPECT_EQ(replay.back()[15], 0) << "still a request";
    EXPECT_EQ(get_le(replay.back(), 20, 4), kTimeoutMs);
    EXPECT_EQ(to_synthetic(), 0u);
    EXPECT_EQ(last().cause, SRIOVNIC_SYNTH_CAUSE_REVOKE_DONE);
}

TEST_F(KeepMigration, AKeptVfTheDestinationDoesNotAllowIsRevokedWhenTheVmRuns)
{
    to_vf();
    ASSERT_EQ(migrate(keep(false)), std::nullopt);
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_VF) << "the load changes nothing";
    run();
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_REVOKING);
    EXPECT_EQ(last().revoke_reason, SRIOVNIC_SYNTH_REVOKE_POLICY);
}

TEST_F(KeepMigration, ImpossibleDataPathStateIsRefusedSayingWhat)
{
    struct Case {
        const char *what;
        std::function<void(SriovnicSynthRegs &)> damage;
        std::string message;
    };
    const std::string fn_ = "synthetic function: ";
    const std::vector<Case> cases = {
        {"no such state", [](SriovnicSynthRegs &r) { r.dp_state = 7; },
         fn_ + "data path state 7 in the stream is none of SYNTHETIC, OFFERED, VF, REVOKING (0 to 3)"},
        {"SYNTHETIC naming a VF",
         [](SriovnicSynthRegs &r) {
             r.dp_state = SRIOVNIC_SYNTH_DP_SYNTHETIC;
             r.dp_serial = 5;
         },
         fn_ + "data path SYNTHETIC with a VF index or serial in the stream (both must be 0)"},
        {"another VF", [](SriovnicSynthRegs &r) { r.dp_vf = 2; },
         fn_ + "data path VF names VF 2, but the channel pairs with VF 0"},
        {"VF without the feature",
         [](SriovnicSynthRegs &r) { r.drv_features &= ~uint32_t(SRIOVNIC_SYNTH_F_DATAPATH | SRIOVNIC_SYNTH_F_VF_MAC); },
         fn_ + "data path VF without the data-path feature negotiated"},
        {"REVOKING without its subsection",
         [](SriovnicSynthRegs &r) { r.dp_state = SRIOVNIC_SYNTH_DP_REVOKING; },
         fn_ + "data path REVOKING needs its revoke in flight (subsection sriovnic-synth/revoke) "
               "with a reason 1 to 5 and 1 to 600000 ms left (got reason 0, 0 ms)"},
        {"REVOKING with a bad reason",
         [](SriovnicSynthRegs &r) {
             r.dp_state = SRIOVNIC_SYNTH_DP_REVOKING;
             r.revoke_reason = 6;
             r.revoke_left_ms = 10;
         },
         fn_ + "data path REVOKING needs its revoke in flight (subsection sriovnic-synth/revoke) "
               "with a reason 1 to 5 and 1 to 600000 ms left (got reason 6, 10 ms)"},
        {"REVOKING with too long left",
         [](SriovnicSynthRegs &r) {
             r.dp_state = SRIOVNIC_SYNTH_DP_REVOKING;
             r.revoke_reason = 1;
             r.revoke_left_ms = 600'001;
         },
         fn_ + "data path REVOKING needs its revoke in flight (subsection sriovnic-synth/revoke) "
               "with a reason 1 to 5 and 1 to 600000 ms left (got reason 1, 600001 ms)"},
        {"a revoke in VF",
         [](SriovnicSynthRegs &r) { r.revoke_reason = 2; },
         fn_ + "a revoke in flight in the stream, but data path VF"},
    };
    to_vf();
    for (const Case &c : cases) {
        SCOPED_TRACE(c.what);
        EXPECT_EQ(migrate(keep(), c.damage), c.message);
        ASSERT_EQ(migrate(keep()), std::nullopt) << "the undamaged stream loads";
        ASSERT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_VF);
    }
}

TEST_F(KeepMigration, AVfNotEnabledOnTheDestinationIsRefused)
{
    to_vf();
    // The PF's section left VF 0 disabled (a stream whose PF disagrees).
    device->set_active_vfs(0);
    std::function<void(SriovnicSynthRegs &)> vf_state = [&](SriovnicSynthRegs &r) {
        r.dp_state = SRIOVNIC_SYNTH_DP_VF;
        r.dp_vf = 0;
        r.dp_serial = offered_serial();
    };
    EXPECT_EQ(migrate(keep(), vf_state),
              "synthetic function: data path VF with VF 0, which is not enabled here (SR-IOV VF "
              "Enable and NumVFs of its PF)");
}

} // namespace
} // namespace sriovnic
