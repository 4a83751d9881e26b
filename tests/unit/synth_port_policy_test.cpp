// SPDX-License-Identifier: GPL-2.0-or-later
// Port policies of a synthetic channel (router-guard, dhcp-guard): what the
// synthetic TX path drops and lets through, the counter, and how a policy
// keeps the data path synthetic while it is set.
#include "synth_fixture.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sriovnic {
namespace {

using test::Bytes;
using test::kRemote;
using test::kSynthMac;
using test::UsedElem;
using test::VF0;

constexpr uint32_t kRouterGuard = SRIOVNIC_SYNTH_POLICY_ROUTER_GUARD;
constexpr uint32_t kDhcpGuard = SRIOVNIC_SYNTH_POLICY_DHCP_GUARD;
constexpr uint8_t kIcmp = 1, kUdp = 17, kIcmpv6 = 58;

struct Case {
    std::string name;
    Bytes frame;
};

Bytes v4(uint8_t proto, const Bytes &upper, uint16_t vlan = 0)
{
    return test::ip_packet(kRemote, kSynthMac, false, proto, upper, vlan);
}
Bytes v6(uint8_t proto, const Bytes &upper, uint16_t vlan = 0, bool hop_by_hop = false)
{
    return test::ip_packet(kRemote, kSynthMac, true, proto, upper, vlan, hop_by_hop);
}

std::vector<Case> router_messages()
{
    return {
        {"ICMPv6 router advertisement", v6(kIcmpv6, test::icmp(134))},
        {"ICMPv6 redirect", v6(kIcmpv6, test::icmp(137))},
        {"ICMP redirect", v4(kIcmp, test::icmp(5))},
        {"ICMP router advertisement", v4(kIcmp, test::icmp(9))},
        {"VLAN-tagged ICMPv6 router advertisement", v6(kIcmpv6, test::icmp(134), 0x2064)},
        {"VLAN-tagged ICMP redirect", v4(kIcmp, test::icmp(5), 7)},
        {"ICMPv6 router advertisement after hop-by-hop options",
         v6(kIcmpv6, test::icmp(134), 0, true)},
    };
}

std::vector<Case> dhcp_server_messages()
{
    return {
        {"DHCP offer (UDP 67 -> 68)", v4(kUdp, test::udp(67, 68))},
        {"DHCPv6 advertise (UDP 547 -> 546)", v6(kUdp, test::udp(547, 546))},
        {"VLAN-tagged DHCP offer", v4(kUdp, test::udp(67, 68), 0x0123)},
        {"VLAN-tagged DHCPv6 reply", v6(kUdp, test::udp(547, 546), 5)},
    };
}

std::vector<Case> ordinary_traffic()
{
    return {
        {"ICMP echo request", v4(kIcmp, test::icmp(8))},
        {"ICMPv6 echo request", v6(kIcmpv6, test::icmp(128))},
        {"ICMPv6 router solicitation", v6(kIcmpv6, test::icmp(133))},
        {"ICMPv6 neighbor advertisement", v6(kIcmpv6, test::icmp(136))},
        {"VLAN-tagged ICMPv6 neighbor solicitation", v6(kIcmpv6, test::icmp(135), 9)},
        {"DHCP discover (UDP 68 -> 67)", v4(kUdp, test::udp(68, 67))},
        {"DHCPv6 solicit (UDP 546 -> 547)", v6(kUdp, test::udp(546, 547))},
        {"DNS over UDP", v4(kUdp, test::udp(40000, 53))},
        {"UDP from 547 over IPv4", v4(kUdp, test::udp(547, 546))},
        {"UDP from 67 over IPv6", v6(kUdp, test::udp(67, 68))},
        {"a truncated ICMPv6 header", v6(kIcmpv6, Bytes{})},
        {"ARP", test::ethernet(test::kBroadcast, kSynthMac, 0x0806, 28)},
    };
}

class PortPolicy : public test::SynthNic {
protected:
    void SetUp() override
    {
        bring_up();
        Nic::bring_up(VF0, kSynthMac);
    }

    // Sends a frame through the synthetic TX ring; true if it reached the wire.
    bool reaches_wire(const Bytes &frame)
    {
        platform.uplink.clear();
        const uint16_t head = send(test::net_hdr(), frame);
        const std::vector<UsedElem> u = new_used(SRIOVNIC_SYNTH_Q_TX);
        EXPECT_EQ(u.size(), 1u);
        if (!u.empty()) {
            EXPECT_EQ(u[0].id, head);
            EXPECT_FALSE(u[0].flags & SRIOVNIC_SYNTH_U_ERR) << "a policy drop is not the driver's error";
        }
        return platform.uplink.size() == 1 && platform.uplink[0] == frame;
    }

    std::optional<std::string> set(uint32_t policies)
    {
        return ch->set_port_policies(policies);
    }

    static std::vector<unsigned> codes(const SriovnicSynthReasons &why)
    {
        std::vector<unsigned> out;
        for (unsigned i = 0; i < why.count; i++) {
            out.push_back(why.reason[i].code);
        }
        return out;
    }
    static std::vector<std::string> texts(const SriovnicSynthReasons &why, unsigned code)
    {
        std::vector<std::string> out;
        for (unsigned i = 0; i < why.count; i++) {
            if (why.reason[i].code == code) {
                out.emplace_back(why.reason[i].text);
            }
        }
        return out;
    }
};

TEST_F(PortPolicy, GuardsDropTheirKindFromTheSyntheticPathAndCountIt)
{
    ASSERT_EQ(set(kRouterGuard | kDhcpGuard), std::nullopt);
    uint64_t drops = 0;
    for (const std::vector<Case> &kind : {router_messages(), dhcp_server_messages()}) {
        for (const Case &c : kind) {
            EXPECT_FALSE(reaches_wire(c.frame)) << c.name;
            EXPECT_EQ(ch->info().guard_drops, ++drops) << c.name;
        }
    }
    EXPECT_EQ(cstat(SRIOVNIC_STAT_TX_PACKETS), 0u) << "dropped frames are not sent frames";
    EXPECT_EQ(sstat(SRIOVNIC_SYNTH_STAT_TX_BAD_HDR), 0u);
}

TEST_F(PortPolicy, GuardsLetOtherTrafficThrough)
{
    ASSERT_EQ(set(kRouterGuard | kDhcpGuard), std::nullopt);
    for (const Case &c : ordinary_traffic()) {
        EXPECT_TRUE(reaches_wire(c.frame)) << c.name;
    }
    EXPECT_EQ(ch->info().guard_drops, 0u);
    EXPECT_EQ(cstat(SRIOVNIC_STAT_TX_PACKETS), ordinary_traffic().size());
}

TEST_F(PortPolicy, EachGuardDropsOnlyItsOwnKind)
{
    ASSERT_EQ(set(kRouterGuard), std::nullopt);
    for (const Case &c : dhcp_server_messages()) {
        EXPECT_TRUE(reaches_wire(c.frame)) << c.name << " under router-guard alone";
    }
    EXPECT_FALSE(reaches_wire(router_messages()[0].frame));
    ASSERT_EQ(set(kDhcpGuard), std::nullopt);
    for (const Case &c : router_messages()) {
        EXPECT_TRUE(reaches_wire(c.frame)) << c.name << " under dhcp-guard alone";
    }
    EXPECT_FALSE(reaches_wire(dhcp_server_messages()[0].frame));
    EXPECT_EQ(ch->info().guard_drops, 2u);
}

TEST_F(PortPolicy, WithoutPoliciesNothingIsGuarded)
{
    for (const std::vector<Case> &kind : {router_messages(), dhcp_server_messages()}) {
        for (const Case &c : kind) {
            EXPECT_TRUE(reaches_wire(c.frame)) << c.name;
        }
    }
    ASSERT_EQ(set(kRouterGuard), std::nullopt);
    ASSERT_EQ(set(0), std::nullopt);
    EXPECT_TRUE(reaches_wire(router_messages()[0].frame)) << "cleared policies guard nothing";
    EXPECT_EQ(ch->info().guard_drops, 0u);
}

TEST_F(PortPolicy, AFunctionResetClearsTheCounter)
{
    ASSERT_EQ(set(kRouterGuard), std::nullopt);
    EXPECT_FALSE(reaches_wire(router_messages()[0].frame));
    EXPECT_EQ(ch->info().guard_drops, 1u);
    device->reset_function(fn);
    EXPECT_EQ(ch->info().guard_drops, 0u);
    EXPECT_EQ(ch->info().port_policies, kRouterGuard) << "the host's policy survives the reset";
}

TEST_F(PortPolicy, APolicyRevokesTheVfAndKeepsTheChannelSynthetic)
{
    ASSERT_EQ(switch_to(SRIOVNIC_SYNTH_PATH_VF, 0, offered_serial()), 0u);
    (void)events();
    ASSERT_EQ(set(kRouterGuard), std::nullopt);
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_REVOKING);
    const std::vector<Bytes> e = events();
    ASSERT_EQ(e.size(), 1u);
    EXPECT_EQ(type_of(e[0]), SRIOVNIC_SYNTH_EV_VF_REVOKE);
    EXPECT_EQ(e[0][14], SRIOVNIC_SYNTH_REVOKE_POLICY);
    EXPECT_EQ(switch_to(SRIOVNIC_SYNTH_PATH_SYNTHETIC, 0, 0), 0u);
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_SYNTHETIC);

    const std::optional<std::string> refused = ch->offer();
    ASSERT_TRUE(refused);
    EXPECT_EQ(*refused, "port policy router-guard is set: only the software path enforces it");
    device->set_active_vfs(0);
    device->set_active_vfs(4);
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_SYNTHETIC) << "no offer while the policy is set";
    ASSERT_EQ(set(kRouterGuard | kDhcpGuard), std::nullopt);
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_SYNTHETIC);
    EXPECT_EQ(ch->offer(),
              "port policy router-guard+dhcp-guard is set: only the software path enforces it");

    const SriovnicSynthReasons why = ch->reasons();
    EXPECT_EQ(texts(why, SRIOVNIC_SYNTH_WHY_PORT_POLICY),
              (std::vector<std::string>{
                  "port policy router-guard is set: only the software path enforces it",
                  "port policy dhcp-guard is set: only the software path enforces it"}));
    EXPECT_EQ(codes(why).front(), unsigned(SRIOVNIC_SYNTH_WHY_PORT_POLICY)) << "the host's side first";

    ASSERT_EQ(set(kDhcpGuard), std::nullopt);
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_SYNTHETIC) << "one policy still set";
    ASSERT_EQ(set(0), std::nullopt);
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_OFFERED) << "clearing all policies offers again";
    EXPECT_TRUE(texts(ch->reasons(), SRIOVNIC_SYNTH_WHY_PORT_POLICY).empty());
}

TEST_F(PortPolicy, ClearingPoliciesOffersOnlyIfSriovIsAllowed)
{
    ASSERT_EQ(ch->set_sriov_allowed(false), std::nullopt);
    ASSERT_EQ(set(kDhcpGuard), std::nullopt);
    ASSERT_EQ(set(0), std::nullopt);
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_SYNTHETIC);
    EXPECT_EQ(codes(ch->reasons()).front(), unsigned(SRIOVNIC_SYNTH_WHY_POLICY));
    ASSERT_EQ(set(kDhcpGuard), std::nullopt);
    ASSERT_EQ(ch->set_sriov_allowed(true), std::nullopt);
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_SYNTHETIC) << "the port policy still holds the VF back";
    ASSERT_EQ(set(0), std::nullopt);
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_OFFERED);
}

// sriovnic-set-policy is one transaction: judged on the whole new policy,
// so no offer is made only to be revoked, and a refused part changes nothing.
TEST_F(PortPolicy, APolicyChangeIsOneTransaction)
{
    ASSERT_EQ(ch->set_sriov_allowed(false), std::nullopt);
    transitions.clear();
    SriovnicSynthPolicy p{};
    p.has_sriov_allowed = true;
    p.sriov_allowed = true;
    p.has_port_policies = true;
    p.port_policies = kRouterGuard;
    ASSERT_EQ(ch->set_policy(p), std::nullopt);
    EXPECT_TRUE(transitions.empty()) << "allowed, but a port policy holds the VF back: no offer";
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_SYNTHETIC);

    p.port_policies = 0;
    p.has_max_mtu = true;
    p.max_mtu = 70000;
    EXPECT_EQ(ch->set_policy(p), "'max-mtu' must be between 1500 and 9000 (got 70000)");
    EXPECT_EQ(ch->info().port_policies, kRouterGuard) << "a refused change changes nothing";
    EXPECT_TRUE(transitions.empty());

    p.max_mtu = 4000;
    ASSERT_EQ(ch->set_policy(p), std::nullopt);
    ASSERT_EQ(transitions.size(), 1u) << "one offer";
    EXPECT_EQ(transitions[0].cause, SRIOVNIC_SYNTH_CAUSE_OFFER);
    EXPECT_EQ(ch->info().max_mtu, 4000u);

    p = {};
    p.has_sriov_allowed = true;
    p.sriov_allowed = false;
    p.has_port_policies = true;
    p.port_policies = kDhcpGuard;
    ASSERT_EQ(ch->set_policy(p), std::nullopt);
    ASSERT_EQ(transitions.size(), 2u) << "one revoke for both reasons";
    EXPECT_EQ(transitions[1].revoke_reason, SRIOVNIC_SYNTH_REVOKE_POLICY);
}

TEST_F(PortPolicy, UnknownPoliciesAreRefusedAndChangeNothing)
{
    ASSERT_EQ(set(kRouterGuard), std::nullopt);
    EXPECT_EQ(set(1u << 5), "'port-policies' may hold only router-guard and dhcp-guard");
    EXPECT_EQ(ch->info().port_policies, kRouterGuard);
}

// A channel configured with a policy at start never offers its VF.
class PortPolicyAtStart : public test::SynthNic {
protected:
    PortPolicyAtStart() : SynthNic(config()) {}
    static SriovnicSynthConfig config()
    {
        SriovnicSynthConfig cfg = synth_config();
        cfg.port_policies = kRouterGuard;
        return cfg;
    }
};

TEST_F(PortPolicyAtStart, NoOfferWhileTheStartPolicyIsSet)
{
    bring_up();
    Nic::bring_up(VF0, kSynthMac);
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_SYNTHETIC);
    EXPECT_EQ(ch->info().port_policies, kRouterGuard);
    const SriovnicSynthReasons why = ch->reasons();
    ASSERT_GE(why.count, 1u);
    EXPECT_EQ(why.reason[0].code, SRIOVNIC_SYNTH_WHY_PORT_POLICY);
    EXPECT_STREQ(why.reason[0].text, "port policy router-guard is set: only the software path enforces it");
    ASSERT_EQ(ch->set_port_policies(0), std::nullopt);
    EXPECT_EQ(dp_state(), SRIOVNIC_SYNTH_DP_OFFERED);
}

TEST(PortPolicyConfig, UnknownPolicyBitsAreRefusedAtAttach)
{
    SriovnicSynthConfig cfg{};
    cfg.mac[0] = 0x52;
    cfg.mac[5] = 1;
    cfg.revoke_timeout_ms = 100;
    cfg.max_mtu = 1500;
    cfg.port_policies = 1u << 7;
    EXPECT_EQ(synth::Channel::check_config(cfg, 4),
              "'port-policies' may hold only router-guard and dhcp-guard");
    cfg.port_policies = kRouterGuard | kDhcpGuard;
    EXPECT_EQ(synth::Channel::check_config(cfg, 4), std::nullopt);
}

} // namespace
} // namespace sriovnic
