// SPDX-License-Identifier: GPL-2.0-or-later
// The host-owned topology: a VF plugged into the guest as a standalone
// function and unplugged again, and the MAC the host gives it.
#include "nic_fixture.hpp"

namespace sriovnic::test {
namespace {

const Mac kHostMac = {0x52, 0x54, 0x00, 0x12, 0x34, 0x60};

class StandaloneVf : public Nic {};

// A card the host owns: the host, not a PF driver, administers its VFs.
class HostOwnedVf : public Nic {
protected:
    HostOwnedVf()
    {
        SriovnicCoreConfig cfg = card_config(4, 2, 2, kPfMac);
        cfg.host_owned = true;
        device = std::make_unique<Device>(cfg, platform);
        device->subscribe(platform);
        device->set_active_vfs(4);
    }

    std::optional<std::string> host_mac(uint16_t vf, const Mac &mac)
    {
        SriovnicVfSettings s{};
        s.has_mac = true;
        std::copy(mac.begin(), mac.end(), s.mac);
        return device->host_set_vf(vf, s);
    }
};

TEST_F(StandaloneVf, PlugRefusesAVfTheCardLacksNamingTheRange)
{
    auto problem = device->plug_standalone_vf(4);
    ASSERT_TRUE(problem);
    EXPECT_EQ(*problem, "property 'vf' must be between 0 and 3 (got 4)");
    EXPECT_FALSE(device->standalone_vf_plugged(3));
}

TEST_F(StandaloneVf, AVfIsPluggedOnceUntilUnplugged)
{
    EXPECT_FALSE(device->plug_standalone_vf(2));
    EXPECT_TRUE(device->standalone_vf_plugged(2));
    auto again = device->plug_standalone_vf(2);
    ASSERT_TRUE(again);
    EXPECT_NE(again->find("VF 2 is already plugged"), std::string::npos) << *again;
    EXPECT_FALSE(device->plug_standalone_vf(1)) << "another VF is free";

    device->unplug_standalone_vf(2);
    EXPECT_FALSE(device->standalone_vf_plugged(2));
    EXPECT_FALSE(device->plug_standalone_vf(2)) << "free again after unplug";
}

TEST_F(StandaloneVf, UnplugLeavesTheVfQuietNoDmaNoInterrupt)
{
    ASSERT_FALSE(device->plug_standalone_vf(0));
    bring_up(VF0, kVf0Mac);
    const Bytes frame = ethernet(kVf0Mac, kRemote, 0x0800, 64);
    ASSERT_TRUE(device->uplink_receive(frame));
    ASSERT_EQ(qrd(VF0, 0, SRIOVNIC_Q_RX_HEAD), 1u) << "the VF received while plugged";
    ASSERT_FALSE(platform.msix.empty()) << "and signalled it";
    qwr(VF0, 0, SRIOVNIC_Q_IRQ, SRIOVNIC_QIRQ_UNMASK);

    device->unplug_standalone_vf(0);
    EXPECT_EQ(rd(VF0, SRIOVNIC_REG_CTRL) & SRIOVNIC_CTRL_ENABLE, 0u);
    EXPECT_EQ(qrd(VF0, 0, SRIOVNIC_Q_RX_CTRL), 0u);
    platform.dma_fns.clear();
    platform.msix.clear();
    EXPECT_TRUE(device->uplink_receive(frame));
    EXPECT_TRUE(device->uplink_receive(ethernet(kBroadcast, kRemote, 0x0800, 64)));
    for (uint16_t fn : platform.dma_fns) {
        EXPECT_NE(fn, VF0) << "DMA as the unplugged VF";
    }
    for (auto [fn, vector] : platform.msix) {
        EXPECT_NE(fn, VF0) << "MSI-X of the unplugged VF, vector " << vector;
    }
}

TEST_F(StandaloneVf, UnplugOfAVfNotPluggedChangesNothing)
{
    bring_up(VF1, kVf0Mac);
    device->unplug_standalone_vf(1);
    EXPECT_EQ(rd(VF1, SRIOVNIC_REG_CTRL) & SRIOVNIC_CTRL_ENABLE, SRIOVNIC_CTRL_ENABLE);
}

TEST_F(HostOwnedVf, HostMacIsTheVfsMacAsThePfAdminWouldSetIt)
{
    EXPECT_FALSE(host_mac(1, kHostMac));
    EXPECT_EQ(rd(VF1, SRIOVNIC_REG_MAC_LO), mac_lo(kHostMac));
    EXPECT_EQ(rd(VF1, SRIOVNIC_REG_MAC_HI), mac_hi(kHostMac));
    EXPECT_EQ(rd(PF, SRIOVNIC_REG_ADMIN(1, SRIOVNIC_VFA_MAC_LO)), mac_lo(kHostMac));
    EXPECT_EQ(rd(PF, SRIOVNIC_REG_ADMIN(1, SRIOVNIC_VFA_MAC_HI)), mac_hi(kHostMac));

    device->reset_function(VF1); // the guest's FLR
    EXPECT_EQ(rd(VF1, SRIOVNIC_REG_MAC_LO), mac_lo(kHostMac)) << "kept across the VF's reset";
    device->unplug_standalone_vf(1);
    EXPECT_EQ(rd(VF1, SRIOVNIC_REG_MAC_HI), mac_hi(kHostMac)) << "the host's, not the guest's";
}

TEST_F(HostOwnedVf, HostMacRefusesGroupAddressesAndMissingVfs)
{
    const Mac group = {0x01, 0x00, 0x5e, 0x00, 0x00, 0x01};
    auto bad = host_mac(0, group);
    ASSERT_TRUE(bad);
    EXPECT_NE(bad->find("unicast"), std::string::npos) << *bad;
    EXPECT_TRUE(host_mac(4, kHostMac));
}

TEST_F(HostOwnedVf, ADriverlessVfGetsItsNewMacWithoutANotice)
{
    EXPECT_FALSE(host_mac(1, kHostMac));
    EXPECT_EQ(rd(VF1, SRIOVNIC_REG_MBX_STATUS), 0u) << "no driver to tell; HELLO will say";
    bring_up(VF1, kVf1Mac);
    EXPECT_FALSE(host_mac(1, kVf0Mac));
    EXPECT_EQ(rd(VF1, SRIOVNIC_REG_MBX_STATUS), SRIOVNIC_MBX_STATUS_MSG) << "its driver is told";
    EXPECT_EQ(rd(VF1, SRIOVNIC_REG_MBX_PF_MSG(0)), SRIOVNIC_MBX_W0(SRIOVNIC_MBX_PF_RESET, 0, 0));
}

} // namespace
} // namespace sriovnic::test
