// SPDX-License-Identifier: GPL-2.0-or-later
// The PF<->VF mailbox contract (include/sriovnic/mailbox.h): what the shared
// validator accepts and refuses, how replies are matched to requests by tag,
// how capabilities fall back for drivers from before them, and what the
// device counts of the messages it carries.
#include "device.hpp"
#include "fake_platform.hpp"
#include "frames.hpp"
#include "sriovnic/mailbox.h"
#include "sriovnic/regs.h"

#include <gtest/gtest.h>

#include <array>
#include <memory>

namespace sriovnic {
namespace {

using Msg = std::array<uint32_t, SRIOVNIC_MBX_WORDS>;

// Word 0 as the drivers of interface 1.5 wrote it: no tag, API version 2.
constexpr uint32_t legacy_w0(uint32_t op, uint32_t status) { return op | status << 16 | 2u << 24; }

int check(const Msg &m, unsigned dir, const sriovnic_mbx_exchange *ex = nullptr)
{
    return sriovnic_mbx_msg_check(m.data(), SRIOVNIC_MBX_WORDS, dir, ex);
}

Msg msg(uint32_t w0, uint32_t w1 = 0, uint32_t w2 = 0, uint32_t w3 = 0, uint32_t w4 = 0)
{
    Msg m{};
    m[0] = w0;
    m[1] = w1;
    m[2] = w2;
    m[3] = w3;
    m[4] = w4;
    return m;
}

constexpr unsigned TO_PF = SRIOVNIC_MBX_DIR_TO_PF;
constexpr unsigned TO_VF = SRIOVNIC_MBX_DIR_TO_VF;

TEST(MailboxContract, MessagesOfTheDriversBeforeTagsAreValid)
{
    // VF driver of interface 1.5: hello with its API version as argument.
    EXPECT_EQ(check(msg(legacy_w0(SRIOVNIC_MBX_HELLO, 0), 2), TO_PF), SRIOVNIC_MBX_MSG_VALID);
    EXPECT_EQ(check(msg(legacy_w0(SRIOVNIC_MBX_SET_MTU, 0), 9000), TO_PF), SRIOVNIC_MBX_MSG_VALID);
    EXPECT_EQ(check(msg(legacy_w0(SRIOVNIC_MBX_SET_VLAN, 0), SRIOVNIC_VLAN_FILTER_ADD | 4094), TO_PF),
              SRIOVNIC_MBX_MSG_VALID);
    EXPECT_EQ(check(msg(legacy_w0(SRIOVNIC_MBX_SET_MC_LIST, 0), ~0u, ~0u), TO_PF),
              SRIOVNIC_MBX_MSG_VALID);
    // PF driver of interface 1.5: its replies and its reset notice.
    const uint32_t reply = SRIOVNIC_MBX_REPLY;
    EXPECT_EQ(check(msg(legacy_w0(SRIOVNIC_MBX_HELLO | reply, 0), 0x33225402, 0x5544, 9000), TO_VF),
              SRIOVNIC_MBX_MSG_VALID);
    EXPECT_EQ(check(msg(legacy_w0(SRIOVNIC_MBX_SET_MTU | reply, SRIOVNIC_MBX_DENIED),
                        SRIOVNIC_MBX_REASON_MTU_LIMIT, 4000), TO_VF),
              SRIOVNIC_MBX_MSG_VALID);
    EXPECT_EQ(check(msg(legacy_w0(SRIOVNIC_MBX_SET_VLAN | reply, SRIOVNIC_MBX_DENIED),
                        SRIOVNIC_MBX_REASON_PORT_VLAN), TO_VF),
              SRIOVNIC_MBX_MSG_VALID);
    EXPECT_EQ(check(msg(legacy_w0(0x77 | reply, SRIOVNIC_MBX_UNSUPPORTED)), TO_VF),
              SRIOVNIC_MBX_MSG_VALID) << "UNSUPPORTED answers any opcode a VF sent";
    EXPECT_EQ(check(msg(legacy_w0(SRIOVNIC_MBX_PF_RESET, 0)), TO_VF), SRIOVNIC_MBX_MSG_VALID);
}

TEST(MailboxContract, ValidatorNamesWhatIsWrong)
{
    const uint32_t hello = SRIOVNIC_MBX_W0(SRIOVNIC_MBX_HELLO, 5, 0);
    EXPECT_EQ(sriovnic_mbx_msg_check(nullptr, 16, TO_PF, nullptr), SRIOVNIC_MBX_MSG_ESHORT);
    EXPECT_EQ(sriovnic_mbx_msg_check(msg(hello).data(), 15, TO_PF, nullptr), SRIOVNIC_MBX_MSG_ESHORT);
    EXPECT_EQ(check(msg(SRIOVNIC_MBX_W0(0x77, 1, 0)), TO_PF), SRIOVNIC_MBX_MSG_ETYPE);
    EXPECT_EQ(check(msg(SRIOVNIC_MBX_W0(0, 1, 0)), TO_PF), SRIOVNIC_MBX_MSG_ETYPE);
    EXPECT_EQ(check(msg(hello | SRIOVNIC_MBX_REPLY), TO_PF), SRIOVNIC_MBX_MSG_EDIR);
    EXPECT_EQ(check(msg(SRIOVNIC_MBX_W0(SRIOVNIC_MBX_PF_RESET, 0, 0)), TO_PF), SRIOVNIC_MBX_MSG_EDIR);
    EXPECT_EQ(check(msg(hello), TO_VF), SRIOVNIC_MBX_MSG_EDIR) << "a request sent to the VF";
    EXPECT_EQ(check(msg(hello | 1u << 16), TO_PF), SRIOVNIC_MBX_MSG_ESTATUS);
    EXPECT_EQ(check(msg(SRIOVNIC_MBX_W0(SRIOVNIC_MBX_HELLO | SRIOVNIC_MBX_REPLY, 5, 4)), TO_VF),
              SRIOVNIC_MBX_MSG_ESTATUS);
    EXPECT_EQ(check(msg(SRIOVNIC_MBX_W0(SRIOVNIC_MBX_HELLO | SRIOVNIC_MBX_REPLY, 5, SRIOVNIC_MBX_DENIED),
                        SRIOVNIC_MBX_REASON_MTU_LIMIT, 1500), TO_VF),
              SRIOVNIC_MBX_MSG_ESTATUS) << "HELLO is never denied";
    Msg reserved = msg(hello, 2, SRIOVNIC_MBX_CAPS_KNOWN);
    reserved[15] = 1;
    EXPECT_EQ(check(reserved, TO_PF), SRIOVNIC_MBX_MSG_ERESERVED);
    EXPECT_EQ(check(msg(SRIOVNIC_MBX_W0(SRIOVNIC_MBX_SET_MTU, 1, 0), 1500, 1), TO_PF),
              SRIOVNIC_MBX_MSG_ERESERVED) << "SET_MTU has one argument";
    EXPECT_EQ(check(msg(SRIOVNIC_MBX_W0(SRIOVNIC_MBX_PF_RESET, 3, 0)), TO_VF),
              SRIOVNIC_MBX_MSG_ERESERVED) << "notices carry no tag";
    EXPECT_EQ(check(msg(SRIOVNIC_MBX_W0(SRIOVNIC_MBX_SET_VLAN, 1, 0), 1u << 20), TO_PF),
              SRIOVNIC_MBX_MSG_ERESERVED);
    EXPECT_EQ(check(msg(SRIOVNIC_MBX_W0(SRIOVNIC_MBX_SET_VLAN, 1, 0), 4095), TO_PF),
              SRIOVNIC_MBX_MSG_ERANGE);
    EXPECT_EQ(check(msg(SRIOVNIC_MBX_W0(SRIOVNIC_MBX_SET_MTU, 1, 0), 67), TO_PF), SRIOVNIC_MBX_MSG_ERANGE);
    EXPECT_EQ(check(msg(SRIOVNIC_MBX_W0(SRIOVNIC_MBX_SET_MTU, 1, 0), 9001), TO_PF), SRIOVNIC_MBX_MSG_ERANGE);
    EXPECT_EQ(check(msg(SRIOVNIC_MBX_W0(SRIOVNIC_MBX_SET_MTU | SRIOVNIC_MBX_REPLY, 1, SRIOVNIC_MBX_DENIED),
                        9), TO_VF),
              SRIOVNIC_MBX_MSG_ERANGE) << "no such reason";
    EXPECT_EQ(check(msg(SRIOVNIC_MBX_W0(SRIOVNIC_MBX_HELLO | SRIOVNIC_MBX_REPLY, 1, 0), 0, 0, 20), TO_VF),
              SRIOVNIC_MBX_MSG_ERANGE) << "a max MTU below the minimum";
    EXPECT_EQ(check(msg(SRIOVNIC_MBX_W0(SRIOVNIC_MBX_HELLO | SRIOVNIC_MBX_REPLY, 1, 0), 0, 0x10000, 1500),
                    TO_VF),
              SRIOVNIC_MBX_MSG_ERESERVED) << "MAC bytes beyond the sixth";
}

TEST(MailboxContract, ReplyIsMatchedToItsRequestByTag)
{
    sriovnic_mbx_exchange ex{};
    auto reply = [](uint32_t op, uint32_t tag) {
        return msg(SRIOVNIC_MBX_W0(op | SRIOVNIC_MBX_REPLY, tag, SRIOVNIC_MBX_OK));
    };
    EXPECT_EQ(check(reply(SRIOVNIC_MBX_SET_MC_LIST, 7), TO_VF, &ex), SRIOVNIC_MBX_MSG_LATE)
        << "nothing was asked";

    sriovnic_mbx_exchange_sent(&ex, SRIOVNIC_MBX_W0(SRIOVNIC_MBX_SET_MC_LIST, 7, 0));
    sriovnic_mbx_exchange_gave_up(&ex); // timed out: a new request follows
    sriovnic_mbx_exchange_sent(&ex, SRIOVNIC_MBX_W0(SRIOVNIC_MBX_SET_MC_LIST, 8, 0));
    EXPECT_EQ(check(reply(SRIOVNIC_MBX_SET_MC_LIST, 7), TO_VF, &ex), SRIOVNIC_MBX_MSG_LATE)
        << "same opcode, but it answers the request that timed out";
    EXPECT_EQ(check(reply(SRIOVNIC_MBX_SET_MTU, 8), TO_VF, &ex), SRIOVNIC_MBX_MSG_LATE)
        << "same tag, other opcode";
    EXPECT_EQ(check(reply(SRIOVNIC_MBX_SET_MC_LIST, 8), TO_VF, &ex), SRIOVNIC_MBX_MSG_VALID);
    sriovnic_mbx_exchange_answered(&ex);
    EXPECT_EQ(check(reply(SRIOVNIC_MBX_SET_MC_LIST, 8), TO_VF, &ex), SRIOVNIC_MBX_MSG_DUPLICATE);

    sriovnic_mbx_exchange_sent(&ex, SRIOVNIC_MBX_W0(SRIOVNIC_MBX_SET_MTU, 9, 0));
    EXPECT_EQ(check(reply(SRIOVNIC_MBX_SET_MC_LIST, 8), TO_VF, &ex), SRIOVNIC_MBX_MSG_DUPLICATE)
        << "a second copy of the last answer, while the next request waits";
    EXPECT_EQ(check(reply(SRIOVNIC_MBX_SET_MTU, 0), TO_VF, &ex), SRIOVNIC_MBX_MSG_VALID)
        << "untagged: a PF driver from before tags, matched by opcode";
    sriovnic_mbx_exchange_gave_up(&ex);
    EXPECT_EQ(check(reply(SRIOVNIC_MBX_SET_MTU, 9), TO_VF, &ex), SRIOVNIC_MBX_MSG_LATE)
        << "the answer came after the VF gave up";
    EXPECT_EQ(check(msg(SRIOVNIC_MBX_W0(SRIOVNIC_MBX_PF_RESET, 0, 0)), TO_VF, &ex),
              SRIOVNIC_MBX_MSG_VALID) << "a notice answers nothing and is never late";
}

TEST(MailboxContract, TagsRunFromOneTo127AndAreNeverZero)
{
    uint32_t tag = SRIOVNIC_MBX_TAG_MAX;
    EXPECT_EQ(SRIOVNIC_MBX_NEXT_TAG(tag), 1u);
    EXPECT_EQ(SRIOVNIC_MBX_NEXT_TAG(1u), 2u);
    const uint32_t w0 = SRIOVNIC_MBX_W0(SRIOVNIC_MBX_SET_VLAN | SRIOVNIC_MBX_REPLY, 127, 3);
    EXPECT_EQ(SRIOVNIC_MBX_OPCODE(w0), SRIOVNIC_MBX_SET_VLAN);
    EXPECT_EQ(SRIOVNIC_MBX_TAG(w0), 127u);
    EXPECT_EQ(SRIOVNIC_MBX_STATUS(w0), 3u);
    EXPECT_EQ(SRIOVNIC_MBX_LEGACY(w0), SRIOVNIC_MBX_LEGACY_LEVEL);
    EXPECT_TRUE(w0 & SRIOVNIC_MBX_REPLY);
    // What drivers from before tags compared: opcode | REPLY, bits 8:0.
    EXPECT_EQ(w0 & 0x1FFu, SRIOVNIC_MBX_SET_VLAN | SRIOVNIC_MBX_REPLY);
}

TEST(MailboxContract, CapabilitiesFallBackToTheLegacyLevel)
{
    // A driver from before capabilities sends caps word 0 and API version 2 (or 1).
    EXPECT_EQ(sriovnic_mbx_peer_caps(legacy_w0(SRIOVNIC_MBX_HELLO, 0), 0), SRIOVNIC_MBX_CAP_MC_LIST);
    EXPECT_EQ(sriovnic_mbx_peer_caps(SRIOVNIC_MBX_HELLO | 1u << 24, 0), 0u);
    const uint32_t caps = SRIOVNIC_MBX_CAP_TAGS;
    EXPECT_EQ(sriovnic_mbx_peer_caps(SRIOVNIC_MBX_W0(SRIOVNIC_MBX_HELLO, 1, 0), caps), caps)
        << "a real caps word is taken as it is, even without MC_LIST";
}

// ---- What the device counts of the messages it carries ----

constexpr uint16_t PF = SRIOVNIC_FN_PF;
constexpr uint16_t VF1 = SRIOVNIC_FN_VF(1);

class MailboxCounting : public ::testing::Test {
protected:
    MailboxCounting()
    {
        device = std::make_unique<Device>(test::card_config(2, 1, 1, test::kPfMac), platform);
        device->subscribe(platform);
        device->set_active_vfs(2);
    }

    uint32_t rd(uint16_t fn, uint32_t reg) { return uint32_t(device->read(fn, reg, 4)); }
    void wr(uint16_t fn, uint32_t reg, uint32_t v) { device->write(fn, reg, 4, v); }

    // VF 1 sends `m`; the PF takes it.
    void request(const Msg &m)
    {
        for (unsigned i = 0; i < SRIOVNIC_MBX_WORDS; i++) {
            wr(VF1, SRIOVNIC_REG_MBX_VF_MSG(i), m[i]);
        }
        wr(VF1, SRIOVNIC_REG_MBX_CTRL, SRIOVNIC_MBX_CTRL_SEND);
        ASSERT_EQ(rd(PF, SRIOVNIC_REG_PF_MBX_VF_MSG(1, 0)), m[0]);
        wr(PF, SRIOVNIC_REG_ADMIN(1, SRIOVNIC_VFA_MBX_CTRL), SRIOVNIC_MBX_CTRL_ACK);
    }
    // The PF sends `m` to VF 1, which reads it and takes it.
    void reply(const Msg &m)
    {
        for (unsigned i = 0; i < SRIOVNIC_MBX_WORDS; i++) {
            wr(PF, SRIOVNIC_REG_PF_MBX_PF_MSG(1, i), m[i]);
        }
        wr(PF, SRIOVNIC_REG_ADMIN(1, SRIOVNIC_VFA_MBX_CTRL), SRIOVNIC_MBX_CTRL_SEND);
        ASSERT_EQ(rd(VF1, SRIOVNIC_REG_MBX_PF_MSG(0)), m[0]) << "carried, never dropped";
        wr(VF1, SRIOVNIC_REG_MBX_CTRL, SRIOVNIC_MBX_CTRL_ACK);
    }
    std::array<uint32_t, 4> counters()
    {
        return {rd(VF1, SRIOVNIC_REG_MBX_BAD_REQUESTS), rd(VF1, SRIOVNIC_REG_MBX_BAD_REPLIES),
                rd(VF1, SRIOVNIC_REG_MBX_LATE_REPLIES), rd(VF1, SRIOVNIC_REG_MBX_DUP_REPLIES)};
    }
    using Counts = std::array<uint32_t, 4>; // bad requests, bad replies, late, duplicate

    static Msg set_mtu(uint32_t tag, uint32_t mtu)
    {
        return msg(SRIOVNIC_MBX_W0(SRIOVNIC_MBX_SET_MTU, tag, 0), mtu);
    }
    static Msg ok(uint32_t op, uint32_t tag) { return msg(SRIOVNIC_MBX_W0(op | SRIOVNIC_MBX_REPLY, tag, 0)); }

    test::FakePlatform platform{1 << 20};
    std::unique_ptr<Device> device;
};

TEST_F(MailboxCounting, WellFormedExchangesCountNothing)
{
    request(msg(SRIOVNIC_MBX_W0(SRIOVNIC_MBX_HELLO, 1, 0), 2, SRIOVNIC_MBX_CAPS_KNOWN));
    reply(msg(SRIOVNIC_MBX_W0(SRIOVNIC_MBX_HELLO | SRIOVNIC_MBX_REPLY, 1, 0), 0x11223302, 0x5544, 9000,
              SRIOVNIC_MBX_CAPS_KNOWN));
    request(set_mtu(2, 4000));
    reply(ok(SRIOVNIC_MBX_SET_MTU, 2));
    reply(msg(SRIOVNIC_MBX_W0(SRIOVNIC_MBX_PF_RESET, 0, 0)));
    // The drivers of interface 1.5, untagged.
    request(msg(legacy_w0(SRIOVNIC_MBX_SET_MTU, 0), 1500));
    reply(msg(legacy_w0(SRIOVNIC_MBX_SET_MTU | SRIOVNIC_MBX_REPLY, 0)));
    EXPECT_EQ(counters(), (Counts{0, 0, 0, 0}));
}

TEST_F(MailboxCounting, MalformedMessagesAreCarriedAndCounted)
{
    request(set_mtu(1, 20));
    request(msg(SRIOVNIC_MBX_W0(0x77, 2, 0)));
    EXPECT_EQ(counters(), (Counts{2, 0, 0, 0}));
    reply(msg(SRIOVNIC_MBX_W0(0x77 | SRIOVNIC_MBX_REPLY, 2, SRIOVNIC_MBX_UNSUPPORTED)));
    EXPECT_EQ(counters(), (Counts{2, 0, 0, 0})) << "the PF's answer to a bad request is fine";
    reply(msg(SRIOVNIC_MBX_W0(SRIOVNIC_MBX_SET_MTU | SRIOVNIC_MBX_REPLY, 3, 0x42)));
    reply(msg(SRIOVNIC_MBX_W0(SRIOVNIC_MBX_PF_RESET, 0, 0), 1));
    EXPECT_EQ(counters(), (Counts{2, 2, 0, 0}));
}

TEST_F(MailboxCounting, ReplyToARequestThatTimedOutIsCountedLate)
{
    request(set_mtu(1, 3000)); // the PF takes it, then answers too late
    request(set_mtu(2, 2000));
    reply(ok(SRIOVNIC_MBX_SET_MTU, 1));
    EXPECT_EQ(counters(), (Counts{0, 0, 1, 0})) << "the answer to 3000 is not the answer to 2000";
    reply(ok(SRIOVNIC_MBX_SET_MTU, 2));
    EXPECT_EQ(counters(), (Counts{0, 0, 1, 0}));
}

TEST_F(MailboxCounting, SecondReplyToTheSameRequestIsCountedDuplicate)
{
    request(set_mtu(5, 3000));
    reply(ok(SRIOVNIC_MBX_SET_MTU, 5));
    reply(ok(SRIOVNIC_MBX_SET_MTU, 5));
    request(set_mtu(6, 2000));
    reply(ok(SRIOVNIC_MBX_SET_MTU, 5));
    EXPECT_EQ(counters(), (Counts{0, 0, 0, 2}));
}

TEST_F(MailboxCounting, CountersAreReadOnlySaturateAndClearWithTheVfsReset)
{
    request(set_mtu(1, 20));
    wr(VF1, SRIOVNIC_REG_MBX_BAD_REQUESTS, 0);
    EXPECT_TRUE(rd(VF1, SRIOVNIC_REG_ERR_CAUSE) & SRIOVNIC_ERR_RO_WRITE);
    EXPECT_EQ(rd(VF1, SRIOVNIC_REG_MBX_BAD_REQUESTS), 1u);
    device->vf_mailbox_regs(1)->bad_requests = UINT32_MAX;
    request(set_mtu(2, 20));
    EXPECT_EQ(rd(VF1, SRIOVNIC_REG_MBX_BAD_REQUESTS), UINT32_MAX);
    device->reset_function(VF1);
    EXPECT_EQ(counters(), (Counts{0, 0, 0, 0}));
    EXPECT_EQ(rd(PF, SRIOVNIC_REG_PF_MBX_VF_MSG(1, 0)), 0u);
}

TEST_F(MailboxCounting, MigratedExchangeKeepsMatchingAndImpossibleOnesAreRefused)
{
    request(set_mtu(3, 3000));
    reply(ok(SRIOVNIC_MBX_SET_MTU, 3));
    request(set_mtu(4, 2000));

    auto dest = std::make_unique<Device>(test::card_config(2, 1, 1, test::kPfMac), platform);
    dest->set_active_vfs(2);
    *dest->fn_regs(VF1) = *device->fn_regs(VF1);
    *dest->vf_mailbox_regs(1) = *device->vf_mailbox_regs(1);
    ASSERT_EQ(dest->post_load(VF1), std::nullopt);
    device = std::move(dest);
    reply(ok(SRIOVNIC_MBX_SET_MTU, 3));
    reply(ok(SRIOVNIC_MBX_SET_MTU, 4));
    EXPECT_EQ(counters(), (Counts{0, 0, 0, 1})) << "the destination knows what was answered";

    device->vf_mailbox_regs(1)->exchange.flags = 0; // remembers a request, but none waits
    device->vf_mailbox_regs(1)->dup_replies = 0;
    EXPECT_NE(device->post_load(VF1), std::nullopt);
    device->vf_mailbox_regs(1)->exchange.flags = 1u << 5;
    EXPECT_NE(device->post_load(VF1), std::nullopt);
}

TEST_F(MailboxCounting, RequestWaitingInAStreamFromBefore16IsAnsweredWithoutCounting)
{
    // What a 1.5 stream restores: the mailbox words and status, no exchange.
    SriovnicMailboxRegs loaded{};
    loaded.status = SRIOVNIC_MBX_STATUS_BUSY;
    loaded.vf_msg[0] = legacy_w0(SRIOVNIC_MBX_HELLO, 0);
    loaded.vf_msg[1] = 2;
    *device->vf_mailbox_regs(1) = loaded;
    ASSERT_EQ(device->post_load(VF1), std::nullopt);
    wr(PF, SRIOVNIC_REG_ADMIN(1, SRIOVNIC_VFA_MBX_CTRL), SRIOVNIC_MBX_CTRL_ACK);
    reply(msg(legacy_w0(SRIOVNIC_MBX_HELLO | SRIOVNIC_MBX_REPLY, 0), 0, 0, 1500));
    EXPECT_EQ(counters(), (Counts{0, 0, 0, 0})) << "the answer to the request that waited";
}

} // namespace
} // namespace sriovnic
