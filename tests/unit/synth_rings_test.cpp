// SPDX-License-Identifier: GPL-2.0-or-later
// The synthetic function's registers, feature negotiation and split rings,
// including every bad-input row of docs/synthetic-channel.md.
#include "synth_fixture.hpp"

#include <gtest/gtest.h>

namespace sriovnic {
namespace {

using test::Bytes;
using test::Seg;
using test::SynthNic;
using test::UsedElem;
using test::VF0;
using test::put_le;

constexpr unsigned RX = SRIOVNIC_SYNTH_Q_RX, TX = SRIOVNIC_SYNTH_Q_TX, CTRL = SRIOVNIC_SYNTH_Q_CTRL;

TEST_F(SynthNic, IdentityAndResetValues)
{
    EXPECT_EQ(fn, 5) << "the channel's function number comes after the 4 VFs";
    EXPECT_EQ(srd(SRIOVNIC_REG_ID), SRIOVNIC_ID_MAGIC);
    EXPECT_EQ(srd(SRIOVNIC_REG_FUNC), SRIOVNIC_SYNTH_FUNC_VALUE);
    EXPECT_EQ(srd(SRIOVNIC_REG_CAPS), 1u << SRIOVNIC_CAPS_QPAIRS_SHIFT);
    EXPECT_EQ(srd(SRIOVNIC_REG_MAC_LO), test::mac_lo(test::kSynthMac));
    EXPECT_EQ(srd(SRIOVNIC_REG_MAC_HI), test::mac_hi(test::kSynthMac));
    EXPECT_EQ(srd(SRIOVNIC_REG_MTU), 1500u);
    EXPECT_EQ(srd(SRIOVNIC_SYNTH_REG_DATA_IRQ), SRIOVNIC_QIRQ_MASKED);
    EXPECT_EQ(srd(SRIOVNIC_SYNTH_REG_DEV_FEATURES), SRIOVNIC_SYNTH_F_ALL);
    EXPECT_EQ(srd(SRIOVNIC_SYNTH_REG_MAX_MTU), 9000u);
    EXPECT_EQ(srd(SRIOVNIC_SYNTH_REG_FEATURES_OK), 0u);
    EXPECT_EQ(srd(SRIOVNIC_REG_STATUS) & SRIOVNIC_STATUS_LINK_UP, SRIOVNIC_STATUS_LINK_UP);
    EXPECT_EQ(srd(SRIOVNIC_REG_ERR_COUNT), 0u);
}

TEST_F(SynthNic, MacIsTheHostsAndReadOnly)
{
    swr(SRIOVNIC_REG_MAC_LO, 0x12345678);
    EXPECT_EQ(srd(SRIOVNIC_REG_ERR_CAUSE), SRIOVNIC_ERR_RO_WRITE);
    EXPECT_EQ(srd(SRIOVNIC_REG_ERR_ADDR), SRIOVNIC_REG_MAC_LO);
    EXPECT_EQ(srd(SRIOVNIC_REG_MAC_LO), test::mac_lo(test::kSynthMac));
    EXPECT_EQ(rd(VF0, SRIOVNIC_REG_MAC_LO), test::mac_lo(test::kSynthMac))
        << "the device programmed the paired VF with the channel's MAC";
    EXPECT_EQ(rd(VF0, SRIOVNIC_REG_MAC_HI), test::mac_hi(test::kSynthMac));
}

TEST_F(SynthNic, AccessRulesAsOnPfAndVf)
{
    (void)device->read(fn, SRIOVNIC_REG_SCRATCH, 2);
    EXPECT_EQ(srd(SRIOVNIC_REG_ERR_CAUSE), SRIOVNIC_ERR_BAD_ACCESS);
    swr(SRIOVNIC_REG_ERR_CAUSE, ~0u);
    EXPECT_EQ(srd(SRIOVNIC_REG_PF_VF_SELECT), 0u) << "PF-only registers are unmapped";
    EXPECT_EQ(srd(SRIOVNIC_REG_ERR_CAUSE), SRIOVNIC_ERR_UNMAPPED);
    EXPECT_EQ(srd(SRIOVNIC_REG_ERR_ADDR), SRIOVNIC_REG_PF_VF_SELECT);
    swr(SRIOVNIC_REG_ERR_CAUSE, ~0u);
    swr(SRIOVNIC_SYNTH_REG_DATAPATH, 2);
    EXPECT_EQ(srd(SRIOVNIC_REG_ERR_CAUSE), SRIOVNIC_ERR_RO_WRITE);
    EXPECT_EQ(srd(SRIOVNIC_SYNTH_REG_QUEUE(0, 0x2C)), 0u);
    EXPECT_EQ(srd(SRIOVNIC_REG_ERR_CAUSE), SRIOVNIC_ERR_RO_WRITE | SRIOVNIC_ERR_UNMAPPED);
    (void)device->read(fn, SRIOVNIC_SYNTH_REGS_SIZE, 4);
    EXPECT_EQ(srd(SRIOVNIC_REG_ERR_COUNT), 5u) << "clearing ERR_CAUSE keeps the count";
}

TEST_F(SynthNic, MiscVectorBeyondItsTwoIsRefusedAndFlagged)
{
    swr(SRIOVNIC_REG_MISC_VECTOR, SRIOVNIC_VECTOR_VALID | 2); // it has vectors 0 and 1
    EXPECT_EQ(srd(SRIOVNIC_REG_ERR_CAUSE), SRIOVNIC_ERR_BAD_VECTOR);
    EXPECT_EQ(srd(SRIOVNIC_REG_ERR_ADDR), SRIOVNIC_REG_MISC_VECTOR);
    platform.msix.clear();
    swr(SRIOVNIC_REG_INT_ENABLE_SET, SRIOVNIC_INT_SOFTWARE);
    swr(SRIOVNIC_REG_INT_CAUSE_SET, SRIOVNIC_INT_SOFTWARE);
    EXPECT_TRUE(platform.msix.empty()) << "no usable vector, no message";
    swr(SRIOVNIC_REG_INT_CAUSE, ~0u);
    swr(SRIOVNIC_REG_MISC_VECTOR, SRIOVNIC_VECTOR_VALID | 0);
    swr(SRIOVNIC_REG_INT_CAUSE_SET, SRIOVNIC_INT_SOFTWARE);
    ASSERT_EQ(platform.msix.size(), 1u);
    EXPECT_EQ(platform.msix[0], std::make_pair(fn, uint16_t(0)));
}

TEST_F(SynthNic, FeatureSetAcceptedWhenItIsAValidSubset)
{
    ASSERT_TRUE(negotiate(SRIOVNIC_SYNTH_F_CSUM_TX | SRIOVNIC_SYNTH_F_TSO4));
    EXPECT_EQ(srd(SRIOVNIC_REG_ERR_CAUSE), 0u);
    swr(SRIOVNIC_SYNTH_REG_DRV_FEATURES, SRIOVNIC_SYNTH_F_ALL);
    EXPECT_EQ(srd(SRIOVNIC_SYNTH_REG_DRV_FEATURES), SRIOVNIC_SYNTH_F_CSUM_TX | SRIOVNIC_SYNTH_F_TSO4)
        << "fixed once accepted";
    EXPECT_EQ(srd(SRIOVNIC_REG_ERR_CAUSE), SRIOVNIC_ERR_RO_WRITE | SRIOVNIC_SYNTH_ERR_FEATURES);
    swr(SRIOVNIC_SYNTH_REG_FEATURES_OK, 0);
    EXPECT_EQ(srd(SRIOVNIC_SYNTH_REG_FEATURES_OK), 1u) << "writing 0 does nothing";
    swr(SRIOVNIC_REG_CTRL, SRIOVNIC_CTRL_RESET);
    EXPECT_EQ(srd(SRIOVNIC_SYNTH_REG_FEATURES_OK), 0u) << "a reset clears it";
    EXPECT_EQ(srd(SRIOVNIC_SYNTH_REG_DRV_FEATURES), 0u);
}

TEST_F(SynthNic, FeatureSetIsRefusedWholeNeverTrimmed)
{
    const uint32_t refused[] = {
        SRIOVNIC_SYNTH_F_TSO4,                         // requires CSUM_TX
        SRIOVNIC_SYNTH_F_TSO6 | SRIOVNIC_SYNTH_F_CSUM_RX,
        SRIOVNIC_SYNTH_F_VF_MAC,                       // requires DATAPATH
        SRIOVNIC_SYNTH_F_CSUM_TX | (1u << 7),          // not offered
    };
    for (uint32_t set : refused) {
        swr(SRIOVNIC_REG_ERR_CAUSE, ~0u);
        EXPECT_FALSE(negotiate(set)) << set;
        EXPECT_EQ(srd(SRIOVNIC_REG_ERR_CAUSE), SRIOVNIC_SYNTH_ERR_FEATURES);
        EXPECT_EQ(srd(SRIOVNIC_REG_ERR_ADDR), SRIOVNIC_SYNTH_REG_FEATURES_OK);
        EXPECT_EQ(srd(SRIOVNIC_SYNTH_REG_DRV_FEATURES), set) << "nothing trimmed";
    }
    EXPECT_TRUE(negotiate(SRIOVNIC_SYNTH_F_CSUM_TX | SRIOVNIC_SYNTH_F_TSO6)) << "a smaller set";
}

TEST_F(SynthNic, FeaturesBeyondWhatTheHostOffersAreRefused)
{
    device = std::make_unique<Device>(test::card_config(2, 1, 1, test::kPfMac), platform);
    device->set_active_vfs(2);
    attach(synth_config(true, SRIOVNIC_SYNTH_F_CSUM_TX));
    EXPECT_EQ(fn, 3);
    EXPECT_FALSE(negotiate(SRIOVNIC_SYNTH_F_CSUM_TX | SRIOVNIC_SYNTH_F_CSUM_RX));
    EXPECT_TRUE(negotiate(SRIOVNIC_SYNTH_F_CSUM_TX));
}

TEST_F(SynthNic, QueueEnableChecksFeaturesGeometryAndAlignment)
{
    setup_queue(TX);
    EXPECT_EQ(sqrd(TX, SRIOVNIC_SYNTH_QR_ENABLE), 0u) << "not before FEATURES_OK";
    EXPECT_EQ(srd(SRIOVNIC_REG_ERR_CAUSE), SRIOVNIC_ERR_BAD_QUEUE);
    ASSERT_TRUE(negotiate(0));
    for (uint32_t bad : {4u, 12u, 8192u}) {
        swr(SRIOVNIC_REG_ERR_CAUSE, ~0u);
        sqwr(TX, SRIOVNIC_SYNTH_QR_SIZE, bad);
        sqwr(TX, SRIOVNIC_SYNTH_QR_ENABLE, 1);
        EXPECT_EQ(sqrd(TX, SRIOVNIC_SYNTH_QR_ENABLE), 0u) << bad;
        EXPECT_EQ(srd(SRIOVNIC_REG_ERR_CAUSE), SRIOVNIC_ERR_BAD_QUEUE);
    }
    sqwr(TX, SRIOVNIC_SYNTH_QR_SIZE, 16);
    sqwr(TX, SRIOVNIC_SYNTH_QR_USED_LO, uint32_t(ring[TX].used + 8));
    sqwr(TX, SRIOVNIC_SYNTH_QR_ENABLE, 1);
    EXPECT_EQ(sqrd(TX, SRIOVNIC_SYNTH_QR_ENABLE), 0u) << "8-byte aligned is not enough";
    sqwr(TX, SRIOVNIC_SYNTH_QR_USED_LO, uint32_t(ring[TX].used));
    sqwr(TX, SRIOVNIC_SYNTH_QR_ENABLE, 1);
    EXPECT_EQ(sqrd(TX, SRIOVNIC_SYNTH_QR_ENABLE), 1u);
    swr(SRIOVNIC_REG_ERR_CAUSE, ~0u);
    sqwr(TX, SRIOVNIC_SYNTH_QR_SIZE, 32);
    EXPECT_EQ(sqrd(TX, SRIOVNIC_SYNTH_QR_SIZE), 16u) << "geometry is read-only while running";
    EXPECT_EQ(srd(SRIOVNIC_REG_ERR_CAUSE), SRIOVNIC_ERR_BAD_VALUE);
    sqwr(TX, SRIOVNIC_SYNTH_QR_AVAIL_POS, 3);
    EXPECT_EQ(srd(SRIOVNIC_REG_ERR_CAUSE), SRIOVNIC_ERR_BAD_VALUE | SRIOVNIC_ERR_RO_WRITE);
}

TEST_F(SynthNic, MtuUpToMaxMtuOnlyWithTheMtuFeature)
{
    ASSERT_TRUE(negotiate(0));
    swr(SRIOVNIC_REG_MTU, 1501);
    EXPECT_EQ(srd(SRIOVNIC_REG_MTU), 1500u);
    EXPECT_EQ(srd(SRIOVNIC_REG_ERR_CAUSE), SRIOVNIC_ERR_BAD_VALUE);
    swr(SRIOVNIC_REG_CTRL, SRIOVNIC_CTRL_RESET);
    ASSERT_TRUE(negotiate(SRIOVNIC_SYNTH_F_MTU));
    swr(SRIOVNIC_REG_MTU, 9000);
    EXPECT_EQ(srd(SRIOVNIC_REG_MTU), 9000u);
    swr(SRIOVNIC_REG_MTU, 67);
    EXPECT_EQ(srd(SRIOVNIC_REG_MTU), 9000u);
    EXPECT_FALSE(ch->set_max_mtu(4000));
    EXPECT_EQ(srd(SRIOVNIC_REG_MTU), 4000u) << "lowered with MAX_MTU";
    EXPECT_EQ(srd(SRIOVNIC_SYNTH_REG_MAX_MTU), 4000u);
    EXPECT_TRUE(ch->set_max_mtu(1499)) << "MAX_MTU never below 1500";
}

TEST_F(SynthNic, ChainsOfAnyShapeTheSpecAllowsAreTakenInOrder)
{
    bring_up();
    const Bytes frame = test::ethernet(test::kRemote, test::kSynthMac, 0x0800, 200);
    const uint16_t a = send(test::net_hdr(), frame);
    const uint16_t b = send(test::net_hdr(), frame, true);
    const std::vector<UsedElem> u = new_used(TX);
    ASSERT_EQ(u.size(), 2u);
    EXPECT_EQ(u[0].id, a);
    EXPECT_EQ(u[1].id, b);
    EXPECT_EQ(u[0].flags | u[1].flags, 0);
    EXPECT_EQ(u[0].len, 0u) << "TX used len is 0";
    ASSERT_EQ(platform.uplink.size(), 2u);
    EXPECT_EQ(platform.uplink[0], frame);
    EXPECT_EQ(platform.uplink[1], frame);
    EXPECT_EQ(sqrd(TX, SRIOVNIC_SYNTH_QR_AVAIL_POS), 2u);
    EXPECT_EQ(sqrd(TX, SRIOVNIC_SYNTH_QR_USED_POS), 2u);
}

TEST_F(SynthNic, EveryBadChainIsUsedWithErrAndNotExecuted)
{
    bring_up();
    const Bytes frame = test::ethernet(test::kRemote, test::kSynthMac, 0x0800, 100);
    Bytes all = test::net_hdr();
    all.insert(all.end(), frame.begin(), frame.end());
    const uint64_t buf = alloc(all.size());
    std::copy(all.begin(), all.end(), platform.ram.begin() + long(buf));
    const uint32_t n = ring[TX].size;
    struct Case {
        const char *what;
        uint64_t addr;
        uint32_t len;
        uint16_t flags;
        uint16_t next;
    };
    const Case cases[] = {
        {"zero length", buf, 0, 0, 0},
        {"length above 65536", buf, 65537, 0, 0},
        {"reserved flag", buf, uint32_t(all.size()), 4, 0},
        {"next beyond the table", buf, uint32_t(all.size()), SRIOVNIC_SYNTH_D_NEXT, uint16_t(n)},
        {"address wraps", ~uint64_t(0) - 4, 16, 0, 0},
        {"writable in TX", buf, uint32_t(all.size()), SRIOVNIC_SYNTH_D_WRITE, 0},
        {"loop on itself", buf, 1, SRIOVNIC_SYNTH_D_NEXT, 0},
    };
    unsigned errors = 0;
    for (const Case &c : cases) {
        SCOPED_TRACE(c.what);
        const uint16_t head = 3;
        put_desc(TX, head, c.addr, c.len, c.flags, c.next == 0 && (c.flags & 1) ? head : c.next);
        make_available(TX, head);
        const std::vector<UsedElem> u = new_used(TX);
        ASSERT_EQ(u.size(), 1u);
        EXPECT_EQ(u[0].id, head);
        EXPECT_EQ(u[0].flags, SRIOVNIC_SYNTH_U_ERR);
        EXPECT_EQ(u[0].len, 0u);
        EXPECT_EQ(cstat(SRIOVNIC_STAT_DESC_ERRORS), ++errors);
        EXPECT_TRUE(srd(SRIOVNIC_REG_ERR_CAUSE) & SRIOVNIC_ERR_BAD_DESC);
        EXPECT_EQ(sqrd(TX, SRIOVNIC_SYNTH_QR_ENABLE), 1u) << "the queue goes on";
    }
    EXPECT_TRUE(platform.uplink.empty()) << "nothing executed";

    // Head index beyond the table: used with that id.
    make_available(TX, uint16_t(n + 5));
    std::vector<UsedElem> u = new_used(TX);
    ASSERT_EQ(u.size(), 1u);
    EXPECT_EQ(u[0].id, n + 5);
    EXPECT_EQ(u[0].flags, SRIOVNIC_SYNTH_U_ERR);

    // A chain of 33 descriptors, and a two-descriptor loop: both bounded.
    for (uint16_t i = 0; i < n; i++) {
        put_desc(TX, i, buf, 1, SRIOVNIC_SYNTH_D_NEXT, uint16_t((i + 1) % n));
    }
    make_available(TX, 0);
    u = new_used(TX);
    ASSERT_EQ(u.size(), 1u);
    EXPECT_EQ(u[0].flags, SRIOVNIC_SYNTH_U_ERR) << "a 16-entry cycle ends at 32 descriptors";
    EXPECT_EQ(cstat(SRIOVNIC_STAT_DESC_ERRORS), errors + 2);
}

TEST_F(SynthNic, CtrlAndEventChainShapesAreChecked)
{
    bring_up();
    (void)events();
    // CTRL: no room for the completion.
    const uint64_t req = alloc(64), resp = alloc(64);
    post(CTRL, {{req, 20, false}, {resp, 16, true}});
    std::vector<UsedElem> u = new_used(CTRL);
    ASSERT_EQ(u.size(), 1u);
    EXPECT_EQ(u[0].flags, SRIOVNIC_SYNTH_U_ERR);
    // CTRL: readable after writable.
    post(CTRL, {{req, 20, false}, {resp, 32, true}, {req, 4, false}});
    u = new_used(CTRL);
    ASSERT_EQ(u.size(), 1u);
    EXPECT_EQ(u[0].flags, SRIOVNIC_SYNTH_U_ERR);
    EXPECT_EQ(sstat(SRIOVNIC_SYNTH_STAT_CTRL_REQUESTS), 0u);
    // EVENT: less than 64 bytes; the event waits for the next chain.
    EXPECT_EQ(sstat(SRIOVNIC_SYNTH_STAT_EVENTS_SENT), 4u);
}

TEST_F(SynthNic, AvailableIndexTooFarAheadIsARingCorruption)
{
    bring_up();
    put_le(platform.ram, ring[TX].avail, uint16_t(ring[TX].size + 1), 2);
    sqwr(TX, SRIOVNIC_SYNTH_QR_NOTIFY, 1);
    EXPECT_EQ(sqrd(TX, SRIOVNIC_SYNTH_QR_ENABLE), 0u);
    EXPECT_TRUE(srd(SRIOVNIC_REG_ERR_CAUSE) & SRIOVNIC_ERR_BAD_QUEUE);
    EXPECT_EQ(srd(SRIOVNIC_REG_ERR_ADDR), SRIOVNIC_SYNTH_REG_QUEUE(TX, SRIOVNIC_SYNTH_QR_NOTIFY));
    EXPECT_EQ(used_idx(TX), 0u);
    // Another queue goes on.
    ASSERT_TRUE(device->uplink_receive(test::ethernet(test::kSynthMac, test::kRemote, 0x0800, 60)));
    EXPECT_EQ(used_idx(RX), 1u);
}

TEST_F(SynthNic, RingOutsideGuestMemoryStopsThatQueue)
{
    bring_up();
    sqwr(TX, SRIOVNIC_SYNTH_QR_ENABLE, 0);
    sqwr(TX, SRIOVNIC_SYNTH_QR_AVAIL_LO, 0);
    sqwr(TX, SRIOVNIC_SYNTH_QR_AVAIL_HI, 0x10);
    sqwr(TX, SRIOVNIC_SYNTH_QR_ENABLE, 1);
    ASSERT_EQ(sqrd(TX, SRIOVNIC_SYNTH_QR_ENABLE), 1u);
    sqwr(TX, SRIOVNIC_SYNTH_QR_NOTIFY, 1);
    EXPECT_EQ(sqrd(TX, SRIOVNIC_SYNTH_QR_ENABLE), 0u);
    EXPECT_TRUE(srd(SRIOVNIC_REG_ERR_CAUSE) & SRIOVNIC_ERR_DMA);
    EXPECT_EQ(cstat(SRIOVNIC_STAT_DMA_ERRORS), 1u);
}

TEST_F(SynthNic, BufferOutsideGuestMemoryFailsThatChainOnly)
{
    bring_up();
    post(TX, {{platform.ram.size() + 64, 100, false}});
    const Bytes frame = test::ethernet(test::kRemote, test::kSynthMac, 0x0800, 100);
    send(test::net_hdr(), frame);
    const std::vector<UsedElem> u = new_used(TX);
    ASSERT_EQ(u.size(), 2u);
    EXPECT_EQ(u[0].flags, SRIOVNIC_SYNTH_U_ERR);
    EXPECT_EQ(u[1].flags, 0);
    EXPECT_EQ(cstat(SRIOVNIC_STAT_DMA_ERRORS), 1u);
    EXPECT_TRUE(srd(SRIOVNIC_REG_ERR_CAUSE) & SRIOVNIC_ERR_DMA);
    ASSERT_EQ(platform.uplink.size(), 1u);
}

TEST_F(SynthNic, DmaIntoTheCardsOwnRegistersIsRefused)
{
    bring_up();
    constexpr uint64_t kBar = 0x4000'0000;
    platform.bars.push_back({kBar, SRIOVNIC_SYNTH_REGS_SIZE, fn});
    platform.mmio.read = [this](uint16_t f, uint64_t off, unsigned size) {
        return device->read(f, off, size);
    };
    platform.mmio.write = [this](uint16_t f, uint64_t off, unsigned size, uint64_t v) {
        device->write(f, off, size, v);
    };
    // An RX buffer on the channel's own CTRL register: a reset if it went through.
    const uint64_t target = kBar + SRIOVNIC_REG_CTRL - 12;
    rx_bufs[post(RX, {{target, 12 + 1518, true}})] = target;
    // Use up the buffers posted before it.
    for (int i = 0; i < 8; i++) {
        ASSERT_TRUE(device->uplink_receive(test::ethernet(test::kSynthMac, test::kRemote, 0x0800, 60)));
    }
    (void)received();
    ASSERT_TRUE(device->uplink_receive(test::ethernet(test::kSynthMac, test::kRemote, 0x0800, 60)));
    const auto r = received();
    ASSERT_EQ(r.size(), 1u);
    EXPECT_TRUE(r[0].first.empty()) << "used with ERR";
    EXPECT_GE(cstat(SRIOVNIC_STAT_DMA_SELF), 1u);
    EXPECT_EQ(srd(SRIOVNIC_REG_CTRL), SRIOVNIC_CTRL_ENABLE) << "the write never happened";
    EXPECT_EQ(srd(SRIOVNIC_SYNTH_REG_FEATURES_OK), 1u);
}

TEST_F(SynthNic, IndicesRunFreeAcrossManyRingLaps)
{
    bring_up();
    const Bytes frame = test::ethernet(test::kRemote, test::kSynthMac, 0x0800, 64);
    const uint64_t buf = alloc(12 + frame.size());
    Bytes all = test::net_hdr();
    all.insert(all.end(), frame.begin(), frame.end());
    std::copy(all.begin(), all.end(), platform.ram.begin() + long(buf));
    for (int i = 0; i < 100; i++) {
        post(TX, {{buf, uint32_t(all.size()), false}});
    }
    EXPECT_EQ(new_used(TX).size(), 100u);
    EXPECT_EQ(platform.uplink.size(), 100u);
    EXPECT_EQ(sqrd(TX, SRIOVNIC_SYNTH_QR_USED_POS), 100u);
}

TEST_F(SynthNic, DisablingAQueueStopsItAndReenablingStartsFromZero)
{
    bring_up();
    send(test::net_hdr(), test::ethernet(test::kRemote, test::kSynthMac, 0x0800, 64));
    sqwr(TX, SRIOVNIC_SYNTH_QR_ENABLE, 0);
    EXPECT_EQ(sqrd(TX, SRIOVNIC_SYNTH_QR_AVAIL_POS), 1u);
    sqwr(TX, SRIOVNIC_SYNTH_QR_NOTIFY, 1);
    sqwr(TX, SRIOVNIC_SYNTH_QR_ENABLE, 1);
    EXPECT_EQ(sqrd(TX, SRIOVNIC_SYNTH_QR_AVAIL_POS), 0u);
    EXPECT_EQ(sqrd(TX, SRIOVNIC_SYNTH_QR_USED_POS), 0u);
}

} // namespace
} // namespace sriovnic

namespace sriovnic {
namespace {

TEST_F(SynthNic, InterruptMessageOnTheCardsOwnRegisterIsRefused)
{
    bring_up();
    platform.msix_lands = [this](uint16_t f, uint16_t) {
        device->write(f, SRIOVNIC_REG_CTRL, 4, SRIOVNIC_CTRL_RESET);
    };
    ASSERT_TRUE(device->uplink_receive(test::ethernet(test::kSynthMac, test::kRemote, 0x0800, 60)));
    platform.msix_lands = nullptr;
    EXPECT_EQ(srd(SRIOVNIC_REG_CTRL), SRIOVNIC_CTRL_ENABLE) << "no reset from the card's own message";
    // The data vector's message, then the misc one for the error it caused.
    EXPECT_EQ(cstat(SRIOVNIC_STAT_DMA_SELF), 2u);
    EXPECT_TRUE(srd(SRIOVNIC_REG_ERR_CAUSE) & SRIOVNIC_ERR_DMA);
}

} // namespace
} // namespace sriovnic
