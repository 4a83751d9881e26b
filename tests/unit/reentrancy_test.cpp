// SPDX-License-Identifier: GPL-2.0-or-later
// The card's own DMA (or MSI-X message) that comes back to the card: a buffer,
// ring or message address inside one of its register BARs. The fake platform
// turns such a DMA into register accesses made synchronously, as QEMU does.
// None of them may run another piece of the card's work inside the first.
#include "nic_fixture.hpp"

#include <gtest/gtest.h>

namespace sriovnic {
namespace {

using test::Bytes;
using test::PF;
using test::VF0;
using test::VF1;
using test::kBroadcast;
using test::kPfMac;
using test::kRemote;
using test::kVf0Mac;
using test::kVf1Mac;

constexpr uint64_t kPfBar = 0x8000'0000;
constexpr uint64_t kVfBars = 0x9000'0000; // VF n at kVfBars + n * its BAR size

class SelfDma : public test::Nic {
protected:
    SelfDma()
    {
        platform.bars.push_back({kPfBar, SRIOVNIC_PF_REGS_SIZE, PF});
        for (uint16_t n = 0; n < device->total_vfs(); n++) {
            platform.bars.push_back(
                {kVfBars + uint64_t(n) * SRIOVNIC_VF_REGS_SIZE, SRIOVNIC_VF_REGS_SIZE,
                 SRIOVNIC_FN_VF(n)});
        }
        platform.mmio.read = [this](uint16_t fn, uint64_t off, unsigned size) {
            return device->read(fn, off, size);
        };
        platform.mmio.write = [this](uint16_t fn, uint64_t off, unsigned size, uint64_t v) {
            device->write(fn, off, size, v);
        };
    }

    static uint64_t bar(uint16_t fn)
    {
        return fn == PF ? kPfBar : kVfBars + uint64_t(fn - 1) * SRIOVNIC_VF_REGS_SIZE;
    }
    static uint64_t doorbell(uint16_t fn) { return bar(fn) + SRIOVNIC_REG_QUEUE(0, SRIOVNIC_Q_TX_TAIL); }

    // A broadcast whose last four bytes are 1 as a little-endian word: a DMA
    // of it that ends on a TX doorbell would post one descriptor there.
    static Bytes doorbell_ringing_broadcast(const test::Mac &src)
    {
        Bytes frame = test::ethernet(kBroadcast, src, 0x0800, 46);
        frame[56] = 1;
        frame[57] = frame[58] = frame[59] = 0;
        return frame;
    }

    // The next RX buffer of `fn` is at `addr`, posted like any other.
    void post_rx_buffer_at(uint16_t fn, uint64_t addr)
    {
        test::Ring &r = rings[{fn, 0}];
        test::store_rx(platform.ram, r.rx_base + r.rx_tail * 16, {.addr = addr});
        r.rx_tail = (r.rx_tail + 1) % r.len;
        qwr(fn, 0, SRIOVNIC_Q_RX_TAIL, r.rx_tail);
    }

    void expect_refused_on(uint16_t fn, uint64_t times = 1)
    {
        EXPECT_TRUE(rd(fn, SRIOVNIC_REG_ERR_CAUSE) & SRIOVNIC_ERR_DMA);
        EXPECT_EQ(stat(fn, SRIOVNIC_STAT_DMA_SELF), times);
        EXPECT_EQ(stat(fn, SRIOVNIC_STAT_DMA_ERRORS), times);
    }
};

TEST_F(SelfDma, RxBufferOnTheReceiversOwnDoorbellNeitherTransmitsNorCorruptsTheSender)
{
    bring_up(PF, kPfMac, 1, 16, 2048, 0);
    bring_up(VF0, kVf0Mac);
    const Bytes pf_frame = test::ethernet(kRemote, kPfMac, 0x0800, 80);
    queue_tx(PF, 0, pf_frame, 0, 1, 0, 0, 0, false); // posted, doorbell not rung
    const Bytes bcast = doorbell_ringing_broadcast(kVf0Mac);
    post_rx_buffer_at(PF, doorbell(PF) - (bcast.size() - 4));

    queue_tx(VF0, 0, bcast);

    ASSERT_EQ(platform.uplink.size(), 1u) << "VF0's broadcast, once, and nothing else";
    EXPECT_EQ(platform.uplink[0], bcast);
    EXPECT_EQ(rx_desc(PF, 0, 0).flags, SRIOVNIC_RXD_DONE | SRIOVNIC_RXD_ERR);
    expect_refused_on(PF);
    EXPECT_EQ(qrd(PF, 0, SRIOVNIC_Q_TX_HEAD), 0u) << "the PF's frame still waits";
    EXPECT_EQ(stat(PF, SRIOVNIC_STAT_RX_PACKETS), 0u);
    EXPECT_EQ(stat(VF0, SRIOVNIC_STAT_DMA_ERRORS), 0u) << "the sender's DMA was fine";

    qwr(PF, 0, SRIOVNIC_Q_TX_TAIL, 1); // the PF's driver rings its own doorbell
    ASSERT_EQ(platform.uplink.size(), 2u);
    EXPECT_EQ(platform.uplink[1], pf_frame);
}

TEST_F(SelfDma, RxBufferOnAnotherFunctionsDoorbellIsRefused)
{
    bring_up(PF, kPfMac, 1, 16, 2048, 0);
    bring_up(VF0, kVf0Mac);
    bring_up(VF1, kVf1Mac, 1, 16, 2048, 0);
    const Bytes vf1_frame = test::ethernet(kRemote, kVf1Mac, 0x0800, 80);
    queue_tx(VF1, 0, vf1_frame, 0, 1, 0, 0, 0, false);
    const Bytes bcast = doorbell_ringing_broadcast(kVf0Mac);
    post_rx_buffer_at(PF, doorbell(VF1) - (bcast.size() - 4));

    queue_tx(VF0, 0, bcast);

    ASSERT_EQ(platform.uplink.size(), 1u);
    EXPECT_EQ(platform.uplink[0], bcast);
    expect_refused_on(PF);
    EXPECT_EQ(qrd(VF1, 0, SRIOVNIC_Q_TX_HEAD), 0u);
    EXPECT_EQ(rd(VF1, SRIOVNIC_REG_ERR_COUNT), 0u) << "no access reached VF1's registers";
}

TEST_F(SelfDma, DescriptorRingInAnotherFunctionsRegistersStopsTheQueue)
{
    bring_up(VF0, kVf0Mac);
    bring_up(VF1, kVf1Mac);
    qwr(VF0, 0, SRIOVNIC_Q_TX_CTRL, 0);
    qwr(VF0, 0, SRIOVNIC_Q_TX_BASE_LO, uint32_t(bar(VF1)));
    qwr(VF0, 0, SRIOVNIC_Q_TX_CTRL, SRIOVNIC_QCTRL_ENABLE);

    qwr(VF0, 0, SRIOVNIC_Q_TX_TAIL, 1);

    EXPECT_EQ(qrd(VF0, 0, SRIOVNIC_Q_TX_CTRL), 0u) << "stopped";
    expect_refused_on(VF0);
    EXPECT_TRUE(platform.uplink.empty());
    EXPECT_EQ(rd(VF1, SRIOVNIC_REG_ERR_COUNT), 0u) << "VF1's registers were never read";
}

TEST_F(SelfDma, TxBufferInTheSendersOwnRegistersDropsOnlyThatFrame)
{
    bring_up(VF0, kVf0Mac);
    const uint32_t idx = queue_tx(VF0, 0, test::ethernet(kRemote, kVf0Mac, 0x0800, 60), 0, 1,
                                  0, 0, 0, false);
    patch_tx_desc(VF0, 0, idx, [](auto &d) { d.addr = doorbell(VF0) - 8; });
    const Bytes good = test::ethernet(kRemote, kVf0Mac, 0x0800, 70);
    queue_tx(VF0, 0, good);

    EXPECT_EQ(tx_desc(VF0, 0, idx).flags, SRIOVNIC_TXD_DONE | SRIOVNIC_TXD_ERR);
    ASSERT_EQ(platform.uplink.size(), 1u);
    EXPECT_EQ(platform.uplink[0], good);
    expect_refused_on(VF0);
}

TEST_F(SelfDma, MsixMessageAddressedToADoorbellIsRefused)
{
    bring_up(PF, kPfMac);
    bring_up(VF0, kVf0Mac);
    queue_tx(PF, 0, test::ethernet(kRemote, kPfMac, 0x0800, 80), 0, 1, 0, 0, 0, false);
    platform.msix_lands = [this](uint16_t fn, uint16_t) {
        if (fn == VF0) {
            device->write(PF, SRIOVNIC_REG_QUEUE(0, SRIOVNIC_Q_TX_TAIL), 4, 1);
        }
    };

    ASSERT_TRUE(device->uplink_receive(test::ethernet(kVf0Mac, kRemote, 0x0800, 60)));

    EXPECT_EQ(stat(VF0, SRIOVNIC_STAT_RX_PACKETS), 1u) << "the frame itself arrived";
    expect_refused_on(VF0);
    EXPECT_EQ(qrd(PF, 0, SRIOVNIC_Q_TX_HEAD), 0u);
    EXPECT_TRUE(platform.uplink.empty());
}

TEST_F(SelfDma, ConfigWriteByTheCardsOwnDmaIsRefused)
{
    bring_up(VF0, kVf0Mac);
    bool allowed = true;
    platform.during_next_dma_write = [&] { allowed = device->config_write_allowed(); };

    ASSERT_TRUE(device->uplink_receive(test::ethernet(kVf0Mac, kRemote, 0x0800, 60)));

    EXPECT_FALSE(allowed);
    expect_refused_on(VF0);
    EXPECT_TRUE(device->config_write_allowed()) << "the guest's own config writes go through";
}

TEST_F(SelfDma, FrameFromTheBackendDuringADmaWaitsForTheCardToFinish)
{
    bring_up(VF0, kVf0Mac);
    const Bytes second = test::ethernet(kVf0Mac, kRemote, 0x0800, 70);
    bool taken = true;
    platform.during_next_dma_write = [&] { taken = device->uplink_receive(second); };

    ASSERT_TRUE(device->uplink_receive(test::ethernet(kVf0Mac, kRemote, 0x0800, 60)));

    EXPECT_FALSE(taken) << "held by the backend";
    EXPECT_EQ(platform.ready_calls, 1u) << "and offered again once the card is done";
    ASSERT_TRUE(device->uplink_receive(second));
    EXPECT_EQ(rx_frame(VF0, 0, 1), second);
    EXPECT_EQ(stat(VF0, SRIOVNIC_STAT_DMA_ERRORS), 0u);
}

} // namespace
} // namespace sriovnic
