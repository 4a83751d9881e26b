// SPDX-License-Identifier: GPL-2.0-or-later
#include "device.hpp"
#include "fake_platform.hpp"
#include "sriovnic/regs.h"

#include <gtest/gtest.h>

#include <memory>

namespace sriovnic {
namespace {

constexpr uint16_t PF = SRIOVNIC_FN_PF;
constexpr uint16_t VF0 = SRIOVNIC_FN_VF(0);
constexpr uint16_t VF1 = SRIOVNIC_FN_VF(1);

SriovnicCoreConfig make_config(uint16_t vfs = 8)
{
    SriovnicCoreConfig cfg{};
    cfg.total_vfs = vfs;
    cfg.max_vfs = 255;
    cfg.pf_queue_pairs = 4;
    cfg.vf_queue_pairs = 2;
    const uint8_t mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
    std::copy(std::begin(mac), std::end(mac), cfg.mac);
    return cfg;
}

class DeviceTest : public ::testing::Test {
protected:
    explicit DeviceTest(SriovnicCoreConfig cfg = make_config())
        : device(std::make_unique<Device>(cfg, platform))
    {
        device->subscribe(platform);
    }

    uint32_t rd(uint16_t fn, uint32_t reg) { return uint32_t(device->read(fn, reg, 4)); }
    void wr(uint16_t fn, uint32_t reg, uint32_t value) { device->write(fn, reg, 4, value); }

    test::FakePlatform platform;
    std::unique_ptr<Device> device;
};

TEST_F(DeviceTest, IdentifiesPfAndVfs)
{
    EXPECT_EQ(rd(PF, SRIOVNIC_REG_ID), SRIOVNIC_ID_MAGIC);
    EXPECT_EQ(rd(PF, SRIOVNIC_REG_VERSION), SRIOVNIC_VERSION_VALUE);
    EXPECT_EQ(rd(PF, SRIOVNIC_REG_CAPS), SRIOVNIC_CAPS_SRIOV | 4u << SRIOVNIC_CAPS_QPAIRS_SHIFT);
    EXPECT_EQ(rd(PF, SRIOVNIC_REG_FUNC), 0u);
    EXPECT_EQ(rd(VF1, SRIOVNIC_REG_ID), SRIOVNIC_ID_MAGIC);
    EXPECT_EQ(rd(VF1, SRIOVNIC_REG_CAPS), SRIOVNIC_CAPS_IS_VF | 2u << SRIOVNIC_CAPS_QPAIRS_SHIFT);
    EXPECT_EQ(rd(VF1, SRIOVNIC_REG_FUNC), 2u);
    EXPECT_EQ(rd(PF, SRIOVNIC_REG_ERR_COUNT), 0u);
}

TEST_F(DeviceTest, PfShowsItsPermanentMacAndVfsStartWithout)
{
    EXPECT_EQ(rd(PF, SRIOVNIC_REG_MAC_LO), 0x12005452u);
    EXPECT_EQ(rd(PF, SRIOVNIC_REG_MAC_HI), 0x5634u);
    EXPECT_EQ(rd(VF0, SRIOVNIC_REG_MAC_LO), 0u);
    EXPECT_EQ(rd(VF0, SRIOVNIC_REG_MAC_HI), 0u);
}

TEST_F(DeviceTest, MsixVectorsFollowQueuePairs)
{
    EXPECT_EQ(device->msix_vectors(PF), 5);
    EXPECT_EQ(device->msix_vectors(VF0), 3);
}

TEST_F(DeviceTest, ScratchHoldsAnyValuePerFunction)
{
    wr(PF, SRIOVNIC_REG_SCRATCH, 0xdeadbeef);
    wr(VF0, SRIOVNIC_REG_SCRATCH, 0x12345678);
    EXPECT_EQ(rd(PF, SRIOVNIC_REG_SCRATCH), 0xdeadbeefu);
    EXPECT_EQ(rd(VF0, SRIOVNIC_REG_SCRATCH), 0x12345678u);
    EXPECT_EQ(rd(VF1, SRIOVNIC_REG_SCRATCH), 0u);
}

TEST_F(DeviceTest, CtrlKeepsOnlyDefinedBitsAndStatusFollows)
{
    EXPECT_EQ(rd(PF, SRIOVNIC_REG_STATUS), SRIOVNIC_STATUS_RESET_DONE | SRIOVNIC_STATUS_LINK_UP);
    wr(PF, SRIOVNIC_REG_CTRL, 0xfffffffe);
    EXPECT_EQ(rd(PF, SRIOVNIC_REG_CTRL), SRIOVNIC_CTRL_ENABLE);
    EXPECT_EQ(rd(PF, SRIOVNIC_REG_STATUS), SRIOVNIC_STATUS_ENABLED | SRIOVNIC_STATUS_LINK_UP);
    EXPECT_EQ(rd(PF, SRIOVNIC_REG_ERR_CAUSE), 0u) << "reserved bits are ignored, not errors";
}

TEST_F(DeviceTest, SoftwareResetRestoresDefaultsAndReportsCompletion)
{
    wr(VF0, SRIOVNIC_REG_SCRATCH, 7);
    wr(VF0, SRIOVNIC_REG_CTRL, SRIOVNIC_CTRL_ENABLE);
    wr(VF0, SRIOVNIC_REG_INT_ENABLE_SET, SRIOVNIC_INT_SOFTWARE);
    wr(VF0, SRIOVNIC_REG_CTRL, SRIOVNIC_CTRL_RESET | SRIOVNIC_CTRL_ENABLE);
    EXPECT_EQ(rd(VF0, SRIOVNIC_REG_SCRATCH), 0u);
    EXPECT_EQ(rd(VF0, SRIOVNIC_REG_CTRL), 0u) << "RESET self-clears and wins over ENABLE";
    EXPECT_EQ(rd(VF0, SRIOVNIC_REG_INT_ENABLE_SET), 0u);
    EXPECT_EQ(rd(VF0, SRIOVNIC_REG_STATUS), SRIOVNIC_STATUS_RESET_DONE | SRIOVNIC_STATUS_LINK_UP);
    EXPECT_EQ(rd(VF0, SRIOVNIC_REG_INT_CAUSE), SRIOVNIC_INT_RESET_DONE);
    EXPECT_TRUE(platform.msix.empty()) << "reset leaves interrupts disabled";
}

TEST_F(DeviceTest, FlrOfOneVfLeavesOthersAndPfAlone)
{
    wr(PF, SRIOVNIC_REG_SCRATCH, 1);
    wr(VF0, SRIOVNIC_REG_SCRATCH, 2);
    wr(VF1, SRIOVNIC_REG_SCRATCH, 3);
    device->reset_function(VF0);
    EXPECT_EQ(rd(PF, SRIOVNIC_REG_SCRATCH), 1u);
    EXPECT_EQ(rd(VF0, SRIOVNIC_REG_SCRATCH), 0u);
    EXPECT_EQ(rd(VF1, SRIOVNIC_REG_SCRATCH), 3u);
}

TEST_F(DeviceTest, WriteToReadOnlyRegisterIsIgnoredAndFlagged)
{
    wr(PF, SRIOVNIC_REG_ID, 0);
    EXPECT_EQ(rd(PF, SRIOVNIC_REG_ID), SRIOVNIC_ID_MAGIC);
    EXPECT_EQ(rd(PF, SRIOVNIC_REG_ERR_CAUSE), SRIOVNIC_ERR_RO_WRITE);
    EXPECT_EQ(rd(PF, SRIOVNIC_REG_ERR_COUNT), 1u);
    EXPECT_EQ(rd(PF, SRIOVNIC_REG_ERR_ADDR), SRIOVNIC_REG_ID);
    EXPECT_TRUE(rd(PF, SRIOVNIC_REG_STATUS) & SRIOVNIC_STATUS_ERROR);
    EXPECT_TRUE(rd(PF, SRIOVNIC_REG_INT_CAUSE) & SRIOVNIC_INT_ERROR);

    wr(PF, SRIOVNIC_REG_PF_TOTAL_VFS, 99);
    EXPECT_EQ(rd(PF, SRIOVNIC_REG_PF_TOTAL_VFS), 8u);
    EXPECT_EQ(rd(PF, SRIOVNIC_REG_ERR_COUNT), 2u);
    EXPECT_EQ(rd(PF, SRIOVNIC_REG_ERR_ADDR), SRIOVNIC_REG_PF_TOTAL_VFS);

    wr(PF, SRIOVNIC_REG_ERR_CAUSE, SRIOVNIC_ERR_RO_WRITE);
    EXPECT_EQ(rd(PF, SRIOVNIC_REG_ERR_CAUSE), 0u);
    EXPECT_FALSE(rd(PF, SRIOVNIC_REG_STATUS) & SRIOVNIC_STATUS_ERROR);
}

TEST_F(DeviceTest, NarrowWideAndUnalignedAccessesAreBadAccesses)
{
    wr(PF, SRIOVNIC_REG_SCRATCH, 0x11223344);
    EXPECT_EQ(device->read(PF, SRIOVNIC_REG_SCRATCH, 1), 0xffu);
    EXPECT_EQ(device->read(PF, SRIOVNIC_REG_SCRATCH, 2), 0xffffu);
    EXPECT_EQ(device->read(PF, SRIOVNIC_REG_SCRATCH, 8), ~uint64_t(0));
    EXPECT_EQ(device->read(PF, SRIOVNIC_REG_SCRATCH + 1, 4), 0xffffffffu);
    device->write(PF, SRIOVNIC_REG_SCRATCH, 2, 0);
    device->write(PF, SRIOVNIC_REG_SCRATCH, 8, 0);
    device->write(PF, SRIOVNIC_REG_SCRATCH + 2, 4, 0);
    EXPECT_EQ(rd(PF, SRIOVNIC_REG_SCRATCH), 0x11223344u) << "bad writes are dropped";
    EXPECT_EQ(rd(PF, SRIOVNIC_REG_ERR_CAUSE), SRIOVNIC_ERR_BAD_ACCESS);
    EXPECT_EQ(rd(PF, SRIOVNIC_REG_ERR_COUNT), 7u);
    EXPECT_EQ(rd(PF, SRIOVNIC_REG_ERR_ADDR), SRIOVNIC_REG_SCRATCH + 2);
}

TEST_F(DeviceTest, ReservedWindowsReadZeroAndFlagUnmapped)
{
    const uint32_t beyond_pf_queues = SRIOVNIC_REG_QUEUE(4, SRIOVNIC_Q_TX_BASE_LO);
    EXPECT_EQ(rd(PF, beyond_pf_queues), 0u);
    EXPECT_EQ(rd(PF, SRIOVNIC_REG_ERR_CAUSE), SRIOVNIC_ERR_UNMAPPED);
    EXPECT_EQ(rd(PF, SRIOVNIC_REG_ERR_ADDR), beyond_pf_queues);
    wr(PF, SRIOVNIC_REG_MBX_BASE, 1); // the mailbox window is the VFs'
    EXPECT_EQ(rd(PF, SRIOVNIC_REG_ERR_ADDR), SRIOVNIC_REG_MBX_BASE);
    wr(VF0, 0x0900, 1);
    EXPECT_EQ(rd(VF0, SRIOVNIC_REG_ERR_CAUSE), SRIOVNIC_ERR_UNMAPPED);
    EXPECT_EQ(device->read(VF0, SRIOVNIC_VF_REGS_SIZE, 4), 0u) << "beyond the BAR";
}

TEST_F(DeviceTest, VfCannotSeePfOnlyRegisters)
{
    device->set_active_vfs(3);
    EXPECT_EQ(rd(PF, SRIOVNIC_REG_PF_TOTAL_VFS), 8u);
    EXPECT_EQ(rd(PF, SRIOVNIC_REG_PF_ACTIVE_VFS), 3u);
    EXPECT_EQ(rd(VF0, SRIOVNIC_REG_PF_TOTAL_VFS), 0u);
    EXPECT_EQ(rd(VF0, SRIOVNIC_REG_ERR_CAUSE), SRIOVNIC_ERR_UNMAPPED);
}

TEST_F(DeviceTest, ActiveVfsNeverExceedsTotal)
{
    device->set_active_vfs(200);
    EXPECT_EQ(rd(PF, SRIOVNIC_REG_PF_ACTIVE_VFS), 8u);
}

TEST_F(DeviceTest, VfEnableBeyondTotalVfsIsRefusedAndFlagged)
{
    wr(PF, SRIOVNIC_REG_ERR_ADDR - 0, 0); // an RO write first, to latch ERR_ADDR
    wr(PF, SRIOVNIC_REG_ERR_CAUSE, SRIOVNIC_ERR_ALL);
    EXPECT_TRUE(device->request_vf_enable(8));
    EXPECT_TRUE(device->request_vf_enable(0));
    EXPECT_FALSE(device->request_vf_enable(9));
    EXPECT_EQ(rd(PF, SRIOVNIC_REG_ERR_CAUSE), SRIOVNIC_ERR_BAD_NUMVFS);
    EXPECT_EQ(rd(PF, SRIOVNIC_REG_ERR_COUNT), 2u);
    EXPECT_EQ(rd(PF, SRIOVNIC_REG_ERR_ADDR), SRIOVNIC_REG_ERR_ADDR) << "no register involved";
}

TEST_F(DeviceTest, ErrorCountSaturates)
{
    device->fn_regs(PF)->err_count = 0xfffffffe;
    wr(PF, SRIOVNIC_REG_ID, 0);
    wr(PF, SRIOVNIC_REG_ID, 0);
    EXPECT_EQ(rd(PF, SRIOVNIC_REG_ERR_COUNT), 0xffffffffu);
}

TEST_F(DeviceTest, InterruptFiresOnceOnMiscVectorPerNewCause)
{
    wr(VF1, SRIOVNIC_REG_MISC_VECTOR, SRIOVNIC_VECTOR_VALID | 2);
    wr(VF1, SRIOVNIC_REG_INT_ENABLE_SET, SRIOVNIC_INT_SOFTWARE);
    wr(VF1, SRIOVNIC_REG_INT_CAUSE_SET, SRIOVNIC_INT_SOFTWARE);
    ASSERT_EQ(platform.msix.size(), 1u);
    EXPECT_EQ(platform.msix[0], std::make_pair(VF1, uint16_t(2)));

    wr(VF1, SRIOVNIC_REG_INT_CAUSE_SET, SRIOVNIC_INT_SOFTWARE);
    EXPECT_EQ(platform.msix.size(), 1u) << "still pending: no new message";

    wr(VF1, SRIOVNIC_REG_INT_CAUSE, SRIOVNIC_INT_SOFTWARE);
    EXPECT_EQ(rd(VF1, SRIOVNIC_REG_INT_CAUSE), 0u);
    wr(VF1, SRIOVNIC_REG_INT_CAUSE_SET, SRIOVNIC_INT_SOFTWARE);
    EXPECT_EQ(platform.msix.size(), 2u);
}

TEST_F(DeviceTest, MaskedCauseFiresWhenEnabled)
{
    wr(PF, SRIOVNIC_REG_MISC_VECTOR, SRIOVNIC_VECTOR_VALID | 0);
    wr(PF, SRIOVNIC_REG_INT_CAUSE_SET, SRIOVNIC_INT_SOFTWARE);
    EXPECT_TRUE(platform.msix.empty());
    EXPECT_FALSE(platform.intx);
    wr(PF, SRIOVNIC_REG_INT_ENABLE_SET, SRIOVNIC_INT_SOFTWARE);
    EXPECT_EQ(platform.msix.size(), 1u);
    EXPECT_TRUE(platform.intx);
    wr(PF, SRIOVNIC_REG_INT_ENABLE_CLR, SRIOVNIC_INT_SOFTWARE);
    EXPECT_FALSE(platform.intx);
    EXPECT_EQ(rd(PF, SRIOVNIC_REG_INT_CAUSE), SRIOVNIC_INT_SOFTWARE) << "masking keeps the cause";
}

TEST_F(DeviceTest, ErrorsRaiseTheErrorInterrupt)
{
    wr(VF0, SRIOVNIC_REG_MISC_VECTOR, SRIOVNIC_VECTOR_VALID | 0);
    wr(VF0, SRIOVNIC_REG_INT_ENABLE_SET, SRIOVNIC_INT_ERROR);
    (void)device->read(VF0, 3, 4);
    ASSERT_EQ(platform.msix.size(), 1u);
    EXPECT_EQ(platform.msix[0], std::make_pair(VF0, uint16_t(0)));
}

TEST_F(DeviceTest, VectorBeyondTableIsRefusedAndFlagged)
{
    wr(VF0, SRIOVNIC_REG_MISC_VECTOR, SRIOVNIC_VECTOR_VALID | 3); // VF has vectors 0..2
    EXPECT_EQ(rd(VF0, SRIOVNIC_REG_ERR_CAUSE), SRIOVNIC_ERR_BAD_VECTOR);
    wr(VF0, SRIOVNIC_REG_INT_ENABLE_SET, SRIOVNIC_INT_SOFTWARE);
    wr(VF0, SRIOVNIC_REG_INT_CAUSE_SET, SRIOVNIC_INT_SOFTWARE);
    EXPECT_TRUE(platform.msix.empty());
    EXPECT_FALSE(platform.intx) << "a VF never drives INTx";
}

TEST_F(DeviceTest, UnknownFunctionReadsAllOnesAndIgnoresWrites)
{
    EXPECT_EQ(device->read(9, SRIOVNIC_REG_ID, 4), 0xffffffffu);
    device->write(9, SRIOVNIC_REG_SCRATCH, 4, 1);
    EXPECT_EQ(device->fn_regs(9), nullptr);
}

TEST_F(DeviceTest, PostLoadAcceptsRealStateAndRejectsImpossibleBits)
{
    wr(VF0, SRIOVNIC_REG_SCRATCH, 5);
    wr(VF0, SRIOVNIC_REG_CTRL, SRIOVNIC_CTRL_ENABLE);
    EXPECT_FALSE(device->post_load(VF0));

    device->fn_regs(VF0)->ctrl = 0x80;
    auto problem = device->post_load(VF0);
    ASSERT_TRUE(problem);
    EXPECT_NE(problem->find("ctrl"), std::string::npos);

    device->fn_regs(VF0)->ctrl = 0;
    device->fn_regs(VF0)->err_addr = SRIOVNIC_VF_REGS_SIZE;
    problem = device->post_load(VF0);
    ASSERT_TRUE(problem);
    EXPECT_NE(problem->find("err_addr"), std::string::npos);
    EXPECT_TRUE(device->post_load(77));
}

TEST_F(DeviceTest, PostLoadDoesNotResignalDeliveredInterrupts)
{
    wr(PF, SRIOVNIC_REG_MISC_VECTOR, SRIOVNIC_VECTOR_VALID | 1);
    SriovnicFnRegs &regs = *device->fn_regs(PF);
    regs.int_enable = SRIOVNIC_INT_SOFTWARE;
    regs.int_cause = SRIOVNIC_INT_SOFTWARE;
    ASSERT_FALSE(device->post_load(PF));
    wr(PF, SRIOVNIC_REG_SCRATCH, 1);
    EXPECT_TRUE(platform.msix.empty());
}

TEST_F(DeviceTest, StateChangesAreTraced)
{
    using S = std::string;
    auto last = [this] { return platform.traces.empty() ? S() : platform.traces.back(); };
    device->write(PF, SRIOVNIC_REG_ID, 4, 0);
    EXPECT_EQ(last(), "error fn=0 bits=" + std::to_string(SRIOVNIC_ERR_RO_WRITE) + " offset=0");
    device->write(VF0, SRIOVNIC_REG_CTRL, 4, SRIOVNIC_CTRL_ENABLE);
    EXPECT_EQ(last(), "enable fn=1 on");
    const uint32_t ring = SRIOVNIC_REG_QUEUE(1, 0);
    device->write(VF0, ring + SRIOVNIC_Q_RX_LEN, 4, 64);
    device->write(VF0, ring + SRIOVNIC_Q_RX_BUF_LEN, 4, 2048);
    device->write(VF0, ring + SRIOVNIC_Q_RX_CTRL, 4, SRIOVNIC_QCTRL_ENABLE);
    EXPECT_EQ(last(), "queue fn=1 q=1 rx on");
    device->write(PF, SRIOVNIC_REG_ADMIN(0, SRIOVNIC_VFA_RATE), 4, 100);
    EXPECT_EQ(last(), "vf=0 reg=" + std::to_string(SRIOVNIC_REG_ADMIN(0, SRIOVNIC_VFA_RATE)) +
                          " value=100");
    device->write(PF, SRIOVNIC_REG_ADMIN(0, SRIOVNIC_VFA_FLAGS), 4,
                  SRIOVNIC_VFA_LINK_DISABLE << SRIOVNIC_VFA_LINK_SHIFT);
    EXPECT_EQ(platform.traces.end()[-2], "link fn=1 down");
    device->write(VF0, SRIOVNIC_REG_MBX_VF_MSG(0), 4, 0x01000001);
    device->write(VF0, SRIOVNIC_REG_MBX_CTRL, 4, SRIOVNIC_MBX_CTRL_SEND);
    EXPECT_EQ(last(), "mailbox vf=0 to pf " + std::to_string(0x01000001));
    const size_t count = platform.traces.size();
    device->write(PF, SRIOVNIC_REG_SCRATCH, 4, 1);
    device->read(VF0, SRIOVNIC_REG_STATUS, 4);
    EXPECT_EQ(platform.traces.size(), count) << "nothing changed state";
}

TEST(DeviceConfig, RejectsOutOfRangeWithPropertyName)
{
    SriovnicCoreConfig cfg = make_config(300);
    auto problem = Device::check_config(cfg);
    ASSERT_TRUE(problem);
    EXPECT_EQ(*problem, "property 'vfs' must be between 0 and 255 (got 300)");

    cfg = make_config(8);
    cfg.max_vfs = 4;
    EXPECT_EQ(*Device::check_config(cfg), "property 'vfs' must be between 0 and 4 (got 8)");

    cfg = make_config(8);
    cfg.pf_queue_pairs = 0;
    EXPECT_EQ(*Device::check_config(cfg), "property 'queues' must be between 1 and 16 (got 0)");
    cfg.pf_queue_pairs = 1;
    cfg.vf_queue_pairs = 17;
    EXPECT_EQ(*Device::check_config(cfg),
              "property 'vf-queues' must be between 1 and 16 (got 17)");
    cfg.vf_queue_pairs = 16;
    EXPECT_FALSE(Device::check_config(cfg));
}

TEST(DeviceConfig, CoreScalesTo256Vfs)
{
    SriovnicCoreConfig cfg = make_config(256);
    cfg.max_vfs = 256;
    ASSERT_FALSE(Device::check_config(cfg));
    test::FakePlatform platform;
    Device device(cfg, platform);
    EXPECT_EQ(device.total_vfs(), 256);
    for (uint16_t n = 0; n < 256; n++) {
        device.write(SRIOVNIC_FN_VF(n), SRIOVNIC_REG_SCRATCH, 4, n);
    }
    for (uint16_t n = 0; n < 256; n++) {
        ASSERT_EQ(device.read(SRIOVNIC_FN_VF(n), SRIOVNIC_REG_FUNC, 4), n + 1u);
        ASSERT_EQ(device.read(SRIOVNIC_FN_VF(n), SRIOVNIC_REG_SCRATCH, 4), n);
    }
}

TEST(DeviceConfig, WithoutVfsThePfHasNoSriovCap)
{
    test::FakePlatform platform;
    Device device(make_config(0), platform);
    EXPECT_EQ(device.read(PF, SRIOVNIC_REG_CAPS, 4) & SRIOVNIC_CAPS_SRIOV, 0u);
    EXPECT_EQ(device.read(PF, SRIOVNIC_REG_PF_TOTAL_VFS, 4), 0u);
}

} // namespace
} // namespace sriovnic
