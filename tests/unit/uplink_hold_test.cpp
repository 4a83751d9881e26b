// SPDX-License-Identifier: GPL-2.0-or-later
// A frame from the backend whose only destination has no buffer is held by
// the backend, and QEMU delivers nothing more to the card until the card says
// it may retry. The card must say so whenever the frame may find its way:
// buffers posted, but also the destination going away or the steering
// changing. Otherwise the whole uplink stalls.
#include "synth_fixture.hpp"

#include <gtest/gtest.h>

namespace sriovnic {
namespace {

using test::Bytes;
using test::SynthNic;
using test::VF0;
using test::VF1;
using test::kRemote;
using test::kSynthMac;
using test::kVf1Mac;

class UplinkHold : public SynthNic {
protected:
    void SetUp() override
    {
        bring_up(SRIOVNIC_SYNTH_F_ALL, /*rx_chains=*/0); // the channel's RX ring runs dry
        Nic::bring_up(VF0, kSynthMac);
        Nic::bring_up(VF1, kVf1Mac);
        (void)events();
    }

    const Bytes frame = test::ethernet(kSynthMac, kRemote, 0x0800, 80);
};

TEST_F(UplinkHold, ResettingTheHoldingChannelLetsTheUplinkGoOn)
{
    ASSERT_FALSE(device->uplink_receive(frame)) << "held: no buffer";
    const unsigned before = platform.ready_calls;
    swr(SRIOVNIC_REG_CTRL, SRIOVNIC_CTRL_RESET);
    EXPECT_GT(platform.ready_calls, before);
    EXPECT_TRUE(device->uplink_receive(frame)) << "offered again: taken (dropped)";
}

TEST_F(UplinkHold, DisablingTheHoldingRingLetsTheUplinkGoOn)
{
    ASSERT_FALSE(device->uplink_receive(frame));
    const unsigned before = platform.ready_calls;
    sqwr(SRIOVNIC_SYNTH_Q_RX, SRIOVNIC_SYNTH_QR_ENABLE, 0);
    EXPECT_GT(platform.ready_calls, before);
    EXPECT_TRUE(device->uplink_receive(frame));
}

TEST_F(UplinkHold, SwitchingToTheVfLetsTheHeldFrameReachIt)
{
    ASSERT_FALSE(device->uplink_receive(frame));
    const unsigned before = platform.ready_calls;
    ASSERT_EQ(switch_to(SRIOVNIC_SYNTH_PATH_VF, 0, offered_serial()), 0u);
    EXPECT_GT(platform.ready_calls, before);
    EXPECT_TRUE(device->uplink_receive(frame)) << "the VF has buffers";
    EXPECT_EQ(stat(VF0, SRIOVNIC_STAT_RX_PACKETS), 1u);
}

TEST_F(UplinkHold, ResettingAHoldingVfLetsTheUplinkGoOn)
{
    const Bytes to_vf1 = test::ethernet(kVf1Mac, kRemote, 0x0800, 80);
    for (int i = 0; i < 64 && device->uplink_receive(to_vf1); i++) {
    }
    ASSERT_FALSE(device->uplink_receive(to_vf1)) << "VF1's ring is full";
    const unsigned before = platform.ready_calls;
    device->reset_function(VF1); // FLR: VF1's rings are gone
    EXPECT_GT(platform.ready_calls, before);
    EXPECT_TRUE(device->uplink_receive(to_vf1));
}

} // namespace
} // namespace sriovnic
