// SPDX-License-Identifier: GPL-2.0-or-later
// The data path through the register interface, as a driver drives it:
// rings in (fake) guest memory, doorbells, write-backs, interrupts.
#include "nic_fixture.hpp"
#include "offload.hpp"

#include <gtest/gtest.h>

namespace sriovnic {
namespace {

using test::Bytes;
using test::Mac;
using test::Nic;
using test::PF;
using test::VF0;
using test::VF1;
using test::kBroadcast;
using test::kPfMac;
using test::kRemote;
using test::kVf0Mac;
using test::kVf1Mac;

TEST_F(Nic, PfTransmitsToTheUplink)
{
    bring_up(PF, kPfMac);
    wr(PF, SRIOVNIC_REG_INT_ENABLE_SET, SRIOVNIC_INT_ALL);
    const Bytes frame = test::ethernet(kRemote, kPfMac, 0x0800, 100);
    const uint32_t idx = queue_tx(PF, 0, frame);
    ASSERT_EQ(platform.uplink.size(), 1u);
    EXPECT_EQ(platform.uplink[0], frame);
    EXPECT_EQ(tx_desc(PF, 0, idx).flags, SRIOVNIC_TXD_DONE) << "flags are overwritten";
    EXPECT_EQ(qrd(PF, 0, SRIOVNIC_Q_TX_HEAD), 1u);
    EXPECT_EQ(stat(PF, SRIOVNIC_STAT_TX_PACKETS), 1u);
    EXPECT_EQ(stat(PF, SRIOVNIC_STAT_TX_BYTES), frame.size());
    ASSERT_EQ(platform.msix.size(), 1u);
    EXPECT_EQ(platform.msix[0], std::make_pair(PF, uint16_t(1))) << "queue 0 uses vector 1";
    EXPECT_EQ(rd(PF, SRIOVNIC_REG_ERR_COUNT), 0u);
}

TEST_F(Nic, UplinkFramesLandInThePfsReceiveRing)
{
    bring_up(PF, kPfMac);
    const Bytes frame = test::ipv4_l4(kPfMac, kRemote, 6, 200);
    ASSERT_TRUE(device->uplink_receive(frame));
    const test::RxDescFields d = rx_desc(PF, 0, 0);
    EXPECT_EQ(d.len, frame.size());
    EXPECT_EQ(d.flags, SRIOVNIC_RXD_DONE | SRIOVNIC_RXD_EOP | SRIOVNIC_RXD_L4_CSUM_OK);
    EXPECT_EQ(rx_frame(PF, 0, 0), frame);
    EXPECT_EQ(qrd(PF, 0, SRIOVNIC_Q_RX_HEAD), 1u);
    EXPECT_EQ(stat(PF, SRIOVNIC_STAT_RX_PACKETS), 1u);
    EXPECT_EQ(platform.msix.back(), std::make_pair(PF, uint16_t(1)));
}

TEST_F(Nic, UplinkHoldsFramesUntilBuffersArePosted)
{
    bring_up(PF, kPfMac, 1, 16, 2048, 1);
    const Bytes frame = test::ethernet(kPfMac, kRemote, 0x0800, 60);
    EXPECT_TRUE(device->uplink_receive(frame));
    EXPECT_FALSE(device->uplink_receive(frame)) << "no buffer: the backend keeps it";
    EXPECT_EQ(stat(PF, SRIOVNIC_STAT_RX_DROP_NOBUF), 0u);
    EXPECT_EQ(platform.ready_calls, 0u);
    post_rx(PF, 0, 1);
    EXPECT_EQ(platform.ready_calls, 1u);
    EXPECT_TRUE(device->uplink_receive(frame));
}

TEST_F(Nic, VfToVfTrafficStaysInsideTheCard)
{
    bring_up(VF0, kVf0Mac);
    bring_up(VF1, kVf1Mac);
    bring_up(PF, kPfMac);
    const Bytes to_vf1 = test::ethernet(kVf1Mac, kVf0Mac, 0x0800, 300);
    queue_tx(VF0, 0, to_vf1);
    EXPECT_TRUE(platform.uplink.empty());
    EXPECT_EQ(rx_frame(VF1, 0, 0), to_vf1);
    EXPECT_EQ(rx_desc(PF, 0, 0).flags, 0) << "the PF saw nothing";
    const Bytes to_pf = test::ethernet(kPfMac, kVf1Mac, 0x0800, 64);
    queue_tx(VF1, 0, to_pf);
    EXPECT_EQ(rx_frame(PF, 0, 0), to_pf);
    EXPECT_TRUE(platform.uplink.empty());
    EXPECT_EQ(stat(VF1, SRIOVNIC_STAT_RX_PACKETS), 1u);
    EXPECT_EQ(stat(VF1, SRIOVNIC_STAT_TX_PACKETS), 1u);
}

TEST_F(Nic, DmaIsIssuedAsTheOwningFunction)
{
    bring_up(VF1, kVf1Mac);
    platform.dma_fns.clear();
    queue_tx(VF1, 0, test::ethernet(kRemote, kVf1Mac, 0x0800, 60));
    ASSERT_FALSE(platform.dma_fns.empty());
    for (uint16_t fn : platform.dma_fns) {
        EXPECT_EQ(fn, VF1);
    }
}

TEST_F(Nic, BroadcastReachesEveryReceivingFunctionAndTheUplink)
{
    bring_up(PF, kPfMac);
    bring_up(VF0, kVf0Mac);
    bring_up(VF1, kVf1Mac);
    const Bytes arp = test::ethernet(kBroadcast, kVf0Mac, 0x0806, 28);
    queue_tx(VF0, 0, arp);
    EXPECT_EQ(rx_frame(PF, 0, 0), arp);
    EXPECT_EQ(rx_frame(VF1, 0, 0), arp);
    EXPECT_EQ(rx_desc(VF0, 0, 0).flags, 0) << "no echo to the sender";
    ASSERT_EQ(platform.uplink.size(), 1u);
    ASSERT_TRUE(device->uplink_receive(arp));
    EXPECT_EQ(rx_frame(VF0, 0, 0), arp);
    EXPECT_EQ(qrd(PF, 0, SRIOVNIC_Q_RX_HEAD), 2u);
}

TEST_F(Nic, MulticastFollowsHashFilterAllmultiAndPromisc)
{
    bring_up(PF, kPfMac);
    bring_up(VF0, kVf0Mac);
    bring_up(VF1, kVf1Mac);
    const Mac group = {0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb};
    const Bytes mdns = test::ethernet(group, kRemote, 0x0800, 50);
    const unsigned bucket = mc_hash_bucket(group);
    wr(PF, SRIOVNIC_REG_PF_VF_SELECT, 0);
    wr(PF, bucket < 32 ? SRIOVNIC_REG_PF_VF_MC_HASH_LO : SRIOVNIC_REG_PF_VF_MC_HASH_HI,
       1u << (bucket % 32));
    wr(VF1, SRIOVNIC_REG_RX_MODE, SRIOVNIC_RX_MODE_ALLMULTI);
    ASSERT_TRUE(device->uplink_receive(mdns));
    EXPECT_EQ(rx_desc(VF1, 0, 0).flags, 0) << "allmulti needs trust";
    wr(PF, SRIOVNIC_REG_ADMIN(1, SRIOVNIC_VFA_FLAGS), SRIOVNIC_VFA_FLAG_TRUST);
    ASSERT_TRUE(device->uplink_receive(mdns));
    EXPECT_EQ(rx_frame(VF0, 0, 1), mdns);
    EXPECT_EQ(rx_frame(VF1, 0, 0), mdns);
    EXPECT_EQ(rx_desc(PF, 0, 0).flags, 0) << "PF has not joined the group";

    const Bytes stranger = test::ethernet(kRemote, {0x52, 0x55, 0, 0, 0, 9}, 0x0800, 50);
    ASSERT_TRUE(device->uplink_receive(stranger));
    EXPECT_EQ(rx_desc(PF, 0, 0).flags, 0) << "unknown unicast is not for a non-promiscuous PF";
    wr(PF, SRIOVNIC_REG_RX_MODE, SRIOVNIC_RX_MODE_PROMISC);
    ASSERT_TRUE(device->uplink_receive(stranger));
    EXPECT_EQ(rx_frame(PF, 0, 0), stranger);
}

TEST(MulticastHash, MatchesLinuxEtherCrcLe)
{
    // ether_crc_le(6, addr) >> 26, from zlib's CRC-32 without its final inversion.
    EXPECT_EQ(mc_hash_bucket({0x01, 0x00, 0x5e, 0x00, 0x00, 0x01}), 54u);
    EXPECT_EQ(mc_hash_bucket({0x33, 0x33, 0x00, 0x00, 0x00, 0x01}), 23u);
    EXPECT_EQ(mc_hash_bucket({0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb}), 33u);
}

TEST_F(Nic, InactiveVfsReceiveNothing)
{
    bring_up(VF1, kVf1Mac);
    device->set_active_vfs(1); // only VF0 enabled
    ASSERT_TRUE(device->uplink_receive(test::ethernet(kBroadcast, kRemote, 0x0806, 28)));
    EXPECT_EQ(rx_desc(VF1, 0, 0).flags, 0);
}

TEST_F(Nic, FrameSpreadOverDescriptorsIsGathered)
{
    bring_up(VF0, kVf0Mac);
    bring_up(VF1, kVf1Mac);
    const Bytes frame = test::ethernet(kVf1Mac, kVf0Mac, 0x0800, 1000);
    const uint32_t first = queue_tx(VF0, 0, frame, 0, 3);
    EXPECT_EQ(rx_frame(VF1, 0, 0), frame);
    for (uint32_t i = 0; i < 3; i++) {
        EXPECT_TRUE(tx_desc(VF0, 0, first + i).flags & SRIOVNIC_TXD_DONE);
    }
    EXPECT_EQ(qrd(VF0, 0, SRIOVNIC_Q_TX_HEAD), 3u);
}

TEST_F(Nic, IncompleteChainWaitsForItsEnd)
{
    bring_up(VF0, kVf0Mac);
    const Bytes frame = test::ethernet(kRemote, kVf0Mac, 0x0800, 400);
    queue_tx(VF0, 0, frame, 0, 2, 0, 0, 0, false);
    patch_tx_desc(VF0, 0, 1, [](auto &d) { d.flags = 0; }); // second piece not marked EOP yet
    qwr(VF0, 0, SRIOVNIC_Q_TX_TAIL, 2);
    EXPECT_TRUE(platform.uplink.empty());
    EXPECT_EQ(qrd(VF0, 0, SRIOVNIC_Q_TX_HEAD), 0u);
    patch_tx_desc(VF0, 0, 1, [](auto &d) { d.flags = SRIOVNIC_TXD_EOP; });
    qwr(VF0, 0, SRIOVNIC_Q_TX_TAIL, 2);
    ASSERT_EQ(platform.uplink.size(), 1u);
    EXPECT_EQ(platform.uplink[0], frame);
}

TEST_F(Nic, EndlessChainIsDroppedAndTheQueueGoesOn)
{
    bring_up(VF0, kVf0Mac, 1, 64);
    const Bytes frame = test::ethernet(kRemote, kVf0Mac, 0x0800, 100);
    queue_tx(VF0, 0, frame, 0, 40, 0, 0, 0, false);
    for (uint32_t i = 0; i < 40; i++) {
        patch_tx_desc(VF0, 0, i, [](auto &d) { d.flags = 0; }); // no EOP anywhere
    }
    patch_tx_desc(VF0, 0, 39, [](auto &d) { d.flags = SRIOVNIC_TXD_EOP; });
    qwr(VF0, 0, SRIOVNIC_Q_TX_TAIL, 40);
    EXPECT_EQ(tx_desc(VF0, 0, 0).flags, SRIOVNIC_TXD_DONE | SRIOVNIC_TXD_ERR);
    EXPECT_EQ(tx_desc(VF0, 0, 31).flags, SRIOVNIC_TXD_DONE | SRIOVNIC_TXD_ERR);
    EXPECT_EQ(stat(VF0, SRIOVNIC_STAT_DESC_ERRORS), 1u);
    EXPECT_TRUE(rd(VF0, SRIOVNIC_REG_ERR_CAUSE) & SRIOVNIC_ERR_BAD_DESC);
    queue_tx(VF0, 0, frame);
    EXPECT_FALSE(platform.uplink.empty()) << "a good frame after the bad chain still goes out";
    EXPECT_EQ(platform.uplink.back(), frame);
}

TEST_F(Nic, BufferOutsideGuestMemoryIsCountedAndSkipped)
{
    bring_up(VF0, kVf0Mac);
    const Bytes frame = test::ethernet(kRemote, kVf0Mac, 0x0800, 100);
    const uint32_t idx = queue_tx(VF0, 0, frame, 0, 1, 0, 0, 0, false);
    patch_tx_desc(VF0, 0, idx, [](auto &d) { d.addr = 0xFFFF'FFFF'0000ull; });
    qwr(VF0, 0, SRIOVNIC_Q_TX_TAIL, idx + 1);
    EXPECT_EQ(tx_desc(VF0, 0, idx).flags & (SRIOVNIC_TXD_DONE | SRIOVNIC_TXD_ERR),
              SRIOVNIC_TXD_DONE | SRIOVNIC_TXD_ERR);
    EXPECT_EQ(stat(VF0, SRIOVNIC_STAT_DMA_ERRORS), 1u);
    EXPECT_TRUE(rd(VF0, SRIOVNIC_REG_ERR_CAUSE) & SRIOVNIC_ERR_DMA);
    queue_tx(VF0, 0, frame);
    ASSERT_EQ(platform.uplink.size(), 1u);
}

TEST_F(Nic, RingOutsideGuestMemoryStopsOnlyThatQueue)
{
    bring_up(PF, kPfMac);
    set_mac(VF0, kVf0Mac);
    qwr(VF0, 0, SRIOVNIC_Q_TX_BASE_LO, 0);
    qwr(VF0, 0, SRIOVNIC_Q_TX_BASE_HI, 0x100);
    qwr(VF0, 0, SRIOVNIC_Q_TX_LEN, 16);
    qwr(VF0, 0, SRIOVNIC_Q_TX_CTRL, SRIOVNIC_QCTRL_ENABLE);
    wr(VF0, SRIOVNIC_REG_CTRL, SRIOVNIC_CTRL_ENABLE);
    qwr(VF0, 0, SRIOVNIC_Q_TX_TAIL, 5);
    EXPECT_EQ(qrd(VF0, 0, SRIOVNIC_Q_TX_CTRL), 0u) << "queue disabled";
    EXPECT_TRUE(rd(VF0, SRIOVNIC_REG_ERR_CAUSE) & SRIOVNIC_ERR_DMA);
    queue_tx(PF, 0, test::ethernet(kRemote, kPfMac, 0x0800, 60));
    EXPECT_EQ(platform.uplink.size(), 1u) << "the PF is unaffected";
}

TEST_F(Nic, ZeroLengthDescriptorIsMalformed)
{
    bring_up(VF0, kVf0Mac);
    const uint32_t idx =
        queue_tx(VF0, 0, test::ethernet(kRemote, kVf0Mac, 0x0800, 60), 0, 1, 0, 0, 0, false);
    patch_tx_desc(VF0, 0, idx, [](auto &d) { d.len = 0; });
    qwr(VF0, 0, SRIOVNIC_Q_TX_TAIL, idx + 1);
    EXPECT_TRUE(tx_desc(VF0, 0, idx).flags & SRIOVNIC_TXD_ERR);
    EXPECT_EQ(stat(VF0, SRIOVNIC_STAT_DESC_ERRORS), 1u);
    EXPECT_TRUE(platform.uplink.empty());
}

TEST_F(Nic, MtuLimitsFramesBothWays)
{
    bring_up(VF0, kVf0Mac, 1, 16, 9216);
    bring_up(VF1, kVf1Mac, 1, 16, 9216);
    const Bytes jumbo = test::ethernet(kVf1Mac, kVf0Mac, 0x0800, 9000);
    queue_tx(VF0, 0, jumbo);
    EXPECT_EQ(stat(VF0, SRIOVNIC_STAT_TX_DROP_SIZE), 1u) << "MTU 1500 by default";
    wr(VF0, SRIOVNIC_REG_MTU, 9000);
    queue_tx(VF0, 0, jumbo);
    EXPECT_EQ(stat(VF1, SRIOVNIC_STAT_RX_DROP_SIZE), 1u) << "receiver still at 1500";
    wr(VF1, SRIOVNIC_REG_MTU, 9000);
    queue_tx(VF0, 0, jumbo);
    EXPECT_EQ(rx_frame(VF1, 0, 0), jumbo);
    wr(VF1, SRIOVNIC_REG_MTU, 9001);
    EXPECT_TRUE(rd(VF1, SRIOVNIC_REG_ERR_CAUSE) & SRIOVNIC_ERR_BAD_VALUE);
    EXPECT_EQ(rd(VF1, SRIOVNIC_REG_MTU), 9000u);
}

TEST_F(Nic, FrameLargerThanTheBufferIsDropped)
{
    bring_up(PF, kPfMac, 1, 16, 256);
    ASSERT_TRUE(device->uplink_receive(test::ethernet(kPfMac, kRemote, 0x0800, 400)));
    EXPECT_EQ(stat(PF, SRIOVNIC_STAT_RX_DROP_SIZE), 1u);
    EXPECT_EQ(qrd(PF, 0, SRIOVNIC_Q_RX_HEAD), 0u) << "buffer not consumed";
}

TEST_F(Nic, ChecksumOffloadFillsTheL4Checksum)
{
    bring_up(VF0, kVf0Mac);
    for (uint8_t proto : {uint8_t(6), uint8_t(17)}) {
        const Bytes good = test::ipv4_l4(kRemote, kVf0Mac, proto, 333);
        Bytes partial = good;
        const size_t field = 34 + (proto == 6 ? 16 : 6);
        const size_t l4_len = good.size() - 34;
        const uint32_t pseudo = test::pseudo_sum(good, false, proto, l4_len);
        test::put16(partial, field, uint16_t(~test::rfc1071(partial, 0, 0, pseudo)));
        queue_tx(VF0, 0, partial, SRIOVNIC_TXD_CSUM, 2, 34, proto == 6 ? 16 : 6);
        ASSERT_FALSE(platform.uplink.empty());
        EXPECT_EQ(test::get16(platform.uplink.back(), field), test::get16(good, field))
            << "proto " << int(proto);
    }
}

TEST_F(Nic, ChecksumOffloadNeverWritesZeroForUdp)
{
    bring_up(VF0, kVf0Mac);
    Bytes frame = test::ipv4_l4(kRemote, kVf0Mac, 17, 64);
    const size_t field = 34 + 6, payload = 34 + 8;
    const uint32_t pseudo = test::pseudo_sum(frame, false, 17, frame.size() - 34);
    test::put16(frame, field, 0);
    test::put16(frame, payload, 0);
    // Tune the first payload word so that the checksum computes to 0.
    const uint16_t sum = uint16_t(~test::rfc1071(frame, 34, frame.size(), pseudo));
    test::put16(frame, payload, uint16_t(0xFFFF - sum));
    ASSERT_EQ(test::rfc1071(frame, 34, frame.size(), pseudo), 0u);
    test::put16(frame, field, uint16_t(~test::rfc1071(frame, 0, 0, pseudo)));
    queue_tx(VF0, 0, frame, SRIOVNIC_TXD_CSUM, 1, 34, 6);
    ASSERT_FALSE(platform.uplink.empty());
    EXPECT_EQ(test::get16(platform.uplink.back(), field), 0xFFFFu)
        << "0 would mean no checksum to UDP";
}

TEST_F(Nic, ChecksumOffsetsBeyondTheFrameAreMalformed)
{
    bring_up(VF0, kVf0Mac);
    queue_tx(VF0, 0, test::ethernet(kRemote, kVf0Mac, 0x0800, 40), SRIOVNIC_TXD_CSUM, 1, 50, 6);
    EXPECT_EQ(stat(VF0, SRIOVNIC_STAT_DESC_ERRORS), 1u);
    EXPECT_TRUE(platform.uplink.empty());
}

void expect_valid_tcp_segment(const Bytes &seg, bool v6)
{
    const size_t ip = 14, l4 = v6 ? 54 : 34;
    if (!v6) {
        EXPECT_EQ(test::rfc1071(seg, ip, ip + 20), 0) << "IPv4 header checksum";
        EXPECT_EQ(test::get16(seg, ip + 2), seg.size() - ip);
    } else {
        EXPECT_EQ(test::get16(seg, ip + 4), seg.size() - l4);
    }
    EXPECT_EQ(test::rfc1071(seg, l4, seg.size(), test::pseudo_sum(seg, v6, 6, seg.size() - l4)), 0)
        << "TCP checksum";
}

TEST_F(Nic, TsoSegmentsIpv4)
{
    bring_up(VF0, kVf0Mac);
    const Bytes big = test::ipv4_l4(kRemote, kVf0Mac, 6, 3500, false);
    queue_tx(VF0, 0, big, SRIOVNIC_TXD_TSO, 3, 34, 16, 1448);
    ASSERT_EQ(platform.uplink.size(), 3u);
    const uint32_t seq0 = test::get32(big, 38);
    size_t payload = 0;
    for (size_t i = 0; i < 3; i++) {
        const Bytes &seg = platform.uplink[i];
        expect_valid_tcp_segment(seg, false);
        EXPECT_EQ(test::get32(seg, 38), seq0 + payload);
        EXPECT_EQ(test::get16(seg, 18), 0x1234 + i) << "IP ID increments";
        EXPECT_EQ(seg[47] & 0x08, i == 2 ? 0x08 : 0) << "PSH only on the last";
        EXPECT_TRUE(std::equal(seg.begin() + 54, seg.end(), big.begin() + 54 + long(payload)));
        payload += seg.size() - 54;
    }
    EXPECT_EQ(payload, 3500u);
    EXPECT_EQ(platform.uplink[0].size(), 54u + 1448u);
    EXPECT_EQ(stat(VF0, SRIOVNIC_STAT_TX_TSO_SEGS), 3u);
    EXPECT_EQ(stat(VF0, SRIOVNIC_STAT_TX_PACKETS), 3u);
}

TEST_F(Nic, TsoSegmentsIpv6AndKeepsFinOnTheLast)
{
    bring_up(VF0, kVf0Mac);
    const Bytes big = test::ipv6_tcp(kRemote, kVf0Mac, 2000);
    queue_tx(VF0, 0, big, SRIOVNIC_TXD_TSO, 1, 54, 16, 1000);
    ASSERT_EQ(platform.uplink.size(), 2u);
    for (size_t i = 0; i < 2; i++) {
        expect_valid_tcp_segment(platform.uplink[i], true);
        EXPECT_EQ(platform.uplink[i][67] & 0x01, i == 1 ? 1 : 0) << "FIN only on the last";
    }
    EXPECT_EQ(test::get32(platform.uplink[1], 58), 100u + 1000u);
}

TEST_F(Nic, TsoOfANonTcpFrameIsMalformed)
{
    bring_up(VF0, kVf0Mac);
    queue_tx(VF0, 0, test::ipv4_l4(kRemote, kVf0Mac, 17, 3000), SRIOVNIC_TXD_TSO, 1, 34, 6, 1000);
    EXPECT_EQ(stat(VF0, SRIOVNIC_STAT_DESC_ERRORS), 1u);
    EXPECT_TRUE(platform.uplink.empty());
}

TEST_F(Nic, ReceiveChecksumIsVerified)
{
    bring_up(PF, kPfMac);
    Bytes bad = test::ipv4_l4(kPfMac, kRemote, 17, 100);
    bad[60] ^= 0xff;
    ASSERT_TRUE(device->uplink_receive(bad));
    EXPECT_EQ(rx_desc(PF, 0, 0).flags, SRIOVNIC_RXD_DONE | SRIOVNIC_RXD_EOP | SRIOVNIC_RXD_L4_CSUM_BAD);
    ASSERT_TRUE(device->uplink_receive(test::ethernet(kPfMac, kRemote, 0x0806, 28)));
    EXPECT_EQ(rx_desc(PF, 0, 1).flags, SRIOVNIC_RXD_DONE | SRIOVNIC_RXD_EOP) << "ARP: no verdict";
}

TEST_F(Nic, ReceiveSpreadsFlowsOverQueues)
{
    bring_up(PF, kPfMac, 2);
    for (uint16_t port = 0; port < 16; port++) {
        Bytes f = test::ipv4_l4(kPfMac, kRemote, 17, 20);
        test::put16(f, 34, uint16_t(1000 + port));
        ASSERT_TRUE(device->uplink_receive(f));
    }
    EXPECT_GT(qrd(PF, 0, SRIOVNIC_Q_RX_HEAD), 0u);
    EXPECT_GT(qrd(PF, 1, SRIOVNIC_Q_RX_HEAD), 0u);
    EXPECT_EQ(qrd(PF, 0, SRIOVNIC_Q_RX_HEAD) + qrd(PF, 1, SRIOVNIC_Q_RX_HEAD), 16u);
}

TEST_F(Nic, QueueWithBadGeometryRefusesToStart)
{
    qwr(PF, 0, SRIOVNIC_Q_TX_LEN, 100); // not a power of two
    qwr(PF, 0, SRIOVNIC_Q_TX_CTRL, SRIOVNIC_QCTRL_ENABLE);
    EXPECT_EQ(qrd(PF, 0, SRIOVNIC_Q_TX_CTRL), 0u);
    EXPECT_TRUE(rd(PF, SRIOVNIC_REG_ERR_CAUSE) & SRIOVNIC_ERR_BAD_QUEUE);
    qwr(PF, 0, SRIOVNIC_Q_RX_LEN, 16);
    qwr(PF, 0, SRIOVNIC_Q_RX_BUF_LEN, 100); // below the minimum
    qwr(PF, 0, SRIOVNIC_Q_RX_CTRL, SRIOVNIC_QCTRL_ENABLE);
    EXPECT_EQ(qrd(PF, 0, SRIOVNIC_Q_RX_CTRL), 0u);
}

TEST_F(Nic, RunningRingGeometryAndDoorbellsAreGuarded)
{
    bring_up(PF, kPfMac);
    wr(PF, SRIOVNIC_REG_ERR_CAUSE, SRIOVNIC_ERR_ALL);
    qwr(PF, 0, SRIOVNIC_Q_TX_LEN, 32);
    EXPECT_EQ(qrd(PF, 0, SRIOVNIC_Q_TX_LEN), 16u);
    EXPECT_TRUE(rd(PF, SRIOVNIC_REG_ERR_CAUSE) & SRIOVNIC_ERR_BAD_VALUE);
    qwr(PF, 0, SRIOVNIC_Q_TX_TAIL, 16); // beyond the ring
    EXPECT_EQ(qrd(PF, 0, SRIOVNIC_Q_TX_TAIL), 0u);
    qwr(PF, 0, SRIOVNIC_Q_RX_HEAD, 3);
    EXPECT_TRUE(rd(PF, SRIOVNIC_REG_ERR_CAUSE) & SRIOVNIC_ERR_RO_WRITE);
}

TEST_F(Nic, QueueInterruptMasksItselfUntilUnmasked)
{
    bring_up(PF, kPfMac);
    const Bytes frame = test::ethernet(kPfMac, kRemote, 0x0800, 60);
    ASSERT_TRUE(device->uplink_receive(frame));
    ASSERT_EQ(platform.msix.size(), 1u);
    EXPECT_EQ(qrd(PF, 0, SRIOVNIC_Q_IRQ), SRIOVNIC_QIRQ_MASKED);
    ASSERT_TRUE(device->uplink_receive(frame));
    EXPECT_EQ(platform.msix.size(), 1u) << "masked: no second message";
    EXPECT_EQ(qrd(PF, 0, SRIOVNIC_Q_IRQ), SRIOVNIC_QIRQ_MASKED | SRIOVNIC_QIRQ_PENDING);
    qwr(PF, 0, SRIOVNIC_Q_IRQ, SRIOVNIC_QIRQ_UNMASK);
    EXPECT_EQ(platform.msix.size(), 2u) << "work arrived while masked";
    qwr(PF, 0, SRIOVNIC_Q_IRQ, SRIOVNIC_QIRQ_UNMASK);
    EXPECT_EQ(platform.msix.size(), 2u);
}

TEST_F(Nic, ModerationSpacesQueueInterruptsByTheInterval)
{
    bring_up(PF, kPfMac, 1, 16, 2048, 15);
    qwr(PF, 0, SRIOVNIC_Q_ITR, 100); // microseconds
    EXPECT_EQ(qrd(PF, 0, SRIOVNIC_Q_ITR), 100u);
    const Bytes frame = test::ethernet(kPfMac, kRemote, 0x0800, 60);
    ASSERT_TRUE(device->uplink_receive(frame));
    ASSERT_EQ(platform.msix.size(), 1u) << "the first interrupt is not held back";
    qwr(PF, 0, SRIOVNIC_Q_IRQ, SRIOVNIC_QIRQ_UNMASK);

    platform.now += 40'000;
    ASSERT_TRUE(device->uplink_receive(frame));
    ASSERT_TRUE(device->uplink_receive(frame));
    EXPECT_EQ(platform.msix.size(), 1u) << "within the interval: held";
    EXPECT_EQ(qrd(PF, 0, SRIOVNIC_Q_IRQ), SRIOVNIC_QIRQ_PENDING);
    ASSERT_TRUE(platform.timer_deadline);
    EXPECT_EQ(*platform.timer_deadline, 1'000'000'000u + 100'000u);

    platform.now = *platform.timer_deadline;
    device->on_timer();
    ASSERT_EQ(platform.msix.size(), 2u) << "one interrupt for both frames";
    EXPECT_EQ(platform.msix.back(), std::make_pair(PF, uint16_t(1)));
    EXPECT_EQ(qrd(PF, 0, SRIOVNIC_Q_IRQ), SRIOVNIC_QIRQ_MASKED);
    EXPECT_EQ(rx_desc(PF, 0, 2).flags & SRIOVNIC_RXD_DONE, SRIOVNIC_RXD_DONE);
}

TEST_F(Nic, ModerationWorksFromTimeZero)
{
    platform.now = 0; // a clock that starts at 0, as QEMU's virtual clock under qtest
    bring_up(PF, kPfMac);
    qwr(PF, 0, SRIOVNIC_Q_ITR, 100);
    const Bytes frame = test::ethernet(kPfMac, kRemote, 0x0800, 60);
    ASSERT_TRUE(device->uplink_receive(frame));
    qwr(PF, 0, SRIOVNIC_Q_IRQ, SRIOVNIC_QIRQ_UNMASK);
    platform.now = 10'000;
    ASSERT_TRUE(device->uplink_receive(frame));
    EXPECT_EQ(platform.msix.size(), 1u) << "the interrupt at time 0 counts";
}

TEST_F(Nic, ModerationHoldsAnInterruptPendingAtUnmask)
{
    bring_up(PF, kPfMac);
    qwr(PF, 0, SRIOVNIC_Q_ITR, 50);
    const Bytes frame = test::ethernet(kPfMac, kRemote, 0x0800, 60);
    ASSERT_TRUE(device->uplink_receive(frame));
    ASSERT_TRUE(device->uplink_receive(frame)); // masked: pending
    platform.now += 10'000;
    qwr(PF, 0, SRIOVNIC_Q_IRQ, SRIOVNIC_QIRQ_UNMASK);
    EXPECT_EQ(platform.msix.size(), 1u) << "unmasked 10 us after the last interrupt";
    platform.now += 40'000;
    device->on_timer();
    EXPECT_EQ(platform.msix.size(), 2u);
}

TEST_F(Nic, ModerationOffFiresAtOnceAndBadIntervalsAreRefused)
{
    bring_up(PF, kPfMac);
    const Bytes frame = test::ethernet(kPfMac, kRemote, 0x0800, 60);
    for (int i = 0; i < 3; i++) {
        ASSERT_TRUE(device->uplink_receive(frame));
        qwr(PF, 0, SRIOVNIC_Q_IRQ, SRIOVNIC_QIRQ_UNMASK);
    }
    EXPECT_EQ(platform.msix.size(), 3u);
    qwr(PF, 0, SRIOVNIC_Q_ITR, SRIOVNIC_ITR_MAX_US + 1);
    EXPECT_EQ(qrd(PF, 0, SRIOVNIC_Q_ITR), 0u);
    EXPECT_TRUE(rd(PF, SRIOVNIC_REG_ERR_CAUSE) & SRIOVNIC_ERR_BAD_VALUE);
    qwr(PF, 0, SRIOVNIC_Q_ITR, SRIOVNIC_ITR_MAX_US);
    device->reset_function(PF);
    EXPECT_EQ(qrd(PF, 0, SRIOVNIC_Q_ITR), 0u) << "reset clears the interval";
}

TEST_F(Nic, ModeratedInterruptHeldAtMigrationFiresAfterLoad)
{
    bring_up(VF0, kVf0Mac);
    qwr(VF0, 0, SRIOVNIC_Q_ITR, 1000);
    const Bytes frame = test::ethernet(kVf0Mac, kRemote, 0x0800, 60);
    ASSERT_TRUE(device->uplink_receive(frame));
    qwr(VF0, 0, SRIOVNIC_Q_IRQ, SRIOVNIC_QIRQ_UNMASK);
    ASSERT_TRUE(device->uplink_receive(frame));
    ASSERT_EQ(platform.msix.size(), 1u);

    test::FakePlatform dest_platform;
    dest_platform.now = platform.now + 5'000'000;
    Device dest(test::card_config(4, 2, 2, kPfMac), dest_platform);
    dest.set_active_vfs(4);
    *dest.fn_regs(VF0) = *device->fn_regs(VF0);
    ASSERT_FALSE(dest.post_load(VF0));
    dest.on_timer();
    ASSERT_EQ(dest_platform.msix.size(), 1u);
    EXPECT_EQ(dest_platform.msix[0], std::make_pair(VF0, uint16_t(1)));
    dest.fn_regs(VF0)->queues[0].itr = SRIOVNIC_ITR_MAX_US + 1;
    EXPECT_TRUE(dest.post_load(VF0)) << "an impossible interval is refused";
}

TEST_F(Nic, ShorterIntervalReleasesAHeldInterrupt)
{
    bring_up(PF, kPfMac);
    qwr(PF, 0, SRIOVNIC_Q_ITR, SRIOVNIC_ITR_MAX_US);
    const Bytes frame = test::ethernet(kPfMac, kRemote, 0x0800, 60);
    ASSERT_TRUE(device->uplink_receive(frame));
    qwr(PF, 0, SRIOVNIC_Q_IRQ, SRIOVNIC_QIRQ_UNMASK);
    ASSERT_TRUE(device->uplink_receive(frame));
    ASSERT_EQ(platform.msix.size(), 1u) << "held for 10 ms";
    qwr(PF, 0, SRIOVNIC_Q_ITR, 0);
    EXPECT_EQ(platform.msix.size(), 2u) << "moderation off: sent at once";
}

TEST_F(Nic, SnapshotLoadedAgainDoesNotHoldInterruptsUntilTheOldTime)
{
    bring_up(PF, kPfMac);
    qwr(PF, 0, SRIOVNIC_Q_ITR, 1000);
    const SriovnicFnRegs snapshot = *device->fn_regs(PF);
    platform.now += 3'600'000'000'000; // an hour later
    const Bytes frame = test::ethernet(kPfMac, kRemote, 0x0800, 60);
    ASSERT_TRUE(device->uplink_receive(frame));
    ASSERT_EQ(platform.msix.size(), 1u);

    platform.now -= 3'600'000'000'000; // loadvm: the guest clock goes back
    *device->fn_regs(PF) = snapshot;
    ASSERT_FALSE(device->post_load(PF));
    ASSERT_TRUE(device->uplink_receive(frame));
    EXPECT_EQ(platform.msix.size(), 2u);
}

TEST_F(Nic, LinkDownDropsTransmitAndTellsTheDriver)
{
    bring_up(PF, kPfMac);
    wr(PF, SRIOVNIC_REG_MISC_VECTOR, SRIOVNIC_VECTOR_VALID | 0);
    wr(PF, SRIOVNIC_REG_INT_ENABLE_SET, SRIOVNIC_INT_LINK);
    device->set_uplink_link(false);
    EXPECT_FALSE(rd(PF, SRIOVNIC_REG_STATUS) & SRIOVNIC_STATUS_LINK_UP);
    EXPECT_EQ(platform.msix.back(), std::make_pair(PF, uint16_t(0)));
    queue_tx(PF, 0, test::ethernet(kRemote, kPfMac, 0x0800, 60));
    EXPECT_TRUE(platform.uplink.empty());
    EXPECT_EQ(stat(PF, SRIOVNIC_STAT_TX_DROP_LINK), 1u);
    device->set_uplink_link(true);
    EXPECT_TRUE(rd(PF, SRIOVNIC_REG_STATUS) & SRIOVNIC_STATUS_LINK_UP);
}

TEST_F(Nic, MulticastMacIsRefused)
{
    set_mac(VF0, {0x01, 0, 0, 0, 0, 1});
    EXPECT_TRUE(rd(VF0, SRIOVNIC_REG_ERR_CAUSE) & SRIOVNIC_ERR_BAD_VALUE);
    EXPECT_EQ(rd(VF0, SRIOVNIC_REG_MAC_LO), 0u);
}

TEST_F(Nic, ResetClearsRingsButKeepsThePermanentMac)
{
    bring_up(PF, kPfMac);
    set_mac(PF, kRemote);
    device->reset_function(PF);
    EXPECT_EQ(qrd(PF, 0, SRIOVNIC_Q_RX_CTRL), 0u);
    EXPECT_EQ(rd(PF, SRIOVNIC_REG_MAC_LO), 0x00005452u);
    EXPECT_EQ(rd(PF, SRIOVNIC_REG_MTU), 1500u);
}

TEST_F(Nic, PostLoadRejectsImpossibleRings)
{
    bring_up(VF0, kVf0Mac);
    EXPECT_FALSE(device->post_load(VF0));
    device->fn_regs(VF0)->queues[0].rx_head = 99;
    auto problem = device->post_load(VF0);
    ASSERT_TRUE(problem);
    EXPECT_NE(problem->find("RX ring"), std::string::npos);
    device->fn_regs(VF0)->queues[0].rx_head = 0;
    device->fn_regs(VF0)->queues[3].tx_ctrl = SRIOVNIC_QCTRL_ENABLE; // VFs have 2 pairs
    EXPECT_TRUE(device->post_load(VF0));
}

} // namespace
} // namespace sriovnic
