// SPDX-License-Identifier: GPL-2.0-or-later
// Host-injected faults through the C API, as management drives them.
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
    ASSERT_TRUE(sriovnic_core_inject_fault(core_, 1, SRIOVNIC_INJECT_LINK_FLAP, 50, err_,
                                           sizeof(err_)))
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
    ASSERT_TRUE(sriovnic_core_inject_fault(core_, 0, SRIOVNIC_INJECT_LINK_FLAP, 0, err_,
                                           sizeof(err_)));
    EXPECT_EQ(clock_.deadline, std::optional<uint64_t>(1'000u + 100'000'000u));
    // A second flap while down extends it instead of bouncing the link.
    clock_.now = 2'000;
    ASSERT_TRUE(sriovnic_core_inject_fault(core_, 0, SRIOVNIC_INJECT_LINK_FLAP, 200, err_,
                                           sizeof(err_)));
    run_timer_at(1'000 + 100'000'000);
    EXPECT_FALSE(link_up(0));
    run_timer_at(2'000 + 200'000'000);
    EXPECT_TRUE(link_up(0));
    EXPECT_EQ(clock_.links.size(), 2u);
}

TEST_F(Faults, RefusesBadArgumentsNamingThem)
{
    EXPECT_FALSE(sriovnic_core_inject_fault(core_, 4, SRIOVNIC_INJECT_LINK_FLAP, 0, err_,
                                            sizeof(err_)));
    EXPECT_EQ(std::string(err_), "'vf' 4 is out of range: the card has 4 VFs (0..3)");
    EXPECT_FALSE(sriovnic_core_inject_fault(core_, 2, SRIOVNIC_INJECT_LINK_FLAP, 0, err_,
                                            sizeof(err_)));
    EXPECT_EQ(std::string(err_), "'vf' 2 is not enabled (2 VFs enabled now)");
    EXPECT_FALSE(sriovnic_core_inject_fault(core_, 0, SRIOVNIC_INJECT_COUNT, 0, err_,
                                            sizeof(err_)));
    EXPECT_NE(std::string(err_).find("'fault'"), std::string::npos);
    EXPECT_NE(std::string(err_).find("link-flap"), std::string::npos);
    EXPECT_FALSE(sriovnic_core_inject_fault(core_, 0, SRIOVNIC_INJECT_LINK_FLAP, 3600001, err_,
                                            sizeof(err_)));
    EXPECT_NE(std::string(err_).find("'duration-ms'"), std::string::npos);
    EXPECT_TRUE(link_up(0));
    EXPECT_TRUE(clock_.links.empty());
}

TEST_F(Faults, SurpriseRemovalHidesTheVfUntilRestoreWhichBringsItBackReset)
{
    sriovnic_core_write(core_, SRIOVNIC_FN_VF(0), SRIOVNIC_REG_SCRATCH, 4, 0x1234);
    ASSERT_TRUE(sriovnic_core_inject_fault(core_, 0, SRIOVNIC_INJECT_SURPRISE_REMOVAL, 0, err_,
                                           sizeof(err_)))
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

    EXPECT_FALSE(sriovnic_core_inject_fault(core_, 0, SRIOVNIC_INJECT_SURPRISE_REMOVAL, 0, err_,
                                            sizeof(err_)));
    EXPECT_EQ(std::string(err_), "VF 0 is already surprise-removed");
    EXPECT_FALSE(sriovnic_core_inject_fault(core_, 0, SRIOVNIC_INJECT_RESTORE, 5, err_,
                                            sizeof(err_)));
    EXPECT_EQ(std::string(err_), "'duration-ms' does not apply to restore");

    ASSERT_TRUE(sriovnic_core_inject_fault(core_, 0, SRIOVNIC_INJECT_RESTORE, 0, err_,
                                           sizeof(err_)))
        << err_;
    EXPECT_FALSE(sriovnic_core_vf_removed(core_, 0));
    EXPECT_EQ(vf_read(0, SRIOVNIC_REG_SCRATCH), 0u) << "it comes back reset";
    EXPECT_TRUE(vf_read(0, SRIOVNIC_REG_STATUS) & SRIOVNIC_STATUS_RESET_DONE);
    ASSERT_TRUE(sriovnic_core_fn_info(core_, SRIOVNIC_FN_VF(0), &info));
    EXPECT_TRUE(info.present);
    EXPECT_FALSE(info.surprise_removed);
    EXPECT_FALSE(sriovnic_core_inject_fault(core_, 0, SRIOVNIC_INJECT_RESTORE, 0, err_,
                                            sizeof(err_)));
    EXPECT_EQ(std::string(err_), "VF 0 is not surprise-removed: nothing to restore");
}

TEST_F(Faults, SurpriseRemovalEndsAfterItsDurationOrWhenVfEnableChanges)
{
    ASSERT_TRUE(sriovnic_core_inject_fault(core_, 1, SRIOVNIC_INJECT_SURPRISE_REMOVAL, 20, err_,
                                           sizeof(err_)));
    EXPECT_EQ(clock_.deadline, std::optional<uint64_t>(1'000u + 20'000'000u));
    run_timer_at(1'000 + 19'000'000);
    EXPECT_TRUE(sriovnic_core_vf_removed(core_, 1));
    run_timer_at(1'000 + 20'000'000);
    EXPECT_FALSE(sriovnic_core_vf_removed(core_, 1));
    EXPECT_NE(vf_read(1, SRIOVNIC_REG_STATUS), 0xffffffffu);

    ASSERT_TRUE(sriovnic_core_inject_fault(core_, 1, SRIOVNIC_INJECT_SURPRISE_REMOVAL, 0, err_,
                                           sizeof(err_)));
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
    EXPECT_TRUE(sriovnic_core_inject_fault(core_, 0, SRIOVNIC_INJECT_FLR, 0, err_, sizeof(err_)))
        << err_;
    EXPECT_EQ(vf_read(0, SRIOVNIC_REG_SCRATCH), 0x1234u) << "the PCI FLR does the reset";
    EXPECT_FALSE(sriovnic_core_inject_fault(core_, 0, SRIOVNIC_INJECT_FLR, 7, err_, sizeof(err_)));
    EXPECT_EQ(std::string(err_), "'duration-ms' does not apply to flr");
    ASSERT_TRUE(sriovnic_core_inject_fault(core_, 0, SRIOVNIC_INJECT_SURPRISE_REMOVAL, 0, err_,
                                           sizeof(err_)));
    EXPECT_FALSE(sriovnic_core_inject_fault(core_, 0, SRIOVNIC_INJECT_FLR, 0, err_, sizeof(err_)));
    EXPECT_EQ(std::string(err_), "VF 0 is surprise-removed: restore it first");
}

} // namespace
