// SPDX-License-Identifier: GPL-2.0-or-later
// Offer and revoke by hotplug: a channel of a host-owned card plugs its VF
// before the offer and unplugs it after the revoke. The test plays the glue
// (it takes each operation the channel asks for and performs it, or refuses
// it as QEMU's slot does) and the guest (its switch, its release of the
// slot). docs/synthetic-channel.md, "Offer and revoke by hotplug".
#include "synth_fixture.hpp"

namespace sriovnic::test {
namespace {

class SynthHotplug : public SynthNic {
protected:
    SynthHotplug() : SynthNic(synth_config())
    {
        // The fixture's card is guest-owned; this channel needs a host-owned one.
        SriovnicCoreConfig cfg = card_config(4, 2, 2, kPfMac);
        cfg.host_owned = true;
        device = std::make_unique<Device>(cfg, platform);
        device->subscribe(platform);
        device->set_active_vfs(4);
        SriovnicSynthConfig sc = synth_config();
        sc.vf_hotplug = true;
        attach(sc);
        device->synth_set_hotplug_handler(fn, [this] { wanted++; });
        transitions.clear();
        bring_up();
        (void)events();
    }

    // The glue: the operation the channel wants now.
    SriovnicSynthHotplugOp take() { return device->synth_take_hotplug_op(fn); }
    // The VF's device appears (realize) / goes (unrealize).
    void vf_device_plugged()
    {
        ASSERT_FALSE(device->plug_standalone_vf(0));
        device->standalone_vf_ready(0);
    }
    void vf_device_gone() { device->unplug_standalone_vf(0); }
    void perform_plug()
    {
        ASSERT_EQ(take(), SRIOVNIC_SYNTH_HOTPLUG_PLUG);
        vf_device_plugged();
    }
    void refuse(SriovnicSynthHotplugOp op, const char *why) { device->synth_hotplug_failed(fn, op, why); }
    void advance_ms(uint64_t ms)
    {
        platform.now += ms * 1'000'000;
        device->on_timer();
    }
    // Offered, plugged, and the guest on the VF.
    void on_vf()
    {
        ASSERT_FALSE(ch->offer());
        perform_plug();
        (void)events();
        Nic::bring_up(VF0, kSynthMac);
        ASSERT_EQ(switch_to(SRIOVNIC_SYNTH_PATH_VF, 0, offered_serial()), 0u);
    }
    uint8_t slot() { return ch->info().vf_slot; }
    std::vector<uint16_t> event_types()
    {
        std::vector<uint16_t> t;
        for (const Bytes &e : events()) {
            t.push_back(uint16_t(get_le(e, 0, 2)));
        }
        return t;
    }

    unsigned wanted = 0;
};

TEST_F(SynthHotplug, AGuestOwnedCardsChannelCannotHotplugItsVf)
{
    SriovnicCoreConfig cfg = card_config(4, 2, 2, kPfMac);
    Device guest_owned(cfg, platform);
    SriovnicSynthConfig sc = synth_config();
    sc.vf_hotplug = true;
    std::string err;
    EXPECT_EQ(guest_owned.attach_synth(sc, nullptr, err), 0);
    EXPECT_NE(err.find("guest-owned PF is enabled by the guest"), std::string::npos) << err;
}

TEST_F(SynthHotplug, NothingIsPluggedUntilTheHostOffers)
{
    EXPECT_EQ(take(), SRIOVNIC_SYNTH_HOTPLUG_NONE);
    EXPECT_EQ(slot(), SRIOVNIC_SYNTH_SLOT_UNPLUGGED);
    EXPECT_TRUE(ch->info().vf_hotplug);
    const SriovnicSynthReasons why = ch->reasons();
    ASSERT_GE(why.count, 1u);
    EXPECT_NE(std::string(why.reason[0].text).find("VF 0 is not plugged into the guest"),
              std::string::npos) << why.reason[0].text;
}

TEST_F(SynthHotplug, OfferPlugsTheVfFirstThenTellsTheGuest)
{
    ASSERT_FALSE(ch->offer());
    EXPECT_EQ(wanted, 1u);
    EXPECT_EQ(slot(), SRIOVNIC_SYNTH_SLOT_PLUGGING);
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_SYNTHETIC) << "not offered before the VF is there";
    EXPECT_TRUE(events().empty());
    EXPECT_TRUE(ch->offer()) << "one offer at a time";

    perform_plug();
    EXPECT_EQ(slot(), SRIOVNIC_SYNTH_SLOT_PLUGGED);
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_OFFERED);
    EXPECT_EQ(event_types(), std::vector<uint16_t>{SRIOVNIC_SYNTH_EV_VF_OFFER});
    EXPECT_EQ(ch->info().plugs, 1u);
}

TEST_F(SynthHotplug, RequestRevokeWaitsForTheGuestThenAsksTheSlotToRelease)
{
    on_vf();
    ASSERT_FALSE(ch->revoke(SRIOVNIC_SYNTH_REVOKE_ADMIN, false));
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_REVOKING);
    EXPECT_EQ(take(), SRIOVNIC_SYNTH_HOTPLUG_NONE) << "the VF stays while the guest is on it";

    ASSERT_EQ(switch_to(SRIOVNIC_SYNTH_PATH_SYNTHETIC, 0, 0), 0u);
    EXPECT_EQ(take(), SRIOVNIC_SYNTH_HOTPLUG_UNPLUG_REQUEST);
    EXPECT_EQ(slot(), SRIOVNIC_SYNTH_SLOT_UNPLUGGING);
    vf_device_gone(); // the guest released the slot
    EXPECT_EQ(slot(), SRIOVNIC_SYNTH_SLOT_UNPLUGGED);
    EXPECT_EQ(ch->info().last_unplug, SRIOVNIC_SYNTH_UNPLUG_ACKNOWLEDGED);
    EXPECT_EQ(ch->info().forced_unplugs, 0u);
    EXPECT_EQ(take(), SRIOVNIC_SYNTH_HOTPLUG_NONE);
}

TEST_F(SynthHotplug, AGuestThatNeverAnswersIsBoundedByTheRevokeTimeout)
{
    on_vf();
    ASSERT_FALSE(ch->revoke(SRIOVNIC_SYNTH_REVOKE_ADMIN, false, 30));
    advance_ms(31);
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_SYNTHETIC);
    EXPECT_TRUE(ch->info().last_revoke_timed_out);
    EXPECT_EQ(take(), SRIOVNIC_SYNTH_HOTPLUG_UNPLUG_REQUEST) << "asked once more, through the slot";
    advance_ms(20);
    EXPECT_EQ(take(), SRIOVNIC_SYNTH_HOTPLUG_NONE) << "still within the bound";
    advance_ms(11);
    EXPECT_EQ(take(), SRIOVNIC_SYNTH_HOTPLUG_UNPLUG_SURPRISE) << "then removed without the guest";
    vf_device_gone();
    EXPECT_EQ(slot(), SRIOVNIC_SYNTH_SLOT_UNPLUGGED);
    EXPECT_EQ(ch->info().last_unplug, SRIOVNIC_SYNTH_UNPLUG_FORCED);
    EXPECT_EQ(ch->info().forced_unplugs, 1u);
}

TEST_F(SynthHotplug, SurpriseRevokeAsksForTheSlotAtOnceWithoutWaitingForTheSwitch)
{
    on_vf();
    ASSERT_FALSE(ch->revoke(SRIOVNIC_SYNTH_REVOKE_FAULT, true));
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_SYNTHETIC) << "the data path left the VF at once";
    EXPECT_TRUE(ch->info().last_revoke_surprise);
    EXPECT_EQ(take(), SRIOVNIC_SYNTH_HOTPLUG_UNPLUG_REQUEST) << "the guest releases the slot";
    advance_ms(101); // the channel's revoke-timeout: no release, removed without it
    EXPECT_EQ(take(), SRIOVNIC_SYNTH_HOTPLUG_UNPLUG_SURPRISE);
    vf_device_gone();
    EXPECT_EQ(ch->info().last_unplug, SRIOVNIC_SYNTH_UNPLUG_FORCED);
}

TEST_F(SynthHotplug, AnFlrDuringARevokeDoesNotUndoIt)
{
    on_vf();
    ASSERT_FALSE(ch->revoke(SRIOVNIC_SYNTH_REVOKE_ADMIN, false));
    device->reset_function(VF0);
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_SYNTHETIC);
    EXPECT_EQ(take(), SRIOVNIC_SYNTH_HOTPLUG_UNPLUG_REQUEST) << "not offered again: unplugged";
}

TEST_F(SynthHotplug, UnplugRightAfterPlugIsRetriedWhileTheSlotIsBusy)
{
    ASSERT_FALSE(ch->offer());
    perform_plug();
    ASSERT_FALSE(ch->revoke(SRIOVNIC_SYNTH_REVOKE_ADMIN, false, 1000));
    ASSERT_EQ(take(), SRIOVNIC_SYNTH_HOTPLUG_UNPLUG_REQUEST);
    refuse(SRIOVNIC_SYNTH_HOTPLUG_UNPLUG_REQUEST, "guest is busy (power indicator blinking)");
    EXPECT_EQ(slot(), SRIOVNIC_SYNTH_SLOT_UNPLUGGING);
    EXPECT_EQ(take(), SRIOVNIC_SYNTH_HOTPLUG_NONE);
    advance_ms(50);
    EXPECT_EQ(take(), SRIOVNIC_SYNTH_HOTPLUG_NONE) << "not before the retry interval";
    advance_ms(60);
    ASSERT_EQ(take(), SRIOVNIC_SYNTH_HOTPLUG_UNPLUG_REQUEST) << "asked again";
    vf_device_gone();
    EXPECT_EQ(ch->info().unplug_retries, 1u);
    EXPECT_EQ(ch->info().last_unplug, SRIOVNIC_SYNTH_UNPLUG_ACKNOWLEDGED);
}

TEST_F(SynthHotplug, ABusySlotToTheEndIsForcedAtTheBound)
{
    ASSERT_FALSE(ch->offer());
    perform_plug();
    ASSERT_FALSE(ch->revoke(SRIOVNIC_SYNTH_REVOKE_ADMIN, false, 250));
    for (int i = 0; i < 3; i++) {
        ASSERT_EQ(take(), SRIOVNIC_SYNTH_HOTPLUG_UNPLUG_REQUEST) << i;
        refuse(SRIOVNIC_SYNTH_HOTPLUG_UNPLUG_REQUEST, "guest is busy (power indicator blinking)");
        advance_ms(100);
    }
    EXPECT_EQ(take(), SRIOVNIC_SYNTH_HOTPLUG_UNPLUG_SURPRISE);
    vf_device_gone();
    EXPECT_EQ(ch->info().last_unplug, SRIOVNIC_SYNTH_UNPLUG_FORCED);
}

TEST_F(SynthHotplug, PlugRightAfterUnplugWaitsForTheVfToLeave)
{
    on_vf();
    ASSERT_FALSE(ch->revoke(SRIOVNIC_SYNTH_REVOKE_ADMIN, false));
    ASSERT_EQ(switch_to(SRIOVNIC_SYNTH_PATH_SYNTHETIC, 0, 0), 0u);
    ASSERT_EQ(take(), SRIOVNIC_SYNTH_HOTPLUG_UNPLUG_REQUEST); // the guest was asked
    (void)events();

    ASSERT_FALSE(ch->offer()) << "queued, not refused";
    EXPECT_EQ(take(), SRIOVNIC_SYNTH_HOTPLUG_NONE) << "the slot is not free yet";
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_SYNTHETIC) << "the leaving VF is not offered";
    EXPECT_TRUE(events().empty());

    vf_device_gone();
    EXPECT_EQ(slot(), SRIOVNIC_SYNTH_SLOT_PLUGGING);
    perform_plug();
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_OFFERED);
    EXPECT_EQ(event_types(), std::vector<uint16_t>{SRIOVNIC_SYNTH_EV_VF_OFFER});
    EXPECT_EQ(ch->info().plugs, 2u);
}

TEST_F(SynthHotplug, AnOfferDuringTheRevokeIsCarriedOutAfterTheUnplug)
{
    on_vf();
    ASSERT_FALSE(ch->revoke(SRIOVNIC_SYNTH_REVOKE_ADMIN, false));
    ASSERT_FALSE(ch->offer()) << "queued behind the revoke, not refused";
    EXPECT_TRUE(ch->offer()) << "once";
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_REVOKING);
    ASSERT_EQ(switch_to(SRIOVNIC_SYNTH_PATH_SYNTHETIC, 0, 0), 0u);
    ASSERT_EQ(take(), SRIOVNIC_SYNTH_HOTPLUG_UNPLUG_REQUEST) << "the revoke still unplugs";
    vf_device_gone();
    perform_plug();
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_OFFERED);
    EXPECT_EQ(ch->info().plugs, 2u);
}

TEST_F(SynthHotplug, ARevokeWithdrawsAnOfferQueuedBehindARevoke)
{
    on_vf();
    ASSERT_FALSE(ch->revoke(SRIOVNIC_SYNTH_REVOKE_ADMIN, false));
    ASSERT_FALSE(ch->offer());
    ASSERT_FALSE(ch->revoke(SRIOVNIC_SYNTH_REVOKE_ADMIN, false)) << "withdraws the queued offer";
    ASSERT_EQ(switch_to(SRIOVNIC_SYNTH_PATH_SYNTHETIC, 0, 0), 0u);
    ASSERT_EQ(take(), SRIOVNIC_SYNTH_HOTPLUG_UNPLUG_REQUEST);
    vf_device_gone();
    EXPECT_EQ(take(), SRIOVNIC_SYNTH_HOTPLUG_NONE) << "nothing plugged again";
    EXPECT_EQ(slot(), SRIOVNIC_SYNTH_SLOT_UNPLUGGED);
}

TEST_F(SynthHotplug, AnOfferRightAfterASurpriseRevokeFollowsTheUnplug)
{
    on_vf();
    ASSERT_FALSE(ch->revoke(SRIOVNIC_SYNTH_REVOKE_ADMIN, true)); // surprise, not taken yet
    ASSERT_FALSE(ch->offer());
    // The unplug was already wanted: it goes ahead, the offer follows it.
    ASSERT_EQ(take(), SRIOVNIC_SYNTH_HOTPLUG_UNPLUG_REQUEST);
    vf_device_gone();
    perform_plug();
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_OFFERED);
}

TEST_F(SynthHotplug, RevokeDuringThePlugUnplugsOnceTheVfArrives)
{
    ASSERT_FALSE(ch->offer());
    ASSERT_EQ(take(), SRIOVNIC_SYNTH_HOTPLUG_PLUG); // in the glue's hands
    ASSERT_FALSE(ch->revoke(SRIOVNIC_SYNTH_REVOKE_ADMIN, false));
    vf_device_plugged();
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_SYNTHETIC) << "never offered";
    EXPECT_TRUE(events().empty());
    EXPECT_EQ(take(), SRIOVNIC_SYNTH_HOTPLUG_UNPLUG_REQUEST);
    vf_device_gone();
    EXPECT_EQ(slot(), SRIOVNIC_SYNTH_SLOT_UNPLUGGED);
}

TEST_F(SynthHotplug, RevokeBeforeThePlugStartedCancelsIt)
{
    ASSERT_FALSE(ch->offer());
    ASSERT_FALSE(ch->revoke(SRIOVNIC_SYNTH_REVOKE_ADMIN, false));
    EXPECT_EQ(take(), SRIOVNIC_SYNTH_HOTPLUG_NONE);
    EXPECT_EQ(slot(), SRIOVNIC_SYNTH_SLOT_UNPLUGGED);
    EXPECT_TRUE(ch->revoke(SRIOVNIC_SYNTH_REVOKE_ADMIN, false)) << "nothing left to revoke";
}

TEST_F(SynthHotplug, AFailedPlugDropsTheOfferAndSaysWhy)
{
    ASSERT_FALSE(ch->offer());
    ASSERT_EQ(take(), SRIOVNIC_SYNTH_HOTPLUG_PLUG);
    refuse(SRIOVNIC_SYNTH_HOTPLUG_PLUG, "Bus 'rp9' not found");
    EXPECT_EQ(slot(), SRIOVNIC_SYNTH_SLOT_UNPLUGGED);
    EXPECT_EQ(std::string(ch->info().last_hotplug_error), "Bus 'rp9' not found");
    const SriovnicSynthReasons why = ch->reasons();
    bool said = false;
    for (unsigned i = 0; i < why.count; i++) {
        said |= std::string(why.reason[i].text).find("Bus 'rp9' not found") != std::string::npos;
    }
    EXPECT_TRUE(said);
    ASSERT_FALSE(ch->offer()) << "the host may try again";
    EXPECT_EQ(take(), SRIOVNIC_SYNTH_HOTPLUG_PLUG);
}

TEST_F(SynthHotplug, DeviceDelOfTheVfUnderTheGuestIsARemovedRevoke)
{
    on_vf();
    vf_device_gone();
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_SYNTHETIC);
    EXPECT_EQ(ch->info().last_revoke_reason, SRIOVNIC_SYNTH_REVOKE_REMOVED);
    EXPECT_EQ(ch->info().last_unplug, SRIOVNIC_SYNTH_UNPLUG_BY_OTHERS);
    EXPECT_EQ(take(), SRIOVNIC_SYNTH_HOTPLUG_NONE) << "nothing left to unplug, nothing replugged";
}

TEST_F(SynthHotplug, AVfPluggedOnTheCommandLineIsOfferedAndRevokedByUnplug)
{
    vf_device_plugged();
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_OFFERED) << "the policy allows it";
    ASSERT_FALSE(ch->revoke(SRIOVNIC_SYNTH_REVOKE_ADMIN, true));
    EXPECT_EQ(take(), SRIOVNIC_SYNTH_HOTPLUG_UNPLUG_REQUEST);
}

TEST_F(SynthHotplug, TheVfComesBackWithTheHostsMacAndMtuLimit)
{
    SriovnicVfSettings s{};
    s.has_mtu_limit = true;
    s.mtu_limit = 4000;
    ASSERT_FALSE(device->host_set_vf(0, s));
    for (int cycle = 0; cycle < 3; cycle++) {
        on_vf();
        ASSERT_FALSE(ch->revoke(SRIOVNIC_SYNTH_REVOKE_ADMIN, true));
        ASSERT_EQ(take(), SRIOVNIC_SYNTH_HOTPLUG_UNPLUG_REQUEST);
        vf_device_gone();
    }
    vf_device_plugged();
    const SriovnicVfAdminRegs &a = *device->vf_admin_regs(0);
    EXPECT_EQ(a.mac_lo, uint32_t(kSynthMac[0]) | kSynthMac[1] << 8 | kSynthMac[2] << 16 |
                            uint32_t(kSynthMac[3]) << 24);
    EXPECT_EQ(a.mac_hi & 0xffff, uint32_t(kSynthMac[4]) | kSynthMac[5] << 8);
    EXPECT_EQ(device->fn_info(VF0)->mtu_limit, 4000u);
    EXPECT_EQ(ch->info().plugs, 4u);
}

TEST_F(SynthHotplug, AResetOfThePluggedVfIsOfferedAgainNotUnplugged)
{
    on_vf();
    (void)events();
    device->reset_function(VF0); // the guest's FLR of the VF
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_OFFERED) << "the VF that came back is offered";
    EXPECT_EQ(event_types(),
              (std::vector<uint16_t>{SRIOVNIC_SYNTH_EV_VF_REVOKE, SRIOVNIC_SYNTH_EV_VF_OFFER}));
    EXPECT_EQ(take(), SRIOVNIC_SYNTH_HOTPLUG_NONE) << "it stays plugged";
    EXPECT_EQ(slot(), SRIOVNIC_SYNTH_SLOT_PLUGGED);
}

TEST_F(SynthHotplug, AMigrationWaitsUntilTheVfHasLeftTheGuest)
{
    on_vf();
    ch->migration_begin(true);
    EXPECT_TRUE(ch->holds_migration());
    ASSERT_EQ(switch_to(SRIOVNIC_SYNTH_PATH_SYNTHETIC, 0, 0), 0u);
    EXPECT_TRUE(ch->holds_migration()) << "the VF is still plugged";
    ASSERT_EQ(take(), SRIOVNIC_SYNTH_HOTPLUG_UNPLUG_REQUEST);
    vf_device_gone();
    EXPECT_FALSE(ch->holds_migration());
    EXPECT_TRUE(ch->migration_end(false)) << "offered again: the plug comes first";
    EXPECT_EQ(take(), SRIOVNIC_SYNTH_HOTPLUG_PLUG);
}

TEST_F(SynthHotplug, ADestinationPlugsItsVfAndOffersOnceTheVmRuns)
{
    ch->incoming_migration();
    ASSERT_FALSE(device->post_load(fn));
    EXPECT_TRUE(ch->vm_running(true));
    EXPECT_EQ(take(), SRIOVNIC_SYNTH_HOTPLUG_NONE) << "not before the resume wait";
    advance_ms(SRIOVNIC_SYNTH_RESUME_OFFER_WAIT_MS);
    perform_plug();
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_OFFERED);
}

} // namespace
} // namespace sriovnic::test
