// SPDX-License-Identifier: GPL-2.0-or-later
// A careless VF driver and a busy host against the host PF agent: requests
// of every kind (malformed ones too), sends before the last reply was read,
// host notices, MTU limits and port VLANs, VF resets, mailbox timeouts and
// migrations with corrupted agent state. Whatever happens, each request the
// agent takes gets exactly one reply that answers it, in order, the agent
// never breaks the contract, and the device never lets the VF above the MTU
// the agent granted.
#include "device.hpp"
#include "fake_platform.hpp"
#include "frames.hpp"
#include "sriovnic/mailbox.h"
#include "sriovnic/regs.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdlib>
#include <deque>
#include <iostream>
#include <memory>
#include <random>

namespace sriovnic {
namespace {

using Msg = std::array<uint32_t, SRIOVNIC_MBX_WORDS>;
constexpr uint16_t kVfs = 3;
constexpr uint16_t PF = SRIOVNIC_FN_PF;

class AgentChaos {
public:
    explicit AgentChaos(uint64_t seed) : rng_(seed) { device_ = new_device(); }

    void step()
    {
        const uint16_t vf = uint16_t(pick(kVfs));
        switch (pick(12)) {
        case 0: case 1: case 2: send_request(vf); break;
        case 3: case 4: case 5: take_message(vf); break;
        case 6: host_change(vf); break;
        case 7:
            if (pick(4) == 0) {
                device_->reset_function(SRIOVNIC_FN_VF(vf));
                vfs_[vf] = {};
                reach.vf_resets++;
            }
            break;
        case 8: {
            const uint32_t duration = 1 + uint32_t(pick(20));
            if (!device_->inject_fault({vf, SRIOVNIC_INJECT_MAILBOX_TIMEOUT, true, duration})) {
                reach.timeouts++;
            }
            break;
        }
        case 9: advance_time(); break;
        case 10:
            if (pick(2)) {
                vf_sets_mtu(vf);
            } else { // its driver starts or stops
                wr(SRIOVNIC_FN_VF(vf), SRIOVNIC_REG_CTRL, pick(2) ? SRIOVNIC_CTRL_ENABLE : 0);
            }
            break;
        case 11: if (pick(8) == 0) migrate(); break;
        }
        for (uint16_t n = 0; n < kVfs; n++) {
            const uint16_t fn = SRIOVNIC_FN_VF(n);
            ASSERT_EQ(rd(fn, SRIOVNIC_REG_MBX_BAD_REPLIES), 0u) << "VF " << n;
            ASSERT_EQ(rd(fn, SRIOVNIC_REG_MBX_LATE_REPLIES), 0u) << "VF " << n;
            ASSERT_EQ(rd(fn, SRIOVNIC_REG_MBX_DUP_REPLIES), 0u) << "VF " << n;
            if (rd(PF, SRIOVNIC_REG_PF_MBX_PENDING(0)) & (1u << n)) {
                ASSERT_TRUE(rd(fn, SRIOVNIC_REG_MBX_STATUS) & SRIOVNIC_MBX_STATUS_MSG)
                    << "VF " << n << ": a request waits, but not for the VF to empty its slot";
            }
        }
    }

    // Time passes until every held mailbox is released; the VFs read what
    // waits for them until nothing does: every request was answered.
    void drain()
    {
        for (int i = 0; i < 64 && platform_.timer_deadline; i++) {
            advance_time();
        }
        for (uint16_t vf = 0; vf < kVfs; vf++) {
            while (rd(SRIOVNIC_FN_VF(vf), SRIOVNIC_REG_MBX_STATUS) & SRIOVNIC_MBX_STATUS_MSG) {
                take_message(vf);
            }
            EXPECT_TRUE(vfs_[vf].waiting.empty()) << "VF " << vf << ": a request never answered";
            EXPECT_FALSE(vfs_[vf].notice_owed) << "VF " << vf << ": no notice after the host's last";
            EXPECT_EQ(rd(SRIOVNIC_FN_VF(vf), SRIOVNIC_REG_MBX_STATUS), 0u);
        }
    }

    struct Reach {
        size_t requests = 0, malformed = 0, replies = 0, denied = 0, notices = 0;
        size_t vf_resets = 0, timeouts = 0, migrations_taken = 0, migrations_refused = 0;
        size_t mtu_refused = 0, settings_taken = 0, settings_refused = 0;
    } reach;

private:
    // What the VF driver expects: the words 0 of requests in flight, in order,
    // and the host's notices: how many it sent that none has delivered
    // yet (notices waiting together reach the VF as one), and whether one
    // is owed since the host's last.
    struct VfModel {
        std::deque<uint32_t> waiting;
        unsigned notices = 0;
        bool notice_owed = false;
    };

    std::unique_ptr<Device> new_device()
    {
        SriovnicCoreConfig cfg = test::card_config(kVfs, 1, 1, test::kPfMac);
        cfg.host_owned = true;
        auto d = std::make_unique<Device>(cfg, platform_);
        d->subscribe(platform_);
        d->set_active_vfs(kVfs);
        return d;
    }

    uint64_t pick(uint64_t n) { return std::uniform_int_distribution<uint64_t>(0, n - 1)(rng_); }
    uint32_t rd(uint16_t fn, uint32_t reg) { return uint32_t(device_->read(fn, reg, 4)); }
    void wr(uint16_t fn, uint32_t reg, uint32_t v) { device_->write(fn, reg, 4, v); }

    void send_request(uint16_t vf)
    {
        const uint16_t fn = SRIOVNIC_FN_VF(vf);
        if (rd(fn, SRIOVNIC_REG_MBX_STATUS) & SRIOVNIC_MBX_STATUS_BUSY) {
            return; // the VF driver waits until its last request was taken
        }
        Msg m{};
        const uint32_t op = SRIOVNIC_MBX_HELLO + uint32_t(pick(SRIOVNIC_MBX_REQUEST_LAST));
        const uint32_t tag = uint32_t(pick(SRIOVNIC_MBX_TAG_MAX + 1));
        m[0] = SRIOVNIC_MBX_W0(op, tag, 0);
        m[1] = op == SRIOVNIC_MBX_SET_MTU  ? SRIOVNIC_MTU_MIN + uint32_t(pick(SRIOVNIC_MTU_MAX - 67))
             : op == SRIOVNIC_MBX_SET_VLAN ? uint32_t(pick(4095)) | (pick(2) ? SRIOVNIC_VLAN_FILTER_ADD : 0)
             : op == SRIOVNIC_MBX_HELLO    ? SRIOVNIC_MBX_LEGACY_LEVEL
                                           : uint32_t(rng_());
        m[2] = op == SRIOVNIC_MBX_HELLO || op == SRIOVNIC_MBX_SET_MC_LIST ? uint32_t(rng_()) : 0;
        if (pick(5) == 0) {
            reach.malformed++;
            switch (pick(4)) {
            case 0: m[0] = SRIOVNIC_MBX_W0(0x05 + pick(0x7B), tag, 0); break;
            case 1: m[0] |= SRIOVNIC_MBX_REPLY; break;
            case 2: m[0] = SRIOVNIC_MBX_W0(SRIOVNIC_MBX_PF_RESET, tag, 0); break;
            default: m[3 + pick(SRIOVNIC_MBX_WORDS - 3)] = uint32_t(rng_()) | 1; break;
            }
        }
        for (unsigned i = 0; i < SRIOVNIC_MBX_WORDS; i++) {
            wr(fn, SRIOVNIC_REG_MBX_VF_MSG(i), m[i]);
        }
        wr(fn, SRIOVNIC_REG_MBX_CTRL, SRIOVNIC_MBX_CTRL_SEND);
        vfs_[vf].waiting.push_back(m[0]);
        reach.requests++;
    }

    void take_message(uint16_t vf)
    {
        const uint16_t fn = SRIOVNIC_FN_VF(vf);
        if (!(rd(fn, SRIOVNIC_REG_MBX_STATUS) & SRIOVNIC_MBX_STATUS_MSG)) {
            return;
        }
        Msg m{};
        for (unsigned i = 0; i < SRIOVNIC_MBX_WORDS; i++) {
            m[i] = rd(fn, SRIOVNIC_REG_MBX_PF_MSG(i));
        }
        wr(fn, SRIOVNIC_REG_MBX_CTRL, SRIOVNIC_MBX_CTRL_ACK);
        VfModel &model = vfs_[vf];
        if (!(m[0] & SRIOVNIC_MBX_REPLY)) {
            ASSERT_EQ(m[0], SRIOVNIC_MBX_W0(SRIOVNIC_MBX_PF_RESET, 0, 0));
            ASSERT_GT(model.notices, 0u) << "VF " << vf << ": a notice the host never sent";
            model.notices--;
            model.notice_owed = false;
            reach.notices++;
            return;
        }
        ASSERT_FALSE(model.waiting.empty()) << "VF " << vf << ": a reply to no request";
        const uint32_t request = model.waiting.front();
        model.waiting.pop_front();
        ASSERT_EQ(SRIOVNIC_MBX_OPCODE(m[0]), SRIOVNIC_MBX_OPCODE(request));
        ASSERT_EQ(SRIOVNIC_MBX_TAG(m[0]), SRIOVNIC_MBX_TAG(request));
        ASSERT_EQ(sriovnic_mbx_msg_check(m.data(), SRIOVNIC_MBX_WORDS, SRIOVNIC_MBX_DIR_TO_VF, nullptr),
                  SRIOVNIC_MBX_MSG_VALID);
        reach.replies++;
        reach.denied += SRIOVNIC_MBX_STATUS(m[0]) == SRIOVNIC_MBX_DENIED;
    }

    void host_change(uint16_t vf)
    {
        switch (pick(4)) {
        case 3:
            host_sets_vf(vf);
            break;
        case 0:
            // Sometimes outside 68..9000: refused by name, nothing changes.
            if (device_->host_set_vf_mtu_limit(vf, uint32_t(pick(SRIOVNIC_MTU_MAX + 200)))) {
                reach.mtu_refused++;
            }
            break;
        case 1:
            ASSERT_FALSE(device_->host_notify_vf_reset(vf));
            vfs_[vf].notices++;
            vfs_[vf].notice_owed = true;
            break;
        default:
            wr(PF, SRIOVNIC_REG_ADMIN(vf, SRIOVNIC_VFA_VLAN), pick(2) ? uint32_t(1 + pick(4094)) : 0);
            break;
        }
    }

    // Any subset of the host's settings, each sometimes out of range: all
    // or nothing, and a new MAC is a notice to the VF.
    void host_sets_vf(uint16_t vf)
    {
        SriovnicVfSettings s{};
        s.has_mac = pick(3) == 0;
        for (uint8_t &b : s.mac) {
            b = uint8_t(pick(3));
        }
        s.mac[0] &= uint8_t(pick(8) ? 0xFE : 0xFF);
        s.has_vlan = pick(3) == 0;
        s.vlan = uint16_t(pick(8) ? pick(4095) : 4095 + pick(2));
        s.has_qos = pick(4) == 0;
        s.qos = uint8_t(pick(9));
        s.has_spoofchk = pick(2);
        s.spoofchk = pick(2);
        s.has_trust = pick(2);
        s.trust = pick(2);
        s.has_link_state = pick(3) == 0;
        s.link_state = uint8_t(pick(4));
        s.has_max_tx_rate = pick(4) == 0;
        s.max_tx_rate = uint32_t(pick(8) ? pick(1000) : SRIOVNIC_RATE_MAX_MBPS + 1);
        s.has_mtu_limit = pick(3) == 0;
        s.mtu_limit = uint32_t(pick(SRIOVNIC_MTU_MAX + 100));
        const SriovnicVfAdminRegs before = *device_->vf_admin_regs(vf);
        const bool driver_runs = rd(SRIOVNIC_FN_VF(vf), SRIOVNIC_REG_CTRL) & SRIOVNIC_CTRL_ENABLE;
        const uint32_t lo = uint32_t(s.mac[0]) | uint32_t(s.mac[1]) << 8 | uint32_t(s.mac[2]) << 16 |
                            uint32_t(s.mac[3]) << 24;
        const uint32_t hi = uint32_t(s.mac[4]) | uint32_t(s.mac[5]) << 8;
        if (device_->host_set_vf(vf, s)) {
            reach.settings_refused++;
            const SriovnicVfAdminRegs &after = *device_->vf_admin_regs(vf);
            ASSERT_EQ(after.mac_lo, before.mac_lo);
            ASSERT_EQ(after.vlan, before.vlan);
            ASSERT_EQ(after.flags, before.flags);
            ASSERT_EQ(after.rate, before.rate);
            return;
        }
        reach.settings_taken++;
        if (s.has_mac && (lo != before.mac_lo || hi != before.mac_hi) && driver_runs) {
            vfs_[vf].notices++;
            vfs_[vf].notice_owed = true;
        }
    }

    // A write above what the agent granted is refused, one within it taken.
    void vf_sets_mtu(uint16_t vf)
    {
        const uint16_t fn = SRIOVNIC_FN_VF(vf);
        const uint32_t before = rd(fn, SRIOVNIC_REG_MTU);
        const uint32_t mtu = SRIOVNIC_MTU_MIN + uint32_t(pick(SRIOVNIC_MTU_MAX - 67));
        const uint32_t granted = (device_->vf_admin_regs(vf)->flags & SRIOVNIC_VFA_MAX_MTU_MASK) >>
                                 SRIOVNIC_VFA_MAX_MTU_SHIFT;
        wr(fn, SRIOVNIC_REG_MTU, mtu);
        ASSERT_EQ(rd(fn, SRIOVNIC_REG_MTU), granted && mtu > granted ? before : mtu);
        ASSERT_LE(granted, device_->vf_host_regs(vf)->mtu_limit);
    }

    void advance_time()
    {
        if (platform_.timer_deadline) {
            platform_.now = std::max(platform_.now, *platform_.timer_deadline);
            platform_.timer_deadline.reset();
            device_->on_timer();
        }
    }

    // The agent's state, sometimes with a bit flipped; the rest as saved.
    void migrate()
    {
        auto dest = new_device();
        bool accepted = true;
        bool corrupted = false;
        for (uint16_t fn = 0; fn <= kVfs; fn++) {
            *dest->fn_regs(fn) = *device_->fn_regs(fn);
            if (fn != PF) {
                const uint16_t vf = uint16_t(fn - 1);
                *dest->vf_admin_regs(vf) = *device_->vf_admin_regs(vf);
                *dest->vf_mailbox_regs(vf) = *device_->vf_mailbox_regs(vf);
                SriovnicVfHostRegs host = *device_->vf_host_regs(vf);
                if (pick(3) == 0) {
                    auto *words = reinterpret_cast<uint32_t *>(&host);
                    words[pick(sizeof(host) / 4)] ^= 1u << pick(32);
                    corrupted = true;
                }
                *dest->vf_host_regs(vf) = host;
            }
            accepted = accepted && !dest->post_load(fn);
        }
        if (accepted && !corrupted) {
            // Held mailboxes are the host's fault, not migrated: released.
            device_ = std::move(dest);
            for (uint16_t vf = 0; vf < kVfs; vf++) {
                if (rd(SRIOVNIC_FN_VF(vf), SRIOVNIC_REG_MBX_STATUS) & SRIOVNIC_MBX_STATUS_BUSY) {
                    device_->inject_fault({vf, SRIOVNIC_INJECT_MAILBOX_TIMEOUT, true, 1});
                }
            }
            reach.migrations_taken++;
        } else {
            // A corrupted stream the destination took would change what the
            // VF model expects; only refusals and clean loads are followed.
            reach.migrations_refused += !accepted;
        }
    }

    std::mt19937_64 rng_;
    test::FakePlatform platform_;
    std::unique_ptr<Device> device_;
    std::array<VfModel, kVfs> vfs_{};
};

// SRIOVNIC_CHAOS_SEEDS=N runs seeds 1..N (default 8).
TEST(AgentChaos, EveryRequestGetsItsOneReplyWhateverTheVfAndHostDo)
{
    const char *env = std::getenv("SRIOVNIC_CHAOS_SEEDS");
    const uint64_t seeds = env ? std::strtoull(env, nullptr, 10) : 8;
    AgentChaos::Reach total;
    for (uint64_t seed = 1; seed <= seeds; seed++) {
        SCOPED_TRACE("seed " + std::to_string(seed));
        AgentChaos chaos(seed);
        for (int i = 0; i < 5000; i++) {
            chaos.step();
            if (testing::Test::HasFatalFailure()) {
                FAIL() << "step " << i;
            }
        }
        chaos.drain();
        const AgentChaos::Reach &r = chaos.reach;
        total.requests += r.requests;
        total.malformed += r.malformed;
        total.replies += r.replies;
        total.denied += r.denied;
        total.notices += r.notices;
        total.vf_resets += r.vf_resets;
        total.timeouts += r.timeouts;
        total.migrations_taken += r.migrations_taken;
        total.migrations_refused += r.migrations_refused;
        total.mtu_refused += r.mtu_refused;
        total.settings_taken += r.settings_taken;
        total.settings_refused += r.settings_refused;
    }
    std::cout << "host PF agent over " << seeds << " seeds: " << total.requests << " requests ("
              << total.malformed << " malformed), " << total.replies << " replies ("
              << total.denied << " denied), " << total.notices << " notices, " << total.vf_resets
              << " VF resets, " << total.timeouts << " mailbox timeouts, migrations "
              << total.migrations_taken << " taken / " << total.migrations_refused << " refused, "
              << total.mtu_refused << " host MTU limits refused, host settings "
              << total.settings_taken << " taken / " << total.settings_refused << " refused\n";
    EXPECT_GT(total.malformed, 100u);
    EXPECT_GT(total.denied, 10u);
    EXPECT_GT(total.notices, 10u);
    EXPECT_GT(total.timeouts, 10u);
    EXPECT_GT(total.migrations_taken, 0u);
    EXPECT_GT(total.migrations_refused, 0u);
    EXPECT_GT(total.mtu_refused, 0u);
    EXPECT_GT(total.settings_taken, 10u);
    EXPECT_GT(total.settings_refused, 10u);
}

} // namespace
} // namespace sriovnic
