// SPDX-License-Identifier: GPL-2.0-or-later
// The register decoders (regmap.hpp, synth/decode.hpp): every register of
// include/sriovnic/ decodes to its owner's typed register, everything else to
// an explicit unknown, and the device counts exactly the unknown ones.
#include "nic_fixture.hpp"
#include "regmap.hpp"
#include "synth/decode.hpp"
#include "synth_fixture.hpp"

#include <gtest/gtest.h>

#include <map>
#include <vector>

namespace sriovnic {
namespace {

using Block = RegTarget::Block;
using SBlock = synth::SynthRegister::Block;

// One register as the header places it, and what the decoder must make of it.
template <typename B> struct Expected {
    B block;
    uint8_t reg;
    uint16_t index = 0;
    uint8_t element = 0;
};
template <typename B> using RegisterMap = std::map<uint32_t, Expected<B>>;

constexpr uint16_t kTotalVfs = 4;
constexpr uint8_t kQueuePairs = 2;
const RegLayout kPf{false, SRIOVNIC_PF_REGS_SIZE, kQueuePairs, kTotalVfs};
const RegLayout kVf{true, SRIOVNIC_VF_REGS_SIZE, kQueuePairs, kTotalVfs};

template <typename B, typename Reg>
void add(RegisterMap<B> &m, uint32_t offset, B block, Reg reg, uint16_t index = 0, unsigned element = 0)
{
    ASSERT_TRUE(m.emplace(offset, Expected<B>{block, uint8_t(reg), index, uint8_t(element)}).second)
        << "two registers at " << offset;
}

// The common file, written out from regs.h, for PF, VF and the synthetic function.
template <typename B> void add_common(RegisterMap<B> &m, B common, B causes)
{
    const std::pair<uint32_t, FnReg> regs[] = {
        {SRIOVNIC_REG_ID, FnReg::id},
        {SRIOVNIC_REG_VERSION, FnReg::version},
        {SRIOVNIC_REG_CAPS, FnReg::caps},
        {SRIOVNIC_REG_FUNC, FnReg::func},
        {SRIOVNIC_REG_CTRL, FnReg::ctrl},
        {SRIOVNIC_REG_STATUS, FnReg::status},
        {SRIOVNIC_REG_SCRATCH, FnReg::scratch},
        {SRIOVNIC_REG_MAC_LO, FnReg::mac_lo},
        {SRIOVNIC_REG_MAC_HI, FnReg::mac_hi},
        {SRIOVNIC_REG_MTU, FnReg::mtu},
        {SRIOVNIC_REG_RX_MODE, FnReg::rx_mode},
        {SRIOVNIC_REG_MC_HASH_LO, FnReg::mc_hash_lo},
        {SRIOVNIC_REG_MC_HASH_HI, FnReg::mc_hash_hi},
    };
    for (const auto &[offset, reg] : regs) {
        add(m, offset, common, reg);
    }
    const std::pair<uint32_t, CauseReg> cause_regs[] = {
        {SRIOVNIC_REG_INT_CAUSE, CauseReg::int_cause},
        {SRIOVNIC_REG_INT_ENABLE_SET, CauseReg::int_enable_set},
        {SRIOVNIC_REG_INT_ENABLE_CLR, CauseReg::int_enable_clr},
        {SRIOVNIC_REG_INT_CAUSE_SET, CauseReg::int_cause_set},
        {SRIOVNIC_REG_MISC_VECTOR, CauseReg::misc_vector},
        {SRIOVNIC_REG_ERR_CAUSE, CauseReg::err_cause},
        {SRIOVNIC_REG_ERR_COUNT, CauseReg::err_count},
        {SRIOVNIC_REG_ERR_ADDR, CauseReg::err_addr},
    };
    for (const auto &[offset, reg] : cause_regs) {
        add(m, offset, causes, reg);
    }
    for (unsigned s = 0; s < SRIOVNIC_NUM_STATS; s++) {
        add(m, SRIOVNIC_REG_STAT(s), common, FnReg::stat_lo, 0, s);
        add(m, SRIOVNIC_REG_STAT(s) + 4, common, FnReg::stat_hi, 0, s);
    }
}

void add_queues(RegisterMap<Block> &m)
{
    const std::pair<uint32_t, QueueReg> regs[] = {
        {SRIOVNIC_Q_TX_BASE_LO, QueueReg::tx_base_lo}, {SRIOVNIC_Q_TX_BASE_HI, QueueReg::tx_base_hi},
        {SRIOVNIC_Q_TX_LEN, QueueReg::tx_len},         {SRIOVNIC_Q_TX_HEAD, QueueReg::tx_head},
        {SRIOVNIC_Q_TX_TAIL, QueueReg::tx_tail},       {SRIOVNIC_Q_TX_CTRL, QueueReg::tx_ctrl},
        {SRIOVNIC_Q_RX_BASE_LO, QueueReg::rx_base_lo}, {SRIOVNIC_Q_RX_BASE_HI, QueueReg::rx_base_hi},
        {SRIOVNIC_Q_RX_LEN, QueueReg::rx_len},         {SRIOVNIC_Q_RX_HEAD, QueueReg::rx_head},
        {SRIOVNIC_Q_RX_TAIL, QueueReg::rx_tail},       {SRIOVNIC_Q_RX_CTRL, QueueReg::rx_ctrl},
        {SRIOVNIC_Q_RX_BUF_LEN, QueueReg::rx_buf_len}, {SRIOVNIC_Q_IRQ, QueueReg::irq},
        {SRIOVNIC_Q_RX_NOBUF, QueueReg::rx_nobuf},     {SRIOVNIC_Q_ITR, QueueReg::itr},
    };
    for (uint16_t q = 0; q < kQueuePairs; q++) {
        for (const auto &[offset, reg] : regs) {
            add(m, SRIOVNIC_REG_QUEUE(q, offset), Block::queue, reg, q);
        }
    }
}

RegisterMap<Block> pf_registers()
{
    RegisterMap<Block> m;
    add_common(m, Block::common, Block::causes);
    add_queues(m);
    add(m, SRIOVNIC_REG_PF_TOTAL_VFS, Block::pf, PfReg::total_vfs);
    add(m, SRIOVNIC_REG_PF_ACTIVE_VFS, Block::pf, PfReg::active_vfs);
    add(m, SRIOVNIC_REG_PF_VF_SELECT, Block::pf, PfReg::vf_select);
    add(m, SRIOVNIC_REG_PF_VLAN_FILTER, Block::pf, PfReg::vlan_filter);
    add(m, SRIOVNIC_REG_PF_VF_MC_HASH_LO, Block::pf, PfReg::vf_mc_hash_lo);
    add(m, SRIOVNIC_REG_PF_VF_MC_HASH_HI, Block::pf, PfReg::vf_mc_hash_hi);
    for (unsigned w = 0; w < SRIOVNIC_MAX_VFS / 32; w++) {
        add(m, SRIOVNIC_REG_PF_MBX_PENDING(w), Block::pf_mailbox, PfMailboxReg::pending, 0, w);
    }
    const std::pair<uint32_t, AdminReg> admin[] = {
        {SRIOVNIC_VFA_MAC_LO, AdminReg::mac_lo},         {SRIOVNIC_VFA_MAC_HI, AdminReg::mac_hi},
        {SRIOVNIC_VFA_VLAN, AdminReg::vlan},             {SRIOVNIC_VFA_FLAGS, AdminReg::flags},
        {SRIOVNIC_VFA_RATE, AdminReg::rate},             {SRIOVNIC_VFA_TX_DROPPED, AdminReg::tx_dropped},
        {SRIOVNIC_VFA_RX_DROPPED, AdminReg::rx_dropped},
    };
    const std::pair<uint32_t, unsigned> counters[] = {
        {SRIOVNIC_VFA_RX_PACKETS, SRIOVNIC_STAT_RX_PACKETS},
        {SRIOVNIC_VFA_RX_BYTES, SRIOVNIC_STAT_RX_BYTES},
        {SRIOVNIC_VFA_TX_PACKETS, SRIOVNIC_STAT_TX_PACKETS},
        {SRIOVNIC_VFA_TX_BYTES, SRIOVNIC_STAT_TX_BYTES},
    };
    for (uint16_t vf = 0; vf < kTotalVfs; vf++) {
        for (const auto &[offset, reg] : admin) {
            add(m, SRIOVNIC_REG_ADMIN(vf, offset), Block::admin, reg, vf);
        }
        for (const auto &[offset, stat] : counters) {
            add(m, SRIOVNIC_REG_ADMIN(vf, offset), Block::admin, AdminReg::counter_lo, vf, stat);
            add(m, SRIOVNIC_REG_ADMIN(vf, offset) + 4, Block::admin, AdminReg::counter_hi, vf, stat);
        }
        add(m, SRIOVNIC_REG_ADMIN(vf, SRIOVNIC_VFA_MBX_CTRL), Block::pf_mailbox, PfMailboxReg::ctrl,
            vf);
        for (unsigned i = 0; i < SRIOVNIC_MBX_WORDS; i++) {
            add(m, SRIOVNIC_REG_PF_MBX_VF_MSG(vf, i), Block::pf_mailbox, PfMailboxReg::vf_msg, vf, i);
            add(m, SRIOVNIC_REG_PF_MBX_PF_MSG(vf, i), Block::pf_mailbox, PfMailboxReg::pf_msg, vf, i);
        }
    }
    return m;
}

RegisterMap<Block> vf_registers()
{
    RegisterMap<Block> m;
    add_common(m, Block::common, Block::causes);
    add_queues(m);
    for (unsigned i = 0; i < SRIOVNIC_MBX_WORDS; i++) {
        add(m, SRIOVNIC_REG_MBX_VF_MSG(i), Block::vf_mailbox, VfMailboxReg::vf_msg, 0, i);
        add(m, SRIOVNIC_REG_MBX_PF_MSG(i), Block::vf_mailbox, VfMailboxReg::pf_msg, 0, i);
    }
    add(m, SRIOVNIC_REG_MBX_CTRL, Block::vf_mailbox, VfMailboxReg::ctrl);
    add(m, SRIOVNIC_REG_MBX_STATUS, Block::vf_mailbox, VfMailboxReg::status);
    add(m, SRIOVNIC_REG_MBX_BAD_REQUESTS, Block::vf_mailbox, VfMailboxReg::bad_requests);
    add(m, SRIOVNIC_REG_MBX_BAD_REPLIES, Block::vf_mailbox, VfMailboxReg::bad_replies);
    add(m, SRIOVNIC_REG_MBX_LATE_REPLIES, Block::vf_mailbox, VfMailboxReg::late_replies);
    add(m, SRIOVNIC_REG_MBX_DUP_REPLIES, Block::vf_mailbox, VfMailboxReg::dup_replies);
    return m;
}

RegisterMap<SBlock> synth_registers()
{
    using synth::RingReg;
    using synth::SynthReg;
    RegisterMap<SBlock> m;
    add_common(m, SBlock::common, SBlock::causes);
    add(m, SRIOVNIC_SYNTH_REG_DEV_FEATURES, SBlock::synth, SynthReg::dev_features);
    add(m, SRIOVNIC_SYNTH_REG_DRV_FEATURES, SBlock::synth, SynthReg::drv_features);
    add(m, SRIOVNIC_SYNTH_REG_FEATURES_OK, SBlock::synth, SynthReg::features_ok);
    add(m, SRIOVNIC_SYNTH_REG_MAX_MTU, SBlock::synth, SynthReg::max_mtu);
    add(m, SRIOVNIC_SYNTH_REG_DATAPATH, SBlock::datapath, 0);
    add(m, SRIOVNIC_SYNTH_REG_OFFLOADS, SBlock::synth, SynthReg::offloads);
    add(m, SRIOVNIC_SYNTH_REG_DATA_IRQ, SBlock::synth, SynthReg::data_irq);
    for (unsigned s = 0; s < SRIOVNIC_SYNTH_NUM_STATS; s++) {
        add(m, SRIOVNIC_SYNTH_REG_STAT(s), SBlock::synth, SynthReg::stat_lo, 0, s);
        add(m, SRIOVNIC_SYNTH_REG_STAT(s) + 4, SBlock::synth, SynthReg::stat_hi, 0, s);
    }
    const std::pair<uint32_t, RingReg> ring[] = {
        {SRIOVNIC_SYNTH_QR_DESC_LO, RingReg::desc_lo},   {SRIOVNIC_SYNTH_QR_DESC_HI, RingReg::desc_hi},
        {SRIOVNIC_SYNTH_QR_AVAIL_LO, RingReg::avail_lo}, {SRIOVNIC_SYNTH_QR_AVAIL_HI, RingReg::avail_hi},
        {SRIOVNIC_SYNTH_QR_USED_LO, RingReg::used_lo},   {SRIOVNIC_SYNTH_QR_USED_HI, RingReg::used_hi},
        {SRIOVNIC_SYNTH_QR_SIZE, RingReg::size},         {SRIOVNIC_SYNTH_QR_ENABLE, RingReg::enable},
        {SRIOVNIC_SYNTH_QR_NOTIFY, RingReg::notify},     {SRIOVNIC_SYNTH_QR_AVAIL_POS, RingReg::avail_pos},
        {SRIOVNIC_SYNTH_QR_USED_POS, RingReg::used_pos},
    };
    for (uint16_t q = 0; q < SRIOVNIC_SYNTH_NUM_QUEUES; q++) {
        for (const auto &[offset, reg] : ring) {
            add(m, SRIOVNIC_SYNTH_REG_QUEUE(q, offset), SBlock::ring, reg, q);
        }
    }
    return m;
}

// Every aligned offset of the BAR: a register of the map decodes to exactly
// what the map says, any other to the explicit unknown with its offset.
template <typename B, typename Decode>
void expect_decodes_as_mapped(const RegisterMap<B> &map, uint32_t bar_size, B unmapped, Decode decode)
{
    unsigned registers = 0;
    for (uint32_t off = 0; off < bar_size; off += 4) {
        const auto t = decode(off, 4);
        EXPECT_EQ(t.offset, off);
        const auto it = map.find(off);
        if (it == map.end()) {
            EXPECT_EQ(t.block, unmapped) << "offset " << off << " has no register";
            continue;
        }
        registers++;
        const Expected<B> &e = it->second;
        EXPECT_EQ(t.block, e.block) << "offset " << off;
        EXPECT_EQ(t.reg, e.reg) << "offset " << off;
        EXPECT_EQ(t.index, e.index) << "offset " << off;
        EXPECT_EQ(t.element, e.element) << "offset " << off;
    }
    EXPECT_EQ(registers, map.size()) << "every register of the header lies inside the BAR";
}

TEST(RegisterDecode, EveryPfRegisterOfTheHeaderDecodesToItsTypedRegister)
{
    expect_decodes_as_mapped(pf_registers(), SRIOVNIC_PF_REGS_SIZE, Block::unmapped,
                             [](uint32_t off, unsigned size) { return decode_register(kPf, off, size); });
}

TEST(RegisterDecode, EveryVfRegisterOfTheHeaderDecodesToItsTypedRegister)
{
    expect_decodes_as_mapped(vf_registers(), SRIOVNIC_VF_REGS_SIZE, Block::unmapped,
                             [](uint32_t off, unsigned size) { return decode_register(kVf, off, size); });
}

TEST(RegisterDecode, EverySynthRegisterOfTheHeaderDecodesToItsTypedRegister)
{
    expect_decodes_as_mapped(synth_registers(), SRIOVNIC_SYNTH_REGS_SIZE, SBlock::unmapped,
                             [](uint32_t off, unsigned size) { return synth::decode_synth_register(off, size); });
}

TEST(RegisterDecode, PartialMisalignedAndOutsideAccessesAreUnknown)
{
    for (uint32_t reg : {uint32_t(SRIOVNIC_REG_SCRATCH), uint32_t(SRIOVNIC_REG_QUEUE(1, SRIOVNIC_Q_TX_TAIL))}) {
        for (unsigned size : {1u, 2u, 8u}) {
            EXPECT_EQ(decode_register(kPf, reg, size).block, Block::bad_access);
            EXPECT_EQ(synth::decode_synth_register(reg, size).block, SBlock::bad_access);
        }
        for (uint32_t skew : {1u, 2u, 3u}) {
            const RegTarget t = decode_register(kVf, reg + skew, 4);
            EXPECT_EQ(t.block, Block::bad_access);
            EXPECT_EQ(t.offset, reg + skew);
            const synth::SynthRegister s = synth::decode_synth_register(reg + skew, 4);
            EXPECT_EQ(s.block, SBlock::bad_access);
            EXPECT_TRUE(s.offset_in_bar);
            EXPECT_EQ(s.offset, reg + skew);
        }
    }
    EXPECT_EQ(decode_register(kVf, SRIOVNIC_VF_REGS_SIZE + 2, 2).offset, 2u)
        << "a bad access beyond the BAR: its offset modulo the BAR, as ERR_ADDR shows it";
    EXPECT_FALSE(synth::decode_synth_register(SRIOVNIC_SYNTH_REGS_SIZE + 2, 2).offset_in_bar)
        << "the synthetic function latches no ERR_ADDR for it";
    EXPECT_EQ(decode_register(kPf, SRIOVNIC_PF_REGS_SIZE, 4).block, Block::outside);
    EXPECT_EQ(decode_register(kVf, SRIOVNIC_VF_REGS_SIZE, 4).block, Block::outside);
    EXPECT_EQ(synth::decode_synth_register(SRIOVNIC_SYNTH_REGS_SIZE, 4).block, SBlock::outside);
}

TEST(RegisterDecode, WindowsEndWhereTheFunctionsResourcesEnd)
{
    EXPECT_EQ(decode_register(kPf, SRIOVNIC_REG_QUEUE(kQueuePairs, 0), 4).block, Block::unmapped)
        << "queue pairs beyond the function's";
    EXPECT_EQ(decode_register(kPf, SRIOVNIC_REG_ADMIN(kTotalVfs, 0), 4).block, Block::unmapped)
        << "administration only for the VFs the PF has";
    EXPECT_EQ(decode_register(kPf, SRIOVNIC_REG_PF_MBX_VF_MSG(kTotalVfs, 0), 4).block,
              Block::unmapped);
    const RegLayout all_vfs{false, SRIOVNIC_PF_REGS_SIZE, 1, SRIOVNIC_MAX_VFS};
    const RegTarget last = decode_register(all_vfs, SRIOVNIC_REG_PF_MBX_PF_MSG(255, 15), 4);
    EXPECT_EQ(last.block, Block::pf_mailbox);
    EXPECT_EQ(last.index, 255);
    EXPECT_EQ(last.element, 15);
}

// Reads every aligned offset of `fn`'s BAR (and writes those without a
// register) and checks that exactly the offsets without a register are
// counted, once per access, as UNMAPPED at their offset, as the device has
// always done.
template <typename B>
void expect_only_unknown_offsets_counted(Device &device, uint16_t fn,
                                         const RegisterMap<B> &map, uint32_t bar_size)
{
    const auto err_count = [&] { return uint32_t(device.read(fn, SRIOVNIC_REG_ERR_COUNT, 4)); };
    unsigned unknown = 0;
    for (uint32_t off = 0; off < bar_size; off += 4) {
        const uint32_t before = err_count();
        (void)device.read(fn, off, 4);
        if (map.count(off)) {
            ASSERT_EQ(err_count(), before) << "offset " << off << " is a register";
            continue;
        }
        unknown++;
        ASSERT_EQ(err_count(), before + 1) << "offset " << off << " is counted once";
        ASSERT_EQ(device.read(fn, SRIOVNIC_REG_ERR_ADDR, 4), off);
        ASSERT_EQ(device.read(fn, SRIOVNIC_REG_ERR_CAUSE, 4), SRIOVNIC_ERR_UNMAPPED);
        device.write(fn, off, 4, ~0u);
        ASSERT_EQ(err_count(), before + 2) << "a write there too";
        ASSERT_EQ(device.read(fn, SRIOVNIC_REG_ERR_ADDR, 4), off);
    }
    EXPECT_EQ(err_count(), 2 * unknown);
}

using DecodeCounting = test::SynthNic;

TEST_F(DecodeCounting, OnlyOffsetsWithoutARegisterAreCountedAsUnmapped)
{
    // The fixture's card: 4 VFs, two queue pairs each (as kPf and kVf).
    expect_only_unknown_offsets_counted(*device, test::PF, pf_registers(), SRIOVNIC_PF_REGS_SIZE);
    expect_only_unknown_offsets_counted(*device, test::VF1, vf_registers(), SRIOVNIC_VF_REGS_SIZE);
    expect_only_unknown_offsets_counted(*device, fn, synth_registers(), SRIOVNIC_SYNTH_REGS_SIZE);
}

} // namespace
} // namespace sriovnic
