// SPDX-License-Identifier: GPL-2.0-or-later
// The host PF agent of a host-owned card: it answers each VF's mailbox by
// the host's administration, as the PF driver would, and the device then
// enforces what it granted. The VF side is driven through the VF's own
// registers, as the VF driver drives it.
#include "device.hpp"
#include "fake_platform.hpp"
#include "frames.hpp"
#include "sriovnic/mailbox.h"
#include "sriovnic/regs.h"

#include <gtest/gtest.h>

#include <array>
#include <memory>

namespace sriovnic {
namespace {

using Msg = std::array<uint32_t, SRIOVNIC_MBX_WORDS>;
using test::kPfMac;

constexpr uint16_t PF = SRIOVNIC_FN_PF;
constexpr uint16_t VF0 = SRIOVNIC_FN_VF(0);
constexpr uint16_t VF1 = SRIOVNIC_FN_VF(1);
const test::Mac kHostMac = {0x02, 0x00, 0x5e, 0x10, 0x00, 0x07};

constexpr uint32_t w0(uint32_t op, uint32_t tag) { return SRIOVNIC_MBX_W0(op, tag, 0); }

class HostAgent : public ::testing::Test {
protected:
    explicit HostAgent(bool host_owned = true)
    {
        SriovnicCoreConfig cfg = test::card_config(2, 1, 1, kPfMac);
        cfg.host_owned = host_owned;
        device = std::make_unique<Device>(cfg, platform);
        device->subscribe(platform);
        device->set_active_vfs(2);
        // The host's administration: what QMP will set on a host-owned card.
        wr(PF, SRIOVNIC_REG_ADMIN(0, SRIOVNIC_VFA_MAC_LO), test::mac_lo(kHostMac));
        wr(PF, SRIOVNIC_REG_ADMIN(0, SRIOVNIC_VFA_MAC_HI), test::mac_hi(kHostMac));
        wr(VF0, SRIOVNIC_REG_INT_CAUSE, ~0u);
        wr(PF, SRIOVNIC_REG_INT_CAUSE, ~0u);
    }

    uint32_t rd(uint16_t fn, uint32_t reg) { return uint32_t(device->read(fn, reg, 4)); }
    void wr(uint16_t fn, uint32_t reg, uint32_t v) { device->write(fn, reg, 4, v); }

    void send(uint16_t fn, const Msg &m)
    {
        for (unsigned i = 0; i < SRIOVNIC_MBX_WORDS; i++) {
            wr(fn, SRIOVNIC_REG_MBX_VF_MSG(i), m[i]);
        }
        wr(fn, SRIOVNIC_REG_MBX_CTRL, SRIOVNIC_MBX_CTRL_SEND);
    }
    bool has_message(uint16_t fn) { return rd(fn, SRIOVNIC_REG_MBX_STATUS) & SRIOVNIC_MBX_STATUS_MSG; }
    // The message in the VF's slot, acknowledged as the VF driver does.
    Msg take(uint16_t fn)
    {
        Msg m{};
        EXPECT_TRUE(has_message(fn));
        for (unsigned i = 0; i < SRIOVNIC_MBX_WORDS; i++) {
            m[i] = rd(fn, SRIOVNIC_REG_MBX_PF_MSG(i));
        }
        wr(fn, SRIOVNIC_REG_MBX_CTRL, SRIOVNIC_MBX_CTRL_ACK);
        return m;
    }
    Msg ask(uint16_t fn, const Msg &m)
    {
        send(fn, m);
        return take(fn);
    }
    Msg hello(uint16_t fn, uint32_t tag = 1, uint32_t caps = SRIOVNIC_MBX_CAPS_KNOWN)
    {
        return ask(fn, {w0(SRIOVNIC_MBX_HELLO, tag), SRIOVNIC_MBX_LEGACY_LEVEL, caps});
    }
    uint32_t granted_mtu(unsigned vf)
    {
        return (device->vf_admin_regs(vf)->flags & SRIOVNIC_VFA_MAX_MTU_MASK) >>
               SRIOVNIC_VFA_MAX_MTU_SHIFT;
    }
    void expect_contract_kept(uint16_t fn)
    {
        EXPECT_EQ(rd(fn, SRIOVNIC_REG_MBX_BAD_REPLIES), 0u);
        EXPECT_EQ(rd(fn, SRIOVNIC_REG_MBX_LATE_REPLIES), 0u);
        EXPECT_EQ(rd(fn, SRIOVNIC_REG_MBX_DUP_REPLIES), 0u);
    }

    test::FakePlatform platform;
    std::unique_ptr<Device> device;
};

class GuestOwned : public HostAgent {
protected:
    GuestOwned() : HostAgent(false) {}
};

TEST_F(HostAgent, HelloGetsTheHostsMacLimitAndCapabilities)
{
    const Msg r = hello(VF0, 9);
    EXPECT_EQ(r[0], SRIOVNIC_MBX_W0(SRIOVNIC_MBX_HELLO | SRIOVNIC_MBX_REPLY, 9, SRIOVNIC_MBX_OK));
    EXPECT_EQ(r[1], test::mac_lo(kHostMac));
    EXPECT_EQ(r[2], test::mac_hi(kHostMac));
    EXPECT_EQ(r[3], SRIOVNIC_MTU_MAX);
    EXPECT_EQ(r[4], SRIOVNIC_MBX_CAPS_KNOWN);
    EXPECT_EQ(granted_mtu(0), 1500u) << "a starting VF gets 1500 until it asks";
    EXPECT_TRUE(rd(VF0, SRIOVNIC_REG_INT_CAUSE) & SRIOVNIC_INT_MBX) << "the VF is told";
    EXPECT_FALSE(rd(PF, SRIOVNIC_REG_INT_CAUSE) & SRIOVNIC_INT_MBX) << "no PF driver to wake";
    EXPECT_EQ(rd(PF, SRIOVNIC_REG_PF_MBX_PENDING(0)), 0u);
    expect_contract_kept(VF0);
}

TEST_F(HostAgent, MtuUpToTheHostsLimitAndTheDeviceEnforcesTheGrant)
{
    ASSERT_FALSE(device->host_set_vf_mtu_limit(0, 4000));
    EXPECT_EQ(hello(VF0)[3], 4000u);
    Msg r = ask(VF0, {w0(SRIOVNIC_MBX_SET_MTU, 2), 9000});
    EXPECT_EQ(SRIOVNIC_MBX_STATUS(r[0]), SRIOVNIC_MBX_DENIED);
    EXPECT_EQ(r[1], SRIOVNIC_MBX_REASON_MTU_LIMIT);
    EXPECT_EQ(r[2], 4000u);
    wr(VF0, SRIOVNIC_REG_MTU, 3000);
    EXPECT_EQ(rd(VF0, SRIOVNIC_REG_MTU), 1500u) << "not granted yet";

    r = ask(VF0, {w0(SRIOVNIC_MBX_SET_MTU, 3), 3000});
    EXPECT_EQ(r[0], SRIOVNIC_MBX_W0(SRIOVNIC_MBX_SET_MTU | SRIOVNIC_MBX_REPLY, 3, SRIOVNIC_MBX_OK));
    wr(VF0, SRIOVNIC_REG_MTU, 3000);
    EXPECT_EQ(rd(VF0, SRIOVNIC_REG_MTU), 3000u);

    // The host lowers its limit below the grant: the grant shrinks with it.
    ASSERT_FALSE(device->host_set_vf_mtu_limit(0, 2000));
    EXPECT_EQ(granted_mtu(0), 2000u);
    expect_contract_kept(VF0);
}

TEST_F(HostAgent, HostLimitRefusedByName)
{
    EXPECT_EQ(device->host_set_vf_mtu_limit(0, 9001).value_or(""), "'mtu-limit' must be 68..9000");
    EXPECT_EQ(device->host_set_vf_mtu_limit(2, 1500).value_or(""),
              "'vf' 2 is out of range: the card has 2 VFs (0..1)");
    EXPECT_EQ(device->host_notify_vf_reset(7).value_or(""),
              "'vf' 7 is out of range: the card has 2 VFs (0..1)");
}

TEST_F(HostAgent, VlanFilterUnlessThePortHasAVlan)
{
    hello(VF0);
    Msg r = ask(VF0, {w0(SRIOVNIC_MBX_SET_VLAN, 4), SRIOVNIC_VLAN_FILTER_ADD | 100});
    EXPECT_EQ(SRIOVNIC_MBX_STATUS(r[0]), SRIOVNIC_MBX_OK);
    EXPECT_EQ(device->vf_admin_regs(0)->vlan_filter[100 / 32], 1u << (100 % 32));

    wr(PF, SRIOVNIC_REG_ADMIN(0, SRIOVNIC_VFA_VLAN), 42); // the host puts the port on VLAN 42
    r = ask(VF0, {w0(SRIOVNIC_MBX_SET_VLAN, 5), SRIOVNIC_VLAN_FILTER_ADD | 200});
    EXPECT_EQ(SRIOVNIC_MBX_STATUS(r[0]), SRIOVNIC_MBX_DENIED);
    EXPECT_EQ(r[1], SRIOVNIC_MBX_REASON_PORT_VLAN);
    EXPECT_EQ(device->vf_admin_regs(0)->vlan_filter[200 / 32], 0u);

    hello(VF0, 6); // a restarting VF starts with an empty filter
    EXPECT_EQ(device->vf_admin_regs(0)->vlan_filter[100 / 32], 0u);
    expect_contract_kept(VF0);
}

TEST_F(HostAgent, MulticastListOnlyAfterTheCapabilityWasOffered)
{
    hello(VF0, 1, SRIOVNIC_MBX_CAP_TAGS);
    Msg r = ask(VF0, {w0(SRIOVNIC_MBX_SET_MC_LIST, 2), 0x11, 0x22});
    EXPECT_EQ(SRIOVNIC_MBX_STATUS(r[0]), SRIOVNIC_MBX_UNSUPPORTED);

    hello(VF0, 3);
    r = ask(VF0, {w0(SRIOVNIC_MBX_SET_MC_LIST, 4), 0x11, 0x22});
    EXPECT_EQ(SRIOVNIC_MBX_STATUS(r[0]), SRIOVNIC_MBX_OK);
    EXPECT_EQ(device->fn_regs(VF0)->mc_hash_lo, 0x11u);
    EXPECT_EQ(device->fn_regs(VF0)->mc_hash_hi, 0x22u);
    wr(VF0, SRIOVNIC_REG_MC_HASH_LO, 0x99);
    EXPECT_EQ(device->fn_regs(VF0)->mc_hash_lo, 0x11u) << "the filter is the PF's now";
    expect_contract_kept(VF0);
}

TEST_F(HostAgent, DriverFromBeforeCapabilitiesGetsALegacyAnswer)
{
    // Interface 1.5's VF driver: no tag, level 2, caps word 0.
    const Msg r = ask(VF0, {SRIOVNIC_MBX_HELLO | 2u << 24, 2, 0});
    EXPECT_EQ(SRIOVNIC_MBX_STATUS(r[0]), SRIOVNIC_MBX_OK);
    EXPECT_EQ(SRIOVNIC_MBX_TAG(r[0]), 0u);
    EXPECT_EQ(r[4], SRIOVNIC_MBX_CAP_MC_LIST) << "level 2 meant SET_MC_LIST";
    expect_contract_kept(VF0);
}

TEST_F(HostAgent, BadAndUnknownRequestsAreAnsweredAndCounted)
{
    Msg r = ask(VF0, {w0(SRIOVNIC_MBX_SET_MTU, 7), 20});
    EXPECT_EQ(r[0], SRIOVNIC_MBX_W0(SRIOVNIC_MBX_SET_MTU | SRIOVNIC_MBX_REPLY, 7,
                                    SRIOVNIC_MBX_BAD_REQUEST));
    EXPECT_EQ(rd(VF0, SRIOVNIC_REG_MBX_BAD_REQUESTS), 1u);
    r = ask(VF0, {w0(0x42, 8)});
    EXPECT_EQ(r[0], SRIOVNIC_MBX_W0(0x42 | SRIOVNIC_MBX_REPLY, 8, SRIOVNIC_MBX_UNSUPPORTED));
    r = ask(VF0, {w0(SRIOVNIC_MBX_HELLO, 9), 2, 0, 0xdead}); // a reserved word set
    EXPECT_EQ(SRIOVNIC_MBX_STATUS(r[0]), SRIOVNIC_MBX_BAD_REQUEST);
    EXPECT_EQ(rd(VF0, SRIOVNIC_REG_MBX_BAD_REQUESTS), 3u);
    EXPECT_EQ(granted_mtu(0), 0u) << "a bad HELLO changes nothing";
    expect_contract_kept(VF0);
}

TEST_F(HostAgent, ReplyWaitsForTheSlotTheVfHasNotEmptied)
{
    send(VF0, {w0(SRIOVNIC_MBX_HELLO, 1), 2, SRIOVNIC_MBX_CAPS_KNOWN});
    ASSERT_TRUE(has_message(VF0));
    // The VF sends again without acknowledging the first reply.
    send(VF0, {w0(SRIOVNIC_MBX_SET_MTU, 2), 2000});
    EXPECT_TRUE(rd(VF0, SRIOVNIC_REG_MBX_STATUS) & SRIOVNIC_MBX_STATUS_BUSY) << "not taken yet";
    EXPECT_EQ(SRIOVNIC_MBX_OPCODE(take(VF0)[0]), SRIOVNIC_MBX_HELLO);
    const Msg r = take(VF0);
    EXPECT_EQ(r[0], SRIOVNIC_MBX_W0(SRIOVNIC_MBX_SET_MTU | SRIOVNIC_MBX_REPLY, 2, SRIOVNIC_MBX_OK));
    EXPECT_EQ(rd(VF0, SRIOVNIC_REG_MBX_STATUS), 0u);
    expect_contract_kept(VF0);
}

TEST_F(HostAgent, ResetNoticeGoesFirstAndWaitsForAnEmptySlot)
{
    send(VF0, {w0(SRIOVNIC_MBX_HELLO, 1), 2, SRIOVNIC_MBX_CAPS_KNOWN});
    ASSERT_FALSE(device->host_notify_vf_reset(0));
    send(VF0, {w0(SRIOVNIC_MBX_SET_MTU, 2), 2000}); // waits behind the notice
    EXPECT_EQ(SRIOVNIC_MBX_OPCODE(take(VF0)[0]), SRIOVNIC_MBX_HELLO);
    EXPECT_EQ(take(VF0)[0], SRIOVNIC_MBX_W0(SRIOVNIC_MBX_PF_RESET, 0, 0));
    EXPECT_EQ(SRIOVNIC_MBX_OPCODE(take(VF0)[0]), SRIOVNIC_MBX_SET_MTU);
    EXPECT_FALSE(has_message(VF0));

    ASSERT_FALSE(device->host_notify_vf_reset(1)); // an idle VF gets it at once
    EXPECT_EQ(take(VF1)[0], SRIOVNIC_MBX_W0(SRIOVNIC_MBX_PF_RESET, 0, 0));
    expect_contract_kept(VF0);
    expect_contract_kept(VF1);
}

TEST_F(HostAgent, VfResetDropsAWaitingNotice)
{
    hello(VF0);
    send(VF0, {w0(SRIOVNIC_MBX_SET_MTU, 2), 2000}); // its reply fills the slot
    ASSERT_FALSE(device->host_notify_vf_reset(0));
    EXPECT_EQ(device->vf_host_regs(0)->notice_pending, 1u);
    device->reset_function(VF0);
    EXPECT_EQ(device->vf_host_regs(0)->notice_pending, 0u);
    EXPECT_FALSE(has_message(VF0));
}

TEST_F(HostAgent, HeldMailboxIsAnsweredOnlyOnRelease)
{
    SriovnicFaultRequest fault{};
    fault.fault = SRIOVNIC_INJECT_MAILBOX_TIMEOUT;
    fault.vf = 0;
    fault.has_duration_ms = true;
    fault.duration_ms = 50;
    ASSERT_FALSE(device->inject_fault(fault));
    send(VF0, {w0(SRIOVNIC_MBX_HELLO, 1), 2, SRIOVNIC_MBX_CAPS_KNOWN});
    EXPECT_FALSE(has_message(VF0));
    ASSERT_TRUE(platform.timer_deadline);
    platform.now = *platform.timer_deadline;
    device->on_timer();
    ASSERT_TRUE(has_message(VF0));
    EXPECT_EQ(SRIOVNIC_MBX_STATUS(take(VF0)[0]), SRIOVNIC_MBX_OK);
}

TEST_F(HostAgent, StateRoundTripsAndImpossibleStateIsRefused)
{
    hello(VF0);
    ASSERT_FALSE(device->host_set_vf_mtu_limit(0, 3000));
    const SriovnicVfHostRegs saved = *device->vf_host_regs(0);
    EXPECT_EQ(saved.mtu_limit, 3000u);
    EXPECT_EQ(saved.mbx_caps, SRIOVNIC_MBX_CAPS_KNOWN);
    EXPECT_FALSE(device->post_load(VF0));

    device->vf_host_regs(0)->mtu_limit = 9001;
    EXPECT_NE(device->post_load(VF0).value_or("").find("MTU limit 9001"), std::string::npos);
    device->vf_host_regs(0)->mtu_limit = 3000;
    device->vf_host_regs(0)->mbx_caps = 1u << 20;
    EXPECT_TRUE(device->post_load(VF0));
    device->vf_host_regs(0)->mbx_caps = saved.mbx_caps;
    device->vf_host_regs(0)->notice_pending = 2;
    EXPECT_TRUE(device->post_load(VF0));
}

// ---- the host's administration (what QMP drives) ----

SriovnicVfSettings mac_setting(const test::Mac &mac)
{
    SriovnicVfSettings s{};
    s.has_mac = true;
    std::copy(mac.begin(), mac.end(), s.mac);
    return s;
}

TEST_F(HostAgent, NewMacReachesTheRunningVfDriverThroughANotice)
{
    wr(VF0, SRIOVNIC_REG_CTRL, SRIOVNIC_CTRL_ENABLE); // a driver runs on it
    hello(VF0);
    const test::Mac mac = {0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0x01};
    ASSERT_FALSE(device->host_set_vf(0, mac_setting(mac)));
    EXPECT_EQ(rd(VF0, SRIOVNIC_REG_MAC_LO), test::mac_lo(mac)) << "the device uses it at once";
    EXPECT_EQ(take(VF0)[0], SRIOVNIC_MBX_W0(SRIOVNIC_MBX_PF_RESET, 0, 0));
    const Msg r = hello(VF0, 2);
    EXPECT_EQ(r[1], test::mac_lo(mac));
    EXPECT_EQ(r[2], test::mac_hi(mac));
    // The same MAC again changes nothing and tells no one.
    ASSERT_FALSE(device->host_set_vf(0, mac_setting(mac)));
    EXPECT_FALSE(has_message(VF0));
    expect_contract_kept(VF0);
}

TEST_F(HostAgent, PortVlanQosFlagsRateAndMtuTakeEffectAtOnce)
{
    hello(VF0);
    SriovnicVfSettings s{};
    s.has_vlan = true;
    s.vlan = 100;
    s.has_qos = true;
    s.qos = 5;
    s.has_spoofchk = true;
    s.spoofchk = false;
    s.has_trust = true;
    s.trust = true;
    s.has_link_state = true;
    s.link_state = SRIOVNIC_VFA_LINK_DISABLE;
    s.has_max_tx_rate = true;
    s.max_tx_rate = 250;
    s.has_mtu_limit = true;
    s.mtu_limit = 1400;
    ASSERT_FALSE(device->host_set_vf(0, s));
    const SriovnicVfAdminRegs &a = *device->vf_admin_regs(0);
    EXPECT_EQ(a.vlan, 100u | 5u << 12);
    EXPECT_EQ(a.flags & (SRIOVNIC_VFA_FLAG_SPOOFCHK | SRIOVNIC_VFA_FLAG_TRUST), SRIOVNIC_VFA_FLAG_TRUST);
    EXPECT_EQ((a.flags & SRIOVNIC_VFA_LINK_MASK) >> SRIOVNIC_VFA_LINK_SHIFT, SRIOVNIC_VFA_LINK_DISABLE);
    EXPECT_EQ(a.rate, 250u);
    EXPECT_EQ(granted_mtu(0), 1400u) << "the grant shrinks to the new limit";
    const auto info = device->fn_info(VF0);
    ASSERT_TRUE(info);
    EXPECT_FALSE(info->link_up) << "link forced down";
    EXPECT_EQ(info->vlan, 100u);
    EXPECT_EQ(info->qos, 5u);
    EXPECT_TRUE(rd(VF0, SRIOVNIC_REG_INT_CAUSE) & SRIOVNIC_INT_CONFIG) << "the VF is told";

    // VLAN 0 takes its priority with it.
    SriovnicVfSettings clear{};
    clear.has_vlan = true;
    ASSERT_FALSE(device->host_set_vf(0, clear));
    EXPECT_EQ(device->vf_admin_regs(0)->vlan, 0u);
}

TEST_F(HostAgent, BadSettingsAreRefusedByNameAndNothingChanges)
{
    const SriovnicVfAdminRegs before = *device->vf_admin_regs(0);
    auto refused = [&](SriovnicVfSettings s) { return device->host_set_vf(0, s).value_or(""); };
    SriovnicVfSettings s = mac_setting({0x03, 0, 0, 0, 0, 1});
    EXPECT_EQ(refused(s), "'mac' must be a unicast address (the first octet's lowest bit clear)");
    s = mac_setting({0x02, 0, 0, 0, 0, 1});
    s.has_qos = true;
    s.qos = 3;
    EXPECT_EQ(refused(s), "'qos' needs a port VLAN ('vlan' 1..4094)");
    s.has_vlan = true;
    s.vlan = 4095;
    EXPECT_EQ(refused(s), "'vlan' must be 0..4094 (0: no port VLAN)");
    s.vlan = 10;
    s.qos = 8;
    EXPECT_EQ(refused(s), "'qos' must be 0..7");
    s.qos = 1;
    s.has_link_state = true;
    s.link_state = 3;
    EXPECT_EQ(refused(s), "'link-state' must be auto, enable or disable");
    s.link_state = 0;
    s.has_max_tx_rate = true;
    s.max_tx_rate = 100001;
    EXPECT_EQ(refused(s), "'max-tx-rate' must be 0..100000 Mbit/s (0: unlimited)");
    s.max_tx_rate = 0;
    s.has_mtu_limit = true;
    s.mtu_limit = 67;
    EXPECT_EQ(refused(s), "'mtu-limit' must be 68..9000");
    EXPECT_EQ(device->host_set_vf(2, SriovnicVfSettings{}).value_or(""),
              "'vf' 2 is out of range: the card has 2 VFs (0..1)");
    const SriovnicVfAdminRegs &after = *device->vf_admin_regs(0);
    EXPECT_EQ(after.mac_lo, before.mac_lo);
    EXPECT_EQ(after.mac_hi, before.mac_hi);
    EXPECT_EQ(after.vlan, before.vlan);
    EXPECT_EQ(after.flags, before.flags);
    EXPECT_EQ(after.rate, before.rate);
}

TEST_F(HostAgent, AMacTheSyntheticChannelOwnsIsNotTheHostsToChange)
{
    SriovnicSynthConfig cfg{};
    cfg.paired_vf = 1;
    const uint8_t channel_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x09, 0x09};
    std::copy(std::begin(channel_mac), std::end(channel_mac), cfg.mac);
    cfg.features = SRIOVNIC_SYNTH_F_ALL;
    cfg.revoke_timeout_ms = 5;
    cfg.max_mtu = 9000;
    cfg.sriov_allowed = true;
    std::string err;
    ASSERT_NE(device->attach_synth(cfg, {}, err), 0) << err;
    EXPECT_EQ(device->host_set_vf(1, mac_setting({0x02, 1, 2, 3, 4, 5})).value_or(""),
              "'mac': VF 1's MAC is its synthetic channel's (set it on the sriovnic-synth device)");
    EXPECT_FALSE(device->host_set_vf(1, mac_setting({0x02, 0, 0, 0, 9, 9})))
        << "its own MAC again is no change";
}

TEST_F(HostAgent, AMacAnotherVfHoldsIsRefusedAndLeavesBothAsTheyWere)
{
    const test::Mac mac = {0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0x07};
    ASSERT_FALSE(device->host_set_vf(0, mac_setting(mac)));
    const SriovnicVfAdminRegs before = *device->vf_admin_regs(1);
    EXPECT_EQ(device->host_set_vf(1, mac_setting(mac)).value_or(""),
              "'mac' is VF 0's already (each VF of a card needs a MAC of its own)");
    EXPECT_EQ(device->vf_admin_regs(1)->mac_lo, before.mac_lo);
    EXPECT_EQ(device->vf_admin_regs(0)->mac_lo, test::mac_lo(mac));
    EXPECT_FALSE(device->host_set_vf(0, mac_setting(mac))) << "a VF's own MAC again is no change";
}

TEST_F(GuestOwned, ThePfDriverAnswersAndTheHostHasNoSay)
{
    EXPECT_EQ(device->vf_host_regs(0), nullptr);
    send(VF0, {w0(SRIOVNIC_MBX_HELLO, 1), 2, SRIOVNIC_MBX_CAPS_KNOWN});
    EXPECT_FALSE(has_message(VF0));
    EXPECT_TRUE(rd(PF, SRIOVNIC_REG_INT_CAUSE) & SRIOVNIC_INT_MBX);
    EXPECT_EQ(rd(PF, SRIOVNIC_REG_PF_MBX_PENDING(0)), 1u);
    EXPECT_TRUE(device->host_set_vf_mtu_limit(0, 4000));
    EXPECT_TRUE(device->host_notify_vf_reset(0));
    EXPECT_EQ(device->host_set_vf(0, SriovnicVfSettings{}).value_or(""),
              "the card's PF is the guest's: its PF driver administers the VFs "
              "(ip link set <pf> vf N ...)");
}

} // namespace
} // namespace sriovnic
