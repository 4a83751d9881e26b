// SPDX-License-Identifier: GPL-2.0-or-later
// A guest that does everything wrong, at random but reproducibly: register
// accesses of every size and alignment with plausible and absurd values,
// rings full of garbage, frames of any shape from the backend, resets, VF
// Enable changes and migrations of whatever state results. The device must
// never crash or hit undefined behaviour (the unit tests also run under
// ASan+UBSan), never touch memory outside the guest's (the fake platform
// refuses it), and only ever signal vectors and send frames that exist.
#include "device.hpp"
#include "fake_platform.hpp"
#include "guest_desc.hpp"
#include "frames.hpp"
#include "sriovnic/desc.h"
#include "sriovnic/mailbox.h"
#include "sriovnic/regs.h"
#include "sriovnic/synth.h"
#include "synth_fixture.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <random>
#include <tuple>
#include <vector>

namespace sriovnic {
namespace {

constexpr uint16_t kVfs = 4;
constexpr size_t kRamSize = 256 * 1024;
// The card's register BARs sit right after RAM, so that any address the chaos
// makes up may land in them: the card's DMA then comes back to the card.
constexpr uint64_t kBarsBase = kRamSize;
// The synthetic channel (paired with VF 0) is the function after the VFs; its BAR follows theirs.
constexpr uint16_t kSynth = kVfs + 1;
constexpr uint64_t kSynthBar = kBarsBase + SRIOVNIC_PF_REGS_SIZE + kVfs * SRIOVNIC_VF_REGS_SIZE;
constexpr uint64_t kBarsEnd = kSynthBar + SRIOVNIC_SYNTH_REGS_SIZE;
constexpr uint8_t kSynthMac[6] = {0x52, 0x54, 0x00, 0x00, 0x02, 0x00};

// Offsets the synth driver uses.
std::vector<uint32_t> synth_offsets()
{
    std::vector<uint32_t> offsets = {
        SRIOVNIC_REG_CTRL, SRIOVNIC_REG_INT_CAUSE, SRIOVNIC_REG_INT_ENABLE_SET,
        SRIOVNIC_REG_MISC_VECTOR, SRIOVNIC_REG_ERR_CAUSE, SRIOVNIC_REG_MTU, SRIOVNIC_REG_RX_MODE,
        SRIOVNIC_REG_MC_HASH_LO, SRIOVNIC_SYNTH_REG_DRV_FEATURES, SRIOVNIC_SYNTH_REG_FEATURES_OK,
        SRIOVNIC_SYNTH_REG_DATAPATH, SRIOVNIC_SYNTH_REG_DATA_IRQ, SRIOVNIC_SYNTH_REG_STAT(0),
    };
    for (unsigned q = 0; q < SRIOVNIC_SYNTH_NUM_QUEUES; q++) {
        for (uint32_t reg = 0; reg <= SRIOVNIC_SYNTH_QR_USED_POS; reg += 4) {
            offsets.push_back(SRIOVNIC_SYNTH_REG_QUEUE(q, reg));
        }
    }
    return offsets;
}

SriovnicSynthConfig synth_config()
{
    SriovnicSynthConfig cfg{};
    cfg.paired_vf = 0;
    std::copy(std::begin(kSynthMac), std::end(kSynthMac), cfg.mac);
    cfg.features = SRIOVNIC_SYNTH_F_ALL;
    cfg.revoke_timeout_ms = 5;
    cfg.max_mtu = 9000;
    cfg.offloads = SRIOVNIC_SYNTH_F_OFFLOADS;
    cfg.sriov_allowed = true;
    return cfg;
}

// Offsets a driver would use, so that random writes reach deep states.
std::vector<uint32_t> interesting_offsets()
{
    std::vector<uint32_t> offsets = {
        SRIOVNIC_REG_ID, SRIOVNIC_REG_CTRL, SRIOVNIC_REG_STATUS, SRIOVNIC_REG_INT_CAUSE,
        SRIOVNIC_REG_INT_ENABLE_SET, SRIOVNIC_REG_INT_ENABLE_CLR, SRIOVNIC_REG_INT_CAUSE_SET,
        SRIOVNIC_REG_MISC_VECTOR, SRIOVNIC_REG_ERR_CAUSE, SRIOVNIC_REG_MAC_LO,
        SRIOVNIC_REG_MAC_HI, SRIOVNIC_REG_MTU, SRIOVNIC_REG_RX_MODE, SRIOVNIC_REG_MC_HASH_LO,
        SRIOVNIC_REG_MC_HASH_HI, SRIOVNIC_REG_PF_VF_SELECT, SRIOVNIC_REG_PF_VLAN_FILTER,
        SRIOVNIC_REG_PF_VF_MC_HASH_LO, SRIOVNIC_REG_PF_VF_MC_HASH_HI,
        SRIOVNIC_REG_PF_MBX_PENDING(0), SRIOVNIC_REG_MBX_VF_MSG(0), SRIOVNIC_REG_MBX_CTRL,
        SRIOVNIC_REG_MBX_STATUS, SRIOVNIC_REG_MBX_PF_MSG(0),
    };
    for (unsigned q = 0; q < 3; q++) {
        for (uint32_t reg = 0; reg <= SRIOVNIC_Q_ITR; reg += 4) {
            offsets.push_back(SRIOVNIC_REG_QUEUE(q, reg));
        }
    }
    for (unsigned vf = 0; vf <= kVfs; vf++) {
        for (uint32_t reg = 0; reg < SRIOVNIC_REG_ADMIN_STRIDE; reg += 4) {
            offsets.push_back(SRIOVNIC_REG_ADMIN(vf, reg));
        }
        offsets.push_back(SRIOVNIC_REG_PF_MBX_VF_MSG(vf, 0));
        offsets.push_back(SRIOVNIC_REG_PF_MBX_PF_MSG(vf, 0));
    }
    return offsets;
}

class Chaos {
public:
    explicit Chaos(uint64_t seed)
        : rng_(seed), offsets_(interesting_offsets()), synth_offsets_(synth_offsets())
    {
        device_ = new_device();
        device_->set_active_vfs(kVfs);
        platform_.max_mmio_size = 4; // every chunk a register access
        platform_.bars.push_back({kBarsBase, SRIOVNIC_PF_REGS_SIZE, SRIOVNIC_FN_PF});
        for (uint16_t n = 0; n < kVfs; n++) {
            platform_.bars.push_back({kBarsBase + SRIOVNIC_PF_REGS_SIZE + n * SRIOVNIC_VF_REGS_SIZE,
                                      SRIOVNIC_VF_REGS_SIZE, SRIOVNIC_FN_VF(n)});
        }
        platform_.bars.push_back({kSynthBar, SRIOVNIC_SYNTH_REGS_SIZE, kSynth});
        // The card's DMA that comes back to it must not make it do anything.
        platform_.mmio.read = [this](uint16_t fn, uint64_t off, unsigned size) {
            const Outputs before = outputs();
            const uint64_t value = device_->read(fn, off, size);
            EXPECT_EQ(outputs(), before) << "a DMA into a BAR ran the card's work";
            reach.bar_accesses++;
            return value;
        };
        platform_.mmio.write = [this](uint16_t fn, uint64_t off, unsigned size, uint64_t v) {
            const Outputs before = outputs();
            device_->write(fn, off, size, v);
            EXPECT_EQ(outputs(), before) << "a DMA into a BAR ran the card's work";
            reach.bar_accesses++;
        };
    }

    void step()
    {
        switch (pick(20)) {
        case 0: case 1: case 2: case 3: write_register(); break;
        case 4: read_register(); break;
        case 5: scribble_memory(); break;
        case 6: case 7: frame_from_backend(); break;
        case 8:
            platform_.now += pick(2'000'000);
            device_->on_timer();
            break;
        case 9: device_->reset_function(uint16_t(pick(kVfs + 2))); break;
        case 10:
            if (pick(2)) {
                device_->set_active_vfs(uint16_t(pick(kVfs + 1)));
            } else {
                device_->request_vf_enable(uint16_t(pick(2 * kVfs)));
            }
            break;
        case 11: case 12: start_queue(); break;
        case 13: migrate(); break;
        case 14: synth_write(); break;
        case 15: start_synth_queue(); break;
        case 16: synth_message(); break;
        case 17: host_operation(); break;
        case 18: inject_fault(); break;
        default:
            switch (pick(9)) {
            case 0: case 1: synth_transmit(); break;
            case 2: mailbox_exchange(); break;
            default: synth_frame(); break;
            }
            break;
        }
        check_outputs();
        check_synth();
    }

private:
    using Outputs = std::tuple<size_t, size_t, size_t>; // frames out, interrupts, DMA
    Outputs outputs() const
    {
        return {platform_.uplink.size(), platform_.msix.size(), platform_.dma_fns.size()};
    }

    static SriovnicCoreConfig config() { return test::card_config(kVfs, 2, 2, test::kPfMac); }

    std::unique_ptr<Device> new_device()
    {
        auto d = std::make_unique<Device>(config(), platform_);
        d->subscribe(platform_);
        std::string err;
        EXPECT_EQ(d->attach_synth(synth_config(), {}, err), kSynth) << err;
        return d;
    }
    test::ChannelHost &channel() { return channel_; }

    // ---- the synthetic channel ----

    void synth_write()
    {
        const uint32_t off = pick(4) ? synth_offsets_[pick(synth_offsets_.size())]
                                     : uint32_t(pick(SRIOVNIC_SYNTH_REGS_SIZE + 16));
        uint32_t v = value();
        if (off == SRIOVNIC_SYNTH_REG_DRV_FEATURES && pick(2)) {
            v &= SRIOVNIC_SYNTH_F_ALL;
        }
        device_->write(kSynth, off, pick(8) ? 4 : size(), v);
    }

    // Puts `n` little-endian bytes of `v` at `at` if the whole range is RAM.
    void put(uint64_t at, uint64_t v, unsigned n)
    {
        if (at + n <= kRamSize) {
            test::put_le(platform_.ram, at, v, n);
        }
    }

    // A driver's bring-up of one queue (features first, sometimes), with
    // chains that look right or not at all, made available and notified.
    void start_synth_queue()
    {
        auto wr = [&](uint32_t reg, uint32_t v) { device_->write(kSynth, reg, 4, v); };
        if (pick(3) == 0) {
            wr(SRIOVNIC_SYNTH_REG_DRV_FEATURES, uint32_t(pick(SRIOVNIC_SYNTH_F_ALL + 1)));
            wr(SRIOVNIC_SYNTH_REG_FEATURES_OK, 1);
            wr(SRIOVNIC_REG_MISC_VECTOR, SRIOVNIC_VECTOR_VALID | uint32_t(pick(3)));
            wr(SRIOVNIC_REG_INT_ENABLE_SET, ~0u);
            wr(SRIOVNIC_REG_CTRL, SRIOVNIC_CTRL_ENABLE);
        }
        const unsigned q = unsigned(pick(SRIOVNIC_SYNTH_NUM_QUEUES));
        const uint32_t n = SRIOVNIC_SYNTH_RING_MIN << pick(3);
        auto base = [&](uint64_t bytes) {
            return uint32_t(pick(16) ? pick(kRamSize - bytes) : kBarsBase + pick(kBarsEnd - kBarsBase)) & ~15u;
        };
        const uint32_t desc = base(16 * n), avail = base(4 + 2 * n), used = base(4 + 8 * n);
        auto qwr = [&](uint32_t reg, uint32_t v) { wr(SRIOVNIC_SYNTH_REG_QUEUE(q, reg), v); };
        qwr(SRIOVNIC_SYNTH_QR_ENABLE, 0);
        qwr(SRIOVNIC_SYNTH_QR_DESC_LO, desc);
        qwr(SRIOVNIC_SYNTH_QR_AVAIL_LO, avail);
        qwr(SRIOVNIC_SYNTH_QR_USED_LO, used);
        qwr(SRIOVNIC_SYNTH_QR_SIZE, n);
        put(avail, 0, 2);
        put(used, 0, 2);
        qwr(SRIOVNIC_SYNTH_QR_ENABLE, 1);
        const uint32_t count = uint32_t(pick(n + 1));
        for (uint32_t i = 0; i < count; i++) {
            const bool write = q == SRIOVNIC_SYNTH_Q_RX || q == SRIOVNIC_SYNTH_Q_EVENT;
            const uint64_t d = desc + 16 * i;
            put(d, pick(8) == 0 ? rng_() : pick(kBarsEnd), 8);
            put(d + 8, pick(4) == 0 ? rng_() : 12 + pick(2048), 4);
            put(d + 12, pick(4) == 0 ? rng_() : (write ? SRIOVNIC_SYNTH_D_WRITE : 0) | pick(2), 2);
            put(d + 14, pick(n + 2), 2);
            put(avail + 4 + 2 * i, pick(8) == 0 ? rng_() : i, 2);
        }
        put(avail, pick(8) == 0 ? rng_() : count, 2);
        qwr(SRIOVNIC_SYNTH_QR_NOTIFY, 1);
    }

    // A CTRL request, well-formed or not, through whatever CTRL ring runs.
    void synth_message()
    {
        const SriovnicSynthQueueRegs &q = channel().regs().queues[SRIOVNIC_SYNTH_Q_CTRL];
        const uint64_t desc = q.desc_lo, avail = q.avail_lo;
        if (!q.enable || desc + 32 > kRamSize || avail + 4 + 2 * q.size > kRamSize) {
            return;
        }
        const uint64_t req = pick(kRamSize - 64), resp = pick(kRamSize - 64);
        const SriovnicSynthInfo info = channel().info();
        put(req, SRIOVNIC_SYNTH_MSG_SWITCH_DATA_PATH, 2);
        put(req + 2, pick(4) ? 20 : pick(64), 2);
        put(req + 4, rng_(), 4);
        put(req + 8, pick(8) ? 0 : rng_(), 4);
        put(req + 12, pick(2), 1);
        put(req + 13, pick(8) ? 0 : rng_(), 1);
        put(req + 14, pick(2) ? info.paired_vf : pick(300), 2);
        put(req + 16, pick(2) ? info.offer_serial : rng_(), 4);
        if (pick(4) == 0) {
            put(req, rng_(), 8);
        }
        put(desc, req, 8);
        put(desc + 8, pick(8) ? 20 : pick(40), 4);
        put(desc + 12, SRIOVNIC_SYNTH_D_NEXT, 2);
        put(desc + 14, 1, 2);
        put(desc + 16, resp, 8);
        put(desc + 24, pick(8) ? 32 : pick(40), 4);
        put(desc + 28, SRIOVNIC_SYNTH_D_WRITE, 2);
        const uint16_t idx = uint16_t(q.avail_pos);
        put(avail + 4 + 2 * (idx % q.size), 0, 2);
        put(avail, uint16_t(idx + 1), 2);
        device_->write(kSynth, SRIOVNIC_SYNTH_REG_QUEUE(SRIOVNIC_SYNTH_Q_CTRL, SRIOVNIC_SYNTH_QR_NOTIFY), 4, 1);
        reach.synth_requests++;
    }

    // A host policy change of any shape: any subset of the fields, values
    // in range or not (at management's width), applied as one transaction.
    SriovnicSynthPolicy random_policy()
    {
        SriovnicSynthPolicy p{};
        p.has_sriov_allowed = pick(2);
        p.sriov_allowed = pick(3) != 0;
        p.has_max_mtu = pick(3) == 0;
        p.max_mtu = uint32_t(pick(8) ? 1400 + pick(8000) : rng_());
        p.has_offloads = pick(3) == 0;
        p.offloads = uint32_t(pick(2) ? pick(16) : rng_());
        p.has_port_policies = pick(3) == 0;
        p.port_policies = pick(4) ? uint32_t(pick(4)) : uint32_t(rng_());
        return p;
    }

    // What management and the glue's migration hooks do, through the card's façade.
    void host_operation()
    {
        switch (pick(13)) {
        case 0: (void)device_->synth_offer(kSynth); break;
        case 1: {
            SriovnicSynthRevoke r{};
            r.reason = unsigned(pick(7));
            r.surprise = pick(2);
            r.has_timeout_ms = pick(3) == 0;
            r.timeout_ms = uint32_t(pick(4) ? pick(20) : rng_());
            (void)device_->synth_revoke(kSynth, r);
            break;
        }
        case 2: (void)device_->synth_set_policy(kSynth, random_policy()); break;
        case 3: device_->reset_function(SRIOVNIC_FN_VF(channel().info().paired_vf)); break;
        // Live migration as the glue reports it: setup, its end, the VM's run state.
        case 4: device_->synth_migration_begin(kSynth, pick(2) != 0); break;
        case 5: (void)device_->synth_migration_end(kSynth, pick(2) != 0); break;
        case 6: (void)device_->synth_vm_running(kSynth, pick(4) != 0); break;
        case 7: (void)device_->synth_holds_migration(kSynth); break;
        case 8: {
            // A valid port-policy change alone: random_policy() rarely gets
            // one through, and transmits must meet the guards now and then.
            SriovnicSynthPolicy p{};
            p.has_port_policies = true;
            p.port_policies = uint32_t(pick(4));
            (void)device_->synth_set_policy(kSynth, p);
            break;
        }
        // The host-owned topology: a VF plugged as a standalone function and
        // unplugged (reset) under the guest's feet. (The host's settings of a
        // host-owned card's VFs: host_pf_agent_chaos_test.cpp.)
        case 9: (void)device_->plug_standalone_vf(uint32_t(pick(kVfs + 2))); break;
        case 10: device_->unplug_standalone_vf(uint16_t(pick(kVfs + 1))); break;
        default: break;
        }
        platform_.now += pick(10'000'000);
        device_->on_timer();
    }

    // A frame for the pair's MAC from the backend or from the channel.
    void synth_frame()
    {
        test::Bytes frame = test::ethernet(pick(2) ? test::Mac{0x52, 0x54, 0, 0, 2, 0} : test::kBroadcast,
                                           test::kRemote, 0x0800, pick(1600));
        (void)device_->uplink_receive(frame);
    }

    // A frame the port policies guard (router advertisement or redirect,
    // DHCP server message; VLAN-tagged, cut short) or not, with a net header,
    // through whatever synthetic TX ring runs.
    void synth_transmit()
    {
        const SriovnicSynthQueueRegs &q = channel().regs().queues[SRIOVNIC_SYNTH_Q_TX];
        auto usable = [&] {
            return q.enable && q.desc_hi == 0 && q.avail_hi == 0 && q.desc_lo + 16 * q.size <= kRamSize &&
                   q.avail_lo + 4 + 2 * q.size <= kRamSize;
        };
        if (!usable() && pick(2)) {
            start_synth_tx();
        }
        if (!usable()) {
            return;
        }
        const uint64_t desc = q.desc_lo, avail = q.avail_lo;
        static constexpr uint8_t kIcmpTypes[] = {5, 9, 134, 137, 8, 128, 135};
        static constexpr uint16_t kPorts[] = {67, 68, 546, 547, 53};
        const bool v6 = pick(2);
        const bool icmp = pick(2);
        const test::Bytes upper = icmp ? test::icmp(kIcmpTypes[pick(std::size(kIcmpTypes))])
                                       : test::udp(kPorts[pick(std::size(kPorts))],
                                                   kPorts[pick(std::size(kPorts))]);
        test::Bytes frame = test::ip_packet(test::kRemote, test::Mac{0x52, 0x54, 0, 0, 2, 0}, v6,
                                            icmp ? (v6 ? 58 : 1) : 17, upper,
                                            pick(2) ? uint16_t(pick(4096)) : 0, v6 && pick(3) == 0);
        if (pick(4) == 0) {
            frame.resize(pick(frame.size() + 1));
        }
        const uint64_t buf = pick(kRamSize - 12 - frame.size());
        put(buf, 0, 8); // net header: no flags, no GSO
        put(buf + 8, 0, 4);
        for (size_t i = 0; i < frame.size(); i++) {
            put(buf + 12 + i, frame[i], 1);
        }
        const uint16_t idx = uint16_t(q.avail_pos);
        put(desc + 16 * (idx % q.size), buf, 8);
        put(desc + 16 * (idx % q.size) + 8, uint32_t(12 + frame.size()), 4);
        put(desc + 16 * (idx % q.size) + 12, 0, 4);
        put(avail + 4 + 2 * (idx % q.size), uint16_t(idx % q.size), 2);
        put(avail, uint16_t(idx + 1), 2);
        const uint64_t before = channel().info().guard_drops;
        device_->write(kSynth, SRIOVNIC_SYNTH_REG_QUEUE(SRIOVNIC_SYNTH_Q_TX, SRIOVNIC_SYNTH_QR_NOTIFY), 4, 1);
        reach.guard_drops += channel().info().guard_drops - before == 1;
    }

    // A driver's bring-up of the TX ring alone, in RAM, all fields sane.
    void start_synth_tx()
    {
        auto wr = [&](uint32_t reg, uint32_t v) { device_->write(kSynth, reg, 4, v); };
        if (!channel().regs().features_ok) {
            wr(SRIOVNIC_SYNTH_REG_DRV_FEATURES, uint32_t(pick(SRIOVNIC_SYNTH_F_ALL + 1)));
            wr(SRIOVNIC_SYNTH_REG_FEATURES_OK, 1);
        }
        wr(SRIOVNIC_REG_CTRL, SRIOVNIC_CTRL_ENABLE);
        const uint32_t n = SRIOVNIC_SYNTH_RING_MIN;
        const uint32_t desc = uint32_t(pick(kRamSize - 16 * n)) & ~15u;
        const uint32_t avail = uint32_t(pick(kRamSize - 4 - 2 * n)) & ~15u;
        const uint32_t used = uint32_t(pick(kRamSize - 4 - 8 * n)) & ~15u;
        auto qwr = [&](uint32_t reg, uint32_t v) { wr(SRIOVNIC_SYNTH_REG_QUEUE(SRIOVNIC_SYNTH_Q_TX, reg), v); };
        qwr(SRIOVNIC_SYNTH_QR_ENABLE, 0);
        qwr(SRIOVNIC_SYNTH_QR_DESC_LO, desc);
        qwr(SRIOVNIC_SYNTH_QR_DESC_HI, 0);
        qwr(SRIOVNIC_SYNTH_QR_AVAIL_LO, avail);
        qwr(SRIOVNIC_SYNTH_QR_AVAIL_HI, 0);
        qwr(SRIOVNIC_SYNTH_QR_USED_LO, used);
        qwr(SRIOVNIC_SYNTH_QR_USED_HI, 0);
        qwr(SRIOVNIC_SYNTH_QR_SIZE, n);
        put(avail, 0, 2);
        put(used, 0, 2);
        qwr(SRIOVNIC_SYNTH_QR_ENABLE, 1);
    }

    // What must hold of the channel whatever the guest and host did.
    void check_synth()
    {
        const SriovnicSynthRegs &r = channel().regs();
        ASSERT_LE(r.dp_state, 3u);
        if (r.dp_state == SRIOVNIC_SYNTH_DP_SYNTHETIC) {
            ASSERT_EQ(r.dp_vf, 0u);
            ASSERT_EQ(r.dp_serial, 0u);
        }
        ASSERT_LE(r.num_events, SRIOVNIC_SYNTH_MAX_WAITING_EVENTS);
        for (const SriovnicSynthQueueRegs &q : r.queues) {
            if (q.enable) {
                ASSERT_EQ(q.avail_pos, q.used_pos) << "every entry taken was used";
            }
        }
        const SriovnicSynthInfo info = channel().info();
        ASSERT_FALSE(info.rx_via_vf && !info.vf_up);
        // A port policy the VF cannot enforce: nothing is offered while it is set.
        ASSERT_FALSE(info.port_policies &&
                     (info.state == SRIOVNIC_SYNTH_DP_OFFERED || info.state == SRIOVNIC_SYNTH_DP_VF));
        // A migration that revoked the VF offers nothing until it ends.
        ASSERT_FALSE(info.migration == SRIOVNIC_SYNTH_MIGRATION_OUTGOING &&
                     (info.state == SRIOVNIC_SYNTH_DP_OFFERED || info.state == SRIOVNIC_SYNTH_DP_VF));
        // Before the guest switches, only a channel that cannot receive
        // leaves the pair's traffic to the VF.
        const bool channel_receives = (r.ctrl & SRIOVNIC_CTRL_ENABLE) &&
                                      (r.queues[SRIOVNIC_SYNTH_Q_RX].enable & SRIOVNIC_SYNTH_QENABLE);
        ASSERT_FALSE(info.rx_via_vf && info.state != SRIOVNIC_SYNTH_DP_VF &&
                     info.state != SRIOVNIC_SYNTH_DP_REVOKING && channel_receives);
        // Management's "why not SR-IOV": silent exactly while the VF carries the traffic.
        const SriovnicSynthReasons why = channel().reasons();
        const bool on_vf = info.state == SRIOVNIC_SYNTH_DP_VF && info.rx_via_vf;
        ASSERT_EQ(why.count == 0, on_vf);
        for (unsigned i = 0; i < why.count; i++) {
            ASSERT_LT(why.reason[i].code, unsigned(SRIOVNIC_SYNTH_WHY_COUNT));
            ASSERT_NE(why.reason[i].text[0], '\0');
        }
        if (r.dp_state != last_dp_state_) {
            reach.synth_transitions++;
            last_dp_state_ = r.dp_state;
        }
    }

    uint64_t pick(uint64_t n) { return std::uniform_int_distribution<uint64_t>(0, n - 1)(rng_); }

    uint32_t value()
    {
        switch (pick(6)) {
        case 0: return uint32_t(pick(17));                           // small numbers, bit 0..4
        case 1: return 1u << pick(32);                               // single bits
        case 2: return uint32_t(pick(kBarsEnd + 4096)) & ~15u;       // addresses, some in BARs or beyond
        case 3: return uint32_t(SRIOVNIC_RING_MIN << pick(11));      // ring lengths and beyond
        case 4: return SRIOVNIC_VLAN_FILTER_ADD | uint32_t(pick(4096)); // VLAN filter commands
        default: return uint32_t(rng_());
        }
    }

    uint16_t function() { return uint16_t(pick(kVfs + 3)); } // the channel and one past it too

    uint32_t offset()
    {
        if (pick(4) == 0) {
            return uint32_t(pick(SRIOVNIC_PF_REGS_SIZE + 16));
        }
        return offsets_[pick(offsets_.size())] + (pick(8) == 0 ? uint32_t(pick(4)) : 0);
    }

    unsigned size() { return 1u << pick(4); }

    void write_register() { device_->write(function(), offset(), size(), value()); }

    void read_register() { (void)device_->read(function(), offset(), size()); }

    // What a driver does, so that rings really run: a valid ring somewhere in
    // memory (whose contents are whatever the chaos left there), enabled,
    // with a doorbell.
    void start_queue()
    {
        const uint16_t fn = uint16_t(pick(kVfs + 1));
        const unsigned q = unsigned(pick(2));
        const uint32_t len = SRIOVNIC_RING_MIN << pick(4);
        const bool tx = pick(2);
        const uint32_t base = uint32_t(pick(16) ? pick(kRamSize - len * SRIOVNIC_DESC_SIZE)
                                                : kBarsBase + pick(kBarsEnd - kBarsBase)) & ~15u;
        auto qwr = [&](uint32_t reg, uint32_t v) {
            device_->write(fn, SRIOVNIC_REG_QUEUE(q, reg), 4, v);
        };
        device_->write(fn, SRIOVNIC_REG_CTRL, 4, SRIOVNIC_CTRL_ENABLE);
        if (tx) {
            qwr(SRIOVNIC_Q_TX_CTRL, 0);
            qwr(SRIOVNIC_Q_TX_BASE_LO, base);
            qwr(SRIOVNIC_Q_TX_BASE_HI, 0);
            qwr(SRIOVNIC_Q_TX_LEN, len);
            qwr(SRIOVNIC_Q_TX_CTRL, SRIOVNIC_QCTRL_ENABLE);
            const uint32_t tail = uint32_t(pick(len));
            if (base + len * SRIOVNIC_DESC_SIZE <= kRamSize && pick(2)) {
                // frames that look right, with random offloads
                for (uint32_t i = 0; i < tail; i++) {
                    test::TxDescFields d;
                    d.len = uint16_t(14 + pick(1500));
                    d.addr = pick(kRamSize - d.len);
                    d.flags = uint16_t((pick(3) ? SRIOVNIC_TXD_EOP : 0) |
                                       (pick(4) ? 0 : rng_() & ~SRIOVNIC_TXD_EOP));
                    d.csum_start = uint8_t(pick(60));
                    d.csum_offset = uint8_t(pick(20));
                    d.mss = uint16_t(pick(1500));
                    test::store_tx(platform_.ram, base + i * SRIOVNIC_DESC_SIZE, d);
                }
            }
            qwr(SRIOVNIC_Q_TX_TAIL, tail);
        } else {
            qwr(SRIOVNIC_Q_RX_CTRL, 0);
            qwr(SRIOVNIC_Q_RX_BASE_LO, base);
            qwr(SRIOVNIC_Q_RX_BASE_HI, 0);
            qwr(SRIOVNIC_Q_RX_LEN, len);
            qwr(SRIOVNIC_Q_RX_BUF_LEN, uint32_t(SRIOVNIC_RX_BUF_MIN << pick(7)));
            qwr(SRIOVNIC_Q_RX_CTRL, SRIOVNIC_QCTRL_ENABLE);
            qwr(SRIOVNIC_Q_RX_TAIL, uint32_t(pick(len)));
        }
        qwr(SRIOVNIC_Q_ITR, uint32_t(pick(3) == 0 ? pick(200) : 0));
        qwr(SRIOVNIC_Q_IRQ, SRIOVNIC_QIRQ_UNMASK);
    }

    // An address a little before one of the card's doorbells or other
    // registers, so a DMA of a few words ends on it.
    uint64_t near_a_register()
    {
        const uint16_t fn = uint16_t(pick(kVfs + 1));
        const uint64_t bar = fn == 0 ? kBarsBase
                                     : kBarsBase + SRIOVNIC_PF_REGS_SIZE + (fn - 1) * SRIOVNIC_VF_REGS_SIZE;
        const uint32_t reg = pick(2) ? SRIOVNIC_REG_QUEUE(pick(2), SRIOVNIC_Q_TX_TAIL)
                                     : offsets_[pick(offsets_.size())] % SRIOVNIC_VF_REGS_SIZE;
        return bar + reg - 4 * pick(16);
    }

    // Descriptors and buffers are wherever the guest pointed the rings: any
    // byte of memory may be one.
    void scribble_memory()
    {
        const size_t at = pick(kRamSize - 64);
        if (pick(4) == 0) { // an RX descriptor whose buffer ends on a register
            test::store_rx(platform_.ram, at & ~size_t(15), {.addr = near_a_register()});
        } else if (pick(2)) {
            test::TxDescFields d;
            d.addr = pick(8) == 0 ? rng_() : pick(kBarsEnd);
            d.len = uint16_t(pick(4) == 0 ? rng_() : pick(2048));
            d.flags = uint16_t(rng_());
            d.csum_start = uint8_t(rng_());
            d.csum_offset = uint8_t(rng_());
            d.mss = uint16_t(pick(2) ? pick(9000) : rng_());
            test::store_tx(platform_.ram, at & ~size_t(15), d);
        } else {
            for (size_t i = 0; i < 64; i++) {
                platform_.ram[at + i] = uint8_t(rng_());
            }
        }
    }

    void frame_from_backend()
    {
        static const test::Mac kMulticast = {0x01, 0x00, 0x5e, 0x00, 0x00, 0x01};
        const test::Mac dests[] = {test::kPfMac, test::kVf0Mac, test::kBroadcast, kMulticast,
                                   test::kRemote};
        test::Bytes frame(pick(4) == 0 ? pick(20) : pick(9100));
        const bool small_words = pick(4) == 0; // words that read as ring indices
        for (uint8_t &b : frame) {
            b = uint8_t(small_words ? (pick(8) == 0 ? pick(16) : 0) : rng_());
        }
        if (frame.size() >= 14 && pick(3)) {
            const test::Mac &dst = dests[pick(std::size(dests))];
            std::copy(dst.begin(), dst.end(), frame.begin());
            const uint16_t types[] = {0x0800, 0x86DD, 0x8100, 0x0806};
            test::put16(frame, 12, types[pick(std::size(types))]);
            if (frame.size() >= 34 && pick(2)) {
                frame[14] = 0x45; // IPv4 with a plausible header length
            }
        }
        (void)device_->uplink_receive(frame);
    }

    // Sometimes flips a bit of migrated state, as a corrupt stream would.
    template <typename State> State corrupted(State state)
    {
        if (pick(4) == 0) {
            auto *words = reinterpret_cast<uint32_t *>(&state);
            words[pick(sizeof(state) / 4)] ^= 1u << pick(32);
        }
        return state;
    }

    // Migrate whatever state the chaos produced, after sometimes flipping a
    // bit of it as a corrupt stream would: the destination either refuses it
    // or carries on from it.
    void migrate()
    {
        auto dest = new_device();
        dest->set_active_vfs(device_->active_vfs());
        dest->pf_admin_regs() = device_->pf_admin_regs();
        bool accepted = true;
        for (uint16_t fn = 0; fn <= kVfs; fn++) {
            *dest->fn_regs(fn) = corrupted(*device_->fn_regs(fn));
            if (fn != SRIOVNIC_FN_PF) {
                const uint16_t vf = uint16_t(fn - 1);
                *dest->vf_admin_regs(vf) = corrupted(*device_->vf_admin_regs(vf));
                *dest->vf_mailbox_regs(vf) = corrupted(*device_->vf_mailbox_regs(vf));
            }
            accepted = accepted && !dest->post_load(fn);
        }
        channel().pre_save();
        *dest->synth_regs(kSynth) = corrupted(channel().regs());
        accepted = accepted && !dest->post_load(kSynth);
        if (accepted) {
            // An offer due at the guest's first transmit: the chaos's next
            // TX notify, timer or migration meets it.
            if (dest->synth_vm_running(kSynth, true)) {
                reach.resumes_awaiting_transmit++;
            }
            device_ = std::move(dest);
        }
        (accepted ? reach.migrations_taken : reach.migrations_refused)++;
    }

    // ---- the PF<->VF mailbox ----

    using MbxMsg = std::array<uint32_t, SRIOVNIC_MBX_WORDS>;
    using MbxCounts = std::array<uint32_t, 4>; // bad requests, bad replies, late, duplicate

    MbxCounts mbx_counts(uint16_t fn)
    {
        auto rd = [&](uint32_t reg) { return uint32_t(device_->read(fn, reg, 4)); };
        return {rd(SRIOVNIC_REG_MBX_BAD_REQUESTS), rd(SRIOVNIC_REG_MBX_BAD_REPLIES),
                rd(SRIOVNIC_REG_MBX_LATE_REPLIES), rd(SRIOVNIC_REG_MBX_DUP_REPLIES)};
    }

    // A request, well-formed, or malformed in one of the ways the contract names.
    MbxMsg mbx_request(uint32_t tag, bool malformed)
    {
        MbxMsg m{};
        const uint32_t op = SRIOVNIC_MBX_HELLO + uint32_t(pick(SRIOVNIC_MBX_REQUEST_LAST));
        m[0] = SRIOVNIC_MBX_W0(op, tag, 0);
        m[1] = op == SRIOVNIC_MBX_SET_MTU  ? SRIOVNIC_MTU_MIN + uint32_t(pick(8000))
             : op == SRIOVNIC_MBX_SET_VLAN ? uint32_t(pick(4095)) | (pick(2) ? SRIOVNIC_VLAN_FILTER_ADD : 0)
             : op == SRIOVNIC_MBX_HELLO    ? SRIOVNIC_MBX_LEGACY_LEVEL
                                           : uint32_t(rng_());
        m[2] = op == SRIOVNIC_MBX_HELLO ? uint32_t(rng_()) : op == SRIOVNIC_MBX_SET_MC_LIST ? uint32_t(rng_()) : 0;
        if (malformed) {
            switch (pick(5)) {
            case 0: m[0] = SRIOVNIC_MBX_W0(0x05 + pick(0x7B), tag, 0); break; // no such opcode
            case 1: m[0] |= SRIOVNIC_MBX_REPLY; break;
            case 2: m[0] |= uint32_t(1 + pick(255)) << 16; break;          // a status
            case 3: m[3 + pick(SRIOVNIC_MBX_WORDS - 3)] = uint32_t(rng_()) | 1; break;
            default: m[0] = SRIOVNIC_MBX_W0(SRIOVNIC_MBX_SET_MTU, tag, 0); m[1] = uint32_t(pick(68)); break;
            }
        }
        return m;
    }

    // A reply to request word 0 `req` with its tag replaced by `tag`;
    // malformed in one of the ways the contract names if asked.
    MbxMsg mbx_reply(uint32_t req, uint32_t tag, bool malformed)
    {
        MbxMsg m{};
        const uint32_t op = SRIOVNIC_MBX_OPCODE(req);
        const bool known = op >= SRIOVNIC_MBX_HELLO && op <= SRIOVNIC_MBX_REQUEST_LAST;
        const uint32_t status = known && op != SRIOVNIC_MBX_HELLO && pick(2) ? SRIOVNIC_MBX_OK
                                : pick(2)                                   ? SRIOVNIC_MBX_UNSUPPORTED
                                                                            : SRIOVNIC_MBX_BAD_REQUEST;
        m[0] = SRIOVNIC_MBX_W0(op | SRIOVNIC_MBX_REPLY, tag, status);
        if (malformed) {
            switch (pick(3)) {
            case 0: m[0] |= uint32_t(4 + pick(252)) << 16; break;      // no such status
            case 1: m[1 + pick(SRIOVNIC_MBX_WORDS - 1)] = uint32_t(rng_()) | 1; break;
            default: m[0] = SRIOVNIC_MBX_W0(SRIOVNIC_MBX_PF_RESET, tag ? tag : 1, 0); break; // tagged notice
            }
        }
        return m;
    }

    // VF `vf` sends `m`; the PF takes it. False if it was not carried.
    bool mbx_vf_send(uint16_t vf, const MbxMsg &m)
    {
        const uint16_t fn = SRIOVNIC_FN_VF(vf);
        device_->write(SRIOVNIC_FN_PF, SRIOVNIC_REG_ADMIN(vf, SRIOVNIC_VFA_MBX_CTRL), 4, SRIOVNIC_MBX_CTRL_ACK);
        if (device_->read(fn, SRIOVNIC_REG_MBX_STATUS, 4) & SRIOVNIC_MBX_STATUS_BUSY) {
            return false;
        }
        for (unsigned i = 0; i < SRIOVNIC_MBX_WORDS; i++) {
            device_->write(fn, SRIOVNIC_REG_MBX_VF_MSG(i), 4, m[i]);
        }
        device_->write(fn, SRIOVNIC_REG_MBX_CTRL, 4, SRIOVNIC_MBX_CTRL_SEND);
        return device_->read(SRIOVNIC_FN_PF, SRIOVNIC_REG_PF_MBX_VF_MSG(vf, 0), 4) == m[0];
    }

    // The PF sends `m` to VF `vf`, which takes it; false if not carried.
    bool mbx_pf_send(uint16_t vf, const MbxMsg &m)
    {
        const uint16_t fn = SRIOVNIC_FN_VF(vf);
        device_->write(fn, SRIOVNIC_REG_MBX_CTRL, 4, SRIOVNIC_MBX_CTRL_ACK);
        for (unsigned i = 0; i < SRIOVNIC_MBX_WORDS; i++) {
            device_->write(SRIOVNIC_FN_PF, SRIOVNIC_REG_PF_MBX_PF_MSG(vf, i), 4, m[i]);
        }
        device_->write(SRIOVNIC_FN_PF, SRIOVNIC_REG_ADMIN(vf, SRIOVNIC_VFA_MBX_CTRL), 4, SRIOVNIC_MBX_CTRL_SEND);
        return device_->read(fn, SRIOVNIC_REG_MBX_PF_MSG(0), 4) == m[0];
    }

    // A careless pair of drivers on one VF's mailbox: an answered request,
    // one the VF gives up on and a newer one, then the late answer to the
    // one given up, the real answer and a duplicate of it, with malformed
    // requests and replies among them. The card carries every message (the
    // mailbox keeps working) and counts exactly those that break the contract.
    void mailbox_exchange()
    {
        const uint16_t vf = uint16_t(pick(kVfs));
        const uint16_t fn = SRIOVNIC_FN_VF(vf);
        if (vf >= device_->active_vfs() || device_->vf_removed(vf) ||
            device_->mailbox_timeout(vf)) {
            return;
        }
        const uint32_t t0 = 1 + uint32_t(pick(SRIOVNIC_MBX_TAG_MAX));
        const uint32_t t1 = SRIOVNIC_MBX_NEXT_TAG(t0), t2 = SRIOVNIC_MBX_NEXT_TAG(t1);
        auto sat = [](uint32_t c, bool inc) { return inc && c != UINT32_MAX ? c + 1 : c; };
        auto expect = [&](const MbxCounts &before, int which, const char *what) {
            MbxCounts want = before;
            if (which >= 0) {
                want[size_t(which)] = sat(want[size_t(which)], true);
            }
            const MbxCounts got = mbx_counts(fn);
            EXPECT_EQ(got, want) << what;
            for (size_t i = 0; i < 4; i++) {
                reach.mbx_counted[i] += got[i] - before[i];
            }
        };
        auto request = [&](uint32_t tag) -> std::optional<uint32_t> {
            const bool bad = pick(4) == 0;
            const MbxMsg m = mbx_request(tag, bad);
            const MbxCounts before = mbx_counts(fn);
            if (!mbx_vf_send(vf, m)) {
                ADD_FAILURE() << "VF " << vf << "'s request was not carried";
                return std::nullopt;
            }
            reach.mbx_sent[0] += bad;
            expect(before, bad ? 0 : -1, "request");
            return m[0];
        };
        auto reply = [&](uint32_t req, uint32_t tag, int kind, const char *what) {
            const bool bad = kind == 1;
            const MbxMsg m = mbx_reply(req, tag, bad);
            const MbxCounts before = mbx_counts(fn);
            if (!mbx_pf_send(vf, m)) {
                ADD_FAILURE() << "the PF's reply to VF " << vf << " was not carried";
                return false;
            }
            reach.mbx_sent[size_t(kind)] += kind != 0;
            expect(before, kind == 0 ? -1 : kind, what);
            return true;
        };

        const auto r0 = request(t0);
        if (!r0 || !reply(*r0, t0, 0, "an answer")) {
            return;
        }
        const auto r1 = request(t1); // given up on by the VF
        const auto r2 = r1 ? request(t2) : std::nullopt;
        if (!r2) {
            return;
        }
        if (pick(2) && !reply(*r1, t1, 2, "the late answer to the request given up on")) {
            return;
        }
        if (pick(4) == 0 && !reply(*r2, t2, 1, "a malformed reply")) {
            return;
        }
        if (!reply(*r2, t2, 0, "the answer")) {
            return;
        }
        if (pick(2)) {
            (void)reply(*r2, t2, 3, "the answer again");
        }
    }

    // The host injects any fault (or an unknown one) on any VF, for a few ms
    // or for ever; the guest's random work goes on through it.
    void inject_fault()
    {
        const unsigned fault = unsigned(pick(SRIOVNIC_INJECT_COUNT + 1));
        uint16_t vf = uint16_t(pick(kVfs + 1));
        if (fault == SRIOVNIC_INJECT_RESTORE) {
            for (uint16_t n = 0; n < kVfs; n++) {
                vf = device_->vf_removed(n) ? n : vf; // one that can be, if any
            }
        }
        // 0 (the fault's default) half the time: a removal then lasts until restored.
        const uint32_t duration_ms = pick(2) ? 0 : uint32_t(pick(4) ? pick(5) : rng_());
        const auto refused = device_->inject_fault({vf, fault, duration_ms != 0, duration_ms});
        if (!refused) {
            ASSERT_LT(fault, SRIOVNIC_INJECT_COUNT);
            reach.faults[fault]++;
        }
    }

public:
    // How deep the chaos got, so that a change which makes it shallow shows.
    struct Reach {
        size_t interrupts = 0, frames_out = 0, dma = 0, bar_accesses = 0;
        size_t migrations_taken = 0, migrations_refused = 0;
        size_t synth_requests = 0, synth_transitions = 0;
        size_t guard_drops = 0; // transmits that a port policy dropped
        size_t resumes_awaiting_transmit = 0; // destinations whose offer waits for TX
        std::array<size_t, SRIOVNIC_INJECT_COUNT> faults{}; // accepted, per fault
        // Mailbox messages the chaos sent that break the contract, and what the card
        // counted: malformed requests, malformed replies, late replies, duplicates.
        std::array<size_t, 4> mbx_sent{}, mbx_counted{};
    } reach;

private:
    void check_outputs()
    {
        reach.interrupts += platform_.msix.size();
        reach.frames_out += platform_.uplink.size();
        reach.dma += platform_.dma_fns.size();
        for (const auto &[fn, vector] : platform_.msix) {
            ASSERT_LE(fn, kSynth);
            const unsigned vectors = device_->msix_vectors(fn);
            ASSERT_LT(vector, vectors) << "function " << fn;
        }
        platform_.msix.clear();
        for (const auto &frame : platform_.uplink) {
            ASSERT_GE(frame.size(), 14u);
            ASSERT_LE(frame.size(), SRIOVNIC_MTU_MAX + SRIOVNIC_FRAME_OVERHEAD);
        }
        platform_.uplink.clear();
        platform_.dma_fns.clear();
        platform_.traces.clear();
    }

    std::mt19937_64 rng_;
    std::vector<uint32_t> offsets_;
    std::vector<uint32_t> synth_offsets_;
    uint32_t last_dp_state_ = SRIOVNIC_SYNTH_DP_SYNTHETIC;
    test::FakePlatform platform_{kRamSize};
    std::unique_ptr<Device> device_;
    uint16_t synth_fn_ = kSynth;
    test::ChannelHost channel_{device_, synth_fn_};
};

// SRIOVNIC_CHAOS_SEEDS=N runs seeds 1..N (default 8) for a longer hunt.
TEST(Chaos, RandomGuestBehaviourNeverBreaksTheDevice)
{
    const char *env = std::getenv("SRIOVNIC_CHAOS_SEEDS");
    const uint64_t seeds = env ? std::strtoull(env, nullptr, 10) : 8;
    std::array<size_t, SRIOVNIC_INJECT_COUNT> faults{};
    size_t guard_drops = 0, resumes_awaiting_transmit = 0;
    std::array<size_t, 4> mbx_sent{}, mbx_counted{};
    for (uint64_t seed = 1; seed <= seeds; seed++) {
        SCOPED_TRACE("seed " + std::to_string(seed));
        Chaos chaos(seed);
        for (int i = 0; i < 20000; i++) {
            chaos.step();
            if (testing::Test::HasFatalFailure()) {
                FAIL() << "step " << i;
            }
        }
        const Chaos::Reach &r = chaos.reach;
        std::cout << "seed " << seed << ": " << r.interrupts << " interrupts, " << r.frames_out
                  << " frames out, " << r.dma << " DMA accesses (" << r.bar_accesses
                  << " into the card's BARs), migrations " << r.migrations_taken
                  << " taken / " << r.migrations_refused << " refused, " << r.synth_requests
                  << " CTRL requests, " << r.synth_transitions << " data-path changes, "
                  << r.guard_drops << " guard drops\n";
        // The chaos must reach the data path and migration, or it tests little.
        EXPECT_GT(r.frames_out, 100u);
        EXPECT_GT(r.dma, 1000u);
        EXPECT_GT(r.bar_accesses, 100u);
        EXPECT_GT(r.migrations_taken, 0u);
        EXPECT_GT(r.migrations_refused, 0u);
        EXPECT_GT(r.synth_requests, 10u);
        EXPECT_GT(r.synth_transitions, 10u);
        for (unsigned f = 0; f < SRIOVNIC_INJECT_COUNT; f++) {
            faults[f] += r.faults[f];
        }
        guard_drops += r.guard_drops;
        resumes_awaiting_transmit += r.resumes_awaiting_transmit;
        for (size_t k = 0; k < 4; k++) {
            mbx_sent[k] += r.mbx_sent[k];
            mbx_counted[k] += r.mbx_counted[k];
        }
    }
    std::cout << "mailbox over " << seeds << " seeds: sent " << mbx_sent[0] << " malformed requests, "
              << mbx_sent[1] << " malformed replies, " << mbx_sent[2] << " late and " << mbx_sent[3]
              << " duplicated replies; the card counted " << mbx_counted[0] << ", " << mbx_counted[1]
              << ", " << mbx_counted[2] << ", " << mbx_counted[3] << "\n";
    for (size_t k = 0; k < 4; k++) {
        EXPECT_GT(mbx_sent[k], 0u) << "mailbox anomaly " << k << " was never sent";
    }
    EXPECT_GT(guard_drops, 0u) << "no frame met a port policy";
    std::cout << "destinations whose offer waited for the guest's first transmit: "
              << resumes_awaiting_transmit << "\n";
    EXPECT_GT(resumes_awaiting_transmit, 0u) << "no migration left an offer due";
    // Some kinds are accepted only in some states (restore: a removed VF):
    // over all seeds, every kind must have been.
    for (unsigned f = 0; f < SRIOVNIC_INJECT_COUNT; f++) {
        EXPECT_GT(faults[f], 0u) << "fault " << f << " was never injected";
    }
}

} // namespace
} // namespace sriovnic
