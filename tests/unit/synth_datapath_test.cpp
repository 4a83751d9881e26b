// SPDX-License-Identifier: GPL-2.0-or-later
// The synthetic channel's TX and RX with the net header (offload results
// checked independently, as datapath_test does), and the switch's steering
// rule for the channel and its paired VF.
#include "synth_fixture.hpp"

#include <gtest/gtest.h>

namespace sriovnic {
namespace {

using test::Bytes;
using test::SynthNic;
using test::UsedElem;
using test::VF0;
using test::VF1;
using test::PF;
using test::get_le;
using test::kBroadcast;
using test::kRemote;
using test::kSynthMac;
using test::kVf1Mac;

constexpr unsigned RX = SRIOVNIC_SYNTH_Q_RX, TX = SRIOVNIC_SYNTH_Q_TX;

TEST_F(SynthNic, TransmitFillsThePartialChecksum)
{
    bring_up();
    Bytes frame = test::ipv4_l4(kRemote, kSynthMac, 17, 300, false);
    const size_t l4 = 34;
    test::put16(frame, l4 + 6, uint16_t(test::pseudo_sum(frame, false, 17, 308) % 0xFFFF));
    const Bytes expected = test::ipv4_l4(kRemote, kSynthMac, 17, 300, true);
    send(test::net_hdr(SRIOVNIC_SYNTH_NH_NEEDS_CSUM, 0, 0, 0, uint16_t(l4), 6), frame);
    ASSERT_EQ(platform.uplink.size(), 1u);
    const Bytes &out = platform.uplink[0];
    EXPECT_EQ(test::rfc1071(out, l4, out.size(), test::pseudo_sum(out, false, 17, 308)), 0)
        << "UDP checksum verifies";
    EXPECT_EQ(test::get16(out, l4 + 6), test::get16(expected, l4 + 6));
    EXPECT_EQ(cstat(SRIOVNIC_STAT_TX_PACKETS), 1u);
    EXPECT_EQ(cstat(SRIOVNIC_STAT_TX_BYTES), frame.size());
}

TEST_F(SynthNic, TsoSegmentsIpv4AndIpv6)
{
    bring_up();
    const Bytes big = test::ipv4_l4(kRemote, kSynthMac, 6, 4000, false);
    send(test::net_hdr(SRIOVNIC_SYNTH_NH_NEEDS_CSUM, SRIOVNIC_SYNTH_GSO_TCPV4, 54, 1000, 34, 16), big);
    ASSERT_EQ(platform.uplink.size(), 4u);
    uint32_t seq = 0x11112222;
    for (const Bytes &seg : platform.uplink) {
        EXPECT_EQ(seg.size(), 54u + 1000);
        EXPECT_EQ(test::rfc1071(seg, 14, 34), 0) << "IPv4 header checksum";
        EXPECT_EQ(test::rfc1071(seg, 34, seg.size(), test::pseudo_sum(seg, false, 6, seg.size() - 34)), 0)
            << "TCP checksum";
        EXPECT_EQ(test::get32(seg, 38), seq);
        seq += 1000;
    }
    EXPECT_EQ(cstat(SRIOVNIC_STAT_TX_TSO_SEGS), 4u);
    platform.uplink.clear();
    const Bytes big6 = test::ipv6_tcp(kRemote, kSynthMac, 2500);
    send(test::net_hdr(SRIOVNIC_SYNTH_NH_NEEDS_CSUM, SRIOVNIC_SYNTH_GSO_TCPV6, 74, 1200, 54, 16), big6);
    ASSERT_EQ(platform.uplink.size(), 3u);
    for (const Bytes &seg : platform.uplink) {
        EXPECT_EQ(test::rfc1071(seg, 54, seg.size(), test::pseudo_sum(seg, true, 6, seg.size() - 54)), 0);
    }
    EXPECT_EQ(new_used(TX).size(), 2u);
}

TEST_F(SynthNic, BadNetHeadersAreDroppedWithErr)
{
    bring_up(SRIOVNIC_SYNTH_F_DATAPATH); // no offloads negotiated
    const Bytes frame = test::ipv4_l4(kRemote, kSynthMac, 6, 100);
    const Bytes bad[] = {
        test::net_hdr(SRIOVNIC_SYNTH_NH_NEEDS_CSUM, 0, 0, 0, 34, 16), // CSUM_TX not negotiated
        test::net_hdr(0x4),                                           // reserved flag
        test::net_hdr(SRIOVNIC_SYNTH_NH_CSUM_VALID),                  // an RX flag
        test::net_hdr(0, SRIOVNIC_SYNTH_GSO_TCPV4, 54, 10, 0, 0),      // GSO without TSO
        test::net_hdr(0, 0, 0, 0, 34, 0),                             // field without its flag
        test::net_hdr(0, 7),                                          // unknown GSO type
    };
    unsigned n = 0;
    for (const Bytes &nh : bad) {
        send(nh, frame);
        const std::vector<UsedElem> u = new_used(TX);
        ASSERT_EQ(u.size(), 1u);
        EXPECT_EQ(u[0].flags, SRIOVNIC_SYNTH_U_ERR) << n;
        EXPECT_EQ(sstat(SRIOVNIC_SYNTH_STAT_TX_BAD_HDR), ++n);
    }
    // Too short for a header and an Ethernet frame.
    send(test::net_hdr(), Bytes(10, 0));
    EXPECT_EQ(sstat(SRIOVNIC_SYNTH_STAT_TX_BAD_HDR), ++n);
    EXPECT_TRUE(srd(SRIOVNIC_REG_ERR_CAUSE) & SRIOVNIC_SYNTH_ERR_BAD_NET_HDR);
    EXPECT_TRUE(platform.uplink.empty());
}

TEST_F(SynthNic, OversizedAndLinkDownTransmitsAreDropped)
{
    bring_up();
    send(test::net_hdr(), test::ethernet(kRemote, kSynthMac, 0x0800, 1500 + 5));
    std::vector<UsedElem> u = new_used(TX);
    ASSERT_EQ(u.size(), 1u);
    EXPECT_EQ(u[0].flags, SRIOVNIC_SYNTH_U_ERR);
    EXPECT_EQ(cstat(SRIOVNIC_STAT_TX_DROP_SIZE), 1u);
    // TSO segments larger than MTU + 18.
    send(test::net_hdr(SRIOVNIC_SYNTH_NH_NEEDS_CSUM, SRIOVNIC_SYNTH_GSO_TCPV4, 54, 2000, 34, 16),
         test::ipv4_l4(kRemote, kSynthMac, 6, 4000, false));
    u = new_used(TX);
    ASSERT_EQ(u.size(), 1u);
    EXPECT_EQ(u[0].flags, SRIOVNIC_SYNTH_U_ERR);
    device->set_uplink_link(false);
    EXPECT_EQ(srd(SRIOVNIC_REG_STATUS) & SRIOVNIC_STATUS_LINK_UP, 0u);
    send(test::net_hdr(), test::ethernet(kRemote, kSynthMac, 0x0800, 100));
    u = new_used(TX);
    ASSERT_EQ(u.size(), 1u);
    EXPECT_EQ(u[0].flags, 0) << "not the driver's fault";
    EXPECT_EQ(cstat(SRIOVNIC_STAT_TX_DROP_LINK), 1u);
    EXPECT_TRUE(platform.uplink.empty());
}

TEST_F(SynthNic, ReceiveWritesHeaderAndFrame)
{
    bring_up();
    const Bytes good = test::ipv4_l4(kSynthMac, kRemote, 6, 300);
    Bytes bad = good;
    bad[60] ^= 0xFF;
    ASSERT_TRUE(device->uplink_receive(good));
    ASSERT_TRUE(device->uplink_receive(bad));
    auto r = received();
    ASSERT_EQ(r.size(), 2u);
    EXPECT_EQ(r[0].second, good);
    EXPECT_EQ(r[0].first, test::net_hdr(SRIOVNIC_SYNTH_NH_CSUM_VALID));
    EXPECT_EQ(r[1].first, test::net_hdr()) << "a bad checksum is not marked";
    EXPECT_EQ(sriovnic_synth_net_hdr_check(r[0].first.data(), good.size(), SRIOVNIC_SYNTH_F_ALL, 0), 0);
    EXPECT_EQ(cstat(SRIOVNIC_STAT_RX_PACKETS), 2u);
    EXPECT_EQ(cstat(SRIOVNIC_STAT_RX_BYTES), 2 * good.size());
    EXPECT_EQ(platform.msix.back(), std::make_pair(fn, uint16_t(1))) << "vector 1";
    // Not recommended any more: no CSUM_VALID although negotiated.
    EXPECT_FALSE(ch->set_offloads(SRIOVNIC_SYNTH_F_CSUM_TX));
    ASSERT_TRUE(device->uplink_receive(good));
    r = received();
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].first, test::net_hdr());
}

TEST_F(SynthNic, DataInterruptMasksItselfUntilUnmasked)
{
    bring_up();
    platform.msix.clear();
    const Bytes f = test::ethernet(kSynthMac, kRemote, 0x0800, 60);
    ASSERT_TRUE(device->uplink_receive(f));
    ASSERT_TRUE(device->uplink_receive(f));
    EXPECT_EQ(platform.msix.size(), 1u);
    EXPECT_EQ(srd(SRIOVNIC_SYNTH_REG_DATA_IRQ), SRIOVNIC_QIRQ_MASKED | SRIOVNIC_QIRQ_PENDING);
    swr(SRIOVNIC_SYNTH_REG_DATA_IRQ, SRIOVNIC_QIRQ_UNMASK);
    EXPECT_EQ(platform.msix.size(), 2u) << "the pending one fires at unmask";
}

TEST_F(SynthNic, ReceiveChainTooSmallShowsTheSizingMistake)
{
    bring_up(SRIOVNIC_SYNTH_F_ALL, 0);
    post_rx(1, 100);
    ASSERT_TRUE(device->uplink_receive(test::ethernet(kSynthMac, kRemote, 0x0800, 200)));
    const std::vector<UsedElem> u = new_used(RX);
    ASSERT_EQ(u.size(), 1u);
    EXPECT_EQ(u[0].flags, SRIOVNIC_SYNTH_U_ERR);
    EXPECT_EQ(cstat(SRIOVNIC_STAT_RX_DROP_SIZE), 1u);
    ASSERT_TRUE(device->uplink_receive(test::ethernet(kSynthMac, kRemote, 0x0800, 1600)));
    EXPECT_EQ(cstat(SRIOVNIC_STAT_RX_DROP_SIZE), 2u) << "above MTU + 18, no buffer touched";
    EXPECT_TRUE(new_used(RX).empty());
}

TEST_F(SynthNic, BackendFramesWaitForBuffers)
{
    bring_up(SRIOVNIC_SYNTH_F_ALL, 1);
    const Bytes f = test::ethernet(kSynthMac, kRemote, 0x0800, 60);
    EXPECT_TRUE(device->uplink_receive(f));
    EXPECT_FALSE(device->uplink_receive(f)) << "the backend keeps it";
    EXPECT_EQ(platform.ready_calls, 0u);
    post_rx(1);
    EXPECT_EQ(platform.ready_calls, 1u);
    EXPECT_TRUE(device->uplink_receive(f));
    EXPECT_EQ(received().size(), 2u);
    EXPECT_EQ(cstat(SRIOVNIC_STAT_RX_DROP_NOBUF), 0u);
}

TEST_F(SynthNic, ReceiveFilterRegistersFilterTheSyntheticPath)
{
    bring_up();
    const test::Mac group = {0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb};
    const Bytes mdns = test::ethernet(group, kRemote, 0x0800, 50);
    ASSERT_TRUE(device->uplink_receive(mdns));
    EXPECT_TRUE(received().empty()) << "not joined";
    const unsigned bucket = mc_hash_bucket(group);
    swr(bucket < 32 ? SRIOVNIC_REG_MC_HASH_LO : SRIOVNIC_REG_MC_HASH_HI, 1u << (bucket % 32));
    ASSERT_TRUE(device->uplink_receive(mdns));
    EXPECT_EQ(received().size(), 1u);
    const Bytes stranger = test::ethernet({0x52, 0x55, 0, 0, 0, 9}, kRemote, 0x0800, 50);
    ASSERT_TRUE(device->uplink_receive(stranger));
    EXPECT_TRUE(received().empty());
    swr(SRIOVNIC_REG_RX_MODE, SRIOVNIC_RX_MODE_PROMISC);
    ASSERT_TRUE(device->uplink_receive(stranger));
    EXPECT_EQ(received().size(), 1u);
}

// ---- steering ----

class Pair : public SynthNic {
protected:
    void SetUp() override
    {
        bring_up();
        Nic::bring_up(VF0, kSynthMac);
        Nic::bring_up(VF1, kVf1Mac);
        (void)events();
    }
    void to_vf() { ASSERT_EQ(switch_to(SRIOVNIC_SYNTH_PATH_VF, 0, offered_serial()), 0u); }
    unsigned vf0_rx() { return qrd(VF0, 0, SRIOVNIC_Q_RX_HEAD); }
    size_t synth_rx() { return received().size(); }
};

TEST_F(Pair, UnicastGoesToTheChannelUntilTheGuestSwitches)
{
    const Bytes f = test::ethernet(kSynthMac, kRemote, 0x0800, 80);
    ASSERT_TRUE(device->uplink_receive(f));
    EXPECT_EQ(synth_rx(), 1u);
    EXPECT_EQ(vf0_rx(), 0u);
    EXPECT_EQ(srd(SRIOVNIC_SYNTH_REG_DATAPATH),
              SRIOVNIC_SYNTH_DP_OFFERED | SRIOVNIC_SYNTH_DP_VF_UP | (0u << SRIOVNIC_SYNTH_DP_VF_SHIFT));
    to_vf();
    EXPECT_EQ(srd(SRIOVNIC_SYNTH_REG_DATAPATH),
              SRIOVNIC_SYNTH_DP_VF | SRIOVNIC_SYNTH_DP_VF_UP | SRIOVNIC_SYNTH_DP_RX_VIA_VF);
    ASSERT_TRUE(device->uplink_receive(f));
    EXPECT_EQ(synth_rx(), 0u);
    EXPECT_EQ(vf0_rx(), 1u);
    EXPECT_EQ(rx_frame(VF0, 0, 0), f);
    // From another function of the card, too.
    queue_tx(VF1, 0, test::ethernet(kSynthMac, kVf1Mac, 0x0800, 70));
    EXPECT_EQ(vf0_rx(), 2u);
    EXPECT_EQ(synth_rx(), 0u);
    ASSERT_EQ(switch_to(SRIOVNIC_SYNTH_PATH_SYNTHETIC, 0, 0), 0u);
    ASSERT_TRUE(device->uplink_receive(f));
    EXPECT_EQ(synth_rx(), 1u);
    EXPECT_EQ(vf0_rx(), 2u);
}

TEST_F(Pair, VfThatCannotReceiveFallsBackToTheChannel)
{
    to_vf();
    wr(VF0, SRIOVNIC_REG_CTRL, 0); // its driver stops it
    EXPECT_EQ(srd(SRIOVNIC_SYNTH_REG_DATAPATH), SRIOVNIC_SYNTH_DP_VF) << "state stays, RX does not";
    ASSERT_TRUE(device->uplink_receive(test::ethernet(kSynthMac, kRemote, 0x0800, 80)));
    EXPECT_EQ(synth_rx(), 1u);
    wr(VF0, SRIOVNIC_REG_CTRL, SRIOVNIC_CTRL_ENABLE);
    ASSERT_TRUE(device->uplink_receive(test::ethernet(kSynthMac, kRemote, 0x0800, 80)));
    EXPECT_EQ(synth_rx(), 0u);
    EXPECT_EQ(vf0_rx(), 1u);
}

TEST_F(Pair, AChannelWithoutADriverLeavesThePairsTrafficToTheVf)
{
    swr(SRIOVNIC_REG_CTRL, 0); // no synth driver: the VF works alone
    EXPECT_EQ(srd(SRIOVNIC_SYNTH_REG_DATAPATH) & SRIOVNIC_SYNTH_DP_RX_VIA_VF,
              SRIOVNIC_SYNTH_DP_RX_VIA_VF);
    const Bytes f = test::ethernet(kSynthMac, kRemote, 0x0800, 80);
    ASSERT_TRUE(device->uplink_receive(f));
    EXPECT_EQ(vf0_rx(), 1u);
    EXPECT_EQ(rx_frame(VF0, 0, 0), f);
    EXPECT_TRUE(received().empty());
    EXPECT_TRUE(ch->info().rx_via_vf);
    EXPECT_EQ(ch->info().state, SRIOVNIC_SYNTH_DP_OFFERED) << "the guest never switched";

    bring_up(); // the driver comes, and then stops only its receive ring
    sqwr(SRIOVNIC_SYNTH_Q_RX, SRIOVNIC_SYNTH_QR_ENABLE, 0);
    ASSERT_TRUE(device->uplink_receive(f));
    EXPECT_EQ(vf0_rx(), 2u);
    setup_queue(SRIOVNIC_SYNTH_Q_RX); // receiving again: back to the rule
    EXPECT_FALSE(device->uplink_receive(f)) << "held for the channel's first buffers";
    EXPECT_EQ(vf0_rx(), 2u);
    EXPECT_FALSE(ch->info().rx_via_vf);
}

TEST_F(Pair, ThePairIsAnnouncedOnce)
{
    platform.uplink.clear();
    EXPECT_EQ(device->announce(), 2u) << "the pair's MAC and VF 1's, not the PF's";
    to_vf();
    platform.uplink.clear();
    EXPECT_EQ(device->announce(), 2u);
    test::Mac a, b;
    std::copy_n(platform.uplink[0].begin() + 6, 6, a.begin());
    std::copy_n(platform.uplink[1].begin() + 6, 6, b.begin());
    EXPECT_TRUE((a == kSynthMac && b == kVf1Mac) || (a == kVf1Mac && b == kSynthMac));
}

TEST_F(Pair, BroadcastReachesThePairOnceOnTheActiveMember)
{
    const Bytes arp = test::ethernet(kBroadcast, kRemote, 0x0806, 28);
    ASSERT_TRUE(device->uplink_receive(arp));
    EXPECT_EQ(synth_rx(), 1u);
    EXPECT_EQ(vf0_rx(), 0u);
    EXPECT_EQ(qrd(VF1, 0, SRIOVNIC_Q_RX_HEAD), 1u);
    to_vf();
    ASSERT_TRUE(device->uplink_receive(arp));
    EXPECT_EQ(synth_rx(), 0u);
    EXPECT_EQ(vf0_rx(), 1u);
}

TEST_F(Pair, FramesFromEitherMemberNeverComeBackToThePair)
{
    const Bytes from_vf = test::ethernet(kBroadcast, kSynthMac, 0x0806, 28);
    queue_tx(VF0, 0, from_vf);
    EXPECT_EQ(synth_rx(), 0u) << "not echoed to the channel";
    EXPECT_EQ(qrd(VF1, 0, SRIOVNIC_Q_RX_HEAD), 1u);
    EXPECT_EQ(platform.uplink.size(), 1u);
    to_vf();
    send(test::net_hdr(), from_vf);
    EXPECT_EQ(vf0_rx(), 0u) << "not echoed to the VF";
    EXPECT_EQ(qrd(VF1, 0, SRIOVNIC_Q_RX_HEAD), 2u) << "transmit from the channel accepted on the VF path";
    EXPECT_EQ(platform.uplink.size(), 2u);
    // Unicast to the pair's own MAC from a member: not delivered to the pair.
    send(test::net_hdr(), test::ethernet(kSynthMac, kSynthMac, 0x0800, 60));
    EXPECT_EQ(vf0_rx(), 0u);
    EXPECT_EQ(synth_rx(), 0u);
}

TEST_F(Pair, TheChannelsMacIsAuthoritativeForItsVf)
{
    // The guest's PF driver tries another MAC on the paired VF: refused.
    wr(PF, SRIOVNIC_REG_ADMIN(0, SRIOVNIC_VFA_MAC_LO), test::mac_lo(kVf1Mac));
    wr(PF, SRIOVNIC_REG_ADMIN(0, SRIOVNIC_VFA_MAC_HI), test::mac_hi(kVf1Mac));
    EXPECT_EQ(rd(PF, SRIOVNIC_REG_ERR_CAUSE), SRIOVNIC_ERR_DENIED);
    EXPECT_EQ(rd(VF0, SRIOVNIC_REG_MAC_LO), test::mac_lo(kSynthMac));
    // Even a trusted VF may not change it.
    wr(PF, SRIOVNIC_REG_ADMIN(0, SRIOVNIC_VFA_FLAGS), SRIOVNIC_VFA_FLAGS_DEFAULT | SRIOVNIC_VFA_FLAG_TRUST);
    set_mac(VF0, kVf1Mac);
    EXPECT_TRUE(rd(VF0, SRIOVNIC_REG_ERR_CAUSE) & SRIOVNIC_ERR_DENIED);
    EXPECT_EQ(rd(VF0, SRIOVNIC_REG_MAC_LO), test::mac_lo(kSynthMac));
    // The same MAC again is fine; a PF reset does not lose it.
    wr(PF, SRIOVNIC_REG_ADMIN(0, SRIOVNIC_VFA_MAC_LO), test::mac_lo(kSynthMac));
    wr(PF, SRIOVNIC_REG_ADMIN(0, SRIOVNIC_VFA_MAC_HI), test::mac_hi(kSynthMac));
    device->reset_function(PF);
    EXPECT_EQ(rd(VF0, SRIOVNIC_REG_MAC_LO), test::mac_lo(kSynthMac));
    EXPECT_EQ(rd(PF, SRIOVNIC_REG_ADMIN(0, SRIOVNIC_VFA_MAC_HI)), test::mac_hi(kSynthMac));
}

} // namespace
} // namespace sriovnic
