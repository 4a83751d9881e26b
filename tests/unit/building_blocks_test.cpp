// SPDX-License-Identifier: GPL-2.0-or-later
// The core's building blocks on their own: the register decoder, the
// little-endian descriptor codecs and the timer shared by the card's users.
#include "fake_platform.hpp"
#include "guest_desc.hpp"
#include "regmap.hpp"
#include "sriovnic/regs.h"
#include "timers.hpp"
#include "wire.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace sriovnic {
namespace {

using Block = RegTarget::Block;

const RegLayout kPf{false, SRIOVNIC_PF_REGS_SIZE, 4, 8};
const RegLayout kVf{true, SRIOVNIC_VF_REGS_SIZE, 2, 8};

TEST(RegisterDecode, EveryWindowDecodesToItsTypedTarget)
{
    EXPECT_EQ(decode_register(kPf, SRIOVNIC_REG_CTRL, 4).block, Block::common);
    EXPECT_EQ(decode_register(kPf, SRIOVNIC_REG_STAT(16), 4).block, Block::common);
    EXPECT_EQ(decode_register(kPf, SRIOVNIC_REG_PF_VF_SELECT, 4).block, Block::pf);
    const RegTarget q = decode_register(kPf, SRIOVNIC_REG_QUEUE(3, SRIOVNIC_Q_RX_TAIL), 4);
    EXPECT_EQ(q.block, Block::queue);
    EXPECT_EQ(q.index, 3);
    EXPECT_EQ(q.reg, SRIOVNIC_Q_RX_TAIL);
    const RegTarget a = decode_register(kPf, SRIOVNIC_REG_ADMIN(7, SRIOVNIC_VFA_RATE), 4);
    EXPECT_EQ(a.block, Block::admin);
    EXPECT_EQ(a.index, 7);
    EXPECT_EQ(a.reg, SRIOVNIC_VFA_RATE);
    const RegTarget m = decode_register(kPf, SRIOVNIC_REG_PF_MBX_PF_MSG(5, 2), 4);
    EXPECT_EQ(m.block, Block::pf_mailbox);
    EXPECT_EQ(m.index, 5);
    EXPECT_EQ(m.reg, 0x48u);
    EXPECT_EQ(decode_register(kVf, SRIOVNIC_REG_MBX_STATUS, 4).block, Block::vf_mailbox);
}

TEST(RegisterDecode, AccessRulesComeFirst)
{
    const RegTarget bad = decode_register(kVf, SRIOVNIC_VF_REGS_SIZE + 2, 2);
    EXPECT_EQ(bad.block, Block::bad_access);
    EXPECT_EQ(bad.offset, 2u) << "the offset, modulo the BAR";
    EXPECT_EQ(decode_register(kVf, SRIOVNIC_VF_REGS_SIZE, 4).block, Block::outside);
    EXPECT_EQ(decode_register(kVf, SRIOVNIC_REG_QUEUE(2, 0), 4).block, Block::unmapped)
        << "queue pairs beyond the function's";
    EXPECT_EQ(decode_register(kVf, SRIOVNIC_REG_PF_VF_SELECT, 4).block, Block::common)
        << "a PF register on a VF: no register there";
    EXPECT_EQ(decode_register(kPf, SRIOVNIC_REG_ADMIN(8, 0), 4).block, Block::common)
        << "administration only for the VFs the PF has";
    EXPECT_EQ(decode_register(kPf, SRIOVNIC_REG_MBX_STATUS, 4).block, Block::common)
        << "the VF's mailbox window is nothing on the PF";
}

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
