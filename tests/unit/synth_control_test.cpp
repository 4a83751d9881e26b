// SPDX-License-Identifier: GPL-2.0-or-later
// The synthetic channel's messages and its data-path state machine: CTRL
// requests (well-formed, malformed, duplicated, out of order), EVENT
// delivery ("events are state"), offer / revoke / timeout / surprise, host
// policy, MTU and offload changes, resets and migration.
#include "synth_fixture.hpp"

#include <gtest/gtest.h>

namespace sriovnic {
namespace {

using test::Bytes;
using test::SynthNic;
using test::UsedElem;
using test::VF0;
using test::get_le;
using test::kRemote;
using test::kSynthMac;
using test::put_le;

constexpr unsigned CTRL = SRIOVNIC_SYNTH_Q_CTRL, EVENT = SRIOVNIC_SYNTH_Q_EVENT;

// The reason codes of a channel's why-not-on-the-VF list, in order.
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

class Synth : public SynthNic {
protected:
    void SetUp() override
    {
        transitions.clear(); // from here on: the test's own
        bring_up();
        Nic::bring_up(VF0, kSynthMac);
    }
    void to_vf() { ASSERT_EQ(switch_to(SRIOVNIC_SYNTH_PATH_VF, 0, offered_serial()), 0u); }
    // The single event written since the last look.
    Bytes one_event()
    {
        const std::vector<Bytes> e = events();
        EXPECT_EQ(e.size(), 1u);
        return e.empty() ? Bytes{} : e.back();
    }
};

TEST_F(Synth, EnablingTheEventQueueReplaysTheCurrentState)
{
    const std::vector<Bytes> e = events();
    ASSERT_EQ(e.size(), 4u);
    EXPECT_EQ(type_of(e[0]), SRIOVNIC_SYNTH_EV_LINK);
    EXPECT_EQ(e[0][12], 1);
    EXPECT_EQ(type_of(e[1]), SRIOVNIC_SYNTH_EV_MTU);
    EXPECT_EQ(get_le(e[1], 12, 2), 9000u);
    EXPECT_EQ(type_of(e[2]), SRIOVNIC_SYNTH_EV_OFFLOAD);
    EXPECT_EQ(get_le(e[2], 12, 4), SRIOVNIC_SYNTH_F_OFFLOADS);
    EXPECT_EQ(type_of(e[3]), SRIOVNIC_SYNTH_EV_VF_OFFER);
    EXPECT_EQ(get_le(e[3], 12, 2), 0u);
    EXPECT_EQ(get_le(e[3], 16, 4), offered_serial());
    EXPECT_EQ(Bytes(e[3].begin() + 20, e[3].begin() + 26), Bytes(kSynthMac.begin(), kSynthMac.end()));
    for (size_t i = 0; i < e.size(); i++) {
        EXPECT_EQ(get_le(e[i], 4, 4), i + 1) << "seq from 1";
    }
    EXPECT_TRUE(srd(SRIOVNIC_REG_INT_CAUSE) & SRIOVNIC_SYNTH_INT_EVENT);
    EXPECT_EQ(sstat(SRIOVNIC_SYNTH_STAT_EVENTS_SENT), 4u);
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_OFFERED) << "offered when the VF was present at attach";
}

TEST_F(Synth, OffersWithoutVfMacCarryNoMacAndWithoutDatapathNothing)
{
    bring_up(SRIOVNIC_SYNTH_F_DATAPATH);
    std::vector<Bytes> e = events();
    ASSERT_EQ(e.size(), 3u) << "LINK, OFFLOAD, OFFER: no MTU without F_MTU";
    EXPECT_EQ(get_le(e[1], 12, 4), 0u) << "offloads limited to the negotiated set";
    EXPECT_EQ(Bytes(e[2].begin() + 20, e[2].begin() + 26), Bytes(6, 0));
    bring_up(0);
    e = events();
    ASSERT_EQ(e.size(), 2u);
    EXPECT_EQ(switch_to(SRIOVNIC_SYNTH_PATH_VF, 0, offered_serial()), SRIOVNIC_SYNTH_S_UNSUPPORTED);
}

TEST_F(Synth, SwitchToTheVfAndBack)
{
    (void)events();
    const Bytes done = ctrl(test::switch_request(SRIOVNIC_SYNTH_PATH_VF, 0, offered_serial(), 0x1234));
    ASSERT_EQ(done.size(), 20u);
    EXPECT_EQ(get_le(done, 0, 2), SRIOVNIC_SYNTH_MSG_SWITCH_DONE);
    EXPECT_EQ(get_le(done, 4, 4), 0x1234u) << "seq echoed";
    EXPECT_EQ(get_le(done, 8, 2), SRIOVNIC_SYNTH_S_OK);
    EXPECT_EQ(done[12], SRIOVNIC_SYNTH_PATH_VF);
    EXPECT_EQ(get_le(done, 16, 4), offered_serial());
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_VF);
    EXPECT_TRUE(srd(SRIOVNIC_REG_INT_CAUSE) & SRIOVNIC_SYNTH_INT_CTRL);
    // A duplicate: OK, nothing changes, counters included.
    to_vf();
    EXPECT_EQ(sstat(SRIOVNIC_SYNTH_STAT_SWITCH_TO_VF), 1u);
    EXPECT_EQ(sstat(SRIOVNIC_SYNTH_STAT_CTRL_REQUESTS), 2u);
    ASSERT_EQ(switch_to(SRIOVNIC_SYNTH_PATH_SYNTHETIC, 0, 0), 0u);
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_OFFERED) << "the offer stands";
    ASSERT_EQ(switch_to(SRIOVNIC_SYNTH_PATH_SYNTHETIC, 0, 0), 0u);
    EXPECT_EQ(sstat(SRIOVNIC_SYNTH_STAT_SWITCH_TO_SYNTH), 1u);
    ASSERT_EQ(transitions.size(), 2u) << "one report per change, none for the duplicates";
    EXPECT_EQ(transitions[0].old_state, SRIOVNIC_SYNTH_DP_OFFERED);
    EXPECT_EQ(transitions[0].new_state, SRIOVNIC_SYNTH_DP_VF);
    EXPECT_EQ(transitions[0].cause, SRIOVNIC_SYNTH_CAUSE_SWITCH_TO_VF);
    EXPECT_EQ(transitions[1].new_state, SRIOVNIC_SYNTH_DP_OFFERED);
    EXPECT_EQ(transitions[1].cause, SRIOVNIC_SYNTH_CAUSE_SWITCH_TO_SYNTH);
    EXPECT_EQ(events().size(), 0u) << "switches send no events";
}

TEST_F(Synth, SwitchesThatCannotBeDone)
{
    EXPECT_EQ(switch_to(SRIOVNIC_SYNTH_PATH_VF, 200, offered_serial()), SRIOVNIC_SYNTH_S_NO_SUCH_VF);
    EXPECT_EQ(switch_to(SRIOVNIC_SYNTH_PATH_VF, 1, offered_serial()), SRIOVNIC_SYNTH_S_VF_NOT_OFFERED);
    EXPECT_EQ(switch_to(SRIOVNIC_SYNTH_PATH_VF, 0, offered_serial() + 1), SRIOVNIC_SYNTH_S_VF_NOT_OFFERED);
    wr(VF0, SRIOVNIC_REG_CTRL, 0);
    EXPECT_EQ(switch_to(SRIOVNIC_SYNTH_PATH_VF, 0, offered_serial()), SRIOVNIC_SYNTH_S_VF_DOWN);
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_OFFERED);
    wr(VF0, SRIOVNIC_REG_CTRL, SRIOVNIC_CTRL_ENABLE);
    to_vf();
    EXPECT_EQ(switch_to(SRIOVNIC_SYNTH_PATH_VF, 1, 5), SRIOVNIC_SYNTH_S_VF_NOT_OFFERED);
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_VF) << "nothing changes";
    EXPECT_EQ(sstat(SRIOVNIC_SYNTH_STAT_CTRL_BAD), 0u) << "refusals are not malformed requests";
    EXPECT_EQ(srd(SRIOVNIC_REG_ERR_CAUSE) & SRIOVNIC_SYNTH_ERR_BAD_MSG, 0u);
}

TEST_F(Synth, MalformedRequestsGetTheStatusTheSpecSays)
{
    struct Case {
        const char *what;
        Bytes req;
        uint16_t type;
        uint16_t status;
        uint32_t seq;
    };
    Bytes unknown(12, 0);
    put_le(unknown, 0, 0x0042, 2);
    put_le(unknown, 2, 12, 2);
    put_le(unknown, 4, 99, 4);
    Bytes event_as_request = unknown;
    put_le(event_as_request, 0, SRIOVNIC_SYNTH_EV_LINK, 2);
    put_le(event_as_request, 2, 16, 2);
    event_as_request.resize(16);
    Bytes reserved = test::switch_request(SRIOVNIC_SYNTH_PATH_VF, 0, offered_serial(), 5);
    reserved[13] = 1;
    Bytes to_synth_with_vf = test::switch_request(SRIOVNIC_SYNTH_PATH_SYNTHETIC, 2, 0, 6);
    Bytes bad_path = test::switch_request(2, 0, 0, 8);
    Bytes wrong_len = test::switch_request(SRIOVNIC_SYNTH_PATH_VF, 0, offered_serial(), 9);
    put_le(wrong_len, 2, 24, 2);
    wrong_len.resize(24);
    const Case cases[] = {
        {"short", Bytes(8, 0), SRIOVNIC_SYNTH_MSG_GENERIC_DONE, SRIOVNIC_SYNTH_S_BAD_REQUEST, 0},
        {"unknown type", unknown, SRIOVNIC_SYNTH_MSG_GENERIC_DONE, SRIOVNIC_SYNTH_S_UNSUPPORTED, 99},
        {"an event as request", event_as_request, SRIOVNIC_SYNTH_MSG_GENERIC_DONE,
         SRIOVNIC_SYNTH_S_BAD_REQUEST, 99},
        {"reserved byte", reserved, SRIOVNIC_SYNTH_MSG_SWITCH_DONE, SRIOVNIC_SYNTH_S_BAD_REQUEST, 5},
        {"synthetic with a VF", to_synth_with_vf, SRIOVNIC_SYNTH_MSG_SWITCH_DONE,
         SRIOVNIC_SYNTH_S_BAD_REQUEST, 6},
        {"path 2", bad_path, SRIOVNIC_SYNTH_MSG_SWITCH_DONE, SRIOVNIC_SYNTH_S_BAD_REQUEST, 8},
        {"wrong length", wrong_len, SRIOVNIC_SYNTH_MSG_SWITCH_DONE, SRIOVNIC_SYNTH_S_BAD_REQUEST, 9},
    };
    unsigned n = 0;
    for (const Case &c : cases) {
        SCOPED_TRACE(c.what);
        const Bytes done = ctrl(c.req);
        ASSERT_GE(done.size(), 12u);
        EXPECT_EQ(get_le(done, 0, 2), c.type);
        EXPECT_EQ(get_le(done, 8, 2), c.status);
        EXPECT_EQ(get_le(done, 4, 4), c.seq);
        if (c.type == SRIOVNIC_SYNTH_MSG_SWITCH_DONE) {
            EXPECT_EQ(done[12], SRIOVNIC_SYNTH_PATH_SYNTHETIC) << "the current path";
        }
        EXPECT_EQ(sstat(SRIOVNIC_SYNTH_STAT_CTRL_BAD), ++n);
        EXPECT_TRUE(srd(SRIOVNIC_REG_ERR_CAUSE) & SRIOVNIC_SYNTH_ERR_BAD_MSG);
    }
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_OFFERED) << "no malformed request changed anything";
}

TEST_F(Synth, RequestsAreExecutedInRingOrder)
{
    const uint64_t a = alloc(20), b = alloc(20), ra = alloc(32), rb = alloc(32);
    const Bytes ra_req = test::switch_request(SRIOVNIC_SYNTH_PATH_VF, 0, offered_serial(), 1);
    const Bytes rb_req = test::switch_request(SRIOVNIC_SYNTH_PATH_SYNTHETIC, 0, 0, 2);
    std::copy(ra_req.begin(), ra_req.end(), platform.ram.begin() + long(a));
    std::copy(rb_req.begin(), rb_req.end(), platform.ram.begin() + long(b));
    post(CTRL, {{a, 20, false}, {ra, 32, true}}, false);
    post(CTRL, {{b, 20, false}, {rb, 32, true}});
    const std::vector<UsedElem> u = new_used(CTRL);
    ASSERT_EQ(u.size(), 2u);
    EXPECT_EQ(u[0].len, 20u);
    EXPECT_EQ(mem(ra, 20)[12], SRIOVNIC_SYNTH_PATH_VF);
    EXPECT_EQ(mem(rb, 20)[12], SRIOVNIC_SYNTH_PATH_SYNTHETIC);
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_OFFERED);
}

TEST_F(Synth, RevokeAnsweredInTime)
{
    to_vf();
    (void)events();
    ASSERT_FALSE(ch->revoke(SRIOVNIC_SYNTH_REVOKE_MIGRATION, false, 0));
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_REVOKING);
    const Bytes ev = one_event();
    EXPECT_EQ(type_of(ev), SRIOVNIC_SYNTH_EV_VF_REVOKE);
    EXPECT_EQ(ev[14], SRIOVNIC_SYNTH_REVOKE_MIGRATION);
    EXPECT_EQ(ev[15], 0) << "a request";
    EXPECT_EQ(get_le(ev, 20, 4), 100u) << "the configured timeout";
    EXPECT_TRUE(srd(SRIOVNIC_SYNTH_REG_DATAPATH) & SRIOVNIC_SYNTH_DP_RX_VIA_VF) << "still on the VF";
    ASSERT_TRUE(platform.timer_deadline);
    EXPECT_EQ(switch_to(SRIOVNIC_SYNTH_PATH_VF, 0, offered_serial()), SRIOVNIC_SYNTH_S_VF_NOT_OFFERED)
        << "no switch to a VF being revoked";
    EXPECT_TRUE(ch->revoke(SRIOVNIC_SYNTH_REVOKE_ADMIN, false, 50)) << "one revoke at a time";
    EXPECT_EQ(switch_to(SRIOVNIC_SYNTH_PATH_SYNTHETIC, 0, 0), 0u);
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_SYNTHETIC);
    platform.now += 200'000'000;
    device->on_timer();
    EXPECT_EQ(events().size(), 0u) << "no timeout after the switch";
    EXPECT_EQ(sstat(SRIOVNIC_SYNTH_STAT_REVOKE_TIMEOUTS), 0u);
    EXPECT_EQ(switch_to(SRIOVNIC_SYNTH_PATH_SYNTHETIC, 0, 0), 0u) << "harmless afterwards";
    EXPECT_TRUE(ch->offer() == std::nullopt);
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_OFFERED);
}

TEST_F(Synth, RevokeNotAnsweredInTimeEndsAsASurprise)
{
    to_vf();
    (void)events();
    ASSERT_FALSE(ch->revoke(SRIOVNIC_SYNTH_REVOKE_POLICY, false, 30));
    (void)events();
    platform.now += 10'000'000;
    device->on_timer();
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_REVOKING) << "not yet";
    platform.now += 25'000'000;
    device->on_timer();
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_SYNTHETIC);
    const Bytes ev = one_event();
    EXPECT_EQ(ev[15], SRIOVNIC_SYNTH_REVOKE_F_SURPRISE | SRIOVNIC_SYNTH_REVOKE_F_TIMEOUT);
    EXPECT_EQ(ev[14], SRIOVNIC_SYNTH_REVOKE_POLICY);
    EXPECT_EQ(sstat(SRIOVNIC_SYNTH_STAT_REVOKE_TIMEOUTS), 1u);
    EXPECT_EQ(srd(SRIOVNIC_SYNTH_REG_DATAPATH) & SRIOVNIC_SYNTH_DP_RX_VIA_VF, 0u);
    EXPECT_EQ(switch_to(SRIOVNIC_SYNTH_PATH_SYNTHETIC, 0, 0), 0u) << "the late switch completes OK";
    EXPECT_EQ(switch_to(SRIOVNIC_SYNTH_PATH_VF, 0, offered_serial()), SRIOVNIC_SYNTH_S_VF_NOT_OFFERED)
        << "a revoked VF";
    SriovnicSynthInfo info = ch->info();
    EXPECT_TRUE(info.last_revoke_timed_out);
    EXPECT_EQ(info.last_revoke_reason, SRIOVNIC_SYNTH_REVOKE_POLICY);
    EXPECT_EQ(transitions.back().cause, SRIOVNIC_SYNTH_CAUSE_REVOKE_TIMEOUT);
}

TEST_F(Synth, VfDisappearingIsASurpriseRevoke)
{
    to_vf();
    (void)events();
    device->set_active_vfs(0);
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_SYNTHETIC);
    const Bytes ev = one_event();
    EXPECT_EQ(ev[14], SRIOVNIC_SYNTH_REVOKE_REMOVED);
    EXPECT_EQ(ev[15], SRIOVNIC_SYNTH_REVOKE_F_SURPRISE);
    EXPECT_EQ(get_le(ev, 20, 4), 0u);
    EXPECT_TRUE(ch->offer()) << "no VF to offer";
    device->set_active_vfs(4);
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_OFFERED) << "offered again when it comes back";
    EXPECT_EQ(type_of(one_event()), SRIOVNIC_SYNTH_EV_VF_OFFER);
}

TEST_F(Synth, FlrOfThePairedVfRevokesAndOffersAnew)
{
    to_vf();
    (void)events();
    device->reset_function(VF0);
    const std::vector<Bytes> e = events();
    ASSERT_EQ(e.size(), 2u);
    EXPECT_EQ(type_of(e[0]), SRIOVNIC_SYNTH_EV_VF_REVOKE);
    EXPECT_EQ(e[0][14], SRIOVNIC_SYNTH_REVOKE_REMOVED);
    EXPECT_EQ(type_of(e[1]), SRIOVNIC_SYNTH_EV_VF_OFFER);
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_OFFERED);
    EXPECT_EQ(rd(VF0, SRIOVNIC_REG_MAC_LO), test::mac_lo(kSynthMac)) << "the MAC survives the FLR";
}

TEST_F(Synth, PolicyOffRevokesAndNeverOffers)
{
    to_vf();
    (void)events();
    ASSERT_FALSE(ch->set_sriov_allowed(false));
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_REVOKING);
    EXPECT_EQ(one_event()[14], SRIOVNIC_SYNTH_REVOKE_POLICY);
    EXPECT_EQ(switch_to(SRIOVNIC_SYNTH_PATH_SYNTHETIC, 0, 0), 0u);
    EXPECT_TRUE(ch->offer()) << "refused while not allowed";
    device->set_active_vfs(0);
    device->set_active_vfs(4);
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_SYNTHETIC);
    ASSERT_FALSE(ch->set_sriov_allowed(true));
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_OFFERED);
    EXPECT_FALSE(ch->info().rx_via_vf);
    EXPECT_TRUE(ch->info().sriov_allowed);
}

TEST_F(Synth, RevokingAnOfferStillWaitingWithdrawsIt)
{
    ASSERT_FALSE(ch->revoke(SRIOVNIC_SYNTH_REVOKE_ADMIN, false, 0));
    // Stock nothing: the offer waits.
    bring_up(SRIOVNIC_SYNTH_F_ALL, 8, 0);
    ASSERT_FALSE(ch->offer());
    ASSERT_FALSE(ch->revoke(SRIOVNIC_SYNTH_REVOKE_ADMIN, false, 0));
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_SYNTHETIC);
    EXPECT_EQ(sstat(SRIOVNIC_SYNTH_STAT_EVENTS_REPLACED), 1u);
    for (int i = 0; i < 8; i++) {
        post_event_buffer();
    }
    const std::vector<Bytes> e = events();
    for (const Bytes &m : e) {
        EXPECT_NE(type_of(m), SRIOVNIC_SYNTH_EV_VF_OFFER);
        EXPECT_NE(type_of(m), SRIOVNIC_SYNTH_EV_VF_REVOKE) << "the revoke itself is not sent";
    }
    EXPECT_EQ(e.size(), 3u);
}

TEST_F(Synth, EventsAreStateNotHistory)
{
    bring_up(SRIOVNIC_SYNTH_F_ALL, 8, 0);
    for (uint16_t mtu : {8000, 7000, 6000}) {
        ASSERT_FALSE(ch->set_max_mtu(mtu));
    }
    ASSERT_FALSE(ch->set_offloads(0));
    device->set_uplink_link(false);
    // The replay queued LINK, MTU, OFFLOAD, OFFER; three MTUs, an OFFLOAD and
    // a LINK replaced one each.
    EXPECT_EQ(sstat(SRIOVNIC_SYNTH_STAT_EVENTS_REPLACED), 5u);
    EXPECT_EQ(ch->regs().num_events, 4u) << "LINK, MTU, OFFLOAD, OFFER at most one each";
    for (int i = 0; i < 8; i++) {
        post_event_buffer();
    }
    const std::vector<Bytes> e = events();
    ASSERT_EQ(e.size(), 4u);
    EXPECT_EQ(type_of(e[0]), SRIOVNIC_SYNTH_EV_VF_OFFER) << "the order they were last raised";
    EXPECT_EQ(type_of(e[1]), SRIOVNIC_SYNTH_EV_MTU);
    EXPECT_EQ(get_le(e[1], 12, 2), 6000u);
    EXPECT_EQ(type_of(e[2]), SRIOVNIC_SYNTH_EV_OFFLOAD);
    EXPECT_EQ(type_of(e[3]), SRIOVNIC_SYNTH_EV_LINK);
    EXPECT_EQ(e[3][12], 0);
    EXPECT_EQ(get_le(e[3], 4, 4), get_le(e[0], 4, 4) + 3) << "seq +1 per event written";
}

TEST_F(Synth, ShortEventChainIsUsedWithErrAndTheEventWaits)
{
    bring_up(SRIOVNIC_SYNTH_F_ALL, 8, 0);
    const uint64_t small = alloc(32);
    post(EVENT, {{small, 32, true}});
    const std::vector<UsedElem> u = new_used(EVENT);
    ASSERT_EQ(u.size(), 1u);
    EXPECT_EQ(u[0].flags, SRIOVNIC_SYNTH_U_ERR);
    EXPECT_TRUE(srd(SRIOVNIC_REG_ERR_CAUSE) & SRIOVNIC_ERR_BAD_DESC);
    post_event_buffer();
    EXPECT_EQ(events().size(), 1u);
}

TEST_F(Synth, MtuAndOffloadChangesReachTheDriver)
{
    swr(SRIOVNIC_REG_MTU, 9000);
    (void)events();
    ASSERT_FALSE(ch->set_max_mtu(3000));
    EXPECT_EQ(srd(SRIOVNIC_REG_MTU), 3000u);
    Bytes ev = one_event();
    EXPECT_EQ(type_of(ev), SRIOVNIC_SYNTH_EV_MTU);
    EXPECT_EQ(get_le(ev, 12, 2), 3000u);
    EXPECT_TRUE(ch->set_max_mtu(9001));
    ASSERT_FALSE(ch->set_offloads(SRIOVNIC_SYNTH_F_CSUM_TX | SRIOVNIC_SYNTH_F_TSO4));
    ev = one_event();
    EXPECT_EQ(get_le(ev, 12, 4), SRIOVNIC_SYNTH_F_CSUM_TX | SRIOVNIC_SYNTH_F_TSO4);
    EXPECT_EQ(srd(SRIOVNIC_SYNTH_REG_OFFLOADS), SRIOVNIC_SYNTH_F_CSUM_TX | SRIOVNIC_SYNTH_F_TSO4);
    EXPECT_TRUE(ch->set_offloads(SRIOVNIC_SYNTH_F_MTU));
    // TSO keeps working although no longer recommended.
    send(test::net_hdr(SRIOVNIC_SYNTH_NH_NEEDS_CSUM, SRIOVNIC_SYNTH_GSO_TCPV4, 54, 1000, 34, 16),
         test::ipv4_l4(kRemote, kSynthMac, 6, 2000, false));
    EXPECT_EQ(platform.uplink.size(), 2u);
}

TEST_F(Synth, FunctionResetForgetsTheSwitchButNotTheOffer)
{
    to_vf();
    swr(SRIOVNIC_REG_CTRL, SRIOVNIC_CTRL_RESET);
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_OFFERED);
    EXPECT_EQ(transitions.back().cause, SRIOVNIC_SYNTH_CAUSE_RESET);
    EXPECT_EQ(srd(SRIOVNIC_SYNTH_REG_FEATURES_OK), 0u);
    EXPECT_EQ(srd(SRIOVNIC_REG_MTU), 1500u);
    bring_up();
    std::vector<Bytes> e = events();
    ASSERT_EQ(e.size(), 4u);
    EXPECT_EQ(type_of(e[3]), SRIOVNIC_SYNTH_EV_VF_OFFER) << "replayed";
    EXPECT_EQ(get_le(e[0], 4, 4), 1u) << "seq restarts after a reset";
    // REVOKING -> SYNTHETIC: the revoke is done.
    to_vf();
    ASSERT_FALSE(ch->revoke(SRIOVNIC_SYNTH_REVOKE_ADMIN, false, 0));
    device->reset_function(fn);
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_SYNTHETIC);
}

TEST_F(Synth, SurpriseRevokeRequestedByTheHost)
{
    to_vf();
    (void)events();
    ASSERT_FALSE(ch->revoke(SRIOVNIC_SYNTH_REVOKE_FAULT, true, 0));
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_SYNTHETIC);
    const Bytes ev = one_event();
    EXPECT_EQ(ev[15], SRIOVNIC_SYNTH_REVOKE_F_SURPRISE);
    EXPECT_EQ(sstat(SRIOVNIC_SYNTH_STAT_REVOKES), 1u);
    EXPECT_TRUE(ch->revoke(SRIOVNIC_SYNTH_REVOKE_FAULT, true, 0)) << "nothing offered";
    EXPECT_TRUE(ch->revoke(9, true, 0)) << "no such reason";
}

TEST_F(Synth, PostLoadRefusesImpossibleState)
{
    const SriovnicSynthRegs good = ch->regs();
    auto refused = [&](auto change) {
        ch->regs() = good;
        change(ch->regs());
        return device->post_load(fn).has_value();
    };
    EXPECT_TRUE(refused([](SriovnicSynthRegs &r) { r.dp_state = 4; }));
    EXPECT_TRUE(refused([](SriovnicSynthRegs &r) { r.drv_features = SRIOVNIC_SYNTH_F_TSO4; }));
    EXPECT_TRUE(refused([](SriovnicSynthRegs &r) { r.queues[1].size = 12; }));
    EXPECT_TRUE(refused([](SriovnicSynthRegs &r) { r.queues[1].used_pos = 3; }));
    EXPECT_TRUE(refused([](SriovnicSynthRegs &r) { r.mtu = 9001; }));
    EXPECT_TRUE(refused([](SriovnicSynthRegs &r) { r.err_cause = 1u << 20; }));
    EXPECT_TRUE(refused([](SriovnicSynthRegs &r) { r.num_events = 6; }));
    EXPECT_TRUE(refused([](SriovnicSynthRegs &r) {
        r.num_events = 1;
        r.events[0][0] = 0x77;
    }));
    // The state a source leaves behind after its revoke completes.
    ch->regs() = good;
    ASSERT_FALSE(ch->revoke(SRIOVNIC_SYNTH_REVOKE_MIGRATION, false, 0));
    SriovnicSynthRegs migrated = ch->regs();
    EXPECT_EQ(migrated.dp_state, SRIOVNIC_SYNTH_DP_SYNTHETIC);
    auto dest = std::make_unique<Device>(test::card_config(4, 2, 2, test::kPfMac), platform);
    dest->set_active_vfs(4);
    SriovnicSynthConfig cfg{};
    std::copy(kSynthMac.begin(), kSynthMac.end(), cfg.mac);
    cfg.features = SRIOVNIC_SYNTH_F_ALL;
    cfg.revoke_timeout_ms = 100;
    cfg.max_mtu = 9000;
    cfg.sriov_allowed = true;
    std::string err;
    const uint16_t dfn = dest->attach_synth(cfg, {}, err);
    ASSERT_EQ(dfn, fn);
    *dest->synth_regs(dfn) = migrated;
    EXPECT_EQ(dest->post_load(dfn), std::nullopt);
    EXPECT_EQ(dest->synth_info(dfn)->state, SRIOVNIC_SYNTH_DP_SYNTHETIC) << "not before the VM runs";
    EXPECT_TRUE(dest->synth_vm_running(dfn, true));
    platform.now += uint64_t(SRIOVNIC_SYNTH_RESUME_OFFER_WAIT_MS) * 1'000'000;
    dest->on_timer();
    EXPECT_EQ(dest->synth_info(dfn)->state, SRIOVNIC_SYNTH_DP_OFFERED) << "the destination offers again";
}

TEST_F(Synth, NoReasonsWhileTheVfCarriesTheTraffic)
{
    EXPECT_EQ(codes(ch->reasons()), std::vector<unsigned>{SRIOVNIC_SYNTH_WHY_NOT_SWITCHED});
    EXPECT_EQ(text(ch->reasons(), SRIOVNIC_SYNTH_WHY_NOT_SWITCHED),
              "the guest has not switched its data path to the VF");
    to_vf();
    EXPECT_EQ(ch->reasons().count, 0u);
}

TEST_F(Synth, ReasonsNameARevokeInProgressAndHowTheLastOneEnded)
{
    to_vf();
    ASSERT_FALSE(ch->revoke(SRIOVNIC_SYNTH_REVOKE_ADMIN, false, 30));
    EXPECT_EQ(codes(ch->reasons()), std::vector<unsigned>{SRIOVNIC_SYNTH_WHY_REVOKING})
        << "still on the VF, but leaving it";
    EXPECT_EQ(text(ch->reasons(), SRIOVNIC_SYNTH_WHY_REVOKING),
              "a revoke is in progress (reason admin: an administrator's revoke), waiting for "
              "the guest to switch to the synthetic path");
    platform.now += 40'000'000;
    device->on_timer();
    EXPECT_EQ(codes(ch->reasons()), std::vector<unsigned>{SRIOVNIC_SYNTH_WHY_REVOKED});
    EXPECT_EQ(text(ch->reasons(), SRIOVNIC_SYNTH_WHY_REVOKED),
              "the last offer was revoked (reason admin: an administrator's revoke, timed out)");
}

TEST_F(Synth, ReasonsNamePolicyAndARemovedVf)
{
    to_vf();
    device->set_active_vfs(0);
    EXPECT_EQ(codes(ch->reasons()),
              (std::vector<unsigned>{SRIOVNIC_SYNTH_WHY_VF_NOT_ENABLED, SRIOVNIC_SYNTH_WHY_REVOKED}));
    EXPECT_EQ(text(ch->reasons(), SRIOVNIC_SYNTH_WHY_VF_NOT_ENABLED),
              "VF 0 is not enabled by the guest's PF driver (SR-IOV NumVFs)");
    EXPECT_EQ(text(ch->reasons(), SRIOVNIC_SYNTH_WHY_REVOKED),
              "the last offer was revoked (reason removed: the VF was removed under the guest, "
              "surprise)");
    ASSERT_FALSE(ch->set_sriov_allowed(false));
    device->set_active_vfs(4);
    EXPECT_EQ(codes(ch->reasons()),
              (std::vector<unsigned>{SRIOVNIC_SYNTH_WHY_POLICY, SRIOVNIC_SYNTH_WHY_REVOKED}));
    EXPECT_EQ(text(ch->reasons(), SRIOVNIC_SYNTH_WHY_POLICY), "SR-IOV is disabled by host policy");
}

TEST_F(Synth, ReasonsNameAVfThatCannotReceive)
{
    wr(VF0, SRIOVNIC_REG_CTRL, 0); // its driver lets go of it
    EXPECT_EQ(codes(ch->reasons()),
              (std::vector<unsigned>{SRIOVNIC_SYNTH_WHY_VF_DOWN, SRIOVNIC_SYNTH_WHY_NOT_SWITCHED}));
    EXPECT_EQ(text(ch->reasons(), SRIOVNIC_SYNTH_WHY_VF_DOWN),
              "VF 0 is not up (no driver enabled it, or no RX ring)");
}

TEST_F(Synth, TransitionsCarryTheVfTheRevokeReasonAndTheTimeSinceThePrevious)
{
    const size_t before = transitions.size();
    platform.now += 7'000'000;
    to_vf();
    platform.now += 3'000'000;
    ASSERT_FALSE(ch->revoke(SRIOVNIC_SYNTH_REVOKE_FAULT, true, 0));
    ASSERT_EQ(transitions.size(), before + 2);
    const SriovnicSynthTransition &a = transitions[before], &b = transitions[before + 1];
    EXPECT_EQ(a.fn, ch->fn());
    EXPECT_EQ(a.vf, 0u);
    EXPECT_EQ(a.cause, SRIOVNIC_SYNTH_CAUSE_SWITCH_TO_VF);
    EXPECT_EQ(a.revoke_reason, 0u);
    EXPECT_TRUE(a.has_previous) << "the offer came first";
    EXPECT_EQ(a.since_previous_ns, 7'000'000u);
    EXPECT_EQ(b.old_state, SRIOVNIC_SYNTH_DP_VF);
    EXPECT_EQ(b.new_state, SRIOVNIC_SYNTH_DP_SYNTHETIC);
    EXPECT_EQ(b.cause, SRIOVNIC_SYNTH_CAUSE_REVOKE_SURPRISE);
    EXPECT_EQ(b.revoke_reason, SRIOVNIC_SYNTH_REVOKE_FAULT);
    EXPECT_EQ(b.since_previous_ns, 3'000'000u);
}

} // namespace
} // namespace sriovnic
