// SPDX-License-Identifier: GPL-2.0-or-later
// Host-injected faults through the C API, as management drives them.
#include "nic_fixture.hpp"
#include "sriovnic-core.h"
#include "sriovnic/regs.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace {

struct Clock {
    uint64_t now = 1'000;
    std::optional<uint64_t> deadline;
    std::vector<std::pair<uint16_t, bool>> links;
    std::vector<std::tuple<uint16_t, unsigned, bool>> faults;
};

SriovnicPlatformOps fault_ops()
{
    SriovnicPlatformOps o{};
    o.raise_msix = [](void *, uint16_t, uint16_t) {};
    o.set_intx = [](void *, bool) {};
    o.dma_read = [](void *, uint16_t, uint64_t, void *, size_t) { return false; };
    o.dma_write = [](void *, uint16_t, uint64_t, const void *, size_t) { return false; };
    o.send_uplink = [](void *, const uint8_t *, size_t) {};
    o.uplink_ready = [](void *) {};
    o.now_ns = [](void *opaque) { return static_cast<Clock *>(opaque)->now; };
    o.arm_timer = [](void *opaque, uint64_t d) { static_cast<Clock *>(opaque)->deadline = d; };
    o.trace_link = [](void *opaque, uint16_t fn, bool up) {
        static_cast<Clock *>(opaque)->links.emplace_back(fn, up);
    };
    o.trace_fault = [](void *opaque, uint16_t vf, unsigned fault, bool active) {
        static_cast<Clock *>(opaque)->faults.emplace_back(vf, fault, active);
    };
    return o;
}

class Faults : public ::testing::Test {
protected:
    void SetUp() override
    {
        SriovnicCoreConfig cfg{};
        cfg.total_vfs = 4;
        cfg.max_vfs = 255;
        cfg.pf_queue_pairs = 2;
        cfg.vf_queue_pairs = 1;
        core_ = sriovnic_core_new(&cfg, &ops_, &clock_, err_, sizeof(err_));
        ASSERT_NE(core_, nullptr) << err_;
        sriovnic_core_set_active_vfs(core_, 2);
    }
    void TearDown() override { sriovnic_core_free(core_); }

    uint32_t vf_read(uint16_t vf, uint32_t reg)
    {
        return uint32_t(sriovnic_core_read(core_, SRIOVNIC_FN_VF(vf), reg, 4));
    }
    void vf_write(uint16_t vf, uint32_t reg, uint32_t value)
    {
        sriovnic_core_write(core_, SRIOVNIC_FN_VF(vf), reg, 4, value);
    }
    uint32_t pf_read(uint32_t reg)
    {
        return uint32_t(sriovnic_core_read(core_, SRIOVNIC_FN_PF, reg, 4));
    }
    void pf_write(uint32_t reg, uint32_t value)
    {
        sriovnic_core_write(core_, SRIOVNIC_FN_PF, reg, 4, value);
    }
    // VF `vf` sends a one-word request to the PF.
    void vf_send(uint16_t vf, uint32_t word0)
    {
        vf_write(vf, SRIOVNIC_REG_MBX_VF_MSG(0), word0);
        vf_write(vf, SRIOVNIC_REG_MBX_CTRL, SRIOVNIC_MBX_CTRL_SEND);
    }
    // duration_ms 0: the fault's default (no duration-ms given).
    bool inject(uint32_t vf, unsigned fault, uint32_t duration_ms = 0)
    {
        const SriovnicFaultRequest req = {vf, fault, duration_ms != 0, duration_ms};
        return sriovnic_core_inject_fault(core_, &req, err_, sizeof(err_));
    }
    SriovnicFnInfo info(uint16_t vf)
    {
        SriovnicFnInfo i{};
        EXPECT_TRUE(sriovnic_core_fn_info(core_, SRIOVNIC_FN_VF(vf), &i));
        return i;
    }
    bool link_up(uint16_t vf) { return vf_read(vf, SRIOVNIC_REG_STATUS) & SRIOVNIC_STATUS_LINK_UP; }
    void run_timer_at(uint64_t t)
    {
        clock_.now = t;
        clock_.deadline.reset();
        sriovnic_core_timer(core_);
    }

    SriovnicPlatformOps ops_ = fault_ops();
    Clock clock_;
    SriovnicCore *core_ = nullptr;
    char err_[200] = "";
};

TEST_F(Faults, LinkFlapTakesTheVfLinkDownAndBackWithLinkCauses)
{
    ASSERT_TRUE(link_up(1));
    sriovnic_core_write(core_, SRIOVNIC_FN_VF(1), SRIOVNIC_REG_INT_CAUSE, 4, 0xffffffffu);
    ASSERT_TRUE(inject(1, SRIOVNIC_INJECT_LINK_FLAP, 50))
        << err_;
    EXPECT_FALSE(link_up(1));
    EXPECT_TRUE(link_up(0)) << "only the chosen VF flaps";
    EXPECT_TRUE(vf_read(1, SRIOVNIC_REG_INT_CAUSE) & SRIOVNIC_INT_LINK);
    SriovnicFnInfo info;
    ASSERT_TRUE(sriovnic_core_fn_info(core_, SRIOVNIC_FN_VF(1), &info));
    EXPECT_TRUE(info.link_flapping);
    EXPECT_FALSE(info.link_up);
    ASSERT_TRUE(clock_.deadline);
    EXPECT_EQ(*clock_.deadline, 1'000u + 50'000'000u);

    sriovnic_core_write(core_, SRIOVNIC_FN_VF(1), SRIOVNIC_REG_INT_CAUSE, 4, 0xffffffffu);
    run_timer_at(1'000 + 49'999'999); // early: the link stays down, the timer re-arms
    EXPECT_FALSE(link_up(1));
    EXPECT_EQ(clock_.deadline, std::optional<uint64_t>(1'000u + 50'000'000u));
    run_timer_at(1'000 + 50'000'000);
    EXPECT_TRUE(link_up(1));
    EXPECT_TRUE(vf_read(1, SRIOVNIC_REG_INT_CAUSE) & SRIOVNIC_INT_LINK);
    ASSERT_TRUE(sriovnic_core_fn_info(core_, SRIOVNIC_FN_VF(1), &info));
    EXPECT_FALSE(info.link_flapping);
    const std::vector<std::pair<uint16_t, bool>> expected = {{SRIOVNIC_FN_VF(1), false},
                                                             {SRIOVNIC_FN_VF(1), true}};
    EXPECT_EQ(clock_.links, expected);
}

TEST_F(Faults, LinkFlapDefaultsTo100msAndBeatsThePfLinkPolicyOnlyWhileItLasts)
{
    ASSERT_TRUE(inject(0, SRIOVNIC_INJECT_LINK_FLAP, 0));
    EXPECT_EQ(clock_.deadline, std::optional<uint64_t>(1'000u + 100'000'000u));
    // A second flap while down extends it instead of bouncing the link.
    clock_.now = 2'000;
    ASSERT_TRUE(inject(0, SRIOVNIC_INJECT_LINK_FLAP, 200));
    run_timer_at(1'000 + 100'000'000);
    EXPECT_FALSE(link_up(0));
    run_timer_at(2'000 + 200'000'000);
    EXPECT_TRUE(link_up(0));
    EXPECT_EQ(clock_.links.size(), 2u);
}

TEST_F(Faults, RefusesBadArgumentsNamingThem)
{
    EXPECT_FALSE(inject(4, SRIOVNIC_INJECT_LINK_FLAP, 0));
    EXPECT_EQ(std::string(err_), "'vf' 4 is out of range: the card has 4 VFs (0..3)");
    EXPECT_FALSE(inject(2, SRIOVNIC_INJECT_LINK_FLAP, 0));
    EXPECT_EQ(std::string(err_), "'vf' 2 is not enabled (2 VFs enabled now)");
    EXPECT_FALSE(inject(0, SRIOVNIC_INJECT_COUNT, 0));
    EXPECT_EQ(std::string(err_), "'fault' 6 is unknown; allowed: link-flap, surprise-removal, "
                                 "restore, flr, mailbox-timeout, dma-error");
    EXPECT_FALSE(inject(0, SRIOVNIC_INJECT_LINK_FLAP, 3600001));
    EXPECT_EQ(std::string(err_), "'duration-ms' must be between 1 and 3600000 (got 3600001)");
    // Management's own widths reach the core, which words every refusal.
    EXPECT_FALSE(inject(65536 + 1, SRIOVNIC_INJECT_LINK_FLAP, 0));
    EXPECT_EQ(std::string(err_), "'vf' 65537 is out of range: the card has 4 VFs (0..3)");
    const SriovnicFaultRequest zero = {0, SRIOVNIC_INJECT_MAILBOX_TIMEOUT, true, 0};
    EXPECT_FALSE(sriovnic_core_inject_fault(core_, &zero, err_, sizeof(err_)));
    EXPECT_EQ(std::string(err_), "'duration-ms' must be between 1 and 3600000 (got 0)")
        << "a duration given as 0 is not the default";
    EXPECT_TRUE(link_up(0));
    EXPECT_TRUE(clock_.links.empty());
}

TEST_F(Faults, SurpriseRemovalHidesTheVfUntilRestoreWhichBringsItBackReset)
{
    sriovnic_core_write(core_, SRIOVNIC_FN_VF(0), SRIOVNIC_REG_SCRATCH, 4, 0x1234);
    ASSERT_TRUE(inject(0, SRIOVNIC_INJECT_SURPRISE_REMOVAL, 0))
        << err_;
    EXPECT_TRUE(sriovnic_core_vf_removed(core_, 0));
    EXPECT_FALSE(sriovnic_core_vf_removed(core_, 1));
    EXPECT_EQ(vf_read(0, SRIOVNIC_REG_SCRATCH), 0xffffffffu);
    EXPECT_EQ(vf_read(0, SRIOVNIC_REG_STATUS), 0xffffffffu);
    EXPECT_EQ(sriovnic_core_read(core_, SRIOVNIC_FN_VF(0), SRIOVNIC_REG_ID, 2), 0xffffu);
    sriovnic_core_write(core_, SRIOVNIC_FN_VF(0), SRIOVNIC_REG_SCRATCH, 4, 0x5678); // dropped
    EXPECT_NE(vf_read(1, SRIOVNIC_REG_SCRATCH), 0xffffffffu) << "only VF 0 is gone";
    SriovnicFnInfo info;
    ASSERT_TRUE(sriovnic_core_fn_info(core_, SRIOVNIC_FN_VF(0), &info));
    EXPECT_TRUE(info.surprise_removed);
    EXPECT_FALSE(info.present);
    EXPECT_FALSE(clock_.deadline) << "no duration: it lasts until restore";

    EXPECT_FALSE(inject(0, SRIOVNIC_INJECT_SURPRISE_REMOVAL, 0));
    EXPECT_EQ(std::string(err_), "VF 0 is already surprise-removed");
    EXPECT_FALSE(inject(0, SRIOVNIC_INJECT_RESTORE, 5));
    EXPECT_EQ(std::string(err_), "'duration-ms' does not apply to 'restore'");

    ASSERT_TRUE(inject(0, SRIOVNIC_INJECT_RESTORE, 0))
        << err_;
    EXPECT_FALSE(sriovnic_core_vf_removed(core_, 0));
    EXPECT_EQ(vf_read(0, SRIOVNIC_REG_SCRATCH), 0u) << "it comes back reset";
    EXPECT_TRUE(vf_read(0, SRIOVNIC_REG_STATUS) & SRIOVNIC_STATUS_RESET_DONE);
    ASSERT_TRUE(sriovnic_core_fn_info(core_, SRIOVNIC_FN_VF(0), &info));
    EXPECT_TRUE(info.present);
    EXPECT_FALSE(info.surprise_removed);
    EXPECT_FALSE(inject(0, SRIOVNIC_INJECT_RESTORE, 0));
    EXPECT_EQ(std::string(err_), "VF 0 is not surprise-removed: nothing to restore");
}

TEST_F(Faults, SurpriseRemovalEndsAfterItsDurationOrWhenVfEnableChanges)
{
    ASSERT_TRUE(inject(1, SRIOVNIC_INJECT_SURPRISE_REMOVAL, 20));
    EXPECT_EQ(clock_.deadline, std::optional<uint64_t>(1'000u + 20'000'000u));
    run_timer_at(1'000 + 19'000'000);
    EXPECT_TRUE(sriovnic_core_vf_removed(core_, 1));
    run_timer_at(1'000 + 20'000'000);
    EXPECT_FALSE(sriovnic_core_vf_removed(core_, 1));
    EXPECT_NE(vf_read(1, SRIOVNIC_REG_STATUS), 0xffffffffu);

    ASSERT_TRUE(inject(1, SRIOVNIC_INJECT_SURPRISE_REMOVAL, 0));
    sriovnic_core_set_active_vfs(core_, 0); // the guest cycles VF Enable
    sriovnic_core_set_active_vfs(core_, 2);
    EXPECT_FALSE(sriovnic_core_vf_removed(core_, 1));
    SriovnicFnInfo info;
    ASSERT_TRUE(sriovnic_core_fn_info(core_, SRIOVNIC_FN_VF(1), &info));
    EXPECT_TRUE(info.present);
}

TEST_F(Faults, FlrIsCheckedByTheCoreAndLeftToThePlatformsReset)
{
    sriovnic_core_write(core_, SRIOVNIC_FN_VF(0), SRIOVNIC_REG_SCRATCH, 4, 0x1234);
    EXPECT_TRUE(inject(0, SRIOVNIC_INJECT_FLR, 0))
        << err_;
    EXPECT_EQ(vf_read(0, SRIOVNIC_REG_SCRATCH), 0x1234u) << "the PCI FLR does the reset";
    EXPECT_FALSE(inject(0, SRIOVNIC_INJECT_FLR, 7));
    EXPECT_EQ(std::string(err_), "'duration-ms' does not apply to 'flr'");
    ASSERT_TRUE(inject(0, SRIOVNIC_INJECT_SURPRISE_REMOVAL, 0));
    EXPECT_FALSE(inject(0, SRIOVNIC_INJECT_FLR, 0));
    EXPECT_EQ(std::string(err_), "VF 0 is surprise-removed: restore it first");
}

TEST_F(Faults, MailboxTimeoutHoldsTheVfsMessageFromThePfUntilItEnds)
{
    ASSERT_TRUE(inject(1, SRIOVNIC_INJECT_MAILBOX_TIMEOUT)) << err_;
    EXPECT_EQ(clock_.deadline, std::optional<uint64_t>(1'000u + 1'000'000'000u)) << "default 1 s";
    EXPECT_TRUE(info(1).mailbox_timeout);
    EXPECT_FALSE(info(0).mailbox_timeout);
    pf_write(SRIOVNIC_REG_INT_CAUSE, 0xffffffffu);

    vf_send(1, 0x0102);
    EXPECT_EQ(vf_read(1, SRIOVNIC_REG_MBX_STATUS), SRIOVNIC_MBX_STATUS_BUSY) << "sent, not taken";
    EXPECT_EQ(info(1).stats[SRIOVNIC_STAT_MBX_SENT], 1u);
    EXPECT_EQ(pf_read(SRIOVNIC_REG_PF_MBX_PENDING(0)), 0u) << "the PF does not see it";
    EXPECT_FALSE(pf_read(SRIOVNIC_REG_INT_CAUSE) & SRIOVNIC_INT_MBX);
    // A PF acknowledging blindly cannot take a message it was not shown.
    pf_write(SRIOVNIC_REG_ADMIN(1, SRIOVNIC_VFA_MBX_CTRL), SRIOVNIC_MBX_CTRL_ACK);
    EXPECT_EQ(vf_read(1, SRIOVNIC_REG_MBX_STATUS), SRIOVNIC_MBX_STATUS_BUSY);
    // A second request while the first waits is refused as any early one is.
    vf_write(1, SRIOVNIC_REG_MBX_CTRL, SRIOVNIC_MBX_CTRL_SEND);
    EXPECT_EQ(info(1).stats[SRIOVNIC_STAT_MBX_REFUSED], 1u);
    // The other VF's mailbox works meanwhile.
    vf_send(0, 0x0101);
    EXPECT_EQ(pf_read(SRIOVNIC_REG_PF_MBX_PENDING(0)), 1u);
    pf_write(SRIOVNIC_REG_ADMIN(0, SRIOVNIC_VFA_MBX_CTRL), SRIOVNIC_MBX_CTRL_ACK);
    pf_write(SRIOVNIC_REG_INT_CAUSE, 0xffffffffu);

    run_timer_at(1'000 + 999'999'999);
    EXPECT_EQ(pf_read(SRIOVNIC_REG_PF_MBX_PENDING(0)), 0u);
    run_timer_at(1'000 + 1'000'000'000);
    EXPECT_FALSE(info(1).mailbox_timeout);
    EXPECT_EQ(pf_read(SRIOVNIC_REG_PF_MBX_PENDING(0)), 2u) << "delivered when the fault ends";
    EXPECT_TRUE(pf_read(SRIOVNIC_REG_INT_CAUSE) & SRIOVNIC_INT_MBX);
    EXPECT_EQ(pf_read(SRIOVNIC_REG_PF_MBX_VF_MSG(1, 0)), 0x0102u);
    vf_write(1, SRIOVNIC_REG_INT_CAUSE, 0xffffffffu);
    pf_write(SRIOVNIC_REG_ADMIN(1, SRIOVNIC_VFA_MBX_CTRL), SRIOVNIC_MBX_CTRL_ACK);
    EXPECT_EQ(vf_read(1, SRIOVNIC_REG_MBX_STATUS), 0u);
    EXPECT_TRUE(vf_read(1, SRIOVNIC_REG_INT_CAUSE) & SRIOVNIC_INT_MBX);
    const std::vector<std::tuple<uint16_t, unsigned, bool>> expected = {
        {1, SRIOVNIC_INJECT_MAILBOX_TIMEOUT, true}, {1, SRIOVNIC_INJECT_MAILBOX_TIMEOUT, false}};
    EXPECT_EQ(clock_.faults, expected);
}

TEST_F(Faults, MailboxTimeoutLetsThePfsMessagesThroughAndAResetDropsTheHeldOne)
{
    ASSERT_TRUE(inject(0, SRIOVNIC_INJECT_MAILBOX_TIMEOUT, 30)) << err_;
    EXPECT_EQ(clock_.deadline, std::optional<uint64_t>(1'000u + 30'000'000u));
    pf_write(SRIOVNIC_REG_PF_MBX_PF_MSG(0, 0), 0x80); // a PF_RESET notice
    pf_write(SRIOVNIC_REG_ADMIN(0, SRIOVNIC_VFA_MBX_CTRL), SRIOVNIC_MBX_CTRL_SEND);
    EXPECT_EQ(vf_read(0, SRIOVNIC_REG_MBX_STATUS), SRIOVNIC_MBX_STATUS_MSG);
    EXPECT_EQ(vf_read(0, SRIOVNIC_REG_MBX_PF_MSG(0)), 0x80u);

    vf_send(0, 0x0101);
    clock_.now = 10'000'000;
    ASSERT_TRUE(inject(0, SRIOVNIC_INJECT_MAILBOX_TIMEOUT, 50)) << "extends it";
    vf_write(0, SRIOVNIC_REG_CTRL, SRIOVNIC_CTRL_RESET); // the VF's reset empties its mailbox
    pf_write(SRIOVNIC_REG_INT_CAUSE, 0xffffffffu);
    run_timer_at(1'000 + 30'000'000);
    EXPECT_TRUE(info(0).mailbox_timeout) << "extended to 60 ms";
    run_timer_at(10'000'000 + 50'000'000);
    EXPECT_FALSE(info(0).mailbox_timeout);
    EXPECT_EQ(pf_read(SRIOVNIC_REG_PF_MBX_PENDING(0)), 0u) << "nothing waited any more";
    EXPECT_FALSE(pf_read(SRIOVNIC_REG_INT_CAUSE) & SRIOVNIC_INT_MBX);
    vf_send(0, 0x0101);
    EXPECT_EQ(pf_read(SRIOVNIC_REG_PF_MBX_PENDING(0)), 1u) << "the mailbox works again";
}

TEST_F(Faults, DurationMsIsRefusedOnlyWhereItDoesNotApply)
{
    EXPECT_FALSE(inject(0, SRIOVNIC_INJECT_RESTORE, 5));
    EXPECT_EQ(std::string(err_), "'duration-ms' does not apply to 'restore'");
    EXPECT_TRUE(inject(0, SRIOVNIC_INJECT_MAILBOX_TIMEOUT, 5)) << err_;
    EXPECT_TRUE(inject(0, SRIOVNIC_INJECT_DMA_ERROR, 5)) << err_;
    EXPECT_FALSE(inject(0, SRIOVNIC_INJECT_DMA_ERROR, SRIOVNIC_FAULT_MAX_DURATION_MS + 1));
    EXPECT_NE(std::string(err_).find("'duration-ms'"), std::string::npos);
    EXPECT_EQ(std::string(sriovnic_core_fault_name(SRIOVNIC_INJECT_DMA_ERROR)), "dma-error");
    EXPECT_EQ(sriovnic_core_fault_name(SRIOVNIC_INJECT_COUNT), nullptr);
}

} // namespace

namespace sriovnic {
namespace {

using test::Bytes;
using test::Nic;
using test::VF0;
using test::VF1;
using test::kRemote;
using test::kVf0Mac;
using test::kVf1Mac;

class DmaFaults : public Nic {
protected:
    bool inject(uint16_t vf, uint32_t duration_ms = 0)
    {
        return !device->inject_fault({vf, SRIOVNIC_INJECT_DMA_ERROR, duration_ms != 0, duration_ms});
    }
    bool tx_running(uint16_t fn) { return qrd(fn, 0, SRIOVNIC_Q_TX_CTRL) & SRIOVNIC_QCTRL_ENABLE; }
    bool rx_running(uint16_t fn) { return qrd(fn, 0, SRIOVNIC_Q_RX_CTRL) & SRIOVNIC_QCTRL_ENABLE; }
    // The driver's recovery: the stopped ring is set up again from scratch.
    void restart_tx(uint16_t fn)
    {
        rings[{fn, 0}].tx_tail = 0;
        qwr(fn, 0, SRIOVNIC_Q_TX_CTRL, SRIOVNIC_QCTRL_ENABLE);
    }
};

TEST_F(DmaFaults, TheNextDmaFailsAsABusErrorAndOnlyThatOne)
{
    bring_up(VF0, kVf0Mac);
    bring_up(VF1, kVf1Mac);
    ASSERT_TRUE(inject(0));
    EXPECT_TRUE(device->fn_info(VF0)->dma_error);
    EXPECT_FALSE(device->fn_info(VF1)->dma_error);
    const Bytes frame = test::ethernet(kRemote, kVf0Mac, 0x0800, 100);
    queue_tx(VF0, 0, frame); // its descriptor read fails: the ring stops
    EXPECT_TRUE(platform.uplink.empty());
    EXPECT_FALSE(tx_running(VF0));
    EXPECT_EQ(stat(VF0, SRIOVNIC_STAT_DMA_ERRORS), 1u);
    EXPECT_TRUE(rd(VF0, SRIOVNIC_REG_ERR_CAUSE) & SRIOVNIC_ERR_DMA);
    EXPECT_EQ(stat(VF0, SRIOVNIC_STAT_DMA_SELF), 0u) << "not the card's own registers";
    EXPECT_FALSE(device->fn_info(VF0)->dma_error) << "one DMA consumed it";
    EXPECT_TRUE(rx_running(VF0)) << "the other ring goes on";

    const Bytes other = test::ethernet(kRemote, kVf1Mac, 0x0800, 100);
    queue_tx(VF1, 0, other);
    ASSERT_EQ(platform.uplink.size(), 1u) << "other VFs are not affected";
    restart_tx(VF0);
    queue_tx(VF0, 0, frame);
    ASSERT_EQ(platform.uplink.size(), 2u);
    EXPECT_EQ(platform.uplink.back(), frame);
    EXPECT_EQ(stat(VF0, SRIOVNIC_STAT_DMA_ERRORS), 1u);
}

TEST_F(DmaFaults, ForADurationEveryDmaFailsAndAResetDoesNotEndIt)
{
    bring_up(VF0, kVf0Mac);
    ASSERT_TRUE(inject(0, 20));
    EXPECT_EQ(platform.timer_deadline, std::optional<uint64_t>(platform.now + 20'000'000u));
    const Bytes in = test::ethernet(kVf0Mac, kRemote, 0x0800, 100);
    EXPECT_TRUE(device->uplink_receive(in)) << "taken: dropped, not held";
    EXPECT_FALSE(rx_running(VF0));
    EXPECT_EQ(stat(VF0, SRIOVNIC_STAT_DMA_ERRORS), 1u);
    EXPECT_EQ(stat(VF0, SRIOVNIC_STAT_RX_PACKETS), 0u);
    EXPECT_TRUE(device->fn_info(VF0)->dma_error);

    wr(VF0, SRIOVNIC_REG_CTRL, SRIOVNIC_CTRL_RESET);
    rings.clear();
    bring_up(VF0, kVf0Mac);
    queue_tx(VF0, 0, test::ethernet(kRemote, kVf0Mac, 0x0800, 100));
    EXPECT_TRUE(platform.uplink.empty()) << "still failing after the VF's reset";
    EXPECT_EQ(stat(VF0, SRIOVNIC_STAT_DMA_ERRORS), 1u) << "counters were reset, one new error";

    platform.now += 20'000'000;
    device->on_timer();
    EXPECT_FALSE(device->fn_info(VF0)->dma_error);
    wr(VF0, SRIOVNIC_REG_CTRL, SRIOVNIC_CTRL_RESET);
    rings.clear();
    bring_up(VF0, kVf0Mac);
    EXPECT_TRUE(device->uplink_receive(in));
    EXPECT_EQ(stat(VF0, SRIOVNIC_STAT_RX_PACKETS), 1u);
    EXPECT_EQ(rx_frame(VF0, 0, 0), in);
}

} // namespace
} // namespace sriovnic
