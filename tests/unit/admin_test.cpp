// SPDX-License-Identifier: GPL-2.0-or-later
// Per-VF administration by the PF: MAC, port VLAN, spoof check, trust, link
// state and rate, as `ip link set <pf> vf N ...` drives them.
#include "device.hpp"
#include "fake_platform.hpp"
#include "guest_desc.hpp"
#include "frames.hpp"
#include "sriovnic/desc.h"
#include "sriovnic/regs.h"

#include <gtest/gtest.h>

#include <cstring>
#include <memory>

namespace sriovnic {
namespace {

using test::Bytes;
using test::Mac;

constexpr uint16_t PF = SRIOVNIC_FN_PF;
constexpr uint16_t VF0 = SRIOVNIC_FN_VF(0);
constexpr uint16_t VF1 = SRIOVNIC_FN_VF(1);
using test::kBroadcast;
using test::kPfMac;
using test::kRemote;
using test::kVf0Mac;
using test::kVf1Mac;
const Mac kAdminMac = {0x02, 0x11, 0x22, 0x33, 0x44, 0x55};

uint32_t lo(const Mac &m) { return test::mac_lo(m); }
uint32_t hi(const Mac &m) { return test::mac_hi(m); }

// One 16-entry ring pair per function in fake RAM, as a driver sets it up.
class Admin : public ::testing::Test {
protected:
    Admin()
    {
        device = std::make_unique<Device>(test::card_config(2, 1, 1, kPfMac), platform);
        device->subscribe(platform);
        device->set_active_vfs(2);
    }

    uint32_t rd(uint16_t fn, uint32_t reg) { return uint32_t(device->read(fn, reg, 4)); }
    void wr(uint16_t fn, uint32_t reg, uint32_t v) { device->write(fn, reg, 4, v); }
    void admin(unsigned vf, uint32_t reg, uint32_t v) { wr(PF, SRIOVNIC_REG_ADMIN(vf, reg), v); }
    uint32_t admin_rd(unsigned vf, uint32_t reg) { return rd(PF, SRIOVNIC_REG_ADMIN(vf, reg)); }
    uint64_t stat(uint16_t fn, unsigned s) { return device->fn_regs(fn)->stats[s]; }

    uint64_t base(uint16_t fn) { return 0x10000 + uint64_t(fn) * 0x10000; }

    void bring_up(uint16_t fn, const Mac &m)
    {
        wr(fn, SRIOVNIC_REG_MAC_LO, lo(m));
        wr(fn, SRIOVNIC_REG_MAC_HI, hi(m));
        const uint64_t b = base(fn);
        wr(fn, SRIOVNIC_REG_QUEUE(0, SRIOVNIC_Q_TX_BASE_LO), uint32_t(b));
        wr(fn, SRIOVNIC_REG_QUEUE(0, SRIOVNIC_Q_TX_LEN), 16);
        wr(fn, SRIOVNIC_REG_QUEUE(0, SRIOVNIC_Q_TX_CTRL), 1);
        wr(fn, SRIOVNIC_REG_QUEUE(0, SRIOVNIC_Q_RX_BASE_LO), uint32_t(b + 0x100));
        wr(fn, SRIOVNIC_REG_QUEUE(0, SRIOVNIC_Q_RX_LEN), 16);
        wr(fn, SRIOVNIC_REG_QUEUE(0, SRIOVNIC_Q_RX_BUF_LEN), 2048);
        wr(fn, SRIOVNIC_REG_QUEUE(0, SRIOVNIC_Q_RX_CTRL), 1);
        for (uint32_t i = 0; i < 15; i++) {
            test::store_rx(platform.ram, b + 0x100 + i * 16, {.addr = b + 0x1000 + i * 2048});
        }
        wr(fn, SRIOVNIC_REG_QUEUE(0, SRIOVNIC_Q_RX_TAIL), 15);
        wr(fn, SRIOVNIC_REG_CTRL, SRIOVNIC_CTRL_ENABLE);
    }

    // Sends one frame from `fn`; returns whether the device is done with it.
    bool send(uint16_t fn, const Bytes &frame)
    {
        const uint64_t b = base(fn);
        uint32_t &tail = tails[fn];
        const uint64_t buf = b + 0x9000 + tail * 0x400;
        std::memcpy(&platform.ram[buf], frame.data(), frame.size());
        test::store_tx(platform.ram, b + tail * 16,
                       {.addr = buf, .len = uint16_t(frame.size()), .flags = SRIOVNIC_TXD_EOP});
        const uint32_t idx = tail;
        tail = (tail + 1) % 16;
        wr(fn, SRIOVNIC_REG_QUEUE(0, SRIOVNIC_Q_TX_TAIL), tail);
        return test::load_tx(platform.ram, b + idx * 16).flags & SRIOVNIC_TXD_DONE;
    }

    unsigned received(uint16_t fn) { return rd(fn, SRIOVNIC_REG_QUEUE(0, SRIOVNIC_Q_RX_HEAD)); }

    Bytes rx_frame(uint16_t fn, uint32_t idx)
    {
        const test::RxDescFields d = test::load_rx(platform.ram, base(fn) + 0x100 + idx * 16);
        return Bytes(platform.ram.begin() + long(d.addr), platform.ram.begin() + long(d.addr) + d.len);
    }

    test::FakePlatform platform{1 << 22};
    std::unique_ptr<Device> device;
    uint32_t tails[3] = {};
};

TEST_F(Admin, VfsStartWithSpoofCheckOnAndNothingElse)
{
    EXPECT_EQ(admin_rd(0, SRIOVNIC_VFA_FLAGS), SRIOVNIC_VFA_FLAG_SPOOFCHK);
    EXPECT_EQ(admin_rd(1, SRIOVNIC_VFA_VLAN), 0u);
    EXPECT_EQ(admin_rd(1, SRIOVNIC_VFA_RATE), 0u);
    EXPECT_EQ(rd(VF0, SRIOVNIC_REG_ADMIN(0, SRIOVNIC_VFA_FLAGS)), 0u) << "not a VF's register";
    EXPECT_TRUE(rd(VF0, SRIOVNIC_REG_ERR_CAUSE) & SRIOVNIC_ERR_UNMAPPED);
}

TEST_F(Admin, AdministrativeMacBecomesTheVfsMacAndLocksIt)
{
    wr(VF0, SRIOVNIC_REG_INT_ENABLE_SET, SRIOVNIC_INT_CONFIG);
    wr(VF0, SRIOVNIC_REG_MISC_VECTOR, SRIOVNIC_VECTOR_VALID | 0);
    admin(0, SRIOVNIC_VFA_MAC_LO, lo(kAdminMac));
    admin(0, SRIOVNIC_VFA_MAC_HI, hi(kAdminMac));
    EXPECT_EQ(rd(VF0, SRIOVNIC_REG_MAC_LO), lo(kAdminMac));
    EXPECT_EQ(rd(VF0, SRIOVNIC_REG_MAC_HI), hi(kAdminMac));
    ASSERT_FALSE(platform.msix.empty());
    EXPECT_EQ(platform.msix.back(), std::make_pair(VF0, uint16_t(0))) << "CONFIG interrupt";

    wr(VF0, SRIOVNIC_REG_MAC_LO, lo(kVf0Mac));
    wr(VF0, SRIOVNIC_REG_MAC_HI, hi(kVf0Mac));
    EXPECT_EQ(rd(VF0, SRIOVNIC_REG_MAC_LO), lo(kAdminMac)) << "untrusted VF cannot change it";
    EXPECT_TRUE(rd(VF0, SRIOVNIC_REG_ERR_CAUSE) & SRIOVNIC_ERR_DENIED);

    device->reset_function(VF0);
    EXPECT_EQ(rd(VF0, SRIOVNIC_REG_MAC_LO), lo(kAdminMac)) << "survives VF reset";

    admin(0, SRIOVNIC_VFA_FLAGS, SRIOVNIC_VFA_FLAG_TRUST);
    wr(VF0, SRIOVNIC_REG_MAC_LO, lo(kVf0Mac));
    wr(VF0, SRIOVNIC_REG_MAC_HI, hi(kVf0Mac));
    EXPECT_EQ(rd(VF0, SRIOVNIC_REG_MAC_LO), lo(kVf0Mac)) << "a trusted VF may";

    device->reset_function(PF);
    EXPECT_EQ(admin_rd(0, SRIOVNIC_VFA_MAC_HI), 0u) << "PF reset clears administration";
    EXPECT_EQ(admin_rd(0, SRIOVNIC_VFA_FLAGS), SRIOVNIC_VFA_FLAG_SPOOFCHK);
}

TEST_F(Admin, SpoofCheckDropsForeignSourceMacs)
{
    bring_up(VF0, kVf0Mac);
    const Bytes spoofed = test::ethernet(kRemote, kVf1Mac, 0x0800, 60);
    EXPECT_TRUE(send(VF0, spoofed)) << "completed (silently dropped)";
    EXPECT_TRUE(platform.uplink.empty());
    EXPECT_EQ(stat(VF0, SRIOVNIC_STAT_TX_DROP_SPOOF), 1u);
    EXPECT_EQ(admin_rd(0, SRIOVNIC_VFA_TX_DROPPED), 1u);
    send(VF0, test::ethernet(kRemote, kVf0Mac, 0x0800, 60));
    EXPECT_EQ(platform.uplink.size(), 1u);
    admin(0, SRIOVNIC_VFA_FLAGS, 0);
    send(VF0, spoofed);
    EXPECT_EQ(platform.uplink.size(), 2u) << "spoof check off";
}

TEST_F(Admin, PortVlanIsInsertedOnTransmitAndStrippedOnReceive)
{
    bring_up(PF, kPfMac);
    bring_up(VF0, kVf0Mac);
    bring_up(VF1, kVf1Mac);
    admin(0, SRIOVNIC_VFA_VLAN, 100 | 3 << 12);
    const Bytes out = test::ethernet(kRemote, kVf0Mac, 0x0800, 60);
    send(VF0, out);
    ASSERT_EQ(platform.uplink.size(), 1u);
    const Bytes &wire = platform.uplink[0];
    ASSERT_EQ(wire.size(), out.size() + 4);
    EXPECT_EQ(test::get16(wire, 12), 0x8100);
    EXPECT_EQ(test::get16(wire, 14), 3 << 13 | 100);
    EXPECT_TRUE(std::equal(wire.begin() + 16, wire.end(), out.begin() + 12));

    Bytes tagged = test::ethernet(kVf0Mac, kRemote, 0x8100, 64);
    test::put16(tagged, 14, 100);
    test::put16(tagged, 16, 0x0800);
    ASSERT_TRUE(device->uplink_receive(tagged));
    ASSERT_EQ(received(VF0), 1u);
    const Bytes got = rx_frame(VF0, 0);
    EXPECT_EQ(got.size(), tagged.size() - 4);
    EXPECT_EQ(test::get16(got, 12), 0x0800) << "the VF never sees its port VLAN";
    const test::RxDescFields d = test::load_rx(platform.ram, base(VF0) + 0x100);
    EXPECT_TRUE(d.flags & SRIOVNIC_RXD_VLAN) << "the write-back says a tag was stripped";
    EXPECT_EQ(d.vlan_tci, 100) << "and which (PCP 0 as sent)";

    ASSERT_TRUE(device->uplink_receive(test::ethernet(kVf0Mac, kRemote, 0x0800, 64)));
    EXPECT_EQ(received(VF0), 1u) << "untagged frames are not on the VF's VLAN";
    EXPECT_EQ(stat(VF0, SRIOVNIC_STAT_RX_DROP_FILTER), 1u);

    ASSERT_TRUE(device->uplink_receive(test::ethernet(kBroadcast, kRemote, 0x0806, 28)));
    EXPECT_EQ(received(VF0), 1u) << "nor are untagged broadcasts";
    EXPECT_EQ(received(VF1), 1u) << "a trunk VF gets them";

    Bytes pretagged = test::ethernet(kRemote, kVf0Mac, 0x8100, 64);
    send(VF0, pretagged);
    EXPECT_EQ(platform.uplink.size(), 1u) << "a VF under a port VLAN may not tag itself";
    EXPECT_EQ(stat(VF0, SRIOVNIC_STAT_TX_DROP_SPOOF), 1u);
}

TEST_F(Admin, VfOnAPortVlanReachesThePfTagged)
{
    bring_up(PF, kPfMac);
    bring_up(VF0, kVf0Mac);
    admin(0, SRIOVNIC_VFA_VLAN, 42);
    send(VF0, test::ethernet(kPfMac, kVf0Mac, 0x0800, 60));
    ASSERT_EQ(received(PF), 1u);
    EXPECT_EQ(test::get16(rx_frame(PF, 0), 14), 42) << "the PF is a trunk port";
    EXPECT_TRUE(platform.uplink.empty());
}

TEST_F(Admin, LinkStateDisableCutsTheVfAndEnableOverridesTheUplink)
{
    bring_up(VF0, kVf0Mac);
    admin(0, SRIOVNIC_VFA_FLAGS, SRIOVNIC_VFA_LINK_DISABLE << SRIOVNIC_VFA_LINK_SHIFT);
    EXPECT_FALSE(rd(VF0, SRIOVNIC_REG_STATUS) & SRIOVNIC_STATUS_LINK_UP);
    EXPECT_TRUE(rd(VF0, SRIOVNIC_REG_INT_CAUSE) & SRIOVNIC_INT_LINK);
    send(VF0, test::ethernet(kRemote, kVf0Mac, 0x0800, 60));
    EXPECT_TRUE(platform.uplink.empty());
    EXPECT_EQ(stat(VF0, SRIOVNIC_STAT_TX_DROP_LINK), 1u);
    ASSERT_TRUE(device->uplink_receive(test::ethernet(kVf0Mac, kRemote, 0x0800, 60)));
    EXPECT_EQ(received(VF0), 0u);

    device->set_uplink_link(false);
    admin(0, SRIOVNIC_VFA_FLAGS, SRIOVNIC_VFA_LINK_ENABLE << SRIOVNIC_VFA_LINK_SHIFT);
    EXPECT_TRUE(rd(VF0, SRIOVNIC_REG_STATUS) & SRIOVNIC_STATUS_LINK_UP);
    EXPECT_FALSE(rd(VF1, SRIOVNIC_REG_STATUS) & SRIOVNIC_STATUS_LINK_UP) << "auto follows uplink";
    admin(0, SRIOVNIC_VFA_FLAGS, SRIOVNIC_VFA_LINK_AUTO << SRIOVNIC_VFA_LINK_SHIFT);
    EXPECT_FALSE(rd(VF0, SRIOVNIC_REG_STATUS) & SRIOVNIC_STATUS_LINK_UP);
}

TEST_F(Admin, RateLimitPausesTransmitAndTheTimerResumesIt)
{
    bring_up(VF0, kVf0Mac);
    admin(0, SRIOVNIC_VFA_RATE, 8); // 8 Mbit/s = 1 byte/us; burst 64 KiB
    const Bytes frame = test::ethernet(kRemote, kVf0Mac, 0x0800, 1000);
    unsigned sent = 0;
    for (int i = 0; i < 80; i++) {
        send(VF0, frame);
        sent = unsigned(platform.uplink.size());
        if (platform.timer_deadline) {
            break;
        }
    }
    ASSERT_TRUE(platform.timer_deadline) << "paused once the burst was spent";
    EXPECT_NEAR(double(sent) * frame.size(), 65536.0, 1200.0);
    EXPECT_EQ(stat(VF0, SRIOVNIC_STAT_TX_RATE_WAITS), 1u);
    const uint32_t head = rd(VF0, SRIOVNIC_REG_QUEUE(0, SRIOVNIC_Q_TX_HEAD));
    EXPECT_NE(head, tails[VF0]) << "the frame waits in the ring";

    // 10 ms later 10000 more bytes may go: about ten frames.
    platform.now += 10'000'000;
    platform.timer_deadline.reset();
    device->on_timer();
    EXPECT_EQ(platform.uplink.size(), sent + 1) << "the waiting frame";
    for (int i = 0; i < 20; i++) {
        send(VF0, frame);
    }
    const size_t after = platform.uplink.size();
    EXPECT_GE(after, sent + 9);
    EXPECT_LE(after, sent + 12);

    admin(0, SRIOVNIC_VFA_RATE, 0);
    EXPECT_EQ(rd(VF0, SRIOVNIC_REG_QUEUE(0, SRIOVNIC_Q_TX_HEAD)), tails[VF0])
        << "lifting the limit drains the ring";
}

TEST_F(Admin, BadAdministrativeValuesAreRefused)
{
    admin(0, SRIOVNIC_VFA_VLAN, 0xFFF);
    admin(0, SRIOVNIC_VFA_VLAN, 0x10000);
    admin(0, SRIOVNIC_VFA_FLAGS, 3 << SRIOVNIC_VFA_LINK_SHIFT);
    admin(0, SRIOVNIC_VFA_RATE, SRIOVNIC_RATE_MAX_MBPS + 1);
    admin(0, SRIOVNIC_VFA_MAC_LO, 0x01);
    admin(0, SRIOVNIC_VFA_MAC_HI, 0);
    EXPECT_EQ(rd(PF, SRIOVNIC_REG_ERR_COUNT), 5u);
    EXPECT_TRUE(rd(PF, SRIOVNIC_REG_ERR_CAUSE) & SRIOVNIC_ERR_BAD_VALUE);
    EXPECT_EQ(admin_rd(0, SRIOVNIC_VFA_VLAN), 0u);
    EXPECT_EQ(admin_rd(0, SRIOVNIC_VFA_FLAGS), SRIOVNIC_VFA_FLAG_SPOOFCHK);
    EXPECT_EQ(admin_rd(0, SRIOVNIC_VFA_RATE), 0u);
    admin(0, SRIOVNIC_VFA_RX_PACKETS, 1);
    EXPECT_TRUE(rd(PF, SRIOVNIC_REG_ERR_CAUSE) & SRIOVNIC_ERR_RO_WRITE);
    (void)rd(PF, SRIOVNIC_REG_ADMIN(2, 0)); // only two VFs
    EXPECT_TRUE(rd(PF, SRIOVNIC_REG_ERR_CAUSE) & SRIOVNIC_ERR_UNMAPPED);
}

TEST_F(Admin, VfKeepsItsMacAcrossItsOwnResetButNotThePfs)
{
    bring_up(VF0, kVf0Mac);
    device->reset_function(VF0);
    EXPECT_EQ(rd(VF0, SRIOVNIC_REG_MAC_LO), lo(kVf0Mac));
    ASSERT_TRUE(device->uplink_receive(test::ethernet(kVf0Mac, kRemote, 0x0800, 60)));
    EXPECT_TRUE(platform.uplink.empty());
    bring_up(VF1, kVf1Mac);
    send(VF1, test::ethernet(kVf0Mac, kVf1Mac, 0x0800, 60));
    EXPECT_TRUE(platform.uplink.empty()) << "frames for a resetting VF stay in the card";
    device->reset_function(PF);
    EXPECT_EQ(rd(VF0, SRIOVNIC_REG_MAC_LO), 0u);
}

TEST_F(Admin, MaxMtuLimitsWhatTheVfMaySet)
{
    admin(0, SRIOVNIC_VFA_FLAGS, SRIOVNIC_VFA_FLAG_SPOOFCHK | 1500u << SRIOVNIC_VFA_MAX_MTU_SHIFT);
    wr(VF0, SRIOVNIC_REG_MTU, 9000);
    EXPECT_EQ(rd(VF0, SRIOVNIC_REG_MTU), 1500u);
    EXPECT_TRUE(rd(VF0, SRIOVNIC_REG_ERR_CAUSE) & SRIOVNIC_ERR_DENIED);
    wr(VF0, SRIOVNIC_REG_MTU, 1400);
    EXPECT_EQ(rd(VF0, SRIOVNIC_REG_MTU), 1400u);
    admin(0, SRIOVNIC_VFA_FLAGS, SRIOVNIC_VFA_FLAG_SPOOFCHK | 9000u << SRIOVNIC_VFA_MAX_MTU_SHIFT);
    wr(VF0, SRIOVNIC_REG_MTU, 9000);
    EXPECT_EQ(rd(VF0, SRIOVNIC_REG_MTU), 9000u);
}

TEST_F(Admin, PfSeesVfCounters)
{
    bring_up(VF0, kVf0Mac);
    send(VF0, test::ethernet(kRemote, kVf0Mac, 0x0800, 100));
    EXPECT_EQ(admin_rd(0, SRIOVNIC_VFA_TX_PACKETS), 1u);
    EXPECT_EQ(admin_rd(0, SRIOVNIC_VFA_TX_BYTES), 114u);
    EXPECT_EQ(admin_rd(0, SRIOVNIC_VFA_TX_BYTES + 4), 0u);
}

TEST_F(Admin, MigrationResumesTransmitAndKeepsAdministration)
{
    admin(1, SRIOVNIC_VFA_VLAN, 7);
    admin(1, SRIOVNIC_VFA_RATE, 1000);
    EXPECT_FALSE(device->post_load(VF1));
    EXPECT_EQ(platform.timer_deadline, platform.now) << "transmit kicked after load";
    EXPECT_EQ(admin_rd(1, SRIOVNIC_VFA_VLAN), 7u);
    device->vf_admin_regs(1)->flags = 0xF0; // undefined bits
    EXPECT_TRUE(device->post_load(VF1));
}

} // namespace
} // namespace sriovnic

namespace sriovnic {
namespace {

class Mailbox : public Admin {
protected:
    void vf_send(uint16_t vf_fn, uint32_t opcode, uint32_t arg)
    {
        wr(vf_fn, SRIOVNIC_REG_MBX_VF_MSG(0), opcode);
        wr(vf_fn, SRIOVNIC_REG_MBX_VF_MSG(1), arg);
        wr(vf_fn, SRIOVNIC_REG_MBX_CTRL, SRIOVNIC_MBX_CTRL_SEND);
    }
};

TEST_F(Mailbox, VfMessageReachesThePfAndItsReplyComesBack)
{
    wr(PF, SRIOVNIC_REG_MISC_VECTOR, SRIOVNIC_VECTOR_VALID | 0);
    wr(PF, SRIOVNIC_REG_INT_ENABLE_SET, SRIOVNIC_INT_MBX);
    wr(VF1, SRIOVNIC_REG_MISC_VECTOR, SRIOVNIC_VECTOR_VALID | 0);
    wr(VF1, SRIOVNIC_REG_INT_ENABLE_SET, SRIOVNIC_INT_MBX);

    vf_send(VF1, 0x1234, 42);
    EXPECT_EQ(platform.msix.back(), std::make_pair(PF, uint16_t(0)));
    EXPECT_EQ(rd(PF, SRIOVNIC_REG_PF_MBX_PENDING(0)), 0b10u) << "VF 1 is waiting";
    EXPECT_EQ(rd(VF1, SRIOVNIC_REG_MBX_STATUS), SRIOVNIC_MBX_STATUS_BUSY);
    EXPECT_EQ(rd(PF, SRIOVNIC_REG_PF_MBX_VF_MSG(1, 0)), 0x1234u);
    EXPECT_EQ(rd(PF, SRIOVNIC_REG_PF_MBX_VF_MSG(1, 1)), 42u);

    wr(PF, SRIOVNIC_REG_PF_MBX_PF_MSG(1, 0), 0x9234);
    wr(PF, SRIOVNIC_REG_PF_MBX_PF_MSG(1, 1), 7);
    admin(1, SRIOVNIC_VFA_MBX_CTRL, SRIOVNIC_MBX_CTRL_ACK | SRIOVNIC_MBX_CTRL_SEND);
    EXPECT_EQ(rd(PF, SRIOVNIC_REG_PF_MBX_PENDING(0)), 0u);
    EXPECT_EQ(platform.msix.back(), std::make_pair(VF1, uint16_t(0)));
    EXPECT_EQ(rd(VF1, SRIOVNIC_REG_MBX_STATUS), SRIOVNIC_MBX_STATUS_MSG);
    EXPECT_EQ(rd(VF1, SRIOVNIC_REG_MBX_PF_MSG(0)), 0x9234u);
    EXPECT_EQ(rd(VF1, SRIOVNIC_REG_MBX_PF_MSG(1)), 7u);
    wr(VF1, SRIOVNIC_REG_MBX_CTRL, SRIOVNIC_MBX_CTRL_ACK);
    EXPECT_EQ(rd(VF1, SRIOVNIC_REG_MBX_STATUS), 0u);
    EXPECT_EQ(stat(VF1, SRIOVNIC_STAT_MBX_SENT), 1u);
    EXPECT_EQ(stat(PF, SRIOVNIC_STAT_MBX_SENT), 1u);
}

TEST_F(Mailbox, FloodIsRefusedWithoutReachingThePf)
{
    wr(PF, SRIOVNIC_REG_MISC_VECTOR, SRIOVNIC_VECTOR_VALID | 0);
    wr(PF, SRIOVNIC_REG_INT_ENABLE_SET, SRIOVNIC_INT_MBX);
    vf_send(VF0, 1, 1);
    const size_t interrupts = platform.msix.size();
    for (int i = 0; i < 1000; i++) {
        wr(VF0, SRIOVNIC_REG_MBX_CTRL, SRIOVNIC_MBX_CTRL_SEND);
    }
    EXPECT_EQ(platform.msix.size(), interrupts) << "the PF hears of one message";
    EXPECT_EQ(stat(VF0, SRIOVNIC_STAT_MBX_REFUSED), 1000u);
    EXPECT_TRUE(rd(VF0, SRIOVNIC_REG_ERR_CAUSE) & SRIOVNIC_ERR_MBX_BUSY);
    wr(VF0, SRIOVNIC_REG_MBX_VF_MSG(0), 99);
    EXPECT_EQ(rd(PF, SRIOVNIC_REG_PF_MBX_VF_MSG(0, 0)), 1u) << "a waiting message cannot change";
}

TEST_F(Mailbox, PfCannotOverwriteAnUnreadMessageAndVfResetClearsTheMailbox)
{
    wr(PF, SRIOVNIC_REG_PF_MBX_PF_MSG(0, 0), 5);
    admin(0, SRIOVNIC_VFA_MBX_CTRL, SRIOVNIC_MBX_CTRL_SEND);
    wr(PF, SRIOVNIC_REG_PF_MBX_PF_MSG(0, 0), 6);
    admin(0, SRIOVNIC_VFA_MBX_CTRL, SRIOVNIC_MBX_CTRL_SEND);
    EXPECT_EQ(rd(VF0, SRIOVNIC_REG_MBX_PF_MSG(0)), 5u);
    EXPECT_TRUE(rd(PF, SRIOVNIC_REG_ERR_CAUSE) & SRIOVNIC_ERR_MBX_BUSY);
    EXPECT_EQ(admin_rd(0, SRIOVNIC_VFA_MBX_CTRL), SRIOVNIC_MBX_STATUS_MSG);
    device->reset_function(VF0);
    EXPECT_EQ(rd(VF0, SRIOVNIC_REG_MBX_STATUS), 0u);
    wr(VF0, SRIOVNIC_REG_MBX_PF_MSG(0), 1);
    EXPECT_TRUE(rd(VF0, SRIOVNIC_REG_ERR_CAUSE) & SRIOVNIC_ERR_RO_WRITE);
    EXPECT_EQ(rd(PF, SRIOVNIC_REG_PF_MBX_PENDING(1)), 0u);
}

} // namespace
} // namespace sriovnic

namespace sriovnic {
namespace {

TEST_F(Admin, VlanFilterLimitsWhichTaggedFramesATrunkVfGets)
{
    bring_up(VF0, kVf0Mac);
    auto tagged = [](uint16_t vid) {
        Bytes f = test::ethernet(kBroadcast, kRemote, 0x8100, 64);
        test::put16(f, 14, vid);
        test::put16(f, 16, 0x0806);
        return f;
    };
    ASSERT_TRUE(device->uplink_receive(tagged(400)));
    EXPECT_EQ(received(VF0), 1u) << "no filter: a trunk";
    wr(PF, SRIOVNIC_REG_PF_VF_SELECT, 0);
    wr(PF, SRIOVNIC_REG_PF_VLAN_FILTER, SRIOVNIC_VLAN_FILTER_ADD | 300);
    EXPECT_EQ(rd(PF, SRIOVNIC_REG_PF_VLAN_FILTER), 1u);
    ASSERT_TRUE(device->uplink_receive(tagged(400)));
    EXPECT_EQ(received(VF0), 1u) << "400 is not in the filter";
    ASSERT_TRUE(device->uplink_receive(tagged(300)));
    EXPECT_EQ(received(VF0), 2u);
    ASSERT_TRUE(device->uplink_receive(test::ethernet(kBroadcast, kRemote, 0x0806, 28)));
    EXPECT_EQ(received(VF0), 3u) << "untagged always";
    device->reset_function(VF0);
    EXPECT_EQ(rd(PF, SRIOVNIC_REG_PF_VLAN_FILTER), 1u) << "the PF's filter survives a VF reset";
    wr(PF, SRIOVNIC_REG_PF_VLAN_FILTER, 300);
    EXPECT_EQ(rd(PF, SRIOVNIC_REG_PF_VLAN_FILTER), 0u);
    wr(PF, SRIOVNIC_REG_PF_VLAN_FILTER, SRIOVNIC_VLAN_FILTER_ADD | 5);
    wr(PF, SRIOVNIC_REG_PF_VLAN_FILTER, SRIOVNIC_VLAN_FILTER_ADD | 6);
    wr(PF, SRIOVNIC_REG_PF_VLAN_FILTER, SRIOVNIC_VLAN_FILTER_CLEAR);
    EXPECT_EQ(rd(PF, SRIOVNIC_REG_PF_VLAN_FILTER), 0u) << "cleared in one write";
    wr(PF, SRIOVNIC_REG_PF_VF_SELECT, 2); // only two VFs
    wr(PF, SRIOVNIC_REG_PF_VLAN_FILTER, 0x1FFF);
    EXPECT_EQ(rd(PF, SRIOVNIC_REG_ERR_COUNT), 2u);
    wr(VF0, SRIOVNIC_REG_PF_VF_SELECT, 0);
    EXPECT_TRUE(rd(VF0, SRIOVNIC_REG_ERR_CAUSE) & SRIOVNIC_ERR_UNMAPPED) << "PF only";
}

TEST_F(Admin, PfTakesOverAVfsMulticastFilter)
{
    bring_up(VF0, kVf0Mac);
    const Mac group = {0x01, 0x00, 0x5e, 0x01, 0x02, 0x03};
    const Bytes frame = test::ethernet(group, kRemote, 0x0800, 64);
    const unsigned bucket = mc_hash_bucket(group);
    const uint32_t reg = bucket < 32 ? SRIOVNIC_REG_MC_HASH_LO : SRIOVNIC_REG_MC_HASH_HI;
    const uint32_t pf_reg = reg - SRIOVNIC_REG_MC_HASH_LO + SRIOVNIC_REG_PF_VF_MC_HASH_LO;
    const uint32_t bit = 1u << (bucket % 32);

    // Without a PF driver that manages it, a VF sets its own filter.
    wr(VF0, reg, bit);
    ASSERT_TRUE(device->uplink_receive(frame));
    EXPECT_EQ(received(VF0), 1u);
    device->reset_function(VF0);
    EXPECT_EQ(rd(VF0, reg), 0u) << "the VF's own setting goes with its reset";

    wr(PF, SRIOVNIC_REG_PF_VF_SELECT, 0);
    wr(PF, pf_reg, bit);
    EXPECT_EQ(rd(VF0, reg), bit) << "the VF sees what the PF set";
    wr(VF0, reg, 0);
    EXPECT_TRUE(rd(VF0, SRIOVNIC_REG_ERR_CAUSE) & SRIOVNIC_ERR_RO_WRITE) << "the PF's now";
    EXPECT_EQ(rd(VF0, reg), bit);

    device->reset_function(VF0);
    bring_up(VF0, kVf0Mac);
    ASSERT_TRUE(device->uplink_receive(frame));
    EXPECT_EQ(received(VF0), 1u) << "the PF's filter survives the VF's reset (rings restart)";
    wr(VF0, reg, 0);
    EXPECT_EQ(rd(VF0, reg), bit) << "and stays the PF's";

    device->reset_function(PF);
    EXPECT_EQ(rd(VF0, reg), 0u) << "a PF reset clears it";
    wr(VF0, reg, bit);
    EXPECT_EQ(rd(VF0, reg), bit) << "and hands it back to the VF";

    wr(PF, SRIOVNIC_REG_PF_VF_SELECT, 1);
    wr(PF, SRIOVNIC_REG_PF_VF_MC_HASH_HI, 0x80000000u);
    EXPECT_EQ(rd(VF1, SRIOVNIC_REG_MC_HASH_HI), 0x80000000u);
    EXPECT_EQ(rd(PF, SRIOVNIC_REG_PF_VF_MC_HASH_HI), 0x80000000u);
    EXPECT_EQ(rd(PF, SRIOVNIC_REG_MC_HASH_HI), 0u) << "the PF's own filter is apart";
    device->vf_admin_regs(1)->mc_hash_by_pf = 2;
    EXPECT_TRUE(device->post_load(VF1)) << "impossible ownership is refused";
}

TEST_F(Admin, AnnouncementNamesEveryReceivingVfOnItsPortVlanButNotThePf)
{
    bring_up(PF, kPfMac);
    bring_up(VF0, kVf0Mac);
    bring_up(VF1, kVf1Mac);
    admin(0, SRIOVNIC_VFA_VLAN, 100);
    platform.uplink.clear();
    ASSERT_EQ(device->announce(), 2u) << "QEMU announces the PF's MAC itself";
    ASSERT_EQ(platform.uplink.size(), 2u);
    for (const Bytes &f : platform.uplink) {
        EXPECT_TRUE(std::all_of(f.begin(), f.begin() + 6, [](uint8_t b) { return b == 0xff; }));
        Mac src;
        std::copy_n(f.begin() + 6, 6, src.begin());
        const bool tagged = src == kVf0Mac;
        EXPECT_TRUE(tagged || src == kVf1Mac);
        const size_t type_at = tagged ? 16 : 12;
        if (tagged) {
            EXPECT_EQ(test::get16(f, 12), 0x8100);
            EXPECT_EQ(test::get16(f, 14) & 0xfff, 100);
        }
        EXPECT_EQ(test::get16(f, type_at), 0x8035) << "RARP, as QEMU announces";
        EXPECT_EQ(test::get16(f, type_at + 2 + 6), 3) << "reverse request";
        EXPECT_TRUE(std::equal(src.begin(), src.end(), f.begin() + long(type_at) + 2 + 8));
        EXPECT_EQ(f.size(), tagged ? 64u : 60u);
    }

    wr(VF1, SRIOVNIC_REG_CTRL, 0); // a VF nobody drives is not announced
    platform.uplink.clear();
    EXPECT_EQ(device->announce(), 1u);
    device->set_uplink_link(false);
    EXPECT_EQ(device->announce(), 0u) << "nothing goes out on a link that is down";
    EXPECT_EQ(platform.uplink.size(), 1u);
}

} // namespace
} // namespace sriovnic
