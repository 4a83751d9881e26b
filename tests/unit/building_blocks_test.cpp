// SPDX-License-Identifier: GPL-2.0-or-later
// The core's building blocks on their own: the little-endian descriptor
// codecs and the timer shared by the card's users (the register decoders:
// regmap_test.cpp).
#include "fake_platform.hpp"
#include "guest_desc.hpp"
#include "sriovnic/regs.h"
#include "timers.hpp"
#include "wire.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace sriovnic {
namespace {

TEST(WireFormat, TransmitDescriptorFieldsAreLittleEndianAtTheirOffsets)
{
    std::vector<uint8_t> mem(16);
    test::store_tx(mem, 0,
                   {.addr = 0x0102030405060708, .len = 0x090A, .flags = 0x0B0C,
                    .csum_start = 0x0D, .csum_offset = 0x0E, .mss = 0x0F10});
    EXPECT_EQ(mem, (std::vector<uint8_t>{0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01, 0x0A,
                                         0x09, 0x0C, 0x0B, 0x0D, 0x0E, 0x10, 0x0F}));
    wire::DescBytes raw;
    std::copy(mem.begin(), mem.end(), raw.begin());
    const wire::TxDesc d = wire::decode_tx(raw);
    EXPECT_EQ(d.addr, 0x0102030405060708u);
    EXPECT_EQ(d.len, 0x090A);
    EXPECT_EQ(d.flags, 0x0B0C);
    EXPECT_EQ(d.csum_start, 0x0D);
    EXPECT_EQ(d.csum_offset, 0x0E);
    EXPECT_EQ(d.mss, 0x0F10);
    EXPECT_EQ(wire::kTxWritebackOffset, 10u);
    EXPECT_EQ(wire::encode_tx_writeback(0x8001), (std::array<uint8_t, 2>{0x01, 0x80}));
}

TEST(WireFormat, ReceiveWritebackIsLittleEndianAfterTheAddress)
{
    std::vector<uint8_t> mem(16, 0xEE);
    test::store_rx(mem, 0, {.addr = 0x1122334455667788});
    wire::DescBytes raw;
    std::copy(mem.begin(), mem.end(), raw.begin());
    EXPECT_EQ(wire::decode_rx_addr(raw), 0x1122334455667788u);
    const auto wb = wire::encode_rx_writeback({.len = 0x05DC, .flags = 0x8009, .vlan_tci = 0x6064});
    std::copy(wb.begin(), wb.end(), mem.begin() + wire::kRxWritebackOffset);
    const test::RxDescFields d = test::load_rx(mem, 0);
    EXPECT_EQ(d.addr, 0x1122334455667788u) << "the address is left alone";
    EXPECT_EQ(d.len, 0x05DC);
    EXPECT_EQ(d.flags, 0x8009);
    EXPECT_EQ(d.vlan_tci, 0x6064);
    EXPECT_EQ(d.reserved, 0) << "reserved is written 0";
}

class Recorder final : public TimerService::Client {
public:
    void on_timer() override { runs++; }
    int runs = 0;
};

TEST(Timers, TheEarliestRequestArmsThePlatformAndEveryArmedClientRuns)
{
    test::FakePlatform platform;
    TimerService timers(platform);
    Recorder a, b, idle;
    timers.add(a);
    timers.add(b);
    timers.add(idle);
    timers.arm(a, 5000);
    timers.arm(b, 2000);
    EXPECT_EQ(platform.timer_deadline, 2000u);
    timers.arm(a, 9000);
    EXPECT_EQ(platform.timer_deadline, 2000u) << "a later request does not delay the timer";
    timers.expired();
    EXPECT_EQ(a.runs, 1);
    EXPECT_EQ(b.runs, 1);
    EXPECT_EQ(idle.runs, 0) << "a client that asked for nothing";
    timers.expired();
    EXPECT_EQ(a.runs, 1) << "each request runs once";
    timers.arm(idle, 7000);
    EXPECT_EQ(platform.timer_deadline, 7000u) << "after firing, any request arms again";
}

} // namespace
} // namespace sriovnic
